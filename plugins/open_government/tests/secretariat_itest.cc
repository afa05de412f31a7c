// The Local Technical Secretariat through HTTP: members and their terms,
// sessions and agreements, decisions with their rules, quorum and votes,
// every write in the audit chain, bad input refused with nothing stored, and
// one tenant's editor kept out of another's Secretariat.
#include <algorithm>
#include <map>
#include <set>

#include "open_government_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

class SecretariatTest : public OpenGovernmentTest {
 protected:
  void SetUp() override {
    OpenGovernmentTest::SetUp();
    editor_ = MakeUser("editor@tepehuanes.gob.mx", "editor", "tepehuanes");
    state_editor_ = MakeUser("editor@durango.gob.mx", "editor", "durango");
  }

  // A published member of `tenant` (written by its editor, or the state's
  // for another tenant); `extra` overrides the defaults.
  json Member(const std::string& name, const std::string& sector, const std::string& seat,
              const json& extra = json::object(), const std::string& tenant = "tepehuanes") {
    json body = {{"name", name},        {"sector", sector}, {"institution", "Institución"},
                 {"position", "Cargo"}, {"seat", seat},     {"since", "2024-01-01"},
                 {"published", true}};
    for (const auto& [key, value] : extra.items()) body[key] = value;
    return Post(tenant, "/secretariat/members", body,
                tenant == "tepehuanes" ? editor_ : state_editor_);
  }
  static std::string Id(const json& item) { return item["id"].get<std::string>(); }

  // A Secretariat of five voting seats (two government, two civil society,
  // the guarantor), an alternate of the first civil-society titular, and a
  // facilitator with voice only.
  void MakeSecretariat() {
    gov1_ = Id(Member("Secretaría de la Contraloría", "government", "titular"));
    gov2_ = Id(Member("Presidencia Municipal", "government", "titular"));
    cs1_ = Id(Member("Colectivo Ciudadano", "civil_society", "titular"));
    cs1_alt_ = Id(
        Member("Suplente del Colectivo", "civil_society", "alternate", {{"alternate_of", cs1_}}));
    cs2_ = Id(Member("Universidad Juárez", "civil_society", "titular"));
    guarantor_ = Id(Member("IDAIP", "guarantor", "titular"));
    facilitator_ = Id(Member("Facilitadora", "facilitator", "voice"));
  }

  std::string Decision(const std::string& rule, const json& extra = json::object()) {
    json body = {
        {"title", "Aprobar el calendario de sesiones"}, {"rule", rule}, {"published", true}};
    for (const auto& [key, value] : extra.items()) body[key] = value;
    return Id(Post("tepehuanes", "/secretariat/decisions", body, editor_));
  }
  HttpResult Vote(const std::string& decision, const std::string& member, const std::string& vote,
                  const std::string& tenant = "tepehuanes") {
    return Call("POST", Path(tenant, "/secretariat/decisions/" + decision + "/votes"),
                json{{"member_id", member}, {"vote", vote}}.dump(), editor_);
  }
  void VoteOk(const std::string& decision, const std::string& member, const std::string& vote) {
    auto result = Vote(decision, member, vote);
    EXPECT_EQ(result.status, 201) << member << ": " << result.body;
  }
  json Close(const std::string& decision) {
    return Post("tepehuanes", "/secretariat/decisions/" + decision + "/close", json::object(),
                editor_, 200);
  }

  // field -> message of a 422 problem.
  static std::map<std::string, std::string> Errors(const HttpResult& result) {
    std::map<std::string, std::string> errors;
    json problem = json::parse(result.body, nullptr, false);
    if (problem.is_object() && problem.contains("errors")) {
      for (const auto& e : problem["errors"]) {
        errors[e.value("field", "")] = e.value("message", e.value("detail", ""));
      }
    }
    return errors;
  }

  // The actions of tepehuanes' audit chain (read by its auditor), and the chain verifies.
  std::vector<std::string> AuditActions() {
    const std::string auditor = MakeUser("auditor@tepehuanes.gob.mx", "auditor", "tepehuanes");
    std::vector<std::string> actions;
    auto log = Call("GET", "/v1/tenants/tepehuanes/audit?limit=100", "", auditor);
    EXPECT_EQ(log.status, 200) << log.body;
    const json page = json::parse(log.body);
    for (const auto& entry : page["items"]) {
      actions.push_back(entry.value("action", ""));
    }
    auto verify = Call("GET", "/v1/tenants/tepehuanes/audit/verify", "", auditor);
    EXPECT_EQ(json::parse(verify.body)["ok"], true) << verify.body;
    return actions;
  }

  std::string editor_, state_editor_;
  std::string gov1_, gov2_, cs1_, cs1_alt_, cs2_, guarantor_, facilitator_;
};

TEST_F(SecretariatTest, MembersHaveTermsAlternatesAndCurrentness) {
  MakeSecretariat();
  json former = Member("Exintegrante", "civil_society", "titular",
                       {{"since", "2020-01-01"}, {"until", "2021-12-31"}});
  EXPECT_EQ(former["current"], false);
  json alternate = Get("tepehuanes", "/secretariat/members/" + cs1_alt_);
  EXPECT_EQ(alternate["alternate_of"], cs1_);
  EXPECT_EQ(alternate["seat"], "alternate");
  EXPECT_EQ(alternate["current"], true);

  json all = Get("tepehuanes", "/secretariat/members");
  EXPECT_EQ(all["items"].size(), 8u);
  json current = Get("tepehuanes", "/secretariat/members?current=true");
  EXPECT_EQ(current["items"].size(), 7u);
  for (const auto& m : current["items"]) EXPECT_EQ(m["current"], true);
  json not_current = Get("tepehuanes", "/secretariat/members?current=false");
  ASSERT_EQ(not_current["items"].size(), 1u);
  EXPECT_EQ(not_current["items"][0]["name"], "Exintegrante");

  // Paged cursor list.
  json page = Get("tepehuanes", "/secretariat/members?limit=5");
  EXPECT_EQ(page["items"].size(), 5u);
  ASSERT_TRUE(page["next_cursor"].is_string());
  json rest = Get("tepehuanes",
                  "/secretariat/members?limit=5&cursor=" + page["next_cursor"].get<std::string>());
  EXPECT_EQ(rest["items"].size(), 3u);
  EXPECT_TRUE(rest["next_cursor"].is_null());

  // Drafts: anonymous callers never see them; writers and the auditor do.
  json draft = Member("Borrador", "government", "titular", {{"published", false}});
  const std::string draft_path = Path("tepehuanes", "/secretariat/members/" + Id(draft));
  EXPECT_EQ(Call("GET", draft_path).status, 404);
  EXPECT_EQ(Call("GET", draft_path, "", editor_).status, 200);
  const std::string auditor = MakeUser("auditor@tepehuanes.gob.mx", "auditor", "tepehuanes");
  EXPECT_EQ(Call("GET", draft_path, "", auditor).status, 200);
  EXPECT_EQ(Call("PATCH", draft_path, json{{"name", "x"}}.dump(), auditor).status, 403);
  EXPECT_EQ(Get("tepehuanes", "/secretariat/members")["items"].size(), 8u);

  // PATCH ends a term (If-Match), DELETE leaves a tombstone.
  const std::string path = Path("tepehuanes", "/secretariat/members/" + gov2_);
  const std::string etag = Call("GET", path, "", editor_).Header("etag");
  auto ended =
      Call("PATCH", path, json{{"until", "2024-06-30"}}.dump(), editor_, {{"If-Match", etag}});
  ASSERT_EQ(ended.status, 200) << ended.body;
  EXPECT_EQ(json::parse(ended.body)["current"], false);
  EXPECT_EQ(Call("PATCH", path, json{{"name", "x"}}.dump(), editor_, {{"If-Match", etag}}).status,
            412);
  EXPECT_EQ(Call("DELETE", path, "", editor_).status, 204);
  EXPECT_EQ(Call("GET", path, "", editor_).status, 404);
  json sync = Get("tepehuanes", "/secretariat/members?updated_since=2000-01-01T00:00:00Z");
  bool tombstone = false;
  for (const auto& m : sync["items"]) tombstone |= m["id"] == gov2_ && m.value("deleted", false);
  EXPECT_TRUE(tombstone) << sync.dump();

  // The whole state at once.
  Member("Gobierno del Estado", "government", "titular", json::object(), "durango");
  json state = Get("durango", "/secretariat/members?include_descendants=true&limit=100");
  std::set<std::string> tenants;
  for (const auto& m : state["items"]) tenants.insert(m["tenant"].get<std::string>());
  EXPECT_EQ(tenants, (std::set<std::string>{"durango", "tepehuanes"}));
}

// Unknown sector, dates out of order, an alternate without a titular (or
// with one that is not a titular): 422 naming the field, nothing stored.
TEST_F(SecretariatTest, BadMembersAreRefusedWithSpanishFieldErrorsAndNothingChanges) {
  MakeSecretariat();
  const std::string list = Path("tepehuanes", "/secretariat/members");
  const size_t before = Get("tepehuanes", "/secretariat/members", editor_)["items"].size();
  auto create = [&](const json& body) { return Call("POST", list, body.dump(), editor_); };
  const json base = {
      {"name", "Nueva"}, {"sector", "government"}, {"seat", "titular"}, {"since", "2024-01-01"}};
  auto with = [&](const json& patch) {
    json body = base;
    for (const auto& [k, v] : patch.items()) body[k] = v;
    return body;
  };

  auto sector = create(with({{"sector", "empresarial"}}));
  ASSERT_EQ(sector.status, 422) << sector.body;
  EXPECT_NE(Errors(sector)["sector"].find("civil_society"), std::string::npos) << sector.body;

  auto dates = create(with({{"since", "2025-01-01"}, {"until", "2024-12-31"}}));
  ASSERT_EQ(dates.status, 422) << dates.body;
  EXPECT_NE(Errors(dates)["until"].find("anterior"), std::string::npos) << dates.body;

  auto bad_date = create(with({{"since", "2025-02-30"}}));
  ASSERT_EQ(bad_date.status, 422) << bad_date.body;
  EXPECT_TRUE(Errors(bad_date).count("since")) << bad_date.body;

  auto orphan = create(with({{"seat", "alternate"}}));
  ASSERT_EQ(orphan.status, 422) << orphan.body;
  EXPECT_NE(Errors(orphan)["alternate_of"].find("titular"), std::string::npos) << orphan.body;

  auto of_alternate = create(with({{"seat", "alternate"}, {"alternate_of", cs1_alt_}}));
  ASSERT_EQ(of_alternate.status, 422) << of_alternate.body;
  EXPECT_NE(Errors(of_alternate)["alternate_of"].find("titular"), std::string::npos);

  auto of_voice = create(with({{"seat", "alternate"}, {"alternate_of", facilitator_}}));
  EXPECT_EQ(of_voice.status, 422) << of_voice.body;

  auto titular_with_titular = create(with({{"alternate_of", gov1_}}));
  EXPECT_EQ(titular_with_titular.status, 422) << titular_with_titular.body;

  // A titular of another tenant is no titular here.
  json durango = Member("Estado", "government", "titular", json::object(), "durango");
  auto foreign = create(with({{"seat", "alternate"}, {"alternate_of", Id(durango)}}));
  EXPECT_EQ(foreign.status, 422) << foreign.body;

  // A PATCH that breaks a rule changes nothing.
  const std::string path = list + "/" + cs1_;
  auto patch = Call("PATCH", path, json{{"until", "2023-01-01"}}.dump(), editor_);
  ASSERT_EQ(patch.status, 422) << patch.body;
  EXPECT_TRUE(Errors(patch).count("until"));
  auto demote = Call("PATCH", path, json{{"seat", "voice"}}.dump(), editor_);
  ASSERT_EQ(demote.status, 422) << demote.body;
  EXPECT_TRUE(Errors(demote).count("seat")) << demote.body;
  json unchanged = Get("tepehuanes", "/secretariat/members/" + cs1_);
  EXPECT_TRUE(unchanged["until"].is_null());
  EXPECT_EQ(unchanged["seat"], "titular");

  EXPECT_EQ(Get("tepehuanes", "/secretariat/members", editor_)["items"].size(), before);
}

TEST_F(SecretariatTest, SessionsHaveAgreementsAndOverdueOnesAreVisible) {
  json session = Post("tepehuanes", "/secretariat/sessions",
                      {{"date", "2024-03-15"},
                       {"kind", "ordinary"},
                       {"minutes_url", "https://tepehuanes.gob.mx/actas/instalacion.pdf"},
                       {"published", true},
                       {"agreements",
                        {{{"text", "Publicar el acta de instalación"},
                          {"responsible", "Secretaría del Ayuntamiento"},
                          {"due", "2024-04-01"}},
                         {{"text", "Calendario de mesas de cocreación"},
                          {"responsible", "Facilitadora"},
                          {"due", "2099-01-01"}},
                         {{"text", "Designar enlace"}, {"due", "2024-03-20"}, {"done", true}}}}},
                      editor_);
  ASSERT_EQ(session["agreements"].size(), 3u) << session.dump();
  EXPECT_EQ(session["date"], "2024-03-15");
  EXPECT_EQ(session["agreements"][0]["overdue"], true);
  EXPECT_EQ(session["agreements"][1]["overdue"], false);
  EXPECT_EQ(session["agreements"][2]["overdue"], false);  // done
  const std::string session_id = Id(session);

  json overdue = Get("tepehuanes", "/secretariat/agreements?overdue=true");
  ASSERT_EQ(overdue["items"].size(), 1u);
  EXPECT_EQ(overdue["items"][0]["text"], "Publicar el acta de instalación");
  EXPECT_EQ(overdue["items"][0]["session_date"], "2024-03-15");
  EXPECT_EQ(Get("tepehuanes", "/secretariat/agreements?overdue=false")["items"].size(), 2u);

  // Marking it done.
  const std::string agreement = Id(session["agreements"][0]);
  auto done =
      Call("PATCH",
           Path("tepehuanes", "/secretariat/sessions/" + session_id + "/agreements/" + agreement),
           json{{"done", true}}.dump(), editor_);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(json::parse(done.body)["overdue"], false);
  EXPECT_EQ(Get("tepehuanes", "/secretariat/agreements?overdue=true")["items"].size(), 0u);
  // Under another session's id it does not exist.
  json other = Post("tepehuanes", "/secretariat/sessions",
                    {{"date", "2024-05-01"}, {"kind", "extraordinary"}}, editor_);
  EXPECT_EQ(
      Call("PATCH",
           Path("tepehuanes", "/secretariat/sessions/" + Id(other) + "/agreements/" + agreement),
           json{{"done", false}}.dump(), editor_)
          .status,
      404);

  // One more agreement; the session's minutes are edited.
  json added = Post("tepehuanes", "/secretariat/sessions/" + session_id + "/agreements",
                    {{"text", "Informe trimestral"}, {"due", "2024-06-30"}}, editor_);
  EXPECT_EQ(added["agreements"].size(), 4u);
  auto patched =
      Call("PATCH", Path("tepehuanes", "/secretariat/sessions/" + Id(other)),
           json{{"minutes_url", "https://tepehuanes.gob.mx/actas/2.pdf"}}.dump(), editor_);
  ASSERT_EQ(patched.status, 200) << patched.body;

  // Drafts: the unpublished session and its agreements are not public.
  EXPECT_EQ(Get("tepehuanes", "/secretariat/sessions")["items"].size(), 1u);
  EXPECT_EQ(Get("tepehuanes", "/secretariat/sessions", editor_)["items"].size(), 2u);
  EXPECT_EQ(Call("GET", Path("tepehuanes", "/secretariat/sessions/" + Id(other))).status, 404);

  // Bad input: 422 on the JSON path, nothing stored.
  auto bad = Call("POST", Path("tepehuanes", "/secretariat/sessions"),
                  json{{"date", "2024-13-01"},
                       {"kind", "solemne"},
                       {"agreements", {{{"text", "x"}, {"due", "mañana"}}}}}
                      .dump(),
                  editor_);
  ASSERT_EQ(bad.status, 422) << bad.body;
  auto errors = Errors(bad);
  EXPECT_TRUE(errors.count("date")) << bad.body;
  EXPECT_TRUE(errors.count("kind")) << bad.body;
  EXPECT_TRUE(errors.count("agreements[0].due")) << bad.body;
  EXPECT_EQ(Get("tepehuanes", "/secretariat/sessions", editor_)["items"].size(), 2u);
}

// Issue 17: a civil_society_majority decision that a plain majority would
// pass but the rule rejects.
TEST_F(SecretariatTest, TheMorelosRuleRejectsAMajorityWithoutCivilSociety) {
  MakeSecretariat();
  const std::string simple = Decision("simple_majority");
  const std::string morelos = Decision("civil_society_majority");
  for (const std::string& d : {simple, morelos}) {
    VoteOk(d, gov1_, "yes");
    VoteOk(d, gov2_, "yes");
    VoteOk(d, guarantor_, "yes");
    VoteOk(d, cs1_, "no");
    VoteOk(d, cs2_, "abstain");
  }
  json open = Get("tepehuanes", "/secretariat/decisions/" + morelos);
  EXPECT_EQ(open["outcome"]["result"], "open");
  EXPECT_EQ(open["outcome"]["provisional"], "rejected");

  json passed = Close(simple);
  EXPECT_EQ(passed["outcome"]["result"], "approved") << passed.dump();
  json rejected = Close(morelos);
  EXPECT_EQ(rejected["outcome"]["result"], "rejected") << rejected.dump();
  EXPECT_EQ(rejected["outcome"]["yes"], 3);
  EXPECT_EQ(rejected["outcome"]["no"], 1);
  EXPECT_EQ(rejected["outcome"]["abstain"], 1);
  EXPECT_EQ(rejected["outcome"]["civil_society_yes"], 0);
  EXPECT_NE(rejected["outcome"]["explanation"].get<std::string>().find(
                "Rechazada: la mayoría no incluye el voto de la sociedad civil"),
            std::string::npos)
      << rejected.dump();

  // The public GET shows every vote with its member.
  json shown = Get("tepehuanes", "/secretariat/decisions/" + morelos);
  ASSERT_EQ(shown["votes"].size(), 5u);
  EXPECT_EQ(shown["votes"][0]["name"], "Secretaría de la Contraloría");
  EXPECT_EQ(shown["votes"][0]["sector"], "government");
  EXPECT_EQ(shown["votes"][0]["seat"], "titular");
  EXPECT_EQ(shown["votes"][0]["vote"], "yes");
  EXPECT_EQ(shown["votes"][0]["counted"], true);
  EXPECT_EQ(shown["result"], "rejected");

  // With one civil-society yes the same rule approves.
  const std::string with_cs = Decision("civil_society_majority");
  VoteOk(with_cs, gov1_, "yes");
  VoteOk(with_cs, cs2_, "yes");
  VoteOk(with_cs, cs1_, "no");
  EXPECT_EQ(Close(with_cs)["outcome"]["result"], "approved");

  // The list says each one's result.
  json list = Get("tepehuanes", "/secretariat/decisions");
  std::map<std::string, std::string> results;
  for (const auto& d : list["items"]) results[Id(d)] = d["result"].get<std::string>();
  EXPECT_EQ(results[simple], "approved");
  EXPECT_EQ(results[morelos], "rejected");
  // An unpublished member's vote counts, but anonymous callers never see its name.
  json draft = Member("Integrante en borrador", "government", "titular", {{"published", false}});
  const std::string with_draft = Decision("simple_majority");
  VoteOk(with_draft, Id(draft), "yes");
  EXPECT_EQ(Get("tepehuanes", "/secretariat/decisions/" + with_draft)["votes"][0]["name"],
            "Integrante sin publicar");
  EXPECT_EQ(Get("tepehuanes", "/secretariat/decisions/" + with_draft, editor_)["votes"][0]["name"],
            "Integrante en borrador");
}

// Issue 17: an alternate's vote replaced by its titular's.
TEST_F(SecretariatTest, TheTitularsLaterVoteReplacesItsAlternates) {
  MakeSecretariat();
  const std::string d = Decision("civil_society_majority");
  VoteOk(d, gov1_, "yes");
  VoteOk(d, gov2_, "yes");
  VoteOk(d, cs1_alt_, "yes");  // the titular is absent so far
  json before = Get("tepehuanes", "/secretariat/decisions/" + d);
  EXPECT_EQ(before["outcome"]["provisional"], "approved") << before.dump();
  EXPECT_EQ(before["votes"][2]["counted"], true);
  EXPECT_EQ(before["votes"][2]["seat_of"], cs1_);

  VoteOk(d, cs1_, "no");  // the titular arrives
  json after = Close(d);
  ASSERT_EQ(after["votes"].size(), 4u) << after.dump();
  const json& alternate = after["votes"][2];
  EXPECT_EQ(alternate["member_id"], cs1_alt_);
  EXPECT_EQ(alternate["status"], "replaced");
  EXPECT_EQ(alternate["replaced"], true);
  EXPECT_EQ(alternate["counted"], false);
  EXPECT_EQ(after["votes"][3]["counted"], true);
  EXPECT_EQ(after["outcome"]["yes"], 2);
  EXPECT_EQ(after["outcome"]["no"], 1);
  EXPECT_EQ(after["outcome"]["seats_present"], 3);    // one vote per seat
  EXPECT_EQ(after["outcome"]["result"], "rejected");  // no civil-society yes left

  // Once the titular voted, its alternate cannot; one vote per member (409).
  const std::string e = Decision("simple_majority");
  VoteOk(e, cs1_, "yes");
  auto late = Vote(e, cs1_alt_, "no");
  ASSERT_EQ(late.status, 422) << late.body;
  EXPECT_NE(Errors(late)["member_id"].find("titular ya votó"), std::string::npos) << late.body;
  auto twice = Vote(e, cs1_, "no");
  EXPECT_EQ(twice.status, 409) << twice.body;
  EXPECT_EQ(Get("tepehuanes", "/secretariat/decisions/" + e)["votes"].size(), 1u);
}

// Issue 17: a voice seat's vote refused; so are non-members and members
// outside their term. Nothing is stored.
TEST_F(SecretariatTest, VotesWithoutASeatAreRefusedAndNothingIsStored) {
  MakeSecretariat();
  json former = Member("Exintegrante", "civil_society", "titular",
                       {{"since", "2020-01-01"}, {"until", "2021-12-31"}});
  json other_tenant =
      Member("Integrante de Gómez Palacio", "civil_society", "titular", json::object(), "durango");
  const std::string d = Decision("simple_majority");

  auto voice = Vote(d, facilitator_, "yes");
  ASSERT_EQ(voice.status, 422) << voice.body;
  EXPECT_NE(Errors(voice)["member_id"].find("voz"), std::string::npos) << voice.body;

  auto stranger = Vote(d, Id(other_tenant), "yes");
  ASSERT_EQ(stranger.status, 422) << stranger.body;
  EXPECT_NE(Errors(stranger)["member_id"].find("integrante"), std::string::npos);

  auto unknown = Vote(d, "00000000-0000-4000-8000-000000000000", "yes");
  EXPECT_EQ(unknown.status, 422) << unknown.body;

  auto expired = Vote(d, Id(former), "yes");
  ASSERT_EQ(expired.status, 422) << expired.body;
  EXPECT_NE(Errors(expired)["member_id"].find("vigente"), std::string::npos);

  auto bad_vote = Vote(d, gov1_, "tal vez");
  ASSERT_EQ(bad_vote.status, 422) << bad_vote.body;
  EXPECT_TRUE(Errors(bad_vote).count("vote"));

  // Current on the decision's date, not today: a decision dated in 2021
  // lets the former member vote and refuses today's members.
  const std::string old = Decision("simple_majority", {{"date", "2021-06-01"}});
  EXPECT_EQ(Vote(old, gov1_, "yes").status, 422);
  EXPECT_EQ(Vote(old, Id(former), "yes").status, 201);

  json shown = Get("tepehuanes", "/secretariat/decisions/" + d);
  EXPECT_EQ(shown["votes"].size(), 0u);
  EXPECT_EQ(shown["outcome"]["voting_seats"], 5);

  // A decision on a session of another tenant, or a bad rule: 422.
  auto bad_decision =
      Call("POST", Path("tepehuanes", "/secretariat/decisions"),
           json{{"title", "x"}, {"rule", "unanimity"}, {"quorum", 0}}.dump(), editor_);
  ASSERT_EQ(bad_decision.status, 422) << bad_decision.body;
  EXPECT_TRUE(Errors(bad_decision).count("rule"));
  EXPECT_TRUE(Errors(bad_decision).count("quorum"));
  auto no_session = Call("POST", Path("tepehuanes", "/secretariat/decisions"),
                         json{{"title", "x"},
                              {"rule", "simple_majority"},
                              {"session_id", "00000000-0000-4000-8000-000000000000"}}
                             .dump(),
                         editor_);
  ASSERT_EQ(no_session.status, 422) << no_session.body;
  EXPECT_TRUE(Errors(no_session).count("session_id"));
  EXPECT_EQ(Get("tepehuanes", "/secretariat/decisions", editor_)["items"].size(), 2u);
}

// Issue 17: a decision without quorum; the quorum is configurable.
TEST_F(SecretariatTest, ADecisionWithoutQuorumIsNotDecided) {
  MakeSecretariat();
  const std::string d = Decision("simple_majority");
  VoteOk(d, gov1_, "yes");
  VoteOk(d, cs1_alt_, "yes");  // counts for its titular's seat
  json closed = Close(d);
  EXPECT_EQ(closed["outcome"]["result"], "no_quorum") << closed.dump();
  EXPECT_EQ(closed["outcome"]["voting_seats"], 5);
  EXPECT_EQ(closed["outcome"]["seats_present"], 2);
  EXPECT_EQ(closed["outcome"]["quorum_required"], 3);
  EXPECT_EQ(closed["outcome"]["explanation"],
            "Sin quórum: votaron 2 de 5 asientos con voto y se requieren 3.");

  // Its own quorum of two is met by the same votes.
  const std::string own = Decision("simple_majority", {{"quorum", 2}});
  VoteOk(own, gov1_, "yes");
  VoteOk(own, cs1_alt_, "yes");
  json met = Close(own);
  EXPECT_EQ(met["quorum"], 2);
  EXPECT_EQ(met["outcome"]["result"], "approved") << met.dump();
}

// Issue 17: votes close when the decision is closed; after that it is immutable.
TEST_F(SecretariatTest, AClosedDecisionIsImmutable) {
  MakeSecretariat();
  const std::string d = Decision("simple_majority");
  VoteOk(d, gov1_, "yes");
  VoteOk(d, gov2_, "yes");
  VoteOk(d, cs1_, "yes");
  json closed = Close(d);
  EXPECT_EQ(closed["closed"], true);
  EXPECT_EQ(closed["outcome"]["result"], "approved");

  auto late = Vote(d, cs2_, "no");
  EXPECT_EQ(late.status, 409) << late.body;
  const std::string path = Path("tepehuanes", "/secretariat/decisions/" + d);
  EXPECT_EQ(Call("POST", path + "/close", "", editor_).status, 409);
  EXPECT_EQ(Call("PATCH", path, json{{"title", "Otro"}}.dump(), editor_).status, 409);

  // Later changes to members do not move a closed outcome.
  const std::string member = Path("tepehuanes", "/secretariat/members/" + gov1_);
  ASSERT_EQ(Call("DELETE", member, "", editor_).status, 204);
  json after = Get("tepehuanes", "/secretariat/decisions/" + d);
  EXPECT_EQ(after["votes"].size(), 3u);
  EXPECT_EQ(after["outcome"], closed["outcome"]);
  // ...but an open one's do: the deleted member's vote stops counting.
  const std::string open = Decision("simple_majority");
  VoteOk(open, gov2_, "yes");
  VoteOk(open, cs1_, "yes");
  VoteOk(open, cs2_, "yes");
  ASSERT_EQ(Call("DELETE", Path("tepehuanes", "/secretariat/members/" + cs2_), "", editor_).status,
            204);
  json moved = Get("tepehuanes", "/secretariat/decisions/" + open);
  EXPECT_EQ(moved["votes"][2]["status"], "not_counted");
  EXPECT_EQ(moved["outcome"]["voting_seats"], 3);
}

// Every write appears in the tenant's audit chain, which still verifies.
TEST_F(SecretariatTest, EveryWriteIsInTheAuditChain) {
  MakeSecretariat();
  const std::string member = Path("tepehuanes", "/secretariat/members/" + gov2_);
  ASSERT_EQ(Call("PATCH", member, json{{"position", "Presidente"}}.dump(), editor_).status, 200);
  ASSERT_EQ(Call("DELETE", member, "", editor_).status, 204);
  json session = Post("tepehuanes", "/secretariat/sessions",
                      {{"date", "2024-03-15"},
                       {"kind", "ordinary"},
                       {"agreements", {{{"text", "Publicar el acta"}, {"due", "2024-04-01"}}}}},
                      editor_);
  const std::string session_path = Path("tepehuanes", "/secretariat/sessions/" + Id(session));
  ASSERT_EQ(Call("PATCH", session_path, json{{"published", true}}.dump(), editor_).status, 200);
  Post("tepehuanes", "/secretariat/sessions/" + Id(session) + "/agreements",
       {{"text", "Segundo acuerdo"}}, editor_);
  ASSERT_EQ(Call("PATCH", session_path + "/agreements/" + Id(session["agreements"][0]),
                 json{{"done", true}}.dump(), editor_)
                .status,
            200);
  const std::string d = Decision("simple_majority", {{"session_id", Id(session)}});
  EXPECT_EQ(Get("tepehuanes", "/secretariat/decisions/" + d)["date"], "2024-03-15");
  ASSERT_EQ(Call("PATCH", Path("tepehuanes", "/secretariat/decisions/" + d),
                 json{{"title", "Calendario 2024"}}.dump(), editor_)
                .status,
            200);
  VoteOk(d, gov1_, "yes");
  Close(d);

  const auto actions = AuditActions();
  for (const char* action : {"open-government.member.create", "open-government.member.update",
                             "open-government.member.delete", "open-government.session.create",
                             "open-government.session.update", "open-government.agreement.create",
                             "open-government.agreement.update", "open-government.decision.create",
                             "open-government.decision.update", "open-government.decision.vote",
                             "open-government.decision.close"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), action), actions.end()) << action;
  }
  // One entry per write: 7 members created + update + delete, session create,
  // update, agreement create, update, decision create, update, vote, close.
  EXPECT_EQ(std::count_if(actions.begin(), actions.end(),
                          [](const std::string& a) { return a.rfind("open-government.", 0) == 0; }),
            17);
}

// A Gómez Palacio editor cannot touch Tepehuanes's members or decisions.
TEST_F(SecretariatTest, AnotherTenantsEditorGets404) {
  MakeSecretariat();
  const std::string d = Decision("simple_majority", {{"published", false}});
  json draft = Member("Borrador", "government", "titular", {{"published", false}});
  const std::string gomez = MakeUser("editor@gomezpalacio.gob.mx", "editor", "gomez-palacio");
  const std::string member = Path("tepehuanes", "/secretariat/members/" + gov1_);
  EXPECT_EQ(Call("PATCH", member, json{{"name", "x"}}.dump(), gomez).status, 404);
  EXPECT_EQ(Call("DELETE", member, "", gomez).status, 404);
  EXPECT_EQ(Call("GET", Path("tepehuanes", "/secretariat/members/" + Id(draft)), "", gomez).status,
            404);
  EXPECT_EQ(Call("GET", Path("tepehuanes", "/secretariat/decisions/" + d), "", gomez).status, 404);
  EXPECT_EQ(Call("POST", Path("tepehuanes", "/secretariat/decisions/" + d + "/votes"),
                 json{{"member_id", gov1_}, {"vote", "no"}}.dump(), gomez)
                .status,
            404);
  EXPECT_EQ(
      Call("POST", Path("tepehuanes", "/secretariat/decisions/" + d + "/close"), "", gomez).status,
      404);
  // Tepehuanes ids do not exist under Gómez Palacio.
  EXPECT_EQ(Call("PATCH", Path("gomez-palacio", "/secretariat/members/" + gov1_),
                 json{{"name", "x"}}.dump(), gomez)
                .status,
            404);
  EXPECT_EQ(Call("POST", Path("gomez-palacio", "/secretariat/decisions/" + d + "/votes"),
                 json{{"member_id", gov1_}, {"vote", "no"}}.dump(), gomez)
                .status,
            404);
  EXPECT_EQ(Get("tepehuanes", "/secretariat/members/" + gov1_, editor_)["name"],
            "Secretaría de la Contraloría");
  EXPECT_EQ(Get("tepehuanes", "/secretariat/decisions/" + d, editor_)["votes"].size(), 0u);
}

}  // namespace
}  // namespace cabildo::testing
