// The dispatcher: what happens to a request once Pistache has parsed it.
// On the reactor thread it copies the request, answers what the parser
// rejected, what the router can answer from memory (Router's fast routes) and
// what arrives when the queue is full (503); everything else goes to a worker
// thread, which runs the route's handler, maps exceptions to a 500, adds the
// ETag/304 and writes the response (or opens a streamed body, chunked_body.h).
// It also owns the worker pool, the delayed closes of answered connections,
// the metrics and the access log of every request.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <pistache/http.h>
#include <pistache/peer.h>

#include "cabildo/api/http.h"
#include "cabildo/api/http_server.h"
#include "cabildo/api/metrics.h"
#include "cabildo/api/router.h"

#include "http_parser.h"

namespace cabildo::api {

// Shared by every Pistache handler clone (one per reactor thread).
class HttpServer::Dispatcher {
 public:
  Dispatcher(const ServerOptions& options, const Router& router, Metrics& metrics);

  ~Dispatcher() { StopWorkers(); }

  // Lets the workers finish every queued job, then stops them and the
  // closer; requests arriving meanwhile get a 503.
  void StopWorkers();

  // Reactor thread: copy what the handler needs and hand it to a worker.
  void Accept(const Pistache::Http::Request& raw_request, Pistache::Http::ResponseWriter writer,
              GuardedRequestParser& parser);

  // Sends a whole response: the head serialised once, here (ResponseHead),
  // then through Pistache's write queue, which any thread may use. On the
  // connection's reactor thread (`on_reactor`) one sendmsg(2) writes it
  // directly instead, saving the queue's eventfd wake-up, two epoll_ctl and
  // another epoll_wait round; that is safe only there, since the reactor is the
  // one thread that closes the fd and nothing else is queued for it (the client
  // sent this request after reading the previous response; no pipelining).
  // What the kernel does not take at once goes through the queue, after it.
  // `head_only`: the answer to a HEAD (headers, Content-Length of the body, no body).
  void Respond(Pistache::Http::ResponseWriter& writer, const Response& response,
               const std::string& request_id, bool keep_alive, bool personal,
               bool on_reactor = false, bool head_only = false);

  // Requests accepted but not yet answered.
  int InFlight() const { return in_flight_.load(); }

 private:
  // Worker thread: run the matched route, and never let an exception out.
  Response Handle(Request& request, Router::Match match);

  // What every handler's answer gets: every successful GET carries a strong
  // ETag of its body, so phones revalidate with If-None-Match and get an
  // empty 304 (Respond leaves out a HEAD's body).
  static Response Finish(const Request& request, Response response);

  // `on_reactor`: called on the connection's reactor thread, which may then
  // write the response itself (see Respond).
  void Complete(const Request& request, Pistache::Http::ResponseWriter& writer,
                const Response& response, bool keep_alive,
                std::chrono::steady_clock::time_point started, bool on_reactor = false);

  // Sends the head of a chunked response; nullptr when kMaxStreams
  // downloads are already running (each holds a worker and a database
  // connection for as long as the client takes to read it). `head_only`
  // (a HEAD): sends the head without framing and returns a body whose first
  // Write says the client is gone, so the producer stops at once.
  std::unique_ptr<ChunkedBody> OpenStream(
      const std::shared_ptr<Pistache::Http::ResponseWriter>& writer, const Response& head,
      const std::string& request_id, bool keep_alive, bool personal, bool chunked, bool head_only);

  // Pistache announces Connection: Close but never closes; we do, once
  // written. Pistache's promise can miss a `then` attached while the reactor
  // resolves it, so a delayed close backs it up.
  void CloseWhenSent(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                     Pistache::Async::Promise<ssize_t> sent);

  // Concurrent streamed downloads: a quarter of the workers, so exports
  // never starve the ordinary requests.
  int MaxStreams() const { return std::max(1, options_.workers / 4); }

  void WorkLoop();

  // Shuts down connections whose close may have been missed (see Respond),
  // only while the fd is still connected to the same client (see RemoteOf).
  void CloseLoop();

  // The client's address: the TCP peer, or behind a trusted proxy the
  // client it names (client_address.h). With no proxy configured, no header
  // is even looked up.
  std::string RemoteAddress(const Pistache::Http::Request& raw_request) const;

  void LogAccess(const Request& request, std::string_view method, const std::string& route,
                 int status, std::chrono::steady_clock::time_point started);

  static inline const std::string kUnmatched = "unmatched";
  const ServerOptions options_;
  const Router& router_;
  Metrics& metrics_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<std::function<void()>> queue_;  // GUARDED_BY(mutex_)
  bool stopping_ = false;                    // GUARDED_BY(mutex_)
  std::atomic<int> in_flight_{0};
  std::atomic<int> open_streams_{0};
  std::vector<std::thread> workers_;
  // Long enough for a large response to a slow phone to finish writing.
  static constexpr std::chrono::seconds kCloseFallback{10};
  struct PendingClose {
    std::weak_ptr<Pistache::Tcp::Peer> peer;
    std::string remote;  // RemoteOf(fd) when the response was sent
    std::chrono::steady_clock::time_point deadline;
  };
  std::vector<PendingClose> closing_;    // GUARDED_BY(mutex_)
  std::condition_variable closer_wake_;  // its own: a job's notify_one must reach a worker
  std::thread closer_;
};

}  // namespace cabildo::api
