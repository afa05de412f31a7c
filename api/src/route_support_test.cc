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
