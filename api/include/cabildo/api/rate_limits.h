// Request rate limits at the HTTP layer (issue 15, item 6): per client
// address for every /v1 route (stricter for register/login/refresh than for
// other writes, looser for reads) and per signed-in user. Refusals are 429
// problem documents with Retry-After and the RateLimit-Policy / RateLimit
// fields of draft-ietf-httpapi-ratelimit-headers-08 (sent on refusals only,
// so the fast path adds no header).
#pragma once

#include <optional>
#include <string>

#include "cabildo/api/router.h"
#include "cabildo/core/config.h"
#include "cabildo/core/rate_limiter.h"

namespace cabildo::api {

class RequestLimits {
 public:
  RequestLimits(core::RedisClient& redis, const core::Config& config);

  // kModule: the limits modules set themselves (RequestContext::RateLimit),
  // each call with its own limit, in the instance's window.
  enum Policy : size_t { kAuth = 0, kWrite = 1, kRead = 2, kUser = 3, kModule = 4 };

  // Counts one request of `key` under `policy`: nullopt when within the
  // limit, else the 429 to answer.
  std::optional<Response> Check(Policy policy, const std::string& key,
                                const std::string& request_id);
  // The same against `limit`; `name` names it in the RateLimit-Policy field.
  std::optional<Response> Check(Policy policy, const std::string& key, int64_t limit,
                                const std::string& name, const std::string& request_id);

  core::RateLimiter& limiter() { return limiter_; }

 private:
  core::RateLimiter limiter_;
};

// Wraps every route registered so far: /v1 routes are counted per client
// address (a fast handler's answer is counted where it is given, on the
// reactor thread; one that falls through is counted once, by the worker).
// REQUIRES: start-up, after every route is registered.
void ApplyRateLimits(Router& router, RequestLimits& limits);

// Per-user limit, called by Caller() once the token is known: counts the
// request being handled on this worker once (a second Caller for the same
// request does not count again). Returns kResourceExhausted when over; the
// 429 then gets its Retry-After and RateLimit fields from the route wrapper.
Status CheckUserLimit(RequestLimits& limits, const Request& request, const std::string& user_id);

// A module's own limit (RequestContext::RateLimit): `bucket` counted per
// `subject` against `limit`, for the request being handled on this worker.
// Returns kResourceExhausted when over, with the same Retry-After and
// RateLimit fields on the 429 as the host's limits.
Status CheckModuleLimit(RequestLimits& limits, const Request& request, const std::string& bucket,
                        const std::string& subject, int64_t limit);

}  // namespace cabildo::api
