// The public catalogue and its Spanish search over HTTP against the real
// services: records created and published through the module's own routes,
// then found (or not) the way a citizen would look for them.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "procedure_registry_fixture.h"

namespace cabildo::testing {
namespace {

using nlohmann::json;

// "a b" -> "a%20b", "ó" -> "%C3%B3": a query string value.
std::string Encode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
        (byte >= '0' && byte <= '9') || byte == '-' || byte == '_' || byte == '.') {
      out.push_back(c);
    } else {
      out += {'%', kHex[byte >> 4], kHex[byte & 15]};
    }
  }
  return out;
}

std::vector<std::string> Names(const json& page) {
  std::vector<std::string> names;
  for (const auto& item : page["items"]) names.push_back(item.value("name", std::string()));
  return names;
}

std::vector<std::string> Ids(const json& page) {
  std::vector<std::string> ids;
  for (const auto& item : page["items"]) ids.push_back(item.value("id", std::string()));
  return ids;
}

class SearchTest : public ProcedureRegistryTest {
 protected:
  // A record complete enough to publish, with `name` and the fields given
  // replacing CompleteProcedure's (whose description and keywords mention
  // "obra" and "construcción": replaced here so each test says what matches).
  static json Record(const std::string& homoclave, const std::string& name,
                     const json& fields = json::object()) {
    json record = CompleteProcedure(homoclave, name);
    record["description"] = "Trámite municipal de la ventanilla única.";
    record["keywords"] = json::array({"ventanilla"});
    record["requirements"] = json::array(
        {{{"description", "Identificación oficial vigente"}, {"original", true}, {"copies", 1}}});
    for (const auto& [key, value] : fields.items()) record[key] = value;
    return record;
  }

  // POST /procedures then POST /procedures/{id}/publish; the published id.
  std::string Publish(const std::string& tenant, const json& record, const std::string& token) {
    const json created = Post(tenant, "/procedures", record, token, 201);
    const std::string id = created.value("id", std::string());
    auto published = Call("POST", Path(tenant, "/procedures/" + id + "/publish"), "", token);
    EXPECT_EQ(published.status, 200) << published.body;
    return id;
  }

  // GET /procedures?q=... (anonymous unless `token`), expecting 200.
  json Search(const std::string& tenant, const std::string& q, const std::string& more = "",
              const std::string& token = "") {
    return Get(tenant, "/procedures?q=" + Encode(q) + more, token);
  }

  // "Licencia de construcción" among similar procedures in municipio-durango.
  void SeedLicences(const std::string& token) {
    licence_ = Publish("municipio-durango",
                       Record("MDGO-DU-001", "Licencia de construcción",
                              {{"keywords", {"obra nueva", "ampliación"}},
                               {"description", "Permiso para construir, ampliar o remodelar."}}),
                       token);
    Publish(
        "municipio-durango",
        Record("MDGO-DU-002", "Licencias de construcción para obra mayor en el Centro Histórico"),
        token);
    Publish("municipio-durango",
            Record("MDGO-DE-003", "Licencia de funcionamiento",
                   {{"description",
                     "Para abrir un negocio en un local cuya construcción ya terminó."}}),
            token);
    Publish("municipio-durango",
            Record("MDGO-DU-004", "Constancia de terminación de construcción",
                   {{"keywords", {"licencia"}}}),
            token);
    Publish("municipio-durango", Record("MDGO-DU-005", "Permiso de demolición"), token);
    Publish("municipio-durango", Record("MDGO-SP-006", "Constancia de residencia"), token);
  }

  std::string licence_;
};

TEST_F(SearchTest, LicenciaDeConstruccionComesFirstWhateverTheAccentsCaseAndPlural) {
  SeedLicences(MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango"));
  for (const char* q :
       {"licencia construccion", "LICENCIA DE CONSTRUCCIÓN", "licencias de construcción"}) {
    const json page = Search("municipio-durango", q);
    EXPECT_EQ(page["match"], "full_text") << q;
    const auto names = Names(page);
    ASSERT_FALSE(names.empty()) << q;
    EXPECT_EQ(names[0], "Licencia de construcción") << q << ": " << page.dump();
    EXPECT_EQ(page["items"][0]["id"], licence_);
    EXPECT_EQ(page["items"][0]["tenant"], "municipio-durango");
    // Both words, anywhere: the long name, and the three where one word is
    // in the keywords or the description; never the demolition.
    EXPECT_EQ(names.size(), 4u) << q << ": " << page.dump();
    EXPECT_EQ(names[1], "Licencias de construcción para obra mayor en el Centro Histórico") << q;
    for (const auto& name : names) EXPECT_NE(name, "Permiso de demolición");
  }
}

TEST_F(SearchTest, RanksNameOverKeywordsOverDescriptionOverRequirements) {
  const std::string editor =
      MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango");
  // "pozos" in exactly one field of each; published in the opposite order of
  // the expected ranking, so neither time nor id order can pass the test.
  Publish("municipio-durango",
          Record("MDGO-AG-004", "Permiso de descarga",
                 {{"requirements",
                   {{{"description", "Título de concesión de pozos"},
                     {"original", true},
                     {"copies", 1}}}}}),
          editor);
  Publish("municipio-durango",
          Record("MDGO-AG-003", "Permiso de riego",
                 {{"description", "Para regar parcelas con agua de pozos."}}),
          editor);
  Publish("municipio-durango",
          Record("MDGO-AG-002", "Registro de aprovechamiento", {{"keywords", {"pozos"}}}), editor);
  Publish("municipio-durango", Record("MDGO-AG-001", "Perforación de pozos"), editor);
  const json page = Search("municipio-durango", "pozo");
  EXPECT_EQ(page["match"], "full_text");
  EXPECT_EQ(Names(page),
            (std::vector<std::string>{"Perforación de pozos", "Registro de aprovechamiento",
                                      "Permiso de riego", "Permiso de descarga"}))
      << page.dump();
}

TEST_F(SearchTest, AMisspellingFindsItThroughTrigramSuggestions) {
  SeedLicences(MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango"));
  const json page = Search("municipio-durango", "lisencia de contruccion");
  EXPECT_EQ(page["match"], "suggestions") << page.dump();
  const auto names = Names(page);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "Licencia de construcción") << page.dump();
  for (const auto& name : names) EXPECT_NE(name, "Permiso de demolición");
  // Nothing alike at all: an empty page, still saying what it tried.
  const json nothing = Search("municipio-durango", "xylofón");
  EXPECT_EQ(nothing["match"], "suggestions");
  EXPECT_TRUE(nothing["items"].empty()) << nothing.dump();
  EXPECT_TRUE(nothing["next_cursor"].is_null());
}

TEST_F(SearchTest, FiltersKindAudienceCategoryAndOnline) {
  const std::string editor =
      MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango");
  Publish("municipio-durango", Record("MDGO-01", "Licencia de construcción"), editor);
  Publish("municipio-durango",
          Record("MDGO-02", "Licencia de anuncios",
                 {{"kind", "service"}, {"audience", "businesses"}, {"category", "comercio"}}),
          editor);
  Publish("municipio-durango",
          Record("MDGO-03", "Licencia en línea",
                 {{"online", true},
                  {"online_url", "https://tramites.municipiodurango.gob.mx/licencia"},
                  {"category", "Desarrollo Urbano"}}),
          editor);
  auto names = [&](const std::string& query) {
    auto result = Names(Get("municipio-durango", "/procedures?" + query));
    std::sort(result.begin(), result.end());
    return result;
  };
  EXPECT_EQ(names("kind=service"), (std::vector<std::string>{"Licencia de anuncios"}));
  EXPECT_EQ(names("kind=procedure&q=licencia"),
            (std::vector<std::string>{"Licencia de construcción", "Licencia en línea"}));
  EXPECT_EQ(names("audience=businesses&q=licencia"),
            (std::vector<std::string>{"Licencia de anuncios"}));
  EXPECT_EQ(names("audience=both"),
            (std::vector<std::string>{"Licencia de construcción", "Licencia en línea"}));
  // Category without accents or case: "desarrollo urbano" and "Desarrollo Urbano".
  EXPECT_EQ(names("category=DESARROLLO%20URBANO"),
            (std::vector<std::string>{"Licencia de construcción", "Licencia en línea"}));
  EXPECT_EQ(names("online=true"), (std::vector<std::string>{"Licencia en línea"}));
  EXPECT_EQ(names("online=false&q=licencia"),
            (std::vector<std::string>{"Licencia de anuncios", "Licencia de construcción"}));
  // A filter that excludes everything full text found: no suggestions of
  // another kind sneak in either.
  EXPECT_TRUE(Get("municipio-durango", "/procedures?q=anuncios&kind=procedure")["items"].empty());
  // Unknown enum values are refused by the route's declaration.
  EXPECT_EQ(Call("GET", Path("municipio-durango", "/procedures?kind=tramite")).status, 400);
  EXPECT_EQ(Call("GET", Path("municipio-durango", "/procedures?online=si")).status, 400);
}

TEST_F(SearchTest, TheStateSearchesItsSingleCatalogueAndEachResultSaysItsTenant) {
  Publish("municipio-durango", Record("MDGO-DU-001", "Licencia de construcción"),
          MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango"));
  Publish("gomez-palacio", Record("GP-DU-001", "Licencia de construcción"),
          MakeUser("editora@gomez-palacio.mx", "editor", "gomez-palacio"));
  Publish("durango", Record("DGO-SE-001", "Licencia de construcción en carreteras estatales"),
          MakeUser("editora@durango.mx", "editor", "durango"));
  const json state = Search("durango", "licencia construcción", "&include_descendants=true");
  EXPECT_EQ(state["match"], "full_text");
  std::multiset<std::string> tenants;
  for (const auto& item : state["items"]) tenants.insert(item.value("tenant", std::string()));
  EXPECT_EQ(tenants, (std::multiset<std::string>{"durango", "gomez-palacio", "municipio-durango"}))
      << state.dump();
  // The two exact names first (ties by id), the state's longer one last.
  EXPECT_EQ(state["items"][2]["tenant"], "durango");
  // Without include_descendants, only the state's own.
  const json own = Search("durango", "licencia construcción");
  ASSERT_EQ(own["items"].size(), 1u) << own.dump();
  EXPECT_EQ(own["items"][0]["tenant"], "durango");
  // The catalogue (no q) and the suggestions cover the descendants too.
  EXPECT_EQ(Get("durango", "/procedures?include_descendants=true")["items"].size(), 3u);
  const json suggested = Search("durango", "lisencia de contruccion", "&include_descendants=true");
  EXPECT_EQ(suggested["match"], "suggestions");
  EXPECT_EQ(suggested["items"].size(), 3u) << suggested.dump();
  // A municipality never sees its siblings or its state.
  const json municipality =
      Search("gomez-palacio", "licencia construcción", "&include_descendants=true");
  ASSERT_EQ(municipality["items"].size(), 1u);
  EXPECT_EQ(municipality["items"][0]["tenant"], "gomez-palacio");
}

TEST_F(SearchTest, ADraftIsNeverFoundByThePublicButWritersSearchWorkingCopies) {
  const std::string editor =
      MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango");
  const std::string auditor =
      MakeUser("auditor@municipio-durango.mx", "auditor", "municipio-durango");
  const std::string citizen = MakeUser("persona@correo.mx", "citizen", "municipio-durango");
  const json draft = Post("municipio-durango", "/procedures",
                          Record("MDGO-ZZ-001", "Licencia de zoológicos privados"), editor, 201);
  const std::string published =
      Publish("municipio-durango", Record("MDGO-ZZ-002", "Licencia de acuarios"), editor);
  // The published record's working copy is renamed; the public still sees
  // the version it was published as.
  {
    const std::string path = Path("municipio-durango", "/procedures/" + published);
    auto current = Call("GET", path, "", editor);
    ASSERT_EQ(current.status, 200) << current.body;
    auto edited = Call("PATCH", path, json{{"name", "Licencia de acuarios y zoológicos"}}.dump(),
                       editor, {{"If-Match", current.Header("etag")}});
    ASSERT_EQ(edited.status, 200) << edited.body;
  }
  for (const std::string& token : {std::string(), citizen}) {
    const json page = Search("municipio-durango", "zoológicos", "", token);
    EXPECT_TRUE(page["items"].empty()) << page.dump();  // neither full text nor suggestions
    const json licences = Search("municipio-durango", "licencia", "", token);
    EXPECT_EQ(Names(licences), (std::vector<std::string>{"Licencia de acuarios"}));
    EXPECT_EQ(licences["items"][0]["status"], "published");
    const json catalogue = Get("municipio-durango", "/procedures", token);
    EXPECT_EQ(Ids(catalogue), (std::vector<std::string>{published}));
    EXPECT_EQ(Search("municipio-durango", "zoologico privado", "", token)["items"].size(), 0u);
  }
  // Writers (and auditors) search the working copies: both, drafts included.
  for (const std::string& token : {editor, auditor}) {
    const json page = Search("municipio-durango", "zoologicos", "", token);
    EXPECT_EQ(page["match"], "full_text");
    std::set<std::string> found;
    for (const auto& item : page["items"]) found.insert(item.value("name", std::string()));
    EXPECT_EQ(found, (std::set<std::string>{"Licencia de zoológicos privados",
                                            "Licencia de acuarios y zoológicos"}))
        << page.dump();
    const json misspelt = Search("municipio-durango", "lisencia de zoologicos", "", token);
    EXPECT_FALSE(misspelt["items"].empty());
    const json catalogue = Get("municipio-durango", "/procedures", token);
    EXPECT_EQ(catalogue["items"].size(), 2u);
    bool saw_draft = false;
    for (const auto& item : catalogue["items"]) {
      if (item["id"] == draft["id"]) saw_draft = item["status"] == "draft";
    }
    EXPECT_TRUE(saw_draft) << catalogue.dump();
  }
}

TEST_F(SearchTest, ABadQueryIsASpanish422) {
  const std::string long_q(201, 'a');
  const std::string many_words =
      "uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece";
  for (const std::string& q : {long_q, many_words, std::string("licencia \xC2\x85obra"),
                               std::string("licencia\xC2\x9B")}) {
    auto result = Call("GET", Path("municipio-durango", "/procedures?q=" + Encode(q)));
    EXPECT_EQ(result.status, 422) << q << ": " << result.body;
    const json problem = json::parse(result.body, nullptr, false);
    ASSERT_TRUE(problem.contains("errors")) << result.body;
    EXPECT_EQ(problem["errors"][0]["field"], "q");
    EXPECT_NE(problem["errors"][0]["message"].get<std::string>().find("búsqueda"),
              std::string::npos)
        << result.body;
  }
  // C0 controls and DEL never reach the module: the host refuses them in any
  // query value with a Spanish 400 (dispatcher.cc), before the route runs.
  for (const std::string& q : {std::string("licencia\nconstrucción"), std::string("licencia\tobra"),
                               std::string("a\x01"), std::string("a\x7f")}) {
    auto result = Call("GET", Path("municipio-durango", "/procedures?q=" + Encode(q)));
    EXPECT_EQ(result.status, 400) << q << ": " << result.body;
    EXPECT_NE(result.body.find("caracteres de control"), std::string::npos) << result.body;
  }
  // 200 characters of accented letters are 200, not 400 bytes' worth.
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "ó";
  EXPECT_EQ(Call("GET", Path("municipio-durango", "/procedures?q=" + Encode(accents))).status, 200);
  // Twelve words are fine; blanks alone are the catalogue.
  EXPECT_EQ(Call("GET", Path("municipio-durango",
                             "/procedures?q=" + Encode("uno dos tres cuatro cinco seis siete "
                                                       "ocho nueve diez once doce")))
                .status,
            200);
  EXPECT_TRUE(Get("municipio-durango", "/procedures?q=%20%20")["match"].is_null());
  // A cursor of another kind of page is a 400, not a wrong page.
  const std::string editor =
      MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango");
  Publish("municipio-durango", Record("MDGO-01", "Licencia de construcción"), editor);
  Publish("municipio-durango", Record("MDGO-02", "Licencia de funcionamiento"), editor);
  const json catalogue = Get("municipio-durango", "/procedures?limit=1");
  ASSERT_TRUE(catalogue["next_cursor"].is_string());
  auto mixed = Call(
      "GET", Path("municipio-durango", "/procedures?q=licencia&cursor=" +
                                           Encode(catalogue["next_cursor"].get<std::string>())));
  EXPECT_EQ(mixed.status, 400) << mixed.body;
}

TEST_F(SearchTest, PagingThroughSearchResultsHasNoDuplicatesOrGaps) {
  const std::string editor =
      MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango");
  // Ties on purpose: identical names rank and resemble q alike, so only the
  // id separates them.
  const std::vector<std::string> names = {
      "Licencia de construcción",   "Licencia de construcción",
      "Licencia de construcción",   "Licencia de construcción para obra menor",
      "Licencia de funcionamiento", "Renovación de licencia",
      "Licencia de anuncios",       "Licencia de conducir",
      "Constancia de construcción"};
  for (size_t i = 0; i < names.size(); ++i) {
    Publish("municipio-durango", Record("MDGO-P-" + std::to_string(i), names[i]), editor);
  }
  auto walk = [&](const std::string& q, int limit) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int pages = 0; pages < 50; ++pages) {
      const json page = Search(
          "municipio-durango", q,
          "&limit=" + std::to_string(limit) + (cursor.empty() ? "" : "&cursor=" + Encode(cursor)));
      for (const auto& id : Ids(page)) ids.push_back(id);
      if (page["next_cursor"].is_null()) break;
      cursor = page["next_cursor"].get<std::string>();
    }
    return ids;
  };
  for (const char* q : {"licencia", "lisencia de construcsion"}) {
    const std::vector<std::string> all = walk(q, 100);
    EXPECT_GE(all.size(), 4u) << q;
    for (int limit : {1, 2, 3}) {
      EXPECT_EQ(walk(q, limit), all) << q << " limit " << limit;
    }
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size()) << q;
  }
  EXPECT_EQ(walk("licencia", 100).size(), 8u);
  EXPECT_EQ(Search("municipio-durango", "lisencia de construcsion")["match"], "suggestions");
}

TEST_F(SearchTest, TheCatalogueListsTombstonesOfWithdrawnRecordsWithUpdatedSince) {
  const std::string editor =
      MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango");
  const std::string kept = Publish("municipio-durango", Record("MDGO-01", "Licencia A"), editor);
  const std::string gone = Publish("municipio-durango", Record("MDGO-02", "Licencia B"), editor);
  Post("municipio-durango", "/procedures", Record("MDGO-03", "Licencia C (borrador)"), editor, 201);
  // Paging the catalogue one by one: both published, in order, no drafts.
  const json first = Get("municipio-durango", "/procedures?limit=1");
  ASSERT_EQ(Ids(first), (std::vector<std::string>{kept}));
  const json second = Get("municipio-durango", "/procedures?limit=1&cursor=" +
                                                   Encode(first["next_cursor"].get<std::string>()));
  EXPECT_EQ(Ids(second), (std::vector<std::string>{gone}));
  EXPECT_TRUE(second["next_cursor"].is_null());
  // Withdrawn: gone from the catalogue and the search, a tombstone for sync.
  {
    const std::string path = Path("municipio-durango", "/procedures/" + gone);
    auto current = Call("GET", path, "", editor);
    ASSERT_EQ(current.status, 200) << current.body;
    ASSERT_EQ(Call("DELETE", path, "", editor, {{"If-Match", current.Header("etag")}}).status, 204);
  }
  EXPECT_EQ(Ids(Get("municipio-durango", "/procedures")), (std::vector<std::string>{kept}));
  EXPECT_EQ(Ids(Search("municipio-durango", "licencia")), (std::vector<std::string>{kept}));
  const json sync =
      Get("municipio-durango", "/procedures?updated_since=2000-01-01T00:00:00Z&kind=service");
  ASSERT_EQ(sync["items"].size(), 1u) << sync.dump();  // the filter keeps A out, not the tombstone
  EXPECT_EQ(sync["items"][0]["id"], gone);
  EXPECT_EQ(sync["items"][0]["deleted"], true);
  EXPECT_EQ(sync["items"][0]["tenant"], "municipio-durango");
  EXPECT_EQ(
      Get("municipio-durango", "/procedures?updated_since=2000-01-01T00:00:00Z")["items"].size(),
      2u);
  // The inverted list followed the withdrawal: no row of a closed version.
  pqxx::connection owner(database_.owner_url());
  pqxx::work work(owner);
  work.exec(
      "SELECT set_config('cabildo.tenant_ids', "
      "(SELECT string_agg(id::text, ',') FROM core.tenants), true)");
  EXPECT_EQ(work.exec_params1("SELECT count(*) FROM procedure_registry.search_terms "
                              "WHERE procedure_id = $1::uuid",
                              gone)[0]
                .as<int>(),
            0);
  EXPECT_GT(work.exec_params1("SELECT count(*) FROM procedure_registry.search_terms "
                              "WHERE procedure_id = $1::uuid",
                              kept)[0]
                .as<int>(),
            0);
}

TEST_F(SearchTest, RepublishingMovesTheSearchToTheNewVersion) {
  const std::string editor =
      MakeUser("editora@municipio-durango.mx", "editor", "municipio-durango");
  const std::string id =
      Publish("municipio-durango", Record("MDGO-01", "Licencia de rodeos"), editor);
  const std::string path = Path("municipio-durango", "/procedures/" + id);
  auto current = Call("GET", path, "", editor);
  ASSERT_EQ(current.status, 200);
  ASSERT_EQ(Call("PATCH", path, json{{"name", "Licencia de jaripeos"}}.dump(), editor,
                 {{"If-Match", current.Header("etag")}})
                .status,
            200);
  EXPECT_EQ(Search("municipio-durango", "rodeos")["items"].size(), 1u);  // still published
  ASSERT_EQ(
      Call("POST", Path("municipio-durango", "/procedures/" + id + "/publish"), "", editor).status,
      200);
  EXPECT_EQ(Search("municipio-durango", "jaripeos")["match"], "full_text");
  EXPECT_EQ(Ids(Search("municipio-durango", "jaripeos")), (std::vector<std::string>{id}));
  EXPECT_NE(Search("municipio-durango", "rodeos")["match"], "full_text");
}

}  // namespace
}  // namespace cabildo::testing
