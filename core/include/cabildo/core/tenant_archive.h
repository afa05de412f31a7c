// A tenant's whole data as one streamed archive, and its import by another
// instance (issue 23, point 4; api-core.md "Tenant lifecycle").
//
// The archive is NDJSON (UTF-8, one JSON document per line, "\n" after each):
//
//   {"format":"cabildo-tenant-archive","version":1,"exported_at":"...",
//    "schema":{"core":10,"modules":{"public-works":5,...}},
//    "data_key":"<keyed check of CABILDO_DATA_KEY>"|null,
//    "tenant":{"id","slug","name","kind","parent","inegi_code","created_at","updated_at"}}
//   {"user":{"id","email","name"}}                      every user a row references
//   {"t":"<schema>.<table>","r":<row_to_json of the row>}   tables parents first
//   ...
//   {"end":{"rows":{"<schema>.<table>":N,...},"users":N,"digest":"<hex>"}}
//
// The tables are LoadTenantTables' (core.role_assignments, core.tenant_modules,
// core.audit_heads, core.audit_log and every module table with a tenant_id),
// so a new module table travels without anyone listing it. Users carry no
// password hash (the application role cannot read them, issue 15): an imported
// account that did not exist gets an unusable hash and needs a new password
// before signing in, and never the instance-admin flag. Sealed
// personal data stays sealed: the importing instance must hold the same
// CABILDO_DATA_KEY, checked through `data_key`. `digest` is BLAKE2b-256
// (libsodium generichash) of every byte before the trailer line: it catches a
// damaged or truncated file; the audit chain, verified again on import,
// catches an edited history.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "cabildo/core/audit.h"
#include "cabildo/core/crypto.h"
#include "cabildo/core/status.h"

namespace cabildo::core {

inline constexpr const char* kArchiveFormat = "cabildo-tenant-archive";
inline constexpr int kArchiveVersion = 1;
// One line (a row) of an archive: module bodies are bounded by
// CABILDO_MAX_BODY_BYTES (1 MiB by default); a row is smaller than that.
inline constexpr std::size_t kMaxArchiveLineBytes = 8u << 20;
// JSON nesting inside one line (checked before parsing, which recurses).
inline constexpr int kMaxArchiveDepth = 64;

// Which migrations the data follows: the core's last version and each
// module's. An archive is refused by an instance whose schema is older.
struct ArchiveSchema {
  int core = 0;
  std::map<std::string, int> modules;
};

// What identifies CABILDO_DATA_KEY without revealing it (a keyed digest of a
// fixed text), or nullopt without a key.
std::optional<std::string> DataKeyCheck(const std::optional<DataKey>& key);

struct ArchiveTenant {
  std::string id;
  std::string slug;
  std::string name;
  std::string kind;
  std::optional<std::string> parent;  // slug
  std::optional<std::string> inegi_code;
  std::string created_at;
  std::string updated_at;
};

struct ArchiveHeader {
  std::string exported_at;
  ArchiveSchema schema;
  std::optional<std::string> data_key;
  ArchiveTenant tenant;
};

struct ArchiveUser {
  std::string id;
  std::string email;
  std::string name;
};

// One item of an archive, as ArchiveReader hands it out.
struct ArchiveItem {
  enum class Kind { kHeader, kUser, kRow, kEnd };
  Kind kind = Kind::kHeader;
  ArchiveHeader header;        // kHeader
  ArchiveUser user;            // kUser
  std::string table;           // kRow: "<schema>.<table>"
  std::string row_text;        // kRow: the row's JSON object, exactly as in the line
  std::set<std::string> keys;  // kRow: its column names
};

// Reads an archive line by line, holding one line at a time, and checks
// everything that needs no database: the shape of each line (bounded before
// it is parsed), the format and version, the order (header, users, rows,
// trailer, nothing after), that every row belongs to the header's tenant,
// the trailer's counts and the digest. Every refusal is kInvalidArgument (a
// broken file: 400) or kUnprocessable (a well-formed archive this version
// cannot take: 422) with a Spanish message naming the line.
class ArchiveReader {
 public:
  ArchiveReader();
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // One line, without its "\n".
  StatusOr<ArchiveItem> Next(std::string_view line);
  // After the last line: kInvalidArgument unless the trailer was read.
  Status Finish() const;
  bool ended() const { return ended_; }

 private:
  struct Digest;
  std::unique_ptr<Digest> digest_;
  int64_t line_ = 0;
  bool has_header_ = false;
  bool in_rows_ = false;
  bool ended_ = false;
  std::string tenant_id_;
  std::map<std::string, int64_t> rows_;
  std::set<std::string> users_;
};

// Splits `text` at "\n" and feeds ArchiveReader; `each` sees every item.
// For a body already in memory (the HTTP import, tests, the fuzzer).
Status ReadArchive(std::string_view text, const std::function<Status(const ArchiveItem&)>& each);

// --- Export -------------------------------------------------------------------

struct ExportOptions {
  ArchiveSchema schema;
  std::optional<std::string> data_key;  // DataKeyCheck of the instance's key
};

struct ExportCounts {
  std::map<std::string, int64_t> rows;
  int64_t users = 0;
};

// Writes the archive of tenant `tenant_id` to `sink` in pieces of about
// 64 KiB, reading rows through one server-side cursor (one statement: one
// snapshot of every table) 500 at a time, so a tenant of any size holds a
// few chunks in memory. `sink` returns false when the reader went away: the
// export stops with kUnavailable. REQUIRES: `work` is a real transaction
// scoped to the tenant.
StatusOr<ExportCounts> WriteTenantArchive(pqxx::transaction_base& work,
                                          const std::string& tenant_id,
                                          const ExportOptions& options,
                                          const std::function<bool(std::string_view)>& sink);

// --- Import -------------------------------------------------------------------

struct ImportOptions {
  ArchiveSchema schema;                 // this instance's
  std::optional<std::string> data_key;  // DataKeyCheck of this instance's key
  AuditActor actor;
};

struct ImportReport {
  ArchiveTenant tenant;
  std::map<std::string, int64_t> rows;
  int64_t users = 0;
  int64_t users_created = 0;
  int64_t audit_entries = 0;  // of the imported chain, before "tenant.import"
};

// Imports an archive in the caller's transaction: the lines are checked and
// staged in a temporary table as they come (Line), and only Finish, once the
// trailer and digest are good, creates the tenant and its users and moves
// the rows into their tables in LoadTenantTables' order, checks that no row
// refers to another tenant's rows, verifies the imported audit chain, and
// appends "tenant.import" to it and to the instance's chain. Any failure
// leaves the caller to roll back: nothing is stored. kAlreadyExists (409) when
// the tenant's slug, id or INEGI code, or a user's email under another id,
// is taken; kUnprocessable (422) for an archive this instance cannot take
// (newer schema, another data key, unknown table or column, missing parent).
class TenantImporter {
 public:
  TenantImporter(pqxx::transaction_base& work, ImportOptions options);
  ~TenantImporter();
  TenantImporter(const TenantImporter&) = delete;
  TenantImporter& operator=(const TenantImporter&) = delete;

  Status Line(std::string_view line);
  StatusOr<ImportReport> Finish();

 private:
  struct State;
  Status Take(const ArchiveItem& item);
  Status Flush();
  StatusOr<ImportReport> Complete();
  std::unique_ptr<State> state_;
};

// TenantImporter over a whole archive in memory.
StatusOr<ImportReport> ImportTenantArchive(pqxx::transaction_base& work, std::string_view text,
                                           ImportOptions options);

}  // namespace cabildo::core
