// Prepared statements of identity and authorisation, registered on the pool.
#include "cabildo/core/identity_statements.h"

namespace cabildo::core {

void RegisterIdentityStatements(DbPool& pool) {
  pool.Prepare("core.user_by_email",
               "SELECT id::text, password_hash FROM core.users WHERE email = $1");
  pool.Prepare("core.insert_family",
               "INSERT INTO core.token_families (user_id) VALUES ($1) RETURNING id::text");
  pool.Prepare("core.insert_token",
               "INSERT INTO core.tokens (hash, kind, family_id, user_id, expires_at) "
               "VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))");
  pool.Prepare("core.lock_refresh_token",
               "SELECT t.family_id::text, t.user_id::text, t.used_at, "
               "       f.revoked_at IS NULL AND t.expires_at > now() "
               "FROM core.tokens t JOIN core.token_families f ON f.id = t.family_id "
               "WHERE t.hash = $1 AND t.kind = 'refresh' FOR UPDATE OF t, f");
  pool.Prepare("core.mark_token_used", "UPDATE core.tokens SET used_at = now() WHERE hash = $1");
  pool.Prepare("core.revoke_family",
               "UPDATE core.token_families SET revoked_at = coalesce(revoked_at, now()) "
               "WHERE id = $1");
  pool.Prepare("core.family_access_tokens",
               "SELECT hash FROM core.tokens WHERE family_id = $1 AND kind = 'access'");
  pool.Prepare("core.access_token",
               "SELECT u.id::text, u.email, u.name, t.family_id::text, u.is_instance_admin, "
               "       ceil(extract(epoch FROM t.expires_at - now()))::bigint "
               "FROM core.tokens t JOIN core.token_families f ON f.id = t.family_id "
               "JOIN core.users u ON u.id = t.user_id "
               "WHERE t.hash = $1 AND t.kind = 'access' AND f.revoked_at IS NULL "
               "AND t.expires_at > now()");
  pool.Prepare("core.user_tenants",
               "SELECT DISTINCT tenant_id::text FROM core.role_assignments WHERE user_id = $1");
  pool.Prepare("core.tenant_subtree",
               "WITH RECURSIVE sub(id) AS (SELECT id FROM core.tenants WHERE id = $1 "
               "UNION ALL SELECT t.id FROM core.tenants t JOIN sub ON t.parent_id = sub.id) "
               "SELECT id::text FROM sub");
  // Allowed: a role at T or an ancestor grants the permission. Member: any
  // role at T or an ancestor (decides 403 versus 404).
  pool.Prepare("core.authorize",
               "WITH RECURSIVE chain(id, parent_id) AS ("
               "  SELECT id, parent_id FROM core.tenants WHERE id = $2"
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
               "               WHERE ra.user_id = $1 AND ra.tenant_id IN (SELECT id FROM chain))");
}

}  // namespace cabildo::core
