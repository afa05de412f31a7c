// The per-tenant, append-only, hash-chained audit log (architecture.md, "Audit").
//
// Entry n stores hash_n = SHA-256(hash_{n-1} || canonical(entry_n)), with
// hash_0 = 64 zeros. An append locks the tenant's chain head and computes its
// seq, time and hash in PostgreSQL under that lock (core.audit_append), so
// concurrent writers on any replica get consecutive seq numbers and a correct
// chain; it runs in the caller's transaction, so it commits or rolls back
// with the write.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cabildo/core/db_pool.h"
#include "cabildo/core/status.h"

namespace cabildo::core {

struct AuditEvent {
  std::string tenant_id;
  std::string actor_id;  // user uuid, or empty for the system (CLI)
  std::string actor;     // email or "sistema: <command>"
  std::string action;    // e.g. "tenant.create", "member.update"
  std::string entity;    // e.g. "tenant", "member"
  std::string entity_id;
  nlohmann::json changes;  // {"before":...,"after":...}; never secrets
};

// Who a write is recorded as in the audit chain.
struct AuditActor {
  std::string user_id;  // uuid, or empty for the system (CLI)
  std::string name;     // email, or "sistema: <command>"
};

struct AuditEntry {
  int64_t seq = 0;
  std::string at;  // RFC 3339 UTC, microseconds
  std::string actor_id;
  std::string actor;
  std::string action;
  std::string entity;
  std::string entity_id;
  nlohmann::json changes;
  std::string prev_hash;
  std::string hash;
};

struct AuditVerification {
  bool ok = true;
  int64_t entries = 0;
  std::optional<int64_t> first_bad_seq;
};

// Appends `event` to its tenant's chain inside `work`. REQUIRES: the
// transaction's scope includes event.tenant_id. Inside DbPool::InTransaction
// the append is the transaction's final statement: it goes out with the
// COMMIT (a later append to the transaction sends the earlier one first).
// Elsewhere it runs at once.
Status AppendAudit(pqxx::transaction_base& work, const AuditEvent& event);

// The instance's own chain (core migration 0007): events of no tenant, such
// as the lockout of an account without tenant roles. Hashed as a tenant
// chain whose tenant id is kInstanceChain; `event.tenant_id` is ignored.
// Runs at once in `work`.
inline constexpr const char* kInstanceChain = "instance";
Status AppendInstanceAudit(pqxx::transaction_base& work, const AuditEvent& event);

// How this process's appends went out: with their transaction's COMMIT, or
// at once (outside the pool, or before a later append of the same transaction).
struct AuditAppendCounts {
  int64_t with_commit = 0;
  int64_t at_once = 0;
};
AuditAppendCounts AuditAppendStats();

// Entries with seq > after_seq, oldest first, at most `limit`.
StatusOr<std::vector<AuditEntry>> ListAudit(pqxx::transaction_base& work,
                                            const std::string& tenant_id, int64_t after_seq,
                                            int limit);

// Recomputes the whole chain: the first seq that is missing, out of place,
// altered, or inconsistent with the chain head. Reads it through a cursor,
// `batch` entries at a time (memory stays flat however long the chain).
// REQUIRES: `work` is a real transaction (a cursor lives in one).
StatusOr<AuditVerification> VerifyAudit(pqxx::transaction_base& work, const std::string& tenant_id,
                                        int batch = 500);

// The canonical text that is hashed (exposed for tests).
std::string CanonicalAuditEntry(const std::string& tenant_id, const AuditEntry& entry,
                                const std::string& changes_text);

// A before/after diff holding only the fields that changed.
nlohmann::json AuditDiff(const nlohmann::json& before, const nlohmann::json& after);

}  // namespace cabildo::core
