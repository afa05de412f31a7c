#include "route_support.h"

#include <gtest/gtest.h>

namespace cabildo::api {
namespace {

TEST(CursorTest, RoundTripsAnyKey) {
  for (const std::string& key :
       std::vector<std::string>{"durango", std::string("\0\xff", 2), std::string(300, 'x')}) {
    EXPECT_EQ(DecodeCursor(EncodeCursor(key)), key);
  }
}

// The signed form module lists hand out: the same key verifies; an edited
// payload, a foreign key or a truncated MAC does not.
TEST(CursorTest, SignedCursorsVerifyOnlyUnchanged) {
  const std::string key(64, 'a');
  const nlohmann::json payload = {{"r", "/v1/x"}, {"k", {"2026-01-01", "id"}}};
  const std::string cursor = SignCursor(key, payload);
  EXPECT_EQ(VerifyCursor(key, cursor), payload);
  EXPECT_EQ(VerifyCursor(std::string(64, 'b'), cursor), std::nullopt);
  EXPECT_EQ(VerifyCursor(key, cursor.substr(0, cursor.size() - 1)), std::nullopt);
  const std::string edited = SignCursor(key, {{"r", "/v1/y"}, {"k", {"2026-01-01", "id"}}});
  EXPECT_EQ(VerifyCursor(key, edited.substr(0, edited.find('.')) + cursor.substr(cursor.find('.'))),
            std::nullopt);
  EXPECT_EQ(VerifyCursor(key, "sin-punto"), std::nullopt);
}

// Found by tests/fuzz/cursor_fuzz.cc (corpus/cursor/crash-high-byte-digits):
// libsodium took bytes >= 0x80 as base64 digits, so one key had many spellings.
TEST(CursorTest, OnlyTheBase64urlAlphabetDecodes) {
  EXPECT_EQ(DecodeCursor("ZHVyYW5nbw"), "durango");
  EXPECT_EQ(DecodeCursor("\xff"
                         "00"),
            std::nullopt);
  EXPECT_EQ(DecodeCursor("ZHVy\xc3\xa9YW5nbw"), std::nullopt);
  EXPECT_EQ(DecodeCursor("ZHVyYW5nbw=="), std::nullopt);  // padding is not in the URL-safe form
  EXPECT_EQ(DecodeCursor("ZHVy YW5nbw"), std::nullopt);
  EXPECT_EQ(DecodeCursor(""), std::nullopt);
}

}  // namespace
}  // namespace cabildo::api
