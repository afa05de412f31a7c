// A tenant's life after its creation (issue 23, point 4; api-core.md
// "Tenant lifecycle"), over HTTP against the real services with every module
// of tenants/durango.json enabled:
//  - suspend: every write to the tenant answers a Spanish 423 (swept over
//    every write route the server has), public reads go on, its members log
//    in and keep working in their other tenants; resume lifts it; both are
//    audited in the tenant's chain and the instance's;
//  - delete: 409 while it has children; with the demo data of every module
//    loaded, no row of any table keeps the tenant's id in any uuid column
//    afterwards (a sweep over pg_catalog), the other tenants keep theirs, and
//    the instance's chain records who deleted what.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/api/app.h"
#include "cabildo/core/crypto.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/tenants.h"
#include "cabildo/plugin/text_checks.h"

#include "../../plugins/public_works/tests/sample_project.h"
#include "server_fixture.h"
#include "test_support.h"

namespace cabildo {
namespace {

using nlohmann::json;
using testing::HttpResult;

const std::string kBase = "/v1/tenants/";
const std::string kReason = "Cambio de administración municipal; en revisión por el Congreso";

class TenantLifecycleTest : public testing::ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override {
    return {"public-works", "scholarships", "open-government", "procedure-registry",
            "service-requests"};
  }

  void SetUp() override {
    ServerTest::SetUp();
    instance_admin_ = MakeInstanceAdmin("instancia@ejemplo.mx");
    state_admin_ = MakeUser("estado@ejemplo.mx", "admin", "durango");
    // An admin of Gómez Palacio who is also an admin of Tepehuanes.
    municipal_admin_ = MakeUser("gomez@ejemplo.mx", "admin", "gomez-palacio");
    Owner(
        "INSERT INTO core.role_assignments (tenant_id, user_id, role) "
        "SELECT t.id, u.id, 'admin' FROM core.tenants t, core.users u "
        "WHERE t.slug = 'tepehuanes' AND u.email = 'gomez@ejemplo.mx' RETURNING 'ok'");
    // The fixture's tenants are in the instance's chain (tenant.create): the
    // tests read what comes after them.
    const std::string creates =
        Owner("SELECT count(*) FROM core.instance_audit_log WHERE action = 'tenant.create'");
    EXPECT_EQ(creates, "4");
    fixture_instance_seq_ =
        std::stoll(Owner("SELECT coalesce(max(seq), 0) FROM core.instance_audit_log"));
  }

  std::string MakeInstanceAdmin(const std::string& email) {
    {
      pqxx::connection owner(database_.owner_url());
      pqxx::work work(owner);
      auto user = core::CreateUser(work, {email, "Administración", testing::kTestPassword, true});
      EXPECT_TRUE(user.ok()) << user.status().message();
      work.commit();
    }
    return Login(email);
  }

  std::string Login(const std::string& email) {
    auto login = Call("POST", "/v1/auth/login",
                      json{{"email", email}, {"password", testing::kTestPassword}}.dump());
    EXPECT_EQ(login.status, 200) << login.body;
    return json::parse(login.body, nullptr, false).value("access_token", "");
  }

  // One text value, as the owner with every tenant (and `extra`) in scope
  // (row-level security binds the owner too); "" for NULL or no row.
  std::string Owner(const std::string& sql, const std::string& extra = "") {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    Scope(work, extra);
    auto rows = work.exec(sql);
    work.commit();
    return rows.empty() || rows[0][0].is_null() ? "" : rows[0][0].as<std::string>();
  }

  static void Scope(pqxx::work& work, const std::string& extra) {
    std::string ids =
        work.exec("SELECT string_agg(id::text, ',') FROM core.tenants")[0][0].as<std::string>();
    if (!extra.empty()) ids += "," + extra;
    work.exec_params("SELECT set_config('cabildo.tenant_ids', $1, true)", ids);
  }

  std::string TenantId(const std::string& slug) {
    return Owner("SELECT id::text FROM core.tenants WHERE slug = " +
                 pqxx::connection(database_.owner_url()).quote(slug));
  }

  HttpResult Suspend(const std::string& slug, const std::string& token,
                     const std::string& reason = kReason) {
    return Call("POST", kBase + slug + "/suspend", json{{"reason", reason}}.dump(), token);
  }

  // Actions of the tenant's chain, oldest first (as its admin reads them).
  std::vector<std::string> ChainActions(const std::string& slug) {
    auto listed = Call("GET", kBase + slug + "/audit?limit=100", "", instance_admin_);
    EXPECT_EQ(listed.status, 200) << listed.body;
    std::vector<std::string> actions;
    const json page = json::parse(listed.body);
    for (const auto& item : page["items"]) actions.push_back(item["action"]);
    return actions;
  }

  // The instance's chain after the fixture's tenants were created:
  // {action, actor, changes} per entry, oldest first.
  std::vector<json> InstanceEntries() {
    pqxx::connection owner(database_.owner_url());
    pqxx::read_transaction work(owner);
    std::vector<json> entries;
    for (const auto& row : work.exec("SELECT action, actor, entity_id, changes FROM "
                                     "core.instance_audit_log WHERE seq > " +
                                     std::to_string(fixture_instance_seq_) + " ORDER BY seq")) {
      entries.push_back({{"action", row[0].as<std::string>()},
                         {"actor", row[1].as<std::string>()},
                         {"entity_id", row[2].as<std::string>()},
                         {"changes", json::parse(row[3].as<std::string>())}});
    }
    return entries;
  }

  // Every (table.column, rows) where a uuid or uuid[] column of any ordinary
  // table holds `id`, found through pg_catalog: nothing is listed by hand.
  std::map<std::string, long> RowsHolding(const std::string& id) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    Scope(work, id);
    std::map<std::string, long> found;
    std::size_t columns = 0;
    for (const auto& column : work.exec(
             "SELECT format('%I.%I', n.nspname, c.relname), quote_ident(a.attname), "
             "a.atttypid = 'uuid[]'::regtype, n.nspname || '.' || c.relname || '.' || a.attname "
             "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
             "JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
             "AND a.atttypid IN ('uuid'::regtype, 'uuid[]'::regtype) "
             "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
             "AND n.nspname NOT LIKE 'pg\\_%'")) {
      ++columns;
      const std::string table = column[0].as<std::string>();
      const std::string name = column[1].as<std::string>();
      const std::string where =
          column[2].as<bool>() ? "$1::uuid = ANY (" + name + ")" : name + " = $1::uuid";
      const long rows =
          work.exec_params("SELECT count(*) FROM " + table + " WHERE " + where, id)[0][0]
              .as<long>();
      if (rows > 0) found[column[3].as<std::string>()] = rows;
    }
    EXPECT_GT(columns, 40u) << "the sweep found too few uuid columns";
    return found;
  }

  // The demo data of every module (scripts/demo-data.sh, as scripts/run
  // loads it): rows in nearly every module table of the four tenants.
  void LoadDemoData() {
    const std::string command =
        "CABILDO_DATABASE_ADMIN_URL='" + database_.owner_url() + "' CABILDO_BIN='" +
        CABILDO_BINARY + "' CABILDO_DATA_KEY=" + core::RandomHex(32) + " bash '" +
        CABILDO_SOURCE_DIR + "/scripts/demo-data.sh' > /tmp/cabildo-lifecycle-demo-" +
        database_.name() + ".log 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0)
        << "scripts/demo-data.sh failed; see /tmp/cabildo-lifecycle-demo-" << database_.name()
        << ".log";
  }

  std::string instance_admin_;
  std::string state_admin_;
  std::string municipal_admin_;
  int64_t fixture_instance_seq_ = 0;
};

// --- Create ------------------------------------------------------------------------------

// A tenant created through the API is on record in its own chain and in the
// instance's, which outlives it (the tenant file's creates: the fixture).
TEST_F(TenantLifecycleTest, ACreatedTenantIsInBothChains) {
  auto created = Call("POST", "/v1/tenants",
                      json{{"slug", "agencia-nueva"},
                           {"name", "Agencia nueva"},
                           {"kind", "agency"},
                           {"parent", "durango"}}
                          .dump(),
                      state_admin_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = TenantId("agencia-nueva");
  std::vector<json> instance = InstanceEntries();
  ASSERT_EQ(instance.size(), 1u);
  EXPECT_EQ(instance[0]["action"], "tenant.create");
  EXPECT_EQ(instance[0]["actor"], "estado@ejemplo.mx");
  EXPECT_EQ(instance[0]["entity_id"], id);
  EXPECT_EQ(instance[0]["changes"]["tenant"], "agencia-nueva");
  EXPECT_EQ(instance[0]["changes"]["after"]["parent"], "durango");
  EXPECT_EQ(ChainActions("agencia-nueva"), std::vector<std::string>{"tenant.create"});
}

// --- Suspend and resume ------------------------------------------------------------------

TEST_F(TenantLifecycleTest, EveryWriteToASuspendedTenantAnswers423InSpanish) {
  const std::string tenant = "municipio-durango";  // every module is enabled there
  ASSERT_EQ(Suspend(tenant, state_admin_).status, 200);

  // Every write route the server has under /v1/tenants/{tenant}/: the core's
  // and those of every module enabled there. Called as the instance admin
  // (allowed everywhere) without a body: the 423 comes before any body is read.
  std::set<std::string> enabled;
  const json modules = json::parse(Call("GET", kBase + tenant + "/modules").body);
  for (const auto& item : modules["items"]) {
    enabled.insert(item["name"].get<std::string>());
  }
  ASSERT_EQ(enabled.size(), 5u);
  const std::set<std::string> lifecycle = {"POST /v1/tenants/{tenant}/suspend",
                                           "POST /v1/tenants/{tenant}/resume",
                                           "DELETE /v1/tenants/{tenant}"};
  int swept = 0;
  std::set<std::string> modules_swept;
  for (const auto& [method, templ] : app_->router().Routes()) {
    const std::string name(api::MethodName(method));
    if (method == api::Method::kGet || method == api::Method::kHead ||
        templ.rfind("/v1/tenants/{tenant}", 0) != 0 || lifecycle.count(name + " " + templ)) {
      continue;
    }
    const std::string rest = templ.substr(std::string("/v1/tenants/{tenant}").size());
    const std::string first = rest.empty() ? "" : rest.substr(1, rest.find('/', 1) - 1);
    const bool core_route = first == "modules" || first == "members" || rest.empty();
    if (!core_route && !enabled.count(first)) continue;  // a test plugin not enabled here
    if (!core_route) modules_swept.insert(first);
    std::string path;
    for (std::size_t i = 0; i < templ.size();) {
      if (templ[i] != '{') {
        path.push_back(templ[i++]);
        continue;
      }
      const std::size_t end = templ.find('}', i);
      const std::string param = templ.substr(i + 1, end - i - 1);
      i = end + 1;
      if (param == "tenant") {
        path += tenant;
      } else if (param == "module") {
        path += "public-works";
      } else {
        path += "00000000-0000-4000-8000-000000000001";
      }
    }
    const HttpResult result = Call(name, path, "", instance_admin_);
    ++swept;
    EXPECT_EQ(result.status, 423) << name << " " << templ << ": " << result.body;
    const json body = json::parse(result.body, nullptr, false);
    if (body.is_array()) {  // Open311's error shape
      EXPECT_EQ(body[0]["code"], 423) << templ;
      EXPECT_NE(body[0]["description"].get<std::string>().find(kReason), std::string::npos);
      continue;
    }
    EXPECT_EQ(result.Header("content-type"), "application/problem+json") << templ;
    EXPECT_EQ(body["type"], "https://cabildo.mx/problems/tenant-suspended") << templ;
    EXPECT_EQ(body["title"], "Tenant suspendido");
    EXPECT_EQ(body["tenant"], tenant);
    EXPECT_EQ(body["reason"], kReason);
    const std::string detail = body["detail"];
    EXPECT_NE(detail.find("está suspendido"), std::string::npos) << detail;
    EXPECT_NE(detail.find(kReason), std::string::npos) << detail;
  }
  EXPECT_GE(swept, 30) << "too few write routes were swept";
  EXPECT_EQ(modules_swept, enabled);

  // A child of a suspended tenant cannot be created either.
  auto child = Call("POST", "/v1/tenants",
                    json{{"slug", "agencia-nueva"},
                         {"name", "Agencia nueva"},
                         {"kind", "agency"},
                         {"parent", tenant}}
                        .dump(),
                    instance_admin_);
  EXPECT_EQ(child.status, 423) << child.body;
  // Nothing was written: the sweep left the tenant's chain as the suspension did.
  EXPECT_EQ(ChainActions(tenant).back(), "tenant.suspend");
}

TEST_F(TenantLifecycleTest, ReadsLoginsAndTheMembersOtherTenantsGoOn) {
  const std::string tenant = "gomez-palacio";
  // Cached before the suspension: the change must show at once.
  auto before = Call("GET", kBase + tenant);
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(json::parse(before.body)["status"], "active");
  EXPECT_FALSE(json::parse(before.body).contains("suspended_reason"));
  ASSERT_EQ(Call("GET", kBase + tenant + "/procedure-registry/procedures").status, 200);

  auto suspended = Suspend(tenant, state_admin_);
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  json state = json::parse(suspended.body);
  EXPECT_EQ(state["slug"], tenant);
  EXPECT_EQ(state["status"], "suspended");
  EXPECT_EQ(state["suspended_reason"], kReason);
  EXPECT_TRUE(plugin::IsRfc3339Timestamp(state["suspended_at"].get<std::string>())) << state.dump();

  // Public reads: the directory shows it, the modules' lists still answer.
  auto shown = Call("GET", kBase + tenant);
  ASSERT_EQ(shown.status, 200);
  json tenant_json = json::parse(shown.body);
  EXPECT_EQ(tenant_json["status"], "suspended");
  EXPECT_EQ(tenant_json["suspended_reason"], kReason);
  EXPECT_EQ(tenant_json["name"], "Municipio de Gómez Palacio");
  bool listed = false;
  const json listed_tenants = json::parse(Call("GET", "/v1/tenants").body);
  for (const auto& item : listed_tenants["items"]) {
    if (item["slug"] == tenant) {
      listed = true;
      EXPECT_EQ(item["status"], "suspended");
    } else {
      EXPECT_EQ(item["status"], "active") << item.dump();
    }
  }
  EXPECT_TRUE(listed);
  EXPECT_EQ(Call("GET", kBase + tenant + "/procedure-registry/procedures").status, 200);
  EXPECT_EQ(Call("GET", kBase + tenant + "/service-requests/open311/v2/services.json").status, 200);
  EXPECT_EQ(Call("GET", kBase + tenant + "/modules").status, 200);
  // Its admin still reads what only members read.
  EXPECT_EQ(Call("GET", kBase + tenant + "/members", "", municipal_admin_).status, 200);
  EXPECT_EQ(Call("GET", kBase + tenant + "/audit/verify", "", municipal_admin_).status, 200);

  // Its members log in, and keep working in their other tenants.
  const std::string token = Login("gomez@ejemplo.mx");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(Call("PATCH", kBase + tenant, json{{"name", "Gómez"}}.dump(), token).status, 423);
  auto elsewhere = Call("PATCH", kBase + "tepehuanes",
                        json{{"name", "Municipio de Tepehuanes, Dgo."}}.dump(), token);
  EXPECT_EQ(elsewhere.status, 200) << elsewhere.body;
  EXPECT_EQ(Call("PUT", kBase + "tepehuanes/modules/scholarships", "{}", token).status, 201);

  // A municipality does not lift its own suspension; its state's admin does.
  EXPECT_EQ(Call("POST", kBase + tenant + "/resume", "", token).status, 403);
  auto resumed = Call("POST", kBase + tenant + "/resume", "", state_admin_);
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(json::parse(resumed.body), (json{{"slug", tenant}, {"status", "active"}}));
  EXPECT_EQ(json::parse(Call("GET", kBase + tenant).body)["status"], "active");
  EXPECT_FALSE(json::parse(Call("GET", kBase + tenant).body).contains("suspended_at"));
  auto patched = Call("PATCH", kBase + tenant, json{{"name", "Gómez Palacio"}}.dump(), token);
  EXPECT_EQ(patched.status, 200) << patched.body;
}

TEST_F(TenantLifecycleTest, SuspendAndResumeAreAuditedInBothChains) {
  const std::string tenant = "tepehuanes";
  const std::string id = TenantId(tenant);
  ASSERT_EQ(Suspend(tenant, state_admin_).status, 200);
  // The same reason again changes nothing; a new one replaces it.
  ASSERT_EQ(Suspend(tenant, state_admin_).status, 200);
  auto changed = Suspend(tenant, instance_admin_, "Auditoría de la cuenta pública");
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(json::parse(changed.body)["suspended_reason"], "Auditoría de la cuenta pública");
  ASSERT_EQ(Call("POST", kBase + tenant + "/resume", "", state_admin_).status, 200);
  // Resuming an active tenant changes nothing.
  ASSERT_EQ(Call("POST", kBase + tenant + "/resume", "", state_admin_).status, 200);

  std::vector<std::string> actions = ChainActions(tenant);
  ASSERT_GE(actions.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(actions.end() - 3, actions.end()),
            (std::vector<std::string>{"tenant.suspend", "tenant.suspend", "tenant.resume"}));
  auto listed =
      json::parse(Call("GET", kBase + tenant + "/audit?limit=100", "", state_admin_).body);
  const json& last = listed["items"].back();
  EXPECT_EQ(last["actor"], "estado@ejemplo.mx");
  EXPECT_EQ(last["changes"]["before"],
            (json{{"status", "suspended"}, {"reason", "Auditoría de la cuenta pública"}}));
  EXPECT_EQ(last["changes"]["after"], (json{{"status", "active"}}));
  auto verified = Call("GET", kBase + tenant + "/audit/verify", "", state_admin_);
  EXPECT_EQ(json::parse(verified.body)["ok"], true) << verified.body;

  std::vector<json> instance = InstanceEntries();
  ASSERT_EQ(instance.size(), 3u);
  EXPECT_EQ(instance[0]["action"], "tenant.suspend");
  EXPECT_EQ(instance[0]["actor"], "estado@ejemplo.mx");
  EXPECT_EQ(instance[0]["entity_id"], id);
  EXPECT_EQ(instance[0]["changes"]["tenant"], tenant);
  EXPECT_EQ(instance[0]["changes"]["after"], (json{{"status", "suspended"}, {"reason", kReason}}));
  EXPECT_EQ(instance[1]["actor"], "instancia@ejemplo.mx");
  EXPECT_EQ(instance[2]["action"], "tenant.resume");
  // Who suspended it is kept with the suspension, and cleared with it.
  EXPECT_EQ(Owner("SELECT suspended_by IS NULL AND suspended_at IS NULL FROM core.tenants "
                  "WHERE slug = 'tepehuanes'"),
            "t");
}

TEST_F(TenantLifecycleTest, WhoMaySuspendAndWhatAReasonIs) {
  const std::string citizen = MakeCitizen("persona@ejemplo.mx");
  EXPECT_EQ(Suspend("gomez-palacio", "").status, 401);
  EXPECT_EQ(Suspend("gomez-palacio", citizen).status, 404);
  EXPECT_EQ(Suspend("gomez-palacio", municipal_admin_).status, 403);  // its own admin
  EXPECT_EQ(Suspend("durango", state_admin_).status, 403);            // a state has no ancestor
  EXPECT_EQ(Suspend("no-existe", instance_admin_).status, 404);
  EXPECT_EQ(Call("POST", kBase + "gomez-palacio/resume", "", citizen).status, 404);
  EXPECT_EQ(Call("POST", kBase + "gomez-palacio/resume", "").status, 401);

  auto field_error = [&](const std::string& body, const std::string& field) {
    auto result = Call("POST", kBase + "gomez-palacio/suspend", body, state_admin_);
    EXPECT_EQ(result.status, 422) << body << ": " << result.body;
    json problem = json::parse(result.body, nullptr, false);
    EXPECT_EQ(problem.value("errors", json::array()).size(), 1u) << result.body;
    if (problem.contains("errors") && !problem["errors"].empty()) {
      EXPECT_EQ(problem["errors"][0]["field"], field) << result.body;
    }
  };
  field_error("{}", "reason");
  field_error(json{{"reason", "   "}}.dump(), "reason");
  field_error(json{{"reason", 5}}.dump(), "reason");
  field_error(json{{"reason", "línea\nnueva"}}.dump(), "reason");
  field_error(json{{"reason", std::string(501, 'a')}}.dump(), "reason");
  field_error(json{{"reason", "Motivo"}, {"until", "2027-01-01"}}.dump(), "until");
  EXPECT_EQ(Call("POST", kBase + "gomez-palacio/suspend", "[1]", state_admin_).status, 400);
  EXPECT_EQ(Call("POST", kBase + "gomez-palacio/suspend", "{", state_admin_).status, 400);
  // 500 characters (not bytes) is the limit.
  std::string longest;
  for (int i = 0; i < 500; ++i) longest += "ñ";
  EXPECT_EQ(Suspend("gomez-palacio", state_admin_, longest).status, 200);
  EXPECT_EQ(Suspend("durango", instance_admin_).status, 200);
}

// A write refused with 423 is not kept as the answer to its Idempotency-Key:
// once the tenant is resumed, the client's retry runs for real.
TEST_F(TenantLifecycleTest, An423IsNotReplayedForItsIdempotencyKey) {
  const std::string path = kBase + "municipio-durango/public-works/projects";
  const std::string body = public_works_testing::Sample("Unidad deportiva").dump();
  ASSERT_EQ(Suspend("municipio-durango", state_admin_).status, 200);
  auto refused = Call("POST", path, body, state_admin_, {{"Idempotency-Key", "obra-1"}});
  EXPECT_EQ(refused.status, 423) << refused.body;
  ASSERT_EQ(Call("POST", kBase + "municipio-durango/resume", "", state_admin_).status, 200);
  auto created = Call("POST", path, body, state_admin_, {{"Idempotency-Key", "obra-1"}});
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(created.Header("idempotent-replayed").empty());
}

// The tenant file creates and updates; it never resumes a suspended tenant.
TEST_F(TenantLifecycleTest, ApplyingTheTenantFileKeepsASuspension) {
  ASSERT_EQ(Suspend("tepehuanes", state_admin_).status, 200);
  pqxx::connection owner(database_.owner_url());
  auto applied = core::ApplyTenantFile(owner, testing::DurangoTenantFile(), EnabledModules());
  ASSERT_TRUE(applied.ok()) << applied.status().message();
  EXPECT_EQ(json::parse(Call("GET", kBase + "tepehuanes").body)["status"], "suspended");
  EXPECT_EQ(Call("PATCH", kBase + "tepehuanes", json{{"name", "T"}}.dump(), state_admin_).status,
            423);
}

// --- Delete ------------------------------------------------------------------------------

TEST_F(TenantLifecycleTest, OnlyTheInstanceAdminDeletesAndNeverATenantWithChildren) {
  EXPECT_EQ(Call("DELETE", kBase + "tepehuanes").status, 401);
  EXPECT_EQ(Call("DELETE", kBase + "tepehuanes", "", state_admin_).status, 403);
  EXPECT_EQ(Call("DELETE", kBase + "tepehuanes", "", municipal_admin_).status, 403);
  EXPECT_EQ(Call("DELETE", kBase + "no-existe", "", instance_admin_).status, 404);
  auto parent = Call("DELETE", kBase + "durango", "", instance_admin_);
  EXPECT_EQ(parent.status, 409) << parent.body;
  const std::string detail = json::parse(parent.body)["detail"];
  for (const char* child : {"gomez-palacio", "municipio-durango", "tepehuanes"}) {
    EXPECT_NE(detail.find(child), std::string::npos) << detail;
  }
  EXPECT_EQ(Call("GET", kBase + "durango").status, 200);
  EXPECT_TRUE(InstanceEntries().empty());
}

TEST_F(TenantLifecycleTest, DeleteLeavesNoRowWithTheTenantsIdInAnyTable) {
  LoadDemoData();
  const std::string tenant = "municipio-durango";
  const std::string id = TenantId(tenant);
  const std::string other = TenantId("durango");
  // Its members, a module's write of its own, a disabled module.
  (void)MakeUser("editora@ejemplo.mx", "editor", tenant);
  auto project = Call("POST", kBase + tenant + "/public-works/projects",
                      public_works_testing::Sample("Unidad deportiva").dump(), state_admin_);
  ASSERT_EQ(project.status, 201) << project.body;
  ASSERT_EQ(Call("DELETE", kBase + tenant + "/modules/open-government", "", state_admin_).status,
            204);
  // Suspended first, as an instance would do before removing a municipality.
  ASSERT_EQ(Suspend(tenant, state_admin_).status, 200);

  const std::map<std::string, long> before = RowsHolding(id);
  const std::map<std::string, long> other_before = RowsHolding(other);
  // The sweep sees the tenant's rows where they are: every module and the core.
  for (const char* column :
       {"core.audit_log.tenant_id", "core.audit_heads.tenant_id", "core.role_assignments.tenant_id",
        "core.tenant_modules.tenant_id", "core.tenants.id", "public_works.projects.tenant_id",
        "public_works.project_funding.tenant_id", "scholarships.calls.tenant_id",
        "scholarships.applications.tenant_id", "open_government.commitments.tenant_id",
        "procedure_registry.procedures.tenant_id", "service_requests.services.tenant_id"}) {
    EXPECT_GT(before.count(column) ? before.at(column) : 0, 0) << column;
  }
  EXPECT_GE(before.size(), 15u);

  // Cached before the delete: both must be gone at once.
  ASSERT_EQ(Call("GET", kBase + tenant).status, 200);
  ASSERT_EQ(Call("GET", kBase + tenant + "/public-works/projects").status, 200);

  auto deleted = Call("DELETE", kBase + tenant, "", instance_admin_);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  const json report = json::parse(deleted.body);
  EXPECT_EQ(report["id"], id);
  EXPECT_EQ(report["slug"], tenant);
  EXPECT_EQ(report["name"], "Municipio de Durango");

  EXPECT_EQ(RowsHolding(id), (std::map<std::string, long>{}));
  // The rows reported per table are the rows that held its tenant_id.
  long total = 0;
  for (const auto& [column, rows] : before) {
    const std::string suffix = ".tenant_id";
    if (column.size() <= suffix.size() ||
        column.compare(column.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string table = column.substr(0, column.size() - suffix.size());
    EXPECT_EQ(report["rows"].value(table, -1L), rows) << table;
    total += rows;
  }
  EXPECT_EQ(report["total_rows"], total);
  // Nobody else lost anything, but the state its child.
  std::map<std::string, long> other_after = RowsHolding(other);
  EXPECT_EQ(other_after["core.tenants.parent_id"], other_before.at("core.tenants.parent_id") - 1);
  other_after.erase("core.tenants.parent_id");
  std::map<std::string, long> other_expected = other_before;
  other_expected.erase("core.tenants.parent_id");
  EXPECT_EQ(other_after, other_expected);
  EXPECT_EQ(
      json::parse(Call("GET", kBase + "durango/audit/verify", "", instance_admin_).body)["ok"],
      true);

  // Gone from the public reads at once, cached or not.
  EXPECT_EQ(Call("GET", kBase + tenant).status, 404);
  EXPECT_EQ(Call("GET", kBase + tenant + "/public-works/projects").status, 404);
  const json remaining_tenants = json::parse(Call("GET", "/v1/tenants").body);
  for (const auto& item : remaining_tenants["items"]) {
    EXPECT_NE(item["slug"], tenant);
  }
  EXPECT_EQ(json::parse(Call("GET", kBase + "durango").body)["children"],
            (json{"gomez-palacio", "tepehuanes"}));

  // The instance's chain says who deleted what.
  std::vector<json> instance = InstanceEntries();
  ASSERT_FALSE(instance.empty());
  const json& entry = instance.back();
  EXPECT_EQ(entry["action"], "tenant.delete");
  EXPECT_EQ(entry["actor"], "instancia@ejemplo.mx");
  EXPECT_EQ(entry["entity_id"], id);
  const json& what = entry["changes"]["before"];
  EXPECT_EQ(what["slug"], tenant);
  EXPECT_EQ(what["name"], "Municipio de Durango");
  EXPECT_EQ(what["kind"], "municipality");
  EXPECT_EQ(what["parent"], "durango");
  EXPECT_EQ(what["audit_head"]["seq"], before.at("core.audit_log.tenant_id"));
  EXPECT_EQ(entry["changes"]["rows"], report["rows"]);
  EXPECT_EQ(entry["changes"]["total_rows"], total);

  // Its slug is free again; its members keep their accounts.
  EXPECT_EQ(Login("editora@ejemplo.mx").empty(), false);
  auto again = Call("POST", "/v1/tenants",
                    json{{"slug", tenant},
                         {"name", "Municipio de Durango"},
                         {"kind", "municipality"},
                         {"parent", "durango"},
                         {"inegi_code", "10005"}}
                        .dump(),
                    instance_admin_);
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_NE(TenantId(tenant), id);
  EXPECT_EQ(Call("DELETE", kBase + tenant, "", instance_admin_).status, 200);
}

// core.delete_tenant refuses any list of tables but exactly the tenant
// tables, so the application role can neither skip one nor aim it elsewhere.
TEST_F(TenantLifecycleTest, TheDeleteFunctionTakesExactlyTheTenantTables) {
  const std::string id = TenantId("tepehuanes");
  pqxx::connection app(database_.app_url());
  auto call = [&](const std::string& tables) {
    pqxx::work work(app);
    work.exec_params("SELECT core.delete_tenant($1, string_to_array($2, ',')::regclass[])", id,
                     tables);
  };
  EXPECT_THROW(call("core.audit_log"), pqxx::sql_error);
  EXPECT_THROW(call("core.users"), pqxx::sql_error);
  EXPECT_EQ(TenantId("tepehuanes"), id);
  // And the application role still deletes none of these rows by itself.
  pqxx::work work(app);
  EXPECT_THROW(work.exec("DELETE FROM core.audit_log"), pqxx::sql_error);
}

}  // namespace
}  // namespace cabildo
