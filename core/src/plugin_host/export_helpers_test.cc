// The SDK's export helpers: CSV cells and the row-by-row JSON array writer.
#include <string>

#include <gtest/gtest.h>

#include "cabildo/plugin/plugin_api.h"

namespace cabildo::plugin {
namespace {

using nlohmann::json;

TEST(CsvCellTest, PlainNumbersKeepTheirSign) {
  EXPECT_EQ(CsvCell("-5"), "-5");
  EXPECT_EQ(CsvCell("-1250.50"), "-1250.50");
  EXPECT_EQ(CsvCell("-104.6532"), "-104.6532");
  EXPECT_EQ(CsvCell("1250000.00"), "1250000.00");
  EXPECT_EQ(CsvCell("0"), "0");
}

TEST(CsvCellTest, FormulasAreStillDefused) {
  EXPECT_EQ(CsvCell("-1+2"), "'-1+2");
  EXPECT_EQ(CsvCell("=SUM(A1)"), "'=SUM(A1)");
  EXPECT_EQ(CsvCell("@x"), "'@x");
  EXPECT_EQ(CsvCell("+5"), "'+5");
  EXPECT_EQ(CsvCell("-"), "'-");
  EXPECT_EQ(CsvCell("-5."), "'-5.");
  EXPECT_EQ(CsvCell("-.5"), "'-.5");
  EXPECT_EQ(CsvCell("-5e3"), "'-5e3");
  EXPECT_EQ(CsvCell("--5"), "'--5");
  EXPECT_EQ(CsvCell("\t-5"), "'\t-5");
  EXPECT_EQ(CsvCell("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(CsvCell("-2,5"), "\"'-2,5\"");
  EXPECT_EQ(CsvCell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
}

TEST(CsvCellTest, QuotesPerRfc4180) {
  EXPECT_EQ(CsvCell("simple"), "simple");
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("línea\nnueva"), "\"línea\nnueva\"");
  EXPECT_EQ(CsvRow({"-5", "-1+2", "x"}), "-5,'-1+2,x\r\n");
}

TEST(JsonArrayWriterTest, AnEmptyCollectionIsAnEmptyArray) {
  std::string out;
  JsonArrayWriter writer(out);
  EXPECT_EQ(writer.Finish(), "[]");
  EXPECT_EQ(writer.count(), 0u);
}

TEST(JsonArrayWriterTest, AppendsEachRowAsItComes) {
  std::string out = "prefijo:";  // appends, never replaces
  JsonArrayWriter writer(out);
  writer.Add({{"id", 1}, {"titulo", "Pavimentación"}});
  EXPECT_EQ(out, "prefijo:[{\"id\":1,\"titulo\":\"Pavimentación\"}");
  {
    json row = {{"id", 2}, {"monto", "-1250.50"}, {"nada", nullptr}};
    writer.Add(row);
  }  // the row is gone; its text stays
  writer.Finish();
  writer.Finish();          // once only
  writer.Add({{"id", 3}});  // ignored after Finish
  EXPECT_EQ(writer.count(), 2u);
  EXPECT_EQ(out,
            "prefijo:[{\"id\":1,\"titulo\":\"Pavimentación\"},"
            "{\"id\":2,\"monto\":\"-1250.50\",\"nada\":null}]");
  EXPECT_EQ(json::parse(out.substr(8)).size(), 2u);
}

TEST(JsonArrayWriterTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  std::string out;
  JsonArrayWriter writer(out);
  const std::string broken = std::string("caf") + '\xC3' + " y " + '\xFF';
  EXPECT_NO_THROW(writer.Add({{"titulo", broken}, {"ok", "sí"}}));
  writer.Finish();
  json parsed;
  ASSERT_NO_THROW(parsed = json::parse(out)) << out;
  EXPECT_EQ(parsed[0]["titulo"], "caf\xEF\xBF\xBD y \xEF\xBF\xBD");  // U+FFFD
  EXPECT_EQ(parsed[0]["ok"], "sí");
}

TEST(JsonArrayWriterTest, EscapesWhatJsonRequires) {
  std::string out;
  JsonArrayWriter writer(out);
  writer.Add({{"t", "dice \"hola\"\n\\"}});
  EXPECT_EQ(writer.Finish(), "[{\"t\":\"dice \\\"hola\\\"\\n\\\\\"}]");
}

}  // namespace
}  // namespace cabildo::plugin
