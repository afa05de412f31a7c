// The rules of a decision (decision_rules.h says them in full).
#include "decision_rules.h"

#include <map>
#include <set>

namespace cabildo::plugins::open_government {
namespace {

using Members = std::map<std::string, const Voter*>;

Members Index(const std::vector<Voter>& members) {
  Members index;
  for (const Voter& member : members) index.emplace(member.id, &member);
  return index;
}

const Voter* Find(const Members& members, const std::string& id) {
  auto it = members.find(id);
  return it == members.end() ? nullptr : it->second;
}

// The titular whose seat `voter` votes in, when that seat is a current
// voting seat; nullptr otherwise (a voice seat, an alternate of a titular
// not current, anyone not current).
const Voter* SeatOf(const Members& members, const Voter& voter) {
  if (!voter.current) return nullptr;
  if (voter.seat == "titular") return &voter;
  if (voter.seat != "alternate") return nullptr;
  const Voter* titular = Find(members, voter.alternate_of);
  if (titular == nullptr || titular->seat != "titular" || !titular->current) return nullptr;
  return titular;
}

std::string Plural(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string Counts(const Outcome& o) {
  return std::to_string(o.yes) + " a favor, " + std::to_string(o.no) + " en contra y " +
         Plural(o.abstain, "abstención", "abstenciones");
}

}  // namespace

VoteCheck CheckVote(const std::vector<Voter>& members, const std::vector<CastVote>& cast,
                    const std::string& member_id) {
  const Members index = Index(members);
  const Voter* voter = Find(index, member_id);
  if (voter == nullptr) {
    return {422, "No es integrante del Secretariado Técnico Local de este ente."};
  }
  if (voter->seat == "voice") {
    return {422, "Los integrantes con voz pero sin voto no pueden votar."};
  }
  if (!voter->current) {
    return {422,
            "El integrante no está vigente en la fecha de la decisión (fuera de su periodo o "
            "dado de baja)."};
  }
  for (const CastVote& vote : cast) {
    if (vote.member_id == member_id) {
      return {409, "Este integrante ya votó en esta decisión: un voto por asiento."};
    }
  }
  if (voter->seat != "alternate") return {};
  const Voter* titular = SeatOf(index, *voter);
  if (titular == nullptr) {
    return {422,
            "Su titular no está vigente en la fecha de la decisión: el suplente no tiene asiento "
            "con voto."};
  }
  for (const CastVote& vote : cast) {
    if (vote.member_id == titular->id) {
      return {422, "Su titular ya votó: el suplente solo vota cuando el titular no lo hace."};
    }
    const Voter* other = Find(index, vote.member_id);
    if (other != nullptr && other->seat == "alternate" && other->alternate_of == titular->id) {
      return {422, "Otro suplente ya votó por este asiento: un voto por asiento."};
    }
  }
  return {};
}

Outcome Decide(const std::string& rule, std::optional<int> quorum,
               const std::vector<Voter>& members, const std::vector<CastVote>& votes, bool closed) {
  const Members index = Index(members);
  Outcome o;
  for (const Voter& member : members) {
    if (member.seat == "titular" && member.current) ++o.voting_seats;
  }
  // Seat (titular id) -> index in o.votes of the vote counted for it.
  std::map<std::string, size_t> counted;
  for (const CastVote& cast : votes) {
    VoteStatus status{cast.member_id, cast.vote, "not_counted", ""};
    const Voter* voter = Find(index, cast.member_id);
    const Voter* seat = voter == nullptr ? nullptr : SeatOf(index, *voter);
    if (seat != nullptr) {
      status.seat_id = seat->id;
      auto taken = counted.find(seat->id);
      if (taken == counted.end()) {
        status.status = "counted";
        counted.emplace(seat->id, o.votes.size());
      } else if (voter == seat && o.votes[taken->second].member_id != seat->id) {
        // The titular's vote replaces its alternate's.
        o.votes[taken->second].status = "replaced";
        status.status = "counted";
        taken->second = o.votes.size();
      }
    }
    o.votes.push_back(std::move(status));
  }
  for (const auto& [seat_id, at] : counted) {
    const VoteStatus& vote = o.votes[at];
    if (vote.vote == "yes") {
      ++o.yes;
      if (Find(index, seat_id)->sector == "civil_society") ++o.civil_society_yes;
    } else if (vote.vote == "no") {
      ++o.no;
    } else {
      ++o.abstain;
    }
  }
  o.seats_present = static_cast<int>(counted.size());
  o.quorum_required = quorum.value_or(o.voting_seats / 2 + 1);
  o.quorum_met = o.seats_present >= o.quorum_required;

  std::string explanation;
  if (!o.quorum_met) {
    o.provisional = "no_quorum";
    explanation = "Sin quórum: votaron " + std::to_string(o.seats_present) + " de " +
                  Plural(o.voting_seats, "asiento con voto", "asientos con voto") +
                  " y se requieren " + std::to_string(o.quorum_required) + ".";
  } else if (o.yes <= o.no) {
    o.provisional = "rejected";
    explanation = std::string(o.yes == o.no ? "Rechazada: empate ("
                                            : "Rechazada: no hay más "
                                              "votos a favor que en "
                                              "contra (") +
                  Counts(o) + ").";
  } else if (rule == kCivilSocietyMajority && o.civil_society_yes == 0) {
    o.provisional = "rejected";
    explanation = "Rechazada: la mayoría no incluye el voto de la sociedad civil (" + Counts(o) +
                  "; ningún voto a favor de la sociedad civil).";
  } else {
    o.provisional = "approved";
    explanation = rule == kCivilSocietyMajority
                      ? "Aprobada: la mayoría incluye el voto de la sociedad civil (" + Counts(o) +
                            "; " + Plural(o.civil_society_yes, "voto a favor", "votos a favor") +
                            " de la sociedad civil)."
                      : "Aprobada por mayoría simple (" + Counts(o) + ").";
  }
  if (closed) {
    o.result = o.provisional;
    o.explanation = explanation;
  } else {
    o.result = "open";
    o.explanation = "Votación abierta. Si se cerrara ahora: " + explanation;
  }
  return o;
}

}  // namespace cabildo::plugins::open_government
