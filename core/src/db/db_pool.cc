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

thread_local internal::UnitOfWork* current_unit = nullptr;

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

// One step of a pipeline: a parameterless command (BEGIN, COMMIT) or a
// prepared statement.
struct PipelineStep {
  const char* command = nullptr;
  const PipelinedStatement* statement = nullptr;
};

// How one step ended.
struct StepOutcome {
  PipelinedRows rows;
  std::string sqlstate;  // empty when it succeeded
  std::string error;     // first line of the error message
  std::string command_status;
  bool ran = false;  // false: skipped after an earlier step failed
};

PipelinedRows RowsOf(PGresult* result) {
  PipelinedRows out;
  const int rows = PQntuples(result);
  const int columns = PQnfields(result);
  out.rows.resize(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    auto& row = out.rows[static_cast<size_t>(r)];
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result, r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(PQgetvalue(result, r, c), static_cast<size_t>(PQgetlength(result, r, c))));
      }
    }
  }
  return out;
}

// Sends every step in one libpq pipeline and reads every result; the steps
// run in order, and after a failed one PostgreSQL skips the rest. Throws
// pqxx::broken_connection when the connection failed.
std::vector<StepOutcome> RunPipeline(pqxx::connection_base& connection,
                                     const std::vector<PipelineStep>& steps) {
  PGconn* conn = RawConnection(connection);
  bool queued = PQenterPipelineMode(conn) == 1;
  std::vector<const char*> values;
  for (const auto& step : steps) {
    if (!queued) break;
    if (step.command != nullptr) {
      queued = PQsendQueryParams(conn, step.command, 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
      continue;
    }
    values.clear();
    for (const auto& param : step.statement->params) {
      values.push_back(param ? param->c_str() : nullptr);
    }
    queued =
        PQsendQueryPrepared(conn, step.statement->name.c_str(), static_cast<int>(values.size()),
                            values.data(), nullptr, nullptr, 0) == 1;
  }
  queued = queued && PQpipelineSync(conn) == 1;  // flushes: everything is on the wire
  if (!queued) {
    const std::string why = FirstLine(PQerrorMessage(conn));
    while (PGresult* left = PQgetResult(conn)) PQclear(left);
    PQexitPipelineMode(conn);
    throw pqxx::broken_connection("no se pudo enviar a PostgreSQL: " + why);
  }
  // Each step's result is followed by a null; then the sync point.
  std::vector<StepOutcome> outcomes(steps.size());
  size_t step = 0;
  int nulls = 0;
  for (;;) {
    PGresult* result = PQgetResult(conn);
    if (result == nullptr) {
      if (PQstatus(conn) == CONNECTION_BAD || ++nulls > static_cast<int>(steps.size())) break;
      ++step;
      continue;
    }
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_PIPELINE_SYNC) {
      PQclear(result);
      break;
    }
    if (step < outcomes.size()) {
      StepOutcome& outcome = outcomes[step];
      outcome.ran = status != PGRES_PIPELINE_ABORTED;
      if (status == PGRES_TUPLES_OK) outcome.rows = RowsOf(result);
      if (status == PGRES_FATAL_ERROR) {
        const char* code = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        outcome.sqlstate = code != nullptr ? code : "XX000";
        outcome.error = FirstLine(PQresultErrorMessage(result));
      }
      outcome.command_status = PQcmdStatus(result);
    }
    PQclear(result);
  }
  const bool left_pipeline = PQexitPipelineMode(conn) == 1;
  if (!left_pipeline || PQstatus(conn) == CONNECTION_BAD) {
    throw pqxx::broken_connection("la conexión a PostgreSQL se perdió");
  }
  return outcomes;
}

// Throws the failure of a step as libpqxx would (its SQLSTATE kept, so
// StatusFromDbException maps it), or broken_connection for a step that never
// ran without an earlier one failing.
void ThrowIfFailed(const StepOutcome& outcome) {
  if (!outcome.sqlstate.empty()) {
    if (outcome.sqlstate.rfind("22", 0) == 0) throw pqxx::data_exception(outcome.error);
    throw pqxx::sql_error(outcome.error, "", outcome.sqlstate.c_str());
  }
  if (!outcome.ran) throw pqxx::broken_connection("PostgreSQL no ejecutó la sentencia");
}

// A transaction-control command on its own; throws unless PostgreSQL
// answered with `expected` as its command status (a COMMIT of a failed
// transaction answers ROLLBACK, and must not pass for a commit).
void RunControl(pqxx::connection_base& connection, const char* command, const char* expected) {
  PGconn* conn = RawConnection(connection);
  PGresult* result = PQexec(conn, command);
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  const std::string tag = result != nullptr ? PQcmdStatus(result) : "";
  const std::string why =
      FirstLine(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  PQclear(result);
  if (PQstatus(conn) == CONNECTION_BAD) {
    throw pqxx::broken_connection("la conexión a PostgreSQL se perdió: " + why);
  }
  if (status != PGRES_COMMAND_OK) throw pqxx::sql_error(why.empty() ? command : why);
  if (tag != expected) {
    throw pqxx::sql_error(std::string(command) + " respondió " + tag + "; no se confirmó nada");
  }
}

}  // namespace

const std::string& PipelinedRows::Text(size_t row, size_t column) const {
  static const std::string kNull;
  const auto& field = rows.at(row).at(column);
  return field ? *field : kNull;
}

std::optional<FinalStatement>* FinalStatementSlot(pqxx::transaction_base& work) {
  if (current_unit == nullptr || &current_unit->work_ != &work) return nullptr;
  return &current_unit->final_;
}

namespace internal {

UnitOfWork::UnitOfWork(PooledConnection& connection)
    : connection_(connection), work_(connection.get()), outer_(current_unit) {
  current_unit = this;
}

UnitOfWork::~UnitOfWork() {
  current_unit = outer_;
  if (!open_) return;
  try {
    RunControl(connection_.get(), "ROLLBACK", "ROLLBACK");
  } catch (...) {
    connection_.MarkBroken();  // its transaction state is unknown: never reuse it
  }
}

std::vector<PipelinedRows> UnitOfWork::Begin(const std::vector<PipelinedStatement>& opening) {
  if (opening.empty()) {
    RunControl(connection_.get(), "BEGIN", "BEGIN");
    open_ = true;
    return {};
  }
  std::vector<PipelineStep> steps{{"BEGIN", nullptr}};
  for (const auto& statement : opening) {
    connection_.get().prepare_now(statement.name);  // once per connection
    steps.push_back({nullptr, &statement});
  }
  open_ = true;  // from here on, whatever happened, ROLLBACK is due
  auto outcomes = RunPipeline(connection_.get(), steps);
  std::vector<PipelinedRows> rows;
  rows.reserve(opening.size());
  for (auto& outcome : outcomes) ThrowIfFailed(outcome);
  for (size_t i = 1; i < outcomes.size(); ++i) rows.push_back(std::move(outcomes[i].rows));
  return rows;
}

void UnitOfWork::Commit() {
  if (!final_) {
    RunControl(connection_.get(), "COMMIT", "COMMIT");
    open_ = false;
    return;
  }
  const FinalStatement final = std::move(*final_);
  final_.reset();
  auto outcomes =
      RunPipeline(connection_.get(), {{nullptr, &final.statement}, {"COMMIT", nullptr}});
  for (const auto& outcome : outcomes) ThrowIfFailed(outcome);
  if (outcomes[1].command_status != "COMMIT") {
    throw pqxx::sql_error("COMMIT respondió " + outcomes[1].command_status);
  }
  open_ = false;
  if (final.sent) final.sent();
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
  CABILDO_ASSIGN_OR_RETURN(PooledConnection connection, Acquire());
  try {
    pqxx::nontransaction query(connection.get());
    query.exec_prepared(kPingStatement);
    return OkStatus();
  } catch (...) {
    bool broken = false;
    Status status = StatusFromDbException(std::current_exception(), &broken);
    connection.MarkBroken();  // a failed ping says nothing good about this connection
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
    return UnprocessableError("El registro hace referencia a otro que no existe.");
  } catch (const pqxx::check_violation&) {
    return UnprocessableError("Los datos no cumplen las reglas del registro.");
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
