#include "curp.h"

namespace cabildo::plugins::scholarships {}  // namespace cabildo::plugins::scholarships
