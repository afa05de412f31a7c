#include "public_reads.h"

#include <algorithm>

#include "conditional_requests.h"

namespace cabildo::api {
namespace {

// The generation of the core's public reads: a scope no tenant slug can
// name ('*' is not a slug character), one for the whole instance.
constexpr const char* kCoreScope = "*";
constexpr const char* kCoreModule = "core";

}  // namespace

void KeepDeclaredQuery(Request& request, const std::vector<std::string>& declared) {
  std::erase_if(request.query, [&](const std::pair<std::string, std::string>& parameter) {
    return !std::binary_search(declared.begin(), declared.end(), parameter.first);
  });
}

Response FromCache(const std::shared_ptr<const CachedResponse>& cached) {
  Response response = Response::Text(200, "", cached->content_type);
  response.shared_body = std::shared_ptr<const std::string>(cached, &cached->body);
  response.headers = cached->headers;
  response.etag = cached->etag;
  return response;
}

void AddCachedPublicGet(Router& router, AppContext& app, const std::string& path,
                        std::vector<std::string> declared_query, Handler compute) {
  std::sort(declared_query.begin(), declared_query.end());
  // Reactor thread: this process's copy under a generation it knows fresh,
  // or nullopt (then the worker below asks Redis and the database).
  auto from_memory = [&app, declared_query](Request& request) -> std::optional<Response> {
    KeepDeclaredQuery(request, declared_query);
    auto key = app.public_cache.Key(kCoreScope, kCoreModule, RequestFingerprint(request), false);
    if (!key) return std::nullopt;
    auto cached = app.public_cache.Get(*key, /*network=*/false);
    if (!cached) return std::nullopt;
    if (auto not_modified = NotModified(request, cached->etag)) return not_modified;
    return FromCache(cached);
  };
  auto from_worker = [&app, declared_query, compute = std::move(compute)](Request& request) {
    KeepDeclaredQuery(request, declared_query);
    auto key = app.public_cache.Key(kCoreScope, kCoreModule, RequestFingerprint(request));
    if (key) {
      if (auto cached = app.public_cache.Get(*key)) return FromCache(cached);
    }
    Response response = compute(request);
    if (!key || response.status != 200 || response.streamed) return response;
    return FromCache(
        app.public_cache.Put(*key, {response.content_type,
                                    std::string(response.Body()),
                                    response.headers,
                                    {},
                                    std::chrono::system_clock::now() + kCoreCacheTtl}));
  };
  router.Add(Method::kGet, path, std::move(from_worker), std::move(from_memory));
}

Response AfterCoreWrite(AppContext& app, Response response) {
  if (response.status >= 200 && response.status < 300) {
    app.public_cache.Bump({kCoreScope}, kCoreModule);
  }
  return response;
}

}  // namespace cabildo::api
