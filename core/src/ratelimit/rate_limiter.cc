#include "cabildo/core/rate_limiter.h"

#include <algorithm>
#include <functional>

#include "cabildo/core/crypto.h"
#include "cabildo/core/log.h"

namespace cabildo::core {
namespace {

// Adds each key's new hits and returns every key's shared total; the first
// hit of a window sets the key's expiry. One round trip for a whole batch.
constexpr const char* kSyncScript = R"lua(
local totals = {}
for i = 1, #KEYS do
  local delta = tonumber(ARGV[2 * i - 1])
  local total = redis.call('INCRBY', KEYS[i], delta)
  if total == delta then redis.call('EXPIRE', KEYS[i], ARGV[2 * i]) end
  totals[i] = total
end
return totals
)lua";

constexpr size_t kSyncBatch = 500;  // keys per EVAL

int64_t UnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RateLimiter::RateLimiter(RedisClient& redis, std::string redis_prefix,
                         std::vector<RateLimitPolicy> policies, size_t max_keys,
                         std::chrono::milliseconds sync_interval)
    : redis_(redis),
      prefix_(std::move(redis_prefix)),
      max_keys_per_shard_(std::max<size_t>(1, max_keys / kShards)),
      sync_interval_(sync_interval) {
  for (auto& policy : policies) {
    if (policy.window.count() < 1) policy.window = std::chrono::seconds(1);
    policies_.push_back({std::move(policy), std::make_unique<Shard[]>(kShards)});
  }
  sync_thread_ = std::thread([this] { SyncLoop(); });
}

RateLimiter::~RateLimiter() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_wake_.notify_all();
  sync_thread_.join();
}

RateLimiter::Counter& RateLimiter::Slot(Shard& shard, const std::string& key, int64_t window) {
  auto found = shard.counters.find(key);
  if (found != shard.counters.end()) {
    if (found->second.window != window) found->second = Counter{window, 0, 0, 0};
    return found->second;
  }
  if (shard.counters.size() >= max_keys_per_shard_) {
    // Full: drop keys of finished windows (once per window), then, if still
    // full, the least used of a few keys.
    if (shard.swept_window != window) {
      shard.swept_window = window;
      std::erase_if(shard.counters, [window](const auto& entry) {
        return entry.second.window != window && entry.second.in_flight == 0;
      });
    }
    if (shard.counters.size() >= max_keys_per_shard_) {
      auto victim = shard.counters.begin();
      int checked = 0;
      for (auto it = shard.counters.begin(); it != shard.counters.end() && checked < 8;
           ++it, ++checked) {
        if (it->second.global + it->second.pending < victim->second.global + victim->second.pending)
          victim = it;
      }
      shard.counters.erase(victim);
    }
  }
  return shard.counters.emplace(key, Counter{window, 0, 0, 0}).first->second;
}

RateLimitDecision RateLimiter::Hit(size_t policy_index, const std::string& key) {
  return Hit(policy_index, key, policies_[policy_index].policy.limit);
}

RateLimitDecision RateLimiter::Hit(size_t policy_index, const std::string& key, int64_t limit) {
  PolicyTable& table = policies_[policy_index];
  const RateLimitPolicy& policy = table.policy;
  RateLimitDecision decision;
  decision.limit = limit;
  if (limit <= 0) return decision;  // unlimited
  const int64_t now = UnixSeconds();
  const int64_t length = policy.window.count();
  const int64_t window = now / length;
  Shard& shard = table.shards[std::hash<std::string>{}(key) % kShards];
  int64_t total = 0;
  {
    std::lock_guard lock(shard.mutex);
    Counter& counter = Slot(shard, key, window);
    ++counter.pending;
    total = counter.global + counter.pending + counter.in_flight;
  }
  decision.allowed = total <= limit;
  decision.remaining = std::max<int64_t>(0, limit - total);
  decision.reset_seconds = std::max<int64_t>(1, (window + 1) * length - now);
  return decision;
}

size_t RateLimiter::KeyCount(size_t policy) const {
  size_t count = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(policies_[policy].shards[i].mutex);
    count += policies_[policy].shards[i].counters.size();
  }
  return count;
}

void RateLimiter::SyncLoop() {
  std::unique_lock lock(stop_mutex_);
  while (!stop_wake_.wait_for(lock, sync_interval_, [this] { return stopping_; })) {
    lock.unlock();
    SyncNow();
    lock.lock();
  }
}

void RateLimiter::SyncNow() {
  std::lock_guard sync_lock(sync_mutex_);
  struct Item {
    size_t policy;
    size_t shard;
    std::string key;
    int64_t window;
    int64_t delta;
  };
  std::vector<Item> items;
  const int64_t now = UnixSeconds();
  for (size_t p = 0; p < policies_.size(); ++p) {
    const int64_t length = policies_[p].policy.window.count();
    const int64_t window = now / length;
    const int64_t limit = policies_[p].policy.limit;
    if (limit <= 0) continue;  // unlimited: nothing is counted
    for (size_t s = 0; s < kShards; ++s) {
      Shard& shard = policies_[p].shards[s];
      std::lock_guard lock(shard.mutex);
      for (auto it = shard.counters.begin(); it != shard.counters.end();) {
        Counter& counter = it->second;
        if (counter.window < window && counter.in_flight == 0) {
          it = shard.counters.erase(it);  // its window is over: nothing left to limit
          continue;
        }
        // New hits go to Redis; a key at half its limit or more is also read
        // back without new hits here, since the other replicas' hits could
        // take it over the limit (a key far below it needs no round trip).
        const bool near_limit = (counter.global + counter.in_flight) * 2 >= limit;
        if (counter.pending > 0 || (near_limit && counter.in_flight == 0)) {
          items.push_back({p, s, it->first, counter.window, counter.pending});
          counter.in_flight += counter.pending;
          counter.pending = 0;
        }
        ++it;
      }
    }
  }
  for (size_t start = 0; start < items.size(); start += kSyncBatch) {
    const size_t end = std::min(items.size(), start + kSyncBatch);
    std::vector<std::string> command = {"EVAL", kSyncScript, std::to_string(end - start)};
    for (size_t i = start; i < end; ++i) {
      const Item& item = items[i];
      // Keys hold a hash: Redis never stores client addresses in clear.
      command.push_back(prefix_ + "rl:" + policies_[item.policy].policy.name + ":" +
                        std::to_string(item.window) + ":" + Sha256Hex(item.key));
    }
    for (size_t i = start; i < end; ++i) {
      command.push_back(std::to_string(items[i].delta));
      command.push_back(std::to_string(policies_[items[i].policy].policy.window.count() + 5));
    }
    auto reply = redis_.Command(command, RedisClient::Caller::kBackground);
    const bool shared = reply.ok() && reply->type == RedisReply::Type::kArray &&
                        reply->elements.size() == end - start;
    for (size_t i = start; i < end; ++i) {
      const Item& item = items[i];
      Shard& shard = policies_[item.policy].shards[item.shard];
      std::lock_guard lock(shard.mutex);
      auto found = shard.counters.find(item.key);
      if (found == shard.counters.end() || found->second.window != item.window) continue;
      Counter& counter = found->second;
      counter.in_flight -= item.delta;
      const RedisReply* total = shared ? &reply->elements[i - start] : nullptr;
      if (total != nullptr && total->type == RedisReply::Type::kInteger) {
        counter.global = std::max(counter.global, total->integer);  // includes this delta
      } else {
        counter.global += item.delta;  // Redis unreachable: this process counts alone
      }
    }
  }
}

}  // namespace cabildo::core
