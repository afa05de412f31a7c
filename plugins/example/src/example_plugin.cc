// The example module: a `notes` collection per tenant. Small on purpose; it
// shows the shape every module follows: permissions with default grants,
// migrations and JSON Schemas embedded from its folders, routes declared once
// (the host checks their parameters and bodies and documents them),
// configuration, audit.
#include <optional>
#include <stdexcept>
#include <utility>

#include "cabildo/plugin/plugin_api.h"
#include "cabildo/plugin/values.h"

#include "cabildo_plugin_example_embedded.inc"

namespace cabildo::plugins::example {
namespace {

using nlohmann::json;
using plugin::HttpResponse;
using plugin::RequestContext;

constexpr const char* kWrite = "example.note.write";
constexpr const char* kNotFound = "No existe la nota.";

// Columns every note query selects, in NoteJson's order.
constexpr const char* kNoteColumns =
    "n.id::text, n.title, n.body, n.published, t.slug, "
    "to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "n.deleted_at IS NOT NULL "
    "FROM example.notes n JOIN core.tenants t ON t.id = n.tenant_id ";

json NoteJson(const pqxx::row& row) {
  if (row[6].as<bool>()) {  // a tombstone says only what sync needs
    return {{"id", row[0].as<std::string>()},
            {"tenant", row[4].as<std::string>()},
            {"updated_at", row[5].as<std::string>()},
            {"deleted", true}};
  }
  return {{"id", row[0].as<std::string>()},     {"title", row[1].as<std::string>()},
          {"body", row[2].as<std::string>()},   {"published", row[3].as<bool>()},
          {"tenant", row[4].as<std::string>()}, {"updated_at", row[5].as<std::string>()}};
}

// Editors see drafts; everybody else only published notes.
bool SeesDrafts(RequestContext& ctx) { return ctx.Authorize(kWrite) == Access::kAllowed; }

StatusOr<HttpResponse> ListNotes(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  std::optional<std::string> since;
  if (!page.updated_since.empty()) since = page.updated_since;
  std::optional<std::string> after_at, after_id;
  if (page.after.is_array() && page.after.size() == 2) {
    after_at = page.after[0].get<std::string>();
    after_id = page.after[1].get<std::string>();
  }
  // Keyset on (updated_at, id): stable under inserts, and an offline app that
  // syncs with updated_since sees every change once, tombstones included.
  auto rows = ctx.Db().exec_params(
      std::string("SELECT ") + kNoteColumns +
          "WHERE n.tenant_id = ANY ($1::uuid[]) AND (n.published OR $2) "
          "AND ($3::timestamptz IS NULL OR n.updated_at > $3::timestamptz) "
          "AND ($3::timestamptz IS NOT NULL OR n.deleted_at IS NULL) "
          "AND ($4::timestamptz IS NULL OR (n.updated_at, n.id) > ($4::timestamptz, $5::uuid)) "
          "ORDER BY n.updated_at, n.id LIMIT $6",
      plugin::PgArray(tenants), SeesDrafts(ctx), since, after_at, after_id, page.limit + 1);
  json body = plugin::PageJson(ctx, page, rows, &NoteJson, [](const json& note) {
    return json{note["updated_at"], note["id"]};
  });
  body["greeting"] = ctx.config().value("greeting", "");
  return HttpResponse::Json(200, body);
}

// The note as GET returns it, locked for update when `lock`. `id` is a UUID:
// the host checked the path parameter.
std::optional<json> FindNote(RequestContext& ctx, const std::string& id, bool lock) {
  auto rows = ctx.Db().exec_params(
      std::string("SELECT ") + kNoteColumns +
          "WHERE n.tenant_id = $1 AND n.id = $2::uuid AND n.deleted_at IS NULL "
          "AND (n.published OR $3)" +
          (lock ? " FOR UPDATE OF n" : ""),
      ctx.tenant_id(), id, SeesDrafts(ctx));
  if (rows.empty()) return std::nullopt;
  return NoteJson(rows[0]);
}

StatusOr<HttpResponse> GetNote(RequestContext& ctx) {
  auto note = FindNote(ctx, ctx.PathParam("id"), false);
  if (!note) return NotFoundError(kNotFound);
  return HttpResponse::Json(200, *note);
}

// The one rule the schema cannot say: a title of only spaces is empty.
std::vector<plugin::FieldError> CheckTitle(const json& body) {
  auto title = body.find("title");
  if (title != body.end() &&
      title->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos) {
    return {{"title", "No puede quedar vacío."}};
  }
  return {};
}

StatusOr<HttpResponse> CreateNote(RequestContext& ctx) {
  const json& body = ctx.Body();  // an ExampleNoteInput: the host validated it
  if (auto errors = CheckTitle(body); !errors.empty()) return ctx.FieldErrors(errors);
  auto id = plugin::Exec1(ctx, "example.insert_note",
                          "INSERT INTO example.notes (tenant_id, title, body, published, "
                          "updated_at) VALUES ($1, $2, $3, $4, clock_timestamp()) "
                          "RETURNING id::text",
                          ctx.tenant_id(), body["title"].get<std::string>(), body.value("body", ""),
                          body.value("published", false))[0]
                .as<std::string>();
  json note = *FindNote(ctx, id, false);
  CABILDO_RETURN_IF_ERROR(ctx.Audit("note.create", "note", id, json::object(), note));
  return HttpResponse::Json(201, note);
}

StatusOr<HttpResponse> UpdateNote(RequestContext& ctx) {
  const json& body = ctx.Body();  // an ExampleNotePatch
  if (auto errors = CheckTitle(body); !errors.empty()) return ctx.FieldErrors(errors);
  const std::string& id = ctx.PathParam("id");
  return plugin::ApplyChange(
      ctx, {.action = "note.update",
            .entity = "note",
            .id = id,
            .find = [&](bool lock) { return FindNote(ctx, id, lock); },
            .write = [&](const json& before) -> StatusOr<std::optional<HttpResponse>> {
              plugin::Exec(ctx, "example.update_note",
                           "UPDATE example.notes SET title = $3, body = $4, published = $5, "
                           "updated_at = clock_timestamp() "
                           "WHERE tenant_id = $1 AND id = $2::uuid",
                           ctx.tenant_id(), id,
                           body.value("title", before["title"].get<std::string>()),
                           body.value("body", before["body"].get<std::string>()),
                           body.value("published", before["published"].get<bool>()));
              return std::optional<HttpResponse>();
            },
            .not_found = kNotFound});
}

StatusOr<HttpResponse> DeleteNote(RequestContext& ctx) {
  const std::string& id = ctx.PathParam("id");
  return plugin::ApplyChange(ctx,
                             {.action = "note.delete",
                              .entity = "note",
                              .id = id,
                              .find = [&](bool lock) { return FindNote(ctx, id, lock); },
                              .write = [&](const json&) -> StatusOr<std::optional<HttpResponse>> {
                                plugin::Exec(ctx, "example.delete_note",
                                             "UPDATE example.notes SET deleted_at = now(), "
                                             "updated_at = clock_timestamp() "
                                             "WHERE tenant_id = $1 AND id = $2::uuid",
                                             ctx.tenant_id(), id);
                                return std::optional<HttpResponse>();
                              },
                              .not_found = kNotFound,
                              .deletes = true});
}

// Streamed through a cursor: any number of notes, a batch in memory at a time.
// Its version (count and latest change of every note, drafts and deletions
// included) gives the ETag before a row is read.
StatusOr<HttpResponse> ExportCsv(RequestContext& ctx) {
  pqxx::row version =
      plugin::Exec1(ctx, "example.export_version",
                    "SELECT count(*)::text || '|' || coalesce(max(updated_at)::text, '') "
                    "FROM example.notes WHERE tenant_id = $1",
                    ctx.tenant_id());
  return HttpResponse::Stream(
      "text/csv; charset=utf-8", version[0].as<std::string>(),
      [&ctx](plugin::BodyWriter& out) -> Status {
        plugin::BodyBuffer body(out);
        body.Append(plugin::CsvRow({"id", "titulo", "texto", "actualizado"}));
        plugin::ForEachRow(
            ctx, "example.export_csv",
            std::string("SELECT ") + kNoteColumns +
                "WHERE n.tenant_id = $1 AND n.published AND n.deleted_at IS NULL "
                "ORDER BY n.updated_at, n.id",
            [&](const pqxx::row& row) {
              return body.Append(
                  plugin::CsvRow({row[0].as<std::string>(), row[1].as<std::string>(),
                                  row[2].as<std::string>(), row[5].as<std::string>()}));
            },
            ctx.tenant_id());
        body.Flush();
        return OkStatus();
      });
}

// The example's records for other modules' links: a published, non-deleted
// note. Three refs stand for a describer that fails, so the host's handling
// of failures can be tested: "falla-sql" (an SQL error), "falla-estado" (an
// error Status) and "falla-excepcion" (a C++ exception).
StatusOr<std::optional<plugin::RecordSummary>> DescribeNote(RequestContext& ctx,
                                                            const std::string& tenant_id,
                                                            const std::string& ref) {
  if (ref == "falla-sql") {
    plugin::Exec(ctx, "example.describe_fails", "SELECT 1 / (random() < 2)::int - 1 / 0");
  } else if (ref == "falla-estado") {
    return InternalError("El descriptor de ejemplo falla a propósito.");
  } else if (ref == "falla-excepcion") {
    throw std::runtime_error("El descriptor de ejemplo lanza a propósito.");
  }
  if (!plugin::IsLowerUuid(ref)) return std::optional<plugin::RecordSummary>();
  auto rows = plugin::Exec(ctx, "example.describe_note",
                           "SELECT n.title, t.slug FROM example.notes n "
                           "JOIN core.tenants t ON t.id = n.tenant_id "
                           "WHERE n.tenant_id = $1::uuid AND n.id = $2::uuid AND n.published "
                           "AND n.deleted_at IS NULL",
                           tenant_id, ref);
  if (rows.empty()) return std::optional<plugin::RecordSummary>();
  return std::optional<plugin::RecordSummary>(
      plugin::RecordSummary{rows[0][0].as<std::string>(),
                            "/v1/tenants/" + rows[0][1].as<std::string>() + "/example/notes/" + ref,
                            "published", std::nullopt});
}

// A link resolved through the host, as a linking module shows it: `module`
// and `ref` from the query, in this tenant or in `tenant_id` (one of the
// tenants read, with include_descendants). The count of this tenant's notes
// afterwards shows the request's transaction survived whatever the
// describer did.
StatusOr<HttpResponse> ResolveLink(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  const std::string module = ctx.Query("module").value_or("");
  const std::string ref = ctx.Query("ref").value_or("");
  const std::string tenant = ctx.Query("tenant_id").value_or(ctx.tenant_id());
  CABILDO_ASSIGN_OR_RETURN(const plugin::LinkedRecord linked,
                           ctx.DescribeRecord(tenant, module, ref));
  auto count = plugin::Exec1(ctx, "example.count_notes",
                             "SELECT count(*) FROM example.notes WHERE tenant_id = $1::uuid",
                             ctx.tenant_id());
  return HttpResponse::Json(200, {{"link", plugin::LinkedRecordJson(module, ref, linked)},
                                  {"notes", count[0].as<int64_t>()}});
}

Status Init(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  registrar.AddPermission(kWrite, "Crear y editar notas", {"editor", "admin"});
  RegisterEmbeddedFiles(registrar);  // migrations/ and schemas/
  const std::vector<plugin::PathParam> id = {
      {.name = "id", .type = plugin::ParamType::kUuid, .description = "Id (UUID) de la nota."}};
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/notes",
                      .operation_id = "exampleListNotes",
                      .summary = "Listar notas",
                      .description = "Anónimos ven solo las publicadas; con example.note.write, "
                                     "también borradores. Orden estable (updated_at, id).",
                      .paged = true,
                      .descendants = true,
                      .response_body = "ExampleNotePage",
                      .handler = &ListNotes});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/notes",
                      .permission = kWrite,
                      .operation_id = "exampleCreateNote",
                      .summary = "Crear una nota",
                      .request_body = "ExampleNoteInput",
                      .response_body = "ExampleNote",
                      .success_status = 201,
                      .handler = &CreateNote});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/notes/{id}",
                      .operation_id = "exampleGetNote",
                      .summary = "Obtener una nota",
                      .path_params = id,
                      .response_body = "ExampleNote",
                      .handler = &GetNote});
  registrar.AddRoute({.method = HttpMethod::kPatch,
                      .path = "/notes/{id}",
                      .permission = kWrite,
                      .operation_id = "exampleUpdateNote",
                      .summary = "Editar una nota",
                      .path_params = id,
                      .request_body = "ExampleNotePatch",
                      .response_body = "ExampleNote",
                      .if_match = true,
                      .handler = &UpdateNote});
  registrar.AddRoute({.method = HttpMethod::kDelete,
                      .path = "/notes/{id}",
                      .permission = kWrite,
                      .operation_id = "exampleDeleteNote",
                      .summary = "Borrar una nota (queda como marca de borrado para sincronizar)",
                      .path_params = id,
                      .success_status = 204,
                      .if_match = true,
                      .handler = &DeleteNote});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/export.csv",
                      .operation_id = "exampleExportCsv",
                      .summary = "Exportar notas publicadas (CSV)",
                      .description = "UTF-8, RFC 4180, columnas id,titulo,texto,actualizado; "
                                     "celdas protegidas contra inyección de fórmulas.",
                      .response_media_type = "text/csv; charset=utf-8",
                      .handler = &ExportCsv});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/links",
                      .operation_id = "exampleResolveLink",
                      .summary = "Resolver un enlace a un registro de otro módulo",
                      .description =
                          "Como lo muestra un módulo que enlaza: state found, not_found, "
                          "module_disabled o module_unknown; con found, title, url, status y "
                          "progress_pct.",
                      .query = {{.name = "module",
                                 .schema = {{"type", "string"}, {"maxLength", 100}},
                                 .description = "Nombre del módulo enlazado.",
                                 .required = true},
                                {.name = "ref",
                                 .schema = {{"type", "string"}, {"maxLength", 1000}},
                                 .description = "Referencia del registro en ese módulo.",
                                 .required = true},
                                {.name = "tenant_id",
                                 .schema = {{"type", "string"}, {"format", "uuid"}},
                                 .description = "Tenant del registro (por omisión, este)."}},
                      .descendants = true,
                      .handler = &ResolveLink});
  registrar.SetRecordDescriber(&DescribeNote);
  registrar.AddExport({"notas-csv", "/export.csv", "csv", "text/csv; charset=utf-8",
                       "Notas publicadas en CSV (UTF-8, RFC 4180)."});
  registrar.SetConfigSchema(
      {{"type", "object"},
       {"properties", {{"greeting", {{"type", "string"}, {"maxLength", 80}}}}},
       {"additionalProperties", false}});
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::example

CABILDO_PLUGIN("example", "1.0.0", "Notas de ejemplo para las pruebas del host", "0.1.0", "1.0.0",
               &cabildo::plugins::example::Init);
