// The migration runner against a real PostgreSQL.
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

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

}  // namespace
}  // namespace cabildo
