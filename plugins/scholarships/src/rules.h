// Small rules more than one part applies, kept in one place so that they
// cannot disagree: the age an application is judged by (applications.cc)
// is the age the padrón publishes (results.cc).
#pragma once

#include <string_view>

#include "cabildo/plugin/text_checks.h"

namespace cabildo::plugins::scholarships {

/// Whole years from `born` to `on`, both "YYYY-MM-DD" (PostgreSQL's age(): a
/// 29 February birthday is reached on 1 March of a common year); -1 when
/// either is not a calendar date.
inline int AgeOn(std::string_view born, std::string_view on) {
  if (!plugin::IsCalendarDate(born) || !plugin::IsCalendarDate(on)) return -1;
  const auto year = [](std::string_view date) {
    return (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
  };
  int age = year(on) - year(born);
  if (on.substr(5) < born.substr(5)) --age;  // "MM-DD" compares as text
  return age;
}

/// A question's code: 1 to 40 of [a-z0-9_].
inline bool IsQuestionCode(std::string_view code) {
  if (code.empty() || code.size() > 40) return false;
  for (const char c : code) {
    if (!((c >= 'a' && c <= 'z') || plugin::IsAsciiDigit(c) || c == '_')) return false;
  }
  return true;
}

/// Only spaces, tabs and line breaks (or nothing): no answer, no note.
inline bool IsBlank(std::string_view text) {
  for (const char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

}  // namespace cabildo::plugins::scholarships
