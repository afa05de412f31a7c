// A tenant's life after its creation: suspend, resume, delete (tenants.h,
// "Lifecycle"; migration 0011).
#include <algorithm>

#include <nlohmann/json.hpp>

#include "cabildo/core/audit.h"
#include "cabildo/core/tenant_tables.h"
#include "cabildo/core/tenants.h"

namespace cabildo::core {
namespace {

using nlohmann::json;

std::optional<std::string> UserIdOrNull(const AuditActor& actor) {
  if (actor.user_id.empty()) return std::nullopt;
  return actor.user_id;
}

// The same event in the tenant's chain and in the instance's; the instance
// entry also names the tenant, since it is read without one.
Status AuditBoth(pqxx::transaction_base& work, const TenantRef& tenant, const AuditActor& actor,
                 const std::string& action, const json& changes) {
  ApplyScope(work, Scope{{tenant.id}, actor.user_id});
  CABILDO_RETURN_IF_ERROR(AppendInstanceAudit(
      work,
      {"", actor.user_id, actor.name, action, "tenant", tenant.id,
       json{{"tenant", tenant.slug}, {"before", changes["before"]}, {"after", changes["after"]}}}));
  return AppendAudit(work,
                     {tenant.id, actor.user_id, actor.name, action, "tenant", tenant.id, changes});
}

json SuspensionState(bool suspended, const std::string& reason) {
  if (!suspended) return {{"status", "active"}};
  return {{"status", "suspended"}, {"reason", reason}};
}

}  // namespace

std::string SuspensionReasonProblem(const std::string& reason) {
  std::size_t characters = 0;
  bool blank = true;
  for (unsigned char c : reason) {
    if ((c & 0xC0) != 0x80) ++characters;  // not a UTF-8 continuation byte
    if (c < 0x20 || c == 0x7f) return "No puede contener saltos de línea ni caracteres de control.";
    if (c != ' ') blank = false;
  }
  if (blank) return "Escriba el motivo de la suspensión.";
  if (characters > kMaxSuspensionReasonChars) {
    return "Debe tener como máximo " + std::to_string(kMaxSuspensionReasonChars) + " caracteres.";
  }
  return "";
}

StatusOr<bool> SuspendTenant(pqxx::transaction_base& work, const TenantRef& tenant,
                             const std::string& reason, const AuditActor& actor) {
  // Locked, so two suspensions at once record one change each, in order.
  auto current = ExecStatement(work, "core.lifecycle_lock",
                               "SELECT suspended_at IS NOT NULL, coalesce(suspended_reason, '') "
                               "FROM core.tenants WHERE id = $1 FOR UPDATE",
                               tenant.id);
  if (current.empty()) return NotFoundError("No existe el tenant '" + tenant.slug + "'.");
  const bool was_suspended = current[0][0].as<bool>();
  const std::string old_reason = current[0][1].as<std::string>();
  if (was_suspended && old_reason == reason) return false;
  // The first suspension's time is kept when only the reason changes.
  ExecStatement(work, "core.suspend_tenant",
                "UPDATE core.tenants SET suspended_at = coalesce(suspended_at, now()), "
                "suspended_reason = $2, suspended_by = $3::uuid WHERE id = $1",
                tenant.id, reason, UserIdOrNull(actor));
  CABILDO_RETURN_IF_ERROR(AuditBoth(work, tenant, actor, "tenant.suspend",
                                    {{"before", SuspensionState(was_suspended, old_reason)},
                                     {"after", SuspensionState(true, reason)}}));
  return true;
}

StatusOr<bool> ResumeTenant(pqxx::transaction_base& work, const TenantRef& tenant,
                            const AuditActor& actor) {
  auto current = ExecStatement(work, "core.lifecycle_lock",
                               "SELECT suspended_at IS NOT NULL, coalesce(suspended_reason, '') "
                               "FROM core.tenants WHERE id = $1 FOR UPDATE",
                               tenant.id);
  if (current.empty()) return NotFoundError("No existe el tenant '" + tenant.slug + "'.");
  if (!current[0][0].as<bool>()) return false;
  ExecStatement(work, "core.resume_tenant",
                "UPDATE core.tenants SET suspended_at = NULL, suspended_reason = NULL, "
                "suspended_by = NULL WHERE id = $1",
                tenant.id);
  CABILDO_RETURN_IF_ERROR(
      AuditBoth(work, tenant, actor, "tenant.resume",
                {{"before", SuspensionState(true, current[0][1].as<std::string>())},
                 {"after", SuspensionState(false, "")}}));
  return true;
}

StatusOr<TenantDeletion> DeleteTenant(pqxx::transaction_base& work, const std::string& slug,
                                      const AuditActor& actor) {
  if (!IsValidSlug(slug)) return NotFoundError("No existe el tenant '" + slug + "'.");
  // The row lock first: a write to this tenant already holding its key
  // share (every write's audit entry references it) finishes before; one
  // arriving later waits, then fails on the missing tenant.
  auto found = ExecStatement(work, "core.delete_tenant_lock",
                             "SELECT t.id::text, t.name, t.kind, "
                             "(SELECT p.slug FROM core.tenants p WHERE p.id = t.parent_id) "
                             "FROM core.tenants t WHERE t.slug = $1 FOR UPDATE OF t",
                             slug);
  if (found.empty()) return NotFoundError("No existe el tenant '" + slug + "'.");
  TenantDeletion deletion;
  deletion.id = found[0][0].as<std::string>();
  deletion.slug = slug;
  deletion.name = found[0][1].as<std::string>();
  const std::string kind = found[0][2].as<std::string>();
  const json parent = found[0][3].is_null() ? json(nullptr) : json(found[0][3].as<std::string>());

  std::vector<std::string> children;
  for (const auto& row :
       ExecStatement(work, "core.delete_tenant_children",
                     "SELECT slug FROM core.tenants WHERE parent_id = $1 ORDER BY slug LIMIT 11",
                     deletion.id)) {
    children.push_back(row[0].as<std::string>());
  }
  if (!children.empty()) {
    std::string names;
    for (std::size_t i = 0; i < children.size() && i < 10; ++i) {
      names += (i ? ", " : "") + children[i];
    }
    if (children.size() > 10) names += ", …";
    return AlreadyExistsError("El tenant '" + slug +
                              "' tiene tenants hijos; elimínelos antes: " + names + ".");
  }

  CABILDO_ASSIGN_OR_RETURN(std::vector<TenantTable> tables, LoadTenantTables(work));
  // Children first: the reverse of LoadTenantTables' order.
  std::string list;
  for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
    list += (list.empty() ? "" : "\n") + it->qualified;
  }
  ApplyScope(work, Scope{{deletion.id}, actor.user_id});
  json head = nullptr;  // the deleted chain's last entry, kept in the instance's record
  auto heads =
      ExecStatement(work, "core.delete_tenant_head",
                    "SELECT seq, hash FROM core.audit_heads WHERE tenant_id = $1", deletion.id);
  if (!heads.empty()) {
    head = {{"seq", heads[0][0].as<int64_t>()}, {"hash", heads[0][1].as<std::string>()}};
  }
  const json counts = json::parse(
      ExecStatement(work, "core.delete_tenant",
                    "SELECT core.delete_tenant($1, string_to_array($2, E'\\n')::regclass[])::text",
                    deletion.id, list)[0][0]
          .as<std::string>());
  json rows = json::object();
  for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
    // regclass prints unquoted names plainly: the same text as `qualified`
    // for every name that needs no quotes, and the function's key otherwise.
    const std::string key = it->schema + "." + it->name;
    int64_t count = 0;
    if (auto found_count = counts.find(key); found_count != counts.end()) {
      count = found_count->get<int64_t>();
    } else if (auto quoted = counts.find(it->qualified); quoted != counts.end()) {
      count = quoted->get<int64_t>();
    }
    deletion.rows.emplace_back(key, count);
    deletion.total_rows += count;
    rows[key] = count;
  }
  CABILDO_RETURN_IF_ERROR(AppendInstanceAudit(work, {"",
                                                     actor.user_id,
                                                     actor.name,
                                                     "tenant.delete",
                                                     "tenant",
                                                     deletion.id,
                                                     {{"before",
                                                       {{"id", deletion.id},
                                                        {"slug", slug},
                                                        {"name", deletion.name},
                                                        {"kind", kind},
                                                        {"parent", parent},
                                                        {"audit_head", head}}},
                                                      {"after", nullptr},
                                                      {"rows", rows},
                                                      {"total_rows", deletion.total_rows}}}));
  return deletion;
}

}  // namespace cabildo::core
