// The probe of issue 15 against every route of the OpenAPI document: each
// hostile body, anonymously and as an instance admin, must get a 4xx (a route
// whose operation declares no requestBody ignores bodies and may answer 2xx),
// never a 5xx or a connection closed without an answer, and /healthz must
// answer after each.
// The routes come from /v1/openapi.json of the running server, so a new route
// is swept without editing this file.
//
// The server is the real `cabildo serve` in a child process: when a body
// kills it, the sweep notes the route, starts a new one and goes on, so one
// run names every route that crashes. Run alone with `scripts/test -R HostileBodies`.
#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "cabildo/core/crypto.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/plugin_host.h"
#include "cabildo/core/tenants.h"

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
using testing::HttpRequest;
using testing::HttpResult;

constexpr const char* kPassword = "contraseña-segura-1";
// Has every module of tenants/durango.json that the build installs.
constexpr const char* kTenant = "municipio-durango";

struct HostileBody {
  std::string name;
  std::string body;
  std::string content_type = "application/json";
};

// The bodies of the probe. `numeric_fields` get 1e400.
std::vector<HostileBody> HostileBodies(const std::set<std::string>& numeric_fields) {
  std::string huge_numbers = "{";
  for (const auto& field : numeric_fields) {
    huge_numbers += (huge_numbers.size() > 1 ? ",\"" : "\"") + field + "\":1e400";
  }
  huge_numbers += "}";
  std::string roles = "{\"roles\":[";
  for (int i = 0; i < 20000; ++i) roles += i ? ",\"editor\"" : "\"editor\"";
  roles += "]}";
  std::string nested_objects;
  for (int i = 0; i < 150000; ++i) nested_objects += "{\"a\":";
  return {
      {"email + 150,000 [", "{\"email\":" + std::string(150000, '[')},
      {"100,000 nested arrays in a field",
       "{\"title\":\"x\",\"funding\":" + std::string(100000, '[') + std::string(100000, ']') + "}"},
      {"150,000 nested {\"a\":", nested_objects},
      {"a 200 KB string field",
       "{\"email\":\"" + std::string(200000, 'a') + "\",\"title\":\"" + std::string(200000, 'a') +
           "\",\"evidence_urls\":[\"https://x.mx/" + std::string(200000, 'a') + "\"]}"},
      {"NUL and control characters",
       "{\"email\":\"victim@x.mx\\u00001\",\"password\":\"x\\u0000z\",\"name\":\"a\\u0007\\u001b\","
       "\"title\":\"t\\u0000\",\"slug\":\"a\\u0000\",\"roles\":[\"editor\\u0000\"]}"},
      {"1e400 in numeric fields", huge_numbers},
      {"an array of 20,000 elements", roles},
      {"invalid UTF-8",
       "{\"email\":\"\xff\xfe\",\"name\":\"\xc0\xaf\",\"title\":\"\xed\xa0\x80\"}"},
      {"wrong content type", "email=a%40b.mx&password=x", "application/x-www-form-urlencoded"},
  };
}

// A well-formed UUID that names nothing.
std::string RandomUuid() {
  std::string hex = core::RandomHex(16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-4" + hex.substr(13, 3) + "-8" +
         hex.substr(17, 3) + "-" + hex.substr(20, 12);
}

// `cabildo serve` on its own port, its output in a file.
class ServerProcess {
 public:
  ServerProcess(const testing::TestDatabase& database, const std::string& log_path)
      : database_(database), log_path_(log_path) {}
  ~ServerProcess() { Stop(); }

  // Starts it and waits for /healthz; false when it never answers.
  bool Start() {
    port_ = testing::FreeLoopbackPort();
    pid_ = fork();
    if (pid_ == 0) {
      setenv("CABILDO_DATABASE_URL", database_.app_url().c_str(), 1);
      setenv("CABILDO_DATABASE_ADMIN_URL", database_.owner_url().c_str(), 1);
      setenv("CABILDO_REDIS_URL", testing::RequiredEnv("CABILDO_REDIS_URL").c_str(), 1);
      setenv("CABILDO_REDIS_PREFIX", ("cabildo-test:" + database_.name() + ":").c_str(), 1);
      setenv("CABILDO_LISTEN", ("127.0.0.1:" + std::to_string(port_)).c_str(), 1);
      int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(log, 1);
      dup2(log, 2);
      std::string binary = CABILDO_BINARY;
      std::string serve = "serve";
      char* argv[] = {binary.data(), serve.data(), nullptr};
      execv(binary.c_str(), argv);
      _exit(127);
    }
    for (int i = 0; i < 300; ++i) {
      if (Healthy()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  bool Healthy() const { return Alive() && HttpRequest(port_, "GET", "/healthz").status == 200; }

  bool Alive() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  uint16_t port() const { return port_; }

 private:
  const testing::TestDatabase& database_;
  std::string log_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// Property names of type number/integer in a request body schema (one level
// of $ref into components/schemas, and one level of nested objects/arrays).
void NumericFields(const json& document, const json& schema, std::set<std::string>& out,
                   int depth = 0) {
  if (depth > 3 || !schema.is_object()) return;
  if (auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
    const std::string prefix = "#/components/schemas/";
    const std::string target = ref->get<std::string>();
    if (target.rfind(prefix, 0) == 0) {
      const auto& schemas = document["components"]["schemas"];
      auto it = schemas.find(target.substr(prefix.size()));
      if (it != schemas.end()) NumericFields(document, *it, out, depth + 1);
    }
    return;
  }
  if (auto items = schema.find("items"); items != schema.end()) {
    NumericFields(document, *items, out, depth + 1);
  }
  auto properties = schema.find("properties");
  if (properties == schema.end() || !properties->is_object()) return;
  for (const auto& [name, property] : properties->items()) {
    // OpenAPI 3.1: "type" is a name or a list of names (["number", "null"]).
    const json type = property.is_object() ? property.value("type", json()) : json();
    for (const auto& one : type.is_array() ? type : json::array({type})) {
      if (one == "number" || one == "integer") out.insert(name);
    }
    NumericFields(document, property, out, depth + 1);
  }
}

class HostileBodiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core::InitCrypto();
    auto plugins = core::LoadPlugins(CABILDO_DEFAULT_PLUGIN_DIR, false);
    ASSERT_TRUE(plugins.ok()) << plugins.status().message();
    std::vector<std::string> modules;
    for (const auto& plugin : plugins->loaded) modules.push_back(plugin.name);
    pqxx::connection owner(database_.owner_url());
    ASSERT_TRUE(core::MigratePlugins(owner, plugins->loaded).ok());
    ASSERT_TRUE(core::ApplyTenantFile(owner, testing::DurangoTenantFile(), modules).ok());
    pqxx::work work(owner);
    auto admin = core::CreateUser(work, {"admin@durango.gob.mx", "Admin", kPassword, true});
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    admin_id_ = admin->id;
    work.commit();
  }

  std::string AdminToken() {
    auto login =
        HttpRequest(server_->port(), "POST", "/v1/auth/login",
                    json{{"email", "admin@durango.gob.mx"}, {"password", kPassword}}.dump(),
                    {{"Content-Type", "application/json"}});
    EXPECT_EQ(login.status, 200) << login.body;
    return json::parse(login.body, nullptr, false).value("access_token", "");
  }

  // A real project, so routes under {id} reach their body validation.
  std::string ExistingProject(const std::string& token) {
    json project = {
        {"title", "Obra del barrido"},
        {"description", "Proyecto de prueba."},
        {"status", "implementation"},
        {"type", "construction"},
        {"sector", "deportes"},
        {"budget_mxn", "1250000.00"},
        {"funding", {{{"origin", "federal"}, {"fund", "FAIS"}, {"amount_mxn", "1000000.00"}}}},
        {"location", {{"lat", 24.0277}, {"lon", -104.6532}, {"cvegeo", "10005"}}},
        {"procurement_method", "open"},
        {"start_date", "2025-01-15"},
        {"end_date", "2025-12-15"}};
    auto created = HttpRequest(
        server_->port(), "POST", std::string("/v1/tenants/") + kTenant + "/public-works/projects",
        project.dump(),
        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
    if (created.status != 201) return "";
    return json::parse(created.body, nullptr, false).value("id", "");
  }

  // The path with its parameters filled: real values, except that a DELETE
  // only ever names things that do not exist (the sweep must not wipe the
  // fixture it relies on).
  std::string FillPath(const std::string& templ, const std::string& method) const {
    const bool destructive = method == "DELETE";
    std::string path;
    size_t i = 0;
    while (i < templ.size()) {
      if (templ[i] != '{') {
        path.push_back(templ[i++]);
        continue;
      }
      const size_t end = templ.find('}', i);
      const std::string name = templ.substr(i + 1, end - i - 1);
      i = end + 1;
      if (name == "tenant") {
        // DELETE /v1/tenants/{tenant} would delete the fixture itself.
        path += destructive && i == templ.size() ? "tenant-inexistente" : kTenant;
      } else if (name == "module") {
        path += destructive ? "modulo-inexistente" : "public-works";
      } else if (name == "user_id") {
        path += destructive ? RandomUuid() : admin_id_;
      } else if (name == "id" && !destructive && !project_id_.empty()) {
        path += project_id_;
      } else {
        path += RandomUuid();
      }
    }
    return path;
  }

  testing::TestDatabase database_;
  std::unique_ptr<ServerProcess> server_;
  std::string admin_id_;
  std::string project_id_;
};

TEST_F(HostileBodiesTest, EveryRouteAnswers4xxAndTheServerStaysUp) {
  const std::string log_path = "/tmp/cabildo-hostile-" + core::RandomHex(6) + ".log";
  server_ = std::make_unique<ServerProcess>(database_, log_path);
  ASSERT_TRUE(server_->Start()) << "cabildo serve did not start; log: " << log_path;
  std::string token = AdminToken();
  ASSERT_FALSE(token.empty());
  project_id_ = ExistingProject(token);
  EXPECT_FALSE(project_id_.empty()) << "could not create the project the sweep uses";

  auto openapi = HttpRequest(server_->port(), "GET", "/v1/openapi.json");
  ASSERT_EQ(openapi.status, 200);
  const json document = json::parse(openapi.body);

  struct Operation {
    std::string method;
    std::string path;
    std::set<std::string> numeric_fields;
    bool takes_body = false;  // the document declares a requestBody
  };
  std::vector<Operation> operations;
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
      if (!std::set<std::string>{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}.count(upper)) {
        continue;
      }
      // Common numeric names, plus those the route's schema declares.
      std::set<std::string> numeric = {"limit", "amount", "amount_mxn", "budget_mxn",
                                       "lat",   "lon",    "progress",   "percent"};
      if (operation.contains("requestBody")) {
        const json content = operation["requestBody"].value("content", json::object());
        for (const auto& [type, media] : content.items()) {
          if (media.contains("schema")) NumericFields(document, media["schema"], numeric);
        }
      }
      operations.push_back({upper, path, numeric, operation.contains("requestBody")});
    }
  }
  ASSERT_GE(operations.size(), 20u) << "the document lists too few operations";
  // Logging out revokes the admin's token: swept last.
  std::stable_partition(operations.begin(), operations.end(), [](const Operation& operation) {
    return operation.path.find("/logout") == std::string::npos;
  });

  std::vector<std::string> failures;
  std::set<std::string> crashed_routes;
  int requests = 0;
  for (const auto& operation : operations) {
    // A route that declares no body (GET, DELETE, POST .../publish) ignores it
    // and may answer 2xx; one that reads a body must refuse these with a 4xx.
    const bool may_ignore_body = !operation.takes_body;
    for (const auto& hostile : HostileBodies(operation.numeric_fields)) {
      for (const bool as_admin : {false, true}) {
        const std::string what = operation.method + " " + operation.path + " (" + hostile.name +
                                 (as_admin ? ", admin" : ", anonymous") + ")";
        std::map<std::string, std::string> headers = {{"Content-Type", hostile.content_type}};
        if (as_admin) headers["Authorization"] = "Bearer " + token;
        HttpResult result =
            HttpRequest(server_->port(), operation.method,
                        FillPath(operation.path, operation.method), hostile.body, headers);
        ++requests;
        const bool acceptable = (result.status >= 400 && result.status < 500) ||
                                (may_ignore_body && result.status >= 200 && result.status < 300);
        if (!acceptable) {
          failures.push_back(what + ": status " + std::to_string(result.status) +
                             (result.status == 0 ? " (no answer)" : "") + " " +
                             result.body.substr(0, 200));
        }
        if (!server_->Healthy()) {
          failures.push_back(what + ": the server no longer answers /healthz");
          crashed_routes.insert(operation.method + " " + operation.path);
          // Start a new one so the sweep names every route that crashes.
          server_->Stop();
          ASSERT_TRUE(server_->Start()) << "cabildo serve did not restart; log: " << log_path;
          token = AdminToken();
        }
      }
    }
  }
  std::string crashed;
  for (const auto& route : crashed_routes) crashed += "\n  " + route;
  std::string report;
  for (const auto& failure : failures) report += "\n  " + failure;
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << requests
                                << " requests failed; routes that crashed the server:"
                                << (crashed.empty() ? " none" : crashed) << "\nfailures:" << report
                                << "\nserver log: " << log_path;
}

}  // namespace
}  // namespace cabildo
