#pragma once

// CAF 0.17's test framework has no check for exceptions.
namespace actorserve::testing {

/// Whether `f` throws an E (any other exception escapes to the test).
template <class E, class F>
bool throws(F f) {
  try {
    f();
  } catch (const E&) {
    return true;
  }
  return false;
}

} // namespace actorserve::testing
