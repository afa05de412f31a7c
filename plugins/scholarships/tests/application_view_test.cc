// What may be said about an application outside its full view: masks that
// keep enough to recognise one's own data and never the data itself.
#include "application_view.h"

#include <gtest/gtest.h>

namespace cabildo::plugins::scholarships {
namespace {

TEST(MaskTest, CurpHidesTheBirthDate) {
  EXPECT_EQ(MaskCurp("GOMC000101HDGRRL09"), "GOMC******HDGRRL09");
  EXPECT_EQ(MaskCurp("CORTA"), "*****");
  EXPECT_EQ(MaskCurp(std::string(40, 'A')), std::string(18, '*'));
  EXPECT_EQ(MaskCurp(""), "");
}

TEST(MaskTest, PhoneShowsOnlyItsLastFourDigits) {
  EXPECT_EQ(MaskPhone("6181234567"), "******4567");
  EXPECT_EQ(MaskPhone("1234"), "****");
  EXPECT_EQ(MaskPhone(""), "");
  EXPECT_EQ(MaskPhone(std::string(30, '9')).size(), 20u);
}

TEST(MaskTest, EmailShowsItsFirstLetterAndDomain) {
  EXPECT_EQ(MaskEmail("carla.gomez@correo.mx"), "c**********@correo.mx");
  EXPECT_EQ(MaskEmail("a@b.mx"), "a@b.mx");
  EXPECT_EQ(MaskEmail("sin-arroba"), "**********");
  EXPECT_EQ(MaskEmail("@correo.mx"), "**********");
}

TEST(AuditViewTest, KeepsTheWorkflowAndMasksTheCurpDroppingEveryOtherPersonalField) {
  const nlohmann::json full = {{"id", "a1"},
                               {"call_id", "c1"},
                               {"status", "approved"},
                               {"score", 91.5},
                               {"curp", "GOMC000101HDGRRL09"},
                               {"full_name", "Carla Gómez"},
                               {"phone", "6181234567"},
                               {"email", "carla@correo.mx"},
                               {"birth_date", "2000-01-01"},
                               {"address", {{"street", "Negrete"}}},
                               {"gpa", 9.5}};
  const nlohmann::json view = AuditView(full);
  EXPECT_EQ(view, (nlohmann::json{{"id", "a1"},
                                  {"call_id", "c1"},
                                  {"status", "approved"},
                                  {"score", 91.5},
                                  {"curp", "GOMC******HDGRRL09"}}));
}

TEST(PersonalPartTest, TakesEveryApplicantFieldAndNothingOfTheWorkflow) {
  const nlohmann::json input = {{"curp", "X"},          {"full_name", "Y"},
                                {"status", "approved"}, {"id", "a1"},
                                {"gpa", 9.0},           {"answers", {{"a", "b"}}},
                                {"score", 100},         {"privacy_notice_accepted", true}};
  EXPECT_EQ(PersonalPart(input), (nlohmann::json{{"curp", "X"},
                                                 {"full_name", "Y"},
                                                 {"gpa", 9.0},
                                                 {"answers", {{"a", "b"}}},
                                                 {"privacy_notice_accepted", true}}));
}

}  // namespace
}  // namespace cabildo::plugins::scholarships
