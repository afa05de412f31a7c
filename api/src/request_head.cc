#include "request_head.h"

namespace cabildo::api {
namespace {

// RFC 9110 §5.6.2 tchar: what a method or a field name is made of.
bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool EqualsIgnoringCase(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The request target: visible characters (and UTF-8 bytes, which the router
// checks later), no spaces or controls.
bool IsTarget(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7F) return false;
  }
  return true;
}

HeadVerdict Reject(int status, std::string_view detail) {
  HeadVerdict verdict;
  verdict.kind = HeadVerdict::Kind::kReject;
  verdict.status = status;
  verdict.detail = detail;
  return verdict;
}

constexpr std::string_view kMalformed = "Solicitud HTTP mal formada.";

}  // namespace

std::optional<std::size_t> FindHeadEnd(std::string_view bytes, std::size_t from) {
  for (std::size_t i = from; i < bytes.size(); ++i) {
    if (bytes[i] != '\n') continue;
    if (i + 1 < bytes.size() && bytes[i + 1] == '\n') return i + 2;
    if (i + 2 < bytes.size() && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') return i + 3;
  }
  return std::nullopt;
}

HeadVerdict InspectRequestHead(std::string_view bytes, std::uint64_t max_body_bytes,
                               std::size_t scan_from) {
  const auto end = FindHeadEnd(bytes, scan_from);
  if (!end) {
    if (bytes.size() > kMaxHeadBytes) {
      return Reject(431, "La línea de solicitud y los encabezados exceden 64 KiB.");
    }
    return HeadVerdict{};
  }
  std::string_view head = bytes.substr(0, *end);

  // Splits off the next line; false when it does not end in CRLF.
  auto next_line = [&head](std::string_view& line) {
    const std::size_t newline = head.find('\n');
    if (newline == std::string_view::npos || newline == 0 || head[newline - 1] != '\r') {
      return false;
    }
    line = head.substr(0, newline - 1);
    head.remove_prefix(newline + 1);
    return true;
  };

  std::string_view line;
  if (!next_line(line)) return Reject(400, kMalformed);
  // METHOD SP request-target SP HTTP-version
  const std::size_t first_space = line.find(' ');
  const std::size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space ||
      !IsToken(line.substr(0, first_space)) ||
      !IsTarget(line.substr(first_space + 1, last_space - first_space - 1))) {
    return Reject(400, kMalformed);
  }
  const std::string_view version = line.substr(last_space + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Reject(400, "Versión de HTTP no admitida; use HTTP/1.1.");
  }

  bool has_length = false;
  bool has_transfer_encoding = false;
  std::string_view length;  // without leading zeros ("0" stays)
  while (true) {
    if (!next_line(line)) return Reject(400, kMalformed);
    if (line.empty()) break;  // the blank line: the head is over
    if (line.front() == ' ' || line.front() == '\t') {
      return Reject(400, "No se admiten encabezados plegados en varias líneas.");
    }
    const std::size_t colon = line.find(':');
    // No whitespace between the name and the colon (RFC 9112 §5.1): a proxy
    // and Pistache could disagree on which field it is.
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Reject(400, kMalformed);
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = TrimSpaces(line.substr(colon + 1));
    for (char c : value) {
      const auto byte = static_cast<unsigned char>(c);
      if ((byte < 0x20 && byte != '\t') || byte == 0x7F) {
        return Reject(400, "Un encabezado contiene caracteres de control.");
      }
    }
    if (EqualsIgnoringCase(name, "transfer-encoding")) {
      has_transfer_encoding = true;
    } else if (EqualsIgnoringCase(name, "content-length")) {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos) {
        return Reject(400, "Content-Length no es un número válido.");
      }
      std::string_view digits = value;
      while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
      // RFC 9112 §6.3: differing lengths leave the body's end ambiguous.
      if (has_length && digits != length) {
        return Reject(400, "La solicitud trae varios Content-Length distintos.");
      }
      has_length = true;
      length = digits;
    }
  }
  if (has_transfer_encoding) {
    return Reject(411, "Envíe el cuerpo con Content-Length; no se admite Transfer-Encoding.");
  }
  std::uint64_t content_length = 0;
  if (has_length) {
    // Twenty digits or more exceed any limit (and uint64).
    if (length.size() > 19) return Reject(413, "El cuerpo excede el máximo permitido.");
    for (char c : length) content_length = content_length * 10 + static_cast<unsigned>(c - '0');
  }
  if (content_length > max_body_bytes) return Reject(413, "El cuerpo excede el máximo permitido.");
  HeadVerdict verdict;
  verdict.kind = HeadVerdict::Kind::kAccept;
  verdict.head_bytes = *end;
  verdict.content_length = content_length;
  return verdict;
}

}  // namespace cabildo::api
