#include <nlohmann/json.hpp>
#include <sodium.h>

#include "cabildo/core/audit.h"
#include "cabildo/core/crypto.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/log.h"

namespace cabildo::core {
namespace {

using nlohmann::json;

// 32 random bytes from libsodium, base64url without padding (43 characters).
std::string NewToken() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char text[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof text, bytes, sizeof bytes,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return text;
}

Status BadCredentials() { return UnauthenticatedError("Correo o contraseña incorrectos."); }
Status BadToken() { return UnauthenticatedError("El token no es válido o ya expiró."); }

}  // namespace

// --- FailureLimiter ------------------------------------------------------------

FailureLimiter::FailureLimiter(RedisClient& redis, std::string prefix, std::chrono::seconds window)
    : redis_(redis), prefix_(std::move(prefix)), window_(window) {}

FailureLimiter::Attempt FailureLimiter::Try(const std::string& key, int max) {
  const std::string redis_key = prefix_ + key;
  // SET NX EX then INCR: the TTL is set once, by the first failure (works on
  // every Redis version, unlike EXPIRE ... NX).
  auto created =
      redis_.Command({"SET", redis_key, "0", "EX", std::to_string(window_.count()), "NX"});
  auto count = created.ok() ? redis_.Command({"INCR", redis_key}) : created;
  if (count.ok() && count->type == RedisReply::Type::kInteger) {
    Attempt attempt{static_cast<int>(count->integer), 0};
    if (attempt.count > max) {
      auto ttl = redis_.Command({"TTL", redis_key});
      attempt.retry_after = ttl.ok() && ttl->integer > 0 ? static_cast<int>(ttl->integer)
                                                         : static_cast<int>(window_.count());
    }
    return attempt;
  }
  // Without Redis: the same count in this process, never "no limit".
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (local_.size() > 100000) {
    std::erase_if(local_, [now](const auto& entry) { return entry.second.expires <= now; });
  }
  LocalCount& local = local_[key];
  if (local.expires <= now) local = LocalCount{0, now + window_};
  Attempt attempt{++local.count, 0};
  if (attempt.count > max) {
    attempt.retry_after =
        static_cast<int>(
            std::chrono::duration_cast<std::chrono::seconds>(local.expires - now).count()) +
        1;
  }
  return attempt;
}

void FailureLimiter::Forgive(const std::string& key) {
  auto left = redis_.Command({"DECR", prefix_ + key});
  if (left.ok()) return;
  std::lock_guard lock(mutex_);
  if (auto it = local_.find(key); it != local_.end() && it->second.count > 0) --it->second.count;
}

void FailureLimiter::Reset(const std::string& key) {
  (void)redis_.Command({"DEL", prefix_ + key});
  std::lock_guard lock(mutex_);
  local_.erase(key);
}

// --- AuthService ---------------------------------------------------------------

AuthService::AuthService(DbPool& db, RedisClient& redis, AuthOptions options,
                         PasswordHasher* hasher)
    : db_(db),
      redis_(redis),
      options_(std::move(options)),
      limiter_(redis, options_.redis_prefix + "login:", options_.failure_window),
      hasher_(hasher) {
  auto dummy = HashPassword(RandomHex(16));
  dummy_hash_ = dummy.ok() ? *dummy : "";
}

StatusOr<TokenPair> AuthService::IssueTokens(pqxx::transaction_base& work,
                                             const std::string& user_id,
                                             const std::string& family_id) {
  TokenPair pair;
  pair.access_token = NewToken();
  pair.refresh_token = NewToken();
  pair.expires_in = options_.access_ttl.count();
  work.exec_prepared("core.insert_token", Sha256Hex(pair.access_token), "access", family_id,
                     user_id, options_.access_ttl.count());
  work.exec_prepared("core.insert_token", Sha256Hex(pair.refresh_token), "refresh", family_id,
                     user_id, options_.refresh_ttl.count());
  return pair;
}

StatusOr<TokenPair> AuthService::Login(const std::string& email_in, const std::string& password,
                                       const std::string& client_address, int* retry_after) {
  const std::string email = NormalizeEmail(email_in);
  // The failure counter keys on exactly the text core.user_by_email compares.
  // libpq sends text up to its first NUL, so "victim@x.mx\0z" would count
  // apart from the account it reaches. The routes refuse control characters
  // at the door (api/src/json_body.h); this keeps the service safe on its own.
  if (email.find('\0') != std::string::npos || password.find('\0') != std::string::npos) {
    return InvalidArgumentError("El correo y la contraseña no admiten el carácter NUL.");
  }
  // Keys hold a hash, so Redis never stores addresses or emails in clear.
  const std::string email_key = "email:" + Sha256Hex(email);
  const std::string ip_key = "ip:" + Sha256Hex(client_address);
  const auto by_email = limiter_.Try(email_key, options_.max_failures_per_email);
  const auto by_address = limiter_.Try(ip_key, options_.max_failures_per_ip);
  if (by_email.retry_after > 0 || by_address.retry_after > 0) {
    // No password was checked: this refusal is not one more failure.
    limiter_.Forgive(email_key);
    limiter_.Forgive(ip_key);
    *retry_after = std::max(by_email.retry_after, by_address.retry_after);
    return Status(StatusCode::kResourceExhausted,
                  "Demasiados intentos fallidos; espere antes de volver a intentar.");
  }

  struct Found {
    std::string id;
    std::string hash;
  };
  std::optional<Found> user;
  Status looked_up = db_.InTransaction([&](pqxx::transaction_base& work) {
    auto rows = work.exec_prepared("core.user_by_email", email);
    if (!rows.empty()) user = Found{rows[0][0].as<std::string>(), rows[0][1].as<std::string>()};
    return OkStatus();
  });
  if (!looked_up.ok()) {  // the database failed, not the caller
    limiter_.Forgive(email_key);
    limiter_.Forgive(ip_key);
    return looked_up;
  }

  // Unknown email: verify against a dummy hash anyway, so both failures cost
  // one Argon2id computation and look the same from outside.
  const std::string& hash = user ? user->hash : dummy_hash_;
  bool matches = false;
  if (hasher_ != nullptr) {
    auto verified = hasher_->Verify(hash, password);
    if (!verified.ok()) {  // the hashing pool is full: nothing was checked
      limiter_.Forgive(email_key);
      limiter_.Forgive(ip_key);
      return verified.status();
    }
    matches = *verified;
  } else {
    matches = VerifyPassword(hash, password);
  }
  const bool valid = matches && user.has_value();
  if (!valid) {  // already counted by Try
    if (by_email.count == options_.max_failures_per_email && user) {
      AuditLockout(email, client_address);
    }
    return BadCredentials();
  }
  limiter_.Reset(email_key);
  limiter_.Forgive(ip_key);
  return db_.InTransaction([&](pqxx::transaction_base& work) -> StatusOr<TokenPair> {
    const std::string family =
        work.exec_prepared("core.insert_family", user->id)[0][0].as<std::string>();
    return IssueTokens(work, user->id, family);
  });
}

void AuthService::AuditLockout(const std::string& email, const std::string& client_address) {
  // The user's tenants learn that their member's account is under attack.
  Status status = db_.InTransaction([&](pqxx::transaction_base& work) {
    auto user = work.exec_prepared("core.user_by_email", email);
    if (user.empty()) return OkStatus();
    const std::string user_id = user[0][0].as<std::string>();
    ApplyScope(work, Scope{{}, user_id});
    std::vector<std::string> tenants;
    for (const auto& row : work.exec_prepared("core.user_tenants", user_id)) {
      tenants.push_back(row[0].as<std::string>());
    }
    ApplyScope(work, Scope{tenants, user_id});
    AuditEvent event{"",
                     "",
                     "sistema: inicio de sesión",
                     "auth.login_locked",
                     "user",
                     user_id,
                     {{"failures", options_.max_failures_per_email},
                      {"window_seconds", options_.failure_window.count()},
                      {"client_address", client_address}}};
    // An account without tenant roles (a citizen) is still audited: in the
    // instance's chain, which no tenant's would otherwise cover.
    if (tenants.empty()) return AppendInstanceAudit(work, event);
    for (const auto& tenant : tenants) {
      event.tenant_id = tenant;
      CABILDO_RETURN_IF_ERROR(AppendAudit(work, event));
    }
    return OkStatus();
  });
  if (!status.ok()) LogWarn("no se pudo auditar un bloqueo de inicio de sesión");
}

StatusOr<TokenPair> AuthService::Refresh(const std::string& refresh_token) {
  const std::string hash = Sha256Hex(refresh_token);
  std::vector<std::string> revoked_access;
  bool reuse = false;
  auto result = db_.InTransaction([&](pqxx::transaction_base& work) -> StatusOr<TokenPair> {
    auto rows = work.exec_prepared("core.lock_refresh_token", hash);
    if (rows.empty()) return BadToken();
    const std::string family = rows[0][0].as<std::string>();
    const std::string user_id = rows[0][1].as<std::string>();
    const bool used = !rows[0][2].is_null();
    const bool live = rows[0][3].as<bool>();
    if (!live) return BadToken();
    if (used) {
      // A rotated token came back: someone holds a copy. Kill the whole family.
      reuse = true;
      work.exec_prepared("core.revoke_family", family);
      for (const auto& row : work.exec_prepared("core.family_access_tokens", family)) {
        revoked_access.push_back(row[0].as<std::string>());
      }
      return TokenPair{};  // committed; answered as 401 below
    }
    work.exec_prepared("core.mark_token_used", hash);
    return IssueTokens(work, user_id, family);
  });
  if (reuse) {
    ForgetCachedTokens(revoked_access);
    LogWarn("reutilización de refresh token: familia revocada");
    return UnauthenticatedError("El token ya se usó; la sesión se cerró por seguridad.");
  }
  return result;
}

Status AuthService::Logout(const Principal& principal) {
  std::vector<std::string> hashes;
  Status status = db_.InTransaction([&](pqxx::transaction_base& work) {
    work.exec_prepared("core.revoke_family", principal.family_id);
    for (const auto& row : work.exec_prepared("core.family_access_tokens", principal.family_id)) {
      hashes.push_back(row[0].as<std::string>());
    }
    return OkStatus();
  });
  CABILDO_RETURN_IF_ERROR(status);
  ForgetCachedTokens(hashes);
  return OkStatus();
}

// Revoked access tokens: a marker per token (kept as long as the token could
// live) and the cached entry deleted, in one atomic script. The cache write
// in Authenticate is the matching script, which writes only while no marker
// exists, so an Authenticate that read the token as live just before the
// revocation committed can no longer cache it again afterwards: whichever
// script runs second wins the right way.
void AuthService::ForgetCachedTokens(const std::vector<std::string>& hashes) {
  if (hashes.empty()) return;
  static constexpr const char* kRevoke = R"lua(
for i = 1, #KEYS, 2 do
  redis.call('SET', KEYS[i + 1], '1', 'EX', ARGV[1])
  redis.call('DEL', KEYS[i])
end
return 0
)lua";
  std::vector<std::string> command = {"EVAL", kRevoke, std::to_string(hashes.size() * 2)};
  for (const auto& hash : hashes) {
    command.push_back(options_.redis_prefix + "token:" + hash);
    command.push_back(options_.redis_prefix + "revoked:" + hash);
  }
  command.push_back(std::to_string(std::max(options_.access_ttl, options_.cache_ttl).count()));
  // If Redis is unreachable now, cached entries still expire within cache_ttl.
  (void)redis_.Command(command);
}

StatusOr<Principal> AuthService::Authenticate(const std::string& access_token) {
  if (access_token.size() != 43) return BadToken();
  const std::string hash = Sha256Hex(access_token);
  const std::string key = options_.redis_prefix + "token:" + hash;
  auto cached = redis_.Command({"GET", key});
  if (cached.ok() && cached->type == RedisReply::Type::kString) {
    auto entry = json::parse(cached->str, nullptr, false);
    if (entry.is_object()) {
      return Principal{entry.value("user_id", ""), entry.value("email", ""),
                       entry.value("name", ""), entry.value("family_id", ""),
                       entry.value("instance_admin", false)};
    }
  }
  std::optional<Principal> principal;
  int64_t seconds_left = 0;
  Status status = db_.InTransaction([&](pqxx::transaction_base& work) {
    auto rows = work.exec_prepared("core.access_token", hash);
    if (rows.empty()) return OkStatus();
    principal = Principal{rows[0][0].as<std::string>(), rows[0][1].as<std::string>(),
                          rows[0][2].as<std::string>(), rows[0][3].as<std::string>(),
                          rows[0][4].as<bool>()};
    seconds_left = rows[0][5].as<int64_t>();
    return OkStatus();
  });
  CABILDO_RETURN_IF_ERROR(status);
  if (!principal) return BadToken();
  if (options_.after_database_check_for_test) options_.after_database_check_for_test();
  const int64_t ttl = std::min<int64_t>(seconds_left, options_.cache_ttl.count());
  if (ttl > 0 && cached.status().code() != StatusCode::kUnavailable) {
    json entry = {{"user_id", principal->user_id},
                  {"email", principal->email},
                  {"name", principal->name},
                  {"family_id", principal->family_id},
                  {"instance_admin", principal->instance_admin}};
    // Cached only while no revocation marker exists (ForgetCachedTokens).
    static constexpr const char* kCacheUnlessRevoked = R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
)lua";
    auto written = redis_.Command({"EVAL", kCacheUnlessRevoked, "2", key,
                                   options_.redis_prefix + "revoked:" + hash, entry.dump(),
                                   std::to_string(ttl)});
    if (written.ok() && written->type == RedisReply::Type::kInteger && written->integer == 0) {
      return BadToken();  // revoked while this check ran
    }
  }
  return *principal;
}

}  // namespace cabildo::core
