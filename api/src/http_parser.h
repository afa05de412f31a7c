// The request parser of every connection: Pistache's own, with each of its
// steps guarded (http_parser.cc) so that no parse failure escapes as
// Pistache's plain-text 400/500 (whose body is the exception text); instead
// the request is marked rejected (rejection()) and the dispatcher answers it
// as a problem document. Before Pistache parses anything, the whole head is
// checked by InspectRequestHead (request_head.h). The parser also remembers
// what the dispatcher needs to know about the connection: a pipelined request
// that came along (more_followed), and whether any request was answered (for
// the access-log line of Pistache's silent 408).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include <pistache/http.h>

namespace cabildo::api {

// Why a request was refused before it reached the router.
struct Rejection {
  int status = 400;
  std::string detail;
};

// What a connection's parser needs to know to log the 408 Pistache sends.
struct TimeoutLog {
  std::chrono::milliseconds header_timeout;
  std::chrono::milliseconds body_timeout;
  std::string remote;  // the TCP peer
};

class GuardedRequestParser final : public Pistache::Http::RequestParser {
 public:
  GuardedRequestParser(std::size_t max_request_bytes, std::size_t max_body_bytes,
                       TimeoutLog timeout_log);
  GuardedRequestParser(const GuardedRequestParser&) = delete;
  GuardedRequestParser& operator=(const GuardedRequestParser&) = delete;

  // Pistache answers a connection whose first request did not arrive in time
  // with its own 408 and closes it, telling the handler nothing (its timer
  // closes only connections with no answered request; later ones just time
  // out idle). The end of the connection, here, is the one place left to see
  // it: the access log gets its line.
  ~GuardedRequestParser() override;

  void reset() override;

  void Reject(int status, std::string detail) { rejection_ = Rejection{status, std::move(detail)}; }
  const std::optional<Rejection>& rejection() const { return rejection_; }
  // After a rejection the connection is closing: whatever else arrives (the
  // rest of an oversized body) is dropped unparsed.
  void DiscardRest() { discarding_ = true; }
  bool discarding() const { return discarding_; }
  std::size_t max_body_bytes() const { return max_body_bytes_; }

  // Checks the head once it has fully arrived; false while Pistache must not
  // parse yet (incomplete, or rejected).
  bool HeadAccepted(const Pistache::StreamCursor& cursor);

  // The detail of a 413.
  std::string TooLarge() const;

  // A request of this connection reached the dispatcher (answered or about
  // to be): Pistache no longer times the connection out with a 408.
  void MarkAnswered() { answered_any_ = true; }

  // Bytes beyond this request came with it: a pipelined request, which
  // Pistache would drop (#1034). The connection closes after this answer.
  void MarkMoreFollowed() { more_followed_ = true; }
  bool more_followed() const { return more_followed_; }

 private:
  std::size_t max_body_bytes_;
  std::optional<Rejection> rejection_;
  bool discarding_ = false;
  bool head_checked_ = false;
  std::size_t head_scanned_ = 0;
  bool more_followed_ = false;
  bool answered_any_ = false;
  TimeoutLog timeout_log_;
};

}  // namespace cabildo::api
