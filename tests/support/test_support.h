// Helpers for integration tests: the real PostgreSQL/Redis that scripts/test
// starts, a throwaway database per test, and a raw HTTP/1.1 client that can
// also send what a well-behaved client never would.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cabildo/core/config.h"

namespace cabildo::testing {

// The value of an environment variable scripts/test exports. Fails the test
// (never skips) when it is missing: integration tests need the real services.
std::string RequiredEnv(const char* name);

// A fresh database, migrated with the repository's migrations, dropped at the end.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& app_url() const { return app_url_; }
  const std::string& owner_url() const { return owner_url_; }
  // A Config pointing at this database, the test Redis and an ephemeral port.
  core::Config MakeConfig() const;

 private:
  std::string name_;
  std::string app_url_;
  std::string owner_url_;
};

// The text of the repository's tenants/durango.json (the first instance's
// tenant file), which most integration tests load into their database.
std::string DurangoTenantFile();

// libpq connection string `url` with its database replaced by `dbname`.
std::string WithDatabase(const std::string& url, const std::string& dbname);

struct HttpResult {
  int status = 0;                              // 0: no (parseable) response
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // decoded when the response was chunked
  std::string raw;
  // Transfer-Encoding: chunked: how many chunks came, and whether the final
  // (empty) chunk did, i.e. the server says the body is complete.
  bool chunked = false;
  size_t chunks = 0;
  bool complete = false;
  std::string Header(const std::string& lower_name) const;
};

// One TCP connection to 127.0.0.1:port, kept open across requests.
class HttpConnection {
 public:
  // `receive_buffer` > 0: a small fixed SO_RCVBUF, set before connecting (no
  // autotuning), so a client that reads slowly makes the server wait.
  explicit HttpConnection(uint16_t port, int receive_buffer = 0);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool SendRaw(const std::string& bytes);
  // Reads one response (headers + a Content-Length or chunked body) or times
  // out; a chunked body cut short comes back with complete == false.
  // `answer_to_head`: the request was a HEAD, so no body follows the headers.
  HttpResult Read(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                  bool answer_to_head = false);
  // Reads until at least `bytes` more have arrived (kept for Read); false on
  // timeout or close.
  bool ReadSome(size_t bytes, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // True when the server closed the connection (read returns 0) within `timeout`.
  bool ClosedByPeer(std::chrono::milliseconds timeout);

 private:
  // Appends what arrives (up to `at_most` bytes) before `deadline` to buffer_.
  bool Fill(std::chrono::steady_clock::time_point deadline, size_t at_most);

  int fd_ = -1;
  std::string buffer_;
};

// One request on a new connection (no Connection header unless given).
HttpResult HttpRequest(uint16_t port, const std::string& method, const std::string& path,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {});

// A loopback TCP port nothing listens on right now (for a `cabildo serve`
// child process; the kernel may hand it out again, so use it at once).
uint16_t FreeLoopbackPort();

}  // namespace cabildo::testing
