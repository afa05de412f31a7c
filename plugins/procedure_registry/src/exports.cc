// Open data: the public catalogue as CSV and JSON in the layout of the
// national catalogue's record (the CNARTyS ficha of LGMR art. 46; domain.md
// §A): one row (object) per current published version, one column per item
// of each fraction, in fraction order. Both are streamed from a cursor like
// public-works' exports, so memory stays flat whatever the catalogue's size
// (a state with include_descendants covers every municipality).
//
// The JSON keeps the nested lists structured (arrays of objects); the CSV
// flattens them: the items of a list joined by " | ", the fields of one item
// joined by " ; " in the documented order. Column order and names are part of
// the contract: kColumns documents them for the OpenAPI description and
// ProcedureRegistryExportRecord.json for the JSON.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cabildo/plugin/values.h"

#include "procedure_registry.h"

namespace cabildo::plugins::procedure_registry {
namespace {

using nlohmann::json;
using plugin::HttpMethod;
using plugin::HttpResponse;
using plugin::RequestContext;

// One column of the ficha: the CSV header and the JSON key, the fraction of
// art. 46 it comes from ("" for identification and dates), what it holds
// (Spanish, for the OpenAPI description) and, for a list of objects, the
// fields of each item in the order the CSV writes them.
struct Column {
  const char* name;
  const char* fraction;
  const char* description;
  std::vector<const char*> fields = {};
};

// Column order is part of the contract (documented in the OpenAPI).
const std::vector<Column> kColumns = {
    {"id", "", "Identificador (UUID) de la ficha en Cabildo."},
    {"ente", "", "Slug del ente (tenant) que la publica."},
    {"homoclave", "", "Homoclave del trámite o servicio, única en el ente."},
    {"tipo", "", "procedure = trámite, service = servicio."},
    {"dirigido_a", "", "citizens = ciudadanía, businesses = empresas, both = ambos."},
    {"nombre", "I", "Nombre del trámite o servicio."},
    {"descripcion", "I", "Descripción."},
    {"modalidades",
     "II",
     "Modalidades (clave ; nombre). Vacío: no tiene modalidades.",
     {"clave", "nombre"}},
    {"fundamento_juridico",
     "III",
     "Fundamento jurídico de su existencia (ordenamiento ; artículo ; url).",
     {"ordenamiento", "articulo", "url"}},
    {"casos", "IV", "Casos en que debe o puede realizarse."},
    {"pasos", "IV", "Pasos a seguir, en orden."},
    {"requisitos",
     "V",
     "Requisitos (descripción ; original true|false ; número de copias ; quien lo emite, si es un "
     "tercero ; homoclave del trámite previo que se requiere).",
     {"descripcion", "original", "copias", "emisor", "tramite_previo"}},
    {"medio_presentacion", "VI",
     "form = formato, free_letter = escrito libre, both = ambos, other = otro medio."},
    {"en_linea", "VI", "true cuando puede hacerse en línea de principio a fin."},
    {"url_en_linea", "VI", "Dirección donde se hace en línea."},
    {"formato_url", "VII", "Dirección del formato."},
    {"formato_fecha_publicacion", "VII",
     "Fecha (AAAA-MM-DD) de publicación del formato en el medio de difusión oficial."},
    {"requiere_inspeccion", "VIII", "true cuando requiere inspección o verificación."},
    {"objetivo_inspeccion", "VIII", "Objetivo de la inspección o verificación."},
    {"dependencia", "IX", "Dependencia u oficina responsable."},
    {"plazo_resolucion", "X", "Plazo máximo para resolver (número)."},
    {"plazo_resolucion_unidad", "X", "Unidad del plazo: days = días, months = meses."},
    {"plazo_resolucion_dias_habiles", "X", "true cuando el plazo se cuenta en días hábiles."},
    {"ficta", "X",
     "Si aplica afirmativa ficta (positive), negativa ficta (negative) o ninguna (none)."},
    {"plazo_prevencion_autoridad_dias", "XI",
     "Días que tiene la autoridad para prevenir al solicitante."},
    {"plazo_respuesta_prevencion_dias", "XI",
     "Días que tiene el solicitante para cumplir la prevención."},
    {"gratuito", "XII", "true cuando no tiene costo."},
    {"monto_mxn", "XII", "Monto de los derechos en MXN (texto decimal, p. ej. 1250.50)."},
    {"metodo_calculo", "XII", "Forma de calcular el monto cuando no es fijo."},
    {"fundamento_cobro", "XII", "Fundamento jurídico del cobro."},
    {"formas_pago", "XII", "Alternativas para pagar."},
    {"vigencia", "XIII", "Vigencia del permiso, licencia, registro o resolución que se obtiene."},
    {"criterios_resolucion", "XIV", "Criterios de resolución."},
    {"oficinas",
     "XV",
     "Oficinas donde se presenta (nombre ; domicilio ; latitud ; longitud), en el orden de "
     "horarios.",
     {"nombre", "domicilio", "latitud", "longitud"}},
    {"horarios",
     "XVI",
     "Horario de atención de cada oficina (oficina ; horario).",
     {"oficina", "horario"}},
    {"canales_contacto",
     "XVII",
     "Teléfonos, correos y sitios para dudas y quejas (tipo phone|email|web ; valor).",
     {"tipo", "valor"}},
    {"conservar_informacion", "XVIII",
     "Información que debe conservarse para fines de acreditación, inspección y verificación."},
    {"metadatos", "XIX", "Otros datos de la Estrategia Nacional (objeto JSON), si los hay."},
    {"categoria", "", "Categoría del catálogo."},
    {"palabras_clave", "", "Palabras clave de búsqueda."},
    {"version", "", "Número de la versión publicada (1, 2, ...)."},
    {"publicado", "", "Fecha y hora (UTC, RFC 3339) en que se publicó esta versión."},
    {"actualizado", "", "Último cambio público de la ficha (UTC, RFC 3339)."},
};

// How a list is flattened in the CSV.
constexpr const char* kItemSeparator = " | ";
constexpr const char* kFieldSeparator = " ; ";

json Member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto found = object.find(key);
  return found == object.end() ? json(nullptr) : *found;
}

json Object(const json& object, const char* key) {
  json value = Member(object, key);
  return value.is_object() ? value : json::object();
}

json Array(const json& object, const char* key) {
  json value = Member(object, key);
  return value.is_array() ? value : json::array();
}

// A list of objects of the record as a list of objects with the ficha's
// Spanish keys: `keys` pairs each ficha key with the record's.
json Items(const json& record, const char* key,
           const std::vector<std::pair<const char*, const char*>>& keys) {
  json out = json::array();
  for (const auto& item : Array(record, key)) {
    json mapped = json::object();
    for (const auto& [to, from] : keys) mapped[to] = Member(item, from);
    out.push_back(std::move(mapped));
  }
  return out;
}

// One public record (kPublicItemJson) as the ficha: every column of
// kColumns, absent values as null and absent lists as [].
json Ficha(const json& r) {
  const json form = Object(r, "form");
  const json inspection = Object(r, "inspection");
  const json term = Object(r, "resolution_term");
  const json prevention = Object(r, "prevention_terms");
  const json cost = Object(r, "cost");
  json hours = json::array();
  for (const auto& office : Array(r, "offices")) {
    hours.push_back({{"oficina", Member(office, "name")}, {"horario", Member(office, "hours")}});
  }
  json metadata = Member(r, "metadata");
  return {
      {"id", Member(r, "id")},
      {"ente", Member(r, "tenant")},
      {"homoclave", Member(r, "homoclave")},
      {"tipo", Member(r, "kind")},
      {"dirigido_a", Member(r, "audience")},
      {"nombre", Member(r, "name")},
      {"descripcion", Member(r, "description")},
      {"modalidades", Items(r, "modalities", {{"clave", "code"}, {"nombre", "name"}})},
      {"fundamento_juridico",
       Items(r, "legal_basis",
             {{"ordenamiento", "instrument"}, {"articulo", "article"}, {"url", "url"}})},
      {"casos", Array(r, "cases")},
      {"pasos", Array(r, "steps")},
      {"requisitos", Items(r, "requirements",
                           {{"descripcion", "description"},
                            {"original", "original"},
                            {"copias", "copies"},
                            {"emisor", "issuer"},
                            {"tramite_previo", "prerequisite_homoclave"}})},
      {"medio_presentacion", Member(r, "submission_channel")},
      {"en_linea", Member(r, "online")},
      {"url_en_linea", Member(r, "online_url")},
      {"formato_url", Member(form, "url")},
      {"formato_fecha_publicacion", Member(form, "published_on")},
      {"requiere_inspeccion", Member(inspection, "required")},
      {"objetivo_inspeccion", Member(inspection, "purpose")},
      {"dependencia", Member(r, "agency")},
      {"plazo_resolucion", Member(term, "value")},
      {"plazo_resolucion_unidad", Member(term, "unit")},
      {"plazo_resolucion_dias_habiles", Member(term, "business_days")},
      {"ficta", Member(r, "tacit_resolution")},
      {"plazo_prevencion_autoridad_dias", Member(prevention, "authority_days")},
      {"plazo_respuesta_prevencion_dias", Member(prevention, "applicant_days")},
      {"gratuito", Member(cost, "free")},
      {"monto_mxn", Member(cost, "amount_mxn")},
      {"metodo_calculo", Member(cost, "calculation")},
      {"fundamento_cobro", Member(cost, "legal_basis")},
      {"formas_pago", Array(r, "payment_methods")},
      {"vigencia", Member(r, "validity")},
      {"criterios_resolucion", Member(r, "resolution_criteria")},
      {"oficinas", Items(r, "offices",
                         {{"nombre", "name"},
                          {"domicilio", "address"},
                          {"latitud", "lat"},
                          {"longitud", "lon"}})},
      {"horarios", std::move(hours)},
      {"canales_contacto", Items(r, "contact_channels", {{"tipo", "kind"}, {"valor", "value"}})},
      {"conservar_informacion", Member(r, "records_to_keep")},
      {"metadatos", metadata.is_object() ? metadata : json(nullptr)},
      {"categoria", Member(r, "category")},
      {"palabras_clave", Array(r, "keywords")},
      {"version", Member(r, "version")},
      {"publicado", Member(r, "published_at")},
      {"actualizado", Member(r, "updated_at")},
  };
}

// A scalar as CSV text: null is empty, numbers as JSON writes them (a whole
// float without its ".0"), booleans true/false.
std::string Text(const json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_structured()) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  std::string text = value.dump();
  if (value.is_number_float() && text.size() > 2 && text.ends_with(".0")) {
    text.resize(text.size() - 2);
  }
  return text;
}

// One cell: a list flattened (items by kItemSeparator, an object item's
// `column.fields` by kFieldSeparator), anything else as Text.
std::string Cell(const json& value, const Column& column) {
  if (!value.is_array()) return Text(value);
  std::string cell;
  for (size_t i = 0; i < value.size(); ++i) {
    if (i > 0) cell += kItemSeparator;
    const json& item = value[i];
    if (!item.is_object()) {
      cell += Text(item);
      continue;
    }
    for (size_t f = 0; f < column.fields.size(); ++f) {
      if (f > 0) cell += kFieldSeparator;
      cell += Text(Member(item, column.fields[f]));
    }
  }
  return cell;
}

std::vector<std::string> Header() {
  std::vector<std::string> header;
  for (const auto& column : kColumns) header.emplace_back(column.name);
  return header;
}

std::string CsvLine(const json& ficha) {
  std::vector<std::string> cells;
  cells.reserve(kColumns.size());
  for (const auto& column : kColumns) cells.push_back(Cell(Member(ficha, column.name), column));
  return plugin::CsvRow(cells);
}

// What identifies an export's content before a row is read (the ETag's
// basis): the tenants, how many current versions, the latest publication and
// the latest public change (a withdrawal moves only that one). Editing a
// draft moves none of them.
std::string ExportTag(RequestContext& ctx, const std::vector<std::string>& tenants) {
  pqxx::row row = plugin::Exec1(
      ctx, "procedure_registry.export_tag",
      "SELECT (SELECT count(*) FROM procedure_registry.versions v"
      "        JOIN procedure_registry.procedures p"
      "          ON p.tenant_id = v.tenant_id AND p.id = v.procedure_id"
      "        WHERE v.tenant_id = ANY ($1::uuid[]) AND v.valid_until IS NULL"
      "          AND p.deleted_at IS NULL), "
      "  (SELECT coalesce(max(v.published_at)::text, '') FROM procedure_registry.versions v"
      "    WHERE v.tenant_id = ANY ($1::uuid[])), "
      "  (SELECT coalesce(max(p.public_updated_at)::text, '') FROM procedure_registry.procedures p"
      "    WHERE p.tenant_id = ANY ($1::uuid[]) AND p.published_version IS NOT NULL), "
      "  (SELECT coalesce(string_agg(t.slug, ',' ORDER BY t.slug), '') FROM core.tenants t"
      "    WHERE t.id = ANY ($1::uuid[]))",
      plugin::PgArray(tenants));
  return row[0].as<std::string>() + "|" + row[1].as<std::string>() + "|" +
         row[2].as<std::string>() + "|" + row[3].as<std::string>();
}

// Calls `each` with the ficha of every current published version of
// `tenants`, by tenant slug, homoclave and id, through a cursor (a batch of
// rows and one ficha in memory at a time). `each` returns false to stop.
void ForEachFicha(RequestContext& ctx, const std::vector<std::string>& tenants,
                  const std::function<bool(const json&)>& each) {
  plugin::ForEachRow(
      ctx, "procedure_registry.export_rows",
      std::string("SELECT ") + kPublicItemJson + kPublicFrom +
          " AND v.tenant_id = ANY ($1::uuid[]) AND p.deleted_at IS NULL"
          " ORDER BY t.slug, v.document ->> 'homoclave', p.id",
      [&](const pqxx::row& row) { return each(Ficha(json::parse(row[0].c_str()))); },
      plugin::PgArray(tenants));
}

StatusOr<HttpResponse> ExportCsv(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(std::vector<std::string> tenants, ctx.ReadTenants());
  std::string tag = ExportTag(ctx, tenants);
  return HttpResponse::Stream(
      "text/csv; charset=utf-8", std::move(tag),
      [&ctx, tenants = std::move(tenants)](plugin::BodyWriter& out) -> Status {
        plugin::BodyBuffer body(out);
        body.Append(plugin::CsvRow(Header()));
        ForEachFicha(ctx, tenants, [&](const json& ficha) { return body.Append(CsvLine(ficha)); });
        body.Flush();
        return OkStatus();
      });
}

StatusOr<HttpResponse> ExportJson(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(std::vector<std::string> tenants, ctx.ReadTenants());
  std::string tag = ExportTag(ctx, tenants);
  return HttpResponse::Stream(
      "application/json", std::move(tag),
      [&ctx, tenants = std::move(tenants)](plugin::BodyWriter& out) -> Status {
        plugin::BodyBuffer body(out);
        plugin::JsonArrayWriter items(body);
        ForEachFicha(ctx, tenants, [&](const json& ficha) { return items.Add(ficha); });
        items.Finish();
        body.Flush();
        return OkStatus();
      });
}

// The CSV route's description: the format and a table of the columns.
std::string CsvDescription() {
  std::string text =
      "UTF-8, RFC 4180, con fila de encabezados: una fila por trámite o servicio publicado "
      "(su versión vigente; nunca borradores ni fichas dadas de baja), en el orden de la ficha "
      "del Catálogo Nacional de Regulaciones, Trámites y Servicios (Ley General de Mejora "
      "Regulatoria, art. 46): una columna por cada dato de cada fracción. Filas ordenadas por "
      "ente, homoclave e id. Las listas van en una celda: sus elementos separados por \" | \" y, "
      "cuando cada elemento tiene varios datos, estos separados por \" ; \" en el orden que "
      "indica la tabla (un dato vacío queda vacío). Sí/no como true/false; números y montos como "
      "texto decimal. Una celda que una hoja de cálculo ejecutaría como fórmula (empieza con =, "
      "+, -, @, tabulador o retorno de carro y no es un número) lleva un apóstrofo al inicio. "
      "La exportación JSON trae las mismas columnas con las listas estructuradas. Con "
      "include_descendants=true incluye los entes descendientes (columna ente).\n\n"
      "| columna | fracción del art. 46 | contenido |\n|---|---|---|\n";
  for (const auto& column : kColumns) {
    text += std::string("| ") + column.name + " | " + (*column.fraction ? column.fraction : "—") +
            " | " + column.description + " |\n";
  }
  return text;
}

}  // namespace

void RegisterExports(plugin::PluginRegistrar& registrar) {
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/export.csv",
                      .operation_id = "procedureRegistryExportCsv",
                      .summary = "Exportar el catálogo de trámites y servicios (CSV)",
                      .description = CsvDescription(),
                      .descendants = true,
                      .response_media_type = "text/csv; charset=utf-8",
                      .handler = &ExportCsv});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/export.json",
       .operation_id = "procedureRegistryExportJson",
       .summary = "Exportar el catálogo de trámites y servicios (JSON)",
       .description =
           "UTF-8, una lista JSON con un objeto por trámite o servicio publicado (su versión "
           "vigente; nunca borradores ni fichas dadas de baja), con las mismas claves y en el "
           "mismo orden de filas que la exportación CSV, pero con las listas estructuradas "
           "(listas de objetos). Cada clave está descrita en el esquema "
           "ProcedureRegistryExportRecord con la fracción del art. 46 de la que viene. Sin fichas "
           "publicadas responde una lista vacía. Con include_descendants=true incluye los entes "
           "descendientes (clave ente).",
       .descendants = true,
       .response_body = "ProcedureRegistryExportList",
       .handler = &ExportJson});
  registrar.AddExport({"tramites-csv", "/export.csv", "csv", "text/csv; charset=utf-8",
                       "Catálogo de trámites y servicios publicados en CSV (UTF-8, RFC 4180), una "
                       "fila por ficha con el formato del Catálogo Nacional (art. 46 LGMR)."});
  registrar.AddExport({"tramites-json", "/export.json", "json", "application/json",
                       "Catálogo de trámites y servicios publicados en JSON, con las mismas "
                       "columnas que el CSV y las listas estructuradas."});
}

}  // namespace cabildo::plugins::procedure_registry
