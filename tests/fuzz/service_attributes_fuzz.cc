// Open311 attribute definitions and answers (plugins/service_requests
// attributes.cc) on any JSON: no crash; definitions it accepts publish
// every field, and answers checked against them are stored only as the
// definitions allow (a list's answers are its keys).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../../plugins/service_requests/src/attributes.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cabildo::plugins::service_requests::CheckAnswers;
  using cabildo::plugins::service_requests::CheckAttributeDefinitions;
  using cabildo::plugins::service_requests::PublishedAttributes;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Input: a JSON array [definitions, answers]; anything else is skipped.
  nlohmann::json input = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!input.is_array() || input.size() != 2) return 0;
  const nlohmann::json& definitions = input[0];
  if (!CheckAttributeDefinitions(definitions).empty()) return 0;
  const nlohmann::json published = PublishedAttributes(definitions);
  Check(published.size() == definitions.size());
  auto checked = CheckAnswers(definitions, input[1]);
  for (const auto& definition : published) {
    const std::string code = definition["code"];
    if (!checked.values.contains(code)) continue;
    Check(definition["variable"].get<bool>());
    std::set<std::string> keys;
    for (const auto& value : definition["values"]) keys.insert(value["key"].get<std::string>());
    const auto& stored = checked.values[code];
    if (definition["datatype"] == "multivaluelist") {
      Check(stored.is_array() && !stored.empty());
      for (const auto& key : stored) Check(keys.count(key.get<std::string>()) == 1);
    } else if (definition["datatype"] == "singlevaluelist") {
      Check(keys.count(stored.get<std::string>()) == 1);
    }
  }
  (void)checked.values.dump();
  return 0;
}
