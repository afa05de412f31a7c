// Intake from both doors: the duplicate rule (30 m, 24 h, same service, an
// open request), the limits per API key and per client address (429), the
// native POST of a signed-in citizen, idempotent retries and the sealed
// contact.
#include <cmath>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "service_requests_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

// Degrees of latitude that make `meters` on the ground (the server's
// haversine uses the same radius).
double NorthDegrees(double meters) { return meters / 6371000.0 * 180.0 / 3.14159265358979323846; }

class IntakeTest : public ServiceRequestsTest {
 protected:
  void SetUp() override {
    ServiceRequestsTest::SetUp();
    InsertService("gomez-palacio", StreetCleaningService());
    InsertService("gomez-palacio", WasteSeparationService());
    citizen_ = MakeCitizen("vecina@example.com");
  }
  std::string Owner(const std::string& sql, const std::string& arg = "") {
    return AsOwner([&](pqxx::work& work) {
      auto row = arg.empty() ? work.exec1(sql) : work.exec_params1(sql, arg);
      return row[0].is_null() ? std::string("NULL") : row[0].as<std::string>();
    });
  }
  void Configure(const std::string& tenant, const json& config) {
    const std::string admin = MakeUser("admin-config@" + tenant + ".mx", "admin", tenant);
    auto put = Call("PUT", "/v1/tenants/" + tenant + "/modules/service-requests",
                    json{{"config", config}}.dump(), admin);
    ASSERT_TRUE(put.status == 200 || put.status == 201) << put.body;
  }
  // A native street-cleaning report at (lat, lon).
  static json StreetReport(double lat, double lon, const std::string& code = "limpieza-calles") {
    json report = {{"service_code", code}, {"lat", lat}, {"long", lon}, {"description", "Basura"}};
    if (code == "limpieza-calles") {
      report["attributes"] = {{"tipo_residuo", "basura_domestica"}};
    } else {
      report["attributes"] = {{"materiales", {"pet"}}};
    }
    return report;
  }
  // Reports natively and returns the created request.
  json Report(const json& body) { return Post("gomez-palacio", "/requests", body, citizen_); }

  std::string citizen_;
};

TEST_F(IntakeTest, ADuplicateIsLinkedWithin30MetersAnd24Hours) {
  // Each case at its own place, a kilometre apart.
  double lat = 25.50;
  const double lon = -103.50;
  auto next_place = [&] { return lat += 0.01; };

  // 29 m -> duplicate of the open one; 31 m -> a new request.
  next_place();
  const std::string open = InsertRequest("gomez-palacio", "limpieza-calles", lat, lon);
  const std::string open_folio =
      Owner("SELECT folio::text FROM service_requests.requests WHERE id = $1", open);
  json near = Report(StreetReport(lat + NorthDegrees(29), lon));
  EXPECT_EQ(near["status"], "duplicate") << near;
  EXPECT_EQ(near["open311_status"], "closed");
  EXPECT_EQ(near["duplicate_of"], open);
  EXPECT_NE(near["closed_at"], nullptr);
  EXPECT_NE(near["service_notice"].get<std::string>().find("folio " + open_folio),
            std::string::npos)
      << near;
  json far = Report(StreetReport(lat - NorthDegrees(31), lon));
  EXPECT_EQ(far["status"], "received") << far;
  EXPECT_EQ(far["duplicate_of"], nullptr);
  // Open311 says which folio the duplicate repeats.
  json seen = Get(Open311(
      "gomez-palacio", "/requests/" + near["service_request_id"].get<std::string>() + ".json"))[0];
  EXPECT_EQ(seen["status"], "closed");
  EXPECT_NE(seen["status_notes"].get<std::string>().find("folio " + open_folio), std::string::npos);
  // Its history starts as a duplicate.
  EXPECT_EQ(Owner("SELECT string_agg(status, ',') FROM service_requests.events "
                  "WHERE request_id = $1::uuid",
                  near["id"].get<std::string>()),
            "duplicate");

  // 23 h -> duplicate; 25 h -> new.
  next_place();
  const std::string yesterday =
      InsertRequest("gomez-palacio", "limpieza-calles", lat, lon, "received", "Ayer", 23);
  EXPECT_EQ(Report(StreetReport(lat, lon))["duplicate_of"], yesterday);
  next_place();
  InsertRequest("gomez-palacio", "limpieza-calles", lat, lon, "received", "Antier", 25);
  EXPECT_EQ(Report(StreetReport(lat, lon))["status"], "received");

  // Another service at the same place -> new.
  next_place();
  InsertRequest("gomez-palacio", "limpieza-calles", lat, lon);
  EXPECT_EQ(Report(StreetReport(lat, lon, "separacion-residuos"))["status"], "received");

  // A closed one at the same place -> new; an assigned or in-progress one is open.
  next_place();
  InsertRequest("gomez-palacio", "limpieza-calles", lat, lon, "resolved", "Atendida", 3);
  EXPECT_EQ(Report(StreetReport(lat, lon))["status"], "received");

  // Several open ones: the oldest.
  next_place();
  InsertRequest("gomez-palacio", "limpieza-calles", lat, lon, "in_progress", "Nueva", 2);
  const std::string oldest =
      InsertRequest("gomez-palacio", "limpieza-calles", lat, lon, "assigned", "Vieja", 10);
  EXPECT_EQ(Report(StreetReport(lat, lon))["duplicate_of"], oldest);

  // Without lat/long the rule does not apply.
  json by_address = Report({{"service_code", "limpieza-calles"},
                            {"address_string", "Av. Morelos 120"},
                            {"attributes", {{"tipo_residuo", "escombro"}}}});
  EXPECT_EQ(by_address["status"], "received");
  EXPECT_EQ(by_address["lat"], nullptr);
}

TEST_F(IntakeTest, ConcurrentReportsOfOnePlaceMakeOneRequestAndItsDuplicates) {
  // Six neighbours report the same pile at once: the tenant's folio row
  // queues them, so exactly one is new and the rest are its duplicates,
  // with six distinct folios.
  constexpr int kReports = 6;
  std::vector<int> statuses(kReports, 0);
  std::vector<std::thread> threads;
  const std::string body = StreetReport(25.4, -103.4).dump();
  for (int i = 0; i < kReports; ++i) {
    threads.emplace_back([&, i] {
      statuses[i] = Call("POST", Path("gomez-palacio", "/requests"), body, citizen_).status;
    });
  }
  for (auto& thread : threads) thread.join();
  for (int status : statuses) EXPECT_EQ(status, 201);
  EXPECT_EQ(Owner("SELECT count(*) FILTER (WHERE status = 'received') || '/' || "
                  "count(*) FILTER (WHERE status = 'duplicate') || '/' || count(DISTINCT folio) "
                  "FROM service_requests.requests"),
            "1/5/6");
  EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.requests d "
                  "JOIN service_requests.requests o ON o.id = d.duplicate_of "
                  "WHERE o.status = 'received'"),
            "5");
}

TEST_F(IntakeTest, EachApiKeyHasItsLimitPerMinute) {
  Configure("gomez-palacio",
            {{"api_key_requests_per_minute", 3}, {"reports_per_address_per_minute", 100}});
  const std::string key = InsertApiKey("gomez-palacio", "App 1");
  const std::string other = InsertApiKey("gomez-palacio", "App 2");
  auto report = [&](const std::string& api_key) {
    return PostForm(Open311("gomez-palacio", "/requests.json"),
                    {{"api_key", api_key},
                     {"service_code", "limpieza-calles"},
                     {"address_string", "Calle Hidalgo 10"},
                     {"attribute[tipo_residuo]", "ramas"}});
  };
  for (int i = 0; i < 3; ++i) ASSERT_EQ(report(key).status, 200) << i;
  auto limited = report(key);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.Header("retry-after").empty());
  json errors = json::parse(limited.body, nullptr, false);
  ASSERT_TRUE(errors.is_array()) << limited.body;
  EXPECT_EQ(errors[0]["code"], 429);
  // The limit is the key's: another app still reports.
  EXPECT_EQ(report(other).status, 200);
  EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.requests"), "4");
}

TEST_F(IntakeTest, EachClientAddressHasItsLimitPerMinute) {
  Configure("gomez-palacio", {{"reports_per_address_per_minute", 2}});
  Report(StreetReport(25.1, -103.5));
  Report(StreetReport(25.2, -103.5));
  auto native =
      Call("POST", Path("gomez-palacio", "/requests"), StreetReport(25.3, -103.5).dump(), citizen_);
  EXPECT_EQ(native.status, 429) << native.body;
  EXPECT_FALSE(native.Header("retry-after").empty());
  // The same address through Open311, with a valid key.
  auto open311 = PostForm(Open311("gomez-palacio", "/requests.json"),
                          {{"api_key", InsertApiKey("gomez-palacio")},
                           {"service_code", "limpieza-calles"},
                           {"address_string", "Calle Hidalgo 10"},
                           {"attribute[tipo_residuo]", "ramas"}});
  EXPECT_EQ(open311.status, 429) << open311.body;
  EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.requests"), "2");
}

TEST_F(IntakeTest, ACitizenReportsThroughTheNativeApi) {
  json created = Post("gomez-palacio", "/requests",
                      {{"service_code", "limpieza-calles"},
                       {"lat", 25.5612},
                       {"long", -103.4977},
                       {"address_string", "Av. Morelos 120"},
                       {"zipcode", "35000"},
                       {"description", "Escombro en la banqueta"},
                       {"media_url", "https://fotos.example.com/1.jpg"},
                       {"attributes", {{"tipo_residuo", "escombro"}, {"volumen_m3", "0.5"}}}},
                      citizen_);
  EXPECT_EQ(created["service_request_id"], "1");
  EXPECT_EQ(created["tenant"], "gomez-palacio");
  EXPECT_EQ(created["status"], "received");
  EXPECT_EQ(created["open311_status"], "open");
  EXPECT_EQ(created["service_code"], "limpieza-calles");
  EXPECT_EQ(created["lat"], 25.5612);
  EXPECT_EQ(created["zipcode"], "35000");
  EXPECT_EQ(created["agency_responsible"], "Dirección de Servicios Públicos Municipales");
  EXPECT_EQ(created["attributes"], json({{"tipo_residuo", "escombro"}, {"volumen_m3", 0.5}}));
  EXPECT_EQ(created["service_notice"],
            "Recibimos su reporte con folio 1; lo atiende Dirección de Servicios Públicos "
            "Municipales.");
  EXPECT_FALSE(created.contains("reporter_id"));
  EXPECT_EQ(Owner("SELECT r.reporter_id = u.id FROM service_requests.requests r, core.users u "
                  "WHERE u.email = 'vecina@example.com'"),
            "t");
  EXPECT_EQ(Owner("SELECT changes::jsonb->>'channel' FROM core.audit_log "
                  "WHERE action = 'service-requests.request.create'"),
            "native");
  EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.events WHERE status = 'received'"), "1");

  // Anonymous: 401; an unknown service: 404; bad fields: 422, one per field.
  EXPECT_EQ(
      Call("POST", Path("gomez-palacio", "/requests"), StreetReport(25.5, -103.5).dump()).status,
      401);
  EXPECT_EQ(Call("POST", Path("gomez-palacio", "/requests"),
                 StreetReport(25.5, -103.5, "baches").dump(), citizen_)
                .status,
            404);
  auto bad = Call("POST", Path("gomez-palacio", "/requests"),
                  json({{"service_code", "limpieza-calles"},
                        {"lat", 25.5},
                        {"description", "<script>alert(1)</script>"},
                        {"zipcode", "12"},
                        {"attributes", {{"tipo_residuo", "plastico"}, {"inventado", "x"}}},
                        {"contact", {{"email", "no-es-correo"}, {"phone", "12345"}}}})
                      .dump(),
                  citizen_);
  ASSERT_EQ(bad.status, 422) << bad.body;
  std::set<std::string> fields;
  const json problem = json::parse(bad.body);
  for (const json& error : problem["errors"]) fields.insert(error["field"]);
  for (const char* field : {"long", "description", "zipcode", "attribute[tipo_residuo]",
                            "attribute[inventado]", "email", "phone"}) {
    EXPECT_TRUE(fields.count(field)) << field << ": " << bad.body;
  }
  auto nowhere = Call(
      "POST", Path("gomez-palacio", "/requests"),
      json({{"service_code", "limpieza-calles"}, {"attributes", {{"tipo_residuo", "escombro"}}}})
          .dump(),
      citizen_);
  EXPECT_EQ(nowhere.status, 422);
  EXPECT_NE(nowhere.body.find("ubicación"), std::string::npos) << nowhere.body;
  // A retired service takes no reports.
  AsOwner([](pqxx::work& work) {
    return work.exec(
        "UPDATE service_requests.services SET active = false "
        "WHERE service_code = 'separacion-residuos'");
  });
  EXPECT_EQ(Call("POST", Path("gomez-palacio", "/requests"),
                 StreetReport(25.5, -103.5, "separacion-residuos").dump(), citizen_)
                .status,
            404);
  EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.requests"), "1");
}

TEST_F(IntakeTest, ARetryWithTheSameIdempotencyKeyStoresOneReport) {
  const std::string body = StreetReport(25.5, -103.5).dump();
  const std::map<std::string, std::string> headers = {{"Idempotency-Key", "reporte-123"}};
  auto first = Call("POST", Path("gomez-palacio", "/requests"), body, citizen_, headers);
  ASSERT_EQ(first.status, 201) << first.body;
  auto second = Call("POST", Path("gomez-palacio", "/requests"), body, citizen_, headers);
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.Header("idempotent-replayed"), "true");
  EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.requests"), "1");

  // An Open311 app retrying its form the same way.
  const std::string key = InsertApiKey("gomez-palacio");
  const FormFields form = {{"api_key", key},
                           {"service_code", "limpieza-calles"},
                           {"address_string", "Calle Hidalgo 10"},
                           {"attribute[tipo_residuo]", "ramas"}};
  auto a = PostForm(Open311("gomez-palacio", "/requests.json"), form, {{"Idempotency-Key", "k1"}});
  auto b = PostForm(Open311("gomez-palacio", "/requests.json"), form, {{"Idempotency-Key", "k1"}});
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.body, a.body);
  EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.requests"), "2");
}

// A phone retries a report refused by the per-address limit after
// Retry-After, with the same Idempotency-Key: the 429 did nothing and is not
// replayed; the retry stores the report.
TEST_F(IntakeTest, ARetryAfterA429WithTheSameKeyRunsForReal) {
  const std::string admin = MakeUser("jefa-servicios@gomez-palacio.mx", "admin", "gomez-palacio");
  auto limit = [&](int per_minute) {
    auto put =
        Call("PUT", "/v1/tenants/gomez-palacio/modules/service-requests",
             json{{"config", {{"reports_per_address_per_minute", per_minute}}}}.dump(), admin);
    ASSERT_TRUE(put.status == 200 || put.status == 201) << put.body;
  };
  limit(1);
  Report(StreetReport(25.1, -103.5));
  const std::string body = StreetReport(25.3, -103.5).dump();
  const std::map<std::string, std::string> headers = {{"Idempotency-Key", "tras-429"}};
  auto limited = Call("POST", Path("gomez-palacio", "/requests"), body, citizen_, headers);
  ASSERT_EQ(limited.status, 429) << limited.body;
  limit(100);
  auto retry = Call("POST", Path("gomez-palacio", "/requests"), body, citizen_, headers);
  EXPECT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.Header("idempotent-replayed"), "");
  EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.requests"), "2");
}

TEST_F(IntakeTest, TheContactIsSealedAndNeverInTheRow) {
  json created = Report({{"service_code", "limpieza-calles"},
                         {"lat", 25.5},
                         {"long", -103.5},
                         {"attributes", {{"tipo_residuo", "ramas"}}},
                         {"contact",
                          {{"email", "maria.lopez@example.com"},
                           {"phone", "+52 871-555-0199"},
                           {"first_name", "María"},
                           {"last_name", "Zamarripa"}}}});
  const std::string id = created["id"];
  EXPECT_EQ(Owner("SELECT left(reporter_contact, 3) FROM service_requests.requests "
                  "WHERE id = $1::uuid",
                  id),
            "v1.");
  for (const char* secret : {"maria.lopez", "8715550199", "871-555", "Zamarripa"}) {
    EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.requests r WHERE strpos(r::text, $1) "
                    "> 0",
                    secret),
              "0")
        << secret;
    EXPECT_EQ(Owner("SELECT count(*) FROM service_requests.events e WHERE strpos(e::text, $1) "
                    "> 0",
                    secret),
              "0")
        << secret;
    EXPECT_EQ(Owner("SELECT count(*) FROM core.audit_log a WHERE strpos(a::text, $1) > 0", secret),
              "0")
        << secret;
  }
  EXPECT_EQ(created.dump().find("maria"), std::string::npos);
  // No contact: no sealed value at all.
  json bare = Report(StreetReport(25.6, -103.5));
  EXPECT_EQ(Owner("SELECT reporter_contact IS NULL FROM service_requests.requests "
                  "WHERE id = $1::uuid",
                  bare["id"].get<std::string>()),
            "t");
  // The phone stored is the 10 digits (opened with the instance's key; the
  // host's own test covers that a copy to another row does not open).
}

}  // namespace
}  // namespace cabildo::testing
