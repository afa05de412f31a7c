// The scholarships module's parts, each registering its own routes: calls
// and their publication (calls.cc), citizens' applications (applications.cc,
// with the CURP rules in curp.h), review and decisions within the slots
// (review.cc), and the results with the public padrón of beneficiaries
// (results.cc). What every part shares is here: permissions, how a call is
// rendered, and (application_view.h) how an application's sealed personal
// data is opened, shown and masked.
#pragma once

#include "cabildo/plugin/plugin_api.h"

namespace cabildo::plugins::scholarships {

/// Create and edit calls (drafts; a published call only within the rules of calls.cc).
inline constexpr const char* kCallWrite = "scholarships.call.write";
/// Publish a call, and publish its results (freezes the decisions).
inline constexpr const char* kCallPublish = "scholarships.call.publish";
/// Read draft calls (editor, admin, auditor, reviewer).
inline constexpr const char* kCallRead = "scholarships.call.read";
/// Apply to a call: every signed-in user (the `citizen` role, implicit).
inline constexpr const char* kApply = "scholarships.application.submit";
/// Decide on applications (reviewer, admin).
inline constexpr const char* kReview = "scholarships.application.review";
/// Read applications with their personal data (reviewer, admin, auditor);
/// every such read is audited.
inline constexpr const char* kApplicationRead = "scholarships.application.read";

inline constexpr const char* kCallNotFound = "No existe la convocatoria.";
inline constexpr const char* kApplicationNotFound = "No existe la solicitud.";

/// The caller reads draft calls (kCallRead allowed).
bool SeesDraftCalls(plugin::RequestContext& ctx);

// A timestamp column as the API writes it (UTC, microseconds, "Z"); NULL stays null.
#define CABILDO_SCH_TS(column) \
  "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/// Whether a call accepts applications now (c = scholarships.calls).
#define CABILDO_SCH_CALL_OPEN \
  "(c.status = 'published' AND now() >= c.opens_at AND now() < c.closes_at)"

/// FROM clause of calls (c) with their tenant (t); add WHERE conditions.
inline constexpr const char* kCallFrom =
    " FROM scholarships.calls c JOIN core.tenants t ON t.id = c.tenant_id ";

/// One call as JSON text (select it after kCallFrom's aliases), schema
/// ScholarshipsCall: the document with id, tenant, status (draft |
/// published | closed | resolved — "closed" is a published call whose window
/// has ended), open (accepting applications now), amount_mxn (money
/// string), slots, the window, and the dates of the workflow.
inline constexpr const char* kCallItemJson =
    "(c.document || jsonb_build_object("
    "'id', c.id, 'tenant', t.slug, "
    "'status', CASE WHEN c.status = 'published' AND now() >= c.closes_at THEN 'closed' "
    "               ELSE c.status END, "
    "'open', " CABILDO_SCH_CALL_OPEN ", "
    "'amount_mxn', c.amount_mxn::text, 'slots', c.slots, "
    "'opens_at', " CABILDO_SCH_TS("c.opens_at") ", "
    "'closes_at', " CABILDO_SCH_TS("c.closes_at") ", "
    "'results_at', " CABILDO_SCH_TS("c.results_at") ", "
    "'published_at', " CABILDO_SCH_TS("c.published_at") ", "
    "'resolved_at', " CABILDO_SCH_TS("c.resolved_at") ", "
    "'created_at', " CABILDO_SCH_TS("c.created_at") ", "
    "'updated_at', " CABILDO_SCH_TS("c.updated_at") "))::text";

/// The next moment any published call of `tenant_ids` opens or closes —
/// when a public answer about calls (status, open, the open=true list)
/// changes by itself: what those GETs set as HttpResponse::fresh_until.
/// nullopt when no window is ahead. One indexed query (calls.cc).
std::optional<std::chrono::system_clock::time_point> NextWindowChange(
    plugin::RequestContext& ctx, const std::vector<std::string>& tenant_ids);

/// A tombstone for sync: {id, tenant, updated_at, deleted: true}.
nlohmann::json Tombstone(const std::string& id, const std::string& tenant,
                         const std::string& updated_at);

void RegisterCalls(plugin::PluginRegistrar& registrar);
void RegisterApplications(plugin::PluginRegistrar& registrar);
void RegisterReview(plugin::PluginRegistrar& registrar);
void RegisterResults(plugin::PluginRegistrar& registrar);

}  // namespace cabildo::plugins::scholarships
