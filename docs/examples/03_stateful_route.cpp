// Step 3 of docs/examples/README.md: a stateful route. Its constructor
// receives the worker_context and sets up (opens the journal file the
// context names); on_exit tears down (closes it) when the service stops.
#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

#include "actors/application.hpp"
#include "actors/port_number.hpp"
#include "actors/route_actor.hpp"
#include "gateways/http/start_server.hpp"

using namespace actorserve;

namespace {

/// POST /note: appends its input to the journal, one JSON text per line, and
/// answers how many notes this instance has written.
class journal : public route_actor {
public:
  // Set-up. A constructor that throws fails the start of the service, with
  // its message: nothing is served without its journal.
  journal(caf::actor_config& cfg, const worker_context& context)
    : route_actor(cfg, context), path_(context.value.at("journal").get<std::string>()) {
    file_.open(path_, std::ios::app);
    if (!file_)
      throw std::runtime_error("cannot open the journal " + path_);
    std::cout << "set-up: opened " << path_ << std::endl;
  }

protected:
  caf::result<reply> handle(const call& request) override {
    file_ << request.input.dump() << std::endl; // written through at once
    return json{{"notes", ++notes_}};
  }

  // Tear-down: runs once, when the instance stops (at the end of the
  // service's shutdown, after the calls in flight were answered).
  void on_exit() override {
    file_.close();
    std::cout << "tear-down: closed " << path_ << " after " << notes_ << " notes" << std::endl;
  }

private:
  std::string path_;
  std::ofstream file_;
  std::int64_t notes_ = 0;
};

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: 03_stateful_route JOURNAL_FILE [PORT]\n";
    return 2;
  }
  application app;
  app.add_route<journal>("/note");

  try {
    http::server_options options;
    options.port = 8080;
    if (argc > 2) // 0 picks a free port
      options.port = port_number(argv[2], "the port");
    // In one process, the context of worker 0 is the routes' context.
    options.worker_contexts = {json{{"journal", argv[1]}}};
    http::start_server(app, options, [](const std::string& endpoint) {
      std::cout << "ready http=" << endpoint << std::endl;
    });
  } catch (const std::exception& e) {
    std::cerr << "03_stateful_route: " << e.what() << "\n";
    return 1;
  }
  std::cout << "stopped" << std::endl;
  return 0;
}
