// For instructions_per_call.py: a node serving the example routes in this
// process, making blocking calls to /double on request. Prints "ready",
// then for each line "N" on stdin makes N calls and prints "done N", so
// that a profiler started around the process can count what N calls cost
// with nothing else going on. Ends at the end of stdin.
#include <unistd.h>

#include <iostream>
#include <string>

#include "actors/node.hpp"
#include "apps/example/example_routes.hpp"

using namespace actorserve;

int main() {
  node_options options;
  options.handle_signals = false;
  node n(example::make_example_application(), options);
  std::cout << "ready pid=" << ::getpid() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    auto count = std::stoul(line);
    for (unsigned long i = 0; i < count; ++i)
      if (n.call("/double", 21) != 42)
        return 1;
    std::cout << "done " << count << std::endl;
  }
  return 0;
}
