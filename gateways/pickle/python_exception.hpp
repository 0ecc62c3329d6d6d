#pragma once

// Errors for Python clients: the pickle encoder answers a failed call with a
// pickled exception instance, which the Python original's clients raise.
#include <string>
#include <string_view>

namespace actorserve::pickle {

/// The exception class of Python's builtins module that stands for our
/// error type: the class of the same name where Python has one a client can
/// raise as it is (TypeError, ValueError, KeyError, ...), TimeoutError for
/// Timeout, KeyError for NotFound (as the original answers a path with no
/// route), PermissionError for Forbidden, and RuntimeError for every other
/// type.
std::string_view exception_class(std::string_view type);

/// One pickle of the builtins exception for an error: the class from
/// exception_class with `message` as its argument, or, for a RuntimeError
/// that stands for a type of ours, "<type>: <message>". Names only the
/// builtins module.
std::string encode_error(std::string_view type, std::string_view message);

} // namespace actorserve::pickle
