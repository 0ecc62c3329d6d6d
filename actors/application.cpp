#include "actors/application.hpp"

#include <stdexcept>

#include "actors/runtime/composition_route.hpp"
#include "actors/runtime/function_route.hpp"

namespace actorserve {

namespace {

void check_path(const std::string& path) {
  constexpr size_t max_path = 1024;
  bool printable = true;
  for (unsigned char ch : path)
    printable = printable && ch > 0x20 && ch < 0x7f;
  if (path.empty() || path[0] != '/' || !printable || path.size() > max_path)
    throw std::invalid_argument(
      "route path '" + path
      + "' is not valid: it must start with '/', hold only printable ASCII "
        "without spaces, and be at most 1024 characters");
}

void check_options(const std::string& path, const route_options& options) {
  if (options.concurrency == 0)
    throw std::invalid_argument("route " + path + ": concurrency must be at least 1");
  if (options.capacity == 0)
    throw std::invalid_argument("route " + path + ": capacity must be at least 1");
  if (options.batch_size > options.capacity)
    throw std::invalid_argument("route " + path + ": batch_size "
                                + std::to_string(options.batch_size) + " is above its capacity "
                                + std::to_string(options.capacity) + ", so a batch could never fill");
  if (options.batch_wait_time.count() < 0 || options.batch_wait_time > std::chrono::hours{1})
    throw std::invalid_argument("route " + path
                                + ": batch_wait_time must be from 0 to 1 hour");
  if (options.methods.empty())
    throw std::invalid_argument("route " + path + ": give at least one method");
  for (auto& m : options.methods) {
    bool token = !m.empty();
    for (unsigned char c : m)
      token = token && c >= 'A' && c <= 'Z';
    if (!token)
      throw std::invalid_argument("route " + path + ": method '" + m
                                  + "' is not an upper-case HTTP method name");
  }
}

} // namespace

void application::add_route(std::string path, route_factory factory,
                            route_options options) {
  check_path(path);
  check_options(path, options);
  if (find(path) != nullptr)
    throw std::invalid_argument("route " + path + " is already registered");
  if (!factory)
    throw std::invalid_argument("route " + path + ": the factory is empty");
  routes_.push_back(route_spec{std::move(path), options, std::move(factory), {}, nullptr, false});
}

void application::add_route(std::string path, composition tree, route_options options) {
  if (options.blocking)
    throw std::invalid_argument("route " + path
                                + ": a composition never blocks; make its members blocking instead");
  if (options.batch_size > 0)
    throw std::invalid_argument("route " + path
                                + ": a composition does not batch; make its members batch instead");
  auto shared = std::make_shared<const composition>(std::move(tree));
  add_route(path,
            route_factory{[path, shared](caf::actor_system& sys, const worker_context&,
                                         const route_options&) {
              return sys.spawn<composition_route>(path, shared);
            }},
            options);
  routes_.back().composite = std::move(shared);
}

void application::check_members() const {
  for (auto& r : routes_) {
    if (!r.composite)
      continue;
    for (auto& member : r.composite->paths())
      if (find(member) == nullptr)
        throw std::invalid_argument("route " + r.path + ": member " + member
                                    + " is not a route of this application");
  }
}

const route_spec* application::find(const std::string& path) const {
  for (auto& r : routes_)
    if (r.path == path)
      return &r;
  return nullptr;
}

void application::add_function(std::string path, route_function fn,
                               const route_options& options, bool answers_at_once) {
  add_route(path,
            route_factory{[fn](caf::actor_system& sys,
                                               const worker_context&,
                                               const route_options& opts) {
              return opts.blocking ? sys.spawn<function_route, caf::detached>(fn)
                                   : sys.spawn<function_route>(fn);
            }},
            options);
  routes_.back().function = std::move(fn);
  routes_.back().function_answers_at_once = answers_at_once;
}

} // namespace actorserve
