// Shared by the core route files: callers, tenant-scoped authorisation,
// request-body fields and list paging. Plugins get the same through the SDK.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cabildo/api/app.h"
#include "cabildo/api/problem.h"
#include "cabildo/core/identity.h"

#include "form_body.h"
#include "json_body.h"
#include "signed_cursor.h"

namespace cabildo::api {

// The caller: anonymous without an Authorization header; kUnauthenticated for
// a malformed, unknown, expired or revoked token.
StatusOr<core::Principal> Caller(AppContext& app, const Request& request);

// The one transaction rule of every route, core or module: `work` runs in one
// transaction confined to `scope`, which commits only when it answers 2xx.
// Any other answer (a 4xx problem, a 304) is returned after a rollback, so
// nothing written before it was decided stays; a non-OK status becomes its
// problem document, also rolled back.
Response InRouteTransaction(AppContext& app, const core::Scope& scope, const Request& request,
                            const std::function<StatusOr<Response>(pqxx::transaction_base&)>& work);

using TenantWork = std::function<StatusOr<Response>(pqxx::transaction_base&, const core::Principal&,
                                                    const core::TenantRef&)>;

// Resolves path parameter {tenant}, requires a signed-in caller holding
// `permission` there (401 / 403 / 404 as api-core.md says), and runs `work`
// in one transaction scoped to exactly that tenant (InRouteTransaction: only
// a 2xx answer commits).
Response WithTenantPermission(AppContext& app, Request& request, const std::string& permission,
                              const TenantWork& work);

// A refused client document as a problem: 400 with its detail, or 422 with
// the field in `errors`.
Response JsonRefusalProblem(const JsonRefusal& refusal, const std::string& request_id);

// Reads the JSON object body through the bounded parser (json_body.h); a
// 400 or 422 problem when it is refused or not an object.
std::optional<nlohmann::json> JsonObjectBody(const Request& request, Response& problem);

// The same for an application/x-www-form-urlencoded body (form_body.h).
std::optional<nlohmann::json> FormObjectBody(const Request& request, Response& problem);

// A string field: nullopt and a field error when missing (if required) or not text.
std::optional<std::string> StringField(const nlohmann::json& body, const std::string& field,
                                       bool required, std::vector<FieldError>& errors);

Response ValidationProblem(const Request& request, const std::vector<FieldError>& errors);

// `limit` (default 20, 1..100); nullopt and `problem` set when invalid.
std::optional<int> ParseLimit(const Request& request, Response& problem);

struct PageRequest {
  int limit = 20;
  std::string after;  // the decoded cursor key; empty for the first page
};

// `limit` and `cursor` of a list request (`cursor_key`: AppContext::CursorKey()).
// The cursor is one ListResponse
// signed for this route (signed_cursor.h: a forged, edited or foreign cursor
// is a 400, never a query); `key_ok` vets its key as well. nullopt and
// `problem` set when either is invalid.
std::optional<PageRequest> ParsePage(const std::string& cursor_key, const Request& request,
                                     Response& problem,
                                     const std::function<bool(const std::string&)>& key_ok);

// {"items": items, "next_cursor": null or a cursor for `next_key` signed for
// this request's route}.
Response ListResponse(const std::string& cursor_key, const Request& request, nlohmann::json items,
                      const std::optional<std::string>& next_key);

}  // namespace cabildo::api
