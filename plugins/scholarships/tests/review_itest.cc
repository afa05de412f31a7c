// Review (review.cc): staff of the call's tenant list its applications with
// their personal data (one audit entry per page), and decide within the
// call's slots — also when twenty approvals race for five slots. Reviewers
// of another municipality see nothing; auditors read but never decide; the
// audit says what was decided with masked data only.
//
// Calls and applications are seeded as the database owner, sealed with the
// test server's data key exactly as the host seals them (SDK 7), so these
// tests need only the review routes.
#include <algorithm>
#include <atomic>
#include <latch>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cabildo/core/crypto.h"

#include "scholarships_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

class ReviewTest : public ScholarshipsTest {
 protected:
  // The core user id of `email`.
  std::string UserId(const std::string& email) {
    return AsOwner([&](pqxx::work& w) {
      return w.exec_params("SELECT id::text FROM core.users WHERE email = $1", email)[0][0]
          .as<std::string>();
    });
  }

  // A published call of `tenant` (CompleteCall's with `slots`), inserted as
  // the owner; its id.
  std::string SeedCall(const std::string& tenant, int slots,
                       const std::string& title = "Becas para la permanencia escolar 2026") {
    const json input = CompleteCall(title);
    json document = input;
    for (const char* column : {"amount_mxn", "slots", "opens_at", "closes_at", "results_at"}) {
      document.erase(column);
    }
    return AsOwner([&](pqxx::work& w) {
      return w
          .exec_params(
              "INSERT INTO scholarships.calls (tenant_id, status, document, amount_mxn, slots, "
              "opens_at, closes_at, results_at, published_at) SELECT id, 'published', $2::jsonb, "
              "$3::numeric, $4, $5::timestamptz, $6::timestamptz, $7::timestamptz, now() "
              "FROM core.tenants WHERE slug = $1 RETURNING id::text",
              tenant, document.dump(), input["amount_mxn"].get<std::string>(), slots,
              input["opens_at"].get<std::string>(), input["closes_at"].get<std::string>(),
              input["results_at"].get<std::string>())[0][0]
          .as<std::string>();
    });
  }

  // Applicant `n`'s CompleteApplication to `call_id`, by the account
  // `applicant_id`, in `status`: its personal data sealed and its CURP
  // digested with the server's data key, bound as the host binds them
  // (core::PersonalDataBinding("scholarships", ...), api/src/module_routes.cc).
  std::string SeedApplication(const std::string& tenant, const std::string& call_id,
                              const std::string& applicant_id, int n,
                              const std::string& status = "submitted") {
    const core::DataKey& key = *app_->context().config.data_key;
    const json input = CompleteApplication(n);
    const std::string id = AsOwner([](pqxx::work& w) {
      return w.exec("SELECT gen_random_uuid()::text")[0][0].as<std::string>();
    });
    const std::string sealed =
        key.Seal(input.dump(), core::PersonalDataBinding("scholarships", "application:" + id));
    const std::string digest = key.Digest(core::PersonalDataBinding("scholarships", "curp"),
                                          input["curp"].get<std::string>());
    AsOwner([&](pqxx::work& w) {
      return w
          .exec_params(
              "INSERT INTO scholarships.applications (tenant_id, id, call_id, applicant_id, "
              "curp_digest, personal_data, status) SELECT id, $2::uuid, $3::uuid, $4::uuid, $5, "
              "$6, $7 FROM core.tenants WHERE slug = $1",
              tenant, id, call_id, applicant_id, digest, sealed, status)
          .affected_rows();
    });
    return id;
  }

  HttpResult Decide(const std::string& tenant, const std::string& application_id, const json& body,
                    const std::string& token) {
    return Call("POST", Path(tenant, "/applications/" + application_id + "/decision"), body.dump(),
                token);
  }

  // A value of the database as text ("" for NULL), as the owner.
  std::string OwnerValue(const std::string& sql, const std::string& param) {
    return AsOwner([&](pqxx::work& w) {
      auto field = w.exec_params(sql, param)[0][0];
      return field.is_null() ? std::string() : field.as<std::string>();
    });
  }
  int ApprovedOf(const std::string& call_id) {
    return std::stoi(
        OwnerValue("SELECT count(*) FROM scholarships.applications WHERE call_id = $1::uuid "
                   "AND status = 'approved'",
                   call_id));
  }
  std::string StatusOf(const std::string& application_id) {
    return OwnerValue("SELECT status FROM scholarships.applications WHERE id = $1::uuid",
                      application_id);
  }

  // Audit entries of `tenant` whose action starts with `prefix`, oldest
  // first: {action, entity, entity_id, changes (parsed)}.
  std::vector<json> AuditEntries(const std::string& tenant, const std::string& prefix) {
    return AsOwner([&](pqxx::work& w) {
      std::vector<json> entries;
      for (const auto& row :
           w.exec_params("SELECT l.action, l.entity, l.entity_id, l.changes FROM core.audit_log l "
                         "JOIN core.tenants t ON t.id = l.tenant_id "
                         "WHERE t.slug = $1 AND starts_with(l.action, $2) ORDER BY l.seq",
                         tenant, prefix)) {
        entries.push_back({{"action", row[0].as<std::string>()},
                           {"entity", row[1].as<std::string>()},
                           {"entity_id", row[2].as<std::string>()},
                           {"changes", json::parse(row[3].as<std::string>())}});
      }
      return entries;
    });
  }

  // Whether the server has `method` `path` (another part's route, e.g. the
  // applicant's GET /applications/{id}, may not be merged yet).
  bool HasRoute(const std::string& method, const std::string& path) {
    auto doc = Call("GET", "/v1/openapi.json");
    if (doc.status != 200) return false;
    const json paths = json::parse(doc.body)["paths"];
    const std::string full = "/v1/tenants/{tenant}/scholarships" + path;
    return paths.contains(full) && paths[full].contains(method);
  }
};

// ctest names a test "<suite>.<test>": the suite says the module and part,
// so that `ctest -R scholarships_review` selects these.
using scholarships_review = ReviewTest;

// Staff read a call's applications with every personal field, in order of
// arrival, page by page; each page is one audit entry naming the ids shown;
// reading changes no status. Nobody else reads them.
TEST_F(scholarships_review, StaffListACallsApplicationsWithOneAuditEntryPerPage) {
  const std::string call = SeedCall("durango", 5);
  const std::string other_call = SeedCall("durango", 5, "Otra convocatoria");
  MakeCitizen("solicitante@correo.mx");
  const std::string applicant = UserId("solicitante@correo.mx");
  std::vector<std::string> ids;
  for (int n = 0; n < 3; ++n) ids.push_back(SeedApplication("durango", call, applicant, n));
  SeedApplication("durango", call, applicant, 3, "needs_info");
  SeedApplication("durango", other_call, applicant, 4);
  const std::string reviewer = MakeUser("revisora@durango.gob.mx", "reviewer", "durango");

  json first =
      Get("durango", "/calls/" + call + "/applications?status=submitted&limit=2", reviewer);
  ASSERT_EQ(first["items"].size(), 2u) << first.dump();
  ASSERT_TRUE(first["next_cursor"].is_string());
  const json& item = first["items"][0];
  const json input = CompleteApplication(0);
  EXPECT_EQ(item["id"], ids[0]);
  EXPECT_EQ(item["call_id"], call);
  EXPECT_EQ(item["tenant"], "durango");
  EXPECT_EQ(item["call_title"], "Becas para la permanencia escolar 2026");
  EXPECT_EQ(item["status"], "submitted");
  for (const char* field : {"curp", "full_name", "birth_date", "sex", "address", "phone", "email",
                            "school", "education_level", "gpa", "answers", "documents"}) {
    EXPECT_EQ(item[field], input[field]) << field;
  }
  for (const char* field : {"score", "decision_note", "decided_at"}) {
    EXPECT_TRUE(item[field].is_null()) << field;
  }
  EXPECT_EQ(first["items"][1]["id"], ids[1]);
  json second = Get("durango",
                    "/calls/" + call + "/applications?status=submitted&limit=2&cursor=" +
                        first["next_cursor"].get<std::string>(),
                    reviewer);
  ASSERT_EQ(second["items"].size(), 1u) << second.dump();
  EXPECT_EQ(second["items"][0]["id"], ids[2]);
  EXPECT_TRUE(second["next_cursor"].is_null());
  // Without the filter: the four of this call, not the other call's.
  EXPECT_EQ(Get("durango", "/calls/" + call + "/applications", reviewer)["items"].size(), 4u);
  EXPECT_EQ(Get("durango", "/calls/" + call + "/applications?status=approved", reviewer)["items"],
            json::array());
  Get("durango", "/calls/" + call + "/applications?status=nada", reviewer, 400);

  // One entry per page that showed someone: three pages, the empty one not.
  const auto entries = AuditEntries("durango", "scholarships.application.list_read");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0]["entity"], "call");
  EXPECT_EQ(entries[0]["entity_id"], call);
  EXPECT_EQ(entries[0]["changes"], (json{{"applications", {ids[0], ids[1]}}}));
  EXPECT_EQ(entries[1]["changes"], (json{{"applications", {ids[2]}}}));
  EXPECT_EQ(entries[2]["changes"]["applications"].size(), 4u);
  // Listing is not deciding: statuses stay.
  EXPECT_EQ(StatusOf(ids[0]), "submitted");

  // An auditor reads too; the public, a citizen (even the applicant) and an
  // editor do not; an unknown call is a 404.
  const std::string auditor = MakeUser("auditora@durango.gob.mx", "auditor", "durango");
  EXPECT_EQ(Get("durango", "/calls/" + call + "/applications", auditor)["items"].size(), 4u);
  EXPECT_EQ(Call("GET", Path("durango", "/calls/" + call + "/applications")).status, 401);
  const std::string citizen = MakeCitizen("curiosa@correo.mx");
  EXPECT_EQ(Call("GET", Path("durango", "/calls/" + call + "/applications"), "", citizen).status,
            404);
  const std::string editor = MakeUser("editora@durango.gob.mx", "editor", "durango");
  EXPECT_EQ(Call("GET", Path("durango", "/calls/" + call + "/applications"), "", editor).status,
            403);
  Get("durango", "/calls/00000000-0000-4000-8000-000000000000/applications", reviewer, 404);
  EXPECT_EQ(AuditEntries("durango", "scholarships.application.list_read").size(), 4u);
}

// THE race of issue 19: twenty approvals by four reviewers at once over
// twenty applications of a call with five slots — exactly five approved,
// fifteen 409 that say why, and the history holds exactly the five.
TEST_F(scholarships_review, TwentyConcurrentApprovalsFillExactlyTheFiveSlots) {
  const std::string call = SeedCall("durango", 5);
  MakeCitizen("solicitante@correo.mx");
  const std::string applicant = UserId("solicitante@correo.mx");
  std::vector<std::string> ids;
  for (int n = 0; n < 20; ++n) ids.push_back(SeedApplication("durango", call, applicant, n));
  std::vector<std::string> reviewers;
  for (int r = 0; r < 4; ++r) {
    reviewers.push_back(
        MakeUser("revisor" + std::to_string(r) + "@durango.gob.mx", "reviewer", "durango"));
  }

  std::vector<HttpResult> results(ids.size());
  std::latch start(static_cast<std::ptrdiff_t>(ids.size()));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = Decide("durango", ids[i], {{"decision", "approve"}, {"score", 90}},
                          reviewers[i % reviewers.size()]);
    });
  }
  for (auto& thread : threads) thread.join();

  int approved = 0, refused = 0;
  for (const auto& result : results) {
    if (result.status == 200) {
      ++approved;
      EXPECT_EQ(json::parse(result.body)["status"], "approved");
    } else if (result.status == 409) {
      ++refused;
      EXPECT_NE(result.body.find("Ya no hay lugares: la convocatoria tiene 5 lugares y ya hay 5 "
                                 "solicitudes aprobadas."),
                std::string::npos)
          << result.body;
    } else {
      ADD_FAILURE() << result.status << ": " << result.body;
    }
  }
  EXPECT_EQ(approved, 5);
  EXPECT_EQ(refused, 15);
  EXPECT_EQ(ApprovedOf(call), 5);
  EXPECT_EQ(OwnerValue("SELECT count(*) FROM scholarships.decisions d JOIN "
                       "scholarships.applications a ON a.id = d.application_id "
                       "WHERE a.call_id = $1::uuid",
                       call),
            "5");
  EXPECT_EQ(AuditEntries("durango", "scholarships.application.decide").size(), 5u);
}

// Reviewers see their own tenant's applications only: a reviewer of Gómez
// Palacio (the module enabled there) gets 404 for the state's call and
// applications, whether asking on the state's path (not a member) or on
// their own (not this tenant's ids), and changes nothing.
TEST_F(scholarships_review, AReviewerOfAnotherMunicipalityGets404) {
  const std::string call = SeedCall("durango", 5);
  MakeCitizen("solicitante@correo.mx");
  const std::string applicant = UserId("solicitante@correo.mx");
  const std::string id = SeedApplication("durango", call, applicant, 0);
  EnableFor("gomez-palacio");
  const std::string gomez_call = SeedCall("gomez-palacio", 3, "Becas municipales de Gómez Palacio");
  SeedApplication("gomez-palacio", gomez_call, applicant, 1);
  const std::string reviewer = MakeUser("revisor@gomezpalacio.gob.mx", "reviewer", "gomez-palacio");

  // Their own call works.
  EXPECT_EQ(
      Get("gomez-palacio", "/calls/" + gomez_call + "/applications", reviewer)["items"].size(), 1u);
  // The state's does not, by either path.
  const json approve = {{"decision", "approve"}, {"score", 95}};
  Get("durango", "/calls/" + call + "/applications", reviewer, 404);
  Get("gomez-palacio", "/calls/" + call + "/applications", reviewer, 404);
  EXPECT_EQ(Decide("durango", id, approve, reviewer).status, 404);
  EXPECT_EQ(Decide("gomez-palacio", id, approve, reviewer).status, 404);
  Get("durango", "/applications/" + id + "/decisions", reviewer, 404);
  Get("gomez-palacio", "/applications/" + id + "/decisions", reviewer, 404);
  EXPECT_EQ(StatusOf(id), "submitted");
  EXPECT_TRUE(AuditEntries("durango", "scholarships.application").empty());
}

// needs_info needs a note (what is missing); approve and reject a score,
// reject a note too; the applicant reads the note in their application,
// and the history keeps every decision.
TEST_F(scholarships_review, NeedsInfoRequiresANoteThatTheApplicantSees) {
  const std::string call = SeedCall("durango", 5);
  const std::string applicant_token = MakeCitizen("solicitante@correo.mx");
  const std::string applicant = UserId("solicitante@correo.mx");
  const std::string id = SeedApplication("durango", call, applicant, 0);
  const std::string reviewer = MakeUser("revisora@durango.gob.mx", "reviewer", "durango");

  auto fields = [](const HttpResult& result) {
    std::vector<std::string> names;
    const json problem = json::parse(result.body);
    for (const auto& error : problem["errors"]) names.push_back(error["field"]);
    std::sort(names.begin(), names.end());
    return names;
  };
  HttpResult missing = Decide("durango", id, {{"decision", "needs_info"}}, reviewer);
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(fields(missing), std::vector<std::string>{"note"}) << missing.body;
  EXPECT_EQ(Decide("durango", id, {{"decision", "needs_info"}, {"note", "  \n "}}, reviewer).status,
            422);
  HttpResult reject = Decide("durango", id, {{"decision", "reject"}}, reviewer);
  EXPECT_EQ(reject.status, 422);
  EXPECT_EQ(fields(reject), (std::vector<std::string>{"note", "score"})) << reject.body;
  EXPECT_EQ(fields(Decide("durango", id, {{"decision", "approve"}}, reviewer)),
            std::vector<std::string>{"score"});
  EXPECT_EQ(fields(Decide("durango", id, {{"decision", "approve"}, {"score", 101}}, reviewer)),
            std::vector<std::string>{"score"});
  EXPECT_EQ(fields(Decide("durango", id, {{"decision", "aprobar"}, {"score", 80}}, reviewer)),
            std::vector<std::string>{"decision"});
  EXPECT_EQ(Decide("durango", id, {{"decision", "reject"}, {"score", 10}, {"note", "x"}, {"a", 1}},
                   reviewer)
                .status,
            422);
  EXPECT_EQ(Decide("durango", id, {{"decision", "needs_info"}, {"note", std::string(2001, 'a')}},
                   reviewer)
                .status,
            422);
  EXPECT_EQ(StatusOf(id), "submitted");  // nothing of that was written

  const std::string note = "Falta la constancia de estudios del ciclo vigente; súbala completa.";
  HttpResult asked = Decide("durango", id, {{"decision", "needs_info"}, {"note", note}}, reviewer);
  ASSERT_EQ(asked.status, 200) << asked.body;
  json application = json::parse(asked.body);
  EXPECT_EQ(application["status"], "needs_info");
  EXPECT_EQ(application["decision_note"], note);
  EXPECT_TRUE(application["score"].is_null());
  EXPECT_TRUE(application["decided_at"].is_string());
  EXPECT_EQ(application["curp"], CompleteApplication(0)["curp"]);  // the full view
  EXPECT_EQ(OwnerValue("SELECT decided_by::text FROM scholarships.applications "
                       "WHERE id = $1::uuid",
                       id),
            UserId("revisora@durango.gob.mx"));

  // The applicant reads the note in their application (GET /applications/{id}
  // belongs to the applications part: checked once it is there).
  if (HasRoute("get", "/applications/{id}")) {
    json own = Get("durango", "/applications/" + id, applicant_token);
    EXPECT_EQ(own["status"], "needs_info");
    EXPECT_EQ(own["decision_note"], note);
  } else {
    EXPECT_EQ(OwnerValue("SELECT decision_note FROM scholarships.applications "
                         "WHERE id = $1::uuid",
                         id),
              note);
  }

  // Then approved, with a score: the note of the earlier decision stays in
  // the history only.
  HttpResult approved = Decide("durango", id, {{"decision", "approve"}, {"score", 87.5}}, reviewer);
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(json::parse(approved.body)["score"], 87.5);
  EXPECT_TRUE(json::parse(approved.body)["decision_note"].is_null());
  json history = Get("durango", "/applications/" + id + "/decisions", reviewer);
  ASSERT_EQ(history["items"].size(), 2u) << history.dump();
  EXPECT_EQ(history["items"][0]["decision"], "needs_info");
  EXPECT_EQ(history["items"][0]["note"], note);
  EXPECT_TRUE(history["items"][0]["score"].is_null());
  EXPECT_EQ(history["items"][0]["reviewer_id"], UserId("revisora@durango.gob.mx"));
  EXPECT_EQ(history["items"][1]["decision"], "approve");
  EXPECT_EQ(history["items"][1]["score"], 87.5);
  EXPECT_TRUE(history["items"][1]["note"].is_null());
  json page = Get("durango", "/applications/" + id + "/decisions?limit=1", reviewer);
  ASSERT_EQ(page["items"].size(), 1u);
  json rest = Get(
      "durango",
      "/applications/" + id + "/decisions?limit=1&cursor=" + page["next_cursor"].get<std::string>(),
      reviewer);
  ASSERT_EQ(rest["items"].size(), 1u);
  EXPECT_EQ(rest["items"][0]["decision"], "approve");
  // The applicant does not read the staff's history.
  Get("durango", "/applications/" + id + "/decisions", applicant_token, 404);
}

// Rejecting takes no slot; turning an approval into a rejection frees its
// slot; approving an approved one again does not count it twice.
TEST_F(scholarships_review, RejectTakesNoSlotAndApproveThenRejectFreesOne) {
  const std::string call = SeedCall("municipio-durango", 2);
  MakeCitizen("solicitante@correo.mx");
  const std::string applicant = UserId("solicitante@correo.mx");
  std::vector<std::string> ids;
  for (int n = 0; n < 4; ++n)
    ids.push_back(SeedApplication("municipio-durango", call, applicant, n));
  const std::string reviewer =
      MakeUser("revisor@municipiodurango.gob.mx", "reviewer", "municipio-durango");
  const json approve = {{"decision", "approve"}, {"score", 92}};
  const json reject = {{"decision", "reject"}, {"score", 40}, {"note", "Promedio insuficiente."}};
  const std::string tenant = "municipio-durango";

  EXPECT_EQ(Decide(tenant, ids[0], approve, reviewer).status, 200);
  EXPECT_EQ(Decide(tenant, ids[3], reject, reviewer).status, 200);
  EXPECT_EQ(Decide(tenant, ids[1], approve, reviewer).status, 200);
  HttpResult full = Decide(tenant, ids[2], approve, reviewer);
  EXPECT_EQ(full.status, 409);
  EXPECT_NE(full.body.find("Ya no hay lugares: la convocatoria tiene 2 lugares y ya hay 2 "
                           "solicitudes aprobadas."),
            std::string::npos)
      << full.body;
  EXPECT_EQ(StatusOf(ids[2]), "submitted");
  // Again on an approved one: it holds its own slot.
  EXPECT_EQ(Decide(tenant, ids[0], {{"decision", "approve"}, {"score", 95}}, reviewer).status, 200);
  // Rejecting more frees nothing.
  EXPECT_EQ(Decide(tenant, ids[3], reject, reviewer).status, 200);
  EXPECT_EQ(Decide(tenant, ids[2], approve, reviewer).status, 409);
  // Approve -> reject frees the slot.
  HttpResult rejected = Decide(tenant, ids[1], reject, reviewer);
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  EXPECT_EQ(json::parse(rejected.body)["status"], "rejected");
  EXPECT_EQ(json::parse(rejected.body)["decision_note"], "Promedio insuficiente.");
  EXPECT_EQ(Decide(tenant, ids[2], approve, reviewer).status, 200);
  EXPECT_EQ(ApprovedOf(call), 2);
  EXPECT_EQ(StatusOf(ids[1]), "rejected");

  // A one-slot call says it in the singular.
  const std::string single = SeedCall(tenant, 1, "Beca única");
  const std::string a = SeedApplication(tenant, single, applicant, 10);
  const std::string b = SeedApplication(tenant, single, applicant, 11);
  EXPECT_EQ(Decide(tenant, a, approve, reviewer).status, 200);
  HttpResult one = Decide(tenant, b, approve, reviewer);
  EXPECT_NE(one.body.find("tiene 1 lugar y ya hay 1 solicitud aprobada."), std::string::npos)
      << one.body;
}

// Decisions freeze with the results (409) and never apply to a withdrawn
// application (409); nobody decides their own application (403); unknown
// ids are 404.
TEST_F(scholarships_review, WithdrawnApplicationsResolvedCallsAndOwnApplicationsAreRefused) {
  const std::string call = SeedCall("durango", 5);
  MakeCitizen("solicitante@correo.mx");
  const std::string applicant = UserId("solicitante@correo.mx");
  const std::string withdrawn = SeedApplication("durango", call, applicant, 0, "withdrawn");
  const std::string pending = SeedApplication("durango", call, applicant, 1);
  const std::string reviewer = MakeUser("revisora@durango.gob.mx", "reviewer", "durango");
  // A reviewer who applied to the call herself.
  const std::string own = SeedApplication("durango", call, UserId("revisora@durango.gob.mx"), 2);
  const json approve = {{"decision", "approve"}, {"score", 90}};

  HttpResult on_withdrawn = Decide("durango", withdrawn, approve, reviewer);
  EXPECT_EQ(on_withdrawn.status, 409);
  EXPECT_NE(on_withdrawn.body.find("retiró"), std::string::npos) << on_withdrawn.body;
  EXPECT_EQ(StatusOf(withdrawn), "withdrawn");
  EXPECT_EQ(Decide("durango", own, approve, reviewer).status, 403);
  EXPECT_EQ(StatusOf(own), "submitted");
  EXPECT_EQ(Decide("durango", "00000000-0000-4000-8000-000000000000", approve, reviewer).status,
            404);
  EXPECT_EQ(Decide("durango", "no-es-un-id", approve, reviewer).status, 404);

  // The results are published (as publish-results leaves the call).
  AsOwner([&](pqxx::work& w) {
    return w
        .exec_params(
            "UPDATE scholarships.calls SET status = 'resolved', resolved_at = now() "
            "WHERE id = $1::uuid",
            call)
        .affected_rows();
  });
  HttpResult frozen = Decide("durango", pending, approve, reviewer);
  EXPECT_EQ(frozen.status, 409);
  EXPECT_NE(frozen.body.find("resultados"), std::string::npos) << frozen.body;
  EXPECT_EQ(
      Decide("durango", pending, {{"decision", "needs_info"}, {"note", "Falta algo."}}, reviewer)
          .status,
      409);
  EXPECT_EQ(StatusOf(pending), "submitted");
  EXPECT_EQ(OwnerValue("SELECT count(*) FROM scholarships.decisions WHERE application_id = "
                       "$1::uuid",
                       pending),
            "0");
}

// An auditor reads the applications (audited) but never decides.
TEST_F(scholarships_review, AnAuditorMayListButNotDecide) {
  const std::string call = SeedCall("durango", 5);
  MakeCitizen("solicitante@correo.mx");
  const std::string id = SeedApplication("durango", call, UserId("solicitante@correo.mx"), 0);
  const std::string auditor = MakeUser("auditor@durango.gob.mx", "auditor", "durango");
  EXPECT_EQ(Get("durango", "/calls/" + call + "/applications", auditor)["items"].size(), 1u);
  for (const json& body : {json{{"decision", "approve"}, {"score", 90}},
                           json{{"decision", "reject"}, {"score", 1}, {"note", "No."}},
                           json{{"decision", "needs_info"}, {"note", "Falta."}}}) {
    EXPECT_EQ(Decide("durango", id, body, auditor).status, 403) << body.dump();
  }
  EXPECT_EQ(StatusOf(id), "submitted");
  EXPECT_TRUE(AuditEntries("durango", "scholarships.application.decide").empty());
  EXPECT_EQ(AuditEntries("durango", "scholarships.application.list_read").size(), 1u);
  // updated_since: only what changed after it (an empty page is not audited).
  EXPECT_EQ(Get("durango", "/calls/" + call + "/applications?updated_since=" + HoursFromNow(1),
                auditor)["items"],
            json::array());
  EXPECT_EQ(Get("durango", "/calls/" + call + "/applications?updated_since=" + HoursFromNow(-1),
                auditor)["items"]
                .size(),
            1u);
  EXPECT_EQ(AuditEntries("durango", "scholarships.application.list_read").size(), 2u);
  // Decisions of others are readable history.
  EXPECT_EQ(Get("durango", "/applications/" + id + "/decisions", auditor)["items"], json::array());
}

// What the audit keeps of review: ids, statuses, scores, the decision and
// the note's length — never a CURP, name, phone, email or the note's text.
TEST_F(scholarships_review, AuditEntriesCarryMaskedDataOnly) {
  const std::string call = SeedCall("durango", 5);
  MakeCitizen("solicitante@correo.mx");
  const std::string applicant = UserId("solicitante@correo.mx");
  std::vector<std::string> ids;
  for (int n = 0; n < 3; ++n) ids.push_back(SeedApplication("durango", call, applicant, n));
  const std::string reviewer = MakeUser("revisora@durango.gob.mx", "reviewer", "durango");
  const std::string note = "Su comprobante de domicilio está a nombre de otra persona.";
  Get("durango", "/calls/" + call + "/applications", reviewer);
  ASSERT_EQ(Decide("durango", ids[0], {{"decision", "approve"}, {"score", 91}}, reviewer).status,
            200);
  ASSERT_EQ(
      Decide("durango", ids[1], {{"decision", "reject"}, {"score", 30}, {"note", note}}, reviewer)
          .status,
      200);
  ASSERT_EQ(
      Decide("durango", ids[2], {{"decision", "needs_info"}, {"note", note}}, reviewer).status,
      200);
  Get("durango", "/applications/" + ids[1] + "/decisions", reviewer);

  const auto entries = AuditEntries("durango", "scholarships.application");
  ASSERT_EQ(entries.size(), 5u);
  for (const json& entry : entries) {
    const std::string text = entry.dump();
    for (int n = 0; n < 3; ++n) {
      const json input = CompleteApplication(n);
      for (const char* field : {"curp", "full_name", "phone", "email"}) {
        EXPECT_EQ(text.find(input[field].get<std::string>()), std::string::npos)
            << field << " in " << text;
      }
      EXPECT_EQ(text.find(input["address"]["street"].get<std::string>()), std::string::npos);
    }
    EXPECT_EQ(text.find("comprobante"), std::string::npos) << text;
  }
  const auto decided = AuditEntries("durango", "scholarships.application.decide");
  ASSERT_EQ(decided.size(), 3u);
  EXPECT_EQ(decided[0]["entity"], "application");
  EXPECT_EQ(decided[0]["entity_id"], ids[0]);
  EXPECT_EQ(decided[0]["changes"]["before"], (json{{"status", "submitted"}, {"score", nullptr}}));
  EXPECT_EQ(
      decided[0]["changes"]["after"],
      (json{{"status", "approved"}, {"score", 91.0}, {"decision", "approve"}, {"note_chars", 0}}));
  EXPECT_EQ(decided[1]["changes"]["after"]["note_chars"], 58);
  EXPECT_EQ(decided[1]["changes"]["after"]["status"], "rejected");
  EXPECT_EQ(decided[2]["changes"]["after"]["decision"], "needs_info");
  // Reading the history is a staff read too.
  EXPECT_EQ(entries.back()["action"], "scholarships.application.decisions_read");
  EXPECT_EQ(entries.back()["changes"], (json{{"decisions", 1}}));
}

}  // namespace
}  // namespace cabildo::testing
