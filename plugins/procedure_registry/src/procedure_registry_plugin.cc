// The procedure-registry module: the registry of procedures and services a
// municipality or state must keep (Ley General de Mejora Regulatoria art. 46;
// api-modules.md, domain.md §A). Init declares the permissions; each part
// registers its own routes.
#include "cabildo_plugin_procedure_registry_embedded.inc"
#include "procedure_registry.h"

namespace cabildo::plugins::procedure_registry {

bool SeesDrafts(plugin::RequestContext& ctx) { return ctx.Authorize(kRead) == Access::kAllowed; }

nlohmann::json Tombstone(const std::string& id, const std::string& tenant,
                         const std::string& updated_at) {
  return {{"id", id}, {"tenant", tenant}, {"updated_at", updated_at}, {"deleted", true}};
}

namespace {

Status Init(plugin::PluginRegistrar& registrar) {
  registrar.AddPermission(kWrite, "Crear y editar fichas de trámites y servicios, y darlas de baja",
                          {"editor", "admin"});
  registrar.AddPermission(kPublish, "Publicar fichas de trámites y servicios", {"editor", "admin"});
  registrar.AddPermission(kRead, "Consultar borradores de fichas de trámites y servicios",
                          {"editor", "admin", "auditor"});
  RegisterEmbeddedFiles(registrar);  // migrations/ and schemas/
  RegisterRecords(registrar);
  RegisterPublishing(registrar);
  RegisterSearch(registrar);
  RegisterExports(registrar);
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::procedure_registry

CABILDO_PLUGIN("procedure-registry", "1.0.0",
               "Registro de trámites y servicios: fichas completas según la Ley General de "
               "Mejora Regulatoria, búsqueda en español y datos abiertos",
               "0.1.0", "1.0.0", &cabildo::plugins::procedure_registry::Init);
