// Open data of the service-requests module (issue 20, item 5): every request
// as CSV or JSON, streamed, and the figures per tenant and service (counts
// by status, open and closed, median time to close), for one municipality
// or, with include_descendants=true, state-wide.
//
// What is public here is exactly what the native view shows of a request
// (kRequestItemJson) minus attributes and ids: never reporter_id,
// api_key_id or reporter_contact. The exports read only named columns, so a
// column added to the table later never leaks into them by accident.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cabildo/plugin/text_checks.h"
#include "cabildo/plugin/values.h"

#include "service_requests.h"

namespace cabildo::plugins::service_requests {
namespace {

using nlohmann::json;
using plugin::HttpMethod;
using plugin::HttpResponse;
using plugin::RequestContext;

// --- exports ------------------------------------------------------------------

// One row per request of `tenants` ($1), by tenant slug and folio. The
// column order is kExportColumns'. duplicate_of is the repeated request's
// folio (what a citizen can look up), never its internal id.
constexpr const char* kExportRows =
    "SELECT t.slug, r.folio::text, s.service_code, s.name, r.status, "
    CABILDO_SR_OPEN311_STATUS("r.status") ", r.status_notes, r.agency_responsible, "
    "r.description, r.lat, r.long, r.address, r.zipcode, r.media_url, "
    CABILDO_SR_TS("r.requested_at") ", " CABILDO_SR_TS("r.updated_at") ", "
    CABILDO_SR_TS("r.expected_at") ", " CABILDO_SR_TS("r.closed_at") ", d.folio::text"
    " FROM service_requests.requests r"
    " JOIN service_requests.services s ON s.tenant_id = r.tenant_id AND s.id = r.service_id"
    " JOIN core.tenants t ON t.id = r.tenant_id"
    " LEFT JOIN service_requests.requests d ON d.tenant_id = r.tenant_id AND d.id = r.duplicate_of"
    " WHERE r.tenant_id = ANY ($1::uuid[])"
    " ORDER BY t.slug, r.folio";

// What identifies an export's content before any row is read (the host's
// ETag): the tenants, how many requests and the latest change of a request
// (they are never deleted: every change moves updated_at) and of a service
// (its name is in every row).
constexpr const char* kExportTag =
    "SELECT (SELECT count(*)::text || '|' || coalesce(max(r.updated_at)::text, '')"
    "          FROM service_requests.requests r WHERE r.tenant_id = ANY ($1::uuid[])) || '|' ||"
    "       (SELECT coalesce(max(s.updated_at)::text, '') FROM service_requests.services s"
    "         WHERE s.tenant_id = ANY ($1::uuid[])) || '|' ||"
    "       (SELECT coalesce(string_agg(t.slug, ',' ORDER BY t.slug), '') FROM core.tenants t"
    "         WHERE t.id = ANY ($1::uuid[]))";

const std::vector<std::string> kExportColumns = {"tenant",       "service_request_id",
                                                 "service_code", "service_name",
                                                 "status",       "open311_status",
                                                 "status_notes", "agency_responsible",
                                                 "description",  "lat",
                                                 "long",         "address",
                                                 "zipcode",      "media_url",
                                                 "requested_at", "updated_at",
                                                 "expected_at",  "closed_at",
                                                 "duplicate_of"};
// Columns of kExportRows that are numbers or may be NULL in the JSON export.
constexpr int kLatColumn = 9;
constexpr int kLongColumn = 10;
constexpr int kExpectedColumn = 16;
constexpr int kClosedColumn = 17;
constexpr int kDuplicateColumn = 18;

json ExportJson(const pqxx::row& row) {
  json item = json::object();
  for (int i = 0; i < static_cast<int>(kExportColumns.size()); ++i) {
    if (row[i].is_null()) {
      item[kExportColumns[i]] = nullptr;
    } else if (i == kLatColumn || i == kLongColumn) {
      item[kExportColumns[i]] = row[i].as<double>();
    } else {
      item[kExportColumns[i]] = row[i].as<std::string>();
    }
  }
  return item;
}

// NULL (no location, still open, not a duplicate) is an empty cell.
std::string ExportCsvLine(const pqxx::row& row) {
  std::vector<std::string> cells;
  cells.reserve(kExportColumns.size());
  for (int i = 0; i < static_cast<int>(kExportColumns.size()); ++i) {
    cells.push_back(row[i].is_null() ? std::string() : row[i].as<std::string>());
  }
  return plugin::CsvRow(cells);
}

StatusOr<std::pair<std::vector<std::string>, std::string>> ExportScope(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(std::vector<std::string> tenants, ctx.ReadTenants());
  std::string tag =
      plugin::Exec1(ctx, "service-requests.export_tag", kExportTag, plugin::PgArray(tenants))[0]
          .as<std::string>();
  return std::make_pair(std::move(tenants), std::move(tag));
}

void ForEachRequest(RequestContext& ctx, const std::vector<std::string>& tenants,
                    const std::function<bool(const pqxx::row&)>& each) {
  plugin::ForEachRow(ctx, "service-requests.export_rows", kExportRows, each,
                     plugin::PgArray(tenants));
}

StatusOr<HttpResponse> ExportCsv(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(auto scope, ExportScope(ctx));
  return HttpResponse::Stream(
      "text/csv; charset=utf-8", std::move(scope.second),
      [&ctx, tenants = std::move(scope.first)](plugin::BodyWriter& out) -> Status {
        plugin::BodyBuffer body(out);
        body.Append(plugin::CsvRow(kExportColumns));
        ForEachRequest(ctx, tenants,
                       [&](const pqxx::row& row) { return body.Append(ExportCsvLine(row)); });
        body.Flush();
        return OkStatus();
      });
}

StatusOr<HttpResponse> ExportJsonList(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(auto scope, ExportScope(ctx));
  return HttpResponse::Stream(
      "application/json", std::move(scope.second),
      [&ctx, tenants = std::move(scope.first)](plugin::BodyWriter& out) -> Status {
        plugin::BodyBuffer body(out);
        plugin::JsonArrayWriter items(body);
        ForEachRequest(ctx, tenants,
                       [&](const pqxx::row& row) { return items.Add(ExportJson(row)); });
        items.Finish();
        body.Flush();
        return OkStatus();
      });
}

// --- stats ----------------------------------------------------------------------

// The figures of a group of base rows x (one per request, or one with a NULL
// status for a service or tenant without requests), as jsonb text. The
// median counts the requests attended to the end (resolved, closed,
// rejected): a duplicate is closed the moment it arrives and would pull the
// median towards zero.
// clang-format off
#define SR_COUNT(cond) "count(*) FILTER (WHERE " cond ")"
#define SR_FIGURES                                                                        \
  "jsonb_build_object('total', count(x.status), "                                         \
  "'open', " SR_COUNT("x.status IN ('received', 'assigned', 'in_progress')") ", "         \
  "'closed', " SR_COUNT("x.status IN ('resolved', 'closed', 'rejected', 'duplicate')") ", " \
  "'by_status', jsonb_build_object("                                                      \
  "'received', " SR_COUNT("x.status = 'received'") ", "                                   \
  "'assigned', " SR_COUNT("x.status = 'assigned'") ", "                                   \
  "'in_progress', " SR_COUNT("x.status = 'in_progress'") ", "                             \
  "'resolved', " SR_COUNT("x.status = 'resolved'") ", "                                   \
  "'closed', " SR_COUNT("x.status = 'closed'") ", "                                       \
  "'rejected', " SR_COUNT("x.status = 'rejected'") ", "                                   \
  "'duplicate', " SR_COUNT("x.status = 'duplicate'") "), "                                \
  "'median_hours_to_close', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY x.hours) " \
  "FILTER (WHERE x.status IN ('resolved', 'closed', 'rejected')))::numeric, 2))::text"
// clang-format on

// One row per service of each tenant of $1 (live ones, and retired ones
// that have requests in the window), one per tenant and one overall, in the
// order the answer lists them: overall, then this tenant ($4) and the others
// by slug, each tenant before its services (by code). The window: requested
// from day $2 to day $3 (inclusive, Mexico's central time; '' = open).
constexpr const char* kStats =
    "WITH r AS ("
    "  SELECT r.tenant_id, r.service_id, r.status,"
    "         extract(epoch FROM r.closed_at - r.requested_at) / 3600.0 AS hours"
    "  FROM service_requests.requests r"
    "  WHERE r.tenant_id = ANY ($1::uuid[])"
    "    AND (nullif($2, '') IS NULL OR r.requested_at >="
    "         (nullif($2, '')::date::timestamp AT TIME ZONE 'America/Mexico_City'))"
    "    AND (nullif($3, '') IS NULL OR r.requested_at <"
    "         ((nullif($3, '')::date + 1)::timestamp AT TIME ZONE 'America/Mexico_City'))),"
    " base AS ("
    "  SELECT t.id AS tenant_id, t.slug, t.name AS tenant_name, s.id AS service_id,"
    "         s.service_code, s.name AS service_name, s.deleted_at, r.status, r.hours"
    "  FROM core.tenants t"
    "  LEFT JOIN service_requests.services s ON s.tenant_id = t.id"
    "  LEFT JOIN r ON r.tenant_id = s.tenant_id AND r.service_id = s.id"
    "  WHERE t.id = ANY ($1::uuid[]))"
    " SELECT GROUPING(x.tenant_id), GROUPING(x.service_id), x.slug, x.tenant_name,"
    "        x.service_code, x.service_name, " SR_FIGURES
    " FROM base x"
    " GROUP BY GROUPING SETS ((x.tenant_id, x.slug, x.tenant_name, x.service_id, x.service_code,"
    "                         x.service_name), (x.tenant_id, x.slug, x.tenant_name), ())"
    " HAVING GROUPING(x.service_id) = 1"
    "     OR (x.service_id IS NOT NULL AND (count(x.status) > 0 OR bool_or(x.deleted_at IS NULL)))"
    " ORDER BY GROUPING(x.tenant_id) DESC, x.tenant_id <> $4::uuid, x.slug,"
    "          GROUPING(x.service_id) DESC, x.service_code, x.service_id";

#undef SR_FIGURES
#undef SR_COUNT

constexpr const char* kDateHint =
    "Escriba una fecha válida con la forma AAAA-MM-DD (por ejemplo 2026-01-31).";

StatusOr<HttpResponse> Stats(RequestContext& ctx) {
  const std::optional<std::string> from = ctx.Query("from");
  const std::optional<std::string> to = ctx.Query("to");
  std::vector<FieldError> errors;
  if (from && !plugin::IsCalendarDate(*from)) errors.push_back({"from", kDateHint});
  if (to && !plugin::IsCalendarDate(*to)) errors.push_back({"to", kDateHint});
  if (errors.empty() && from && to && *from > *to) {
    errors.push_back({"to", "La fecha final (to) debe ser igual o posterior a la inicial (from)."});
  }
  if (!errors.empty()) return ctx.FieldErrors(errors);
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());

  json totals;
  json listed = json::array();
  for (const auto& row :
       plugin::Exec(ctx, "service-requests.stats", kStats, plugin::PgArray(tenants),
                    from.value_or(""), to.value_or(""), ctx.tenant_id())) {
    json figures = json::parse(row[6].as<std::string>());
    if (row[0].as<int>() == 1) {  // overall
      totals = std::move(figures);
    } else if (row[1].as<int>() == 1) {  // a tenant
      json tenant = {{"tenant", row[2].as<std::string>()}, {"name", row[3].as<std::string>()}};
      tenant.update(figures);
      tenant["services"] = json::array();
      listed.push_back(std::move(tenant));
    } else if (!listed.empty()) {  // a service of the tenant listed last
      json service = {{"service_code", row[4].as<std::string>()},
                      {"service_name", row[5].as<std::string>()}};
      service.update(figures);
      listed.back()["services"].push_back(std::move(service));
    }
  }
  return HttpResponse::Json(200, {{"from", from ? json(*from) : json(nullptr)},
                                  {"to", to ? json(*to) : json(nullptr)},
                                  {"totals", std::move(totals)},
                                  {"tenants", std::move(listed)}});
}

constexpr const char* kNoReporter =
    "Nunca incluye quién reportó (cuenta, aplicación ni datos de contacto): esos datos son "
    "privados.";

constexpr const char* kExportColumnsText =
    "tenant (slug del municipio), service_request_id (folio), service_code, service_name, "
    "status (estado interno), open311_status (open o closed), status_notes, "
    "agency_responsible, description, lat, long, address, zipcode, media_url, requested_at, "
    "updated_at, expected_at, closed_at (fechas RFC 3339 en UTC) y duplicate_of (folio de la "
    "solicitud que repite, si es duplicada)";

constexpr const char* kStatsDescription =
    "Cifras públicas de las solicitudes, por municipio y tipo de servicio, por municipio y en "
    "total (con include_descendants=true, también de los municipios del ente: las cifras "
    "estatales). En cada nivel: total de solicitudes, by_status (cuántas hay en cada uno de los "
    "7 estados internos), open y closed (como los cuenta Open311: abiertas las recibidas, "
    "asignadas y en proceso; cerradas las demás) y median_hours_to_close: la mediana, en horas "
    "con dos decimales, del tiempo entre el reporte y su cierre de las solicitudes atendidas, "
    "cerradas o rechazadas (las duplicadas no cuentan: se cierran al llegar); null si no hay "
    "ninguna. Aparecen todos los servicios vigentes, aun sin solicitudes, y los retirados que "
    "tengan solicitudes. Con from y/o to (AAAA-MM-DD, hora del centro de México, ambos días "
    "incluidos) cuenta solo las solicitudes reportadas en ese periodo; una fecha mal escrita o "
    "from posterior a to responde 422.";

}  // namespace

void RegisterOpenData(plugin::PluginRegistrar& registrar) {
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/export.csv",
       .operation_id = "serviceRequestsExportCsv",
       .summary = "Exportar las solicitudes ciudadanas (CSV)",
       .description = std::string("CSV UTF-8 (RFC 4180) con una fila por solicitud del municipio "
                                  "(con include_descendants=true, también de sus entes "
                                  "descendientes), por municipio y folio. Columnas, en este "
                                  "orden: ") +
                      kExportColumnsText + ". " + kNoReporter,
       .descendants = true,
       .response_media_type = "text/csv; charset=utf-8",
       .handler = &ExportCsv});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/export.json",
       .operation_id = "serviceRequestsExportJson",
       .summary = "Exportar las solicitudes ciudadanas (JSON)",
       .description = std::string("Una lista JSON con un objeto por solicitud, con las columnas "
                                  "del CSV como claves y las filas en el mismo orden (lat y long "
                                  "son números o null; expected_at, closed_at y duplicate_of "
                                  "pueden ser null). Sin solicitudes, una lista vacía. ") +
                      kNoReporter,
       .descendants = true,
       .response_body = "ServiceRequestsExport",
       .handler = &ExportJsonList});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/stats",
                      .operation_id = "serviceRequestsStats",
                      .summary = "Cifras de las solicitudes: por estado y tiempo de atención",
                      .description = kStatsDescription,
                      .query = {{.name = "from",
                                 .schema = {{"type", "string"}, {"maxLength", 32}},
                                 .description = "Primer día (AAAA-MM-DD) del periodo de reporte."},
                                {.name = "to",
                                 .schema = {{"type", "string"}, {"maxLength", 32}},
                                 .description = "Último día (AAAA-MM-DD) del periodo de reporte."}},
                      .descendants = true,
                      .response_body = "ServiceRequestsStats",
                      .handler = &Stats});
  registrar.AddExport({"solicitudes-csv", "/export.csv", "csv", "text/csv; charset=utf-8",
                       "Solicitudes ciudadanas (reportes de limpieza, residuos, señalamiento y "
                       "otros servicios) en CSV: folio, servicio, estado, ubicación y fechas, "
                       "sin datos de quien reportó."});
  registrar.AddExport({"solicitudes-json", "/export.json", "json", "application/json",
                       "Solicitudes ciudadanas en JSON, con las mismas claves que el CSV."});
}

}  // namespace cabildo::plugins::service_requests
