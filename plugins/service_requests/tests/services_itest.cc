// Service types and API keys over HTTP against the real services: the CRUD
// of services with their Open311 attributes (a 422 naming the place of every
// bad definition, 409 for a taken code, for a code that requests already
// name and for deleting a service with open requests), paging and sync with
// tombstones, the state's view of its municipalities, If-Match, every write
// audited, staff of another municipality refused; API keys shown once and
// stored only as a digest, listed without the key, revoked idempotently,
// admins only. Requests are other parts' routes: where a test needs one it
// seeds the row as the database owner (InsertRequest).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "service_requests_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

class ServicesTest : public ServiceRequestsTest {
 protected:
  void SetUp() override {
    ServiceRequestsTest::SetUp();
    if (HasFatalFailure()) return;
    editor_ = MakeUser("editor-servicios@gomezpalacio.gob.mx", "editor", "gomez-palacio");
  }

  static std::string At(std::chrono::seconds offset) {
    const std::time_t when =
        std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + offset);
    std::tm utc{};
    gmtime_r(&when, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
  }

  // POST /services as the editor (or `token`), asserting `status`.
  json Create(const json& service, const std::string& tenant = "gomez-palacio",
              const std::string& token = "", int status = 201) {
    return Post(tenant, "/services", service, token.empty() ? editor_ : token, status);
  }
  HttpResult Patch(const std::string& id, const json& patch,
                   std::map<std::string, std::string> headers = {},
                   const std::string& tenant = "gomez-palacio", const std::string& token = "") {
    return Call("PATCH", Path(tenant, "/services/" + id), patch.dump(),
                token.empty() ? editor_ : token, std::move(headers));
  }
  HttpResult Delete(const std::string& id, const std::string& tenant = "gomez-palacio",
                    const std::string& token = "") {
    return Call("DELETE", Path(tenant, "/services/" + id), "", token.empty() ? editor_ : token);
  }

  // The fields of a 422's errors.
  static std::vector<std::string> Fields(const HttpResult& result) {
    std::vector<std::string> fields;
    const json problem = json::parse(result.body, nullptr, false);
    if (problem.is_object() && problem.contains("errors")) {
      for (const auto& e : problem["errors"]) fields.push_back(e.value("field", ""));
    }
    return fields;
  }

  // Every item of GET /services (`query` starts with '&'), following next_cursor.
  std::vector<json> ListAll(const std::string& tenant, const std::string& query = "",
                            int limit = 2) {
    std::vector<json> items;
    std::string cursor;
    for (int page = 0; page < 50; ++page) {
      std::string path = "/services?limit=" + std::to_string(limit) + query;
      if (!cursor.empty()) path += "&cursor=" + cursor;
      const json answer = Get(Path(tenant, path));
      if (!answer.is_object()) break;
      for (const auto& item : answer["items"]) items.push_back(item);
      if (answer["next_cursor"].is_null()) return items;
      cursor = answer["next_cursor"].get<std::string>();
    }
    ADD_FAILURE() << "the list never ended";
    return items;
  }
  static std::set<std::string> Codes(const std::vector<json>& items) {
    std::set<std::string> codes;
    for (const auto& item : items) codes.insert(item.value("service_code", "<tombstone>"));
    return codes;
  }

  // Runs `sql` as the owner with every tenant in scope, `arg` as $1; the
  // first column of the first row ("" when none or null).
  std::string Owner(const std::string& sql, const std::string& arg = "") {
    return AsOwner([&](pqxx::work& work) {
      auto rows = arg.empty() ? work.exec(sql) : work.exec_params(sql, arg);
      return rows.empty() || rows[0][0].is_null() ? std::string() : rows[0][0].as<std::string>();
    });
  }
  int64_t AuditCount(const std::string& action) {
    return std::stoll(Owner("SELECT count(*) FROM core.audit_log WHERE action = $1", action));
  }

  std::string editor_;
};

// --- services ------------------------------------------------------------------

// A whole service comes back as sent, its attributes as Open311 publishes
// them (every field, in order), public to anyone, listed, and audited.
TEST_F(ServicesTest, CreateReadListRoundTrip) {
  const json sent = StreetCleaningService();
  const json created = Create(sent);
  ASSERT_TRUE(created.contains("id")) << created;
  EXPECT_EQ(created["tenant"], "gomez-palacio");
  for (const char* field :
       {"service_code", "name", "description", "group", "keywords", "type", "agency_responsible"}) {
    EXPECT_EQ(created[field], sent[field]) << field;
  }
  EXPECT_EQ(created["active"], true);
  EXPECT_EQ(created["metadata"], true);
  EXPECT_FALSE(created["created_at"].get<std::string>().empty());
  ASSERT_EQ(created["attributes"].size(), 3u);
  // Published form: defaults filled in, sorted by order.
  const json& first = created["attributes"][0];
  EXPECT_EQ(first["code"], "aviso");
  EXPECT_EQ(first["variable"], false);
  EXPECT_EQ(first["required"], false);
  EXPECT_EQ(first["datatype_description"], "");
  EXPECT_EQ(first["values"], json::array());
  EXPECT_EQ(created["attributes"][1]["code"], "tipo_residuo");
  EXPECT_EQ(created["attributes"][1]["values"].size(), 4u);
  EXPECT_EQ(created["attributes"][2]["datatype_description"],
            "Metros cúbicos aproximados, p. ej. 0.5");

  // Anyone reads it, and the list has it.
  const json read = Get(Path("gomez-palacio", "/services/" + created["id"].get<std::string>()));
  EXPECT_EQ(read, created);
  const auto listed = ListAll("gomez-palacio");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0], created);
  EXPECT_EQ(AuditCount("service-requests.service.create"), 1);

  // A service without attributes: metadata false, defaults for the rest.
  const json bare = Create({{"service_code", "bache"}, {"name", "Bache en la calle"}});
  EXPECT_EQ(bare["metadata"], false);
  EXPECT_EQ(bare["attributes"], json::array());
  EXPECT_EQ(bare["type"], "realtime");
  EXPECT_EQ(bare["keywords"], json::array());
  EXPECT_EQ(bare["group"], "");
  EXPECT_EQ(bare["active"], true);
  // Unknown ids: 404, malformed or not.
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/services/no-es-un-uuid")).status, 404);
  EXPECT_EQ(
      Call("GET", Path("gomez-palacio", "/services/00000000-0000-4000-8000-000000000000")).status,
      404);
  // Another municipality's id under this one: 404.
  EXPECT_EQ(Call("GET", Path("tepehuanes", "/services/" + created["id"].get<std::string>())).status,
            404);
}

// Every bad attribute definition (and bad service field) is a 422 naming
// its place, in Spanish; nothing is stored.
TEST_F(ServicesTest, BadDefinitionsAre422NamingThePlace) {
  struct Case {
    json attributes;
    std::string field;
  };
  const json list_value = {{"key", "a"}, {"name", "A"}};
  auto attribute = [](json patch) {
    json base = {{"code", "pregunta"}, {"datatype", "string"}, {"description", "¿Qué pasa?"}};
    base.update(patch);
    return base;
  };
  const std::vector<Case> cases = {
      {{attribute({{"code", "con espacio"}})}, "attributes[0].code"},
      {{attribute(json::object()), attribute(json::object())}, "attributes[1].code"},
      {{attribute({{"datatype", "color"}})}, "attributes[0].datatype"},
      {{attribute({{"datatype", "singlevaluelist"}})}, "attributes[0].values"},
      {{attribute({{"datatype", "multivaluelist"}, {"values", json::array()}})},
       "attributes[0].values"},
      {{attribute({{"values", {list_value}}})}, "attributes[0].values"},
      {{attribute({{"datatype", "singlevaluelist"}, {"values", {list_value, list_value}}})},
       "attributes[0].values[1].key"},
      {{attribute({{"datatype", "singlevaluelist"}, {"values", {{{"key", "a"}}}}})},
       "attributes[0].values[0].name"},
      {{attribute({{"order", 20000}})}, "attributes[0].order"},
      {{attribute({{"order", 1.5}})}, "attributes[0].order"},
      {{attribute({{"required", "sí"}})}, "attributes[0].required"},
      {{attribute({{"variable", 1}})}, "attributes[0].variable"},
      {{json{{"code", "sin_pregunta"}, {"datatype", "string"}}}, "attributes[0].description"},
      {{attribute({{"description", std::string(501, 'x')}})}, "attributes[0].description"},
      {{attribute({{"datatype_description", std::string(501, 'x')}})},
       "attributes[0].datatype_description"},
      {{attribute({{"color", "azul"}})}, "attributes[0].color"},
      {{attribute(json::object()),
        attribute({{"code", "otra"}, {"datatype", "number"}, {"values", "a,b"}})},
       "attributes[1].values"},
  };
  for (const auto& c : cases) {
    json body = StreetCleaningService();
    body["attributes"] = c.attributes;
    auto result = Call("POST", Path("gomez-palacio", "/services"), body.dump(), editor_);
    ASSERT_EQ(result.status, 422) << c.field << " " << result.body;
    const auto fields = Fields(result);
    EXPECT_NE(std::find(fields.begin(), fields.end(), c.field), fields.end())
        << c.field << " " << result.body;
    EXPECT_NE(result.body.find("\"detail\""), std::string::npos);
  }
  // More than 50 attributes, or attributes that are not objects.
  {
    json body = StreetCleaningService();
    body["attributes"] = json::array();
    for (int i = 0; i < 51; ++i)
      body["attributes"].push_back(attribute({{"code", "p" + std::to_string(i)}}));
    auto result = Call("POST", Path("gomez-palacio", "/services"), body.dump(), editor_);
    EXPECT_EQ(result.status, 422) << result.body;
    body["attributes"] = {"texto"};
    result = Call("POST", Path("gomez-palacio", "/services"), body.dump(), editor_);
    EXPECT_EQ(result.status, 422) << result.body;
  }
  // The service's own fields.
  const std::vector<std::pair<json, std::string>> fields = {
      {{{"service_code", "con espacio"}}, "service_code"},
      {{{"service_code", "limpieza/calles"}}, "service_code"},
      {{{"service_code", std::string(65, 'a')}}, "service_code"},
      {{{"name", ""}}, "name"},
      {{{"type", "diario"}}, "type"},
      {{{"keywords", {"basura, escombro"}}}, "keywords[0]"},
      {{{"description", std::string(2001, 'x')}}, "description"},
      {{{"active", "sí"}}, "active"},
      {{{"color", "azul"}}, "color"},
  };
  for (const auto& [patch, field] : fields) {
    json body = StreetCleaningService();
    body.update(patch);
    auto result = Call("POST", Path("gomez-palacio", "/services"), body.dump(), editor_);
    ASSERT_EQ(result.status, 422) << patch << " " << result.body;
    const auto got = Fields(result);
    EXPECT_NE(std::find(got.begin(), got.end(), field), got.end()) << field << " " << result.body;
  }
  auto missing = Call("POST", Path("gomez-palacio", "/services"), "{}", editor_);
  ASSERT_EQ(missing.status, 422) << missing.body;
  for (const char* field : {"service_code", "name"}) {
    const auto got = Fields(missing);
    EXPECT_NE(std::find(got.begin(), got.end(), field), got.end()) << field;
  }
  EXPECT_EQ(Owner("SELECT count(*)::text FROM service_requests.services"), "0");
  EXPECT_EQ(AuditCount("service-requests.service.create"), 0);
}

// A live service's code is taken (409) in its municipality only; deleting
// the service frees it.
TEST_F(ServicesTest, ATakenCodeIs409) {
  const json first = Create(StreetCleaningService());
  auto again =
      Call("POST", Path("gomez-palacio", "/services"), StreetCleaningService().dump(), editor_);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(again.body.find("limpieza-calles"), std::string::npos) << again.body;
  // Another municipality may use the same code.
  const std::string tepehuanes = MakeUser("editor@tepehuanes.gob.mx", "editor", "tepehuanes");
  Create(StreetCleaningService(), "tepehuanes", tepehuanes);
  // PATCH to a taken code: 409 too.
  const json other = Create(WasteSeparationService());
  auto taken = Patch(other["id"], {{"service_code", "limpieza-calles"}});
  EXPECT_EQ(taken.status, 409) << taken.body;
  // Deleted, the code is free again.
  ASSERT_EQ(Delete(first["id"]).status, 204);
  const json reborn = Create(StreetCleaningService());
  EXPECT_NE(reborn["id"], first["id"]);
  EXPECT_EQ(Owner("SELECT count(*)::text FROM service_requests.services "
                  "WHERE service_code = 'limpieza-calles'"),
            "3");
}

// PATCH: only the fields sent; If-Match; a code changes only while no
// request names it; new attribute definitions apply from then on; audited.
TEST_F(ServicesTest, PatchWithIfMatchAndTheCodeRule) {
  const json created = Create(StreetCleaningService());
  const std::string id = created["id"];
  const std::string path = Path("gomez-palacio", "/services/" + id);
  const std::string etag = Call("GET", path).Header("etag");
  ASSERT_FALSE(etag.empty());

  auto renamed = Patch(id, {{"name", "Limpieza de vía pública"}, {"service_code", "limpieza"}},
                       {{"If-Match", etag}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  const json after = json::parse(renamed.body);
  EXPECT_EQ(after["name"], "Limpieza de vía pública");
  EXPECT_EQ(after["service_code"], "limpieza");
  EXPECT_EQ(after["description"], created["description"]);
  EXPECT_EQ(after["attributes"], created["attributes"]);
  EXPECT_GT(after["updated_at"].get<std::string>(), created["updated_at"].get<std::string>());
  // The stale ETag: 412, nothing changes.
  auto stale = Patch(id, {{"name", "Otro nombre"}}, {{"If-Match", etag}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(Get(path)["name"], "Limpieza de vía pública");
  EXPECT_EQ(Call("DELETE", path, "", editor_, {{"If-Match", etag}}).status, 412);

  // A read item sent back whole is accepted (read-only fields ignored).
  json resent = Get(path);
  resent["name"] = "Limpieza de calles";
  auto whole = Patch(id, resent);
  ASSERT_EQ(whole.status, 200) << whole.body;

  // New definitions: a list replaces the old one whole; metadata follows.
  auto no_attributes = Patch(id, {{"attributes", json::array()}});
  ASSERT_EQ(no_attributes.status, 200) << no_attributes.body;
  EXPECT_EQ(json::parse(no_attributes.body)["metadata"], false);
  auto bad = Patch(id, {{"attributes", {{{"code", "x"}, {"datatype", "color"}}}}});
  EXPECT_EQ(bad.status, 422) << bad.body;
  auto back =
      Patch(id, {{"attributes", StreetCleaningService()["attributes"]}, {"keywords", {"basura"}}});
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(json::parse(back.body)["metadata"], true);
  EXPECT_EQ(json::parse(back.body)["keywords"], json({"basura"}));

  // Once a request names the service, its code stays; the rest still changes.
  InsertRequest("gomez-palacio", "limpieza", 25.56, -103.50);
  auto code = Patch(id, {{"service_code", "limpieza-calles"}});
  EXPECT_EQ(code.status, 409) << code.body;
  EXPECT_NE(code.body.find("solicitudes"), std::string::npos) << code.body;
  auto same_code = Patch(id, {{"service_code", "limpieza"}, {"active", false}});
  ASSERT_EQ(same_code.status, 200) << same_code.body;
  EXPECT_EQ(json::parse(same_code.body)["active"], false);
  EXPECT_EQ(AuditCount("service-requests.service.update"), 5);
  // The audit entry holds what changed.
  const std::string changes = Owner(
      "SELECT changes FROM core.audit_log WHERE action = 'service-requests.service.update' "
      "ORDER BY seq LIMIT 1");
  EXPECT_NE(changes.find("Limpieza de vía pública"), std::string::npos) << changes;
  // Unknown ids: 404.
  EXPECT_EQ(Patch("00000000-0000-4000-8000-000000000000", {{"name", "x"}}).status, 404);
}

// DELETE: refused while requests are open (deactivate instead); then a
// tombstone for sync, its closed requests still there.
TEST_F(ServicesTest, DeleteRefusedWhileOpenThenATombstone) {
  const json kept = Create(WasteSeparationService());
  const json created = Create(StreetCleaningService());
  const std::string id = created["id"];
  const std::string since = At(std::chrono::seconds(-5));
  const std::string request = InsertRequest("gomez-palacio", "limpieza-calles", 25.56, -103.5);
  auto refused = Delete(id);
  ASSERT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("active=false"), std::string::npos) << refused.body;
  // Deactivated, it is still listed, with active false.
  ASSERT_EQ(Patch(id, {{"active", false}}).status, 200);
  bool listed_inactive = false;
  for (const auto& item : ListAll("gomez-palacio")) {
    if (item["id"] == id) listed_inactive = item["active"] == false;
  }
  EXPECT_TRUE(listed_inactive);

  // Closed requests do not hold it.
  Owner(
      "UPDATE service_requests.requests SET status = 'resolved', closed_at = now() "
      "WHERE id = $1::uuid",
      request);
  ASSERT_EQ(Delete(id).status, 204);
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/services/" + id)).status, 404);
  EXPECT_EQ(Delete(id).status, 404);
  EXPECT_EQ(Patch(id, {{"name", "x"}}).status, 404);
  EXPECT_EQ(Owner("SELECT status FROM service_requests.requests WHERE id = $1::uuid", request),
            "resolved");

  // Sync: the tombstone says only what sync needs; without updated_since, none.
  const auto synced = ListAll("gomez-palacio", "&updated_since=" + since);
  ASSERT_EQ(synced.size(), 2u);
  bool tombstone = false;
  for (const auto& item : synced) {
    if (item["id"] != id) continue;
    tombstone = true;
    EXPECT_EQ(item, json({{"id", id},
                          {"tenant", "gomez-palacio"},
                          {"updated_at", item["updated_at"]},
                          {"deleted", true}}));
  }
  EXPECT_TRUE(tombstone);
  EXPECT_EQ(Codes(ListAll("gomez-palacio")), std::set<std::string>{"separacion-residuos"});
  EXPECT_TRUE(ListAll("gomez-palacio", "&updated_since=" + At(std::chrono::hours(1))).empty());
  EXPECT_EQ(AuditCount("service-requests.service.delete"), 1);
  EXPECT_TRUE(kept.contains("id"));
}

// Paging in (updated_at, id) order, updated_since, group, and the state's
// view of its municipalities with include_descendants.
TEST_F(ServicesTest, PagingSyncGroupAndDescendants) {
  const json street = Create(StreetCleaningService());
  const json waste = Create(WasteSeparationService());
  const json pothole =
      Create({{"service_code", "bache"}, {"name", "Bache"}, {"group", "Vialidad"}});
  const std::string tepehuanes = MakeUser("editor@tepehuanes.gob.mx", "editor", "tepehuanes");
  Create(RoadSignService(), "tepehuanes", tepehuanes);

  // Pages of one: every service once, in order.
  const auto all = ListAll("gomez-palacio", "", 1);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["id"], street["id"]);
  EXPECT_EQ(all[1]["id"], waste["id"]);
  EXPECT_EQ(all[2]["id"], pothole["id"]);

  // updated_since: only what changed after.
  const std::string since = all[2]["updated_at"];
  EXPECT_TRUE(ListAll("gomez-palacio", "&updated_since=" + since).empty());
  ASSERT_EQ(Patch(street["id"], {{"description", "Basura en la calle."}}).status, 200);
  EXPECT_EQ(Codes(ListAll("gomez-palacio", "&updated_since=" + since)),
            std::set<std::string>{"limpieza-calles"});

  // group
  EXPECT_EQ(Codes(ListAll("gomez-palacio", "&group=Limpieza%20y%20residuos")),
            (std::set<std::string>{"limpieza-calles", "separacion-residuos"}));
  EXPECT_EQ(Codes(ListAll("gomez-palacio", "&group=Vialidad")), std::set<std::string>{"bache"});
  EXPECT_TRUE(ListAll("gomez-palacio", "&group=Nada").empty());

  // The state has none of its own; with include_descendants, its municipalities'.
  EXPECT_TRUE(ListAll("durango").empty());
  const auto state = ListAll("durango", "&include_descendants=true");
  ASSERT_EQ(state.size(), 4u);
  std::set<std::string> tenants;
  for (const auto& item : state) {
    tenants.insert(item["tenant"].get<std::string>() + "/" +
                   item["service_code"].get<std::string>());
  }
  EXPECT_EQ(tenants, (std::set<std::string>{
                         "gomez-palacio/limpieza-calles", "gomez-palacio/separacion-residuos",
                         "gomez-palacio/bache", "tepehuanes/senalamiento-vial"}));
  // A bad cursor or limit: 400.
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/services?cursor=basura")).status, 400);
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/services?limit=0")).status, 400);
}

// Writing services takes kServiceWrite on this municipality: an editor of
// another one, a citizen and an anonymous caller are refused, nothing changes.
TEST_F(ServicesTest, OnlyThisMunicipalitysStaffWrite) {
  const json created = Create(StreetCleaningService());
  const std::string id = created["id"];
  const std::string other = MakeUser("editor@tepehuanes.gob.mx", "editor", "tepehuanes");
  const std::string citizen = MakeCitizen("vecina@example.mx");
  const std::string auditor = MakeUser("auditor@gomezpalacio.gob.mx", "auditor", "gomez-palacio");
  for (const std::string& token : {other, citizen, auditor}) {
    auto post =
        Call("POST", Path("gomez-palacio", "/services"), WasteSeparationService().dump(), token);
    EXPECT_TRUE(post.status == 403 || post.status == 404) << post.status << " " << post.body;
    auto patch = Patch(id, {{"name", "Otro"}}, {}, "gomez-palacio", token);
    EXPECT_TRUE(patch.status == 403 || patch.status == 404) << patch.status << " " << patch.body;
    auto del = Delete(id, "gomez-palacio", token);
    EXPECT_TRUE(del.status == 403 || del.status == 404) << del.status << " " << del.body;
  }
  EXPECT_EQ(
      Call("POST", Path("gomez-palacio", "/services"), WasteSeparationService().dump()).status,
      401);
  EXPECT_EQ(Call("DELETE", Path("gomez-palacio", "/services/" + id)).status, 401);
  // The other municipality's editor writes in their own.
  Create(WasteSeparationService(), "tepehuanes", other);
  EXPECT_EQ(Get(Path("gomez-palacio", "/services/" + id)), created);
  EXPECT_EQ(Owner("SELECT count(*)::text FROM service_requests.services s JOIN core.tenants t "
                  "ON t.id = s.tenant_id WHERE t.slug = 'gomez-palacio'"),
            "1");
}

// --- API keys ------------------------------------------------------------------

// Issued once: the key in the 201 (no-store) and never again; the database
// holds its digest and prefix, never the key; the audit neither.
TEST_F(ServicesTest, ApiKeysAreShownOnceAndStoredAsDigests) {
  const std::string admin = MakeUser("admin@gomezpalacio.gob.mx", "admin", "gomez-palacio");
  auto issued = Call("POST", Path("gomez-palacio", "/api-keys"),
                     json{{"name", "App Ciudadana"}}.dump(), admin);
  ASSERT_EQ(issued.status, 201) << issued.body;
  EXPECT_NE(issued.Header("cache-control").find("no-store"), std::string::npos);
  const json key = json::parse(issued.body);
  const std::string secret = key["key"];
  ASSERT_EQ(secret.size(), 64u);
  EXPECT_EQ(secret.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(key["key_prefix"], secret.substr(0, 8));
  EXPECT_EQ(key["name"], "App Ciudadana");
  EXPECT_TRUE(key["revoked_at"].is_null());
  EXPECT_FALSE(key["created_at"].get<std::string>().empty());
  const std::string id = key["id"];

  // The list: the key's prefix and dates, never the key or its digest.
  const std::string digest = core::Sha256Hex(secret);
  auto list = Call("GET", Path("gomez-palacio", "/api-keys"), "", admin);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find(secret), std::string::npos);
  EXPECT_EQ(list.body.find(digest), std::string::npos);
  const json listed = json::parse(list.body);
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0], json({{"id", id},
                                      {"name", "App Ciudadana"},
                                      {"key_prefix", secret.substr(0, 8)},
                                      {"created_at", key["created_at"]},
                                      {"last_used_at", nullptr},
                                      {"revoked_at", nullptr}}));

  // The database: the digest, never the key; the audit: neither.
  EXPECT_EQ(Owner("SELECT key_digest FROM service_requests.api_keys WHERE id = $1::uuid", id),
            digest);
  EXPECT_EQ(Owner("SELECT count(*)::text FROM service_requests.api_keys k "
                  "WHERE strpos(row_to_json(k)::text, $1) > 0",
                  secret),
            "0");
  EXPECT_EQ(Owner("SELECT count(*)::text FROM core.audit_log WHERE strpos(changes, $1) > 0 "
                  "OR strpos(changes, left($1, 16)) > 0",
                  secret),
            "0");
  EXPECT_EQ(
      Owner("SELECT count(*)::text FROM core.audit_log WHERE strpos(changes, $1) > 0", digest),
      "0");
  EXPECT_EQ(AuditCount("service-requests.api_key.create"), 1);

  // Two keys are two different secrets, newest listed first.
  const std::string second = IssueApiKey("gomez-palacio", "App del DIF");
  ASSERT_EQ(second.size(), 64u);
  EXPECT_NE(second, secret);
  const json two = Get(Path("gomez-palacio", "/api-keys"), admin);
  ASSERT_EQ(two["items"].size(), 2u);
  EXPECT_EQ(two["items"][0]["name"], "App del DIF");
  // Another municipality's admin sees none of them.
  const std::string other = MakeUser("admin@tepehuanes.gob.mx", "admin", "tepehuanes");
  EXPECT_EQ(Get(Path("tepehuanes", "/api-keys"), other)["items"], json::array());
  // A bad name: 422.
  auto unnamed = Call("POST", Path("gomez-palacio", "/api-keys"), json{{"name", ""}}.dump(), admin);
  EXPECT_EQ(unnamed.status, 422) << unnamed.body;
}

// DELETE revokes (204, revoked_at set, audited once), twice is once; an
// unknown id is 404; a key of another municipality is not this one's.
TEST_F(ServicesTest, RevokingAKeyIsIdempotent) {
  const std::string admin = MakeUser("admin@gomezpalacio.gob.mx", "admin", "gomez-palacio");
  const json key = Post("gomez-palacio", "/api-keys", {{"name", "App"}}, admin);
  const std::string id = key["id"];
  const std::string path = Path("gomez-palacio", "/api-keys/" + id);
  ASSERT_EQ(Call("DELETE", path, "", admin).status, 204);
  const json listed = Get(Path("gomez-palacio", "/api-keys"), admin);
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_TRUE(listed["items"][0]["revoked_at"].is_string());
  const std::string revoked_at = listed["items"][0]["revoked_at"];
  EXPECT_EQ(Call("DELETE", path, "", admin).status, 204);
  EXPECT_EQ(Get(Path("gomez-palacio", "/api-keys"), admin)["items"][0]["revoked_at"], revoked_at);
  EXPECT_EQ(AuditCount("service-requests.api_key.revoke"), 1);
  EXPECT_EQ(Call("DELETE", Path("gomez-palacio", "/api-keys/00000000-0000-4000-8000-000000000000"),
                 "", admin)
                .status,
            404);
  const std::string other = MakeUser("admin@tepehuanes.gob.mx", "admin", "tepehuanes");
  EXPECT_EQ(Call("DELETE", Path("tepehuanes", "/api-keys/" + id), "", other).status, 404);
}

// Keys are the admin's: an editor, an auditor, a citizen, another
// municipality's admin and an anonymous caller are refused.
TEST_F(ServicesTest, OnlyTheAdminManagesKeys) {
  const std::string admin = MakeUser("admin@gomezpalacio.gob.mx", "admin", "gomez-palacio");
  const json key = Post("gomez-palacio", "/api-keys", {{"name", "App"}}, admin);
  const std::string path = Path("gomez-palacio", "/api-keys/" + key["id"].get<std::string>());
  const std::string auditor = MakeUser("auditor@gomezpalacio.gob.mx", "auditor", "gomez-palacio");
  const std::string citizen = MakeCitizen("vecino@example.mx");
  const std::string other = MakeUser("admin@tepehuanes.gob.mx", "admin", "tepehuanes");
  for (const std::string& token : {editor_, auditor, citizen, other}) {
    auto post = Call("POST", Path("gomez-palacio", "/api-keys"), R"({"name":"Mía"})", token);
    EXPECT_TRUE(post.status == 403 || post.status == 404) << post.status << " " << post.body;
    auto list = Call("GET", Path("gomez-palacio", "/api-keys"), "", token);
    EXPECT_TRUE(list.status == 403 || list.status == 404) << list.status << " " << list.body;
    EXPECT_EQ(list.body.find(key["key_prefix"].get<std::string>()), std::string::npos);
    auto del = Call("DELETE", path, "", token);
    EXPECT_TRUE(del.status == 403 || del.status == 404) << del.status << " " << del.body;
  }
  EXPECT_EQ(Call("POST", Path("gomez-palacio", "/api-keys"), R"({"name":"Mía"})").status, 401);
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/api-keys")).status, 401);
  EXPECT_EQ(Call("DELETE", path).status, 401);
  const json listed = Get(Path("gomez-palacio", "/api-keys"), admin);
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_TRUE(listed["items"][0]["revoked_at"].is_null());
}

// An app reports through Open311 with its key (last_used_at is recorded);
// once revoked, the same key is a 403 in Open311's error shape. Needs the
// Open311 POST (open311.cc, another part): fails until that part is merged.
TEST_F(ServicesTest, ARevokedKeyIsRefusedByOpen311) {
  InsertService("gomez-palacio", StreetCleaningService());
  const std::string admin = MakeUser("admin@gomezpalacio.gob.mx", "admin", "gomez-palacio");
  const json key = Post("gomez-palacio", "/api-keys", {{"name", "App Ciudadana"}}, admin);
  const std::string secret = key.value("key", "");
  const FormFields report = {{"api_key", secret},
                             {"service_code", "limpieza-calles"},
                             {"lat", "25.5611"},
                             {"long", "-103.4980"},
                             {"description", "Escombro frente al número 120"},
                             {"attribute[tipo_residuo]", "escombro"}};
  auto accepted = PostForm(Open311("gomez-palacio", "/requests.json"), report);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  const json listed = Get(Path("gomez-palacio", "/api-keys"), admin);
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_TRUE(listed["items"][0]["last_used_at"].is_string()) << listed;

  ASSERT_EQ(
      Call("DELETE", Path("gomez-palacio", "/api-keys/" + key["id"].get<std::string>()), "", admin)
          .status,
      204);
  FormFields again = report;
  again[4].second = "Otra vez el escombro";
  auto refused = PostForm(Open311("gomez-palacio", "/requests.json"), again);
  EXPECT_EQ(refused.status, 403) << refused.body;
  const json errors = json::parse(refused.body, nullptr, false);
  ASSERT_TRUE(errors.is_array()) << refused.body;
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0]["code"], 403);
  // A key of another municipality is no key here.
  const std::string foreign = InsertApiKey("tepehuanes");
  FormFields elsewhere = report;
  elsewhere[0].second = foreign;
  EXPECT_EQ(PostForm(Open311("gomez-palacio", "/requests.json"), elsewhere).status, 403);
}

}  // namespace
}  // namespace cabildo::testing
