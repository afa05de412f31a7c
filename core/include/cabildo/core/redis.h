// Redis over hiredis. Redis is optional for Cabildo: every caller must work
// (perhaps slower, or with a weaker per-process fallback) when this returns
// kUnavailable. A circuit breaker makes a sick Redis cost nothing: after a
// failure, requests' calls fail fast for a short cool-down instead of waiting
// on timeouts. A background caller still tries during the cool-down, and any
// answer from Redis closes the circuit again: a Redis that stalled for 300 ms
// (a loaded host) costs those 300 ms, not the whole cool-down.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cabildo/core/status.h"

struct redisContext;

namespace cabildo::core {

struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string str;  // kString and kStatus
  int64_t integer = 0;
  std::vector<RedisReply> elements;
};

// Where and as whom to connect, parsed from CABILDO_REDIS_URL:
//   redis://[[user]:password@]host[:port][/db]
//   unix:///path/to/redis.sock[?db=N&password=...&user=...]
// (user and password percent-decoded). With a password the client sends AUTH
// (AUTH user password with a user: a Redis 6 ACL) and with db > 0 SELECT, on
// every new connection.
struct RedisEndpoint {
  std::string host;  // empty for a unix socket
  int port = 6379;
  std::string socket_path;  // empty for TCP
  std::string user;         // empty: the default user
  std::string password;     // empty: no AUTH
  int db = 0;
};

// InvalidArgument naming what is wrong, never echoing the password.
StatusOr<RedisEndpoint> ParseRedisUrl(const std::string& url);

struct RedisOptions {
  std::string url;  // see RedisEndpoint
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds command_timeout{200};
  std::chrono::milliseconds cool_down{1000};
  int max_idle = 16;
};

// Thread-safe: keeps a small stack of contexts, one in use per thread at a time.
class RedisClient {
 public:
  explicit RedisClient(RedisOptions options);
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;
  ~RedisClient();

  // kRequest: fails fast while the circuit is open. kBackground: a thread no
  // request waits on (the public cache's refresher) tries anyway.
  enum class Caller { kRequest, kBackground };

  // Runs one command (arguments are sent binary-safe, never interpolated).
  StatusOr<RedisReply> Command(const std::vector<std::string>& args,
                               Caller caller = Caller::kRequest);
  // OK, Unavailable (Redis down), or FailedPrecondition when Redis answers
  // but refuses our credentials or database number: a configuration error
  // that start-up reports and readiness shows.
  Status Ping();

 private:
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  using Context = std::unique_ptr<redisContext, ContextDeleter>;

  StatusOr<Context> Checkout(Caller caller);
  void Close();
  void Return(Context context);
  void Trip(const redisContext* failed);

  // Sends AUTH and SELECT as the endpoint asks on a new connection.
  Status Handshake(redisContext* context);

  const RedisOptions options_;
  const StatusOr<RedisEndpoint> endpoint_;
  std::atomic<bool> rejected_{false};  // the last handshake was refused (AUTH or SELECT)
  std::mutex mutex_;
  std::vector<Context> idle_;              // GUARDED_BY(mutex_)
  std::atomic<int64_t> open_after_ns_{0};  // circuit open until this steady-clock time; 0: closed
};

}  // namespace cabildo::core
