#include "idempotency.h"

#include "cabildo/core/crypto.h"

#include "route_support.h"

namespace cabildo::api {

using nlohmann::json;

Response WithIdempotency(AppContext& app, Request& request,
                         const std::function<Response(Request&)>& run) {
  auto key = request.Header("idempotency-key");
  if (request.method != Method::kPost || !key) return run(request);
  if (key->empty() || key->size() > 255) {
    return Problem(400, "Idempotency-Key debe tener de 1 a 255 caracteres.", request.request_id);
  }
  auto principal = Caller(app, request);
  const std::string owner = principal.ok() && principal->authenticated()
                                ? principal->user_id
                                : "anon:" + request.remote_address;
  const std::string redis_key =
      app.config.redis_prefix + "idem:" + core::Sha256Hex(owner + "\n" + *key);
  const std::string fingerprint = core::Sha256Hex(std::string(MethodName(request.method)) + " " +
                                                  request.path + "\n" + request.body);
  auto stored = app.redis.Command({"GET", redis_key});
  if (stored.ok() && stored->type == core::RedisReply::Type::kString) {
    auto entry = json::parse(stored->str, nullptr, false);
    if (!entry.is_object() || entry.value("hash", "") != fingerprint) {
      return Problem(422, "Esta Idempotency-Key ya se usó con otra solicitud.", request.request_id,
                     {{"Idempotency-Key", "Use una clave nueva para una solicitud distinta."}});
    }
    if (entry.value("pending", false)) {
      Response busy = Problem(409, "La solicitud original sigue en curso.", request.request_id);
      busy.headers.emplace_back("Retry-After", "1");
      return busy;
    }
    Response replay = Response::Text(entry.value("status", 200), entry.value("body", ""),
                                     entry.value("content_type", "application/json"));
    replay.headers.emplace_back("Idempotent-Replayed", "true");
    return replay;
  }
  if (stored.ok()) {
    auto claimed =
        app.redis.Command({"SET", redis_key, json{{"pending", true}, {"hash", fingerprint}}.dump(),
                           "NX", "EX", "60"});
    if (claimed.ok() && claimed->type == core::RedisReply::Type::kNil) {
      Response busy = Problem(409, "La solicitud original sigue en curso.", request.request_id);
      busy.headers.emplace_back("Retry-After", "1");
      return busy;
    }
  }
  Response response = run(request);
  // A 429 did nothing, like a 5xx: the retry after Retry-After must run for
  // real, not get the refusal back for 24 h. So did a 423 (the tenant is
  // suspended): once it is resumed, the retry runs.
  if (response.status < 500 && response.status != 429 && response.status != 423) {
    json entry = {{"hash", fingerprint},
                  {"status", response.status},
                  {"content_type", response.content_type},
                  {"body", response.Body()}};
    (void)app.redis.Command({"SET", redis_key, entry.dump(), "EX", "86400"});
  } else {
    (void)app.redis.Command({"DEL", redis_key});  // may be retried for real
  }
  return response;
}

}  // namespace cabildo::api
