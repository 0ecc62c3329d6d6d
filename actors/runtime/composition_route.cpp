#include "actors/runtime/composition_route.hpp"

#include <optional>
#include <vector>

#include "actors/cancel_token.hpp"
#include "actors/error_type.hpp"
#include "actors/runtime/child_call.hpp"
#include "actors/runtime/exception_name.hpp"
#include "actors/runtime/route_directory.hpp"

namespace actorserve {

namespace {

std::string ensemble_message(std::size_t finished, std::size_t members, std::size_t errors,
                             const reply& first) {
  return std::to_string(finished) + "/" + std::to_string(members)
         + " ensemble members finished, with " + std::to_string(errors)
         + (errors == 1 ? " error" : " errors") + "; first error: " + first.error_type() + ": "
         + first.error_message();
}

/// What an ensemble gathers for one call.
struct ensemble_state {
  std::vector<std::optional<reply>> results;
  std::size_t finished = 0;
  std::size_t errors = 0;
  std::optional<reply> first_error; // the first to arrive
  bool answered = false;
  // fail_fast: each member's own token, so that the first error cancels the
  // members still waiting to run.
  std::vector<std::shared_ptr<cancel_token>> member_tokens;
};

} // namespace

composition_route::composition_route(caf::actor_config& cfg, std::string path,
                                     std::shared_ptr<const composition> tree)
  : caf::event_based_actor(cfg), path_(std::move(path)), tree_(std::move(tree)) {
}

caf::behavior composition_route::make_behavior() {
  return {
    [this](call_atom, call& request) -> caf::result<reply> {
      auto promise = make_response_promise();
      // What member calls need of their parent; not its input, which flows
      // through the members.
      auto input = std::move(request.input);
      request.meta = nullptr;
      auto parent = std::make_shared<const call>(std::move(request));
      run(*tree_, parent, std::move(input),
          [promise](reply r) mutable { promise.deliver(std::move(r)); });
      return promise;
    },
  };
}

void composition_route::run(const composition& c, const std::shared_ptr<const call>& parent,
                            json input, done_fn done) {
  switch (c.type()) {
    case composition::kind::sequential:
      run_sequential(c, 0, parent, std::move(input), std::move(done));
      return;
    case composition::kind::ensemble:
      run_ensemble(c, parent, std::move(input), std::move(done));
      return;
    case composition::kind::switch_route:
      run_switch(c, parent, std::move(input), std::move(done));
      return;
  }
}

void composition_route::run_member(const route_member& m,
                                   const std::shared_ptr<const call>& parent, json input,
                                   done_fn done) {
  if (m.nested())
    run(*m.nested(), parent, std::move(input), std::move(done));
  else
    call_member(m.path(), parent, std::move(input), std::move(done));
}

void composition_route::call_member(const std::string& path,
                                    const std::shared_ptr<const call>& parent, json input,
                                    done_fn done) {
  // A call whose caller has stopped waiting starts no further members.
  if (parent->cancel && parent->cancel->cancelled()) {
    done(reply::failure(error_type::cancelled, "the caller of route " + path_
                                                 + " gave up before " + path + " was called"));
    return;
  }
  if (clock().now() >= parent->deadline) {
    done(reply::failure(error_type::timeout, "route " + path_ + " ran out of time before "
                                               + path + " could be called"));
    return;
  }
  auto target = find_route(*parent, path);
  if (target.refusal) {
    done(std::move(*target.refusal));
    return;
  }
  request(target.gate, caf::infinite, call_atom::value,
          child_call(*parent, path, std::move(input), std::nullopt, clock().now()))
    .then([done](reply& r) { done(std::move(r)); },
          [done, path](caf::error& err) {
            done(reply::failure(error_type::route_failed,
                                "route " + path + " did not answer: " + caf::to_string(err)));
          });
}

void composition_route::run_sequential(const composition& c, std::size_t step,
                                       const std::shared_ptr<const call>& parent, json input,
                                       done_fn done) {
  if (step == c.members().size()) {
    done(reply{std::move(input)});
    return;
  }
  // `c` lives in tree_, which outlives every call of this actor.
  run_member(c.members()[step], parent, std::move(input),
             [this, &c, step, parent, done](reply r) {
               if (!r.ok())
                 done(std::move(r));
               else
                 run_sequential(c, step + 1, parent, std::move(r).value(), done);
             });
}

void composition_route::run_ensemble(const composition& c,
                                     const std::shared_ptr<const call>& parent, json input,
                                     done_fn done) {
  auto n = c.members().size();
  auto state = std::make_shared<ensemble_state>();
  state->results.resize(n);
  auto fail_fast = c.fail_fast();
  for (std::size_t i = 0; i < n; ++i) {
    auto member_parent = parent;
    if (fail_fast) {
      auto own = std::make_shared<call>(*parent);
      own->cancel = parent->cancel ? parent->cancel->child() : std::make_shared<cancel_token>();
      state->member_tokens.push_back(own->cancel);
      member_parent = std::move(own);
    }
    run_member(c.members()[i], member_parent, i + 1 < n ? input : std::move(input),
               [state, i, n, fail_fast, done](reply r) {
                 ++state->finished;
                 if (!r.ok()) {
                   ++state->errors;
                   if (!state->first_error)
                     state->first_error = r;
                 }
                 state->results[i] = std::move(r);
                 if (state->answered)
                   return; // fail_fast answered already: the rest is ignored
                 if (fail_fast && state->errors > 0) {
                   state->answered = true;
                   for (auto& token : state->member_tokens)
                     token->cancel(); // the others' results would be ignored
                   done(reply::failure(error_type::ensemble_error,
                                       ensemble_message(state->finished, n, state->errors,
                                                        *state->first_error)));
                   return;
                 }
                 if (state->finished < n)
                   return;
                 state->answered = true;
                 if (state->errors == n) {
                   done(reply::failure(error_type::ensemble_error,
                                       ensemble_message(n, n, n, *state->results[0])));
                   return;
                 }
                 auto out = json::array();
                 for (auto& res : state->results) {
                   if (res->ok())
                     out.push_back(std::move(res->value()));
                   else
                     out.push_back(json{{"error", error_body(res->error_type(),
                                                             res->error_message())}});
                 }
                 done(reply{std::move(out)});
               });
  }
}

void composition_route::run_switch(const composition& c,
                                   const std::shared_ptr<const call>& parent, json input,
                                   done_fn done) {
  json pick;
  try {
    pick = c.selector()(input);
  } catch (const std::exception& e) {
    done(reply::failure(exception_name(e), e.what()));
    return;
  } catch (...) {
    done(reply::failure("UnknownException",
                        "the selector of " + path_ + " threw something that is not a std::exception"));
    return;
  }
  auto& members = c.members();
  const route_member* chosen = nullptr;
  if (pick.is_number_integer() && pick.get<std::int64_t>() >= 0
      && static_cast<std::uint64_t>(pick.get<std::int64_t>()) < members.size()) {
    chosen = &members[static_cast<std::size_t>(pick.get<std::int64_t>())];
  } else if (pick.is_string()) {
    for (auto& m : members)
      if (!m.nested() && m.path() == pick.get<std::string>())
        chosen = &m;
  }
  if (chosen == nullptr) {
    auto text = json_text(pick);
    if (text.size() > 80)
      text = text.substr(0, 77) + "...";
    done(reply::failure(error_type::switch_error,
                        "the selector of " + path_ + " picked " + text + ", which is not one of its "
                          + std::to_string(members.size())
                          + " members (an index from 0, or a member's path)"));
    return;
  }
  run_member(*chosen, parent, std::move(input), std::move(done));
}

} // namespace actorserve
