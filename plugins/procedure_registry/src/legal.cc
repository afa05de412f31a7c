// Owner while issue 18 is built: "publish" (see /work/notes/pr-spec.md).
#include "legal.h"

namespace cabildo::plugins::procedure_registry {

std::vector<MissingItem> MissingLegalItems(const nlohmann::json& /*record*/) { return {}; }

}  // namespace cabildo::plugins::procedure_registry
