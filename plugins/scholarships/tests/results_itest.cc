// Results of a call and the public padrón (issue 19, point 5): publishing
// them is refused while the window is open or a decision is pending; the
// unanswered prevenciones are closed as rejected; the padrón has exactly
// name, amount_mxn, municipality, municipality_code, age and sex (minors as
// initials unless the tenant says full_name); it is public only after the
// results, and exported as CSV and JSON.
//
// Calls and applications are seeded as the owner (results_seed.h): this
// part's behaviour does not depend on how they got there.
#include <set>

#include "results_seed.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

class ResultsTest : public ScholarshipsSeedTest {
 protected:
  void SetUp() override {
    ScholarshipsSeedTest::SetUp();
    editor_ = MakeUser("editora@durango.gob.mx", "editor", "durango");
  }

  // A call that closed a month ago (31 May 2026 at 23:00 in Mexico City,
  // already 1 June in UTC: ages are counted on the Mexico City date).
  std::string ClosedCall(const std::string& tenant = "durango",
                         const std::string& title = "Becas de transporte 2026") {
    return SeedCall(tenant, title, "2026-05-01T15:00:00Z", "2026-06-01T05:00:00Z");
  }

  // CompleteApplication(n) with another name, birth date, sex or municipality.
  static json Applicant(int n, const std::string& name, const std::string& birth = "2005-03-12",
                        char sex = 'M', const std::string& municipality = "10005") {
    json input = CompleteApplication(n, sex);
    input["full_name"] = name;
    input["birth_date"] = birth;
    input["curp"] = MakeCurp(n, sex, birth.substr(2, 2) + birth.substr(5, 2) + birth.substr(8, 2));
    input["address"]["municipality_code"] = municipality;
    return input;
  }

  auto PublishResults(const std::string& tenant, const std::string& call_id,
                      const std::string& token) {
    return Call("POST", Path(tenant, "/calls/" + call_id + "/publish-results"), "", token);
  }

  std::string editor_;
};

// The suite's name is what `ctest -R scholarships_results` selects.
using scholarships_results = ResultsTest;

TEST_F(scholarships_results, RefusedWhileTheWindowIsOpenForDraftsAndForUnknownCalls) {
  const std::string open = SeedCall("durango", "Abierta", HoursFromNow(-1), HoursFromNow(24));
  SeedApplication("durango", open, CompleteApplication(1), "approved", 90);
  auto result = PublishResults("durango", open, editor_);
  EXPECT_EQ(result.status, 409) << result.body;
  EXPECT_NE(result.body.find("sigue abierta hasta el"), std::string::npos) << result.body;
  EXPECT_NE(result.body.find("hora del centro de México"), std::string::npos) << result.body;

  AsOwner([&](pqxx::work& work) {
    return work.exec_params(
        "UPDATE scholarships.calls SET status = 'draft', published_at = NULL"
        " WHERE id = $1::uuid",
        open);
  });
  result = PublishResults("durango", open, editor_);
  EXPECT_EQ(result.status, 409) << result.body;
  EXPECT_NE(result.body.find("borrador"), std::string::npos) << result.body;

  EXPECT_EQ(PublishResults("durango", "00000000-0000-4000-8000-000000000000", editor_).status, 404);
  // The call belongs to durango: another tenant's path does not find it.
  EXPECT_EQ(PublishResults("municipio-durango", open,
                           MakeUser("editora@municipio.mx", "editor", "municipio-durango"))
                .status,
            404);
  // Only who may publish: anonymous 401, a citizen of nowhere 404 (not a member).
  EXPECT_EQ(PublishResults("durango", ClosedCall(), "").status, 401);
  const int citizen = PublishResults("durango", open, MakeCitizen("ciudadana@correo.mx")).status;
  EXPECT_TRUE(citizen == 403 || citizen == 404) << citizen;
  // Nothing changed.
  EXPECT_EQ(
      OwnerValue("SELECT count(*) FROM scholarships.beneficiaries WHERE tenant_id::text <> $1", ""),
      "0");
}

TEST_F(scholarships_results, RefusedWhileApplicationsArePendingWithTheirCount) {
  const std::string call = ClosedCall();
  SeedApplication("durango", call, CompleteApplication(1), "submitted");
  const std::string reviewing =
      SeedApplication("durango", call, CompleteApplication(2), "under_review");
  SeedApplication("durango", call, CompleteApplication(3), "approved", 95);
  auto result = PublishResults("durango", call, editor_);
  EXPECT_EQ(result.status, 409) << result.body;
  EXPECT_NE(result.body.find("Faltan dictaminar 2 solicitudes"), std::string::npos) << result.body;
  EXPECT_EQ(OwnerValue("SELECT status FROM scholarships.calls WHERE id = $1::uuid", call),
            "published");
  // Deciding them unblocks it (a withdrawn one never blocks).
  AsOwner([&](pqxx::work& work) {
    return work.exec_params(
        "UPDATE scholarships.applications SET status = CASE WHEN id = $2::uuid THEN 'rejected'"
        " ELSE 'withdrawn' END WHERE call_id = $1::uuid AND status IN ('submitted',"
        " 'under_review')",
        call, reviewing);
  });
  result = PublishResults("durango", call, editor_);
  ASSERT_EQ(result.status, 200) << result.body;
  const json results = json::parse(result.body);
  EXPECT_EQ(results["call_id"], call);
  EXPECT_EQ(results["approved"], 1);
  EXPECT_EQ(results["rejected"], 1);
  EXPECT_EQ(results["beneficiaries"], 1);
  EXPECT_TRUE(results["resolved_at"].is_string());
}

TEST_F(scholarships_results, FreezesTheDecisionsAndClosesUnansweredPrevencionesAsRejected) {
  const std::string call = ClosedCall();
  SeedApplication("durango", call, Applicant(1, "Carla Gómez Ruiz"), "approved", 97);
  SeedApplication("durango", call, Applicant(2, "Diego Herrera Soto", "2004-07-01", 'H'),
                  "approved", 91);
  SeedApplication("durango", call, CompleteApplication(3), "rejected", 40);
  const std::string prevented =
      SeedApplication("durango", call, CompleteApplication(4), "needs_info");
  SeedApplication("durango", call, CompleteApplication(5), "withdrawn");

  auto result = PublishResults("durango", call, editor_);
  ASSERT_EQ(result.status, 200) << result.body;
  const json results = json::parse(result.body);
  EXPECT_EQ(results["approved"], 2);
  EXPECT_EQ(results["rejected"], 2);  // the one rejected and the unanswered prevención
  EXPECT_EQ(results["beneficiaries"], 2);

  // The prevención became a rejection by the system, with its note, in the history too.
  EXPECT_EQ(OwnerValue("SELECT status || '|' || decision_note || '|' || (decided_by IS NULL)"
                       " FROM scholarships.applications WHERE id = $1::uuid",
                       prevented),
            "rejected|No se atendió la prevención antes del cierre.|true");
  EXPECT_EQ(OwnerValue("SELECT decision || '|' || note || '|' || (reviewer_id IS NULL)"
                       " FROM scholarships.decisions WHERE application_id = $1::uuid",
                       prevented),
            "reject|No se atendió la prevención antes del cierre.|true");
  EXPECT_EQ(OwnerValue("SELECT status || '|' || (resolved_at IS NOT NULL) FROM"
                       " scholarships.calls WHERE id = $1::uuid",
                       call),
            "resolved|true");

  // Frozen: publishing again is refused and the padrón is written once.
  result = PublishResults("durango", call, editor_);
  EXPECT_EQ(result.status, 409) << result.body;
  EXPECT_NE(result.body.find("ya se publicaron"), std::string::npos) << result.body;
  EXPECT_EQ(
      OwnerValue("SELECT count(*) FROM scholarships.beneficiaries WHERE call_id = $1::uuid", call),
      "2");

  // The audit entry has counts only.
  const std::string auditor = MakeUser("auditora@durango.gob.mx", "auditor", "durango");
  auto audit = Call("GET", "/v1/tenants/durango/audit?limit=100", "", auditor);
  ASSERT_EQ(audit.status, 200) << audit.body;
  int entries = 0;
  const json entries_page = json::parse(audit.body);
  for (const auto& entry : entries_page["items"]) {
    if (entry["action"] != "scholarships.call.publish_results") continue;
    ++entries;
    EXPECT_EQ(entry["entity"], "call");
    EXPECT_EQ(entry["entity_id"], call);
    EXPECT_EQ(entry["changes"], (json{{"approved", 2},
                                      {"rejected", 2},
                                      {"beneficiaries", 2},
                                      {"needs_info_rejected", 1},
                                      {"resolved_at", results["resolved_at"]}}));
  }
  EXPECT_EQ(entries, 1);
  EXPECT_EQ(audit.body.find("Carla"), std::string::npos);
}

TEST_F(scholarships_results, ThePadronHasExactlyNameAmountMunicipalityAgeAndSex) {
  const std::string call = ClosedCall();
  // Born 1 June 2008: 18 on the UTC date the call closed, 17 on Mexico City's.
  SeedApplication("durango", call, Applicant(1, "  Ana Sofía   de la Cruz Ríos ", "2008-06-01"),
                  "approved", 99);
  SeedApplication("durango", call, Applicant(2, "Bruno Álvarez Núñez", "2005-03-12", 'H', "10007"),
                  "approved", 92);
  SeedApplication("durango", call, Applicant(3, "Xóchitl Pérez Luna", "2001-05-31", 'X', "12001"),
                  "approved", 88);
  ASSERT_EQ(PublishResults("durango", call, editor_).status, 200);

  const json page = Get("durango", "/calls/" + call + "/beneficiaries");
  ASSERT_EQ(page["items"].size(), 3u) << page.dump();
  EXPECT_TRUE(page["next_cursor"].is_null());
  const std::set<std::string> fields = {"name", "amount_mxn", "municipality", "municipality_code",
                                        "age",  "sex"};
  for (const auto& item : page["items"]) {
    std::set<std::string> keys;
    for (const auto& [key, value] : item.items()) keys.insert(key);
    EXPECT_EQ(keys, fields) << item.dump();
  }
  // By name; a minor by initials (particles skipped, accents kept in capitals).
  EXPECT_EQ(page["items"][0], (json{{"name", "A. S. C. R."},
                                    {"amount_mxn", "3000.00"},
                                    {"municipality", "Durango"},
                                    {"municipality_code", "10005"},
                                    {"age", 17},
                                    {"sex", "M"}}));
  EXPECT_EQ(page["items"][1], (json{{"name", "Bruno Álvarez Núñez"},
                                    {"amount_mxn", "3000.00"},
                                    {"municipality", "Gómez Palacio"},
                                    {"municipality_code", "10007"},
                                    {"age", 21},
                                    {"sex", "H"}}));
  // Born on the day the call closed (Mexico City): 25 that day. A key outside
  // the INEGI list of Durango and of every tenant shows as itself.
  EXPECT_EQ(page["items"][2], (json{{"name", "Xóchitl Pérez Luna"},
                                    {"amount_mxn", "3000.00"},
                                    {"municipality", "12001"},
                                    {"municipality_code", "12001"},
                                    {"age", 25},
                                    {"sex", "X"}}));
  // Nothing else of the application: no CURP, birth date, phone, email or school.
  const std::string body = page.dump();
  for (const char* secret : {"curp", "2008-06-01", "618555", "@correo.mx", "Colegio"}) {
    EXPECT_EQ(body.find(secret), std::string::npos) << secret;
  }
  EXPECT_EQ(body.find(MakeCurp(1, 'M', "080601")), std::string::npos);
}

TEST_F(scholarships_results, MinorsShowTheirFullNameWhenTheTenantSaysSo) {
  const std::string admin = MakeUser("admin@durango.gob.mx", "admin", "durango");
  auto configured = Call("PUT", "/v1/tenants/durango/modules/scholarships",
                         R"({"config":{"minors_in_padron":"full_name"}})", admin);
  ASSERT_TRUE(configured.status == 200 || configured.status == 201) << configured.body;
  const std::string call = ClosedCall();
  SeedApplication("durango", call, Applicant(1, "Ana Sofía de la Cruz Ríos", "2010-01-15"),
                  "approved", 99);
  ASSERT_EQ(PublishResults("durango", call, editor_).status, 200);
  const json page = Get("durango", "/calls/" + call + "/beneficiaries");
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["name"], "Ana Sofía de la Cruz Ríos");
  EXPECT_EQ(page["items"][0]["age"], 16);
  // Any other value is refused by the configuration's schema.
  auto bad = Call("PUT", "/v1/tenants/durango/modules/scholarships",
                  R"({"config":{"minors_in_padron":"apodos"}})", admin);
  EXPECT_TRUE(bad.status == 400 || bad.status == 422) << bad.body;
}

TEST_F(scholarships_results, BeneficiariesAreNotFoundBeforeTheResultsAndPagedAfter) {
  const std::string call = ClosedCall();
  for (int n = 1; n <= 3; ++n) {
    SeedApplication("durango", call,
                    Applicant(n, std::string(1, static_cast<char>('D' - n)) + "lma Persona " +
                                     std::to_string(n)),
                    "approved", 90);
  }
  auto before = Call("GET", Path("durango", "/calls/" + call + "/beneficiaries"));
  EXPECT_EQ(before.status, 404) << before.body;
  EXPECT_NE(before.body.find("aún no se publican"), std::string::npos) << before.body;
  Get("durango", "/calls/00000000-0000-4000-8000-000000000000/beneficiaries", "", 404);
  Get("municipio-durango", "/calls/" + call + "/beneficiaries", "", 404);
  // A draft is not even admitted to exist.
  const std::string draft = SeedCall("durango", "Borrador", HoursFromNow(1), HoursFromNow(48));
  AsOwner([&](pqxx::work& work) {
    return work.exec_params(
        "UPDATE scholarships.calls SET status = 'draft', published_at = NULL WHERE id = $1::uuid",
        draft);
  });
  auto hidden = Call("GET", Path("durango", "/calls/" + draft + "/beneficiaries"));
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.body.find("aún no se publican"), std::string::npos) << hidden.body;

  ASSERT_EQ(PublishResults("durango", call, editor_).status, 200);
  const json first = Get("durango", "/calls/" + call + "/beneficiaries?limit=2");
  ASSERT_EQ(first["items"].size(), 2u);
  EXPECT_EQ(first["items"][0]["name"], "Alma Persona 3");
  EXPECT_EQ(first["items"][1]["name"], "Blma Persona 2");
  ASSERT_TRUE(first["next_cursor"].is_string());
  const json second = Get("durango", "/calls/" + call + "/beneficiaries?limit=2&cursor=" +
                                         first["next_cursor"].get<std::string>());
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_EQ(second["items"][0]["name"], "Clma Persona 1");
  EXPECT_TRUE(second["next_cursor"].is_null());
  // The padrón never changes after it is written: nothing since now.
  EXPECT_TRUE(
      Get("durango", "/calls/" + call + "/beneficiaries?updated_since=" + HoursFromNow(1))["items"]
          .empty());
}

// Namesakes page correctly, and the cursor (base64 JSON, signed) never
// carries an application's id: those stay private.
TEST_F(scholarships_results, PagesThroughNamesakesWithoutApplicationIdsInTheCursor) {
  const std::string call = ClosedCall();
  std::vector<std::string> ids;
  for (int n = 1; n <= 3; ++n) {
    ids.push_back(SeedApplication("durango", call, Applicant(n, "Ana López Ruiz"), "approved", 90));
  }
  ids.push_back(SeedApplication("durango", call, Applicant(4, "Beto Soto"), "approved", 90));
  ids.push_back(SeedApplication("durango", call, Applicant(5, "Ana Aguirre"), "approved", 90));
  ASSERT_EQ(PublishResults("durango", call, editor_).status, 200);
  for (int limit : {1, 2, 3}) {
    std::vector<std::string> names;
    std::string cursor;
    for (int pages = 0; pages < 10; ++pages) {
      const json page =
          Get("durango", "/calls/" + call + "/beneficiaries?limit=" + std::to_string(limit) +
                             (cursor.empty() ? "" : "&cursor=" + cursor));
      for (const auto& item : page["items"]) names.push_back(item["name"]);
      if (!page["next_cursor"].is_string()) break;
      cursor = page["next_cursor"];
      std::string decoded;
      const std::string payload = cursor.substr(0, cursor.find('.'));
      const std::string alphabet =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      unsigned bits = 0;
      int count = 0;
      for (char c : payload) {
        const size_t value = alphabet.find(c == '+' ? '-' : c == '/' ? '_' : c);
        if (value == std::string::npos) continue;
        bits = (bits << 6) | static_cast<unsigned>(value);
        if ((count += 6) >= 8) decoded.push_back(static_cast<char>((bits >> (count -= 8)) & 0xFF));
      }
      for (const auto& id : ids) EXPECT_EQ(decoded.find(id), std::string::npos) << decoded;
      EXPECT_NE(decoded.find("Ana"), std::string::npos) << decoded;  // it did decode
    }
    EXPECT_EQ(names, (std::vector<std::string>{"Ana Aguirre", "Ana López Ruiz", "Ana López Ruiz",
                                               "Ana López Ruiz", "Beto Soto"}))
        << "limit " << limit;
  }
  // A cursor of another list is refused.
  auto tampered = Call("GET", Path("durango", "/calls/" + call + "/beneficiaries?cursor=abc"));
  EXPECT_EQ(tampered.status, 400) << tampered.body;
}

TEST_F(scholarships_results, ExportsStreamThePadronOfResolvedCallsAsCsvAndJson) {
  const std::string state = ClosedCall("durango", "Becas estatales, \"2026\"");
  SeedApplication("durango", state, Applicant(1, "Carla Gómez Ruiz"), "approved", 97);
  SeedApplication("durango", state, Applicant(2, "=Ana Herrera"), "approved", 90);
  const std::string municipal = ClosedCall("municipio-durango", "Becas municipales");
  SeedApplication("municipio-durango", municipal, Applicant(3, "Elena Ibarra Luna"), "approved",
                  93);
  // Not resolved: not in any export.
  const std::string pending = ClosedCall("durango", "Pendiente");
  SeedApplication("durango", pending, Applicant(4, "Fausto Pendiente"), "approved", 80);
  ASSERT_EQ(PublishResults("durango", state, editor_).status, 200);
  ASSERT_EQ(PublishResults("municipio-durango", municipal,
                           MakeUser("editor@municipio.mx", "editor", "municipio-durango"))
                .status,
            200);

  auto csv = Call("GET", Path("durango", "/beneficiaries.csv?include_descendants=true"));
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_TRUE(csv.chunked && csv.complete);
  EXPECT_FALSE(csv.Header("etag").empty());
  EXPECT_EQ(csv.body,
            "tenant,call_id,call_title,name,amount_mxn,municipality,municipality_code,age,sex\r\n"
            "durango," +
                state +
                ",\"Becas estatales, \"\"2026\"\"\",'=Ana Herrera,3000.00,"
                "Durango,10005,21,M\r\n"
                "durango," +
                state +
                ",\"Becas estatales, \"\"2026\"\"\",Carla Gómez Ruiz,3000.00,"
                "Durango,10005,21,M\r\n"
                "municipio-durango," +
                municipal +
                ",Becas municipales,Elena Ibarra Luna,3000.00,"
                "Durango,10005,21,M\r\n");
  // The tenant alone.
  auto own = Call("GET", Path("municipio-durango", "/beneficiaries.csv"));
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(own.body.find("Carla"), std::string::npos);
  EXPECT_NE(own.body.find("Elena Ibarra Luna"), std::string::npos);

  auto list = Call("GET", Path("durango", "/beneficiaries.json?include_descendants=true"));
  ASSERT_EQ(list.status, 200) << list.body;
  const json items = json::parse(list.body);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2], (json{{"tenant", "municipio-durango"},
                            {"call_id", municipal},
                            {"call_title", "Becas municipales"},
                            {"name", "Elena Ibarra Luna"},
                            {"amount_mxn", "3000.00"},
                            {"municipality", "Durango"},
                            {"municipality_code", "10005"},
                            {"age", 21},
                            {"sex", "M"}}));
  // Without include_descendants, durango's own.
  EXPECT_EQ(json::parse(Call("GET", Path("durango", "/beneficiaries.json")).body).size(), 2u);
  // Listed in the catalogue of open data.
  auto modules = Call("GET", "/v1/modules");
  EXPECT_NE(modules.body.find("beneficiarios-csv"), std::string::npos);
  EXPECT_NE(modules.body.find("beneficiarios-json"), std::string::npos);
  // A matching If-None-Match is a 304 before any row is read.
  auto again = Call("GET", Path("durango", "/beneficiaries.csv?include_descendants=true"), "", "",
                    {{"If-None-Match", csv.Header("etag")}});
  EXPECT_EQ(again.status, 304);
}

}  // namespace
}  // namespace cabildo::testing
