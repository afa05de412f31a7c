// DbPool's unit of work on the real PostgreSQL: the pool sends BEGIN, COMMIT
// and ROLLBACK itself (pipelined with other statements), so these check what
// libpqxx's transaction used to guarantee and what pipelining adds.

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/core/db_pool.h"
#include "cabildo/core/identity.h"
#include "cabildo/core/identity_statements.h"
#include "cabildo/core/tenants.h"

#include "test_support.h"

namespace cabildo {
namespace {

class DbPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pqxx::connection owner(database_.owner_url());
    ASSERT_TRUE(core::ApplyTenantFile(owner, testing::DurangoTenantFile(), {}).ok());
    pqxx::work w(owner);
    durango_ =
        w.exec("SELECT id::text FROM core.tenants WHERE slug = 'durango'")[0][0].as<std::string>();
    core::ApplyScope(w, core::Scope{{durango_}, ""});
    w.exec_params("INSERT INTO core.tenant_modules (tenant_id, module) VALUES ($1, 'prueba')",
                  durango_);
    w.commit();
    core::RegisterAuthorizationStatements(pool_);
    // Visible only inside a scope that includes the tenant (row-level security).
    pool_.Prepare("test.visible_modules", "SELECT count(*) FROM core.tenant_modules");
    pool_.Prepare("test.as_uuid", "SELECT $1::uuid");
    pool_.Prepare("test.scope", "SELECT current_setting('cabildo.tenant_ids', true)");
  }

  // What the (single) pooled connection says now, outside any unit of work.
  std::string ScopeBetweenUnits() {
    std::string scope = "?";
    Status status = pool_.InTransaction([&](pqxx::transaction_base& work) {
      scope = work.exec_prepared("test.scope")[0][0].c_str();
      return OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status.message();
    return scope;
  }

  testing::TestDatabase database_;
  // One connection: every unit of work reuses what the previous one left.
  core::DbPool pool_{core::DbPoolOptions{database_.app_url(), 1}};
  std::string durango_;
};

TEST_F(DbPoolTest, OpeningStatementsRunInOrderInsideTheTransactionAndTheirScopeEndsWithIt) {
  const std::vector<core::PipelinedStatement> opening = {
      core::ResolveTenantInScopeStatement("durango", ""), {"test.visible_modules", {}}};
  std::string scope_in_body;
  Status status = pool_.InTransactionOpenedBy(
      opening,
      [&](pqxx::transaction_base& work, const std::vector<core::PipelinedRows>& rows) -> Status {
        EXPECT_EQ(rows.size(), 2U);
        auto tenant = core::ResolvedTenant(rows[0], "durango");
        EXPECT_EQ(tenant.ok() ? tenant->id : tenant.status().message(), durango_);
        // The second statement ran in the scope the first one set.
        EXPECT_EQ(rows[1].Text(0, 0), "1");
        // SET LOCAL semantics: still set for the rest of the transaction...
        scope_in_body = work.exec_prepared("test.scope")[0][0].c_str();
        return OkStatus();
      });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(scope_in_body, durango_);
  // ...and gone after it, on the same connection.
  EXPECT_EQ(ScopeBetweenUnits(), "");
}

TEST_F(DbPoolTest, AFailedOpeningStatementFailsTheWorkAndLeavesTheConnectionClean) {
  bool ran = false;
  Status status = pool_.InTransactionOpenedBy(
      {core::ResolveTenantInScopeStatement("durango", ""), {"test.as_uuid", {"no-es-uuid"}}},
      [&](pqxx::transaction_base&, const std::vector<core::PipelinedRows>&) -> Status {
        ran = true;
        return OkStatus();
      });
  EXPECT_FALSE(ran);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.message();
  // Rolled back: the next unit of work on this connection starts clean
  // (not in an aborted transaction, and without the failed one's scope).
  EXPECT_EQ(ScopeBetweenUnits(), "");
}

TEST_F(DbPoolTest, ACommitAfterAStatementFailedIsAnErrorAndKeepsNothing) {
  // A body that swallows a failed statement and reports success: PostgreSQL
  // answers its COMMIT with ROLLBACK, which must not pass for a commit.
  Status status = pool_.InTransaction([&](pqxx::transaction_base& work) -> Status {
    work.exec("CREATE TEMP TABLE IF NOT EXISTS kept (v int)");
    work.exec("INSERT INTO kept VALUES (1)");
    try {
      work.exec("SELECT 1 / 0");
    } catch (const pqxx::sql_error&) {
    }
    return OkStatus();
  });
  EXPECT_FALSE(status.ok());
  Status checked = pool_.InTransaction([&](pqxx::transaction_base& work) -> Status {
    EXPECT_TRUE(work.exec("SELECT to_regclass('pg_temp.kept')")[0][0].is_null());
    return OkStatus();
  });
  EXPECT_TRUE(checked.ok()) << checked.message();
}

TEST_F(DbPoolTest, AnErrorStatusRollsBackWhatTheWorkDid) {
  Status status = pool_.InTransaction([&](pqxx::transaction_base& work) -> Status {
    work.exec("CREATE TEMP TABLE IF NOT EXISTS undone (v int)");
    return InvalidArgumentError("se rechaza");
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  Status checked = pool_.InTransaction([&](pqxx::transaction_base& work) -> Status {
    EXPECT_TRUE(work.exec("SELECT to_regclass('pg_temp.undone')")[0][0].is_null());
    return OkStatus();
  });
  EXPECT_TRUE(checked.ok()) << checked.message();
}

TEST_F(DbPoolTest, APipelinedAuthorizationAnswersLikeAuthorize) {
  pqxx::connection owner(database_.owner_url());
  std::string auditor;
  {
    pqxx::work w(owner);
    auto user =
        core::CreateUser(w, {"auditora@prueba.mx", "Auditora", "contraseña-segura-1", false});
    ASSERT_TRUE(user.ok());
    auditor = user->id;
    const std::string gomez =
        w.exec("SELECT id::text FROM core.tenants WHERE slug = 'gomez-palacio'")[0][0]
            .as<std::string>();
    core::ApplyScope(w, core::Scope{{gomez}, ""});
    w.exec_params(
        "INSERT INTO core.role_assignments (tenant_id, user_id, role) VALUES ($1, $2, 'auditor')",
        gomez, auditor);
    w.commit();
  }
  const core::Principal principal{auditor, "auditora@prueba.mx", "Auditora", "", false};
  struct Case {
    const char* slug;
    const char* permission;
    core::Access expected;
  };
  // An auditor of Gómez Palacio reads its audit there, is a member without the
  // permission to manage members, and is nobody in the state above it.
  for (const Case& c : {Case{"gomez-palacio", "core.audit.read", core::Access::kAllowed},
                        Case{"gomez-palacio", "core.member.write", core::Access::kForbidden},
                        Case{"durango", "core.audit.read", core::Access::kHidden}}) {
    auto statement = core::AuthorizeStatement(principal, c.permission, c.slug);
    ASSERT_TRUE(statement.has_value());
    core::Access pipelined = core::Access::kHidden, direct = core::Access::kHidden;
    Status status = pool_.InTransactionOpenedBy(
        {core::ResolveTenantInScopeStatement(c.slug, auditor), *statement},
        [&](pqxx::transaction_base& work, const std::vector<core::PipelinedRows>& rows) -> Status {
          pipelined = core::AuthorizedBy(principal, &rows[1]);
          CABILDO_ASSIGN_OR_RETURN(core::TenantRef tenant, core::ResolvedTenant(rows[0], c.slug));
          direct = core::Authorize(work, principal, c.permission, tenant.id);
          return OkStatus();
        });
    ASSERT_TRUE(status.ok()) << status.message();
    EXPECT_EQ(pipelined, c.expected) << c.slug << " " << c.permission;
    EXPECT_EQ(direct, c.expected) << c.slug << " " << c.permission;
  }
  // Anonymous callers and instance admins need no statement at all.
  EXPECT_FALSE(core::AuthorizeStatement(core::Principal{}, "core.audit.read", "durango"));
  const core::Principal admin{auditor, "a@prueba.mx", "Admin", "", true};
  EXPECT_FALSE(core::AuthorizeStatement(admin, "core.audit.read", "durango"));
  EXPECT_EQ(core::AuthorizedBy(admin, nullptr), core::Access::kAllowed);
  EXPECT_EQ(core::AuthorizedBy(core::Principal{}, nullptr), core::Access::kHidden);
}

}  // namespace
}  // namespace cabildo
