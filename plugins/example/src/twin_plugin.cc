// Two libraries built from this file (libcabildo_twin-a.so, libcabildo_twin-b.so)
// both call themselves "twin" and declare GET /hello: the same route
// /v1/tenants/{tenant}/twin/hello twice. The host must refuse to start with
// an error that names both, never abort in the router.
#include "cabildo/plugin/plugin_api.h"

#ifndef CABILDO_TWIN_GREETING
#error "define CABILDO_TWIN_GREETING"
#endif

namespace {

cabildo::StatusOr<cabildo::plugin::HttpResponse> Hello(cabildo::plugin::RequestContext&) {
  return cabildo::plugin::HttpResponse::Json(200, {{"greeting", CABILDO_TWIN_GREETING}});
}

cabildo::Status Init(cabildo::plugin::PluginRegistrar& registrar) {
  registrar.AddRoute(
      {.path = "/hello", .operation_id = "twinHello", .summary = "Saludar", .handler = &Hello});
  return cabildo::OkStatus();
}

}  // namespace

CABILDO_PLUGIN("twin", "0.0.1", "Gemelo (prueba)", "0.1.0", "1.0.0", &Init);
