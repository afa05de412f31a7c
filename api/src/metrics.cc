#include "cabildo/api/metrics.h"

#include <sstream>
#include <string_view>

namespace cabildo::api {
namespace {

// Route templates contain only [a-z0-9/{}_-]; escape anyway so a label can never break a line.
std::string Label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

void Metrics::ObserveRequest(const std::string& route, Method method, int status, double seconds) {
  const std::string_view method_name = MethodName(method);
  std::lock_guard lock(mutex_);
  auto counted = requests_.find(std::make_tuple(std::string_view(route), method_name, status));
  if (counted == requests_.end()) {
    counted = requests_.emplace(std::make_tuple(route, std::string(method_name), status), 0).first;
  }
  ++counted->second;
  auto observed = latency_.find(std::string_view(route));
  if (observed == latency_.end()) observed = latency_.emplace(route, Histogram{}).first;
  Histogram& histogram = observed->second;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++histogram.buckets[i];
  }
  ++histogram.count;
  histogram.sum += seconds;
}

std::string Metrics::Render(
    const std::vector<std::tuple<std::string, std::string, double>>& gauges) const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  out << "# HELP cabildo_http_requests_total HTTP requests by route template, method and status.\n"
         "# TYPE cabildo_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    out << "cabildo_http_requests_total{route=\"" << Label(route) << "\",method=\"" << method
        << "\",status=\"" << status << "\"} " << count << "\n";
  }
  out << "# HELP cabildo_http_request_duration_seconds Request latency by route template.\n"
         "# TYPE cabildo_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_) {
    const std::string label = Label(route);
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out << "cabildo_http_request_duration_seconds_bucket{route=\"" << label << "\",le=\""
          << kBuckets[i] << "\"} " << histogram.buckets[i] << "\n";
    }
    out << "cabildo_http_request_duration_seconds_bucket{route=\"" << label << "\",le=\"+Inf\"} "
        << histogram.count << "\n";
    out << "cabildo_http_request_duration_seconds_sum{route=\"" << label << "\"} " << histogram.sum
        << "\n";
    out << "cabildo_http_request_duration_seconds_count{route=\"" << label << "\"} "
        << histogram.count << "\n";
  }
  for (const auto& [name, help, value] : gauges) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n"
        << name << " " << value << "\n";
  }
  return out.str();
}

}  // namespace cabildo::api
