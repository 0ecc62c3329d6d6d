#pragma once

#include <exception>
#include <string>

namespace actorserve {

/// The name a thrown exception travels under as an error type: a
/// `call_error`'s own type, else the exception's unqualified class name
/// (`std::invalid_argument` → `invalid_argument`), as Python's
/// `type(e).__name__` would name it.
std::string exception_name(const std::exception& e);

} // namespace actorserve
