#include "cabildo/api/public_cache.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "cabildo/api/http.h"

namespace cabildo::api {
namespace {
constexpr std::chrono::seconds kSharedTtl{300};
// Far above every (tenant, module) pair of a national instance (~2,500 × 5).
constexpr std::size_t kMaxGenerations = 100000;
}  // namespace

PublicCache::PublicCache(core::RedisClient& redis, std::string prefix,
                         std::chrono::milliseconds max_staleness, std::size_t max_bytes,
                         std::size_t max_entries, Clock clock)
    : redis_(redis),
      prefix_(std::move(prefix)),
      max_staleness_(max_staleness),
      max_bytes_(max_bytes),
      max_entries_(max_entries),
      clock_(std::move(clock)),
      refresher_([this] { RefreshLoop(); }) {}

PublicCache::~PublicCache() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  refresher_.join();
}

std::string PublicCache::GenerationKey(const std::string& slug, const std::string& module) const {
  return prefix_ + "gen:" + slug + ":" + module;
}

std::string PublicCache::EpochKey() const { return prefix_ + "gen-epoch"; }

std::optional<std::string> PublicCache::Key(const std::string& slug, const std::string& module,
                                            const std::string& request_fingerprint, bool network) {
  const std::string generation_key = GenerationKey(slug, module);
  std::optional<std::string> generation;
  {
    std::lock_guard lock(mutex_);
    auto it = generations_.find(generation_key);
    if (it != generations_.end() &&
        std::chrono::steady_clock::now() - it->second.read_at < max_staleness_) {
      generation = it->second.value;  // fresh enough: no network
    }
  }
  if (!generation) {
    if (!network) return std::nullopt;
    const auto asked = std::chrono::steady_clock::now();
    auto reply = redis_.Command({"GET", generation_key});
    if (!reply.ok()) return std::nullopt;
    generation = reply->type == core::RedisReply::Type::kString ? reply->str : "0";
    std::lock_guard lock(mutex_);
    // Slugs come from URLs: bound what invented ones can make this map hold.
    if (generations_.size() >= kMaxGenerations) generations_.clear();
    generations_[generation_key] = {*generation, asked};  // now confirmed by the loop too
  }
  return prefix_ + "resp:" + slug + ":" + module + ":" + *generation + ":" +
         std::to_string(DayStamp(clock_())) + ":" + request_fingerprint;
}

bool PublicCache::Expired(const CachedResponse& response) const {
  return response.expires && clock_() >= *response.expires;
}

int64_t PublicCache::DayStamp(std::chrono::system_clock::time_point at) {
  constexpr std::chrono::hours kCentralMexicoOffset{-6};
  return std::chrono::floor<std::chrono::days>(at + kCentralMexicoOffset)
      .time_since_epoch()
      .count();
}

std::shared_ptr<const CachedResponse> PublicCache::Get(const std::string& key, bool network) {
  {
    std::lock_guard lock(mutex_);
    auto it = local_.find(key);
    if (it != local_.end() && !Expired(*it->second)) {
      ++local_hits_;
      return it->second;
    }
  }
  if (!network) return nullptr;
  auto reply = redis_.Command({"GET", key});
  if (reply.ok() && reply->type == core::RedisReply::Type::kString) {
    auto entry = nlohmann::json::parse(reply->str, nullptr, false);
    if (entry.is_object()) {
      ++shared_hits_;
      CachedResponse stored{entry.value("content_type", ""), entry.value("body", ""), {}, {}, {}};
      if (auto expires = entry.find("expires_ms"); expires != entry.end() && expires->is_number()) {
        stored.expires = std::chrono::system_clock::time_point(
            std::chrono::milliseconds(expires->get<int64_t>()));
      }
      if (auto headers = entry.find("headers"); headers != entry.end() && headers->is_object()) {
        for (const auto& [name, value] : headers->items()) {
          if (value.is_string()) stored.headers.emplace_back(name, value.get<std::string>());
        }
      }
      if (!Expired(stored)) {
        stored.etag = StrongEtag(stored.body);
        auto response = std::make_shared<const CachedResponse>(std::move(stored));
        StoreLocally(key, response);
        return response;
      }
    }
  }
  ++misses_;
  return nullptr;
}

std::shared_ptr<const CachedResponse> PublicCache::Put(const std::string& key,
                                                       CachedResponse response_to_store) {
  response_to_store.etag = StrongEtag(response_to_store.body);
  auto response = std::make_shared<const CachedResponse>(std::move(response_to_store));
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : response->headers) headers[name] = value;
  nlohmann::json entry = {
      {"content_type", response->content_type}, {"body", response->body}, {"headers", headers}};
  auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(kSharedTtl);
  if (response->expires) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(*response->expires - clock_());
    if (left.count() <= 0) return response;  // already changed: serve it, keep nothing
    ttl = std::min(ttl, left);
    entry["expires_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(response->expires->time_since_epoch())
            .count();
  }
  (void)redis_.Command({"SET", key, entry.dump(), "PX", std::to_string(ttl.count())});
  StoreLocally(key, response);
  return response;
}

namespace {

// The parts of a key Key() built: prefix "resp:" slug ":" module ":" generation
// ":" day ":" fingerprint. Slugs and module names have no ':'.
struct KeyParts {
  std::string scope;  // slug ":" module
  int64_t generation = 0;
  int64_t day = 0;
};

std::optional<int64_t> ParseCount(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<KeyParts> ParseKey(std::string_view key, std::string_view prefix) {
  const std::string_view resp = "resp:";
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  key.remove_prefix(prefix.size());
  if (key.substr(0, resp.size()) != resp) return std::nullopt;
  key.remove_prefix(resp.size());
  std::string_view fields[4];
  for (auto& field : fields) {
    auto colon = key.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    field = key.substr(0, colon);
    key.remove_prefix(colon + 1);
  }
  auto generation = ParseCount(fields[2]);
  auto day = ParseCount(fields[3]);
  if (!generation || !day) return std::nullopt;
  KeyParts parts;
  parts.scope.reserve(fields[0].size() + 1 + fields[1].size());
  parts.scope.append(fields[0]).append(":").append(fields[1]);
  parts.generation = *generation;
  parts.day = *day;
  return parts;
}

}  // namespace

void PublicCache::EraseLocally(const std::string& key) {
  if (auto it = local_.find(key); it != local_.end()) {
    local_bytes_ -= it->first.size() + it->second->body.size();
    local_.erase(it);
    ++evictions_;
  }
}

void PublicCache::StoreLocally(const std::string& key,
                               std::shared_ptr<const CachedResponse> response) {
  std::lock_guard lock(mutex_);
  if (auto it = local_.find(key); it != local_.end()) {
    if (!Expired(*it->second)) return;
    // An answer that changed by itself under the same key: the new one replaces it.
    local_bytes_ -= it->first.size() + it->second->body.size();
    local_.erase(it);
  }
  if (auto parts = ParseKey(key, prefix_)) {
    if (scopes_.size() >= kMaxGenerations && !scopes_.contains(parts->scope)) scopes_.clear();
    Scope& scope = scopes_[parts->scope];
    const auto newer = std::pair{parts->generation, parts->day};
    const auto known = std::pair{scope.generation, scope.day};
    if (newer > known) {  // what was stored under older ones is unreachable now
      for (const auto& old : scope.keys) EraseLocally(old);
      scope.keys.clear();
      scope.generation = parts->generation;
      scope.day = parts->day;
    }
    // An older one (a reader that saw the generation before a bump) is left to
    // the bounds below: it is not the scope's.
    if (newer >= known) {
      scope.keys.push_back(key);
      // Distinct requests of one generation come from clients (?q=...): keep
      // the list to what the local copy can hold.
      if (scope.keys.size() > 2 * max_entries_ + 16) {
        std::erase_if(scope.keys, [this](const std::string& k) { return !local_.contains(k); });
      }
    }
  }
  local_bytes_ += key.size() + response->body.size();
  local_.emplace(key, std::move(response));
  insertion_order_.push_back(key);
  // Oldest first: entries of past generations are never read again anyway.
  while ((local_bytes_ > max_bytes_ || local_.size() > max_entries_) && !insertion_order_.empty()) {
    auto it = local_.find(insertion_order_.front());
    if (it != local_.end()) {
      local_bytes_ -= it->first.size() + it->second->body.size();
      local_.erase(it);
      ++evictions_;
    }
    insertion_order_.pop_front();
  }
  // Keys erased above stay in insertion_order_ until the bounds pop them,
  // which may be never when the scopes keep the copy small: compact it.
  if (insertion_order_.size() > 2 * local_.size() + 1024) {
    std::erase_if(insertion_order_, [this](const std::string& k) { return !local_.contains(k); });
  }
  local_entries_.store(local_.size(), std::memory_order_relaxed);
  local_bytes_now_.store(local_bytes_, std::memory_order_relaxed);
}

void PublicCache::Bump(const std::vector<std::string>& slugs, const std::string& module) {
  Bump(slugs, std::vector<std::string>{module});
}

void PublicCache::Bump(const std::vector<std::string>& slugs,
                       const std::vector<std::string>& modules) {
  if (slugs.empty() || modules.empty()) return;
  // One script bumps every generation and the instance-wide epoch together:
  // a generation that moved without the epoch would never be re-read by the
  // other replicas, which trust an unchanged epoch.
  static constexpr const char* kBumpAll =
      "redis.call('INCR', KEYS[1]) local out = {} "
      "for i = 2, #KEYS do out[i - 1] = redis.call('INCR', KEYS[i]) end return out";
  std::vector<std::string> command = {"EVAL", kBumpAll, "", EpochKey()};
  for (const auto& slug : slugs) {
    for (const auto& module : modules) command.push_back(GenerationKey(slug, module));
  }
  const size_t generations = command.size() - 4;
  command[2] = std::to_string(generations + 1);
  const auto asked = std::chrono::steady_clock::now();
  auto reply = redis_.Command(command);
  std::lock_guard lock(mutex_);
  const bool bumped = reply.ok() && reply->type == core::RedisReply::Type::kArray &&
                      reply->elements.size() == generations;
  for (size_t i = 0; i < generations; ++i) {
    const std::string& generation_key = command[4 + i];
    if (bumped && reply->elements[i].type == core::RedisReply::Type::kInteger) {
      generations_[generation_key] = {std::to_string(reply->elements[i].integer), asked};
    } else {
      // Redis missed the bump: forget the local generation so this replica
      // asks Redis again rather than serve what it cached before the write.
      generations_.erase(generation_key);
    }
  }
}

void PublicCache::RefreshLoop() {
  const auto period = std::max(std::chrono::milliseconds(10), max_staleness_ / 3);
  while (true) {
    std::string known_epoch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, period, [this] { return stopping_; });
      if (stopping_) return;
      if (generations_.empty()) continue;
      known_epoch = epoch_;
    }
    const auto started = std::chrono::steady_clock::now();
    // kBackground: tried even while a stall has the circuit open, so the
    // generations are confirmed again as soon as Redis answers.
    auto epoch_reply = redis_.Command({"GET", EpochKey()}, core::RedisClient::Caller::kBackground);
    if (!epoch_reply.ok()) continue;  // stays unconfirmed: requests bypass or ask Redis
    const std::string epoch =
        epoch_reply->type == core::RedisReply::Type::kString ? epoch_reply->str : "0";
    if (epoch == known_epoch) {
      // No write anywhere since the last full read: all still hold.
      std::lock_guard lock(mutex_);
      for (auto& [key, generation] : generations_) {
        generation.read_at = std::max(generation.read_at, started);
      }
      continue;
    }
    std::vector<std::string> command = {"MGET"};
    {
      std::lock_guard lock(mutex_);
      command.reserve(generations_.size() + 1);
      for (const auto& [key, generation] : generations_) command.push_back(key);
    }
    auto reply = redis_.Command(command, core::RedisClient::Caller::kBackground);
    if (!reply.ok() || reply->elements.size() != command.size() - 1) continue;
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i + 1 < command.size(); ++i) {
      const auto& element = reply->elements[i];
      // Values read after `started`, so they are at most (now - started) old.
      Generation& known = generations_[command[i + 1]];
      if (known.read_at > started) continue;  // a Bump here since: newer than this read
      known = {element.type == core::RedisReply::Type::kString ? element.str : "0", started};
    }
    epoch_ = epoch;  // read before the MGET: a bump racing it shows as a new epoch next time
  }
}

}  // namespace cabildo::api
