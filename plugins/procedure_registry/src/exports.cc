// Open data: the catalogue as CSV and JSON in the national catalogue's layout.
// Owner while issue 18 is built: "exports" (see /work/notes/pr-spec.md).
#include "procedure_registry.h"

namespace cabildo::plugins::procedure_registry {

void RegisterExports(plugin::PluginRegistrar& /*registrar*/) {}

}  // namespace cabildo::plugins::procedure_registry
