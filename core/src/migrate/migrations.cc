#include "cabildo/core/migrations.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cabildo/core/crypto.h"
#include "cabildo/core/log.h"
#include "cabildo/plugin/text_checks.h"

namespace cabildo::core {
namespace {

// Arbitrary but fixed: every Cabildo process migrating one database takes this lock.
constexpr int64_t kMigrationLockKey = 0x434142494C444F;  // "CABILDO"

// The runner's own bookkeeping table. Constant DDL, not built from input.
constexpr const char* kCreateTrackingTable = R"sql(
CREATE TABLE IF NOT EXISTS public.schema_migrations (
  component  text        NOT NULL,
  version    integer     NOT NULL,
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (component, version)
))sql";

}  // namespace

StatusOr<MigrationFile> MakeMigrationFile(const std::string& file_name, std::string sql) {
  // NNNN_<a-z0-9_>.sql
  const std::string_view stem = std::string_view(file_name).substr(0, file_name.size() - 4);
  bool shaped = file_name.size() >= 10 && file_name.ends_with(".sql") &&
                plugin::IsDigits(stem.substr(0, 4)) && stem[4] == '_';
  for (std::size_t i = 5; shaped && i < stem.size(); ++i) {
    shaped = (stem[i] >= 'a' && stem[i] <= 'z') || plugin::IsAsciiDigit(stem[i]) || stem[i] == '_';
  }
  if (!shaped) {
    return InvalidArgumentError("la migración '" + file_name +
                                "' no sigue el formato NNNN_descripcion.sql");
  }
  MigrationFile file;
  file.version = std::stoi(file_name.substr(0, 4));
  file.name = file_name;
  file.checksum = Sha256Hex(sql);
  file.sql = std::move(sql);
  if (file.version == 0)
    return InvalidArgumentError("la migración '" + file_name + "' usa la versión 0000");
  return file;
}

StatusOr<std::vector<MigrationFile>> LoadMigrationDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return InvalidArgumentError("no existe la carpeta de migraciones '" + dir + "'");
  }
  std::vector<MigrationFile> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    CABILDO_ASSIGN_OR_RETURN(auto file, MakeMigrationFile(entry.path().filename(), text.str()));
    files.push_back(std::move(file));
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  for (size_t i = 1; i < files.size(); ++i) {
    if (files[i].version == files[i - 1].version) {
      return InvalidArgumentError("las migraciones '" + files[i - 1].name + "' y '" +
                                  files[i].name + "' tienen la misma versión");
    }
  }
  return files;
}

StatusOr<MigrationReport> ApplyMigrations(pqxx::connection& connection,
                                          const std::string& component,
                                          const std::vector<MigrationFile>& files) {
  connection.prepare("migrate.lock", "SELECT pg_advisory_lock($1)");
  connection.prepare("migrate.unlock", "SELECT pg_advisory_unlock($1)");
  connection.prepare("migrate.applied",
                     "SELECT version, name, checksum FROM public.schema_migrations "
                     "WHERE component = $1");
  connection.prepare("migrate.record",
                     "INSERT INTO public.schema_migrations (component, version, name, checksum) "
                     "VALUES ($1, $2, $3, $4)");
  {
    pqxx::nontransaction lock(connection);
    lock.exec_prepared("migrate.lock", kMigrationLockKey);
  }
  struct Unlock {
    pqxx::connection& connection;
    ~Unlock() {
      try {
        pqxx::nontransaction unlock(connection);
        unlock.exec_prepared("migrate.unlock", kMigrationLockKey);
      } catch (const std::exception&) {
        // The session lock dies with the connection anyway.
      }
    }
  } unlock{connection};

  {
    pqxx::work setup(connection);
    setup.exec0(kCreateTrackingTable);
    setup.commit();
  }

  std::map<int, std::pair<std::string, std::string>> applied;  // version -> name, checksum
  {
    pqxx::work read(connection);
    for (const auto& row : read.exec_prepared("migrate.applied", component)) {
      applied[row[0].as<int>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
    }
  }

  MigrationReport report;
  for (const auto& file : files) {
    auto it = applied.find(file.version);
    if (it == applied.end()) continue;
    if (it->second.second != file.checksum) {
      return UnprocessableError("la migración ya aplicada '" + file.name + "' (" + component +
                                ") cambió: su checksum no coincide con el registrado. "
                                "Las migraciones aplicadas no se editan; cree una nueva.");
    }
    ++report.already_applied;
  }

  for (const auto& file : files) {
    if (applied.count(file.version) != 0) continue;
    try {
      pqxx::work work(connection);
      work.exec(file.sql);
      work.exec_prepared("migrate.record", component, file.version, file.name, file.checksum);
      work.commit();
    } catch (const pqxx::sql_error& error) {
      return UnprocessableError("la migración '" + file.name + "' (" + component +
                                ") falló: " + error.what());
    }
    LogInfo("migración aplicada", {{"component", component}, {"file", file.name}});
    report.applied.push_back(file.name);
  }
  return report;
}

}  // namespace cabildo::core
