#include "cabildo/core/net.h"

#include <gtest/gtest.h>

namespace cabildo::core {
namespace {

TEST(NetTest, AddressesParseToOneCanonicalText) {
  EXPECT_EQ(ParseIpAddress("192.0.2.1")->ToString(), "192.0.2.1");
  EXPECT_EQ(ParseIpAddress("::ffff:192.0.2.1")->ToString(), "192.0.2.1");
  EXPECT_EQ(ParseIpAddress("2001:DB8:0:0::1")->ToString(), "2001:db8::1");
  EXPECT_EQ(ParseIpAddress("[2001:db8::1]")->ToString(), "2001:db8::1");
  EXPECT_EQ(*ParseIpAddress("::ffff:192.0.2.1"), *ParseIpAddress("192.0.2.1"));
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4:80", "unknown", "_hidden",
                          "[::1", "2001:db8::1::2", "ejemplo.mx", " 1.2.3.4", "1.2.3.4\n", "::g"}) {
    EXPECT_FALSE(ParseIpAddress(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseIpAddress(std::string(1000, '1')).has_value());
}

TEST(NetTest, CidrsContainTheirAddressesOnly) {
  auto ten = *ParseCidr("10.0.0.0/8");
  EXPECT_TRUE(ten.Contains(*ParseIpAddress("10.255.255.255")));
  EXPECT_TRUE(ten.Contains(*ParseIpAddress("::ffff:10.1.2.3")));
  EXPECT_FALSE(ten.Contains(*ParseIpAddress("11.0.0.0")));
  EXPECT_FALSE(ten.Contains(*ParseIpAddress("::a01:203")));  // IPv4-compatible, not mapped

  auto host = *ParseCidr("192.0.2.7");
  EXPECT_TRUE(host.Contains(*ParseIpAddress("192.0.2.7")));
  EXPECT_FALSE(host.Contains(*ParseIpAddress("192.0.2.6")));

  auto v6 = *ParseCidr("2001:db8:abcd::/47");
  EXPECT_TRUE(v6.Contains(*ParseIpAddress("2001:db8:abcd:1::5")));
  EXPECT_TRUE(v6.Contains(*ParseIpAddress("2001:db8:abcc::1")));  // differs in bit 48 only
  EXPECT_FALSE(v6.Contains(*ParseIpAddress("2001:db8:abce::1")));
  EXPECT_TRUE(v6.Contains(*ParseIpAddress("2001:db8:abcd:ffff::1")));

  auto everything = *ParseCidr("0.0.0.0/0");
  EXPECT_TRUE(everything.Contains(*ParseIpAddress("203.0.113.9")));
  EXPECT_FALSE(everything.Contains(*ParseIpAddress("2001:db8::1")));  // IPv4 only

  for (const char* bad : {"10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x", "::/129", "/8",
                          "10.0.0.0/08/1", "red-interna"}) {
    EXPECT_FALSE(ParseCidr(bad).has_value()) << bad;
  }
}

TEST(NetTest, ListsAreCommaSeparatedAndNameTheBadEntry) {
  EXPECT_TRUE(ParseCidrList("")->empty());
  EXPECT_TRUE(ParseCidrList("  ")->empty());
  EXPECT_EQ(ParseCidrList("10.0.0.0/8, ::1")->size(), 2u);
  auto bad = ParseCidrList("10.0.0.0/8, proxy.interno");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("proxy.interno"), std::string::npos);
  EXPECT_FALSE(ParseCidrList("10.0.0.0/8,").ok());
}

}  // namespace
}  // namespace cabildo::core
