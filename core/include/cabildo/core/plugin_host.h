// The host side of plugins: finds, verifies and initialises module libraries.
// Plugins never include this; they see only cabildo/plugin/plugin_api.h.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cabildo/core/json_schema.h"
#include "cabildo/core/migrations.h"
#include "cabildo/core/status.h"
#include "cabildo/plugin/plugin_api.h"

namespace cabildo::core {

struct PluginPermission {
  std::string name;
  std::string description;
  std::vector<std::string> default_roles;
};

// Everything one module declared in init().
struct LoadedPlugin {
  std::string name;
  std::string version;
  std::string description;
  std::string file;
  std::vector<PluginPermission> permissions;
  std::vector<MigrationFile> migrations;
  std::vector<plugin::Route> routes;
  nlohmann::json config_schema = {{"type", "object"}};
  // The module's JSON Schemas (AddSchema), Resolve()d at load: what request
  // bodies and query parameters are validated against, and what the OpenAPI
  // document publishes as components. Each route's query parameter schemas
  // (under QuerySchemaName) and the configuration schema (kConfigSchemaName)
  // are in the set too, never published.
  SchemaSet schemas;
  std::vector<std::string> schema_names;  // the module's own, in declaration order
  std::vector<plugin::Export> exports;    // each path is one of `routes`' GETs
  plugin::RecordDescriber describer;      // empty: the module describes no records
};

// The first path segments the core owns (/v1/<x>, /v1/tenants/{tenant}/<x>,
// /<x>) and names kept for it: no plugin may be called one of these.
bool IsReservedPluginName(const std::string& name);

// "public-works" -> "PublicWorks": the prefix of a module's schema names.
std::string PascalCaseName(const std::string& module);

// Where a route's query parameter schema lives in LoadedPlugin::schemas.
std::string QuerySchemaName(const plugin::Route& route, const std::string& parameter);

struct PluginFailure {
  std::string file;
  std::string error;
};

// The host's version, compared with each plugin's supported range.
inline constexpr const char* kCoreVersion = "0.1.0";

// Checks a plugin's descriptor against this host before any of its code runs:
// magic, struct size, ABI version, toolchain (all exact), a valid name, and
// kCoreVersion inside [core_version_min, core_version_max). The error names
// `path` and both values that differ. Reads only the descriptor's data.
Status CheckDescriptor(const std::string& path, const plugin::PluginDescriptor& descriptor);

// Runs a checked descriptor's init with a registrar that fills `plugin` and
// rejects what is malformed (a permission outside the plugin's namespace, a
// bad or duplicate route or operation_id, path parameters that are not
// exactly the path's {names}, a schema that fails to load or a body schema
// that does not exist, an export that is not one of its GET routes...).
// `plugin.name` and `plugin.file` must be set; errors name both.
Status InitPlugin(LoadedPlugin& plugin, Status (*init)(plugin::PluginRegistrar&));

// Loads one library: dlopen(RTLD_NOW | RTLD_LOCAL), reads the descriptor and
// checks magic, size, ABI version, toolchain and core version range before
// calling init. Errors name the file and both values that differ.
StatusOr<LoadedPlugin> LoadPlugin(const std::string& path);

struct PluginSet {
  std::vector<LoadedPlugin> loaded;   // in file-name order
  std::vector<PluginFailure> failed;  // only when optional
};

// Every libcabildo_*.so in `dir`, in file-name order (deterministic). A
// library that fails stops everything unless `optional`, in which case it is
// reported in `failed` and skipped. Two plugins with one name, a reserved
// name, a permission outside the plugin's namespace, or a duplicate route or
// operation_id (within the plugin or across plugins) are failures too.
StatusOr<PluginSet> LoadPlugins(const std::string& dir, bool optional);

// Where the module's configuration schema (SetConfigSchema, default
// {"type": "object"}) lives in LoadedPlugin::schemas (never published).
inline constexpr const char* kConfigSchemaName = "_config";

// Validates a tenant's `config` for `plugin` with the same interpreter as
// request bodies: one Spanish message per failing field, the field named
// from "config" ("config", "config.greeting").
std::vector<FieldError> ValidateConfig(const LoadedPlugin& plugin, const nlohmann::json& config);

// Applies every plugin's migrations (track "plugin:<name>") and records its
// permissions and default grants. REQUIRES: an owner-role connection.
Status MigratePlugins(pqxx::connection& owner, const std::vector<LoadedPlugin>& plugins);

}  // namespace cabildo::core
