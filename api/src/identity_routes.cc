// Auth, /v1/me, roles, members, tenant writes and the audit log (api-core.md).
#include "cabildo/core/audit.h"
#include "cabildo/core/members.h"
#include "cabildo/core/tenants.h"
#include "cabildo/plugin/text_checks.h"

#include "public_reads.h"
#include "route_support.h"
#include "tenant_lifecycle_routes.h"

namespace cabildo::api {
namespace {

using core::Principal;
using core::TenantRef;
using nlohmann::json;

// How a signed-in caller's writes are recorded in the audit chain.
core::AuditActor Writer(const Principal& principal) { return {principal.user_id, principal.email}; }

// --- Auth ----------------------------------------------------------------------

Response Register(AppContext& app, Request& request) {
  Response problem;
  auto body = JsonObjectBody(request, problem);
  if (!body) return problem;
  std::vector<FieldError> errors;
  auto email = StringField(*body, "email", true, errors);
  auto password = StringField(*body, "password", true, errors);
  auto name = StringField(*body, "name", true, errors);
  if (!errors.empty()) return ValidationProblem(request, errors);
  std::vector<FieldError> problems = core::ValidateNewAccount(*email, *password, *name);
  if (!problems.empty()) return ValidationProblem(request, problems);
  // Hashed on the bounded pool, before any connection is taken: a flood gets
  // 503 at once instead of holding workers and connections for Argon2id.
  auto hash = app.hasher.Hash(*password);
  if (!hash.ok()) return ProblemFromStatus(hash.status(), request.request_id);
  auto user = app.db.InTransaction([&](pqxx::transaction_base& work) {
    return core::CreateUser(work, {*email, *name, *password, false, *hash}, &problems);
  });
  if (!problems.empty()) return ValidationProblem(request, problems);
  if (!user.ok()) return ProblemFromStatus(user.status(), request.request_id);
  Response response =
      Response::Json(201, {{"id", user->id}, {"email", user->email}, {"name", user->name}});
  response.headers.emplace_back("Location", "/v1/me");
  return response;
}

Response TokenResponse(const core::TokenPair& pair) {
  Response response = Response::Json(200, {{"access_token", pair.access_token},
                                           {"refresh_token", pair.refresh_token},
                                           {"token_type", "Bearer"},
                                           {"expires_in", pair.expires_in}});
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

Response Login(AppContext& app, Request& request) {
  Response problem;
  auto body = JsonObjectBody(request, problem);
  if (!body) return problem;
  std::vector<FieldError> errors;
  auto email = StringField(*body, "email", true, errors);
  auto password = StringField(*body, "password", true, errors);
  if (!errors.empty()) return ValidationProblem(request, errors);
  int retry_after = 0;
  auto pair = app.auth.Login(*email, *password, request.remote_address, &retry_after);
  if (!pair.ok()) {
    Response response = ProblemFromStatus(pair.status(), request.request_id);
    if (retry_after > 0) response.headers.emplace_back("Retry-After", std::to_string(retry_after));
    return response;
  }
  return TokenResponse(*pair);
}

Response Refresh(AppContext& app, Request& request) {
  Response problem;
  auto body = JsonObjectBody(request, problem);
  if (!body) return problem;
  std::vector<FieldError> errors;
  auto token = StringField(*body, "refresh_token", true, errors);
  if (!errors.empty()) return ValidationProblem(request, errors);
  auto pair = app.auth.Refresh(*token);
  if (!pair.ok()) return ProblemFromStatus(pair.status(), request.request_id);
  return TokenResponse(*pair);
}

// Resolves the signed-in caller or answers 401.
std::optional<Principal> SignedIn(AppContext& app, const Request& request, Response& problem) {
  auto principal = Caller(app, request);
  if (!principal.ok()) {
    problem = ProblemFromStatus(principal.status(), request.request_id);
    return std::nullopt;
  }
  if (!principal->authenticated()) {
    problem = Problem(401, "Inicie sesión para usar esta ruta.", request.request_id);
    return std::nullopt;
  }
  return *principal;
}

Response Logout(AppContext& app, Request& request) {
  Response problem;
  auto principal = SignedIn(app, request, problem);
  if (!principal) return problem;
  Status status = app.auth.Logout(*principal);
  if (!status.ok()) return ProblemFromStatus(status, request.request_id);
  return Response::Empty(204);
}

Response Me(AppContext& app, Request& request) {
  Response problem;
  auto principal = SignedIn(app, request, problem);
  if (!principal) return problem;
  json roles = json::array();
  if (principal->instance_admin) roles.push_back({{"tenant", nullptr}, {"role", "instance_admin"}});
  Status status = app.db.InScopedTransaction(
      core::Scope{{}, principal->user_id}, [&](pqxx::transaction_base& work) -> Status {
        CABILDO_ASSIGN_OR_RETURN(auto held, core::RolesOfUser(work, principal->user_id));
        for (const auto& role : held) {
          roles.push_back({{"tenant", role.tenant_slug}, {"role", role.role}});
        }
        return OkStatus();
      });
  if (!status.ok()) return ProblemFromStatus(status, request.request_id);
  return Response::Json(200, {{"id", principal->user_id},
                              {"email", principal->email},
                              {"name", principal->name},
                              {"roles", roles}});
}

Response Roles(AppContext& app, Request& request) {
  auto roles =
      app.db.InTransaction([&](pqxx::transaction_base& work) { return core::ListRoles(work); });
  if (!roles.ok()) return ProblemFromStatus(roles.status(), request.request_id);
  json items = json::array();
  for (const auto& role : *roles) {
    items.push_back({{"name", role.name},
                     {"description", role.description},
                     {"assignable", role.assignable},
                     {"permissions", role.permissions}});
  }
  return ListResponse(app.CursorKey(), request, std::move(items), std::nullopt);
}

// --- Members ---------------------------------------------------------------------

Response ListMembers(AppContext& app, Request& request) {
  Response problem;
  auto page = ParsePage(app.CursorKey(), request, problem,
                        [](const std::string& key) { return key.find('@') != std::string::npos; });
  if (!page) return problem;
  const std::string& after = page->after;
  return WithTenantPermission(
      app, request, "core.member.read",
      [&](pqxx::transaction_base& work, const Principal&,
          const TenantRef& tenant) -> StatusOr<Response> {
        CABILDO_ASSIGN_OR_RETURN(auto members,
                                 core::ListMembers(work, tenant.id, after, page->limit + 1));
        json items = json::array();
        std::optional<std::string> next;
        for (const auto& member : members) {
          if (static_cast<int>(items.size()) == page->limit) {
            next = items.back()["email"].get<std::string>();
            break;
          }
          items.push_back({{"user_id", member.user_id},
                           {"email", member.email},
                           {"name", member.name},
                           {"roles", member.roles}});
        }
        return ListResponse(app.CursorKey(), request, std::move(items), next);
      });
}

// At most this many roles in one PUT: there are four assignable roles, and
// the list is checked before any query.
constexpr size_t kMaxRolesPerMember = 16;

// The body is read only once the caller is known to be an admin here: an
// anonymous caller cannot make a worker parse (or sort) anything.
Response PutMember(AppContext& app, Request& request) {
  const std::string user_id = request.path_params.at("user_id");
  return WithTenantPermission(
      app, request, "core.member.write",
      [&](pqxx::transaction_base& work, const Principal& actor,
          const TenantRef& tenant) -> StatusOr<Response> {
        Response problem;
        auto body = JsonObjectBody(request, problem);
        if (!body) return problem;
        auto listed = body->find("roles");
        if (listed == body->end() || !listed->is_array()) {
          return ValidationProblem(request, {{"roles", "Debe ser una lista de roles."}});
        }
        if (listed->size() > kMaxRolesPerMember) {
          return ValidationProblem(
              request,
              {{"roles", "Indique a lo sumo " + std::to_string(kMaxRolesPerMember) + " roles."}});
        }
        std::vector<std::string> roles;
        for (const auto& role : *listed) {
          if (!role.is_string())
            return ValidationProblem(request, {{"roles", "Cada rol es texto."}});
          roles.push_back(role.get<std::string>());
        }
        auto held = core::SetMemberRoles(work, tenant.id, user_id, std::move(roles), Writer(actor));
        if (held.status().code() == StatusCode::kUnprocessable) {
          return ValidationProblem(request, {{"roles", held.status().message()}});
        }
        CABILDO_RETURN_IF_ERROR(held.status());
        return Response::Json(200,
                              {{"user_id", user_id}, {"tenant", tenant.slug}, {"roles", *held}});
      });
}

Response DeleteMember(AppContext& app, Request& request) {
  const std::string user_id = request.path_params.at("user_id");
  return WithTenantPermission(
      app, request, "core.member.write",
      [&](pqxx::transaction_base& work, const Principal& actor,
          const TenantRef& tenant) -> StatusOr<Response> {
        CABILDO_RETURN_IF_ERROR(core::RemoveMember(work, tenant.id, user_id, Writer(actor)));
        return Response::Empty(204);
      });
}

// --- Tenant writes -------------------------------------------------------------------

Response CreateTenant(AppContext& app, Request& request) {
  Response problem;
  auto principal = SignedIn(app, request, problem);
  if (!principal) return problem;
  auto body = JsonObjectBody(request, problem);
  if (!body) return problem;
  std::vector<FieldError> errors;
  auto slug = StringField(*body, "slug", true, errors);
  auto name = StringField(*body, "name", true, errors);
  auto kind = StringField(*body, "kind", true, errors);
  auto parent = StringField(*body, "parent", false, errors);
  auto inegi = StringField(*body, "inegi_code", false, errors);
  if (!errors.empty()) return ValidationProblem(request, errors);

  return InRouteTransaction(
      app, core::Scope{{}, principal->user_id}, request,
      [&](pqxx::transaction_base& work) -> StatusOr<Response> {
        // Who may create it: an instance admin, or an admin of the parent.
        if (parent) {
          auto parent_ref = core::ResolveTenant(work, *parent);
          if (!parent_ref.ok()) {
            return Response(ValidationProblem(request, {{"parent", "No existe ese tenant."}}));
          }
          switch (core::Authorize(work, *principal, "core.tenant.create", parent_ref->id)) {
            case core::Access::kHidden:
              return Response(ValidationProblem(request, {{"parent", "No existe ese tenant."}}));
            case core::Access::kForbidden:
              return PermissionDeniedError("Su rol no permite crear tenants aquí.");
            case core::Access::kAllowed:
              break;
          }
          // A suspended tenant gets no new children either.
          if (auto locked = RefuseWriteIfSuspended(request, *parent_ref)) return *std::move(locked);
        } else if (!principal->instance_admin) {
          return PermissionDeniedError("Solo la administración de la instancia crea estados.");
        }
        // The same rules as tenant files, against what exists.
        core::TenantSpec spec{*slug, *name, *kind, parent, inegi, {}};
        Status valid = core::ValidateNewTenant(work, spec);
        if (valid.code() == StatusCode::kInvalidArgument) {
          std::vector<FieldError> problems;
          std::istringstream lines(valid.message());
          for (std::string line; std::getline(lines, line);) {
            problems.push_back({"tenant", line.substr(line.find(": ") + 2)});
          }
          return Response(ValidationProblem(request, problems));
        }
        CABILDO_RETURN_IF_ERROR(valid);
        CABILDO_ASSIGN_OR_RETURN(std::string id,
                                 core::InsertTenant(work, spec, Writer(*principal)));
        core::Tenant created{id, *slug, *name, *kind, parent, inegi, {}, {}};
        Response response = Response::Json(201, core::TenantToJson(created, true));
        response.headers.emplace_back("Location", "/v1/tenants/" + *slug);
        return response;
      });
}

// Authorised before the body is read (see PutMember).
Response PatchTenant(AppContext& app, Request& request) {
  return WithTenantPermission(
      app, request, "core.tenant.update",
      [&](pqxx::transaction_base& work, const Principal& actor,
          const TenantRef& tenant) -> StatusOr<Response> {
        Response problem;
        auto body = JsonObjectBody(request, problem);
        if (!body) return problem;
        std::vector<FieldError> errors;
        for (const auto& [key, value] : body->items()) {
          if (key != "name" && key != "inegi_code")
            errors.push_back({key, "Este campo no se puede cambiar."});
        }
        auto name = StringField(*body, "name", false, errors);
        auto inegi = StringField(*body, "inegi_code", false, errors);
        if (name && name->find_first_not_of(" \t") == std::string::npos) {
          errors.push_back({"name", "El nombre no puede quedar vacío."});
        }
        if (!errors.empty()) return ValidationProblem(request, errors);
        CABILDO_ASSIGN_OR_RETURN(core::StoredTenant before,
                                 core::LoadStoredTenant(work, tenant.id));
        core::TenantSpec after = before.spec;
        if (name) after.name = *name;
        if (body->contains("inegi_code")) after.inegi_code = inegi;
        if (inegi && before.spec.inegi_code != *inegi) {
          CABILDO_ASSIGN_OR_RETURN(
              std::string why, core::InegiCodeChangeProblem(work, tenant.id, tenant.kind, *inegi));
          if (!why.empty()) return Response(ValidationProblem(request, {{"inegi_code", why}}));
        }
        CABILDO_RETURN_IF_ERROR(core::UpdateTenant(work, before, after, Writer(actor)).status());
        return Response::Json(200, core::TenantAuditState(after));
      });
}

// --- Audit ----------------------------------------------------------------------------

Response ListAuditLog(AppContext& app, Request& request) {
  Response problem;
  auto page = ParsePage(app.CursorKey(), request, problem, [](const std::string& key) {
    return key.size() <= 18 && key.find_first_not_of("0123456789") == std::string::npos;
  });
  if (!page) return problem;
  const int64_t after = page->after.empty() ? 0 : std::stoll(page->after);
  return WithTenantPermission(
      app, request, "core.audit.read",
      [&](pqxx::transaction_base& work, const Principal&,
          const TenantRef& tenant) -> StatusOr<Response> {
        CABILDO_ASSIGN_OR_RETURN(auto entries,
                                 core::ListAudit(work, tenant.id, after, page->limit + 1));
        std::optional<std::string> next;
        if (static_cast<int>(entries.size()) > page->limit) {
          entries.pop_back();
          next = std::to_string(entries.back().seq);
        }
        json items = json::array();
        for (const auto& entry : entries) {
          items.push_back({{"seq", entry.seq},
                           {"at", entry.at},
                           {"actor", entry.actor},
                           {"action", entry.action},
                           {"entity", entry.entity},
                           {"entity_id", entry.entity_id},
                           {"changes", entry.changes},
                           {"hash", entry.hash}});
        }
        return ListResponse(app.CursorKey(), request, std::move(items), next);
      });
}

Response VerifyAuditLog(AppContext& app, Request& request) {
  return WithTenantPermission(
      app, request, "core.audit.read",
      [&](pqxx::transaction_base& work, const Principal&,
          const TenantRef& tenant) -> StatusOr<Response> {
        CABILDO_ASSIGN_OR_RETURN(auto verification, core::VerifyAudit(work, tenant.id));
        if (verification.ok) {
          return Response::Json(200, {{"ok", true}, {"entries", verification.entries}});
        }
        return Response::Json(200, {{"ok", false}, {"first_bad_seq", *verification.first_bad_seq}});
      });
}

}  // namespace

void RegisterIdentityRoutes(Router& router, AppContext& app) {
  router.Add(Method::kPost, "/v1/auth/register", [&app](Request& r) { return Register(app, r); });
  router.Add(Method::kPost, "/v1/auth/login", [&app](Request& r) { return Login(app, r); });
  router.Add(Method::kPost, "/v1/auth/refresh", [&app](Request& r) { return Refresh(app, r); });
  router.Add(Method::kPost, "/v1/auth/logout", [&app](Request& r) { return Logout(app, r); });
  router.Add(Method::kGet, "/v1/me", [&app](Request& r) { return Me(app, r); });
  router.Add(Method::kGet, "/v1/roles", [&app](Request& r) { return Roles(app, r); });
  router.Add(Method::kPost, "/v1/tenants",
             [&app](Request& r) { return AfterCoreWrite(app, CreateTenant(app, r)); });
  router.Add(Method::kPatch, "/v1/tenants/{tenant}",
             [&app](Request& r) { return AfterCoreWrite(app, PatchTenant(app, r)); });
  router.Add(Method::kGet, "/v1/tenants/{tenant}/members",
             [&app](Request& r) { return ListMembers(app, r); });
  router.Add(Method::kPut, "/v1/tenants/{tenant}/members/{user_id}",
             [&app](Request& r) { return PutMember(app, r); });
  router.Add(Method::kDelete, "/v1/tenants/{tenant}/members/{user_id}",
             [&app](Request& r) { return DeleteMember(app, r); });
  router.Add(Method::kGet, "/v1/tenants/{tenant}/audit",
             [&app](Request& r) { return ListAuditLog(app, r); });
  router.Add(Method::kGet, "/v1/tenants/{tenant}/audit/verify",
             [&app](Request& r) { return VerifyAuditLog(app, r); });
}

}  // namespace cabildo::api
