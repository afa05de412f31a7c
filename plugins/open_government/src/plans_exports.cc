// Open data of one plan: its commitments and milestones in the shape of
// Decidim's accountability results export (results.csv, results.json) and
// the whole plan as one JSON document. A plan is bounded (at most
// kMaxCommitmentsPerPlan commitments of kMaxMilestonesPerCommitment
// milestones), so each export is built in memory from three statements and
// cached like any public GET.
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "plans_internal.h"

namespace cabildo::plugins::open_government::plans {
namespace {

std::string Text(const json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  std::string text = value.dump();
  if (value.is_number_float() && text.size() > 2 && text.ends_with(".0")) {
    text.resize(text.size() - 2);
  }
  return text;
}

double MilestoneProgress(const std::string& status) {
  if (status == "met") return 100;
  if (status == "partially_met") return 50;
  return 0;
}

// The plan (visible to this caller), its tree in pre-order (each commitment
// before its children, siblings by number) and the data to show it.
struct PlanData {
  json plan;
  PlanTree tree;
  std::vector<std::string> order;  // commitment ids, pre-order
  std::map<std::string, json> commitments;
  std::map<std::string, std::vector<json>> milestones;
};

StatusOr<PlanData> ReadPlan(RequestContext& ctx) {
  const std::string plan_id = ctx.PathParam("id");
  auto plan = FindPlan(ctx, plan_id, false, SeesDrafts(ctx));
  if (!plan) return NotFoundError(kPlanNotFound);
  PlanData data{*plan,
                LoadTree(ctx, plan_id),
                {},
                CommitmentsOfPlan(ctx, plan_id),
                MilestonesOfPlan(ctx, plan_id)};
  std::set<std::string> known, seen;
  for (const auto& node : data.tree.nodes) known.insert(node.id);
  // Iterative pre-order from the top-level commitments (a parent that is not
  // in the plan's live set makes a commitment top level, as the roll-up does).
  std::vector<std::string> stack;
  for (auto it = data.tree.nodes.rbegin(); it != data.tree.nodes.rend(); ++it) {
    if (it->parent_id.empty() || !known.count(it->parent_id)) stack.push_back(it->id);
  }
  while (!stack.empty()) {
    const std::string id = stack.back();
    stack.pop_back();
    if (!seen.insert(id).second) continue;
    data.order.push_back(id);
    const auto& children = data.tree.children[id];
    for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(*it);
  }
  return data;
}

std::string BaseUrl(RequestContext& ctx) {
  return "/v1/tenants/" + ctx.tenant_slug() + "/open-government";
}

// The rows of results.csv/json: each commitment, its milestones, then its
// children (pre-order).
std::vector<json> ResultRows(RequestContext& ctx, PlanData& data) {
  std::vector<json> rows;
  const std::string base = BaseUrl(ctx);
  for (const std::string& id : data.order) {
    const json& c = data.commitments[id];
    if (c.contains("deleted")) continue;
    const double pct = data.tree.progress.count(id) ? data.tree.progress.at(id) : 0.0;
    rows.push_back({{"id", id},
                    {"parent_id", c["parent_id"]},
                    {"title", c["title"]},
                    {"description", c["objective"]},
                    {"start_date", c["start"]},
                    {"end_date", c["end"]},
                    {"status", Completion(pct, data.tree.thresholds)},
                    {"progress", pct},
                    {"url", base + "/commitments/" + id},
                    {"type", "commitment"},
                    {"reference", c["number"]},
                    {"weight", c["weight"]}});
    for (const json& m : data.milestones[id]) {
      const std::string status = m["status"].get<std::string>();
      rows.push_back({{"id", m["id"]},
                      {"parent_id", id},
                      {"title", m["title"]},
                      {"description", m["deliverable"]},
                      {"start_date", nullptr},
                      {"end_date", m["due"]},
                      {"status", status},
                      {"progress", MilestoneProgress(status)},
                      {"url", base + "/milestones/" + m["id"].get<std::string>()},
                      {"type", "milestone"},
                      {"reference", nullptr},
                      {"weight", m["weight"]}});
    }
  }
  return rows;
}

const std::vector<std::string> kColumns = {"id",         "parent_id", "title",     "description",
                                           "start_date", "end_date",  "status",    "progress",
                                           "url",        "type",      "reference", "weight"};

}  // namespace

StatusOr<HttpResponse> ExportResultsCsv(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(PlanData data, ReadPlan(ctx));
  std::string body = plugin::CsvRow(kColumns);
  for (const json& row : ResultRows(ctx, data)) {
    std::vector<std::string> cells;
    for (const auto& column : kColumns) cells.push_back(Text(row[column]));
    body += plugin::CsvRow(cells);
  }
  HttpResponse response;
  response.content_type = "text/csv; charset=utf-8";
  response.body = std::move(body);
  return response;
}

StatusOr<HttpResponse> ExportResultsJson(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(PlanData data, ReadPlan(ctx));
  return HttpResponse::Json(200, json(ResultRows(ctx, data)));
}

StatusOr<HttpResponse> ExportDocument(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(PlanData data, ReadPlan(ctx));
  // Children before parents (reverse pre-order), each moved into its parent.
  std::map<std::string, json> built;
  for (auto it = data.order.rbegin(); it != data.order.rend(); ++it) {
    const std::string& id = *it;
    CABILDO_ASSIGN_OR_RETURN(json commitment,
                             Decorate(ctx, data.commitments[id], data.tree, /*full=*/false));
    commitment["milestones"] = json(data.milestones[id]);
    json children = json::array();
    for (const auto& child : data.tree.children[id]) {
      auto found = built.find(child);
      if (found == built.end()) continue;
      children.push_back(std::move(found->second));
      built.erase(found);
    }
    commitment["children"] = std::move(children);
    built[id] = std::move(commitment);
  }
  json top = json::array();
  double sum = 0;
  for (const std::string& id : data.order) {
    auto found = built.find(id);
    if (found == built.end()) continue;  // moved into its parent
    sum += found->second["progress_pct"].get<double>();
    top.push_back(std::move(found->second));
  }
  const double mean = top.empty() ? 0.0 : std::round(sum / top.size() * 100) / 100;
  return HttpResponse::Json(200, {{"plan", data.plan},
                                  {"completion_thresholds",
                                   {{"limited_below", data.tree.thresholds.limited_below},
                                    {"substantial_below", data.tree.thresholds.substantial_below}}},
                                  {"progress_pct", mean},
                                  {"commitments", std::move(top)}});
}

}  // namespace cabildo::plugins::open_government::plans
