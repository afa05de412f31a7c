// Structured logging: one JSON object per line on stdout. Callers pass fields
// explicitly; never pass passwords, tokens or connection strings.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cabildo::core {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Thread-safe. The level is set once at start-up.
class Logger {
 public:
  static void SetLevel(std::string_view level);
  static bool Enabled(LogLevel level);
  // Writes {"time":..., "level":..., "msg":..., ...fields}.
  static void Log(LogLevel level, std::string_view message,
                  nlohmann::json fields = nlohmann::json::object());
};

inline void LogInfo(std::string_view m, nlohmann::json f = nlohmann::json::object()) {
  Logger::Log(LogLevel::kInfo, m, std::move(f));
}
inline void LogWarn(std::string_view m, nlohmann::json f = nlohmann::json::object()) {
  Logger::Log(LogLevel::kWarn, m, std::move(f));
}
inline void LogError(std::string_view m, nlohmann::json f = nlohmann::json::object()) {
  Logger::Log(LogLevel::kError, m, std::move(f));
}

// While it lives, every line this thread logs carries "request_id": `id`
// (unless the line names one itself), so an error logged deep inside a
// request (the database pool, Redis) can be traced to it. `id` must outlive it.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(const std::string& id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  const std::string* previous_;
};

// RFC 3339 UTC with milliseconds, e.g. 2026-11-22T04:20:00.123Z.
std::string NowRfc3339();

}  // namespace cabildo::core
