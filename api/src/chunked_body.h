// The body of a streamed response (an export, a download) on a Pistache
// connection: the ChunkedBody a handler writes to from its worker thread
// (Request::open_stream), chunk-framed for HTTP/1.1 or ending at the close
// for HTTP/1.0, with backpressure and a stall limit. See chunked_body.cc.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <pistache/http.h>

#include "cabildo/api/http.h"

namespace cabildo::api {

// The client address and port a socket is connected to, as raw sockaddr
// bytes ("" when it is not connected). Pistache can close a connection's fd
// while its Peer object lives on, and the number may then be reused by a new
// connection: comparing this before acting on a Peer's fd tells them apart.
std::string RemoteOf(int fd);

// A streamed body on a Pistache connection, written from a worker thread.
// Everything, the head included, goes through Peer::send: its promise
// resolves once the bytes are in the kernel's socket buffer, and waiting for
// it is the backpressure (at most kMaxInFlight writes wait in Pistache's
// queue). Pistache's own ResponseStream is unusable here: its flush() drops
// that promise and drains the reactor's write queue from the calling thread,
// which races the reactor ("could not find write data" aborts the process).
class PistacheChunkedBody final : public ChunkedBody {
 public:
  // `chunked`: HTTP/1.1 chunk framing; otherwise the body ends when the
  // connection closes. `on_end` runs once: when Finish begins sending the
  // end of the body, or when the body is destroyed.
  PistacheChunkedBody(std::shared_ptr<Pistache::Http::ResponseWriter> writer, bool keep_alive,
                      bool chunked, std::function<void()> on_end);
  PistacheChunkedBody(const PistacheChunkedBody&) = delete;
  PistacheChunkedBody& operator=(const PistacheChunkedBody&) = delete;
  ~PistacheChunkedBody() override;

  // Sends the response's status line and headers; remembers which client
  // the connection belongs to.
  bool SendHead(std::string head);

  bool Write(std::string_view bytes) override;
  void Finish() override;
  void Abort() override;

 private:
  struct Pending;

  bool Send(std::string frame);
  bool Drain();
  bool WaitOldest();
  bool PeerGone() const;
  void Close();
  void EndOnce();  // runs on_end_ the first time only

  static constexpr size_t kMaxInFlight = 2;
  // A phone on a poor connection still reads a 64 KiB chunk well within this.
  static constexpr std::chrono::seconds kStallLimit{30};
  std::shared_ptr<Pistache::Http::ResponseWriter> writer_;
  const bool keep_alive_;
  const bool chunked_;
  std::function<void()> on_end_;
  std::deque<std::shared_ptr<Pending>> in_flight_;
  std::string remote_;  // the client's sockaddr when the stream began
  bool failed_ = false;
  bool ended_ = false;
};

}  // namespace cabildo::api
