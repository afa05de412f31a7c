// The plugin host with real libraries: the example module and a library of
// the wrong ABI, over HTTP against the real services.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/api/app.h"
#include "cabildo/core/crypto.h"
#include "cabildo/core/plugin_host.h"
#include "cabildo/core/tenants.h"
#include "cabildo/plugin/plugin_api.h"

#include "openapi.h"
#include "server_fixture.h"
#include "test_support.h"

namespace cabildo {
namespace {

using nlohmann::json;
using testing::HttpRequest;
using testing::HttpResult;

const std::string kPluginDir = CABILDO_DEFAULT_PLUGIN_DIR;

// The entry of GET /v1/modules named `name` (a failed assertion and null when absent).
const json& ModuleNamed(const json& modules, const std::string& name) {
  static const json kNone;
  for (const json& module : modules["items"]) {
    if (module["name"] == name) return module;
  }
  ADD_FAILURE() << "module " << name << " is not listed";
  return kNone;
}
const std::string kBadAbi =
    std::string(CABILDO_BINARY_DIR) + "/test-plugins/bad-abi/libcabildo_badabi.so";

TEST(PluginLoaderTest, RefusesAnIncompatibleAbiBeforeCallingIt) {
  auto plugin = core::LoadPlugin(kBadAbi);  // its init aborts the process if called
  ASSERT_FALSE(plugin.ok());
  const std::string& message = plugin.status().message();
  EXPECT_NE(message.find(kBadAbi), std::string::npos) << message;
  const std::string expected =
      "abi_version del plugin = " + std::to_string(plugin::kAbiVersion + 1) +
      ", del host = " + std::to_string(plugin::kAbiVersion);
  EXPECT_NE(message.find(expected), std::string::npos) << message;
}

TEST(PluginLoaderTest, LoadsTheExampleWithEverythingItDeclares) {
  auto plugin = core::LoadPlugin(kPluginDir + "/libcabildo_example.so");
  ASSERT_TRUE(plugin.ok()) << plugin.status().message();
  EXPECT_EQ(plugin->name, "example");
  EXPECT_EQ(plugin->version, "1.0.0");
  ASSERT_EQ(plugin->permissions.size(), 1u);
  EXPECT_EQ(plugin->permissions[0].name, "example.note.write");
  EXPECT_EQ(plugin->migrations.size(), 3u);
  EXPECT_EQ(plugin->routes.size(), 7u);  // notes CRUD, export.csv, links
  EXPECT_TRUE(plugin->describer);        // its notes, for other modules' links
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

const std::string kReserved =
    std::string(CABILDO_BINARY_DIR) + "/test-plugins/reserved/libcabildo_reserved.so";
const std::string kTwins = std::string(CABILDO_BINARY_DIR) + "/test-plugins/twins";

// A folder of plugins for one test: links to `files`, removed at the end.
class PluginDir {
 public:
  explicit PluginDir(const std::vector<std::string>& files)
      : dir_(std::filesystem::temp_directory_path() / ("cabildo-plugins-" + core::RandomHex(4))) {
    std::filesystem::create_directories(dir_);
    for (const auto& file : files) {
      std::filesystem::create_symlink(file, dir_ / std::filesystem::path(file).filename());
    }
  }
  ~PluginDir() { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

// Issue 16: a plugin called like a core route ("audit") is refused before its
// init runs (it aborts if called), by LoadPlugin and so by `cabildo serve`.
TEST(PluginLoaderTest, RefusesANameTheCoreReservesAtStart) {
  auto plugin = core::LoadPlugin(kReserved);
  ASSERT_FALSE(plugin.ok());
  EXPECT_NE(plugin.status().message().find("el nombre 'audit' está reservado"), std::string::npos)
      << plugin.status().message();

  PluginDir dir({kPluginDir + "/libcabildo_example.so", kReserved});
  testing::TestDatabase database;
  core::Config config = database.MakeConfig();
  config.plugin_dir = dir.path();
  api::App app(config);
  Status started = app.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.message().find("libcabildo_reserved.so: el nombre 'audit' está reservado"),
            std::string::npos)
      << started.message();
}

// Issue 16: two libraries that declare one route (both call themselves
// "twin" and declare GET /hello) stop the start-up with an error naming
// both, where the router used to abort the process.
TEST(PluginLoaderTest, TwoPluginsWithOneRouteAreRefusedAtStart) {
  const std::string a = kTwins + "/libcabildo_twin-a.so";
  const std::string b = kTwins + "/libcabildo_twin-b.so";
  PluginDir dir({a, b});
  testing::TestDatabase database;
  core::Config config = database.MakeConfig();
  config.plugin_dir = dir.path();
  api::App app(config);
  Status started = app.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.message().find("libcabildo_twin-b.so: el nombre 'twin' ya lo usa otro plugin"),
            std::string::npos)
      << started.message();

  // The router's own check, for plugins that reach it (each loads alone).
  auto first = core::LoadPlugin(a);
  auto second = core::LoadPlugin(b);
  ASSERT_TRUE(first.ok() && second.ok());
  api::Router router;
  std::vector<core::LoadedPlugin> both;
  both.push_back(std::move(first).value());
  both.push_back(std::move(second).value());
  Status conflict = api::CheckModuleRouteConflicts(router, both);
  ASSERT_FALSE(conflict.ok());
  EXPECT_NE(conflict.message().find("(twin): la ruta GET /v1/tenants/{tenant}/twin/hello ya la "
                                    "declara el plugin twin (" +
                                    a + ")"),
            std::string::npos)
      << conflict.message();
  // And a plugin route that is a core route, whatever its {names}.
  router.Add(api::Method::kGet, "/v1/tenants/{slug}/twin/hello",
             [](api::Request&) { return api::Response::Empty(204); });
  both.pop_back();
  conflict = api::CheckModuleRouteConflicts(router, both);
  ASSERT_FALSE(conflict.ok());
  EXPECT_NE(conflict.message().find("ya la declara el núcleo"), std::string::npos)
      << conflict.message();
}

// The configuration schema is read by the same interpreter as request
// bodies (SchemaSet): one Spanish message per field, named from "config".
TEST(PluginConfigTest, ValidatesTheSchemaSubset) {
  json schema = {{"type", "object"},
                 {"required", {"prefix"}},
                 {"properties",
                  {{"prefix", {{"type", "string"}, {"maxLength", 5}}},
                   {"mode", {{"enum", {"a", "b"}}}},
                   {"limit", {{"type", "integer"}, {"minimum", 1}}}}},
                 {"additionalProperties", false}};
  static json declared;
  declared = schema;
  core::LoadedPlugin plugin;
  plugin.name = "prueba";
  plugin.file = "libcabildo_prueba.so";
  ASSERT_TRUE(core::InitPlugin(plugin, [](plugin::PluginRegistrar& r) {
                r.SetConfigSchema(declared);
                return OkStatus();
              }).ok());
  EXPECT_TRUE(
      core::ValidateConfig(plugin, {{"prefix", "ocds"}, {"mode", "a"}, {"limit", 3}}).empty());
  auto errors = core::ValidateConfig(
      plugin, {{"prefix", "demasiado"}, {"mode", "c"}, {"limit", 0}, {"x", 1}});
  std::map<std::string, std::string> by_field;
  for (const auto& error : errors) by_field[error.field] = error.message;
  EXPECT_EQ(errors.size(), 4u);
  EXPECT_EQ(by_field["config.prefix"], "Admite hasta 5 caracteres.");
  EXPECT_EQ(by_field["config.mode"], "Use uno de: a, b.");
  EXPECT_EQ(by_field["config.x"], "Campo desconocido.");
  errors = core::ValidateConfig(plugin, json::object());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "config.prefix");
  EXPECT_EQ(errors[0].message, "Este campo es obligatorio.");
  errors = core::ValidateConfig(plugin, json::array());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "config");

  // A configuration schema the interpreter cannot read keeps the plugin out.
  core::LoadedPlugin broken;
  broken.name = "prueba";
  broken.file = "libcabildo_prueba.so";
  Status refused = core::InitPlugin(broken, [](plugin::PluginRegistrar& r) {
    r.SetConfigSchema(
        {{"type", "object"}, {"properties", {{"code", {{"type", "string"}, {"pattern", "^a"}}}}}});
    return OkStatus();
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("el esquema de configuración"), std::string::npos)
      << refused.message();
}

class ModuleTest : public testing::ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override { return {"example"}; }
};

TEST_F(ModuleTest, MigrationsAndPermissionsHaveTheirOwnTrack) {
  pqxx::connection owner(database_.owner_url());
  pqxx::work read(owner);
  EXPECT_EQ(
      read.exec("SELECT count(*) FROM schema_migrations WHERE component = 'plugin:example'")[0][0]
          .as<int>(),
      3);
  // Every file of migrations/ applied once (counted, so a new migration
  // needs no edit here).
  int core_files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(CABILDO_SOURCE_DIR) + "/migrations")) {
    core_files += entry.path().extension() == ".sql";
  }
  EXPECT_GE(core_files, 8);
  EXPECT_EQ(
      read.exec("SELECT count(*) FROM schema_migrations WHERE component = 'core'")[0][0].as<int>(),
      core_files);
  EXPECT_EQ(
      read.exec("SELECT count(*) FROM schema_migrations WHERE component = 'plugin:memo'")[0][0]
          .as<int>(),
      1);
  EXPECT_EQ(read.exec("SELECT string_agg(role, ',') FROM core.role_permissions "
                      "WHERE permission = 'memo.entry.write'")[0][0]
                .as<std::string>(),
            "reviewer");
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
  // Every module of the build's plugin folder, in file-name order.
  std::vector<std::string> names;
  for (const json& module : modules["items"]) names.push_back(module["name"]);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const char* expected : {"example", "memo", "open-government", "public-works"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  EXPECT_EQ(ModuleNamed(modules, "example")["permissions"], json({"example.note.write"}));
  // durango.json does not list "example": nothing enabled yet.
  auto disabled = Call("GET", "/v1/tenants/tepehuanes/example/notes");
  EXPECT_EQ(disabled.status, 404);
  EXPECT_NE(json::parse(disabled.body)["detail"].get<std::string>().find("no está habilitado"),
            std::string::npos);

  const std::string admin = MakeUser("estado@ejemplo.mx", "admin", "durango");
  auto bad = Call("PUT", "/v1/tenants/tepehuanes/modules/example",
                  json{{"config", {{"greting", "hola"}}}}.dump(), admin);
  EXPECT_EQ(bad.status, 422);
  // A config sent at the top level (or any field but "config") is refused,
  // not ignored while the module is enabled with an empty config.
  auto top_level = Call("PUT", "/v1/tenants/tepehuanes/modules/example",
                        json{{"greeting", "hola"}}.dump(), admin);
  EXPECT_EQ(top_level.status, 422) << top_level.body;
  EXPECT_EQ(json::parse(top_level.body)["errors"][0]["field"], "greeting");
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

TEST_F(ModuleTest, TwoModulesAreEnabledAndDisabledIndependently) {
  const std::string admin = MakeUser("tepe@ejemplo.mx", "admin", "tepehuanes");
  ASSERT_EQ(Call("PUT", "/v1/tenants/tepehuanes/modules/memo", "{}", admin).status, 201);
  auto count = Call("GET", "/v1/tenants/tepehuanes/memo/count");
  EXPECT_EQ(count.status, 200);
  // The tenant facts a module reads through the SDK (issue 16, item 3).
  EXPECT_EQ(json::parse(count.body)["tenant"], (json{{"slug", "tepehuanes"},
                                                     {"name", "Municipio de Tepehuanes"},
                                                     {"kind", "municipality"},
                                                     {"parent_slug", "durango"},
                                                     {"inegi_code", "10035"}}));
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes").status, 404);
  ASSERT_EQ(Call("PUT", "/v1/tenants/tepehuanes/modules/example", "{}", admin).status, 201);
  ASSERT_EQ(Call("DELETE", "/v1/tenants/tepehuanes/modules/example", "", admin).status, 204);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/memo/count").status, 200);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes").status, 404);
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
  // Validated against ExampleNoteInput before the handler: one Spanish
  // message per field, named by its JSON path.
  auto wrong = Call("POST", "/v1/tenants/tepehuanes/example/notes",
                    json{{"title", 5}, {"published", "sí"}, {"extra", 1}}.dump(), admin);
  EXPECT_EQ(wrong.status, 422) << wrong.body;
  std::map<std::string, std::string> by_field;
  const json wrong_body = json::parse(wrong.body);
  for (const auto& error : wrong_body["errors"]) {
    EXPECT_TRUE(by_field.emplace(error["field"], error["message"]).second) << wrong.body;
  }
  EXPECT_EQ(by_field,
            (std::map<std::string, std::string>{{"extra", "Campo desconocido."},
                                                {"published", "Debe ser verdadero o falso."},
                                                {"title", "Debe ser texto."}}));
  auto missing = Call("POST", "/v1/tenants/tepehuanes/example/notes",
                      json{{"published", true}, {"body", std::string(10001, 'x')}}.dump(), admin);
  EXPECT_EQ(missing.status, 422) << missing.body;
  by_field.clear();
  const json missing_body = json::parse(missing.body);
  for (const auto& error : missing_body["errors"]) {
    by_field.emplace(error["field"], error["message"]);
  }
  EXPECT_EQ(by_field,
            (std::map<std::string, std::string>{{"body", "Admite hasta 10000 caracteres."},
                                                {"title", "Este campo es obligatorio."}}));
  // The handler's own rule, which a schema cannot say.
  auto blank =
      Call("POST", "/v1/tenants/tepehuanes/example/notes", json{{"title", "   "}}.dump(), admin);
  EXPECT_EQ(blank.status, 422);
  EXPECT_EQ(json::parse(blank.body)["errors"][0]["field"], "title");
  // Not an object, or not JSON: 400 from the bounded parser, as before.
  EXPECT_EQ(Call("POST", "/v1/tenants/tepehuanes/example/notes", "[1]", admin).status, 400);
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

// An administrator's DELETE /v1/tenants/{t}/modules/{m} survives the next
// `tenants apply` of a file that lists the module (before, the file enabled
// it again).
TEST_F(ModuleTest, TenantsApplyKeepsAModuleAnAdminDisabled) {
  const std::string admin = MakeUser("modulos@ejemplo.mx", "admin", "durango");
  pqxx::connection owner(database_.owner_url());
  json file = {{"tenants",
                {{{"slug", "durango"},
                  {"name", "Gobierno del Estado de Durango"},
                  {"kind", "state"},
                  {"inegi_code", "10"},
                  {"modules", {"example"}}}}}};
  auto first = core::ApplyTenantFile(owner, file.dump(), {"example"});
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->modules_enabled, std::vector<std::string>{"durango/example"});
  ASSERT_EQ(Call("GET", "/v1/tenants/durango/example/notes").status, 200);
  ASSERT_EQ(Call("DELETE", "/v1/tenants/durango/modules/example", "", admin).status, 204);

  auto again = core::ApplyTenantFile(owner, file.dump(), {"example"});
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->modules_enabled.empty());
  ASSERT_EQ(again->warnings.size(), 1u);
  EXPECT_NE(again->warnings[0].find("deshabilitado"), std::string::npos);
  EXPECT_EQ(Call("GET", "/v1/tenants/durango/example/notes").status, 404);
  // The administrator enables it again: the API, not the file, decides.
  ASSERT_EQ(Call("PUT", "/v1/tenants/durango/modules/example", "", admin).status, 200);
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

// Issue 16: the document is generated from the same declarations the host
// validates with. For every module operation with a request body, the
// component it references is, byte for byte, the schema the validator
// loaded; every declared query parameter is documented (DeclaredQueryParameters
// reads the generated document and finds exactly the route's); and the
// module's operations carry their parameters and error responses.
TEST_F(ModuleTest, TheOpenApiRequestSchemasAreTheOnesTheValidatorLoads) {
  auto doc = json::parse(Call("GET", "/v1/openapi.json").body);
  size_t bodies = 0;
  for (const auto& plugin : app_->context().plugins.loaded) {
    const api::OpenApiFragment fragment = api::ModuleFragment(plugin);
    for (const auto& route : plugin.routes) {
      const std::string path = "/v1/tenants/{tenant}/" + plugin.name + route.path;
      std::string method;
      switch (route.method) {
        case plugin::HttpMethod::kGet:
          method = "get";
          break;
        case plugin::HttpMethod::kPost:
          method = "post";
          break;
        case plugin::HttpMethod::kPut:
          method = "put";
          break;
        case plugin::HttpMethod::kPatch:
          method = "patch";
          break;
        case plugin::HttpMethod::kDelete:
          method = "delete";
          break;
      }
      ASSERT_TRUE(doc["paths"].contains(path)) << path;
      const json& operation = doc["paths"][path][method];
      EXPECT_EQ(operation["operationId"], route.operation_id);
      EXPECT_EQ(api::DeclaredQueryParameters(fragment.paths, route.path, method),
                api::RouteQueryNames(route))
          << path;
      EXPECT_EQ(operation["responses"].contains("401"), !route.permission.empty()) << path;
      EXPECT_EQ(operation["security"] == json::array(), route.permission.empty()) << path;
      EXPECT_EQ(operation["responses"].contains("412"), route.if_match) << path;
      EXPECT_TRUE(operation["responses"].contains(std::to_string(route.success_status))) << path;
      if (route.request_body.empty()) {
        EXPECT_FALSE(operation.contains("requestBody")) << path;
        continue;
      }
      ++bodies;
      // Open311 routes answer a body that fails its schema with 400 (the
      // host maps 422 to 400 for ErrorFormat::kOpen311), and document that.
      const bool open311 = route.error_format == plugin::ErrorFormat::kOpen311;
      EXPECT_EQ(operation["responses"].contains("422"), !open311) << path;
      EXPECT_TRUE(operation["responses"].contains(open311 ? "400" : "422")) << path;
      const std::string ref =
          operation["requestBody"]["content"]["application/json"]["schema"]["$ref"];
      ASSERT_EQ(ref, "#/components/schemas/" + route.request_body);
      ASSERT_TRUE(plugin.schemas.Has(route.request_body));
      EXPECT_EQ(doc["components"]["schemas"][route.request_body].dump(),
                plugin.schemas.Get(route.request_body).dump())
          << route.request_body;
    }
    for (const auto& name : plugin.schema_names) {
      EXPECT_EQ(doc["components"]["schemas"][name].dump(), plugin.schemas.Get(name).dump()) << name;
    }
  }
  EXPECT_GE(bodies, 2u);  // the example's create and update at least
  // The example's typed path parameter and paging, as declared.
  const json& get = doc["paths"]["/v1/tenants/{tenant}/example/notes/{id}"]["get"];
  bool uuid = false;
  for (const auto& parameter : get["parameters"]) {
    uuid = uuid || (parameter.value("name", "") == "id" &&
                    parameter["schema"] == json{{"type", "string"}, {"format", "uuid"}});
  }
  EXPECT_TRUE(uuid) << get.dump();
}

// --- The SDK's conventions, exercised through the example module -------------

class ConventionsTest : public ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    admin_ = MakeUser("estado@ejemplo.mx", "admin", "durango");
    for (const char* tenant : {"durango", "tepehuanes", "gomez-palacio"}) {
      ASSERT_EQ(Call("PUT", std::string("/v1/tenants/") + tenant + "/modules/example", "{}", admin_)
                    .status,
                201);
    }
  }
  // Inserts notes straight into the database, bypassing the API (and its cache).
  void InsertNotes(const std::string& tenant, int count, const std::string& prefix) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work w(owner);
    auto id = w.exec_params("SELECT id::text FROM core.tenants WHERE slug = $1", tenant)[0][0]
                  .as<std::string>();
    core::ApplyScope(w, core::Scope{{id}, ""});
    for (int i = 0; i < count; ++i) {
      w.exec_params(
          "INSERT INTO example.notes (tenant_id, title, published, updated_at) "
          "VALUES ($1, $2, true, clock_timestamp())",
          id, prefix + std::to_string(i));
    }
    w.commit();
  }
  // Many notes in one statement: `insert` is a complete INSERT into
  // example.notes whose only parameter, $1, is the tenant's id.
  void InsertNotesAt(const std::string& tenant, const std::string& insert) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work w(owner);
    auto id = w.exec_params("SELECT id::text FROM core.tenants WHERE slug = $1", tenant)[0][0]
                  .as<std::string>();
    core::ApplyScope(w, core::Scope{{id}, ""});
    w.exec_params(insert, id);
    w.commit();
  }
  json Get(const std::string& path, const std::string& token = "") {
    auto result = Call("GET", path, "", token);
    EXPECT_EQ(result.status, 200) << path << " " << result.body;
    return json::parse(result.body, nullptr, false);
  }
  std::string admin_;
};

TEST_F(ConventionsTest, PagingReturnsEachItemOnceWhileNewOnesArrive) {
  InsertNotes("tepehuanes", 150, "obra-");
  std::map<std::string, int> seen;
  std::string path = "/v1/tenants/tepehuanes/example/notes?limit=40";
  int pages = 0;
  while (true) {
    json page = Get(path);
    ASSERT_LE(page["items"].size(), 40u);
    for (const auto& item : page["items"]) ++seen[item["title"].get<std::string>()];
    InsertNotes("tepehuanes", 3, "nueva-" + std::to_string(pages) + "-");
    ++pages;
    if (page["next_cursor"].is_null() || pages > 20) break;
    path = "/v1/tenants/tepehuanes/example/notes?limit=40&cursor=" +
           page["next_cursor"].get<std::string>();
  }
  for (int i = 0; i < 150; ++i) EXPECT_EQ(seen["obra-" + std::to_string(i)], 1) << i;
  for (const auto& [title, count] : seen) EXPECT_EQ(count, 1) << title;
}

TEST_F(ConventionsTest, TamperedCursorsAndBadParametersAre400) {
  InsertNotes("tepehuanes", 3, "n");
  json page = Get("/v1/tenants/tepehuanes/example/notes?limit=1");
  std::string cursor = page["next_cursor"];
  cursor[2] = cursor[2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes?cursor=" + cursor).status, 400);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes?cursor=abc").status, 400);
  // A genuine cursor is bound to its list: another module's list refuses it.
  const std::string genuine = page["next_cursor"];
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes?limit=1&cursor=" + genuine).status,
            200);
  ASSERT_EQ(Call("PUT", "/v1/tenants/tepehuanes/modules/public-works", "{}", admin_).status, 201);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/public-works/projects?cursor=" + genuine).status,
            400);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes?limit=101").status, 400);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes?updated_since=ayer").status, 400);
  // Shaped like RFC 3339 but no such instant: PostgreSQL's refusal is a 400, not a 500.
  for (const char* since :
       {"2026-02-30T00:00:00Z", "2026-13-45T00:00:00Z", "2026-01-01T25:00:00Z"}) {
    auto response =
        Call("GET", std::string("/v1/tenants/tepehuanes/example/notes?updated_since=") + since);
    EXPECT_EQ(response.status, 400) << since;
    EXPECT_EQ(response.Header("content-type"), "application/problem+json");
  }
  // Default page size is 20.
  InsertNotes("tepehuanes", 30, "m");
  EXPECT_EQ(Get("/v1/tenants/tepehuanes/example/notes")["items"].size(), 20u);
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes?include_descendants=si").status, 400);
  EXPECT_EQ(
      Call("GET",
           "/v1/tenants/tepehuanes/example/notes?q=%27%3B%20DROP%20TABLE%20example.notes%3B--")
          .status,
      200);
}

TEST_F(ConventionsTest, ADeleteIsATombstoneInUpdatedSince) {
  auto created = Call("POST", "/v1/tenants/tepehuanes/example/notes",
                      json{{"title", "Se borrará"}, {"published", true}}.dump(), admin_);
  ASSERT_EQ(created.status, 201);
  const std::string id = json::parse(created.body)["id"];
  const std::string since = "2000-01-01T00:00:00Z";
  ASSERT_EQ(Call("DELETE", "/v1/tenants/tepehuanes/example/notes/" + id, "", admin_).status, 204);
  EXPECT_EQ(Get("/v1/tenants/tepehuanes/example/notes")["items"].size(), 0u);
  json sync = Get("/v1/tenants/tepehuanes/example/notes?updated_since=" + since);
  ASSERT_EQ(sync["items"].size(), 1u);
  EXPECT_EQ(sync["items"][0]["id"], id);
  EXPECT_EQ(sync["items"][0]["deleted"], true);
  EXPECT_FALSE(sync["items"][0].contains("title"));
  EXPECT_EQ(Call("GET", "/v1/tenants/tepehuanes/example/notes/" + id).status, 404);
}

TEST_F(ConventionsTest, ConcurrentPatchesWithOneIfMatchGiveExactlyOne412) {
  auto created =
      Call("POST", "/v1/tenants/tepehuanes/example/notes", json{{"title", "v1"}}.dump(), admin_);
  const std::string path =
      "/v1/tenants/tepehuanes/example/notes/" + json::parse(created.body)["id"].get<std::string>();
  const std::string etag = Call("GET", path, "", admin_).Header("etag");
  ASSERT_FALSE(etag.empty());
  auto patch = [&](const std::string& title) {
    return Call("PATCH", path, json{{"title", title}}.dump(), admin_, {{"If-Match", etag}}).status;
  };
  auto a = std::async(std::launch::async, patch, "desde el teléfono A");
  auto b = std::async(std::launch::async, patch, "desde el teléfono B");
  std::vector<int> statuses = {a.get(), b.get()};
  std::sort(statuses.begin(), statuses.end());
  EXPECT_EQ(statuses, (std::vector<int>{200, 412}));
  EXPECT_EQ(Call("DELETE", path, "", admin_, {{"If-Match", etag}}).status, 412);
  const std::string fresh = Call("GET", path, "", admin_).Header("etag");
  EXPECT_EQ(Call("PATCH", path, json{{"title", "v3"}}.dump(), admin_, {{"If-Match", fresh}}).status,
            200);
}

// If-Match compares whole strong tags (RFC 9110 §13.1.1): a weak tag never
// matches, and a value that merely contains the tag is no match.
TEST_F(ConventionsTest, IfMatchTakesOnlyAWholeStrongTagFromTheList) {
  auto created =
      Call("POST", "/v1/tenants/tepehuanes/example/notes", json{{"title", "v1"}}.dump(), admin_);
  const std::string path =
      "/v1/tenants/tepehuanes/example/notes/" + json::parse(created.body)["id"].get<std::string>();
  const std::string etag = Call("GET", path, "", admin_).Header("etag");
  ASSERT_EQ(etag.front(), '"');
  auto patch = [&](const std::string& if_match) {
    return Call("PATCH", path, json{{"title", "v2"}}.dump(), admin_, {{"If-Match", if_match}})
        .status;
  };
  EXPECT_EQ(patch("W/" + etag), 412);
  EXPECT_EQ(patch("\"otro\", W/" + etag), 412);
  EXPECT_EQ(patch("x" + etag + "x"), 412);
  EXPECT_EQ(patch(etag + etag), 412);
  EXPECT_EQ(Call("GET", path, "", admin_).Header("etag"), etag);  // nothing was written
  EXPECT_EQ(patch("\"otro\" , " + etag), 200);
}

// The cursor key is read at start-up, never inside a request's transaction:
// the first requests after a start, more of them than the pool has
// connections, all get a real next_cursor (reading the key lazily took a
// second connection per request and deadlocked a small pool: "next_cursor": "").
TEST_F(ConventionsTest, TheFirstRequestsAfterAColdStartWithASmallPoolAllGetRealCursors) {
  InsertNotes("tepehuanes", 3, "n");
  core::Config config = database_.MakeConfig();
  config.db_pool_size = 2;
  config.workers = 8;
  config.db_timeout = std::chrono::milliseconds(1500);
  api::App cold(config);
  ASSERT_TRUE(cold.Start().ok());
  std::vector<std::future<HttpResult>> requests;
  for (int i = 0; i < 8; ++i) {
    requests.push_back(std::async(std::launch::async, [&cold, i] {
      return HttpRequest(cold.Port(), "GET",
                         "/v1/tenants/tepehuanes/example/notes?limit=1&updated_since=2000-01-0" +
                             std::to_string(i + 1) + "T00:00:00Z");
    }));
  }
  for (auto& request : requests) {
    HttpResult result = request.get();
    ASSERT_EQ(result.status, 200) << result.body;
    json page = json::parse(result.body);
    ASSERT_TRUE(page["next_cursor"].is_string()) << result.body;
    EXPECT_FALSE(page["next_cursor"].get<std::string>().empty()) << result.body;
  }
}

TEST_F(ConventionsTest, IdempotencyKeyReplaysTheFirstResponse) {
  const std::string body = json{{"title", "Una sola vez"}}.dump();
  auto first = Call("POST", "/v1/tenants/tepehuanes/example/notes", body, admin_,
                    {{"Idempotency-Key", "k-123"}});
  auto retry = Call("POST", "/v1/tenants/tepehuanes/example/notes", body, admin_,
                    {{"Idempotency-Key", "k-123"}});
  ASSERT_EQ(first.status, 201);
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(retry.Header("idempotent-replayed"), "true");
  auto other = Call("POST", "/v1/tenants/tepehuanes/example/notes", json{{"title", "Otra"}}.dump(),
                    admin_, {{"Idempotency-Key", "k-123"}});
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(Get("/v1/tenants/tepehuanes/example/notes", admin_)["items"].size(), 1u);
}

TEST_F(ConventionsTest, PublicReadsAreCachedAndAWriteIsVisibleAtOnce) {
  InsertNotes("tepehuanes", 1, "primera");
  EXPECT_EQ(Get("/v1/tenants/tepehuanes/example/notes")["items"].size(), 1u);
  InsertNotes("tepehuanes", 1, "por-fuera");  // bypasses the API: the cache does not know
  EXPECT_EQ(Get("/v1/tenants/tepehuanes/example/notes")["items"].size(), 1u);
  ASSERT_EQ(Call("POST", "/v1/tenants/tepehuanes/example/notes",
                 json{{"title", "por la API"}, {"published", true}}.dump(), admin_)
                .status,
            201);
  EXPECT_EQ(Get("/v1/tenants/tepehuanes/example/notes")["items"].size(), 3u);
  // A write below the state invalidates the state's subtree view too.
  EXPECT_EQ(Get("/v1/tenants/durango/example/notes?include_descendants=true")["items"].size(), 3u);
  ASSERT_EQ(Call("POST", "/v1/tenants/gomez-palacio/example/notes",
                 json{{"title", "en Gómez"}, {"published", true}}.dump(), admin_)
                .status,
            201);
  EXPECT_EQ(Get("/v1/tenants/durango/example/notes?include_descendants=true")["items"].size(), 4u);
}

// Anonymous module GETs are answered from this process's memory (on the
// reactor thread) with the ETag hashed when the body was stored: the same
// bytes and ETag as the first, database-backed answer, 304 on a match, and a
// new ETag as soon as a write lands. Signed-in callers never get the public copy.
TEST_F(ConventionsTest, ModuleGetsRevalidateFromMemoryUntilAWriteChangesThem) {
  InsertNotes("tepehuanes", 1, "publicada");
  const std::string path = "/v1/tenants/tepehuanes/example/notes";
  auto first = Call("GET", path);
  ASSERT_EQ(first.status, 200);
  const std::string etag = first.Header("etag");
  ASSERT_EQ(etag.size(), 34u);
  const uint64_t hits_before = app_->context().public_cache.local_hits();
  auto cached = Call("GET", path);
  EXPECT_EQ(cached.status, 200);
  EXPECT_EQ(cached.body, first.body);
  EXPECT_EQ(cached.Header("etag"), etag);
  EXPECT_EQ(cached.Header("content-type"), first.Header("content-type"));
  auto revalidated = Call("GET", path, "", "", {{"If-None-Match", etag}});
  EXPECT_EQ(revalidated.status, 304);
  EXPECT_TRUE(revalidated.body.empty());
  EXPECT_EQ(revalidated.Header("etag"), etag);
  EXPECT_GE(app_->context().public_cache.local_hits(), hits_before + 2);

  ASSERT_EQ(Call("POST", path, json{{"title", "nueva"}, {"published", true}}.dump(), admin_).status,
            201);
  ASSERT_EQ(
      Call("POST", path, json{{"title", "borrador"}, {"published", false}}.dump(), admin_).status,
      201);
  // The admin sees the draft: a signed-in read is never the anonymous copy.
  EXPECT_EQ(json::parse(Call("GET", path, "", admin_).body)["items"].size(), 3u);
  auto after_write = Call("GET", path, "", "", {{"If-None-Match", etag}});
  EXPECT_EQ(after_write.status, 200);
  EXPECT_EQ(json::parse(after_write.body)["items"].size(), 2u);
  EXPECT_NE(after_write.Header("etag"), etag);
  EXPECT_EQ(Call("GET", path, "", "", {{"If-None-Match", after_write.Header("etag")}}).status, 304);
}

// Query parameters a route does not document are ignored: 1,000 anonymous
// reads with junk parameters are one cache entry and one database read, and
// the answer is the plain list's (before, each minted an entry in memory and
// in Redis and a PostgreSQL query). Documented ones still key the cache.
TEST_F(ConventionsTest, UndeclaredQueryParametersNeitherKeyTheCacheNorChangeTheAnswer) {
  InsertNotes("tepehuanes", 2, "nota");
  const std::string path = "/v1/tenants/tepehuanes/example/notes";
  auto& cache = app_->context().public_cache;
  const uint64_t misses_before = cache.misses();
  const std::size_t entries_before = cache.local_entries();
  auto plain = Call("GET", path);
  ASSERT_EQ(plain.status, 200);
  uint64_t state = 12345;
  for (int i = 0; i < 1000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // junk names and values
    auto junk =
        Call("GET", path + "?x" + std::to_string(state >> 40) + "=" +
                        std::to_string(state & 0xffff) + "&utm_source=" + std::to_string(i));
    ASSERT_EQ(junk.status, 200) << junk.body;
    ASSERT_EQ(junk.body, plain.body);
    ASSERT_EQ(junk.Header("etag"), plain.Header("etag"));
  }
  EXPECT_EQ(cache.misses(), misses_before + 1);  // one PostgreSQL read for all of them
  EXPECT_EQ(cache.local_entries(), entries_before + 1);
  auto metrics = Call("GET", "/metrics");
  EXPECT_NE(metrics.body.find("cabildo_cache_local_entries " + std::to_string(entries_before + 1)),
            std::string::npos)
      << metrics.body;
  // A documented parameter is part of the key and reaches the handler.
  auto limited = Call("GET", path + "?limit=1&junk=1");
  ASSERT_EQ(limited.status, 200);
  EXPECT_EQ(json::parse(limited.body)["items"].size(), 1u);
  EXPECT_EQ(cache.local_entries(), entries_before + 2);
}

// Two replicas share PostgreSQL and Redis. Reads on a replica are served from
// its own memory; a write is visible at once on the replica that took it and
// within the 100 ms staleness bound on the other.
TEST_F(ConventionsTest, AWriteReachesTheOtherReplicaWithinTheStalenessBound) {
  api::App other(database_.MakeConfig());
  ASSERT_TRUE(other.Start().ok());
  auto get_from = [](uint16_t port) {
    return json::parse(HttpRequest(port, "GET", "/v1/tenants/tepehuanes/example/notes").body);
  };
  InsertNotes("tepehuanes", 1, "inicial");
  ASSERT_EQ(get_from(other.Port())["items"].size(), 1u);
  ASSERT_EQ(get_from(other.Port())["items"].size(), 1u);
  EXPECT_GE(other.context().public_cache.local_hits(), 1u);

  ASSERT_EQ(Call("POST", "/v1/tenants/tepehuanes/example/notes",
                 json{{"title", "nueva"}, {"published", true}}.dump(), admin_)
                .status,
            201);
  const auto written = std::chrono::steady_clock::now();
  EXPECT_EQ(Get("/v1/tenants/tepehuanes/example/notes")["items"].size(), 2u);  // same replica
  size_t seen = 0;
  while (seen != 2 && std::chrono::steady_clock::now() - written < std::chrono::seconds(2)) {
    seen = get_from(other.Port())["items"].size();
  }
  const auto lag = std::chrono::steady_clock::now() - written;
  EXPECT_EQ(seen, 2u);
  // 100 ms bound plus slack for a sanitizer build on a loaded machine.
  EXPECT_LT(lag, std::chrono::milliseconds(400));
}

TEST_F(ConventionsTest, IncludeDescendantsCoversTheSubtreeThatEnabledTheModule) {
  InsertNotes("durango", 1, "estatal");
  InsertNotes("tepehuanes", 2, "tepe");
  InsertNotes("gomez-palacio", 1, "gomez");
  json own = Get("/v1/tenants/durango/example/notes");
  EXPECT_EQ(own["items"].size(), 1u);
  json all = Get("/v1/tenants/durango/example/notes?include_descendants=true");
  std::map<std::string, int> by_tenant;
  for (const auto& item : all["items"]) ++by_tenant[item["tenant"].get<std::string>()];
  EXPECT_EQ(by_tenant,
            (std::map<std::string, int>{{"durango", 1}, {"gomez-palacio", 1}, {"tepehuanes", 2}}));
  // A municipality sees only itself, even when asking for descendants.
  EXPECT_EQ(Get("/v1/tenants/tepehuanes/example/notes?include_descendants=true")["items"].size(),
            2u);
}

TEST_F(ConventionsTest, CsvExportIsQuotedAndFormulaSafe) {
  ASSERT_EQ(
      Call("POST", "/v1/tenants/tepehuanes/example/notes",
           json{{"title", "=HYPERLINK(\"http://x\")"}, {"body", "a,b\n\"c\""}, {"published", true}}
               .dump(),
           admin_)
          .status,
      201);
  auto csv = Call("GET", "/v1/tenants/tepehuanes/example/export.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("id,titulo,texto,actualizado\r\n", 0), 0u);
  EXPECT_NE(csv.body.find(",\"'=HYPERLINK(\"\"http://x\"\")\",\"a,b\n\"\"c\"\"\","),
            std::string::npos)
      << csv.body;
}

// An export is read through a cursor and sent as it is produced: chunked,
// with an ETag known before any row is read (a 304 costs one aggregate).
TEST_F(ConventionsTest, ExportsAreStreamedWithAnEtagThatFollowsTheData) {
  // More rows than one cursor batch (500) and than one 64 KiB chunk holds.
  InsertNotesAt("tepehuanes",
                "INSERT INTO example.notes (tenant_id, title, body, published, updated_at) "
                "SELECT $1, 'Nota ' || g, repeat('texto ', 20), g % 10 <> 0, "
                "       clock_timestamp() - make_interval(secs => 20000 - g) "
                "FROM generate_series(1, 20000) g");
  auto csv = Call("GET", "/v1/tenants/tepehuanes/example/export.csv");
  ASSERT_EQ(csv.status, 200) << csv.raw;
  EXPECT_TRUE(csv.chunked);
  EXPECT_TRUE(csv.complete);
  EXPECT_GT(csv.chunks, 20u);  // ~2.4 MB in 64 KiB chunks
  size_t lines = 0;
  for (char c : csv.body) lines += c == '\n';
  EXPECT_EQ(lines, 1u + 18000u);  // the header and every published note, drafts left out
  EXPECT_EQ(csv.body.rfind("id,titulo,texto,actualizado\r\n", 0), 0u);
  // In updated_at order, across cursor batches.
  EXPECT_LT(csv.body.find(",Nota 1,"), csv.body.find(",Nota 501,"));
  EXPECT_LT(csv.body.find(",Nota 501,"), csv.body.find(",Nota 19999,"));

  const std::string etag = csv.Header("etag");
  ASSERT_FALSE(etag.empty());
  auto again =
      Call("GET", "/v1/tenants/tepehuanes/example/export.csv", "", "", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");
  // A draft changes nothing in the file, but any change moves the ETag.
  ASSERT_EQ(Call("POST", "/v1/tenants/tepehuanes/example/notes",
                 json{{"title", "Nueva"}, {"published", true}}.dump(), admin_)
                .status,
            201);
  auto changed =
      Call("GET", "/v1/tenants/tepehuanes/example/export.csv", "", "", {{"If-None-Match", etag}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.Header("etag"), etag);
  EXPECT_NE(changed.body.find(",Nueva,"), std::string::npos);
  // HEAD: the head of the download, no body.
  auto head = Call("HEAD", "/v1/tenants/tepehuanes/example/export.csv");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("etag"), changed.Header("etag"));
}

// A cached read is written by the reactor thread itself; a response larger
// than the socket takes at once continues through Pistache's queue, in order.
TEST_F(ConventionsTest, ALargeCachedResponseReachesASlowClientWhole) {
  InsertNotesAt("tepehuanes",
                "INSERT INTO example.notes (tenant_id, title, body, published, updated_at) "
                "SELECT $1, 'Nota ' || g, repeat('contenido ', 500), true, clock_timestamp() "
                "FROM generate_series(1, 100) g");
  const std::string path = "/v1/tenants/tepehuanes/example/notes?limit=100";
  auto first = Call("GET", path);  // from the database, now cached
  ASSERT_EQ(first.status, 200);
  ASSERT_GT(first.body.size(), 400000u);
  testing::HttpConnection slow(app_->Port(), 4096);
  ASSERT_TRUE(slow.SendRaw("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the buffers fill
  auto cached = slow.Read();
  EXPECT_EQ(cached.status, 200);
  EXPECT_EQ(cached.Header("etag"), first.Header("etag"));
  EXPECT_TRUE(cached.body == first.body) << cached.body.size() << " of " << first.body.size();
  // The connection is still in step: the next answer is the next request's.
  ASSERT_TRUE(slow.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(slow.Read().body, R"({"status":"ok"})");
}

TEST_F(ModuleTest, ModulesListTheirExports) {
  auto modules = json::parse(Call("GET", "/v1/modules").body);
  EXPECT_EQ(ModuleNamed(modules, "example")["exports"], json::parse(R"([{"name": "notas-csv",
                             "path": "/v1/tenants/{tenant}/example/export.csv",
                             "format": "csv", "media_type": "text/csv; charset=utf-8",
                             "description": "Notas publicadas en CSV (UTF-8, RFC 4180)."}])"));
  EXPECT_EQ(ModuleNamed(modules, "memo")["exports"], json::array());  // memo declares none
  const json& works = ModuleNamed(modules, "public-works");
  ASSERT_EQ(works["name"], "public-works");
  std::map<std::string, std::pair<std::string, std::string>> by_path;
  for (const auto& e : works["exports"]) {
    EXPECT_FALSE(e["description"].get<std::string>().empty()) << e;
    by_path[e["path"]] = {e["format"], e["name"]};
  }
  using Entry = std::pair<std::string, std::string>;
  EXPECT_EQ(by_path,
            (std::map<std::string, Entry>{
                {"/v1/tenants/{tenant}/public-works/export.csv", {"csv", "obras-csv"}},
                {"/v1/tenants/{tenant}/public-works/export.json", {"json", "obras-json"}},
                {"/v1/tenants/{tenant}/public-works/oc4ids.json", {"oc4ids", "obras-oc4ids"}}}));
  // Each listed path is a real route: a tenant with the module enabled answers it.
  const std::string admin = MakeUser("exportes@ejemplo.mx", "admin", "durango");
  ASSERT_EQ(Call("PUT", "/v1/tenants/tepehuanes/modules/example",
                 json{{"config", json::object()}}.dump(), admin)
                    .status /
                100,
            2);
  auto csv = Call("GET", "/v1/tenants/tepehuanes/example/export.csv");
  EXPECT_EQ(csv.status, 200) << csv.body;
}

TEST(CsvTest, CellsFollowRfc4180AndNeverStartAFormula) {
  EXPECT_EQ(plugin::CsvCell("simple"), "simple");
  EXPECT_EQ(plugin::CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(plugin::CsvCell("dice \"hola\""), "\"dice \"\"hola\"\"\"");
  EXPECT_EQ(plugin::CsvCell("=1+1"), "'=1+1");
  EXPECT_EQ(plugin::CsvCell("+52 618"), "'+52 618");
  EXPECT_EQ(plugin::CsvCell("-5"), "-5");  // a plain number is no formula
  EXPECT_EQ(plugin::CsvCell("-5+1"), "'-5+1");
  EXPECT_EQ(plugin::CsvCell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(plugin::CsvCell("línea\nnueva"), "\"línea\nnueva\"");
  EXPECT_EQ(plugin::CsvRow({"a", "b,c"}), "a,\"b,c\"\r\n");
}

}  // namespace
}  // namespace cabildo
