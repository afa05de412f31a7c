// The HTTP layer against Pistache's measured traps (stack-notes.md), through
// real sockets on an in-process server with a few test-only routes.
#include <atomic>
#include <functional>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/api/app.h"
#include "cabildo/api/problem.h"

#include "test_support.h"

namespace cabildo {
namespace {

using api::Method;
using api::Request;
using api::Response;
using nlohmann::json;
using testing::HttpConnection;
using testing::HttpRequest;

class HttpLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core::Config config = database_.MakeConfig();
    config.max_body_bytes = 256 * 1024;
    app_ = std::make_unique<api::App>(config);
    auto& router = app_->router();
    router.Add(Method::kPost, "/test/echo", [](Request& request) {
      auto body = api::ParseJsonBody(request);
      if (!body.ok()) return api::ProblemFromStatus(body.status(), request.request_id);
      return Response::Json(200, {{"size", request.body.size()}, {"echo", *body}});
    });
    router.Add(Method::kGet, "/test/throw",
               [](Request&) -> Response { throw std::runtime_error("secret internal detail"); });
    // Logs an error through the database pool without naming the request.
    router.Add(Method::kGet, "/test/sql-error", [this](Request& request) {
      Status status = app_->context().db.InTransaction([](pqxx::transaction_base& work) {
        work.exec("SELECT * FROM core.no_such_table");
        return OkStatus();
      });
      return api::ProblemFromStatus(status, request.request_id);
    });
    router.Add(Method::kGet, "/test/tenant/{tenant}/thing", [](Request&) {
      return Response::Json(200, {{"ok", true}});
    });
    router.Add(Method::kDelete, "/test/empty", [](Request&) { return Response::Empty(204); });
    router.Add(Method::kGet, "/test/slow", [](Request&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      return Response::Json(200, {{"slow", true}});
    });
    // Streams `chunks` chunks of 64 KiB (the letters a..z in turn), or stops
    // after `fail_after` as a producer hitting an error does; `stream_` shows
    // the test how far it got.
    router.Add(Method::kGet, "/test/stream", [this](Request& request) {
      const int chunks = std::stoi(request.Query("chunks").value_or("3"));
      const int fail_after = std::stoi(request.Query("fail_after").value_or("-1"));
      const int pause_ms = std::stoi(request.Query("pause_ms").value_or("0"));
      Response head = Response::Text(200, "", "text/plain; charset=utf-8");
      std::unique_ptr<api::ChunkedBody> body = request.open_stream(head);
      if (!body) return api::Problem(503, "Demasiadas descargas.", request.request_id);
      stream_.started = true;
      bool client_gone = false;
      for (int i = 0; i < chunks && !client_gone; ++i) {
        if (i == fail_after) {
          body->Abort();
          break;
        }
        if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
        client_gone = !body->Write(std::string(64 * 1024, static_cast<char>('a' + i % 26)));
        if (!client_gone) stream_.chunks_written = i + 1;
      }
      stream_.client_gone = client_gone;
      if (!client_gone && fail_after < 0) body->Finish();
      stream_.done = true;
      head.streamed = true;
      return head;
    });
    ASSERT_TRUE(app_->Start().ok());
    port_ = app_->Port();
    ASSERT_NE(port_, 0);
  }

  static void ExpectProblem(const testing::HttpResult& result, int status) {
    EXPECT_EQ(result.status, status) << result.raw;
    EXPECT_EQ(result.Header("content-type"), "application/problem+json") << result.raw;
    auto body = json::parse(result.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << result.raw;
    EXPECT_EQ(body["status"], status);
    EXPECT_TRUE(body["type"].get<std::string>().rfind("https://cabildo.mx/problems/", 0) == 0);
    EXPECT_FALSE(body["title"].get<std::string>().empty());
    EXPECT_EQ(body["request_id"], result.Header("x-request-id"));
  }

  // Waits up to `timeout` for `condition`.
  static bool Eventually(const std::function<bool()>& condition,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  struct StreamProgress {
    std::atomic<bool> started{false};
    std::atomic<int> chunks_written{0};
    std::atomic<bool> client_gone{false};
    std::atomic<bool> done{false};
  };

  testing::TestDatabase database_;
  std::unique_ptr<api::App> app_;
  uint16_t port_ = 0;
  StreamProgress stream_;
  std::atomic<int> slow_writes_{0};
};

// The JSON log lines in `output` whose "msg" is `message`.
std::vector<json> LogLines(const std::string& output, const std::string& message) {
  std::vector<json> lines;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    auto line = json::parse(output.substr(start, end - start), nullptr, false);
    if (line.is_object() && line.value("msg", "") == message) lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

TEST_F(HttpLayerTest, HealthzAnswersWithARequestId) {
  auto result = HttpRequest(port_, "GET", "/healthz");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(json::parse(result.body), json({{"status", "ok"}}));
  EXPECT_EQ(result.Header("x-request-id").size(), 16u);
  EXPECT_EQ(result.Header("content-type"), "application/json");
}

TEST_F(HttpLayerTest, AClientRequestIdIsKeptAndABadOneReplaced) {
  auto kept = HttpRequest(port_, "GET", "/healthz", "", {{"X-Request-Id", "movil-abc.123"}});
  EXPECT_EQ(kept.Header("x-request-id"), "movil-abc.123");
  auto replaced = HttpRequest(port_, "GET", "/healthz", "", {{"X-Request-Id", "a b\"<script>"}});
  EXPECT_EQ(replaced.Header("x-request-id").size(), 16u);
}

// Trap: with no Connection header Pistache answers `Connection: Close` and
// leaves the socket open. We answer keep-alive, and the socket really serves
// a second request.
TEST_F(HttpLayerTest, KeepAliveIsTheDefaultForHttp11) {
  HttpConnection connection(port_);
  ASSERT_TRUE(connection.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = connection.Read();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.Header("connection"), "Keep-Alive");
  ASSERT_TRUE(connection.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto second = connection.Read();
  EXPECT_EQ(second.status, 200);
}

// HEAD, 204 and 304 answers carry no body. On a kept-alive connection a
// stray body would be read as the start of the next answer, so each case is
// followed by a GET on the same connection that must parse whole.
TEST_F(HttpLayerTest, HeadAnswersTheLengthOfItsGetAndNoBodyOnAKeptAliveConnection) {
  HttpConnection connection(port_);
  auto next_get_is_whole = [&connection] {
    EXPECT_TRUE(connection.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto health = connection.Read();
    EXPECT_EQ(health.status, 200) << health.raw;
    EXPECT_TRUE(json::parse(health.body, nullptr, false).is_object()) << health.raw;
  };
  ASSERT_TRUE(connection.SendRaw("GET /test/tenant/x/thing HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto get = connection.Read();
  ASSERT_EQ(get.status, 200);
  ASSERT_FALSE(get.body.empty());

  ASSERT_TRUE(connection.SendRaw("HEAD /test/tenant/x/thing HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = connection.Read(std::chrono::seconds(10), /*answer_to_head=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), std::to_string(get.body.size()));
  EXPECT_EQ(head.Header("etag"), get.Header("etag"));
  next_get_is_whole();

  // An error answered by a worker (no such route): its problem's length, no body.
  ASSERT_TRUE(connection.SendRaw("HEAD /no/such/route HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto missing = connection.Read(std::chrono::seconds(10), /*answer_to_head=*/true);
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.Header("content-length"), "0");
  next_get_is_whole();

  // A streamed GET: its HEAD has no length to give and sends no chunk.
  ASSERT_TRUE(connection.SendRaw("HEAD /test/stream?chunks=2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto stream = connection.Read(std::chrono::seconds(10), /*answer_to_head=*/true);
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.Header("content-length"), "");
  EXPECT_EQ(stream.Header("transfer-encoding"), "");
  next_get_is_whole();
  EXPECT_EQ(stream_.chunks_written.load(), 0);  // the producer stopped at its first chunk
}

TEST_F(HttpLayerTest, NoContentAndNotModifiedCarryNoContentLength) {
  HttpConnection connection(port_);
  ASSERT_TRUE(connection.SendRaw("DELETE /test/empty HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto empty = connection.Read();
  EXPECT_EQ(empty.status, 204);
  EXPECT_EQ(empty.raw.find("Content-Length"), std::string::npos) << empty.raw;

  ASSERT_TRUE(connection.SendRaw("GET /test/tenant/x/thing HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string etag = connection.Read().Header("etag");
  ASSERT_FALSE(etag.empty());
  ASSERT_TRUE(connection.SendRaw(
      "GET /test/tenant/x/thing HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag + "\r\n\r\n"));
  auto not_modified = connection.Read();
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(not_modified.raw.find("Content-Length"), std::string::npos) << not_modified.raw;

  ASSERT_TRUE(connection.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto health = connection.Read();
  EXPECT_EQ(health.status, 200);
  EXPECT_TRUE(json::parse(health.body, nullptr, false).is_object()) << health.raw;
}

TEST_F(HttpLayerTest, ConnectionCloseIsHonouredAndTheSocketClosed) {
  HttpConnection connection(port_);
  ASSERT_TRUE(connection.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto result = connection.Read();
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.Header("connection"), "Close");
  EXPECT_TRUE(connection.ClosedByPeer(std::chrono::seconds(12)));
}

TEST_F(HttpLayerTest, Http10ClosesUnlessAskedToKeepAlive) {
  HttpConnection connection(port_);
  ASSERT_TRUE(connection.SendRaw("GET /healthz HTTP/1.0\r\n\r\n"));
  EXPECT_EQ(connection.Read().Header("connection"), "Close");
  EXPECT_TRUE(connection.ClosedByPeer(std::chrono::seconds(12)));
}

// Trap: Pistache's default request limit is 4 KB. Bodies up to
// CABILDO_MAX_BODY_BYTES must get through.
TEST_F(HttpLayerTest, BodiesLargerThanPistachesDefaultAreAccepted) {
  std::string big = json({{"text", std::string(200 * 1024, 'x')}}).dump();
  auto result = HttpRequest(port_, "POST", "/test/echo", big);
  EXPECT_EQ(result.status, 200) << result.body.substr(0, 200);
  EXPECT_EQ(json::parse(result.body)["size"], big.size());
}

TEST_F(HttpLayerTest, BodyOverTheLimitIs413AndTheConnectionCloses) {
  std::string huge(300 * 1024, 'x');
  HttpConnection connection(port_);
  connection.SendRaw(
      "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(huge.size()) + "\r\n\r\n" + huge);
  auto result = connection.Read();
  ExpectProblem(result, 413);
  EXPECT_TRUE(connection.ClosedByPeer(std::chrono::seconds(12)));
}

// Trap: Pistache reserves the claimed Content-Length before its limit applies.
TEST_F(HttpLayerTest, AbsurdContentLengthsAreRefusedBeforeAnyAllocation) {
  for (const char* length : {"1000000000", "107374182400", "99999999999999999999999"}) {
    HttpConnection connection(port_);
    connection.SendRaw(std::string("POST /test/echo HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Type: application/json\r\nContent-Length: ") +
                       length + "\r\n\r\n{}");
    auto result = connection.Read(std::chrono::seconds(5));
    ExpectProblem(result, 413);
  }
  for (const char* length : {"-5", "abc", "1e3"}) {
    HttpConnection connection(port_);
    connection.SendRaw(std::string("POST /test/echo HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Type: application/json\r\nContent-Length: ") +
                       length + "\r\n\r\n{}");
    auto result = connection.Read(std::chrono::seconds(5));
    EXPECT_GE(result.status, 400) << length;
    EXPECT_LT(result.status, 500) << length << " " << result.raw;
  }
  EXPECT_EQ(HttpRequest(port_, "GET", "/healthz").status, 200);  // still alive
}

TEST_F(HttpLayerTest, ChunkedBodiesAreRefusedWith411) {
  HttpConnection connection(port_);
  connection.SendRaw(
      "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n-5\r\nabc\r\n0\r\n\r\n");
  ExpectProblem(connection.Read(), 411);
}

// Trap: an exception escaping a handler became a 500 whose body was the
// exception text.
TEST_F(HttpLayerTest, AThrowingHandlerGivesAProblemWithoutTheExceptionText) {
  auto result = HttpRequest(port_, "GET", "/test/throw");
  ExpectProblem(result, 500);
  EXPECT_EQ(result.body.find("secret internal detail"), std::string::npos);
}

TEST_F(HttpLayerTest, UnknownRouteIs404Problem) {
  ExpectProblem(HttpRequest(port_, "GET", "/v1/nada"), 404);
}

TEST_F(HttpLayerTest, WrongMethodIs405WithAllow) {
  auto result = HttpRequest(port_, "DELETE", "/healthz");
  ExpectProblem(result, 405);
  EXPECT_EQ(result.Header("allow"), "GET");
}

TEST_F(HttpLayerTest, MalformedJsonIs400) {
  auto result = HttpRequest(port_, "POST", "/test/echo", "{\"a\": ");
  ExpectProblem(result, 400);
  EXPECT_NE(json::parse(result.body)["detail"].get<std::string>().find("JSON"), std::string::npos);
}

TEST_F(HttpLayerTest, WrongContentTypeIs415) {
  ExpectProblem(HttpRequest(port_, "POST", "/test/echo", "a=1",
                            {{"Content-Type", "application/x-www-form-urlencoded"}}),
                415);
  EXPECT_EQ(HttpRequest(port_, "POST", "/test/echo", "{}",
                        {{"Content-Type", "application/merge-patch+json; charset=utf-8"}})
                .status,
            200);
}

// Trap: malformed requests got no answer until Pistache's 60 s header timeout.
TEST_F(HttpLayerTest, MalformedRequestsAreAnsweredQuickly) {
  for (const char* raw :
       {"GARBAGE\r\n\r\n", "GET /healthz\r\n\r\n", "GET /healthz HTTP/1.1\nHost: x\n\n",
        "BREW /pot HTTP/1.1\r\n\r\n", "GET /healthz HTTP/1.1\r\nno-colon-here\r\n\r\n"}) {
    const auto started = std::chrono::steady_clock::now();
    HttpConnection connection(port_);
    connection.SendRaw(raw);
    auto result = connection.Read(std::chrono::seconds(10));
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_GE(result.status, 400) << raw;
    EXPECT_LT(result.status, 500) << raw << result.raw;
    // Pistache's default would be 60 s; ours is a 5 s header timeout (slack for a loaded CI).
    EXPECT_LT(elapsed, std::chrono::seconds(15)) << raw;
  }
}

// Trap: a blocking handler froze every connection of its reactor thread.
TEST_F(HttpLayerTest, SlowHandlersDoNotFreezeOtherConnections) {
  std::vector<std::future<int>> slow;
  for (int i = 0; i < 4; ++i) {
    slow.push_back(std::async(std::launch::async,
                              [this] { return HttpRequest(port_, "GET", "/test/slow").status; }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (int i = 0; i < 5; ++i) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(HttpRequest(port_, "GET", "/healthz").status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
  }
  for (auto& f : slow) EXPECT_EQ(f.get(), 200);
}

// Trap: Pistache has no drain; a request in flight at shutdown got no answer.
TEST_F(HttpLayerTest, ShutdownLetsInFlightRequestsFinishAndReadinessDrainsFirst) {
  auto in_flight =
      std::async(std::launch::async, [this] { return HttpRequest(port_, "GET", "/test/slow"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto stopping = std::async(std::launch::async, [this] {
    app_->Stop(std::chrono::milliseconds(300), std::chrono::seconds(5));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto readiness = HttpRequest(port_, "GET", "/readyz");
  EXPECT_EQ(readiness.status, 503);
  EXPECT_EQ(json::parse(readiness.body)["status"], "draining");
  EXPECT_EQ(in_flight.get().status, 200);
  stopping.get();
}

std::string Letters(int chunks) {
  std::string expected;
  for (int i = 0; i < chunks; ++i) expected.append(64 * 1024, static_cast<char>('a' + i % 26));
  return expected;
}

TEST_F(HttpLayerTest, AStreamedBodyIsSentInChunksAndTheConnectionStaysUsable) {
  HttpConnection connection(port_);
  ASSERT_TRUE(connection.SendRaw("GET /test/stream?chunks=5 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto result = connection.Read();
  EXPECT_EQ(result.status, 200);
  EXPECT_TRUE(result.chunked) << result.raw;
  EXPECT_EQ(result.Header("content-length"), "");
  EXPECT_EQ(result.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(result.Header("x-request-id").size(), 16u);
  EXPECT_EQ(result.chunks, 5u);
  EXPECT_TRUE(result.complete);
  EXPECT_TRUE(result.body == Letters(5)) << result.body.size();
  // Keep-alive: the same socket answers the next request.
  ASSERT_TRUE(connection.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(connection.Read().status, 200);
  auto metrics = HttpRequest(port_, "GET", "/metrics");
  EXPECT_NE(metrics.body.find(R"(route="/test/stream",method="GET",status="200"} 1)"),
            std::string::npos);
}

// Trap: Pistache counts its header timeout (5 s here) from the end of the
// last request until it sees the response sent through ResponseWriter; a
// response written any other way (the reactor's own sendmsg, a stream) got
// an unsolicited 408 written into the idle connection, or into the stream.
TEST_F(HttpLayerTest, NoUnsolicited408AfterAFastResponseOrDuringALongStream) {
  auto idle = std::async(std::launch::async, [this] {
    HttpConnection connection(port_);
    connection.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");  // reactor fast path
    EXPECT_EQ(connection.Read().status, 200);
    EXPECT_FALSE(connection.ReadSome(1, std::chrono::milliseconds(6500)))
        << "bytes nobody asked for";
    connection.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(connection.Read().status, 200);
  });
  HttpConnection connection(port_);
  ASSERT_TRUE(connection.SendRaw(
      "GET /test/stream?chunks=4&pause_ms=2200 HTTP/1.1\r\nHost: x\r\n\r\n"));  // 6.6 s
  auto result = connection.Read(std::chrono::seconds(20));
  EXPECT_TRUE(result.complete);
  EXPECT_TRUE(result.body == Letters(4)) << result.body.size();
  idle.get();
}

// HTTP/1.0 has no chunks: the streamed body ends when the server closes.
TEST_F(HttpLayerTest, AStreamToAnHttp10ClientEndsWithTheConnection) {
  HttpConnection connection(port_);
  ASSERT_TRUE(connection.SendRaw("GET /test/stream?chunks=3 HTTP/1.0\r\n\r\n"));
  auto result = connection.Read();
  EXPECT_EQ(result.status, 200);
  EXPECT_FALSE(result.chunked) << result.raw.substr(0, 300);
  EXPECT_EQ(result.Header("connection"), "Close");
  EXPECT_TRUE(result.body == Letters(3)) << result.body.size();
}

// A producer that fails after the head is out cannot send a problem any more:
// the body stops without its final chunk, so no client takes it as complete.
TEST_F(HttpLayerTest, AFailedStreamIsCutShortNeverCompleted) {
  HttpConnection connection(port_);
  ASSERT_TRUE(
      connection.SendRaw("GET /test/stream?chunks=5&fail_after=2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto result = connection.Read(std::chrono::seconds(5));
  EXPECT_EQ(result.status, 200);
  EXPECT_TRUE(result.chunked);
  EXPECT_FALSE(result.complete);
  EXPECT_LE(result.body.size(), Letters(2).size());
  EXPECT_TRUE(connection.ClosedByPeer(std::chrono::seconds(2)));
}

// The backpressure: a client that stops reading holds the producer back
// (Pistache's own ResponseStream would have queued all 64 MiB in memory).
TEST_F(HttpLayerTest, AClientThatStopsReadingHoldsTheProducerBack) {
  HttpConnection connection(port_, 64 * 1024);
  ASSERT_TRUE(connection.SendRaw("GET /test/stream?chunks=1024 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(connection.ReadSome(1));  // the head is out: the producer runs
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // At most the kernel's socket buffers (a few MiB) plus two chunks in flight.
  EXPECT_LT(stream_.chunks_written.load(), 128) << "64 KiB chunks written while nobody read";
  EXPECT_FALSE(stream_.done.load());
  auto result = connection.Read(std::chrono::seconds(60));  // now read it all
  EXPECT_TRUE(result.complete);
  EXPECT_EQ(result.body.size(), 1024u * 64 * 1024);
  EXPECT_TRUE(result.body == Letters(1024));
}

TEST_F(HttpLayerTest, AClientThatLeavesStopsTheProducer) {
  {
    HttpConnection connection(port_, 64 * 1024);
    ASSERT_TRUE(connection.SendRaw("GET /test/stream?chunks=4096 HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(connection.ReadSome(1));
  }  // closed without reading the 256 MiB
  ASSERT_TRUE(Eventually([this] { return stream_.done.load(); }));
  EXPECT_TRUE(stream_.client_gone.load());
  EXPECT_LT(stream_.chunks_written.load(), 4096);
  EXPECT_EQ(HttpRequest(port_, "GET", "/healthz").status, 200);
}

// Each stream holds a worker for as long as its client reads: a quarter of
// the workers (2 of 8) at most, so downloads never starve other requests.
TEST_F(HttpLayerTest, StreamsBeyondTheLimitGet503AndOthersStillWork) {
  std::vector<std::unique_ptr<HttpConnection>> readers;
  for (int i = 0; i < 2; ++i) {
    readers.push_back(std::make_unique<HttpConnection>(port_, 64 * 1024));
    ASSERT_TRUE(
        readers.back()->SendRaw("GET /test/stream?chunks=1024 HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(readers.back()->ReadSome(1));
  }
  auto refused = HttpRequest(port_, "GET", "/test/stream?chunks=1");
  ExpectProblem(refused, 503);
  EXPECT_EQ(HttpRequest(port_, "GET", "/healthz").status, 200);
  readers.clear();  // both leave; their slots come back
  ASSERT_TRUE(Eventually([this] {
    auto retry = HttpRequest(port_, "GET", "/test/stream?chunks=1");
    return retry.status == 200 && retry.complete;
  }));
}

TEST_F(HttpLayerTest, MetricsCountRequestsByRouteTemplate) {
  HttpRequest(port_, "GET", "/healthz");
  HttpRequest(port_, "GET", "/v1/tenants/durango");
  HttpRequest(port_, "GET", "/no/such/route");
  auto metrics = HttpRequest(port_, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(
                R"(cabildo_http_requests_total{route="/healthz",method="GET",status="200"} 1)"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find(R"(route="/v1/tenants/{tenant}",method="GET",status="404")"),
            std::string::npos);
  EXPECT_NE(metrics.body.find(R"(route="unmatched",method="GET",status="404")"), std::string::npos);
  EXPECT_NE(metrics.body.find("cabildo_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("cabildo_db_pool_size 8"), std::string::npos);
  EXPECT_NE(metrics.body.find("cabildo_db_pool_in_use"), std::string::npos);
}

// Issue 15 item 5: Pistache's header timeout stayed armed while a worker ran
// the handler, so a write slower than it was answered 408 and then committed
// (a client retry would write twice).
TEST_F(HttpLayerTest, AWriteSlowerThanTheHeaderTimeoutGetsItsAnswerNotA408) {
  app_.reset();
  core::Config config = database_.MakeConfig();
  config.header_timeout = std::chrono::milliseconds(1000);
  app_ = std::make_unique<api::App>(config);
  // A write that outlasts the header timeout.
  app_->router().Add(Method::kPost, "/test/slow-write", [this](Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    ++slow_writes_;
    return Response::Json(201, {{"written", true}});
  });
  ASSERT_TRUE(app_->Start().ok());
  HttpConnection connection(app_->Port());
  ASSERT_TRUE(connection.SendRaw(
      "POST /test/slow-write HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n\r\n{}"));
  auto result = connection.Read(std::chrono::seconds(10));
  EXPECT_EQ(result.status, 201) << result.raw;
  EXPECT_EQ(slow_writes_.load(), 1);
  // The connection stays usable: no 408 was written into it meanwhile.
  ASSERT_TRUE(connection.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(connection.Read().status, 200);
  EXPECT_EQ(slow_writes_.load(), 1);
}

// Issue 15 item 9, RFC 9112 §6.3: with two different lengths Pistache took
// the first and read the rest of the body as the next request.
TEST_F(HttpLayerTest, ConflictingContentLengthsAre400AndIdenticalOnesAccepted) {
  HttpConnection conflicting(port_);
  conflicting.SendRaw(
      "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}");
  auto result = conflicting.Read(std::chrono::seconds(5));
  ExpectProblem(result, 400);
  EXPECT_NE(result.body.find("Content-Length"), std::string::npos) << result.body;
  EXPECT_TRUE(conflicting.ClosedByPeer(std::chrono::seconds(5)));

  HttpConnection identical(port_);
  identical.SendRaw(
      "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(identical.Read(std::chrono::seconds(5)).status, 200);
}

// Whitespace before the colon: Pistache saw an unknown field and no body, so
// the body became a request of its own (smuggling).
TEST_F(HttpLayerTest, AFieldNameWithSpaceBeforeTheColonIs400) {
  HttpConnection connection(port_);
  connection.SendRaw(
      "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length : 36\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ExpectProblem(connection.Read(std::chrono::seconds(5)), 400);
  EXPECT_TRUE(connection.ClosedByPeer(std::chrono::seconds(5)));
}

// Issue 15 item 9 (Pistache #1034): the second of two requests sent in one
// write was dropped and the client waited forever. Now it gets the first
// answer and then the end of the connection.
TEST_F(HttpLayerTest, PipelinedRequestsGetTheFirstAnswerThenTheConnectionCloses) {
  for (const char* path : {"/healthz", "/test/slow"}) {  // the reactor's fast path, a worker
    HttpConnection connection(port_);
    const std::string request = std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_TRUE(connection.SendRaw(request + request));
    auto first = connection.Read(std::chrono::seconds(5));
    EXPECT_EQ(first.status, 200) << path;
    EXPECT_EQ(first.Header("connection"), "Close") << path;
    EXPECT_TRUE(connection.ClosedByPeer(std::chrono::seconds(5))) << path;
  }
  // A request whose next one starts in the same packet as its body.
  HttpConnection connection(port_);
  ASSERT_TRUE(
      connection.SendRaw("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         "Content-Length: 2\r\n\r\n{}GET /hea"));
  EXPECT_EQ(connection.Read(std::chrono::seconds(5)).status, 200);
  EXPECT_TRUE(connection.ClosedByPeer(std::chrono::seconds(5)));
}

// Issue 15 item 9: browsers must not guess a type for our JSON, and no cache
// may keep an answer given to a signed-in caller or an error.
TEST_F(HttpLayerTest, EveryAnswerSaysNosniffAndPersonalOnesNoStore) {
  auto fast = HttpRequest(port_, "GET", "/healthz");
  EXPECT_EQ(fast.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(fast.Header("cache-control"), "");  // anonymous and public: left to revalidation

  auto signed_in = HttpRequest(port_, "GET", "/healthz", "", {{"Authorization", "Bearer abc"}});
  EXPECT_EQ(signed_in.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(signed_in.Header("cache-control"), "no-store");

  auto worker = HttpRequest(port_, "POST", "/test/echo", "{}",
                            {{"Content-Type", "application/json"}, {"Authorization", "Bearer x"}});
  EXPECT_EQ(worker.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(worker.Header("cache-control"), "no-store");

  auto missing = HttpRequest(port_, "GET", "/v1/nada");
  EXPECT_EQ(missing.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(missing.Header("cache-control"), "no-store");

  HttpConnection rejected(port_);
  rejected.SendRaw("GARBAGE\r\n\r\n");
  auto garbage = rejected.Read(std::chrono::seconds(10));
  EXPECT_EQ(garbage.Header("x-content-type-options"), "nosniff") << garbage.raw;

  HttpConnection streamed(port_);
  streamed.SendRaw(
      "GET /test/stream?chunks=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer y\r\n\r\n");
  auto stream = streamed.Read();
  EXPECT_TRUE(stream.complete);
  EXPECT_EQ(stream.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(stream.Header("cache-control"), "no-store");
}

// Issue 15 item 9: an error logged inside a request (here by the database
// pool, which knows nothing of requests) names the request.
TEST_F(HttpLayerTest, AnErrorLoggedDuringARequestCarriesItsRequestId) {
  ::testing::internal::CaptureStdout();
  auto result = HttpRequest(port_, "GET", "/test/sql-error", "", {{"X-Request-Id", "sql-err-1"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string output = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(result.status, 500);
  auto lines = LogLines(output, "error de SQL");
  ASSERT_EQ(lines.size(), 1u) << output;
  EXPECT_EQ(lines[0].value("request_id", ""), "sql-err-1") << lines[0];
}

// Issue 15 item 11: the access log names the tenant, and 405 and queue-full
// 503 answers have their line.
TEST_F(HttpLayerTest, TheAccessLogNamesTheTenantAndLogs405) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(HttpRequest(port_, "GET", "/test/tenant/durango/thing").status, 200);
  EXPECT_EQ(HttpRequest(port_, "GET", "/healthz", "", {{"X-Request-Id", "sin-inquilino"}}).status,
            200);
  HttpConnection unknown_method(port_);
  unknown_method.SendRaw("TRACE /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: metodo-raro\r\n\r\n");
  auto refused = unknown_method.Read(std::chrono::seconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string output = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(refused.status, 405) << refused.raw;
  auto lines = LogLines(output, "request");
  bool tenant_line = false;
  bool method_line = false;
  for (const auto& line : lines) {
    if (line.value("route", "") == "/test/tenant/{tenant}/thing") {
      tenant_line = true;
      EXPECT_EQ(line.value("tenant", ""), "durango") << line;
    }
    if (line.value("request_id", "") == "sin-inquilino") {
      EXPECT_FALSE(line.contains("tenant"));
    }
    if (line.value("request_id", "") == "metodo-raro") {
      method_line = true;
      EXPECT_EQ(line.value("status", 0), 405) << line;
    }
  }
  EXPECT_TRUE(tenant_line) << output;
  EXPECT_TRUE(method_line) << output;
}

// Issue 15 item 11: a request that never finished arriving got Pistache's
// 408 and no access log line.
TEST_F(HttpLayerTest, ARequestThatTimesOutHasAnAccessLogLine) {
  app_.reset();
  core::Config config = database_.MakeConfig();
  config.header_timeout = std::chrono::milliseconds(1000);
  app_ = std::make_unique<api::App>(config);
  ASSERT_TRUE(app_->Start().ok());
  ::testing::internal::CaptureStdout();
  HttpConnection connection(app_->Port());
  connection.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finished
  auto result = connection.Read(std::chrono::seconds(10));
  EXPECT_TRUE(connection.ClosedByPeer(std::chrono::seconds(5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string output = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(result.status, 408) << result.raw;
  bool logged = false;
  for (const auto& line : LogLines(output, "request")) logged |= line.value("status", 0) == 408;
  EXPECT_TRUE(logged) << output;
}

}  // namespace
}  // namespace cabildo
