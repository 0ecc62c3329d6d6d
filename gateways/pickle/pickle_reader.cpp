#include "gateways/pickle/pickle_reader.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/call_error.hpp"
#include "actors/error_type.hpp"
#include "actors/utf8.hpp"
#include "gateways/pickle/opcodes.hpp"

namespace actorserve::pickle {

namespace {

constexpr const char* subset_holds
  = "the safe pickle subset holds None, bool, int, float, str, bytes, bytearray, list, "
    "tuple, dict, set and frozenset, and never imports, calls or builds an object";

// The names Python writes for bytes, bytearray, set and frozenset under
// protocols 2 and 3; recognized, never looked up.
enum class constructor : std::uint8_t { codecs_encode, bytes, bytearray, set, frozenset };

enum class kind : std::uint8_t { scalar, list, tuple, dict, set, frozenset };

const char* kind_name(kind k) {
  switch (k) {
    case kind::scalar: return "a scalar";
    case kind::list: return "a list";
    case kind::tuple: return "a tuple";
    case kind::dict: return "a dict";
    case kind::set: return "a set";
    case kind::frozenset: return "a frozenset";
  }
  return "a value";
}

// A value as the pickle builds it. Containers are shared, as in Python: a
// memo reference names the same list, not a copy. A container is built
// only until it is placed in another (Python's pickler never adds to it
// after), so no structure can contain itself, and a container's depth is
// final once it is placed.
struct node {
  explicit node(kind k) : k(k), depth(k == kind::scalar ? 0 : 1) {
  }
  kind k;
  bool placed = false;
  bool big_int = false; // an int beyond 64 bits, held as the nearest float
  std::size_t depth;
  json scalar;
  std::vector<std::shared_ptr<node>> items; // a dict: key, value, key, value
};

using node_ptr = std::shared_ptr<node>;

// A stack or memo entry: a value, or one of the recognized constructors.
struct entry {
  node_ptr value;
  constructor ctor = constructor::bytes;
};

class reader {
public:
  reader(std::string_view in, const read_limits& limits) : in_(in), limits_(limits) {
  }

  json run() {
    if (in_.empty())
      bad_at(0, "the pickle is empty");
    for (;;) {
      op_pos_ = pos_;
      auto code = byte();
      if (code == op::stop)
        return finish();
      step(code);
    }
  }

private:
  // -- errors --------------------------------------------------------------

  [[noreturn]] void bad_at(std::size_t at, const std::string& what) const {
    throw call_error(error_type::bad_request,
                     "pickle: " + what + " (at byte " + std::to_string(at) + ")");
  }

  [[noreturn]] void bad(const std::string& what) const {
    bad_at(op_pos_, what);
  }

  std::string here() const {
    return op::name(static_cast<std::uint8_t>(in_[op_pos_]));
  }

  // -- input ---------------------------------------------------------------

  // Checks that `n` more bytes are there before anything is made of them.
  void need(std::uint64_t n) const {
    if (n > in_.size() - pos_)
      bad(here() + " needs " + std::to_string(n) + " bytes, but the pickle ends after "
          + std::to_string(in_.size() - pos_));
  }

  std::uint8_t byte() {
    if (pos_ >= in_.size())
      bad_at(pos_, "the pickle ends before its STOP opcode");
    return static_cast<std::uint8_t>(in_[pos_++]);
  }

  std::uint64_t little_endian(std::size_t n) {
    need(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
      v |= std::uint64_t{static_cast<std::uint8_t>(in_[pos_ + i])} << (8 * i);
    pos_ += n;
    return v;
  }

  std::string_view take(std::uint64_t n) {
    need(n);
    auto out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  std::string_view line() {
    auto end = in_.find('\n', pos_);
    if (end == std::string_view::npos)
      bad(here() + " has no newline after its argument");
    auto out = in_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }

  // -- the stack -----------------------------------------------------------

  std::size_t floor() const {
    return marks_.empty() ? 0 : marks_.back();
  }

  void push(node_ptr v) {
    stack_.push_back(entry{std::move(v)});
  }

  void push_scalar(json v) {
    auto n = std::make_shared<node>(kind::scalar);
    n->scalar = std::move(v);
    push(std::move(n));
  }

  entry pop_entry() {
    if (stack_.size() <= floor())
      bad(here() + " needs a value on the stack, and there is none");
    auto e = std::move(stack_.back());
    stack_.pop_back();
    return e;
  }

  node_ptr pop_value() {
    auto e = pop_entry();
    if (!e.value)
      bad(here() + " takes a value, not a name (only REDUCE takes a name)");
    return e.value;
  }

  node_ptr& top_value() {
    if (stack_.size() <= floor())
      bad(here() + " needs a value on the stack, and there is none");
    if (!stack_.back().value)
      bad(here() + " takes a value, not a name");
    return stack_.back().value;
  }

  // The entries above the topmost mark, which is dropped.
  std::vector<entry> pop_to_mark() {
    if (marks_.empty())
      bad(here() + " needs a MARK, and there is none");
    auto from = marks_.back();
    marks_.pop_back();
    std::vector<entry> out(std::make_move_iterator(stack_.begin() + from),
                           std::make_move_iterator(stack_.end()));
    stack_.resize(from);
    return out;
  }

  // The container below the top of the stack that APPEND and the like add
  // to (it must still be being built).
  node& target(kind expected, const char* what) {
    if (stack_.size() <= floor() || !stack_.back().value)
      bad(here() + " needs " + what + " below its items, and there is none");
    auto& t = *stack_.back().value;
    if (t.k != expected)
      bad(here() + " adds to " + what + ", not to " + kind_name(t.k));
    if (t.placed)
      bad(here() + " adds to " + kind_name(t.k)
          + " already placed in another container: Python never writes that, and it "
            "could make a structure contain itself");
    return t;
  }

  void place(node& parent, const node_ptr& child) {
    if (child->k != kind::scalar) {
      if (child.get() == &parent)
        bad(here() + " puts " + kind_name(parent.k)
            + " inside itself: a structure that contains itself has no value in ours");
      child->placed = true;
      if (child->depth + 1 > parent.depth)
        parent.depth = child->depth + 1;
      if (parent.depth > limits_.max_depth)
        bad(too_deep_message("the pickle", limits_.max_depth));
    }
    parent.items.push_back(child);
  }

  void place_all(node& parent, const std::vector<entry>& items) {
    parent.items.reserve(parent.items.size() + items.size());
    for (auto& e : items) {
      if (!e.value)
        bad(here() + " takes values, not a name");
      place(parent, e.value);
    }
  }

  node_ptr make_container(kind k, std::vector<entry>&& items) {
    auto c = std::make_shared<node>(k);
    place_all(*c, items);
    return c;
  }

  // -- the memo ------------------------------------------------------------

  void memo_put(std::uint64_t index) {
    if (stack_.size() <= floor())
      bad(here() + " stores the top of the stack, and there is none");
    if (index < memo_.size())
      memo_[index] = stack_.back();
    else if (index == memo_.size() && sparse_.empty())
      memo_.push_back(stack_.back());
    else
      sparse_[index] = stack_.back(); // any index: never sized on a number
  }

  void memo_get(std::uint64_t index) {
    if (index < memo_.size()) {
      stack_.push_back(memo_[index]);
      return;
    }
    auto it = sparse_.find(index);
    if (it == sparse_.end())
      bad(here() + " reads memo entry " + std::to_string(index) + ", which was never stored");
    stack_.push_back(it->second);
  }

  // -- opcodes -------------------------------------------------------------

  void step(std::uint8_t code) {
    switch (code) {
      case op::proto: {
        auto version = byte();
        if (version < 2 || version > 5)
          bad("protocol " + std::to_string(version)
              + " is not read: the subset reads protocols 2 to 5");
        break;
      }
      case op::frame:
        // A frame only groups the opcodes that follow; each checks its own
        // lengths still.
        need(little_endian(8));
        break;
      case op::none:
        push_scalar(json(nullptr));
        break;
      case op::newtrue:
        push_scalar(json(true));
        break;
      case op::newfalse:
        push_scalar(json(false));
        break;
      case op::binint:
        push_scalar(json(static_cast<std::int64_t>(
          static_cast<std::int32_t>(static_cast<std::uint32_t>(little_endian(4))))));
        break;
      case op::binint1:
        push_scalar(json(static_cast<std::int64_t>(little_endian(1))));
        break;
      case op::binint2:
        push_scalar(json(static_cast<std::int64_t>(little_endian(2))));
        break;
      case op::long1:
        push_long(take(little_endian(1)));
        break;
      case op::long4: {
        auto n = static_cast<std::int32_t>(static_cast<std::uint32_t>(little_endian(4)));
        if (n < 0)
          bad("LONG4 declares a negative length");
        push_long(take(static_cast<std::uint64_t>(n)));
        break;
      }
      case op::binfloat: {
        auto bits = take(8);
        std::uint64_t v = 0;
        for (auto c : bits)
          v = (v << 8) | static_cast<std::uint8_t>(c); // big-endian
        double d;
        std::memcpy(&d, &v, sizeof d);
        push_scalar(json(d));
        break;
      }
      case op::binunicode:
        push_str(take(little_endian(4)));
        break;
      case op::short_binunicode:
        push_str(take(little_endian(1)));
        break;
      case op::binunicode8:
        push_str(take(little_endian(8)));
        break;
      case op::binbytes:
        push_bytes(take(little_endian(4)));
        break;
      case op::short_binbytes:
        push_bytes(take(little_endian(1)));
        break;
      case op::binbytes8:
      case op::bytearray8:
        push_bytes(take(little_endian(8)));
        break;
      case op::mark:
        marks_.push_back(stack_.size());
        break;
      case op::empty_list:
        push(std::make_shared<node>(kind::list));
        break;
      case op::empty_dict:
        push(std::make_shared<node>(kind::dict));
        break;
      case op::empty_set:
        push(std::make_shared<node>(kind::set));
        break;
      case op::empty_tuple:
        push(std::make_shared<node>(kind::tuple));
        break;
      case op::list:
        push(make_container(kind::list, pop_to_mark()));
        break;
      case op::tuple:
        push(make_container(kind::tuple, pop_to_mark()));
        break;
      case op::frozenset:
        push(make_container(kind::frozenset, pop_to_mark()));
        break;
      case op::dict: {
        auto items = pop_to_mark();
        if (items.size() % 2 != 0)
          bad("DICT needs keys and values in pairs");
        push(make_container(kind::dict, std::move(items)));
        break;
      }
      case op::tuple1:
      case op::tuple2:
      case op::tuple3: {
        std::size_t n = code - op::tuple1 + 1;
        if (stack_.size() < floor() + n)
          bad(here() + " needs " + std::to_string(n) + " values on the stack");
        std::vector<entry> items(std::make_move_iterator(stack_.end() - n),
                                 std::make_move_iterator(stack_.end()));
        stack_.resize(stack_.size() - n);
        push(make_container(kind::tuple, std::move(items)));
        break;
      }
      case op::append: {
        auto v = pop_value();
        place(target(kind::list, "a list"), v);
        break;
      }
      case op::appends: {
        auto items = pop_to_mark();
        place_all(target(kind::list, "a list"), items);
        break;
      }
      case op::setitem: {
        auto v = pop_value();
        auto k = pop_value();
        auto& t = target(kind::dict, "a dict");
        place(t, k);
        place(t, v);
        break;
      }
      case op::setitems: {
        auto items = pop_to_mark();
        if (items.size() % 2 != 0)
          bad("SETITEMS needs keys and values in pairs");
        place_all(target(kind::dict, "a dict"), items);
        break;
      }
      case op::additems: {
        auto items = pop_to_mark();
        place_all(target(kind::set, "a set"), items);
        break;
      }
      case op::pop:
        // As Python does: POP with nothing above the topmost mark drops it.
        if (stack_.size() > floor())
          stack_.pop_back();
        else
          pop_to_mark();
        break;
      case op::pop_mark:
        pop_to_mark();
        break;
      case op::dup:
        if (stack_.size() <= floor())
          bad("DUP needs a value on the stack, and there is none");
        stack_.push_back(stack_.back());
        break;
      case op::binput:
        memo_put(little_endian(1));
        break;
      case op::long_binput:
        memo_put(little_endian(4));
        break;
      case op::memoize:
        memo_put(memo_.size() + sparse_.size());
        break;
      case op::binget:
        memo_get(little_endian(1));
        break;
      case op::long_binget:
        memo_get(little_endian(4));
        break;
      case op::global: {
        auto module = line();
        auto name = line();
        push_constructor(module, name);
        break;
      }
      case op::stack_global: {
        auto name = pop_value();
        auto module = pop_value();
        if (!module->scalar.is_string() || !name->scalar.is_string())
          bad("STACK_GLOBAL takes a module and a name, both str");
        push_constructor(module->scalar.get_ref<const std::string&>(),
                         name->scalar.get_ref<const std::string&>());
        break;
      }
      case op::reduce:
        reduce();
        break;
      default:
        refuse(code);
    }
  }

  [[noreturn]] void refuse(std::uint8_t code) {
    auto name = op::name(code);
    if (name == nullptr) {
      static const char* hex = "0123456789abcdef";
      bad(std::string("byte 0x") + hex[code >> 4] + hex[code & 15]
          + " is no pickle opcode");
    }
    switch (code) {
      case 'F': case 'I': case 'L': case 'S': case 'T': case 'U': case 'V': case 'g':
      case 'p':
        bad(std::string("the opcode ") + name
            + " is not read: the subset reads what Python 3 writes with protocols 2 to 5");
      default:
        bad(std::string("the opcode ") + name + " is refused: " + subset_holds);
    }
  }

  void push_constructor(std::string_view module, std::string_view name) {
    auto builtin = module == "builtins" || module == "__builtin__";
    entry e;
    if (module == "_codecs" && name == "encode")
      e.ctor = constructor::codecs_encode;
    else if (builtin && name == "bytes")
      e.ctor = constructor::bytes;
    else if (builtin && name == "bytearray")
      e.ctor = constructor::bytearray;
    else if (builtin && name == "set")
      e.ctor = constructor::set;
    else if (builtin && name == "frozenset")
      e.ctor = constructor::frozenset;
    else
      bad("the opcode " + here() + " names " + printable(module) + "." + printable(name)
          + ", which is refused: " + subset_holds);
    stack_.push_back(std::move(e));
  }

  // A name from the pickle, fit for a message: at most 100 printable ASCII
  // characters.
  static std::string printable(std::string_view text) {
    std::string out;
    for (auto c : text.substr(0, 100))
      out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (text.size() > 100)
      out += "...";
    return out;
  }

  // REDUCE on one of the recognized names, with the arguments Python writes.
  void reduce() {
    auto args = pop_value();
    auto callable = pop_entry();
    if (callable.value)
      bad("REDUCE calls " + std::string(kind_name(callable.value->k))
          + ", which is refused: " + subset_holds);
    if (args->k != kind::tuple)
      bad("REDUCE needs a tuple of arguments");
    auto& a = args->items;
    auto is = [&](std::size_t i, auto check) { return i < a.size() && check(*a[i]); };
    auto str = [](const node& n) { return n.k == kind::scalar && n.scalar.is_string(); };
    auto bytes = [](const node& n) { return n.k == kind::scalar && n.scalar.is_binary(); };
    auto list = [](const node& n) { return n.k == kind::list; };
    switch (callable.ctor) {
      case constructor::codecs_encode: {
        // _codecs.encode(text, "latin1"): bytes under protocol 2.
        if (a.size() != 2 || !is(0, str) || !is(1, str)
            || (a[1]->scalar.get_ref<const std::string&>() != "latin1"
                && a[1]->scalar.get_ref<const std::string&>() != "latin-1"))
          bad("REDUCE of _codecs.encode takes (str, 'latin1'), as Python writes bytes");
        push_bytes(latin1(a[0]->scalar.get_ref<const std::string&>()));
        return;
      }
      case constructor::bytes:
        if (!a.empty())
          bad("REDUCE of bytes takes no arguments, as Python writes b''");
        push_bytes({});
        return;
      case constructor::bytearray:
        if (a.empty()) {
          push_bytes({});
          return;
        }
        if (a.size() != 1 || !is(0, bytes))
          bad("REDUCE of bytearray takes (bytes,) or (), as Python writes a bytearray");
        push(a[0]);
        return;
      case constructor::set:
      case constructor::frozenset: {
        auto k = callable.ctor == constructor::set ? kind::set : kind::frozenset;
        if (a.empty()) {
          push(std::make_shared<node>(k));
          return;
        }
        if (a.size() != 1 || !is(0, list))
          bad("REDUCE of set or frozenset takes (list,) or (), as Python writes one");
        auto s = std::make_shared<node>(k);
        for (auto& item : a[0]->items)
          place(*s, item);
        push(std::move(s));
        return;
      }
    }
  }

  // The bytes a str of code points up to U+00FF stands for.
  std::string latin1(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
      auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else if ((c == 0xC2 || c == 0xC3) && i + 1 < text.size()) {
        out += static_cast<char>(((c & 0x03) << 6) | (text[++i] & 0x3F));
      } else {
        bad("REDUCE of _codecs.encode: a latin1 str holds only code points up to U+00FF");
      }
    }
    return out;
  }

  void push_str(std::string_view text) {
    if (!is_valid_utf8(text))
      bad("a str that is not valid UTF-8 (Python writes a lone surrogate so)");
    push_scalar(json(std::string(text)));
  }

  void push_bytes(std::string_view bytes) {
    push_scalar(json::binary(json::binary_t::container_type(bytes.begin(), bytes.end())));
  }

  // A little-endian two's complement int of any length: an int of ours when
  // it fits 64 bits (signed, or unsigned), else the nearest float, as JSON
  // text with that number would give.
  void push_long(std::string_view b) {
    auto n = b.size();
    auto at = [&](std::size_t i) { return static_cast<std::uint8_t>(b[i]); };
    if (n == 0) {
      push_scalar(json(std::int64_t{0}));
      return;
    }
    bool negative = at(n - 1) & 0x80;
    // Past the low 8 bytes, a value that fits holds only sign bytes.
    bool fits = true;
    for (std::size_t i = 8; i < n && fits; ++i)
      fits = at(i) == (negative ? 0xFF : 0x00);
    if (fits) {
      std::uint64_t v = 0;
      for (std::size_t i = 0; i < std::min<std::size_t>(n, 8); ++i)
        v |= std::uint64_t{at(i)} << (8 * i);
      if (n < 8 && negative)
        v |= ~std::uint64_t{0} << (8 * n); // sign-extend
      bool top = v >> 63;
      if (negative == top || n < 8) {
        push_scalar(json(static_cast<std::int64_t>(v)));
        return;
      }
      if (!negative) { // 2^63 to 2^64-1
        push_scalar(json(v));
        return;
      }
    }
    push_big(b, negative);
  }

  void push_big(std::string_view b, bool negative) {
    // The magnitude, little-endian.
    std::vector<std::uint8_t> m(b.begin(), b.end());
    if (negative) {
      unsigned carry = 1;
      for (auto& x : m) {
        unsigned v = static_cast<std::uint8_t>(~x) + carry;
        x = static_cast<std::uint8_t>(v);
        carry = v >> 8;
      }
    }
    std::size_t top = m.size();
    while (top > 0 && m[top - 1] == 0)
      --top;
    std::size_t bits = (top - 1) * 8;
    for (auto t = m[top - 1]; t != 0; t >>= 1)
      ++bits;
    if (bits > 1024)
      bad("an int of " + std::to_string(bits) + " bits is beyond the range of a float");
    auto bit = [&](std::size_t p) { return (m[p / 8] >> (p % 8)) & 1u; };
    // The top 64 bits, then round to 53 to nearest, ties to even.
    std::uint64_t head = 0;
    for (std::size_t i = 0; i < 64; ++i)
      head = (head << 1) | bit(bits - 1 - i);
    bool sticky = false;
    for (std::size_t p = 0; p + 64 < bits && !sticky; ++p)
      sticky = bit(p);
    std::uint64_t mantissa = head >> 11;
    bool round = (head >> 10) & 1;
    sticky = sticky || (head & 0x3FF) != 0;
    int exponent = static_cast<int>(bits) - 53;
    if (round && (sticky || (mantissa & 1))) {
      if (++mantissa == (std::uint64_t{1} << 53)) {
        mantissa >>= 1;
        ++exponent;
      }
    }
    auto d = std::ldexp(static_cast<double>(mantissa), exponent);
    if (std::isinf(d))
      bad("an int of " + std::to_string(bits) + " bits is beyond the range of a float");
    auto n = std::make_shared<node>(kind::scalar);
    n->scalar = json(negative ? -d : d);
    n->big_int = true;
    push(std::move(n));
  }

  // -- the end -------------------------------------------------------------

  json finish() {
    if (pos_ != in_.size())
      bad_at(pos_, std::to_string(in_.size() - pos_) + " bytes follow the STOP opcode");
    auto top = pop_entry();
    if (!top.value)
      bad("the pickle's value is a name, not a value");
    return convert(*top.value);
  }

  void count(std::size_t n) {
    size_ += n;
    if (size_ > limits_.max_size)
      bad("the value takes more than " + std::to_string(limits_.max_size)
          + " bytes, the limit (each value counts one, each str and bytes its length too, "
            "and a value the memo or DUP repeats counts each time)");
  }

  json convert(const node& n) {
    switch (n.k) {
      case kind::scalar:
        if (n.scalar.is_string())
          count(1 + n.scalar.get_ref<const std::string&>().size());
        else if (n.scalar.is_binary())
          count(1 + n.scalar.get_binary().size());
        else
          count(1);
        return n.scalar;
      case kind::dict: {
        count(1);
        json out = json::object();
        for (std::size_t i = 0; i + 1 < n.items.size(); i += 2) {
          auto key = key_text(*n.items[i]);
          count(key.size());
          auto [it, fresh] = out.emplace(key, json());
          if (!fresh)
            bad("two keys of a dict become the same str key \"" + printable(key) + "\"");
          it.value() = convert(*n.items[i + 1]);
        }
        return out;
      }
      default: { // list, tuple, set, frozenset
        count(1);
        json out = json::array();
        out.get_ref<json::array_t&>().reserve(n.items.size());
        for (auto& item : n.items)
          out.push_back(convert(*item));
        return out;
      }
    }
  }

  // A dict key as the key of ours, as Python's json module writes one.
  std::string key_text(const node& k) {
    if (k.k == kind::scalar && !k.big_int) {
      auto& v = k.scalar;
      if (v.is_string())
        return v.get<std::string>();
      if (v.is_boolean())
        return v.get<bool>() ? "true" : "false";
      if (v.is_null())
        return "null";
      if (v.is_number_unsigned())
        return std::to_string(v.get<std::uint64_t>());
      if (v.is_number_integer())
        return std::to_string(v.get<std::int64_t>());
    }
    std::string what = k.k != kind::scalar ? kind_name(k.k)
                       : k.big_int          ? "an int beyond 64 bits"
                       : k.scalar.is_binary() ? "bytes"
                                              : "a float";
    bad("a dict key is a str, an int of 64 bits, a bool or None; got " + what);
  }

  std::string_view in_;
  const read_limits& limits_;
  std::size_t pos_ = 0;
  std::size_t op_pos_ = 0;
  std::size_t size_ = 0;
  std::vector<entry> stack_;
  std::vector<std::size_t> marks_;
  std::vector<entry> memo_;
  std::unordered_map<std::uint64_t, entry> sparse_;
};

} // namespace

json decode(std::string_view bytes, const read_limits& limits) {
  return reader(bytes, limits).run();
}

} // namespace actorserve::pickle
