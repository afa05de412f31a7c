// What the schemas (schemas/*.json, checked by the host before a handler
// runs) cannot say: the rules across fields. Each field is already of its
// type, format and bounds here.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "public_works.h"

namespace cabildo::plugins::public_works {
namespace {

bool IsText(const json& body, const char* key) {
  return body.contains(key) && body[key].is_string();
}

}  // namespace

bool IsWritable(const std::string& key) {
  static const std::set<std::string> kWritable = {"external_id",
                                                  "title",
                                                  "description",
                                                  "status",
                                                  "type",
                                                  "sector",
                                                  "purpose",
                                                  "budget_mxn",
                                                  "funding",
                                                  "location",
                                                  "contractor",
                                                  "procurement_method",
                                                  "contract_value_mxn",
                                                  "start_date",
                                                  "end_date"};
  return kWritable.count(key) > 0;
}

std::vector<FieldError> CheckProject(const json& body) {
  std::vector<FieldError> errors;
  // Dates are YYYY-MM-DD, so their text orders as they do.
  if (IsText(body, "start_date") && IsText(body, "end_date") &&
      body["end_date"].get<std::string>() < body["start_date"].get<std::string>()) {
    errors.push_back({"end_date", "La fecha de término es anterior a la de inicio."});
  }
  if (body.contains("location") && body["location"].is_object()) {
    const json& location = body["location"];
    const bool has_lat = location.contains("lat") && !location["lat"].is_null();
    const bool has_lon = location.contains("lon") && !location["lon"].is_null();
    if (has_lat != has_lon) errors.push_back({"location", "Indique latitud y longitud juntas."});
  }
  if (body.contains("funding") && body["funding"].is_array() && !body["funding"].empty()) {
    // Exact integer centavos; at most 100 sources of 10^16 centavos cannot overflow.
    int64_t total = 0;
    for (const auto& source : body["funding"]) {
      total += *plugin::ParseCentavos(source["amount_mxn"].get<std::string>());
    }
    const std::string& budget = body["budget_mxn"].get_ref<const std::string&>();
    if (total > *plugin::ParseCentavos(budget)) {
      errors.push_back({"funding", "La suma del financiamiento (" + FormatCentavos(total) +
                                       ") excede el presupuesto (" + budget + ")."});
    }
  }
  return errors;
}

std::vector<FieldError> CheckProgress(const json& body, const json& project) {
  std::vector<FieldError> errors;
  const std::string& date = body["date"].get_ref<const std::string&>();
  if (project["start_date"].is_string() && date < project["start_date"].get<std::string>()) {
    errors.push_back({"date", "La fecha del reporte es anterior al inicio de la obra (" +
                                  project["start_date"].get<std::string>() + ")."});
  }
  // Spending over the budget needs a note that says why (the budget as
  // stored, numeric(16,2) text, is money text too).
  const std::string& budget = project["budget_mxn"].get_ref<const std::string&>();
  if (!HasNote(body) && *plugin::ParseCentavos(body["spent_mxn"].get<std::string>()) >
                            *plugin::ParseCentavos(budget)) {
    errors.push_back({"note", "El ejercido supera el presupuesto (" + budget +
                                  "): explique el motivo en una nota."});
  }
  return errors;
}

bool HasNote(const json& body) {
  return body.contains("note") && body["note"].is_string() &&
         !body["note"].get<std::string>().empty();
}

}  // namespace cabildo::plugins::public_works
