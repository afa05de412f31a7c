// The CURP (Clave Única de Registro de Población) rules of domain.md §D, with
// the reason a CURP is refused, and what it says about its holder.
//
// The rules are exactly plugin::IsCurp's (text_checks.h, the JSON Schema
// format "curp"): CurpProblem(x) is nullopt exactly when IsCurp(x) holds (the
// fuzz target tests/fuzz/curp_fuzz.cc checks it). What this adds is the
// reason, in plain Spanish, for the applicant who mistyped their CURP. A
// reason never quotes the CURP (it is personal data): it names the positions
// that are wrong and what belongs there.
//
// Header-only dependencies (text_checks.h and the standard library), so the
// unit test and the fuzz target compile curp.cc alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cabildo::plugins::scholarships {

/// Why `curp` is not a valid CURP (Spanish, for the person who typed it), or
/// nullopt when it is one. Checked in this order, the first failure wins:
/// length (18 characters); characters (A-Z and 0-9 only: lower case,
/// accents and 'Ñ' each get their own reason; then letters in 1-4, digits in
/// 5-10, a letter or digit in 17, a digit in 18); the birth date of 5-10 a
/// real day (the century from character 17: a digit before 2000, a letter
/// from 2000); the sex letter of 11 (H or M); the state code of 12-13 (the
/// 32 states or NE); the inner consonants of 14-16 (no vowels); the check
/// digit of 18. Cost: one pass over the text (18 bytes for a CURP).
std::optional<std::string> CurpProblem(std::string_view curp);

/// The birth date a CURP says, "YYYY-MM-DD" (19YY when character 17 is a
/// digit, 20YY when it is a letter), or nullopt when `curp` is not 18
/// characters long or its positions 5-10 and 17 do not make a real day.
/// Valid for every CURP CurpProblem accepts.
std::optional<std::string> BirthDateOf(std::string_view curp);

/// The sex letter of a CURP (character 11): 'H' or 'M', or nullopt when
/// `curp` is not 18 characters long or holds something else there.
std::optional<char> SexOf(std::string_view curp);

}  // namespace cabildo::plugins::scholarships
