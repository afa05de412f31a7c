#include "tenant_lifecycle_routes.h"

#include "cabildo/api/problem.h"
#include "cabildo/core/log.h"
#include "cabildo/core/tenants.h"

#include "public_reads.h"
#include "route_support.h"

namespace cabildo::api {
namespace {

using core::Principal;
using core::TenantRef;
using nlohmann::json;

core::AuditActor Writer(const Principal& principal) { return {principal.user_id, principal.email}; }

// Suspend and resume: the instance admin, or an admin of an ancestor
// (permission core.tenant.suspend at the parent, which Authorize finds
// there or higher up). A role at the tenant itself is not enough: a
// municipality does not lift its own suspension (403 for its members, 404
// for anyone without a role in its chain, as WithTenantPermission answers).
Status AuthorizeSuspension(pqxx::transaction_base& work, const Principal& principal,
                           const TenantRef& tenant) {
  if (principal.instance_admin) return OkStatus();
  if (tenant.chain.size() > 1) {
    CABILDO_ASSIGN_OR_RETURN(TenantRef parent, core::ResolveTenant(work, tenant.chain[1]));
    if (core::Authorize(work, principal, "core.tenant.suspend", parent.id) ==
        core::Access::kAllowed) {
      return OkStatus();
    }
  }
  if (core::Authorize(work, principal, "core.tenant.suspend", tenant.id) == core::Access::kHidden) {
    return NotFoundError("No existe el tenant '" + tenant.slug + "'.");
  }
  return PermissionDeniedError(
      "Solo la administración de un tenant superior o de la instancia puede suspender o "
      "reanudar este tenant.");
}

// {slug, status, suspended_at, suspended_reason} as this transaction sees them.
StatusOr<json> LifecycleState(pqxx::transaction_base& work, const TenantRef& tenant) {
  auto rows = core::ExecStatement(
      work, "core.lifecycle_state",
      "SELECT to_char(suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
      "suspended_reason FROM core.tenants WHERE id = $1",
      tenant.id);
  if (rows.empty()) return NotFoundError("No existe el tenant '" + tenant.slug + "'.");
  json state = {{"slug", tenant.slug}, {"status", rows[0][0].is_null() ? "active" : "suspended"}};
  if (!rows[0][0].is_null()) {
    state["suspended_at"] = rows[0][0].as<std::string>();
    state["suspended_reason"] = rows[0][1].as<std::string>();
  }
  return state;
}

// The shared frame of suspend and resume: signed in, the tenant resolved,
// the caller authorised, then `change` in the route's transaction (committed
// only on 2xx), and the core's public reads refreshed.
Response SuspensionRoute(
    AppContext& app, Request& request,
    const std::function<StatusOr<Response>(pqxx::transaction_base&, const Principal&,
                                           const TenantRef&)>& change) {
  auto principal = Caller(app, request);
  if (!principal.ok()) return ProblemFromStatus(principal.status(), request.request_id);
  if (!principal->authenticated()) {
    return Problem(401, "Inicie sesión para usar esta ruta.", request.request_id);
  }
  const std::string& slug = request.path_params.at("tenant");
  return AfterCoreWrite(
      app, InRouteTransaction(
               app, core::Scope{{}, principal->user_id}, request,
               [&](pqxx::transaction_base& work) -> StatusOr<Response> {
                 CABILDO_ASSIGN_OR_RETURN(TenantRef tenant, core::ResolveTenant(work, slug));
                 CABILDO_RETURN_IF_ERROR(AuthorizeSuspension(work, *principal, tenant));
                 return change(work, *principal, tenant);
               }));
}

Response Suspend(AppContext& app, Request& request) {
  return SuspensionRoute(
      app, request,
      [&](pqxx::transaction_base& work, const Principal& actor,
          const TenantRef& tenant) -> StatusOr<Response> {
        Response problem;
        auto body = JsonObjectBody(request, problem);
        if (!body) return problem;
        std::vector<FieldError> errors;
        for (const auto& [field, value] : body->items()) {
          if (field != "reason")
            errors.push_back({field, "Campo desconocido: solo se acepta reason."});
        }
        auto reason = StringField(*body, "reason", true, errors);
        if (reason) {
          const std::string why = core::SuspensionReasonProblem(*reason);
          if (!why.empty()) errors.push_back({"reason", why});
        }
        if (!errors.empty()) return ValidationProblem(request, errors);
        CABILDO_RETURN_IF_ERROR(core::SuspendTenant(work, tenant, *reason, Writer(actor)).status());
        CABILDO_ASSIGN_OR_RETURN(json state, LifecycleState(work, tenant));
        return Response::Json(200, state);
      });
}

Response Resume(AppContext& app, Request& request) {
  return SuspensionRoute(
      app, request,
      [&](pqxx::transaction_base& work, const Principal& actor,
          const TenantRef& tenant) -> StatusOr<Response> {
        CABILDO_RETURN_IF_ERROR(core::ResumeTenant(work, tenant, Writer(actor)).status());
        CABILDO_ASSIGN_OR_RETURN(json state, LifecycleState(work, tenant));
        return Response::Json(200, state);
      });
}

// Instance admin only. Suspended or not: deleting is how a suspension ends
// for a municipality that leaves.
Response Delete(AppContext& app, Request& request) {
  auto principal = Caller(app, request);
  if (!principal.ok()) return ProblemFromStatus(principal.status(), request.request_id);
  if (!principal->authenticated()) {
    return Problem(401, "Inicie sesión para usar esta ruta.", request.request_id);
  }
  const std::string& slug = request.path_params.at("tenant");
  std::vector<std::string> chain;  // whose public caches go stale
  Response response = InRouteTransaction(
      app, core::Scope{{}, principal->user_id}, request,
      [&](pqxx::transaction_base& work) -> StatusOr<Response> {
        CABILDO_ASSIGN_OR_RETURN(TenantRef tenant, core::ResolveTenant(work, slug));
        if (!principal->instance_admin) {
          return PermissionDeniedError("Solo la administración de la instancia elimina tenants.");
        }
        CABILDO_ASSIGN_OR_RETURN(core::TenantDeletion deletion,
                                 core::DeleteTenant(work, slug, Writer(*principal)));
        chain = tenant.chain;
        json rows = json::object();
        for (const auto& [table, count] : deletion.rows) rows[table] = count;
        return Response::Json(200, {{"id", deletion.id},
                                    {"slug", deletion.slug},
                                    {"name", deletion.name},
                                    {"rows", rows},
                                    {"total_rows", deletion.total_rows}});
      });
  if (response.status / 100 == 2) {
    // Committed: no public answer about it, from any module, may be served again.
    std::vector<std::string> modules;
    for (const auto& plugin : app.plugins.loaded) modules.push_back(plugin.name);
    if (!modules.empty()) app.public_cache.Bump(chain, modules);
    core::LogInfo(
        "tenant eliminado",
        {{"tenant", slug}, {"request_id", request.request_id}, {"by", principal->user_id}});
  }
  return AfterCoreWrite(app, std::move(response));
}

}  // namespace

std::optional<Response> RefuseWriteIfSuspended(const Request& request, const TenantRef& tenant) {
  if (!tenant.suspended || request.method == Method::kGet || request.method == Method::kHead) {
    return std::nullopt;
  }
  std::string reason = tenant.suspended_reason;
  while (!reason.empty() && (reason.back() == '.' || reason.back() == ' ')) reason.pop_back();
  Response problem =
      Problem(423,
              "El tenant '" + tenant.slug +
                  "' está suspendido y por ahora no acepta cambios. Motivo: " + reason +
                  ". Las consultas siguen disponibles; para más información, "
                  "comuníquese con la administración de la instancia.",
              request.request_id);
  json body = json::parse(problem.body);
  body["tenant"] = tenant.slug;
  body["reason"] = tenant.suspended_reason;
  problem.body = body.dump();
  return problem;
}

void RegisterTenantLifecycleRoutes(Router& router, AppContext& app) {
  router.Add(Method::kPost, "/v1/tenants/{tenant}/suspend",
             [&app](Request& r) { return Suspend(app, r); });
  router.Add(Method::kPost, "/v1/tenants/{tenant}/resume",
             [&app](Request& r) { return Resume(app, r); });
  router.Add(Method::kDelete, "/v1/tenants/{tenant}",
             [&app](Request& r) { return Delete(app, r); });
}

}  // namespace cabildo::api
