#include "test_support.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/core/crypto.h"
#include "cabildo/core/migrations.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cabildo::testing {

std::string DurangoTenantFile() {
  std::ifstream in(std::string(CABILDO_SOURCE_DIR) + "/tenants/durango.json");
  EXPECT_TRUE(in) << "cannot read tenants/durango.json";
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string RequiredEnv(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << name << " is not set: run integration tests through scripts/test";
    return {};
  }
  return value;
}

std::string WithDatabase(const std::string& url, const std::string& dbname) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string message = error ? error : "?";
    PQfreemem(error);
    ADD_FAILURE() << "bad connection string: " << message;
    return url;
  }
  auto quote = [](const std::string& value) {
    std::string out = "'";
    for (char c : value) {
      if (c == '\'' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out + "'";
  };
  std::string out;
  for (auto* option = options; option->keyword != nullptr; ++option) {
    std::string keyword = option->keyword;
    if (keyword == "dbname") continue;
    if (option->val != nullptr) out += keyword + "=" + quote(option->val) + " ";
  }
  PQconninfoFree(options);
  return out + "dbname=" + quote(dbname);
}

TestDatabase::TestDatabase() {
  core::InitCrypto();
  const std::string admin = RequiredEnv("CABILDO_DATABASE_ADMIN_URL");
  const std::string app = RequiredEnv("CABILDO_DATABASE_URL");
  name_ = "cabildo_it_" + core::RandomHex(6);
  {
    pqxx::connection connection(admin);
    pqxx::nontransaction create(connection);
    // CREATE DATABASE takes no parameters; the name is ours (hex), quoted anyway.
    create.exec0("CREATE DATABASE " + connection.quote_name(name_));
  }
  owner_url_ = WithDatabase(admin, name_);
  app_url_ = WithDatabase(app, name_);
  pqxx::connection owner(owner_url_);
  auto files = core::LoadMigrationDir(CABILDO_DEFAULT_MIGRATIONS_DIR);
  if (!files.ok()) {
    ADD_FAILURE() << files.status().ToString();
    return;
  }
  auto report = core::ApplyMigrations(owner, "core", *files);
  if (!report.ok()) ADD_FAILURE() << report.status().ToString();
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection connection(RequiredEnv("CABILDO_DATABASE_ADMIN_URL"));
    pqxx::nontransaction drop(connection);
    drop.exec0("DROP DATABASE IF EXISTS " + connection.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& error) {
    // The outage test may leave PostgreSQL briefly unavailable; the state dir is throwaway.
    std::fprintf(stderr, "could not drop %s: %s\n", name_.c_str(), error.what());
  }
}

core::Config TestDatabase::MakeConfig() const {
  auto config = core::LoadConfig([](const std::string&) { return std::nullopt; });
  core::Config out = *config;
  out.database_url = app_url_;
  out.database_admin_url = owner_url_;
  out.redis_url = RequiredEnv("CABILDO_REDIS_URL");
  out.listen = {"127.0.0.1", 0};
  out.db_timeout = std::chrono::milliseconds(2000);
  out.shutdown_drain = std::chrono::milliseconds(0);
  // Tests share one Redis: each database gets its own key space.
  out.redis_prefix = "cabildo-test:" + name_ + ":";
  // Every test client is 127.0.0.1: request rate limits stay out of the way
  // unless a test lowers them (tests/integration/limits_itest.cc).
  out.rate_limit_auth = out.rate_limit_write = out.rate_limit_read = out.rate_limit_user =
      1'000'000;
  // Each test server its own data key, as each instance has its own.
  out.data_key = *core::DataKey::FromHex(core::RandomHex(32));
  return out;
}

std::string HttpResult::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

HttpConnection::HttpConnection(uint16_t port, int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (receive_buffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // A refused connection is not a failure by itself (tests poll for start-up);
  // Read() then returns status 0, which any status assertion catches.
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool HttpConnection::SendRaw(const std::string& bytes) {
  if (fd_ < 0) return false;
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool HttpConnection::Fill(std::chrono::steady_clock::time_point deadline, size_t at_most) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0 || fd_ < 0) return false;
  pollfd pfd{fd_, POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
  char chunk[65536];
  ssize_t n = ::recv(fd_, chunk, std::min(sizeof chunk, at_most), 0);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

HttpResult HttpConnection::Read(std::chrono::milliseconds timeout, bool answer_to_head) {
  HttpResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto fill = [&] { return Fill(deadline, SIZE_MAX); };
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return result;
  }
  std::string head = buffer_.substr(0, header_end);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() >= 12) result.status = std::atoi(status_line.substr(9, 3).c_str());
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(pos, end - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      result.headers[name] = value;
    }
    pos = end + 2;
  }
  // No body follows, whatever the framing headers say (RFC 9110, 6.4.1): a
  // client reading one would swallow the next response's bytes.
  if (answer_to_head || result.status < 200 || result.status == 204 || result.status == 304) {
    result.raw = buffer_.substr(0, header_end + 4);
    buffer_.erase(0, header_end + 4);
    return result;
  }
  if (result.Header("transfer-encoding") == "chunked") {
    result.chunked = true;
    size_t pos = header_end + 4;  // the next chunk's size line
    while (true) {
      size_t line_end = buffer_.find("\r\n", pos);
      while (line_end == std::string::npos) {
        if (!fill()) break;
        line_end = buffer_.find("\r\n", pos);
      }
      if (line_end == std::string::npos) break;
      const size_t size = std::strtoull(buffer_.c_str() + pos, nullptr, 16);
      while (buffer_.size() < line_end + 2 + size + 2) {
        if (!fill()) break;
      }
      if (buffer_.size() < line_end + 2 + size + 2) break;  // cut short
      if (size == 0) {
        result.complete = true;
        pos = line_end + 4;
        break;
      }
      result.body.append(buffer_, line_end + 2, size);
      ++result.chunks;
      pos = line_end + 2 + size + 2;
    }
    pos = std::min(pos, buffer_.size());
    result.raw = buffer_.substr(0, header_end + 4);
    buffer_.erase(0, pos);
    return result;
  }
  if (result.Header("content-length").empty() && result.Header("connection") == "Close") {
    while (fill()) {
    }  // a body that ends when the server closes (HTTP/1.0)
    result.body = buffer_.substr(header_end + 4);
    result.raw = buffer_;
    buffer_.clear();
    return result;
  }
  size_t length = std::strtoull(result.Header("content-length").c_str(), nullptr, 10);
  while (buffer_.size() < header_end + 4 + length) {
    if (!fill()) break;
  }
  result.body = buffer_.substr(header_end + 4, length);
  result.raw = buffer_.substr(0, header_end + 4 + result.body.size());
  buffer_.erase(0, header_end + 4 + result.body.size());
  return result;
}

bool HttpConnection::ReadSome(size_t bytes, std::chrono::milliseconds timeout) {
  const size_t target = buffer_.size() + bytes;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buffer_.size() < target) {
    if (!Fill(deadline, target - buffer_.size())) return false;
  }
  return true;
}

bool HttpConnection::ClosedByPeer(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return false;
  pollfd pfd{fd_, POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char chunk[4096];
  while (true) {
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

HttpResult HttpRequest(uint16_t port, const std::string& method, const std::string& path,
                       const std::string& body, const std::map<std::string, std::string>& headers) {
  HttpConnection connection(port);
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    if (headers.count("Content-Type") == 0) request += "Content-Type: application/json\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  connection.SendRaw(request);
  return connection.Read(std::chrono::seconds(10), /*answer_to_head=*/method == "HEAD");
}

uint16_t FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

}  // namespace cabildo::testing
