// Skeleton: routes come with this part's branch.
#include "scholarships.h"

namespace cabildo::plugins::scholarships {

void RegisterApplications(plugin::PluginRegistrar&) {}

}  // namespace cabildo::plugins::scholarships
