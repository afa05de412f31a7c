// Service endpoints and the read side of the tenant directory (api-core.md).
#include <charconv>

#include <sodium.h>

#include "cabildo/api/app.h"
#include "cabildo/api/problem.h"
#include "cabildo/core/audit.h"
#include "cabildo/core/log.h"
#include "cabildo/core/tenants.h"

#include "openapi.h"
#include "public_reads.h"
#include "route_support.h"

namespace cabildo::api {
namespace {

using nlohmann::json;

Response ListTenants(AppContext& app, Request& request) {
  Response problem;
  auto page = ParsePage(app.CursorKey(), request, problem, core::IsValidSlug);
  if (!page) return problem;
  const std::string& after = page->after;
  auto tenants = core::ListTenants(app.db, after, page->limit + 1);
  if (!tenants.ok()) return ProblemFromStatus(tenants.status(), request.request_id);
  const bool more = static_cast<int>(tenants->size()) > page->limit;
  if (more) tenants->pop_back();
  json items = json::array();
  for (const auto& tenant : *tenants) items.push_back(core::TenantToJson(tenant, false));
  return ListResponse(app.CursorKey(), request, std::move(items),
                      more ? std::optional<std::string>(tenants->back().slug) : std::nullopt);
}

Response GetTenant(AppContext& app, Request& request) {
  const std::string& slug = request.path_params.at("tenant");
  if (!core::IsValidSlug(slug)) {
    return Problem(404, "No existe el tenant '" + slug + "'.", request.request_id);
  }
  auto tenant = core::GetTenant(app.db, slug);
  if (!tenant.ok()) return ProblemFromStatus(tenant.status(), request.request_id);
  return Response::Json(200, core::TenantToJson(*tenant, true));
}

}  // namespace

void RegisterCoreRoutes(Router& router, AppContext& app, const HttpServer* server) {
  // Liveness needs nothing but this process: answered on the reactor thread.
  auto alive = [](Request&) { return Response::Json(200, {{"status", "ok"}}); };
  router.Add(Method::kGet, "/healthz", alive,
             [alive](Request& r) -> std::optional<Response> { return alive(r); });

  router.Add(Method::kGet, "/readyz", [&app](Request&) {
    const bool database = app.db.Ping().ok();
    const Status redis_status = app.redis.Ping();
    const bool redis = redis_status.ok();
    const bool redis_rejected = redis_status.code() == StatusCode::kUnprocessable;
    const bool ready = database && !app.draining;
    json body = {{"status", app.draining ? "draining" : (ready ? "ready" : "unavailable")},
                 {"database", database ? "up" : "down"},
                 {"redis", redis ? "up" : (redis_rejected ? "rejected" : "down")}};
    if (!app.plugins.failed.empty()) {
      body["plugins_failed"] = json::array();
      for (const auto& failure : app.plugins.failed) {
        body["plugins_failed"].push_back({{"file", failure.file}, {"error", failure.error}});
      }
    }
    Response response = Response::Json(ready ? 200 : 503, body);
    if (!ready) response.headers.emplace_back("Retry-After", "5");
    return response;
  });

  router.Add(Method::kGet, "/metrics", [&app, server](Request&) {
    return Response::Text(
        200,
        app.metrics.Render({
            {"cabildo_db_pool_in_use", "PostgreSQL connections checked out.", app.db.InUse()},
            {"cabildo_db_pool_size", "PostgreSQL pool capacity.", app.db.Size()},
            {"cabildo_http_in_flight", "Requests accepted and not yet answered.",
             server ? server->InFlight() : 0},
            {"cabildo_cache_local_hits", "Public responses served from this process.",
             static_cast<double>(app.public_cache.local_hits())},
            {"cabildo_cache_shared_hits", "Public responses served from Redis.",
             static_cast<double>(app.public_cache.shared_hits())},
            {"cabildo_cache_misses", "Public responses that went to PostgreSQL.",
             static_cast<double>(app.public_cache.misses())},
            {"cabildo_cache_local_entries", "Public responses held in this process's memory.",
             static_cast<double>(app.public_cache.local_entries())},
            {"cabildo_cache_local_bytes", "Bytes of keys and bodies held by the local cache.",
             static_cast<double>(app.public_cache.local_bytes())},
            {"cabildo_cache_local_evictions",
             "Local cache entries evicted (oldest first) to stay within its bounds.",
             static_cast<double>(app.public_cache.evictions())},
            {"cabildo_audit_appends_with_commit",
             "Audit appends sent in one round trip with their transaction's COMMIT.",
             static_cast<double>(core::AuditAppendStats().with_commit)},
            {"cabildo_audit_appends_at_once",
             "Audit appends run before the end of their transaction.",
             static_cast<double>(core::AuditAppendStats().at_once)},
        }),
        "text/plain; version=0.0.4; charset=utf-8");
  });

  // The OpenAPI document of the core and the loaded plugins, built once:
  // plugins are loaded before routes are registered and never change.
  {
    std::vector<OpenApiFragment> fragments;
    for (const auto& plugin : app.plugins.loaded) {
      fragments.push_back(ModuleFragment(plugin));
    }
    std::vector<std::string> problems;
    auto openapi = std::make_shared<const std::string>(BuildOpenApi(fragments, &problems).dump());
    for (const auto& problem : problems) {
      core::LogWarn("documentación OpenAPI de un plugin", {{"problema", problem}});
    }
    router.Add(Method::kGet, "/v1/openapi.json",
               [openapi](Request&) { return Response::Text(200, *openapi, "application/json"); });
  }

  AddCachedPublicGet(router, app, "/v1/tenants", {"cursor", "limit"},
                     [&app](Request& r) { return ListTenants(app, r); });
  AddCachedPublicGet(router, app, "/v1/tenants/{tenant}", {},
                     [&app](Request& r) { return GetTenant(app, r); });
}

}  // namespace cabildo::api
