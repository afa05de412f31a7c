// Expired tokens leave core.tokens (migrations/0012, core/token_purger.h).

#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/api/app.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/identity_statements.h"
#include "cabildo/core/token_purger.h"

#include "test_support.h"

namespace cabildo {
namespace {

class TokenPurgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    auto user = core::CreateUser(work, {"purga@example.mx", "Persona", "contraseña-segura-1"});
    ASSERT_TRUE(user.ok()) << user.status().message();
    user_id_ = user->id;
    work.commit();
  }

  // A family created `age` ago; returns its id.
  std::string Family(const std::string& age) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    auto id = work.exec_params1(
                      "INSERT INTO core.token_families (user_id, created_at) "
                      "VALUES ($1, now() - $2::interval) RETURNING id::text",
                      user_id_, age)[0]
                  .as<std::string>();
    work.commit();
    return id;
  }
  // `count` tokens of `family` that expire(d) at now() + `expires_in`.
  void Tokens(const std::string& family, const std::string& kind, const std::string& expires_in,
              int count = 1) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    work.exec_params(
        "INSERT INTO core.tokens (hash, kind, family_id, user_id, expires_at) "
        "SELECT md5(random()::text || g), $1, $2, $3, now() + $4::interval "
        "FROM generate_series(1, $5) g",
        kind, family, user_id_, expires_in, count);
    work.commit();
  }
  long long Count(const std::string& sql) {
    pqxx::connection owner(database_.owner_url());
    pqxx::read_transaction work(owner);
    return work.exec(sql)[0][0].as<long long>();
  }

  testing::TestDatabase database_;
  std::string user_id_;
};

TEST_F(TokenPurgeTest, RemovesWhatExpiredBeforeTheGraceAndKeepsEveryLiveSession) {
  const std::string ended = Family("40 days");  // both tokens long expired
  Tokens(ended, "access", "-40 days");
  Tokens(ended, "refresh", "-10 days");
  const std::string live = Family("20 days");  // its refresh token still works
  Tokens(live, "access", "-20 days");
  Tokens(live, "refresh", "+10 days");
  const std::string recent = Family("2 hours");  // expired within the grace
  Tokens(recent, "access", "-1 hour");
  const std::string opening = Family("1 second");  // no token yet: being created

  core::DbPool pool({database_.app_url(), 2});
  core::RegisterIdentityStatements(pool);
  auto purged = core::PurgeExpiredTokens(pool, {});
  ASSERT_TRUE(purged.ok()) << purged.status().message();
  EXPECT_EQ(purged->tokens, 3);    // ended's two and live's access token
  EXPECT_EQ(purged->families, 1);  // ended

  EXPECT_EQ(Count("SELECT count(*) FROM core.token_families WHERE id = '" + ended + "'"), 0);
  for (const auto& kept : {live, recent, opening}) {
    EXPECT_EQ(Count("SELECT count(*) FROM core.token_families WHERE id = '" + kept + "'"), 1);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM core.tokens WHERE family_id = '" + live +
                  "' AND kind = 'refresh'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM core.tokens WHERE family_id = '" + recent + "'"), 1);

  auto again = core::PurgeExpiredTokens(pool, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->tokens, 0);
  EXPECT_EQ(again->families, 0);
}

TEST_F(TokenPurgeTest, ABacklogDrainsInBoundedBatches) {
  const std::string family = Family("40 days");
  Tokens(family, "access", "-30 days", 2500);
  core::DbPool pool({database_.app_url(), 2});
  core::RegisterIdentityStatements(pool);

  core::TokenPurgeOptions options;
  options.max_batches = 2;  // 2 x 1000 per purge
  auto first = core::PurgeExpiredTokens(pool, options);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->tokens, 2000);
  EXPECT_EQ(Count("SELECT count(*) FROM core.tokens"), 500);
  auto second = core::PurgeExpiredTokens(pool, options);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->tokens, 500);
  EXPECT_EQ(second->families, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM core.tokens"), 0);
}

TEST_F(TokenPurgeTest, TheApplicationRoleCannotDeleteTokensItself) {
  pqxx::connection app(database_.app_url());
  pqxx::work work(app);
  EXPECT_THROW(work.exec("DELETE FROM core.tokens"), pqxx::insufficient_privilege);
}

TEST_F(TokenPurgeTest, TheServerPurgesOnItsOwnEveryInterval) {
  const std::string family = Family("40 days");
  Tokens(family, "access", "-30 days", 3);
  auto config = database_.MakeConfig();
  config.token_purge_interval = std::chrono::seconds(1);
  api::App app(config);
  ASSERT_TRUE(app.Start().ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Count("SELECT count(*) FROM core.token_families") > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Count("SELECT count(*) FROM core.tokens"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM core.token_families"), 0);
  // And a login still gets fresh tokens that the purge leaves alone.
  auto login =
      testing::HttpRequest(app.Port(), "POST", "/v1/auth/login",
                           R"({"email":"purga@example.mx","password":"contraseña-segura-1"})",
                           {{"Content-Type", "application/json"}});
  EXPECT_EQ(login.status, 200) << login.body;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Count("SELECT count(*) FROM core.tokens"), 2);
}

}  // namespace
}  // namespace cabildo
