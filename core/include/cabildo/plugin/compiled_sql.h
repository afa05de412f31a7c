// SQL statements joined from constant pieces at compile time:
//   constexpr const char* kFrom = " FROM x.items i ";
//   constexpr const char* kWhere = "WHERE i.tenant_id = $1";
//   plugin::Exec(ctx, "x.find", plugin::kSql<kSelect, kItemJson, kFrom, kWhere>, ...);
// A module shares the pieces (how an item is rendered, its FROM clause)
// between statements without pasting strings together at run time, so no
// value can ever end up in a statement's text. Header-only (no ABI).
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>

namespace cabildo::plugin {

template <std::size_t kSize>
constexpr std::array<char, kSize + 1> JoinSql(std::initializer_list<const char*> parts) {
  std::array<char, kSize + 1> text{};
  std::size_t at = 0;
  for (const char* part : parts) {
    for (; *part != '\0'; ++part) text[at++] = *part;
  }
  return text;
}
template <const char* const&... Parts>
inline constexpr std::array kJoinedSql =
    JoinSql<(std::char_traits<char>::length(Parts) + ...)>({Parts...});
/// The statement made of `Parts` (each a constexpr const char* with linkage).
template <const char* const&... Parts>
inline constexpr const char* kSql = kJoinedSql<Parts...>.data();

}  // namespace cabildo::plugin
