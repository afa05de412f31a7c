// Every SQL statement of the module. PostgreSQL builds each project's JSON
// (money as numeric::text, so it is exact), the routes and exports only pass
// it on.
#include <optional>
#include <string>
#include <vector>

#include "public_works.h"

namespace cabildo::plugins::public_works {
namespace {

std::optional<std::string> OptString(const json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  return body[key].get<std::string>();
}

}  // namespace

namespace {

// One project `p` (and its tenant `t`) as GET returns it, built by PostgreSQL
// (money as numeric::text), with `funding` the jsonb array of its funding.
// Columns: deleted, json.
std::string ProjectJsonColumns(const std::string& funding) {
  return R"sql(
  p.deleted_at IS NOT NULL,
  jsonb_build_object(
    'id', p.id, 'tenant', t.slug, 'external_id', p.external_id, 'title', p.title,
    'description', p.description, 'status', p.status, 'type', p.type, 'sector', p.sector,
    'purpose', p.purpose, 'budget_mxn', p.budget_mxn::text,
    'funding', )sql" +
         funding + R"sql(,
    'location', CASE WHEN p.lat IS NULL AND p.address IS NULL AND p.cvegeo IS NULL THEN NULL
                ELSE jsonb_build_object('lat', p.lat, 'lon', p.lon, 'address', p.address,
                                        'cvegeo', p.cvegeo) END,
    'contractor', CASE WHEN p.contractor_name IS NULL THEN NULL
                  ELSE jsonb_build_object('name', p.contractor_name, 'rfc', p.contractor_rfc) END,
    'procurement_method', p.procurement_method,
    'contract_value_mxn', p.contract_value_mxn::text,
    'start_date', p.start_date::text, 'end_date', p.end_date::text,
    'physical_progress_pct', p.physical_progress_pct,
    'financial_progress_pct', p.financial_progress_pct,
    'spent_mxn', p.spent_mxn::text,
    'published', p.published,
    'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text )sql";
}

// The funding rows `f` as a jsonb array, in order (a source with no rows: []).
std::string FundingJson(const std::string& rows) {
  return "COALESCE((SELECT jsonb_agg(jsonb_build_object('origin', f.origin, 'fund', f.fund, "
         "'amount_mxn', f.amount_mxn::text) ORDER BY f.position) FROM " +
         rows + "), '[]'::jsonb)";
}

// Columns: deleted, json, of every project p the query's WHERE keeps.
const std::string kProjectColumns =
    ProjectJsonColumns(FundingJson("public_works.project_funding f "
                                   "WHERE f.tenant_id = p.tenant_id AND f.project_id = p.id")) +
    " FROM public_works.projects p JOIN core.tenants t ON t.id = p.tenant_id ";

}  // namespace

// `row` holds kProjectColumns from column `at`; `gone` (e.g. unpublished, for
// a caller who cannot see drafts) makes it a tombstone like a deleted one.
json ProjectJson(const pqxx::row& row, int at, bool gone) {
  json project = json::parse(row[at + 1].as<std::string>());
  if (gone || row[at].as<bool>()) {  // a tombstone says only what sync needs
    return {{"id", project["id"]},
            {"tenant", project["tenant"]},
            {"updated_at", project["updated_at"]},
            {"deleted", true}};
  }
  return project;
}

bool SeesDrafts(RequestContext& ctx) {
  return ctx.Authorize(kReadDrafts) == Access::kAllowed ||
         ctx.Authorize(kWrite) == Access::kAllowed || ctx.Authorize(kPublish) == Access::kAllowed;
}

std::optional<json> FindProject(RequestContext& ctx, const std::string& id, bool lock,
                                bool drafts) {
  if (!plugin::IsLowerUuid(id)) return std::nullopt;
  auto rows =
      plugin::Exec(ctx, lock ? "public-works.find_project_for_update" : "public-works.find_project",
                   std::string("SELECT ") + kProjectColumns +
                       "WHERE p.tenant_id = $1 AND p.id = $2::uuid AND p.deleted_at IS NULL "
                       "AND (p.published OR $3)" +
                       (lock ? " FOR UPDATE OF p" : ""),
                   ctx.tenant_id(), id, drafts);
  if (rows.empty()) return std::nullopt;
  return ProjectJson(rows[0]);
}

StatusOr<json> Reread(RequestContext& ctx, const std::string& id) {
  auto project = FindProject(ctx, id, false, true);
  if (!project) return InternalError("La obra recién escrita no se pudo volver a leer.");
  return *project;
}

namespace {

// The writable columns of a validated body, in the order of the statements below.
struct ProjectColumns {
  std::optional<std::string> external_id, description, type, sector, purpose, address, cvegeo,
      contractor_name, contractor_rfc, procurement_method, contract_value_mxn, start_date, end_date;
  std::string title, status, budget_mxn;
  std::optional<double> lat, lon;
};

ProjectColumns ColumnsOf(const json& body) {
  ProjectColumns c;
  if (body.contains("location") && body["location"].is_object()) {
    const json& l = body["location"];
    if (l.contains("lat") && !l["lat"].is_null()) c.lat = l["lat"].get<double>();
    if (l.contains("lon") && !l["lon"].is_null()) c.lon = l["lon"].get<double>();
    c.address = OptString(l, "address");
    c.cvegeo = OptString(l, "cvegeo");
  }
  if (body.contains("contractor") && body["contractor"].is_object()) {
    c.contractor_name = OptString(body["contractor"], "name");
    c.contractor_rfc = OptString(body["contractor"], "rfc");
  }
  c.external_id = OptString(body, "external_id");
  c.title = body["title"].get<std::string>();
  c.description = OptString(body, "description");
  c.status = body["status"].get<std::string>();
  c.type = OptString(body, "type");
  c.sector = OptString(body, "sector");
  c.purpose = OptString(body, "purpose");
  c.budget_mxn = body["budget_mxn"].get<std::string>();
  c.procurement_method = OptString(body, "procurement_method");
  c.contract_value_mxn = OptString(body, "contract_value_mxn");
  c.start_date = OptString(body, "start_date");
  c.end_date = OptString(body, "end_date");
  return c;
}

// The funding rows of a validated body as three parallel arrays for unnest().
struct FundingArrays {
  std::string origins = "{}", funds = "{}", amounts = "{}";
};

FundingArrays FundingOf(const json& body) {
  if (!body.contains("funding") || !body["funding"].is_array()) return {};
  std::vector<std::string> origins, funds, amounts;
  for (const auto& source : body["funding"]) {
    origins.push_back(source["origin"].get<std::string>());
    funds.push_back(source["fund"].get<std::string>());
    amounts.push_back(source["amount_mxn"].get<std::string>());
  }
  return {PgTextArray(origins), PgTextArray(funds), PgTextArray(amounts)};
}

}  // namespace

// Inserts a validated project and its funding in one statement, which also
// returns the project as GET will (built from what the INSERTs returned: a
// statement does not see its own CTEs' rows in the tables).
json InsertProject(RequestContext& ctx, const json& body) {
  const ProjectColumns c = ColumnsOf(body);
  const FundingArrays funding = FundingOf(body);
  static const std::string sql =
      "WITH p AS (INSERT INTO public_works.projects (tenant_id, external_id, title, "
      "description, status, type, sector, purpose, budget_mxn, lat, lon, address, cvegeo, "
      "contractor_name, contractor_rfc, procurement_method, contract_value_mxn, start_date, "
      "end_date, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::numeric, $10, $11, "
      "$12, $13, $14, $15, $16, $17::numeric, $18::date, $19::date, clock_timestamp()) "
      "RETURNING *), "
      "inserted_funding AS (INSERT INTO public_works.project_funding "
      "(tenant_id, project_id, position, origin, fund, amount_mxn) "
      "SELECT p.tenant_id, p.id, x.n - 1, x.origin, x.fund, x.amount::numeric FROM p, "
      "unnest($20::text[], $21::text[], $22::text[]) WITH ORDINALITY "
      "AS x(origin, fund, amount, n) RETURNING position, origin, fund, amount_mxn) "
      "SELECT " +
      ProjectJsonColumns(FundingJson("inserted_funding f")) +
      " FROM p JOIN core.tenants t ON t.id = p.tenant_id";
  return ProjectJson(plugin::Exec1(
      ctx, "public-works.insert_project", sql, ctx.tenant_id(), c.external_id, c.title,
      c.description, c.status, c.type, c.sector, c.purpose, c.budget_mxn, c.lat, c.lon, c.address,
      c.cvegeo, c.contractor_name, c.contractor_rfc, c.procurement_method, c.contract_value_mxn,
      c.start_date, c.end_date, funding.origins, funding.funds, funding.amounts));
}

namespace {

// Replaces a project's funding rows: the old ones go, the body's arrive in
// one statement (arrays unnested in order).
void ReplaceFunding(RequestContext& ctx, const std::string& id, const FundingArrays& funding) {
  plugin::Exec(ctx, "public-works.delete_funding",
               "DELETE FROM public_works.project_funding "
               "WHERE tenant_id = $1 AND project_id = $2::uuid",
               ctx.tenant_id(), id);
  plugin::Exec(ctx, "public-works.insert_funding",
               "INSERT INTO public_works.project_funding "
               "(tenant_id, project_id, position, origin, fund, amount_mxn) "
               "SELECT $1, $2::uuid, f.n - 1, f.origin, f.fund, f.amount::numeric "
               "FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY "
               "AS f(origin, fund, amount, n)",
               ctx.tenant_id(), id, funding.origins, funding.funds, funding.amounts);
}

}  // namespace

// Writes every writable column of a validated `body` over project `id`.
void UpdateProjectRow(RequestContext& ctx, const std::string& id, const json& body) {
  const ProjectColumns c = ColumnsOf(body);
  plugin::Exec(ctx, "public-works.update_project",
               "UPDATE public_works.projects SET external_id = $3, title = $4, description = $5, "
               "status = $6, type = $7, sector = $8, purpose = $9, budget_mxn = $10::numeric, "
               "lat = $11, lon = $12, address = $13, cvegeo = $14, contractor_name = $15, "
               "contractor_rfc = $16, procurement_method = $17, contract_value_mxn = $18::numeric, "
               "start_date = $19::date, end_date = $20::date, updated_at = clock_timestamp() "
               "WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id, c.external_id, c.title, c.description, c.status, c.type,
               c.sector, c.purpose, c.budget_mxn, c.lat, c.lon, c.address, c.cvegeo,
               c.contractor_name, c.contractor_rfc, c.procurement_method, c.contract_value_mxn,
               c.start_date, c.end_date);
  ReplaceFunding(ctx, id, FundingOf(body));
}

pqxx::result ListProjectRows(RequestContext& ctx, const std::vector<std::string>& tenants,
                             const json& after, int limit, const ProjectFilter& filter) {
  std::optional<std::string> after_at, after_id;
  if (after.is_array() && after.size() == 2) {
    after_at = after[0].get<std::string>();
    after_id = after[1].get<std::string>();
  }
  // Column 0: hidden from this caller (unpublished); with updated_since such a
  // work, once published, is listed as a tombstone so offline copies drop it.
  return plugin::Exec(
      ctx, "public-works.list_projects",
      std::string("SELECT NOT (p.published OR $2), ") + kProjectColumns +
          "WHERE p.tenant_id = ANY ($1::uuid[]) "
          "AND (p.published OR $2 OR "
          "     ($3::timestamptz IS NOT NULL AND p.unpublished_at IS NOT NULL)) "
          "AND ($3::timestamptz IS NULL OR p.updated_at > $3::timestamptz) "
          "AND ($3::timestamptz IS NOT NULL OR p.deleted_at IS NULL) "
          "AND ($4::timestamptz IS NULL OR (p.updated_at, p.id) > ($4::timestamptz, $5::uuid)) "
          "AND ($7::text IS NULL OR p.status = $7) "
          "AND ($8::text IS NULL OR EXISTS (SELECT 1 FROM public_works.project_funding f "
          "     WHERE f.tenant_id = p.tenant_id AND f.project_id = p.id AND f.origin = $8)) "
          "AND ($9::text IS NULL OR p.title ILIKE $9) "
          "ORDER BY p.updated_at, p.id LIMIT $6",
      PgArray(tenants), SeesDrafts(ctx), filter.since, after_at, after_id, limit, filter.status,
      filter.origin, filter.q);
}

void SoftDeleteProject(RequestContext& ctx, const std::string& id) {
  plugin::Exec(
      ctx, "public-works.soft_delete",
      "UPDATE public_works.projects SET deleted_at = now(), updated_at = clock_timestamp() "
      "WHERE tenant_id = $1 AND id = $2::uuid",
      ctx.tenant_id(), id);
}

void SetPublishedRow(RequestContext& ctx, const std::string& id, bool published) {
  plugin::Exec(ctx, "public-works.set_published",
               "UPDATE public_works.projects SET published = $3, updated_at = clock_timestamp(), "
               "unpublished_at = CASE WHEN $3 THEN NULL WHEN published THEN clock_timestamp() "
               "ELSE unpublished_at END "
               "WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id, published);
}

namespace {

constexpr const char* kReportColumns = R"sql(
  jsonb_build_object('id', r.id, 'date', r.report_date::text, 'physical_pct', r.physical_pct,
    'financial_pct', r.financial_pct, 'spent_mxn', r.spent_mxn::text, 'note', r.note,
    'evidence_urls', to_jsonb(r.evidence_urls),
    'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
  FROM public_works.progress_reports r )sql";

}  // namespace

// The reports, oldest first, keyed on (date, created_at, id), which the index
// on (tenant_id, project_id, report_date, created_at) reads in order.
pqxx::result ListReportRows(RequestContext& ctx, const std::string& project_id,
                            const std::optional<std::string>& after_date,
                            const std::optional<std::string>& after_at,
                            const std::optional<std::string>& after_id, int limit) {
  return plugin::Exec(ctx, "public-works.list_progress_page",
                      std::string("SELECT ") + kReportColumns +
                          "WHERE r.tenant_id = $1 AND r.project_id = $2::uuid "
                          "AND ($3::date IS NULL OR (r.report_date, r.created_at, r.id) > "
                          "     ($3::date, $4::timestamptz, $5::uuid)) "
                          "ORDER BY r.report_date, r.created_at, r.id LIMIT $6",
                      ctx.tenant_id(), project_id, after_date, after_at, after_id, limit);
}

json InsertReport(RequestContext& ctx, const std::string& id, const json& r) {
  std::vector<std::string> urls;
  if (r.contains("evidence_urls") && r["evidence_urls"].is_array()) {
    for (const auto& url : r["evidence_urls"]) urls.push_back(url.get<std::string>());
  }
  const bool has_note = HasNote(r);
  auto report_id =
      plugin::Exec1(
          ctx, "public-works.insert_report",
          "INSERT INTO public_works.progress_reports (tenant_id, project_id, report_date, "
          "physical_pct, financial_pct, spent_mxn, note, evidence_urls) "
          "VALUES ($1, $2::uuid, $3::date, $4::numeric, $5::numeric, $6::numeric, $7, "
          "$8::text[]) RETURNING id::text",
          ctx.tenant_id(), id, r["date"].get<std::string>(), r["physical_pct"].dump(),
          r["financial_pct"].dump(), r["spent_mxn"].get<std::string>(),
          has_note ? OptString(r, "note") : std::nullopt, PgTextArray(urls))[0]
          .as<std::string>();
  // The project's current figures are the latest report's (by date).
  plugin::Exec(
      ctx, "public-works.set_current_figures",
      "UPDATE public_works.projects p SET physical_progress_pct = r.physical_pct, "
      "financial_progress_pct = r.financial_pct, spent_mxn = r.spent_mxn, "
      "updated_at = clock_timestamp() "
      "FROM (SELECT physical_pct, financial_pct, spent_mxn FROM public_works.progress_reports "
      "      WHERE tenant_id = $1 AND project_id = $2::uuid "
      "      ORDER BY report_date DESC, created_at DESC, id DESC LIMIT 1) r "
      "WHERE p.tenant_id = $1 AND p.id = $2::uuid",
      ctx.tenant_id(), id);
  return json::parse(plugin::Exec1(ctx, "public-works.read_report",
                                   std::string("SELECT ") + kReportColumns +
                                       "WHERE r.tenant_id = $1 AND r.id = $2::uuid",
                                   ctx.tenant_id(), report_id)[0]
                         .as<std::string>());
}

namespace {

// An exact sum of money `column` as text, 0.00 when there is none.
std::string Sum(const std::string& column) {
  return "coalesce(sum(" + column + "), 0)::numeric(18,2)::text";
}

// The figures of a group of projects `p`: how many, budget, contracted, spent.
const std::string kFigures = "'projects', count(*), 'budget_mxn', " + Sum("p.budget_mxn") +
                             ", 'contracted_mxn', " + Sum("p.contract_value_mxn") +
                             ", 'spent_mxn', " + Sum("p.spent_mxn");

// A jsonb array with one object per group of `from` (a FROM ... GROUP BY):
// the group's `fields`, then its figures; in `order`, [] when empty.
std::string Groups(const std::string& fields, const std::string& from, const std::string& order) {
  return "coalesce((SELECT jsonb_agg(x ORDER BY " + order + ") FROM (SELECT jsonb_build_object(" +
         fields + kFigures + ") x " + from + ") s), '[]'::jsonb)";
}

}  // namespace

// Follow the money: published, non-deleted projects of the tenants read; o
// and fu are each project's funding by origin and by fund.
json SummaryJson(RequestContext& ctx, const std::vector<std::string>& tenants) {
  static const std::string sql =
      "WITH p AS (SELECT p.*, t.slug FROM public_works.projects p "
      "           JOIN core.tenants t ON t.id = p.tenant_id "
      "           WHERE p.tenant_id = ANY ($1::uuid[]) AND p.published AND p.deleted_at IS NULL), "
      "o AS (SELECT f.tenant_id, f.project_id, f.origin, sum(f.amount_mxn) AS amount "
      "      FROM public_works.project_funding f JOIN p ON p.tenant_id = f.tenant_id "
      "      AND p.id = f.project_id GROUP BY 1, 2, 3), "
      "fu AS (SELECT f.tenant_id, f.project_id, f.origin, f.fund, sum(f.amount_mxn) AS amount "
      "      FROM public_works.project_funding f JOIN p ON p.tenant_id = f.tenant_id "
      "      AND p.id = f.project_id GROUP BY 1, 2, 3, 4) "
      "SELECT jsonb_build_object('currency', 'MXN', "
      "'totals', (SELECT jsonb_build_object(" +
      kFigures + ") FROM p p), 'by_funding_origin', " +
      Groups("'origin', o.origin, 'funded_mxn', " + Sum("o.amount") + ", ",
             "FROM o JOIN p ON p.tenant_id = o.tenant_id AND p.id = o.project_id "
             "GROUP BY o.origin",
             "x->>'origin'") +
      ", 'by_fund', " +
      Groups("'origin', fu.origin, 'fund', fu.fund, 'funded_mxn', " + Sum("fu.amount") + ", ",
             "FROM fu JOIN p ON p.tenant_id = fu.tenant_id AND p.id = fu.project_id "
             "GROUP BY fu.origin, fu.fund",
             "x->>'origin', x->>'fund'") +
      ", 'by_status', " +
      Groups("'status', p.status, ", "FROM p p GROUP BY p.status", "x->>'status'") +
      ", 'by_contractor', " +
      Groups("'name', p.contractor_name, 'rfc', p.contractor_rfc, ",
             "FROM p p WHERE p.contractor_name IS NOT NULL "
             "GROUP BY p.contractor_name, p.contractor_rfc",
             "x->>'name', x->>'rfc'") +
      ", 'by_tenant', " + Groups("'tenant', p.slug, ", "FROM p p GROUP BY p.slug", "x->>'tenant'") +
      ")::text";
  auto row = plugin::Exec1(ctx, "public-works.summary", sql, PgArray(tenants));
  return json::parse(row[0].as<std::string>());
}

ExportVersion ReadExportVersion(RequestContext& ctx, const std::vector<std::string>& tenants) {
  pqxx::row row =
      plugin::Exec1(ctx, "public-works.published_version",
                    "SELECT count(*), "
                    "  coalesce(to_char(max(p.updated_at) AT TIME ZONE 'UTC', "
                    "    'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), ''), "
                    "  coalesce(max(p.updated_at)::text, ''), "
                    "  (SELECT string_agg(t.slug || '=' || t.name, ',' ORDER BY t.slug) "
                    "     FROM core.tenants t WHERE t.id = ANY ($1::uuid[])) "
                    "FROM public_works.projects p "
                    "WHERE p.tenant_id = ANY ($1::uuid[]) AND p.published AND p.deleted_at IS NULL",
                    PgArray(tenants));
  ExportVersion version;
  version.published = row[0].as<int64_t>();
  version.latest_change = row[1].as<std::string>();
  version.tag = std::to_string(version.published) + "|" + row[2].as<std::string>() + "|" +
                row[3].as<std::string>("") + "|" + ctx.config().dump();
  return version;
}

// Calls `each` for every published, non-deleted project of `tenants`, as the
// list returns it, oldest change first; read through a cursor, so only a
// batch of rows and one project's JSON are in memory at a time.
void ForEachPublished(RequestContext& ctx, const std::vector<std::string>& tenants,
                      const std::function<bool(const json&)>& each) {
  plugin::ForEachRow(
      ctx, "public-works.published_projects",
      std::string("SELECT ") + kProjectColumns +
          "WHERE p.tenant_id = ANY ($1::uuid[]) AND p.published AND p.deleted_at IS NULL "
          "ORDER BY p.updated_at, p.id",
      [&](const pqxx::row& row) { return each(ProjectJson(row)); }, PgArray(tenants));
}

// ForEachPublished for the OC4IDS package: each project comes with its
// progress reports (oldest first: id, date, physical, financial, spent as
// text) from the same cursor query, so the whole export is a constant number
// of statements whatever the number of projects (it was one query per project).
void ForEachPublishedWithReports(RequestContext& ctx, const std::vector<std::string>& tenants,
                                 const std::function<bool(const json&, const json&)>& each) {
  plugin::ForEachRow(
      ctx, "public-works.published_projects_with_reports",
      std::string("SELECT coalesce((SELECT jsonb_agg(jsonb_build_array(r.id::text, "
                  "r.report_date::text, r.physical_pct::text, r.financial_pct::text, "
                  "r.spent_mxn::text) ORDER BY r.report_date, r.created_at, r.id) "
                  "FROM public_works.progress_reports r "
                  "WHERE r.tenant_id = p.tenant_id AND r.project_id = p.id), '[]')::text, ") +
          kProjectColumns +
          "WHERE p.tenant_id = ANY ($1::uuid[]) AND p.published AND p.deleted_at IS NULL "
          "ORDER BY p.updated_at, p.id",
      [&](const pqxx::row& row) {
        return each(ProjectJson(row, 1), json::parse(row[0].as<std::string>()));
      },
      PgArray(tenants));
}

StatusOr<std::optional<plugin::RecordSummary>> DescribeProject(RequestContext& ctx,
                                                               const std::string& tenant_id,
                                                               const std::string& ref) {
  if (!plugin::IsLowerUuid(ref)) return std::optional<plugin::RecordSummary>();
  auto rows =
      plugin::Exec(ctx, "public-works.describe_project",
                   "SELECT p.title, p.status, t.slug, "
                   "CASE WHEN EXISTS (SELECT 1 FROM public_works.progress_reports r "
                   "                  WHERE r.tenant_id = p.tenant_id AND r.project_id = p.id) "
                   "THEN p.physical_progress_pct::float8 END "
                   "FROM public_works.projects p JOIN core.tenants t ON t.id = p.tenant_id "
                   "WHERE p.tenant_id = $1::uuid AND p.id = $2::uuid AND p.published "
                   "AND p.deleted_at IS NULL",
                   tenant_id, ref);
  if (rows.empty()) return std::optional<plugin::RecordSummary>();
  plugin::RecordSummary summary;
  summary.title = rows[0][0].as<std::string>();
  summary.status = rows[0][1].as<std::string>();
  summary.url = "/v1/tenants/" + rows[0][2].as<std::string>() + "/public-works/projects/" + ref;
  if (!rows[0][3].is_null()) summary.progress_pct = rows[0][3].as<double>();
  return std::optional<plugin::RecordSummary>(std::move(summary));
}

}  // namespace cabildo::plugins::public_works
