// The `cabildo` binary as operators use it: subcommands, configuration errors,
// logs and SIGTERM.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "cabildo/core/crypto.h"
#include "cabildo/core/db_pool.h"
#include "cabildo/core/identity.h"

#include "test_support.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cabildo {
namespace {

using nlohmann::json;

struct Process {
  pid_t pid = -1;
  std::string out_path;
  std::string err_path;
  std::string Out() const { return Slurp(out_path); }
  std::string Err() const { return Slurp(err_path); }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  int Wait() const {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

// Starts the real binary with `env` added to (or replacing in) the environment.
Process Start(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
              const std::string& stdin_text = "") {
  core::InitCrypto();
  Process process;
  const std::string base = "/tmp/cabildo-cli-" + core::RandomHex(6);
  process.out_path = base + ".out";
  process.err_path = base + ".err";
  std::string in_path = base + ".in";
  std::ofstream(in_path) << stdin_text;
  process.pid = fork();
  if (process.pid == 0) {
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(process.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(process.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv;
    std::string binary = CABILDO_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& arg : copy) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return process;
}

int RunCabildo(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               std::string* out = nullptr, std::string* err = nullptr) {
  Process process = Start(args, env);
  int code = process.Wait();
  if (out) *out = process.Out();
  if (err) *err = process.Err();
  return code;
}

std::map<std::string, std::string> EnvFor(const testing::TestDatabase& database) {
  return {{"CABILDO_DATABASE_URL", database.app_url()},
          {"CABILDO_DATABASE_ADMIN_URL", database.owner_url()},
          {"CABILDO_REDIS_URL", testing::RequiredEnv("CABILDO_REDIS_URL")}};
}

TEST(CliTest, HelpOnEveryCommand) {
  std::string out;
  EXPECT_EQ(RunCabildo({"--help"}, {}, &out), 0);
  EXPECT_NE(out.find("cabildo serve"), std::string::npos);
  EXPECT_NE(out.find("CABILDO_DATABASE_URL"), std::string::npos);
  EXPECT_NE(out.find("CABILDO_MAX_BODY_BYTES = 1048576"), std::string::npos);
  EXPECT_NE(out.find("CABILDO_TRUSTED_PROXIES"), std::string::npos);
  for (auto args : std::vector<std::vector<std::string>>{
           {"serve", "--help"}, {"migrate", "--help"}, {"tenants", "apply", "--help"}}) {
    EXPECT_EQ(RunCabildo(args, {}, &out), 0) << args[0];
    EXPECT_NE(out.find("Uso: cabildo " + args[0]), std::string::npos) << out;
  }
  EXPECT_EQ(RunCabildo({"frobnicate"}, {}), 2);
  EXPECT_EQ(RunCabildo({"tenants", "apply"}, {}), 2);
}

TEST(CliTest, ABadValueStopsStartUpWithOneLineNamingTheVariable) {
  std::string err;
  EXPECT_EQ(RunCabildo({"serve"}, {{"CABILDO_THREADS", "muchos"}}, nullptr, &err), 2);
  EXPECT_NE(err.find("CABILDO_THREADS"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(
      RunCabildo({"serve"}, {{"CABILDO_TRUSTED_PROXIES", "10.0.0.0/8, proxy"}}, nullptr, &err), 2);
  EXPECT_NE(err.find("CABILDO_TRUSTED_PROXIES"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(RunCabildo({"migrate"}, {{"CABILDO_LISTEN", "sin-puerto"}}, nullptr, &err), 2);
  EXPECT_NE(err.find("CABILDO_LISTEN"), std::string::npos) << err;
}

// The data key's tooling: a new key, and sealing exactly as a module's
// SealPersonalData would, so a data load can insert sealed rows.
TEST(CliTest, DataKeyNewSealAndDigest) {
  std::string key;
  ASSERT_EQ(RunCabildo({"data-key", "new"}, {}, &key), 0);
  ASSERT_EQ(key.size(), 65u) << key;  // 64 hex + newline
  key.pop_back();
  auto parsed = core::DataKey::FromHex(key);
  ASSERT_TRUE(parsed.ok());
  std::string other;
  ASSERT_EQ(RunCabildo({"data-key", "new"}, {}, &other), 0);
  EXPECT_NE(other, key + "\n");

  const std::string curp = "BOXW310820HNERXN09";
  Process seal = Start({"data-key", "seal", "--module", "scholarships", "--context", "app:1"},
                       {{"CABILDO_DATA_KEY", key}}, curp);
  ASSERT_EQ(seal.Wait(), 0) << seal.Err();
  std::string sealed = seal.Out();
  ASSERT_FALSE(sealed.empty());
  sealed.pop_back();
  EXPECT_EQ(sealed.find(curp), std::string::npos);
  auto opened = parsed->Open(sealed, core::PersonalDataBinding("scholarships", "app:1"));
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(*opened, curp);
  // Bound to the module: another module's context does not open it.
  EXPECT_FALSE(parsed->Open(sealed, core::PersonalDataBinding("otro", "app:1")).ok());

  Process digest = Start({"data-key", "digest", "--module", "scholarships", "--domain", "curp"},
                         {{"CABILDO_DATA_KEY", key}}, curp);
  ASSERT_EQ(digest.Wait(), 0) << digest.Err();
  EXPECT_EQ(digest.Out(),
            parsed->Digest(core::PersonalDataBinding("scholarships", "curp"), curp) + "\n");

  std::string err;
  EXPECT_EQ(RunCabildo({"data-key", "seal", "--module", "m", "--context", "c"},
                       {{"CABILDO_DATA_KEY", ""}}, nullptr, &err),
            1);
  EXPECT_NE(err.find("CABILDO_DATA_KEY"), std::string::npos) << err;
  EXPECT_EQ(RunCabildo({"data-key", "seal", "--module", "m", "--context", "c"},
                       {{"CABILDO_DATA_KEY", "corta"}}, nullptr, &err),
            2);
  EXPECT_EQ(err.find("corta"), std::string::npos) << err;
  EXPECT_EQ(RunCabildo({"data-key", "open"}, {}), 2);
}

TEST(CliTest, MigrateAndTenantsApplyAreIdempotent) {
  testing::TestDatabase database;  // already migrated once
  std::string out;
  ASSERT_EQ(RunCabildo({"migrate"}, EnvFor(database), &out), 0) << out;
  EXPECT_NE(out.find("core: 0 aplicadas"), std::string::npos) << out;
  const std::string file = std::string(CABILDO_SOURCE_DIR) + "/tenants/durango.json";
  ASSERT_EQ(RunCabildo({"tenants", "apply", file}, EnvFor(database), &out), 0);
  EXPECT_NE(out.find("creados: durango, municipio-durango, gomez-palacio, tepehuanes"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("módulos habilitados: durango/public-works"), std::string::npos) << out;
  // Every module durango.json names is installed: no warning.
  EXPECT_EQ(out.find("aviso:"), std::string::npos) << out;
  ASSERT_EQ(RunCabildo({"tenants", "apply", file}, EnvFor(database), &out), 0);
  EXPECT_NE(out.find("creados: -"), std::string::npos) << out;
  EXPECT_NE(out.find("sin cambios: durango, municipio-durango, gomez-palacio, tepehuanes"),
            std::string::npos);
  // A module this instance does not have is a warning, not a failure.
  const std::string other = "/tmp/cabildo-tenants-" + core::RandomHex(4) + ".json";
  std::ofstream(other) << R"({"tenants":[{"slug":"durango","name":"Gobierno del Estado de Durango",
    "kind":"state","inegi_code":"10","modules":["public-works","alumbrado-publico"]}]})";
  ASSERT_EQ(RunCabildo({"tenants", "apply", other}, EnvFor(database), &out), 0) << out;
  std::remove(other.c_str());
  EXPECT_NE(out.find("aviso: el módulo 'alumbrado-publico' de 'durango' no está instalado"),
            std::string::npos)
      << out;
}

TEST(CliTest, AnInvalidTenantFileIsRefusedNamingTheEntry) {
  testing::TestDatabase database;
  const std::string path = "/tmp/cabildo-bad-tenants-" + core::RandomHex(4) + ".json";
  std::ofstream(path) << R"({"tenants":[{"slug":"durango","name":"E","kind":"state"},
    {"slug":"Mal Slug","name":"M","kind":"municipality","parent":"durango"}]})";
  std::string err;
  EXPECT_EQ(RunCabildo({"tenants", "apply", path}, EnvFor(database), nullptr, &err), 1);
  EXPECT_NE(err.find("tenants[1] (Mal Slug): slug no válido"), std::string::npos) << err;
  EXPECT_NE(err.find("no se escribió nada"), std::string::npos) << err;
  EXPECT_EQ(RunCabildo({"tenants", "apply", "/nonexistent.json"}, EnvFor(database), nullptr, &err),
            1);
}

TEST(CliTest, UserCreateReadsThePasswordFromStdinAndAuditVerifyChecksTheChain) {
  testing::TestDatabase database;
  auto env = EnvFor(database);
  Process create = Start({"user", "create", "--email", "Admin@Durango.gob.mx", "--name", "Admin",
                          "--password-stdin", "--instance-admin", "--if-no-instance-admin"},
                         env, "una-clave-muy-larga\n");
  ASSERT_EQ(create.Wait(), 0) << create.Err();
  EXPECT_NE(create.Out().find("admin@durango.gob.mx"), std::string::npos);
  EXPECT_EQ(create.Out().find("una-clave-muy-larga"), std::string::npos);
  // Bootstrap hook semantics: a second run creates nobody.
  Process again = Start({"user", "create", "--email", "otra@durango.gob.mx", "--name", "Otra",
                         "--password-stdin", "--instance-admin", "--if-no-instance-admin"},
                        env, "una-clave-muy-larga\n");
  EXPECT_EQ(again.Wait(), 0);
  EXPECT_NE(again.Out().find("no se creó otra"), std::string::npos) << again.Out();
  Process weak =
      Start({"user", "create", "--email", "c@durango.gob.mx", "--name", "C", "--password-stdin"},
            env, "corta\n");
  EXPECT_EQ(weak.Wait(), 1);
  // From a file, as a Kubernetes Secret is mounted (the image has no shell to pipe it).
  const std::string secret = ::testing::TempDir() + "/cabildo-password";
  std::ofstream(secret) << "otra-clave-muy-larga\n";
  std::string created;
  EXPECT_EQ(RunCabildo({"user", "create", "--email", "d@durango.gob.mx", "--name", "D",
                        "--password-file", secret},
                       env, &created),
            0);
  EXPECT_EQ(created.find("otra-clave-muy-larga"), std::string::npos);
  auto login = [&](const std::string& email, const std::string& password) {
    pqxx::connection owner(database.owner_url());
    pqxx::work w(owner);
    auto hash = w.exec_params("SELECT password_hash FROM core.users WHERE email = $1", email);
    return !hash.empty() && core::VerifyPassword(hash[0][0].as<std::string>(), password);
  };
  EXPECT_TRUE(login("d@durango.gob.mx", "otra-clave-muy-larga"));
  // Both sources, or a file that cannot be read: refused, nobody created.
  EXPECT_EQ(RunCabildo({"user", "create", "--email", "e@durango.gob.mx", "--name", "E",
                        "--password-stdin", "--password-file", secret},
                       env),
            2);
  EXPECT_EQ(RunCabildo({"user", "create", "--email", "e@durango.gob.mx", "--name", "E",
                        "--password-file", "/nonexistent/password"},
                       env),
            1);

  const std::string file = std::string(CABILDO_SOURCE_DIR) + "/tenants/durango.json";
  ASSERT_EQ(RunCabildo({"tenants", "apply", file}, env), 0);
  std::string out;
  EXPECT_EQ(RunCabildo({"audit", "verify", "durango"}, env, &out), 0);
  // The tenant, then one entry per installed module durango.json enables there
  // (public-works, scholarships, open-government, procedure-registry,
  // service-requests).
  EXPECT_NE(out.find("ok (6 entradas)"), std::string::npos) << out;
  {
    pqxx::connection owner(database.owner_url());
    pqxx::work w(owner);
    auto id =
        w.exec("SELECT id::text FROM core.tenants WHERE slug = 'durango'")[0][0].as<std::string>();
    core::ApplyScope(w, core::Scope{{id}, ""});
    w.exec_params("UPDATE core.audit_log SET changes = '{}' WHERE tenant_id = $1 AND seq = 1", id);
    w.commit();
  }
  EXPECT_EQ(RunCabildo({"audit", "verify", "durango"}, env, &out), 1);
  EXPECT_NE(out.find("primer seq con problema = 1"), std::string::npos) << out;
  EXPECT_EQ(RunCabildo({"audit", "verify", "atlantida"}, env), 1);
}

TEST(CliTest, ServeLogsJsonLinesAndStopsCleanlyOnSigterm) {
  testing::TestDatabase database;
  auto env = EnvFor(database);
  const uint16_t port = testing::FreeLoopbackPort();
  env["CABILDO_LISTEN"] = "127.0.0.1:" + std::to_string(port);
  env["CABILDO_SHUTDOWN_DRAIN_MS"] = "200";
  Process server = Start({"serve"}, env);
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status =
        testing::HttpRequest(port, "GET", "/healthz", "", {{"X-Request-Id", "cli-test-1"}}).status;
  }
  ASSERT_EQ(status, 200) << server.Err();
  kill(server.pid, SIGTERM);
  EXPECT_EQ(server.Wait(), 0) << server.Err();

  bool found_access_line = false;
  std::istringstream lines(server.Out());
  for (std::string line; std::getline(lines, line);) {
    auto entry = json::parse(line, nullptr, false);
    ASSERT_FALSE(entry.is_discarded()) << "not JSON: " << line;
    EXPECT_TRUE(entry.contains("time") && entry.contains("level") && entry.contains("msg"));
    if (entry["msg"] == "request" && entry["request_id"] == "cli-test-1") {
      found_access_line = true;
      EXPECT_EQ(entry["status"], 200);
      EXPECT_EQ(entry["method"], "GET");
      EXPECT_EQ(entry["path"], "/healthz");
      EXPECT_TRUE(entry.contains("duration_ms"));
    }
  }
  EXPECT_TRUE(found_access_line) << server.Out();
  // Connection strings never reach the log.
  EXPECT_EQ(server.Out().find(database.app_url()), std::string::npos);
}

}  // namespace
}  // namespace cabildo
