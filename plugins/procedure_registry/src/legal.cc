// LGMR art. 46, fractions I-XVIII: what a record must say before it is
// published. Walks the record's known fields only, one level into the lists
// the law names (legal bases, modalities, requirements, offices, contact
// channels) with plain loops: nothing here recurses on client data.
#include "legal.h"

#include <string>
#include <string_view>
#include <vector>

namespace cabildo::plugins::procedure_registry {
namespace {

using nlohmann::json;

const json& Null() {
  static const json kNull;
  return kNull;
}

// `object[key]` when `object` is an object that has it; null otherwise.
const json& At(const json& object, std::string_view key) {
  if (!object.is_object()) return Null();
  auto it = object.find(key);
  return it == object.end() ? Null() : *it;
}

// A string with something besides blanks.
bool HasText(const json& value) {
  if (!value.is_string()) return false;
  for (const char c : value.get_ref<const std::string&>()) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return true;
  }
  return false;
}

bool NonEmptyList(const json& value) { return value.is_array() && !value.empty(); }

// Collects the items in the order the checks run (fraction order).
class Missing {
 public:
  void Add(std::string field, const char* fraction, const std::string& what) {
    items_.push_back(
        {std::move(field), fraction, what + " (art. 46, fracción " + std::string(fraction) + ")."});
  }
  // `field` must be text.
  void Text(const json& record, const char* field, const char* fraction, const char* what) {
    if (!HasText(At(record, field))) Add(field, fraction, what);
  }
  // Item `i` of list `list` must have text in `key`: field "offices/0/hours",
  // message "<what> 1 (art. 46, ...)" (counted from 1 for people).
  void ItemText(const json& item, const std::string& list, size_t i, const char* key,
                const char* fraction, const std::string& what) {
    if (!HasText(At(item, key))) {
      Add(list + "/" + std::to_string(i) + "/" + key, fraction, what + " " + std::to_string(i + 1));
    }
  }
  std::vector<MissingItem> Take() { return std::move(items_); }

 private:
  std::vector<MissingItem> items_;
};

}  // namespace

std::vector<MissingItem> MissingLegalItems(const json& record) {
  Missing missing;

  // I. Nombre y descripción.
  missing.Text(record, "name", "I", "Falta el nombre del trámite o servicio");
  missing.Text(record, "description", "I", "Falta la descripción del trámite o servicio");

  // II. Modalidades: la lista, aunque esté vacía (sin modalidades), y el
  // nombre de cada una.
  const json& modalities = At(record, "modalities");
  if (!modalities.is_array()) {
    missing.Add("modalities", "II", "Faltan las modalidades; si no tiene, envíe una lista vacía");
  } else {
    for (size_t i = 0; i < modalities.size(); ++i) {
      missing.ItemText(modalities[i], "modalities", i, "name", "II",
                       "Falta el nombre de la modalidad");
    }
  }

  // III. Fundamento jurídico: al menos uno, con ordenamiento y artículo.
  const json& legal_basis = At(record, "legal_basis");
  if (!NonEmptyList(legal_basis)) {
    missing.Add("legal_basis", "III", "Falta el fundamento jurídico");
  } else {
    for (size_t i = 0; i < legal_basis.size(); ++i) {
      missing.ItemText(legal_basis[i], "legal_basis", i, "instrument", "III",
                       "Falta el ordenamiento del fundamento jurídico");
      missing.ItemText(legal_basis[i], "legal_basis", i, "article", "III",
                       "Falta el artículo del fundamento jurídico");
    }
  }

  // IV. Casos en que debe o puede realizarse, y los pasos.
  if (!NonEmptyList(At(record, "cases"))) {
    missing.Add("cases", "IV", "Faltan los casos en que debe o puede realizarse");
  }
  if (!NonEmptyList(At(record, "steps"))) {
    missing.Add("steps", "IV", "Faltan los pasos que debe seguir la persona");
  }

  // V. Requisitos: la lista (vacía si no pide ninguno) y la descripción de
  // cada uno.
  const json& requirements = At(record, "requirements");
  if (!requirements.is_array()) {
    missing.Add("requirements", "V",
                "Faltan los requisitos; si no pide ninguno, envíe una lista vacía");
  } else {
    for (size_t i = 0; i < requirements.size(); ++i) {
      missing.ItemText(requirements[i], "requirements", i, "description", "V",
                       "Falta la descripción del requisito");
    }
  }

  // VI. Cómo se presenta (formato, escrito libre, ambos u otra forma).
  const json& channel = At(record, "submission_channel");
  missing.Text(record, "submission_channel", "VI",
               "Falta decir si se presenta mediante formato, escrito libre, ambos u otra forma");

  // VII. El formato, cuando se presenta en formato: dónde obtenerlo y su
  // fecha de publicación en el DOF o medio oficial.
  if (channel == "form" || channel == "both") {
    const json& form = At(record, "form");
    if (!HasText(At(form, "url"))) {
      missing.Add("form/url", "VII", "Falta la dirección donde se obtiene el formato");
    }
    if (!HasText(At(form, "published_on"))) {
      missing.Add("form/published_on", "VII", "Falta la fecha de publicación del formato");
    }
  }

  // VIII. Inspección o verificación: si se requiere y, entonces, su objetivo.
  const json& inspection = At(record, "inspection");
  const json& inspection_required = At(inspection, "required");
  if (!inspection_required.is_boolean()) {
    missing.Add("inspection/required", "VIII",
                "Falta decir si se requiere inspección o verificación");
  } else if (inspection_required.get<bool>() && !HasText(At(inspection, "purpose"))) {
    missing.Add("inspection/purpose", "VIII", "Falta el objetivo de la inspección o verificación");
  }

  // IX. Dependencia u oficina responsable.
  missing.Text(record, "agency", "IX", "Falta la dependencia u oficina responsable");

  // X. Plazo de respuesta y qué significa el silencio de la autoridad.
  const json& term = At(record, "resolution_term");
  if (!At(term, "value").is_number()) {
    missing.Add("resolution_term/value", "X", "Falta el plazo máximo de respuesta");
  }
  if (!HasText(At(term, "unit"))) {
    missing.Add("resolution_term/unit", "X",
                "Falta la unidad del plazo de respuesta (días o meses)");
  }
  missing.Text(record, "tacit_resolution", "X",
               "Falta decir qué significa que la autoridad no responda en el plazo (afirmativa "
               "o negativa ficta, o ninguna)");

  // XI. Plazos de prevención: de la autoridad para prevenir y de la persona
  // para cumplirla.
  const json& prevention = At(record, "prevention_terms");
  if (!At(prevention, "authority_days").is_number()) {
    missing.Add("prevention_terms/authority_days", "XI",
                "Falta el plazo que tiene la autoridad para pedir que se complete la solicitud");
  }
  if (!At(prevention, "applicant_days").is_number()) {
    missing.Add("prevention_terms/applicant_days", "XI",
                "Falta el plazo que tiene la persona para completar la solicitud");
  }

  // XII. Costo: si es gratuito y, si no, el monto o cómo se calcula y las
  // formas de pago.
  const json& cost = At(record, "cost");
  const json& free = At(cost, "free");
  if (!free.is_boolean()) {
    missing.Add("cost/free", "XII", "Falta decir si es gratuito o tiene costo");
  } else if (!free.get<bool>()) {
    if (!HasText(At(cost, "amount_mxn")) && !HasText(At(cost, "calculation"))) {
      missing.Add("cost/amount_mxn", "XII", "Falta el monto a pagar o la forma de calcularlo");
    }
    if (!NonEmptyList(At(record, "payment_methods"))) {
      missing.Add("payment_methods", "XII", "Faltan las formas de pago");
    }
  }

  // XIII. Vigencia de la resolución.
  missing.Text(record, "validity", "XIII", "Falta la vigencia de lo que se obtiene");

  // XIV. Criterios de resolución.
  missing.Text(record, "resolution_criteria", "XIV", "Faltan los criterios con que se resuelve");

  // XV. Oficinas donde se presenta, con nombre y domicilio; XVI. su horario.
  const json& offices = At(record, "offices");
  if (!NonEmptyList(offices)) {
    missing.Add("offices", "XV", "Falta al menos una oficina donde se presenta");
  } else {
    for (size_t i = 0; i < offices.size(); ++i) {
      missing.ItemText(offices[i], "offices", i, "name", "XV", "Falta el nombre de la oficina");
      missing.ItemText(offices[i], "offices", i, "address", "XV",
                       "Falta el domicilio de la oficina");
    }
    for (size_t i = 0; i < offices.size(); ++i) {
      missing.ItemText(offices[i], "offices", i, "hours", "XVI",
                       "Falta el horario de atención de la oficina");
    }
  }

  // XVII. Medios de contacto para quejas, dudas y consultas.
  const json& contacts = At(record, "contact_channels");
  if (!NonEmptyList(contacts)) {
    missing.Add("contact_channels", "XVII",
                "Falta al menos un teléfono, correo o sitio para dudas y quejas");
  } else {
    for (size_t i = 0; i < contacts.size(); ++i) {
      missing.ItemText(contacts[i], "contact_channels", i, "value", "XVII",
                       "Falta el teléfono, correo o sitio del medio de contacto");
    }
  }

  // XVIII. Lo que debe conservarse.
  missing.Text(record, "records_to_keep", "XVIII",
               "Falta qué documentos debe conservar la persona o la autoridad");

  return missing.Take();
}

}  // namespace cabildo::plugins::procedure_registry
