#include "actors/runtime/exception_name.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include "actors/call_error.hpp"

namespace actorserve {

std::string exception_name(const std::exception& e) {
  if (auto ce = dynamic_cast<const call_error*>(&e))
    return ce->type();
  const char* mangled = typeid(e).name();
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled{
    abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free};
  std::string name = status == 0 && demangled ? demangled.get() : mangled;
  // Drop namespaces and classes, but not inside template arguments.
  auto angle = name.find('<');
  auto last = name.rfind("::", angle);
  if (last != std::string::npos)
    name.erase(0, last + 2);
  return name;
}

} // namespace actorserve
