#include "cabildo/core/migrations.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cabildo/core/crypto.h"

namespace cabildo::core {
namespace {

class MigrationDirTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cabildo-migrations-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST(MigrationFileTest, ChecksumIsSha256OfTheText) {
  auto file = MakeMigrationFile("0001_init.sql", "abc");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->checksum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(file->version, 1);
}

TEST(MigrationFileTest, AnyEditChangesTheChecksum) {
  auto a = MakeMigrationFile("0001_init.sql", "CREATE TABLE t (id int);");
  auto b = MakeMigrationFile("0001_init.sql", "CREATE TABLE t (id int); ");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->checksum, b->checksum);
}

TEST(MigrationFileTest, RejectsBadNames) {
  for (const char* name : {"1_init.sql", "0001-init.sql", "0001_Init.sql", "abcd_init.sql",
                           "0000_zero.sql", "0001_.sql"}) {
    auto file = MakeMigrationFile(name, "");
    EXPECT_FALSE(file.ok()) << name;
    if (!file.ok()) {
      EXPECT_NE(file.status().message().find(name), std::string::npos);
    }
  }
}

TEST_F(MigrationDirTest, LoadsInVersionOrderIgnoringOtherFiles) {
  Write("0010_later.sql", "SELECT 10;");
  Write("0002_second.sql", "SELECT 2;");
  Write("0001_first.sql", "SELECT 1;");
  Write("README.md", "not sql");
  auto files = LoadMigrationDir(dir_);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].name, "0001_first.sql");
  EXPECT_EQ((*files)[1].name, "0002_second.sql");
  EXPECT_EQ((*files)[2].name, "0010_later.sql");
  EXPECT_EQ((*files)[2].sql, "SELECT 10;");
}

TEST_F(MigrationDirTest, DuplicateVersionIsAnErrorNamingBothFiles) {
  Write("0001_a.sql", "");
  Write("0001_b.sql", "");
  auto files = LoadMigrationDir(dir_);
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find("0001_a.sql"), std::string::npos);
  EXPECT_NE(files.status().message().find("0001_b.sql"), std::string::npos);
}

TEST_F(MigrationDirTest, MissingDirectoryIsAnError) {
  auto files = LoadMigrationDir((dir_ / "nope").string());
  EXPECT_FALSE(files.ok());
}

TEST_F(MigrationDirTest, TheRepositoryMigrationsAreWellFormed) {
  auto files = LoadMigrationDir(CABILDO_DEFAULT_MIGRATIONS_DIR);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_FALSE(files->empty());
}

}  // namespace
}  // namespace cabildo::core
