// The native API of requests (requests.cc): anyone reads them (one, a list
// with filters and the state-wide view, the public history), a citizen
// follows their own with delta sync, staff move them through the internal
// statuses (every transition allowed and refused), each change in the public
// history and the audit chain, If-Match, the staff of another municipality
// refused, and the reporter's contact read only with its permission, audited.
// Requests are seeded with the fixture's SQL helpers (InsertRequest), so
// this part is tested without the intake routes.
#include <algorithm>
#include <future>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "service_requests_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kStatuses = {"received", "assigned", "in_progress", "resolved",
                                            "closed",   "rejected", "duplicate"};

// The staff workflow as the module spec states it, written out here apart
// from the code under test.
const std::set<std::pair<std::string, std::string>> kAllowed = {
    {"received", "assigned"},    {"received", "in_progress"}, {"received", "resolved"},
    {"received", "closed"},      {"received", "rejected"},    {"received", "duplicate"},
    {"assigned", "in_progress"}, {"assigned", "resolved"},    {"assigned", "closed"},
    {"assigned", "rejected"},    {"assigned", "duplicate"},   {"in_progress", "assigned"},
    {"in_progress", "resolved"}, {"in_progress", "closed"},   {"in_progress", "rejected"},
    {"resolved", "closed"},      {"resolved", "in_progress"}, {"closed", "in_progress"},
    {"duplicate", "received"}};

bool IsOpen(const std::string& status) {
  return status == "received" || status == "assigned" || status == "in_progress";
}

class RequestsTest : public ServiceRequestsTest {
 protected:
  void SetUp() override {
    ServiceRequestsTest::SetUp();
    if (HasFatalFailure()) return;
    InsertService("gomez-palacio", StreetCleaningService());
    InsertService("gomez-palacio", WasteSeparationService());
    InsertService("tepehuanes", RoadSignService());
    editor_ = MakeUser("editora@gomezpalacio.gob.mx", "editor", "gomez-palacio");
  }

  // A street-cleaning request of Gómez Palacio (Av. Morelos) in `status`;
  // a duplicate gets a fresh open one to repeat.
  std::string Seed(const std::string& status = "received", int hours_ago = 1) {
    std::string target;
    if (status == "duplicate") target = Seed("received", hours_ago);
    return InsertRequest("gomez-palacio", "limpieza-calles", 25.5611, -103.4980, status,
                         "Basura acumulada en la esquina", hours_ago, 10, target);
  }

  HttpResult Patch(const std::string& tenant, const std::string& id, const json& body,
                   const std::string& token, std::map<std::string, std::string> headers = {}) {
    return Call("PATCH", Path(tenant, "/requests/" + id), body.dump(), token, std::move(headers));
  }
  HttpResult Patch(const std::string& id, const json& body) {
    return Patch("gomez-palacio", id, body, editor_);
  }

  // The request as staff (not the public cache) see it now.
  json Read(const std::string& id, const std::string& tenant = "gomez-palacio") {
    return Get(Path(tenant, "/requests/" + id), editor_);
  }

  // Every event of a request, oldest first (as an authenticated reader).
  json History(const std::string& id) {
    return Get(Path("gomez-palacio", "/requests/" + id + "/history?limit=100"), editor_)["items"];
  }

  std::string UserId(const std::string& email) {
    return AsOwner([&](pqxx::work& work) {
      return work.exec_params1("SELECT id::text FROM core.users WHERE email = $1", email)[0]
          .as<std::string>();
    });
  }
  void SetReporter(const std::string& request_id, const std::string& user_id) {
    AsOwner([&](pqxx::work& work) {
      return work.exec_params(
          "UPDATE service_requests.requests SET reporter_id = $2::uuid WHERE id = $1::uuid",
          request_id, user_id);
    });
  }

  // Audit entries of `tenant` whose action starts with `prefix`, oldest
  // first: {action, entity, entity_id, changes (parsed)}.
  std::vector<json> AuditEntries(const std::string& tenant, const std::string& prefix) {
    return AsOwner([&](pqxx::work& w) {
      std::vector<json> entries;
      for (const auto& row :
           w.exec_params("SELECT l.action, l.entity, l.entity_id, l.changes FROM core.audit_log l "
                         "JOIN core.tenants t ON t.id = l.tenant_id "
                         "WHERE t.slug = $1 AND starts_with(l.action, $2) ORDER BY l.seq",
                         tenant, prefix)) {
        entries.push_back({{"action", row[0].as<std::string>()},
                           {"entity", row[1].as<std::string>()},
                           {"entity_id", row[2].as<std::string>()},
                           {"changes", json::parse(row[3].as<std::string>())}});
      }
      return entries;
    });
  }

  // Every item of a paged list, following next_cursor (`path` has a '?').
  json AllPages(const std::string& path, const std::string& token = "") {
    json items = json::array();
    std::string cursor;
    for (int page = 0; page < 50; ++page) {
      json answer = Get(path + (cursor.empty() ? "" : "&cursor=" + cursor), token);
      for (auto& item : answer["items"]) items.push_back(item);
      if (answer["next_cursor"].is_null()) return items;
      cursor = answer["next_cursor"].get<std::string>();
    }
    ADD_FAILURE() << "too many pages: " << path;
    return items;
  }

  static std::vector<std::string> Ids(const json& items) {
    std::vector<std::string> ids;
    for (const auto& item : items) ids.push_back(item["id"]);
    return ids;
  }

  std::string editor_;
};

// ctest names a test "<suite>.<test>": `ctest -R service_requests_requests`.
using service_requests_requests = RequestsTest;

// Every ordered pair of distinct statuses: the allowed ones answer 200 and
// move the request (closed_at with the Open311 class, duplicate_of only on a
// duplicate); every other one is a 409 naming both states and changes
// nothing.
TEST_F(service_requests_requests, EveryTransitionIsAllowedOrRefusedAsTheWorkflowSays) {
  int allowed = 0;
  int refused = 0;
  for (const std::string& from : kStatuses) {
    for (const std::string& to : kStatuses) {
      if (from == to) continue;
      SCOPED_TRACE(from + " -> " + to);
      const std::string id = Seed(from);
      const json before = Read(id);
      json body = {{"status", to}};
      std::string target;
      if (to == "duplicate") {
        target = Seed("received");
        body["duplicate_of"] = target;
      }
      auto result = Patch(id, body);
      const json after = Read(id);
      if (kAllowed.count({from, to})) {
        ++allowed;
        ASSERT_EQ(result.status, 200) << result.body;
        const json answer = json::parse(result.body);
        EXPECT_EQ(answer, after);
        EXPECT_EQ(after["status"], to);
        EXPECT_EQ(after["open311_status"], IsOpen(to) ? "open" : "closed");
        EXPECT_EQ(after["closed_at"].is_null(), IsOpen(to));
        if (to == "duplicate") {
          EXPECT_EQ(after["duplicate_of"], target);
        } else {
          EXPECT_TRUE(after["duplicate_of"].is_null());
        }
        EXPECT_EQ(History(id).size(), 2u);
      } else {
        ++refused;
        ASSERT_EQ(result.status, 409) << result.body;
        const std::string detail = json::parse(result.body).value("detail", "");
        EXPECT_NE(detail.find("(" + from + ")"), std::string::npos) << detail;
        EXPECT_NE(detail.find("(" + to + ")"), std::string::npos) << detail;
        EXPECT_EQ(after, before);
        EXPECT_EQ(History(id).size(), 1u);
      }
    }
  }
  EXPECT_EQ(allowed, 19);
  EXPECT_EQ(refused, 23);
}

// Two staff members closing the same request at once, one as resolved and
// one as rejected: the row lock makes them take turns, so the second sees
// the first's status and its transition is judged from there (resolved ->
// rejected and rejected -> resolved are both refused): one 200, one 409.
TEST_F(service_requests_requests, ConcurrentChangesTakeTurns) {
  const std::string admin = MakeUser("admin@gomezpalacio.gob.mx", "admin", "gomez-palacio");
  for (int round = 0; round < 3; ++round) {
    const std::string id = Seed("in_progress");
    auto patch = [&](const std::string& status, const std::string& token) {
      return Patch("gomez-palacio", id, {{"status", status}}, token).status;
    };
    auto a = std::async(std::launch::async, patch, "resolved", editor_);
    auto b = std::async(std::launch::async, patch, "rejected", admin);
    std::vector<int> statuses = {a.get(), b.get()};
    std::sort(statuses.begin(), statuses.end());
    EXPECT_EQ(statuses, (std::vector<int>{200, 409}));
    EXPECT_EQ(History(id).size(), 2u);
  }
}

// closed_at: set when a request closes, kept while it moves between closed
// statuses (time to close is the first closing), cleared when it reopens; a
// duplicate undone goes back to received without duplicate_of.
TEST_F(service_requests_requests, ClosedAtFollowsClosingAndReopening) {
  const std::string id = Seed("in_progress");
  ASSERT_EQ(Patch(id, {{"status", "resolved"}}).status, 200);
  const json resolved = Read(id);
  ASSERT_TRUE(resolved["closed_at"].is_string());
  ASSERT_EQ(Patch(id, {{"status", "closed"}}).status, 200);
  EXPECT_EQ(Read(id)["closed_at"], resolved["closed_at"]);
  ASSERT_EQ(Patch(id, {{"status", "in_progress"}, {"status_notes", "Se reabre: volvió la basura."}})
                .status,
            200);
  EXPECT_TRUE(Read(id)["closed_at"].is_null());
  EXPECT_EQ(Read(id)["open311_status"], "open");

  const std::string duplicate = Seed("duplicate");
  ASSERT_TRUE(Read(duplicate)["duplicate_of"].is_string());
  ASSERT_EQ(Patch(duplicate, {{"status", "received"}}).status, 200);
  const json undone = Read(duplicate);
  EXPECT_EQ(undone["status"], "received");
  EXPECT_TRUE(undone["duplicate_of"].is_null());
  EXPECT_TRUE(undone["closed_at"].is_null());
}

// Public reads are cached by the host; a staff change is visible to the
// public at once (the item, the list, the history), and an ETag revalidation
// of the old answer is no longer a 304.
TEST_F(service_requests_requests, APublicReaderSeesAStaffChangeAtOnce) {
  const std::string id = Seed("received");
  const std::string item = Path("gomez-palacio", "/requests/" + id);
  const std::string list = Path("gomez-palacio", "/requests");
  const std::string history = Path("gomez-palacio", "/requests/" + id + "/history");
  auto first = Call("GET", item);
  ASSERT_EQ(first.status, 200);
  const std::string etag = first.Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(Call("GET", item, "", "", {{"If-None-Match", etag}}).status, 304);
  EXPECT_EQ(Get(list)["items"][0]["status"], "received");
  EXPECT_EQ(Get(history)["items"].size(), 1u);

  ASSERT_EQ(Patch(id, {{"status", "in_progress"}}).status, 200);
  EXPECT_EQ(Get(item)["status"], "in_progress");
  EXPECT_EQ(Get(list)["items"][0]["status"], "in_progress");
  EXPECT_EQ(Get(history)["items"].size(), 2u);
  EXPECT_EQ(Call("GET", item, "", "", {{"If-None-Match", etag}}).status, 200);
}

// Marking a duplicate: duplicate_of is required, and must be another open
// request of the same tenant and service (422 otherwise, nothing changes);
// duplicate_of without status duplicate is a 422 too.
TEST_F(service_requests_requests, ADuplicateNamesAnotherOpenRequestOfTheSameService) {
  const std::string id = Seed("received");
  const std::string open = Seed("assigned");
  const std::string closed = Seed("resolved");
  const std::string other_service =
      InsertRequest("gomez-palacio", "separacion-residuos", 25.5611, -103.4980);
  const std::string other_tenant =
      InsertRequest("tepehuanes", "senalamiento-vial", 25.3400, -105.7200);
  const json before = Read(id);
  auto refused = [&](const json& body) {
    SCOPED_TRACE(body.dump());
    auto result = Patch(id, body);
    EXPECT_EQ(result.status, 422) << result.body;
    const json problem = json::parse(result.body);
    ASSERT_EQ(problem["errors"].size(), 1u) << result.body;
    EXPECT_EQ(problem["errors"][0]["field"], "duplicate_of");
  };
  refused({{"status", "duplicate"}});
  refused({{"status", "duplicate"}, {"duplicate_of", id}});
  refused({{"status", "duplicate"}, {"duplicate_of", closed}});
  refused({{"status", "duplicate"}, {"duplicate_of", other_service}});
  refused({{"status", "duplicate"}, {"duplicate_of", other_tenant}});
  refused({{"status", "duplicate"}, {"duplicate_of", "00000000-0000-4000-8000-000000000000"}});
  refused({{"status", "assigned"}, {"duplicate_of", open}});
  refused({{"duplicate_of", open}});
  EXPECT_EQ(Read(id), before);

  auto marked = Patch(id, {{"status", "duplicate"},
                           {"duplicate_of", open},
                           {"status_notes", "Se atiende con el reporte anterior."}});
  ASSERT_EQ(marked.status, 200) << marked.body;
  EXPECT_EQ(json::parse(marked.body)["duplicate_of"], open);
  // While it stays a duplicate, it may be pointed at another open one.
  const std::string newer = Seed("received");
  ASSERT_EQ(Patch(id, {{"duplicate_of", newer}}).status, 200);
  EXPECT_EQ(Read(id)["duplicate_of"], newer);
}

// The native view carries the internal status and its Open311 class for
// every status; the list's filters select by either.
TEST_F(service_requests_requests, TheNativeViewMapsEveryStatusToOpen311) {
  std::map<std::string, std::string> ids;
  for (const std::string& status : kStatuses) ids[status] = Seed(status);
  for (const std::string& status : kStatuses) {
    const json item = Get(Path("gomez-palacio", "/requests/" + ids[status]));
    EXPECT_EQ(item["status"], status);
    EXPECT_EQ(item["open311_status"], IsOpen(status) ? "open" : "closed") << status;
    EXPECT_EQ(item["tenant"], "gomez-palacio");
    EXPECT_EQ(item["service_code"], "limpieza-calles");
    EXPECT_EQ(item["service_name"], "Limpieza de calles");
    // Never the reporter or the app.
    EXPECT_FALSE(item.contains("reporter_id"));
    EXPECT_FALSE(item.contains("reporter_contact"));
    EXPECT_FALSE(item.contains("api_key_id"));
  }
  // Seed("duplicate") made one more received request (its target).
  const json open = AllPages(Path("gomez-palacio", "/requests?open311_status=open&limit=100"));
  EXPECT_EQ(open.size(), 4u);
  for (const auto& item : open) EXPECT_EQ(item["open311_status"], "open");
  const json closed = AllPages(Path("gomez-palacio", "/requests?open311_status=closed&limit=100"));
  EXPECT_EQ(closed.size(), 4u);
  for (const auto& item : closed) EXPECT_EQ(item["open311_status"], "closed");
  const json in_progress = Get(Path("gomez-palacio", "/requests?status=in_progress"))["items"];
  ASSERT_EQ(in_progress.size(), 1u);
  EXPECT_EQ(in_progress[0]["id"], ids["in_progress"]);
  // Both filters: an empty intersection.
  EXPECT_EQ(
      Get(Path("gomez-palacio", "/requests?status=rejected&open311_status=open"))["items"].size(),
      0u);

  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/requests?status=abierta")).status, 400);
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/requests?open311_status=pending")).status, 400);
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/requests/" + ids["received"] + "x")).status, 404);
  EXPECT_EQ(
      Call("GET", Path("gomez-palacio", "/requests/00000000-0000-4000-8000-000000000000")).status,
      404);
  // Another municipality's request is not found here.
  const std::string elsewhere = InsertRequest("tepehuanes", "senalamiento-vial", 25.34, -105.72);
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/requests/" + elsewhere)).status, 404);
}

// service_code filters by service; the list pages in (updated_at, id) order
// without repeating or losing an item.
TEST_F(service_requests_requests, TheListFiltersByServiceAndPagesStably) {
  std::vector<std::string> cleaning;
  for (int i = 0; i < 5; ++i) cleaning.push_back(Seed("received", 5 - i));
  const std::string waste =
      InsertRequest("gomez-palacio", "separacion-residuos", 25.5611, -103.4980, "assigned");
  const json by_service = AllPages(Path("gomez-palacio",
                                        "/requests?service_code=limpieza-calles"
                                        "&limit=2"));
  EXPECT_EQ(Ids(by_service), cleaning);  // oldest updated first
  const json waste_only =
      Get(Path("gomez-palacio", "/requests?service_code=separacion-residuos"))["items"];
  ASSERT_EQ(waste_only.size(), 1u);
  EXPECT_EQ(waste_only[0]["id"], waste);
  EXPECT_EQ(Get(Path("gomez-palacio", "/requests?service_code=no-existe"))["items"].size(), 0u);

  const json all = AllPages(Path("gomez-palacio", "/requests?limit=1"));
  ASSERT_EQ(all.size(), 6u);
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_LE(
        std::make_tuple(all[i - 1]["updated_at"].get<std::string>(),
                        all[i - 1]["id"].get<std::string>()),
        std::make_tuple(all[i]["updated_at"].get<std::string>(), all[i]["id"].get<std::string>()));
  }
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/requests?cursor=basura")).status, 400);
}

// The state's view: include_descendants=true from "durango" lists its
// municipalities' requests, each with its tenant; without it, only the
// state's own (none).
TEST_F(service_requests_requests, TheStateSeesItsMunicipalitiesWithIncludeDescendants) {
  const std::string gomez = Seed("received");
  const std::string tepehuanes =
      InsertRequest("tepehuanes", "senalamiento-vial", 25.3400, -105.7200, "in_progress");
  EXPECT_EQ(Get(Path("durango", "/requests"))["items"].size(), 0u);
  const json state = AllPages(Path("durango", "/requests?include_descendants=true&limit=1"));
  ASSERT_EQ(state.size(), 2u);
  std::map<std::string, std::string> tenant_of;
  for (const auto& item : state) tenant_of[item["id"]] = item["tenant"];
  EXPECT_EQ(tenant_of[gomez], "gomez-palacio");
  EXPECT_EQ(tenant_of[tepehuanes], "tepehuanes");
  const json open = Get(Path("durango", "/requests?include_descendants=true&status=in_progress"));
  ASSERT_EQ(open["items"].size(), 1u);
  EXPECT_EQ(open["items"][0]["id"], tepehuanes);
  // A municipality's own list never shows its neighbour's.
  EXPECT_EQ(Ids(Get(Path("gomez-palacio", "/requests?include_descendants=true"))["items"]),
            std::vector<std::string>{gomez});
}

// The public history: the creation and every change, oldest first, with
// how the request stood after it; a PATCH that changes nothing adds nothing.
TEST_F(service_requests_requests, TheHistoryListsEveryChangeOldestFirst) {
  const std::string id = Seed("received", 3);
  ASSERT_EQ(
      Patch(id, {{"status", "assigned"}, {"agency_responsible", "Cuadrilla 3 de Limpia"}}).status,
      200);
  ASSERT_EQ(Patch(id, {{"expected_datetime", "2026-12-10T18:00:00-06:00"},
                       {"status_notes", "Se programa la recolección."}})
                .status,
            200);
  ASSERT_EQ(
      Patch(id, {{"status", "assigned"}, {"agency_responsible", "Cuadrilla 3 de Limpia"}}).status,
      200);  // nothing new
  ASSERT_EQ(Patch(id, {{"status", "resolved"}, {"status_notes", "Se recogió la basura."}}).status,
            200);
  ASSERT_EQ(Patch(id, {{"expected_datetime", nullptr}}).status, 200);

  const json history = Get(Path("gomez-palacio", "/requests/" + id + "/history"))["items"];
  ASSERT_EQ(history.size(), 5u) << history.dump(2);
  EXPECT_EQ(history[0]["status"], "received");
  EXPECT_EQ(history[0]["open311_status"], "open");
  EXPECT_EQ(history[1]["status"], "assigned");
  EXPECT_EQ(history[1]["agency_responsible"], "Cuadrilla 3 de Limpia");
  EXPECT_EQ(history[1]["status_notes"], "");
  EXPECT_TRUE(history[1]["expected_at"].is_null());
  EXPECT_EQ(history[2]["status"], "assigned");
  EXPECT_EQ(history[2]["status_notes"], "Se programa la recolección.");
  EXPECT_EQ(history[2]["expected_at"], "2026-12-11T00:00:00.000000Z");
  EXPECT_EQ(history[3]["status"], "resolved");
  EXPECT_EQ(history[3]["open311_status"], "closed");
  EXPECT_EQ(history[3]["status_notes"], "Se recogió la basura.");
  EXPECT_EQ(history[3]["agency_responsible"], "Cuadrilla 3 de Limpia");
  EXPECT_TRUE(history[4]["expected_at"].is_null());
  for (std::size_t i = 1; i < history.size(); ++i) {
    EXPECT_LE(history[i - 1]["at"].get<std::string>(), history[i]["at"].get<std::string>());
  }
  for (const auto& event : history) {
    EXPECT_EQ(event.size(), 6u) << event.dump();  // exactly the documented fields
  }
  const json request = Read(id);
  EXPECT_EQ(request["status_notes"], "Se recogió la basura.");
  EXPECT_EQ(request["agency_responsible"], "Cuadrilla 3 de Limpia");
  EXPECT_TRUE(request["expected_at"].is_null());

  // Page by page, the same events in the same order.
  const json paged = AllPages(Path("gomez-palacio", "/requests/" + id + "/history?limit=2"));
  EXPECT_EQ(paged, history);
  // updated_since: only the later events.
  const json later = Get(Path("gomez-palacio", "/requests/" + id + "/history?updated_since=" +
                                                   history[0]["at"].get<std::string>()))["items"];
  EXPECT_EQ(later.size(), 4u);
  EXPECT_EQ(
      Call("GET", Path("gomez-palacio", "/requests/00000000-0000-4000-8000-000000000000/history"))
          .status,
      404);
}

// Every change is audited as request.update with the public view's diff;
// a refused one is not.
TEST_F(service_requests_requests, EveryChangeIsAudited) {
  const std::string id = Seed("received");
  ASSERT_EQ(Patch(id, {{"status", "in_progress"}, {"status_notes", "En camino."}}).status, 200);
  ASSERT_EQ(Patch(id, {{"status", "duplicate"}, {"duplicate_of", Seed("received")}}).status, 409);
  const auto entries = AuditEntries("gomez-palacio", "service-requests.request.");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["action"], "service-requests.request.update");
  EXPECT_EQ(entries[0]["entity"], "request");
  EXPECT_EQ(entries[0]["entity_id"], id);
  const json& changes = entries[0]["changes"];
  EXPECT_EQ(changes["before"]["status"], "received");
  EXPECT_EQ(changes["after"]["status"], "in_progress");
  EXPECT_EQ(changes["after"]["status_notes"], "En camino.");
  EXPECT_FALSE(changes["after"].contains("open311_status")) << "unchanged fields stay out";
  EXPECT_TRUE(changes["after"].contains("updated_at"));
}

// If-Match: a stale ETag is a 412 and changes nothing; the current one passes.
TEST_F(service_requests_requests, AStaleIfMatchIs412) {
  const std::string id = Seed("received");
  const std::string path = Path("gomez-palacio", "/requests/" + id);
  const std::string etag = Call("GET", path, "", editor_).Header("etag");
  ASSERT_FALSE(etag.empty());
  ASSERT_EQ(
      Patch("gomez-palacio", id, {{"status", "assigned"}}, editor_, {{"If-Match", etag}}).status,
      200);
  const json assigned = Read(id);
  EXPECT_EQ(
      Patch("gomez-palacio", id, {{"status", "in_progress"}}, editor_, {{"If-Match", etag}}).status,
      412);
  EXPECT_EQ(Read(id), assigned);
  EXPECT_EQ(History(id).size(), 2u);
  const std::string fresh = Call("GET", path, "", editor_).Header("etag");
  EXPECT_NE(fresh, etag);
  EXPECT_EQ(Patch("gomez-palacio", id, {{"status", "in_progress"}}, editor_, {{"If-Match", fresh}})
                .status,
            200);
}

// Bad PATCH bodies are 422s naming the field; nothing changes.
TEST_F(service_requests_requests, ABadPatchIs422) {
  const std::string id = Seed("received");
  const json before = Read(id);
  auto field_of = [&](const json& body) {
    auto result = Patch(id, body);
    EXPECT_EQ(result.status, 422) << body.dump() << " " << result.body;
    const json problem = json::parse(result.body, nullptr, false);
    return problem.is_object() && !problem["errors"].empty()
               ? problem["errors"][0].value("field", "")
               : std::string();
  };
  EXPECT_EQ(field_of({{"status", "abierta"}}), "status");
  EXPECT_EQ(field_of({{"status_notes", std::string(2001, 'a')}}), "status_notes");
  EXPECT_EQ(field_of({{"agency_responsible", std::string(201, 'a')}}), "agency_responsible");
  EXPECT_EQ(field_of({{"expected_datetime", "2026-02-30T10:00:00Z"}}), "expected_datetime");
  EXPECT_EQ(field_of({{"expected_datetime", "mañana"}}), "expected_datetime");
  EXPECT_EQ(field_of({{"expected_datetime", "1999-12-31T10:00:00Z"}}), "expected_datetime");
  EXPECT_EQ(field_of({{"duplicate_of", "no-es-un-uuid"}}), "duplicate_of");
  EXPECT_EQ(field_of({{"folio", "7"}}), "folio");
  field_of(json::object());
  EXPECT_EQ(Read(id), before);
  EXPECT_EQ(Call("PATCH", Path("gomez-palacio", "/requests/" + id), "[1, 2", editor_).status, 400);
  EXPECT_EQ(Patch("gomez-palacio", "00000000-0000-4000-8000-000000000000", {{"status", "assigned"}},
                  editor_)
                .status,
            404);
}

// Only staff of the request's municipality attend it: anonymous 401; a
// citizen or another municipality's staff (no role here) 404, as the host
// answers; an auditor there (a role, not the permission) 403; nothing changes.
TEST_F(service_requests_requests, OnlyTheMunicipalitysStaffAttendIt) {
  const std::string id = Seed("received");
  const json before = Read(id);
  const std::string neighbour = MakeUser("editor@tepehuanes.gob.mx", "editor", "tepehuanes");
  const std::string citizen = MakeCitizen("vecina@example.com");
  const json body = {{"status", "rejected"}};
  EXPECT_EQ(Patch("gomez-palacio", id, body, "").status, 401);
  // No role at Gómez Palacio: the host answers 404, never revealing more.
  EXPECT_EQ(Patch("gomez-palacio", id, body, citizen).status, 404);
  EXPECT_EQ(Patch("gomez-palacio", id, body, neighbour).status, 404);
  // A role there without the permission: 403.
  const std::string auditor = MakeUser("auditor@gomezpalacio.gob.mx", "auditor", "gomez-palacio");
  EXPECT_EQ(Patch("gomez-palacio", id, body, auditor).status, 403);
  // Nor through its own municipality's path: the request is not there.
  EXPECT_EQ(Patch("tepehuanes", id, body, neighbour).status, 404);
  EXPECT_EQ(Read(id), before);
  // An admin of the municipality does.
  const std::string admin = MakeUser("admin@gomezpalacio.gob.mx", "admin", "gomez-palacio");
  EXPECT_EQ(Patch("gomez-palacio", id, body, admin).status, 200);
}

// A citizen's own requests (reporter_id), with delta sync: after the first
// sync, updated_since returns only what changed since; never someone else's.
TEST_F(service_requests_requests, MineListsTheCallersOwnWithDeltaSync) {
  const std::string token = MakeCitizen("ana@example.com");
  const std::string other = MakeCitizen("beto@example.com");
  const std::string ana = UserId("ana@example.com");
  std::vector<std::string> mine;
  for (int i = 0; i < 3; ++i) {
    mine.push_back(Seed("received", 3 - i));
    SetReporter(mine.back(), ana);
  }
  const std::string betos = Seed("received");
  SetReporter(betos, UserId("beto@example.com"));
  Seed("received");  // anonymous (an Open311 app)

  const json first = AllPages(Path("gomez-palacio", "/requests/mine?limit=2"), token);
  EXPECT_EQ(Ids(first), mine);
  std::string since;
  for (const auto& item : first) since = std::max(since, item["updated_at"].get<std::string>());
  EXPECT_EQ(Get(Path("gomez-palacio", "/requests/mine?updated_since=" + since), token)["items"],
            json::array());

  // Staff attend one of hers and someone else's: her next sync has only hers.
  ASSERT_EQ(Patch(mine[1], {{"status", "assigned"}, {"status_notes", "Va la cuadrilla."}}).status,
            200);
  ASSERT_EQ(Patch(betos, {{"status", "assigned"}}).status, 200);
  const json delta =
      Get(Path("gomez-palacio", "/requests/mine?updated_since=" + since), token)["items"];
  ASSERT_EQ(delta.size(), 1u);
  EXPECT_EQ(delta[0]["id"], mine[1]);
  EXPECT_EQ(delta[0]["status"], "assigned");
  EXPECT_EQ(delta[0]["status_notes"], "Va la cuadrilla.");

  EXPECT_EQ(Ids(Get(Path("gomez-palacio", "/requests/mine"), other)["items"]),
            std::vector<std::string>{betos});
  // Per municipality: none of hers in Tepehuanes.
  EXPECT_EQ(Get(Path("tepehuanes", "/requests/mine"), token)["items"], json::array());
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/requests/mine")).status, 401);
  EXPECT_EQ(
      Call("GET", Path("gomez-palacio", "/requests/mine?updated_since=ayer"), "", token).status,
      400);
}

// The reporter's contact: opened for those with read_contact (editor,
// admin, auditor), null when none was left, every read audited without the
// data; the public and citizens never.
TEST_F(service_requests_requests, TheContactIsReadOnlyWithItsPermissionAndAudited) {
  const std::string without = Seed("received");
  const std::string with = Seed("received");
  const json contact = {{"email", "vecina@example.com"},
                        {"phone", "8711234567"},
                        {"first_name", "Lucía"},
                        {"last_name", "Hernández"}};
  // Sealed as intake seals it: the instance's data key, bound to the module and the id.
  const std::string sealed = app_->context().config.data_key->Seal(
      contact.dump(), core::PersonalDataBinding("service-requests", with));
  AsOwner([&](pqxx::work& work) {
    return work.exec_params(
        "UPDATE service_requests.requests SET reporter_contact = $2 WHERE id = $1::uuid", with,
        sealed);
  });

  EXPECT_EQ(Get(Path("gomez-palacio", "/requests/" + without + "/contact"), editor_),
            json({{"contact", nullptr}}));
  EXPECT_EQ(Get(Path("gomez-palacio", "/requests/" + with + "/contact"), editor_)["contact"],
            contact);
  const std::string auditor = MakeUser("auditora@gomezpalacio.gob.mx", "auditor", "gomez-palacio");
  EXPECT_EQ(Get(Path("gomez-palacio", "/requests/" + with + "/contact"), auditor)["contact"],
            contact);

  const std::string citizen = MakeCitizen("curioso@example.com");
  const std::string neighbour = MakeUser("editor@tepehuanes.gob.mx", "editor", "tepehuanes");
  EXPECT_EQ(Call("GET", Path("gomez-palacio", "/requests/" + with + "/contact")).status, 401);
  // No role at Gómez Palacio: 404 (the host never reveals more).
  EXPECT_EQ(
      Call("GET", Path("gomez-palacio", "/requests/" + with + "/contact"), "", citizen).status,
      404);
  EXPECT_EQ(
      Call("GET", Path("gomez-palacio", "/requests/" + with + "/contact"), "", neighbour).status,
      404);
  // A role there without the permission (a reviewer): 403.
  const std::string reviewer = MakeUser("revisor@gomezpalacio.gob.mx", "reviewer", "gomez-palacio");
  EXPECT_EQ(
      Call("GET", Path("gomez-palacio", "/requests/" + with + "/contact"), "", reviewer).status,
      403);
  EXPECT_EQ(
      Call("GET", Path("gomez-palacio", "/requests/00000000-0000-4000-8000-000000000000/contact"),
           "", editor_)
          .status,
      404);

  // The public view and history never carry it.
  const std::string view = Call("GET", Path("gomez-palacio", "/requests/" + with)).body;
  const std::string list = Call("GET", Path("gomez-palacio", "/requests?limit=100")).body;
  for (const std::string& text : {view, list}) {
    EXPECT_EQ(text.find("vecina@example.com"), std::string::npos);
    EXPECT_EQ(text.find("8711234567"), std::string::npos);
    EXPECT_EQ(text.find("v1."), std::string::npos);
  }

  const auto entries = AuditEntries("gomez-palacio", "service-requests.request.contact_read");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0]["entity"], "request");
  EXPECT_EQ(entries[0]["entity_id"], without);
  EXPECT_EQ(entries[1]["entity_id"], with);
  for (const auto& entry : entries) {
    const std::string text = entry.dump();
    EXPECT_EQ(text.find("vecina"), std::string::npos) << text;
    EXPECT_EQ(text.find("8711234567"), std::string::npos) << text;
    EXPECT_EQ(text.find("Lucía"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace cabildo::testing
