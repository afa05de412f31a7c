// Taking in a report from either door (TakeIn, AppendEvent).
// SKELETON: see the module spec; replace this stub.
#include "service_requests.h"

namespace cabildo::plugins::service_requests {

StatusOr<IntakeResult> TakeIn(plugin::RequestContext& /*ctx*/, const Report& /*report*/) {
  return UnavailableError("Aún no se reciben reportes.");
}

void AppendEvent(plugin::RequestContext& /*ctx*/, const std::string& /*request_id*/) {}

}  // namespace cabildo::plugins::service_requests
