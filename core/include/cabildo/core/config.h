// Process configuration, read once from CABILDO_* environment variables.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cabildo/core/crypto.h"
#include "cabildo/core/net.h"
#include "cabildo/core/status.h"

namespace cabildo::core {

struct ListenAddress {
  std::string host;  // IPv4 literal or "localhost"
  uint16_t port = 0;
};

struct Config {
  std::string database_url;        // application role: owns nothing, RLS applies
  std::string database_admin_url;  // owner role: runs migrations, owns the tables
  std::string redis_url;
  ListenAddress listen;
  int threads = 2;  // Pistache reactor threads (network I/O only)
  int workers = 8;  // threads that run handlers (they block on PostgreSQL/Redis)
  int db_pool_size = 8;
  std::chrono::milliseconds db_timeout{5000};  // pool checkout and statement_timeout
  std::size_t max_body_bytes = 1 << 20;
  std::string migrations_dir;
  std::string plugin_dir;
  bool plugins_optional = false;
  // The public portal's build output, served at / (api/src/static_files.h);
  // empty: no portal.
  std::string portal_dir;
  std::chrono::milliseconds shutdown_drain{1000};  // readiness 503 before the listener stops
  std::string log_level = "info";
  std::string redis_prefix = "cabildo:";  // namespaces every key (several instances, one Redis)
  std::chrono::seconds access_token_ttl{15 * 60};
  std::chrono::seconds refresh_token_ttl{30 * 24 * 3600};
  int login_max_failures = 5;          // per email, per window
  int login_max_failures_per_ip = 50;  // per client address, per window
  std::chrono::seconds login_window{15 * 60};
  // Expired tokens are deleted this often (core/token_purger.h); not an
  // operator setting: tests shorten it, zero turns the purge off.
  std::chrono::seconds token_purge_interval{600};
  // Request rate limits (issue 15, item 6): requests per window and key; 0
  // turns one off. Counted in process, shared through Redis every sync_ms.
  std::chrono::seconds rate_limit_window{60};
  int64_t rate_limit_auth = 20;          // register/login/refresh per client address
  int64_t rate_limit_write = 300;        // other writes per client address
  int64_t rate_limit_read = 6000;        // reads per client address
  int64_t rate_limit_user = 3000;        // any request per signed-in user
  int64_t rate_limit_max_keys = 100000;  // keys held per limit (memory bound)
  std::chrono::milliseconds rate_limit_sync{200};
  int password_hash_threads = 0;  // Argon2id pool; 0: one per core
  int password_hash_queue = 4;    // jobs waiting beyond the running ones; more → 503
  // Proxies whose Forwarded / X-Forwarded-For name the client; empty: the
  // TCP peer is the client and those headers are ignored.
  std::vector<Cidr> trusted_proxies;
  // How long a request's line and headers may take to arrive (then 408).
  std::chrono::milliseconds header_timeout{5000};
  // CABILDO_DATA_KEY: seals modules' personal data at rest; none: those
  // modules answer 503 where they would store or read personal data.
  std::optional<DataKey> data_key;
  // glibc malloc (README "Memory"): at most this many arenas (0: glibc's own
  // limit, 8 per core), and malloc_trim(0) every malloc_trim_interval (0: never).
  int malloc_arena_max = 0;
  std::chrono::milliseconds malloc_trim_interval{2000};
};

// One documented variable: name, default (as shown to operators) and meaning.
struct ConfigVariable {
  const char* name;
  const char* default_value;
  const char* description;
};

// Every CABILDO_* variable the binary reads, for `--help` and the README.
const std::vector<ConfigVariable>& ConfigVariables();

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Reads the environment through `lookup` (injectable for tests). A bad value
// yields InvalidArgument whose message is one line naming the variable and why.
StatusOr<Config> LoadConfig(const EnvLookup& lookup);

// The real process environment.
EnvLookup ProcessEnvironment();

// Parses "host:port"; exposed for tests.
StatusOr<ListenAddress> ParseListenAddress(const std::string& value);

}  // namespace cabildo::core
