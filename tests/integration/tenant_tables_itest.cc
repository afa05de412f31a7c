// LoadTenantTables over a real catalog: every module of the build migrated.

#include <algorithm>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/core/plugin_host.h"
#include "cabildo/core/tenant_tables.h"

#include "test_support.h"

namespace cabildo {
namespace {

class TenantTablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto plugins = core::LoadPlugins(CABILDO_DEFAULT_PLUGIN_DIR, false);
    ASSERT_TRUE(plugins.ok()) << plugins.status().message();
    pqxx::connection owner(database_.owner_url());
    ASSERT_TRUE(core::MigratePlugins(owner, plugins->loaded).ok());
  }

  StatusOr<std::vector<core::TenantTable>> Load() {
    pqxx::connection app(database_.app_url());
    pqxx::read_transaction work(app);
    return core::LoadTenantTables(work);
  }

  testing::TestDatabase database_;
};

TEST_F(TenantTablesTest, FindsEveryModulesTablesAndNoInstanceTable) {
  auto tables = Load();
  ASSERT_TRUE(tables.ok()) << tables.status().message();
  std::set<std::string> names;
  for (const auto& table : *tables) names.insert(table.schema + "." + table.name);
  for (const char* expected :
       {"core.audit_log", "core.audit_heads", "core.role_assignments", "core.tenant_modules",
        "public_works.projects", "public_works.project_funding", "public_works.progress_reports",
        "scholarships.calls", "scholarships.applications", "scholarships.beneficiaries",
        "open_government.commitments", "open_government.milestones",
        "procedure_registry.procedures", "procedure_registry.search_terms",
        "service_requests.requests", "service_requests.events", "service_requests.folios"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
  for (const char* instance_wide : {"core.tenants", "core.users", "core.roles", "core.tokens",
                                    "core.instance_audit_log", "scholarships.municipalities"}) {
    EXPECT_FALSE(names.count(instance_wide)) << instance_wide;
  }
}

TEST_F(TenantTablesTest, EveryTableComesAfterTheTablesItReferences) {
  auto tables = Load();
  ASSERT_TRUE(tables.ok()) << tables.status().message();
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < tables->size(); ++i) position[(*tables)[i].qualified] = i;

  // Checked against the catalog itself, not against `references`.
  pqxx::connection app(database_.app_url());
  pqxx::read_transaction work(app);
  std::size_t edges = 0;
  for (const auto& row :
       work.exec("SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
                 "WHERE contype = 'f' AND conrelid <> confrelid")) {
    auto from = position.find(row[0].as<std::string>());
    auto to = position.find(row[1].as<std::string>());
    if (from == position.end() || to == position.end()) continue;
    ++edges;
    EXPECT_LT(to->second, from->second)
        << row[0].as<std::string>() << " references " << row[1].as<std::string>();
  }
  EXPECT_GT(edges, 10u);  // the modules do reference each other's rows
  EXPECT_LT(position.at("scholarships.calls"), position.at("scholarships.applications"));
  EXPECT_LT(position.at("scholarships.applications"), position.at("scholarships.decisions"));
}

// The house rule "every tenant-scoped table has row-level security", checked
// on the same set the lifecycle operations walk.
TEST_F(TenantTablesTest, EveryTenantTableHasRowLevelSecurity) {
  auto tables = Load();
  ASSERT_TRUE(tables.ok()) << tables.status().message();
  pqxx::connection app(database_.app_url());
  pqxx::read_transaction work(app);
  for (const auto& table : *tables) {
    auto row = work.exec_params1("SELECT relrowsecurity FROM pg_class WHERE oid = $1::regclass",
                                 table.qualified);
    EXPECT_TRUE(row[0].as<bool>()) << table.qualified;
  }
}

TEST_F(TenantTablesTest, ATableThatHidesATenantsRowsIsRefusedByName) {
  {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    work.exec(
        "CREATE TABLE public.folio_notes (id uuid PRIMARY KEY, "
        "owner uuid REFERENCES service_requests.folios (tenant_id))");
    work.commit();
  }
  auto tables = Load();
  ASSERT_FALSE(tables.ok());
  EXPECT_EQ(tables.status().code(), StatusCode::kInternal);
  EXPECT_NE(tables.status().message().find("folio_notes"), std::string::npos)
      << tables.status().message();
}

TEST_F(TenantTablesTest, AForeignKeyCycleIsRefusedByName) {
  {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    work.exec(
        "CREATE TABLE public.chicken (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, egg uuid);"
        "CREATE TABLE public.egg (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, "
        "  chicken uuid REFERENCES public.chicken (id));"
        "ALTER TABLE public.chicken ADD FOREIGN KEY (egg) REFERENCES public.egg (id)");
    work.commit();
  }
  auto tables = Load();
  ASSERT_FALSE(tables.ok());
  EXPECT_NE(tables.status().message().find("chicken"), std::string::npos);
  EXPECT_NE(tables.status().message().find("egg"), std::string::npos);
}

}  // namespace
}  // namespace cabildo
