// The plugin host with real libraries: the example module and a library of
// the wrong ABI, over HTTP against the real services.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/api/app.h"
#include "cabildo/core/crypto.h"
#include "cabildo/core/plugin_host.h"
#include "cabildo/core/tenants.h"

#include "openapi.h"
#include "test_support.h"

namespace cabildo {
namespace {

using nlohmann::json;
using testing::HttpRequest;
using testing::HttpResult;

const std::string kPluginDir = CABILDO_DEFAULT_PLUGIN_DIR;
const std::string kBadAbi =
    std::string(CABILDO_BINARY_DIR) + "/test-plugins/bad-abi/libcabildo_badabi.so";
constexpr const char* kPassword = "contraseña-segura-1";

TEST(PluginLoaderTest, RefusesAnIncompatibleAbiBeforeCallingIt) {
  auto plugin = core::LoadPlugin(kBadAbi);  // its init aborts the process if called
  ASSERT_FALSE(plugin.ok());
  const std::string& message = plugin.status().message();
  EXPECT_NE(message.find(kBadAbi), std::string::npos) << message;
  EXPECT_NE(message.find("abi_version del plugin = 2, del host = 1"), std::string::npos) << message;
}

TEST(PluginLoaderTest, LoadsTheExampleWithEverythingItDeclares) {
  auto plugin = core::LoadPlugin(kPluginDir + "/libcabildo_example.so");
  ASSERT_TRUE(plugin.ok()) << plugin.status().message();
  EXPECT_EQ(plugin->name, "example");
  EXPECT_EQ(plugin->version, "1.0.0");
  ASSERT_EQ(plugin->permissions.size(), 1u);
  EXPECT_EQ(plugin->permissions[0].name, "example.note.write");
  EXPECT_EQ(plugin->migrations.size(), 1u);
  EXPECT_EQ(plugin->routes.size(), 3u);
}

TEST(PluginLoaderTest, AFailingPluginStopsStartUpUnlessOptional) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("cabildo-plugins-" + core::RandomHex(4));
  std::filesystem::create_directories(dir);
  std::filesystem::create_symlink(kPluginDir + "/libcabildo_example.so",
                                  dir / "libcabildo_example.so");
  std::filesystem::create_symlink(kBadAbi, dir / "libcabildo_badabi.so");
  std::ofstream(dir / "README.txt") << "not a plugin";

  auto strict = core::LoadPlugins(dir, false);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("libcabildo_badabi.so"), std::string::npos);

  auto optional = core::LoadPlugins(dir, true);
  ASSERT_TRUE(optional.ok());
  ASSERT_EQ(optional->loaded.size(), 1u);
  EXPECT_EQ(optional->loaded[0].name, "example");
  ASSERT_EQ(optional->failed.size(), 1u);

  // /readyz names the failed plugin.
  testing::TestDatabase database;
  core::Config config = database.MakeConfig();
  config.plugin_dir = dir;
  config.plugins_optional = true;
  api::App app(config);
  ASSERT_TRUE(app.Start().ok());
  auto ready = json::parse(HttpRequest(app.Port(), "GET", "/readyz").body);
  ASSERT_TRUE(ready.contains("plugins_failed"));
  EXPECT_NE(ready["plugins_failed"][0]["file"].get<std::string>().find("badabi"),
            std::string::npos);
  config.plugins_optional = false;
  api::App strict_app(config);
  EXPECT_FALSE(strict_app.Start().ok());
  std::filesystem::remove_all(dir);
}

TEST(PluginConfigTest, ValidatesTheSchemaSubset) {
  json schema = {{"type", "object"},
                 {"required", {"prefix"}},
                 {"properties",
                  {{"prefix", {{"type", "string"}, {"maxLength", 5}}},
                   {"mode", {{"enum", {"a", "b"}}}},
                   {"limit", {{"type", "integer"}, {"minimum", 1}}}}},
                 {"additionalProperties", false}};
  std::vector<std::pair<std::string, std::string>> errors;
  core::ValidateConfig(schema, {{"prefix", "ocds"}, {"mode", "a"}, {"limit", 3}}, "config", errors);
  EXPECT_TRUE(errors.empty());
  core::ValidateConfig(schema, {{"prefix", "demasiado"}, {"mode", "c"}, {"limit", 0}, {"x", 1}},
                       "config", errors);
  EXPECT_EQ(errors.size(), 4u);
  errors.clear();
  core::ValidateConfig(schema, json::object(), "config", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].first, "config.prefix");
  errors.clear();
  core::ValidateConfig(schema, json::array(), "config", errors);
  EXPECT_EQ(errors.size(), 1u);
}

class ModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto plugins = core::LoadPlugins(kPluginDir, false);
    ASSERT_TRUE(plugins.ok()) << plugins.status().message();
    pqxx::connection owner(database_.owner_url());
    ASSERT_TRUE(core::MigratePlugins(owner, plugins->loaded).ok());
    std::ifstream in(std::string(CABILDO_SOURCE_DIR) + "/tenants/durango.json");
    std::stringstream text;
    text << in.rdbuf();
    ASSERT_TRUE(core::ApplyTenantFile(owner, text.str(), {"example"}).ok());
    app_ = std::make_unique<api::App>(database_.MakeConfig());
    ASSERT_TRUE(app_->Start().ok());
  }

  std::string MakeUser(const std::string& email, const std::string& role,
                       const std::string& tenant) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    auto user = core::CreateUser(work, {email, "Persona", kPassword, false});
    auto id = work.exec_params("SELECT id::text FROM core.tenants WHERE slug = $1", tenant)[0][0]
                  .as<std::string>();
    core::ApplyScope(work, core::Scope{{id}, ""});
    work.exec_params(
        "INSERT INTO core.role_assignments (tenant_id, user_id, role) VALUES ($1, $2, $3)", id,
        user->id, role);
    work.commit();
    auto login = HttpRequest(app_->Port(), "POST", "/v1/auth/login",
                             json{{"email", email}, {"password", kPassword}}.dump());
    return json::parse(login.body)["access_token"];
  }

  HttpResult Call(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& token = "", std::map<std::string, std::string> headers = {}) {
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return HttpRequest(app_->Port(), method, path, body, headers);
  }

  testing::TestDatabase database_;
  std::unique_ptr<api::App> app_;
};

TEST_F(ModuleTest, MigrationsAndPermissionsHaveTheirOwnTrack) {
  pqxx::connection owner(database_.owner_url());
  pqxx::work read(owner);
  EXPECT_EQ(
      read.exec("SELECT count(*) FROM schema_migrations WHERE component = 'plugin:example'")[0][0]
          .as<int>(),
      1);
  EXPECT_EQ(
      read.exec("SELECT count(*) FROM schema_migrations WHERE component = 'core'")[0][0].as<int>(),
      3);
  auto grants = read.exec(
                        "SELECT string_agg(role, ',' ORDER BY role) FROM core.role_permissions "
                        "WHERE permission = 'example.note.write'")[0][0]
                    .as<std::string>();
  EXPECT_EQ(grants, "admin,editor");
  // The core's own grants are untouched by the plugin's.
  EXPECT_EQ(read.exec("SELECT count(*) FROM core.role_permissions WHERE role = 'editor' "
                      "AND permission LIKE 'core.%'")[0][0]
                .as<int>(),
            0);
}

TEST_F(ModuleTest, ModulesAreListedAndEnabledPerTenant) {
  auto modules = json::parse(Call("GET", "/v1/modules").body);
  ASSERT_EQ(modules["items"].size(), 1u);
  EXPECT_EQ(modules["items"][0]["name"], "example");
  EXPECT_EQ(modules["items"][0]["permissions"], json({"example.note.write"}));
  // durango.json does not list "example": nothing enabled yet.
  auto disabled = Call("GET", "/v1/tenants/tepehuanes/example/notes");
  EXPECT_EQ(disabled.status, 404);
  EXPECT_NE(json::parse(disabled.body)["detail"].get<std::string>().find("no está habilitado"),
            std::string::npos);

  const std::string admin = MakeUser("estado@ejemplo.mx", "admin", "durango");
  auto bad = Call("PUT", "/v1/tenants/tepehuanes/modules/example",
                  json{{"config", {{"greting", "hola"}}}}.dump(), admin);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Call("PUT", "/v1/tenants/tepehuanes/modules/nope", "{}", admin).status, 404);
  auto enabled = Call("PUT", "/v1/tenants/tepehuanes/modules/example",
                      json{{"config", {{"greeting", "¡Bienvenidos a Tepehuanes!"}}}}.dump(), admin);
  ASSERT_EQ(enabled.status, 201) << enabled.body;
  EXPECT_EQ(Call("PUT", "/v1/tenants/tepehuanes/modules/example",
                 json{{"config", {{"greeting", "Hola"}}}}.dump(), admin)
                .status,
            200);
  auto notes = Call("GET", "/v1/tenants/tepehuanes/example/notes");
  ASSERT_EQ(notes.status, 200) << notes.body;
  EXPECT_EQ(json::parse(notes.body)["greeting"], "Hola");
  EXPECT_EQ(json::parse(Call("GET", "/v1/tenants/tepehuanes").body)["modules"], json({"example"}));
  EXPECT_EQ(
      json::parse(
          Call("GET", "/v1/tenants/tepehuanes/modules").body)["items"][0]["config"]["greeting"],
      "Hola");
  EXPECT_EQ(Call("GET", "/v1/tenants/gomez-palacio/example/notes").status, 404);  // not there

  // An editor writes; anonymous callers see only what is published.
  const std::string editor = MakeUser("editora@ejemplo.mx", "editor", "tepehuanes");
  auto draft = Call("POST", "/v1/tenants/tepehuanes/example/notes",
                    json{{"title", "Borrador"}}.dump(), editor);
  ASSERT_EQ(draft.status, 201) << draft.body;
  auto published =
      Call("POST", "/v1/tenants/tepehuanes/example/notes",
           json{{"title", "Señalética en la carretera"}, {"published", true}}.dump(), editor);
  ASSERT_EQ(published.status, 201);
  EXPECT_EQ(json::parse(Call("GET", "/v1/tenants/tepehuanes/example/notes").body)["items"].size(),
            1u);
  EXPECT_EQ(
      json::parse(Call("GET", "/v1/tenants/tepehuanes/example/notes", "", editor).body)["items"]
          .size(),
      2u);
  const std::string draft_id = json::parse(draft.body)["id"];
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes/" + draft_id).status, 404);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes/" + draft_id, "", editor).status,
            200);

  // Disabling keeps the data; enabling again brings it back.
  EXPECT_EQ(Call("DELETE", "/v1/tenants/tepehuanes/modules/example", "", admin).status, 204);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes").status, 404);
  EXPECT_EQ(Call("PUT", "/v1/tenants/tepehuanes/modules/example", "{}", admin).status, 200);
  EXPECT_EQ(
      json::parse(Call("GET", "/v1/tenants/tepehuanes/example/notes", "", editor).body)["items"]
          .size(),
      2u);
}

TEST_F(ModuleTest, ModuleRoutesGetTheCoresAuthorisationValidationAndAudit) {
  const std::string admin = MakeUser("tepe@ejemplo.mx", "admin", "tepehuanes");
  ASSERT_EQ(Call("PUT", "/v1/tenants/tepehuanes/modules/example", "{}", admin).status, 201);
  EXPECT_EQ(
      Call("POST", "/v1/tenants/tepehuanes/example/notes", json{{"title", "x"}}.dump()).status,
      401);
  const std::string outsider = MakeUser("gomez@ejemplo.mx", "editor", "gomez-palacio");
  EXPECT_EQ(
      Call("POST", "/v1/tenants/tepehuanes/example/notes", json{{"title", "x"}}.dump(), outsider)
          .status,
      404);
  const std::string auditor = MakeUser("auditor@ejemplo.mx", "auditor", "tepehuanes");
  EXPECT_EQ(
      Call("POST", "/v1/tenants/tepehuanes/example/notes", json{{"title", "x"}}.dump(), auditor)
          .status,
      403);

  auto invalid = Call("POST", "/v1/tenants/tepehuanes/example/notes",
                      json{{"title", 5}, {"published", "sí"}}.dump(), admin);
  EXPECT_EQ(invalid.status, 422);
  EXPECT_EQ(json::parse(invalid.body)["errors"].size(), 2u);
  EXPECT_EQ(Call("POST", "/v1/tenants/tepehuanes/example/notes", "{\"title\":", admin).status, 400);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes/'%3B%20DROP%20TABLE").status, 404);
  ASSERT_EQ(Call("POST", "/v1/tenants/tepehuanes/example/notes", json{{"title", "Auditada"}}.dump(),
                 admin)
                .status,
            201);

  auto log = json::parse(Call("GET", "/v1/tenants/tepehuanes/audit", "", auditor).body);
  std::vector<std::string> actions;
  for (const auto& entry : log["items"]) actions.push_back(entry["action"]);
  EXPECT_EQ(actions.back(), "example.note.create");
  EXPECT_EQ(log["items"].back()["changes"]["after"]["title"], "Auditada");
  EXPECT_EQ(json::parse(Call("GET", "/v1/tenants/tepehuanes/audit/verify", "", auditor).body)["ok"],
            true);
}

TEST_F(ModuleTest, GetsCarryAnETagAndRevalidateWith304) {
  auto first = Call("GET", "/v1/tenants/durango");
  const std::string etag = first.Header("etag");
  ASSERT_EQ(etag.size(), 34u);
  auto again = Call("GET", "/v1/tenants/durango", "", "", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.Header("etag"), etag);
  EXPECT_EQ(Call("GET", "/v1/tenants/durango", "", "", {{"If-None-Match", "\"otro\""}}).status,
            200);
}

TEST_F(ModuleTest, TenantsApplyEnablesInstalledModulesOnly) {
  pqxx::connection owner(database_.owner_url());
  json file = {{"tenants",
                {{{"slug", "durango"},
                  {"name", "Gobierno del Estado de Durango"},
                  {"kind", "state"},
                  {"inegi_code", "10"},
                  {"modules", {"example", "public-works"}}}}}};
  auto report = core::ApplyTenantFile(owner, file.dump(), {"example"});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->modules_enabled, std::vector<std::string>{"durango/example"});
  ASSERT_EQ(report->warnings.size(), 1u);
  EXPECT_NE(report->warnings[0].find("'public-works'"), std::string::npos);
  auto again = core::ApplyTenantFile(owner, file.dump(), {"example"});
  EXPECT_TRUE(again->modules_enabled.empty());
  EXPECT_EQ(Call("GET", "/v1/tenants/durango/example/notes").status, 200);
}

// Every route the running server has (core and plugins) is in the document it
// serves, and the document describes no route that does not exist.
TEST_F(ModuleTest, TheServedOpenApiMatchesTheRouter) {
  auto served = Call("GET", "/v1/openapi.json");
  ASSERT_EQ(served.status, 200);
  auto doc = json::parse(served.body);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::vector<std::pair<std::string, std::string>> routes;
  for (const auto& [method, path] : app_->router().Routes()) {
    routes.emplace_back(api::MethodName(method), path);
  }
  EXPECT_EQ(api::MissingRoutes(doc, routes), std::vector<std::string>{});
  for (const auto& documented : api::DocumentedRoutes(doc)) {
    EXPECT_NE(std::find(routes.begin(), routes.end(), documented), routes.end())
        << documented.first << " " << documented.second << " is documented but not served";
  }
  EXPECT_TRUE(doc["paths"].contains("/v1/tenants/{tenant}/example/notes"));
}

}  // namespace
}  // namespace cabildo
