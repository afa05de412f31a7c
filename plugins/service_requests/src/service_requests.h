// The service-requests module's parts, each registering its own routes:
// service types and their Open311 attributes (services.cc, with the
// attribute rules in attributes.h), the API keys of registered apps
// (api_keys.cc), taking in a report from either door (intake.cc: location,
// attributes, limits, the duplicate rule, the sealed contact), the Open311
// GeoReport v2 interface (open311.cc), the native API of citizens and staff
// (requests.cc), and open data (open_data.cc). What every part shares is
// here: permissions, statuses and how a request is rendered.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cabildo/plugin/plugin_api.h"

namespace cabildo::plugins::service_requests {

/// Create, edit and retire service types (admin, editor).
inline constexpr const char* kServiceWrite = "service-requests.service.write";
/// Issue, list and revoke the API keys of registered apps (admin).
inline constexpr const char* kApiKeyManage = "service-requests.api_key.manage";
/// Report through the native API: every signed-in user (role `citizen`).
inline constexpr const char* kReport = "service-requests.request.create";
/// Attend requests: status, notes, agency, expected date (editor, admin).
inline constexpr const char* kManage = "service-requests.request.manage";
/// Read the reporter's contact data of a request (editor, admin, auditor);
/// every such read is audited.
inline constexpr const char* kReadContact = "service-requests.request.read_contact";

inline constexpr const char* kServiceNotFound = "No existe el servicio.";
inline constexpr const char* kRequestNotFound = "No existe la solicitud.";

/// The duplicate rule (issue 20): a report of the same service within this
/// distance of an open request reported within this time is linked to it.
inline constexpr double kDuplicateRadiusMeters = 30.0;
inline constexpr int kDuplicateWindowHours = 24;
/// Open311 GET requests.json: the default window and the most it returns.
inline constexpr int kOpen311DefaultWindowDays = 90;
inline constexpr int kOpen311MaxRequests = 1000;
/// Open311 `description` limit (characters).
inline constexpr size_t kMaxDescriptionChars = 4000;

/// Open311's two statuses for an internal one: "open" for received,
/// assigned, in_progress; "closed" for resolved, closed, rejected, duplicate.
inline const char* Open311Status(std::string_view internal) {
  return internal == "received" || internal == "assigned" || internal == "in_progress" ? "open"
                                                                                       : "closed";
}
/// The same in SQL, for a status column `s`.
#define CABILDO_SR_OPEN311_STATUS(s) \
  "(CASE WHEN " s " IN ('received', 'assigned', 'in_progress') THEN 'open' ELSE 'closed' END)"
/// The internal statuses Open311 calls open, for `status = ANY (...)`.
inline constexpr const char* kOpenStatusesSql = "('received', 'assigned', 'in_progress')";

// A timestamp column as the API writes it (UTC, microseconds, "Z"); NULL stays null.
#define CABILDO_SR_TS(column) \
  "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
// The same in Open311's style: W3C/ISO 8601 with a timezone, seconds
// precision ("2026-12-06T16:15:00Z").
#define CABILDO_SR_OPEN311_TS(column) \
  "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/// FROM clause of requests (r) with their service (s) and tenant (t); add WHERE.
inline constexpr const char* kRequestFrom =
    " FROM service_requests.requests r"
    " JOIN service_requests.services s ON s.tenant_id = r.tenant_id AND s.id = r.service_id"
    " JOIN core.tenants t ON t.id = r.tenant_id ";

/// One request as the native API shows it to anyone (schema
/// ServiceRequestsRequest), as JSON text; select it after kRequestFrom's
/// aliases. Never the reporter or the app: those are private.
inline constexpr const char* kRequestItemJson =
    "jsonb_build_object("
    "'id', r.id, 'tenant', t.slug, 'service_request_id', r.folio::text, "
    "'service_code', s.service_code, 'service_name', s.name, "
    "'status', r.status, 'open311_status', " CABILDO_SR_OPEN311_STATUS("r.status") ", "
    "'status_notes', r.status_notes, 'agency_responsible', r.agency_responsible, "
    "'service_notice', r.service_notice, 'description', r.description, "
    "'lat', r.lat, 'long', r.long, 'address', r.address, 'address_id', r.address_id, "
    "'zipcode', r.zipcode, 'media_url', r.media_url, 'attributes', r.attributes, "
    "'duplicate_of', r.duplicate_of, "
    "'requested_at', " CABILDO_SR_TS("r.requested_at") ", "
    "'updated_at', " CABILDO_SR_TS("r.updated_at") ", "
    "'expected_at', " CABILDO_SR_TS("r.expected_at") ", "
    "'closed_at', " CABILDO_SR_TS("r.closed_at") ")::text";

/// A report as either door received it, before intake checks it.
struct Report {
  std::string service_code;
  std::optional<std::string> lat;  ///< as sent (text): intake parses and bounds it
  std::optional<std::string> lon;
  std::string address_string;
  std::string address_id;
  std::string zipcode;
  std::string description;
  std::string media_url;
  /// {code: "value" | ["v", ...]} as sent (form: attribute[code], attribute[code][]).
  nlohmann::json attributes = nlohmann::json::object();
  /// Private contact: email, phone, first_name, last_name, device_id, account_id
  /// (strings, only those given).
  nlohmann::json contact = nlohmann::json::object();
  /// Who: a signed-in citizen (native) or an app's key (Open311); either may be empty.
  std::string reporter_id;
  std::string api_key_id;
};

/// What intake answers for a stored report.
struct Received {
  std::string id;                  ///< uuid
  std::string service_request_id;  ///< the folio, as text
  std::string token;
  std::string service_type;    ///< realtime | batch | blackbox
  std::string service_notice;  ///< Spanish; names the open request a duplicate joined
  std::optional<std::string> duplicate_of_service_request_id;
};

/// Checks and stores a report (intake.cc): the service exists and is
/// active (else NotFoundError, 404; a missing service_code is a FieldError), one
/// location (lat+long within range, or address_string, or address_id),
/// description <= 4,000 characters without HTML, media_url http(s), the
/// attributes against the service's definition (attributes.h), the contact
/// sealed; the anonymous limit per client address (config
/// reports_per_address_per_minute). The duplicate rule: an open request of
/// the same service within kDuplicateRadiusMeters and kDuplicateWindowHours
/// makes this one 'duplicate' of it. Appends the first event and the audit
/// entry ("request.create"). A 422 as ctx.FieldErrors(...) in `rejection`.
struct IntakeResult {
  std::optional<Received> received;
  std::optional<plugin::HttpResponse> rejection;
};
StatusOr<IntakeResult> TakeIn(plugin::RequestContext& ctx, const Report& report);

/// Appends to a request's public history (events) its current status,
/// notes, agency and expected date, in the request's transaction.
void AppendEvent(plugin::RequestContext& ctx, const std::string& request_id);

/// The id of this tenant's live (not revoked) API key `key`, or nullopt
/// (api_keys.cc): looked up by ctx.SecretDigest(key).
std::optional<std::string> ApiKeyId(plugin::RequestContext& ctx, const std::string& key);

void RegisterServices(plugin::PluginRegistrar& registrar);
void RegisterApiKeys(plugin::PluginRegistrar& registrar);
void RegisterOpen311(plugin::PluginRegistrar& registrar);
/// The native report route, POST /requests (intake.cc).
void RegisterIntake(plugin::PluginRegistrar& registrar);
void RegisterRequests(plugin::PluginRegistrar& registrar);
void RegisterOpenData(plugin::PluginRegistrar& registrar);

}  // namespace cabildo::plugins::service_requests
