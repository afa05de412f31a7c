// public-works over HTTP against the real services: lifecycle, tenancy,
// progress and its 422 rules, the money summary to the centavo, exports.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/api/app.h"
#include "cabildo/core/plugin_host.h"
#include "cabildo/core/tenants.h"
#include "cabildo/plugin/plugin_api.h"

#include "sample_project.h"
#include "server_fixture.h"
#include "test_support.h"

namespace cabildo {
namespace {

using public_works_testing::Sample;
using public_works_testing::With;

using nlohmann::json;
using testing::HttpRequest;
using testing::HttpResult;

const std::string kPluginDir = CABILDO_DEFAULT_PLUGIN_DIR;
const std::string kBase = "/v1/tenants/";

class PublicWorksTest : public testing::ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override { return {"public-works"}; }

  json Get(const std::string& path, const std::string& token = "") {
    auto result = Call("GET", path, "", token);
    EXPECT_EQ(result.status, 200) << path << " " << result.body;
    return json::parse(result.body, nullptr, false);
  }

  // Creates a project in `tenant` and returns it (asserting 201).
  json Create(const std::string& tenant, const json& project, const std::string& token) {
    auto result = Call("POST", kBase + tenant + "/public-works/projects", project.dump(), token);
    EXPECT_EQ(result.status, 201) << result.body;
    return json::parse(result.body, nullptr, false);
  }

  void Publish(const std::string& tenant, const json& project, const std::string& token) {
    auto result = Call(
        "POST",
        kBase + tenant + "/public-works/projects/" + project["id"].get<std::string>() + "/publish",
        "", token);
    EXPECT_EQ(result.status, 200) << result.body;
  }

  // The fields of every 422 problem, field -> message.
  static std::map<std::string, std::string> Errors(const HttpResult& result) {
    std::map<std::string, std::string> errors;
    json problem = json::parse(result.body, nullptr, false);
    if (problem.contains("errors")) {
      for (const auto& e : problem["errors"]) {
        errors[e.value("field", "")] = e.value("message", e.value("detail", ""));
      }
    }
    return errors;
  }
};

// `base` with the keys of `patch` replaced.

TEST_F(PublicWorksTest, CreateListGetPatchPublishUnpublishDelete) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const std::string admin = MakeUser("admin@tepehuanes.mx", "admin", "tepehuanes");
  const std::string list = kBase + "tepehuanes/public-works/projects";

  json created = Create("tepehuanes", Sample("Señalamiento vial en el centro"), editor);
  EXPECT_EQ(created["published"], false);
  EXPECT_EQ(created["tenant"], "tepehuanes");
  EXPECT_EQ(created["budget_mxn"], "1250000.00");
  EXPECT_EQ(created["funding"][0]["fund"], "FAIS");
  EXPECT_EQ(created["spent_mxn"], "0.00");
  const std::string path = list + "/" + created["id"].get<std::string>();

  // Anonymous callers never see drafts.
  EXPECT_EQ(Get(list)["items"].size(), 0u);
  EXPECT_EQ(Call("GET", path).status, 404);
  EXPECT_EQ(Get(list, editor)["items"].size(), 1u);

  // PATCH with If-Match.
  auto current = Call("GET", path, "", editor);
  ASSERT_EQ(current.status, 200);
  const std::string etag = current.Header("etag");
  auto patched = Call("PATCH", path, json{{"title", "Señalamiento vial (2a etapa)"}}.dump(), editor,
                      {{"If-Match", etag}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json::parse(patched.body)["title"], "Señalamiento vial (2a etapa)");
  EXPECT_EQ(json::parse(patched.body)["funding"].size(), 1u);  // untouched
  EXPECT_EQ(Call("PATCH", path, json{{"title", "x"}}.dump(), editor, {{"If-Match", etag}}).status,
            412);

  // Publishing needs public-works.project.publish (admin only).
  EXPECT_EQ(Call("POST", path + "/publish", "", editor).status, 403);
  EXPECT_EQ(Call("POST", path + "/publish").status, 401);
  auto published = Call("POST", path + "/publish", "", admin);
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(json::parse(published.body)["published"], true);
  EXPECT_EQ(Get(list)["items"].size(), 1u);
  EXPECT_EQ(Get(path)["title"], "Señalamiento vial (2a etapa)");

  ASSERT_EQ(Call("POST", path + "/unpublish", "", admin).status, 200);
  EXPECT_EQ(Get(list)["items"].size(), 0u);
  EXPECT_EQ(Call("GET", path).status, 404);

  // DELETE is a tombstone.
  const std::string before_delete = Call("GET", path, "", editor).Header("etag");
  ASSERT_EQ(Call("DELETE", path, "", editor, {{"If-Match", before_delete}}).status, 204);
  EXPECT_EQ(Call("GET", path, "", editor).status, 404);
  EXPECT_EQ(Get(list, editor)["items"].size(), 0u);
  json sync = Get(list + "?updated_since=2000-01-01T00:00:00Z", editor);
  ASSERT_EQ(sync["items"].size(), 1u);
  EXPECT_EQ(sync["items"][0]["deleted"], true);

  // Every write is audited with before/after.
  const std::string auditor = MakeUser("auditor@tepehuanes.mx", "auditor", "tepehuanes");
  json log = Get(kBase + "tepehuanes/audit?limit=100", auditor);
  std::vector<std::string> actions;
  for (const auto& entry : log["items"]) actions.push_back(entry.value("action", ""));
  for (const char* action : {"public-works.project.create", "public-works.project.update",
                             "public-works.project.publish", "public-works.project.unpublish",
                             "public-works.project.delete"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), action), actions.end()) << action;
  }
  for (const auto& entry : log["items"]) {
    if (entry["action"] == "public-works.project.update") {
      EXPECT_EQ(entry["changes"]["before"]["title"], "Señalamiento vial en el centro");
      EXPECT_EQ(entry["changes"]["after"]["title"], "Señalamiento vial (2a etapa)");
    }
  }
  EXPECT_EQ(Get(kBase + "tepehuanes/audit/verify", auditor)["ok"], true);
}

TEST_F(PublicWorksTest, IncludeDescendantsListsStateAndMunicipalWorks) {
  const std::string admin = MakeUser("admin@durango.gob.mx", "admin", "durango");
  for (const char* tenant : {"durango", "municipio-durango", "tepehuanes"}) {
    Publish(tenant, Create(tenant, Sample(std::string("Obra de ") + tenant), admin), admin);
  }
  json all = Get(kBase + "durango/public-works/projects?include_descendants=true");
  ASSERT_EQ(all["items"].size(), 3u);
  std::set<std::string> tenants;
  for (const auto& item : all["items"]) tenants.insert(item["tenant"].get<std::string>());
  EXPECT_EQ(tenants, (std::set<std::string>{"durango", "municipio-durango", "tepehuanes"}));
  EXPECT_EQ(Get(kBase + "durango/public-works/projects")["items"].size(), 1u);
  // Paging with a cursor returns every item once.
  json first = Get(kBase + "durango/public-works/projects?include_descendants=true&limit=2");
  ASSERT_EQ(first["items"].size(), 2u);
  json second =
      Get(kBase + "durango/public-works/projects?include_descendants=true&limit=2&cursor=" +
          first["next_cursor"].get<std::string>());
  EXPECT_EQ(second["items"].size(), 1u);
}

TEST_F(PublicWorksTest, TenancyIsEnforced) {
  const std::string state_editor = MakeUser("editor@durango.gob.mx", "editor", "durango");
  const std::string gomez = MakeUser("editor@gomezpalacio.gob.mx", "editor", "gomez-palacio");
  json project = Create("tepehuanes", Sample("Bacheo en Tepehuanes"), state_editor);
  const std::string path =
      kBase + "tepehuanes/public-works/projects/" + project["id"].get<std::string>();
  EXPECT_EQ(Call("GET", path, "", gomez).status, 404);
  EXPECT_EQ(Call("PATCH", path, json{{"title", "x"}}.dump(), gomez).status, 404);
  EXPECT_EQ(
      Call("POST", kBase + "tepehuanes/public-works/projects", Sample("Intrusa").dump(), gomez)
          .status,
      404);
  // gomez-palacio has not enabled the module at all.
  EXPECT_EQ(Call("GET", kBase + "gomez-palacio/public-works/projects").status, 404);
  // The id of a tepehuanes project is unknown under another tenant.
  EXPECT_EQ(
      Call("GET",
           kBase + "municipio-durango/public-works/projects/" + project["id"].get<std::string>(),
           "", state_editor)
          .status,
      404);
}

TEST_F(PublicWorksTest, ProgressUpdatesTheFiguresAndEnforcesEveryRule) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  json project = Create("tepehuanes", Sample("Puente vehicular"), editor);
  const std::string path =
      kBase + "tepehuanes/public-works/projects/" + project["id"].get<std::string>();
  auto report = [&](const json& body) {
    return Call("POST", path + "/progress", body.dump(), editor);
  };
  auto first = report({{"date", "2025-03-01"},
                       {"physical_pct", 25},
                       {"financial_pct", 30.5},
                       {"spent_mxn", "375000.50"},
                       {"evidence_urls", {"https://ejemplo.mx/1.jpg"}}});
  ASSERT_EQ(first.status, 201) << first.body;
  ASSERT_EQ(report({{"date", "2025-06-01"},
                    {"physical_pct", 60},
                    {"financial_pct", 55},
                    {"spent_mxn", "687500.25"}})
                .status,
            201);
  json now = Get(path, editor);
  EXPECT_EQ(now["physical_progress_pct"], 60);
  EXPECT_EQ(now["financial_progress_pct"], 55);
  EXPECT_EQ(now["spent_mxn"], "687500.25");
  // Only writers of this tenant add reports; drafts' reports are not public.
  const std::string gomez = MakeUser("editor@gomezpalacio.gob.mx", "editor", "gomez-palacio");
  const std::string auditor = MakeUser("auditor@tepehuanes.mx", "auditor", "tepehuanes");
  const json valid = {{"date", "2025-06-02"},
                      {"physical_pct", 61},
                      {"financial_pct", 56},
                      {"spent_mxn", "700000.00"}};
  EXPECT_EQ(Call("POST", path + "/progress", valid.dump(), gomez).status, 404);
  EXPECT_EQ(Call("POST", path + "/progress", valid.dump(), auditor).status, 403);
  EXPECT_EQ(Call("POST", path + "/progress", valid.dump()).status, 401);
  EXPECT_EQ(Call("GET", path + "/progress").status, 404);
  json reports = Get(path + "/progress", editor);
  ASSERT_EQ(reports["items"].size(), 2u);
  EXPECT_EQ(reports["items"][0]["date"], "2025-03-01");
  EXPECT_EQ(reports["items"][0]["spent_mxn"], "375000.50");

  // 422 rules, each on its field, in Spanish.
  auto fails_on = [&](const json& body, const std::string& field) {
    auto result = report(body);
    EXPECT_EQ(result.status, 422) << body.dump() << " " << result.body;
    auto errors = Errors(result);
    EXPECT_TRUE(errors.count(field)) << field << " " << result.body;
  };
  const json ok = {{"date", "2025-07-01"},
                   {"physical_pct", 70},
                   {"financial_pct", 70},
                   {"spent_mxn", "800000.00"}};
  fails_on(With(ok, {{"physical_pct", 101}}), "physical_pct");
  fails_on(With(ok, {{"financial_pct", -1}}), "financial_pct");
  fails_on(With(ok, {{"spent_mxn", "-5.00"}}), "spent_mxn");
  fails_on(With(ok, {{"spent_mxn", 5}}), "spent_mxn");
  fails_on(With(ok, {{"date", "2024-12-31"}}), "date");
  fails_on(With(ok, {{"date", "2025-02-30"}}), "date");
  fails_on(With(ok, {{"spent_mxn", "1250000.01"}}), "note");
  auto over = report(With(ok, {{"spent_mxn", "1250000.01"}, {"note", "Convenio modificatorio 2"}}));
  EXPECT_EQ(over.status, 201) << over.body;
  EXPECT_EQ(Get(path, editor)["spent_mxn"], "1250000.01");
  auto message = Errors(report(With(ok, {{"physical_pct", 101}})))["physical_pct"];
  EXPECT_NE(message.find("porcentaje"), std::string::npos) << message;

  // Project rules.
  auto create_fails_on = [&](const json& body, const std::string& field) {
    auto result = Call("POST", kBase + "tepehuanes/public-works/projects", body.dump(), editor);
    EXPECT_EQ(result.status, 422) << body.dump() << " " << result.body;
    EXPECT_TRUE(Errors(result).count(field)) << field << " " << result.body;
  };
  create_fails_on(Sample("x", "-1.00"), "budget_mxn");
  create_fails_on(Sample("x", "1.005"), "budget_mxn");
  create_fails_on(Sample("x", "999999.99"), "funding");  // FAIS 1,000,000.00 > budget
  // Funding is summed exactly, to the centavo: equal to the budget passes,
  // one centavo more does not (and the message says the sum).
  json split = Sample("reparto", "1000.10");
  split["funding"] = {{{"origin", "federal"}, {"fund", "FAIS"}, {"amount_mxn", "0.1"}},
                      {{"origin", "municipal"}, {"fund", "Propios"}, {"amount_mxn", "1000"}}};
  EXPECT_EQ(Call("POST", kBase + "tepehuanes/public-works/projects", split.dump(), editor).status,
            201);
  split["funding"][0]["amount_mxn"] = "0.11";
  auto over_budget = Call("POST", kBase + "tepehuanes/public-works/projects", split.dump(), editor);
  EXPECT_EQ(over_budget.status, 422);
  EXPECT_NE(Errors(over_budget)["funding"].find("1000.11"), std::string::npos) << over_budget.body;
  create_fails_on(With(Sample("x"), {{"status", "terminada"}}), "status");
  create_fails_on(With(Sample("x"), {{"type", "paving"}}), "type");
  create_fails_on(With(Sample("x"), {{"procurement_method", "limited"}}), "procurement_method");
  json bad_origin = Sample("x");
  bad_origin["funding"][0]["origin"] = "privado";
  create_fails_on(bad_origin, "funding[0].origin");
  json bad_amount = Sample("x");
  bad_amount["funding"][0]["amount_mxn"] = "-3.00";
  create_fails_on(bad_amount, "funding[0].amount_mxn");
  json bad_lat = Sample("x");
  bad_lat["location"]["lat"] = 91;
  create_fails_on(bad_lat, "location.lat");
  json bad_lon = Sample("x");
  bad_lon["location"]["lon"] = "oeste";
  create_fails_on(bad_lon, "location.lon");
  create_fails_on(With(Sample("x"), {{"title", 7}}), "title");
  create_fails_on(With(Sample("x"), {{"budget_mxn", 1250000}}), "budget_mxn");
  // Two sources adding exactly the budget are fine; a centavo more is not.
  json exact = Sample("Exacta", "2000000.00");
  exact["funding"] = {
      {{"origin", "federal"}, {"fund", "FAIS"}, {"amount_mxn", "1234567.89"}},
      {{"origin", "municipal"}, {"fund", "Recursos propios"}, {"amount_mxn", "765432.11"}}};
  Create("tepehuanes", exact, editor);
  exact["funding"][1]["amount_mxn"] = "765432.12";
  create_fails_on(exact, "funding");
}

// A body with wrong types and missing required fields: one 422 with one
// Spanish error per field, each named by its JSON path, and nothing stored.
TEST_F(PublicWorksTest, WrongTypesAndMissingFieldsGetOneSpanishErrorPerFieldWithItsPath) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const std::string list = kBase + "tepehuanes/public-works/projects";
  json body = Sample("x");
  body.erase("title");
  body["budget_mxn"] = 1250000;
  body["funding"][0]["origin"] = "privado";
  body["location"]["lat"] = 95;
  auto result = Call("POST", list, body.dump(), editor);
  ASSERT_EQ(result.status, 422) << result.body;
  const json problem = json::parse(result.body);
  ASSERT_TRUE(problem["errors"].is_array()) << result.body;
  EXPECT_EQ(problem["errors"].size(), 4u) << result.body;
  auto errors = Errors(result);
  EXPECT_NE(errors["title"].find("obligatorio"), std::string::npos) << result.body;
  EXPECT_NE(errors["budget_mxn"].find("importe en pesos"), std::string::npos) << result.body;
  EXPECT_NE(errors["funding[0].origin"].find("federal, state, municipal"), std::string::npos)
      << result.body;
  EXPECT_NE(errors["location.lat"].find("entre -90 y 90"), std::string::npos) << result.body;
  EXPECT_EQ(Get(list, editor)["items"].size(), 0u);
}

// Year 0000 and impossible days are the client's mistake: 422 on the field,
// never a 500 from PostgreSQL refusing the date, and nothing is stored.
TEST_F(PublicWorksTest, ImpossibleDatesAre422WithASpanishMessage) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const std::string list = kBase + "tepehuanes/public-works/projects";
  json undated = Sample("Obra sin fechas");
  undated.erase("start_date");
  undated.erase("end_date");
  json project = Create("tepehuanes", undated, editor);
  const std::string path = list + "/" + project["id"].get<std::string>();
  const json report = {{"physical_pct", 10}, {"financial_pct", 10}, {"spent_mxn", "1000.00"}};
  for (const char* bad : {"0000-06-15", "0000-01-01", "2026-02-31", "2025-02-29", "2026-04-31",
                          "2026-13-01", "2026-00-10"}) {
    for (const char* field : {"start_date", "end_date"}) {
      auto created = Call("POST", list, With(undated, {{field, bad}}).dump(), editor);
      EXPECT_EQ(created.status, 422) << field << "=" << bad << " " << created.body;
      EXPECT_NE(Errors(created)[field].find("fecha"), std::string::npos) << created.body;
      auto patched = Call("PATCH", path, json{{field, bad}}.dump(), editor);
      EXPECT_EQ(patched.status, 422) << field << "=" << bad << " " << patched.body;
      EXPECT_NE(Errors(patched)[field].find("fecha"), std::string::npos) << patched.body;
    }
    auto progress = Call("POST", path + "/progress", With(report, {{"date", bad}}).dump(), editor);
    EXPECT_EQ(progress.status, 422) << "date=" << bad << " " << progress.body;
    EXPECT_NE(Errors(progress)["date"].find("fecha"), std::string::npos) << progress.body;
  }
  EXPECT_EQ(Get(list, editor)["items"].size(), 1u);
  EXPECT_EQ(Get(path, editor)["start_date"], nullptr);
  EXPECT_EQ(Get(path, editor)["end_date"], nullptr);
  EXPECT_EQ(Get(path + "/progress", editor)["items"].size(), 0u);
  // The first and last real days still pass.
  auto leap = Call("PATCH", path,
                   json{{"start_date", "0001-01-01"}, {"end_date", "2028-02-29"}}.dump(), editor);
  EXPECT_EQ(leap.status, 200) << leap.body;
}

TEST_F(PublicWorksTest, BadInputIsRejectedAndQIsNotInjectable) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const std::string list = kBase + "tepehuanes/public-works/projects";
  EXPECT_EQ(Call("POST", list, "{\"title\": ", editor).status, 400);
  EXPECT_EQ(Call("POST", list, json{{"title", "x"}, {"budget_mxn", true}}.dump(), editor).status,
            422);
  EXPECT_EQ(Call("GET", list + "?status=terminada").status, 400);
  EXPECT_EQ(Call("GET", list + "/no-es-uuid").status, 404);
  Create("tepehuanes", Sample("Rehabilitación de la plaza"), editor);
  for (const char* q : {"%27%3B%20DROP%20TABLE%20public_works.projects%3B%20--",
                        "x%27%20OR%20%271%27%3D%271", "%25", "_"}) {
    json found = Get(list + "?q=" + q, editor);
    EXPECT_EQ(found["items"].size(), 0u) << q;
  }
  EXPECT_EQ(Get(list + "?q=PLAZA", editor)["items"].size(), 1u);
  EXPECT_EQ(Get(list, editor)["items"].size(), 1u);
  EXPECT_EQ(Get(list + "?funding_origin=federal", editor)["items"].size(), 1u);
  EXPECT_EQ(Get(list + "?funding_origin=state", editor)["items"].size(), 0u);
  EXPECT_EQ(Get(list + "?status=implementation", editor)["items"].size(), 1u);
}

// A decoded '&' or '=' in a value is not a parameter boundary, for the
// answer and for the public cache that keeps it: each request here is
// answered for its own parameters, whichever was cached first.
TEST_F(PublicWorksTest, AnEscapedAmpersandInAValueIsNotASecondParameterForTheCache) {
  const std::string admin = MakeUser("admin@tepehuanes.mx", "admin", "tepehuanes");
  const std::string list = kBase + "tepehuanes/public-works/projects";
  json plaza = Create("tepehuanes", Sample("Plaza"), admin);
  Publish("tepehuanes", plaza, admin);
  // Anonymous, so both go through the public cache.
  EXPECT_EQ(Get(list + "?q=Plaza&status=implementation")["items"].size(), 1u);
  EXPECT_EQ(Get(list + "?q=Plaza%26status%3Dimplementation")["items"].size(), 0u);
  EXPECT_EQ(Get(list + "?q=Plaza%26status%3Dimplementation")["items"].size(), 0u);
  EXPECT_EQ(Get(list + "?q=Plaza&status=implementation")["items"].size(), 1u);
}

// Hand-computed totals, exact to the centavo.
TEST_F(PublicWorksTest, SummaryFollowsTheMoneyToTheCentavo) {
  const std::string admin = MakeUser("admin@durango.gob.mx", "admin", "durango");
  json a = Sample("Unidad deportiva norte", "1234567.89");
  a["funding"] = {
      {{"origin", "federal"}, {"fund", "FAIS"}, {"amount_mxn", "1000000.01"}},
      {{"origin", "municipal"}, {"fund", "Recursos propios"}, {"amount_mxn", "234567.88"}}};
  a["contract_value_mxn"] = "1200000.10";
  json b = Sample("Unidad deportiva sur", "987654.32");
  b["funding"] = {{{"origin", "federal"}, {"fund", "FORTAMUN"}, {"amount_mxn", "500000.00"}}};
  b["contract_value_mxn"] = "900000.01";
  b["status"] = "completion";
  json c = Sample("Señalamiento estatal", "100.01");
  c["funding"] = {{{"origin", "state"}, {"fund", "Estatal"}, {"amount_mxn", "100.01"}}};
  c["contractor"] = nullptr;
  c["contract_value_mxn"] = nullptr;
  json pa = Create("municipio-durango", a, admin);
  json pb = Create("municipio-durango", b, admin);
  json pc = Create("durango", c, admin);
  Create("durango", With(Sample("Borrador que no cuenta", "5.00"), {{"funding", json::array()}}),
         admin);
  Publish("municipio-durango", pa, admin);
  Publish("municipio-durango", pb, admin);
  Publish("durango", pc, admin);
  ASSERT_EQ(Call("POST",
                 kBase + "municipio-durango/public-works/projects/" + pa["id"].get<std::string>() +
                     "/progress",
                 json{{"date", "2025-05-05"},
                      {"physical_pct", 10},
                      {"financial_pct", 10},
                      {"spent_mxn", "123456.79"}}
                     .dump(),
                 admin)
                .status,
            201);

  json s = Get(kBase + "durango/public-works/summary?include_descendants=true");
  EXPECT_EQ(s["currency"], "MXN");
  EXPECT_EQ(s["totals"]["projects"], 3);
  EXPECT_EQ(s["totals"]["budget_mxn"], "2222322.22");  // 1234567.89 + 987654.32 + 100.01
  EXPECT_EQ(s["totals"]["contracted_mxn"], "2100000.11");
  EXPECT_EQ(s["totals"]["spent_mxn"], "123456.79");
  std::map<std::string, json> origin, fund, status, tenant;
  for (const auto& x : s["by_funding_origin"]) origin[x["origin"]] = x;
  for (const auto& x : s["by_fund"]) fund[x["fund"]] = x;
  for (const auto& x : s["by_status"]) status[x["status"]] = x;
  for (const auto& x : s["by_tenant"]) tenant[x["tenant"]] = x;
  EXPECT_EQ(origin["federal"]["funded_mxn"], "1500000.01");
  EXPECT_EQ(origin["federal"]["projects"], 2);
  EXPECT_EQ(origin["federal"]["budget_mxn"], "2222222.21");
  EXPECT_EQ(origin["municipal"]["funded_mxn"], "234567.88");
  EXPECT_EQ(origin["state"]["funded_mxn"], "100.01");
  EXPECT_EQ(fund["FAIS"]["funded_mxn"], "1000000.01");
  EXPECT_EQ(fund["FORTAMUN"]["funded_mxn"], "500000.00");
  EXPECT_EQ(status["implementation"]["budget_mxn"], "1234667.90");
  EXPECT_EQ(status["completion"]["contracted_mxn"], "900000.01");
  EXPECT_EQ(tenant["municipio-durango"]["budget_mxn"], "2222222.21");
  EXPECT_EQ(tenant["durango"]["budget_mxn"], "100.01");
  ASSERT_EQ(s["by_contractor"].size(), 1u);
  EXPECT_EQ(s["by_contractor"][0]["spent_mxn"], "123456.79");
  EXPECT_EQ(s["by_contractor"][0]["contracted_mxn"], "2100000.11");
  // Without include_descendants: only the state's own.
  EXPECT_EQ(Get(kBase + "durango/public-works/summary")["totals"]["budget_mxn"], "100.01");
}

TEST_F(PublicWorksTest, CsvAndOc4idsExportsOfPublishedWorks) {
  const std::string admin = MakeUser("admin@tepehuanes.mx", "admin", "tepehuanes");
  json published = Create("tepehuanes", Sample("=Señalamiento, \"vial\""), admin);
  json two = Sample("Rehabilitación de calles", "2500000.00");
  two["funding"].push_back(
      {{"origin", "municipal"}, {"fund", "FORTAMUN"}, {"amount_mxn", "750000.00"}});
  json second = Create("tepehuanes", two, admin);
  Create("tepehuanes", Sample("Borrador"), admin);
  Publish("tepehuanes", published, admin);
  Publish("tepehuanes", second, admin);
  ASSERT_EQ(Call("POST",
                 kBase + "tepehuanes/public-works/projects/" + second["id"].get<std::string>() +
                     "/progress",
                 json{{"date", "2025-04-01"},
                      {"physical_pct", 40},
                      {"financial_pct", 35.25},
                      {"spent_mxn", "875000.00"}}
                     .dump(),
                 admin)
                .status,
            201);

  auto csv = Call("GET", kBase + "tepehuanes/public-works/export.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.Header("content-type").find("text/csv"), std::string::npos);
  EXPECT_EQ(csv.body.substr(0, csv.body.find("\r\n")),
            "id,ente,clave_externa,titulo,estado,tipo,sector,presupuesto_mxn,financiamiento,"
            "procedimiento,contratista,rfc_contratista,monto_contratado_mxn,fecha_inicio,fecha_fin,"
            "avance_fisico_pct,avance_financiero_pct,ejercido_mxn,latitud,longitud,direccion,"
            "cvegeo,actualizado");
  EXPECT_NE(csv.body.find("\"'=Señalamiento, \"\"vial\"\"\""), std::string::npos) << csv.body;
  EXPECT_EQ(csv.body.find("Borrador"), std::string::npos);
  EXPECT_NE(csv.body.find("federal:FAIS:1000000.00; municipal:FORTAMUN:750000.00"),
            std::string::npos);
  // Numbers keep their sign (no formula guard on a plain number) and exact text.
  EXPECT_NE(csv.body.find(",24.0277,-104.6532,"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(",40,35.25,875000.00,"), std::string::npos) << csv.body;

  const std::string state_admin = MakeUser("admin@durango.gob.mx", "admin", "durango");
  ASSERT_EQ(Call("PUT", kBase + "tepehuanes/modules/public-works",
                 json{{"config", {{"oc4ids_prefix", "oc4ids-tepe01"}}}}.dump(), state_admin)
                    .status /
                100,
            2);
  json package = Get(kBase + "tepehuanes/public-works/oc4ids.json");
  EXPECT_EQ(package["version"], "0.9");
  EXPECT_EQ(package["publisher"]["name"], "Municipio de Tepehuanes");
  ASSERT_EQ(package["projects"].size(), 2u);
  json p = package["projects"][1];
  EXPECT_EQ(p["id"], "oc4ids-tepe01-" + second["id"].get<std::string>());
  EXPECT_EQ(p["budget"]["amount"]["amount"], 2500000);
  EXPECT_EQ(p["budget"]["budgetBreakdowns"][0]["budgetBreakdown"].size(), 2u);
  EXPECT_EQ(p["locations"][0]["geometry"]["coordinates"][0], -104.6532);
  EXPECT_EQ(p["metrics"][0]["id"], "physicalProgress");
  EXPECT_EQ(p["metrics"][1]["observations"][0]["measure"], 35.25);
  bool supplier = false;
  for (const auto& party : p["parties"]) {
    supplier = supplier || party["roles"][0] == "supplier";
  }
  EXPECT_TRUE(supplier);

  // Validated against the OC4IDS 0.9.5 schema by scripts/oc4ids-validate.
  const char* state = std::getenv("CABILDO_STATE_DIR");
  const std::string file =
      (state ? std::string(state) : std::filesystem::temp_directory_path().string()) +
      "/oc4ids-sample.json";
  std::ofstream(file) << package.dump(2);
  const std::string command =
      "bash '" + std::string(CABILDO_SOURCE_DIR) + "/scripts/oc4ids-validate' '" + file + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

TEST_F(PublicWorksTest, JsonExportListsOnlyPublishedWorksWithTheListFields) {
  const std::string admin = MakeUser("admin@tepehuanes.mx", "admin", "tepehuanes");
  const std::string path = kBase + "tepehuanes/public-works/export.json";
  auto empty = Call("GET", path);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(json::parse(empty.body), json::array());

  json first = Create("tepehuanes", Sample("=Señalamiento, \"vial\""), admin);
  json second = Create("tepehuanes", Sample("Rehabilitación de calles", "2500000.00"), admin);
  json draft = Create("tepehuanes", Sample("Borrador"), admin);
  json gone = Create("tepehuanes", Sample("Obra borrada"), admin);
  Publish("tepehuanes", second, admin);
  Publish("tepehuanes", first, admin);  // published later: listed after `second`
  Publish("tepehuanes", gone, admin);
  ASSERT_EQ(
      Call("DELETE", kBase + "tepehuanes/public-works/projects/" + gone["id"].get<std::string>(),
           "", admin)
          .status,
      204);
  // Another tenant's published work stays out.
  const std::string state_admin = MakeUser("admin@durango.gob.mx", "admin", "durango");
  json elsewhere = Create("durango", Sample("Obra estatal"), state_admin);
  Publish("durango", elsewhere, state_admin);

  auto result = Call("GET", path);
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(result.Header("content-type").rfind("application/json", 0), 0u);
  const json exported = json::parse(result.body, nullptr, false);
  ASSERT_TRUE(exported.is_array()) << result.body;
  ASSERT_EQ(exported.size(), 2u) << result.body;
  EXPECT_EQ(exported[0]["id"], second["id"]);
  EXPECT_EQ(exported[1]["id"], first["id"]);
  EXPECT_EQ(exported[1]["title"], "=Señalamiento, \"vial\"");  // JSON needs no formula guard
  for (const std::string title : {"Borrador", "Obra borrada", "Obra estatal"}) {
    EXPECT_EQ(result.body.find(title), std::string::npos) << title;
  }
  // The same objects, field for field, as the list gives them (published ones).
  json list = Get(kBase + "tepehuanes/public-works/projects");
  std::map<std::string, json> listed;
  for (const auto& item : list["items"]) listed[item["id"]] = item;
  for (const auto& item : exported) {
    ASSERT_TRUE(listed.count(item["id"])) << item;
    EXPECT_EQ(item, listed[item["id"]]);
    EXPECT_EQ(item["published"], true);
    for (const char* field : {"budget_mxn", "funding", "location", "contractor", "status",
                              "updated_at", "tenant", "physical_progress_pct"}) {
      EXPECT_TRUE(item.contains(field)) << field;
    }
  }
  EXPECT_EQ(exported[0]["budget_mxn"], "2500000.00");
  EXPECT_EQ(exported[0]["location"]["lon"], -104.6532);
  (void)draft;

  // Streamed, with an ETag that a progress report moves (the file changes).
  EXPECT_TRUE(result.chunked && result.complete);
  const std::string etag = result.Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(Call("GET", path, "", "", {{"If-None-Match", etag}}).status, 304);
  ASSERT_EQ(Call("POST",
                 kBase + "tepehuanes/public-works/projects/" + first["id"].get<std::string>() +
                     "/progress",
                 json{{"date", "2025-03-01"},
                      {"physical_pct", 40},
                      {"financial_pct", 30},
                      {"spent_mxn", "100000.00"}}
                     .dump(),
                 admin)
                .status,
            201);
  auto moved = Call("GET", path, "", "", {{"If-None-Match", etag}});
  ASSERT_EQ(moved.status, 200);
  EXPECT_NE(moved.Header("etag"), etag);
  EXPECT_EQ(json::parse(moved.body)[1]["physical_progress_pct"], 40);
}

// A role holding public-works.project.publish but not .write (here a
// reviewer) sees the drafts it has to publish, and publishes and unpublishes.
TEST_F(PublicWorksTest, APublishOnlyRolePublishesAndUnpublishesDrafts) {
  {
    pqxx::connection owner(database_.owner_url());
    pqxx::work w(owner);
    w.exec_params("INSERT INTO core.role_permissions (role, permission) VALUES ($1, $2)",
                  "reviewer", "public-works.project.publish");
    w.commit();
  }
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const std::string reviewer = MakeUser("revisora@tepehuanes.mx", "reviewer", "tepehuanes");
  json draft = Create("tepehuanes", Sample("Alumbrado público en la cabecera"), editor);
  const std::string path =
      kBase + "tepehuanes/public-works/projects/" + draft["id"].get<std::string>();
  // Publishing is not writing.
  EXPECT_EQ(Call("PATCH", path, json{{"title", "Otra"}}.dump(), reviewer).status, 403);
  EXPECT_EQ(Call("POST", path + "/progress",
                 json{{"date", "2025-03-01"},
                      {"physical_pct", 1},
                      {"financial_pct", 1},
                      {"spent_mxn", "1.00"}}
                     .dump(),
                 reviewer)
                .status,
            403);

  auto published = Call("POST", path + "/publish", "", reviewer);
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(json::parse(published.body)["published"], true);
  EXPECT_EQ(json::parse(published.body)["title"], "Alumbrado público en la cabecera");
  EXPECT_EQ(Get(path)["published"], true);

  auto unpublished = Call("POST", path + "/unpublish", "", reviewer);
  ASSERT_EQ(unpublished.status, 200) << unpublished.body;
  EXPECT_EQ(json::parse(unpublished.body)["published"], false);
  EXPECT_EQ(Call("GET", path).status, 404);
  // The draft is still there for it to publish again.
  auto again = Call("POST", path + "/publish", "", reviewer);
  EXPECT_EQ(again.status, 200) << again.body;

  // A deleted project is gone for the publisher too.
  ASSERT_EQ(Call("DELETE", path, "", editor).status, 204);
  EXPECT_EQ(Call("POST", path + "/unpublish", "", reviewer).status, 404);
  EXPECT_EQ(Call("POST", path + "/publish", "", reviewer).status, 404);
}

// An offline app syncing with updated_since learns that a work it holds was
// unpublished (or deleted) through a tombstone; drafts it never saw stay unseen.
TEST_F(PublicWorksTest, UnpublishAppearsAsATombstoneInUpdatedSince) {
  const std::string admin = MakeUser("admin@tepehuanes.mx", "admin", "tepehuanes");
  const std::string list = kBase + "tepehuanes/public-works/projects";
  json unpublished = Create("tepehuanes", Sample("Obra que se despublica"), admin);
  json deleted = Create("tepehuanes", Sample("Obra que se borra"), admin);
  json kept = Create("tepehuanes", Sample("Obra que sigue publicada"), admin);
  json draft = Create("tepehuanes", Sample("Borrador nunca publicado"), admin);
  for (const json& p : {unpublished, deleted, kept}) Publish("tepehuanes", p, admin);

  json first = Get(list + "?updated_since=2000-01-01T00:00:00Z&limit=100");
  ASSERT_EQ(first["items"].size(), 3u) << first.dump();
  const std::string since = first["items"].back()["updated_at"];
  auto project_path = [&](const json& p) { return list + "/" + p["id"].get<std::string>(); };
  ASSERT_EQ(Call("POST", project_path(unpublished) + "/unpublish", "", admin).status, 200);
  ASSERT_EQ(Call("DELETE", project_path(deleted), "", admin).status, 204);
  ASSERT_EQ(
      Call("PATCH", project_path(draft), json{{"title", "Borrador editado"}}.dump(), admin).status,
      200);

  json sync = Get(list + "?updated_since=" + since + "&limit=100");
  std::map<std::string, json> by_id;
  for (const auto& item : sync["items"]) by_id[item["id"].get<std::string>()] = item;
  ASSERT_EQ(by_id.size(), 2u) << sync.dump();
  for (const json& gone : {unpublished, deleted}) {
    const json& item = by_id[gone["id"].get<std::string>()];
    std::set<std::string> keys;
    for (const auto& [key, value] : item.items()) keys.insert(key);
    EXPECT_EQ(keys, (std::set<std::string>{"id", "tenant", "updated_at", "deleted"})) << item;
    EXPECT_EQ(item["tenant"], "tepehuanes");
    EXPECT_EQ(item["deleted"], true);
    EXPECT_GT(item["updated_at"].get<std::string>(), since);
  }
  // Plain lists show neither; nor does a GET.
  json plain = Get(list);
  ASSERT_EQ(plain["items"].size(), 1u);
  EXPECT_EQ(plain["items"][0]["id"], kept["id"]);
  EXPECT_EQ(Call("GET", project_path(unpublished)).status, 404);
  // An editor still sees the unpublished work as the draft it is.
  json editor_sync = Get(list + "?updated_since=" + since + "&limit=100", admin);
  bool draft_seen = false;
  for (const auto& item : editor_sync["items"]) {
    if (item["id"] == unpublished["id"]) {
      draft_seen = true;
      EXPECT_EQ(item["published"], false);
      EXPECT_FALSE(item.contains("deleted"));
    }
  }
  EXPECT_TRUE(draft_seen);
  // Published again, it comes back as a full item.
  Publish("tepehuanes", unpublished, admin);
  json back = Get(list + "?updated_since=" + since + "&limit=100");
  bool back_seen = false;
  for (const auto& item : back["items"]) {
    if (item["id"] == unpublished["id"]) {
      back_seen = true;
      EXPECT_EQ(item["published"], true);
      EXPECT_EQ(item["title"], "Obra que se despublica");
    }
  }
  EXPECT_TRUE(back_seen);
}

// Every field of the contract (api-modules.md) survives create + GET as sent,
// next to the server's fields, and nothing else is answered.
TEST_F(PublicWorksTest, EveryContractFieldRoundTrips) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const json input = {
      {"external_id", "SOP-TEP-2025-017"},
      {"title", "Pavimentación de la calle Hidalgo"},
      {"description", "Pavimentación con concreto hidráulico, guarniciones y banquetas."},
      {"status", "implementation"},
      {"type", "rehabilitation"},
      {"sector", "transporte"},
      {"purpose", "Mejorar el acceso al centro de salud y a la escuela primaria."},
      {"budget_mxn", "2500000.00"},
      {"funding",
       {{{"origin", "federal"}, {"fund", "FAIS"}, {"amount_mxn", "1500000.00"}},
        {{"origin", "state"},
         {"fund", "Fondo Estatal de Infraestructura"},
         {"amount_mxn", "750000.50"}},
        {{"origin", "municipal"}, {"fund", "Recursos propios"}, {"amount_mxn", "249999.50"}}}},
      {"location",
       {{"lat", 25.3511},
        {"lon", -105.7269},
        {"address", "Calle Hidalgo 120, Zona Centro, Tepehuanes"},
        {"cvegeo", "100280001"}}},
      {"contractor", {{"name", "Pavimentos de la Sierra SA de CV"}, {"rfc", "PSI980101XY2"}}},
      {"procurement_method", "selective"},
      {"contract_value_mxn", "2399999.99"},
      {"start_date", "2025-02-01"},
      {"end_date", "2025-11-30"}};
  json created = Create("tepehuanes", input, editor);
  ASSERT_TRUE(created.contains("id")) << created.dump();
  auto got =
      Call("GET", kBase + "tepehuanes/public-works/projects/" + created["id"].get<std::string>(),
           "", editor);
  ASSERT_EQ(got.status, 200) << got.body;
  json project = json::parse(got.body);
  for (const auto& [key, value] : input.items()) EXPECT_EQ(project[key], value) << key;
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  const std::regex time(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$)");
  EXPECT_TRUE(std::regex_match(project["id"].get<std::string>(), uuid)) << project["id"];
  EXPECT_EQ(project["tenant"], "tepehuanes");
  EXPECT_EQ(project["published"], false);
  EXPECT_TRUE(std::regex_match(project["created_at"].get<std::string>(), time));
  EXPECT_TRUE(std::regex_match(project["updated_at"].get<std::string>(), time));
  EXPECT_EQ(project["physical_progress_pct"], 0);
  EXPECT_EQ(project["financial_progress_pct"], 0);
  EXPECT_EQ(project["spent_mxn"], "0.00");
  std::set<std::string> keys, expected = {"id",
                                          "tenant",
                                          "published",
                                          "created_at",
                                          "updated_at",
                                          "physical_progress_pct",
                                          "financial_progress_pct",
                                          "spent_mxn"};
  for (const auto& [key, value] : input.items()) expected.insert(key);
  for (const auto& [key, value] : project.items()) keys.insert(key);
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(project, created);  // POST answers what GET answers
}

// POST builds its answer from what the INSERT returned, GET from the tables:
// the two agree also for the fewest fields (no funding, no location).
TEST_F(PublicWorksTest, AMinimalProjectIsAnsweredByPostExactlyAsGetReadsIt) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  json created = Create("tepehuanes", {{"title", "Bacheo"}, {"budget_mxn", "100"}}, editor);
  ASSERT_TRUE(created.contains("id")) << created.dump();
  EXPECT_EQ(created["funding"], json::array());
  EXPECT_EQ(created["budget_mxn"], "100.00");  // as numeric(16,2) stores it
  EXPECT_TRUE(created["location"].is_null());
  auto got =
      Call("GET", kBase + "tepehuanes/public-works/projects/" + created["id"].get<std::string>(),
           "", editor);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(json::parse(got.body), created);
}

// The progress rules of the contract, each a 422 on its field that stores
// nothing; a back-dated report does not replace the latest one's figures.
TEST_F(PublicWorksTest, ProgressRulesRejectBadReportsAndKeepTheLatestDatedFigures) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const std::string auditor = MakeUser("auditor@tepehuanes.mx", "auditor", "tepehuanes");
  json project = Create("tepehuanes", Sample("Red de agua potable"), editor);  // from 2025-01-15
  const std::string id = project["id"];
  const std::string path = kBase + "tepehuanes/public-works/projects/" + id;
  auto post = [&](const json& body) {
    return Call("POST", path + "/progress", body.dump(), editor);
  };
  auto reports = [&] { return Get(path + "/progress", editor)["items"].size(); };
  auto june = post({{"date", "2025-06-30"},
                    {"physical_pct", 50},
                    {"financial_pct", 40},
                    {"spent_mxn", "500000.00"}});
  ASSERT_EQ(june.status, 201) << june.body;
  json listed = Get(path + "/progress", editor);
  ASSERT_EQ(listed["items"].size(), 1u);
  ASSERT_TRUE(listed.contains("next_cursor")) << listed.dump();
  EXPECT_TRUE(listed["next_cursor"].is_null());

  const json ok = {{"date", "2025-07-31"},
                   {"physical_pct", 60},
                   {"financial_pct", 100},
                   {"spent_mxn", "1000000.00"}};
  json undated = ok;
  undated.erase("date");
  const std::vector<std::pair<json, std::string>> cases = {
      {undated, "date"},
      {With(ok, {{"evidence_urls", {"https://ejemplo.mx/foto.jpg", "ftp://ejemplo.mx/x.jpg"}}}),
       "evidence_urls[1]"},
      {With(ok, {{"evidence_urls", {7}}}), "evidence_urls[0]"},
      {With(ok, {{"evidence_urls", "https://ejemplo.mx/foto.jpg"}}), "evidence_urls"},
      {With(ok, {{"note", std::string(4001, 'a')}}), "note"},
      {With(ok, {{"avance", 10}}), "avance"},
      {With(ok, {{"physical_pct", "50"}}), "physical_pct"},
      {With(ok, {{"physical_pct", 150}}), "physical_pct"},
      {With(ok, {{"date", "2025-01-14"}}), "date"},
      {With(ok, {{"spent_mxn", "1250000.01"}}), "note"},
      {With(ok, {{"spent_mxn", "1250000.01"}, {"note", ""}}), "note"},
  };
  for (const auto& [body, field] : cases) {
    auto result = post(body);
    EXPECT_EQ(result.status, 422) << body.dump().substr(0, 200) << " " << result.body;
    auto errors = Errors(result);
    EXPECT_TRUE(errors.count(field)) << field << " " << result.body;
    EXPECT_FALSE(errors[field].empty()) << field << " " << result.body;
    EXPECT_EQ(reports(), 1u) << body.dump().substr(0, 200);
  }
  json now = Get(path, editor);
  EXPECT_EQ(now["physical_progress_pct"], 50);
  EXPECT_EQ(now["spent_mxn"], "500000.00");

  // Above the budget with a note explaining why: accepted.
  auto over = post(With(ok, {{"spent_mxn", "1250000.01"}, {"note", "Convenio modificatorio 1"}}));
  ASSERT_EQ(over.status, 201) << over.body;
  // A back-dated report is stored but the figures stay the latest-dated one's.
  auto march = post({{"date", "2025-03-31"},
                     {"physical_pct", 20},
                     {"financial_pct", 15},
                     {"spent_mxn", "150000.00"}});
  ASSERT_EQ(march.status, 201) << march.body;
  now = Get(path, editor);
  EXPECT_EQ(now["physical_progress_pct"], 60);
  EXPECT_EQ(now["financial_progress_pct"], 100);
  EXPECT_EQ(now["spent_mxn"], "1250000.01");
  listed = Get(path + "/progress", editor);
  ASSERT_EQ(listed["items"].size(), 3u);
  EXPECT_EQ(listed["items"][0]["date"], "2025-03-31");  // oldest first
  EXPECT_EQ(listed["items"][2]["date"], "2025-07-31");
  EXPECT_EQ(listed["items"][2]["note"], "Convenio modificatorio 1");

  // One audit entry per accepted report, none for the rejected ones.
  json log = Get(kBase + "tepehuanes/audit?limit=100", auditor);
  int audited = 0;
  bool over_audited = false;
  for (const auto& entry : log["items"]) {
    if (entry["action"] != "public-works.project.progress") continue;
    ++audited;
    EXPECT_EQ(entry["entity_id"], id);
    if (entry["changes"]["report"]["id"] == json::parse(over.body)["id"]) {
      over_audited = true;
      EXPECT_EQ(entry["changes"]["after"]["spent_mxn"], "1250000.01");
      EXPECT_EQ(entry["changes"]["before"]["spent_mxn"], "500000.00");
    }
  }
  EXPECT_EQ(audited, 3);
  EXPECT_TRUE(over_audited);
}

// The audit entry of a PATCH says what changed, not the whole project twice.
TEST_F(PublicWorksTest, TheAuditOfAPatchHoldsOnlyTheChangedFields) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const std::string auditor = MakeUser("auditor@tepehuanes.mx", "auditor", "tepehuanes");
  json project = Create("tepehuanes", Sample("Techado de la cancha"), editor);
  const std::string id = project["id"];
  const std::string path = kBase + "tepehuanes/public-works/projects/" + id;
  ASSERT_EQ(
      Call("PATCH", path, json{{"title", "Techado de la cancha municipal"}}.dump(), editor).status,
      200);
  json log = Get(kBase + "tepehuanes/audit?limit=100", auditor);
  json update;
  for (const auto& entry : log["items"]) {
    if (entry["action"] == "public-works.project.update" && entry["entity_id"] == id) {
      update = entry;
    }
  }
  ASSERT_TRUE(update.is_object()) << log.dump();
  const json& after = update["changes"]["after"];
  const json& before = update["changes"]["before"];
  EXPECT_EQ(after["title"], "Techado de la cancha municipal");
  EXPECT_EQ(before["title"], "Techado de la cancha");
  for (const json* side : {&after, &before}) {
    for (const auto& [key, value] : side->items()) {
      EXPECT_TRUE(key == "title" || key == "updated_at") << key << " in " << side->dump();
    }
  }
  EXPECT_EQ(Get(kBase + "tepehuanes/audit/verify", auditor)["ok"], true);
}

// GET carries an ETag that If-None-Match turns into a 304; a POST retried
// with the same Idempotency-Key replays the first answer and creates nothing.
TEST_F(PublicWorksTest, EtagRevalidationAndIdempotencyKey) {
  const std::string admin = MakeUser("admin@tepehuanes.mx", "admin", "tepehuanes");
  const std::string list = kBase + "tepehuanes/public-works/projects";
  json project = Create("tepehuanes", Sample("Obra con ETag"), admin);
  const std::string path = list + "/" + project["id"].get<std::string>();

  auto draft = Call("GET", path, "", admin);
  ASSERT_EQ(draft.status, 200);
  const std::string draft_etag = draft.Header("etag");
  ASSERT_FALSE(draft_etag.empty());
  auto cached = Call("GET", path, "", admin, {{"If-None-Match", draft_etag}});
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());
  EXPECT_EQ(cached.Header("etag"), draft_etag);

  Publish("tepehuanes", project, admin);
  auto open = Call("GET", path);  // anonymous
  ASSERT_EQ(open.status, 200);
  const std::string etag = open.Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_NE(etag, draft_etag);
  EXPECT_EQ(Call("GET", path, "", "", {{"If-None-Match", etag}}).status, 304);
  EXPECT_EQ(Call("GET", path, "", "", {{"If-None-Match", draft_etag}}).status, 200);
  const std::string list_etag = Call("GET", list).Header("etag");
  ASSERT_FALSE(list_etag.empty());
  EXPECT_EQ(Call("GET", list, "", "", {{"If-None-Match", list_etag}}).status, 304);

  const json body = Sample("Obra enviada dos veces");
  auto first = Call("POST", list, body.dump(), admin, {{"Idempotency-Key", "obra-2025-0001"}});
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.Header("idempotent-replayed"), "");
  auto retry = Call("POST", list, body.dump(), admin, {{"Idempotency-Key", "obra-2025-0001"}});
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.Header("idempotent-replayed"), "true");
  EXPECT_EQ(json::parse(retry.body)["id"], json::parse(first.body)["id"]);
  EXPECT_EQ(retry.body, first.body);
  auto other = Call("POST", list, Sample("Otra obra").dump(), admin,
                    {{"Idempotency-Key", "obra-2025-0001"}});
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_TRUE(Errors(other).count("Idempotency-Key")) << other.body;
  EXPECT_EQ(Get(list + "?q=enviada", admin)["items"].size(), 1u);
  EXPECT_EQ(Get(list + "?q=Otra", admin)["items"].size(), 0u);
}

// Inserts published projects straight into the database (bypassing the API).
// With `before`, their updated_at falls just before it (one millisecond apart),
// i.e. behind a list's cursor; otherwise it is now.
void InsertProjects(const std::string& owner_url, const std::string& tenant, int count,
                    const std::string& prefix, const std::optional<std::string>& before = {}) {
  pqxx::connection owner(owner_url);
  pqxx::work w(owner);
  auto id = w.exec_params("SELECT id::text FROM core.tenants WHERE slug = $1", tenant)[0][0]
                .as<std::string>();
  core::ApplyScope(w, core::Scope{{id}, ""});
  for (int i = 0; i < count; ++i) {
    w.exec_params(
        "INSERT INTO public_works.projects (tenant_id, title, budget_mxn, published, "
        "updated_at) VALUES ($1, $2, 1000.00, true, "
        "coalesce($3::timestamptz - $4::int * interval '1 millisecond', clock_timestamp()))",
        id, prefix + std::to_string(i), before, i + 1);
  }
  w.commit();
}

TEST_F(PublicWorksTest, PagingReturnsEveryProjectOnceWhileNewOnesArrive) {
  InsertProjects(database_.owner_url(), "tepehuanes", 150, "obra-");
  std::map<std::string, int> seen;
  std::string path = kBase + "tepehuanes/public-works/projects?limit=40";
  for (int page = 0; page < 10; ++page) {
    json body = Get(path);
    ASSERT_LE(body["items"].size(), 40u);
    for (const auto& item : body["items"]) ++seen[item["title"].get<std::string>()];
    InsertProjects(database_.owner_url(), "tepehuanes", 2, "nueva-" + std::to_string(page) + "-");
    // Rows behind the cursor: an OFFSET would shift by them and repeat items.
    if (!body["items"].empty()) {
      InsertProjects(database_.owner_url(), "tepehuanes", 3,
                     "anterior-" + std::to_string(page) + "-",
                     body["items"].back()["updated_at"].get<std::string>());
    }
    if (body["next_cursor"].is_null()) break;
    path = kBase + "tepehuanes/public-works/projects?limit=40&cursor=" +
           body["next_cursor"].get<std::string>();
  }
  for (int i = 0; i < 150; ++i) EXPECT_EQ(seen["obra-" + std::to_string(i)], 1) << i;
  for (const auto& [title, count] : seen) EXPECT_EQ(count, 1) << title;
}

TEST_F(PublicWorksTest, ConcurrentPatchesWithTheSameIfMatchGiveExactlyOne412) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  json project = Create("tepehuanes", Sample("Señalamiento vial en la cabecera"), editor);
  const std::string path =
      kBase + "tepehuanes/public-works/projects/" + project["id"].get<std::string>();
  const std::string etag = Call("GET", path, "", editor).Header("etag");
  ASSERT_FALSE(etag.empty());
  auto patch = [&](const std::string& title) {
    std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + editor},
                                                  {"If-Match", etag}};
    return testing::HttpRequest(app_->Port(), "PATCH", path, json{{"title", title}}.dump(), headers)
        .status;
  };
  auto a = std::async(std::launch::async, patch, "Señalamiento vial, versión A");
  auto b = std::async(std::launch::async, patch, "Señalamiento vial, versión B");
  std::vector<int> statuses = {a.get(), b.get()};
  std::sort(statuses.begin(), statuses.end());
  EXPECT_EQ(statuses, (std::vector<int>{200, 412}));
}

TEST_F(PublicWorksTest, ATwoMegabyteBodyIs413AndNothingChanges) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  Create("tepehuanes", Sample("Obra existente"), editor);
  json huge = Sample(std::string(2 * 1024 * 1024, 'x'));
  auto result = Call("POST", kBase + "tepehuanes/public-works/projects", huge.dump(), editor);
  EXPECT_EQ(result.status, 413);
  EXPECT_EQ(Get(kBase + "tepehuanes/public-works/projects", editor)["items"].size(), 1u);
}

// The demo data set of scripts/run (CABILDO_DEMO_DATA=1) exports valid OC4IDS.
// The progress reports of a work are a cursor list like every list: `limit`
// (1..100) per page, in (date, created_at, id) order, each report once.
TEST_F(PublicWorksTest, ProgressIsAPagedCursorList) {
  const std::string admin = MakeUser("admin@tepehuanes.mx", "admin", "tepehuanes");
  json project = Create("tepehuanes", Sample("Obra con muchos reportes"), admin);
  Publish("tepehuanes", project, admin);
  {
    pqxx::connection owner(database_.owner_url());
    pqxx::work w(owner);
    auto tenant = w.exec("SELECT id::text FROM core.tenants WHERE slug = 'tepehuanes'")[0][0]
                      .as<std::string>();
    core::ApplyScope(w, core::Scope{{tenant}, ""});
    // Two reports share a date: created_at, then id, break the tie.
    for (const char* date : {"2025-05-01", "2025-03-01", "2025-04-01", "2025-04-01", "2025-02-01",
                             "2025-06-01", "2025-07-01"}) {
      w.exec_params(
          "INSERT INTO public_works.progress_reports (tenant_id, project_id, report_date, "
          "physical_pct, financial_pct, spent_mxn) VALUES ($1, $2::uuid, $3::date, 10, 10, 1.00)",
          tenant, project["id"].get<std::string>(), std::string(date));
    }
    w.commit();
  }
  const std::string base =
      kBase + "tepehuanes/public-works/projects/" + project["id"].get<std::string>() + "/progress";
  json all = Get(base + "?limit=100");
  ASSERT_EQ(all["items"].size(), 7u);
  EXPECT_TRUE(all["next_cursor"].is_null());
  EXPECT_EQ(Get(base)["items"].size(), 7u);  // the default page (20) holds them all
  json paged = json::array();
  std::string path = base + "?limit=2";
  int pages = 0;
  while (pages < 10) {
    json page = Get(path);
    ++pages;
    ASSERT_LE(page["items"].size(), 2u);
    for (const auto& item : page["items"]) paged.push_back(item);
    if (page["next_cursor"].is_null()) break;
    path = base + "?limit=2&cursor=" + page["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(paged, all["items"]);
  std::vector<std::string> dates;
  for (const auto& item : paged) dates.push_back(item["date"]);
  EXPECT_TRUE(std::is_sorted(dates.begin(), dates.end()));
  // Bad paging is a 400 problem, never a query.
  for (const std::string query : {"?limit=0", "?limit=101", "?limit=dos", "?cursor=abc"}) {
    auto bad = Call("GET", base + query);
    EXPECT_EQ(bad.status, 400) << query << " " << bad.body;
    EXPECT_EQ(bad.Header("content-type"), "application/problem+json") << query;
  }
  // A cursor of another list (the projects') is not this list's.
  InsertProjects(database_.owner_url(), "tepehuanes", 2, "otra-");
  json projects = Get(kBase + "tepehuanes/public-works/projects?limit=1");
  ASSERT_TRUE(projects["next_cursor"].is_string());
  EXPECT_EQ(Call("GET", base + "?cursor=" + projects["next_cursor"].get<std::string>()).status,
            400);
}

// Statements PostgreSQL has run in this test's database (pg_stat_statements,
// which scripts/services preloads; the counts are readable from `postgres`).
int64_t StatementsRunIn(const testing::TestDatabase& database) {
  pqxx::connection stats(testing::WithDatabase(database.owner_url(), "postgres"));
  pqxx::work w(stats);
  return w
      .exec_params(
          "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements "
          "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)",
          database.name())[0][0]
      .as<int64_t>();
}

// The OC4IDS export reads every project with its progress reports in a
// constant number of statements (it ran one query per project), and stays
// valid OC4IDS.
TEST_F(PublicWorksTest, TheOc4idsExportIsAConstantNumberOfStatements) {
  auto add_reports = [&] {
    pqxx::connection owner(database_.owner_url());
    pqxx::work w(owner);
    auto tenant = w.exec("SELECT id::text FROM core.tenants WHERE slug = 'tepehuanes'")[0][0]
                      .as<std::string>();
    core::ApplyScope(w, core::Scope{{tenant}, ""});
    w.exec_params(
        "INSERT INTO public_works.progress_reports (tenant_id, project_id, report_date, "
        "physical_pct, financial_pct, spent_mxn) SELECT p.tenant_id, p.id, d::date, 20, 15, 150.00 "
        "FROM public_works.projects p, (VALUES ('2025-03-01'), ('2025-04-01')) AS r(d) "
        "WHERE p.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM public_works.progress_reports x "
        "WHERE x.tenant_id = p.tenant_id AND x.project_id = p.id)",
        tenant);
    w.commit();
  };
  const std::string path = kBase + "tepehuanes/public-works/oc4ids.json";
  auto statements_of_export = [&](size_t projects) {
    const int64_t before = StatementsRunIn(database_);
    auto package = Call("GET", path);
    EXPECT_EQ(package.status, 200) << package.body;
    EXPECT_EQ(json::parse(package.body)["projects"].size(), projects);
    // pg_stat_statements records a statement as it ends: let the COMMIT land.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return StatementsRunIn(database_) - before;
  };
  InsertProjects(database_.owner_url(), "tepehuanes", 3, "pequeña-");
  add_reports();
  const int64_t few = statements_of_export(3);
  InsertProjects(database_.owner_url(), "tepehuanes", 60, "obra-");
  add_reports();
  const int64_t many = statements_of_export(63);
  EXPECT_GT(few, 0);  // the counter works
  EXPECT_LE(many, few + 1) << few << " statements for 3 projects, " << many << " for 63";
  EXPECT_LT(many, 30);

  auto package = Call("GET", path);
  json first = json::parse(package.body)["projects"][0];
  ASSERT_EQ(first["metrics"][0]["observations"].size(), 2u);
  EXPECT_EQ(first["metrics"][1]["observations"][1]["value"]["amount"], 150);
  const std::string file =
      std::filesystem::temp_directory_path().string() + "/oc4ids-n-" + database_.name() + ".json";
  std::ofstream(file) << package.body;
  const std::string validate =
      "bash '" + std::string(CABILDO_SOURCE_DIR) + "/scripts/oc4ids-validate' '" + file + "'";
  EXPECT_EQ(std::system(validate.c_str()), 0) << validate;
  std::filesystem::remove(file);
}

// Drafts never show through a public export, not even through its ETag:
// editing a draft leaves every export's ETag as it was; publishing changes it.
TEST_F(PublicWorksTest, EditingADraftLeavesThePublicExportsEtagAlone) {
  const std::string admin = MakeUser("admin@tepehuanes.mx", "admin", "tepehuanes");
  json published = Create("tepehuanes", Sample("Obra publicada"), admin);
  Publish("tepehuanes", published, admin);
  json draft = Create("tepehuanes", Sample("Borrador secreto"), admin);
  const std::string draft_path =
      kBase + "tepehuanes/public-works/projects/" + draft["id"].get<std::string>();
  for (const char* exported : {"/export.csv", "/export.json", "/oc4ids.json"}) {
    const std::string path = kBase + "tepehuanes/public-works" + exported;
    auto before = Call("GET", path);
    ASSERT_EQ(before.status, 200) << exported;
    const std::string etag = before.Header("etag");
    ASSERT_FALSE(etag.empty());
    ASSERT_EQ(Call("PATCH", draft_path,
                   json{{"title", std::string("Borrador editado ") + exported}}.dump(), admin)
                  .status,
              200);
    ASSERT_EQ(Call("POST", draft_path + "/progress",
                   json{{"date", "2025-04-01"},
                        {"physical_pct", 5},
                        {"financial_pct", 5},
                        {"spent_mxn", "10.00"}}
                       .dump(),
                   admin)
                  .status,
              201);
    auto after = Call("GET", path);
    EXPECT_EQ(after.Header("etag"), etag) << exported;
    EXPECT_EQ(after.body, before.body) << exported;
    EXPECT_EQ(Call("GET", path, "", "", {{"If-None-Match", etag}}).status, 304) << exported;
  }
  const std::string path = kBase + "tepehuanes/public-works/export.json";
  const std::string etag = Call("GET", path).Header("etag");
  Publish("tepehuanes", draft, admin);
  auto published_now = Call("GET", path);
  EXPECT_NE(published_now.Header("etag"), etag);
  EXPECT_EQ(json::parse(published_now.body).size(), 2u);
  EXPECT_EQ(Call("GET", path, "", "", {{"If-None-Match", etag}}).status, 200);
}

// api-modules.md: `auditor` reads all — drafts included — and writes nothing.
TEST_F(PublicWorksTest, AnAuditorReadsDraftsButCannotWrite) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const std::string auditor = MakeUser("auditor@tepehuanes.mx", "auditor", "tepehuanes");
  json draft = Create("tepehuanes", Sample("Borrador para auditar"), editor);
  const std::string list = kBase + "tepehuanes/public-works/projects";
  const std::string path = list + "/" + draft["id"].get<std::string>();
  ASSERT_EQ(Call("POST", path + "/progress",
                 json{{"date", "2025-03-01"},
                      {"physical_pct", 1},
                      {"financial_pct", 1},
                      {"spent_mxn", "1.00"}}
                     .dump(),
                 editor)
                .status,
            201);

  EXPECT_EQ(Call("GET", path).status, 404);  // anonymous: a draft is not there
  auto read = Call("GET", path, "", auditor);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(json::parse(read.body)["published"], false);
  json listed = Get(list, auditor);
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["title"], "Borrador para auditar");
  EXPECT_EQ(Get(path + "/progress", auditor)["items"].size(), 1u);

  EXPECT_EQ(Call("PATCH", path, json{{"title", "Cambiado"}}.dump(), auditor).status, 403);
  EXPECT_EQ(Call("DELETE", path, "", auditor).status, 403);
  EXPECT_EQ(Call("POST", path + "/publish", "", auditor).status, 403);
  EXPECT_EQ(Call("POST", list, Sample("Nueva").dump(), auditor).status, 403);
  EXPECT_EQ(Call("POST", path + "/progress",
                 json{{"date", "2025-04-01"},
                      {"physical_pct", 2},
                      {"financial_pct", 2},
                      {"spent_mxn", "2.00"}}
                     .dump(),
                 auditor)
                .status,
            403);
  EXPECT_EQ(Get(path, editor)["title"], "Borrador para auditar");
}

TEST_F(PublicWorksTest, NoPublishedWorksMeansNoOc4idsPackage) {
  auto empty = Call("GET", kBase + "tepehuanes/public-works/oc4ids.json");
  EXPECT_EQ(empty.status, 404);
  EXPECT_EQ(empty.Header("content-type"), "application/problem+json");
}

TEST_F(PublicWorksTest, TheDemoDataExportsValidOc4ids) {
  const std::string command = "CABILDO_DATABASE_ADMIN_URL=\"" + database_.owner_url() +
                              "\" bash '" + std::string(CABILDO_SOURCE_DIR) +
                              "/scripts/demo-data.sh' > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  auto package = Call("GET", kBase + "durango/public-works/oc4ids.json");
  ASSERT_EQ(package.status, 200);
  EXPECT_FALSE(json::parse(package.body)["projects"].empty());
  const std::string file = std::filesystem::temp_directory_path().string() + "/oc4ids-demo-" +
                           database_.name() + ".json";
  std::ofstream(file) << package.body;
  const std::string validate =
      "bash '" + std::string(CABILDO_SOURCE_DIR) + "/scripts/oc4ids-validate' '" + file + "'";
  EXPECT_EQ(std::system(validate.c_str()), 0) << validate;
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace cabildo
