// SKELETON: filled in by issue 17's work on this part.
#include "open_government.h"

namespace cabildo::plugins::open_government {

void RegisterPlans(plugin::PluginRegistrar&) {}

}  // namespace cabildo::plugins::open_government
