// A tenant's life after its creation (api-core.md "Tenant lifecycle"):
// POST /v1/tenants/{tenant}/suspend and /resume, DELETE /v1/tenants/{tenant};
// and the one check every write to a tenant goes through while it is
// suspended.
#pragma once

#include <optional>
#include <vector>

#include "cabildo/api/app.h"
#include "cabildo/api/http.h"
#include "cabildo/api/router.h"
#include "cabildo/core/identity.h"

namespace cabildo::api {

// The 423 problem a write to a suspended tenant gets: in Spanish, naming the
// tenant and the reason (also as `tenant` and `reason` members). nullopt for
// a read (GET, HEAD) or a tenant that is not suspended. Called where writes
// resolve their tenant, after the caller is authorised and before any body is
// read: WithTenantPermission (members, module enablement, PATCH), every
// module route (their writes, Open311's POSTs included) and POST /v1/tenants
// (a child of a suspended tenant). Suspend, resume and DELETE do not call it.
std::optional<Response> RefuseWriteIfSuspended(const Request& request,
                                               const core::TenantRef& tenant);

// Registers the three routes.
void RegisterTenantLifecycleRoutes(Router& router, AppContext& app);

}  // namespace cabildo::api
