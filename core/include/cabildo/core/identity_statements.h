#pragma once

#include "cabildo/core/db_pool.h"

namespace cabildo::core {

// Registers the statements used by AuthService and Authorize. REQUIRES: start-up.
void RegisterIdentityStatements(DbPool& pool);
// The part of it that Authorize and the tenant-route openings use.
void RegisterAuthorizationStatements(DbPool& pool);

}  // namespace cabildo::core
