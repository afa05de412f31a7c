// Values every module handles the same way, shared in the SDK instead of
// copied per plugin: money as exact integer centavos, and PostgreSQL array
// literals to bind a list as one parameter ($1::uuid[], $2::text[]).
// Header-only, no dependencies beyond the standard library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cabildo::plugin {

/// Money text as the API writes it ("1250000.00", "0.5", "100": 1 to 14
/// integer digits, optionally '.' and 1 or 2 decimals, no sign, no spaces) in
/// exact centavos: "1250.5" -> 125050. nullopt for anything else, so a
/// successful parse is also the check (the JSON Schema format "money").
/// The largest, 99999999999999.99, is 10^16 - 1 centavos: a sum of up to 900
/// amounts fits an int64_t (beyond that, add with __builtin_add_overflow).
inline std::optional<int64_t> ParseCentavos(std::string_view text) {
  constexpr std::size_t kMaxIntegerDigits = 14;
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > kMaxIntegerDigits) return std::nullopt;
  if (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 2)) {
    return std::nullopt;
  }
  int64_t centavos = 0;
  for (const char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    centavos = centavos * 10 + (c - '0');
  }
  int64_t cents = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    cents = cents * 10 + (c - '0');
  }
  return centavos * 100 + cents;
}

/// Centavos as PostgreSQL prints numeric(16,2): 125050 -> "1250.50", 5 -> "0.05".
/// A negative amount keeps its sign ("-0.05").
inline std::string FormatCentavos(int64_t centavos) {
  const bool negative = centavos < 0;
  // Through uint64_t so INT64_MIN has a magnitude too.
  const uint64_t magnitude =
      negative ? 0 - static_cast<uint64_t>(centavos) : static_cast<uint64_t>(centavos);
  const int cents = static_cast<int>(magnitude % 100);
  std::string digits;
  for (uint64_t rest = magnitude / 100; rest > 0 || digits.empty(); rest /= 10) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(rest % 10)));
  }
  return (negative ? "-" : "") + digits + "." + static_cast<char>('0' + cents / 10) +
         static_cast<char>('0' + cents % 10);
}

/// A PostgreSQL array literal of `values` with every element quoted and
/// escaped ({"a","b \"c\""}), bound as one parameter and cast in SQL:
/// `tenant_id = ANY ($1::uuid[])`, `unnest($2::text[])`. Quoting makes any
/// text safe (commas, braces, quotes, backslashes, "NULL"), and PostgreSQL
/// reads a quoted element as any type, so one form serves uuid[], numeric[]
/// and text[]. No NULL elements. Empty: "{}".
inline std::string PgTextArray(const std::vector<std::string>& values) {
  std::string array = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    array += i ? ",\"" : "\"";
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') array.push_back('\\');
      array.push_back(c);
    }
    array += "\"";
  }
  return array + "}";
}

/// The same literal, under the name that reads at a uuid[] or numeric[]
/// parameter: `WHERE p.tenant_id = ANY ($1::uuid[])`, PgArray(tenants).
inline std::string PgArray(const std::vector<std::string>& values) { return PgTextArray(values); }

}  // namespace cabildo::plugin
