// Publication over HTTP against the real services: the art. 46 check (each
// missing item in turn, and all at once), immutable versions that stay as
// they were published, withdrawal keeping the history, the catalogue's
// figures between two dates computed by hand, isolation and bad dates.
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "procedure_registry_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

class PublishingTest : public ProcedureRegistryTest {
 protected:
  // POST /procedures (asserting 201); the created working copy.
  json Create(const std::string& tenant, const json& record, const std::string& token) {
    return Post(tenant, "/procedures", record, token, 201);
  }
  static std::string Id(const json& record) { return record.value("id", std::string()); }

  HttpResult Publish(const std::string& tenant, const std::string& id, const std::string& token) {
    return Call("POST", Path(tenant, "/procedures/" + id + "/publish"), "", token);
  }

  // PATCH /procedures/{id} with the working copy's ETag; asserts 200.
  void Edit(const std::string& tenant, const std::string& id, const json& patch,
            const std::string& token) {
    const std::string path = Path(tenant, "/procedures/" + id);
    auto current = Call("GET", path, "", token);
    ASSERT_EQ(current.status, 200) << current.body;
    auto edited = Call("PATCH", path, patch.dump(), token, {{"If-Match", current.Header("etag")}});
    ASSERT_EQ(edited.status, 200) << edited.body;
  }

  // DELETE /procedures/{id} (baja) with the working copy's ETag; asserts 204.
  void Withdraw(const std::string& tenant, const std::string& id, const std::string& token) {
    const std::string path = Path(tenant, "/procedures/" + id);
    auto current = Call("GET", path, "", token);
    ASSERT_EQ(current.status, 200) << current.body;
    auto deleted = Call("DELETE", path, "", token, {{"If-Match", current.Header("etag")}});
    ASSERT_EQ(deleted.status, 204) << deleted.body;
  }

  // Runs `sql` as the database owner with every tenant visible (row-level
  // security is forced on the owner too): for what no route may do, like
  // moving a version's dates into the past.
  void OwnerExec(const std::string& sql) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    work.exec(
        "SELECT set_config('cabildo.tenant_ids', "
        "(SELECT string_agg(id::text, ',') FROM core.tenants), true)");
    work.exec(sql);
    work.commit();
  }
  // A count as the owner, every tenant in scope; `id` bound as $1 when given.
  int64_t OwnerCount(const std::string& sql, const std::string& id = "") {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    work.exec(
        "SELECT set_config('cabildo.tenant_ids', "
        "(SELECT string_agg(id::text, ',') FROM core.tenants), true)");
    const pqxx::result result = id.empty() ? work.exec(sql) : work.exec_params(sql, id);
    return result[0][0].as<int64_t>();
  }
  int64_t VersionRows(const std::string& id) {
    return OwnerCount(
        "SELECT count(*) FROM procedure_registry.versions WHERE procedure_id = $1::uuid", id);
  }
};

using testing::LegalItem;
using testing::Without;

// Every item art. 46 requires that a draft may lack: all of sample_procedure.h's
// but the name, which creating a draft requires (its fraction I is shown by
// the description).
std::vector<LegalItem> LegalItems() {
  std::vector<LegalItem> items;
  for (const LegalItem& item : testing::LegalItems()) {
    if (item.pointer != "/name") items.push_back(item);
  }
  return items;
}

// Each required item missing in turn blocks the publication with a 422 that
// names it (field, Spanish message, fraction), and nothing is published.
TEST_F(PublishingTest, PublishIsBlockedByEachMissingLegalItemInTurn) {
  const std::string editor =
      MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango");
  int n = 0;
  for (const auto& item : LegalItems()) {
    SCOPED_TRACE(item.pointer);
    const std::string homoclave = "MDGO-FALTA-" + std::to_string(++n);
    const json draft = Create(
        "municipio-durango",
        Without(CompleteProcedure(homoclave, "Licencia de construcción"), item.pointer), editor);
    ASSERT_TRUE(draft.contains("id")) << draft.dump();
    auto refused = Publish("municipio-durango", Id(draft), editor);
    ASSERT_EQ(refused.status, 422) << refused.body;
    EXPECT_EQ(refused.Header("content-type"), "application/problem+json");
    const json problem = json::parse(refused.body);
    ASSERT_EQ(problem["errors"].size(), 1u) << refused.body;
    EXPECT_EQ(problem["errors"][0]["field"], item.field);
    EXPECT_EQ(problem["errors"][0]["fraction"], item.fraction);
    EXPECT_NE(problem["errors"][0]["message"].get<std::string>().find("(art. 46, fracción " +
                                                                      item.fraction + ")."),
              std::string::npos);
    EXPECT_NE(problem["detail"].get<std::string>().find("artículo 46"), std::string::npos);
    // Nothing stored: no version, still a draft, invisible to the public.
    EXPECT_EQ(VersionRows(Id(draft)), 0);
    EXPECT_EQ(Get("municipio-durango", "/procedures/" + Id(draft), editor)["status"], "draft");
    EXPECT_EQ(Call("GET", Path("municipio-durango", "/procedures/" + Id(draft))).status, 404);
  }
  // Once completed, the same record publishes.
  const json last =
      Create("municipio-durango",
             Without(CompleteProcedure("MDGO-FALTA-X", "Constancia"), "/validity"), editor);
  ASSERT_EQ(Publish("municipio-durango", Id(last), editor).status, 422);
  Edit("municipio-durango", Id(last), {{"validity", "Seis meses."}}, editor);
  EXPECT_EQ(Publish("municipio-durango", Id(last), editor).status, 200);
}

// A bare draft: the 422 names every missing item at once, in fraction order.
TEST_F(PublishingTest, PublishNamesEveryMissingItemAtOnce) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const json draft = Create(
      "tepehuanes", {{"homoclave", "TPH-01"}, {"kind", "service"}, {"name", "Alumbrado"}}, editor);
  auto refused = Publish("tepehuanes", Id(draft), editor);
  ASSERT_EQ(refused.status, 422) << refused.body;
  const json problem = json::parse(refused.body);
  // All but the name, which creating the draft required.
  const std::vector<std::pair<std::string, std::string>> expected(
      testing::MissingFromABareRecord().begin() + 1, testing::MissingFromABareRecord().end());
  ASSERT_EQ(problem["errors"].size(), expected.size()) << refused.body;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(problem["errors"][i]["field"], expected[i].first) << i;
    EXPECT_EQ(problem["errors"][i]["fraction"], expected[i].second) << i;
    EXPECT_EQ(problem["errors"][i]["message"].get<std::string>().rfind("Falta", 0), 0u) << i;
  }
  EXPECT_NE(problem["detail"].get<std::string>().find("20 datos"), std::string::npos)
      << problem["detail"];
  EXPECT_EQ(VersionRows(Id(draft)), 0);
  EXPECT_EQ(OwnerCount("SELECT count(*) FROM core.audit_log "
                       "WHERE action = 'procedure-registry.procedure.publish'"),
            0);
  // Who may publish: not the public, not an auditor.
  const std::string auditor = MakeUser("auditor@tepehuanes.mx", "auditor", "tepehuanes");
  EXPECT_EQ(Publish("tepehuanes", Id(draft), "").status, 401);
  EXPECT_EQ(Publish("tepehuanes", Id(draft), auditor).status, 403);
}

// publish -> version 1; edit the draft -> the public still sees version 1
// unchanged; publish again -> version 2, /versions newest first, version 1
// still exactly as it was.
TEST_F(PublishingTest, VersionsStayAsTheyWerePublished) {
  const std::string editor = MakeUser("editor@durango.mx", "editor", "municipio-durango");
  const json complete = CompleteProcedure("MDGO-DU-001", "Licencia de construcción");
  const json draft = Create("municipio-durango", complete, editor);
  const std::string id = Id(draft);
  EXPECT_EQ(draft["status"], "draft");

  auto first = Publish("municipio-durango", id, editor);
  ASSERT_EQ(first.status, 200) << first.body;
  const json published = json::parse(first.body);
  EXPECT_EQ(published["version"], 1);
  EXPECT_EQ(published["status"], "published");
  EXPECT_EQ(published["homoclave"], "MDGO-DU-001");
  EXPECT_EQ(Get("municipio-durango", "/procedures/" + id, editor)["status"], "published");
  EXPECT_EQ(Get("municipio-durango", "/procedures/" + id, editor)["published_version"], 1);
  const json public_v1 = Get("municipio-durango", "/procedures/" + id);
  EXPECT_EQ(public_v1["name"], "Licencia de construcción");
  const json v1 = Get("municipio-durango", "/procedures/" + id + "/versions/1");
  // The document exactly as published: every field of the record.
  for (const auto& [key, value] : complete.items()) EXPECT_EQ(v1[key], value) << key;
  EXPECT_EQ(v1["id"], id);
  EXPECT_EQ(v1["tenant"], "municipio-durango");
  EXPECT_EQ(v1["version"], 1);
  EXPECT_TRUE(v1["valid_until"].is_null());
  EXPECT_EQ(v1["published_at"], published["published_at"]);

  // Publishing the unchanged working copy again creates nothing.
  auto again = Publish("municipio-durango", id, editor);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body)["version"], 1);
  EXPECT_EQ(VersionRows(id), 1);
  EXPECT_EQ(OwnerCount("SELECT count(*) FROM core.audit_log "
                       "WHERE action = 'procedure-registry.procedure.publish' AND entity_id = '" +
                       id + "'"),
            1);

  // Editing the draft changes nothing the public sees.
  Edit("municipio-durango", id,
       {{"name", "Licencia de construcción (obra mayor)"},
        {"resolution_term", {{"value", 5}, {"unit", "days"}, {"business_days", true}}}},
       editor);
  EXPECT_EQ(Get("municipio-durango", "/procedures/" + id), public_v1);
  EXPECT_EQ(Get("municipio-durango", "/procedures/" + id + "/versions/1"), v1);
  EXPECT_EQ(Get("municipio-durango", "/procedures/" + id, editor)["name"],
            "Licencia de construcción (obra mayor)");

  auto second = Publish("municipio-durango", id, editor);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(json::parse(second.body)["version"], 2);
  EXPECT_EQ(json::parse(second.body)["name"], "Licencia de construcción (obra mayor)");
  EXPECT_EQ(Get("municipio-durango", "/procedures/" + id)["resolution_term"]["value"], 5);

  const json versions = Get("municipio-durango", "/procedures/" + id + "/versions");
  ASSERT_EQ(versions["items"].size(), 2u) << versions.dump();
  EXPECT_EQ(versions["items"][0]["version"], 2);
  EXPECT_EQ(versions["items"][0]["name"], "Licencia de construcción (obra mayor)");
  EXPECT_TRUE(versions["items"][0]["valid_until"].is_null());
  EXPECT_EQ(versions["items"][1]["version"], 1);
  EXPECT_EQ(versions["items"][1]["name"], "Licencia de construcción");
  EXPECT_EQ(versions["items"][1]["homoclave"], "MDGO-DU-001");
  // The first closed when the second was published.
  EXPECT_EQ(versions["items"][1]["valid_until"], versions["items"][0]["published_at"]);
  EXPECT_TRUE(versions["next_cursor"].is_null());

  // Version 1 is still exactly as it was, except that it is no longer current.
  json v1_now = Get("municipio-durango", "/procedures/" + id + "/versions/1");
  EXPECT_EQ(v1_now["valid_until"], versions["items"][0]["published_at"]);
  v1_now["valid_until"] = nullptr;
  EXPECT_EQ(v1_now, v1);

  // A cursor list, one per page.
  const json page1 = Get("municipio-durango", "/procedures/" + id + "/versions?limit=1");
  ASSERT_EQ(page1["items"].size(), 1u);
  EXPECT_EQ(page1["items"][0]["version"], 2);
  ASSERT_TRUE(page1["next_cursor"].is_string());
  const json page2 = Get("municipio-durango", "/procedures/" + id + "/versions?limit=1&cursor=" +
                                                  page1["next_cursor"].get<std::string>());
  ASSERT_EQ(page2["items"].size(), 1u);
  EXPECT_EQ(page2["items"][0]["version"], 1);
  EXPECT_TRUE(page2["next_cursor"].is_null());

  // Sync: versions published or closed after updated_since.
  EXPECT_EQ(Get("municipio-durango",
                "/procedures/" + id + "/versions?updated_since=2000-01-01T00:00:00Z")["items"]
                .size(),
            2u);
  EXPECT_EQ(Get("municipio-durango",
                "/procedures/" + id + "/versions?updated_since=2999-01-01T00:00:00Z")["items"]
                .size(),
            0u);

  // Versions that do not exist.
  for (const char* missing : {"3", "0", "-1", "99999999999"}) {
    EXPECT_EQ(
        Call("GET", Path("municipio-durango", "/procedures/" + id + "/versions/" + missing)).status,
        404)
        << missing;
  }
  EXPECT_EQ(OwnerCount("SELECT count(*) FROM core.audit_log "
                       "WHERE action = 'procedure-registry.procedure.publish' AND entity_id = '" +
                       id + "'"),
            2);
  // The audit says which version was published.
  EXPECT_EQ(OwnerCount("SELECT count(*) FROM core.audit_log "
                       "WHERE action = 'procedure-registry.procedure.publish' AND entity_id = '" +
                       id + "' AND (changes::jsonb ->> 'version') = '2'"),
            1);
}

// A never-published draft has no public history; writers see an empty one.
TEST_F(PublishingTest, ADraftHasNoPublicHistory) {
  const std::string editor = MakeUser("editor@gomez.mx", "editor", "gomez-palacio");
  const json draft =
      Create("gomez-palacio", CompleteProcedure("GP-01", "Permiso de anuncios"), editor);
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/procedures/" + Id(draft) + "/versions")).status,
            404);
  EXPECT_EQ(Get("gomez-palacio", "/procedures/" + Id(draft) + "/versions", editor)["items"].size(),
            0u);
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/procedures/" + Id(draft) + "/versions/1")).status,
            404);
}

// Baja keeps the history: the versions stay listed and retrievable, the
// public record is gone, and it cannot be published again.
TEST_F(PublishingTest, WithdrawalKeepsTheVersions) {
  const std::string editor = MakeUser("editor@durango.mx", "editor", "municipio-durango");
  const json draft = Create("municipio-durango",
                            CompleteProcedure("MDGO-RES-01", "Constancia de residencia"), editor);
  const std::string id = Id(draft);
  ASSERT_EQ(Publish("municipio-durango", id, editor).status, 200);
  const json v1 = Get("municipio-durango", "/procedures/" + id + "/versions/1");
  Withdraw("municipio-durango", id, editor);

  EXPECT_EQ(Call("GET", Path("municipio-durango", "/procedures/" + id)).status, 404);
  const json versions = Get("municipio-durango", "/procedures/" + id + "/versions");
  ASSERT_EQ(versions["items"].size(), 1u);
  EXPECT_EQ(versions["items"][0]["version"], 1);
  EXPECT_TRUE(versions["items"][0]["valid_until"].is_string());
  json v1_now = Get("municipio-durango", "/procedures/" + id + "/versions/1");
  EXPECT_TRUE(v1_now["valid_until"].is_string());
  v1_now["valid_until"] = nullptr;
  EXPECT_EQ(v1_now, v1);

  auto refused = Publish("municipio-durango", id, editor);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(VersionRows(id), 1);
  EXPECT_EQ(Get("municipio-durango", "/stats")["tenants"][0]["current"]["published"], 0);
}

// Another tenant's editor sees none of it: 404 everywhere, nothing written.
TEST_F(PublishingTest, OtherTenantsGet404) {
  const std::string editor = MakeUser("editor@durango.mx", "editor", "municipio-durango");
  const std::string stranger = MakeUser("editor@gomez.mx", "editor", "gomez-palacio");
  const json draft =
      Create("municipio-durango", CompleteProcedure("MDGO-AL-01", "Alineamiento"), editor);
  const std::string id = Id(draft);
  // Through the other tenant's path: the id does not exist there.
  EXPECT_EQ(Publish("gomez-palacio", id, stranger).status, 404);
  // Through this tenant's path: the stranger has no role here.
  EXPECT_EQ(Publish("municipio-durango", id, stranger).status, 404);
  EXPECT_EQ(VersionRows(id), 0);
  ASSERT_EQ(Publish("municipio-durango", id, editor).status, 200);
  EXPECT_EQ(
      Call("GET", Path("gomez-palacio", "/procedures/" + id + "/versions"), "", stranger).status,
      404);
  EXPECT_EQ(
      Call("GET", Path("gomez-palacio", "/procedures/" + id + "/versions/1"), "", stranger).status,
      404);
  EXPECT_EQ(Get("gomez-palacio", "/stats")["tenants"][0]["current"]["published"], 0);
  EXPECT_EQ(Get("municipio-durango", "/stats")["tenants"][0]["current"]["published"], 1);
}

// The figures between two dates, computed by hand from versions whose dates
// are moved into the past (what no route may do):
//   A "licencia" v1: 2026-01-10 .. 2026-03-10, online, 10 days, $1250.50
//     A v2: 2026-03-10 .. now, online, 8 days, $1000.00
//   B "constancia" v1: 2026-01-05 .. withdrawn 2026-03-01 12:00, free, 1 month
//   C "anuncio" v1: 2026-02-15 .. now, 5 days, $100.00 (not online)
// On 2026-02-01: A v1 + B  = 2 published, 1 online, 40 days, $1250.50, 1 free.
// On 2026-03-31: A v2 + C  = 2 published, 1 online, 13 days, $1100.00, 0 free.
TEST_F(PublishingTest, StatsBetweenTwoDatesFromTheVersions) {
  const std::string editor = MakeUser("editor@durango.mx", "editor", "municipio-durango");
  json a = CompleteProcedure("MDGO-A", "Licencia de funcionamiento");
  a["online"] = true;
  a["online_url"] = "https://tramites.municipiodurango.gob.mx/funcionamiento";
  json b = CompleteProcedure("MDGO-B", "Constancia de residencia");
  b["resolution_term"] = {{"value", 1}, {"unit", "months"}, {"business_days", false}};
  b["cost"] = {{"free", true}};
  b.erase("payment_methods");
  json c = CompleteProcedure("MDGO-C", "Permiso de anuncios");
  c["resolution_term"]["value"] = 5;
  c["cost"]["amount_mxn"] = "100.00";
  const std::string ida = Id(Create("municipio-durango", a, editor));
  const std::string idb = Id(Create("municipio-durango", b, editor));
  const std::string idc = Id(Create("municipio-durango", c, editor));
  for (const auto& id : {ida, idb, idc}) {
    ASSERT_EQ(Publish("municipio-durango", id, editor).status, 200) << id;
  }
  Edit("municipio-durango", ida,
       {{"resolution_term", {{"value", 8}, {"unit", "days"}, {"business_days", true}}},
        {"cost", {{"free", false}, {"amount_mxn", "1000.00"}, {"calculation", "Tarifa fija."}}}},
       editor);
  ASSERT_EQ(Publish("municipio-durango", ida, editor).status, 200);
  Withdraw("municipio-durango", idb, editor);

  OwnerExec(
      "UPDATE procedure_registry.versions SET "
      "published_at = '2026-01-10 10:00-06', valid_until = '2026-03-10 09:00-06' "
      "WHERE procedure_id = '" +
      ida + "' AND version = 1");
  OwnerExec(
      "UPDATE procedure_registry.versions SET published_at = '2026-03-10 09:00-06' "
      "WHERE procedure_id = '" +
      ida + "' AND version = 2");
  OwnerExec(
      "UPDATE procedure_registry.versions SET "
      "published_at = '2026-01-05 10:00-06', valid_until = '2026-03-01 12:00-06' "
      "WHERE procedure_id = '" +
      idb + "'");
  OwnerExec(
      "UPDATE procedure_registry.versions SET published_at = '2026-02-15 23:30-06' "
      "WHERE procedure_id = '" +
      idc + "'");

  const json stats = Get("municipio-durango", "/stats?from=2026-02-01&to=2026-03-31");
  EXPECT_EQ(stats["from"], "2026-02-01");
  EXPECT_EQ(stats["to"], "2026-03-31");
  ASSERT_EQ(stats["tenants"].size(), 1u);
  const json& t = stats["tenants"][0];
  EXPECT_EQ(t["tenant"], "municipio-durango");
  EXPECT_EQ(t["from"], (json{{"date", "2026-02-01"},
                             {"published", 2},
                             {"online", 1},
                             {"resolution_days", 40},
                             {"cost_mxn", "1250.50"},
                             {"free", 1}}));
  EXPECT_EQ(t["to"], (json{{"date", "2026-03-31"},
                           {"published", 2},
                           {"online", 1},
                           {"resolution_days", 13},
                           {"cost_mxn", "1100.00"},
                           {"free", 0}}));
  EXPECT_EQ(t["change"], (json{{"published", 0},
                               {"online", 0},
                               {"resolution_days", -27},
                               {"cost_mxn", "-150.50"},
                               {"free", -1}}));
  EXPECT_EQ(t["current"], (json{{"published", 2},
                                {"online", 1},
                                {"resolution_days", 13},
                                {"cost_mxn", "1100.00"},
                                {"free", 0}}));

  // The day boundaries are Mexico's: C (published 2026-02-15 23:30 there)
  // counts on the 15th; B (withdrawn 2026-03-01 at noon) no longer on the 1st.
  const json edges = Get("municipio-durango", "/stats?from=2026-02-15&to=2026-03-01");
  EXPECT_EQ(edges["tenants"][0]["from"]["published"], 3);  // A v1, B, C
  EXPECT_EQ(edges["tenants"][0]["to"]["published"], 2);    // A v1, C
  EXPECT_EQ(edges["tenants"][0]["to"]["resolution_days"], 15);
  EXPECT_EQ(edges["tenants"][0]["change"]["free"], -1);
  // Before anything was published: an empty catalogue.
  const json empty = Get("municipio-durango", "/stats?from=2025-12-31&to=2026-01-05");
  EXPECT_EQ(empty["tenants"][0]["from"]["published"], 0);
  EXPECT_EQ(empty["tenants"][0]["from"]["cost_mxn"], "0.00");
  EXPECT_EQ(empty["tenants"][0]["to"]["published"], 1);  // B, published that day
  // Without dates: only the current catalogue.
  const json now = Get("municipio-durango", "/stats");
  EXPECT_TRUE(now["tenants"][0]["from"].is_null());
  EXPECT_TRUE(now["tenants"][0]["change"].is_null());
  EXPECT_EQ(now["tenants"][0]["current"]["published"], 2);
  // `from` alone compares with today.
  const json since = Get("municipio-durango", "/stats?from=2026-02-01");
  EXPECT_EQ(since["to"], since["as_of"]);
  EXPECT_EQ(since["tenants"][0]["change"]["cost_mxn"], "-150.50");

  // The state's catalogue: the state first, then each municipality.
  const json state =
      Get("durango", "/stats?include_descendants=true&from=2026-02-01&to=2026-03-31");
  ASSERT_EQ(state["tenants"].size(), 4u) << state.dump();
  EXPECT_EQ(state["tenants"][0]["tenant"], "durango");
  EXPECT_EQ(state["tenants"][0]["current"]["published"], 0);
  bool found = false;
  for (const auto& tenant : state["tenants"]) {
    if (tenant["tenant"] == "municipio-durango") {
      found = true;
      EXPECT_EQ(tenant["change"], t["change"]);
    }
  }
  EXPECT_TRUE(found);
}

// Bad dates: a Spanish 422 naming the parameter.
TEST_F(PublishingTest, BadDatesAreA422InSpanish) {
  struct Case {
    std::string query;
    std::string field;
  };
  for (const Case& bad : std::vector<Case>{{"?from=2026-02-30", "from"},
                                           {"?from=ayer", "from"},
                                           {"?from=2026-01-01&to=2026-13-01", "to"},
                                           {"?from=2026-03-01&to=2026-02-01", "to"},
                                           {"?to=2026-02-01", "from"},
                                           {"?from=2026-1-1", "from"}}) {
    SCOPED_TRACE(bad.query);
    auto result = Call("GET", Path("municipio-durango", "/stats" + bad.query));
    ASSERT_EQ(result.status, 422) << result.body;
    EXPECT_EQ(result.Header("content-type"), "application/problem+json");
    const json problem = json::parse(result.body);
    ASSERT_EQ(problem["errors"].size(), 1u) << result.body;
    EXPECT_EQ(problem["errors"][0]["field"], bad.field);
    const std::string message = problem["errors"][0]["message"];
    EXPECT_TRUE(message.find("fecha") != std::string::npos) << message;
  }
  // The extremes of the calendar are dates too.
  const json extremes = Get("municipio-durango", "/stats?from=0001-01-01&to=9999-12-31");
  EXPECT_EQ(extremes["tenants"][0]["change"]["published"], 0);
  // Absurdly long: refused by the parameter's declared bound.
  auto long_date = Call("GET", Path("municipio-durango", "/stats?from=" + std::string(500, '9')));
  EXPECT_EQ(long_date.status / 100, 4) << long_date.body;
}

}  // namespace
}  // namespace cabildo::testing
