#include "route_support.h"

#include <charconv>
#include <cstring>

#include <sodium.h>

#include "tenant_lifecycle_routes.h"

namespace cabildo::api {

StatusOr<core::Principal> Caller(AppContext& app, const Request& request) {
  auto header = request.Header("authorization");
  if (!header) return core::Principal{};
  constexpr const char* kBearer = "Bearer ";
  if (header->rfind(kBearer, 0) != 0) {
    return UnauthenticatedError("Use Authorization: Bearer <access_token>.");
  }
  auto principal = app.auth.Authenticate(header->substr(std::strlen(kBearer)));
  if (principal.ok() && principal->authenticated()) {
    CABILDO_RETURN_IF_ERROR(CheckUserLimit(app.limits, request, principal->user_id));
  }
  return principal;
}

Response InRouteTransaction(
    AppContext& app, const core::Scope& scope, const Request& request,
    const std::function<StatusOr<Response>(pqxx::transaction_base&)>& work) {
  std::optional<Response> refused;  // a non-2xx answer, returned after the rollback
  auto result =
      app.db.InScopedTransaction(scope, [&](pqxx::transaction_base& tx) -> StatusOr<Response> {
        CABILDO_ASSIGN_OR_RETURN(Response response, work(tx));
        if (response.status / 100 != 2) {
          refused = std::move(response);
          return Status(StatusCode::kAborted, "rollback");
        }
        return response;
      });
  if (refused) return *std::move(refused);
  if (!result.ok()) return ProblemFromStatus(result.status(), request.request_id);
  return *std::move(result);
}

Response WithTenantPermission(AppContext& app, Request& request, const std::string& permission,
                              const TenantWork& work) {
  auto principal = Caller(app, request);
  if (!principal.ok()) return ProblemFromStatus(principal.status(), request.request_id);
  if (!principal->authenticated()) {
    return Problem(401, "Inicie sesión para usar esta ruta.", request.request_id);
  }
  const std::string& slug = request.path_params.at("tenant");
  return InRouteTransaction(
      app, core::Scope{{}, principal->user_id}, request,
      [&](pqxx::transaction_base& tx) -> StatusOr<Response> {
        CABILDO_ASSIGN_OR_RETURN(core::TenantRef tenant, core::ResolveTenant(tx, slug));
        switch (core::Authorize(tx, *principal, permission, tenant.id)) {
          case core::Access::kHidden:
            return NotFoundError("No existe el tenant '" + slug + "'.");
          case core::Access::kForbidden:
            return PermissionDeniedError("Su rol en este tenant no permite esta acción.");
          case core::Access::kAllowed:
            break;
        }
        if (auto locked = RefuseWriteIfSuspended(request, tenant)) return *std::move(locked);
        core::ApplyScope(tx, core::Scope{{tenant.id}, principal->user_id});
        return work(tx, *principal, tenant);
      });
}

Response JsonRefusalProblem(const JsonRefusal& refusal, const std::string& request_id) {
  if (refusal.status == 422) {
    return Problem(422, refusal.detail, request_id, {{refusal.field, refusal.message}});
  }
  return Problem(refusal.status, refusal.detail, request_id);
}

std::optional<nlohmann::json> JsonObjectBody(const Request& request, Response& problem) {
  BoundedJson body = ParseBoundedJson(request.body);
  if (!body.ok()) {
    problem = JsonRefusalProblem(*body.refusal, request.request_id);
    return std::nullopt;
  }
  if (!body.value.is_object()) {
    problem = Problem(400, "El cuerpo debe ser un objeto JSON.", request.request_id);
    return std::nullopt;
  }
  return std::move(body.value);
}

std::optional<nlohmann::json> FormObjectBody(const Request& request, Response& problem) {
  BoundedJson body = ParseFormBody(request.body);
  if (!body.ok()) {
    problem = JsonRefusalProblem(*body.refusal, request.request_id);
    return std::nullopt;
  }
  return std::move(body.value);
}

std::optional<std::string> StringField(const nlohmann::json& body, const std::string& field,
                                       bool required, std::vector<FieldError>& errors) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    if (required) errors.push_back({field, "Este campo es obligatorio."});
    return std::nullopt;
  }
  if (!it->is_string()) {
    errors.push_back({field, "Debe ser texto."});
    return std::nullopt;
  }
  return it->get<std::string>();
}

Response ValidationProblem(const Request& request, const std::vector<FieldError>& errors) {
  return Problem(422, "Revise los campos señalados.", request.request_id, errors);
}

std::optional<int> ParseLimit(const Request& request, Response& problem) {
  auto text = request.Query("limit");
  if (!text) return 20;
  int limit = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || ptr != text->data() + text->size() || limit < 1 || limit > 100) {
    problem = Problem(400, "Parámetros de consulta no válidos.", request.request_id,
                      {{"limit", "Debe ser un entero entre 1 y 100."}});
    return std::nullopt;
  }
  return limit;
}

std::optional<PageRequest> ParsePage(const std::string& cursor_key, const Request& request,
                                     Response& problem,
                                     const std::function<bool(const std::string&)>& key_ok) {
  auto limit = ParseLimit(request, problem);
  if (!limit) return std::nullopt;
  PageRequest page{*limit, ""};
  if (auto cursor = request.Query("cursor")) {
    // Signed and bound to the list that issued it, as module lists' cursors.
    auto payload = VerifyCursor(cursor_key, *cursor);
    const bool valid = payload && payload->is_object() &&
                       payload->value("r", "") == request.route && payload->contains("k") &&
                       (*payload)["k"].is_string() &&
                       !(*payload)["k"].get_ref<const std::string&>().empty() &&
                       key_ok((*payload)["k"].get_ref<const std::string&>());
    if (!valid) {
      problem = Problem(400, "Parámetros de consulta no válidos.", request.request_id,
                        {{"cursor", "El cursor no es válido; empiece sin cursor."}});
      return std::nullopt;
    }
    page.after = (*payload)["k"].get<std::string>();
  }
  return page;
}

Response ListResponse(const std::string& cursor_key, const Request& request, nlohmann::json items,
                      const std::optional<std::string>& next_key) {
  nlohmann::json next = nullptr;
  if (next_key) {
    next = SignCursor(cursor_key, nlohmann::json{{"r", request.route}, {"k", *next_key}});
  }
  return Response::Json(200, {{"items", std::move(items)}, {"next_cursor", std::move(next)}});
}

}  // namespace cabildo::api
