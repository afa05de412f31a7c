// Routes by method and path template ("/v1/tenants/{tenant}"). Our own router
// rather than Pistache's Rest::Router: we need the template for metrics, typed
// path parameters parsed by us, and none of Rest::Router's first-use race
// (stack-notes.md). Built during start-up, read-only afterwards.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cabildo/api/http.h"

namespace cabildo::api {

using Handler = std::function<Response(Request&)>;

// Answers a request from memory, without blocking (no database, no network),
// or returns nullopt to let the worker pool run the route's Handler. It runs
// on a Pistache reactor thread, where any wait would stall every connection of
// that thread (stack-notes.md), so it must only read in-process state.
using FastHandler = std::function<std::optional<Response>(Request&)>;

// What a route accepts and how its errors look, beyond the house defaults.
struct RouteOptions {
  // Accepts application/x-www-form-urlencoded bodies as well as JSON (the
  // handler decodes them); other routes answer 415 to anything but JSON.
  bool form_body = false;
  // Another media type the handler reads itself (besides JSON), e.g. the
  // tenant archive's application/x-ndjson; empty: none.
  std::string body_type;
  // Rewrites every 4xx/5xx answer of the route, the dispatcher's own (415,
  // a bad query string) included: Open311's error arrays. Null: problem
  // documents as they are.
  std::function<Response(Response)> shape_errors;
};

class Router {
 public:
  // REQUIRES: start-up. A duplicate (method, template) is a programming error
  // and aborts start-up. A parameter may carry a literal suffix in its
  // segment: "/services/{service_code}.json".
  void Add(Method method, std::string path_template, Handler handler, FastHandler fast = nullptr,
           RouteOptions options = {});

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
    const Handler* handler = nullptr;
    const FastHandler* fast = nullptr;          // null when the route has none
    const RouteOptions* options = nullptr;      // when found (or 405)
    std::string route;                          // template, when found
    std::map<std::string, std::string> params;  // decoded path parameters
    std::vector<Method> allowed;                // for 405
  };

  Match Find(Method method, const std::string& path) const;

  // Lets `wrap` replace each route's handlers (e.g. with rate-limited ones).
  // REQUIRES: start-up, after every route is registered.
  using Wrapper = std::function<void(Method, const std::string& path_template, Handler& handler,
                                     FastHandler& fast)>;
  void WrapRoutes(const Wrapper& wrap);

  // Every template with its methods, e.g. for the OpenAPI check.
  std::vector<std::pair<Method, std::string>> Routes() const;

 private:
  struct Route {
    Method method;
    std::string path_template;
    std::vector<std::string> segments;
    Handler handler;
    FastHandler fast;
    RouteOptions options;
  };
  std::vector<Route> routes_;
};

}  // namespace cabildo::api
