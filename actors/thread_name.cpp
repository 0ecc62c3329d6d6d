#include "actors/thread_name.hpp"

#include <pthread.h>

namespace actorserve {

void name_thread(std::thread& thread, const char* name) noexcept {
  // A name is for people reading tools' output: failing to set one changes
  // nothing else, so the result is not checked.
  ::pthread_setname_np(thread.native_handle(), name);
}

} // namespace actorserve
