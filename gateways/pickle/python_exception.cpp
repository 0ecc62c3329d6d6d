#include "gateways/pickle/python_exception.hpp"

#include <array>

#include "actors/error_type.hpp"
#include "gateways/pickle/opcodes.hpp"
#include "gateways/pickle/pickle_writer.hpp"

namespace actorserve::pickle {

namespace {

// Builtins exceptions a client can raise as they are: each takes one
// argument (UnicodeDecodeError, for one, needs five), and none is a
// BaseException only (SystemExit, KeyboardInterrupt) or a warning.
constexpr std::array<std::string_view, 28> builtin_classes{
  "ArithmeticError",   "AssertionError",          "AttributeError",
  "BufferError",       "ConnectionAbortedError",  "ConnectionError",
  "ConnectionRefusedError", "ConnectionResetError", "EOFError",
  "FileExistsError",   "FileNotFoundError",       "FloatingPointError",
  "IndexError",        "IsADirectoryError",       "KeyError",
  "LookupError",       "MemoryError",             "NotADirectoryError",
  "NotImplementedError", "OSError",               "OverflowError",
  "PermissionError",   "RecursionError",          "RuntimeError",
  "TimeoutError",      "TypeError",               "ValueError",
  "ZeroDivisionError",
};

} // namespace

std::string_view exception_class(std::string_view type) {
  for (auto name : builtin_classes)
    if (type == name)
      return name;
  if (type == error_type::timeout)
    return "TimeoutError";
  if (type == error_type::not_found)
    return "KeyError";
  if (type == error_type::forbidden)
    return "PermissionError";
  return "RuntimeError";
}

std::string encode_error(std::string_view type, std::string_view message) {
  auto cls = exception_class(type);
  std::string out;
  out += static_cast<char>(op::proto);
  out += static_cast<char>(4);
  out += static_cast<char>(op::global);
  out += "builtins\n";
  out += cls;
  out += '\n';
  if (cls == "RuntimeError" && type != "RuntimeError") {
    std::string text(type);
    text += ": ";
    text += message;
    append_str(out, text);
  } else {
    append_str(out, message);
  }
  out += static_cast<char>(op::tuple1);
  out += static_cast<char>(op::reduce);
  out += static_cast<char>(op::stop);
  return out;
}

} // namespace actorserve::pickle
