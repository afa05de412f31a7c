// The Local Action Plan: plans (OGP/INAI phases), commitments nested by
// parent_id with progress computed on read (progress.h), milestones with
// weight, status and evidence, a dated public history of every change to a
// commitment and its milestones, and open-data exports (plans_exports.cc).
// Routes are declared once here; the schemas (schemas/OpenGovernment{Plan,
// Commitment,Milestone,History,Export}*.json) are checked by the host before a
// handler runs, so handlers keep only the rules across fields and rows.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plans_internal.h"

namespace cabildo::plugins::open_government {
namespace plans {
namespace {

using Written = StatusOr<std::optional<HttpResponse>>;

// Fields of GET that are never part of a commitment's history or audit diff.
const std::vector<std::string> kNotHistory = {
    "id",       "tenant",     "plan_id", "created_at", "updated_at", "published",    "progress_pct",
    "children", "completion", "overdue", "milestones", "history",    "commitment_id"};

json Merged(const json& before, const json& body, const std::set<std::string>& writable) {
  json merged = before;
  for (const auto& [key, value] : body.items()) {
    if (writable.count(key)) merged[key] = value;
  }
  return merged;
}

// Dates are YYYY-MM-DD (the schema checked them), so their text orders as they do.
bool OutOfOrder(const json& body, const char* first, const char* last) {
  return body.contains(first) && body.contains(last) && body[first].is_string() &&
         body[last].is_string() && body[last].get<std::string>() < body[first].get<std::string>();
}

// A page from already-built items (PageJson's shape, for items that needed a
// Status-returning step).
HttpResponse PageFrom(RequestContext& ctx, const RequestContext::Page& page, json items,
                      const std::function<json(const json&)>& key) {
  json next = nullptr;
  if (static_cast<int>(items.size()) > page.limit) {
    items.erase(items.begin() + page.limit, items.end());
    next = ctx.Cursor(key(items.back()));
  }
  return HttpResponse::Json(200, {{"items", std::move(items)}, {"next_cursor", std::move(next)}});
}

json UpdatedAtKey(const json& last) { return json{last["updated_at"], last["id"]}; }

// --- plans --------------------------------------------------------------------

const std::set<std::string> kPlanWritable = {
    "title", "description", "cycle", "period_start", "period_end", "phase", "published"};

std::vector<FieldError> CheckPlan(const json& body) {
  if (OutOfOrder(body, "period_start", "period_end")) {
    return {{"period_end", "La fecha de fin del periodo es anterior a la de inicio."}};
  }
  return {};
}

StatusOr<HttpResponse> ListPlans(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  return plugin::PageOf(
      ctx, page, ListPlanRows(ctx, tenants, page.after, page.limit + 1, page.updated_since),
      [](const pqxx::row& row) { return PlanJson(row, 1, row[0].as<bool>()); }, &UpdatedAtKey);
}

StatusOr<HttpResponse> GetPlan(RequestContext& ctx) {
  auto plan = FindPlan(ctx, ctx.PathParam("id"), false, SeesDrafts(ctx));
  if (!plan) return NotFoundError(kPlanNotFound);
  return HttpResponse::Json(200, *plan);
}

StatusOr<HttpResponse> CreatePlan(RequestContext& ctx) {
  const json& body = ctx.Body();
  if (auto errors = CheckPlan(body); !errors.empty()) return ctx.FieldErrors(errors);
  const std::string id = InsertPlan(ctx, body);
  auto plan = FindPlan(ctx, id, false, true);
  if (!plan) return InternalError("El plan recién creado no se pudo volver a leer.");
  CABILDO_RETURN_IF_ERROR(ctx.Audit("plan.create", "plan", id, json::object(), *plan));
  return HttpResponse::Json(201, *plan);
}

StatusOr<HttpResponse> UpdatePlan(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  return plugin::ApplyChange(
      ctx, {.action = "plan.update",
            .entity = "plan",
            .id = id,
            .find = [&ctx, id](bool lock) { return FindPlan(ctx, id, lock, true); },
            .write = [&ctx, id](const json& before) -> Written {
              const json merged = Merged(before, ctx.Body(), kPlanWritable);
              if (auto errors = CheckPlan(merged); !errors.empty()) {
                return Written(ctx.FieldErrors(errors));
              }
              UpdatePlanRow(ctx, id, merged);
              return Written(std::nullopt);
            },
            .not_found = kPlanNotFound});
}

// --- commitments --------------------------------------------------------------

const std::set<std::string> kCommitmentWritable = {
    "number", "title",          "problem", "baseline", "objective", "ogp_values", "theme",
    "lead",   "co_responsible", "start",   "end",      "parent_id", "weight",     "linked_module"};

std::string ParentOf(const json& body) {
  auto parent = body.find("parent_id");
  return parent != body.end() && parent->is_string() ? parent->get<std::string>() : "";
}

// The rules of a complete commitment `body` (after a PATCH is merged) as
// commitment `id` ("" when new) of `tree`.
std::vector<FieldError> CheckCommitment(const json& body, const PlanTree& tree,
                                        const std::string& id) {
  std::vector<FieldError> errors;
  if (OutOfOrder(body, "start", "end")) {
    errors.push_back({"end", "La fecha de fin es anterior a la de inicio."});
  }
  for (auto& error : CheckNesting(tree, id, ParentOf(body))) errors.push_back(std::move(error));
  return errors;
}

StatusOr<HttpResponse> ListCommitments(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  const std::string plan_id = ctx.PathParam("id");
  if (!FindPlan(ctx, plan_id, false, SeesDrafts(ctx))) return NotFoundError(kPlanNotFound);
  const PlanTree tree = LoadTree(ctx, plan_id);
  json items = json::array();
  for (const auto& row :
       ListCommitmentRows(ctx, plan_id, page.after, page.limit + 1, page.updated_since)) {
    CABILDO_ASSIGN_OR_RETURN(json item, Decorate(ctx, CommitmentRowJson(row), tree, false));
    items.push_back(std::move(item));
  }
  return PageFrom(ctx, page, std::move(items), &UpdatedAtKey);
}

StatusOr<HttpResponse> GetCommitment(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(auto commitment,
                           FindCommitment(ctx, ctx.PathParam("id"), false, SeesDrafts(ctx)));
  if (!commitment) return NotFoundError(kCommitmentNotFound);
  return HttpResponse::Json(200, *commitment);
}

StatusOr<HttpResponse> CreateCommitment(RequestContext& ctx) {
  const json& body = ctx.Body();
  const std::string plan_id = ctx.PathParam("id");
  // Locked: changes to one plan's tree happen one at a time.
  if (!FindPlan(ctx, plan_id, /*lock=*/true, true)) return NotFoundError(kPlanNotFound);
  if (CountCommitments(ctx, plan_id) >= kMaxCommitmentsPerPlan) {
    return ctx.FieldErrors({{"", "El plan ya tiene el máximo de " +
                                     std::to_string(kMaxCommitmentsPerPlan) + " compromisos."}});
  }
  const PlanTree tree = LoadTree(ctx, plan_id);
  if (auto errors = CheckCommitment(body, tree, ""); !errors.empty()) {
    return ctx.FieldErrors(errors);
  }
  const std::string id = InsertCommitment(ctx, plan_id, body);
  auto row = FindCommitmentRow(ctx, id, false, true);
  if (!row) return InternalError("El compromiso recién creado no se pudo volver a leer.");
  AddHistory(ctx, id, std::nullopt, "commitment.created",
             FieldChanges(json::object(), *row, kNotHistory));
  CABILDO_RETURN_IF_ERROR(ctx.Audit("commitment.create", "commitment", id, json::object(), *row));
  CABILDO_ASSIGN_OR_RETURN(auto created, FindCommitment(ctx, id, false, true));
  if (!created) return InternalError("El compromiso recién creado no se pudo volver a leer.");
  return HttpResponse::Json(201, *created);
}

// ApplyChange's sequence (lock -> If-Match -> write -> re-read -> audit) by
// hand: the If-Match is checked against the commitment as GET returns it
// (with progress, milestones and history), but the audit diff and the public
// history record only its own fields, never the computed ones.
StatusOr<HttpResponse> UpdateCommitment(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  std::optional<json> before = FindCommitmentRow(ctx, id, /*lock=*/true, true);
  if (!before) return NotFoundError(kCommitmentNotFound);
  const PlanTree tree = LoadTree(ctx, (*before)["plan_id"].get<std::string>());
  CABILDO_ASSIGN_OR_RETURN(const json shown, Decorate(ctx, *before, tree, /*full=*/true));
  CABILDO_RETURN_IF_ERROR(ctx.CheckIfMatch(shown));
  const json merged = Merged(*before, ctx.Body(), kCommitmentWritable);
  if (auto errors = CheckCommitment(merged, tree, id); !errors.empty()) {
    return ctx.FieldErrors(errors);
  }
  UpdateCommitmentRow(ctx, id, merged);
  std::optional<json> after = FindCommitmentRow(ctx, id, false, true);
  if (!after) return NotFoundError(kCommitmentNotFound);
  if (json changes = FieldChanges(*before, *after, kNotHistory); !changes.empty()) {
    AddHistory(ctx, id, std::nullopt, "commitment.updated", changes);
    // A new weight or parent changes the progress of the old and new ancestors.
    if (changes.contains("weight") || changes.contains("parent_id")) {
      for (const json* parent : {&(*before)["parent_id"], &(*after)["parent_id"]}) {
        if (parent->is_string()) TouchAncestors(ctx, parent->get<std::string>());
      }
    }
  }
  CABILDO_RETURN_IF_ERROR(ctx.Audit("commitment.update", "commitment", id, *before, *after));
  CABILDO_ASSIGN_OR_RETURN(auto updated, FindCommitment(ctx, id, false, true));
  if (!updated) return NotFoundError(kCommitmentNotFound);
  return HttpResponse::Json(200, *updated);
}

StatusOr<HttpResponse> CommitmentHistory(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  const std::string id = ctx.PathParam("id");
  if (!FindCommitmentRow(ctx, id, false, SeesDrafts(ctx))) {
    return NotFoundError(kCommitmentNotFound);
  }
  return plugin::PageOf(ctx, page, ListHistoryRows(ctx, id, page.after, page.limit + 1),
                        &HistoryJson, [](const json& last) {
                          return json{last["at"], last["id"]};
                        });
}

// --- milestones ---------------------------------------------------------------

const std::set<std::string> kMilestoneWritable = {"title",  "deliverable", "due",
                                                  "weight", "status",      "evidence"};

StatusOr<HttpResponse> ListMilestones(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  const std::string id = ctx.PathParam("id");
  if (!FindCommitmentRow(ctx, id, false, SeesDrafts(ctx))) {
    return NotFoundError(kCommitmentNotFound);
  }
  const std::string today = Today(ctx);
  return plugin::PageOf(
      ctx, page, ListMilestoneRows(ctx, id, page.after, page.limit + 1, page.updated_since),
      [&today](const pqxx::row& row) { return MilestoneJson(row, today); }, &UpdatedAtKey);
}

StatusOr<HttpResponse> GetMilestone(RequestContext& ctx) {
  auto milestone = FindMilestone(ctx, ctx.PathParam("id"), false, SeesDrafts(ctx));
  if (!milestone) return NotFoundError(kMilestoneNotFound);
  return HttpResponse::Json(200, *milestone);
}

StatusOr<HttpResponse> CreateMilestone(RequestContext& ctx) {
  const std::string commitment_id = ctx.PathParam("id");
  if (!FindCommitmentRow(ctx, commitment_id, /*lock=*/true, true)) {
    return NotFoundError(kCommitmentNotFound);
  }
  if (CountMilestones(ctx, commitment_id) >= kMaxMilestonesPerCommitment) {
    return ctx.FieldErrors({{"", "El compromiso ya tiene el máximo de " +
                                     std::to_string(kMaxMilestonesPerCommitment) + " hitos."}});
  }
  const std::string id = InsertMilestone(ctx, commitment_id, ctx.Body());
  TouchAncestors(ctx, commitment_id);
  auto milestone = FindMilestone(ctx, id, false, true);
  if (!milestone) return InternalError("El hito recién creado no se pudo volver a leer.");
  AddHistory(ctx, commitment_id, id, "milestone.created",
             FieldChanges(json::object(), *milestone, kNotHistory));
  CABILDO_RETURN_IF_ERROR(
      ctx.Audit("milestone.create", "milestone", id, json::object(), *milestone));
  return HttpResponse::Json(201, *milestone);
}

StatusOr<HttpResponse> UpdateMilestone(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  return plugin::ApplyChange(
      ctx, {.action = "milestone.update",
            .entity = "milestone",
            .id = id,
            .find = [&ctx, id](bool lock) { return FindMilestone(ctx, id, lock, true); },
            .write = [&ctx, id](const json& before) -> Written {
              const json merged = Merged(before, ctx.Body(), kMilestoneWritable);
              UpdateMilestoneRow(ctx, id, merged);
              // The history says what was stored (a null evidence is stored as []).
              const std::optional<json> after = FindMilestone(ctx, id, false, true);
              if (!after) return NotFoundError(kMilestoneNotFound);
              if (json changes = FieldChanges(before, *after, kNotHistory); !changes.empty()) {
                AddHistory(ctx, before["commitment_id"].get<std::string>(), id, "milestone.updated",
                           changes);
                TouchAncestors(ctx, before["commitment_id"].get<std::string>());
              }
              return Written(std::nullopt);
            },
            .not_found = kMilestoneNotFound});
}

}  // namespace
}  // namespace plans

void RegisterPlans(plugin::PluginRegistrar& registrar) {
  using namespace plans;  // NOLINT(google-build-using-namespace): this part's handlers
  using plugin::HttpMethod;
  // api-modules.md: "auditor reads all" — drafts included, without writing.
  registrar.AddPermission(kPlanRead,
                          "Leer todos los planes de acción, compromisos e hitos, borradores "
                          "incluidos",
                          {"editor", "admin", "auditor"});
  registrar.SetConfigSchema(
      {{"type", "object"},
       {"properties",
        {{"completion",
          {{"type", "object"},
           {"description",
            "Umbrales del nivel de cumplimiento de un compromiso: limited por debajo de "
            "limited_below (50 por omisión), substantial por debajo de substantial_below (100 por "
            "omisión), complete desde ahí; not_started es 0 %."},
           {"properties",
            {{"limited_below", {{"type", "number"}, {"minimum", 0}, {"maximum", 100}}},
             {"substantial_below", {{"type", "number"}, {"minimum", 0}, {"maximum", 100}}}}},
           {"additionalProperties", false}}}}},
       {"additionalProperties", false}});

  const std::vector<plugin::PathParam> plan_id = {
      {.name = "id", .description = "Id (UUID) del plan de acción."}};
  const std::vector<plugin::PathParam> commitment_id = {
      {.name = "id", .description = "Id (UUID) del compromiso."}};
  const std::vector<plugin::PathParam> milestone_id = {
      {.name = "id", .description = "Id (UUID) del hito."}};
  const std::string drafts =
      " Anónimos y quien no tiene open-government.plan.read ni .write ven solo planes "
      "publicados (y sus compromisos e hitos).";

  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/plans",
                      .operation_id = "openGovernmentListPlans",
                      .summary = "Listar planes de acción local",
                      .description = "Orden estable (updated_at, id); con updated_since incluye "
                                     "marcas de borrado de los planes despublicados para quien no "
                                     "ve borradores." +
                                     drafts,
                      .paged = true,
                      .descendants = true,
                      .response_body = "OpenGovernmentPlanPage",
                      .handler = &ListPlans});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/plans",
                      .permission = kPlanWrite,
                      .operation_id = "openGovernmentCreatePlan",
                      .summary = "Registrar un plan de acción local",
                      .request_body = "OpenGovernmentPlanInput",
                      .response_body = "OpenGovernmentPlan",
                      .success_status = 201,
                      .handler = &CreatePlan});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/plans/{id}",
                      .operation_id = "openGovernmentGetPlan",
                      .summary = "Obtener un plan de acción local",
                      .description = drafts.substr(1),
                      .path_params = plan_id,
                      .response_body = "OpenGovernmentPlan",
                      .handler = &GetPlan});
  registrar.AddRoute({.method = HttpMethod::kPatch,
                      .path = "/plans/{id}",
                      .permission = kPlanWrite,
                      .operation_id = "openGovernmentUpdatePlan",
                      .summary = "Editar un plan (fase, periodo, publicación)",
                      .description = "Solo cambian los campos enviados. published: true lo "
                                     "publica con sus compromisos e hitos.",
                      .path_params = plan_id,
                      .request_body = "OpenGovernmentPlanPatch",
                      .response_body = "OpenGovernmentPlan",
                      .if_match = true,
                      .handler = &UpdatePlan});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/plans/{id}/commitments",
                      .operation_id = "openGovernmentListCommitments",
                      .summary = "Listar los compromisos de un plan",
                      .description = "Cada compromiso con su avance calculado, nivel de "
                                     "cumplimiento, ids de sus hijos y el vínculo resuelto; orden "
                                     "estable (updated_at, id)." +
                                     drafts,
                      .path_params = plan_id,
                      .paged = true,
                      .response_body = "OpenGovernmentCommitmentPage",
                      .handler = &ListCommitments});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/plans/{id}/commitments",
                      .permission = kPlanWrite,
                      .operation_id = "openGovernmentCreateCommitment",
                      .summary = "Registrar un compromiso del plan",
                      .description = "parent_id, si se envía, es un compromiso del mismo plan "
                                     "(hasta 5 niveles). Hasta 300 compromisos por plan.",
                      .path_params = plan_id,
                      .request_body = "OpenGovernmentCommitmentInput",
                      .response_body = "OpenGovernmentCommitment",
                      .success_status = 201,
                      .handler = &CreateCommitment});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/commitments/{id}",
                      .operation_id = "openGovernmentGetCommitment",
                      .summary = "Obtener un compromiso con su avance, hitos e historial",
                      .description = "progress_pct calculado al leer (hitos ponderados; un padre "
                                     "por sus hijos con la regla de Decidim), completion según los "
                                     "umbrales de la configuración del módulo, linked_module "
                                     "resuelto por el anfitrión." +
                                     drafts,
                      .path_params = commitment_id,
                      .response_body = "OpenGovernmentCommitment",
                      .handler = &GetCommitment});
  registrar.AddRoute({.method = HttpMethod::kPatch,
                      .path = "/commitments/{id}",
                      .permission = kPlanWrite,
                      .operation_id = "openGovernmentUpdateCommitment",
                      .summary = "Editar un compromiso",
                      .description = "Solo cambian los campos enviados; cada cambio queda en el "
                                     "historial público del compromiso.",
                      .path_params = commitment_id,
                      .request_body = "OpenGovernmentCommitmentPatch",
                      .response_body = "OpenGovernmentCommitment",
                      .if_match = true,
                      .handler = &UpdateCommitment});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/commitments/{id}/history",
                      .operation_id = "openGovernmentCommitmentHistory",
                      .summary = "Historial público de un compromiso y sus hitos",
                      .description = "Del cambio más reciente al más antiguo: cuándo, quién "
                                     "(nombre público o rol, nunca un correo) y qué cambió." +
                                     drafts,
                      .path_params = commitment_id,
                      .paged = true,
                      .response_body = "OpenGovernmentHistoryPage",
                      .handler = &CommitmentHistory});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/commitments/{id}/milestones",
                      .operation_id = "openGovernmentListMilestones",
                      .summary = "Listar los hitos de un compromiso",
                      .description = "Orden estable (updated_at, id)." + drafts,
                      .path_params = commitment_id,
                      .paged = true,
                      .response_body = "OpenGovernmentMilestonePage",
                      .handler = &ListMilestones});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/commitments/{id}/milestones",
                      .permission = kPlanWrite,
                      .operation_id = "openGovernmentCreateMilestone",
                      .summary = "Registrar un hito del compromiso",
                      .description = "Hasta 50 hitos por compromiso.",
                      .path_params = commitment_id,
                      .request_body = "OpenGovernmentMilestoneInput",
                      .response_body = "OpenGovernmentMilestone",
                      .success_status = 201,
                      .handler = &CreateMilestone});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/milestones/{id}",
                      .operation_id = "openGovernmentGetMilestone",
                      .summary = "Obtener un hito",
                      .description = drafts.substr(1),
                      .path_params = milestone_id,
                      .response_body = "OpenGovernmentMilestone",
                      .handler = &GetMilestone});
  registrar.AddRoute({.method = HttpMethod::kPatch,
                      .path = "/milestones/{id}",
                      .permission = kPlanWrite,
                      .operation_id = "openGovernmentUpdateMilestone",
                      .summary = "Editar un hito (estado, evidencias, fecha, peso)",
                      .description = "Solo cambian los campos enviados; evidence, si se envía, "
                                     "reemplaza la lista completa. Cada cambio queda en el "
                                     "historial público del compromiso.",
                      .path_params = milestone_id,
                      .request_body = "OpenGovernmentMilestonePatch",
                      .response_body = "OpenGovernmentMilestone",
                      .if_match = true,
                      .handler = &UpdateMilestone});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/plans/{id}/results.csv",
       .operation_id = "openGovernmentPlanResultsCsv",
       .summary = "Compromisos e hitos del plan (CSV, forma de resultados de Decidim)",
       .description = "UTF-8, RFC 4180, columnas en este orden: id, parent_id, title, description, "
                      "start_date, end_date, status, progress, url, type, reference, weight. Una "
                      "fila por compromiso (status: nivel de cumplimiento; progress: avance) y por "
                      "hito (parent_id: su compromiso; end_date: fecha comprometida; status: su "
                      "estado; progress: 100, 50 o 0), en orden de árbol." +
                      drafts,
       .path_params = plan_id,
       .response_media_type = "text/csv; charset=utf-8",
       .handler = &ExportResultsCsv});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/plans/{id}/results.json",
       .operation_id = "openGovernmentPlanResultsJson",
       .summary = "Compromisos e hitos del plan (JSON, forma de resultados de "
                  "Decidim)",
       .description = "Las mismas filas y campos que results.csv, como lista JSON." + drafts,
       .path_params = plan_id,
       .response_body = "OpenGovernmentExportResultList",
       .handler = &ExportResultsJson});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/plans/{id}/document.json",
                      .operation_id = "openGovernmentPlanDocument",
                      .summary = "El plan completo en un documento JSON",
                      .description = "El plan, sus compromisos en árbol con avance, nivel de "
                                     "cumplimiento e hitos." +
                                     drafts,
                      .path_params = plan_id,
                      .response_body = "OpenGovernmentExportDocument",
                      .handler = &ExportDocument});
  registrar.AddExport({"plan-resultados-csv", "/plans/{id}/results.csv", "csv",
                       "text/csv; charset=utf-8",
                       "Compromisos e hitos de un plan de acción local en CSV, en la forma de la "
                       "exportación de resultados de Decidim (rendición de cuentas)."});
  registrar.AddExport({"plan-resultados-json", "/plans/{id}/results.json", "json",
                       "application/json",
                       "Compromisos e hitos de un plan de acción local en JSON, en la forma de la "
                       "exportación de resultados de Decidim."});
  registrar.AddExport({"plan-documento", "/plans/{id}/document.json", "json", "application/json",
                       "Un plan de acción local completo en un documento JSON: plan, compromisos "
                       "en árbol con su avance e hitos."});
}

}  // namespace cabildo::plugins::open_government
