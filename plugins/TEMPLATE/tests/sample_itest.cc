// TEMPLATE: the module over HTTP against the real PostgreSQL and Redis: the
// CRUD round trip, the 422 body, drafts hidden from anonymous callers. Add a
// test for every rule your handlers keep.
#include <string>

#include <gtest/gtest.h>

#include "server_fixture.h"
#include "test_support.h"

namespace cabildo {
namespace {

using nlohmann::json;

const std::string kItems = "/v1/tenants/tepehuanes/sample/items";

class SampleTest : public testing::ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override { return {"sample"}; }
  std::string PluginDir() const override { return CABILDO_MODULE_PLUGIN_DIR; }

  // TEMPLATE: enables the module for tepehuanes as its administrator would
  // (tenants/durango.json enables only the modules it lists).
  void SetUp() override {
    ServerTest::SetUp();
    const std::string admin = MakeUser("admin@tepehuanes.mx", "admin", "tepehuanes");
    auto enabled = Call("PUT", "/v1/tenants/tepehuanes/modules/sample", "{}", admin);
    ASSERT_EQ(enabled.status, 201) << enabled.body;
  }

  json Create(const json& item, const std::string& token) {
    auto result = Call("POST", kItems, item.dump(), token);
    EXPECT_EQ(result.status, 201) << result.body;
    return json::parse(result.body, nullptr, false);
  }
};

TEST_F(SampleTest, CreateGetListPatchDelete) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  json created = Create({{"title", "Primero"}, {"description", "Texto"}}, editor);
  EXPECT_EQ(created["published"], false);
  EXPECT_EQ(created["tenant"], "tepehuanes");
  const std::string path = kItems + "/" + created["id"].get<std::string>();

  auto got = Call("GET", path, "", editor);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(json::parse(got.body)["description"], "Texto");
  auto list = Call("GET", kItems, "", editor);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(json::parse(list.body)["items"].size(), 1u);

  const std::string etag = got.Header("etag");
  auto patched =
      Call("PATCH", path, json{{"title", "Segundo"}}.dump(), editor, {{"If-Match", etag}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json::parse(patched.body)["title"], "Segundo");
  EXPECT_EQ(json::parse(patched.body)["description"], "Texto");  // untouched
  EXPECT_EQ(Call("PATCH", path, json{{"title", "x"}}.dump(), editor, {{"If-Match", etag}}).status,
            412);

  EXPECT_EQ(Call("DELETE", path, "", editor).status, 204);
  EXPECT_EQ(Call("GET", path, "", editor).status, 404);
  EXPECT_EQ(json::parse(Call("GET", kItems, "", editor).body)["items"].size(), 0u);
}

TEST_F(SampleTest, BadBodyGetsOneSpanishErrorPerField) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  auto result = Call("POST", kItems, json{{"description", 5}, {"published", "sí"}}.dump(), editor);
  ASSERT_EQ(result.status, 422) << result.body;
  const json problem = json::parse(result.body);
  ASSERT_EQ(problem["errors"].size(), 3u) << result.body;
  for (const auto& error : problem["errors"]) {
    EXPECT_FALSE(error.value("message", "").empty()) << result.body;
  }
  EXPECT_NE(result.body.find("\"title\""), std::string::npos) << result.body;
  EXPECT_NE(result.body.find("obligatorio"), std::string::npos) << result.body;
  EXPECT_EQ(Call("POST", kItems, json{{"title", "Sin permiso"}}.dump()).status, 401);
}

TEST_F(SampleTest, AnonymousCallersSeeOnlyPublishedItems) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  Create({{"title", "Borrador"}}, editor);
  json published = Create({{"title", "Publicado"}, {"published", true}}, editor);
  auto list = Call("GET", kItems);
  ASSERT_EQ(list.status, 200) << list.body;
  const json items = json::parse(list.body)["items"];
  ASSERT_EQ(items.size(), 1u) << list.body;
  EXPECT_EQ(items[0]["id"], published["id"]);
  EXPECT_EQ(json::parse(Call("GET", kItems, "", editor).body)["items"].size(), 2u);
}

}  // namespace
}  // namespace cabildo
