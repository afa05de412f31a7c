// The HTTP request and response as handlers see them: plain values, no
// Pistache types, so handlers are testable without a socket.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cabildo/core/status.h"

namespace cabildo::api {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions };

const char* MethodName(Method method);

struct Response;

// The body of a response sent as HTTP chunks while it is being produced (an
// export of any size), from the worker thread that runs the handler.
class ChunkedBody {
 public:
  virtual ~ChunkedBody() = default;
  // Sends `bytes` as one chunk, waiting while the client reads slower than
  // the producer writes (so only a few chunks are ever held in memory).
  // False once the client has gone or stopped reading for too long: stop.
  virtual bool Write(std::string_view bytes) = 0;
  // The final chunk: the client knows the body is complete.
  virtual void Finish() = 0;
  // Closes the connection without the final chunk: the client sees a
  // truncated body and never mistakes it for a complete one.
  virtual void Abort() = 0;
};

// Sends `head` (status and headers, no body) with Transfer-Encoding: chunked
// and returns where the body goes; nullptr when the server refuses another
// stream right now (answer 503).
using StreamOpener = std::function<std::unique_ptr<ChunkedBody>(const Response& head)>;

struct Request {
  Method method = Method::kGet;
  std::string path;  // without the query string, not percent-decoded
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded
  std::map<std::string, std::string> headers;              // names lower-cased
  std::string body;
  std::string remote_address;
  std::string request_id;
  std::map<std::string, std::string> path_params;  // filled by the router
  std::string route;  // the matched template, e.g. /v1/tenants/{tenant}
  // Set by the HTTP server for handlers that stream their body; empty where
  // there is no network (router tests): such handlers then buffer it.
  StreamOpener open_stream;

  // Header by lower-case name.
  std::optional<std::string> Header(const std::string& lower_name) const;
  // First query parameter with that name.
  std::optional<std::string> Query(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // StrongEtag(body) when the handler already knows it (a cached body, hashed
  // once when it was stored); empty: the server computes it for a 200 GET.
  std::string etag;
  // Already sent through Request::open_stream: the server only records it.
  bool streamed = false;
  // Instead of `body`: a body shared with the public cache, sent without
  // copying it (a cached list is ~20 KB).
  std::shared_ptr<const std::string> shared_body = nullptr;
  // The answer to a HEAD of a streamed body, which is not produced: its
  // length is unknown, so no Content-Length is sent (the GET is chunked).
  bool length_unknown = false;

  const std::string& Body() const { return shared_body ? *shared_body : body; }

  static Response Json(int status, const nlohmann::json& body);
  static Response Text(int status, std::string body, std::string content_type);
  static Response Empty(int status);
};

// The body as JSON, through the one bounded parser (api/src/json_body.h):
// InvalidArgument (400) when it is missing, malformed or beyond the limits;
// FailedPrecondition (422) "<field>: <why>" for a control character or a
// number beyond double. Routes answer with JsonRefusalProblem instead, which
// keeps the field in `errors`.
StatusOr<nlohmann::json> ParseJsonBody(const Request& request);

// The strong ETag the server gives a 200 GET body (also what If-Match is
// compared with).
std::string StrongEtag(const std::string& body);

// How two entity-tags are compared (RFC 9110 §8.8.3.2): If-Match uses the
// strong comparison (a weak tag never matches), If-None-Match the weak one
// (W/"x" matches "x").
enum class EtagComparison { kStrong, kWeak };

// Whether the If-Match / If-None-Match field value `field` names `etag` (a
// strong tag as the server sends it, quotes included): "*", or a
// comma-separated list of entity-tags, each compared whole — never as a
// substring. A malformed list matches nothing.
bool EtagMatches(std::string_view field, std::string_view etag, EtagComparison comparison);

// The 304 a GET gets when its If-None-Match names `etag` (weak comparison,
// or "*"); nullopt when the full answer is due.
std::optional<Response> NotModified(const Request& request, const std::string& etag);

// Decodes %XX and '+' (query strings); invalid escapes are kept verbatim.
std::string PercentDecode(const std::string& text, bool plus_is_space);

// Whether `text` is well-formed UTF-8 (no overlongs, surrogates or bytes past
// U+10FFFF). PostgreSQL refuses anything else, so it is checked at the door.
bool IsValidUtf8(std::string_view text);

}  // namespace cabildo::api
