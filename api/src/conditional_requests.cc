#include "conditional_requests.h"

#include <algorithm>
#include <vector>

#include "cabildo/core/crypto.h"
#include "cabildo/plugin/plugin_api.h"

namespace cabildo::api {

std::string RequestFingerprint(const Request& request) {
  std::string canonical = request.path;
  if (!request.query.empty()) {
    std::vector<std::pair<std::string, std::string>> query = request.query;
    std::sort(query.begin(), query.end());
    for (const auto& [key, value] : query) {
      canonical += '&';
      canonical += std::to_string(key.size());
      canonical += ':';
      canonical += key;
      canonical += std::to_string(value.size());
      canonical += ':';
      canonical += value;
    }
  }
  constexpr std::size_t kLongestKept = 160;
  return canonical.size() <= kLongestKept ? canonical : core::Sha256Hex(canonical);
}

std::string StreamEtag(const Request& request, const std::string& etag_basis) {
  return StrongEtag(RequestFingerprint(request) + "\n" + etag_basis);
}

Status IfMatchCurrent(const Request& request, const nlohmann::json& current) {
  auto header = request.Header("if-match");
  if (!header) return OkStatus();
  const std::string etag = StrongEtag(plugin::HttpResponse::Json(200, current).body);
  if (EtagMatches(*header, etag, EtagComparison::kStrong)) return OkStatus();
  return IfMatchFailedError("El registro cambió desde que lo leyó; vuelva a leerlo y reintente.");
}

}  // namespace cabildo::api
