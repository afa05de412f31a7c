#include "cabildo/core/identity.h"
#include "cabildo/core/tenants.h"

namespace cabildo::core {

StatusOr<TenantRef> ResolveTenant(pqxx::transaction_base& work, const std::string& slug) {
  if (!IsValidSlug(slug)) return NotFoundError("No existe el tenant '" + slug + "'.");
  auto rows = work.exec_prepared("core.resolve_tenant", slug);
  if (rows.empty()) return NotFoundError("No existe el tenant '" + slug + "'.");
  TenantRef tenant{
      rows[0][0].as<std::string>(), rows[0][1].as<std::string>(), rows[0][2].as<std::string>(), {}};
  // "{gomez-palacio,durango}": slugs never need quoting in an array literal.
  std::string array = rows[0][3].as<std::string>();
  array = array.substr(1, array.size() - 2);
  for (size_t start = 0; start < array.size();) {
    size_t comma = array.find(',', start);
    if (comma == std::string::npos) comma = array.size();
    tenant.chain.push_back(array.substr(start, comma - start));
    start = comma + 1;
  }
  return tenant;
}

std::vector<std::string> TenantSubtree(pqxx::transaction_base& work, const std::string& tenant_id) {
  std::vector<std::string> ids;
  for (const auto& row : work.exec_prepared("core.tenant_subtree", tenant_id)) {
    ids.push_back(row[0].as<std::string>());
  }
  return ids;
}

Access Authorize(pqxx::transaction_base& work, const Principal& principal,
                 const std::string& permission, const std::string& tenant_id) {
  if (!principal.authenticated()) return Access::kHidden;
  if (principal.instance_admin) return Access::kAllowed;
  auto row = work.exec_prepared("core.authorize", principal.user_id, tenant_id, permission)[0];
  if (row[0].as<bool>()) return Access::kAllowed;
  return row[1].as<bool>() ? Access::kForbidden : Access::kHidden;
}

}  // namespace cabildo::core
