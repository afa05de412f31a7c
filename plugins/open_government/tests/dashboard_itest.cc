// GET /dashboard over HTTP against the real services: the state's dashboard
// with include_descendants over the demo data (scripts/demo-data.sh, loaded
// as public_works_itest loads it), drafts hidden from anonymous callers, the
// plan filter, bad query values, and the host's public cache (same ETag,
// then a write shows up).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/core/db_pool.h"
#include "cabildo/core/json_schema.h"

#include "open_government_fixture.h"

namespace cabildo {
namespace {

using nlohmann::json;

class DashboardTest : public testing::OpenGovernmentTest {
 protected:
  void LoadDemoData() {
    const std::string command = "CABILDO_DATABASE_ADMIN_URL=\"" + database_.owner_url() +
                                "\" bash '" + std::string(CABILDO_SOURCE_DIR) +
                                "/scripts/demo-data.sh' > /dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  // Rows of `sql` as the owner, scoped (row-level security) to all four tenants.
  pqxx::result Query(const std::string& sql) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work w(owner);
    std::vector<std::string> ids;
    for (const auto& row : w.exec("SELECT id::text FROM core.tenants")) {
      ids.push_back(row[0].as<std::string>());
    }
    core::ApplyScope(w, core::Scope{ids, ""});
    pqxx::result rows = w.exec(sql);
    w.commit();
    return rows;
  }
  std::string Scalar(const std::string& sql) {
    auto rows = Query(sql);
    return rows.empty() || rows[0][0].is_null() ? "" : rows[0][0].as<std::string>();
  }

  // What the module's schemas (as the host loads them) say is wrong with
  // `dashboard` as an OpenGovernmentDashboard: "field: message" lines.
  static std::string SchemaErrors(const json& dashboard) {
    core::SchemaSet schemas;
    for (const auto& entry : std::filesystem::directory_iterator(
             std::string(CABILDO_SOURCE_DIR) + "/plugins/open_government/schemas")) {
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      if (!schemas.Add(entry.path().stem().string(), json::parse(text.str())).ok()) {
        return "cannot load " + entry.path().string();
      }
    }
    if (!schemas.Resolve().ok()) return "schemas do not resolve";
    std::string out;
    for (const auto& error : schemas.Validate("OpenGovernmentDashboard", dashboard)) {
      out += error.field + ": " + error.message + "\n";
    }
    return out;
  }

  static std::map<std::string, json> ByTenant(const json& dashboard) {
    std::map<std::string, json> out;
    for (const auto& tenant : dashboard["tenants"]) out[tenant["tenant"]] = tenant;
    return out;
  }
};

// The state's dashboard with include_descendants: the state and its three
// municipalities in one answer, each figure as the demo data gives it
// (progress by hand from scripts/demo-data-open-government.sql; overdue and
// next-due lists from the same rows at the answer's as_of date).
TEST_F(DashboardTest, TheStateWithDescendantsOverTheDemoData) {
  LoadDemoData();
  json dashboard = Get("durango", "/dashboard?include_descendants=true");
  ASSERT_TRUE(dashboard.is_object());
  EXPECT_EQ(SchemaErrors(dashboard), "");
  const std::string as_of = dashboard["as_of"];
  ASSERT_EQ(as_of.size(), 10u);
  ASSERT_EQ(dashboard["tenants"].size(), 4u);
  EXPECT_EQ(dashboard["tenants"][0]["tenant"], "durango");  // the state first

  struct Expected {
    size_t commitments;
    json by_completion;  // not_started, limited, substantial, complete
    double mean;
  };
  auto counts = [](int n, int l, int s, int c) {
    return json{{"not_started", n}, {"limited", l}, {"substantial", s}, {"complete", c}};
  };
  const std::map<std::string, Expected> expected = {
      {"durango", {1, counts(0, 0, 1, 0), 62.5}},
      {"tepehuanes", {1, counts(0, 0, 1, 0), 50.0}},
      {"gomez-palacio", {2, counts(0, 0, 2, 0), 56.25}},
      {"municipio-durango", {6, counts(1, 2, 2, 1), 45.83}},
  };
  auto tenants = ByTenant(dashboard);
  for (const auto& [slug, want] : expected) {
    SCOPED_TRACE(slug);
    ASSERT_TRUE(tenants.count(slug));
    const json& tenant = tenants[slug];
    const std::string tenant_where = "(SELECT id FROM core.tenants WHERE slug = '" + slug + "')";

    // The Secretariat: every demo member is current; titular and voice seats
    // before alternates within a sector; the installation session.
    EXPECT_EQ(tenant["roster"].size(),
              std::stoul(Scalar("SELECT count(*) FROM open_government.members WHERE tenant_id = " +
                                tenant_where)));
    std::set<std::string> sectors;
    for (const auto& member : tenant["roster"]) sectors.insert(member["sector"]);
    EXPECT_EQ(sectors,
              (std::set<std::string>{"government", "civil_society", "guarantor", "facilitator"}));
    EXPECT_EQ(tenant["roster"][0]["sector"], "government");
    EXPECT_EQ(tenant["roster"][0]["seat"], "titular");
    EXPECT_EQ(tenant["roster"][1]["seat"], "alternate");
    EXPECT_EQ(tenant["roster"][1]["alternate_of"], tenant["roster"][0]["id"]);
    EXPECT_EQ(tenant["roster"].back()["sector"], "facilitator");
    EXPECT_EQ(tenant["roster"].back()["seat"], "voice");
    const json& session = tenant["last_session"];
    ASSERT_TRUE(session.is_object());
    EXPECT_EQ(session["kind"], "ordinary");
    EXPECT_EQ(session["held_on"],
              Scalar("SELECT held_on::text FROM open_government.sessions WHERE tenant_id = " +
                     tenant_where));
    EXPECT_EQ(
        session["agreements"].get<int>(),
        std::stoi(Scalar("SELECT count(*) FROM open_government.agreements WHERE tenant_id = " +
                         tenant_where)));
    EXPECT_EQ(session["overdue_agreements"].get<int>(),
              std::stoi(Scalar("SELECT count(*) FROM open_government.agreements WHERE NOT done "
                               "AND due < '" +
                               as_of + "'::date AND tenant_id = " + tenant_where)));
    EXPECT_TRUE(session["minutes_url"].get<std::string>().starts_with("https://"));

    // The plan: completion counts and mean progress of its commitments.
    ASSERT_EQ(tenant["plans"].size(), 1u);
    const json& plan = tenant["plans"][0];
    EXPECT_EQ(plan["cycle"], "2025-2027");
    EXPECT_EQ(plan["phase"], "implementation");
    EXPECT_EQ(plan["commitments"].get<size_t>(), want.commitments);
    EXPECT_EQ(plan["top_level_commitments"].get<size_t>(), want.commitments);
    EXPECT_EQ(plan["by_completion"], want.by_completion);
    EXPECT_DOUBLE_EQ(plan["mean_progress_pct"].get<double>(), want.mean);

    // Overdue: due before as_of and not met, oldest first.
    const std::string milestones =
        " FROM open_government.milestones m JOIN open_government.commitments c "
        "ON c.tenant_id = m.tenant_id AND c.id = m.commitment_id WHERE m.tenant_id = " +
        tenant_where + " AND m.status <> 'met' AND m.due ";
    auto overdue = Query("SELECT m.title, m.due::text, c.number" + milestones + "< '" + as_of +
                         "'::date ORDER BY m.due, m.id");
    ASSERT_EQ(plan["overdue_milestones"].size(), overdue.size());
    EXPECT_EQ(plan["overdue_milestones_count"].get<size_t>(), overdue.size());
    for (size_t i = 0; i < overdue.size(); ++i) {
      EXPECT_EQ(plan["overdue_milestones"][i]["title"], overdue[i][0].as<std::string>());
      EXPECT_EQ(plan["overdue_milestones"][i]["due"], overdue[i][1].as<std::string>());
      EXPECT_EQ(plan["overdue_milestones"][i]["commitment_number"],
                overdue[i][2].as<std::string>());
    }
    // Next due: from as_of on, not met, the first five.
    auto next = Query("SELECT m.title, m.due::text" + milestones + ">= '" + as_of +
                      "'::date ORDER BY m.due, m.id LIMIT 5");
    ASSERT_EQ(plan["next_due"].size(), next.size());
    for (size_t i = 0; i < next.size(); ++i) {
      EXPECT_EQ(plan["next_due"][i]["title"], next[i][0].as<std::string>());
      EXPECT_EQ(plan["next_due"][i]["due"], next[i][1].as<std::string>());
    }
  }
  // On the demo data's own calendar (as_of 2026-12-05, the day it was
  // written) the lists are not empty: the figures above are not vacuous.
  if (as_of == "2026-12-05") {
    EXPECT_EQ(tenants["municipio-durango"]["plans"][0]["overdue_milestones_count"], 5);
    EXPECT_EQ(tenants["tepehuanes"]["plans"][0]["overdue_milestones_count"], 2);
    EXPECT_EQ(tenants["durango"]["plans"][0]["next_due"].size(), 1u);
  }

  // The state's public-works commitment links to the demo project.
  EXPECT_EQ(Scalar("SELECT c.linked_module || ' ' || p.external_id FROM "
                   "open_government.commitments c JOIN public_works.projects p ON "
                   "p.tenant_id = c.tenant_id AND p.id::text = c.linked_ref JOIN core.tenants t "
                   "ON t.id = c.tenant_id WHERE t.slug = 'durango'"),
            "public-works SECOPE-2025-001");
  // Loading the demo data again changes nothing.
  const std::string rows =
      "SELECT (SELECT count(*) FROM open_government.members) || ' ' || (SELECT count(*) FROM "
      "open_government.agreements) || ' ' || (SELECT count(*) FROM open_government.milestones)";
  const std::string before = Scalar(rows);
  EXPECT_EQ(before, "27 10 32");
  LoadDemoData();
  EXPECT_EQ(Scalar(rows), before);

  // Without include_descendants: the state alone.
  json alone = Get("durango", "/dashboard");
  ASSERT_EQ(alone["tenants"].size(), 1u);
  EXPECT_EQ(alone["tenants"][0], dashboard["tenants"][0]);
  // A municipality's own dashboard is its part of the state's.
  json municipality = Get("gomez-palacio", "/dashboard");
  ASSERT_EQ(municipality["tenants"].size(), 1u);
  EXPECT_EQ(municipality["tenants"][0], tenants["gomez-palacio"]);
}

// Drafts (an unpublished plan, member or session) are never shown to
// anonymous callers, nor counted; an editor of the tenant sees them.
TEST_F(DashboardTest, AnonymousCallersSeeNoDrafts) {
  LoadDemoData();
  Query(
      "WITH t AS (SELECT id FROM core.tenants WHERE slug = 'tepehuanes'), "
      "p AS (INSERT INTO open_government.plans (tenant_id, title, cycle, period_start, "
      "period_end, phase, published) SELECT id, 'Cuarto Plan de Acción Local (borrador)', "
      "'2027-2029', '2027-07-01', '2029-06-30', 'co_creation', false FROM t RETURNING tenant_id, "
      "id), c AS (INSERT INTO open_government.commitments (tenant_id, plan_id, number, title) "
      "SELECT tenant_id, id, '1', 'Compromiso en borrador' FROM p RETURNING tenant_id, id), "
      "m AS (INSERT INTO open_government.milestones (tenant_id, commitment_id, title, due) "
      "SELECT tenant_id, id, 'Hito vencido en borrador', '2020-01-31' FROM c RETURNING id), "
      "mem AS (INSERT INTO open_government.members (tenant_id, name, sector, seat, since, "
      "published) SELECT id, 'Integrante en borrador', 'civil_society', 'titular', '2020-01-01', "
      "false FROM t RETURNING id) "
      "INSERT INTO open_government.sessions (tenant_id, held_on, kind, published) "
      "SELECT id, '2026-11-30', 'extraordinary', false FROM t");
  auto has_drafts = [](const json& tenant) {
    bool found = tenant["last_session"]["kind"] == "extraordinary";
    for (const auto& plan : tenant["plans"]) found = found || !plan["published"].get<bool>();
    for (const auto& member : tenant["roster"]) {
      found = found || member["name"] == "Integrante en borrador";
    }
    return found;
  };
  for (const auto& [tenant, query] : std::vector<std::pair<std::string, std::string>>{
           {"tepehuanes", ""}, {"durango", "?include_descendants=true"}}) {
    json dashboard = Get(tenant, "/dashboard" + query);
    auto tenants = ByTenant(dashboard);
    ASSERT_TRUE(tenants.count("tepehuanes"));
    EXPECT_FALSE(has_drafts(tenants["tepehuanes"])) << tenants["tepehuanes"].dump();
    EXPECT_EQ(tenants["tepehuanes"]["plans"].size(), 1u);
  }
  const std::string editor = MakeUser("editora@tepehuanes.gob.mx", "editor", "tepehuanes");
  auto seen = Call("GET", Path("tepehuanes", "/dashboard"), "", editor);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_NE(seen.Header("cache-control").find("no-store"), std::string::npos);
  json tenant = json::parse(seen.body)["tenants"][0];
  EXPECT_TRUE(has_drafts(tenant)) << tenant.dump();
  EXPECT_EQ(SchemaErrors(json::parse(seen.body)), "");
  ASSERT_EQ(tenant["plans"].size(), 2u);
  // An editor of Gómez Palacio is anonymous as far as Tepehuanes's drafts go.
  const std::string other = MakeUser("editor@gomezpalacio.gob.mx", "editor", "gomez-palacio");
  auto foreign = Call("GET", Path("tepehuanes", "/dashboard"), "", other);
  ASSERT_EQ(foreign.status, 200) << foreign.body;
  EXPECT_FALSE(has_drafts(json::parse(foreign.body)["tenants"][0]));
}

// ?plan=<id>: that plan and the tenant that owns it only; a plan nobody can
// see (another's draft, an unknown id) is a 404.
TEST_F(DashboardTest, FiltersByPlan) {
  LoadDemoData();
  const std::string plan_id = Scalar(
      "SELECT p.id::text FROM open_government.plans p JOIN core.tenants t ON t.id = p.tenant_id "
      "WHERE t.slug = 'municipio-durango'");
  ASSERT_FALSE(plan_id.empty());
  json only = Get("durango", "/dashboard?include_descendants=true&plan=" + plan_id);
  ASSERT_EQ(only["tenants"].size(), 1u);
  EXPECT_EQ(only["tenants"][0]["tenant"], "municipio-durango");
  ASSERT_EQ(only["tenants"][0]["plans"].size(), 1u);
  EXPECT_EQ(only["tenants"][0]["plans"][0]["id"], plan_id);
  EXPECT_EQ(only["tenants"][0]["plans"][0]["commitments"], 6);
  EXPECT_FALSE(only["tenants"][0]["roster"].empty());
  EXPECT_EQ(Get("municipio-durango", "/dashboard?plan=" + plan_id)["tenants"][0],
            only["tenants"][0]);
  // The municipality's plan is not the state's own.
  auto state_only = Call("GET", Path("durango", "/dashboard?plan=" + plan_id));
  EXPECT_EQ(state_only.status, 404) << state_only.body;
  auto unknown =
      Call("GET", Path("durango", "/dashboard?plan=00000000-0000-4000-8000-000000000000"));
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_NE(unknown.Header("content-type").find("application/problem+json"), std::string::npos);
}

// Bad query values are 400 problem documents before any work.
TEST_F(DashboardTest, BadQueryValuesAre400) {
  for (const std::string& query : std::vector<std::string>{
           "?include_descendants=yes", "?include_descendants=", "?plan=no-es-un-uuid",
           "?plan=6F9619FF-8B86-D011-B42D-00C04FC964FF", "?plan=" + std::string(5000, 'a'),
           "?include_descendants=true&plan=1"}) {
    auto result = Call("GET", Path("durango", "/dashboard" + query));
    EXPECT_EQ(result.status, 400) << query << ": " << result.body;
    EXPECT_NE(result.Header("content-type").find("application/problem+json"), std::string::npos)
        << query;
  }
}

// A public GET like any other: cacheable for anonymous callers (200 JSON,
// ETag, no per-user content), the second request answered with the same ETag
// (and 304 on revalidation); a write through the API shows up afterwards,
// also in the state's include_descendants answer.
TEST_F(DashboardTest, IsCachedAndAWriteShowsUp) {
  LoadDemoData();
  const std::string path = Path("durango", "/dashboard?include_descendants=true");
  auto first = Call("GET", path);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_NE(first.Header("content-type").find("application/json"), std::string::npos);
  EXPECT_EQ(first.Header("cache-control").find("no-store"), std::string::npos);
  const std::string etag = first.Header("etag");
  ASSERT_FALSE(etag.empty());
  auto second = Call("GET", path);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.Header("etag"), etag);
  EXPECT_EQ(second.body, first.body);
  auto revalidated = Call("GET", path, "", "", {{"If-None-Match", etag}});
  EXPECT_EQ(revalidated.status, 304);

  // An editor marks the Municipio de Durango's overdue agreement done
  // through the API: the state's cached answer is invalidated (a write in a
  // municipality bumps its ancestors' cache generation too).
  const std::string agreement = Scalar(
      "SELECT a.id::text || '/' || a.session_id::text FROM open_government.agreements a "
      "JOIN core.tenants t ON t.id = a.tenant_id WHERE t.slug = 'municipio-durango' "
      "AND NOT a.done ORDER BY a.position LIMIT 1");
  ASSERT_FALSE(agreement.empty());
  const std::string agreement_id = agreement.substr(0, agreement.find('/'));
  const std::string session_id = agreement.substr(agreement.find('/') + 1);
  auto before = ByTenant(json::parse(first.body))["municipio-durango"]["last_session"];
  ASSERT_GE(before["overdue_agreements"].get<int>(), 1);
  const std::string editor =
      MakeUser("editor@municipiodurango.gob.mx", "editor", "municipio-durango");
  auto patched = Call("PATCH",
                      Path("municipio-durango",
                           "/secretariat/sessions/" + session_id + "/agreements/" + agreement_id),
                      json{{"done", true}}.dump(), editor, {{"Content-Type", "application/json"}});
  ASSERT_EQ(patched.status, 200) << patched.body;

  auto after = Call("GET", path);
  ASSERT_EQ(after.status, 200);
  EXPECT_NE(after.Header("etag"), etag);
  auto session = ByTenant(json::parse(after.body))["municipio-durango"]["last_session"];
  EXPECT_EQ(session["overdue_agreements"].get<int>(), before["overdue_agreements"].get<int>() - 1);
  EXPECT_EQ(session["agreements"], before["agreements"]);
}

// A milestone marked met through the plans API changes the figures of the
// state's cached include_descendants answer at once.
TEST_F(DashboardTest, AMilestoneWriteShowsUpInTheStatesAnswer) {
  LoadDemoData();
  const std::string path = Path("durango", "/dashboard?include_descendants=true");
  auto first = Call("GET", path);
  ASSERT_EQ(first.status, 200) << first.body;
  // Municipio de Durango's commitment 5 has no milestone met (not_started).
  const std::string milestone = Scalar(
      "SELECT m.id::text FROM open_government.milestones m JOIN open_government.commitments c "
      "ON c.tenant_id = m.tenant_id AND c.id = m.commitment_id JOIN core.tenants t "
      "ON t.id = c.tenant_id WHERE t.slug = 'municipio-durango' AND c.number = '5' "
      "ORDER BY m.due LIMIT 1");
  ASSERT_FALSE(milestone.empty());
  const std::string editor =
      MakeUser("editor@municipiodurango.gob.mx", "editor", "municipio-durango");
  auto patched =
      Call("PATCH", Path("municipio-durango", "/milestones/" + milestone),
           json{{"status", "met"}}.dump(), editor, {{"Content-Type", "application/json"}});
  ASSERT_EQ(patched.status, 200) << patched.body;

  auto after = Call("GET", path);
  ASSERT_EQ(after.status, 200);
  EXPECT_NE(after.Header("etag"), first.Header("etag"));
  auto plan = ByTenant(json::parse(after.body))["municipio-durango"]["plans"][0];
  // Commitment 5: 1 of 2 milestones met = 50 %, substantial; mean (275 + 50) / 6.
  EXPECT_EQ(plan["by_completion"],
            (json{{"not_started", 0}, {"limited", 2}, {"substantial", 3}, {"complete", 1}}));
  EXPECT_DOUBLE_EQ(plan["mean_progress_pct"].get<double>(), 54.17);
}

// The dashboard and the plans API agree on the demo data: each commitment's
// progress_pct and completion as GET /commitments/{id} computes them, the
// state's link to its public-works project, and the plan's exports answer.
TEST_F(DashboardTest, AgreesWithThePlansApiOnTheDemoData) {
  LoadDemoData();
  const std::map<std::string, std::pair<double, std::string>> expected = {
      {"durango/1", {62.5, "substantial"}},
      {"tepehuanes/1", {50, "substantial"}},
      {"gomez-palacio/1", {62.5, "substantial"}},
      {"gomez-palacio/2", {50, "substantial"}},
      {"municipio-durango/1", {62.5, "substantial"}},
      {"municipio-durango/2", {25, "limited"}},
      {"municipio-durango/3", {100, "complete"}},
      {"municipio-durango/4", {25, "limited"}},
      {"municipio-durango/5", {0, "not_started"}},
      {"municipio-durango/6", {62.5, "substantial"}},
  };
  auto rows = Query(
      "SELECT t.slug, c.number, c.id::text, c.plan_id::text FROM open_government.commitments c "
      "JOIN core.tenants t ON t.id = c.tenant_id ORDER BY t.slug, c.number");
  ASSERT_EQ(rows.size(), expected.size());
  for (const auto& row : rows) {
    const std::string slug = row[0].as<std::string>();
    const std::string key = slug + "/" + row[1].as<std::string>();
    SCOPED_TRACE(key);
    json commitment = Get(slug, "/commitments/" + row[2].as<std::string>());
    ASSERT_TRUE(expected.count(key));
    EXPECT_DOUBLE_EQ(commitment["progress_pct"].get<double>(), expected.at(key).first);
    EXPECT_EQ(commitment["completion"], expected.at(key).second);
    EXPECT_GE(commitment["milestones"].size(), 2u);
    EXPECT_LE(commitment["milestones"].size(), 4u);
    // Its dated history: created, its milestones created, each status change.
    json history = Get(slug, "/commitments/" + row[2].as<std::string>() + "/history?limit=100");
    size_t changed = 0;
    for (const auto& milestone : commitment["milestones"]) {
      changed += milestone["status"] != "scheduled";
    }
    EXPECT_EQ(history["items"].size(), 1 + commitment["milestones"].size() + changed)
        << history.dump();
    if (slug == "durango") {
      EXPECT_EQ(commitment["linked_module"]["module"], "public-works");
      EXPECT_EQ(commitment["linked_module"]["ref"],
                Scalar("SELECT id::text FROM public_works.projects "
                       "WHERE external_id = 'SECOPE-2025-001'"));
      // Resolved through the host (public-works describes its published works).
      EXPECT_EQ(commitment["linked_module"]["state"], "found");
      EXPECT_EQ(commitment["linked_module"]["title"],
                "Rehabilitación del Hospital General de Santiago Papasquiaro");
    } else {
      EXPECT_TRUE(commitment["linked_module"].is_null());
    }
    for (const char* file : {"/results.csv", "/results.json", "/document.json"}) {
      auto exported = Call("GET", Path(slug, "/plans/" + row[3].as<std::string>() + file));
      EXPECT_EQ(exported.status, 200) << file << ": " << exported.body;
    }
  }
}

}  // namespace
}  // namespace cabildo
