#include "cabildo/core/audit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "cabildo/core/crypto.h"
#include "cabildo/core/db_pool.h"

namespace cabildo::core {
namespace {

const std::string kGenesisHash(64, '0');

// Microsecond RFC 3339, which PostgreSQL's timestamptz stores exactly.
std::string NowMicros() {
  const auto now = std::chrono::system_clock::now();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(micros % 1000000));
  return buffer;
}

// How `at` is read back: the same text that was hashed.
constexpr const char* kAtText =
    "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

AuditEntry EntryFromRow(const pqxx::row& row, std::string* changes_text) {
  AuditEntry entry;
  entry.seq = row[0].as<int64_t>();
  entry.at = row[1].as<std::string>();
  entry.actor_id = row[2].is_null() ? "" : row[2].as<std::string>();
  entry.actor = row[3].as<std::string>();
  entry.action = row[4].as<std::string>();
  entry.entity = row[5].as<std::string>();
  entry.entity_id = row[6].as<std::string>();
  *changes_text = row[7].as<std::string>();
  entry.changes = nlohmann::json::parse(*changes_text, nullptr, false);
  entry.prev_hash = row[8].as<std::string>();
  entry.hash = row[9].as<std::string>();
  return entry;
}

std::string SelectEntries(const char* tail) {
  return std::string("SELECT seq, ") + kAtText +
         ", actor_id::text, actor, action, entity, entity_id, changes, prev_hash, hash "
         "FROM core.audit_log WHERE tenant_id = $1 " +
         tail;
}

}  // namespace

std::string CanonicalAuditEntry(const std::string& tenant_id, const AuditEntry& entry,
                                const std::string& changes_text) {
  // nlohmann::json objects keep their keys sorted, so the dump is canonical.
  nlohmann::json canonical = {{"tenant_id", tenant_id},
                              {"seq", entry.seq},
                              {"at", entry.at},
                              {"actor_id", entry.actor_id.empty() ? nlohmann::json(nullptr)
                                                                  : nlohmann::json(entry.actor_id)},
                              {"actor", entry.actor},
                              {"action", entry.action},
                              {"entity", entry.entity},
                              {"entity_id", entry.entity_id},
                              {"changes", changes_text}};
  return canonical.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json AuditDiff(const nlohmann::json& before, const nlohmann::json& after) {
  nlohmann::json diff = {{"before", nlohmann::json::object()}, {"after", nlohmann::json::object()}};
  if (before.is_object()) {
    for (const auto& [key, value] : before.items()) {
      if (!after.is_object() || !after.contains(key) || after[key] != value) {
        diff["before"][key] = value;
      }
    }
  }
  if (after.is_object()) {
    for (const auto& [key, value] : after.items()) {
      if (!before.is_object() || !before.contains(key) || before[key] != value) {
        diff["after"][key] = value;
      }
    }
  }
  return diff;
}

StatusOr<int64_t> AppendAudit(pqxx::transaction_base& work, const AuditEvent& event) {
  // One round trip creates the head on first use, locks it and reads it: this
  // row lock serialises appends to one tenant's chain until the transaction
  // ends, so the statements after it are kept to one.
  auto head = ExecStatement(work, "core.audit_lock_head",
                            "INSERT INTO core.audit_heads AS h (tenant_id, seq, hash) "
                            "VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO UPDATE SET seq = h.seq "
                            "RETURNING seq, hash",
                            event.tenant_id, kGenesisHash);
  if (head.empty()) return InternalError("La cadena de auditoría no es visible en este ámbito.");

  AuditEntry entry;
  entry.seq = head[0][0].as<int64_t>() + 1;
  entry.prev_hash = head[0][1].as<std::string>();
  entry.at = NowMicros();
  entry.actor_id = event.actor_id;
  entry.actor = event.actor;
  entry.action = event.action;
  entry.entity = event.entity;
  entry.entity_id = event.entity_id;
  const std::string changes_text =
      event.changes.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  entry.hash =
      Sha256Hex(entry.prev_hash + CanonicalAuditEntry(event.tenant_id, entry, changes_text));

  std::optional<std::string> actor_id;
  if (!event.actor_id.empty()) actor_id = event.actor_id;
  ExecStatement(work, "core.audit_append",
                "WITH entry AS (INSERT INTO core.audit_log (tenant_id, seq, at, actor_id, actor, "
                "action, entity, entity_id, changes, prev_hash, hash) VALUES ($1, $2, "
                "$3::timestamptz, $4, $5, $6, $7, $8, $9, $10, $11)) "
                "UPDATE core.audit_heads SET seq = $2, hash = $11 WHERE tenant_id = $1",
                event.tenant_id, entry.seq, entry.at, actor_id, entry.actor, entry.action,
                entry.entity, entry.entity_id, changes_text, entry.prev_hash, entry.hash);
  return entry.seq;
}

StatusOr<std::vector<AuditEntry>> ListAudit(pqxx::transaction_base& work,
                                            const std::string& tenant_id, int64_t after_seq,
                                            int limit) {
  std::vector<AuditEntry> entries;
  for (const auto& row :
       ExecStatement(work, "core.audit_page", SelectEntries("AND seq > $2 ORDER BY seq LIMIT $3"),
                     tenant_id, after_seq, limit)) {
    std::string changes_text;
    entries.push_back(EntryFromRow(row, &changes_text));
  }
  return entries;
}

StatusOr<AuditVerification> VerifyAudit(pqxx::transaction_base& work,
                                        const std::string& tenant_id) {
  AuditVerification result;
  std::string previous = kGenesisHash;
  int64_t expected = 1;
  for (const auto& row :
       ExecStatement(work, "core.audit_all", SelectEntries("ORDER BY seq"), tenant_id)) {
    std::string changes_text;
    AuditEntry entry = EntryFromRow(row, &changes_text);
    const bool ok =
        entry.seq == expected && entry.prev_hash == previous &&
        entry.hash == Sha256Hex(previous + CanonicalAuditEntry(tenant_id, entry, changes_text));
    if (!ok) {
      result.ok = false;
      result.first_bad_seq = expected;  // a deleted entry shows as its missing seq
      return result;
    }
    previous = entry.hash;
    ++expected;
    ++result.entries;
  }
  auto head =
      ExecStatement(work, "core.audit_head",
                    "SELECT seq, hash FROM core.audit_heads WHERE tenant_id = $1", tenant_id);
  const int64_t head_seq = head.empty() ? 0 : head[0][0].as<int64_t>();
  const std::string head_hash = head.empty() ? kGenesisHash : head[0][1].as<std::string>();
  if (head_seq != result.entries || head_hash != previous) {
    // The newest entries were deleted (or the head was moved).
    result.ok = false;
    result.first_bad_seq = std::min(head_seq, result.entries) + 1;
  }
  return result;
}

}  // namespace cabildo::core
