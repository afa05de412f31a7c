// The running service: configuration, pools, routes and the HTTP server.
// `cabildo serve` owns one; integration tests start one in-process.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "cabildo/api/http_server.h"
#include "cabildo/api/metrics.h"
#include "cabildo/api/public_cache.h"
#include "cabildo/api/rate_limits.h"
#include "cabildo/api/router.h"
#include "cabildo/core/config.h"
#include "cabildo/core/db_pool.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/password_hasher.h"
#include "cabildo/core/plugin_host.h"
#include "cabildo/core/redis.h"
#include "cabildo/core/token_purger.h"

namespace cabildo::api {

// What handlers share for the life of the process (style.md rule 13).
struct AppContext {
  explicit AppContext(core::Config config);

  const core::Config config;
  core::DbPool db;  // application role
  core::RedisClient redis;
  core::PasswordHasher hasher;  // Argon2id runs here, never on a request worker
  core::AuthService auth;
  RequestLimits limits;
  PublicCache public_cache;
  Metrics metrics;
  std::atomic<bool> draining{false};  // SIGTERM received: /readyz answers 503
  core::PluginSet plugins;            // loaded at Start, read-only afterwards

  // Reads the key that signs list cursors from core.instance_secrets. App::Start
  // calls it once, before serving: a request never waits for it (reading it
  // inside a route's transaction took a second pooled connection per request,
  // which deadlocked a small pool on a cold start).
  Status LoadCursorKey();
  // The key LoadCursorKey read; constant while serving, so read without a lock.
  const std::string& CursorKey() const { return cursor_key_; }

 private:
  std::string cursor_key_;  // hex; written only by LoadCursorKey, before serving
};

// Registers /healthz, /readyz, /metrics and the tenant directory.
void RegisterCoreRoutes(Router& router, AppContext& app, const HttpServer* server);
// /v1/modules, per-tenant enablement, and every plugin route. kUnprocessable
// naming both when a plugin route is one the router already has (the core's
// or another plugin's): a start-up error, never an abort.
Status RegisterModuleRoutes(Router& router, AppContext& app,
                            const std::vector<core::LoadedPlugin>& plugins);
// The check RegisterModuleRoutes makes first: every plugin route is new to
// `router` (same method and path shape, whatever the {names}) and to the
// plugins before it.
Status CheckModuleRouteConflicts(const Router& router,
                                 const std::vector<core::LoadedPlugin>& plugins);
// /v1/auth/*, /v1/me, /v1/roles, members, tenant writes and the audit log.
void RegisterIdentityRoutes(Router& router, AppContext& app);

class App {
 public:
  explicit App(core::Config config);
  App(const App&) = delete;
  App& operator=(const App&) = delete;
  ~App();

  // Registers routes and starts listening. Does not migrate.
  Status Start();
  uint16_t Port() const { return server_ ? server_->Port() : 0; }
  AppContext& context() { return *context_; }
  // Extra routes (tests); REQUIRES: before Start().
  Router& router() { return router_; }

  // Graceful stop: readiness goes 503 at once, the listener keeps serving for
  // `drain` (so load balancers notice), in-flight requests get up to `grace`
  // to finish, then everything stops.
  void Stop(std::chrono::milliseconds drain, std::chrono::milliseconds grace);

 private:
  std::unique_ptr<AppContext> context_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<core::TokenPurger> token_purger_;  // from Start to Stop
};

}  // namespace cabildo::api
