// The Cabildo plugin SDK: the only header a module includes.
//
// A module is a shared library `libcabildo_<name>.so` exporting exactly one
// symbol, `cabildo_plugin_v1`, a constant PluginDescriptor made by the
// CABILDO_PLUGIN macro. The host reads that struct first — magic, struct size,
// ABI version and toolchain — and refuses a library that does not match
// before calling anything in it (like PostgreSQL's PG_MODULE_MAGIC). Only then
// does it call `init`, which declares everything the module brings through the
// PluginRegistrar: permissions, migrations, JSON Schemas, routes (each with
// its parameters' types and body schemas), configuration schema, open-data
// exports. The host validates every request against a route's declaration
// before the handler runs, and generates the OpenAPI document from the same
// declarations. Nothing else of the host is reachable.
//
// std::string, nlohmann::json and pqxx types cross this boundary, so the ABI
// version and the toolchain must match exactly: build modules in Cabildo's
// CMake tree with cabildo_add_plugin().
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "cabildo/plugin/text_checks.h"
#include "cabildo/plugin/types.h"

namespace cabildo::plugin {

/// Bump when anything in this header changes shape.
/// 2: PluginRegistrar::AddExport (a new virtual: the vtable changed).
/// 3: streamed bodies (HttpResponse::stream and ::etag_basis, BodyWriter).
/// 4: RequestContext::Db() is a pqxx::transaction_base (the pool sends
///    BEGIN and COMMIT itself, to pipeline them).
/// 5: route declarations (typed path and query parameters, body schemas,
///    OpenAPI metadata), PluginRegistrar::AddSchema, SetOpenApi removed,
///    RequestContext::Body() (JsonBody removed), tenant().
/// 6: records other modules link to: PluginRegistrar::SetRecordDescriber,
///    RequestContext::DescribeRecord.
/// 7: personal data at rest: RequestContext::SealPersonalData,
///    OpenPersonalData, PersonalDataDigest; HttpResponse::fresh_until.
/// 8: interfaces of other standards (Open311): Route::body_format (form
///    bodies), Route::error_format (error arrays), `{name}.json` path
///    segments; RequestContext::client_address, RateLimit, NewSecret,
///    SecretDigest.
inline constexpr uint32_t kAbiVersion = 8;
inline constexpr uint32_t kMagic = 0x43424C44;  // "CBLD"

#define CABILDO_PLUGIN_STRINGIFY_INNER(x) #x
#define CABILDO_PLUGIN_STRINGIFY(x) CABILDO_PLUGIN_STRINGIFY_INNER(x)
/// Compiler, standard library and language level: all must match the host's.
#define CABILDO_PLUGIN_TOOLCHAIN                             \
  "gcc " __VERSION__ " libstdc++ " CABILDO_PLUGIN_STRINGIFY( \
      _GLIBCXX_RELEASE) " c++" CABILDO_PLUGIN_STRINGIFY(__cplusplus)

enum class HttpMethod { kGet, kPost, kPut, kPatch, kDelete };

/// Where a streamed body goes (HttpResponse::Stream). The host sends what is
/// written as HTTP chunks and waits while the client reads slower than the
/// producer writes, so a body of any size holds only a few chunks in memory.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  /// Appends to the body. False once the client has gone away or stopped
  /// reading for too long: stop producing and return.
  virtual bool Write(std::string_view bytes) = 0;
};

/// Produces a streamed body. It runs after the handler returned, in the same
/// request: the RequestContext and its transaction are still valid. Once
/// bytes are on the wire an error can no longer become a problem document, so
/// for a non-OK status the host cuts the connection before the final chunk:
/// the client sees a truncated download, never a complete-looking one.
using BodyProducer = std::function<Status(BodyWriter&)>;

/// What a route handler answers. Errors are better returned as a Status
/// (mapped to a problem document by the host) or built with FieldErrors().
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// Set (by Stream) instead of `body` for a 200 GET too large to hold: an
  /// export. Never cached in memory.
  BodyProducer stream;
  /// With `stream`: what identifies the content about to be produced (e.g.
  /// the tenants, the row count and the latest updated_at). The host derives
  /// the ETag from it, so a matching If-None-Match gets a 304 before any row
  /// is read.
  std::string etag_basis;
  /// For a public GET whose answer changes by itself at a known moment (a
  /// call's window opens or closes): the host's public cache keeps it no
  /// later than this. Unset: it changes only with a write (or at midnight
  /// in Mexico's central time, which every cached answer respects).
  std::optional<std::chrono::system_clock::time_point> fresh_until;

  static HttpResponse Json(int status, const nlohmann::json& body) {
    return {status,
            "application/json",
            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
            {},
            {},
            {},
            {}};
  }

  /// A response without a body, e.g. 204 after a DELETE.
  static HttpResponse Empty(int status) {
    HttpResponse response;
    response.status = status;
    response.content_type.clear();
    return response;
  }

  static HttpResponse Stream(std::string content_type, std::string etag_basis,
                             BodyProducer producer) {
    return {200, std::move(content_type), {}, {}, std::move(producer), std::move(etag_basis), {}};
  }
};

using ::cabildo::FieldError;

/// What a module may know about the request's tenant without reading
/// core.tenants itself. `parent_slug` and `inegi_code` are empty when none.
struct TenantFacts {
  std::string id;
  std::string slug;
  std::string name;
  std::string kind;  ///< "state", "municipality", ...
  std::string parent_slug;
  std::string inegi_code;
};

/// What a module says about one of its public records when another module
/// links to it (a commitment of open-government pointing at a public-works
/// project): enough to show the link, never the record itself.
struct RecordSummary {
  std::string title;
  std::string url;     ///< the record's API path, "/v1/tenants/durango/public-works/projects/<id>"
  std::string status;  ///< the module's own status word ("implementation"), may be empty
  std::optional<double> progress_pct;  ///< 0..100, when the record has a progress figure
};

/// A link to another module's record, as the host resolved it.
struct LinkedRecord {
  enum class State {
    kFound,           ///< `record` is set
    kNotFound,        ///< no such public record (missing, draft or deleted)
    kModuleDisabled,  ///< the module exists but the tenant has not enabled it
    kModuleUnknown,   ///< no module of that name is installed, or it describes no records
  };
  State state = State::kModuleUnknown;
  std::optional<RecordSummary> record;
};

/// The link as modules publish it: {"module", "ref", "state": "found" |
/// "not_found" | "module_disabled" | "module_unknown", and when found
/// "title", "url", "status", "progress_pct" (null when none)}.
inline nlohmann::json LinkedRecordJson(const std::string& module, const std::string& ref,
                                       const LinkedRecord& linked) {
  static constexpr const char* kStates[] = {"found", "not_found", "module_disabled",
                                            "module_unknown"};
  nlohmann::json out = {
      {"module", module}, {"ref", ref}, {"state", kStates[static_cast<int>(linked.state)]}};
  if (linked.state == LinkedRecord::State::kFound && linked.record) {
    out["title"] = linked.record->title;
    out["url"] = linked.record->url;
    out["status"] = linked.record->status;
    out["progress_pct"] = linked.record->progress_pct ? nlohmann::json(*linked.record->progress_pct)
                                                      : nlohmann::json(nullptr);
  }
  return out;
}

/// One request to a module route, as the host prepared it: the tenant is
/// resolved and has the module enabled, the caller is authenticated (or
/// anonymous) and holds the route's permission, the path parameters, the
/// declared query parameters and the body passed the route's declaration,
/// and Db() is a transaction confined by row-level security to exactly this
/// tenant. Valid only during the handler call.
class RequestContext {
 public:
  virtual ~RequestContext() = default;
  /// Shortcuts for tenant().id and tenant().slug that never touch the
  /// database (tenant() may, once, for the name and INEGI key).
  virtual const std::string& tenant_id() const = 0;
  virtual const std::string& tenant_slug() const = 0;
  virtual const TenantFacts& tenant() const = 0;
  virtual const Principal& principal() const = 0;
  virtual const std::string& request_id() const = 0;
  /// A query parameter the route declares (Route::query, or limit, cursor,
  /// updated_since, include_descendants when paged/descendants), already
  /// validated against its schema; nullopt when absent. Undeclared names are
  /// never seen: the host drops them.
  virtual std::optional<std::string> Query(const std::string& name) const = 0;
  /// A path parameter of the route's template (checked against its
  /// ParamType before the handler ran); empty for a name the path lacks.
  virtual const std::string& PathParam(const std::string& name) const = 0;
  virtual std::optional<std::string> Header(const std::string& lower_name) const = 0;
  /// The module's configuration for this tenant (validated against its schema).
  virtual const nlohmann::json& config() const = 0;
  /// The request body, read by the host's bounded parser and validated
  /// against Route::request_body; an empty object when the route has none.
  virtual const nlohmann::json& Body() const = 0;
  /// May the caller do `permission` on this tenant?
  virtual Access Authorize(const std::string& permission) = 0;
  /// The request's transaction; committed when the handler returns a 2xx.
  virtual pqxx::transaction_base& Db() = 0;
  /// Appends to this tenant's audit chain, in the same transaction. The host
  /// prefixes `action` with the module's name.
  virtual Status Audit(const std::string& action, const std::string& entity,
                       const std::string& entity_id, const nlohmann::json& changes) = 0;
  /// Audit of a change from `before` to `after` (objects, as GET returns the
  /// item): records only the top-level fields that differ, as
  /// {"before": {...}, "after": {...}}.
  Status Audit(const std::string& action, const std::string& entity, const std::string& entity_id,
               const nlohmann::json& before, const nlohmann::json& after) {
    nlohmann::json diff = {{"before", nlohmann::json::object()},
                           {"after", nlohmann::json::object()}};
    if (before.is_object()) {
      for (const auto& [key, value] : before.items()) {
        auto other = after.is_object() ? after.find(key) : after.end();
        if (!after.is_object() || other == after.end() || *other != value) {
          diff["before"][key] = value;
        }
      }
    }
    if (after.is_object()) {
      for (const auto& [key, value] : after.items()) {
        auto other = before.is_object() ? before.find(key) : before.end();
        if (!before.is_object() || other == before.end() || *other != value) {
          diff["after"][key] = value;
        }
      }
    }
    return Audit(action, entity, entity_id, diff);
  }
  /// A 422 problem document listing `errors`.
  virtual HttpResponse FieldErrors(const std::vector<FieldError>& errors) const = 0;

  /// The paging of a list request: `limit` (1..100, default 20), the key of
  /// the last item of the previous page (from a cursor the host signed, so a
  /// tampered cursor is a 400 before the handler runs), and `updated_since`
  /// (RFC 3339; when set, lists include tombstones for offline sync).
  struct Page {
    int limit = 20;
    nlohmann::json after;  ///< null on the first page
    std::string updated_since;
  };
  virtual StatusOr<Page> ReadPage() const = 0;
  /// The opaque next_cursor for the last item's key (e.g. [updated_at, id]).
  virtual std::string Cursor(const nlohmann::json& key) const = 0;
  /// The tenants a read covers: this one, or with `include_descendants=true`
  /// this one and every descendant that enabled the module. Re-scopes Db()
  /// (row-level security) to exactly those tenants.
  virtual StatusOr<std::vector<std::string>> ReadTenants() = 0;
  /// For PATCH/DELETE: kIfMatchFailed (412) when the request's If-Match
  /// differs from the ETag of `current`, the item as its GET returns it.
  /// Lock the row first (SELECT ... FOR UPDATE) so two writers cannot both pass.
  virtual Status CheckIfMatch(const nlohmann::json& current) const = 0;
  /// Another module's public record `ref` in tenant `tenant_id` (this tenant
  /// or one ReadTenants() returned), described by that module's
  /// RecordDescriber in this request's transaction. A module the tenant has
  /// not enabled, an unknown module or a missing record is a State, not an
  /// error: links are shown as they are. The host decides, in this order:
  /// kModuleUnknown (no such module, or no describer); kNotFound when
  /// `tenant_id` is neither this tenant nor one the last ReadTenants()
  /// returned (call ReadTenants() first to link in descendants); then
  /// kModuleDisabled; kNotFound for an empty ref or one over 256 bytes, a
  /// nullopt, or a describer that fails (error, exception or SQL error: it
  /// runs under a savepoint, is logged, and the answer is kept out of the
  /// public cache). An error status only when the database connection is
  /// lost. Costs one query per (tenant, module) per request, then three round
  /// trips per call (savepoint, the describer's query, release).
  virtual StatusOr<LinkedRecord> DescribeRecord(const std::string& tenant_id,
                                                const std::string& module,
                                                const std::string& ref) = 0;

  /// Personal data at rest (LGPDPPSO): `plaintext` sealed by the host with the
  /// instance's data key (CABILDO_DATA_KEY, kept in the configuration, never
  /// in the database) — libsodium XChaCha20-Poly1305 — and bound to this
  /// module and `context` (e.g. the record's id): a sealed value copied to
  /// another record or module does not open. Text ("v1." + base64) for a text
  /// column. kUnavailable (503) when the instance has no data key.
  virtual StatusOr<std::string> SealPersonalData(std::string_view plaintext,
                                                 std::string_view context) const = 0;
  /// The plaintext of SealPersonalData with the same `context`; kInternal
  /// when it does not open (another key, altered), kUnavailable without a key.
  virtual StatusOr<std::string> OpenPersonalData(std::string_view sealed,
                                                 std::string_view context) const = 0;
  /// A keyed digest (BLAKE2b-256 under the data key, 64 hex) of `value` for
  /// this module and `domain` (e.g. "curp"): equal values, equal digests — a
  /// unique index can enforce "one per CURP" — yet nobody without the key can
  /// test every possible CURP against the column. kUnavailable without a key.
  virtual StatusOr<std::string> PersonalDataDigest(std::string_view domain,
                                                   std::string_view value) const = 0;

  /// The client's address (behind trusted proxies, CABILDO_TRUSTED_PROXIES),
  /// canonical text: what per-address limits count.
  virtual const std::string& client_address() const = 0;
  /// Counts one use of `bucket` by `subject` (an address, an API key's id)
  /// and allows at most `limit` per the instance's rate-limit window
  /// (CABILDO_RATE_LIMIT_WINDOW, 60 s by default), shared by every replica
  /// like the host's own limits. kResourceExhausted (429, with Retry-After
  /// and RateLimit fields) once over; return it as is. `bucket` is [a-z0-9-]
  /// and names the limit in the RateLimit-Policy field; the host prefixes
  /// the module, so modules never share counters. limit <= 0: unlimited.
  virtual Status RateLimit(std::string_view bucket, std::string_view subject, int64_t limit) = 0;
  /// A new random secret (an API key, a token): 32 bytes from libsodium as
  /// 64 lower-case hex characters. Show it once; store only SecretDigest.
  virtual std::string NewSecret() const = 0;
  /// SHA-256 of a secret, 64 hex: what to store and look a presented secret
  /// up by (a secret of 256 random bits needs no salt or slow hash).
  virtual std::string SecretDigest(std::string_view secret) const = 0;
};

/// Runs `sql` as the prepared statement `name` in the request's transaction,
/// preparing it on that connection the first time: PostgreSQL parses and
/// plans it once per connection, not once per request. Every plugin statement
/// goes through these. `name` starts with the module's name
/// ("public-works.find_project") and always stands for the same `sql`.
template <typename... Args>
pqxx::result Exec(RequestContext& ctx, const std::string& name, const std::string& sql,
                  Args&&... args) {
  // libpqxx prepares lazily and accepts the same definition again.
  ctx.Db().conn().prepare(name, sql);
  return ctx.Db().exec_prepared(name, std::forward<Args>(args)...);
}

/// Exec for a statement that yields exactly one row (pqxx::unexpected_rows
/// otherwise).
template <typename... Args>
pqxx::row Exec1(RequestContext& ctx, const std::string& name, const std::string& sql,
                Args&&... args) {
  pqxx::result rows = Exec(ctx, name, sql, std::forward<Args>(args)...);
  if (rows.size() != 1) {
    throw pqxx::unexpected_rows("Se esperaba una fila de " + name + " y hubo " +
                                std::to_string(rows.size()) + ".");
  }
  return rows[0];
}

/// A plain decimal number ("-5", "1250.50", "0.5"): what a spreadsheet reads
/// as a number and never as a formula, so CsvCell keeps its sign as it is.
inline bool IsPlainNumber(const std::string& text) {
  size_t i = text.size() > 1 && text.front() == '-' ? 1 : 0;
  const size_t start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == start) return false;
  if (i == text.size()) return true;
  if (text[i] != '.') return false;
  const size_t fraction = ++i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  return i > fraction && i == text.size();
}

/// RFC 4180 CSV cell, safe against formula injection: a cell that a
/// spreadsheet would run (=, +, -, @, tab, CR first) gets a leading apostrophe,
/// unless it is a plain number such as "-5" or "-1250.50".
inline std::string CsvCell(const std::string& value) {
  std::string cell = value;
  if (!cell.empty() && std::string("=+-@\t\r").find(cell.front()) != std::string::npos &&
      !IsPlainNumber(cell)) {
    cell.insert(cell.begin(), '\'');
  }
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

/// One CSV line (CRLF-terminated, as RFC 4180 says).
inline std::string CsvRow(const std::vector<std::string>& cells) {
  std::string row;
  for (size_t i = 0; i < cells.size(); ++i) row += (i ? "," : "") + CsvCell(cells[i]);
  return row + "\r\n";
}

/// Collects small writes (one CSV line, one JSON item) into chunks of about
/// `chunk_bytes` for a BodyWriter: a chunk per row would cost a network
/// write per row.
class BodyBuffer {
 public:
  explicit BodyBuffer(BodyWriter& out, size_t chunk_bytes = 64 * 1024)
      : out_(out), chunk_bytes_(chunk_bytes) {
    buffer_.reserve(chunk_bytes_ + 1024);
  }
  BodyBuffer(const BodyBuffer&) = delete;
  BodyBuffer& operator=(const BodyBuffer&) = delete;

  /// False once the client is gone (everything after that is dropped).
  bool Append(std::string_view text) {
    if (!ok_) return false;
    buffer_.append(text);
    return buffer_.size() < chunk_bytes_ || Flush();
  }
  /// Sends what is buffered. Call once at the end.
  bool Flush() {
    if (ok_ && !buffer_.empty()) ok_ = out_.Write(buffer_);
    buffer_.clear();
    return ok_;
  }
  bool ok() const { return ok_; }

 private:
  BodyWriter& out_;
  const size_t chunk_bytes_;
  std::string buffer_;
  bool ok_ = true;
};

/// Writes a JSON array of objects one row at a time: each row is serialised,
/// appended and dropped, so an export never holds a DOM of the collection.
/// Invalid UTF-8 in a value is replaced by U+FFFD (never thrown), so the
/// output is always valid UTF-8 JSON.
///   plugin::BodyBuffer body(out);
///   plugin::JsonArrayWriter items(body);
///   for (...) if (!items.Add(ItemJson(row))) break;
///   items.Finish();
///   body.Flush();
class JsonArrayWriter {
 public:
  explicit JsonArrayWriter(BodyBuffer& out) : out_(out) { out_.Append("["); }
  JsonArrayWriter(const JsonArrayWriter&) = delete;
  JsonArrayWriter& operator=(const JsonArrayWriter&) = delete;

  /// Appends one row; false once the client is gone or after Finish().
  bool Add(const nlohmann::json& row) {
    if (finished_) return false;
    if (count_++ > 0) out_.Append(",");
    return out_.Append(row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  /// Closes the array (once; later calls do nothing).
  bool Finish() {
    if (finished_) return out_.ok();
    finished_ = true;
    return out_.Append("]");
  }
  size_t count() const { return count_; }

 private:
  BodyBuffer& out_;
  size_t count_ = 0;
  bool finished_ = false;
};

/// A BodyWriter that keeps the body in memory: for tests, and for a host
/// that has no network to stream to.
class StringBodyWriter final : public BodyWriter {
 public:
  bool Write(std::string_view bytes) override {
    body.append(bytes);
    ++writes;
    return true;
  }
  std::string body;
  size_t writes = 0;
};

/// Calls `each` for every row of `sql` (run with `args`), read through a
/// server-side cursor `batch` rows at a time, so a query of any size holds
/// one batch in memory; all rows come from one snapshot, taken when the
/// cursor opens. `each` returns false to stop early. `name` is prepared like
/// Exec's; the cursor is closed before this returns. The query is planned to
/// return all its rows (cursor_tuple_fraction 1 for the rest of the
/// transaction), not its first ones fast.
template <typename... Args>
void ForEachRow(RequestContext& ctx, const std::string& name, const std::string& sql,
                const std::function<bool(const pqxx::row&)>& each, Args&&... args) {
  constexpr const char* kFetch = "FETCH FORWARD 500 FROM cabildo_rows";
  constexpr size_t kBatch = 500;
  // A cursor is planned for its first 10 % by default (cursor_tuple_fraction):
  // fast-start plans that cost a whole export far more (the padrón's 1,000
  // rows: 52 ms instead of 6 ms). Every row is read here, so plan for all.
  Exec(ctx, "cabildo.cursor_reads_all", "SELECT set_config('cursor_tuple_fraction', '1', true)");
  Exec(ctx, name, "DECLARE cabildo_rows NO SCROLL CURSOR FOR " + sql, std::forward<Args>(args)...);
  bool more = true;
  while (more) {
    pqxx::result rows = Exec(ctx, "cabildo.fetch_rows", kFetch);
    more = rows.size() == kBatch;
    for (const auto& row : rows) {
      if (!each(row)) {
        more = false;
        break;
      }
    }
  }
  Exec(ctx, "cabildo.close_rows", "CLOSE cabildo_rows");
}

using RouteHandler = std::function<StatusOr<HttpResponse>(RequestContext&)>;

/// How the host checks a path parameter before the handler runs.
enum class ParamType {
  kUuid,     ///< lower-case canonical UUID; anything else is a 404 (no such item)
  kSlug,     ///< [a-z0-9-], 1..63; anything else is a 400
  kInteger,  ///< decimal digits, optional '-', fits int64; anything else is a 400
  kText,     ///< any text (already valid UTF-8 without control characters)
};

struct PathParam {
  std::string name;
  ParamType type = ParamType::kUuid;
  std::string description;  ///< Spanish, for the OpenAPI document
};

struct QueryParam {
  std::string name;
  /// A JSON Schema for the value (a string as sent, or a number/boolean when
  /// the schema's type says so), e.g. {{"$ref", "#/components/schemas/PublicWorksStatus"}}.
  nlohmann::json schema = {{"type", "string"}};
  std::string description;  ///< Spanish, for the OpenAPI document
  bool required = false;
};

/// How clients write a route's request body.
enum class BodyFormat {
  kJson,  ///< application/json (415 for any other media type)
  /// application/x-www-form-urlencoded (as Open311 clients send), or JSON.
  /// The host decodes the form (UTF-8, no control characters, at most 1,000
  /// fields, names up to 128 bytes) into the object the schema and Body()
  /// see: `a=1` -> {"a": "1"}; `a[]=1&a[]=2` -> {"a": ["1", "2"]};
  /// `a[k]=1` -> {"a": {"k": "1"}}; `a[k][]=1` -> {"a": {"k": ["1"]}}.
  /// Every value is a string, as sent. A plain name given twice, or deeper
  /// brackets, is a 400.
  kForm,
};

/// How the host writes a route's errors (its own and the handler's).
enum class ErrorFormat {
  kProblem,  ///< RFC 9457 problem documents, the house style
  /// Open311 GeoReport v2: a JSON array of {"code": <HTTP status>,
  /// "description": "..."}, one per field error; 422 is answered as 400 and
  /// 401 as 403, the statuses the specification uses.
  kOpen311,
};

/// One route, declared once: the host checks requests against it before the
/// handler runs and documents it in the OpenAPI document. Use designated
/// initializers:
///   registrar.AddRoute({.method = HttpMethod::kPost, .path = "/notes",
///                       .permission = kWrite, .operation_id = "exampleCreateNote",
///                       .summary = "Crear una nota", .request_body = "ExampleNoteInput",
///                       .response_body = "ExampleNote", .success_status = 201,
///                       .handler = &CreateNote});
struct Route {
  HttpMethod method = HttpMethod::kGet;
  /// Relative to /v1/tenants/{tenant}/<module>, e.g. "/notes/{id}"; a
  /// parameter may end its segment before a literal suffix, as in Open311's
  /// "/services/{service_code}.json" (the parameter is what precedes ".json").
  std::string path;
  std::string permission;              ///< required permission, or empty for a public route
  std::string operation_id;            ///< camelCase, unique in the instance ("exampleListNotes")
  std::string summary;                 ///< Spanish
  std::string description;             ///< Spanish, optional
  std::vector<PathParam> path_params;  ///< exactly the {names} of `path` (else refused at load)
  std::vector<QueryParam> query;       ///< the handler sees only these (plus the paging ones)
  bool paged = false;         ///< limit, cursor, updated_since: validated by the host (400)
  bool descendants = false;   ///< include_descendants=true|false (400 otherwise)
  std::string request_body;   ///< a schema name of the module, validated before the handler
                              ///< (422 with one FieldError per field); empty: no body
  std::string response_body;  ///< schema name of the success body (documentation), may be empty
  int success_status = 200;
  std::string response_media_type = "application/json";
  bool if_match = false;  ///< documents If-Match and its 412
  BodyFormat body_format = BodyFormat::kJson;
  ErrorFormat error_format = ErrorFormat::kProblem;
  RouteHandler handler;
};

/// {"items": [...], "next_cursor": ...} from the rows of a query run with
/// LIMIT page.limit + 1: `item` makes each item, `key` the cursor key (e.g.
/// [updated_at, id]) of the last item kept when there is a next page.
inline nlohmann::json PageJson(RequestContext& ctx, const RequestContext::Page& page,
                               const pqxx::result& rows,
                               const std::function<nlohmann::json(const pqxx::row&)>& item,
                               const std::function<nlohmann::json(const nlohmann::json&)>& key) {
  nlohmann::json items = nlohmann::json::array();
  nlohmann::json next = nullptr;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page.limit) {
      next = ctx.Cursor(key(items.back()));
      break;
    }
    items.push_back(item(row));
  }
  return {{"items", std::move(items)}, {"next_cursor", std::move(next)}};
}

/// PageJson as a 200 response.
inline HttpResponse PageOf(RequestContext& ctx, const RequestContext::Page& page,
                           const pqxx::result& rows,
                           const std::function<nlohmann::json(const pqxx::row&)>& item,
                           const std::function<nlohmann::json(const nlohmann::json&)>& key) {
  return HttpResponse::Json(200, PageJson(ctx, page, rows, item, key));
}

/// The lock -> If-Match -> write -> re-read -> audit sequence of a
/// PATCH/DELETE/action, as one call (ApplyChange).
struct Change {
  std::string action;  ///< "note.update" (the host prefixes the module)
  std::string entity;  ///< "note"
  std::string id;
  /// The item as GET returns it (nullopt: 404 with `not_found`); `lock`:
  /// SELECT ... FOR UPDATE.
  std::function<std::optional<nlohmann::json>(bool lock)> find;
  /// Writes. A returned HttpResponse (e.g. ctx.FieldErrors(...)) stops and
  /// is answered as is.
  std::function<StatusOr<std::optional<HttpResponse>>(const nlohmann::json& before)> write;
  std::string not_found = "No existe.";
  bool check_if_match = true;
  bool deletes = false;  ///< 204, no re-read, audit after = {"deleted": true}
};

inline StatusOr<HttpResponse> ApplyChange(RequestContext& ctx, const Change& change) {
  std::optional<nlohmann::json> before = change.find(/*lock=*/true);
  if (!before) return NotFoundError(change.not_found);
  if (change.check_if_match) CABILDO_RETURN_IF_ERROR(ctx.CheckIfMatch(*before));
  CABILDO_ASSIGN_OR_RETURN(std::optional<HttpResponse> stop, change.write(*before));
  if (stop) return std::move(*stop);
  if (change.deletes) {
    CABILDO_RETURN_IF_ERROR(ctx.Audit(change.action, change.entity, change.id, *before,
                                      nlohmann::json{{"deleted", true}}));
    return HttpResponse::Empty(204);
  }
  std::optional<nlohmann::json> after = change.find(/*lock=*/false);
  if (!after) return NotFoundError(change.not_found);
  CABILDO_RETURN_IF_ERROR(ctx.Audit(change.action, change.entity, change.id, *before, *after));
  return HttpResponse::Json(200, *after);
}

/// An open-data download the module publishes, listed by GET /v1/modules.
/// `path` must be one of the module's own GET routes (e.g. "/export.csv").
struct Export {
  std::string name;         ///< e.g. "proyectos-csv": [a-z0-9-], unique in the module
  std::string path;         ///< relative, like Route::path
  std::string format;       ///< "csv", "json", "oc4ids", ...
  std::string media_type;   ///< e.g. "text/csv; charset=utf-8"
  std::string description;  ///< in Spanish, for the portal's catalogue
};

/// Describes the module's public record `ref` of tenant `tenant_id` for
/// another module's link: nullopt when there is no such public record (a
/// malformed ref, a draft, a deleted one: the describer checks `ref` before
/// using it). Runs in the caller's transaction (`ctx` is the linking
/// module's request: use only ctx.Db()/Exec, never its tenant, config,
/// Authorize or Audit), so it reads only its own module's tables, filtered
/// by `tenant_id`, and writes nothing. Public records only, whoever asks:
/// the answer may be cached for anonymous readers. The host bumps every
/// module's public cache after a write to a module that has a describer, so
/// what it shows is never stale.
using RecordDescriber = std::function<StatusOr<std::optional<RecordSummary>>(
    RequestContext& ctx, const std::string& tenant_id, const std::string& ref)>;

/// Everything a module declares. Called only from `init`, single-threaded.
class PluginRegistrar {
 public:
  virtual ~PluginRegistrar() = default;
  /// `name` must start with "<module>."; `default_roles` get it by default.
  virtual void AddPermission(const std::string& name, const std::string& description,
                             const std::vector<std::string>& default_roles) = 0;
  /// NNNN_description.sql, applied on the module's own version track, by the
  /// owner role, after the core's migrations. Every table with a tenant_id
  /// gets forced row-level security and the standard tenant policy in one
  /// statement of the migration (the core helper, migrations/0009):
  ///   SELECT core.enable_tenant_rls('procedures.procedures');
  /// then the module grants cabildo_app what the table needs
  /// (GRANT USAGE ON SCHEMA ...; GRANT SELECT, INSERT ... TO cabildo_app).
  virtual void AddMigration(const std::string& file_name, const std::string& sql) = 0;
  /// A route (see Route); refused at load when malformed or when its
  /// method and path, or its operation_id, is taken.
  virtual void AddRoute(Route route) = 0;
  /// JSON Schema for the per-tenant configuration (validated by the same
  /// interpreter as request bodies).
  virtual void SetConfigSchema(const nlohmann::json& schema) = 0;
  /// A named JSON Schema (draft 2020-12 subset, the dialect of OpenAPI 3.1)
  /// that routes name as request_body/response_body and schemas refer to as
  /// {"$ref": "#/components/schemas/<Name>"}. `name` starts with the module's
  /// PascalCase name ("Example", "PublicWorks"). Published in the OpenAPI
  /// document's components exactly as given. Usually added from the
  /// module's schemas/ folder by RegisterEmbeddedFiles.
  virtual void AddSchema(const std::string& name, const nlohmann::json& schema) = 0;
  /// Declares an open-data export of one of the module's GET routes (checked
  /// after init, so it may come before or after the AddRoute).
  virtual void AddExport(Export declared) = 0;
  /// How other modules' links to this module's records are shown (optional:
  /// without one, links to the module show as "module_unknown").
  virtual void SetRecordDescriber(RecordDescriber describer) = 0;
};

/// The exported symbol's type. Plain data: reading it runs no code.
struct PluginDescriptor {
  uint32_t magic;
  uint32_t size;  ///< sizeof(PluginDescriptor) as the plugin saw it
  uint32_t abi_version;
  const char* toolchain;
  const char* name;
  const char* version;
  const char* description;
  const char* core_version_min;  ///< inclusive, "major.minor.patch"
  const char* core_version_max;  ///< exclusive
  /// Declares the module. Returns OK or why it cannot start.
  Status (*init)(PluginRegistrar& registrar);
};

}  // namespace cabildo::plugin

/// Defines the module's single exported symbol. Use once, at namespace scope:
///   CABILDO_PLUGIN("example", "1.0.0", "Notas de ejemplo", "0.1.0", "1.0.0", &Init)
#define CABILDO_PLUGIN(NAME, VERSION, DESCRIPTION, CORE_MIN, CORE_MAX, INIT) \
  extern "C" __attribute__((visibility("default")))                          \
  const ::cabildo::plugin::PluginDescriptor cabildo_plugin_v1 = {            \
      ::cabildo::plugin::kMagic,                                             \
      sizeof(::cabildo::plugin::PluginDescriptor),                           \
      ::cabildo::plugin::kAbiVersion,                                        \
      CABILDO_PLUGIN_TOOLCHAIN,                                              \
      NAME,                                                                  \
      VERSION,                                                               \
      DESCRIPTION,                                                           \
      CORE_MIN,                                                              \
      CORE_MAX,                                                              \
      INIT}
