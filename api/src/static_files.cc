#include "static_files.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "cabildo/core/log.h"

#include <zlib.h>

namespace cabildo::api {
namespace {

namespace fs = std::filesystem;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == y; });
}

bool IsAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// The characters a served URL path may have: no escapes, no spaces, nothing a
// browser or a proxy would rewrite.
bool InUrlAlphabet(std::string_view path) {
  return std::all_of(path.begin(), path.end(), [](char c) {
    return IsAlnum(c) || c == '.' || c == '_' || c == '/' || c == '-';
  });
}

// tchar (RFC 9110 §5.6.2): what a content-coding token is made of.
bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return IsAlnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in
// thousandths; -1 when malformed.
int ParseQuality(std::string_view value) {
  if (value.empty() || value.size() > 5 || (value[0] != '0' && value[0] != '1')) return -1;
  int thousandths = value[0] == '1' ? 1000 : 0;
  if (value.size() == 1) return thousandths;
  if (value[1] != '.') return -1;
  int scale = 100;
  for (char c : value.substr(2)) {
    if (c < '0' || c > '9') return -1;
    thousandths += (c - '0') * scale;
    scale /= 10;
  }
  return thousandths <= 1000 ? thousandths : -1;
}

// Compressed with gzip framing at the best level (once, at start-up);
// nullopt if zlib fails.
std::optional<std::string> Gzip(const std::string& input) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return std::nullopt;
  }
  std::string output(deflateBound(&stream, input.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());  // ≤ max_file_bytes
  stream.next_out = reinterpret_cast<Bytef*>(output.data());
  stream.avail_out = static_cast<uInt>(output.size());
  const int result = deflate(&stream, Z_FINISH);
  output.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return std::nullopt;
  return output;
}

bool IsCompressible(const std::string& content_type) {
  return content_type.starts_with("text/") || content_type == "application/json" ||
         content_type == "image/svg+xml";
}

StaticRepresentation Represent(std::string bytes) {
  StaticRepresentation representation;
  representation.etag = StrongEtag(bytes);
  representation.bytes = std::make_shared<const std::string>(std::move(bytes));
  return representation;
}

StaticFile MakeFile(const std::string& url, std::string bytes) {
  StaticFile file;
  file.content_type = StaticContentType(url);
  file.html = file.content_type.starts_with("text/html");
  file.cache_control = IsHashedAsset(url) ? "public, max-age=31536000, immutable" : "no-cache";
  if (IsCompressible(file.content_type)) {
    // Kept only when it saves at least 10 %: below that, the client's
    // inflating costs more than the bytes saved.
    if (auto gzipped = Gzip(bytes); gzipped && gzipped->size() * 10 <= bytes.size() * 9) {
      file.gzip = Represent(std::move(*gzipped));
    }
  }
  file.identity = Represent(std::move(bytes));
  return file;
}

// Whether `path` (absolute, canonical) lies inside `root` (canonical).
bool IsInside(const fs::path& path, const fs::path& root) {
  const fs::path relative = path.lexically_relative(root);
  return !relative.empty() && *relative.begin() != ".." && *relative.begin() != ".";
}

// The whole file, or nullopt when it cannot be read or is not `expected`
// bytes long any more (it changed while we listed the directory).
std::optional<std::string> ReadFile(const fs::path& path, size_t expected) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes(expected + 1, '\0');  // one more: a file that grew is noticed
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.bad() || static_cast<size_t>(in.gcount()) != expected) return std::nullopt;
  bytes.resize(expected);
  return bytes;
}

}  // namespace

std::string StaticContentType(std::string_view path) {
  const std::string_view name = path.substr(path.rfind('/') + 1);
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string extension(name.substr(dot + 1));
  for (auto& c : extension) c = Lower(c);
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"txt", "text/plain; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"ico", "image/x-icon"},
      {"webp", "image/webp"},
      {"woff2", "font/woff2"},
  };
  auto found = kTypes.find(extension);
  return found == kTypes.end() ? "application/octet-stream" : found->second;
}

bool IsHashedAsset(std::string_view url_path) {
  if (!url_path.starts_with("/assets/")) return false;
  const std::string_view name = url_path.substr(url_path.rfind('/') + 1);
  const size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  const std::string_view rest = name.substr(dash + 1);  // "AB12CD34.js" (or ".js.map")
  const size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot < 8 || dot + 1 == rest.size()) return false;
  return std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(dot), IsAlnum);
}

bool PrefersGzip(const std::optional<std::string>& field) {
  if (!field) return false;  // no field: any coding would do; identity is the safe one
  constexpr size_t kMaxBytes = 1024;
  constexpr int kMaxElements = 32;
  if (field->size() > kMaxBytes) return false;
  // Weights in thousandths; -1: the coding is not named.
  int gzip = -1, identity = -1, any = -1;
  int elements = 0;
  std::string_view rest = *field;
  while (!rest.empty()) {
    if (++elements > kMaxElements) return false;
    const size_t comma = rest.find(',');
    std::string_view element = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    // coding *( OWS ";" OWS parameter ); of the parameters only q means anything.
    const size_t semicolon = element.find(';');
    const std::string_view coding = Trim(element.substr(0, semicolon));
    if (coding.empty()) continue;  // empty list elements are allowed
    if (!IsToken(coding)) continue;
    int quality = 1000;
    std::string_view parameters =
        semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon + 1);
    while (!parameters.empty() && quality >= 0) {
      const size_t next = parameters.find(';');
      const std::string_view parameter = Trim(parameters.substr(0, next));
      parameters =
          next == std::string_view::npos ? std::string_view() : parameters.substr(next + 1);
      const size_t equals = parameter.find('=');
      if (equals == std::string_view::npos) continue;
      if (EqualsIgnoringCase(Trim(parameter.substr(0, equals)), "q")) {
        quality = ParseQuality(Trim(parameter.substr(equals + 1)));
      }
    }
    if (quality < 0) continue;  // a malformed weight: the element is ignored
    // A coding named twice: the lower weight, so a refusal is never overridden.
    auto note = [quality](int& weight) {
      weight = weight < 0 ? quality : std::min(weight, quality);
    };
    if (EqualsIgnoringCase(coding, "gzip") || EqualsIgnoringCase(coding, "x-gzip")) {
      note(gzip);
    } else if (EqualsIgnoringCase(coding, "identity")) {
      note(identity);
    } else if (coding == "*") {
      note(any);
    }
  }
  const int gzip_weight = gzip >= 0 ? gzip : std::max(any, 0);
  // Identity not named is acceptable but not preferred: "gzip;q=0.5" asks for gzip.
  const int identity_weight = identity >= 0 ? identity : std::max(any, 0);
  return gzip_weight > 0 && gzip_weight >= identity_weight;
}

StatusOr<StaticFileSet> LoadStaticFiles(const std::string& dir, const StaticLimits& limits) {
  auto refuse = [&dir](const std::string& why) {
    return InvalidArgumentError("CABILDO_PORTAL_DIR='" + dir + "' no es válido: " + why);
  };
  std::error_code error;
  const fs::path root = fs::canonical(dir, error);
  if (error) return refuse("no existe o no se puede leer (" + error.message() + ")");
  if (!fs::is_directory(root, error)) return refuse("no es una carpeta");

  // First the list and the sizes, within the bounds, then the reading.
  struct Found {
    fs::path path;
    std::string url;
    size_t size;
  };
  std::vector<Found> found;
  size_t total = 0;
  // Every entry counts, skipped ones too: a CABILDO_PORTAL_DIR=/ is refused
  // after a bounded walk, not after reading the whole disk's names.
  const size_t max_entries = limits.max_files * 4 + 100;
  size_t entries = 0;
  const fs::recursive_directory_iterator end;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, error);
  for (; !error && it != end; it.increment(error)) {
    if (++entries > max_entries) {
      return refuse("tiene más de " + std::to_string(max_entries) + " entradas");
    }
    const fs::directory_entry& entry = *it;
    const std::string relative = entry.path().lexically_relative(root).generic_string();
    if (entry.path().filename().string().starts_with(".")) {  // dotfiles and dot folders
      if (entry.is_directory(error)) it.disable_recursion_pending();
      continue;
    }
    if (!InUrlAlphabet(relative)) {
      core::LogWarn(
          "portal: se omite un archivo cuya ruta tiene caracteres fuera de [A-Za-z0-9._/-]",
          {{"archivo", relative}});
      if (entry.is_directory(error)) it.disable_recursion_pending();
      continue;
    }
    fs::path path = entry.path();
    if (entry.is_symlink(error)) {
      // Followed only to a regular file inside the folder; a linked folder
      // is never entered (the iterator does not follow directory links).
      path = fs::canonical(entry.path(), error);
      if (error || !IsInside(path, root) || !fs::is_regular_file(path, error)) {
        core::LogWarn(
            "portal: se omite un enlace simbólico que no lleva a un archivo de la carpeta",
            {{"archivo", relative}});
        error.clear();
        continue;
      }
    } else if (entry.is_directory(error)) {
      continue;
    } else if (!entry.is_regular_file(error)) {
      core::LogWarn("portal: se omite lo que no es un archivo regular", {{"archivo", relative}});
      continue;
    }
    const std::uintmax_t size = fs::file_size(path, error);
    if (error) return refuse("no se puede leer " + relative + " (" + error.message() + ")");
    if (size > limits.max_file_bytes) {
      return refuse(relative + " mide " + std::to_string(size) +
                    " bytes; el máximo por archivo es " + std::to_string(limits.max_file_bytes));
    }
    if (found.size() == limits.max_files) {
      return refuse("tiene más de " + std::to_string(limits.max_files) + " archivos");
    }
    total += size;
    if (total > limits.max_total_bytes) {
      return refuse("sus archivos suman más de " + std::to_string(limits.max_total_bytes) +
                    " bytes");
    }
    found.push_back({std::move(path), "/" + relative, static_cast<size_t>(size)});
  }
  if (error) return refuse("no se pudo recorrer (" + error.message() + ")");

  StaticFileSet files;
  for (auto& file : found) {
    auto bytes = ReadFile(file.path, file.size);
    if (!bytes) return refuse("no se pudo leer " + file.url.substr(1) + " (¿cambió al leerlo?)");
    files.emplace(file.url, MakeFile(file.url, std::move(*bytes)));
  }
  auto index = files.find("/index.html");
  if (index == files.end()) return refuse("no tiene index.html (¿es la carpeta dist del portal?)");
  files.emplace("/", index->second);
  core::LogInfo("portal cargado",
                {{"carpeta", root.string()}, {"archivos", found.size()}, {"bytes", total}});
  return files;
}

Status RegisterStaticRoutes(Router& router, std::shared_ptr<const StaticFileSet> files) {
  for (const auto& [url, file] : *files) {
    if (url == "/v1" || url.starts_with("/v1/") || url == "/healthz" || url == "/readyz" ||
        url == "/metrics") {
      return InvalidArgumentError("CABILDO_PORTAL_DIR: el archivo " + url.substr(1) +
                                  " ocuparía una ruta reservada del servidor (" + url + ")");
    }
    if (router.Find(Method::kGet, url).kind != Router::Match::Kind::kNotFound) {
      return InvalidArgumentError("CABILDO_PORTAL_DIR: el archivo " + url.substr(1) +
                                  " ocuparía la ruta " + url + ", que ya existe");
    }
  }
  for (const auto& [url, file] : *files) {
    // `files` never changes and each route keeps it alive.
    auto answer = [files, entry = &file](Request& request) {
      return StaticResponse(*entry, request);
    };
    router.Add(Method::kGet, url, answer,
               [answer](Request& request) -> std::optional<Response> { return answer(request); });
  }
  return OkStatus();
}

Response StaticResponse(const StaticFile& file, const Request& request) {
  const bool gzip = file.gzip && PrefersGzip(request.Header("accept-encoding"));
  const StaticRepresentation& chosen = gzip ? *file.gzip : file.identity;
  // A 304 carries what the 200 would have for caches (RFC 9110 §15.4.5).
  if (auto not_modified = NotModified(request, chosen.etag)) {
    not_modified->headers.emplace_back("Cache-Control", file.cache_control);
    not_modified->headers.emplace_back("Vary", "Accept-Encoding");
    return std::move(*not_modified);
  }
  Response response;
  response.content_type = file.content_type;
  response.shared_body = chosen.bytes;
  response.etag = chosen.etag;  // the dispatcher sends it
  response.headers.emplace_back("Cache-Control", file.cache_control);
  response.headers.emplace_back("Vary", "Accept-Encoding");
  if (gzip) response.headers.emplace_back("Content-Encoding", "gzip");
  if (file.html)
    response.headers.emplace_back("Content-Security-Policy", kPortalContentSecurityPolicy);
  return response;
}

}  // namespace cabildo::api
