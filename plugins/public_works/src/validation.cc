// The rules of a request body: the shape of a project and of a progress
// report, and the rules across fields (the funding's sum within the budget,
// the end after the start, a report not before the start of the work).
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "public_works.h"

namespace cabildo::plugins::public_works {
namespace {

const std::set<std::string> kStatuses = {"identification", "preparation", "implementation",
                                         "completion",     "maintenance", "decommissioning",
                                         "decommissioned", "cancelled"};
const std::set<std::string> kTypes = {"construction", "rehabilitation", "replacement", "expansion",
                                      "decommissioning"};
const std::set<std::string> kMethods = {"open", "selective", "direct"};
const std::set<std::string> kOrigins = {"federal", "state", "municipal"};
constexpr size_t kMaxEvidenceUrls = 20;     // photos and documents of one report
constexpr size_t kMaxFundingSources = 100;  // a project has a handful

}  // namespace

bool IsMoney(const json& value) {
  return value.is_string() && ParseCentavos(value.get_ref<const std::string&>()).has_value();
}

bool IsDate(const json& value) {
  return value.is_string() && plugin::IsCalendarDate(value.get_ref<const std::string&>());
}

namespace {

std::string MoneyMessage(const json& value) {
  if (value.is_string() && !value.get<std::string>().empty() &&
      value.get<std::string>().front() == '-') {
    return "El importe no puede ser negativo.";
  }
  return "Escriba un importe en pesos como texto decimal, por ejemplo \"1250000.00\".";
}

// Fields a client may write; the rest of what GET returns is read-only and
// ignored when sent back.
const std::set<std::string> kWritable = {"external_id",
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
const std::set<std::string> kReadOnly = {"id",
                                         "tenant",
                                         "published",
                                         "created_at",
                                         "updated_at",
                                         "physical_progress_pct",
                                         "financial_progress_pct",
                                         "spent_mxn"};

void CheckText(const json& body, const char* key, size_t max, bool required,
               std::vector<FieldError>& errors) {
  if (!body.contains(key) || body[key].is_null()) {
    if (required) errors.push_back({key, "Este campo es obligatorio."});
    return;
  }
  if (!body[key].is_string()) {
    errors.push_back({key, "Debe ser texto."});
    return;
  }
  const auto& text = body[key].get_ref<const std::string&>();
  if ((required && text.empty()) || text.size() > max) {
    errors.push_back({key, "Escriba un texto de " + std::string(required ? "1" : "0") + " a " +
                               std::to_string(max) + " caracteres."});
  }
}

void CheckEnum(const json& body, const char* key, const std::set<std::string>& values,
               const char* what, std::vector<FieldError>& errors) {
  if (!body.contains(key) || body[key].is_null()) return;
  if (!body[key].is_string() || !values.count(body[key].get<std::string>())) {
    std::string list;
    for (const auto& v : values) list += (list.empty() ? "" : ", ") + v;
    errors.push_back({key, std::string(what) + " desconocido; valores válidos: " + list + "."});
  }
}

// Checks the complete project (after a PATCH is merged); format first, then
// the sums, which PostgreSQL computes.
}  // namespace

bool IsWritable(const std::string& key) { return kWritable.count(key) > 0; }
bool IsListedStatus(const std::string& status) { return kStatuses.count(status) > 0; }
bool IsListedOrigin(const std::string& origin) { return kOrigins.count(origin) > 0; }

std::vector<FieldError> CheckProject(const json& body, const json& sent) {
  std::vector<FieldError> errors;
  for (const auto& [key, value] : sent.items()) {
    if (!kWritable.count(key) && !kReadOnly.count(key)) {
      errors.push_back({key, "Campo desconocido."});
    }
  }
  CheckText(body, "title", 300, true, errors);
  CheckText(body, "description", 10000, false, errors);
  CheckText(body, "sector", 200, false, errors);
  CheckText(body, "purpose", 2000, false, errors);
  CheckText(body, "external_id", 200, false, errors);
  if (!body.contains("status") || body["status"].is_null()) {
    errors.push_back({"status", "Este campo es obligatorio."});
  }
  CheckEnum(body, "status", kStatuses, "Estado", errors);
  CheckEnum(body, "type", kTypes, "Tipo de obra", errors);
  CheckEnum(body, "procurement_method", kMethods, "Procedimiento de contratación", errors);
  if (!body.contains("budget_mxn") || body["budget_mxn"].is_null()) {
    errors.push_back({"budget_mxn", "Este campo es obligatorio."});
  } else if (!IsMoney(body["budget_mxn"])) {
    errors.push_back({"budget_mxn", MoneyMessage(body["budget_mxn"])});
  }
  if (body.contains("contract_value_mxn") && !body["contract_value_mxn"].is_null() &&
      !IsMoney(body["contract_value_mxn"])) {
    errors.push_back({"contract_value_mxn", MoneyMessage(body["contract_value_mxn"])});
  }
  for (const char* key : {"start_date", "end_date"}) {
    if (body.contains(key) && !body[key].is_null() && !IsDate(body[key])) {
      errors.push_back({key, "Escriba una fecha válida AAAA-MM-DD."});
    }
  }
  if (IsDate(body.value("start_date", json())) && IsDate(body.value("end_date", json())) &&
      body["end_date"].get<std::string>() < body["start_date"].get<std::string>()) {
    errors.push_back({"end_date", "La fecha de término es anterior a la de inicio."});
  }
  bool funding_ok = true;
  if (body.contains("funding") && !body["funding"].is_null()) {
    if (!body["funding"].is_array() || body["funding"].size() > kMaxFundingSources) {
      errors.push_back({"funding", "Debe ser una lista de hasta " +
                                       std::to_string(kMaxFundingSources) +
                                       " fuentes de financiamiento."});
      funding_ok = false;
    } else {
      for (size_t i = 0; i < body["funding"].size(); ++i) {
        const json& source = body["funding"][i];
        const std::string at = "funding[" + std::to_string(i) + "]";
        if (!source.is_object()) {
          errors.push_back({at, "Debe ser un objeto {origin, fund, amount_mxn}."});
          funding_ok = false;
          continue;
        }
        if (!source.contains("origin") || !source["origin"].is_string() ||
            !kOrigins.count(source["origin"].get<std::string>())) {
          errors.push_back(
              {at + ".origin", "Origen desconocido; valores válidos: federal, state, municipal."});
          funding_ok = false;
        }
        if (!source.contains("fund") || !source["fund"].is_string() ||
            source["fund"].get<std::string>().empty() ||
            source["fund"].get<std::string>().size() > 100) {
          errors.push_back({at + ".fund", "Escriba el fondo (por ejemplo FAIS o FORTAMUN)."});
          funding_ok = false;
        }
        if (!source.contains("amount_mxn") || !IsMoney(source["amount_mxn"])) {
          errors.push_back({at + ".amount_mxn", MoneyMessage(source.value("amount_mxn", json()))});
          funding_ok = false;
        }
      }
    }
  }
  if (body.contains("location") && !body["location"].is_null()) {
    const json& location = body["location"];
    if (!location.is_object()) {
      errors.push_back({"location", "Debe ser un objeto {lat, lon, address, cvegeo}."});
    } else {
      const bool has_lat = location.contains("lat") && !location["lat"].is_null();
      const bool has_lon = location.contains("lon") && !location["lon"].is_null();
      if (has_lat != has_lon) {
        errors.push_back({"location", "Indique latitud y longitud juntas."});
      }
      if (has_lat && (!location["lat"].is_number() || location["lat"].get<double>() < -90 ||
                      location["lat"].get<double>() > 90)) {
        errors.push_back({"location.lat", "La latitud debe ser un número entre -90 y 90."});
      }
      if (has_lon && (!location["lon"].is_number() || location["lon"].get<double>() < -180 ||
                      location["lon"].get<double>() > 180)) {
        errors.push_back({"location.lon", "La longitud debe ser un número entre -180 y 180."});
      }
      if (location.contains("address") && !location["address"].is_null() &&
          (!location["address"].is_string() ||
           location["address"].get<std::string>().size() > 500)) {
        errors.push_back({"location.address", "Debe ser texto de hasta 500 caracteres."});
      }
      if (location.contains("cvegeo") && !location["cvegeo"].is_null() &&
          (!location["cvegeo"].is_string() ||
           !plugin::IsDigitsOfLength(location["cvegeo"].get<std::string>(), {2, 5, 9}))) {
        errors.push_back(
            {"location.cvegeo", "Clave geoestadística del INEGI de 2, 5 o 9 dígitos."});
      }
    }
  }
  if (body.contains("contractor") && !body["contractor"].is_null()) {
    const json& contractor = body["contractor"];
    if (!contractor.is_object()) {
      errors.push_back({"contractor", "Debe ser un objeto {name, rfc}."});
    } else {
      if (!contractor.contains("name") || !contractor["name"].is_string() ||
          contractor["name"].get<std::string>().empty() ||
          contractor["name"].get<std::string>().size() > 300) {
        errors.push_back(
            {"contractor.name", "Escriba el nombre del contratista (hasta 300 caracteres)."});
      }
      if (contractor.contains("rfc") && !contractor["rfc"].is_null() &&
          (!contractor["rfc"].is_string() ||
           !plugin::IsRfc(contractor["rfc"].get<std::string>()))) {
        errors.push_back({"contractor.rfc", "El RFC no tiene un formato válido."});
      }
    }
  }
  if (errors.empty() && funding_ok && body.contains("funding") && body["funding"].is_array() &&
      !body["funding"].empty()) {
    // Exact integer centavos (IsMoney allows at most 14 + 2 digits), no round trip.
    int64_t total = 0;
    bool overflow = false;
    for (const auto& source : body["funding"]) {
      overflow =
          overflow || __builtin_add_overflow(
                          total, *ParseCentavos(source["amount_mxn"].get<std::string>()), &total);
    }
    if (overflow || total > *ParseCentavos(body["budget_mxn"].get<std::string>())) {
      errors.push_back(
          {"funding", "La suma del financiamiento (" +
                          (overflow ? std::string("desmesurada") : FormatCentavos(total)) +
                          ") excede el presupuesto (" + body["budget_mxn"].get<std::string>() +
                          ")."});
    }
  }
  return errors;
}

std::vector<FieldError> CheckProgress(const json& body, const json& project,
                                      std::vector<std::string>& urls) {
  std::vector<FieldError> errors;
  static const std::set<std::string> kFields = {"date",      "physical_pct", "financial_pct",
                                                "spent_mxn", "note",         "evidence_urls"};
  for (const auto& [key, value] : body.items()) {
    if (!kFields.count(key)) errors.push_back({key, "Campo desconocido."});
  }
  const json& r = body;
  if (!r.contains("date") || !IsDate(r["date"])) {
    errors.push_back({"date", "Escriba una fecha válida AAAA-MM-DD."});
  } else if (project["start_date"].is_string() &&
             r["date"].get<std::string>() < project["start_date"].get<std::string>()) {
    errors.push_back({"date", "La fecha del reporte es anterior al inicio de la obra (" +
                                  project["start_date"].get<std::string>() + ")."});
  }
  for (const char* key : {"physical_pct", "financial_pct"}) {
    if (!r.contains(key) || !r[key].is_number() || r[key].get<double>() < 0 ||
        r[key].get<double>() > 100) {
      errors.push_back({key, "El porcentaje debe ser un número entre 0 y 100."});
    }
  }
  if (!r.contains("spent_mxn") || !IsMoney(r["spent_mxn"])) {
    errors.push_back({"spent_mxn", MoneyMessage(r.value("spent_mxn", json()))});
  }
  if (r.contains("note") && !r["note"].is_null() &&
      (!r["note"].is_string() || r["note"].get<std::string>().size() > 4000)) {
    errors.push_back({"note", "Debe ser texto de hasta 4000 caracteres."});
  }
  if (r.contains("evidence_urls") && !r["evidence_urls"].is_null()) {
    if (!r["evidence_urls"].is_array() || r["evidence_urls"].size() > kMaxEvidenceUrls) {
      errors.push_back({"evidence_urls", "Debe ser una lista de hasta " +
                                             std::to_string(kMaxEvidenceUrls) +
                                             " direcciones http(s)."});
    } else {
      for (size_t i = 0; i < r["evidence_urls"].size(); ++i) {
        const json& url = r["evidence_urls"][i];
        if (!url.is_string() || !plugin::IsHttpUrl(url.get<std::string>())) {
          errors.push_back({"evidence_urls[" + std::to_string(i) + "]",
                            "Debe ser una dirección http(s) de hasta 2048 caracteres."});
        } else {
          urls.push_back(url.get<std::string>());
        }
      }
    }
  }
  // Spending over the budget needs a note that says why (the budget as
  // stored, numeric(16,2) text, is money text too).
  if (errors.empty() && !HasNote(r) &&
      *ParseCentavos(r["spent_mxn"].get<std::string>()) >
          *ParseCentavos(project["budget_mxn"].get<std::string>())) {
    errors.push_back({"note", "El ejercido supera el presupuesto (" +
                                  project["budget_mxn"].get<std::string>() +
                                  "): explique el motivo en una nota."});
  }
  return errors;
}

bool HasNote(const json& body) {
  return body.contains("note") && body["note"].is_string() &&
         !body["note"].get<std::string>().empty();
}

}  // namespace cabildo::plugins::public_works
