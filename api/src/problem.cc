#include "cabildo/api/problem.h"

namespace cabildo::api {
namespace {

struct ProblemKind {
  int status;
  const char* type;   // appended to https://cabildo.mx/problems/
  const char* title;  // Spanish, stable per status
};

constexpr ProblemKind kKinds[] = {
    {400, "bad-request", "Solicitud mal formada"},
    {401, "unauthenticated", "Autenticación requerida"},
    {403, "forbidden", "Permiso denegado"},
    {404, "not-found", "No encontrado"},
    {405, "method-not-allowed", "Método no permitido"},
    {408, "request-timeout", "Tiempo de espera agotado"},
    {409, "conflict", "Conflicto"},
    {411, "length-required", "Falta Content-Length"},
    {412, "precondition-failed", "La versión cambió"},
    {413, "payload-too-large", "Cuerpo demasiado grande"},
    {415, "unsupported-media-type", "Tipo de contenido no admitido"},
    {422, "validation", "Datos no válidos"},
    {423, "tenant-suspended", "Tenant suspendido"},
    {429, "rate-limited", "Demasiadas solicitudes"},
    {500, "internal", "Error interno"},
    {503, "unavailable", "Servicio no disponible"},
};

const ProblemKind& KindFor(int status) {
  for (const auto& kind : kKinds) {
    if (kind.status == status) return kind;
  }
  return KindFor(status >= 500 ? 500 : 400);
}

}  // namespace

Response Problem(int status, const std::string& detail, const std::string& request_id,
                 const std::vector<FieldError>& errors) {
  const ProblemKind& kind = KindFor(status);
  nlohmann::json body = {{"type", std::string("https://cabildo.mx/problems/") + kind.type},
                         {"title", kind.title},
                         {"status", status},
                         {"detail", detail},
                         {"request_id", request_id}};
  if (!errors.empty()) {
    body["errors"] = nlohmann::json::array();
    for (const auto& error : errors) {
      body["errors"].push_back({{"field", error.field}, {"message", error.message}});
    }
  }
  Response response = Response::Json(status, body);
  response.content_type = "application/problem+json";
  return response;
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kUnprocessable:
      return 422;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kInternal:
      return 500;
    case StatusCode::kIfMatchFailed:
      return 412;
  }
  return 500;
}

Response ProblemFromStatus(const Status& status, const std::string& request_id) {
  const int http_status = HttpStatusFor(status.code());
  Response response = Problem(http_status, status.message(), request_id);
  if (http_status == 503) response.headers.emplace_back("Retry-After", "5");
  return response;
}

Response AsOpen311Errors(Response problem) {
  if (problem.status < 400 || problem.content_type != "application/problem+json") return problem;
  const int code = problem.status == 422 ? 400 : problem.status == 401 ? 403 : problem.status;
  nlohmann::json document =
      nlohmann::json::parse(problem.Body(), nullptr, /*allow_exceptions=*/false);
  nlohmann::json errors = nlohmann::json::array();
  if (document.is_object()) {
    for (const auto& error : document.value("errors", nlohmann::json::array())) {
      if (!error.is_object()) continue;
      const std::string field = error.value("field", "");
      const std::string message = error.value("message", "");
      errors.push_back(
          {{"code", code}, {"description", field.empty() ? message : field + ": " + message}});
    }
    if (errors.empty()) {
      errors.push_back(
          {{"code", code}, {"description", document.value("detail", document.value("title", ""))}});
    }
  } else {
    errors.push_back({{"code", code}, {"description", "Error."}});
  }
  Response shaped = Response::Json(code, errors);
  shaped.headers = std::move(problem.headers);
  return shaped;
}

}  // namespace cabildo::api
