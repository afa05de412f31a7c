// The HTTP layer against Pistache's measured traps (stack-notes.md), through
// real sockets on an in-process server with a few test-only routes.
#include <future>
#include <thread>

#include <gtest/gtest.h>

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
    router.Add(Method::kGet, "/test/slow", [](Request&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      return Response::Json(200, {{"slow", true}});
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

  testing::TestDatabase database_;
  std::unique_ptr<api::App> app_;
  uint16_t port_ = 0;
};

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

}  // namespace
}  // namespace cabildo
