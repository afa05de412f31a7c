// A plugin named like a core route ("audit"): /v1/tenants/{tenant}/audit/...
// is the core's audit log, so the host must refuse it by name before calling
// anything in it (its init aborts if called).
#include <cstdlib>

#include "cabildo/plugin/plugin_api.h"

namespace {
cabildo::Status Init(cabildo::plugin::PluginRegistrar&) { std::abort(); }
}  // namespace

CABILDO_PLUGIN("audit", "0.0.1", "Nombre reservado (prueba)", "0.1.0", "1.0.0", &Init);
