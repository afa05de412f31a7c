// The module's JSON Schemas (plugins/public_works/schemas/*.json) loaded into
// the host's interpreter as the host loads them: every rule of a request body
// that a schema can say is said there, field by field, in Spanish; the
// handlers keep only the rules across fields and the database's.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cabildo/core/json_schema.h"

#include "sample_project.h"

namespace cabildo {
namespace {

using public_works_testing::With;

using nlohmann::json;

std::map<std::string, json> SchemaFiles() {
  std::map<std::string, json> files;
  for (const auto& entry : std::filesystem::directory_iterator(PUBLIC_WORKS_SCHEMA_DIR)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    files[entry.path().stem().string()] = json::parse(text.str());
  }
  return files;
}

class PublicWorksSchemasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [name, schema] : SchemaFiles()) {
      ASSERT_TRUE(set_.Add(name, schema).ok()) << name << ": " << set_.Add(name, schema).message();
    }
    const Status resolved = set_.Resolve();
    ASSERT_TRUE(resolved.ok()) << resolved.message();
  }

  // field -> message.
  std::map<std::string, std::string> Errors(const std::string& schema, const json& value) {
    std::map<std::string, std::string> errors;
    for (const auto& error : set_.Validate(schema, value)) errors[error.field] = error.message;
    return errors;
  }

  core::SchemaSet set_;
};

json Sample() { return public_works_testing::Sample("Rehabilitación de la plaza"); }

TEST_F(PublicWorksSchemasTest, EveryFileIsOneSchemaNamedWithTheModulePrefix) {
  const auto files = SchemaFiles();
  EXPECT_GE(files.size(), 10u);
  for (const auto& [name, schema] : files) {
    EXPECT_EQ(name.rfind("PublicWorks", 0), 0u) << name;
    EXPECT_TRUE(schema.is_object()) << name;
  }
  for (const char* name :
       {"PublicWorksProjectInput", "PublicWorksProjectPatch", "PublicWorksProgressInput",
        "PublicWorksProject", "PublicWorksProjectPage", "PublicWorksProgressReport",
        "PublicWorksProgressList", "PublicWorksSummary"}) {
    EXPECT_TRUE(set_.Has(name)) << name;
  }
}

TEST_F(PublicWorksSchemasTest, AValidProjectAndAProjectAsGetReturnsItPass) {
  EXPECT_TRUE(Errors("PublicWorksProjectInput", Sample()).empty());
  EXPECT_TRUE(Errors("PublicWorksProjectInput",
                     {{"title", "Bacheo"}, {"budget_mxn", "100"}, {"location", nullptr}})
                  .empty());
  // What GET returns may be sent back: its read-only fields are ignored.
  const json read = With(Sample(), {{"id", "0b7e5a8e-5c1f-4d7e-9a51-0c6f6f0a2b11"},
                                    {"tenant", "tepehuanes"},
                                    {"published", false},
                                    {"created_at", "2025-01-01T00:00:00.000000Z"},
                                    {"updated_at", "2025-01-01T00:00:00.000000Z"},
                                    {"physical_progress_pct", 0},
                                    {"financial_progress_pct", 0},
                                    {"spent_mxn", "0.00"}});
  EXPECT_TRUE(Errors("PublicWorksProjectInput", read).empty());
  EXPECT_TRUE(Errors("PublicWorksProjectPatch", read).empty());
  EXPECT_TRUE(Errors("PublicWorksProject", read).empty());
  EXPECT_TRUE(Errors("PublicWorksProjectPatch", json::object()).empty());
  EXPECT_TRUE(Errors("PublicWorksProjectPatch", {{"start_date", "0001-01-01"}}).empty());
}

// The example: wrong types and missing required fields, one Spanish
// error per field, each named by its JSON path.
TEST_F(PublicWorksSchemasTest, WrongTypesAndMissingFieldsGetOneSpanishErrorPerField) {
  json body = Sample();
  body.erase("title");
  body["budget_mxn"] = 1250000;
  body["funding"][0]["origin"] = "privado";
  body["location"]["lat"] = 95;
  body["avance"] = 10;
  const auto errors = Errors("PublicWorksProjectInput", body);
  EXPECT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors.at("title"), "Este campo es obligatorio.");
  EXPECT_EQ(errors.at("budget_mxn"),
            "Escriba un importe en pesos, sin signo, como texto decimal, por ejemplo "
            "\"1250000.00\".");
  EXPECT_EQ(errors.at("funding[0].origin"),
            "Origen desconocido; valores válidos: federal, state, municipal.");
  EXPECT_EQ(errors.at("location.lat"), "La latitud debe ser un número entre -90 y 90.");
  EXPECT_EQ(errors.at("avance"), "Campo desconocido.");
}

// Every format rule CheckProject applied by hand, now the schema's.
TEST_F(PublicWorksSchemasTest, EveryProjectFieldRuleIsTheSchemas) {
  const std::vector<std::pair<json, std::string>> cases = {
      {With(Sample(), {{"title", 7}}), "title"},
      {With(Sample(), {{"title", ""}}), "title"},
      {With(Sample(), {{"title", std::string(301, 'a')}}), "title"},
      {With(Sample(), {{"description", std::string(10001, 'a')}}), "description"},
      {With(Sample(), {{"sector", std::string(201, 'a')}}), "sector"},
      {With(Sample(), {{"purpose", std::string(2001, 'a')}}), "purpose"},
      {With(Sample(), {{"external_id", std::string(201, 'a')}}), "external_id"},
      {With(Sample(), {{"status", "terminada"}}), "status"},
      {With(Sample(), {{"status", nullptr}}), "status"},
      {With(Sample(), {{"type", "paving"}}), "type"},
      {With(Sample(), {{"procurement_method", "limited"}}), "procurement_method"},
      {With(Sample(), {{"budget_mxn", "-1.00"}}), "budget_mxn"},
      {With(Sample(), {{"budget_mxn", "1.005"}}), "budget_mxn"},
      {With(Sample(), {{"budget_mxn", "123456789012345"}}), "budget_mxn"},
      {With(Sample(), {{"budget_mxn", true}}), "budget_mxn"},
      {With(Sample(), {{"contract_value_mxn", "1,000"}}), "contract_value_mxn"},
      {With(Sample(), {{"start_date", "2026-02-31"}}), "start_date"},
      {With(Sample(), {{"end_date", "0000-01-01"}}), "end_date"},
      {With(Sample(), {{"funding", "FAIS"}}), "funding"},
      {With(Sample(), {{"funding", json::array({7})}}), "funding[0]"},
      {With(Sample(), {{"funding", {{{"origin", "state"}, {"fund", ""}, {"amount_mxn", "1"}}}}}),
       "funding[0].fund"},
      {With(Sample(), {{"funding", {{{"origin", "state"}, {"fund", "F"}, {"amount_mxn", "-3"}}}}}),
       "funding[0].amount_mxn"},
      {With(Sample(), {{"funding", {{{"origin", "state"}, {"fund", "F"}}}}}),
       "funding[0].amount_mxn"},
      {With(Sample(), {{"location", "centro"}}), "location"},
      {With(Sample(), {{"location", {{"lon", "oeste"}}}}), "location.lon"},
      {With(Sample(), {{"location", {{"lon", -181}}}}), "location.lon"},
      {With(Sample(), {{"location", {{"address", std::string(501, 'a')}}}}), "location.address"},
      {With(Sample(), {{"location", {{"cvegeo", "1234"}}}}), "location.cvegeo"},
      {With(Sample(), {{"location", {{"piso", 2}}}}), "location.piso"},
      {With(Sample(), {{"contractor", 5}}), "contractor"},
      {With(Sample(), {{"contractor", {{"rfc", "CGU010203AB1"}}}}), "contractor.name"},
      {With(Sample(), {{"contractor", {{"name", "X"}, {"rfc", "no-es-rfc"}}}}), "contractor.rfc"},
  };
  for (const auto& [body, field] : cases) {
    const auto errors = Errors("PublicWorksProjectInput", body);
    EXPECT_TRUE(errors.count(field)) << field << " in " << body.dump().substr(0, 200);
    EXPECT_EQ(errors.size(), 1u) << body.dump().substr(0, 200);
    const json patch = {{field.substr(0, field.find_first_of(".[")),
                         body[field.substr(0, field.find_first_of(".["))]}};
    EXPECT_TRUE(Errors("PublicWorksProjectPatch", patch).count(field)) << patch.dump();
  }
  // 101 funding sources are too many; 100 are not.
  json many = Sample();
  many["funding"] = json::array();
  for (int i = 0; i < 100; ++i) {
    many["funding"].push_back({{"origin", "state"}, {"fund", "F"}, {"amount_mxn", "1"}});
  }
  EXPECT_TRUE(Errors("PublicWorksProjectInput", many).empty());
  many["funding"].push_back(many["funding"][0]);
  EXPECT_TRUE(Errors("PublicWorksProjectInput", many).count("funding"));
  // Dates keep the word "fecha" (the itest's ImpossibleDatesAre422...).
  EXPECT_NE(
      Errors("PublicWorksProjectPatch", {{"end_date", "2025-02-29"}})["end_date"].find("fecha"),
      std::string::npos);
}

TEST_F(PublicWorksSchemasTest, EveryProgressFieldRuleIsTheSchemas) {
  const json ok = {{"date", "2025-07-31"}, {"physical_pct", 60},
                   {"financial_pct", 100}, {"spent_mxn", "1000000.00"},
                   {"note", nullptr},      {"evidence_urls", {"https://ejemplo.mx/foto.jpg"}}};
  EXPECT_TRUE(Errors("PublicWorksProgressInput", ok).empty());
  json undated = ok;
  undated.erase("date");
  json many_urls = ok;
  many_urls["evidence_urls"] = json::array();
  for (int i = 0; i < 21; ++i) many_urls["evidence_urls"].push_back("https://ejemplo.mx/f.jpg");
  const std::vector<std::pair<json, std::string>> cases = {
      {undated, "date"},
      {With(ok, {{"date", "2025-02-30"}}), "date"},
      {With(ok, {{"evidence_urls", {"https://ejemplo.mx/foto.jpg", "ftp://ejemplo.mx/x.jpg"}}}),
       "evidence_urls[1]"},
      {With(ok, {{"evidence_urls", {7}}}), "evidence_urls[0]"},
      {With(ok, {{"evidence_urls", "https://ejemplo.mx/foto.jpg"}}), "evidence_urls"},
      {many_urls, "evidence_urls"},
      {With(ok, {{"note", std::string(4001, 'a')}}), "note"},
      {With(ok, {{"note", 5}}), "note"},
      {With(ok, {{"avance", 10}}), "avance"},
      {With(ok, {{"physical_pct", "50"}}), "physical_pct"},
      {With(ok, {{"physical_pct", 150}}), "physical_pct"},
      {With(ok, {{"financial_pct", -1}}), "financial_pct"},
      {With(ok, {{"spent_mxn", "-5.00"}}), "spent_mxn"},
      {With(ok, {{"spent_mxn", 5}}), "spent_mxn"},
  };
  for (const auto& [body, field] : cases) {
    const auto errors = Errors("PublicWorksProgressInput", body);
    EXPECT_TRUE(errors.count(field)) << field << " in " << body.dump().substr(0, 200);
    EXPECT_EQ(errors.size(), 1u) << body.dump().substr(0, 200);
  }
  EXPECT_EQ(Errors("PublicWorksProgressInput", With(ok, {{"physical_pct", 101}}))["physical_pct"],
            "El porcentaje debe ser un número entre 0 y 100.");
  EXPECT_EQ(
      Errors("PublicWorksProgressInput", With(ok, {{"spent_mxn", "-5.00"}}))["spent_mxn"].find(
          "sin signo") != std::string::npos,
      true);
}

}  // namespace
}  // namespace cabildo
