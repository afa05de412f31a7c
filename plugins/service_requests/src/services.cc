// Service types with their Open311 attributes: admin CRUD (native API).
// SKELETON: see the module spec; replace this stub.
#include "service_requests.h"

namespace cabildo::plugins::service_requests {

void RegisterServices(plugin::PluginRegistrar& /*registrar*/) {}

}  // namespace cabildo::plugins::service_requests
