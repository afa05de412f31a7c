#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "cabildo/core/members.h"
#include "cabildo/plugin/text_checks.h"

namespace cabildo::core {
namespace {

// "a,b,c" (string_agg's output) as a list; "" is one empty item, as before.
std::vector<std::string> SplitCommas(const std::string& list) {
  std::vector<std::string> items;
  for (size_t start = 0; start <= list.size();) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    items.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

constexpr const char* kMemberRolesSql =
    "SELECT role FROM core.role_assignments WHERE tenant_id = $1 AND user_id = $2::uuid "
    "ORDER BY role";

constexpr const char* kDeleteMemberSql =
    "DELETE FROM core.role_assignments WHERE tenant_id = $1 AND user_id = $2::uuid";

}  // namespace

StatusOr<std::vector<RoleInfo>> ListRoles(pqxx::transaction_base& work) {
  std::vector<RoleInfo> roles;
  for (const auto& row :
       ExecStatement(work, "core.roles",
                     "SELECT r.name, r.description, coalesce(string_agg(rp.permission, ',' "
                     "ORDER BY rp.permission), ''), r.assignable FROM core.roles r "
                     "LEFT JOIN core.role_permissions rp ON rp.role = r.name "
                     "GROUP BY r.name, r.description, r.assignable ORDER BY r.name")) {
    RoleInfo role{row[0].as<std::string>(), row[1].as<std::string>(), row[3].as<bool>(), {}};
    const auto list = row[2].as<std::string>();
    if (!list.empty()) role.permissions = SplitCommas(list);
    roles.push_back(std::move(role));
  }
  return roles;
}

StatusOr<std::vector<TenantRole>> RolesOfUser(pqxx::transaction_base& work,
                                              const std::string& user_id) {
  std::vector<TenantRole> roles;
  for (const auto& row :
       ExecStatement(work, "core.my_roles",
                     "SELECT t.slug, ra.role FROM core.role_assignments ra "
                     "JOIN core.tenants t ON t.id = ra.tenant_id WHERE ra.user_id = $1 "
                     "ORDER BY t.slug, ra.role",
                     user_id)) {
    roles.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
  }
  return roles;
}

StatusOr<std::vector<Member>> ListMembers(pqxx::transaction_base& work,
                                          const std::string& tenant_id,
                                          const std::string& after_email, int limit) {
  std::vector<Member> members;
  for (const auto& row :
       ExecStatement(work, "core.list_members",
                     "SELECT u.id::text, u.email, u.name, string_agg(ra.role, ',' ORDER BY "
                     "ra.role) FROM core.role_assignments ra JOIN core.users u ON u.id = "
                     "ra.user_id WHERE ra.tenant_id = $1 AND u.email > $2 "
                     "GROUP BY u.id, u.email, u.name ORDER BY u.email LIMIT $3",
                     tenant_id, after_email, limit)) {
    members.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                       SplitCommas(row[3].as<std::string>())});
  }
  return members;
}

StatusOr<std::vector<std::string>> MemberRoles(pqxx::transaction_base& work,
                                               const std::string& tenant_id,
                                               const std::string& user_id) {
  std::vector<std::string> roles;
  if (!plugin::IsLowerUuid(user_id)) return roles;  // no such user, so no roles
  for (const auto& row :
       ExecStatement(work, "core.member_roles", kMemberRolesSql, tenant_id, user_id)) {
    roles.push_back(row[0].as<std::string>());
  }
  return roles;
}

StatusOr<std::vector<std::string>> SetMemberRoles(pqxx::transaction_base& work,
                                                  const std::string& tenant_id,
                                                  const std::string& user_id,
                                                  std::vector<std::string> roles,
                                                  const AuditActor& actor) {
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  for (const auto& role : roles) {
    if (role == "instance_admin") {
      return PermissionDeniedError("El rol instance_admin no se asigna por la API.");
    }
    if (ExecStatement(work, "core.assignable_role",
                      "SELECT 1 FROM core.roles WHERE name = $1 AND assignable", role)
            .empty()) {
      return UnprocessableError("No existe el rol '" + role + "'.");
    }
  }
  if (!plugin::IsLowerUuid(user_id) ||
      ExecStatement(work, "core.user_exists", "SELECT 1 FROM core.users WHERE id = $1::uuid",
                    user_id)
          .empty()) {
    return NotFoundError("No existe el usuario.");
  }
  CABILDO_ASSIGN_OR_RETURN(std::vector<std::string> before, MemberRoles(work, tenant_id, user_id));
  ExecStatement(work, "core.delete_member", kDeleteMemberSql, tenant_id, user_id);
  // The system (a CLI command) has no user id: NULL, as for the seeded roles.
  const std::optional<std::string> granted_by =
      actor.user_id.empty() ? std::nullopt : std::optional<std::string>(actor.user_id);
  for (const auto& role : roles) {
    ExecStatement(work, "core.insert_member",
                  "INSERT INTO core.role_assignments (tenant_id, user_id, role, granted_by) "
                  "VALUES ($1, $2::uuid, $3, $4)",
                  tenant_id, user_id, role, granted_by);
  }
  if (before != roles) {
    AuditEvent event{tenant_id,
                     actor.user_id,
                     actor.name,
                     "member.update",
                     "member",
                     user_id,
                     {{"before", {{"roles", before}}}, {"after", {{"roles", roles}}}}};
    CABILDO_RETURN_IF_ERROR(AppendAudit(work, event));
  }
  return roles;
}

Status RemoveMember(pqxx::transaction_base& work, const std::string& tenant_id,
                    const std::string& user_id, const AuditActor& actor) {
  if (!plugin::IsLowerUuid(user_id)) return NotFoundError("No existe el usuario.");
  CABILDO_ASSIGN_OR_RETURN(std::vector<std::string> before, MemberRoles(work, tenant_id, user_id));
  if (before.empty()) return NotFoundError("El usuario no tiene roles en este tenant.");
  ExecStatement(work, "core.delete_member", kDeleteMemberSql, tenant_id, user_id);
  AuditEvent event{
      tenant_id,
      actor.user_id,
      actor.name,
      "member.remove",
      "member",
      user_id,
      {{"before", {{"roles", before}}}, {"after", {{"roles", nlohmann::json::array()}}}}};
  return AppendAudit(work, event);
}

}  // namespace cabildo::core
