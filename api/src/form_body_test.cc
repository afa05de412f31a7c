#include "form_body.h"

#include <gtest/gtest.h>

namespace cabildo::api {
namespace {

using nlohmann::json;

json Parsed(std::string_view bytes) {
  BoundedJson body = ParseFormBody(bytes);
  EXPECT_TRUE(body.ok()) << (body.refusal ? body.refusal->detail : "");
  return body.value;
}

int Refused(std::string_view bytes, const FormLimits& limits = {}) {
  BoundedJson body = ParseFormBody(bytes, limits);
  return body.refusal ? body.refusal->status : 0;
}

// What an Open311 client sends for a report, as the specification writes it.
TEST(FormBodyTest, DecodesAnOpen311Report) {
  json body = Parsed(
      "api_key=xyz&jurisdiction_id=gomez-palacio&service_code=001&lat=25.56&long=-103.49"
      "&address_string=Av.+Morelos+%23120&description=Basura+en+la+esquina%0Ados+d%C3%ADas"
      "&attribute%5Bsize%5D=grande&attribute[kinds][]=vidrio&attribute[kinds][]=pet&email=");
  EXPECT_EQ(body["api_key"], "xyz");
  EXPECT_EQ(body["address_string"], "Av. Morelos #120");
  EXPECT_EQ(body["description"], "Basura en la esquina\ndos días");
  EXPECT_EQ(body["attribute"], (json{{"size", "grande"}, {"kinds", {"vidrio", "pet"}}}));
  EXPECT_EQ(body["email"], "");
  EXPECT_EQ(body["lat"], "25.56");  // every value a string, as sent
}

TEST(FormBodyTest, ListsAndEmptyPairs) {
  EXPECT_EQ(Parsed(""), json::object());
  EXPECT_EQ(Parsed("&&a=1&"), (json{{"a", "1"}}));
  EXPECT_EQ(Parsed("a[]=1&a[]=2"), (json{{"a", {"1", "2"}}}));
  EXPECT_EQ(Parsed("flag"), (json{{"flag", ""}}));
  EXPECT_EQ(Parsed("a=x%3Dy%26z"), (json{{"a", "x=y&z"}}));
}

TEST(FormBodyTest, RefusesAmbiguousOrDeepNames) {
  EXPECT_EQ(Refused("a=1&a=2"), 400);  // which one?
  EXPECT_EQ(Refused("a[k]=1&a[k]=2"), 400);
  EXPECT_EQ(Refused("a=1&a[]=2"), 400);  // two shapes
  EXPECT_EQ(Refused("a[k]=1&a[]=2"), 400);
  EXPECT_EQ(Refused("a[k][]=1&a[k]=2"), 400);
  EXPECT_EQ(Refused("a[k][j]=1"), 400);  // deeper than a[k][]
  EXPECT_EQ(Refused("a[k][][]=1"), 400);
  EXPECT_EQ(Refused("a[=1"), 400);
  EXPECT_EQ(Refused("a]=1"), 400);
  EXPECT_EQ(Refused("[k]=1"), 400);
  EXPECT_EQ(Refused("a[]x=1"), 400);
  EXPECT_EQ(Refused("=1"), 400);
}

TEST(FormBodyTest, RefusesWhatIsNotText) {
  EXPECT_EQ(Refused("a=%FF"), 400);
  EXPECT_EQ(Refused("%FF=1"), 400);
  EXPECT_EQ(Refused("a%00=1"), 400);
  BoundedJson nul = ParseFormBody("description=hola%00adios");
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.refusal->status, 422);
  EXPECT_EQ(nul.refusal->field, "description");
  EXPECT_TRUE(ParseFormBody("d=l%C3%ADnea%0D%0Aotra%09tab").ok());
}

TEST(FormBodyTest, BoundsFieldsAndNames) {
  std::string many;
  for (int i = 0; i < 11; ++i) many += "f" + std::to_string(i) + "=1&";
  EXPECT_EQ(Refused(many, {.max_fields = 10, .max_name_bytes = 128}), 400);
  EXPECT_EQ(Refused(std::string(129, 'a') + "=1"), 400);
  EXPECT_EQ(Refused(std::string(100'000, 'a') + "=1"), 400);
  EXPECT_TRUE(ParseFormBody(std::string(128, 'a') + "=1").ok());
}

TEST(FormBodyTest, RecognisesTheMediaType) {
  EXPECT_TRUE(IsFormMediaType("application/x-www-form-urlencoded"));
  EXPECT_TRUE(IsFormMediaType("Application/X-WWW-Form-Urlencoded; charset=UTF-8"));
  EXPECT_FALSE(IsFormMediaType("application/json"));
  EXPECT_FALSE(IsFormMediaType("multipart/form-data; boundary=x"));
}

}  // namespace
}  // namespace cabildo::api
