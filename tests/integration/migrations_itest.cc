// The migration runner against a real PostgreSQL.
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/core/db_pool.h"
#include "cabildo/core/migrations.h"

#include "test_support.h"

namespace cabildo {
namespace {

std::vector<core::MigrationFile> RepositoryMigrations() {
  auto files = core::LoadMigrationDir(CABILDO_DEFAULT_MIGRATIONS_DIR);
  EXPECT_TRUE(files.ok());
  return files.ok() ? *files : std::vector<core::MigrationFile>{};
}

// TestDatabase has already migrated the core once.
TEST(MigrationsTest, MigratingTwiceIsANoOp) {
  testing::TestDatabase database;
  pqxx::connection owner(database.owner_url());
  auto report = core::ApplyMigrations(owner, "core", RepositoryMigrations());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->applied.empty());
  EXPECT_EQ(report->already_applied, static_cast<int>(RepositoryMigrations().size()));
  pqxx::work read(owner);
  auto rows = read.exec(
      "SELECT count(*), count(DISTINCT checksum) FROM schema_migrations "
      "WHERE component = 'core'");
  EXPECT_EQ(rows[0][0].as<int>(), static_cast<int>(RepositoryMigrations().size()));
}

TEST(MigrationsTest, AnEditedAppliedMigrationIsRefusedByName) {
  testing::TestDatabase database;
  pqxx::connection owner(database.owner_url());
  auto files = RepositoryMigrations();
  ASSERT_FALSE(files.empty());
  auto edited = core::MakeMigrationFile(files[0].name, files[0].sql + "\n-- edited\n");
  ASSERT_TRUE(edited.ok());
  files[0] = *edited;
  auto extra = core::MakeMigrationFile("9000_extra.sql", "CREATE TABLE core.extra (id int);");
  ASSERT_TRUE(extra.ok());
  files.push_back(*extra);
  auto report = core::ApplyMigrations(owner, "core", files);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find(files[0].name), std::string::npos)
      << report.status().message();
  // Nothing after the refusal was applied.
  pqxx::work read(owner);
  EXPECT_EQ(read.exec("SELECT to_regclass('core.extra') IS NULL")[0][0].as<bool>(), true);
}

TEST(MigrationsTest, ComponentsHaveSeparateTracks) {
  testing::TestDatabase database;
  pqxx::connection owner(database.owner_url());
  auto plugin = core::MakeMigrationFile("0001_init.sql", "CREATE SCHEMA plugin_x;");
  ASSERT_TRUE(plugin.ok());
  auto report = core::ApplyMigrations(owner, "plugin-x", {*plugin});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->applied.size(), 1u);
  pqxx::work read(owner);
  EXPECT_EQ(read.exec("SELECT count(*) FROM schema_migrations WHERE version = 1")[0][0].as<int>(),
            2);  // core 0001 and plugin-x 0001
}

TEST(MigrationsTest, AFailingMigrationLeavesNoTrace) {
  testing::TestDatabase database;
  pqxx::connection owner(database.owner_url());
  auto bad = core::MakeMigrationFile("0001_bad.sql",
                                     "CREATE TABLE good_part (id int); SELECT * FROM missing;");
  ASSERT_TRUE(bad.ok());
  auto report = core::ApplyMigrations(owner, "broken", {*bad});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("0001_bad.sql"), std::string::npos);
  pqxx::work read(owner);
  EXPECT_TRUE(read.exec("SELECT to_regclass('good_part') IS NULL")[0][0].as<bool>());
  EXPECT_EQ(read.exec("SELECT count(*) FROM schema_migrations WHERE component = 'broken'")[0][0]
                .as<int>(),
            0);
}

// Two replicas starting at once: the advisory lock serialises them, each file
// is applied exactly once and neither run fails.
TEST(MigrationsTest, ConcurrentRunsApplyEachFileOnce) {
  testing::TestDatabase database;
  std::vector<core::MigrationFile> files;
  for (int i = 1; i <= 5; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%04d_step.sql", i);
    // pg_sleep widens the window in which the runs would collide without the lock.
    auto file = core::MakeMigrationFile(
        name, "SELECT pg_sleep(0.05); CREATE TABLE race_" + std::to_string(i) + " (id int);");
    ASSERT_TRUE(file.ok());
    files.push_back(*file);
  }
  std::vector<bool> ok(4, false);
  std::vector<size_t> applied(4, 0);
  std::vector<std::thread> runs;
  for (int r = 0; r < 4; ++r) {
    runs.emplace_back([&, r] {
      pqxx::connection owner(database.owner_url());
      auto report = core::ApplyMigrations(owner, "race", files);
      ok[r] = report.ok();
      if (report.ok()) applied[r] = report->applied.size();
    });
  }
  for (auto& run : runs) run.join();
  size_t total = 0;
  for (int r = 0; r < 4; ++r) {
    EXPECT_TRUE(ok[r]);
    total += applied[r];
  }
  EXPECT_EQ(total, files.size());
}

// core.enable_tenant_rls, as a module's migration calls it: the table gets
// forced row-level security and the standard tenant policy in one statement,
// so the application role sees only its scope's rows and cannot write a row
// of another tenant; the owner role is bound too, and the application role
// cannot call the helper.
TEST(MigrationsTest, TheTenantRlsHelperIsolatesAModulesTable) {
  testing::TestDatabase database;
  pqxx::connection owner(database.owner_url());
  auto module = core::MakeMigrationFile(
      "0001_items.sql",
      "CREATE SCHEMA rls_probe; GRANT USAGE ON SCHEMA rls_probe TO cabildo_app;"
      "CREATE TABLE rls_probe.items (tenant_id uuid NOT NULL REFERENCES core.tenants (id), "
      "  name text NOT NULL);"
      "SELECT core.enable_tenant_rls('rls_probe.items');"
      "SELECT core.enable_tenant_rls('rls_probe.items');"  // again: harmless
      "GRANT SELECT, INSERT ON rls_probe.items TO cabildo_app;");
  ASSERT_TRUE(module.ok());
  auto report = core::ApplyMigrations(owner, "rls-probe", {*module});
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  std::string durango, gomez;
  {
    pqxx::work w(owner);
    durango = w.exec(
                   "INSERT INTO core.tenants (slug, name, kind) "
                   "VALUES ('rls-estado', 'Estado de prueba', 'state') RETURNING id::text")[0][0]
                  .as<std::string>();
    gomez = w.exec_params(
                 "INSERT INTO core.tenants (slug, name, kind, parent_id) "
                 "VALUES ('rls-municipio', 'Municipio de prueba', 'municipality', $1::uuid) "
                 "RETURNING id::text",
                 durango)[0][0]
                .as<std::string>();
    w.commit();
  }
  {
    pqxx::work w(owner);
    auto table = w.exec(
        "SELECT c.relrowsecurity, c.relforcerowsecurity, count(p.*), "
        "  bool_and(pg_get_expr(p.polqual, p.polrelid) LIKE '%current_tenant_ids()%' AND "
        "           pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%current_tenant_ids()%') "
        "FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid "
        "WHERE c.oid = 'rls_probe.items'::regclass GROUP BY 1, 2")[0];
    EXPECT_TRUE(table[0].as<bool>());
    EXPECT_TRUE(table[1].as<bool>());
    EXPECT_EQ(table[2].as<int>(), 1);
    EXPECT_TRUE(table[3].as<bool>());
    // FORCE: unscoped, even the owner sees and writes nothing.
    EXPECT_EQ(w.exec("SELECT count(*) FROM rls_probe.items")[0][0].as<int>(), 0);
    EXPECT_THROW(w.exec_params("INSERT INTO rls_probe.items VALUES ($1::uuid, 'x')", durango),
                 pqxx::sql_error);
  }
  for (const auto& [tenant, name] : {std::pair{durango, "del estado"}, {gomez, "del municipio"}}) {
    pqxx::work w(owner);
    core::ApplyScope(w, core::Scope{{tenant}, ""});
    w.exec_params("INSERT INTO rls_probe.items VALUES ($1::uuid, $2)", tenant, name);
    w.commit();
  }

  pqxx::connection app(database.app_url());
  {
    pqxx::work w(app);
    core::ApplyScope(w, core::Scope{{gomez}, ""});
    auto rows = w.exec("SELECT tenant_id::text, name FROM rls_probe.items");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0].as<std::string>(), gomez);
    EXPECT_EQ(rows[0][1].as<std::string>(), "del municipio");
  }
  {
    pqxx::work w(app);  // a row of its own tenant: accepted
    core::ApplyScope(w, core::Scope{{gomez}, ""});
    w.exec_params("INSERT INTO rls_probe.items VALUES ($1::uuid, 'otra')", gomez);
  }
  {
    pqxx::work w(app);  // another tenant's row: refused by the policy's WITH CHECK
    core::ApplyScope(w, core::Scope{{gomez}, ""});
    EXPECT_THROW(w.exec_params("INSERT INTO rls_probe.items VALUES ($1::uuid, 'ajena')", durango),
                 pqxx::sql_error);
  }
  {
    pqxx::work w(app);  // both tenants in scope (include_descendants): both rows
    core::ApplyScope(w, core::Scope{{durango, gomez}, ""});
    EXPECT_EQ(w.exec("SELECT count(*) FROM rls_probe.items")[0][0].as<int>(), 2);
  }
  {
    pqxx::work w(app);  // no scope: no rows
    EXPECT_EQ(w.exec("SELECT count(*) FROM rls_probe.items")[0][0].as<int>(), 0);
  }
  {
    pqxx::work w(app);  // the helper is for migrations, not for the application
    EXPECT_THROW(w.exec("SELECT core.enable_tenant_rls('rls_probe.items')"), pqxx::sql_error);
  }
  {
    pqxx::work w(owner);  // a table without tenant_id is refused by name
    w.exec("CREATE TABLE rls_probe.untenanted (id int)");
    try {
      w.exec("SELECT core.enable_tenant_rls('rls_probe.untenanted')");
      ADD_FAILURE() << "a table without tenant_id was accepted";
    } catch (const pqxx::sql_error& e) {
      EXPECT_NE(std::string(e.what()).find("rls_probe.untenanted"), std::string::npos) << e.what();
    }
  }
}

// Expand/contract (README "Upgrades"): while the previous release keeps
// serving, the new release's migration runs beside its open connections and
// their prepared statements. An expand step (a nullable column, a column with
// a default, a new table, an index) leaves a statement that names its result
// columns working on the same connection; a prepared statement whose result is
// `*` of the table is what breaks ("cached plan must not change result type"),
// which is why module SQL names its result columns (a `RETURNING *` inside a
// CTE is fine: the statement's own result is explicit). A rename (contract)
// breaks the old statement: the lint asks for a `-- contract:` marker.
TEST(MigrationsTest, AnExpandStepKeepsARunningReleasesPreparedStatementsWorking) {
  testing::TestDatabase database;
  pqxx::connection owner(database.owner_url());
  {
    pqxx::work w(owner);
    w.exec("CREATE TABLE expand_probe (id int PRIMARY KEY, title text NOT NULL)");
    w.exec("INSERT INTO expand_probe VALUES (1, 'uno')");
    w.commit();
  }
  pqxx::connection old_release(database.owner_url());
  old_release.prepare("named", "SELECT id, title FROM expand_probe WHERE id = $1");
  old_release.prepare("cte",
                      "WITH p AS (INSERT INTO expand_probe (id, title) VALUES ($1, $2) "
                      "RETURNING *) SELECT id, title FROM p");
  old_release.prepare("star", "SELECT * FROM expand_probe WHERE id = $1");
  auto run = [&](const char* statement, auto... params) {
    pqxx::work w(old_release);
    auto rows = w.exec_prepared(statement, params...);
    w.commit();
    return rows;
  };
  EXPECT_EQ(run("named", 1)[0][1].as<std::string>(), "uno");
  EXPECT_EQ(run("cte", 2, "dos")[0][1].as<std::string>(), "dos");
  EXPECT_EQ(run("star", 1).columns(), 2);

  auto expand =
      core::MakeMigrationFile("0001_expand.sql",
                              "ALTER TABLE expand_probe ADD COLUMN note text;"
                              "ALTER TABLE expand_probe ADD COLUMN flags int NOT NULL DEFAULT 0;"
                              "CREATE TABLE expand_probe_more (id int);"
                              "CREATE INDEX expand_probe_flags ON expand_probe (flags);");
  ASSERT_TRUE(expand.ok());
  ASSERT_TRUE(core::ApplyMigrations(owner, "expand-probe", {*expand}).ok());

  EXPECT_EQ(run("named", 1)[0][1].as<std::string>(), "uno");
  EXPECT_EQ(run("cte", 3, "tres")[0][1].as<std::string>(), "tres");
  EXPECT_THROW(run("star", 1), pqxx::sql_error);  // the hazard named above

  auto contract = core::MakeMigrationFile("0002_contract.sql",
                                          "ALTER TABLE expand_probe RENAME COLUMN title TO name;");
  ASSERT_TRUE(contract.ok());
  ASSERT_TRUE(core::ApplyMigrations(owner, "expand-probe", {*expand, *contract}).ok());
  EXPECT_THROW(run("named", 1), pqxx::sql_error);
}

}  // namespace
}  // namespace cabildo
