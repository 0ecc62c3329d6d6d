#define CAF_SUITE application
#include <caf/test/unit_test.hpp>

#include "actors/application.hpp"

#include <stdexcept>

#include "actors/route_actor.hpp"

using namespace actorserve;

namespace {

class stateful : public route_actor {
public:
  using route_actor::route_actor;

protected:
  caf::result<reply> handle(const call&) override {
    return json(1);
  }
};

std::string refusal(std::function<void()> f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

} // namespace

CAF_TEST(every kind of route is registered with its options) {
  application app;
  app.add_route("/one", [](const json& x) { return x; });
  app.add_route("/two", [] { return json(2); });
  app.add_route("/three", [](const call& c) { return reply::failure("E", c.path); });
  route_options blocking;
  blocking.blocking = true;
  blocking.concurrency = 4;
  blocking.capacity = 8;
  app.add_route<stateful>("/four", blocking);
  CAF_REQUIRE_EQUAL(app.routes().size(), 4u);
  CAF_CHECK_EQUAL(app.routes()[0].path, "/one");
  auto four = app.find("/four");
  CAF_REQUIRE(four != nullptr);
  CAF_CHECK(four->options.blocking);
  CAF_CHECK_EQUAL(four->options.concurrency, 4u);
  CAF_CHECK_EQUAL(four->options.capacity, 8u);
  CAF_CHECK(app.find("/five") == nullptr);
}

CAF_TEST(bad routes are refused with a reason) {
  application app;
  app.add_route("/x", [] { return json(1); });
  CAF_CHECK_EQUAL(refusal([&] { app.add_route("/x", [] { return json(2); }); }),
                  "route /x is already registered");
  CAF_CHECK_EQUAL(refusal([&] { app.add_route("x", [] { return json(2); }); }),
                  "route path 'x' is not valid: it must start with '/', hold only "
                  "printable ASCII without spaces, and be at most 1024 characters");
  CAF_CHECK(refusal([&] { app.add_route("/a b", [] { return json(2); }); }) != "accepted");
  route_options none;
  none.capacity = 0;
  CAF_CHECK_EQUAL(refusal([&] { app.add_route("/y", [] { return json(2); }, none); }),
                  "route /y: capacity must be at least 1");
  none.capacity = 1;
  none.concurrency = 0;
  CAF_CHECK_EQUAL(refusal([&] { app.add_route("/y", [] { return json(2); }, none); }),
                  "route /y: concurrency must be at least 1");
  route_options batches;
  batches.capacity = 3;
  batches.batch_size = 4;
  CAF_CHECK_EQUAL(refusal([&] { app.add_route("/b", [] { return json(2); }, batches); }),
                  "route /b: batch_size 4 is above its capacity 3, so a batch could never fill");
  batches.batch_size = 3;
  batches.batch_wait_time = std::chrono::milliseconds{-1};
  CAF_CHECK_EQUAL(refusal([&] { app.add_route("/b", [] { return json(2); }, batches); }),
                  "route /b: batch_wait_time must be from 0 to 1 hour");
  batches.batch_wait_time = std::chrono::milliseconds{0};
  CAF_CHECK_EQUAL(refusal([&] { app.add_route("/s", sequential({"/x"}), batches); }),
                  "route /s: a composition does not batch; make its members batch instead");
}

CAF_TEST(compositions are checked when declared and when started) {
  application app;
  app.add_route("/a", [] { return json(1); });
  CAF_CHECK_EQUAL(refusal([&] { app.add_route("/s", sequential({})); }),
                  "a sequential needs at least one member");
  CAF_CHECK_EQUAL(refusal([&] { app.add_route("/e", ensemble({"a"})); }),
                  "an ensemble member 'a' is not a route path (they start with '/')");
  CAF_CHECK_EQUAL(refusal([&] { app.add_route("/w", switch_route(nullptr, {"/a"})); }),
                  "a switch_route needs a selector");
  route_options blocking;
  blocking.blocking = true;
  CAF_CHECK_EQUAL(refusal([&] { app.add_route("/b", sequential({"/a"}), blocking); }),
                  "route /b: a composition never blocks; make its members blocking instead");
  // A member may be added after the composition; the node checks them all.
  app.add_route("/later", sequential({"/a", ensemble({"/a", "/b"})}));
  CAF_CHECK_EQUAL(refusal([&] { app.check_members(); }),
                  "route /later: member /b is not a route of this application");
  app.add_route("/b", [] { return json(2); });
  CAF_CHECK_EQUAL(refusal([&] { app.check_members(); }), "accepted");
  auto later = app.find("/later");
  CAF_REQUIRE(later != nullptr && later->composite != nullptr);
  CAF_CHECK_EQUAL(later->composite->paths(), (std::vector<std::string>{"/a", "/a", "/b"}));
}
