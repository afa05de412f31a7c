#include "static_files.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>

namespace cabildo::api {
namespace {

namespace fs = std::filesystem;

TEST(StaticFilesTest, AcceptEncodingNegotiation) {
  // No field, an empty one, or codings we do not have: identity.
  EXPECT_FALSE(PrefersGzip(std::nullopt));
  EXPECT_FALSE(PrefersGzip(""));
  EXPECT_FALSE(PrefersGzip("br, zstd"));
  EXPECT_FALSE(PrefersGzip("identity"));
  // What browsers send, in any letter case, with or without spaces.
  EXPECT_TRUE(PrefersGzip("gzip, deflate, br, zstd"));
  EXPECT_TRUE(PrefersGzip("GZip"));
  EXPECT_TRUE(PrefersGzip("x-gzip"));
  EXPECT_TRUE(PrefersGzip(" ,, gzip ; q=0.8 ,"));
  EXPECT_TRUE(PrefersGzip("gzip;Q=1.000"));
  EXPECT_TRUE(PrefersGzip("*"));
  EXPECT_TRUE(PrefersGzip("br;q=1, *;q=0.1"));
  // q=0 refuses, however it is spelled, and "*" covers what is not named.
  EXPECT_FALSE(PrefersGzip("gzip;q=0"));
  EXPECT_FALSE(PrefersGzip("gzip; q=0.000"));
  EXPECT_FALSE(PrefersGzip("*;q=0"));
  EXPECT_FALSE(PrefersGzip("*;q=0, identity"));
  EXPECT_TRUE(PrefersGzip("gzip, *;q=0"));
  EXPECT_FALSE(PrefersGzip("gzip, gzip;q=0"));  // named twice: the refusal stands
  // The client's preference between the two; gzip wins a tie.
  EXPECT_FALSE(PrefersGzip("gzip;q=0.4, identity;q=0.5"));
  EXPECT_TRUE(PrefersGzip("gzip;q=0.5, identity;q=0.5"));
  EXPECT_TRUE(PrefersGzip("gzip;q=0.001, identity;q=0"));
  EXPECT_FALSE(PrefersGzip("identity;q=0.9, *;q=0.5"));
  // Malformed weights and tokens are ignored, never half-read.
  EXPECT_FALSE(PrefersGzip("gzip;q=1.5"));
  EXPECT_FALSE(PrefersGzip("gzip;q=0.0001"));
  EXPECT_FALSE(PrefersGzip("gzip;q=abc"));
  EXPECT_FALSE(PrefersGzip("gzip;q="));
  EXPECT_FALSE(PrefersGzip("gzip;q=-1"));
  EXPECT_FALSE(PrefersGzip("gzipx"));
  EXPECT_FALSE(PrefersGzip("\"gzip\""));
  EXPECT_FALSE(PrefersGzip("gz ip"));
  EXPECT_FALSE(PrefersGzip(std::string("gz\0ip", 5)));
  EXPECT_TRUE(PrefersGzip("gzip;level=9;q=1"));
  EXPECT_TRUE(PrefersGzip("gzip;q"));  // a parameter without a value is not a weight
}

TEST(StaticFilesTest, HostileAcceptEncodingIsBounded) {
  EXPECT_FALSE(PrefersGzip(std::string(2000, ' ') + "gzip"));
  std::string many;
  for (int i = 0; i < 40; ++i) many += "br,";
  EXPECT_FALSE(PrefersGzip(many + "gzip"));
  EXPECT_FALSE(PrefersGzip(std::string(1000, ',') + "gzip"));
  EXPECT_FALSE(PrefersGzip(std::string(1000, ';')));
  EXPECT_FALSE(PrefersGzip("gzip;" + std::string(1100, ';')));  // beyond 1 KiB
  EXPECT_TRUE(PrefersGzip("gzip;" + std::string(900, ';')));    // within: still parsed
}

TEST(StaticFilesTest, HashedAssets) {
  EXPECT_TRUE(IsHashedAsset("/assets/main-AB12CD34.js"));
  EXPECT_TRUE(IsHashedAsset("/assets/styles-ZZZZZZZZ.css"));
  EXPECT_TRUE(IsHashedAsset("/assets/chunk-abcdefgh12.js"));
  EXPECT_TRUE(IsHashedAsset("/assets/main-AB12CD34.js.map"));
  EXPECT_TRUE(IsHashedAsset("/assets/fonts/inter-latin-AB12CD34.woff2"));
  EXPECT_FALSE(IsHashedAsset("/assets/main-AB12CD3.js"));  // 7 characters
  EXPECT_FALSE(IsHashedAsset("/assets/main.js"));
  EXPECT_FALSE(IsHashedAsset("/assets/-AB12CD34.js"));   // no name
  EXPECT_FALSE(IsHashedAsset("/assets/main-AB12CD34"));  // no extension
  EXPECT_FALSE(IsHashedAsset("/assets/main-AB12CD34."));
  EXPECT_FALSE(IsHashedAsset("/assets/main-AB_2CD34.js"));
  EXPECT_FALSE(IsHashedAsset("/main-AB12CD34.js"));  // not under /assets/
  EXPECT_FALSE(IsHashedAsset("/assetsx/main-AB12CD34.js"));
  EXPECT_FALSE(IsHashedAsset("/index.html"));
  EXPECT_FALSE(IsHashedAsset("/"));
}

TEST(StaticFilesTest, ContentTypes) {
  EXPECT_EQ(StaticContentType("/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(StaticContentType("/assets/main-AB12CD34.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(StaticContentType("/a.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(StaticContentType("/a.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(StaticContentType("/a.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(StaticContentType("/a.csv"), "text/csv; charset=utf-8");
  EXPECT_EQ(StaticContentType("/a.json"), "application/json");
  EXPECT_EQ(StaticContentType("/a.js.map"), "application/json");
  EXPECT_EQ(StaticContentType("/a.svg"), "image/svg+xml");
  EXPECT_EQ(StaticContentType("/a.png"), "image/png");
  EXPECT_EQ(StaticContentType("/a.jpg"), "image/jpeg");
  EXPECT_EQ(StaticContentType("/favicon.ico"), "image/x-icon");
  EXPECT_EQ(StaticContentType("/a.webp"), "image/webp");
  EXPECT_EQ(StaticContentType("/a.woff2"), "font/woff2");
  EXPECT_EQ(StaticContentType("/a.exe"), "application/octet-stream");
  EXPECT_EQ(StaticContentType("/LICENSE"), "application/octet-stream");
  EXPECT_EQ(StaticContentType("/dir.js/file"), "application/octet-stream");
}

// A throwaway portal directory.
class PortalDir {
 public:
  PortalDir() {
    std::string pattern = (fs::temp_directory_path() / "cabildo-portal-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
  }
  ~PortalDir() { fs::remove_all(root_); }
  const fs::path& root() const { return root_; }
  void Write(const std::string& relative, const std::string& bytes) const {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative, std::ios::binary) << bytes;
  }

 private:
  fs::path root_;
};

std::string Script() {
  std::string js;
  for (int i = 0; i < 500; ++i)
    js += "export const value" + std::to_string(i) + " = " + std::to_string(i * 7) + ";\n";
  return js;
}

TEST(StaticFilesTest, LoadsTheFilesWithTheirRepresentations) {
  PortalDir dir;
  dir.Write("index.html", "<!doctype html><title>Portal</title>" + std::string(200, ' '));
  dir.Write("assets/main-AB12CD34.js", Script());
  dir.Write("assets/logo.png", "\x89PNG....");
  dir.Write("tiny.txt", "a");
  dir.Write(".env", "SECRET=1");
  dir.Write(".git/config", "x");
  dir.Write("assets/.hidden.js", "x");
  dir.Write("bad name.txt", "x");
  dir.Write("señal.txt", "x");
  fs::create_directory_symlink("/etc", dir.root() / "etc");
  fs::create_symlink("/etc/hostname", dir.root() / "hostname.txt");
  fs::create_symlink("assets/main-AB12CD34.js", dir.root() / "main.js");

  auto files = LoadStaticFiles(dir.root().string());
  ASSERT_TRUE(files.ok()) << files.status().message();
  std::vector<std::string> urls;
  for (const auto& [url, file] : *files) urls.push_back(url);
  EXPECT_EQ(urls, (std::vector<std::string>{"/", "/assets/logo.png", "/assets/main-AB12CD34.js",
                                            "/index.html", "/main.js", "/tiny.txt"}));

  const StaticFile& script = files->at("/assets/main-AB12CD34.js");
  EXPECT_EQ(*script.identity.bytes, Script());
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(script.cache_control, "public, max-age=31536000, immutable");
  EXPECT_FALSE(script.html);
  ASSERT_TRUE(script.gzip.has_value());
  EXPECT_LT(script.gzip->bytes->size() * 10, script.identity.bytes->size() * 9);
  EXPECT_NE(script.gzip->etag, script.identity.etag);
  EXPECT_EQ(script.identity.etag, StrongEtag(Script()));
  EXPECT_EQ(script.gzip->etag, StrongEtag(*script.gzip->bytes));
  // The link inside the folder serves the same bytes, without the long cache.
  EXPECT_EQ(*files->at("/main.js").identity.bytes, Script());
  EXPECT_EQ(files->at("/main.js").cache_control, "no-cache");

  EXPECT_TRUE(files->at("/index.html").html);
  EXPECT_EQ(files->at("/index.html").cache_control, "no-cache");
  EXPECT_EQ(files->at("/").identity.bytes, files->at("/index.html").identity.bytes);
  EXPECT_FALSE(files->at("/assets/logo.png").gzip.has_value());  // not a compressible type
  EXPECT_FALSE(files->at("/tiny.txt").gzip.has_value());         // gzip would be larger
}

TEST(StaticFilesTest, RefusesDirectoriesBeyondTheBounds) {
  PortalDir dir;
  dir.Write("index.html", "<p>hola</p>");
  dir.Write("a.txt", std::string(100, 'a'));
  dir.Write("b.txt", std::string(100, 'b'));
  EXPECT_TRUE(LoadStaticFiles(dir.root().string(), {3, 100, 300}).ok());

  auto too_many = LoadStaticFiles(dir.root().string(), {2, 100, 300});
  EXPECT_EQ(too_many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_many.status().message().find("más de 2 archivos"), std::string::npos)
      << too_many.status().message();
  auto too_big = LoadStaticFiles(dir.root().string(), {3, 99, 300});
  EXPECT_NE(too_big.status().message().find("máximo por archivo es 99"), std::string::npos)
      << too_big.status().message();
  auto too_much = LoadStaticFiles(dir.root().string(), {3, 100, 200});
  EXPECT_NE(too_much.status().message().find("suman más de 200 bytes"), std::string::npos)
      << too_much.status().message();
  // Skipped entries count towards the walk's own bound.
  for (int i = 0; i < 200; ++i) dir.Write("skipped/bad name " + std::to_string(i), "x");
  EXPECT_FALSE(LoadStaticFiles(dir.root().string(), {3, 100, 300}).ok());
}

TEST(StaticFilesTest, RefusesMissingOrIncompleteDirectories) {
  auto missing = LoadStaticFiles("/nonexistent/portal/dist");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("CABILDO_PORTAL_DIR"), std::string::npos);
  PortalDir dir;
  dir.Write("app.js", "x");
  EXPECT_FALSE(LoadStaticFiles((dir.root() / "app.js").string()).ok());  // a file
  auto no_index = LoadStaticFiles(dir.root().string());
  EXPECT_NE(no_index.status().message().find("index.html"), std::string::npos);
}

TEST(StaticFilesTest, FilesNeverShadowRoutes) {
  auto register_with = [](const std::string& relative) {
    PortalDir dir;
    dir.Write("index.html", "<p>hola</p>");
    dir.Write(relative, "x");
    auto files = LoadStaticFiles(dir.root().string());
    EXPECT_TRUE(files.ok());
    Router router;
    router.Add(Method::kGet, "/healthz", [](Request&) { return Response::Empty(200); });
    router.Add(Method::kPost, "/v2/requests.json", [](Request&) { return Response::Empty(201); });
    router.Add(Method::kGet, "/x/{id}", [](Request&) { return Response::Empty(200); });
    return RegisterStaticRoutes(router, std::make_shared<const StaticFileSet>(std::move(*files)));
  };
  EXPECT_TRUE(register_with("assets/app.js").ok());
  EXPECT_FALSE(register_with("healthz").ok());
  EXPECT_FALSE(register_with("readyz").ok());
  EXPECT_FALSE(register_with("metrics").ok());
  EXPECT_FALSE(register_with("v1/openapi.json").ok());
  EXPECT_FALSE(register_with("v1/anything/else.js").ok());
  EXPECT_FALSE(register_with("v2/requests.json").ok());  // another method's route
  auto shadowing = register_with("x/1");                 // a parameterised route
  EXPECT_EQ(shadowing.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(shadowing.message().find("/x/1"), std::string::npos) << shadowing.message();
}

TEST(StaticFilesTest, AnswersTheNegotiatedRepresentation) {
  PortalDir dir;
  dir.Write("index.html", "<!doctype html>" + std::string(400, 'x'));
  dir.Write("assets/main-AB12CD34.js", Script());
  auto files = LoadStaticFiles(dir.root().string());
  ASSERT_TRUE(files.ok());
  const StaticFile& script = files->at("/assets/main-AB12CD34.js");
  auto header = [](const Response& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return std::string();
  };

  Request plain;
  Response identity = StaticResponse(script, plain);
  EXPECT_EQ(identity.status, 200);
  EXPECT_EQ(identity.shared_body, script.identity.bytes);  // shared, not copied
  EXPECT_EQ(identity.etag, script.identity.etag);
  EXPECT_EQ(header(identity, "Content-Encoding"), "");
  EXPECT_EQ(header(identity, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(identity, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(header(identity, "Content-Security-Policy"), "");

  Request gzip_ok;
  gzip_ok.headers["accept-encoding"] = "gzip, br";
  Response gzipped = StaticResponse(script, gzip_ok);
  EXPECT_EQ(gzipped.shared_body, script.gzip->bytes);
  EXPECT_EQ(gzipped.etag, script.gzip->etag);
  EXPECT_EQ(header(gzipped, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(gzipped, "Vary"), "Accept-Encoding");

  // Each representation revalidates with its own tag only.
  gzip_ok.headers["if-none-match"] = script.gzip->etag;
  Response not_modified = StaticResponse(script, gzip_ok);
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(header(not_modified, "ETag"), script.gzip->etag);
  EXPECT_EQ(header(not_modified, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(not_modified, "Cache-Control"), "public, max-age=31536000, immutable");
  plain.headers["if-none-match"] = script.gzip->etag;
  EXPECT_EQ(StaticResponse(script, plain).status, 200);
  plain.headers["if-none-match"] = script.identity.etag;
  EXPECT_EQ(StaticResponse(script, plain).status, 304);

  Response page = StaticResponse(files->at("/"), Request{});
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(header(page, "Content-Security-Policy"), kPortalContentSecurityPolicy);
  EXPECT_EQ(header(page, "Cache-Control"), "no-cache");
}

}  // namespace
}  // namespace cabildo::api
