// Which tables hold a tenant's rows, found in the catalog rather than listed
// by hand, so a module's new table is deleted, exported and imported with its
// tenant without anyone remembering to add it (issue 23, point 4).
//
// The rule every migration follows (architecture.md, "Tenancy"): a
// tenant-scoped table has a `tenant_id uuid` column. Tables without one are
// instance-wide (core.users, core.roles, scholarships.municipalities, ...).
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "cabildo/core/status.h"

namespace cabildo::core {

struct TenantTable {
  std::string schema;     // e.g. "public_works"
  std::string name;       // e.g. "projects"
  std::string qualified;  // "public_works"."projects": quoted, safe to splice into SQL
  // Other tenant tables this one references by foreign key (qualified names,
  // itself excluded): they come before it in LoadTenantTables' order.
  std::vector<std::string> references;
};

// Every ordinary table with a `tenant_id uuid` column, in every schema but
// PostgreSQL's own, core.tenants excluded. Ordered parents first: a table
// comes after every tenant table it references, ties by qualified name, so
// inserting in this order and deleting in the reverse order never trips a
// foreign key. (A table referencing itself, e.g. sub-commitments, is fine
// for one statement: PostgreSQL checks NO ACTION keys at its end.)
//
// kInternal, naming the tables, when the catalog breaks the rule
// the callers rely on: a foreign-key cycle between distinct tenant tables, or
// a table without `tenant_id` that references a tenant table (its rows would
// belong to a tenant without saying so, and could be neither deleted nor
// exported with it).
StatusOr<std::vector<TenantTable>> LoadTenantTables(pqxx::transaction_base& work);

}  // namespace cabildo::core
