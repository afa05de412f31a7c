// The tenant tree (state → municipality | agency) and the tenant file that
// defines one state instance (tenants/durango.json).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cabildo/core/audit.h"
#include "cabildo/core/db_pool.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/status.h"

namespace cabildo::core {

struct Tenant {
  std::string id;  // uuid
  std::string slug;
  std::string name;
  std::string kind;                   // state | municipality | agency
  std::optional<std::string> parent;  // parent slug; nullopt for a root
  std::optional<std::string> inegi_code;
  std::vector<std::string> modules;   // enabled module names
  std::vector<std::string> children;  // child slugs (filled by GetTenant only)
  // Set while the tenant is suspended (lifecycle below); shown as "status".
  std::optional<std::string> suspended_at;  // RFC 3339 UTC
  std::optional<std::string> suspended_reason;
};

// The public JSON shape of api-core.md.
nlohmann::json TenantToJson(const Tenant& tenant, bool with_children);

// --- Tenant file -----------------------------------------------------------

struct TenantSpec {
  std::string slug;
  std::string name;
  std::string kind;
  std::optional<std::string> parent;
  std::optional<std::string> inegi_code;
  std::vector<std::string> modules;
};

struct TenantFile {
  std::string instance;
  std::vector<TenantSpec> tenants;  // after validation: parents before children
};

// What the database already holds, for validating a file against it.
struct ExistingTenant {
  std::string slug;
  std::optional<std::string> parent;
  std::optional<std::string> inegi_code;
  std::string kind;
};

bool IsValidSlug(const std::string& slug);

// Empty when `code` is a valid INEGI code for a tenant of `kind` ("state": 2
// digits; "municipality": 5 digits starting with its state's `parent_code`,
// when the state has one; "agency": 2 or 5 digits), else why not, in Spanish.
// The one rule for tenant files, POST and PATCH /v1/tenants. A plain
// character loop: no regex on client data.
std::string InegiCodeProblem(const std::string& kind, const std::string& code,
                             const std::optional<std::string>& parent_code);

// Parses and validates a whole tenant file against the tenants that already
// exist. Every problem is reported (one line each, naming the entry); on any
// problem the result is InvalidArgument and nothing must be written.
StatusOr<TenantFile> ParseTenantFile(const std::string& text,
                                     const std::vector<ExistingTenant>& existing);

struct TenantApplyReport {
  std::vector<std::string> created;
  std::vector<std::string> updated;
  std::vector<std::string> unchanged;
  std::vector<std::string> not_in_file;      // exist in the database, never deleted
  std::vector<std::string> warnings;         // e.g. modules not installed yet
  std::vector<std::string> modules_enabled;  // "tenant/module" newly enabled
};

// Validates and applies the file in one transaction (owner role). Idempotent:
// a second run reports every tenant unchanged and writes nothing.
StatusOr<TenantApplyReport> ApplyTenantFile(pqxx::connection& owner, const std::string& text,
                                            const std::vector<std::string>& installed_modules);

// --- Writes ----------------------------------------------------------------
// The one write path of tenant rows: POST and PATCH /v1/tenants (the
// application role, in the route's transaction) and `cabildo tenants apply`
// (ApplyTenantFile, the owner role) all write through InsertTenant and
// UpdateTenant, which also append the audit entry. Validation comes first,
// by the caller: ParseTenantFile, ValidateNewTenant or InegiCodeChangeProblem.

// A tenant as stored: its id and the fields a tenant file gives it (no modules).
struct StoredTenant {
  std::string id;  // uuid
  TenantSpec spec;
};

// The state a tenant's audit entries record: {slug, name, kind, parent, inegi_code}.
nlohmann::json TenantAuditState(const TenantSpec& spec);

// Every tenant (any order).
StatusOr<std::vector<StoredTenant>> LoadStoredTenants(pqxx::transaction_base& work);
// kNotFound when no tenant has that id.
StatusOr<StoredTenant> LoadStoredTenant(pqxx::transaction_base& work, const std::string& id);
// The shape ParseTenantFile validates against.
std::vector<ExistingTenant> AsExistingTenants(const std::vector<StoredTenant>& stored);

// Whether `spec` may be created next to the stored tenants, by the rules of
// tenant files: kAlreadyExists when the slug is taken, kInvalidArgument with
// one line per problem ("tenants[0] (slug): why") otherwise.
Status ValidateNewTenant(pqxx::transaction_base& work, const TenantSpec& spec);

// Why `code` cannot become the INEGI code of the stored tenant `id` of
// `kind` ("" when it can): its format and its state's prefix, a state's
// municipalities keeping theirs, one tenant per code.
StatusOr<std::string> InegiCodeChangeProblem(pqxx::transaction_base& work, const std::string& id,
                                             const std::string& kind, const std::string& code);

// Inserts the validated `spec` (its parent, if any, must exist), scopes the
// transaction to the new tenant (for `actor`) and appends "tenant.create".
// Returns the new tenant's id.
StatusOr<std::string> InsertTenant(pqxx::transaction_base& work, const TenantSpec& spec,
                                   const AuditActor& actor);

// Writes the validated `after` over the stored tenant `before` (same slug):
// false, writing nothing, when no field differs; otherwise scopes the
// transaction to the tenant (for `actor`), updates it and appends
// "tenant.update" with the before/after diff. The application role may change
// only name and inegi_code (column privileges); kind and parent change only
// through tenant files (the owner role).
StatusOr<bool> UpdateTenant(pqxx::transaction_base& work, const StoredTenant& before,
                            const TenantSpec& after, const AuditActor& actor);

// --- Reads through the application pool ------------------------------------

// Registers the prepared statements below on `pool`. REQUIRES: start-up.
void RegisterTenantStatements(DbPool& pool);

// Tenants ordered by slug, strictly after `after_slug` (empty: from the start).
StatusOr<std::vector<Tenant>> ListTenants(DbPool& pool, const std::string& after_slug, int limit);
// kNotFound when no tenant has that slug.
StatusOr<Tenant> GetTenant(DbPool& pool, const std::string& slug);

// --- Lifecycle: suspend, resume, delete (lifecycle.cc) -----------------------
// api-core.md "Tenant lifecycle". Each step is audited in the tenant's chain
// (while it exists) and in the instance's (AppendInstanceAudit). Callers
// authorise first; these run in the route's transaction.

// The longest suspension reason, in characters.
inline constexpr std::size_t kMaxSuspensionReasonChars = 500;

// Why `reason` cannot be a suspension reason ("" when it can), in Spanish:
// required, not blank, valid UTF-8 without control characters, at most
// kMaxSuspensionReasonChars characters.
std::string SuspensionReasonProblem(const std::string& reason);

// Suspends `tenant` (its writes then answer 423) for the validated `reason`.
// False, writing nothing, when it is already suspended for that same reason;
// a new reason replaces the old one. Appends "tenant.suspend" to the
// tenant's chain and to the instance's.
StatusOr<bool> SuspendTenant(pqxx::transaction_base& work, const TenantRef& tenant,
                             const std::string& reason, const AuditActor& actor);

// Lifts the suspension. False, writing nothing, when it was not suspended.
// Appends "tenant.resume" to the tenant's chain and to the instance's.
StatusOr<bool> ResumeTenant(pqxx::transaction_base& work, const TenantRef& tenant,
                            const AuditActor& actor);

struct TenantDeletion {
  std::string id;
  std::string slug;
  std::string name;
  // Rows deleted per table (qualified name), in the order they were deleted.
  std::vector<std::pair<std::string, int64_t>> rows;
  int64_t total_rows = 0;
};

// Deletes the tenant `slug` and every row it holds in every tenant-scoped
// table (LoadTenantTables: every module's and the core's, its audit chain
// included), through core.delete_tenant (migration 0011), then appends
// "tenant.delete" to the instance's chain: who, and what (id, slug, name,
// kind, parent, rows per table, the deleted chain's last seq and hash).
// The tenant row is locked first, so writes to it in flight finish before
// and later ones fail. kNotFound for an unknown slug; kAlreadyExists (409)
// naming them while it has children.
StatusOr<TenantDeletion> DeleteTenant(pqxx::transaction_base& work, const std::string& slug,
                                      const AuditActor& actor);

}  // namespace cabildo::core
