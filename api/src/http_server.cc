#include "cabildo/api/http_server.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <sodium.h>

#include "cabildo/api/problem.h"
#include "cabildo/core/log.h"

#include "client_address.h"
#include "request_head.h"
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace cabildo::api {
namespace {

using namespace Pistache;  // NOLINT(google-build-using-namespace): Pistache's names are long

// Why a request was refused before it reached the router.
struct Rejection {
  int status = 400;
  std::string detail;
};

class GuardedRequestParser;

// Wraps one of Pistache's parsing steps so that no parse failure escapes as
// Pistache's plain-text 400/500 (whose body is the exception text); instead the
// request is marked rejected and answered as a problem document by onRequest.
// Before Pistache parses anything, the whole head is checked by
// InspectRequestHead (request_head.h): framing Pistache gets wrong (duplicate
// Content-Length, whitespace before a colon, bare LF) never reaches it, and a
// Content-Length that is not a number, or exceeds the body limit, is refused
// before anything is allocated: Pistache would `reserve()` whatever the client
// claims (stack-notes.md).
template <typename Step>
class GuardedStep final : public Step {
 public:
  GuardedStep(GuardedRequestParser* parser, Http::Request* request)
      : Step(request), parser_(parser) {}

  Http::Private::State apply(StreamCursor& cursor) override;

 private:
  GuardedRequestParser* parser_;
};

// What a connection's parser needs to know to log the 408 Pistache sends.
struct TimeoutLog {
  std::chrono::milliseconds header_timeout;
  std::chrono::milliseconds body_timeout;
  std::string remote;  // the TCP peer
};

class GuardedRequestParser final : public Http::RequestParser {
 public:
  GuardedRequestParser(std::size_t max_request_bytes, std::size_t max_body_bytes,
                       TimeoutLog timeout_log)
      : Http::RequestParser(max_request_bytes),
        max_body_bytes_(max_body_bytes),
        timeout_log_(std::move(timeout_log)) {
    allSteps[0] = std::make_unique<GuardedStep<Http::Private::RequestLineStep>>(this, &request);
    allSteps[1] = std::make_unique<GuardedStep<Http::Private::HeadersStep>>(this, &request);
    allSteps[2] = std::make_unique<GuardedStep<Http::Private::BodyStep>>(this, &request);
  }
  GuardedRequestParser(const GuardedRequestParser&) = delete;
  GuardedRequestParser& operator=(const GuardedRequestParser&) = delete;

  // Pistache answers a connection whose first request did not arrive in time
  // with its own 408 and closes it, telling the handler nothing (its timer
  // closes only connections with no answered request; later ones just time
  // out idle). The end of the connection, here, is the one place left to see
  // it: the access log gets its line.
  ~GuardedRequestParser() override {
    if (answered_any_ || discarding_) return;
    const bool in_body = step()->id() == Http::Private::BodyStep::Id;
    const auto waited = std::chrono::steady_clock::now() - time();
    if (waited < (in_body ? timeout_log_.body_timeout : timeout_log_.header_timeout)) {
      return;  // the client left before the timeout
    }
    try {
      core::LogInfo("request",
                    {{"request_id", "-"},
                     {"method", "-"},
                     {"path", "-"},
                     {"route", "timeout"},
                     {"status", 408},
                     {"duration_ms", std::chrono::duration<double, std::milli>(waited).count()},
                     {"remote", timeout_log_.remote}});
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor never throws
    }
  }

  void reset() override {
    Http::RequestParser::reset();
    rejection_.reset();
    head_checked_ = false;
    head_scanned_ = 0;
    more_followed_ = false;
  }

  void Reject(int status, std::string detail) { rejection_ = Rejection{status, std::move(detail)}; }
  const std::optional<Rejection>& rejection() const { return rejection_; }
  // After a rejection the connection is closing: whatever else arrives (the
  // rest of an oversized body) is dropped unparsed.
  void DiscardRest() { discarding_ = true; }
  bool discarding() const { return discarding_; }
  std::size_t max_body_bytes() const { return max_body_bytes_; }

  // Checks the head once it has fully arrived; false while Pistache must not
  // parse yet (incomplete, or rejected).
  bool HeadAccepted(const StreamCursor& cursor) {
    if (head_checked_) return true;
    // A new request starts at the beginning of the parser's buffer (reset()).
    const std::size_t received = static_cast<std::size_t>(cursor) + cursor.remaining();
    const HeadVerdict verdict = InspectRequestHead(std::string_view(cursor.offset(0), received),
                                                   max_body_bytes_, head_scanned_);
    switch (verdict.kind) {
      case HeadVerdict::Kind::kIncomplete:
        head_scanned_ = received < 3 ? 0 : received - 3;  // the blank line may straddle
        return false;
      case HeadVerdict::Kind::kReject:
        Reject(verdict.status, verdict.status == 413 ? TooLarge() : std::string(verdict.detail));
        return false;
      case HeadVerdict::Kind::kAccept:
        head_checked_ = true;
        return true;
    }
    return false;
  }

  std::string TooLarge() const {
    return "El cuerpo excede el máximo de " + std::to_string(max_body_bytes_) + " bytes.";
  }

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

template <typename Step>
Http::Private::State GuardedStep<Step>::apply(StreamCursor& cursor) {
  using Http::Private::State;
  if (parser_->discarding()) {
    cursor.advance(cursor.remaining());
    return State::Again;
  }
  try {
    if constexpr (std::is_same_v<Step, Http::Private::RequestLineStep>) {
      if (!parser_->HeadAccepted(cursor)) {
        return parser_->rejection() ? State::Done : State::Again;
      }
    }
    const State state = Step::apply(cursor);
    if constexpr (std::is_same_v<Step, Http::Private::BodyStep>) {
      if (state == State::Done && cursor.remaining() > 0) parser_->MarkMoreFollowed();
    }
    return state;
  } catch (const Http::HttpError& error) {
    parser_->Reject(error.code() == 501 ? 400 : error.code(), "Solicitud HTTP mal formada.");
  } catch (const std::out_of_range&) {
    // Pistache's Content-Length parser overflowed: the claimed body is absurdly large.
    parser_->Reject(413, parser_->TooLarge());
  } catch (const std::exception&) {
    parser_->Reject(400, "Solicitud HTTP mal formada.");
  }
  return State::Done;
}

bool IsValidRequestId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  return id.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") ==
         std::string::npos;
}

std::optional<Method> ToMethod(Http::Method method) {
  switch (method) {
    case Http::Method::Get:
      return Method::kGet;
    case Http::Method::Head:
      return Method::kHead;
    case Http::Method::Post:
      return Method::kPost;
    case Http::Method::Put:
      return Method::kPut;
    case Http::Method::Patch:
      return Method::kPatch;
    case Http::Method::Delete:
      return Method::kDelete;
    case Http::Method::Options:
      return Method::kOptions;
    default:
      return std::nullopt;
  }
}

bool IsJsonMediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "application/json" || (type.rfind("application/", 0) == 0 && type.size() > 5 &&
                                        type.compare(type.size() - 5, 5, "+json") == 0);
}

// Decoded path parameters and query values reach SQL as text. PostgreSQL
// answers bytes that are not UTF-8 with an error, and its text stops at a NUL
// (%00), so "licencia%00x" would be searched as "licencia": both are a 400 at
// the door, as are the other control characters (no name, slug, cursor or
// search term holds one).
bool HasControlCharacter(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::optional<std::string> InvalidUtf8Part(const Request& request, const Router::Match& match) {
  for (const auto& [name, value] : match.params) {
    if (!IsValidUtf8(value)) return "La ruta contiene bytes que no son UTF-8 válido.";
    if (HasControlCharacter(value)) return "La ruta contiene caracteres de control.";
  }
  for (const auto& [name, value] : request.query) {
    if (!IsValidUtf8(name) || !IsValidUtf8(value)) {
      return "El parámetro de consulta no es UTF-8 válido.";
    }
    if (HasControlCharacter(name) || HasControlCharacter(value)) {
      return "El parámetro de consulta contiene caracteres de control.";
    }
  }
  return std::nullopt;
}

// Whether the client wants the connection kept open after this response.
// HTTP/1.1 defaults to keep-alive; Pistache answers `Connection: Close` when
// the header is absent (stack-notes.md), so we decide here.
bool WantsKeepAlive(const Http::Request& request) {
  const auto& raw = request.headers().rawList();
  auto connection = raw.find("Connection");
  std::string value = connection == raw.end() ? "" : connection->second.value();
  for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (request.version() == Http::Version::Http11) return value.find("close") == std::string::npos;
  return value.find("keep-alive") != std::string::npos;
}

// A request id only has to be unique, not secret: a per-thread splitmix64
// sequence from a random seed saves a getrandom(2) call per request.
std::string NewRequestId() {
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    randombytes_buf(&seed, sizeof seed);
    return seed;
  }();
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  char id[17];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(z));
  return id;
}

// The client address and port a socket is connected to, as raw sockaddr
// bytes ("" when it is not connected). Pistache can close a connection's fd
// while its Peer object lives on, and the number may then be reused by a new
// connection: comparing this before acting on a Peer's fd tells them apart.
std::string RemoteOf(int fd) {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) return "";
  return std::string(reinterpret_cast<const char*>(&address), size);
}

// The status line and headers of every response we send, written here and
// nowhere else (Pistache's own `addRaw` headers are silently dropped, #967),
// then `framing` (a Content-Length or Transfer-Encoding line, or nothing for a
// body that ends when the connection closes). The rules every answer follows
// live here too: `X-Content-Type-Options: nosniff` always, and
// `Cache-Control: no-store` unless the handler chose a Cache-Control itself,
// when the answer is personal (see IsPersonal) or an error.
std::string ResponseHead(const Response& response, const std::string& request_id, bool keep_alive,
                         bool personal, const std::string& framing) {
  std::string head;
  head.reserve(256);
  head.append("HTTP/1.1 ")
      .append(std::to_string(response.status))
      .append(" ")
      .append(Http::codeString(static_cast<Http::Code>(response.status)))
      .append("\r\n");
  auto add = [&head](const std::string& name, const std::string& value) {
    head.append(name).append(": ").append(value).append("\r\n");
  };
  add("Connection", keep_alive ? "Keep-Alive" : "Close");
  add("X-Request-Id", request_id);
  add("X-Content-Type-Options", "nosniff");
  if (!response.content_type.empty()) add("Content-Type", response.content_type);
  bool cache_control = false;
  for (const auto& [name, value] : response.headers) {
    add(name, value);
    cache_control =
        cache_control || (name.size() == 13 && strcasecmp(name.c_str(), "Cache-Control") == 0);
  }
  if (!cache_control && (personal || response.status >= 400)) add("Cache-Control", "no-store");
  if (!framing.empty()) head.append(framing).append("\r\n");
  return head.append("\r\n");
}

// A streamed response's head: a chunked body (HTTP/1.1), or one that ends
// when the connection closes (HTTP/1.0 has no chunks).
std::string StreamHead(const Response& response, const std::string& request_id, bool keep_alive,
                       bool personal, bool chunked) {
  return chunked ? ResponseHead(response, request_id, keep_alive, personal,
                                "Transfer-Encoding: chunked")
                 : ResponseHead(response, request_id, false, personal, "");
}

// Whether an answer to `request` is meant for its caller alone: it carried
// credentials, or it is a write. Such answers must not be kept by a shared
// or browser cache; anonymous reads (the public lists) are left to ETag
// revalidation.
bool IsPersonal(const Request& request) {
  return (request.method != Method::kGet && request.method != Method::kHead) ||
         request.headers.count("authorization") != 0 || request.headers.count("cookie") != 0;
}

// A streamed body on a Pistache connection, written from a worker thread.
// Everything, the head included, goes through Peer::send: its promise
// resolves once the bytes are in the kernel's socket buffer, and waiting for
// it is the backpressure (at most kMaxInFlight writes wait in Pistache's
// queue). Pistache's own ResponseStream is unusable here: its flush() drops
// that promise and drains the reactor's write queue from the calling thread,
// which races the reactor ("could not find write data" aborts the process).
class PistacheChunkedBody final : public ChunkedBody {
 public:
  PistacheChunkedBody(std::shared_ptr<Http::ResponseWriter> writer, bool keep_alive, bool chunked,
                      std::function<void()> on_end)
      : writer_(std::move(writer)),
        keep_alive_(keep_alive && chunked),
        chunked_(chunked),
        on_end_(std::move(on_end)) {}
  PistacheChunkedBody(const PistacheChunkedBody&) = delete;
  PistacheChunkedBody& operator=(const PistacheChunkedBody&) = delete;
  ~PistacheChunkedBody() override {
    if (!ended_) Abort();  // a producer that never said it finished did not
    on_end_();
  }

  bool SendHead(std::string head) {
    if (auto peer = writer_->getPeer()) remote_ = RemoteOf(peer->fd());
    return Send(std::move(head));
  }

  bool Write(std::string_view bytes) override {
    if (failed_ || ended_) return false;
    if (bytes.empty()) return true;  // an empty chunk would end the body
    if (!chunked_) return Send(std::string(bytes));
    char size_line[24];
    const int length = std::snprintf(size_line, sizeof size_line, "%zx\r\n", bytes.size());
    std::string frame;
    frame.reserve(static_cast<size_t>(length) + bytes.size() + 2);
    frame.append(size_line, static_cast<size_t>(length)).append(bytes).append("\r\n");
    return Send(std::move(frame));
  }

  void Finish() override {
    if (ended_) return;
    ended_ = true;
    if (failed_ || (chunked_ && !Send("0\r\n\r\n")) || !Drain()) return Close();
    if (!keep_alive_) Close();  // written: now the announced close
  }

  void Abort() override {
    ended_ = true;
    Close();
  }

 private:
  struct Pending {
    enum class State { kWaiting, kWritten, kFailed };
    std::mutex mutex;
    std::condition_variable done;
    State state = State::kWaiting;  // GUARDED_BY(mutex)
    void Set(State to) {
      {
        std::lock_guard lock(mutex);
        state = to;
      }
      done.notify_all();
    }
  };

  bool Send(std::string frame) {
    if (remote_.empty() || PeerGone()) return failed_ = true, false;
    auto peer = writer_->getPeer();
    if (!peer) return failed_ = true, false;
    auto pending = std::make_shared<Pending>();
    try {
      const size_t size = frame.size();
      peer->send(RawBuffer(std::move(frame), size))
          .then([pending](ssize_t) { pending->Set(Pending::State::kWritten); },
                [pending](std::exception_ptr&) { pending->Set(Pending::State::kFailed); });
    } catch (const std::exception&) {
      return failed_ = true, false;
    }
    in_flight_.push_back(std::move(pending));
    while (in_flight_.size() > kMaxInFlight) {
      if (!WaitOldest()) return failed_ = true, false;
    }
    return true;
  }

  bool Drain() {
    while (!in_flight_.empty()) {
      if (!WaitOldest()) return failed_ = true, false;
    }
    return true;
  }

  // Waits for the oldest chunk to reach the kernel. Gives up when the client
  // disconnected (Pistache then drops queued writes without settling their
  // promises) or has read nothing for kStallLimit.
  bool WaitOldest() {
    std::shared_ptr<Pending> pending = std::move(in_flight_.front());
    in_flight_.pop_front();
    const auto give_up = std::chrono::steady_clock::now() + kStallLimit;
    std::unique_lock lock(pending->mutex);
    while (pending->state == Pending::State::kWaiting) {
      pending->done.wait_for(lock, std::chrono::milliseconds(200));
      if (pending->state != Pending::State::kWaiting) break;
      if (PeerGone() || std::chrono::steady_clock::now() > give_up) return false;
    }
    return pending->state == Pending::State::kWritten;
  }

  // Whether the client is gone. Pistache does not always say so: it may
  // drop a failed write without settling its promise, and it closes the fd
  // on disconnection while something else still holds the Peer (so its fd()
  // can name a closed descriptor, or a new connection that reused the number).
  // The socket is asked directly, and must still be connected to the same
  // client address and port as when the stream began.
  bool PeerGone() const {
    auto peer = writer_->getPeer();
    if (!peer) return true;
    pollfd state{peer->fd(), 0, 0};
    if (::poll(&state, 1, 0) > 0 && (state.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
      return true;
    }
    return RemoteOf(peer->fd()) != remote_;
  }

  // shutdown, not close: the fd stays Pistache's until it sees the hang-up.
  void Close() {
    if (PeerGone()) return;  // never shut down a connection that reused the fd
    if (auto peer = writer_->getPeer()) ::shutdown(peer->fd(), SHUT_RDWR);
  }

  static constexpr size_t kMaxInFlight = 2;
  // A phone on a poor connection still reads a 64 KiB chunk well within this.
  static constexpr std::chrono::seconds kStallLimit{30};
  std::shared_ptr<Http::ResponseWriter> writer_;
  const bool keep_alive_;
  const bool chunked_;
  std::function<void()> on_end_;
  std::deque<std::shared_ptr<Pending>> in_flight_;
  std::string remote_;  // the client's sockaddr when the stream began
  bool failed_ = false;
  bool ended_ = false;
};

}  // namespace

// Shared by every Pistache handler clone (one per reactor thread).
class HttpServer::Dispatcher {
 public:
  Dispatcher(const ServerOptions& options, const Router& router, Metrics& metrics)
      : options_(options), router_(router), metrics_(metrics) {
    for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkLoop(); });
    closer_ = std::thread([this] { CloseLoop(); });
  }

  ~Dispatcher() { StopWorkers(); }

  void StopWorkers() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    work_ready_.notify_all();
    closer_wake_.notify_all();
    for (auto& worker : workers_) worker.join();
    closer_.join();
  }

  // Reactor thread: copy what the handler needs and hand it to a worker.
  void Accept(const Http::Request& raw_request, Http::ResponseWriter writer,
              GuardedRequestParser& parser) {
    const auto started = std::chrono::steady_clock::now();
    parser.MarkAnswered();
    Request request;
    request.request_id = NewRequestId();
    if (auto id = raw_request.headers().rawList().find("X-Request-Id");
        id != raw_request.headers().rawList().end() && IsValidRequestId(id->second.value())) {
      request.request_id = id->second.value();
    }
    request.remote_address = RemoteAddress(raw_request);
    // A request that arrived with the start of another (pipelining) is
    // answered, then the connection closes: Pistache would drop the other
    // one silently (#1034) and its client would wait forever.
    const bool keep_alive =
        WantsKeepAlive(raw_request) && !parser.rejection() && !parser.more_followed();
    if (parser.more_followed()) parser.DiscardRest();  // whatever else arrives is not parsed

    if (parser.rejection()) {
      // The rest of this connection's bytes are unreliable: answer and close.
      parser.DiscardRest();
      Respond(writer,
              Problem(parser.rejection()->status, parser.rejection()->detail, request.request_id),
              request.request_id, /*keep_alive=*/false, /*personal=*/true);
      LogAccess(request, "-", "rejected", parser.rejection()->status, started);
      return;
    }

    auto method = ToMethod(raw_request.method());
    request.path = raw_request.resource();
    for (const auto& [key, value] : raw_request.headers().rawList()) {
      std::string name = key;
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers[name] = value.value();
    }
    for (auto it = raw_request.query().parameters_begin();
         it != raw_request.query().parameters_end(); ++it) {
      request.query.emplace_back(PercentDecode(it->first, true), PercentDecode(it->second, true));
    }
    request.body = raw_request.body();
    if (!method) {
      Respond(writer, Problem(405, "Método HTTP no admitido.", request.request_id),
              request.request_id, keep_alive, /*personal=*/true);
      LogAccess(request, Http::methodString(raw_request.method()), kUnmatched, 405, started);
      return;
    }
    request.method = *method;

    auto match = router_.Find(request.method, request.path);
    if (auto bad = InvalidUtf8Part(request, match)) {
      Complete(request, writer, Problem(400, *bad, request.request_id), keep_alive, started);
      return;
    }
    if (match.fast != nullptr) {
      // Answered from memory on this reactor thread: no hand-off to a worker.
      request.route = match.route;
      request.path_params = match.params;
      std::optional<Response> fast;
      try {
        core::ScopedRequestId logged_as(request.request_id);
        fast = (*match.fast)(request);
      } catch (...) {
        fast.reset();  // the worker runs the full handler and reports what went wrong
      }
      if (fast) {
        Complete(request, writer, Finish(request, std::move(*fast)), keep_alive, started,
                 /*on_reactor=*/true);
        return;
      }
    }

    const bool chunked = raw_request.version() == Http::Version::Http11;
    auto shared_writer = std::make_shared<Http::ResponseWriter>(std::move(writer));
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || queue_.size() >= options_.max_queued) {
        Response busy =
            Problem(503, "El servidor está saturado; intente de nuevo.", request.request_id);
        busy.headers.emplace_back("Retry-After", "1");
        Respond(*shared_writer, busy, request.request_id, false, /*personal=*/true);
        request.path_params = match.params;  // for the tenant in the access log
        LogAccess(request, MethodName(request.method),
                  match.route.empty() ? kUnmatched : match.route, 503, started);
        return;
      }
      // The whole request has arrived: tell Pistache the connection has none
      // pending, as ResponseWriter::send would. Otherwise its header timeout
      // keeps counting while the worker runs, and a handler slower than it
      // gets a 408 while its transaction still commits (a retry would write
      // twice). The answer is due from the worker now, however long it takes.
      if (auto peer = shared_writer->getPeer()) peer->setIdle(true);
      ++in_flight_;
      queue_.push_back([this, request = std::move(request), match = std::move(match), shared_writer,
                        keep_alive, chunked, started]() mutable {
        core::ScopedRequestId logged_as(request.request_id);
        request.open_stream = [this, shared_writer, keep_alive, chunked,
                               personal = IsPersonal(request),
                               id = request.request_id](const Response& head) {
          return OpenStream(shared_writer, head, id, keep_alive, personal, chunked);
        };
        Response response = Handle(request, std::move(match));
        Complete(request, *shared_writer, response, keep_alive, started);
        --in_flight_;
      });
    }
    work_ready_.notify_one();
  }

  // Worker thread: run the matched route, and never let an exception out.
  Response Handle(Request& request, Router::Match match) {
    if (match.kind == Router::Match::Kind::kNotFound) {
      return Problem(404, "No existe la ruta " + request.path + ".", request.request_id);
    }
    if (match.kind == Router::Match::Kind::kMethodNotAllowed) {
      Response response =
          Problem(405, std::string("La ruta no admite ") + MethodName(request.method) + ".",
                  request.request_id);
      std::string allow;
      for (auto method : match.allowed)
        allow += (allow.empty() ? "" : ", ") + std::string(MethodName(method));
      response.headers.emplace_back("Allow", allow);
      return response;
    }
    request.route = match.route;
    request.path_params = std::move(match.params);
    const bool has_body = request.method == Method::kPost || request.method == Method::kPut ||
                          request.method == Method::kPatch;
    if (has_body && !request.body.empty() &&
        !IsJsonMediaType(request.Header("content-type").value_or(""))) {
      return Problem(415, "Envíe el cuerpo como application/json.", request.request_id);
    }
    try {
      return Finish(request, (*match.handler)(request));
    } catch (const std::exception& error) {
      core::LogError(
          "excepción no controlada en un manejador",
          {{"request_id", request.request_id}, {"route", request.route}, {"error", error.what()}});
    } catch (...) {
      core::LogError("excepción no controlada en un manejador",
                     {{"request_id", request.request_id}, {"route", request.route}});
    }
    return Problem(500, "Ocurrió un error interno; se registró con este request_id.",
                   request.request_id);
  }

  // What every handler's answer gets: every successful GET carries a strong
  // ETag of its body, so phones revalidate with If-None-Match and get an
  // empty 304; HEAD drops the body.
  static Response Finish(const Request& request, Response response) {
    if (response.streamed) return response;  // its head, ETag included, is already sent
    if ((request.method == Method::kGet || request.method == Method::kHead) &&
        response.status == 200) {
      std::string etag = response.etag.empty() ? StrongEtag(response.Body()) : response.etag;
      if (auto not_modified = NotModified(request, etag)) return *not_modified;
      response.headers.emplace_back("ETag", std::move(etag));
    }
    if (request.method == Method::kHead) {
      response.body.clear();
      response.shared_body.reset();
    }
    return response;
  }

  // `on_reactor`: called on the connection's reactor thread, which may then
  // write the response itself (see Respond).
  void Complete(const Request& request, Http::ResponseWriter& writer, const Response& response,
                bool keep_alive, std::chrono::steady_clock::time_point started,
                bool on_reactor = false) {
    const std::string& route = request.route.empty() ? kUnmatched : request.route;
    // Recorded before sending, so a client's next request sees it counted.
    metrics_.ObserveRequest(
        route, request.method, response.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!response.streamed) {
      Respond(writer, response, request.request_id, keep_alive, IsPersonal(request), on_reactor);
    }
    LogAccess(request, MethodName(request.method), route, response.status, started);
  }

  // Sends the head of a chunked response; nullptr when kMaxStreams
  // downloads are already running (each holds a worker and a database
  // connection for as long as the client takes to read it).
  std::unique_ptr<ChunkedBody> OpenStream(const std::shared_ptr<Http::ResponseWriter>& writer,
                                          const Response& head, const std::string& request_id,
                                          bool keep_alive, bool personal, bool chunked) {
    if (open_streams_.fetch_add(1) >= MaxStreams()) {
      --open_streams_;
      return nullptr;
    }
    // As ResponseWriter::send would: no request is pending on the connection
    // any more, or Pistache writes a 408 into the stream once the header
    // timeout has passed.
    if (auto peer = writer->getPeer()) peer->setIdle(true);
    auto body = std::make_unique<PistacheChunkedBody>(writer, keep_alive, chunked,
                                                      [this] { --open_streams_; });
    // If the client already left, the body's first Write fails and the producer stops.
    body->SendHead(StreamHead(head, request_id, keep_alive, personal, chunked));
    return body;
  }

  // Pistache announces Connection: Close but never closes; we do, once
  // written. Pistache's promise can miss a `then` attached while the reactor
  // resolves it, so a delayed close backs it up.
  void CloseWhenSent(const std::shared_ptr<Tcp::Peer>& peer, Async::Promise<ssize_t> sent) {
    const int fd = peer->fd();
    sent.then([fd](ssize_t) { ::shutdown(fd, SHUT_RDWR); }, Async::IgnoreException);
    std::lock_guard lock(mutex_);
    closing_.push_back({peer, RemoteOf(fd), std::chrono::steady_clock::now() + kCloseFallback});
  }

  // Sends a whole response: the head serialised once, here (ResponseHead),
  // then through Pistache's write queue, which any thread may use. On the
  // connection's reactor thread (`on_reactor`) one sendmsg(2) writes it
  // directly instead, saving the queue's eventfd wake-up, two epoll_ctl and
  // another epoll_wait round; that is safe only there, since the reactor is the
  // one thread that closes the fd and nothing else is queued for it (the client
  // sent this request after reading the previous response; no pipelining).
  // What the kernel does not take at once goes through the queue, after it.
  void Respond(Http::ResponseWriter& writer, const Response& response,
               const std::string& request_id, bool keep_alive, bool personal,
               bool on_reactor = false) {
    std::shared_ptr<Tcp::Peer> peer = writer.getPeer();
    if (!peer) return;  // the client went away; nothing left to answer
    // As ResponseWriter::send does: the connection has no request pending any
    // more. Otherwise Pistache's header timeout counts on from the end of
    // this request and writes an unsolicited 408 into the idle connection.
    peer->setIdle(true);
    const std::string& body = response.Body();
    const std::string head = ResponseHead(response, request_id, keep_alive, personal,
                                          "Content-Length: " + std::to_string(body.size()));
    size_t done = 0;
    if (on_reactor) {
      iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                        {const_cast<char*>(body.data()), body.size()}};
      msghdr message{};
      message.msg_iov = parts;
      message.msg_iovlen = body.empty() ? 1 : 2;
      const ssize_t sent = ::sendmsg(peer->fd(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return;  // the client is gone
      done = sent < 0 ? 0 : static_cast<size_t>(sent);
      if (done == head.size() + body.size()) {
        if (!keep_alive) ::shutdown(peer->fd(), SHUT_RDWR);
        return;
      }
    }
    std::string rest =
        done < head.size() ? head.substr(done) + body : body.substr(done - head.size());
    const size_t size = rest.size();
    try {
      auto queued = peer->send(RawBuffer(std::move(rest), size));
      if (!keep_alive) CloseWhenSent(peer, std::move(queued));
    } catch (const std::exception& error) {
      core::Logger::Log(core::LogLevel::kDebug, "respuesta no enviada",
                        {{"request_id", request_id}, {"error", error.what()}});
    }
  }

  int InFlight() const { return in_flight_.load(); }
  // Concurrent streamed downloads: a quarter of the workers, so exports
  // never starve the ordinary requests.
  int MaxStreams() const { return std::max(1, options_.workers / 4); }

 private:
  void WorkLoop() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job();
    }
  }

  // Shuts down connections whose close may have been missed (see Respond),
  // only while the fd is still connected to the same client (see RemoteOf).
  void CloseLoop() {
    while (true) {
      std::vector<PendingClose> due;
      {
        std::unique_lock lock(mutex_);
        closer_wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; });
        if (stopping_) return;
        const auto now = std::chrono::steady_clock::now();
        std::erase_if(closing_, [&](const PendingClose& pending) {
          if (pending.deadline > now) return false;
          due.push_back(pending);
          return true;
        });
      }
      for (const auto& pending : due) {
        auto peer = pending.peer.lock();
        if (peer && !pending.remote.empty() && RemoteOf(peer->fd()) == pending.remote) {
          ::shutdown(peer->fd(), SHUT_RDWR);
        }
      }
    }
  }

  // The client's address: the TCP peer, or behind a trusted proxy the
  // client it names (client_address.h). With no proxy configured, no header
  // is even looked up.
  std::string RemoteAddress(const Http::Request& raw_request) const {
    if (options_.trusted_proxies.empty()) return raw_request.address().host();
    const auto& raw = raw_request.headers().rawList();
    // Raw::value() returns a copy: keep it, not a view of it.
    auto header = [&raw](const char* name) -> std::string {
      auto it = raw.find(name);
      return it == raw.end() ? std::string() : it->second.value();
    };
    return ClientAddress(raw_request.address().host(), options_.trusted_proxies,
                         header("X-Forwarded-For"), header("Forwarded"));
  }

  void LogAccess(const Request& request, std::string_view method, const std::string& route,
                 int status, std::chrono::steady_clock::time_point started) {
    if (!core::Logger::Enabled(core::LogLevel::kInfo)) return;  // skip building the line
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    nlohmann::json fields = {{"request_id", request.request_id},
                             {"method", method},
                             {"path", request.path},
                             {"route", route},
                             {"status", status},
                             {"duration_ms", ms},
                             {"remote", request.remote_address}};
    // Which state or municipality the request was about, when its route names one.
    if (auto tenant = request.path_params.find("tenant"); tenant != request.path_params.end()) {
      fields["tenant"] = tenant->second;
    }
    core::LogInfo("request", std::move(fields));
  }

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
    std::weak_ptr<Tcp::Peer> peer;
    std::string remote;  // RemoteOf(fd) when the response was sent
    std::chrono::steady_clock::time_point deadline;
  };
  std::vector<PendingClose> closing_;    // GUARDED_BY(mutex_)
  std::condition_variable closer_wake_;  // its own: a job's notify_one must reach a worker
  std::thread closer_;
};

namespace {

class PistacheHandler final : public Http::Handler {
 public:
  HTTP_PROTOTYPE(PistacheHandler)

  PistacheHandler(std::shared_ptr<HttpServer::Dispatcher> dispatcher, const ServerOptions& options)
      : dispatcher_(std::move(dispatcher)),
        max_body_bytes_(options.max_body_bytes),
        header_timeout_(options.header_timeout),
        body_timeout_(options.body_timeout) {}

  void onRequest(const Http::Request& request, Http::ResponseWriter writer) override {
    auto parser = std::static_pointer_cast<GuardedRequestParser>(getParser(writer.peer()));
    dispatcher_->Accept(request, std::move(writer), *parser);
  }

  void onTimeout(const Http::Request& /*request*/, Http::ResponseWriter writer) override {
    dispatcher_->Respond(writer, Problem(408, "La solicitud llegó incompleta a tiempo.", "-"), "-",
                         /*keep_alive=*/false, /*personal=*/true);
  }

 private:
  // Installs our guarded parser in place of Pistache's (its onConnection only
  // does this, with the stock parser).
  void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    peer->putData(ParserData,
                  std::make_shared<GuardedRequestParser>(
                      getMaxRequestSize(), max_body_bytes_,
                      TimeoutLog{header_timeout_, body_timeout_, peer->address().host()}));
  }

  std::shared_ptr<HttpServer::Dispatcher> dispatcher_;
  std::size_t max_body_bytes_;
  std::chrono::milliseconds header_timeout_;
  std::chrono::milliseconds body_timeout_;
};

// Room for the request line and headers on top of the body limit.
constexpr std::size_t kHeaderAllowance = 64 * 1024;

}  // namespace

struct HttpServer::EndpointHolder {
  explicit EndpointHolder(Address address) : endpoint(address) {}
  Http::Endpoint endpoint;
};

HttpServer::HttpServer(ServerOptions options, const Router& router, Metrics& metrics)
    : options_(std::move(options)),
      dispatcher_(std::make_shared<Dispatcher>(options_, router, metrics)) {}

HttpServer::~HttpServer() { Shutdown(std::chrono::milliseconds(0)); }

Status HttpServer::Start() {
  try {
    Address address(options_.listen.host == "localhost" ? "127.0.0.1" : options_.listen.host,
                    Pistache::Port(options_.listen.port));
    endpoint_ = std::make_unique<EndpointHolder>(address);
    auto opts = Http::Endpoint::options()
                    .threads(options_.threads)
                    .flags(Tcp::Options::ReuseAddr)
                    .maxRequestSize(options_.max_body_bytes + kHeaderAllowance)
                    .maxResponseSize(64 * 1024 * 1024)
                    .headerTimeout(options_.header_timeout)
                    .bodyTimeout(options_.body_timeout);
    endpoint_->endpoint.init(opts);
    endpoint_->endpoint.setHandler(std::make_shared<PistacheHandler>(dispatcher_, options_));
    endpoint_->endpoint.serveThreaded();
    return OkStatus();
  } catch (const std::exception& error) {
    endpoint_.reset();
    return UnavailableError("no se pudo escuchar en " + options_.listen.host + ":" +
                            std::to_string(options_.listen.port) + ": " + error.what());
  }
}

uint16_t HttpServer::Port() const {
  return endpoint_ ? static_cast<uint16_t>(endpoint_->endpoint.getPort()) : 0;
}

int HttpServer::InFlight() const { return dispatcher_->InFlight(); }

void HttpServer::Shutdown(std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (dispatcher_->InFlight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Let the last responses leave the reactor's write queue before it stops.
  if (grace.count() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // Workers first: they finish every queued job while the reactor can still
  // write; requests arriving meanwhile get a 503.
  dispatcher_->StopWorkers();
  if (endpoint_) {
    endpoint_->endpoint.shutdown();
    endpoint_.reset();
  }
}

}  // namespace cabildo::api
