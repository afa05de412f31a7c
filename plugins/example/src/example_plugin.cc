// The example module: a `notes` collection per tenant. Small on purpose; it
// shows the shape every module follows: permissions with default grants,
// migrations, routes with their permission, configuration, audit.
#include <regex>
#include <utility>

#include "cabildo/plugin/plugin_api.h"

#include "cabildo_plugin_example_migrations.inc"

namespace cabildo::plugins::example {
namespace {

using nlohmann::json;
using plugin::HttpResponse;
using plugin::RequestContext;

constexpr const char* kWrite = "example.note.write";

bool IsUuid(const std::string& text) {
  static const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  return std::regex_match(text, kUuid);
}

json NoteJson(const pqxx::row& row) {
  return {{"id", row[0].as<std::string>()},
          {"title", row[1].as<std::string>()},
          {"body", row[2].as<std::string>()},
          {"published", row[3].as<bool>()}};
}

// Editors see drafts; everybody else only published notes.
bool SeesDrafts(RequestContext& ctx) { return ctx.Authorize(kWrite) == core::Access::kAllowed; }

StatusOr<HttpResponse> ListNotes(RequestContext& ctx) {
  json items = json::array();
  for (const auto& row : ctx.Db().exec_params(
           "SELECT id::text, title, body, published FROM example.notes "
           "WHERE tenant_id = $1 AND (published OR $2) ORDER BY created_at, id LIMIT 100",
           ctx.tenant_id(), SeesDrafts(ctx))) {
    items.push_back(NoteJson(row));
  }
  return HttpResponse::Json(200, {{"items", items},
                                  {"next_cursor", nullptr},
                                  {"greeting", ctx.config().value("greeting", "")}});
}

StatusOr<HttpResponse> GetNote(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id").value_or("");
  if (!IsUuid(id)) return NotFoundError("No existe la nota.");
  auto rows = ctx.Db().exec_params(
      "SELECT id::text, title, body, published FROM example.notes "
      "WHERE tenant_id = $1 AND id = $2::uuid AND (published OR $3)",
      ctx.tenant_id(), id, SeesDrafts(ctx));
  if (rows.empty()) return NotFoundError("No existe la nota.");
  return HttpResponse::Json(200, NoteJson(rows[0]));
}

StatusOr<HttpResponse> CreateNote(RequestContext& ctx) {
  auto body = ctx.JsonBody();
  if (!body.ok()) return body.status();
  std::vector<plugin::FieldError> errors;
  if (!body->contains("title") || !(*body)["title"].is_string() ||
      (*body)["title"].get<std::string>().empty() ||
      (*body)["title"].get<std::string>().size() > 200) {
    errors.push_back({"title", "Escriba un título de 1 a 200 caracteres."});
  }
  if (body->contains("body") && !(*body)["body"].is_string()) {
    errors.push_back({"body", "Debe ser texto."});
  }
  if (body->contains("published") && !(*body)["published"].is_boolean()) {
    errors.push_back({"published", "Debe ser verdadero o falso."});
  }
  if (!errors.empty()) return ctx.FieldErrors(errors);
  const std::string title = (*body)["title"];
  const std::string text = body->value("body", "");
  const bool published = body->value("published", false);
  auto row = ctx.Db().exec_params(
      "INSERT INTO example.notes (tenant_id, title, body, published) VALUES ($1, $2, $3, $4) "
      "RETURNING id::text, title, body, published",
      ctx.tenant_id(), title, text, published)[0];
  json note = NoteJson(row);
  Status audited =
      ctx.Audit("note.create", "note", note["id"], {{"before", json::object()}, {"after", note}});
  if (!audited.ok()) return audited;
  return HttpResponse::Json(201, note);
}

Status Init(plugin::PluginRegistrar& registrar) {
  registrar.AddPermission(kWrite, "Crear y editar notas", {"editor", "admin"});
  for (const auto& [name, sql] : kEmbeddedMigrations) registrar.AddMigration(name, sql);
  registrar.AddRoute({plugin::HttpMethod::kGet, "/notes", "", &ListNotes});
  registrar.AddRoute({plugin::HttpMethod::kPost, "/notes", kWrite, &CreateNote});
  registrar.AddRoute({plugin::HttpMethod::kGet, "/notes/{id}", "", &GetNote});
  registrar.SetConfigSchema(
      {{"type", "object"},
       {"properties", {{"greeting", {{"type", "string"}, {"maxLength", 80}}}}},
       {"additionalProperties", false}});
  // Paths are relative to /v1/tenants/{tenant}/example; the host adds the
  // {tenant} parameter. Core components (Page, NotFound, ...) are referenced.
  registrar.SetOpenApi(json::parse(R"({
    "/notes": {
      "get": {
        "operationId": "exampleListNotes",
        "summary": "Listar notas",
        "description": "Anónimos ven solo las publicadas; con example.note.write, también borradores.",
        "security": [],
        "responses": {
          "200": {"description": "Hasta 100 notas, de la más antigua a la más reciente.",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotePage"}}}},
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
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "422": {"$ref": "#/components/responses/ValidationFailed"},
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
      }
    }
  })"),
                       json::parse(R"({
    "Note": {"type": "object", "required": ["id", "title", "body", "published"],
             "properties": {"id": {"type": "string", "format": "uuid"}, "title": {"type": "string"},
                            "body": {"type": "string"}, "published": {"type": "boolean"}}},
    "NoteInput": {"type": "object", "required": ["title"],
                  "properties": {"title": {"type": "string", "minLength": 1, "maxLength": 200},
                                 "body": {"type": "string"}, "published": {"type": "boolean", "default": false}}},
    "NotePage": {"allOf": [{"$ref": "#/components/schemas/Page"},
                           {"type": "object", "required": ["greeting"],
                            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
                                           "greeting": {"type": "string", "description": "config.greeting del tenant."}}}]}
  })"));
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::example

CABILDO_PLUGIN("example", "1.0.0", "Notas de ejemplo para las pruebas del host", "0.1.0", "1.0.0",
               &cabildo::plugins::example::Init);
