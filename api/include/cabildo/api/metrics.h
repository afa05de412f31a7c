// Prometheus metrics: request counts and latency by route template and status.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cabildo/api/http.h"

namespace cabildo::api {

// Thread-safe.
class Metrics {
 public:
  // `route` is the matched template (or "unmatched"), never the raw path, so
  // the number of series stays bounded.
  void ObserveRequest(const std::string& route, Method method, int status, double seconds);

  // Prometheus text format 0.0.4, with extra gauges appended (name, help, value).
  std::string Render(const std::vector<std::tuple<std::string, std::string, double>>& gauges) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5,   5.0};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  // Transparent comparators: a request is counted without building a key.
  std::map<std::tuple<std::string, std::string, int>, uint64_t, std::less<>>
      requests_;                                           // GUARDED_BY(mutex_)
  std::map<std::string, Histogram, std::less<>> latency_;  // GUARDED_BY(mutex_)
};

}  // namespace cabildo::api
