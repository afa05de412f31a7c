// The exports of the published projects: CSV (one row a project), JSON (the
// list's items) and an OC4IDS 0.9 project package, each streamed from a
// cursor so memory stays flat whatever the number of projects.
#include <string>
#include <utility>
#include <vector>

#include "public_works.h"

namespace cabildo::plugins::public_works {
namespace {

std::string Text(const json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  std::string text = value.dump();
  if (value.is_number_float() && text.size() > 2 && text.ends_with(".0"))
    text.resize(text.size() - 2);
  return text;
}

// Column order is part of the contract (documented in the OpenAPI).
const std::vector<std::string> kCsvHeader = {"id",
                                             "ente",
                                             "clave_externa",
                                             "titulo",
                                             "estado",
                                             "tipo",
                                             "sector",
                                             "presupuesto_mxn",
                                             "financiamiento",
                                             "procedimiento",
                                             "contratista",
                                             "rfc_contratista",
                                             "monto_contratado_mxn",
                                             "fecha_inicio",
                                             "fecha_fin",
                                             "avance_fisico_pct",
                                             "avance_financiero_pct",
                                             "ejercido_mxn",
                                             "latitud",
                                             "longitud",
                                             "direccion",
                                             "cvegeo",
                                             "actualizado"};

std::string CsvLine(const json& p) {
  std::string funding;
  for (const auto& f : p["funding"]) {
    funding += (funding.empty() ? "" : "; ") + f["origin"].get<std::string>() + ":" +
               f["fund"].get<std::string>() + ":" + f["amount_mxn"].get<std::string>();
  }
  const json location = p["location"].is_object() ? p["location"] : json::object();
  const json contractor = p["contractor"].is_object() ? p["contractor"] : json::object();
  return plugin::CsvRow({Text(p["id"]),
                         Text(p["tenant"]),
                         Text(p["external_id"]),
                         Text(p["title"]),
                         Text(p["status"]),
                         Text(p["type"]),
                         Text(p["sector"]),
                         Text(p["budget_mxn"]),
                         funding,
                         Text(p["procurement_method"]),
                         Text(contractor.value("name", json())),
                         Text(contractor.value("rfc", json())),
                         Text(p["contract_value_mxn"]),
                         Text(p["start_date"]),
                         Text(p["end_date"]),
                         Text(p["physical_progress_pct"]),
                         Text(p["financial_progress_pct"]),
                         Text(p["spent_mxn"]),
                         Text(location.value("lat", json())),
                         Text(location.value("lon", json())),
                         Text(location.value("address", json())),
                         Text(location.value("cvegeo", json())),
                         Text(p["updated_at"])});
}

}  // namespace

StatusOr<HttpResponse> ExportCsv(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(std::vector<std::string> tenants, ctx.ReadTenants());
  const ExportVersion version = ReadExportVersion(ctx, tenants);
  return HttpResponse::Stream(
      "text/csv; charset=utf-8", version.tag,
      [&ctx, tenants = std::move(tenants)](plugin::BodyWriter& out) -> Status {
        plugin::BodyBuffer body(out);
        body.Append(plugin::CsvRow(kCsvHeader));
        ForEachPublished(ctx, tenants, [&](const json& p) { return body.Append(CsvLine(p)); });
        body.Flush();
        return OkStatus();
      });
}

// The published projects as one JSON array, each item as the list returns it,
// in the list's order (updated_at, id).
StatusOr<HttpResponse> ExportJson(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(std::vector<std::string> tenants, ctx.ReadTenants());
  const ExportVersion version = ReadExportVersion(ctx, tenants);
  return HttpResponse::Stream(
      "application/json", version.tag,
      [&ctx, tenants = std::move(tenants)](plugin::BodyWriter& out) -> Status {
        plugin::BodyBuffer body(out);
        plugin::JsonArrayWriter items(body);
        ForEachPublished(ctx, tenants, [&](const json& p) { return items.Add(p); });
        items.Finish();
        body.Flush();
        return OkStatus();
      });
}

namespace {

json Value(const std::string& amount) {
  return {{"amount", json::parse(amount)}, {"currency", "MXN"}};
}

std::string DateTime(const std::string& date) { return date + "T00:00:00Z"; }

// One published project as an OC4IDS 0.9 project: its funders, supplier and
// progress `reports` (ForEachPublishedWithReports) as metric observations.
json Oc4idsProject(RequestContext& ctx, const json& p, const json& reports,
                   const std::string& prefix, const std::string& publisher) {
  const std::string uuid = p["id"];
  json project = {{"id", prefix + "-" + uuid},
                  {"title", p["title"]},
                  {"status", p["status"]},
                  {"updated", p["updated_at"]}};
  if (p["description"].is_string() && !p["description"].get<std::string>().empty()) {
    project["description"] = p["description"];
  }
  if (p["type"].is_string()) project["type"] = p["type"];
  if (p["purpose"].is_string() && !p["purpose"].get<std::string>().empty()) {
    project["purpose"] = p["purpose"];
  }
  if (p["external_id"].is_string() && !p["external_id"].get<std::string>().empty()) {
    project["identifiers"] = {{{"id", p["external_id"]}, {"scheme", "cabildo-external-id"}}};
  }
  json parties = json::array();
  const std::string authority_id = "tenant-" + p["tenant"].get<std::string>();
  parties.push_back({{"id", authority_id},
                     {"name", p["tenant"] == ctx.tenant_slug() ? json(publisher) : p["tenant"]},
                     {"roles", {"publicAuthority"}}});
  project["publicAuthority"] = {{"id", authority_id}, {"name", parties[0]["name"]}};
  json budget = {{"amount", Value(p["budget_mxn"])}};
  if (!p["funding"].empty()) {
    json breakdown = json::array();
    int n = 0;
    for (const auto& f : p["funding"]) {
      const std::string funder_id =
          "funder-" + f["origin"].get<std::string>() + "-" + f["fund"].get<std::string>();
      breakdown.push_back({{"id", std::to_string(++n)},
                           {"amount", Value(f["amount_mxn"])},
                           {"sourceParty", {{"id", funder_id}, {"name", f["fund"]}}}});
      bool known = false;
      for (const auto& party : parties) known = known || party["id"] == funder_id;
      if (!known) {
        parties.push_back({{"id", funder_id}, {"name", f["fund"]}, {"roles", {"funder"}}});
      }
    }
    budget["budgetBreakdowns"] = {{{"id", "1"}, {"budgetBreakdown", breakdown}}};
  }
  project["budget"] = budget;
  if (p["start_date"].is_string() || p["end_date"].is_string()) {
    json period = json::object();
    if (p["start_date"].is_string()) period["startDate"] = DateTime(p["start_date"]);
    if (p["end_date"].is_string()) period["endDate"] = DateTime(p["end_date"]);
    project["period"] = period;
  }
  if (p["location"].is_object()) {
    const json& l = p["location"];
    json location = {{"id", "1"}};
    if (l["lat"].is_number() && l["lon"].is_number()) {
      location["geometry"] = {{"type", "Point"}, {"coordinates", {l["lon"], l["lat"]}}};
    }
    if (l["address"].is_string() && !l["address"].get<std::string>().empty()) {
      location["address"] = {{"streetAddress", l["address"]}, {"countryName", "México"}};
    }
    if (l["cvegeo"].is_string()) {
      location["gazetteer"] = {{"scheme", "INEGI"}, {"identifiers", {l["cvegeo"]}}};
    }
    project["locations"] = {location};
  }
  if (p["contractor"].is_object()) {
    const json& c = p["contractor"];
    json supplier = {
        {"id", c["rfc"].is_string() ? "MX-RFC-" + c["rfc"].get<std::string>() : "supplier-" + uuid},
        {"name", c["name"]},
        {"roles", {"supplier"}}};
    if (c["rfc"].is_string()) supplier["identifier"] = {{"scheme", "MX-RFC"}, {"id", c["rfc"]}};
    parties.push_back(supplier);
  }
  project["parties"] = parties;
  // Progress reports as metric observations.
  json physical = json::array(), financial = json::array();
  for (const auto& report : reports) {
    const json& id = report[0];
    const std::string date = report[1];
    json period = {{"startDate", DateTime(date)}, {"endDate", DateTime(date)}};
    physical.push_back({{"id", id},
                        {"period", period},
                        {"measure", json::parse(report[2].get<std::string>())},
                        {"unit", {{"name", "percent"}}}});
    financial.push_back({{"id", id},
                         {"period", period},
                         {"measure", json::parse(report[3].get<std::string>())},
                         {"unit", {{"name", "percent"}}},
                         {"value", Value(report[4].get<std::string>())}});
  }
  if (!physical.empty()) {
    project["metrics"] = {{{"id", "physicalProgress"}, {"observations", physical}},
                          {{"id", "financialProgress"}, {"observations", financial}}};
  }
  return project;
}

}  // namespace

// An OC4IDS 0.9 project package of the published projects, streamed: the
// package's fields first, then its projects one by one.
StatusOr<HttpResponse> ExportOc4ids(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(std::vector<std::string> tenants, ctx.ReadTenants());
  const ExportVersion version = ReadExportVersion(ctx, tenants);
  // OC4IDS requires at least one project: with none published there is no
  // valid package to give, so say so instead of publishing an invalid one.
  if (version.published == 0) {
    return NotFoundError("Este tenant aún no tiene obras publicadas para exportar en OC4IDS.");
  }
  const std::string publisher = ctx.tenant().name;
  const json package = {{"uri", "urn:cabildo:" + ctx.tenant_slug() + ":public-works:oc4ids"},
                        {"version", "0.9"},
                        {"publishedDate", version.latest_change},
                        {"publisher", {{"name", publisher}}}};
  return HttpResponse::Stream(
      "application/json", version.tag,
      [&ctx, tenants = std::move(tenants), package, publisher](plugin::BodyWriter& out) -> Status {
        const std::string prefix = ctx.config().value("oc4ids_prefix", "oc4ids-cabildo");
        std::string head = package.dump();
        head.back() = ',';  // the package continues with its projects
        plugin::BodyBuffer body(out);
        body.Append(head + "\"projects\":");
        plugin::JsonArrayWriter projects(body);
        ForEachPublishedWithReports(ctx, tenants, [&](const json& p, const json& reports) {
          return projects.Add(Oc4idsProject(ctx, p, reports, prefix, publisher));
        });
        projects.Finish();
        body.Append("}");
        body.Flush();
        return OkStatus();
      });
}

}  // namespace cabildo::plugins::public_works
