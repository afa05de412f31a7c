// Auth, /v1/me, roles, members, tenant writes and the audit log (api-core.md).
#include "cabildo/core/audit.h"
#include "cabildo/core/tenants.h"
#include "cabildo/plugin/text_checks.h"

#include "route_support.h"

namespace cabildo::api {
namespace {

using core::Principal;
using core::TenantRef;
using nlohmann::json;

bool IsUuid(const std::string& text) { return plugin::IsLowerUuid(text); }

std::string ActorName(const Principal& principal) { return principal.email; }

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
  std::vector<core::FieldError> problems = core::ValidateNewAccount(*email, *password, *name);
  if (!problems.empty()) {
    for (const auto& p : problems) errors.push_back({p.field, p.message});
    return ValidationProblem(request, errors);
  }
  // Hashed on the bounded pool, before any connection is taken: a flood gets
  // 503 at once instead of holding workers and connections for Argon2id.
  auto hash = app.hasher.Hash(*password);
  if (!hash.ok()) return ProblemFromStatus(hash.status(), request.request_id);
  auto user = app.db.InTransaction([&](pqxx::transaction_base& work) {
    return core::CreateUser(work, {*email, *name, *password, false, *hash}, &problems);
  });
  if (!problems.empty()) {
    for (const auto& p : problems) errors.push_back({p.field, p.message});
    return ValidationProblem(request, errors);
  }
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
      core::Scope{{}, principal->user_id}, [&](pqxx::transaction_base& work) {
        for (const auto& row : work.exec_prepared("core.my_roles", principal->user_id)) {
          roles.push_back(
              {{"tenant", row[0].as<std::string>()}, {"role", row[1].as<std::string>()}});
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
  json items = json::array();
  Status status = app.db.InTransaction([&](pqxx::transaction_base& work) {
    for (const auto& row : work.exec_prepared("core.roles")) {
      json permissions = json::array();
      auto list = row[2].as<std::string>();  // comma-joined, sorted
      size_t start = 0;
      while (!list.empty() && start <= list.size()) {
        size_t end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        permissions.push_back(list.substr(start, end - start));
        start = end + 1;
      }
      items.push_back({{"name", row[0].as<std::string>()},
                       {"description", row[1].as<std::string>()},
                       {"assignable", row[3].as<bool>()},
                       {"permissions", permissions}});
    }
    return OkStatus();
  });
  if (!status.ok()) return ProblemFromStatus(status, request.request_id);
  return ListResponse(std::move(items), std::nullopt);
}

// --- Members ---------------------------------------------------------------------

std::vector<std::string> RolesAt(pqxx::transaction_base& work, const std::string& tenant_id,
                                 const std::string& user_id) {
  std::vector<std::string> roles;
  for (const auto& row : work.exec_prepared("core.member_roles", tenant_id, user_id)) {
    roles.push_back(row[0].as<std::string>());
  }
  return roles;
}

Response ListMembers(AppContext& app, Request& request) {
  Response problem;
  auto page = ParsePage(request, problem,
                        [](const std::string& key) { return key.find('@') != std::string::npos; });
  if (!page) return problem;
  const std::string& after = page->after;
  return WithTenantPermission(app, request, "core.member.read",
                              [&](pqxx::transaction_base& work, const Principal&,
                                  const TenantRef& tenant) -> StatusOr<Response> {
                                json items = json::array();
                                std::optional<std::string> next;
                                auto rows = work.exec_prepared("core.list_members", tenant.id,
                                                               after, page->limit + 1);
                                for (const auto& row : rows) {
                                  if (static_cast<int>(items.size()) == page->limit) {
                                    next = items.back()["email"].get<std::string>();
                                    break;
                                  }
                                  json roles = json::array();
                                  std::string list = row[3].as<std::string>();
                                  for (size_t start = 0; start <= list.size();) {
                                    size_t end = list.find(',', start);
                                    if (end == std::string::npos) end = list.size();
                                    roles.push_back(list.substr(start, end - start));
                                    start = end + 1;
                                  }
                                  items.push_back({{"user_id", row[0].as<std::string>()},
                                                   {"email", row[1].as<std::string>()},
                                                   {"name", row[2].as<std::string>()},
                                                   {"roles", roles}});
                                }
                                return ListResponse(std::move(items), next);
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
        std::sort(roles.begin(), roles.end());
        roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
        for (const auto& role : roles) {
          if (role == "instance_admin") {
            return PermissionDeniedError("El rol instance_admin no se asigna por la API.");
          }
          auto known = work.exec_prepared("core.assignable_role", role);
          if (known.empty()) {
            return Response(
                ValidationProblem(request, {{"roles", "No existe el rol '" + role + "'."}}));
          }
        }
        if (!IsUuid(user_id) || work.exec_prepared("core.user_exists", user_id).empty()) {
          return NotFoundError("No existe el usuario.");
        }
        const std::vector<std::string> before = RolesAt(work, tenant.id, user_id);
        work.exec_prepared("core.delete_member", tenant.id, user_id);
        for (const auto& role : roles) {
          work.exec_prepared("core.insert_member", tenant.id, user_id, role, actor.user_id);
        }
        if (before != roles) {
          core::AuditEvent event{tenant.id,
                                 actor.user_id,
                                 ActorName(actor),
                                 "member.update",
                                 "member",
                                 user_id,
                                 {{"before", {{"roles", before}}}, {"after", {{"roles", roles}}}}};
          CABILDO_RETURN_IF_ERROR(core::AppendAudit(work, event));
        }
        return Response::Json(200,
                              {{"user_id", user_id}, {"tenant", tenant.slug}, {"roles", roles}});
      });
}

Response DeleteMember(AppContext& app, Request& request) {
  const std::string user_id = request.path_params.at("user_id");
  return WithTenantPermission(
      app, request, "core.member.write",
      [&](pqxx::transaction_base& work, const Principal& actor,
          const TenantRef& tenant) -> StatusOr<Response> {
        if (!IsUuid(user_id)) return NotFoundError("No existe el usuario.");
        const std::vector<std::string> before = RolesAt(work, tenant.id, user_id);
        if (before.empty()) return NotFoundError("El usuario no tiene roles en este tenant.");
        work.exec_prepared("core.delete_member", tenant.id, user_id);
        core::AuditEvent event{
            tenant.id,
            actor.user_id,
            ActorName(actor),
            "member.remove",
            "member",
            user_id,
            {{"before", {{"roles", before}}}, {"after", {{"roles", json::array()}}}}};
        CABILDO_RETURN_IF_ERROR(core::AppendAudit(work, event));
        return Response::Empty(204);
      });
}

// --- Tenant writes -------------------------------------------------------------------

json TenantState(const pqxx::row& row) {
  return {{"slug", row[0].as<std::string>()},
          {"name", row[1].as<std::string>()},
          {"kind", row[2].as<std::string>()},
          {"parent", row[3].is_null() ? json(nullptr) : json(row[3].as<std::string>())},
          {"inegi_code", row[4].is_null() ? json(nullptr) : json(row[4].as<std::string>())}};
}

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
        } else if (!principal->instance_admin) {
          return PermissionDeniedError("Solo la administración de la instancia crea estados.");
        }
        // The same rules as tenant files, against what exists.
        std::vector<core::ExistingTenant> existing;
        for (const auto& row : work.exec_prepared("core.all_tenants")) {
          existing.push_back(
              {row[0].as<std::string>(),
               row[1].is_null() ? std::nullopt
                                : std::optional<std::string>(row[1].as<std::string>()),
               row[2].is_null() ? std::nullopt
                                : std::optional<std::string>(row[2].as<std::string>()),
               row[3].as<std::string>()});
          if (existing.back().slug == *slug) return AlreadyExistsError("Ya existe ese slug.");
        }
        json spec = {{"slug", *slug},
                     {"name", *name},
                     {"kind", *kind},
                     {"parent", parent ? json(*parent) : json(nullptr)},
                     {"inegi_code", inegi ? json(*inegi) : json(nullptr)}};
        auto checked = core::ParseTenantFile(json{{"tenants", {spec}}}.dump(), existing);
        if (!checked.ok()) {
          std::vector<FieldError> problems;
          std::istringstream lines(checked.status().message());
          for (std::string line; std::getline(lines, line);) {
            problems.push_back({"tenant", line.substr(line.find(": ") + 2)});
          }
          return Response(ValidationProblem(request, problems));
        }
        auto row = work.exec_prepared("core.insert_tenant", *slug, *name, *kind,
                                      parent.value_or(""), inegi)[0];
        const std::string id = row[0].as<std::string>();
        core::ApplyScope(work, core::Scope{{id}, principal->user_id});
        core::AuditEvent event{id,
                               principal->user_id,
                               ActorName(*principal),
                               "tenant.create",
                               "tenant",
                               id,
                               core::AuditDiff(json::object(), spec)};
        CABILDO_RETURN_IF_ERROR(core::AppendAudit(work, event));
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
        auto current = work.exec_prepared("core.tenant_state", tenant.id);
        json before = TenantState(current[0]);
        json after = before;
        if (name) after["name"] = *name;
        if (body->contains("inegi_code"))
          after["inegi_code"] = inegi ? json(*inegi) : json(nullptr);
        if (inegi && (before["inegi_code"] != *inegi)) {
          // The rules a tenant file and creation follow: format, the state's
          // prefix, a state's municipalities keeping theirs, one owner per code.
          auto family = work.exec_prepared("core.inegi_family", tenant.id, *inegi)[0];
          std::optional<std::string> parent_code;
          if (!family[0].is_null()) parent_code = family[0].as<std::string>();
          std::string why = core::InegiCodeProblem(tenant.kind, *inegi, parent_code);
          if (why.empty() && !family[1].is_null()) {
            why = "Sus municipios tienen claves que no empiezan con " + *inegi + " (" +
                  family[1].as<std::string>() + ").";
          }
          if (why.empty() && !family[2].is_null()) {
            why = "La clave ya pertenece al tenant '" + family[2].as<std::string>() + "'.";
          }
          if (!why.empty()) return Response(ValidationProblem(request, {{"inegi_code", why}}));
        }
        if (after != before) {
          std::optional<std::string> new_inegi;
          if (after["inegi_code"].is_string()) new_inegi = after["inegi_code"].get<std::string>();
          work.exec_prepared("core.update_tenant", tenant.id, after["name"].get<std::string>(),
                             new_inegi);
          core::AuditEvent event{tenant.id,
                                 actor.user_id,
                                 ActorName(actor),
                                 "tenant.update",
                                 "tenant",
                                 tenant.id,
                                 core::AuditDiff(before, after)};
          CABILDO_RETURN_IF_ERROR(core::AppendAudit(work, event));
        }
        return Response::Json(200, after);
      });
}

// --- Audit ----------------------------------------------------------------------------

Response ListAuditLog(AppContext& app, Request& request) {
  Response problem;
  auto page = ParsePage(request, problem, [](const std::string& key) {
    return key.size() <= 18 && key.find_first_not_of("0123456789") == std::string::npos;
  });
  if (!page) return problem;
  const int64_t after = page->after.empty() ? 0 : std::stoll(page->after);
  return WithTenantPermission(app, request, "core.audit.read",
                              [&](pqxx::transaction_base& work, const Principal&,
                                  const TenantRef& tenant) -> StatusOr<Response> {
                                CABILDO_ASSIGN_OR_RETURN(
                                    auto entries,
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
                                return ListResponse(std::move(items), next);
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

void RegisterStatements(core::DbPool& db) {
  db.Prepare("core.my_roles",
             "SELECT t.slug, ra.role FROM core.role_assignments ra "
             "JOIN core.tenants t ON t.id = ra.tenant_id WHERE ra.user_id = $1 "
             "ORDER BY t.slug, ra.role");
  db.Prepare("core.roles",
             "SELECT r.name, r.description, coalesce(string_agg(rp.permission, ',' "
             "ORDER BY rp.permission), ''), r.assignable FROM core.roles r "
             "LEFT JOIN core.role_permissions rp ON rp.role = r.name "
             "GROUP BY r.name, r.description, r.assignable ORDER BY r.name");
  db.Prepare("core.member_roles",
             "SELECT role FROM core.role_assignments WHERE tenant_id = $1 AND user_id = $2 "
             "ORDER BY role");
  db.Prepare("core.list_members",
             "SELECT u.id::text, u.email, u.name, string_agg(ra.role, ',' ORDER BY ra.role) "
             "FROM core.role_assignments ra JOIN core.users u ON u.id = ra.user_id "
             "WHERE ra.tenant_id = $1 AND u.email > $2 GROUP BY u.id, u.email, u.name "
             "ORDER BY u.email LIMIT $3");
  db.Prepare("core.assignable_role", "SELECT 1 FROM core.roles WHERE name = $1 AND assignable");
  db.Prepare("core.user_exists", "SELECT 1 FROM core.users WHERE id = $1::uuid");
  db.Prepare("core.delete_member",
             "DELETE FROM core.role_assignments WHERE tenant_id = $1 AND user_id = $2::uuid");
  db.Prepare("core.insert_member",
             "INSERT INTO core.role_assignments (tenant_id, user_id, role, granted_by) "
             "VALUES ($1, $2::uuid, $3, $4)");
  db.Prepare("core.all_tenants",
             "SELECT t.slug, p.slug, t.inegi_code, t.kind FROM core.tenants t "
             "LEFT JOIN core.tenants p ON p.id = t.parent_id");
  db.Prepare("core.insert_tenant",
             "INSERT INTO core.tenants (slug, name, kind, parent_id, inegi_code) VALUES "
             "($1, $2, $3, (SELECT id FROM core.tenants WHERE slug = $4), $5) RETURNING id::text");
  db.Prepare("core.tenant_state",
             "SELECT t.slug, t.name, t.kind, p.slug, t.inegi_code FROM core.tenants t "
             "LEFT JOIN core.tenants p ON p.id = t.parent_id WHERE t.id = $1");
  // For PATCH inegi_code ($2) of tenant $1: the parent's code, the
  // municipalities below it whose codes would lose their state's prefix, and
  // the tenant that already holds the code.
  db.Prepare("core.inegi_family",
             "SELECT (SELECT p.inegi_code FROM core.tenants t JOIN core.tenants p "
             "ON p.id = t.parent_id WHERE t.id = $1::uuid), "
             "(SELECT string_agg(c.inegi_code, ', ' ORDER BY c.inegi_code) FROM core.tenants c "
             "WHERE c.parent_id = $1::uuid AND c.kind = 'municipality' "
             "AND c.inegi_code IS NOT NULL AND left(c.inegi_code, length($2)) <> $2), "
             "(SELECT slug FROM core.tenants WHERE inegi_code = $2 AND id <> $1::uuid)");
  db.Prepare(
      "core.update_tenant",
      "UPDATE core.tenants SET name = $2, inegi_code = $3, updated_at = now() WHERE id = $1");
}

}  // namespace

void RegisterIdentityRoutes(Router& router, AppContext& app) {
  RegisterStatements(app.db);
  router.Add(Method::kPost, "/v1/auth/register", [&app](Request& r) { return Register(app, r); });
  router.Add(Method::kPost, "/v1/auth/login", [&app](Request& r) { return Login(app, r); });
  router.Add(Method::kPost, "/v1/auth/refresh", [&app](Request& r) { return Refresh(app, r); });
  router.Add(Method::kPost, "/v1/auth/logout", [&app](Request& r) { return Logout(app, r); });
  router.Add(Method::kGet, "/v1/me", [&app](Request& r) { return Me(app, r); });
  router.Add(Method::kGet, "/v1/roles", [&app](Request& r) { return Roles(app, r); });
  router.Add(Method::kPost, "/v1/tenants", [&app](Request& r) { return CreateTenant(app, r); });
  router.Add(Method::kPatch, "/v1/tenants/{tenant}",
             [&app](Request& r) { return PatchTenant(app, r); });
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
