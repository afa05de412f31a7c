// Tenant export and import (issue 23, point 4; api-core.md "Tenant lifecycle"):
// a municipality of the Durango demo data exported from instance A, imported
// into a new instance B (a second database on the same PostgreSQL, migrated,
// with only the state applied), its audit chain verifying there, and B's
// export equal to A's; every tenant table covered; hostile archives refused
// with a 4xx and nothing stored.
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <sodium.h>

#include "cabildo/core/crypto.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/plugin_host.h"
#include "cabildo/core/tenant_archive.h"
#include "cabildo/core/tenant_tables.h"
#include "cabildo/core/tenants.h"

#include "server_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

constexpr const char* kTenant = "municipio-durango";
constexpr const char* kNdjson = "application/x-ndjson";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

// A trailer that matches `lines` (header, users, rows): what a forger who
// knows the format would write, so the checks past the digest are reached.
std::string Reseal(std::vector<std::string> lines) {
  if (!lines.empty() && lines.back().rfind("{\"end\"", 0) == 0) lines.pop_back();
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, crypto_generichash_BYTES);
  json rows = json::object();
  int64_t users = 0;
  for (const auto& line : lines) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(line.data()),
                              line.size());
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>("\n"), 1);
    json parsed = json::parse(line);
    if (parsed.contains("t")) {
      const std::string table = parsed["t"];
      rows[table] = rows.value(table, 0) + 1;
    }
    if (parsed.contains("user")) ++users;
  }
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash_final(&state, digest, sizeof digest);
  char hex[2 * crypto_generichash_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  lines.push_back(json{{"end", {{"rows", rows}, {"users", users}, {"digest", hex}}}}.dump());
  return Joined(lines);
}

// A signed-in instance admin of the database behind `port`.
std::string InstanceAdmin(const std::string& owner_url, uint16_t port, const std::string& email) {
  {
    pqxx::connection owner(owner_url);
    pqxx::work work(owner);
    auto user = core::CreateUser(work, {email, "Administración", kTestPassword, true});
    EXPECT_TRUE(user.ok()) << user.status().message();
    work.commit();
  }
  auto login = HttpRequest(port, "POST", "/v1/auth/login",
                           json{{"email", email}, {"password", kTestPassword}}.dump());
  EXPECT_EQ(login.status, 200) << login.body;
  return json::parse(login.body, nullptr, false).value("access_token", "");
}

const std::vector<std::string> kModules = {"public-works", "procedure-registry", "scholarships",
                                           "open-government", "service-requests"};

class TenantArchiveTest : public ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override { return kModules; }

  // ServerTest::SetUp with the demo data loaded, sealed under a key this
  // test knows (the importing instance must hold the same one).
  void SetUp() override {
    data_key_hex_ = core::RandomHex(32);
    auto plugins = core::LoadPlugins(PluginDir(), false);
    ASSERT_TRUE(plugins.ok()) << plugins.status().message();
    {
      pqxx::connection owner(database_.owner_url());
      ASSERT_TRUE(core::MigratePlugins(owner, plugins->loaded).ok());
      ASSERT_TRUE(core::ApplyTenantFile(owner, DurangoTenantFile(), kModules).ok());
    }
    const std::string command = "CABILDO_DATABASE_ADMIN_URL='" + database_.owner_url() +
                                "' CABILDO_DATA_KEY=" + data_key_hex_ + " CABILDO_BIN='" +
                                CABILDO_BINARY + "' bash '" + CABILDO_SOURCE_DIR +
                                "/scripts/demo-data.sh' > '" + CABILDO_BINARY_DIR +
                                "/tenant_archive_demo.log' 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << "demo data: see tenant_archive_demo.log";
    app_ = std::make_unique<api::App>(Config(database_));
    ASSERT_TRUE(app_->Start().ok());
    admin_ = InstanceAdmin(database_.owner_url(), app_->Port(), "admin@instancia-a.mx");
    // Some history through the API as well: a member and a tenant update.
    auto editor = MakeUser("editora@durango.gob.mx", "editor", kTenant);
    ASSERT_FALSE(editor.empty());
    auto patched = Call("PATCH", "/v1/tenants/" + std::string(kTenant),
                        json{{"name", "Municipio de Durango, Dgo."}}.dump(), admin_);
    ASSERT_EQ(patched.status, 200) << patched.body;
  }

  core::Config Config(const TestDatabase& database) const {
    core::Config config = database.MakeConfig();
    config.plugin_dir = PluginDir();
    config.data_key = *core::DataKey::FromHex(data_key_hex_);
    config.max_body_bytes = 16u << 20;  // the whole archive in one request
    return config;
  }

  // Instance B: a new database with every module and only the state.
  void StartInstanceB() {
    auto plugins = core::LoadPlugins(PluginDir(), false);
    ASSERT_TRUE(plugins.ok());
    pqxx::connection owner(b_database_.owner_url());
    ASSERT_TRUE(core::MigratePlugins(owner, plugins->loaded).ok());
    json file = json::parse(DurangoTenantFile());
    file["tenants"] = json::array({file["tenants"][0]});
    ASSERT_TRUE(core::ApplyTenantFile(owner, file.dump(), kModules).ok());
    b_app_ = std::make_unique<api::App>(Config(b_database_));
    ASSERT_TRUE(b_app_->Start().ok());
    b_admin_ = InstanceAdmin(b_database_.owner_url(), b_app_->Port(), "admin@instancia-b.mx");
  }

  HttpResult CallB(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& token, std::map<std::string, std::string> headers = {}) {
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return HttpRequest(b_app_->Port(), method, path, body, headers);
  }

  HttpResult Export(const std::string& token, const std::string& slug = kTenant) {
    return Call("GET", "/v1/tenants/" + slug + "/export", "", token);
  }

  HttpResult ImportIntoB(const std::string& archive, const std::string& token = "") {
    return CallB("POST", "/v1/tenants/import", archive, token.empty() ? b_admin_ : token,
                 {{"Content-Type", kNdjson}});
  }

  // What B holds of the tenant after a refused import: nothing.
  void ExpectNothingStoredInB(int64_t users_before) {
    EXPECT_EQ(CallB("GET", "/v1/tenants/" + std::string(kTenant), "", "").status, 404);
    pqxx::connection owner(b_database_.owner_url());
    pqxx::work work(owner);
    EXPECT_EQ(work.exec("SELECT count(*) FROM core.users")[0][0].as<int64_t>(), users_before);
    EXPECT_EQ(work.exec("SELECT count(*) FROM core.tenants")[0][0].as<int64_t>(), 1);
    EXPECT_EQ(work.exec("SELECT count(*) FROM core.instance_audit_log WHERE action = "
                        "'tenant.import'")[0][0]
                  .as<int64_t>(),
              0);
  }

  int64_t UsersInB() {
    pqxx::connection owner(b_database_.owner_url());
    pqxx::work work(owner);
    return work.exec("SELECT count(*) FROM core.users")[0][0].as<int64_t>();
  }

  std::string data_key_hex_;
  std::string admin_;
  TestDatabase b_database_;
  std::unique_ptr<api::App> b_app_;
  std::string b_admin_;
};

// Every line but the header and trailer, without what B adds by importing:
// its chain head and the entries after A's last one.
std::vector<std::string> Comparable(const std::string& archive, int64_t last_seq) {
  std::vector<std::string> kept;
  for (const auto& line : Lines(archive)) {
    json parsed = json::parse(line);
    if (parsed.contains("format") || parsed.contains("end")) continue;
    if (parsed.value("t", "") == "core.audit_heads") continue;
    if (parsed.value("t", "") == "core.audit_log" && parsed["r"]["seq"].get<int64_t>() > last_seq) {
      continue;
    }
    kept.push_back(line);
  }
  return kept;
}

TEST_F(TenantArchiveTest, RoundTripIntoANewInstanceKeepsEveryRowAndTheChainVerifies) {
  auto exported = Export(admin_);
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_EQ(exported.Header("content-type"), kNdjson);
  EXPECT_TRUE(exported.chunked && exported.complete) << "streamed, and complete";
  const std::vector<std::string> lines = Lines(exported.body);
  ASSERT_GE(lines.size(), 3u);
  const json header = json::parse(lines.front());
  EXPECT_EQ(header["format"], "cabildo-tenant-archive");
  EXPECT_EQ(header["tenant"]["slug"], kTenant);
  const json trailer = json::parse(lines.back())["end"];

  // Every tenant table of the catalog is in the archive with all its rows:
  // a table with rows in A and none in the archive fails here.
  std::map<std::string, int64_t> archived;
  for (const auto& line : lines) {
    json parsed = json::parse(line);
    if (parsed.contains("t")) ++archived[parsed["t"].get<std::string>()];
  }
  int64_t last_seq = 0;
  int tables_with_rows = 0;
  {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    const std::string id = header["tenant"]["id"];
    core::ApplyScope(work, core::Scope{{id}, ""});
    auto tables = core::LoadTenantTables(work);
    ASSERT_TRUE(tables.ok());
    for (const auto& table : *tables) {
      const std::string name = table.schema + "." + table.name;
      const auto rows =
          work.exec_params("SELECT count(*) FROM " + table.qualified + " WHERE tenant_id = $1",
                           id)[0][0]
              .as<int64_t>();
      EXPECT_EQ(archived[name], rows) << name;
      EXPECT_TRUE(trailer["rows"].contains(name)) << name << " missing from the trailer";
      if (rows > 0) ++tables_with_rows;
    }
    last_seq =
        work.exec_params("SELECT max(seq) FROM core.audit_log WHERE tenant_id = $1", id)[0][0]
            .as<int64_t>();
  }
  std::printf("archive: %zu bytes, %zu lines, %d tables with rows, %lld audit entries\n",
              exported.body.size(), lines.size(), tables_with_rows,
              static_cast<long long>(last_seq));
  EXPECT_GE(tables_with_rows, 15) << "the demo data fills most module tables";

  ASSERT_NO_FATAL_FAILURE(StartInstanceB());
  auto imported = ImportIntoB(exported.body);
  ASSERT_EQ(imported.status, 201) << imported.body;
  EXPECT_EQ(imported.Header("location"), "/v1/tenants/" + std::string(kTenant));
  EXPECT_EQ(json::parse(imported.body)["audit_entries"], last_seq);

  // The chain verifies in B, with the import appended.
  auto verify = CallB("GET", "/v1/tenants/" + std::string(kTenant) + "/audit/verify", "", b_admin_);
  ASSERT_EQ(verify.status, 200) << verify.body;
  EXPECT_EQ(json::parse(verify.body), json({{"ok", true}, {"entries", last_seq + 1}}));
  // Public reads see it at once (the core's cache generation moved).
  auto tenant = CallB("GET", "/v1/tenants/" + std::string(kTenant), "", "");
  ASSERT_EQ(tenant.status, 200) << tenant.body;
  EXPECT_EQ(json::parse(tenant.body)["parent"], "durango");

  // B's export equals A's but for the header, the trailer and the import's entry.
  auto again = CallB("GET", "/v1/tenants/" + std::string(kTenant) + "/export", "", b_admin_);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Comparable(again.body, last_seq), Comparable(exported.body, last_seq));
  std::vector<std::string> added;
  for (const auto& line : Lines(again.body)) {
    json parsed = json::parse(line);
    if (parsed.value("t", "") == "core.audit_log" && parsed["r"]["seq"].get<int64_t>() > last_seq) {
      added.push_back(parsed["r"]["action"]);
    }
  }
  EXPECT_EQ(added, (std::vector<std::string>{"tenant.import", "tenant.export"}));

  // An imported account exists without a usable password.
  auto login =
      CallB("POST", "/v1/auth/login",
            json{{"email", "editora@durango.gob.mx"}, {"password", kTestPassword}}.dump(), "");
  EXPECT_EQ(login.status, 401) << login.body;

  // The same archive again: the tenant is there now.
  EXPECT_EQ(ImportIntoB(exported.body).status, 409);
}

TEST_F(TenantArchiveTest, ExportIsForTheInstanceAdminOrAnAncestorsAdminAndIsAudited) {
  EXPECT_EQ(Export("").status, 401);
  const std::string own_admin = MakeUser("admin@municipio.mx", "admin", kTenant);
  EXPECT_EQ(Export(own_admin).status, 403);
  const std::string stranger = MakeUser("admin@tepehuanes.mx", "admin", "tepehuanes");
  EXPECT_EQ(Export(stranger).status, 404);
  EXPECT_EQ(Export(admin_, "no-existe").status, 404);
  const std::string state_admin = MakeUser("admin@estado.mx", "admin", "durango");
  auto exported = Export(state_admin);
  ASSERT_EQ(exported.status, 200) << exported.body;

  // Recorded in the tenant's chain (inside the archive itself) and the instance's.
  bool in_archive = false;
  for (const auto& line : Lines(exported.body)) {
    json parsed = json::parse(line);
    if (parsed.value("t", "") == "core.audit_log" && parsed["r"]["action"] == "tenant.export" &&
        parsed["r"]["actor"] == "admin@estado.mx") {
      in_archive = true;
    }
  }
  EXPECT_TRUE(in_archive);
  pqxx::connection owner(database_.owner_url());
  pqxx::work work(owner);
  EXPECT_EQ(work.exec("SELECT count(*) FROM core.instance_audit_log WHERE action = "
                      "'tenant.export' AND actor = 'admin@estado.mx'")[0][0]
                .as<int>(),
            1);
}

TEST_F(TenantArchiveTest, HostileArchivesAreRefusedAndNothingIsStored) {
  auto exported = Export(admin_);
  ASSERT_EQ(exported.status, 200);
  const std::vector<std::string> lines = Lines(exported.body);
  ASSERT_NO_FATAL_FAILURE(StartInstanceB());
  const int64_t users = UsersInB();

  // Who may import, and in what media type.
  EXPECT_EQ(
      CallB("POST", "/v1/tenants/import", exported.body, "", {{"Content-Type", kNdjson}}).status,
      401);
  const std::string citizen = [&] {
    pqxx::connection owner(b_database_.owner_url());
    pqxx::work work(owner);
    EXPECT_TRUE(core::CreateUser(work, {"ana@correo.mx", "Ana", kTestPassword, false}).ok());
    work.commit();
    auto login = CallB("POST", "/v1/auth/login",
                       json{{"email", "ana@correo.mx"}, {"password", kTestPassword}}.dump(), "");
    return json::parse(login.body).value("access_token", "");
  }();
  EXPECT_EQ(ImportIntoB(exported.body, citizen).status, 403);
  EXPECT_EQ(
      CallB("POST", "/v1/tenants/import", exported.body, b_admin_, {{"Content-Type", "text/plain"}})
          .status,
      415);
  const int64_t users_now = UsersInB();

  struct Case {
    std::string name;
    std::string archive;
    int status;
  };
  std::vector<Case> cases;
  cases.push_back({"empty", "", 400});
  cases.push_back({"truncated mid-file", exported.body.substr(0, exported.body.size() / 2), 400});
  {
    std::vector<std::string> cut(lines.begin(), lines.end() - 1);
    cases.push_back({"without its trailer", Joined(cut), 400});
  }
  {
    std::string tampered = exported.body;
    const auto at = tampered.find("Municipio de Durango, Dgo.");
    ASSERT_NE(at, std::string::npos);
    tampered.replace(at, 9, "Municipia");
    cases.push_back({"one byte changed (digest)", tampered, 400});
  }
  {
    std::vector<std::string> bad = lines;
    bad[2] = "{\"t\":\"public_works.projects\",\"r\":{\"tenant_id\":";
    cases.push_back({"bad JSON", Joined(bad), 400});
  }
  {
    std::vector<std::string> deep = lines;
    deep[2] = "{\"t\":\"public_works.projects\",\"r\":" + std::string(100000, '[') + "}";
    cases.push_back({"nesting beyond the bound", Joined(deep), 400});
  }
  // Resealed forgeries: well-formed, the digest matches; later checks refuse them.
  auto forged = [&](const std::function<void(std::vector<std::string>&)>& edit) {
    std::vector<std::string> copy = lines;
    edit(copy);
    return Reseal(copy);
  };
  // A row line as the exporter writes it: "t" before "r" (json::dump sorts
  // keys, and the reader takes a row only in that shape).
  auto row_line = [](const json& row) {
    return "{\"t\":" + row["t"].dump() + ",\"r\":" + row["r"].dump() + "}";
  };
  auto row_index = [&](const std::string& table) -> std::size_t {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].rfind("{\"t\":\"" + table + "\"", 0) == 0) return i;
    }
    ADD_FAILURE() << "no row of " << table;
    return 1;
  };
  cases.push_back({"unknown table", forged([&](auto& l) {
                     json row = json::parse(l[row_index("public_works.projects")]);
                     row["t"] = "public_works.secret_projects";
                     l[row_index("public_works.projects")] = row_line(row);
                   }),
                   422});
  cases.push_back({"unknown column", forged([&](auto& l) {
                     json row = json::parse(l[row_index("public_works.projects")]);
                     row["r"]["owner_note"] = "x";
                     l[row_index("public_works.projects")] = row_line(row);
                   }),
                   422});
  cases.push_back({"a row of another tenant", forged([&](auto& l) {
                     json row = json::parse(l[row_index("public_works.projects")]);
                     row["r"]["tenant_id"] = "00000000-0000-4000-8000-000000000001";
                     l[row_index("public_works.projects")] = row_line(row);
                   }),
                   422});
  cases.push_back({"an edited audit entry", forged([&](auto& l) {
                     json row = json::parse(l[row_index("core.audit_log")]);
                     row["r"]["actor"] = "alguien@otro.mx";
                     l[row_index("core.audit_log")] = row_line(row);
                   }),
                   422});
  cases.push_back({"a deleted audit entry", forged([&](auto& l) {
                     l.erase(l.begin() + static_cast<long>(row_index("core.audit_log")));
                   }),
                   422});
  cases.push_back({"a repeated row", forged([&](auto& l) {
                     const std::size_t i = row_index("public_works.projects");
                     l.insert(l.begin() + static_cast<long>(i), l[i]);
                   }),
                   422});
  cases.push_back({"newer core schema", forged([&](auto& l) {
                     json head = json::parse(l[0]);
                     head["schema"]["core"] = 9999;
                     l[0] = head.dump();
                   }),
                   422});
  cases.push_back({"another data key", forged([&](auto& l) {
                     json head = json::parse(l[0]);
                     head["data_key"] = std::string(64, 'a');
                     l[0] = head.dump();
                   }),
                   422});
  cases.push_back({"unknown version", forged([&](auto& l) {
                     json head = json::parse(l[0]);
                     head["version"] = 2;
                     l[0] = head.dump();
                   }),
                   422});
  cases.push_back({"parent missing", forged([&](auto& l) {
                     json head = json::parse(l[0]);
                     head["tenant"]["parent"] = "chihuahua";
                     l[0] = head.dump();
                   }),
                   422});
  cases.push_back({"slug taken", forged([&](auto& l) {
                     json head = json::parse(l[0]);
                     head["tenant"]["slug"] = "durango";
                     l[0] = head.dump();
                   }),
                   409});
  cases.push_back({"data after the trailer", exported.body + lines[1] + "\n", 400});

  for (const auto& c : cases) {
    auto answer = ImportIntoB(c.archive);
    EXPECT_EQ(answer.status, c.status) << c.name << ": " << answer.body;
    EXPECT_EQ(answer.Header("content-type"), "application/problem+json") << c.name;
    ExpectNothingStoredInB(users_now);
  }
  EXPECT_EQ(UsersInB(), users + 1);  // the citizen above, nothing else

  // And the untouched archive still goes in.
  EXPECT_EQ(ImportIntoB(exported.body).status, 201);
}

TEST_F(TenantArchiveTest, CommandLineExportAndImport) {
  ASSERT_NO_FATAL_FAILURE(StartInstanceB());
  const std::string file = std::string(CABILDO_BINARY_DIR) + "/tenant_archive_cli.ndjson";
  const std::string env_a = "CABILDO_DATABASE_URL='" + database_.app_url() +
                            "' CABILDO_DATABASE_ADMIN_URL='" + database_.owner_url() +
                            "' CABILDO_PLUGIN_DIR='" + PluginDir() +
                            "' CABILDO_DATA_KEY=" + data_key_hex_ + " ";
  const std::string env_b = "CABILDO_DATABASE_URL='" + b_database_.app_url() +
                            "' CABILDO_DATABASE_ADMIN_URL='" + b_database_.owner_url() +
                            "' CABILDO_PLUGIN_DIR='" + PluginDir() +
                            "' CABILDO_DATA_KEY=" + data_key_hex_ + " ";
  ASSERT_EQ(std::system(
                (env_a + "'" + CABILDO_BINARY + "' tenants export " + kTenant + " > '" + file + "'")
                    .c_str()),
            0);
  ASSERT_EQ(
      std::system((env_b + "'" + CABILDO_BINARY + "' tenants import < '" + file + "'").c_str()), 0);
  EXPECT_EQ(
      std::system(
          (env_b + "'" + CABILDO_BINARY + "' audit verify " + kTenant + " >/dev/null").c_str()),
      0);
  // Another key: refused, with the reason, and nothing stored.
  const std::string other_key = core::RandomHex(32);
  EXPECT_NE(
      std::system(("CABILDO_DATABASE_URL='" + b_database_.app_url() +
                   "' CABILDO_DATABASE_ADMIN_URL='" + b_database_.owner_url() +
                   "' CABILDO_PLUGIN_DIR='" + PluginDir() + "' CABILDO_DATA_KEY=" + other_key +
                   " '" + CABILDO_BINARY + "' tenants import < '" + file + "' 2>/dev/null")
                      .c_str()),
      0);
  std::remove(file.c_str());
}

}  // namespace
}  // namespace cabildo::testing
