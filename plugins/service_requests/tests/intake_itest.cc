// SKELETON: replaced by this part's integration tests (see the module spec).
#include "service_requests_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

TEST_F(ServiceRequestsTest, TheTenantFileEnablesTheModule) {
  // The state for its state-wide open data (include_descendants), the
  // municipalities for their services.
  for (const char* tenant : {"durango", "municipio-durango", "gomez-palacio", "tepehuanes"}) {
    auto modules = Get("/v1/tenants/" + std::string(tenant) + "/modules");
    bool enabled = false;
    for (const auto& item : modules["items"])
      enabled = enabled || item["name"] == "service-requests";
    EXPECT_TRUE(enabled) << tenant;
  }
}

}  // namespace
}  // namespace cabildo::testing
