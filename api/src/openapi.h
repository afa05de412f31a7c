// The OpenAPI 3.1 document served at /v1/openapi.json and printed by
// `cabildo openapi`: the core document (api/openapi/core.json, embedded at
// build time) plus one fragment per loaded plugin; and the check that every
// registered route is documented.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cabildo/core/plugin_host.h"

namespace cabildo::api {

// What a plugin documents about itself.
//
// `paths` is an OpenAPI Paths object whose keys are relative to the module:
// "/projects/{id}" documents /v1/tenants/{tenant}/<module>/projects/{id}. The
// `tenant` path parameter is added (as a reference to the core's shared
// `#/components/parameters/tenant`) unless the fragment declares it.
// Operations without tags get the tag `<module>`; operations without
// `security` inherit the document's default (bearer token), so public routes
// must say `"security": []`.
//
// `schemas` is a map of component schemas, referenced from `paths` as
// "#/components/schemas/<Name>". A fragment may also reference the core's
// components (e.g. "#/components/schemas/Page", "#/components/responses/NotFound",
// "#/components/parameters/limit").
//
// Either member may be null (nothing to document).
struct OpenApiFragment {
  std::string module;  // e.g. "public-works"; ^[a-z][a-z0-9-]{1,62}$
  nlohmann::json paths;
  nlohmann::json schemas;
};

// A module's fragment generated from its declarations (issue 16): one
// operation per Route -- its path and query parameters (the shared limit,
// cursor, updated_since and include_descendants when paged/descendants), its
// request body and success response as references to the module's schemas,
// and the standard error responses its kind can give -- and, as component
// schemas, the module's schemas exactly as its SchemaSet loaded them.
OpenApiFragment ModuleFragment(const core::LoadedPlugin& plugin);

// The query parameters a route declares (Route::query, plus limit, cursor and
// updated_since when paged, include_descendants with descendants), sorted:
// the same names DeclaredQueryParameters finds in ModuleFragment's paths.
std::vector<std::string> RouteQueryNames(const plugin::Route& route);

// The core document as embedded, without plugins. Thread-safe.
const nlohmann::json& CoreOpenApi();

// The core document with every fragment merged in, in order. Never fails: a
// fragment problem is resolved as below and described (in Spanish, one line
// each, prefixed with the module name) in `*problems` when it is not null.
//
//  * Schema name already taken (by the core or an earlier fragment) with a
//    different definition: the fragment's schema is renamed to
//    <Module><Name> (PascalCase module: "public-works" + "Tenant" ->
//    "PublicWorksTenant", then a numeric suffix if that is taken too) and the
//    fragment's own references are rewritten to the new name. An identical
//    definition is simply shared, and not a problem.
//  * operationId already taken: renamed to <module><OperationId>
//    ("publicWorksListProjects"), the same way.
//  * A path that already exists (e.g. a module named "audit" documenting
//    "/verify"), a path that does not start with '/', a path item that is not
//    an object: that path is skipped.
//  * An operation without `responses` (optional in OpenAPI 3.1, so the
//    linter would not notice): kept, and reported.
//  * Invalid or repeated module name, `paths` or `schemas` neither null nor
//    an object: the whole fragment is skipped.
//
// Callers decide what a problem means: the server logs them as warnings and
// serves the document anyway; `cabildo openapi` (and so CI's lint step) fails.
nlohmann::json BuildOpenApi(const std::vector<OpenApiFragment>& fragments,
                            std::vector<std::string>* problems);
// The same, with problems discarded.
nlohmann::json BuildOpenApi(const std::vector<OpenApiFragment>& fragments);

// Every route in `routes` (METHOD in upper case, e.g. "GET"; template as the
// router spells it, e.g. "/v1/tenants/{tenant}") that `doc` does not document,
// as "METHOD template", in input order. Templates must match exactly,
// parameter names included.
std::vector<std::string> MissingRoutes(
    const nlohmann::json& doc,
    const std::vector<std::pair<std::string /*METHOD*/, std::string /*template*/>>& routes);

// Every operation `doc` documents, as (METHOD, template), in document order.
// With MissingRoutes, the other direction: documentation of routes that no
// longer exist.
std::vector<std::pair<std::string, std::string>> DocumentedRoutes(const nlohmann::json& doc);

// The names of the query parameters a module documents for one operation of
// its fragment (`paths` as in OpenApiFragment, `relative_path` e.g.
// "/projects", `method` in lower case), sorted and unique: those of the path
// item and of the operation, references to the core's
// "#/components/parameters/<name>" resolved. Empty when the operation is not
// documented. The host passes only these to a module's GET handler and keys
// the public cache on them alone (junk parameters must not mint entries).
std::vector<std::string> DeclaredQueryParameters(const nlohmann::json& paths,
                                                 const std::string& relative_path,
                                                 const std::string& method);

}  // namespace cabildo::api
