// The Open311 GeoReport v2 interface under /open311/v2/.
// SKELETON: see the module spec; replace this stub.
#include "service_requests.h"

namespace cabildo::plugins::service_requests {

void RegisterOpen311(plugin::PluginRegistrar& /*registrar*/) {}

}  // namespace cabildo::plugins::service_requests
