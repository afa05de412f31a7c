#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "cabildo/core/tenants.h"
#include "cabildo/plugin/text_checks.h"

namespace cabildo::core {
namespace {

using nlohmann::json;

std::string EntryName(size_t index, const std::string& slug) {
  std::string name = "tenants[" + std::to_string(index) + "]";
  if (!slug.empty()) name += " (" + slug + ")";
  return name;
}

std::optional<std::string> OptionalString(const json& object, const char* key,
                                          const std::string& entry,
                                          std::vector<std::string>& errors) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    errors.push_back(entry + ": '" + key + "' debe ser texto o null");
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::string RequiredString(const json& object, const char* key, const std::string& entry,
                           std::vector<std::string>& errors) {
  auto value = OptionalString(object, key, entry, errors);
  if (!value || value->empty()) {
    errors.push_back(entry + ": falta '" + key + "'");
    return {};
  }
  return *value;
}

bool IsValidModuleName(const std::string& name) {
  return plugin::IsLowerName(name, 2, 63, /*letter_first=*/true);
}

}  // namespace

bool IsValidSlug(const std::string& slug) {
  return plugin::IsLowerName(slug, 2, 63, /*letter_first=*/false);
}

std::string InegiCodeProblem(const std::string& kind, const std::string& code,
                             const std::optional<std::string>& parent_code) {
  bool digits = !code.empty();
  for (char c : code) digits = digits && c >= '0' && c <= '9';
  const bool length_fits = (kind == "state" && code.size() == 2) ||
                           (kind == "municipality" && code.size() == 5) ||
                           (kind == "agency" && (code.size() == 2 || code.size() == 5));
  if (!digits || !length_fits) {
    return "Clave INEGI no válida (estado: 2 dígitos, municipio: 5).";
  }
  if (kind == "municipality" && parent_code &&
      code.compare(0, parent_code->size(), *parent_code) != 0) {
    return "La clave INEGI de un municipio empieza con la de su estado (" + *parent_code + ").";
  }
  return "";
}

StatusOr<TenantFile> ParseTenantFile(const std::string& text,
                                     const std::vector<ExistingTenant>& existing) {
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return InvalidArgumentError("el archivo de tenants no es JSON válido");
  }
  if (!document.is_object() || !document.contains("tenants") || !document["tenants"].is_array()) {
    return InvalidArgumentError("el archivo de tenants debe ser un objeto con una lista 'tenants'");
  }

  std::vector<std::string> errors;
  TenantFile file;
  if (document.contains("instance") && document["instance"].is_string()) {
    file.instance = document["instance"].get<std::string>();
  }

  std::vector<TenantSpec> specs;
  std::map<std::string, size_t> index_by_slug;
  std::map<std::string, std::string> slug_by_inegi;
  const auto& entries = document["tenants"];
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& entry = entries[i];
    if (!entry.is_object()) {
      errors.push_back(EntryName(i, "") + ": debe ser un objeto");
      continue;
    }
    TenantSpec spec;
    std::string where = EntryName(i, "");
    spec.slug = RequiredString(entry, "slug", where, errors);
    where = EntryName(i, spec.slug);
    spec.name = RequiredString(entry, "name", where, errors);
    spec.kind = RequiredString(entry, "kind", where, errors);
    spec.parent = OptionalString(entry, "parent", where, errors);
    spec.inegi_code = OptionalString(entry, "inegi_code", where, errors);

    if (!spec.slug.empty() && !IsValidSlug(spec.slug)) {
      errors.push_back(where + ": slug no válido (minúsculas ASCII, dígitos y '-', de 2 a 63)");
    }
    if (!spec.slug.empty() && !index_by_slug.emplace(spec.slug, i).second) {
      errors.push_back(where + ": slug repetido en el archivo");
    }
    if (!spec.kind.empty() && spec.kind != "state" && spec.kind != "municipality" &&
        spec.kind != "agency") {
      errors.push_back(where + ": kind '" + spec.kind + "' no es state, municipality ni agency");
    }
    if (spec.kind == "state" && spec.parent) {
      errors.push_back(where + ": un estado no tiene parent");
    }
    if ((spec.kind == "municipality" || spec.kind == "agency") && !spec.parent) {
      errors.push_back(where + ": falta 'parent'");
    }
    if (spec.parent && *spec.parent == spec.slug) {
      errors.push_back(where + ": no puede ser su propio parent");
    }
    if (spec.inegi_code) {
      if (!InegiCodeProblem(spec.kind, *spec.inegi_code, std::nullopt).empty()) {
        errors.push_back(where + ": inegi_code '" + *spec.inegi_code +
                         "' no válido (estado: 2 dígitos, municipio: 5)");
      } else if (auto [it, inserted] = slug_by_inegi.emplace(*spec.inegi_code, spec.slug);
                 !inserted) {
        errors.push_back(where + ": inegi_code '" + *spec.inegi_code + "' repetido (también en '" +
                         it->second + "')");
      }
    }
    if (entry.contains("modules")) {
      if (!entry["modules"].is_array()) {
        errors.push_back(where + ": 'modules' debe ser una lista");
      } else {
        for (const auto& module : entry["modules"]) {
          if (!module.is_string() || !IsValidModuleName(module.get<std::string>())) {
            errors.push_back(where + ": nombre de módulo no válido: " + module.dump());
          } else if (std::find(spec.modules.begin(), spec.modules.end(), module) ==
                     spec.modules.end()) {
            spec.modules.push_back(module.get<std::string>());
          }
        }
      }
    }
    specs.push_back(std::move(spec));
  }

  // The effective tree: the database's tenants, overridden by the file's.
  std::map<std::string, std::optional<std::string>> parent_of;
  std::map<std::string, std::string> kind_of;
  std::map<std::string, std::string> inegi_of;
  std::map<std::string, std::optional<std::string>> code_of;  // existing tenants' INEGI codes
  for (const auto& tenant : existing) {
    parent_of[tenant.slug] = tenant.parent;
    kind_of[tenant.slug] = tenant.kind;
    code_of[tenant.slug] = tenant.inegi_code;
  }
  for (const auto& spec : specs) {
    parent_of[spec.slug] = spec.parent;
    kind_of[spec.slug] = spec.kind;
  }
  for (const auto& tenant : existing) {
    if (tenant.inegi_code && index_by_slug.count(tenant.slug) == 0) {
      inegi_of[*tenant.inegi_code] = tenant.slug;
    }
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    const std::string where = EntryName(i, spec.slug);
    if (spec.inegi_code) {
      auto it = inegi_of.find(*spec.inegi_code);
      if (it != inegi_of.end() && it->second != spec.slug) {
        errors.push_back(where + ": inegi_code '" + *spec.inegi_code +
                         "' ya pertenece al tenant '" + it->second + "'");
      }
    }
    if (!spec.parent) continue;
    auto parent = kind_of.find(*spec.parent);
    if (parent == kind_of.end()) {
      errors.push_back(where + ": el parent '" + *spec.parent + "' no existe");
      continue;
    }
    if (spec.kind == "municipality" && parent->second != "state") {
      errors.push_back(where + ": el parent de un municipio debe ser un estado");
    }
    if (spec.kind == "municipality" && spec.inegi_code) {
      // The state's code as the file sets it, else as the database holds it.
      std::optional<std::string> parent_code;
      if (auto in_file = index_by_slug.find(*spec.parent); in_file != index_by_slug.end()) {
        parent_code = specs[in_file->second].inegi_code;
      } else if (auto stored = code_of.find(*spec.parent); stored != code_of.end()) {
        parent_code = stored->second;
      }
      if (!InegiCodeProblem(spec.kind, *spec.inegi_code, parent_code).empty()) {
        errors.push_back(where + ": inegi_code '" + *spec.inegi_code +
                         "' no pertenece al estado '" + *spec.parent + "'");
      }
    }
    // Walk up: reaching this tenant again means a cycle.
    std::set<std::string> seen{spec.slug};
    std::optional<std::string> cursor = spec.parent;
    while (cursor) {
      if (!seen.insert(*cursor).second) {
        errors.push_back(where + ": ciclo en la jerarquía de parents");
        break;
      }
      auto up = parent_of.find(*cursor);
      cursor = up == parent_of.end() ? std::nullopt : up->second;
    }
  }

  if (!errors.empty()) {
    std::string message;
    for (const auto& error : errors) message += (message.empty() ? "" : "\n") + error;
    return InvalidArgumentError(message);
  }

  // Parents first: a depth-first order over the file's entries.
  std::set<std::string> placed;
  std::function<void(const TenantSpec&)> place = [&](const TenantSpec& spec) {
    if (placed.count(spec.slug) != 0) return;
    if (spec.parent) {
      auto it = index_by_slug.find(*spec.parent);
      if (it != index_by_slug.end()) place(specs[it->second]);
    }
    placed.insert(spec.slug);
    file.tenants.push_back(spec);
  };
  for (const auto& spec : specs) place(spec);
  return file;
}

}  // namespace cabildo::core
