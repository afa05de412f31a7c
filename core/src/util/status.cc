#include "cabildo/core/status.h"

namespace cabildo {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "argumento no válido";
    case StatusCode::kUnauthenticated:
      return "no autenticado";
    case StatusCode::kPermissionDenied:
      return "permiso denegado";
    case StatusCode::kNotFound:
      return "no encontrado";
    case StatusCode::kAlreadyExists:
      return "ya existe";
    case StatusCode::kAborted:
      return "conflicto";
    case StatusCode::kUnprocessable:
      return "condición no cumplida";
    case StatusCode::kResourceExhausted:
      return "límite excedido";
    case StatusCode::kUnavailable:
      return "no disponible";
    case StatusCode::kInternal:
      return "error interno";
    case StatusCode::kIfMatchFailed:
      return "versión desactualizada";
  }
  return "desconocido";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

}  // namespace cabildo
