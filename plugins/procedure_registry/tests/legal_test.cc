// MissingLegalItems without a server: each item LGMR art. 46 requires,
// removed in turn from a complete record, is reported with its field and
// fraction; all of them at once; a complete record publishes.
#include "legal.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sample_procedure.h"

namespace cabildo::plugins::procedure_registry {
namespace {

using nlohmann::json;

// The fixture's complete record (sample_procedure.h), with its homoclave.
json Complete() { return testing::CompleteProcedure("MDGO-DU-001", "Licencia de construcción"); }

const std::vector<testing::LegalItem>& Items() { return testing::LegalItems(); }

using testing::Without;

TEST(MissingLegalItems, CompleteRecordMayBePublished) {
  EXPECT_TRUE(MissingLegalItems(Complete()).empty());
}

TEST(MissingLegalItems, EachRequiredItemMissingInTurnIsNamedWithItsFraction) {
  for (const auto& item : Items()) {
    SCOPED_TRACE(item.pointer);
    const auto missing = MissingLegalItems(Without(Complete(), item.pointer));
    std::string fields;
    for (const auto& m : missing) fields += m.field + " ";
    ASSERT_EQ(missing.size(), 1u) << fields;
    EXPECT_EQ(missing[0].field, item.field);
    EXPECT_EQ(missing[0].fraction, item.fraction);
    EXPECT_NE(missing[0].message.find("(art. 46, fracción " + item.fraction + ")."),
              std::string::npos)
        << missing[0].message;
    EXPECT_EQ(missing[0].message.rfind("Falta", 0), 0u) << missing[0].message;
  }
}

// Every fraction I-XVIII has at least one item in the list above.
TEST(MissingLegalItems, EveryFractionIsCovered) {
  std::set<std::string> fractions;
  for (const auto& item : Items()) fractions.insert(item.fraction);
  for (const char* f : {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
                        "XIII", "XIV", "XV", "XVI", "XVII", "XVIII"}) {
    EXPECT_TRUE(fractions.count(f)) << f;
  }
}

TEST(MissingLegalItems, BlankTextAndNullCountAsMissing) {
  json record = Complete();
  record["name"] = "   ";
  record["agency"] = nullptr;
  record["validity"] = 12;  // not text
  const auto missing = MissingLegalItems(record);
  ASSERT_EQ(missing.size(), 3u);
  EXPECT_EQ(missing[0].field, "name");
  EXPECT_EQ(missing[1].field, "agency");
  EXPECT_EQ(missing[2].field, "validity");
}

// A record with only what POST /procedures requires (less the name): every
// fraction's items at once, in fraction order. Without a submission channel
// no form is asked for (VII), nor its purpose without an inspection (VIII),
// nor payment without a cost (XII), nor an office's hours without offices (XVI).
TEST(MissingLegalItems, EverythingMissingAtOnceInFractionOrder) {
  const json bare = {{"homoclave", "MDGO-DU-001"}, {"kind", "procedure"}};
  const auto missing = MissingLegalItems(bare);
  const auto& expected = testing::MissingFromABareRecord();
  ASSERT_EQ(missing.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(missing[i].field, expected[i].first) << i;
    EXPECT_EQ(missing[i].fraction, expected[i].second) << i;
  }
  // Not an object at all: the same list, never a crash.
  EXPECT_EQ(MissingLegalItems(json::array()).size(), expected.size());
  EXPECT_EQ(MissingLegalItems(json("texto")).size(), expected.size());
}

// The conditional items: the form only when presented on a form, the purpose
// only when inspected, amount and payment only when not free.
TEST(MissingLegalItems, ConditionalItemsFollowTheirCondition) {
  json record = Complete();
  record["submission_channel"] = "free_letter";
  record.erase("form");
  record["inspection"] = {{"required", false}};
  record["cost"] = {{"free", true}};
  record.erase("payment_methods");
  EXPECT_TRUE(MissingLegalItems(record).empty());

  record["submission_channel"] = "both";
  auto missing = MissingLegalItems(record);
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].field, "form/url");
  EXPECT_EQ(missing[1].field, "form/published_on");

  json priced = Complete();
  priced["cost"].erase("amount_mxn");
  EXPECT_TRUE(MissingLegalItems(priced).empty()) << "the calculation is enough";
  priced["cost"].erase("calculation");
  missing = MissingLegalItems(priced);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].field, "cost/amount_mxn");
  EXPECT_EQ(missing[0].fraction, "XII");

  // An empty list of modalities ("no modalities") and of requirements is fine.
  json plain = Complete();
  plain["modalities"] = json::array();
  plain["requirements"] = json::array();
  EXPECT_TRUE(MissingLegalItems(plain).empty());
}

// Every office and contact channel is checked, each named by its index.
TEST(MissingLegalItems, EachListItemIsNamedByItsIndex) {
  json record = Complete();
  record["offices"].push_back({{"name", "Módulo Sur"}, {"address", "Av. 20 de Noviembre 100"}});
  record["offices"].push_back("no es una oficina");
  const auto missing = MissingLegalItems(record);
  ASSERT_EQ(missing.size(), 4u);
  EXPECT_EQ(missing[0].field, "offices/2/name");
  EXPECT_EQ(missing[1].field, "offices/2/address");
  EXPECT_EQ(missing[2].field, "offices/1/hours");
  EXPECT_EQ(missing[2].message,
            "Falta el horario de atención de la oficina 2 (art. 46, fracción XVI).");
  EXPECT_EQ(missing[3].field, "offices/2/hours");
}

}  // namespace
}  // namespace cabildo::plugins::procedure_registry
