// The native API of requests: citizens report and follow theirs (delta sync), anyone reads, staff
// attend. SKELETON: see the module spec; replace this stub.
#include "service_requests.h"

namespace cabildo::plugins::service_requests {

void RegisterRequests(plugin::PluginRegistrar& /*registrar*/) {}

}  // namespace cabildo::plugins::service_requests
