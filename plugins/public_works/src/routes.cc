// The routes of public-works, each declared once: its parameters and body
// schemas (schemas/*.json) are checked by the host before the handler runs
// and make the module's part of the OpenAPI document. The handlers keep only
// what a schema cannot say (validation.cc) and the database's work (store.cc).
#include <optional>
#include <string>
#include <vector>

#include "cabildo_plugin_public_works_embedded.inc"
#include "public_works.h"

namespace cabildo::plugins::public_works {
namespace {

StatusOr<HttpResponse> ListProjects(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  ProjectFilter filter;
  if (!page.updated_since.empty()) filter.since = page.updated_since;
  filter.status = ctx.Query("status");
  filter.origin = ctx.Query("funding_origin");
  if (auto text = ctx.Query("q"); text && !text->empty()) {
    std::string escaped;
    for (char c : *text) {
      if (c == '%' || c == '_' || c == '\\') escaped.push_back('\\');
      escaped.push_back(c);
    }
    filter.q = "%" + escaped + "%";
  }
  // Column 0: hidden from this caller (listed as a tombstone).
  return plugin::PageOf(
      ctx, page, ListProjectRows(ctx, tenants, page.after, page.limit + 1, filter),
      [](const pqxx::row& row) { return ProjectJson(row, 1, row[0].as<bool>()); },
      [](const json& last) {
        return json{last["updated_at"], last["id"]};
      });
}

StatusOr<HttpResponse> GetProject(RequestContext& ctx) {
  auto project = FindProject(ctx, ctx.PathParam("id"), false, SeesDrafts(ctx));
  if (!project) return NotFoundError(kNotFound);
  return HttpResponse::Json(200, *project);
}

StatusOr<HttpResponse> CreateProject(RequestContext& ctx) {
  json project = ctx.Body();
  if (!project.contains("status")) project["status"] = "identification";
  if (auto errors = CheckProject(project); !errors.empty()) return ctx.FieldErrors(errors);
  const json created = InsertProject(ctx, project);
  CABILDO_RETURN_IF_ERROR(ctx.Audit("project.create", "project", created["id"].get<std::string>(),
                                    json::object(), created));
  return HttpResponse::Json(201, created);
}

// What a Change's write answers: nullopt to go on (re-read and audit), or a
// response to give instead (e.g. a 422).
using Written = StatusOr<std::optional<HttpResponse>>;

// A write to project `id` through ApplyChange: locked, If-Match checked when
// `if_match`, written by `write`, re-read and audited as before/after.
plugin::Change ProjectChange(RequestContext& ctx, const std::string& action,
                             std::function<Written(const json& before)> write) {
  const std::string id = ctx.PathParam("id");
  return {.action = action,
          .entity = "project",
          .id = id,
          .find = [&ctx, id](bool lock) { return FindProject(ctx, id, lock, /*drafts=*/true); },
          .write = std::move(write),
          .not_found = kNotFound};
}

// Only the fields sent change (read-only ones are ignored); the merged
// project must still keep the rules across fields.
StatusOr<HttpResponse> UpdateProject(RequestContext& ctx) {
  return plugin::ApplyChange(
      ctx, ProjectChange(ctx, "project.update", [&ctx](const json& before) -> Written {
        json merged = before;
        for (const auto& [key, value] : ctx.Body().items()) {
          if (IsWritable(key)) merged[key] = value;
        }
        if (auto errors = CheckProject(merged); !errors.empty()) {
          return Written(ctx.FieldErrors(errors));
        }
        UpdateProjectRow(ctx, ctx.PathParam("id"), merged);
        return Written(std::nullopt);
      }));
}

StatusOr<HttpResponse> DeleteProject(RequestContext& ctx) {
  plugin::Change change = ProjectChange(ctx, "project.delete", [&ctx](const json&) -> Written {
    SoftDeleteProject(ctx, ctx.PathParam("id"));
    return Written(std::nullopt);
  });
  change.deletes = true;
  return plugin::ApplyChange(ctx, change);
}

StatusOr<HttpResponse> SetPublished(RequestContext& ctx, bool published) {
  plugin::Change change = ProjectChange(ctx, published ? "project.publish" : "project.unpublish",
                                        [&ctx, published](const json&) -> Written {
                                          SetPublishedRow(ctx, ctx.PathParam("id"), published);
                                          return Written(std::nullopt);
                                        });
  change.check_if_match = false;
  return plugin::ApplyChange(ctx, change);
}
StatusOr<HttpResponse> Publish(RequestContext& ctx) { return SetPublished(ctx, true); }
StatusOr<HttpResponse> Unpublish(RequestContext& ctx) { return SetPublished(ctx, false); }

// The reports, oldest first, as a cursor list (api-core.md "Lists"): a page
// of `limit` at a time, keyed on (date, created_at, id).
StatusOr<HttpResponse> ListProgress(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  const std::string& id = ctx.PathParam("id");
  if (!FindProject(ctx, id, false, SeesDrafts(ctx))) return NotFoundError(kNotFound);
  std::optional<std::string> after_date, after_at, after_id;
  if (!page.after.is_null()) {
    const json& after = page.after;  // signed by the host: only this list's shape
    if (!after.is_array() || after.size() != 3 || !after[0].is_string() || !after[1].is_string() ||
        !after[2].is_string()) {
      return InvalidArgumentError("El cursor no es válido para esta lista; empiece sin cursor.");
    }
    after_date = after[0].get<std::string>();
    after_at = after[1].get<std::string>();
    after_id = after[2].get<std::string>();
  }
  return plugin::PageOf(
      ctx, page, ListReportRows(ctx, id, after_date, after_at, after_id, page.limit + 1),
      [](const pqxx::row& row) { return json::parse(row[0].as<std::string>()); },
      [](const json& last) {
        return json{last["date"], last["created_at"], last["id"]};
      });
}

// Reports are only added. The project's figures become the latest-dated
// report's; the audit records them before and after, with the report.
StatusOr<HttpResponse> AddProgress(RequestContext& ctx) {
  const json& body = ctx.Body();
  const std::string& id = ctx.PathParam("id");
  auto before = FindProject(ctx, id, true, true);
  if (!before) return NotFoundError(kNotFound);
  if (auto errors = CheckProgress(body, *before); !errors.empty()) return ctx.FieldErrors(errors);
  const json report = InsertReport(ctx, id, body);
  CABILDO_ASSIGN_OR_RETURN(const json after, Reread(ctx, id));
  auto figures = [](const json& p) {
    return json{{"physical_progress_pct", p["physical_progress_pct"]},
                {"financial_progress_pct", p["financial_progress_pct"]},
                {"spent_mxn", p["spent_mxn"]}};
  };
  CABILDO_RETURN_IF_ERROR(
      ctx.Audit("project.progress", "project", id,
                {{"before", figures(*before)}, {"after", figures(after)}, {"report", report}}));
  return HttpResponse::Json(201, report);
}

// Follow the money: published, non-deleted projects of the tenants read.
StatusOr<HttpResponse> Summary(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  return HttpResponse::Json(200, SummaryJson(ctx, tenants));
}

Status Init(plugin::PluginRegistrar& registrar) {
  registrar.AddPermission(kWrite, "Crear y editar obras públicas y sus avances",
                          {"editor", "admin"});
  registrar.AddPermission(kPublish, "Publicar y despublicar obras públicas", {"admin"});
  // api-modules.md: "auditor reads all" — drafts included, without writing.
  registrar.AddPermission(kReadDrafts, "Leer todas las obras públicas, borradores incluidos",
                          {"editor", "admin", "auditor"});
  RegisterEmbeddedFiles(registrar);  // migrations/*.sql and schemas/*.json

  using plugin::HttpMethod;
  const std::vector<plugin::PathParam> id = {
      {.name = "id", .description = "Id (UUID) de la obra."}};
  auto schema = [](const char* name) {
    return json{{"$ref", "#/components/schemas/" + std::string(name)}};
  };
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/projects",
       .operation_id = "publicWorksListProjects",
       .summary = "Listar obras públicas",
       .description =
           "Anónimos y quien no tiene public-works.project.read, .write ni .publish ven solo obras "
           "publicadas y no borradas. Orden estable (updated_at, id); con updated_since incluye "
           "marcas de borrado (deleted: true) de las obras borradas y, para quien no ve "
           "borradores, de las despublicadas.",
       .query = {{.name = "status",
                  .schema = schema("PublicWorksStatus"),
                  .description = "Estado OC4IDS (projectStatus)."},
                 {.name = "funding_origin",
                  .schema = schema("PublicWorksOrigin"),
                  .description = "Obras con financiamiento de este origen."},
                 {.name = "q",
                  .schema = {{"type", "string"}, {"maxLength", 200}},
                  .description = "Texto a buscar en el título (sin distinguir mayúsculas)."}},
       .paged = true,
       .descendants = true,
       .response_body = "PublicWorksProjectPage",
       .handler = &ListProjects});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/projects",
                      .permission = kWrite,
                      .operation_id = "publicWorksCreateProject",
                      .summary = "Registrar una obra (borrador)",
                      .description = "La obra se crea sin publicar.",
                      .request_body = "PublicWorksProjectInput",
                      .response_body = "PublicWorksProject",
                      .success_status = 201,
                      .handler = &CreateProject});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/projects/{id}",
                      .operation_id = "publicWorksGetProject",
                      .summary = "Obtener una obra",
                      .path_params = id,
                      .response_body = "PublicWorksProject",
                      .handler = &GetProject});
  registrar.AddRoute({.method = HttpMethod::kPatch,
                      .path = "/projects/{id}",
                      .permission = kWrite,
                      .operation_id = "publicWorksUpdateProject",
                      .summary = "Editar una obra",
                      .description = "Solo cambian los campos enviados; funding, si se envía, "
                                     "reemplaza la lista completa.",
                      .path_params = id,
                      .request_body = "PublicWorksProjectPatch",
                      .response_body = "PublicWorksProject",
                      .if_match = true,
                      .handler = &UpdateProject});
  registrar.AddRoute({.method = HttpMethod::kDelete,
                      .path = "/projects/{id}",
                      .permission = kWrite,
                      .operation_id = "publicWorksDeleteProject",
                      .summary = "Borrar una obra (queda como marca de borrado)",
                      .path_params = id,
                      .success_status = 204,
                      .if_match = true,
                      .handler = &DeleteProject});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/projects/{id}/publish",
                      .permission = kPublish,
                      .operation_id = "publicWorksPublishProject",
                      .summary = "Publicar una obra",
                      .path_params = id,
                      .response_body = "PublicWorksProject",
                      .handler = &Publish});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/projects/{id}/unpublish",
                      .permission = kPublish,
                      .operation_id = "publicWorksUnpublishProject",
                      .summary = "Retirar la publicación de una obra",
                      .path_params = id,
                      .response_body = "PublicWorksProject",
                      .handler = &Unpublish});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/projects/{id}/progress",
       .operation_id = "publicWorksListProgress",
       .summary = "Reportes de avance de una obra (del más antiguo al más reciente)",
       .description = "Lista paginada por cursor, como toda lista: hasta `limit` reportes por "
                      "página (máximo 100) y `next_cursor` para la siguiente, null en la última.",
       .path_params = id,
       .paged = true,
       .response_body = "PublicWorksProgressList",
       .handler = &ListProgress});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/projects/{id}/progress",
                      .permission = kWrite,
                      .operation_id = "publicWorksAddProgress",
                      .summary = "Agregar un reporte de avance",
                      .description = "Solo se agregan, nunca se editan. Los avances y el ejercido "
                                     "de la obra pasan a ser los del reporte más reciente (por "
                                     "fecha).",
                      .path_params = id,
                      .request_body = "PublicWorksProgressInput",
                      .response_body = "PublicWorksProgressReport",
                      .success_status = 201,
                      .handler = &AddProgress});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/summary",
                      .operation_id = "publicWorksSummary",
                      .summary = "Sigue el dinero: totales de obras publicadas",
                      .description =
                          "Totales exactos al centavo (calculados con numeric) por origen de "
                          "financiamiento, fondo, estado, contratista y ente. Una obra con varios "
                          "orígenes cuenta en cada uno; funded_mxn es lo aportado por ese origen o "
                          "fondo.",
                      .descendants = true,
                      .response_body = "PublicWorksSummary",
                      .handler = &Summary});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/export.csv",
       .operation_id = "publicWorksExportCsv",
       .summary = "Exportar obras publicadas (CSV)",
       .description =
           "UTF-8, RFC 4180, una fila por obra publicada, columnas en este orden: id, ente, "
           "clave_externa, titulo, estado, tipo, sector, presupuesto_mxn, financiamiento "
           "(origen:fondo:monto separados por '; '), procedimiento, contratista, rfc_contratista, "
           "monto_contratado_mxn, fecha_inicio, fecha_fin, avance_fisico_pct, "
           "avance_financiero_pct, ejercido_mxn, latitud, longitud, direccion, cvegeo, "
           "actualizado.",
       .descendants = true,
       .response_media_type = "text/csv; charset=utf-8",
       .handler = &ExportCsv});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/export.json",
       .operation_id = "publicWorksExportJson",
       .summary = "Exportar obras publicadas (JSON)",
       .description = "UTF-8, una lista JSON con cada obra publicada y no borrada, con los mismos "
                      "campos que los elementos del listado, en el mismo orden estable "
                      "(updated_at, id). Sin obras publicadas responde una lista vacía.",
       .descendants = true,
       .response_body = "PublicWorksProjectList",
       .handler = &ExportJson});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/oc4ids.json",
       .operation_id = "publicWorksExportOc4ids",
       .summary = "Paquete de proyectos OC4IDS 0.9",
       .description =
           "Obras publicadas como project package OC4IDS 0.9 (valida contra el esquema 0.9.5). Id "
           "de proyecto = <oc4ids_prefix>-<uuid>; el prefijo viene de la configuración del "
           "módulo (por omisión oc4ids-cabildo). Sin obras publicadas responde 404: OC4IDS exige "
           "al menos un proyecto.",
       .descendants = true,
       .handler = &ExportOc4ids});
  registrar.AddExport({"obras-csv", "/export.csv", "csv", "text/csv; charset=utf-8",
                       "Obras públicas publicadas en CSV (UTF-8, RFC 4180), una fila por obra."});
  registrar.AddExport({"obras-json", "/export.json", "json", "application/json",
                       "Obras públicas publicadas en JSON: una lista con los mismos campos que "
                       "el listado de obras."});
  registrar.AddExport({"obras-oc4ids", "/oc4ids.json", "oc4ids", "application/json",
                       "Paquete de proyectos OC4IDS 0.9 con las obras públicas publicadas."});
  // Other modules' links to a project (open-government's commitments).
  registrar.SetRecordDescriber(&DescribeProject);
  registrar.SetConfigSchema(
      {{"type", "object"},
       {"properties", {{"oc4ids_prefix", {{"type", "string"}, {"maxLength", 40}}}}},
       {"additionalProperties", false}});
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::public_works

CABILDO_PLUGIN("public-works", "1.0.0", "Obra pública con exportación OC4IDS", "0.1.0", "1.0.0",
               &cabildo::plugins::public_works::Init);
