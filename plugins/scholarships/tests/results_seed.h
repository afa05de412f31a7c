// Seeding the scholarships tables as the database owner, for the results and
// privacy tests: published calls and applications whose personal data is
// sealed with the test server's own data key, exactly as the host seals it
// (api/src/module_routes.cc: DataKey::Seal bound to "scholarships" and
// "application:<id>", the CURP digest bound to "scholarships" and "curp").
// What only time or other people would do (a window that closed last month,
// a reviewer's decision) is set directly.
#pragma once

#include <string>

#include "cabildo/core/crypto.h"

#include "scholarships_fixture.h"

namespace cabildo::testing {

class ScholarshipsSeedTest : public ScholarshipsTest {
 protected:
  const core::DataKey& Key() { return *app_->context().config.data_key; }

  // A published call of `tenant` (CompleteCall's document) whose window is
  // [opens_at, closes_at) (RFC 3339): in the past, it is closed. Its id.
  std::string SeedCall(const std::string& tenant, const std::string& title,
                       const std::string& opens_at, const std::string& closes_at, int slots = 5,
                       const std::string& amount = "3000.00") {
    nlohmann::json document = CompleteCall(title);
    for (const char* column : {"amount_mxn", "slots", "opens_at", "closes_at", "results_at"}) {
      document.erase(column);
    }
    return AsOwner([&](pqxx::work& work) {
      return work
          .exec_params1(
              "INSERT INTO scholarships.calls (tenant_id, status, document, amount_mxn, slots,"
              " opens_at, closes_at, published_at)"
              " SELECT t.id, 'published', $2::jsonb, $3::numeric, $4, $5::timestamptz,"
              " $6::timestamptz, least(now(), $5::timestamptz)"
              " FROM core.tenants t WHERE t.slug = $1 RETURNING id::text",
              tenant, document.dump(), amount, slots, opens_at, closes_at)[0]
          .as<std::string>();
    });
  }

  // An application to `call_id` with `input` (a CompleteApplication) sealed
  // under the server's key, in `status` with `score`; its id.
  std::string SeedApplication(const std::string& tenant, const std::string& call_id,
                              const nlohmann::json& input, const std::string& status,
                              std::optional<double> score = std::nullopt,
                              const std::string& applicant_id = "") {
    return AsOwner([&](pqxx::work& work) {
      const std::string id = work.exec("SELECT gen_random_uuid()::text")[0][0].as<std::string>();
      const std::string sealed =
          Key().Seal(input.dump(), core::PersonalDataBinding("scholarships", "application:" + id));
      const std::string digest = Key().Digest(core::PersonalDataBinding("scholarships", "curp"),
                                              input["curp"].get<std::string>());
      const bool decided = status == "approved" || status == "rejected" || status == "needs_info";
      work.exec_params(
          "INSERT INTO scholarships.applications (tenant_id, id, call_id, applicant_id,"
          " curp_digest, personal_data, status, score, decision_note, decided_at)"
          " SELECT t.id, $2::uuid, $3::uuid, coalesce(nullif($4, '')::uuid, gen_random_uuid()),"
          " $5, $6, $7, $8::numeric, $9, CASE WHEN $10 THEN now() END"
          " FROM core.tenants t WHERE t.slug = $1",
          tenant, id, call_id, applicant_id, digest, sealed, status, score,
          status == "needs_info" ? std::optional<std::string>("Falta la constancia de estudios.")
                                 : std::nullopt,
          decided);
      return id;
    });
  }

  // One value of the database, as the owner (row-level security scoped to every tenant).
  std::string OwnerValue(const std::string& sql, const std::string& param) {
    return AsOwner([&](pqxx::work& work) {
      auto rows = work.exec_params(sql, param);
      return rows.empty() || rows[0][0].is_null() ? std::string() : rows[0][0].as<std::string>();
    });
  }
};

}  // namespace cabildo::testing
