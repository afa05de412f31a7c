// The SDK's export helpers: CSV cells, the chunking body buffer and the
// row-by-row JSON array writer.
#include <string>
#include <vector>

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

// A client that reads `accept` writes and then goes away.
class LeavingClient final : public BodyWriter {
 public:
  explicit LeavingClient(size_t accept) : accept_(accept) {}
  bool Write(std::string_view bytes) override {
    if (writes.size() == accept_) return false;
    writes.emplace_back(bytes);
    return true;
  }
  std::vector<std::string> writes;

 private:
  size_t accept_;
};

TEST(BodyBufferTest, GathersSmallWritesIntoChunks) {
  StringBodyWriter out;
  BodyBuffer body(out, 100);
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(body.Append("0123456789"));  // 300 bytes
  EXPECT_EQ(out.writes, 3u);  // one network write per 100 bytes, not per line
  EXPECT_TRUE(body.Append("fin"));
  EXPECT_EQ(out.writes, 3u);
  EXPECT_TRUE(body.Flush());
  EXPECT_EQ(out.writes, 4u);
  EXPECT_EQ(out.body.size(), 303u);
  EXPECT_TRUE(body.Flush());  // nothing buffered: no empty chunk (it would end the body)
  EXPECT_EQ(out.writes, 4u);
}

TEST(BodyBufferTest, StopsOnceTheClientIsGone) {
  LeavingClient client(1);
  BodyBuffer body(client, 10);
  EXPECT_TRUE(body.Append("0123456789"));   // sent
  EXPECT_FALSE(body.Append("0123456789"));  // refused: the producer stops here
  EXPECT_FALSE(body.ok());
  EXPECT_FALSE(body.Append("x"));
  EXPECT_FALSE(body.Flush());
  EXPECT_EQ(client.writes, std::vector<std::string>{"0123456789"});
}

TEST(JsonArrayWriterTest, AnEmptyCollectionIsAnEmptyArray) {
  StringBodyWriter out;
  BodyBuffer body(out);
  JsonArrayWriter writer(body);
  EXPECT_TRUE(writer.Finish());
  EXPECT_TRUE(body.Flush());
  EXPECT_EQ(out.body, "[]");
  EXPECT_EQ(writer.count(), 0u);
}

TEST(JsonArrayWriterTest, AppendsEachRowAsItComes) {
  StringBodyWriter out;
  BodyBuffer body(out, 1);  // every append is sent at once: shows what is written when
  body.Append("prefijo:");
  JsonArrayWriter writer(body);
  writer.Add({{"id", 1}, {"titulo", "Pavimentación"}});
  EXPECT_EQ(out.body, "prefijo:[{\"id\":1,\"titulo\":\"Pavimentación\"}");
  {
    json row = {{"id", 2}, {"monto", "-1250.50"}, {"nada", nullptr}};
    writer.Add(row);
  }  // the row is gone; its text stays
  writer.Finish();
  writer.Finish();                        // once only
  EXPECT_FALSE(writer.Add({{"id", 3}}));  // refused after Finish
  EXPECT_EQ(writer.count(), 2u);
  EXPECT_EQ(out.body,
            "prefijo:[{\"id\":1,\"titulo\":\"Pavimentación\"},"
            "{\"id\":2,\"monto\":\"-1250.50\",\"nada\":null}]");
  EXPECT_EQ(json::parse(out.body.substr(8)).size(), 2u);
}

TEST(JsonArrayWriterTest, TellsTheProducerWhenTheClientIsGone) {
  LeavingClient client(0);
  BodyBuffer body(client, 1);
  JsonArrayWriter writer(body);
  EXPECT_FALSE(writer.Add({{"id", 1}}));
}

TEST(JsonArrayWriterTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  StringBodyWriter out;
  BodyBuffer body(out);
  JsonArrayWriter writer(body);
  const std::string broken = std::string("caf") + '\xC3' + " y " + '\xFF';
  EXPECT_NO_THROW(writer.Add({{"titulo", broken}, {"ok", "sí"}}));
  writer.Finish();
  body.Flush();
  json parsed;
  ASSERT_NO_THROW(parsed = json::parse(out.body)) << out.body;
  EXPECT_EQ(parsed[0]["titulo"], "caf\xEF\xBF\xBD y \xEF\xBF\xBD");  // U+FFFD
  EXPECT_EQ(parsed[0]["ok"], "sí");
}

TEST(JsonArrayWriterTest, EscapesWhatJsonRequires) {
  StringBodyWriter out;
  BodyBuffer body(out);
  JsonArrayWriter writer(body);
  writer.Add({{"t", "dice \"hola\"\n\\"}});
  writer.Finish();
  body.Flush();
  EXPECT_EQ(out.body, "[{\"t\":\"dice \\\"hola\\\"\\n\\\\\"}]");
}

}  // namespace
}  // namespace cabildo::plugin
