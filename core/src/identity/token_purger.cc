#include "cabildo/core/token_purger.h"

#include "cabildo/core/log.h"

namespace cabildo::core {

StatusOr<TokenPurgeCounts> PurgeExpiredTokens(DbPool& db, const TokenPurgeOptions& options) {
  TokenPurgeCounts total;
  for (int run = 0; run < options.max_batches; ++run) {
    TokenPurgeCounts batch;
    // One transaction per batch: the row locks are held for one batch only.
    CABILDO_RETURN_IF_ERROR(db.InTransaction([&](pqxx::transaction_base& work) {
      auto row = work.exec_prepared1("core.purge_expired_tokens",
                                     static_cast<int>(options.grace.count()), options.batch);
      batch = {row[0].as<std::int64_t>(), row[1].as<std::int64_t>()};
      return OkStatus();
    }));
    total.tokens += batch.tokens;
    total.families += batch.families;
    if (batch.tokens < options.batch && batch.families < options.batch) break;
  }
  return total;
}

TokenPurger::TokenPurger(DbPool& db, TokenPurgeOptions options) : db_(db), options_(options) {
  if (options_.interval.count() > 0) thread_ = std::thread([this] { Run(); });
}

TokenPurger::~TokenPurger() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TokenPurger::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    auto purged = PurgeExpiredTokens(db_, options_);
    if (!purged.ok()) {
      LogWarn("no se pudieron purgar los tokens vencidos; se reintentará",
              {{"error", purged.status().message()}});
    } else if (purged->tokens > 0 || purged->families > 0) {
      LogInfo("tokens vencidos purgados",
              {{"tokens", purged->tokens}, {"families", purged->families}});
    }
    lock.lock();
  }
}

}  // namespace cabildo::core
