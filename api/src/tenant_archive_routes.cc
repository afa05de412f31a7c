// GET /v1/tenants/{tenant}/export and POST /v1/tenants/import (api-core.md,
// "Tenant lifecycle").
#include "tenant_archive_routes.h"

#include "cabildo/api/problem.h"
#include "cabildo/core/audit.h"
#include "cabildo/core/log.h"
#include "cabildo/core/migrations.h"

#include "public_reads.h"
#include "route_support.h"

namespace cabildo::api {
namespace {

using core::Principal;
using core::TenantRef;
using nlohmann::json;

// Export: the instance admin, or an admin of one of the tenant's ancestors
// (api-core.md: as suspend). Otherwise 403 to whoever holds a role in its
// chain, 404 to anyone else.
Access MayExport(pqxx::transaction_base& work, const Principal& principal,
                 const TenantRef& tenant) {
  if (principal.instance_admin) return Access::kAllowed;
  std::string ancestors;
  for (std::size_t i = 1; i < tenant.chain.size(); ++i) {
    ancestors += (ancestors.empty() ? "" : ",") + tenant.chain[i];
  }
  if (!ancestors.empty()) {
    const auto row = work.exec_params(
        "SELECT EXISTS (SELECT 1 FROM core.role_assignments ra "
        "JOIN core.tenants t ON t.id = ra.tenant_id WHERE ra.user_id = $1 "
        "AND ra.role = 'admin' AND t.slug = ANY (string_to_array($2, ',')))",
        principal.user_id, ancestors);
    if (row[0][0].as<bool>()) return Access::kAllowed;
  }
  return core::Authorize(work, principal, "core.tenant.update", tenant.id) == Access::kHidden
             ? Access::kHidden
             : Access::kForbidden;
}

Response ExportTenant(AppContext& app, const core::ArchiveSchema& schema, Request& request) {
  auto principal = Caller(app, request);
  if (!principal.ok()) return ProblemFromStatus(principal.status(), request.request_id);
  if (!principal->authenticated()) {
    return Problem(401, "Inicie sesión para usar esta ruta.", request.request_id);
  }
  const std::string& slug = request.path_params.at("tenant");
  Response head;
  head.status = 200;
  head.content_type = kTenantArchiveType;
  head.headers = {{"Content-Disposition", "attachment; filename=\"" + slug + ".cabildo.ndjson\""},
                  {"Cache-Control", "no-store"}};

  // Authorised and recorded first, in a transaction of its own: whoever
  // downloads the archive, even partly, is on record (and the archive,
  // read afterwards, holds its own "tenant.export" entry).
  std::string tenant_id;
  Response authorised = InRouteTransaction(
      app, core::Scope{{}, principal->user_id}, request,
      [&](pqxx::transaction_base& work) -> StatusOr<Response> {
        CABILDO_ASSIGN_OR_RETURN(TenantRef tenant, core::ResolveTenant(work, slug));
        switch (MayExport(work, *principal, tenant)) {
          case Access::kHidden:
            return NotFoundError("No existe el tenant '" + slug + "'.");
          case Access::kForbidden:
            return PermissionDeniedError(
                "Solo la administración de la instancia o de un tenant superior puede exportar "
                "este tenant.");
          case Access::kAllowed:
            break;
        }
        if (request.method == Method::kHead) return head;
        core::ApplyScope(work, core::Scope{{tenant.id}, principal->user_id});
        const core::AuditEvent event{tenant.id,
                                     principal->user_id,
                                     principal->email,
                                     "tenant.export",
                                     "tenant",
                                     tenant.id,
                                     {{"before", json::object()}, {"after", {{"slug", slug}}}}};
        CABILDO_RETURN_IF_ERROR(core::AppendInstanceAudit(work, event));
        CABILDO_RETURN_IF_ERROR(core::AppendAudit(work, event));
        tenant_id = tenant.id;
        return Response::Empty(204);
      });
  if (authorised.status != 204) return authorised;

  // The body is opened with the first piece, so a failure before it (the
  // tenant deleted meanwhile) is still a problem document.
  std::unique_ptr<ChunkedBody> body;
  bool busy = false;
  std::string memory;  // no network (router tests): the body is buffered
  auto sink = [&](std::string_view bytes) -> bool {
    if (!request.open_stream) {
      memory.append(bytes);
      return true;
    }
    if (!body) {
      head.headers.emplace_back("X-Content-Type-Options", "nosniff");
      body = request.open_stream(head);
      if (!body) {
        busy = true;
        return false;
      }
    }
    return body->Write(bytes);
  };
  const core::ExportOptions options{schema, core::DataKeyCheck(app.config.data_key)};
  auto counts =
      app.db.InScopedTransaction(core::Scope{{tenant_id}, principal->user_id},
                                 [&](pqxx::transaction_base& work) -> StatusOr<core::ExportCounts> {
                                   return core::WriteTenantArchive(work, tenant_id, options, sink);
                                 });
  if (busy) {
    Response problem =
        Problem(503, "Hay demasiadas descargas en curso; intente de nuevo en unos segundos.",
                request.request_id);
    problem.headers.emplace_back("Retry-After", "5");
    return problem;
  }
  if (!body) {
    if (!counts.ok()) return ProblemFromStatus(counts.status(), request.request_id);
    head.body = std::move(memory);
    return head;
  }
  if (counts.ok()) {
    body->Finish();
  } else {
    // The client sees a truncated download, never a complete-looking one
    // (and the trailer's digest would not match anyway).
    body->Abort();
    const std::string& why = counts.status().message();
    core::LogError("exportación de tenant interrumpida",
                   {{"request_id", request.request_id},
                    {"tenant", slug},
                    {"error", why.substr(0, why.find('\n'))}});
  }
  head.streamed = true;
  return head;
}

Response ImportTenant(AppContext& app, const core::ArchiveSchema& schema, Request& request) {
  auto principal = Caller(app, request);
  if (!principal.ok()) return ProblemFromStatus(principal.status(), request.request_id);
  if (!principal->authenticated()) {
    return Problem(401, "Inicie sesión para usar esta ruta.", request.request_id);
  }
  if (!principal->instance_admin) {
    return Problem(403, "Solo la administración de la instancia importa tenants.",
                   request.request_id);
  }
  if (request.body.empty()) {
    return Problem(400,
                   "Envíe en el cuerpo el archivo de GET /v1/tenants/{tenant}/export "
                   "(application/x-ndjson).",
                   request.request_id);
  }
  return InRouteTransaction(
      app, core::Scope{{}, principal->user_id}, request,
      [&](pqxx::transaction_base& work) -> StatusOr<Response> {
        CABILDO_ASSIGN_OR_RETURN(
            core::ImportReport report,
            core::ImportTenantArchive(work, request.body,
                                      {schema,
                                       core::DataKeyCheck(app.config.data_key),
                                       {principal->user_id, principal->email}}));
        json rows = json::object();
        for (const auto& [table, count] : report.rows) rows[table] = count;
        Response response = Response::Json(201, {{"tenant", report.tenant.slug},
                                                 {"id", report.tenant.id},
                                                 {"rows", rows},
                                                 {"users", report.users},
                                                 {"users_created", report.users_created},
                                                 {"audit_entries", report.audit_entries}});
        response.headers.emplace_back("Location", "/v1/tenants/" + report.tenant.slug);
        return response;
      });
}

}  // namespace

StatusOr<core::ArchiveSchema> LocalArchiveSchema(const core::Config& config,
                                                 const std::vector<core::LoadedPlugin>& plugins) {
  core::ArchiveSchema schema;
  CABILDO_ASSIGN_OR_RETURN(auto files, core::LoadMigrationDir(config.migrations_dir));
  for (const auto& file : files) schema.core = std::max(schema.core, file.version);
  for (const auto& plugin : plugins) {
    int version = 0;
    for (const auto& file : plugin.migrations) version = std::max(version, file.version);
    schema.modules[plugin.name] = version;
  }
  return schema;
}

Status RegisterTenantArchiveRoutes(Router& router, AppContext& app) {
  CABILDO_ASSIGN_OR_RETURN(core::ArchiveSchema schema,
                           LocalArchiveSchema(app.config, app.plugins.loaded));
  router.Add(Method::kGet, "/v1/tenants/{tenant}/export",
             [&app, schema](Request& r) { return ExportTenant(app, schema, r); });
  RouteOptions options;
  options.body_type = kTenantArchiveType;
  router.Add(
      Method::kPost, "/v1/tenants/import",
      [&app, schema](Request& r) { return AfterCoreWrite(app, ImportTenant(app, schema, r)); },
      nullptr, options);
  return OkStatus();
}

}  // namespace cabildo::api
