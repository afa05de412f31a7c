#include "cabildo/api/public_cache.h"

#include <nlohmann/json.hpp>

#include "cabildo/api/http.h"

namespace cabildo::api {
namespace {
constexpr std::chrono::seconds kSharedTtl{300};
}  // namespace

PublicCache::PublicCache(core::RedisClient& redis, std::string prefix,
                         std::chrono::milliseconds max_staleness, std::size_t max_bytes)
    : redis_(redis),
      prefix_(std::move(prefix)),
      max_staleness_(max_staleness),
      max_bytes_(max_bytes),
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

std::optional<std::string> PublicCache::Key(const std::string& slug, const std::string& module,
                                            const std::string& request_fingerprint, bool network) {
  const std::string generation_key = GenerationKey(slug, module);
  std::optional<std::string> generation;
  {
    std::lock_guard lock(mutex_);
    auto it = generations_.find(generation_key);
    if (it != generations_.end() &&
        std::chrono::steady_clock::now() - refreshed_at_ < max_staleness_) {
      generation = it->second;  // fresh enough: no network
    }
  }
  if (!generation) {
    if (!network) return std::nullopt;
    auto reply = redis_.Command({"GET", generation_key});
    if (!reply.ok()) return std::nullopt;
    generation = reply->type == core::RedisReply::Type::kString ? reply->str : "0";
    std::lock_guard lock(mutex_);
    generations_[generation_key] = *generation;  // now refreshed by the loop too
  }
  return prefix_ + "resp:" + slug + ":" + module + ":" + *generation + ":" + request_fingerprint;
}

std::shared_ptr<const CachedResponse> PublicCache::Get(const std::string& key, bool network) {
  {
    std::lock_guard lock(mutex_);
    auto it = local_.find(key);
    if (it != local_.end()) {
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
      CachedResponse stored{entry.value("content_type", ""), entry.value("body", ""), {}, {}};
      if (auto headers = entry.find("headers"); headers != entry.end() && headers->is_object()) {
        for (const auto& [name, value] : headers->items()) {
          if (value.is_string()) stored.headers.emplace_back(name, value.get<std::string>());
        }
      }
      stored.etag = StrongEtag(stored.body);
      auto response = std::make_shared<const CachedResponse>(std::move(stored));
      StoreLocally(key, response);
      return response;
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
  (void)redis_.Command({"SET", key, entry.dump(), "EX", std::to_string(kSharedTtl.count())});
  StoreLocally(key, response);
  return response;
}

void PublicCache::StoreLocally(const std::string& key,
                               std::shared_ptr<const CachedResponse> response) {
  std::lock_guard lock(mutex_);
  if (local_.count(key) != 0) return;
  local_bytes_ += key.size() + response->body.size();
  local_.emplace(key, std::move(response));
  insertion_order_.push_back(key);
  // Oldest first: entries of past generations are never read again anyway.
  while (local_bytes_ > max_bytes_ && !insertion_order_.empty()) {
    auto it = local_.find(insertion_order_.front());
    if (it != local_.end()) {
      local_bytes_ -= it->first.size() + it->second->body.size();
      local_.erase(it);
    }
    insertion_order_.pop_front();
  }
}

void PublicCache::Bump(const std::vector<std::string>& slugs, const std::string& module) {
  for (const auto& slug : slugs) {
    const std::string generation_key = GenerationKey(slug, module);
    auto reply = redis_.Command({"INCR", generation_key});
    std::lock_guard lock(mutex_);
    if (reply.ok()) {
      generations_[generation_key] = std::to_string(reply->integer);
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
    std::vector<std::string> keys;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, period, [this] { return stopping_; });
      if (stopping_) return;
      for (const auto& [key, value] : generations_) keys.push_back(key);
    }
    const auto started = std::chrono::steady_clock::now();
    if (keys.empty()) {
      std::lock_guard lock(mutex_);
      refreshed_at_ = started;
      continue;
    }
    std::vector<std::string> command = {"MGET"};
    command.insert(command.end(), keys.begin(), keys.end());
    auto reply = redis_.Command(command);
    if (!reply.ok() || reply->elements.size() != keys.size()) continue;  // stays stale: bypassed
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < keys.size(); ++i) {
      const auto& element = reply->elements[i];
      generations_[keys[i]] = element.type == core::RedisReply::Type::kString ? element.str : "0";
    }
    // Values read after `started`, so they are at most (now - started) old.
    refreshed_at_ = started;
  }
}

}  // namespace cabildo::api
