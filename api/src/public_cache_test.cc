#include "cabildo/api/public_cache.h"

#include <gtest/gtest.h>

namespace cabildo::api {
namespace {

// No Redis at all (a socket that does not exist): the local layer alone.
core::RedisOptions NoRedis() { return core::RedisOptions{"unix:///nonexistent/redis.sock"}; }

TEST(PublicCacheTest, TheLocalCopyEvictsTheOldestBeyondItsEntryBound) {
  core::RedisClient redis(NoRedis());
  PublicCache cache(redis, "t:", std::chrono::milliseconds(100), 1u << 20, /*max_entries=*/3);
  for (int i = 0; i < 10; ++i)
    cache.Put("k" + std::to_string(i), {"text/plain", "cuerpo", {}, {}, {}});
  EXPECT_EQ(cache.local_entries(), 3u);
  EXPECT_EQ(cache.evictions(), 7u);
  EXPECT_EQ(cache.Get("k0", /*network=*/false), nullptr);  // the oldest went first
  ASSERT_NE(cache.Get("k9", /*network=*/false), nullptr);
}

TEST(PublicCacheTest, TheLocalCopyEvictsTheOldestBeyondItsByteBound) {
  core::RedisClient redis(NoRedis());
  PublicCache cache(redis, "t:", std::chrono::milliseconds(100), /*max_bytes=*/4096);
  const std::string body(1000, 'x');
  for (int i = 0; i < 100; ++i)
    cache.Put("k" + std::to_string(i), {"text/plain", body, {}, {}, {}});
  EXPECT_LE(cache.local_bytes(), 4096u);
  EXPECT_EQ(cache.local_entries(), 4u);
  EXPECT_EQ(cache.Get("k0", /*network=*/false), nullptr);
  ASSERT_NE(cache.Get("k99", /*network=*/false), nullptr);
}

// A write bumps a (tenant, module) generation: the answers stored under the
// older one can never be asked for again (Key() builds the new generation
// into every key), so they leave the local copy at once instead of filling its
// byte bound (bench/soak: 64 MiB of dead answers under a steady write rate).
TEST(PublicCacheTest, ANewerGenerationDropsTheOlderOnesAnswersOfThatScopeOnly) {
  core::RedisClient redis(NoRedis());
  PublicCache cache(redis, "t:");
  auto key = [](const std::string& scope, int generation, int day, const std::string& request) {
    return "t:resp:" + scope + ":" + std::to_string(generation) + ":" + std::to_string(day) + ":" +
           request;
  };
  const CachedResponse body{"application/json", std::string(1000, 'x'), {}, {}, {}};
  cache.Put(key("durango:public-works", 5, 20000, "a"), body);
  cache.Put(key("durango:public-works", 5, 20000, "b"), body);
  cache.Put(key("lerdo:public-works", 5, 20000, "a"), body);
  cache.Put(key("durango:service-requests", 2, 20000, "a"), body);
  EXPECT_EQ(cache.local_entries(), 4u);

  cache.Put(key("durango:public-works", 6, 20000, "a"), body);
  EXPECT_EQ(cache.local_entries(), 3u);  // durango's two old ones out, the new one in
  EXPECT_EQ(cache.evictions(), 2u);
  EXPECT_EQ(cache.Get(key("durango:public-works", 5, 20000, "b"), false), nullptr);
  EXPECT_NE(cache.Get(key("lerdo:public-works", 5, 20000, "a"), false), nullptr);
  EXPECT_NE(cache.Get(key("durango:service-requests", 2, 20000, "a"), false), nullptr);

  // A reader that saw the generation before the bump stores under the old one:
  // kept (it is still a right answer for that reader), and the new one stays.
  cache.Put(key("durango:public-works", 5, 20000, "c"), body);
  EXPECT_NE(cache.Get(key("durango:public-works", 6, 20000, "a"), false), nullptr);
  EXPECT_NE(cache.Get(key("durango:public-works", 5, 20000, "c"), false), nullptr);

  // A new day is the same: yesterday's answers are never asked for again.
  cache.Put(key("durango:public-works", 6, 20001, "a"), body);
  EXPECT_EQ(cache.Get(key("durango:public-works", 6, 20000, "a"), false), nullptr);

  // A steady write rate keeps one answer per scope, never the byte bound's worth.
  for (int generation = 7; generation < 5000; ++generation) {
    cache.Put(key("durango:public-works", generation, 20001, "a"), body);
  }
  EXPECT_LE(cache.local_entries(), 5u);
  EXPECT_LE(cache.local_bytes(), 5u * 1100);
}

// An answer that changes by itself at a known moment (a call's window
// closes: HttpResponse::fresh_until) is served until then and never after,
// and the next answer under the same key replaces it.
TEST(PublicCacheTest, AnAnswerWithAnExpiryIsNotServedAfterIt) {
  core::RedisClient redis(NoRedis());
  auto now = std::chrono::system_clock::now();
  PublicCache cache(redis, "t:", std::chrono::milliseconds(100), 1u << 20, 100,
                    [&now] { return now; });
  const auto closes = now + std::chrono::minutes(5);
  cache.Put("k", {"application/json", "abierta", {}, {}, closes});
  ASSERT_NE(cache.Get("k", false), nullptr);
  EXPECT_EQ(cache.Get("k", false)->body, "abierta");
  now = closes - std::chrono::milliseconds(1);
  EXPECT_NE(cache.Get("k", false), nullptr);
  now = closes;
  EXPECT_EQ(cache.Get("k", false), nullptr);
  cache.Put("k", {"application/json", "cerrada", {}, {}, std::nullopt});
  ASSERT_NE(cache.Get("k", false), nullptr);
  EXPECT_EQ(cache.Get("k", false)->body, "cerrada");
  // Already past: answered, but nothing kept.
  cache.Put("pasada", {"application/json", "x", {}, {}, now - std::chrono::seconds(1)});
  EXPECT_EQ(cache.Get("pasada", false), nullptr);
  EXPECT_EQ(cache.local_entries(), 1u);
}

// Days change at 06:00 UTC: midnight in central Mexico (UTC-6 all year).
TEST(PublicCacheTest, TheDayStampChangesAtMidnightInCentralMexico) {
  using namespace std::chrono;
  const sys_days december_6{year{2026} / 12 / 6};
  const int64_t day = PublicCache::DayStamp(december_6 + hours(6));
  EXPECT_EQ(day, (december_6 - sys_days{}).count());
  EXPECT_EQ(PublicCache::DayStamp(december_6 + hours(6) - seconds(1)), day - 1);
  EXPECT_EQ(PublicCache::DayStamp(december_6 + hours(29) + minutes(59)), day);
  EXPECT_EQ(PublicCache::DayStamp(december_6 + hours(30)), day + 1);
}

}  // namespace
}  // namespace cabildo::api
