#include "cabildo/api/rate_limits.h"

#include "cabildo/api/problem.h"

namespace cabildo::api {
namespace {

// The request this worker thread is handling, for the per-user limit that
// Caller() applies deep inside handlers (handlers run synchronously on the
// worker, so a thread-local is exact).
struct HandlingState {
  const Request* request = nullptr;
  bool user_counted = false;
  std::optional<Response> user_refusal;  // the 429 whose fields the wrapper adds
};
thread_local HandlingState handling;

Response Refusal(const core::RateLimitPolicy& policy, const core::RateLimitDecision& decision,
                 const std::string& request_id, const std::string& detail) {
  Response response = Problem(429, detail, request_id);
  const std::string name = "\"" + policy.name + "\"";
  response.headers.emplace_back("Retry-After", std::to_string(decision.reset_seconds));
  response.headers.emplace_back(
      "RateLimit-Policy",
      name + ";q=" + std::to_string(policy.limit) + ";w=" + std::to_string(policy.window.count()));
  response.headers.emplace_back("RateLimit", name + ";r=" + std::to_string(decision.remaining) +
                                                 ";t=" + std::to_string(decision.reset_seconds));
  return response;
}

void CopyLimitFields(const Response& from, Response& to) {
  for (const auto& header : from.headers) {
    if (header.first == "Retry-After" || header.first.rfind("RateLimit", 0) == 0) {
      to.headers.push_back(header);
    }
  }
}

}  // namespace

RequestLimits::RequestLimits(core::RedisClient& redis, const core::Config& config)
    : limiter_(redis, config.redis_prefix,
               {{"auth", config.rate_limit_auth, config.rate_limit_window},
                {"write", config.rate_limit_write, config.rate_limit_window},
                {"read", config.rate_limit_read, config.rate_limit_window},
                {"user", config.rate_limit_user, config.rate_limit_window},
                {"module", 1, config.rate_limit_window}},
               static_cast<size_t>(config.rate_limit_max_keys), config.rate_limit_sync) {}

std::optional<Response> RequestLimits::Check(Policy policy, const std::string& key,
                                             const std::string& request_id) {
  const auto decision = limiter_.Hit(policy, key);
  if (decision.allowed) return std::nullopt;
  return Refusal(limiter_.policy(policy), decision, request_id,
                 "Demasiadas solicitudes; espere " + std::to_string(decision.reset_seconds) +
                     " s antes de volver a intentar.");
}

std::optional<Response> RequestLimits::Check(Policy policy, const std::string& key, int64_t limit,
                                             const std::string& name,
                                             const std::string& request_id) {
  const auto decision = limiter_.Hit(policy, key, limit);
  if (decision.allowed) return std::nullopt;
  core::RateLimitPolicy named = limiter_.policy(policy);
  named.name = name;
  named.limit = limit;
  return Refusal(named, decision, request_id,
                 "Demasiadas solicitudes; espere " + std::to_string(decision.reset_seconds) +
                     " s antes de volver a intentar.");
}

void ApplyRateLimits(Router& router, RequestLimits& limits) {
  router.WrapRoutes([&limits](Method method, const std::string& path_template, Handler& handler,
                              FastHandler& fast) {
    if (path_template.rfind("/v1/", 0) != 0) return;  // probes and metrics are never limited
    RequestLimits::Policy policy = RequestLimits::kWrite;
    if (method == Method::kGet || method == Method::kHead) {
      policy = RequestLimits::kRead;
    } else if (method == Method::kPost &&
               (path_template == "/v1/auth/register" || path_template == "/v1/auth/login" ||
                path_template == "/v1/auth/refresh")) {
      policy = RequestLimits::kAuth;
    }
    handler = [&limits, policy, inner = std::move(handler)](Request& request) -> Response {
      if (auto refused = limits.Check(policy, request.remote_address, request.request_id)) {
        return *refused;
      }
      handling = HandlingState{&request, false, std::nullopt};
      Response response = inner(request);
      if (response.status == 429 && handling.user_refusal) {
        CopyLimitFields(*handling.user_refusal, response);
      }
      handling = HandlingState{};
      return response;
    };
    if (fast) {
      fast = [&limits, policy,
              inner = std::move(fast)](Request& request) -> std::optional<Response> {
        auto answer = inner(request);
        if (!answer) return std::nullopt;  // the worker runs the route, and counts it then
        if (auto refused = limits.Check(policy, request.remote_address, request.request_id)) {
          return refused;
        }
        return answer;
      };
    }
  });
}

Status CheckUserLimit(RequestLimits& limits, const Request& request, const std::string& user_id) {
  if (handling.request != &request || handling.user_counted) return OkStatus();
  handling.user_counted = true;
  auto refused = limits.Check(RequestLimits::kUser, user_id, request.request_id);
  if (!refused) return OkStatus();
  handling.user_refusal = std::move(refused);
  return Status(StatusCode::kResourceExhausted,
                "Demasiadas solicitudes de esta cuenta; espere antes de volver a intentar.");
}

Status CheckModuleLimit(RequestLimits& limits, const Request& request, const std::string& bucket,
                        const std::string& subject, int64_t limit) {
  auto refused = limits.Check(RequestLimits::kModule, bucket + "\n" + subject, limit, bucket,
                              request.request_id);
  if (!refused) return OkStatus();
  // The route wrapper copies these fields onto the 429 the handler answers.
  if (handling.request == &request) handling.user_refusal = std::move(refused);
  return Status(StatusCode::kResourceExhausted,
                "Se alcanzó el límite de " + std::to_string(limit) + " solicitudes cada " +
                    std::to_string(limits.limiter().policy(RequestLimits::kModule).window.count()) +
                    " s; espere antes de volver a intentar.");
}

}  // namespace cabildo::api
