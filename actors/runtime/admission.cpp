#include "actors/runtime/admission.hpp"

#include "actors/cancel_token.hpp"
#include "actors/error_type.hpp"

namespace actorserve {

reply shutting_down_refusal(const std::string& path) {
  return reply::failure(error_type::shutting_down,
                        "the service is shutting down; route " + path + " takes no new calls");
}

std::optional<admission_refusal> refusal_at_admission(const std::string& path,
                                                      const call& request, deadline_point now,
                                                      std::uint32_t max_depth) {
  if (request.damaged())
    return admission_refusal{std::nullopt,
                             reply::failure(error_type::bad_request,
                                            "the call to " + path + " could not be decoded")};
  if (request.deadline <= now)
    return admission_refusal{drop_reason::deadline,
                             reply::failure(error_type::timeout,
                                            "the call to " + path
                                              + " arrived after its deadline")};
  if (request.depth > max_depth)
    return admission_refusal{
      drop_reason::call_depth,
      reply::failure(error_type::call_depth_exceeded,
                     "the call to " + path + " is " + std::to_string(request.depth)
                       + " route calls deep, past the limit of " + std::to_string(max_depth)
                       + " (node_options::max_call_depth): does a route call itself?")};
  if (request.cancel && request.cancel->cancelled())
    return admission_refusal{drop_reason::caller_gone,
                             reply::failure(error_type::cancelled,
                                            "the caller of route " + path
                                              + " gave up before it ran")};
  return std::nullopt;
}

} // namespace actorserve
