#include "cabildo/core/db_pool.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/tenants.h"

namespace cabildo::core {

namespace {

// The tenant and its chain of ancestors, in one round trip.
// Then whether it is suspended, and why (coalesced: '' when it is not).
constexpr const char* kResolveChainSql =
    "WITH RECURSIVE chain(id, slug, kind, parent_id, depth, suspended, reason) AS ("
    "  SELECT id, slug, kind, parent_id, 0, suspended_at IS NOT NULL, "
    "  coalesce(suspended_reason, '') FROM core.tenants WHERE slug = $1"
    "  UNION ALL SELECT t.id, t.slug, t.kind, t.parent_id, c.depth + 1, false, ''"
    "  FROM core.tenants t JOIN chain c ON t.id = c.parent_id) "
    "SELECT id::text, slug, kind, (SELECT array_agg(slug ORDER BY depth) FROM chain)::text, "
    "suspended, reason ";

// ResolveTenant, then set_config(..., true) as in ApplyScope, evaluated for
// the one row found: an unknown slug leaves the transaction with no tenant.
constexpr const char* kResolveTenantInScopeName = "core.resolve_tenant_in_scope";
const std::string kResolveTenantInScopeSql =
    std::string(kResolveChainSql) +
    ", set_config('cabildo.tenant_ids', id::text, true), "
    "set_config('cabildo.user_id', $2, true) FROM chain WHERE depth = 0";

// Allowed: a role at T or an ancestor grants the permission. Member: any
// role at T or an ancestor (decides 403 versus 404). `tenant` selects T from
// core.tenants by $2: its id, or (to pipeline it before the id is known) its slug.
std::string AuthorizeSql(const std::string& tenant) {
  return "WITH RECURSIVE chain(id, parent_id) AS ("
         "  SELECT id, parent_id FROM core.tenants WHERE " +
         tenant +
         " = $2"
         "  UNION ALL SELECT t.id, t.parent_id FROM core.tenants t"
         "  JOIN chain c ON t.id = c.parent_id) "
         "SELECT EXISTS (SELECT 1 FROM core.role_assignments ra "
         "               JOIN core.role_permissions rp ON rp.role = ra.role "
         "               WHERE ra.user_id = $1 AND rp.permission = $3 "
         "               AND ra.tenant_id IN (SELECT id FROM chain)) "
         // Every signed-in user is a citizen everywhere: no assignment needed.
         "    OR EXISTS (SELECT 1 FROM core.role_permissions rp "
         "               WHERE rp.role = 'citizen' AND rp.permission = $3), "
         "       EXISTS (SELECT 1 FROM core.role_assignments ra "
         "               WHERE ra.user_id = $1 AND ra.tenant_id IN (SELECT id FROM chain))";
}
constexpr const char* kAuthorizeName = "core.authorize";
constexpr const char* kAuthorizeBySlugName = "core.authorize_by_slug";

// A tenant from its id, slug, kind and chain of slugs as an array literal.
TenantRef TenantFromText(std::string id, std::string slug, std::string kind,
                         const std::string& chain, bool suspended, std::string reason) {
  TenantRef tenant{std::move(id), std::move(slug),  std::move(kind), {},
                   suspended,     std::move(reason)};
  // "{gomez-palacio,durango}": slugs never need quoting in an array literal.
  const std::string array = chain.size() >= 2 ? chain.substr(1, chain.size() - 2) : "";
  for (size_t start = 0; start < array.size();) {
    size_t comma = array.find(',', start);
    if (comma == std::string::npos) comma = array.size();
    tenant.chain.push_back(array.substr(start, comma - start));
    start = comma + 1;
  }
  return tenant;
}

StatusOr<TenantRef> TenantFromRows(const pqxx::result& rows, const std::string& slug) {
  if (rows.empty()) return NotFoundError("No existe el tenant '" + slug + "'.");
  return TenantFromText(rows[0][0].as<std::string>(), rows[0][1].as<std::string>(),
                        rows[0][2].as<std::string>(), rows[0][3].as<std::string>(),
                        rows[0][4].as<bool>(), rows[0][5].as<std::string>());
}

}  // namespace

StatusOr<TenantRef> ResolveTenant(pqxx::transaction_base& work, const std::string& slug) {
  if (!IsValidSlug(slug)) return NotFoundError("No existe el tenant '" + slug + "'.");
  return TenantFromRows(
      ExecStatement(work, "core.resolve_tenant",
                    std::string(kResolveChainSql) + "FROM chain WHERE depth = 0", slug),
      slug);
}

void RegisterAuthorizationStatements(DbPool& pool) {
  pool.Prepare(kResolveTenantInScopeName, kResolveTenantInScopeSql);
  pool.Prepare(kAuthorizeName, AuthorizeSql("id"));
  pool.Prepare(kAuthorizeBySlugName, AuthorizeSql("slug"));
}

PipelinedStatement ResolveTenantInScopeStatement(const std::string& slug,
                                                 const std::string& user_id) {
  return {kResolveTenantInScopeName, {slug, user_id}};
}

StatusOr<TenantRef> ResolvedTenant(const PipelinedRows& rows, const std::string& slug) {
  if (!IsValidSlug(slug) || rows.empty()) {
    return NotFoundError("No existe el tenant '" + slug + "'.");
  }
  return TenantFromText(rows.Text(0, 0), rows.Text(0, 1), rows.Text(0, 2), rows.Text(0, 3),
                        rows.Text(0, 4) == "t", rows.Text(0, 5));
}

std::vector<std::string> TenantSubtree(pqxx::transaction_base& work, const std::string& tenant_id) {
  std::vector<std::string> ids;
  for (const auto& row : work.exec_prepared("core.tenant_subtree", tenant_id)) {
    ids.push_back(row[0].as<std::string>());
  }
  return ids;
}

namespace {
Access AccessFrom(bool allowed, bool member) {
  if (allowed) return Access::kAllowed;
  return member ? Access::kForbidden : Access::kHidden;
}
}  // namespace

Access Authorize(pqxx::transaction_base& work, const Principal& principal,
                 const std::string& permission, const std::string& tenant_id) {
  if (!principal.authenticated()) return Access::kHidden;
  if (principal.instance_admin) return Access::kAllowed;
  auto row = work.exec_prepared(kAuthorizeName, principal.user_id, tenant_id, permission)[0];
  return AccessFrom(row[0].as<bool>(), row[1].as<bool>());
}

std::optional<PipelinedStatement> AuthorizeStatement(const Principal& principal,
                                                     const std::string& permission,
                                                     const std::string& slug) {
  if (!principal.authenticated() || principal.instance_admin) return std::nullopt;
  return PipelinedStatement{kAuthorizeBySlugName, {principal.user_id, slug, permission}};
}

Access AuthorizedBy(const Principal& principal, const PipelinedRows* rows) {
  if (!principal.authenticated()) return Access::kHidden;
  if (principal.instance_admin) return Access::kAllowed;
  if (rows == nullptr || rows->empty()) return Access::kHidden;
  return AccessFrom(rows->Text(0, 0) == "t", rows->Text(0, 1) == "t");
}

}  // namespace cabildo::core
