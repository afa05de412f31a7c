// The Local Action Plan over HTTP against the real services: plans and
// drafts, the progress roll-up of a three-level tree against a fixture
// computed by hand, the public history, links to other modules, exports in
// Decidim's results shape, 422s that change nothing, audit and isolation.
#include <map>
#include <string>
#include <vector>

#include "open_government_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

class PlansTest : public OpenGovernmentTest {
 protected:
  void SetUp() override {
    OpenGovernmentTest::SetUp();
    editor_ = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  }

  json NewPlan(const std::string& tenant, const std::string& token, bool published = true) {
    return Post(tenant, "/plans",
                {{"title", "Tercer Plan de Acción Local"},
                 {"cycle", "3er PAL 2025-2027"},
                 {"period_start", "2025-01-01"},
                 {"period_end", "2027-12-31"},
                 {"phase", "implementation"},
                 {"published", published}},
                token);
  }
  std::string PlanPath(const json& plan) { return "/plans/" + plan["id"].get<std::string>(); }
  json NewCommitment(const json& plan, json body, const std::string& tenant = "tepehuanes") {
    if (!body.contains("title")) body["title"] = "Compromiso";
    return Post(tenant, PlanPath(plan) + "/commitments", body, editor_);
  }
  json NewMilestone(const std::string& commitment_id, const json& body) {
    return Post("tepehuanes", "/commitments/" + commitment_id + "/milestones", body, editor_);
  }
  // field -> message of a 422 problem.
  static std::map<std::string, std::string> Errors(const HttpResult& result) {
    std::map<std::string, std::string> errors;
    json problem = json::parse(result.body, nullptr, false);
    if (problem.is_object() && problem.contains("errors")) {
      for (const auto& e : problem["errors"]) {
        errors[e.value("field", "")] = e.value("message", e.value("detail", ""));
      }
    }
    return errors;
  }
  // The audit entries of `tenant` (newest 100), by action.
  std::map<std::string, std::vector<json>> AuditByAction(const std::string& tenant) {
    const std::string auditor =
        MakeUser("auditor" + std::to_string(++auditors_) + "@" + tenant + ".mx", "auditor", tenant);
    auto result = Call("GET", "/v1/tenants/" + tenant + "/audit?limit=100", "", auditor);
    EXPECT_EQ(result.status, 200) << result.body;
    std::map<std::string, std::vector<json>> by_action;
    const json log = json::parse(result.body);
    for (const auto& entry : log["items"]) {
      by_action[entry.value("action", "")].push_back(entry);
    }
    return by_action;
  }

  std::string editor_;
  int auditors_ = 0;
};

TEST_F(PlansTest, DraftPlansAreHiddenFromAnonymousCallersUntilPublished) {
  json plan = NewPlan("tepehuanes", editor_, /*published=*/false);
  EXPECT_EQ(plan["published"], false);
  EXPECT_EQ(plan["phase"], "implementation");
  EXPECT_EQ(plan["tenant"], "tepehuanes");
  json commitment = NewCommitment(plan, {{"title", "Señalamiento vial"}});
  const std::string c_path = "/commitments/" + commitment["id"].get<std::string>();

  EXPECT_EQ(Get("tepehuanes", "/plans")["items"].size(), 0u);
  EXPECT_EQ(Call("GET", Path("tepehuanes", PlanPath(plan))).status, 404);
  EXPECT_EQ(Call("GET", Path("tepehuanes", c_path)).status, 404);
  EXPECT_EQ(Call("GET", Path("tepehuanes", PlanPath(plan) + "/results.json")).status, 404);
  EXPECT_EQ(Get("tepehuanes", "/plans", editor_)["items"].size(), 1u);
  EXPECT_EQ(Get("tepehuanes", c_path, editor_)["title"], "Señalamiento vial");
  // The auditor reads drafts too, without writing.
  const std::string auditor = MakeUser("auditora@tepehuanes.mx", "auditor", "tepehuanes");
  EXPECT_EQ(Get("tepehuanes", PlanPath(plan), auditor)["published"], false);
  EXPECT_EQ(Call("PATCH", Path("tepehuanes", PlanPath(plan)), R"({"phase":"monitoring"})", auditor)
                .status,
            403);

  // Publishing (PATCH with If-Match) makes the plan and its commitments public.
  const std::string etag =
      Call("GET", Path("tepehuanes", PlanPath(plan)), "", editor_).Header("etag");
  auto published = Call("PATCH", Path("tepehuanes", PlanPath(plan)),
                        json{{"published", true}, {"phase", "monitoring"}}.dump(), editor_,
                        {{"If-Match", etag}});
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(json::parse(published.body)["phase"], "monitoring");
  EXPECT_EQ(Call("PATCH", Path("tepehuanes", PlanPath(plan)), R"({"phase":"evaluation"})", editor_,
                 {{"If-Match", etag}})
                .status,
            412);
  EXPECT_EQ(Get("tepehuanes", "/plans")["items"].size(), 1u);
  EXPECT_EQ(Get("tepehuanes", c_path)["title"], "Señalamiento vial");

  // Unpublished again: gone for anonymous callers, a tombstone when syncing.
  auto unpublished =
      Call("PATCH", Path("tepehuanes", PlanPath(plan)), R"({"published": false})", editor_);
  ASSERT_EQ(unpublished.status, 200) << unpublished.body;
  EXPECT_EQ(Get("tepehuanes", "/plans")["items"].size(), 0u);
  EXPECT_EQ(Call("GET", Path("tepehuanes", c_path)).status, 404);
  json sync = Get("tepehuanes", "/plans?updated_since=2000-01-01T00:00:00Z");
  ASSERT_EQ(sync["items"].size(), 1u);
  EXPECT_EQ(sync["items"][0]["deleted"], true);
  EXPECT_FALSE(sync["items"][0].contains("title"));

  auto audit = AuditByAction("tepehuanes");
  EXPECT_EQ(audit["open-government.plan.create"].size(), 1u);
  EXPECT_EQ(audit["open-government.plan.update"].size(), 2u);
  EXPECT_EQ(audit["open-government.commitment.create"].size(), 1u);
}

// issue 17: "progress roll-up over a three-level tree of weighted and
// unweighted commitments equal to a fixture computed by hand" — the same
// tree as progress_test.cc's ThreeLevelTree... test:
//
//   1 A (no weight)                = (56.25*3 + 50*1 + 0*1) / 5     = 43.75
//     1.1 B (weight 3)             = plain mean (62.5 + 50) / 2     = 56.25
//       1.1.1 B1 met w2, partially_met w1, scheduled w1 = 250 / 4   = 62.5
//       1.1.2 B2 not_met w1, met w1                                 = 50
//     1.2 C (weight 1) partially_met                                = 50
//     1.3 D (no weight: counts 1 beside weighted siblings) none     = 0
//   2 E (no weight)                = 100*0.25 + 33.333..*0.75       = 50
//     2.1 E1 (weight 0.25) met                                      = 100
//     2.2 E2 (weight 0.75) met w1, scheduled w2                     = 33.33
TEST_F(PlansTest, ThreeLevelRollUpThroughTheApiMatchesTheHandComputedFixture) {
  json plan = NewPlan("tepehuanes", editor_);
  std::map<std::string, std::string> id;
  auto add = [&](const std::string& key, const std::string& number, const std::string& parent,
                 const json& weight) {
    json body = {{"number", number}, {"title", "Compromiso " + key}, {"weight", weight}};
    if (!parent.empty()) body["parent_id"] = id[parent];
    id[key] = NewCommitment(plan, body)["id"].get<std::string>();
  };
  add("A", "1", "", nullptr);
  add("B", "1.1", "A", 3);
  add("B1", "1.1.1", "B", nullptr);
  add("B2", "1.1.2", "B", nullptr);
  add("C", "1.2", "A", 1);
  add("D", "1.3", "A", nullptr);
  add("E", "2", "", nullptr);
  add("E1", "2.1", "E", 0.25);
  add("E2", "2.2", "E", 0.75);
  auto milestone = [&](const std::string& key, double weight, const std::string& status) {
    NewMilestone(id[key], {{"title", "Hito de " + key},
                           {"weight", weight},
                           {"status", status},
                           {"due", "2026-06-30"}});
  };
  milestone("B1", 2, "met");
  milestone("B1", 1, "partially_met");
  milestone("B1", 1, "scheduled");
  milestone("B2", 1, "not_met");
  milestone("B2", 1, "met");
  milestone("C", 1, "partially_met");
  milestone("E1", 1, "met");
  milestone("E2", 1, "met");
  milestone("E2", 2, "scheduled");

  const std::map<std::string, std::pair<double, std::string>> expected = {
      {"A", {43.75, "limited"}},   {"B", {56.25, "substantial"}}, {"B1", {62.5, "substantial"}},
      {"B2", {50, "substantial"}}, {"C", {50, "substantial"}},    {"D", {0, "not_started"}},
      {"E", {50, "substantial"}},  {"E1", {100, "complete"}},     {"E2", {33.33, "limited"}}};
  for (const auto& [key, figures] : expected) {
    json c = Get("tepehuanes", "/commitments/" + id[key]);  // anonymous: the plan is published
    EXPECT_DOUBLE_EQ(c["progress_pct"].get<double>(), figures.first) << key;
    EXPECT_EQ(c["completion"], figures.second) << key;
  }
  json a = Get("tepehuanes", "/commitments/" + id["A"]);
  EXPECT_EQ(a["children"], json({id["B"], id["C"], id["D"]}));
  EXPECT_EQ(a["parent_id"], nullptr);
  EXPECT_EQ(a["milestones"].size(), 0u);
  json b1 = Get("tepehuanes", "/commitments/" + id["B1"]);
  EXPECT_EQ(b1["parent_id"], id["B"]);
  ASSERT_EQ(b1["milestones"].size(), 3u);
  EXPECT_EQ(b1["milestones"][0]["overdue"].is_boolean(), true);

  // The list shows the same figures.
  json page = Get("tepehuanes", PlanPath(plan) + "/commitments?limit=100");
  ASSERT_EQ(page["items"].size(), 9u);
  for (const auto& item : page["items"]) {
    if (item["id"] == id["A"]) {
      EXPECT_DOUBLE_EQ(item["progress_pct"].get<double>(), 43.75);
    }
    EXPECT_FALSE(item.contains("history"));
  }

  // Thresholds from the module configuration: 43.75 is substantial when limited ends at 40.
  const std::string state_admin = MakeUser("admin@durango.gob.mx", "admin", "durango");
  auto configured = Call(
      "PUT", "/v1/tenants/tepehuanes/modules/open-government",
      json{{"config", {{"completion", {{"limited_below", 40}, {"substantial_below", 90}}}}}}.dump(),
      state_admin);
  ASSERT_EQ(configured.status / 100, 2) << configured.body;
  EXPECT_EQ(Get("tepehuanes", "/commitments/" + id["A"])["completion"], "substantial");
  EXPECT_EQ(Get("tepehuanes", "/commitments/" + id["E1"])["completion"], "complete");
  auto bad_config =
      Call("PUT", "/v1/tenants/tepehuanes/modules/open-government",
           json{{"config", {{"completion", {{"limited_below", 150}}}}}}.dump(), state_admin);
  EXPECT_EQ(bad_config.status, 422) << bad_config.body;

  // results.json: Decidim's results shape, tree order, milestones under their commitment.
  json results = Get("tepehuanes", PlanPath(plan) + "/results.json");
  ASSERT_TRUE(results.is_array());
  ASSERT_EQ(results.size(), 18u);  // 9 commitments + 9 milestones
  EXPECT_EQ(results[0]["id"], id["A"]);
  EXPECT_EQ(results[0]["parent_id"], nullptr);
  EXPECT_EQ(results[0]["type"], "commitment");
  EXPECT_EQ(results[0]["reference"], "1");
  EXPECT_DOUBLE_EQ(results[0]["progress"].get<double>(), 43.75);
  EXPECT_EQ(results[0]["status"], "substantial");
  EXPECT_EQ(results[0]["url"], "/v1/tenants/tepehuanes/open-government/commitments/" + id["A"]);
  for (const char* key : {"id", "parent_id", "title", "description", "start_date", "end_date",
                          "status", "progress", "url"}) {
    EXPECT_TRUE(results[0].contains(key)) << key;
  }
  EXPECT_EQ(results[1]["id"], id["B"]);
  EXPECT_EQ(results[2]["id"], id["B1"]);
  EXPECT_EQ(results[3]["type"], "milestone");
  EXPECT_EQ(results[3]["parent_id"], id["B1"]);
  EXPECT_EQ(results[3]["end_date"], "2026-06-30");
  EXPECT_TRUE(results[3]["progress"] == 100 || results[3]["progress"] == 50 ||
              results[3]["progress"] == 0);

  // results.csv: the same rows.
  auto csv = Call("GET", Path("tepehuanes", PlanPath(plan) + "/results.csv"));
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_NE(csv.Header("content-type").find("text/csv"), std::string::npos);
  EXPECT_EQ(csv.body.rfind("id,parent_id,title,description,start_date,end_date,status,progress,"
                           "url,type,reference,weight\r\n",
                           0),
            0u)
      << csv.body;
  EXPECT_NE(csv.body.find(id["A"] + ",,Compromiso A,,,,substantial,43.75,"), std::string::npos)
      << csv.body;
  EXPECT_NE(csv.body.find(id["E2"] + "," + id["E"] + ",Compromiso E2,,,,limited,33.33,"),
            std::string::npos)
      << csv.body;
  size_t lines = 0;
  for (char ch : csv.body) lines += ch == '\n';
  EXPECT_EQ(lines, 19u);

  // document.json: the whole plan, commitments nested.
  json document = Get("tepehuanes", PlanPath(plan) + "/document.json");
  EXPECT_EQ(document["plan"]["id"], plan["id"]);
  ASSERT_EQ(document["commitments"].size(), 2u);
  const json& doc_a = document["commitments"][0];
  EXPECT_EQ(doc_a["id"], id["A"]);
  ASSERT_EQ(doc_a["children"].size(), 3u);
  EXPECT_EQ(doc_a["children"][0]["id"], id["B"]);
  ASSERT_EQ(doc_a["children"][0]["children"].size(), 2u);
  EXPECT_DOUBLE_EQ(doc_a["children"][0]["children"][0]["progress_pct"].get<double>(), 62.5);
  EXPECT_EQ(doc_a["children"][0]["children"][0]["milestones"].size(), 3u);
  // The plan: plain mean of its top-level commitments, (43.75 + 50) / 2 = 46.875 -> 46.88.
  EXPECT_DOUBLE_EQ(document["progress_pct"].get<double>(), 46.88);
  EXPECT_EQ(document["completion_thresholds"]["limited_below"], 40);
}

TEST_F(PlansTest, PublicHistoryRecordsEveryChangeWithWhoWhenWhatAndEveryWriteIsAudited) {
  json plan = NewPlan("tepehuanes", editor_);
  json commitment = NewCommitment(plan, {{"number", "1"},
                                         {"title", "Señalamiento vial"},
                                         {"lead", {{"institution", "Obras Públicas"}}},
                                         {"ogp_values", {"public_accountability"}},
                                         {"start", "2025-03-01"},
                                         {"end", "2026-12-31"}});
  const std::string id = commitment["id"].get<std::string>();
  EXPECT_EQ(commitment["lead"]["institution"], "Obras Públicas");
  EXPECT_EQ(commitment["ogp_values"], json({"public_accountability"}));
  const std::string path = Path("tepehuanes", "/commitments/" + id);
  auto patched = Call("PATCH", path, json{{"title", "Señalamiento vial en el centro"}}.dump(),
                      editor_, {{"If-Match", Call("GET", path).Header("etag")}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Call("PATCH", path, R"({"title":"x"})", editor_, {{"If-Match", "\"stale\""}}).status,
            412);
  json milestone = NewMilestone(id, {{"title", "Diagnóstico de calles"}, {"due", "2025-06-30"}});
  EXPECT_EQ(milestone["status"], "scheduled");
  EXPECT_EQ(milestone["weight"], 1);
  EXPECT_EQ(milestone["overdue"], true);  // 2025-06-30 has passed and it is not met
  const std::string m_path =
      Path("tepehuanes", "/milestones/" + milestone["id"].get<std::string>());
  auto met = Call("PATCH", m_path,
                  json{{"status", "met"},
                       {"evidence",
                        {{{"url", "https://tepehuanes.gob.mx/diagnostico.pdf"},
                          {"note", "Diagnóstico publicado"},
                          {"at", "2025-06-15"}}}}}
                      .dump(),
                  editor_, {{"If-Match", Call("GET", m_path).Header("etag")}});
  ASSERT_EQ(met.status, 200) << met.body;
  EXPECT_EQ(json::parse(met.body)["overdue"], false);
  EXPECT_EQ(json::parse(met.body)["evidence"][0]["note"], "Diagnóstico publicado");

  json shown = Get("tepehuanes", "/commitments/" + id);
  EXPECT_DOUBLE_EQ(shown["progress_pct"].get<double>(), 100);
  const json& history = shown["history"];
  ASSERT_EQ(history.size(), 4u) << history.dump();
  EXPECT_EQ(history[0]["action"], "milestone.updated");  // newest first
  EXPECT_EQ(history[0]["changes"]["status"]["from"], "scheduled");
  EXPECT_EQ(history[0]["changes"]["status"]["to"], "met");
  EXPECT_EQ(history[0]["milestone_id"], milestone["id"]);
  EXPECT_EQ(history[1]["action"], "milestone.created");
  EXPECT_EQ(history[2]["action"], "commitment.updated");
  EXPECT_EQ(history[2]["changes"]["title"]["from"], "Señalamiento vial");
  EXPECT_EQ(history[2]["changes"]["title"]["to"], "Señalamiento vial en el centro");
  EXPECT_EQ(history[2]["changes"].size(), 1u);
  EXPECT_EQ(history[3]["action"], "commitment.created");
  for (const auto& entry : history) {
    EXPECT_EQ(entry["actor"], "Persona");  // the public name, never the email
    EXPECT_EQ(entry.dump().find("@"), std::string::npos) << entry.dump();
    EXPECT_EQ(entry["at"].get<std::string>().size(), 27u);  // dated, RFC 3339 with microseconds
  }
  // The full history, paged.
  json first = Get("tepehuanes", "/commitments/" + id + "/history?limit=3");
  ASSERT_EQ(first["items"].size(), 3u);
  ASSERT_TRUE(first["next_cursor"].is_string());
  json second = Get("tepehuanes", "/commitments/" + id + "/history?limit=3&cursor=" +
                                      first["next_cursor"].get<std::string>());
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_EQ(second["items"][0]["action"], "commitment.created");
  EXPECT_EQ(Get("tepehuanes", "/commitments/" + id + "/milestones")["items"].size(), 1u);

  auto audit = AuditByAction("tepehuanes");
  for (const char* action :
       {"open-government.plan.create", "open-government.commitment.create",
        "open-government.commitment.update", "open-government.milestone.create",
        "open-government.milestone.update"}) {
    EXPECT_EQ(audit[action].size(), 1u) << action;
  }
  const json& update = audit["open-government.commitment.update"].at(0);
  EXPECT_EQ(update["changes"]["before"]["title"], "Señalamiento vial");
  EXPECT_FALSE(update["changes"]["after"].contains("history"));
  EXPECT_FALSE(update["changes"]["after"].contains("progress_pct"));
}

// Progress is computed, never stored, yet offline copies syncing with
// updated_since must learn that it moved: a milestone's change touches its
// commitment and every ancestor.
TEST_F(PlansTest, MilestoneChangeResyncsItsCommitmentAndAncestors) {
  json plan = NewPlan("tepehuanes", editor_);
  json parent = NewCommitment(plan, {{"title", "Padre"}});
  json child = NewCommitment(plan, {{"title", "Hijo"}, {"parent_id", parent["id"]}});
  json other = NewCommitment(plan, {{"title", "Otro"}});
  json milestone = NewMilestone(child["id"], {{"title", "Hito"}});
  const std::string since =
      Get("tepehuanes", "/milestones/" + milestone["id"].get<std::string>())["updated_at"]
          .get<std::string>();
  auto met = Call("PATCH", Path("tepehuanes", "/milestones/" + milestone["id"].get<std::string>()),
                  R"({"status":"met"})", editor_);
  ASSERT_EQ(met.status, 200) << met.body;
  json changed = Get("tepehuanes", PlanPath(plan) + "/commitments?updated_since=" + since);
  std::map<std::string, double> progress;
  for (const auto& item : changed["items"]) progress[item["id"]] = item["progress_pct"];
  EXPECT_EQ(progress.size(), 2u) << changed.dump();
  EXPECT_EQ(progress[parent["id"]], 100);
  EXPECT_EQ(progress[child["id"]], 100);
  EXPECT_FALSE(progress.count(other["id"]));
}

TEST_F(PlansTest, BadInputAnswers422WithSpanishFieldErrorsAndChangesNothing) {
  json plan = NewPlan("tepehuanes", editor_);
  json other_plan = NewPlan("tepehuanes", editor_);
  json parent = NewCommitment(plan, {{"title", "Padre"}});
  json foreign = NewCommitment(other_plan, {{"title", "De otro plan"}});
  json milestone = NewMilestone(parent["id"], {{"title", "Hito"}});
  const std::string commitments = Path("tepehuanes", PlanPath(plan) + "/commitments");
  const std::string milestones =
      Path("tepehuanes", "/commitments/" + parent["id"].get<std::string>() + "/milestones");
  const auto audit_before = AuditByAction("tepehuanes");

  struct Case {
    std::string method, path, body, field;
  };
  const std::vector<Case> cases = {
      {"POST", milestones, R"({"title":"Hito","weight":-1})", "weight"},
      {"POST", milestones, R"({"title":"Hito","status":"done"})", "status"},
      {"POST", milestones, R"({"title":"Hito","evidence":[{"url":"ftp://x"}]})", "evidence[0].url"},
      {"PATCH", Path("tepehuanes", "/milestones/" + milestone["id"].get<std::string>()),
       R"({"weight":-0.5})", "weight"},
      {"POST", commitments, R"({"title":"C","start":"2026-05-01","end":"2026-01-01"})", "end"},
      {"POST", commitments, json{{"title", "C"}, {"parent_id", foreign["id"]}}.dump(), "parent_id"},
      {"POST", commitments, R"({"title":"C","weight":-2})", "weight"},
      {"POST", commitments, R"({"title":"C","ogp_values":["transparencia"]})", "ogp_values[0]"},
      {"POST", Path("tepehuanes", "/plans"),
       R"({"title":"P","period_start":"2027-01-01","period_end":"2025-01-01"})", "period_end"},
      {"POST", Path("tepehuanes", "/plans"),
       R"({"title":"P","period_start":"2025-01-01","period_end":"2027-01-01","phase":"fin"})",
       "phase"},
      {"PATCH", Path("tepehuanes", "/commitments/" + parent["id"].get<std::string>()),
       R"({"end":"2020-01-01","start":"2021-01-01"})", "end"},
  };
  for (const auto& c : cases) {
    auto result = Call(c.method, c.path, c.body, editor_);
    EXPECT_EQ(result.status, 422) << c.method << " " << c.path << " " << c.body << " "
                                  << result.body;
    auto errors = Errors(result);
    ASSERT_TRUE(errors.count(c.field)) << c.body << " -> " << result.body;
    EXPECT_FALSE(errors[c.field].empty());
    EXPECT_EQ(errors[c.field].find("must"), std::string::npos) << errors[c.field];
  }
  EXPECT_NE(
      Errors(Call("POST", milestones, R"({"title":"Hito","weight":-1})", editor_))["weight"].find(
          "mayor o igual a 0"),
      std::string::npos);

  // Nesting: a cycle, and more than five levels.
  std::vector<std::string> chain = {parent["id"].get<std::string>()};
  for (int level = 2; level <= 5; ++level) {
    chain.push_back(NewCommitment(plan, {{"parent_id", chain.back()}})["id"].get<std::string>());
  }
  auto too_deep =
      Call("POST", commitments, json{{"title", "6"}, {"parent_id", chain.back()}}.dump(), editor_);
  EXPECT_EQ(too_deep.status, 422);
  EXPECT_NE(Errors(too_deep)["parent_id"].find("5 niveles"), std::string::npos) << too_deep.body;
  auto cycle = Call("PATCH", Path("tepehuanes", "/commitments/" + chain[0]),
                    json{{"parent_id", chain[2]}}.dump(), editor_);
  EXPECT_EQ(cycle.status, 422);
  EXPECT_TRUE(Errors(cycle).count("parent_id")) << cycle.body;
  auto self = Call("PATCH", Path("tepehuanes", "/commitments/" + chain[1]),
                   json{{"parent_id", chain[1]}}.dump(), editor_);
  EXPECT_EQ(self.status, 422);

  // Nothing changed: no new rows, no new history, no new audit entries
  // beyond the five commitments of the chain.
  EXPECT_EQ(Get("tepehuanes", "/commitments/" + parent["id"].get<std::string>() + "/milestones",
                editor_)["items"]
                .size(),
            1u);
  json shown = Get("tepehuanes", "/commitments/" + parent["id"].get<std::string>(), editor_);
  EXPECT_EQ(shown["parent_id"], nullptr);
  EXPECT_EQ(shown["end"], nullptr);
  EXPECT_EQ(shown["history"].size(), 2u);  // created + its milestone created
  EXPECT_EQ(Get("tepehuanes", "/milestones/" + milestone["id"].get<std::string>())["weight"], 1);
  EXPECT_EQ(Get("tepehuanes", PlanPath(plan) + "/commitments?limit=100")["items"].size(), 5u);
  EXPECT_EQ(Get("tepehuanes", "/plans", editor_)["items"].size(), 2u);
  const auto audit_after = AuditByAction("tepehuanes");
  EXPECT_EQ(audit_after.at("open-government.commitment.create").size(),
            audit_before.at("open-government.commitment.create").size() + 4);
  EXPECT_EQ(audit_after.count("open-government.commitment.update"), 0u);
  EXPECT_EQ(audit_after.count("open-government.milestone.update"), 0u);
  EXPECT_EQ(audit_after.at("open-government.plan.create").size(), 2u);
}

TEST_F(PlansTest, AnotherMunicipalitysEditorCannotTouchTheirPlan) {
  json plan = NewPlan("tepehuanes", editor_, /*published=*/false);
  json commitment = NewCommitment(plan, {{"title", "Señalamiento vial"}});
  json milestone = NewMilestone(commitment["id"], {{"title", "Hito"}});
  const std::string gomez = MakeUser("editor@gomezpalacio.gob.mx", "editor", "gomez-palacio");
  const std::string plan_id = plan["id"].get<std::string>();
  const std::string c_id = commitment["id"].get<std::string>();
  const std::string m_id = milestone["id"].get<std::string>();
  for (const std::string tenant : {"tepehuanes", "gomez-palacio"}) {
    EXPECT_EQ(Call("PATCH", Path(tenant, "/plans/" + plan_id), R"({"title":"Mío"})", gomez).status,
              404)
        << tenant;
    EXPECT_EQ(Call("POST", Path(tenant, "/plans/" + plan_id + "/commitments"),
                   R"({"title":"Intruso"})", gomez)
                  .status,
              404)
        << tenant;
    EXPECT_EQ(
        Call("PATCH", Path(tenant, "/commitments/" + c_id), R"({"title":"Mío"})", gomez).status,
        404)
        << tenant;
    EXPECT_EQ(Call("POST", Path(tenant, "/commitments/" + c_id + "/milestones"),
                   R"({"title":"Intruso"})", gomez)
                  .status,
              404)
        << tenant;
    EXPECT_EQ(
        Call("PATCH", Path(tenant, "/milestones/" + m_id), R"({"status":"met"})", gomez).status,
        404)
        << tenant;
    EXPECT_EQ(Call("GET", Path(tenant, "/commitments/" + c_id), "", gomez).status, 404) << tenant;
  }
  // Gómez Palacio's own plans do not include Tepehuanes's.
  EXPECT_EQ(Get("gomez-palacio", "/plans", gomez)["items"].size(), 0u);
  json mine = Get("tepehuanes", "/commitments/" + c_id, editor_);
  EXPECT_EQ(mine["title"], "Señalamiento vial");
  EXPECT_EQ(mine["history"].size(), 2u);
  EXPECT_EQ(Get("tepehuanes", "/milestones/" + m_id, editor_)["status"], "scheduled");
}

// Links are resolved through the host (RequestContext::DescribeRecord), never
// by reading public-works' tables: an unknown module shows as such.
TEST_F(PlansTest, LinkToAnUnknownModuleIsShownAsSuchNotAsAnError) {
  json plan = NewPlan("durango", MakeUser("editor@durango.gob.mx", "editor", "durango"));
  const std::string editor = MakeUser("editora@durango.gob.mx", "editor", "durango");
  json c = Post("durango", PlanPath(plan) + "/commitments",
                {{"title", "Transparencia en obra pública"},
                 {"linked_module", {{"module", "no-such-module"}, {"ref", "abc"}}}},
                editor);
  EXPECT_EQ(c["linked_module"],
            json({{"module", "no-such-module"}, {"ref", "abc"}, {"state", "module_unknown"}}));
  json shown = Get("durango", "/commitments/" + c["id"].get<std::string>());
  EXPECT_EQ(shown["linked_module"]["state"], "module_unknown");
  auto bad = Call("POST", Path("durango", PlanPath(plan) + "/commitments"),
                  R"({"title":"C","linked_module":{"module":"public-works"}})", editor);
  EXPECT_EQ(bad.status, 422);
  EXPECT_TRUE(Errors(bad).count("linked_module.ref")) << bad.body;
}

// Resolved through the host's DescribeRecord and public-works' describer.
TEST_F(PlansTest, LinkToAPublicWorksProjectIsFoundAndShowsDisabledWhenTheModuleIsOff) {
  const std::string admin = MakeUser("admin@durango.gob.mx", "admin", "durango");
  auto project = Call(
      "POST", "/v1/tenants/durango/public-works/projects",
      json{{"title", "Modernización de la carretera"}, {"budget_mxn", "1000.00"}}.dump(), admin);
  ASSERT_EQ(project.status, 201) << project.body;
  const std::string project_id = json::parse(project.body)["id"].get<std::string>();
  ASSERT_EQ(Call("POST", "/v1/tenants/durango/public-works/projects/" + project_id + "/publish", "",
                 admin)
                .status,
            200);
  json plan = NewPlan("durango", admin);
  json c = Post("durango", PlanPath(plan) + "/commitments",
                {{"title", "Transparencia en obra pública"},
                 {"linked_module", {{"module", "public-works"}, {"ref", project_id}}}},
                admin);
  const std::string path = "/commitments/" + c["id"].get<std::string>();
  json link = Get("durango", path)["linked_module"];
  EXPECT_EQ(link["state"], "found") << link.dump();
  EXPECT_EQ(link["title"], "Modernización de la carretera");
  EXPECT_EQ(link["module"], "public-works");
  EXPECT_EQ(link["ref"], project_id);

  // issue 17: "a link to a disabled module" — shown as such, not an error.
  ASSERT_EQ(Call("DELETE", "/v1/tenants/durango/modules/public-works", "", admin).status, 204);
  link = Get("durango", path)["linked_module"];
  EXPECT_EQ(link["state"], "module_disabled") << link.dump();
  EXPECT_FALSE(link.contains("title"));
  EXPECT_EQ(
      Get("durango", PlanPath(plan) + "/document.json")["commitments"][0]["linked_module"]["state"],
      "module_disabled");
}

// A missing record in an enabled module is not_found.
TEST_F(PlansTest, LinkToAMissingRecordIsNotFound) {
  const std::string admin = MakeUser("admin@durango.gob.mx", "admin", "durango");
  json plan = NewPlan("durango", admin);
  json c = Post("durango", PlanPath(plan) + "/commitments",
                {{"title", "Obra"},
                 {"linked_module",
                  {{"module", "public-works"}, {"ref", "00000000-0000-4000-8000-000000000000"}}}},
                admin);
  json link = Get("durango", "/commitments/" + c["id"].get<std::string>())["linked_module"];
  EXPECT_EQ(link["state"], "not_found") << link.dump();
}

}  // namespace
}  // namespace cabildo::testing
