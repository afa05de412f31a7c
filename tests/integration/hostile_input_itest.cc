// Issue 15, hostile JSON and text: the bodies of the attacker's probe, sent
// over HTTP to the real server. Each must get a 4xx problem document, the
// server must go on answering, and nothing may be stored truncated.
#include <string>

#include <gtest/gtest.h>

#include "server_fixture.h"
#include "test_support.h"

namespace cabildo {
namespace {

using nlohmann::json;
using testing::HttpResult;

const std::string kProjects = "/v1/tenants/tepehuanes/public-works/projects";

class HostileInputTest : public testing::ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override { return {"public-works"}; }

  // A problem document with `status`, a Spanish detail and the request id.
  static void ExpectProblem(const HttpResult& result, int status) {
    EXPECT_EQ(result.status, status) << result.body.substr(0, 500);
    EXPECT_EQ(result.Header("content-type"), "application/problem+json");
    json problem = json::parse(result.body, nullptr, false);
    ASSERT_TRUE(problem.is_object()) << result.body.substr(0, 500);
    EXPECT_EQ(problem["status"], status);
    EXPECT_FALSE(problem.value("detail", "").empty());
    EXPECT_FALSE(problem.value("request_id", "").empty());
  }
  // The field a 422 names, or "" when it names none.
  static std::string FirstField(const HttpResult& result) {
    json problem = json::parse(result.body, nullptr, false);
    if (!problem.contains("errors") || problem["errors"].empty()) return "";
    return problem["errors"][0].value("field", "");
  }
  void ExpectAlive() {
    auto health = Call("GET", "/healthz");
    EXPECT_EQ(health.status, 200) << "the server stopped answering";
  }
  HttpResult Login(const std::string& raw_body) { return Call("POST", "/v1/auth/login", raw_body); }

  static json Project(const std::string& title) {
    return {{"title", title},
            {"status", "implementation"},
            {"budget_mxn", "1000.00"},
            {"start_date", "2025-01-15"}};
  }
};

// Item 1: one anonymous request took the whole instance down.
TEST_F(HostileInputTest, LoginRefusesDeepNestingWith400AndStaysUp) {
  const std::string open_arrays = R"({"email":)" + std::string(150'000, '[');
  ExpectProblem(Login(open_arrays), 400);
  ExpectAlive();
  ExpectProblem(Login(open_arrays + std::string(150'000, ']') + R"(, "password": "x"})"), 400);
  ExpectAlive();
  std::string objects;
  for (int i = 0; i < 150'000; ++i) objects += R"({"a":)";
  ExpectProblem(Login(objects + "1" + std::string(150'000, '}')), 400);
  ExpectAlive();
  auto deep = Login(open_arrays);
  EXPECT_NE(json::parse(deep.body, nullptr, false).value("detail", "").find("niveles"),
            std::string::npos)
      << deep.body;
}

TEST_F(HostileInputTest, ProjectCreateRefusesDeeplyNestedFundingAndStaysUp) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  std::string body = Project("Obra").dump();
  body.pop_back();  // the closing '}'
  body += R"(, "funding": )" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  ExpectProblem(Call("POST", kProjects, body, editor), 400);
  ExpectAlive();
  EXPECT_EQ(json::parse(Call("GET", kProjects, "", editor).body)["items"].size(), 0u);
}

// Item 2: std::regex recursed once per character of a 200 KB URL.
TEST_F(HostileInputTest, ProgressRefusesA200KbEvidenceUrlWith422AndStaysUp) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  auto created = Call("POST", kProjects, Project("Puente").dump(), editor);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string path = kProjects + "/" + json::parse(created.body)["id"].get<std::string>();
  const json report = {{"date", "2025-03-01"},
                       {"physical_pct", 10},
                       {"financial_pct", 10},
                       {"spent_mxn", "100.00"},
                       {"evidence_urls", {"https://ejemplo.mx/" + std::string(200'000, 'a')}}};
  auto refused = Call("POST", path + "/progress", report.dump(), editor);
  ExpectProblem(refused, 422);
  EXPECT_EQ(FirstField(refused), "evidence_urls[0]");
  ExpectAlive();
}

// Item 3: PostgreSQL's text ends at NUL, the failure counter did not.
class LockoutTest : public HostileInputTest {
 protected:
  void SetUp() override {
    HostileInputTest::SetUp();
    MakeUser("victima@ejemplo.mx", "editor", "tepehuanes");
    // The default limit is 5 failures per email; the 6th try is refused.
    for (int i = 0; i < 5; ++i) {
      auto wrong =
          Login(json{{"email", "victima@ejemplo.mx"}, {"password", "equivocada-1"}}.dump());
      ASSERT_EQ(wrong.status, 401) << wrong.body;
    }
    auto locked =
        Login(json{{"email", "victima@ejemplo.mx"}, {"password", testing::kTestPassword}}.dump());
    ASSERT_EQ(locked.status, 429) << locked.body;
  }
};

TEST_F(LockoutTest, AnEmailWithANulGetsNoFreshFailureCounter) {
  // Each variant was a new counter reaching the same account: unlimited guesses.
  for (int i = 0; i < 3; ++i) {
    auto guess = Login(R"({"email": "victima@ejemplo.mx\u0000)" + std::to_string(i) +
                       R"(", "password": "equivocada-2"})");
    ExpectProblem(guess, 422);
    EXPECT_EQ(FirstField(guess), "email");
  }
  ExpectAlive();
}

TEST_F(LockoutTest, TheRightPasswordBehindANulDoesNotLogInWhileLocked) {
  auto bypass = Login(R"({"email": "victima@ejemplo.mx\u0000z", "password": ")" +
                      std::string(testing::kTestPassword) + R"("})");
  ExpectProblem(bypass, 422);
  EXPECT_EQ(json::parse(bypass.body, nullptr, false).count("access_token"), 0u);
  auto still_locked =
      Login(json{{"email", "victima@ejemplo.mx"}, {"password", testing::kTestPassword}}.dump());
  EXPECT_EQ(still_locked.status, 429);
}

TEST_F(HostileInputTest, ControlCharactersAreRefusedNotStoredTruncated) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  std::string body = Project("Obra").dump();
  body.pop_back();
  body += R"(, "description": "Antes\u0000después"})";
  auto refused = Call("POST", kProjects, body, editor);
  ExpectProblem(refused, 422);
  EXPECT_EQ(FirstField(refused), "description");
  // A control character in a key is named too, without the character itself.
  auto key = Call("POST", kProjects, R"({"tit\u0001le": "x"})", editor);
  ExpectProblem(key, 422);
  EXPECT_EQ(FirstField(key), "tit\\u0001le");
  EXPECT_EQ(json::parse(Call("GET", kProjects, "", editor).body)["items"].size(), 0u);
  // Line breaks and tabs stay allowed in free text.
  json multiline = Project("Obra");
  multiline["description"] = "Primera línea\n\tSegunda línea";
  auto created = Call("POST", kProjects, multiline.dump(), editor);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::parse(created.body)["description"], "Primera línea\n\tSegunda línea");
}

// Item 9: 1e400 overflowed into an exception and a 500.
TEST_F(HostileInputTest, NumbersBeyondDoubleAre422NamingTheField) {
  const std::string editor = MakeUser("editor@tepehuanes.mx", "editor", "tepehuanes");
  std::string body = Project("Obra").dump();
  body.pop_back();
  body += R"(, "location": {"lat": 1e400, "lon": 1}})";
  auto module = Call("POST", kProjects, body, editor);
  ExpectProblem(module, 422);
  EXPECT_EQ(FirstField(module), "location.lat");
  auto budget = Call("POST", kProjects, R"({"title": "Obra", "budget_mxn": 1e400})", editor);
  ExpectProblem(budget, 422);
  EXPECT_EQ(FirstField(budget), "budget_mxn");
  // A core route.
  auto login = Login(R"({"email": "a@ejemplo.mx", "password": -1e400})");
  ExpectProblem(login, 422);
  EXPECT_EQ(FirstField(login), "password");
  ExpectAlive();
  // The pooled connections survived: the module still works.
  EXPECT_EQ(Call("POST", kProjects, Project("Obra").dump(), editor).status, 201);
}

}  // namespace
}  // namespace cabildo
