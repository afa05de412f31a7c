// PostgreSQL connection pool over libpqxx with one transaction per unit of work.
//
// Connections are opened lazily, prepare every registered statement when they
// open, and are discarded when they break; the next checkout opens a fresh one,
// so the pool recovers by itself after a database restart.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "cabildo/core/status.h"

namespace cabildo::core {

struct DbPoolOptions {
  std::string url;
  int size = 8;
  std::chrono::milliseconds checkout_timeout{5000};
  std::chrono::milliseconds statement_timeout{5000};
};

class DbPool;

// What a transaction may see: the tenants it was authorised for (one, or a
// subtree for include_descendants) and the signed-in user, if any.
struct Scope {
  std::vector<std::string> tenant_ids;  // uuids
  std::string user_id;                  // uuid, or empty for anonymous
};

// Sets the scope inside an open transaction (also usable on ad-hoc
// connections, e.g. the CLI's owner connection). Calling it again replaces
// the scope for the rest of the transaction.
void ApplyScope(pqxx::transaction_base& work, const Scope& scope);

// Runs `sql` as the named prepared statement of this transaction's
// connection, declaring it first if the connection does not know it yet
// (libpqxx prepares lazily, on first use, and accepts the same definition
// again). So a core function can use prepared statements on pool connections
// and on the CLI's ad-hoc ones alike. REQUIRES: one `sql` per `name`.
template <typename... Args>
pqxx::result ExecStatement(pqxx::transaction_base& work, const std::string& name,
                           const std::string& sql, Args&&... args) {
  work.conn().prepare(name, sql);
  return work.exec_prepared(name, std::forward<Args>(args)...);
}

// A prepared statement with its parameters in text format (nullopt is NULL),
// sent through libpq's pipeline mode rather than one round trip at a time.
struct PipelinedStatement {
  std::string name;  // registered with DbPool::Prepare
  std::vector<std::optional<std::string>> params;
};

// What a pipelined statement returned, as text (nullopt is NULL).
struct PipelinedRows {
  std::vector<std::vector<std::optional<std::string>>> rows;
  bool empty() const { return rows.empty(); }
  // The text of a non-NULL field; "" for NULL.
  const std::string& Text(size_t row, size_t column) const;
};

// The last statement of a transaction, sent in one round trip with its COMMIT
// (libpq pipeline mode), so a row lock it takes is held while PostgreSQL
// works and never across a round trip to this process. The audit append uses
// it: its lock on a tenant's chain head is what serialises that tenant's
// writes, and this takes the commit's round trip out of that critical section.
struct FinalStatement {
  std::string tag;  // whose statement it is (the audit: its tenant's chain)
  PipelinedStatement statement;
  // If set, runs once the statement, sent with its COMMIT, has answered.
  std::function<void()> sent;
};

// The final-statement slot of `work`: present only while `work` is the
// transaction DbPool::InTransaction is running on this thread; nullptr for
// any other transaction (the CLI's, a test's), which then runs everything at
// once. At most one final statement: a caller that finds the slot taken runs
// its statement itself.
std::optional<FinalStatement>* FinalStatementSlot(pqxx::transaction_base& work);

namespace internal {
class UnitOfWork;
}

// A connection checked out of the pool; returns it (or drops it, if broken)
// when destroyed. Move-only.
class PooledConnection {
 public:
  PooledConnection(PooledConnection&& other) noexcept;
  PooledConnection& operator=(PooledConnection&&) = delete;
  PooledConnection(const PooledConnection&) = delete;
  ~PooledConnection();

  pqxx::connection& get() { return *connection_; }
  // The connection must not be reused (it broke, or its state is unknown).
  void MarkBroken() { broken_ = true; }

 private:
  friend class DbPool;
  PooledConnection(DbPool* pool, std::unique_ptr<pqxx::connection> connection)
      : pool_(pool), connection_(std::move(connection)) {}

  DbPool* pool_;
  std::unique_ptr<pqxx::connection> connection_;
  bool broken_ = false;
};

// Thread-safe.
class DbPool {
 public:
  explicit DbPool(DbPoolOptions options);
  DbPool(const DbPool&) = delete;
  DbPool& operator=(const DbPool&) = delete;
  ~DbPool();

  // Declares a prepared statement. REQUIRES: called during start-up, before the
  // first Acquire (the statement registry is frozen afterwards).
  void Prepare(std::string name, std::string sql);

  // A connection, or kUnavailable when none frees up within the checkout
  // timeout or the database cannot be reached.
  StatusOr<PooledConnection> Acquire();

  // Runs `fn(pqxx::transaction_base&)` in one transaction and commits it
  // when `fn` returns an OK Status (or an OK StatusOr). Database exceptions
  // become a Status (see StatusFromDbException); a broken connection is
  // dropped. The pool itself sends BEGIN, COMMIT and ROLLBACK (libpqxx sees a
  // nontransaction), so that it can pipeline them with other statements.
  template <typename Fn>
  auto InTransaction(Fn&& fn) -> decltype(fn(std::declval<pqxx::transaction_base&>()));

  // Like InTransaction, but `opening` goes out with the BEGIN, in the same
  // round trip, and `fn(work, rows)` gets their rows in order. The
  // statements run one after the other, so a scope one of them sets applies
  // to the next. A failed one fails the unit of work, like a throw from `fn`.
  template <typename Fn>
  auto InTransactionOpenedBy(const std::vector<PipelinedStatement>& opening, Fn&& fn)
      -> decltype(fn(std::declval<pqxx::transaction_base&>(),
                     std::declval<const std::vector<PipelinedRows>&>()));

  // Like InTransaction, but first confines the transaction to `scope`:
  // `cabildo.tenant_ids` (row-level security) and `cabildo.user_id` are set
  // with SET LOCAL semantics, so they die with the transaction and can never
  // leak to the next user of the pooled connection. Every access to a
  // tenant-scoped table goes through this.
  template <typename Fn>
  auto InScopedTransaction(const struct Scope& scope, Fn&& fn)
      -> decltype(fn(std::declval<pqxx::transaction_base&>()));

  // `SELECT 1` on a pooled connection: OK, or kUnavailable.
  Status Ping();

  int Size() const { return options_.size; }
  int InUse() const;

 private:
  friend class PooledConnection;
  void Release(std::unique_ptr<pqxx::connection> connection, bool broken);
  // Closes every idle connection (after one of them turned out dead).
  void DropIdle();
  StatusOr<std::unique_ptr<pqxx::connection>> Open();

  const DbPoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // GUARDED_BY(mutex_)
  int open_ = 0;                                         // GUARDED_BY(mutex_)
  int in_use_ = 0;                                       // GUARDED_BY(mutex_)
  bool frozen_ = false;                                  // GUARDED_BY(mutex_)
  std::vector<std::pair<std::string, std::string>> statements_;
};

// Maps an exception thrown by libpqxx (or anything else) to a Status whose
// message is safe to show; the detail goes to the log. Sets `*broken` when the
// connection must be discarded.
Status StatusFromDbException(std::exception_ptr error, bool* broken);

// ---------------------------------------------------------------------------
// Implementation details follow.

namespace internal {

// The transaction of one attempt at a unit of work, on a pooled connection:
// BEGIN (with any opening statements), then COMMIT (with any final
// statement), or ROLLBACK when it ends otherwise. While it lives it is this
// thread's current transaction, which gives `work()` its final-statement slot.
class UnitOfWork {
 public:
  explicit UnitOfWork(PooledConnection& connection);
  UnitOfWork(const UnitOfWork&) = delete;
  UnitOfWork& operator=(const UnitOfWork&) = delete;
  // Rolls back an open transaction (an unsent final statement is dropped);
  // a connection that cannot roll back is marked broken.
  ~UnitOfWork();

  // BEGIN and `opening` in one round trip; their rows. Throws on failure.
  std::vector<PipelinedRows> Begin(const std::vector<PipelinedStatement>& opening);
  // COMMIT, or the final statement and COMMIT in one round trip. Throws on
  // failure (then nothing was committed).
  void Commit();

  pqxx::transaction_base& work() { return work_; }

 private:
  friend std::optional<FinalStatement>* cabildo::core::FinalStatementSlot(
      pqxx::transaction_base& work);
  PooledConnection& connection_;
  pqxx::nontransaction work_;
  bool open_ = false;  // BEGIN went out and neither COMMIT nor ROLLBACK did
  std::optional<FinalStatement> final_;
  UnitOfWork* outer_;
};

template <typename T>
struct IsStatusOr : std::false_type {};
template <typename T>
struct IsStatusOr<StatusOr<T>> : std::true_type {};
}  // namespace internal

template <typename Fn>
auto DbPool::InTransactionOpenedBy(const std::vector<PipelinedStatement>& opening, Fn&& fn)
    -> decltype(fn(std::declval<pqxx::transaction_base&>(),
                   std::declval<const std::vector<PipelinedRows>&>())) {
  using Result = decltype(fn(std::declval<pqxx::transaction_base&>(),
                             std::declval<const std::vector<PipelinedRows>&>()));
  static_assert(std::is_same_v<Result, Status> || internal::IsStatusOr<Result>::value,
                "the transaction body must return Status or StatusOr<T>");
  for (int attempt = 0;; ++attempt) {
    CABILDO_ASSIGN_OR_RETURN(PooledConnection connection, Acquire());
    internal::UnitOfWork unit(connection);
    std::vector<PipelinedRows> opened;
    try {
      opened = unit.Begin(opening);  // the first round trip
    } catch (...) {
      bool broken = false;
      Status status = StatusFromDbException(std::current_exception(), &broken);
      if (broken) connection.MarkBroken();
      // An idle connection that died meanwhile (the database restarted): the
      // others idle beside it are dead too, and nothing of `fn` has run, so
      // one fresh connection takes over instead of failing this request.
      if (broken && attempt == 0) {
        DropIdle();
        continue;
      }
      return status;
    }
    try {
      Result result = fn(unit.work(), opened);
      if (!result.ok()) return result;  // the unit of work rolls back
      unit.Commit();
      return result;
    } catch (...) {
      bool broken = false;
      Status status = StatusFromDbException(std::current_exception(), &broken);
      if (broken) connection.MarkBroken();
      return status;
    }
  }
}

template <typename Fn>
auto DbPool::InTransaction(Fn&& fn) -> decltype(fn(std::declval<pqxx::transaction_base&>())) {
  return InTransactionOpenedBy({}, [&](pqxx::transaction_base& work,
                                       const std::vector<PipelinedRows>&) { return fn(work); });
}

template <typename Fn>
auto DbPool::InScopedTransaction(const Scope& scope, Fn&& fn)
    -> decltype(fn(std::declval<pqxx::transaction_base&>())) {
  return InTransaction([&](pqxx::transaction_base& work) {
    ApplyScope(work, scope);
    return fn(work);
  });
}

}  // namespace cabildo::core
