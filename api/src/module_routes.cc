// Plugin routes under /v1/tenants/{tenant}/<module>/ and the module
// endpoints of api-core.md. Every module route gets the same preparation:
// caller, tenant, enabled-module check, permission, scoped transaction.
#include <regex>

#include "cabildo/core/audit.h"
#include "cabildo/core/plugin_host.h"

#include "route_support.h"

namespace cabildo::api {
namespace {

using core::LoadedPlugin;
using core::Principal;
using nlohmann::json;

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

class ModuleRequestContext final : public plugin::RequestContext {
 public:
  ModuleRequestContext(const Request& request, const Principal& principal,
                       const core::TenantRef& tenant, json config, pqxx::work& work,
                       const std::string& module)
      : request_(request),
        principal_(principal),
        tenant_(tenant),
        config_(std::move(config)),
        work_(work),
        module_(module) {}

  const std::string& tenant_id() const override { return tenant_.id; }
  const std::string& tenant_slug() const override { return tenant_.slug; }
  const Principal& principal() const override { return principal_; }
  const std::string& request_id() const override { return request_.request_id; }
  std::optional<std::string> Query(const std::string& name) const override {
    return request_.Query(name);
  }
  std::optional<std::string> PathParam(const std::string& name) const override {
    auto it = request_.path_params.find(name);
    if (it == request_.path_params.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> Header(const std::string& lower_name) const override {
    return request_.Header(lower_name);
  }
  const json& config() const override { return config_; }
  StatusOr<json> JsonBody() const override {
    auto body = ParseJsonBody(request_);
    if (body.ok() && !body->is_object()) {
      return InvalidArgumentError("El cuerpo debe ser un objeto JSON.");
    }
    return body;
  }
  core::Access Authorize(const std::string& permission) override {
    return core::Authorize(work_, principal_, permission, tenant_.id);
  }
  pqxx::work& Db() override { return work_; }
  Status Audit(const std::string& action, const std::string& entity, const std::string& entity_id,
               const json& changes) override {
    core::AuditEvent event{tenant_.id,
                           principal_.user_id,
                           principal_.authenticated() ? principal_.email : "anónimo",
                           module_ + "." + action,
                           entity,
                           entity_id,
                           changes};
    return core::AppendAudit(work_, event).status();
  }
  plugin::HttpResponse FieldErrors(const std::vector<plugin::FieldError>& errors) const override {
    std::vector<FieldError> converted;
    for (const auto& e : errors) converted.push_back({e.field, e.message});
    Response problem = ValidationProblem(request_, converted);
    return {problem.status, problem.content_type, problem.body, problem.headers};
  }

 private:
  const Request& request_;
  const Principal& principal_;
  const core::TenantRef& tenant_;
  json config_;
  pqxx::work& work_;
  const std::string& module_;
};

Response RunModuleRoute(AppContext& app, Request& request, const LoadedPlugin& plugin,
                        const plugin::Route& route) {
  auto principal = Caller(app, request);
  if (!principal.ok()) return ProblemFromStatus(principal.status(), request.request_id);
  std::optional<Response> answer;  // a handler's 4xx/5xx: rolled back, then returned
  auto result = app.db.InScopedTransaction(
      core::Scope{{}, principal->user_id}, [&](pqxx::work& work) -> StatusOr<Response> {
        CABILDO_ASSIGN_OR_RETURN(core::TenantRef tenant,
                                 core::ResolveTenant(work, request.path_params.at("tenant")));
        core::ApplyScope(work, core::Scope{{tenant.id}, principal->user_id});
        auto enabled = work.exec_prepared("core.module_config", tenant.id, plugin.name);
        if (enabled.empty()) {
          return NotFoundError("El módulo '" + plugin.name + "' no está habilitado para '" +
                               tenant.slug + "'.");
        }
        if (!route.permission.empty()) {
          if (!principal->authenticated()) {
            return UnauthenticatedError("Inicie sesión para usar esta ruta.");
          }
          switch (core::Authorize(work, *principal, route.permission, tenant.id)) {
            case core::Access::kHidden:
              return NotFoundError("No encontrado.");
            case core::Access::kForbidden:
              return PermissionDeniedError("Su rol en este tenant no permite esta acción.");
            case core::Access::kAllowed:
              break;
          }
        }
        ModuleRequestContext context(request, *principal, tenant,
                                     json::parse(enabled[0][0].as<std::string>()), work,
                                     plugin.name);
        CABILDO_ASSIGN_OR_RETURN(plugin::HttpResponse response, route.handler(context));
        Response converted{response.status, response.content_type, response.body, response.headers};
        if (response.status >= 400) {
          answer = converted;
          return Status(StatusCode::kAborted, "rollback");
        }
        return converted;
      });
  if (answer) return *answer;
  if (!result.ok()) return ProblemFromStatus(result.status(), request.request_id);
  return *result;
}

json ModuleJson(const LoadedPlugin& plugin) {
  json permissions = json::array();
  for (const auto& p : plugin.permissions) permissions.push_back(p.name);
  return {{"name", plugin.name},
          {"version", plugin.version},
          {"description", plugin.description},
          {"permissions", permissions}};
}

const LoadedPlugin* FindPlugin(const std::vector<LoadedPlugin>& plugins, const std::string& name) {
  for (const auto& plugin : plugins) {
    if (plugin.name == name) return &plugin;
  }
  return nullptr;
}

Response TenantModules(AppContext& app, Request& request) {
  json items = json::array();
  auto result = app.db.InTransaction([&](pqxx::work& work) -> StatusOr<Response> {
    CABILDO_ASSIGN_OR_RETURN(core::TenantRef tenant,
                             core::ResolveTenant(work, request.path_params.at("tenant")));
    core::ApplyScope(work, core::Scope{{tenant.id}, ""});
    for (const auto& row : work.exec_prepared("core.tenant_modules", tenant.id)) {
      items.push_back(
          {{"name", row[0].as<std::string>()}, {"config", json::parse(row[1].as<std::string>())}});
    }
    return ListResponse(items, std::nullopt);
  });
  if (!result.ok()) return ProblemFromStatus(result.status(), request.request_id);
  return *result;
}

Response EnableModule(AppContext& app, Request& request, const std::vector<LoadedPlugin>& plugins) {
  Response problem;
  json body = json::object();
  if (!request.body.empty()) {
    auto parsed = JsonObjectBody(request, problem);
    if (!parsed) return problem;
    body = *parsed;
  }
  const LoadedPlugin* plugin = FindPlugin(plugins, request.path_params.at("module"));
  json config = body.value("config", json::object());
  std::vector<std::pair<std::string, std::string>> errors;
  if (plugin != nullptr) core::ValidateConfig(plugin->config_schema, config, "config", errors);
  return WithTenantPermission(
      app, request, "core.module.manage",
      [&](pqxx::work& work, const Principal& actor,
          const core::TenantRef& tenant) -> StatusOr<Response> {
        if (plugin == nullptr) {
          return NotFoundError("El módulo '" + request.path_params.at("module") +
                               "' no está instalado.");
        }
        if (!errors.empty()) {
          std::vector<FieldError> fields;
          for (const auto& [field, message] : errors) fields.push_back({field, message});
          return ValidationProblem(request, fields);
        }
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
          CABILDO_RETURN_IF_ERROR(core::AppendAudit(work, event).status());
        }
        return Response::Json(created ? 201 : 200, {{"name", plugin->name}, {"config", config}});
      });
}

Response DisableModule(AppContext& app, Request& request) {
  const std::string module = request.path_params.at("module");
  return WithTenantPermission(
      app, request, "core.module.manage",
      [&](pqxx::work& work, const Principal& actor,
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
        CABILDO_RETURN_IF_ERROR(core::AppendAudit(work, event).status());
        return Response::Empty(204);
      });
}

}  // namespace

void RegisterModuleRoutes(Router& router, AppContext& app,
                          const std::vector<LoadedPlugin>& plugins) {
  app.db.Prepare("core.module_config",
                 "SELECT config::text FROM core.tenant_modules "
                 "WHERE tenant_id = $1 AND module = $2 AND enabled");
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

  router.Add(Method::kGet, "/v1/modules", [&plugins](Request&) {
    json items = json::array();
    for (const auto& plugin : plugins) items.push_back(ModuleJson(plugin));
    return ListResponse(std::move(items), std::nullopt);
  });
  router.Add(Method::kGet, "/v1/tenants/{tenant}/modules",
             [&app](Request& r) { return TenantModules(app, r); });
  router.Add(Method::kPut, "/v1/tenants/{tenant}/modules/{module}",
             [&app, &plugins](Request& r) { return EnableModule(app, r, plugins); });
  router.Add(Method::kDelete, "/v1/tenants/{tenant}/modules/{module}",
             [&app](Request& r) { return DisableModule(app, r); });

  for (const auto& plugin : plugins) {
    for (const auto& route : plugin.routes) {
      router.Add(
          ToMethod(route.method), "/v1/tenants/{tenant}/" + plugin.name + route.path,
          [&app, &plugin, &route](Request& r) { return RunModuleRoute(app, r, plugin, route); });
    }
  }
}

}  // namespace cabildo::api
