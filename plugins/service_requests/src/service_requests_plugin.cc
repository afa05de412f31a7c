// The service-requests module: citizen requests with an Open311 GeoReport v2
// interface (api-modules.md, domain.md §C). Init declares the permissions
// and the per-tenant configuration; each part registers its own routes.
#include "cabildo_plugin_service_requests_embedded.inc"
#include "service_requests.h"

namespace cabildo::plugins::service_requests {
namespace {

Status Init(plugin::PluginRegistrar& registrar) {
  registrar.AddPermission(kServiceWrite, "Crear, editar y retirar tipos de servicio",
                          {"editor", "admin"});
  registrar.AddPermission(kApiKeyManage,
                          "Emitir, listar y revocar las claves de API de aplicaciones Open311",
                          {"admin"});
  registrar.AddPermission(kReport, "Reportar un problema (cualquier persona con cuenta)",
                          {"citizen"});
  registrar.AddPermission(kManage,
                          "Atender solicitudes: estado, notas, área responsable y fecha prevista",
                          {"editor", "admin"});
  registrar.AddPermission(kReadContact,
                          "Consultar los datos de contacto de quien reportó (cada consulta queda "
                          "en la bitácora)",
                          {"editor", "admin", "auditor"});
  registrar.SetConfigSchema(
      {{"type", "object"},
       {"properties",
        {{"jurisdiction_id",
          {{"type", "string"},
           {"minLength", 1},
           {"maxLength", 200},
           {"description",
            "El jurisdiction_id de Open311 de este tenant (sugerido: su dominio, p. ej. "
            "gomezpalacio.gob.mx). Se acepta también el slug del tenant."}}},
         {"public_base_url",
          {{"type", "string"},
           {"maxLength", 200},
           {"format", "uri"},
           {"description",
            "Origen público de la instancia (https://datos.gomezpalacio.gob.mx): con él, "
            "discovery.json publica direcciones absolutas; sin él, rutas desde la raíz."}}},
         {"contact",
          {{"type", "string"},
           {"maxLength", 500},
           {"description", "Contacto técnico que publica discovery.json (correo, teléfono)."}}},
         {"key_service",
          {{"type", "string"},
           {"maxLength", 500},
           {"description", "Dónde pide una aplicación su clave de API (discovery.json)."}}},
         {"api_key_requests_per_minute",
          {{"type", "integer"},
           {"minimum", 1},
           {"maximum", 100000},
           {"description", "Reportes por minuto que admite cada clave de API (60 por omisión)."}}},
         {"reports_per_address_per_minute",
          {{"type", "integer"},
           {"minimum", 1},
           {"maximum", 100000},
           {"description",
            "Reportes por minuto que admite cada dirección IP de origen, con o sin clave (10 "
            "por omisión)."}}}}},
       {"additionalProperties", false}});
  RegisterEmbeddedFiles(registrar);  // migrations/ and schemas/
  RegisterServices(registrar);
  RegisterApiKeys(registrar);
  RegisterOpen311(registrar);
  RegisterIntake(registrar);
  RegisterRequests(registrar);
  RegisterOpenData(registrar);
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::service_requests

CABILDO_PLUGIN("service-requests", "1.0.0",
               "Solicitudes ciudadanas con interfaz Open311 GeoReport v2: tipos de servicio, "
               "reportes con ubicación, atención por el personal y datos abiertos",
               "0.1.0", "1.0.0", &cabildo::plugins::service_requests::Init);
