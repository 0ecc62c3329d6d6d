#define CAF_SUITE option_table
#include <caf/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "apps/example/option_table.hpp"
#include "apps/example/option_values.hpp"

using namespace actorserve;

namespace {

/// A table of a few options, the values they got, and a fake environment.
struct fixture {
  std::string port = "unset";
  std::string host = "unset";
  std::vector<std::string> names;
  bool verbose = false;
  std::map<std::string, std::string> env;
  option_table table{"prog", "a test program"};
  std::string dir;

  fixture() {
    char tmpl[] = "/tmp/option_table_test.XXXXXX";
    dir = ::mkdtemp(tmpl);
    table.group("Network");
    table.add("port", "N", "the port", "8000", [this](const std::string& v) {
      parse_port("port", v);
      port = v;
    });
    table.add("host", "HOST", "the host", "127.0.0.1", [this](const std::string& v) { host = v; });
    table.add_list("name", "NAME", "a name (repeat for more)",
                   [this](const std::string& v) { names.push_back(v); });
    table.group("Output");
    table.add_flag("verbose", "say more", [this] { verbose = true; });
  }

  ~fixture() {
    std::system(("rm -rf " + dir).c_str());
  }

  std::string file(const std::string& text) {
    auto path = dir + "/config.toml";
    std::ofstream{path} << text;
    return path;
  }

  /// "ok", or the usage error's message.
  std::string parse(std::vector<std::string> args) {
    std::vector<char*> argv{const_cast<char*>("prog")};
    for (auto& a : args)
      argv.push_back(a.data());
    try {
      table.parse(static_cast<int>(argv.size()), argv.data(), [this](const std::string& name) {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      });
    } catch (const usage_error& e) {
      return e.what();
    }
    return "ok";
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(option_table_tests, fixture)

CAF_TEST(options with and without values on the command line) {
  CAF_CHECK_EQUAL(parse({"--port=9000", "--verbose", "--host", "::1"}), "ok");
  CAF_CHECK_EQUAL(port, "9000");
  CAF_CHECK_EQUAL(host, "::1");
  CAF_CHECK(verbose);
}

CAF_TEST(a flag on the command line takes the value it is given) {
  env["ACTORSERVE_VERBOSE"] = "true";
  CAF_CHECK_EQUAL(parse({"--verbose=false"}), "ok");
  CAF_CHECK(!verbose); // the command line wins over the environment, either way
  CAF_CHECK_EQUAL(table.effective_config().find("verbose = false") != std::string::npos, true);
  CAF_CHECK_EQUAL(parse({"--verbose=banana"}),
                  "option --verbose takes true or false, got 'banana'");
}

CAF_TEST(a repeated option keeps every value and a single one the last) {
  CAF_CHECK_EQUAL(parse({"--name=a", "--name", "b", "--port=1", "--port=2"}), "ok");
  CAF_CHECK_EQUAL(names, (std::vector<std::string>{"a", "b"}));
  CAF_CHECK_EQUAL(port, "2");
}

CAF_TEST(mistakes on the command line are named) {
  auto unknown = parse({"--prot=1"});
  CAF_CHECK(unknown.find("--prot") != std::string::npos);
  CAF_CHECK(unknown.find("see --help") != std::string::npos);
  CAF_CHECK(parse({"--port"}).find("--port") != std::string::npos);
  CAF_CHECK(parse({"port"}).find("port") != std::string::npos);
  CAF_CHECK_EQUAL(parse({"--port=eighty"}), "option --port takes 0 to 65535, got 'eighty'");
}

CAF_TEST(an empty value after the equals sign is the value and takes no other) {
  CAF_CHECK_EQUAL(parse({"--host=", "--verbose"}), "ok");
  CAF_CHECK_EQUAL(host, "");
  CAF_CHECK(verbose); // not taken as the host
  CAF_CHECK_EQUAL(parse({"--port=", "--host=h"}), "option --port takes 0 to 65535, got ''");
  CAF_CHECK_EQUAL(parse({"--verbose=", "--host=h"}), "option --verbose takes true or false, got ''");
  CAF_CHECK_EQUAL(parse({"--name=", "--name=b"}), "option --name takes a value, got ''");
  CAF_CHECK_EQUAL(parse({"--config="}), "option --config takes no empty value (see --help)");
  // After "--" nothing is rewritten (the table then refuses the "--" itself).
  CAF_CHECK_EQUAL(parse({"--host=h", "--", "--port="}), "unknown option -- (see --help)");
}

CAF_TEST(the environment sets what the command line does not) {
  env["ACTORSERVE_PORT"] = "7000";
  env["ACTORSERVE_HOST"] = "10.0.0.1";
  env["ACTORSERVE_NAME"] = "x,y";
  env["ACTORSERVE_VERBOSE"] = "yes";
  CAF_CHECK_EQUAL(parse({"--host=::1"}), "ok");
  CAF_CHECK_EQUAL(port, "7000");
  CAF_CHECK_EQUAL(host, "::1");
  CAF_CHECK_EQUAL(names, (std::vector<std::string>{"x", "y"}));
  CAF_CHECK(verbose);
}

CAF_TEST(a bad environment value names the variable and the value) {
  env["ACTORSERVE_PORT"] = "99999";
  CAF_CHECK_EQUAL(parse({}), "ACTORSERVE_PORT='99999': option --port takes 0 to 65535, got "
                             "'99999'");
  env.clear();
  env["ACTORSERVE_VERBOSE"] = "maybe";
  CAF_CHECK_EQUAL(parse({}), "ACTORSERVE_VERBOSE='maybe': option --verbose takes true or "
                             "false, got 'maybe'");
}

CAF_TEST(the file sets what neither the command line nor the environment does) {
  auto path = file("# a comment\n"
                   "port = 6000\n"
                   "name = ['p', \"q\"]\n"
                   "verbose = false\n"
                   "host = \"file-host\"\n");
  env["ACTORSERVE_HOST"] = "env-host";
  CAF_CHECK_EQUAL(parse({"--config", path}), "ok");
  CAF_CHECK_EQUAL(port, "6000");
  CAF_CHECK_EQUAL(host, "env-host");
  CAF_CHECK_EQUAL(names, (std::vector<std::string>{"p", "q"}));
  CAF_CHECK(!verbose);
}

CAF_TEST(flag beats environment beats file beats default) {
  auto path = file("port = 3\nhost = 'from-file'\n");
  env["ACTORSERVE_PORT"] = "2";
  CAF_CHECK_EQUAL(parse({"--port=1", "--config=" + path}), "ok");
  CAF_CHECK_EQUAL(port, "1");
  CAF_CHECK_EQUAL(host, "from-file");
  fixture other;
  other.env["ACTORSERVE_PORT"] = "2";
  other.env["ACTORSERVE_CONFIG"] = path;
  CAF_CHECK_EQUAL(other.parse({}), "ok");
  CAF_CHECK_EQUAL(other.port, "2");
  CAF_CHECK_EQUAL(other.host, "from-file");
  fixture defaults;
  CAF_CHECK_EQUAL(defaults.parse({}), "ok");
  CAF_CHECK_EQUAL(defaults.port, "unset"); // a default is not applied, it is what applies
}

CAF_TEST(tables name an option by prefix) {
  auto path = file("[network]\n"
                   "port = 5000\n");
  // [network] + port is network-port, which this table does not have.
  CAF_CHECK_EQUAL(parse({"--config", path}),
                  path + ":2: unknown key 'network-port' (see --help)");
  fixture f;
  f.table.add("http-port", "N", "", "", [&](const std::string& v) { f.port = v; });
  CAF_CHECK_EQUAL(f.parse({"--config", f.file("[http]\nport = 5001\n")}), "ok");
  CAF_CHECK_EQUAL(f.port, "5001");
}

CAF_TEST(mistakes in the file name the key and the value) {
  CAF_CHECK_EQUAL(parse({"--config", file("# x\nprot = 1\n")}),
                  dir + "/config.toml:2: unknown key 'prot' (see --help)");
  CAF_CHECK_EQUAL(parse({"--config", file("port = 'eighty'\n")}),
                  dir + "/config.toml:1: port = 'eighty': option --port takes 0 to 65535, got "
                        "'eighty'");
  CAF_CHECK_EQUAL(parse({"--config", file("port = [1, 2]\n")}),
                  dir + "/config.toml:1: port = '[1, 2]': option --port takes one value, got 2");
  CAF_CHECK_EQUAL(parse({"--config", dir + "/missing.toml"}),
                  dir + "/missing.toml: cannot read the file");
  CAF_CHECK_EQUAL(parse({"--config", dir}), dir + ": cannot read the file");
}

CAF_TEST(the effective configuration reads back the same) {
  env["ACTORSERVE_NAME"] = "it's,b";
  CAF_CHECK_EQUAL(parse({"--host=/path with spaces/#x", "--verbose"}), "ok");
  auto text = table.effective_config();
  CAF_CHECK(text.find("# Network\nport = 8000\n") != std::string::npos);
  CAF_CHECK(text.find("verbose = true") != std::string::npos);
  fixture again;
  again.env.clear();
  // What --print-config wrote, read by --config, gives the same values.
  CAF_CHECK_EQUAL(again.parse({"--config", again.file(text)}), "ok");
  CAF_CHECK_EQUAL(again.port, "8000");
  CAF_CHECK_EQUAL(again.host, "/path with spaces/#x");
  CAF_CHECK_EQUAL(again.names, (std::vector<std::string>{"it's", "b"}));
  CAF_CHECK(again.verbose);
}

CAF_TEST(help lists options by group with defaults and variables) {
  auto help = table.help();
  CAF_CHECK(help.find("Network") != std::string::npos);
  CAF_CHECK(help.find("Output") != std::string::npos);
  CAF_CHECK(help.find("--port") != std::string::npos);
  CAF_CHECK(help.find("8000") != std::string::npos);
  CAF_CHECK(help.find("ACTORSERVE_PORT") != std::string::npos);
  CAF_CHECK(help.find("--config") != std::string::npos);
  CAF_CHECK(help.find("--print-config") != std::string::npos);
  CAF_CHECK(help.find("Network") < help.find("Output"));
}

CAF_TEST_FIXTURE_SCOPE_END()
