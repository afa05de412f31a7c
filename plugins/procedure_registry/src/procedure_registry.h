// The procedure-registry module's parts, each registering its own routes:
// the records and their drafts (records.cc), publication, versions and the
// catalogue's figures (publishing.cc, with the legal rules in legal.h), the
// public catalogue and its Spanish search (search.cc) and the open-data
// exports (exports.cc). The SQL that renders a record is shared here so that
// every route answers the same shape.
#pragma once

#include "cabildo/plugin/plugin_api.h"

namespace cabildo::plugins::procedure_registry {

/// Create and edit drafts, withdraw (baja) a record.
inline constexpr const char* kWrite = "procedure-registry.procedure.write";
/// Publish a draft as a new immutable version.
inline constexpr const char* kPublish = "procedure-registry.procedure.publish";
/// Read drafts (editor, admin, auditor); everybody else sees published versions.
inline constexpr const char* kRead = "procedure-registry.procedure.read";

inline constexpr const char* kNotFound = "No existe el trámite o servicio.";

/// The caller reads drafts (kRead allowed): the working copies instead of the
/// published versions.
bool SeesDrafts(plugin::RequestContext& ctx);

// A timestamp column as the API writes it (UTC, microseconds, "Z").
#define CABILDO_PR_TS(column) \
  "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/// FROM clause of the public catalogue: the current version of every
/// published record (v), its record (p) and tenant (t). Withdrawn records
/// have no current version.
inline constexpr const char* kPublicFrom =
    " FROM procedure_registry.versions v"
    " JOIN procedure_registry.procedures p"
    "   ON p.tenant_id = v.tenant_id AND p.id = v.procedure_id"
    " JOIN core.tenants t ON t.id = v.tenant_id"
    " WHERE v.valid_until IS NULL ";

/// One public record as JSON text (select it after kPublicFrom's aliases): the
/// version's document (homoclave included) with id, tenant, status
/// "published", version, published_at and updated_at (the last public
/// change). Schema ProcedureRegistryProcedure.
inline constexpr const char* kPublicItemJson =
    "(v.document || jsonb_build_object("
    "'id', p.id, 'tenant', t.slug, 'status', 'published', 'version', v.version, "
    "'published_at', " CABILDO_PR_TS("v.published_at") ", "
    "'updated_at', " CABILDO_PR_TS("p.public_updated_at") "))::text";

/// FROM clause of the working copies (p) and tenant (t), tombstones included.
inline constexpr const char* kDraftFrom =
    " FROM procedure_registry.procedures p JOIN core.tenants t ON t.id = p.tenant_id ";

/// One working copy as JSON text (after kDraftFrom's aliases): the draft with
/// id, tenant, homoclave, status, published_version (null: never published),
/// created_at and updated_at. Schema ProcedureRegistryProcedure.
inline constexpr const char* kDraftItemJson =
    "(p.draft || jsonb_build_object("
    "'id', p.id, 'tenant', t.slug, 'homoclave', p.homoclave, 'status', p.status, "
    "'published_version', p.published_version, "
    "'created_at', " CABILDO_PR_TS("p.created_at") ", "
    "'updated_at', " CABILDO_PR_TS("p.updated_at") "))::text";

/// A tombstone (a withdrawn record for the public, a withdrawn or discarded
/// one for writers) says only what sync needs: {id, tenant, updated_at, deleted: true}.
nlohmann::json Tombstone(const std::string& id, const std::string& tenant,
                         const std::string& updated_at);

void RegisterRecords(plugin::PluginRegistrar& registrar);
void RegisterPublishing(plugin::PluginRegistrar& registrar);
void RegisterSearch(plugin::PluginRegistrar& registrar);
void RegisterExports(plugin::PluginRegistrar& registrar);

}  // namespace cabildo::plugins::procedure_registry
