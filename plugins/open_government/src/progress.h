// Progress of a Local Action Plan's commitments, computed on read (nothing is
// stored): a leaf commitment from its milestones, a parent from its children,
// the completion level from the percentage, and when a milestone is overdue.
// Pure functions, no server: unit-tested in tests/progress_test.cc and used by
// plans (GET /commitments/{id}, exports) and the dashboard.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cabildo::plugins::open_government {

struct CommitmentNode {
  std::string id;
  std::string parent_id;  // "" = top level
  std::optional<double> weight;
};

struct MilestoneFacts {
  std::string commitment_id;
  double weight;
  std::string status;  // scheduled | met | not_met | partially_met
};

/// progress_pct of every commitment in `nodes` (one plan's tree), 0..100,
/// rounded to 2 decimals only at the end.
///
/// A leaf (a commitment without children) from its milestones: met counts
/// 100, partially_met 50, scheduled and not_met 0, each by its weight; the
/// weighted mean sum(value * weight) / sum(weight). No milestones, or a total
/// weight of 0, gives 0. A negative or non-finite weight counts as 0.
///
/// A parent from its children, Decidim's accountability rule
/// (Result#update_progress!): when no child has a weight, the plain mean of
/// the children's progress; when at least one child has a weight, the
/// weighted one, where a child without a weight counts with weight 1
/// (Decidim's `weight.presence || 1`). Two differences, both because our
/// weight is NULL when not given (Decidim's column defaults to 1 and is meant
/// as a fraction of the parent): the weighted figure is divided by the total
/// weight (Decidim sums progress * weight and relies on weights adding up to
/// 1), so it stays in 0..100 whatever scale the weights use; and Decidim's
/// "a child of weight exactly 1 among several means unweighted" heuristic is
/// not needed (all weights 1 already give the plain mean). Children whose
/// weights are all 0 give 0. A parent's own milestones, if it has any, do not
/// count: its progress is its children's.
///
/// A parent_id that names no node in `nodes` makes the node top level;
/// duplicate ids keep the first; milestones of unknown commitments are
/// ignored. Iterative (never recurses): leaves first, a parent once all its
/// children are known. A cycle cannot happen (the write path refuses it), but
/// nodes on one (and their ancestors) simply get 0 instead of looping.
std::map<std::string, double> RollUpProgress(const std::vector<CommitmentNode>& nodes,
                                             const std::vector<MilestoneFacts>& milestones);

struct CompletionThresholds {
  double limited_below = 50;
  double substantial_below = 100;
};

/// "not_started" (pct == 0), "limited" (< limited_below), "substantial"
/// (< substantial_below), "complete".
std::string Completion(double pct, const CompletionThresholds& thresholds);

/// From the module configuration (config["completion"] = {"limited_below": n,
/// "substantial_below": n}); each absent or non-numeric value keeps its
/// default, values are clamped to 0..100, and substantial_below is never
/// below limited_below.
CompletionThresholds ThresholdsFrom(const nlohmann::json& config);

/// A milestone is overdue on `today` (YYYY-MM-DD) when its due date has passed
/// (due < today) and it is not met: scheduled, not_met and partially_met all
/// count (a partially met deliverable past its date is still owed). Due today
/// is not overdue. A due date that is not "YYYY-MM-DD" is never overdue.
bool MilestoneOverdue(const std::string& due, const std::string& status, const std::string& today);

}  // namespace cabildo::plugins::open_government
