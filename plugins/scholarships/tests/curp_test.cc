// The CURP rules (curp.h) against published test vectors and vectors
// computed for each rule.
//
// Published: python-stdnum (arthurdejong/python-stdnum, LGPL), the doctest of
// stdnum/mx/curp.py (BOXW310820HNERXN09 valid, ...08 a wrong check digit,
// born 1931-08-20, male) and tests/test_mx_curp.doctest (its valid list and
// its corner cases: an impossible date PEGL891313MJCRMS06, a bad sex letter
// PEGL890909QJCRMS08, an unknown state PEGL890909MQQRMS02, a wrong check
// digit PEGL890909MJCRMS09, each with an otherwise correct check digit).
//
// Computed here: each vector below marked "computed" was built by hand for
// one rule and its check digit computed independently of plugin::
// CurpCheckDigit, with python-stdnum's algorithm (alphabet
// "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ", weights 18..2, (10 - sum % 10) %
// 10) in Python 3, so that a vector fails for exactly its rule:
//   GOMC050312HDGRRLA1  valid, born 2005-03-12 (a letter in 17: 20YY)
//   GOMC050312MDGRRLA1  valid, the same with M
//   LOPM000229MDGPRRA9  valid, 2000-02-29 (a leap day from 2000)
//   LOPM000229MDGPRR09  impossible date: 1900-02-29 (a digit in 17: 19YY)
//   GOMC990230HDGRRL02  impossible date: 30 February
//   GOMC051312HDGRRLA9  impossible date: month 13
//   GOMC050312XDGRRLA5  sex letter X (RENAPO's CURP holds H or M)
//   GOMC050312HXXRRLA6  unknown state code XX
//   GOMC050312HDGARLA1  a vowel among the inner consonants (14-16)
//   GOMC050312HDGR2LA5  a digit among the inner consonants (found by the
//                       fuzz target: the first draft only refused vowels)
#include "curp.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cabildo/plugin/text_checks.h"

namespace cabildo::plugins::scholarships {
namespace {

// python-stdnum's doctest list: "found online and should all be valid".
const std::vector<std::string> kPublishedValid = {
    "BOXW310820HNERXN09", "HEGG560427MVZRRL04", "BEML920313HMCLNS09", "PEGL890909MJCRMS08",
    "AAAA000101HDFCCC09", "AAMG890608HDFLJL00", "BAAA890317HDFRLL03", "BAAD890419HMNRRV07",
    "HEGR891009HMNRRD09", "MARR890512HMNRMN09", "MESJ890928HMNZNS00", "OOMG890727HMNRSR06",
    "TOMA880125HMNRRN02", "TOMA880125HMNRRNO2", "VIAA900930MMNCLL08"};

// Whether `problem` names the rule: its reason holds `words`.
void ExpectReason(const std::string& curp, const std::string& words) {
  const std::optional<std::string> problem = CurpProblem(curp);
  ASSERT_TRUE(problem.has_value()) << "accepted, expected a problem with: " << words;
  EXPECT_NE(problem->find(words), std::string::npos) << *problem;
  // The reason never quotes what was typed (it is personal data).
  if (curp.size() >= 4) {
    EXPECT_EQ(problem->find(curp), std::string::npos) << *problem;
  }
  // The same verdict as the JSON Schema format "curp".
  EXPECT_FALSE(plugin::IsCurp(curp));
}

TEST(CurpTest, PythonStdnumDoctestVector) {
  EXPECT_EQ(CurpProblem("BOXW310820HNERXN09"), std::nullopt);
  EXPECT_EQ(BirthDateOf("BOXW310820HNERXN09"), "1931-08-20");
  EXPECT_EQ(SexOf("BOXW310820HNERXN09"), 'H');
  ExpectReason("BOXW310820HNERXN08", "dígito verificador");
}

TEST(CurpTest, PythonStdnumValidListIsValid) {
  for (const std::string& curp : kPublishedValid) {
    EXPECT_EQ(CurpProblem(curp), std::nullopt) << curp;
    EXPECT_TRUE(plugin::IsCurp(curp)) << curp;
    EXPECT_TRUE(BirthDateOf(curp).has_value()) << curp;
  }
  // What the doctest says about them.
  EXPECT_EQ(BirthDateOf("HEGG560427MVZRRL04"), "1956-04-27");
  EXPECT_EQ(SexOf("HEGG560427MVZRRL04"), 'M');
  EXPECT_EQ(BirthDateOf("BEML920313HMCLNS09"), "1992-03-13");
  EXPECT_EQ(BirthDateOf("PEGL890909MJCRMS08"), "1989-09-09");
  EXPECT_EQ(SexOf("PEGL890909MJCRMS08"), 'M');
  // A digit in 17 is a birth before 2000, a letter one from 2000 (python-
  // stdnum's rule too), even when that is in the future: "O" (25) and "0"
  // weigh the same at position 17 (x2), so both of these pass. The form is
  // all a CURP can prove; the call's age rule sees the birth date.
  EXPECT_EQ(BirthDateOf("TOMA880125HMNRRN02"), "1988-01-25");
  EXPECT_EQ(BirthDateOf("TOMA880125HMNRRNO2"), "2088-01-25");
}

TEST(CurpTest, PythonStdnumCornerCases) {
  ExpectReason("1230", "18 caracteres");
  ExpectReason("123ZZZZZZZZZZZZZ90", "4 primeros caracteres");
  ExpectReason("PEGL891313MJCRMS06", "fecha de nacimiento que exista");
  ExpectReason("PEGL890909QJCRMS08", "H (hombre) o M (mujer)");
  ExpectReason("PEGL890909MQQRMS02", "entidad de nacimiento");
  ExpectReason("PEGL890909MJCRMS09", "dígito verificador");
}

TEST(CurpTest, ComputedVectors) {
  EXPECT_EQ(CurpProblem("GOMC050312HDGRRLA1"), std::nullopt);
  EXPECT_EQ(BirthDateOf("GOMC050312HDGRRLA1"), "2005-03-12");
  EXPECT_EQ(SexOf("GOMC050312HDGRRLA1"), 'H');
  EXPECT_EQ(CurpProblem("GOMC050312MDGRRLA1"), std::nullopt);
  EXPECT_EQ(SexOf("GOMC050312MDGRRLA1"), 'M');
  EXPECT_EQ(CurpProblem("LOPM000229MDGPRRA9"), std::nullopt);
  EXPECT_EQ(BirthDateOf("LOPM000229MDGPRRA9"), "2000-02-29");

  ExpectReason("LOPM000229MDGPRR09", "fecha de nacimiento que exista");  // 1900-02-29
  ExpectReason("GOMC990230HDGRRL02", "fecha de nacimiento que exista");  // 990230
  ExpectReason("GOMC051312HDGRRLA9", "fecha de nacimiento que exista");  // month 13
  ExpectReason("GOMC050312XDGRRLA5", "H (hombre) o M (mujer)");
  ExpectReason("GOMC050312HXXRRLA6", "entidad de nacimiento");
  ExpectReason("GOMC050312HDGARLA1", "consonantes");
  ExpectReason("GOMC050312HDGR2LA5", "consonantes");
  // Every other check digit of a valid CURP is wrong.
  for (char digit = '0'; digit <= '9'; ++digit) {
    if (digit == '1') continue;
    ExpectReason(std::string("GOMC050312HDGRRLA") + digit, "dígito verificador");
  }
}

TEST(CurpTest, LengthSaysHowManyCharacters) {
  const std::string valid = "GOMC050312HDGRRLA1";
  ExpectReason(valid.substr(0, 17), "tiene 17.");
  ExpectReason(valid + "0", "tiene 19.");
  ExpectReason("", "tiene 0.");
  ExpectReason(std::string(100'000, 'A'), "tiene 100000.");
  // Separators make it longer: the length says so first.
  ExpectReason("GOMC-050312-HDGRRLA1", "sin espacios ni guiones");
  ExpectReason("GOMC 050312HDGRRLA1", "tiene 19.");
}

TEST(CurpTest, CharactersOutsideTheAlphabet) {
  // Lower case: the same CURP, written small.
  ExpectReason("gomc050312hdgrrla1", "mayúsculas");
  ExpectReason("GOMC050312HDGrRLA1", "mayúsculas");
  // 'Ñ' (two bytes in UTF-8, so 18 characters in 19 bytes) and accents.
  ExpectReason("MUÑA050312HDGRRLA1", "Ñ");
  ExpectReason("GÓMC050312HDGRRLA1", "sin acento");
  // Punctuation of the right length.
  ExpectReason("GOMC-50312HDGRRLA1", "sin espacios, guiones ni otros signos");
  ExpectReason(std::string("GOMC050312HDGRRLA\0", 18), "otros signos");
  // Shape by position.
  ExpectReason("G0MC050312HDGRRLA1", "4 primeros caracteres de la CURP son letras");
  ExpectReason("GOMC05O312HDGRRLA1", "caracteres 5 a 10 de la CURP son dígitos");
  ExpectReason("GOMC050312HDGRRLAB", "último carácter de la CURP es un dígito");
}

TEST(CurpTest, BirthDateAndSexOfAnythingAreSafe) {
  EXPECT_EQ(BirthDateOf(""), std::nullopt);
  EXPECT_EQ(BirthDateOf("GOMC050312HDGRRLA"), std::nullopt);
  EXPECT_EQ(BirthDateOf("GOMC990230HDGRRL02"), std::nullopt);
  EXPECT_EQ(BirthDateOf("GOMC05O312HDGRRLA1"), std::nullopt);
  EXPECT_EQ(BirthDateOf("GOMC050312HDGRRL-1"), std::nullopt);
  // The century from 17: a digit before 2000, a letter from 2000.
  EXPECT_EQ(BirthDateOf("GOMC050312HDGRRL01"), "1905-03-12");
  EXPECT_EQ(SexOf(""), std::nullopt);
  EXPECT_EQ(SexOf("GOMC050312XDGRRLA5"), std::nullopt);
  EXPECT_EQ(SexOf("GOMC050312MDGRRLA"), std::nullopt);
}

}  // namespace
}  // namespace cabildo::plugins::scholarships
