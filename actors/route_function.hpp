#pragma once

#include <functional>

#include "actors/call.hpp"
#include "actors/reply.hpp"

namespace actorserve {

/// What a plain function route becomes: any of json(json), json() and
/// reply(const call&) is adapted to this (application::add_route).
using route_function = std::function<reply(const call&)>;

} // namespace actorserve
