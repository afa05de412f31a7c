// The public monitoring of the Local Action Plan: GET /dashboard, one answer
// per tenant read (with include_descendants on the state, the state and every
// municipality that enabled the module) and per plan: commitments by
// completion level, mean progress, overdue milestones, next due dates, the
// Secretariat's current roster and its last session. It reads the module's
// own tables (same module) in a fixed number of statements whatever the
// number of tenants, and computes progress with progress.h, as GET
// /commitments/{id} does, so both always agree.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cabildo/plugin/values.h"

#include "open_government.h"
#include "progress.h"

namespace cabildo::plugins::open_government {
namespace {

using json = nlohmann::json;
using ::cabildo::Access;
using plugin::HttpResponse;
using plugin::RequestContext;

// Lists in the answer are bounded: a plan with hundreds of overdue milestones
// still answers in one small document (the counts are exact).
constexpr size_t kMaxOverdueListed = 50;
constexpr size_t kNextDueListed = 5;

// Read-all permission of the Secretariat (auditor by default), as
// secretariat.cc declares it; kPlanRead is in open_government.h.
constexpr const char* kSecretariatRead = "open-government.secretariat.read";

json TextOrNull(const pqxx::field& field) {
  return field.is_null() ? json(nullptr) : json(field.as<std::string>());
}

double Round2(double value) { return std::round(value * 100.0) / 100.0; }

// The day "overdue" is computed against: today in Durango (Mexico's central
// time), from the database clock so every replica agrees.
std::string Today(RequestContext& ctx) {
  return plugin::Exec1(ctx, "open_government.dashboard_today",
                       "SELECT (now() AT TIME ZONE 'America/Mexico_City')::date::text")[0]
      .as<std::string>();
}

struct Milestone {
  std::string id, commitment_id, title, due, status;
  double weight = 1;
};

struct Commitment {
  std::string id, parent_id, number, title;
  std::optional<double> weight;
};

struct Plan {
  std::string tenant_id;
  json head;  // id, title, cycle, period_start, period_end, phase, published
  std::vector<Commitment> commitments;
  std::vector<Milestone> milestones;
};

json MilestoneJson(const Milestone& m, const std::map<std::string, const Commitment*>& by_id) {
  const Commitment* c = by_id.at(m.commitment_id);
  return {{"milestone_id", m.id},        {"title", m.title},       {"due", m.due},
          {"status", m.status},          {"commitment_id", c->id}, {"commitment_number", c->number},
          {"commitment_title", c->title}};
}

// One plan's figures: completion counts and mean progress of its top-level
// commitments (sub-commitments count through their parent, as the plan's
// own summary does), overdue milestones and the next ones due.
json PlanJson(const Plan& plan, const std::string& today, const CompletionThresholds& thresholds) {
  std::map<std::string, const Commitment*> by_id;
  for (const auto& c : plan.commitments) by_id[c.id] = &c;
  std::vector<CommitmentNode> nodes;
  nodes.reserve(plan.commitments.size());
  for (const auto& c : plan.commitments) {
    // A child whose parent is not shown (deleted) counts as top level.
    nodes.push_back({c.id, by_id.count(c.parent_id) ? c.parent_id : "", c.weight});
  }
  std::vector<MilestoneFacts> facts;
  facts.reserve(plan.milestones.size());
  for (const auto& m : plan.milestones) {
    if (by_id.count(m.commitment_id)) facts.push_back({m.commitment_id, m.weight, m.status});
  }
  const std::map<std::string, double> progress = RollUpProgress(nodes, facts);

  json by_completion = {{"not_started", 0}, {"limited", 0}, {"substantial", 0}, {"complete", 0}};
  double sum = 0;
  int top_level = 0;
  for (const auto& node : nodes) {
    if (!node.parent_id.empty()) continue;
    auto it = progress.find(node.id);
    const double pct = it == progress.end() ? 0.0 : it->second;
    json& count = by_completion[Completion(pct, thresholds)];
    count = count.get<int>() + 1;
    sum += pct;
    ++top_level;
  }

  // Milestones arrive ordered by (due, id), those without a due date last.
  json overdue = json::array();
  json next_due = json::array();
  size_t overdue_count = 0;
  for (const auto& m : plan.milestones) {
    if (!by_id.count(m.commitment_id)) continue;
    if (MilestoneOverdue(m.due, m.status, today)) {
      if (overdue.size() < kMaxOverdueListed) overdue.push_back(MilestoneJson(m, by_id));
      ++overdue_count;
    } else if (!m.due.empty() && m.due >= today && m.status != "met" &&
               next_due.size() < kNextDueListed) {
      next_due.push_back(MilestoneJson(m, by_id));
    }
  }

  json out = plan.head;
  out["commitments"] = plan.commitments.size();
  out["top_level_commitments"] = top_level;
  out["by_completion"] = std::move(by_completion);
  out["mean_progress_pct"] = top_level ? json(Round2(sum / top_level)) : json(nullptr);
  out["milestones"] = facts.size();
  out["overdue_milestones_count"] = overdue_count;
  out["overdue_milestones"] = std::move(overdue);
  out["next_due"] = std::move(next_due);
  return out;
}

StatusOr<HttpResponse> Dashboard(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  const std::string ids = plugin::PgArray(tenants);
  const bool plan_drafts =
      ctx.Authorize(kPlanRead) == Access::kAllowed || ctx.Authorize(kPlanWrite) == Access::kAllowed;
  const bool stl_drafts = ctx.Authorize(kSecretariatRead) == Access::kAllowed ||
                          ctx.Authorize(kSecretariatWrite) == Access::kAllowed;
  const std::optional<std::string> plan_filter = ctx.Query("plan");
  const std::string today = Today(ctx);
  const CompletionThresholds thresholds = ThresholdsFrom(ctx.config());

  // Plans (newest period first), their commitments and milestones: what this
  // caller may see, i.e. published plans for anonymous callers.
  static const std::string kVisiblePlans =
      "FROM open_government.plans p WHERE p.tenant_id = ANY ($1::uuid[]) "
      "AND p.deleted_at IS NULL AND (p.published OR $2) AND ($3::uuid IS NULL OR p.id = $3::uuid)";
  const std::optional<std::string>& plan_id = plan_filter;
  std::vector<Plan> plans;
  std::map<std::string, size_t> plan_index;
  for (const auto& row :
       plugin::Exec(ctx, "open_government.dashboard_plans",
                    "SELECT p.tenant_id::text, p.id::text, p.title, p.cycle, p.period_start::text, "
                    "p.period_end::text, p.phase, p.published " +
                        kVisiblePlans + " ORDER BY p.tenant_id, p.period_start DESC, p.id",
                    ids, plan_drafts, plan_id)) {
    Plan plan;
    plan.tenant_id = row[0].as<std::string>();
    plan.head = {{"id", row[1].as<std::string>()},   {"title", row[2].as<std::string>()},
                 {"cycle", TextOrNull(row[3])},      {"period_start", TextOrNull(row[4])},
                 {"period_end", TextOrNull(row[5])}, {"phase", row[6].as<std::string>()},
                 {"published", row[7].as<bool>()}};
    plan_index[row[1].as<std::string>()] = plans.size();
    plans.push_back(std::move(plan));
  }
  if (plan_filter && plans.empty()) return NotFoundError("No existe ese plan de acción.");

  for (const auto& row : plugin::Exec(
           ctx, "open_government.dashboard_commitments",
           "SELECT c.plan_id::text, c.id::text, coalesce(c.parent_id::text, ''), "
           "c.weight::float8, coalesce(c.number, ''), c.title FROM open_government.commitments c "
           "WHERE c.tenant_id = ANY ($1::uuid[]) AND c.deleted_at IS NULL "
           "AND c.plan_id IN (SELECT p.id " +
               kVisiblePlans + ") ORDER BY c.plan_id, c.number, c.id",
           ids, plan_drafts, plan_id)) {
    auto it = plan_index.find(row[0].as<std::string>());
    if (it == plan_index.end()) continue;
    Commitment c{row[1].as<std::string>(), row[2].as<std::string>(), row[4].as<std::string>(),
                 row[5].as<std::string>(), std::nullopt};
    if (!row[3].is_null()) c.weight = row[3].as<double>();
    plans[it->second].commitments.push_back(std::move(c));
  }

  for (const auto& row :
       plugin::Exec(ctx, "open_government.dashboard_milestones",
                    "SELECT c.plan_id::text, m.id::text, m.commitment_id::text, m.title, "
                    "coalesce(m.due::text, ''), "
                    "m.status, m.weight::float8 FROM open_government.milestones m "
                    "JOIN open_government.commitments c ON c.tenant_id = m.tenant_id "
                    "AND c.id = m.commitment_id AND c.deleted_at IS NULL "
                    "WHERE m.tenant_id = ANY ($1::uuid[]) AND m.deleted_at IS NULL "
                    "AND c.plan_id IN (SELECT p.id " +
                        kVisiblePlans + ") ORDER BY m.due NULLS LAST, m.id",
                    ids, plan_drafts, plan_id)) {
    auto it = plan_index.find(row[0].as<std::string>());
    if (it == plan_index.end()) continue;
    plans[it->second].milestones.push_back({row[1].as<std::string>(), row[2].as<std::string>(),
                                            row[3].as<std::string>(), row[4].as<std::string>(),
                                            row[5].as<std::string>(), row[6].as<double>()});
  }

  // The Secretariat of each tenant: members current today, in sector order,
  // and its last session with its agreements counted.
  std::map<std::string, json> rosters;
  for (const auto& row : plugin::Exec(
           ctx, "open_government.dashboard_roster",
           "SELECT m.tenant_id::text, m.id::text, m.name, m.sector, m.seat, m.institution, "
           "m.position, m.alternate_of::text, m.since::text FROM open_government.members m "
           "WHERE m.tenant_id = ANY ($1::uuid[]) AND m.deleted_at IS NULL "
           "AND (m.published OR $2) AND m.since <= $3::date "
           "AND (m.until IS NULL OR $3::date <= m.until) "
           "ORDER BY m.tenant_id, array_position(ARRAY['government', 'civil_society', "
           "'guarantor', 'facilitator'], m.sector), m.seat = 'alternate', m.name, m.id",
           ids, stl_drafts, today)) {
    rosters[row[0].as<std::string>()].push_back({{"id", row[1].as<std::string>()},
                                                 {"name", row[2].as<std::string>()},
                                                 {"sector", row[3].as<std::string>()},
                                                 {"seat", row[4].as<std::string>()},
                                                 {"institution", TextOrNull(row[5])},
                                                 {"position", TextOrNull(row[6])},
                                                 {"alternate_of", TextOrNull(row[7])},
                                                 {"since", row[8].as<std::string>()}});
  }
  std::map<std::string, json> sessions;
  for (const auto& row : plugin::Exec(
           ctx, "open_government.dashboard_last_session",
           "SELECT DISTINCT ON (s.tenant_id) s.tenant_id::text, s.id::text, s.held_on::text, "
           "s.kind, s.minutes_url, "
           "(SELECT count(*) FROM open_government.agreements a WHERE a.tenant_id = s.tenant_id "
           " AND a.session_id = s.id AND a.deleted_at IS NULL), "
           "(SELECT count(*) FROM open_government.agreements a WHERE a.tenant_id = s.tenant_id "
           " AND a.session_id = s.id AND a.deleted_at IS NULL AND NOT a.done "
           " AND a.due < $3::date) "
           "FROM open_government.sessions s WHERE s.tenant_id = ANY ($1::uuid[]) "
           "AND s.deleted_at IS NULL AND (s.published OR $2) "
           "ORDER BY s.tenant_id, s.held_on DESC, s.created_at DESC, s.id",
           ids, stl_drafts, today)) {
    sessions[row[0].as<std::string>()] = {
        {"id", row[1].as<std::string>()},     {"held_on", row[2].as<std::string>()},
        {"kind", row[3].as<std::string>()},   {"minutes_url", TextOrNull(row[4])},
        {"agreements", row[5].as<int64_t>()}, {"overdue_agreements", row[6].as<int64_t>()}};
  }

  // One entry per tenant read (state first, then municipalities by slug);
  // with `plan`, only the tenant that owns it.
  json out_tenants = json::array();
  for (const auto& row : plugin::Exec(
           ctx, "open_government.dashboard_tenants",
           "SELECT t.id::text, t.slug, t.name FROM core.tenants t WHERE t.id = ANY ($1::uuid[]) "
           "ORDER BY t.id <> $2::uuid, t.slug",
           ids, ctx.tenant_id())) {
    const std::string tenant_id = row[0].as<std::string>();
    json tenant_plans = json::array();
    for (const auto& plan : plans) {
      if (plan.tenant_id == tenant_id) tenant_plans.push_back(PlanJson(plan, today, thresholds));
    }
    if (plan_filter && tenant_plans.empty()) continue;
    auto roster = rosters.find(tenant_id);
    auto session = sessions.find(tenant_id);
    out_tenants.push_back(
        {{"tenant", row[1].as<std::string>()},
         {"name", row[2].as<std::string>()},
         {"roster", roster == rosters.end() ? json::array() : std::move(roster->second)},
         {"last_session", session == sessions.end() ? json(nullptr) : std::move(session->second)},
         {"plans", std::move(tenant_plans)}});
  }
  return HttpResponse::Json(200, {{"as_of", today}, {"tenants", std::move(out_tenants)}});
}

}  // namespace

void RegisterDashboard(plugin::PluginRegistrar& registrar) {
  registrar.AddRoute(
      {.method = plugin::HttpMethod::kGet,
       .path = "/dashboard",
       .operation_id = "openGovernmentDashboard",
       .summary = "Tablero de seguimiento del Plan de Acción Local",
       .description =
           "Por ente y por plan: compromisos por nivel de cumplimiento (no iniciado, limitado, "
           "sustancial, completo) y avance promedio de los compromisos de primer nivel, hitos "
           "vencidos y próximos vencimientos; del Secretariado Técnico Local, sus integrantes "
           "vigentes y su última sesión con sus acuerdos (y los vencidos). Con "
           "include_descendants=true en el estado, el estado y todos sus municipios en una sola "
           "respuesta. Anónimos ven solo planes, integrantes y sesiones publicados; quien puede "
           "editarlos ve también los borradores. Vencido = en la fecha as_of (hora del centro de "
           "México).",
       .query = {{.name = "plan",
                  .schema = {{"type", "string"}, {"format", "uuid"}},
                  .description = "Solo este plan (id UUID) y el ente al que pertenece."}},
       .descendants = true,
       .response_body = "OpenGovernmentDashboard",
       .handler = &Dashboard});
}

}  // namespace cabildo::plugins::open_government
