// API keys of registered apps: issue (shown once), list, revoke.
// SKELETON: see the module spec; replace this stub.
#include "service_requests.h"

namespace cabildo::plugins::service_requests {

std::optional<std::string> ApiKeyId(plugin::RequestContext& ctx, const std::string& key) {
  // A key is 64 hex characters (ctx.NewSecret()); anything else names none.
  if (key.size() != 64 || key.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return std::nullopt;
  }
  pqxx::result rows =
      plugin::Exec(ctx, "service-requests.api_key_by_digest",
                   "SELECT id::text FROM service_requests.api_keys "
                   "WHERE tenant_id = $1 AND key_digest = $2 AND revoked_at IS NULL",
                   ctx.tenant_id(), ctx.SecretDigest(key));
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::string>();
}

void RegisterApiKeys(plugin::PluginRegistrar& /*registrar*/) {}

}  // namespace cabildo::plugins::service_requests
