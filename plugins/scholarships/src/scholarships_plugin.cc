// The scholarships module: the single scholarship portal of a state and its
// municipalities (api-modules.md, domain.md §D). Init declares the
// permissions and the per-tenant configuration; each part registers its own
// routes.
#include "cabildo_plugin_scholarships_embedded.inc"
#include "scholarships.h"

namespace cabildo::plugins::scholarships {

bool SeesDraftCalls(plugin::RequestContext& ctx) {
  return ctx.Authorize(kCallRead) == Access::kAllowed;
}

nlohmann::json Tombstone(const std::string& id, const std::string& tenant,
                         const std::string& updated_at) {
  return {{"id", id}, {"tenant", tenant}, {"updated_at", updated_at}, {"deleted", true}};
}

namespace {

Status Init(plugin::PluginRegistrar& registrar) {
  registrar.AddPermission(kCallWrite, "Crear y editar convocatorias de becas", {"editor", "admin"});
  registrar.AddPermission(kCallPublish, "Publicar convocatorias de becas y sus resultados",
                          {"editor", "admin"});
  registrar.AddPermission(kCallRead, "Consultar convocatorias de becas en borrador",
                          {"editor", "admin", "auditor", "reviewer"});
  registrar.AddPermission(kApply, "Solicitar una beca (cualquier persona con cuenta)", {"citizen"});
  registrar.AddPermission(kReview, "Dictaminar solicitudes de becas", {"reviewer", "admin"});
  registrar.AddPermission(kApplicationRead,
                          "Consultar solicitudes de becas con sus datos personales (cada consulta "
                          "queda en la bitácora)",
                          {"reviewer", "admin", "auditor"});
  registrar.SetConfigSchema(
      {{"type", "object"},
       {"properties",
        {{"minors_in_padron",
          {{"type", "string"},
           {"enum", {"initials", "full_name"}},
           {"description",
            "Cómo aparece en el padrón público una persona beneficiaria menor de edad: "
            "initials (iniciales, por omisión) o full_name (nombre completo). Política que "
            "debe revisar el órgano garante local."}}}}},
       {"additionalProperties", false}});
  RegisterEmbeddedFiles(registrar);  // migrations/ and schemas/
  RegisterCalls(registrar);
  RegisterApplications(registrar);
  RegisterReview(registrar);
  RegisterResults(registrar);
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::scholarships

CABILDO_PLUGIN("scholarships", "1.0.0",
               "Portal único de becas: convocatorias, solicitudes con datos personales cifrados, "
               "dictamen dentro de los lugares disponibles y padrón público de beneficiarios",
               "0.1.0", "1.0.0", &cabildo::plugins::scholarships::Init);
