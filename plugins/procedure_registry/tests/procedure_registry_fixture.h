// A running Cabildo with the procedure-registry module enabled for every
// Durango tenant, shortcuts for its routes, and a record complete enough to
// publish (every item of LGMR art. 46). Shared by the module's integration
// tests.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "sample_procedure.h"
#include "server_fixture.h"
#include "test_support.h"

namespace cabildo::testing {

class ProcedureRegistryTest : public ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override { return {"procedure-registry"}; }
  std::string PluginDir() const override { return CABILDO_MODULE_PLUGIN_DIR; }

  // "/v1/tenants/<tenant>/procedure-registry<path>"
  static std::string Path(const std::string& tenant, const std::string& path) {
    return "/v1/tenants/" + tenant + "/procedure-registry" + path;
  }
  // POSTs `body` and expects `status`; the parsed answer (discarded when not JSON).
  nlohmann::json Post(const std::string& tenant, const std::string& path,
                      const nlohmann::json& body, const std::string& token, int status = 201) {
    auto result = Call("POST", Path(tenant, path), body.dump(), token);
    EXPECT_EQ(result.status, status) << "POST " << path << ": " << result.body;
    return nlohmann::json::parse(result.body, nullptr, false);
  }
  // GETs and expects 200; anonymous when `token` is empty.
  nlohmann::json Get(const std::string& tenant, const std::string& path,
                     const std::string& token = "") {
    auto result = Call("GET", Path(tenant, path), "", token);
    EXPECT_EQ(result.status, 200) << "GET " << path << ": " << result.body;
    return nlohmann::json::parse(result.body, nullptr, false);
  }

  // A record with every item art. 46 asks for (sample_procedure.h).
  static nlohmann::json CompleteProcedure(const std::string& homoclave, const std::string& name) {
    return testing::CompleteProcedure(homoclave, name);
  }
};

}  // namespace cabildo::testing
