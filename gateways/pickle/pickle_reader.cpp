#include "gateways/pickle/pickle_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <iterator>
#include <string>
#include <map>
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

// `text`: a long str or bytes, held once however often the memo names it.
enum class kind : std::uint8_t { list, tuple, dict, set, frozenset, text };

const char* kind_name(kind k) {
  switch (k) {
    case kind::list: return "a list";
    case kind::tuple: return "a tuple";
    case kind::dict: return "a dict";
    case kind::set: return "a set";
    case kind::frozenset: return "a frozenset";
    case kind::text: return "a scalar";
  }
  return "a container";
}

// A stack, memo or container entry: a scalar held as itself, a container
// (by its index: shared, as in Python, so a memo reference names the same
// list, not a copy), or one of the recognized constructors.
struct value {
  static constexpr std::uint32_t no_box = UINT32_MAX;
  json scalar;
  std::uint32_t box = no_box;
  bool big_int = false; // an int beyond 64 bits, held as the nearest float
  bool is_name = false;
  constructor ctor = constructor::bytes;
};

// A container as the pickle builds it. It is built only until it is placed
// in another (Python's pickler never adds to it after), so no structure can
// contain itself, and its depth and size are final once it is placed.
struct container {
  explicit container(kind k) : k(k), depth(k == kind::text ? 0 : 1) {
  }
  kind k;
  bool placed = false;
  std::uint32_t placements = 0; // how many containers hold it
  std::size_t depth;
  std::size_t size = 0;      // this and everything placed in it, as charged
  std::vector<value> items;  // a dict: key, value, key, value
  json text;                 // kind::text: the str or bytes
};

// What the size limit counts, close to the memory each takes while it is
// read and decoded: a value (or a memo entry, or a mark) 24 bytes, a
// container 96, a str or bytes 48 more and its length. One opcode byte makes at
// most one of these, so a pickle that repeats nothing stays within 96 times
// its length. A str or bytes of `long_text` bytes or more is held as a
// container (counting 96, not 24), so that the memo, which Python fills
// with every str, shares it rather than copying it.
constexpr std::size_t value_cost = sizeof(value);
constexpr std::size_t text_cost = 48; // the string or byte vector of ours, besides its bytes
constexpr std::size_t container_cost = 96;
constexpr std::size_t long_text = 256;
constexpr std::size_t expansion = 96;
constexpr std::size_t expansion_slack = 64 * 1024;
static_assert(value_cost == 24, "the docs give a value's cost as 24 bytes");
static_assert(sizeof(container) + value_cost <= container_cost);

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

const char* constructor_name(constructor c) {
  switch (c) {
    case constructor::codecs_encode: return "_codecs.encode";
    case constructor::bytes: return "builtins.bytes";
    case constructor::bytearray: return "builtins.bytearray";
    case constructor::set: return "builtins.set";
    case constructor::frozenset: return "builtins.frozenset";
  }
  return "a name";
}

class reader {
public:
  reader(std::string_view in, const read_limits& limits)
    : in_(in), limits_(limits),
      budget_(std::min(limits.max_size,
                       in.size() > (SIZE_MAX - expansion_slack) / expansion
                         ? SIZE_MAX
                         : expansion * in.size() + expansion_slack)) {
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

  // -- the size budget -----------------------------------------------------

  // Counts `n` more bytes of what the pickle makes, before making it.
  void charge(std::size_t n) {
    size_ += n;
    if (size_ > budget_)
      bad("the value would take more than " + std::to_string(budget_)
          + " bytes, the limit for a pickle of " + plural(in_.size(), "byte", "bytes") + " ("
          + std::to_string(expansion) + " times its length plus "
          + std::to_string(expansion_slack) + ", at most " + std::to_string(limits_.max_size)
          + "): what the memo or DUP repeats counts again (docs/protocol.md, "
            "\"Limits of a pickle\", says what counts)");
  }

  std::string too_deep() const {
    return "lists, tuples, dicts and sets nest deeper than "
           + plural(limits_.max_depth, "level", "levels") + ", the limit";
  }

  // The str, bytes or number `v` holds, or null when it holds a container.
  const json* scalar_of(const value& v) const {
    if (v.box == value::no_box)
      return &v.scalar;
    auto& c = boxes_[v.box];
    return c.k == kind::text ? &c.text : nullptr;
  }

  bool is_str(const value& v) const {
    auto* s = scalar_of(v);
    return s != nullptr && s->is_string();
  }

  std::size_t size_of(const value& v) const {
    if (v.box != value::no_box)
      return boxes_[v.box].size;
    if (v.scalar.is_string())
      return value_cost + text_cost + v.scalar.get_ref<const std::string&>().size();
    if (v.scalar.is_binary())
      return value_cost + text_cost + v.scalar.get_binary().size();
    return value_cost;
  }

  std::string name_of(const value& v) const {
    if (v.box != value::no_box)
      return kind_name(boxes_[v.box].k);
    if (v.is_name)
      return std::string("the name ") + constructor_name(v.ctor);
    return "a scalar";
  }

  container* box_of(const value& v) {
    return v.box == value::no_box ? nullptr : &boxes_[v.box];
  }

  // -- the stack -----------------------------------------------------------

  std::size_t floor() const {
    return marks_.empty() ? 0 : marks_.back();
  }

  container& push_box(kind k, bool counted = true) {
    if (counted)
      charge(container_cost);
    if (k != kind::text && limits_.max_depth < 1)
      bad(too_deep());
    if (boxes_.size() >= value::no_box)
      bad("the pickle makes more containers than can be counted");
    value v;
    v.box = static_cast<std::uint32_t>(boxes_.size());
    auto& c = boxes_.emplace_back(k);
    c.size = container_cost;
    stack_.push_back(std::move(v));
    return c;
  }

  // A str or bytes counted already (as a value, 48 and its length), before
  // it was copied.
  void push_text(json s, std::size_t length) {
    if (length < long_text) {
      push_counted(std::move(s));
      return;
    }
    charge(container_cost - value_cost);
    auto& c = push_box(kind::text, false);
    c.text = std::move(s);
    c.size = container_cost + text_cost + length;
  }

  void push_counted(json s, bool big_int = false) {
    value v;
    v.scalar = std::move(s);
    v.big_int = big_int;
    stack_.push_back(std::move(v));
  }

  void push_scalar(json s, bool big_int = false) {
    charge(value_cost);
    push_counted(std::move(s), big_int);
  }

  // A copy of a value the pickle already made (DUP, the memo). A scalar is
  // counted again, as it will be in what we decode; a container only when
  // it is placed again (admit), once its size is final: it may still grow
  // through another copy until it is first placed.
  void push_copy(const value& v) {
    auto* c = box_of(v);
    charge(c != nullptr && c->k != kind::text ? value_cost : size_of(v));
    stack_.push_back(v);
  }

  value pop_entry() {
    if (stack_.size() <= floor())
      bad(here() + " needs a value on the stack, and there is none");
    auto v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }

  value pop_value() {
    auto v = pop_entry();
    if (v.is_name)
      bad(here() + " takes a value, not " + name_of(v) + " (only REDUCE takes a name)");
    return v;
  }

  // Where the entries above the topmost mark begin; the mark is dropped.
  std::size_t pop_mark() {
    if (marks_.empty())
      bad(here() + " needs a MARK, and there is none");
    auto from = marks_.back();
    marks_.pop_back();
    return from;
  }

  // The container below the entries from `from` on that APPEND and the like
  // add to (it must still be being built).
  container& target(std::size_t from, kind expected, const char* what) {
    if (from <= floor())
      bad(here() + " needs " + what + " below its items, and there is none");
    auto* t = box_of(stack_[from - 1]);
    if (t == nullptr)
      bad(here() + " adds to " + what + ", not to " + name_of(stack_[from - 1]));
    if (t->k != expected)
      bad(here() + " adds to " + what + ", not to " + kind_name(t->k));
    if (t->placed)
      bad(here() + " adds to " + kind_name(t->k)
          + " already placed in another container: Python never writes that, and it "
            "could make a structure contain itself");
    return *t;
  }

  // Checks `child` may go into `parent` and counts it there; the child was
  // counted when it was made.
  void admit(container& parent, const value& child) {
    if (child.is_name)
      bad(here() + " takes values, not " + name_of(child) + " (only REDUCE takes a name)");
    if (auto* c = box_of(child)) {
      if (c == &parent)
        bad(here() + " puts " + kind_name(parent.k)
            + " inside itself: a structure that contains itself has no value in ours");
      c->placed = true;
      // Placed again: a copy in what we decode, of a size now final.
      if (++c->placements > 1 && c->k != kind::text)
        charge(c->size);
      if (c->depth + 1 > parent.depth)
        parent.depth = c->depth + 1;
      if (parent.depth > limits_.max_depth)
        bad(too_deep());
    }
    parent.size += size_of(child);
  }

  // Moves the stack's entries from `from` on into `parent`, growing its
  // items as a vector grows (Python appends in batches of 1,000).
  void place_from(container& parent, std::size_t from) {
    for (auto i = from; i < stack_.size(); ++i) {
      if (parent.k == kind::dict && (parent.items.size() + i - from) % 2 == 0)
        check_key(stack_[i]); // refused here, where the key is
      admit(parent, stack_[i]);
    }
    if (parent.items.empty() && stack_.size() - from > from) {
      // Most of the stack: it becomes the items, without a second copy.
      std::vector<value> below(std::make_move_iterator(stack_.begin()),
                               std::make_move_iterator(stack_.begin() + from));
      stack_.erase(stack_.begin(), stack_.begin() + from);
      parent.items.swap(stack_);
      stack_ = std::move(below);
      return;
    }
    parent.items.insert(parent.items.end(), std::make_move_iterator(stack_.begin() + from),
                        std::make_move_iterator(stack_.end()));
    stack_.resize(from);
  }

  // A new container of the stack's entries from `from` on, in their place.
  void push_container(kind k, std::size_t from) {
    auto& c = push_box(k); // above the entries, for now
    auto box = std::move(stack_.back());
    stack_.pop_back();
    place_from(c, from);
    stack_.push_back(std::move(box));
  }

  // -- the memo ------------------------------------------------------------

  void memo_put(std::uint64_t index) {
    if (stack_.size() <= floor())
      bad(here() + " stores the top of the stack, and there is none");
    const auto& top = stack_.back();
    // The memo shares a container and holds a copy of a scalar.
    charge(top.box != value::no_box ? value_cost : size_of(top));
    if (index < memo_.size()) {
      memo_[index] = top;
    } else if (index == memo_.size() && sparse_.empty()) {
      memo_.push_back(top);
    } else {
      charge(container_cost); // a map node: any index, never sized on a number
      sparse_[index] = top;
    }
  }

  const value& memo_at(std::uint64_t index) {
    if (index < memo_.size())
      return memo_[index];
    auto it = sparse_.find(index);
    if (it == sparse_.end())
      bad(here() + " reads memo entry " + std::to_string(index) + ", which was never stored");
    return it->second;
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
        charge(value_cost);
        marks_.push_back(stack_.size());
        break;
      case op::empty_list:
        push_box(kind::list);
        break;
      case op::empty_dict:
        push_box(kind::dict);
        break;
      case op::empty_set:
        push_box(kind::set);
        break;
      case op::empty_tuple:
        push_box(kind::tuple);
        break;
      case op::list:
        push_container(kind::list, pop_mark());
        break;
      case op::tuple:
        push_container(kind::tuple, pop_mark());
        break;
      case op::frozenset:
        push_container(kind::frozenset, pop_mark());
        break;
      case op::dict: {
        auto from = pop_mark();
        if ((stack_.size() - from) % 2 != 0)
          bad("DICT needs keys and values in pairs");
        push_container(kind::dict, from);
        break;
      }
      case op::tuple1:
      case op::tuple2:
      case op::tuple3: {
        std::size_t n = code - op::tuple1 + 1;
        if (stack_.size() < floor() + n)
          bad(here() + " needs " + std::to_string(n) + " values on the stack");
        push_container(kind::tuple, stack_.size() - n);
        break;
      }
      case op::append: {
        if (stack_.size() <= floor())
          bad("APPEND needs a value on the stack, and there is none");
        auto from = stack_.size() - 1;
        place_from(target(from, kind::list, "a list"), from);
        break;
      }
      case op::appends: {
        auto from = pop_mark();
        place_from(target(from, kind::list, "a list"), from);
        break;
      }
      case op::setitem: {
        if (stack_.size() < floor() + 2)
          bad("SETITEM needs a key and a value on the stack");
        auto from = stack_.size() - 2;
        place_from(target(from, kind::dict, "a dict"), from);
        break;
      }
      case op::setitems: {
        auto from = pop_mark();
        if ((stack_.size() - from) % 2 != 0)
          bad("SETITEMS needs keys and values in pairs");
        place_from(target(from, kind::dict, "a dict"), from);
        break;
      }
      case op::additems: {
        auto from = pop_mark();
        place_from(target(from, kind::set, "a set"), from);
        break;
      }
      case op::pop:
        // As Python does: POP with nothing above the topmost mark drops it.
        if (stack_.size() > floor())
          stack_.pop_back();
        else if (!marks_.empty())
          stack_.resize(pop_mark());
        else
          bad("POP needs a value or a MARK on the stack, and there is none");
        break;
      case op::pop_mark:
        stack_.resize(pop_mark());
        break;
      case op::dup:
        if (stack_.size() <= floor())
          bad("DUP needs a value on the stack, and there is none");
        push_copy(stack_.back());
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
        push_copy(memo_at(little_endian(1)));
        break;
      case op::long_binget:
        push_copy(memo_at(little_endian(4)));
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
        if (!is_str(module) || !is_str(name))
          bad("STACK_GLOBAL takes a module and a name, both str");
        push_constructor(scalar_of(module)->get_ref<const std::string&>(),
                         scalar_of(name)->get_ref<const std::string&>());
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
    value e;
    e.is_name = true;
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
    charge(value_cost);
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
    if (!callable.is_name)
      bad("REDUCE calls " + name_of(callable)
          + ", which is refused: " + subset_holds);
    auto* tuple = box_of(args);
    if (tuple == nullptr || tuple->k != kind::tuple)
      bad("REDUCE needs a tuple of arguments");
    const auto& a = tuple->items;
    auto is = [&](std::size_t i, auto check) { return i < a.size() && check(a[i]); };
    auto str = [this](const value& v) { return is_str(v); };
    auto bytes = [this](const value& v) {
      auto* s = scalar_of(v);
      return s != nullptr && s->is_binary();
    };
    auto text = [&](std::size_t i) -> const std::string& {
      return scalar_of(a[i])->get_ref<const std::string&>();
    };
    auto list = [this](const value& v) {
      auto* c = box_of(v);
      return c != nullptr && c->k == kind::list;
    };
    switch (callable.ctor) {
      case constructor::codecs_encode: {
        // _codecs.encode(text, "latin1"): bytes under protocol 2.
        if (a.size() != 2 || !is(0, str) || !is(1, str)
            || (text(1) != "latin1" && text(1) != "latin-1"))
          bad("REDUCE of _codecs.encode takes (str, 'latin1'), as Python writes bytes");
        push_bytes(latin1(text(0)));
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
        push_copy(value(a[0]));
        return;
      case constructor::set:
      case constructor::frozenset: {
        auto k = callable.ctor == constructor::set ? kind::set : kind::frozenset;
        if (a.empty()) {
          push_box(k);
          return;
        }
        if (a.size() != 1 || !is(0, list))
          bad("REDUCE of set or frozenset takes (list,) or (), as Python writes one");
        // The list's items, copied onto the stack and into the set: counted
        // again, as they will be decoded.
        auto from = stack_.size();
        for (std::size_t i = 0; i < box_of(a[0])->items.size(); ++i)
          push_copy(value(box_of(a[0])->items[i]));
        push_container(k, from);
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
    charge(value_cost + text_cost + text.size());
    push_text(json(std::string(text)), text.size());
  }

  void push_bytes(std::string_view bytes) {
    charge(value_cost + text_cost + bytes.size());
    push_text(json::binary(json::binary_t::container_type(bytes.begin(), bytes.end())),
              bytes.size());
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
    push_scalar(json(negative ? -d : d), true);
  }

  // -- the end -------------------------------------------------------------

  json finish() {
    if (pos_ != in_.size())
      bad_at(pos_, plural(in_.size() - pos_, "byte follows", "bytes follow") + " the STOP opcode");
    auto top = pop_entry();
    if (top.is_name)
      bad("the pickle's value is " + name_of(top) + ", which only REDUCE may take");
    stack_ = {};
    memo_ = {};
    sparse_ = {};
    return convert(top, true);
  }

  // Our value for `v`. Moved from when `movable`: a container held by one
  // container only (or the top one, held by none) is converted once, so
  // what it holds is moved into what we return and freed as we go.
  json convert(value& v, bool movable) {
    auto* c = box_of(v);
    if (c == nullptr)
      return movable ? std::move(v.scalar) : v.scalar;
    bool mine = movable && c->placements <= 1;
    if (c->k == kind::text)
      return mine ? std::move(c->text) : c->text;
    json out;
    if (c->k == kind::dict) {
      out = json::object();
      for (std::size_t i = 0; i + 1 < c->items.size(); i += 2) {
        auto key = key_text(c->items[i]);
        auto [it, fresh] = out.emplace(std::move(key), json());
        if (!fresh)
          bad("two keys of a dict are the same str key \"" + printable(it.key())
              + "\" (as 1 and \"1\" are: our keys are strs)");
        it.value() = convert(c->items[i + 1], mine);
      }
    } else { // list, tuple, set, frozenset
      out = json::array();
      auto& array = out.get_ref<json::array_t&>();
      array.reserve(c->items.size());
      for (auto& item : c->items)
        array.push_back(convert(item, mine));
    }
    if (mine)
      std::vector<value>().swap(c->items); // given away: free it now
    return out;
  }

  // Refuses a dict key with no str form of ours.
  void check_key(const value& k) const {
    auto* s = scalar_of(k);
    if (s != nullptr && !k.big_int
        && (s->is_string() || s->is_boolean() || s->is_null() || s->is_number_integer()))
      return;
    std::string what = s == nullptr ? kind_name(boxes_[k.box].k)
                       : k.big_int  ? "an int beyond 64 bits"
                       : s->is_binary() ? "bytes"
                                        : "a float";
    bad("a dict key is a str, an int of 64 bits, a bool or None; got " + what);
  }

  // A dict key as the key of ours, as Python's json module writes one.
  std::string key_text(const value& k) const {
    check_key(k);
    auto& v = *scalar_of(k);
    if (v.is_string())
      return v.get<std::string>();
    if (v.is_boolean())
      return v.get<bool>() ? "true" : "false";
    if (v.is_null())
      return "null";
    if (v.is_number_unsigned())
      return std::to_string(v.get<std::uint64_t>());
    return std::to_string(v.get<std::int64_t>());
  }

  std::string_view in_;
  const read_limits& limits_;
  std::size_t budget_;
  std::size_t pos_ = 0;
  std::size_t op_pos_ = 0;
  std::size_t size_ = 0;
  std::vector<value> stack_;
  std::vector<std::size_t> marks_;
  std::vector<value> memo_;
  std::map<std::uint64_t, value> sparse_; // indexes the pickle chose: no hash to collide
  std::deque<container> boxes_; // every container, by index; never moved
};

} // namespace

json decode(std::string_view bytes, const read_limits& limits) {
  return reader(bytes, limits).run();
}

} // namespace actorserve::pickle
