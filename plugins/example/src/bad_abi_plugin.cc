// A plugin from an incompatible SDK: same symbol, another ABI version. Its
// init must never run; if it did, the test would see the abort.
#include <cstdlib>

#include "cabildo/plugin/plugin_api.h"

namespace {
cabildo::Status Init(cabildo::plugin::PluginRegistrar&) { std::abort(); }
}  // namespace

extern "C" __attribute__((visibility("default")))
const cabildo::plugin::PluginDescriptor cabildo_plugin_v1 = {
    cabildo::plugin::kMagic,
    sizeof(cabildo::plugin::PluginDescriptor),
    cabildo::plugin::kAbiVersion + 1,
    CABILDO_PLUGIN_TOOLCHAIN,
    "badabi",
    "0.0.1",
    "ABI incompatible (prueba)",
    "0.1.0",
    "1.0.0",
    &Init};
