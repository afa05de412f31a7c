#include <map>

#include <nlohmann/json.hpp>

#include "cabildo/core/audit.h"
#include "cabildo/core/log.h"
#include "cabildo/core/tenants.h"

namespace cabildo::core {
namespace {

constexpr const char* kListTenants = "core.list_tenants";
constexpr const char* kGetTenant = "core.get_tenant";
constexpr const char* kTenantChildren = "core.tenant_children";

constexpr const char* kTenantColumns =
    "t.id::text, t.slug, t.name, t.kind, p.slug, t.inegi_code "
    "FROM core.tenants t LEFT JOIN core.tenants p ON p.id = t.parent_id ";

Tenant TenantFromRow(const pqxx::row& row) {
  Tenant tenant;
  tenant.id = row[0].as<std::string>();
  tenant.slug = row[1].as<std::string>();
  tenant.name = row[2].as<std::string>();
  tenant.kind = row[3].as<std::string>();
  if (!row[4].is_null()) tenant.parent = row[4].as<std::string>();
  if (!row[5].is_null()) tenant.inegi_code = row[5].as<std::string>();
  return tenant;
}

template <typename T>
nlohmann::json OptionalJson(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// Fills `modules` of each tenant; the transaction is scoped to exactly these tenants.
void LoadModules(pqxx::transaction_base& work, std::vector<Tenant>& tenants) {
  Scope scope;
  for (const auto& tenant : tenants) scope.tenant_ids.push_back(tenant.id);
  ApplyScope(work, scope);
  std::map<std::string, Tenant*> by_id;
  for (auto& tenant : tenants) by_id[tenant.id] = &tenant;
  for (const auto& row : work.exec_prepared("core.enabled_modules")) {
    auto it = by_id.find(row[0].as<std::string>());
    if (it != by_id.end()) it->second->modules.push_back(row[1].as<std::string>());
  }
}

}  // namespace

nlohmann::json TenantToJson(const Tenant& tenant, bool with_children) {
  nlohmann::json out = {{"slug", tenant.slug},
                        {"name", tenant.name},
                        {"kind", tenant.kind},
                        {"parent", OptionalJson(tenant.parent)},
                        {"inegi_code", OptionalJson(tenant.inegi_code)},
                        {"modules", tenant.modules}};
  if (with_children) out["children"] = tenant.children;
  return out;
}

void RegisterTenantStatements(DbPool& pool) {
  pool.Prepare(kListTenants, std::string("SELECT ") + kTenantColumns +
                                 "WHERE t.slug > $1 ORDER BY t.slug LIMIT $2");
  pool.Prepare(kGetTenant, std::string("SELECT ") + kTenantColumns + "WHERE t.slug = $1");
  pool.Prepare(kTenantChildren,
               "SELECT c.slug FROM core.tenants c JOIN core.tenants t ON c.parent_id = t.id "
               "WHERE t.slug = $1 ORDER BY c.slug");
  pool.Prepare("core.enabled_modules",
               "SELECT tenant_id::text, module FROM core.tenant_modules WHERE enabled "
               "ORDER BY module");
}

StatusOr<std::vector<Tenant>> ListTenants(DbPool& pool, const std::string& after_slug, int limit) {
  std::vector<Tenant> tenants;
  Status status = pool.InTransaction([&](pqxx::transaction_base& work) {
    for (const auto& row : work.exec_prepared(kListTenants, after_slug, limit)) {
      tenants.push_back(TenantFromRow(row));
    }
    LoadModules(work, tenants);
    return OkStatus();
  });
  if (!status.ok()) return status;
  return tenants;
}

StatusOr<Tenant> GetTenant(DbPool& pool, const std::string& slug) {
  return pool.InTransaction([&](pqxx::transaction_base& work) -> StatusOr<Tenant> {
    auto rows = work.exec_prepared(kGetTenant, slug);
    if (rows.empty()) return NotFoundError("No existe el tenant '" + slug + "'.");
    std::vector<Tenant> one{TenantFromRow(rows[0])};
    for (const auto& row : work.exec_prepared(kTenantChildren, slug)) {
      one[0].children.push_back(row[0].as<std::string>());
    }
    LoadModules(work, one);
    return one[0];
  });
}

StatusOr<TenantApplyReport> ApplyTenantFile(pqxx::connection& owner, const std::string& text,
                                            const std::vector<std::string>& installed_modules) {
  owner.prepare("tenants.existing",
                "SELECT t.slug, p.slug, t.inegi_code, t.kind, t.name FROM core.tenants t "
                "LEFT JOIN core.tenants p ON p.id = t.parent_id");
  owner.prepare("tenants.upsert", R"sql(
    INSERT INTO core.tenants AS t (slug, name, kind, parent_id, inegi_code)
    VALUES ($1, $2, $3, (SELECT id FROM core.tenants WHERE slug = $4), $5)
    ON CONFLICT (slug) DO UPDATE
      SET name = EXCLUDED.name, kind = EXCLUDED.kind, parent_id = EXCLUDED.parent_id,
          inegi_code = EXCLUDED.inegi_code, updated_at = now()
      WHERE (t.name, t.kind, t.parent_id, t.inegi_code)
            IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.parent_id, EXCLUDED.inegi_code)
    RETURNING (xmax = 0) AS inserted, id::text)sql");

  try {
    pqxx::work work(owner);
    // Serialises concurrent applies; readers are not blocked.
    work.exec0("LOCK TABLE core.tenants IN SHARE ROW EXCLUSIVE MODE");
    std::vector<ExistingTenant> existing;
    std::map<std::string, nlohmann::json> before_by_slug;
    for (const auto& row : work.exec_prepared("tenants.existing")) {
      before_by_slug[row[0].as<std::string>()] = {
          {"slug", row[0].as<std::string>()},
          {"name", row[4].as<std::string>()},
          {"kind", row[3].as<std::string>()},
          {"parent",
           row[1].is_null() ? nlohmann::json(nullptr) : nlohmann::json(row[1].as<std::string>())},
          {"inegi_code",
           row[2].is_null() ? nlohmann::json(nullptr) : nlohmann::json(row[2].as<std::string>())}};
      ExistingTenant tenant;
      tenant.slug = row[0].as<std::string>();
      if (!row[1].is_null()) tenant.parent = row[1].as<std::string>();
      if (!row[2].is_null()) tenant.inegi_code = row[2].as<std::string>();
      tenant.kind = row[3].as<std::string>();
      existing.push_back(std::move(tenant));
    }
    CABILDO_ASSIGN_OR_RETURN(TenantFile file, ParseTenantFile(text, existing));

    TenantApplyReport report;
    for (const auto& spec : file.tenants) {
      auto result = work.exec_prepared("tenants.upsert", spec.slug, spec.name, spec.kind,
                                       spec.parent, spec.inegi_code);
      if (result.empty()) {
        report.unchanged.push_back(spec.slug);
      } else {
        const bool created = result[0][0].as<bool>();
        (created ? report.created : report.updated).push_back(spec.slug);
        // The owner role is subject to row-level security too (FORCE): scope
        // the transaction to this tenant to append to its audit chain.
        const std::string id = result[0][1].as<std::string>();
        ApplyScope(work, Scope{{id}, ""});
        nlohmann::json after = {
            {"slug", spec.slug},
            {"name", spec.name},
            {"kind", spec.kind},
            {"parent", spec.parent ? nlohmann::json(*spec.parent) : nlohmann::json(nullptr)},
            {"inegi_code",
             spec.inegi_code ? nlohmann::json(*spec.inegi_code) : nlohmann::json(nullptr)}};
        AuditEvent event{
            id,
            "",
            "sistema: cabildo tenants apply",
            created ? "tenant.create" : "tenant.update",
            "tenant",
            id,
            AuditDiff(created ? nlohmann::json::object() : before_by_slug[spec.slug], after)};
        CABILDO_RETURN_IF_ERROR(AppendAudit(work, event));
      }
      const std::string tenant_id =
          work.exec_params("SELECT id::text FROM core.tenants WHERE slug = $1", spec.slug)[0][0]
              .as<std::string>();
      ApplyScope(work, Scope{{tenant_id}, ""});
      for (const auto& module : spec.modules) {
        const bool installed = std::find(installed_modules.begin(), installed_modules.end(),
                                         module) != installed_modules.end();
        if (installed) {
          // A file enables a module only where it was never set: a row that
          // says disabled is an administrator's decision (DELETE
          // /v1/tenants/{t}/modules/{m}), which re-applying the file must not undo.
          auto enabled = work.exec_params(
              "INSERT INTO core.tenant_modules (tenant_id, module) VALUES ($1, $2) "
              "ON CONFLICT (tenant_id, module) DO NOTHING RETURNING module",
              tenant_id, module);
          if (enabled.empty() && !work.exec_params1("SELECT enabled FROM core.tenant_modules WHERE "
                                                    "tenant_id = $1 AND module = $2",
                                                    tenant_id, module)[0]
                                      .as<bool>()) {
            report.warnings.push_back("el módulo '" + module + "' de '" + spec.slug +
                                      "' fue deshabilitado por la administración; sigue así");
          }
          if (!enabled.empty()) {
            report.modules_enabled.push_back(spec.slug + "/" + module);
            AuditEvent event{tenant_id,
                             "",
                             "sistema: cabildo tenants apply",
                             "module.enable",
                             "module",
                             module,
                             {{"before", {{"enabled", false}}}, {"after", {{"enabled", true}}}}};
            CABILDO_RETURN_IF_ERROR(AppendAudit(work, event));
          }
        }
        if (!installed) {
          report.warnings.push_back("el módulo '" + module + "' de '" + spec.slug +
                                    "' no está instalado todavía; no se habilitó");
        }
      }
    }
    for (const auto& tenant : existing) {
      const bool listed = std::any_of(file.tenants.begin(), file.tenants.end(),
                                      [&](const auto& spec) { return spec.slug == tenant.slug; });
      if (!listed) report.not_in_file.push_back(tenant.slug);
    }
    work.commit();
    return report;
  } catch (...) {
    bool broken = false;
    return StatusFromDbException(std::current_exception(), &broken);
  }
}

}  // namespace cabildo::core
