// A JSON Schema interpreter for request bodies, query parameters and module
// configuration: the keywords Cabildo's modules use of draft 2020-12 (the
// dialect of OpenAPI 3.1), each one a few lines of linear code.
//
// Why our own and not Debian's libvalijson-dev (issue 16 allows "an
// interpreter of the keywords you use that passes those keywords' cases of
// Debian's json-schema-test-suite"): valijson 1.0 (bookworm) matches `format`
// date/time/date-time and `pattern` with std::regex, and libstdc++'s regex
// recurses once per character, so a long client string overflows the stack
// (the bug class issue 15 banned); and it reports English messages with no
// keyword id, so the Spanish per-field messages would need a second pass.
// tests/standards/json-schema-test-suite/ holds the standard's cases of the
// keywords below; json_schema_suite_test.cc runs them.
//
// Bounded work on hostile input: values arrive through the bounded parser
// (api/src/json_body.h: depth <= 32, <= 10,000 values), and the interpreter
// also caps itself: schemas deeper than kMaxSchemaDepth are refused by Add,
// $ref cycles that do not descend into a property or item, and a node that
// applies more than kMaxFanOut subschemas to its own value, are refused by
// Resolve; evaluation stops at kMaxEvalDepth nested subschemas (value depth
// plus $ref and applicator hops) and after kMaxEvalSteps subschema
// evaluations per call, answering one error for the document instead.
// Nothing recurses on the value beyond those caps; uniqueItems sorts
// (n log n) instead of comparing every pair.
//
// Cost: one validation of a 758-byte public-works-like body (13 fields, an
// array of 3 $ref'd objects, formats, enum, anyOf) takes about 4 us at -O2 on
// the 2-core development VM (best of 5; 4-10 us while other builds run);
// JsonSchemaTest.MeasureAProjectBody prints the figure of the build it runs in.
//
// Field paths in errors: object members as ".name" ("location.lat"), array
// items as "[i]" ("funding[0].amount_mxn"), "" for the value itself. A member
// whose name is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*) is written as
// a JSON string in brackets: `tags["dos palabras"]`, `["1st"]`, with '"' and
// '\' escaped and control characters as \u00XX.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "cabildo/core/status.h"

namespace cabildo::core {

/// Named JSON Schemas (a draft 2020-12 subset, the dialect of OpenAPI 3.1) that may refer to
/// one another as {"$ref": "#/components/schemas/<Name>"} -- the form they have in the
/// published OpenAPI document, so the document and the validator read the same objects.
///
/// Keywords (assertions): type, enum, const, properties, required, additionalProperties,
/// items (a schema), minItems, maxItems, uniqueItems, minLength, maxLength (code points),
/// minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers), multipleOf,
/// minProperties, maxProperties, allOf, anyOf, oneOf, not, $ref, $defs, format; boolean
/// schemas (true, false). Annotations, accepted and ignored: title, description, examples,
/// example, default, readOnly, writeOnly, deprecated, $comment, $schema, $id and every
/// "x-..." extension except x-message.
///
/// $ref: "#/components/schemas/<Name>" optionally followed by a JSON pointer into that
/// schema ("#/components/schemas/<Name>/$defs/Point"), and only to a place that is a schema.
///
/// `x-message` (a string) replaces the generic message of every error a rule of that schema
/// node raises: at the node's own value, including through its $ref / allOf / anyOf / oneOf
/// / not (an outer x-message wins over the referenced schema's), and its "required" and
/// "additionalProperties": false errors (which name the member). Errors of the node's
/// properties' and items' own subschemas keep their own messages.
///
/// Formats assert (linear checks of cabildo/plugin/text_checks.h, never a regex): date,
/// date-time, uuid, email, uri (http/https), money, curp, rfc, inegi.
///
/// Thread safety: Add and Resolve are not; after Resolve, the const methods may be called
/// from any number of threads at once.
class SchemaSet {
 public:
  /// Schemas deeper than this (objects within subschemas) are refused by Add.
  static constexpr std::size_t kMaxSchemaDepth = 64;
  /// Nested subschema evaluations (value depth + $ref and applicator hops) per path.
  static constexpr std::size_t kMaxEvalDepth = 160;
  /// Subschema evaluations per Validate call: the last guard against schemas whose
  /// work multiplies with the value's depth. A 10,000-value body of a realistic schema takes
  /// a few steps per value.
  static constexpr std::size_t kMaxEvalSteps = 250'000;
  /// Subschemas one node may apply to its own value, through $ref, allOf, anyOf, oneOf and
  /// not, counted with repeats: more is refused by Resolve (allOf of allOf of ... doubles
  /// the work at each level without ever descending into the value).
  static constexpr std::size_t kMaxFanOut = 1'000;
  /// Errors reported per Validate call.
  static constexpr std::size_t kMaxErrors = 100;

  SchemaSet();
  ~SchemaSet();
  // The resolved $refs point into the stored schemas: not copyable, movable.
  SchemaSet(const SchemaSet&) = delete;
  SchemaSet& operator=(const SchemaSet&) = delete;
  SchemaSet(SchemaSet&&) noexcept;
  SchemaSet& operator=(SchemaSet&&) noexcept;

  /// Adds `schema` under `name` ([A-Za-z0-9_]+, unique). kInvalidArgument naming the schema,
  /// the JSON pointer and the keyword when it uses a keyword the interpreter does not
  /// implement (so an unsupported rule never passes silently; `pattern` is refused: no regex)
  /// or a keyword's value is malformed.
  Status Add(const std::string& name, const nlohmann::json& schema);
  /// After the last Add: every $ref resolves, no $ref cycle that does not descend into a
  /// property or item. kInvalidArgument naming the schema and the ref otherwise.
  Status Resolve();
  bool Has(const std::string& name) const;
  /// The schema exactly as added. REQUIRES: Has(name).
  const nlohmann::json& Get(const std::string& name) const;
  /// The names added, in order.
  std::vector<std::string> Names() const;
  /// Validates `value` against schema `name`. Empty when valid; otherwise one FieldError per
  /// failing field (the first failing rule of that field), `field` the JSON path
  /// ("title", "funding[0].amount_mxn", "location.lat"; "" for the value itself), `message`
  /// Spanish plain language naming what is expected. At most 100 errors. REQUIRES: Resolve().
  std::vector<FieldError> Validate(const std::string& name, const nlohmann::json& value) const;
  /// Same for an unnamed schema (which may $ref the set's): a query parameter's, with `path`
  /// used as the field name of its errors. A schema CheckSchema refuses (or whose $ref does
  /// not resolve) fails closed: one error naming `path`.
  std::vector<FieldError> ValidateWith(const nlohmann::json& schema, const nlohmann::json& value,
                                       const std::string& path) const;
  /// Whether `schema` would be accepted by Add and its $refs resolve in this set (for an
  /// unnamed schema, e.g. a query parameter's, checked once at load). `what` names it in
  /// the message.
  Status CheckSchema(const nlohmann::json& schema, const std::string& what) const;

 private:
  class Evaluator;
  struct Views;  // each schema object's keywords, read once by Resolve
  // Where Add found a {"$ref": ...}: the node, its schema's name and its JSON pointer.
  struct RefSite {
    const nlohmann::json* node;
    std::string schema;
    std::string pointer;
  };

  // name -> schema; std::map nodes never move, so pointers into them stay valid.
  std::map<std::string, nlohmann::json> schemas_;
  std::vector<std::string> order_;
  // Every subschema of every added schema (what a $ref may point at) -> the
  // name of the schema it is in.
  std::unordered_map<const nlohmann::json*, const std::string*> nodes_;
  std::vector<const nlohmann::json*> node_order_;  // the same, in the order added
  std::vector<RefSite> ref_sites_;
  // Each {"$ref": ...} node of the added schemas -> the schema it names (by Resolve).
  std::unordered_map<const nlohmann::json*, const nlohmann::json*> refs_;
  std::unique_ptr<Views> views_;
  bool resolved_ = false;
};

}  // namespace cabildo::core
