#include "cabildo/core/audit.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <vector>

#include "cabildo/core/crypto.h"
#include "cabildo/core/db_pool.h"

namespace cabildo::core {
namespace {

const std::string kGenesisHash(64, '0');

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

// The canonical JSON of an entry (keys sorted, as nlohmann::json orders an
// object) in three pieces around its `at` and `seq`, which core.audit_append
// (core migration 0006) fills in under the chain head's row lock:
//   before_at + "\"<at>\"" + before_seq + <seq> + after_seq
struct CanonicalPieces {
  std::string before_at;
  std::string before_seq;
  std::string after_seq;
};

std::string JsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

CanonicalPieces CanonicalPiecesOf(const std::string& tenant_id, const std::string& actor_id,
                                  const std::string& actor, const std::string& action,
                                  const std::string& entity, const std::string& entity_id,
                                  const std::string& changes_text) {
  const nlohmann::json actor_id_json =
      actor_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(actor_id);
  return {"{\"action\":" + JsonText(action) + ",\"actor\":" + JsonText(actor) +
              ",\"actor_id\":" + JsonText(actor_id_json) + ",\"at\":",
          ",\"changes\":" + JsonText(changes_text) + ",\"entity\":" + JsonText(entity) +
              ",\"entity_id\":" + JsonText(entity_id) + ",\"seq\":",
          ",\"tenant_id\":" + JsonText(tenant_id) + "}"};
}

constexpr const char* kAppendName = "core.audit_append";
constexpr const char* kAppendSql =
    "SELECT core.audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

// How this process's appends went out.
std::atomic<int64_t> appends_with_commit{0};
std::atomic<int64_t> appends_at_once{0};

std::string ChainTag(const std::string& tenant_id) { return "audit:" + tenant_id; }

}  // namespace

std::string CanonicalAuditEntry(const std::string& tenant_id, const AuditEntry& entry,
                                const std::string& changes_text) {
  const CanonicalPieces pieces =
      CanonicalPiecesOf(tenant_id, entry.actor_id, entry.actor, entry.action, entry.entity,
                        entry.entity_id, changes_text);
  return pieces.before_at + JsonText(entry.at) + pieces.before_seq + std::to_string(entry.seq) +
         pieces.after_seq;
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

Status AppendInstanceAudit(pqxx::transaction_base& work, const AuditEvent& event) {
  const std::string changes_text = JsonText(event.changes);
  const CanonicalPieces pieces =
      CanonicalPiecesOf(kInstanceChain, event.actor_id, event.actor, event.action, event.entity,
                        event.entity_id, changes_text);
  std::optional<std::string> actor_id;
  if (!event.actor_id.empty()) actor_id = event.actor_id;
  work.exec_params("SELECT core.instance_audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                   actor_id, event.actor, event.action, event.entity, event.entity_id, changes_text,
                   pieces.before_at, pieces.before_seq, pieces.after_seq);
  return OkStatus();
}

Status AppendAudit(pqxx::transaction_base& work, const AuditEvent& event) {
  const std::string changes_text = JsonText(event.changes);
  CanonicalPieces pieces =
      CanonicalPiecesOf(event.tenant_id, event.actor_id, event.actor, event.action, event.entity,
                        event.entity_id, changes_text);
  std::optional<std::string> actor_id;
  if (!event.actor_id.empty()) actor_id = event.actor_id;
  PipelinedStatement append{kAppendName,
                            {event.tenant_id, actor_id, event.actor, event.action, event.entity,
                             event.entity_id, changes_text, std::move(pieces.before_at),
                             std::move(pieces.before_seq), std::move(pieces.after_seq)}};
  auto run_now = [&work](const PipelinedStatement& statement) {
    const auto& p = statement.params;
    ExecStatement(work, kAppendName, kAppendSql, *p[0], p[1], *p[2], *p[3], *p[4], *p[5], *p[6],
                  *p[7], *p[8], *p[9]);
    appends_at_once.fetch_add(1, std::memory_order_relaxed);
  };
  auto* final = FinalStatementSlot(work);
  if (final == nullptr) {  // not a pool transaction (the CLI, a test): at once
    run_now(append);
    return OkStatus();
  }
  // In a pool transaction the append goes out with the COMMIT, so the head's
  // row lock it takes is held only while PostgreSQL finishes the transaction.
  // An append already waiting there runs now, keeping the order of the two.
  if (final->has_value()) {
    FinalStatement earlier = std::move(**final);
    final->reset();
    run_now(earlier.statement);
  }
  work.conn().prepare(kAppendName, kAppendSql);
  work.conn().prepare_now(kAppendName);
  final->emplace(FinalStatement{ChainTag(event.tenant_id), std::move(append), [] {
                                  appends_with_commit.fetch_add(1, std::memory_order_relaxed);
                                }});
  return OkStatus();
}

AuditAppendCounts AuditAppendStats() {
  return {appends_with_commit.load(std::memory_order_relaxed),
          appends_at_once.load(std::memory_order_relaxed)};
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

StatusOr<AuditVerification> VerifyAudit(pqxx::transaction_base& work, const std::string& tenant_id,
                                        int batch) {
  // One statement, so one snapshot: the chain and its head as they were
  // together (an append while this runs is simply not seen), read through a
  // server-side cursor `batch` rows at a time, so a chain of any length holds
  // one batch in memory. Every row carries the head; a chain without entries
  // is one row of NULL entry columns.
  static const std::string kVerifySql =
      std::string("DECLARE core_audit_verify NO SCROLL CURSOR FOR SELECT a.seq, ") +
      "to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
      "a.actor_id::text, a.actor, a.action, a.entity, a.entity_id, a.changes, a.prev_hash, "
      "a.hash, h.seq, h.hash "
      "FROM (SELECT coalesce((SELECT seq FROM core.audit_heads WHERE tenant_id = $1), 0) AS seq, "
      "             (SELECT hash FROM core.audit_heads WHERE tenant_id = $1) AS hash) h "
      "LEFT JOIN core.audit_log a ON a.tenant_id = $1 ORDER BY a.seq";
  ExecStatement(work, "core.audit_verify", kVerifySql, tenant_id);
  AuditVerification result;
  std::string previous = kGenesisHash;
  int64_t expected = 1;
  int64_t head_seq = 0;
  std::string head_hash = kGenesisHash;
  bool broken = false;
  const std::string fetch = "FETCH FORWARD " + std::to_string(batch) + " FROM core_audit_verify";
  for (bool more = true; more && !broken;) {
    pqxx::result rows = work.exec(fetch);
    more = rows.size() == static_cast<size_t>(batch);
    for (const auto& row : rows) {
      head_seq = row[10].as<int64_t>();
      if (!row[11].is_null()) head_hash = row[11].as<std::string>();
      if (row[0].is_null()) break;  // no entries at all
      std::string changes_text;
      AuditEntry entry = EntryFromRow(row, &changes_text);
      const bool ok =
          entry.seq == expected && entry.prev_hash == previous &&
          entry.hash == Sha256Hex(previous + CanonicalAuditEntry(tenant_id, entry, changes_text));
      if (!ok) {
        broken = true;
        break;
      }
      previous = entry.hash;
      ++expected;
      ++result.entries;
    }
  }
  work.exec("CLOSE core_audit_verify");
  if (broken) {
    result.ok = false;
    result.first_bad_seq = expected;  // a deleted entry shows as its missing seq
    return result;
  }
  if (head_seq != result.entries || head_hash != previous) {
    // The newest entries were deleted (or the head was moved).
    result.ok = false;
    result.first_bad_seq = std::min(head_seq, result.entries) + 1;
  }
  return result;
}

}  // namespace cabildo::core
