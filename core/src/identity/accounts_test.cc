#include <gtest/gtest.h>

#include "cabildo/core/identity.h"

namespace cabildo::core {
namespace {

// Issue 15 item 9: "1234567890" and ten spaces were accepted as passwords.
TEST(PasswordProblemTest, RefusesCommonPasswordsWhateverTheirCase) {
  EXPECT_TRUE(PasswordProblem("1234567890", "ana@ejemplo.mx", "Ana").has_value());
  EXPECT_TRUE(PasswordProblem("QwertyUIOP", "ana@ejemplo.mx", "Ana").has_value());
  EXPECT_TRUE(PasswordProblem("Contraseña123", "ana@ejemplo.mx", "Ana").has_value());
  EXPECT_NE(PasswordProblem("password123", "ana@ejemplo.mx", "Ana")->find("más usadas"),
            std::string::npos);
}

TEST(PasswordProblemTest, RefusesWhitespaceOnlyAndOneRepeatedCharacter) {
  EXPECT_TRUE(PasswordProblem(std::string(10, ' '), "ana@ejemplo.mx", "Ana").has_value());
  EXPECT_TRUE(PasswordProblem(" \t \t \t \t \t", "ana@ejemplo.mx", "Ana").has_value());
  EXPECT_TRUE(PasswordProblem("zzzzzzzzzzzz", "ana@ejemplo.mx", "Ana").has_value());
  EXPECT_TRUE(PasswordProblem("ññññññññññ", "ana@ejemplo.mx", "Ana").has_value());
  // Two alternating characters are weak but not this rule's business.
  EXPECT_FALSE(PasswordProblem("ñaño-tiene-ñ", "ana@ejemplo.mx", "Ana").has_value());
}

TEST(PasswordProblemTest, RefusesTheEmailItsLocalPartAndTheName) {
  EXPECT_TRUE(PasswordProblem("Maria.Lopez@Ejemplo.mx", "maria.lopez@ejemplo.mx", "M").has_value());
  EXPECT_TRUE(PasswordProblem("maria.lopez2026", "maria.lopez@ejemplo.mx", "M").has_value());
  EXPECT_TRUE(PasswordProblem("xMARIA.LOPEZx", "maria.lopez@ejemplo.mx", "M").has_value());
  EXPECT_TRUE(
      PasswordProblem("Guadalupe Ramírez 1", "g@ejemplo.mx", "Guadalupe Ramírez").has_value());
  EXPECT_TRUE(PasswordProblem("guadaluperamírez", "g@ejemplo.mx", "Guadalupe Ramírez").has_value());
  // Short local parts and names do not rule out everything containing them.
  EXPECT_FALSE(PasswordProblem("banana-split-77", "ana@ejemplo.mx", "Ana").has_value());
}

TEST(PasswordProblemTest, KeepsTheLengthRulesAndAcceptsAGoodPassword) {
  EXPECT_TRUE(PasswordProblem("corta", "ana@ejemplo.mx", "Ana").has_value());
  EXPECT_TRUE(PasswordProblem(std::string(1025, 'x') + "y", "ana@ejemplo.mx", "Ana").has_value());
  EXPECT_FALSE(PasswordProblem("mi-perro-come-tacos", "ana@ejemplo.mx", "Ana").has_value());
  EXPECT_FALSE(PasswordProblem("caballo-bateria-grapa", "ana@ejemplo.mx", "Ana").has_value());
}

TEST(PasswordProblemTest, ValidateNewAccountReportsItOnThePasswordField) {
  auto problems = ValidateNewAccount("ana@ejemplo.mx", std::string(10, ' '), "Ana");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field, "password");
}

}  // namespace
}  // namespace cabildo::core
