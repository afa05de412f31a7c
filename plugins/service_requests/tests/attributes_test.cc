#include "attributes.h"

#include <gtest/gtest.h>

namespace cabildo::plugins::service_requests {
namespace {

using nlohmann::json;

json Definitions() {
  return json::array(
      {{{"code", "aviso"},
        {"variable", false},
        {"datatype", "text"},
        {"order", 0},
        {"description", "Se atiende en 72 horas."}},
       {{"code", "tipo"},
        {"datatype", "singlevaluelist"},
        {"required", true},
        {"order", 1},
        {"description", "¿Qué hay?"},
        {"values",
         {{{"key", "basura"}, {"name", "Basura"}}, {{"key", "escombro"}, {"name", "Escombro"}}}}},
       {{"code", "materiales"},
        {"datatype", "multivaluelist"},
        {"order", 2},
        {"description", "Materiales"},
        {"values", {{{"key", "pet"}, {"name", "PET"}}, {{"key", "vidrio"}, {"name", "Vidrio"}}}}},
       {{"code", "volumen"}, {"datatype", "number"}, {"order", 3}, {"description", "Volumen"}},
       {{"code", "visto"}, {"datatype", "datetime"}, {"order", 4}, {"description", "Cuándo"}},
       {{"code", "nota"}, {"datatype", "string"}, {"order", 5}, {"description", "Nota"}}});
}

std::vector<std::string> Fields(const std::vector<FieldError>& errors) {
  std::vector<std::string> fields;
  for (const auto& error : errors) fields.push_back(error.field);
  return fields;
}

TEST(AttributeDefinitionsTest, AcceptsEveryDatatype) {
  EXPECT_TRUE(CheckAttributeDefinitions(Definitions()).empty());
  EXPECT_TRUE(CheckAttributeDefinitions(json::array()).empty());
}

TEST(AttributeDefinitionsTest, NamesEachMistakeByItsPlace) {
  json bad = json::array(
      {{{"code", "a b"}, {"datatype", "string"}, {"description", "x"}},
       {{"code", "lista"}, {"datatype", "singlevaluelist"}, {"description", "x"}},
       {{"code", "lista2"},
        {"datatype", "multivaluelist"},
        {"description", "x"},
        {"values", {{{"key", "a"}, {"name", "A"}}, {{"key", "a"}, {"name", "Otra A"}}}}},
       {{"code", "num"},
        {"datatype", "number"},
        {"description", "x"},
        {"values", {{{"key", "a"}, {"name", "A"}}}}},
       {{"code", "num"},
        {"datatype", "fecha"},
        {"description", ""},
        {"required", "sí"},
        {"order", -1},
        {"extra", 1}}});
  EXPECT_EQ(Fields(CheckAttributeDefinitions(bad)),
            (std::vector<std::string>{"attributes[0].code", "attributes[1].values",
                                      "attributes[2].values[1].key", "attributes[3].values",
                                      "attributes[4].extra", "attributes[4].code",
                                      "attributes[4].datatype", "attributes[4].required",
                                      "attributes[4].order", "attributes[4].description"}));
  EXPECT_EQ(Fields(CheckAttributeDefinitions(json::object())),
            std::vector<std::string>{"attributes"});
  json many = json::array();
  for (int i = 0; i < 51; ++i) {
    many.push_back(
        {{"code", "c" + std::to_string(i)}, {"datatype", "string"}, {"description", "x"}});
  }
  EXPECT_EQ(CheckAttributeDefinitions(many).size(), 1u);
}

TEST(AttributeDefinitionsTest, PublishesEveryFieldInOrder) {
  json published = PublishedAttributes(
      json::array({{{"code", "b"}, {"datatype", "string"}, {"order", 2}, {"description", "B"}},
                   {{"code", "a"}, {"datatype", "number"}, {"order", 1}, {"description", "A"}}}));
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0]["code"], "a");
  EXPECT_EQ(published[0]["variable"], true);
  EXPECT_EQ(published[0]["required"], false);
  EXPECT_EQ(published[0]["datatype_description"], "");
  EXPECT_EQ(published[0]["values"], json::array());
}

TEST(AnswersTest, KeepsValidAnswersInTheirTypes) {
  CheckedAnswers checked = CheckAnswers(Definitions(), {{"tipo", "escombro"},
                                                        {"materiales", {"pet", "vidrio"}},
                                                        {"volumen", "0.5"},
                                                        {"visto", "2026-12-06T10:30:00-06:00"},
                                                        {"nota", "Frente a la escuela"}});
  EXPECT_TRUE(checked.errors.empty());
  EXPECT_EQ(checked.values["tipo"], "escombro");
  EXPECT_EQ(checked.values["materiales"], (json{"pet", "vidrio"}));
  EXPECT_EQ(checked.values["volumen"], 0.5);
  // A form's one-element list is the value; a single multivalue is a list of one.
  checked = CheckAnswers(Definitions(), {{"tipo", {"basura"}}, {"materiales", "pet"}});
  EXPECT_TRUE(checked.errors.empty());
  EXPECT_EQ(checked.values["tipo"], "basura");
  EXPECT_EQ(checked.values["materiales"], (json{"pet"}));
  EXPECT_FALSE(checked.values.contains("volumen"));
}

TEST(AnswersTest, RefusesWhatTheDefinitionDoesNotAllow) {
  CheckedAnswers checked = CheckAnswers(Definitions(), {{"materiales", {"pet", "pet"}},
                                                        {"volumen", "mucho"},
                                                        {"visto", "ayer"},
                                                        {"aviso", "hola"},
                                                        {"inventado", "x"},
                                                        {"nota", std::string(2001, 'a')}});
  EXPECT_EQ(
      Fields(checked.errors),
      (std::vector<std::string>{"attribute[aviso]", "attribute[tipo]", "attribute[materiales]",
                                "attribute[volumen]", "attribute[visto]", "attribute[nota]",
                                "attribute[inventado]"}));
  for (const char* number : {"nan", "inf", "0x10", "1e999", "", "1,5"}) {
    EXPECT_EQ(CheckAnswers(Definitions(), {{"tipo", "basura"}, {"volumen", number}}).errors.size(),
              std::string(number).empty() ? 0u : 1u)
        << number;
  }
  EXPECT_EQ(CheckAnswers(Definitions(), {{"tipo", "otra"}}).errors.size(), 1u);
  EXPECT_EQ(CheckAnswers(Definitions(), {{"tipo", {"basura", "escombro"}}}).errors.size(), 1u);
  EXPECT_EQ(CheckAnswers(Definitions(), json::array()).errors.size(), 1u);
}

}  // namespace
}  // namespace cabildo::plugins::service_requests
