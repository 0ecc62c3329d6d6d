#define CAF_SUITE worker_calls
#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "actors/workers/worker_calls.hpp"

using namespace actorserve;

namespace {

const std::vector<std::string> paths{"/double", "/sleep"};

// A call as a worker's gate lists it.
json gate_call(std::uint64_t id) {
  return json{{"id", id},          {"route", "/sleep"},       {"parent", 0},
              {"depth", 0},        {"request_id", "slow-1"},  {"state", "running"},
              {"age_seconds", 0.5}, {"deadline_in_seconds", -1.5}, {"answered", true},
              {"worker", 0},       {"pid", 4242}};
}

json gate_route(const std::string& path, std::size_t calls) {
  json listed = json::array();
  for (std::size_t i = 0; i < calls; ++i)
    listed.push_back(gate_call(i + 1));
  return json{{"route", path},     {"capacity", 16384},         {"in_flight", calls},
              {"waiting", 0},      {"oldest_age_seconds", 0.5}, {"calls", listed},
              {"calls_not_listed", 0}};
}

} // namespace

CAF_TEST(a gates answer is listed as it was with the worker and pid the supervisor knows) {
  json answer = json::array({gate_route("/sleep", 1), gate_route("/double", 0)});
  answer[1]["oldest_age_seconds"] = nullptr;
  auto routes = worker_calls(answer, paths, 3, 777, 256);
  CAF_REQUIRE_EQUAL(routes.size(), 2u);
  auto expected = gate_route("/sleep", 1);
  expected["calls"][0]["worker"] = 3;
  expected["calls"][0]["pid"] = 777;
  CAF_CHECK_EQUAL(routes[0].dump(), expected.dump());
  CAF_CHECK_EQUAL(routes[1]["route"], "/double");
  CAF_CHECK(routes[1]["oldest_age_seconds"].is_null());
  CAF_CHECK(routes[1]["calls"].empty());
}

CAF_TEST(only routes the node serves are listed and each once) {
  json answer = json::array({gate_route("/elsewhere", 1), gate_route("/sleep", 1),
                             gate_route("/sleep", 2), 17, json{{"route", 5}}, "text"});
  auto routes = worker_calls(answer, paths, 0, 1, 256);
  CAF_REQUIRE_EQUAL(routes.size(), 1u);
  CAF_CHECK_EQUAL(routes[0]["route"], "/sleep");
  CAF_CHECK_EQUAL(routes[0]["calls"].size(), 1u); // the first of the two
  CAF_CHECK(worker_calls(json{{"/sleep", gate_route("/sleep", 1)}}, paths, 0, 1, 256).empty());
  CAF_CHECK(worker_calls(nullptr, paths, 0, 1, 256).empty());
}

CAF_TEST(calls past the most listed are counted and not listed) {
  auto at_edge = worker_calls(json::array({gate_route("/sleep", 4)}), paths, 0, 1, 4);
  CAF_CHECK_EQUAL(at_edge[0]["calls"].size(), 4u);
  CAF_CHECK_EQUAL(at_edge[0]["calls_not_listed"], 0u);
  auto past = gate_route("/sleep", 6);
  past["calls_not_listed"] = 10;
  auto listed = worker_calls(json::array({past}), paths, 0, 1, 4);
  CAF_CHECK_EQUAL(listed[0]["calls"].size(), 4u);
  CAF_CHECK_EQUAL(listed[0]["calls"][3]["id"], 4u); // the oldest stay
  CAF_CHECK_EQUAL(listed[0]["calls_not_listed"], 12u);
  past["calls_not_listed"] = std::numeric_limits<std::uint64_t>::max();
  listed = worker_calls(json::array({past}), paths, 0, 1, 4);
  CAF_CHECK_EQUAL(listed[0]["calls_not_listed"], std::numeric_limits<std::uint64_t>::max());
}

CAF_TEST(fields a gate does not write or of another type are left out) {
  auto route = gate_route("/sleep", 1);
  route["capacity"] = "lots";
  route["in_flight"] = -1;
  route["oldest_age_seconds"] = "old";
  route["extra"] = std::string(1 << 20, 'x');
  auto& c = route["calls"][0];
  c["request_id"] = "has a space";
  c["state"] = "dancing";
  c["age_seconds"] = "0.5";
  c["answered"] = "yes";
  c["route"] = "/elsewhere";
  c["worker"] = 9;
  c["pid"] = 1;
  c["note"] = json::array({1, 2, 3});
  auto routes = worker_calls(json::array({route}), paths, 2, 55, 256);
  CAF_REQUIRE_EQUAL(routes.size(), 1u);
  auto& out = routes[0];
  CAF_CHECK(!out.contains("capacity"));
  CAF_CHECK(!out.contains("in_flight"));
  CAF_CHECK(!out.contains("extra"));
  CAF_CHECK(out["oldest_age_seconds"].is_null());
  auto& call = out["calls"][0];
  CAF_CHECK(!call.contains("request_id"));
  CAF_CHECK(!call.contains("state"));
  CAF_CHECK(!call.contains("age_seconds"));
  CAF_CHECK(!call.contains("answered"));
  CAF_CHECK(!call.contains("note"));
  CAF_CHECK_EQUAL(call["route"], "/sleep");
  CAF_CHECK_EQUAL(call["worker"], 2);
  CAF_CHECK_EQUAL(call["pid"], 55);
  CAF_CHECK_EQUAL(call["deadline_in_seconds"], -1.5);
}

CAF_TEST(request ids of every gateway are kept up to the longest listed) {
  auto route = gate_route("/sleep", 7);
  std::vector<std::string> ids{std::string(max_listed_request_id, 'a'),
                               std::string(max_listed_request_id + 1, 'a'),
                               "",
                               "unix#3:r\"1",
                               "fifo#2:17",
                               "has space",
                               "tab\there"};
  for (std::size_t i = 0; i < ids.size(); ++i)
    route["calls"][i]["request_id"] = ids[i];
  auto out = worker_calls(json::array({route}), paths, 0, 1, 256)[0]["calls"];
  CAF_CHECK_EQUAL(out[0]["request_id"], ids[0]);
  CAF_CHECK(!out[1].contains("request_id"));
  CAF_CHECK_EQUAL(out[2]["request_id"], "");
  CAF_CHECK_EQUAL(out[3]["request_id"], ids[3]); // the socket gateway's
  CAF_CHECK_EQUAL(out[4]["request_id"], ids[4]); // the FIFO gateway's
  CAF_CHECK(!out[5].contains("request_id"));
  CAF_CHECK(!out[6].contains("request_id"));
}
