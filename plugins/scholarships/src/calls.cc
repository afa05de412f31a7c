// Calls (convocatorias): create and edit drafts, publish them when every
// publication duty is there, read them one by one or as the single portal of
// a state and its municipalities, discard drafts.
//
// A call is a row of scholarships.calls: its text and publication duties in
// `document` (kDocumentFields) and what the rules of the call decide with in
// columns (amount_mxn, slots, the window opens_at..closes_at, results_at). It
// is rendered everywhere by the shared kCallItemJson, whose `status` and
// `open` depend on the clock: a published call becomes "closed" at closes_at
// and accepts applications only inside its window. So a public answer about
// calls changes by itself when a window opens or closes; every public GET
// says when (HttpResponse::fresh_until, NextWindowChange) so the public cache
// never serves it past that moment.
//
// The workflow: draft (editable at will, visible only with kCallRead) ->
// published (POST /publish, kCallPublish: 422 listing every missing duty at
// once) -> resolved (results.cc). Once published a call is a public promise:
// its text may be corrected and its deadlines extended, never shortened; once
// anybody applied, what the applications were judged by (amount, eligibility,
// opening, questions) is fixed and the slots may only grow. A resolved call is
// not edited. Only drafts are deleted (a tombstone for writers' sync).
//
// The schemas (ScholarshipsCallInput/Patch and their children) bound and type
// every field and refuse unknown ones before a handler runs; CheckCall keeps
// what a schema cannot say (relations between fields, slugs, codes).
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cabildo/plugin/compiled_sql.h"
#include "cabildo/plugin/values.h"

#include "rules.h"
#include "scholarships.h"

namespace cabildo::plugins::scholarships {
namespace {

using nlohmann::json;
using plugin::FieldError;
using plugin::HttpResponse;
using plugin::RequestContext;

// --- SQL composed at compile time (plugin::kSql) -------------------------------

using plugin::kSql;

constexpr const char* kSelect = "SELECT ";

// One call of this tenant ($1) by id ($2), drafts only when $3.
#define SCH_FIND_WHERE                                                       \
  "WHERE c.tenant_id = $1 AND c.id = $2::uuid AND c.deleted_at IS NULL AND " \
  "($3::boolean OR c.status <> 'draft')"
constexpr const char* kFindWhere = SCH_FIND_WHERE;
constexpr const char* kFindWhereForUpdate = SCH_FIND_WHERE " FOR UPDATE OF c";
constexpr const char* kFindSql = kSql<kSelect, kCallItemJson, kCallFrom, kFindWhere>;
constexpr const char* kFindForUpdateSql =
    kSql<kSelect, kCallItemJson, kCallFrom, kFindWhereForUpdate>;

// The list: $1 tenants, $2 drafts too (kCallRead), $3 open (null: either),
// $4 updated_since, $5 and $6 the cursor's (updated_at, id), $7 limit + 1.
// The page's keys are picked first (only the columns that filter and order;
// index calls_sync_idx), then only those rows are rendered. With
// updated_since, a discarded draft comes back as a tombstone (column 0) to
// those who see drafts; the public never sees a draft, so never one.
constexpr const char* kListHead =
    "WITH keys AS MATERIALIZED ("
    " SELECT c.tenant_id, c.id, c.updated_at AS at FROM scholarships.calls c"
    " WHERE c.tenant_id = ANY ($1::uuid[])"
    "   AND ($2::boolean OR c.status <> 'draft')"
    "   AND (c.deleted_at IS NULL OR $4::timestamptz IS NOT NULL)"
    "   AND ($4::timestamptz IS NULL OR c.updated_at > $4::timestamptz)"
    "   AND ($5::timestamptz IS NULL OR (c.updated_at, c.id) > ($5::timestamptz, $6::uuid))"
    "   AND (c.deleted_at IS NOT NULL OR $3::boolean IS NULL"
    "        OR " CABILDO_SCH_CALL_OPEN
    " = $3::boolean)"
    " ORDER BY c.updated_at, c.id LIMIT $7)"
    " SELECT c.deleted_at IS NOT NULL, CASE WHEN c.deleted_at IS NULL THEN ";
constexpr const char* kListTail =
    " END, c.id::text, t.slug, " CABILDO_SCH_TS("c.updated_at")
    " FROM keys k"
    " JOIN scholarships.calls c ON c.tenant_id = k.tenant_id AND c.id = k.id"
    " JOIN core.tenants t ON t.id = c.tenant_id"
    " ORDER BY k.at, k.id";
constexpr const char* kListSql = kSql<kListHead, kCallItemJson, kListTail>;

// --- values ------------------------------------------------------------------

// The fields of a call kept in calls.document; the rest of the input are the
// columns (amount_mxn, slots, opens_at, closes_at, results_at). Anything else
// a client sends back from a GET is read-only, accepted by the schemas and
// ignored here.
constexpr std::array<std::string_view, 16> kDocumentFields = {"title",
                                                              "description",
                                                              "program",
                                                              "area",
                                                              "target_population",
                                                              "objectives",
                                                              "requirements",
                                                              "eligibility",
                                                              "selection_criteria",
                                                              "budget_mxn",
                                                              "legal_basis",
                                                              "rules_url",
                                                              "privacy_notice_url",
                                                              "complaints_procedure",
                                                              "contact",
                                                              "questions"};

bool IsDocumentField(std::string_view key) {
  for (std::string_view field : kDocumentFields) {
    if (key == field) return true;
  }
  return false;
}

// numeric(14, 2): at most 12 integer digits (the money format admits 14).
constexpr int64_t kMaxCentavos = 99999999999999;

// A call as its rules read it: the document and the columns.
struct CallValues {
  json document = json::object();
  std::string amount_mxn = "0.00";
  int64_t amount_centavos = 0;
  int64_t slots = 1;
  std::string opens_at;
  std::string closes_at;
  std::optional<std::string> results_at;
};

// Microseconds since the Unix epoch of an RFC 3339 timestamp the schema (or
// PostgreSQL) wrote: "2026-12-06T15:00:00Z", fractions of up to 6 digits, "Z"
// or an offset. nullopt for anything else.
std::optional<int64_t> InstantMicros(std::string_view text) {
  if (!plugin::IsRfc3339Timestamp(text) || !plugin::IsCalendarDate(text.substr(0, 10))) {
    return std::nullopt;
  }
  auto number = [&](std::size_t at, std::size_t length) {
    int64_t value = 0;
    for (std::size_t i = at; i < at + length; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  // Days from 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
  int64_t year = number(0, 4);
  const int64_t month = number(5, 2);
  const int64_t day = number(8, 2);
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const int64_t days = era * 146097 + day_of_era - 719468;
  int64_t seconds = days * 86400 + number(11, 2) * 3600 + number(14, 2) * 60 + number(17, 2);
  std::size_t at = 19;
  int64_t micros = 0;
  if (text[at] == '.') {
    int digits = 0;
    for (++at; at < text.size() && plugin::IsAsciiDigit(text[at]); ++at, ++digits) {
      micros = micros * 10 + (text[at] - '0');
    }
    for (; digits < 6; ++digits) micros *= 10;
  }
  if (text[at] != 'Z') {
    const int64_t offset = (number(at + 1, 2) * 60 + number(at + 4, 2)) * 60;
    seconds += text[at] == '+' ? -offset : offset;
  }
  return seconds * 1000000 + micros;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::chrono::system_clock::time_point TimePoint(int64_t micros) {
  return std::chrono::system_clock::time_point(std::chrono::microseconds(micros));
}

// Whether two timestamps are the same instant (however each is written).
bool SameInstant(const std::string& a, const std::string& b) {
  return InstantMicros(a) == InstantMicros(b);
}

// The call rendered by kCallItemJson as CallValues.
CallValues FromItem(const json& item) {
  CallValues values;
  for (const auto& [key, value] : item.items()) {
    if (IsDocumentField(key)) values.document[key] = value;
  }
  values.amount_mxn = item.value("amount_mxn", "0.00");
  values.amount_centavos = plugin::ParseCentavos(values.amount_mxn).value_or(0);
  values.slots = item.value("slots", int64_t{1});
  values.opens_at = item.value("opens_at", "");
  values.closes_at = item.value("closes_at", "");
  if (item.contains("results_at") && item["results_at"].is_string()) {
    values.results_at = item["results_at"].get<std::string>();
  }
  return values;
}

// `body` (validated by ScholarshipsCallInput or ScholarshipsCallPatch) over
// `base`: a field sent replaces the old one whole; null removes it.
CallValues Merge(CallValues base, const json& body) {
  for (const auto& [key, value] : body.items()) {
    if (IsDocumentField(key)) {
      if (value.is_null()) {
        base.document.erase(key);
      } else if (key == "budget_mxn") {
        // Written as amounts are read back: "15000" -> "15000.00".
        const auto centavos = plugin::ParseCentavos(value.get<std::string>());
        base.document[key] = centavos ? json(plugin::FormatCentavos(*centavos)) : value;
      } else {
        base.document[key] = value;
      }
    } else if (key == "amount_mxn" && value.is_string()) {
      base.amount_centavos = plugin::ParseCentavos(value.get<std::string>()).value_or(-1);
      base.amount_mxn = plugin::FormatCentavos(base.amount_centavos);
    } else if (key == "slots" && value.is_number_integer()) {
      base.slots = value.get<int64_t>();
    } else if (key == "opens_at" && value.is_string()) {
      base.opens_at = value.get<std::string>();
    } else if (key == "closes_at" && value.is_string()) {
      base.closes_at = value.get<std::string>();
    } else if (key == "results_at") {
      base.results_at = value.is_string() ? std::optional(value.get<std::string>()) : std::nullopt;
    }
  }
  return base;
}

// The rules across fields of a whole call (after a PATCH is merged). Each
// field already has its type, bounds and format (the schemas).
std::vector<FieldError> CheckCall(RequestContext& ctx, const CallValues& call) {
  std::vector<FieldError> errors;
  if (call.amount_centavos < 0 || call.amount_centavos > kMaxCentavos) {
    errors.push_back({"amount_mxn", "El monto por persona no puede pasar de 999999999999.99."});
  }
  if (auto budget = call.document.find("budget_mxn"); budget != call.document.end()) {
    const auto centavos = plugin::ParseCentavos(budget->get<std::string>());
    if (!centavos || *centavos > kMaxCentavos) {
      errors.push_back({"budget_mxn", "El presupuesto no puede pasar de 999999999999.99."});
    }
  }
  const auto opens = InstantMicros(call.opens_at);
  const auto closes = InstantMicros(call.closes_at);
  if (opens && closes && *closes <= *opens) {
    errors.push_back({"closes_at",
                      "El cierre de la convocatoria (closes_at) debe ser posterior a su apertura "
                      "(opens_at)."});
  }
  if (call.results_at) {
    const auto results = InstantMicros(*call.results_at);
    if (results && closes && *results < *closes) {
      errors.push_back({"results_at",
                        "La fecha de resultados (results_at) no puede ser anterior al cierre de "
                        "la convocatoria (closes_at)."});
    }
  }
  if (auto eligibility = call.document.find("eligibility");
      eligibility != call.document.end() && eligibility->is_object()) {
    if (eligibility->contains("min_age") && eligibility->contains("max_age") &&
        (*eligibility)["min_age"].get<int64_t>() > (*eligibility)["max_age"].get<int64_t>()) {
      errors.push_back({"eligibility.max_age",
                        "La edad máxima (eligibility.max_age) no puede ser menor que la mínima "
                        "(eligibility.min_age)."});
    }
    if (auto tenant = eligibility->find("residence_tenant"); tenant != eligibility->end()) {
      const std::string& slug = tenant->get_ref<const std::string&>();
      const bool known =
          plugin::IsLowerName(slug, 1, 63, /*letter_first=*/true) &&
          !plugin::Exec(ctx, "scholarships.call_residence_tenant",
                        "SELECT 1 FROM core.tenants WHERE slug = $1 AND inegi_code IS NOT NULL",
                        slug)
               .empty();
      if (!known) {
        errors.push_back({"eligibility.residence_tenant",
                          "No existe un ente con ese identificador y clave INEGI; escriba el slug "
                          "de un estado o municipio, por ejemplo \"municipio-durango\"."});
      }
    }
  }
  if (auto questions = call.document.find("questions");
      questions != call.document.end() && questions->is_array()) {
    std::set<std::string> codes;
    for (std::size_t i = 0; i < questions->size(); ++i) {
      const std::string& code = (*questions)[i]["code"].get_ref<const std::string&>();
      const std::string field = "questions[" + std::to_string(i) + "].code";
      if (!IsQuestionCode(code)) {
        errors.push_back({field,
                          "El código de la pregunta lleva de 1 a 40 letras minúsculas sin "
                          "acentos, dígitos o guiones bajos, por ejemplo \"motivo\"."});
      } else if (!codes.insert(code).second) {
        errors.push_back({field, "Otra pregunta de la convocatoria ya usa el código \"" + code +
                                     "\"; cada pregunta necesita uno distinto."});
      }
    }
  }
  return errors;
}

// Text with something other than spaces in it.
bool HasText(const json& document, const char* key) {
  auto it = document.find(key);
  if (it == document.end() || !it->is_string()) return false;
  return it->get_ref<const std::string&>().find_first_not_of(" \t\r\n") != std::string::npos;
}

bool HasItems(const json& document, const char* key) {
  auto it = document.find(key);
  return it != document.end() && it->is_array() && !it->empty();
}

// Where a duty comes from: "... (Ley General de Transparencia, art. 70, fracción XV, inciso b)."
#define SCH_FR_XV(inciso) \
  " (Ley General de Transparencia, art. 70, fracción XV, inciso " inciso ")."

// Every publication duty (domain.md §D; LGTAIP art. 70 fr. XV) the call
// lacks, in the order of the form, each naming its field.
std::vector<FieldError> MissingDuties(const CallValues& call) {
  std::vector<FieldError> missing;
  const json& d = call.document;
  if (!HasText(d, "title")) {
    missing.push_back({"title", "Falta el nombre de la convocatoria" SCH_FR_XV("b")});
  }
  if (!HasText(d, "description")) {
    missing.push_back(
        {"description", "Falta la descripción del apoyo: en qué consiste y para qué sirve."});
  }
  if (!HasText(d, "program")) {
    missing.push_back({"program", "Falta el programa social del que forma parte" SCH_FR_XV("b")});
  }
  if (!HasText(d, "area")) {
    missing.push_back({"area", "Falta el área o dependencia responsable" SCH_FR_XV("a")});
  }
  if (!HasText(d, "target_population")) {
    missing.push_back({"target_population", "Falta la población objetivo" SCH_FR_XV("d")});
  }
  if (!HasItems(d, "requirements")) {
    missing.push_back(
        {"requirements", "Indique al menos un requisito para solicitarla" SCH_FR_XV("h")});
  }
  auto eligibility = d.find("eligibility");
  if (eligibility == d.end() || !eligibility->is_object() || eligibility->empty()) {
    missing.push_back({"eligibility",
                       "Indique quién puede solicitarla: al menos una regla de edad, "
                       "nivel educativo, residencia o promedio" SCH_FR_XV("h")});
  }
  if (!HasItems(d, "selection_criteria")) {
    missing.push_back(
        {"selection_criteria", "Indique al menos un criterio de selección" SCH_FR_XV("h")});
  }
  if (call.amount_centavos <= 0) {
    missing.push_back(
        {"amount_mxn", "El monto por persona beneficiaria debe ser mayor que cero" SCH_FR_XV("g")});
  }
  if (call.slots < 1) {
    missing.push_back({"slots", "Indique cuántas becas se otorgan" SCH_FR_XV("f")});
  }
  const auto opens = InstantMicros(call.opens_at);
  const auto closes = InstantMicros(call.closes_at);
  if (!opens || !closes || *closes <= *opens) {
    missing.push_back({"closes_at",
                       "Indique el periodo para solicitarla: apertura (opens_at) y "
                       "cierre (closes_at) posterior" SCH_FR_XV("c")});
  }
  if (!HasItems(d, "legal_basis")) {
    missing.push_back({"legal_basis",
                       "Indique al menos un fundamento jurídico del programa (ley, reglamento o "
                       "reglas de operación, con su artículo)."});
  }
  if (!HasText(d, "rules_url")) {
    missing.push_back(
        {"rules_url", "Falta la dirección web de las reglas de operación" SCH_FR_XV("o")});
  }
  if (!HasText(d, "privacy_notice_url")) {
    missing.push_back({"privacy_notice_url",
                       "Falta la dirección web del aviso de privacidad: quien solicita debe "
                       "conocerlo antes de entregar sus datos personales (Ley General de "
                       "Protección de Datos Personales en Posesión de Sujetos Obligados)."});
  }
  if (!HasText(d, "complaints_procedure")) {
    missing.push_back({"complaints_procedure",
                       "Falta cómo y ante quién presentar quejas y denuncias" SCH_FR_XV("i")});
  }
  auto contact = d.find("contact");
  if (contact == d.end() || !contact->is_object() ||
      !(HasText(*contact, "email") || HasText(*contact, "phone"))) {
    missing.push_back({"contact",
                       "Indique un correo (contact.email) o un teléfono (contact.phone) donde "
                       "resolver dudas sobre la convocatoria."});
  }
  return missing;
}

// The 422 of a call that may not be published (or, published, would stop
// meeting its duties): every missing item at once, and what happened.
HttpResponse DutiesProblem(RequestContext& ctx, const std::vector<FieldError>& missing,
                           bool publishing) {
  HttpResponse response = ctx.FieldErrors(missing);
  json body = json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    const std::string count = std::to_string(missing.size()) +
                              (missing.size() == 1 ? " dato que exige" : " datos que exige");
    body["detail"] = publishing
                         ? "La convocatoria no puede publicarse: le faltan " + count +
                               " la publicación de una convocatoria. No se publicó nada."
                         : "La convocatoria está publicada y con este cambio le faltarían " +
                               count + " la publicación de una convocatoria. No se guardó nada.";
    response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return response;
}

// --- reading -------------------------------------------------------------------

// Call `id` of this tenant as GET renders it; drafts only when `drafts`; a
// discarded draft never.
std::optional<json> FindCall(RequestContext& ctx, const std::string& id, bool drafts, bool lock) {
  if (!plugin::IsLowerUuid(id)) return std::nullopt;
  auto rows =
      lock ? plugin::Exec(ctx, "scholarships.call_find_for_update", kFindForUpdateSql,
                          ctx.tenant_id(), id, drafts)
           : plugin::Exec(ctx, "scholarships.call_find", kFindSql, ctx.tenant_id(), id, drafts);
  if (rows.empty()) return std::nullopt;
  return json::parse(rows[0][0].as<std::string>());
}

// When the public view of `call` changes by itself: a published call opens
// at opens_at and closes at closes_at (a moment already past means "now":
// not cacheable). Drafts, closed and resolved calls change only with writes.
std::optional<std::chrono::system_clock::time_point> ItemChangesAt(const json& call) {
  if (call.value("status", "") != "published") return std::nullopt;
  const auto opens = InstantMicros(call.value("opens_at", ""));
  const auto closes = InstantMicros(call.value("closes_at", ""));
  if (!opens || !closes) return std::nullopt;
  return TimePoint(*opens > NowMicros() ? *opens : *closes);
}

StatusOr<HttpResponse> GetCall(RequestContext& ctx) {
  auto call = FindCall(ctx, ctx.PathParam("id"), SeesDraftCalls(ctx), /*lock=*/false);
  if (!call) return NotFoundError(kCallNotFound);
  HttpResponse response = HttpResponse::Json(200, *call);
  response.fresh_until = ItemChangesAt(*call);
  return response;
}

StatusOr<HttpResponse> ListCalls(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  std::optional<std::string> after_at, after_id;
  if (!page.after.is_null()) {
    // Signed by the host, but possibly another list's cursor.
    const json& after = page.after;
    if (!after.is_array() || after.size() != 2 || !after[0].is_string() || !after[1].is_string() ||
        !plugin::IsRfc3339Timestamp(after[0].get_ref<const std::string&>()) ||
        !plugin::IsLowerUuid(after[1].get_ref<const std::string&>())) {
      return InvalidArgumentError(
          "El cursor no es válido para esta lista: pida la primera página otra vez.");
    }
    after_at = after[0].get<std::string>();
    after_id = after[1].get<std::string>();
  }
  std::optional<bool> open;
  if (auto value = ctx.Query("open")) open = *value == "true";
  std::optional<std::string> since;
  if (!page.updated_since.empty()) since = page.updated_since;
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  const pqxx::result rows =
      plugin::Exec(ctx, "scholarships.call_list", kListSql, plugin::PgArray(tenants),
                   SeesDraftCalls(ctx), open, since, after_at, after_id, page.limit + 1);
  json items = json::array();
  json next = nullptr;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page.limit) {
      const json& last = items.back();
      next = ctx.Cursor(json{last["updated_at"], last["id"]});
      break;
    }
    if (row[0].as<bool>()) {
      items.push_back(Tombstone(row[2].c_str(), row[3].c_str(), row[4].c_str()));
    } else {
      items.push_back(json::parse(row[1].c_str()));
    }
  }
  HttpResponse response =
      HttpResponse::Json(200, {{"items", std::move(items)}, {"next_cursor", std::move(next)}});
  response.fresh_until = NextWindowChange(ctx, tenants);
  return response;
}

// --- writing -------------------------------------------------------------------

// Writes `call`'s columns and document over call `id`.
void StoreCall(RequestContext& ctx, const std::string& id, const CallValues& call) {
  plugin::Exec(ctx, "scholarships.call_update",
               "UPDATE scholarships.calls SET document = $3::jsonb, amount_mxn = $4::numeric, "
               "slots = $5, opens_at = $6::timestamptz, closes_at = $7::timestamptz, "
               "results_at = $8::timestamptz, updated_at = now() "
               "WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id, call.document.dump(), call.amount_mxn, call.slots,
               call.opens_at, call.closes_at, call.results_at);
}

StatusOr<HttpResponse> CreateCall(RequestContext& ctx) {
  const CallValues call = Merge(CallValues{}, ctx.Body());
  if (auto errors = CheckCall(ctx, call); !errors.empty()) return ctx.FieldErrors(errors);
  const std::string id =
      plugin::Exec1(ctx, "scholarships.call_insert",
                    "INSERT INTO scholarships.calls (tenant_id, document, amount_mxn, slots, "
                    "opens_at, closes_at, results_at) VALUES ($1, $2::jsonb, $3::numeric, $4, "
                    "$5::timestamptz, $6::timestamptz, $7::timestamptz) RETURNING id::text",
                    ctx.tenant_id(), call.document.dump(), call.amount_mxn, call.slots,
                    call.opens_at, call.closes_at, call.results_at)[0]
          .as<std::string>();
  auto created = FindCall(ctx, id, /*drafts=*/true, /*lock=*/false);
  if (!created) return InternalError("La convocatoria recién creada no se pudo volver a leer.");
  CABILDO_RETURN_IF_ERROR(ctx.Audit("call.create", "call", id, json::object(), *created));
  return HttpResponse::Json(201, *created);
}

using Written = StatusOr<std::optional<HttpResponse>>;

plugin::Change CallChange(RequestContext& ctx, const char* action,
                          std::function<Written(const json& before)> write) {
  const std::string id = ctx.PathParam("id");
  return {.action = action,
          .entity = "call",
          .id = id,
          .find = [&ctx, id](bool lock) { return FindCall(ctx, id, /*drafts=*/true, lock); },
          .write = std::move(write),
          .not_found = kCallNotFound};
}

bool HasApplications(RequestContext& ctx, const std::string& id) {
  return plugin::Exec1(ctx, "scholarships.call_has_applications",
                       "SELECT EXISTS (SELECT 1 FROM scholarships.applications "
                       "WHERE tenant_id = $1 AND call_id = $2::uuid)",
                       ctx.tenant_id(), id)[0]
      .as<bool>();
}

Status Conflict(const std::string& message) { return AlreadyExistsError(message); }

// What a published (or closed) call may not change: its deadlines never
// move earlier; once anybody applied, what applications were judged by stays.
Status CheckPublishedChange(RequestContext& ctx, const CallValues& before,
                            const CallValues& after) {
  const std::string& id = ctx.PathParam("id");
  if (InstantMicros(after.closes_at) < InstantMicros(before.closes_at)) {
    return Conflict(
        "La convocatoria ya está publicada: su cierre (closes_at) puede ampliarse, nunca "
        "adelantarse.");
  }
  if (before.results_at &&
      (!after.results_at || InstantMicros(*after.results_at) < InstantMicros(*before.results_at))) {
    return Conflict(
        "La convocatoria ya está publicada: la fecha de resultados (results_at) puede ampliarse, "
        "nunca adelantarse ni quitarse.");
  }
  const bool amount = after.amount_centavos != before.amount_centavos;
  const bool fewer_slots = after.slots < before.slots;
  const bool opens = !SameInstant(after.opens_at, before.opens_at);
  const bool eligibility =
      after.document.value("eligibility", json()) != before.document.value("eligibility", json());
  const bool questions =
      after.document.value("questions", json()) != before.document.value("questions", json());
  if (!(amount || fewer_slots || opens || eligibility || questions) || !HasApplications(ctx, id)) {
    return OkStatus();
  }
  std::string what = amount        ? "el monto por persona (amount_mxn)"
                     : fewer_slots ? "el número de lugares (slots), que solo puede crecer"
                     : opens       ? "la apertura (opens_at)"
                     : eligibility ? "los requisitos de elegibilidad (eligibility)"
                                   : "las preguntas (questions)";
  return Conflict("La convocatoria ya recibió solicitudes: ya no puede cambiar " + what +
                  ", porque las solicitudes se presentaron y se evalúan con lo publicado.");
}

// PATCH's write: the body merged over the call, checked by its status.
Written WriteCall(RequestContext& ctx, const json& item) {
  const std::string status = item.value("status", "");
  if (status == "resolved") {
    return Conflict("La convocatoria ya tiene resultados publicados y no se edita.");
  }
  const CallValues before = FromItem(item);
  const CallValues after = Merge(before, ctx.Body());
  const bool published = status != "draft";
  if (published) CABILDO_RETURN_IF_ERROR(CheckPublishedChange(ctx, before, after));
  if (auto errors = CheckCall(ctx, after); !errors.empty()) {
    return Written(ctx.FieldErrors(errors));
  }
  if (published) {
    if (auto missing = MissingDuties(after); !missing.empty()) {
      return Written(DutiesProblem(ctx, missing, /*publishing=*/false));
    }
  }
  StoreCall(ctx, ctx.PathParam("id"), after);
  return Written(std::nullopt);
}

StatusOr<HttpResponse> UpdateCall(RequestContext& ctx) {
  return plugin::ApplyChange(ctx, CallChange(ctx, "call.update", [&ctx](const json& before) {
                               return WriteCall(ctx, before);
                             }));
}

// Only a draft is discarded: a tombstone for writers' sync.
StatusOr<HttpResponse> DeleteCall(RequestContext& ctx) {
  plugin::Change change = CallChange(ctx, "call.delete", [&ctx](const json& before) -> Written {
    if (before.value("status", "") != "draft") {
      return Conflict(
          "Solo se descarta un borrador: una convocatoria publicada queda a la vista del público "
          "y no se borra.");
    }
    plugin::Exec(ctx, "scholarships.call_discard",
                 "UPDATE scholarships.calls SET deleted_at = now(), updated_at = now() "
                 "WHERE tenant_id = $1 AND id = $2::uuid",
                 ctx.tenant_id(), ctx.PathParam("id"));
    return Written(std::nullopt);
  });
  change.deletes = true;
  return plugin::ApplyChange(ctx, change);
}

// POST /calls/{id}/publish: a draft with every duty, closing in the future.
StatusOr<HttpResponse> PublishCall(RequestContext& ctx) {
  return plugin::ApplyChange(
      ctx, CallChange(ctx, "call.publish", [&ctx](const json& before) -> Written {
        const std::string status = before.value("status", "");
        if (status == "resolved") {
          return Conflict("La convocatoria ya se publicó y tiene resultados.");
        }
        if (status != "draft") return Conflict("La convocatoria ya está publicada.");
        const CallValues call = FromItem(before);
        std::vector<FieldError> missing = MissingDuties(call);
        const auto closes = InstantMicros(call.closes_at);
        if (closes && *closes <= NowMicros()) {
          missing.push_back({"closes_at",
                             "El cierre de la convocatoria (closes_at) ya pasó: nadie podría "
                             "solicitarla. Amplíe el cierre antes de publicarla."});
        }
        if (!missing.empty()) {
          return Written(DutiesProblem(ctx, missing, /*publishing=*/true));
        }
        plugin::Exec(ctx, "scholarships.call_publish",
                     "UPDATE scholarships.calls SET status = 'published', published_at = now(), "
                     "updated_at = now() WHERE tenant_id = $1 AND id = $2::uuid",
                     ctx.tenant_id(), ctx.PathParam("id"));
        return Written(std::nullopt);
      }));
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> NextWindowChange(
    plugin::RequestContext& ctx, const std::vector<std::string>& tenant_ids) {
  // Each published call not yet closed changes next at its opening (if
  // ahead) or at its closing; the earliest of those. calls_window_idx.
  const pqxx::row row =
      plugin::Exec1(ctx, "scholarships.call_next_window_change",
                    "SELECT (extract(epoch FROM min(CASE WHEN c.opens_at > now() THEN c.opens_at "
                    "ELSE c.closes_at END)) * 1000000)::bigint "
                    "FROM scholarships.calls c WHERE c.tenant_id = ANY ($1::uuid[]) "
                    "AND c.status = 'published' AND c.closes_at > now()",
                    plugin::PgArray(tenant_ids));
  if (row[0].is_null()) return std::nullopt;
  return TimePoint(row[0].as<int64_t>());
}

void RegisterCalls(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  const std::vector<plugin::PathParam> id = {
      {.name = "id", .description = "Id (UUID) de la convocatoria."}};
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/calls",
       .permission = kCallWrite,
       .operation_id = "scholarshipsCreateCall",
       .summary = "Crear una convocatoria de becas (borrador)",
       .description =
           "Se crea como borrador (status draft): el público no la ve hasta que se publique. "
           "Bastan title, amount_mxn, slots, opens_at y closes_at; las obligaciones de "
           "transparencia (LGTAIP art. 70, fr. XV) se exigen al publicar. Reglas entre campos "
           "(422): closes_at posterior a opens_at; results_at no antes de closes_at; "
           "eligibility.min_age no mayor que max_age; eligibility.residence_tenant, un ente con "
           "clave INEGI; códigos de preguntas [a-z0-9_] únicos.",
       .request_body = "ScholarshipsCallInput",
       .response_body = "ScholarshipsCall",
       .success_status = 201,
       .handler = &CreateCall});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/calls",
       .operation_id = "scholarshipsListCalls",
       .summary = "Convocatorias de becas (el portal único con include_descendants)",
       .description =
           "Las convocatorias publicadas, cerradas y resueltas, en orden estable (updated_at, "
           "id). Con include_descendants=true en el estado, el portal único de becas de todo "
           "Durango: las del estado y las de sus municipios, cada una con su `tenant`. open=true: "
           "solo las que reciben solicitudes ahora (publicadas y dentro de su periodo); "
           "open=false: las demás. Con updated_since, solo las que cambiaron después (el paso a "
           "cerrada por el tiempo no cuenta como cambio: se deduce de closes_at). Quien tiene "
           "scholarships.call.read (editor, admin, auditor, reviewer) ve además los borradores y, "
           "con updated_since, los borradores descartados como marcas de borrado ({id, tenant, "
           "updated_at, deleted: true}).",
       .query = {{.name = "open",
                  .schema = {{"type", "boolean"}},
                  .description = "true: solo las que reciben solicitudes ahora; false: las que "
                                 "no."}},
       .paged = true,
       .descendants = true,
       .response_body = "ScholarshipsCallPage",
       .handler = &ListCalls});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/calls/{id}",
                      .operation_id = "scholarshipsGetCall",
                      .summary = "Obtener una convocatoria",
                      .description =
                          "Pública una vez publicada. Un borrador solo lo ve quien tiene "
                          "scholarships.call.read; para los demás, 404.",
                      .path_params = id,
                      .response_body = "ScholarshipsCall",
                      .handler = &GetCall});
  registrar.AddRoute(
      {.method = HttpMethod::kPatch,
       .path = "/calls/{id}",
       .permission = kCallWrite,
       .operation_id = "scholarshipsUpdateCall",
       .summary = "Editar una convocatoria",
       .description =
           "Solo cambian los campos enviados; un objeto o una lista enviados reemplazan completos "
           "a los anteriores y null borra el dato. Un borrador cambia libremente. Una "
           "convocatoria publicada (o cerrada) corrige sus textos y puede ampliar closes_at y "
           "results_at, nunca adelantarlos (409); en cuanto tiene solicitudes, amount_mxn, "
           "eligibility, opens_at y questions quedan fijos y slots solo puede crecer (409); y "
           "debe seguir cumpliendo sus obligaciones de publicación (422 con lo que faltaría). "
           "Una convocatoria resuelta no se edita (409).",
       .path_params = id,
       .request_body = "ScholarshipsCallPatch",
       .response_body = "ScholarshipsCall",
       .if_match = true,
       .handler = &UpdateCall});
  registrar.AddRoute(
      {.method = HttpMethod::kDelete,
       .path = "/calls/{id}",
       .permission = kCallWrite,
       .operation_id = "scholarshipsDeleteCall",
       .summary = "Descartar un borrador de convocatoria",
       .description = "Solo un borrador (409 si está publicada o resuelta). Queda como marca de "
                      "borrado para quien ve borradores y pide updated_since.",
       .path_params = id,
       .success_status = 204,
       .if_match = true,
       .handler = &DeleteCall});
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/calls/{id}/publish",
       .permission = kCallPublish,
       .operation_id = "scholarshipsPublishCall",
       .summary = "Publicar una convocatoria",
       .description =
           "Publica un borrador que cumple todas las obligaciones de transparencia (LGTAIP art. "
           "70, fr. XV): title, description, program, area, target_population, al menos un "
           "requisito (requirements), eligibility con al menos una regla, al menos un criterio "
           "de selección (selection_criteria), amount_mxn mayor que cero, slots, el periodo "
           "(opens_at, closes_at), al menos un fundamento (legal_basis), rules_url, "
           "privacy_notice_url, complaints_procedure y un contacto con correo o teléfono. Si "
           "falta algo, 422 con todo lo que falta a la vez, y no se publica nada; también si "
           "closes_at ya pasó. Ya publicada o resuelta: 409.",
       .path_params = id,
       .response_body = "ScholarshipsCall",
       .if_match = true,
       .handler = &PublishCall});
}

}  // namespace cabildo::plugins::scholarships
