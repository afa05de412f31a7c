// The reference record of the module's tests, without a server: a record
// with every item LGMR art. 46 asks for (POST it and it may be published),
// and where each of those items is, to remove it in turn. Shared by the unit
// test of the legal rules and the integration tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cabildo::testing {

inline nlohmann::json CompleteProcedure(const std::string& homoclave, const std::string& name) {
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

// One required item: where it is in CompleteProcedure (a JSON pointer), the
// field and fraction MissingLegalItems names when it is removed.
struct LegalItem {
  std::string pointer;
  std::string field;
  std::string fraction;
};

// Every item of fractions I-XVIII the complete record carries, in fraction order.
inline const std::vector<LegalItem>& LegalItems() {
  static const std::vector<LegalItem> kItems = {
      {"/name", "name", "I"},
      {"/description", "description", "I"},
      {"/modalities", "modalities", "II"},
      {"/modalities/0/name", "modalities/0/name", "II"},
      {"/legal_basis", "legal_basis", "III"},
      {"/legal_basis/0/instrument", "legal_basis/0/instrument", "III"},
      {"/legal_basis/0/article", "legal_basis/0/article", "III"},
      {"/cases", "cases", "IV"},
      {"/steps", "steps", "IV"},
      {"/requirements", "requirements", "V"},
      {"/requirements/1/description", "requirements/1/description", "V"},
      {"/submission_channel", "submission_channel", "VI"},
      {"/form/url", "form/url", "VII"},
      {"/form/published_on", "form/published_on", "VII"},
      {"/inspection/required", "inspection/required", "VIII"},
      {"/inspection/purpose", "inspection/purpose", "VIII"},
      {"/agency", "agency", "IX"},
      {"/resolution_term/value", "resolution_term/value", "X"},
      {"/resolution_term/unit", "resolution_term/unit", "X"},
      {"/tacit_resolution", "tacit_resolution", "X"},
      {"/prevention_terms/authority_days", "prevention_terms/authority_days", "XI"},
      {"/prevention_terms/applicant_days", "prevention_terms/applicant_days", "XI"},
      {"/cost/free", "cost/free", "XII"},
      {"/payment_methods", "payment_methods", "XII"},
      {"/validity", "validity", "XIII"},
      {"/resolution_criteria", "resolution_criteria", "XIV"},
      {"/offices", "offices", "XV"},
      {"/offices/0/name", "offices/0/name", "XV"},
      {"/offices/0/address", "offices/0/address", "XV"},
      {"/offices/0/hours", "offices/0/hours", "XVI"},
      {"/contact_channels", "contact_channels", "XVII"},
      {"/contact_channels/1/value", "contact_channels/1/value", "XVII"},
      {"/records_to_keep", "records_to_keep", "XVIII"},
  };
  return kItems;
}

// What a record holding only its homoclave and kind lacks, {field, fraction}
// in fraction order: every item whose presence does not hang on another
// (no form without a submission channel, no inspection purpose, payment or
// office hours).
inline const std::vector<std::pair<std::string, std::string>>& MissingFromABareRecord() {
  static const std::vector<std::pair<std::string, std::string>> kMissing = {
      {"name", "I"},
      {"description", "I"},
      {"modalities", "II"},
      {"legal_basis", "III"},
      {"cases", "IV"},
      {"steps", "IV"},
      {"requirements", "V"},
      {"submission_channel", "VI"},
      {"inspection/required", "VIII"},
      {"agency", "IX"},
      {"resolution_term/value", "X"},
      {"resolution_term/unit", "X"},
      {"tacit_resolution", "X"},
      {"prevention_terms/authority_days", "XI"},
      {"prevention_terms/applicant_days", "XI"},
      {"cost/free", "XII"},
      {"validity", "XIII"},
      {"resolution_criteria", "XIV"},
      {"offices", "XV"},
      {"contact_channels", "XVII"},
      {"records_to_keep", "XVIII"},
  };
  return kMissing;
}

// `record` without the item at `pointer`.
inline nlohmann::json Without(nlohmann::json record, const std::string& pointer) {
  const nlohmann::json::json_pointer at(pointer);
  record[at.parent_pointer()].erase(at.back());
  return record;
}

}  // namespace cabildo::testing
