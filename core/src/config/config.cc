#include "cabildo/core/config.h"

#include <charconv>
#include <cstdlib>
#include <limits>

#include "cabildo/core/redis.h"

#ifndef CABILDO_DEFAULT_MIGRATIONS_DIR
#define CABILDO_DEFAULT_MIGRATIONS_DIR "/usr/share/cabildo/migrations"
#endif
#ifndef CABILDO_DEFAULT_PLUGIN_DIR
#define CABILDO_DEFAULT_PLUGIN_DIR "/usr/lib/cabildo/plugins"
#endif

namespace cabildo::core {
namespace {

constexpr const char* kDefaultDatabaseUrl = "postgresql:///cabildo";

Status BadValue(const std::string& name, const std::string& value, const std::string& why) {
  return InvalidArgumentError(name + "='" + value + "' no es válido: " + why);
}

StatusOr<int64_t> ParseInt(const std::string& name, const std::string& value, int64_t min,
                           int64_t max) {
  int64_t parsed = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, parsed);
  if (value.empty() || ec != std::errc() || ptr != end) {
    return BadValue(name, value, "debe ser un número entero");
  }
  if (parsed < min || parsed > max) {
    return BadValue(name, value,
                    "debe estar entre " + std::to_string(min) + " y " + std::to_string(max));
  }
  return parsed;
}

StatusOr<bool> ParseBool(const std::string& name, const std::string& value) {
  if (value == "1" || value == "true" || value == "yes") return true;
  if (value == "0" || value == "false" || value == "no" || value.empty()) return false;
  return BadValue(name, value, "debe ser 1 o 0");
}

Status CheckDatabaseUrl(const std::string& name, const std::string& value) {
  // libpq takes a URI or keyword=value pairs.
  const bool uri = value.rfind("postgresql://", 0) == 0 || value.rfind("postgres://", 0) == 0;
  const bool keywords =
      value.find('=') != std::string::npos && value.find("://") == std::string::npos;
  if (!uri && !keywords) {
    // Never echo the value: it may carry a password.
    return InvalidArgumentError(name +
                                " no es válido: use postgresql://... o pares clave=valor de libpq");
  }
  return OkStatus();
}

}  // namespace

const std::vector<ConfigVariable>& ConfigVariables() {
  static const std::vector<ConfigVariable> kVariables = {
      {"CABILDO_DATABASE_URL", kDefaultDatabaseUrl,
       "PostgreSQL del rol de aplicación (sin tablas propias; RLS aplica)"},
      {"CABILDO_DATABASE_ADMIN_URL", "= CABILDO_DATABASE_URL",
       "PostgreSQL del rol dueño, usado por `cabildo migrate` y `tenants apply`"},
      {"CABILDO_REDIS_URL", "redis://127.0.0.1:6379",
       "Redis: redis://[[usuario]:clave@]host[:puerto][/db] o unix:///ruta[?db=N&password=...]"},
      {"CABILDO_LISTEN", "127.0.0.1:8080", "dirección y puerto HTTP"},
      {"CABILDO_THREADS", "2", "hilos de red de Pistache"},
      {"CABILDO_WORKERS", "8", "hilos que ejecutan los manejadores (bloquean en BD/Redis)"},
      {"CABILDO_DB_POOL_SIZE", "8", "conexiones a PostgreSQL por proceso"},
      {"CABILDO_DB_TIMEOUT_MS", "5000", "espera máxima por conexión y statement_timeout"},
      {"CABILDO_MAX_BODY_BYTES", "1048576", "tamaño máximo del cuerpo; más → 413"},
      {"CABILDO_MIGRATIONS_DIR", CABILDO_DEFAULT_MIGRATIONS_DIR, "migraciones SQL del núcleo"},
      {"CABILDO_PLUGIN_DIR", CABILDO_DEFAULT_PLUGIN_DIR, "carpeta de libcabildo_*.so"},
      {"CABILDO_PLUGINS_OPTIONAL", "0", "1: un plugin que no carga se omite en vez de detener"},
      {"CABILDO_PORTAL_DIR", "(vacío)",
       "carpeta del portal público ya construido (portal/dist): se sirve en / desde memoria; "
       "vacío: sin portal"},
      {"CABILDO_SHUTDOWN_DRAIN_MS", "1000",
       "al recibir SIGTERM, tiempo con /readyz en 503 antes de dejar de escuchar"},
      {"CABILDO_LOG_LEVEL", "info", "debug | info | warn | error"},
      {"CABILDO_REDIS_PREFIX", "cabildo:", "prefijo de todas las claves en Redis"},
      {"CABILDO_ACCESS_TOKEN_TTL_SECONDS", "900", "vida del token de acceso"},
      {"CABILDO_REFRESH_TOKEN_TTL_SECONDS", "2592000", "vida del refresh token (30 días)"},
      {"CABILDO_LOGIN_MAX_FAILURES", "5", "intentos fallidos por correo antes de 429"},
      {"CABILDO_LOGIN_MAX_FAILURES_PER_IP", "50", "intentos fallidos por dirección antes de 429"},
      {"CABILDO_LOGIN_WINDOW_SECONDS", "900", "ventana de conteo de intentos fallidos"},
      {"CABILDO_RATE_LIMIT_WINDOW_SECONDS", "60", "ventana de los límites de solicitudes"},
      {"CABILDO_RATE_LIMIT_AUTH", "20",
       "register/login/refresh por dirección y ventana; más → 429 (0: sin límite)"},
      {"CABILDO_RATE_LIMIT_WRITE", "300",
       "otras escrituras por dirección y ventana; más → 429 (0: sin límite)"},
      {"CABILDO_RATE_LIMIT_READ", "6000",
       "lecturas por dirección y ventana; más → 429 (0: sin límite)"},
      {"CABILDO_RATE_LIMIT_USER", "3000",
       "solicitudes por usuario con sesión y ventana; más → 429 (0: sin límite)"},
      {"CABILDO_RATE_LIMIT_MAX_KEYS", "100000",
       "claves (direcciones, usuarios) contadas en memoria por límite"},
      {"CABILDO_RATE_LIMIT_SYNC_MS", "200",
       "cada cuánto se comparten los conteos con las demás réplicas por Redis"},
      {"CABILDO_PASSWORD_HASH_THREADS", "0", "hilos que calculan Argon2id (0: uno por núcleo)"},
      {"CABILDO_PASSWORD_HASH_QUEUE", "4",
       "cálculos en espera además de los que corren; más → 503"},
      {"CABILDO_TRUSTED_PROXIES", "(vacío)",
       "CIDR separados por comas (IPv4/IPv6) de los proxies cuyo X-Forwarded-For o Forwarded "
       "nombra al cliente; vacío: el cliente es el par TCP"},
      {"CABILDO_HEADER_TIMEOUT_MS", "5000",
       "tiempo máximo para recibir la línea de solicitud y los encabezados (luego 408)"},
      {"CABILDO_MALLOC_ARENA_MAX", "0",
       "arenas de malloc (glibc) como máximo; 0: el límite de glibc (8 por núcleo)"},
      {"CABILDO_MALLOC_TRIM_MS", "2000",
       "cada cuánto se devuelve al sistema la memoria libre de malloc (malloc_trim); 0: nunca"},
      {"CABILDO_DATA_KEY", "(vacío)",
       "64 caracteres hex (`cabildo data-key new`): cifra los datos personales de los módulos "
       "(becas); nunca en la base de datos; vacío: esos módulos responden 503"},
  };
  return kVariables;
}

StatusOr<ListenAddress> ParseListenAddress(const std::string& value) {
  const auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return BadValue("CABILDO_LISTEN", value, "se espera host:puerto, p. ej. 127.0.0.1:8080");
  }
  ListenAddress address;
  address.host = value.substr(0, colon);
  CABILDO_ASSIGN_OR_RETURN(int64_t port,
                           ParseInt("CABILDO_LISTEN", value.substr(colon + 1), 0, 65535));
  address.port = static_cast<uint16_t>(port);
  return address;
}

StatusOr<Config> LoadConfig(const EnvLookup& lookup) {
  Config config;
  auto get = [&](const char* name, std::string fallback) {
    auto value = lookup(name);
    return value ? *value : std::move(fallback);
  };
  auto get_int = [&](const char* name, int64_t fallback, int64_t min,
                     int64_t max) -> StatusOr<int64_t> {
    auto value = lookup(name);
    if (!value) return fallback;
    return ParseInt(name, *value, min, max);
  };

  config.database_url = get("CABILDO_DATABASE_URL", kDefaultDatabaseUrl);
  CABILDO_RETURN_IF_ERROR(CheckDatabaseUrl("CABILDO_DATABASE_URL", config.database_url));
  config.database_admin_url = get("CABILDO_DATABASE_ADMIN_URL", config.database_url);
  CABILDO_RETURN_IF_ERROR(
      CheckDatabaseUrl("CABILDO_DATABASE_ADMIN_URL", config.database_admin_url));

  config.redis_url = get("CABILDO_REDIS_URL", "redis://127.0.0.1:6379");
  // The client's own parser: what passes here is exactly what it connects to.
  CABILDO_RETURN_IF_ERROR(ParseRedisUrl(config.redis_url).status());

  CABILDO_ASSIGN_OR_RETURN(config.listen,
                           ParseListenAddress(get("CABILDO_LISTEN", "127.0.0.1:8080")));
  CABILDO_ASSIGN_OR_RETURN(auto threads, get_int("CABILDO_THREADS", 2, 1, 64));
  config.threads = static_cast<int>(threads);
  CABILDO_ASSIGN_OR_RETURN(auto workers, get_int("CABILDO_WORKERS", 8, 1, 256));
  config.workers = static_cast<int>(workers);
  CABILDO_ASSIGN_OR_RETURN(auto pool, get_int("CABILDO_DB_POOL_SIZE", 8, 1, 256));
  config.db_pool_size = static_cast<int>(pool);
  CABILDO_ASSIGN_OR_RETURN(auto timeout, get_int("CABILDO_DB_TIMEOUT_MS", 5000, 50, 600000));
  config.db_timeout = std::chrono::milliseconds(timeout);
  CABILDO_ASSIGN_OR_RETURN(auto body, get_int("CABILDO_MAX_BODY_BYTES", 1 << 20, 1024, 64LL << 20));
  config.max_body_bytes = static_cast<std::size_t>(body);
  config.migrations_dir = get("CABILDO_MIGRATIONS_DIR", CABILDO_DEFAULT_MIGRATIONS_DIR);
  config.plugin_dir = get("CABILDO_PLUGIN_DIR", CABILDO_DEFAULT_PLUGIN_DIR);
  config.portal_dir = get("CABILDO_PORTAL_DIR", "");
  CABILDO_ASSIGN_OR_RETURN(
      config.plugins_optional,
      ParseBool("CABILDO_PLUGINS_OPTIONAL", get("CABILDO_PLUGINS_OPTIONAL", "0")));
  CABILDO_ASSIGN_OR_RETURN(auto drain, get_int("CABILDO_SHUTDOWN_DRAIN_MS", 1000, 0, 120000));
  config.shutdown_drain = std::chrono::milliseconds(drain);
  config.log_level = get("CABILDO_LOG_LEVEL", "info");
  if (config.log_level != "debug" && config.log_level != "info" && config.log_level != "warn" &&
      config.log_level != "error") {
    return BadValue("CABILDO_LOG_LEVEL", config.log_level, "use debug, info, warn o error");
  }
  config.redis_prefix = get("CABILDO_REDIS_PREFIX", "cabildo:");
  CABILDO_ASSIGN_OR_RETURN(auto access_ttl,
                           get_int("CABILDO_ACCESS_TOKEN_TTL_SECONDS", 900, 30, 86400));
  config.access_token_ttl = std::chrono::seconds(access_ttl);
  CABILDO_ASSIGN_OR_RETURN(auto refresh_ttl,
                           get_int("CABILDO_REFRESH_TOKEN_TTL_SECONDS", 2592000, 300, 31536000));
  config.refresh_token_ttl = std::chrono::seconds(refresh_ttl);
  CABILDO_ASSIGN_OR_RETURN(auto failures, get_int("CABILDO_LOGIN_MAX_FAILURES", 5, 1, 1000));
  config.login_max_failures = static_cast<int>(failures);
  CABILDO_ASSIGN_OR_RETURN(auto ip_failures,
                           get_int("CABILDO_LOGIN_MAX_FAILURES_PER_IP", 50, 1, 100000));
  config.login_max_failures_per_ip = static_cast<int>(ip_failures);
  CABILDO_ASSIGN_OR_RETURN(auto window, get_int("CABILDO_LOGIN_WINDOW_SECONDS", 900, 1, 86400));
  config.login_window = std::chrono::seconds(window);
  CABILDO_ASSIGN_OR_RETURN(auto rate_window,
                           get_int("CABILDO_RATE_LIMIT_WINDOW_SECONDS", 60, 1, 86400));
  config.rate_limit_window = std::chrono::seconds(rate_window);
  constexpr int64_t kMaxRate = 1'000'000'000;
  CABILDO_ASSIGN_OR_RETURN(config.rate_limit_auth,
                           get_int("CABILDO_RATE_LIMIT_AUTH", 20, 0, kMaxRate));
  CABILDO_ASSIGN_OR_RETURN(config.rate_limit_write,
                           get_int("CABILDO_RATE_LIMIT_WRITE", 300, 0, kMaxRate));
  CABILDO_ASSIGN_OR_RETURN(config.rate_limit_read,
                           get_int("CABILDO_RATE_LIMIT_READ", 6000, 0, kMaxRate));
  CABILDO_ASSIGN_OR_RETURN(config.rate_limit_user,
                           get_int("CABILDO_RATE_LIMIT_USER", 3000, 0, kMaxRate));
  CABILDO_ASSIGN_OR_RETURN(config.rate_limit_max_keys,
                           get_int("CABILDO_RATE_LIMIT_MAX_KEYS", 100000, 64, 100'000'000));
  CABILDO_ASSIGN_OR_RETURN(auto sync_ms, get_int("CABILDO_RATE_LIMIT_SYNC_MS", 200, 10, 60000));
  config.rate_limit_sync = std::chrono::milliseconds(sync_ms);
  CABILDO_ASSIGN_OR_RETURN(auto hash_threads, get_int("CABILDO_PASSWORD_HASH_THREADS", 0, 0, 256));
  config.password_hash_threads = static_cast<int>(hash_threads);
  CABILDO_ASSIGN_OR_RETURN(auto hash_queue, get_int("CABILDO_PASSWORD_HASH_QUEUE", 4, 0, 1024));
  config.password_hash_queue = static_cast<int>(hash_queue);
  const std::string proxies = get("CABILDO_TRUSTED_PROXIES", "");
  auto trusted = ParseCidrList(proxies);
  if (!trusted.ok()) {
    return InvalidArgumentError("CABILDO_TRUSTED_PROXIES no es válido: " +
                                trusted.status().message());
  }
  config.trusted_proxies = std::move(trusted).value();
  CABILDO_ASSIGN_OR_RETURN(auto header_timeout,
                           get_int("CABILDO_HEADER_TIMEOUT_MS", 5000, 100, 600000));
  config.header_timeout = std::chrono::milliseconds(header_timeout);
  CABILDO_ASSIGN_OR_RETURN(auto arena_max, get_int("CABILDO_MALLOC_ARENA_MAX", 0, 0, 1024));
  config.malloc_arena_max = static_cast<int>(arena_max);
  CABILDO_ASSIGN_OR_RETURN(auto trim_ms, get_int("CABILDO_MALLOC_TRIM_MS", 2000, 0, 3600000));
  config.malloc_trim_interval = std::chrono::milliseconds(trim_ms);
  if (auto key = lookup("CABILDO_DATA_KEY"); key && !key->empty()) {
    CABILDO_ASSIGN_OR_RETURN(config.data_key, DataKey::FromHex(*key));
  }
  return config;
}

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value =
        std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read at start-up
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

}  // namespace cabildo::core
