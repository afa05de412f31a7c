#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "cabildo/core/tenants.h"

namespace cabildo::core {
namespace {

using nlohmann::json;

json State(const char* slug = "durango", const char* inegi = "10") {
  return {{"slug", slug},
          {"name", "Estado"},
          {"kind", "state"},
          {"parent", nullptr},
          {"inegi_code", inegi}};
}
json Municipality(const char* slug, const char* parent, const char* inegi) {
  return {{"slug", slug},
          {"name", "Municipio"},
          {"kind", "municipality"},
          {"parent", parent},
          {"inegi_code", inegi}};
}
std::string FileWith(json tenants) { return json{{"tenants", std::move(tenants)}}.dump(); }

// Expects failure and that the message names `entry` and contains `why`.
void ExpectRejected(const std::string& text, const std::string& entry, const std::string& why,
                    const std::vector<ExistingTenant>& existing = {}) {
  auto file = ParseTenantFile(text, existing);
  ASSERT_FALSE(file.ok()) << "accepted: " << text;
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(file.status().message().find(entry), std::string::npos) << file.status().message();
  EXPECT_NE(file.status().message().find(why), std::string::npos) << file.status().message();
}

TEST(TenantFileTest, TheDurangoInstanceIsValidAndOrdered) {
  std::ifstream in(std::string(CABILDO_SOURCE_DIR) + "/tenants/durango.json");
  std::stringstream text;
  text << in.rdbuf();
  auto file = ParseTenantFile(text.str(), {});
  ASSERT_TRUE(file.ok()) << file.status().message();
  ASSERT_EQ(file->tenants.size(), 4u);
  EXPECT_EQ(file->tenants[0].slug, "durango");
  EXPECT_EQ(file->tenants[0].inegi_code, "10");
  std::map<std::string, std::string> inegi;
  for (const auto& t : file->tenants) inegi[t.slug] = t.inegi_code.value_or("");
  EXPECT_EQ(inegi["municipio-durango"], "10005");
  EXPECT_EQ(inegi["gomez-palacio"], "10007");
  EXPECT_EQ(inegi["tepehuanes"], "10035");
}

TEST(TenantFileTest, ParentsComeBeforeChildrenWhateverTheFileOrder) {
  auto file =
      ParseTenantFile(FileWith({Municipality("tepehuanes", "durango", "10035"), State()}), {});
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->tenants[0].slug, "durango");
  EXPECT_EQ(file->tenants[1].slug, "tepehuanes");
}

TEST(TenantFileTest, ParentMayAlreadyExistInTheDatabase) {
  auto file = ParseTenantFile(FileWith({Municipality("tepehuanes", "durango", "10035")}),
                              {{"durango", std::nullopt, "10", "state"}});
  EXPECT_TRUE(file.ok()) << file.status().message();
}

TEST(TenantFileTest, RejectsMalformedJson) {
  auto file = ParseTenantFile("{\"tenants\": [", {});
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("JSON"), std::string::npos);
}

TEST(TenantFileTest, RejectsADocumentWithoutTenants) {
  EXPECT_FALSE(ParseTenantFile("{}", {}).ok());
  EXPECT_FALSE(ParseTenantFile("[]", {}).ok());
}

TEST(TenantFileTest, RejectsBadSlugs) {
  for (const char* slug : {"Durango", "d", "durango_estado", "durángo", "a b"}) {
    ExpectRejected(FileWith({State(slug)}), "tenants[0]", "slug no válido");
  }
  ExpectRejected(FileWith({State(std::string(64, 'a').c_str())}), "tenants[0]", "slug no válido");
}

TEST(TenantFileTest, RejectsUnknownParent) {
  ExpectRejected(FileWith({State(), Municipality("tepehuanes", "chihuahua", "10035")}),
                 "tenants[1] (tepehuanes)", "el parent 'chihuahua' no existe");
}

TEST(TenantFileTest, RejectsACycle) {
  json a = {{"slug", "agencia-a"}, {"name", "A"}, {"kind", "agency"}, {"parent", "agencia-b"}};
  json b = {{"slug", "agencia-b"}, {"name", "B"}, {"kind", "agency"}, {"parent", "agencia-a"}};
  ExpectRejected(FileWith({a, b}), "agencia-a", "ciclo");
}

TEST(TenantFileTest, RejectsACycleThroughTheDatabase) {
  // The database has durango ← ag-x; the file makes ag-x the parent of a new ag-y
  // and re-parents ag-x under ag-y.
  json x = {{"slug", "ag-x"}, {"name", "X"}, {"kind", "agency"}, {"parent", "ag-y"}};
  json y = {{"slug", "ag-y"}, {"name", "Y"}, {"kind", "agency"}, {"parent", "ag-x"}};
  ExpectRejected(
      FileWith({x, y}), "ag-x", "ciclo",
      {{"durango", std::nullopt, "10", "state"}, {"ag-x", "durango", std::nullopt, "agency"}});
}

TEST(TenantFileTest, RejectsDuplicateInegiKeyInTheFile) {
  ExpectRejected(FileWith({State(), Municipality("municipio-durango", "durango", "10005"),
                           Municipality("gomez-palacio", "durango", "10005")}),
                 "tenants[2] (gomez-palacio)", "inegi_code '10005' repetido");
}

TEST(TenantFileTest, RejectsInegiKeyHeldByAnotherTenantInTheDatabase) {
  ExpectRejected(FileWith({State(), Municipality("lerdo", "durango", "10007")}), "lerdo",
                 "ya pertenece al tenant 'gomez-palacio'",
                 {{"durango", std::nullopt, "10", "state"},
                  {"gomez-palacio", "durango", "10007", "municipality"}});
}

// The state's prefix holds against a state already in the database too
// (before, only a state in the same file was compared: POST /v1/tenants of a
// municipality under Durango with Coahuila's 05001 was accepted).
TEST(TenantFileTest, RejectsAMunicipalityCodeOutsideItsStoredState) {
  ExpectRejected(FileWith({Municipality("lerdo", "durango", "05012")}), "lerdo",
                 "no pertenece al estado 'durango'", {{"durango", std::nullopt, "10", "state"}});
  auto fine = ParseTenantFile(FileWith({Municipality("lerdo", "durango", "10012")}),
                              {{"durango", std::nullopt, "10", "state"}});
  EXPECT_TRUE(fine.ok()) << fine.status().message();
}

TEST(TenantFileTest, OneInegiRuleWithoutRegex) {
  EXPECT_EQ(InegiCodeProblem("state", "10", std::nullopt), "");
  EXPECT_EQ(InegiCodeProblem("municipality", "10005", std::string("10")), "");
  EXPECT_EQ(InegiCodeProblem("agency", "10", std::nullopt), "");
  EXPECT_NE(InegiCodeProblem("municipality", "05001", std::string("10")), "");
  EXPECT_EQ(InegiCodeProblem("municipality", "10005", std::nullopt), "");  // state without code
  EXPECT_NE(InegiCodeProblem("state", "1a", std::nullopt), "");
  EXPECT_NE(InegiCodeProblem("state", "100", std::nullopt), "");
  EXPECT_NE(InegiCodeProblem("municipality", "10", std::nullopt), "");
  EXPECT_NE(InegiCodeProblem("agency", "1000", std::nullopt), "");
  EXPECT_NE(InegiCodeProblem("state", std::string(200000, '1'), std::nullopt), "");
}

TEST(TenantFileTest, RejectsDuplicateSlug) {
  ExpectRejected(FileWith({State(), State("durango", "11")}), "tenants[1] (durango)", "repetido");
}

TEST(TenantFileTest, RejectsBadKindAndShape) {
  json bad_kind = State();
  bad_kind["kind"] = "country";
  ExpectRejected(FileWith({bad_kind}), "tenants[0]", "kind 'country'");
  json state_with_parent = State("coahuila", "05");
  state_with_parent["parent"] = "durango";
  ExpectRejected(FileWith({State(), state_with_parent}), "coahuila", "un estado no tiene parent");
  json orphan = Municipality("lerdo", "durango", "10012");
  orphan["parent"] = nullptr;
  ExpectRejected(FileWith({State(), orphan}), "lerdo", "falta 'parent'");
  json nameless = State();
  nameless.erase("name");
  ExpectRejected(FileWith({nameless}), "tenants[0] (durango)", "falta 'name'");
  json numeric_name = State();
  numeric_name["name"] = 5;
  ExpectRejected(FileWith({numeric_name}), "tenants[0] (durango)", "'name' debe ser texto");
}

TEST(TenantFileTest, RejectsBadInegiKeys) {
  ExpectRejected(FileWith({State("durango", "1")}), "durango", "inegi_code '1' no válido");
  ExpectRejected(FileWith({State(), Municipality("lerdo", "durango", "10012a")}), "lerdo",
                 "no válido");
  ExpectRejected(FileWith({State(), Municipality("lerdo", "durango", "10")}), "lerdo", "no válido");
  ExpectRejected(FileWith({State(), Municipality("torreon", "durango", "05035")}), "torreon",
                 "no pertenece al estado 'durango'");
}

TEST(TenantFileTest, RejectsBadModuleNames) {
  json state = State();
  state["modules"] = {"public-works", "Obra Pública"};
  ExpectRejected(FileWith({state}), "durango", "nombre de módulo no válido");
}

TEST(TenantFileTest, ReportsEveryProblemNotJustTheFirst) {
  auto file = ParseTenantFile(FileWith({State("X"), Municipality("lerdo", "nadie", "10012")}), {});
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("slug no válido"), std::string::npos);
  EXPECT_NE(file.status().message().find("'nadie' no existe"), std::string::npos);
}

}  // namespace
}  // namespace cabildo::core
