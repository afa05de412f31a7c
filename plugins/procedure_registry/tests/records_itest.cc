// The records over HTTP against the real services: create, read, edit and
// withdraw; the working copy against what the public sees; the homoclave
// unique per tenant; bad input refused in Spanish with nothing changed;
// tenants isolated; every write in the audit chain; anonymous callers and
// auditors never write. Publication is another part's route (publishing.cc),
// so where a test needs a published record it stores version 1 directly as
// the database owner, exactly as a publication leaves it (pr-spec.md).
#include <algorithm>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/core/db_pool.h"

#include "procedure_registry_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

class RecordsTest : public ProcedureRegistryTest {
 protected:
  // "/v1/tenants/<tenant>/procedure-registry/procedures/<id>"
  static std::string RecordPath(const std::string& tenant, const json& record) {
    return Path(tenant, "/procedures/" + record["id"].get<std::string>());
  }

  // The field -> message of a 422's errors.
  static std::map<std::string, std::string> Errors(const HttpResult& result) {
    std::map<std::string, std::string> errors;
    const json problem = json::parse(result.body, nullptr, false);
    if (problem.is_object() && problem.contains("errors")) {
      for (const auto& e : problem["errors"]) {
        errors[e.value("field", "")] = e.value("message", e.value("detail", ""));
      }
    }
    return errors;
  }

  // Runs `sql` with `args` as the database owner, scoped to `tenant` (row
  // level security binds the owner too); the first column of the first row
  // as text ("" when no row).
  template <typename... Args>
  std::string Sql(const std::string& tenant, const std::string& sql, Args&&... args) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work w(owner);
    const std::string tenant_id =
        w.exec_params("SELECT id::text FROM core.tenants WHERE slug = $1", tenant)[0][0]
            .as<std::string>();
    core::ApplyScope(w, core::Scope{{tenant_id}, ""});
    auto rows = w.exec_params(sql, std::forward<Args>(args)...);
    w.commit();
    if (rows.empty() || rows[0][0].is_null()) return "";
    return std::string(rows[0][0].c_str());
  }

  int CountRecords(const std::string& tenant) {
    return std::stoi(Sql(tenant, "SELECT count(*) FROM procedure_registry.procedures"));
  }

  // Publishes record `id` of `tenant` as version 1 the way POST .../publish
  // does: the working copy plus its homoclave as an immutable version, the
  // record "published". (Stored directly: the route is publishing.cc's.)
  void SeedPublishedVersion(const std::string& tenant, const std::string& id) {
    Sql(tenant,
        "WITH v AS (INSERT INTO procedure_registry.versions (tenant_id, procedure_id, version, "
        "document) SELECT tenant_id, id, 1, draft || jsonb_build_object('homoclave', homoclave) "
        "FROM procedure_registry.procedures WHERE id = $1::uuid RETURNING procedure_id) "
        "UPDATE procedure_registry.procedures p SET status = 'published', published_version = 1, "
        "public_updated_at = now() FROM v WHERE p.id = v.procedure_id RETURNING p.id::text",
        id);
  }

  // The module's audit actions of `tenant`, oldest first.
  std::vector<json> AuditEntries(const std::string& tenant, const std::string& auditor) {
    auto result = Call("GET", "/v1/tenants/" + tenant + "/audit?limit=100", "", auditor);
    EXPECT_EQ(result.status, 200) << result.body;
    std::vector<json> entries;
    const json log = json::parse(result.body, nullptr, false);
    if (!log.is_object() || !log.contains("items")) return entries;
    for (const auto& entry : log["items"]) {
      if (entry.value("action", "").rfind("procedure-registry.", 0) == 0) entries.push_back(entry);
    }
    return entries;
  }
};

// Every field of the contract (CompleteProcedure) comes back as sent, the
// working copy is a draft nobody else sees, PATCH changes only what it sends,
// DELETE discards a never-published draft, and each write is audited.
TEST_F(RecordsTest, CreateReadEditWithdrawRoundTrip) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const json sent = CompleteProcedure("MTEP-DU-001", "Licencia de construcción");
  const json created = Post("tepehuanes", "/procedures", sent, editor);
  ASSERT_TRUE(created.contains("id")) << created;
  for (const auto& [key, value] : sent.items()) EXPECT_EQ(created[key], value) << key;
  EXPECT_EQ(created["status"], "draft");
  EXPECT_EQ(created["published_version"], nullptr);
  EXPECT_EQ(created["tenant"], "tepehuanes");
  EXPECT_TRUE(created.contains("created_at"));
  EXPECT_TRUE(created.contains("updated_at"));
  const std::string path = RecordPath("tepehuanes", created);

  // Writers read the working copy exactly as POST answered it; the public
  // never sees a draft.
  auto read = Call("GET", path, "", editor);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(json::parse(read.body), created);
  EXPECT_EQ(Call("GET", path).status, 404);
  const json problem = json::parse(Call("GET", path).body);
  EXPECT_NE(problem.dump().find("No existe el trámite o servicio"), std::string::npos) << problem;

  // PATCH with If-Match: only the fields sent change; a stale ETag is 412.
  const std::string etag = read.Header("etag");
  ASSERT_FALSE(etag.empty());
  auto patched = Call(
      "PATCH", path,
      json{{"name", "Licencia de construcción de obra mayor"}, {"keywords", {"obra mayor"}}}.dump(),
      editor, {{"If-Match", etag}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  json after = json::parse(patched.body);
  EXPECT_EQ(after["name"], "Licencia de construcción de obra mayor");
  EXPECT_EQ(after["keywords"], json({"obra mayor"}));
  EXPECT_EQ(after["offices"], sent["offices"]);
  EXPECT_EQ(after["homoclave"], "MTEP-DU-001");
  EXPECT_EQ(after["status"], "draft");
  EXPECT_EQ(json::parse(Call("GET", path, "", editor).body), after);
  EXPECT_EQ(Call("PATCH", path, json{{"name", "Otro"}}.dump(), editor, {{"If-Match", etag}}).status,
            412);
  EXPECT_EQ(json::parse(Call("GET", path, "", editor).body)["name"],
            "Licencia de construcción de obra mayor");

  // null removes a field; an object sent replaces the whole object; the
  // homoclave may change.
  patched =
      Call("PATCH", path,
           json{{"description", nullptr}, {"cost", {{"free", true}}}, {"homoclave", "MTEP-DU-002"}}
               .dump(),
           editor);
  ASSERT_EQ(patched.status, 200) << patched.body;
  after = json::parse(patched.body);
  EXPECT_FALSE(after.contains("description")) << after;
  EXPECT_EQ(after["cost"], json({{"free", true}}));
  EXPECT_EQ(after["homoclave"], "MTEP-DU-002");
  EXPECT_EQ(Sql("tepehuanes", "SELECT draft ? 'homoclave' FROM procedure_registry.procedures"),
            "f");  // the column holds it, not the draft

  // A record read may be sent back whole: its read-only fields are ignored.
  json copy = after;
  copy["homoclave"] = "MTEP-DU-003";
  const json recreated = Post("tepehuanes", "/procedures", copy, editor);
  EXPECT_NE(recreated["id"], after["id"]);
  EXPECT_EQ(recreated["cost"], after["cost"]);
  EXPECT_EQ(Call("PATCH", path, after.dump(), editor).status, 200);

  // Baja of a draft never published: discarded, a tombstone for writers.
  const std::string before_delete = Call("GET", path, "", editor).Header("etag");
  EXPECT_EQ(Call("DELETE", path, "", editor, {{"If-Match", "\"otra\""}}).status, 412);
  ASSERT_EQ(Call("DELETE", path, "", editor, {{"If-Match", before_delete}}).status, 204);
  EXPECT_EQ(Call("GET", path, "", editor).status, 404);
  EXPECT_EQ(Call("GET", path).status, 404);
  EXPECT_EQ(Call("PATCH", path, json{{"name", "x"}}.dump(), editor).status, 404);
  EXPECT_EQ(Call("DELETE", path, "", editor).status, 404);
  EXPECT_EQ(
      Sql("tepehuanes",
          "SELECT status || ' ' || (deleted_at IS NOT NULL) || ' ' || "
          "(published_version IS NULL) FROM procedure_registry.procedures WHERE id = $1::uuid",
          created["id"].get<std::string>()),
      "draft true true");

  // Every write is in the audit chain: before/after of what changed.
  const std::string auditor = MakeUser("auditor@tepehuanes.mx", "auditor", "tepehuanes");
  const std::vector<json> entries = AuditEntries("tepehuanes", auditor);
  std::vector<std::string> actions;
  for (const auto& entry : entries) actions.push_back(entry["action"]);
  std::sort(actions.begin(), actions.end());
  EXPECT_EQ(actions,
            (std::vector<std::string>{
                "procedure-registry.procedure.create", "procedure-registry.procedure.create",
                "procedure-registry.procedure.update", "procedure-registry.procedure.update",
                "procedure-registry.procedure.update", "procedure-registry.procedure.withdraw"}));
  bool saw_rename = false;
  for (const auto& entry : entries) {
    EXPECT_TRUE(entry["entity_id"] == created["id"] || entry["entity_id"] == recreated["id"])
        << entry;
    if (entry["action"] == "procedure-registry.procedure.update" &&
        entry["changes"]["after"].contains("name")) {
      saw_rename = true;
      EXPECT_EQ(entry["changes"]["before"]["name"], "Licencia de construcción");
      EXPECT_EQ(entry["changes"]["after"]["name"], "Licencia de construcción de obra mayor");
      EXPECT_FALSE(entry["changes"]["after"].contains("offices")) << "only what changed";
    }
  }
  EXPECT_TRUE(saw_rename);
  auto verify = Call("GET", "/v1/tenants/tepehuanes/audit/verify", "", auditor);
  EXPECT_EQ(json::parse(verify.body)["ok"], true) << verify.body;
}

// A draft may be incomplete: homoclave, kind and name are all POST needs;
// without them, one Spanish error per missing field.
TEST_F(RecordsTest, ADraftNeedsOnlyHomoclaveKindAndName) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const json minimal = {{"homoclave", "MTEP-SP-010"}, {"kind", "service"}, {"name", "Poda"}};
  const json created = Post("tepehuanes", "/procedures", minimal, editor);
  EXPECT_EQ(created["kind"], "service");
  EXPECT_EQ(created["status"], "draft");
  EXPECT_FALSE(created.contains("offices"));
  auto result = Call("POST", Path("tepehuanes", "/procedures"), json::object().dump(), editor);
  ASSERT_EQ(result.status, 422) << result.body;
  const auto errors = Errors(result);
  for (const char* field : {"homoclave", "kind", "name"}) {
    ASSERT_TRUE(errors.count(field)) << field << " " << result.body;
    EXPECT_NE(errors.at(field).find("obligatorio"), std::string::npos) << result.body;
  }
  EXPECT_EQ(CountRecords("tepehuanes"), 1);
}

// What citizens see is the published version: editing the working copy
// after a publication changes nothing public; a withdrawal closes the version
// (kept, readable) and the record can no longer be edited nor its homoclave
// reused.
TEST_F(RecordsTest, DraftEditsNeverReachThePublicVersionAndBajaKeepsTheHistory) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const json created = Post("tepehuanes", "/procedures",
                            CompleteProcedure("MTEP-DU-001", "Licencia de construcción"), editor);
  const std::string id = created["id"];
  const std::string path = RecordPath("tepehuanes", created);
  ASSERT_NO_FATAL_FAILURE(SeedPublishedVersion("tepehuanes", id));

  json published = Get("tepehuanes", "/procedures/" + id);
  EXPECT_EQ(published["name"], "Licencia de construcción");
  EXPECT_EQ(published["homoclave"], "MTEP-DU-001");
  EXPECT_EQ(published["status"], "published");
  EXPECT_EQ(published["version"], 1);
  EXPECT_EQ(published["tenant"], "tepehuanes");
  EXPECT_TRUE(published.contains("published_at"));
  EXPECT_EQ(published["cost"], created["cost"]);

  auto patched = Call("PATCH", path,
                      json{{"name", "Licencia de construcción (borrador nuevo)"},
                           {"homoclave", "MTEP-DU-009"},
                           {"online", true},
                           {"online_url", "https://tramites.tepehuanes.gob.mx/licencia"}}
                          .dump(),
                      editor);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json::parse(patched.body)["status"], "published");  // the status does not move
  EXPECT_EQ(json::parse(patched.body)["published_version"], 1);
  EXPECT_EQ(Get("tepehuanes", "/procedures/" + id), published);  // the public: untouched
  EXPECT_EQ(Get("tepehuanes", "/procedures/" + id, editor)["name"],
            "Licencia de construcción (borrador nuevo)");
  EXPECT_EQ(Sql("tepehuanes",
                "SELECT document->>'name' || ' ' || (document->>'homoclave') || ' ' || "
                "(valid_until IS NULL) FROM procedure_registry.versions"),
            "Licencia de construcción MTEP-DU-001 true");

  // Baja: 204; the public no longer finds it, the version is closed but kept.
  const std::string etag = Call("GET", path, "", editor).Header("etag");
  ASSERT_EQ(Call("DELETE", path, "", editor, {{"If-Match", etag}}).status, 204);
  EXPECT_EQ(Call("GET", path).status, 404);
  EXPECT_EQ(Call("GET", path, "", editor).status, 404);
  EXPECT_EQ(Sql("tepehuanes",
                "SELECT count(*) || ' ' || count(*) FILTER (WHERE valid_until IS NOT NULL) "
                "FROM procedure_registry.versions WHERE procedure_id = $1::uuid",
                id),
            "1 1");
  EXPECT_EQ(Sql("tepehuanes",
                "SELECT status || ' ' || (deleted_at IS NOT NULL) || ' ' || "
                "(public_updated_at >= updated_at) FROM procedure_registry.procedures"),
            "withdrawn true true");

  // A withdrawn record is not edited (409 in Spanish) and keeps its homoclave.
  auto edit = Call("PATCH", path, json{{"name", "Otra"}}.dump(), editor);
  EXPECT_EQ(edit.status, 409) << edit.body;
  EXPECT_NE(edit.body.find("baja"), std::string::npos) << edit.body;
  EXPECT_EQ(Call("DELETE", path, "", editor).status, 404);
  auto reuse = Call(
      "POST", Path("tepehuanes", "/procedures"),
      json{{"homoclave", "MTEP-DU-009"}, {"kind", "procedure"}, {"name", "Otra"}}.dump(), editor);
  EXPECT_EQ(reuse.status, 409) << reuse.body;
  EXPECT_EQ(CountRecords("tepehuanes"), 1);
}

// The homoclave is unique in a tenant (not across tenants): a duplicate is a
// Spanish 409 that stores nothing, on POST and on PATCH.
TEST_F(RecordsTest, ADuplicateHomoclaveIs409AndStoresNothing) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const std::string gomez = MakeUser("editor@gomez-palacio.mx", "editor", "gomez-palacio");
  Post("tepehuanes", "/procedures", CompleteProcedure("MTEP-DU-001", "Licencia de construcción"),
       editor);
  auto duplicate =
      Call("POST", Path("tepehuanes", "/procedures"),
           CompleteProcedure("MTEP-DU-001", "Licencia de funcionamiento").dump(), editor);
  ASSERT_EQ(duplicate.status, 409) << duplicate.body;
  EXPECT_NE(duplicate.body.find("Ya existe un trámite o servicio con la homoclave MTEP-DU-001"),
            std::string::npos)
      << duplicate.body;
  EXPECT_EQ(CountRecords("tepehuanes"), 1);
  EXPECT_EQ(Sql("tepehuanes", "SELECT draft->>'name' FROM procedure_registry.procedures"),
            "Licencia de construcción");

  // Another tenant may use it.
  Post("gomez-palacio", "/procedures", CompleteProcedure("MTEP-DU-001", "Licencia"), gomez);

  // PATCH onto a taken homoclave: 409, the record as it was.
  const json other = Post("tepehuanes", "/procedures",
                          CompleteProcedure("MTEP-DU-002", "Constancia de residencia"), editor);
  const std::string path = RecordPath("tepehuanes", other);
  auto clash =
      Call("PATCH", path, json{{"homoclave", "MTEP-DU-001"}, {"name", "Constancia nueva"}}.dump(),
           editor);
  EXPECT_EQ(clash.status, 409) << clash.body;
  EXPECT_EQ(Get("tepehuanes", "/procedures/" + other["id"].get<std::string>(), editor), other);
  // Its own homoclave sent back is no clash.
  EXPECT_EQ(Call("PATCH", path, json{{"homoclave", "MTEP-DU-002"}}.dump(), editor).status, 200);
  EXPECT_EQ(CountRecords("tepehuanes"), 2);
}

// Concurrent writers of one homoclave: exactly one wins, the others get the
// Spanish 409, and one record is stored (on POST and on PATCH).
TEST_F(RecordsTest, ConcurrentWritersOfOneHomoclaveGetExactlyOneSuccess) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  auto send = [&](const std::string& method, const std::string& path, const json& body) {
    return HttpRequest(app_->Port(), method, path, body.dump(),
                       {{"Authorization", "Bearer " + editor}});
  };
  const std::string list = Path("tepehuanes", "/procedures");
  std::vector<std::future<HttpResult>> creates;
  for (int i = 0; i < 4; ++i) {
    creates.push_back(std::async(std::launch::async, send, "POST", list,
                                 CompleteProcedure("MTEP-DU-001", "Intento " + std::to_string(i))));
  }
  std::vector<int> statuses;
  for (auto& create : creates) {
    const HttpResult result = create.get();
    statuses.push_back(result.status);
    if (result.status == 409) {
      EXPECT_NE(result.body.find("MTEP-DU-001"), std::string::npos) << result.body;
    }
  }
  std::sort(statuses.begin(), statuses.end());
  EXPECT_EQ(statuses, (std::vector<int>{201, 409, 409, 409}));
  EXPECT_EQ(CountRecords("tepehuanes"), 1);

  // Two records renamed to the same free homoclave at once.
  const json a = Post("tepehuanes", "/procedures", CompleteProcedure("MTEP-A-001", "A"), editor);
  const json b = Post("tepehuanes", "/procedures", CompleteProcedure("MTEP-B-001", "B"), editor);
  const json rename = {{"homoclave", "MTEP-C-001"}};
  auto first = std::async(std::launch::async, send, "PATCH", RecordPath("tepehuanes", a), rename);
  auto second = std::async(std::launch::async, send, "PATCH", RecordPath("tepehuanes", b), rename);
  statuses = {first.get().status, second.get().status};
  std::sort(statuses.begin(), statuses.end());
  EXPECT_EQ(statuses, (std::vector<int>{200, 409}));
  EXPECT_EQ(
      Sql("tepehuanes",
          "SELECT count(*) FROM procedure_registry.procedures WHERE homoclave = 'MTEP-C-001'"),
      "1");
}

// Bad input, on POST and on PATCH: a Spanish 422 naming the field, and
// nothing stored or changed.
TEST_F(RecordsTest, BadInputIs422InSpanishAndChangesNothing) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const json existing = Post("tepehuanes", "/procedures",
                             CompleteProcedure("MTEP-DU-001", "Licencia de construcción"), editor);
  const std::string path = RecordPath("tepehuanes", existing);
  const std::string etag = Call("GET", path, "", editor).Header("etag");

  struct Case {
    std::string what;
    json patch;         // merged into a complete record for POST, sent as is for PATCH
    std::string field;  // the error's field
    std::string words;  // in its Spanish message
  };
  json cost = existing["cost"];
  auto with_cost = [&cost](const char* key, const json& value) {
    json changed = cost;
    changed[key] = value;
    return changed;
  };
  json office = existing["offices"][0];
  office["fax"] = "618 000 0000";
  json long_hours = existing["offices"][0];
  long_hours["hours"] = std::string(501, 'h');
  json metadata = json::object();
  for (int i = 0; i < 51; ++i) metadata["dato" + std::to_string(i)] = "x";
  json requirement = existing["requirements"][0];
  requirement["copies"] = -1;
  json term = existing["resolution_term"];
  term["value"] = -3;
  const std::vector<Case> cases = {
      {"negative cost as text",
       {{"cost", with_cost("amount_mxn", "-5.00")}},
       "cost.amount_mxn",
       "importe en pesos"},
      {"negative cost as a number",
       {{"cost", with_cost("amount_mxn", -5)}},
       "cost.amount_mxn",
       "importe en pesos"},
      {"free with an amount", {{"cost", with_cost("free", true)}}, "cost.amount_mxn", "gratuito"},
      {"negative copies", {{"requirements", {requirement}}}, "requirements[0].copies", "copias"},
      {"negative term", {{"resolution_term", term}}, "resolution_term.value", "plazo"},
      {"unknown kind", {{"kind", "tramite"}}, "kind", "procedure, service"},
      {"unknown tacit resolution",
       {{"tacit_resolution", "afirmativa"}},
       "tacit_resolution",
       "positive, negative, none"},
      {"unknown field", {{"costo", "100.00"}}, "costo", ""},
      {"unknown field in an office", {{"offices", {office}}}, "offices[0].fax", ""},
      {"name too long", {{"name", std::string(301, 'a')}}, "name", "300"},
      {"too many keywords", {{"keywords", std::vector<std::string>(31, "obra")}}, "keywords", "30"},
      {"description too long", {{"description", std::string(5001, 'x')}}, "description", "5000"},
      {"office hours too long", {{"offices", {long_hours}}}, "offices[0].hours", "500"},
      {"a keyword too long", {{"keywords", {std::string(101, 'k')}}}, "keywords[0]", "100"},
      {"too many metadata", {{"metadata", metadata}}, "metadata", "50"},
      {"nested metadata", {{"metadata", {{"a", {{"b", 1}}}}}}, "metadata.a", ""},
      {"lower-case homoclave", {{"homoclave", "mtep-du-001"}}, "homoclave", "mayúsculas"},
      {"homoclave too long", {{"homoclave", std::string(41, 'A')}}, "homoclave", "40"},
      {"online without its url", {{"online", true}}, "online_url", "en línea"},
      {"not a url", {{"online_url", "javascript:alert(1)"}}, "online_url", "web"},
      {"impossible date",
       {{"form", {{"url", "https://x.mx/f.pdf"}, {"published_on", "2026-02-31"}}}},
       "form.published_on",
       "fecha"},
  };
  int n = 0;
  for (const Case& c : cases) {
    json body = CompleteProcedure("MTEP-XX-" + std::to_string(100 + n++), "Trámite nuevo");
    for (const auto& [key, value] : c.patch.items()) body[key] = value;
    auto created = Call("POST", Path("tepehuanes", "/procedures"), body.dump(), editor);
    EXPECT_EQ(created.status, 422) << c.what << ": " << created.body;
    auto errors = Errors(created);
    ASSERT_TRUE(errors.count(c.field)) << c.what << ": " << created.body;
    EXPECT_NE(errors[c.field].find(c.words), std::string::npos) << c.what << ": " << created.body;

    auto patched = Call("PATCH", path, c.patch.dump(), editor, {{"If-Match", etag}});
    EXPECT_EQ(patched.status, 422) << c.what << ": " << patched.body;
    errors = Errors(patched);
    ASSERT_TRUE(errors.count(c.field)) << c.what << ": " << patched.body;
    EXPECT_NE(errors[c.field].find(c.words), std::string::npos) << c.what << ": " << patched.body;
  }
  // Nothing stored, nothing changed (the ETag still matches), nothing audited
  // but the one create.
  EXPECT_EQ(CountRecords("tepehuanes"), 1);
  auto now = Call("GET", path, "", editor);
  EXPECT_EQ(json::parse(now.body), existing);
  EXPECT_EQ(now.Header("etag"), etag);
  const std::string auditor = MakeUser("auditor@tepehuanes.mx", "auditor", "tepehuanes");
  EXPECT_EQ(AuditEntries("tepehuanes", auditor).size(), 1u);

  // A free procedure with amount 0.00, and online with its url, are fine.
  auto fine = Call("PATCH", path,
                   json{{"cost", {{"free", true}, {"amount_mxn", "0.00"}}},
                        {"online", true},
                        {"online_url", "https://tramites.tepehuanes.gob.mx/licencia"}}
                       .dump(),
                   editor, {{"If-Match", etag}});
  EXPECT_EQ(fine.status, 200) << fine.body;
}

// A Gómez Palacio editor neither reads Tepehuanes' drafts nor edits or
// withdraws its records, through either tenant's URL.
TEST_F(RecordsTest, TenantsAreIsolated) {
  const std::string tepehuanes = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const std::string gomez = MakeUser("editor@gomez-palacio.mx", "editor", "gomez-palacio");
  const json record =
      Post("tepehuanes", "/procedures",
           CompleteProcedure("MTEP-DU-001", "Licencia de construcción"), tepehuanes);
  const std::string id = record["id"];
  const std::string foreign = Path("gomez-palacio", "/procedures/" + id);
  const std::string home = Path("tepehuanes", "/procedures/" + id);

  // Through their own tenant: the id does not exist there.
  EXPECT_EQ(Call("GET", foreign, "", gomez).status, 404);
  EXPECT_EQ(Call("PATCH", foreign, json{{"name", "Mía"}}.dump(), gomez).status, 404);
  EXPECT_EQ(Call("DELETE", foreign, "", gomez).status, 404);
  // Through Tepehuanes' URL: no draft to read (the public view: never
  // published), and no right to write there.
  EXPECT_EQ(Call("GET", home, "", gomez).status, 404);
  const int patch = Call("PATCH", home, json{{"name", "Mía"}}.dump(), gomez).status;
  EXPECT_TRUE(patch == 403 || patch == 404) << patch;
  const int withdraw = Call("DELETE", home, "", gomez).status;
  EXPECT_TRUE(withdraw == 403 || withdraw == 404) << withdraw;
  const int create = Call("POST", Path("tepehuanes", "/procedures"),
                          CompleteProcedure("MGP-DU-001", "Intrusa").dump(), gomez)
                         .status;
  EXPECT_TRUE(create == 403 || create == 404) << create;

  EXPECT_EQ(Get("tepehuanes", "/procedures/" + id, tepehuanes), record);
  EXPECT_EQ(CountRecords("tepehuanes"), 1);
  EXPECT_EQ(CountRecords("gomez-palacio"), 0);
}

// Anonymous callers are 401 and auditors 403 on every write; the auditor
// still reads the working copy.
TEST_F(RecordsTest, AnonymousCallersAndAuditorsCannotWrite) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  const std::string auditor = MakeUser("auditor@tepehuanes.mx", "auditor", "tepehuanes");
  const json record = Post("tepehuanes", "/procedures",
                           CompleteProcedure("MTEP-DU-001", "Licencia de construcción"), editor);
  const std::string path = RecordPath("tepehuanes", record);
  const std::string body = CompleteProcedure("MTEP-DU-002", "Otra").dump();
  for (const auto& [token, status] :
       std::vector<std::pair<std::string, int>>{{"", 401}, {auditor, 403}}) {
    EXPECT_EQ(Call("POST", Path("tepehuanes", "/procedures"), body, token).status, status);
    EXPECT_EQ(Call("PATCH", path, json{{"name", "x"}}.dump(), token).status, status);
    EXPECT_EQ(Call("DELETE", path, "", token).status, status);
  }
  EXPECT_EQ(Get("tepehuanes", "/procedures/" + record["id"].get<std::string>(), auditor), record);
  EXPECT_EQ(CountRecords("tepehuanes"), 1);
  EXPECT_EQ(AuditEntries("tepehuanes", auditor).size(), 1u);
}

// The routes are in the OpenAPI document with their Spanish descriptions and
// the record's schemas.
TEST_F(RecordsTest, TheRoutesAreDocumentedInTheOpenApiDocument) {
  auto served = Call("GET", "/v1/openapi.json");
  ASSERT_EQ(served.status, 200);
  const json doc = json::parse(served.body);
  const std::string base = "/v1/tenants/{tenant}/procedure-registry/procedures";
  ASSERT_TRUE(doc["paths"].contains(base)) << base;
  ASSERT_TRUE(doc["paths"].contains(base + "/{id}"));
  const json& item = doc["paths"][base + "/{id}"];
  EXPECT_EQ(doc["paths"][base]["post"]["operationId"], "procedureRegistryCreateProcedure");
  for (const char* method : {"get", "patch", "delete"}) {
    ASSERT_TRUE(item.contains(method)) << method;
    EXPECT_FALSE(item[method].value("description", "").empty()) << method;
  }
  EXPECT_NE(item["delete"]["description"].get<std::string>().find("versiones"), std::string::npos);
  const json& schemas = doc["components"]["schemas"];
  for (const char* name : {"ProcedureRegistryProcedure", "ProcedureRegistryProcedureInput",
                           "ProcedureRegistryProcedurePatch", "ProcedureRegistryRequirement",
                           "ProcedureRegistryOffice", "ProcedureRegistryCost",
                           "ProcedureRegistryKind", "ProcedureRegistryAudience"}) {
    ASSERT_TRUE(schemas.contains(name)) << name;
    EXPECT_FALSE(schemas[name].value("description", "").empty()) << name;
  }
}

// The request schemas bound everything a client sends, before any handler
// runs: every string has a maximum length (or a format or enum that bounds
// it), every list a maximum size, every object says which fields it takes
// (unknown ones are errors) or how many, and every rule has a Spanish
// description or message for the OpenAPI document.
TEST(RecordsSchemasTest, EveryStringListAndObjectARequestCanSendIsBounded) {
  const std::string dir = std::string(CABILDO_SOURCE_DIR) + "/plugins/procedure_registry/schemas/";
  int strings = 0;
  int lists = 0;
  for (const char* name :
       {"ProcedureInput", "ProcedurePatch", "Kind", "Audience", "Homoclave", "Money", "LegalBasis",
        "Modality", "Requirement", "Form", "Inspection", "ResolutionTerm", "PreventionTerms",
        "Cost", "Office", "ContactChannel", "Metadata"}) {
    const std::string file = dir + "ProcedureRegistry" + name + ".json";
    std::ifstream in(file);
    ASSERT_TRUE(in) << file;
    std::stringstream text;
    text << in.rdbuf();
    const json schema = json::parse(text.str());
    EXPECT_TRUE(schema.contains("description")) << name;
    // Schemas are a few levels deep: recursion over our own files is fine.
    std::function<void(const json&, const std::string&)> check = [&](const json& node,
                                                                     const std::string& at) {
      if (!node.is_object() || node.contains("$ref") || node.value("readOnly", false)) return;
      std::vector<std::string> types;
      if (node.contains("type")) {
        if (node["type"].is_string()) types.push_back(node["type"]);
        if (node["type"].is_array()) {
          for (const auto& t : node["type"]) types.push_back(t);
        }
      }
      auto has = [&types](const char* t) {
        return std::find(types.begin(), types.end(), t) != types.end();
      };
      if (has("string")) {
        ++strings;
        EXPECT_TRUE(node.contains("maxLength") || node.contains("enum") ||
                    (node.contains("format") && node["format"] != "uri"))
            << name << at << " is an unbounded string";
      }
      if (has("array")) {
        ++lists;
        EXPECT_TRUE(node.contains("maxItems")) << name << at << " is an unbounded list";
        if (node.contains("items")) check(node["items"], at + "/items");
      }
      if (has("object")) {
        EXPECT_TRUE(node.value("additionalProperties", json(true)) == json(false) ||
                    node.contains("maxProperties"))
            << name << at << " takes unknown fields without bound";
        if (node.contains("additionalProperties")) {
          check(node["additionalProperties"], at + "/additionalProperties");
        }
      }
      if ((has("string") || has("number") || has("integer") || has("boolean")) && !at.empty()) {
        EXPECT_TRUE(node.contains("x-message") || node.contains("description"))
            << name << at << " has no Spanish message";
      }
      const json properties = node.value("properties", json::object());
      for (const auto& [key, sub] : properties.items()) check(sub, at + "/" + key);
      for (const char* combinator : {"allOf", "anyOf", "oneOf"}) {
        const json subs = node.value(combinator, json::array());
        for (const auto& sub : subs) check(sub, at);
      }
    };
    check(schema, "");
  }
  EXPECT_GT(strings, 30);
  EXPECT_GT(lists, 8);
}

}  // namespace
}  // namespace cabildo::testing
