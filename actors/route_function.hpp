#pragma once

#include <functional>

#include "actors/call.hpp"
#include "actors/reply.hpp"

namespace actorserve {

/// What a plain function route becomes: any of json(json), json(const
/// json&), json() and reply(const call&) is adapted to this
/// (application::add_route). The call is the route's to take from: a route
/// that takes its input by value gets it moved, not copied, and the runtime
/// does not read the input after the route ran.
using route_function = std::function<reply(call&)>;

} // namespace actorserve
