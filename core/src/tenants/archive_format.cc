// The tenant archive's format: reading and checking it line by line without a
// database (the part a fuzzer exercises). See tenant_archive.h.
#include <sodium.h>

#include "cabildo/core/tenant_archive.h"

namespace cabildo::core {
namespace {

using nlohmann::json;

std::string Where(int64_t line) { return "línea " + std::to_string(line) + ": "; }

Status Broken(int64_t line, const std::string& why) {
  return InvalidArgumentError("El archivo de inquilino está dañado (" + Where(line) + why + ").");
}

// The nesting depth of a JSON text, counted outside strings, so that no
// deeper document reaches the (recursive) parser. -1 when it passes `limit`.
int JsonDepth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return -1;
      deepest = std::max(deepest, depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

// Parsed JSON of a bounded text, or a discarded value.
json ParseBounded(std::string_view text) {
  if (JsonDepth(text, kMaxArchiveDepth) < 0) return json(json::value_t::discarded);
  return json::parse(text, nullptr, false);
}

bool IsUuidText(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool IsSlugText(const std::string& text) {
  if (text.size() < 2 || text.size() > 63) return false;
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// "<schema>.<table>": lower-case identifiers, as every migration names them.
bool IsTableName(std::string_view text) {
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size() || text.size() > 127) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == dot) continue;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::optional<std::string> Text(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// A string or null field: false when it is neither.
bool OptionalText(const json& object, const char* key, std::optional<std::string>* out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    out->reset();
    return true;
  }
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

bool SmallInt(const json& value, int* out) {
  if (!value.is_number_integer()) return false;
  const auto number = value.get<int64_t>();
  if (number < 0 || number > 1000000) return false;
  *out = static_cast<int>(number);
  return true;
}

}  // namespace

struct ArchiveReader::Digest {
  crypto_generichash_state state;
};

ArchiveReader::ArchiveReader() : digest_(std::make_unique<Digest>()) {
  crypto_generichash_init(&digest_->state, nullptr, 0, crypto_generichash_BYTES);
}

ArchiveReader::~ArchiveReader() = default;

StatusOr<ArchiveItem> ArchiveReader::Next(std::string_view line) {
  ++line_;
  if (ended_) return Broken(line_, "hay datos después del cierre");
  if (line.size() > kMaxArchiveLineBytes) return Broken(line_, "línea demasiado larga");
  ArchiveItem item;

  // Rows are by far the most lines: {"t":"<schema>.<table>","r":{...}}, the
  // row's text kept exactly as written (numbers stay exact for PostgreSQL).
  constexpr std::string_view kRowStart = "{\"t\":\"";
  if (line.starts_with(kRowStart)) {
    if (!has_header_) return Broken(line_, "falta el encabezado");
    const std::size_t name_end = line.find('"', kRowStart.size());
    if (name_end == std::string_view::npos) return Broken(line_, "fila mal formada");
    const std::string_view table = line.substr(kRowStart.size(), name_end - kRowStart.size());
    if (!IsTableName(table)) return Broken(line_, "nombre de tabla no válido");
    constexpr std::string_view kRowKey = ",\"r\":";
    if (line.substr(name_end + 1, kRowKey.size()) != kRowKey || !line.ends_with("}")) {
      return Broken(line_, "fila mal formada");
    }
    const std::size_t row_start = name_end + 1 + kRowKey.size();
    const std::string_view row_text = line.substr(row_start, line.size() - 1 - row_start);
    json row = ParseBounded(row_text);
    if (row.is_discarded() || !row.is_object()) {
      return Broken(line_, "la fila no es un objeto JSON válido");
    }
    auto tenant = row.find("tenant_id");
    if (tenant == row.end() || !tenant->is_string() || *tenant != tenant_id_) {
      return UnprocessableError(Where(line_) + "la fila de " + std::string(table) +
                                " no pertenece al inquilino del archivo.");
    }
    item.kind = ArchiveItem::Kind::kRow;
    item.table = table;
    item.row_text = row_text;
    for (const auto& [key, value] : row.items()) item.keys.insert(key);
    ++rows_[item.table];
    in_rows_ = true;
    crypto_generichash_update(&digest_->state, reinterpret_cast<const unsigned char*>(line.data()),
                              line.size());
    crypto_generichash_update(&digest_->state, reinterpret_cast<const unsigned char*>("\n"), 1);
    return item;
  }

  json document = ParseBounded(line);
  if (document.is_discarded() || !document.is_object()) {
    return Broken(line_, "no es un objeto JSON válido");
  }

  if (!has_header_) {
    if (Text(document, "format") != kArchiveFormat) {
      return Broken(line_, "no es un archivo de inquilino de Cabildo");
    }
    if (document.value("version", json()) != kArchiveVersion) {
      return UnprocessableError(
          "El archivo usa una versión de formato que esta instancia no conoce.");
    }
    ArchiveHeader& header = item.header;
    const json tenant = document.value("tenant", json());
    const json schema = document.value("schema", json());
    auto exported_at = Text(document, "exported_at");
    if (!exported_at || !tenant.is_object() || !schema.is_object() ||
        !OptionalText(document, "data_key", &header.data_key)) {
      return Broken(line_, "encabezado incompleto");
    }
    header.exported_at = *exported_at;
    if (!SmallInt(schema.value("core", json()), &header.schema.core) ||
        !schema.value("modules", json()).is_object()) {
      return Broken(line_, "versiones del esquema no válidas");
    }
    for (const auto& [name, version] : schema["modules"].items()) {
      int number = 0;
      if (name.empty() || name.size() > 63 || !SmallInt(version, &number)) {
        return Broken(line_, "versiones del esquema no válidas");
      }
      header.schema.modules[name] = number;
    }
    ArchiveTenant& t = header.tenant;
    auto id = Text(tenant, "id");
    auto slug = Text(tenant, "slug");
    auto name = Text(tenant, "name");
    auto kind = Text(tenant, "kind");
    auto created = Text(tenant, "created_at");
    auto updated = Text(tenant, "updated_at");
    if (!id || !IsUuidText(*id) || !slug || !IsSlugText(*slug) || !name || name->empty() || !kind ||
        !created || !updated || !OptionalText(tenant, "parent", &t.parent) ||
        !OptionalText(tenant, "inegi_code", &t.inegi_code) ||
        (t.parent && !IsSlugText(*t.parent))) {
      return Broken(line_, "datos del inquilino incompletos");
    }
    t.id = *id;
    t.slug = *slug;
    t.name = *name;
    t.kind = *kind;
    t.created_at = *created;
    t.updated_at = *updated;
    tenant_id_ = t.id;
    has_header_ = true;
    item.kind = ArchiveItem::Kind::kHeader;
  } else if (document.contains("user") && document.size() == 1) {
    if (in_rows_) return Broken(line_, "las cuentas van antes de las filas");
    const json& user = document["user"];
    if (!user.is_object()) return Broken(line_, "cuenta mal formada");
    auto id = Text(user, "id");
    auto email = Text(user, "email");
    auto name = Text(user, "name");
    if (!id || !IsUuidText(*id) || !email || email->empty() || email->size() > 320 || !name ||
        name->empty() || name->size() > 1000) {
      return Broken(line_, "cuenta mal formada");
    }
    if (!users_.insert(*id).second) return Broken(line_, "cuenta repetida");
    item.kind = ArchiveItem::Kind::kUser;
    item.user = {*id, *email, *name};
  } else if (document.contains("end") && document.size() == 1) {
    const json& end = document["end"];
    if (!end.is_object() || !end.value("rows", json()).is_object() ||
        !end.value("users", json()).is_number_integer() || !Text(end, "digest")) {
      return Broken(line_, "cierre mal formado");
    }
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash_final(&digest_->state, digest, sizeof digest);
    char hex[2 * crypto_generichash_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    if (*Text(end, "digest") != hex) {
      return Broken(line_, "el resumen no coincide: el archivo fue alterado o está incompleto");
    }
    std::size_t listed = 0;
    for (const auto& [table, count] : end["rows"].items()) {
      auto it = rows_.find(table);
      const int64_t have = it == rows_.end() ? 0 : it->second;
      if (!count.is_number_integer() || count.get<int64_t>() != have) {
        return Broken(line_, "el número de filas de " + table + " no coincide");
      }
      if (have > 0) ++listed;
    }
    if (listed != rows_.size() ||
        end["users"].get<int64_t>() != static_cast<int64_t>(users_.size())) {
      return Broken(line_, "los conteos del cierre no coinciden");
    }
    ended_ = true;
    item.kind = ArchiveItem::Kind::kEnd;
    return item;
  } else {
    return Broken(line_, "línea de un tipo desconocido");
  }
  crypto_generichash_update(&digest_->state, reinterpret_cast<const unsigned char*>(line.data()),
                            line.size());
  crypto_generichash_update(&digest_->state, reinterpret_cast<const unsigned char*>("\n"), 1);
  return item;
}

Status ArchiveReader::Finish() const {
  if (!has_header_) return Broken(line_, "está vacío");
  if (!ended_) return Broken(line_, "está incompleto: falta el cierre");
  return OkStatus();
}

Status ReadArchive(std::string_view text, const std::function<Status(const ArchiveItem&)>& each) {
  ArchiveReader reader;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    CABILDO_ASSIGN_OR_RETURN(ArchiveItem item, reader.Next(text.substr(start, end - start)));
    CABILDO_RETURN_IF_ERROR(each(item));
    start = end + 1;
  }
  return reader.Finish();
}

}  // namespace cabildo::core
