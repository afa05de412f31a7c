// Removes expired tokens in the background (migrations/0012_token_purge.sql),
// so core.tokens holds the live sessions, not every login since the instance
// started.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "cabildo/core/db_pool.h"
#include "cabildo/core/status.h"

namespace cabildo::core {

struct TokenPurgeCounts {
  std::int64_t tokens = 0;
  std::int64_t families = 0;
};

struct TokenPurgeOptions {
  // Between two purges; zero: never (TokenPurger does not start its thread).
  std::chrono::seconds interval{600};
  // How long past its expiry a token is kept (diagnosing a support call).
  std::chrono::seconds grace{24 * 3600};
  // Rows per statement and statements per purge: one purge never holds a
  // transaction or the pool for long, and a backlog drains over a few runs.
  int batch = 1000;
  int max_batches = 50;
};

// One purge: batches until one removes less than a whole batch or
// max_batches ran. Replicas may run it at once: each batch skips the rows
// another holds (FOR UPDATE SKIP LOCKED). kUnavailable when PostgreSQL is.
StatusOr<TokenPurgeCounts> PurgeExpiredTokens(DbPool& db, const TokenPurgeOptions& options);

// Runs PurgeExpiredTokens every `interval` on its own thread, from the first
// interval on; a failed run is logged and the next one tries again.
class TokenPurger {
 public:
  TokenPurger(DbPool& db, TokenPurgeOptions options);
  ~TokenPurger();  // stops and joins the thread
  TokenPurger(const TokenPurger&) = delete;
  TokenPurger& operator=(const TokenPurger&) = delete;

 private:
  void Run();

  DbPool& db_;
  const TokenPurgeOptions options_;
  std::mutex mutex_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace cabildo::core
