// The unit test binary's entry point (CAF's test engine).
#define CAF_SUITE main
#include <caf/test/unit_test_impl.hpp>
