#include "cabildo/core/tenant_tables.h"

#include <map>
#include <set>

namespace cabildo::core {
namespace {

// Catalog reads only: no client data reaches these statements.
constexpr const char* kTenantTablesSql =
    "SELECT c.oid::bigint, n.nspname, c.relname, quote_ident(n.nspname) || '.' || "
    "quote_ident(c.relname) "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' "
    "AND NOT a.attisdropped AND a.atttypid = 'uuid'::regtype "
    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_%' AND c.oid <> 'core.tenants'::regclass";

// Every foreign key between two tables: (referencing, referenced).
constexpr const char* kForeignKeysSql =
    "SELECT conrelid::bigint, confrelid::bigint, conrelid::regclass::text "
    "FROM pg_constraint WHERE contype = 'f'";

}  // namespace

StatusOr<std::vector<TenantTable>> LoadTenantTables(pqxx::transaction_base& work) {
  std::map<long long, TenantTable> by_oid;
  for (const auto& row : work.exec(kTenantTablesSql)) {
    by_oid[row[0].as<long long>()] = {
        row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<std::string>(), {}};
  }
  const long long tenants_oid =
      work.exec("SELECT 'core.tenants'::regclass::oid::bigint")[0][0].as<long long>();

  // Edges between distinct tenant tables; and the rule's breakers.
  std::map<long long, std::set<long long>> parents;  // table -> tables it references
  std::set<std::string> unscoped;
  for (const auto& row : work.exec(kForeignKeysSql)) {
    const long long from = row[0].as<long long>();
    const long long to = row[1].as<long long>();
    const bool from_tenant = by_oid.count(from) > 0;
    if (!from_tenant) {
      if (by_oid.count(to) > 0) unscoped.insert(row[2].as<std::string>());
      continue;
    }
    if (to == from || to == tenants_oid || by_oid.count(to) == 0) continue;
    parents[from].insert(to);
  }
  if (!unscoped.empty()) {
    std::string names;
    for (const auto& name : unscoped) names += (names.empty() ? "" : ", ") + name;
    return InternalError("tablas sin tenant_id que referencian tablas de un inquilino: " + names);
  }

  // Kahn's algorithm, always taking the smallest qualified name that is ready,
  // so the order is the same on every instance with the same schema.
  std::map<std::string, long long> ready;
  std::map<long long, std::size_t> waiting;  // unmet parents per table
  std::map<long long, std::vector<long long>> children;
  for (const auto& [oid, table] : by_oid) {
    waiting[oid] = parents[oid].size();
    for (long long parent : parents[oid]) children[parent].push_back(oid);
    if (waiting[oid] == 0) ready[table.qualified] = oid;
  }
  std::vector<TenantTable> ordered;
  while (!ready.empty()) {
    const long long oid = ready.begin()->second;
    ready.erase(ready.begin());
    TenantTable table = by_oid[oid];
    for (long long parent : parents[oid]) table.references.push_back(by_oid[parent].qualified);
    ordered.push_back(std::move(table));
    for (long long child : children[oid]) {
      if (--waiting[child] == 0) ready[by_oid[child].qualified] = child;
    }
  }
  if (ordered.size() != by_oid.size()) {
    std::string names;
    for (const auto& [oid, count] : waiting) {
      if (count > 0) names += (names.empty() ? "" : ", ") + by_oid[oid].qualified;
    }
    return InternalError("ciclo de llaves foráneas entre tablas de un inquilino: " + names);
  }
  return ordered;
}

}  // namespace cabildo::core
