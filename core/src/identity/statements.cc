// Prepared statements of identity and authorisation, registered on the pool.
#include "cabildo/core/identity_statements.h"

namespace cabildo::core {

void RegisterIdentityStatements(DbPool& pool) {
  pool.Prepare("core.user_by_email",
               // The hash column is not readable by the application role (0007).
               "SELECT user_id::text, password_hash FROM core.login_credentials($1)");
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
  pool.Prepare("core.purge_expired_tokens",
               "SELECT tokens, families FROM core.purge_expired_tokens($1, $2)");
  RegisterAuthorizationStatements(pool);
}

}  // namespace cabildo::core
