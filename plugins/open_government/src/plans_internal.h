// The Local Action Plan part of open-government (internal header, shared by
// plans*.cc only):
//   plans_store.cc    every SQL statement: plans, commitments, milestones, history
//   plans_tree.cc     one plan's tree: progress roll-up, children, nesting rules,
//                     the decorated commitment as GET returns it
//   plans_exports.cc  results.csv, results.json (Decidim accountability shape),
//                     document.json
//   plans.cc          the handlers and RegisterPlans
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cabildo/plugin/plugin_api.h"
#include "cabildo/plugin/values.h"

#include "open_government.h"
#include "progress.h"

namespace cabildo::plugins::open_government::plans {

using nlohmann::json;
using plugin::FieldError;
using plugin::HttpResponse;
using plugin::RequestContext;

inline constexpr const char* kPlanNotFound = "No existe el plan de acción.";
inline constexpr const char* kCommitmentNotFound = "No existe el compromiso.";
inline constexpr const char* kMilestoneNotFound = "No existe el hito.";
/// Bounds on one plan, so a plan's tree (read whole on every commitment read)
/// stays small whatever a writer sends.
inline constexpr int kMaxCommitmentsPerPlan = 300;
inline constexpr int kMaxMilestonesPerCommitment = 50;
inline constexpr int kMaxDepth = 5;
/// Entries of the history shown inside GET /commitments/{id} (all of them at /history).
inline constexpr int kInlineHistory = 50;

// --- plans_store.cc -----------------------------------------------------------

/// Writers and readers of everything (auditors) see drafts (unpublished plans
/// and their commitments and milestones).
bool SeesDrafts(RequestContext& ctx);
/// "YYYY-MM-DD" of today in Mexico (America/Mexico_City), from the database.
std::string Today(RequestContext& ctx);
/// Who the public history names: the caller's public name, never an email.
std::string PublicActor(RequestContext& ctx);

std::optional<json> FindPlan(RequestContext& ctx, const std::string& id, bool lock, bool drafts);
json PlanJson(const pqxx::row& row, int at = 0, bool gone = false);
pqxx::result ListPlanRows(RequestContext& ctx, const std::vector<std::string>& tenants,
                          const json& after, int limit, const std::string& since);
std::string InsertPlan(RequestContext& ctx, const json& body);
void UpdatePlanRow(RequestContext& ctx, const std::string& id, const json& body);

/// A commitment's own columns as JSON (no progress, children, milestones or
/// history), with "published" of its plan; `lock` also locks its plan's row,
/// which serialises every change to that plan's tree.
std::optional<json> FindCommitmentRow(RequestContext& ctx, const std::string& id, bool lock,
                                      bool drafts);
pqxx::result ListCommitmentRows(RequestContext& ctx, const std::string& plan_id, const json& after,
                                int limit, const std::string& since);
json CommitmentRowJson(const pqxx::row& row, int at = 0);
std::string InsertCommitment(RequestContext& ctx, const std::string& plan_id, const json& body);
void UpdateCommitmentRow(RequestContext& ctx, const std::string& id, const json& body);
int CountCommitments(RequestContext& ctx, const std::string& plan_id);
/// Moves updated_at of commitment `id` and of every ancestor: their computed
/// progress changed (a milestone, a weight or a parent did), so a client
/// syncing with updated_since gets them again. Bounded by the nesting limit.
void TouchAncestors(RequestContext& ctx, const std::string& id);
/// Every live commitment of the plan (CommitmentRowJson), by id.
std::map<std::string, json> CommitmentsOfPlan(RequestContext& ctx, const std::string& plan_id);

std::optional<json> FindMilestone(RequestContext& ctx, const std::string& id, bool lock,
                                  bool drafts);
/// The milestones of a commitment, by due date (undated last), as GET returns them.
std::vector<json> MilestonesOf(RequestContext& ctx, const std::string& commitment_id);
/// Every live milestone of the plan by commitment id, each list by due date.
std::map<std::string, std::vector<json>> MilestonesOfPlan(RequestContext& ctx,
                                                          const std::string& plan_id);
pqxx::result ListMilestoneRows(RequestContext& ctx, const std::string& commitment_id,
                               const json& after, int limit, const std::string& since);
json MilestoneJson(const pqxx::row& row, const std::string& today, int at = 0);
std::string InsertMilestone(RequestContext& ctx, const std::string& commitment_id,
                            const json& body);
void UpdateMilestoneRow(RequestContext& ctx, const std::string& id, const json& body);
int CountMilestones(RequestContext& ctx, const std::string& commitment_id);

/// Appends to the commitment's public history (same transaction): `changes`
/// maps each changed field to {"from", "to"}.
void AddHistory(RequestContext& ctx, const std::string& commitment_id,
                const std::optional<std::string>& milestone_id, const std::string& action,
                const json& changes);
/// Newest first; `after` is the cursor key [at, id] or null.
pqxx::result ListHistoryRows(RequestContext& ctx, const std::string& commitment_id,
                             const json& after, int limit);
json HistoryJson(const pqxx::row& row);

/// {field: {"from", "to"}} for every top-level field of `after` that differs
/// from `before` (absent counts as null), skipping `ignored`.
json FieldChanges(const json& before, const json& after, const std::vector<std::string>& ignored);

// --- plans_tree.cc ------------------------------------------------------------

/// One plan's tree as stored: every live commitment (id, parent, weight,
/// number) and every live milestone's facts, the roll-up and children.
struct PlanTree {
  std::vector<CommitmentNode> nodes;                         // by number, created_at
  std::map<std::string, double> progress;                    // id -> progress_pct
  std::map<std::string, std::vector<std::string>> children;  // id -> child ids, by number
  CompletionThresholds thresholds;
};
PlanTree LoadTree(RequestContext& ctx, const std::string& plan_id);

/// The nesting rules for commitment `id` ("" when new) placed under
/// `parent_id` ("" = top level) in `tree`: the parent exists in the plan, no
/// cycle, at most kMaxDepth levels (counting the commitment's own subtree).
std::vector<FieldError> CheckNesting(const PlanTree& tree, const std::string& id,
                                     const std::string& parent_id);

/// `row` (CommitmentRowJson) with progress_pct, completion, children and the
/// resolved linked_module; with `full`, also milestones and history (GET).
StatusOr<json> Decorate(RequestContext& ctx, json row, const PlanTree& tree, bool full);
/// The commitment as GET /commitments/{id} returns it; nullopt when not found.
StatusOr<std::optional<json>> FindCommitment(RequestContext& ctx, const std::string& id, bool lock,
                                             bool drafts);

// --- plans_exports.cc ---------------------------------------------------------

StatusOr<HttpResponse> ExportResultsCsv(RequestContext& ctx);
StatusOr<HttpResponse> ExportResultsJson(RequestContext& ctx);
StatusOr<HttpResponse> ExportDocument(RequestContext& ctx);

}  // namespace cabildo::plugins::open_government::plans
