// Open311 attributes: the extra questions a service type asks (its
// definition, services/{code}.json) and the answers a report gives
// (attribute[code]=v, attribute[code][]=v). Pure functions over JSON, with
// no database: unit-tested and fuzzed on their own.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cabildo/plugin/types.h"

namespace cabildo::plugins::service_requests {

/// Open311's datatypes.
inline constexpr const char* kDatatypes[] = {"string", "number",          "datetime",
                                             "text",   "singlevaluelist", "multivaluelist"};

/// At most this many attributes per service, values per list, characters per answer.
inline constexpr size_t kMaxAttributes = 50;
inline constexpr size_t kMaxValues = 200;
inline constexpr size_t kMaxAnswerChars = 4000;

/// Checks a service's attribute definitions as an admin sends them: an
/// array of at most kMaxAttributes objects {code ([A-Za-z0-9_-], 1..64,
/// unique), variable (bool, default true), datatype (kDatatypes), required
/// (bool, default false), datatype_description (<= 500), order (integer
/// 0..10000), description (the question, 1..500), values [{key, name}] —
/// required, non-empty and with unique keys for the list types, absent or
/// empty for the others}. Errors name the place: "attributes[2].values[0].key".
std::vector<FieldError> CheckAttributeDefinitions(const nlohmann::json& attributes);

/// The definitions as Open311 publishes them: every field present
/// (variable, required default, datatype_description "" , values []),
/// sorted by order then code.
nlohmann::json PublishedAttributes(const nlohmann::json& attributes);

struct CheckedAnswers {
  nlohmann::json values = nlohmann::json::object();  ///< what to store: {code: value | [keys]}
  std::vector<FieldError> errors;                    ///< field "attribute[code]"
};

/// Checks a report's answers against the service's (already valid)
/// definitions. `answers` is an object {code: string | number | [strings]}
/// (a form's values are all strings). Required variable attributes must be
/// answered (an empty string or list is no answer); an answer to an unknown
/// code, or to a variable=false attribute, is refused. string <= 2,000 and
/// text <= 4,000 characters; number: a finite decimal (stored as a number);
/// datetime: RFC 3339; singlevaluelist: one of the keys; multivaluelist:
/// one or more distinct keys (stored as a list).
CheckedAnswers CheckAnswers(const nlohmann::json& definitions, const nlohmann::json& answers);

}  // namespace cabildo::plugins::service_requests
