#include "memory.h"

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <malloc.h>

namespace cabildo::api {
namespace {

long RssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Built without sanitizers (api/CMakeLists.txt): ASan's allocator replaces
// glibc's arenas. The case the server hit (README "Memory"): a worker thread fills its arena
// with small blocks, frees all but the last one, and the arena keeps the pages
// because a live block sits at its top. malloc_trim(0) must give them back.
TEST(MallocTrimmer, TrimNowReturnsTheFreePagesOfAThreadsArena) {
  constexpr int kBlocks = 48 * 1024;  // 48 Ki blocks of 1 KiB: ~48 MiB + headers
  std::vector<char*> blocks(kBlocks);
  std::thread worker([&] {
    for (auto& block : blocks) {
      block = static_cast<char*>(malloc(1000));
      for (int i = 0; i < 1000; i += 512) block[i] = 1;  // touch: resident
    }
    for (int i = 0; i + 1 < kBlocks; ++i) free(blocks[i]);
  });
  worker.join();
  long before = RssKib();
  MallocTrimmer::TrimNow();
  long after = RssKib();
  free(blocks.back());
  EXPECT_LT(after, before - 32 * 1024) << "RSS before " << before << " KiB, after " << after;
}

TEST(MallocTrimmer, StopsPromptlyAndTrimsPeriodically) {
  auto started = std::chrono::steady_clock::now();
  {
    MallocTrimmer trimmer(std::chrono::milliseconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  { MallocTrimmer off(std::chrono::milliseconds(0)); }  // no thread at all
}

}  // namespace
}  // namespace cabildo::api
