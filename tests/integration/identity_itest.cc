// Accounts, tokens, throttling, roles over the tenant tree, row-level
// security and the audit chain — through HTTP against the real services.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/api/app.h"
#include "cabildo/core/audit.h"
#include "cabildo/core/crypto.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/identity_statements.h"
#include "cabildo/core/tenants.h"

#include "route_support.h"
#include "test_support.h"

namespace cabildo {
namespace {

using nlohmann::json;
using testing::HttpRequest;
using testing::HttpResult;

constexpr const char* kPassword = "contraseña-segura-1";

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pqxx::connection owner(database_.owner_url());
    ASSERT_TRUE(core::ApplyTenantFile(owner, testing::DurangoTenantFile(), {}).ok());
    core::Config config = database_.MakeConfig();
    config.login_max_failures = 3;
    app_ = std::make_unique<api::App>(config);
    ASSERT_TRUE(app_->Start().ok());
    port_ = app_->Port();
  }

  // Creates a user directly (as the owner) with `role` at `tenant` (if given).
  std::string MakeUser(const std::string& email, const std::string& role = "",
                       const std::string& tenant = "", bool instance_admin = false) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    auto user = core::CreateUser(work, {email, "Persona " + email, kPassword, instance_admin});
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    if (!role.empty()) {
      auto id = work.exec_params("SELECT id::text FROM core.tenants WHERE slug = $1", tenant)[0][0]
                    .as<std::string>();
      core::ApplyScope(work, core::Scope{{id}, ""});
      work.exec_params(
          "INSERT INTO core.role_assignments (tenant_id, user_id, role) "
          "VALUES ($1, $2, $3)",
          id, user->id, role);
    }
    work.commit();
    return user->id;
  }

  json Login(const std::string& email, const std::string& password = kPassword) {
    auto result = Post("/v1/auth/login", {{"email", email}, {"password", password}});
    EXPECT_EQ(result.status, 200) << result.body;
    return json::parse(result.body, nullptr, false);
  }
  std::string TokenFor(const std::string& email) { return Login(email)["access_token"]; }

  HttpResult Post(const std::string& path, const json& body, const std::string& token = "") {
    return Call("POST", path, body.dump(), token);
  }
  HttpResult Call(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& token = "") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return HttpRequest(port_, method, path, body, headers);
  }

  testing::TestDatabase database_;
  std::unique_ptr<api::App> app_;
  uint16_t port_ = 0;
};

TEST_F(IdentityTest, RegisterNormalisesTheEmailAndRefusesDuplicates) {
  auto created =
      Post("/v1/auth/register",
           {{"email", "  Ana.Lopez@Ejemplo.MX "}, {"password", kPassword}, {"name", "Ana"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::parse(created.body)["email"], "ana.lopez@ejemplo.mx");
  EXPECT_FALSE(json::parse(created.body).contains("password_hash"));
  auto again = Post("/v1/auth/register",
                    {{"email", "ana.lopez@ejemplo.mx"}, {"password", kPassword}, {"name", "Ana"}});
  EXPECT_EQ(again.status, 409);
  Login("ANA.LOPEZ@ejemplo.mx");
}

TEST_F(IdentityTest, RegisterValidatesEveryFieldIn422) {
  auto weak =
      Post("/v1/auth/register", {{"email", "x@ejemplo.mx"}, {"password", "corta"}, {"name", "X"}});
  EXPECT_EQ(weak.status, 422);
  EXPECT_EQ(json::parse(weak.body)["errors"][0]["field"], "password");
  auto same = Post(
      "/v1/auth/register",
      {{"email", "largo1234@ejemplo.mx"}, {"password", "Largo1234@Ejemplo.mx"}, {"name", "X"}});
  EXPECT_EQ(same.status, 422);
  auto bad =
      Post("/v1/auth/register", {{"email", "sin-arroba"}, {"password", kPassword}, {"name", ""}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(json::parse(bad.body)["errors"].size(), 2u);
  auto types = Post("/v1/auth/register", {{"email", 5}, {"password", true}});
  EXPECT_EQ(types.status, 422);
  EXPECT_EQ(Call("POST", "/v1/auth/register", "{\"email\":").status, 400);
  EXPECT_EQ(Call("POST", "/v1/auth/register", "[1,2]").status, 400);
}

TEST_F(IdentityTest, WrongPasswordAndUnknownEmailLookTheSame) {
  MakeUser("real@ejemplo.mx");
  auto wrong =
      Post("/v1/auth/login", {{"email", "real@ejemplo.mx"}, {"password", "no-es-esta-clave"}});
  auto unknown =
      Post("/v1/auth/login", {{"email", "nadie@ejemplo.mx"}, {"password", "no-es-esta-clave"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  auto a = json::parse(wrong.body);
  auto b = json::parse(unknown.body);
  a.erase("request_id");
  b.erase("request_id");
  EXPECT_EQ(a, b);
}

// The application role reads users but not their password hashes (column
// privileges, 0007); the login check gets one email's hash through
// core.login_credentials, so logging in still works.
TEST_F(IdentityTest, TheApplicationRoleCannotReadPasswordHashes) {
  MakeUser("hash@ejemplo.mx");
  pqxx::connection app(database_.app_url());
  {
    pqxx::work read(app);
    EXPECT_THROW(read.exec("SELECT password_hash FROM core.users"), pqxx::insufficient_privilege);
  }
  {
    pqxx::work read(app);
    EXPECT_EQ(read.exec("SELECT email FROM core.users WHERE email = 'hash@ejemplo.mx'").size(), 1u);
    auto one =
        read.exec_params("SELECT password_hash FROM core.login_credentials($1)", "hash@ejemplo.mx");
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0][0].as<std::string>().rfind("$argon2id$", 0), 0u);
  }
  EXPECT_TRUE(Login("hash@ejemplo.mx").contains("access_token"));
  EXPECT_EQ(Post("/v1/auth/login", {{"email", "hash@ejemplo.mx"}, {"password", "otra-clave-mala"}})
                .status,
            401);
}

TEST_F(IdentityTest, LoginGivesOpaqueTokensStoredOnlyAsHashes) {
  MakeUser("tokens@ejemplo.mx");
  auto pair = Login("tokens@ejemplo.mx");
  EXPECT_EQ(pair["token_type"], "Bearer");
  EXPECT_EQ(pair["expires_in"], 900);
  const std::string access = pair["access_token"];
  EXPECT_EQ(access.size(), 43u);
  pqxx::connection owner(database_.owner_url());
  pqxx::work read(owner);
  EXPECT_EQ(
      read.exec_params("SELECT count(*) FROM core.tokens WHERE hash = $1", access)[0][0].as<int>(),
      0);
  EXPECT_EQ(read.exec("SELECT count(*) FROM core.tokens")[0][0].as<int>(), 2);
  auto me = Call("GET", "/v1/me", "", access);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(json::parse(me.body)["email"], "tokens@ejemplo.mx");
}

TEST_F(IdentityTest, RefreshRotatesAndReuseRevokesTheWholeFamily) {
  MakeUser("rota@ejemplo.mx");
  auto first = Login("rota@ejemplo.mx");
  auto second = Post("/v1/auth/refresh", {{"refresh_token", first["refresh_token"]}});
  ASSERT_EQ(second.status, 200) << second.body;
  auto pair = json::parse(second.body);
  EXPECT_NE(pair["refresh_token"], first["refresh_token"]);
  EXPECT_EQ(Call("GET", "/v1/me", "", pair["access_token"]).status, 200);
  // The rotated token comes back: someone copied it.
  EXPECT_EQ(Post("/v1/auth/refresh", {{"refresh_token", first["refresh_token"]}}).status, 401);
  EXPECT_EQ(Post("/v1/auth/refresh", {{"refresh_token", pair["refresh_token"]}}).status, 401);
  EXPECT_EQ(Call("GET", "/v1/me", "", pair["access_token"]).status, 401);
  EXPECT_EQ(Call("GET", "/v1/me", "", first["access_token"]).status, 401);
}

TEST_F(IdentityTest, LogoutKillsACachedAccessTokenAtOnce) {
  MakeUser("salir@ejemplo.mx");
  auto pair = Login("salir@ejemplo.mx");
  ASSERT_EQ(Call("GET", "/v1/me", "", pair["access_token"]).status, 200);  // now cached in Redis
  // Checked in Redis first: the token's hash (never the token) is cached with
  // a TTL no longer than the cache bound.
  auto& redis = app_->context().redis;
  const std::string key = app_->context().config.redis_prefix +
                          "token:" + core::Sha256Hex(pair["access_token"].get<std::string>());
  auto ttl = redis.Command({"TTL", key});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 60);
  EXPECT_EQ(Call("POST", "/v1/auth/logout", "", pair["access_token"]).status, 204);
  EXPECT_EQ(redis.Command({"EXISTS", key})->integer, 0);  // gone from the cache at once
  EXPECT_EQ(Call("GET", "/v1/me", "", pair["access_token"]).status, 401);
  EXPECT_EQ(Post("/v1/auth/refresh", {{"refresh_token", pair["refresh_token"]}}).status, 401);
}

// Issue 15 item 11: an Authenticate that read the token as live just before
// a logout committed used to cache it again afterwards, so the revoked token
// kept working for up to 60 s on every replica.
TEST_F(IdentityTest, ALogoutDuringATokenCheckIsNotUndoneByItsCacheWrite) {
  MakeUser("carrera@ejemplo.mx");
  const auto pair = Login("carrera@ejemplo.mx");
  const std::string token = pair["access_token"];
  core::Config config = database_.MakeConfig();
  core::DbPool db(core::DbPoolOptions{config.database_url, 2});
  core::RegisterIdentityStatements(db);
  core::RedisClient redis(core::RedisOptions{config.redis_url});
  std::promise<void> checked, logged_out;
  auto logged_out_future = logged_out.get_future().share();
  core::AuthOptions racing_options;
  racing_options.redis_prefix = config.redis_prefix;
  racing_options.after_database_check_for_test = [&checked, logged_out_future] {
    checked.set_value();
    logged_out_future.wait();
  };
  core::AuthService racing(db, redis, racing_options);
  auto racing_check = std::async(std::launch::async, [&] { return racing.Authenticate(token); });
  checked.get_future().wait();  // the racing check found the token live in PostgreSQL
  EXPECT_EQ(Call("POST", "/v1/auth/logout", "", token).status, 204);
  logged_out.set_value();
  (void)racing_check.get();  // whatever it answers, it must not cache the token again
  EXPECT_EQ(
      redis.Command({"EXISTS", config.redis_prefix + "token:" + core::Sha256Hex(token)})->integer,
      0);
  EXPECT_EQ(Call("GET", "/v1/me", "", token).status, 401);
}

// An unknown email still costs one Argon2id verification, so a wrong password
// and an unknown email are in the same timing class (no account probing).
TEST_F(IdentityTest, UnknownEmailTakesAsLongAsAWrongPassword) {
  auto timed_login = [&](const std::string& email) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(Post("/v1/auth/login", {{"email", email}, {"password", "no-es-la-clave"}}).status,
              401);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
        .count();
  };
  std::vector<double> wrong, unknown;
  for (int i = 0; i < 3; ++i) {
    const std::string known = "tiempo" + std::to_string(i) + "@ejemplo.mx";
    MakeUser(known);
    wrong.push_back(timed_login(known));
    unknown.push_back(timed_login("nadie" + std::to_string(i) + "@ejemplo.mx"));
  }
  std::sort(wrong.begin(), wrong.end());
  std::sort(unknown.begin(), unknown.end());
  // Medians within a factor of two: both are dominated by the same hash.
  EXPECT_GT(unknown[1], wrong[1] / 2) << "unknown " << unknown[1] << " ms, wrong " << wrong[1];
  EXPECT_GT(wrong[1], unknown[1] / 2) << "unknown " << unknown[1] << " ms, wrong " << wrong[1];
  // And neither is a shortcut: Argon2id (interactive) takes tens of milliseconds.
  EXPECT_GT(unknown[0], 10.0);
}

TEST_F(IdentityTest, BadTokensAre401) {
  EXPECT_EQ(Call("GET", "/v1/me").status, 401);
  EXPECT_EQ(Call("GET", "/v1/me", "", "x").status, 401);
  EXPECT_EQ(Call("GET", "/v1/me", "", std::string(43, 'A')).status, 401);
  EXPECT_EQ(
      HttpRequest(port_, "GET", "/v1/me", "", {{"Authorization", "Basic Zm9vOmJhcg=="}}).status,
      401);
}

TEST_F(IdentityTest, RepeatedFailuresGive429EvenForTheRightPassword) {
  MakeUser("ataque@ejemplo.mx");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Post("/v1/auth/login", {{"email", "ataque@ejemplo.mx"},
                                      {"password", "adivinanza-" + std::to_string(i)}})
                  .status,
              401);
  }
  auto blocked = Post("/v1/auth/login", {{"email", "ataque@ejemplo.mx"}, {"password", kPassword}});
  EXPECT_EQ(blocked.status, 429);
  EXPECT_GT(std::atoi(blocked.Header("retry-after").c_str()), 0);
  // Another account is not blocked.
  MakeUser("vecina@ejemplo.mx");
  Login("vecina@ejemplo.mx");
}

// Each attempt is counted before its Argon2id check, so guesses sent all at
// once cannot all slip in under the limit while the first ones are hashing.
TEST_F(IdentityTest, ParallelGuessesAreCountedBeforeThePasswordIsChecked) {
  MakeUser("paralelo@ejemplo.mx");
  std::vector<std::thread> guessers;
  std::atomic<int> unauthorised{0}, limited{0};
  for (int i = 0; i < 12; ++i) {
    guessers.emplace_back([&, i] {
      auto result = HttpRequest(
          port_, "POST", "/v1/auth/login",
          json{{"email", "paralelo@ejemplo.mx"}, {"password", "adivinanza-" + std::to_string(i)}}
              .dump(),
          {{"Content-Type", "application/json"}});
      if (result.status == 401) ++unauthorised;
      if (result.status == 429) ++limited;
    });
  }
  for (auto& guesser : guessers) guesser.join();
  EXPECT_EQ(unauthorised.load(), 3);  // CABILDO_LOGIN_MAX_FAILURES of this fixture
  EXPECT_EQ(limited.load(), 9);
  EXPECT_EQ(
      Post("/v1/auth/login", {{"email", "paralelo@ejemplo.mx"}, {"password", kPassword}}).status,
      429);
}

// Failures from one client address count across emails (a password spray).
TEST_F(IdentityTest, FailuresFromOneAddressAcrossEmailsGive429) {
  core::Config config = database_.MakeConfig();
  config.login_max_failures_per_ip = 3;
  config.redis_prefix += "por-direccion:";
  api::App sprayed(config);
  ASSERT_TRUE(sprayed.Start().ok());
  MakeUser("rociada@ejemplo.mx");
  for (int i = 0; i < 3; ++i) {
    const std::string email = "nadie" + std::to_string(i) + "@ejemplo.mx";
    EXPECT_EQ(HttpRequest(sprayed.Port(), "POST", "/v1/auth/login",
                          json{{"email", email}, {"password", "adivinanza"}}.dump(),
                          {{"Content-Type", "application/json"}})
                  .status,
              401);
  }
  auto blocked = HttpRequest(sprayed.Port(), "POST", "/v1/auth/login",
                             json{{"email", "rociada@ejemplo.mx"}, {"password", kPassword}}.dump(),
                             {{"Content-Type", "application/json"}});
  EXPECT_EQ(blocked.status, 429);
  EXPECT_GT(std::atoi(blocked.Header("retry-after").c_str()), 0);
}

// Issue 15 item 7: behind a trusted proxy every client arrived from the
// proxy's address, so one client's failures locked every other client out.
TEST_F(IdentityTest, BehindATrustedProxyFailuresCountPerForwardedClient) {
  core::Config config = database_.MakeConfig();
  config.login_max_failures_per_ip = 3;
  config.redis_prefix += "tras-proxy:";
  config.trusted_proxies = core::ParseCidrList("127.0.0.0/8, ::1").value();
  api::App proxied(config);
  ASSERT_TRUE(proxied.Start().ok());
  MakeUser("detras@ejemplo.mx");
  auto login = [&](const std::string& email, const std::string& password,
                   std::map<std::string, std::string> headers) {
    headers["Content-Type"] = "application/json";
    return HttpRequest(proxied.Port(), "POST", "/v1/auth/login",
                       json{{"email", email}, {"password", password}}.dump(), headers);
  };
  for (int i = 0; i < 4; ++i) {
    // The attacker also claims other addresses; the proxy appended the real one.
    login("nadie" + std::to_string(i) + "@ejemplo.mx", "adivinanza",
          {{"X-Forwarded-For", "198.51.100." + std::to_string(i) + ", 203.0.113.66"}});
  }
  EXPECT_EQ(login("detras@ejemplo.mx", kPassword, {{"X-Forwarded-For", "203.0.113.66"}}).status,
            429);
  // Another client behind the same proxy (X-Forwarded-For or RFC 7239 Forwarded) is unaffected.
  EXPECT_EQ(login("detras@ejemplo.mx", kPassword, {{"X-Forwarded-For", "203.0.113.77"}}).status,
            200);
  EXPECT_EQ(login("detras@ejemplo.mx", kPassword, {{"Forwarded", "for=\"[2001:db8::77]\""}}).status,
            200);
}

TEST_F(IdentityTest, ALockedOutMemberIsInTheirTenantsAuditChain) {
  MakeUser("miembro@ejemplo.mx", "editor", "tepehuanes");
  MakeUser("auditora@ejemplo.mx", "auditor", "tepehuanes");
  for (int i = 0; i < 3; ++i) {
    Post("/v1/auth/login",
         {{"email", "miembro@ejemplo.mx"}, {"password", "adivinanza-" + std::to_string(i)}});
  }
  auto log = json::parse(
      Call("GET", "/v1/tenants/tepehuanes/audit", "", TokenFor("auditora@ejemplo.mx")).body);
  ASSERT_FALSE(log["items"].empty());
  EXPECT_EQ(log["items"].back()["action"], "auth.login_locked");
  EXPECT_EQ(log.dump().find("adivinanza"), std::string::npos);  // never the attempted password
}

// Issue 15 item 11: the lockout of an account without tenant roles used to
// be audited nowhere; it goes to the instance's own chain.
TEST_F(IdentityTest, ALockedOutRolelessAccountIsInTheInstanceChain) {
  const std::string id = MakeUser("ciudadana@ejemplo.mx");
  for (int i = 0; i < 3; ++i) {
    Post("/v1/auth/login",
         {{"email", "ciudadana@ejemplo.mx"}, {"password", "adivinanza-" + std::to_string(i)}});
  }
  pqxx::connection owner(database_.owner_url());
  pqxx::work work(owner);
  auto rows = work.exec(
      "SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
      "coalesce(actor_id::text, ''), actor, action, entity, entity_id, changes, prev_hash, hash "
      "FROM core.instance_audit_log ORDER BY seq");
  // The fixture's four tenants were created first (tenant.create), then the lockout.
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0][8].as<std::string>(), std::string(64, '0'));  // the chain starts at 64 zeros
  for (std::size_t i = 0; i < rows.size(); ++i) {
    core::AuditEntry entry{rows[i][0].as<int64_t>(),     rows[i][1].as<std::string>(),
                           rows[i][2].as<std::string>(), rows[i][3].as<std::string>(),
                           rows[i][4].as<std::string>(), rows[i][5].as<std::string>(),
                           rows[i][6].as<std::string>(), {},
                           rows[i][8].as<std::string>(), rows[i][9].as<std::string>()};
    const std::string changes = rows[i][7].as<std::string>();
    // Each entry follows the one before and hashes like a tenant chain's.
    if (i > 0) {
      EXPECT_EQ(entry.prev_hash, rows[i - 1][9].as<std::string>());
    }
    EXPECT_EQ(entry.hash,
              core::Sha256Hex(entry.prev_hash +
                              core::CanonicalAuditEntry(core::kInstanceChain, entry, changes)));
    if (i + 1 < rows.size()) {
      EXPECT_EQ(entry.action, "tenant.create");
      continue;
    }
    EXPECT_EQ(entry.action, "auth.login_locked");
    EXPECT_EQ(entry.entity_id, id);
    EXPECT_EQ(changes.find("adivinanza"), std::string::npos);  // never the attempted password
  }
}

// `citizen` is every signed-in user's role at every tenant: what a plugin
// grants it by default needs no assignment (and anonymous callers lack it).
TEST_F(IdentityTest, CitizenGrantsApplyToEverySignedInUser) {
  MakeUser("vecina@ejemplo.mx");
  const std::string citizen = TokenFor("vecina@ejemplo.mx");
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/audit", "", citizen).status, 404);
  {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    work.exec0(
        "INSERT INTO core.role_permissions (role, permission) "
        "VALUES ('citizen', 'core.audit.read')");
    work.commit();
  }
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/audit", "", citizen).status, 200);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/members", "", citizen).status, 404);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/audit").status, 401);
}

TEST_F(IdentityTest, AStateRoleAppliesToItsMunicipalities) {
  MakeUser("estado@ejemplo.mx", "admin", "durango");
  const std::string gomez_admin = MakeUser("gomez@ejemplo.mx", "admin", "gomez-palacio");
  const std::string target = MakeUser("editora@ejemplo.mx");
  const std::string state = TokenFor("estado@ejemplo.mx");
  const std::string municipal = TokenFor("gomez@ejemplo.mx");

  // The state admin manages members of a municipality below it.
  auto put = Call("PUT", "/v1/tenants/gomez-palacio/members/" + target,
                  json{{"roles", {"editor"}}}.dump(), state);
  ASSERT_EQ(put.status, 200) << put.body;
  auto members = json::parse(Call("GET", "/v1/tenants/gomez-palacio/members", "", state).body);
  EXPECT_EQ(members["items"].size(), 2u);
  // The municipal admin manages its own municipality...
  EXPECT_EQ(Call("GET", "/v1/tenants/gomez-palacio/members", "", municipal).status, 200);
  // ...but neither a sibling nor the state above: 404, never revealing.
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/members", "", municipal).status, 404);
  EXPECT_EQ(Call("GET", "/v1/tenants/durango/members", "", municipal).status, 404);
  EXPECT_EQ(Call("PUT", "/v1/tenants/tepehuanes/members/" + target,
                 json{{"roles", {"admin"}}}.dump(), municipal)
                .status,
            404);
  // An editor of the municipality is a member there: 403, not 404.
  EXPECT_EQ(
      Call("GET", "/v1/tenants/gomez-palacio/members", "", TokenFor("editora@ejemplo.mx")).status,
      403);
  EXPECT_EQ(Call("GET", "/v1/tenants/gomez-palacio/members", "").status, 401);
  (void)gomez_admin;
}

TEST_F(IdentityTest, NobodyGrantsInstanceAdminThroughTheApi) {
  MakeUser("estado@ejemplo.mx", "admin", "durango");
  const std::string target = MakeUser("ambicioso@ejemplo.mx");
  auto put = Call("PUT", "/v1/tenants/durango/members/" + target,
                  json{{"roles", {"instance_admin"}}}.dump(), TokenFor("estado@ejemplo.mx"));
  EXPECT_EQ(put.status, 403);
  EXPECT_EQ(Call("PUT", "/v1/tenants/durango/members/" + target,
                 json{{"roles", {"alcalde"}}}.dump(), TokenFor("estado@ejemplo.mx"))
                .status,
            422);
  EXPECT_EQ(Call("PUT", "/v1/tenants/durango/members/no-es-uuid",
                 json{{"roles", {"editor"}}}.dump(), TokenFor("estado@ejemplo.mx"))
                .status,
            404);
}

// Issue 15 item 4: a role list used to be parsed, de-duplicated (quadratic)
// and sorted before the caller was known — 5 s of a worker per anonymous PUT.
TEST_F(IdentityTest, WritesAuthoriseBeforeReadingTheBody) {
  const std::string target = MakeUser("destino@ejemplo.mx");
  json many = json::array();
  for (int i = 0; i < 20000; ++i) many.push_back("editor-" + std::to_string(i));
  const std::string huge = json{{"roles", many}}.dump();
  const auto timed = [&](const std::string& method, const std::string& path,
                         const std::string& body, const std::string& token) {
    const auto started = std::chrono::steady_clock::now();
    auto result = Call(method, path, body, token);
    return std::make_pair(
        result, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  };
  auto [anonymous, anonymous_seconds] =
      timed("PUT", "/v1/tenants/durango/members/" + target, huge, "");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_LT(anonymous_seconds, 0.5);
  // The body is never read before the 401: a malformed one is not a 400.
  EXPECT_EQ(Call("PUT", "/v1/tenants/durango/members/" + target, "{\"roles\": [").status, 401);
  EXPECT_EQ(Call("PATCH", "/v1/tenants/durango", "{\"name\": ").status, 401);
  EXPECT_EQ(Call("PUT", "/v1/tenants/durango/modules/example", "{\"config\": ").status, 401);
  // Someone without the permission: 404/403, still without reading the body.
  const std::string citizen = (MakeUser("curiosa@ejemplo.mx"), TokenFor("curiosa@ejemplo.mx"));
  EXPECT_EQ(Call("PUT", "/v1/tenants/durango/members/" + target, "{\"roles\": [", citizen).status,
            404);
  // An admin's oversized list is refused at once, before any role is looked
  // up: 20,000 values are beyond what the bounded JSON parser builds (400).
  MakeUser("estado@ejemplo.mx", "admin", "durango");
  auto [admin, admin_seconds] =
      timed("PUT", "/v1/tenants/durango/members/" + target, huge, TokenFor("estado@ejemplo.mx"));
  EXPECT_EQ(admin.status, 400) << admin.body;
  EXPECT_NE(admin.body.find("10000 valores"), std::string::npos) << admin.body;
  // The parse of a 200 KB body remains (sanitizer build, shared cores): no
  // quadratic work after it, far below the 5 s of an unchecked list.
  EXPECT_LT(admin_seconds, 2.5);
  auto seventeen = json::array();
  for (int i = 0; i < 17; ++i) seventeen.push_back("editor");
  EXPECT_EQ(Call("PUT", "/v1/tenants/durango/members/" + target, json{{"roles", seventeen}}.dump(),
                 TokenFor("estado@ejemplo.mx"))
                .status,
            422);
  auto repeated =
      Call("PUT", "/v1/tenants/durango/members/" + target,
           json{{"roles", {"editor", "editor", "auditor"}}}.dump(), TokenFor("estado@ejemplo.mx"));
  ASSERT_EQ(repeated.status, 200) << repeated.body;
  EXPECT_EQ(json::parse(repeated.body)["roles"], json({"auditor", "editor"}));
}

TEST_F(IdentityTest, MeAndRolesDescribeTheCaller) {
  MakeUser("yo@ejemplo.mx", "auditor", "tepehuanes");
  auto me = json::parse(Call("GET", "/v1/me", "", TokenFor("yo@ejemplo.mx")).body);
  EXPECT_EQ(me["roles"], json::array({{{"tenant", "tepehuanes"}, {"role", "auditor"}}}));
  auto roles = json::parse(Call("GET", "/v1/roles").body);
  bool admin_can_write_members = false;
  for (const auto& role : roles["items"]) {
    if (role["name"] == "admin") {
      for (const auto& p : role["permissions"]) admin_can_write_members |= p == "core.member.write";
    }
  }
  EXPECT_TRUE(admin_can_write_members);
}

TEST_F(IdentityTest, TenantWritesAreAuthorisedOverTheTree) {
  MakeUser("estado@ejemplo.mx", "admin", "durango");
  MakeUser("tepe@ejemplo.mx", "admin", "tepehuanes");
  MakeUser("root@ejemplo.mx", "", "", true);
  const json lerdo = {{"slug", "lerdo"},
                      {"name", "Municipio de Lerdo"},
                      {"kind", "municipality"},
                      {"parent", "durango"},
                      {"inegi_code", "10012"}};
  EXPECT_NE(Post("/v1/tenants", lerdo, TokenFor("tepe@ejemplo.mx")).status, 201);
  auto created = Post("/v1/tenants", lerdo, TokenFor("estado@ejemplo.mx"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Post("/v1/tenants", lerdo, TokenFor("estado@ejemplo.mx")).status, 409);
  const json state = {
      {"slug", "coahuila"}, {"name", "Coahuila"}, {"kind", "state"}, {"inegi_code", "05"}};
  EXPECT_EQ(Post("/v1/tenants", state, TokenFor("estado@ejemplo.mx")).status, 403);
  EXPECT_EQ(Post("/v1/tenants", state, TokenFor("root@ejemplo.mx")).status, 201);
  auto bad = Post("/v1/tenants",
                  {{"slug", "Mal"}, {"name", "x"}, {"kind", "municipality"}, {"parent", "durango"}},
                  TokenFor("estado@ejemplo.mx"));
  EXPECT_EQ(bad.status, 422);

  const std::string tepe = TokenFor("tepe@ejemplo.mx");
  auto patched = Call("PATCH", "/v1/tenants/tepehuanes",
                      json{{"name", "H. Ayuntamiento de Tepehuanes"}}.dump(), tepe);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json::parse(Call("GET", "/v1/tenants/tepehuanes").body)["name"],
            "H. Ayuntamiento de Tepehuanes");
  EXPECT_EQ(Call("PATCH", "/v1/tenants/gomez-palacio", json{{"name", "X"}}.dump(), tepe).status,
            404);
  EXPECT_EQ(Call("PATCH", "/v1/tenants/tepehuanes", json{{"kind", "state"}}.dump(), tepe).status,
            422);
  EXPECT_EQ(Call("PATCH", "/v1/tenants/tepehuanes", json{{"inegi_code", "99"}}.dump(), tepe).status,
            422);
}

// The core's public reads are cached (public_reads.h); a write through the
// API shows at once on this replica, even where the old answer was cached.
TEST_F(IdentityTest, CoreWritesShowAtOnceInTheCachedPublicReads) {
  MakeUser("root@ejemplo.mx", "", "", /*instance_admin=*/true);
  const std::string root = TokenFor("root@ejemplo.mx");
  auto name_of = [&](const std::string& slug) {
    return json::parse(Call("GET", "/v1/tenants/" + slug).body)["name"].get<std::string>();
  };
  auto slugs = [&] {
    std::vector<std::string> out;
    const json page = json::parse(Call("GET", "/v1/tenants").body);
    for (const auto& item : page["items"]) {
      out.push_back(item["slug"]);
    }
    return out;
  };
  auto modules_of = [&](const std::string& slug) {
    return json::parse(Call("GET", "/v1/tenants/" + slug + "/modules").body)["items"].size();
  };
  // Each read twice: the second one is served from the cache.
  ASSERT_EQ(name_of("tepehuanes"), name_of("tepehuanes"));
  ASSERT_EQ(slugs(), slugs());
  const std::size_t modules_before = modules_of("tepehuanes");
  ASSERT_EQ(modules_of("tepehuanes"), modules_before);
  auto metrics = Call("GET", "/metrics").body;
  EXPECT_EQ(metrics.find("cabildo_cache_local_hits 0\n"), std::string::npos) << metrics;

  ASSERT_EQ(Call("PATCH", "/v1/tenants/tepehuanes", json{{"name", "Tepehuanes, Dgo."}}.dump(), root)
                .status,
            200);
  EXPECT_EQ(name_of("tepehuanes"), "Tepehuanes, Dgo.");
  ASSERT_EQ(
      Post("/v1/tenants",
           {{"slug", "coahuila"}, {"name", "Coahuila"}, {"kind", "state"}, {"inegi_code", "05"}},
           root)
          .status,
      201);
  const auto listed = slugs();
  EXPECT_NE(std::find(listed.begin(), listed.end(), "coahuila"), listed.end());
  // A module that is installed in every build: the example plugin's memo is
  // only in tests, so enable what the instance lists first.
  auto installed = json::parse(Call("GET", "/v1/modules").body)["items"];
  ASSERT_FALSE(installed.empty());
  const std::string module = installed[0]["name"];
  Call("DELETE", "/v1/tenants/tepehuanes/modules/" + module, "", root);
  const std::size_t without = modules_of("tepehuanes");
  ASSERT_EQ(Call("PUT", "/v1/tenants/tepehuanes/modules/" + module, "{}", root).status / 100, 2);
  EXPECT_EQ(modules_of("tepehuanes"), without + 1);
  ASSERT_EQ(Call("DELETE", "/v1/tenants/tepehuanes/modules/" + module, "", root).status, 204);
  EXPECT_EQ(modules_of("tepehuanes"), without);
}

// PATCH follows the INEGI rules creation and tenant files follow (before, a
// municipality of Durango, 10, could take Coahuila's 05001).
TEST_F(IdentityTest, PatchingAnInegiCodeKeepsTheStatePrefix) {
  MakeUser("estado@ejemplo.mx", "admin", "durango");
  const std::string admin = TokenFor("estado@ejemplo.mx");
  auto patch = [&](const std::string& slug, const std::string& code) {
    return Call("PATCH", "/v1/tenants/" + slug, json{{"inegi_code", code}}.dump(), admin);
  };
  auto foreign = patch("tepehuanes", "05001");  // Coahuila's prefix under Durango
  EXPECT_EQ(foreign.status, 422) << foreign.body;
  EXPECT_NE(foreign.body.find("10"), std::string::npos) << foreign.body;
  EXPECT_EQ(patch("tepehuanes", "1003x").status, 422);
  EXPECT_EQ(patch("tepehuanes", "10007").status, 422);  // Gómez Palacio's
  // The state cannot take a prefix its municipalities do not share.
  EXPECT_EQ(patch("durango", "11").status, 422);
  auto fine = patch("tepehuanes", "10039");
  EXPECT_EQ(fine.status, 200) << fine.body;
  EXPECT_EQ(json::parse(Call("GET", "/v1/tenants/tepehuanes").body)["inegi_code"], "10039");
}

TEST_F(IdentityTest, EveryWriteIsInTheAuditChain) {
  MakeUser("estado@ejemplo.mx", "admin", "durango");
  MakeUser("auditora@ejemplo.mx", "auditor", "durango");
  const std::string target = MakeUser("nueva@ejemplo.mx");
  const std::string admin = TokenFor("estado@ejemplo.mx");
  ASSERT_EQ(Call("PUT", "/v1/tenants/durango/members/" + target, json{{"roles", {"editor"}}}.dump(),
                 admin)
                .status,
            200);
  ASSERT_EQ(Call("PATCH", "/v1/tenants/durango",
                 json{{"name", "Estado Libre y Soberano de Durango"}}.dump(), admin)
                .status,
            200);
  ASSERT_EQ(Call("DELETE", "/v1/tenants/durango/members/" + target, "", admin).status, 204);

  const std::string auditor = TokenFor("auditora@ejemplo.mx");
  auto log = json::parse(Call("GET", "/v1/tenants/durango/audit", "", auditor).body);
  std::vector<std::string> actions;
  for (const auto& entry : log["items"]) actions.push_back(entry["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"tenant.create", "member.update", "tenant.update",
                                               "member.remove"}));
  EXPECT_EQ(log["items"][1]["changes"]["after"]["roles"], json({"editor"}));
  EXPECT_EQ(log["items"][1]["actor"], "estado@ejemplo.mx");
  EXPECT_EQ(log["items"][2]["changes"]["before"]["name"], "Gobierno del Estado de Durango");
  EXPECT_EQ(log.dump().find("password"), std::string::npos);
  auto verify = json::parse(Call("GET", "/v1/tenants/durango/audit/verify", "", auditor).body);
  EXPECT_EQ(verify, json({{"ok", true}, {"entries", 4}}));
  // Paging with a cursor returns each entry once.
  auto page = json::parse(Call("GET", "/v1/tenants/durango/audit?limit=3", "", auditor).body);
  ASSERT_FALSE(page["next_cursor"].is_null());
  auto rest = json::parse(
      Call("GET",
           "/v1/tenants/durango/audit?limit=3&cursor=" + page["next_cursor"].get<std::string>(), "",
           auditor)
          .body);
  EXPECT_EQ(rest["items"].size(), 1u);
  EXPECT_EQ(rest["items"][0]["seq"], 4);
  // The cursor is bound to its list: replayed on the members list it is a 400.
  EXPECT_EQ(
      Call("GET", "/v1/tenants/durango/members?cursor=" + page["next_cursor"].get<std::string>(),
           "", auditor)
          .status,
      400);
  // Editors and strangers may not read it.
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/audit", "", auditor).status, 200);  // below durango
  MakeUser("otra@ejemplo.mx", "editor", "gomez-palacio");
  EXPECT_EQ(Call("GET", "/v1/tenants/durango/audit", "", TokenFor("otra@ejemplo.mx")).status, 404);
}

TEST_F(IdentityTest, TamperingIsFoundAtTheRightSeq) {
  pqxx::connection owner(database_.owner_url());
  auto durango = [&] {
    pqxx::work w(owner);
    return w.exec("SELECT id::text FROM core.tenants WHERE slug = 'durango'")[0][0]
        .as<std::string>();
  }();
  MakeUser("estado@ejemplo.mx", "admin", "durango");
  const std::string admin = TokenFor("estado@ejemplo.mx");
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(Call("PATCH", "/v1/tenants/durango",
                   json{{"name", "Nombre " + std::to_string(i)}}.dump(), admin)
                  .status,
              200);
  }
  auto verify = [&] {
    return json::parse(Call("GET", "/v1/tenants/durango/audit/verify", "", admin).body);
  };
  ASSERT_EQ(verify(), json({{"ok", true}, {"entries", 5}}));
  {
    pqxx::work w(owner);
    core::ApplyScope(w, core::Scope{{durango}, ""});
    w.exec_params(
        "UPDATE core.audit_log SET actor = 'alguien más' WHERE tenant_id = $1 AND seq = 3",
        durango);
    w.commit();
  }
  EXPECT_EQ(verify(), json({{"ok", false}, {"first_bad_seq", 3}}));
  {
    pqxx::work w(owner);
    core::ApplyScope(w, core::Scope{{durango}, ""});
    w.exec_params(
        "UPDATE core.audit_log SET actor = 'estado@ejemplo.mx' WHERE tenant_id = $1 AND seq = 3",
        durango);
    w.exec_params("DELETE FROM core.audit_log WHERE tenant_id = $1 AND seq = 2", durango);
    w.commit();
  }
  EXPECT_EQ(verify(), json({{"ok", false}, {"first_bad_seq", 2}}));
}

TEST_F(IdentityTest, HundredConcurrentWritesKeepAGaplessChain) {
  MakeUser("estado@ejemplo.mx", "admin", "durango");
  const std::string admin = TokenFor("estado@ejemplo.mx");
  std::vector<std::future<int>> writes;
  for (int i = 0; i < 100; ++i) {
    writes.push_back(std::async(std::launch::async, [&, i] {
      return Call("PATCH", "/v1/tenants/tepehuanes",
                  json{{"name", "Tepehuanes " + std::to_string(i)}}.dump(), admin)
          .status;
    }));
  }
  for (auto& write : writes) EXPECT_EQ(write.get(), 200);
  auto verify = json::parse(Call("GET", "/v1/tenants/tepehuanes/audit/verify", "", admin).body);
  EXPECT_EQ(verify, json({{"ok", true}, {"entries", 101}}));  // + tenant.create
  pqxx::connection owner(database_.owner_url());
  pqxx::work w(owner);
  auto id =
      w.exec("SELECT id::text FROM core.tenants WHERE slug = 'tepehuanes'")[0][0].as<std::string>();
  core::ApplyScope(w, core::Scope{{id}, ""});
  auto row = w.exec_params(
      "SELECT count(*), min(seq), max(seq) FROM core.audit_log WHERE tenant_id = $1", id)[0];
  EXPECT_EQ(row[0].as<int>(), 101);
  EXPECT_EQ(row[1].as<int>(), 1);
  EXPECT_EQ(row[2].as<int>(), 101);
}

// Appends to `tenant_id`'s chain as another writer could: straight SQL on
// its own connection, the hash computed here with CanonicalAuditEntry (so a
// chain that verifies shows PostgreSQL's hashing and this one agree).
int64_t AppendAsAnotherReplica(pqxx::connection& owner, const std::string& tenant_id,
                               const std::string& action) {
  pqxx::work w(owner);
  core::ApplyScope(w, core::Scope{{tenant_id}, ""});
  auto head = w.exec_params(
      "SELECT seq, hash FROM core.audit_heads WHERE tenant_id = $1 FOR UPDATE", tenant_id)[0];
  core::AuditEntry entry;
  entry.seq = head[0].as<int64_t>() + 1;
  entry.prev_hash = head[1].as<std::string>();
  entry.at = "2026-12-02T00:00:00.000000Z";
  entry.actor = "otra réplica";
  entry.action = action;
  entry.entity = "tenant";
  entry.entity_id = tenant_id;
  entry.hash = core::Sha256Hex(entry.prev_hash + core::CanonicalAuditEntry(tenant_id, entry, "{}"));
  w.exec_params(
      "INSERT INTO core.audit_log (tenant_id, seq, at, actor, action, entity, entity_id, "
      "changes, prev_hash, hash) VALUES ($1, $2, $3::timestamptz, $4, $5, $6, $7, '{}', $8, $9)",
      tenant_id, entry.seq, entry.at, entry.actor, entry.action, entry.entity, entry.entity_id,
      entry.prev_hash, entry.hash);
  w.exec_params("UPDATE core.audit_heads SET seq = $2, hash = $3 WHERE tenant_id = $1", tenant_id,
                entry.seq, entry.hash);
  w.commit();
  return entry.seq;
}

// The chain's head seq, read as the owner.
int64_t HeadSeq(pqxx::connection& owner, const std::string& tenant_id) {
  pqxx::work w(owner);
  core::ApplyScope(w, core::Scope{{tenant_id}, ""});
  auto head = w.exec_params("SELECT seq FROM core.audit_heads WHERE tenant_id = $1", tenant_id);
  return head.empty() ? 0 : head[0][0].as<int64_t>();
}

TEST_F(IdentityTest, AppendsAfterARollbackOrAnotherWriterStillChain) {
  pqxx::connection app(database_.app_url());
  pqxx::connection owner(database_.owner_url());
  std::string id;
  {
    pqxx::work w(owner);
    id = w.exec("SELECT id::text FROM core.tenants WHERE slug = 'tepehuanes'")[0][0]
             .as<std::string>();
  }
  auto append = [&](const std::string& action, bool commit) {
    pqxx::work w(app);
    core::ApplyScope(w, core::Scope{{id}, ""});
    Status status = core::AppendAudit(w, {id, "", "sistema: prueba", action, "tenant", id, {}});
    EXPECT_TRUE(status.ok()) << status.message();
    if (commit) w.commit();
    return HeadSeq(owner, id);
  };
  const int64_t first = append("uno", true);
  EXPECT_EQ(append("deshecho", false), first);  // rolled back: the head did not move
  EXPECT_EQ(append("dos", true), first + 1);
  EXPECT_EQ(AppendAsAnotherReplica(owner, id, "otro"), first + 2);
  EXPECT_EQ(append("tres", true), first + 3);  // follows the other writer's entry
  pqxx::work w(owner);
  core::ApplyScope(w, core::Scope{{id}, ""});
  auto verified = core::VerifyAudit(w, id);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok);
  EXPECT_EQ(verified->entries, first + 3);
}

// Concurrent appends queue on the chain head's row lock inside PostgreSQL:
// the one that waited takes the next seq once the first commits, whatever
// the order they were prepared in.
TEST_F(IdentityTest, AnAppendQueuedBehindAnUncommittedOneTakesTheNextSeq) {
  pqxx::connection first_connection(database_.app_url());
  pqxx::connection second_connection(database_.app_url());
  pqxx::connection watcher(database_.app_url());  // sees its own role's sessions
  pqxx::connection owner(database_.owner_url());
  std::string id;
  {
    pqxx::work w(owner);
    id = w.exec("SELECT id::text FROM core.tenants WHERE slug = 'gomez-palacio'")[0][0]
             .as<std::string>();
  }
  auto event = [&](const std::string& action) {
    return core::AuditEvent{id, "", "sistema: prueba", action, "tenant", id, {}};
  };
  pqxx::work first(first_connection);
  core::ApplyScope(first, core::Scope{{id}, ""});
  ASSERT_TRUE(core::AppendAudit(first, event("uno")).ok());  // holds the head's row lock
  const int64_t before = HeadSeq(owner, id);                 // not committed yet

  auto second = std::async(std::launch::async, [&] {
    pqxx::work w(second_connection);
    core::ApplyScope(w, core::Scope{{id}, ""});
    Status status = core::AppendAudit(w, event("dos"));
    w.commit();
    return status.ok();
  });
  // Commit the first only once the second waits on its row lock.
  bool waiting = false;
  for (int i = 0; i < 200 && !waiting; ++i) {
    pqxx::work w(watcher);
    waiting = w.exec(
                   "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                   "AND query LIKE 'SELECT core.audit_append(%'")[0][0]
                  .as<int>() == 1;
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(waiting) << "the second append never queued on the row lock";
  first.commit();
  EXPECT_TRUE(second.get());
  EXPECT_EQ(HeadSeq(owner, id), before + 2);

  pqxx::work w(owner);
  core::ApplyScope(w, core::Scope{{id}, ""});
  auto actions = w.exec_params(
      "SELECT action FROM core.audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 2", id);
  ASSERT_EQ(actions.size(), 2U);
  EXPECT_EQ(actions[0][0].as<std::string>(), "dos");
  EXPECT_EQ(actions[1][0].as<std::string>(), "uno");
  auto verified = core::VerifyAudit(w, id);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok);
  EXPECT_EQ(verified->entries, before + 2);
}

// Inside a pool transaction the append goes out with the COMMIT. These check
// what that must never change: a write commits with its entry or not at all,
// and the chain stays whole whatever else appends in between.
class PooledAppendTest : public IdentityTest {
 protected:
  void SetUp() override {
    IdentityTest::SetUp();
    pqxx::connection owner(database_.owner_url());
    pqxx::work w(owner);
    tenant_ =
        w.exec("SELECT id::text FROM core.tenants WHERE slug = 'durango'")[0][0].as<std::string>();
  }

  Status Append(const std::string& action, bool fail_after = false) {
    return pool_.InTransaction([&](pqxx::transaction_base& work) -> Status {
      core::ApplyScope(work, core::Scope{{tenant_}, ""});
      CABILDO_RETURN_IF_ERROR(
          core::AppendAudit(work, {tenant_, "", "sistema: prueba", action, "tenant", tenant_, {}}));
      if (fail_after) return InvalidArgumentError("la escritura se rechaza después");
      return OkStatus();
    });
  }

  // The chain's entries (after verifying it) and their actions, oldest first.
  std::vector<std::string> VerifiedActions() {
    pqxx::connection owner(database_.owner_url());
    pqxx::work w(owner);
    core::ApplyScope(w, core::Scope{{tenant_}, ""});
    auto verified = core::VerifyAudit(w, tenant_);
    EXPECT_TRUE(verified.ok() && verified->ok);
    std::vector<std::string> actions;
    for (const auto& row : w.exec_params(
             "SELECT action FROM core.audit_log WHERE tenant_id = $1 ORDER BY seq", tenant_)) {
      actions.push_back(row[0].as<std::string>());
    }
    return actions;
  }

  core::DbPool pool_{core::DbPoolOptions{database_.app_url(), 2}};
  std::string tenant_;
};

TEST_F(PooledAppendTest, AWriteRolledBackAfterItsAppendLeavesNoEntryAndTheChainGoesOn) {
  const auto before = VerifiedActions();
  ASSERT_TRUE(Append("uno").ok());
  EXPECT_EQ(Append("deshecho", /*fail_after=*/true).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(Append("dos").ok());
  auto actions = VerifiedActions();
  ASSERT_EQ(actions.size(), before.size() + 2);
  EXPECT_EQ(actions[actions.size() - 2], "uno");
  EXPECT_EQ(actions.back(), "dos");
}

TEST_F(PooledAppendTest, AnotherWritersAppendInBetweenIsFollowedWithoutRedoingAnything) {
  const core::AuditAppendCounts before = core::AuditAppendStats();
  ASSERT_TRUE(Append("uno").ok());
  pqxx::connection owner(database_.owner_url());
  AppendAsAnotherReplica(owner, tenant_, "de otra réplica");
  ASSERT_TRUE(Append("dos").ok());
  const core::AuditAppendCounts after = core::AuditAppendStats();
  EXPECT_EQ(after.with_commit - before.with_commit, 2);  // each went out with its COMMIT
  EXPECT_EQ(after.at_once, before.at_once);
  auto actions = VerifiedActions();
  ASSERT_GE(actions.size(), 3U);
  EXPECT_EQ(std::vector<std::string>(actions.end() - 3, actions.end()),
            (std::vector<std::string>{"uno", "de otra réplica", "dos"}));
}

// PostgreSQL hashes what CanonicalAuditEntry would: the chain verifies with
// quotes, backslashes, accents, an emoji and nested JSON in every text field.
TEST_F(PooledAppendTest, EntriesWithAwkwardTextVerify) {
  const std::string awkward = "comillas \" y \\ barra, acentos áéíóú ñ, emoji \xF0\x9F\x8F\x97";
  Status status = pool_.InTransaction([&](pqxx::transaction_base& work) -> Status {
    core::ApplyScope(work, core::Scope{{tenant_}, ""});
    return core::AppendAudit(work,
                             {tenant_,
                              "",
                              awkward,
                              "prueba." + awkward,
                              awkward,
                              awkward,
                              {{"before", {{"t\"x", awkward}}}, {"after", {1, 2.5, nullptr}}}});
  });
  ASSERT_TRUE(status.ok()) << status.message();
  auto actions = VerifiedActions();  // verifies the chain
  ASSERT_FALSE(actions.empty());
  EXPECT_EQ(actions.back(), "prueba." + awkward);
}

TEST_F(PooledAppendTest, TwoAppendsToOneChainInOneTransactionBothCommitInOrder) {
  ASSERT_TRUE(Append("antes").ok());
  Status status = pool_.InTransaction([&](pqxx::transaction_base& work) -> Status {
    core::ApplyScope(work, core::Scope{{tenant_}, ""});
    for (const char* action : {"primera", "segunda"}) {
      CABILDO_RETURN_IF_ERROR(
          core::AppendAudit(work, {tenant_, "", "sistema: prueba", action, "tenant", tenant_, {}}));
    }
    return OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status.message();
  auto actions = VerifiedActions();
  ASSERT_GE(actions.size(), 3U);
  EXPECT_EQ(std::vector<std::string>(actions.end() - 3, actions.end()),
            (std::vector<std::string>{"antes", "primera", "segunda"}));
}

// One rule for every transaction: only a 2xx answer commits. A core route
// (here a test-only one on the core's WithTenantPermission) that wrote and
// then answered 4xx or 304 leaves nothing behind; its 2xx twin commits.
TEST_F(IdentityTest, ACoreRouteThatWroteAndThenAnsweredNon2xxRollsBack) {
  api::App app(database_.MakeConfig());
  api::AppContext& context = app.context();
  app.router().Add(
      api::Method::kPost, "/v1/tenants/{tenant}/prueba-escribe", [&context](api::Request& request) {
        const int status = std::stoi(request.Query("status").value_or("200"));
        return api::WithTenantPermission(
            context, request, "core.tenant.update",
            [&](pqxx::transaction_base& work, const core::Principal& actor,
                const core::TenantRef& tenant) -> StatusOr<api::Response> {
              work.exec_params("UPDATE core.tenants SET name = $2 WHERE id = $1", tenant.id,
                               "Durango " + std::to_string(status));
              CABILDO_RETURN_IF_ERROR(
                  core::AppendAudit(work, {tenant.id, actor.user_id, actor.email,
                                           "prueba.escritura-" + std::to_string(status), "tenant",
                                           tenant.id, json::object()}));
              if (status / 100 == 2) return api::Response::Json(status, {{"ok", true}});
              if (status == 304) return api::Response::Empty(304);
              return api::Problem(status, "Rechazada después de escribir.", request.request_id);
            });
      });
  ASSERT_TRUE(app.Start().ok());
  MakeUser("estado@ejemplo.mx", "admin", "durango");
  const std::string admin = TokenFor("estado@ejemplo.mx");
  for (int status : {409, 422, 304, 201}) {
    auto result = HttpRequest(app.Port(), "POST",
                              "/v1/tenants/durango/prueba-escribe?status=" + std::to_string(status),
                              "", {{"Authorization", "Bearer " + admin}});
    EXPECT_EQ(result.status, status) << result.body;
  }
  pqxx::connection owner(database_.owner_url());
  pqxx::work w(owner);
  auto id =
      w.exec("SELECT id::text FROM core.tenants WHERE slug = 'durango'")[0][0].as<std::string>();
  core::ApplyScope(w, core::Scope{{id}, ""});
  std::vector<std::string> written;
  for (const auto& row : w.exec_params(
           "SELECT action FROM core.audit_log WHERE tenant_id = $1 AND action LIKE 'prueba.%' "
           "ORDER BY seq",
           id)) {
    written.push_back(row[0].as<std::string>());
  }
  EXPECT_EQ(written, std::vector<std::string>{"prueba.escritura-201"});
  EXPECT_EQ(w.exec("SELECT name FROM core.tenants WHERE slug = 'durango'")[0][0].as<std::string>(),
            "Durango 201");
  auto verified = core::VerifyAudit(w, id);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok);
}

// audit/verify reads the chain through a cursor, a batch at a time: chains
// longer than a batch verify, and tampering is found at the right seq on
// either side of a batch boundary and at one.
TEST_F(IdentityTest, VerifyReadsTheChainInBatchesAndFindsTamperingAcrossThem) {
  pqxx::connection owner(database_.owner_url());
  std::string id;
  {
    pqxx::work w(owner);
    id = w.exec("SELECT id::text FROM core.tenants WHERE slug = 'durango'")[0][0].as<std::string>();
    core::ApplyScope(w, core::Scope{{id}, ""});
    for (int i = 0; i < 1200; ++i) {
      ASSERT_TRUE(core::AppendAudit(
                      w, {id, "", "sistema: prueba", "prueba.entrada", "tenant", id, {{"n", i}}})
                      .ok());
    }
    w.commit();
  }
  int64_t entries = 0;
  {
    pqxx::work w(owner);
    core::ApplyScope(w, core::Scope{{id}, ""});
    for (int batch : {1, 7, 500, 5000}) {
      auto verified = core::VerifyAudit(w, id, batch);
      ASSERT_TRUE(verified.ok());
      EXPECT_TRUE(verified->ok) << batch;
      entries = verified->entries;
      EXPECT_GE(entries, 1200) << batch;
    }
  }
  MakeUser("auditora@ejemplo.mx", "auditor", "durango");
  const std::string auditor = TokenFor("auditora@ejemplo.mx");
  auto verify = [&] {
    return json::parse(Call("GET", "/v1/tenants/durango/audit/verify", "", auditor).body);
  };
  EXPECT_EQ(verify(), json({{"ok", true}, {"entries", entries}}));
  for (int64_t bad : {int64_t{7}, int64_t{8}, int64_t{14}, entries, int64_t{501}}) {
    pqxx::work w(owner);
    core::ApplyScope(w, core::Scope{{id}, ""});
    w.exec_params(
        "UPDATE core.audit_log SET actor = actor || '*' WHERE tenant_id = $1 AND seq = $2", id,
        bad);
    auto verified = core::VerifyAudit(w, id, 7);
    ASSERT_TRUE(verified.ok());
    EXPECT_FALSE(verified->ok) << bad;
    EXPECT_EQ(verified->first_bad_seq, bad);
    if (bad == 501) {
      w.commit();
      EXPECT_EQ(verify(), json({{"ok", false}, {"first_bad_seq", 501}}));
    }
  }
}

// No UPDATE or DELETE grant: the application can only append to the chain.
// (Row-level security over every table: isolation_itest.cc.)
TEST_F(IdentityTest, TheAuditLogIsAppendOnlyForTheApplication) {
  pqxx::connection app(database_.app_url());
  for (const char* statement : {"UPDATE core.audit_log SET actor = 'x'",
                                "DELETE FROM core.audit_log", "TRUNCATE core.audit_log"}) {
    pqxx::work w(app);
    auto id =
        w.exec("SELECT id::text FROM core.tenants WHERE slug = 'durango'")[0][0].as<std::string>();
    core::ApplyScope(w, core::Scope{{id}, ""});
    EXPECT_THROW(w.exec(statement), pqxx::insufficient_privilege) << statement;
  }
}

}  // namespace
}  // namespace cabildo
