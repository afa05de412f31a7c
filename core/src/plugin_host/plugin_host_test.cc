// The host's checks of a plugin, without dlopen: the descriptor comparison
// (each field that must match exactly, and the core version range) and the
// registrar's rejections, exports included.
#include "cabildo/core/plugin_host.h"

#include <string>

#include <gtest/gtest.h>

namespace cabildo::core {
namespace {

const std::string kFile = "/opt/cabildo/plugins/libcabildo_prueba.so";

Status NoInit(plugin::PluginRegistrar&) { return OkStatus(); }

plugin::PluginDescriptor Good() {
  return {plugin::kMagic,
          sizeof(plugin::PluginDescriptor),
          plugin::kAbiVersion,
          CABILDO_PLUGIN_TOOLCHAIN,
          "prueba",
          "1.0.0",
          "Plugin de prueba",
          "0.1.0",
          "1.0.0",
          &NoInit};
}

// The refusal of `descriptor`, which must name the file and contain `expected`.
std::string Refusal(const plugin::PluginDescriptor& descriptor) {
  Status status = CheckDescriptor(kFile, descriptor);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find(kFile), std::string::npos) << status.message();
  return status.message();
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(CheckDescriptorTest, AcceptsADescriptorOfThisHost) {
  Status status = CheckDescriptor(kFile, Good());
  EXPECT_TRUE(status.ok()) << status.message();
}

TEST(CheckDescriptorTest, RefusesAWrongMagic) {
  auto descriptor = Good();
  descriptor.magic = 0x12345678;
  const std::string message = Refusal(descriptor);
  EXPECT_TRUE(Has(message, "magic del plugin = " + std::to_string(0x12345678) +
                               ", del host = " + std::to_string(plugin::kMagic)))
      << message;
}

TEST(CheckDescriptorTest, RefusesAWrongSize) {
  auto descriptor = Good();
  descriptor.size = sizeof(plugin::PluginDescriptor) - 8;
  const std::string message = Refusal(descriptor);
  EXPECT_TRUE(Has(message, "size del plugin = " + std::to_string(descriptor.size) +
                               ", del host = " + std::to_string(sizeof(plugin::PluginDescriptor))))
      << message;
}

TEST(CheckDescriptorTest, RefusesAnotherAbiVersion) {
  for (uint32_t version : {plugin::kAbiVersion - 1, plugin::kAbiVersion + 1}) {
    auto descriptor = Good();
    descriptor.abi_version = version;
    const std::string message = Refusal(descriptor);
    EXPECT_TRUE(Has(message, "abi_version del plugin = " + std::to_string(version) +
                                 ", del host = " + std::to_string(plugin::kAbiVersion)))
        << message;
  }
}

TEST(CheckDescriptorTest, RefusesAnotherToolchain) {
  auto descriptor = Good();
  descriptor.toolchain = "clang 17.0.6 libc++ 17 c++202002L";
  const std::string message = Refusal(descriptor);
  EXPECT_TRUE(Has(message, std::string("toolchain del plugin = clang 17.0.6 libc++ 17 c++202002L, "
                                       "del host = ") +
                               CABILDO_PLUGIN_TOOLCHAIN))
      << message;
  descriptor.toolchain = nullptr;
  EXPECT_TRUE(Has(Refusal(descriptor), "toolchain del plugin = (nulo)"));
}

TEST(CheckDescriptorTest, RefusesACoreVersionOutsideThePluginsRange) {
  auto descriptor = Good();
  descriptor.core_version_min = "0.2.0";  // this core (0.1.0) is too old
  std::string message = Refusal(descriptor);
  EXPECT_TRUE(
      Has(message, "requiere Cabildo >= 0.2.0 y < 1.0.0; este es " + std::string(kCoreVersion)))
      << message;
  descriptor = Good();
  descriptor.core_version_min = "0.0.1";
  descriptor.core_version_max = kCoreVersion;  // exclusive: this core is too new
  message = Refusal(descriptor);
  EXPECT_TRUE(Has(message, "requiere Cabildo >= 0.0.1 y < " + std::string(kCoreVersion) +
                               "; este es " + kCoreVersion))
      << message;
  descriptor.core_version_max = "uno";
  EXPECT_TRUE(Has(Refusal(descriptor), "y < uno"));
}

TEST(CheckDescriptorTest, RefusesABadNameOrAMissingInit) {
  auto descriptor = Good();
  descriptor.name = "Mal Nombre";
  EXPECT_TRUE(Has(Refusal(descriptor), "nombre no válido"));
  descriptor = Good();
  descriptor.init = nullptr;
  EXPECT_TRUE(Has(Refusal(descriptor), "no tiene init"));
}

StatusOr<plugin::HttpResponse> Ok(plugin::RequestContext&) { return plugin::HttpResponse{}; }

LoadedPlugin Named() {
  LoadedPlugin plugin;
  plugin.name = "prueba";
  plugin.file = kFile;
  return plugin;
}

plugin::Route Get(const std::string& path, const std::string& operation_id) {
  return {.path = path, .operation_id = operation_id, .summary = "Prueba", .handler = &Ok};
}
plugin::Route Post(const std::string& path, const std::string& operation_id) {
  plugin::Route route = Get(path, operation_id);
  route.method = plugin::HttpMethod::kPost;
  return route;
}

TEST(CheckDescriptorTest, RefusesANameTheCoreReserves) {
  for (const char* name : {"audit", "modules", "members", "core", "auth", "tenants", "openapi"}) {
    plugin::PluginDescriptor descriptor = Good();
    descriptor.name = name;
    const std::string message = Refusal(descriptor);
    EXPECT_TRUE(Has(message, std::string("el nombre '") + name + "' está reservado")) << message;
  }
  EXPECT_FALSE(IsReservedPluginName("public-works"));
}

TEST(InitPluginTest, KeepsADeclaredRouteWithItsSchemas) {
  LoadedPlugin plugin = Named();
  Status status = InitPlugin(plugin, [](plugin::PluginRegistrar& r) {
    r.AddSchema("PruebaItem",
                {{"type", "object"},
                 {"properties", {{"kind", {{"$ref", "#/components/schemas/PruebaKind"}}}}}});
    r.AddSchema("PruebaKind", {{"enum", {"a", "b"}}});
    plugin::Route route = Post("/items/{id}/parts", "pruebaAddPart");
    route.path_params = {{.name = "id"}};
    route.query = {{.name = "kind",
                    .schema = {{"$ref", "#/components/schemas/PruebaKind"}},
                    .description = "Tipo."}};
    route.request_body = "PruebaItem";
    r.AddRoute(route);
    return OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(plugin.schema_names, (std::vector<std::string>{"PruebaItem", "PruebaKind"}));
  EXPECT_TRUE(plugin.schemas.Has(QuerySchemaName(plugin.routes[0], "kind")));
  EXPECT_EQ(plugin.schemas.Validate("PruebaItem", {{"kind", "c"}}).size(), 1u);
}

TEST(InitPluginTest, APathParameterMayCarryAFormatSuffix) {
  LoadedPlugin plugin = Named();
  Status status = InitPlugin(plugin, [](plugin::PluginRegistrar& r) {
    plugin::Route route = Get("/v2/services/{service_code}.json", "pruebaService");
    route.path_params = {{.name = "service_code", .type = plugin::ParamType::kText}};
    r.AddRoute(route);
    return OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status.message();
  // init is a plain function pointer: the path under test travels in a static.
  static const char* path = nullptr;
  for (const char* malformed : {"/v2/services/{code}json", "/v2/services/{code}.JSON",
                                "/v2/services/{code}.", "/v2/services/{}.json", "/v2/{a}{b}"}) {
    path = malformed;
    LoadedPlugin other = Named();
    Status refused = InitPlugin(other, [](plugin::PluginRegistrar& r) {
      plugin::Route route = Get(path, "pruebaService");
      route.path_params = {{.name = "code", .type = plugin::ParamType::kText}};
      r.AddRoute(route);
      return OkStatus();
    });
    EXPECT_FALSE(refused.ok()) << path;
  }
}

TEST(InitPluginTest, RefusesRoutesThatDoNotMatchTheirDeclaration) {
  LoadedPlugin plugin = Named();
  Status status = InitPlugin(plugin, [](plugin::PluginRegistrar& r) {
    r.AddSchema("OtroNombre", {{"type", "object"}});  // not the module's prefix
    plugin::Route params = Get("/items/{id}", "pruebaGetItem");
    params.path_params = {{.name = "item_id"}};
    r.AddRoute(params);
    plugin::Route body = Post("/items", "pruebaCreateItem");
    body.request_body = "PruebaNoExiste";
    r.AddRoute(body);
    r.AddRoute(Get("/things", "pruebaCreateItem"));  // the same operation_id
    plugin::Route shape = Get("/items/{key}", "pruebaGetByKey");
    shape.path_params = {{.name = "key"}};
    r.AddRoute(shape);
    r.AddRoute(Get("/otra", ""));  // no operation_id
    return OkStatus();
  });
  ASSERT_FALSE(status.ok());
  const std::string& message = status.message();
  EXPECT_TRUE(Has(message, "el esquema 'OtroNombre' debe llamarse Prueba<Nombre>")) << message;
  EXPECT_TRUE(Has(message, "path_params (item_id) no coincide con los parámetros de la ruta (id)"))
      << message;
  EXPECT_TRUE(Has(message, "el esquema 'PruebaNoExiste' no existe")) << message;
  EXPECT_TRUE(Has(message, "operation_id repetido: 'pruebaCreateItem'")) << message;
  EXPECT_TRUE(Has(message, "operation_id '' no válido")) << message;
}

TEST(InitPluginTest, RefusesTwoRoutesOfOneShapeAndASchemaThatDoesNotLoad) {
  LoadedPlugin plugin = Named();
  Status status = InitPlugin(plugin, [](plugin::PluginRegistrar& r) {
    plugin::Route first = Get("/items/{id}", "pruebaGetItem");
    first.path_params = {{.name = "id"}};
    r.AddRoute(first);
    plugin::Route second = Get("/items/{key}", "pruebaGetByKey");
    second.path_params = {{.name = "key"}};
    r.AddRoute(second);
    r.AddSchema("PruebaRota", {{"$ref", "#/components/schemas/PruebaNadie"}});
    return OkStatus();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Has(status.message(), "ruta duplicada: GET /items/{key} (la misma que /items/{id})"))
      << status.message();
  EXPECT_TRUE(Has(status.message(), "PruebaRota")) << status.message();
}

TEST(InitPluginTest, KeepsExportsOfItsOwnGetRoutesInAnyOrder) {
  LoadedPlugin plugin = Named();
  Status status = InitPlugin(plugin, [](plugin::PluginRegistrar& r) {
    r.AddExport({"datos-csv", "/export.csv", "csv", "text/csv; charset=utf-8", "Datos en CSV."});
    r.AddRoute(Get("/export.csv", "pruebaExport"));
    return OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(plugin.exports.size(), 1u);
  EXPECT_EQ(plugin.exports[0].name, "datos-csv");
  EXPECT_EQ(plugin.exports[0].path, "/export.csv");
  EXPECT_EQ(plugin.exports[0].format, "csv");
  EXPECT_EQ(plugin.exports[0].description, "Datos en CSV.");
}

TEST(InitPluginTest, RefusesAnExportThatIsNotOneOfItsGetRoutes) {
  LoadedPlugin plugin = Named();
  Status status = InitPlugin(plugin, [](plugin::PluginRegistrar& r) {
    r.AddRoute(Get("/export.csv", "pruebaExport"));
    r.AddRoute(Post("/items", "pruebaCreateItem"));
    r.AddExport({"inventada", "/bogus.csv", "csv", "text/csv", "No existe."});
    r.AddExport({"post", "/items", "json", "application/json", "Es un POST."});
    return OkStatus();
  });
  ASSERT_FALSE(status.ok());
  const std::string& message = status.message();
  EXPECT_TRUE(Has(message, kFile + " (prueba)")) << message;
  EXPECT_TRUE(Has(message, "'inventada' apunta a '/bogus.csv', que no es una ruta GET del plugin"))
      << message;
  EXPECT_TRUE(Has(message, "'post' apunta a '/items'")) << message;
}

TEST(InitPluginTest, RefusesMalformedOrDuplicateExports) {
  LoadedPlugin plugin = Named();
  Status status = InitPlugin(plugin, [](plugin::PluginRegistrar& r) {
    r.AddRoute(Get("/export.csv", "pruebaExport"));
    r.AddExport({"Mal Nombre", "/export.csv", "csv", "text/csv", "x"});
    r.AddExport({"sin-formato", "/export.csv", "", "text/csv", "x"});
    r.AddExport({"datos", "/export.csv", "csv", "text/csv", "x"});
    r.AddExport({"datos", "/export.csv", "csv", "text/csv", "x"});
    return OkStatus();
  });
  ASSERT_FALSE(status.ok());
  const std::string& message = status.message();
  EXPECT_TRUE(Has(message, "nombre no válido: 'Mal Nombre'")) << message;
  EXPECT_TRUE(Has(message, "'sin-formato' necesita formato")) << message;
  EXPECT_TRUE(Has(message, "exportación duplicada: 'datos'")) << message;
}

TEST(InitPluginTest, ReportsAFailingOrThrowingInit) {
  LoadedPlugin plugin = Named();
  Status status = InitPlugin(
      plugin, [](plugin::PluginRegistrar&) -> Status { throw std::runtime_error("sin memoria"); });
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(
      Has(status.message(), kFile + " (prueba): init falló: excepción en init: sin memoria"))
      << status.message();
}

}  // namespace
}  // namespace cabildo::core
