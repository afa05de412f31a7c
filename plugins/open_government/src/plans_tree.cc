// One plan's tree, read whole (at most kMaxCommitmentsPerPlan commitments):
// the progress roll-up of progress.h, each commitment's children, the nesting
// rules a write must keep, and a commitment as GET returns it.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plans_internal.h"

namespace cabildo::plugins::open_government::plans {

PlanTree LoadTree(RequestContext& ctx, const std::string& plan_id) {
  PlanTree tree;
  tree.thresholds = ThresholdsFrom(ctx.config());
  for (const auto& row :
       plugin::Exec(ctx, "open_government.tree_nodes",
                    "SELECT c.id::text, coalesce(c.parent_id::text, ''), c.weight::float8 "
                    "FROM open_government.commitments c "
                    "WHERE c.tenant_id = $1 AND c.plan_id = $2::uuid AND c.deleted_at IS NULL "
                    "ORDER BY c.number NULLS LAST, c.created_at, c.id",
                    ctx.tenant_id(), plan_id)) {
    CommitmentNode node{row[0].as<std::string>(), row[1].as<std::string>(), std::nullopt};
    if (!row[2].is_null()) node.weight = row[2].as<double>();
    tree.nodes.push_back(std::move(node));
  }
  std::vector<MilestoneFacts> facts;
  for (const auto& row :
       plugin::Exec(ctx, "open_government.tree_milestones",
                    "SELECT m.commitment_id::text, m.weight::float8, m.status "
                    "FROM open_government.milestones m JOIN open_government.commitments c "
                    "ON c.tenant_id = m.tenant_id AND c.id = m.commitment_id "
                    "WHERE m.tenant_id = $1 AND c.plan_id = $2::uuid "
                    "AND m.deleted_at IS NULL AND c.deleted_at IS NULL",
                    ctx.tenant_id(), plan_id)) {
    facts.push_back({row[0].as<std::string>(), row[1].as<double>(), row[2].as<std::string>()});
  }
  tree.progress = RollUpProgress(tree.nodes, facts);
  for (const auto& node : tree.nodes) {
    tree.children[node.id];  // every commitment has a (maybe empty) list
    if (!node.parent_id.empty()) tree.children[node.parent_id].push_back(node.id);
  }
  return tree;
}

std::vector<FieldError> CheckNesting(const PlanTree& tree, const std::string& id,
                                     const std::string& parent_id) {
  if (parent_id.empty()) return {};
  std::map<std::string, std::string> parent_of;
  for (const auto& node : tree.nodes) parent_of[node.id] = node.parent_id;
  if (!parent_of.count(parent_id)) {
    return {{"parent_id", "El compromiso padre no existe en este plan."}};
  }
  if (parent_id == id) {
    return {{"parent_id", "Un compromiso no puede ser su propio padre."}};
  }
  // Levels from the new parent up to the top (the parent alone: 1); meeting
  // `id` on the way means the parent is one of its descendants.
  int parent_depth = 0;
  std::string at = parent_id;
  for (std::size_t steps = 0; !at.empty(); ++steps) {
    if (at == id || steps > tree.nodes.size()) {
      return {{"parent_id",
               "Un compromiso no puede quedar dentro de uno de sus propios descendientes."}};
    }
    ++parent_depth;
    auto found = parent_of.find(at);
    at = found == parent_of.end() ? "" : found->second;
  }
  // Height of the moved commitment's own subtree (0 for a leaf or a new one),
  // level by level (never recursive).
  int height = 0;
  if (!id.empty()) {
    std::vector<std::string> level = {id};
    while (height <= kMaxDepth) {
      std::vector<std::string> next;
      for (const auto& node : level) {
        auto children = tree.children.find(node);
        if (children == tree.children.end()) continue;
        next.insert(next.end(), children->second.begin(), children->second.end());
      }
      if (next.empty()) break;
      ++height;
      level = std::move(next);
    }
  }
  const int depth = parent_depth + 1 + height;
  if (depth > kMaxDepth) {
    return {{"parent_id", "Los compromisos se anidan hasta " + std::to_string(kMaxDepth) +
                              " niveles; con este padre habría " + std::to_string(depth) + "."}};
  }
  return {};
}

StatusOr<json> Decorate(RequestContext& ctx, json row, const PlanTree& tree, bool full) {
  if (row.contains("deleted")) return row;
  const std::string id = row["id"].get<std::string>();
  auto progress = tree.progress.find(id);
  const double pct = progress == tree.progress.end() ? 0.0 : progress->second;
  row["progress_pct"] = pct;
  row["completion"] = Completion(pct, tree.thresholds);
  auto children = tree.children.find(id);
  row["children"] = children == tree.children.end() ? json::array() : json(children->second);
  if (row["linked_module"].is_object()) {
    const std::string module = row["linked_module"]["module"].get<std::string>();
    const std::string ref = row["linked_module"]["ref"].get<std::string>();
    CABILDO_ASSIGN_OR_RETURN(const plugin::LinkedRecord linked,
                             ctx.DescribeRecord(ctx.tenant_id(), module, ref));
    row["linked_module"] = plugin::LinkedRecordJson(module, ref, linked);
  }
  if (full) {
    row["milestones"] = MilestonesOf(ctx, id);
    json history = json::array();
    for (const auto& entry : ListHistoryRows(ctx, id, nullptr, kInlineHistory)) {
      history.push_back(HistoryJson(entry));
    }
    row["history"] = std::move(history);
  }
  return row;
}

StatusOr<std::optional<json>> FindCommitment(RequestContext& ctx, const std::string& id, bool lock,
                                             bool drafts) {
  std::optional<json> row = FindCommitmentRow(ctx, id, lock, drafts);
  if (!row) return std::optional<json>();
  const PlanTree tree = LoadTree(ctx, (*row)["plan_id"].get<std::string>());
  CABILDO_ASSIGN_OR_RETURN(json decorated, Decorate(ctx, std::move(*row), tree, /*full=*/true));
  return std::optional<json>(std::move(decorated));
}

}  // namespace cabildo::plugins::open_government::plans
