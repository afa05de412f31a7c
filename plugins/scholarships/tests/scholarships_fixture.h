// A running Cabildo with the scholarships module (enabled where
// tenants/durango.json lists it: the state and the Municipio de Durango),
// shortcuts for its routes, a call with every publication duty, valid CURPs
// and a complete application. Shared by the module's integration tests.
#pragma once

#include <chrono>
#include <ctime>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "cabildo/core/db_pool.h"
#include "cabildo/core/identity.h"
#include "cabildo/plugin/text_checks.h"

#include "server_fixture.h"
#include "test_support.h"

namespace cabildo::testing {

class ScholarshipsTest : public ServerTest {
 protected:
  std::vector<std::string> EnabledModules() const override { return {"scholarships"}; }
  std::string PluginDir() const override { return CABILDO_MODULE_PLUGIN_DIR; }

  // "/v1/tenants/<tenant>/scholarships<path>"
  static std::string Path(const std::string& tenant, const std::string& path) {
    return "/v1/tenants/" + tenant + "/scholarships" + path;
  }
  // POSTs `body` and expects `status`; the parsed answer (discarded when not JSON).
  nlohmann::json Post(const std::string& tenant, const std::string& path,
                      const nlohmann::json& body, const std::string& token, int status = 201) {
    auto result = Call("POST", Path(tenant, path), body.dump(), token);
    EXPECT_EQ(result.status, status) << "POST " << path << ": " << result.body;
    return nlohmann::json::parse(result.body, nullptr, false);
  }
  // GETs and expects `status`; anonymous when `token` is empty.
  nlohmann::json Get(const std::string& tenant, const std::string& path,
                     const std::string& token = "", int status = 200) {
    auto result = Call("GET", Path(tenant, path), "", token);
    EXPECT_EQ(result.status, status) << "GET " << path << ": " << result.body;
    return nlohmann::json::parse(result.body, nullptr, false);
  }

  // Enables the module for `tenant` through the API, as its admin would.
  void EnableFor(const std::string& tenant) {
    const std::string admin = MakeUser("admin-becas@" + tenant + ".mx", "admin", tenant);
    auto result =
        Call("PUT", "/v1/tenants/" + tenant + "/modules/scholarships", R"({"config":{}})", admin);
    ASSERT_TRUE(result.status == 200 || result.status == 201) << result.body;
  }

  // RFC 3339 UTC for now + `offset` ("2026-12-06T18:00:00Z").
  static std::string At(std::chrono::seconds offset) {
    const std::time_t when =
        std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + offset);
    std::tm utc{};
    gmtime_r(&when, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
  }
  static std::string HoursFromNow(int hours) { return At(std::chrono::hours(hours)); }

  // A call with every publication duty of domain.md §D (LGTAIP art. 70 fr.
  // XV): THE reference shape of ScholarshipsCallInput. Open from an hour ago
  // for a week; 5 slots of $3,000.00; ages 15-29, media superior or
  // superior, GPA >= 8.0, no residence rule.
  static nlohmann::json CompleteCall(const std::string& title) {
    return {
        {"title", title},
        {"description",
         "Apoyo económico mensual para estudiantes de bachillerato y universidad con buen "
         "promedio y necesidad económica."},
        {"program", "Programa Estatal de Becas para la Permanencia Escolar"},
        {"area", "Secretaría de Educación"},
        {"target_population", "Estudiantes de 15 a 29 años inscritos en escuelas públicas"},
        {"objectives", "Reducir el abandono escolar en educación media superior y superior."},
        {"requirements",
         {"Constancia de estudios del ciclo vigente", "Boleta con promedio mínimo de 8.0",
          "Comprobante de domicilio", "Identificación oficial o CURP"}},
        {"eligibility",
         {{"min_age", 15},
          {"max_age", 29},
          {"education_levels", {"media_superior", "superior"}},
          {"min_gpa", 8.0}}},
        {"selection_criteria",
         {"Promedio general (60 %)", "Condición socioeconómica (30 %)",
          "Residencia en localidades rurales (10 %)"}},
        {"amount_mxn", "3000.00"},
        {"budget_mxn", "15000.00"},
        {"slots", 5},
        {"opens_at", HoursFromNow(-1)},
        {"closes_at", HoursFromNow(24 * 7)},
        {"results_at", HoursFromNow(24 * 14)},
        {"legal_basis",
         {{{"instrument", "Ley de Educación del Estado de Durango"},
           {"article", "Artículo 12"},
           {"url", "https://congresodurango.gob.mx/leyes/educacion.pdf"}}}},
        {"rules_url", "https://educacion.durango.gob.mx/becas/reglas-de-operacion-2026.pdf"},
        {"privacy_notice_url", "https://educacion.durango.gob.mx/becas/aviso-de-privacidad.pdf"},
        {"complaints_procedure",
         "Quejas y denuncias ante el Órgano Interno de Control: oic.educacion@durango.gob.mx "
         "o al 618 137 0000, de lunes a viernes de 9:00 a 15:00."},
        {"contact",
         {{"name", "Departamento de Becas"},
          {"email", "becas@durango.gob.mx"},
          {"phone", "6181370000"},
          {"address", "Blvd. Felipe Pescador 800, Zona Centro, Durango, Dgo."},
          {"hours", "Lunes a viernes de 9:00 a 15:00"}}},
        {"questions",
         {{{"code", "motivo"}, {"text", "¿Por qué necesitas la beca?"}, {"required", true}}}},
    };
  }

  // A valid CURP (check digit computed as RENAPO does) for applicant `n`
  // (0..675): letters vary with n, born 2005-03-12 (homoclave 'A': from
  // 2000), `sex` 'H' or 'M', in Durango ("DG").
  static std::string MakeCurp(int n, char sex = 'H', const std::string& yymmdd = "050312") {
    std::string curp = "G";
    curp += "AEIOU"[n % 5];
    curp += static_cast<char>('A' + (n / 5) % 26);
    curp += static_cast<char>('A' + (n / 130) % 26);
    curp += yymmdd;
    curp += sex;
    curp += "DGRRL";
    curp += yymmdd[0] <= '2' ? 'A' : '0';  // a letter from 2000, a digit before
    curp += static_cast<char>('0' + plugin::CurpCheckDigit(curp));
    return curp;
  }

  // A complete application (ScholarshipsApplicationInput) of applicant `n`
  // whose CURP, phone and email are unique to n: born 2005-03-12, media
  // superior, GPA 9.1, living in the Municipio de Durango (10005).
  static nlohmann::json CompleteApplication(int n, char sex = 'H') {
    const std::string number = std::to_string(1000 + n);
    return {
        {"curp", MakeCurp(n, sex)},
        {"full_name", "Solicitante Número " + number + " Pérez"},
        {"birth_date", "2005-03-12"},
        {"sex", std::string(1, sex)},
        {"address",
         {{"street", "Calle Negrete"},
          {"exterior_number", number},
          {"neighborhood", "Zona Centro"},
          {"locality", "Victoria de Durango"},
          {"postal_code", "34000"},
          {"municipality_code", "10005"}}},
        {"phone", "618555" + number},
        {"email", "solicitante" + number + "@correo.mx"},
        {"school", "Colegio de Bachilleres del Estado de Durango, plantel 01"},
        {"education_level", "media_superior"},
        {"gpa", 9.1},
        {"answers", {{"motivo", "Mi familia no puede pagar el transporte a la escuela."}}},
        {"documents",
         {{{"kind", "constancia_estudios"},
           {"url", "https://archivos.ejemplo.mx/constancia-" + number + ".pdf"}}}},
        {"privacy_notice_accepted", true},
    };
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

  // Moves a call's window (owner SQL: what only time would do), e.g. to
  // close it before publishing results. Returns the rows changed (1).
  int SetWindow(const std::string& call_id, const std::string& opens_at,
                const std::string& closes_at) {
    return AsOwner([&](pqxx::work& work) {
      return static_cast<int>(
          work.exec_params("UPDATE scholarships.calls SET opens_at = $2::timestamptz, "
                           "closes_at = $3::timestamptz, results_at = NULL, updated_at = now() "
                           "WHERE id = $1::uuid",
                           call_id, opens_at, closes_at)
              .affected_rows());
    });
  }
};

}  // namespace cabildo::testing
