// The core repositories that hold every write of tenants and role
// assignments (core/tenants.h, core/members.h), reached without HTTP; and
// the proof that there is one write path: `cabildo tenants apply` and the
// HTTP routes leave the same rows and the same audit entries.
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/api/app.h"
#include "cabildo/core/audit.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/members.h"
#include "cabildo/core/tenants.h"

#include "test_support.h"

namespace cabildo {
namespace {

using nlohmann::json;

constexpr const char* kPassword = "contraseña-segura-1";

std::string TenantId(pqxx::transaction_base& work, const std::string& slug) {
  return work.exec_params("SELECT id::text FROM core.tenants WHERE slug = $1", slug)[0][0]
      .as<std::string>();
}

// What a tenant's row and its newest audit entry say, without what differs
// between two databases by nature (ids, times, hashes, who did it).
struct Written {
  json row;
  std::string action;
  std::string entity;
  json changes;
  int entries = 0;
};

Written ReadBack(const std::string& owner_url, const std::string& slug) {
  pqxx::connection owner(owner_url);
  pqxx::work work(owner);
  Written out;
  auto row = work.exec_params(
      "SELECT t.slug, t.name, t.kind, p.slug, t.inegi_code FROM core.tenants t "
      "LEFT JOIN core.tenants p ON p.id = t.parent_id WHERE t.slug = $1",
      slug)[0];
  out.row = json::array();
  for (const auto& field : row) out.row.push_back(field.is_null() ? json(nullptr) : field.c_str());
  const std::string id = TenantId(work, slug);
  core::ApplyScope(work, core::Scope{{id}, ""});
  auto entries = core::ListAudit(work, id, 0, 1000);
  EXPECT_TRUE(entries.ok());
  out.entries = static_cast<int>(entries->size());
  if (!entries->empty()) {
    out.action = entries->back().action;
    out.entity = entries->back().entity;
    out.changes = entries->back().changes;
    EXPECT_EQ(entries->back().entity_id, id);
  }
  return out;
}

// One database written through HTTP by an instance admin.
class RouteWrites {
 public:
  RouteWrites() {
    pqxx::connection owner(database_.owner_url());
    EXPECT_TRUE(core::ApplyTenantFile(owner, testing::DurangoTenantFile(), {}).ok());
    {
      pqxx::work work(owner);
      EXPECT_TRUE(
          core::CreateUser(work, {"admin@example.mx", "Administración", kPassword, true}).ok());
      work.commit();
    }
    app_ = std::make_unique<api::App>(database_.MakeConfig());
    EXPECT_TRUE(app_->Start().ok());
    auto login =
        testing::HttpRequest(app_->Port(), "POST", "/v1/auth/login",
                             json{{"email", "admin@example.mx"}, {"password", kPassword}}.dump());
    EXPECT_EQ(login.status, 200) << login.body;
    token_ = json::parse(login.body)["access_token"];
  }
  testing::HttpResult Call(const std::string& method, const std::string& path, const json& body) {
    return testing::HttpRequest(app_->Port(), method, path, body.dump(),
                                {{"Authorization", "Bearer " + token_}});
  }
  const std::string& owner_url() const { return database_.owner_url(); }

 private:
  testing::TestDatabase database_;
  std::unique_ptr<api::App> app_;
  std::string token_;
};

TEST(OneTenantWritePathTest, TheCliAndTheRoutesLeaveTheSameRowsAndAuditEntries) {
  RouteWrites routes;
  ASSERT_EQ(routes
                .Call("POST", "/v1/tenants",
                      {{"slug", "lerdo"},
                       {"name", "Municipio de Lerdo"},
                       {"kind", "municipality"},
                       {"parent", "durango"},
                       {"inegi_code", "10012"}})
                .status,
            201);
  ASSERT_EQ(routes.Call("PATCH", "/v1/tenants/tepehuanes", {{"name", "H. Ayuntamiento"}}).status,
            200);

  testing::TestDatabase cli;
  pqxx::connection owner(cli.owner_url());
  ASSERT_TRUE(core::ApplyTenantFile(owner, testing::DurangoTenantFile(), {}).ok());
  json file = json::parse(testing::DurangoTenantFile());
  for (auto& entry : file["tenants"]) {
    if (entry["slug"] == "tepehuanes") entry["name"] = "H. Ayuntamiento";
  }
  file["tenants"].push_back({{"slug", "lerdo"},
                             {"name", "Municipio de Lerdo"},
                             {"kind", "municipality"},
                             {"parent", "durango"},
                             {"inegi_code", "10012"}});
  auto report = core::ApplyTenantFile(owner, file.dump(), {});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->created, std::vector<std::string>{"lerdo"});
  EXPECT_EQ(report->updated, std::vector<std::string>{"tepehuanes"});

  for (const std::string slug : {"lerdo", "tepehuanes"}) {
    const Written by_route = ReadBack(routes.owner_url(), slug);
    const Written by_cli = ReadBack(cli.owner_url(), slug);
    EXPECT_EQ(by_route.row, by_cli.row) << slug;
    EXPECT_EQ(by_route.entries, by_cli.entries) << slug;
    EXPECT_EQ(by_route.action, by_cli.action) << slug;
    EXPECT_EQ(by_route.entity, by_cli.entity) << slug;
    EXPECT_EQ(by_route.changes, by_cli.changes) << slug;
  }
  EXPECT_EQ(ReadBack(cli.owner_url(), "lerdo").action, "tenant.create");
  EXPECT_EQ(ReadBack(cli.owner_url(), "tepehuanes").action, "tenant.update");
  EXPECT_EQ(ReadBack(cli.owner_url(), "tepehuanes").changes,
            json({{"before", {{"name", "Municipio de Tepehuanes"}}},
                  {"after", {{"name", "H. Ayuntamiento"}}}}))
      << "the diff names only what changed";
}

class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(core::ApplyTenantFile(owner_, testing::DurangoTenantFile(), {}).ok());
    pqxx::work work(owner_);
    auto user = core::CreateUser(work, {"persona@example.mx", "Persona", kPassword, false});
    ASSERT_TRUE(user.ok());
    user_id_ = user->id;
    durango_ = TenantId(work, "durango");
    work.commit();
  }
  int AuditEntries(pqxx::transaction_base& work) {
    return static_cast<int>(core::ListAudit(work, durango_, 0, 1000)->size());
  }
  testing::TestDatabase database_;
  pqxx::connection owner_{database_.owner_url()};
  std::string user_id_;
  std::string durango_;
  const core::AuditActor actor_{"", "sistema: prueba"};
};

TEST_F(RepositoryTest, SetMemberRolesSortsAndAuditsOnlyChanges) {
  pqxx::work work(owner_);
  core::ApplyScope(work, core::Scope{{durango_}, ""});
  const int before = AuditEntries(work);
  auto held = core::SetMemberRoles(work, durango_, user_id_, {"editor", "admin", "editor"}, actor_);
  ASSERT_TRUE(held.ok()) << held.status().message();
  EXPECT_EQ(*held, (std::vector<std::string>{"admin", "editor"}));
  EXPECT_EQ(*core::MemberRoles(work, durango_, user_id_), *held);
  EXPECT_EQ(AuditEntries(work), before + 1);
  auto entries = core::ListAudit(work, durango_, 0, 1000);
  EXPECT_EQ(entries->back().action, "member.update");
  EXPECT_EQ(entries->back().actor, "sistema: prueba");
  EXPECT_EQ(entries->back().changes["after"]["roles"], json({"admin", "editor"}));

  ASSERT_TRUE(core::SetMemberRoles(work, durango_, user_id_, {"admin", "editor"}, actor_).ok());
  EXPECT_EQ(AuditEntries(work), before + 1) << "the same roles again change nothing";

  auto members = core::ListMembers(work, durango_, "", 10);
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ((*members)[0].email, "persona@example.mx");
  EXPECT_EQ((*members)[0].roles, (std::vector<std::string>{"admin", "editor"}));
}

TEST_F(RepositoryTest, SetMemberRolesRefusesWhatTheApiRefuses) {
  pqxx::work work(owner_);
  core::ApplyScope(work, core::Scope{{durango_}, ""});
  EXPECT_EQ(
      core::SetMemberRoles(work, durango_, user_id_, {"instance_admin"}, actor_).status().code(),
      StatusCode::kPermissionDenied);
  auto unknown = core::SetMemberRoles(work, durango_, user_id_, {"alcalde"}, actor_);
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnprocessable);
  EXPECT_EQ(unknown.status().message(), "No existe el rol 'alcalde'.");
  EXPECT_EQ(core::SetMemberRoles(work, durango_, user_id_, {"citizen"}, actor_).status().code(),
            StatusCode::kUnprocessable)
      << "citizen is not assignable";
  EXPECT_EQ(core::SetMemberRoles(work, durango_, "not-a-uuid", {"editor"}, actor_).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(core::SetMemberRoles(work, durango_, "00000000-0000-4000-8000-000000000000", {"editor"},
                                 actor_)
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST_F(RepositoryTest, RemoveMemberAuditsAndThenFindsNothing) {
  pqxx::work work(owner_);
  core::ApplyScope(work, core::Scope{{durango_}, ""});
  ASSERT_TRUE(core::SetMemberRoles(work, durango_, user_id_, {"auditor"}, actor_).ok());
  const int before = AuditEntries(work);
  ASSERT_TRUE(core::RemoveMember(work, durango_, user_id_, actor_).ok());
  EXPECT_TRUE(core::MemberRoles(work, durango_, user_id_)->empty());
  EXPECT_EQ(AuditEntries(work), before + 1);
  EXPECT_EQ(core::ListAudit(work, durango_, 0, 1000)->back().action, "member.remove");
  EXPECT_EQ(core::RemoveMember(work, durango_, user_id_, actor_).code(), StatusCode::kNotFound);
}

TEST_F(RepositoryTest, NewTenantsFollowTheTenantFileRules) {
  pqxx::work work(owner_);
  core::TenantSpec taken{"durango", "Otro", "state", std::nullopt, std::nullopt, {}};
  EXPECT_EQ(core::ValidateNewTenant(work, taken).code(), StatusCode::kAlreadyExists);
  core::TenantSpec orphan{"lerdo", "Lerdo", "municipality", "no-existe", std::nullopt, {}};
  Status refused = core::ValidateNewTenant(work, orphan);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("no-existe"), std::string::npos) << refused.message();
  core::TenantSpec wrong_state{"lerdo", "Lerdo", "municipality", "durango", "11012", {}};
  EXPECT_EQ(core::ValidateNewTenant(work, wrong_state).code(), StatusCode::kInvalidArgument);
  core::TenantSpec lerdo{"lerdo", "Lerdo", "municipality", "durango", "10012", {}};
  EXPECT_TRUE(core::ValidateNewTenant(work, lerdo).ok());
}

TEST_F(RepositoryTest, UpdateTenantWritesNothingWhenNothingChanged) {
  pqxx::work work(owner_);
  const std::string id = TenantId(work, "tepehuanes");
  auto stored = core::LoadStoredTenant(work, id);
  ASSERT_TRUE(stored.ok());
  core::ApplyScope(work, core::Scope{{id}, ""});
  const int before = static_cast<int>(core::ListAudit(work, id, 0, 1000)->size());
  auto same = core::UpdateTenant(work, *stored, stored->spec, actor_);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(*same);
  EXPECT_EQ(static_cast<int>(core::ListAudit(work, id, 0, 1000)->size()), before);
  EXPECT_EQ(core::LoadStoredTenant(work, "00000000-0000-4000-8000-000000000000").status().code(),
            StatusCode::kNotFound);
}

TEST_F(RepositoryTest, AnInegiCodeChangeKeepsTheStatePrefixAndOneOwnerPerCode) {
  pqxx::work work(owner_);
  const std::string tepehuanes = TenantId(work, "tepehuanes");
  const std::string gomez = TenantId(work, "gomez-palacio");
  auto stored = core::LoadStoredTenant(work, gomez);
  ASSERT_TRUE(stored.ok() && stored->spec.inegi_code);
  EXPECT_NE(*core::InegiCodeChangeProblem(work, tepehuanes, "municipality", "11001"), "");
  EXPECT_NE(core::InegiCodeChangeProblem(work, tepehuanes, "municipality", *stored->spec.inegi_code)
                ->find("gomez-palacio"),
            std::string::npos);
  EXPECT_EQ(*core::InegiCodeChangeProblem(work, tepehuanes, "municipality", "10099"), "");
}

}  // namespace
}  // namespace cabildo
