// Roles and tenant membership (role assignments): the reads behind /v1/me,
// /v1/roles and /v1/tenants/{t}/members, and the one write path of role
// assignments (PUT and DELETE /v1/tenants/{t}/members/{user}), audited.
// Every function runs in the caller's transaction, which must already be
// scoped (row-level security) to the tenant it names.
#pragma once

#include <string>
#include <vector>

#include "cabildo/core/audit.h"
#include "cabildo/core/db_pool.h"
#include "cabildo/core/status.h"

namespace cabildo::core {

struct RoleInfo {
  std::string name;
  std::string description;
  bool assignable = false;
  std::vector<std::string> permissions;  // sorted
};

// One role a user holds in one tenant.
struct TenantRole {
  std::string tenant_slug;
  std::string role;
};

struct Member {
  std::string user_id;
  std::string email;
  std::string name;
  std::vector<std::string> roles;  // sorted
};

// Every role of the instance, by name.
StatusOr<std::vector<RoleInfo>> ListRoles(pqxx::transaction_base& work);

// The roles `user_id` holds in the tenants the transaction's scope lets it
// see, ordered by tenant slug and role.
StatusOr<std::vector<TenantRole>> RolesOfUser(pqxx::transaction_base& work,
                                              const std::string& user_id);

// The members of `tenant_id` ordered by email, strictly after `after_email`
// (empty: from the start), at most `limit`.
StatusOr<std::vector<Member>> ListMembers(pqxx::transaction_base& work,
                                          const std::string& tenant_id,
                                          const std::string& after_email, int limit);

// The roles `user_id` holds in `tenant_id`, sorted (empty: not a member).
StatusOr<std::vector<std::string>> MemberRoles(pqxx::transaction_base& work,
                                               const std::string& tenant_id,
                                               const std::string& user_id);

// Makes `roles` (any order, duplicates allowed) the roles of `user_id` in
// `tenant_id`, and appends "member.update" when they changed. Returns the
// roles now held, sorted. kPermissionDenied for instance_admin (never
// assigned this way), kUnprocessable "No existe el rol 'x'." for a role that
// does not exist or is not assignable, kNotFound when the user does not exist.
StatusOr<std::vector<std::string>> SetMemberRoles(pqxx::transaction_base& work,
                                                  const std::string& tenant_id,
                                                  const std::string& user_id,
                                                  std::vector<std::string> roles,
                                                  const AuditActor& actor);

// Takes every role of `user_id` in `tenant_id` and appends "member.remove".
// kNotFound when the user holds none there.
Status RemoveMember(pqxx::transaction_base& work, const std::string& tenant_id,
                    const std::string& user_id, const AuditActor& actor);

}  // namespace cabildo::core
