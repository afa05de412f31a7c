#include "client_address.h"

#include <gtest/gtest.h>

namespace cabildo::api {
namespace {

std::vector<core::Cidr> Proxies(std::string_view list) { return core::ParseCidrList(list).value(); }

TEST(ClientAddress, WithoutTrustedProxiesTheHeadersAreIgnored) {
  EXPECT_EQ(ClientAddress("198.51.100.4", {}, "203.0.113.9", "for=203.0.113.9"), "198.51.100.4");
}

TEST(ClientAddress, ASpoofedHeaderFromAnUntrustedPeerIsIgnored) {
  const auto trusted = Proxies("10.0.0.0/8");
  EXPECT_EQ(ClientAddress("198.51.100.4", trusted, "10.0.0.1, 203.0.113.9", ""), "198.51.100.4");
  EXPECT_EQ(ClientAddress("198.51.100.4", trusted, "", "for=203.0.113.9"), "198.51.100.4");
}

TEST(ClientAddress, BehindATrustedProxyTheRightmostUntrustedHopIsTheClient) {
  const auto trusted = Proxies("10.0.0.0/8, 192.0.2.0/24");
  EXPECT_EQ(ClientAddress("10.0.0.5", trusted, "203.0.113.9", ""), "203.0.113.9");
  // A chain: client, CDN (trusted), load balancer (trusted) → us.
  EXPECT_EQ(ClientAddress("10.0.0.5", trusted, "203.0.113.9, 192.0.2.44, 10.1.1.1", ""),
            "203.0.113.9");
  // What the client wrote itself sits further left and is never reached.
  EXPECT_EQ(ClientAddress("10.0.0.5", trusted, "1.1.1.1, 203.0.113.9", ""), "203.0.113.9");
  EXPECT_EQ(ClientAddress("10.0.0.5", trusted, "1.1.1.1,203.0.113.9:4711", ""), "203.0.113.9");
  // Every hop trusted: the leftmost is the client.
  EXPECT_EQ(ClientAddress("10.0.0.5", trusted, "10.9.9.9, 10.1.1.1", ""), "10.9.9.9");
  // No header at all: the proxy itself.
  EXPECT_EQ(ClientAddress("10.0.0.5", trusted, "", ""), "10.0.0.5");
}

TEST(ClientAddress, ForwardedIsReadWhenThereIsNoXForwardedFor) {
  const auto trusted = Proxies("10.0.0.0/8");
  EXPECT_EQ(
      ClientAddress("10.0.0.5", trusted, "",
                    "for=1.1.1.1, For=\"[2001:db8:cafe::17]:4711\";proto=https, for=10.2.2.2"),
      "2001:db8:cafe::17");
  EXPECT_EQ(ClientAddress("10.0.0.5", trusted, "", "proto=https;for=203.0.113.9;by=10.0.0.5"),
            "203.0.113.9");
  // With both, X-Forwarded-For wins (what common proxies append to).
  EXPECT_EQ(ClientAddress("10.0.0.5", trusted, "203.0.113.9", "for=1.1.1.1"), "203.0.113.9");
}

TEST(ClientAddress, IPv6PeersAndProxies) {
  const auto trusted = Proxies("2001:db8:1::/48, ::1");
  EXPECT_EQ(ClientAddress("2001:db8:1::2", trusted, "2001:DB8:BEEF::9, 2001:db8:1::3", ""),
            "2001:db8:beef::9");
  EXPECT_EQ(ClientAddress("::1", trusted, "[2001:db8:beef::9]:80", ""), "2001:db8:beef::9");
  EXPECT_EQ(ClientAddress("2001:db8:2::2", trusted, "203.0.113.9", ""), "2001:db8:2::2");
  // An IPv4 peer seen as IPv4-mapped IPv6 still matches an IPv4 block.
  EXPECT_EQ(ClientAddress("::ffff:10.0.0.5", Proxies("10.0.0.0/8"), "203.0.113.9", ""),
            "203.0.113.9");
}

TEST(ClientAddress, GarbageInTheHeadersStopsAtTheLastGoodAddress) {
  const auto trusted = Proxies("10.0.0.0/8");
  for (const char* xff : {"basura", "unknown", "_oculto", ",,,", "203.0.113.9 1.1.1.1", "999.1.1.1",
                          "[::1", "\x01\x02", "for=1.1.1.1"}) {
    EXPECT_EQ(ClientAddress("10.0.0.5", trusted, xff, ""), "10.0.0.5") << xff;
  }
  // Garbage left of the client is never looked at.
  EXPECT_EQ(ClientAddress("10.0.0.5", trusted, "basura, 203.0.113.9", ""), "203.0.113.9");
  // Garbage between trusted hops: the last trusted hop that reported it.
  EXPECT_EQ(ClientAddress("10.0.0.5", trusted, "203.0.113.9, basura, 10.3.3.3", ""), "10.3.3.3");
  for (const char* forwarded :
       {"for", "for=", "for=\"", "for=unknown", "by=1.1.1.1", ";;;", "for=\"[2001:db8::1\""}) {
    EXPECT_EQ(ClientAddress("10.0.0.5", trusted, "", forwarded), "10.0.0.5") << forwarded;
  }
  // Long lists cost linear time and no recursion.
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "10.0.0.1, ";
  many += "10.0.0.2";
  EXPECT_EQ(ClientAddress("10.0.0.5", trusted, many, ""), "10.0.0.1");
}

TEST(ClientAddress, APeerThatIsNotAnAddressIsKeptAsItIs) {
  EXPECT_EQ(ClientAddress("", Proxies("10.0.0.0/8"), "203.0.113.9", ""), "");
}

}  // namespace
}  // namespace cabildo::api
