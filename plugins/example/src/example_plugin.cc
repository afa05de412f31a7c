// The example module: a `notes` collection per tenant. Small on purpose; it
// shows the shape every module follows: permissions with default grants,
// migrations, routes with their permission, configuration, audit.
#include <optional>
#include <utility>

#include "cabildo/plugin/plugin_api.h"
#include "cabildo/plugin/values.h"

#include "cabildo_plugin_example_migrations.inc"

namespace cabildo::plugins::example {
namespace {

using nlohmann::json;
using plugin::HttpResponse;
using plugin::RequestContext;

constexpr const char* kWrite = "example.note.write";

bool IsUuid(const std::string& text) { return plugin::IsLowerUuid(text); }

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
  auto page = ctx.ReadPage();
  if (!page.ok()) return page.status();
  auto tenants = ctx.ReadTenants();
  if (!tenants.ok()) return tenants.status();
  std::optional<std::string> since;
  if (!page->updated_since.empty()) since = page->updated_since;
  std::optional<std::string> after_at, after_id;
  if (page->after.is_array() && page->after.size() == 2) {
    after_at = page->after[0].get<std::string>();
    after_id = page->after[1].get<std::string>();
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
      plugin::PgArray(*tenants), SeesDrafts(ctx), since, after_at, after_id, page->limit + 1);
  json items = json::array();
  json next = nullptr;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page->limit) {
      next = ctx.Cursor({items.back()["updated_at"], items.back()["id"]});
      break;
    }
    items.push_back(NoteJson(row));
  }
  return HttpResponse::Json(
      200,
      {{"items", items}, {"next_cursor", next}, {"greeting", ctx.config().value("greeting", "")}});
}

// The note as GET returns it, locked for update when `lock`.
std::optional<json> FindNote(RequestContext& ctx, const std::string& id, bool lock) {
  if (!IsUuid(id)) return std::nullopt;
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
  auto note = FindNote(ctx, ctx.PathParam("id").value_or(""), false);
  if (!note) return NotFoundError("No existe la nota.");
  return HttpResponse::Json(200, *note);
}

// Field checks shared by create and update; `partial` allows missing fields.
std::vector<plugin::FieldError> CheckNote(const json& body, bool partial) {
  plugin::FieldReader in(body);
  in.String("title", !partial, 200);
  in.String("body", false);
  in.Bool("published", false);
  return in.errors();
}

StatusOr<HttpResponse> CreateNote(RequestContext& ctx) {
  auto body = ctx.JsonBody();
  if (!body.ok()) return body.status();
  if (auto errors = CheckNote(*body, false); !errors.empty()) return ctx.FieldErrors(errors);
  auto id = ctx.Db()
                .exec_params(
                    "INSERT INTO example.notes (tenant_id, title, body, published, updated_at) "
                    "VALUES ($1, $2, $3, $4, clock_timestamp()) RETURNING id::text",
                    ctx.tenant_id(), (*body)["title"].get<std::string>(), body->value("body", ""),
                    body->value("published", false))[0][0]
                .as<std::string>();
  json note = *FindNote(ctx, id, false);
  Status audited =
      ctx.Audit("note.create", "note", id, {{"before", json::object()}, {"after", note}});
  if (!audited.ok()) return audited;
  return HttpResponse::Json(201, note);
}

StatusOr<HttpResponse> UpdateNote(RequestContext& ctx) {
  auto body = ctx.JsonBody();
  if (!body.ok()) return body.status();
  if (auto errors = CheckNote(*body, true); !errors.empty()) return ctx.FieldErrors(errors);
  const std::string id = ctx.PathParam("id").value_or("");
  auto before = FindNote(ctx, id, true);
  if (!before) return NotFoundError("No existe la nota.");
  Status fresh = ctx.CheckIfMatch(*before);
  if (!fresh.ok()) return fresh;
  ctx.Db().exec_params(
      "UPDATE example.notes SET title = $3, body = $4, published = $5, "
      "updated_at = clock_timestamp() WHERE tenant_id = $1 AND id = $2::uuid",
      ctx.tenant_id(), id, body->value("title", (*before)["title"].get<std::string>()),
      body->value("body", (*before)["body"].get<std::string>()),
      body->value("published", (*before)["published"].get<bool>()));
  json after = *FindNote(ctx, id, false);
  Status audited = ctx.Audit("note.update", "note", id, {{"before", *before}, {"after", after}});
  if (!audited.ok()) return audited;
  return HttpResponse::Json(200, after);
}

StatusOr<HttpResponse> DeleteNote(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id").value_or("");
  auto before = FindNote(ctx, id, true);
  if (!before) return NotFoundError("No existe la nota.");
  Status fresh = ctx.CheckIfMatch(*before);
  if (!fresh.ok()) return fresh;
  ctx.Db().exec_params(
      "UPDATE example.notes SET deleted_at = now(), updated_at = clock_timestamp() "
      "WHERE tenant_id = $1 AND id = $2::uuid",
      ctx.tenant_id(), id);
  Status audited =
      ctx.Audit("note.delete", "note", id, {{"before", *before}, {"after", {{"deleted", true}}}});
  if (!audited.ok()) return audited;
  return HttpResponse::Empty(204);
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

Status Init(plugin::PluginRegistrar& registrar) {
  registrar.AddPermission(kWrite, "Crear y editar notas", {"editor", "admin"});
  for (const auto& [name, sql] : kEmbeddedMigrations) registrar.AddMigration(name, sql);
  registrar.AddRoute({plugin::HttpMethod::kGet, "/notes", "", &ListNotes});
  registrar.AddRoute({plugin::HttpMethod::kPost, "/notes", kWrite, &CreateNote});
  registrar.AddRoute({plugin::HttpMethod::kGet, "/notes/{id}", "", &GetNote});
  registrar.AddRoute({plugin::HttpMethod::kPatch, "/notes/{id}", kWrite, &UpdateNote});
  registrar.AddRoute({plugin::HttpMethod::kDelete, "/notes/{id}", kWrite, &DeleteNote});
  registrar.AddRoute({plugin::HttpMethod::kGet, "/export.csv", "", &ExportCsv});
  registrar.AddExport({"notas-csv", "/export.csv", "csv", "text/csv; charset=utf-8",
                       "Notas publicadas en CSV (UTF-8, RFC 4180)."});
  registrar.SetConfigSchema(
      {{"type", "object"},
       {"properties", {{"greeting", {{"type", "string"}, {"maxLength", 80}}}}},
       {"additionalProperties", false}});
  // Paths are relative to /v1/tenants/{tenant}/example; the host adds the
  // {tenant} parameter. Core components (Page, NotFound, ...) are referenced.
  registrar.SetOpenApi(json::parse(R"oa({
    "/notes": {
      "get": {
        "operationId": "exampleListNotes",
        "summary": "Listar notas",
        "description": "Anónimos ven solo las publicadas; con example.note.write, también borradores. Orden estable (updated_at, id).",
        "security": [],
        "parameters": [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"},
                       {"$ref": "#/components/parameters/updated_since"},
                       {"$ref": "#/components/parameters/include_descendants"}],
        "responses": {
          "200": {"description": "Una página de notas (con updated_since, también las borradas).",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotePage"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "503": {"$ref": "#/components/responses/ServiceUnavailable"}
        }
      },
      "post": {
        "operationId": "exampleCreateNote",
        "summary": "Crear una nota",
        "description": "Requiere el permiso example.note.write.",
        "security": [{"bearerAuth": []}],
        "parameters": [{"$ref": "#/components/parameters/Idempotency-Key"}],
        "requestBody": {"required": true, "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/NoteInput"}}}},
        "responses": {
          "201": {"description": "La nota creada.",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "422": {"$ref": "#/components/responses/ValidationFailed"},
          "503": {"$ref": "#/components/responses/ServiceUnavailable"}
        }
      }
    },
    "/export.csv": {
      "get": {
        "operationId": "exampleExportCsv",
        "summary": "Exportar notas publicadas (CSV)",
        "description": "UTF-8, RFC 4180, columnas id,titulo,texto,actualizado; celdas protegidas contra inyección de fórmulas.",
        "security": [],
        "responses": {
          "200": {"description": "El CSV.", "content": {"text/csv": {"schema": {"type": "string"}}}},
          "404": {"$ref": "#/components/responses/NotFound"},
          "503": {"$ref": "#/components/responses/ServiceUnavailable"}
        }
      }
    },
    "/notes/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "description": "Id (UUID) de la nota.",
                      "schema": {"type": "string", "format": "uuid"}}],
      "get": {
        "operationId": "exampleGetNote",
        "summary": "Obtener una nota",
        "security": [],
        "responses": {
          "200": {"description": "La nota.",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "503": {"$ref": "#/components/responses/ServiceUnavailable"}
        }
      },
      "patch": {
        "operationId": "exampleUpdateNote",
        "summary": "Editar una nota",
        "security": [{"bearerAuth": []}],
        "parameters": [{"$ref": "#/components/parameters/If-Match"}],
        "requestBody": {"required": true, "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/NotePatch"}}}},
        "responses": {
          "200": {"description": "La nota editada.",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "412": {"$ref": "#/components/responses/PreconditionFailed"},
          "422": {"$ref": "#/components/responses/ValidationFailed"},
          "503": {"$ref": "#/components/responses/ServiceUnavailable"}
        }
      },
      "delete": {
        "operationId": "exampleDeleteNote",
        "summary": "Borrar una nota (queda como marca de borrado para sincronizar)",
        "security": [{"bearerAuth": []}],
        "parameters": [{"$ref": "#/components/parameters/If-Match"}],
        "responses": {
          "204": {"description": "Borrada."},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "412": {"$ref": "#/components/responses/PreconditionFailed"},
          "503": {"$ref": "#/components/responses/ServiceUnavailable"}
        }
      }
    }
  })oa"),
                       json::parse(R"oa({
    "Note": {"type": "object", "required": ["id", "tenant", "updated_at"],
             "description": "Una nota; si deleted es true, solo id, tenant y updated_at.",
             "properties": {"id": {"type": "string", "format": "uuid"}, "title": {"type": "string"},
                            "body": {"type": "string"}, "published": {"type": "boolean"},
                            "tenant": {"type": "string"}, "updated_at": {"type": "string", "format": "date-time"},
                            "deleted": {"type": "boolean"}}},
    "NotePatch": {"type": "object",
                  "properties": {"title": {"type": "string", "minLength": 1, "maxLength": 200},
                                 "body": {"type": "string"}, "published": {"type": "boolean"}}},
    "NoteInput": {"type": "object", "required": ["title"],
                  "properties": {"title": {"type": "string", "minLength": 1, "maxLength": 200},
                                 "body": {"type": "string"}, "published": {"type": "boolean", "default": false}}},
    "NotePage": {"allOf": [{"$ref": "#/components/schemas/Page"},
                           {"type": "object", "required": ["greeting"],
                            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
                                           "greeting": {"type": "string", "description": "config.greeting del tenant."}}}]}
  })oa"));
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::example

CABILDO_PLUGIN("example", "1.0.0", "Notas de ejemplo para las pruebas del host", "0.1.0", "1.0.0",
               &cabildo::plugins::example::Init);
