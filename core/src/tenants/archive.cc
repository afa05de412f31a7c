// The tenant archive against the database: export through one cursor, import
// through a staging table. See tenant_archive.h.
#include <sodium.h>

#include "cabildo/core/db_pool.h"
#include "cabildo/core/log.h"
#include "cabildo/core/tenant_archive.h"
#include "cabildo/core/tenant_tables.h"
#include "cabildo/core/tenants.h"

namespace cabildo::core {
namespace {

using nlohmann::json;

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr int kFetchRows = 500;
// Staged rows go to PostgreSQL in batches of about this size.
constexpr std::size_t kBatchBytes = 1 << 20;
constexpr int kBatchRows = 500;

std::string JsonText(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// "<schema>.<table>" as the archive names a table.
std::string ArchiveName(const TenantTable& table) { return table.schema + "." + table.name; }

struct ForeignKey {
  std::string from;  // qualified (quoted) names, as TenantTable::qualified
  std::string to;
  std::vector<std::string> from_columns;  // quoted
  std::vector<std::string> to_columns;
};

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    std::size_t comma = text.find('\x1f', start);
    if (comma == std::string::npos) comma = text.size();
    items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

// Every foreign key of the database, with its columns in order. Catalog only.
std::vector<ForeignKey> LoadForeignKeys(pqxx::transaction_base& work) {
  constexpr const char* kSql =
      "SELECT quote_ident(n1.nspname) || '.' || quote_ident(c1.relname), "
      "quote_ident(n2.nspname) || '.' || quote_ident(c2.relname), "
      "(SELECT string_agg(quote_ident(a.attname), E'\\x1f' ORDER BY k.i) "
      " FROM unnest(con.conkey) WITH ORDINALITY k(attnum, i) "
      " JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum), "
      "(SELECT string_agg(quote_ident(a.attname), E'\\x1f' ORDER BY k.i) "
      " FROM unnest(con.confkey) WITH ORDINALITY k(attnum, i) "
      " JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) "
      "FROM pg_constraint con "
      "JOIN pg_class c1 ON c1.oid = con.conrelid JOIN pg_namespace n1 ON n1.oid = c1.relnamespace "
      "JOIN pg_class c2 ON c2.oid = con.confrelid JOIN pg_namespace n2 ON n2.oid = c2.relnamespace "
      "WHERE con.contype = 'f' ORDER BY 1, 2, 3";
  std::vector<ForeignKey> keys;
  for (const auto& row : work.exec(kSql)) {
    keys.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                    SplitList(row[2].as<std::string>()), SplitList(row[3].as<std::string>())});
  }
  return keys;
}

// The primary key's columns of a table (quoted), in key order; empty if none.
std::vector<std::string> PrimaryKey(pqxx::transaction_base& work, const std::string& qualified) {
  auto rows = work.exec_params(
      "SELECT quote_ident(a.attname) FROM pg_index i "
      "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
      "WHERE i.indrelid = $1::regclass AND i.indisprimary "
      "ORDER BY array_position(i.indkey::int2[], a.attnum)",
      qualified);
  std::vector<std::string> columns;
  for (const auto& row : rows) columns.push_back(row[0].as<std::string>());
  return columns;
}

struct Column {
  std::string quoted;
  bool generated = false;
  bool identity_always = false;
};

std::map<std::string, Column> Columns(pqxx::transaction_base& work, const std::string& qualified) {
  std::map<std::string, Column> columns;
  for (const auto& row : work.exec_params(
           "SELECT attname, quote_ident(attname), attgenerated <> '', attidentity = 'a' "
           "FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
           qualified)) {
    columns[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<bool>(),
                                         row[3].as<bool>()};
  }
  return columns;
}

std::string HexDigest(crypto_generichash_state& state) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash_final(&state, digest, sizeof digest);
  char hex[2 * crypto_generichash_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string Joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

}  // namespace

std::optional<std::string> DataKeyCheck(const std::optional<DataKey>& key) {
  if (!key) return std::nullopt;
  return key->Digest("cabildo.tenant-archive", "data-key-check");
}

// --- Export -------------------------------------------------------------------

StatusOr<ExportCounts> WriteTenantArchive(pqxx::transaction_base& work,
                                          const std::string& tenant_id,
                                          const ExportOptions& options,
                                          const std::function<bool(std::string_view)>& sink) {
  CABILDO_ASSIGN_OR_RETURN(std::vector<TenantTable> tables, LoadTenantTables(work));
  const std::vector<ForeignKey> keys = LoadForeignKeys(work);

  auto tenant_rows = work.exec_params(
      "SELECT t.id::text, t.slug, t.name, t.kind, p.slug, t.inegi_code, "
      "to_json(t.created_at) #>> '{}', to_json(t.updated_at) #>> '{}', "
      "to_json(clock_timestamp()) #>> '{}' "
      "FROM core.tenants t LEFT JOIN core.tenants p ON p.id = t.parent_id WHERE t.id = $1",
      tenant_id);
  if (tenant_rows.empty()) return NotFoundError("No existe ese tenant.");
  const auto& t = tenant_rows[0];
  json schema_modules = json::object();
  for (const auto& [name, version] : options.schema.modules) schema_modules[name] = version;
  const json header = {
      {"format", kArchiveFormat},
      {"version", kArchiveVersion},
      {"exported_at", t[8].as<std::string>()},
      {"schema", {{"core", options.schema.core}, {"modules", schema_modules}}},
      {"data_key", options.data_key ? json(*options.data_key) : json(nullptr)},
      {"tenant",
       {{"id", t[0].as<std::string>()},
        {"slug", t[1].as<std::string>()},
        {"name", t[2].as<std::string>()},
        {"kind", t[3].as<std::string>()},
        {"parent", t[4].is_null() ? json(nullptr) : json(t[4].as<std::string>())},
        {"inegi_code", t[5].is_null() ? json(nullptr) : json(t[5].as<std::string>())},
        {"created_at", t[6].as<std::string>()},
        {"updated_at", t[7].as<std::string>()}}}};

  // One statement over every table, so one snapshot: the archive is
  // consistent even while the tenant is being written to. Table and column
  // names come from the catalog, quoted by quote_ident; the tenant is $1.
  std::set<std::string> tenant_tables;
  for (const auto& table : tables) tenant_tables.insert(table.qualified);
  std::vector<std::string> user_refs;
  for (const auto& key : keys) {
    if (key.to == "core.users" && key.from_columns.size() == 1 &&
        tenant_tables.count(key.from) > 0) {
      user_refs.push_back("SELECT " + key.from_columns[0] + " FROM " + key.from +
                          " WHERE tenant_id = $1");
    }
  }
  std::vector<std::string> parts;
  if (!user_refs.empty()) {
    parts.push_back(
        "SELECT 0 AS k, json_build_object('id', u.id, 'email', u.email, 'name', u.name)::text "
        "AS line, row_number() OVER (ORDER BY u.id) AS n FROM core.users u WHERE u.id IN (" +
        Joined(user_refs, " UNION ") + ")");
  }
  for (std::size_t i = 0; i < tables.size(); ++i) {
    std::vector<std::string> order = PrimaryKey(work, tables[i].qualified);
    for (auto& column : order) column = "x." + column;
    if (order.empty()) order.push_back("row_to_json(x)::text");
    parts.push_back("SELECT " + std::to_string(i + 1) + ", row_to_json(x)::text, " +
                    "row_number() OVER (ORDER BY " + Joined(order, ", ") + ") FROM " +
                    tables[i].qualified + " x WHERE x.tenant_id = $1");
  }
  work.exec_params("DECLARE cabildo_tenant_export NO SCROLL CURSOR FOR SELECT k, line FROM (" +
                       Joined(parts, " UNION ALL ") + ") lines ORDER BY k, n",
                   tenant_id);

  crypto_generichash_state digest;
  crypto_generichash_init(&digest, nullptr, 0, crypto_generichash_BYTES);
  std::string buffer;
  auto emit = [&](const std::string& line) -> bool {
    crypto_generichash_update(&digest, reinterpret_cast<const unsigned char*>(line.data()),
                              line.size());
    crypto_generichash_update(&digest, reinterpret_cast<const unsigned char*>("\n"), 1);
    buffer += line;
    buffer += '\n';
    if (buffer.size() < kChunkBytes) return true;
    const bool sent = sink(buffer);
    buffer.clear();
    return sent;
  };

  ExportCounts counts;
  for (const auto& table : tables) counts.rows[ArchiveName(table)] = 0;
  if (!emit(JsonText(header))) return UnavailableError("el cliente dejó de leer");
  std::vector<std::string> prefixes;
  for (const auto& table : tables) {
    prefixes.push_back("{\"t\":" + JsonText(ArchiveName(table)) + ",\"r\":");
  }
  const std::string fetch =
      "FETCH FORWARD " + std::to_string(kFetchRows) + " FROM cabildo_tenant_export";
  for (bool more = true; more;) {
    pqxx::result rows = work.exec(fetch);
    more = rows.size() == static_cast<std::size_t>(kFetchRows);
    for (const auto& row : rows) {
      const int k = row[0].as<int>();
      std::string line;
      if (k == 0) {
        line = "{\"user\":" + row[1].as<std::string>() + "}";
        ++counts.users;
      } else {
        line = prefixes[k - 1] + row[1].as<std::string>() + "}";
        ++counts.rows[ArchiveName(tables[k - 1])];
      }
      if (!emit(line)) {
        work.exec("CLOSE cabildo_tenant_export");
        return UnavailableError("el cliente dejó de leer");
      }
    }
  }
  work.exec("CLOSE cabildo_tenant_export");

  json rows = json::object();
  for (const auto& [name, count] : counts.rows) rows[name] = count;
  const json trailer = {
      {"end", {{"rows", rows}, {"users", counts.users}, {"digest", HexDigest(digest)}}}};
  buffer += JsonText(trailer);
  buffer += '\n';
  if (!sink(buffer)) return UnavailableError("el cliente dejó de leer");
  return counts;
}

// --- Import -------------------------------------------------------------------

struct LocalTable {
  TenantTable table;
  std::map<std::string, Column> columns;  // by name
};

struct TenantImporter::State {
  State(pqxx::transaction_base& w, ImportOptions o) : work(w), options(std::move(o)) {}
  pqxx::transaction_base& work;
  ImportOptions options;
  ArchiveReader reader;
  bool started = false;
  std::optional<ArchiveHeader> header;
  std::vector<TenantTable> order;
  std::map<std::string, LocalTable> tables;           // by archive name
  std::map<std::string, std::set<std::string>> keys;  // columns seen, by archive name
  std::map<std::string, int64_t> rows;                // by archive name
  int64_t users = 0;
  std::string batch_table;
  std::string batch;  // a JSON array's text, without the closing bracket
  int batch_rows = 0;
};

TenantImporter::TenantImporter(pqxx::transaction_base& work, ImportOptions options)
    : state_(std::make_unique<State>(work, std::move(options))) {}

TenantImporter::~TenantImporter() = default;

Status TenantImporter::Line(std::string_view line) {
  CABILDO_ASSIGN_OR_RETURN(ArchiveItem item, state_->reader.Next(line));
  return Take(item);
}

Status TenantImporter::Flush() {
  State& s = *state_;
  if (s.batch_rows == 0) return OkStatus();
  s.batch += ']';
  s.work.exec_params(
      "INSERT INTO pg_temp.cabildo_import_rows (tbl, row) "
      "SELECT $1, value FROM jsonb_array_elements($2::jsonb)",
      s.batch_table, s.batch);
  s.batch.clear();
  s.batch_rows = 0;
  return OkStatus();
}

Status TenantImporter::Take(const ArchiveItem& item) {
  State& s = *state_;
  pqxx::transaction_base& work = s.work;
  switch (item.kind) {
    case ArchiveItem::Kind::kHeader: {
      const ArchiveHeader& header = item.header;
      if (header.schema.core > s.options.schema.core) {
        return UnprocessableError(
            "El archivo viene de una versión más nueva de Cabildo (esquema del núcleo " +
            std::to_string(header.schema.core) + "; esta instancia tiene " +
            std::to_string(s.options.schema.core) + "). Actualice esta instancia primero.");
      }
      for (const auto& [module, version] : header.schema.modules) {
        auto local = s.options.schema.modules.find(module);
        if (local != s.options.schema.modules.end() && version > local->second) {
          return UnprocessableError("El archivo viene de una versión más nueva del módulo '" +
                                    module + "' (esquema " + std::to_string(version) + "; aquí " +
                                    std::to_string(local->second) +
                                    "). Actualice el módulo primero.");
        }
      }
      if (header.data_key && header.data_key != s.options.data_key) {
        return UnprocessableError(
            "Esta instancia no tiene la misma CABILDO_DATA_KEY que la instancia de origen: los "
            "datos personales cifrados del archivo no se podrían leer. Configure la misma clave "
            "e intente de nuevo.");
      }
      auto taken =
          work.exec_params("SELECT slug FROM core.tenants WHERE slug = $1 OR id = $2::uuid",
                           header.tenant.slug, header.tenant.id);
      if (!taken.empty()) {
        return AlreadyExistsError("Ya existe un tenant con el slug '" + header.tenant.slug +
                                  "' o con el mismo identificador ('" +
                                  taken[0][0].as<std::string>() + "').");
      }
      CABILDO_ASSIGN_OR_RETURN(s.order, LoadTenantTables(work));
      for (const auto& table : s.order) {
        s.tables[ArchiveName(table)] = {table, Columns(work, table.qualified)};
      }
      work.exec(
          "CREATE TEMP TABLE cabildo_import_rows (tbl text NOT NULL, row jsonb NOT NULL) "
          "ON COMMIT DROP");
      work.exec(
          "CREATE TEMP TABLE cabildo_import_users (id uuid PRIMARY KEY, email text NOT NULL, "
          "name text NOT NULL) ON COMMIT DROP");
      s.header = header;
      return OkStatus();
    }
    case ArchiveItem::Kind::kUser:
      work.exec_params(
          "INSERT INTO pg_temp.cabildo_import_users (id, email, name) "
          "VALUES ($1::uuid, $2, $3)",
          item.user.id, item.user.email, item.user.name);
      ++s.users;
      return OkStatus();
    case ArchiveItem::Kind::kRow: {
      auto table = s.tables.find(item.table);
      if (table == s.tables.end()) {
        return UnprocessableError("El archivo trae filas de la tabla '" + item.table +
                                  "', que esta instancia no tiene (¿falta instalar un módulo?).");
      }
      for (const auto& key : item.keys) {
        if (table->second.columns.count(key) == 0) {
          return UnprocessableError("El archivo trae la columna '" + key + "' de la tabla '" +
                                    item.table + "', que esta instancia no tiene.");
        }
      }
      s.keys[item.table].insert(item.keys.begin(), item.keys.end());
      ++s.rows[item.table];
      if (s.batch_rows > 0 &&
          (s.batch_table != item.table || s.batch.size() + item.row_text.size() > kBatchBytes ||
           s.batch_rows >= kBatchRows)) {
        CABILDO_RETURN_IF_ERROR(Flush());
      }
      s.batch += s.batch_rows == 0 ? "[" : ",";
      s.batch += item.row_text;
      s.batch_table = item.table;
      ++s.batch_rows;
      return OkStatus();
    }
    case ArchiveItem::Kind::kEnd:
      return Flush();
  }
  return OkStatus();
}

// A broken constraint is the archive's fault (it does not fit this
// instance), not the server's: 422 with PostgreSQL's first line, which names
// the table and constraint but no value.
StatusOr<ImportReport> TenantImporter::Finish() {
  try {
    return Complete();
  } catch (const pqxx::integrity_constraint_violation& error) {
    const std::string what = error.what();
    return UnprocessableError("El archivo no es coherente con esta instancia: " +
                              what.substr(0, what.find('\n')) + ". No se importó nada.");
  }
}

StatusOr<ImportReport> TenantImporter::Complete() {
  State& s = *state_;
  pqxx::transaction_base& work = s.work;
  CABILDO_RETURN_IF_ERROR(s.reader.Finish());
  const ArchiveTenant& tenant = s.header->tenant;

  // The tenant, by the rules of every new tenant (parent, kind, INEGI code).
  TenantSpec spec{tenant.slug, tenant.name, tenant.kind, tenant.parent, tenant.inegi_code, {}};
  Status valid = ValidateNewTenant(work, spec);
  if (valid.code() == StatusCode::kInvalidArgument) {
    std::string why = valid.message();
    for (std::size_t at = why.find("tenants[0]"); at != std::string::npos;
         at = why.find("tenants[0]")) {
      why.replace(at, 10, "tenant");
    }
    return UnprocessableError("El tenant del archivo no se puede crear aquí: " + why);
  }
  CABILDO_RETURN_IF_ERROR(valid);
  work.exec_params(
      "INSERT INTO core.tenants (id, slug, name, kind, parent_id, inegi_code, created_at, "
      "updated_at) VALUES ($1::uuid, $2, $3, $4, (SELECT id FROM core.tenants WHERE slug = $5), "
      "$6, $7::timestamptz, $8::timestamptz)",
      tenant.id, tenant.slug, tenant.name, tenant.kind, tenant.parent, tenant.inegi_code,
      tenant.created_at, tenant.updated_at);
  ApplyScope(work, Scope{{tenant.id}, s.options.actor.user_id});

  // Accounts: the same id is the same account; an email held by another id
  // is a conflict the operator resolves (nothing is merged silently).
  auto clash = work.exec(
      "SELECT u.email FROM pg_temp.cabildo_import_users i JOIN core.users u "
      "ON u.email = i.email AND u.id <> i.id ORDER BY u.email LIMIT 3");
  if (!clash.empty()) {
    std::vector<std::string> emails;
    for (const auto& row : clash) emails.push_back(row[0].as<std::string>());
    return AlreadyExistsError("Ya hay otra cuenta con el correo " + Joined(emails, ", ") +
                              " en esta instancia; no se importó nada.");
  }
  // '!' is no Argon2id hash: nobody can sign in until a password is set.
  const auto created = work.exec(
      "INSERT INTO core.users (id, email, name, password_hash) "
      "SELECT i.id, i.email, i.name, '!' FROM pg_temp.cabildo_import_users i "
      "WHERE NOT EXISTS (SELECT 1 FROM core.users u WHERE u.id = i.id)");

  ImportReport report;
  report.tenant = tenant;
  report.users = s.users;
  report.users_created = static_cast<int64_t>(created.affected_rows());
  // Parents first: one statement per table, so a table referring to itself
  // (sub-commitments) is checked once its rows are all in.
  for (const auto& table : s.order) {
    const std::string name = ArchiveName(table);
    auto rows = s.rows.find(name);
    if (rows == s.rows.end() || rows->second == 0) continue;
    const LocalTable& local = s.tables.at(name);
    std::vector<std::string> columns;
    std::vector<std::string> selected;
    bool identity = false;
    for (const auto& key : s.keys[name]) {
      const Column& column = local.columns.at(key);
      if (column.generated) continue;  // computed again here
      identity = identity || column.identity_always;
      columns.push_back(column.quoted);
      selected.push_back("r." + column.quoted);
    }
    work.exec_params(
        "INSERT INTO " + table.qualified + " (" + Joined(columns, ", ") + ") " +
            (identity ? "OVERRIDING SYSTEM VALUE " : "") + "SELECT " + Joined(selected, ", ") +
            " FROM pg_temp.cabildo_import_rows i, jsonb_populate_record(NULL::" + table.qualified +
            ", i.row) r WHERE i.tbl = $1 ON CONFLICT DO NOTHING",
        name);
  }
  // A row an insert trigger already derived (procedure-registry's search
  // terms, from their version) was skipped above; in the end every table
  // must hold exactly the archive's rows: no fewer (a repeated key), no more
  // (a trigger's rows the source did not have).
  for (const auto& table : s.order) {
    const std::string name = ArchiveName(table);
    auto archived = s.rows.find(name);
    const int64_t expected = archived == s.rows.end() ? 0 : archived->second;
    const int64_t stored =
        work.exec_params("SELECT count(*) FROM " + table.qualified + " WHERE tenant_id = $1",
                         tenant.id)[0][0]
            .as<int64_t>();
    if (stored != expected) {
      return UnprocessableError("La tabla " + name + " quedaría con " + std::to_string(stored) +
                                " filas y el archivo trae " + std::to_string(expected) +
                                "; no se importó nada.");
    }
    report.rows[name] = stored;
  }

  // A row may refer only to rows of its own tenant. Foreign keys do not see
  // row-level security; this does: the transaction sees this tenant only.
  std::set<std::string> tenant_tables;
  for (const auto& table : s.order) tenant_tables.insert(table.qualified);
  for (const auto& key : LoadForeignKeys(work)) {
    if (tenant_tables.count(key.from) == 0 || tenant_tables.count(key.to) == 0) continue;
    std::vector<std::string> present;
    std::vector<std::string> match;
    for (std::size_t i = 0; i < key.from_columns.size(); ++i) {
      present.push_back("a." + key.from_columns[i] + " IS NOT NULL");
      match.push_back("b." + key.to_columns[i] + " = a." + key.from_columns[i]);
    }
    const auto foreign =
        work.exec_params("SELECT count(*) FROM " + key.from + " a WHERE a.tenant_id = $1 AND " +
                             Joined(present, " AND ") + " AND NOT EXISTS (SELECT 1 FROM " + key.to +
                             " b WHERE " + Joined(match, " AND ") + ")",
                         tenant.id);
    if (foreign[0][0].as<int64_t>() > 0) {
      return UnprocessableError("Filas de " + key.from + " del archivo se refieren a datos de " +
                                key.to + " de otro inquilino; no se importó nada.");
    }
  }

  CABILDO_ASSIGN_OR_RETURN(AuditVerification chain, VerifyAudit(work, tenant.id));
  if (!chain.ok) {
    return UnprocessableError(
        "La bitácora de auditoría del archivo no verifica (primer seq con problema: " +
        std::to_string(*chain.first_bad_seq) + "); no se importó nada.");
  }
  report.audit_entries = chain.entries;

  json counts = json::object();
  for (const auto& [name, count] : report.rows) counts[name] = count;
  const json changes = {{"before", json::object()},
                        {"after",
                         {{"slug", tenant.slug},
                          {"exported_at", s.header->exported_at},
                          {"rows", counts},
                          {"users", report.users},
                          {"users_created", report.users_created}}}};
  AuditEvent event{tenant.id,
                   s.options.actor.user_id,
                   s.options.actor.name,
                   "tenant.import",
                   "tenant",
                   tenant.id,
                   changes};
  CABILDO_RETURN_IF_ERROR(AppendInstanceAudit(work, event));
  CABILDO_RETURN_IF_ERROR(AppendAudit(work, event));
  return report;
}

StatusOr<ImportReport> ImportTenantArchive(pqxx::transaction_base& work, std::string_view text,
                                           ImportOptions options) {
  TenantImporter importer(work, std::move(options));
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    CABILDO_RETURN_IF_ERROR(importer.Line(text.substr(start, end - start)));
    start = end + 1;
  }
  return importer.Finish();
}

}  // namespace cabildo::core
