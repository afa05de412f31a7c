#include "cabildo/core/json_schema.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cabildo::core {
namespace {

using nlohmann::json;

// "field: message" per error, in order, for readable assertions.
std::vector<std::string> Lines(const std::vector<FieldError>& errors) {
  std::vector<std::string> lines;
  for (const FieldError& error : errors) lines.push_back(error.field + ": " + error.message);
  return lines;
}

// A one-schema set named "T", resolved.
SchemaSet One(const json& schema) {
  SchemaSet set;
  EXPECT_TRUE(set.Add("T", schema).ok());
  EXPECT_TRUE(set.Resolve().ok());
  return set;
}

std::vector<std::string> Check(const json& schema, const json& value) {
  return Lines(One(schema).Validate("T", value));
}

// A public-works-like project: nested objects, arrays of objects, refs,
// formats, enum, anyOf for a nullable field, x-message.
SchemaSet ProjectSet() {
  SchemaSet set;
  EXPECT_TRUE(set.Add("Money", json::parse(R"({
    "type": "string", "format": "money",
    "x-message": "Escriba un importe en pesos como texto decimal, por ejemplo \"1250000.00\"."
  })"))
                  .ok());
  EXPECT_TRUE(set.Add("Funding", json::parse(R"({
    "type": "object", "additionalProperties": false, "required": ["source", "amount_mxn"],
    "properties": {
      "source": {"type": "string", "enum": ["federal", "state", "municipal"]},
      "amount_mxn": {"$ref": "#/components/schemas/Money"}
    }
  })"))
                  .ok());
  EXPECT_TRUE(set.Add("Project", json::parse(R"({
    "type": "object", "additionalProperties": false,
    "required": ["title", "budget_mxn", "status"],
    "properties": {
      "title": {"type": "string", "minLength": 1, "maxLength": 300},
      "description": {"type": "string", "maxLength": 5000},
      "status": {"type": "string", "enum": ["planned", "in_progress", "done"]},
      "budget_mxn": {"$ref": "#/components/schemas/Money"},
      "progress": {"type": "integer", "minimum": 0, "maximum": 100},
      "start_date": {"type": "string", "format": "date"},
      "end_date": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
      "contractor_rfc": {"type": "string", "format": "rfc"},
      "inegi": {"type": "string", "format": "inegi"},
      "evidence_urls": {"type": "array", "maxItems": 3, "uniqueItems": true,
                        "items": {"type": "string", "format": "uri"}},
      "funding": {"type": "array", "items": {"$ref": "#/components/schemas/Funding"}},
      "location": {"type": "object", "required": ["lat", "lng"], "properties": {
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lng": {"type": "number", "minimum": -180, "maximum": 180}}}
    }
  })"))
                  .ok());
  EXPECT_TRUE(set.Resolve().ok());
  return set;
}

json GoodProject() {
  return json::parse(R"({
    "title": "Pavimentación de la calle Hidalgo",
    "description": "Tramo de 1.2 km",
    "status": "in_progress",
    "budget_mxn": "1250000.00",
    "progress": 40,
    "start_date": "2026-02-28",
    "end_date": null,
    "contractor_rfc": "ABC010203XY1",
    "inegi": "10005",
    "evidence_urls": ["https://example.mx/a.jpg", "https://example.mx/b.jpg"],
    "funding": [{"source": "federal", "amount_mxn": "1000000"},
                {"source": "municipal", "amount_mxn": "250000.00"}],
    "location": {"lat": 24.02, "lng": -104.65}
  })");
}

TEST(JsonSchemaTest, AProjectLikeBodyIsValid) {
  const SchemaSet set = ProjectSet();
  EXPECT_TRUE(set.Validate("Project", GoodProject()).empty());
}

TEST(JsonSchemaTest, AResolvedSetCanBeMoved) {
  SchemaSet set = ProjectSet();
  SchemaSet moved(std::move(set));
  SchemaSet assigned;
  assigned = std::move(moved);
  EXPECT_TRUE(assigned.Validate("Project", GoodProject()).empty());
  json body = GoodProject();
  body["funding"][0]["amount_mxn"] = "x";
  EXPECT_EQ(assigned.Validate("Project", body).size(), 1u);
  EXPECT_EQ(assigned.Names(), (std::vector<std::string>{"Money", "Funding", "Project"}));
}

TEST(JsonSchemaTest, OneSpanishErrorPerFieldWithItsPath) {
  const SchemaSet set = ProjectSet();
  // Wrong types and missing required fields at several depths.
  const json body = json::parse(R"({
    "title": 12,
    "progress": 40.5,
    "start_date": "2026-02-31",
    "end_date": 5,
    "evidence_urls": "https://example.mx",
    "funding": [{"source": "federal", "amount_mxn": "1000000"},
                {"source": "mayor", "amount_mxn": -3, "extra": 1},
                {}],
    "location": {"lat": "24.0"},
    "colour": "red"
  })");
  EXPECT_EQ(Lines(set.Validate("Project", body)),
            (std::vector<std::string>{
                "budget_mxn: Este campo es obligatorio.",
                "status: Este campo es obligatorio.",
                "colour: Campo desconocido.",
                "end_date: No coincide con ninguna de las formas admitidas.",
                "evidence_urls: Debe ser una lista.",
                "funding[1].amount_mxn: Escriba un importe en pesos como texto decimal, por "
                "ejemplo \"1250000.00\".",
                "funding[1].extra: Campo desconocido.",
                "funding[1].source: Use uno de: federal, state, municipal.",
                "funding[2].source: Este campo es obligatorio.",
                "funding[2].amount_mxn: Este campo es obligatorio.",
                "location.lng: Este campo es obligatorio.",
                "location.lat: Debe ser un número.",
                "progress: Debe ser un número entero.",
                "start_date: Debe ser una fecha válida AAAA-MM-DD.",
                "title: Debe ser texto.",
            }));
}

TEST(JsonSchemaTest, TheFirstFailingRuleOfAFieldIsItsOnlyError) {
  const json schema = json::parse(R"({"type": "object", "properties": {
    "title": {"type": "string", "minLength": 3, "maxLength": 5, "enum": ["abcd"]}}})");
  // Too long and not in the enum: the enum comes first; one error only.
  EXPECT_EQ(Check(schema, {{"title", "abcdefgh"}}),
            (std::vector<std::string>{"title: Use uno de: abcd."}));
}

TEST(JsonSchemaTest, Types) {
  EXPECT_EQ(Check({{"type", "string"}}, 1), (std::vector<std::string>{": Debe ser texto."}));
  EXPECT_EQ(Check({{"type", "number"}}, "1"), (std::vector<std::string>{": Debe ser un número."}));
  EXPECT_EQ(Check({{"type", "boolean"}}, 0),
            (std::vector<std::string>{": Debe ser verdadero o falso."}));
  EXPECT_EQ(Check({{"type", "object"}}, json::array()),
            (std::vector<std::string>{": Debe ser un objeto."}));
  EXPECT_EQ(Check({{"type", {"string", "null"}}}, 3),
            (std::vector<std::string>{": Debe ser texto o nulo."}));
  EXPECT_TRUE(Check({{"type", {"string", "null"}}}, nullptr).empty());
  // 1.0 is an integer (JSON Schema counts the value, not its spelling).
  EXPECT_TRUE(Check({{"type", "integer"}}, json::parse("1.0")).empty());
  EXPECT_TRUE(Check({{"type", "integer"}}, json::parse("18446744073709551615")).empty());
  EXPECT_TRUE(Check({{"type", "integer"}}, json::parse("-9223372036854775808")).empty());
  EXPECT_FALSE(Check({{"type", "integer"}}, json::parse("1.5")).empty());
  EXPECT_TRUE(Check({{"type", "number"}}, json::parse("1e300")).empty());
}

TEST(JsonSchemaTest, NumbersOfEveryKindCompareExactly) {
  const json range = {{"minimum", -5}, {"maximum", json::parse("18446744073709551615")}};
  EXPECT_TRUE(Check(range, json::parse("18446744073709551615")).empty());
  EXPECT_TRUE(Check(range, json::parse("-5.0")).empty());
  EXPECT_FALSE(Check(range, json::parse("-5.000001")).empty());
  EXPECT_FALSE(Check(range, json::parse("-9223372036854775808")).empty());
  EXPECT_EQ(Check({{"minimum", 0}, {"maximum", 100}}, 101),
            (std::vector<std::string>{": Debe estar entre 0 y 100."}));
  EXPECT_EQ(Check({{"minimum", 0}}, -1),
            (std::vector<std::string>{": Debe ser mayor o igual que 0."}));
  EXPECT_EQ(Check({{"maximum", 2.5}}, 3),
            (std::vector<std::string>{": Debe ser menor o igual que 2.5."}));
  EXPECT_EQ(Check({{"exclusiveMinimum", 0}}, 0),
            (std::vector<std::string>{": Debe ser mayor que 0."}));
  EXPECT_EQ(Check({{"exclusiveMaximum", 10}}, 10.0),
            (std::vector<std::string>{": Debe ser menor que 10."}));
  EXPECT_TRUE(Check({{"exclusiveMaximum", 10}}, 9.999).empty());
  // 2^63 + 1 against the unsigned 2^63: exact, no rounding through double.
  EXPECT_FALSE(
      Check({{"maximum", json::parse("9223372036854775808")}}, json::parse("9223372036854775809"))
          .empty());
  EXPECT_TRUE(Check({{"multipleOf", 0.01}}, 12.34).empty());
  EXPECT_TRUE(Check({{"multipleOf", 3}}, -9).empty());
  EXPECT_EQ(Check({{"multipleOf", 3}}, 10),
            (std::vector<std::string>{": Debe ser múltiplo de 3."}));
  EXPECT_FALSE(Check({{"multipleOf", 0.123456789}}, 1e308).empty());
  EXPECT_TRUE(Check({{"multipleOf", 2}}, json::parse("-9223372036854775808")).empty());
}

TEST(JsonSchemaTest, StringLengthsCountCodePoints) {
  const json schema = {{"type", "string"}, {"minLength", 2}, {"maxLength", 4}};
  EXPECT_TRUE(Check(schema, "ñaña").empty());  // 4 code points, 6 bytes
  EXPECT_TRUE(Check(schema, "😀😀").empty());    // 2 code points, 8 bytes
  EXPECT_EQ(Check(schema, "ñañas"), (std::vector<std::string>{": Admite hasta 4 caracteres."}));
  EXPECT_EQ(Check(schema, "a"), (std::vector<std::string>{": Escriba al menos 2 caracteres."}));
  EXPECT_EQ(Check({{"minLength", 1}}, ""), (std::vector<std::string>{": No puede estar vacío."}));
  EXPECT_EQ(Check({{"maxLength", 1}}, "ab"),
            (std::vector<std::string>{": Admite hasta un carácter."}));
  EXPECT_EQ(Check({{"maxProperties", 2}}, {{"a", 1}, {"b", 2}, {"c", 3}}),
            (std::vector<std::string>{": Admite hasta 2 campos."}));
  EXPECT_TRUE(Check({{"maxLength", 1}}, 12345).empty());  // applies to strings only
}

TEST(JsonSchemaTest, EnumAndConst) {
  EXPECT_TRUE(Check({{"enum", {1, "a", nullptr}}}, 1.0).empty());
  EXPECT_EQ(Check({{"enum", {"federal", "state", "municipal"}}}, "city"),
            (std::vector<std::string>{": Use uno de: federal, state, municipal."}));
  EXPECT_FALSE(Check({{"enum", {false}}}, 0).empty());
  EXPECT_FALSE(Check({{"enum", {1}}}, true).empty());
  EXPECT_TRUE(Check({{"const", {{"a", {1, 2}}}}}, json::parse(R"({"a": [1.0, 2]})")).empty());
  EXPECT_EQ(Check({{"const", "sí"}}, "no"),
            (std::vector<std::string>{": Debe ser exactamente sí."}));
}

TEST(JsonSchemaTest, ArraysAndObjects) {
  EXPECT_EQ(Check({{"minItems", 1}}, json::array()),
            (std::vector<std::string>{": Debe tener al menos un elemento."}));
  EXPECT_EQ(Check({{"minItems", 2}}, {1}),
            (std::vector<std::string>{": Debe tener al menos 2 elementos."}));
  EXPECT_EQ(Check({{"maxItems", 1}}, {1, 2}),
            (std::vector<std::string>{": Admite hasta un elemento."}));
  EXPECT_EQ(
      Check({{"uniqueItems", true}}, json::parse(R"([{"a": 1, "b": 2}, 3, {"b": 2, "a": 1.0}])")),
      (std::vector<std::string>{": Tiene elementos repetidos."}));
  EXPECT_TRUE(
      Check({{"uniqueItems", true}}, json::parse(R"([false, 0, [0], [false], "0"])")).empty());
  EXPECT_EQ(Check({{"minProperties", 1}}, json::object()),
            (std::vector<std::string>{": Debe tener al menos un campo."}));
  EXPECT_EQ(Check({{"maxProperties", 1}}, {{"a", 1}, {"b", 2}}),
            (std::vector<std::string>{": Admite hasta un campo."}));
  EXPECT_EQ(Check({{"items", {{"type", "integer"}}}}, {1, "x", 3, "y"}),
            (std::vector<std::string>{"[1]: Debe ser un número entero.",
                                      "[3]: Debe ser un número entero."}));
  EXPECT_EQ(Check({{"additionalProperties", {{"type", "string"}}}}, {{"a", "x"}, {"b", 2}}),
            (std::vector<std::string>{"b: Debe ser texto."}));
}

TEST(JsonSchemaTest, MembersThatAreNotIdentifiersAreQuotedInPaths) {
  const json schema = {{"additionalProperties",
                        {{"type", "object"}, {"properties", {{"x y", {{"type", "string"}}}}}}}};
  EXPECT_EQ(Check(schema, json::parse(R"({"a b": {"x y": 1}, "ok": {"x y": 2}, "1st": 3,
                                          "q\"": 4})")),
            (std::vector<std::string>{
                "[\"1st\"]: Debe ser un objeto.", "[\"a b\"][\"x y\"]: Debe ser texto.",
                "ok[\"x y\"]: Debe ser texto.", "[\"q\\\"\"]: Debe ser un objeto."}));
}

TEST(JsonSchemaTest, Applicators) {
  const json all = {{"allOf", {{{"type", "string"}}, {{"maxLength", 2}}}}};
  EXPECT_TRUE(Check(all, "ab").empty());
  EXPECT_EQ(Check(all, "abc"), (std::vector<std::string>{": Admite hasta 2 caracteres."}));
  const json any = {{"anyOf", {{{"type", "integer"}}, {{"type", "string"}, {"maxLength", 2}}}}};
  EXPECT_TRUE(Check(any, 1).empty());
  EXPECT_TRUE(Check(any, "ab").empty());
  // Only the string form takes a string: its own error says more.
  EXPECT_EQ(Check(any, "abc"), (std::vector<std::string>{": Admite hasta 2 caracteres."}));
  EXPECT_EQ(Check(any, true),
            (std::vector<std::string>{": No coincide con ninguna de las formas admitidas."}));
  // A nullable object: the object form's errors, at their own paths only.
  SchemaSet nullable;
  ASSERT_TRUE(nullable
                  .Add("P", json::parse(R"({"anyOf": [{"type": "null"}, {"type": "object",
                      "required": ["lat"], "properties": {"lat": {"type": "number"}}}]})"))
                  .ok());
  ASSERT_TRUE(nullable.Resolve().ok());
  EXPECT_EQ(Lines(nullable.Validate("P", {{"lng", 1}})),
            (std::vector<std::string>{"lat: Este campo es obligatorio."}));
  EXPECT_EQ(Lines(nullable.Validate("P", {{"lat", "1"}})),
            (std::vector<std::string>{"lat: Debe ser un número."}));
  EXPECT_TRUE(nullable.Validate("P", nullptr).empty());
  const json one = {{"oneOf", {{{"type", "integer"}}, {{"minimum", 2}}}}};
  EXPECT_TRUE(Check(one, 1).empty());
  EXPECT_TRUE(Check(one, 2.5).empty());
  EXPECT_EQ(Check(one, 3),
            (std::vector<std::string>{
                ": Coincide con más de una de las formas admitidas; debe ser solo una."}));
  EXPECT_EQ(Check({{"not", {{"type", "null"}}}}, nullptr),
            (std::vector<std::string>{": Este valor no está permitido."}));
  EXPECT_TRUE(Check({{"not", {{"type", "null"}}}}, 0).empty());
  EXPECT_TRUE(Check(true, 0).empty());
  EXPECT_EQ(Check(false, 0), (std::vector<std::string>{": Este valor no está permitido."}));
}

TEST(JsonSchemaTest, XMessageReplacesTheMessagesOfItsNode) {
  const SchemaSet set = ProjectSet();
  json body = GoodProject();
  body["budget_mxn"] = "12.345";
  EXPECT_EQ(Lines(set.Validate("Project", body)),
            (std::vector<std::string>{"budget_mxn: Escriba un importe en pesos como texto "
                                      "decimal, por ejemplo \"1250000.00\"."}));
  body["budget_mxn"] = 12;  // a type error of the referenced node: same message
  EXPECT_EQ(Lines(set.Validate("Project", body)),
            (std::vector<std::string>{"budget_mxn: Escriba un importe en pesos como texto "
                                      "decimal, por ejemplo \"1250000.00\"."}));
  // The outer x-message wins over the referenced schema's; members' own
  // subschemas keep theirs.
  SchemaSet outer;
  ASSERT_TRUE(outer.Add("Inner", {{"type", "string"}, {"x-message", "interno"}}).ok());
  ASSERT_TRUE(outer
                  .Add("Outer",
                       {{"type", "object"},
                        {"x-message", "Describa el punto."},
                        {"required", {"p"}},
                        {"properties",
                         {{"a", {{"$ref", "#/components/schemas/Inner"}, {"x-message", "externo"}}},
                          {"b", {{"$ref", "#/components/schemas/Inner"}}}}}})
                  .ok());
  ASSERT_TRUE(outer.Resolve().ok());
  // "required" is a rule of Outer: its x-message; a and b's own rules: theirs.
  EXPECT_EQ(Lines(outer.Validate("Outer", {{"a", 1}, {"b", 2}})),
            (std::vector<std::string>{"p: Describa el punto.", "a: externo", "b: interno"}));
  EXPECT_EQ(Lines(outer.Validate("Outer", 5)), (std::vector<std::string>{": Describa el punto."}));
}

TEST(JsonSchemaTest, Formats) {
  auto valid = [](const char* format, const std::string& text) {
    return Check({{"type", "string"}, {"format", format}}, text).empty();
  };
  EXPECT_TRUE(valid("money", "1250000.00"));
  EXPECT_TRUE(valid("money", "0"));
  EXPECT_TRUE(valid("money", "99999999999999.99"));
  EXPECT_FALSE(valid("money", "999999999999999"));  // 15 integer digits
  EXPECT_FALSE(valid("money", "1.234"));
  EXPECT_FALSE(valid("money", "1."));
  EXPECT_FALSE(valid("money", ".5"));
  EXPECT_FALSE(valid("money", "1,000.00"));
  EXPECT_EQ(Check({{"format", "money"}}, "-1"),
            (std::vector<std::string>{": El importe no puede ser negativo."}));
  EXPECT_TRUE(valid("date", "2024-02-29"));
  EXPECT_FALSE(valid("date", "2026-02-31"));
  EXPECT_FALSE(valid("date", "0000-01-01"));
  EXPECT_FALSE(valid("date", "2026-1-1"));
  EXPECT_TRUE(valid("date-time", "2026-01-31T12:00:00Z"));
  EXPECT_TRUE(valid("date-time", "2026-01-31T23:59:59.5-06:00"));
  EXPECT_FALSE(valid("date-time", "2026-02-30T12:00:00Z"));
  EXPECT_FALSE(valid("date-time", "2026-01-31T24:00:00Z"));
  EXPECT_FALSE(valid("date-time", "2026-01-31T12:60:00Z"));
  EXPECT_FALSE(valid("date-time", "2026-01-31T12:00:00+25:00"));
  EXPECT_TRUE(valid("curp", "HEGG560427MVZRRL04"));
  EXPECT_FALSE(valid("curp", "HEGG560427MVZRRL05"));
  EXPECT_TRUE(valid("rfc", "ABC010203XY1"));
  EXPECT_FALSE(valid("rfc", "AB010203XY1"));
  EXPECT_TRUE(valid("uuid", "0f8fad5b-d9cb-469f-a165-70867728950e"));
  EXPECT_FALSE(valid("uuid", "0F8FAD5B-D9CB-469F-A165-70867728950E"));
  EXPECT_TRUE(valid("uri", "https://datos.gob.mx/obra?id=1"));
  EXPECT_FALSE(valid("uri", "ftp://datos.gob.mx"));
  EXPECT_FALSE(valid("uri", "https://" + std::string(3000, 'a')));
  EXPECT_TRUE(valid("email", "ana@durango.gob.mx"));
  EXPECT_FALSE(valid("email", "ana@durango"));
  EXPECT_TRUE(valid("inegi", "10"));
  EXPECT_TRUE(valid("inegi", "10005"));
  EXPECT_TRUE(valid("inegi", "100050001"));
  EXPECT_FALSE(valid("inegi", "1000"));
  // A format constrains strings only.
  EXPECT_TRUE(Check({{"format", "date"}}, 20260101).empty());
  EXPECT_EQ(Check({{"format", "curp"}}, "x"),
            (std::vector<std::string>{
                ": Debe ser una CURP válida: 18 caracteres con su dígito verificador."}));
}

TEST(JsonSchemaTest, AddRefusesWhatItCannotCheck) {
  auto refused = [](const json& schema) {
    SchemaSet set;
    const Status status = set.Add("S", schema);
    EXPECT_FALSE(status.ok()) << schema.dump();
    EXPECT_FALSE(set.Has("S"));
    return status.message();
  };
  EXPECT_EQ(refused({{"properties", {{"code", {{"type", "string"}, {"pattern", "^[A-Z]+$"}}}}}}),
            "esquema \"S\", en /properties/code: \"pattern\" es una palabra clave que el "
            "intérprete no implementa");
  refused({{"patternProperties", json::object()}});
  refused({{"if", true}});
  refused({{"prefixItems", json::array()}});
  refused({{"items", {true, false}}});
  refused({{"nullable", true}});
  EXPECT_EQ(refused({{"format", "ipv4"}}),
            "esquema \"S\", en /format: \"format\" debe ser uno de: date, date-time, uuid, "
            "email, uri, money, curp, rfc, inegi");
  refused({{"type", "text"}});
  refused({{"type", {"string", "string"}}});
  refused({{"minLength", -1}});
  refused({{"maxLength", 1.5}});
  refused({{"multipleOf", 0}});
  refused({{"required", {"a", "a"}}});
  refused({{"anyOf", json::array()}});
  refused({{"$ref", "#/definitions/X"}});
  refused({{"$ref", "http://example.com/s.json"}});
  refused({{"x-message", 3}});
  refused(json::array());
  refused(3);
  // Annotations and extensions pass.
  SchemaSet set;
  EXPECT_TRUE(set.Add("S", json::parse(R"({"title": "t", "description": "d", "examples": [1],
      "example": 1, "default": 2, "readOnly": true, "writeOnly": false, "deprecated": false,
      "$comment": "c", "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "x", "x-codelist": "Sector", "x-anything": {"a": [1]}, "maxLength": 2.0})"))
                  .ok());
  EXPECT_FALSE(set.Add("S", true).ok());    // a second "S"
  EXPECT_FALSE(set.Add("a-b", true).ok());  // not a name
  // Too deep a schema is refused, not walked.
  json deep = true;
  for (int i = 0; i < 100; ++i) deep = json{{"not", deep}};
  refused(deep);
}

TEST(JsonSchemaTest, ResolveRefusesDanglingRefsAndCyclesThatDoNotDescend) {
  {
    SchemaSet set;
    ASSERT_TRUE(set.Add("A", {{"$ref", "#/components/schemas/Missing"}}).ok());
    const Status status = set.Resolve();
    EXPECT_FALSE(status.ok());
    EXPECT_NE(status.message().find("Missing"), std::string::npos) << status.message();
  }
  {
    // A pointer to a place that is no schema ("properties" itself).
    SchemaSet set;
    ASSERT_TRUE(set.Add("A", {{"properties", {{"a", true}}}}).ok());
    ASSERT_TRUE(set.Add("B", {{"$ref", "#/components/schemas/A/properties"}}).ok());
    EXPECT_FALSE(set.Resolve().ok());
  }
  {
    SchemaSet set;
    ASSERT_TRUE(set.Add("A", {{"allOf", {{{"$ref", "#/components/schemas/B"}}}}}).ok());
    ASSERT_TRUE(set.Add("B", {{"anyOf", {{{"$ref", "#/components/schemas/A"}}, true}}}).ok());
    const Status status = set.Resolve();
    EXPECT_FALSE(status.ok());
    EXPECT_NE(status.message().find("ciclo"), std::string::npos) << status.message();
  }
  {
    SchemaSet set;
    ASSERT_TRUE(set.Add("Self", {{"$ref", "#/components/schemas/Self"}}).ok());
    EXPECT_FALSE(set.Resolve().ok());
  }
  {
    // A tree: the cycle goes through properties and items, which descend.
    SchemaSet set;
    ASSERT_TRUE(set.Add("Node", json::parse(R"({"type": "object", "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
        "parent": {"$ref": "#/components/schemas/Node"}},
        "$defs": {"Leaf": {"type": "string", "maxLength": 3}}})"))
                    .ok());
    ASSERT_TRUE(set.Add("UsesLeaf", {{"$ref", "#/components/schemas/Node/$defs/Leaf"}}).ok());
    ASSERT_TRUE(set.Resolve().ok());
    EXPECT_EQ(Lines(set.Validate("Node", json::parse(
                                             R"({"name": "a", "children": [{"name": 1,
                                             "children": [{"parent": {"name": false}}]}]})"))),
              (std::vector<std::string>{"children[0].children[0].parent.name: Debe ser texto.",
                                        "children[0].name: Debe ser texto."}));
    EXPECT_EQ(Lines(set.Validate("UsesLeaf", "abcd")),
              (std::vector<std::string>{": Admite hasta 3 caracteres."}));
  }
}

TEST(JsonSchemaTest, ValidateWithUsesThePathAndTheSetsRefs) {
  const SchemaSet set = ProjectSet();
  const json status_schema = {{"type", "string"}, {"enum", {"planned", "done"}}};
  EXPECT_TRUE(set.ValidateWith(status_schema, "done", "status").empty());
  EXPECT_EQ(Lines(set.ValidateWith(status_schema, "x", "status")),
            (std::vector<std::string>{"status: Use uno de: planned, done."}));
  EXPECT_EQ(Lines(set.ValidateWith({{"$ref", "#/components/schemas/Money"}}, "x", "min_budget")),
            (std::vector<std::string>{"min_budget: Escriba un importe en pesos como texto "
                                      "decimal, por ejemplo \"1250000.00\"."}));
  // A schema the interpreter refuses fails closed.
  EXPECT_EQ(set.ValidateWith({{"pattern", "x"}}, "x", "q").size(), 1u);
  EXPECT_EQ(set.ValidateWith({{"$ref", "#/components/schemas/Nope"}}, "x", "q").size(), 1u);
  EXPECT_TRUE(set.CheckSchema({{"$ref", "#/components/schemas/Money"}}, "q").ok());
  EXPECT_FALSE(set.CheckSchema({{"$ref", "#/components/schemas/Nope"}}, "q").ok());
}

TEST(JsonSchemaTest, AtMostOneHundredErrors) {
  json values = json::array();
  for (int i = 0; i < 10'000; ++i) values.push_back("x");
  const auto errors = One({{"items", {{"type", "integer"}}}}).Validate("T", values);
  EXPECT_EQ(errors.size(), SchemaSet::kMaxErrors);
  EXPECT_EQ(errors.front().field, "[0]");
}

TEST(JsonSchemaTest, LargeAndDeepDocumentsValidateQuickly) {
  // The bounded parser's limits: 10,000 values, depth 32.
  json big = json::array();
  for (int i = 0; i < 9'999; ++i) big.push_back(i);
  const SchemaSet set = One(
      {{"type", "array"}, {"uniqueItems", true}, {"items", {{"type", "integer"}, {"minimum", 0}}}});
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(set.Validate("T", big).empty());
  json deep = 1;
  for (int i = 0; i < 31; ++i) deep = json{{"a", deep}};
  SchemaSet tree;
  ASSERT_TRUE(tree.Add("N", json::parse(R"({"anyOf": [{"type": "integer"},
      {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/N"}}]})"))
                  .ok());
  ASSERT_TRUE(tree.Resolve().ok());
  EXPECT_TRUE(tree.Validate("N", deep).empty());
  deep = json{{"a", deep}};
  EXPECT_TRUE(tree.Validate("N", deep).empty());
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(JsonSchemaTest, SchemasThatMultiplyWorkAreRefusedOrStopped) {
  // Each level applies the next one twice to the same value: 2^40
  // evaluations; Resolve counts the fan-out and refuses it.
  json defs = json::object();
  for (int i = 0; i < 40; ++i) {
    const std::string next = "#/components/schemas/T/$defs/d" + std::to_string(i + 1);
    defs["d" + std::to_string(i)] = {{"allOf", {{{"$ref", next}}, {{"$ref", next}}}}};
  }
  defs["d40"] = {{"type", "string"}};
  SchemaSet refused;
  ASSERT_TRUE(
      refused.Add("T", {{"$defs", defs}, {"$ref", "#/components/schemas/T/$defs/d0"}}).ok());
  const Status status = refused.Resolve();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("subesquemas a un mismo valor"), std::string::npos)
      << status.message();

  // Twice per level of the value: a fan-out of 3, but 2^32 evaluations of a
  // 32-deep value. The step cap stops it with an error for the document.
  SchemaSet set;
  ASSERT_TRUE(set.Add("N", json::parse(R"({"allOf": [
      {"properties": {"a": {"$ref": "#/components/schemas/N"}}},
      {"properties": {"a": {"$ref": "#/components/schemas/N"}}}]})"))
                  .ok());
  ASSERT_TRUE(set.Resolve().ok());
  json deep = 1;
  for (int i = 0; i < 31; ++i) deep = json{{"a", deep}};
  const auto started = std::chrono::steady_clock::now();
  const auto errors = set.Validate("N", deep);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "");
  EXPECT_EQ(errors[0].message,
            "No se pudo validar: el documento es demasiado profundo o complejo.");
  // About 0.05 s in Release; generous for Debug with sanitizers on a shared machine.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
}

// Not an assertion: the cost of one validation of a public-works-like body,
// printed for the report (Debug+sanitizers here; see the bench for Release).
TEST(JsonSchemaTest, MeasureAProjectBody) {
  const SchemaSet set = ProjectSet();
  const json body = GoodProject();
  constexpr int kRounds = 2'000;
  const auto started = std::chrono::steady_clock::now();
  std::size_t errors = 0;
  for (int i = 0; i < kRounds; ++i) errors += set.Validate("Project", body).size();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  EXPECT_EQ(errors, 0u);
  std::printf("[ measure  ] %zu-byte project body: %lld ns per validation\n", body.dump().size(),
              static_cast<long long>(ns / kRounds));
}

}  // namespace
}  // namespace cabildo::core
