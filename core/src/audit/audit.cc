#include "cabildo/core/audit.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "cabildo/core/crypto.h"
#include "cabildo/core/db_pool.h"
#include "cabildo/core/ticket_lock.h"

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
// head first: its single statement waits for the previous append's row lock
// and moves the head only if the head still is that entry; a stale hint (a
// rollback, another replica's append) costs one more statement, linked to the
// head that statement returned. The ticket lock keeps this process's appends
// to one chain in arrival order while they queue on that row lock (an unfair
// mutex let a worker wait past its bound, fall back and break the next
// append's hint): the next append is already waiting inside PostgreSQL when
// the previous one commits, so the chain's critical section (the row lock,
// held until commit) is one round trip shorter, and every append is one round
// trip cheaper.
struct ChainHint {
  TicketLock order;
  // Set, without the lock, by an append sent with its commit that found the
  // chain moved; the next holder of `order` then forgets the hint.
  std::atomic<bool> stale{false};
  bool known = false;  // GUARDED_BY(order)
  int64_t seq = 0;     // GUARDED_BY(order)
  std::string hash;    // GUARDED_BY(order)
};

std::atomic<int64_t> appends_linked{0};
std::atomic<int64_t> appends_head_read{0};
std::atomic<int64_t> appends_conflicted{0};

// The linked append, moving the head only if it still is the hint (see
// AppendAudit). As a transaction's final statement it must not commit a write
// without its entry, so when the head moved it raises kFinalStatementConflict
// (core.audit_chain_moved) and the unit of work runs again.
constexpr const char* kLinkHeadSql =
    "WITH head AS (UPDATE core.audit_heads h SET "
    "                seq = CASE WHEN h.seq = $2 - 1 AND h.hash = $10 THEN $2 ELSE h.seq END, "
    "                hash = CASE WHEN h.seq = $2 - 1 AND h.hash = $10 THEN $11 ELSE h.hash END "
    "              WHERE h.tenant_id = $1 RETURNING h.seq, h.hash), "
    "entry AS (INSERT INTO core.audit_log (tenant_id, seq, at, actor_id, actor, action, "
    "          entity, entity_id, changes, prev_hash, hash) "
    "          SELECT $1, $2, $3::timestamptz, $4, $5, $6, $7, $8, $9, $10, $11 FROM head "
    "          WHERE head.seq = $2 AND head.hash = $11 RETURNING seq) ";
constexpr const char* kAppendLinkedName = "core.audit_append_linked";
const std::string kAppendLinkedSql =
    std::string(kLinkHeadSql) +
    "SELECT head.seq, head.hash, EXISTS (SELECT 1 FROM entry) FROM head";
constexpr const char* kAppendFinalName = "core.audit_append_final";
const std::string kAppendFinalSql =
    std::string(kLinkHeadSql) +
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM entry) THEN 1 ELSE core.audit_chain_moved() END";

// The linked append's parameters as text, for a final statement.
std::vector<std::optional<std::string>> FinalParams(const std::string& tenant_id,
                                                    const AuditEntry& entry,
                                                    const std::optional<std::string>& actor_id,
                                                    const std::string& changes_text) {
  return {tenant_id,    std::to_string(entry.seq),
          entry.at,     actor_id,
          entry.actor,  entry.action,
          entry.entity, entry.entity_id,
          changes_text, entry.prev_hash,
          entry.hash};
}

std::string ChainTag(const std::string& tenant_id) { return "audit:" + tenant_id; }

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
  if (auto* final = FinalStatementSlot(work);
      final != nullptr && final->has_value() && (*final)->tag == ChainTag(event.tenant_id)) {
    // This transaction appended to this chain already and holds its ticket:
    // that append goes first, now, and this one takes its place at the end.
    FinalStatement earlier = std::move(**final);
    final->reset();
    const auto& p = earlier.statement.params;
    pqxx::result head;
    try {
      head = ExecStatement(work, kAppendLinkedName, kAppendLinkedSql, *p[0], std::stoll(*p[1]),
                           *p[2], p[3], *p[4], *p[5], *p[6], *p[7], *p[8], *p[9], *p[10]);
    } catch (...) {
      earlier.discarded();  // out of the slot: nobody else would release its ticket
      throw;
    }
    if (head.empty() || !head[0][2].as<bool>()) {
      earlier.discarded();
      appends_conflicted.fetch_add(1, std::memory_order_relaxed);
      throw UnitOfWorkConflict("la cadena de auditoría avanzó");
    }
    // Still holding the ticket: link to the earlier entry, again at the end.
    AuditEntry entry = link(hint.seq, hint.hash);
    earlier.statement.params = FinalParams(event.tenant_id, entry, actor_id, changes_text);
    final->emplace(std::move(earlier));
    hint.seq = entry.seq;
    hint.hash = entry.hash;
    return entry.seq;
  }
  // Bounded wait: a transaction appending twice to one chain while another
  // worker queues behind its row lock must not deadlock; it reads the head.
  const bool in_order = hint.order.TryLockFor(std::chrono::milliseconds(100));
  struct Release {
    TicketLock* lock;
    ~Release() {
      if (lock != nullptr) lock->Unlock();
    }
  } release{in_order ? &hint.order : nullptr};
  std::optional<std::pair<int64_t, std::string>> locked_head;  // read under this row lock
  if (in_order && hint.stale.exchange(false)) hint.known = false;
  if (in_order && hint.known) {
    AuditEntry entry = link(hint.seq, hint.hash);
    // Inside a pool transaction, the append goes out with the COMMIT. This
    // worker keeps the ticket until then, so the next append (linked to this
    // one) reaches PostgreSQL after it and queues on the same row lock.
    auto* final = FinalStatementSlot(work);
    if (final != nullptr && !final->has_value()) {
      work.conn().prepare(kAppendFinalName, kAppendFinalSql);
      work.conn().prepare_now(kAppendFinalName);
      final->emplace(FinalStatement{
          ChainTag(event.tenant_id),
          {kAppendFinalName, FinalParams(event.tenant_id, entry, actor_id, changes_text)},
          /*sent=*/
          [&hint] {
            appends_linked.fetch_add(1, std::memory_order_relaxed);
            hint.order.Unlock();
          },
          /*discarded=*/
          [&hint] {
            hint.known = false;  // rolled back: the head is still the previous entry
            hint.order.Unlock();
          },
          /*conflicted=*/
          [&hint] {
            appends_conflicted.fetch_add(1, std::memory_order_relaxed);
            hint.stale.store(true);
          }});
      hint.seq = entry.seq;
      hint.hash = entry.hash;
      release.lock = nullptr;  // the final statement's callbacks unlock
      return entry.seq;
    }
    // The UPDATE selects the head by tenant alone, so it waits for the
    // previous append's row lock and then sees that append's committed head
    // (matching on the old seq would compare against the pre-commit snapshot
    // and never wait). The CASE moves the head only if it still is the hint;
    // either way the row is now locked and its head returned.
    auto head = ExecStatement(work, kAppendLinkedName, kAppendLinkedSql, event.tenant_id, entry.seq,
                              entry.at, actor_id, entry.actor, entry.action, entry.entity,
                              entry.entity_id, changes_text, entry.prev_hash, entry.hash);
    if (!head.empty() && head[0][2].as<bool>()) {
      appends_linked.fetch_add(1, std::memory_order_relaxed);
      hint.seq = entry.seq;
      hint.hash = entry.hash;
      return entry.seq;
    }
    // Rolled back, or another writer appended: link to the head just read.
    if (!head.empty()) locked_head.emplace(head[0][0].as<int64_t>(), head[0][1].as<std::string>());
    hint.known = false;
  }

  if (!locked_head) {
    // One round trip creates the head on first use, locks it and reads it:
    // this row lock serialises appends to one tenant's chain until the
    // transaction ends, so the statements after it are kept to one.
    auto head =
        ExecStatement(work, "core.audit_lock_head",
                      "INSERT INTO core.audit_heads AS h (tenant_id, seq, hash) "
                      "VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO UPDATE SET seq = h.seq "
                      "RETURNING seq, hash",
                      event.tenant_id, kGenesisHash);
    if (head.empty()) return InternalError("La cadena de auditoría no es visible en este ámbito.");
    locked_head.emplace(head[0][0].as<int64_t>(), head[0][1].as<std::string>());
  }
  appends_head_read.fetch_add(1, std::memory_order_relaxed);
  AuditEntry entry = link(locked_head->first, locked_head->second);
  ExecStatement(work, "core.audit_append",
                "WITH entry AS (INSERT INTO core.audit_log (tenant_id, seq, at, actor_id, actor, "
                "action, entity, entity_id, changes, prev_hash, hash) VALUES ($1, $2, "
                "$3::timestamptz, $4, $5, $6, $7, $8, $9, $10, $11)) "
                "UPDATE core.audit_heads SET seq = $2, hash = $11 WHERE tenant_id = $1",
                event.tenant_id, entry.seq, entry.at, actor_id, entry.actor, entry.action,
                entry.entity, entry.entity_id, changes_text, entry.prev_hash, entry.hash);
  if (in_order) {
    hint.known = true;
    hint.seq = entry.seq;
    hint.hash = entry.hash;
  }
  return entry.seq;
}

AuditAppendCounts AuditAppendStats() {
  return {appends_linked.load(std::memory_order_relaxed),
          appends_head_read.load(std::memory_order_relaxed),
          appends_conflicted.load(std::memory_order_relaxed)};
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
