#include "openapi.h"

#include <algorithm>
#include <functional>
#include <map>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "cabildo/api/problem.h"

namespace cabildo::api {
namespace {

using nlohmann::json;
using RouteList = std::vector<std::pair<std::string, std::string>>;

// Every core route the server registers (core_routes.cc, identity_routes.cc,
// module_routes.cc), /v1/openapi.json included. Hand-kept until the route
// table is public; then compare with it instead.
const RouteList& CoreRoutes() {
  static const RouteList kRoutes = {
      {"GET", "/healthz"},
      {"GET", "/readyz"},
      {"GET", "/metrics"},
      {"GET", "/v1/openapi.json"},
      {"GET", "/v1/tenants"},
      {"POST", "/v1/tenants"},
      {"GET", "/v1/tenants/{tenant}"},
      {"PATCH", "/v1/tenants/{tenant}"},
      {"DELETE", "/v1/tenants/{tenant}"},
      {"POST", "/v1/tenants/{tenant}/suspend"},
      {"POST", "/v1/tenants/{tenant}/resume"},
      {"POST", "/v1/auth/register"},
      {"POST", "/v1/auth/login"},
      {"POST", "/v1/auth/refresh"},
      {"POST", "/v1/auth/logout"},
      {"GET", "/v1/me"},
      {"GET", "/v1/roles"},
      {"GET", "/v1/tenants/{tenant}/members"},
      {"PUT", "/v1/tenants/{tenant}/members/{user_id}"},
      {"DELETE", "/v1/tenants/{tenant}/members/{user_id}"},
      {"GET", "/v1/tenants/{tenant}/audit"},
      {"GET", "/v1/tenants/{tenant}/audit/verify"},
      {"GET", "/v1/modules"},
      {"GET", "/v1/tenants/{tenant}/modules"},
      {"PUT", "/v1/tenants/{tenant}/modules/{module}"},
      {"DELETE", "/v1/tenants/{tenant}/modules/{module}"},
      {"GET", "/v1/tenants/{tenant}/export"},
      {"POST", "/v1/tenants/import"},
  };
  return kRoutes;
}

// Operations anyone may call (security: []).
const std::set<std::string> kPublicOperations = {
    "getHealth",     "getReadiness", "getMetrics",   "getOpenApi",
    "listTenants",   "getTenant",    "registerUser", "login",
    "refreshTokens", "listRoles",    "listModules",  "listTenantModules",
};

// Streamed GETs (Response::streamed): the body is written as it is read, so
// it has no ETag and no 304.
const std::set<std::string> kStreamedOperations = {"exportTenant"};

// Request bodies in another media type than JSON: the tenant archive.
const std::map<std::string, std::string> kNonJsonBodies = {
    {"importTenant", "application/x-ndjson"}};

// Operations that can only fail with 5xx; scripts/test.d/10-openapi-lint.sh
// exempts the same ones from redocly's operation-4xx-response.
const std::set<std::string> kNo4xxOperations = {"getHealth",  "getReadiness", "getMetrics",
                                                "getOpenApi", "listRoles",    "listModules"};

const char* const kMethods[] = {"get",     "put",  "post",  "delete",
                                "options", "head", "patch", "trace"};

// Calls `visit(path, method, operation)` for every operation.
void ForEachOperation(
    const json& doc,
    const std::function<void(const std::string&, const std::string&, const json&)>& visit) {
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const char* method : kMethods) {
      if (item.contains(method)) visit(path, method, item.at(method));
    }
  }
}

void CollectRefs(const json& node, std::vector<std::string>& refs) {
  if (node.is_array()) {
    for (const auto& element : node) CollectRefs(element, refs);
  } else if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) {
        refs.push_back(value.get<std::string>());
      } else {
        CollectRefs(value, refs);
      }
    }
  }
}

// Every $ref that is not a JSON pointer into `doc` itself.
std::vector<std::string> UnresolvedRefs(const json& doc) {
  std::vector<std::string> refs;
  CollectRefs(doc, refs);
  std::vector<std::string> bad;
  for (const auto& ref : refs) {
    bool found = false;
    if (ref.rfind("#/", 0) == 0) {
      try {
        found = doc.contains(json::json_pointer(ref.substr(1)));
      } catch (const json::exception&) {
        found = false;
      }
    }
    if (!found) bad.push_back(ref);
  }
  return bad;
}

// The operation's parameters and its path item's, $refs resolved.
std::vector<json> Parameters(const json& doc, const std::string& path, const json& operation) {
  std::vector<json> out;
  auto add = [&](const json& list) {
    for (const auto& parameter : list) {
      out.push_back(parameter.contains("$ref")
                        ? doc.at(json::json_pointer(parameter["$ref"].get<std::string>().substr(1)))
                        : parameter);
    }
  };
  add(doc["paths"][path].value("parameters", json::array()));
  add(operation.value("parameters", json::array()));
  return out;
}

bool HasParameter(const std::vector<json>& parameters, const std::string& name,
                  const std::string& in) {
  return std::any_of(parameters.begin(), parameters.end(), [&](const json& parameter) {
    return parameter.value("name", "") == name && parameter.value("in", "") == in;
  });
}

RouteList Sorted(RouteList routes) {
  std::sort(routes.begin(), routes.end());
  return routes;
}

// --- The core document ------------------------------------------------------------

TEST(OpenApiTest, CoreDocumentIsOpenApi31) {
  const json& doc = CoreOpenApi();
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_EQ(doc["info"]["title"], "Cabildo");
  EXPECT_EQ(doc["info"]["version"], "0.1.0");
  EXPECT_FALSE(doc["info"].value("description", "").empty());
  ASSERT_EQ(doc["servers"].size(), 1u);
  EXPECT_EQ(doc["servers"][0]["url"], "/");
  const json& bearer = doc["components"]["securitySchemes"]["bearerAuth"];
  EXPECT_EQ(bearer["type"], "http");
  EXPECT_EQ(bearer["scheme"], "bearer");
}

TEST(OpenApiTest, EveryCoreRouteIsDocumented) {
  EXPECT_EQ(MissingRoutes(CoreOpenApi(), CoreRoutes()), std::vector<std::string>{});
}

TEST(OpenApiTest, DocumentsNoRouteThatDoesNotExist) {
  EXPECT_EQ(Sorted(DocumentedRoutes(CoreOpenApi())), Sorted(CoreRoutes()));
}

TEST(OpenApiTest, MissingRoutesNamesEachUndocumentedRoute) {
  const RouteList routes = {{"GET", "/healthz"},
                            {"GET", "/v1/nope"},
                            {"DELETE", "/v1/me"},
                            {"GET", "/v1/tenants/{slug}"},  // parameter names must match too
                            {"PATCH", "/v1/tenants/{tenant}"}};
  EXPECT_EQ(MissingRoutes(CoreOpenApi(), routes),
            (std::vector<std::string>{"GET /v1/nope", "DELETE /v1/me", "GET /v1/tenants/{slug}"}));
  EXPECT_EQ(MissingRoutes(json::object(), {{"GET", "/healthz"}}),
            std::vector<std::string>{"GET /healthz"});
}

TEST(OpenApiTest, EveryRefResolves) {
  EXPECT_EQ(UnresolvedRefs(CoreOpenApi()), std::vector<std::string>{});
}

TEST(OpenApiTest, SharedComponentsExist) {
  const json& components = CoreOpenApi()["components"];
  for (const char* name :
       {"Problem", "FieldError", "Page", "Tenant", "TenantDetail", "TokenPair", "User", "Me",
        "Role", "Member", "AuditEntry", "AuditVerification", "Module", "TenantModule"}) {
    EXPECT_TRUE(components["schemas"].contains(name)) << name;
  }
  const json& limit = components["parameters"]["limit"];
  EXPECT_EQ(limit["in"], "query");
  EXPECT_EQ(limit["schema"]["minimum"], 1);
  EXPECT_EQ(limit["schema"]["maximum"], 100);
  EXPECT_EQ(limit["schema"]["default"], 20);
  EXPECT_EQ(components["parameters"]["cursor"]["in"], "query");
  const json& tenant = components["parameters"]["tenant"];
  EXPECT_EQ(tenant["in"], "path");
  EXPECT_EQ(tenant["required"], true);
  EXPECT_EQ(tenant["schema"]["pattern"], "^[a-z0-9-]{2,63}$");

  const json& page = components["schemas"]["Page"];
  EXPECT_EQ(page["required"], json::array({"items", "next_cursor"}));
  EXPECT_EQ(page["properties"]["next_cursor"]["type"], json::array({"string", "null"}));
}

// The shared error responses say what problem.cc really sends.
TEST(OpenApiTest, SharedErrorResponsesMatchProblemDocuments) {
  const std::map<int, std::string> kShared = {{400, "BadRequest"},
                                              {401, "Unauthorized"},
                                              {403, "Forbidden"},
                                              {404, "NotFound"},
                                              {409, "Conflict"},
                                              {413, "PayloadTooLarge"},
                                              {415, "UnsupportedMediaType"},
                                              {422, "ValidationFailed"},
                                              {423, "TenantSuspended"},
                                              {429, "TooManyRequests"},
                                              {503, "ServiceUnavailable"}};
  const json& responses = CoreOpenApi()["components"]["responses"];
  for (const auto& [status, name] : kShared) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(responses.contains(name));
    const json& media = responses[name]["content"]["application/problem+json"];
    // A Problem, or one with more members (423: tenant, reason) built on it.
    const std::string ref = media["schema"]["$ref"];
    if (ref != "#/components/schemas/Problem") {
      const json& schema = CoreOpenApi().at(json::json_pointer(ref.substr(1)));
      EXPECT_EQ(schema["allOf"][0]["$ref"], "#/components/schemas/Problem") << ref;
    }
    const json sent = json::parse(Problem(status, "x", "r").body);
    EXPECT_EQ(media["example"]["type"], sent["type"]);
    EXPECT_EQ(media["example"]["title"], sent["title"]);
    EXPECT_EQ(media["example"]["status"], status);
  }
  EXPECT_TRUE(responses["TooManyRequests"]["headers"].contains("Retry-After"));
  EXPECT_TRUE(responses["ServiceUnavailable"]["headers"].contains("Retry-After"));

  const json& problem = CoreOpenApi()["components"]["schemas"]["Problem"];
  for (const char* field : {"type", "title", "status", "detail", "request_id"}) {
    EXPECT_NE(std::find(problem["required"].begin(), problem["required"].end(), field),
              problem["required"].end())
        << field;
  }
  EXPECT_EQ(problem["properties"]["errors"]["items"]["$ref"], "#/components/schemas/FieldError");
}

// api-core.md's rules, operation by operation.
TEST(OpenApiTest, EveryOperationFollowsTheConventions) {
  const json& doc = CoreOpenApi();
  std::set<std::string> declared_tags;
  for (const auto& tag : doc["tags"]) declared_tags.insert(tag["name"].get<std::string>());
  std::set<std::string> ids;
  static const std::regex kCamelCase("^[a-z][a-zA-Z0-9]+$");
  ForEachOperation(
      doc, [&](const std::string& path, const std::string& method, const json& operation) {
        SCOPED_TRACE(method + " " + path);
        const std::string id = operation.value("operationId", "");
        EXPECT_TRUE(std::regex_match(id, kCamelCase)) << id;
        EXPECT_TRUE(ids.insert(id).second) << "operationId repetido: " << id;
        EXPECT_FALSE(operation.value("summary", "").empty());
        ASSERT_TRUE(operation.contains("tags"));
        ASSERT_EQ(operation["tags"].size(), 1u);
        EXPECT_TRUE(declared_tags.count(operation["tags"][0].get<std::string>()));

        const bool is_public = kPublicOperations.count(id) > 0;
        ASSERT_TRUE(operation.contains("security"));
        EXPECT_EQ(operation["security"],
                  is_public ? json::array() : json::parse(R"([{"bearerAuth": []}])"));

        const json& responses = operation.at("responses");
        auto has = [&](const char* code) { return responses.contains(code); };
        bool any_2xx = false;
        for (const auto& [code, response] : responses.items()) any_2xx = any_2xx || code[0] == '2';
        EXPECT_TRUE(any_2xx);
        EXPECT_TRUE(has("503")) << "el servidor saturado responde 503 en cualquier ruta";
        EXPECT_TRUE(has("default"));
        bool any_4xx = false;
        for (const auto& [code, response] : responses.items()) {
          if (code[0] != '4' && code[0] != '5' && code != "default") continue;
          any_4xx = any_4xx || code[0] == '4';
          // Errors are problem documents: a shared response, or inline problem+json.
          if (response.contains("$ref")) {
            EXPECT_EQ(response["$ref"].get<std::string>().rfind("#/components/responses/", 0), 0u);
          } else {
            EXPECT_TRUE(response["content"].contains("application/problem+json")) << code;
          }
        }
        EXPECT_EQ(any_4xx, kNo4xxOperations.count(id) == 0) << id;

        if (operation.contains("requestBody")) {
          const auto other = kNonJsonBodies.find(id);
          EXPECT_TRUE(operation["requestBody"]["content"].contains(
              other == kNonJsonBodies.end() ? "application/json" : other->second));
          for (const char* code : {"400", "413", "415", "422"}) {
            EXPECT_TRUE(has(code)) << code;
          }
        }
        if (method == "post" || method == "put" || method == "patch") {
          EXPECT_TRUE(has("413") && has("415")) << "el servidor revisa tamaño y tipo del cuerpo";
        }
        if (!is_public) {
          EXPECT_TRUE(has("401"));
        }
        if (!is_public && path.find("{tenant}") != std::string::npos) {
          EXPECT_TRUE(has("403") && has("404"));
        }
        const auto parameters = Parameters(doc, path, operation);
        if (method == "get" && kStreamedOperations.count(id) == 0) {
          // http_server.cc: every 200 to a GET has an ETag; If-None-Match gives 304.
          EXPECT_TRUE(has("304"));
          EXPECT_TRUE(HasParameter(parameters, "If-None-Match", "header"));
          EXPECT_TRUE(responses["200"]["headers"].contains("ETag"));
        }
        static const std::regex kTemplateParameter("\\{([a-z_]+)\\}");
        for (std::sregex_iterator it(path.begin(), path.end(), kTemplateParameter), end; it != end;
             ++it) {
          EXPECT_TRUE(HasParameter(parameters, (*it)[1], "path")) << (*it)[1];
        }
        if (HasParameter(parameters, "limit", "query")) {
          EXPECT_TRUE(has("400"));
          EXPECT_TRUE(HasParameter(parameters, "cursor", "query"));
          // A cursor list: its 200 is one of the Page shapes.
          const std::string ref =
              responses["200"]["content"]["application/json"]["schema"]["$ref"].get<std::string>();
          const json& schema = doc.at(json::json_pointer(ref.substr(1)));
          EXPECT_EQ(schema["allOf"][0]["$ref"], "#/components/schemas/Page") << ref;
        }
      });
  EXPECT_EQ(ids.size(), CoreRoutes().size());
}

// --- Plugin fragments --------------------------------------------------------------

OpenApiFragment PublicWorks() {
  OpenApiFragment fragment;
  fragment.module = "public-works";
  fragment.paths = json::parse(R"({
    "/projects": {
      "get": {
        "operationId": "listProjects", "summary": "Listar proyectos", "security": [],
        "parameters": [{"$ref": "#/components/parameters/limit"},
                       {"$ref": "#/components/parameters/cursor"}],
        "responses": {
          "200": {"description": "Página", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ProjectPage"}}}},
          "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/projects/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "operationId": "getTenant", "summary": "Obtener un proyecto", "tags": ["Obra pública"],
        "responses": {
          "200": {"description": "El proyecto", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Tenant"}}}}}
      }
    }
  })");
  fragment.schemas = json::parse(R"({
    "Project": {"type": "object", "properties": {"budget_mxn": {"type": "string"}}},
    "ProjectPage": {"allOf": [{"$ref": "#/components/schemas/Page"},
      {"type": "object", "properties": {"items": {"type": "array",
        "items": {"$ref": "#/components/schemas/Project"}}}}]},
    "Tenant": {"type": "object", "properties": {"owner": {"$ref": "#/components/schemas/Project"}}}
  })");
  // An exact copy of a core schema is shared, not a collision.
  fragment.schemas["Problem"] = CoreOpenApi()["components"]["schemas"]["Problem"];
  return fragment;
}

TEST(OpenApiTest, NoFragmentsGivesTheCoreDocument) {
  std::vector<std::string> problems;
  EXPECT_EQ(BuildOpenApi({}, &problems), CoreOpenApi());
  EXPECT_TRUE(problems.empty());
}

TEST(OpenApiTest, FragmentPathsLiveUnderTheTenantAndModule) {
  std::vector<std::string> problems;
  const json doc = BuildOpenApi({PublicWorks()}, &problems);
  const json& paths = doc["paths"];
  ASSERT_TRUE(paths.contains("/v1/tenants/{tenant}/public-works/projects"));
  ASSERT_TRUE(paths.contains("/v1/tenants/{tenant}/public-works/projects/{id}"));
  EXPECT_FALSE(paths.contains("/projects"));
  EXPECT_EQ(MissingRoutes(doc, {{"GET", "/v1/tenants/{tenant}/public-works/projects"},
                                {"GET", "/v1/tenants/{tenant}/public-works/projects/{id}"}}),
            std::vector<std::string>{});
  // The core is still all there.
  EXPECT_EQ(MissingRoutes(doc, CoreRoutes()), std::vector<std::string>{});

  // The tenant parameter is added once, before the fragment's own.
  const json& item = paths["/v1/tenants/{tenant}/public-works/projects/{id}"];
  ASSERT_EQ(item["parameters"].size(), 2u);
  EXPECT_EQ(item["parameters"][0], json({{"$ref", "#/components/parameters/tenant"}}));
  EXPECT_EQ(item["parameters"][1]["name"], "id");
  EXPECT_EQ(paths["/v1/tenants/{tenant}/public-works/projects"]["parameters"],
            json::array({{{"$ref", "#/components/parameters/tenant"}}}));

  // Untagged operations get the module's tag, declared at the top.
  EXPECT_EQ(paths["/v1/tenants/{tenant}/public-works/projects"]["get"]["tags"],
            json::array({"public-works"}));
  EXPECT_EQ(paths["/v1/tenants/{tenant}/public-works/projects/{id}"]["get"]["tags"],
            json::array({"Obra pública"}));
  std::set<std::string> tags;
  for (const auto& tag : doc["tags"]) tags.insert(tag["name"].get<std::string>());
  EXPECT_TRUE(tags.count("public-works"));
  EXPECT_TRUE(tags.count("Obra pública"));
  EXPECT_EQ(UnresolvedRefs(doc), std::vector<std::string>{});
}

TEST(OpenApiTest, TenantParameterIsNotAddedTwice) {
  // One GET answering 204, for fragments where only the path matters.
  const json get = json::parse(R"({"get": {"operationId": "x", "summary": "s",
                                           "responses": {"204": {"description": "d"}}}})");
  OpenApiFragment fragment{"scholarships", json::object(), nullptr};
  fragment.paths["/calls"] = get;
  fragment.paths["/calls"]["get"]["operationId"] = "listCalls";
  fragment.paths["/calls"]["parameters"] =
      json::parse(R"([{"$ref": "#/components/parameters/tenant"}])");
  fragment.paths["/grants"] = get;
  fragment.paths["/grants"]["get"]["operationId"] = "listGrants";
  fragment.paths["/grants"]["get"]["parameters"] = json::parse(
      R"([{"name": "tenant", "in": "path", "required": true, "schema": {"type": "string"}}])");
  std::vector<std::string> problems;
  const json doc = BuildOpenApi({fragment}, &problems);
  EXPECT_EQ(doc["paths"]["/v1/tenants/{tenant}/scholarships/calls"]["parameters"].size(), 1u);
  EXPECT_FALSE(doc["paths"]["/v1/tenants/{tenant}/scholarships/grants"].contains("parameters"));
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
}

TEST(OpenApiTest, FragmentSchemasAreMergedAndCollisionsRenamed) {
  std::vector<std::string> problems;
  const json doc = BuildOpenApi({PublicWorks()}, &problems);
  const json& schemas = doc["components"]["schemas"];
  EXPECT_TRUE(schemas.contains("Project"));
  EXPECT_TRUE(schemas.contains("ProjectPage"));
  // The core's Tenant is untouched; the plugin's is renamed and its uses follow.
  EXPECT_EQ(schemas["Tenant"], CoreOpenApi()["components"]["schemas"]["Tenant"]);
  ASSERT_TRUE(schemas.contains("PublicWorksTenant"));
  EXPECT_EQ(schemas["PublicWorksTenant"]["properties"]["owner"]["$ref"],
            "#/components/schemas/Project");
  const json& get = doc["paths"]["/v1/tenants/{tenant}/public-works/projects/{id}"]["get"];
  EXPECT_EQ(get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/PublicWorksTenant");
  // So is the operationId it shares with the core.
  EXPECT_EQ(get["operationId"], "publicWorksGetTenant");
  EXPECT_EQ(doc["paths"]["/v1/tenants/{tenant}"]["get"]["operationId"], "getTenant");

  ASSERT_EQ(problems.size(), 2u) << ::testing::PrintToString(problems);
  EXPECT_NE(problems[0].find("public-works: el esquema 'Tenant'"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[0].find("PublicWorksTenant"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("operationId 'getTenant'"), std::string::npos) << problems[1];
  EXPECT_EQ(UnresolvedRefs(doc), std::vector<std::string>{});
}

TEST(OpenApiTest, CollisionBetweenTwoFragmentsIsRenamedToo) {
  OpenApiFragment first;
  first.module = "procedures";
  first.schemas = json::parse(R"({"Version": {"type": "string"}})");
  OpenApiFragment second;
  second.module = "open-government";
  second.schemas = json::parse(R"({"Version": {"type": "integer"},
                                   "OpenGovernmentVersion": {"type": "boolean"}})");
  second.paths = json::parse(R"({"/v": {"get": {"operationId": "getVersion", "summary": "s",
    "responses": {"200": {"description": "d", "content": {"application/json": {
      "schema": {"$ref": "#/components/schemas/Version"}}}}}}}})");
  std::vector<std::string> problems;
  const json doc = BuildOpenApi({first, second}, &problems);
  const json& schemas = doc["components"]["schemas"];
  EXPECT_EQ(schemas["Version"]["type"], "string");
  EXPECT_EQ(schemas["OpenGovernmentVersion"]["type"], "boolean");
  EXPECT_EQ(schemas["OpenGovernmentVersion2"]["type"], "integer");
  EXPECT_EQ(doc["paths"]["/v1/tenants/{tenant}/open-government/v"]["get"]["responses"]["200"]
               ["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/OpenGovernmentVersion2");
  EXPECT_EQ(problems.size(), 1u);
  EXPECT_EQ(UnresolvedRefs(doc), std::vector<std::string>{});
}

TEST(OpenApiTest, BadFragmentsAreReportedAndSkipped) {
  const json get = json::parse(R"({"get": {"operationId": "x", "summary": "s",
                                           "responses": {"204": {"description": "d"}}}})");
  OpenApiFragment bad_name{"Obra Pública", json::parse(R"({"/x": {}})"), nullptr};
  OpenApiFragment bad_paths{"service-requests", json::array(), nullptr};
  OpenApiFragment audit{"audit", json::object(), nullptr};
  audit.paths["/verify"] = get;  // the core's /v1/tenants/{tenant}/audit/verify
  audit.paths["/verify"]["get"]["operationId"] = "pluginVerify";
  audit.paths["no-slash"] = get;
  audit.paths["no-slash"]["get"]["operationId"] = "noSlash";
  audit.paths["/list"] = get;
  audit.paths["/list"]["get"]["operationId"] = "auditList";
  OpenApiFragment repeated{"audit", json::parse(R"({"/again": {}})"), nullptr};
  std::vector<std::string> problems;
  const json doc = BuildOpenApi({bad_name, bad_paths, audit, repeated}, &problems);

  EXPECT_EQ(problems.size(), 5u) << ::testing::PrintToString(problems);
  // The core's route keeps its own documentation.
  EXPECT_EQ(doc["paths"]["/v1/tenants/{tenant}/audit/verify"]["get"]["operationId"],
            "verifyAuditLog");
  EXPECT_FALSE(doc["paths"].contains("/v1/tenants/{tenant}/auditno-slash"));
  EXPECT_FALSE(doc["paths"].contains("/v1/tenants/{tenant}/audit/again"));
  EXPECT_TRUE(doc["paths"].contains("/v1/tenants/{tenant}/audit/list"));
  EXPECT_EQ(DocumentedRoutes(doc).size(), CoreRoutes().size() + 1);
  // Each problem names its module.
  for (const auto& problem : problems) {
    EXPECT_TRUE(problem.rfind("Obra Pública: ", 0) == 0 ||
                problem.rfind("service-requests: ", 0) == 0 || problem.rfind("audit: ", 0) == 0)
        << problem;
  }
}

TEST(OpenApiTest, OperationWithoutResponsesIsReported) {
  OpenApiFragment fragment{"procedures",
                           json::parse(R"({"/procedures": {"get": {"operationId": "listProcedures",
                                                                    "summary": "s"}}})"),
                           nullptr};
  std::vector<std::string> problems;
  const json doc = BuildOpenApi({fragment}, &problems);
  EXPECT_TRUE(doc["paths"].contains("/v1/tenants/{tenant}/procedures/procedures"));
  EXPECT_EQ(problems, std::vector<std::string>{
                          "procedures: GET /v1/tenants/{tenant}/procedures/procedures: falta "
                          "'responses'"});
}

}  // namespace
}  // namespace cabildo::api
