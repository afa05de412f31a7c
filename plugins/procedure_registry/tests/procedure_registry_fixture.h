// A running Cabildo with the procedure-registry module enabled for every
// Durango tenant, shortcuts for its routes, and a record complete enough to
// publish (every item of LGMR art. 46). Shared by the module's integration
// tests.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "server_fixture.h"
#include "test_support.h"

namespace cabildo::testing {

class ProcedureRegistryTest : public ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override { return {"procedure-registry"}; }
  std::string PluginDir() const override { return CABILDO_MODULE_PLUGIN_DIR; }

  // "/v1/tenants/<tenant>/procedure-registry<path>"
  static std::string Path(const std::string& tenant, const std::string& path) {
    return "/v1/tenants/" + tenant + "/procedure-registry" + path;
  }
  // POSTs `body` and expects `status`; the parsed answer (discarded when not JSON).
  nlohmann::json Post(const std::string& tenant, const std::string& path,
                      const nlohmann::json& body, const std::string& token, int status = 201) {
    auto result = Call("POST", Path(tenant, path), body.dump(), token);
    EXPECT_EQ(result.status, status) << "POST " << path << ": " << result.body;
    return nlohmann::json::parse(result.body, nullptr, false);
  }
  // GETs and expects 200; anonymous when `token` is empty.
  nlohmann::json Get(const std::string& tenant, const std::string& path,
                     const std::string& token = "") {
    auto result = Call("GET", Path(tenant, path), "", token);
    EXPECT_EQ(result.status, 200) << "GET " << path << ": " << result.body;
    return nlohmann::json::parse(result.body, nullptr, false);
  }

  // A record with every item art. 46 asks for: POST it and it may be published.
  static nlohmann::json CompleteProcedure(const std::string& homoclave, const std::string& name) {
    return {
        {"homoclave", homoclave},
        {"kind", "procedure"},
        {"audience", "both"},
        {"name", name},
        {"description", "Autorización municipal para construir, ampliar o remodelar una obra."},
        {"agency", "Dirección Municipal de Desarrollo Urbano"},
        {"category", "desarrollo urbano"},
        {"keywords", {"obra", "permiso de construcción"}},
        {"legal_basis",
         {{{"instrument", "Reglamento de Construcciones del Municipio de Durango"},
           {"article", "Artículo 12"},
           {"url", "https://www.municipiodurango.gob.mx/reglamentos/construcciones.pdf"}}}},
        {"modalities", {{{"code", "A"}, {"name", "Obra nueva"}}}},
        {"cases", {"Cuando se construye una obra nueva de más de 20 metros cuadrados."}},
        {"steps",
         {"Entregar la solicitud con sus requisitos.", "Pagar los derechos.",
          "Recoger la licencia."}},
        {"requirements",
         {{{"description", "Identificación oficial vigente"},
           {"original", true},
           {"copies", 1},
           {"issuer", "Instituto Nacional Electoral"}},
          {{"description", "Planos arquitectónicos firmados por perito"},
           {"original", true},
           {"copies", 2}}}},
        {"submission_channel", "form"},
        {"online", false},
        {"form",
         {{"url", "https://www.municipiodurango.gob.mx/formatos/licencia.pdf"},
          {"published_on", "2024-03-15"}}},
        {"inspection", {{"required", true}, {"purpose", "Verificar que la obra siga los planos."}}},
        {"resolution_term", {{"value", 10}, {"unit", "days"}, {"business_days", true}}},
        {"tacit_resolution", "negative"},
        {"prevention_terms", {{"authority_days", 5}, {"applicant_days", 5}}},
        {"cost",
         {{"free", false},
          {"amount_mxn", "1250.50"},
          {"calculation", "Tarifa por metro cuadrado de construcción."},
          {"legal_basis", "Ley de Ingresos del Municipio de Durango 2026, artículo 45"}}},
        {"payment_methods", {"efectivo", "tarjeta de débito o crédito"}},
        {"validity", "Un año a partir de su expedición."},
        {"resolution_criteria", "Que el proyecto cumpla el Reglamento de Construcciones."},
        {"offices",
         {{{"name", "Ventanilla Única de Desarrollo Urbano"},
           {"address", "Calle 5 de Febrero 800 Poniente, Zona Centro, 34000 Durango, Dgo."},
           {"lat", 24.0277},
           {"lon", -104.6532},
           {"hours", "Lunes a viernes de 8:00 a 15:00"}}}},
        {"contact_channels",
         {{{"kind", "phone"}, {"value", "618 137 8000"}},
          {{"kind", "email"}, {"value", "desarrollo.urbano@municipiodurango.gob.mx"}}}},
        {"records_to_keep", "La licencia y los planos sellados, en la obra."},
    };
  }
};

}  // namespace cabildo::testing
