#include "cli.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cabildo/api/app.h"
#include "cabildo/core/audit.h"
#include "cabildo/core/config.h"
#include "cabildo/core/crypto.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/log.h"
#include "cabildo/core/migrations.h"
#include "cabildo/core/plugin_host.h"
#include "cabildo/core/tenants.h"

#include "memory.h"
#include "openapi.h"
#include "tenant_archive_routes.h"
#include <signal.h>

namespace cabildo::api {
namespace {

constexpr const char* kUsage = R"(cabildo — backend de Gobierno Abierto

Uso:
  cabildo serve                 sirve la API HTTP hasta SIGTERM/SIGINT
  cabildo migrate               aplica las migraciones pendientes (rol dueño)
  cabildo tenants apply <file>  crea o actualiza los tenants de un archivo JSON
  cabildo tenants export <slug> > archivo
                                exporta todo lo de un tenant (filas, miembros, bitácora)
  cabildo tenants import < archivo
                                importa un tenant exportado (aquí o en otra instancia)
  cabildo user create --email E --name N (--password-stdin | --password-file F) [--instance-admin]
                                crea una cuenta (la contraseña se lee de stdin o de un archivo)
  cabildo audit verify <tenant> verifica la cadena de auditoría de un tenant
  cabildo data-key new          imprime una clave nueva para CABILDO_DATA_KEY
  cabildo data-key seal|digest --module M (--context C | --domain D)
                                cifra (o resume) la entrada estándar como lo haría
                                el módulo M: cargas de datos de demostración
  cabildo openapi               imprime el documento OpenAPI 3.1 (núcleo y plugins)
  cabildo help                  esta ayuda

Cada comando acepta --help.
)";

void PrintVariables() {
  std::cout << "\nVariables de entorno (con su valor por omisión):\n";
  for (const auto& variable : core::ConfigVariables()) {
    std::cout << "  " << variable.name << " = " << variable.default_value << "\n      "
              << variable.description << "\n";
  }
}

bool WantsHelp(const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") return true;
  }
  return false;
}

int Fail(const std::string& message) {
  std::cerr << "cabildo: " << message << "\n";
  return 1;
}

// Loads the configuration or prints the one-line reason it is bad.
std::optional<core::Config> LoadConfigOrExplain() {
  auto config = core::LoadConfig(core::ProcessEnvironment());
  if (!config.ok()) {
    std::cerr << "cabildo: " << config.status().message() << "\n";
    return std::nullopt;
  }
  core::Logger::SetLevel(config->log_level);
  return *config;
}

std::unique_ptr<pqxx::connection> ConnectOwner(const core::Config& config) {
  try {
    return std::make_unique<pqxx::connection>(config.database_admin_url);
  } catch (const std::exception& error) {
    // libpq's message names host and user, never the password.
    std::cerr << "cabildo: no se pudo conectar a PostgreSQL con CABILDO_DATABASE_ADMIN_URL: "
              << error.what();
    return nullptr;
  }
}

int Serve(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::cout << "Uso: cabildo serve\n\nSirve la API en CABILDO_LISTEN. SIGTERM o Ctrl-C: "
                 "/readyz pasa a 503, se espera CABILDO_SHUTDOWN_DRAIN_MS, terminan las "
                 "solicitudes en curso y el proceso sale con 0.\n";
    PrintVariables();
    return 0;
  }
  auto config = LoadConfigOrExplain();
  if (!config) return 2;

  // Block the stop signals before any thread starts, so every thread inherits
  // the mask and only sigwait() below sees them (stack-notes.md, "Shutdown").
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);                     // a client closing mid-response must not kill us
  LimitMallocArenas(config->malloc_arena_max);  // before any thread has an arena

  App app(*config);
  Status started = app.Start();
  if (!started.ok()) return Fail(started.message());
  MallocTrimmer trimmer(config->malloc_trim_interval);  // stops before `app` is destroyed

  int received = 0;
  sigwait(&signals, &received);
  core::LogInfo("señal recibida", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  app.Stop(config->shutdown_drain, std::chrono::seconds(20));
  return 0;
}

int Migrate(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::cout << "Uso: cabildo migrate\n\nAplica, en orden y cada una en su transacción, las "
                 "migraciones pendientes de CABILDO_MIGRATIONS_DIR con el rol dueño "
                 "(CABILDO_DATABASE_ADMIN_URL). Una migración ya aplicada que cambió detiene "
                 "el proceso. Dos ejecuciones simultáneas se serializan.\n";
    return 0;
  }
  auto config = LoadConfigOrExplain();
  if (!config) return 2;
  auto files = core::LoadMigrationDir(config->migrations_dir);
  if (!files.ok()) return Fail(files.status().message());
  auto owner = ConnectOwner(*config);
  if (!owner) return 1;
  try {
    auto report = core::ApplyMigrations(*owner, "core", *files);
    if (!report.ok()) return Fail(report.status().message());
    std::cout << "core: " << report->applied.size() << " aplicadas, " << report->already_applied
              << " ya estaban aplicadas\n";
    auto plugins = core::LoadPlugins(config->plugin_dir, config->plugins_optional);
    if (!plugins.ok()) return Fail(plugins.status().message());
    Status migrated = core::MigratePlugins(*owner, plugins->loaded);
    if (!migrated.ok()) return Fail(migrated.message());
    for (const auto& plugin : plugins->loaded) {
      std::cout << "plugin " << plugin.name << " " << plugin.version << ": migrado\n";
    }
    return 0;
  } catch (const std::exception& error) {
    return Fail(std::string("la migración falló: ") + error.what());
  }
}

int TenantsApply(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.size() != 1) {
    std::cout << "Uso: cabildo tenants apply <archivo.json>\n\nCrea o actualiza los tenants del "
                 "archivo (p. ej. tenants/durango.json). Valida todo el archivo antes de "
                 "escribir; si hay un error no escribe nada. Nunca borra tenants: los que ya no "
                 "aparecen en el archivo solo se listan. Ejecutarlo dos veces no cambia nada.\n";
    return WantsHelp(args) ? 0 : 2;
  }
  auto config = LoadConfigOrExplain();
  if (!config) return 2;
  std::ifstream in(args[0], std::ios::binary);
  if (!in) return Fail("no se puede leer el archivo '" + args[0] + "'");
  std::stringstream text;
  text << in.rdbuf();
  auto owner = ConnectOwner(*config);
  if (!owner) return 1;
  auto plugins = core::LoadPlugins(config->plugin_dir, config->plugins_optional);
  if (!plugins.ok()) return Fail(plugins.status().message());
  std::vector<std::string> installed_modules;
  for (const auto& plugin : plugins->loaded) installed_modules.push_back(plugin.name);
  auto report = core::ApplyTenantFile(*owner, text.str(), installed_modules);
  if (!report.ok()) {
    std::cerr << "cabildo: " << args[0] << " no se aplicó; no se escribió nada:\n";
    std::istringstream lines(report.status().message());
    for (std::string line; std::getline(lines, line);) std::cerr << "  " << line << "\n";
    return 1;
  }
  auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out.empty() ? std::string("-") : out;
  };
  std::cout << "creados: " << join(report->created) << "\n"
            << "actualizados: " << join(report->updated) << "\n"
            << "sin cambios: " << join(report->unchanged) << "\n";
  if (!report->not_in_file.empty()) {
    std::cout << "en la base pero no en el archivo (no se borran): " << join(report->not_in_file)
              << "\n";
  }
  if (!report->modules_enabled.empty()) {
    std::cout << "módulos habilitados: " << join(report->modules_enabled) << "\n";
  }
  for (const auto& warning : report->warnings) std::cout << "aviso: " << warning << "\n";
  return 0;
}

// Reads the value after `flag` (e.g. --email x); nullopt when absent.
std::optional<std::string> FlagValue(const std::vector<std::string>& args,
                                     const std::string& flag) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) return args[i + 1];
  }
  return std::nullopt;
}

bool HasFlag(const std::vector<std::string>& args, const std::string& flag) {
  return std::find(args.begin(), args.end(), flag) != args.end();
}

int UserCreate(const std::vector<std::string>& args) {
  auto email = FlagValue(args, "--email");
  auto name = FlagValue(args, "--name");
  auto password_file = FlagValue(args, "--password-file");
  const bool from_stdin = HasFlag(args, "--password-stdin");
  if (WantsHelp(args) || !email || !name || from_stdin == password_file.has_value()) {
    std::cout << "Uso: cabildo user create --email <correo> --name <nombre> "
                 "(--password-stdin | --password-file <ruta>) [--instance-admin] "
                 "[--if-no-instance-admin]\n\nCrea una cuenta con el rol dueño. La contraseña se "
                 "lee de la entrada estándar o de la primera línea de un archivo, como el de un "
                 "Secret de Kubernetes montado (nunca como argumento, que quedaría en el historial "
                 "y en `ps`). --if-no-instance-admin no hace nada si ya existe una cuenta de "
                 "administración de la instancia.\n";
    return WantsHelp(args) ? 0 : 2;
  }
  std::string password;
  if (password_file) {
    // A mounted Secret: no shell in the image is needed to pipe it in.
    std::ifstream file(*password_file);
    if (!file) return Fail("no se pudo leer el archivo de la contraseña: " + *password_file);
    std::getline(file, password);
  } else {
    std::getline(std::cin, password);
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  auto config = LoadConfigOrExplain();
  if (!config) return 2;
  auto owner = ConnectOwner(*config);
  if (!owner) return 1;
  try {
    pqxx::work work(*owner);
    if (HasFlag(args, "--if-no-instance-admin") && core::InstanceAdminExists(work)) {
      std::cout << "ya existe una cuenta de administración de la instancia; no se creó otra\n";
      return 0;
    }
    std::vector<core::FieldError> problems;
    auto user = core::CreateUser(work, {*email, *name, password, HasFlag(args, "--instance-admin")},
                                 &problems);
    if (!user.ok()) return Fail(user.status().message());
    work.commit();
    std::cout << "cuenta creada: " << user->email << " (" << user->id << ")"
              << (user->instance_admin ? " instance_admin" : "") << "\n";
    return 0;
  } catch (const std::exception& error) {
    return Fail(std::string("no se pudo crear la cuenta: ") + error.what());
  }
}

int AuditVerify(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.size() != 1) {
    std::cout << "Uso: cabildo audit verify <tenant>\n\nRecalcula la cadena de hashes de la "
                 "bitácora del tenant. Imprime `ok` o el primer seq alterado o faltante "
                 "(código de salida 1).\n";
    return WantsHelp(args) ? 0 : 2;
  }
  auto config = LoadConfigOrExplain();
  if (!config) return 2;
  auto owner = ConnectOwner(*config);
  if (!owner) return 1;
  try {
    pqxx::work work(*owner);
    auto tenant = core::ResolveTenant(work, args[0]);
    if (tenant.status().code() == StatusCode::kNotFound) {
      return Fail("no existe el tenant '" + args[0] + "'");
    }
    if (!tenant.ok()) return Fail(tenant.status().message());
    const std::string id = tenant->id;
    core::ApplyScope(work, core::Scope{{id}, ""});
    auto verification = core::VerifyAudit(work, id);
    if (!verification.ok()) return Fail(verification.status().message());
    if (verification->ok) {
      std::cout << "ok (" << verification->entries << " entradas)\n";
      return 0;
    }
    std::cout << "alterada: primer seq con problema = " << *verification->first_bad_seq << "\n";
    return 1;
  } catch (const std::exception& error) {
    return Fail(std::string("no se pudo verificar: ") + error.what());
  }
}

// `cabildo tenants export <slug>`: the archive of GET /v1/tenants/{t}/export
// on stdout, through the owner role (no body limit, no HTTP timeout).
int TenantsExport(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.size() != 1) {
    std::cout << "Uso: cabildo tenants export <slug> > archivo.ndjson\n\nEscribe en la salida "
                 "estándar todo lo que guarda el tenant: las filas de cada módulo, sus miembros y "
                 "roles, y su bitácora de auditoría (NDJSON; ver README \"Exportar e importar un "
                 "tenant\"). Los datos personales siguen cifrados con CABILDO_DATA_KEY. Queda "
                 "registrado en la bitácora del tenant y en la de la instancia.\n";
    return WantsHelp(args) ? 0 : 2;
  }
  auto config = LoadConfigOrExplain();
  if (!config) return 2;
  core::Logger::SetLevel("error");  // logs share stdout with the archive
  auto plugins = core::LoadPlugins(config->plugin_dir, config->plugins_optional);
  if (!plugins.ok()) return Fail(plugins.status().message());
  auto schema = LocalArchiveSchema(*config, plugins->loaded);
  if (!schema.ok()) return Fail(schema.status().message());
  auto owner = ConnectOwner(*config);
  if (!owner) return 1;
  try {
    std::string id;
    {  // recorded first, in its own transaction, as the route does
      pqxx::work work(*owner);
      auto tenant = core::ResolveTenant(work, args[0]);
      if (!tenant.ok()) return Fail("no existe el tenant '" + args[0] + "'");
      id = tenant->id;
      core::ApplyScope(work, core::Scope{{id}, ""});
      const core::AuditEvent event{
          id,
          "",
          "sistema: cabildo tenants export",
          "tenant.export",
          "tenant",
          id,
          {{"before", nlohmann::json::object()}, {"after", {{"slug", args[0]}}}}};
      Status audited = core::AppendInstanceAudit(work, event);
      if (audited.ok()) audited = core::AppendAudit(work, event);
      if (!audited.ok()) return Fail(audited.message());
      work.commit();
    }
    pqxx::work work(*owner);
    core::ApplyScope(work, core::Scope{{id}, ""});
    auto counts = core::WriteTenantArchive(
        work, id, {*schema, core::DataKeyCheck(config->data_key)}, [](std::string_view bytes) {
          std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
          return static_cast<bool>(std::cout);
        });
    if (!counts.ok()) return Fail("la exportación falló: " + counts.status().message());
    std::cout.flush();
    work.commit();
    int64_t rows = 0;
    for (const auto& [table, count] : counts->rows) rows += count;
    std::cerr << "cabildo: " << args[0] << " exportado: " << rows << " filas de "
              << counts->rows.size() << " tablas, " << counts->users << " cuentas\n";
    return std::cout ? 0 : 1;
  } catch (const std::exception& error) {
    return Fail(std::string("la exportación falló: ") + error.what());
  }
}

// `cabildo tenants import < archivo`: POST /v1/tenants/import without the
// body limit, reading stdin line by line (one line in memory at a time).
int TenantsImport(const std::vector<std::string>& args) {
  if (WantsHelp(args) || !args.empty()) {
    std::cout << "Uso: cabildo tenants import < archivo.ndjson\n\nImporta un tenant exportado "
                 "con `cabildo tenants export` o GET /v1/tenants/{tenant}/export, en una sola "
                 "transacción: si algo falla no se guarda nada. El tenant padre debe existir; el "
                 "slug y el id del tenant deben estar libres. Las cuentas que no existían quedan "
                 "sin contraseña utilizable: no inician sesión hasta tener una. La instancia debe "
                 "tener la misma "
                 "CABILDO_DATA_KEY que la de origen.\n";
    return WantsHelp(args) ? 0 : 2;
  }
  auto config = LoadConfigOrExplain();
  if (!config) return 2;
  auto plugins = core::LoadPlugins(config->plugin_dir, config->plugins_optional);
  if (!plugins.ok()) return Fail(plugins.status().message());
  auto schema = LocalArchiveSchema(*config, plugins->loaded);
  if (!schema.ok()) return Fail(schema.status().message());
  auto owner = ConnectOwner(*config);
  if (!owner) return 1;
  try {
    pqxx::work work(*owner);
    core::TenantImporter importer(
        work,
        {*schema, core::DataKeyCheck(config->data_key), {"", "sistema: cabildo tenants import"}});
    for (std::string line; std::getline(std::cin, line);) {
      Status taken = importer.Line(line);
      if (!taken.ok()) return Fail(taken.message() + " No se importó nada.");
    }
    auto report = importer.Finish();
    if (!report.ok()) return Fail(report.status().message());
    work.commit();
    int64_t rows = 0;
    for (const auto& [table, count] : report->rows) rows += count;
    std::cout << "importado " << report->tenant.slug << ": " << rows << " filas, " << report->users
              << " cuentas (" << report->users_created << " nuevas, sin "
              << "contraseña), bitácora de " << report->audit_entries << " entradas verificada\n";
    return 0;
  } catch (const std::exception& error) {
    return Fail(std::string("la importación falló; no se guardó nada: ") + error.what());
  }
}

// `cabildo data-key`: a new key, and sealing/digesting stdin exactly as a
// module's SealPersonalData / PersonalDataDigest would (the same binding to
// the module), so a data load (scripts/demo-data.sh) can insert sealed rows
// with psql. There is deliberately no "open": clear personal data leaves the
// server only through the API, to the people allowed to see it.
int DataKeyCommand(const std::vector<std::string>& args) {
  const std::string usage =
      "Uso: cabildo data-key new\n"
      "     cabildo data-key seal --module <módulo> --context <contexto>   (lee stdin)\n"
      "     cabildo data-key digest --module <módulo> --domain <dominio>   (lee stdin)\n\n"
      "new imprime 64 caracteres hexadecimales aleatorios para CABILDO_DATA_KEY (guárdelos en "
      "un secreto, nunca en la base de datos: sin ella los datos personales no se pueden "
      "leer). seal y digest usan la CABILDO_DATA_KEY del entorno.\n";
  if (args.empty() || WantsHelp(args)) {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "new") {
    std::cout << core::RandomHex(32) << "\n";
    return 0;
  }
  auto module = FlagValue(args, "--module");
  auto context = FlagValue(args, args[0] == "seal" ? "--context" : "--domain");
  if ((args[0] != "seal" && args[0] != "digest") || !module || !context) {
    std::cerr << usage;
    return 2;
  }
  auto config = LoadConfigOrExplain();
  if (!config) return 2;
  if (!config->data_key) return Fail("falta CABILDO_DATA_KEY");
  std::stringstream input;
  input << std::cin.rdbuf();
  const std::string bound = core::PersonalDataBinding(*module, *context);
  std::cout << (args[0] == "seal" ? config->data_key->Seal(input.str(), bound)
                                  : config->data_key->Digest(bound, input.str()))
            << "\n";
  return 0;
}

int PrintOpenApi(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::cout << "Uso: cabildo openapi\n\nImprime en stdout el documento OpenAPI 3.1 que sirve "
                 "/v1/openapi.json: el núcleo y los plugins de CABILDO_PLUGIN_DIR. No se conecta "
                 "a la base de datos. Sale con 1 si un plugin no carga o si su documentación "
                 "choca con otra (el documento se imprime igual; los problemas van a stderr).\n";
    return 0;
  }
  auto config = LoadConfigOrExplain();
  if (!config) return 2;
  // Logs share stdout with the document: keep "plugin cargado" out of it. A
  // plugin that fails to load still logs an error line there, but then the
  // command fails anyway.
  core::Logger::SetLevel("error");
  auto plugins = core::LoadPlugins(config->plugin_dir, config->plugins_optional);
  if (!plugins.ok()) return Fail(plugins.status().message());
  std::vector<OpenApiFragment> fragments;
  for (const auto& plugin : plugins->loaded) {
    fragments.push_back(ModuleFragment(plugin));
  }
  std::vector<std::string> problems;
  const nlohmann::json document = BuildOpenApi(fragments, &problems);
  std::cout << document.dump(2) << "\n";
  for (const auto& failure : plugins->failed) {
    problems.push_back(failure.file + ": " + failure.error);
  }
  for (const auto& problem : problems) std::cerr << "cabildo: openapi: " << problem << "\n";
  return problems.empty() ? 0 : 1;
}

}  // namespace

int RunCli(int argc, char** argv) {
  if (!core::InitCrypto()) {
    std::cerr << "cabildo: libsodium no pudo iniciarse\n";
    return 1;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    PrintVariables();
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "serve") return Serve(rest);
  if (command == "migrate") return Migrate(rest);
  if (command == "openapi") return PrintOpenApi(rest);
  if (command == "tenants") {
    if (!rest.empty() && rest[0] == "apply") return TenantsApply({rest.begin() + 1, rest.end()});
    if (!rest.empty() && rest[0] == "export") return TenantsExport({rest.begin() + 1, rest.end()});
    if (!rest.empty() && rest[0] == "import") return TenantsImport({rest.begin() + 1, rest.end()});
    std::cerr << "Uso: cabildo tenants apply <archivo.json> | export <slug> | import\n";
    return WantsHelp(rest) ? 0 : 2;
  }
  if (command == "user") {
    if (!rest.empty() && rest[0] == "create") return UserCreate({rest.begin() + 1, rest.end()});
    std::cerr << "Uso: cabildo user create --email E --name N --password-stdin\n";
    return 2;
  }
  if (command == "data-key") return DataKeyCommand(rest);
  if (command == "audit") {
    if (!rest.empty() && rest[0] == "verify") return AuditVerify({rest.begin() + 1, rest.end()});
    std::cerr << "Uso: cabildo audit verify <tenant>\n";
    return 2;
  }
  std::cerr << "cabildo: comando desconocido '" << command << "'\n\n" << kUsage;
  return 2;
}

}  // namespace cabildo::api
