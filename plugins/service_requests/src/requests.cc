// The native API of requests: anyone reads them (one by one, as a list with
// the state-wide view of include_descendants, and each one's public
// history), a signed-in citizen follows their own with delta sync
// (GET /requests/mine?updated_since=...), and staff attend them: PATCH moves
// a request through the internal statuses (the transitions below), sets its
// public notes, agency and expected date, appends an event to its public
// history and is audited; reading the reporter's contact is a permission of
// its own, and every read is audited.
//
// The statuses (domain.md §C): received, assigned, in_progress are Open311
// "open"; resolved, closed, rejected, duplicate are "closed". closed_at is
// when the request last went from open to closed: moving between closed
// statuses (resolved -> closed) keeps it, reopening clears it.
#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cabildo/plugin/compiled_sql.h"
#include "cabildo/plugin/values.h"

#include "service_requests.h"

namespace cabildo::plugins::service_requests {
namespace {

using nlohmann::json;
using plugin::FieldError;
using plugin::HttpResponse;
using plugin::RequestContext;

// --- SQL composed at compile time (plugin::kSql) -------------------------------

using plugin::kSql;

constexpr const char* kSelect = "SELECT ";

// One request of this tenant ($1) by id ($2).
constexpr const char* kFindWhere = "WHERE r.tenant_id = $1 AND r.id = $2::uuid";
constexpr const char* kFindWhereForUpdate =
    "WHERE r.tenant_id = $1 AND r.id = $2::uuid "
    "FOR UPDATE OF r";
constexpr const char* kFindSql = kSql<kSelect, kRequestItemJson, kRequestFrom, kFindWhere>;
constexpr const char* kFindForUpdateSql =
    kSql<kSelect, kRequestItemJson, kRequestFrom, kFindWhereForUpdate>;

// The public list: $1 tenants, $2 status, $3 open311_status, $4 service_code
// (each null: any), $5 updated_since, $6 and $7 the cursor's (updated_at,
// id), $8 limit + 1. The page's keys are picked first, then only those rows
// are rendered. Each tenant's first keys come from its own ordered scan of
// requests_sync_idx (tenant_id = one value), merged: `tenant_id = ANY (...)`
// cannot read that index in order, and sorted every row of every tenant
// instead (22,000 requests: 35 ms for a page, 1.9 ms this way).
constexpr const char* kListHead =
    "WITH keys AS MATERIALIZED ("
    " SELECT k.tenant_id, k.id, k.at FROM unnest($1::uuid[]) AS tenant(id), LATERAL ("
    "  SELECT r.tenant_id, r.id, r.updated_at AS at FROM service_requests.requests r"
    "  WHERE r.tenant_id = tenant.id"
    "   AND ($2::text IS NULL OR r.status = $2::text)"
    "   AND ($3::text IS NULL OR " CABILDO_SR_OPEN311_STATUS("r.status") " = $3::text)"
    "   AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM service_requests.services c"
    "        WHERE c.tenant_id = r.tenant_id AND c.id = r.service_id"
    "        AND c.service_code = $4::text))"
    "   AND ($5::timestamptz IS NULL OR r.updated_at > $5::timestamptz)"
    "   AND ($6::timestamptz IS NULL OR (r.updated_at, r.id) > ($6::timestamptz, $7::uuid))"
    "  ORDER BY r.updated_at, r.id LIMIT $8) k"
    " ORDER BY k.at, k.id LIMIT $8) ";
// The caller's own ($1 tenant, $2 reporter): $3 updated_since, $4 and $5 the
// cursor, $6 limit + 1 (index requests_reporter_idx).
constexpr const char* kMineHead =
    "WITH keys AS MATERIALIZED ("
    " SELECT r.tenant_id, r.id, r.updated_at AS at FROM service_requests.requests r"
    " WHERE r.reporter_id = $2::uuid AND r.tenant_id = $1"
    "   AND ($3::timestamptz IS NULL OR r.updated_at > $3::timestamptz)"
    "   AND ($4::timestamptz IS NULL OR (r.updated_at, r.id) > ($4::timestamptz, $5::uuid))"
    " ORDER BY r.updated_at, r.id LIMIT $6) ";
constexpr const char* kKeysTail =
    " JOIN keys k ON k.tenant_id = r.tenant_id AND k.id = r.id ORDER BY k.at, k.id";
constexpr const char* kListSql =
    kSql<kListHead, kSelect, kRequestItemJson, kRequestFrom, kKeysTail>;
constexpr const char* kMineSql =
    kSql<kMineHead, kSelect, kRequestItemJson, kRequestFrom, kKeysTail>;

// The public history of request $2: $3 updated_since (after it; null: all),
// $4 the cursor's event id, $5 limit + 1. Oldest first (events_request_idx).
constexpr const char* kHistorySql =
    "SELECT e.id, jsonb_build_object('status', e.status, "
    "'open311_status', " CABILDO_SR_OPEN311_STATUS("e.status") ", "
    "'status_notes', e.status_notes, 'agency_responsible', e.agency_responsible, "
    "'expected_at', " CABILDO_SR_TS("e.expected_at") ", 'at', " CABILDO_SR_TS("e.at") ")::text "
    "FROM service_requests.events e "
    "WHERE e.tenant_id = $1 AND e.request_id = $2::uuid"
    " AND ($3::timestamptz IS NULL OR e.at > $3::timestamptz)"
    " AND ($4::bigint IS NULL OR e.id > $4::bigint)"
    " ORDER BY e.id LIMIT $5";

// A staff change ($3 the new status, $4 notes and $5 agency (null: as they
// are), $6 whether expected_datetime was sent and $7 its value, $8
// duplicate_of (null: as it is)). duplicate_of only stays with status
// duplicate; closed_at is set when the request goes from open to closed and
// cleared when it reopens. Nothing is written (no row back) when nothing
// changes.
constexpr const char* kUpdateSql =
    "WITH n AS ("
    " SELECT r.tenant_id, r.id, $3::text AS status,"
    "  coalesce($4::text, r.status_notes) AS notes,"
    "  coalesce($5::text, r.agency_responsible) AS agency,"
    "  CASE WHEN $6::boolean THEN $7::timestamptz ELSE r.expected_at END AS expected,"
    "  CASE WHEN $3::text = 'duplicate' THEN coalesce($8::uuid, r.duplicate_of) END AS dup"
    " FROM service_requests.requests r WHERE r.tenant_id = $1 AND r.id = $2::uuid) "
    "UPDATE service_requests.requests r SET status = n.status, status_notes = n.notes,"
    " agency_responsible = n.agency, expected_at = n.expected, duplicate_of = n.dup,"
    " closed_at = CASE WHEN n.status IN ('received', 'assigned', 'in_progress') THEN NULL"
    "  ELSE coalesce(r.closed_at, now()) END,"
    " updated_at = now() "
    "FROM n WHERE r.tenant_id = n.tenant_id AND r.id = n.id"
    " AND (r.status, r.status_notes, r.agency_responsible, r.expected_at, r.duplicate_of)"
    "  IS DISTINCT FROM (n.status, n.notes, n.agency, n.expected, n.dup) "
    "RETURNING r.id";

// --- statuses ------------------------------------------------------------------

// How a status is called in a sentence, in Spanish, with its API name.
std::string Named(std::string_view status) {
  const char* name = status == "received"      ? "recibida"
                     : status == "assigned"    ? "asignada"
                     : status == "in_progress" ? "en proceso"
                     : status == "resolved"    ? "atendida"
                     : status == "closed"      ? "cerrada"
                     : status == "rejected"    ? "rechazada"
                                               : "duplicada";
  return std::string(name) + " (" + std::string(status) + ")";
}

bool IsOpen(std::string_view status) { return std::string_view(Open311Status(status)) == "open"; }

// The statuses each one may move to (the staff workflow).
std::vector<std::string_view> NextStatuses(std::string_view from) {
  if (from == "received") {
    return {"assigned", "in_progress", "resolved", "closed", "rejected", "duplicate"};
  }
  if (from == "assigned") return {"in_progress", "resolved", "closed", "rejected", "duplicate"};
  if (from == "in_progress") return {"assigned", "resolved", "closed", "rejected"};
  if (from == "resolved") return {"closed", "in_progress"};
  if (from == "closed") return {"in_progress"};
  if (from == "duplicate") return {"received"};
  return {};  // rejected is final
}

// nullopt when `from` may become `to`; otherwise the 409 that says why.
std::optional<Status> RefusedTransition(std::string_view from, std::string_view to) {
  const std::vector<std::string_view> next = NextStatuses(from);
  for (std::string_view allowed : next) {
    if (allowed == to) return std::nullopt;
  }
  if (next.empty()) {
    return AlreadyExistsError("La solicitud está " + Named(from) +
                              ", un estado definitivo: no puede pasar a " + Named(to) + ".");
  }
  std::string options;
  for (std::size_t i = 0; i < next.size(); ++i) {
    options += (i == 0 ? "" : i + 1 == next.size() ? " o " : ", ") + Named(next[i]);
  }
  return AlreadyExistsError("Una solicitud " + Named(from) + " no puede pasar a " + Named(to) +
                            ". Desde " + Named(from) + " puede pasar a: " + options + ".");
}

// --- reading -------------------------------------------------------------------

// Request `id` of this tenant as GET renders it (kRequestItemJson).
std::optional<json> FindRequest(RequestContext& ctx, const std::string& id, bool lock) {
  if (!plugin::IsLowerUuid(id)) return std::nullopt;
  const pqxx::result rows =
      lock ? plugin::Exec(ctx, "service-requests.request_find_for_update", kFindForUpdateSql,
                          ctx.tenant_id(), id)
           : plugin::Exec(ctx, "service-requests.request_find", kFindSql, ctx.tenant_id(), id);
  if (rows.empty()) return std::nullopt;
  return json::parse(rows[0][0].c_str());
}

// The (updated_at, id) key of a list's cursor; the host signed it, but it
// may be another list's.
struct After {
  std::optional<std::string> at;
  std::optional<std::string> id;
};
StatusOr<After> ReadAfter(const RequestContext::Page& page) {
  After after;
  if (page.after.is_null()) return after;
  const json& key = page.after;
  if (!key.is_array() || key.size() != 2 || !key[0].is_string() || !key[1].is_string() ||
      !plugin::IsRfc3339Timestamp(key[0].get_ref<const std::string&>()) ||
      !plugin::IsLowerUuid(key[1].get_ref<const std::string&>())) {
    return InvalidArgumentError(
        "El cursor no es válido para esta lista: pida la primera página otra vez.");
  }
  after.at = key[0].get<std::string>();
  after.id = key[1].get<std::string>();
  return after;
}

std::optional<std::string> Since(const RequestContext::Page& page) {
  if (page.updated_since.empty()) return std::nullopt;
  return page.updated_since;
}

HttpResponse RequestPage(RequestContext& ctx, const RequestContext::Page& page,
                         const pqxx::result& rows) {
  return plugin::PageOf(
      ctx, page, rows, [](const pqxx::row& row) { return json::parse(row[0].c_str()); },
      [](const json& item) {
        return json::array({item["updated_at"], item["id"]});
      });
}

StatusOr<HttpResponse> ListRequests(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const After after, ReadAfter(page));
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  const pqxx::result rows =
      plugin::Exec(ctx, "service-requests.request_list", kListSql, plugin::PgArray(tenants),
                   ctx.Query("status"), ctx.Query("open311_status"), ctx.Query("service_code"),
                   Since(page), after.at, after.id, page.limit + 1);
  return RequestPage(ctx, page, rows);
}

StatusOr<HttpResponse> ListMine(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const After after, ReadAfter(page));
  const std::string& user = ctx.principal().user_id;
  if (!plugin::IsLowerUuid(user)) {
    return RequestPage(ctx, page, pqxx::result());  // nobody's: no requests
  }
  const pqxx::result rows =
      plugin::Exec(ctx, "service-requests.request_list_mine", kMineSql, ctx.tenant_id(), user,
                   Since(page), after.at, after.id, page.limit + 1);
  return RequestPage(ctx, page, rows);
}

StatusOr<HttpResponse> GetRequest(RequestContext& ctx) {
  auto request = FindRequest(ctx, ctx.PathParam("id"), /*lock=*/false);
  if (!request) return NotFoundError(kRequestNotFound);
  return HttpResponse::Json(200, *request);
}

bool RequestExists(RequestContext& ctx, const std::string& id) {
  return !plugin::Exec(ctx, "service-requests.request_exists",
                       "SELECT 1 FROM service_requests.requests "
                       "WHERE tenant_id = $1 AND id = $2::uuid",
                       ctx.tenant_id(), id)
              .empty();
}

StatusOr<HttpResponse> ListHistory(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  const std::string& id = ctx.PathParam("id");
  if (!RequestExists(ctx, id)) return NotFoundError(kRequestNotFound);
  std::optional<long long> after;
  if (!page.after.is_null()) {
    if (!page.after.is_array() || page.after.size() != 1 || !page.after[0].is_number_integer()) {
      return InvalidArgumentError(
          "El cursor no es válido para esta lista: pida la primera página otra vez.");
    }
    after = page.after[0].get<long long>();
  }
  const pqxx::result rows = plugin::Exec(ctx, "service-requests.request_history", kHistorySql,
                                         ctx.tenant_id(), id, Since(page), after, page.limit + 1);
  // The cursor key is the event's id, which the item does not show.
  json items = json::array();
  json next = nullptr;
  long long last_id = 0;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page.limit) {
      next = ctx.Cursor(json::array({last_id}));
      break;
    }
    last_id = row[0].as<long long>();
    items.push_back(json::parse(row[1].c_str()));
  }
  return HttpResponse::Json(200, {{"items", std::move(items)}, {"next_cursor", std::move(next)}});
}

// GET /requests/{id}/contact: the sealed contact, opened; every read audited.
StatusOr<HttpResponse> ReadContact(RequestContext& ctx) {
  const std::string& id = ctx.PathParam("id");
  const pqxx::result rows = plugin::Exec(ctx, "service-requests.request_contact",
                                         "SELECT reporter_contact FROM service_requests.requests "
                                         "WHERE tenant_id = $1 AND id = $2::uuid",
                                         ctx.tenant_id(), id);
  if (rows.empty()) return NotFoundError(kRequestNotFound);
  json contact = nullptr;
  if (!rows[0][0].is_null()) {
    CABILDO_ASSIGN_OR_RETURN(const std::string plain,
                             ctx.OpenPersonalData(rows[0][0].as<std::string>(), id));
    contact = json::parse(plain, nullptr, /*allow_exceptions=*/false);
    if (!contact.is_object()) {
      return InternalError("El contacto guardado de la solicitud no se pudo leer.");
    }
  }
  // Who read whose contact, never the contact itself.
  CABILDO_RETURN_IF_ERROR(ctx.Audit("request.contact_read", "request", id,
                                    json{{"contact_present", !contact.is_null()}}));
  return HttpResponse::Json(200, {{"contact", std::move(contact)}});
}

// --- writing -------------------------------------------------------------------

std::optional<std::string> StringField(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// The request duplicate_of names must be another open request of this
// tenant and of the same service: the FieldError when it is not.
std::optional<FieldError> CheckDuplicateOf(RequestContext& ctx, const std::string& id,
                                           const std::string& target) {
  if (target == id) {
    return FieldError{"duplicate_of",
                      "Una solicitud no puede ser duplicada de sí misma: indique la otra "
                      "solicitud abierta que reporta lo mismo."};
  }
  const pqxx::result rows = plugin::Exec(
      ctx, "service-requests.request_duplicate_target",
      "SELECT o.status, o.folio, o.service_id = r.service_id "
      "FROM service_requests.requests o, service_requests.requests r "
      "WHERE o.tenant_id = $1 AND o.id = $3::uuid AND r.tenant_id = $1 AND r.id = $2::uuid",
      ctx.tenant_id(), id, target);
  if (rows.empty()) {
    return FieldError{"duplicate_of", "No existe esa solicitud en este municipio."};
  }
  const std::string folio = rows[0][1].as<std::string>();
  if (!rows[0][2].as<bool>()) {
    return FieldError{"duplicate_of", "La solicitud con folio " + folio +
                                          " es de otro servicio: una duplicada se liga a una "
                                          "solicitud del mismo servicio."};
  }
  const std::string status = rows[0][0].as<std::string>();
  if (!IsOpen(status)) {
    return FieldError{"duplicate_of", "La solicitud con folio " + folio + " está " + Named(status) +
                                          ": una duplicada se liga a una solicitud abierta."};
  }
  return std::nullopt;
}

// Years 2000 to 2999: a date the API writes back as RFC 3339 (the schema
// already checked the shape and the calendar).
bool IsPlausibleYear(const std::string& timestamp) {
  return timestamp.size() >= 4 && timestamp[0] == '2';
}

using Written = StatusOr<std::optional<HttpResponse>>;

// PATCH's write: the transition, the fields, the event.
Written WriteRequest(RequestContext& ctx, const json& before) {
  const json& body = ctx.Body();
  const std::string& id = ctx.PathParam("id");
  const std::string current = before.value("status", "");
  const std::string status = StringField(body, "status").value_or(current);
  if (status != current) {
    if (auto refused = RefusedTransition(current, status)) return *refused;
  }
  const std::optional<std::string> duplicate_of = StringField(body, "duplicate_of");
  std::vector<FieldError> errors;
  if (duplicate_of && status != "duplicate") {
    errors.push_back({"duplicate_of",
                      "duplicate_of solo se indica al marcar la solicitud como duplicada "
                      "(status duplicate)."});
  } else if (duplicate_of) {
    if (auto error = CheckDuplicateOf(ctx, id, *duplicate_of)) errors.push_back(*error);
  } else if (status == "duplicate" && current != "duplicate") {
    errors.push_back({"duplicate_of",
                      "Para marcarla como duplicada indique en duplicate_of el id de la "
                      "solicitud abierta que reporta lo mismo."});
  }
  const bool expected_sent = body.contains("expected_datetime");
  const std::optional<std::string> expected = StringField(body, "expected_datetime");
  if (expected && !IsPlausibleYear(*expected)) {
    errors.push_back({"expected_datetime",
                      "La fecha prevista (expected_datetime) debe estar entre los años 2000 y "
                      "2999."});
  }
  if (!errors.empty()) return Written(ctx.FieldErrors(errors));
  std::optional<std::string> notes = StringField(body, "status_notes");
  // Undoing a duplicate: intake's note ("Duplicado de la solicitud con folio
  // N.") no longer holds, unless staff write another.
  if (!notes && current == "duplicate" && status != "duplicate") notes = "";
  const pqxx::result changed = plugin::Exec(
      ctx, "service-requests.request_update", kUpdateSql, ctx.tenant_id(), id, status, notes,
      StringField(body, "agency_responsible"), expected_sent, expected, duplicate_of);
  if (!changed.empty()) AppendEvent(ctx, id);
  return Written(std::nullopt);
}

StatusOr<HttpResponse> UpdateRequest(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  return plugin::ApplyChange(
      ctx, {.action = "request.update",
            .entity = "request",
            .id = id,
            .find = [&ctx, id](bool lock) { return FindRequest(ctx, id, lock); },
            .write = [&ctx](const json& before) { return WriteRequest(ctx, before); },
            .not_found = kRequestNotFound});
}

}  // namespace

void RegisterRequests(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  const std::vector<plugin::PathParam> id = {
      {.name = "id", .description = "Id (UUID) de la solicitud."}};
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/requests",
       .operation_id = "serviceRequestsListRequests",
       .summary = "Solicitudes ciudadanas",
       .description =
           "Públicas: las solicitudes del municipio en orden estable (updated_at, id), sin datos "
           "de quien reportó. Con include_descendants=true en el estado, también las de sus "
           "municipios, cada una con su `tenant`. Filtros: status (estado interno), "
           "open311_status (open o closed) y service_code. Con updated_since, solo las que "
           "cambiaron después (las solicitudes nunca se borran: no hay marcas de borrado).",
       .query = {{.name = "status",
                  .schema = {{"$ref", "#/components/schemas/ServiceRequestsStatus"},
                             {"x-message",
                              "status debe ser received, assigned, in_progress, resolved, closed, "
                              "rejected o duplicate."}},
                  .description = "Solo las solicitudes en este estado interno."},
                 {.name = "open311_status",
                  .schema = {{"type", "string"},
                             {"enum", {"open", "closed"}},
                             {"x-message", "open311_status debe ser open o closed."}},
                  .description = "open: recibidas, asignadas o en proceso; closed: las demás."},
                 {.name = "service_code",
                  .schema = {{"type", "string"},
                             {"minLength", 1},
                             {"maxLength", 64},
                             {"x-message", "service_code es texto de 1 a 64 caracteres."}},
                  .description = "Solo las de este tipo de servicio."}},
       .paged = true,
       .descendants = true,
       .response_body = "ServiceRequestsRequestPage",
       .handler = &ListRequests});
  // Before /requests/{id}: the first route that matches a path wins.
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/requests/mine",
       .permission = kReport,
       .operation_id = "serviceRequestsListMyRequests",
       .summary = "Mis solicitudes",
       .description =
           "Las solicitudes que la persona que consulta reportó con su cuenta en este municipio, "
           "en orden (updated_at, id). Para seguirlas desde el teléfono: con updated_since "
           "(el updated_at más reciente que ya tiene) recibe solo las que cambiaron después.",
       .paged = true,
       .response_body = "ServiceRequestsRequestPage",
       .handler = &ListMine});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/requests/{id}",
                      .operation_id = "serviceRequestsGetRequest",
                      .summary = "Obtener una solicitud",
                      .description = "Pública, sin los datos de quien la reportó.",
                      .path_params = id,
                      .response_body = "ServiceRequestsRequest",
                      .handler = &GetRequest});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/requests/{id}/history",
       .operation_id = "serviceRequestsGetRequestHistory",
       .summary = "Historial público de una solicitud",
       .description =
           "Del más antiguo al más reciente: su recepción y cada cambio de estado, notas, área "
           "responsable o fecha prevista, con cómo quedó. Con updated_since, solo los "
           "posteriores. Quién hizo cada cambio consta en la bitácora, no aquí.",
       .path_params = id,
       .paged = true,
       .response_body = "ServiceRequestsEventPage",
       .handler = &ListHistory});
  registrar.AddRoute(
      {.method = HttpMethod::kPatch,
       .path = "/requests/{id}",
       .permission = kManage,
       .operation_id = "serviceRequestsUpdateRequest",
       .summary = "Atender una solicitud",
       .description =
           "Cambia el estado, las notas públicas (status_notes), el área responsable o la fecha "
           "prevista (expected_datetime; null la quita). Transiciones: received → assigned, "
           "in_progress, resolved, closed, rejected o duplicate; assigned → in_progress, "
           "resolved, closed, rejected o duplicate; in_progress → assigned, resolved, closed o "
           "rejected; resolved → closed o in_progress; closed → in_progress (reabrir); "
           "duplicate → received (deshacer); rejected es definitivo. Otra transición: 409. "
           "status duplicate exige duplicate_of, otra solicitud abierta del mismo servicio "
           "(422). closed_at se fija al cerrarse (resolved, closed, rejected, duplicate) y se "
           "quita al reabrirse. Cada cambio se agrega al historial público y a la bitácora "
           "(request.update).",
       .path_params = id,
       .request_body = "ServiceRequestsRequestPatch",
       .response_body = "ServiceRequestsRequest",
       .if_match = true,
       .handler = &UpdateRequest});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/requests/{id}/contact",
       .permission = kReadContact,
       .operation_id = "serviceRequestsGetRequestContact",
       .summary = "Contacto de quien reportó",
       .description =
           "Los datos de contacto que dejó quien reportó (correo, teléfono, nombre, "
           "identificadores de su aplicación), o contact null si no dejó ninguno. Son datos "
           "personales: cada consulta queda en la bitácora (request.contact_read, sin los "
           "datos).",
       .path_params = id,
       .response_body = "ServiceRequestsContactRead",
       .handler = &ReadContact});
}

}  // namespace cabildo::plugins::service_requests
