// The rules of a decision, without a server (decision_rules.h).
#include "decision_rules.h"

#include <gtest/gtest.h>

namespace cabildo::plugins::open_government {
namespace {

// A Secretariat of five voting seats: two government, two civil society (one
// with an alternate), the guarantor; a facilitator with voice only; a former
// civil-society titular whose term ended.
std::vector<Voter> Secretariat() {
  return {
      {"gov1", "government", "titular", "", true},
      {"gov2", "government", "titular", "", true},
      {"cs1", "civil_society", "titular", "", true},
      {"cs1alt", "civil_society", "alternate", "cs1", true},
      {"cs2", "civil_society", "titular", "", true},
      {"guar", "guarantor", "titular", "", true},
      {"fac", "facilitator", "voice", "", true},
      {"old", "civil_society", "titular", "", false},
      {"oldalt", "civil_society", "alternate", "old", true},
  };
}

std::vector<std::string> Statuses(const Outcome& o) {
  std::vector<std::string> out;
  for (const auto& v : o.votes) out.push_back(v.status);
  return out;
}

TEST(DecisionRulesTest, SimpleMajorityIsMoreYesThanNoAmongThoseWhoVoted) {
  auto o = Decide(kSimpleMajority, std::nullopt, Secretariat(),
                  {{"gov1", "yes"}, {"gov2", "yes"}, {"guar", "no"}, {"cs1", "abstain"}}, true);
  EXPECT_EQ(o.result, "approved");
  EXPECT_EQ(o.yes, 2);
  EXPECT_EQ(o.no, 1);
  EXPECT_EQ(o.abstain, 1);
  EXPECT_EQ(o.voting_seats, 5);
  EXPECT_EQ(o.seats_present, 4);
  EXPECT_EQ(o.quorum_required, 3);
  EXPECT_EQ(o.explanation, "Aprobada por mayoría simple (2 a favor, 1 en contra y 1 abstención).");
}

TEST(DecisionRulesTest, ATieIsRejected) {
  auto o = Decide(kSimpleMajority, std::nullopt, Secretariat(),
                  {{"gov1", "yes"}, {"guar", "no"}, {"cs1", "abstain"}}, true);
  EXPECT_EQ(o.result, "rejected");
  EXPECT_EQ(o.explanation, "Rechazada: empate (1 a favor, 1 en contra y 1 abstención).");
  o = Decide(kSimpleMajority, std::nullopt, Secretariat(),
             {{"gov1", "abstain"}, {"guar", "abstain"}, {"cs1", "abstain"}}, true);
  EXPECT_EQ(o.result, "rejected");  // 0 yes is not more than 0 no
}

TEST(DecisionRulesTest, TheMorelosRuleRejectsAMajorityWithoutACivilSocietyYes) {
  const std::vector<CastVote> votes = {
      {"gov1", "yes"}, {"gov2", "yes"}, {"guar", "yes"}, {"cs1", "no"}, {"cs2", "no"}};
  EXPECT_EQ(Decide(kSimpleMajority, std::nullopt, Secretariat(), votes, true).result, "approved");
  auto o = Decide(kCivilSocietyMajority, std::nullopt, Secretariat(), votes, true);
  EXPECT_EQ(o.result, "rejected");
  EXPECT_EQ(o.civil_society_yes, 0);
  EXPECT_EQ(o.explanation.rfind("Rechazada: la mayoría no incluye el voto de la sociedad civil", 0),
            0u)
      << o.explanation;
  // One civil-society yes is enough.
  o = Decide(kCivilSocietyMajority, std::nullopt, Secretariat(),
             {{"gov1", "yes"}, {"gov2", "yes"}, {"cs1", "yes"}, {"cs2", "no"}, {"guar", "no"}},
             true);
  EXPECT_EQ(o.result, "approved");
  EXPECT_EQ(o.civil_society_yes, 1);
  EXPECT_NE(o.explanation.find("incluye el voto de la sociedad civil"), std::string::npos);
}

TEST(DecisionRulesTest, AnAlternateVotesInItsTitularsSeatWithItsSector) {
  // cs1 absent: its alternate's yes is a civil-society yes and makes the seat present.
  auto o = Decide(kCivilSocietyMajority, std::nullopt, Secretariat(),
                  {{"gov1", "yes"}, {"cs1alt", "yes"}, {"guar", "no"}}, true);
  EXPECT_EQ(o.result, "approved");
  EXPECT_EQ(o.seats_present, 3);
  EXPECT_EQ(o.civil_society_yes, 1);
  EXPECT_EQ(o.votes[1].seat_id, "cs1");
}

TEST(DecisionRulesTest, TheTitularsLaterVoteReplacesItsAlternates) {
  auto o = Decide(kCivilSocietyMajority, std::nullopt, Secretariat(),
                  {{"gov1", "yes"}, {"gov2", "yes"}, {"cs1alt", "yes"}, {"cs1", "no"}}, true);
  EXPECT_EQ(Statuses(o), (std::vector<std::string>{"counted", "counted", "replaced", "counted"}));
  EXPECT_EQ(o.yes, 2);
  EXPECT_EQ(o.no, 1);
  EXPECT_EQ(o.seats_present, 3);    // one vote per seat
  EXPECT_EQ(o.result, "rejected");  // the only civil-society yes was replaced
}

TEST(DecisionRulesTest, QuorumIsMoreThanHalfOfTheCurrentTitularSeatsOrTheDecisionsOwn) {
  auto o = Decide(kSimpleMajority, std::nullopt, Secretariat(), {{"gov1", "yes"}, {"gov2", "yes"}},
                  true);
  EXPECT_EQ(o.result, "no_quorum");
  EXPECT_EQ(o.quorum_required, 3);  // 5 seats: voice, alternates and "old" are not seats
  EXPECT_EQ(o.explanation, "Sin quórum: votaron 2 de 5 asientos con voto y se requieren 3.");
  // Four seats: more than half is three.
  auto four = Secretariat();
  four[5].current = false;
  EXPECT_EQ(Decide(kSimpleMajority, std::nullopt, four, {}, true).quorum_required, 3);
  // Its own quorum.
  EXPECT_EQ(
      Decide(kSimpleMajority, 2, Secretariat(), {{"gov1", "yes"}, {"gov2", "yes"}}, true).result,
      "approved");
  EXPECT_EQ(Decide(kSimpleMajority, 5, Secretariat(),
                   {{"gov1", "yes"}, {"gov2", "yes"}, {"cs1alt", "yes"}, {"guar", "yes"}}, true)
                .result,
            "no_quorum");
  // Nobody to vote: never a quorum.
  EXPECT_EQ(Decide(kSimpleMajority, std::nullopt, {}, {}, true).result, "no_quorum");
}

TEST(DecisionRulesTest, AnOpenDecisionSaysWhatItWouldBe) {
  auto o = Decide(kSimpleMajority, std::nullopt, Secretariat(),
                  {{"gov1", "yes"}, {"gov2", "yes"}, {"cs1", "yes"}}, false);
  EXPECT_EQ(o.result, "open");
  EXPECT_EQ(o.provisional, "approved");
  EXPECT_EQ(o.explanation.rfind("Votación abierta.", 0), 0u);
}

TEST(DecisionRulesTest, VotesOfMembersWithoutASeatAreNotCounted) {
  auto o = Decide(kSimpleMajority, 1, Secretariat(),
                  {{"fac", "yes"},
                   {"old", "yes"},
                   {"oldalt", "yes"},
                   {"ghost", "yes"},
                   {"gov1", "no"},
                   {"gov1", "yes"}},
                  true);
  EXPECT_EQ(Statuses(o), (std::vector<std::string>{"not_counted", "not_counted", "not_counted",
                                                   "not_counted", "counted", "not_counted"}));
  EXPECT_EQ(o.result, "rejected");
}

TEST(DecisionRulesTest, WhoMayVote) {
  const auto members = Secretariat();
  EXPECT_TRUE(CheckVote(members, {}, "gov1").ok());
  EXPECT_EQ(CheckVote(members, {}, "ghost").http_status, 422);
  auto voice = CheckVote(members, {}, "fac");
  EXPECT_EQ(voice.http_status, 422);
  EXPECT_NE(voice.message.find("voz"), std::string::npos);
  EXPECT_EQ(CheckVote(members, {}, "old").http_status, 422);     // term over
  EXPECT_EQ(CheckVote(members, {}, "oldalt").http_status, 422);  // its titular's term is over
  // One vote per member (409), one per seat (422 for the alternate).
  EXPECT_EQ(CheckVote(members, {{"gov1", "yes"}}, "gov1").http_status, 409);
  EXPECT_TRUE(CheckVote(members, {{"gov1", "yes"}}, "cs1alt").ok());
  auto after_titular = CheckVote(members, {{"cs1", "no"}}, "cs1alt");
  EXPECT_EQ(after_titular.http_status, 422);
  EXPECT_NE(after_titular.message.find("titular ya votó"), std::string::npos);
  // The titular may vote after its alternate (and replaces it).
  EXPECT_TRUE(CheckVote(members, {{"cs1alt", "yes"}}, "cs1").ok());
  EXPECT_EQ(CheckVote(members, {{"cs1alt", "yes"}}, "cs1alt").http_status, 409);
  auto second_alternate = members;
  second_alternate.push_back({"cs1alt2", "civil_society", "alternate", "cs1", true});
  EXPECT_EQ(CheckVote(second_alternate, {{"cs1alt", "yes"}}, "cs1alt2").http_status, 422);
}

}  // namespace
}  // namespace cabildo::plugins::open_government
