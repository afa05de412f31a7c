#include "cabildo/core/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace cabildo::core {
namespace {

// The only process-wide mutable state here: set once before threads start.
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};  // NOLINT
std::mutex g_write_mutex;                                         // NOLINT
// The request this thread is working on (ScopedRequestId), or nullptr.
thread_local const std::string* t_request_id = nullptr;  // NOLINT

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void Logger::SetLevel(std::string_view level) {
  LogLevel parsed = LogLevel::kInfo;
  if (level == "debug") parsed = LogLevel::kDebug;
  if (level == "warn") parsed = LogLevel::kWarn;
  if (level == "error") parsed = LogLevel::kError;
  g_min_level.store(static_cast<int>(parsed));
}

bool Logger::Enabled(LogLevel level) { return static_cast<int>(level) >= g_min_level.load(); }

void Logger::Log(LogLevel level, std::string_view message, nlohmann::json fields) {
  if (!Enabled(level)) return;
  nlohmann::json line = nlohmann::json::object();
  line["time"] = NowRfc3339();
  line["level"] = LevelName(level);
  line["msg"] = message;
  for (auto& [key, value] : fields.items()) line[key] = std::move(value);
  if (t_request_id != nullptr && !line.contains("request_id")) line["request_id"] = *t_request_id;
  // `replace` keeps a log line valid JSON even if a field holds broken UTF-8.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  std::lock_guard lock(g_write_mutex);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

ScopedRequestId::ScopedRequestId(const std::string& id) : previous_(t_request_id) {
  t_request_id = &id;
}

ScopedRequestId::~ScopedRequestId() { t_request_id = previous_; }

std::string NowRfc3339() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

}  // namespace cabildo::core
