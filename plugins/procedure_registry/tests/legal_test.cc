// MissingLegalItems without a server: each item LGMR art. 46 requires,
// removed in turn from a complete record, is reported with its field and
// fraction; all of them at once; a complete record publishes.
#include "legal.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace cabildo::plugins::procedure_registry {
namespace {

using nlohmann::json;

// The record of tests/procedure_registry_fixture.h's CompleteProcedure (that
// header needs a server; this test does not), with its homoclave: every item
// the law asks for. publishing_itest publishes the fixture's own record, so a
// drift between the two shows there.
json Complete() {
  return json::parse(R"json({
    "homoclave": "MDGO-DU-001", "kind": "procedure", "audience": "both",
    "name": "Licencia de construcción",
    "description": "Autorización municipal para construir, ampliar o remodelar una obra.",
    "agency": "Dirección Municipal de Desarrollo Urbano", "category": "desarrollo urbano",
    "keywords": ["obra", "permiso de construcción"],
    "legal_basis": [{"instrument": "Reglamento de Construcciones del Municipio de Durango",
                     "article": "Artículo 12",
                     "url": "https://www.municipiodurango.gob.mx/reglamentos/construcciones.pdf"}],
    "modalities": [{"code": "A", "name": "Obra nueva"}],
    "cases": ["Cuando se construye una obra nueva de más de 20 metros cuadrados."],
    "steps": ["Entregar la solicitud con sus requisitos.", "Pagar los derechos.",
              "Recoger la licencia."],
    "requirements": [{"description": "Identificación oficial vigente", "original": true,
                      "copies": 1, "issuer": "Instituto Nacional Electoral"},
                     {"description": "Planos arquitectónicos firmados por perito",
                      "original": true, "copies": 2}],
    "submission_channel": "form", "online": false,
    "form": {"url": "https://www.municipiodurango.gob.mx/formatos/licencia.pdf",
             "published_on": "2024-03-15"},
    "inspection": {"required": true, "purpose": "Verificar que la obra siga los planos."},
    "resolution_term": {"value": 10, "unit": "days", "business_days": true},
    "tacit_resolution": "negative",
    "prevention_terms": {"authority_days": 5, "applicant_days": 5},
    "cost": {"free": false, "amount_mxn": "1250.50",
             "calculation": "Tarifa por metro cuadrado de construcción.",
             "legal_basis": "Ley de Ingresos del Municipio de Durango 2026, artículo 45"},
    "payment_methods": ["efectivo", "tarjeta de débito o crédito"],
    "validity": "Un año a partir de su expedición.",
    "resolution_criteria": "Que el proyecto cumpla el Reglamento de Construcciones.",
    "offices": [{"name": "Ventanilla Única de Desarrollo Urbano",
                 "address": "Calle 5 de Febrero 800 Poniente, Zona Centro, 34000 Durango, Dgo.",
                 "lat": 24.0277, "lon": -104.6532, "hours": "Lunes a viernes de 8:00 a 15:00"}],
    "contact_channels": [{"kind": "phone", "value": "618 137 8000"},
                         {"kind": "email", "value": "desarrollo.urbano@municipiodurango.gob.mx"}],
    "records_to_keep": "La licencia y los planos sellados, en la obra."
  })json");
}

// One required item: where it is (a JSON pointer into the record), the field
// and fraction MissingLegalItems names when it is removed.
struct Item {
  std::string pointer;
  std::string field;
  std::string fraction;
};

// Every item of fractions I-XVIII the complete record carries, in fraction order.
const std::vector<Item>& Items() {
  static const std::vector<Item> kItems = {
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

json Without(json record, const std::string& pointer) {
  const json::json_pointer at(pointer);
  record[at.parent_pointer()].erase(at.back());
  return record;
}

TEST(MissingLegalItems, CompleteRecordMayBePublished) {
  EXPECT_TRUE(MissingLegalItems(Complete()).empty());
}

TEST(MissingLegalItems, EachRequiredItemMissingInTurnIsNamedWithItsFraction) {
  for (const auto& item : Items()) {
    SCOPED_TRACE(item.pointer);
    const auto missing = MissingLegalItems(Without(Complete(), item.pointer));
    std::string fields;
    for (const auto& m : missing) fields += m.field + " ";
    ASSERT_EQ(missing.size(), 1u) << fields;
    EXPECT_EQ(missing[0].field, item.field);
    EXPECT_EQ(missing[0].fraction, item.fraction);
    EXPECT_NE(missing[0].message.find("(art. 46, fracción " + item.fraction + ")."),
              std::string::npos)
        << missing[0].message;
    EXPECT_EQ(missing[0].message.rfind("Falta", 0), 0u) << missing[0].message;
  }
}

// Every fraction I-XVIII has at least one item in the list above.
TEST(MissingLegalItems, EveryFractionIsCovered) {
  std::set<std::string> fractions;
  for (const auto& item : Items()) fractions.insert(item.fraction);
  for (const char* f : {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
                        "XIII", "XIV", "XV", "XVI", "XVII", "XVIII"}) {
    EXPECT_TRUE(fractions.count(f)) << f;
  }
}

TEST(MissingLegalItems, BlankTextAndNullCountAsMissing) {
  json record = Complete();
  record["name"] = "   ";
  record["agency"] = nullptr;
  record["validity"] = 12;  // not text
  const auto missing = MissingLegalItems(record);
  ASSERT_EQ(missing.size(), 3u);
  EXPECT_EQ(missing[0].field, "name");
  EXPECT_EQ(missing[1].field, "agency");
  EXPECT_EQ(missing[2].field, "validity");
}

// A record with only what POST /procedures requires (less the name): every
// fraction's items at once, in fraction order. Without a submission channel
// no form is asked for (VII), nor its purpose without an inspection (VIII),
// nor payment without a cost (XII), nor an office's hours without offices (XVI).
TEST(MissingLegalItems, EverythingMissingAtOnceInFractionOrder) {
  const json bare = {{"homoclave", "MDGO-DU-001"}, {"kind", "procedure"}};
  const auto missing = MissingLegalItems(bare);
  const std::vector<std::pair<std::string, std::string>> expected = {
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
  ASSERT_EQ(missing.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(missing[i].field, expected[i].first) << i;
    EXPECT_EQ(missing[i].fraction, expected[i].second) << i;
  }
  // Not an object at all: the same list, never a crash.
  EXPECT_EQ(MissingLegalItems(json::array()).size(), expected.size());
  EXPECT_EQ(MissingLegalItems(json("texto")).size(), expected.size());
}

// The conditional items: the form only when presented on a form, the purpose
// only when inspected, amount and payment only when not free.
TEST(MissingLegalItems, ConditionalItemsFollowTheirCondition) {
  json record = Complete();
  record["submission_channel"] = "free_letter";
  record.erase("form");
  record["inspection"] = {{"required", false}};
  record["cost"] = {{"free", true}};
  record.erase("payment_methods");
  EXPECT_TRUE(MissingLegalItems(record).empty());

  record["submission_channel"] = "both";
  auto missing = MissingLegalItems(record);
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].field, "form/url");
  EXPECT_EQ(missing[1].field, "form/published_on");

  json priced = Complete();
  priced["cost"].erase("amount_mxn");
  EXPECT_TRUE(MissingLegalItems(priced).empty()) << "the calculation is enough";
  priced["cost"].erase("calculation");
  missing = MissingLegalItems(priced);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].field, "cost/amount_mxn");
  EXPECT_EQ(missing[0].fraction, "XII");

  // An empty list of modalities ("no modalities") and of requirements is fine.
  json plain = Complete();
  plain["modalities"] = json::array();
  plain["requirements"] = json::array();
  EXPECT_TRUE(MissingLegalItems(plain).empty());
}

// Every office and contact channel is checked, each named by its index.
TEST(MissingLegalItems, EachListItemIsNamedByItsIndex) {
  json record = Complete();
  record["offices"].push_back({{"name", "Módulo Sur"}, {"address", "Av. 20 de Noviembre 100"}});
  record["offices"].push_back("no es una oficina");
  const auto missing = MissingLegalItems(record);
  ASSERT_EQ(missing.size(), 4u);
  EXPECT_EQ(missing[0].field, "offices/2/name");
  EXPECT_EQ(missing[1].field, "offices/2/address");
  EXPECT_EQ(missing[2].field, "offices/1/hours");
  EXPECT_EQ(missing[2].message,
            "Falta el horario de atención de la oficina 2 (art. 46, fracción XVI).");
  EXPECT_EQ(missing[3].field, "offices/2/hours");
}

}  // namespace
}  // namespace cabildo::plugins::procedure_registry
