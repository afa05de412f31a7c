// Links between modules (issue 17): a module shows another module's record
// through the host (RequestContext::DescribeRecord and the other module's
// RecordDescriber), never by reading its tables. Exercised over HTTP through
// the example module's GET /links?module=&ref=[&tenant_id=], which answers
// the link as a linking module would show it, against public-works' real
// describer and the example's own (notes), with the real services.
#include <cctype>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/api/app.h"
#include "cabildo/plugin/plugin_api.h"

#include "../../plugins/public_works/tests/sample_project.h"
#include "server_fixture.h"
#include "test_support.h"

namespace cabildo {
namespace {

using nlohmann::json;
using public_works_testing::Sample;

const std::string kBase = "/v1/tenants/";

class LinksTest : public testing::ServerTest {
 protected:
  // public-works where tenants/durango.json lists it: durango,
  // municipio-durango and tepehuanes, not gomez-palacio.
  std::vector<std::string> EnabledModules() const override { return {"public-works"}; }

  void SetUp() override {
    ServerTest::SetUp();
    admin_ = MakeUser("estado@ejemplo.mx", "admin", "durango");
    for (const char* tenant : {"durango", "tepehuanes", "gomez-palacio"}) {
      ASSERT_EQ(Call("PUT", kBase + tenant + "/modules/example", "{}", admin_).status, 201);
    }
  }

  std::string TenantId(const std::string& slug) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work w(owner);
    return w.exec_params("SELECT id::text FROM core.tenants WHERE slug = $1", slug)[0][0]
        .as<std::string>();
  }

  // A public-works project of `tenant` (published when `publish`); its id.
  std::string Project(const std::string& tenant, const std::string& title, bool publish = true) {
    auto created =
        Call("POST", kBase + tenant + "/public-works/projects", Sample(title).dump(), admin_);
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = json::parse(created.body)["id"];
    if (publish) {
      auto published = Call("POST", ProjectPath(tenant, id) + "/publish", "", admin_);
      EXPECT_EQ(published.status, 200) << published.body;
    }
    return id;
  }
  static std::string ProjectPath(const std::string& tenant, const std::string& id) {
    return kBase + tenant + "/public-works/projects/" + id;
  }
  void Report(const std::string& tenant, const std::string& id, const std::string& date,
              double physical) {
    auto added = Call("POST", ProjectPath(tenant, id) + "/progress",
                      json{{"date", date},
                           {"physical_pct", physical},
                           {"financial_pct", 10},
                           {"spent_mxn", "1000.00"}}
                          .dump(),
                      admin_);
    EXPECT_EQ(added.status, 201) << added.body;
  }
  void Patch(const std::string& tenant, const std::string& id, const json& patch) {
    const std::string path = ProjectPath(tenant, id);
    const std::string etag = Call("GET", path, "", admin_).Header("etag");
    auto patched = Call("PATCH", path, patch.dump(), admin_, {{"If-Match", etag}});
    EXPECT_EQ(patched.status, 200) << patched.body;
  }

  // The link as GET /v1/tenants/<from>/example/links shows it (anonymous
  // unless `token`); `extra` is appended to the query.
  json Link(const std::string& from, const std::string& module, const std::string& ref,
            const std::string& extra = "", const std::string& token = "") {
    auto result = Call(
        "GET", kBase + from + "/example/links?module=" + module + "&ref=" + ref + extra, "", token);
    EXPECT_EQ(result.status, 200) << result.body;
    json body = json::parse(result.body, nullptr, false);
    EXPECT_TRUE(body.contains("notes")) << result.body;  // the request's transaction went on
    return body.value("link", json());
  }

  std::string admin_;
};

TEST_F(LinksTest, APublishedProjectIsFoundWithTitleUrlStatusAndLatestProgress) {
  const std::string id = Project("durango", "Hospital General de Durango");
  json link = Link("durango", "public-works", id);
  EXPECT_EQ(link, (json{{"module", "public-works"},
                        {"ref", id},
                        {"state", "found"},
                        {"title", "Hospital General de Durango"},
                        {"url", "/v1/tenants/durango/public-works/projects/" + id},
                        {"status", "implementation"},
                        {"progress_pct", nullptr}}))
      << link.dump();
  // The latest report by date gives the figure, whatever the order they came in.
  Report("durango", id, "2025-06-01", 62.5);
  Report("durango", id, "2025-03-01", 20);
  link = Link("durango", "public-works", id);
  EXPECT_EQ(link["progress_pct"], 62.5) << link.dump();
  // A signed-in caller sees the same link (describers show public records only).
  EXPECT_EQ(Link("durango", "public-works", id, "", admin_), link);
}

TEST_F(LinksTest, MissingDraftDeletedAndMalformedRefsAreNotFound) {
  const std::string draft = Project("durango", "Obra en borrador", /*publish=*/false);
  const std::string deleted = Project("durango", "Obra borrada");
  const std::string path = ProjectPath("durango", deleted);
  ASSERT_EQ(
      Call("DELETE", path, "", admin_, {{"If-Match", Call("GET", path, "", admin_).Header("etag")}})
          .status,
      204);
  std::string upper = draft;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& ref :
       std::vector<std::string>{draft, deleted, "00000000-0000-4000-8000-000000000000", upper,
                                "no-es-uuid", "1%20OR%201%3D1", std::string(300, 'a')}) {
    json link = Link("durango", "public-works", ref);
    EXPECT_EQ(link["state"], "not_found") << ref << " " << link.dump();
    EXPECT_FALSE(link.contains("title")) << link.dump();
  }
  // Even for a writer who may read the draft itself.
  EXPECT_EQ(Link("durango", "public-works", draft, "", admin_)["state"], "not_found");
}

TEST_F(LinksTest, ModuleStatesAreShownNotErrors) {
  const std::string id = Project("durango", "Puente");
  // gomez-palacio has not enabled public-works.
  json disabled = Link("gomez-palacio", "public-works", id);
  EXPECT_EQ(disabled, (json{{"module", "public-works"}, {"ref", id}, {"state", "module_disabled"}}))
      << disabled.dump();
  // memo is installed but describes no records; the others are not installed.
  for (const std::string& module : std::vector<std::string>{"memo", "nope", "Public-Works",
                                                            "public_works", std::string(70, 'a')}) {
    EXPECT_EQ(Link("durango", module, id)["state"], "module_unknown") << module;
  }
  // A module the tenant disabled after the link was made.
  ASSERT_EQ(Call("DELETE", kBase + "durango/modules/public-works", "", admin_).status, 204);
  EXPECT_EQ(Link("durango", "public-works", id)["state"], "module_disabled");
}

TEST_F(LinksTest, TheExampleDescribesItsPublishedNotes) {
  auto created = Call("POST", kBase + "tepehuanes/example/notes",
                      json{{"title", "Aviso"}, {"published", true}}.dump(), admin_);
  ASSERT_EQ(created.status, 201);
  const std::string id = json::parse(created.body)["id"];
  EXPECT_EQ(Link("tepehuanes", "example", id),
            (json{{"module", "example"},
                  {"ref", id},
                  {"state", "found"},
                  {"title", "Aviso"},
                  {"url", "/v1/tenants/tepehuanes/example/notes/" + id},
                  {"status", "published"},
                  {"progress_pct", nullptr}}));
}

// A module reads only this request's tenant or the tenants ReadTenants()
// returned: anything else is not_found, whether or not the record exists
// and whether or not that tenant enabled the module.
TEST_F(LinksTest, ATenantOutsideTheRequestsScopeIsNotFound) {
  const std::string id = Project("tepehuanes", "Señalamiento vial");
  const std::string tepehuanes = TenantId("tepehuanes");
  EXPECT_EQ(Link("tepehuanes", "public-works", id)["state"], "found");
  EXPECT_EQ(Link("tepehuanes", "public-works", id, "&tenant_id=" + tepehuanes)["state"], "found");
  // A sibling municipality, with or without its descendants, signed in or not.
  EXPECT_EQ(Link("gomez-palacio", "public-works", id, "&tenant_id=" + tepehuanes)["state"],
            "not_found");
  EXPECT_EQ(Link("gomez-palacio", "public-works", id,
                 "&tenant_id=" + tepehuanes + "&include_descendants=true", admin_)["state"],
            "not_found");
  // The state reaches its municipality only when reading its descendants.
  EXPECT_EQ(Link("durango", "public-works", id, "&tenant_id=" + tepehuanes)["state"], "not_found");
  json found =
      Link("durango", "public-works", id, "&tenant_id=" + tepehuanes + "&include_descendants=true");
  EXPECT_EQ(found["state"], "found");
  EXPECT_EQ(found["url"], "/v1/tenants/tepehuanes/public-works/projects/" + id);
  // Never upwards, and a tenant outside never says whether it enabled the module.
  EXPECT_EQ(Link("tepehuanes", "public-works", id,
                 "&tenant_id=" + TenantId("durango") + "&include_descendants=true")["state"],
            "not_found");
  EXPECT_EQ(
      Link("tepehuanes", "public-works", id, "&tenant_id=" + TenantId("gomez-palacio"))["state"],
      "not_found");
  EXPECT_EQ(Link("tepehuanes", "public-works", id,
                 "&tenant_id=00000000-0000-4000-8000-000000000000")["state"],
            "not_found");
}

// A describer that fails (SQL error, error Status, exception) shows its link
// as not_found: the linking module's GET is still a 200 whose transaction
// goes on, and that answer is not kept in the public cache.
TEST_F(LinksTest, AFailingDescriberIsNotFoundAndNeverCached) {
  auto& cache = app_->context().public_cache;
  for (const char* ref : {"falla-sql", "falla-estado", "falla-excepcion"}) {
    const std::size_t entries = cache.local_entries();
    EXPECT_EQ(Link("tepehuanes", "example", ref)["state"], "not_found") << ref;
    EXPECT_EQ(cache.local_entries(), entries) << ref;
  }
  const std::size_t entries = cache.local_entries();
  EXPECT_EQ(Link("tepehuanes", "example", "no-es-uuid")["state"], "not_found");
  EXPECT_EQ(cache.local_entries(), entries + 1);  // a plain not_found is cached
}

// An anonymous answer that showed a project is cached under the linking
// module's generation; every change to the project (title, progress,
// unpublication) and to its module's enablement shows at once.
TEST_F(LinksTest, ACachedLinkFollowsTheLinkedRecord) {
  const std::string id = Project("durango", "Título original");
  auto& cache = app_->context().public_cache;
  EXPECT_EQ(Link("durango", "public-works", id)["title"], "Título original");
  const uint64_t hits = cache.local_hits() + cache.shared_hits();
  EXPECT_EQ(Link("durango", "public-works", id)["title"], "Título original");
  EXPECT_GT(cache.local_hits() + cache.shared_hits(), hits);  // served from the cache

  Patch("durango", id, {{"title", "Título nuevo"}, {"status", "completion"}});
  json link = Link("durango", "public-works", id);
  EXPECT_EQ(link["title"], "Título nuevo");
  EXPECT_EQ(link["status"], "completion");

  EXPECT_EQ(Link("durango", "public-works", id)["progress_pct"], nullptr);
  Report("durango", id, "2025-05-01", 45);
  EXPECT_EQ(Link("durango", "public-works", id)["progress_pct"], 45.0);

  ASSERT_EQ(Call("POST", ProjectPath("durango", id) + "/unpublish", "", admin_).status, 200);
  EXPECT_EQ(Link("durango", "public-works", id)["state"], "not_found");
  ASSERT_EQ(Call("POST", ProjectPath("durango", id) + "/publish", "", admin_).status, 200);
  EXPECT_EQ(Link("durango", "public-works", id)["state"], "found");

  ASSERT_EQ(Call("DELETE", kBase + "durango/modules/public-works", "", admin_).status, 204);
  EXPECT_EQ(Link("durango", "public-works", id)["state"], "module_disabled");
  ASSERT_EQ(Call("PUT", kBase + "durango/modules/public-works", "{}", admin_).status, 200);
  EXPECT_EQ(Link("durango", "public-works", id)["state"], "found");
}

// The state's answer over its subtree shows a municipality's project; a
// change there invalidates the state's cached answer too.
TEST_F(LinksTest, ACachedSubtreeAnswerFollowsAMunicipalitysProject) {
  const std::string id = Project("tepehuanes", "Calle Hidalgo");
  const std::string query = "&tenant_id=" + TenantId("tepehuanes") + "&include_descendants=true";
  EXPECT_EQ(Link("durango", "public-works", id, query)["title"], "Calle Hidalgo");
  EXPECT_EQ(Link("durango", "public-works", id, query)["title"], "Calle Hidalgo");
  Patch("tepehuanes", id, {{"title", "Calle Hidalgo (2a etapa)"}});
  EXPECT_EQ(Link("durango", "public-works", id, query)["title"], "Calle Hidalgo (2a etapa)");
}

}  // namespace
}  // namespace cabildo
