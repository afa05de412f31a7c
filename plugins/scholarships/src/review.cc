// Review: the staff of a call's tenant read its applications (each page of
// the list is one audit entry: who read whose personal data) and decide on
// them — approve, reject or ask the applicant for more (needs_info) — with a
// score and a note, never approving more applications than the call has
// slots, even when several reviewers approve at the same moment.
//
// The slot rule is race-free because every decision on a call first locks
// the call's row: decisions on one call take turns, and the count of
// approvals each one reads (after the lock, in a fresh READ COMMITTED
// snapshot) includes every approval committed before it. Lock order is
// always call, then application (publish-results locks the call first too),
// so two transactions never wait for each other in a cycle.
//
// Audit entries never carry personal data: AuditView (id, call, status,
// score, masked CURP) and, for a decision, the length of its note.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "application_view.h"
#include "rules.h"
#include "scholarships.h"

namespace cabildo::plugins::scholarships {
namespace {

using nlohmann::json;
using plugin::HttpResponse;
using plugin::RequestContext;

// The full view's schemas (applications.cc owns them).
constexpr const char* kApplicationSchema = "ScholarshipsApplication";
constexpr const char* kApplicationPageSchema = "ScholarshipsApplicationPage";

// kApplicationFrom as a literal, so statements are composed at compile time.
#define SCH_REVIEW_APPLICATION_FROM                                              \
  " FROM scholarships.applications a"                                            \
  " JOIN scholarships.calls c ON c.tenant_id = a.tenant_id AND c.id = a.call_id" \
  " JOIN core.tenants t ON t.id = a.tenant_id "
static_assert(std::string_view(SCH_REVIEW_APPLICATION_FROM) == std::string_view(kApplicationFrom));

// --- The list of a call's applications ---------------------------------------

// $1 tenant, $2 call, $3 status filter (null: all), $4 updated_since (null:
// all), $5/$6 the cursor's (submitted_at, id) (null: first page), $7 limit + 1.
constexpr const char* kListSql =
    "SELECT " CABILDO_SCH_APPLICATION_COLUMNS SCH_REVIEW_APPLICATION_FROM
    "WHERE a.tenant_id = $1 AND a.call_id = $2::uuid"
    " AND ($3::text IS NULL OR a.status = $3::text)"
    " AND ($4::timestamptz IS NULL OR a.updated_at > $4::timestamptz)"
    " AND ($5::timestamptz IS NULL OR (a.submitted_at, a.id) > ($5::timestamptz, $6::uuid))"
    " ORDER BY a.submitted_at, a.id LIMIT $7";

bool CallExists(RequestContext& ctx, const std::string& call_id) {
  return !plugin::Exec(ctx, "scholarships.review_call_exists",
                       "SELECT 1 FROM scholarships.calls "
                       "WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL",
                       ctx.tenant_id(), call_id)
              .empty();
}

// A cursor key this module made: [string, string].
bool IsPairKey(const json& key) {
  return key.is_array() && key.size() == 2 && key[0].is_string() && key[1].is_string();
}

StatusOr<HttpResponse> ListApplications(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(RequestContext::Page page, ctx.ReadPage());
  const std::string& call_id = ctx.PathParam("id");
  if (!CallExists(ctx, call_id)) return NotFoundError(kCallNotFound);
  std::optional<std::string> after_at, after_id, since;
  if (!page.after.is_null()) {
    if (!IsPairKey(page.after)) {
      return InvalidArgumentError("El cursor no corresponde a esta lista; pida la primera página.");
    }
    after_at = page.after[0].get<std::string>();
    after_id = page.after[1].get<std::string>();
  }
  if (!page.updated_since.empty()) since = page.updated_since;
  const pqxx::result rows =
      plugin::Exec(ctx, "scholarships.review_list", kListSql, ctx.tenant_id(), call_id,
                   ctx.Query("status"), since, after_at, after_id, page.limit + 1);
  json items = json::array();
  json ids = json::array();
  json next = nullptr;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page.limit) {
      next = ctx.Cursor(json{items.back()["submitted_at"], items.back()["id"]});
      break;
    }
    CABILDO_ASSIGN_OR_RETURN(json item, ApplicationJson(ctx, row));
    ids.push_back(item["id"]);
    items.push_back(std::move(item));
  }
  // One entry per page read: which applications' personal data were shown.
  // An empty page showed nobody's.
  if (!ids.empty()) {
    CABILDO_RETURN_IF_ERROR(
        ctx.Audit("application.list_read", "call", call_id, json{{"applications", ids}}));
  }
  return HttpResponse::Json(200, {{"items", std::move(items)}, {"next_cursor", std::move(next)}});
}

// --- Decisions ----------------------------------------------------------------

// Locks the call of application $2 (decisions on a call take turns; see the
// top of the file): its status and slots. No row: no such application here.
constexpr const char* kLockCallSql =
    "SELECT c.status, c.slots FROM scholarships.calls c "
    "WHERE c.tenant_id = $1 AND c.id = (SELECT a.call_id FROM scholarships.applications a "
    "WHERE a.tenant_id = $1 AND a.id = $2::uuid) FOR NO KEY UPDATE";

// Then the application itself, as ApplicationJson reads it.
constexpr const char* kLockApplicationSql =
    "SELECT " CABILDO_SCH_APPLICATION_COLUMNS SCH_REVIEW_APPLICATION_FROM
    "WHERE a.tenant_id = $1 AND a.id = $2::uuid FOR UPDATE OF a";

// Approvals of the call other than application $2 (after the call's lock).
constexpr const char* kApprovedOthersSql =
    "SELECT count(*) FROM scholarships.applications "
    "WHERE tenant_id = $1 AND call_id = (SELECT call_id FROM scholarships.applications "
    "WHERE tenant_id = $1 AND id = $2::uuid) AND status = 'approved' AND id <> $2::uuid";

// The decision into the history and onto the application, in one statement:
// $3 decision, $4 score, $5 note, $6 reviewer, $7 the application's status.
// Returns the application as ApplicationJson reads it.
constexpr const char* kDecideSql =
    "WITH d AS (INSERT INTO scholarships.decisions "
    "(tenant_id, application_id, decision, score, note, reviewer_id) "
    "VALUES ($1, $2::uuid, $3::text, $4::numeric, $5::text, $6::uuid)) "
    "UPDATE scholarships.applications a SET status = $7::text, score = $4::numeric, "
    "decision_note = $5::text, decided_by = $6::uuid, decided_at = now(), updated_at = now() "
    "FROM scholarships.calls c, core.tenants t "
    "WHERE a.tenant_id = $1 AND a.id = $2::uuid AND c.tenant_id = a.tenant_id "
    "AND c.id = a.call_id AND t.id = a.tenant_id "
    "RETURNING " CABILDO_SCH_APPLICATION_COLUMNS;

const char* StatusOf(const std::string& decision) {
  if (decision == "approve") return "approved";
  if (decision == "reject") return "rejected";
  return "needs_info";
}

// "1 lugar", "5 lugares".
std::string Count(long long n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Characters (code points) of UTF-8 text the host already validated.
int Utf8Length(const std::string& text) {
  int count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

// What a schema cannot say: which decision needs a score, which a note.
std::vector<FieldError> CheckDecision(const std::string& decision, bool has_score, bool has_note) {
  std::vector<FieldError> errors;
  if (decision != "needs_info" && !has_score) {
    errors.push_back({"score",
                      "Para aprobar o rechazar una solicitud indique su puntuación (score), de 0 "
                      "a 100, según los criterios de selección de la convocatoria."});
  }
  if (decision == "reject" && !has_note) {
    errors.push_back({"note",
                      "Para rechazar una solicitud explique el motivo en la nota (note): la "
                      "persona solicitante la leerá."});
  }
  if (decision == "needs_info" && !has_note) {
    errors.push_back({"note",
                      "Para pedir información diga en la nota (note) qué falta o qué debe "
                      "corregir la persona solicitante: es lo que leerá en su solicitud."});
  }
  return errors;
}

StatusOr<HttpResponse> Decide(RequestContext& ctx) {
  const json& body = ctx.Body();
  const std::string decision = body["decision"].get<std::string>();
  std::optional<double> score;
  if (auto it = body.find("score"); it != body.end() && it->is_number()) {
    score = it->get<double>();
  }
  std::optional<std::string> note;
  if (auto it = body.find("note");
      it != body.end() && it->is_string() && !IsBlank(it->get_ref<const std::string&>())) {
    note = it->get<std::string>();
  }
  if (auto errors = CheckDecision(decision, score.has_value(), note.has_value()); !errors.empty()) {
    return ctx.FieldErrors(errors);
  }

  const std::string& id = ctx.PathParam("id");
  const pqxx::result call =
      plugin::Exec(ctx, "scholarships.review_lock_call", kLockCallSql, ctx.tenant_id(), id);
  if (call.empty()) return NotFoundError(kApplicationNotFound);
  const pqxx::result locked = plugin::Exec(ctx, "scholarships.review_lock_application",
                                           kLockApplicationSql, ctx.tenant_id(), id);
  if (locked.empty()) return NotFoundError(kApplicationNotFound);
  if (ApplicantOf(locked[0]) == ctx.principal().user_id) {
    return PermissionDeniedError(
        "No puede dictaminar su propia solicitud: pida a otra persona revisora que lo haga.");
  }
  if (call[0][0].as<std::string>() == "resolved") {
    return AlreadyExistsError(
        "La convocatoria ya publicó sus resultados: sus dictámenes ya no cambian.");
  }
  CABILDO_ASSIGN_OR_RETURN(json before, ApplicationJson(ctx, locked[0]));
  if (before["status"] == "withdrawn") {
    return AlreadyExistsError(
        "La persona solicitante retiró esta solicitud; una solicitud retirada no se dictamina.");
  }
  if (decision == "approve") {
    const long long slots = call[0][1].as<long long>();
    const long long approved = plugin::Exec1(ctx, "scholarships.review_approved_others",
                                             kApprovedOthersSql, ctx.tenant_id(), id)[0]
                                   .as<long long>();
    if (approved >= slots) {
      return AlreadyExistsError("Ya no hay lugares: la convocatoria tiene " +
                                Count(slots, "lugar", "lugares") + " y ya hay " +
                                Count(approved, "solicitud aprobada", "solicitudes aprobadas") +
                                ". Rechace o cambie otro dictamen antes de aprobar esta.");
    }
  }
  const pqxx::row row =
      plugin::Exec1(ctx, "scholarships.review_decide", kDecideSql, ctx.tenant_id(), id, decision,
                    score, note, ctx.principal().user_id, std::string(StatusOf(decision)));
  CABILDO_ASSIGN_OR_RETURN(json after, ApplicationJson(ctx, row));
  // The note is staff text about a person: the audit says only how long it was.
  json after_view = AuditView(after);
  after_view["decision"] = decision;
  after_view["note_chars"] = note ? Utf8Length(*note) : 0;
  CABILDO_RETURN_IF_ERROR(
      ctx.Audit("application.decide", "application", id, AuditView(before), after_view));
  return HttpResponse::Json(200, after);
}

// --- The history of decisions -------------------------------------------------

// $1 tenant, $2 application, $3 updated_since (decided after it; null: all),
// $4 the cursor's id (null: first page), $5 limit + 1. Oldest first.
constexpr const char* kHistorySql =
    "SELECT jsonb_build_object('id', d.id, 'application_id', d.application_id, "
    "'decision', d.decision, 'score', d.score, 'note', d.note, 'reviewer_id', d.reviewer_id, "
    "'decided_at', " CABILDO_SCH_TS("d.decided_at") ")::text "
    "FROM scholarships.decisions d "
    "WHERE d.tenant_id = $1 AND d.application_id = $2::uuid"
    " AND ($3::timestamptz IS NULL OR d.decided_at > $3::timestamptz)"
    " AND ($4::bigint IS NULL OR d.id > $4::bigint)"
    " ORDER BY d.id LIMIT $5";

StatusOr<HttpResponse> ListDecisions(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(RequestContext::Page page, ctx.ReadPage());
  const std::string& id = ctx.PathParam("id");
  if (plugin::Exec(ctx, "scholarships.review_application_exists",
                   "SELECT 1 FROM scholarships.applications WHERE tenant_id = $1 AND id = $2::uuid",
                   ctx.tenant_id(), id)
          .empty()) {
    return NotFoundError(kApplicationNotFound);
  }
  std::optional<long long> after;
  if (!page.after.is_null()) {
    if (!page.after.is_array() || page.after.size() != 1 || !page.after[0].is_number_integer()) {
      return InvalidArgumentError("El cursor no corresponde a esta lista; pida la primera página.");
    }
    after = page.after[0].get<long long>();
  }
  std::optional<std::string> since;
  if (!page.updated_since.empty()) since = page.updated_since;
  const pqxx::result rows = plugin::Exec(ctx, "scholarships.review_history", kHistorySql,
                                         ctx.tenant_id(), id, since, after, page.limit + 1);
  plugin::HttpResponse response = plugin::PageOf(
      ctx, page, rows, [](const pqxx::row& row) { return json::parse(row[0].c_str()); },
      [](const json& item) { return json::array({item["id"]}); });
  // Notes and scores about a person: a staff read like any other.
  const std::size_t shown =
      std::min(static_cast<std::size_t>(rows.size()), static_cast<std::size_t>(page.limit));
  if (shown > 0) {
    CABILDO_RETURN_IF_ERROR(
        ctx.Audit("application.decisions_read", "application", id, json{{"decisions", shown}}));
  }
  return response;
}

}  // namespace

void RegisterReview(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/calls/{id}/applications",
       .permission = kApplicationRead,
       .operation_id = "scholarshipsListCallApplications",
       .summary = "Solicitudes de una convocatoria (revisión)",
       .description =
           "Para quien revisa o audita las becas del ente: las solicitudes de la convocatoria con "
           "todos sus datos personales, en orden de llegada (submitted_at, id); `status` filtra "
           "por estado y updated_since deja solo las que cambiaron después. Cada página leída "
           "queda en la bitácora (application.list_read, con los ids mostrados). Solo las "
           "convocatorias del propio ente: cualquier otra responde 404. Leer la lista no cambia "
           "el estado de las solicitudes.",
       .path_params = {{.name = "id", .description = "Id (UUID) de la convocatoria."}},
       .query = {{.name = "status",
                  .schema = {{"type", "string"},
                             {"enum",
                              {"submitted", "under_review", "needs_info", "approved", "rejected",
                               "withdrawn"}},
                             {"x-message",
                              "status debe ser submitted, under_review, needs_info, approved, "
                              "rejected o withdrawn."}},
                  .description = "Solo las solicitudes en este estado."}},
       .paged = true,
       .response_body = kApplicationPageSchema,
       .handler = &ListApplications});
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/applications/{id}/decision",
       .permission = kReview,
       .operation_id = "scholarshipsDecideApplication",
       .summary = "Dictaminar una solicitud",
       .description =
           "approve (con score) ocupa uno de los lugares de la convocatoria: si ya están todos "
           "ocupados responde 409 y no cambia nada, también cuando varias personas revisoras "
           "aprueban a la vez. reject lleva score y note; needs_info lleva note y devuelve la "
           "solicitud a la persona solicitante, que la corrige (PATCH /applications/{id}) y la "
           "vuelve a enviar. Hasta que la convocatoria publique sus resultados el dictamen puede "
           "cambiar (rechazar una aprobada libera su lugar); después, o si la solicitud fue "
           "retirada, 409. Nadie dictamina su propia solicitud (403). Cada dictamen queda en el "
           "historial (/applications/{id}/decisions) y en la bitácora, sin datos personales ni "
           "el texto de la nota. Responde la solicitud completa.",
       .path_params = {{.name = "id", .description = "Id (UUID) de la solicitud."}},
       .request_body = "ScholarshipsDecisionInput",
       .response_body = kApplicationSchema,
       .handler = &Decide});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/applications/{id}/decisions",
       .permission = kApplicationRead,
       .operation_id = "scholarshipsListApplicationDecisions",
       .summary = "Historial de dictámenes de una solicitud",
       .description =
           "Todos los dictámenes que ha tenido la solicitud, del más antiguo al más reciente, "
           "con quién los tomó, su puntuación y su nota (reviewer_id null: el sistema, al "
           "publicar resultados). Con updated_since, solo los posteriores. La consulta queda en "
           "la bitácora (application.decisions_read).",
       .path_params = {{.name = "id", .description = "Id (UUID) de la solicitud."}},
       .paged = true,
       .response_body = "ScholarshipsDecisionPage",
       .handler = &ListDecisions});
}

}  // namespace cabildo::plugins::scholarships
