// SchemaSet: the keyword checks done once by Add, $ref resolution and the
// cycle check done once by Resolve, and the evaluator (see json_schema.h for
// the contract and why this is ours and not valijson).
#include "cabildo/core/json_schema.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "cabildo/plugin/text_checks.h"

namespace cabildo::core {
namespace {

using nlohmann::json;

constexpr std::string_view kRefPrefix = "#/components/schemas/";

enum class Kw {
  kType,
  kEnum,
  kConst,
  kProperties,
  kRequired,
  kAdditionalProperties,
  kItems,
  kMinItems,
  kMaxItems,
  kUniqueItems,
  kMinLength,
  kMaxLength,
  kMinimum,
  kMaximum,
  kExclusiveMinimum,
  kExclusiveMaximum,
  kMultipleOf,
  kMinProperties,
  kMaxProperties,
  kAllOf,
  kAnyOf,
  kOneOf,
  kNot,
  kRef,
  kDefs,
  kFormat,
  kMessage,
  // Annotations: accepted, never evaluated.
  kAnyAnnotation,
  kStringAnnotation,
  kBoolAnnotation,
  kArrayAnnotation,
};

const std::unordered_map<std::string_view, Kw>& Keywords() {
  static const auto* const kKeywords = new std::unordered_map<std::string_view, Kw>{
      {"type", Kw::kType},
      {"enum", Kw::kEnum},
      {"const", Kw::kConst},
      {"properties", Kw::kProperties},
      {"required", Kw::kRequired},
      {"additionalProperties", Kw::kAdditionalProperties},
      {"items", Kw::kItems},
      {"minItems", Kw::kMinItems},
      {"maxItems", Kw::kMaxItems},
      {"uniqueItems", Kw::kUniqueItems},
      {"minLength", Kw::kMinLength},
      {"maxLength", Kw::kMaxLength},
      {"minimum", Kw::kMinimum},
      {"maximum", Kw::kMaximum},
      {"exclusiveMinimum", Kw::kExclusiveMinimum},
      {"exclusiveMaximum", Kw::kExclusiveMaximum},
      {"multipleOf", Kw::kMultipleOf},
      {"minProperties", Kw::kMinProperties},
      {"maxProperties", Kw::kMaxProperties},
      {"allOf", Kw::kAllOf},
      {"anyOf", Kw::kAnyOf},
      {"oneOf", Kw::kOneOf},
      {"not", Kw::kNot},
      {"$ref", Kw::kRef},
      {"$defs", Kw::kDefs},
      {"format", Kw::kFormat},
      {"x-message", Kw::kMessage},
      {"title", Kw::kStringAnnotation},
      {"description", Kw::kStringAnnotation},
      {"$comment", Kw::kStringAnnotation},
      {"$schema", Kw::kStringAnnotation},
      {"$id", Kw::kStringAnnotation},
      {"examples", Kw::kArrayAnnotation},
      {"example", Kw::kAnyAnnotation},  // OpenAPI's deprecated singular form
      {"default", Kw::kAnyAnnotation},
      {"readOnly", Kw::kBoolAnnotation},
      {"writeOnly", Kw::kBoolAnnotation},
      {"deprecated", Kw::kBoolAnnotation},
  };
  return *kKeywords;
}

bool KnownFormat(std::string_view format) {
  for (std::string_view known :
       {"date", "date-time", "uuid", "email", "uri", "money", "curp", "rfc", "inegi"}) {
    if (format == known) return true;
  }
  return false;
}

bool IsSchemaName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (const char c : name) {
    if (!(plugin::IsAsciiDigit(c) || plugin::IsAsciiUpper(c) || (c >= 'a' && c <= 'z') ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

// "~" and "/" escaped as a JSON pointer token (RFC 6901).
void AppendPointerToken(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (const char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

bool IsNonNegativeInteger(const json& value) {
  if (value.is_number_unsigned()) return true;
  if (value.is_number_integer()) return value.get<std::int64_t>() >= 0;
  if (value.is_number_float()) {
    const double d = value.get<double>();
    return std::isfinite(d) && d >= 0 && std::trunc(d) == d && d < 9.0e18;
  }
  return false;
}

std::uint64_t AsCount(const json& value) {
  if (value.is_number_float()) return static_cast<std::uint64_t>(value.get<double>());
  return value.get<std::uint64_t>();
}

bool IsIntegerValue(const json& value) {
  if (value.is_number_integer()) return true;  // signed or unsigned
  if (!value.is_number_float()) return false;
  const double d = value.get<double>();
  return std::isfinite(d) && std::trunc(d) == d;
}

bool TypeIs(std::string_view type, const json& value) {
  if (type == "string") return value.is_string();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "number") return value.is_number();
  if (type == "integer") return IsIntegerValue(value);
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  return false;
}

bool TypeMatches(const json& type, const json& value) {
  if (type.is_string()) return TypeIs(type.get_ref<const std::string&>(), value);
  for (const json& each : type) {
    if (TypeIs(each.get_ref<const std::string&>(), value)) return true;
  }
  return false;
}

const char* TypeNoun(std::string_view type) {
  if (type == "string") return "texto";
  if (type == "number") return "un número";
  if (type == "integer") return "un número entero";
  if (type == "boolean") return "verdadero o falso";
  if (type == "array") return "una lista";
  if (type == "object") return "un objeto";
  return "nulo";
}

std::string TypeMessage(const json& type) {
  std::string message = "Debe ser ";
  if (type.is_string()) {
    message += TypeNoun(type.get_ref<const std::string&>());
  } else {
    for (std::size_t i = 0; i < type.size(); ++i) {
      if (i > 0) message += " o ";
      message += TypeNoun(type[i].get_ref<const std::string&>());
    }
  }
  return message + ".";
}

// How a value reads in a message: text as is, anything else as JSON.
std::string Shown(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string EnumMessage(const json& values) {
  constexpr std::size_t kMaxListed = 300;  // bytes of the list in the message
  std::string list;
  for (const json& each : values) {
    if (!list.empty()) list += ", ";
    list += Shown(each);
    if (list.size() > kMaxListed) return "Use uno de los valores admitidos.";
  }
  if (values.empty()) return "No hay valores admitidos.";
  return "Use uno de: " + list + ".";
}

// "un elemento" / "3 elementos".
std::string Count(std::uint64_t n, const char* one, const char* many) {
  return n == 1 ? std::string(one) : std::to_string(n) + " " + many;
}

// -1, 0 or 1 as a < b, a == b, a > b; exact for any mix of nlohmann's integer,
// unsigned and float kinds (long double holds every 64-bit integer).
int CompareNumbers(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_unsigned = a.is_number_unsigned();
    const bool b_unsigned = b.is_number_unsigned();
    if (a_unsigned && b_unsigned) {
      const auto x = a.get<std::uint64_t>();
      const auto y = b.get<std::uint64_t>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (!a_unsigned && !b_unsigned) {
      const auto x = a.get<std::int64_t>();
      const auto y = b.get<std::int64_t>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a_unsigned) {  // b signed
      const auto y = b.get<std::int64_t>();
      if (y < 0) return 1;
      const auto x = a.get<std::uint64_t>();
      const auto uy = static_cast<std::uint64_t>(y);
      return x < uy ? -1 : x > uy ? 1 : 0;
    }
    return -CompareNumbers(b, a);
  }
  auto wide = [](const json& n) -> long double {
    if (n.is_number_unsigned()) return static_cast<long double>(n.get<std::uint64_t>());
    if (n.is_number_integer()) return static_cast<long double>(n.get<std::int64_t>());
    return static_cast<long double>(n.get<double>());
  };
  const long double x = wide(a);
  const long double y = wide(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

bool IsMultipleOf(const json& value, const json& divisor) {
  if (value.is_number_integer() && divisor.is_number_integer()) {
    const std::uint64_t d = divisor.is_number_unsigned()
                                ? divisor.get<std::uint64_t>()
                                : static_cast<std::uint64_t>(divisor.get<std::int64_t>());
    std::uint64_t v = 0;
    if (value.is_number_unsigned()) {
      v = value.get<std::uint64_t>();
    } else {
      const auto s = value.get<std::int64_t>();
      // |INT64_MIN| as unsigned without overflow.
      v = s < 0 ? static_cast<std::uint64_t>(-(s + 1)) + 1 : static_cast<std::uint64_t>(s);
    }
    return d != 0 && v % d == 0;
  }
  const double v = value.get<double>();
  const double d = divisor.get<double>();
  const double quotient = v / d;
  if (!std::isfinite(quotient)) return false;
  const double nearest = std::round(quotient);
  return std::fabs(quotient - nearest) <= 1e-9 * std::max(1.0, std::fabs(quotient));
}

// Unicode code points of valid UTF-8 (nlohmann's parser refuses invalid
// UTF-8): every byte that is not a continuation byte starts one.
std::size_t CodePoints(const std::string& text) {
  std::size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool HasDuplicates(const json& array) {
  if (array.size() < 2) return false;
  std::vector<const json*> sorted;
  sorted.reserve(array.size());
  for (const json& each : array) sorted.push_back(&each);
  // nlohmann's ordering compares numbers of any kind by value (1 == 1.0)
  // and objects by their sorted members, as JSON Schema's equality does.
  std::sort(sorted.begin(), sorted.end(), [](const json* a, const json* b) { return *a < *b; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (*sorted[i - 1] == *sorted[i]) return true;
  }
  return false;
}

// "non-negative decimal string, <= 14 integer digits, <= 2 decimals".
bool IsMoneyText(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  if (whole.empty() || whole.size() > 14 || !plugin::IsDigits(whole)) return false;
  if (dot == std::string_view::npos) return true;
  const std::string_view cents = text.substr(dot + 1);
  return !cents.empty() && cents.size() <= 2 && plugin::IsDigits(cents);
}

bool IsDateTime(std::string_view text) {
  if (!plugin::IsRfc3339Timestamp(text) || !plugin::IsCalendarDate(text.substr(0, 10))) {
    return false;
  }
  auto two = [&](std::size_t at) { return (text[at] - '0') * 10 + (text[at + 1] - '0'); };
  if (two(11) > 23 || two(14) > 59 || two(17) > 59) return false;
  if (text.back() == 'Z') return true;
  const std::size_t zone = text.size() - 6;
  return two(zone + 1) <= 23 && two(zone + 4) <= 59;
}

bool FormatHolds(std::string_view format, std::string_view text) {
  if (format == "date") return plugin::IsCalendarDate(text);
  if (format == "date-time") return IsDateTime(text);
  if (format == "uuid") return plugin::IsLowerUuid(text);
  if (format == "email") return plugin::IsEmailShape(text);
  if (format == "uri") return plugin::IsHttpUrl(text);
  if (format == "money") return IsMoneyText(text);
  if (format == "curp") return plugin::IsCurp(text);
  if (format == "rfc") return plugin::IsRfc(text);
  if (format == "inegi") return plugin::IsDigitsOfLength(text, {2, 5, 9});
  return false;  // Add refuses any other
}

std::string FormatMessage(std::string_view format, std::string_view text) {
  if (format == "date") return "Debe ser una fecha válida AAAA-MM-DD.";
  if (format == "date-time") {
    return "Debe ser una fecha y hora RFC 3339, por ejemplo \"2026-01-31T12:00:00Z\".";
  }
  if (format == "uuid") return "Debe ser un identificador UUID en minúsculas.";
  if (format == "email") return "Debe ser un correo electrónico válido.";
  if (format == "uri") {
    return "Debe ser una dirección que empiece con http:// o https://, de hasta 2048 caracteres.";
  }
  if (format == "money") {
    if (!text.empty() && text.front() == '-') return "El importe no puede ser negativo.";
    return "Escriba un importe en pesos como texto decimal, por ejemplo \"1250000.00\".";
  }
  if (format == "curp") return "Debe ser una CURP válida: 18 caracteres con su dígito verificador.";
  if (format == "rfc") return "Debe ser un RFC válido.";
  return "Debe ser una clave geoestadística del INEGI de 2, 5 o 9 dígitos.";
}

bool IsPlainIdentifier(std::string_view key) {
  if (key.empty() || plugin::IsAsciiDigit(key[0])) return false;
  for (const char c : key) {
    if (!(plugin::IsAsciiDigit(c) || plugin::IsAsciiUpper(c) || (c >= 'a' && c <= 'z') ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

void AppendMember(std::string& path, std::string_view key) {
  if (IsPlainIdentifier(key)) {
    if (!path.empty()) path += '.';
    path += key;
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  path += "[\"";
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      path += '\\';
      path += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      path += "\\u00";
      path += kHex[byte >> 4];
      path += kHex[byte & 0xf];
    } else {
      path += c;
    }
  }
  path += "\"]";
}

// The schema a "#/components/schemas/<Name>[/pointer]" names, when it is one
// of `nodes` (a place that is a schema, not e.g. a "properties" object).
const json* FindRef(const std::map<std::string, json>& schemas,
                    const std::unordered_map<const json*, const std::string*>& nodes,
                    std::string_view ref) {
  if (ref.substr(0, kRefPrefix.size()) != kRefPrefix) return nullptr;
  std::string_view rest = ref.substr(kRefPrefix.size());
  const std::size_t slash = rest.find('/');
  const auto found = schemas.find(std::string(rest.substr(0, slash)));
  if (found == schemas.end()) return nullptr;
  const json* at = &found->second;
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  while (!rest.empty()) {
    rest.remove_prefix(1);  // '/'
    const std::size_t end = rest.find('/');
    std::string token;
    for (std::size_t i = 0; i < std::min(end, rest.size()); ++i) {
      if (rest[i] == '~' && i + 1 < rest.size() && (rest[i + 1] == '0' || rest[i + 1] == '1')) {
        token += rest[i + 1] == '0' ? '~' : '/';
        ++i;
      } else if (rest[i] == '~') {
        return nullptr;
      } else {
        token += rest[i];
      }
    }
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (at->is_object()) {
      const auto member = at->find(token);
      if (member == at->end()) return nullptr;
      at = &*member;
    } else if (at->is_array()) {
      if (!plugin::IsDigits(token) || token.size() > 6 || (token.size() > 1 && token[0] == '0')) {
        return nullptr;
      }
      const std::size_t index = std::stoul(token);
      if (index >= at->size()) return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
  }
  return nodes.count(at) != 0 ? at : nullptr;
}

// A {"$ref": ...} object and its JSON pointer, as Checker finds them.
using RefFound = std::pair<const json*, std::string>;

// Add's walk: checks every keyword of every subschema, depth-capped.
class Checker {
 public:
  Checker(std::string name, std::vector<const json*>* nodes, std::vector<RefFound>* refs)
      : name_(std::move(name)), nodes_(nodes), refs_(refs) {}

  Status Walk(const json& node, std::string& pointer, std::size_t depth) {
    if (depth > SchemaSet::kMaxSchemaDepth) {
      return Refuse(
          pointer, "",
          "anida más de " + std::to_string(SchemaSet::kMaxSchemaDepth) + " niveles de subesquemas");
    }
    if (node.is_boolean()) {
      nodes_->push_back(&node);
      return OkStatus();
    }
    if (!node.is_object()) return Refuse(pointer, "", "no es un esquema (objeto, true o false)");
    nodes_->push_back(&node);
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string& key = it.key();
      const json& value = it.value();
      const auto known = Keywords().find(key);
      if (known == Keywords().end()) {
        if (key.substr(0, 2) == "x-") continue;  // an extension: documentation only
        return Refuse(pointer, key, "es una palabra clave que el intérprete no implementa");
      }
      const std::size_t mark = pointer.size();
      AppendPointerToken(pointer, key);
      Status status = Check(node, known->second, key, value, pointer, depth);
      pointer.resize(mark);
      CABILDO_RETURN_IF_ERROR(status);
    }
    return OkStatus();
  }

 private:
  Status Check(const json& node, Kw kw, const std::string& key, const json& value,
               std::string& pointer, std::size_t depth) {
    switch (kw) {
      case Kw::kType:
        return CheckType(key, value, pointer);
      case Kw::kEnum:
      case Kw::kArrayAnnotation:
        return value.is_array() ? OkStatus() : Refuse(pointer, key, "debe ser una lista");
      case Kw::kConst:
      case Kw::kAnyAnnotation:
        return OkStatus();
      case Kw::kProperties:
      case Kw::kDefs:
        if (!value.is_object()) return Refuse(pointer, key, "debe ser un objeto de esquemas");
        for (auto it = value.begin(); it != value.end(); ++it) {
          const std::size_t mark = pointer.size();
          AppendPointerToken(pointer, it.key());
          Status status = Walk(it.value(), pointer, depth + 1);
          pointer.resize(mark);
          CABILDO_RETURN_IF_ERROR(status);
        }
        return OkStatus();
      case Kw::kRequired: {
        if (!value.is_array()) return Refuse(pointer, key, "debe ser una lista de nombres");
        std::unordered_set<std::string_view> seen;
        for (const json& each : value) {
          if (!each.is_string() || !seen.insert(each.get_ref<const std::string&>()).second) {
            return Refuse(pointer, key, "debe ser una lista de nombres distintos");
          }
        }
        return OkStatus();
      }
      case Kw::kAdditionalProperties:
      case Kw::kNot:
        return Walk(value, pointer, depth + 1);
      case Kw::kItems:
        if (value.is_array()) {
          return Refuse(pointer, key,
                        "debe ser un esquema (la forma de lista, prefixItems, no "
                        "se admite)");
        }
        return Walk(value, pointer, depth + 1);
      case Kw::kMinItems:
      case Kw::kMaxItems:
      case Kw::kMinLength:
      case Kw::kMaxLength:
      case Kw::kMinProperties:
      case Kw::kMaxProperties:
        return IsNonNegativeInteger(value) ? OkStatus()
                                           : Refuse(pointer, key, "debe ser un entero no negativo");
      case Kw::kUniqueItems:
      case Kw::kBoolAnnotation:
        return value.is_boolean() ? OkStatus() : Refuse(pointer, key, "debe ser true o false");
      case Kw::kMinimum:
      case Kw::kMaximum:
      case Kw::kExclusiveMinimum:
      case Kw::kExclusiveMaximum:
        return value.is_number() ? OkStatus() : Refuse(pointer, key, "debe ser un número");
      case Kw::kMultipleOf:
        return value.is_number() && CompareNumbers(value, json(0)) > 0
                   ? OkStatus()
                   : Refuse(pointer, key, "debe ser un número mayor que 0");
      case Kw::kAllOf:
      case Kw::kAnyOf:
      case Kw::kOneOf:
        if (!value.is_array() || value.empty()) {
          return Refuse(pointer, key, "debe ser una lista de esquemas, no vacía");
        }
        for (std::size_t i = 0; i < value.size(); ++i) {
          const std::size_t mark = pointer.size();
          AppendPointerToken(pointer, std::to_string(i));
          Status status = Walk(value[i], pointer, depth + 1);
          pointer.resize(mark);
          CABILDO_RETURN_IF_ERROR(status);
        }
        return OkStatus();
      case Kw::kRef: {
        if (!value.is_string()) return Refuse(pointer, key, "debe ser texto");
        const std::string& ref = value.get_ref<const std::string&>();
        const std::string_view rest =
            std::string_view(ref).substr(std::min(ref.size(), kRefPrefix.size()));
        if (std::string_view(ref).substr(0, kRefPrefix.size()) != kRefPrefix ||
            !IsSchemaName(rest.substr(0, rest.find('/')))) {
          return Refuse(pointer, key,
                        "debe tener la forma \"#/components/schemas/<Nombre>\" (\"" +
                            ref.substr(0, 200) + "\")");
        }
        refs_->emplace_back(&node, pointer.substr(0, pointer.rfind('/')));
        return OkStatus();
      }
      case Kw::kFormat:
        if (!value.is_string() || !KnownFormat(value.get_ref<const std::string&>())) {
          return Refuse(pointer, key,
                        "debe ser uno de: date, date-time, uuid, email, uri, money, curp, rfc, "
                        "inegi");
        }
        return OkStatus();
      case Kw::kMessage:
        return value.is_string() && !value.get_ref<const std::string&>().empty()
                   ? OkStatus()
                   : Refuse(pointer, key, "debe ser texto, no vacío");
      case Kw::kStringAnnotation:
        return value.is_string() ? OkStatus() : Refuse(pointer, key, "debe ser texto");
    }
    return OkStatus();
  }

  Status CheckType(const std::string& key, const json& value, const std::string& pointer) {
    auto valid = [](const json& each) {
      if (!each.is_string()) return false;
      const auto& type = each.get_ref<const std::string&>();
      for (const char* known :
           {"string", "number", "integer", "boolean", "array", "object", "null"}) {
        if (type == known) return true;
      }
      return false;
    };
    if (value.is_array() && !value.empty()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (!valid(value[i])) return Refuse(pointer, key, "nombra un tipo que no existe");
        for (std::size_t j = 0; j < i; ++j) {
          if (value[j] == value[i]) return Refuse(pointer, key, "repite un tipo");
        }
      }
      return OkStatus();
    }
    return valid(value) ? OkStatus() : Refuse(pointer, key, "nombra un tipo que no existe");
  }

  Status Refuse(const std::string& pointer, const std::string& key, const std::string& why) {
    std::string where = pointer.empty() ? "/" : pointer;
    std::string what = key.empty() ? "" : " \"" + key.substr(0, 64) + "\"";
    return InvalidArgumentError("esquema \"" + name_ + "\", en " + where.substr(0, 300) + ":" +
                                what + " " + why);
  }

  std::string name_;
  std::vector<const json*>* nodes_;
  std::vector<RefFound>* refs_;
};

// "type" as bits, so a node's type check is a few comparisons.
constexpr std::uint8_t kString = 1, kNumber = 2, kInteger = 4, kBoolean = 8, kArray = 16,
                       kObject = 32, kNull = 64;

std::uint8_t TypeBit(std::string_view type) {
  if (type == "string") return kString;
  if (type == "number") return kNumber;
  if (type == "integer") return kInteger;
  if (type == "boolean") return kBoolean;
  if (type == "array") return kArray;
  if (type == "object") return kObject;
  return kNull;
}

std::uint8_t TypeBits(const json& type) {
  if (type.is_string()) return TypeBit(type.get_ref<const std::string&>());
  std::uint8_t bits = 0;
  for (const json& each : type) bits |= TypeBit(each.get_ref<const std::string&>());
  return bits;
}

bool TypeBitsAdmit(std::uint8_t bits, const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return (bits & kString) != 0;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return (bits & (kNumber | kInteger)) != 0;
    case json::value_t::number_float:
      return (bits & kNumber) != 0 || ((bits & kInteger) != 0 && IsIntegerValue(value));
    case json::value_t::boolean:
      return (bits & kBoolean) != 0;
    case json::value_t::array:
      return (bits & kArray) != 0;
    case json::value_t::object:
      return (bits & kObject) != 0;
    case json::value_t::null:
      return (bits & kNull) != 0;
    default:
      return false;
  }
}

// The keywords of one schema object, found in one pass over its members.
struct View {
  const json* type = nullptr;
  std::uint8_t types = 0;  // TypeBits of `type`
  const json* enum_values = nullptr;
  const json* const_value = nullptr;
  const json* format = nullptr;
  const json* min_length = nullptr;
  const json* max_length = nullptr;
  const json* minimum = nullptr;
  const json* maximum = nullptr;
  const json* exclusive_minimum = nullptr;
  const json* exclusive_maximum = nullptr;
  const json* multiple_of = nullptr;
  const json* min_items = nullptr;
  const json* max_items = nullptr;
  const json* unique_items = nullptr;
  const json* min_properties = nullptr;
  const json* max_properties = nullptr;
  const json* required = nullptr;
  const json* properties = nullptr;
  const json* additional = nullptr;
  const json* items = nullptr;
  const json* ref = nullptr;
  const json* all_of = nullptr;
  const json* any_of = nullptr;
  const json* one_of = nullptr;
  const json* not_schema = nullptr;
  const std::string* message = nullptr;
};

View Read(const json& schema) {
  View v;
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    const auto known = Keywords().find(it.key());
    if (known == Keywords().end()) continue;
    const json* value = &it.value();
    switch (known->second) {
      case Kw::kType:
        v.type = value;
        v.types = TypeBits(*value);
        break;
      case Kw::kEnum:
        v.enum_values = value;
        break;
      case Kw::kConst:
        v.const_value = value;
        break;
      case Kw::kFormat:
        v.format = value;
        break;
      case Kw::kMinLength:
        v.min_length = value;
        break;
      case Kw::kMaxLength:
        v.max_length = value;
        break;
      case Kw::kMinimum:
        v.minimum = value;
        break;
      case Kw::kMaximum:
        v.maximum = value;
        break;
      case Kw::kExclusiveMinimum:
        v.exclusive_minimum = value;
        break;
      case Kw::kExclusiveMaximum:
        v.exclusive_maximum = value;
        break;
      case Kw::kMultipleOf:
        v.multiple_of = value;
        break;
      case Kw::kMinItems:
        v.min_items = value;
        break;
      case Kw::kMaxItems:
        v.max_items = value;
        break;
      case Kw::kUniqueItems:
        v.unique_items = value;
        break;
      case Kw::kMinProperties:
        v.min_properties = value;
        break;
      case Kw::kMaxProperties:
        v.max_properties = value;
        break;
      case Kw::kRequired:
        v.required = value;
        break;
      case Kw::kProperties:
        v.properties = value;
        break;
      case Kw::kAdditionalProperties:
        v.additional = value;
        break;
      case Kw::kItems:
        v.items = value;
        break;
      case Kw::kRef:
        v.ref = value;
        break;
      case Kw::kAllOf:
        v.all_of = value;
        break;
      case Kw::kAnyOf:
        v.any_of = value;
        break;
      case Kw::kOneOf:
        v.one_of = value;
        break;
      case Kw::kNot:
        v.not_schema = value;
        break;
      case Kw::kMessage:
        v.message = &value->get_ref<const std::string&>();
        break;
      default:
        break;
    }
  }
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------
// Evaluation.

// Each schema object of the set read once by Resolve, so evaluating a node
// costs one pointer lookup instead of a keyword lookup per member.
struct SchemaSet::Views {
  std::unordered_map<const json*, View> of;
};

SchemaSet::SchemaSet() = default;
SchemaSet::~SchemaSet() = default;
SchemaSet::SchemaSet(SchemaSet&&) noexcept = default;
SchemaSet& SchemaSet::operator=(SchemaSet&&) noexcept = default;

class SchemaSet::Evaluator {
 public:
  Evaluator(const SchemaSet& set, std::string base_path) : set_(set), path_(std::move(base_path)) {
    base_size_ = path_.size();
  }

  std::vector<FieldError> Run(const json& schema, const json& value) {
    Eval(schema, value, nullptr, 0, true);
    return std::move(errors_);
  }

 private:
  // Records `message` (or the node's x-message) for the current path, once
  // per path, when reporting.
  void Fail(bool report, const std::string* override_message, std::string message) {
    if (!report || stopped_) return;
    for (const FieldError& error : errors_) {
      if (error.field == path_) return;
    }
    errors_.push_back(
        {path_, override_message != nullptr ? *override_message : std::move(message)});
    if (errors_.size() >= kMaxErrors) stopped_ = true;
  }

  // Beyond the depth or work caps: one error for the whole value, and stop.
  void Exhausted() {
    if (stopped_) return;
    stopped_ = true;
    errors_.push_back({path_.substr(0, base_size_),
                       "No se pudo validar: el documento es demasiado profundo o complejo."});
  }

  const json* Target(const json& schema, const json& ref) const {
    const auto cached = set_.refs_.find(&schema);
    if (cached != set_.refs_.end()) return cached->second;
    // An unnamed schema's own $ref (ValidateWith), checked by CheckSchema.
    return FindRef(set_.schemas_, set_.nodes_, ref.get_ref<const std::string&>());
  }

  // Whether `schema`'s "type" (following $ref a few hops) admits `value`:
  // anyOf/oneOf report the errors of the one branch that does, if only one.
  bool TypeAdmits(const json* schema, const json& value) const {
    for (int hop = 0; hop < 8; ++hop) {
      if (schema->is_boolean()) return schema->get<bool>();
      const auto type = schema->find("type");
      if (type != schema->end()) return TypeMatches(*type, value);
      const auto ref = schema->find("$ref");
      if (ref == schema->end()) return true;
      schema = Target(*schema, *ref);
      if (schema == nullptr) return true;
    }
    return true;
  }

  void PushMember(const std::string& key) { AppendMember(path_, key); }
  void PushIndex(std::size_t index) {
    path_ += '[';
    path_ += std::to_string(index);
    path_ += ']';
  }

  bool Eval(const json& schema, const json& value, const std::string* outer, std::size_t depth,
            bool report) {
    if (stopped_) return false;
    if (++steps_ > kMaxEvalSteps || depth > kMaxEvalDepth) {
      Exhausted();
      return false;
    }
    if (schema.is_boolean()) {
      if (schema.get<bool>()) return true;
      Fail(report, outer, "Este valor no está permitido.");
      return false;
    }
    View local;
    const View* found = nullptr;
    if (set_.views_ != nullptr) {
      const auto cached = set_.views_->of.find(&schema);
      if (cached != set_.views_->of.end()) found = &cached->second;
    }
    if (found == nullptr) {  // an unnamed schema's node (ValidateWith)
      local = Read(schema);
      found = &local;
    }
    const View& v = *found;
    const std::string* message = outer != nullptr ? outer : v.message;
    bool ok = true;
    // One failed rule of this node: record it, and stop here when probing.
    auto failed = [&](std::string text) {
      ok = false;
      Fail(report, message, std::move(text));
      return !report;
    };

    // The value's own rules, in the order their messages help most.
    if (v.type != nullptr && !TypeBitsAdmit(v.types, value)) {
      Fail(report, message, TypeMessage(*v.type));
      return false;  // nothing below makes sense for the wrong type
    }
    if (v.const_value != nullptr && !(value == *v.const_value)) {
      if (failed("Debe ser exactamente " + Shown(*v.const_value) + ".")) return false;
    }
    if (v.enum_values != nullptr) {
      bool listed = false;
      for (const json& each : *v.enum_values) {
        if (value == each) {
          listed = true;
          break;
        }
      }
      if (!listed && failed(EnumMessage(*v.enum_values))) return false;
    }
    if (value.is_string() && !CheckString(v, value.get_ref<const std::string&>(), failed)) {
      return false;
    }
    if (value.is_number() && !CheckNumber(v, value, failed)) return false;
    if (value.is_array()) {
      if (v.min_items != nullptr && value.size() < AsCount(*v.min_items)) {
        const auto n = AsCount(*v.min_items);
        if (failed("Debe tener al menos " + Count(n, "un elemento", "elementos") + ".")) {
          return false;
        }
      }
      if (v.max_items != nullptr && value.size() > AsCount(*v.max_items)) {
        if (failed("Admite hasta " + Count(AsCount(*v.max_items), "un elemento", "elementos") +
                   ".")) {
          return false;
        }
      }
      if (v.unique_items != nullptr && v.unique_items->get<bool>() && HasDuplicates(value)) {
        if (failed("Tiene elementos repetidos.")) return false;
      }
    }
    if (value.is_object()) {
      if (v.min_properties != nullptr && value.size() < AsCount(*v.min_properties)) {
        if (failed("Debe tener al menos " +
                   Count(AsCount(*v.min_properties), "un campo", "campos") + ".")) {
          return false;
        }
      }
      if (v.max_properties != nullptr && value.size() > AsCount(*v.max_properties)) {
        if (failed("Admite hasta " + Count(AsCount(*v.max_properties), "un campo", "campos") +
                   ".")) {
          return false;
        }
      }
      if (v.required != nullptr) {
        for (const json& name : *v.required) {
          const std::string& key = name.get_ref<const std::string&>();
          if (value.contains(key)) continue;
          ok = false;
          if (!report) return false;
          const std::size_t mark = path_.size();
          PushMember(key);
          Fail(report, message, "Este campo es obligatorio.");
          path_.resize(mark);
        }
      }
    }

    // Subschemas applied to this same value: their errors keep this node's
    // x-message (`message`).
    if (v.ref != nullptr) {
      const json* target = Target(schema, *v.ref);
      if (target == nullptr) {
        if (failed("El esquema de este campo no es válido.")) return false;
      } else if (!Eval(*target, value, message, depth + 1, report)) {
        ok = false;
        if (!report) return false;
      }
    }
    if (v.all_of != nullptr) {
      for (const json& each : *v.all_of) {
        if (!Eval(each, value, message, depth + 1, report)) {
          ok = false;
          if (!report) return false;
        }
      }
    }
    if (v.any_of != nullptr || v.one_of != nullptr) {
      const json& branches = v.any_of != nullptr ? *v.any_of : *v.one_of;
      // anyOf and oneOf together: check anyOf here and oneOf below.
      if (!Alternatives(branches, value, message, depth, report, /*one=*/v.any_of == nullptr)) {
        ok = false;
        if (!report) return false;
      }
      if (v.any_of != nullptr && v.one_of != nullptr &&
          !Alternatives(*v.one_of, value, message, depth, report, /*one=*/true)) {
        ok = false;
        if (!report) return false;
      }
    }
    if (v.not_schema != nullptr && Eval(*v.not_schema, value, nullptr, depth + 1, false)) {
      if (stopped_) return false;
      if (failed("Este valor no está permitido.")) return false;
    }

    // Members and items: other fields, with their own messages.
    if (value.is_object() && (v.properties != nullptr || v.additional != nullptr)) {
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (stopped_) return false;
        const json* sub = nullptr;
        if (v.properties != nullptr) {
          const auto declared = v.properties->find(it.key());
          if (declared != v.properties->end()) sub = &*declared;
        }
        const bool additional = sub == nullptr;
        if (additional) {
          if (v.additional == nullptr) continue;
          sub = v.additional;
        }
        const std::size_t mark = path_.size();
        PushMember(it.key());
        bool member_ok = true;
        if (additional && sub->is_boolean() && !sub->get<bool>()) {
          member_ok = false;
          Fail(report, message, "Campo desconocido.");
        } else {
          member_ok = Eval(*sub, it.value(), nullptr, depth + 1, report);
        }
        path_.resize(mark);
        if (!member_ok) {
          ok = false;
          if (!report) return false;
        }
      }
    }
    if (value.is_array() && v.items != nullptr) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (stopped_) return false;
        const std::size_t mark = path_.size();
        PushIndex(i);
        const bool item_ok = Eval(*v.items, value[i], nullptr, depth + 1, report);
        path_.resize(mark);
        if (!item_ok) {
          ok = false;
          if (!report) return false;
        }
      }
    }
    return ok && !stopped_;
  }

  template <typename Failed>
  bool CheckString(const View& v, const std::string& text, Failed& failed) {
    if (v.min_length != nullptr || v.max_length != nullptr) {
      const std::size_t length = CodePoints(text);
      if (v.min_length != nullptr && length < AsCount(*v.min_length)) {
        const auto n = AsCount(*v.min_length);
        if (failed(n == 1 ? std::string("No puede estar vacío.")
                          : "Escriba al menos " + std::to_string(n) + " caracteres.")) {
          return false;
        }
      }
      if (v.max_length != nullptr && length > AsCount(*v.max_length)) {
        if (failed("Admite hasta " + Count(AsCount(*v.max_length), "un carácter", "caracteres") +
                   ".")) {
          return false;
        }
      }
    }
    if (v.format != nullptr) {
      const std::string& format = v.format->get_ref<const std::string&>();
      if (!FormatHolds(format, text) && failed(FormatMessage(format, text))) return false;
    }
    return true;
  }

  template <typename Failed>
  bool CheckNumber(const View& v, const json& value, Failed& failed) {
    auto shown = [](const json* bound) { return Shown(*bound); };
    const bool below = v.minimum != nullptr && CompareNumbers(value, *v.minimum) < 0;
    const bool above = v.maximum != nullptr && CompareNumbers(value, *v.maximum) > 0;
    if (below || above) {
      std::string text;
      if (v.minimum != nullptr && v.maximum != nullptr) {
        text = "Debe estar entre " + shown(v.minimum) + " y " + shown(v.maximum) + ".";
      } else if (below) {
        text = "Debe ser mayor o igual que " + shown(v.minimum) + ".";
      } else {
        text = "Debe ser menor o igual que " + shown(v.maximum) + ".";
      }
      if (failed(std::move(text))) return false;
    }
    if (v.exclusive_minimum != nullptr && CompareNumbers(value, *v.exclusive_minimum) <= 0) {
      if (failed("Debe ser mayor que " + shown(v.exclusive_minimum) + ".")) return false;
    }
    if (v.exclusive_maximum != nullptr && CompareNumbers(value, *v.exclusive_maximum) >= 0) {
      if (failed("Debe ser menor que " + shown(v.exclusive_maximum) + ".")) return false;
    }
    if (v.multiple_of != nullptr && !IsMultipleOf(value, *v.multiple_of)) {
      if (failed("Debe ser múltiplo de " + shown(v.multiple_of) + ".")) return false;
    }
    return true;
  }

  // anyOf (`one` false) or oneOf (`one` true) over `branches`.
  bool Alternatives(const json& branches, const json& value, const std::string* message,
                    std::size_t depth, bool report, bool one) {
    std::size_t matches = 0;
    for (const json& branch : branches) {
      if (Eval(branch, value, nullptr, depth + 1, false)) {
        ++matches;
        if (!one || matches > 1) break;
      }
      if (stopped_) return false;
    }
    if (one ? matches == 1 : matches >= 1) return true;
    if (!report) return false;
    if (matches > 1) {
      Fail(report, message, "Coincide con más de una de las formas admitidas; debe ser solo una.");
      return false;
    }
    // Only one branch takes a value of this type: its own errors say more
    // ("Admite hasta 300 caracteres.") than "no form matches".
    const json* admitting = nullptr;
    std::size_t admitted = 0;
    for (const json& branch : branches) {
      if (TypeAdmits(&branch, value)) {
        admitting = &branch;
        ++admitted;
      }
    }
    if (admitted == 1) {
      const std::size_t before = errors_.size();
      if (!Eval(*admitting, value, message, depth + 1, true) && errors_.size() == before) {
        // Its errors are usually at this path or below; if it reported none
        // (one already stood at this path), say so here.
        Fail(report, message, "No coincide con ninguna de las formas admitidas.");
      }
      return false;
    }
    Fail(report, message, "No coincide con ninguna de las formas admitidas.");
    return false;
  }

  const SchemaSet& set_;
  std::string path_;
  std::size_t base_size_ = 0;
  std::vector<FieldError> errors_;
  std::size_t steps_ = 0;
  bool stopped_ = false;
};

// ---------------------------------------------------------------------------

Status SchemaSet::Add(const std::string& name, const nlohmann::json& schema) {
  if (!IsSchemaName(name)) {
    return InvalidArgumentError("esquema \"" + name.substr(0, 128) +
                                "\": el nombre debe ser de letras, dígitos y _");
  }
  if (schemas_.count(name) != 0) {
    return InvalidArgumentError("esquema \"" + name + "\": ya hay otro con ese nombre");
  }
  // The stored copy is walked (its nodes are what $refs will point at); a
  // refused schema is taken out again, leaving the set as it was.
  const auto stored = schemas_.emplace(name, schema).first;
  std::vector<const json*> nodes;
  std::vector<RefFound> refs;
  Checker checker(name, &nodes, &refs);
  std::string pointer;
  if (Status status = checker.Walk(stored->second, pointer, 0); !status.ok()) {
    schemas_.erase(stored);
    return status;
  }
  order_.push_back(name);
  for (const json* node : nodes) nodes_.emplace(node, &stored->first);
  node_order_.insert(node_order_.end(), nodes.begin(), nodes.end());
  for (auto& [node, at] : refs) ref_sites_.push_back({node, name, std::move(at)});
  resolved_ = false;
  return OkStatus();
}

Status SchemaSet::Resolve() {
  refs_.clear();
  views_.reset();
  std::unordered_map<const json*, std::size_t> site_of;
  for (std::size_t i = 0; i < ref_sites_.size(); ++i) {
    const RefSite& site = ref_sites_[i];
    const std::string& ref = site.node->at("$ref").get_ref<const std::string&>();
    const json* target = FindRef(schemas_, nodes_, ref);
    if (target == nullptr) {
      return InvalidArgumentError("esquema \"" + site.schema + "\", en " +
                                  (site.pointer.empty() ? "/" : site.pointer) + ": $ref \"" +
                                  ref.substr(0, 200) + "\" no nombra un esquema del conjunto");
    }
    refs_[site.node] = target;
    site_of[site.node] = i;
  }
  // A cycle of subschemas applied to the same value ($ref, allOf, anyOf,
  // oneOf, not) would evaluate forever; one through properties, items or
  // additionalProperties consumes a level of the value each turn and is
  // fine (a tree of categories). Iterative DFS: white, grey (on the stack),
  // black (done).
  // The same DFS bounds the work a schema can make of one value: the
  // subschemas a node applies to its own value, counted with repeats
  // (allOf of allOf of ... doubles each level), at most kMaxFanOut.
  std::unordered_map<const json*, int> color;
  std::unordered_map<const json*, std::size_t> fan_out;
  struct Frame {
    const json* node;
    std::vector<const json*> next;
    std::size_t at = 0;
  };
  auto same_value_children = [&](const json* node) {
    std::vector<const json*> next;
    if (!node->is_object()) return next;
    const auto ref = refs_.find(node);
    if (ref != refs_.end()) next.push_back(ref->second);
    for (const char* key : {"allOf", "anyOf", "oneOf"}) {
      const auto list = node->find(key);
      if (list == node->end()) continue;
      for (const json& each : *list) next.push_back(&each);
    }
    const auto negated = node->find("not");
    if (negated != node->end()) next.push_back(&*negated);
    return next;
  };
  for (const json* start : node_order_) {  // in order, so messages are stable
    if (color[start] != 0) continue;
    std::vector<Frame> stack;
    stack.push_back({start, same_value_children(start)});
    color[start] = 1;
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.at == top.next.size()) {
        // Done: every child is black, so its fan-out is known.
        color[top.node] = 2;
        std::size_t total = 1;
        for (const json* child : top.next) total = std::min(total + fan_out[child], kMaxFanOut + 1);
        fan_out[top.node] = total;
        if (total > kMaxFanOut) {
          const auto owner = nodes_.find(top.node);
          return InvalidArgumentError(
              "esquema \"" + (owner != nodes_.end() ? *owner->second : std::string("?")) +
              "\": aplica más de " + std::to_string(kMaxFanOut) +
              " subesquemas a un mismo valor ($ref, allOf, anyOf, oneOf, not)");
        }
        stack.pop_back();
        continue;
      }
      const json* next = top.next[top.at++];
      const int c = color[next];
      if (c == 1) {
        // A cycle: name a $ref on it.
        for (auto frame = stack.rbegin(); frame != stack.rend(); ++frame) {
          const auto site = site_of.find(frame->node);
          if (site != site_of.end()) {
            const RefSite& s = ref_sites_[site->second];
            return InvalidArgumentError(
                "esquema \"" + s.schema + "\", en " + (s.pointer.empty() ? "/" : s.pointer) +
                ": $ref \"" + s.node->at("$ref").get<std::string>().substr(0, 200) +
                "\" forma un ciclo que no desciende a una propiedad o elemento");
          }
          if (frame->node == next) break;
        }
        return InvalidArgumentError("los esquemas forman un ciclo de $ref que no desciende");
      }
      if (c == 0) {
        color[next] = 1;
        stack.push_back({next, same_value_children(next)});
      }
    }
  }
  auto views = std::make_unique<Views>();
  views->of.reserve(node_order_.size());
  for (const json* node : node_order_) {
    if (node->is_object()) views->of.emplace(node, Read(*node));
  }
  views_ = std::move(views);
  resolved_ = true;
  return OkStatus();
}

bool SchemaSet::Has(const std::string& name) const { return schemas_.count(name) != 0; }

const nlohmann::json& SchemaSet::Get(const std::string& name) const { return schemas_.at(name); }

std::vector<std::string> SchemaSet::Names() const { return order_; }

std::vector<FieldError> SchemaSet::Validate(const std::string& name,
                                            const nlohmann::json& value) const {
  const auto found = schemas_.find(name);
  if (!resolved_ || found == schemas_.end()) {
    // A programming error of the caller; fail closed, never crash.
    return {{"", "No se pudo validar: el esquema \"" + name + "\" no está disponible."}};
  }
  return Evaluator(*this, "").Run(found->second, value);
}

std::vector<FieldError> SchemaSet::ValidateWith(const nlohmann::json& schema,
                                                const nlohmann::json& value,
                                                const std::string& path) const {
  if (!resolved_ || !CheckSchema(schema, path).ok()) {
    return {{path, "No se pudo validar: el esquema de este campo no es válido."}};
  }
  return Evaluator(*this, path).Run(schema, value);
}

Status SchemaSet::CheckSchema(const nlohmann::json& schema, const std::string& what) const {
  std::vector<const json*> nodes;
  std::vector<RefFound> refs;
  Checker checker(what, &nodes, &refs);
  std::string pointer;
  CABILDO_RETURN_IF_ERROR(checker.Walk(schema, pointer, 0));
  for (const auto& [node, at] : refs) {
    const std::string& ref = (*node)["$ref"].get_ref<const std::string&>();
    if (FindRef(schemas_, nodes_, ref) == nullptr) {
      return InvalidArgumentError("esquema \"" + what + "\": $ref \"" + ref.substr(0, 200) +
                                  "\" no nombra un esquema del conjunto");
    }
  }
  return OkStatus();
}

}  // namespace cabildo::core
