// JSON request bodies as every core route reads them: ParseJsonBody (through
// JsonObjectBody) and the StringField validation of the fields routes ask for.
// Hostile seeds: deep nesting, 1e400, NUL and control characters, bad UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "route_support.h"

namespace {

using cabildo::api::FieldError;
using cabildo::api::Request;
using cabildo::api::Response;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Request request;
  request.request_id = "fuzz";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  Response problem;
  auto body = cabildo::api::JsonObjectBody(request, problem);
  if (!body) {
    // Anything that is not a JSON object is a 4xx problem, never a throw or a 5xx.
    Check(problem.status >= 400 && problem.status < 500);
    return 0;
  }
  std::vector<FieldError> errors;
  for (const char* field : {"email", "password", "name", "title", "slug", "evidence_urls"}) {
    auto value = cabildo::api::StringField(*body, field, /*required=*/false, errors);
    Check(!value || (*body)[field].is_string());
  }
  if (!errors.empty()) {
    Check(cabildo::api::ValidationProblem(request, errors).status == 422);
  }
  return 0;
}
