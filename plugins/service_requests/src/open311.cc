// The Open311 GeoReport v2 interface under /open311/v2/ (JSON), exactly as
// the specification's clients expect it (notes: open311-spec.md): bare
// arrays for lists, the POST and single results, objects for discovery and
// a service definition; ids and codes as strings; W3C dates with a zone.
// Every route answers its errors as Open311's [{code, description}] array
// (Route::error_format): 404 for what does not exist, 403 for a missing or
// invalid api_key, 400 for the rest (the host maps 422 to 400).
//
// jurisdiction_id is optional everywhere (each tenant is its own endpoint):
// empty means absent; when given it must be the tenant's configured
// jurisdiction_id or its slug, else 404.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cabildo/plugin/values.h"

#include "attributes.h"
#include "service_requests.h"

namespace cabildo::plugins::service_requests {
namespace {

using nlohmann::json;
using plugin::HttpResponse;
using plugin::RequestContext;

constexpr const char* kSpecification = "http://wiki.open311.org/GeoReport_v2";

// One request as Open311 shows it, as JSON text; select it after
// kRequestFrom plus CABILDO_SR_DUPLICATE_JOIN. Empty texts are null (the
// specification's "may not be returned"); a duplicate without notes of its
// own says which folio it repeats; a closed request's updated_datetime is
// when it closed.
#define CABILDO_SR_DUPLICATE_JOIN \
  " LEFT JOIN service_requests.requests d ON d.tenant_id = r.tenant_id AND d.id = r.duplicate_of "
#define CABILDO_SR_OPEN311_REQUEST_JSON \
  "json_build_object("                                                                          \
  "'service_request_id', r.folio::text, "                                                       \
  "'status', " CABILDO_SR_OPEN311_STATUS("r.status") ", "                                       \
  "'status_notes', nullif(CASE WHEN r.status = 'duplicate' AND r.status_notes = '' "            \
  "  THEN 'Duplicado de la solicitud con folio ' || d.folio || '.' ELSE r.status_notes END, "   \
  "  ''), "                                                                                     \
  "'service_name', s.name, 'service_code', s.service_code, "                                    \
  "'description', nullif(r.description, ''), "                                                  \
  "'agency_responsible', nullif(r.agency_responsible, ''), "                                    \
  "'service_notice', nullif(r.service_notice, ''), "                                            \
  "'requested_datetime', " CABILDO_SR_OPEN311_TS("r.requested_at") ", "                         \
  "'updated_datetime', " CABILDO_SR_OPEN311_TS("coalesce(r.closed_at, r.updated_at)") ", "      \
  "'expected_datetime', " CABILDO_SR_OPEN311_TS("r.expected_at") ", "                           \
  "'address', nullif(r.address, ''), 'address_id', nullif(r.address_id, ''), "                 \
  "'zipcode', nullif(r.zipcode, ''), 'lat', r.lat, 'long', r.long, "                            \
  "'media_url', nullif(r.media_url, ''))::text"

#define CABILDO_SR_OPEN311_SELECT                                              \
  "SELECT " CABILDO_SR_OPEN311_REQUEST_JSON                                    \
  " FROM service_requests.requests r"                                          \
  " JOIN service_requests.services s ON s.tenant_id = r.tenant_id AND s.id = " \
  "r.service_id" CABILDO_SR_DUPLICATE_JOIN

// A JSON array of already serialised items.
std::string ArrayOf(const pqxx::result& rows) {
  std::string out = "[";
  for (const auto& row : rows) {
    if (out.size() > 1) out += ',';
    out += row[0].as<std::string>();
  }
  return out + "]";
}

HttpResponse JsonText(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = std::move(body);
  return response;
}

std::string ConfigText(RequestContext& ctx, const char* name) {
  auto it = ctx.config().find(name);
  return it != ctx.config().end() && it->is_string() ? it->get<std::string>() : std::string();
}

// 404 unless `jurisdiction` (empty: not sent) names this tenant.
Status CheckJurisdiction(RequestContext& ctx, const std::string& jurisdiction) {
  if (jurisdiction.empty() || jurisdiction == ctx.tenant_slug()) return OkStatus();
  const std::string configured = ConfigText(ctx, "jurisdiction_id");
  if (!configured.empty() && jurisdiction == configured) return OkStatus();
  return NotFoundError(
      "jurisdiction_id no corresponde a este municipio: omítalo o use " +
      (configured.empty() ? "«" + ctx.tenant_slug() + "»" : "«" + configured + "»") + ".");
}
Status CheckQueryJurisdiction(RequestContext& ctx) {
  return CheckJurisdiction(ctx, ctx.Query("jurisdiction_id").value_or(""));
}

// "a, b,,c" -> {"a", "b", "c"}: trimmed, empty pieces dropped.
std::vector<std::string> CommaList(const std::string& text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    if (comma == std::string::npos) comma = text.size();
    std::string_view piece(text.data() + at, comma - at);
    while (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    while (!piece.empty() && piece.back() == ' ') piece.remove_suffix(1);
    if (!piece.empty()) out.emplace_back(piece);
    at = comma + 1;
  }
  return out;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int Digits(std::string_view text, size_t at, size_t count) {
  int value = 0;
  for (size_t i = at; i < at + count; ++i) value = value * 10 + (text[i] - '0');
  return value;
}
bool AllDigits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return false;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

// A W3C date/time (ISO 8601 subset) as Open311 clients send it, leniently:
// "2026-12-06", "2026-12-06T16:15Z", "2026-12-06T16:15:30.017+00:00",
// "...-0600"; without a zone it is read as UTC. Seconds since the epoch, or
// nullopt when it is not one.
std::optional<double> W3cSeconds(std::string_view text) {
  if (text.size() < 10 || text.size() > 40) return std::nullopt;
  if (!AllDigits(text, 0, 4) || text[4] != '-' || !AllDigits(text, 5, 2) || text[7] != '-' ||
      !AllDigits(text, 8, 2) || !plugin::IsCalendarDate(text.substr(0, 10))) {
    return std::nullopt;
  }
  double seconds = static_cast<double>(
                       DaysFromCivil(Digits(text, 0, 4), Digits(text, 5, 2), Digits(text, 8, 2))) *
                   86400.0;
  size_t at = 10;
  if (at == text.size()) return seconds;
  if (text[at] != 'T' && text[at] != 't' && text[at] != ' ') return std::nullopt;
  ++at;
  if (!AllDigits(text, at, 2) || at + 2 >= text.size() || text[at + 2] != ':' ||
      !AllDigits(text, at + 3, 2)) {
    return std::nullopt;
  }
  const int hour = Digits(text, at, 2), minute = Digits(text, at + 3, 2);
  if (hour > 23 || minute > 59) return std::nullopt;
  seconds += hour * 3600.0 + minute * 60.0;
  at += 5;
  if (at < text.size() && text[at] == ':') {
    if (!AllDigits(text, at + 1, 2)) return std::nullopt;
    const int second = Digits(text, at + 1, 2);
    if (second > 59) return std::nullopt;
    seconds += second;
    at += 3;
    if (at < text.size() && (text[at] == '.' || text[at] == ',')) {
      ++at;
      double scale = 0.1;
      const size_t start = at;
      while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
        seconds += (text[at] - '0') * scale;
        scale /= 10;
        ++at;
      }
      if (at == start || at - start > 9) return std::nullopt;
    }
  }
  if (at == text.size()) return seconds;  // no zone: UTC
  const std::string_view zone = text.substr(at);
  if (zone == "Z" || zone == "z") return seconds;
  if (zone[0] != '+' && zone[0] != '-') return std::nullopt;
  int zh = 0, zm = 0;
  if (zone.size() == 6 && AllDigits(zone, 1, 2) && zone[3] == ':' && AllDigits(zone, 4, 2)) {
    zh = Digits(zone, 1, 2);
    zm = Digits(zone, 4, 2);
  } else if (zone.size() == 5 && AllDigits(zone, 1, 4)) {
    zh = Digits(zone, 1, 2);
    zm = Digits(zone, 3, 2);
  } else if (zone.size() == 3 && AllDigits(zone, 1, 2)) {
    zh = Digits(zone, 1, 2);
  } else {
    return std::nullopt;
  }
  if (zh > 14 || zm > 59) return std::nullopt;
  const double offset = zh * 3600.0 + zm * 60.0;
  // Local time = UTC + offset, so UTC = local - offset.
  return zone[0] == '+' ? seconds - offset : seconds + offset;
}

// GET discovery.json: the object the specification's Service Discovery
// describes, with one production endpoint: this tenant's base URL, from
// the configured public origin (never from the Host header: the answer is
// publicly cached), or the path from the root without one.
StatusOr<HttpResponse> Discovery(RequestContext& ctx) {
  CABILDO_RETURN_IF_ERROR(CheckQueryJurisdiction(ctx));
  std::string origin = ConfigText(ctx, "public_base_url");
  while (!origin.empty() && origin.back() == '/') origin.pop_back();
  const std::string url =
      origin + "/v1/tenants/" + ctx.tenant_slug() + "/service-requests/open311/v2";
  // The catalogue's last change is when this endpoint last changed for a client.
  const pqxx::row changed = plugin::Exec1(
      ctx, "service-requests.open311_changeset",
      "SELECT coalesce(to_char(max(updated_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), "
      "'2026-12-01 00:00') FROM service_requests.services WHERE tenant_id = $1",
      ctx.tenant_id());
  const std::string changeset = changed[0].as<std::string>();
  std::string contact = ConfigText(ctx, "contact");
  if (contact.empty()) contact = "Municipio: " + ctx.tenant().name + ".";
  std::string key_service = ConfigText(ctx, "key_service");
  if (key_service.empty()) {
    key_service = "Pida una clave de API a la administración de " + ctx.tenant().name +
                  " (la emite en Cabildo: POST /v1/tenants/" + ctx.tenant_slug() +
                  "/service-requests/api-keys).";
  }
  return HttpResponse::Json(200, {{"changeset", changeset},
                                  {"contact", contact},
                                  {"key_service", key_service},
                                  {"endpoints",
                                   {{{"specification", kSpecification},
                                     {"url", url},
                                     {"changeset", changeset},
                                     {"type", "production"},
                                     {"formats", {"application/json"}}}}}});
}

// GET services.json: the tenant's active services.
StatusOr<HttpResponse> ListServices(RequestContext& ctx) {
  CABILDO_RETURN_IF_ERROR(CheckQueryJurisdiction(ctx));
  const pqxx::result rows = plugin::Exec(
      ctx, "service-requests.open311_services",
      "SELECT json_build_object('service_code', service_code, 'service_name', name, "
      "'description', description, 'metadata', jsonb_array_length(attributes) > 0, "
      "'type', type, 'keywords', array_to_string(keywords, ', '), 'group', group_name)::text "
      "FROM service_requests.services WHERE tenant_id = $1 AND deleted_at IS NULL AND active "
      "ORDER BY group_name, service_code",
      ctx.tenant_id());
  return JsonText(200, ArrayOf(rows));
}

// GET services/{service_code}.json: the definition (an object).
StatusOr<HttpResponse> ServiceDefinition(RequestContext& ctx) {
  CABILDO_RETURN_IF_ERROR(CheckQueryJurisdiction(ctx));
  const std::string& code = ctx.PathParam("service_code");
  const pqxx::result rows =
      code.size() > 64 ? pqxx::result()
                       : plugin::Exec(ctx, "service-requests.open311_definition",
                                      "SELECT attributes::text FROM service_requests.services "
                                      "WHERE tenant_id = $1 AND service_code = $2 "
                                      "AND deleted_at IS NULL AND active",
                                      ctx.tenant_id(), code);
  if (rows.empty()) return NotFoundError("No existe el servicio o ya no recibe reportes.");
  json attributes = json::parse(rows[0][0].as<std::string>(), nullptr, false);
  if (!attributes.is_array()) attributes = json::array();
  return HttpResponse::Json(
      200, {{"service_code", code}, {"attributes", PublishedAttributes(attributes)}});
}

// GET requests.json: filters as the specification says; newest first, at
// most 1,000.
StatusOr<HttpResponse> ListRequests(RequestContext& ctx) {
  CABILDO_RETURN_IF_ERROR(CheckQueryJurisdiction(ctx));
  // service_request_id overrides every other argument.
  if (const std::string ids = ctx.Query("service_request_id").value_or(""); !ids.empty()) {
    std::vector<std::string> folios;
    for (const std::string& id : CommaList(ids)) {
      // A folio is a positive number; anything else names no request.
      if (id.size() <= 18 && plugin::IsDigits(id)) folios.push_back(id);
    }
    if (folios.size() > static_cast<size_t>(kOpen311MaxRequests)) {
      return InvalidArgumentError("service_request_id admite hasta 1000 folios.");
    }
    const pqxx::result rows =
        plugin::Exec(ctx, "service-requests.open311_requests_by_id",
                     CABILDO_SR_OPEN311_SELECT
                     "WHERE r.tenant_id = $1 AND r.folio = ANY ($2::bigint[]) "
                     "ORDER BY r.requested_at DESC, r.id DESC LIMIT $3",
                     ctx.tenant_id(), plugin::PgArray(folios), kOpen311MaxRequests);
    return JsonText(200, ArrayOf(rows));
  }
  std::optional<std::vector<std::string>> codes;
  if (std::vector<std::string> list = CommaList(ctx.Query("service_code").value_or(""));
      !list.empty()) {
    if (list.size() > 100) return InvalidArgumentError("service_code admite hasta 100 códigos.");
    codes = std::move(list);
  }
  bool open = false, closed = false;
  for (const std::string& status : CommaList(ctx.Query("status").value_or(""))) {
    if (status == "open") {
      open = true;
    } else if (status == "closed") {
      closed = true;
    } else {
      return InvalidArgumentError("status es open o closed (o ambos, separados por coma).");
    }
  }
  std::optional<std::string> only_status;
  if (open != closed) only_status = open ? "open" : "closed";

  std::optional<double> start, end;
  for (const char* name : {"start_date", "end_date"}) {
    const std::string text = ctx.Query(name).value_or("");
    if (text.empty()) continue;
    std::optional<double> seconds = W3cSeconds(text);
    if (!seconds) {
      return InvalidArgumentError(std::string(name) +
                                  " debe ser una fecha W3C con zona horaria, p. ej. "
                                  "2026-12-01T00:00:00Z o 2026-12-01T00:00:00-06:00.");
    }
    (name[0] == 's' ? start : end) = seconds;
  }
  constexpr double kWindow = kOpen311DefaultWindowDays * 86400.0;
  if (start && end) {
    if (*end < *start) return InvalidArgumentError("end_date es anterior a start_date.");
    if (*end - *start > kWindow) {
      return InvalidArgumentError(
          "El rango de start_date a end_date no puede pasar de 90 días; pida varios rangos.");
    }
  } else if (start) {
    end = *start + kWindow;  // the 90 days from start_date
  } else if (end) {
    start = *end - kWindow;  // the 90 days up to end_date
  }
  // Neither: the most recent 90 days (start null: now() - 90 days).
  const pqxx::result rows = plugin::Exec(
      ctx, "service-requests.open311_requests",
      CABILDO_SR_OPEN311_SELECT
      "WHERE r.tenant_id = $1 "
      "AND r.requested_at >= coalesce(to_timestamp($2::float8), now() - make_interval(days => $6)) "
      "AND ($3::float8 IS NULL OR r.requested_at <= to_timestamp($3::float8)) "
      "AND ($4::text[] IS NULL OR s.service_code = ANY ($4::text[])) "
      "AND ($5::text IS NULL OR " CABILDO_SR_OPEN311_STATUS("r.status") " = $5::text) "
      "ORDER BY r.requested_at DESC, r.id DESC LIMIT $7",
      ctx.tenant_id(), start, end,
      codes ? std::optional<std::string>(plugin::PgArray(*codes)) : std::nullopt, only_status,
      kOpen311DefaultWindowDays, kOpen311MaxRequests);
  return JsonText(200, ArrayOf(rows));
}

// GET requests/{service_request_id}.json: a one-element array.
StatusOr<HttpResponse> GetRequest(RequestContext& ctx) {
  CABILDO_RETURN_IF_ERROR(CheckQueryJurisdiction(ctx));
  const std::string& id = ctx.PathParam("service_request_id");
  if (id.empty() || id.size() > 18 || !plugin::IsDigits(id)) {
    return NotFoundError(kRequestNotFound);
  }
  const pqxx::result rows =
      plugin::Exec(ctx, "service-requests.open311_request",
                   CABILDO_SR_OPEN311_SELECT "WHERE r.tenant_id = $1 AND r.folio = $2::bigint",
                   ctx.tenant_id(), id);
  if (rows.empty()) return NotFoundError(kRequestNotFound);
  return JsonText(200, ArrayOf(rows));
}

// GET tokens/{token}.json: [{service_request_id, token}].
StatusOr<HttpResponse> GetToken(RequestContext& ctx) {
  CABILDO_RETURN_IF_ERROR(CheckQueryJurisdiction(ctx));
  const std::string& token = ctx.PathParam("token");
  bool shape = token.size() == 32;
  for (const char c : token) shape = shape && plugin::IsLowerHex(c);
  if (!shape) return NotFoundError("No existe el token.");
  const pqxx::result rows = plugin::Exec(ctx, "service-requests.open311_token",
                                         "SELECT folio::text FROM service_requests.requests "
                                         "WHERE tenant_id = $1 AND token = $2",
                                         ctx.tenant_id(), token);
  if (rows.empty()) return NotFoundError("No existe el token.");
  return HttpResponse::Json(
      200, json::array({{{"service_request_id", rows[0][0].as<std::string>()}, {"token", token}}}));
}

// POST requests.json: an app (its api_key) reports for a citizen.
StatusOr<HttpResponse> PostRequest(RequestContext& ctx) {
  const json& body = ctx.Body();
  auto text = [&](const char* name) -> std::string {
    auto it = body.find(name);
    if (it == body.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number()) return it->dump();  // a JSON body may send lat/long as numbers
    return {};
  };
  std::string jurisdiction = text("jurisdiction_id");
  if (jurisdiction.empty()) jurisdiction = ctx.Query("jurisdiction_id").value_or("");
  CABILDO_RETURN_IF_ERROR(CheckJurisdiction(ctx, jurisdiction));
  const std::string key = text("api_key");
  if (key.empty()) {
    return PermissionDeniedError(
        "Falta api_key: la aplicación debe enviar la clave de API que le emitió el municipio.");
  }
  const std::optional<std::string> key_id = ApiKeyId(ctx, key);
  if (!key_id) {
    return PermissionDeniedError(
        "La api_key no es válida o fue revocada: no se puede crear el reporte.");
  }
  auto limit = ctx.config().find("api_key_requests_per_minute");
  CABILDO_RETURN_IF_ERROR(ctx.RateLimit(
      "reports-per-key", *key_id,
      limit != ctx.config().end() && limit->is_number_integer() ? limit->get<int64_t>() : 60));

  Report report;
  report.service_code = text("service_code");
  if (body.contains("lat")) report.lat = text("lat");
  if (body.contains("long")) report.lon = text("long");
  report.address_string = text("address_string");
  report.address_id = text("address_id");
  report.zipcode = text("zipcode");
  report.description = text("description");
  report.media_url = text("media_url");
  if (auto it = body.find("attribute"); it != body.end() && it->is_object()) {
    report.attributes = *it;
  }
  for (const char* name :
       {"email", "phone", "first_name", "last_name", "device_id", "account_id"}) {
    if (std::string value = text(name); !value.empty()) report.contact[name] = std::move(value);
  }
  report.api_key_id = *key_id;
  // An app that also signs its user in (Authorization: Bearer) files the
  // report under that account, so it shows in GET /requests/mine as a native
  // report would; anonymous (empty user id): nobody's.
  report.reporter_id = ctx.principal().user_id;
  CABILDO_ASSIGN_OR_RETURN(IntakeResult result, TakeIn(ctx, report));
  if (result.rejection) return std::move(*result.rejection);
  const Received& received = *result.received;
  json item = json::object();
  if (received.service_type == "batch") {
    item["token"] = received.token;
  } else {
    item["service_request_id"] = received.service_request_id;
  }
  item["service_notice"] = received.service_notice;
  const std::string account = text("account_id");
  item["account_id"] = account.empty() ? json(nullptr) : json(account);
  return HttpResponse::Json(200, json::array({item}));
}

}  // namespace

void RegisterOpen311(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  using plugin::ParamType;
  const plugin::QueryParam jurisdiction = {
      .name = "jurisdiction_id",
      .schema = {{"type", "string"}, {"maxLength", 200}},
      .description =
          "Opcional: el jurisdiction_id configurado del municipio o su slug (404 si "
          "es otro); vacío equivale a no enviarlo."};
  const std::string errors =
      " Los errores son el arreglo de Open311 [{code, description}]: 404 lo que no existe (o un "
      "jurisdiction_id de otro municipio), 400 lo demás.";
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/open311/v2/discovery.json",
       .operation_id = "serviceRequestsOpen311Discovery",
       .summary = "Open311: descubrimiento",
       .description =
           "Documento de descubrimiento de Open311 GeoReport v2 (un objeto): contacto, dónde pedir "
           "una clave de API y la dirección base del municipio (url), a la que se agregan "
           "/services.json, /requests.json, etc. La url es absoluta si el municipio configuró "
           "public_base_url; si no, es la ruta desde la raíz." +
           errors,
       .query = {jurisdiction},
       .response_body = "ServiceRequestsOpen311Discovery",
       .error_format = plugin::ErrorFormat::kOpen311,
       .handler = &Discovery});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/open311/v2/services.json",
       .operation_id = "serviceRequestsOpen311ListServices",
       .summary = "Open311: lista de servicios",
       .description =
           "Los servicios activos del municipio, como arreglo de Open311 (GET Service "
           "List). metadata true: hay atributos que responder (services/{código}.json)." +
           errors,
       .query = {jurisdiction},
       .response_body = "ServiceRequestsOpen311ServiceList",
       .error_format = plugin::ErrorFormat::kOpen311,
       .handler = &ListServices});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/open311/v2/services/{service_code}.json",
       .operation_id = "serviceRequestsOpen311ServiceDefinition",
       .summary = "Open311: definición de un servicio",
       .description = "Los atributos de un servicio activo (GET Service Definition), como objeto "
                      "{service_code, attributes}; 404 si no existe o está inactivo." +
                      errors,
       .path_params = {{.name = "service_code",
                        .type = ParamType::kText,
                        .description = "El service_code del servicio."}},
       .query = {jurisdiction},
       .response_body = "ServiceRequestsOpen311ServiceDefinition",
       .error_format = plugin::ErrorFormat::kOpen311,
       .handler = &ServiceDefinition});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/open311/v2/requests.json",
       .operation_id = "serviceRequestsOpen311ListRequests",
       .summary = "Open311: solicitudes",
       .description =
           "Las solicitudes del municipio (GET Service Requests), de la más reciente a la más "
           "antigua, hasta 1000. service_request_id (folios separados por coma) anula los demás "
           "filtros. service_code y status (open, closed) admiten listas separadas por coma. "
           "start_date y end_date filtran por requested_datetime, en formato W3C con zona "
           "(2026-12-01T00:00:00Z; sin zona se leen en UTC) y no pueden abarcar más de 90 días "
           "(400); con solo start_date se entregan los 90 días que siguen, con solo end_date los "
           "90 anteriores, y sin ninguna los últimos 90 días." +
           errors,
       .query = {jurisdiction,
                 {.name = "service_request_id",
                  .schema = {{"type", "string"}, {"maxLength", 20000}},
                  .description = "Folios separados por coma; anula los demás filtros."},
                 {.name = "service_code",
                  .schema = {{"type", "string"}, {"maxLength", 7000}},
                  .description = "Códigos de servicio separados por coma."},
                 {.name = "start_date",
                  .schema = {{"type", "string"}, {"maxLength", 40}},
                  .description = "Desde (W3C con zona)."},
                 {.name = "end_date",
                  .schema = {{"type", "string"}, {"maxLength", 40}},
                  .description = "Hasta (W3C con zona)."},
                 {.name = "status",
                  .schema = {{"type", "string"}, {"maxLength", 100}},
                  .description = "open, closed, o ambos separados por coma."}},
       .response_body = "ServiceRequestsOpen311RequestList",
       .error_format = plugin::ErrorFormat::kOpen311,
       .handler = &ListRequests});
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/open311/v2/requests.json",
       .operation_id = "serviceRequestsOpen311CreateRequest",
       .summary = "Open311: reportar un problema",
       .description =
           "POST Service Request de Open311, como lo envían las aplicaciones existentes: "
           "application/x-www-form-urlencoded (o JSON) con api_key (403 si falta, no es válida o "
           "fue revocada), service_code (400 si falta, 404 si no existe o está inactivo), una "
           "ubicación (lat y long, o address_string, o address_id; 400 si falta), "
           "attribute[código]=valor y attribute[código][]=valor para multivaluelist (400 si un "
           "valor no es válido o falta uno obligatorio), description hasta 4,000 caracteres sin "
           "HTML, media_url http(s) y el contacto opcional (email, phone, first_name, last_name, "
           "device_id, account_id), que se guarda cifrado y nunca se publica. Si la aplicación "
           "envía además Authorization: Bearer de la persona, el reporte queda en su cuenta y "
           "aparece en GET /requests/mine. Cada clave tiene "
           "un límite de reportes por minuto (api_key_requests_per_minute, 60 por omisión) y "
           "cada dirección de origen otro (reports_per_address_per_minute): 429 con Retry-After. "
           "Responde 200 (lo que comprueban las aplicaciones) con un arreglo de un objeto: "
           "service_request_id (el folio), o token para un servicio batch (tokens/{token}.json "
           "da el folio), service_notice en español y account_id. Un reporte del mismo servicio "
           "a menos de 30 m de una solicitud abierta de las últimas 24 horas queda ligado a ella "
           "como duplicada, y service_notice lo dice." +
           errors + " 403 para api_key; 429 al pasar un límite.",
       .query = {jurisdiction},
       .request_body = "ServiceRequestsOpen311ReportInput",
       .response_body = "ServiceRequestsOpen311Created",
       .success_status = 200,
       .body_format = plugin::BodyFormat::kForm,
       .error_format = plugin::ErrorFormat::kOpen311,
       .handler = &PostRequest});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/open311/v2/requests/{service_request_id}.json",
       .operation_id = "serviceRequestsOpen311GetRequest",
       .summary = "Open311: una solicitud",
       .description = "Una solicitud por su folio (GET Service Request), como arreglo de un "
                      "elemento; 404 si no existe." +
                      errors,
       .path_params = {{.name = "service_request_id",
                        .type = ParamType::kText,
                        .description = "El folio (service_request_id)."}},
       .query = {jurisdiction},
       .response_body = "ServiceRequestsOpen311RequestList",
       .error_format = plugin::ErrorFormat::kOpen311,
       .handler = &GetRequest});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/open311/v2/tokens/{token}.json",
       .operation_id = "serviceRequestsOpen311GetToken",
       .summary = "Open311: folio de un token",
       .description = "El service_request_id (folio) de un reporte enviado a un servicio batch, "
                      "como arreglo [{service_request_id, token}]; 404 si el token no existe." +
                      errors,
       .path_params = {{.name = "token",
                        .type = ParamType::kText,
                        .description = "El token que respondió POST requests.json."}},
       .query = {jurisdiction},
       .response_body = "ServiceRequestsOpen311Token",
       .error_format = plugin::ErrorFormat::kOpen311,
       .handler = &GetToken});
}

}  // namespace cabildo::plugins::service_requests
