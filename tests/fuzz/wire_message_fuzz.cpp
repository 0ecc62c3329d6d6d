// What crosses between nodes: calls and replies, alone and many to a message
// (their values as MessagePack, the deadline as time left) and the join
// protocol's messages,
// decoded from bytes a peer sent, as CAF's deserializer does. A damaged call
// must come out marked damaged, a damaged reply as an error: never a crash,
// an exception out of the decoder, or an allocation on a declared length.
// Before all of them, the link proof of the worker port: no bytes a peer
// makes up pass for a proof of the secret.
#include <cstddef>
#include <cstdint>

#include <fstream>
#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/call.hpp"
#include "actors/json_wire.hpp"
#include "actors/reply.hpp"
#include "actors/runtime/worker_batch.hpp"
#include "actors/workers/join_protocol.hpp"
#include "actors/workers/link_proof.hpp"

using namespace actorserve;

namespace {

const std::string link_secret = "the-secret-of-the-fuzzed-service";

template <class T>
void decode(const std::uint8_t* data, std::size_t size) {
  T value;
  caf::binary_deserializer source{nullptr, reinterpret_cast<const char*>(data), size};
  if (auto err = source(value))
    return; // refused: CAF drops the message
  (void) value;
}

/// Writes `value` as a seed: its kind byte, then CAF's bytes for it.
template <class T>
void write_seed(const std::string& dir, const std::string& name, char kind, T value) {
  std::vector<char> buf{kind};
  caf::binary_serializer sink{nullptr, buf};
  if (sink(value))
    return;
  std::ofstream{dir + "/" + name, std::ios::binary}.write(buf.data(), buf.size());
}

} // namespace

// Seeds are made by CAF's own serializer, into the corpus directory given
// first, so that they follow the build's CAF whatever its version.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  for (int i = 1; i < *argc; ++i) {
    std::string dir = (*argv)[i];
    if (dir.empty() || dir[0] == '-')
      continue;
    call c{"/double", json(21), deadline_point{}, 7, json{{"method", "POST"}}};
    write_seed(dir, "call", 0, c);
    write_seed(dir, "reply", 1, reply{json{{"x", {1, 2, 3}}}});
    write_seed(dir, "failure", 1, reply::failure("Timeout", "too late"));
    write_seed(dir, "greeting", 2, worker_greeting{1, 4242, "hosta", "0123456789abcdef"});
    write_seed(dir, "proof", 3, worker_proof{1, std::string(64, 'a')});
    write_seed(dir, "assignment", 4, worker_assignment{1, json_to_wire(json{{"gpu", 0}}), 1000, 5000, "token"});
    write_seed(dir, "challenge", 5, supervisor_challenge{std::string(64, 'b'), "nonce"});
    // A worker's answer and a supervisor's greeting, as the worker port sees them.
    link_challenge challenge{link_secret};
    auto answer = answer_link_greeting(link_secret, challenge.greeting());
    std::ofstream{dir + "/link_answer", std::ios::binary} << '\x06' << answer->answer;
    std::ofstream{dir + "/link_greeting", std::ios::binary} << '\x07' << challenge.greeting();
    call_batch calls{batch_key{1, 2}, {worker_call{3, c}, worker_call{4, c}}};
    write_seed(dir, "call_batch", 8, calls);
    reply_batch replies{batch_key{1, 2}, {worker_reply{3, reply{json(42)}},
                                          worker_reply{4, reply::failure("Timeout", "late")}}};
    write_seed(dir, "reply_batch", 9, replies);
    break;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  // The first byte picks the type, as the message's type name would.
  auto kind = data[0] % 10;
  ++data;
  --size;
  switch (kind) {
    case 0: {
      call c;
      caf::binary_deserializer source{nullptr, reinterpret_cast<const char*>(data), size};
      if (!source(c) && !c.damaged())
        (void) json_text(c.input); // a good call's input is a whole value
      break;
    }
    case 1: {
      reply r;
      caf::binary_deserializer source{nullptr, reinterpret_cast<const char*>(data), size};
      if (!source(r) && r.ok())
        (void) json_text(r.value());
      break;
    }
    case 2:
      decode<worker_greeting>(data, size);
      break;
    case 3:
      decode<worker_proof>(data, size);
      break;
    case 4:
      decode<worker_assignment>(data, size);
      break;
    case 5:
      decode<supervisor_challenge>(data, size);
      break;
    case 6: {
      // Made-up bytes never prove the secret to a fresh challenge.
      link_challenge challenge{link_secret};
      if (challenge.check(std::string(reinterpret_cast<const char*>(data), size)))
        __builtin_trap();
      break;
    }
    case 7: {
      auto answer = answer_link_greeting(
        link_secret, std::string(reinterpret_cast<const char*>(data), size));
      if (answer && (answer->answer.size() != link_answer_size
                     || answer->expected_proof.size() != link_proof_size))
        __builtin_trap();
      break;
    }
    case 8: {
      // Calls many to a message, as a worker's gate takes them.
      call_batch batch;
      caf::binary_deserializer source{nullptr, reinterpret_cast<const char*>(data), size};
      if (!source(batch))
        for (auto& c : batch.items)
          if (!c.request.damaged())
            (void) json_text(c.request.input);
      break;
    }
    default: {
      // Replies many to a message, as a supervisor's gate takes them.
      reply_batch batch;
      caf::binary_deserializer source{nullptr, reinterpret_cast<const char*>(data), size};
      if (!source(batch))
        for (auto& r : batch.items)
          if (r.answer.ok())
            (void) json_text(r.answer.value());
      break;
    }
  }
  return 0;
}
