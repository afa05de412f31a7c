// API keys of registered apps: issue (shown once), list, revoke.
//
// An Open311 client posts reports with an api_key (open311.cc asks
// ApiKeyId). A tenant's admin (kApiKeyManage) issues one per app: the key is
// ctx.NewSecret() (256 random bits as 64 hex), answered once with
// Cache-Control: no-store; the database keeps only its SHA-256
// (ctx.SecretDigest) and its first 8 characters, so an admin can tell keys
// apart. Neither the key nor its digest is ever listed or audited. A revoked
// key stays listed (revoked_at) and never works again.
#include <optional>
#include <string>

#include "cabildo/plugin/text_checks.h"

#include "service_requests.h"

namespace cabildo::plugins::service_requests {
namespace {

using nlohmann::json;
using plugin::HttpResponse;
using plugin::RequestContext;

constexpr const char* kApiKeyNotFound = "No existe la clave de API.";
// At most this many keys are listed (newest first); a tenant has a handful.
constexpr int kMaxListedKeys = 1000;

// One key as GET /api-keys lists it (schema ServiceRequestsApiKey), as JSON
// text: never the key or its digest.
#define SR_API_KEY_JSON \
  "jsonb_build_object('id', k.id, 'name', k.name, 'key_prefix', k.key_prefix, " \
  "'created_at', " CABILDO_SR_TS("k.created_at") ", "                         \
  "'last_used_at', " CABILDO_SR_TS("k.last_used_at") ", "                     \
  "'revoked_at', " CABILDO_SR_TS("k.revoked_at") ")::text"

std::optional<json> FindKey(RequestContext& ctx, const std::string& id) {
  if (!plugin::IsLowerUuid(id)) return std::nullopt;
  pqxx::result rows =
      plugin::Exec(ctx, "service-requests.api_key_find",
                   "SELECT " SR_API_KEY_JSON
                   " FROM service_requests.api_keys k WHERE k.tenant_id = $1 AND k.id = $2::uuid "
                   "FOR UPDATE OF k",
                   ctx.tenant_id(), id);
  if (rows.empty()) return std::nullopt;
  return json::parse(rows[0][0].c_str());
}

StatusOr<HttpResponse> IssueKey(RequestContext& ctx) {
  const std::string name = ctx.Body().value("name", "");
  const std::string key = ctx.NewSecret();
  const std::string& user = ctx.principal().user_id;
  const pqxx::row row = plugin::Exec1(
      ctx, "service-requests.api_key_insert",
      "INSERT INTO service_requests.api_keys AS k (tenant_id, name, key_digest, key_prefix, "
      "created_by) VALUES ($1, $2, $3, $4, $5::uuid) RETURNING k.id::text, " SR_API_KEY_JSON,
      ctx.tenant_id(), name, ctx.SecretDigest(key), key.substr(0, 8),
      plugin::IsLowerUuid(user) ? std::optional(user) : std::nullopt);
  const std::string id = row[0].as<std::string>();
  json listed = json::parse(row[1].c_str());
  // The audit entry says which key, never the key.
  CABILDO_RETURN_IF_ERROR(ctx.Audit("api_key.create", "api_key", id, json::object(), listed));
  json issued = {{"id", id},
                 {"name", listed["name"]},
                 {"key", key},
                 {"key_prefix", listed["key_prefix"]},
                 {"created_at", listed["created_at"]},
                 {"revoked_at", nullptr}};
  HttpResponse response = HttpResponse::Json(201, issued);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

StatusOr<HttpResponse> ListKeys(RequestContext& ctx) {
  const pqxx::result rows = plugin::Exec(ctx, "service-requests.api_key_list",
                                         "SELECT " SR_API_KEY_JSON
                                         " FROM service_requests.api_keys k WHERE k.tenant_id = $1 "
                                         "ORDER BY k.created_at DESC, k.id LIMIT $2",
                                         ctx.tenant_id(), kMaxListedKeys);
  json items = json::array();
  for (const auto& row : rows) items.push_back(json::parse(row[0].c_str()));
  HttpResponse response = HttpResponse::Json(200, {{"items", std::move(items)}});
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

// Revoking twice is revoking once: 204 both times, one audit entry.
StatusOr<HttpResponse> RevokeKey(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  std::optional<json> before = FindKey(ctx, id);
  if (!before) return NotFoundError(kApiKeyNotFound);
  if (!(*before)["revoked_at"].is_null()) return HttpResponse::Empty(204);
  plugin::Exec(ctx, "service-requests.api_key_revoke",
               "UPDATE service_requests.api_keys SET revoked_at = now() "
               "WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id);
  std::optional<json> after = FindKey(ctx, id);
  if (!after) return NotFoundError(kApiKeyNotFound);
  CABILDO_RETURN_IF_ERROR(ctx.Audit("api_key.revoke", "api_key", id, *before, *after));
  return HttpResponse::Empty(204);
}

}  // namespace

std::optional<std::string> ApiKeyId(plugin::RequestContext& ctx, const std::string& key) {
  // A key is 64 hex characters (ctx.NewSecret()); anything else names none.
  if (key.size() != 64 || key.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return std::nullopt;
  }
  // The live key by its digest; last_used_at is refreshed at most once a
  // minute (re-checked on the locked row, so concurrent posts with one key
  // write it once), keeping each POST to one statement.
  pqxx::result rows = plugin::Exec(
      ctx, "service-requests.api_key_by_digest",
      "WITH k AS (SELECT id FROM service_requests.api_keys "
      "           WHERE tenant_id = $1 AND key_digest = $2 AND revoked_at IS NULL), "
      "used AS (UPDATE service_requests.api_keys a SET last_used_at = now() FROM k "
      "         WHERE a.tenant_id = $1 AND a.id = k.id AND a.revoked_at IS NULL "
      "           AND (a.last_used_at IS NULL OR a.last_used_at < now() - interval '1 minute') "
      "         RETURNING a.id) "
      "SELECT id::text FROM k",
      ctx.tenant_id(), ctx.SecretDigest(key));
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::string>();
}

void RegisterApiKeys(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/api-keys",
       .permission = kApiKeyManage,
       .operation_id = "serviceRequestsIssueApiKey",
       .summary = "Emitir una clave de API para una aplicación Open311",
       .description =
           "La clave (key) se muestra una sola vez, en esta respuesta: guárdela en la "
           "aplicación. El servidor guarda solo su huella (SHA-256) y sus primeros 8 caracteres "
           "(key_prefix), para distinguirla en la lista. Una aplicación la envía como api_key "
           "al reportar por Open311 (POST open311/v2/requests.json).",
       .request_body = "ServiceRequestsApiKeyInput",
       .response_body = "ServiceRequestsApiKeyIssued",
       .success_status = 201,
       .handler = &IssueKey});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/api-keys",
       .permission = kApiKeyManage,
       .operation_id = "serviceRequestsListApiKeys",
       .summary = "Claves de API emitidas",
       .description =
           "Las claves del municipio, las más recientes primero (hasta 1000), revocadas "
           "incluidas: nombre, key_prefix, cuándo se emitió, cuándo se usó por última vez "
           "(con precisión de un minuto) y cuándo se revocó. Nunca la clave.",
       .response_body = "ServiceRequestsApiKeyList",
       .handler = &ListKeys});
  registrar.AddRoute(
      {.method = HttpMethod::kDelete,
       .path = "/api-keys/{id}",
       .permission = kApiKeyManage,
       .operation_id = "serviceRequestsRevokeApiKey",
       .summary = "Revocar una clave de API",
       .description =
           "Desde ese momento la aplicación que la usa recibe 403 al reportar. Revocar una "
           "clave ya revocada no cambia nada (204).",
       .path_params = {{.name = "id", .description = "Id (UUID) de la clave."}},
       .success_status = 204,
       .handler = &RevokeKey});
}

}  // namespace cabildo::plugins::service_requests
