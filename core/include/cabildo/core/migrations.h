// Forward-only SQL migrations with checksums, one version track per component
// ("core" now, each plugin later), serialised across processes by an advisory lock.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "cabildo/core/status.h"

namespace cabildo::core {

struct MigrationFile {
  int version = 0;   // from the NNNN_ prefix
  std::string name;  // the file name, e.g. "0001_tenants.sql"
  std::string sql;
  std::string checksum;  // SHA-256 hex of `sql`
};

// Reads `dir/NNNN_description.sql` files in version order. Any other file name
// ending in .sql, or two files with one version, is an error naming the file.
StatusOr<std::vector<MigrationFile>> LoadMigrationDir(const std::string& dir);

// Builds a MigrationFile from a name and its text (validates the name).
StatusOr<MigrationFile> MakeMigrationFile(const std::string& file_name, std::string sql);

struct MigrationReport {
  std::vector<std::string> applied;  // file names applied by this run
  int already_applied = 0;
};

// Applies the pending migrations of `component` in order, each in its own
// transaction together with its schema_migrations row. Before applying
// anything, every already-applied file is compared with its recorded checksum:
// a changed file is an error naming it, and nothing is applied. Holds a
// session advisory lock for the whole run, so concurrent runs (two replicas
// starting) apply each file exactly once.
// REQUIRES: `connection` belongs to the owner role (it creates tables).
StatusOr<MigrationReport> ApplyMigrations(pqxx::connection& connection,
                                          const std::string& component,
                                          const std::vector<MigrationFile>& files);

}  // namespace cabildo::core
