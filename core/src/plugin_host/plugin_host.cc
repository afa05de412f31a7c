#include "cabildo/core/plugin_host.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>

#include "cabildo/core/log.h"
#include "cabildo/plugin/text_checks.h"

#include <dlfcn.h>

namespace cabildo::core {
namespace {

std::string MethodText(plugin::HttpMethod method) {
  switch (method) {
    case plugin::HttpMethod::kGet:
      return "GET";
    case plugin::HttpMethod::kPost:
      return "POST";
    case plugin::HttpMethod::kPut:
      return "PUT";
    case plugin::HttpMethod::kPatch:
      return "PATCH";
    case plugin::HttpMethod::kDelete:
      return "DELETE";
  }
  return "?";
}

std::string Joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "ninguno" : text;
}

bool IsParamName(std::string_view name) {
  if (name.empty() || name.size() > 63 || name == "tenant") return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
  return name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
}

// The {names} of a relative route path, in order; false when a segment is
// empty (except a lone "/") or a parameter is malformed.
bool PathNames(const std::string& path, std::vector<std::string>& names) {
  if (path == "/") return true;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string_view segment(path.data() + start, end - start);
    if (segment.empty()) return false;
    if (segment.front() == '{') {
      // "{name}", or "{name}.json": a format suffix after the parameter.
      const size_t close = segment.find('}');
      if (close == std::string_view::npos || close < 2) return false;
      const std::string_view suffix = segment.substr(close + 1);
      if (!suffix.empty() && (suffix.size() < 2 || suffix.front() != '.' ||
                              suffix.find_first_not_of(".abcdefghijklmnopqrstuvwxyz0123456789") !=
                                  std::string_view::npos)) {
        return false;
      }
      const std::string_view name = segment.substr(1, close - 1);
      if (!IsParamName(name)) return false;
      if (std::find(names.begin(), names.end(), name) != names.end()) return false;
      names.emplace_back(name);
    } else if (segment.find_first_of("{}") != std::string_view::npos) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

// The path with every {name} as {}: two routes of one shape are one route
// to the router, whatever their parameters are called.
std::string Shape(const std::string& path) {
  std::string shape;
  bool in_param = false;
  for (char c : path) {
    if (c == '{') {
      in_param = true;
      shape += "{}";
    } else if (c == '}') {
      in_param = false;
    } else if (!in_param) {
      shape += c;
    }
  }
  return shape;
}

bool IsOperationId(const std::string& id) {
  if (id.empty() || id.size() > 100 || id[0] < 'a' || id[0] > 'z') return false;
  return id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
         std::string::npos;
}

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
    const std::string where = MethodText(route.method) + " " + route.path;
    if (route.path.empty() || route.path.front() != '/' || !route.handler) {
      errors_.push_back("ruta no válida: '" + route.path + "'");
      return;
    }
    std::vector<std::string> names;
    if (!PathNames(route.path, names)) {
      errors_.push_back("ruta " + where +
                        ": segmentos no válidos (vacíos, o {parámetros} que no son "
                        "[a-z_][a-z0-9_]* o se llaman tenant)");
      return;
    }
    std::vector<std::string> declared;
    for (const auto& param : route.path_params) declared.push_back(param.name);
    std::vector<std::string> sorted_names = names, sorted_declared = declared;
    std::sort(sorted_names.begin(), sorted_names.end());
    std::sort(sorted_declared.begin(), sorted_declared.end());
    if (sorted_names != sorted_declared) {
      errors_.push_back("ruta " + where + ": path_params (" + Joined(declared) +
                        ") no coincide con los parámetros de la ruta (" + Joined(names) + ")");
      return;
    }
    if (!IsOperationId(route.operation_id)) {
      errors_.push_back("ruta " + where + ": operation_id '" + route.operation_id +
                        "' no válido (camelCase, [a-z][A-Za-z0-9]*, hasta 100)");
      return;
    }
    if (route.summary.empty()) {
      errors_.push_back("ruta " + where + ": falta summary");
      return;
    }
    if (route.success_status < 200 || route.success_status > 299) {
      errors_.push_back("ruta " + where + ": success_status debe ser 2xx");
      return;
    }
    const std::string shape = Shape(route.path);
    for (const auto& existing : plugin_.routes) {
      if (existing.method == route.method && Shape(existing.path) == shape) {
        errors_.push_back(
            "ruta duplicada: " + where +
            (existing.path == route.path ? "" : " (la misma que " + existing.path + ")"));
        return;
      }
      if (existing.operation_id == route.operation_id) {
        errors_.push_back("operation_id repetido: '" + route.operation_id + "' (" + where + ")");
        return;
      }
    }
    std::set<std::string> query_names;
    for (const auto& param : route.query) {
      if (param.name.empty() || param.name.size() > 63 || param.name[0] < 'a' ||
          param.name[0] > 'z' ||
          param.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") !=
              std::string::npos) {
        errors_.push_back("ruta " + where + ": parámetro de consulta no válido '" + param.name +
                          "'");
        return;
      }
      if (param.description.empty()) {
        errors_.push_back("ruta " + where + ": el parámetro de consulta '" + param.name +
                          "' necesita description (se publica en el documento OpenAPI)");
        return;
      }
      const bool paging = param.name == "limit" || param.name == "cursor" ||
                          param.name == "updated_since" || param.name == "include_descendants";
      if (paging || !query_names.insert(param.name).second) {
        errors_.push_back("ruta " + where + ": parámetro de consulta '" + param.name +
                          "' repetido o reservado (use paged/descendants)");
        return;
      }
      Status added = plugin_.schemas.Add(QuerySchemaName(route, param.name), param.schema);
      if (!added.ok()) {
        errors_.push_back("ruta " + where + ", parámetro '" + param.name + "': " + added.message());
        return;
      }
    }
    plugin_.routes.push_back(std::move(route));
  }
  void SetConfigSchema(const nlohmann::json& schema) override { plugin_.config_schema = schema; }
  void AddSchema(const std::string& name, const nlohmann::json& schema) override {
    const std::string prefix = PascalCaseName(plugin_.name);
    if (name.size() <= prefix.size() || name.rfind(prefix, 0) != 0 ||
        name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") !=
            std::string::npos) {
      errors_.push_back("el esquema '" + name + "' debe llamarse " + prefix +
                        "<Nombre> ([A-Za-z0-9])");
      return;
    }
    if (schema.is_discarded()) {
      errors_.push_back("el esquema '" + name + "' no es JSON válido");
      return;
    }
    Status added = plugin_.schemas.Add(name, schema);
    if (!added.ok()) {
      errors_.push_back(added.message());
      return;
    }
    plugin_.schema_names.push_back(name);
  }
  void SetRecordDescriber(plugin::RecordDescriber describer) override {
    plugin_.describer = std::move(describer);
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
    if (Status added = plugin_.schemas.Add(kConfigSchemaName, plugin_.config_schema); !added.ok()) {
      errors_.push_back("el esquema de configuración: " + added.message());
    }
    if (Status resolved = plugin_.schemas.Resolve(); !resolved.ok()) {
      errors_.push_back(resolved.message());
    }
    for (const auto& route : plugin_.routes) {
      for (const std::string* name : {&route.request_body, &route.response_body}) {
        if (!name->empty() && (!plugin_.schemas.Has(*name) ||
                               std::find(plugin_.schema_names.begin(), plugin_.schema_names.end(),
                                         *name) == plugin_.schema_names.end())) {
          errors_.push_back("ruta " + MethodText(route.method) + " " + route.path +
                            ": el esquema '" + *name + "' no existe (AddSchema)");
        }
      }
      if (!route.request_body.empty() && route.method != plugin::HttpMethod::kPost &&
          route.method != plugin::HttpMethod::kPut && route.method != plugin::HttpMethod::kPatch) {
        errors_.push_back("ruta " + MethodText(route.method) + " " + route.path +
                          ": solo POST, PUT y PATCH llevan request_body");
      }
    }
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

bool IsReservedPluginName(const std::string& name) {
  // /healthz, /readyz, /metrics; /v1/<auth|me|modules|openapi.json|roles|tenants>;
  // /v1/tenants/{tenant}/<audit|members|modules>; and names kept for the core.
  static const std::set<std::string> kReserved = {
      "admin",   "audit",   "auth",    "core",   "healthz", "me",      "members", "metrics",
      "modules", "openapi", "plugins", "readyz", "roles",   "tenants", "users",   "v1"};
  return kReserved.count(name) > 0;
}

std::string PascalCaseName(const std::string& module) {
  std::string out;
  bool upper = true;
  for (char c : module) {
    if (c == '-' || c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    upper = false;
  }
  return out;
}

std::string QuerySchemaName(const plugin::Route& route, const std::string& parameter) {
  return "_query_" + route.operation_id + "_" + parameter;
}

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
  if (IsReservedPluginName(descriptor.name)) {
    return UnprocessableError("plugin " + path + ": el nombre '" + descriptor.name +
                              "' está reservado para el núcleo de Cabildo (sus rutas chocarían "
                              "con las del núcleo); elija otro");
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
  std::map<std::string, std::string> operation_ids;  // -> the plugin that declared it
  for (const auto& file : files) {
    auto plugin = LoadPlugin(file);
    Status status = plugin.status();
    if (plugin.ok() && !names.insert(plugin->name).second) {
      status = UnprocessableError("plugin " + file + ": el nombre '" + plugin->name +
                                  "' ya lo usa otro plugin; sus rutas serían las mismas");
    }
    if (status.ok()) {
      for (const auto& route : plugin->routes) {
        auto taken = operation_ids.find(route.operation_id);
        if (taken != operation_ids.end()) {
          status =
              UnprocessableError("plugin " + file + " (" + plugin->name + "): operation_id '" +
                                 route.operation_id + "' ya lo declara el plugin " + taken->second);
          break;
        }
      }
    }
    if (status.ok()) {
      for (const auto& route : plugin->routes) operation_ids[route.operation_id] = plugin->name;
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

std::vector<FieldError> ValidateConfig(const LoadedPlugin& plugin, const nlohmann::json& config) {
  std::vector<FieldError> errors = plugin.schemas.Validate(kConfigSchemaName, config);
  for (auto& error : errors) {
    error.field = error.field.empty()          ? "config"
                  : error.field.front() == '[' ? "config" + error.field
                                               : "config." + error.field;
  }
  return errors;
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
