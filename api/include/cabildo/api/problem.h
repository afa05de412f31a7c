// RFC 9457 problem documents: the single place where errors become HTTP.
#pragma once

#include <string>
#include <vector>

#include "cabildo/api/http.h"
#include "cabildo/core/status.h"

namespace cabildo::api {

using ::cabildo::FieldError;  // cabildo/plugin/types.h

// A problem+json response. `status` picks the type URI and the Spanish title;
// `detail` is safe to show (never SQL or exception text).
Response Problem(int status, const std::string& detail, const std::string& request_id,
                 const std::vector<FieldError>& errors = {});

// The HTTP status for a Status code (style.md rule 8).
int HttpStatusFor(StatusCode code);

// Problem for a non-OK Status; 503 adds `Retry-After`.
Response ProblemFromStatus(const Status& status, const std::string& request_id);

// A problem document rewritten as Open311 GeoReport v2 errors: a JSON array
// of {"code": <status>, "description": "..."}, one per field error ("campo:
// mensaje") or one with the detail; 422 becomes 400 and 401 becomes 403, the
// statuses the specification uses. Headers (Retry-After) are kept; anything
// else (a success, a body that is not a problem document) passes unchanged.
Response AsOpen311Errors(Response problem);

}  // namespace cabildo::api
