// The CURP (Clave Única de Registro de Población) rules of domain.md §D, with
// the reason a CURP is refused, and what it says about its holder.
#pragma once

namespace cabildo::plugins::scholarships {

// Skeleton: the applications part declares CurpProblem and friends here.

}  // namespace cabildo::plugins::scholarships
