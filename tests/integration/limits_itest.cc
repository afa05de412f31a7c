// Request rate limits and the password-hashing pool (issue 15, item 6),
// through HTTP against the real PostgreSQL and Redis.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/api/app.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/tenants.h"

#include "test_support.h"

namespace cabildo {
namespace {

using nlohmann::json;
using testing::HttpRequest;
using testing::HttpResult;

constexpr const char* kPassword = "contraseña-segura-1";

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pqxx::connection owner(database_.owner_url());
    ASSERT_TRUE(core::ApplyTenantFile(owner, testing::DurangoTenantFile(), {}).ok());
  }

  std::unique_ptr<api::App> Start(const core::Config& config) {
    auto app = std::make_unique<api::App>(config);
    EXPECT_TRUE(app->Start().ok());
    return app;
  }

  void MakeUser(const std::string& email) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    ASSERT_TRUE(core::CreateUser(work, {email, "Persona", kPassword, false}).ok());
    work.commit();
  }

  static HttpResult Post(uint16_t port, const std::string& path, const json& body,
                         const std::string& token = "") {
    std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return HttpRequest(port, "POST", path, body.dump(), headers);
  }
  static HttpResult Get(uint16_t port, const std::string& path, const std::string& token = "") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return HttpRequest(port, "GET", path, "", headers);
  }

  testing::TestDatabase database_;
};

// A register flood from one address: 429 past the limit, with Retry-After
// and the RateLimit fields; reads from the same address and probes go on.
TEST_F(LimitsTest, ARegisterFloodFromOneAddressGets429WithRetryAfter) {
  core::Config config = database_.MakeConfig();
  config.rate_limit_auth = 3;
  auto app = Start(config);
  for (int i = 0; i < 3; ++i) {
    auto created = Post(app->Port(), "/v1/auth/register",
                        {{"email", "r" + std::to_string(i) + "@ejemplo.mx"},
                         {"password", kPassword},
                         {"name", "Persona"}});
    EXPECT_EQ(created.status, 201) << created.body;
  }
  auto refused = Post(app->Port(), "/v1/auth/register",
                      {{"email", "r9@ejemplo.mx"}, {"password", kPassword}, {"name", "Persona"}});
  ASSERT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.Header("content-type"), "application/problem+json");
  const int retry_after = std::atoi(refused.Header("retry-after").c_str());
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 60);
  EXPECT_EQ(refused.Header("ratelimit-policy"), "\"auth\";q=3;w=60");
  EXPECT_EQ(refused.Header("ratelimit"), "\"auth\";r=0;t=" + std::to_string(retry_after));
  auto problem = json::parse(refused.body);
  EXPECT_FALSE(problem.value("request_id", "").empty());
  EXPECT_NE(problem.value("detail", "").find("Demasiadas solicitudes"), std::string::npos);
  // Login and refresh share the anonymous-write bucket; nothing was created.
  EXPECT_EQ(
      Post(app->Port(), "/v1/auth/login", {{"email", "r0@ejemplo.mx"}, {"password", kPassword}})
          .status,
      429);
  EXPECT_EQ(Post(app->Port(), "/v1/auth/refresh", {{"refresh_token", "x"}}).status, 429);
  pqxx::connection owner(database_.owner_url());
  pqxx::work work(owner);
  EXPECT_EQ(work.exec("SELECT count(*) FROM core.users")[0][0].as<int>(), 3);
  // Reads have their own, larger bucket; probes are never limited.
  EXPECT_EQ(Get(app->Port(), "/v1/tenants").status, 200);
  EXPECT_EQ(Get(app->Port(), "/healthz").status, 200);
}

TEST_F(LimitsTest, ReadsAndOtherWritesHaveTheirOwnBuckets) {
  core::Config config = database_.MakeConfig();
  config.rate_limit_read = 4;
  config.rate_limit_write = 2;
  auto app = Start(config);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Get(app->Port(), "/v1/tenants/durango").status, 200);
  auto refused = Get(app->Port(), "/v1/tenants/durango");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.Header("ratelimit-policy"), "\"read\";q=4;w=60");
  EXPECT_EQ(Get(app->Port(), "/v1/tenants").status, 429);  // per address, not per route
  EXPECT_EQ(Get(app->Port(), "/healthz").status, 200);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(HttpRequest(app->Port(), "PATCH", "/v1/tenants/durango", "{}").status, 401);
  }
  EXPECT_EQ(HttpRequest(app->Port(), "PATCH", "/v1/tenants/durango", "{}").status, 429);
}

// Per signed-in user, whichever address the requests come from.
TEST_F(LimitsTest, ASignedInUserHasALimitOfTheirOwn) {
  core::Config config = database_.MakeConfig();
  config.rate_limit_user = 3;
  auto app = Start(config);
  MakeUser("ana@ejemplo.mx");
  MakeUser("bea@ejemplo.mx");
  auto login = [&](const std::string& email) {
    auto result = Post(app->Port(), "/v1/auth/login", {{"email", email}, {"password", kPassword}});
    EXPECT_EQ(result.status, 200) << result.body;
    return json::parse(result.body)["access_token"].get<std::string>();
  };
  const std::string ana = login("ana@ejemplo.mx");
  const std::string bea = login("bea@ejemplo.mx");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get(app->Port(), "/v1/me", ana).status, 200);
  auto refused = Get(app->Port(), "/v1/me", ana);
  ASSERT_EQ(refused.status, 429) << refused.body;
  EXPECT_GT(std::atoi(refused.Header("retry-after").c_str()), 0);
  EXPECT_EQ(refused.Header("ratelimit-policy"), "\"user\";q=3;w=60");
  EXPECT_EQ(refused.Header("ratelimit").rfind("\"user\";r=0;t=", 0), 0u);
  // A second token of the same user shares the limit; another user does not.
  EXPECT_EQ(Get(app->Port(), "/v1/me", login("ana@ejemplo.mx")).status, 429);
  EXPECT_EQ(Get(app->Port(), "/v1/me", bea).status, 200);
  // Anonymous reads from the same address are not this user's.
  EXPECT_EQ(Get(app->Port(), "/v1/tenants").status, 200);
}

// Two replicas on one Redis share a limit: each sends its hits and reads the
// total back every sync interval, without a round trip per request.
TEST_F(LimitsTest, ReplicasOnOneRedisShareTheLimit) {
  core::Config config = database_.MakeConfig();
  config.rate_limit_auth = 4;
  config.rate_limit_sync = std::chrono::milliseconds(50);
  auto first = Start(config);
  auto second = Start(config);
  const json bogus = {{"refresh_token", "x"}};
  EXPECT_EQ(Post(first->Port(), "/v1/auth/refresh", bogus).status, 401);
  EXPECT_EQ(Post(first->Port(), "/v1/auth/refresh", bogus).status, 401);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(Post(second->Port(), "/v1/auth/refresh", bogus).status, 401);
  EXPECT_EQ(Post(second->Port(), "/v1/auth/refresh", bogus).status, 401);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  // Four in all: each replica alone saw two, yet both now refuse.
  EXPECT_EQ(Post(first->Port(), "/v1/auth/refresh", bogus).status, 429);
  EXPECT_EQ(Post(second->Port(), "/v1/auth/refresh", bogus).status, 429);
}

// Argon2id runs on its own bounded pool: a registration flood gets 503 with
// Retry-After at once, while probes and public reads keep answering quickly.
TEST_F(LimitsTest, AFullHashingPoolAnswers503AndOtherRoutesStayFast) {
  core::Config config = database_.MakeConfig();
  config.password_hash_threads = 1;
  config.password_hash_queue = 0;
  config.workers = 8;
  auto app = Start(config);
  std::atomic<int> created{0}, busy{0}, other{0};
  std::atomic<bool> retry_after_missing{false};
  std::vector<std::thread> flood;
  for (int t = 0; t < 6; ++t) {
    flood.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        auto result =
            Post(app->Port(), "/v1/auth/register",
                 {{"email", "f" + std::to_string(t) + "-" + std::to_string(i) + "@ejemplo.mx"},
                  {"password", kPassword},
                  {"name", "Persona"}});
        if (result.status == 201) {
          ++created;
        } else if (result.status == 503) {
          ++busy;
          if (std::atoi(result.Header("retry-after").c_str()) <= 0) retry_after_missing = true;
        } else {
          ++other;
        }
      }
    });
  }
  double slowest_ms = 0;
  for (int i = 0; i < 10; ++i) {
    for (const char* path : {"/healthz", "/v1/tenants", "/v1/roles"}) {
      const auto started = std::chrono::steady_clock::now();
      EXPECT_EQ(Get(app->Port(), path).status, 200) << path;
      slowest_ms = std::max(slowest_ms, std::chrono::duration<double, std::milli>(
                                            std::chrono::steady_clock::now() - started)
                                            .count());
    }
  }
  for (auto& thread : flood) thread.join();
  EXPECT_GT(created.load(), 0);
  EXPECT_GT(busy.load(), 0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_FALSE(retry_after_missing.load());
  // Sanitizer build on a shared 2-core machine: generous, yet far below what
  // 6 concurrent 64 MiB hashes on the request workers cost.
  EXPECT_LT(slowest_ms, 1000.0);
}

}  // namespace
}  // namespace cabildo
