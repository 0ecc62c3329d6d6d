#pragma once

#include <stdexcept>
#include <string>

namespace actorserve {

/// An error with a type a program can branch on (see error_type.hpp, or a
/// route's own type such as "TypeError") and a message a person can act on.
///
/// Route code throws it to answer with that type; the call API throws it
/// when a call fails.
class call_error : public std::runtime_error {
public:
  call_error(std::string type, const std::string& message)
    : std::runtime_error(message), type_(std::move(type)) {
  }

  const std::string& type() const noexcept {
    return type_;
  }

private:
  std::string type_;
};

} // namespace actorserve
