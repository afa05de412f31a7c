// A running Cabildo for module tests: a fresh migrated database with every
// plugin of the build migrated, the Durango tenants applied (enabling the
// modules `EnabledModules()` names where tenants/durango.json lists them, or
// everywhere they are installed), and an in-process server.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cabildo/api/app.h"

#include "test_support.h"

namespace cabildo::testing {

inline constexpr const char* kTestPassword = "contraseña-segura-1";

class ServerTest : public ::testing::Test {
 protected:
  // Installed modules that tenants/durango.json may enable.
  virtual std::vector<std::string> EnabledModules() const = 0;
  // Where the plugins are loaded from; a module built outside the default
  // folder (the template, so other tests never see it) names its own.
  virtual std::string PluginDir() const;
  // CABILDO_PORTAL_DIR of the server (the portal's static files); empty: none.
  virtual std::string PortalDir() const { return ""; }

  void SetUp() override;

  // A user with `role` at `tenant` (created as the owner); returns an access token.
  std::string MakeUser(const std::string& email, const std::string& role,
                       const std::string& tenant);
  // A signed-in citizen: an account without any role (created as the owner,
  // as /v1/auth/register would make it), logged in; returns the access token.
  std::string MakeCitizen(const std::string& email);
  HttpResult Call(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& token = "", std::map<std::string, std::string> headers = {});

  TestDatabase database_;
  std::unique_ptr<api::App> app_;
};

}  // namespace cabildo::testing
