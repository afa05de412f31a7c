#include "json_body.h"

#include <utility>
#include <vector>

namespace cabildo::api {
namespace {

using nlohmann::json;

// The first control character of `text` (tab, newline and carriage return
// pass when `allow_line_breaks`), or nullopt.
std::optional<unsigned char> ControlIn(const std::string& text, bool allow_line_breaks) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) continue;
    if (allow_line_breaks && (byte == '\t' || byte == '\n' || byte == '\r')) continue;
    return byte;
  }
  return std::nullopt;
}

std::string CodePoint(unsigned char byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("U+00") + kHex[byte >> 4] + kHex[byte & 0xf];
}

// A key as a field path shows it: control characters as \u00XX, so the
// answer names the field without carrying the character itself.
std::string Printable(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
    } else {
      out += "\\u" + CodePoint(byte).substr(2);
    }
  }
  return out;
}

std::string DepthDetail(std::size_t max_depth) {
  return "El cuerpo JSON anida más de " + std::to_string(max_depth) +
         " niveles de listas u objetos.";
}

// nlohmann's SAX parser keeps its own state on the heap (it never recurses);
// this handler builds the document as json_sax_dom_parser does, and checks
// every value as it arrives, knowing where it is.
class BoundedDomBuilder {
 public:
  BoundedDomBuilder(json& root, const JsonLimits& limits) : root_(root), limits_(limits) {}

  bool null() { return Add(nullptr) != nullptr; }
  bool boolean(bool value) { return Add(value) != nullptr; }
  bool number_integer(json::number_integer_t value) { return Add(value) != nullptr; }
  bool number_unsigned(json::number_unsigned_t value) { return Add(value) != nullptr; }
  // Finite: the parser reports an overflowing number through parse_error.
  bool number_float(json::number_float_t value, const std::string& /*text*/) {
    return Add(value) != nullptr;
  }
  bool string(std::string& value) {
    if (auto control = ControlIn(value, /*allow_line_breaks=*/true)) {
      return Refuse422(Path(),
                       "Contiene un carácter de control (" + CodePoint(*control) + "); quítelo.");
    }
    return Add(std::move(value)) != nullptr;
  }
  bool binary(json::binary_t& /*value*/) { return Refuse400("El cuerpo no es JSON válido."); }

  bool start_object(std::size_t /*elements*/) { return Open(json::value_t::object); }
  bool key(std::string& key) {
    if (key.size() > limits_.max_key_bytes) {
      return Refuse400("Un nombre de campo del cuerpo JSON excede " +
                       std::to_string(limits_.max_key_bytes) + " bytes.");
    }
    frames_.back().key = std::move(key);
    if (auto control = ControlIn(frames_.back().key, /*allow_line_breaks=*/false)) {
      return Refuse422(Path(), "El nombre del campo contiene un carácter de control (" +
                                   CodePoint(*control) + ").");
    }
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(std::size_t /*elements*/) { return Open(json::value_t::array); }
  bool end_array() { return Close(); }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) {
    if (error.id == 406) {  // out_of_range.406: a number overflowing double, e.g. 1e400
      return Refuse422(Path(), "El número excede el rango admitido.");
    }
    return Refuse400("El cuerpo no es JSON válido (byte " + std::to_string(position) + ").");
  }

  std::optional<JsonRefusal> TakeRefusal() { return std::move(refusal_); }

 private:
  struct Frame {
    json* container;
    std::string key;  // objects: the key of the member being read
  };

  // Stores `value` where the parser is; nullptr (and a refusal) past the limits.
  json* Add(json value) {
    if (++values_ > limits_.max_values) {
      Refuse400("El cuerpo JSON tiene más de " + std::to_string(limits_.max_values) + " valores.");
      return nullptr;
    }
    if (frames_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& top = frames_.back();
    if (top.container->is_array()) {
      top.container->push_back(std::move(value));
      return &top.container->back();
    }
    json& member = (*top.container)[top.key];
    member = std::move(value);
    return &member;
  }

  bool Open(json::value_t type) {
    // The pre-scan already bounds the depth; this keeps the builder safe alone.
    if (frames_.size() >= limits_.max_depth) return Refuse400(DepthDetail(limits_.max_depth));
    json* container = Add(json(type));
    if (container == nullptr) return false;
    frames_.push_back({container, {}});
    return true;
  }

  bool Close() {
    frames_.pop_back();
    return true;
  }

  // Where the value being read goes: "funding[2].amount_mxn". Only built
  // for an answer, so the happy path never pays for it.
  std::string Path() const {
    std::string path;
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      const json& container = *frames_[i].container;
      if (container.is_array()) {
        // An outer array already holds the element being built; the
        // innermost one has not stored the value being read yet.
        const std::size_t index = i + 1 < frames_.size() ? container.size() - 1 : container.size();
        path += "[" + std::to_string(index) + "]";
      } else {
        if (!path.empty()) path += '.';
        path += Printable(frames_[i].key);
      }
    }
    return path;
  }

  bool Refuse400(std::string detail) {
    if (!refusal_) refusal_ = JsonRefusal{400, std::move(detail), {}, {}};
    return false;
  }
  bool Refuse422(std::string field, std::string message) {
    // A refused value at the root is no field of an object: the body itself
    // is wrong (a bare 1e400 or "a\u0000"), a 400 with the reason.
    if (field.empty()) return Refuse400("El cuerpo no es válido: " + message);
    if (!refusal_) {
      refusal_ =
          JsonRefusal{422, "Revise los campos señalados.", std::move(field), std::move(message)};
    }
    return false;
  }

  json& root_;
  const JsonLimits& limits_;
  std::vector<Frame> frames_;
  std::size_t values_ = 0;
  std::optional<JsonRefusal> refusal_;
};

}  // namespace

bool JsonNestingWithin(std::string_view bytes, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, a quote included, is part of the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return false;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return true;
}

BoundedJson ParseBoundedJson(std::string_view bytes, const JsonLimits& limits) {
  BoundedJson result;
  if (bytes.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    result.refusal = JsonRefusal{400, "Falta el cuerpo JSON de la solicitud.", {}, {}};
    return result;
  }
  if (!JsonNestingWithin(bytes, limits.max_depth)) {
    result.refusal = JsonRefusal{400, DepthDetail(limits.max_depth), {}, {}};
    return result;
  }
  BoundedDomBuilder builder(result.value, limits);
  bool parsed = false;
  try {
    parsed = json::sax_parse(bytes.begin(), bytes.end(), &builder);
  } catch (const json::exception&) {
    parsed = false;  // not expected from a SAX parse; refused below all the same
  }
  result.refusal = builder.TakeRefusal();
  if (!parsed && !result.refusal) {
    result.refusal = JsonRefusal{400, "El cuerpo no es JSON válido.", {}, {}};
  }
  if (result.refusal) result.value = nullptr;
  return result;
}

}  // namespace cabildo::api
