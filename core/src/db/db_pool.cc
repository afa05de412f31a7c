#include "cabildo/core/db_pool.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "cabildo/core/log.h"

#include <libpq-fe.h>

namespace cabildo::core {
namespace {

constexpr const char* kPingStatement = "core.ping";
constexpr const char* kStatementTimeout = "core.set_statement_timeout";

// Bounds connecting so a black-holed database host costs seconds, not minutes.
std::string WithConnectTimeout(const std::string& url) {
  if (url.find("connect_timeout=") != std::string::npos) return url;
  const bool uri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  if (!uri) return url + " connect_timeout=3";  // keyword=value form
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=3";
}

// Parameterised (SET LOCAL cannot take a bind parameter); `true` = local to
// the transaction. Plain SET would leak the tenant into the next transaction
// on this pooled connection.
constexpr const char* kSetScopeSql =
    "SELECT set_config('cabildo.tenant_ids', $1, true), set_config('cabildo.user_id', $2, true)";

std::string FirstLine(const char* text) {
  std::string line(text);
  if (auto end = line.find('\n'); end != std::string::npos) line.resize(end);
  return line;
}

thread_local internal::TransactionFrame* current_frame = nullptr;

// The connection's PGconn, for pipeline mode, which libpqxx wraps only from
// version 7 (Debian 12 ships 6.4). libpqxx 6.4 keeps the accessor private and
// has no public one; an explicit instantiation may name a private member
// ([temp.spec.general]/6), so this template hands out a pointer to it. It is
// read at each use, so it follows libpqxx's own reconnects.
struct RawConnectionTag {
  using type = pqxx::internal::pq::PGconn* (pqxx::connection_base::*)() const;
};
template <typename Tag, typename Tag::type Member>
struct ExposeMember {
  friend typename Tag::type MemberOf(Tag) { return Member; }
};
RawConnectionTag::type MemberOf(RawConnectionTag);
template struct ExposeMember<RawConnectionTag, &pqxx::connection_base::raw_connection>;

PGconn* RawConnection(pqxx::connection_base& connection) {
  return (connection.*MemberOf(RawConnectionTag{}))();
}

// Sends `final`, COMMIT and BEGIN in one pipeline and reads their results.
// The BEGIN leaves the connection inside an (empty) transaction, as libpqxx
// believes it is, so its own COMMIT afterwards ends it cleanly. Returns false
// when `final` raised kFinalStatementConflict; throws when the connection
// failed.
bool SendWithCommit(pqxx::work& work, const FinalStatement& final) {
  PGconn* conn = RawConnection(work.conn());
  std::vector<const char*> values;
  values.reserve(final.params.size());
  for (const auto& param : final.params) values.push_back(param ? param->c_str() : nullptr);
  const bool queued =
      PQenterPipelineMode(conn) == 1 &&
      PQsendQueryPrepared(conn, final.name.c_str(), static_cast<int>(values.size()), values.data(),
                          nullptr, nullptr, 0) == 1 &&
      PQsendQueryParams(conn, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
      PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
      PQpipelineSync(conn) == 1;  // flushes: everything is on the wire
  if (!queued) {
    final.sent();
    const std::string why = FirstLine(PQerrorMessage(conn));
    while (PGresult* left = PQgetResult(conn)) PQclear(left);
    PQexitPipelineMode(conn);
    throw pqxx::broken_connection("no se pudo enviar el cierre de la transacción: " + why);
  }
  // Three statements (each result followed by a null), then the sync point.
  // `sent` runs once the final statement has answered, not when it left: by
  // then it holds whatever lock it takes (and PostgreSQL is already at the
  // COMMIT), so a statement that `sent` lets go next queues behind it, rather
  // than overtaking it on the way to the server.
  std::string error;
  bool conflict = false;
  bool answered = false;
  int nulls = 0;
  for (;;) {
    PGresult* result = PQgetResult(conn);
    if (!answered) {
      answered = true;
      final.sent();
    }
    if (result == nullptr) {
      if (++nulls > 3 || PQstatus(conn) == CONNECTION_BAD) break;
      continue;
    }
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_FATAL_ERROR && error.empty()) {
      const char* code = PQresultErrorField(result, PG_DIAG_SQLSTATE);
      conflict = code != nullptr && std::strcmp(code, kFinalStatementConflict) == 0;
      error = FirstLine(PQresultErrorMessage(result));
      if (error.empty()) error = "error";
    }
    PQclear(result);
    if (status == PGRES_PIPELINE_SYNC) break;
  }
  const bool left_pipeline = PQexitPipelineMode(conn) == 1;
  if (conflict) return false;
  if (!error.empty()) {
    // Not a conflict: a real failure of the statement or the commit.
    throw pqxx::sql_error(error);
  }
  if (!left_pipeline || PQstatus(conn) == CONNECTION_BAD) {
    throw pqxx::broken_connection("la conexión se perdió al confirmar la transacción");
  }
  return true;
}

}  // namespace

std::optional<FinalStatement>* FinalStatementSlot(pqxx::transaction_base& work) {
  if (current_frame == nullptr || current_frame->work_ != &work) return nullptr;
  return &current_frame->final_;
}

namespace internal {

TransactionFrame::TransactionFrame(pqxx::transaction_base& work)
    : work_(&work), outer_(current_frame) {
  current_frame = this;
}

TransactionFrame::~TransactionFrame() {
  current_frame = outer_;
  if (final_) final_->discarded();  // rolled back before it was sent
}

bool TransactionFrame::Commit(pqxx::work& work) {
  if (!final_) {
    work.commit();
    return true;
  }
  const FinalStatement final = std::move(*final_);
  final_.reset();
  if (!SendWithCommit(work, final)) {
    final.conflicted();
    return false;
  }
  work.commit();  // the empty transaction the pipeline opened
  return true;
}

}  // namespace internal

void ApplyScope(pqxx::transaction_base& work, const Scope& scope) {
  std::string ids;
  for (const auto& id : scope.tenant_ids) ids += (ids.empty() ? "" : ",") + id;
  ExecStatement(work, "core.set_scope", kSetScopeSql, ids, scope.user_id);
}

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)), broken_(other.broken_) {
  other.pool_ = nullptr;
}

PooledConnection::~PooledConnection() {
  if (pool_ != nullptr && connection_) pool_->Release(std::move(connection_), broken_);
}

DbPool::DbPool(DbPoolOptions options) : options_(std::move(options)) {
  Prepare(kPingStatement, "SELECT 1");
  Prepare(kStatementTimeout, "SELECT set_config('statement_timeout', $1, false)");
}

DbPool::~DbPool() = default;

void DbPool::Prepare(std::string name, std::string sql) {
  std::lock_guard lock(mutex_);
  if (frozen_) {
    LogError("sentencia preparada registrada tarde; se ignora", {{"statement", name}});
    return;
  }
  statements_.emplace_back(std::move(name), std::move(sql));
}

StatusOr<std::unique_ptr<pqxx::connection>> DbPool::Open() {
  try {
    auto connection = std::make_unique<pqxx::connection>(WithConnectTimeout(options_.url));
    for (const auto& [name, sql] : statements_) connection->prepare(name, sql);
    pqxx::nontransaction setup(*connection);
    setup.exec_prepared(kStatementTimeout, std::to_string(options_.statement_timeout.count()));
    return connection;
  } catch (const std::exception& error) {
    LogWarn("no se pudo abrir una conexión a PostgreSQL", {{"error", error.what()}});
    return UnavailableError("La base de datos no está disponible.");
  }
}

StatusOr<PooledConnection> DbPool::Acquire() {
  std::unique_lock lock(mutex_);
  frozen_ = true;
  const auto deadline = std::chrono::steady_clock::now() + options_.checkout_timeout;
  while (idle_.empty() && open_ >= options_.size) {
    if (released_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size) {
      return UnavailableError("Todas las conexiones a la base de datos están ocupadas.");
    }
  }
  ++in_use_;
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return PooledConnection(this, std::move(connection));
  }
  ++open_;  // reserve the slot, then connect without holding the lock
  lock.unlock();
  auto opened = Open();
  if (!opened.ok()) {
    lock.lock();
    --open_;
    --in_use_;
    released_.notify_one();
    return opened.status();
  }
  return PooledConnection(this, std::move(opened).value());
}

void DbPool::Release(std::unique_ptr<pqxx::connection> connection, bool broken) {
  std::lock_guard lock(mutex_);
  --in_use_;
  if (broken || !connection->is_open()) {
    --open_;
  } else {
    idle_.push_back(std::move(connection));
  }
  released_.notify_one();
}

void DbPool::DropIdle() {
  std::vector<std::unique_ptr<pqxx::connection>> dropped;
  {
    std::lock_guard lock(mutex_);
    open_ -= static_cast<int>(idle_.size());
    dropped.swap(idle_);
    released_.notify_all();
  }
  // Closed outside the lock: closing a dead socket can take a moment.
}

int DbPool::InUse() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

Status DbPool::Ping() {
  auto connection = Acquire();
  if (!connection.ok()) return connection.status();
  try {
    pqxx::nontransaction query(connection->get());
    query.exec_prepared(kPingStatement);
    return OkStatus();
  } catch (...) {
    bool broken = false;
    Status status = StatusFromDbException(std::current_exception(), &broken);
    connection->MarkBroken();  // a failed ping says nothing good about this connection
    return status;
  }
}

Status StatusFromDbException(std::exception_ptr error, bool* broken) {
  *broken = false;
  try {
    std::rethrow_exception(error);
  } catch (const pqxx::broken_connection& e) {
    *broken = true;
    LogWarn("conexión a PostgreSQL perdida", {{"error", e.what()}});
    return UnavailableError("La base de datos no está disponible.");
  } catch (const pqxx::unique_violation&) {
    return AlreadyExistsError("Ya existe un registro con esos datos.");
  } catch (const pqxx::foreign_key_violation&) {
    return FailedPreconditionError("El registro hace referencia a otro que no existe.");
  } catch (const pqxx::check_violation&) {
    return FailedPreconditionError("Los datos no cumplen las reglas del registro.");
  } catch (const pqxx::serialization_failure&) {
    return Status(StatusCode::kAborted, "Hubo un cambio simultáneo; intente de nuevo.");
  } catch (const pqxx::insufficient_privilege&) {
    // Row-level security refused the row: report it as absent, never as foreign.
    return NotFoundError("No encontrado.");
  } catch (const pqxx::in_doubt_error& e) {
    *broken = true;
    LogError("transacción en duda", {{"error", e.what()}});
    return UnavailableError("No se pudo confirmar la operación; verifique y reintente.");
  } catch (const pqxx::data_exception&) {
    // SQLSTATE class 22 (a date that does not exist, a number out of range,
    // bytes that are not UTF-8): the request's data, not the server, is wrong.
    return InvalidArgumentError("Un valor de la solicitud no es válido (fecha, número o texto).");
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "57014") {
      // statement_timeout: the database is overloaded or a lock is held.
      LogWarn("consulta cancelada por tiempo", {{"error", e.what()}});
      return UnavailableError("La base de datos tardó demasiado en responder.");
    }
    // Only the first line: PostgreSQL's DETAIL ("Failing row contains ...")
    // can echo the row's values, a password hash among them.
    LogError("error de SQL", {{"error", FirstLine(e.what())}, {"sqlstate", e.sqlstate()}});
    return InternalError("Error interno de la base de datos.");
  } catch (const std::exception& e) {
    LogError("excepción en una transacción", {{"error", e.what()}});
    *broken = true;  // unknown state: do not reuse
    return InternalError("Error interno.");
  } catch (...) {
    *broken = true;
    return InternalError("Error interno.");
  }
}

}  // namespace cabildo::core
