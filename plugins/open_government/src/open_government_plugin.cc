// The open-government module: the Local Technical Secretariat, its decisions,
// the Local Action Plan and its public monitoring (api-modules.md,
// domain.md §E/§F). Init declares the permissions and the configuration;
// each part registers its own routes.
#include "cabildo_plugin_open_government_embedded.inc"
#include "open_government.h"

namespace cabildo::plugins::open_government {
namespace {

Status Init(plugin::PluginRegistrar& registrar) {
  registrar.AddPermission(kSecretariatWrite,
                          "Registrar integrantes, sesiones, acuerdos, decisiones y votos del "
                          "Secretariado Técnico Local",
                          {"editor", "admin"});
  registrar.AddPermission(kPlanWrite, "Registrar planes de acción, compromisos, hitos y evidencias",
                          {"editor", "admin"});
  RegisterEmbeddedFiles(registrar);  // migrations/ and schemas/
  RegisterSecretariat(registrar);
  RegisterPlans(registrar);
  RegisterDashboard(registrar);
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::open_government

CABILDO_PLUGIN("open-government", "1.0.0",
               "Gobierno abierto: Secretariado Técnico Local, planes de acción y su seguimiento",
               "0.1.0", "1.0.0", &cabildo::plugins::open_government::Init);
