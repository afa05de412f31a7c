// application/x-www-form-urlencoded request bodies (Open311 clients send
// their reports so), decoded into the JSON object a route's schema and its
// handler see (plugin::BodyFormat::kForm documents the mapping). A pure
// function like ParseBoundedJson: unit-tested and fuzzed on its own.
//
// What it refuses (400 unless said): more than max_fields fields; a decoded
// name longer than max_name_bytes; names or values that are not UTF-8; a
// control character in a name, or in a value other than tab, newline and
// carriage return (422 naming the field); a plain name given twice; brackets
// other than `a[]`, `a[k]`, `a[k][]`; one name used with two shapes.
#pragma once

#include <cstddef>
#include <string_view>

#include "json_body.h"

namespace cabildo::api {

struct FormLimits {
  std::size_t max_fields = 1'000;
  std::size_t max_name_bytes = 128;
};

// Never throws, never recurses; linear in bytes.size().
BoundedJson ParseFormBody(std::string_view bytes, const FormLimits& limits = {});

// Whether `content_type` is application/x-www-form-urlencoded (parameters
// such as "; charset=utf-8" allowed).
bool IsFormMediaType(std::string_view content_type);

}  // namespace cabildo::api
