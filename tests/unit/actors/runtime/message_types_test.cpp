#define CAF_SUITE message_types
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>

#include "actors/runtime/message_types.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/call.hpp"
#include "actors/reply.hpp"

using namespace actorserve;
using namespace std::chrono_literals;

namespace {

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{add_types(cfg)};

  static caf::actor_system_config& add_types(caf::actor_system_config& c) {
    add_message_types(c);
    return c;
  }

  template <class T>
  T round_trip(T x) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    if (auto err = sink(x))
      CAF_FAIL("cannot serialize: " << sys.render(err));
    T y;
    caf::binary_deserializer source{sys, buf};
    if (auto err = source(y))
      CAF_FAIL("cannot deserialize: " << sys.render(err));
    return y;
  }

  /// Bytes laid out as a serialized call or reply whose JSON fields hold
  /// `json_bytes` (MessagePack or not).
  template <class... Ts>
  std::vector<char> layout(Ts... fields) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    if (auto err = sink(fields...))
      CAF_FAIL("cannot serialize: " << sys.render(err));
    return buf;
  }

  template <class T>
  T decode(const std::vector<char>& buf) {
    T y;
    caf::binary_deserializer source{sys, buf};
    if (auto err = source(y))
      CAF_FAIL("cannot deserialize: " << sys.render(err));
    return y;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(message_types_tests, fixture)

CAF_TEST(a call crosses a process boundary intact) {
  call c{"/double", json{{"x", 8}, {"raw", json::binary({0, 1, 255})}},
         std::chrono::steady_clock::now() + 2s, 42, json{{"method", "POST"}}};
  c.parent = 41;
  c.depth = 3;
  c.request_id = "order-17";
  auto copy = round_trip(c);
  // What a route calls stays in the process it was set in.
  CAF_CHECK(copy.routes == nullptr);
  CAF_CHECK_EQUAL(copy.parent, 41u);
  CAF_CHECK_EQUAL(copy.depth, 3u);
  CAF_CHECK_EQUAL(copy.request_id, "order-17");
  CAF_CHECK_EQUAL(copy.path, "/double");
  CAF_CHECK_EQUAL(copy.input, c.input);
  CAF_CHECK_EQUAL(copy.id, 42u);
  CAF_CHECK_EQUAL(copy.meta, c.meta);
  // The deadline travels as time left, re-anchored on arrival.
  auto drift = copy.deadline - c.deadline;
  CAF_CHECK_LESS(std::chrono::abs(drift), std::chrono::nanoseconds(100ms));
}

CAF_TEST(values and errors cross a process boundary intact) {
  auto value = round_trip(reply{json{1, "two", nullptr}});
  CAF_CHECK(value.ok());
  CAF_CHECK_EQUAL(value.value(), (json{1, "two", nullptr}));
  auto with_meta = round_trip(reply{json("body")}.with_meta(json{{"status", 201}}));
  CAF_CHECK_EQUAL(with_meta.meta(), (json{{"status", 201}}));
  auto failure = round_trip(reply::failure("TypeError", "cannot double null"));
  CAF_CHECK(!failure.ok());
  CAF_CHECK_EQUAL(failure.error_type(), "TypeError");
  CAF_CHECK_EQUAL(failure.error_message(), "cannot double null");
}

CAF_TEST(the types are announced under fixed names) {
  auto& names = cfg.type_names_by_rtti;
  CAF_CHECK_EQUAL(names.at(std::type_index(typeid(call))), "actorserve::call");
  CAF_CHECK_EQUAL(names.at(std::type_index(typeid(reply))), "actorserve::reply");
}

CAF_TEST(a damaged call is decoded as damaged and not thrown) {
  // path, id, parent, depth, request id, time left (ns), input, meta: the
  // input is not MessagePack.
  auto buf = layout(std::string{"/double"}, std::uint64_t{7}, std::uint64_t{3},
                    std::uint32_t{1}, std::string{"r1"}, std::int64_t{1'000'000'000},
                    std::string{"\xc1"}, json_to_wire(nullptr));
  auto c = decode<call>(buf);
  CAF_CHECK(c.damaged());
  CAF_CHECK_EQUAL(c.path, "/double");
}

CAF_TEST(a damaged reply is decoded as an error that says so) {
  // failed, error type, error message, value, meta: the value is not MessagePack.
  auto buf = layout(false, std::string{}, std::string{}, std::string{"\xc1"},
                    json_to_wire(nullptr));
  auto r = decode<reply>(buf);
  CAF_CHECK(!r.ok());
  CAF_CHECK_EQUAL(r.error_type(), "RouteFailed");
}

CAF_TEST(a discarded value travels as null) {
  auto r = round_trip(reply{json(json::value_t::discarded)});
  CAF_CHECK(r.ok());
  CAF_CHECK(r.value().is_null());
}

CAF_TEST_FIXTURE_SCOPE_END()
