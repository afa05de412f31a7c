// The checks a request head (request line and header fields) must pass before
// Pistache's parser sees it: framing it gets wrong (duplicate Content-Length,
// Transfer-Encoding, whitespace before a colon, bare LF line ends) would let a
// request's body be read as another request, or make it reserve what a client
// claims. A pure function of the bytes, dependent only on the standard
// library, so a fuzzer can call it without a socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cabildo::api {

struct HeadVerdict {
  enum class Kind {
    kIncomplete,  // the head has not fully arrived yet; nothing refused so far
    kAccept,      // well framed: Pistache may parse it
    kReject,      // answer `status` with `detail` and close the connection
  };
  Kind kind = Kind::kIncomplete;
  int status = 0;                    // for kReject: 400, 411, 413 or 431
  std::string_view detail;           // for kReject: Spanish, for the problem document (static text)
  std::size_t head_bytes = 0;        // for kAccept: bytes up to and including the blank line
  std::uint64_t content_length = 0;  // for kAccept: the declared body length (0 when none)
};

// Inspects `bytes`, the start of a request as received (request line first).
// Refuses: a request line that is not `METHOD SP target SP HTTP/1.x`; a line
// ending in a bare LF; a field name that is not a token or is followed by
// whitespace before its colon; a folded line; control characters in a field
// value; any Transfer-Encoding (411: bodies are sent with Content-Length);
// a Content-Length that is not a plain decimal number, or several that differ
// (RFC 9112 §6.3; identical duplicates are accepted); a length over
// `max_body_bytes` (413); a head still unfinished after kMaxHeadBytes (431).
// The blank line is looked for from `scan_from` on: a caller that receives a
// head in pieces passes the previous size minus 3, so a head trickled in byte
// by byte is scanned once, not once per byte. Never reads past `bytes`, never
// allocates.
HeadVerdict InspectRequestHead(std::string_view bytes, std::uint64_t max_body_bytes,
                               std::size_t scan_from = 0);

// The most a request line and its header fields may take.
inline constexpr std::size_t kMaxHeadBytes = 64 * 1024;

// Where the head in `bytes` ends (just past its blank line, CRLF or bare LF),
// looking for the blank line from `from` on; nullopt while it has not arrived.
std::optional<std::size_t> FindHeadEnd(std::string_view bytes, std::size_t from = 0);

}  // namespace cabildo::api
