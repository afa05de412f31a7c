#include <algorithm>
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

// Every stored tenant; "... WHERE t.id = $1" for one.
constexpr const char* kStoredTenants = "core.stored_tenants";
constexpr const char* kStoredTenant = "core.stored_tenant";
constexpr const char* kStoredTenantsSql =
    "SELECT t.id::text, t.slug, t.name, t.kind, p.slug, t.inegi_code "
    "FROM core.tenants t LEFT JOIN core.tenants p ON p.id = t.parent_id";

// The public columns, then the suspension (migration 0011).
constexpr const char* kTenantColumns =
    "t.id::text, t.slug, t.name, t.kind, p.slug, t.inegi_code, "
    "to_char(t.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "t.suspended_reason "
    "FROM core.tenants t LEFT JOIN core.tenants p ON p.id = t.parent_id ";

Tenant TenantFromRow(const pqxx::row& row) {
  Tenant tenant;
  tenant.id = row[0].as<std::string>();
  tenant.slug = row[1].as<std::string>();
  tenant.name = row[2].as<std::string>();
  tenant.kind = row[3].as<std::string>();
  if (!row[4].is_null()) tenant.parent = row[4].as<std::string>();
  if (!row[5].is_null()) tenant.inegi_code = row[5].as<std::string>();
  if (row.size() > 7 && !row[6].is_null()) {  // kTenantColumns (kStoredTenantsSql has no more)
    tenant.suspended_at = row[6].as<std::string>();
    tenant.suspended_reason = row[7].is_null() ? "" : row[7].as<std::string>();
  }
  return tenant;
}

StoredTenant StoredFromRow(const pqxx::row& row) {
  Tenant tenant = TenantFromRow(row);
  return {tenant.id, {tenant.slug, tenant.name, tenant.kind, tenant.parent, tenant.inegi_code, {}}};
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
                        {"modules", tenant.modules},
                        {"status", tenant.suspended_at ? "suspended" : "active"}};
  if (tenant.suspended_at) {
    out["suspended_at"] = *tenant.suspended_at;
    out["suspended_reason"] = tenant.suspended_reason.value_or("");
  }
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
  CABILDO_RETURN_IF_ERROR(pool.InTransaction([&](pqxx::transaction_base& work) {
    for (const auto& row : work.exec_prepared(kListTenants, after_slug, limit)) {
      tenants.push_back(TenantFromRow(row));
    }
    LoadModules(work, tenants);
    return OkStatus();
  }));
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

nlohmann::json TenantAuditState(const TenantSpec& spec) {
  return {{"slug", spec.slug},
          {"name", spec.name},
          {"kind", spec.kind},
          {"parent", OptionalJson(spec.parent)},
          {"inegi_code", OptionalJson(spec.inegi_code)}};
}

StatusOr<std::vector<StoredTenant>> LoadStoredTenants(pqxx::transaction_base& work) {
  std::vector<StoredTenant> stored;
  for (const auto& row : ExecStatement(work, kStoredTenants, kStoredTenantsSql)) {
    stored.push_back(StoredFromRow(row));
  }
  return stored;
}

StatusOr<StoredTenant> LoadStoredTenant(pqxx::transaction_base& work, const std::string& id) {
  auto rows =
      ExecStatement(work, kStoredTenant, std::string(kStoredTenantsSql) + " WHERE t.id = $1", id);
  if (rows.empty()) return NotFoundError("No existe el tenant.");
  return StoredFromRow(rows[0]);
}

std::vector<ExistingTenant> AsExistingTenants(const std::vector<StoredTenant>& stored) {
  std::vector<ExistingTenant> existing;
  existing.reserve(stored.size());
  for (const auto& tenant : stored) {
    existing.push_back(
        {tenant.spec.slug, tenant.spec.parent, tenant.spec.inegi_code, tenant.spec.kind});
  }
  return existing;
}

Status ValidateNewTenant(pqxx::transaction_base& work, const TenantSpec& spec) {
  CABILDO_ASSIGN_OR_RETURN(auto stored, LoadStoredTenants(work));
  for (const auto& tenant : stored) {
    if (tenant.spec.slug == spec.slug) return AlreadyExistsError("Ya existe ese slug.");
  }
  nlohmann::json entry = TenantAuditState(spec);
  return ParseTenantFile(nlohmann::json{{"tenants", {entry}}}.dump(), AsExistingTenants(stored))
      .status();
}

StatusOr<std::string> InegiCodeChangeProblem(pqxx::transaction_base& work, const std::string& id,
                                             const std::string& kind, const std::string& code) {
  // The parent's code, the municipalities below the tenant whose codes would
  // lose their state's prefix, and the tenant that already holds the code.
  auto family = ExecStatement(
      work, "core.inegi_family",
      "SELECT (SELECT p.inegi_code FROM core.tenants t JOIN core.tenants p "
      "ON p.id = t.parent_id WHERE t.id = $1::uuid), "
      "(SELECT string_agg(c.inegi_code, ', ' ORDER BY c.inegi_code) FROM core.tenants c "
      "WHERE c.parent_id = $1::uuid AND c.kind = 'municipality' "
      "AND c.inegi_code IS NOT NULL AND left(c.inegi_code, length($2)) <> $2), "
      "(SELECT slug FROM core.tenants WHERE inegi_code = $2 AND id <> $1::uuid)",
      id, code)[0];
  std::optional<std::string> parent_code;
  if (!family[0].is_null()) parent_code = family[0].as<std::string>();
  std::string why = InegiCodeProblem(kind, code, parent_code);
  if (why.empty() && !family[1].is_null()) {
    why = "Sus municipios tienen claves que no empiezan con " + code + " (" +
          family[1].as<std::string>() + ").";
  }
  if (why.empty() && !family[2].is_null()) {
    why = "La clave ya pertenece al tenant '" + family[2].as<std::string>() + "'.";
  }
  return why;
}

StatusOr<std::string> InsertTenant(pqxx::transaction_base& work, const TenantSpec& spec,
                                   const AuditActor& actor) {
  const std::string id =
      ExecStatement(work, "core.insert_tenant",
                    "INSERT INTO core.tenants (slug, name, kind, parent_id, inegi_code) VALUES "
                    "($1, $2, $3, (SELECT id FROM core.tenants WHERE slug = $4), $5) "
                    "RETURNING id::text",
                    spec.slug, spec.name, spec.kind, spec.parent, spec.inegi_code)[0][0]
          .as<std::string>();
  // Row-level security applies to the owner role too (FORCE): the audit
  // chain of the new tenant is reachable only once the scope names it.
  ApplyScope(work, Scope{{id}, actor.user_id});
  const nlohmann::json created = AuditDiff(nlohmann::json::object(), TenantAuditState(spec));
  CABILDO_RETURN_IF_ERROR(AppendAudit(
      work, AuditEvent{id, actor.user_id, actor.name, "tenant.create", "tenant", id, created}));
  // And in the instance's chain, which outlives the tenant (api-core.md,
  // "Tenant lifecycle"): it names the tenant, since it is read without one.
  CABILDO_RETURN_IF_ERROR(AppendInstanceAudit(
      work, AuditEvent{"", actor.user_id, actor.name, "tenant.create", "tenant", id,
                       nlohmann::json{{"tenant", spec.slug}, {"after", created["after"]}}}));
  return id;
}

StatusOr<bool> UpdateTenant(pqxx::transaction_base& work, const StoredTenant& before,
                            const TenantSpec& after, const AuditActor& actor) {
  const nlohmann::json before_state = TenantAuditState(before.spec);
  const nlohmann::json after_state = TenantAuditState(after);
  if (before_state == after_state) return false;
  ApplyScope(work, Scope{{before.id}, actor.user_id});
  if (after.kind != before.spec.kind || after.parent != before.spec.parent) {
    ExecStatement(work, "core.move_tenant",
                  "UPDATE core.tenants SET kind = $2, "
                  "parent_id = (SELECT id FROM core.tenants WHERE slug = $3), updated_at = now() "
                  "WHERE id = $1::uuid",
                  before.id, after.kind, after.parent);
  }
  if (after.name != before.spec.name || after.inegi_code != before.spec.inegi_code) {
    ExecStatement(
        work, "core.update_tenant",
        "UPDATE core.tenants SET name = $2, inegi_code = $3, updated_at = now() WHERE id = $1",
        before.id, after.name, after.inegi_code);
  }
  AuditEvent event{before.id,
                   actor.user_id,
                   actor.name,
                   "tenant.update",
                   "tenant",
                   before.id,
                   AuditDiff(before_state, after_state)};
  CABILDO_RETURN_IF_ERROR(AppendAudit(work, event));
  return true;
}

StatusOr<TenantApplyReport> ApplyTenantFile(pqxx::connection& owner, const std::string& text,
                                            const std::vector<std::string>& installed_modules) {
  const AuditActor system{"", "sistema: cabildo tenants apply"};
  try {
    pqxx::work work(owner);
    // Serialises concurrent applies; readers are not blocked.
    work.exec0("LOCK TABLE core.tenants IN SHARE ROW EXCLUSIVE MODE");
    CABILDO_ASSIGN_OR_RETURN(std::vector<StoredTenant> stored, LoadStoredTenants(work));
    std::map<std::string, const StoredTenant*> stored_by_slug;
    for (const auto& tenant : stored) stored_by_slug[tenant.spec.slug] = &tenant;
    CABILDO_ASSIGN_OR_RETURN(TenantFile file, ParseTenantFile(text, AsExistingTenants(stored)));

    TenantApplyReport report;
    for (const auto& spec : file.tenants) {
      std::string tenant_id;
      if (auto it = stored_by_slug.find(spec.slug); it != stored_by_slug.end()) {
        tenant_id = it->second->id;
        CABILDO_ASSIGN_OR_RETURN(bool updated, UpdateTenant(work, *it->second, spec, system));
        (updated ? report.updated : report.unchanged).push_back(spec.slug);
      } else {
        CABILDO_ASSIGN_OR_RETURN(tenant_id, InsertTenant(work, spec, system));
        report.created.push_back(spec.slug);
      }
      ApplyScope(work, Scope{{tenant_id}, ""});
      for (const auto& module : spec.modules) {
        const bool installed = std::find(installed_modules.begin(), installed_modules.end(),
                                         module) != installed_modules.end();
        if (installed) {
          // A file enables a module only where it was never set: a row that
          // says disabled is an administrator's decision (DELETE
          // /v1/tenants/{t}/modules/{m}), which re-applying the file must not undo.
          auto enabled =
              ExecStatement(work, "tenants.enable_module",
                            "INSERT INTO core.tenant_modules (tenant_id, module) VALUES ($1, $2) "
                            "ON CONFLICT (tenant_id, module) DO NOTHING RETURNING module",
                            tenant_id, module);
          if (enabled.empty() && !ExecStatement(work, "tenants.module_enabled",
                                                "SELECT enabled FROM core.tenant_modules WHERE "
                                                "tenant_id = $1 AND module = $2",
                                                tenant_id, module)[0][0]
                                      .as<bool>()) {
            report.warnings.push_back("el módulo '" + module + "' de '" + spec.slug +
                                      "' fue deshabilitado por la administración; sigue así");
          }
          if (!enabled.empty()) {
            report.modules_enabled.push_back(spec.slug + "/" + module);
            AuditEvent event{tenant_id,
                             system.user_id,
                             system.name,
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
    for (const auto& tenant : stored) {
      const bool listed =
          std::any_of(file.tenants.begin(), file.tenants.end(),
                      [&](const auto& spec) { return spec.slug == tenant.spec.slug; });
      if (!listed) report.not_in_file.push_back(tenant.spec.slug);
    }
    work.commit();
    return report;
  } catch (...) {
    bool broken = false;
    return StatusFromDbException(std::current_exception(), &broken);
  }
}

}  // namespace cabildo::core
