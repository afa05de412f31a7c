#include "progress.h"

#include <cmath>
#include <cstddef>
#include <unordered_map>

#include "cabildo/plugin/text_checks.h"

namespace cabildo::plugins::open_government {
namespace {

double SafeWeight(double weight) { return std::isfinite(weight) && weight > 0 ? weight : 0; }

double MilestoneValue(const std::string& status) {
  if (status == "met") return 100;
  if (status == "partially_met") return 50;
  return 0;
}

double Round2(double value) {
  if (!std::isfinite(value)) return 0;
  double rounded = std::round(value * 100) / 100;
  if (rounded < 0) rounded = 0;
  if (rounded > 100) rounded = 100;
  return rounded + 0.0;  // never -0
}

}  // namespace

std::map<std::string, double> RollUpProgress(const std::vector<CommitmentNode>& nodes,
                                             const std::vector<MilestoneFacts>& milestones) {
  // Index the nodes (first occurrence of an id wins).
  std::unordered_map<std::string, std::size_t> index;
  index.reserve(nodes.size());
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (index.emplace(nodes[i].id, kept.size()).second) kept.push_back(i);
  }
  const std::size_t n = kept.size();
  // parent[k] = index of k's parent, or n when top level (unknown parent too).
  std::vector<std::size_t> parent(n, n);
  std::vector<std::vector<std::size_t>> children(n);
  for (std::size_t k = 0; k < n; ++k) {
    const CommitmentNode& node = nodes[kept[k]];
    if (node.parent_id.empty()) continue;
    auto found = index.find(node.parent_id);
    if (found == index.end()) continue;
    parent[k] = found->second;
    children[found->second].push_back(k);
  }

  // Leaves: weighted milestone values.
  std::vector<double> value_sum(n, 0), weight_sum(n, 0);
  for (const MilestoneFacts& milestone : milestones) {
    auto found = index.find(milestone.commitment_id);
    if (found == index.end()) continue;
    const double weight = SafeWeight(milestone.weight);
    value_sum[found->second] += MilestoneValue(milestone.status) * weight;
    weight_sum[found->second] += weight;
  }

  // Unrounded progress; a node is computed once all its children are.
  std::vector<double> progress(n, 0);
  std::vector<std::size_t> pending(n, 0);
  std::vector<std::size_t> ready;
  for (std::size_t k = 0; k < n; ++k) {
    pending[k] = children[k].size();
    if (pending[k] == 0) ready.push_back(k);
  }
  while (!ready.empty()) {
    const std::size_t k = ready.back();
    ready.pop_back();
    if (children[k].empty()) {
      progress[k] = weight_sum[k] > 0 ? value_sum[k] / weight_sum[k] : 0;
    } else {
      bool any_weight = false;
      for (const std::size_t child : children[k]) {
        if (nodes[kept[child]].weight.has_value()) any_weight = true;
      }
      double sum = 0, total = 0;
      for (const std::size_t child : children[k]) {
        const std::optional<double>& weight = nodes[kept[child]].weight;
        // Plain mean: every child weighs 1. Weighted: a missing weight is 1.
        const double w = any_weight && weight.has_value() ? SafeWeight(*weight) : 1.0;
        sum += progress[child] * w;
        total += w;
      }
      progress[k] = total > 0 ? sum / total : 0;
    }
    if (parent[k] != n && --pending[parent[k]] == 0) ready.push_back(parent[k]);
  }
  // Nodes still pending sit on a cycle or above one: they keep 0.

  std::map<std::string, double> result;
  for (std::size_t k = 0; k < n; ++k) {
    result.emplace(nodes[kept[k]].id, pending[k] == 0 ? Round2(progress[k]) : 0.0);
  }
  return result;
}

std::string Completion(double pct, const CompletionThresholds& thresholds) {
  if (!(pct > 0)) return "not_started";
  if (pct < thresholds.limited_below) return "limited";
  if (pct < thresholds.substantial_below) return "substantial";
  return "complete";
}

CompletionThresholds ThresholdsFrom(const nlohmann::json& config) {
  CompletionThresholds thresholds;
  if (!config.is_object()) return thresholds;
  auto completion = config.find("completion");
  if (completion == config.end() || !completion->is_object()) return thresholds;
  auto read = [&](const char* key, double& into) {
    auto found = completion->find(key);
    if (found == completion->end() || !found->is_number()) return;
    const double value = found->get<double>();
    if (!std::isfinite(value)) return;
    into = value < 0 ? 0 : value > 100 ? 100 : value;
  };
  read("limited_below", thresholds.limited_below);
  read("substantial_below", thresholds.substantial_below);
  if (thresholds.substantial_below < thresholds.limited_below) {
    thresholds.substantial_below = thresholds.limited_below;
  }
  return thresholds;
}

bool MilestoneOverdue(const std::string& due, const std::string& status, const std::string& today) {
  if (!plugin::IsDateShape(due) || !plugin::IsDateShape(today)) return false;
  if (status == "met") return false;
  // Same fixed-width shape: text order is date order.
  return due < today;
}

}  // namespace cabildo::plugins::open_government
