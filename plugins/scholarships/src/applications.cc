// Applications: a signed-in citizen applies to a published call inside its
// window; reads, amends (while needs_info) and withdraws their own; staff of
// the call's tenant read them, each read audited.
//
// What the applicant says about themselves is sealed (application_view.h):
// the clear columns hold only the workflow, and "one live application per
// CURP per call" is the unique index over the CURP's keyed digest, so the
// database decides it, race-free, whatever the number of concurrent POSTs
// (INSERT ... ON CONFLICT DO NOTHING: the losers wait for the winner's
// commit and insert nothing).
//
// Privacy (sch-spec.md): no message echoes a CURP, phone, email or name —
// at most MaskCurp(curp); audit entries carry AuditView (masked) only;
// nothing here logs. An application that is not the caller's own and that
// the caller may not read as staff is a 404, never a 403: its existence is
// private too.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cabildo/plugin/values.h"

#include "application_view.h"
#include "curp.h"
#include "rules.h"
#include "scholarships.h"

namespace cabildo::plugins::scholarships {
namespace {

using nlohmann::json;
using plugin::FieldError;
using plugin::HttpResponse;
using plugin::RequestContext;

// kApplicationFrom as a macro, so that statements are composed at compile
// time; the static_assert keeps the two the same.
#define CABILDO_SCH_APPLICATION_FROM                                             \
  " FROM scholarships.applications a"                                            \
  " JOIN scholarships.calls c ON c.tenant_id = a.tenant_id AND c.id = a.call_id" \
  " JOIN core.tenants t ON t.id = a.tenant_id "
static_assert(std::string_view(CABILDO_SCH_APPLICATION_FROM) == kApplicationFrom);

// One application of this tenant by id (kApplicationColumns).
#define CABILDO_SCH_FIND_APPLICATION                                     \
  "SELECT " CABILDO_SCH_APPLICATION_COLUMNS CABILDO_SCH_APPLICATION_FROM \
  "WHERE a.tenant_id = $1 AND a.id = $2::uuid"

constexpr const char* kMonths[] = {"enero",      "febrero", "marzo",     "abril",
                                   "mayo",       "junio",   "julio",     "agosto",
                                   "septiembre", "octubre", "noviembre", "diciembre"};

// "D|M|YYYY|HH:MI" (PostgreSQL's to_char in Mexico City time) -> "6 de
// diciembre de 2026 a las 09:00"; "YYYY-MM-DD" -> "13 de diciembre de 2026".
std::string SpanishDate(const std::string& day, const std::string& month, const std::string& year) {
  const int m = std::atoi(month.c_str());
  const char* name = m >= 1 && m <= 12 ? kMonths[m - 1] : "?";
  return std::to_string(std::atoi(day.c_str())) + " de " + name + " de " + year;
}
std::string SpanishMoment(const std::string& text) {
  std::array<std::string, 4> parts;
  std::size_t at = 0;
  for (std::string& part : parts) {
    const std::size_t bar = text.find('|', at);
    part = text.substr(at, bar == std::string::npos ? std::string::npos : bar - at);
    at = bar == std::string::npos ? text.size() : bar + 1;
  }
  return SpanishDate(parts[0], parts[1], parts[2]) + " a las " + parts[3];
}
std::string SpanishDay(const std::string& iso) {
  if (iso.size() != 10) return iso;
  return SpanishDate(iso.substr(8, 2), iso.substr(5, 2), iso.substr(0, 4));
}

// 8 -> "8.0", 8.25 -> "8.25".
std::string Decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  std::string out = text;
  while (out.size() > 1 && out.back() == '0' && out[out.size() - 2] != '.') out.pop_back();
  return out;
}

// What the rules of an application need to know about its call.
struct CallFacts {
  bool early = false;         // before opens_at
  bool late = false;          // at or after closes_at
  bool resolved = false;      // results published
  std::string opens, closes;  // "D|M|YYYY|HH:MI", Mexico City time
  std::string close_date;     // "YYYY-MM-DD", Mexico City time: the day ages are counted at
  json eligibility = json::object();
  json questions = json::array();
  std::optional<std::string> residence_code, residence_name;  // of eligibility.residence_tenant
  std::string new_id;                                         // a fresh id for a new application
};

// The facts of a call (c) an application is checked against, with the
// tenant (r) its residence rule names; $1 tenant, $2 call. The window's ends
// as "D|M|YYYY|HH:MI" and the closing day, in Mexico City time.
constexpr const char* kCallFactsSql =
    "SELECT now() < c.opens_at, now() >= c.closes_at, c.status = 'resolved', "
    "to_char(c.opens_at AT TIME ZONE 'America/Mexico_City', 'FMDD|FMMM|YYYY|HH24:MI'), "
    "to_char(c.closes_at AT TIME ZONE 'America/Mexico_City', 'FMDD|FMMM|YYYY|HH24:MI'), "
    "to_char((c.closes_at AT TIME ZONE 'America/Mexico_City')::date, 'YYYY-MM-DD'), "
    "COALESCE(c.document -> 'eligibility', '{}')::text, "
    "COALESCE(c.document -> 'questions', '[]')::text, r.inegi_code, r.name, "
    "gen_random_uuid()::text "
    "FROM scholarships.calls c LEFT JOIN core.tenants r "
    "  ON r.slug = c.document #>> '{eligibility,residence_tenant}' "
    "WHERE c.tenant_id = $1 AND c.id = $2::uuid AND c.status <> 'draft' "
    "AND c.deleted_at IS NULL FOR SHARE OF c";

// A published (or resolved) call of this tenant, share-locked: a PATCH of
// the call (which locks it for update) waits until this application is
// stored, so its rules cannot change under the check.
std::optional<CallFacts> FindCall(RequestContext& ctx, const std::string& call_id) {
  if (!plugin::IsLowerUuid(call_id)) return std::nullopt;
  const pqxx::result rows =
      plugin::Exec(ctx, "scholarships.application_call", kCallFactsSql, ctx.tenant_id(), call_id);
  if (rows.empty()) return std::nullopt;
  const pqxx::row row = rows[0];
  CallFacts call;
  call.early = row[0].as<bool>();
  call.late = row[1].as<bool>();
  call.resolved = row[2].as<bool>();
  call.opens = row[3].as<std::string>();
  call.closes = row[4].as<std::string>();
  call.close_date = row[5].as<std::string>();
  call.eligibility = json::parse(row[6].as<std::string>(), nullptr, false);
  if (!call.eligibility.is_object()) call.eligibility = json::object();
  call.questions = json::parse(row[7].as<std::string>(), nullptr, false);
  if (!call.questions.is_array()) call.questions = json::array();
  if (!row[8].is_null()) call.residence_code = row[8].as<std::string>();
  if (!row[9].is_null()) call.residence_name = row[9].as<std::string>();
  call.new_id = row[10].as<std::string>();
  return call;
}

std::string WindowMessage(const CallFacts& call) {
  return "La convocatoria recibe solicitudes del " + SpanishMoment(call.opens) + " al " +
         SpanishMoment(call.closes) + " (hora del centro de México); " +
         (call.early ? "todavía no abre." : "ya cerró.");
}

std::string Text(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The eligibility rules of the call (age at the closing day, education
// level, minimum GPA, residence) on application `app`.
void CheckEligibility(const json& app, const CallFacts& call, std::vector<FieldError>& errors) {
  const json& rules = call.eligibility;
  const auto min_age = rules.find("min_age");
  const auto max_age = rules.find("max_age");
  const bool has_min = min_age != rules.end() && min_age->is_number();
  const bool has_max = max_age != rules.end() && max_age->is_number();
  const std::string birth = Text(app, "birth_date");
  if ((has_min || has_max) && !birth.empty()) {
    const int age = AgeOn(birth, call.close_date);
    const int lo = has_min ? min_age->get<int>() : 0;
    const int hi = has_max ? max_age->get<int>() : 1000;
    if (age < lo || age > hi) {
      const std::string range = has_min && has_max
                                    ? "de " + std::to_string(lo) + " a " + std::to_string(hi)
                                : has_min ? "de al menos " + std::to_string(lo)
                                          : "de hasta " + std::to_string(hi);
      errors.push_back({"birth_date", "La convocatoria es para personas " + range +
                                          " años cumplidos al " + SpanishDay(call.close_date) +
                                          ", el día en que cierra."});
    }
  }
  if (auto levels = rules.find("education_levels");
      levels != rules.end() && levels->is_array() && !levels->empty()) {
    const json level = app.value("education_level", json());
    bool listed = false;
    std::string names;
    for (const json& each : *levels) {
      if (each == level) listed = true;
      if (each.is_string()) names += (names.empty() ? "" : ", ") + each.get<std::string>();
    }
    if (!listed) {
      errors.push_back({"education_level",
                        "La convocatoria es solo para estos niveles educativos: " + names + "."});
    }
  }
  if (auto min_gpa = rules.find("min_gpa"); min_gpa != rules.end() && min_gpa->is_number()) {
    const auto gpa = app.find("gpa");
    if (gpa == app.end() || !gpa->is_number() || gpa->get<double>() < min_gpa->get<double>()) {
      errors.push_back({"gpa", "La convocatoria pide un promedio mínimo de " +
                                   Decimal(min_gpa->get<double>()) + "."});
    }
  }
  if (auto residence = rules.find("residence_tenant");
      residence != rules.end() && residence->is_string()) {
    const std::string code = app.contains("address") && app["address"].is_object()
                                 ? Text(app["address"], "municipality_code")
                                 : std::string();
    if (!call.residence_code || call.residence_code->empty()) {
      errors.push_back({"address.municipality_code",
                        "La convocatoria pide residir en un ente que no está registrado aquí; "
                        "consulte a quien la publicó."});
    } else if (code.compare(0, call.residence_code->size(), *call.residence_code) != 0) {
      errors.push_back(
          {"address.municipality_code", "La convocatoria es solo para quienes viven en " +
                                            call.residence_name.value_or(*call.residence_code) +
                                            " (municipios con clave INEGI que empieza con " +
                                            *call.residence_code + ")."});
    }
  }
}

// The call's questions against the answers: every required one answered,
// no answer to a question the call does not ask.
void CheckAnswers(const json& app, const CallFacts& call, std::vector<FieldError>& errors) {
  const json answers =
      app.contains("answers") && app["answers"].is_object() ? app["answers"] : json::object();
  for (const json& question : call.questions) {
    if (!question.is_object()) continue;
    const std::string code = Text(question, "code");
    if (code.empty() || question.value("required", false) != true) continue;
    auto answer = answers.find(code);
    if (answer == answers.end() || !answer->is_string() ||
        IsBlank(answer->get_ref<const std::string&>())) {
      const std::string text = Text(question, "text");
      errors.push_back(
          {"answers." + code, "Responda la pregunta obligatoria de la convocatoria" +
                                  (text.empty() ? std::string(".") : ": «" + text + "»")});
    }
  }
  for (const auto& [code, value] : answers.items()) {
    bool asked = false;
    for (const json& question : call.questions) {
      if (question.is_object() && Text(question, "code") == code) asked = true;
    }
    if (asked) continue;
    if (IsQuestionCode(code)) {
      errors.push_back(
          {"answers." + code, "La convocatoria no tiene una pregunta con este código."});
    } else {
      // Never echo a key that is not a code: it may be anything.
      errors.push_back({"answers",
                        "Una respuesta tiene una clave que no es un código de pregunta de la "
                        "convocatoria."});
    }
  }
}

// Every rule of an application (POST, and PATCH on the merged document)
// that its schema cannot say, all at once. No message quotes a value.
std::vector<FieldError> CheckApplication(const json& app, const CallFacts& call) {
  std::vector<FieldError> errors;
  const std::string curp = Text(app, "curp");
  if (std::optional<std::string> problem = CurpProblem(curp)) {
    errors.push_back({"curp", *problem});
  } else {
    if (BirthDateOf(curp) != Text(app, "birth_date")) {
      errors.push_back({"birth_date",
                        "La fecha de nacimiento no coincide con la de la CURP (sus caracteres 5 "
                        "a 10, AAMMDD)."});
    }
    const std::string sex = Text(app, "sex");
    if (sex != "X" && sex != std::string(1, SexOf(curp).value_or('?'))) {
      errors.push_back({"sex",
                        "El sexo no coincide con el de la CURP (su carácter 11). Quien se "
                        "identifica como persona no binaria puede indicar X."});
    }
  }
  const std::string phone = Text(app, "phone");
  if (phone.size() != 10 || !plugin::IsDigits(phone)) {
    errors.push_back({"phone", "El teléfono son 10 dígitos, sin espacios ni signos."});
  }
  if (app.contains("address") && app["address"].is_object()) {
    const json& address = app["address"];
    if (address.contains("postal_code") &&
        !plugin::IsDigitsOfLength(Text(address, "postal_code"), {5})) {
      errors.push_back({"address.postal_code", "El código postal son 5 dígitos."});
    }
    if (!plugin::IsDigitsOfLength(Text(address, "municipality_code"), {5})) {
      errors.push_back({"address.municipality_code",
                        "La clave del municipio son 5 dígitos del INEGI, por ejemplo 10005 "
                        "(Durango, Dgo.)."});
    }
  }
  if (app.value("privacy_notice_accepted", json()) != true) {
    errors.push_back({"privacy_notice_accepted",
                      "Para enviar la solicitud lea y acepte el aviso de privacidad de la "
                      "convocatoria (privacy_notice_accepted: true)."});
  }
  CheckAnswers(app, call, errors);
  CheckEligibility(app, call, errors);
  return errors;
}

std::string DuplicateMessage(const std::string& curp) {
  return "Ya existe una solicitud con la CURP " + MaskCurp(curp) + " en esta convocatoria.";
}

// Application `id` of this tenant (locked for update when `lock`), or nullopt.
std::optional<pqxx::row> FindApplication(RequestContext& ctx, const std::string& id, bool lock) {
  if (!plugin::IsLowerUuid(id)) return std::nullopt;
  const pqxx::result rows =
      lock ? plugin::Exec(ctx, "scholarships.application_for_update",
                          CABILDO_SCH_FIND_APPLICATION " FOR UPDATE OF a", ctx.tenant_id(), id)
           : plugin::Exec(ctx, "scholarships.application", CABILDO_SCH_FIND_APPLICATION,
                          ctx.tenant_id(), id);
  if (rows.empty()) return std::nullopt;
  return rows[0];
}

// The full view of application `id`, which must exist (just written).
StatusOr<json> Reread(RequestContext& ctx, const std::string& id) {
  std::optional<pqxx::row> row = FindApplication(ctx, id, false);
  if (!row) return InternalError("La solicitud recién guardada no se pudo volver a leer.");
  return ApplicationJson(ctx, *row);
}

bool IsApplicant(RequestContext& ctx, const pqxx::row& row) {
  return ctx.principal().authenticated() && ApplicantOf(row) == ctx.principal().user_id;
}

// The caller's own application `id` for a change, with its call: locked in
// the order the module's writers take, the call first (FOR SHARE, as a new
// application does; a decision locks it FOR UPDATE before the application),
// then the application (FOR UPDATE), so that no two of them wait on each
// other in a cycle. nullopt (404) when it is not the caller's.
struct OwnApplication {
  pqxx::row row;
  CallFacts call;
};
std::optional<OwnApplication> LockOwnApplication(RequestContext& ctx, const std::string& id) {
  const std::optional<pqxx::row> seen = FindApplication(ctx, id, false);
  if (!seen || !IsApplicant(ctx, *seen)) return std::nullopt;
  std::optional<CallFacts> call = FindCall(ctx, (*seen)["call_id"].as<std::string>());
  if (!call) return std::nullopt;
  std::optional<pqxx::row> row = FindApplication(ctx, id, true);
  if (!row) return std::nullopt;
  return OwnApplication{*row, std::move(*call)};
}

StatusOr<HttpResponse> SubmitApplication(RequestContext& ctx) {
  std::optional<CallFacts> call = FindCall(ctx, ctx.PathParam("id"));
  if (!call) return NotFoundError(kCallNotFound);
  if (call->early || call->late) return UnprocessableError(WindowMessage(*call));
  const json& body = ctx.Body();
  if (std::vector<FieldError> errors = CheckApplication(body, *call); !errors.empty()) {
    return ctx.FieldErrors(errors);
  }
  const std::string curp = Text(body, "curp");
  CABILDO_ASSIGN_OR_RETURN(const std::string digest, CurpDigest(ctx, curp));
  CABILDO_ASSIGN_OR_RETURN(const std::string sealed,
                           SealApplicant(ctx, PersonalPart(body), call->new_id));
  pqxx::result inserted;
  try {
    inserted = plugin::Exec(
        ctx, "scholarships.insert_application",
        "INSERT INTO scholarships.applications "
        "(tenant_id, id, call_id, applicant_id, curp_digest, personal_data) "
        "VALUES ($1, $2::uuid, $3::uuid, $4::uuid, $5, $6) "
        "ON CONFLICT (tenant_id, call_id, curp_digest) WHERE status <> 'withdrawn' DO NOTHING "
        "RETURNING id",
        ctx.tenant_id(), call->new_id, ctx.PathParam("id"), ctx.principal().user_id, digest,
        sealed);
  } catch (const pqxx::unique_violation&) {
    // Not expected (ON CONFLICT covers the one-per-CURP index), but a
    // duplicate is a 409 whichever way it is found.
    return AlreadyExistsError(DuplicateMessage(curp));
  }
  if (inserted.empty()) return AlreadyExistsError(DuplicateMessage(curp));
  CABILDO_ASSIGN_OR_RETURN(const json created, Reread(ctx, call->new_id));
  CABILDO_RETURN_IF_ERROR(ctx.Audit("application.submit", "application", call->new_id,
                                    json::object(), AuditView(created)));
  return HttpResponse::Json(201, created);
}

Status CursorMismatch() {
  return InvalidArgumentError(
      "El cursor no corresponde a esta consulta: pida la primera página otra vez.");
}

// The caller's own applications, newest change first; with
// include_descendants on a parent, those to its descendants' calls too.
StatusOr<HttpResponse> ListMyApplications(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  std::optional<std::string> after_at, after_id, since;
  if (!page.after.is_null()) {
    if (!page.after.is_array() || page.after.size() != 2 || !page.after[0].is_string() ||
        !page.after[1].is_string()) {
      return CursorMismatch();
    }
    after_at = page.after[0].get<std::string>();
    after_id = page.after[1].get<std::string>();
  }
  if (!page.updated_since.empty()) since = page.updated_since;
  const pqxx::result rows = plugin::Exec(
      ctx, "scholarships.my_applications",
      "SELECT " CABILDO_SCH_APPLICATION_COLUMNS CABILDO_SCH_APPLICATION_FROM
      "WHERE a.tenant_id = ANY ($1::uuid[]) AND a.applicant_id = $2::uuid"
      "  AND ($3::timestamptz IS NULL OR a.updated_at > $3::timestamptz)"
      "  AND ($4::timestamptz IS NULL OR (a.updated_at, a.id) < ($4::timestamptz, $5::uuid))"
      " ORDER BY a.updated_at DESC, a.id DESC LIMIT $6",
      plugin::PgArray(tenants), ctx.principal().user_id, since, after_at, after_id, page.limit + 1);
  json items = json::array();
  json next = nullptr;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page.limit) {
      next = ctx.Cursor(json{items.back()["updated_at"], items.back()["id"]});
      break;
    }
    CABILDO_ASSIGN_OR_RETURN(json item, ApplicationJson(ctx, row));
    items.push_back(std::move(item));
  }
  return HttpResponse::Json(200, {{"items", std::move(items)}, {"next_cursor", std::move(next)}});
}

// In which capacity a staff member reads applications: their roles at
// this tenant or an ancestor that grant reading or reviewing them ("admin",
// "auditor", "reviewer", several joined by ", "); for an instance
// administrator without such a role, "instance_admin". A user's own role
// assignments are visible to them at every tenant (row-level security).
std::string ReaderRole(RequestContext& ctx, bool reviewer) {
  const pqxx::result rows = plugin::Exec(
      ctx, "scholarships.reader_roles",
      "WITH RECURSIVE chain(id, parent_id) AS ("
      "  SELECT id, parent_id FROM core.tenants WHERE id = $1"
      "  UNION ALL SELECT t.id, t.parent_id FROM core.tenants t JOIN chain ch ON t.id = "
      "ch.parent_id)"
      " SELECT string_agg(DISTINCT ra.role, ', ' ORDER BY ra.role)"
      " FROM core.role_assignments ra JOIN core.role_permissions rp ON rp.role = ra.role"
      " WHERE ra.user_id = $2::uuid AND ra.tenant_id IN (SELECT id FROM chain)"
      "   AND rp.permission IN ($3, $4)",
      ctx.tenant_id(), ctx.principal().user_id, kReview, kApplicationRead);
  if (!rows.empty() && !rows[0][0].is_null()) return rows[0][0].as<std::string>();
  if (ctx.principal().instance_admin) return "instance_admin";
  return reviewer ? "reviewer" : "auditor";
}

// The applicant reads their own (not audited: it is theirs). Staff of the
// call's tenant who may review or read applications read it too: every such
// read is an audit entry ("application.read": who read in which capacity
// and the masked view), and a reviewer's first read of a submitted
// application puts it under review (the same entry says so).
StatusOr<HttpResponse> GetApplication(RequestContext& ctx) {
  const std::string& id = ctx.PathParam("id");
  const std::optional<pqxx::row> row = FindApplication(ctx, id, false);
  if (row && IsApplicant(ctx, *row)) {
    CABILDO_ASSIGN_OR_RETURN(const json view, ApplicationJson(ctx, *row));
    return HttpResponse::Json(200, view);
  }
  if (!row) return NotFoundError(kApplicationNotFound);
  const bool reviewer = ctx.Authorize(kReview) == Access::kAllowed;
  if (!reviewer && ctx.Authorize(kApplicationRead) != Access::kAllowed) {
    return NotFoundError(kApplicationNotFound);
  }
  json changes = {{"reader_role", ReaderRole(ctx, reviewer)}};
  // Only the first read moves it: a concurrent one waits for this
  // transaction and then finds it no longer submitted.
  const bool moved =
      reviewer && !plugin::Exec(ctx, "scholarships.application_under_review",
                                "UPDATE scholarships.applications SET status = 'under_review', "
                                "updated_at = now() "
                                "WHERE tenant_id = $1 AND id = $2::uuid AND status = 'submitted' "
                                "RETURNING id",
                                ctx.tenant_id(), id)
                       .empty();
  json view;
  if (moved) {
    changes["status"] = {{"before", "submitted"}, {"after", "under_review"}};
    CABILDO_ASSIGN_OR_RETURN(view, Reread(ctx, id));
  } else {
    CABILDO_ASSIGN_OR_RETURN(view, ApplicationJson(ctx, *row));
  }
  changes["view"] = AuditView(view);
  CABILDO_RETURN_IF_ERROR(ctx.Audit("application.read", "application", id, changes));
  return HttpResponse::Json(200, view);
}

// The personal fields whose value differs between `before` and `after`
// (names only: what an audit entry may say about an amendment).
json ChangedFields(const json& before, const json& after) {
  json names = json::array();
  for (const auto& [key, value] : after.items()) {
    auto old = before.find(key);
    if (old == before.end() || *old != value) names.push_back(key);
  }
  for (const auto& [key, value] : before.items()) {
    if (!after.contains(key)) names.push_back(key);
  }
  return names;
}

// The applicant corrects an application the reviewers returned (needs_info):
// the body over what it said, checked as a new one, back to submitted.
StatusOr<HttpResponse> AmendApplication(RequestContext& ctx) {
  const std::string& id = ctx.PathParam("id");
  std::optional<OwnApplication> own = LockOwnApplication(ctx, id);
  if (!own) return NotFoundError(kApplicationNotFound);
  CABILDO_ASSIGN_OR_RETURN(const json before, ApplicationJson(ctx, own->row));
  CABILDO_RETURN_IF_ERROR(ctx.CheckIfMatch(before));
  if (before["status"] != "needs_info") {
    return AlreadyExistsError(
        "Solo se corrige una solicitud a la que se le pidió información (status needs_info); "
        "esta está en " +
        before["status"].get<std::string>() + ".");
  }
  const json previous = PersonalPart(before);
  json merged = previous;
  const json changed = PersonalPart(ctx.Body());
  for (const auto& [key, value] : changed.items()) merged[key] = value;
  if (Text(merged, "curp") != Text(previous, "curp")) {
    return ctx.FieldErrors(
        {{"curp",
          "La CURP de una solicitud no cambia. Si la escribió mal, retire esta solicitud y envíe "
          "otra mientras la convocatoria esté abierta."}});
  }
  if (own->call.resolved) {
    return AlreadyExistsError(
        "La convocatoria ya publicó sus resultados: la solicitud ya no se corrige.");
  }
  if (std::vector<FieldError> errors = CheckApplication(merged, own->call); !errors.empty()) {
    return ctx.FieldErrors(errors);
  }
  CABILDO_ASSIGN_OR_RETURN(const std::string sealed, SealApplicant(ctx, merged, id));
  plugin::Exec(ctx, "scholarships.amend_application",
               "UPDATE scholarships.applications SET personal_data = $3, status = 'submitted', "
               "updated_at = now() WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id, sealed);
  CABILDO_ASSIGN_OR_RETURN(const json after, Reread(ctx, id));
  json after_view = AuditView(after);
  after_view["amended_fields"] = ChangedFields(previous, merged);
  CABILDO_RETURN_IF_ERROR(
      ctx.Audit("application.amend", "application", id, AuditView(before), after_view));
  return HttpResponse::Json(200, after);
}

// The applicant withdraws (desiste): any status but withdrawn, until the
// call publishes its results. A withdrawn application no longer counts for
// one-per-CURP, so its applicant may apply again while the window is open.
StatusOr<HttpResponse> WithdrawApplication(RequestContext& ctx) {
  const std::string& id = ctx.PathParam("id");
  std::optional<OwnApplication> own = LockOwnApplication(ctx, id);
  if (!own) return NotFoundError(kApplicationNotFound);
  CABILDO_ASSIGN_OR_RETURN(const json before, ApplicationJson(ctx, own->row));
  CABILDO_RETURN_IF_ERROR(ctx.CheckIfMatch(before));
  if (before["status"] == "withdrawn") return AlreadyExistsError("La solicitud ya está retirada.");
  if (own->call.resolved) {
    return AlreadyExistsError(
        "La convocatoria ya publicó sus resultados: la solicitud ya no se puede retirar.");
  }
  plugin::Exec(ctx, "scholarships.withdraw_application",
               "UPDATE scholarships.applications SET status = 'withdrawn', updated_at = now() "
               "WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id);
  CABILDO_ASSIGN_OR_RETURN(const json after, Reread(ctx, id));
  CABILDO_RETURN_IF_ERROR(
      ctx.Audit("application.withdraw", "application", id, AuditView(before), AuditView(after)));
  return HttpResponse::Json(200, after);
}

}  // namespace

void RegisterApplications(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  const std::vector<plugin::PathParam> call_id = {
      {.name = "id", .description = "Id (UUID) de la convocatoria."}};
  const std::vector<plugin::PathParam> id = {
      {.name = "id", .description = "Id (UUID) de la solicitud."}};
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/calls/{id}/applications",
       .permission = kApply,
       .operation_id = "scholarshipsSubmitApplication",
       .summary = "Solicitar una beca",
       .description =
           "Cualquier persona con sesión iniciada solicita una beca de una convocatoria publicada "
           "(404 si no existe o es un borrador), solo dentro de su ventana: antes de opens_at o "
           "desde closes_at responde 422 con las fechas, en hora del centro de México. Revisa "
           "todo a la vez (422, un error por campo, sin repetir datos personales): la CURP "
           "completa (forma, fecha de nacimiento, sexo, entidad, consonantes internas y dígito "
           "verificador; el mensaje dice qué parte está mal), que birth_date y sex sean los de la "
           "CURP (sex X se acepta con cualquier CURP), la elegibilidad de la convocatoria (edad "
           "cumplida el día de cierre, nivel educativo, promedio mínimo y residencia: la clave "
           "INEGI del municipio debe empezar con la del ente de residence_tenant), las preguntas "
           "obligatorias respondidas y ningún código de pregunta desconocido, y "
           "privacy_notice_accepted true. Una sola solicitud vigente por CURP en cada "
           "convocatoria (una retirada no cuenta): 409, también con muchos envíos a la vez. Los "
           "datos personales se guardan cifrados; responde 201 con la solicitud completa.",
       .path_params = call_id,
       .request_body = "ScholarshipsApplicationInput",
       .response_body = "ScholarshipsApplication",
       .success_status = 201,
       .handler = &SubmitApplication});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/my-applications",
       .permission = kApply,
       .operation_id = "scholarshipsListMyApplications",
       .summary = "Mis solicitudes de beca",
       .description =
           "Las solicitudes de quien consulta, con sus datos y su estado, de la más recientemente "
           "cambiada a la más antigua; updated_since deja solo las cambiadas después. Con "
           "include_descendants=true en el estado, también las de convocatorias de sus "
           "municipios (cada una dice su tenant).",
       .paged = true,
       .descendants = true,
       .response_body = "ScholarshipsApplicationPage",
       .handler = &ListMyApplications});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/applications/{id}",
       .permission = kApply,
       .operation_id = "scholarshipsGetApplication",
       .summary = "Obtener una solicitud de beca",
       .description =
           "La persona que la envió la ve completa. El personal del ente de la convocatoria con "
           "permiso de dictaminar (scholarships.application.review) o de consultar solicitudes "
           "(scholarships.application.read) también, y cada consulta suya queda en la bitácora "
           "(application.read, con la CURP enmascarada); la primera consulta de quien dictamina "
           "pone una solicitud submitted en under_review. Para cualquier otra persona responde "
           "404: ni siquiera se revela que exista.",
       .path_params = id,
       .response_body = "ScholarshipsApplication",
       .handler = &GetApplication});
  registrar.AddRoute(
      {.method = HttpMethod::kPatch,
       .path = "/applications/{id}",
       .permission = kApply,
       .operation_id = "scholarshipsAmendApplication",
       .summary = "Corregir una solicitud prevenida",
       .description =
           "Solo la persona que la envió (404 para cualquier otra) y solo mientras está en "
           "needs_info (409 en otro estado o si la convocatoria ya publicó resultados). Cambian "
           "los campos enviados; el resultado se revisa con las mismas reglas que al enviarla "
           "(422; la CURP no cambia) y la solicitud vuelve a submitted, conservando la nota del "
           "dictamen. If-Match opcional (412 si cambió).",
       .path_params = id,
       .request_body = "ScholarshipsApplicationPatch",
       .response_body = "ScholarshipsApplication",
       .if_match = true,
       .handler = &AmendApplication});
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/applications/{id}/withdraw",
       .permission = kApply,
       .operation_id = "scholarshipsWithdrawApplication",
       .summary = "Retirar una solicitud (desistir)",
       .description =
           "Solo la persona que la envió (404 para cualquier otra), en cualquier estado mientras "
           "la convocatoria no publique resultados (409 después, o si ya estaba retirada). Una "
           "solicitud retirada no cuenta para la regla de una por CURP: se puede volver a "
           "solicitar mientras la convocatoria esté abierta.",
       .path_params = id,
       .response_body = "ScholarshipsApplication",
       .if_match = true,
       .handler = &WithdrawApplication});
}

}  // namespace cabildo::plugins::scholarships
