// GET /v1/tenants/{tenant}/export and POST /v1/tenants/import (api-core.md,
// "Tenant lifecycle"; the format is core/include/cabildo/core/tenant_archive.h).
#pragma once

#include <vector>

#include "cabildo/api/app.h"
#include "cabildo/core/plugin_host.h"
#include "cabildo/core/tenant_archive.h"

namespace cabildo::api {

// The archive's media type.
inline constexpr const char* kTenantArchiveType = "application/x-ndjson";

// This instance's schema as the archive records it: the core's last migration
// (CABILDO_MIGRATIONS_DIR) and each loaded module's.
StatusOr<core::ArchiveSchema> LocalArchiveSchema(const core::Config& config,
                                                 const std::vector<core::LoadedPlugin>& plugins);

// REQUIRES: start-up, after the plugins are loaded.
Status RegisterTenantArchiveRoutes(Router& router, AppContext& app);

}  // namespace cabildo::api
