// Accounts, passwords, opaque tokens, login throttling and authorisation
// (architecture.md, "Identity, roles, permissions").
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cabildo/core/db_pool.h"
#include "cabildo/core/password_hasher.h"
#include "cabildo/core/redis.h"
#include "cabildo/core/status.h"

namespace cabildo::core {

// Defined in the SDK's types header (cabildo/plugin/types.h).
using ::cabildo::Access;
using ::cabildo::FieldError;
using ::cabildo::Principal;

// --- Accounts --------------------------------------------------------------

std::string NormalizeEmail(const std::string& email);

// Why `password` may not be a new password (Spanish, for a 422), or nullopt:
// under 10 characters or over 1024 bytes, whitespace only, one repeated
// character, one of core/data/common-passwords.txt (case-insensitively), or
// containing the email, its local part or the name (from 4 characters on).
std::optional<std::string> PasswordProblem(const std::string& password, const std::string& email,
                                           const std::string& name);

// Every problem with a new account's fields (empty when acceptable): email
// shape, PasswordProblem, name.
std::vector<FieldError> ValidateNewAccount(const std::string& email, const std::string& password,
                                           const std::string& name);

// Argon2id via libsodium's crypto_pwhash_str (interactive limits).
StatusOr<std::string> HashPassword(const std::string& password);
bool VerifyPassword(const std::string& hash, const std::string& password);

struct NewUser {
  std::string email;  // normalised by CreateUser
  std::string name;
  std::string password;
  bool instance_admin = false;
  // Already computed (on the hashing pool) from `password`; empty: CreateUser
  // hashes on the calling thread.
  std::string password_hash = {};
};

struct User {
  std::string id;
  std::string email;
  std::string name;
  bool instance_admin = false;
};

// Validates, hashes and inserts. kUnprocessable listing the field
// problems, kAlreadyExists when the email is taken.
StatusOr<User> CreateUser(pqxx::transaction_base& work, const NewUser& user,
                          std::vector<FieldError>* problems = nullptr);

bool InstanceAdminExists(pqxx::transaction_base& work);

// --- Login throttling --------------------------------------------------------

// Counts failures per key in a time window: in Redis when it answers, in this
// process otherwise (a weaker limit, never no limit). Thread-safe.
class FailureLimiter {
 public:
  FailureLimiter(RedisClient& redis, std::string prefix, std::chrono::seconds window);
  struct Attempt {
    int count = 0;        // attempts in the window, this one included
    int retry_after = 0;  // seconds to wait when over `max`; 0: go ahead
  };
  // Counts this attempt as a failure *before* the password is checked, so
  // parallel guesses cannot all slip in under the limit; a success takes it
  // back with Forgive (or Reset). The window starts at the first failure.
  Attempt Try(const std::string& key, int max);
  void Forgive(const std::string& key);
  void Reset(const std::string& key);

 private:
  struct LocalCount {
    int count = 0;
    std::chrono::steady_clock::time_point expires;
  };
  RedisClient& redis_;
  const std::string prefix_;
  const std::chrono::seconds window_;
  std::mutex mutex_;
  std::map<std::string, LocalCount> local_;  // GUARDED_BY(mutex_)
};

// --- Tokens ------------------------------------------------------------------

struct AuthOptions {
  std::chrono::seconds access_ttl{15 * 60};
  std::chrono::seconds refresh_ttl{30 * 24 * 3600};
  std::chrono::seconds cache_ttl{60};  // bound on staleness if a revocation misses Redis
  // Tests only: runs in Authenticate between the database check and the
  // cache write, to reproduce a logout landing in between.
  std::function<void()> after_database_check_for_test;
  int max_failures_per_email = 5;
  int max_failures_per_ip = 50;
  std::chrono::seconds failure_window{15 * 60};
  std::string redis_prefix = "cabildo:";
};

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  int64_t expires_in = 0;  // seconds
};

// Thread-safe.
class AuthService {
 public:
  // `hasher`: where Argon2id runs (nullptr: on the calling thread).
  AuthService(DbPool& db, RedisClient& redis, AuthOptions options,
              PasswordHasher* hasher = nullptr);

  // kUnauthenticated for a wrong password or unknown email (same answer, same
  // cost: an unknown email is still hashed); kResourceExhausted with
  // `*retry_after` set once the email or the client address failed too often;
  // kUnavailable when the hashing pool is full (nothing counted).
  StatusOr<TokenPair> Login(const std::string& email, const std::string& password,
                            const std::string& client_address, int* retry_after);
  // Rotates: the presented refresh token dies. Presenting a rotated one again
  // revokes its whole family (kUnauthenticated).
  StatusOr<TokenPair> Refresh(const std::string& refresh_token);
  // Revokes the principal's token family at once, in PostgreSQL and Redis:
  // each access token gets a revocation marker in Redis that also stops a
  // concurrent Authenticate from caching it again (see ForgetCachedTokens).
  Status Logout(const Principal& principal);
  // The principal behind an access token: Redis first, PostgreSQL when Redis
  // misses or is down. kUnauthenticated when unknown, expired or revoked.
  StatusOr<Principal> Authenticate(const std::string& access_token);

  const AuthOptions& options() const { return options_; }

 private:
  StatusOr<TokenPair> IssueTokens(pqxx::transaction_base& work, const std::string& user_id,
                                  const std::string& family_id);
  void ForgetCachedTokens(const std::vector<std::string>& hashes);
  void AuditLockout(const std::string& email, const std::string& client_address);

  DbPool& db_;
  RedisClient& redis_;
  const AuthOptions options_;
  FailureLimiter limiter_;
  PasswordHasher* hasher_;
  std::string dummy_hash_;  // verified against when the email is unknown
};

// --- Authorisation -------------------------------------------------------------

struct TenantRef {
  std::string id;
  std::string slug;
  std::string kind;
  std::vector<std::string> chain;  // slugs: this tenant, its parent, ... up to the root
  // Suspended (POST /v1/tenants/{t}/suspend): its writes answer 423
  // (RefuseWriteIfSuspended, api/src/tenant_lifecycle_routes.h); empty reason otherwise.
  bool suspended = false;
  std::string suspended_reason;
};

// kNotFound for an unknown (or malformed) slug. Tenants are a public directory.
StatusOr<TenantRef> ResolveTenant(pqxx::transaction_base& work, const std::string& slug);
// ResolveTenant, and in the same statement ApplyScope({tenant}, user_id), to
// open a transaction with (DbPool::InTransactionOpenedBy); ResolvedTenant
// reads its rows. A pipelined statement after it runs in that scope.
PipelinedStatement ResolveTenantInScopeStatement(const std::string& slug,
                                                 const std::string& user_id);
StatusOr<TenantRef> ResolvedTenant(const PipelinedRows& rows, const std::string& slug);

// The tenant and all its descendants (ids), for include_descendants.
std::vector<std::string> TenantSubtree(pqxx::transaction_base& work, const std::string& tenant_id);

// The one answer to "may P do permission X on tenant T?": instance admins may
// do everything; otherwise P needs a role assigned at T or an ancestor of T
// whose permissions include X. REQUIRES: the transaction's scope has
// user_id = principal.user_id (so P's own role assignments are visible).
Access Authorize(pqxx::transaction_base& work, const Principal& principal,
                 const std::string& permission, const std::string& tenant_id);

// Authorize for the tenant `slug`, as a statement to pipeline after
// ResolveTenantInScopeStatement; nullopt when the principal alone decides
// (anonymous, instance admin). AuthorizedBy reads its rows (nullptr if none).
std::optional<PipelinedStatement> AuthorizeStatement(const Principal& principal,
                                                     const std::string& permission,
                                                     const std::string& slug);
Access AuthorizedBy(const Principal& principal, const PipelinedRows* rows);

}  // namespace cabildo::core
