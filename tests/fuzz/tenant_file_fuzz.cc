// The tenant file (`cabildo tenants apply`): ParseTenantFile validates a whole
// JSON document against the tenants that already exist. Any input is either a
// list of problems or tenants ordered parents first, each with a valid slug.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "cabildo/core/tenants.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // As a second apply sees it: the state of Durango is already there.
  const std::vector<cabildo::core::ExistingTenant> existing = {
      {"durango", std::nullopt, "10", "state"}};
  for (const auto& against : {std::vector<cabildo::core::ExistingTenant>{}, existing}) {
    auto file = cabildo::core::ParseTenantFile(text, against);
    if (!file.ok()) {
      Check(file.status().code() == cabildo::StatusCode::kInvalidArgument);
      continue;
    }
    std::set<std::string> seen;
    for (const auto& existing_tenant : against) seen.insert(existing_tenant.slug);
    for (const auto& tenant : file->tenants) {
      Check(cabildo::core::IsValidSlug(tenant.slug));
      Check(!tenant.parent || seen.count(*tenant.parent) == 1);  // parents before children
      seen.insert(tenant.slug);
    }
  }
  return 0;
}
