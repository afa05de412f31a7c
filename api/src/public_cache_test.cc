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
