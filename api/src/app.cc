#include "cabildo/api/app.h"

#include <csignal>
#include <thread>

#include "cabildo/core/identity_statements.h"
#include "cabildo/core/log.h"
#include "cabildo/core/tenants.h"

#include "static_files.h"
#include "tenant_archive_routes.h"
#include "tenant_lifecycle_routes.h"

namespace cabildo::api {

AppContext::AppContext(core::Config config_in)
    : config(std::move(config_in)),
      db(core::DbPoolOptions{config.database_url, config.db_pool_size, config.db_timeout,
                             config.db_timeout}),
      redis(core::RedisOptions{config.redis_url}),
      hasher(config.password_hash_threads, config.password_hash_queue),
      auth(db, redis,
           core::AuthOptions{config.access_token_ttl,
                             config.refresh_token_ttl,
                             std::chrono::seconds(60),
                             {},
                             config.login_max_failures,
                             config.login_max_failures_per_ip,
                             config.login_window,
                             config.redis_prefix},
           &hasher),
      limits(redis, config),
      public_cache(redis, config.redis_prefix) {
  core::RegisterTenantStatements(db);
  core::RegisterIdentityStatements(db);
}

Status AppContext::LoadCursorKey() {
  Status status = db.InTransaction([&](pqxx::transaction_base& work) {
    auto rows =
        work.exec_params("SELECT value FROM core.instance_secrets WHERE name = 'cursor_key'");
    if (rows.empty()) return InternalError("Falta la clave de cursores; ejecute cabildo migrate.");
    cursor_key_ = rows[0][0].as<std::string>();
    return OkStatus();
  });
  if (!status.ok()) {
    return Status(status.code(), "No se pudo leer la clave de cursores: " + status.message());
  }
  return OkStatus();
}

App::App(core::Config config) : context_(std::make_unique<AppContext>(std::move(config))) {}

App::~App() {
  if (server_) server_->Shutdown(std::chrono::milliseconds(0));
}

Status App::Start() {
  // Writing to a peer that went away (a client, a restarted Redis) must be an
  // error return, not a process-killing SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  const auto& config = context_->config;
  ServerOptions options;
  options.listen = config.listen;
  options.threads = config.threads;
  options.workers = config.workers;
  options.max_body_bytes = config.max_body_bytes;
  options.header_timeout = config.header_timeout;
  options.trusted_proxies = config.trusted_proxies;
  CABILDO_ASSIGN_OR_RETURN(context_->plugins,
                           core::LoadPlugins(config.plugin_dir, config.plugins_optional));
  // Redis is optional (down: serve without it), but one that refuses the
  // configured password or database number is a configuration error.
  if (Status redis = context_->redis.Ping(); redis.code() == StatusCode::kUnprocessable) {
    return redis;
  }
  server_ = std::make_unique<HttpServer>(options, router_, context_->metrics);
  RegisterCoreRoutes(router_, *context_, server_.get());
  RegisterIdentityRoutes(router_, *context_);
  RegisterTenantLifecycleRoutes(router_, *context_);
  CABILDO_RETURN_IF_ERROR(RegisterTenantArchiveRoutes(router_, *context_));
  CABILDO_RETURN_IF_ERROR(RegisterModuleRoutes(router_, *context_, context_->plugins.loaded));
  // After every other route, so a portal file can never shadow one.
  if (!config.portal_dir.empty()) {
    CABILDO_ASSIGN_OR_RETURN(StaticFileSet portal, LoadStaticFiles(config.portal_dir));
    CABILDO_RETURN_IF_ERROR(
        RegisterStaticRoutes(router_, std::make_shared<const StaticFileSet>(std::move(portal))));
  }
  ApplyRateLimits(router_, context_->limits);
  // After every route registered its statements (a pool connection prepares
  // them when it opens), before the first request.
  CABILDO_RETURN_IF_ERROR(context_->LoadCursorKey());
  CABILDO_RETURN_IF_ERROR(server_->Start());
  core::TokenPurgeOptions purge;
  purge.interval = config.token_purge_interval;
  token_purger_ = std::make_unique<core::TokenPurger>(context_->db, purge);
  if (!config.data_key) {
    core::LogWarn(
        "sin CABILDO_DATA_KEY: los módulos que guardan datos personales (becas) "
        "responderán 503 al guardarlos o leerlos");
  }
  core::LogInfo("escuchando", {{"listen", config.listen.host + ":" + std::to_string(Port())},
                               {"threads", config.threads},
                               {"workers", config.workers}});
  return OkStatus();
}

void App::Stop(std::chrono::milliseconds drain, std::chrono::milliseconds grace) {
  context_->draining = true;
  token_purger_.reset();
  core::LogInfo("deteniendo: /readyz responde 503 durante el drenado",
                {{"drain_ms", drain.count()}});
  std::this_thread::sleep_for(drain);
  if (server_) {
    server_->Shutdown(grace);
    server_.reset();
  }
  core::LogInfo("detenido");
}

}  // namespace cabildo::api
