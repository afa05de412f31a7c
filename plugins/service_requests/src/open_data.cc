// Open data: requests as CSV/JSON without reporter data, per-service statistics.
// SKELETON: see the module spec; replace this stub.
#include "service_requests.h"

namespace cabildo::plugins::service_requests {

void RegisterOpenData(plugin::PluginRegistrar& /*registrar*/) {}

}  // namespace cabildo::plugins::service_requests
