#pragma once

#include "cabildo/core/db_pool.h"

namespace cabildo::core {

// Registers the statements used by AuthService and Authorize. REQUIRES: start-up.
void RegisterIdentityStatements(DbPool& pool);

}  // namespace cabildo::core
