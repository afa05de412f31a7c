// The public portal's static files (CABILDO_PORTAL_DIR) through the real
// server: what a browser gets for the page and a hashed asset, gzip or not,
// revalidation, the cache and security headers, and that nothing but the
// loaded files can ever be reached.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cabildo/api/app.h"

#include "server_fixture.h"
#include "static_files.h"
#include "test_support.h"
#include <zlib.h>

namespace cabildo {
namespace {

namespace fs = std::filesystem;

constexpr const char* kScript = "/assets/main-AB12CD34.js";
constexpr const char* kImmutable = "public, max-age=31536000, immutable";

// A fake portal build: index.html, a hashed script and style, an image, and
// what must never be served (a dotfile, a name outside the URL alphabet).
class FakeDist {
 public:
  FakeDist() {
    std::string pattern = (fs::temp_directory_path() / "cabildo-dist-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
  }
  ~FakeDist() { fs::remove_all(root_); }
  FakeDist(const FakeDist&) = delete;
  FakeDist& operator=(const FakeDist&) = delete;

  const fs::path& root() const { return root_; }
  void Write(const std::string& relative, const std::string& bytes) const {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative, std::ios::binary) << bytes;
  }

 private:
  fs::path root_;
};

std::string Page() {
  return "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\"><title>Portal</title>"
         "<script type=\"module\" src=\"/assets/main-AB12CD34.js\"></script></head>"
         "<body><main></main></body></html>\n";
}

std::string Script() {
  std::string js;
  for (int i = 0; i < 2000; ++i) {
    js += "export function view" + std::to_string(i) + "(h) { return h('p', {}, 'Vista " +
          std::to_string(i) + "'); }\n";
  }
  return js;
}

std::string Inflate(const std::string& gzipped) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return "<inflateInit2 failed>";
  std::string out;
  char buffer[16384];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzipped.data()));
  stream.avail_in = static_cast<uInt>(gzipped.size());
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    result = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  inflateEnd(&stream);
  return result == Z_STREAM_END ? out : "<not gzip>";
}

size_t Count(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

class PortalStaticTest : public testing::ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override { return {}; }
  std::string PortalDir() const override { return dist_.root().string(); }

  void SetUp() override {
    dist_.Write("index.html", Page());
    dist_.Write(kScript + 1, Script());
    dist_.Write("assets/styles-ZX98YW76.css", "main { margin: 0 auto; max-width: 60rem; }\n");
    dist_.Write("favicon.ico", std::string("\0\0\1\0", 4));
    dist_.Write(".env", "CABILDO_DATA_KEY=secreto");
    dist_.Write("notas privadas.txt", "no");
    ServerTest::SetUp();
  }

  testing::HttpResult Get(const std::string& path, std::map<std::string, std::string> headers = {},
                          const std::string& method = "GET") {
    return testing::HttpRequest(app_->Port(), method, path, "", headers);
  }

  FakeDist dist_;
};

TEST_F(PortalStaticTest, ServesThePageWithItsPolicy) {
  for (const char* path : {"/", "/index.html"}) {
    auto page = Get(path);
    EXPECT_EQ(page.status, 200) << path;
    EXPECT_EQ(page.body, Page()) << path;  // small: gzip not accepted, identity
    EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(page.Header("cache-control"), "no-cache");
    EXPECT_EQ(page.Header("vary"), "Accept-Encoding");
    EXPECT_EQ(page.Header("content-security-policy"), api::kPortalContentSecurityPolicy);
    EXPECT_EQ(page.Header("etag"), api::StrongEtag(Page()));
    EXPECT_EQ(Count(page.raw, "nosniff"), 1u) << page.raw;  // the server's, not a second one
  }
  // The API keeps answering next to it, and unknown paths keep the 404 problem.
  EXPECT_EQ(Get("/v1/tenants").status, 200);
  EXPECT_EQ(Get("/healthz").status, 200);
  auto unknown = Get("/tramites");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.Header("content-type"), "application/problem+json");
}

TEST_F(PortalStaticTest, HashedAssetsGzippedWhenAccepted) {
  auto gzipped = Get(kScript, {{"Accept-Encoding", "gzip, deflate, br, zstd"}});
  ASSERT_EQ(gzipped.status, 200);
  EXPECT_EQ(gzipped.Header("content-encoding"), "gzip");
  EXPECT_EQ(gzipped.Header("vary"), "Accept-Encoding");
  EXPECT_EQ(gzipped.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(gzipped.Header("cache-control"), kImmutable);
  EXPECT_EQ(gzipped.Header("content-security-policy"), "");  // HTML only
  EXPECT_LT(gzipped.body.size(), Script().size() / 4);
  EXPECT_EQ(Inflate(gzipped.body), Script());
  EXPECT_EQ(gzipped.Header("etag"), api::StrongEtag(gzipped.body));

  for (const std::map<std::string, std::string>& refused :
       {std::map<std::string, std::string>{},
        {{"Accept-Encoding", "br"}},
        {{"Accept-Encoding", "gzip;q=0, identity"}},
        {{"Accept-Encoding", "*;q=0.5, identity"}}}) {
    auto identity = Get(kScript, refused);
    EXPECT_EQ(identity.status, 200);
    EXPECT_EQ(identity.body, Script());
    EXPECT_EQ(identity.Header("content-encoding"), "");
    EXPECT_EQ(identity.Header("vary"), "Accept-Encoding");
    EXPECT_EQ(identity.Header("etag"), api::StrongEtag(Script()));
  }
  EXPECT_EQ(Get("/assets/styles-ZX98YW76.css").Header("cache-control"), kImmutable);
  auto icon = Get("/favicon.ico", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(icon.Header("content-type"), "image/x-icon");
  EXPECT_EQ(icon.Header("content-encoding"), "");  // not worth it: 4 bytes
  EXPECT_EQ(icon.Header("cache-control"), "no-cache");
  EXPECT_EQ(icon.body, std::string("\0\0\1\0", 4));
}

TEST_F(PortalStaticTest, EachRepresentationRevalidatesWithItsOwnTag) {
  const std::map<std::string, std::string> gzip = {{"Accept-Encoding", "gzip"}};
  const std::string gzip_tag = Get(kScript, gzip).Header("etag");
  const std::string identity_tag = Get(kScript).Header("etag");
  ASSERT_FALSE(gzip_tag.empty());
  ASSERT_NE(gzip_tag, identity_tag);

  auto gzip_304 = Get(kScript, {{"Accept-Encoding", "gzip"}, {"If-None-Match", gzip_tag}});
  EXPECT_EQ(gzip_304.status, 304);
  EXPECT_EQ(gzip_304.body, "");
  EXPECT_EQ(gzip_304.Header("etag"), gzip_tag);
  EXPECT_EQ(gzip_304.Header("vary"), "Accept-Encoding");
  EXPECT_EQ(gzip_304.Header("cache-control"), kImmutable);
  auto identity_304 = Get(kScript, {{"If-None-Match", "\"x\", " + identity_tag}});
  EXPECT_EQ(identity_304.status, 304);
  EXPECT_EQ(identity_304.Header("etag"), identity_tag);
  // A tag of the other representation is a miss: the full answer.
  auto crossed = Get(kScript, {{"If-None-Match", gzip_tag}});
  EXPECT_EQ(crossed.status, 200);
  EXPECT_EQ(crossed.body, Script());
  auto page_304 = Get("/", {{"If-None-Match", Get("/").Header("etag")}});
  EXPECT_EQ(page_304.status, 304);
  EXPECT_EQ(page_304.Header("cache-control"), "no-cache");
}

TEST_F(PortalStaticTest, HeadAnswersTheHeadersOnly) {
  auto head = Get(kScript, {{"Accept-Encoding", "gzip"}}, "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.Header("content-encoding"), "gzip");
  EXPECT_EQ(head.Header("cache-control"), kImmutable);
  EXPECT_EQ(head.Header("etag"), Get(kScript, {{"Accept-Encoding", "gzip"}}).Header("etag"));
  auto page = Get("/", {}, "HEAD");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("content-security-policy"), api::kPortalContentSecurityPolicy);
  // Only GET and HEAD.
  EXPECT_EQ(testing::HttpRequest(app_->Port(), "POST", "/index.html", "{}").status, 405);
}

TEST_F(PortalStaticTest, NothingOutsideTheLoadedFilesIsReachable) {
  for (const std::string& path :
       std::vector<std::string>{"/assets/../index.html",
                                "/assets/%2e%2e/index.html",
                                "/%2e%2e/%2e%2e/etc/passwd",
                                "/../../../../etc/passwd",
                                "/assets/..%2findex.html",
                                "/assets%2fmain-AB12CD34.js",
                                "/assets%2Fmain-AB12CD34.js",
                                "//index.html",
                                "/assets//main-AB12CD34.js",
                                "/./index.html",
                                "/index.html/",
                                "/index.html/.",
                                "/INDEX.HTML",
                                "/index.htm",
                                "/index.html%00",
                                "/assets/main-AB12CD34.js%20",
                                "/%69ndex.html",
                                "/.env",
                                "/notas%20privadas.txt",
                                "/assets",
                                "/assets/",
                                "/assets/main-AB12CD34.js.gz",
                                "/" + dist_.root().string() + "/index.html"}) {
    auto answer = Get(path);
    EXPECT_EQ(answer.status, 404) << path;
    EXPECT_EQ(answer.Header("content-type"), "application/problem+json") << path;
    EXPECT_EQ(answer.body.find("secreto"), std::string::npos) << path;
    EXPECT_EQ(answer.body.find("export function"), std::string::npos) << path;
    EXPECT_EQ(answer.body.find("<!doctype"), std::string::npos) << path;
  }
  // A raw space ends the request target: the request line is malformed.
  EXPECT_EQ(Get("/notas privadas.txt").status, 400);
}

// Start-up with a portal directory that is refused: the server never listens.
class PortalStartupTest : public ::testing::Test {
 protected:
  std::string StartWith(const fs::path& dir) {
    auto config = database_.MakeConfig();
    config.portal_dir = dir.string();
    api::App app(config);
    Status started = app.Start();
    EXPECT_FALSE(started.ok());
    return started.message();
  }
  testing::TestDatabase database_;
};

TEST_F(PortalStartupTest, RefusesADirectoryBeyondTheBounds) {
  FakeDist dist;
  dist.Write("index.html", Page());
  for (int i = 0; i < 1000; ++i) dist.Write("assets/chunk" + std::to_string(i) + ".js", "x");
  EXPECT_NE(StartWith(dist.root()).find("más de 1000 archivos"), std::string::npos);
}

TEST_F(PortalStartupTest, RefusesAFileTooLarge) {
  FakeDist dist;
  dist.Write("index.html", Page());
  dist.Write("assets/huge.js", std::string((8 << 20) + 1, 'x'));
  EXPECT_NE(StartWith(dist.root()).find("máximo por archivo"), std::string::npos);
}

TEST_F(PortalStartupTest, RefusesAFileOnARoute) {
  FakeDist dist;
  dist.Write("index.html", Page());
  dist.Write("healthz", "ok");
  EXPECT_NE(StartWith(dist.root()).find("/healthz"), std::string::npos);
  FakeDist api;
  api.Write("index.html", Page());
  api.Write("v1/tenants", "[]");
  EXPECT_NE(StartWith(api.root()).find("/v1/tenants"), std::string::npos);
}

TEST_F(PortalStartupTest, RefusesAMissingDirectory) {
  EXPECT_NE(StartWith("/nonexistent/portal/dist").find("CABILDO_PORTAL_DIR"), std::string::npos);
}

}  // namespace
}  // namespace cabildo
