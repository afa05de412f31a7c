// Status, StatusOr and the status macros live in the SDK's own types header,
// shared by core and modules.
#pragma once

#include "cabildo/plugin/types.h"
