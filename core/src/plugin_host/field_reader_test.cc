#include <gtest/gtest.h>

#include "cabildo/plugin/plugin_api.h"

namespace cabildo::plugin {
namespace {

using nlohmann::json;

TEST(FieldReaderTest, ReadsValidFields) {
  json body = {{"title", "Unidad deportiva"}, {"budget_mxn", "1250000.50"},
               {"published", true},           {"pct", 45.5},
               {"status", "implementation"},  {"start_date", "2026-03-01"}};
  FieldReader in(body);
  EXPECT_EQ(in.String("title", true, 200), "Unidad deportiva");
  EXPECT_EQ(in.Money("budget_mxn", true), "1250000.50");
  EXPECT_EQ(in.Bool("published", true), true);
  EXPECT_EQ(in.Number("pct", true, 0, 100), 45.5);
  EXPECT_EQ(in.OneOf("status", true, {"identification", "implementation"}), "implementation");
  EXPECT_EQ(in.Date("start_date", true), "2026-03-01");
  EXPECT_FALSE(in.String("missing", false).has_value());
  EXPECT_TRUE(in.ok());
}

TEST(FieldReaderTest, CollectsOneSpanishMessagePerBadField) {
  json body = {{"title", 5},          {"budget_mxn", "-10"},   {"published", "sí"},
               {"pct", 150},          {"status", "terminada"}, {"start_date", "2026-13-01"},
               {"spent_mxn", 1000.5}, {"name", "   "}};
  FieldReader in(body);
  in.String("title", true);
  in.Money("budget_mxn", true);
  in.Bool("published", true);
  in.Number("pct", true, 0, 100);
  in.OneOf("status", true, {"identification", "implementation"});
  in.Date("start_date", true);
  in.Money("spent_mxn", true);  // a float is not money
  in.String("name", true);
  in.String("absent", true);
  ASSERT_EQ(in.errors().size(), 9u);
  EXPECT_EQ(in.errors()[3].field, "pct");
  EXPECT_EQ(in.errors()[3].message, "Debe estar entre 0 y 100.");
  EXPECT_EQ(in.errors()[8].message, "Este campo es obligatorio.");
}

TEST(FieldReaderTest, DateIsARealCalendarDayFromYearOne) {
  for (const char* good : {"2026-02-28", "2028-02-29", "0001-01-01", "9999-12-31"}) {
    json body = {{"date", good}};
    FieldReader in(body);
    EXPECT_EQ(in.Date("date", true), good) << good;
    EXPECT_TRUE(in.ok()) << good;
  }
  for (const char* bad :
       {"2026-02-31", "2025-02-29", "2026-04-31", "0000-01-01", "0000-06-15", "2026-00-10",
        "2026-13-01", "2026-01-00", "2026-1-010", "20260-1-01", "2026/01/01", "-026-01-01"}) {
    json body = {{"date", bad}};
    FieldReader in(body);
    EXPECT_FALSE(in.Date("date", true).has_value()) << bad;
    ASSERT_EQ(in.errors().size(), 1u) << bad;
    EXPECT_EQ(in.errors()[0].field, "date");
    EXPECT_NE(in.errors()[0].message.find("fecha"), std::string::npos) << bad;
  }
}

TEST(FieldReaderTest, MoneyIsADecimalStringWithAtMostTwoDecimals) {
  for (const char* good : {"0", "0.5", "10.25", "12345678901234.99"}) {
    EXPECT_TRUE(FieldReader::IsMoney(good)) << good;
  }
  for (const char* bad :
       {"", ".5", "1.", "1.234", "-1", "1e6", "1,000.00", "123456789012345", " 1"}) {
    EXPECT_FALSE(FieldReader::IsMoney(bad)) << bad;
  }
}

}  // namespace
}  // namespace cabildo::plugin
