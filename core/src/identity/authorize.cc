#include "cabildo/core/db_pool.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/tenants.h"

namespace cabildo::core {

namespace {

// The tenant and its chain of ancestors, in one round trip.
constexpr const char* kResolveChain =
    "WITH RECURSIVE chain(id, slug, kind, parent_id, depth) AS ("
    "  SELECT id, slug, kind, parent_id, 0 FROM core.tenants WHERE slug = $1"
    "  UNION ALL SELECT t.id, t.slug, t.kind, t.parent_id, c.depth + 1"
    "  FROM core.tenants t JOIN chain c ON t.id = c.parent_id) "
    "SELECT id::text, slug, kind, (SELECT array_agg(slug ORDER BY depth) FROM chain)::text ";

StatusOr<TenantRef> TenantFromRows(const pqxx::result& rows, const std::string& slug) {
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

}  // namespace

StatusOr<TenantRef> ResolveTenant(pqxx::transaction_base& work, const std::string& slug) {
  if (!IsValidSlug(slug)) return NotFoundError("No existe el tenant '" + slug + "'.");
  return TenantFromRows(
      ExecStatement(work, "core.resolve_tenant",
                    std::string(kResolveChain) + "FROM chain WHERE depth = 0", slug),
      slug);
}

StatusOr<TenantRef> ResolveTenantInScope(pqxx::transaction_base& work, const std::string& slug,
                                         const std::string& user_id) {
  if (!IsValidSlug(slug)) return NotFoundError("No existe el tenant '" + slug + "'.");
  // set_config(..., true) as in ApplyScope, evaluated for the one row found:
  // an unknown slug leaves the transaction with no tenant at all.
  return TenantFromRows(
      ExecStatement(work, "core.resolve_tenant_in_scope",
                    std::string(kResolveChain) +
                        ", set_config('cabildo.tenant_ids', id::text, true), "
                        "set_config('cabildo.user_id', $2, true) FROM chain WHERE depth = 0",
                    slug, user_id),
      slug);
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
