// The records: create and edit drafts, read one, withdraw (baja).
// Owner while issue 18 is built: "records" (see /work/notes/pr-spec.md).
#include "procedure_registry.h"

namespace cabildo::plugins::procedure_registry {

void RegisterRecords(plugin::PluginRegistrar& /*registrar*/) {}

}  // namespace cabildo::plugins::procedure_registry
