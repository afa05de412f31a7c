// Applications over HTTP against the real services: a citizen applies inside
// the call's window (outside: 422 with the dates), the CURP checked fully
// (published vectors valid and invalid), one live application per CURP per
// call even under twenty concurrent POSTs, eligibility and questions, the
// applicant reading, amending (needs_info) and withdrawing their own, other
// people getting 404, staff reads audited, and no audit entry or message
// holding a CURP, phone or e-mail in clear.
//
// The calls routes are another part's (calls.cc): the calls here are stored
// as the database owner, published, exactly as publishing leaves them
// (StoreCall). Decisions are the review part's: a needs_info or a resolved
// call is set the same way.
#include <algorithm>
#include <future>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "scholarships_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

class ScholarshipsApplicationsTest : public ScholarshipsTest {
 protected:
  // Stores `call` (ScholarshipsCallInput, e.g. CompleteCall) in `tenant` as
  // a call published now: the document without the column fields, the
  // columns from the fields. `status` "draft" stores an unpublished one.
  // Returns the call's id.
  std::string StoreCall(const std::string& tenant, json call,
                        const std::string& status = "published") {
    const std::string amount = call["amount_mxn"];
    const int slots = call["slots"];
    const std::string opens = call["opens_at"], closes = call["closes_at"];
    std::optional<std::string> results;
    if (call.contains("results_at")) results = call["results_at"].get<std::string>();
    for (const char* column : {"amount_mxn", "slots", "opens_at", "closes_at", "results_at"}) {
      call.erase(column);
    }
    return AsOwner([&](pqxx::work& work) {
      return work
          .exec_params(
              "INSERT INTO scholarships.calls (tenant_id, status, document, amount_mxn, slots, "
              "opens_at, closes_at, results_at, published_at) "
              "SELECT id, $2, $3::jsonb, $4::numeric, $5, $6::timestamptz, $7::timestamptz, "
              "$8::timestamptz, CASE WHEN $2 = 'draft' THEN NULL ELSE now() END "
              "FROM core.tenants WHERE slug = $1 RETURNING id::text",
              tenant, status, call.dump(), amount, slots, opens, closes, results)[0][0]
          .as<std::string>();
    });
  }

  // Runs `sql` with `args` as the owner; the first column of the first row
  // ("" when no row).
  template <typename... Args>
  std::string Sql(const std::string& sql, Args&&... args) {
    return AsOwner([&](pqxx::work& work) {
      const pqxx::result rows = work.exec_params(sql, std::forward<Args>(args)...);
      return rows.empty() || rows[0][0].is_null() ? std::string() : rows[0][0].as<std::string>();
    });
  }

  HttpResult Apply(const std::string& tenant, const std::string& call_id, const json& application,
                   const std::string& token) {
    return Call("POST", Path(tenant, "/calls/" + call_id + "/applications"), application.dump(),
                token);
  }

  // The field -> message of a 422's errors.
  static std::map<std::string, std::string> Errors(const HttpResult& result) {
    std::map<std::string, std::string> errors;
    const json problem = json::parse(result.body, nullptr, false);
    if (problem.is_object() && problem.contains("errors")) {
      for (const auto& e : problem["errors"]) errors[e.value("field", "")] = e.value("message", "");
    }
    return errors;
  }

  // The module's audit entries of `tenant` (every page), oldest first.
  std::vector<json> AuditEntries(const std::string& tenant, const std::string& auditor) {
    std::vector<json> entries;
    std::string path = "/v1/tenants/" + tenant + "/audit?limit=100";
    for (int pages = 0; pages < 50; ++pages) {
      auto result = Call("GET", path, "", auditor);
      EXPECT_EQ(result.status, 200) << result.body;
      const json log = json::parse(result.body, nullptr, false);
      if (!log.is_object() || !log.contains("items")) break;
      for (const auto& entry : log["items"]) {
        if (entry.value("action", "").rfind("scholarships.", 0) == 0) entries.push_back(entry);
      }
      if (!log.contains("next_cursor") || !log["next_cursor"].is_string()) break;
      path = "/v1/tenants/" + tenant +
             "/audit?limit=100&cursor=" + log["next_cursor"].get<std::string>();
    }
    return entries;
  }
  static std::vector<json> WithAction(const std::vector<json>& entries, const std::string& action) {
    std::vector<json> found;
    for (const auto& entry : entries) {
      if (entry["action"] == "scholarships." + action) found.push_back(entry);
    }
    return found;
  }

  // Fails when `text` holds the CURP, phone, e-mail or name of `application` in clear.
  static void ExpectNoPersonalData(const std::string& text, const json& application) {
    for (const char* field : {"curp", "phone", "email", "full_name"}) {
      const std::string value = application[field];
      EXPECT_EQ(text.find(value), std::string::npos) << field << " in clear: " << text;
    }
  }
};

// The input fields come back as sent, with the workflow fields; the
// applicant reads it and finds it in their list; the audit entry is masked;
// the column holds the sealed data, not the CURP.
TEST_F(ScholarshipsApplicationsTest, SubmitAnswersTheFullViewAndAuditsItMasked) {
  const std::string call_id = StoreCall("municipio-durango", CompleteCall("Becas de transporte"));
  const std::string citizen = MakeCitizen("carla@correo.mx");
  const json sent = CompleteApplication(1, 'M');
  auto result = Apply("municipio-durango", call_id, sent, citizen);
  ASSERT_EQ(result.status, 201) << result.body;
  const json created = json::parse(result.body);
  for (const auto& [key, value] : sent.items()) EXPECT_EQ(created[key], value) << key;
  EXPECT_EQ(created["status"], "submitted");
  EXPECT_EQ(created["tenant"], "municipio-durango");
  EXPECT_EQ(created["call_id"], call_id);
  EXPECT_EQ(created["call_title"], "Becas de transporte");
  EXPECT_TRUE(created["score"].is_null());
  EXPECT_TRUE(created["decision_note"].is_null());
  EXPECT_TRUE(created["decided_at"].is_null());
  for (const char* at : {"submitted_at", "created_at", "updated_at"}) {
    EXPECT_TRUE(plugin::IsRfc3339Timestamp(created[at].get<std::string>())) << at;
  }
  const std::string id = created["id"];
  EXPECT_EQ(Get("municipio-durango", "/applications/" + id, citizen), created);
  const json mine = Get("municipio-durango", "/my-applications", citizen);
  ASSERT_EQ(mine["items"].size(), 1u);
  EXPECT_EQ(mine["items"][0], created);
  EXPECT_TRUE(mine["next_cursor"].is_null());

  // Sealed at rest: the column is not the CURP, nor holds it.
  const std::string stored =
      Sql("SELECT personal_data FROM scholarships.applications WHERE id = $1::uuid", id);
  EXPECT_EQ(stored.rfind("v1.", 0), 0u);
  ExpectNoPersonalData(stored, sent);

  const std::string auditor = MakeUser("auditora@durango.gob.mx", "auditor", "municipio-durango");
  const auto entries = AuditEntries("municipio-durango", auditor);
  const auto submits = WithAction(entries, "application.submit");
  ASSERT_EQ(submits.size(), 1u);
  EXPECT_EQ(submits[0]["entity"], "application");
  EXPECT_EQ(submits[0]["entity_id"], id);
  const json after = submits[0]["changes"]["after"];
  const std::string curp = sent["curp"];
  EXPECT_EQ(after["curp"], curp.substr(0, 4) + "******" + curp.substr(10));
  EXPECT_EQ(after["status"], "submitted");
  EXPECT_EQ(after["call_id"], call_id);
  EXPECT_FALSE(after.contains("phone"));
  // The applicant's own reads are not staff reads: nothing audited.
  EXPECT_TRUE(WithAction(entries, "application.read").empty());
  for (const auto& entry : entries) ExpectNoPersonalData(entry.dump(), sent);
}

// Twenty POSTs of one CURP at once: exactly one is accepted, nineteen get
// 409 with the masked CURP; a withdrawn one does not count any more.
TEST_F(ScholarshipsApplicationsTest, OneApplicationPerCurpUnderTwentyConcurrentPosts) {
  const std::string call_id = StoreCall("durango", CompleteCall("Becas estatales"));
  std::vector<std::string> tokens;
  for (int i = 0; i < 4; ++i) {
    tokens.push_back(MakeCitizen("persona" + std::to_string(i) + "@correo.mx"));
  }
  const json application = CompleteApplication(7);
  const std::string curp = application["curp"];
  std::vector<std::future<HttpResult>> posts;
  for (int i = 0; i < 20; ++i) {
    posts.push_back(std::async(std::launch::async, [&, i] {
      return Apply("durango", call_id, application, tokens[i % tokens.size()]);
    }));
  }
  int created = 0, conflicts = 0;
  std::string winner;
  for (auto& post : posts) {
    const HttpResult result = post.get();
    if (result.status == 201) {
      ++created;
      winner = json::parse(result.body)["id"];
    } else if (result.status == 409) {
      ++conflicts;
      const std::string detail = json::parse(result.body)["detail"];
      EXPECT_EQ(detail, "Ya existe una solicitud con la CURP " + curp.substr(0, 4) + "******" +
                            curp.substr(10) + " en esta convocatoria.");
      EXPECT_EQ(result.body.find(curp), std::string::npos);
    } else {
      ADD_FAILURE() << result.status << " " << result.body;
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(conflicts, 19);
  EXPECT_EQ(Sql("SELECT count(*) FROM scholarships.applications WHERE call_id = $1::uuid", call_id),
            "1");

  // The same CURP in another call is another application.
  const std::string other = StoreCall("durango", CompleteCall("Becas de excelencia"));
  EXPECT_EQ(Apply("durango", other, application, tokens[1]).status, 201);

  // Withdrawn, it no longer counts: its holder may apply again.
  std::string owner_token;
  for (const auto& token : tokens) {
    if (Call("GET", Path("durango", "/applications/" + winner), "", token).status == 200) {
      owner_token = token;
    }
  }
  ASSERT_FALSE(owner_token.empty());
  Post("durango", "/applications/" + winner + "/withdraw", json::object(), owner_token, 200);
  EXPECT_EQ(Apply("durango", call_id, application, owner_token).status, 201);
  EXPECT_EQ(Apply("durango", call_id, application, owner_token).status, 409);
}

// Before opens_at and from closes_at: 422 whose detail says the window in
// Mexico City time. A draft or unknown call: 404.
TEST_F(ScholarshipsApplicationsTest, OutsideTheWindowIs422WithTheDates) {
  json call = CompleteCall("Becas del próximo ciclo");
  call["opens_at"] = "2030-12-06T15:00:00Z";
  call["closes_at"] = "2030-12-13T21:30:00Z";
  call["results_at"] = "2030-12-20T15:00:00Z";
  const std::string call_id = StoreCall("municipio-durango", call);
  const std::string citizen = MakeCitizen("pronto@correo.mx");
  auto early = Apply("municipio-durango", call_id, CompleteApplication(1), citizen);
  ASSERT_EQ(early.status, 422) << early.body;
  EXPECT_EQ(json::parse(early.body)["detail"],
            "La convocatoria recibe solicitudes del 6 de diciembre de 2030 a las 09:00 al 13 de "
            "diciembre de 2030 a las 15:30 (hora del centro de México); todavía no abre.");

  ASSERT_EQ(SetWindow(call_id, "2026-01-10T18:00:00Z", "2026-02-01T06:00:00Z"), 1);
  auto late = Apply("municipio-durango", call_id, CompleteApplication(1), citizen);
  ASSERT_EQ(late.status, 422) << late.body;
  EXPECT_EQ(json::parse(late.body)["detail"],
            "La convocatoria recibe solicitudes del 10 de enero de 2026 a las 12:00 al 1 de "
            "febrero de 2026 a las 00:00 (hora del centro de México); ya cerró.");
  EXPECT_EQ(Sql("SELECT count(*) FROM scholarships.applications"), "0");

  const std::string draft = StoreCall("municipio-durango", CompleteCall("Borrador"), "draft");
  EXPECT_EQ(Apply("municipio-durango", draft, CompleteApplication(1), citizen).status, 404);
  EXPECT_EQ(Apply("municipio-durango", "00000000-0000-4000-8000-000000000000",
                  CompleteApplication(1), citizen)
                .status,
            404);
  // The call of another tenant is not this tenant's.
  const std::string state_call = StoreCall("durango", CompleteCall("Becas estatales"));
  EXPECT_EQ(Apply("municipio-durango", state_call, CompleteApplication(1), citizen).status, 404);
  // Anonymous callers sign in first.
  EXPECT_EQ(Apply("durango", state_call, CompleteApplication(1), "").status, 401);
}

// CURP test vectors over HTTP (curp_test.cc documents them): the published
// valid ones are accepted; each invalid one is a 422 on curp that says what
// is wrong without repeating it. birth_date and sex must be the CURP's.
TEST_F(ScholarshipsApplicationsTest, CurpVectorsOverHttp) {
  json open_call = CompleteCall("Becas para todas las edades");
  open_call["eligibility"] = json::object();  // no age rule: the vectors are of every age
  const std::string call_id = StoreCall("durango", open_call);
  const std::string citizen = MakeCitizen("vectores@correo.mx");
  struct Valid {
    const char* curp;
    const char* born;
    const char* sex;
  };
  int n = 0;
  for (const Valid& v : {Valid{"BOXW310820HNERXN09", "1931-08-20", "H"},
                         Valid{"HEGG560427MVZRRL04", "1956-04-27", "M"},
                         Valid{"GOMC050312HDGRRLA1", "2005-03-12", "H"},
                         Valid{"LOPM000229MDGPRRA9", "2000-02-29", "X"}}) {
    json application = CompleteApplication(++n);
    application["curp"] = v.curp;
    application["birth_date"] = v.born;
    application["sex"] = v.sex;
    auto result = Apply("durango", call_id, application, citizen);
    EXPECT_EQ(result.status, 201) << v.curp << ": " << result.body;
  }
  struct Invalid {
    std::string curp;
    const char* says;
  };
  for (const Invalid& v :
       {Invalid{"BOXW310820HNERXN08", "dígito verificador"},
        Invalid{"PEGL890909MJCRMS09", "dígito verificador"},
        Invalid{"GOMC990230HDGRRL02", "fecha de nacimiento que exista"},
        Invalid{"PEGL891313MJCRMS06", "fecha de nacimiento que exista"},
        Invalid{"GOMC050312HXXRRLA6", "entidad de nacimiento"},
        Invalid{"PEGL890909MQQRMS02", "entidad de nacimiento"},
        Invalid{"PEGL890909QJCRMS08", "H (hombre) o M (mujer)"},
        Invalid{"GOMC050312HDGARLA1", "consonantes"}, Invalid{"gomc050312hdgrrla1", "mayúsculas"},
        Invalid{"GOMC050312HDGRRLA", "tiene 17."}, Invalid{"GOMC050312HDGRRLA10", "tiene 19."},
        Invalid{"MUÑA050312HDGRRLA1", "Ñ"}}) {
    json application = CompleteApplication(++n);
    application["curp"] = v.curp;
    auto result = Apply("durango", call_id, application, citizen);
    ASSERT_EQ(result.status, 422) << v.curp << ": " << result.body;
    const auto errors = Errors(result);
    ASSERT_TRUE(errors.count("curp")) << result.body;
    EXPECT_NE(errors.at("curp").find(v.says), std::string::npos) << errors.at("curp");
    EXPECT_EQ(result.body.find(v.curp), std::string::npos) << "echoed: " << result.body;
  }

  // A valid CURP whose date or sex is not the application's.
  json mismatch = CompleteApplication(++n);
  mismatch["birth_date"] = "2005-03-13";
  mismatch["sex"] = "M";
  auto result = Apply("durango", call_id, mismatch, citizen);
  ASSERT_EQ(result.status, 422) << result.body;
  auto errors = Errors(result);
  EXPECT_TRUE(errors.count("birth_date")) << result.body;
  EXPECT_TRUE(errors.count("sex")) << result.body;
  EXPECT_EQ(errors.size(), 2u) << result.body;
  EXPECT_EQ(result.body.find(mismatch["curp"].get<std::string>()), std::string::npos);
  EXPECT_EQ(Sql("SELECT count(*) FROM scholarships.applications"), "4");
}

// The call's eligibility (age at its closing day, level, GPA, residence),
// its questions and the privacy notice: every broken rule in one 422, each
// naming its field; nothing stored.
TEST_F(ScholarshipsApplicationsTest, EligibilityQuestionsAndPrivacyNoticeAreChecked) {
  json call = CompleteCall("Becas para quienes viven en la capital");
  call["eligibility"]["residence_tenant"] = "municipio-durango";
  call["questions"].push_back(
      {{"code", "ingreso"}, {"text", "Ingreso familiar"}, {"required", false}});
  const std::string call_id = StoreCall("durango", call);
  const std::string citizen = MakeCitizen("reglas@correo.mx");

  json application = CompleteApplication(3);
  application["curp"] = MakeCurp(3, 'H', "900101");  // 1990: over 29 at the closing day
  application["birth_date"] = "1990-01-01";
  application["education_level"] = "primaria";
  application["gpa"] = 7.5;
  application["address"]["municipality_code"] = "10007";  // Gómez Palacio
  application["answers"] = {{"ingreso", "Bajo"}, {"color", "azul"}};
  application["privacy_notice_accepted"] = false;
  auto result = Apply("durango", call_id, application, citizen);
  ASSERT_EQ(result.status, 422) << result.body;
  const auto errors = Errors(result);
  EXPECT_NE(errors.at("birth_date").find("de 15 a 29 años"), std::string::npos);
  EXPECT_NE(errors.at("education_level").find("media_superior, superior"), std::string::npos);
  EXPECT_NE(errors.at("gpa").find("8.0"), std::string::npos);
  EXPECT_NE(errors.at("address.municipality_code").find("Municipio de Durango"), std::string::npos);
  EXPECT_TRUE(errors.count("answers.motivo")) << result.body;  // required, unanswered
  EXPECT_TRUE(errors.count("answers.color")) << result.body;   // not a question of the call
  EXPECT_TRUE(errors.count("privacy_notice_accepted")) << result.body;
  EXPECT_EQ(errors.size(), 7u) << result.body;
  ExpectNoPersonalData(result.body, application);

  // Bad shapes the schema cannot say: phone and postal code digits.
  json shapes = CompleteApplication(4);
  shapes["phone"] = "618-555-12";
  shapes["address"]["postal_code"] = "3400A";
  result = Apply("durango", call_id, shapes, citizen);
  ASSERT_EQ(result.status, 422) << result.body;
  EXPECT_TRUE(Errors(result).count("phone")) << result.body;
  EXPECT_TRUE(Errors(result).count("address.postal_code")) << result.body;
  EXPECT_EQ(result.body.find("618-555-12"), std::string::npos);
  // An answer under a key that is no question code: refused without echoing the key.
  json odd_key = CompleteApplication(4);
  odd_key["answers"][MakeCurp(9)] = "una respuesta";
  result = Apply("durango", call_id, odd_key, citizen);
  ASSERT_EQ(result.status, 422) << result.body;
  EXPECT_TRUE(Errors(result).count("answers")) << result.body;
  EXPECT_EQ(result.body.find(MakeCurp(9)), std::string::npos) << result.body;
  // Unknown fields and a missing notice: the schema's 422.
  json unknown = CompleteApplication(5);
  unknown["rfc"] = "GOMC050312AB1";
  unknown.erase("privacy_notice_accepted");
  result = Apply("durango", call_id, unknown, citizen);
  ASSERT_EQ(result.status, 422) << result.body;
  EXPECT_TRUE(Errors(result).count("rfc")) << result.body;
  EXPECT_TRUE(Errors(result).count("privacy_notice_accepted")) << result.body;
  EXPECT_EQ(Sql("SELECT count(*) FROM scholarships.applications"), "0");

  // Within every rule: accepted.
  json fine = CompleteApplication(6);
  fine["answers"]["ingreso"] = "Bajo";
  EXPECT_EQ(Apply("durango", call_id, fine, citizen).status, 201);

  // Ages count on the closing day in Mexico City: a call closing on 20
  // December at 05:30 UTC closes on the 19th, 23:30 there. Who turns 15 on
  // the 19th is in; who turns 15 on the 20th is not.
  json young = CompleteCall("Becas para ingresar a la preparatoria");
  young["closes_at"] = "2030-12-20T05:30:00Z";
  young["results_at"] = "2030-12-27T00:00:00Z";
  const std::string young_call = StoreCall("durango", young);
  json fifteen = CompleteApplication(7);
  fifteen["curp"] = MakeCurp(7, 'H', "151219");
  fifteen["birth_date"] = "2015-12-19";
  result = Apply("durango", young_call, fifteen, citizen);
  EXPECT_EQ(result.status, 201) << result.body;
  json fourteen = CompleteApplication(8);
  fourteen["curp"] = MakeCurp(8, 'H', "151220");
  fourteen["birth_date"] = "2015-12-20";
  result = Apply("durango", young_call, fourteen, citizen);
  ASSERT_EQ(result.status, 422) << result.body;
  EXPECT_EQ(Errors(result).at("birth_date"),
            "La convocatoria es para personas de 15 a 29 años cumplidos al 19 de diciembre de "
            "2030, el día en que cierra.");
}

// Another citizen, anonymous callers and staff of another tenant never see
// an application: 404 (401 anonymous), never 403.
TEST_F(ScholarshipsApplicationsTest, OthersGet404) {
  const std::string call_id = StoreCall("municipio-durango", CompleteCall("Becas"));
  const std::string carla = MakeCitizen("carla@correo.mx");
  const std::string other = MakeCitizen("otra@correo.mx");
  auto created = Apply("municipio-durango", call_id, CompleteApplication(1), carla);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string path = "/applications/" + json::parse(created.body)["id"].get<std::string>();

  auto read = Call("GET", Path("municipio-durango", path), "", other);
  EXPECT_EQ(read.status, 404) << read.body;
  EXPECT_EQ(json::parse(read.body)["detail"], "No existe la solicitud.");
  EXPECT_EQ(
      Call("PATCH", Path("municipio-durango", path), R"({"phone":"6180000000"})", other).status,
      404);
  EXPECT_EQ(Call("POST", Path("municipio-durango", path + "/withdraw"), "{}", other).status, 404);
  EXPECT_EQ(Get("municipio-durango", "/my-applications", other)["items"].size(), 0u);
  EXPECT_EQ(Call("GET", Path("municipio-durango", path)).status, 401);

  // An editor of the tenant (no permission to read applications): 404.
  const std::string editor = MakeUser("editor@durango.gob.mx", "editor", "municipio-durango");
  EXPECT_EQ(Call("GET", Path("municipio-durango", path), "", editor).status, 404);
  // A reviewer of another municipality: 404 at either tenant.
  EnableFor("gomez-palacio");
  const std::string stranger = MakeUser("revisor@gomezpalacio.gob.mx", "reviewer", "gomez-palacio");
  EXPECT_EQ(Call("GET", Path("municipio-durango", path), "", stranger).status, 404);
  EXPECT_EQ(Call("GET", Path("gomez-palacio", path), "", stranger).status, 404);
  // Nobody's read moved it: still submitted.
  EXPECT_EQ(Get("municipio-durango", path, carla)["status"], "submitted");
}

// Staff of the call's tenant read the full view; every read is audited with
// the masked view, and a reviewer's first read puts a submitted
// application under review.
TEST_F(ScholarshipsApplicationsTest, StaffReadsAreAuditedAndPutItUnderReview) {
  const std::string call_id = StoreCall("municipio-durango", CompleteCall("Becas"));
  const std::string carla = MakeCitizen("carla@correo.mx");
  const json sent = CompleteApplication(2, 'M');
  auto created = Apply("municipio-durango", call_id, sent, carla);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = json::parse(created.body)["id"];
  const std::string path = "/applications/" + id;

  const std::string auditor = MakeUser("auditora@durango.gob.mx", "auditor", "municipio-durango");
  json read = Get("municipio-durango", path, auditor);
  EXPECT_EQ(read["curp"], sent["curp"]);
  EXPECT_EQ(read["status"], "submitted") << "an auditor's read is no review";

  const std::string reviewer = MakeUser("revisor@durango.gob.mx", "reviewer", "municipio-durango");
  read = Get("municipio-durango", path, reviewer);
  EXPECT_EQ(read["email"], sent["email"]);
  EXPECT_EQ(read["status"], "under_review");
  read = Get("municipio-durango", path, reviewer);
  EXPECT_EQ(read["status"], "under_review");
  EXPECT_EQ(Get("municipio-durango", path, carla)["status"], "under_review");
  // A reviewer of the state reads its municipalities' applications too.
  const std::string state_admin = MakeUser("admin@durango.gob.mx", "admin", "durango");
  EXPECT_EQ(Get("municipio-durango", path, state_admin)["id"], id);

  const auto reads = WithAction(AuditEntries("municipio-durango", auditor), "application.read");
  ASSERT_EQ(reads.size(), 4u);
  EXPECT_EQ(reads[0]["changes"]["reader_role"], "auditor");
  EXPECT_FALSE(reads[0]["changes"].contains("status"));
  EXPECT_EQ(reads[1]["changes"]["reader_role"], "reviewer");
  EXPECT_EQ(reads[1]["changes"]["status"],
            json({{"before", "submitted"}, {"after", "under_review"}}));
  EXPECT_FALSE(reads[2]["changes"].contains("status")) << "only the first read moves it";
  for (const auto& entry : reads) {
    EXPECT_EQ(entry["entity"], "application");
    EXPECT_EQ(entry["entity_id"], id);
    const json view = entry["changes"]["view"];
    EXPECT_EQ(view["id"], id);
    EXPECT_EQ(view["curp"].get<std::string>().substr(4, 6), "******");
    ExpectNoPersonalData(entry.dump(), sent);
  }
  EXPECT_EQ(reads[3]["changes"]["reader_role"], "admin");
  EXPECT_NE(reads[0]["actor"], reads[1]["actor"]);

  // Two reviewers opening a new application at once: both read it under
  // review, and exactly one entry says it moved.
  auto second = Apply("municipio-durango", call_id, CompleteApplication(3), carla);
  ASSERT_EQ(second.status, 201) << second.body;
  const std::string second_id = json::parse(second.body)["id"];
  const std::string other_reviewer =
      MakeUser("revisora@durango.gob.mx", "reviewer", "municipio-durango");
  std::vector<std::future<HttpResult>> opens;
  for (const std::string& token : {reviewer, other_reviewer}) {
    opens.push_back(std::async(std::launch::async, [this, token, second_id] {
      return Call("GET", Path("municipio-durango", "/applications/" + second_id), "", token);
    }));
  }
  for (auto& open : opens) {
    const HttpResult opened = open.get();
    ASSERT_EQ(opened.status, 200) << opened.body;
    EXPECT_EQ(json::parse(opened.body)["status"], "under_review");
  }
  int moves = 0;
  for (const auto& entry :
       WithAction(AuditEntries("municipio-durango", auditor), "application.read")) {
    if (entry["entity_id"] == second_id && entry["changes"].contains("status")) ++moves;
  }
  EXPECT_EQ(moves, 1);

  auto verify = Call("GET", "/v1/tenants/municipio-durango/audit/verify", "", auditor);
  EXPECT_EQ(json::parse(verify.body)["ok"], true) << verify.body;
}

// PATCH while needs_info: the applicant's changes, checked like a new
// application, back to submitted with the reviewer's note kept; not in any
// other status (409), not the CURP (422), not over a stale If-Match (412).
TEST_F(ScholarshipsApplicationsTest, AmendOnlyWhileNeedsInfo) {
  const std::string call_id = StoreCall("municipio-durango", CompleteCall("Becas"));
  const std::string carla = MakeCitizen("carla@correo.mx");
  const json sent = CompleteApplication(3);
  auto created = Apply("municipio-durango", call_id, sent, carla);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = json::parse(created.body)["id"];
  const std::string path = Path("municipio-durango", "/applications/" + id);

  auto early = Call("PATCH", path, R"({"phone":"6180000001"})", carla);
  EXPECT_EQ(early.status, 409) << early.body;

  Sql("UPDATE scholarships.applications SET status = 'needs_info', "
      "decision_note = 'Falta la constancia de estudios.', decided_at = now(), "
      "updated_at = now() WHERE id = $1::uuid",
      id);
  const auto get = Call("GET", path, "", carla);
  const std::string etag = get.Header("etag");
  ASSERT_FALSE(etag.empty());

  json wrong_curp = {{"curp", MakeCurp(4)}};
  auto refused = Call("PATCH", path, wrong_curp.dump(), carla);
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_TRUE(Errors(refused).count("curp"));
  EXPECT_EQ(refused.body.find(MakeCurp(4)), std::string::npos);
  auto invalid = Call("PATCH", path, R"({"gpa": 6.0, "privacy_notice_accepted": false})", carla);
  ASSERT_EQ(invalid.status, 422) << invalid.body;
  EXPECT_TRUE(Errors(invalid).count("gpa"));
  EXPECT_TRUE(Errors(invalid).count("privacy_notice_accepted"));

  // The answer read back, changed and sent whole (read-only fields ignored).
  json amended = json::parse(get.body);
  amended["phone"] = "6180000001";
  amended["documents"].push_back(
      {{"kind", "constancia_estudios"}, {"url", "https://archivos.ejemplo.mx/constancia-2.pdf"}});
  auto patched = Call("PATCH", path, amended.dump(), carla, {{"If-Match", etag}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  const json after = json::parse(patched.body);
  EXPECT_EQ(after["phone"], "6180000001");
  EXPECT_EQ(after["documents"].size(), 2u);
  EXPECT_EQ(after["status"], "submitted");
  EXPECT_EQ(after["decision_note"], "Falta la constancia de estudios.");
  EXPECT_EQ(after["curp"], sent["curp"]);
  EXPECT_EQ(after["submitted_at"], json::parse(get.body)["submitted_at"]);

  // Stale If-Match (the ETag before the amendment), and once submitted again: refused.
  Sql("UPDATE scholarships.applications SET status = 'needs_info' WHERE id = $1::uuid", id);
  EXPECT_EQ(Call("PATCH", path, R"({"phone":"6180000002"})", carla, {{"If-Match", etag}}).status,
            412);
  EXPECT_EQ(Get("municipio-durango", "/applications/" + id, carla)["phone"], "6180000001");

  const std::string auditor = MakeUser("auditora@durango.gob.mx", "auditor", "municipio-durango");
  const auto amends = WithAction(AuditEntries("municipio-durango", auditor), "application.amend");
  ASSERT_EQ(amends.size(), 1u);
  EXPECT_EQ(amends[0]["changes"]["before"]["status"], "needs_info");
  EXPECT_EQ(amends[0]["changes"]["after"]["status"], "submitted");
  EXPECT_EQ(amends[0]["changes"]["after"]["amended_fields"], json({"documents", "phone"}));
  ExpectNoPersonalData(amends[0].dump(), sent);
  EXPECT_EQ(amends[0].dump().find("6180000001"), std::string::npos);
}

// The applicant withdraws in any status until results; twice is 409, after
// the call resolved is 409.
TEST_F(ScholarshipsApplicationsTest, WithdrawUntilResults) {
  const std::string call_id = StoreCall("municipio-durango", CompleteCall("Becas"));
  const std::string carla = MakeCitizen("carla@correo.mx");
  std::vector<std::string> ids;
  for (int n : {1, 2}) {
    auto created = Apply("municipio-durango", call_id, CompleteApplication(n), carla);
    ASSERT_EQ(created.status, 201) << created.body;
    ids.push_back(json::parse(created.body)["id"]);
  }
  Sql("UPDATE scholarships.applications SET status = 'approved', score = 90, decided_at = now() "
      "WHERE id = $1::uuid",
      ids[0]);
  const json withdrawn = Post("municipio-durango", "/applications/" + ids[0] + "/withdraw",
                              json::object(), carla, 200);
  EXPECT_EQ(withdrawn["status"], "withdrawn");
  auto again =
      Call("POST", Path("municipio-durango", "/applications/" + ids[0] + "/withdraw"), "{}", carla);
  EXPECT_EQ(again.status, 409) << again.body;

  Sql("UPDATE scholarships.calls SET status = 'resolved', resolved_at = now(), "
      "opens_at = now() - interval '2 days', closes_at = now() - interval '1 day', "
      "results_at = NULL WHERE id = $1::uuid",
      call_id);
  auto late =
      Call("POST", Path("municipio-durango", "/applications/" + ids[1] + "/withdraw"), "{}", carla);
  EXPECT_EQ(late.status, 409) << late.body;
  EXPECT_EQ(Get("municipio-durango", "/applications/" + ids[1], carla)["status"], "submitted");

  const std::string auditor = MakeUser("auditora@durango.gob.mx", "auditor", "municipio-durango");
  const auto entries =
      WithAction(AuditEntries("municipio-durango", auditor), "application.withdraw");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["changes"]["before"]["status"], "approved");
  EXPECT_EQ(entries[0]["changes"]["after"]["status"], "withdrawn");
}

// /my-applications: only the caller's, newest change first, in pages, with
// updated_since; include_descendants on the state adds the municipalities'.
TEST_F(ScholarshipsApplicationsTest, MyApplicationsPagesAndDescendants) {
  const std::string state_call = StoreCall("durango", CompleteCall("Becas estatales"));
  const std::string city_call = StoreCall("municipio-durango", CompleteCall("Becas municipales"));
  const std::string carla = MakeCitizen("carla@correo.mx");
  const std::string other = MakeCitizen("otra@correo.mx");
  ASSERT_EQ(Apply("durango", state_call, CompleteApplication(1), carla).status, 201);
  ASSERT_EQ(Apply("durango", state_call, CompleteApplication(2), other).status, 201);
  ASSERT_EQ(Apply("municipio-durango", city_call, CompleteApplication(3), carla).status, 201);
  auto last = Apply("municipio-durango", city_call, CompleteApplication(4), carla);
  ASSERT_EQ(last.status, 201);

  EXPECT_EQ(Get("durango", "/my-applications", carla)["items"].size(), 1u);
  const json all = Get("durango", "/my-applications?include_descendants=true", carla);
  ASSERT_EQ(all["items"].size(), 3u);
  EXPECT_EQ(all["items"][0]["id"], json::parse(last.body)["id"]) << "newest first";
  EXPECT_EQ(all["items"][2]["tenant"], "durango");
  EXPECT_EQ(all["items"][0]["tenant"], "municipio-durango");

  std::vector<std::string> paged;
  std::string query = "/my-applications?include_descendants=true&limit=2";
  for (int i = 0; i < 5; ++i) {
    const json page = Get("durango", query, carla);
    for (const auto& item : page["items"]) paged.push_back(item["id"]);
    if (page["next_cursor"].is_null()) break;
    query = "/my-applications?include_descendants=true&limit=2&cursor=" +
            page["next_cursor"].get<std::string>();
  }
  ASSERT_EQ(paged.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(paged[i], all["items"][i]["id"]);

  const std::string since = all["items"][1]["updated_at"];
  const json changed =
      Get("durango", "/my-applications?include_descendants=true&updated_since=" + since, carla);
  ASSERT_EQ(changed["items"].size(), 1u);
  EXPECT_EQ(changed["items"][0]["id"], all["items"][0]["id"]);
}

}  // namespace
}  // namespace cabildo::testing
