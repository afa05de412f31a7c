#include "cabildo/core/rate_limiter.h"

#include <gtest/gtest.h>

namespace cabildo::core {
namespace {

// No Redis here (nothing listens on port 1): each limiter counts alone.
class RateLimiterTest : public ::testing::Test {
 protected:
  RedisClient redis_{RedisOptions{"redis://127.0.0.1:1"}};
};

TEST_F(RateLimiterTest, AllowsUpToTheLimitThenRefusesUntilTheWindowEnds) {
  RateLimiter limiter(redis_, "t:", {{"auth", 3, std::chrono::seconds(60)}}, 1000,
                      std::chrono::milliseconds(10));
  for (int i = 0; i < 3; ++i) {
    auto decision = limiter.Hit(0, "10.0.0.1");
    EXPECT_TRUE(decision.allowed);
    EXPECT_EQ(decision.remaining, 2 - i);
  }
  auto refused = limiter.Hit(0, "10.0.0.1");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_GE(refused.reset_seconds, 1);
  EXPECT_LE(refused.reset_seconds, 60);
  EXPECT_TRUE(limiter.Hit(0, "10.0.0.2").allowed);  // another key has its own count
  // Syncing with Redis down keeps this process's counts.
  limiter.SyncNow();
  EXPECT_FALSE(limiter.Hit(0, "10.0.0.1").allowed);
  EXPECT_TRUE(limiter.Hit(0, "10.0.0.2").allowed);
}

TEST_F(RateLimiterTest, ZeroMeansNoLimit) {
  RateLimiter limiter(redis_, "t:", {{"read", 0, std::chrono::seconds(60)}}, 1000,
                      std::chrono::milliseconds(10));
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Hit(0, "10.0.0.1").allowed);
  EXPECT_EQ(limiter.KeyCount(0), 0u);
}

// An attacker rotating addresses cannot grow the tables past their bound.
TEST_F(RateLimiterTest, RotatingKeysStayWithinTheBound) {
  RateLimiter limiter(redis_, "t:", {{"write", 5, std::chrono::seconds(60)}}, 640,
                      std::chrono::milliseconds(1000));
  for (int i = 0; i < 50000; ++i) limiter.Hit(0, "10." + std::to_string(i));
  EXPECT_LE(limiter.KeyCount(0), 640u);
  EXPECT_GT(limiter.KeyCount(0), 320u);
}

}  // namespace
}  // namespace cabildo::core
