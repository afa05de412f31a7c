// The public catalogue: list, Spanish full-text search, trigram suggestions.
// Owner while issue 18 is built: "search" (see /work/notes/pr-spec.md).
#include "procedure_registry.h"

namespace cabildo::plugins::procedure_registry {

void RegisterSearch(plugin::PluginRegistrar& /*registrar*/) {}

}  // namespace cabildo::plugins::procedure_registry
