// Form bodies as a form route reads them (ParseFormBody): whatever the bytes,
// no crash, and a document it accepts is an object whose every value is a
// string, an array of strings, or an object of those, that dumps as valid
// JSON (UTF-8 checked again by nlohmann::json).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "form_body.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool IsStringOrStrings(const nlohmann::json& value) {
  if (value.is_string()) return true;
  if (!value.is_array()) return false;
  for (const auto& item : value) {
    if (!item.is_string()) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  cabildo::api::BoundedJson body = cabildo::api::ParseFormBody(bytes);
  if (!body.ok()) {
    Check(body.refusal->status == 400 || body.refusal->status == 422);
    Check(!body.refusal->detail.empty());
    return 0;
  }
  Check(body.value.is_object());
  for (const auto& [name, value] : body.value.items()) {
    Check(!name.empty() && name.size() <= 128);
    if (value.is_object()) {
      for (const auto& [key, inner] : value.items()) Check(IsStringOrStrings(inner));
    } else {
      Check(IsStringOrStrings(value));
    }
  }
  (void)body.value.dump();  // throws (and the fuzzer reports it) on invalid UTF-8
  return 0;
}
