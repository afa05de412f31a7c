// TEMPORARY minimal interpreter (type, enum, const, properties, required,
// additionalProperties, items, min/maxItems, min/maxLength, minimum, maximum,
// $ref, allOf, format) so the SDK branch builds before s16-schema lands;
// replaced on merge.
#include "cabildo/core/json_schema.h"

#include <algorithm>
#include <functional>

#include "cabildo/plugin/text_checks.h"

namespace cabildo::core {
namespace {
using nlohmann::json;
constexpr const char* kPrefix = "#/components/schemas/";

size_t CodePoints(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool TypeMatches(const std::string& type, const json& value) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    if (!value.is_number_float()) return false;
    const double d = value.get<double>();
    return d == static_cast<double>(static_cast<long long>(d));
  }
  return false;
}

std::string TypeMessage(const std::string& type) {
  if (type == "string") return "Debe ser texto.";
  if (type == "number") return "Debe ser un número.";
  if (type == "integer") return "Debe ser un número entero.";
  if (type == "boolean") return "Debe ser verdadero o falso.";
  if (type == "array") return "Debe ser una lista.";
  if (type == "object") return "Debe ser un objeto.";
  return "Debe ser nulo.";
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}
}  // namespace

Status SchemaSet::Add(const std::string& name, const nlohmann::json& schema) {
  if (name.empty() || schemas_.count(name) > 0) {
    return InvalidArgumentError("esquema '" + name + "': nombre vacío o repetido");
  }
  if (!schema.is_object()) return InvalidArgumentError("esquema '" + name + "': no es un objeto");
  schemas_[name] = schema;
  return OkStatus();
}

Status SchemaSet::Resolve() {
  std::string missing;
  std::function<void(const json&)> walk = [&](const json& node) {
    if (node.is_array()) {
      for (const auto& e : node) walk(e);
      return;
    }
    if (!node.is_object()) return;
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) {
        const std::string ref = value.get<std::string>();
        if (ref.rfind(kPrefix, 0) != 0 || !Has(ref.substr(std::string(kPrefix).size()))) {
          missing = ref;
        }
      } else {
        walk(value);
      }
    }
  };
  for (const auto& [name, schema] : schemas_) {
    walk(schema);
    if (!missing.empty()) {
      return InvalidArgumentError("esquema '" + name + "': $ref sin resolver: " + missing);
    }
  }
  return OkStatus();
}

bool SchemaSet::Has(const std::string& name) const { return schemas_.count(name) > 0; }

const nlohmann::json& SchemaSet::Get(const std::string& name) const { return schemas_.at(name); }

std::vector<FieldError> SchemaSet::Validate(const std::string& name,
                                            const nlohmann::json& value) const {
  std::vector<FieldError> errors;
  Check(Get(name), value, "", errors, 0);
  return errors;
}

std::vector<FieldError> SchemaSet::ValidateWith(const nlohmann::json& schema,
                                                const nlohmann::json& value,
                                                const std::string& path) const {
  std::vector<FieldError> errors;
  Check(schema, value, path, errors, 0);
  return errors;
}

void SchemaSet::Check(const json& schema, const json& value, const std::string& path,
                      std::vector<FieldError>& errors, int depth) const {
  if (!schema.is_object() || depth > 64 || errors.size() >= 100) return;
  const size_t before = errors.size();
  auto fail = [&](const std::string& message) {
    errors.push_back({path, schema.value("x-message", message)});
  };
  if (auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
    Check(Get(ref->get<std::string>().substr(std::string(kPrefix).size())), value, path, errors,
          depth + 1);
    if (errors.size() > before) return;
  }
  if (auto all = schema.find("allOf"); all != schema.end() && all->is_array()) {
    for (const auto& part : *all) Check(part, value, path, errors, depth + 1);
    if (errors.size() > before) return;
  }
  if (auto type = schema.find("type"); type != schema.end()) {
    if (type->is_string() && !TypeMatches(type->get<std::string>(), value)) {
      return fail(TypeMessage(type->get<std::string>()));
    }
    if (type->is_array() && std::none_of(type->begin(), type->end(), [&](const json& t) {
          return t.is_string() && TypeMatches(t.get<std::string>(), value);
        })) {
      return fail("Tipo no válido.");
    }
  }
  if (auto options = schema.find("enum"); options != schema.end() && options->is_array()) {
    if (std::find(options->begin(), options->end(), value) == options->end()) {
      std::string list;
      for (const auto& o : *options)
        list += (list.empty() ? "" : ", ") + (o.is_string() ? o.get<std::string>() : o.dump());
      return fail("Use uno de: " + list + ".");
    }
  }
  if (auto constant = schema.find("const"); constant != schema.end() && *constant != value) {
    return fail("Debe ser " + constant->dump() + ".");
  }
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (schema.contains("minLength") && CodePoints(text) < schema["minLength"].get<size_t>()) {
      return fail(schema["minLength"].get<size_t>() == 1 ? "No puede quedar vacío."
                                                         : "Es demasiado corto.");
    }
    if (schema.contains("maxLength") && CodePoints(text) > schema["maxLength"].get<size_t>()) {
      return fail("Admite hasta " + std::to_string(schema["maxLength"].get<size_t>()) +
                  " caracteres.");
    }
    const std::string format = schema.value("format", "");
    if ((format == "uuid" && !plugin::IsLowerUuid(text)) ||
        (format == "date" && !plugin::IsDateShape(text)) ||
        (format == "date-time" && !plugin::IsRfc3339Timestamp(text)) ||
        (format == "email" && !plugin::IsEmailShape(text)) ||
        (format == "uri" && !plugin::IsHttpUrl(text))) {
      return fail("No tiene el formato " + format + ".");
    }
  }
  if (value.is_number()) {
    if (schema.contains("minimum") && value < schema["minimum"]) {
      return fail("Debe ser al menos " + schema["minimum"].dump() + ".");
    }
    if (schema.contains("maximum") && value > schema["maximum"]) {
      return fail("Debe ser como mucho " + schema["maximum"].dump() + ".");
    }
  }
  if (value.is_array()) {
    if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<size_t>()) {
      return fail("Admite hasta " + schema["maxItems"].dump() + " elementos.");
    }
    if (schema.contains("minItems") && value.size() < schema["minItems"].get<size_t>()) {
      return fail("Necesita al menos " + schema["minItems"].dump() + " elementos.");
    }
    if (auto items = schema.find("items"); items != schema.end()) {
      for (size_t i = 0; i < value.size(); ++i) {
        Check(*items, value[i], path + "[" + std::to_string(i) + "]", errors, depth + 1);
      }
    }
  }
  if (value.is_object()) {
    const json properties = schema.value("properties", json::object());
    for (const auto& required : schema.value("required", json::array())) {
      if (!value.contains(required.get<std::string>())) {
        errors.push_back({Join(path, required.get<std::string>()), "Este campo es obligatorio."});
      }
    }
    for (const auto& [key, item] : value.items()) {
      if (properties.contains(key)) {
        Check(properties[key], item, Join(path, key), errors, depth + 1);
      } else if (auto extra = schema.find("additionalProperties"); extra != schema.end()) {
        if (extra->is_boolean() && !extra->get<bool>()) {
          errors.push_back({Join(path, key), "Campo desconocido."});
        } else if (extra->is_object()) {
          Check(*extra, item, Join(path, key), errors, depth + 1);
        }
      }
    }
  }
  if (errors.size() > 100) errors.resize(100);
}

}  // namespace cabildo::core
