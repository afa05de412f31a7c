// The rules of a decision of the Local Technical Secretariat (issue 17 point 2),
// pure: who may vote, which votes count, and the outcome under the decision's
// rule and quorum. No database, no server: secretariat.cc reads the members
// and votes, these functions decide, and tests/decision_rules_test.cc proves
// them.
//
// Seats. A voting seat is a titular member (seat "titular") current on the
// decision's date. Voice seats (seat "voice") never vote. An alternate
// (seat "alternate") sits in its titular's seat: it may vote only while its
// titular has not, and the titular's later vote replaces it (the alternate's
// vote stays listed as "replaced" and is not counted). One vote per seat.
//
// Quorum. The seats present are the voting seats with a counted vote (yes, no
// or abstain; an alternate voting for its absent titular makes that seat
// present, one vote per seat). The quorum required is the decision's own
// `quorum` when given, else more than half of the voting seats
// (voting_seats / 2 + 1, integer division). Fewer seats present: no_quorum.
//
// simple_majority: approved when more yes than no among the counted votes
// (abstentions count for quorum only); a tie or fewer yes: rejected.
//
// civil_society_majority (the Morelos rule, "the majority counts only if it
// includes the civil-society vote"), read exactly as: approved when there are
// more yes than no among the counted votes AND at least one counted yes comes
// from a civil_society seat. A seat's sector is its titular's (an alternate
// votes in its titular's seat). So a decision a plain majority passes is
// rejected when no civil_society seat voted yes.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cabildo::plugins::open_government {

/// A member of the Secretariat as a decision sees it.
struct Voter {
  std::string id;
  std::string sector;        ///< government | civil_society | guarantor | facilitator
  std::string seat;          ///< titular | alternate | voice
  std::string alternate_of;  ///< the titular's id for an alternate, "" otherwise
  bool current = false;      ///< within its term on the decision's date, not deleted
};

/// A vote as cast, in the order the votes were cast.
struct CastVote {
  std::string member_id;
  std::string vote;  ///< yes | no | abstain
};

/// Why a vote is refused: http_status 0 when it may be cast, else 409 or 422
/// with a Spanish message for the field member_id.
struct VoteCheck {
  int http_status = 0;
  std::string message;
  bool ok() const { return http_status == 0; }
};

/// May `member_id` vote now? `members` are the tenant's members (any order;
/// an id not among them is not a member), `cast` the votes already cast on
/// the decision. A second vote by the same member is 409 (a conflict with
/// the stored vote); everything else refused is 422.
VoteCheck CheckVote(const std::vector<Voter>& members, const std::vector<CastVote>& cast,
                    const std::string& member_id);

/// What became of one cast vote.
struct VoteStatus {
  std::string member_id;
  std::string vote;
  /// "counted"; "replaced" (an alternate's vote, its titular voted later); or
  /// "not_counted" (not a current member with a vote, or its seat had
  /// already voted).
  std::string status;
  std::string seat_id;  ///< the titular whose seat the vote is for ("" when none)
};

struct Outcome {
  /// approved | rejected | no_quorum; "open" while the decision is not closed.
  std::string result;
  /// What the result would be if the decision were closed now (== result once closed).
  std::string provisional;
  int yes = 0, no = 0, abstain = 0;
  int civil_society_yes = 0;  ///< counted yes votes from civil_society seats
  int voting_seats = 0;       ///< current titular seats on the decision's date
  int seats_present = 0;      ///< voting seats with a counted vote
  int quorum_required = 0;
  bool quorum_met = false;
  std::string explanation;        ///< Spanish, e.g. "Rechazada: la mayoría no incluye ..."
  std::vector<VoteStatus> votes;  ///< one per cast vote, in the order cast
};

inline constexpr const char* kSimpleMajority = "simple_majority";
inline constexpr const char* kCivilSocietyMajority = "civil_society_majority";

/// The outcome of a decision under `rule` with `quorum` (nullopt: the
/// default), the tenant's `members` and the `votes` in the order cast.
Outcome Decide(const std::string& rule, std::optional<int> quorum,
               const std::vector<Voter>& members, const std::vector<CastVote>& votes, bool closed);

}  // namespace cabildo::plugins::open_government
