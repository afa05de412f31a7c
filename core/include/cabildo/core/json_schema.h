// TEMPORARY copy of the interface agreed in /work/notes/sdk-v5.md section A,
// so the SDK branch builds before branch s16-schema lands; replaced on merge.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cabildo/core/status.h"

namespace cabildo::core {

/// Named JSON Schemas (a draft 2020-12 subset, the dialect of OpenAPI 3.1) that may refer to
/// one another as {"$ref": "#/components/schemas/<Name>"}.
class SchemaSet {
 public:
  Status Add(const std::string& name, const nlohmann::json& schema);
  Status Resolve();
  bool Has(const std::string& name) const;
  const nlohmann::json& Get(const std::string& name) const;
  std::vector<FieldError> Validate(const std::string& name, const nlohmann::json& value) const;
  std::vector<FieldError> ValidateWith(const nlohmann::json& schema, const nlohmann::json& value,
                                       const std::string& path) const;

 private:
  void Check(const nlohmann::json& schema, const nlohmann::json& value, const std::string& path,
             std::vector<FieldError>& errors, int depth) const;
  std::map<std::string, nlohmann::json> schemas_;
};

}  // namespace cabildo::core
