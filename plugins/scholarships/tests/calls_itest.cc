// Calls over HTTP against the real services: drafts only writers and
// kCallRead holders see; publication refused with every missing duty listed
// at once; open=true; the state's single portal with each call's tenant;
// what a published call may still change, before and after anybody applied;
// 404 across tenants; If-Match; discarded drafts as tombstones for writers'
// sync; bad input in Spanish with nothing stored; every write audited.
// Applications are another part's route (applications.cc): where a test needs
// one, it inserts the row as the database owner, as a submission leaves it.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "scholarships_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

class CallsTest : public ScholarshipsTest {
 protected:
  void SetUp() override {
    ScholarshipsTest::SetUp();
    if (HasFatalFailure()) return;
    editor_ = MakeUser("editor-becas@durango.gob.mx", "editor", "durango");
  }

  static std::string CallPath(const std::string& id) { return "/calls/" + id; }

  // POST /calls as `token` (asserting 201): the created draft.
  json Create(const json& call, const std::string& tenant = "durango", std::string token = "") {
    return Post(tenant, "/calls", call, token.empty() ? editor_ : token, 201);
  }
  HttpResult Publish(const std::string& tenant, const std::string& id, const std::string& token,
                     std::map<std::string, std::string> headers = {}) {
    return Call("POST", Path(tenant, CallPath(id) + "/publish"), "", token, std::move(headers));
  }
  // A complete call of `tenant`, created and published; the published call.
  json Published(const std::string& title, const std::string& tenant = "durango",
                 std::string token = "") {
    const json draft = Create(CompleteCall(title), tenant, token);
    auto published = Publish(tenant, draft["id"], token.empty() ? editor_ : token);
    EXPECT_EQ(published.status, 200) << published.body;
    return json::parse(published.body, nullptr, false);
  }
  HttpResult Patch(const std::string& id, const json& patch, const std::string& tenant = "durango",
                   std::map<std::string, std::string> headers = {}) {
    return Call("PATCH", Path(tenant, CallPath(id)), patch.dump(), editor_, std::move(headers));
  }

  // The fields of a 422's errors, in order.
  static std::vector<std::string> Fields(const HttpResult& result) {
    std::vector<std::string> fields;
    const json problem = json::parse(result.body, nullptr, false);
    if (problem.is_object() && problem.contains("errors")) {
      for (const auto& e : problem["errors"]) fields.push_back(e.value("field", ""));
    }
    return fields;
  }

  // Every item of a list, following next_cursor (`query` without limit).
  std::vector<json> ListAll(const std::string& tenant, const std::string& query,
                            const std::string& token = "", int limit = 2) {
    std::vector<json> items;
    std::string cursor;
    for (int page = 0; page < 50; ++page) {
      std::string path = "/calls?limit=" + std::to_string(limit) + query;
      if (!cursor.empty()) path += "&cursor=" + cursor;
      const json answer = Get(tenant, path, token);
      if (!answer.is_object()) break;
      for (const auto& item : answer["items"]) items.push_back(item);
      if (answer["next_cursor"].is_null()) return items;
      cursor = answer["next_cursor"].get<std::string>();
    }
    ADD_FAILURE() << "the list never ended";
    return items;
  }
  static std::set<std::string> Titles(const std::vector<json>& items) {
    std::set<std::string> titles;
    for (const auto& item : items) titles.insert(item.value("title", "<tombstone>"));
    return titles;
  }

  // Runs `sql` as the database owner with every tenant in scope, `id` as $1.
  std::string Owner(const std::string& sql, const std::string& id) {
    return AsOwner([&](pqxx::work& work) {
      auto rows = work.exec_params(sql, id);
      return rows.empty() || rows[0][0].is_null() ? std::string() : rows[0][0].as<std::string>();
    });
  }
  // An application to call `id` as a submission leaves it (the route is
  // applications.cc's): what makes a call's rules fixed.
  void SeedApplication(const std::string& id) {
    Owner(
        "INSERT INTO scholarships.applications (tenant_id, call_id, applicant_id, curp_digest, "
        "personal_data) SELECT tenant_id, id, gen_random_uuid(), repeat('a', 64), 'v1.AAAA' "
        "FROM scholarships.calls WHERE id = $1::uuid RETURNING id::text",
        id);
  }
  int64_t AuditCount(const std::string& action) {
    return std::stoll(Owner("SELECT count(*) FROM core.audit_log WHERE action = $1", action));
  }

  std::string editor_;
};

// A whole draft comes back as sent (amounts as money text, instants in UTC),
// only writers and kCallRead holders see it, publishing makes it public and
// open, and each write is audited.
TEST_F(CallsTest, CreateReadPublishRoundTrip) {
  const json sent = CompleteCall("Becas para la Permanencia Escolar 2027");
  const json created = Create(sent);
  ASSERT_TRUE(created.contains("id")) << created;
  for (const char* key : {"title", "description", "program", "area", "target_population",
                          "objectives", "requirements", "eligibility", "selection_criteria",
                          "budget_mxn", "slots", "legal_basis", "rules_url", "privacy_notice_url",
                          "complaints_procedure", "contact", "questions", "amount_mxn"}) {
    EXPECT_EQ(created[key], sent[key]) << key;
  }
  for (const char* key : {"opens_at", "closes_at", "results_at"}) {
    const std::string out = created[key];
    EXPECT_EQ(out.substr(0, 19), sent[key].get<std::string>().substr(0, 19)) << key;
    EXPECT_EQ(out.back(), 'Z') << key;
  }
  EXPECT_EQ(created["tenant"], "durango");
  EXPECT_EQ(created["status"], "draft");
  EXPECT_EQ(created["open"], false);
  EXPECT_EQ(created["published_at"], nullptr);
  EXPECT_EQ(created["resolved_at"], nullptr);
  const std::string id = created["id"];

  // The draft: its writers and kCallRead holders (auditor, reviewer) read it;
  // the public, a citizen and another tenant's editor get 404.
  EXPECT_EQ(Get("durango", CallPath(id), editor_), created);
  EXPECT_EQ(Get("durango", CallPath(id), MakeUser("auditor@durango.gob.mx", "auditor", "durango")),
            created);
  EXPECT_EQ(
      Get("durango", CallPath(id), MakeUser("dictamen@durango.gob.mx", "reviewer", "durango")),
      created);
  Get("durango", CallPath(id), "", 404);
  Get("durango", CallPath(id), MakeCitizen("ciudadana@correo.mx"), 404);
  Get("durango", CallPath(id), MakeUser("editor@municipio.mx", "editor", "municipio-durango"), 404);
  const json problem = Get("durango", CallPath(id), "", 404);
  EXPECT_EQ(problem.value("detail", ""), "No existe la convocatoria.") << problem;

  // Published: public, open now (it opened an hour ago).
  auto published = Publish("durango", id, editor_);
  ASSERT_EQ(published.status, 200) << published.body;
  const json call = json::parse(published.body);
  EXPECT_EQ(call["status"], "published");
  EXPECT_EQ(call["open"], true);
  EXPECT_TRUE(call["published_at"].is_string());
  EXPECT_EQ(call["title"], sent["title"]);
  EXPECT_EQ(Get("durango", CallPath(id)), call);
  EXPECT_EQ(Get("durango", CallPath(id), MakeCitizen("otra@correo.mx")), call);

  // Publishing twice: 409, nothing changes.
  auto again = Publish("durango", id, editor_);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(Get("durango", CallPath(id)), call);

  EXPECT_EQ(AuditCount("scholarships.call.create"), 1);
  EXPECT_EQ(AuditCount("scholarships.call.publish"), 1);
  EXPECT_EQ(Owner("SELECT changes::jsonb->'after'->>'status' FROM core.audit_log "
                  "WHERE action = 'scholarships.call.publish' AND entity_id = $1",
                  id),
            "published");
}

// Publication duties: a bare draft lists every missing one at once, each
// with its field and a Spanish message; nothing is published. Blank text
// counts as missing; a contact needs an email or a phone; a window already
// closed is refused too.
TEST_F(CallsTest, PublishListsEveryMissingDutyAtOnce) {
  const json bare = Create({{"title", "Beca en preparación"},
                            {"amount_mxn", "0"},
                            {"slots", 3},
                            {"opens_at", HoursFromNow(-1)},
                            {"closes_at", HoursFromNow(48)}});
  const std::string id = bare["id"];
  auto refused = Publish("durango", id, editor_);
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Fields(refused),
            (std::vector<std::string>{"description", "program", "area", "target_population",
                                      "requirements", "eligibility", "selection_criteria",
                                      "amount_mxn", "legal_basis", "rules_url",
                                      "privacy_notice_url", "complaints_procedure", "contact"}));
  const json problem = json::parse(refused.body);
  for (const auto& error : problem["errors"]) {
    EXPECT_GT(error["message"].get<std::string>().size(), 20u) << error;
  }
  EXPECT_NE(problem["detail"].get<std::string>().find("13 datos"), std::string::npos) << problem;
  Get("durango", CallPath(id), "", 404);
  EXPECT_EQ(Get("durango", CallPath(id), editor_)["status"], "draft");
  EXPECT_EQ(AuditCount("scholarships.call.publish"), 0);

  // Complete but for blank text, an empty list, an empty eligibility and a
  // contact without email or phone.
  json almost = CompleteCall("Beca casi completa");
  almost["program"] = "   ";
  almost["requirements"] = json::array();
  almost["eligibility"] = json::object();
  almost["contact"] = {{"name", "Departamento de Becas"}, {"hours", "De 9:00 a 15:00"}};
  const json draft = Create(almost);
  refused = Publish("durango", draft["id"], editor_);
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Fields(refused),
            (std::vector<std::string>{"program", "requirements", "eligibility", "contact"}));

  // A complete call whose window already closed.
  const json late = Create(CompleteCall("Beca vencida"));
  ASSERT_EQ(SetWindow(late["id"], HoursFromNow(-48), HoursFromNow(-24)), 1);
  refused = Publish("durango", late["id"], editor_);
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Fields(refused), std::vector<std::string>{"closes_at"});

  // Who may publish: not the public, not an auditor, not a reviewer.
  EXPECT_EQ(Publish("durango", id, "").status, 401);
  EXPECT_EQ(Publish("durango", id, MakeUser("auditor@durango.gob.mx", "auditor", "durango")).status,
            403);
  EXPECT_EQ(
      Publish("durango", id, MakeUser("dictamen@durango.gob.mx", "reviewer", "durango")).status,
      403);
  EXPECT_EQ(AuditCount("scholarships.call.publish"), 0);
}

// status and open follow the clock; open=true lists exactly the calls that
// accept applications now, open=false the others.
TEST_F(CallsTest, OpenFilterFollowsTheWindow) {
  const json open = Published("Abierta");
  json future_call = CompleteCall("Abre mañana");
  future_call["opens_at"] = HoursFromNow(24);
  const json draft_future = Create(future_call);
  ASSERT_EQ(Publish("durango", draft_future["id"], editor_).status, 200);
  const json closed = Published("Cerrada");
  ASSERT_EQ(SetWindow(closed["id"], HoursFromNow(-48), HoursFromNow(-1)), 1);
  const json resolved = Published("Resuelta");
  ASSERT_EQ(SetWindow(resolved["id"], HoursFromNow(-48), HoursFromNow(-2)), 1);
  Owner(
      "UPDATE scholarships.calls SET status = 'resolved', resolved_at = now() "
      "WHERE id = $1::uuid RETURNING id::text",
      resolved["id"]);
  Create(CompleteCall("Borrador abierto"));  // never listed to the public

  const json future = Get("durango", CallPath(draft_future["id"]));
  EXPECT_EQ(future["status"], "published");
  EXPECT_EQ(future["open"], false);
  EXPECT_EQ(Get("durango", CallPath(closed["id"]))["status"], "closed");
  EXPECT_EQ(Get("durango", CallPath(closed["id"]))["open"], false);
  EXPECT_EQ(Get("durango", CallPath(resolved["id"]))["status"], "resolved");
  EXPECT_EQ(Get("durango", CallPath(open["id"]))["open"], true);

  const std::string citizen = MakeCitizen("estudiante@correo.mx");
  for (const std::string& token : {std::string(), citizen}) {
    EXPECT_EQ(Titles(ListAll("durango", "&open=true", token)), std::set<std::string>{"Abierta"});
    EXPECT_EQ(Titles(ListAll("durango", "&open=false", token)),
              (std::set<std::string>{"Abre mañana", "Cerrada", "Resuelta"}));
    EXPECT_EQ(Titles(ListAll("durango", "", token)),
              (std::set<std::string>{"Abierta", "Abre mañana", "Cerrada", "Resuelta"}));
  }
  // Writers see the draft too; open=true still only the open one.
  EXPECT_EQ(Titles(ListAll("durango", "&open=true", editor_)), std::set<std::string>{"Abierta"});
  EXPECT_EQ(ListAll("durango", "", editor_).size(), 5u);
  auto bad = Call("GET", Path("durango", "/calls?open=quizas"));
  EXPECT_EQ(bad.status / 100, 4) << bad.body;
}

// include_descendants on the state: the single portal of every published
// call of the state and its municipalities, each saying its tenant; a
// municipality's own list has only its calls; paging returns each once.
TEST_F(CallsTest, TheStatePortalListsEveryTenantsCallsWithTheirTenant) {
  EnableFor("gomez-palacio");
  const std::string municipal =
      MakeUser("editor@municipiodurango.gob.mx", "editor", "municipio-durango");
  const std::string gomez = MakeUser("editor@gomezpalacio.gob.mx", "editor", "gomez-palacio");
  Published("Estatal 1");
  Published("Estatal 2");
  Published("Municipal 1", "municipio-durango", municipal);
  Published("Municipal 2", "municipio-durango", municipal);
  Published("Gómez 1", "gomez-palacio", gomez);
  Create(CompleteCall("Borrador municipal"), "municipio-durango", municipal);

  const std::vector<json> portal = ListAll("durango", "&include_descendants=true");
  std::map<std::string, std::string> tenant_of;
  for (const auto& item : portal) tenant_of[item["title"]] = item["tenant"];
  EXPECT_EQ(tenant_of, (std::map<std::string, std::string>{{"Estatal 1", "durango"},
                                                           {"Estatal 2", "durango"},
                                                           {"Municipal 1", "municipio-durango"},
                                                           {"Municipal 2", "municipio-durango"},
                                                           {"Gómez 1", "gomez-palacio"}}));
  EXPECT_EQ(portal.size(), 5u);  // each once across pages of 2
  EXPECT_EQ(Titles(ListAll("durango", "&include_descendants=true&open=true", "", 100)).size(), 5u);
  EXPECT_EQ(Titles(ListAll("durango", "")), (std::set<std::string>{"Estatal 1", "Estatal 2"}));
  EXPECT_EQ(Titles(ListAll("municipio-durango", "")),
            (std::set<std::string>{"Municipal 1", "Municipal 2"}));
  // The municipality's editor sees its draft in its list; the state's
  // anonymous portal never does.
  EXPECT_EQ(Titles(ListAll("municipio-durango", "", municipal)),
            (std::set<std::string>{"Municipal 1", "Municipal 2", "Borrador municipal"}));
  // An item is read at its own tenant's path.
  const std::string one = portal.front()["id"];
  const std::string its = portal.front()["tenant"];
  EXPECT_EQ(Get(its, CallPath(one))["id"], one);
}

// Drafts: never in the public's list nor in a citizen's; in the list of
// kCallRead holders of the tenant (or of the state above it), not in that
// of another municipality's editor.
TEST_F(CallsTest, DraftsAreInvisibleToThePublicAndVisibleToCallReaders) {
  Published("Publicada");
  const json draft = Create(CompleteCall("Borrador"));
  const std::string auditor = MakeUser("auditor@durango.gob.mx", "auditor", "durango");
  const std::string other = MakeUser("editor@municipio.mx", "editor", "municipio-durango");
  EXPECT_EQ(Titles(ListAll("durango", "")), std::set<std::string>{"Publicada"});
  EXPECT_EQ(Titles(ListAll("durango", "", MakeCitizen("c@correo.mx"))),
            std::set<std::string>{"Publicada"});
  EXPECT_EQ(Titles(ListAll("durango", "", other)), std::set<std::string>{"Publicada"});
  EXPECT_EQ(Titles(ListAll("durango", "", auditor)),
            (std::set<std::string>{"Publicada", "Borrador"}));
  const json item = Get("durango", CallPath(draft["id"]), auditor);
  EXPECT_EQ(item["status"], "draft");
  // The state's auditor reads the municipality's drafts (a role above it).
  const json municipal = Create(CompleteCall("Borrador municipal"), "municipio-durango", other);
  EXPECT_EQ(Get("municipio-durango", CallPath(municipal["id"]), auditor)["status"], "draft");
  EXPECT_EQ(Titles(ListAll("durango", "&include_descendants=true", auditor)),
            (std::set<std::string>{"Publicada", "Borrador", "Borrador municipal"}));
  EXPECT_EQ(Titles(ListAll("durango", "&include_descendants=true")),
            std::set<std::string>{"Publicada"});
  // An auditor reads but never writes.
  EXPECT_EQ(
      Call("PATCH", Path("durango", CallPath(draft["id"])), R"({"title":"Otro"})", auditor).status,
      403);
  EXPECT_EQ(Call("POST", Path("durango", "/calls"), CompleteCall("x").dump(), auditor).status, 403);
  EXPECT_EQ(Call("POST", Path("durango", "/calls"), CompleteCall("x").dump()).status, 401);
}

// A published call: text may be corrected and deadlines extended, never
// shortened; its duties stay (422); before anybody applied its amount, slots,
// opening, eligibility and questions may change; after, they are fixed
// (slots may grow) with a Spanish 409; a resolved call is not edited.
TEST_F(CallsTest, PatchRulesOnPublishedCalls) {
  const json call = Published("Beca de transporte");
  const std::string id = call["id"];

  // A draft changes at will (shortening its window included).
  const json draft = Create(CompleteCall("Borrador"));
  auto edited = Patch(draft["id"], {{"closes_at", HoursFromNow(2)}, {"amount_mxn", "10"}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(json::parse(edited.body)["amount_mxn"], "10.00");

  // Text, and extending the deadlines.
  edited = Patch(id, {{"title", "Beca de transporte escolar"},
                      {"closes_at", HoursFromNow(24 * 10)},
                      {"results_at", HoursFromNow(24 * 20)}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  json after = json::parse(edited.body);
  EXPECT_EQ(after["title"], "Beca de transporte escolar");
  EXPECT_EQ(after["status"], "published");
  EXPECT_EQ(after["description"], call["description"]);

  // Never earlier, never removed.
  auto refused = Patch(id, {{"closes_at", HoursFromNow(24)}});
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("closes_at"), std::string::npos) << refused.body;
  EXPECT_EQ(Patch(id, {{"results_at", HoursFromNow(24 * 15)}}).status, 409);
  EXPECT_EQ(Patch(id, {{"results_at", nullptr}}).status, 409);

  // Its publication duties stay.
  refused = Patch(id, {{"description", nullptr}, {"legal_basis", json::array()}});
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Fields(refused), (std::vector<std::string>{"description", "legal_basis"}));

  // Nobody applied yet: amount, slots, opening, eligibility may change.
  edited = Patch(id, {{"amount_mxn", "3500.00"},
                      {"slots", 4},
                      {"eligibility", {{"min_age", 16}, {"max_age", 29}}}});
  ASSERT_EQ(edited.status, 200) << edited.body;

  // Somebody applied: those are fixed, slots only grow.
  ASSERT_NO_FATAL_FAILURE(SeedApplication(id));
  const json fixed = Get("durango", CallPath(id), editor_);
  struct Case {
    json patch;
    std::string words;
  };
  const std::vector<Case> cases = {
      {{{"amount_mxn", "4000.00"}}, "amount_mxn"},
      {{{"slots", 3}}, "slots"},
      {{{"opens_at", HoursFromNow(-3)}}, "opens_at"},
      {{{"eligibility", {{"min_age", 15}}}}, "eligibility"},
      {{{"eligibility", nullptr}}, "eligibility"},
      {{{"questions", json::array()}}, "questions"},
  };
  for (const auto& c : cases) {
    refused = Patch(id, c.patch);
    EXPECT_EQ(refused.status, 409) << c.patch << refused.body;
    EXPECT_NE(refused.body.find(c.words), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("solicitudes"), std::string::npos) << refused.body;
  }
  EXPECT_EQ(Get("durango", CallPath(id), editor_), fixed);
  // The same values (the whole item sent back) are no change; more slots are fine.
  json whole = fixed;
  whole["slots"] = 6;
  edited = Patch(id, whole);
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(json::parse(edited.body)["slots"], 6);
  EXPECT_EQ(json::parse(edited.body)["amount_mxn"], "3500.00");

  // Resolved: nothing changes any more.
  Owner(
      "UPDATE scholarships.calls SET status = 'resolved', resolved_at = now() "
      "WHERE id = $1::uuid RETURNING id::text",
      id);
  refused = Patch(id, {{"title", "Otra"}});
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("resultados"), std::string::npos) << refused.body;
  EXPECT_EQ(Publish("durango", id, editor_).status, 409);
  EXPECT_EQ(Call("DELETE", Path("durango", CallPath(id)), "", editor_).status, 409);
}

// Another tenant's call is not found at this tenant's path, for every route.
TEST_F(CallsTest, AnotherTenantsCallIsNotFound) {
  const json call = Published("Estatal");
  const json draft = Create(CompleteCall("Borrador estatal"));
  // The state's editor has a role above the municipality: allowed there, yet
  // the ids are the state's.
  for (const json& c : {call, draft}) {
    const std::string path = Path("municipio-durango", CallPath(c["id"]));
    EXPECT_EQ(Call("GET", path).status, 404);
    EXPECT_EQ(Call("GET", path, "", editor_).status, 404);
    EXPECT_EQ(Call("PATCH", path, R"({"title":"Otra"})", editor_).status, 404);
    EXPECT_EQ(Call("DELETE", path, "", editor_).status, 404);
    EXPECT_EQ(Call("POST", path + "/publish", "", editor_).status, 404);
  }
  EXPECT_EQ(Call("GET", Path("durango", "/calls/no-es-un-uuid")).status, 404);
  EXPECT_EQ(Call("GET", Path("durango", "/calls/00000000-0000-4000-8000-000000000000")).status,
            404);
  EXPECT_EQ(Get("durango", CallPath(draft["id"]), editor_)["title"], "Borrador estatal");
  // A tenant without the module: 404 too.
  EXPECT_EQ(Call("GET", Path("tepehuanes", CallPath(call["id"]))).status, 404);
}

// If-Match: a stale ETag is 412 and changes nothing, on PATCH, publish and
// DELETE; the current one passes.
TEST_F(CallsTest, AStaleIfMatchIs412) {
  const json draft = Create(CompleteCall("Beca"));
  const std::string id = draft["id"];
  const std::string path = Path("durango", CallPath(id));
  const std::string etag = Call("GET", path, "", editor_).Header("etag");
  ASSERT_FALSE(etag.empty());
  ASSERT_EQ(Patch(id, {{"title", "Beca 2"}}, "durango", {{"If-Match", etag}}).status, 200);
  EXPECT_EQ(Patch(id, {{"title", "Beca 3"}}, "durango", {{"If-Match", etag}}).status, 412);
  EXPECT_EQ(Publish("durango", id, editor_, {{"If-Match", etag}}).status, 412);
  EXPECT_EQ(Call("DELETE", path, "", editor_, {{"If-Match", etag}}).status, 412);
  const json current = Get("durango", CallPath(id), editor_);
  EXPECT_EQ(current["title"], "Beca 2");
  EXPECT_EQ(current["status"], "draft");
  const std::string fresh = Call("GET", path, "", editor_).Header("etag");
  auto published = Publish("durango", id, editor_, {{"If-Match", fresh}});
  EXPECT_EQ(published.status, 200) << published.body;
}

// DELETE discards a draft: 404 afterwards, a tombstone in the writers' list
// with updated_since (never in the public's), and a published call is never
// deleted (409).
TEST_F(CallsTest, DiscardedDraftsAreTombstonesForWritersSync) {
  const json published = Published("Publicada");
  const std::string since = At(std::chrono::seconds(-5));
  const json kept = Create(CompleteCall("Se queda"));
  const json discarded = Create(CompleteCall("Se descarta"));
  const std::string path = Path("durango", CallPath(discarded["id"]));
  ASSERT_EQ(Call("DELETE", path, "", editor_).status, 204);
  EXPECT_EQ(Call("GET", path, "", editor_).status, 404);
  EXPECT_EQ(Call("PATCH", path, R"({"title":"Otra"})", editor_).status, 404);
  EXPECT_EQ(Call("DELETE", path, "", editor_).status, 404);
  EXPECT_EQ(Call("POST", path + "/publish", "", editor_).status, 404);
  auto refused = Call("DELETE", Path("durango", CallPath(published["id"])), "", editor_);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(Get("durango", CallPath(published["id"]))["status"], "published");

  // Writers' sync: the tombstone says only what sync needs.
  const std::vector<json> synced = ListAll("durango", "&updated_since=" + since, editor_);
  EXPECT_EQ(synced.size(), 3u);
  bool saw_tombstone = false;
  for (const auto& item : synced) {
    if (item["id"] != discarded["id"]) continue;
    saw_tombstone = true;
    EXPECT_EQ(item, json({{"id", discarded["id"]},
                          {"tenant", "durango"},
                          {"updated_at", item["updated_at"]},
                          {"deleted", true}}));
  }
  EXPECT_TRUE(saw_tombstone);
  // Without updated_since, no tombstones; the public never sees one.
  EXPECT_EQ(Titles(ListAll("durango", "", editor_)),
            (std::set<std::string>{"Publicada", "Se queda"}));
  EXPECT_EQ(Titles(ListAll("durango", "&updated_since=" + since)),
            std::set<std::string>{"Publicada"});
  // updated_since after every change: nothing.
  EXPECT_TRUE(ListAll("durango", "&updated_since=" + HoursFromNow(1), editor_).empty());
  EXPECT_EQ(AuditCount("scholarships.call.delete"), 1);
  EXPECT_EQ(Owner("SELECT (deleted_at IS NOT NULL)::text FROM scholarships.calls "
                  "WHERE id = $1::uuid",
                  discarded["id"]),
            "true");
  EXPECT_TRUE(kept.contains("id"));
}

// Bad input: a Spanish 422 naming the field, nothing stored.
TEST_F(CallsTest, BadInputIs422AndStoresNothing) {
  struct Case {
    json patch;         // merged into a complete call
    std::string field;  // the error's field
  };
  const std::vector<Case> cases = {
      {{{"closes_at", HoursFromNow(-2)}}, "closes_at"},
      {{{"results_at", HoursFromNow(24)}}, "results_at"},
      {{{"eligibility", {{"min_age", 30}, {"max_age", 18}}}}, "eligibility.max_age"},
      {{{"eligibility", {{"residence_tenant", "atlantida"}}}}, "eligibility.residence_tenant"},
      {{{"eligibility", {{"residence_tenant", "Durango!"}}}}, "eligibility.residence_tenant"},
      {{{"eligibility", {{"min_gpa", 11}}}}, "eligibility.min_gpa"},
      {{{"eligibility", {{"education_levels", {"kinder"}}}}}, "eligibility.education_levels[0]"},
      {{{"questions", {{{"code", "Motivo"}, {"text", "¿Por qué?"}}}}}, "questions[0].code"},
      {{{"questions",
         {{{"code", "motivo"}, {"text", "¿Por qué?"}}, {{"code", "motivo"}, {"text", "¿Y?"}}}}},
       "questions[1].code"},
      {{{"amount_mxn", "-5"}}, "amount_mxn"},
      {{{"amount_mxn", "99999999999999"}}, "amount_mxn"},
      {{{"budget_mxn", "tres mil"}}, "budget_mxn"},
      {{{"slots", 0}}, "slots"},
      {{{"title", "No"}}, "title"},
      {{{"opens_at", "mañana"}}, "opens_at"},
      {{{"rules_url", "javascript:alert(1)"}}, "rules_url"},
      {{{"contact", {{"email", "no-es-correo"}}}}, "contact.email"},
      {{{"color", "azul"}}, "color"},
  };
  for (const auto& c : cases) {
    json body = CompleteCall("Beca con error");
    body.update(c.patch);
    auto result = Call("POST", Path("durango", "/calls"), body.dump(), editor_);
    ASSERT_EQ(result.status, 422) << c.patch << " " << result.body;
    const auto fields = Fields(result);
    EXPECT_NE(std::find(fields.begin(), fields.end(), c.field), fields.end())
        << c.field << " " << result.body;
  }
  auto missing = Call("POST", Path("durango", "/calls"), json::object().dump(), editor_);
  ASSERT_EQ(missing.status, 422) << missing.body;
  for (const char* field : {"title", "amount_mxn", "slots", "opens_at", "closes_at"}) {
    const auto fields = Fields(missing);
    EXPECT_NE(std::find(fields.begin(), fields.end(), field), fields.end()) << field;
  }
  EXPECT_EQ(Owner("SELECT count(*)::text FROM scholarships.calls WHERE document->>'title' = $1",
                  "Beca con error"),
            "0");

  // The same rules on PATCH, nothing changed.
  const json draft = Create(CompleteCall("Beca"));
  auto result = Patch(draft["id"], {{"closes_at", HoursFromNow(-3)}});
  ASSERT_EQ(result.status, 422) << result.body;
  EXPECT_EQ(Fields(result), std::vector<std::string>{"closes_at"});
  EXPECT_EQ(Get("durango", CallPath(draft["id"]), editor_), draft);
  // A known residence tenant is accepted.
  result = Patch(draft["id"], {{"eligibility", {{"residence_tenant", "municipio-durango"}}}});
  EXPECT_EQ(result.status, 200) << result.body;
}

// The public's answers change by themselves when a window opens or closes:
// GETs set fresh_until (NextWindowChange) and the host's public cache keeps
// them no longer.
TEST_F(CallsTest, AnonymousAnswersFollowTheWindowThroughThePublicCache) {
  json soon = CompleteCall("Abre en segundos");
  soon["opens_at"] = At(std::chrono::seconds(3));
  const json draft = Create(soon);
  ASSERT_EQ(Publish("durango", draft["id"], editor_).status, 200);
  EXPECT_TRUE(ListAll("durango", "&open=true", "", 20).empty());  // now cached
  EXPECT_EQ(Get("durango", CallPath(draft["id"]))["open"], false);
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_EQ(Titles(ListAll("durango", "&open=true", "", 20)),
            std::set<std::string>{"Abre en segundos"});
  EXPECT_EQ(Get("durango", CallPath(draft["id"]))["open"], true);
}

}  // namespace
}  // namespace cabildo::testing
