// Service endpoints and the read side of the tenant directory (api-core.md).
#include <charconv>

#include <sodium.h>

#include "cabildo/api/app.h"
#include "cabildo/api/problem.h"
#include "cabildo/core/tenants.h"

namespace cabildo::api {
namespace {

using nlohmann::json;

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;

// The list cursor is opaque to clients: base64url of the last slug seen.
std::string EncodeCursor(const std::string& slug) {
  std::string out(sodium_base64_ENCODED_LEN(slug.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(slug.data()),
                    slug.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> DecodeCursor(const std::string& cursor) {
  std::string out(cursor.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), cursor.c_str(),
                        cursor.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(length);
  if (!core::IsValidSlug(out)) return std::nullopt;
  return out;
}

// Parses `limit`; nullopt (and `problem` set) when it is not 1..100.
std::optional<int> ParseLimit(const Request& request, Response& problem) {
  auto text = request.Query("limit");
  if (!text) return kDefaultLimit;
  int limit = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || ptr != text->data() + text->size() || limit < 1 || limit > kMaxLimit) {
    problem = Problem(400, "Parámetros de consulta no válidos.", request.request_id,
                      {{"limit", "Debe ser un entero entre 1 y 100."}});
    return std::nullopt;
  }
  return limit;
}

Response ListTenants(AppContext& app, Request& request) {
  Response problem;
  auto limit = ParseLimit(request, problem);
  if (!limit) return problem;
  std::string after;
  if (auto cursor = request.Query("cursor")) {
    auto decoded = DecodeCursor(*cursor);
    if (!decoded) {
      return Problem(400, "Parámetros de consulta no válidos.", request.request_id,
                     {{"cursor", "El cursor no es válido; empiece sin cursor."}});
    }
    after = *decoded;
  }
  auto tenants = core::ListTenants(app.db, after, *limit + 1);
  if (!tenants.ok()) return ProblemFromStatus(tenants.status(), request.request_id);
  json body = {{"items", json::array()}, {"next_cursor", nullptr}};
  const bool more = static_cast<int>(tenants->size()) > *limit;
  if (more) tenants->pop_back();
  for (const auto& tenant : *tenants) body["items"].push_back(core::TenantToJson(tenant, false));
  if (more) body["next_cursor"] = EncodeCursor(tenants->back().slug);
  return Response::Json(200, body);
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
  router.Add(Method::kGet, "/healthz", [](Request&) {
    return Response::Json(200, {{"status", "ok"}});
  });

  router.Add(Method::kGet, "/readyz", [&app](Request&) {
    const bool database = app.db.Ping().ok();
    const bool redis = app.redis.Ping().ok();
    const bool ready = database && !app.draining;
    json body = {{"status", app.draining ? "draining" : (ready ? "ready" : "unavailable")},
                 {"database", database ? "up" : "down"},
                 {"redis", redis ? "up" : "down"}};
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
        }),
        "text/plain; version=0.0.4; charset=utf-8");
  });

  router.Add(Method::kGet, "/v1/tenants", [&app](Request& r) { return ListTenants(app, r); });
  router.Add(Method::kGet, "/v1/tenants/{tenant}",
             [&app](Request& r) { return GetTenant(app, r); });
}

}  // namespace cabildo::api
