// The open-data exports over HTTP against the real services: GET /export.csv
// and /export.json in the layout of the national catalogue's record (one
// column per item of art. 46), only current published versions (never a
// draft, nor a working copy's edits, nor a withdrawn record), a state with
// include_descendants and its `ente` column, the JSON against its schema,
// formula-safe CSV, streaming and ETags, the OpenAPI documentation of every
// column, and the demo data of scripts/demo-data.sh.
//
// Records are seeded in SQL (as the owner, scoped by row-level security) in
// exactly the shape the records and publish routes store them: a working
// copy (`draft`, no homoclave) and immutable versions (document = working
// copy + homoclave; the current one with valid_until NULL).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/core/db_pool.h"
#include "cabildo/core/json_schema.h"

#include "procedure_registry_fixture.h"

namespace cabildo {
namespace {

using nlohmann::json;

// The CSV header, as the OpenAPI description documents it.
const char* const kHeader =
    "id,ente,homoclave,tipo,dirigido_a,nombre,descripcion,modalidades,fundamento_juridico,casos,"
    "pasos,requisitos,medio_presentacion,en_linea,url_en_linea,formato_url,"
    "formato_fecha_publicacion,requiere_inspeccion,objetivo_inspeccion,dependencia,"
    "plazo_resolucion,plazo_resolucion_unidad,plazo_resolucion_dias_habiles,ficta,"
    "plazo_prevencion_autoridad_dias,plazo_respuesta_prevencion_dias,gratuito,monto_mxn,"
    "metodo_calculo,fundamento_cobro,formas_pago,vigencia,criterios_resolucion,oficinas,horarios,"
    "canales_contacto,conservar_informacion,metadatos,categoria,palabras_clave,version,publicado,"
    "actualizado";

std::vector<std::string> HeaderColumns() {
  std::vector<std::string> columns;
  std::stringstream in(kHeader);
  for (std::string column; std::getline(in, column, ',');) columns.push_back(column);
  return columns;
}

// RFC 4180: rows of cells (quoted cells may hold commas, quotes and CRLF).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(std::move(cell));
      cell.clear();
      rows.push_back(std::move(row));
      row.clear();
      ++i;
    } else {
      cell += c;
    }
  }
  if (!cell.empty() || !row.empty()) {
    row.push_back(std::move(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

class ExportsTest : public testing::ProcedureRegistryTest {
 protected:
  // Runs `fn` in one transaction as the owner, scoped to every tenant.
  template <typename Fn>
  auto AsOwner(Fn&& fn) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work w(owner);
    std::vector<std::string> ids;
    for (const auto& row : w.exec("SELECT id::text FROM core.tenants")) {
      ids.push_back(row[0].as<std::string>());
    }
    core::ApplyScope(w, core::Scope{ids, ""});
    auto result = fn(w);
    w.commit();
    return result;
  }

  // A never-published record (status draft): the working copy only.
  std::string InsertDraft(const std::string& tenant, const json& record) {
    json draft = record;
    draft.erase("homoclave");
    return AsOwner([&](pqxx::work& w) {
      return w
          .exec_params(
              "INSERT INTO procedure_registry.procedures (tenant_id, homoclave, status, draft) "
              "SELECT id, $2, 'draft', $3::jsonb FROM core.tenants WHERE slug = $1 RETURNING id",
              tenant, record["homoclave"].get<std::string>(), draft.dump())[0][0]
          .as<std::string>();
    });
  }

  // A record published as version 1, as POST /publish leaves it.
  std::string InsertPublished(const std::string& tenant, const json& record) {
    const std::string id = InsertDraft(tenant, record);
    Publish(tenant, id);
    return id;
  }

  // Publishes the working copy of `id` as its next version: the current one
  // (if any) closes, status published, public_updated_at = now.
  void Publish(const std::string& tenant, const std::string& id) {
    AsOwner([&](pqxx::work& w) {
      w.exec_params(
          "UPDATE procedure_registry.versions v SET valid_until = clock_timestamp() "
          "FROM core.tenants t WHERE t.slug = $1 AND v.tenant_id = t.id "
          "AND v.procedure_id = $2::uuid AND v.valid_until IS NULL",
          tenant, id);
      w.exec_params(
          "INSERT INTO procedure_registry.versions (tenant_id, procedure_id, version, document, "
          "published_at) "
          "SELECT p.tenant_id, p.id, coalesce(p.published_version, 0) + 1, "
          "p.draft || jsonb_build_object('homoclave', p.homoclave), clock_timestamp() "
          "FROM procedure_registry.procedures p JOIN core.tenants t ON t.id = p.tenant_id "
          "WHERE t.slug = $1 AND p.id = $2::uuid",
          tenant, id);
      w.exec_params(
          "UPDATE procedure_registry.procedures p SET status = 'published', "
          "published_version = coalesce(published_version, 0) + 1, "
          "public_updated_at = clock_timestamp(), updated_at = clock_timestamp() "
          "FROM core.tenants t WHERE t.slug = $1 AND p.tenant_id = t.id AND p.id = $2::uuid",
          tenant, id);
      return 0;
    });
  }

  // Edits the working copy only (what PATCH does): the public version stays.
  void EditDraft(const std::string& tenant, const std::string& id, const json& changes) {
    AsOwner([&](pqxx::work& w) {
      w.exec_params(
          "UPDATE procedure_registry.procedures p SET draft = p.draft || $3::jsonb, "
          "updated_at = clock_timestamp() "
          "FROM core.tenants t WHERE t.slug = $1 AND p.tenant_id = t.id AND p.id = $2::uuid",
          tenant, id, changes.dump());
      return 0;
    });
  }

  // The baja of a published record (what DELETE does): withdrawn, a
  // tombstone, its current version closed (the versions stay).
  void Withdraw(const std::string& tenant, const std::string& id) {
    AsOwner([&](pqxx::work& w) {
      w.exec_params(
          "UPDATE procedure_registry.versions v SET valid_until = clock_timestamp() "
          "FROM core.tenants t WHERE t.slug = $1 AND v.tenant_id = t.id "
          "AND v.procedure_id = $2::uuid AND v.valid_until IS NULL",
          tenant, id);
      w.exec_params(
          "UPDATE procedure_registry.procedures p SET status = 'withdrawn', "
          "deleted_at = clock_timestamp(), public_updated_at = clock_timestamp(), "
          "updated_at = clock_timestamp() "
          "FROM core.tenants t WHERE t.slug = $1 AND p.tenant_id = t.id AND p.id = $2::uuid",
          tenant, id);
      return 0;
    });
  }

  testing::HttpResult Export(const std::string& tenant, const std::string& file,
                             const std::map<std::string, std::string>& headers = {}) {
    return Call("GET", Path(tenant, "/" + file), "", "", headers);
  }

  // The CSV export's rows as header -> cell maps (the header row checked).
  std::vector<std::map<std::string, std::string>> CsvRecords(const std::string& tenant,
                                                             const std::string& query = "") {
    auto result = Export(tenant, "export.csv" + query);
    EXPECT_EQ(result.status, 200) << result.body;
    auto rows = ParseCsv(result.body);
    std::vector<std::map<std::string, std::string>> records;
    if (rows.empty()) {
      ADD_FAILURE() << "no header row";
      return records;
    }
    const auto columns = HeaderColumns();
    EXPECT_EQ(rows[0], columns);
    for (size_t i = 1; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].size(), columns.size()) << "row " << i;
      std::map<std::string, std::string> record;
      for (size_t c = 0; c < columns.size() && c < rows[i].size(); ++c) {
        record[columns[c]] = rows[i][c];
      }
      records.push_back(std::move(record));
    }
    return records;
  }

  json JsonExport(const std::string& tenant, const std::string& query = "") {
    auto result = Export(tenant, "export.json" + query);
    EXPECT_EQ(result.status, 200) << result.body;
    return json::parse(result.body, nullptr, false);
  }

  void LoadDemoData() {
    const std::string command = "CABILDO_DATABASE_ADMIN_URL=\"" + database_.owner_url() +
                                "\" bash '" + std::string(CABILDO_SOURCE_DIR) +
                                "/scripts/demo-data.sh' > /dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  // What the module's schemas say is wrong with `value` as `name`:
  // "field: message" lines (empty: valid).
  static std::string SchemaErrors(const std::string& name, const json& value) {
    core::SchemaSet schemas;
    for (const auto& entry : std::filesystem::directory_iterator(
             std::string(CABILDO_SOURCE_DIR) + "/plugins/procedure_registry/schemas")) {
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      if (!schemas.Add(entry.path().stem().string(), json::parse(text.str())).ok()) {
        return "cannot load " + entry.path().string();
      }
    }
    if (!schemas.Resolve().ok()) return "schemas do not resolve";
    std::string out;
    for (const auto& error : schemas.Validate(name, value)) {
      out += error.field + ": " + error.message + "\n";
    }
    return out;
  }
};

TEST_F(ExportsTest, WithNothingPublishedTheCsvIsItsHeaderAndTheJsonAnEmptyList) {
  InsertDraft("municipio-durango", CompleteProcedure("MDGO-DU-001", "Licencia de construcción"));
  auto csv = Export("municipio-durango", "export.csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body, std::string(kHeader) + "\r\n");
  auto exported = Export("municipio-durango", "export.json");
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_EQ(exported.Header("content-type").rfind("application/json", 0), 0u);
  EXPECT_EQ(json::parse(exported.body), json::array());
}

// Every value of the fixture's complete record lands in its own column, the
// nested lists flattened: items by " | ", an item's fields by " ; ".
TEST_F(ExportsTest, CsvPutsEachItemOfTheRecordInItsColumn) {
  json record = CompleteProcedure("MDGO-DU-001", "Licencia de construcción");
  record["online_url"] = "https://tramites.municipiodurango.gob.mx/licencia";
  record["metadata"] = {{"clave_sare", "SARE-12"}};
  record["modalities"].push_back({{"code", "B"}, {"name", "Ampliación"}});
  const std::string id = InsertPublished("municipio-durango", record);

  auto records = CsvRecords("municipio-durango");
  ASSERT_EQ(records.size(), 1u);
  auto& r = records[0];
  EXPECT_EQ(r["id"], id);
  EXPECT_EQ(r["ente"], "municipio-durango");
  EXPECT_EQ(r["homoclave"], "MDGO-DU-001");
  EXPECT_EQ(r["tipo"], "procedure");
  EXPECT_EQ(r["dirigido_a"], "both");
  EXPECT_EQ(r["nombre"], "Licencia de construcción");
  EXPECT_EQ(r["descripcion"],
            "Autorización municipal para construir, ampliar o remodelar una obra.");
  EXPECT_EQ(r["modalidades"], "A ; Obra nueva | B ; Ampliación");
  EXPECT_EQ(r["fundamento_juridico"],
            "Reglamento de Construcciones del Municipio de Durango ; Artículo 12 ; "
            "https://www.municipiodurango.gob.mx/reglamentos/construcciones.pdf");
  EXPECT_EQ(r["casos"], "Cuando se construye una obra nueva de más de 20 metros cuadrados.");
  EXPECT_EQ(
      r["pasos"],
      "Entregar la solicitud con sus requisitos. | Pagar los derechos. | Recoger la licencia.");
  // Absent fields of an item stay empty, in their place.
  EXPECT_EQ(r["requisitos"],
            "Identificación oficial vigente ; true ; 1 ; Instituto Nacional Electoral ;  | "
            "Planos arquitectónicos firmados por perito ; true ; 2 ;  ; ");
  EXPECT_EQ(r["medio_presentacion"], "form");
  EXPECT_EQ(r["en_linea"], "false");
  EXPECT_EQ(r["url_en_linea"], "https://tramites.municipiodurango.gob.mx/licencia");
  EXPECT_EQ(r["formato_url"], "https://www.municipiodurango.gob.mx/formatos/licencia.pdf");
  EXPECT_EQ(r["formato_fecha_publicacion"], "2024-03-15");
  EXPECT_EQ(r["requiere_inspeccion"], "true");
  EXPECT_EQ(r["objetivo_inspeccion"], "Verificar que la obra siga los planos.");
  EXPECT_EQ(r["dependencia"], "Dirección Municipal de Desarrollo Urbano");
  EXPECT_EQ(r["plazo_resolucion"], "10");
  EXPECT_EQ(r["plazo_resolucion_unidad"], "days");
  EXPECT_EQ(r["plazo_resolucion_dias_habiles"], "true");
  EXPECT_EQ(r["ficta"], "negative");
  EXPECT_EQ(r["plazo_prevencion_autoridad_dias"], "5");
  EXPECT_EQ(r["plazo_respuesta_prevencion_dias"], "5");
  EXPECT_EQ(r["gratuito"], "false");
  EXPECT_EQ(r["monto_mxn"], "1250.50");
  EXPECT_EQ(r["metodo_calculo"], "Tarifa por metro cuadrado de construcción.");
  EXPECT_EQ(r["fundamento_cobro"], "Ley de Ingresos del Municipio de Durango 2026, artículo 45");
  EXPECT_EQ(r["formas_pago"], "efectivo | tarjeta de débito o crédito");
  EXPECT_EQ(r["vigencia"], "Un año a partir de su expedición.");
  EXPECT_EQ(r["criterios_resolucion"], "Que el proyecto cumpla el Reglamento de Construcciones.");
  EXPECT_EQ(r["oficinas"],
            "Ventanilla Única de Desarrollo Urbano ; Calle 5 de Febrero 800 Poniente, Zona "
            "Centro, 34000 Durango, Dgo. ; 24.0277 ; -104.6532");
  EXPECT_EQ(r["horarios"],
            "Ventanilla Única de Desarrollo Urbano ; Lunes a viernes de 8:00 a 15:00");
  EXPECT_EQ(r["canales_contacto"],
            "phone ; 618 137 8000 | email ; desarrollo.urbano@municipiodurango.gob.mx");
  EXPECT_EQ(r["conservar_informacion"], "La licencia y los planos sellados, en la obra.");
  EXPECT_EQ(r["metadatos"], R"({"clave_sare":"SARE-12"})");
  EXPECT_EQ(r["categoria"], "desarrollo urbano");
  EXPECT_EQ(r["palabras_clave"], "obra | permiso de construcción");
  EXPECT_EQ(r["version"], "1");
  EXPECT_EQ(r["publicado"].size(), 27u) << r["publicado"];  // 2026-12-06T03:04:05.123456Z
  EXPECT_EQ(r["publicado"].back(), 'Z');
  EXPECT_EQ(r["actualizado"].size(), 27u) << r["actualizado"];
}

// A cell a spreadsheet would run as a formula gets a leading apostrophe; a
// plain number keeps its sign; a list whose first item starts with "=" is
// guarded as a whole cell.
TEST_F(ExportsTest, CsvIsSafeAgainstFormulaInjection) {
  json record = CompleteProcedure("MDGO-DU-002", "=HYPERLINK(\"http://malo.example\",\"clic\")");
  record["validity"] = "@SUM(A1:A9)";
  record["records_to_keep"] = "+52 618 000 0000";
  record["resolution_criteria"] = "-1+2";
  record["steps"] = {"=1+1", "Pagar los derechos."};
  record["agency"] = "\tDirección";
  InsertPublished("municipio-durango", record);
  auto csv = Export("municipio-durango", "export.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find(R"x(,"'=HYPERLINK(""http://malo.example"",""clic"")",)x"),
            std::string::npos)
      << csv.body;
  auto records = CsvRecords("municipio-durango");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["nombre"], "'=HYPERLINK(\"http://malo.example\",\"clic\")");
  EXPECT_EQ(records[0]["vigencia"], "'@SUM(A1:A9)");
  EXPECT_EQ(records[0]["conservar_informacion"], "'+52 618 000 0000");
  EXPECT_EQ(records[0]["criterios_resolucion"], "'-1+2");
  EXPECT_EQ(records[0]["pasos"], "'=1+1 | Pagar los derechos.");
  EXPECT_EQ(records[0]["dependencia"], "'\tDirección");
  // No cell of the file starts with a formula character unguarded.
  for (const auto& row : ParseCsv(csv.body)) {
    for (const auto& cell : row) {
      if (cell.empty()) continue;
      EXPECT_EQ(std::string("=+-@\t\r").find(cell[0]), std::string::npos) << cell;
    }
  }
  // The JSON export carries the text as it is: JSON needs no guard.
  json exported = JsonExport("municipio-durango");
  ASSERT_EQ(exported.size(), 1u);
  EXPECT_EQ(exported[0]["nombre"], "=HYPERLINK(\"http://malo.example\",\"clic\")");
}

// Only the current published version of each record is exported: a draft
// never, a published record's later edits not until they are published, a
// withdrawn record no more, an older version no more, another tenant's not
// at all.
TEST_F(ExportsTest, OnlyCurrentPublishedVersionsAreExported) {
  const std::string edited = InsertPublished(
      "municipio-durango", CompleteProcedure("MDGO-DU-001", "Licencia de construcción"));
  EditDraft("municipio-durango", edited,
            {{"name", "Nombre en borrador"}, {"description", "Descripción en borrador"}});
  InsertDraft("municipio-durango", CompleteProcedure("MDGO-DU-009", "Trámite en borrador"));
  const std::string withdrawn =
      InsertPublished("municipio-durango", CompleteProcedure("MDGO-DU-003", "Permiso retirado"));
  Withdraw("municipio-durango", withdrawn);
  const std::string republished =
      InsertPublished("municipio-durango", CompleteProcedure("MDGO-DU-002", "Alineamiento viejo"));
  EditDraft("municipio-durango", republished, {{"name", "Alineamiento y número oficial"}});
  Publish("municipio-durango", republished);
  InsertPublished("tepehuanes", CompleteProcedure("TEP-SA-001", "Constancia de Tepehuanes"));

  auto records = CsvRecords("municipio-durango");
  ASSERT_EQ(records.size(), 2u);
  // Ordered by ente, homoclave, id.
  EXPECT_EQ(records[0]["homoclave"], "MDGO-DU-001");
  EXPECT_EQ(records[0]["nombre"], "Licencia de construcción");
  EXPECT_EQ(records[0]["version"], "1");
  EXPECT_EQ(records[1]["homoclave"], "MDGO-DU-002");
  EXPECT_EQ(records[1]["nombre"], "Alineamiento y número oficial");
  EXPECT_EQ(records[1]["version"], "2");

  auto csv = Export("municipio-durango", "export.csv");
  auto exported = Export("municipio-durango", "export.json");
  for (const std::string text :
       {"borrador", "Permiso retirado", "Alineamiento viejo", "Tepehuanes", withdrawn.c_str()}) {
    EXPECT_EQ(csv.body.find(text), std::string::npos) << text;
    EXPECT_EQ(exported.body.find(text), std::string::npos) << text;
  }
  json items = json::parse(exported.body);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["id"], edited);
  EXPECT_EQ(items[1]["id"], republished);
  EXPECT_EQ(items[1]["version"], 2);
}

// The state's export with include_descendants is the state's single
// catalogue: its own records and its municipalities', each row saying its
// ente; without it, only the state's.
TEST_F(ExportsTest, TheStateWithDescendantsExportsEveryTenantsRecordsWithTheEnteColumn) {
  InsertPublished("durango", CompleteProcedure("DGO-SFA-001", "Licencia de conducir"));
  InsertPublished("municipio-durango",
                  CompleteProcedure("MDGO-DU-001", "Licencia de construcción"));
  InsertPublished("tepehuanes", CompleteProcedure("TEP-SA-001", "Constancia de residencia"));
  InsertPublished("gomez-palacio", CompleteProcedure("GP-DU-001", "Licencia de construcción"));
  InsertDraft("gomez-palacio", CompleteProcedure("GP-DU-002", "Borrador de Gómez"));

  auto own = CsvRecords("durango");
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0]["ente"], "durango");

  auto all = CsvRecords("durango", "?include_descendants=true");
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto& r : all) rows.emplace_back(r["ente"], r["homoclave"]);
  EXPECT_EQ(rows,
            (std::vector<std::pair<std::string, std::string>>{{"durango", "DGO-SFA-001"},
                                                              {"gomez-palacio", "GP-DU-001"},
                                                              {"municipio-durango", "MDGO-DU-001"},
                                                              {"tepehuanes", "TEP-SA-001"}}));
  json items = JsonExport("durango", "?include_descendants=true");
  ASSERT_EQ(items.size(), 4u);
  std::set<std::string> entes;
  for (const auto& item : items) entes.insert(item["ente"].get<std::string>());
  EXPECT_EQ(entes,
            (std::set<std::string>{"durango", "gomez-palacio", "municipio-durango", "tepehuanes"}));
  // A municipality has no descendants: its own records only.
  EXPECT_EQ(CsvRecords("tepehuanes", "?include_descendants=true").size(), 1u);
  // A bad value is a 400 problem, never a query.
  auto bad = Export("durango", "export.csv?include_descendants=quizas");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.Header("content-type"), "application/problem+json");
}

// The JSON export: the same keys as the CSV columns, in the ficha's layout,
// with the nested lists structured; every object valid against
// ProcedureRegistryExportRecord.
TEST_F(ExportsTest, JsonExportKeepsTheNestedListsStructured) {
  json record = CompleteProcedure("MDGO-DU-001", "Licencia de construcción");
  record["requirements"][1]["prerequisite_homoclave"] = "MDGO-DU-002";
  InsertPublished("municipio-durango", record);
  json minimal = {{"homoclave", "MDGO-SP-001"}, {"kind", "service"}, {"name", "Servicio mínimo"}};
  InsertPublished("municipio-durango", minimal);

  json items = JsonExport("municipio-durango");
  ASSERT_TRUE(items.is_array());
  ASSERT_EQ(items.size(), 2u);
  for (const auto& item : items) {
    EXPECT_EQ(SchemaErrors("ProcedureRegistryExportRecord", item), "") << item.dump(2);
    std::set<std::string> keys;
    for (const auto& [key, value] : item.items()) keys.insert(key);
    const auto columns = HeaderColumns();
    EXPECT_EQ(keys, std::set<std::string>(columns.begin(), columns.end()));
  }
  EXPECT_EQ(SchemaErrors("ProcedureRegistryExportList", items), "");
  const json& f = items[0];
  EXPECT_EQ(f["homoclave"], "MDGO-DU-001");
  EXPECT_EQ(f["ente"], "municipio-durango");
  EXPECT_EQ(f["modalidades"], json::parse(R"([{"clave": "A", "nombre": "Obra nueva"}])"));
  EXPECT_EQ(f["fundamento_juridico"][0]["ordenamiento"],
            "Reglamento de Construcciones del Municipio de Durango");
  EXPECT_EQ(f["fundamento_juridico"][0]["articulo"], "Artículo 12");
  ASSERT_EQ(f["requisitos"].size(), 2u);
  EXPECT_EQ(f["requisitos"][0],
            json::parse(R"({"descripcion": "Identificación oficial vigente", "original": true,
                            "copias": 1, "emisor": "Instituto Nacional Electoral",
                            "tramite_previo": null})"));
  EXPECT_EQ(f["requisitos"][1]["copias"], 2);
  EXPECT_EQ(f["requisitos"][1]["tramite_previo"], "MDGO-DU-002");
  EXPECT_EQ(f["pasos"].size(), 3u);
  EXPECT_EQ(f["oficinas"][0]["latitud"], 24.0277);
  EXPECT_EQ(f["oficinas"][0]["longitud"], -104.6532);
  EXPECT_FALSE(f["oficinas"][0].contains("horario"));
  EXPECT_EQ(f["horarios"], json::parse(R"([{"oficina": "Ventanilla Única de Desarrollo Urbano",
                             "horario": "Lunes a viernes de 8:00 a 15:00"}])"));
  EXPECT_EQ(f["canales_contacto"][1], json::parse(R"({"tipo": "email",
            "valor": "desarrollo.urbano@municipiodurango.gob.mx"})"));
  EXPECT_EQ(f["monto_mxn"], "1250.50");  // money stays a decimal string
  EXPECT_EQ(f["gratuito"], false);
  EXPECT_EQ(f["plazo_resolucion"], 10);
  EXPECT_EQ(f["formas_pago"], json::parse(R"(["efectivo", "tarjeta de débito o crédito"])"));
  EXPECT_EQ(f["version"], 1);
  EXPECT_TRUE(f["metadatos"].is_null());
  // A record without most items: null values and empty lists, never missing keys.
  const json& m = items[1];
  EXPECT_EQ(m["tipo"], "service");
  EXPECT_EQ(m["requisitos"], json::array());
  EXPECT_EQ(m["horarios"], json::array());
  EXPECT_TRUE(m["monto_mxn"].is_null());
  EXPECT_TRUE(m["plazo_resolucion"].is_null());
  // The CSV row of the minimal record has empty cells where it has nothing.
  auto records = CsvRecords("municipio-durango");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["requisitos"], "");
  EXPECT_EQ(records[1]["monto_mxn"], "");
  EXPECT_EQ(records[1]["nombre"], "Servicio mínimo");
}

// Both exports are streamed (chunked, complete) with an ETag known before a
// row is read: a revalidation gets 304; editing a draft changes nothing;
// publishing and withdrawing change the file and its ETag.
TEST_F(ExportsTest, ExportsAreStreamedWithAnEtagThatOnlyPublicChangesMove) {
  const std::string id = InsertPublished(
      "municipio-durango", CompleteProcedure("MDGO-DU-001", "Licencia de construcción"));
  for (const std::string file : {"export.csv", "export.json"}) {
    auto first = Export("municipio-durango", file);
    ASSERT_EQ(first.status, 200) << file;
    EXPECT_TRUE(first.chunked && first.complete) << file;
    const std::string etag = first.Header("etag");
    ASSERT_FALSE(etag.empty()) << file;
    EXPECT_EQ(Export("municipio-durango", file, {{"If-None-Match", etag}}).status, 304) << file;

    EditDraft("municipio-durango", id, {{"name", "Editado en borrador " + file}});
    InsertDraft("municipio-durango",
                CompleteProcedure("MDGO-DR-" + std::to_string(file.size()), "Otro borrador"));
    auto after_draft = Export("municipio-durango", file);
    EXPECT_EQ(after_draft.Header("etag"), etag) << file;
    EXPECT_EQ(after_draft.body, first.body) << file;
    EXPECT_EQ(Export("municipio-durango", file, {{"If-None-Match", etag}}).status, 304) << file;
    // The descendants' export is another file with its own ETag.
    EXPECT_NE(Export("municipio-durango", file + "?include_descendants=true").Header("etag"), etag);
  }
  auto before = Export("municipio-durango", "export.json");
  Publish("municipio-durango", id);
  auto published = Export("municipio-durango", "export.json");
  EXPECT_NE(published.Header("etag"), before.Header("etag"));
  EXPECT_NE(published.body.find("Editado en borrador"), std::string::npos);
  Withdraw("municipio-durango", id);
  auto withdrawn = Export("municipio-durango", "export.json");
  EXPECT_NE(withdrawn.Header("etag"), published.Header("etag"));
  EXPECT_EQ(json::parse(withdrawn.body), json::array());
}

// Every column is documented: the CSV route's description has a row per
// column, in order, and the JSON schema a described property per column;
// GET /v1/modules lists both downloads.
TEST_F(ExportsTest, EveryColumnIsDocumentedInTheOpenApiDescription) {
  auto result = Call("GET", "/v1/openapi.json");
  ASSERT_EQ(result.status, 200);
  json doc = json::parse(result.body);
  const json& csv = doc["paths"]["/v1/tenants/{tenant}/procedure-registry/export.csv"]["get"];
  ASSERT_TRUE(csv.is_object()) << doc["paths"].dump().substr(0, 2000);
  const std::string description = csv["description"];
  size_t at = 0;
  for (const auto& column : HeaderColumns()) {
    const size_t found = description.find("| " + column + " |", at);
    ASSERT_NE(found, std::string::npos) << column << " (in order) in:\n" << description;
    at = found;
  }
  EXPECT_NE(description.find("fracción"), std::string::npos);
  const json& schema = doc["components"]["schemas"]["ProcedureRegistryExportRecord"];
  ASSERT_TRUE(schema.is_object());
  std::set<std::string> properties;
  for (const auto& [key, property] : schema["properties"].items()) {
    properties.insert(key);
    EXPECT_FALSE(property.value("description", "").empty()) << key;
  }
  const auto columns = HeaderColumns();
  EXPECT_EQ(properties, std::set<std::string>(columns.begin(), columns.end()));
  EXPECT_EQ(schema["required"].size(), columns.size());
  EXPECT_NE(schema["properties"]["fundamento_juridico"]["description"].get<std::string>().find(
                "fracción III"),
            std::string::npos);

  json modules = json::parse(Call("GET", "/v1/modules").body);
  std::map<std::string, std::string> exports;
  for (const auto& module : modules["items"]) {
    if (module["name"] != "procedure-registry") continue;
    for (const auto& e : module["exports"]) exports[e["path"]] = e["format"];
  }
  EXPECT_EQ(exports, (std::map<std::string, std::string>{
                         {"/v1/tenants/{tenant}/procedure-registry/export.csv", "csv"},
                         {"/v1/tenants/{tenant}/procedure-registry/export.json", "json"}}));
}

// The demo data (scripts/demo-data.sh, CABILDO_DEMO_DATA=1) loads as the
// publish route leaves records: each published one with version 1 = its
// working copy + homoclave, current, dated; the draft unpublished. The
// state's export lists the 13 published ones with every item of art. 46
// filled, and loading the data again changes nothing.
TEST_F(ExportsTest, TheDemoDataLoadsPublishedConsistentAndComplete) {
  LoadDemoData();
  auto counts = [&] {
    return AsOwner([](pqxx::work& w) {
      auto row = w.exec(
          "SELECT (SELECT count(*) FROM procedure_registry.procedures WHERE status = 'published'),"
          " (SELECT count(*) FROM procedure_registry.procedures WHERE status = 'draft'),"
          " (SELECT count(*) FROM procedure_registry.versions)")[0];
      return std::vector<int64_t>{row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<int64_t>()};
    });
  };
  EXPECT_EQ(counts(), (std::vector<int64_t>{13, 1, 13}));
  // Every published record is exactly as a publication leaves it.
  const int64_t inconsistent = AsOwner([](pqxx::work& w) {
    return w
        .exec(
            "SELECT count(*) FROM procedure_registry.procedures p "
            "LEFT JOIN procedure_registry.versions v "
            "  ON v.tenant_id = p.tenant_id AND v.procedure_id = p.id "
            "WHERE p.status = 'published' AND NOT (v.version = 1 AND p.published_version = 1 "
            "  AND v.valid_until IS NULL AND p.deleted_at IS NULL "
            "  AND v.document = p.draft || jsonb_build_object('homoclave', p.homoclave) "
            "  AND v.published_at = p.public_updated_at AND p.created_at < v.published_at "
            "  AND NOT p.draft ? 'homoclave')")[0][0]
        .as<int64_t>();
  });
  EXPECT_EQ(inconsistent, 0);
  const std::string draft = AsOwner([](pqxx::work& w) {
    return w
        .exec(
            "SELECT homoclave || ' ' || (published_version IS NULL AND public_updated_at IS NULL "
            "  AND NOT draft ? 'legal_basis' AND NOT draft ? 'offices') "
            "FROM procedure_registry.procedures WHERE status = 'draft'")[0][0]
        .as<std::string>();
  });
  EXPECT_EQ(draft, "MDGO-PC-001 true");

  auto first = Export("durango", "export.json?include_descendants=true");
  ASSERT_EQ(first.status, 200);
  json items = json::parse(first.body);
  ASSERT_EQ(items.size(), 13u);
  EXPECT_EQ(SchemaErrors("ProcedureRegistryExportList", items), "");
  std::map<std::string, int> per_tenant;
  std::set<std::string> kinds;
  int online = 0, free = 0;
  for (const auto& f : items) {
    const std::string who = f["ente"].get<std::string>() + " " + f["homoclave"].get<std::string>();
    ++per_tenant[f["ente"]];
    kinds.insert(f["tipo"].get<std::string>());
    online += f["en_linea"] == true;
    free += f["gratuito"] == true;
    EXPECT_NE(f["homoclave"], "MDGO-PC-001");
    // Art. 46, fraction by fraction, as the ficha shows it.
    for (const char* text :
         {"nombre", "descripcion", "medio_presentacion", "dependencia", "plazo_resolucion_unidad",
          "ficta", "vigencia", "criterios_resolucion", "conservar_informacion"}) {
      EXPECT_TRUE(f[text].is_string() && !f[text].get<std::string>().empty()) << who << " " << text;
    }
    for (const char* list : {"fundamento_juridico", "casos", "pasos", "requisitos", "oficinas",
                             "horarios", "canales_contacto"}) {
      EXPECT_FALSE(f[list].empty()) << who << " " << list;
    }
    EXPECT_TRUE(f["modalidades"].is_array()) << who;
    for (const auto& basis : f["fundamento_juridico"]) {
      EXPECT_TRUE(basis["ordenamiento"].is_string() && basis["articulo"].is_string()) << who;
    }
    for (const auto& requirement : f["requisitos"]) {
      EXPECT_TRUE(requirement["descripcion"].is_string()) << who;
    }
    if (f["medio_presentacion"] == "form" || f["medio_presentacion"] == "both") {
      EXPECT_TRUE(f["formato_url"].is_string() && f["formato_fecha_publicacion"].is_string())
          << who;
    }
    EXPECT_TRUE(f["requiere_inspeccion"].is_boolean()) << who;
    if (f["requiere_inspeccion"] == true) {
      EXPECT_TRUE(f["objetivo_inspeccion"].is_string()) << who;
    }
    if (f["en_linea"] == true) {
      EXPECT_TRUE(f["url_en_linea"].is_string()) << who;
    }
    EXPECT_TRUE(f["plazo_resolucion"].is_number()) << who;
    EXPECT_TRUE(f["plazo_prevencion_autoridad_dias"].is_number()) << who;
    EXPECT_TRUE(f["plazo_respuesta_prevencion_dias"].is_number()) << who;
    ASSERT_TRUE(f["gratuito"].is_boolean()) << who;
    if (f["gratuito"] == false) {
      EXPECT_TRUE(f["monto_mxn"].is_string()) << who;
      EXPECT_FALSE(f["formas_pago"].empty()) << who;
    }
    ASSERT_EQ(f["horarios"].size(), f["oficinas"].size()) << who;
    for (size_t i = 0; i < f["oficinas"].size(); ++i) {
      EXPECT_TRUE(f["oficinas"][i]["domicilio"].is_string()) << who;
      EXPECT_TRUE(f["horarios"][i]["horario"].is_string()) << who;
    }
    EXPECT_EQ(f["version"], 1);
  }
  EXPECT_EQ(
      per_tenant,
      (std::map<std::string, int>{
          {"durango", 2}, {"gomez-palacio", 3}, {"municipio-durango", 6}, {"tepehuanes", 2}}));
  EXPECT_EQ(kinds, (std::set<std::string>{"procedure", "service"}));
  EXPECT_EQ(online, 3);
  EXPECT_EQ(free, 2);

  // Idempotent: a second load inserts nothing and the export is the same file.
  LoadDemoData();
  EXPECT_EQ(counts(), (std::vector<int64_t>{13, 1, 13}));
  auto again = Export("durango", "export.json?include_descendants=true");
  EXPECT_EQ(again.Header("etag"), first.Header("etag"));
  EXPECT_EQ(again.body, first.body);
}

// Every demo record is what the routes would accept and publish: its working
// copy + homoclave is a valid POST body, and POST /publish on it passes the
// law's check (MissingLegalItems) with nothing new to publish (200, still
// version 1), while the demo draft is refused with the items it lacks.
TEST_F(ExportsTest, EveryPublishedDemoRecordPassesTheLegalCheck) {
  LoadDemoData();
  auto records = AsOwner([](pqxx::work& w) {
    std::vector<std::vector<std::string>> out;
    for (const auto& row :
         w.exec("SELECT t.slug, p.id::text, p.homoclave, p.status, "
                "  (p.draft || jsonb_build_object('homoclave', p.homoclave))::text "
                "FROM procedure_registry.procedures p JOIN core.tenants t ON t.id = p.tenant_id "
                "ORDER BY t.slug, p.homoclave")) {
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                     row[3].as<std::string>(), row[4].as<std::string>()});
    }
    return out;
  });
  ASSERT_EQ(records.size(), 14u);
  std::map<std::string, std::string> admins;
  for (const std::string tenant : {"durango", "municipio-durango", "gomez-palacio", "tepehuanes"}) {
    admins[tenant] = MakeUser("admin@" + tenant + ".demo.mx", "admin", tenant);
  }
  for (const auto& r : records) {
    const std::string& tenant = r[0];
    const std::string& id = r[1];
    const std::string who = tenant + " " + r[2];
    EXPECT_EQ(SchemaErrors("ProcedureRegistryProcedureInput", json::parse(r[4])), "") << who;
    auto publish = Call("POST", Path(tenant, "/procedures/" + id + "/publish"), "", admins[tenant]);
    if (r[3] == "published") {
      EXPECT_EQ(publish.status, 200) << who << ": " << publish.body;
      json body = json::parse(publish.body, nullptr, false);
      EXPECT_EQ(body["version"], 1) << who;
      EXPECT_EQ(Get(tenant, "/procedures/" + id + "/versions")["items"].size(), 1u) << who;
    } else {
      EXPECT_EQ(publish.status, 422) << who << ": " << publish.body;
      std::set<std::string> fractions;
      const json problem = json::parse(publish.body);
      for (const auto& e : problem["errors"]) fractions.insert(e["fraction"]);
      for (const char* fraction : {"III", "IV", "XV", "XVII", "XVIII"}) {
        EXPECT_TRUE(fractions.count(fraction)) << who << " " << fraction << ": " << publish.body;
      }
    }
  }
  // Nothing was published anew: the same 13 versions, all version 1.
  EXPECT_EQ(
      AsOwner([](pqxx::work& w) {
        return w
            .exec("SELECT count(*) || ' ' || max(version) FROM procedure_registry.versions")[0][0]
            .as<std::string>();
      }),
      "13 1");
}

// The same through the routes of the other parts: a record created with POST
// and published with POST /publish is exported; a PATCH of its draft is not
// until it is published again; its baja (DELETE) takes it out.
TEST_F(ExportsTest, ThroughTheRoutesPublishedRecordsAreExportedAndWithdrawnOnesLeave) {
  const std::string editor =
      MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango");
  json created = Post("municipio-durango", "/procedures",
                      CompleteProcedure("MDGO-DU-001", "Licencia de construcción"), editor);
  const std::string id = created["id"];
  EXPECT_EQ(CsvRecords("municipio-durango").size(), 0u);  // a draft
  Post("municipio-durango", "/procedures/" + id + "/publish", json::object(), editor, 200);
  auto records = CsvRecords("municipio-durango");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["id"], id);
  EXPECT_EQ(records[0]["nombre"], "Licencia de construcción");
  EXPECT_EQ(records[0]["version"], "1");

  auto patched = Call("PATCH", Path("municipio-durango", "/procedures/" + id),
                      json{{"name", "Licencia de construcción (borrador)"}}.dump(), editor);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(CsvRecords("municipio-durango")[0]["nombre"], "Licencia de construcción");
  Post("municipio-durango", "/procedures/" + id + "/publish", json::object(), editor, 200);
  records = CsvRecords("municipio-durango");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["nombre"], "Licencia de construcción (borrador)");
  EXPECT_EQ(records[0]["version"], "2");

  auto withdrawn = Call("DELETE", Path("municipio-durango", "/procedures/" + id), "", editor);
  ASSERT_EQ(withdrawn.status / 100, 2) << withdrawn.body;
  EXPECT_EQ(CsvRecords("municipio-durango").size(), 0u);
  EXPECT_EQ(JsonExport("municipio-durango"), json::array());
}

// A catalogue larger than one cursor batch (500 rows) and one body chunk
// (64 KiB): every current version comes out exactly once, in order, in
// several chunks, and the file is complete.
TEST_F(ExportsTest, ALargeCatalogueStreamsEveryRecordOnceInOrder) {
  constexpr int kRecords = 1234;
  json record = CompleteProcedure("X", "Trámite");
  record.erase("homoclave");
  AsOwner([&](pqxx::work& w) {
    w.exec_params(
        "INSERT INTO procedure_registry.procedures (tenant_id, homoclave, status, draft, "
        "  published_version, public_updated_at) "
        "SELECT t.id, 'MDGO-LOTE-' || lpad(n::text, 4, '0'), 'published', "
        "  $1::jsonb || jsonb_build_object('name', 'Trámite número ' || n), 1, clock_timestamp() "
        "FROM core.tenants t CROSS JOIN generate_series(1, $2) n WHERE t.slug = "
        "'municipio-durango'",
        record.dump(), kRecords);
    w.exec(
        "INSERT INTO procedure_registry.versions (tenant_id, procedure_id, version, document, "
        "  published_at) "
        "SELECT tenant_id, id, 1, draft || jsonb_build_object('homoclave', homoclave), "
        "  public_updated_at FROM procedure_registry.procedures");
    return 0;
  });
  for (const std::string file : {"export.csv", "export.json"}) {
    auto result = Export("municipio-durango", file);
    ASSERT_EQ(result.status, 200) << file;
    EXPECT_TRUE(result.chunked && result.complete) << file;
    EXPECT_GT(result.chunks, 2u) << file << ": " << result.body.size() << " bytes";
    std::vector<std::string> homoclaves;
    if (file == "export.csv") {
      auto rows = ParseCsv(result.body);
      ASSERT_EQ(rows.size(), kRecords + 1u);
      for (size_t i = 1; i < rows.size(); ++i) homoclaves.push_back(rows[i][2]);
    } else {
      json items = json::parse(result.body);
      ASSERT_EQ(items.size(), static_cast<size_t>(kRecords));
      for (const auto& item : items) homoclaves.push_back(item["homoclave"]);
    }
    for (int n = 1; n <= kRecords; ++n) {
      std::string number = std::to_string(n);
      ASSERT_EQ(homoclaves[n - 1], "MDGO-LOTE-" + std::string(4 - number.size(), '0') + number)
          << file;
    }
  }
}

}  // namespace
}  // namespace cabildo
