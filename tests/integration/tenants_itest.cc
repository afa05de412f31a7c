// `tenants apply` and the tenant directory endpoints, on a real database.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/api/app.h"
#include "cabildo/core/tenants.h"

#include "test_support.h"

namespace cabildo {
namespace {

using nlohmann::json;

std::string Snapshot(pqxx::connection& connection) {
  pqxx::work read(connection);
  std::string out;
  for (const auto& row : read.exec("SELECT id, slug, name, kind, parent_id, inegi_code, "
                                   "created_at, updated_at FROM core.tenants ORDER BY slug")) {
    for (const auto& field : row) out += (field.is_null() ? "∅" : field.c_str()) + std::string("|");
    out += "\n";
  }
  return out;
}

TEST(TenantsApplyTest, ApplyingTwiceYieldsTheSameRows) {
  testing::TestDatabase database;
  pqxx::connection owner(database.owner_url());
  auto first = core::ApplyTenantFile(owner, testing::DurangoTenantFile(), {});
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->created.size(), 4u);
  const std::string before = Snapshot(owner);
  auto second = core::ApplyTenantFile(owner, testing::DurangoTenantFile(), {});
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->created.empty());
  EXPECT_TRUE(second->updated.empty());
  EXPECT_EQ(second->unchanged.size(), 4u);
  EXPECT_EQ(Snapshot(owner), before);
}

TEST(TenantsApplyTest, ModulesNotInstalledAreNamedAsWarnings) {
  testing::TestDatabase database;
  pqxx::connection owner(database.owner_url());
  auto report = core::ApplyTenantFile(owner, testing::DurangoTenantFile(), {"public-works"});
  ASSERT_TRUE(report.ok());
  bool warned_scholarships = false;
  for (const auto& warning : report->warnings) {
    EXPECT_EQ(warning.find("'public-works'"), std::string::npos) << warning;
    if (warning.find("'scholarships' de 'durango'") != std::string::npos)
      warned_scholarships = true;
  }
  EXPECT_TRUE(warned_scholarships);
}

TEST(TenantsApplyTest, AnInvalidFileWritesNothing) {
  testing::TestDatabase database;
  pqxx::connection owner(database.owner_url());
  ASSERT_TRUE(core::ApplyTenantFile(owner, testing::DurangoTenantFile(), {}).ok());
  const std::string before = Snapshot(owner);
  json file = json::parse(testing::DurangoTenantFile());
  file["tenants"][0]["name"] = "Otro nombre";  // a valid change...
  file["tenants"][3]["parent"] = "no-existe";  // ...and an invalid entry
  auto report = core::ApplyTenantFile(owner, file.dump(), {});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("tepehuanes"), std::string::npos);
  EXPECT_EQ(Snapshot(owner), before);
}

TEST(TenantsApplyTest, UpdatesChangedTenantsAndNeverDeletes) {
  testing::TestDatabase database;
  pqxx::connection owner(database.owner_url());
  ASSERT_TRUE(core::ApplyTenantFile(owner, testing::DurangoTenantFile(), {}).ok());
  json file = json::parse(testing::DurangoTenantFile());
  file["tenants"][3]["name"] = "H. Ayuntamiento de Tepehuanes";
  file["tenants"].erase(2);  // gomez-palacio no longer listed
  auto report = core::ApplyTenantFile(owner, file.dump(), {});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->updated, std::vector<std::string>{"tepehuanes"});
  EXPECT_EQ(report->not_in_file, std::vector<std::string>{"gomez-palacio"});
  pqxx::work read(owner);
  EXPECT_EQ(read.exec("SELECT count(*) FROM core.tenants")[0][0].as<int>(), 4);
}

class TenantEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pqxx::connection owner(database_.owner_url());
    ASSERT_TRUE(core::ApplyTenantFile(owner, testing::DurangoTenantFile(), {}).ok());
    app_ = std::make_unique<api::App>(database_.MakeConfig());
    ASSERT_TRUE(app_->Start().ok());
  }
  testing::HttpResult Get(const std::string& path) {
    return testing::HttpRequest(app_->Port(), "GET", path);
  }
  testing::TestDatabase database_;
  std::unique_ptr<api::App> app_;
};

TEST_F(TenantEndpointsTest, ListsEveryTenantWithTheContractFields) {
  auto result = Get("/v1/tenants");
  ASSERT_EQ(result.status, 200) << result.body;
  auto body = json::parse(result.body);
  ASSERT_EQ(body["items"].size(), 4u);
  EXPECT_TRUE(body["next_cursor"].is_null());
  const auto& state = body["items"][0];
  EXPECT_EQ(state["slug"], "durango");
  EXPECT_EQ(state["name"], "Gobierno del Estado de Durango");
  EXPECT_EQ(state["kind"], "state");
  EXPECT_TRUE(state["parent"].is_null());
  EXPECT_EQ(state["inegi_code"], "10");
  EXPECT_TRUE(state["modules"].is_array());
  EXPECT_EQ(body["items"][1]["slug"], "gomez-palacio");
  EXPECT_EQ(body["items"][1]["parent"], "durango");
  EXPECT_EQ(body["items"][1]["inegi_code"], "10007");
}

// A write that bypasses the API (`cabildo tenants apply`, SQL by hand) cannot
// bump the cache: it shows once the cached answer's time is up (kCoreCacheTtl).
TEST_F(TenantEndpointsTest, AWriteOutsideTheApiShowsWithinTheCoreCacheTtl) {
  ASSERT_EQ(json::parse(Get("/v1/tenants/tepehuanes").body)["name"], "Municipio de Tepehuanes");
  {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    work.exec("UPDATE core.tenants SET name = 'Tepehuanes (editado)' WHERE slug = 'tepehuanes'");
    work.commit();
  }
  const auto written = std::chrono::steady_clock::now();
  std::string name;
  while (std::chrono::steady_clock::now() - written < std::chrono::seconds(8)) {
    name = json::parse(Get("/v1/tenants/tepehuanes").body)["name"];
    if (name == "Tepehuanes (editado)") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(name, "Tepehuanes (editado)");
  EXPECT_LE(std::chrono::steady_clock::now() - written,
            std::chrono::seconds(5) + std::chrono::milliseconds(500));
}

TEST_F(TenantEndpointsTest, PagesWithAnOpaqueCursor) {
  std::vector<std::string> seen;
  std::string path = "/v1/tenants?limit=3";
  for (int page = 0; page < 5; ++page) {
    auto body = json::parse(Get(path).body);
    for (const auto& item : body["items"]) seen.push_back(item["slug"]);
    if (body["next_cursor"].is_null()) break;
    path = "/v1/tenants?limit=3&cursor=" + body["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"durango", "gomez-palacio", "municipio-durango",
                                            "tepehuanes"}));
}

TEST_F(TenantEndpointsTest, BadListParametersAre400WithTheField) {
  for (const char* query : {"limit=0", "limit=101", "limit=abc", "cursor=%%%", "cursor=AAAA"}) {
    auto result = Get(std::string("/v1/tenants?") + query);
    EXPECT_EQ(result.status, 400) << query;
    auto body = json::parse(result.body);
    ASSERT_TRUE(body.contains("errors")) << query;
  }
}

// Core lists sign their cursors like module lists (one codec, signed_cursor.h):
// a client cannot write a cursor of its own (base64 of a slug was enough
// before) nor edit one.
TEST_F(TenantEndpointsTest, CursorsAreSignedAndBoundToTheirList) {
  auto first = json::parse(Get("/v1/tenants?limit=1").body);
  ASSERT_TRUE(first["next_cursor"].is_string());
  const std::string cursor = first["next_cursor"];
  EXPECT_EQ(Get("/v1/tenants?limit=1&cursor=" + cursor).status, 200);
  // base64url("durango"), the unsigned form these lists used to hand out.
  EXPECT_EQ(Get("/v1/tenants?limit=1&cursor=ZHVyYW5nbw").status, 400);
  std::string edited = cursor;
  edited[0] = edited[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Get("/v1/tenants?limit=1&cursor=" + edited).status, 400);
}

TEST_F(TenantEndpointsTest, OneTenantWithItsChildren) {
  auto result = Get("/v1/tenants/durango");
  ASSERT_EQ(result.status, 200);
  auto body = json::parse(result.body);
  EXPECT_EQ(body["children"], json({"gomez-palacio", "municipio-durango", "tepehuanes"}));
  auto municipality = json::parse(Get("/v1/tenants/tepehuanes").body);
  EXPECT_EQ(municipality["parent"], "durango");
  EXPECT_EQ(municipality["children"], json::array());
}

TEST_F(TenantEndpointsTest, UnknownOrMalformedTenantIs404) {
  EXPECT_EQ(Get("/v1/tenants/chihuahua").status, 404);
  EXPECT_EQ(Get("/v1/tenants/DROP%20TABLE").status, 404);
  EXPECT_EQ(Get("/v1/tenants/'%3B--").status, 404);
  EXPECT_EQ(Get("/v1/tenants/Durango/modules").status, 404);  // not a slug: never queried
}

// Bytes that are not UTF-8 would make PostgreSQL fail (SQLSTATE 22021): they
// are a 400 problem at the door, in the path and in the query alike.
TEST_F(TenantEndpointsTest, BytesThatAreNotUtf8Are400) {
  for (const char* path : {"/v1/tenants/%FF", "/v1/tenants/%C0%AF/modules",
                           "/v1/tenants?cursor=%ED%A0%80", "/v1/tenants/durango?x=%F5%80%80%80"}) {
    auto response = Get(path);
    EXPECT_EQ(response.status, 400) << path;
    EXPECT_EQ(response.Header("content-type"), "application/problem+json") << path;
  }
  EXPECT_EQ(Get("/v1/tenants/durango?q=G%C3%B3mez").status, 200);  // real UTF-8 passes
}

// PostgreSQL's text stops at NUL: a %00 in a path or query value would reach
// SQL as a shorter value (a search for "a%00b" ran as "a"). Control
// characters are a 400 at the door, like bytes that are not UTF-8.
TEST_F(TenantEndpointsTest, ControlCharactersInThePathOrQueryAre400) {
  for (const char* path :
       {"/v1/tenants/dur%00ango", "/v1/tenants?cursor=abc%00", "/v1/tenants?limit=5%0A",
        "/v1/tenants/durango?x%01=1", "/v1/tenants/durango/modules?q=%7F"}) {
    auto response = Get(path);
    EXPECT_EQ(response.status, 400) << path;
    EXPECT_EQ(response.Header("content-type"), "application/problem+json") << path;
    EXPECT_NE(response.body.find("control"), std::string::npos) << path << response.body;
  }
  EXPECT_EQ(Get("/v1/tenants/durango?q=uno+dos").status, 200);  // a space is no control
}

}  // namespace
}  // namespace cabildo
