// Plugin routes under /v1/tenants/{tenant}/<module>/ and the module
// endpoints of api-core.md. Every module route gets the same preparation:
// caller, tenant, enabled-module check, permission, scoped transaction.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "cabildo/core/audit.h"
#include "cabildo/core/crypto.h"
#include "cabildo/core/log.h"
#include "cabildo/core/plugin_host.h"
#include "cabildo/core/tenants.h"

#include "conditional_requests.h"
#include "form_body.h"
#include "idempotency.h"
#include "openapi.h"
#include "public_reads.h"
#include "route_support.h"
#include "tenant_lifecycle_routes.h"

namespace cabildo::api {
namespace {

using core::LoadedPlugin;
using core::Principal;
using nlohmann::json;

// The longest `ref` a link may carry to a describer (a UUID is 36 bytes).
constexpr std::size_t kMaxLinkRefBytes = 256;

Method ToMethod(plugin::HttpMethod method) {
  switch (method) {
    case plugin::HttpMethod::kGet:
      return Method::kGet;
    case plugin::HttpMethod::kPost:
      return Method::kPost;
    case plugin::HttpMethod::kPut:
      return Method::kPut;
    case plugin::HttpMethod::kPatch:
      return Method::kPatch;
    case plugin::HttpMethod::kDelete:
      return Method::kDelete;
  }
  return Method::kGet;
}

// What the host derives from one route's declaration at start-up, so a
// request rebuilds nothing: the query names the handler may see (sorted) and
// where each declared parameter's schema is.
struct RouteSpec {
  std::vector<std::string> declared_query;
  // The route's permission is granted to every account by default (role
  // `citizen`: apply for a scholarship): its audit entries name the actor by
  // a masked email, as the actor is then usually a private person whose
  // email may be the very personal data the module protects.
  bool open_to_every_account = false;
  std::vector<std::pair<const plugin::QueryParam*, std::string /*schema name*/>> query;
};

class ModuleRequestContext final : public plugin::RequestContext {
 public:
  ModuleRequestContext(AppContext& app, const Request& request, const Principal& principal,
                       const core::TenantRef& tenant, json config, pqxx::transaction_base& work,
                       const std::string& module)
      : app_(app),
        request_(request),
        principal_(principal),
        tenant_(tenant),
        config_(std::move(config)),
        work_(work),
        module_(module) {}

  using plugin::RequestContext::Audit;

  const std::string& tenant_id() const override { return tenant_.id; }
  const std::string& tenant_slug() const override { return tenant_.slug; }
  // Name and INEGI key are read on first use only: most handlers never ask.
  const plugin::TenantFacts& tenant() const override {
    if (!facts_) {
      plugin::TenantFacts facts{tenant_.id,
                                tenant_.slug,
                                "",
                                tenant_.kind,
                                tenant_.chain.size() > 1 ? tenant_.chain[1] : "",
                                ""};
      auto rows = work_.exec_prepared("core.module_tenant_facts", tenant_.id);
      if (!rows.empty()) {
        facts.name = rows[0][0].as<std::string>();
        facts.inegi_code = rows[0][1].as<std::string>();
      }
      facts_ = std::move(facts);
    }
    return *facts_;
  }
  const Principal& principal() const override { return principal_; }
  const std::string& request_id() const override { return request_.request_id; }
  std::optional<std::string> Query(const std::string& name) const override {
    return request_.Query(name);
  }
  const std::string& PathParam(const std::string& name) const override {
    static const std::string kNone;
    auto it = request_.path_params.find(name);
    return it == request_.path_params.end() ? kNone : it->second;
  }
  std::optional<std::string> Header(const std::string& lower_name) const override {
    return request_.Header(lower_name);
  }
  const json& config() const override { return config_; }
  const json& Body() const override { return body_; }
  void SetBody(json body) { body_ = std::move(body); }
  // Asked once per permission: a handler may ask again (a list asks
  // whether the caller sees drafts), and the route's own is known already.
  core::Access Authorize(const std::string& permission) override {
    auto known = access_.find(permission);
    if (known != access_.end()) return known->second;
    const core::Access access = core::Authorize(work_, principal_, permission, tenant_.id);
    access_.emplace(permission, access);
    return access;
  }
  // Audit entries name the actor as "c*****@correo.mx" (user id kept).
  void MaskActorEmail() { mask_actor_email_ = true; }
  void RememberAccess(const std::string& permission, core::Access access) {
    access_.emplace(permission, access);
  }
  pqxx::transaction_base& Db() override { return work_; }
  Status Audit(const std::string& action, const std::string& entity, const std::string& entity_id,
               const json& changes) override {
    core::AuditEvent event{tenant_.id,
                           principal_.user_id,
                           !principal_.authenticated() ? "anónimo"
                           : mask_actor_email_         ? plugin::MaskEmail(principal_.email)
                                                       : principal_.email,
                           module_ + "." + action,
                           entity,
                           entity_id,
                           changes};
    return core::AppendAudit(work_, event);
  }
  StatusOr<std::string> SealPersonalData(std::string_view plaintext,
                                         std::string_view context) const override {
    CABILDO_ASSIGN_OR_RETURN(const core::DataKey* key, DataKeyOrUnavailable());
    return key->Seal(plaintext, PersonalDataContext(context));
  }
  StatusOr<std::string> OpenPersonalData(std::string_view sealed,
                                         std::string_view context) const override {
    CABILDO_ASSIGN_OR_RETURN(const core::DataKey* key, DataKeyOrUnavailable());
    return key->Open(sealed, PersonalDataContext(context));
  }
  StatusOr<std::string> PersonalDataDigest(std::string_view domain,
                                           std::string_view value) const override {
    CABILDO_ASSIGN_OR_RETURN(const core::DataKey* key, DataKeyOrUnavailable());
    return key->Digest(PersonalDataContext(domain), value);
  }
  const std::string& client_address() const override { return request_.remote_address; }
  Status RateLimit(std::string_view bucket, std::string_view subject, int64_t limit) override {
    if (!plugin::IsLowerName(std::string(bucket), 1, 63, /*letter_first=*/true)) {
      return InternalError("RateLimit: nombre de límite no válido en el módulo " + module_);
    }
    return CheckModuleLimit(app_.limits, request_, module_ + "." + std::string(bucket),
                            std::string(subject), limit);
  }
  std::string NewSecret() const override { return core::RandomHex(32); }
  std::string SecretDigest(std::string_view secret) const override {
    return core::Sha256Hex(secret);
  }
  plugin::HttpResponse FieldErrors(const std::vector<plugin::FieldError>& errors) const override {
    Response problem = ValidationProblem(request_, errors);
    return {problem.status, problem.content_type, problem.body, problem.headers, {}, {}, {}};
  }

  StatusOr<Page> ReadPage() const override {
    if (page_) return *page_;
    return ParsePage();
  }
  // Once, before the handler, for a paged route: the handler's ReadPage then
  // costs nothing (the cursor's MAC is checked once).
  Status PreparePage() {
    CABILDO_ASSIGN_OR_RETURN(page_, ParsePage());
    return OkStatus();
  }

  StatusOr<Page> ParsePage() const {
    Page page;
    if (auto text = request_.Query("limit")) {
      char* end = nullptr;
      const long limit = std::strtol(text->c_str(), &end, 10);
      if (text->empty() || *end != '\0' || limit < 1 || limit > 100) {
        return InvalidArgumentError("limit debe ser un entero entre 1 y 100.");
      }
      page.limit = static_cast<int>(limit);
    }
    if (auto cursor = request_.Query("cursor")) {
      auto signed_payload = VerifyCursor(app_.CursorKey(), *cursor);
      // A cursor is bound to the list that issued it: replayed on another
      // route, its key could have another shape.
      if (!signed_payload || !signed_payload->is_object() ||
          signed_payload->value("r", "") != request_.route || !signed_payload->contains("k")) {
        return InvalidArgumentError("El cursor no es válido para esta lista; empiece sin cursor.");
      }
      page.after = (*signed_payload)["k"];
    }
    if (auto since = request_.Query("updated_since")) {
      if (!plugin::IsRfc3339Timestamp(*since)) {
        return InvalidArgumentError(
            "updated_since debe ser una fecha RFC 3339, p. ej. "
            "2026-01-31T12:00:00Z.");
      }
      page.updated_since = *since;
    }
    return page;
  }

  std::string Cursor(const json& key) const override {
    return SignCursor(app_.CursorKey(), json{{"r", request_.route}, {"k", key}});
  }

  StatusOr<std::vector<std::string>> ReadTenants() override {
    const auto flag = request_.Query("include_descendants").value_or("false");
    if (flag != "true" && flag != "false") {
      return InvalidArgumentError("include_descendants debe ser true o false.");
    }
    if (flag == "false") return std::vector<std::string>{tenant_.id};
    std::vector<std::string> subtree = core::TenantSubtree(work_, tenant_.id);
    core::ApplyScope(work_, core::Scope{subtree, principal_.user_id});
    std::string array = "{";
    for (const auto& id : subtree) array += (array.size() > 1 ? "," : "") + id;
    array += "}";
    std::vector<std::string> enabled;
    for (const auto& row : work_.exec_prepared("core.module_enabled_in", array, module_)) {
      enabled.push_back(row[0].as<std::string>());
    }
    core::ApplyScope(work_, core::Scope{enabled, principal_.user_id});
    read_tenants_ = enabled;
    return enabled;
  }

  Status CheckIfMatch(const json& current) const override {
    return IfMatchCurrent(request_, current);
  }

  // A link to another module's record (issue 17). In this order, so that
  // nothing about a tenant outside this request is ever read: a module not
  // installed or without a describer is kModuleUnknown; a tenant that is
  // neither this request's nor one ReadTenants() returned is kNotFound (as
  // if the record did not exist); a module that tenant has not enabled is
  // kModuleDisabled; an empty or oversized ref, or a describer that answers
  // nullopt, fails or throws, is kNotFound. The describer runs in this
  // transaction under a savepoint, so its SQL error is rolled back alone and
  // the linking module's request goes on; the failure is logged and the
  // answer is not stored in the public cache (it may be transient). Only a
  // lost connection is an error (the transaction is gone anyway).
  StatusOr<plugin::LinkedRecord> DescribeRecord(const std::string& tenant_id,
                                                const std::string& module,
                                                const std::string& ref) override {
    using State = plugin::LinkedRecord::State;
    plugin::LinkedRecord linked;  // kModuleUnknown
    const LoadedPlugin* target = nullptr;
    if (plugin::IsLowerName(module, 1, 63, /*letter_first=*/true)) {
      for (const auto& loaded : app_.plugins.loaded) {
        if (loaded.name == module) target = &loaded;
      }
    }
    if (target == nullptr || !target->describer) return linked;
    linked.state = State::kNotFound;
    if (tenant_id != tenant_.id &&
        std::find(read_tenants_.begin(), read_tenants_.end(), tenant_id) == read_tenants_.end()) {
      return linked;
    }
    auto known = enabled_.find({tenant_id, module});
    if (known == enabled_.end()) {
      const bool enabled = !work_.exec_prepared("core.module_enabled", tenant_id, module).empty();
      known = enabled_.emplace(std::make_pair(tenant_id, module), enabled).first;
    }
    if (!known->second) {
      linked.state = State::kModuleDisabled;
      return linked;
    }
    if (ref.empty() || ref.size() > kMaxLinkRefBytes) return linked;
    if (describing_) {
      // A describer asking for another link: refused, never a loop.
      core::LogError("un descriptor de registros pidió otro enlace; se responde not_found",
                     {{"request_id", request_.request_id}, {"module", module}});
      cacheable_ = false;
      return linked;
    }
    work_.exec("SAVEPOINT cabildo_describe");
    StatusOr<std::optional<plugin::RecordSummary>> described =
        std::optional<plugin::RecordSummary>();
    bool failed = false;
    std::string failure;
    describing_ = true;
    try {
      described = target->describer(*this, tenant_id, ref);
      failed = !described.ok();
      if (failed) failure = described.status().message();
    } catch (const pqxx::broken_connection&) {
      describing_ = false;
      throw;
    } catch (const std::exception& error) {
      failed = true;
      failure = error.what();
    } catch (...) {
      failed = true;
      failure = "excepción desconocida";
    }
    describing_ = false;
    if (failed) {
      work_.exec("ROLLBACK TO SAVEPOINT cabildo_describe; RELEASE SAVEPOINT cabildo_describe");
      core::LogError("el descriptor de registros falló; el enlace se muestra como not_found",
                     {{"request_id", request_.request_id},
                      {"module", module},
                      {"linking_module", module_},
                      {"error", failure.substr(0, failure.find('\n'))}});
      cacheable_ = false;
      return linked;
    }
    work_.exec("RELEASE SAVEPOINT cabildo_describe");
    if (!described->has_value()) return linked;
    linked.state = State::kFound;
    linked.record = std::move(**described);
    // What a describer says is passed on, within bounds: a progress figure
    // is a number from 0 to 100 or none.
    auto& progress = linked.record->progress_pct;
    if (progress && !std::isfinite(*progress)) progress.reset();
    if (progress) *progress = std::clamp(*progress, 0.0, 100.0);
    return linked;
  }

  // False when the answer must not be stored in the public cache: a linked
  // record's describer failed, and its not_found may be a passing failure.
  bool cacheable() const { return cacheable_; }

 private:
  StatusOr<const core::DataKey*> DataKeyOrUnavailable() const {
    if (!app_.config.data_key) {
      return UnavailableError(
          "Este servicio no puede guardar ni mostrar datos personales: la instancia no tiene "
          "configurada la clave de cifrado (CABILDO_DATA_KEY).");
    }
    return &*app_.config.data_key;
  }
  // Bound to the module: another module's context never opens this one's data.
  std::string PersonalDataContext(std::string_view context) const {
    return core::PersonalDataBinding(module_, context);
  }

  AppContext& app_;
  const Request& request_;
  const Principal& principal_;
  const core::TenantRef& tenant_;
  json config_;
  pqxx::transaction_base& work_;
  const std::string& module_;
  std::map<std::string, core::Access> access_;  // permission -> what Authorize said
  bool mask_actor_email_ = false;
  json body_ = json::object();
  std::optional<Page> page_;
  mutable std::optional<plugin::TenantFacts> facts_;
  // Links: the tenants ReadTenants() returned (DescribeRecord may read
  // them), which (tenant, module) pairs are enabled, and whether a describer
  // is running now.
  std::vector<std::string> read_tenants_;
  std::map<std::pair<std::string, std::string>, bool> enabled_;
  bool describing_ = false;
  bool cacheable_ = true;
};

bool IsInteger(const std::string& text) {
  if (text.empty() || text.size() > 19) return false;
  const size_t digits = text[0] == '-' ? 1 : 0;
  if (digits == text.size()) return false;
  for (size_t i = digits; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

// Typed path parameters: a malformed id names nothing (404); a malformed
// slug or number is the client's mistake (400).
std::optional<Status> CheckPathParams(const Request& request, const plugin::Route& route) {
  for (const auto& param : route.path_params) {
    auto it = request.path_params.find(param.name);
    const std::string value = it == request.path_params.end() ? "" : it->second;
    switch (param.type) {
      case plugin::ParamType::kUuid:
        if (!plugin::IsLowerUuid(value)) return NotFoundError("No existe.");
        break;
      case plugin::ParamType::kSlug:
        if (!plugin::IsLowerName(value, 1, 63, /*letter_first=*/false)) {
          return InvalidArgumentError("El parámetro " + param.name +
                                      " de la ruta debe ser un nombre en minúsculas, dígitos y "
                                      "guiones (hasta 63).");
        }
        break;
      case plugin::ParamType::kInteger:
        if (!IsInteger(value)) {
          return InvalidArgumentError("El parámetro " + param.name +
                                      " de la ruta debe ser un número entero.");
        }
        break;
      case plugin::ParamType::kText:
        break;
    }
  }
  return std::nullopt;
}

// A query value as its schema's type reads it: "5" is the number 5 for an
// integer parameter, "true" the boolean; otherwise (and when it does not
// parse) the text itself, which the schema then refuses.
json QueryValue(const core::SchemaSet& schemas, const json& schema, const std::string& text) {
  const json* node = &schema;
  if (auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
    static const std::string kPrefix = "#/components/schemas/";
    const std::string& target = ref->get_ref<const std::string&>();
    if (target.rfind(kPrefix, 0) == 0 && schemas.Has(target.substr(kPrefix.size()))) {
      node = &schemas.Get(target.substr(kPrefix.size()));
    }
  }
  const std::string type = node->is_object() ? node->value("type", "") : "";
  if (type == "boolean") {
    if (text == "true") return true;
    if (text == "false") return false;
  } else if ((type == "integer" || type == "number") && !text.empty() && text.size() <= 32) {
    if (IsInteger(text)) return std::stoll(text);
    char* end = nullptr;
    const double number = std::strtod(text.c_str(), &end);
    if (*end == '\0' && std::isfinite(number) && text.find_first_of("xXnN") == std::string::npos) {
      return number;
    }
  }
  return text;
}

// Declared query parameters against their schemas (400 naming each).
std::optional<Response> CheckQuery(const Request& request, const core::SchemaSet& schemas,
                                   const RouteSpec& spec) {
  std::vector<FieldError> errors;
  for (const auto& [param, schema_name] : spec.query) {
    auto value = request.Query(param->name);
    if (!value) {
      if (param->required) errors.push_back({param->name, "Este parámetro es obligatorio."});
      continue;
    }
    for (auto& error : schemas.Validate(schema_name, QueryValue(schemas, param->schema, *value))) {
      error.field = param->name;
      errors.push_back(std::move(error));
    }
  }
  if (errors.empty()) return std::nullopt;
  std::string names;
  for (const auto& error : errors) names += (names.empty() ? "" : ", ") + error.field;
  return Problem(400, "Parámetros de consulta no válidos: " + names + ".", request.request_id,
                 errors);
}

// Passes a producer's writes to the network body, remembering whether the
// client is still there.
class NetworkBodyWriter final : public plugin::BodyWriter {
 public:
  explicit NetworkBodyWriter(ChunkedBody& body) : body_(body) {}
  bool Write(std::string_view bytes) override { return body_.Write(bytes); }

 private:
  ChunkedBody& body_;
};

// A handler's streamed body (an export), produced while its transaction is
// still open. The ETag comes from the handler's `version` of the content, so
// a revalidation gets its 304 before a row is read. Without a network (router
// tests) the body is produced into memory instead.
Response SendStream(Request& request, plugin::HttpResponse& response) {
  Response head{200, response.content_type, "", response.headers, {}};
  const std::string etag = StreamEtag(request, response.etag_basis);
  if (auto not_modified = NotModified(request, etag)) return *not_modified;
  if (request.method == Method::kHead || !request.open_stream) {
    plugin::StringBodyWriter memory;
    if (request.method != Method::kHead) {
      Status produced = response.stream(memory);
      if (!produced.ok()) return ProblemFromStatus(produced, request.request_id);
    }
    head.body = std::move(memory.body);
    head.etag = etag;
    head.length_unknown = request.method == Method::kHead;
    return head;
  }
  head.headers.emplace_back("ETag", etag);
  std::unique_ptr<ChunkedBody> body = request.open_stream(head);
  if (!body) {
    Response busy =
        Problem(503, "Hay demasiadas descargas en curso; intente de nuevo en unos segundos.",
                request.request_id);
    busy.headers.emplace_back("Retry-After", "5");
    return busy;
  }
  NetworkBodyWriter writer(*body);
  Status produced = OkStatus();
  try {
    produced = response.stream(writer);
  } catch (const std::exception& error) {
    produced = InternalError(error.what());
  }
  if (produced.ok()) {
    body->Finish();
  } else {
    body->Abort();
    // First line only: PostgreSQL's DETAIL can quote row values.
    const std::string& why = produced.message();
    core::LogError("descarga interrumpida",
                   {{"request_id", request.request_id}, {"error", why.substr(0, why.find('\n'))}});
  }
  head.streamed = true;
  return head;
}

// The reactor-thread path of an anonymous GET: this process's cached copy
// under a generation it knows to be fresh, or nullopt (then RunModuleRoute
// runs on a worker: Redis, the database). Whatever this serves, RunModuleRoute
// would have served too, from the same cache entry.
std::optional<Response> PublicFromMemory(AppContext& app, Request& request,
                                         const LoadedPlugin& plugin,
                                         const std::vector<std::string>& declared_query) {
  if (request.Header("authorization")) return std::nullopt;
  KeepDeclaredQuery(request, declared_query);
  auto key = app.public_cache.Key(request.path_params.at("tenant"), plugin.name,
                                  RequestFingerprint(request), /*network=*/false);
  if (!key) return std::nullopt;
  auto cached = app.public_cache.Get(*key, /*network=*/false);
  if (!cached) return std::nullopt;
  // A phone revalidating: answer 304 without copying the body at all.
  if (auto not_modified = NotModified(request, cached->etag)) return not_modified;
  return FromCache(cached);
}

// Whose public caches a committed write to `module` makes stale, in each
// tenant of the write's chain: the module's own, and when the module
// describes records for other modules' links (RecordDescriber), every
// installed module's too: any of them may have shown one of its records
// (a commitment's linked project) in an answer cached under its own
// generation. Coarse on purpose: exact without tracking who linked what, and
// such writes (an edit to a public work) are rare next to public reads.
std::vector<std::string> ModulesToBump(const AppContext& app, const std::string& module) {
  std::vector<std::string> modules = {module};
  bool describes = false;
  for (const auto& plugin : app.plugins.loaded) {
    if (plugin.name == module) describes = static_cast<bool>(plugin.describer);
  }
  if (!describes) return modules;
  for (const auto& plugin : app.plugins.loaded) {
    if (plugin.name != module) modules.push_back(plugin.name);
  }
  return modules;
}

Response RunModuleRoute(AppContext& app, Request& request, const LoadedPlugin& plugin,
                        const plugin::Route& route, const RouteSpec& spec) {
  auto principal = Caller(app, request);
  if (!principal.ok()) return ProblemFromStatus(principal.status(), request.request_id);

  // Anonymous GETs are public: served from the cache when it has them.
  std::optional<std::string> cache_key;
  if (request.method == Method::kGet && !principal->authenticated()) {
    cache_key = app.public_cache.Key(request.path_params.at("tenant"), plugin.name,
                                     RequestFingerprint(request));
    if (cache_key) {
      if (auto cached = app.public_cache.Get(*cache_key)) return FromCache(cached);
    }
  }

  std::optional<Response> answer;      // a non-2xx answer: rolled back, then returned
  std::vector<std::string> ancestors;  // whose public caches a write invalidates
  std::optional<Response> streamed;    // a body already sent as it was produced
  bool cacheable = true;               // false: a linked record's describer failed
  std::optional<std::chrono::system_clock::time_point> fresh_until;  // the handler's
  // One round trip opens the transaction: BEGIN; the tenant resolved (the
  // tenant tree is not tenant-scoped) and the transaction confined to it;
  // then, in that scope, the module's configuration there and the caller's
  // access to the route.
  const std::string& slug = request.path_params.at("tenant");
  if (!core::IsValidSlug(slug)) {
    return ProblemFromStatus(NotFoundError("No existe el tenant '" + slug + "'."),
                             request.request_id);
  }
  std::vector<core::PipelinedStatement> opening = {
      core::ResolveTenantInScopeStatement(slug, principal->user_id),
      {"core.module_config_by_slug", {slug, plugin.name}}};
  std::optional<core::PipelinedStatement> authorize;
  if (!route.permission.empty()) {
    authorize = core::AuthorizeStatement(*principal, route.permission, slug);
  }
  if (authorize) opening.push_back(*authorize);
  auto result = app.db.InTransactionOpenedBy(
      opening,
      [&](pqxx::transaction_base& work,
          const std::vector<core::PipelinedRows>& opened) -> StatusOr<Response> {
        CABILDO_ASSIGN_OR_RETURN(core::TenantRef tenant, core::ResolvedTenant(opened[0], slug));
        const core::PipelinedRows& enabled = opened[1];
        if (enabled.empty()) {
          return NotFoundError("El módulo '" + plugin.name + "' no está habilitado para '" +
                               tenant.slug + "'.");
        }
        std::optional<core::Access> route_access;
        if (!route.permission.empty()) {
          if (!principal->authenticated()) {
            return UnauthenticatedError("Inicie sesión para usar esta ruta.");
          }
          route_access = core::AuthorizedBy(*principal, authorize ? &opened[2] : nullptr);
          switch (*route_access) {
            case core::Access::kHidden:
              return NotFoundError("No encontrado.");
            case core::Access::kForbidden:
              return PermissionDeniedError("Su rol en este tenant no permite esta acción.");
            case core::Access::kAllowed:
              break;
          }
        }
        // A suspended tenant takes no write, whoever asks (423).
        if (auto locked = RefuseWriteIfSuspended(request, tenant)) {
          answer = std::move(locked);
          return Status(StatusCode::kAborted, "rollback");
        }
        // The route's declaration, checked in this order once the caller
        // may use the route (nobody unauthorised makes a worker parse a body).
        if (auto refused = CheckPathParams(request, route)) return *refused;
        if (auto refused = CheckQuery(request, plugin.schemas, spec)) {
          answer = std::move(refused);
          return Status(StatusCode::kAborted, "rollback");
        }
        if (request.method != Method::kGet) ancestors = tenant.chain;
        ModuleRequestContext context(app, request, *principal, tenant,
                                     json::parse(enabled.Text(0, 0)), work, plugin.name);
        if (spec.open_to_every_account) context.MaskActorEmail();
        if (route.paged) CABILDO_RETURN_IF_ERROR(context.PreparePage());
        if (route.descendants) {
          auto flag = request.Query("include_descendants");
          if (flag && *flag != "true" && *flag != "false") {
            return InvalidArgumentError("include_descendants debe ser true o false.");
          }
        }
        if (!route.request_body.empty()) {
          Response problem;
          auto body = route.body_format == plugin::BodyFormat::kForm &&
                              IsFormMediaType(request.Header("content-type").value_or(""))
                          ? FormObjectBody(request, problem)
                          : JsonObjectBody(request, problem);
          if (!body) {
            answer = std::move(problem);
            return Status(StatusCode::kAborted, "rollback");
          }
          std::vector<FieldError> errors = plugin.schemas.Validate(route.request_body, *body);
          if (!errors.empty()) {
            answer = ValidationProblem(request, errors);
            return Status(StatusCode::kAborted, "rollback");
          }
          context.SetBody(std::move(*body));
        }
        if (route_access) context.RememberAccess(route.permission, *route_access);
        StatusOr<plugin::HttpResponse> handled = route.handler(context);
        cacheable = context.cacheable();
        if (!handled.ok()) return handled.status();
        plugin::HttpResponse& response = *handled;
        fresh_until = response.fresh_until;
        if (response.stream && response.status == 200 &&
            (request.method == Method::kGet || request.method == Method::kHead)) {
          Response sent = SendStream(request, response);
          if (sent.streamed) streamed = sent;  // whatever the commit says, it is on the wire
          if (!sent.streamed && sent.status / 100 != 2) {
            answer = sent;  // a 304 or a problem: nothing to commit
            return Status(StatusCode::kAborted, "rollback");
          }
          return sent;
        }
        Response converted{response.status,
                           std::move(response.content_type),
                           std::move(response.body),
                           std::move(response.headers),
                           {}};
        // Only a 2xx commits (InRouteTransaction's rule): a 3xx is no write either.
        if (converted.status / 100 != 2) {
          answer = std::move(converted);
          return Status(StatusCode::kAborted, "rollback");
        }
        return converted;
      });
  if (answer) return std::move(*answer);
  if (streamed) return std::move(*streamed);
  if (!result.ok()) return ProblemFromStatus(result.status(), request.request_id);
  if (request.method != Method::kGet) {
    // After commit: never cache pre-write data.
    app.public_cache.Bump(ancestors, ModulesToBump(app, plugin.name));
  } else if (cache_key && cacheable && result->status == 200 && !result->streamed &&
             result->etag.empty()) {
    return FromCache(app.public_cache.Put(
        *cache_key, {result->content_type, result->body, result->headers, {}, fresh_until}));
  }
  return std::move(*result);
}

json ModuleJson(const LoadedPlugin& plugin) {
  json permissions = json::array();
  for (const auto& p : plugin.permissions) permissions.push_back(p.name);
  json exports = json::array();
  for (const auto& e : plugin.exports) {
    exports.push_back({{"name", e.name},
                       {"path", "/v1/tenants/{tenant}/" + plugin.name + e.path},
                       {"format", e.format},
                       {"media_type", e.media_type},
                       {"description", e.description}});
  }
  return {{"name", plugin.name},
          {"version", plugin.version},
          {"description", plugin.description},
          {"permissions", permissions},
          {"exports", exports}};
}

const LoadedPlugin* FindPlugin(const std::vector<LoadedPlugin>& plugins, const std::string& name) {
  for (const auto& plugin : plugins) {
    if (plugin.name == name) return &plugin;
  }
  return nullptr;
}

Response TenantModules(AppContext& app, Request& request) {
  json items = json::array();
  auto result = app.db.InTransaction([&](pqxx::transaction_base& work) -> StatusOr<Response> {
    CABILDO_ASSIGN_OR_RETURN(core::TenantRef tenant,
                             core::ResolveTenant(work, request.path_params.at("tenant")));
    core::ApplyScope(work, core::Scope{{tenant.id}, ""});
    for (const auto& row : work.exec_prepared("core.tenant_modules", tenant.id)) {
      items.push_back(
          {{"name", row[0].as<std::string>()}, {"config", json::parse(row[1].as<std::string>())}});
    }
    return ListResponse(app.CursorKey(), request, items, std::nullopt);
  });
  if (!result.ok()) return ProblemFromStatus(result.status(), request.request_id);
  return *result;
}

// The body is read only once the caller is known to manage this tenant's
// modules: an anonymous caller cannot make a worker parse anything.
Response EnableModule(AppContext& app, Request& request, const std::vector<LoadedPlugin>& plugins) {
  const LoadedPlugin* plugin = FindPlugin(plugins, request.path_params.at("module"));
  std::vector<std::string> changed;  // the tenant and its ancestors: their caches go stale
  Response response = WithTenantPermission(
      app, request, "core.module.manage",
      [&](pqxx::transaction_base& work, const Principal& actor,
          const core::TenantRef& tenant) -> StatusOr<Response> {
        if (plugin == nullptr) {
          return NotFoundError("El módulo '" + request.path_params.at("module") +
                               "' no está instalado.");
        }
        json body = json::object();
        if (!request.body.empty()) {
          Response problem;
          auto parsed = JsonObjectBody(request, problem);
          if (!parsed) return problem;
          body = std::move(*parsed);
        }
        json config = body.value("config", json::object());
        std::vector<FieldError> errors;
        // Only "config" is read: any other field is a client's mistake (a
        // typo, or a config sent at the top level), never silently dropped.
        for (const auto& [field, value] : body.items()) {
          if (field != "config") {
            errors.push_back({field, "Campo desconocido: solo se acepta config."});
          }
        }
        for (auto& error : core::ValidateConfig(*plugin, config))
          errors.push_back(std::move(error));
        if (!errors.empty()) return ValidationProblem(request, errors);
        auto before = work.exec_prepared("core.module_state", tenant.id, plugin->name);
        const bool created = before.empty();
        work.exec_prepared("core.enable_module", tenant.id, plugin->name, config.dump());
        json previous = created ? json{{"enabled", false}}
                                : json{{"enabled", before[0][0].as<bool>()},
                                       {"config", json::parse(before[0][1].as<std::string>())}};
        json after = {{"enabled", true}, {"config", config}};
        if (previous != after) {
          core::AuditEvent event{tenant.id,
                                 actor.user_id,
                                 actor.email,
                                 "module.enable",
                                 "module",
                                 plugin->name,
                                 core::AuditDiff(previous, after)};
          CABILDO_RETURN_IF_ERROR(core::AppendAudit(work, event));
        }
        changed = tenant.chain;
        return Response::Json(created ? 201 : 200, {{"name", plugin->name}, {"config", config}});
      });
  if (plugin != nullptr) app.public_cache.Bump(changed, ModulesToBump(app, plugin->name));
  return response;
}

Response DisableModule(AppContext& app, Request& request) {
  const std::string module = request.path_params.at("module");
  std::vector<std::string> changed;  // the tenant and its ancestors: their caches go stale
  Response response = WithTenantPermission(
      app, request, "core.module.manage",
      [&](pqxx::transaction_base& work, const Principal& actor,
          const core::TenantRef& tenant) -> StatusOr<Response> {
        auto disabled = work.exec_prepared("core.disable_module", tenant.id, module);
        if (disabled.empty()) {
          return NotFoundError("El módulo '" + module + "' no está habilitado aquí.");
        }
        core::AuditEvent event{tenant.id,
                               actor.user_id,
                               actor.email,
                               "module.disable",
                               "module",
                               module,
                               {{"before", {{"enabled", true}}}, {"after", {{"enabled", false}}}}};
        CABILDO_RETURN_IF_ERROR(core::AppendAudit(work, event));
        changed = tenant.chain;
        return Response::Empty(204);
      });
  app.public_cache.Bump(changed, ModulesToBump(app, module));
  return response;
}

}  // namespace

// A plugin route the router already has (the core's, or another plugin's)
// would make Router::Add abort: refuse to start instead, naming both.
Status CheckModuleRouteConflicts(const Router& router, const std::vector<LoadedPlugin>& plugins) {
  std::map<std::string, std::string> owners;  // "METHOD shape" -> who declared it
  auto shape_of = [](Method method, const std::string& path) {
    std::string shape = std::string(MethodName(method)) + " ";
    bool in_param = false;
    for (char c : path) {
      if (c == '{') shape += "{}";
      if (c == '{' || c == '}') {
        in_param = c == '{';
        continue;
      }
      if (!in_param) shape += c;
    }
    return shape;
  };
  for (const auto& [method, path] : router.Routes()) owners[shape_of(method, path)] = "el núcleo";
  for (const auto& plugin : plugins) {
    for (const auto& route : plugin.routes) {
      const std::string full = "/v1/tenants/{tenant}/" + plugin.name + route.path;
      const std::string shape = shape_of(ToMethod(route.method), full);
      auto [taken, fresh] =
          owners.emplace(shape, "el plugin " + plugin.name + " (" + plugin.file + ")");
      if (!fresh) {
        return UnprocessableError("plugin " + plugin.file + " (" + plugin.name + "): la ruta " +
                                  std::string(MethodName(ToMethod(route.method))) + " " + full +
                                  " ya la declara " + taken->second + "; no se inicia");
      }
    }
  }

  return OkStatus();
}

Status RegisterModuleRoutes(Router& router, AppContext& app,
                            const std::vector<LoadedPlugin>& plugins) {
  // Pipelined after the scope is set, before the tenant's id is known.
  app.db.Prepare("core.module_config_by_slug",
                 "SELECT m.config::text FROM core.tenant_modules m "
                 "JOIN core.tenants t ON t.id = m.tenant_id "
                 "WHERE t.slug = $1 AND m.module = $2 AND m.enabled");
  app.db.Prepare("core.module_enabled_in",
                 "SELECT tenant_id::text FROM core.tenant_modules "
                 "WHERE tenant_id = ANY ($1::uuid[]) AND module = $2 AND enabled");
  app.db.Prepare("core.module_enabled",
                 "SELECT 1 FROM core.tenant_modules "
                 "WHERE tenant_id = $1::uuid AND module = $2 AND enabled");
  app.db.Prepare("core.tenant_modules",
                 "SELECT module, config::text FROM core.tenant_modules "
                 "WHERE tenant_id = $1 AND enabled ORDER BY module");
  app.db.Prepare("core.module_state",
                 "SELECT enabled, config::text FROM core.tenant_modules "
                 "WHERE tenant_id = $1 AND module = $2");
  app.db.Prepare("core.enable_module",
                 "INSERT INTO core.tenant_modules (tenant_id, module, enabled, config) "
                 "VALUES ($1, $2, true, $3::jsonb) ON CONFLICT (tenant_id, module) DO UPDATE "
                 "SET enabled = true, config = EXCLUDED.config, updated_at = now()");
  app.db.Prepare("core.disable_module",
                 "UPDATE core.tenant_modules SET enabled = false, updated_at = now() "
                 "WHERE tenant_id = $1 AND module = $2 AND enabled RETURNING module");

  AddCachedPublicGet(router, app, "/v1/modules", {}, [&app, &plugins](Request& request) {
    json items = json::array();
    for (const auto& plugin : plugins) items.push_back(ModuleJson(plugin));
    return ListResponse(app.CursorKey(), request, std::move(items), std::nullopt);
  });
  AddCachedPublicGet(router, app, "/v1/tenants/{tenant}/modules", {},
                     [&app](Request& r) { return TenantModules(app, r); });
  router.Add(Method::kPut, "/v1/tenants/{tenant}/modules/{module}", [&app, &plugins](Request& r) {
    return AfterCoreWrite(app, EnableModule(app, r, plugins));
  });
  router.Add(Method::kDelete, "/v1/tenants/{tenant}/modules/{module}",
             [&app](Request& r) { return AfterCoreWrite(app, DisableModule(app, r)); });

  app.db.Prepare("core.module_tenant_facts",
                 "SELECT name, coalesce(inegi_code, '') FROM core.tenants WHERE id = $1");

  CABILDO_RETURN_IF_ERROR(CheckModuleRouteConflicts(router, plugins));

  for (const auto& plugin : plugins) {
    for (const auto& route : plugin.routes) {
      RouteSpec spec;
      spec.declared_query = RouteQueryNames(route);
      for (const auto& permission : plugin.permissions) {
        if (permission.name == route.permission &&
            std::find(permission.default_roles.begin(), permission.default_roles.end(),
                      "citizen") != permission.default_roles.end()) {
          spec.open_to_every_account = true;
        }
      }
      for (const auto& param : route.query) {
        spec.query.emplace_back(&param, core::QuerySchemaName(route, param.name));
      }
      FastHandler fast;
      if (route.method == plugin::HttpMethod::kGet) {
        fast = [&app, &plugin, declared = spec.declared_query](Request& r) {
          return PublicFromMemory(app, r, plugin, declared);
        };
      }
      RouteOptions options;
      options.form_body = route.body_format == plugin::BodyFormat::kForm;
      if (route.error_format == plugin::ErrorFormat::kOpen311) {
        options.shape_errors = &AsOpen311Errors;
      }
      router.Add(
          ToMethod(route.method), "/v1/tenants/{tenant}/" + plugin.name + route.path,
          [&app, &plugin, &route, spec = std::move(spec)](Request& r) {
            KeepDeclaredQuery(r, spec.declared_query);
            return WithIdempotency(app, r, [&](Request& request) {
              return RunModuleRoute(app, request, plugin, route, spec);
            });
          },
          std::move(fast), std::move(options));
    }
  }
  return OkStatus();
}

}  // namespace cabildo::api
