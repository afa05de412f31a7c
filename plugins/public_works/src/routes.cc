#include <optional>
#include <string>
#include <vector>

#include "cabildo_plugin_public_works_migrations.inc"
#include "public_works.h"

namespace cabildo::plugins::public_works {
namespace {

// The audit's before/after of an object: only the top-level fields that
// differ, so a title change reads as one (core::AuditDiff is host-only).
json Diff(const json& before, const json& after) {
  json diff = {{"before", json::object()}, {"after", json::object()}};
  for (const auto& [key, value] : before.items()) {
    if (!after.contains(key) || after.at(key) != value) diff["before"][key] = value;
  }
  for (const auto& [key, value] : after.items()) {
    if (!before.contains(key) || before.at(key) != value) diff["after"][key] = value;
  }
  return diff;
}

StatusOr<HttpResponse> ListProjects(RequestContext& ctx) {
  auto page = ctx.ReadPage();
  if (!page.ok()) return page.status();
  auto tenants = ctx.ReadTenants();
  if (!tenants.ok()) return tenants.status();
  ProjectFilter filter;
  if (!page->updated_since.empty()) filter.since = page->updated_since;
  filter.status = ctx.Query("status");
  if (filter.status && !IsListedStatus(*filter.status)) {
    return InvalidArgumentError("status desconocido: " + *filter.status);
  }
  filter.origin = ctx.Query("funding_origin");
  if (filter.origin && !IsListedOrigin(*filter.origin)) {
    return InvalidArgumentError("funding_origin desconocido: " + *filter.origin);
  }
  if (auto text = ctx.Query("q"); text && !text->empty()) {
    std::string escaped;
    for (char c : *text) {
      if (c == '%' || c == '_' || c == '\\') escaped.push_back('\\');
      escaped.push_back(c);
    }
    filter.q = "%" + escaped + "%";
  }
  auto rows = ListProjectRows(ctx, *tenants, page->after, page->limit + 1, filter);
  json items = json::array();
  json next = nullptr;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page->limit) {
      next = ctx.Cursor({items.back()["updated_at"], items.back()["id"]});
      break;
    }
    items.push_back(ProjectJson(row, 1, row[0].as<bool>()));
  }
  return HttpResponse::Json(200, {{"items", items}, {"next_cursor", next}});
}

StatusOr<HttpResponse> GetProject(RequestContext& ctx) {
  auto project = FindProject(ctx, ctx.PathParam("id").value_or(""), false, SeesDrafts(ctx));
  if (!project) return NotFoundError(kNotFound);
  return HttpResponse::Json(200, *project);
}

StatusOr<HttpResponse> CreateProject(RequestContext& ctx) {
  auto body = ctx.JsonBody();
  if (!body.ok()) return body.status();
  json project = *body;
  if (!project.contains("status")) project["status"] = "identification";
  if (auto errors = CheckProject(project, *body); !errors.empty()) {
    return ctx.FieldErrors(errors);
  }
  const json created = InsertProject(ctx, project);
  Status audited = ctx.Audit("project.create", "project", created["id"].get<std::string>(),
                             {{"before", json::object()}, {"after", created}});
  if (!audited.ok()) return audited;
  return HttpResponse::Json(201, created);
}

StatusOr<HttpResponse> UpdateProject(RequestContext& ctx) {
  auto body = ctx.JsonBody();
  if (!body.ok()) return body.status();
  const std::string id = ctx.PathParam("id").value_or("");
  auto before = FindProject(ctx, id, true, true);
  if (!before) return NotFoundError(kNotFound);
  Status fresh = ctx.CheckIfMatch(*before);
  if (!fresh.ok()) return fresh;
  json merged = *before;
  for (const auto& [key, value] : body->items()) {
    if (IsWritable(key)) merged[key] = value;
  }
  if (auto errors = CheckProject(merged, *body); !errors.empty()) {
    return ctx.FieldErrors(errors);
  }
  UpdateProjectRow(ctx, id, merged);
  auto reread = Reread(ctx, id);
  if (!reread.ok()) return reread.status();
  const json& after = *reread;
  Status audited = ctx.Audit("project.update", "project", id, Diff(*before, after));
  if (!audited.ok()) return audited;
  return HttpResponse::Json(200, after);
}

StatusOr<HttpResponse> DeleteProject(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id").value_or("");
  auto before = FindProject(ctx, id, true, true);
  if (!before) return NotFoundError(kNotFound);
  Status fresh = ctx.CheckIfMatch(*before);
  if (!fresh.ok()) return fresh;
  SoftDeleteProject(ctx, id);
  Status audited = ctx.Audit("project.delete", "project", id,
                             {{"before", *before}, {"after", {{"deleted", true}}}});
  if (!audited.ok()) return audited;
  return HttpResponse::Empty(204);
}

StatusOr<HttpResponse> SetPublished(RequestContext& ctx, bool published) {
  const std::string id = ctx.PathParam("id").value_or("");
  auto before = FindProject(ctx, id, true, true);
  if (!before) return NotFoundError(kNotFound);
  SetPublishedRow(ctx, id, published);
  auto reread = Reread(ctx, id);
  if (!reread.ok()) return reread.status();
  const json& after = *reread;
  Status audited = ctx.Audit(
      published ? "project.publish" : "project.unpublish", "project", id,
      {{"before", {{"published", (*before)["published"]}}}, {"after", {{"published", published}}}});
  if (!audited.ok()) return audited;
  return HttpResponse::Json(200, after);
}
StatusOr<HttpResponse> Publish(RequestContext& ctx) { return SetPublished(ctx, true); }
StatusOr<HttpResponse> Unpublish(RequestContext& ctx) { return SetPublished(ctx, false); }

// The reports, oldest first, as a cursor list (api-core.md "Lists"): a page
// of `limit` at a time, keyed on (date, created_at, id).
StatusOr<HttpResponse> ListProgress(RequestContext& ctx) {
  auto page = ctx.ReadPage();
  if (!page.ok()) return page.status();
  const std::string id = ctx.PathParam("id").value_or("");
  if (!FindProject(ctx, id, false, SeesDrafts(ctx))) return NotFoundError(kNotFound);
  std::optional<std::string> after_date, after_at, after_id;
  if (!page->after.is_null()) {
    const json& after = page->after;  // signed by the host: only this list's shape
    if (!after.is_array() || after.size() != 3 || !after[0].is_string() || !after[1].is_string() ||
        !after[2].is_string()) {
      return InvalidArgumentError("El cursor no es válido para esta lista; empiece sin cursor.");
    }
    after_date = after[0].get<std::string>();
    after_at = after[1].get<std::string>();
    after_id = after[2].get<std::string>();
  }
  auto rows = ListReportRows(ctx, id, after_date, after_at, after_id, page->limit + 1);
  json items = json::array();
  json next = nullptr;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page->limit) {
      const json& last = items.back();
      next = ctx.Cursor({last["date"], last["created_at"], last["id"]});
      break;
    }
    items.push_back(json::parse(row[0].as<std::string>()));
  }
  return HttpResponse::Json(200, {{"items", items}, {"next_cursor", next}});
}

StatusOr<HttpResponse> AddProgress(RequestContext& ctx) {
  auto body = ctx.JsonBody();
  if (!body.ok()) return body.status();
  const std::string id = ctx.PathParam("id").value_or("");
  auto before = FindProject(ctx, id, true, true);
  if (!before) return NotFoundError(kNotFound);
  std::vector<std::string> urls;
  if (auto errors = CheckProgress(*body, *before, urls); !errors.empty()) {
    return ctx.FieldErrors(errors);
  }
  const json report = InsertReport(ctx, id, *body, urls);
  auto reread = Reread(ctx, id);
  if (!reread.ok()) return reread.status();
  const json& after = *reread;
  auto figures = [](const json& p) {
    return json{{"physical_progress_pct", p["physical_progress_pct"]},
                {"financial_progress_pct", p["financial_progress_pct"]},
                {"spent_mxn", p["spent_mxn"]}};
  };
  Status audited =
      ctx.Audit("project.progress", "project", id,
                {{"before", figures(*before)}, {"after", figures(after)}, {"report", report}});
  if (!audited.ok()) return audited;
  return HttpResponse::Json(201, report);
}

// Follow the money: published, non-deleted projects of the tenants read.
StatusOr<HttpResponse> Summary(RequestContext& ctx) {
  auto tenants = ctx.ReadTenants();
  if (!tenants.ok()) return tenants.status();
  return HttpResponse::Json(200, SummaryJson(ctx, *tenants));
}

#include "openapi.inc"

Status Init(plugin::PluginRegistrar& registrar) {
  registrar.AddPermission(kWrite, "Crear y editar obras públicas y sus avances",
                          {"editor", "admin"});
  registrar.AddPermission(kPublish, "Publicar y despublicar obras públicas", {"admin"});
  // api-modules.md: "auditor reads all" — drafts included, without writing.
  registrar.AddPermission(kReadDrafts, "Leer todas las obras públicas, borradores incluidos",
                          {"editor", "admin", "auditor"});
  for (const auto& [name, sql] : kEmbeddedMigrations) registrar.AddMigration(name, sql);
  using plugin::HttpMethod;
  registrar.AddRoute({HttpMethod::kGet, "/projects", "", &ListProjects});
  registrar.AddRoute({HttpMethod::kPost, "/projects", kWrite, &CreateProject});
  registrar.AddRoute({HttpMethod::kGet, "/projects/{id}", "", &GetProject});
  registrar.AddRoute({HttpMethod::kPatch, "/projects/{id}", kWrite, &UpdateProject});
  registrar.AddRoute({HttpMethod::kDelete, "/projects/{id}", kWrite, &DeleteProject});
  registrar.AddRoute({HttpMethod::kPost, "/projects/{id}/publish", kPublish, &Publish});
  registrar.AddRoute({HttpMethod::kPost, "/projects/{id}/unpublish", kPublish, &Unpublish});
  registrar.AddRoute({HttpMethod::kGet, "/projects/{id}/progress", "", &ListProgress});
  registrar.AddRoute({HttpMethod::kPost, "/projects/{id}/progress", kWrite, &AddProgress});
  registrar.AddRoute({HttpMethod::kGet, "/summary", "", &Summary});
  registrar.AddRoute({HttpMethod::kGet, "/export.csv", "", &ExportCsv});
  registrar.AddRoute({HttpMethod::kGet, "/export.json", "", &ExportJson});
  registrar.AddRoute({HttpMethod::kGet, "/oc4ids.json", "", &ExportOc4ids});
  registrar.AddExport({"obras-csv", "/export.csv", "csv", "text/csv; charset=utf-8",
                       "Obras públicas publicadas en CSV (UTF-8, RFC 4180), una fila por obra."});
  registrar.AddExport({"obras-json", "/export.json", "json", "application/json",
                       "Obras públicas publicadas en JSON: una lista con los mismos campos que "
                       "el listado de obras."});
  registrar.AddExport({"obras-oc4ids", "/oc4ids.json", "oc4ids", "application/json",
                       "Paquete de proyectos OC4IDS 0.9 con las obras públicas publicadas."});
  registrar.SetConfigSchema(
      {{"type", "object"},
       {"properties", {{"oc4ids_prefix", {{"type", "string"}, {"maxLength", 40}}}}},
       {"additionalProperties", false}});
  registrar.SetOpenApi(json::parse(kOpenApiPaths), json::parse(kOpenApiSchemas));
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::public_works

CABILDO_PLUGIN("public-works", "1.0.0", "Obra pública con exportación OC4IDS", "0.1.0", "1.0.0",
               &cabildo::plugins::public_works::Init);
