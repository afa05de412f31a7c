// The reporter's contact data is private (issue 20, point 1): a whole flow —
// services, an app's API key, reports through Open311 (form-encoded, with
// email, phone, names, device and account ids) and through the native API
// (a signed-in citizen with a contact), a duplicate, staff attending them
// and reading a contact (audited), hostile inputs — with the server's log
// captured, then a scan of everything that leaves the server: every public
// answer of the native API and of Open311, the exports, the statistics, the
// OpenAPI document, the module catalogue, every audit entry, every 4xx body
// and the log. No reporter's email, phone, name or device id may appear.
// Then as the database owner: the contact column holds only sealed values,
// and no other column of the module's tables (nor the audit log) holds any
// of them.
#include "cabildo/core/crypto.h"

#include "service_requests_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

class PrivacyTest : public ServiceRequestsTest {
 protected:
  void Hostile(const HttpResult& result, const std::string& what) {
    EXPECT_GE(result.status, 400) << what << ": " << result.body;
    EXPECT_LT(result.status, 500) << what << ": " << result.body;
    scanned_.emplace_back("4xx " + what, result.body);
  }
  void Public(const std::string& what, const std::string& path) {
    auto result = Call("GET", path);
    EXPECT_EQ(result.status, 200) << what << ": " << result.body;
    scanned_.emplace_back("public " + what, result.body);
  }
  std::string OwnerValue(const std::string& sql, const std::string& param) {
    return AsOwner([&](pqxx::work& work) {
      auto rows = work.exec_params(sql, param);
      return rows.empty() || rows[0][0].is_null() ? std::string() : rows[0][0].as<std::string>();
    });
  }

  // Reporter `n`'s contact as an Open311 client sends it.
  static FormFields ContactOf(int n) {
    const std::string number = std::to_string(4000 + n);
    return {{"email", "vecina" + number + "@correo.mx"}, {"phone", "871555" + number},
            {"first_name", "Reportante" + number},       {"last_name", "Apellido" + number},
            {"device_id", "dispositivo-" + number},      {"account_id", "cuenta-" + number}};
  }
  static std::vector<std::string> SecretsOf(int n) {
    std::vector<std::string> secrets;
    for (const auto& [field, value] : ContactOf(n)) secrets.push_back(value);
    return secrets;
  }

  std::vector<std::pair<std::string, std::string>> scanned_;  // (what, text)
};

using service_requests_privacy = PrivacyTest;

TEST_F(service_requests_privacy, NoReporterContactLeavesTheServerOrRestsInClear) {
  const std::string admin = MakeUser("admin@gomezpalacio.gob.mx", "admin", "gomez-palacio");
  const std::string editor = MakeUser("servicios@gomezpalacio.gob.mx", "editor", "gomez-palacio");
  const std::string auditor = MakeUser("auditoria@gomezpalacio.gob.mx", "auditor", "gomez-palacio");
  std::vector<std::string> secrets;
  for (int n = 1; n <= 5; ++n) {
    for (auto& secret : SecretsOf(n)) secrets.push_back(secret);
  }
  // The native reporter signs in with the email of their contact, as most do.
  const std::string citizen_email = "vecina4005@correo.mx";
  const std::string citizen = MakeCitizen(citizen_email);

  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();

  // 1. Services and an app's key, through the API.
  const std::string service =
      Post("gomez-palacio", "/services", StreetCleaningService(), admin)["id"];
  Post("gomez-palacio", "/services", WasteSeparationService(), admin);
  const std::string key =
      Post("gomez-palacio", "/api-keys", {{"name", "Reporta GP"}}, admin)["key"];
  ASSERT_EQ(key.size(), 64u);

  // 2. Four reports through Open311 with a full contact; the fourth repeats
  // the first (same place, minutes later): a duplicate.
  const std::string post = Open311("gomez-palacio", "/requests.json");
  std::vector<std::string> folios;
  for (int n = 1; n <= 4; ++n) {
    FormFields form = {
        {"api_key", key},
        {"jurisdiction_id", "gomez-palacio"},
        {"service_code", "limpieza-calles"},
        {"lat", n == 4 ? "25.561100" : "25.56" + std::to_string(n) + "0"},
        {"long", "-103.498300"},
        {"address_string", "Av. Morelos " + std::to_string(100 * n)},
        {"description", "Basura acumulada en la banqueta, reporte " + std::to_string(n)},
        {"attribute[tipo_residuo]", "basura_domestica"}};
    for (auto& field : ContactOf(n)) form.push_back(field);
    auto sent = PostForm(post, form);
    ASSERT_EQ(sent.status, 200) << sent.body;
    json answer = json::parse(sent.body);
    ASSERT_TRUE(answer.is_array() && answer.size() == 1) << sent.body;
    // The specification's answer gives the sender back its own account_id;
    // nothing else of the contact.
    EXPECT_EQ(answer[0]["account_id"], "cuenta-" + std::to_string(4000 + n));
    answer[0].erase("account_id");
    scanned_.emplace_back("open311 POST answer", answer.dump());
    folios.push_back(answer[0].value("service_request_id", ""));
  }
  // 3. A signed-in citizen reports through the native API with a contact.
  const json native = Post("gomez-palacio", "/requests",
                           {{"service_code", "separacion-residuos"},
                            {"lat", 25.5702},
                            {"long", -103.4901},
                            {"address_string", "Calle Hidalgo 45"},
                            {"description", "El contenedor de PET está lleno desde el lunes."},
                            {"attributes", {{"materiales", {"pet"}}}},
                            {"contact",
                             {{"email", citizen_email},
                              {"phone", "8715554005"},
                              {"first_name", "Reportante4005"},
                              {"last_name", "Apellido4005"}}}},
                           citizen);
  scanned_.emplace_back("native POST answer", native.dump());

  // 4. Hostile inputs carrying contact data: refusals say what is wrong, not the value.
  FormFields bad_email = {
      {"api_key", key},       {"service_code", "limpieza-calles"},  {"lat", "25.5601"},
      {"long", "-103.4983"},  {"attribute[tipo_residuo]", "ramas"}, {"email", "vecina4099@correo"},
      {"phone", "87155x4099"}};
  secrets.push_back("vecina4099@correo");
  secrets.push_back("87155x4099");
  Hostile(PostForm(post, bad_email), "bad email and phone");
  FormFields no_key = bad_email;
  no_key.erase(no_key.begin());
  Hostile(PostForm(post, no_key), "no api_key");
  Hostile(Call("GET",
               Path("gomez-palacio", "/requests/" + native["id"].get<std::string>() + "/contact")),
          "anonymous contact read");
  Hostile(Call("GET",
               Path("gomez-palacio", "/requests/" + native["id"].get<std::string>() + "/contact"),
               "", citizen),
          "a citizen reads a contact");

  // 5. Staff attend and read a contact (audited read).
  const std::string first = OwnerValue(
      "SELECT id::text FROM service_requests.requests WHERE folio = $1::bigint AND tenant_id = "
      "(SELECT id FROM core.tenants WHERE slug = 'gomez-palacio')",
      folios[0]);
  {
    auto current = Call("GET", Path("gomez-palacio", "/requests/" + first), "", editor);
    ASSERT_EQ(current.status, 200) << current.body;
    auto patched = Call("PATCH", Path("gomez-palacio", "/requests/" + first),
                        json{{"status", "in_progress"},
                             {"status_notes", "Cuadrilla asignada para el jueves."},
                             {"agency_responsible", "Servicios Públicos"}}
                            .dump(),
                        editor, {{"If-Match", current.Header("etag")}});
    EXPECT_EQ(patched.status, 200) << patched.body;
  }
  auto contact = Call("GET", Path("gomez-palacio", "/requests/" + first + "/contact"), "", editor);
  ASSERT_EQ(contact.status, 200) << contact.body;
  EXPECT_NE(contact.body.find(SecretsOf(1)[0]), std::string::npos) << "the contact opens";

  // 6. Everything public.
  const std::string base = Path("gomez-palacio", "");
  const std::string state = Path("durango", "");
  Public("services", base + "/services");
  Public("service", base + "/services/" + service);
  Public("requests", base + "/requests");
  Public("requests (state)", state + "/requests?include_descendants=true");
  Public("request", base + "/requests/" + first);
  Public("native request", base + "/requests/" + native["id"].get<std::string>());
  Public("history", base + "/requests/" + first + "/history");
  Public("export csv", base + "/export.csv");
  Public("export json", state + "/export.json?include_descendants=true");
  Public("stats", state + "/stats?include_descendants=true");
  Public("discovery", Open311("gomez-palacio", "/discovery.json"));
  Public("o311 services", Open311("gomez-palacio", "/services.json"));
  Public("o311 definition", Open311("gomez-palacio", "/services/limpieza-calles.json"));
  Public("o311 requests", Open311("gomez-palacio", "/requests.json"));
  for (const auto& folio : folios) {
    Public("o311 request " + folio, Open311("gomez-palacio", "/requests/" + folio + ".json"));
  }
  Public("OpenAPI", "/v1/openapi.json");
  Public("modules", "/v1/modules");
  // The citizen's own list shows their report, and not their contact either.
  {
    auto mine = Call("GET", base + "/requests/mine", "", citizen);
    EXPECT_EQ(mine.status, 200) << mine.body;
    scanned_.emplace_back("mine", mine.body);
  }

  // 7. Every audit entry, every page.
  std::string cursor;
  int audit_pages = 0;
  do {
    auto page = Call("GET",
                     "/v1/tenants/gomez-palacio/audit?limit=100" +
                         (cursor.empty() ? std::string() : "&cursor=" + cursor),
                     "", auditor);
    ASSERT_EQ(page.status, 200) << page.body;
    scanned_.emplace_back("audit page " + std::to_string(++audit_pages), page.body);
    const json parsed = json::parse(page.body);
    cursor = parsed["next_cursor"].is_string() ? parsed["next_cursor"].get<std::string>() : "";
  } while (!cursor.empty() && audit_pages < 50);

  const std::string log =
      ::testing::internal::GetCapturedStdout() + "\n" + ::testing::internal::GetCapturedStderr();
  scanned_.emplace_back("server log", log);
  EXPECT_NE(log.find("open311"), std::string::npos) << "no request log captured";

  // The scan is not vacuous: the sealed column really holds the secrets.
  {
    const std::string sealed = OwnerValue(
        "SELECT reporter_contact FROM service_requests.requests WHERE id = $1::uuid", first);
    ASSERT_EQ(sealed.rfind("v1.", 0), 0u);
  }
  for (const auto& [what, text] : scanned_) {
    for (const auto& secret : secrets) {
      EXPECT_EQ(text.find(secret), std::string::npos)
          << what << " contains a reporter's datum (" << secret.size() << " characters)";
    }
  }

  // 8. As the database owner: only sealed values, nowhere in clear.
  for (const auto& secret : secrets) {
    for (const char* sql :
         {"SELECT count(*) FROM service_requests.requests r WHERE strpos(r::text, $1) > 0"
          " OR position(convert_to($1, 'UTF8') IN"
          "             decode(substr(coalesce(r.reporter_contact, 'v1.'), 4), 'base64')) > 0",
          "SELECT count(*) FROM service_requests.events r WHERE strpos(r::text, $1) > 0",
          "SELECT count(*) FROM service_requests.services r WHERE strpos(r::text, $1) > 0",
          "SELECT count(*) FROM service_requests.api_keys r WHERE strpos(r::text, $1) > 0",
          "SELECT count(*) FROM core.audit_log r WHERE strpos(r::text, $1) > 0"}) {
      EXPECT_EQ(OwnerValue(sql, secret), "0") << sql;
    }
  }
  // And the API key itself rests only as its digest.
  EXPECT_EQ(OwnerValue("SELECT count(*) FROM service_requests.api_keys r"
                       " WHERE strpos(r::text, $1) > 0",
                       key),
            "0");
  EXPECT_EQ(OwnerValue("SELECT count(*) FROM core.audit_log r WHERE strpos(r::text, $1) > 0", key),
            "0");
}

}  // namespace
}  // namespace cabildo::testing
