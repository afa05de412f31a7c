// Idempotent POSTs of module routes.
#pragma once

#include <functional>

#include "cabildo/api/app.h"
#include "cabildo/api/http.h"

namespace cabildo::api {

// Idempotency-Key on POST (module routes): the first response is kept 24 h in
// Redis under (caller, key) and replayed for retries of the same request; the
// same key with another body is a 422. Without Redis, requests just run.
Response WithIdempotency(AppContext& app, Request& request,
                         const std::function<Response(Request&)>& run);

}  // namespace cabildo::api
