// A running Cabildo with the service-requests module (enabled where
// tenants/durango.json lists it: the municipalities of Durango, Gómez
// Palacio and Tepehuanes), shortcuts for its routes — the native API and
// the Open311 interface, form-encoded as Open311 clients send — and the
// reference services of Gómez Palacio and Tepehuanes. Shared by the
// module's integration tests.
#pragma once

#include <cctype>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/core/crypto.h"
#include "cabildo/core/db_pool.h"
#include "cabildo/core/identity.h"

#include "server_fixture.h"
#include "test_support.h"

namespace cabildo::testing {

using FormFields = std::vector<std::pair<std::string, std::string>>;

class ServiceRequestsTest : public ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override { return {"service-requests"}; }
  std::string PluginDir() const override { return CABILDO_MODULE_PLUGIN_DIR; }

  // "/v1/tenants/<tenant>/service-requests<path>"
  static std::string Path(const std::string& tenant, const std::string& path) {
    return "/v1/tenants/" + tenant + "/service-requests" + path;
  }
  // "/v1/tenants/<tenant>/service-requests/open311/v2<path>", e.g. "/services.json"
  static std::string Open311(const std::string& tenant, const std::string& path) {
    return Path(tenant, "/open311/v2" + path);
  }

  // POSTs JSON and expects `status`; the parsed answer (discarded when not JSON).
  nlohmann::json Post(const std::string& tenant, const std::string& path,
                      const nlohmann::json& body, const std::string& token, int status = 201) {
    auto result = Call("POST", Path(tenant, path), body.dump(), token);
    EXPECT_EQ(result.status, status) << "POST " << path << ": " << result.body;
    return nlohmann::json::parse(result.body, nullptr, false);
  }
  // GETs and expects `status`; anonymous when `token` is empty. `full_path`
  // is the whole path (use Path or Open311).
  nlohmann::json Get(const std::string& full_path, const std::string& token = "",
                     int status = 200) {
    auto result = Call("GET", full_path, "", token);
    EXPECT_EQ(result.status, status) << "GET " << full_path << ": " << result.body;
    return nlohmann::json::parse(result.body, nullptr, false);
  }

  // application/x-www-form-urlencoded, as an Open311 client encodes it
  // (every byte but unreserved ones percent-encoded, space as '+').
  static std::string FormEncode(const FormFields& fields) {
    auto encode = [](const std::string& text) {
      static const char* kHex = "0123456789ABCDEF";
      std::string out;
      for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out.push_back(static_cast<char>(c));
        } else if (c == ' ') {
          out.push_back('+');
        } else {
          out += {'%', kHex[c >> 4], kHex[c & 15]};
        }
      }
      return out;
    };
    std::string body;
    for (const auto& [name, value] : fields) {
      body += (body.empty() ? "" : "&") + encode(name) + "=" + encode(value);
    }
    return body;
  }
  // POSTs a form to `full_path` (e.g. Open311(tenant, "/requests.json")).
  HttpResult PostForm(const std::string& full_path, const FormFields& fields,
                      std::map<std::string, std::string> headers = {}) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    return Call("POST", full_path, FormEncode(fields), "", std::move(headers));
  }

  // Runs `fn(work)` as the database owner in a transaction scoped to every
  // tenant (row-level security applies to the owner too), then commits.
  template <typename Fn>
  auto AsOwner(Fn&& fn) {
    pqxx::connection owner(database_.owner_url());
    pqxx::work work(owner);
    std::vector<std::string> ids;
    for (const auto& row : work.exec("SELECT id::text FROM core.tenants")) {
      ids.push_back(row[0].as<std::string>());
    }
    core::ApplyScope(work, core::Scope{ids, ""});
    auto result = fn(work);
    work.commit();
    return result;
  }

  // Gómez Palacio's street-cleaning service: THE reference shape of
  // ServiceRequestsServiceInput, with every kind of attribute definition
  // (an informative one, a required single-value list, an optional number).
  static nlohmann::json StreetCleaningService() {
    return {
        {"service_code", "limpieza-calles"},
        {"name", "Limpieza de calles"},
        {"description",
         "Basura, escombro o ramas en la vía pública que requieren barrido o recolección."},
        {"group", "Limpieza y residuos"},
        {"keywords", {"basura", "barrido", "escombro", "limpieza"}},
        {"type", "realtime"},
        {"agency_responsible", "Dirección de Servicios Públicos Municipales"},
        {"attributes",
         {{{"code", "aviso"},
           {"variable", false},
           {"datatype", "text"},
           {"order", 0},
           {"description", "Los reportes de limpieza se atienden en un máximo de 72 horas."}},
          {{"code", "tipo_residuo"},
           {"variable", true},
           {"datatype", "singlevaluelist"},
           {"required", true},
           {"order", 1},
           {"description", "¿Qué hay en la calle?"},
           {"values",
            {{{"key", "basura_domestica"}, {"name", "Basura doméstica"}},
             {{"key", "escombro"}, {"name", "Escombro"}},
             {{"key", "ramas"}, {"name", "Ramas y hierba"}},
             {{"key", "animal_muerto"}, {"name", "Animal muerto"}}}}},
          {{"code", "volumen_m3"},
           {"variable", true},
           {"datatype", "number"},
           {"required", false},
           {"order", 2},
           {"datatype_description", "Metros cúbicos aproximados, p. ej. 0.5"},
           {"description", "¿Cuánto volumen calcula?"}}}},
    };
  }
  // Gómez Palacio's waste-separation service: a required multi-value list
  // and an optional datetime.
  static nlohmann::json WasteSeparationService() {
    return {
        {"service_code", "separacion-residuos"},
        {"name", "Separación de residuos"},
        {"description",
         "Contenedores de separación llenos, mezclados o dañados; recolección diferenciada que "
         "no pasó."},
        {"group", "Limpieza y residuos"},
        {"keywords", {"reciclaje", "separación", "contenedor"}},
        {"type", "realtime"},
        {"agency_responsible", "Departamento de Ecología"},
        {"attributes",
         {{{"code", "materiales"},
           {"datatype", "multivaluelist"},
           {"required", true},
           {"order", 1},
           {"description", "¿Qué materiales hay?"},
           {"values",
            {{{"key", "organico"}, {"name", "Orgánico"}},
             {{"key", "pet"}, {"name", "PET"}},
             {{"key", "vidrio"}, {"name", "Vidrio"}},
             {{"key", "carton"}, {"name", "Cartón"}},
             {{"key", "metal"}, {"name", "Metal"}}}}},
          {{"code", "visto_el"},
           {"datatype", "datetime"},
           {"required", false},
           {"order", 2},
           {"description", "¿Cuándo lo vio?"}}}},
    };
  }
  // Tepehuanes's road-sign service (type batch: Open311 answers a token first).
  static nlohmann::json RoadSignService() {
    return {
        {"service_code", "senalamiento-vial"},
        {"name", "Señalamiento vial dañado o faltante"},
        {"description", "Señales de tránsito caídas, ilegibles, vandalizadas o que hacen falta."},
        {"group", "Vialidad"},
        {"keywords", {"señal", "alto", "tránsito"}},
        {"type", "batch"},
        {"agency_responsible", "Dirección de Obras Públicas de Tepehuanes"},
        {"attributes",
         {{{"code", "tipo_senal"},
           {"datatype", "singlevaluelist"},
           {"required", true},
           {"order", 1},
           {"description", "¿Qué señal es?"},
           {"values",
            {{{"key", "alto"}, {"name", "Alto"}},
             {{"key", "ceda_el_paso"}, {"name", "Ceda el paso"}},
             {{"key", "velocidad"}, {"name", "Límite de velocidad"}},
             {{"key", "nomenclatura"}, {"name", "Nombre de calle"}},
             {{"key", "otra"}, {"name", "Otra"}}}}},
          {{"code", "referencia"},
           {"datatype", "string"},
           {"required", false},
           {"order", 2},
           {"description", "Entre qué calles o frente a qué lugar"}}}},
    };
  }

  // Inserts a service as the owner (seed data for tests of other parts):
  // `service` in the shape of StreetCleaningService(). Returns its id.
  std::string InsertService(const std::string& tenant, const nlohmann::json& service) {
    return AsOwner([&](pqxx::work& work) {
      std::string keywords = "{";
      for (const auto& k : service.value("keywords", nlohmann::json::array())) {
        keywords +=
            (keywords.size() > 1 ? "," : "") + std::string("\"") + k.get<std::string>() + "\"";
      }
      keywords += "}";
      return work
          .exec_params1(
              "INSERT INTO service_requests.services (tenant_id, service_code, name, "
              "description, group_name, keywords, type, attributes, agency_responsible) "
              "SELECT t.id, $2, $3, $4, $5, $6::text[], $7, $8::jsonb, $9 FROM core.tenants t "
              "WHERE t.slug = $1 RETURNING id::text",
              tenant, service.at("service_code").get<std::string>(),
              service.at("name").get<std::string>(), service.value("description", ""),
              service.value("group", ""), keywords, service.value("type", "realtime"),
              service.value("attributes", nlohmann::json::array()).dump(),
              service.value("agency_responsible", ""))[0]
          .as<std::string>();
    });
  }

  // Inserts a request as the owner (seed data for tests of other parts),
  // with its first event; `status` any internal status (closed ones get
  // closed_at = requested_at + `hours_to_close`; 'duplicate' needs
  // `duplicate_of`). Returns its id.
  std::string InsertRequest(const std::string& tenant, const std::string& service_code, double lat,
                            double lon, const std::string& status = "received",
                            const std::string& description = "Reporte de prueba", int hours_ago = 1,
                            int hours_to_close = 10, const std::string& duplicate_of = "") {
    return AsOwner([&](pqxx::work& work) {
      const bool closed = status == "resolved" || status == "closed" || status == "rejected" ||
                          status == "duplicate";
      auto row = work.exec_params1(
          "WITH t AS (SELECT id FROM core.tenants WHERE slug = $1), "
          "f AS (INSERT INTO service_requests.folios (tenant_id, last) SELECT id, 1 FROM t "
          "      ON CONFLICT (tenant_id) DO UPDATE SET last = service_requests.folios.last + 1 "
          "      RETURNING last) "
          "INSERT INTO service_requests.requests (tenant_id, folio, token, service_id, status, "
          "description, lat, long, address, requested_at, updated_at, closed_at, duplicate_of) "
          "SELECT t.id, f.last, md5(random()::text), s.id, $3, $4, $5, $6, 'Av. Morelos 120', "
          "now() - make_interval(hours => $7), now() - make_interval(hours => $7), "
          "CASE WHEN $8 THEN now() - make_interval(hours => $7) + make_interval(hours => $9) "
          "END, nullif($10, '')::uuid "
          "FROM t, f, service_requests.services s WHERE s.tenant_id = t.id "
          "AND s.service_code = $2 AND s.deleted_at IS NULL RETURNING id::text, tenant_id",
          tenant, service_code, status, description, lat, lon, hours_ago, closed, hours_to_close,
          duplicate_of);
      work.exec_params(
          "INSERT INTO service_requests.events (tenant_id, request_id, status, at) "
          "VALUES ($1, $2::uuid, $3, now() - make_interval(hours => $4))",
          row[1].as<std::string>(), row[0].as<std::string>(), status, hours_ago);
      return row[0].as<std::string>();
    });
  }

  // An API key for `tenant` inserted as the owner (seed for tests of other
  // parts than api_keys.cc): stored as the module does, by SHA-256. The key.
  std::string InsertApiKey(const std::string& tenant,
                           const std::string& app_name = "App de prueba") {
    const std::string key = core::RandomHex(32);
    AsOwner([&](pqxx::work& work) {
      return work.exec_params(
          "INSERT INTO service_requests.api_keys (tenant_id, name, key_digest, key_prefix) "
          "SELECT id, $2, $3, $4 FROM core.tenants WHERE slug = $1",
          tenant, app_name, core::Sha256Hex(key), key.substr(0, 8));
    });
    return key;
  }

  // An API key for `tenant`, issued through the API by its admin; the key.
  std::string IssueApiKey(const std::string& tenant,
                          const std::string& app_name = "App Ciudadana") {
    const std::string admin = MakeUser(
        "admin-llaves-" + std::to_string(++users_) + "@" + tenant + ".mx", "admin", tenant);
    auto issued = Post(tenant, "/api-keys", {{"name", app_name}}, admin);
    return issued.value("key", "");
  }

 private:
  int users_ = 0;
};

}  // namespace cabildo::testing
