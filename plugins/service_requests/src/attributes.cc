#include "attributes.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include "cabildo/plugin/text_checks.h"

namespace cabildo::plugins::service_requests {
namespace {

using nlohmann::json;

bool IsCode(const std::string& text) {
  if (text.empty() || text.size() > 64) return false;
  return text.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") ==
         std::string::npos;
}

// Characters, not bytes: a Spanish answer counts its letters.
size_t Utf8Length(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

bool IsListType(const std::string& datatype) {
  return datatype == "singlevaluelist" || datatype == "multivaluelist";
}

void CheckText(const json& object, const char* field, size_t min, size_t max, const std::string& at,
               std::vector<FieldError>& errors) {
  auto it = object.find(field);
  if (it == object.end()) {
    if (min > 0) errors.push_back({at + "." + field, "Este campo es obligatorio."});
    return;
  }
  if (!it->is_string()) {
    errors.push_back({at + "." + field, "Debe ser texto."});
    return;
  }
  const size_t length = Utf8Length(it->get_ref<const std::string&>());
  if (length < min || length > max) {
    errors.push_back({at + "." + field, "Debe tener entre " + std::to_string(min) + " y " +
                                            std::to_string(max) + " caracteres."});
  }
}

void CheckValues(const json& definition, const std::string& datatype, const std::string& at,
                 std::vector<FieldError>& errors) {
  auto values = definition.find("values");
  const bool list = IsListType(datatype);
  if (values == definition.end() || (values->is_array() && values->empty())) {
    if (list) errors.push_back({at + ".values", "Una lista necesita al menos un valor."});
    return;
  }
  if (!values->is_array()) {
    errors.push_back({at + ".values", "Debe ser una lista de {key, name}."});
    return;
  }
  if (!list) {
    errors.push_back(
        {at + ".values", "Solo los tipos singlevaluelist y multivaluelist tienen valores."});
    return;
  }
  if (values->size() > kMaxValues) {
    errors.push_back({at + ".values", "Admite hasta " + std::to_string(kMaxValues) + " valores."});
    return;
  }
  std::set<std::string> keys;
  for (size_t j = 0; j < values->size(); ++j) {
    const json& value = (*values)[j];
    const std::string here = at + ".values[" + std::to_string(j) + "]";
    if (!value.is_object()) {
      errors.push_back({here, "Debe ser un objeto {key, name}."});
      continue;
    }
    auto key = value.find("key");
    if (key == value.end() || !key->is_string() || !IsCode(key->get<std::string>())) {
      errors.push_back({here + ".key", "Clave de 1 a 64 letras, dígitos, '.', '_' o '-'."});
    } else if (!keys.insert(key->get<std::string>()).second) {
      errors.push_back({here + ".key", "Clave repetida en la lista."});
    }
    CheckText(value, "name", 1, 200, here, errors);
    for (const auto& [field, ignored] : value.items()) {
      if (field != "key" && field != "name")
        errors.push_back({here + "." + field, "Campo desconocido."});
    }
  }
}

std::string AnswerText(const json& answer) {
  if (answer.is_string()) return answer.get<std::string>();
  if (answer.is_number()) return answer.dump();
  return "";
}

bool IsEmptyAnswer(const json& answer) {
  return answer.is_null() || (answer.is_string() && answer.get_ref<const std::string&>().empty()) ||
         (answer.is_array() && answer.empty());
}

}  // namespace

std::vector<FieldError> CheckAttributeDefinitions(const json& attributes) {
  std::vector<FieldError> errors;
  if (!attributes.is_array()) {
    errors.push_back({"attributes", "Debe ser una lista de atributos."});
    return errors;
  }
  if (attributes.size() > kMaxAttributes) {
    errors.push_back(
        {"attributes", "Admite hasta " + std::to_string(kMaxAttributes) + " atributos."});
    return errors;
  }
  static const std::set<std::string> kFields = {
      "code",  "variable",    "datatype", "required", "datatype_description",
      "order", "description", "values"};
  std::set<std::string> codes;
  for (size_t i = 0; i < attributes.size(); ++i) {
    const json& definition = attributes[i];
    const std::string at = "attributes[" + std::to_string(i) + "]";
    if (!definition.is_object()) {
      errors.push_back({at, "Debe ser un objeto."});
      continue;
    }
    for (const auto& [field, ignored] : definition.items()) {
      if (!kFields.count(field)) errors.push_back({at + "." + field, "Campo desconocido."});
    }
    auto code = definition.find("code");
    if (code == definition.end() || !code->is_string() || !IsCode(code->get<std::string>())) {
      errors.push_back({at + ".code", "Código de 1 a 64 letras, dígitos, '.', '_' o '-'."});
    } else if (!codes.insert(code->get<std::string>()).second) {
      errors.push_back({at + ".code", "Código repetido en este servicio."});
    }
    std::string datatype;
    auto type = definition.find("datatype");
    if (type != definition.end() && type->is_string()) datatype = type->get<std::string>();
    if (std::find(std::begin(kDatatypes), std::end(kDatatypes), datatype) == std::end(kDatatypes)) {
      errors.push_back(
          {at + ".datatype",
           "Debe ser string, number, datetime, text, singlevaluelist o multivaluelist."});
    }
    for (const char* flag : {"variable", "required"}) {
      auto it = definition.find(flag);
      if (it != definition.end() && !it->is_boolean()) {
        errors.push_back({at + "." + flag, "Debe ser true o false."});
      }
    }
    auto order = definition.find("order");
    if (order != definition.end() && (!order->is_number_integer() || order->get<int64_t>() < 0 ||
                                      order->get<int64_t>() > 10000)) {
      errors.push_back({at + ".order", "Debe ser un entero de 0 a 10000."});
    }
    CheckText(definition, "description", 1, 500, at, errors);
    CheckText(definition, "datatype_description", 0, 500, at, errors);
    CheckValues(definition, datatype, at, errors);
  }
  return errors;
}

json PublishedAttributes(const json& attributes) {
  json published = json::array();
  if (!attributes.is_array()) return published;
  for (const auto& definition : attributes) {
    if (!definition.is_object()) continue;
    published.push_back({{"variable", definition.value("variable", true)},
                         {"code", definition.value("code", "")},
                         {"datatype", definition.value("datatype", "string")},
                         {"required", definition.value("required", false)},
                         {"datatype_description", definition.value("datatype_description", "")},
                         {"order", definition.value("order", 0)},
                         {"description", definition.value("description", "")},
                         {"values", definition.value("values", json::array())}});
  }
  std::stable_sort(published.begin(), published.end(), [](const json& a, const json& b) {
    return std::make_pair(a["order"].get<int64_t>(), a["code"].get<std::string>()) <
           std::make_pair(b["order"].get<int64_t>(), b["code"].get<std::string>());
  });
  return published;
}

CheckedAnswers CheckAnswers(const json& definitions, const json& answers) {
  CheckedAnswers checked;
  auto error = [&](const std::string& code, std::string message) {
    checked.errors.push_back({"attribute[" + code + "]", std::move(message)});
  };
  if (!answers.is_object()) {
    checked.errors.push_back({"attribute", "Debe ser un objeto {código: valor}."});
    return checked;
  }
  std::set<std::string> known;
  for (const auto& definition : definitions) {
    const std::string code = definition.value("code", "");
    known.insert(code);
    const bool variable = definition.value("variable", true);
    auto answer = answers.find(code);
    const bool given = answer != answers.end() && !IsEmptyAnswer(*answer);
    if (!variable) {
      if (given) error(code, "Este atributo es informativo y no admite respuesta.");
      continue;
    }
    if (!given) {
      if (definition.value("required", false)) error(code, "Este dato es obligatorio.");
      continue;
    }
    const std::string datatype = definition.value("datatype", "string");
    std::set<std::string> keys;
    for (const auto& value : definition.value("values", json::array())) {
      keys.insert(value.value("key", ""));
    }
    if (datatype == "multivaluelist") {
      json list = answer->is_array() ? *answer : json::array({*answer});
      json chosen = json::array();
      std::set<std::string> seen;
      bool ok = list.size() <= keys.size();
      for (const auto& item : list) {
        const std::string key = AnswerText(item);
        if (!item.is_string() || !keys.count(key) || !seen.insert(key).second) ok = false;
        chosen.push_back(key);
      }
      if (!ok) {
        error(code, "Elija uno o más valores distintos de la lista del servicio.");
      } else {
        checked.values[code] = std::move(chosen);
      }
      continue;
    }
    // Every other type takes one value; a one-element list (attribute[c][]=v) is that value.
    const json* single = &*answer;
    if (answer->is_array()) {
      if (answer->size() != 1) {
        error(code, "Este atributo admite un solo valor.");
        continue;
      }
      single = &(*answer)[0];
    }
    if (!single->is_string() && !(datatype == "number" && single->is_number())) {
      error(code, "Debe ser texto.");
      continue;
    }
    const std::string text = AnswerText(*single);
    if (datatype == "singlevaluelist") {
      if (!keys.count(text)) {
        error(code, "Elija un valor de la lista del servicio.");
      } else {
        checked.values[code] = text;
      }
    } else if (datatype == "number") {
      char* end = nullptr;
      const double number = text.size() <= 32 ? std::strtod(text.c_str(), &end) : NAN;
      if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(number) ||
          text.find_first_of("xXnNiI") != std::string::npos) {
        error(code, "Debe ser un número, p. ej. 3 o 2.5.");
      } else {
        checked.values[code] = number;
      }
    } else if (datatype == "datetime") {
      if (!plugin::IsRfc3339Timestamp(text)) {
        error(code,
              "Debe ser una fecha y hora ISO 8601 con zona, p. ej. 2026-12-06T10:30:00-06:00.");
      } else {
        checked.values[code] = text;
      }
    } else {
      const size_t max = datatype == "text" ? kMaxAnswerChars : 2000;
      if (Utf8Length(text) > max) {
        error(code, "Admite hasta " + std::to_string(max) + " caracteres.");
      } else {
        checked.values[code] = text;
      }
    }
  }
  for (const auto& [code, ignored] : answers.items()) {
    if (!known.count(code)) error(code, "Este servicio no tiene ese atributo.");
  }
  return checked;
}

}  // namespace cabildo::plugins::service_requests
