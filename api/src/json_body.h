// The one parser for JSON that comes from clients (request bodies, cursors).
// A pure function, bytes in and a document or a refusal out, with no server
// dependency, so it is unit-tested and fuzzed on its own.
//
// What it refuses, before any handler sees the document (issue 15):
//   - nesting deeper than JsonLimits::max_depth, found by a linear pre-scan of
//     the bytes before anything is parsed, so a body of 150,000 '[' costs one
//     pass and no stack (400);
//   - more than max_values values in all, so no parse does unbounded work (400);
//   - an object key longer than max_key_bytes: no field of ours is that long,
//     and a field path in an answer then stays short (400);
//   - a control character (U+0000-U+001F, U+007F) in any key, or in any string
//     value other than tab, newline and carriage return (422 naming the
//     field). PostgreSQL's text stops at NUL, so "a@x.mx\u0000z" would be
//     stored truncated or compared as "a@x.mx";
//   - a number beyond double's range, such as 1e400 (422 naming the field).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cabildo::api {

struct JsonLimits {
  std::size_t max_depth = 32;       // arrays and objects open at once
  std::size_t max_values = 10'000;  // scalars, arrays and objects, in all
  std::size_t max_key_bytes = 128;
};

// Why a document was refused, ready for a problem document.
struct JsonRefusal {
  int status = 400;     // 400: not JSON or beyond the limits; 422: one value refused
  std::string detail;   // Spanish, safe to show
  std::string field;    // 422 only: where, in the house style: "funding[0].fund"
  std::string message;  // 422 only: what is wrong there
};

struct BoundedJson {
  nlohmann::json value;  // meaningful only when !refusal
  std::optional<JsonRefusal> refusal;
  bool ok() const { return !refusal.has_value(); }
};

// Parses `bytes` as one JSON document within `limits`. Never throws, never
// recurses, and its work is linear in bytes.size().
BoundedJson ParseBoundedJson(std::string_view bytes, const JsonLimits& limits = {});

// The pre-scan: whether no point of `bytes` has more than `max_depth` arrays
// and objects open (brackets inside strings, escaped quotes included, do not
// count). Malformed input is left for the parser to refuse.
bool JsonNestingWithin(std::string_view bytes, std::size_t max_depth);

}  // namespace cabildo::api
