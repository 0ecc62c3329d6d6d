#include "actors/runtime/worker_batch.hpp"

#include <random>

namespace actorserve {

batch_key batch_key::random() {
  std::random_device kernel; // getrandom(2) on Linux
  auto draw = [&] {
    return (static_cast<std::uint64_t>(kernel()) << 32) | static_cast<std::uint64_t>(kernel());
  };
  batch_key key;
  key.high = draw();
  key.low = draw();
  return key;
}

} // namespace actorserve
