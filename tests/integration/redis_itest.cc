// CABILDO_REDIS_URL's credentials and database number reach Redis: AUTH and
// SELECT on every new connection (before, both were ignored: the client
// connected unauthenticated to db 0).
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "cabildo/api/app.h"
#include "cabildo/api/public_cache.h"
#include "cabildo/core/redis.h"

#include "test_support.h"
#include <unistd.h>

namespace cabildo {
namespace {

constexpr const char* kPassword = "clave-redis-de-prueba";

// A redis-server of its own with `requirepass`, on a unix socket in the test
// state dir, stopped by the destructor (the shared test Redis is untouched).
class PasswordRedis {
 public:
  PasswordRedis() {
    const std::string dir = testing::RequiredEnv("CABILDO_STATE_DIR");
    const std::string tag = "redis-auth-" + std::to_string(getpid());
    socket_ = dir + "/" + tag + ".sock";
    pidfile_ = dir + "/" + tag + ".pid";
    const std::string command = "redis-server --port 0 --unixsocket " + socket_ +
                                " --unixsocketperm 700 --daemonize yes --pidfile " + pidfile_ +
                                " --save '' --appendonly no --dir " + dir +
                                " --logfile /dev/null --requirepass " + kPassword;
    started_ = std::system(command.c_str()) == 0;  // NOLINT(cert-env33-c): the test's own server
    for (int i = 0; i < 200 && started_; ++i) {
      if (std::filesystem::exists(socket_) && std::filesystem::exists(pidfile_)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    started_ = false;
  }
  ~PasswordRedis() {
    std::ifstream in(pidfile_);
    pid_t pid = 0;
    if (in >> pid && pid > 0) kill(pid, SIGTERM);
  }
  bool started() const { return started_; }
  std::string Url(const std::string& query = "") const {
    return "unix://" + socket_ + (query.empty() ? "" : "?" + query);
  }

 private:
  std::string socket_;
  std::string pidfile_;
  bool started_ = false;
};

// No idle connections kept: every command opens (and authenticates) a new one.
core::RedisOptions Fresh(const std::string& url) {
  core::RedisOptions options{url};
  options.max_idle = 0;
  return options;
}

TEST(RedisUrlTest, APasswordOrAnAclUserIsSentOnEveryConnection) {
  PasswordRedis server;
  ASSERT_TRUE(server.started());
  core::RedisClient anonymous(Fresh(server.Url()));
  EXPECT_FALSE(anonymous.Command({"SET", "k", "v"}).ok());  // NOAUTH

  core::RedisClient with_password(Fresh(server.Url(std::string("password=") + kPassword)));
  ASSERT_TRUE(with_password.Ping().ok());
  ASSERT_TRUE(with_password.Command({"SET", "k", "v"}).ok());
  auto read = with_password.Command({"GET", "k"});  // a new connection, authenticated again
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->str, "v");

  // A Redis 6 ACL user: AUTH user password.
  ASSERT_TRUE(with_password
                  .Command({"ACL", "SETUSER", "cabildo", "on", ">clave-del-usuario", "~*", "+@all"})
                  .ok());
  core::RedisClient acl_user(Fresh(server.Url("user=cabildo&password=clave-del-usuario")));
  EXPECT_TRUE(acl_user.Ping().ok());
  EXPECT_EQ(acl_user.Command({"GET", "k"})->str, "v");
}

TEST(RedisUrlTest, AWrongPasswordStopsStartUpWithoutShowingThePassword) {
  PasswordRedis server;
  ASSERT_TRUE(server.started());
  const std::string wrong = "no-es-la-clave-9f3";
  core::RedisClient redis(Fresh(server.Url("password=" + wrong)));
  ::testing::internal::CaptureStdout();
  Status ping = redis.Ping();
  const std::string logged = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(ping.code(), StatusCode::kUnprocessable) << ping.message();
  EXPECT_NE(logged.find("AUTH"), std::string::npos) << logged;
  EXPECT_EQ(logged.find(wrong), std::string::npos) << logged;
  EXPECT_EQ(ping.message().find(wrong), std::string::npos) << ping.message();

  testing::TestDatabase database;
  core::Config config = database.MakeConfig();
  config.redis_url = server.Url("password=" + wrong);
  api::App app(config);
  Status started = app.Start();
  EXPECT_EQ(started.code(), StatusCode::kUnprocessable);
  EXPECT_NE(started.message().find("CABILDO_REDIS_URL"), std::string::npos) << started.message();
  EXPECT_EQ(started.message().find(wrong), std::string::npos);
  if (started.ok()) app.Stop(std::chrono::milliseconds(0), std::chrono::milliseconds(100));
}

TEST(RedisUrlTest, TheDatabaseNumberIsSelected) {
  const std::string url = testing::RequiredEnv("CABILDO_REDIS_URL");
  ASSERT_EQ(url.find('?'), std::string::npos);
  const std::string db_url = url.rfind("unix://", 0) == 0 ? url + "?db=7" : url + "/7";
  core::RedisClient db7(Fresh(db_url));
  core::RedisClient db0(Fresh(url));
  const std::string key = "cabildo-test:select:" + std::to_string(getpid());
  ASSERT_TRUE(db7.Command({"SET", key, "en-7", "EX", "60"}).ok());
  EXPECT_EQ(db0.Command({"EXISTS", key})->integer, 0);  // not in db 0
  EXPECT_EQ(db7.Command({"GET", key})->str, "en-7");    // a new connection: selected again
  EXPECT_TRUE(db7.Command({"DEL", key}).ok());
}

// Date-dependent answers ("overdue", members current "today") must not be
// served from the cache past midnight in central Mexico: the day is part of
// every key, so midnight misses as a write would.
TEST(PublicCacheDayTest, MidnightInCentralMexicoChangesEveryKey) {
  using namespace std::chrono;
  core::RedisClient redis(core::RedisOptions{testing::RequiredEnv("CABILDO_REDIS_URL")});
  sys_seconds now = sys_days{year{2026} / 12 / 6} + hours(5) + minutes(59);  // 23:59 in Durango
  api::PublicCache cache(redis, "cabildo-test:day:" + std::to_string(getpid()) + ":",
                         milliseconds(100), 1u << 20, 100, [&now] { return now; });
  const auto before = cache.Key("durango", "open-government", "/dashboard");
  ASSERT_TRUE(before.has_value());
  cache.Put(*before, {"application/json", "{\"overdue\":0}", {}, {}});
  ASSERT_NE(cache.Get(*before, /*network=*/false), nullptr);

  now += minutes(1);  // 00:00 of December 6 in Durango
  const auto after = cache.Key("durango", "open-government", "/dashboard");
  ASSERT_TRUE(after.has_value());
  EXPECT_NE(*after, *before);
  EXPECT_EQ(cache.Get(*after, /*network=*/false), nullptr);  // computed again
  now += hours(23) + minutes(59);                            // 23:59 of the same day
  EXPECT_EQ(cache.Key("durango", "open-government", "/dashboard"), after);
}

// An answer with an expiry (HttpResponse::fresh_until: a call's window
// closes) is shared through Redis with it: another replica serves it until
// then and never after, and Redis drops it by then too.
TEST(PublicCacheDayTest, AnExpiryTravelsThroughRedisToOtherReplicas) {
  using namespace std::chrono;
  core::RedisClient redis(core::RedisOptions{testing::RequiredEnv("CABILDO_REDIS_URL")});
  auto now = system_clock::now();
  const std::string prefix = "cabildo-test:expiry:" + std::to_string(getpid()) + ":";
  api::PublicCache writer(redis, prefix, milliseconds(100), 1u << 20, 100, [&now] { return now; });
  api::PublicCache other(redis, prefix, milliseconds(100), 1u << 20, 100, [&now] { return now; });
  const auto key = writer.Key("durango", "scholarships", "/calls?open=true");
  ASSERT_TRUE(key.has_value());
  writer.Put(*key, {"application/json", "[abierta]", {}, {}, now + seconds(2)});
  auto shared = other.Get(*key);  // from Redis
  ASSERT_NE(shared, nullptr);
  EXPECT_EQ(shared->body, "[abierta]");
  ASSERT_TRUE(shared->expires.has_value());
  EXPECT_LE(redis.Command({"PTTL", *key})->integer, 2000);
  now += seconds(2);
  EXPECT_EQ(other.Get(*key, /*network=*/false), nullptr);  // its local copy expired
  EXPECT_EQ(other.Get(*key), nullptr);                     // and Redis' is not served
  EXPECT_TRUE(redis.Command({"DEL", *key}).ok());
}

}  // namespace
}  // namespace cabildo
