// public-works: obra pública. Projects in OC4IDS shape, their funding sources
// (origin + fund) and append-only progress reports; a public "follow the
// money" summary computed in SQL, a CSV export and an OC4IDS 0.9 project
// package. Money travels as decimal strings and PostgreSQL numeric does every
// sum, so totals are exact to the centavo.
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cabildo/plugin/plugin_api.h"

#include "cabildo_plugin_public_works_embedded.inc"

namespace cabildo::plugins::public_works {
namespace {

using nlohmann::json;
using plugin::FieldError;
using plugin::HttpResponse;
using plugin::RequestContext;

constexpr const char* kWrite = "public-works.project.write";
constexpr const char* kPublish = "public-works.project.publish";
constexpr const char* kReadDrafts = "public-works.project.read";
constexpr const char* kNotFound = "No existe la obra.";

const std::set<std::string> kStatuses = {"identification", "preparation", "implementation",
                                         "completion",     "maintenance", "decommissioning",
                                         "decommissioned", "cancelled"};
const std::set<std::string> kTypes = {"construction", "rehabilitation", "replacement", "expansion",
                                      "decommissioning"};
const std::set<std::string> kMethods = {"open", "selective", "direct"};
const std::set<std::string> kOrigins = {"federal", "state", "municipal"};
constexpr size_t kMaxEvidenceUrls = 20;     // photos and documents of one report
constexpr size_t kMaxFundingSources = 100;  // a project has a handful

bool IsUuid(const std::string& text) { return plugin::IsLowerUuid(text); }

bool IsMoney(const json& value) {
  return value.is_string() && plugin::FieldReader::IsMoney(value.get<std::string>());
}

// REQUIRES: IsMoney(value). "1250.5" -> 125050.
int64_t Centavos(const json& value) {
  const std::string text = value.get<std::string>();
  const auto dot = text.find('.');
  int64_t centavos = 0;
  for (char c : text.substr(0, dot)) centavos = centavos * 10 + (c - '0');
  std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  fraction.resize(2, '0');
  return centavos * 100 + (fraction[0] - '0') * 10 + (fraction[1] - '0');
}

// 125050 -> "1250.50", the way PostgreSQL prints numeric(16,2).
std::string FormatCentavos(int64_t centavos) {
  std::string digits;
  for (int64_t rest = centavos / 100; rest > 0 || digits.empty(); rest /= 10) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(rest % 10)));
  }
  const int cents = static_cast<int>(centavos % 100);
  return digits + "." + static_cast<char>('0' + cents / 10) + static_cast<char>('0' + cents % 10);
}

// A real calendar day, YYYY-MM-DD, from year 1 (PostgreSQL has no year 0000,
// which std::chrono::year accepts).
bool IsDate(const json& value) {
  if (!value.is_string()) return false;
  const std::string& text = value.get_ref<const std::string&>();
  if (!plugin::IsDateShape(text)) return false;
  std::chrono::year_month_day day{
      std::chrono::year(std::stoi(text.substr(0, 4))),
      std::chrono::month(static_cast<unsigned>(std::stoi(text.substr(5, 2)))),
      std::chrono::day(static_cast<unsigned>(std::stoi(text.substr(8, 2))))};
  return day.ok() && day.year() >= std::chrono::year(1);
}

std::string MoneyMessage(const json& value) {
  if (value.is_string() && !value.get<std::string>().empty() &&
      value.get<std::string>().front() == '-') {
    return "El importe no puede ser negativo.";
  }
  return "Escriba un importe en pesos como texto decimal, por ejemplo \"1250000.00\".";
}

std::optional<std::string> OptString(const json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  return body[key].get<std::string>();
}

std::string PgArray(const std::vector<std::string>& ids) {
  std::string array = "{";
  for (const auto& id : ids) array += (array.size() > 1 ? "," : "") + id;
  return array + "}";
}

// A PostgreSQL text[] literal with every element quoted.
std::string PgTextArray(const std::vector<std::string>& values) {
  std::string array = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    array += i ? ",\"" : "\"";
    for (char c : values[i]) {
      if (c == '"' || c == '\\') array.push_back('\\');
      array.push_back(c);
    }
    array += "\"";
  }
  return array + "}";
}

// One project `p` (and its tenant `t`) as GET returns it, built by PostgreSQL
// (money as numeric::text), with `funding` the jsonb array of its funding.
// Columns: deleted, json.
std::string ProjectJsonColumns(const std::string& funding) {
  return R"sql(
  p.deleted_at IS NOT NULL,
  jsonb_build_object(
    'id', p.id, 'tenant', t.slug, 'external_id', p.external_id, 'title', p.title,
    'description', p.description, 'status', p.status, 'type', p.type, 'sector', p.sector,
    'purpose', p.purpose, 'budget_mxn', p.budget_mxn::text,
    'funding', )sql" +
         funding + R"sql(,
    'location', CASE WHEN p.lat IS NULL AND p.address IS NULL AND p.cvegeo IS NULL THEN NULL
                ELSE jsonb_build_object('lat', p.lat, 'lon', p.lon, 'address', p.address,
                                        'cvegeo', p.cvegeo) END,
    'contractor', CASE WHEN p.contractor_name IS NULL THEN NULL
                  ELSE jsonb_build_object('name', p.contractor_name, 'rfc', p.contractor_rfc) END,
    'procurement_method', p.procurement_method,
    'contract_value_mxn', p.contract_value_mxn::text,
    'start_date', p.start_date::text, 'end_date', p.end_date::text,
    'physical_progress_pct', p.physical_progress_pct,
    'financial_progress_pct', p.financial_progress_pct,
    'spent_mxn', p.spent_mxn::text,
    'published', p.published,
    'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text )sql";
}

// The funding rows `f` as a jsonb array, in order (a source with no rows: []).
std::string FundingJson(const std::string& rows) {
  return "COALESCE((SELECT jsonb_agg(jsonb_build_object('origin', f.origin, 'fund', f.fund, "
         "'amount_mxn', f.amount_mxn::text) ORDER BY f.position) FROM " +
         rows + "), '[]'::jsonb)";
}

// Columns: deleted, json, of every project p the query's WHERE keeps.
const std::string kProjectColumns =
    ProjectJsonColumns(FundingJson("public_works.project_funding f "
                                   "WHERE f.tenant_id = p.tenant_id AND f.project_id = p.id")) +
    " FROM public_works.projects p JOIN core.tenants t ON t.id = p.tenant_id ";

// `row` holds kProjectColumns from column `at`; `gone` (e.g. unpublished, for
// a caller who cannot see drafts) makes it a tombstone like a deleted one.
json ProjectJson(const pqxx::row& row, int at = 0, bool gone = false) {
  json project = json::parse(row[at + 1].as<std::string>());
  if (gone || row[at].as<bool>()) {  // a tombstone says only what sync needs
    return {{"id", project["id"]},
            {"tenant", project["tenant"]},
            {"updated_at", project["updated_at"]},
            {"deleted", true}};
  }
  return project;
}

// Readers of everything (auditors, by default) see drafts, and so do writers
// and publishers: they publish what they can read.
bool SeesDrafts(RequestContext& ctx) {
  return ctx.Authorize(kReadDrafts) == Access::kAllowed ||
         ctx.Authorize(kWrite) == Access::kAllowed || ctx.Authorize(kPublish) == Access::kAllowed;
}

// The project (not deleted) as GET returns it, locked for update when `lock`;
// drafts only when `drafts` (routes that need write or publish pass true).
std::optional<json> FindProject(RequestContext& ctx, const std::string& id, bool lock,
                                bool drafts) {
  if (!IsUuid(id)) return std::nullopt;
  auto rows =
      plugin::Exec(ctx, lock ? "public-works.find_project_for_update" : "public-works.find_project",
                   std::string("SELECT ") + kProjectColumns +
                       "WHERE p.tenant_id = $1 AND p.id = $2::uuid AND p.deleted_at IS NULL "
                       "AND (p.published OR $3)" +
                       (lock ? " FOR UPDATE OF p" : ""),
                   ctx.tenant_id(), id, drafts);
  if (rows.empty()) return std::nullopt;
  return ProjectJson(rows[0]);
}

// The project as it stands after a write of this request's transaction.
StatusOr<json> Reread(RequestContext& ctx, const std::string& id) {
  auto project = FindProject(ctx, id, false, true);
  if (!project) return InternalError("La obra recién escrita no se pudo volver a leer.");
  return *project;
}

// The audit's before/after of an object: only the top-level fields that
// differ, so a title change reads as one (core::AuditDiff is host-only).
json Diff(const json& before, const json& after) {
  json diff = {{"before", json::object()}, {"after", json::object()}};
  for (const auto& [key, value] : before.items()) {
    if (!after.contains(key) || after.at(key) != value) diff["before"][key] = value;
  }
  for (const auto& [key, value] : after.items()) {
    if (!before.contains(key) || before.at(key) != value) diff["after"][key] = value;
  }
  return diff;
}

// --- Validation -------------------------------------------------------------

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
      overflow = overflow || __builtin_add_overflow(total, Centavos(source["amount_mxn"]), &total);
    }
    if (overflow || total > Centavos(body["budget_mxn"])) {
      errors.push_back(
          {"funding", "La suma del financiamiento (" +
                          (overflow ? std::string("desmesurada") : FormatCentavos(total)) +
                          ") excede el presupuesto (" + body["budget_mxn"].get<std::string>() +
                          ")."});
    }
  }
  return errors;
}

// The writable columns of a validated body, in the order of the statements below.
struct ProjectColumns {
  std::optional<std::string> external_id, description, type, sector, purpose, address, cvegeo,
      contractor_name, contractor_rfc, procurement_method, contract_value_mxn, start_date, end_date;
  std::string title, status, budget_mxn;
  std::optional<double> lat, lon;
};

ProjectColumns ColumnsOf(const json& body) {
  ProjectColumns c;
  if (body.contains("location") && body["location"].is_object()) {
    const json& l = body["location"];
    if (l.contains("lat") && !l["lat"].is_null()) c.lat = l["lat"].get<double>();
    if (l.contains("lon") && !l["lon"].is_null()) c.lon = l["lon"].get<double>();
    c.address = OptString(l, "address");
    c.cvegeo = OptString(l, "cvegeo");
  }
  if (body.contains("contractor") && body["contractor"].is_object()) {
    c.contractor_name = OptString(body["contractor"], "name");
    c.contractor_rfc = OptString(body["contractor"], "rfc");
  }
  c.external_id = OptString(body, "external_id");
  c.title = body["title"].get<std::string>();
  c.description = OptString(body, "description");
  c.status = body["status"].get<std::string>();
  c.type = OptString(body, "type");
  c.sector = OptString(body, "sector");
  c.purpose = OptString(body, "purpose");
  c.budget_mxn = body["budget_mxn"].get<std::string>();
  c.procurement_method = OptString(body, "procurement_method");
  c.contract_value_mxn = OptString(body, "contract_value_mxn");
  c.start_date = OptString(body, "start_date");
  c.end_date = OptString(body, "end_date");
  return c;
}

// The funding rows of a validated body as three parallel arrays for unnest().
struct FundingArrays {
  std::string origins = "{}", funds = "{}", amounts = "{}";
};

FundingArrays FundingOf(const json& body) {
  if (!body.contains("funding") || !body["funding"].is_array()) return {};
  std::vector<std::string> origins, funds, amounts;
  for (const auto& source : body["funding"]) {
    origins.push_back(source["origin"].get<std::string>());
    funds.push_back(source["fund"].get<std::string>());
    amounts.push_back(source["amount_mxn"].get<std::string>());
  }
  return {PgTextArray(origins), PgTextArray(funds), PgTextArray(amounts)};
}

// Inserts a validated project and its funding in one statement, which also
// returns the project as GET will (built from what the INSERTs returned: a
// statement does not see its own CTEs' rows in the tables).
json InsertProject(RequestContext& ctx, const json& body) {
  const ProjectColumns c = ColumnsOf(body);
  const FundingArrays funding = FundingOf(body);
  static const std::string sql =
      "WITH p AS (INSERT INTO public_works.projects (tenant_id, external_id, title, "
      "description, status, type, sector, purpose, budget_mxn, lat, lon, address, cvegeo, "
      "contractor_name, contractor_rfc, procurement_method, contract_value_mxn, start_date, "
      "end_date, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::numeric, $10, $11, "
      "$12, $13, $14, $15, $16, $17::numeric, $18::date, $19::date, clock_timestamp()) "
      "RETURNING *), "
      "inserted_funding AS (INSERT INTO public_works.project_funding "
      "(tenant_id, project_id, position, origin, fund, amount_mxn) "
      "SELECT p.tenant_id, p.id, x.n - 1, x.origin, x.fund, x.amount::numeric FROM p, "
      "unnest($20::text[], $21::text[], $22::text[]) WITH ORDINALITY "
      "AS x(origin, fund, amount, n) RETURNING position, origin, fund, amount_mxn) "
      "SELECT " +
      ProjectJsonColumns(FundingJson("inserted_funding f")) +
      " FROM p JOIN core.tenants t ON t.id = p.tenant_id";
  return ProjectJson(plugin::Exec1(
      ctx, "public-works.insert_project", sql, ctx.tenant_id(), c.external_id, c.title,
      c.description, c.status, c.type, c.sector, c.purpose, c.budget_mxn, c.lat, c.lon, c.address,
      c.cvegeo, c.contractor_name, c.contractor_rfc, c.procurement_method, c.contract_value_mxn,
      c.start_date, c.end_date, funding.origins, funding.funds, funding.amounts));
}

// Replaces a project's funding rows: the old ones go, the body's arrive in
// one statement (arrays unnested in order).
void ReplaceFunding(RequestContext& ctx, const std::string& id, const FundingArrays& funding) {
  plugin::Exec(ctx, "public-works.delete_funding",
               "DELETE FROM public_works.project_funding "
               "WHERE tenant_id = $1 AND project_id = $2::uuid",
               ctx.tenant_id(), id);
  plugin::Exec(ctx, "public-works.insert_funding",
               "INSERT INTO public_works.project_funding "
               "(tenant_id, project_id, position, origin, fund, amount_mxn) "
               "SELECT $1, $2::uuid, f.n - 1, f.origin, f.fund, f.amount::numeric "
               "FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY "
               "AS f(origin, fund, amount, n)",
               ctx.tenant_id(), id, funding.origins, funding.funds, funding.amounts);
}

// Writes every writable column of a validated `body` over project `id`.
void UpdateProjectRow(RequestContext& ctx, const std::string& id, const json& body) {
  const ProjectColumns c = ColumnsOf(body);
  plugin::Exec(ctx, "public-works.update_project",
               "UPDATE public_works.projects SET external_id = $3, title = $4, description = $5, "
               "status = $6, type = $7, sector = $8, purpose = $9, budget_mxn = $10::numeric, "
               "lat = $11, lon = $12, address = $13, cvegeo = $14, contractor_name = $15, "
               "contractor_rfc = $16, procurement_method = $17, contract_value_mxn = $18::numeric, "
               "start_date = $19::date, end_date = $20::date, updated_at = clock_timestamp() "
               "WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id, c.external_id, c.title, c.description, c.status, c.type,
               c.sector, c.purpose, c.budget_mxn, c.lat, c.lon, c.address, c.cvegeo,
               c.contractor_name, c.contractor_rfc, c.procurement_method, c.contract_value_mxn,
               c.start_date, c.end_date);
  ReplaceFunding(ctx, id, FundingOf(body));
}

// --- Routes -----------------------------------------------------------------

StatusOr<HttpResponse> ListProjects(RequestContext& ctx) {
  auto page = ctx.ReadPage();
  if (!page.ok()) return page.status();
  auto tenants = ctx.ReadTenants();
  if (!tenants.ok()) return tenants.status();
  std::optional<std::string> since, after_at, after_id, status, origin, q;
  if (!page->updated_since.empty()) since = page->updated_since;
  if (page->after.is_array() && page->after.size() == 2) {
    after_at = page->after[0].get<std::string>();
    after_id = page->after[1].get<std::string>();
  }
  status = ctx.Query("status");
  if (status && !kStatuses.count(*status)) {
    return InvalidArgumentError("status desconocido: " + *status);
  }
  origin = ctx.Query("funding_origin");
  if (origin && !kOrigins.count(*origin)) {
    return InvalidArgumentError("funding_origin desconocido: " + *origin);
  }
  if (auto text = ctx.Query("q"); text && !text->empty()) {
    std::string escaped;
    for (char c : *text) {
      if (c == '%' || c == '_' || c == '\\') escaped.push_back('\\');
      escaped.push_back(c);
    }
    q = "%" + escaped + "%";
  }
  // Column 0: hidden from this caller (unpublished); with updated_since such a
  // work, once published, is listed as a tombstone so offline copies drop it.
  auto rows = plugin::Exec(
      ctx, "public-works.list_projects",
      std::string("SELECT NOT (p.published OR $2), ") + kProjectColumns +
          "WHERE p.tenant_id = ANY ($1::uuid[]) "
          "AND (p.published OR $2 OR "
          "     ($3::timestamptz IS NOT NULL AND p.unpublished_at IS NOT NULL)) "
          "AND ($3::timestamptz IS NULL OR p.updated_at > $3::timestamptz) "
          "AND ($3::timestamptz IS NOT NULL OR p.deleted_at IS NULL) "
          "AND ($4::timestamptz IS NULL OR (p.updated_at, p.id) > ($4::timestamptz, $5::uuid)) "
          "AND ($7::text IS NULL OR p.status = $7) "
          "AND ($8::text IS NULL OR EXISTS (SELECT 1 FROM public_works.project_funding f "
          "     WHERE f.tenant_id = p.tenant_id AND f.project_id = p.id AND f.origin = $8)) "
          "AND ($9::text IS NULL OR p.title ILIKE $9) "
          "ORDER BY p.updated_at, p.id LIMIT $6",
      PgArray(*tenants), SeesDrafts(ctx), since, after_at, after_id, page->limit + 1, status,
      origin, q);
  json items = json::array();
  json next = nullptr;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page->limit) {
      next = ctx.Cursor({items.back()["updated_at"], items.back()["id"]});
      break;
    }
    items.push_back(ProjectJson(row, 1, row[0].as<bool>()));
  }
  return HttpResponse::Json(200, {{"items", items}, {"next_cursor", next}});
}

StatusOr<HttpResponse> GetProject(RequestContext& ctx) {
  auto project = FindProject(ctx, ctx.PathParam("id"), false, SeesDrafts(ctx));
  if (!project) return NotFoundError(kNotFound);
  return HttpResponse::Json(200, *project);
}

StatusOr<HttpResponse> CreateProject(RequestContext& ctx) {
  // Parsed by the host (ABI 5); PublicWorksBody only asks for an object.
  const json* body = &ctx.Body();
  json project = *body;
  if (!project.contains("status")) project["status"] = "identification";
  if (auto errors = CheckProject(project, *body); !errors.empty()) {
    return ctx.FieldErrors(errors);
  }
  const json created = InsertProject(ctx, project);
  Status audited = ctx.Audit("project.create", "project", created["id"].get<std::string>(),
                             {{"before", json::object()}, {"after", created}});
  if (!audited.ok()) return audited;
  return HttpResponse::Json(201, created);
}

StatusOr<HttpResponse> UpdateProject(RequestContext& ctx) {
  // Parsed by the host (ABI 5); PublicWorksBody only asks for an object.
  const json* body = &ctx.Body();
  const std::string id = ctx.PathParam("id");
  auto before = FindProject(ctx, id, true, true);
  if (!before) return NotFoundError(kNotFound);
  Status fresh = ctx.CheckIfMatch(*before);
  if (!fresh.ok()) return fresh;
  json merged = *before;
  for (const auto& [key, value] : body->items()) {
    if (kWritable.count(key)) merged[key] = value;
  }
  if (auto errors = CheckProject(merged, *body); !errors.empty()) {
    return ctx.FieldErrors(errors);
  }
  UpdateProjectRow(ctx, id, merged);
  auto reread = Reread(ctx, id);
  if (!reread.ok()) return reread.status();
  const json& after = *reread;
  Status audited = ctx.Audit("project.update", "project", id, Diff(*before, after));
  if (!audited.ok()) return audited;
  return HttpResponse::Json(200, after);
}

StatusOr<HttpResponse> DeleteProject(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  auto before = FindProject(ctx, id, true, true);
  if (!before) return NotFoundError(kNotFound);
  Status fresh = ctx.CheckIfMatch(*before);
  if (!fresh.ok()) return fresh;
  plugin::Exec(
      ctx, "public-works.soft_delete",
      "UPDATE public_works.projects SET deleted_at = now(), updated_at = clock_timestamp() "
      "WHERE tenant_id = $1 AND id = $2::uuid",
      ctx.tenant_id(), id);
  Status audited = ctx.Audit("project.delete", "project", id,
                             {{"before", *before}, {"after", {{"deleted", true}}}});
  if (!audited.ok()) return audited;
  return HttpResponse::Empty(204);
}

StatusOr<HttpResponse> SetPublished(RequestContext& ctx, bool published) {
  const std::string id = ctx.PathParam("id");
  auto before = FindProject(ctx, id, true, true);
  if (!before) return NotFoundError(kNotFound);
  plugin::Exec(ctx, "public-works.set_published",
               "UPDATE public_works.projects SET published = $3, updated_at = clock_timestamp(), "
               "unpublished_at = CASE WHEN $3 THEN NULL WHEN published THEN clock_timestamp() "
               "ELSE unpublished_at END "
               "WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id, published);
  auto reread = Reread(ctx, id);
  if (!reread.ok()) return reread.status();
  const json& after = *reread;
  Status audited = ctx.Audit(
      published ? "project.publish" : "project.unpublish", "project", id,
      {{"before", {{"published", (*before)["published"]}}}, {"after", {{"published", published}}}});
  if (!audited.ok()) return audited;
  return HttpResponse::Json(200, after);
}
StatusOr<HttpResponse> Publish(RequestContext& ctx) { return SetPublished(ctx, true); }
StatusOr<HttpResponse> Unpublish(RequestContext& ctx) { return SetPublished(ctx, false); }

constexpr const char* kReportColumns = R"sql(
  jsonb_build_object('id', r.id, 'date', r.report_date::text, 'physical_pct', r.physical_pct,
    'financial_pct', r.financial_pct, 'spent_mxn', r.spent_mxn::text, 'note', r.note,
    'evidence_urls', to_jsonb(r.evidence_urls),
    'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
  FROM public_works.progress_reports r )sql";

// The reports, oldest first, as a cursor list (api-core.md "Lists"): a page
// of `limit` at a time, keyed on (date, created_at, id), which the index on
// (tenant_id, project_id, report_date, created_at) reads in order.
StatusOr<HttpResponse> ListProgress(RequestContext& ctx) {
  auto page = ctx.ReadPage();
  if (!page.ok()) return page.status();
  const std::string id = ctx.PathParam("id");
  if (!FindProject(ctx, id, false, SeesDrafts(ctx))) return NotFoundError(kNotFound);
  std::optional<std::string> after_date, after_at, after_id;
  if (!page->after.is_null()) {
    const json& after = page->after;  // signed by the host: only this list's shape
    if (!after.is_array() || after.size() != 3 || !after[0].is_string() || !after[1].is_string() ||
        !after[2].is_string()) {
      return InvalidArgumentError("El cursor no es válido para esta lista; empiece sin cursor.");
    }
    after_date = after[0].get<std::string>();
    after_at = after[1].get<std::string>();
    after_id = after[2].get<std::string>();
  }
  auto rows = plugin::Exec(ctx, "public-works.list_progress_page",
                           std::string("SELECT ") + kReportColumns +
                               "WHERE r.tenant_id = $1 AND r.project_id = $2::uuid "
                               "AND ($3::date IS NULL OR (r.report_date, r.created_at, r.id) > "
                               "     ($3::date, $4::timestamptz, $5::uuid)) "
                               "ORDER BY r.report_date, r.created_at, r.id LIMIT $6",
                           ctx.tenant_id(), id, after_date, after_at, after_id, page->limit + 1);
  json items = json::array();
  json next = nullptr;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page->limit) {
      const json& last = items.back();
      next = ctx.Cursor({last["date"], last["created_at"], last["id"]});
      break;
    }
    items.push_back(json::parse(row[0].as<std::string>()));
  }
  return HttpResponse::Json(200, {{"items", items}, {"next_cursor", next}});
}

StatusOr<HttpResponse> AddProgress(RequestContext& ctx) {
  // Parsed by the host (ABI 5); PublicWorksBody only asks for an object.
  const json* body = &ctx.Body();
  const std::string id = ctx.PathParam("id");
  auto before = FindProject(ctx, id, true, true);
  if (!before) return NotFoundError(kNotFound);
  std::vector<FieldError> errors;
  static const std::set<std::string> kFields = {"date",      "physical_pct", "financial_pct",
                                                "spent_mxn", "note",         "evidence_urls"};
  for (const auto& [key, value] : body->items()) {
    if (!kFields.count(key)) errors.push_back({key, "Campo desconocido."});
  }
  const json& r = *body;
  if (!r.contains("date") || !IsDate(r["date"])) {
    errors.push_back({"date", "Escriba una fecha válida AAAA-MM-DD."});
  } else if ((*before)["start_date"].is_string() &&
             r["date"].get<std::string>() < (*before)["start_date"].get<std::string>()) {
    errors.push_back({"date", "La fecha del reporte es anterior al inicio de la obra (" +
                                  (*before)["start_date"].get<std::string>() + ")."});
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
  std::vector<std::string> urls;
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
  const bool has_note =
      r.contains("note") && r["note"].is_string() && !r["note"].get<std::string>().empty();
  if (errors.empty() && !has_note &&
      plugin::Exec1(ctx, "public-works.spent_over_budget", "SELECT $1::numeric > $2::numeric",
                    r["spent_mxn"].get<std::string>(),
                    (*before)["budget_mxn"].get<std::string>())[0]
          .as<bool>()) {
    errors.push_back({"note", "El ejercido supera el presupuesto (" +
                                  (*before)["budget_mxn"].get<std::string>() +
                                  "): explique el motivo en una nota."});
  }
  if (!errors.empty()) return ctx.FieldErrors(errors);
  auto report_id =
      plugin::Exec1(
          ctx, "public-works.insert_report",
          "INSERT INTO public_works.progress_reports (tenant_id, project_id, report_date, "
          "physical_pct, financial_pct, spent_mxn, note, evidence_urls) "
          "VALUES ($1, $2::uuid, $3::date, $4::numeric, $5::numeric, $6::numeric, $7, "
          "$8::text[]) RETURNING id::text",
          ctx.tenant_id(), id, r["date"].get<std::string>(), r["physical_pct"].dump(),
          r["financial_pct"].dump(), r["spent_mxn"].get<std::string>(),
          has_note ? OptString(r, "note") : std::nullopt, PgTextArray(urls))[0]
          .as<std::string>();
  // The project's current figures are the latest report's (by date).
  plugin::Exec(
      ctx, "public-works.set_current_figures",
      "UPDATE public_works.projects p SET physical_progress_pct = r.physical_pct, "
      "financial_progress_pct = r.financial_pct, spent_mxn = r.spent_mxn, "
      "updated_at = clock_timestamp() "
      "FROM (SELECT physical_pct, financial_pct, spent_mxn FROM public_works.progress_reports "
      "      WHERE tenant_id = $1 AND project_id = $2::uuid "
      "      ORDER BY report_date DESC, created_at DESC, id DESC LIMIT 1) r "
      "WHERE p.tenant_id = $1 AND p.id = $2::uuid",
      ctx.tenant_id(), id);
  json report = json::parse(plugin::Exec1(ctx, "public-works.read_report",
                                          std::string("SELECT ") + kReportColumns +
                                              "WHERE r.tenant_id = $1 AND r.id = $2::uuid",
                                          ctx.tenant_id(), report_id)[0]
                                .as<std::string>());
  auto reread = Reread(ctx, id);
  if (!reread.ok()) return reread.status();
  const json& after = *reread;
  auto figures = [](const json& p) {
    return json{{"physical_progress_pct", p["physical_progress_pct"]},
                {"financial_progress_pct", p["financial_progress_pct"]},
                {"spent_mxn", p["spent_mxn"]}};
  };
  Status audited =
      ctx.Audit("project.progress", "project", id,
                {{"before", figures(*before)}, {"after", figures(after)}, {"report", report}});
  if (!audited.ok()) return audited;
  return HttpResponse::Json(201, report);
}

// Follow the money: published, non-deleted projects of the tenants read.
StatusOr<HttpResponse> Summary(RequestContext& ctx) {
  auto tenants = ctx.ReadTenants();
  if (!tenants.ok()) return tenants.status();
#define PW_MONEY(x) "coalesce(sum(" x "), 0)::numeric(18,2)::text"
#define PW_FIGURES                                                                                 \
  "'projects', count(*), 'budget_mxn', " PW_MONEY("p.budget_mxn") ", 'contracted_mxn', " PW_MONEY( \
      "p.contract_value_mxn") ", 'spent_mxn', " PW_MONEY("p.spent_mxn")
  auto row = plugin::Exec1(
      ctx, "public-works.summary",
      "WITH p AS (SELECT p.*, t.slug FROM public_works.projects p "
      "           JOIN core.tenants t ON t.id = p.tenant_id "
      "           WHERE p.tenant_id = ANY ($1::uuid[]) AND p.published AND p.deleted_at IS NULL), "
      "o AS (SELECT f.tenant_id, f.project_id, f.origin, sum(f.amount_mxn) AS amount "
      "      FROM public_works.project_funding f JOIN p ON p.tenant_id = f.tenant_id "
      "      AND p.id = f.project_id GROUP BY 1, 2, 3), "
      "fu AS (SELECT f.tenant_id, f.project_id, f.origin, f.fund, sum(f.amount_mxn) AS amount "
      "      FROM public_works.project_funding f JOIN p ON p.tenant_id = f.tenant_id "
      "      AND p.id = f.project_id GROUP BY 1, 2, 3, 4) "
      "SELECT jsonb_build_object("
      " 'currency', 'MXN',"
      " 'totals', (SELECT jsonb_build_object(" PW_FIGURES
      ") FROM p p),"
      " 'by_funding_origin', coalesce((SELECT jsonb_agg(x ORDER BY x->>'origin') FROM ("
      "    SELECT jsonb_build_object('origin', o.origin, 'funded_mxn', " PW_MONEY(
          "o.amount") ", " PW_FIGURES
                      ") x FROM o JOIN p ON p.tenant_id = o.tenant_id AND p.id = o.project_id "
                      "    GROUP BY o.origin) s), '[]'::jsonb),"
                      " 'by_fund', coalesce((SELECT jsonb_agg(x ORDER BY x->>'origin', x->>'fund') "
                      "FROM ("
                      "    SELECT jsonb_build_object('origin', fu.origin, 'fund', fu.fund, "
                      "'funded_mxn', " PW_MONEY(
                          "fu.amount") ", " PW_FIGURES
                                       ") x "
                                       "    FROM fu JOIN p ON p.tenant_id = fu.tenant_id AND p.id "
                                       "= fu.project_id "
                                       "    GROUP BY fu.origin, fu.fund) s), '[]'::jsonb),"
                                       " 'by_status', coalesce((SELECT jsonb_agg(x ORDER BY "
                                       "x->>'status') FROM ("
                                       "    SELECT jsonb_build_object('status', "
                                       "p.status, " PW_FIGURES
                                       ") x FROM p p "
                                       "    GROUP BY p.status) s), '[]'::jsonb),"
                                       " 'by_contractor', coalesce((SELECT jsonb_agg(x ORDER BY "
                                       "x->>'name', x->>'rfc') FROM ("
                                       "    SELECT jsonb_build_object('name', p.contractor_name, "
                                       "'rfc', p.contractor_rfc, " PW_FIGURES
                                       ") x FROM p p WHERE p.contractor_name IS NOT NULL "
                                       "    GROUP BY p.contractor_name, p.contractor_rfc) s), "
                                       "'[]'::jsonb),"
                                       " 'by_tenant', coalesce((SELECT jsonb_agg(x ORDER BY "
                                       "x->>'tenant') FROM ("
                                       "    SELECT jsonb_build_object('tenant', p.slug, " PW_FIGURES
                                       ") x FROM p p "
                                       "    GROUP BY p.slug) s), '[]'::jsonb))::text",
      PgArray(*tenants));
#undef PW_FIGURES
#undef PW_MONEY
  return HttpResponse::Json(200, json::parse(row[0].as<std::string>()));
}

// What identifies the exports' content for `tenants`, read from published
// data only, so editing a draft never shows through a public export's ETag:
// the published projects' count and latest updated_at. An edit, progress
// report, publication, unpublication or deletion moves the project's
// updated_at, so a project entering the set raises the latest change and one
// leaving it lowers the count; a renamed tenant changes its name, and the
// module's configuration is part of it too. The host makes the ETag of it.
struct ExportVersion {
  int64_t published = 0;      // projects an export lists
  std::string latest_change;  // RFC 3339, of the latest published change ("" without any)
  std::string tag;
};

ExportVersion ReadExportVersion(RequestContext& ctx, const std::vector<std::string>& tenants) {
  pqxx::row row =
      plugin::Exec1(ctx, "public-works.published_version",
                    "SELECT count(*), "
                    "  coalesce(to_char(max(p.updated_at) AT TIME ZONE 'UTC', "
                    "    'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), ''), "
                    "  coalesce(max(p.updated_at)::text, ''), "
                    "  (SELECT string_agg(t.slug || '=' || t.name, ',' ORDER BY t.slug) "
                    "     FROM core.tenants t WHERE t.id = ANY ($1::uuid[])) "
                    "FROM public_works.projects p "
                    "WHERE p.tenant_id = ANY ($1::uuid[]) AND p.published AND p.deleted_at IS NULL",
                    PgArray(tenants));
  ExportVersion version;
  version.published = row[0].as<int64_t>();
  version.latest_change = row[1].as<std::string>();
  version.tag = std::to_string(version.published) + "|" + row[2].as<std::string>() + "|" +
                row[3].as<std::string>("") + "|" + ctx.config().dump();
  return version;
}

// Calls `each` for every published, non-deleted project of `tenants`, as the
// list returns it, oldest change first; read through a cursor, so only a
// batch of rows and one project's JSON are in memory at a time.
void ForEachPublished(RequestContext& ctx, const std::vector<std::string>& tenants,
                      const std::function<bool(const json&)>& each) {
  plugin::ForEachRow(
      ctx, "public-works.published_projects",
      std::string("SELECT ") + kProjectColumns +
          "WHERE p.tenant_id = ANY ($1::uuid[]) AND p.published AND p.deleted_at IS NULL "
          "ORDER BY p.updated_at, p.id",
      [&](const pqxx::row& row) { return each(ProjectJson(row)); }, PgArray(tenants));
}

// ForEachPublished for the OC4IDS package: each project comes with its
// progress reports (oldest first: id, date, physical, financial, spent as
// text) from the same cursor query, so the whole export is a constant number
// of statements whatever the number of projects (it was one query per project).
void ForEachPublishedWithReports(RequestContext& ctx, const std::vector<std::string>& tenants,
                                 const std::function<bool(const json&, const json&)>& each) {
  plugin::ForEachRow(
      ctx, "public-works.published_projects_with_reports",
      std::string("SELECT coalesce((SELECT jsonb_agg(jsonb_build_array(r.id::text, "
                  "r.report_date::text, r.physical_pct::text, r.financial_pct::text, "
                  "r.spent_mxn::text) ORDER BY r.report_date, r.created_at, r.id) "
                  "FROM public_works.progress_reports r "
                  "WHERE r.tenant_id = p.tenant_id AND r.project_id = p.id), '[]')::text, ") +
          kProjectColumns +
          "WHERE p.tenant_id = ANY ($1::uuid[]) AND p.published AND p.deleted_at IS NULL "
          "ORDER BY p.updated_at, p.id",
      [&](const pqxx::row& row) {
        return each(ProjectJson(row, 1), json::parse(row[0].as<std::string>()));
      },
      PgArray(tenants));
}

std::string Text(const json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  std::string text = value.dump();
  if (value.is_number_float() && text.size() > 2 && text.ends_with(".0"))
    text.resize(text.size() - 2);
  return text;
}

// Column order is part of the contract (documented in the OpenAPI).
const std::vector<std::string> kCsvHeader = {"id",
                                             "ente",
                                             "clave_externa",
                                             "titulo",
                                             "estado",
                                             "tipo",
                                             "sector",
                                             "presupuesto_mxn",
                                             "financiamiento",
                                             "procedimiento",
                                             "contratista",
                                             "rfc_contratista",
                                             "monto_contratado_mxn",
                                             "fecha_inicio",
                                             "fecha_fin",
                                             "avance_fisico_pct",
                                             "avance_financiero_pct",
                                             "ejercido_mxn",
                                             "latitud",
                                             "longitud",
                                             "direccion",
                                             "cvegeo",
                                             "actualizado"};

std::string CsvLine(const json& p) {
  std::string funding;
  for (const auto& f : p["funding"]) {
    funding += (funding.empty() ? "" : "; ") + f["origin"].get<std::string>() + ":" +
               f["fund"].get<std::string>() + ":" + f["amount_mxn"].get<std::string>();
  }
  const json location = p["location"].is_object() ? p["location"] : json::object();
  const json contractor = p["contractor"].is_object() ? p["contractor"] : json::object();
  return plugin::CsvRow({Text(p["id"]),
                         Text(p["tenant"]),
                         Text(p["external_id"]),
                         Text(p["title"]),
                         Text(p["status"]),
                         Text(p["type"]),
                         Text(p["sector"]),
                         Text(p["budget_mxn"]),
                         funding,
                         Text(p["procurement_method"]),
                         Text(contractor.value("name", json())),
                         Text(contractor.value("rfc", json())),
                         Text(p["contract_value_mxn"]),
                         Text(p["start_date"]),
                         Text(p["end_date"]),
                         Text(p["physical_progress_pct"]),
                         Text(p["financial_progress_pct"]),
                         Text(p["spent_mxn"]),
                         Text(location.value("lat", json())),
                         Text(location.value("lon", json())),
                         Text(location.value("address", json())),
                         Text(location.value("cvegeo", json())),
                         Text(p["updated_at"])});
}

StatusOr<HttpResponse> ExportCsv(RequestContext& ctx) {
  auto tenants = ctx.ReadTenants();
  if (!tenants.ok()) return tenants.status();
  const ExportVersion version = ReadExportVersion(ctx, *tenants);
  return HttpResponse::Stream(
      "text/csv; charset=utf-8", version.tag,
      [&ctx, tenants = *tenants](plugin::BodyWriter& out) -> Status {
        plugin::BodyBuffer body(out);
        body.Append(plugin::CsvRow(kCsvHeader));
        ForEachPublished(ctx, tenants, [&](const json& p) { return body.Append(CsvLine(p)); });
        body.Flush();
        return OkStatus();
      });
}

// The published projects as one JSON array, each item as the list returns it,
// in the list's order (updated_at, id).
StatusOr<HttpResponse> ExportJson(RequestContext& ctx) {
  auto tenants = ctx.ReadTenants();
  if (!tenants.ok()) return tenants.status();
  const ExportVersion version = ReadExportVersion(ctx, *tenants);
  return HttpResponse::Stream("application/json", version.tag,
                              [&ctx, tenants = *tenants](plugin::BodyWriter& out) -> Status {
                                plugin::BodyBuffer body(out);
                                plugin::JsonArrayWriter items(body);
                                ForEachPublished(ctx, tenants,
                                                 [&](const json& p) { return items.Add(p); });
                                items.Finish();
                                body.Flush();
                                return OkStatus();
                              });
}

json Value(const std::string& amount) {
  return {{"amount", json::parse(amount)}, {"currency", "MXN"}};
}

std::string DateTime(const std::string& date) { return date + "T00:00:00Z"; }

// One published project as an OC4IDS 0.9 project: its funders, supplier and
// progress `reports` (ForEachPublishedWithReports) as metric observations.
json Oc4idsProject(RequestContext& ctx, const json& p, const json& reports,
                   const std::string& prefix, const std::string& publisher) {
  const std::string uuid = p["id"];
  json project = {{"id", prefix + "-" + uuid},
                  {"title", p["title"]},
                  {"status", p["status"]},
                  {"updated", p["updated_at"]}};
  if (p["description"].is_string() && !p["description"].get<std::string>().empty()) {
    project["description"] = p["description"];
  }
  if (p["type"].is_string()) project["type"] = p["type"];
  if (p["purpose"].is_string() && !p["purpose"].get<std::string>().empty()) {
    project["purpose"] = p["purpose"];
  }
  if (p["external_id"].is_string() && !p["external_id"].get<std::string>().empty()) {
    project["identifiers"] = {{{"id", p["external_id"]}, {"scheme", "cabildo-external-id"}}};
  }
  json parties = json::array();
  const std::string authority_id = "tenant-" + p["tenant"].get<std::string>();
  parties.push_back({{"id", authority_id},
                     {"name", p["tenant"] == ctx.tenant_slug() ? json(publisher) : p["tenant"]},
                     {"roles", {"publicAuthority"}}});
  project["publicAuthority"] = {{"id", authority_id}, {"name", parties[0]["name"]}};
  json budget = {{"amount", Value(p["budget_mxn"])}};
  if (!p["funding"].empty()) {
    json breakdown = json::array();
    int n = 0;
    for (const auto& f : p["funding"]) {
      const std::string funder_id =
          "funder-" + f["origin"].get<std::string>() + "-" + f["fund"].get<std::string>();
      breakdown.push_back({{"id", std::to_string(++n)},
                           {"amount", Value(f["amount_mxn"])},
                           {"sourceParty", {{"id", funder_id}, {"name", f["fund"]}}}});
      bool known = false;
      for (const auto& party : parties) known = known || party["id"] == funder_id;
      if (!known) {
        parties.push_back({{"id", funder_id}, {"name", f["fund"]}, {"roles", {"funder"}}});
      }
    }
    budget["budgetBreakdowns"] = {{{"id", "1"}, {"budgetBreakdown", breakdown}}};
  }
  project["budget"] = budget;
  if (p["start_date"].is_string() || p["end_date"].is_string()) {
    json period = json::object();
    if (p["start_date"].is_string()) period["startDate"] = DateTime(p["start_date"]);
    if (p["end_date"].is_string()) period["endDate"] = DateTime(p["end_date"]);
    project["period"] = period;
  }
  if (p["location"].is_object()) {
    const json& l = p["location"];
    json location = {{"id", "1"}};
    if (l["lat"].is_number() && l["lon"].is_number()) {
      location["geometry"] = {{"type", "Point"}, {"coordinates", {l["lon"], l["lat"]}}};
    }
    if (l["address"].is_string() && !l["address"].get<std::string>().empty()) {
      location["address"] = {{"streetAddress", l["address"]}, {"countryName", "México"}};
    }
    if (l["cvegeo"].is_string()) {
      location["gazetteer"] = {{"scheme", "INEGI"}, {"identifiers", {l["cvegeo"]}}};
    }
    project["locations"] = {location};
  }
  if (p["contractor"].is_object()) {
    const json& c = p["contractor"];
    json supplier = {
        {"id", c["rfc"].is_string() ? "MX-RFC-" + c["rfc"].get<std::string>() : "supplier-" + uuid},
        {"name", c["name"]},
        {"roles", {"supplier"}}};
    if (c["rfc"].is_string()) supplier["identifier"] = {{"scheme", "MX-RFC"}, {"id", c["rfc"]}};
    parties.push_back(supplier);
  }
  project["parties"] = parties;
  // Progress reports as metric observations.
  json physical = json::array(), financial = json::array();
  for (const auto& report : reports) {
    const json& id = report[0];
    const std::string date = report[1];
    json period = {{"startDate", DateTime(date)}, {"endDate", DateTime(date)}};
    physical.push_back({{"id", id},
                        {"period", period},
                        {"measure", json::parse(report[2].get<std::string>())},
                        {"unit", {{"name", "percent"}}}});
    financial.push_back({{"id", id},
                         {"period", period},
                         {"measure", json::parse(report[3].get<std::string>())},
                         {"unit", {{"name", "percent"}}},
                         {"value", Value(report[4].get<std::string>())}});
  }
  if (!physical.empty()) {
    project["metrics"] = {{{"id", "physicalProgress"}, {"observations", physical}},
                          {{"id", "financialProgress"}, {"observations", financial}}};
  }
  return project;
}

// An OC4IDS 0.9 project package of the published projects, streamed: the
// package's fields first, then its projects one by one.
StatusOr<HttpResponse> ExportOc4ids(RequestContext& ctx) {
  auto tenants = ctx.ReadTenants();
  if (!tenants.ok()) return tenants.status();
  const ExportVersion version = ReadExportVersion(ctx, *tenants);
  // OC4IDS requires at least one project: with none published there is no
  // valid package to give, so say so instead of publishing an invalid one.
  if (version.published == 0) {
    return NotFoundError("Este tenant aún no tiene obras publicadas para exportar en OC4IDS.");
  }
  const std::string publisher =
      plugin::Exec1(ctx, "public-works.tenant_name", "SELECT name FROM core.tenants WHERE id = $1",
                    ctx.tenant_id())[0]
          .as<std::string>();
  const json package = {{"uri", "urn:cabildo:" + ctx.tenant_slug() + ":public-works:oc4ids"},
                        {"version", "0.9"},
                        {"publishedDate", version.latest_change},
                        {"publisher", {{"name", publisher}}}};
  return HttpResponse::Stream(
      "application/json", version.tag,
      [&ctx, tenants = *tenants, package, publisher](plugin::BodyWriter& out) -> Status {
        const std::string prefix = ctx.config().value("oc4ids_prefix", "oc4ids-cabildo");
        std::string head = package.dump();
        head.back() = ',';  // the package continues with its projects
        plugin::BodyBuffer body(out);
        body.Append(head + "\"projects\":");
        plugin::JsonArrayWriter projects(body);
        ForEachPublishedWithReports(ctx, tenants, [&](const json& p, const json& reports) {
          return projects.Add(Oc4idsProject(ctx, p, reports, prefix, publisher));
        });
        projects.Finish();
        body.Append("}");
        body.Flush();
        return OkStatus();
      });
}

Status Init(plugin::PluginRegistrar& registrar) {
  registrar.AddPermission(kWrite, "Crear y editar obras públicas y sus avances",
                          {"editor", "admin"});
  registrar.AddPermission(kPublish, "Publicar y despublicar obras públicas", {"admin"});
  // api-modules.md: "auditor reads all" — drafts included, without writing.
  registrar.AddPermission(kReadDrafts, "Leer todas las obras públicas, borradores incluidos",
                          {"editor", "admin", "auditor"});
  RegisterEmbeddedFiles(registrar);
  // ABI 5, ported mechanically (engineer "sdk"): the declarations carry
  // operation ids, summaries, parameters and paging; the real schemas (and
  // the removal of the hand-kept checks and of openapi.inc) are the port's.
  registrar.AddSchema("PublicWorksBody", {{"type", "object"}});
  using plugin::HttpMethod;
  using plugin::ParamType;
  const std::vector<plugin::PathParam> id = {
      {.name = "id", .type = ParamType::kUuid, .description = "Id (UUID) de la obra."}};
  auto text = [](const char* name, const char* description) {
    return plugin::QueryParam{
        .name = name, .schema = {{"type", "string"}}, .description = description};
  };
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/projects",
       .operation_id = "publicWorksListProjects",
       .summary = "Listar obras públicas",
       .query = {text("status", "Estado OC4IDS (projectStatus)."),
                 text("funding_origin", "Obras con financiamiento de este origen."),
                 text("q", "Texto a buscar en el título (sin distinguir mayúsculas).")},
       .paged = true,
       .descendants = true,
       .handler = &ListProjects});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/projects",
                      .permission = kWrite,
                      .operation_id = "publicWorksCreateProject",
                      .summary = "Registrar una obra (borrador)",
                      .request_body = "PublicWorksBody",
                      .success_status = 201,
                      .handler = &CreateProject});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/projects/{id}",
                      .operation_id = "publicWorksGetProject",
                      .summary = "Obtener una obra",
                      .path_params = id,
                      .handler = &GetProject});
  registrar.AddRoute({.method = HttpMethod::kPatch,
                      .path = "/projects/{id}",
                      .permission = kWrite,
                      .operation_id = "publicWorksUpdateProject",
                      .summary = "Editar una obra",
                      .path_params = id,
                      .request_body = "PublicWorksBody",
                      .if_match = true,
                      .handler = &UpdateProject});
  registrar.AddRoute({.method = HttpMethod::kDelete,
                      .path = "/projects/{id}",
                      .permission = kWrite,
                      .operation_id = "publicWorksDeleteProject",
                      .summary = "Borrar una obra (queda como marca de borrado)",
                      .path_params = id,
                      .success_status = 204,
                      .if_match = true,
                      .handler = &DeleteProject});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/projects/{id}/publish",
                      .permission = kPublish,
                      .operation_id = "publicWorksPublishProject",
                      .summary = "Publicar una obra",
                      .path_params = id,
                      .handler = &Publish});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/projects/{id}/unpublish",
                      .permission = kPublish,
                      .operation_id = "publicWorksUnpublishProject",
                      .summary = "Retirar la publicación de una obra",
                      .path_params = id,
                      .handler = &Unpublish});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/projects/{id}/progress",
                      .operation_id = "publicWorksListProgress",
                      .summary = "Reportes de avance de una obra (del más antiguo al más reciente)",
                      .path_params = id,
                      .paged = true,
                      .handler = &ListProgress});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/projects/{id}/progress",
                      .permission = kWrite,
                      .operation_id = "publicWorksAddProgress",
                      .summary = "Agregar un reporte de avance",
                      .path_params = id,
                      .request_body = "PublicWorksBody",
                      .success_status = 201,
                      .handler = &AddProgress});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/summary",
                      .operation_id = "publicWorksSummary",
                      .summary = "Sigue el dinero: totales de obras publicadas",
                      .descendants = true,
                      .handler = &Summary});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/export.csv",
                      .operation_id = "publicWorksExportCsv",
                      .summary = "Exportar obras publicadas (CSV)",
                      .descendants = true,
                      .response_media_type = "text/csv; charset=utf-8",
                      .handler = &ExportCsv});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/export.json",
                      .operation_id = "publicWorksExportJson",
                      .summary = "Exportar obras publicadas (JSON)",
                      .descendants = true,
                      .handler = &ExportJson});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/oc4ids.json",
                      .operation_id = "publicWorksExportOc4ids",
                      .summary = "Paquete de proyectos OC4IDS 0.9",
                      .descendants = true,
                      .handler = &ExportOc4ids});
  registrar.AddExport({"obras-csv", "/export.csv", "csv", "text/csv; charset=utf-8",
                       "Obras públicas publicadas en CSV (UTF-8, RFC 4180), una fila por obra."});
  registrar.AddExport({"obras-json", "/export.json", "json", "application/json",
                       "Obras públicas publicadas en JSON: una lista con los mismos campos que "
                       "el listado de obras."});
  registrar.AddExport({"obras-oc4ids", "/oc4ids.json", "oc4ids", "application/json",
                       "Paquete de proyectos OC4IDS 0.9 con las obras públicas publicadas."});
  registrar.SetConfigSchema(
      {{"type", "object"},
       {"properties", {{"oc4ids_prefix", {{"type", "string"}, {"maxLength", 40}}}}},
       {"additionalProperties", false}});
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::public_works

CABILDO_PLUGIN("public-works", "1.0.0", "Obra pública con exportación OC4IDS", "0.1.0", "1.0.0",
               &cabildo::plugins::public_works::Init);
