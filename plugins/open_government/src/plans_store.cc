// Every SQL statement of the plans part. PostgreSQL builds each item's JSON;
// the handlers add what is computed (progress, completion, links).
#include <optional>
#include <string>
#include <vector>

#include "plans_internal.h"

namespace cabildo::plugins::open_government::plans {
namespace {

constexpr const char* kTimestamp = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'";

std::string Ts(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', " + kTimestamp + ")";
}

std::optional<std::string> OptString(const json& body, const char* key) {
  auto found = body.find(key);
  if (found == body.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

// A number of the body as exact text for a numeric parameter ("0.25").
std::optional<std::string> OptNumber(const json& body, const char* key) {
  auto found = body.find(key);
  if (found == body.end() || !found->is_number()) return std::nullopt;
  return found->dump();
}

std::string TextArray(const json& body, const char* key) {
  std::vector<std::string> values;
  auto found = body.find(key);
  if (found != body.end() && found->is_array()) {
    for (const auto& value : *found) {
      if (value.is_string()) values.push_back(value.get<std::string>());
    }
  }
  return plugin::PgTextArray(values);
}

// The JSON stored as text for a jsonb parameter; `[]` when absent or null.
std::string JsonArrayText(const json& body, const char* key) {
  auto found = body.find(key);
  if (found == body.end() || !found->is_array()) return "[]";
  return found->dump(-1, ' ', false, json::error_handler_t::replace);
}

const std::string kPlanColumns =
    "p.deleted_at IS NOT NULL, jsonb_build_object('id', p.id, 'tenant', t.slug, 'title', "
    "p.title, 'description', p.description, 'cycle', p.cycle, 'period_start', "
    "p.period_start::text, 'period_end', p.period_end::text, 'phase', p.phase, 'published', "
    "p.published, 'created_at', " +
    Ts("p.created_at") + ", 'updated_at', " + Ts("p.updated_at") +
    ")::text FROM open_government.plans p JOIN core.tenants t ON t.id = p.tenant_id ";

// Columns: deleted, json. c: the commitment, p: its plan.
const std::string kCommitmentColumns =
    "c.deleted_at IS NOT NULL OR p.deleted_at IS NOT NULL, jsonb_build_object("
    "'id', c.id, 'tenant', t.slug, 'plan_id', c.plan_id, 'parent_id', c.parent_id, "
    "'number', c.number, 'title', c.title, 'problem', c.problem, 'baseline', c.baseline, "
    "'objective', c.objective, 'ogp_values', to_jsonb(c.ogp_values), 'theme', c.theme, "
    "'lead', jsonb_build_object('institution', c.lead_institution, 'contact', c.lead_contact), "
    "'co_responsible', to_jsonb(c.co_responsible), 'start', c.start_date::text, "
    "'end', c.end_date::text, 'weight', c.weight, "
    "'linked_module', CASE WHEN c.linked_module IS NULL THEN NULL ELSE "
    "jsonb_build_object('module', c.linked_module, 'ref', c.linked_ref) END, "
    "'published', p.published, 'created_at', " +
    Ts("c.created_at") + ", 'updated_at', " + Ts("c.updated_at") +
    ")::text FROM open_government.commitments c "
    "JOIN open_government.plans p ON p.tenant_id = c.tenant_id AND p.id = c.plan_id "
    "JOIN core.tenants t ON t.id = c.tenant_id ";

// Columns: deleted, json. m: the milestone, c: its commitment, p: the plan.
const std::string kMilestoneColumns =
    "m.deleted_at IS NOT NULL OR c.deleted_at IS NOT NULL OR p.deleted_at IS NOT NULL, "
    "jsonb_build_object('id', m.id, 'tenant', t.slug, 'commitment_id', m.commitment_id, "
    "'title', m.title, 'deliverable', m.deliverable, 'due', m.due::text, 'weight', m.weight, "
    "'status', m.status, 'evidence', m.evidence, 'created_at', " +
    Ts("m.created_at") + ", 'updated_at', " + Ts("m.updated_at") +
    ")::text FROM open_government.milestones m "
    "JOIN open_government.commitments c ON c.tenant_id = m.tenant_id AND c.id = m.commitment_id "
    "JOIN open_government.plans p ON p.tenant_id = c.tenant_id AND p.id = c.plan_id "
    "JOIN core.tenants t ON t.id = m.tenant_id ";

json Tombstone(const json& item) {
  return {{"id", item["id"]},
          {"tenant", item["tenant"]},
          {"updated_at", item["updated_at"]},
          {"deleted", true}};
}

// The keyset [updated_at, id] of a signed cursor, or nulls.
std::pair<std::optional<std::string>, std::optional<std::string>> AfterKey(const json& after) {
  if (after.is_array() && after.size() == 2 && after[0].is_string() && after[1].is_string()) {
    return {after[0].get<std::string>(), after[1].get<std::string>()};
  }
  return {std::nullopt, std::nullopt};
}

std::optional<std::string> Since(const std::string& since) {
  if (since.empty()) return std::nullopt;
  return since;
}

}  // namespace

bool SeesDrafts(RequestContext& ctx) {
  return ctx.Authorize(kPlanWrite) == Access::kAllowed ||
         ctx.Authorize(kPlanRead) == Access::kAllowed;
}

std::string Today(RequestContext& ctx) {
  return plugin::Exec1(ctx, "open_government.plans_today",
                       "SELECT (now() AT TIME ZONE 'America/Mexico_City')::date::text")[0]
      .as<std::string>();
}

std::string PublicActor(RequestContext& ctx) {
  const std::string& name = ctx.principal().name;
  if (name.empty() || name.find('@') != std::string::npos || name.size() > 200) {
    return "Personal del ente";
  }
  return name;
}

// --- plans --------------------------------------------------------------------

json PlanJson(const pqxx::row& row, int at, bool gone) {
  json plan = json::parse(row[at + 1].as<std::string>());
  if (gone || row[at].as<bool>()) return Tombstone(plan);
  return plan;
}

std::optional<json> FindPlan(RequestContext& ctx, const std::string& id, bool lock, bool drafts) {
  if (!plugin::IsLowerUuid(id)) return std::nullopt;
  auto rows =
      plugin::Exec(ctx, lock ? "open_government.find_plan_for_update" : "open_government.find_plan",
                   "SELECT " + kPlanColumns +
                       "WHERE p.tenant_id = $1 AND p.id = $2::uuid AND p.deleted_at IS NULL "
                       "AND (p.published OR $3)" +
                       (lock ? " FOR UPDATE OF p" : ""),
                   ctx.tenant_id(), id, drafts);
  if (rows.empty()) return std::nullopt;
  return PlanJson(rows[0]);
}

pqxx::result ListPlanRows(RequestContext& ctx, const std::vector<std::string>& tenants,
                          const json& after, int limit, const std::string& since) {
  auto [after_at, after_id] = AfterKey(after);
  // Column 0: hidden from this caller (unpublished): with updated_since, a
  // plan once published is listed as a tombstone so offline copies drop it.
  return plugin::Exec(
      ctx, "open_government.list_plans",
      "SELECT NOT (p.published OR $2), " + kPlanColumns +
          "WHERE p.tenant_id = ANY ($1::uuid[]) "
          "AND (p.published OR $2 OR "
          "     ($3::timestamptz IS NOT NULL AND p.unpublished_at IS NOT NULL)) "
          "AND ($3::timestamptz IS NULL OR p.updated_at > $3::timestamptz) "
          "AND ($3::timestamptz IS NOT NULL OR p.deleted_at IS NULL) "
          "AND ($4::timestamptz IS NULL OR (p.updated_at, p.id) > ($4::timestamptz, $5::uuid)) "
          "ORDER BY p.updated_at, p.id LIMIT $6",
      plugin::PgArray(tenants), SeesDrafts(ctx), Since(since), after_at, after_id, limit);
}

std::string InsertPlan(RequestContext& ctx, const json& body) {
  return plugin::Exec1(ctx, "open_government.insert_plan",
                       "INSERT INTO open_government.plans (tenant_id, title, description, cycle, "
                       "period_start, period_end, phase, published, updated_at) "
                       "VALUES ($1, $2, $3, $4, $5::date, $6::date, $7, $8, clock_timestamp()) "
                       "RETURNING id::text",
                       ctx.tenant_id(), body["title"].get<std::string>(),
                       OptString(body, "description"), OptString(body, "cycle"),
                       body["period_start"].get<std::string>(),
                       body["period_end"].get<std::string>(), body.value("phase", "awareness"),
                       body.value("published", false))[0]
      .as<std::string>();
}

void UpdatePlanRow(RequestContext& ctx, const std::string& id, const json& body) {
  plugin::Exec(ctx, "open_government.update_plan",
               "UPDATE open_government.plans SET title = $3, description = $4, cycle = $5, "
               "period_start = $6::date, period_end = $7::date, phase = $8, published = $9, "
               "unpublished_at = CASE WHEN $9 THEN NULL WHEN published THEN clock_timestamp() "
               "ELSE unpublished_at END, updated_at = clock_timestamp() "
               "WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id, body["title"].get<std::string>(),
               OptString(body, "description"), OptString(body, "cycle"),
               body["period_start"].get<std::string>(), body["period_end"].get<std::string>(),
               body["phase"].get<std::string>(), body["published"].get<bool>());
}

// --- commitments --------------------------------------------------------------

json CommitmentRowJson(const pqxx::row& row, int at) {
  json commitment = json::parse(row[at + 1].as<std::string>());
  if (row[at].as<bool>()) return Tombstone(commitment);
  return commitment;
}

std::optional<json> FindCommitmentRow(RequestContext& ctx, const std::string& id, bool lock,
                                      bool drafts) {
  if (!plugin::IsLowerUuid(id)) return std::nullopt;
  auto rows = plugin::Exec(
      ctx, lock ? "open_government.find_commitment_for_update" : "open_government.find_commitment",
      "SELECT " + kCommitmentColumns +
          "WHERE c.tenant_id = $1 AND c.id = $2::uuid AND c.deleted_at IS NULL "
          "AND p.deleted_at IS NULL AND (p.published OR $3)" +
          (lock ? " FOR UPDATE OF c, p" : ""),
      ctx.tenant_id(), id, drafts);
  if (rows.empty()) return std::nullopt;
  return CommitmentRowJson(rows[0]);
}

pqxx::result ListCommitmentRows(RequestContext& ctx, const std::string& plan_id, const json& after,
                                int limit, const std::string& since) {
  auto [after_at, after_id] = AfterKey(after);
  return plugin::Exec(
      ctx, "open_government.list_commitments",
      "SELECT " + kCommitmentColumns +
          "WHERE c.tenant_id = $1 AND c.plan_id = $2::uuid "
          "AND ($3::timestamptz IS NULL OR c.updated_at > $3::timestamptz) "
          "AND ($3::timestamptz IS NOT NULL OR c.deleted_at IS NULL) "
          "AND ($4::timestamptz IS NULL OR (c.updated_at, c.id) > ($4::timestamptz, $5::uuid)) "
          "ORDER BY c.updated_at, c.id LIMIT $6",
      ctx.tenant_id(), plan_id, Since(since), after_at, after_id, limit);
}

namespace {

struct CommitmentColumns {
  std::optional<std::string> parent_id, number, problem, baseline, objective, theme,
      lead_institution, lead_contact, start, end, weight, linked_module, linked_ref;
  std::string title, ogp_values, co_responsible;
};

CommitmentColumns CommitmentColumnsOf(const json& body) {
  CommitmentColumns c;
  c.parent_id = OptString(body, "parent_id");
  c.number = OptString(body, "number");
  c.title = body["title"].get<std::string>();
  c.problem = OptString(body, "problem");
  c.baseline = OptString(body, "baseline");
  c.objective = OptString(body, "objective");
  c.ogp_values = TextArray(body, "ogp_values");
  c.theme = OptString(body, "theme");
  if (body.contains("lead") && body["lead"].is_object()) {
    c.lead_institution = OptString(body["lead"], "institution");
    c.lead_contact = OptString(body["lead"], "contact");
  }
  c.co_responsible = TextArray(body, "co_responsible");
  c.start = OptString(body, "start");
  c.end = OptString(body, "end");
  c.weight = OptNumber(body, "weight");
  if (body.contains("linked_module") && body["linked_module"].is_object()) {
    c.linked_module = OptString(body["linked_module"], "module");
    c.linked_ref = OptString(body["linked_module"], "ref");
  }
  return c;
}

}  // namespace

std::string InsertCommitment(RequestContext& ctx, const std::string& plan_id, const json& body) {
  const CommitmentColumns c = CommitmentColumnsOf(body);
  return plugin::Exec1(
             ctx, "open_government.insert_commitment",
             "INSERT INTO open_government.commitments (tenant_id, plan_id, parent_id, number, "
             "title, problem, baseline, objective, ogp_values, theme, lead_institution, "
             "lead_contact, co_responsible, start_date, end_date, weight, linked_module, "
             "linked_ref, updated_at) VALUES ($1, $2::uuid, $3::uuid, $4, $5, $6, $7, $8, "
             "$9::text[], $10, $11, $12, $13::text[], $14::date, $15::date, $16::numeric, $17, "
             "$18, clock_timestamp()) RETURNING id::text",
             ctx.tenant_id(), plan_id, c.parent_id, c.number, c.title, c.problem, c.baseline,
             c.objective, c.ogp_values, c.theme, c.lead_institution, c.lead_contact,
             c.co_responsible, c.start, c.end, c.weight, c.linked_module, c.linked_ref)[0]
      .as<std::string>();
}

void UpdateCommitmentRow(RequestContext& ctx, const std::string& id, const json& body) {
  const CommitmentColumns c = CommitmentColumnsOf(body);
  plugin::Exec(ctx, "open_government.update_commitment",
               "UPDATE open_government.commitments SET parent_id = $3::uuid, number = $4, "
               "title = $5, problem = $6, baseline = $7, objective = $8, ogp_values = $9::text[], "
               "theme = $10, lead_institution = $11, lead_contact = $12, "
               "co_responsible = $13::text[], start_date = $14::date, end_date = $15::date, "
               "weight = $16::numeric, linked_module = $17, linked_ref = $18, "
               "updated_at = clock_timestamp() WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id, c.parent_id, c.number, c.title, c.problem, c.baseline,
               c.objective, c.ogp_values, c.theme, c.lead_institution, c.lead_contact,
               c.co_responsible, c.start, c.end, c.weight, c.linked_module, c.linked_ref);
}

int CountCommitments(RequestContext& ctx, const std::string& plan_id) {
  return plugin::Exec1(ctx, "open_government.count_commitments",
                       "SELECT count(*) FROM open_government.commitments "
                       "WHERE tenant_id = $1 AND plan_id = $2::uuid AND deleted_at IS NULL",
                       ctx.tenant_id(), plan_id)[0]
      .as<int>();
}

void TouchAncestors(RequestContext& ctx, const std::string& id) {
  // The write path keeps trees within kMaxDepth levels and without cycles;
  // the depth bound here only guarantees the walk ends whatever is stored.
  plugin::Exec(ctx, "open_government.touch_ancestors",
               "WITH RECURSIVE up (id, parent_id, depth) AS ("
               "  SELECT c.id, c.parent_id, 1 FROM open_government.commitments c "
               "  WHERE c.tenant_id = $1 AND c.id = $2::uuid "
               "  UNION ALL SELECT c.id, c.parent_id, up.depth + 1 "
               "  FROM open_government.commitments c JOIN up ON c.id = up.parent_id "
               "  WHERE c.tenant_id = $1 AND up.depth < $3) "
               "UPDATE open_government.commitments SET updated_at = clock_timestamp() "
               "WHERE tenant_id = $1 AND id IN (SELECT id FROM up)",
               ctx.tenant_id(), id, kMaxDepth + 1);
}

std::map<std::string, json> CommitmentsOfPlan(RequestContext& ctx, const std::string& plan_id) {
  std::map<std::string, json> commitments;
  for (const auto& row : plugin::Exec(ctx, "open_government.commitments_of_plan",
                                      "SELECT " + kCommitmentColumns +
                                          "WHERE c.tenant_id = $1 AND c.plan_id = $2::uuid "
                                          "AND c.deleted_at IS NULL",
                                      ctx.tenant_id(), plan_id)) {
    json commitment = CommitmentRowJson(row);
    const std::string id = commitment["id"].get<std::string>();
    commitments.emplace(id, std::move(commitment));
  }
  return commitments;
}

// --- milestones ---------------------------------------------------------------

json MilestoneJson(const pqxx::row& row, const std::string& today, int at) {
  json milestone = json::parse(row[at + 1].as<std::string>());
  if (row[at].as<bool>()) return Tombstone(milestone);
  milestone["overdue"] = MilestoneOverdue(milestone["due"].is_string() ? milestone["due"] : "",
                                          milestone["status"].get<std::string>(), today);
  return milestone;
}

std::optional<json> FindMilestone(RequestContext& ctx, const std::string& id, bool lock,
                                  bool drafts) {
  if (!plugin::IsLowerUuid(id)) return std::nullopt;
  auto rows = plugin::Exec(
      ctx, lock ? "open_government.find_milestone_for_update" : "open_government.find_milestone",
      "SELECT " + kMilestoneColumns +
          "WHERE m.tenant_id = $1 AND m.id = $2::uuid AND m.deleted_at IS NULL "
          "AND c.deleted_at IS NULL AND p.deleted_at IS NULL AND (p.published OR $3)" +
          (lock ? " FOR UPDATE OF m, p" : ""),
      ctx.tenant_id(), id, drafts);
  if (rows.empty()) return std::nullopt;
  return MilestoneJson(rows[0], Today(ctx));
}

std::vector<json> MilestonesOf(RequestContext& ctx, const std::string& commitment_id) {
  const std::string today = Today(ctx);
  std::vector<json> milestones;
  for (const auto& row :
       plugin::Exec(ctx, "open_government.milestones_of",
                    "SELECT " + kMilestoneColumns +
                        "WHERE m.tenant_id = $1 AND m.commitment_id = $2::uuid "
                        "AND m.deleted_at IS NULL ORDER BY m.due NULLS LAST, m.created_at, m.id",
                    ctx.tenant_id(), commitment_id)) {
    milestones.push_back(MilestoneJson(row, today));
  }
  return milestones;
}

std::map<std::string, std::vector<json>> MilestonesOfPlan(RequestContext& ctx,
                                                          const std::string& plan_id) {
  const std::string today = Today(ctx);
  std::map<std::string, std::vector<json>> milestones;
  for (const auto& row :
       plugin::Exec(ctx, "open_government.milestones_of_plan",
                    "SELECT " + kMilestoneColumns +
                        "WHERE m.tenant_id = $1 AND c.plan_id = $2::uuid AND m.deleted_at IS NULL "
                        "AND c.deleted_at IS NULL ORDER BY m.due NULLS LAST, m.created_at, m.id",
                    ctx.tenant_id(), plan_id)) {
    json milestone = MilestoneJson(row, today);
    const std::string commitment = milestone["commitment_id"].get<std::string>();
    milestones[commitment].push_back(std::move(milestone));
  }
  return milestones;
}

pqxx::result ListMilestoneRows(RequestContext& ctx, const std::string& commitment_id,
                               const json& after, int limit, const std::string& since) {
  auto [after_at, after_id] = AfterKey(after);
  return plugin::Exec(
      ctx, "open_government.list_milestones",
      "SELECT " + kMilestoneColumns +
          "WHERE m.tenant_id = $1 AND m.commitment_id = $2::uuid "
          "AND ($3::timestamptz IS NULL OR m.updated_at > $3::timestamptz) "
          "AND ($3::timestamptz IS NOT NULL OR m.deleted_at IS NULL) "
          "AND ($4::timestamptz IS NULL OR (m.updated_at, m.id) > ($4::timestamptz, $5::uuid)) "
          "ORDER BY m.updated_at, m.id LIMIT $6",
      ctx.tenant_id(), commitment_id, Since(since), after_at, after_id, limit);
}

std::string InsertMilestone(RequestContext& ctx, const std::string& commitment_id,
                            const json& body) {
  return plugin::Exec1(ctx, "open_government.insert_milestone",
                       "INSERT INTO open_government.milestones (tenant_id, commitment_id, title, "
                       "deliverable, due, weight, status, evidence, updated_at) "
                       "VALUES ($1, $2::uuid, $3, $4, $5::date, coalesce($6::numeric, 1), $7, "
                       "$8::jsonb, clock_timestamp()) RETURNING id::text",
                       ctx.tenant_id(), commitment_id, body["title"].get<std::string>(),
                       OptString(body, "deliverable"), OptString(body, "due"),
                       OptNumber(body, "weight"), body.value("status", "scheduled"),
                       JsonArrayText(body, "evidence"))[0]
      .as<std::string>();
}

void UpdateMilestoneRow(RequestContext& ctx, const std::string& id, const json& body) {
  plugin::Exec(ctx, "open_government.update_milestone",
               "UPDATE open_government.milestones SET title = $3, deliverable = $4, "
               "due = $5::date, weight = $6::numeric, status = $7, evidence = $8::jsonb, "
               "updated_at = clock_timestamp() WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id, body["title"].get<std::string>(),
               OptString(body, "deliverable"), OptString(body, "due"),
               OptNumber(body, "weight").value_or("1"), body["status"].get<std::string>(),
               JsonArrayText(body, "evidence"));
}

int CountMilestones(RequestContext& ctx, const std::string& commitment_id) {
  return plugin::Exec1(ctx, "open_government.count_milestones",
                       "SELECT count(*) FROM open_government.milestones "
                       "WHERE tenant_id = $1 AND commitment_id = $2::uuid AND deleted_at IS NULL",
                       ctx.tenant_id(), commitment_id)[0]
      .as<int>();
}

// --- history ------------------------------------------------------------------

void AddHistory(RequestContext& ctx, const std::string& commitment_id,
                const std::optional<std::string>& milestone_id, const std::string& action,
                const json& changes) {
  plugin::Exec(ctx, "open_government.add_history",
               "INSERT INTO open_government.commitment_history (tenant_id, commitment_id, "
               "milestone_id, actor, action, changes) VALUES ($1, $2::uuid, $3::uuid, $4, $5, "
               "$6::jsonb)",
               ctx.tenant_id(), commitment_id, milestone_id, PublicActor(ctx), action,
               changes.dump(-1, ' ', false, json::error_handler_t::replace));
}

pqxx::result ListHistoryRows(RequestContext& ctx, const std::string& commitment_id,
                             const json& after, int limit) {
  auto [after_at, after_id] = AfterKey(after);
  return plugin::Exec(
      ctx, "open_government.list_history",
      "SELECT jsonb_build_object('id', h.id, 'at', " + Ts("h.at") +
          ", 'actor', h.actor, 'action', h.action, 'milestone_id', h.milestone_id, "
          "'changes', h.changes)::text FROM open_government.commitment_history h "
          "WHERE h.tenant_id = $1 AND h.commitment_id = $2::uuid "
          "AND ($3::timestamptz IS NULL OR (h.at, h.id) < ($3::timestamptz, $4::uuid)) "
          "ORDER BY h.at DESC, h.id DESC LIMIT $5",
      ctx.tenant_id(), commitment_id, after_at, after_id, limit);
}

json HistoryJson(const pqxx::row& row) { return json::parse(row[0].as<std::string>()); }

json FieldChanges(const json& before, const json& after, const std::vector<std::string>& ignored) {
  json changes = json::object();
  auto skip = [&](const std::string& key) {
    for (const auto& name : ignored) {
      if (name == key) return true;
    }
    return false;
  };
  auto value_of = [](const json& object, const std::string& key) {
    auto found = object.is_object() ? object.find(key) : object.end();
    return object.is_object() && found != object.end() ? *found : json(nullptr);
  };
  for (const auto& [key, value] : after.items()) {
    if (skip(key)) continue;
    json old = value_of(before, key);
    if (old != value) changes[key] = {{"from", old}, {"to", value}};
  }
  if (before.is_object()) {
    for (const auto& [key, value] : before.items()) {
      if (skip(key) || after.contains(key) || value.is_null()) continue;
      changes[key] = {{"from", value}, {"to", nullptr}};
    }
  }
  return changes;
}

}  // namespace cabildo::plugins::open_government::plans
