// Service types with their Open311 attributes: admin CRUD (native API).
//
// A service is a row of service_requests.services: what may be reported (the
// Open311 service_code clients send, its name and group, keywords, type) and
// the attributes a report of that type answers (attributes.h checks their
// definitions). Everyone reads them (GET /services, /services/{id}); editors
// and admins (kServiceWrite) create, edit and retire them.
//
// Rules a schema cannot say: service_code is [A-Za-z0-9_.-]{1,64} and unique
// among the tenant's live services (409); it changes only while no request
// was made of the service, because reports and clients name the service by
// it; keywords have no commas (Open311 publishes them comma-separated); new
// attribute definitions apply to new reports only (stored answers stay). A
// service with open requests is not deleted (409: deactivate it with
// active=false instead); a deleted one leaves a tombstone for sync
// (updated_since) and its code free for a new service.
#include <optional>
#include <string>
#include <vector>

#include "cabildo/plugin/text_checks.h"
#include "cabildo/plugin/values.h"

#include "attributes.h"
#include "service_requests.h"

namespace cabildo::plugins::service_requests {
namespace {

using nlohmann::json;
using plugin::HttpResponse;
using plugin::RequestContext;

// One service (s) with its tenant (t) as JSON text, schema
// ServiceRequestsService but for `attributes`, stored as validated and
// published through PublishedAttributes (Item()).
#define SR_SERVICE_ITEM_JSON \
  "jsonb_build_object("                                                                   \
  "'id', s.id, 'tenant', t.slug, 'service_code', s.service_code, 'name', s.name, "        \
  "'description', s.description, 'group', s.group_name, 'keywords', to_jsonb(s.keywords), " \
  "'type', s.type, 'metadata', jsonb_array_length(s.attributes) > 0, "                    \
  "'attributes', s.attributes, 'agency_responsible', s.agency_responsible, "              \
  "'active', s.active, "                                                                  \
  "'created_at', " CABILDO_SR_TS("s.created_at") ", "                                     \
  "'updated_at', " CABILDO_SR_TS("s.updated_at") ")::text"
#define SR_SERVICE_FROM \
  " FROM service_requests.services s JOIN core.tenants t ON t.id = s.tenant_id "
#define SR_SERVICE_FIND_WHERE " WHERE s.tenant_id = $1 AND s.id = $2::uuid AND s.deleted_at IS NULL"

constexpr const char* kFindSql =
    "SELECT " SR_SERVICE_ITEM_JSON SR_SERVICE_FROM SR_SERVICE_FIND_WHERE;
constexpr const char* kFindForUpdateSql =
    "SELECT " SR_SERVICE_ITEM_JSON SR_SERVICE_FROM SR_SERVICE_FIND_WHERE " FOR UPDATE OF s";

// The list: $1 tenants, $2 group (null: any), $3 updated_since, $4 and $5 the
// cursor's (updated_at, id), $6 limit + 1. The page's keys first (index
// services_sync_idx), then only those rows rendered. With updated_since a
// deleted service comes back as a tombstone (column 0).
constexpr const char* kListSql =
    "WITH keys AS MATERIALIZED ("
    " SELECT s.tenant_id, s.id, s.updated_at AS at FROM service_requests.services s"
    " WHERE s.tenant_id = ANY ($1::uuid[])"
    "   AND (s.deleted_at IS NULL OR $3::timestamptz IS NOT NULL)"
    "   AND ($3::timestamptz IS NULL OR s.updated_at > $3::timestamptz)"
    "   AND ($4::timestamptz IS NULL OR (s.updated_at, s.id) > ($4::timestamptz, $5::uuid))"
    "   AND (s.deleted_at IS NOT NULL OR $2::text IS NULL OR s.group_name = $2::text)"
    " ORDER BY s.updated_at, s.id LIMIT $6)"
    " SELECT s.deleted_at IS NOT NULL, CASE WHEN s.deleted_at IS NULL THEN " SR_SERVICE_ITEM_JSON
    " END, s.id::text, t.slug, " CABILDO_SR_TS("s.updated_at")
    " FROM keys k"
    " JOIN service_requests.services s ON s.tenant_id = k.tenant_id AND s.id = k.id"
    " JOIN core.tenants t ON t.id = s.tenant_id"
    " ORDER BY k.at, k.id";

// The most keywords a service has (the table's CHECK) and a keyword's length.
constexpr size_t kMaxKeywords = 50;
constexpr size_t kMaxKeywordChars = 100;

// The item as GET answers it: the stored row with its attributes as Open311
// publishes them (every field present, sorted).
json Item(const char* text) {
  json item = json::parse(text);
  item["attributes"] = PublishedAttributes(item["attributes"]);
  return item;
}

std::optional<json> FindService(RequestContext& ctx, const std::string& id, bool lock) {
  if (!plugin::IsLowerUuid(id)) return std::nullopt;
  pqxx::result rows =
      lock ? plugin::Exec(ctx, "service-requests.service_find_for_update", kFindForUpdateSql,
                          ctx.tenant_id(), id)
           : plugin::Exec(ctx, "service-requests.service_find", kFindSql, ctx.tenant_id(), id);
  if (rows.empty()) return std::nullopt;
  return Item(rows[0][0].c_str());
}

json Tombstone(const std::string& id, const std::string& tenant, const std::string& updated_at) {
  return {{"id", id}, {"tenant", tenant}, {"updated_at", updated_at}, {"deleted", true}};
}

// --- values ------------------------------------------------------------------

// A service as its columns hold it.
struct ServiceValues {
  std::string service_code;
  std::string name;
  std::string description;
  std::string group;
  std::vector<std::string> keywords;
  std::string type = "realtime";
  json attributes = json::array();
  std::string agency_responsible;
  bool active = true;
};

// `body` (validated by ServiceRequestsServiceInput or ...Patch: every field
// typed and bounded) over `base`: a field sent replaces the old one whole.
// Read-only fields of an item sent back (id, tenant, metadata, created_at,
// updated_at) are ignored.
ServiceValues Merge(ServiceValues base, const json& body) {
  for (const auto& [key, value] : body.items()) {
    if (key == "service_code" && value.is_string()) {
      base.service_code = value.get<std::string>();
    } else if (key == "name" && value.is_string()) {
      base.name = value.get<std::string>();
    } else if (key == "description" && value.is_string()) {
      base.description = value.get<std::string>();
    } else if (key == "group" && value.is_string()) {
      base.group = value.get<std::string>();
    } else if (key == "keywords" && value.is_array()) {
      base.keywords.clear();
      for (const auto& keyword : value) {
        if (keyword.is_string()) base.keywords.push_back(keyword.get<std::string>());
      }
    } else if (key == "type" && value.is_string()) {
      base.type = value.get<std::string>();
    } else if (key == "attributes") {
      base.attributes = value;
    } else if (key == "agency_responsible" && value.is_string()) {
      base.agency_responsible = value.get<std::string>();
    } else if (key == "active" && value.is_boolean()) {
      base.active = value.get<bool>();
    }
  }
  return base;
}

// The service GET rendered, as ServiceValues.
ServiceValues FromItem(const json& item) { return Merge(ServiceValues{}, item); }

bool IsServiceCode(const std::string& code) {
  return !code.empty() && code.size() <= 64 &&
         code.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
             std::string::npos;
}

// Characters, not bytes.
size_t Utf8Length(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

// What the schemas cannot say about a whole service (after a PATCH is merged).
std::vector<FieldError> CheckService(const ServiceValues& service) {
  std::vector<FieldError> errors;
  if (!IsServiceCode(service.service_code)) {
    errors.push_back({"service_code",
                      "El código del servicio lleva de 1 a 64 letras sin acentos, dígitos, '.', "
                      "'_' o '-', por ejemplo \"limpieza-calles\"."});
  }
  if (service.keywords.size() > kMaxKeywords) {
    errors.push_back({"keywords", "Admite hasta 50 palabras clave."});
  }
  for (size_t i = 0; i < service.keywords.size() && i < kMaxKeywords; ++i) {
    const std::string& keyword = service.keywords[i];
    const size_t length = Utf8Length(keyword);
    if (length == 0 || length > kMaxKeywordChars || keyword.find(',') != std::string::npos) {
      errors.push_back({"keywords[" + std::to_string(i) + "]",
                        "Cada palabra clave lleva de 1 a 100 caracteres y ninguna coma (Open311 "
                        "las publica separadas por comas)."});
    }
  }
  for (FieldError& error : CheckAttributeDefinitions(service.attributes)) {
    errors.push_back(std::move(error));
  }
  return errors;
}

// Whether another live service of this tenant (not `except_id`) has `code`.
bool CodeTaken(RequestContext& ctx, const std::string& code, const std::string& except_id) {
  return plugin::Exec1(
             ctx, "service-requests.service_code_taken",
             "SELECT EXISTS (SELECT 1 FROM service_requests.services WHERE tenant_id = $1 "
             "AND service_code = $2 AND deleted_at IS NULL "
             "AND ($3::uuid IS NULL OR id <> $3::uuid))",
             ctx.tenant_id(), code, except_id.empty() ? std::nullopt : std::optional(except_id))[0]
      .as<bool>();
}

Status CodeTakenError(const std::string& code) {
  return AlreadyExistsError("Ya hay un servicio con el código \"" + code +
                            "\" en este municipio: elija otro código o edite ese servicio.");
}

// --- reading -------------------------------------------------------------------

StatusOr<HttpResponse> GetService(RequestContext& ctx) {
  auto service = FindService(ctx, ctx.PathParam("id"), /*lock=*/false);
  if (!service) return NotFoundError(kServiceNotFound);
  return HttpResponse::Json(200, *service);
}

StatusOr<HttpResponse> ListServices(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  std::optional<std::string> after_at, after_id;
  if (!page.after.is_null()) {
    // Signed by the host, but possibly another list's cursor.
    const json& after = page.after;
    if (!after.is_array() || after.size() != 2 || !after[0].is_string() || !after[1].is_string() ||
        !plugin::IsRfc3339Timestamp(after[0].get_ref<const std::string&>()) ||
        !plugin::IsLowerUuid(after[1].get_ref<const std::string&>())) {
      return InvalidArgumentError(
          "El cursor no es válido para esta lista: pida la primera página otra vez.");
    }
    after_at = after[0].get<std::string>();
    after_id = after[1].get<std::string>();
  }
  std::optional<std::string> group = ctx.Query("group");
  if (group && group->empty()) group.reset();
  std::optional<std::string> since;
  if (!page.updated_since.empty()) since = page.updated_since;
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  const pqxx::result rows =
      plugin::Exec(ctx, "service-requests.service_list", kListSql, plugin::PgArray(tenants), group,
                   since, after_at, after_id, page.limit + 1);
  return plugin::PageOf(
      ctx, page, rows,
      [](const pqxx::row& row) {
        return row[0].as<bool>() ? Tombstone(row[2].c_str(), row[3].c_str(), row[4].c_str())
                                 : Item(row[1].c_str());
      },
      [](const json& last) {
        return json{last["updated_at"], last["id"]};
      });
}

// --- writing -------------------------------------------------------------------

StatusOr<HttpResponse> CreateService(RequestContext& ctx) {
  const ServiceValues service = Merge(ServiceValues{}, ctx.Body());
  if (auto errors = CheckService(service); !errors.empty()) return ctx.FieldErrors(errors);
  if (CodeTaken(ctx, service.service_code, "")) return CodeTakenError(service.service_code);
  const std::string id =
      plugin::Exec1(ctx, "service-requests.service_insert",
                    "INSERT INTO service_requests.services (tenant_id, service_code, name, "
                    "description, group_name, keywords, type, attributes, agency_responsible, "
                    "active) VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8::jsonb, $9, $10) "
                    "RETURNING id::text",
                    ctx.tenant_id(), service.service_code, service.name, service.description,
                    service.group, plugin::PgTextArray(service.keywords), service.type,
                    PublishedAttributes(service.attributes).dump(), service.agency_responsible,
                    service.active)[0]
          .as<std::string>();
  auto created = FindService(ctx, id, /*lock=*/false);
  if (!created) return InternalError("El servicio recién creado no se pudo volver a leer.");
  CABILDO_RETURN_IF_ERROR(ctx.Audit("service.create", "service", id, json::object(), *created));
  return HttpResponse::Json(201, *created);
}

using Written = StatusOr<std::optional<HttpResponse>>;

plugin::Change ServiceChange(RequestContext& ctx, const char* action,
                             std::function<Written(const json& before)> write) {
  const std::string id = ctx.PathParam("id");
  return {.action = action,
          .entity = "service",
          .id = id,
          .find = [&ctx, id](bool lock) { return FindService(ctx, id, lock); },
          .write = std::move(write),
          .not_found = kServiceNotFound};
}

bool HasRequests(RequestContext& ctx, const std::string& id) {
  return plugin::Exec1(ctx, "service-requests.service_has_requests",
                       "SELECT EXISTS (SELECT 1 FROM service_requests.requests "
                       "WHERE tenant_id = $1 AND service_id = $2::uuid)",
                       ctx.tenant_id(), id)[0]
      .as<bool>();
}

int64_t OpenRequests(RequestContext& ctx, const std::string& id) {
  return plugin::Exec1(ctx, "service-requests.service_open_requests",
                       "SELECT count(*) FROM service_requests.requests WHERE tenant_id = $1 "
                       "AND service_id = $2::uuid "
                       "AND status IN ('received', 'assigned', 'in_progress')",
                       ctx.tenant_id(), id)[0]
      .as<int64_t>();
}

// PATCH's write: the body merged over the service.
Written WriteService(RequestContext& ctx, const json& item) {
  const std::string& id = ctx.PathParam("id");
  const ServiceValues before = FromItem(item);
  const ServiceValues after = Merge(before, ctx.Body());
  if (auto errors = CheckService(after); !errors.empty()) return Written(ctx.FieldErrors(errors));
  if (after.service_code != before.service_code) {
    if (HasRequests(ctx, id)) {
      return AlreadyExistsError(
          "El servicio ya tiene solicitudes: su código (service_code) ya no cambia, porque las "
          "solicitudes y las aplicaciones lo nombran por él. Puede cambiar su nombre.");
    }
    if (CodeTaken(ctx, after.service_code, id)) return CodeTakenError(after.service_code);
  }
  plugin::Exec(ctx, "service-requests.service_update",
               "UPDATE service_requests.services SET service_code = $3, name = $4, "
               "description = $5, group_name = $6, keywords = $7::text[], type = $8, "
               "attributes = $9::jsonb, agency_responsible = $10, active = $11, "
               "updated_at = now() WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id, after.service_code, after.name, after.description, after.group,
               plugin::PgTextArray(after.keywords), after.type,
               PublishedAttributes(after.attributes).dump(), after.agency_responsible,
               after.active);
  return Written(std::nullopt);
}

StatusOr<HttpResponse> UpdateService(RequestContext& ctx) {
  return plugin::ApplyChange(ctx, ServiceChange(ctx, "service.update", [&ctx](const json& before) {
                               return WriteService(ctx, before);
                             }));
}

// A service without open requests is retired: a tombstone for sync; its
// closed requests stay public.
StatusOr<HttpResponse> DeleteService(RequestContext& ctx) {
  plugin::Change change =
      ServiceChange(ctx, "service.delete", [&ctx](const json& /*before*/) -> Written {
        const std::string& id = ctx.PathParam("id");
        if (const int64_t open = OpenRequests(ctx, id); open > 0) {
          return AlreadyExistsError(
              "El servicio tiene " + std::to_string(open) +
              (open == 1 ? " solicitud abierta" : " solicitudes abiertas") +
              " y no se puede borrar mientras se atienden. Si ya no quiere recibir reportes, "
              "desactívelo con active=false.");
        }
        plugin::Exec(ctx, "service-requests.service_delete",
                     "UPDATE service_requests.services SET deleted_at = now(), updated_at = now() "
                     "WHERE tenant_id = $1 AND id = $2::uuid",
                     ctx.tenant_id(), id);
        return Written(std::nullopt);
      });
  change.deletes = true;
  return plugin::ApplyChange(ctx, change);
}

}  // namespace

void RegisterServices(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  const std::vector<plugin::PathParam> id = {
      {.name = "id", .description = "Id (UUID) del servicio."}};
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/services",
       .operation_id = "serviceRequestsListServices",
       .summary = "Tipos de servicio que se pueden reportar",
       .description =
           "Los servicios del municipio (los inactivos también, con active=false: ya no reciben "
           "reportes, pero sus solicitudes siguen a la vista), en orden estable (updated_at, "
           "id). Con include_descendants=true en el estado, los de sus municipios, cada uno con "
           "su `tenant`. group: solo los de ese grupo. Con updated_since, solo los que "
           "cambiaron después, y los borrados como marcas de borrado ({id, tenant, updated_at, "
           "deleted: true}).",
       .query = {{.name = "group",
                  .schema = {{"type", "string"}, {"maxLength", 200}},
                  .description = "Solo los servicios de este grupo (igual al texto de `group`)."}},
       .paged = true,
       .descendants = true,
       .response_body = "ServiceRequestsServicePage",
       .handler = &ListServices});
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/services",
       .permission = kServiceWrite,
       .operation_id = "serviceRequestsCreateService",
       .summary = "Crear un tipo de servicio",
       .description =
           "Un tipo de servicio que la ciudadanía puede reportar, con sus atributos (preguntas "
           "adicionales de Open311). 422 si un atributo no es válido (el campo dice cuál: "
           "attributes[2].values[0].key); 409 si ya hay un servicio vivo con ese service_code.",
       .request_body = "ServiceRequestsServiceInput",
       .response_body = "ServiceRequestsService",
       .success_status = 201,
       .handler = &CreateService});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/services/{id}",
                      .operation_id = "serviceRequestsGetService",
                      .summary = "Obtener un tipo de servicio",
                      .path_params = id,
                      .response_body = "ServiceRequestsService",
                      .handler = &GetService});
  registrar.AddRoute(
      {.method = HttpMethod::kPatch,
       .path = "/services/{id}",
       .permission = kServiceWrite,
       .operation_id = "serviceRequestsUpdateService",
       .summary = "Editar un tipo de servicio",
       .description =
           "Solo cambian los campos enviados; una lista enviada (keywords, attributes) reemplaza "
           "completa a la anterior. service_code cambia solo mientras el servicio no tenga "
           "solicitudes (409), y nunca al de otro servicio vivo (409). Los atributos nuevos "
           "valen para los reportes nuevos; las respuestas ya guardadas no cambian. active=false "
           "deja de recibir reportes.",
       .path_params = id,
       .request_body = "ServiceRequestsServicePatch",
       .response_body = "ServiceRequestsService",
       .if_match = true,
       .handler = &UpdateService});
  registrar.AddRoute(
      {.method = HttpMethod::kDelete,
       .path = "/services/{id}",
       .permission = kServiceWrite,
       .operation_id = "serviceRequestsDeleteService",
       .summary = "Borrar un tipo de servicio",
       .description =
           "Solo si no tiene solicitudes abiertas (409: desactívelo con active=false). Sus "
           "solicitudes cerradas siguen públicas; queda como marca de borrado para quien pide "
           "updated_since, y su código queda libre.",
       .path_params = id,
       .success_status = 204,
       .if_match = true,
       .handler = &DeleteService});
}

}  // namespace cabildo::plugins::service_requests
