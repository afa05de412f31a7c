#include "cabildo/api/router.h"

#include <stdexcept>

namespace cabildo::api {
namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// "{id}" or, with a literal suffix, "{service_code}.json" (Open311's
// format extensions): the parameter is what precedes the suffix.
bool IsParameter(const std::string& segment) {
  const size_t close = segment.find('}');
  return segment.size() > 2 && segment.front() == '{' && close != std::string::npos && close > 1;
}

std::string_view SuffixOf(const std::string& segment) {
  return std::string_view(segment).substr(segment.find('}') + 1);
}

std::string NameOf(const std::string& segment) { return segment.substr(1, segment.find('}') - 1); }

// A parameter segment matches a non-empty value followed by its suffix.
bool ParameterMatches(const std::string& segment, const std::string& value) {
  const std::string_view suffix = SuffixOf(segment);
  return value.size() > suffix.size() && std::string_view(value).ends_with(suffix);
}

}  // namespace

void Router::Add(Method method, std::string path_template, Handler handler, FastHandler fast,
                 RouteOptions options) {
  for (const auto& route : routes_) {
    if (route.method == method && route.path_template == path_template) {
      throw std::logic_error("ruta duplicada: " + path_template);  // start-up only
    }
  }
  Route route{method,          path_template,     Split(path_template), std::move(handler),
              std::move(fast), std::move(options)};
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(Method method, const std::string& path) const {
  Match match;
  if (path.empty() || path.front() != '/') return match;
  const auto segments = Split(path);
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    // Literal segments first, without allocating: most routes differ there.
    bool same = true;
    for (size_t i = 0; i < segments.size() && same; ++i) {
      same = IsParameter(route.segments[i]) ? ParameterMatches(route.segments[i], segments[i])
                                            : route.segments[i] == segments[i];
    }
    if (!same) continue;
    if (route.method == method || (method == Method::kHead && route.method == Method::kGet)) {
      match.kind = Match::Kind::kFound;
      match.handler = &route.handler;
      if (route.fast) match.fast = &route.fast;
      match.options = &route.options;
      match.route = route.path_template;
      for (size_t i = 0; i < segments.size(); ++i) {
        if (!IsParameter(route.segments[i])) continue;
        const size_t suffix = SuffixOf(route.segments[i]).size();
        match.params[NameOf(route.segments[i])] = PercentDecode(
            segments[i].substr(0, segments[i].size() - suffix), /*plus_is_space=*/false);
      }
      return match;
    }
    match.kind = Match::Kind::kMethodNotAllowed;
    match.allowed.push_back(route.method);
    match.options = &route.options;  // a 405 is shaped like the route's other errors
  }
  return match;
}

void Router::WrapRoutes(const Wrapper& wrap) {
  for (auto& route : routes_) wrap(route.method, route.path_template, route.handler, route.fast);
}

std::vector<std::pair<Method, std::string>> Router::Routes() const {
  std::vector<std::pair<Method, std::string>> out;
  for (const auto& route : routes_) out.emplace_back(route.method, route.path_template);
  return out;
}

}  // namespace cabildo::api
