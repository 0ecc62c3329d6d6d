#define CAF_SUITE command_line
#include <caf/test/unit_test.hpp>

#include "apps/example/command_line.hpp"

using namespace actorserve;

namespace {

struct parsed {
  std::string port;
  bool verbose = false;
};

std::string parse(std::vector<std::string> args, parsed& out) {
  command_line cli;
  cli.add("port", "N", "the port", [&](const std::string& v) {
    std::stoi(v);
    out.port = v;
  });
  cli.add_flag("verbose", "say more", [&] { out.verbose = true; });
  std::vector<char*> argv{const_cast<char*>("prog")};
  for (auto& a : args)
    argv.push_back(a.data());
  try {
    cli.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const usage_error& e) {
    return e.what();
  }
  return "ok";
}

} // namespace

CAF_TEST(options with and without values) {
  parsed p;
  CAF_CHECK_EQUAL(parse({"--port=8000", "--verbose"}, p), "ok");
  CAF_CHECK_EQUAL(p.port, "8000");
  CAF_CHECK(p.verbose);
  parsed q;
  CAF_CHECK_EQUAL(parse({"--port", "9000"}, q), "ok");
  CAF_CHECK_EQUAL(q.port, "9000");
}

CAF_TEST(mistakes are named) {
  parsed p;
  CAF_CHECK_EQUAL(parse({"--prot=1"}, p), "unknown option --prot (see --help)");
  CAF_CHECK_EQUAL(parse({"--port"}, p), "option --port needs a value: --port=N");
  CAF_CHECK_EQUAL(parse({"--verbose=yes"}, p), "option --verbose takes no value");
  CAF_CHECK_EQUAL(parse({"port"}, p),
                  "unexpected argument 'port' (options look like --name=value)");
  CAF_CHECK_EQUAL(parse({"--port=eighty"}, p),
                  "option --port: 'eighty' is not valid: stoi");
}

CAF_TEST(seconds are parsed strictly) {
  CAF_CHECK_EQUAL(parse_seconds("t", "2.5"), 2.5);
  try {
    parse_seconds("t", "-1");
    CAF_FAIL("accepted -1");
  } catch (const usage_error& e) {
    CAF_CHECK_EQUAL(std::string(e.what()), "option --t takes a number of seconds, got '-1'");
  }
}

CAF_TEST(seconds are bounded so that milliseconds cannot overflow) {
  CAF_CHECK_EQUAL(parse_millis("t", "10000000").count(), 10000000000LL);
  CAF_CHECK_EQUAL(parse_millis("t", "0.0005").count(), 1);
  for (auto big : {"10000000.5", "1e300", "1e8"}) {
    try {
      parse_seconds("drain-timeout", big);
      CAF_FAIL("accepted " << big);
    } catch (const usage_error& e) {
      CAF_CHECK_EQUAL(std::string(e.what()), std::string("option --drain-timeout takes at most "
                                                         "10000000 seconds, got '")
                                               + big + "'");
    }
  }
}

CAF_TEST(counts are whole numbers within their range) {
  CAF_CHECK_EQUAL(parse_count("n", "1", 1, 10), 1u);
  CAF_CHECK_EQUAL(parse_count("n", "10", 1, 10), 10u);
  for (auto bad : {"0", "11", "-1", "+3", "1.5", "", " 2", "99999999999999999999"}) {
    try {
      parse_count("socket-backlog", bad, 1, 10);
      CAF_FAIL("accepted '" << bad << "'");
    } catch (const usage_error& e) {
      CAF_CHECK_EQUAL(std::string(e.what()),
                      std::string("option --socket-backlog takes a whole number from 1 to 10, "
                                  "got '")
                        + bad + "'");
    }
  }
}
