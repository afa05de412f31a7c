// The JSON Schema interpreter (cabildo::core::SchemaSet) on hostile input, two
// ways: the input, read by the bounded parser as every request body is, is
// validated against a fixed, realistic set (a public-works-like project with
// nested objects, arrays, $refs, formats, anyOf/oneOf/not, x-message and a
// recursive tree); and the input is itself added as a schema (Add, Resolve,
// then used on a few values and on itself): a hostile schema must be refused
// or evaluated within the caps, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cabildo/core/json_schema.h"

#include "json_body.h"

namespace {

using cabildo::FieldError;
using cabildo::core::SchemaSet;
using nlohmann::json;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void Add(SchemaSet& set, const char* name, const char* text) {
  Check(set.Add(name, json::parse(text)).ok());
}

const SchemaSet& Fixed() {
  static const SchemaSet* const kSet = [] {
    auto* set = new SchemaSet();
    Add(*set, "Money", R"({"type": "string", "format": "money",
        "x-message": "Escriba un importe en pesos como texto decimal."})");
    Add(*set, "Funding", R"({"type": "object", "additionalProperties": false,
        "required": ["source", "amount_mxn"], "properties": {
          "source": {"type": "string", "enum": ["federal", "state", "municipal"]},
          "amount_mxn": {"$ref": "#/components/schemas/Money"},
          "share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "multipleOf": 0.01}}})");
    Add(*set, "Node", R"({"type": "object", "properties": {
          "name": {"type": "string", "maxLength": 20},
          "children": {"type": "array", "maxItems": 50,
                       "items": {"$ref": "#/components/schemas/Node"}}}})");
    Add(*set, "Project", R"({"type": "object", "additionalProperties": false,
        "required": ["title", "budget_mxn", "status"], "minProperties": 3, "maxProperties": 30,
        "properties": {
          "title": {"type": "string", "minLength": 1, "maxLength": 300},
          "status": {"enum": ["planned", "in_progress", "done"]},
          "budget_mxn": {"$ref": "#/components/schemas/Money"},
          "progress": {"type": "integer", "minimum": 0, "maximum": 100},
          "start_date": {"type": "string", "format": "date"},
          "updated_at": {"type": "string", "format": "date-time"},
          "end_date": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
          "id": {"type": "string", "format": "uuid"},
          "contact": {"type": "string", "format": "email"},
          "curp": {"type": "string", "format": "curp"},
          "rfc": {"type": "string", "format": "rfc"},
          "inegi": {"type": "string", "format": "inegi"},
          "kind": {"oneOf": [{"const": "road"}, {"const": "school"}, {"type": "integer"}]},
          "note": {"not": {"type": "null"}},
          "tags": {"type": "array", "uniqueItems": true, "items": {"type": "string"}},
          "evidence_urls": {"type": "array", "maxItems": 10,
                            "items": {"type": "string", "format": "uri"}},
          "funding": {"type": "array", "items": {"$ref": "#/components/schemas/Funding"}},
          "location": {"type": "object", "required": ["lat", "lng"],
                       "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                                      "lng": {"type": "number", "minimum": -180, "maximum": 180}}},
          "categories": {"$ref": "#/components/schemas/Node"},
          "extra": {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
          "flags": {"allOf": [{"type": "array"}, {"items": {"type": "boolean"}}]}}})");
    Check(set->Resolve().ok());
    return set;
  }();
  return *kSet;
}

void CheckErrors(const std::vector<FieldError>& errors) {
  Check(errors.size() <= SchemaSet::kMaxErrors);
  for (const FieldError& error : errors) Check(!error.message.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto bounded = cabildo::api::ParseBoundedJson(bytes);
  if (!bounded.ok()) return 0;
  const json& value = bounded.value;

  // 1. The input as a request body, a config, a query value.
  const SchemaSet& fixed = Fixed();
  for (const char* name : {"Project", "Funding", "Node", "Money"}) {
    CheckErrors(fixed.Validate(name, value));
  }
  const json query = {{"$ref", "#/components/schemas/Money"}};
  CheckErrors(fixed.ValidateWith(query, value, "min_budget"));

  // 2. The input as a schema, beside one it may refer to.
  SchemaSet hostile;
  Check(hostile.Add("Money", json{{"type", "string"}, {"format", "money"}}).ok());
  if (!hostile.Add("Fuzz", value).ok()) return 0;
  Check(hostile.Has("Fuzz") && hostile.Get("Fuzz") == value);
  if (!hostile.Resolve().ok()) return 0;
  CheckErrors(hostile.Validate("Fuzz", value));
  for (const json& sample : {json(-1), json::array({1.0, "a", json::object()}),
                             json{{"title", "x"}, {"budget_mxn", "1.00"}}}) {
    CheckErrors(hostile.Validate("Fuzz", sample));
  }
  // And used as an unnamed schema referring to it.
  CheckErrors(hostile.ValidateWith(json{{"$ref", "#/components/schemas/Fuzz"}}, value, "q"));
  return 0;
}
