// What the law requires of a record before it is published: Ley General de
// Mejora Regulatoria art. 46, fractions I-XVIII (domain.md §A). Pure, so it
// is unit-tested without a server.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cabildo::plugins::procedure_registry {

/// One item the law requires that a record lacks.
struct MissingItem {
  std::string field;     ///< JSON path in the record, e.g. "legal_basis", "offices/0/hours"
  std::string fraction;  ///< Roman numeral of art. 46, e.g. "III"
  std::string message;   ///< Spanish, naming the fraction: "... (art. 46, fracción III)."
};

/// Every required item `record` (a working copy with its homoclave) lacks, in
/// fraction order; empty when it may be published.
std::vector<MissingItem> MissingLegalItems(const nlohmann::json& record);

}  // namespace cabildo::plugins::procedure_registry
