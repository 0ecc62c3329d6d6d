#define CAF_SUITE python_exception
#include <caf/test/unit_test.hpp>

#include "gateways/pickle/python_exception.hpp"

#include "gateways/pickle/pickle_reader.hpp"

using namespace actorserve;
using namespace actorserve::pickle;

CAF_TEST(a type with a builtin of its name is raised as that builtin) {
  for (auto type : {"TypeError", "ValueError", "KeyError", "IndexError", "ZeroDivisionError",
                    "RuntimeError", "TimeoutError", "PermissionError", "OSError"})
    CAF_CHECK_EQUAL(exception_class(type), type);
}

CAF_TEST(our types map to the builtins that mean the same) {
  CAF_CHECK_EQUAL(exception_class("Timeout"), "TimeoutError");
  CAF_CHECK_EQUAL(exception_class("NotFound"), "KeyError");
  CAF_CHECK_EQUAL(exception_class("Forbidden"), "PermissionError");
  for (auto type : {"BadRequest", "BacklogFull", "ShuttingDown", "WorkerLost", "RouteFailed",
                    "ExampleError", ""})
    CAF_CHECK_EQUAL(exception_class(type), "RuntimeError");
}

CAF_TEST(builtins a client must not raise as they are stand as RuntimeError) {
  // Not Exception subclasses, warnings, or classes that take other arguments.
  for (auto type : {"SystemExit", "KeyboardInterrupt", "GeneratorExit", "BaseException",
                    "UserWarning", "UnicodeDecodeError", "StopIteration", "ExceptionGroup",
                    "keyerror"})
    CAF_CHECK_EQUAL(exception_class(type), "RuntimeError");
}

CAF_TEST(the pickle names builtins and carries the type when it is not the class) {
  auto own = encode_error("ValueError", "bad x");
  CAF_CHECK_EQUAL(own, std::string("\x80\x04" "cbuiltins\nValueError\n" "\x8c\x05" "bad x"
                                   "\x85R.", 33));
  auto ours = encode_error("BacklogFull", "full");
  CAF_CHECK(ours.find("cbuiltins\nRuntimeError\n") != std::string::npos);
  CAF_CHECK(ours.find("BacklogFull: full") != std::string::npos);
  // The subset that reads requests refuses what it writes for errors.
  CAF_CHECK_EQUAL(ours.find("builtins"), ours.rfind("builtins"));
  auto refused = false;
  try {
    decode(ours);
  } catch (const std::exception&) {
    refused = true;
  }
  CAF_CHECK(refused);
}
