// The public-response cache of module GETs, in two layers:
//
//   1. in this process: responses keyed by (tenant, module, generation,
//      request), served with no network round trip at all;
//   2. in Redis: the same keys, shared by every replica.
//
// Every write bumps the (tenant, module) generation in Redis (INCR), which
// changes every key: nothing is ever invalidated by deletion. The replica that
// took the write learns the new generation at once. The others poll, every
// `max_staleness / 3`, one instance-wide write counter that every bump also
// increments: unchanged, every generation they know is confirmed at once
// (one GET, whatever the number of tenants); changed, they re-read them all.
// A generation is trusted only while it was confirmed less than
// `max_staleness` ago, else the request asks Redis for it. So a write
// is visible at once where it happened and within `max_staleness` everywhere
// else; with Redis down, nothing is cached and nothing breaks.
//
// A cached answer never outlives the day it was computed on: modules answer
// facts that depend on the date ("overdue", members current "today") against
// today in Mexico's central time, so the key carries that day (DayStamp) and
// midnight changes every key, as a write would.
//
// An answer may show another module's record (a link, RecordDescriber): it
// is cached under the linking module's generation, so a write to a module
// that describes records bumps every installed module's generation in the
// written tenant and its ancestors (module_routes.cc, ModulesToBump).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cabildo/core/redis.h"

namespace cabildo::api {

struct CachedResponse {
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Content-Disposition
  std::string etag;  // StrongEtag(body), computed once when stored
  // The handler's HttpResponse::fresh_until: the answer changes by itself
  // then (a call's window closes), so neither layer serves it afterwards.
  std::optional<std::chrono::system_clock::time_point> expires;
};

// Thread-safe.
class PublicCache {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  PublicCache(
      core::RedisClient& redis, std::string prefix,
      std::chrono::milliseconds max_staleness = std::chrono::milliseconds(100),
      std::size_t max_bytes = 64u << 20, std::size_t max_entries = 50000,
      Clock clock = [] { return std::chrono::system_clock::now(); });
  PublicCache(const PublicCache&) = delete;
  PublicCache& operator=(const PublicCache&) = delete;
  ~PublicCache();

  // The key of a request's response under the current generation, or nullopt
  // when the generation cannot be known (Redis down): then do not cache.
  // `network` false: only what this process knows fresh, never a Redis call
  // (for a reactor thread, which must not block).
  std::optional<std::string> Key(const std::string& slug, const std::string& module,
                                 const std::string& request_fingerprint, bool network = true);
  // The stored response, or null. `network` false: this process's copy only.
  std::shared_ptr<const CachedResponse> Get(const std::string& key, bool network = true);
  // Stores `body` (computing its ETag once) and returns what was stored —
  // only until `expires` when set (nothing is stored once it has passed).
  std::shared_ptr<const CachedResponse> Put(const std::string& key, CachedResponse response);
  // After a committed write: bump the generations of these tenants' module.
  void Bump(const std::vector<std::string>& slugs, const std::string& module);
  // The same for several modules at once (a write to a module whose records
  // other modules' answers describe: module_routes.cc), in one Redis call.
  void Bump(const std::vector<std::string>& slugs, const std::vector<std::string>& modules);

  // The calendar day of `at` in Mexico's central time (America/Mexico_City,
  // where the modules' "today" is computed by the database from tzdata), as
  // days since 1970-01-01. That zone is UTC-6 all year since the 2022 reform
  // abolished daylight saving time; were it ever to return, an answer cached
  // in the hour before its midnight would live one hour into the next day.
  static int64_t DayStamp(std::chrono::system_clock::time_point at);

  uint64_t local_hits() const { return local_hits_; }
  uint64_t shared_hits() const { return shared_hits_; }
  uint64_t misses() const { return misses_; }
  // What this process holds now (for /metrics): both stay within the bounds
  // given to the constructor, the oldest entries evicted first.
  std::size_t local_entries() const { return local_entries_; }
  std::size_t local_bytes() const { return local_bytes_now_; }
  uint64_t evictions() const { return evictions_; }

 private:
  std::string GenerationKey(const std::string& slug, const std::string& module) const;
  // Past its `expires` by this cache's clock.
  bool Expired(const CachedResponse& response) const;
  void RefreshLoop();

  core::RedisClient& redis_;
  const std::string prefix_;
  const std::chrono::milliseconds max_staleness_;
  const std::size_t max_bytes_;
  const std::size_t max_entries_;
  const Clock clock_;

  std::mutex mutex_;
  struct Generation {
    std::string value;
    std::chrono::steady_clock::time_point read_at;  // Redis held `value` at least until then
  };
  std::string EpochKey() const;

  // GUARDED_BY(mutex_): generation key in Redis -> what this process knows of it.
  std::unordered_map<std::string, Generation> generations_;
  std::string epoch_;  // GUARDED_BY(mutex_) last value of the write counter the refresher saw
  void StoreLocally(const std::string& key, std::shared_ptr<const CachedResponse> response);

  // GUARDED_BY(mutex_)
  std::unordered_map<std::string, std::shared_ptr<const CachedResponse>> local_;
  std::deque<std::string> insertion_order_;  // GUARDED_BY(mutex_)
  std::size_t local_bytes_ = 0;              // GUARDED_BY(mutex_)
  // GUARDED_BY(mutex_): per (tenant, module), the newest generation and day
  // stored locally and the keys stored under them. A newer one makes the older
  // entries unreachable (Key() never builds their keys again), so they are
  // dropped at once instead of filling the byte bound: under a steady write
  // rate the local copy held up to max_bytes of dead answers (bench/soak).
  struct Scope {
    int64_t generation = 0;
    int64_t day = 0;
    std::vector<std::string> keys;
  };
  std::unordered_map<std::string, Scope> scopes_;
  void EraseLocally(const std::string& key);  // REQUIRES(mutex_)
  bool stopping_ = false;                     // GUARDED_BY(mutex_)
  std::condition_variable wake_;
  std::thread refresher_;

  std::atomic<uint64_t> local_hits_{0};
  std::atomic<uint64_t> shared_hits_{0};
  std::atomic<uint64_t> misses_{0};
  // Copies of local_.size() and local_bytes_, readable without the mutex.
  std::atomic<std::size_t> local_entries_{0};
  std::atomic<std::size_t> local_bytes_now_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace cabildo::api
