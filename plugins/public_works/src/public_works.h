// public-works: obra pública. Projects in OC4IDS shape, their funding sources
// (origin + fund) and append-only progress reports; a public "follow the
// money" summary computed in SQL, a CSV export and an OC4IDS 0.9 project
// package. Money travels as decimal strings and PostgreSQL numeric does every
// sum, so totals are exact to the centavo.
//
// The module's rooms (internal header, shared by its files only):
//   validation.cc  the rules of a request body
//   store.cc       every SQL statement: find, insert, update, funding, reports, summary
//   exports.cc     CSV, JSON and OC4IDS exports
//   routes.cc      the handlers and Init
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cabildo/plugin/plugin_api.h"
#include "cabildo/plugin/values.h"

namespace cabildo::plugins::public_works {

using nlohmann::json;
using plugin::FieldError;
using plugin::FormatCentavos;
using plugin::HttpResponse;
using plugin::PgArray;
using plugin::PgTextArray;
using plugin::RequestContext;

inline constexpr const char* kWrite = "public-works.project.write";
inline constexpr const char* kPublish = "public-works.project.publish";
inline constexpr const char* kReadDrafts = "public-works.project.read";
inline constexpr const char* kNotFound = "No existe la obra.";

// --- validation.cc: what the schemas cannot say -------------------------------

// Whether `key` is a field a client may write on a project (the rest of what
// GET returns is read-only and ignored when sent back, as the schemas say).
bool IsWritable(const std::string& key);
// The rules across fields of a complete project `body` (after a PATCH is
// merged): the end not before the start, latitude and longitude together,
// the funding's sum within the budget.
std::vector<FieldError> CheckProject(const json& body);
// The rules of a progress report `body` for `project` (as GET returns it):
// not dated before the work's start; spending over the budget needs a note.
std::vector<FieldError> CheckProgress(const json& body, const json& project);
// Whether the report `body` has a note (non-empty text).
bool HasNote(const json& body);

// --- store.cc ---------------------------------------------------------------

// Readers of everything (auditors, by default) see drafts, and so do writers
// and publishers: they publish what they can read.
bool SeesDrafts(RequestContext& ctx);

// The project (not deleted) as GET returns it, locked for update when `lock`;
// drafts only when `drafts` (routes that need write or publish pass true).
std::optional<json> FindProject(RequestContext& ctx, const std::string& id, bool lock, bool drafts);
// The project as it stands after a write of this request's transaction.
StatusOr<json> Reread(RequestContext& ctx, const std::string& id);

// One page of the list: `after` the cursor key ([updated_at, id]) or null;
// rows hold (hidden, deleted, json) for ProjectJson(row, 1, row[0]).
struct ProjectFilter {
  std::optional<std::string> since, status, origin, q;
};
pqxx::result ListProjectRows(RequestContext& ctx, const std::vector<std::string>& tenants,
                             const json& after, int limit, const ProjectFilter& filter);
// `row` holds the project columns from column `at`; `gone` makes it a tombstone.
json ProjectJson(const pqxx::row& row, int at = 0, bool gone = false);

// Inserts a validated project and its funding; returns it as GET will.
json InsertProject(RequestContext& ctx, const json& body);
// Writes every writable column (and the funding) of a validated `body` over project `id`.
void UpdateProjectRow(RequestContext& ctx, const std::string& id, const json& body);
void SoftDeleteProject(RequestContext& ctx, const std::string& id);
void SetPublishedRow(RequestContext& ctx, const std::string& id, bool published);

// Progress reports: one page (rows of json text), keyed on [date, created_at, id].
pqxx::result ListReportRows(RequestContext& ctx, const std::string& project_id,
                            const std::optional<std::string>& after_date,
                            const std::optional<std::string>& after_at,
                            const std::optional<std::string>& after_id, int limit);
// Inserts a validated report, makes the latest-dated report's figures the
// project's, and returns the report as the list shows it.
json InsertReport(RequestContext& ctx, const std::string& project_id, const json& body);

// The follow-the-money summary of the published projects of `tenants`.
json SummaryJson(RequestContext& ctx, const std::vector<std::string>& tenants);

// What identifies the exports' content for `tenants`, read from published
// data only, so editing a draft never shows through a public export's ETag:
// the published projects' count and latest updated_at. An edit, progress
// report, publication, unpublication or deletion moves the project's
// updated_at, so a project entering the set raises the latest change and one
// leaving it lowers the count; a renamed tenant changes its name, and the
// module's configuration is part of it too. The host makes the ETag of it.
struct ExportVersion {
  int64_t published = 0;      // projects an export lists
  std::string latest_change;  // RFC 3339, of the latest published change ("" without any)
  std::string tag;
};
ExportVersion ReadExportVersion(RequestContext& ctx, const std::vector<std::string>& tenants);
// Calls `each` for every published, non-deleted project of `tenants`, as the
// list returns it, oldest change first (through a cursor).
void ForEachPublished(RequestContext& ctx, const std::vector<std::string>& tenants,
                      const std::function<bool(const json&)>& each);
// The same, each project with its progress reports (oldest first: id, date,
// physical, financial, spent as text).
void ForEachPublishedWithReports(RequestContext& ctx, const std::vector<std::string>& tenants,
                                 const std::function<bool(const json&, const json&)>& each);

// The describer other modules' links use (RecordDescriber): project `ref`
// (a UUID; anything else is nullopt before any SQL) of `tenant_id`, only when
// published and not deleted: its title, its API path, its status and, once a
// progress report exists, the latest report's physical progress (the
// project's physical_progress_pct); before any report, no progress figure.
StatusOr<std::optional<plugin::RecordSummary>> DescribeProject(RequestContext& ctx,
                                                               const std::string& tenant_id,
                                                               const std::string& ref);

// --- exports.cc -------------------------------------------------------------

StatusOr<HttpResponse> ExportCsv(RequestContext& ctx);
StatusOr<HttpResponse> ExportJson(RequestContext& ctx);
StatusOr<HttpResponse> ExportOc4ids(RequestContext& ctx);

}  // namespace cabildo::plugins::public_works
