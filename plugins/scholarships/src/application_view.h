// An application as its readers see it. Everything the applicant said about
// themselves is one sealed JSON document (applications.personal_data, the
// host's SealPersonalData bound to the application's id); the clear columns
// hold only the workflow (call, applicant account, status, decision). The
// full view — for the applicant and for staff of the call's tenant — opens
// it; anything else (audit entries, logs, messages) gets the masked view.
#pragma once

#include <string>
#include <string_view>

#include "cabildo/plugin/plugin_api.h"

#include "scholarships.h"

namespace cabildo::plugins::scholarships {

/// The fields of ScholarshipsApplicationInput that are sealed: all of them
/// (curp, full_name, birth_date, sex, address, phone, email, school,
/// education_level, gpa, answers, documents, privacy_notice_accepted).
nlohmann::json PersonalPart(const nlohmann::json& input);

/// Seals `personal` (PersonalPart of an input) for application `id`.
StatusOr<std::string> SealApplicant(plugin::RequestContext& ctx, const nlohmann::json& personal,
                                    const std::string& application_id);
/// Opens what SealApplicant sealed.
StatusOr<nlohmann::json> OpenApplicant(plugin::RequestContext& ctx, const std::string& sealed,
                                       const std::string& application_id);
/// The keyed digest the one-per-CURP index holds.
StatusOr<std::string> CurpDigest(plugin::RequestContext& ctx, const std::string& curp);

/// SELECT list of an application (a) with its tenant (t) and call (c), in
/// the order ApplicationJson reads it; use with kApplicationFrom.
#define CABILDO_SCH_APPLICATION_COLUMNS \
  "a.id, t.slug, a.call_id, c.document ->> 'title', a.applicant_id, a.status, "       \
  "a.score::text, a.decision_note, " CABILDO_SCH_TS("a.decided_at") ", "              \
  CABILDO_SCH_TS("a.submitted_at") ", " CABILDO_SCH_TS("a.created_at") ", "           \
  CABILDO_SCH_TS("a.updated_at") ", a.personal_data, a.tenant_id, a.curp_digest"
inline constexpr const char* kApplicationColumns = CABILDO_SCH_APPLICATION_COLUMNS;
inline constexpr const char* kApplicationFrom =
    " FROM scholarships.applications a"
    " JOIN scholarships.calls c ON c.tenant_id = a.tenant_id AND c.id = a.call_id"
    " JOIN core.tenants t ON t.id = a.tenant_id ";

/// The full view of one application row (kApplicationColumns), schema
/// ScholarshipsApplication: the opened personal data with id, tenant,
/// call_id, call_title, status, score (number or null), decision_note,
/// decided_at, submitted_at, created_at, updated_at. Only for the applicant
/// and for staff allowed to read it (and then audited).
StatusOr<nlohmann::json> ApplicationJson(plugin::RequestContext& ctx, const pqxx::row& row);

/// The applicant account of a row (kApplicationColumns).
std::string ApplicantOf(const pqxx::row& row);

/// What an audit entry (or a log line) may say about an application: id,
/// call_id, status, score and the masked CURP — never the personal data.
/// Takes the full view (or any object with those fields).
nlohmann::json AuditView(const nlohmann::json& application);

/// "GOMC000101HDGRRL09" -> "GOMC******HDGRRL09": the birth date hidden.
/// Anything not 18 characters long: all asterisks, same length (max 18).
std::string MaskCurp(std::string_view curp);
/// "6181234567" -> "******4567".
std::string MaskPhone(std::string_view phone);
/// "carla.gomez@correo.mx" -> "c**********@correo.mx" (plugin::MaskEmail).
std::string MaskEmail(std::string_view email);

}  // namespace cabildo::plugins::scholarships
