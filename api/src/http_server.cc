#include "cabildo/api/http_server.h"

#include <chrono>
#include <memory>
#include <thread>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>

#include "cabildo/api/problem.h"

#include "dispatcher.h"
#include "http_parser.h"

// The server's endpoint and lifecycle: Pistache's endpoint with our guarded
// parser on every connection (http_parser.h) and the dispatcher behind it
// (dispatcher.h), which answers through a worker pool, streamed bodies
// included (chunked_body.h).
namespace cabildo::api {

using namespace Pistache;  // NOLINT(google-build-using-namespace): Pistache's names are long

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
                    // NoDelay (TCP_NODELAY, inherited by every accepted
                    // socket): a streamed export ends with a small chunk
                    // written after the last data chunk; with Nagle it waited
                    // for the client's delayed ACK, 40 ms per export.
                    .flags(Tcp::Options::ReuseAddr | Tcp::Options::NoDelay)
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
