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

TEST(InitPluginTest, KeepsExportsOfItsOwnGetRoutesInAnyOrder) {
  LoadedPlugin plugin = Named();
  Status status = InitPlugin(plugin, [](plugin::PluginRegistrar& r) {
    r.AddExport({"datos-csv", "/export.csv", "csv", "text/csv; charset=utf-8", "Datos en CSV."});
    r.AddRoute({plugin::HttpMethod::kGet, "/export.csv", "", &Ok});
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
    r.AddRoute({plugin::HttpMethod::kGet, "/export.csv", "", &Ok});
    r.AddRoute({plugin::HttpMethod::kPost, "/items", "", &Ok});
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
    r.AddRoute({plugin::HttpMethod::kGet, "/export.csv", "", &Ok});
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
