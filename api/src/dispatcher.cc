#include "dispatcher.h"

#include <cerrno>
#include <cstdio>
#include <exception>
#include <optional>

#include <sodium.h>

#include "cabildo/api/problem.h"
#include "cabildo/core/log.h"

#include "chunked_body.h"
#include "client_address.h"
#include "form_body.h"
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace cabildo::api {

using namespace Pistache;  // NOLINT(google-build-using-namespace): Pistache's names are long

namespace {

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

// "Application/X-NDJSON ; charset=utf-8" -> "application/x-ndjson".
std::string BareMediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

bool IsJsonMediaType(const std::string& content_type) {
  const std::string type = BareMediaType(content_type);
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

// A route's own error shape (Open311's arrays) for every error it answers,
// the dispatcher's included.
Response Shaped(const Router::Match& match, Response response) {
  if (response.status >= 400 && match.options != nullptr && match.options->shape_errors) {
    return match.options->shape_errors(std::move(response));
  }
  return response;
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

// The body of a streamed answer to a HEAD: nothing is sent, and the first
// Write tells the producer to stop, as if the client had left.
class NoBody final : public ChunkedBody {
 public:
  bool Write(std::string_view) override { return false; }
  void Finish() override {}
  void Abort() override {}
};

// Whether an answer to `request` is meant for its caller alone: it carried
// credentials, or it is a write. Such answers must not be kept by a shared
// or browser cache; anonymous reads (the public lists) are left to ETag
// revalidation.
bool IsPersonal(const Request& request) {
  return (request.method != Method::kGet && request.method != Method::kHead) ||
         request.headers.count("authorization") != 0 || request.headers.count("cookie") != 0;
}

}  // namespace

HttpServer::Dispatcher::Dispatcher(const ServerOptions& options, const Router& router,
                                   Metrics& metrics)
    : options_(options), router_(router), metrics_(metrics) {
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkLoop(); });
  closer_ = std::thread([this] { CloseLoop(); });
}

void HttpServer::Dispatcher::StopWorkers() {
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

void HttpServer::Dispatcher::Accept(const Http::Request& raw_request, Http::ResponseWriter writer,
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
  for (auto it = raw_request.query().parameters_begin(); it != raw_request.query().parameters_end();
       ++it) {
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
    Complete(request, writer, Shaped(match, Problem(400, *bad, request.request_id)), keep_alive,
             started);
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
      Complete(request, writer, Finish(request, Shaped(match, std::move(*fast))), keep_alive,
               started,
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
      Respond(*shared_writer, busy, request.request_id, false, /*personal=*/true,
              /*on_reactor=*/false, /*head_only=*/request.method == Method::kHead);
      request.path_params = match.params;  // for the tenant in the access log
      LogAccess(request, MethodName(request.method), match.route.empty() ? kUnmatched : match.route,
                503, started);
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
                             personal = IsPersonal(request), id = request.request_id,
                             head_only = request.method == Method::kHead](const Response& head) {
        return OpenStream(shared_writer, head, id, keep_alive, personal, chunked, head_only);
      };
      Response response = Handle(request, std::move(match));
      Complete(request, *shared_writer, response, keep_alive, started);
      --in_flight_;
    });
  }
  work_ready_.notify_one();
}

Response HttpServer::Dispatcher::Handle(Request& request, Router::Match match) {
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
    return Shaped(match, std::move(response));
  }
  request.route = match.route;
  request.path_params = std::move(match.params);
  const bool has_body = request.method == Method::kPost || request.method == Method::kPut ||
                        request.method == Method::kPatch;
  const std::string content_type = request.Header("content-type").value_or("");
  const bool form_body = match.options != nullptr && match.options->form_body;
  const bool own_type = match.options != nullptr && !match.options->body_type.empty() &&
                        BareMediaType(content_type) == match.options->body_type;
  if (has_body && !request.body.empty() && !IsJsonMediaType(content_type) &&
      !(form_body && IsFormMediaType(content_type)) && !own_type) {
    return Shaped(match, Problem(415,
                                 form_body ? "Envíe el cuerpo como "
                                             "application/x-www-form-urlencoded o application/json."
                                           : "Envíe el cuerpo como application/json.",
                                 request.request_id));
  }
  try {
    return Finish(request, Shaped(match, (*match.handler)(request)));
  } catch (const std::exception& error) {
    core::LogError(
        "excepción no controlada en un manejador",
        {{"request_id", request.request_id}, {"route", request.route}, {"error", error.what()}});
  } catch (...) {
    core::LogError("excepción no controlada en un manejador",
                   {{"request_id", request.request_id}, {"route", request.route}});
  }
  return Shaped(match, Problem(500, "Ocurrió un error interno; se registró con este request_id.",
                               request.request_id));
}

Response HttpServer::Dispatcher::Finish(const Request& request, Response response) {
  if (response.streamed) return response;  // its head, ETag included, is already sent
  if ((request.method == Method::kGet || request.method == Method::kHead) &&
      response.status == 200) {
    std::string etag = response.etag.empty() ? StrongEtag(response.Body()) : response.etag;
    if (auto not_modified = NotModified(request, etag)) return *not_modified;
    response.headers.emplace_back("ETag", std::move(etag));
  }
  return response;  // a HEAD keeps its body: Respond sends its length, not its bytes
}

void HttpServer::Dispatcher::Complete(const Request& request, Http::ResponseWriter& writer,
                                      const Response& response, bool keep_alive,
                                      std::chrono::steady_clock::time_point started,
                                      bool on_reactor) {
  const std::string& route = request.route.empty() ? kUnmatched : request.route;
  // Recorded before sending, so a client's next request sees it counted.
  metrics_.ObserveRequest(
      route, request.method, response.status,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!response.streamed) {
    Respond(writer, response, request.request_id, keep_alive, IsPersonal(request), on_reactor,
            /*head_only=*/request.method == Method::kHead);
  }
  LogAccess(request, MethodName(request.method), route, response.status, started);
}

std::unique_ptr<ChunkedBody> HttpServer::Dispatcher::OpenStream(
    const std::shared_ptr<Http::ResponseWriter>& writer, const Response& head,
    const std::string& request_id, bool keep_alive, bool personal, bool chunked, bool head_only) {
  if (head_only) {
    Response bodiless = head;
    bodiless.length_unknown = true;
    Respond(*writer, bodiless, request_id, keep_alive, personal, /*on_reactor=*/false,
            /*head_only=*/true);
    return std::make_unique<NoBody>();
  }
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

void HttpServer::Dispatcher::CloseWhenSent(const std::shared_ptr<Tcp::Peer>& peer,
                                           Async::Promise<ssize_t> sent) {
  const int fd = peer->fd();
  sent.then([fd](ssize_t) { ::shutdown(fd, SHUT_RDWR); }, Async::IgnoreException);
  std::lock_guard lock(mutex_);
  closing_.push_back({peer, RemoteOf(fd), std::chrono::steady_clock::now() + kCloseFallback});
}

void HttpServer::Dispatcher::Respond(Http::ResponseWriter& writer, const Response& response,
                                     const std::string& request_id, bool keep_alive, bool personal,
                                     bool on_reactor, bool head_only) {
  std::shared_ptr<Tcp::Peer> peer = writer.getPeer();
  if (!peer) return;  // the client went away; nothing left to answer
  // As ResponseWriter::send does: the connection has no request pending any
  // more. Otherwise Pistache's header timeout counts on from the end of
  // this request and writes an unsolicited 408 into the idle connection.
  peer->setIdle(true);
  // 1xx, 204 and 304 have no body and no Content-Length (RFC 9110, 8.6). A
  // HEAD gets the length its GET would have, and no body: on keep-alive, a
  // body after a HEAD's head would be read as the start of the next response.
  const int status = response.status;
  const bool bodiless = status < 200 || status == 204 || status == 304;
  static const std::string kNoBody;
  std::string framing;
  if (!bodiless && !(head_only && response.length_unknown)) {
    framing = "Content-Length: " + std::to_string(response.Body().size());
  }
  const std::string& body = bodiless || head_only ? kNoBody : response.Body();
  const std::string head = ResponseHead(response, request_id, keep_alive, personal, framing);
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

void HttpServer::Dispatcher::WorkLoop() {
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

void HttpServer::Dispatcher::CloseLoop() {
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

std::string HttpServer::Dispatcher::RemoteAddress(const Http::Request& raw_request) const {
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

void HttpServer::Dispatcher::LogAccess(const Request& request, std::string_view method,
                                       const std::string& route, int status,
                                       std::chrono::steady_clock::time_point started) {
  if (!core::Logger::Enabled(core::LogLevel::kInfo)) return;  // skip building the line
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
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

}  // namespace cabildo::api
