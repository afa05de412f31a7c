// Query strings as the server reads them: Pistache's request parser splits the
// request target into pairs, the server percent-decodes each name and value
// (PercentDecode, '+' as space) and refuses what is not UTF-8 (IsValidUtf8).
// IsValidUtf8 is checked against nlohmann::json's own UTF-8 validation.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>
#include <pistache/http.h>

#include "cabildo/api/http.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool JsonAcceptsUtf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

void CheckDecoded(const std::string& raw) {
  for (bool plus_is_space : {true, false}) {
    const std::string decoded = cabildo::api::PercentDecode(raw, plus_is_space);
    Check(decoded.size() <= raw.size());
    Check(cabildo::api::IsValidUtf8(decoded) == JsonAcceptsUtf8(decoded));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string query(reinterpret_cast<const char*>(data), size);
  CheckDecoded(query);

  // The same bytes as the query of a request, through Pistache's parser.
  const std::string head = "GET /v1/tenants?" + query + " HTTP/1.1\r\nHost: x\r\n\r\n";
  Pistache::Http::RequestParser parser(head.size() + 1);
  if (!parser.feed(head.data(), head.size())) return 0;
  try {
    if (parser.parse() != Pistache::Http::Private::State::Done) return 0;
  } catch (const std::exception&) {
    return 0;  // a malformed request line: the server answers 400
  }
  const auto& parsed = parser.request.query();
  for (auto it = parsed.parameters_begin(); it != parsed.parameters_end(); ++it) {
    CheckDecoded(it->first);
    CheckDecoded(it->second);
  }
  return 0;
}
