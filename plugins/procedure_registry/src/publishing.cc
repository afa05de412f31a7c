// Publication (the legal check, immutable versions) and the catalogue's figures.
// Owner while issue 18 is built: "publish" (see /work/notes/pr-spec.md).
#include "procedure_registry.h"

namespace cabildo::plugins::procedure_registry {

void RegisterPublishing(plugin::PluginRegistrar& /*registrar*/) {}

}  // namespace cabildo::plugins::procedure_registry
