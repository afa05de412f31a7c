// A complete, valid project body shared by the public-works tests (the
// integration test over HTTP and the schema test without a database).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cabildo::public_works_testing {

using nlohmann::json;

inline json Sample(const std::string& title, const std::string& budget = "1250000.00") {
  return {{"title", title},
          {"description", "Construcción de obra de prueba."},
          {"status", "implementation"},
          {"type", "construction"},
          {"sector", "deportes"},
          {"budget_mxn", budget},
          {"funding", {{{"origin", "federal"}, {"fund", "FAIS"}, {"amount_mxn", "1000000.00"}}}},
          {"location",
           {{"lat", 24.0277},
            {"lon", -104.6532},
            {"address", "Av. 20 de Noviembre"},
            {"cvegeo", "10005"}}},
          {"contractor", {{"name", "Constructora del Guadiana SA de CV"}, {"rfc", "CGU010203AB1"}}},
          {"procurement_method", "open"},
          {"contract_value_mxn", "1200000.00"},
          {"start_date", "2025-01-15"},
          {"end_date", "2025-12-15"}};
}

// `base` with the fields of `patch` replaced or added.
inline json With(json base, const json& patch) {
  base.update(patch);
  return base;
}

}  // namespace cabildo::public_works_testing
