// JSON request bodies: the one bounded parser every client document goes
// through (ParseBoundedJson), then as every core route reads them: through
// JsonObjectBody and the StringField validation of the fields routes ask for.
// Hostile seeds: deep nesting, 1e400, NUL and control characters, bad UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "json_body.h"
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
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // A refusal is a 400 or, naming one field, a 422; an accepted document
  // never holds a string with NUL (PostgreSQL would cut the text there).
  auto bounded = cabildo::api::ParseBoundedJson(bytes);
  if (!bounded.ok()) {
    Check(bounded.refusal->status == 400 ||
          (bounded.refusal->status == 422 && !bounded.refusal->field.empty()));
  } else {
    // Walked with an explicit stack: the document may be 32 levels deep.
    std::vector<const nlohmann::json*> pending{&bounded.value};
    while (!pending.empty()) {
      const nlohmann::json* value = pending.back();
      pending.pop_back();
      if (value->is_string())
        Check(value->get_ref<const std::string&>().find('\0') == std::string::npos);
      if (value->is_structured()) {
        for (auto it = value->begin(); it != value->end(); ++it) {
          if (value->is_object()) Check(it.key().find('\0') == std::string::npos);
          pending.push_back(&*it);
        }
      }
    }
  }

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
