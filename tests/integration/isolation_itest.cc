// Row-level security over every tenant-scoped table: the core's and every
// installed module's (plugins migrated, as in production). New tables are
// found in pg_catalog, so a module that forgets its policy fails here.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/core/db_pool.h"

#include "server_fixture.h"

namespace cabildo {
namespace {

using nlohmann::json;

// Tables with a tenant_id column outside PostgreSQL's own schemas.
constexpr const char* kTenantTables =
    "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE a.attname = 'tenant_id' AND NOT a.attisdropped AND c.relkind IN ('r', 'p') "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1";

class IsolationTest : public testing::ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override {
    return {"example", "memo", "public-works"};
  }

  std::string TenantId(pqxx::transaction_base& w, const std::string& slug) {
    return w.exec_params("SELECT id::text FROM core.tenants WHERE slug = $1", slug)[0][0]
        .as<std::string>();
  }

  // Rows in every tenant-scoped table for gomez-palacio and tepehuanes, so a
  // leak has something to show: core rows through the API, module rows as
  // the owner (its writes are bound by the same policies).
  void SeedTwoTenants() {
    for (const std::string slug : {"gomez-palacio", "tepehuanes"}) {
      const std::string admin = MakeUser("admin@" + slug + ".mx", "admin", slug);
      ASSERT_EQ(
          Call("PATCH", "/v1/tenants/" + slug, json{{"name", "Municipio " + slug}}.dump(), admin)
              .status,
          200);
      const int enabled = Call("PUT", "/v1/tenants/" + slug + "/modules/memo",
                               json{{"config", json::object()}}.dump(), admin)
                              .status;
      ASSERT_TRUE(enabled == 200 || enabled == 201) << slug << ": " << enabled;
      pqxx::connection owner(database_.owner_url());
      pqxx::work w(owner);
      const std::string id = TenantId(w, slug);
      core::ApplyScope(w, core::Scope{{id}, ""});
      w.exec_params(
          "INSERT INTO example.notes (tenant_id, title, published) VALUES ($1, 'n', true)", id);
      w.exec_params("INSERT INTO memo.memos (tenant_id, text) VALUES ($1, 'm')", id);
      const std::string project =
          w.exec_params(
               "INSERT INTO public_works.projects (tenant_id, title, budget_mxn, published) "
               "VALUES ($1, 'Obra', 100.00, true) RETURNING id::text",
               id)[0][0]
              .as<std::string>();
      w.exec_params(
          "INSERT INTO public_works.project_funding (tenant_id, project_id, position, origin, "
          "fund, amount_mxn) VALUES ($1, $2::uuid, 0, 'federal', 'FAIS', 50.00)",
          id, project);
      w.exec_params(
          "INSERT INTO public_works.progress_reports (tenant_id, project_id, report_date, "
          "physical_pct, financial_pct, spent_mxn) VALUES ($1, $2::uuid, '2026-01-01', 1, 1, 1)",
          id, project);
      // open-government's Secretariat (0002_secretariat.sql).
      const std::string member =
          w.exec_params(
               "INSERT INTO open_government.members (tenant_id, name, sector, seat, since) "
               "VALUES ($1, 'Integrante', 'civil_society', 'titular', '2026-01-01') "
               "RETURNING id::text",
               id)[0][0]
              .as<std::string>();
      const std::string session =
          w.exec_params(
               "INSERT INTO open_government.sessions (tenant_id, held_on, kind) "
               "VALUES ($1, '2026-01-01', 'ordinary') RETURNING id::text",
               id)[0][0]
              .as<std::string>();
      w.exec_params(
          "INSERT INTO open_government.agreements (tenant_id, session_id, position, text) "
          "VALUES ($1, $2::uuid, 0, 'Acuerdo')",
          id, session);
      const std::string decision =
          w.exec_params(
               "INSERT INTO open_government.decisions (tenant_id, title, rule, decided_on) "
               "VALUES ($1, 'Decisión', 'simple_majority', '2026-01-01') RETURNING id::text",
               id)[0][0]
              .as<std::string>();
      w.exec_params(
          "INSERT INTO open_government.votes (tenant_id, decision_id, member_id, vote) "
          "VALUES ($1, $2::uuid, $3::uuid, 'yes')",
          id, decision, member);
      // open-government's plans (0003_plans.sql).
      const std::string plan =
          w.exec_params(
               "INSERT INTO open_government.plans (tenant_id, title, period_start, "
               "period_end) VALUES ($1, 'Plan', '2026-01-01', '2027-12-31') "
               "RETURNING id::text",
               id)[0][0]
              .as<std::string>();
      const std::string commitment =
          w.exec_params(
               "INSERT INTO open_government.commitments (tenant_id, plan_id, title) "
               "VALUES ($1, $2::uuid, 'Compromiso') RETURNING id::text",
               id, plan)[0][0]
              .as<std::string>();
      w.exec_params(
          "INSERT INTO open_government.milestones (tenant_id, commitment_id, title) "
          "VALUES ($1, $2::uuid, 'Hito')",
          id, commitment);
      w.exec_params(
          "INSERT INTO open_government.commitment_history (tenant_id, commitment_id, actor, "
          "action) VALUES ($1, $2::uuid, 'Editor', 'commitment.created')",
          id, commitment);
      // procedure-registry (0001_schema.sql): a record and its published version.
      const std::string procedure =
          w.exec_params(
               "INSERT INTO procedure_registry.procedures (tenant_id, homoclave, status, draft, "
               "published_version, public_updated_at) VALUES ($1, 'MDGO-DU-001', 'published', "
               "'{\"kind\": \"procedure\", \"name\": \"Licencia\"}', 1, now()) "
               "RETURNING id::text",
               id)[0][0]
              .as<std::string>();
      w.exec_params(
          "INSERT INTO procedure_registry.versions (tenant_id, procedure_id, version, document) "
          "SELECT tenant_id, id, 1, draft || jsonb_build_object('homoclave', homoclave) "
          "FROM procedure_registry.procedures WHERE id = $1::uuid",
          procedure);
      // scholarships (0001_schema.sql): a resolved call, an approved
      // application (its sealed personal data is opaque text here), its
      // decision and its line of the padrón.
      const std::string call =
          w.exec_params(
               "INSERT INTO scholarships.calls (tenant_id, status, document, amount_mxn, slots, "
               "opens_at, closes_at, published_at, resolved_at) VALUES ($1, 'resolved', "
               "'{\"title\": \"Becas\"}', 3000.00, 5, '2026-01-01', '2026-02-01', now(), now()) "
               "RETURNING id::text",
               id)[0][0]
              .as<std::string>();
      const std::string application =
          w.exec_params(
               "INSERT INTO scholarships.applications (tenant_id, call_id, applicant_id, "
               "curp_digest, personal_data, status) VALUES ($1, $2::uuid, gen_random_uuid(), "
               "repeat('a', 64), 'v1.c2VsbGFkbw', 'approved') RETURNING id::text",
               id, call)[0][0]
              .as<std::string>();
      w.exec_params(
          "INSERT INTO scholarships.decisions (tenant_id, application_id, decision, score) "
          "VALUES ($1, $2::uuid, 'approve', 90)",
          id, application);
      w.exec_params(
          "INSERT INTO scholarships.beneficiaries (tenant_id, call_id, application_id, name, "
          "amount_mxn, municipality_code, municipality, age, sex) VALUES ($1, $2::uuid, "
          "$3::uuid, 'A. B. C.', 3000.00, '10007', 'Gómez Palacio', 20, 'M')",
          id, call, application);
      // service-requests (0001_schema.sql): a service, an app's key, the
      // folio counter, a request (its sealed contact opaque text) and its event.
      const std::string service =
          w.exec_params(
               "INSERT INTO service_requests.services (tenant_id, service_code, name) "
               "VALUES ($1, 'limpieza', 'Limpieza de calles') RETURNING id::text",
               id)[0][0]
              .as<std::string>();
      w.exec_params(
          "INSERT INTO service_requests.api_keys (tenant_id, name, key_digest, key_prefix) "
          "VALUES ($1, 'App', encode(sha256(gen_random_uuid()::text::bytea), 'hex'), "
          "'0123abcd')",
          id);
      w.exec_params("INSERT INTO service_requests.folios (tenant_id, last) VALUES ($1, 1)", id);
      const std::string request =
          w.exec_params(
               "INSERT INTO service_requests.requests (tenant_id, folio, token, service_id, "
               "lat, long, reporter_contact) VALUES ($1, 1, md5(random()::text), $2::uuid, "
               "25.56, -103.49, 'v1.c2VsbGFkbw') RETURNING id::text",
               id, service)[0][0]
              .as<std::string>();
      w.exec_params(
          "INSERT INTO service_requests.events (tenant_id, request_id, status) "
          "VALUES ($1, $2::uuid, 'received')",
          id, request);
      w.commit();
    }
  }
};

TEST_F(IsolationTest, EveryTenantScopedTableHasForcedRowLevelSecurityOnTheTenantSetting) {
  pqxx::connection owner(database_.owner_url());
  pqxx::work w(owner);
  auto rows = w.exec(
      "SELECT c.oid::regclass::text, c.relrowsecurity, c.relforcerowsecurity, "
      "       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid), "
      "       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid "
      "          AND pg_get_expr(p.polqual, p.polrelid) LIKE '%current_tenant_ids()%') "
      "FROM pg_class c WHERE c.oid::regclass::text IN (" +
      std::string(kTenantTables) + ")");
  std::vector<std::string> names;
  for (const auto& row : rows) {
    const std::string table = row[0].as<std::string>();
    names.push_back(table);
    EXPECT_TRUE(row[1].as<bool>()) << table << " lacks ENABLE ROW LEVEL SECURITY";
    EXPECT_TRUE(row[2].as<bool>()) << table << " lacks FORCE ROW LEVEL SECURITY";
    EXPECT_GT(row[3].as<int>(), 0) << table << " has no policy";
    // Every policy of the table confines rows to the request's tenants.
    EXPECT_EQ(row[4].as<int>(), row[3].as<int>())
        << table << " has a policy that does not check cabildo.tenant_ids";
  }
  // The modules' tables are among them, not only the core's.
  for (const char* table :
       {"example.notes", "memo.memos", "public_works.projects", "public_works.project_funding",
        "public_works.progress_reports", "procedure_registry.procedures",
        "procedure_registry.versions", "scholarships.calls", "scholarships.applications",
        "scholarships.decisions", "scholarships.beneficiaries", "service_requests.services",
        "service_requests.api_keys", "service_requests.folios", "service_requests.requests",
        "service_requests.events", "core.audit_log", "core.role_assignments"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), table), names.end()) << table;
  }
  // The application role owns nothing and cannot bypass RLS.
  auto app = w.exec(
      "SELECT rolbypassrls, rolsuper, (SELECT count(*) FROM pg_class WHERE "
      "relowner = r.oid) FROM pg_roles r WHERE rolname = 'cabildo_app'")[0];
  EXPECT_FALSE(app[0].as<bool>());
  EXPECT_FALSE(app[1].as<bool>());
  EXPECT_EQ(app[2].as<int>(), 0);
}

// As the application role: scoped to one tenant, every tenant-scoped table
// shows only that tenant's rows; unscoped, none at all.
TEST_F(IsolationTest, TheApplicationRoleSeesOnlyItsScopeInEveryTable) {
  ASSERT_NO_FATAL_FAILURE(SeedTwoTenants());
  pqxx::connection app(database_.app_url());
  std::vector<std::string> tables;
  std::string gomez;
  {
    pqxx::work w(app);
    gomez = TenantId(w, "gomez-palacio");
    for (const auto& row : w.exec(kTenantTables)) tables.push_back(row[0].as<std::string>());
  }
  ASSERT_GE(tables.size(), 8u);
  // The table travels as a bound regclass and format() quotes it: no SQL text
  // is built here. Returns (rows visible, rows of a tenant other than `other_than`).
  auto counts = [](pqxx::transaction_base& w, const std::string& table,
                   const std::string& other_than) {
    auto row = w.exec_params(
        "SELECT (xpath('/row/n/text()', x))[1]::text::int, (xpath('/row/f/text()', "
        "x))[1]::text::int "
        "FROM query_to_xml(format('SELECT count(*) AS n, count(*) FILTER "
        "(WHERE tenant_id <> %L::uuid) AS f FROM %s', $2::text, $1::regclass), false, true, '') x",
        table, other_than)[0];
    return std::make_pair(row[0].as<int>(), row[1].as<int>());
  };
  for (const auto& table : tables) {
    {
      pqxx::work w(app);
      core::ApplyScope(w, core::Scope{{gomez}, ""});
      auto [visible, foreign] = counts(w, table, gomez);
      EXPECT_GT(visible, 0) << table << " has no rows for the test to see";
      EXPECT_EQ(foreign, 0) << table << " leaks another tenant's rows";
    }
    {
      pqxx::work w(app);
      EXPECT_EQ(counts(w, table, gomez).first, 0) << table;
    }
    {
      pqxx::work w(app);  // set to '' on a pooled connection after an earlier transaction
      core::ApplyScope(w, core::Scope{{}, ""});
      EXPECT_EQ(counts(w, table, gomez).first, 0) << table;
    }
  }
  // Writing another tenant's row is refused, in the core and in a module.
  for (const char* insert :
       {"INSERT INTO core.audit_heads (tenant_id, seq, hash) SELECT id, 0, 'x' "
        "FROM core.tenants WHERE slug = 'tepehuanes'",
        "INSERT INTO example.notes (tenant_id, title) SELECT id, 'ajena' "
        "FROM core.tenants WHERE slug = 'tepehuanes'",
        "INSERT INTO procedure_registry.procedures (tenant_id, homoclave, draft) "
        "SELECT id, 'AJENA-001', '{}' FROM core.tenants WHERE slug = 'tepehuanes'",
        "INSERT INTO scholarships.calls (tenant_id, document, amount_mxn, slots, opens_at, "
        "closes_at) SELECT id, '{}', 1, 1, now(), now() + interval '1 day' "
        "FROM core.tenants WHERE slug = 'tepehuanes'"}) {
    pqxx::work w(app);
    core::ApplyScope(w, core::Scope{{gomez}, ""});
    EXPECT_THROW(w.exec(insert), pqxx::sql_error) << insert;
  }
}

}  // namespace
}  // namespace cabildo
