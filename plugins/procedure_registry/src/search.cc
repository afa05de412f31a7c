// The public catalogue: list, Spanish full-text search, trigram suggestions.
//
// GET /procedures answers one of three kinds of page, said by `match`:
//
//   * no `q` (match null): the catalogue in keyset order (public_updated_at,
//     id): the current published version of every record; with
//     updated_since, withdrawn records as tombstones. Writers (SeesDrafts)
//     get the working copies in (updated_at, id) instead.
//   * `q`, and full text finds something (match "full_text"): the current
//     versions whose `search` tsvector matches plainto_tsquery(
//     'procedure_registry.es', q) (Spanish stems, without accents or case),
//     ranked by ts_rank with the weights as stored (name A > keywords B >
//     description C > requirements D), ties by how close the name is to q
//     (trigram similarity), then by id. Cursor over (rank, similarity, id).
//   * `q`, and full text finds nothing (match "suggestions"): the records
//     whose normalised name (name_norm) is trigram-similar to
//     lower(unaccent(q)), as a misspelling like "lisencia de contruccion"
//     is, most similar first. Cursor over (similarity, id).
//
// Writers searching get the same over the working copies (draft_search).
// Every statement first picks the page's keys (LIMIT limit + 1) with only the
// columns that filter and order, then renders those rows with the shared
// kPublicItemJson / kDraftItemJson: a broad search (thousands of matches)
// never builds the JSON of the rows it does not return.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cabildo/plugin/values.h"

#include "procedure_registry.h"

namespace cabildo::plugins::procedure_registry {
namespace {

using nlohmann::json;
using plugin::HttpResponse;
using plugin::RequestContext;

// Bounds of `q`, checked before any work (422 otherwise).
constexpr size_t kMaxQueryChars = 200;
constexpr size_t kMaxQueryWords = 12;

// The cursor's first element for a search page; the catalogue's cursor is
// [updated_at, id] like every other list.
constexpr const char* kFullText = "full_text";
constexpr const char* kSuggestions = "suggestions";

// The text-search query and the normalised text of q ($2), each computed
// once per statement (an uncorrelated scalar subquery is an InitPlan).
#define CABILDO_PR_TSQUERY "(SELECT plainto_tsquery('procedure_registry.es'::regconfig, $2))"
#define CABILDO_PR_NORM "(SELECT lower(procedure_registry.unaccent_text($2)))"
// Its lexemes (those plainto_tsquery ANDs), for the inverted list of
// 0002_search.sql: $12, computed by a first statement (Terms) so that the
// plan sees the actual terms and their frequencies.
#define CABILDO_PR_TERMS "$12::text[]"

// Filters $3 kind, $4 audience, $5 category (without accents or case), $6
// online over a version (v) or a working copy's document (p.draft).
#define CABILDO_PR_VERSION_FILTERS                                                   \
  " AND ($3::text IS NULL OR v.kind = $3) AND ($4::text IS NULL OR v.audience = $4)" \
  " AND ($5::text IS NULL OR lower(procedure_registry.unaccent_text(v.category))"    \
  "      = lower(procedure_registry.unaccent_text($5)))"                             \
  " AND ($6::boolean IS NULL OR v.online = $6) "
#define CABILDO_PR_DRAFT_FILTERS                                                              \
  " AND ($3::text IS NULL OR p.draft ->> 'kind' = $3)"                                        \
  " AND ($4::text IS NULL OR p.draft ->> 'audience' = $4)"                                    \
  " AND ($5::text IS NULL OR lower(procedure_registry.unaccent_text(p.draft ->> 'category'))" \
  "      = lower(procedure_registry.unaccent_text($5)))"                                      \
  " AND ($6::boolean IS NULL OR (p.draft ->> 'online')::boolean = $6) "

// The current version (v), its record (p) and tenant (t) of the keys (k) a
// search or the catalogue picked.
#define CABILDO_PR_PUBLIC_OF_KEYS                                                      \
  " FROM keys k"                                                                       \
  " JOIN procedure_registry.procedures p ON p.tenant_id = k.tenant_id AND p.id = k.id" \
  " JOIN core.tenants t ON t.id = p.tenant_id"                                         \
  " LEFT JOIN procedure_registry.versions v"                                           \
  "   ON v.tenant_id = p.tenant_id AND v.procedure_id = p.id AND v.valid_until IS NULL "

// Parameters of every statement: $1 tenants, $2 q (null for the catalogue),
// $3..$6 filters, $7 updated_since, $8..$10 the cursor's key, $11 limit + 1.

// The public catalogue. Column 0: a tombstone (withdrawn: only with
// updated_since, which lists every record whose public view changed, filters
// or not, so a sync client drops it whatever it kept).
const std::string& CatalogueSql() {
  static const std::string sql =
      std::string(
          "WITH keys AS MATERIALIZED ("
          " SELECT p.tenant_id, p.id, p.public_updated_at AS at"
          " FROM procedure_registry.procedures p"
          " LEFT JOIN procedure_registry.versions v"
          "   ON v.tenant_id = p.tenant_id AND v.procedure_id = p.id AND v.valid_until IS NULL"
          " WHERE p.tenant_id = ANY ($1::uuid[]) AND p.published_version IS NOT NULL"
          "   AND $2::text IS NULL AND $10::text IS NULL"
          "   AND ($7::timestamptz IS NULL OR p.public_updated_at > $7::timestamptz)"
          "   AND ($8::timestamptz IS NULL"
          "        OR (p.public_updated_at, p.id) > ($8::timestamptz, $9::uuid))"
          "   AND CASE WHEN v.procedure_id IS NULL"
          "         THEN $7::timestamptz IS NOT NULL AND p.status = 'withdrawn'"
          "         ELSE TRUE " CABILDO_PR_VERSION_FILTERS
          "       END"
          " ORDER BY p.public_updated_at, p.id LIMIT $11)"
          " SELECT v.procedure_id IS NULL, CASE WHEN v.procedure_id IS NOT NULL THEN ") +
      kPublicItemJson +
      " END, p.id, t.slug, " CABILDO_PR_TS("p.public_updated_at") CABILDO_PR_PUBLIC_OF_KEYS
      " ORDER BY k.at, k.id";
  return sql;
}

// The working copies (writers). Column 0: a tombstone (withdrawn or a
// discarded draft: only with updated_since).
const std::string& DraftCatalogueSql() {
  static const std::string sql =
      std::string(
          "WITH keys AS MATERIALIZED ("
          " SELECT p.tenant_id, p.id, p.updated_at AS at"
          " FROM procedure_registry.procedures p"
          " WHERE p.tenant_id = ANY ($1::uuid[])"
          "   AND $2::text IS NULL AND $10::text IS NULL"
          "   AND ($7::timestamptz IS NULL OR p.updated_at > $7::timestamptz)"
          "   AND ($7::timestamptz IS NOT NULL OR p.deleted_at IS NULL)"
          "   AND ($8::timestamptz IS NULL OR (p.updated_at, p.id) > ($8::timestamptz, $9::uuid))"
          "   AND (p.deleted_at IS NOT NULL OR (TRUE " CABILDO_PR_DRAFT_FILTERS
          "))"
          " ORDER BY p.updated_at, p.id LIMIT $11)"
          " SELECT p.deleted_at IS NOT NULL, ") +
      kDraftItemJson + ", p.id, t.slug, " CABILDO_PR_TS("p.updated_at") + kDraftFrom +
      " JOIN keys k ON k.tenant_id = p.tenant_id AND k.id = p.id ORDER BY k.at, k.id";
  return sql;
}

// Keyset of a search page, in the order rank DESC, sim DESC, id: $8 rank
// (null for suggestions), $9 similarity, $10 id. Ranks and similarities are
// float4; their text (shortest exact form) reads back as the same value.
#define CABILDO_PR_SEARCH_AFTER                         \
  " WHERE $9::text IS NULL"                             \
  "    OR ($8::text IS NOT NULL AND m.rank < $8::real)" \
  "    OR (($8::text IS NULL OR m.rank = $8::real)"     \
  "        AND (m.sim < $9::real OR (m.sim = $9::real AND m.id > $10::uuid))) "

// Full text over the current versions. The records having every lexeme of q
// come from the B-tree inverted list search_terms (0002_search.sql: the GIN
// index on `search` is out of reach under row-level security), then `search
// @@ query` is checked and ts_rank computed on those rows only. Columns:
// item, rank, similarity.
const std::string& SearchSql() {
  static const std::string sql =
      std::string(
          "WITH keys AS MATERIALIZED ("
          " SELECT m.tenant_id, m.id, m.rank, m.sim FROM ("
          "  SELECT v.tenant_id, v.procedure_id AS id,"
          "         ts_rank(v.search, " CABILDO_PR_TSQUERY
          ") AS rank,"
          "         coalesce(similarity(v.name_norm, " CABILDO_PR_NORM
          "), 0) AS sim"
          "  FROM (SELECT st.tenant_id, st.procedure_id, st.version"
          "        FROM procedure_registry.search_terms st"
          "        WHERE st.tenant_id = ANY ($1::uuid[]) AND st.term = ANY (" CABILDO_PR_TERMS
          "::text[])"
          "        GROUP BY st.tenant_id, st.procedure_id, st.version"
          "        HAVING count(*) = cardinality(" CABILDO_PR_TERMS
          ")) h"
          "  JOIN procedure_registry.versions v ON v.tenant_id = h.tenant_id"
          "   AND v.procedure_id = h.procedure_id AND v.version = h.version"
          "  WHERE v.valid_until IS NULL"
          "    AND v.search @@ " CABILDO_PR_TSQUERY CABILDO_PR_VERSION_FILTERS
          "    AND ($7::timestamptz IS NULL OR v.published_at > $7::timestamptz)"
          " ) m" CABILDO_PR_SEARCH_AFTER
          " ORDER BY m.rank DESC, m.sim DESC, m.id LIMIT $11)"
          " SELECT ") +
      kPublicItemJson +
      ", k.rank::text, k.sim::text" CABILDO_PR_PUBLIC_OF_KEYS
      " ORDER BY k.rank DESC, k.sim DESC, k.id";
  return sql;
}

// Trigram suggestions over the current versions' names: similar as a whole
// (%, pg_trgm.similarity_threshold, 0.3 by default). Not also "containing
// similar words" (<%, word_similarity): over 10,000 names it took 245 ms
// instead of 58 ms and added one name. Under row-level security neither the
// GIN trigram index of 0001 nor a B-tree inverted list of trigrams helps (see
// 0002_search.sql): this reads the current versions of the tenants read. It
// runs only when full text found nothing. Columns: item, null, similarity.
const std::string& SuggestSql() {
  static const std::string sql =
      std::string(
          "WITH keys AS MATERIALIZED ("
          " SELECT m.tenant_id, m.id, NULL::real AS rank, m.sim FROM ("
          "  SELECT v.tenant_id, v.procedure_id AS id,"
          "         coalesce(similarity(v.name_norm, " CABILDO_PR_NORM
          "), 0) AS sim,"
          "         NULL::real AS rank"
          "  FROM procedure_registry.versions v"
          "  WHERE v.valid_until IS NULL AND v.tenant_id = ANY ($1::uuid[])"
          "    AND v.name_norm OPERATOR(public.%) " CABILDO_PR_NORM CABILDO_PR_VERSION_FILTERS
          "    AND ($7::timestamptz IS NULL OR v.published_at > $7::timestamptz)"
          " ) m" CABILDO_PR_SEARCH_AFTER
          " ORDER BY m.sim DESC, m.id LIMIT $11)"
          " SELECT ") +
      kPublicItemJson +
      ", NULL::text, k.sim::text" CABILDO_PR_PUBLIC_OF_KEYS " ORDER BY k.sim DESC, k.id";
  return sql;
}

// The working copies' name, normalised as name_norm is.
#define CABILDO_PR_DRAFT_NAME "lower(procedure_registry.unaccent_text(p.draft ->> 'name'))"

// Full text over the working copies (writers), not deleted.
const std::string& DraftSearchSql() {
  static const std::string sql =
      std::string(
          "WITH keys AS MATERIALIZED ("
          " SELECT m.tenant_id, m.id, m.rank, m.sim FROM ("
          "  SELECT p.tenant_id, p.id,"
          "         ts_rank(p.draft_search, " CABILDO_PR_TSQUERY
          ") AS rank,"
          "         coalesce(similarity(" CABILDO_PR_DRAFT_NAME ", " CABILDO_PR_NORM
          "), 0) AS sim"
          "  FROM procedure_registry.procedures p"
          "  WHERE p.deleted_at IS NULL AND p.tenant_id = ANY ($1::uuid[])"
          "    AND p.draft_search @@ " CABILDO_PR_TSQUERY CABILDO_PR_DRAFT_FILTERS
          "    AND ($7::timestamptz IS NULL OR p.updated_at > $7::timestamptz)"
          " ) m" CABILDO_PR_SEARCH_AFTER
          " ORDER BY m.rank DESC, m.sim DESC, m.id LIMIT $11)"
          " SELECT ") +
      kDraftItemJson + ", k.rank::text, k.sim::text" + kDraftFrom +
      " JOIN keys k ON k.tenant_id = p.tenant_id AND k.id = p.id"
      " ORDER BY k.rank DESC, k.sim DESC, k.id";
  return sql;
}

// Trigram suggestions over the working copies' names (writers; few rows,
// no index needed).
const std::string& DraftSuggestSql() {
  static const std::string sql =
      std::string(
          "WITH keys AS MATERIALIZED ("
          " SELECT m.tenant_id, m.id, NULL::real AS rank, m.sim FROM ("
          "  SELECT p.tenant_id, p.id,"
          "         coalesce(similarity(" CABILDO_PR_DRAFT_NAME ", " CABILDO_PR_NORM
          "), 0) AS sim,"
          "         NULL::real AS rank"
          "  FROM procedure_registry.procedures p"
          "  WHERE p.deleted_at IS NULL AND p.tenant_id = ANY ($1::uuid[])"
          "    AND " CABILDO_PR_DRAFT_NAME
          " OPERATOR(public.%) " CABILDO_PR_NORM CABILDO_PR_DRAFT_FILTERS
          "    AND ($7::timestamptz IS NULL OR p.updated_at > $7::timestamptz)"
          " ) m" CABILDO_PR_SEARCH_AFTER
          " ORDER BY m.sim DESC, m.id LIMIT $11)"
          " SELECT ") +
      kDraftItemJson + ", NULL::text, k.sim::text" + kDraftFrom +
      " JOIN keys k ON k.tenant_id = p.tenant_id AND k.id = p.id ORDER BY k.sim DESC, k.id";
  return sql;
}

// What a request asks for, read and bounded before any work.
struct Request {
  std::optional<std::string> q;  // trimmed, non-empty
  std::optional<std::string> kind, audience, category;
  std::optional<bool> online;
  std::optional<std::string> since;
};

// The number of code points of valid UTF-8 (the host refused invalid UTF-8).
size_t CodePoints(std::string_view text) {
  size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

// C0 controls, DEL and C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F).
// The host already answers C0 and DEL in any query value with a 400
// (dispatcher.cc); C1 controls (U+0085 "next line", ...) reach the handler.
bool HasControlCharacters(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F) return true;
    if (byte == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
  }
  return false;
}

size_t Words(std::string_view text) {
  size_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = c == ' ';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::string_view Trimmed(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// The errors of `q` (422), in the order a person would fix them.
std::vector<FieldError> CheckQuery(std::string_view q) {
  if (HasControlCharacters(q)) {
    return {{"q",
             "La búsqueda no puede llevar caracteres de control (saltos de línea, tabuladores u "
             "otros invisibles). Escriba solo palabras."}};
  }
  if (CodePoints(q) > kMaxQueryChars) {
    return {{"q", "La búsqueda es demasiado larga: escriba hasta " +
                      std::to_string(kMaxQueryChars) + " caracteres."}};
  }
  if (Words(q) > kMaxQueryWords) {
    return {{"q", "La búsqueda tiene demasiadas palabras: escriba hasta " +
                      std::to_string(kMaxQueryWords) + "."}};
  }
  return {};
}

// Whether `after` is a cursor of shape [text, text] (the catalogue's).
bool IsCatalogueKey(const json& after) {
  return after.is_array() && after.size() == 2 && after[0].is_string() && after[1].is_string();
}

// The cursor of a search page: ["full_text", rank, sim, id] or
// ["suggestions", sim, id]. The host signed it, so only a cursor of another
// kind of page (the catalogue's, or another match) lands here wrong.
struct SearchKey {
  std::string match;
  std::optional<std::string> rank, sim, id;
};
std::optional<SearchKey> ReadSearchKey(const json& after) {
  SearchKey key;
  if (after.is_null()) return key;
  if (!after.is_array() || after.empty() || !after[0].is_string()) return std::nullopt;
  for (const auto& part : after) {
    if (!part.is_string()) return std::nullopt;
  }
  key.match = after[0].get<std::string>();
  if (key.match == kFullText && after.size() == 4) {
    key.rank = after[1].get<std::string>();
    key.sim = after[2].get<std::string>();
    key.id = after[3].get<std::string>();
    return key;
  }
  if (key.match == kSuggestions && after.size() == 3) {
    key.sim = after[1].get<std::string>();
    key.id = after[2].get<std::string>();
    return key;
  }
  return std::nullopt;
}

Status CursorMismatch() {
  return InvalidArgumentError(
      "El cursor no corresponde a esta consulta: pida la primera página otra vez.");
}

// Runs one of the statements with the request's parameters.
pqxx::result Run(RequestContext& ctx, const char* name, const std::string& sql,
                 const std::vector<std::string>& tenants, const Request& r,
                 const std::optional<std::string>& after1, const std::optional<std::string>& after2,
                 const std::optional<std::string>& after3, int limit) {
  return plugin::Exec(ctx, name, sql, plugin::PgArray(tenants), r.q, r.kind, r.audience, r.category,
                      r.online, r.since, after1, after2, after3, limit);
}

// The lexemes of q as a PostgreSQL array literal, and this transaction's
// statements planned with their actual parameters (force_custom_plan): a
// generic plan of the search knows neither the terms nor the tenants, and
// planned over their defaults it read every posting of the tenants (measured:
// 126 ms of PostgreSQL CPU per search instead of a few). One round trip for
// both.
std::string Terms(RequestContext& ctx, const std::string& q) {
  return plugin::Exec1(ctx, "procedure_registry.search_terms",
                       "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
                       "procedure_registry.query_terms($1)::text",
                       q)[1]
      .c_str();
}

HttpResponse Page(json items, json next, const char* match) {
  return HttpResponse::Json(200, {{"items", std::move(items)},
                                  {"next_cursor", std::move(next)},
                                  {"match", match ? json(match) : json(nullptr)}});
}

// The catalogue (no q): published versions, or working copies for writers.
HttpResponse Catalogue(RequestContext& ctx, const RequestContext::Page& page,
                       const std::vector<std::string>& tenants, const Request& r, bool drafts,
                       const json& after) {
  std::optional<std::string> after_at, after_id;
  if (!after.is_null()) {
    after_at = after[0].get<std::string>();
    after_id = after[1].get<std::string>();
  }
  const pqxx::result rows =
      drafts ? Run(ctx, "procedure_registry.catalogue_drafts", DraftCatalogueSql(), tenants, r,
                   after_at, after_id, std::nullopt, page.limit + 1)
             : Run(ctx, "procedure_registry.catalogue", CatalogueSql(), tenants, r, after_at,
                   after_id, std::nullopt, page.limit + 1);
  json items = json::array();
  json next = nullptr;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page.limit) {
      const json& last = items.back();
      next = ctx.Cursor(json{last["updated_at"], last["id"]});
      break;
    }
    if (row[0].as<bool>()) {
      items.push_back(Tombstone(row[2].c_str(), row[3].c_str(), row[4].c_str()));
    } else {
      items.push_back(json::parse(row[1].c_str()));
    }
  }
  return Page(std::move(items), std::move(next), nullptr);
}

// One search page (full text or suggestions) from its rows: item, rank
// (null for suggestions), similarity.
HttpResponse SearchPage(RequestContext& ctx, const RequestContext::Page& page,
                        const pqxx::result& rows, const char* match) {
  json items = json::array();
  json next = nullptr;
  std::optional<std::string> rank, sim;
  for (const auto& row : rows) {
    if (static_cast<int>(items.size()) == page.limit) {
      const std::string id = items.back()["id"].get<std::string>();
      next = rank ? ctx.Cursor(json{match, *rank, *sim, id}) : ctx.Cursor(json{match, *sim, id});
      break;
    }
    items.push_back(json::parse(row[0].c_str()));
    rank = row[1].is_null() ? std::nullopt : std::optional<std::string>(row[1].c_str());
    sim = row[2].is_null() ? std::string("0") : std::string(row[2].c_str());
  }
  return Page(std::move(items), std::move(next), match);
}

StatusOr<HttpResponse> Search(RequestContext& ctx, const RequestContext::Page& page,
                              const std::vector<std::string>& tenants, const Request& r,
                              bool drafts) {
  const std::optional<SearchKey> key = ReadSearchKey(page.after);
  if (!key) return CursorMismatch();
  // Full text first (or the next page of a full-text answer).
  if (key->match.empty() || key->match == kFullText) {
    const pqxx::result rows =
        drafts
            ? Run(ctx, "procedure_registry.search_drafts", DraftSearchSql(), tenants, r, key->rank,
                  key->sim, key->id, page.limit + 1)
            : plugin::Exec(ctx, "procedure_registry.search", SearchSql(), plugin::PgArray(tenants),
                           r.q, r.kind, r.audience, r.category, r.online, r.since, key->rank,
                           key->sim, key->id, page.limit + 1, Terms(ctx, *r.q));
    // A later page of full text stays full text, even empty.
    if (!rows.empty() || !key->match.empty()) return SearchPage(ctx, page, rows, kFullText);
  }
  // Full text found nothing: names that look like q.
  const pqxx::result rows = drafts
                                ? Run(ctx, "procedure_registry.suggest_drafts", DraftSuggestSql(),
                                      tenants, r, std::nullopt, key->sim, key->id, page.limit + 1)
                                : Run(ctx, "procedure_registry.suggest", SuggestSql(), tenants, r,
                                      std::nullopt, key->sim, key->id, page.limit + 1);
  return SearchPage(ctx, page, rows, kSuggestions);
}

StatusOr<HttpResponse> ListProcedures(RequestContext& ctx) {
  Request r;
  if (auto q = ctx.Query("q")) {
    if (auto errors = CheckQuery(*q); !errors.empty()) return ctx.FieldErrors(errors);
    if (const std::string_view text = Trimmed(*q); !text.empty()) r.q = std::string(text);
  }
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  r.kind = ctx.Query("kind");
  r.audience = ctx.Query("audience");
  r.category = ctx.Query("category");
  if (auto online = ctx.Query("online")) r.online = *online == "true";
  if (!page.updated_since.empty()) r.since = page.updated_since;
  const bool drafts = SeesDrafts(ctx);
  if (r.q) return Search(ctx, page, tenants, r, drafts);
  if (!page.after.is_null() && !IsCatalogueKey(page.after)) return CursorMismatch();
  return Catalogue(ctx, page, tenants, r, drafts, page.after);
}

}  // namespace

void RegisterSearch(plugin::PluginRegistrar& registrar) {
  registrar.AddRoute(
      {.method = plugin::HttpMethod::kGet,
       .path = "/procedures",
       .operation_id = "procedureRegistryListProcedures",
       .summary = "Catálogo y búsqueda de trámites y servicios",
       .description =
           "Sin `q`: el catálogo público, la versión publicada vigente de cada ficha, en orden "
           "estable (public_updated_at, id); con updated_since incluye las fichas dadas de baja "
           "como marcas de borrado ({id, tenant, updated_at, deleted: true}), sin aplicarles los "
           "filtros. `match` es null.\n\n"
           "Con `q` (hasta 200 caracteres y 12 palabras, sin caracteres de control; si no, 422): "
           "búsqueda de texto completo en español, sin distinguir acentos ni mayúsculas y con "
           "raíces de palabras (\"licencias de construcción\" encuentra \"Licencia de "
           "construcción\"), sobre el nombre, las palabras clave, la descripción y los "
           "requisitos, en ese orden de peso; encuentra las fichas que tienen todas las palabras "
           "de `q` (sin contar artículos ni preposiciones). Los "
           "resultados van del más al menos relevante (ts_rank; a igual relevancia, el nombre "
           "más parecido a `q`, y después el id); `match` es \"full_text\". Si el texto completo "
           "no encuentra nada, la respuesta son sugerencias: fichas cuyo nombre se parece a `q` "
           "por trigramas (errores de escritura como \"lisencia de contruccion\"), de la más a "
           "la menos parecida, con `match` \"suggestions\". Con `q` y updated_since, solo las "
           "publicadas después de esa fecha (sin marcas de borrado). El cursor de una página "
           "sirve solo para la misma consulta.\n\n"
           "Con include_descendants=true en el estado, el catálogo único del estado y sus "
           "municipios; cada ficha dice su `tenant`. Quien tiene "
           "procedure-registry.procedure.read (editor, admin, auditor) ve y busca las copias de "
           "trabajo (borradores incluidos) en orden (updated_at, id), con marcas de borrado de "
           "las dadas de baja y los borradores descartados cuando pide updated_since.",
       .query = {{.name = "q",
                  .schema = {{"type", "string"}},
                  .description = "Texto a buscar, en español (hasta 200 caracteres y 12 "
                                 "palabras)."},
                 {.name = "kind",
                  .schema = {{"$ref", "#/components/schemas/ProcedureRegistryKind"}},
                  .description = "procedure (trámite) o service (servicio)."},
                 {.name = "audience",
                  .schema = {{"$ref", "#/components/schemas/ProcedureRegistryAudience"}},
                  .description = "A quién se dirige: citizens, businesses o both (ambos). "
                                 "Filtra por el valor exacto."},
                 {.name = "category",
                  .schema = {{"type", "string"}, {"minLength", 1}, {"maxLength", 100}},
                  .description = "Categoría, sin distinguir acentos ni mayúsculas."},
                 {.name = "online",
                  .schema = {{"type", "boolean"}},
                  .description = "true: solo los que se hacen por completo en línea."}},
       .paged = true,
       .descendants = true,
       .response_body = "ProcedureRegistryProcedurePage",
       .handler = &ListProcedures});
}

}  // namespace cabildo::plugins::procedure_registry
