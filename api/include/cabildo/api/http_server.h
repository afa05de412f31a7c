// The HTTP server: Pistache for the network, our own guards around its
// measured traps (stack-notes.md), and a worker pool for blocking handlers.
//
//   reactor thread (Pistache)          worker thread (ours)
//   parse (guarded) → copy request ──▶ route → handler → problem mapping
//   → queue                             → send (ResponseWriter moved here)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "cabildo/api/metrics.h"
#include "cabildo/api/router.h"
#include "cabildo/core/config.h"
#include "cabildo/core/status.h"

namespace cabildo::api {

struct ServerOptions {
  core::ListenAddress listen;
  int threads = 2;  // reactor threads: network I/O only, never blocked by handlers
  int workers = 8;  // handler threads: may block on PostgreSQL/Redis
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_queued = 4096;  // beyond this, answer 503 at once instead of queueing
  // A request whose headers do not arrive in time (or are unparseable by
  // Pistache) gets 408 here instead of after Pistache's 60 s default.
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds body_timeout{60000};  // slow phones upload slowly
  // Proxies whose X-Forwarded-For / Forwarded name the client
  // (Request::remote_address); empty: the TCP peer is the client.
  std::vector<core::Cidr> trusted_proxies;
};

class HttpServer {
 public:
  // `router` and `metrics` must outlive the server.
  HttpServer(ServerOptions options, const Router& router, Metrics& metrics);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // Binds and starts serving on background threads.
  Status Start();
  // The bound port (useful with port 0 in tests).
  uint16_t Port() const;
  // Requests accepted but not yet answered.
  int InFlight() const;
  // Waits up to `grace` for in-flight requests, then stops the listener and
  // the workers. Call after readiness went to 503 and the drain period passed.
  void Shutdown(std::chrono::milliseconds grace);

  class Dispatcher;  // implementation detail, shared with Pistache's handler clones

 private:
  ServerOptions options_;
  std::shared_ptr<Dispatcher> dispatcher_;
  struct EndpointHolder;
  std::unique_ptr<EndpointHolder> endpoint_;
};

}  // namespace cabildo::api
