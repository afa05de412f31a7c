// TEMPLATE: the module `sample`: one CRUD resource, `items`, per tenant.
// Routes are declared once in Init: the host checks path parameters and
// bodies against schemas/*.json, pages lists, checks If-Match, audits and
// documents every route in the OpenAPI document. Handlers keep only what a
// schema cannot say. Rename `items` and its fields to your resource.
#include <optional>
#include <string>
#include <vector>

#include "cabildo/plugin/plugin_api.h"
#include "cabildo/plugin/values.h"

#include "cabildo_plugin_sample_embedded.inc"

namespace cabildo::plugins::sample {
namespace {

using nlohmann::json;
using plugin::HttpResponse;
using plugin::RequestContext;

// TEMPLATE: permissions are <module>.<resource>.<verb>.
constexpr const char* kWrite = "sample.item.write";
constexpr const char* kNotFound = "No existe el elemento.";

// Columns every query selects, in ItemJson's order.
constexpr const char* kColumns =
    "i.id::text, i.title, i.description, i.published, t.slug, "
    "to_char(i.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "i.deleted_at IS NOT NULL "
    "FROM sample.items i JOIN core.tenants t ON t.id = i.tenant_id ";

// A SampleItem (schemas/SampleItem.json).
json ItemJson(const pqxx::row& row) {
  if (row[6].as<bool>()) {  // a tombstone says only what sync needs
    return {{"id", row[0].as<std::string>()},
            {"tenant", row[4].as<std::string>()},
            {"updated_at", row[5].as<std::string>()},
            {"deleted", true}};
  }
  return {{"id", row[0].as<std::string>()},          {"title", row[1].as<std::string>()},
          {"description", row[2].as<std::string>()}, {"published", row[3].as<bool>()},
          {"tenant", row[4].as<std::string>()},      {"updated_at", row[5].as<std::string>()}};
}

// Writers see drafts; everybody else only published items.
bool SeesDrafts(RequestContext& ctx) { return ctx.Authorize(kWrite) == Access::kAllowed; }

StatusOr<HttpResponse> ListItems(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  std::optional<std::string> since, after_at, after_id;
  if (!page.updated_since.empty()) since = page.updated_since;
  if (page.after.is_array() && page.after.size() == 2) {
    after_at = page.after[0].get<std::string>();
    after_id = page.after[1].get<std::string>();
  }
  // Keyset on (updated_at, id); with updated_since, tombstones too.
  auto rows = ctx.Db().exec_params(
      std::string("SELECT ") + kColumns +
          "WHERE i.tenant_id = ANY ($1::uuid[]) AND (i.published OR $2) "
          "AND ($3::timestamptz IS NULL OR i.updated_at > $3::timestamptz) "
          "AND ($3::timestamptz IS NOT NULL OR i.deleted_at IS NULL) "
          "AND ($4::timestamptz IS NULL OR (i.updated_at, i.id) > ($4::timestamptz, $5::uuid)) "
          "ORDER BY i.updated_at, i.id LIMIT $6",
      plugin::PgArray(tenants), SeesDrafts(ctx), since, after_at, after_id, page.limit + 1);
  return HttpResponse::Json(200, plugin::PageJson(ctx, page, rows, &ItemJson, [](const json& i) {
                              return json{i["updated_at"], i["id"]};
                            }));
}

// The item as GET returns it, locked for update when `lock`.
std::optional<json> FindItem(RequestContext& ctx, const std::string& id, bool lock) {
  auto rows = ctx.Db().exec_params(std::string("SELECT ") + kColumns +
                                       "WHERE i.tenant_id = $1 AND i.id = $2::uuid "
                                       "AND i.deleted_at IS NULL AND (i.published OR $3)" +
                                       (lock ? " FOR UPDATE OF i" : ""),
                                   ctx.tenant_id(), id, SeesDrafts(ctx));
  if (rows.empty()) return std::nullopt;
  return ItemJson(rows[0]);
}

StatusOr<HttpResponse> GetItem(RequestContext& ctx) {
  auto item = FindItem(ctx, ctx.PathParam("id"), false);  // the host checked it is a UUID
  if (!item) return NotFoundError(kNotFound);
  return HttpResponse::Json(200, *item);
}

// TEMPLATE: rules a schema cannot say (cross-field, database) go here.
std::vector<plugin::FieldError> CheckItem(const json& body) {
  auto title = body.find("title");
  if (title != body.end() &&
      title->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos) {
    return {{"title", "No puede quedar vacío."}};
  }
  return {};
}

StatusOr<HttpResponse> CreateItem(RequestContext& ctx) {
  const json& body = ctx.Body();  // a SampleItemInput: the host validated it
  if (auto errors = CheckItem(body); !errors.empty()) return ctx.FieldErrors(errors);
  auto id = plugin::Exec1(ctx, "sample.insert_item",
                          "INSERT INTO sample.items (tenant_id, title, description, published, "
                          "updated_at) VALUES ($1, $2, $3, $4, clock_timestamp()) "
                          "RETURNING id::text",
                          ctx.tenant_id(), body["title"].get<std::string>(),
                          body.value("description", ""), body.value("published", false))[0]
                .as<std::string>();
  json item = *FindItem(ctx, id, false);
  CABILDO_RETURN_IF_ERROR(ctx.Audit("item.create", "item", id, json::object(), item));
  return HttpResponse::Json(201, item);
}

// Lock, If-Match, write, re-read and audit the diff: ApplyChange does it all.
StatusOr<HttpResponse> UpdateItem(RequestContext& ctx) {
  const json& body = ctx.Body();  // a SampleItemPatch
  if (auto errors = CheckItem(body); !errors.empty()) return ctx.FieldErrors(errors);
  const std::string& id = ctx.PathParam("id");
  return plugin::ApplyChange(
      ctx, {.action = "item.update",
            .entity = "item",
            .id = id,
            .find = [&](bool lock) { return FindItem(ctx, id, lock); },
            .write = [&](const json& before) -> StatusOr<std::optional<HttpResponse>> {
              plugin::Exec(ctx, "sample.update_item",
                           "UPDATE sample.items SET title = $3, description = $4, "
                           "published = $5, updated_at = clock_timestamp() "
                           "WHERE tenant_id = $1 AND id = $2::uuid",
                           ctx.tenant_id(), id,
                           body.value("title", before["title"].get<std::string>()),
                           body.value("description", before["description"].get<std::string>()),
                           body.value("published", before["published"].get<bool>()));
              return std::optional<HttpResponse>();
            },
            .not_found = kNotFound});
}

// A tombstone, so offline apps syncing with updated_since see the deletion.
StatusOr<HttpResponse> DeleteItem(RequestContext& ctx) {
  const std::string& id = ctx.PathParam("id");
  return plugin::ApplyChange(
      ctx, {.action = "item.delete",
            .entity = "item",
            .id = id,
            .find = [&](bool lock) { return FindItem(ctx, id, lock); },
            .write = [&](const json&) -> StatusOr<std::optional<HttpResponse>> {
              plugin::Exec(ctx, "sample.delete_item",
                           "UPDATE sample.items SET deleted_at = now(), "
                           "updated_at = clock_timestamp() WHERE tenant_id = $1 AND id = $2::uuid",
                           ctx.tenant_id(), id);
              return std::optional<HttpResponse>();
            },
            .not_found = kNotFound,
            .deletes = true});
}

Status Init(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  // TEMPLATE: which roles get the permission by default.
  registrar.AddPermission(kWrite, "Crear y editar elementos", {"editor", "admin"});
  RegisterEmbeddedFiles(registrar);  // migrations/ and schemas/
  const std::vector<plugin::PathParam> id = {
      {.name = "id", .type = plugin::ParamType::kUuid, .description = "Id (UUID) del elemento."}};
  // TEMPLATE: paths are relative to /v1/tenants/{tenant}/sample.
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/items",
                      .operation_id = "sampleListItems",
                      .summary = "Listar elementos",
                      .description = "Anónimos ven solo los publicados; con sample.item.write, "
                                     "también borradores. Orden estable (updated_at, id).",
                      .paged = true,
                      .descendants = true,
                      .response_body = "SampleItemPage",
                      .handler = &ListItems});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/items",
                      .permission = kWrite,
                      .operation_id = "sampleCreateItem",
                      .summary = "Crear un elemento",
                      .request_body = "SampleItemInput",
                      .response_body = "SampleItem",
                      .success_status = 201,
                      .handler = &CreateItem});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/items/{id}",
                      .operation_id = "sampleGetItem",
                      .summary = "Obtener un elemento",
                      .path_params = id,
                      .response_body = "SampleItem",
                      .handler = &GetItem});
  registrar.AddRoute({.method = HttpMethod::kPatch,
                      .path = "/items/{id}",
                      .permission = kWrite,
                      .operation_id = "sampleUpdateItem",
                      .summary = "Editar un elemento",
                      .path_params = id,
                      .request_body = "SampleItemPatch",
                      .response_body = "SampleItem",
                      .if_match = true,
                      .handler = &UpdateItem});
  registrar.AddRoute({.method = HttpMethod::kDelete,
                      .path = "/items/{id}",
                      .permission = kWrite,
                      .operation_id = "sampleDeleteItem",
                      .summary = "Borrar un elemento (queda una marca de borrado para sincronizar)",
                      .path_params = id,
                      .success_status = 204,
                      .if_match = true,
                      .handler = &DeleteItem});
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::sample

// TEMPLATE: name, version, a description in Spanish, and the SDK range it needs.
CABILDO_PLUGIN("sample", "1.0.0", "Módulo de muestra (plantilla de scripts/new-plugin)", "0.1.0",
               "1.0.0", &cabildo::plugins::sample::Init);
