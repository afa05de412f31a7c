// The results of a call and the public padrón of beneficiaries (LGTAIP art.
// 70 fr. XV q; domain.md §D).
//
// POST /calls/{id}/publish-results freezes the decisions: once the window
// has closed and no application waits for a decision, the unanswered
// prevenciones (needs_info) are closed as rejected by the system, the
// approved applications are written to scholarships.beneficiaries — the
// padrón, written once and never updated — and the call becomes resolved.
//
// The padrón is the only place an applicant's name is public, and it holds
// exactly what fr. XV q asks for: the name (initials for a minor unless the
// tenant's configuration minors_in_padron says full_name), the amount, the
// municipality of residence (its name and its INEGI key: the territorial
// unit), the age on the day the call closed and the sex. It is built here,
// once, from the sealed personal data; nothing else of the application
// ever leaves it. GET /calls/{id}/beneficiaries and the streamed exports
// /beneficiaries.csv and /beneficiaries.json read only that table.
#include <array>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cabildo/plugin/values.h"

#include "application_view.h"
#include "rules.h"
#include "scholarships.h"

namespace cabildo::plugins::scholarships {
namespace {

using nlohmann::json;
using plugin::HttpMethod;
using plugin::HttpResponse;
using plugin::RequestContext;

constexpr const char* kNoResultsYet = "Los resultados de esta convocatoria aún no se publican.";
// What the system writes when it closes an unanswered prevención.
constexpr const char* kUnansweredNote = "No se atendió la prevención antes del cierre.";

// The call, locked: everything publish-results decides with. The dates in
// Mexico City time (the day the age is counted on, and the closing moment
// for the message).
constexpr const char* kLockCall =
    "SELECT c.status, c.deleted_at IS NOT NULL, now() >= c.closes_at, "
    "       to_char(c.closes_at AT TIME ZONE 'America/Mexico_City', 'YYYY-MM-DD'), "
    "       to_char(c.closes_at AT TIME ZONE 'America/Mexico_City', 'HH24:MI')"
    " FROM scholarships.calls c WHERE c.tenant_id = $1 AND c.id = $2 FOR UPDATE";

// Every application of the call locked (a decision in flight commits first
// or waits for the results), counted by status.
constexpr const char* kLockApplications =
    "WITH locked AS (SELECT a.status FROM scholarships.applications a"
    "                WHERE a.tenant_id = $1 AND a.call_id = $2 FOR UPDATE)"
    " SELECT count(*) FILTER (WHERE status IN ('submitted', 'under_review')),"
    "        count(*) FILTER (WHERE status = 'needs_info')"
    " FROM locked";

// The unanswered prevenciones become rejections by the system (reviewer
// NULL), in the history and in the application.
constexpr const char* kCloseNeedsInfo =
    "WITH closed AS ("
    "  UPDATE scholarships.applications SET status = 'rejected', decision_note = $3,"
    "         decided_by = NULL, decided_at = now(), updated_at = now()"
    "   WHERE tenant_id = $1 AND call_id = $2 AND status = 'needs_info'"
    "  RETURNING tenant_id, id, score)"
    " INSERT INTO scholarships.decisions (tenant_id, application_id, decision, score, note,"
    "                                     reviewer_id)"
    " SELECT tenant_id, id, 'reject', score, $3, NULL FROM closed";

constexpr const char* kApproved =
    "SELECT a.id::text, a.personal_data FROM scholarships.applications a"
    " WHERE a.tenant_id = $1 AND a.call_id = $2 AND a.status = 'approved' ORDER BY a.id";

// The padrón rows, one statement for all: the municipality's name from the
// INEGI list, else the tenant with that INEGI key, else the key itself.
constexpr const char* kInsertBeneficiaries =
    "INSERT INTO scholarships.beneficiaries (tenant_id, call_id, application_id, name,"
    "  amount_mxn, municipality_code, municipality, age, sex)"
    " SELECT c.tenant_id, c.id, b.application_id, b.name, c.amount_mxn, b.code,"
    "        coalesce((SELECT m.name FROM scholarships.municipalities m WHERE m.code = b.code),"
    "                 (SELECT t.name FROM core.tenants t WHERE t.inegi_code = b.code),"
    "                 b.code),"
    "        b.age, b.sex"
    " FROM unnest($3::uuid[], $4::text[], $5::text[], $6::int[], $7::text[])"
    "        AS b(application_id, name, code, age, sex)"
    " JOIN scholarships.calls c ON c.tenant_id = $1 AND c.id = $2";

constexpr const char* kResolve =
    "UPDATE scholarships.calls SET status = 'resolved', resolved_at = now(), updated_at = now()"
    " WHERE tenant_id = $1 AND id = $2 RETURNING " CABILDO_SCH_TS("resolved_at");

constexpr const char* kCountRejected =
    "SELECT count(*) FROM scholarships.applications"
    " WHERE tenant_id = $1 AND call_id = $2 AND status = 'rejected'";

// A call as the beneficiaries list sees it: resolved (public padrón), or
// whether it exists for this caller at all (drafts only for kCallRead).
constexpr const char* kCallState =
    "SELECT c.status FROM scholarships.calls c"
    " WHERE c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL";

// One page of the padrón by name (then application_id, the index
// beneficiaries_padron_idx). The cursor never carries an application's id —
// those are private — but the name of the last item and how many items of
// that name were already listed ($4): the next page starts after the $4-th
// of that name. updated_since: the padrón never changes after it is
// written, so only a padrón written after that moment is listed.
constexpr const char* kBeneficiaryPage =
    "SELECT b.name, b.amount_mxn::text, b.municipality, b.municipality_code, b.age, b.sex"
    " FROM scholarships.beneficiaries b"
    " WHERE b.tenant_id = $1 AND b.call_id = $2"
    "   AND ($3::text IS NULL OR b.name > $3::text"
    "        OR (b.name = $3::text AND b.application_id > ("
    "              SELECT s.application_id FROM scholarships.beneficiaries s"
    "               WHERE s.tenant_id = $1 AND s.call_id = $2 AND s.name = $3::text"
    "               ORDER BY s.application_id OFFSET $4::int - 1 LIMIT 1)))"
    "   AND ($5::text = '' OR b.published_at > $5::timestamptz)"
    " ORDER BY b.name, b.application_id LIMIT $6";

// The exports: every beneficiary of the resolved calls of `tenants`.
constexpr const char* kExportRows =
    "SELECT t.slug, b.call_id::text, c.document ->> 'title', b.name, b.amount_mxn::text,"
    "       b.municipality, b.municipality_code, b.age, b.sex"
    " FROM scholarships.beneficiaries b"
    " JOIN scholarships.calls c ON c.tenant_id = b.tenant_id AND c.id = b.call_id"
    " JOIN core.tenants t ON t.id = b.tenant_id"
    " WHERE b.tenant_id = ANY ($1::uuid[]) AND c.status = 'resolved'"
    " ORDER BY t.slug, c.resolved_at, b.call_id, b.name, b.application_id";

constexpr const char* kExportTag =
    "SELECT (SELECT count(*) FROM scholarships.beneficiaries b"
    "         WHERE b.tenant_id = ANY ($1::uuid[]))::text || '|' ||"
    "       (SELECT coalesce(max(b.published_at)::text, '') FROM scholarships.beneficiaries b"
    "         WHERE b.tenant_id = ANY ($1::uuid[])) || '|' ||"
    "       (SELECT coalesce(string_agg(t.slug, ',' ORDER BY t.slug), '') FROM core.tenants t"
    "         WHERE t.id = ANY ($1::uuid[]))";

// --- the padrón's fields, from the opened personal data -------------------

struct Date {
  int year = 0, month = 0, day = 0;
};

// "YYYY-MM-DD" (what the schema and the CURP check guarantee); nullopt otherwise.
std::optional<Date> ParseDate(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto digits = [&](size_t from, size_t count) {
    int value = 0;
    for (size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  Date date{digits(0, 4), digits(5, 2), digits(8, 2)};
  if (date.year < 0 || date.month < 1 || date.month > 12 || date.day < 1 || date.day > 31) {
    return std::nullopt;
  }
  return date;
}

// Words that are not initials in a Spanish name ("María de la Luz" -> "M. L.").
bool IsParticle(const std::string& word) {
  static constexpr std::array<const char*, 11> kParticles = {"de", "del", "la", "las", "los", "y",
                                                             "e",  "da",  "di", "van", "von"};
  std::string lower;
  for (char c : word) lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  for (const char* particle : kParticles) {
    if (lower == particle) return true;
  }
  return false;
}

// The first character of `word` in capitals (ASCII and the Latin-1 letters
// of Spanish names: á -> Á, ñ -> Ñ), a whole UTF-8 sequence otherwise.
std::string Initial(const std::string& word) {
  const auto lead = static_cast<unsigned char>(word[0]);
  if (lead < 0x80) {
    return std::string(1, lead >= 'a' && lead <= 'z' ? static_cast<char>(lead - 'a' + 'A')
                                                     : static_cast<char>(lead));
  }
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  std::string initial = word.substr(0, length);
  if (initial.size() == 2 && lead == 0xC3) {
    const auto second = static_cast<unsigned char>(initial[1]);
    if (second >= 0xA0 && second <= 0xBE && second != 0xB7) {
      initial[1] = static_cast<char>(second - 0x20);
    }
  }
  return initial;
}

std::vector<std::string> Words(const std::string& name) {
  std::vector<std::string> words;
  std::string word;
  for (char c : name) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// "Ana Sofía de la Cruz Ríos" -> "A. S. C. R.".
std::string Initials(const std::string& name) {
  std::string initials;
  const std::vector<std::string> words = Words(name);
  for (const auto& word : words) {
    if (IsParticle(word)) continue;
    initials += (initials.empty() ? "" : " ") + Initial(word) + ".";
  }
  if (initials.empty() && !words.empty()) initials = Initial(words.front()) + ".";
  return initials;
}

// The name as the padrón shows it: the full name with its spaces tidied.
std::string TidyName(const std::string& name) {
  std::string tidy;
  for (const auto& word : Words(name)) tidy += (tidy.empty() ? "" : " ") + word;
  return tidy;
}

bool IsInegiMunicipality(const std::string& code) {
  if (code.size() != 5) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

struct Beneficiary {
  std::string application_id, name, code, sex;
  int age = 0;
};

// One approved application as its padrón row. The sealed document passed
// the application's schema and CURP checks when it was written, so a field
// missing here is a bug: a 500 that names the application, never its data.
StatusOr<Beneficiary> BeneficiaryOf(const std::string& id, const json& personal,
                                    const std::string& closed_on, bool minors_by_initials) {
  const auto text = [&](const json& object, const char* key) -> std::string {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const json address = personal.contains("address") && personal["address"].is_object()
                           ? personal["address"]
                           : json::object();
  Beneficiary row{id, TidyName(text(personal, "full_name")), text(address, "municipality_code"),
                  text(personal, "sex"), 0};
  if (row.name.empty() || !IsInegiMunicipality(row.code) ||
      (row.sex != "H" && row.sex != "M" && row.sex != "X")) {
    return InternalError("La solicitud " + id +
                         " no tiene completos los datos del padrón (nombre, fecha de nacimiento, "
                         "municipio o sexo).");
  }
  row.age = AgeOn(text(personal, "birth_date"), closed_on);
  if (row.age < 0 || row.age > 130) {
    return InternalError("La solicitud " + id + " tiene una fecha de nacimiento imposible.");
  }
  if (row.age < 18 && minors_by_initials) row.name = Initials(row.name);
  if (row.name.size() > 300) row.name.resize(300);  // full_name is at most 200 characters
  return row;
}

constexpr std::array<const char*, 12> kMonths = {"enero",      "febrero", "marzo",     "abril",
                                                 "mayo",       "junio",   "julio",     "agosto",
                                                 "septiembre", "octubre", "noviembre", "diciembre"};

// "13 de diciembre de 2026 a las 09:00".
std::string SpanishMoment(const Date& date, const std::string& hhmm) {
  return std::to_string(date.day) + " de " + kMonths[date.month - 1] + " de " +
         std::to_string(date.year) + " a las " + hhmm;
}

// --- routes ----------------------------------------------------------------

StatusOr<HttpResponse> PublishResults(RequestContext& ctx) {
  const std::string& call_id = ctx.PathParam("id");
  pqxx::result call =
      plugin::Exec(ctx, "scholarships.results_lock_call", kLockCall, ctx.tenant_id(), call_id);
  if (call.empty() || call[0][1].as<bool>()) return NotFoundError(kCallNotFound);
  const std::string status = call[0][0].as<std::string>();
  const std::optional<Date> closed_on = ParseDate(call[0][3].as<std::string>());
  if (!closed_on) return InternalError("La fecha de cierre de la convocatoria no es válida.");
  if (status == "draft") {
    return AlreadyExistsError(
        "La convocatoria está en borrador: publíquela y espere a que cierre antes de publicar "
        "sus resultados.");
  }
  if (status == "resolved") {
    return AlreadyExistsError(
        "Los resultados de esta convocatoria ya se publicaron; las decisiones ya no cambian.");
  }
  if (!call[0][2].as<bool>()) {
    return AlreadyExistsError("La convocatoria sigue abierta hasta el " +
                              SpanishMoment(*closed_on, call[0][4].as<std::string>()) +
                              " (hora del centro de México); sus resultados se publican después "
                              "del cierre.");
  }
  pqxx::row counts = plugin::Exec1(ctx, "scholarships.results_lock_applications", kLockApplications,
                                   ctx.tenant_id(), call_id);
  const auto pending = counts[0].as<int64_t>();
  if (pending > 0) {
    return AlreadyExistsError(
        pending == 1
            ? std::string("Falta dictaminar 1 solicitud (recibida o en revisión); los resultados "
                          "se publican cuando todas tengan decisión.")
            : "Faltan dictaminar " + std::to_string(pending) +
                  " solicitudes (recibidas o en revisión); los resultados se publican cuando "
                  "todas tengan decisión.");
  }
  const int64_t unanswered =
      plugin::Exec(ctx, "scholarships.results_close_needs_info", kCloseNeedsInfo, ctx.tenant_id(),
                   call_id, kUnansweredNote)
          .affected_rows();

  const bool minors_by_initials = ctx.config().value("minors_in_padron", "initials") != "full_name";
  std::vector<std::string> ids, names, codes, ages, sexes;
  for (const auto& row :
       plugin::Exec(ctx, "scholarships.results_approved", kApproved, ctx.tenant_id(), call_id)) {
    const std::string id = row[0].as<std::string>();
    CABILDO_ASSIGN_OR_RETURN(json personal, OpenApplicant(ctx, row[1].as<std::string>(), id));
    CABILDO_ASSIGN_OR_RETURN(
        Beneficiary beneficiary,
        BeneficiaryOf(id, personal, call[0][3].as<std::string>(), minors_by_initials));
    ids.push_back(std::move(beneficiary.application_id));
    names.push_back(std::move(beneficiary.name));
    codes.push_back(std::move(beneficiary.code));
    ages.push_back(std::to_string(beneficiary.age));
    sexes.push_back(std::move(beneficiary.sex));
  }
  if (!ids.empty()) {
    plugin::Exec(ctx, "scholarships.results_insert_beneficiaries", kInsertBeneficiaries,
                 ctx.tenant_id(), call_id, plugin::PgArray(ids), plugin::PgTextArray(names),
                 plugin::PgTextArray(codes), plugin::PgArray(ages), plugin::PgTextArray(sexes));
  }
  const std::string resolved_at =
      plugin::Exec1(ctx, "scholarships.results_resolve", kResolve, ctx.tenant_id(), call_id)[0]
          .as<std::string>();
  const auto rejected = plugin::Exec1(ctx, "scholarships.results_count_rejected", kCountRejected,
                                      ctx.tenant_id(), call_id)[0]
                            .as<int64_t>();
  const json results = {{"call_id", call_id},
                        {"approved", ids.size()},
                        {"rejected", rejected},
                        {"beneficiaries", ids.size()},
                        {"resolved_at", resolved_at}};
  // Counts only: who was approved is in the padrón, and what each applicant
  // sent never goes to the audit chain.
  json changes = results;
  changes.erase("call_id");
  changes["needs_info_rejected"] = unanswered;
  CABILDO_RETURN_IF_ERROR(ctx.Audit("call.publish_results", "call", call_id, changes));
  return HttpResponse::Json(200, results);
}

json BeneficiaryJson(const pqxx::row& row) {
  return {{"name", row[0].as<std::string>()},
          {"amount_mxn", row[1].as<std::string>()},
          {"municipality", row[2].as<std::string>()},
          {"municipality_code", row[3].as<std::string>()},
          {"age", row[4].as<int>()},
          {"sex", row[5].as<std::string>()}};
}

StatusOr<HttpResponse> ListBeneficiaries(RequestContext& ctx) {
  const std::string& call_id = ctx.PathParam("id");
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  pqxx::result call =
      plugin::Exec(ctx, "scholarships.results_call_state", kCallState, ctx.tenant_id(), call_id);
  if (call.empty()) return NotFoundError(kCallNotFound);
  const std::string status = call[0][0].as<std::string>();
  if (status == "draft" && !SeesDraftCalls(ctx)) return NotFoundError(kCallNotFound);
  if (status != "resolved") return NotFoundError(kNoResultsYet);
  std::optional<std::string> after_name;
  int64_t after_count = 0;
  if (!page.after.is_null()) {
    if (!page.after.is_array() || page.after.size() != 2 || !page.after[0].is_string() ||
        !page.after[1].is_number_integer() || page.after[1].get<int64_t>() < 1 ||
        page.after[1].get<int64_t>() > 1000000) {
      return InvalidArgumentError("El cursor no corresponde a esta lista.");
    }
    after_name = page.after[0].get<std::string>();
    after_count = page.after[1].get<int64_t>();
  }
  pqxx::result rows =
      plugin::Exec(ctx, "scholarships.results_beneficiary_page", kBeneficiaryPage, ctx.tenant_id(),
                   call_id, after_name, after_count, page.updated_since, page.limit + 1);
  return plugin::PageOf(ctx, page, rows, &BeneficiaryJson, [&](const json& last) {
    // How many items named like the last one have been listed, this page
    // and (when the previous page ended on the same name) before it.
    const std::string name = last["name"].get<std::string>();
    int64_t listed = after_name == name ? after_count : 0;
    for (int i = 0; i < page.limit && i < static_cast<int>(rows.size()); ++i) {
      if (rows[i][0].as<std::string>() == name) ++listed;
    }
    return json::array({name, listed});
  });
}

// --- exports ----------------------------------------------------------------

const std::vector<std::string> kExportColumns = {
    "tenant",       "call_id",           "call_title", "name", "amount_mxn",
    "municipality", "municipality_code", "age",        "sex"};

json ExportJson(const pqxx::row& row) {
  return {{"tenant", row[0].as<std::string>()},
          {"call_id", row[1].as<std::string>()},
          {"call_title", row[2].is_null() ? json(nullptr) : json(row[2].as<std::string>())},
          {"name", row[3].as<std::string>()},
          {"amount_mxn", row[4].as<std::string>()},
          {"municipality", row[5].as<std::string>()},
          {"municipality_code", row[6].as<std::string>()},
          {"age", row[7].as<int>()},
          {"sex", row[8].as<std::string>()}};
}

std::string ExportCsvLine(const pqxx::row& row) {
  std::vector<std::string> cells;
  cells.reserve(kExportColumns.size());
  for (int i = 0; i < static_cast<int>(kExportColumns.size()); ++i) {
    cells.push_back(row[i].is_null() ? std::string() : row[i].as<std::string>());
  }
  return plugin::CsvRow(cells);
}

void ForEachBeneficiary(RequestContext& ctx, const std::vector<std::string>& tenants,
                        const std::function<bool(const pqxx::row&)>& each) {
  plugin::ForEachRow(ctx, "scholarships.results_export_rows", kExportRows, each,
                     plugin::PgArray(tenants));
}

StatusOr<HttpResponse> ExportBeneficiariesCsv(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(std::vector<std::string> tenants, ctx.ReadTenants());
  std::string tag =
      plugin::Exec1(ctx, "scholarships.results_export_tag", kExportTag, plugin::PgArray(tenants))[0]
          .as<std::string>();
  return HttpResponse::Stream(
      "text/csv; charset=utf-8", std::move(tag),
      [&ctx, tenants = std::move(tenants)](plugin::BodyWriter& out) -> Status {
        plugin::BodyBuffer body(out);
        body.Append(plugin::CsvRow(kExportColumns));
        ForEachBeneficiary(ctx, tenants,
                           [&](const pqxx::row& row) { return body.Append(ExportCsvLine(row)); });
        body.Flush();
        return OkStatus();
      });
}

StatusOr<HttpResponse> ExportBeneficiariesJson(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(std::vector<std::string> tenants, ctx.ReadTenants());
  std::string tag =
      plugin::Exec1(ctx, "scholarships.results_export_tag", kExportTag, plugin::PgArray(tenants))[0]
          .as<std::string>();
  return HttpResponse::Stream(
      "application/json", std::move(tag),
      [&ctx, tenants = std::move(tenants)](plugin::BodyWriter& out) -> Status {
        plugin::BodyBuffer body(out);
        plugin::JsonArrayWriter items(body);
        ForEachBeneficiary(ctx, tenants,
                           [&](const pqxx::row& row) { return items.Add(ExportJson(row)); });
        items.Finish();
        body.Flush();
        return OkStatus();
      });
}

constexpr const char* kPadronFields =
    "Cada persona beneficiaria aparece solo con lo que pide la fracción XV, inciso q, del "
    "artículo 70 de la Ley General de Transparencia: name (nombre completo; de una persona "
    "menor de edad, solo sus iniciales salvo que el ente configure minors_in_padron = "
    "full_name), amount_mxn (monto del apoyo), municipality y municipality_code (municipio de "
    "residencia y su clave INEGI: la unidad territorial), age (edad en años cumplidos el día "
    "en que cerró la convocatoria, hora del centro de México) y sex (H, M o X). Nunca la CURP, "
    "el domicilio, el teléfono, el correo, la fecha de nacimiento, la escuela ni las "
    "calificaciones.";

}  // namespace

void RegisterResults(plugin::PluginRegistrar& registrar) {
  const plugin::PathParam id{.name = "id", .description = "Identificador de la convocatoria."};
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/calls/{id}/publish-results",
       .permission = kCallPublish,
       .operation_id = "scholarshipsPublishResults",
       .summary = "Publicar los resultados de una convocatoria (congela las decisiones)",
       .description =
           "Solo para una convocatoria publicada cuyo periodo de solicitudes ya cerró (si no, "
           "409) y sin solicitudes pendientes de dictamen, recibidas o en revisión (si las hay, "
           "409 con cuántas). Las prevenciones no atendidas (needs_info) se cierran como "
           "rechazadas con la nota \"No se atendió la prevención antes del cierre.\". Las "
           "solicitudes aprobadas forman el padrón público de beneficiarios, que se escribe una "
           "sola vez, y la convocatoria queda resuelta: desde entonces ninguna decisión cambia. "
           "La bitácora registra solo los conteos. Responde los conteos y la fecha.",
       .path_params = {id},
       .response_body = "ScholarshipsResults",
       .handler = &PublishResults});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/calls/{id}/beneficiaries",
       .operation_id = "scholarshipsListBeneficiaries",
       .summary = "Padrón de beneficiarios de una convocatoria resuelta",
       .description = std::string("Público desde que se publican los resultados (antes, "
                                  "404). Lista por cursor, ordenada por nombre; el cursor no lleva "
                                  "identificadores de solicitudes. ") +
                      kPadronFields,
       .path_params = {id},
       .paged = true,
       .response_body = "ScholarshipsBeneficiaryPage",
       .handler = &ListBeneficiaries});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/beneficiaries.csv",
       .operation_id = "scholarshipsExportBeneficiariesCsv",
       .summary = "Exportar el padrón de beneficiarios de becas (CSV)",
       .description =
           std::string("CSV UTF-8 (RFC 4180) con una fila por persona beneficiaria de cada "
                       "convocatoria resuelta del ente (con include_descendants=true, también de "
                       "sus entes descendientes), por ente, convocatoria y nombre. Columnas, en "
                       "este orden: tenant, call_id, call_title, name, amount_mxn, municipality, "
                       "municipality_code, age, sex. ") +
           kPadronFields,
       .descendants = true,
       .response_media_type = "text/csv; charset=utf-8",
       .handler = &ExportBeneficiariesCsv});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/beneficiaries.json",
       .operation_id = "scholarshipsExportBeneficiariesJson",
       .summary = "Exportar el padrón de beneficiarios de becas (JSON)",
       .description =
           std::string("Una lista JSON con un objeto por persona beneficiaria, con las mismas "
                       "claves y filas en el mismo orden que el CSV (age es un número). Sin "
                       "convocatorias resueltas, una lista vacía. ") +
           kPadronFields,
       .descendants = true,
       .response_body = "ScholarshipsBeneficiaryExport",
       .handler = &ExportBeneficiariesJson});
  registrar.AddExport({"beneficiarios-csv", "/beneficiaries.csv", "csv", "text/csv; charset=utf-8",
                       "Padrón de beneficiarios de becas (art. 70 fr. XV q LGTAIP) en CSV: "
                       "nombre, monto, municipio, edad y sexo, por convocatoria resuelta."});
  registrar.AddExport({"beneficiarios-json", "/beneficiaries.json", "json", "application/json",
                       "Padrón de beneficiarios de becas en JSON, con las mismas claves que el "
                       "CSV."});
}

}  // namespace cabildo::plugins::scholarships
