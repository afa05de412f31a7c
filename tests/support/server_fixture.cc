#include "server_fixture.h"

#include <fstream>
#include <sstream>

#include <pqxx/pqxx>

#include "cabildo/core/plugin_host.h"
#include "cabildo/core/tenants.h"

namespace cabildo::testing {

std::string ServerTest::PluginDir() const { return CABILDO_DEFAULT_PLUGIN_DIR; }

void ServerTest::SetUp() {
  auto plugins = core::LoadPlugins(PluginDir(), false);
  ASSERT_TRUE(plugins.ok()) << plugins.status().message();
  pqxx::connection owner(database_.owner_url());
  ASSERT_TRUE(core::MigratePlugins(owner, plugins->loaded).ok());
  std::ifstream in(std::string(CABILDO_SOURCE_DIR) + "/tenants/durango.json");
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_TRUE(core::ApplyTenantFile(owner, text.str(), EnabledModules()).ok());
  auto config = database_.MakeConfig();
  config.plugin_dir = PluginDir();
  config.portal_dir = PortalDir();
  app_ = std::make_unique<api::App>(config);
  ASSERT_TRUE(app_->Start().ok());
}

std::string ServerTest::MakeUser(const std::string& email, const std::string& role,
                                 const std::string& tenant) {
  pqxx::connection owner(database_.owner_url());
  pqxx::work work(owner);
  auto user = core::CreateUser(work, {email, "Persona", kTestPassword, false});
  EXPECT_TRUE(user.ok()) << user.status().message();
  auto id = work.exec_params("SELECT id::text FROM core.tenants WHERE slug = $1", tenant)[0][0]
                .as<std::string>();
  core::ApplyScope(work, core::Scope{{id}, ""});
  work.exec_params(
      "INSERT INTO core.role_assignments (tenant_id, user_id, role) VALUES ($1, $2, $3)", id,
      user->id, role);
  work.commit();
  auto login = HttpRequest(app_->Port(), "POST", "/v1/auth/login",
                           nlohmann::json{{"email", email}, {"password", kTestPassword}}.dump());
  return nlohmann::json::parse(login.body)["access_token"];
}

std::string ServerTest::MakeCitizen(const std::string& email) {
  {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    auto user = core::CreateUser(work, {email, "Persona con cuenta", kTestPassword, false});
    EXPECT_TRUE(user.ok()) << user.status().message();
    work.commit();
  }
  auto login = HttpRequest(app_->Port(), "POST", "/v1/auth/login",
                           nlohmann::json{{"email", email}, {"password", kTestPassword}}.dump());
  EXPECT_EQ(login.status, 200) << login.body;
  return nlohmann::json::parse(login.body, nullptr, false).value("access_token", "");
}

HttpResult ServerTest::Call(const std::string& method, const std::string& path,
                            const std::string& body, const std::string& token,
                            std::map<std::string, std::string> headers) {
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  return HttpRequest(app_->Port(), method, path, body, headers);
}

}  // namespace cabildo::testing
