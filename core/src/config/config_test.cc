#include "cabildo/core/config.h"

#include <map>

#include <gtest/gtest.h>

#include "cabildo/core/redis.h"

namespace cabildo::core {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigTest, DefaultsAreSafeAndLocal) {
  auto config = LoadConfig(FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->listen.host, "127.0.0.1");
  EXPECT_EQ(config->listen.port, 8080);
  EXPECT_EQ(config->max_body_bytes, 1u << 20);
  EXPECT_EQ(config->database_admin_url, config->database_url);
  EXPECT_FALSE(config->plugins_optional);
  EXPECT_EQ(config->portal_dir, "");  // no portal unless asked for
}

TEST(ConfigTest, ReadsEveryValue) {
  auto config = LoadConfig(FakeEnv({{"CABILDO_LISTEN", "0.0.0.0:9000"},
                                    {"CABILDO_THREADS", "4"},
                                    {"CABILDO_DB_POOL_SIZE", "16"},
                                    {"CABILDO_MAX_BODY_BYTES", "2048"},
                                    {"CABILDO_PLUGINS_OPTIONAL", "1"},
                                    {"CABILDO_PORTAL_DIR", "/srv/portal/dist"},
                                    {"CABILDO_REDIS_URL", "unix:///tmp/r.sock"}}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->listen.host, "0.0.0.0");
  EXPECT_EQ(config->listen.port, 9000);
  EXPECT_EQ(config->threads, 4);
  EXPECT_EQ(config->db_pool_size, 16);
  EXPECT_EQ(config->max_body_bytes, 2048u);
  EXPECT_TRUE(config->plugins_optional);
  EXPECT_EQ(config->redis_url, "unix:///tmp/r.sock");
  EXPECT_EQ(config->portal_dir, "/srv/portal/dist");
}

struct BadCase {
  const char* variable;
  const char* value;
};

class ConfigRejects : public testing::TestWithParam<BadCase> {};

TEST_P(ConfigRejects, NamesTheVariableInOneLine) {
  auto config = LoadConfig(FakeEnv({{GetParam().variable, GetParam().value}}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = config.status().message();
  EXPECT_NE(message.find(GetParam().variable), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    BadValues, ConfigRejects,
    testing::Values(
        BadCase{"CABILDO_THREADS", "abc"}, BadCase{"CABILDO_THREADS", "0"},
        BadCase{"CABILDO_THREADS", "4x"}, BadCase{"CABILDO_LISTEN", "8080"},
        BadCase{"CABILDO_LISTEN", "127.0.0.1:99999"}, BadCase{"CABILDO_LISTEN", "127.0.0.1:"},
        BadCase{"CABILDO_MAX_BODY_BYTES", "-1"}, BadCase{"CABILDO_DB_POOL_SIZE", "100000"},
        BadCase{"CABILDO_PLUGINS_OPTIONAL", "maybe"}, BadCase{"CABILDO_DATABASE_URL", "mysql://x"},
        BadCase{"CABILDO_REDIS_URL", "http://x"}, BadCase{"CABILDO_REDIS_URL", "redis://h:abc"},
        BadCase{"CABILDO_REDIS_URL", "redis://h:0"},
        BadCase{"CABILDO_REDIS_URL", "redis://secreto@h:6379"},
        BadCase{"CABILDO_REDIS_URL", "redis://:@h:6379"},
        BadCase{"CABILDO_REDIS_URL", "redis://h:6379/x"},
        BadCase{"CABILDO_REDIS_URL", "redis://h:6379/-1"},
        BadCase{"CABILDO_REDIS_URL", "unix://relative.sock"},
        BadCase{"CABILDO_REDIS_URL", "unix:///r.sock?db=a"},
        BadCase{"CABILDO_REDIS_URL", "unix:///r.sock?dbx=1"},
        BadCase{"CABILDO_REDIS_URL", "redis://:6379"}, BadCase{"CABILDO_LOG_LEVEL", "verbose"},
        BadCase{"CABILDO_TRUSTED_PROXIES", "10.0.0.0/33"},
        BadCase{"CABILDO_TRUSTED_PROXIES", "10.0.0.0/8,,"},
        BadCase{"CABILDO_TRUSTED_PROXIES", "proxy.interno"},
        BadCase{"CABILDO_TRUSTED_PROXIES", "2001:db8::/129"},
        BadCase{"CABILDO_HEADER_TIMEOUT_MS", "0"}));

TEST(ConfigTest, TrustedProxiesAreParsedAndNoneByDefault) {
  auto none = LoadConfig(FakeEnv({}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->trusted_proxies.empty());
  auto config =
      LoadConfig(FakeEnv({{"CABILDO_TRUSTED_PROXIES", " 10.0.0.0/8, 2001:db8::/32 ,192.0.2.7"}}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->trusted_proxies.size(), 3u);
  EXPECT_TRUE(config->trusted_proxies[0].Contains(*ParseIpAddress("10.200.0.1")));
  EXPECT_TRUE(config->trusted_proxies[1].Contains(*ParseIpAddress("2001:db8:ffff::1")));
  EXPECT_TRUE(config->trusted_proxies[2].Contains(*ParseIpAddress("192.0.2.7")));
  EXPECT_FALSE(config->trusted_proxies[2].Contains(*ParseIpAddress("192.0.2.8")));
}

TEST(ConfigTest, TheDataKeyIsOptionalAndAMalformedOneIsRefusedWithoutEchoingIt) {
  auto none = LoadConfig(FakeEnv({}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->data_key.has_value());
  EXPECT_FALSE(LoadConfig(FakeEnv({{"CABILDO_DATA_KEY", ""}}))->data_key.has_value());
  const std::string hex = "8f1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";
  auto config = LoadConfig(FakeEnv({{"CABILDO_DATA_KEY", hex}}));
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_TRUE(config->data_key.has_value());
  EXPECT_EQ(*config->data_key->Open(config->data_key->Seal("dato", "ctx"), "ctx"), "dato");
  const std::string secret_but_short = "8f1c2b3a4d5e6f708192a3b4c5d6e7f8";
  auto bad = LoadConfig(FakeEnv({{"CABILDO_DATA_KEY", secret_but_short}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("CABILDO_DATA_KEY"), std::string::npos);
  EXPECT_EQ(bad.status().message().find(secret_but_short), std::string::npos);
}

// Before, credentials and the database number were dropped (or refused):
// the client connected unauthenticated to db 0.
TEST(ConfigTest, TheRedisUrlCarriesCredentialsAndADatabase) {
  auto plain = ParseRedisUrl("redis://cache.interno:6380/3");
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(plain->host, "cache.interno");
  EXPECT_EQ(plain->port, 6380);
  EXPECT_EQ(plain->db, 3);
  EXPECT_TRUE(plain->password.empty());

  auto legacy = ParseRedisUrl("redis://:s%40cr3t@h/2");  // requirepass, percent-encoded '@'
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->user, "");
  EXPECT_EQ(legacy->password, "s@cr3t");
  EXPECT_EQ(legacy->port, 6379);
  EXPECT_EQ(legacy->db, 2);

  auto acl = ParseRedisUrl("redis://cabildo:clave@h:6379");  // Redis 6 ACL user
  ASSERT_TRUE(acl.ok());
  EXPECT_EQ(acl->user, "cabildo");
  EXPECT_EQ(acl->password, "clave");
  EXPECT_EQ(acl->db, 0);

  auto socket = ParseRedisUrl("unix:///run/redis/r.sock?db=5&password=a%26b&user=app");
  ASSERT_TRUE(socket.ok()) << socket.status().message();
  EXPECT_EQ(socket->socket_path, "/run/redis/r.sock");
  EXPECT_EQ(socket->db, 5);
  EXPECT_EQ(socket->password, "a&b");
  EXPECT_EQ(socket->user, "app");

  auto config = LoadConfig(FakeEnv({{"CABILDO_REDIS_URL", "redis://u:clave@h:6379/1"}}));
  ASSERT_TRUE(config.ok()) << config.status().message();
}

TEST(ConfigTest, NeverEchoesARedisPassword) {
  for (const char* url : {"redis://:s3cret@h:99999", "redis://u:s3cret@h/abc",
                          "unix:///r.sock?password=s3cret&db=x", "redis://u:s3cret%zz@h"}) {
    auto config = LoadConfig(FakeEnv({{"CABILDO_REDIS_URL", url}}));
    ASSERT_FALSE(config.ok()) << url;
    EXPECT_EQ(config.status().message().find("s3cret"), std::string::npos)
        << config.status().message();
  }
}

TEST(ConfigTest, NeverEchoesADatabaseUrlThatMayHoldAPassword) {
  auto config = LoadConfig(FakeEnv({{"CABILDO_DATABASE_URL", "mysql://u:s3cret@h/db"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace cabildo::core
