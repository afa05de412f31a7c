// Privacy by construction (issue 19, point 4): a whole flow — a call, six
// applicants across every status, staff reads, decisions, a prevención
// answered and one left unanswered, a withdrawal, hostile inputs, the
// results — with the server's log captured, then a scan of everything that
// leaves the server: every public answer (calls, padrón, exports, the
// OpenAPI document, the module catalogue), every audit entry, every 4xx body
// and the log. No applicant's CURP, phone or email may appear in clear. Then
// as the database owner: the personal-data column contains none of them,
// not even once base64-decoded, and a server with another data key cannot
// open it.
#include <set>

#include "results_seed.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

constexpr int kApplicants = 6;

class PrivacyTest : public ScholarshipsSeedTest {
 protected:
  // Remembers a body of a 4xx answer to a hostile input, for the scan.
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

  // Status of an application as the owner sees it.
  std::string StatusOf(const std::string& id) {
    return OwnerValue("SELECT status FROM scholarships.applications WHERE id = $1::uuid", id);
  }

  void Decide(const std::string& id, const std::string& decision, double score,
              const std::string& note) {
    json body = {{"decision", decision}, {"score", score}};
    if (!note.empty()) body["note"] = note;
    Post("durango", "/applications/" + id + "/decision", body, reviewer_, 200);
  }

  // The secrets of applicant `n` (CompleteApplication): CURP, phone, email.
  static std::vector<std::string> SecretsOf(int n) {
    const json input = CompleteApplication(n, n % 2 ? 'M' : 'H');
    return {input["curp"], input["phone"], input["email"]};
  }

  std::string reviewer_;
  std::vector<std::pair<std::string, std::string>> scanned_;  // (what, text)
};

// The suite's name is what `ctest -R scholarships_privacy` selects.
using scholarships_privacy = PrivacyTest;

TEST_F(scholarships_privacy, NoApplicantDataInClearLeavesTheServerOrRestsInTheDatabase) {
  const std::string editor = MakeUser("editora@durango.gob.mx", "editor", "durango");
  reviewer_ = MakeUser("dictaminadora@durango.gob.mx", "reviewer", "durango");
  const std::string auditor = MakeUser("auditora@durango.gob.mx", "auditor", "durango");
  // Each applicant signs in with the email their application gives, as most
  // people do: the audit entries of their own actions must not name it in
  // clear either (the host masks the actor on routes open to every account).
  std::vector<std::string> citizens(kApplicants + 1);
  for (int n = 1; n <= kApplicants; ++n) {
    citizens[n] = MakeCitizen(CompleteApplication(n)["email"].get<std::string>());
  }
  std::vector<std::string> secrets;
  for (int n = 1; n <= kApplicants; ++n) {
    for (auto& secret : SecretsOf(n)) secrets.push_back(secret);
  }

  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();

  // 1. A call, published.
  const std::string call =
      Post("durango", "/calls", CompleteCall("Becas de permanencia 2026"), editor)["id"];
  Post("durango", "/calls/" + call + "/publish", json::object(), editor, 200);

  // 2. Six applications, one per citizen.
  std::vector<std::string> ids(kApplicants + 1);
  for (int n = 1; n <= kApplicants; ++n) {
    const json input = CompleteApplication(n, n % 2 ? 'M' : 'H');
    ids[n] = Post("durango", "/calls/" + call + "/applications", input, citizens[n])["id"];
  }

  // 3. Hostile inputs: each refusal must say what is wrong, not the value.
  const std::string apply = Path("durango", "/calls/" + call + "/applications");
  const auto bad = [&](const std::string& field, const json& value) {
    json input = CompleteApplication(40, 'M');
    input[field] = value;
    return input.dump();
  };
  std::string wrong_check = MakeCurp(41, 'M');
  wrong_check.back() = wrong_check.back() == '9' ? '0' : static_cast<char>(wrong_check.back() + 1);
  secrets.push_back(wrong_check);
  secrets.push_back("618000000x");
  secrets.push_back("no-es-un-correo@");
  Hostile(Call("POST", apply, bad("curp", wrong_check), citizens[1]), "CURP check digit");
  Hostile(Call("POST", apply, bad("curp", "GOMC991230HDGRRL0"), citizens[1]), "CURP 17 chars");
  Hostile(Call("POST", apply, bad("phone", "618000000x"), citizens[1]), "phone");
  Hostile(Call("POST", apply, bad("email", "no-es-un-correo@"), citizens[1]), "email");
  Hostile(Call("POST", apply, bad("birth_date", "1999-01-01"), citizens[1]), "birth date");
  // The same CURP again: 409 with the CURP masked at most.
  Hostile(Call("POST", apply, CompleteApplication(1, 'M').dump(), citizens[2]), "same CURP");
  Hostile(Call("GET", Path("durango", "/applications/" + ids[1]), "", citizens[2]),
          "another's application");
  Hostile(Call("GET", Path("durango", "/applications/" + ids[1])), "anonymous read");

  // 4. Staff read the applications (audited reads).
  Get("durango", "/calls/" + call + "/applications", reviewer_);
  Get("durango", "/calls/" + call + "/applications", auditor);
  for (int n = 1; n <= kApplicants; ++n) Get("durango", "/applications/" + ids[n], reviewer_);
  Get("durango", "/applications/" + ids[1], citizens[1]);

  // 5. Decisions: 1 and 2 approved, 3 rejected, 4 prevented and answered
  // then approved, 5 prevented and never answered, 6 withdrawn.
  Decide(ids[1], "approve", 97, "");
  Decide(ids[2], "approve", 92, "Cumple todos los requisitos.");
  Decide(ids[3], "reject", 55, "El promedio no alcanza el mínimo.");
  Decide(ids[4], "needs_info", 0, "Falta la constancia de estudios.");
  Decide(ids[5], "needs_info", 0, "Falta el comprobante de domicilio.");
  {
    auto current = Call("GET", Path("durango", "/applications/" + ids[4]), "", citizens[4]);
    ASSERT_EQ(current.status, 200) << current.body;
    json amended = CompleteApplication(4, 'H');
    amended["documents"].push_back(
        {{"kind", "constancia_estudios"}, {"url", "https://archivos.ejemplo.mx/nueva.pdf"}});
    auto patched = Call("PATCH", Path("durango", "/applications/" + ids[4]),
                        json{{"documents", amended["documents"]}}.dump(), citizens[4],
                        {{"If-Match", current.Header("etag")}});
    EXPECT_EQ(patched.status, 200) << patched.body;
  }
  Decide(ids[4], "approve", 88, "");
  Post("durango", "/applications/" + ids[6] + "/withdraw", json::object(), citizens[6], 200);

  // 6. The window closes; the results are published.
  ASSERT_EQ(SetWindow(call, HoursFromNow(-48), HoursFromNow(-1)), 1);
  const json results =
      Post("durango", "/calls/" + call + "/publish-results", json::object(), editor, 200);
  EXPECT_EQ(results["approved"], 3);
  EXPECT_EQ(results["rejected"], 2);
  EXPECT_EQ(StatusOf(ids[5]), "rejected");
  EXPECT_EQ(StatusOf(ids[6]), "withdrawn");

  // 7. Everything public.
  const std::string base = Path("durango", "");
  Public("padrón", base + "/calls/" + call + "/beneficiaries");
  Public("padrón CSV", base + "/beneficiaries.csv?include_descendants=true");
  Public("padrón JSON", base + "/beneficiaries.json?include_descendants=true");
  Public("OpenAPI", "/v1/openapi.json");
  Public("modules", "/v1/modules");
  Public("calls", base + "/calls?include_descendants=true");
  Public("open calls", base + "/calls?open=true");
  Public("call", base + "/calls/" + call);
  // The padrón shows the three approved, by name, nothing else.
  const json padron = json::parse(Call("GET", base + "/calls/" + call + "/beneficiaries").body);
  ASSERT_EQ(padron["items"].size(), 3u) << padron.dump();

  // 8. Every audit entry, every page.
  std::string cursor;
  int audit_pages = 0;
  do {
    auto page = Call("GET",
                     "/v1/tenants/durango/audit?limit=100" +
                         (cursor.empty() ? std::string() : "&cursor=" + cursor),
                     "", auditor);
    ASSERT_EQ(page.status, 200) << page.body;
    scanned_.emplace_back("audit page " + std::to_string(++audit_pages), page.body);
    const json parsed = json::parse(page.body);
    cursor = parsed["next_cursor"].is_string() ? parsed["next_cursor"].get<std::string>() : "";
  } while (!cursor.empty() && audit_pages < 50);
  EXPECT_NE(scanned_.back().second.find("scholarships.call.publish_results"), std::string::npos);

  const std::string log =
      ::testing::internal::GetCapturedStdout() + "\n" + ::testing::internal::GetCapturedStderr();
  scanned_.emplace_back("server log", log);
  // The scan is not vacuous: the log has the requests, and the secrets are
  // what the sealed column really holds (opened here with the server's key).
  EXPECT_NE(log.find("publish-results"), std::string::npos) << "no request log captured";
  for (int n = 1; n <= kApplicants; ++n) {
    const std::string sealed = OwnerValue(
        "SELECT personal_data FROM scholarships.applications WHERE id = $1::uuid", ids[n]);
    auto opened =
        Key().Open(sealed, core::PersonalDataBinding("scholarships", "application:" + ids[n]));
    ASSERT_TRUE(opened.ok());
    for (const auto& secret : SecretsOf(n)) {
      EXPECT_NE(opened->find(secret), std::string::npos) << "applicant " << n;
    }
  }

  // The scan.
  for (const auto& [what, text] : scanned_) {
    for (const auto& secret : secrets) {
      EXPECT_EQ(text.find(secret), std::string::npos)
          << what << " contains an applicant's datum (" << secret.size() << " characters)";
    }
  }

  // 9. As the database owner: the personal data is sealed, the only column
  // with it, and does not decode to any secret; no other column of the
  // module's tables holds one either.
  for (const auto& secret : secrets) {
    EXPECT_EQ(OwnerValue("SELECT count(*) FROM scholarships.applications a"
                         " WHERE strpos(a::text, $1) > 0"
                         "    OR position(convert_to($1, 'UTF8') IN"
                         "                decode(substr(a.personal_data, 4), 'base64')) > 0",
                         secret),
              "0")
        << "applications";
    for (const char* sql :
         {"SELECT count(*) FROM scholarships.decisions r WHERE strpos(r::text, $1) > 0",
          "SELECT count(*) FROM scholarships.beneficiaries r WHERE strpos(r::text, $1) > 0",
          "SELECT count(*) FROM scholarships.calls r WHERE strpos(r::text, $1) > 0",
          "SELECT count(*) FROM core.audit_log r WHERE strpos(r::text, $1) > 0"}) {
      EXPECT_EQ(OwnerValue(sql, secret), "0") << sql;
    }
  }
  EXPECT_EQ(OwnerValue("SELECT count(*) FROM scholarships.applications"
                       " WHERE call_id = $1::uuid AND personal_data LIKE 'v1.%'",
                       call),
            std::to_string(kApplicants));
  // And with psql itself, as an operator would look: the owner role, every
  // tenant in scope (row-level security binds the owner too), the column as
  // stored. Only sealed values, none of the secrets.
  const std::string command =
      "psql '" + database_.owner_url() +
      "' -v ON_ERROR_STOP=1 -qAtX -c \"SELECT set_config('cabildo.tenant_ids',"
      " (SELECT string_agg(id::text, ',') FROM core.tenants), false)\""
      " -c 'SELECT personal_data FROM scholarships.applications' 2>&1";
  std::string psql_out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    for (size_t read; (read = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
      psql_out.append(buffer, read);
    }
    EXPECT_EQ(pclose(pipe), 0) << psql_out;
  }
  int sealed_rows = 0;
  for (size_t at = psql_out.find("v1."); at != std::string::npos;
       at = psql_out.find("v1.", at + 1)) {
    ++sealed_rows;
  }
  EXPECT_EQ(sealed_rows, kApplicants) << psql_out;
  for (const auto& secret : secrets) EXPECT_EQ(psql_out.find(secret), std::string::npos);
}

// A server with another CABILDO_DATA_KEY over the same database cannot open
// what this one sealed: a clear 500 that says nothing of the data, and
// nothing is written.
TEST_F(scholarships_privacy, AnotherDataKeyCannotOpenThePersonalData) {
  const std::string call =
      SeedCall("durango", "Becas con otra llave", "2026-05-01T15:00:00Z", "2026-06-01T05:00:00Z");
  const json input = CompleteApplication(7, 'M');
  const std::string id = SeedApplication("durango", call, input, "approved", 90);

  // The key itself: another key (or another record's binding) does not open it.
  const std::string sealed =
      OwnerValue("SELECT personal_data FROM scholarships.applications WHERE id = $1::uuid", id);
  auto other = core::DataKey::FromHex(core::RandomHex(32));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(
      other->Open(sealed, core::PersonalDataBinding("scholarships", "application:" + id)).ok());
  EXPECT_FALSE(Key().Open(sealed, core::PersonalDataBinding("scholarships", "application:x")).ok());
  EXPECT_TRUE(
      Key().Open(sealed, core::PersonalDataBinding("scholarships", "application:" + id)).ok());

  // A second server over the same database with its own random key.
  auto config = database_.MakeConfig();
  config.plugin_dir = PluginDir();
  ASSERT_TRUE(config.data_key.has_value());
  api::App second(config);
  ASSERT_TRUE(second.Start().ok());
  const std::string editor = MakeUser("editora@durango.gob.mx", "editor", "durango");
  auto refused =
      HttpRequest(second.Port(), "POST", Path("durango", "/calls/" + call + "/publish-results"), "",
                  {{"Authorization", "Bearer " + editor}});
  EXPECT_EQ(refused.status, 500) << refused.body;
  for (const auto& secret : SecretsOf(7)) EXPECT_EQ(refused.body.find(secret), std::string::npos);
  EXPECT_EQ(refused.body.find(input["full_name"].get<std::string>()), std::string::npos);
  // Nothing was written: the call is still waiting for its results.
  EXPECT_EQ(OwnerValue("SELECT status FROM scholarships.calls WHERE id = $1::uuid", call),
            "published");
  EXPECT_EQ(
      OwnerValue("SELECT count(*) FROM scholarships.beneficiaries WHERE call_id = $1::uuid", call),
      "0");
  // The staff read of the full view fails the same way.
  {
    const std::string reviewer = MakeUser("dictaminador@durango.gob.mx", "reviewer", "durango");
    auto read = HttpRequest(second.Port(), "GET", Path("durango", "/applications/" + id), "",
                            {{"Authorization", "Bearer " + reviewer}});
    EXPECT_EQ(read.status, 500) << read.body;
    for (const auto& secret : SecretsOf(7)) EXPECT_EQ(read.body.find(secret), std::string::npos);
  }
  second.Stop(std::chrono::milliseconds(0), std::chrono::milliseconds(100));
  // The first server, with the key, still publishes them.
  auto published = Call("POST", Path("durango", "/calls/" + call + "/publish-results"), "", editor);
  EXPECT_EQ(published.status, 200) << published.body;
}

}  // namespace
}  // namespace cabildo::testing
