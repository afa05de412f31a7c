// Process memory: glibc malloc's arenas and returning freed memory to the system.
//
// Why (bench/soak, README "Memory"): glibc gives each thread that contends for
// a lock its own arena, up to 8 x cores (16 here), and an arena keeps the pages
// of the chunks freed in it until its top is trimmed, which a freed chunk below
// a live one prevents. After a burst (64 connections, exports, Argon2id logins)
// the server kept from ~20 to ~80 MiB resident depending on which worker's
// arena the last long-lived allocations landed in. malloc_trim(0) walks every
// arena and gives back (MADV_DONTNEED) every whole free page in it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace cabildo::api {

// mallopt(M_ARENA_MAX, arena_max) when arena_max > 0 (glibc only; must run
// before the server's threads start, or they already have their arenas).
void LimitMallocArenas(int arena_max);

// A thread that calls malloc_trim(0) every `interval` (nothing when zero).
// Stops (and joins) in its destructor.
class MallocTrimmer {
 public:
  explicit MallocTrimmer(std::chrono::milliseconds interval);
  ~MallocTrimmer();
  MallocTrimmer(const MallocTrimmer&) = delete;
  MallocTrimmer& operator=(const MallocTrimmer&) = delete;

  // Trims now; returns the microseconds it took (for the logs and tests).
  static int64_t TrimNow();

 private:
  void Run();

  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace cabildo::api
