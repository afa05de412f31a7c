#include "memory.h"

#include "cabildo/core/log.h"

#include <malloc.h>

namespace cabildo::api {

void LimitMallocArenas(int arena_max) {
#ifdef M_ARENA_MAX
  if (arena_max > 0 && mallopt(M_ARENA_MAX, arena_max) != 1) {
    core::LogWarn("mallopt(M_ARENA_MAX) no se aplicó", {{"arena_max", arena_max}});
  }
#else
  (void)arena_max;
#endif
}

int64_t MallocTrimmer::TrimNow() {
  auto started = std::chrono::steady_clock::now();
  malloc_trim(0);
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               started)
      .count();
}

MallocTrimmer::MallocTrimmer(std::chrono::milliseconds interval) : interval_(interval) {
  if (interval_.count() > 0) thread_ = std::thread([this] { Run(); });
}

MallocTrimmer::~MallocTrimmer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MallocTrimmer::Run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    int64_t micros = TrimNow();
    // A trim walks every arena under its lock: slow ones are worth knowing.
    if (micros > 50000) {
      core::LogWarn("malloc_trim lento", {{"micros", micros}});
    }
    lock.lock();
  }
}

}  // namespace cabildo::api
