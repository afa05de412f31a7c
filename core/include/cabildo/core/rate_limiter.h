// Request rate limits per key (a client address, a user) in fixed windows,
// counted in this process and shared by replicas through Redis without a
// round trip per request (issue 15, item 6).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cabildo/core/redis.h"

namespace cabildo::core {

struct RateLimitPolicy {
  std::string name;   // in Redis keys and the RateLimit-Policy header, e.g. "auth"
  int64_t limit = 0;  // requests per window and key; 0: unlimited
  std::chrono::seconds window{60};
};

struct RateLimitDecision {
  bool allowed = true;
  int64_t limit = 0;
  int64_t remaining = 0;
  int64_t reset_seconds = 0;  // until the window ends (also the Retry-After when refused)
};

// Thread-safe, and cheap enough for the reactor thread: a hit is one lock of
// one of 32 shards and one hash lookup; no I/O. Every `sync_interval` a
// background thread sends each key's new hits to Redis (one EVAL for all of
// them: INCRBY, then the global total read back) so that every replica sees
// the others' hits within about one interval. Without Redis each process
// counts alone (a limit per process, never no limit).
//
// Memory is bounded: at most `max_keys` keys per policy. When a shard is
// full, keys of finished windows go first, then the least used of a few
// sampled keys, so an attacker rotating addresses evicts itself, not the
// table's bound.
class RateLimiter {
 public:
  RateLimiter(RedisClient& redis, std::string redis_prefix, std::vector<RateLimitPolicy> policies,
              size_t max_keys, std::chrono::milliseconds sync_interval);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Counts one request of `key` under policy number `policy` (its index in
  // the constructor's list) and says whether it is within the limit.
  RateLimitDecision Hit(size_t policy, const std::string& key);
  // The same, against `limit` instead of the policy's own (a module's limit
  // that its tenants configure: the policy then only names the window).
  RateLimitDecision Hit(size_t policy, const std::string& key, int64_t limit);

  const RateLimitPolicy& policy(size_t index) const { return policies_[index].policy; }

  // Sends pending hits to Redis and reads the totals back now (what the
  // background thread does every interval); for tests.
  void SyncNow();

  // Keys currently held for a policy (for tests of the bound).
  size_t KeyCount(size_t policy) const;

 private:
  struct Counter {
    int64_t window = 0;     // window number: unix seconds / window length
    int64_t global = 0;     // the shared total as last read from Redis (our synced hits included)
    int64_t pending = 0;    // hits counted here, not yet sent to Redis
    int64_t in_flight = 0;  // hits sent in the sync under way
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Counter> counters;  // GUARDED_BY(mutex)
    int64_t swept_window = -1;  // GUARDED_BY(mutex): last window whose finished keys were dropped
  };
  static constexpr size_t kShards = 32;
  struct PolicyTable {
    RateLimitPolicy policy;
    std::unique_ptr<Shard[]> shards;
  };

  void SyncLoop();
  Counter& Slot(Shard& shard, const std::string& key, int64_t window);

  RedisClient& redis_;
  const std::string prefix_;
  std::vector<PolicyTable> policies_;
  const size_t max_keys_per_shard_;
  const std::chrono::milliseconds sync_interval_;
  std::mutex sync_mutex_;  // one sync at a time (SyncNow vs the thread)
  std::mutex stop_mutex_;
  std::condition_variable stop_wake_;
  bool stopping_ = false;  // GUARDED_BY(stop_mutex_)
  std::thread sync_thread_;
};

}  // namespace cabildo::core
