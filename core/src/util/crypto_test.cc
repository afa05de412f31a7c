// The data key that seals personal data at rest (CABILDO_DATA_KEY).
#include "cabildo/core/crypto.h"

#include <gtest/gtest.h>
#include <sodium.h>

namespace cabildo::core {
namespace {

constexpr const char* kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kOtherKeyHex =
    "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

DataKey Key(const char* hex = kKeyHex) {
  EXPECT_TRUE(InitCrypto());
  auto key = DataKey::FromHex(hex);
  EXPECT_TRUE(key.ok()) << key.status().message();
  return *key;
}

TEST(DataKeyTest, SealThenOpenGivesThePlaintextBack) {
  const DataKey key = Key();
  const std::string personal = R"({"curp":"GOMC000101HDGRRL09","phone":"6181234567"})";
  const std::string sealed = key.Seal(personal, "scholarships:application-1");
  EXPECT_EQ(sealed.rfind("v1.", 0), 0u);
  EXPECT_EQ(sealed.find("GOMC"), std::string::npos);
  EXPECT_EQ(sealed.find("6181234567"), std::string::npos);
  auto opened = key.Open(sealed, "scholarships:application-1");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(*opened, personal);
  EXPECT_EQ(*key.Open(key.Seal("", "x"), "x"), "");
}

TEST(DataKeyTest, EverySealUsesAFreshNonce) {
  const DataKey key = Key();
  EXPECT_NE(key.Seal("mismo texto", "a"), key.Seal("mismo texto", "a"));
}

TEST(DataKeyTest, AnotherContextKeyOrATamperedValueDoesNotOpen) {
  const DataKey key = Key();
  const std::string sealed = key.Seal("GOMC000101HDGRRL09", "application-1");
  // Moved to another record: the associated data differs.
  EXPECT_EQ(key.Open(sealed, "application-2").status().code(), StatusCode::kInternal);
  // Another instance's key.
  EXPECT_FALSE(Key(kOtherKeyHex).Open(sealed, "application-1").ok());
  // One character of the ciphertext changed.
  std::string tampered = sealed;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(key.Open(tampered, "application-1").ok());
  // Truncated, not base64, no prefix, empty.
  EXPECT_FALSE(key.Open(sealed.substr(0, 10), "application-1").ok());
  EXPECT_FALSE(key.Open("v1.@@@@", "application-1").ok());
  EXPECT_FALSE(key.Open(sealed.substr(3), "application-1").ok());
  EXPECT_FALSE(key.Open("", "application-1").ok());
  // The error never carries the input.
  auto error = key.Open(sealed, "application-2").status().message();
  EXPECT_EQ(error.find(sealed.substr(3, 12)), std::string::npos);
}

TEST(DataKeyTest, DigestIsKeyedAndSeparatedByDomain) {
  const DataKey key = Key();
  const std::string digest = key.Digest("scholarships.curp", "GOMC000101HDGRRL09");
  EXPECT_EQ(digest.size(), 64u);
  EXPECT_EQ(digest, key.Digest("scholarships.curp", "GOMC000101HDGRRL09"));
  EXPECT_NE(digest, key.Digest("scholarships.curp", "GOMC000101HDGRRL08"));
  EXPECT_NE(digest, key.Digest("other.curp", "GOMC000101HDGRRL09"));
  EXPECT_NE(digest, Key(kOtherKeyHex).Digest("scholarships.curp", "GOMC000101HDGRRL09"));
  // Not a plain hash of the value: without the key it cannot be recomputed.
  unsigned char plain[32];
  const std::string value = "GOMC000101HDGRRL09";
  crypto_generichash(plain, sizeof plain, reinterpret_cast<const unsigned char*>(value.data()),
                     value.size(), nullptr, 0);
  char plain_hex[65];
  sodium_bin2hex(plain_hex, sizeof plain_hex, plain, sizeof plain);
  EXPECT_NE(digest, plain_hex);
  // Domain and value are separated: ("ab", "c") differs from ("a", "bc").
  EXPECT_NE(key.Digest("ab", "c"), key.Digest("a", "bc"));
}

TEST(DataKeyTest, FromHexRefusesAnythingButThirtyTwoBytesOfHexWithoutEchoingIt) {
  ASSERT_TRUE(InitCrypto());
  for (const char* bad :
       {"", "00", "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1 "}) {
    auto key = DataKey::FromHex(bad);
    ASSERT_FALSE(key.ok()) << bad;
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
    if (std::string(bad).size() > 4) {
      EXPECT_EQ(key.status().message().find(std::string(bad).substr(2, 20)), std::string::npos);
    }
  }
  EXPECT_TRUE(DataKey::FromHex(kKeyHex).ok());
  EXPECT_TRUE(
      DataKey::FromHex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F").ok());
}

}  // namespace
}  // namespace cabildo::core
