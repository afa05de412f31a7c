// The Open311 GeoReport v2 interface spoken as an existing client speaks it
// (open311-spec.md §6): form-encoded POSTs with api_key in the body, bare
// JSON arrays back (objects only for discovery and a service definition),
// jurisdiction_id sometimes sent and sometimes empty, and every error as
// [{code, description}] with the specification's status: 403 api_key,
// 404 what does not exist, 400 the rest.
#include "service_requests_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

class Open311Test : public ServiceRequestsTest {
 protected:
  // One owner query's single text value.
  std::string Owner(const std::string& sql, const std::string& arg = "") {
    return AsOwner([&](pqxx::work& work) {
      auto row = arg.empty() ? work.exec1(sql) : work.exec_params1(sql, arg);
      return row[0].is_null() ? std::string("NULL") : row[0].as<std::string>();
    });
  }
  // The tenant's admin sets the module's configuration.
  void Configure(const std::string& tenant, const json& config) {
    const std::string admin = MakeUser("admin-config-" + tenant + "@cabildo.mx", "admin", tenant);
    auto put = Call("PUT", "/v1/tenants/" + tenant + "/modules/service-requests",
                    json{{"config", config}}.dump(), admin);
    ASSERT_TRUE(put.status == 200 || put.status == 201) << put.body;
  }
  // Expects an Open311 error array with `status` as HTTP status and code;
  // returns the descriptions joined.
  static std::string ExpectErrors(const HttpResult& result, int status) {
    EXPECT_EQ(result.status, status) << result.body;
    json errors = json::parse(result.body, nullptr, false);
    EXPECT_TRUE(errors.is_array() && !errors.empty()) << result.body;
    std::string all;
    if (!errors.is_array()) return all;
    for (const json& error : errors) {
      EXPECT_EQ(error.value("code", 0), status) << result.body;
      EXPECT_TRUE(error.contains("description") && error["description"].is_string());
      all += error.value("description", "") + "\n";
    }
    return all;
  }
  // A valid street-cleaning report from an Open311 client.
  static FormFields StreetReport(const std::string& key) {
    return {{"api_key", key},
            {"jurisdiction_id", "gomez-palacio"},
            {"service_code", "limpieza-calles"},
            {"lat", "25.5612"},
            {"long", "-103.4977"},
            {"address_string", "Av. Morelos 120, Centro"},
            {"email", "vecina@example.com"},
            {"first_name", "María"},
            {"last_name", "López"},
            {"phone", "871 123 4567"},
            {"account_id", "cuenta-77"},
            {"description", "Escombro frente al número 120.\nTapa media banqueta."},
            {"media_url", "https://fotos.example.com/escombro.jpg"},
            {"attribute[tipo_residuo]", "escombro"},
            {"attribute[volumen_m3]", "0.5"}};
  }
  static FormFields Without(FormFields fields, const std::string& name) {
    std::erase_if(fields, [&](const auto& field) { return field.first == name; });
    return fields;
  }
  static FormFields With(FormFields fields, const std::string& name, const std::string& value) {
    fields = Without(std::move(fields), name);
    fields.emplace_back(name, value);
    return fields;
  }
};

TEST_F(Open311Test, TheTenantFileEnablesTheModule) {
  // The state for its state-wide open data (include_descendants), the
  // municipalities for their services.
  for (const char* tenant : {"durango", "municipio-durango", "gomez-palacio", "tepehuanes"}) {
    auto modules = Get("/v1/tenants/" + std::string(tenant) + "/modules");
    bool enabled = false;
    for (const auto& item : modules["items"])
      enabled = enabled || item["name"] == "service-requests";
    EXPECT_TRUE(enabled) << tenant;
  }
}

TEST_F(Open311Test, DiscoveryIsAnObjectThatPointsAtTheTenantsEndpoint) {
  Configure("tepehuanes", {{"public_base_url", "https://datos.tepehuanes.gob.mx/"},
                           {"jurisdiction_id", "tepehuanes.gob.mx"},
                           {"contact", "open311@tepehuanes.gob.mx"},
                           {"key_service", "https://tepehuanes.gob.mx/claves"}});
  json tepehuanes = Get(Open311("tepehuanes", "/discovery.json"));
  ASSERT_TRUE(tepehuanes.is_object()) << tepehuanes;
  EXPECT_EQ(tepehuanes["contact"], "open311@tepehuanes.gob.mx");
  EXPECT_EQ(tepehuanes["key_service"], "https://tepehuanes.gob.mx/claves");
  ASSERT_EQ(tepehuanes["endpoints"].size(), 1u);
  const json endpoint = tepehuanes["endpoints"][0];
  EXPECT_EQ(endpoint["url"],
            "https://datos.tepehuanes.gob.mx/v1/tenants/tepehuanes/service-requests/open311/v2");
  EXPECT_EQ(endpoint["specification"], "http://wiki.open311.org/GeoReport_v2");
  EXPECT_EQ(endpoint["type"], "production");
  EXPECT_EQ(endpoint["formats"], json::array({"application/json"}));
  for (const char* field : {"changeset", "contact", "key_service"}) {
    EXPECT_TRUE(tepehuanes[field].is_string() && !tepehuanes[field].get<std::string>().empty())
        << field;
  }
  EXPECT_TRUE(endpoint["changeset"].is_string());

  // Without public_base_url: the path from the root, never the Host header.
  auto plain = Call("GET", Open311("gomez-palacio", "/discovery.json"), "", "",
                    {{"Host", "atacante.example.com"}});
  ASSERT_EQ(plain.status, 200) << plain.body;
  json gomez = json::parse(plain.body);
  EXPECT_EQ(gomez["endpoints"][0]["url"], "/v1/tenants/gomez-palacio/service-requests/open311/v2");
  EXPECT_EQ(plain.body.find("atacante"), std::string::npos);

  // jurisdiction_id: the configured one, the slug, or empty; another is 404.
  Get(Open311("tepehuanes", "/discovery.json?jurisdiction_id=tepehuanes.gob.mx"));
  Get(Open311("tepehuanes", "/discovery.json?jurisdiction_id=tepehuanes"));
  Get(Open311("tepehuanes", "/discovery.json?jurisdiction_id="));
  ExpectErrors(Call("GET", Open311("tepehuanes", "/discovery.json?jurisdiction_id=durango.gob.mx")),
               404);
}

TEST_F(Open311Test, ServiceListAndDefinitionAreTheSpecificationsShapes) {
  InsertService("gomez-palacio", StreetCleaningService());
  InsertService("gomez-palacio", WasteSeparationService());
  json retired = WasteSeparationService();
  retired["service_code"] = "retirado";
  InsertService("gomez-palacio", retired);
  AsOwner([](pqxx::work& work) {
    return work.exec(
        "UPDATE service_requests.services SET active = false WHERE service_code = 'retirado'");
  });

  json services = Get(Open311("gomez-palacio", "/services.json?jurisdiction_id="));
  ASSERT_TRUE(services.is_array()) << services;
  ASSERT_EQ(services.size(), 2u) << services;  // the inactive one is not offered
  const json street = services[0]["service_code"] == "limpieza-calles" ? services[0] : services[1];
  EXPECT_EQ(street, json({{"service_code", "limpieza-calles"},
                          {"service_name", "Limpieza de calles"},
                          {"description", StreetCleaningService()["description"]},
                          {"metadata", true},
                          {"type", "realtime"},
                          {"keywords", "basura, barrido, escombro, limpieza"},
                          {"group", "Limpieza y residuos"}}));
  // Another municipality has its own list.
  EXPECT_EQ(Get(Open311("tepehuanes", "/services.json")), json::array());

  json definition = Get(Open311("gomez-palacio", "/services/limpieza-calles.json"));
  ASSERT_TRUE(definition.is_object()) << definition;
  EXPECT_EQ(definition["service_code"], "limpieza-calles");
  ASSERT_EQ(definition["attributes"].size(), 3u);
  const json& kind = definition["attributes"][1];
  EXPECT_EQ(kind["code"], "tipo_residuo");
  EXPECT_EQ(kind["variable"], true);
  EXPECT_EQ(kind["datatype"], "singlevaluelist");
  EXPECT_EQ(kind["required"], true);
  EXPECT_EQ(kind["order"], 1);
  EXPECT_EQ(kind["values"][1], json({{"key", "escombro"}, {"name", "Escombro"}}));
  EXPECT_EQ(definition["attributes"][0]["variable"], false);
  for (const json& attribute : definition["attributes"]) {
    for (const char* field : {"variable", "code", "datatype", "required", "datatype_description",
                              "order", "description", "values"}) {
      EXPECT_TRUE(attribute.contains(field)) << field << " in " << attribute;
    }
  }
  ExpectErrors(Call("GET", Open311("gomez-palacio", "/services/no-existe.json")), 404);
  ExpectErrors(Call("GET", Open311("gomez-palacio", "/services/retirado.json")), 404);
  ExpectErrors(Call("GET", Open311("tepehuanes", "/services/limpieza-calles.json")), 404);
  ExpectErrors(
      Call("GET", Open311("gomez-palacio", "/services/limpieza-calles.json?jurisdiction_id=x")),
      404);
}

TEST_F(Open311Test, AClientPostsAFormAndReadsTheRequestBack) {
  InsertService("gomez-palacio", StreetCleaningService());
  InsertService("gomez-palacio", WasteSeparationService());
  const std::string key = InsertApiKey("gomez-palacio");

  auto posted = PostForm(Open311("gomez-palacio", "/requests.json"), StreetReport(key));
  ASSERT_EQ(posted.status, 200) << posted.body;
  json created = json::parse(posted.body);
  ASSERT_TRUE(created.is_array() && created.size() == 1) << created;
  EXPECT_EQ(created[0]["service_request_id"], "1");
  EXPECT_FALSE(created[0].contains("token"));
  EXPECT_EQ(created[0]["account_id"], "cuenta-77");
  EXPECT_NE(created[0]["service_notice"].get<std::string>().find("folio 1"), std::string::npos);
  EXPECT_NE(created[0]["service_notice"].get<std::string>().find("Servicios Públicos"),
            std::string::npos);

  // A multivaluelist as attribute[code][]=v, without jurisdiction_id or contact.
  auto waste =
      PostForm(Open311("gomez-palacio", "/requests.json"), {{"api_key", key},
                                                            {"service_code", "separacion-residuos"},
                                                            {"address_string", "Calle Hidalgo 45"},
                                                            {"attribute[materiales][]", "pet"},
                                                            {"attribute[materiales][]", "vidrio"}});
  ASSERT_EQ(waste.status, 200) << waste.body;
  EXPECT_EQ(json::parse(waste.body)[0]["service_request_id"], "2");
  EXPECT_EQ(json::parse(waste.body)[0]["account_id"], nullptr);
  EXPECT_EQ(Owner("SELECT attributes::text FROM service_requests.requests WHERE folio = 2"),
            R"({"materiales": ["pet", "vidrio"]})");

  // A client that posts JSON instead of a form (numbers for lat/long).
  auto as_json = Call("POST", Open311("gomez-palacio", "/requests.json"),
                      json({{"api_key", key},
                            {"service_code", "separacion-residuos"},
                            {"lat", 25.57},
                            {"long", -103.49},
                            {"attribute", {{"materiales", {"carton"}}}}})
                          .dump());
  ASSERT_EQ(as_json.status, 200) << as_json.body;
  EXPECT_EQ(json::parse(as_json.body)[0]["service_request_id"], "3");
  EXPECT_EQ(Owner("SELECT lat::text || ',' || long::text FROM service_requests.requests "
                  "WHERE folio = 3"),
            "25.57,-103.49");

  auto read = Call("GET", Open311("gomez-palacio", "/requests/1.json?jurisdiction_id="));
  ASSERT_EQ(read.status, 200) << read.body;
  json one = json::parse(read.body);
  ASSERT_TRUE(one.is_array() && one.size() == 1) << one;
  const json& request = one[0];
  EXPECT_EQ(request["service_request_id"], "1");
  EXPECT_EQ(request["status"], "open");
  EXPECT_EQ(request["service_code"], "limpieza-calles");
  EXPECT_EQ(request["service_name"], "Limpieza de calles");
  EXPECT_EQ(request["description"], "Escombro frente al número 120.\nTapa media banqueta.");
  EXPECT_EQ(request["agency_responsible"], "Dirección de Servicios Públicos Municipales");
  EXPECT_EQ(request["address"], "Av. Morelos 120, Centro");
  EXPECT_EQ(request["lat"], 25.5612);
  EXPECT_EQ(request["long"], -103.4977);
  EXPECT_EQ(request["media_url"], "https://fotos.example.com/escombro.jpg");
  EXPECT_EQ(request["status_notes"], nullptr);
  EXPECT_EQ(request["expected_datetime"], nullptr);
  EXPECT_EQ(request["address_id"], nullptr);
  EXPECT_EQ(request["zipcode"], nullptr);
  for (const char* field : {"requested_datetime", "updated_datetime"}) {
    const std::string at = request[field];
    EXPECT_EQ(at.size(), 20u) << at;  // 2026-12-06T16:15:30Z
    EXPECT_EQ(at.back(), 'Z') << at;
    EXPECT_EQ(at[10], 'T') << at;
  }
  for (const char* field : {"service_request_id", "status", "status_notes", "service_name",
                            "service_code", "description", "agency_responsible", "service_notice",
                            "requested_datetime", "updated_datetime", "expected_datetime",
                            "address", "address_id", "zipcode", "lat", "long", "media_url"}) {
    EXPECT_TRUE(request.contains(field)) << field;
  }
  // The contact is nowhere public, and sealed at rest.
  for (const std::string& body :
       {read.body, posted.body, Call("GET", Open311("gomez-palacio", "/requests.json")).body}) {
    EXPECT_EQ(body.find("vecina@example.com"), std::string::npos) << body;
    EXPECT_EQ(body.find("López"), std::string::npos) << body;
    EXPECT_EQ(body.find("8711234567"), std::string::npos) << body;
  }
  EXPECT_EQ(Owner("SELECT left(reporter_contact, 3) FROM service_requests.requests "
                  "WHERE folio = 1"),
            "v1.");
  EXPECT_EQ(Owner("SELECT api_key_id IS NOT NULL FROM service_requests.requests WHERE folio = 1"),
            "t");
  EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.events e JOIN "
                  "service_requests.requests r ON r.id = e.request_id WHERE r.folio = 1 "
                  "AND e.status = 'received'"),
            "1");
  EXPECT_EQ(Owner("SELECT count(*) FROM core.audit_log WHERE action = "
                  "'service-requests.request.create' AND changes::jsonb->>'channel' = 'open311'"),
            "3");
  EXPECT_EQ(Owner("SELECT count(*) FROM core.audit_log a WHERE strpos(a::text, $1) > 0",
                  "vecina@example.com"),
            "0");
  // The entry names the app's key by id (never the key itself).
  EXPECT_EQ(Owner("SELECT count(*) FROM core.audit_log a, service_requests.api_keys k "
                  "WHERE a.action = 'service-requests.request.create' "
                  "AND a.changes::jsonb->>'api_key_id' = k.id::text"),
            "3");
  EXPECT_EQ(Owner("SELECT count(*) FROM core.audit_log a WHERE strpos(a::text, $1) > 0", key), "0");
}

// A city's own app sends its api_key and also signs its user in: the report
// is filed under that account and shows in the native GET /requests/mine
// (the phone follows it there with updated_since); without Authorization the
// same form files a report that is nobody's.
TEST_F(Open311Test, ASignedInAppFilesTheReportUnderTheCitizensAccount) {
  InsertService("gomez-palacio", StreetCleaningService());
  const std::string key = InsertApiKey("gomez-palacio");
  const std::string token = MakeCitizen("vecina-app@example.com");

  auto signed_in =
      Call("POST", Open311("gomez-palacio", "/requests.json"), FormEncode(StreetReport(key)), token,
           {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const std::string folio = json::parse(signed_in.body)[0]["service_request_id"];
  // Far from the first (not a duplicate), anonymous.
  auto anonymous = PostForm(Open311("gomez-palacio", "/requests.json"),
                            With(With(StreetReport(key), "lat", "25.6012"), "long", "-103.4400"));
  ASSERT_EQ(anonymous.status, 200) << anonymous.body;

  const json mine = Get(Path("gomez-palacio", "/requests/mine"), token)["items"];
  ASSERT_EQ(mine.size(), 1u) << mine;
  EXPECT_EQ(mine[0]["service_request_id"], folio);
  EXPECT_EQ(mine[0]["status"], "received");
  EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.requests WHERE reporter_id IS NULL"), "1");
}

TEST_F(Open311Test, EveryErrorOfTheSpecificationHasItsStatusAndArray) {
  InsertService("gomez-palacio", StreetCleaningService());
  const std::string key = InsertApiKey("gomez-palacio");
  const std::string revoked = InsertApiKey("gomez-palacio", "App retirada");
  AsOwner([](pqxx::work& work) {
    return work.exec(
        "UPDATE service_requests.api_keys SET revoked_at = now() WHERE name = 'App retirada'");
  });
  const std::string other_tenant_key = InsertApiKey("tepehuanes");
  const std::string url = Open311("gomez-palacio", "/requests.json");

  // 403: api_key missing, unknown, revoked, or another municipality's.
  EXPECT_NE(ExpectErrors(PostForm(url, Without(StreetReport(key), "api_key")), 403).find("api_key"),
            std::string::npos);
  ExpectErrors(PostForm(url, StreetReport(std::string(64, 'a'))), 403);
  ExpectErrors(PostForm(url, StreetReport("corta")), 403);
  ExpectErrors(PostForm(url, StreetReport(revoked)), 403);
  ExpectErrors(PostForm(url, StreetReport(other_tenant_key)), 403);
  // 404: jurisdiction_id of another, unknown service_code.
  ExpectErrors(PostForm(url, With(StreetReport(key), "jurisdiction_id", "tepehuanes")), 404);
  EXPECT_NE(ExpectErrors(PostForm(url, With(StreetReport(key), "service_code", "baches")), 404)
                .find("baches"),
            std::string::npos);
  // 400: service_code missing, location missing, attribute value invalid or
  // missing, HTML in the description, a lone lat, bad media_url.
  EXPECT_NE(ExpectErrors(PostForm(url, Without(StreetReport(key), "service_code")), 400)
                .find("service_code"),
            std::string::npos);
  EXPECT_NE(ExpectErrors(PostForm(url, Without(Without(Without(StreetReport(key), "lat"), "long"),
                                               "address_string")),
                         400)
                .find("ubicación"),
            std::string::npos);
  EXPECT_NE(ExpectErrors(
                PostForm(url, With(StreetReport(key), "attribute[tipo_residuo]", "plastico")), 400)
                .find("attribute[tipo_residuo]"),
            std::string::npos);
  EXPECT_NE(ExpectErrors(PostForm(url, Without(StreetReport(key), "attribute[tipo_residuo]")), 400)
                .find("attribute[tipo_residuo]"),
            std::string::npos);
  EXPECT_NE(ExpectErrors(PostForm(url, With(StreetReport(key), "description",
                                            "Mire <a href=\"http://x\">aquí</a>")),
                         400)
                .find("description"),
            std::string::npos);
  EXPECT_NE(ExpectErrors(PostForm(url, With(StreetReport(key), "lat", "91")), 400).find("lat"),
            std::string::npos);
  // Several at once: one entry each.
  auto several = PostForm(
      url,
      With(With(Without(StreetReport(key), "long"), "media_url", "ftp://x"), "zipcode", "3500"));
  ExpectErrors(several, 400);
  EXPECT_GE(json::parse(several.body).size(), 3u) << several.body;
  // The request and the token that do not exist.
  ExpectErrors(Call("GET", Open311("gomez-palacio", "/requests/999.json")), 404);
  ExpectErrors(Call("GET", Open311("gomez-palacio", "/requests/abc.json")), 404);
  ExpectErrors(Call("GET", Open311("gomez-palacio", "/tokens/" + std::string(32, 'f') + ".json")),
               404);
  ExpectErrors(Call("GET", Open311("gomez-palacio", "/tokens/nada.json")), 404);
  // Nothing was stored.
  EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.requests"), "0");
}

TEST_F(Open311Test, ABatchServiceAnswersATokenThatGivesTheId) {
  InsertService("tepehuanes", RoadSignService());
  const std::string key = InsertApiKey("tepehuanes");
  auto posted = PostForm(Open311("tepehuanes", "/requests.json"),
                         {{"api_key", key},
                          {"jurisdiction_id", ""},
                          {"service_code", "senalamiento-vial"},
                          {"lat", "25.3405"},
                          {"long", "-105.7221"},
                          {"attribute[tipo_senal]", "alto"},
                          {"attribute[referencia]", "Calle Juárez y Calle Hidalgo"}});
  ASSERT_EQ(posted.status, 200) << posted.body;
  json created = json::parse(posted.body);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_FALSE(created[0].contains("service_request_id")) << created;
  const std::string token = created[0]["token"];
  EXPECT_EQ(token.size(), 32u);
  EXPECT_EQ(created[0]["account_id"], nullptr);

  json resolved = Get(Open311("tepehuanes", "/tokens/" + token + ".json?jurisdiction_id="));
  ASSERT_TRUE(resolved.is_array() && resolved.size() == 1) << resolved;
  EXPECT_EQ(resolved[0], json({{"service_request_id", "1"}, {"token", token}}));
  json request = Get(Open311("tepehuanes", "/requests/1.json"));
  EXPECT_EQ(request[0]["service_code"], "senalamiento-vial");
  // Another municipality does not resolve it.
  ExpectErrors(Call("GET", Open311("gomez-palacio", "/tokens/" + token + ".json")), 404);
}

TEST_F(Open311Test, EveryInternalStatusMapsToOpenOrClosed) {
  InsertService("gomez-palacio", StreetCleaningService());
  const std::map<std::string, std::string> expected = {
      {"received", "open"}, {"assigned", "open"},   {"in_progress", "open"}, {"resolved", "closed"},
      {"closed", "closed"}, {"rejected", "closed"}, {"duplicate", "closed"}};
  std::string original;
  std::map<std::string, std::string> folio_of;
  int n = 0;
  for (const auto& [status, open311] : expected) {
    const std::string id =
        InsertRequest("gomez-palacio", "limpieza-calles", 25.55 + 0.01 * ++n, -103.5, status,
                      "Reporte " + status, 30, 10, status == "duplicate" ? original : "");
    if (status == "assigned") original = id;  // inserted before "duplicate" (map order)
    folio_of[status] = Owner("SELECT folio::text FROM service_requests.requests WHERE id = $1", id);
  }
  for (const auto& [status, open311] : expected) {
    json request = Get(Open311("gomez-palacio", "/requests/" + folio_of[status] + ".json"))[0];
    EXPECT_EQ(request["status"], open311) << status;
    if (open311 == "closed") {
      // A closed request's updated_datetime is when it closed (requested + 10 h).
      EXPECT_NE(request["updated_datetime"], request["requested_datetime"]) << status;
    }
  }
  json duplicate = Get(Open311("gomez-palacio", "/requests/" + folio_of["duplicate"] + ".json"))[0];
  EXPECT_NE(duplicate["status_notes"].get<std::string>().find("folio " + folio_of["assigned"]),
            std::string::npos)
      << duplicate;

  json open = Get(Open311("gomez-palacio", "/requests.json?status=open"));
  EXPECT_EQ(open.size(), 3u);
  for (const json& r : open) EXPECT_EQ(r["status"], "open");
  json closed = Get(Open311("gomez-palacio", "/requests.json?status=closed"));
  EXPECT_EQ(closed.size(), 4u);
  EXPECT_EQ(Get(Open311("gomez-palacio", "/requests.json?status=open,closed")).size(), 7u);
  EXPECT_EQ(Get(Open311("gomez-palacio", "/requests.json?status=")).size(), 7u);
  ExpectErrors(Call("GET", Open311("gomez-palacio", "/requests.json?status=pending")), 400);
}

TEST_F(Open311Test, RequestsFiltersAndTheNinetyDayWindow) {
  InsertService("gomez-palacio", StreetCleaningService());
  InsertService("gomez-palacio", WasteSeparationService());
  // hours ago: 2 (street), 5 (waste), 24 * 100 (street: outside the default window).
  const std::string recent =
      InsertRequest("gomez-palacio", "limpieza-calles", 25.56, -103.5, "received", "Reciente", 2);
  InsertRequest("gomez-palacio", "separacion-residuos", 25.57, -103.5, "resolved", "Residuos", 5);
  InsertRequest("gomez-palacio", "limpieza-calles", 25.58, -103.5, "received", "Antigua", 24 * 100);

  json all = Get(Open311("gomez-palacio", "/requests.json"));
  ASSERT_EQ(all.size(), 2u) << all;              // the default window: the most recent 90 days
  EXPECT_EQ(all[0]["service_request_id"], "1");  // newest first
  EXPECT_EQ(all[1]["service_request_id"], "2");

  EXPECT_EQ(Get(Open311("gomez-palacio", "/requests.json?service_code=separacion-residuos")).size(),
            1u);
  EXPECT_EQ(Get(Open311("gomez-palacio",
                        "/requests.json?service_code=separacion-residuos,limpieza-calles"))
                .size(),
            2u);
  EXPECT_EQ(Get(Open311("gomez-palacio", "/requests.json?service_code=otro")), json::array());

  // service_request_id overrides every other filter, the window included.
  json by_id = Get(Open311("gomez-palacio",
                           "/requests.json?service_request_id=3,1,abc&status=closed"
                           "&service_code=separacion-residuos"));
  ASSERT_EQ(by_id.size(), 2u) << by_id;
  EXPECT_EQ(by_id[0]["service_request_id"], "1");
  EXPECT_EQ(by_id[1]["service_request_id"], "3");

  // Dates as clients write them: Z, +00:00, fractional seconds, an offset.
  const std::string start = Owner(
      "SELECT to_char((now() - interval '101 days') AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
  const std::string end = Owner(
      "SELECT to_char((now() - interval '50 days') AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"+00:00\"')");
  json old = Get(Open311("gomez-palacio", "/requests.json?start_date=" + start +
                                              "&end_date=" + end.substr(0, 23) + "%2B00:00"));
  ASSERT_EQ(old.size(), 1u) << old;
  EXPECT_EQ(old[0]["service_request_id"], "3");
  // Only start_date: the 90 days that follow it.
  EXPECT_EQ(Get(Open311("gomez-palacio", "/requests.json?start_date=" + start)).size(), 1u);
  // Only end_date (with an offset): the 90 days before it.
  const std::string now_mexico = Owner(
      "SELECT to_char((now() + interval '1 minute') AT TIME ZONE 'America/Mexico_City', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS')");
  EXPECT_EQ(
      Get(Open311("gomez-palacio", "/requests.json?end_date=" + now_mexico + "-06:00")).size(), 2u);
  // A span over 90 days, an end before the start, dates without sense: 400.
  const std::string far =
      Owner("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
  EXPECT_NE(ExpectErrors(Call("GET", Open311("gomez-palacio", "/requests.json?start_date=" + start +
                                                                  "&end_date=" + far)),
                         400)
                .find("90"),
            std::string::npos);
  ExpectErrors(Call("GET", Open311("gomez-palacio",
                                   "/requests.json?start_date=" + far + "&end_date=" + start)),
               400);
  for (const char* bad : {"ayer", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-12-01T25:00:00Z", "2026-12-01T00:00:00%2B99:00"}) {
    ExpectErrors(
        Call("GET", Open311("gomez-palacio", std::string("/requests.json?start_date=") + bad)),
        400);
  }
  EXPECT_EQ(Get(Open311("gomez-palacio", "/requests.json?jurisdiction_id=gomez-palacio")).size(),
            2u);
  ExpectErrors(Call("GET", Open311("gomez-palacio", "/requests.json?jurisdiction_id=otro")), 404);
  (void)recent;
}

TEST_F(Open311Test, RequestsAnswersAtMostAThousandNewestFirst) {
  InsertService("gomez-palacio", StreetCleaningService());
  AsOwner([](pqxx::work& work) {
    return work.exec(
        "WITH t AS (SELECT id FROM core.tenants WHERE slug = 'gomez-palacio') "
        "INSERT INTO service_requests.requests (tenant_id, folio, token, service_id, lat, long, "
        "requested_at, updated_at) "
        "SELECT t.id, g, md5(g::text), s.id, 25.5, -103.5, now() - make_interval(mins => g), "
        "now() - make_interval(mins => g) "
        "FROM t, generate_series(1, 1005) g, service_requests.services s "
        "WHERE s.tenant_id = t.id");
  });
  json page = Get(Open311("gomez-palacio", "/requests.json"));
  ASSERT_EQ(page.size(), 1000u);
  EXPECT_EQ(page[0]["service_request_id"], "1");
  EXPECT_EQ(page[999]["service_request_id"], "1000");
}

}  // namespace
}  // namespace cabildo::testing
