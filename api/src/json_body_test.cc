#include "json_body.h"

#include <string>

#include <gtest/gtest.h>

namespace cabildo::api {
namespace {

using nlohmann::json;

TEST(JsonNestingTest, CountsOnlyBracketsOutsideStrings) {
  EXPECT_TRUE(JsonNestingWithin(R"({"a": [1, {"b": []}]})", 4));
  EXPECT_FALSE(JsonNestingWithin(R"({"a": [1, {"b": []}]})", 3));
  // Brackets inside strings, after an escaped quote too, are text.
  EXPECT_TRUE(JsonNestingWithin(R"({"a": "[[[[\"[[[[\\"})", 1));
  EXPECT_FALSE(JsonNestingWithin(R"({"a": "\\"}, [[)", 1));
  EXPECT_TRUE(JsonNestingWithin("[][][][]", 1));
}

TEST(JsonNestingTest, RefusesTheIssuesBodiesInOnePass) {
  EXPECT_FALSE(JsonNestingWithin(R"({"email":)" + std::string(150'000, '['), 32));
  std::string objects;
  for (int i = 0; i < 150'000; ++i) objects += R"({"a":)";
  EXPECT_FALSE(JsonNestingWithin(objects, 32));
  EXPECT_TRUE(JsonNestingWithin(std::string(32, '[') + std::string(32, ']'), 32));
  EXPECT_FALSE(JsonNestingWithin(std::string(33, '[') + std::string(33, ']'), 32));
}

TEST(BoundedJsonTest, ParsesOrdinaryBodies) {
  auto parsed = ParseBoundedJson(
      R"({"title": "Pavimentación\ncalle 5", "budget_mxn": "100.00", "pct": 12.5,
          "funding": [{"origin": "federal"}], "n": -3, "ok": true, "none": null})");
  ASSERT_TRUE(parsed.ok()) << parsed.refusal->detail;
  EXPECT_EQ(parsed.value["title"], "Pavimentación\ncalle 5");
  EXPECT_EQ(parsed.value["funding"][0]["origin"], "federal");
  EXPECT_EQ(parsed.value["pct"], 12.5);
  EXPECT_EQ(parsed.value["n"], -3);
  EXPECT_EQ(parsed.value["none"], nullptr);
  EXPECT_EQ(ParseBoundedJson("[1, 2]").value, json({1, 2}));
  EXPECT_EQ(ParseBoundedJson("\"x\"").value, "x");
}

TEST(BoundedJsonTest, RefusesMalformedAndEmptyBodiesWith400) {
  for (const char* body : {"", "  \n", "{", R"({"a": 1,})", "nul", R"({"a": 1} x)"}) {
    auto parsed = ParseBoundedJson(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.refusal->status, 400) << body;
    EXPECT_NE(parsed.refusal->detail.find("JSON"), std::string::npos) << body;
  }
}

TEST(BoundedJsonTest, RefusesDeepNestingBeforeParsing) {
  for (const std::string& body : {R"({"email":)" + std::string(150'000, '['),
                                  std::string(100'000, '[') + std::string(100'000, ']'),
                                  std::string(33, '[') + std::string(33, ']')}) {
    auto parsed = ParseBoundedJson(body);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.refusal->status, 400);
    EXPECT_NE(parsed.refusal->detail.find("32 niveles"), std::string::npos);
  }
  EXPECT_TRUE(ParseBoundedJson(std::string(32, '[') + std::string(32, ']')).ok());
}

TEST(BoundedJsonTest, BoundsTheNumberOfValues) {
  std::string many = "[";
  for (int i = 0; i < 10'000; ++i) many += i == 0 ? "0" : ",0";
  EXPECT_TRUE(ParseBoundedJson(many + "]", {.max_values = 10'001}).ok());
  auto parsed = ParseBoundedJson(many + ",0]");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.refusal->status, 400);
  EXPECT_NE(parsed.refusal->detail.find("10000 valores"), std::string::npos);
}

TEST(BoundedJsonTest, BoundsKeyLength) {
  auto parsed = ParseBoundedJson(R"({")" + std::string(129, 'k') + R"(": 1})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.refusal->status, 400);
  EXPECT_TRUE(ParseBoundedJson(R"({")" + std::string(128, 'k') + R"(": 1})").ok());
}

TEST(BoundedJsonTest, RefusesControlCharactersNamingTheField) {
  auto nul = ParseBoundedJson(R"({"email": "victim@x.mx\u00001", "password": "x"})");
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.refusal->status, 422);
  EXPECT_EQ(nul.refusal->field, "email");
  EXPECT_NE(nul.refusal->message.find("U+0000"), std::string::npos);

  auto nested = ParseBoundedJson(R"({"funding": [{"fund": "ok"}, {"fund": "FA\u001fIS"}]})");
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.refusal->field, "funding[1].fund");
  EXPECT_NE(nested.refusal->message.find("U+001F"), std::string::npos);

  auto del = ParseBoundedJson("{\"note\": \"a\x7f\"}");
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.refusal->field, "note");

  auto in_array = ParseBoundedJson(R"({"urls": ["a", "\u0000"]})");
  ASSERT_FALSE(in_array.ok());
  EXPECT_EQ(in_array.refusal->field, "urls[1]");
}

TEST(BoundedJsonTest, RefusesControlCharactersInKeysIncludingLineBreaks) {
  auto parsed = ParseBoundedJson(R"({"a": {"em\u0000ail": "x"}})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.refusal->status, 422);
  EXPECT_EQ(parsed.refusal->field, "a.em\\u0000ail");
  EXPECT_FALSE(ParseBoundedJson(R"({"a\n": 1})").ok());
}

// A refused value at the root names no field: a 422 with an empty field
// would be a validation answer pointing nowhere (found by json_body_fuzz).
TEST(BoundedJsonTest, ARefusedValueAtTheRootIsA400) {
  for (const char* body : {"1e400", "-1e400", "\"a\\u0000\""}) {
    auto parsed = ParseBoundedJson(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.refusal->status, 400) << body;
    EXPECT_TRUE(parsed.refusal->field.empty()) << body;
    EXPECT_NE(parsed.refusal->detail.find("El cuerpo no es válido"), std::string::npos) << body;
  }
  EXPECT_EQ(ParseBoundedJson(R"({"a": 1e400})").refusal->status, 422);  // a field: named
}

TEST(BoundedJsonTest, AllowsTabNewlineAndCarriageReturnInValues) {
  auto parsed = ParseBoundedJson(R"({"note": "uno\tdos\r\ntres"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value["note"], "uno\tdos\r\ntres");
}

TEST(BoundedJsonTest, RefusesNumbersBeyondDoubleNamingTheField) {
  auto parsed = ParseBoundedJson(R"({"location": {"lat": 1, "lon": -1e400}})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.refusal->status, 422);
  EXPECT_EQ(parsed.refusal->field, "location.lon");
  auto in_array = ParseBoundedJson("[1, 2, 1e400]");
  ASSERT_FALSE(in_array.ok());
  EXPECT_EQ(in_array.refusal->field, "[2]");
  // Large but finite numbers and integers beyond 64 bits are numbers.
  EXPECT_TRUE(ParseBoundedJson(R"({"a": 1e300, "b": 123456789012345678901234567890})").ok());
}

}  // namespace
}  // namespace cabildo::api
