#include "cabildo/core/plugin_host.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "cabildo/core/log.h"
#include "cabildo/plugin/text_checks.h"

#include <dlfcn.h>

namespace cabildo::core {
namespace {

// Collects what init() declares; rejects what is malformed.
class Registrar final : public plugin::PluginRegistrar {
 public:
  explicit Registrar(LoadedPlugin& plugin) : plugin_(plugin) {}

  void AddPermission(const std::string& name, const std::string& description,
                     const std::vector<std::string>& default_roles) override {
    if (name.rfind(plugin_.name + ".", 0) != 0) {
      errors_.push_back("el permiso '" + name + "' no empieza con '" + plugin_.name + ".'");
      return;
    }
    plugin_.permissions.push_back({name, description, default_roles});
  }
  void AddMigration(const std::string& file_name, const std::string& sql) override {
    auto file = MakeMigrationFile(file_name, sql);
    if (!file.ok()) {
      errors_.push_back(file.status().message());
      return;
    }
    plugin_.migrations.push_back(*file);
  }
  void AddRoute(plugin::Route route) override {
    if (route.path.empty() || route.path.front() != '/' || !route.handler) {
      errors_.push_back("ruta no válida: '" + route.path + "'");
      return;
    }
    for (const auto& existing : plugin_.routes) {
      if (existing.method == route.method && existing.path == route.path) {
        errors_.push_back("ruta duplicada: '" + route.path + "'");
        return;
      }
    }
    plugin_.routes.push_back(std::move(route));
  }
  void SetConfigSchema(const nlohmann::json& schema) override { plugin_.config_schema = schema; }
  void SetOpenApi(const nlohmann::json& paths, const nlohmann::json& schemas) override {
    plugin_.openapi_paths = paths;
    plugin_.openapi_schemas = schemas;
  }
  void AddExport(plugin::Export declared) override {
    if (!plugin::IsLowerName(declared.name, 1, 63, /*letter_first=*/false) ||
        declared.name[0] == '-') {
      errors_.push_back("exportación con nombre no válido: '" + declared.name + "'");
      return;
    }
    if (declared.format.empty() || declared.media_type.empty() || declared.description.empty()) {
      errors_.push_back("la exportación '" + declared.name +
                        "' necesita formato, tipo de medio y descripción");
      return;
    }
    for (const auto& existing : plugin_.exports) {
      if (existing.name == declared.name) {
        errors_.push_back("exportación duplicada: '" + declared.name + "'");
        return;
      }
    }
    plugin_.exports.push_back(std::move(declared));
  }
  // What can be checked only once init has declared everything: each export
  // is one of the plugin's own GET routes, whatever order they came in.
  void Finish() {
    for (const auto& declared : plugin_.exports) {
      const bool is_get_route =
          std::any_of(plugin_.routes.begin(), plugin_.routes.end(), [&](const plugin::Route& r) {
            return r.method == plugin::HttpMethod::kGet && r.path == declared.path;
          });
      if (!is_get_route) {
        errors_.push_back("la exportación '" + declared.name + "' apunta a '" + declared.path +
                          "', que no es una ruta GET del plugin");
      }
    }
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  LoadedPlugin& plugin_;
  std::vector<std::string> errors_;
};

// "1.2.3" → comparable tuple; malformed → nullopt.
std::optional<std::array<int, 3>> ParseVersion(const char* text) {
  if (text == nullptr) return std::nullopt;
  std::array<int, 3> parts{};
  if (std::sscanf(text, "%d.%d.%d", &parts[0], &parts[1], &parts[2]) != 3) return std::nullopt;
  return parts;
}

}  // namespace

Status CheckDescriptor(const std::string& path, const plugin::PluginDescriptor& descriptor) {
  // Field by field, first the ones whose layout never changes.
  auto mismatch = [&](const std::string& field, const std::string& plugin_value,
                      const std::string& host_value) {
    return UnprocessableError("plugin " + path + ": ABI incompatible: " + field +
                              " del plugin = " + plugin_value + ", del host = " + host_value +
                              "; recompílelo con este Cabildo");
  };
  if (descriptor.magic != plugin::kMagic) {
    return mismatch("magic", std::to_string(descriptor.magic), std::to_string(plugin::kMagic));
  }
  if (descriptor.abi_version != plugin::kAbiVersion) {
    return mismatch("abi_version", std::to_string(descriptor.abi_version),
                    std::to_string(plugin::kAbiVersion));
  }
  if (descriptor.size != sizeof(plugin::PluginDescriptor)) {
    return mismatch("size", std::to_string(descriptor.size),
                    std::to_string(sizeof(plugin::PluginDescriptor)));
  }
  if (descriptor.toolchain == nullptr ||
      std::string(descriptor.toolchain) != CABILDO_PLUGIN_TOOLCHAIN) {
    return mismatch("toolchain", descriptor.toolchain ? descriptor.toolchain : "(nulo)",
                    CABILDO_PLUGIN_TOOLCHAIN);
  }
  if (descriptor.name == nullptr ||
      !plugin::IsLowerName(descriptor.name, 2, 63, /*letter_first=*/true)) {
    return UnprocessableError("plugin " + path + ": nombre no válido");
  }
  auto min = ParseVersion(descriptor.core_version_min);
  auto max = ParseVersion(descriptor.core_version_max);
  auto core = ParseVersion(kCoreVersion);
  if (!min || !max || *core < *min || !(*core < *max)) {
    return UnprocessableError(
        "plugin " + path + " (" + descriptor.name + "): requiere Cabildo >= " +
        (descriptor.core_version_min ? descriptor.core_version_min : "?") + " y < " +
        (descriptor.core_version_max ? descriptor.core_version_max : "?") + "; este es " +
        kCoreVersion);
  }
  if (descriptor.init == nullptr) {
    return UnprocessableError("plugin " + path + " (" + descriptor.name +
                              "): el descriptor no tiene init");
  }
  return OkStatus();
}

Status InitPlugin(LoadedPlugin& plugin, Status (*init)(plugin::PluginRegistrar&)) {
  Registrar registrar(plugin);
  Status status;
  try {
    status = init(registrar);
  } catch (const std::exception& error) {
    status = InternalError(std::string("excepción en init: ") + error.what());
  }
  if (!status.ok()) {
    return UnprocessableError("plugin " + plugin.file + " (" + plugin.name +
                              "): init falló: " + status.message());
  }
  registrar.Finish();
  if (!registrar.errors().empty()) {
    std::string message;
    for (const auto& e : registrar.errors()) message += (message.empty() ? "" : "; ") + e;
    return UnprocessableError("plugin " + plugin.file + " (" + plugin.name + "): " + message);
  }
  return OkStatus();
}

StatusOr<LoadedPlugin> LoadPlugin(const std::string& path) {
  // Plugins stay loaded for the life of the process: never dlclose a library
  // whose code may still be referenced (PostgreSQL and Envoy do the same).
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return UnprocessableError("plugin " + path + ": no se pudo cargar: " + (error ? error : "?"));
  }
  const auto* descriptor =
      static_cast<const plugin::PluginDescriptor*>(dlsym(handle, "cabildo_plugin_v1"));
  if (descriptor == nullptr) {
    return UnprocessableError("plugin " + path +
                              ": no exporta cabildo_plugin_v1 (¿falta CABILDO_PLUGIN?)");
  }
  Status compatible = CheckDescriptor(path, *descriptor);
  if (!compatible.ok()) return compatible;

  LoadedPlugin plugin;
  plugin.name = descriptor->name;
  plugin.version = descriptor->version ? descriptor->version : "";
  plugin.description = descriptor->description ? descriptor->description : "";
  plugin.file = path;
  Status initialised = InitPlugin(plugin, descriptor->init);
  if (!initialised.ok()) return initialised;
  return plugin;
}

StatusOr<PluginSet> LoadPlugins(const std::string& dir, bool optional) {
  namespace fs = std::filesystem;
  PluginSet set;
  std::error_code error;
  if (!fs::is_directory(dir, error)) return set;  // no plugins installed
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename();
    if (name.rfind("libcabildo_", 0) == 0 && entry.path().extension() == ".so") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> names;
  for (const auto& file : files) {
    auto plugin = LoadPlugin(file);
    Status status = plugin.status();
    if (plugin.ok() && !names.insert(plugin->name).second) {
      status = UnprocessableError("plugin " + file + ": el nombre '" + plugin->name +
                                  "' ya lo usa otro plugin");
    }
    if (!status.ok()) {
      if (!optional) return status;
      LogError("plugin omitido (CABILDO_PLUGINS_OPTIONAL=1)", {{"error", status.message()}});
      set.failed.push_back({file, status.message()});
      continue;
    }
    LogInfo("plugin cargado", {{"plugin", plugin->name}, {"version", plugin->version}});
    set.loaded.push_back(std::move(plugin).value());
  }
  return set;
}

void ValidateConfig(const nlohmann::json& schema, const nlohmann::json& config,
                    const std::string& path,
                    std::vector<std::pair<std::string, std::string>>& errors) {
  const std::string field = path.empty() ? "config" : path;
  const std::string type = schema.value("type", "");
  auto type_ok = [&]() {
    if (type.empty()) return true;
    if (type == "object") return config.is_object();
    if (type == "string") return config.is_string();
    if (type == "integer") return config.is_number_integer();
    if (type == "number") return config.is_number();
    if (type == "boolean") return config.is_boolean();
    if (type == "array") return config.is_array();
    return false;
  };
  if (!type_ok()) {
    errors.emplace_back(field, "Debe ser de tipo " + type + ".");
    return;
  }
  if (schema.contains("enum") &&
      std::find(schema["enum"].begin(), schema["enum"].end(), config) == schema["enum"].end()) {
    errors.emplace_back(field, "Valor no permitido.");
  }
  if (config.is_string() && schema.contains("maxLength") &&
      config.get<std::string>().size() > schema["maxLength"].get<size_t>()) {
    errors.emplace_back(field, "Es demasiado largo.");
  }
  if (config.is_number() && schema.contains("minimum") && config < schema["minimum"]) {
    errors.emplace_back(field, "Es menor que el mínimo.");
  }
  if (config.is_number() && schema.contains("maximum") && config > schema["maximum"]) {
    errors.emplace_back(field, "Es mayor que el máximo.");
  }
  if (!config.is_object()) return;
  const auto properties = schema.value("properties", nlohmann::json::object());
  for (const auto& required : schema.value("required", nlohmann::json::array())) {
    if (!config.contains(required.get<std::string>())) {
      errors.emplace_back(field + "." + required.get<std::string>(), "Es obligatorio.");
    }
  }
  for (const auto& [key, value] : config.items()) {
    if (properties.contains(key)) {
      ValidateConfig(properties[key], value, field + "." + key, errors);
    } else if (schema.value("additionalProperties", true) == false) {
      errors.emplace_back(field + "." + key, "Campo desconocido.");
    }
  }
}

Status MigratePlugins(pqxx::connection& owner, const std::vector<LoadedPlugin>& plugins) {
  for (const auto& plugin : plugins) {
    auto report = ApplyMigrations(owner, "plugin:" + plugin.name, plugin.migrations);
    if (!report.ok()) return report.status();
    try {
      pqxx::work work(owner);
      for (const auto& permission : plugin.permissions) {
        work.exec_params(
            "INSERT INTO core.permissions (name, module, description) VALUES ($1, $2, $3) "
            "ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description",
            permission.name, plugin.name, permission.description);
        for (const auto& role : permission.default_roles) {
          work.exec_params(
              "INSERT INTO core.role_permissions (role, permission) VALUES ($1, $2) "
              "ON CONFLICT DO NOTHING",
              role, permission.name);
        }
      }
      work.commit();
    } catch (const std::exception& error) {
      return UnprocessableError("plugin " + plugin.name +
                                ": no se registraron sus permisos: " + error.what());
    }
    LogInfo("plugin migrado", {{"plugin", plugin.name}, {"applied", report->applied.size()}});
  }
  return OkStatus();
}

}  // namespace cabildo::core
