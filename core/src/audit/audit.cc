#include "cabildo/core/audit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

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

// This process's latest append to one tenant's chain, possibly not yet
// committed. An append linked to it needs no round trip to lock and read the
// head first: its single statement moves the head only if the head still is
// that entry. PostgreSQL makes it wait for the previous append's row lock and
// then re-checks the row, so a stale hint (a rollback, another replica's
// append) only means falling back to reading the head. The mutex keeps this
// process's appends to one chain in order while they queue on that row lock:
// the next append is already waiting inside PostgreSQL when the previous one
// commits, so the chain's critical section (the row lock, held until commit)
// is one round trip shorter, and every append is one round trip cheaper.
struct ChainHint {
  std::timed_mutex order;
  bool known = false;  // GUARDED_BY(order)
  int64_t seq = 0;     // GUARDED_BY(order)
  std::string hash;    // GUARDED_BY(order)
};

ChainHint& HintFor(const std::string& tenant_id) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::unique_ptr<ChainHint>> hints;  // one per tenant
  std::lock_guard lock(mutex);
  auto& hint = hints[tenant_id];
  if (!hint) hint = std::make_unique<ChainHint>();
  return *hint;
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
  const std::string changes_text =
      event.changes.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::optional<std::string> actor_id;
  if (!event.actor_id.empty()) actor_id = event.actor_id;
  auto link = [&](int64_t after_seq, const std::string& prev_hash) {
    AuditEntry entry;
    entry.seq = after_seq + 1;
    entry.prev_hash = prev_hash;
    entry.at = NowMicros();
    entry.actor_id = event.actor_id;
    entry.actor = event.actor;
    entry.action = event.action;
    entry.entity = event.entity;
    entry.entity_id = event.entity_id;
    entry.hash =
        Sha256Hex(entry.prev_hash + CanonicalAuditEntry(event.tenant_id, entry, changes_text));
    return entry;
  };

  // The fast path: one statement, linked to this process's latest append.
  ChainHint& hint = HintFor(event.tenant_id);
  std::unique_lock in_order(hint.order, std::defer_lock);
  // Bounded wait: a transaction appending twice to one chain while another
  // worker queues behind its row lock must not deadlock; it reads the head.
  if (in_order.try_lock_for(std::chrono::milliseconds(100)) && hint.known) {
    AuditEntry entry = link(hint.seq, hint.hash);
    auto appended = ExecStatement(
        work, "core.audit_append_after",
        "WITH head AS (UPDATE core.audit_heads SET seq = $2, hash = $11 "
        "              WHERE tenant_id = $1 AND seq = $2 - 1 AND hash = $10 RETURNING tenant_id), "
        "entry AS (INSERT INTO core.audit_log (tenant_id, seq, at, actor_id, actor, action, "
        "          entity, entity_id, changes, prev_hash, hash) "
        "          SELECT $1, $2, $3::timestamptz, $4, $5, $6, $7, $8, $9, $10, $11 FROM head "
        "          RETURNING seq) "
        "SELECT count(*) FROM entry",
        event.tenant_id, entry.seq, entry.at, actor_id, entry.actor, entry.action, entry.entity,
        entry.entity_id, changes_text, entry.prev_hash, entry.hash);
    if (appended[0][0].as<int64_t>() == 1) {
      hint.seq = entry.seq;
      hint.hash = entry.hash;
      return entry.seq;
    }
    hint.known = false;  // rolled back, or another replica appended: read the head
  }

  // One round trip creates the head on first use, locks it and reads it: this
  // row lock serialises appends to one tenant's chain until the transaction
  // ends, so the statements after it are kept to one.
  auto head = ExecStatement(work, "core.audit_lock_head",
                            "INSERT INTO core.audit_heads AS h (tenant_id, seq, hash) "
                            "VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO UPDATE SET seq = h.seq "
                            "RETURNING seq, hash",
                            event.tenant_id, kGenesisHash);
  if (head.empty()) return InternalError("La cadena de auditoría no es visible en este ámbito.");
  AuditEntry entry = link(head[0][0].as<int64_t>(), head[0][1].as<std::string>());
  ExecStatement(work, "core.audit_append",
                "WITH entry AS (INSERT INTO core.audit_log (tenant_id, seq, at, actor_id, actor, "
                "action, entity, entity_id, changes, prev_hash, hash) VALUES ($1, $2, "
                "$3::timestamptz, $4, $5, $6, $7, $8, $9, $10, $11)) "
                "UPDATE core.audit_heads SET seq = $2, hash = $11 WHERE tenant_id = $1",
                event.tenant_id, entry.seq, entry.at, actor_id, entry.actor, entry.action,
                entry.entity, entry.entity_id, changes_text, entry.prev_hash, entry.hash);
  if (in_order.owns_lock()) {
    hint.known = true;
    hint.seq = entry.seq;
    hint.hash = entry.hash;
  }
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
