// Publication (the legal check, immutable versions) and the catalogue's figures.
//
// Publishing turns the working copy (procedures.draft + homoclave) into a new
// row of procedure_registry.versions when LGMR art. 46 is satisfied
// (legal.h); the previous current version is closed (valid_until), never
// changed. The public reads only versions, so later edits of the draft never
// touch what was published. The figures of "menos trámites" are computed from
// the versions' generated columns: the catalogue on a date is the set of
// versions current at the end of that day.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cabildo/plugin/values.h"

#include "legal.h"
#include "procedure_registry.h"

namespace cabildo::plugins::procedure_registry {
namespace {

using nlohmann::json;
using plugin::HttpResponse;
using plugin::RequestContext;

// The public view of procedure `id`'s current version (kPublicItemJson).
std::optional<json> PublicItem(RequestContext& ctx, const std::string& id) {
  pqxx::result rows = plugin::Exec(ctx, "procedure_registry.publish_public_item",
                                   std::string("SELECT ") + kPublicItemJson + kPublicFrom +
                                       " AND v.tenant_id = $1 AND v.procedure_id = $2",
                                   ctx.tenant_id(), id);
  if (rows.empty()) return std::nullopt;
  return json::parse(rows[0][0].as<std::string>());
}

// The 422 of a record the law does not allow to publish yet: the host's
// problem document with every missing item, each with its fraction.
HttpResponse MissingItemsProblem(RequestContext& ctx, const std::vector<MissingItem>& missing) {
  std::vector<FieldError> errors;
  errors.reserve(missing.size());
  for (const auto& item : missing) errors.push_back({item.field, item.message});
  HttpResponse response = ctx.FieldErrors(errors);
  json body = json::parse(response.body, nullptr, false);
  if (body.is_object() && body["errors"].is_array() && body["errors"].size() == missing.size()) {
    for (size_t i = 0; i < missing.size(); ++i) body["errors"][i]["fraction"] = missing[i].fraction;
    body["detail"] =
        "La ficha no puede publicarse: le faltan " + std::to_string(missing.size()) +
        (missing.size() == 1 ? " dato" : " datos") +
        " que exige el artículo 46 de la Ley General de Mejora Regulatoria. No se publicó nada.";
    response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return response;
}

// POST /procedures/{id}/publish.
StatusOr<HttpResponse> Publish(RequestContext& ctx) {
  const std::string& id = ctx.PathParam("id");
  // Locked: two publications of one record run one after the other.
  pqxx::result rows = plugin::Exec(
      ctx, "procedure_registry.publish_find",
      "SELECT p.homoclave, p.status, p.deleted_at IS NOT NULL, p.draft::text, "
      "  p.published_version, "
      "  coalesce((SELECT v.document = p.draft || jsonb_build_object('homoclave', p.homoclave) "
      "     FROM procedure_registry.versions v WHERE v.tenant_id = p.tenant_id "
      "     AND v.procedure_id = p.id AND v.valid_until IS NULL), false) "
      "FROM procedure_registry.procedures p WHERE p.tenant_id = $1 AND p.id = $2 FOR UPDATE",
      ctx.tenant_id(), id);
  if (rows.empty()) return NotFoundError(kNotFound);
  const pqxx::row row = rows[0];
  const std::string homoclave = row[0].as<std::string>();
  const std::string status = row[1].as<std::string>();
  if (row[2].as<bool>()) {
    if (status == "withdrawn") {
      return AlreadyExistsError(
          "La ficha está dada de baja: no puede publicarse de nuevo. Registre una ficha nueva.");
    }
    return NotFoundError(kNotFound);  // a discarded draft
  }
  json record = json::parse(row[3].as<std::string>(), nullptr, false);
  if (!record.is_object()) return InternalError("El borrador guardado no es un objeto JSON.");
  record["homoclave"] = homoclave;
  if (auto missing = MissingLegalItems(record); !missing.empty()) {
    return MissingItemsProblem(ctx, missing);
  }
  // The newest version published so far; 0: never published. (A plain int:
  // GCC 12 -O2 flags an optional<int> here as maybe-uninitialized.)
  const int previous = row[4].is_null() ? 0 : row[4].as<int>();
  // The working copy is exactly what the public already sees: nothing to do.
  // Nothing is written, so nothing is audited.
  if (previous > 0 && row[5].as<bool>()) {
    auto current = PublicItem(ctx, id);
    if (!current) return InternalError("La versión vigente no se encontró.");
    return HttpResponse::Json(200, *current);
  }

  const int version = previous + 1;
  // Three statements, in this order, so the one-current-version index never
  // sees two current versions.
  plugin::Exec(ctx, "procedure_registry.publish_close",
               "UPDATE procedure_registry.versions SET valid_until = now() "
               "WHERE tenant_id = $1 AND procedure_id = $2 AND valid_until IS NULL",
               ctx.tenant_id(), id);
  plugin::Exec(
      ctx, "procedure_registry.publish_insert",
      "INSERT INTO procedure_registry.versions (tenant_id, procedure_id, version, document) "
      "SELECT p.tenant_id, p.id, $3, p.draft || jsonb_build_object('homoclave', p.homoclave) "
      "FROM procedure_registry.procedures p WHERE p.tenant_id = $1 AND p.id = $2",
      ctx.tenant_id(), id, version);
  plugin::Exec(ctx, "procedure_registry.publish_mark",
               "UPDATE procedure_registry.procedures SET status = 'published', "
               "published_version = $3, public_updated_at = now(), updated_at = now() "
               "WHERE tenant_id = $1 AND id = $2",
               ctx.tenant_id(), id, version);
  CABILDO_RETURN_IF_ERROR(
      ctx.Audit("procedure.publish", "procedure", id,
                json{{"version", version},
                     {"homoclave", homoclave},
                     {"before",
                      {{"status", status},
                       {"published_version", previous > 0 ? json(previous) : json(nullptr)}}},
                     {"after", {{"status", "published"}, {"published_version", version}}}}));
  auto item = PublicItem(ctx, id);
  if (!item) return InternalError("La versión publicada no se encontró.");
  return HttpResponse::Json(200, *item);
}

// Whether procedure `id` of this tenant has a history this caller may read:
// every record ever published (withdrawn ones too: history is public); a
// never-published working copy only for those who read drafts.
bool HistoryVisible(RequestContext& ctx, const std::string& id) {
  pqxx::result rows =
      plugin::Exec(ctx, "procedure_registry.versions_owner",
                   "SELECT p.published_version IS NOT NULL, p.deleted_at IS NULL "
                   "FROM procedure_registry.procedures p WHERE p.tenant_id = $1 AND p.id = $2",
                   ctx.tenant_id(), id);
  if (rows.empty()) return false;
  if (rows[0][0].as<bool>()) return true;
  return rows[0][1].as<bool>() && SeesDrafts(ctx);
}

// GET /procedures/{id}/versions: newest first, keyed on the version number.
StatusOr<HttpResponse> ListVersions(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  const std::string& id = ctx.PathParam("id");
  if (!HistoryVisible(ctx, id)) return NotFoundError(kNotFound);
  std::optional<int> before;
  if (!page.after.is_null()) {
    // Signed by the host, but possibly another list's: check its shape.
    if (!page.after.is_array() || page.after.size() != 1 || !page.after[0].is_number_integer() ||
        page.after[0].get<int64_t>() < 1 || page.after[0].get<int64_t>() > INT32_MAX) {
      return InvalidArgumentError("El cursor no es válido para esta lista; empiece sin cursor.");
    }
    before = page.after[0].get<int>();
  }
  std::optional<std::string> since;
  if (!page.updated_since.empty()) since = page.updated_since;
  pqxx::result rows = plugin::Exec(
      ctx, "procedure_registry.versions_list",
      "SELECT jsonb_build_object('version', v.version, "
      "  'published_at', " CABILDO_PR_TS("v.published_at") ", "
      "  'valid_until', " CABILDO_PR_TS("v.valid_until") ", "
      "  'name', v.name, 'homoclave', v.document ->> 'homoclave')::text "
      "FROM procedure_registry.versions v WHERE v.tenant_id = $1 AND v.procedure_id = $2 "
      "AND ($3::integer IS NULL OR v.version < $3) "
      "AND ($4::timestamptz IS NULL OR coalesce(v.valid_until, v.published_at) > $4) "
      "ORDER BY v.version DESC LIMIT $5",
      ctx.tenant_id(), id, before, since, page.limit + 1);
  return plugin::PageOf(
      ctx, page, rows, [](const pqxx::row& r) { return json::parse(r[0].as<std::string>()); },
      [](const json& last) { return json::array({last["version"]}); });
}

// GET /procedures/{id}/versions/{version}: the document exactly as published.
StatusOr<HttpResponse> GetVersion(RequestContext& ctx) {
  const std::string& id = ctx.PathParam("id");
  const std::string& text = ctx.PathParam("version");
  // The host checked it is an integer that fits int64; versions are 1..int32.
  int64_t number = 0;
  for (const char c : text) {
    if (c < '0' || c > '9' || number > INT32_MAX) return NotFoundError(kNotFound);
    number = number * 10 + (c - '0');
  }
  if (number < 1 || number > INT32_MAX) return NotFoundError(kNotFound);
  pqxx::result rows = plugin::Exec(
      ctx, "procedure_registry.version_get",
      "SELECT (v.document || jsonb_build_object('id', v.procedure_id, 'tenant', t.slug, "
      "  'version', v.version, 'published_at', " CABILDO_PR_TS("v.published_at") ", "
      "  'valid_until', " CABILDO_PR_TS("v.valid_until") "))::text "
      "FROM procedure_registry.versions v JOIN core.tenants t ON t.id = v.tenant_id "
      "WHERE v.tenant_id = $1 AND v.procedure_id = $2 AND v.version = $3",
      ctx.tenant_id(), id, static_cast<int>(number));
  if (rows.empty()) return NotFoundError("No existe esa versión publicada del trámite o servicio.");
  return HttpResponse::Json(200, json::parse(rows[0][0].as<std::string>()));
}

// The catalogue's figures as SQL, composed at compile time from literals (no
// value is ever pasted in: the dates are bound as $3 and $4). One figure, an
// aggregate over alias v, of the versions satisfying `cond`:
#define PR_PUBLISHED(cond) "count(v.version) FILTER (WHERE " cond ")"
#define PR_ONLINE(cond) "count(v.version) FILTER (WHERE " cond " AND v.online)"
#define PR_FREE(cond) "count(v.version) FILTER (WHERE " cond " AND v.free)"
#define PR_DAYS(cond) "coalesce(sum(v.resolution_days) FILTER (WHERE " cond "), 0)"
#define PR_COST(cond) "coalesce(sum(v.cost_mxn) FILTER (WHERE " cond " AND v.free IS NOT TRUE), 0)"
// The five figures of the versions satisfying `cond` as jsonb text.
#define PR_FIGURES(cond) \
  "jsonb_build_object('published', " PR_PUBLISHED(cond) ", 'online', " PR_ONLINE( \
      cond) ", 'resolution_days', " PR_DAYS(cond) ", 'cost_mxn', round(" PR_COST(cond) ", 2)::text, 'free', " PR_FREE(cond) ")::text"
// Each figure's change: those of `cond` minus those of `minus`.
#define PR_CHANGE(cond, minus) \
  "jsonb_build_object('published', (" PR_PUBLISHED(cond) " - " PR_PUBLISHED(           \
      minus) "), 'online', (" PR_ONLINE(cond) " - " PR_ONLINE(minus) "), 'resolution_days', (" PR_DAYS(cond) " - " PR_DAYS(minus) "), 'cost_mxn', round((" PR_COST(cond) " - " PR_COST(minus) "), 2)::text, 'free', (" PR_FREE(cond) " - " PR_FREE(minus) "))::text"
// The versions current at the end of the date bound as `param` ("$3").
#define PR_END(param) "((" param "::date + 1)::timestamp AT TIME ZONE 'America/Mexico_City')"
#define PR_ON_DATE(param)                                                                       \
  "(v.published_at < " PR_END(param) " AND (v.valid_until IS NULL OR v.valid_until >= " PR_END( \
      param) "))"

// Per tenant of $1 (this tenant, $2, first): slug, name, the current
// figures, those on date $3, on date $4 and their change.
constexpr const char* kStatsSql =
    "SELECT t.slug, t.name, " PR_FIGURES("v.valid_until IS NULL") ", " PR_FIGURES(
        PR_ON_DATE("$3")) ", " PR_FIGURES(PR_ON_DATE("$4")) ", " PR_CHANGE(PR_ON_DATE("$4"),
                                                                             PR_ON_DATE("$3"))
    " FROM core.tenants t LEFT JOIN procedure_registry.versions v ON v.tenant_id = t.id "
    "WHERE t.id = ANY ($1::uuid[]) GROUP BY t.id, t.slug, t.name "
    "ORDER BY t.id <> $2::uuid, t.slug";

// GET /stats: the catalogue's figures per tenant, now and (with from/to) on
// two dates, from the versions.
StatusOr<HttpResponse> Stats(RequestContext& ctx) {
  std::optional<std::string> from = ctx.Query("from");
  std::optional<std::string> to = ctx.Query("to");
  std::vector<FieldError> errors;
  if (from && !plugin::IsCalendarDate(*from)) {
    errors.push_back({"from",
                      "Escriba una fecha válida con la forma AAAA-MM-DD (por ejemplo "
                      "2026-01-31)."});
  }
  if (to && !plugin::IsCalendarDate(*to)) {
    errors.push_back({"to",
                      "Escriba una fecha válida con la forma AAAA-MM-DD (por ejemplo "
                      "2026-12-31)."});
  }
  if (to && !from && errors.empty()) {
    errors.push_back({"from", "Indique también la fecha inicial (from) para comparar."});
  }
  if (!errors.empty()) return ctx.FieldErrors(errors);
  const std::string today =
      plugin::Exec1(ctx, "procedure_registry.stats_today",
                    "SELECT (now() AT TIME ZONE 'America/Mexico_City')::date::text")[0]
          .as<std::string>();
  if (from && !to) to = today;
  if (from && *from > *to) {
    return ctx.FieldErrors({{"to",
                             "La fecha final (to) debe ser igual o posterior a la inicial "
                             "(from)."}});
  }
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());

  // Without dates the date columns are computed on today and dropped.
  const std::string from_date = from.value_or(today);
  const std::string to_date = to.value_or(today);
  json out = json::array();
  for (const auto& row :
       plugin::Exec(ctx, "procedure_registry.stats", kStatsSql, plugin::PgArray(tenants),
                    ctx.tenant_id(), from_date, to_date)) {
    json tenant = {{"tenant", row[0].as<std::string>()},
                   {"name", row[1].as<std::string>()},
                   {"current", json::parse(row[2].as<std::string>())},
                   {"from", nullptr},
                   {"to", nullptr},
                   {"change", nullptr}};
    if (from) {
      tenant["from"] = json::parse(row[3].as<std::string>());
      tenant["from"]["date"] = *from;
      tenant["to"] = json::parse(row[4].as<std::string>());
      tenant["to"]["date"] = *to;
      tenant["change"] = json::parse(row[5].as<std::string>());
    }
    out.push_back(std::move(tenant));
  }
  return HttpResponse::Json(200, {{"as_of", today},
                                  {"from", from ? json(*from) : json(nullptr)},
                                  {"to", to ? json(*to) : json(nullptr)},
                                  {"tenants", std::move(out)}});
}

constexpr const char* kStatsDescription =
    "Cifras del catálogo publicado de cada ente (el solicitado primero, luego sus municipios por "
    "slug con include_descendants=true), calculadas de las versiones publicadas: la cifra que "
    "reporta el compromiso «menos trámites».\n\n"
    "Qué cuenta, en cada conjunto de versiones:\n"
    "- `published`: fichas publicadas (trámites y servicios), una por ficha: su versión vigente. "
    "Las fichas dadas de baja y los borradores nunca publicados no cuentan.\n"
    "- `online`: de ellas, las que se realizan totalmente en línea (`online: true`).\n"
    "- `resolution_days`: suma de los plazos máximos de respuesta (`resolution_term.value`) en "
    "días, tal como están escritos (hábiles o naturales, sin convertir); un mes cuenta 30 días.\n"
    "- `cost_mxn`: suma de `cost.amount_mxn` de las fichas que no son gratuitas (pesos, texto "
    "decimal con dos decimales); las que no son gratuitas pero solo describen la forma de calcular "
    "el monto no suman.\n"
    "- `free`: fichas gratuitas (`cost.free: true`).\n\n"
    "`current` es el catálogo vigente ahora. Con `from` (y `to`, por omisión hoy), `from` y `to` "
    "son el catálogo de cada fecha: las versiones vigentes al terminar ese día en la hora del "
    "centro de México (publicadas antes de las 00:00 del día siguiente y no reemplazadas ni dadas "
    "de baja antes de ese instante), y `change` = `to` − `from` en cada cifra (puede ser negativa: "
    "menos trámites, menos días, menos costo). Fechas AAAA-MM-DD; `from` no puede ser posterior a "
    "`to`; una fecha mal escrita responde 422.";

}  // namespace

void RegisterPublishing(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  const plugin::PathParam id = {.name = "id", .description = "Id (UUID) del trámite o servicio."};
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/procedures/{id}/publish",
       .permission = kPublish,
       .operation_id = "procedureRegistryPublish",
       .summary = "Publicar la ficha de un trámite o servicio (nueva versión)",
       .description =
           "Publica el borrador (la copia de trabajo con su homoclave) como una versión nueva e "
           "inmutable: número = la anterior + 1, la anterior deja de estar vigente (valid_until) "
           "pero sigue consultable, y el público ve desde ahora la nueva. Antes revisa que la "
           "ficha tenga todo lo que exige el artículo 46 de la Ley General de Mejora Regulatoria "
           "(fracciones I a XVIII): si falta algo responde 422 con todos los datos faltantes a la "
           "vez, cada uno con su campo (field), su mensaje y su fracción (fraction), y no publica "
           "nada. Si el borrador es idéntico a la versión vigente responde 200 con ella sin crear "
           "otra. Una ficha dada de baja no puede publicarse (409).",
       .path_params = {id},
       .response_body = "ProcedureRegistryProcedure",
       .handler = &Publish});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/procedures/{id}/versions",
       .operation_id = "procedureRegistryListVersions",
       .summary = "Versiones publicadas de un trámite o servicio (de la más reciente a la más "
                  "antigua)",
       .description =
           "Público: la historia de toda ficha publicada alguna vez, también de las dadas de baja. "
           "Lista por cursor, ordenada por número de versión descendente; con updated_since, solo "
           "las versiones publicadas o cerradas (valid_until) después de ese instante. Quien lee "
           "borradores recibe una lista vacía para una ficha nunca publicada; los demás, 404.",
       .path_params = {id},
       .paged = true,
       .response_body = "ProcedureRegistryVersionPage",
       .handler = &ListVersions});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/procedures/{id}/versions/{version}",
       .operation_id = "procedureRegistryGetVersion",
       .summary = "Una versión publicada, exactamente como se publicó",
       .description = "Público. La ficha tal como se publicó en esa versión (homoclave incluida) "
                      "con id, tenant, version, published_at y valid_until (null: es la vigente). "
                      "Las ediciones posteriores del borrador no la cambian nunca.",
       .path_params = {id,
                       {.name = "version",
                        .type = plugin::ParamType::kInteger,
                        .description = "Número de versión (1, 2, ...)."}},
       .response_body = "ProcedureRegistryVersion",
       .handler = &GetVersion});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/stats",
       .operation_id = "procedureRegistryStats",
       .summary = "Menos trámites: cifras del catálogo y su cambio entre dos fechas",
       .description = kStatsDescription,
       .query = {{.name = "from",
                  .schema = {{"type", "string"}, {"maxLength", 32}},
                  .description = "Fecha inicial AAAA-MM-DD: el catálogo al terminar ese día."},
                 {.name = "to",
                  .schema = {{"type", "string"}, {"maxLength", 32}},
                  .description = "Fecha final AAAA-MM-DD (por omisión, hoy); requiere from."}},
       .descendants = true,
       .response_body = "ProcedureRegistryStats",
       .handler = &Stats});
}

}  // namespace cabildo::plugins::procedure_registry
