#pragma once

#include <stdexcept>

namespace actorserve {

/// A bad command line, environment variable or config file: the message
/// says which option, where it came from, the value and why.
class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace actorserve
