// The public portal's static files (CABILDO_PORTAL_DIR), served by `cabildo
// serve` itself so the portal and the API share one origin. Every file is
// read, gzipped and hashed once at start-up and kept in memory; a request is
// an exact lookup in that fixed set, answered on the reactor thread without a
// copy of the body. Nothing on disk is read after start-up.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cabildo/api/http.h"
#include "cabildo/api/router.h"
#include "cabildo/core/status.h"

namespace cabildo::api {

// What a portal directory may hold, checked before reading anything.
struct StaticLimits {
  size_t max_files = 1000;
  size_t max_file_bytes = 8 << 20;
  size_t max_total_bytes = 32 << 20;
};

// One way to send a file: its bytes as sent and their strong ETag.
struct StaticRepresentation {
  std::shared_ptr<const std::string> bytes;
  std::string etag;
};

struct StaticFile {
  std::string content_type;
  std::string cache_control;
  bool html = false;
  StaticRepresentation identity;
  std::optional<StaticRepresentation> gzip;  // only when it saves at least 10 %
};

// URL path ("/", "/index.html", "/assets/main-AB12CD34.js") → file.
using StaticFileSet = std::map<std::string, StaticFile>;

// Reads every regular file under `dir` (dotfiles and what lies outside the
// set's URL alphabet [A-Za-z0-9._/-] are skipped, with a log line; symlinks
// are followed only to regular files inside `dir`). InvalidArgument, naming
// the directory and why, when it is missing or unreadable, has no
// index.html, or holds more than `limits` allows.
StatusOr<StaticFileSet> LoadStaticFiles(const std::string& dir, const StaticLimits& limits = {});

// Adds GET (and so HEAD) routes for every file of `files`, "/" answering
// index.html, each answered from memory on the reactor thread.
// InvalidArgument when a file's URL is under /v1/, a probe (/healthz,
// /readyz, /metrics), or any route `router` already has.
Status RegisterStaticRoutes(Router& router, std::shared_ptr<const StaticFileSet> files);

// The answer to `request` for `file`: the representation Accept-Encoding
// prefers, or a 304 when If-None-Match names it.
Response StaticResponse(const StaticFile& file, const Request& request);

// Whether the Accept-Encoding field value `field` (nullopt: no field) lets
// us send gzip rather than identity (RFC 9110 §12.5.3): codings compared
// case-insensitively, q=0 refuses, "*" stands for every coding not named,
// identity not named (nor by "*") is acceptable but never preferred, and
// gzip wins a tie. A field longer than 1 KiB or with more than 32
// elements is not parsed (identity).
bool PrefersGzip(const std::optional<std::string>& field);

// Content-Type by file extension (charset=utf-8 for text), or
// application/octet-stream.
std::string StaticContentType(std::string_view path);

// Whether `url_path` is a content-hashed asset, cacheable forever: under
// /assets/, named <name>-<8 or more of [A-Za-z0-9]>.<ext>.
bool IsHashedAsset(std::string_view url_path);

// The Content-Security-Policy of the portal's HTML.
inline constexpr const char* kPortalContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

}  // namespace cabildo::api
