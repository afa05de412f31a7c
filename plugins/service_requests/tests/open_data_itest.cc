// Open data of service-requests: the CSV/JSON exports (exactly the
// documented columns, never the reporter, formula-safe CSV, state-wide with
// include_descendants, ETag/304) and GET /stats (counts by status and the
// median time to close, exact on seeded data, per service, tenant and
// overall, within a date window). Requests are seeded by SQL
// (InsertRequest): this part does not depend on the intake.
#include <set>
#include <sstream>

#include "service_requests_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kColumns = {"tenant",       "service_request_id",
                                           "service_code", "service_name",
                                           "status",       "open311_status",
                                           "status_notes", "agency_responsible",
                                           "description",  "lat",
                                           "long",         "address",
                                           "zipcode",      "media_url",
                                           "requested_at", "updated_at",
                                           "expected_at",  "closed_at",
                                           "duplicate_of"};

constexpr const char* kHeader =
    "tenant,service_request_id,service_code,service_name,status,open311_status,status_notes,"
    "agency_responsible,description,lat,long,address,zipcode,media_url,requested_at,updated_at,"
    "expected_at,closed_at,duplicate_of\r\n";

// What a sealed contact looks like at rest (the exports must never read it).
constexpr const char* kSealedContact = "v1.c2VsbGFkby1kZS1wcnVlYmE.bWFyaWEucGVyZXpAY29ycmVvLm14";

class OpenDataTest : public ServiceRequestsTest {
 protected:
  // Gives request `id` a reporter (account and app) and a sealed-looking
  // contact, as the intake would, plus public fields every export shows.
  void GiveReporter(const std::string& id) {
    AsOwner([&](pqxx::work& work) {
      return work.exec_params(
          "UPDATE service_requests.requests SET reporter_id = $2::uuid, api_key_id = $3::uuid,"
          " reporter_contact = $4, zipcode = '35000', media_url = 'https://fotos.example.mx/1.jpg',"
          " status_notes = 'Cuadrilla asignada, \"turno matutino\"',"
          " agency_responsible = 'Servicios Públicos', expected_at = now() + interval '2 days'"
          " WHERE id = $1::uuid",
          id, kReporterId, kApiKeyId, kSealedContact);
    });
  }
  // A column of request `id` as the exports write timestamps (UTC, "Z"),
  // "" for NULL.
  std::string Timestamp(const std::string& id, const std::string& column) {
    return AsOwner([&](pqxx::work& work) {
      auto value =
          work.exec_params1("SELECT to_char(" + work.quote_name(column) +
                                " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
                                "FROM service_requests.requests WHERE id = $1::uuid",
                            id)[0];
      return value.is_null() ? std::string() : value.as<std::string>();
    });
  }
  std::string Folio(const std::string& id) {
    return AsOwner([&](pqxx::work& work) {
      return work
          .exec_params1("SELECT folio::text FROM service_requests.requests WHERE id = $1::uuid",
                        id)[0]
          .as<std::string>();
    });
  }
  // Mexico City's today + `days`, as YYYY-MM-DD.
  std::string Day(int days) {
    return AsOwner([&](pqxx::work& work) {
      return work
          .exec_params1("SELECT ((now() AT TIME ZONE 'America/Mexico_City')::date + $1::int)::text",
                        days)[0]
          .as<std::string>();
    });
  }
  // The lines of a CSV body (each without its CRLF).
  static std::vector<std::string> Lines(const std::string& csv) {
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t end; (end = csv.find("\r\n", start)) != std::string::npos; start = end + 2) {
      lines.push_back(csv.substr(start, end - start));
    }
    EXPECT_EQ(start, csv.size()) << "the CSV must end with CRLF";
    return lines;
  }
  // No trace of the reporter anywhere in `body`, and no email at all.
  static void ExpectNoReporter(const std::string& what, const std::string& body) {
    for (const char* secret : {kSealedContact, "v1.", kReporterId, kApiKeyId, "reporter", "api_key",
                               "contact", "maria.perez", "@"}) {
      EXPECT_EQ(body.find(secret), std::string::npos) << what << " shows " << secret;
    }
  }

  static constexpr const char* kReporterId = "11111111-2222-4333-8444-555555555555";
  static constexpr const char* kApiKeyId = "99999999-8888-4777-8666-555555555555";
};

TEST_F(OpenDataTest, ExportsHoldExactlyTheDocumentedColumnsAndNeverTheReporter) {
  InsertService("gomez-palacio", StreetCleaningService());
  const std::string first =
      InsertRequest("gomez-palacio", "limpieza-calles", 25.5611, -103.4985, "in_progress",
                    "Escombro frente al número 120, \"esquina\" con Hidalgo", 30);
  GiveReporter(first);
  // A description a spreadsheet would run as a formula, and a duplicate.
  const std::string second =
      InsertRequest("gomez-palacio", "limpieza-calles", 25.5612, -103.4986, "duplicate",
                    "=HYPERLINK(\"http://malo.example\")", 2, 0, first);

  auto csv = Call("GET", Path("gomez-palacio", "/export.csv"));
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_TRUE(csv.chunked && csv.complete);
  EXPECT_FALSE(csv.Header("etag").empty());
  ExpectNoReporter("export.csv", csv.body);
  const auto lines = Lines(csv.body);
  ASSERT_EQ(lines.size(), 3u) << csv.body;
  EXPECT_EQ(lines[0] + "\r\n", kHeader);
  const std::string first_folio = Folio(first);
  EXPECT_EQ(lines[1],
            "gomez-palacio," + first_folio +
                ",limpieza-calles,Limpieza de calles,in_progress,open,"
                "\"Cuadrilla asignada, \"\"turno matutino\"\"\",Servicios Públicos,"
                "\"Escombro frente al número 120, \"\"esquina\"\" con Hidalgo\",25.5611,-103.4985,"
                "Av. Morelos 120,35000,https://fotos.example.mx/1.jpg," +
                Timestamp(first, "requested_at") + "," + Timestamp(first, "updated_at") + "," +
                Timestamp(first, "expected_at") + ",,");
  // The formula is defused with a leading apostrophe; the duplicate names the
  // folio it repeats; a closed one has closed_at.
  EXPECT_EQ(lines[2], "gomez-palacio," + Folio(second) +
                          ",limpieza-calles,Limpieza de calles,duplicate,closed,,,"
                          "\"'=HYPERLINK(\"\"http://malo.example\"\")\",25.5612,-103.4986,"
                          "Av. Morelos 120,,," +
                          Timestamp(second, "requested_at") + "," +
                          Timestamp(second, "updated_at") + ",," + Timestamp(second, "closed_at") +
                          "," + first_folio);

  auto list = Call("GET", Path("gomez-palacio", "/export.json"));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.Header("content-type"), "application/json");
  EXPECT_FALSE(list.Header("etag").empty());
  ExpectNoReporter("export.json", list.body);
  const json items = json::parse(list.body);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0],
            (json{{"tenant", "gomez-palacio"},
                  {"service_request_id", first_folio},
                  {"service_code", "limpieza-calles"},
                  {"service_name", "Limpieza de calles"},
                  {"status", "in_progress"},
                  {"open311_status", "open"},
                  {"status_notes", "Cuadrilla asignada, \"turno matutino\""},
                  {"agency_responsible", "Servicios Públicos"},
                  {"description", "Escombro frente al número 120, \"esquina\" con Hidalgo"},
                  {"lat", 25.5611},
                  {"long", -103.4985},
                  {"address", "Av. Morelos 120"},
                  {"zipcode", "35000"},
                  {"media_url", "https://fotos.example.mx/1.jpg"},
                  {"requested_at", Timestamp(first, "requested_at")},
                  {"updated_at", Timestamp(first, "updated_at")},
                  {"expected_at", Timestamp(first, "expected_at")},
                  {"closed_at", nullptr},
                  {"duplicate_of", nullptr}}));
  // Every item has exactly the documented keys (the CSV's columns).
  for (const auto& item : items) {
    std::set<std::string> keys;
    for (const auto& [key, value] : item.items()) keys.insert(key);
    EXPECT_EQ(keys, std::set<std::string>(kColumns.begin(), kColumns.end()));
  }
  EXPECT_EQ(items[1]["description"], "=HYPERLINK(\"http://malo.example\")");  // JSON is data
  EXPECT_EQ(items[1]["duplicate_of"], first_folio);
  EXPECT_EQ(items[1]["closed_at"], Timestamp(second, "closed_at"));

  // Listed in the catalogue of open data.
  auto modules = Call("GET", "/v1/modules");
  EXPECT_NE(modules.body.find("solicitudes-csv"), std::string::npos);
  EXPECT_NE(modules.body.find("solicitudes-json"), std::string::npos);
}

TEST_F(OpenDataTest, ExportsAreStateWideWithIncludeDescendants) {
  InsertService("gomez-palacio", StreetCleaningService());
  InsertService("tepehuanes", RoadSignService());
  InsertRequest("gomez-palacio", "limpieza-calles", 25.56, -103.50);
  InsertRequest("tepehuanes", "senalamiento-vial", 25.34, -105.72, "resolved");
  InsertRequest("tepehuanes", "senalamiento-vial", 25.35, -105.73, "rejected");

  // The state has no services of its own.
  EXPECT_EQ(Get(Path("durango", "/export.json")), json::array());
  EXPECT_EQ(Call("GET", Path("durango", "/export.csv")).body, kHeader);

  const json state = Get(Path("durango", "/export.json?include_descendants=true"));
  ASSERT_EQ(state.size(), 3u) << state.dump();
  EXPECT_EQ(state[0]["tenant"], "gomez-palacio");
  EXPECT_EQ(state[1]["tenant"], "tepehuanes");
  EXPECT_EQ(state[1]["service_request_id"], "1");
  EXPECT_EQ(state[2]["service_request_id"], "2");
  auto csv = Call("GET", Path("durango", "/export.csv?include_descendants=true"));
  ASSERT_EQ(csv.status, 200);
  const auto lines = Lines(csv.body);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1].rfind("gomez-palacio,1,limpieza-calles,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[3].rfind("tepehuanes,2,senalamiento-vial,", 0), 0u) << lines[3];

  // One municipality alone sees only its own.
  const json own = Get(Path("tepehuanes", "/export.json"));
  ASSERT_EQ(own.size(), 2u);
  for (const auto& item : own) EXPECT_EQ(item["tenant"], "tepehuanes");
  EXPECT_EQ(Call("GET", Path("durango", "/export.json?include_descendants=maybe")).status, 400);
}

TEST_F(OpenDataTest, ExportsAnswer304UntilARequestChanges) {
  InsertService("gomez-palacio", StreetCleaningService());
  const std::string id = InsertRequest("gomez-palacio", "limpieza-calles", 25.56, -103.50);
  for (const char* path : {"/export.csv", "/export.json"}) {
    const std::string url = Path("gomez-palacio", path);
    auto first = Call("GET", url);
    ASSERT_EQ(first.status, 200) << path;
    const std::string etag = first.Header("etag");
    ASSERT_FALSE(etag.empty()) << path;
    auto again = Call("GET", url, "", "", {{"If-None-Match", etag}});
    EXPECT_EQ(again.status, 304) << path;
    EXPECT_TRUE(again.body.empty()) << path;
  }
  const std::string url = Path("gomez-palacio", "/export.csv");
  const std::string etag = Call("GET", url).Header("etag");
  // A change of status (staff's PATCH moves updated_at) is a new content.
  AsOwner([&](pqxx::work& work) {
    return work.exec_params(
        "UPDATE service_requests.requests SET status = 'assigned', updated_at = now() "
        "WHERE id = $1::uuid",
        id);
  });
  auto changed = Call("GET", url, "", "", {{"If-None-Match", etag}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.Header("etag"), etag);
  EXPECT_NE(changed.body.find(",assigned,open,"), std::string::npos) << changed.body;
  // So is a new request.
  InsertRequest("gomez-palacio", "limpieza-calles", 25.57, -103.51);
  auto added = Call("GET", url, "", "", {{"If-None-Match", changed.Header("etag")}});
  EXPECT_EQ(added.status, 200);
  EXPECT_EQ(Lines(added.body).size(), 3u);
}

TEST_F(OpenDataTest, ARetiredServiceKeepsItsRequestsInTheOpenData) {
  InsertService("gomez-palacio", StreetCleaningService());
  InsertRequest("gomez-palacio", "limpieza-calles", 25.56, -103.50, "resolved", "Ramas", 30, 6);
  AsOwner([&](pqxx::work& work) {
    return work.exec(
        "UPDATE service_requests.services SET active = false, deleted_at = now(), "
        "updated_at = now() WHERE service_code = 'limpieza-calles'");
  });
  const json exported = Get(Path("gomez-palacio", "/export.json"));
  ASSERT_EQ(exported.size(), 1u);
  EXPECT_EQ(exported[0]["service_code"], "limpieza-calles");
  const json stats = Get(Path("gomez-palacio", "/stats"));
  ASSERT_EQ(stats["tenants"][0]["services"].size(), 1u) << stats.dump();
  EXPECT_EQ(stats["tenants"][0]["services"][0]["total"], 1);
  EXPECT_EQ(stats["tenants"][0]["services"][0]["median_hours_to_close"], 6.0);
}

// Gómez Palacio: limpieza-calles with every status, closed after 10, 20 and
// 40 hours (median 20) and a duplicate closed at once (not counted in the
// median); separacion-residuos without requests. Tepehuanes: one resolved
// after 5 hours and one received. State-wide, the closed ones took 5, 10,
// 20 and 40 hours: median 15.
class StatsTest : public OpenDataTest {
 protected:
  void SetUp() override {
    OpenDataTest::SetUp();
    if (HasFatalFailure()) return;
    InsertService("gomez-palacio", StreetCleaningService());
    InsertService("gomez-palacio", WasteSeparationService());
    InsertService("tepehuanes", RoadSignService());
    const std::string open =
        InsertRequest("gomez-palacio", "limpieza-calles", 25.56, -103.50, "received", "Basura", 3);
    InsertRequest("gomez-palacio", "limpieza-calles", 25.57, -103.50, "assigned", "Ramas", 50);
    InsertRequest("gomez-palacio", "limpieza-calles", 25.58, -103.50, "in_progress", "Escombro",
                  70);
    InsertRequest("gomez-palacio", "limpieza-calles", 25.59, -103.50, "in_progress", "Escombro",
                  80);
    InsertRequest("gomez-palacio", "limpieza-calles", 25.60, -103.50, "resolved", "Basura", 100,
                  10);
    InsertRequest("gomez-palacio", "limpieza-calles", 25.61, -103.50, "closed", "Basura", 120, 20);
    InsertRequest("gomez-palacio", "limpieza-calles", 25.62, -103.50, "rejected", "Nada", 140, 40);
    InsertRequest("gomez-palacio", "limpieza-calles", 25.5601, -103.50, "duplicate", "Basura", 2, 0,
                  open);
    InsertRequest("tepehuanes", "senalamiento-vial", 25.34, -105.72, "resolved", "Alto caído", 30,
                  5);
    InsertRequest("tepehuanes", "senalamiento-vial", 25.35, -105.72, "received", "Sin nombre", 1);
    // Retired without requests: not listed.
    AsOwner([&](pqxx::work& work) {
      return work.exec(
          "INSERT INTO service_requests.services (tenant_id, service_code, name, deleted_at) "
          "SELECT id, 'baches', 'Baches', now() FROM core.tenants WHERE slug = 'gomez-palacio'");
    });
  }

  static json Figures(int total, int open, int closed, const json& by_status, const json& median) {
    json statuses = {{"received", 0}, {"assigned", 0}, {"in_progress", 0}, {"resolved", 0},
                     {"closed", 0},   {"rejected", 0}, {"duplicate", 0}};
    statuses.update(by_status);
    return {{"total", total},
            {"open", open},
            {"closed", closed},
            {"by_status", statuses},
            {"median_hours_to_close", median}};
  }
  static json With(json figures, const json& fields) {
    figures.update(fields);
    return figures;
  }
};

TEST_F(StatsTest, CountsAndMediansPerServiceTenantAndState) {
  const json cleaning = Figures(8, 4, 4,
                                {{"received", 1},
                                 {"assigned", 1},
                                 {"in_progress", 2},
                                 {"resolved", 1},
                                 {"closed", 1},
                                 {"rejected", 1},
                                 {"duplicate", 1}},
                                20.0);
  const json signs = Figures(2, 1, 1, {{"received", 1}, {"resolved", 1}}, 5.0);
  const json none = Figures(0, 0, 0, json::object(), nullptr);

  const json state = Get(Path("durango", "/stats?include_descendants=true"));
  EXPECT_EQ(state["from"], nullptr);
  EXPECT_EQ(state["to"], nullptr);
  EXPECT_EQ(state["totals"], Figures(10, 5, 5,
                                     {{"received", 2},
                                      {"assigned", 1},
                                      {"in_progress", 2},
                                      {"resolved", 2},
                                      {"closed", 1},
                                      {"rejected", 1},
                                      {"duplicate", 1}},
                                     15.0));
  ASSERT_EQ(state["tenants"].size(), 4u) << state.dump(2);
  // The tenant asked first (the state: no services), then by slug.
  EXPECT_EQ(state["tenants"][0], With(none, {{"tenant", "durango"},
                                             {"name", state["tenants"][0]["name"]},
                                             {"services", json::array()}}));
  EXPECT_EQ(state["tenants"][1]["tenant"], "gomez-palacio");
  EXPECT_EQ(state["tenants"][1],
            With(cleaning, {{"tenant", "gomez-palacio"},
                            {"name", state["tenants"][1]["name"]},
                            {"services",
                             {With(cleaning, {{"service_code", "limpieza-calles"},
                                              {"service_name", "Limpieza de calles"}}),
                              With(none, {{"service_code", "separacion-residuos"},
                                          {"service_name", "Separación de residuos"}})}}}));
  EXPECT_EQ(state["tenants"][2]["tenant"], "municipio-durango");
  EXPECT_EQ(state["tenants"][2]["services"], json::array());
  EXPECT_EQ(
      state["tenants"][3],
      With(signs, {{"tenant", "tepehuanes"},
                   {"name", state["tenants"][3]["name"]},
                   {"services",
                    {With(signs, {{"service_code", "senalamiento-vial"},
                                  {"service_name", "Señalamiento vial dañado o faltante"}})}}}));
  ExpectNoReporter("stats", state.dump());

  // Without include_descendants: the tenant alone.
  const json own = Get(Path("tepehuanes", "/stats"));
  EXPECT_EQ(own["totals"], signs);
  ASSERT_EQ(own["tenants"].size(), 1u);
  EXPECT_EQ(own["tenants"][0]["tenant"], "tepehuanes");
}

TEST_F(StatsTest, ADateWindowCountsOnlyTheRequestsReportedInIt) {
  // Requested 100, 120 and 140 hours ago (4 to 6 days): outside a window of
  // the last 2 days; the others (1 to 80 hours) are in a window ending today.
  const json recent =
      Get(Path("gomez-palacio", "/stats?from=" + Day(-2) + "&to=" + Day(0)))["totals"];
  // The window starts 48 to 72 hours ago, depending on the hour: the 3-hour
  // one and the duplicate (2 h) are surely in, the 50- and 70-hour ones may
  // be, the 80-hour one and older are surely out.
  EXPECT_GE(recent["total"].get<int>(), 2);
  EXPECT_LE(recent["total"].get<int>(), 4);
  EXPECT_EQ(recent["by_status"]["resolved"], 0);
  EXPECT_EQ(recent["by_status"]["closed"], 0);
  EXPECT_EQ(recent["by_status"]["rejected"], 0);
  EXPECT_EQ(recent["median_hours_to_close"], nullptr);

  // A window in the future, and one of the days 7 to 4 ago.
  const json future = Get(Path("gomez-palacio", "/stats?from=" + Day(1)));
  EXPECT_EQ(future["from"], Day(1));
  EXPECT_EQ(future["totals"]["total"], 0);
  ASSERT_EQ(future["tenants"][0]["services"].size(), 2u);  // still listed, with zeros
  const json before = Get(Path("gomez-palacio", "/stats?to=" + Day(-7)));
  EXPECT_EQ(before["to"], Day(-7));
  EXPECT_EQ(before["totals"]["total"], 0);
  const json all = Get(Path("gomez-palacio", "/stats?from=2020-01-01&to=" + Day(0)));
  EXPECT_EQ(all["totals"]["total"], 8);
  EXPECT_EQ(all["totals"]["median_hours_to_close"], 20.0);
}

TEST_F(StatsTest, BadDatesAre422) {
  for (const std::string query :
       {"from=2026-02-30", "from=ayer", "to=2026-13-01", "from=2026-1-1", "to=20260101"}) {
    auto refused = Call("GET", Path("gomez-palacio", "/stats?" + query));
    ASSERT_EQ(refused.status, 422) << query << ": " << refused.body;
    const json problem = json::parse(refused.body);
    ASSERT_EQ(problem["errors"].size(), 1u) << refused.body;
    EXPECT_EQ(problem["errors"][0]["field"], query.substr(0, query.find('=')));
  }
  auto reversed = Call("GET", Path("gomez-palacio", "/stats?from=2026-03-01&to=2026-02-01"));
  ASSERT_EQ(reversed.status, 422) << reversed.body;
  EXPECT_EQ(json::parse(reversed.body)["errors"][0]["field"], "to");
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/stats?from=" + std::string(40, '1'))).status / 100,
            4);
}

}  // namespace
}  // namespace cabildo::testing
