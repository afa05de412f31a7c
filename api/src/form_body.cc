#include "form_body.h"

#include <cctype>
#include <string>

#include "cabildo/api/http.h"

namespace cabildo::api {
namespace {

using nlohmann::json;

BoundedJson Refuse(std::string detail) {
  BoundedJson out;
  out.refusal = JsonRefusal{400, std::move(detail), "", ""};
  return out;
}

bool IsControl(char c, bool allow_line_breaks) {
  const auto byte = static_cast<unsigned char>(c);
  if (allow_line_breaks && (c == '\t' || c == '\n' || c == '\r')) return false;
  return byte < 0x20 || byte == 0x7f;
}

bool HasControl(std::string_view text, bool allow_line_breaks) {
  for (char c : text) {
    if (IsControl(c, allow_line_breaks)) return true;
  }
  return false;
}

// A field name split into its base and bracket parts: "a", "a[]", "a[k]",
// "a[k][]". False for anything else.
struct FieldName {
  std::string base;
  std::string key;  // inside the first brackets, when not "[]"
  bool keyed = false;
  bool list = false;  // ends in "[]"
};

bool SplitName(const std::string& name, FieldName& out) {
  const size_t open = name.find('[');
  if (open == std::string::npos) {
    if (name.find(']') != std::string::npos) return false;
    out.base = name;
    return !name.empty();
  }
  out.base = name.substr(0, open);
  if (out.base.empty() || out.base.find(']') != std::string::npos) return false;
  std::string_view rest = std::string_view(name).substr(open);
  if (rest == "[]") {
    out.list = true;
    return true;
  }
  const size_t close = rest.find(']');
  if (close == std::string_view::npos || close < 2) return false;
  out.key = std::string(rest.substr(1, close - 1));
  if (out.key.find('[') != std::string::npos) return false;
  out.keyed = true;
  rest = rest.substr(close + 1);
  if (rest.empty()) return true;
  if (rest != "[]") return false;
  out.list = true;
  return true;
}

// Adds `value` under `name` in `object`; false when the name was already
// used with another shape, or a plain name is given twice.
bool Place(json& object, const FieldName& name, std::string value) {
  auto base = object.find(name.base);
  if (!name.keyed) {
    if (!name.list) {
      if (base != object.end()) return false;
      object[name.base] = std::move(value);
      return true;
    }
    if (base == object.end()) base = object.emplace(name.base, json::array()).first;
    if (!base->is_array()) return false;
    base->push_back(std::move(value));
    return true;
  }
  if (base == object.end()) base = object.emplace(name.base, json::object()).first;
  if (!base->is_object()) return false;
  auto key = base->find(name.key);
  if (!name.list) {
    if (key != base->end()) return false;
    (*base)[name.key] = std::move(value);
    return true;
  }
  if (key == base->end()) key = base->emplace(name.key, json::array()).first;
  if (!key->is_array()) return false;
  key->push_back(std::move(value));
  return true;
}

}  // namespace

BoundedJson ParseFormBody(std::string_view bytes, const FormLimits& limits) {
  BoundedJson out;
  out.value = json::object();
  std::size_t fields = 0;
  std::size_t start = 0;
  while (start <= bytes.size()) {
    std::size_t end = bytes.find('&', start);
    if (end == std::string_view::npos) end = bytes.size();
    const std::string_view pair = bytes.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    if (++fields > limits.max_fields) {
      return Refuse("El formulario tiene más de " + std::to_string(limits.max_fields) + " campos.");
    }
    const std::size_t equals = pair.find('=');
    const std::string raw_name(pair.substr(0, equals));
    // A raw name far beyond the limit is refused before it is decoded.
    if (raw_name.size() > limits.max_name_bytes * 3) {
      return Refuse("Un nombre de campo del formulario es demasiado largo.");
    }
    const std::string name = PercentDecode(raw_name, /*plus_is_space=*/true);
    std::string value = equals == std::string_view::npos
                            ? std::string()
                            : PercentDecode(std::string(pair.substr(equals + 1)), true);
    if (name.size() > limits.max_name_bytes) {
      return Refuse("Un nombre de campo del formulario es demasiado largo.");
    }
    if (!IsValidUtf8(name) || HasControl(name, /*allow_line_breaks=*/false)) {
      return Refuse("Un nombre de campo del formulario no es texto UTF-8 válido.");
    }
    if (!IsValidUtf8(value)) {
      return Refuse("El valor del campo '" + name + "' no es texto UTF-8 válido.");
    }
    FieldName parts;
    if (!SplitName(name, parts)) {
      return Refuse("El campo '" + name +
                    "' del formulario usa corchetes de una forma que no se admite (solo a[], "
                    "a[clave] y a[clave][]).");
    }
    if (HasControl(value, /*allow_line_breaks=*/true)) {
      out.refusal =
          JsonRefusal{422, "Revise los campos señalados.", name, "Contiene caracteres de control."};
      return out;
    }
    if (!Place(out.value, parts, std::move(value))) {
      return Refuse("El campo '" + name + "' del formulario aparece repetido o con dos formas.");
    }
  }
  return out;
}

bool IsFormMediaType(std::string_view content_type) {
  const std::string_view kForm = "application/x-www-form-urlencoded";
  std::string lowered;
  for (char c : content_type.substr(0, content_type.find(';'))) {
    if (c != ' ' && c != '\t') {
      lowered.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return lowered == kForm;
}

}  // namespace cabildo::api
