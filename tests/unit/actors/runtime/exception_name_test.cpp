#define CAF_SUITE exception_name
#include <caf/test/unit_test.hpp>

#include "actors/runtime/exception_name.hpp"

#include <stdexcept>

#include "actors/call_error.hpp"

namespace my_service::errors {
struct ModelNotLoaded : std::runtime_error {
  using std::runtime_error::runtime_error;
};
} // namespace my_service::errors

using namespace actorserve;

CAF_TEST(exceptions travel under their unqualified class name) {
  CAF_CHECK_EQUAL(exception_name(std::invalid_argument("x")), "invalid_argument");
  CAF_CHECK_EQUAL(exception_name(my_service::errors::ModelNotLoaded("x")),
                  "ModelNotLoaded");
  CAF_CHECK_EQUAL(exception_name(std::runtime_error("x")), "runtime_error");
}

CAF_TEST(a call_error travels under its own type) {
  CAF_CHECK_EQUAL(exception_name(call_error("TypeError", "x")), "TypeError");
}
