#include "cabildo/plugin/values.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cabildo::plugin {
namespace {

TEST(ValuesTest, ParseCentavosReadsMoneyTextExactly) {
  EXPECT_EQ(ParseCentavos("1250000.00"), 125000000);
  EXPECT_EQ(ParseCentavos("1250.5"), 125050);
  EXPECT_EQ(ParseCentavos("0.1"), 10);
  EXPECT_EQ(ParseCentavos("0.01"), 1);
  EXPECT_EQ(ParseCentavos("100"), 10000);
  EXPECT_EQ(ParseCentavos("0"), 0);
  EXPECT_EQ(ParseCentavos("00012.30"), 1230);
  EXPECT_EQ(ParseCentavos("99999999999999.99"), 9999999999999999);
}

TEST(ValuesTest, ParseCentavosRefusesAnythingButMoneyText) {
  for (const char* bad : {"", ".", ".5", "5.", "-1.00", "+1", "1.005", "1,000.00", " 1", "1 ",
                          "1e3", "0x10", "1.2.3", "١٢", "999999999999999", "NaN", "1.-5"}) {
    EXPECT_FALSE(ParseCentavos(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseCentavos(std::string("1\0", 2)).has_value());
}

TEST(ValuesTest, FormatCentavosPrintsWhatPostgresqlPrints) {
  EXPECT_EQ(FormatCentavos(125050), "1250.50");
  EXPECT_EQ(FormatCentavos(5), "0.05");
  EXPECT_EQ(FormatCentavos(0), "0.00");
  EXPECT_EQ(FormatCentavos(100011), "1000.11");
  EXPECT_EQ(FormatCentavos(9999999999999999), "99999999999999.99");
  EXPECT_EQ(FormatCentavos(-5), "-0.05");
  EXPECT_EQ(FormatCentavos(std::numeric_limits<int64_t>::min()), "-92233720368547758.08");
  for (const char* text : {"0.00", "1.10", "1234567.89", "765432.12"}) {
    EXPECT_EQ(FormatCentavos(*ParseCentavos(text)), text);
  }
}

TEST(ValuesTest, PgArraysQuoteAndEscapeEveryElement) {
  EXPECT_EQ(PgArray({}), "{}");
  EXPECT_EQ(PgArray({"0b7e5a8e-5c1f-4d7e-9a51-0c6f6f0a2b11", "1f0c"}),
            "{\"0b7e5a8e-5c1f-4d7e-9a51-0c6f6f0a2b11\",\"1f0c\"}");
  EXPECT_EQ(PgTextArray({"a,b", "{c}", "NULL", "d\"e", "f\\g", ""}),
            "{\"a,b\",\"{c}\",\"NULL\",\"d\\\"e\",\"f\\\\g\",\"\"}");
}

}  // namespace
}  // namespace cabildo::plugin
