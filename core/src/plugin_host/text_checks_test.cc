#include "cabildo/plugin/text_checks.h"

#include <string>

#include <gtest/gtest.h>

namespace cabildo::plugin {
namespace {

TEST(TextChecksTest, Uuid) {
  EXPECT_TRUE(IsLowerUuid("0f8fad5b-d9cb-469f-a165-70867728950e"));
  EXPECT_FALSE(IsLowerUuid("0F8FAD5B-D9CB-469F-A165-70867728950E"));
  EXPECT_FALSE(IsLowerUuid("0f8fad5b-d9cb-469f-a165-70867728950"));
  EXPECT_FALSE(IsLowerUuid("0f8fad5bxd9cb-469f-a165-70867728950e"));
  EXPECT_FALSE(IsLowerUuid(std::string(200'000, 'a')));
}

TEST(TextChecksTest, NamesAndDigits) {
  EXPECT_TRUE(IsLowerName("public-works", 2, 63, true));
  EXPECT_FALSE(IsLowerName("1works", 2, 63, true));
  EXPECT_TRUE(IsLowerName("10-durango", 2, 63, false));
  EXPECT_FALSE(IsLowerName("a", 2, 63, false));
  EXPECT_FALSE(IsLowerName(std::string(64, 'a'), 2, 63, false));
  EXPECT_FALSE(IsLowerName("Durango", 2, 63, false));
  EXPECT_TRUE(IsDigitsOfLength("10", {2, 5}));
  EXPECT_TRUE(IsDigitsOfLength("10005", {2, 5}));
  EXPECT_FALSE(IsDigitsOfLength("100", {2, 5}));
  EXPECT_FALSE(IsDigitsOfLength("1a", {2, 5}));
  EXPECT_TRUE(IsDigitsOfLength("100050001", {2, 5, 9}));
}

TEST(TextChecksTest, Rfc3339) {
  EXPECT_TRUE(IsRfc3339Timestamp("2026-01-31T12:00:00Z"));
  EXPECT_TRUE(IsRfc3339Timestamp("2026-01-31T12:00:00.123456-06:00"));
  EXPECT_FALSE(IsRfc3339Timestamp("2026-01-31T12:00:00.1234567Z"));
  EXPECT_FALSE(IsRfc3339Timestamp("2026-01-31T12:00:00."));
  EXPECT_FALSE(IsRfc3339Timestamp("2026-01-31 12:00:00Z"));
  EXPECT_FALSE(IsRfc3339Timestamp("2026-01-31T12:00:00+0600"));
  EXPECT_FALSE(IsRfc3339Timestamp("2026-01-31"));
  EXPECT_FALSE(IsRfc3339Timestamp("2026-01-31T12:00:00" + std::string(200'000, '0') + "Z"));
}

TEST(TextChecksTest, HttpUrlCapsTheLengthFirst) {
  EXPECT_TRUE(IsHttpUrl("https://durango.gob.mx/obras/foto.jpg"));
  EXPECT_TRUE(IsHttpUrl("http://x"));
  EXPECT_FALSE(IsHttpUrl("https://"));
  EXPECT_FALSE(IsHttpUrl("ftp://x.mx/a"));
  EXPECT_FALSE(IsHttpUrl("https://x.mx/a b"));
  EXPECT_FALSE(IsHttpUrl("https://x.mx/a\nb"));
  // The 200 KB entry (std::regex overflowed the stack on it).
  EXPECT_FALSE(IsHttpUrl("https://x.mx/" + std::string(200'000, 'a')));
  EXPECT_TRUE(IsHttpUrl("https://x.mx/" + std::string(2048 - 13, 'a')));
  EXPECT_FALSE(IsHttpUrl("https://x.mx/" + std::string(2048 - 12, 'a')));
}

TEST(TextChecksTest, EmailShape) {
  EXPECT_TRUE(IsEmailShape("ana.lopez@ejemplo.mx"));
  EXPECT_FALSE(IsEmailShape("ana.lopez@ejemplo"));
  EXPECT_FALSE(IsEmailShape("@ejemplo.mx"));
  EXPECT_FALSE(IsEmailShape("ana@@ejemplo.mx"));
  EXPECT_FALSE(IsEmailShape("ana@ejemplo."));
  EXPECT_FALSE(IsEmailShape("ana lopez@ejemplo.mx"));
  EXPECT_FALSE(IsEmailShape(std::string("ana@x.mx\0z", 10)));
  EXPECT_FALSE(IsEmailShape(std::string(250, 'a') + "@x.mx"));
}

TEST(TextChecksTest, Rfc) {
  EXPECT_TRUE(IsRfc("ABC010203XY1"));
  EXPECT_TRUE(IsRfc("LOPA800101AB2"));
  EXPECT_TRUE(IsRfc("MUÑO800101AB2"));
  EXPECT_TRUE(IsRfc("A&C010203XY1"));
  EXPECT_FALSE(IsRfc("AB010203XY1"));
  EXPECT_FALSE(IsRfc("abc010203XY1"));
  EXPECT_FALSE(IsRfc("ABC01020XXY1"));
  EXPECT_FALSE(IsRfc("ABC010203XY"));
}

TEST(TextChecksTest, DateShape) {
  EXPECT_TRUE(IsDateShape("2026-02-31"));  // a shape: the calendar is the caller's
  EXPECT_FALSE(IsDateShape("2026-2-31"));
  EXPECT_FALSE(IsDateShape("2026/02/31"));
}

TEST(TextChecksTest, CalendarDate) {
  EXPECT_TRUE(IsCalendarDate("2026-02-28"));
  EXPECT_TRUE(IsCalendarDate("2024-02-29"));  // leap year
  EXPECT_TRUE(IsCalendarDate("2000-02-29"));  // divisible by 400
  EXPECT_TRUE(IsCalendarDate("0001-01-01"));
  EXPECT_TRUE(IsCalendarDate("9999-12-31"));
  EXPECT_FALSE(IsCalendarDate("1900-02-29"));  // divisible by 100, not by 400
  EXPECT_FALSE(IsCalendarDate("2026-02-29"));
  EXPECT_FALSE(IsCalendarDate("2026-02-31"));
  EXPECT_FALSE(IsCalendarDate("2026-04-31"));
  EXPECT_FALSE(IsCalendarDate("2026-13-01"));
  EXPECT_FALSE(IsCalendarDate("2026-00-10"));
  EXPECT_FALSE(IsCalendarDate("2026-01-00"));
  EXPECT_FALSE(IsCalendarDate("0000-01-01"));  // PostgreSQL has no year 0
  EXPECT_FALSE(IsCalendarDate("2026-1-01"));
  EXPECT_FALSE(IsCalendarDate("2026-01-01T00:00:00Z"));
  EXPECT_FALSE(IsCalendarDate(""));
  EXPECT_FALSE(IsCalendarDate(std::string(200'000, '1')));
}

TEST(TextChecksTest, CurpCheckDigit) {
  // Check digits computed by hand with RENAPO's algorithm; the first two are
  // published examples (Spanish Wikipedia's and a public figure's).
  EXPECT_EQ(CurpCheckDigit("HEGG560427MVZRRL0"), 4);
  EXPECT_EQ(CurpCheckDigit("LOOA531113HTCPBN0"), 7);
  EXPECT_EQ(CurpCheckDigit("GODE561231HDFRRN0"), 0);
  EXPECT_EQ(CurpCheckDigit("XEXX010101HNEXXXA"), 4);
  EXPECT_EQ(CurpCheckDigit("hEGG560427MVZRRL0"), -1);
}

TEST(TextChecksTest, Curp) {
  EXPECT_TRUE(IsCurp("HEGG560427MVZRRL04"));
  EXPECT_TRUE(IsCurp("LOOA531113HTCPBN07"));
  EXPECT_TRUE(IsCurp("GODE561231HDFRRN00"));
  EXPECT_TRUE(IsCurp("BADD110313HCMLNS06"));   // 1911: homoclave digit
  EXPECT_TRUE(IsCurp("GOMC000229MNLRRNA8"));   // 2000-02-29: homoclave letter
  EXPECT_TRUE(IsCurp("XEXX010101HNEXXXA4"));   // born abroad
  EXPECT_FALSE(IsCurp("HEGG560427MVZRRL05"));  // wrong check digit
  EXPECT_FALSE(IsCurp("HEGG560427MVZRRL0X"));
  EXPECT_FALSE(IsCurp("HEGG560427MVZRRL0"));   // 17 characters
  EXPECT_FALSE(IsCurp("hegg560427mvzrrl04"));  // lower case
  EXPECT_FALSE(IsCurp("HEGG560427XVZRRL04"));  // sex
  EXPECT_FALSE(IsCurp("HEGG560427MZZRRL04"));  // no state ZZ
  EXPECT_FALSE(IsCurp("HEGG560427MVZRAL04"));  // a vowel where a consonant goes
  EXPECT_FALSE(IsCurp("HEGG560231MVZRRL04"));  // February 31st
  EXPECT_FALSE(IsCurp("GOMC000229MNLRRN16"));  // 1900-02-29 (digit homoclave) is no day
  EXPECT_FALSE(IsCurp("MUÑO560427MVZRRL04"));  // 'Ñ' is written 'X' in a CURP
  EXPECT_FALSE(IsCurp(std::string(200'000, 'A')));
}

}  // namespace
}  // namespace cabildo::plugin
