// progress.h without a server: the roll-up of a plan's tree against figures
// computed by hand, completion levels, thresholds from the configuration and
// overdue milestones.
#include "progress.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cabildo::plugins::open_government {
namespace {

// The hand-computed fixture (plans_itest.cc builds the same tree through the API):
//
//   A (no weight)                    = (56.25*3 + 50*1 + 0*1) / 5     = 43.75
//     B (weight 3)                   = plain mean (62.5 + 50) / 2     = 56.25
//       B1 (no weight) met w2, partially_met w1, scheduled w1
//                                    = (100*2 + 50*1 + 0*1) / 4       = 62.5
//       B2 (no weight) not_met w1, met w1 = (0 + 100) / 2             = 50
//     C (weight 1)  partially_met w1                                  = 50
//     D (no weight: counts 1 because its siblings have weights) none  = 0
//   E (no weight)                    = (100*0.25 + 33.333..*0.75) / 1 = 50
//     E1 (weight 0.25) met w1                                         = 100
//     E2 (weight 0.75) met w1, scheduled w2 = 100/3                   = 33.33
std::vector<CommitmentNode> FixtureTree() {
  return {{"A", "", std::nullopt},   {"B", "A", 3.0},   {"B1", "B", std::nullopt},
          {"B2", "B", std::nullopt}, {"C", "A", 1.0},   {"D", "A", std::nullopt},
          {"E", "", std::nullopt},   {"E1", "E", 0.25}, {"E2", "E", 0.75}};
}

std::vector<MilestoneFacts> FixtureMilestones() {
  return {{"B1", 2, "met"},     {"B1", 1, "partially_met"}, {"B1", 1, "scheduled"},
          {"B2", 1, "not_met"}, {"B2", 1, "met"},           {"C", 1, "partially_met"},
          {"E1", 1, "met"},     {"E2", 1, "met"},           {"E2", 2, "scheduled"}};
}

TEST(ProgressTest, ThreeLevelTreeOfWeightedAndUnweightedCommitmentsMatchesTheHandFixture) {
  const auto progress = RollUpProgress(FixtureTree(), FixtureMilestones());
  const std::map<std::string, double> expected = {{"A", 43.75}, {"B", 56.25}, {"B1", 62.5},
                                                  {"B2", 50},   {"C", 50},    {"D", 0},
                                                  {"E", 50},    {"E1", 100},  {"E2", 33.33}};
  ASSERT_EQ(progress.size(), expected.size());
  for (const auto& [id, pct] : expected) {
    ASSERT_TRUE(progress.count(id)) << id;
    EXPECT_DOUBLE_EQ(progress.at(id), pct) << id;
  }
}

TEST(ProgressTest, LeafWithoutMilestonesOrWithZeroTotalWeightIsZero) {
  const auto progress =
      RollUpProgress({{"x", "", std::nullopt}, {"y", "", std::nullopt}}, {{"y", 0, "met"}});
  EXPECT_EQ(progress.at("x"), 0);
  EXPECT_EQ(progress.at("y"), 0);
}

TEST(ProgressTest, ZeroWeightMilestoneDoesNotCount) {
  const auto progress = RollUpProgress({{"x", "", std::nullopt}},
                                       {{"x", 1, "met"}, {"x", 0, "not_met"}, {"x", -5, "no"}});
  EXPECT_EQ(progress.at("x"), 100);
}

TEST(ProgressTest, AllChildrenUnweightedIsThePlainMean) {
  const auto progress =
      RollUpProgress({{"p", "", std::nullopt},
                      {"a", "p", std::nullopt},
                      {"b", "p", std::nullopt},
                      {"c", "p", std::nullopt}},
                     {{"a", 1, "met"}, {"b", 1, "partially_met"}, {"c", 1, "scheduled"}});
  EXPECT_EQ(progress.at("p"), 50);
}

TEST(ProgressTest, ChildrenWhoseWeightsAreAllZeroGiveZero) {
  const auto progress = RollUpProgress({{"p", "", std::nullopt}, {"a", "p", 0.0}, {"b", "p", 0.0}},
                                       {{"a", 1, "met"}, {"b", 1, "met"}});
  EXPECT_EQ(progress.at("a"), 100);
  EXPECT_EQ(progress.at("p"), 0);
}

TEST(ProgressTest, ZeroWeightChildIsIgnoredByTheWeightedMean) {
  const auto progress = RollUpProgress({{"p", "", std::nullopt}, {"a", "p", 0.0}, {"b", "p", 2.0}},
                                       {{"a", 1, "met"}, {"b", 1, "partially_met"}});
  EXPECT_EQ(progress.at("p"), 50);
}

TEST(ProgressTest, RoundsToTwoDecimalsOnlyAtTheEnd) {
  // Leaves 100/3 (33.333..) and 200/3 (66.666..) shown as 33.33 and 66.67;
  // the parent, weights 2 and 1, from the unrounded figures:
  // (2 * 33.333.. + 66.666..) / 3 = 44.444.. -> 44.44.
  const auto progress = RollUpProgress(
      {{"p", "", std::nullopt}, {"a", "p", 2.0}, {"b", "p", 1.0}},
      {{"a", 1, "met"}, {"a", 2, "scheduled"}, {"b", 2, "met"}, {"b", 1, "scheduled"}});
  EXPECT_EQ(progress.at("a"), 33.33);
  EXPECT_EQ(progress.at("b"), 66.67);
  EXPECT_EQ(progress.at("p"), 44.44);
}

TEST(ProgressTest, UnknownParentIsTopLevelAndDuplicateIdsKeepTheFirst) {
  const auto progress = RollUpProgress(
      {{"a", "gone", std::nullopt}, {"a", "", 5.0}, {"b", "a", std::nullopt}}, {{"b", 1, "met"}});
  EXPECT_EQ(progress.size(), 2u);
  EXPECT_EQ(progress.at("a"), 100);
  EXPECT_EQ(progress.at("b"), 100);
}

TEST(ProgressTest, CycleDoesNotLoopAndGivesZero) {
  const auto progress = RollUpProgress({{"a", "b", std::nullopt},
                                        {"b", "a", std::nullopt},
                                        {"c", "", std::nullopt},
                                        {"d", "a", std::nullopt},
                                        {"self", "self", std::nullopt}},
                                       {{"d", 1, "met"}, {"c", 1, "met"}});
  EXPECT_EQ(progress.at("a"), 0);
  EXPECT_EQ(progress.at("b"), 0);
  EXPECT_EQ(progress.at("self"), 0);
  EXPECT_EQ(progress.at("c"), 100);
  EXPECT_EQ(progress.at("d"), 100);
}

TEST(ProgressTest, DeepChainDoesNotRecurse) {
  std::vector<CommitmentNode> nodes;
  constexpr int kDepth = 20000;
  for (int i = 0; i < kDepth; ++i) {
    nodes.push_back({"n" + std::to_string(i), i ? "n" + std::to_string(i - 1) : "", std::nullopt});
  }
  const auto progress =
      RollUpProgress(nodes, {{"n" + std::to_string(kDepth - 1), 1, "partially_met"}});
  EXPECT_EQ(progress.at("n0"), 50);
}

TEST(ProgressTest, CompletionLevels) {
  const CompletionThresholds defaults;
  EXPECT_EQ(Completion(0, defaults), "not_started");
  EXPECT_EQ(Completion(0.01, defaults), "limited");
  EXPECT_EQ(Completion(49.99, defaults), "limited");
  EXPECT_EQ(Completion(50, defaults), "substantial");
  EXPECT_EQ(Completion(99.99, defaults), "substantial");
  EXPECT_EQ(Completion(100, defaults), "complete");
  const CompletionThresholds custom{25, 90};
  EXPECT_EQ(Completion(30, custom), "substantial");
  EXPECT_EQ(Completion(90, custom), "complete");
}

TEST(ProgressTest, ThresholdsFromConfig) {
  auto t = ThresholdsFrom(nlohmann::json::object());
  EXPECT_EQ(t.limited_below, 50);
  EXPECT_EQ(t.substantial_below, 100);
  t = ThresholdsFrom(nlohmann::json::parse(R"({"completion": {"limited_below": 30}})"));
  EXPECT_EQ(t.limited_below, 30);
  EXPECT_EQ(t.substantial_below, 100);
  t = ThresholdsFrom(
      nlohmann::json::parse(R"({"completion": {"limited_below": 40, "substantial_below": 95}})"));
  EXPECT_EQ(t.limited_below, 40);
  EXPECT_EQ(t.substantial_below, 95);
  t = ThresholdsFrom(
      nlohmann::json::parse(R"({"completion": {"limited_below": "x", "substantial_below": 500}})"));
  EXPECT_EQ(t.limited_below, 50);
  EXPECT_EQ(t.substantial_below, 100);
  t = ThresholdsFrom(
      nlohmann::json::parse(R"({"completion": {"limited_below": 80, "substantial_below": 60}})"));
  EXPECT_EQ(t.limited_below, 80);
  EXPECT_EQ(t.substantial_below, 80);
  t = ThresholdsFrom(nlohmann::json::parse(R"({"completion": 3})"));
  EXPECT_EQ(t.limited_below, 50);
  t = ThresholdsFrom(nlohmann::json());
  EXPECT_EQ(t.substantial_below, 100);
}

TEST(ProgressTest, MilestoneOverdue) {
  EXPECT_TRUE(MilestoneOverdue("2026-01-31", "scheduled", "2026-02-01"));
  EXPECT_TRUE(MilestoneOverdue("2026-01-31", "not_met", "2026-02-01"));
  EXPECT_TRUE(MilestoneOverdue("2026-01-31", "partially_met", "2026-02-01"));
  EXPECT_FALSE(MilestoneOverdue("2026-01-31", "met", "2026-02-01"));
  EXPECT_FALSE(MilestoneOverdue("2026-02-01", "scheduled", "2026-02-01"));  // due today
  EXPECT_FALSE(MilestoneOverdue("2026-03-01", "scheduled", "2026-02-01"));
  EXPECT_FALSE(MilestoneOverdue("", "scheduled", "2026-02-01"));
  EXPECT_FALSE(MilestoneOverdue("2026-1-1", "scheduled", "2026-02-01"));
  EXPECT_FALSE(MilestoneOverdue("2026-01-01", "scheduled", "not a date"));
}

}  // namespace
}  // namespace cabildo::plugins::open_government
