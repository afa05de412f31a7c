// Taking in a report from either door: Open311's POST requests.json
// (open311.cc, an app holding an API key) and the native POST /requests
// (here, a signed-in citizen). TakeIn checks everything a report says
// against its service, applies the per-address limit and the duplicate
// rule, seals the reporter's contact and stores the request with its first
// event and audit entry; AppendEvent writes the public history.
//
// Concurrency: every report takes the tenant's folio row (INSERT ... ON
// CONFLICT DO UPDATE) before it looks for a duplicate, so two reports of the
// same tenant are stored one after the other: the second one's duplicate
// search (a new statement, READ COMMITTED) sees the first once committed.
// The cost is that a tenant's reports are serialised for the few
// milliseconds of an insert, which a municipality's volume allows.
//
// Privacy: the contact goes only into reporter_contact, sealed with the
// instance's data key and bound to the request's id; no message, log or
// audit entry carries it.
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attributes.h"
#include "service_requests.h"

namespace cabildo::plugins::service_requests {
namespace {

using nlohmann::json;
using plugin::FieldError;
using plugin::HttpResponse;
using plugin::RequestContext;

constexpr size_t kMaxAddressChars = 500;
constexpr size_t kMaxAddressIdChars = 200;
constexpr size_t kMaxMediaUrlBytes = 2000;
constexpr size_t kMaxNameChars = 100;
constexpr size_t kMaxDeviceChars = 200;

// Characters (UTF-8 code points) of already valid UTF-8 text.
size_t Chars(std::string_view text) {
  size_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// Whether `text` holds something that looks like an HTML tag, comment or
// declaration: '<' followed by a letter, '/', '!' or '?'. "a < b" and "<3"
// are fine.
bool HasHtml(std::string_view text) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '<') continue;
    const char next = text[i + 1];
    if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || next == '/' ||
        next == '!' || next == '?') {
      return true;
    }
  }
  return false;
}

// A coordinate sent as text ("25.5612", "-103.4977"): a finite decimal
// number within [-limit, limit]; nullopt otherwise. Bounded before parsing.
std::optional<double> Coordinate(const std::string& text, double limit) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) {
      return std::nullopt;  // no "inf", "nan", hex or spaces
    }
  }
  const char* begin = text.data();
  if (*begin == '+' && text.size() > 1 && text[1] != '-' && text[1] != '+') ++begin;
  double value = 0;
  const auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value < -limit || value > limit) {
    return std::nullopt;
  }
  return value;
}

// The phone as 10 digits: spaces, dashes, dots, parentheses and a leading
// +52 (Mexico's country code) dropped. nullopt when what is left is not 10
// digits.
std::optional<std::string> TenDigitPhone(const std::string& text) {
  if (text.size() > 40) return std::nullopt;
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && digits.empty() && i + 2 < text.size() && text.compare(i, 3, "+52") == 0) {
      i += 2;
      continue;
    }
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') continue;
    if (c < '0' || c > '9') return std::nullopt;
    digits.push_back(c);
  }
  if (digits.size() == 12 && digits.compare(0, 2, "52") == 0) digits.erase(0, 2);
  if (digits.size() != 10) return std::nullopt;
  return digits;
}

// The contact as it will be sealed: only the fields given (non-empty),
// checked; errors name "email", "phone", ... (never quoting the value).
json CheckContact(const json& contact, std::vector<FieldError>& errors) {
  json out = json::object();
  if (!contact.is_object()) return out;
  auto text = [&](const char* name) -> std::string {
    auto it = contact.find(name);
    return it != contact.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (const std::string email = text("email"); !email.empty()) {
    if (plugin::IsEmailShape(email)) {
      out["email"] = email;
    } else {
      errors.push_back({"email", "El correo electrónico no es válido (nombre@dominio.mx)."});
    }
  }
  if (const std::string phone = text("phone"); !phone.empty()) {
    if (std::optional<std::string> digits = TenDigitPhone(phone)) {
      out["phone"] = *digits;
    } else {
      errors.push_back(
          {"phone", "El teléfono son 10 dígitos (se aceptan espacios, guiones y el +52)."});
    }
  }
  for (const char* name : {"first_name", "last_name"}) {
    if (const std::string value = text(name); !value.empty()) {
      if (Chars(value) <= kMaxNameChars) {
        out[name] = value;
      } else {
        errors.push_back({name, "El nombre admite hasta 100 caracteres."});
      }
    }
  }
  for (const char* name : {"device_id", "account_id"}) {
    if (const std::string value = text(name); !value.empty()) {
      if (Chars(value) <= kMaxDeviceChars) {
        out[name] = value;
      } else {
        errors.push_back({name, "Admite hasta 200 caracteres."});
      }
    }
  }
  return out;
}

// What intake needs of a service: found only when live and active.
struct ServiceFacts {
  std::string id;
  std::string name;
  std::string type;
  json attributes = json::array();
  std::string agency;
  std::string new_request_id;  // a fresh id for the request
};

std::optional<ServiceFacts> FindActiveService(RequestContext& ctx, const std::string& code) {
  const pqxx::result rows =
      plugin::Exec(ctx, "service-requests.intake_service",
                   "SELECT id::text, name, type, attributes::text, agency_responsible, "
                   "gen_random_uuid()::text FROM service_requests.services "
                   "WHERE tenant_id = $1 AND service_code = $2 AND deleted_at IS NULL AND active",
                   ctx.tenant_id(), code);
  if (rows.empty()) return std::nullopt;
  ServiceFacts facts;
  facts.id = rows[0][0].as<std::string>();
  facts.name = rows[0][1].as<std::string>();
  facts.type = rows[0][2].as<std::string>();
  facts.attributes = json::parse(rows[0][3].as<std::string>(), nullptr, false);
  if (!facts.attributes.is_array()) facts.attributes = json::array();
  facts.agency = rows[0][4].as<std::string>();
  facts.new_request_id = rows[0][5].as<std::string>();
  return facts;
}

bool IsServiceCode(const std::string& code) {
  if (code.empty() || code.size() > 64) return false;
  for (const char c : code) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-')) {
      return false;
    }
  }
  return true;
}

int64_t ConfigLimit(RequestContext& ctx, const char* name, int64_t fallback) {
  auto it = ctx.config().find(name);
  return it != ctx.config().end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

// The latitude/longitude box that holds every point within
// kDuplicateRadiusMeters of (lat, lon), a little larger: lets the index
// prefilter before the exact distance.
constexpr double kEarthRadiusMeters = 6371000.0;
constexpr double kPi = 3.14159265358979323846;
double LatMargin() { return kDuplicateRadiusMeters * 1.1 / kEarthRadiusMeters * 180.0 / kPi; }
double LonMargin(double lat) {
  const double c = std::cos(lat * kPi / 180.0);
  return std::min(180.0, LatMargin() / std::max(c, 0.001));
}

}  // namespace

StatusOr<IntakeResult> TakeIn(RequestContext& ctx, const Report& report) {
  // Anonymous abuse first: every attempt from an address counts, so a
  // client cannot probe the rules at full speed either.
  CABILDO_RETURN_IF_ERROR(ctx.RateLimit("reports-per-address", ctx.client_address(),
                                        ConfigLimit(ctx, "reports_per_address_per_minute", 10)));
  std::vector<FieldError> errors;
  std::optional<ServiceFacts> service;
  if (report.service_code.empty()) {
    errors.push_back({"service_code",
                      "Falta service_code: el código del servicio que reporta (consulte "
                      "services.json)."});
  } else {
    if (IsServiceCode(report.service_code)) service = FindActiveService(ctx, report.service_code);
    if (!service) {
      return NotFoundError(
          IsServiceCode(report.service_code)
              ? "No existe el servicio «" + report.service_code +
                    "» o ya no recibe reportes; consulte los disponibles en services.json."
              : std::string(kServiceNotFound));
    }
  }

  // Location: lat and long together, or an address, or an address id.
  const std::string lat_text = report.lat.value_or("");
  const std::string lon_text = report.lon.value_or("");
  std::optional<double> lat, lon;
  if (!lat_text.empty() || !lon_text.empty()) {
    if (lat_text.empty()) {
      errors.push_back({"lat", "Envíe lat junto con long (grados decimales WGS84)."});
    } else if (!(lat = Coordinate(lat_text, 90))) {
      errors.push_back({"lat", "La latitud es un número de -90 a 90 (grados decimales WGS84)."});
    }
    if (lon_text.empty()) {
      errors.push_back({"long", "Envíe long junto con lat (grados decimales WGS84)."});
    } else if (!(lon = Coordinate(lon_text, 180))) {
      errors.push_back(
          {"long", "La longitud es un número de -180 a 180 (grados decimales WGS84)."});
    }
  } else if (report.address_string.empty() && report.address_id.empty()) {
    errors.push_back({"lat",
                      "Falta la ubicación: envíe lat y long, o address_string (calle y número), "
                      "o address_id."});
  }
  if (Chars(report.address_string) > kMaxAddressChars) {
    errors.push_back({"address_string", "La dirección admite hasta 500 caracteres."});
  }
  if (Chars(report.address_id) > kMaxAddressIdChars) {
    errors.push_back({"address_id", "address_id admite hasta 200 caracteres."});
  }
  if (!report.zipcode.empty() && !plugin::IsDigitsOfLength(report.zipcode, {5})) {
    errors.push_back({"zipcode", "El código postal son 5 dígitos."});
  }
  if (Chars(report.description) > kMaxDescriptionChars) {
    errors.push_back({"description", "La descripción admite hasta 4,000 caracteres."});
  } else if (HasHtml(report.description)) {
    errors.push_back({"description",
                      "La descripción es texto simple: sin etiquetas HTML (nada como <b> o "
                      "<a href>)."});
  }
  if (!report.media_url.empty() && !plugin::IsHttpUrl(report.media_url, kMaxMediaUrlBytes)) {
    errors.push_back({"media_url",
                      "media_url es la dirección http o https de una foto publicada en otro "
                      "sitio (hasta 2,000 caracteres); este servidor no recibe archivos."});
  }
  json answers = json::object();
  if (service) {
    CheckedAnswers checked = CheckAnswers(service->attributes, report.attributes);
    answers = std::move(checked.values);
    errors.insert(errors.end(), checked.errors.begin(), checked.errors.end());
  }
  const json contact = CheckContact(report.contact, errors);
  if (!errors.empty()) return IntakeResult{std::nullopt, ctx.FieldErrors(errors)};

  const std::string& id = service->new_request_id;
  std::optional<std::string> sealed;
  if (!contact.empty()) {
    CABILDO_ASSIGN_OR_RETURN(sealed, ctx.SealPersonalData(contact.dump(), id));
  }

  // The folio first: it also queues this tenant's reports (see the top).
  const int64_t folio =
      plugin::Exec1(ctx, "service-requests.next_folio",
                    "INSERT INTO service_requests.folios AS f (tenant_id, last) VALUES ($1, 1) "
                    "ON CONFLICT (tenant_id) DO UPDATE SET last = f.last + 1 RETURNING last",
                    ctx.tenant_id())[0]
          .as<int64_t>();

  // The duplicate rule: the oldest open request of the same service within
  // 30 m (haversine) reported within the last 24 h.
  std::optional<std::string> duplicate_of, duplicate_folio;
  if (lat && lon) {
    const pqxx::result same =
        plugin::Exec(ctx, "service-requests.find_duplicate",
                     "SELECT r.id::text, r.folio::text FROM service_requests.requests r "
                     "WHERE r.tenant_id = $1 AND r.service_id = $2::uuid "
                     "AND r.status IN " +
                         std::string(kOpenStatusesSql) +
                         " AND r.lat IS NOT NULL "
                         "AND r.requested_at > now() - make_interval(hours => $7) "
                         "AND r.lat BETWEEN $3::float8 - $5::float8 AND $3::float8 + $5::float8 "
                         "AND r.long BETWEEN $4::float8 - $6::float8 AND $4::float8 + $6::float8 "
                         "AND 2 * 6371000.0 * asin(least(1.0, sqrt("
                         "  power(sin(radians(r.lat - $3::float8) / 2), 2) + "
                         "  cos(radians($3::float8)) * cos(radians(r.lat)) * "
                         "  power(sin(radians(r.long - $4::float8) / 2), 2)))) <= $8::float8 "
                         "ORDER BY r.requested_at, r.id LIMIT 1",
                     ctx.tenant_id(), service->id, *lat, *lon, LatMargin(), LonMargin(*lat),
                     kDuplicateWindowHours, kDuplicateRadiusMeters);
    if (!same.empty()) {
      duplicate_of = same[0][0].as<std::string>();
      duplicate_folio = same[0][1].as<std::string>();
    }
  }

  Received received;
  received.id = id;
  received.service_request_id = std::to_string(folio);
  received.token = ctx.NewSecret().substr(0, 32);
  received.service_type = service->type;
  received.duplicate_of_service_request_id = duplicate_folio;
  std::string status_notes;
  if (duplicate_folio) {
    received.service_notice = "Recibimos su reporte con folio " + received.service_request_id +
                              ". Ya hay un reporte abierto del mismo problema en ese lugar, el "
                              "folio " +
                              *duplicate_folio + "; quedó ligado a él: siga su avance ahí.";
    status_notes = "Duplicado de la solicitud con folio " + *duplicate_folio + ".";
  } else {
    received.service_notice =
        "Recibimos su reporte con folio " + received.service_request_id +
        (service->agency.empty() ? "." : "; lo atiende " + service->agency + ".");
  }

  plugin::Exec(
      ctx, "service-requests.insert_request",
      "INSERT INTO service_requests.requests (tenant_id, id, folio, token, service_id, status, "
      "status_notes, agency_responsible, service_notice, description, lat, long, address, "
      "address_id, zipcode, media_url, attributes, duplicate_of, reporter_id, api_key_id, "
      "reporter_contact, closed_at) "
      "VALUES ($1, $2::uuid, $3, $4, $5::uuid, CASE WHEN $17::uuid IS NULL THEN 'received' "
      "ELSE 'duplicate' END, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, "
      "$17::uuid, nullif($18, '')::uuid, nullif($19, '')::uuid, $20, "
      "CASE WHEN $17::uuid IS NULL THEN NULL ELSE now() END)",
      ctx.tenant_id(), id, folio, received.token, service->id, status_notes, service->agency,
      received.service_notice, report.description, lat, lon, report.address_string,
      report.address_id, report.zipcode, report.media_url, answers.dump(), duplicate_of,
      report.reporter_id, report.api_key_id, sealed);
  AppendEvent(ctx, id);

  const std::string view = plugin::Exec1(ctx, "service-requests.intake_view",
                                         std::string("SELECT ") + kRequestItemJson + kRequestFrom +
                                             "WHERE r.tenant_id = $1 AND r.id = $2::uuid",
                                         ctx.tenant_id(), id)[0]
                               .as<std::string>();
  CABILDO_RETURN_IF_ERROR(ctx.Audit(
      "request.create", "request", id,
      json{{"after", json::parse(view, nullptr, false)},
           {"channel", report.api_key_id.empty() ? "native" : "open311"},
           {"api_key_id", report.api_key_id.empty() ? json(nullptr) : json(report.api_key_id)}}));
  return IntakeResult{std::move(received), std::nullopt};
}

void AppendEvent(RequestContext& ctx, const std::string& request_id) {
  plugin::Exec(ctx, "service-requests.append_event",
               "INSERT INTO service_requests.events (tenant_id, request_id, status, status_notes, "
               "agency_responsible, expected_at) "
               "SELECT tenant_id, id, status, status_notes, agency_responsible, expected_at "
               "FROM service_requests.requests WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), request_id);
}

namespace {

// The native door: a signed-in citizen reports with a JSON body
// (ServiceRequestsReportInput); 201 with the request as anyone sees it,
// service_notice included.
StatusOr<HttpResponse> SubmitReport(RequestContext& ctx) {
  const json& body = ctx.Body();
  auto text = [&](const char* name) -> std::string {
    auto it = body.find(name);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Report report;
  report.service_code = text("service_code");
  // Numbers as JSON writes them (shortest text that reads back the same).
  if (auto it = body.find("lat"); it != body.end() && it->is_number()) report.lat = it->dump();
  if (auto it = body.find("long"); it != body.end() && it->is_number()) report.lon = it->dump();
  report.address_string = text("address_string");
  report.address_id = text("address_id");
  report.zipcode = text("zipcode");
  report.description = text("description");
  report.media_url = text("media_url");
  if (auto it = body.find("attributes"); it != body.end() && it->is_object()) {
    report.attributes = *it;
  }
  if (auto it = body.find("contact"); it != body.end() && it->is_object()) report.contact = *it;
  report.reporter_id = ctx.principal().user_id;
  CABILDO_ASSIGN_OR_RETURN(IntakeResult result, TakeIn(ctx, report));
  if (result.rejection) return std::move(*result.rejection);
  const std::string view = plugin::Exec1(ctx, "service-requests.intake_view",
                                         std::string("SELECT ") + kRequestItemJson + kRequestFrom +
                                             "WHERE r.tenant_id = $1 AND r.id = $2::uuid",
                                         ctx.tenant_id(), result.received->id)[0]
                               .as<std::string>();
  HttpResponse created = HttpResponse::Json(201, json::parse(view, nullptr, false));
  created.headers.emplace_back("Location", "/v1/tenants/" + ctx.tenant_slug() +
                                               "/service-requests/requests/" + result.received->id);
  return created;
}

}  // namespace

void RegisterIntake(plugin::PluginRegistrar& registrar) {
  registrar.AddRoute(
      {.method = plugin::HttpMethod::kPost,
       .path = "/requests",
       .permission = kReport,
       .operation_id = "serviceRequestsSubmitReport",
       .summary = "Reportar un problema",
       .description =
           "Cualquier persona con sesión iniciada reporta un problema de uno de los servicios "
           "activos del municipio (404 si el service_code no existe o ya no recibe reportes). "
           "Pide una ubicación: lat y long juntos, o address_string, o address_id. Revisa todo "
           "a la vez (422, un error por campo): la descripción hasta 4,000 caracteres y sin "
           "HTML, media_url http(s) (el servidor no recibe archivos), el código postal de 5 "
           "dígitos, las respuestas a los atributos del servicio y el contacto (correo, "
           "teléfono de 10 dígitos). El contacto se guarda cifrado y nunca se publica. Si hay "
           "una solicitud abierta del mismo servicio a menos de 30 m reportada en las últimas "
           "24 horas, esta queda como duplicate ligada a ella, y service_notice lo dice. Cada "
           "dirección de origen tiene un límite de reportes por minuto (429). Responde 201 con "
           "la solicitud como la ve cualquiera; quién la reportó no se publica.",
       .request_body = "ServiceRequestsReportInput",
       .response_body = "ServiceRequestsRequest",
       .success_status = 201,
       .handler = &SubmitReport});
}

}  // namespace cabildo::plugins::service_requests
