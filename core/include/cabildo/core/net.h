// IP addresses and CIDR blocks, for the trusted proxies in front of the server
// (CABILDO_TRUSTED_PROXIES) and the client address read from their headers.
// Parsed with inet_pton: no regular expressions, bounded work per address.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cabildo/core/status.h"

namespace cabildo::core {

// An IPv4 or IPv6 address, IPv4 held as IPv4-mapped IPv6 (::ffff:a.b.c.d), so
// one comparison serves both and a mapped peer matches an IPv4 block.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  bool IsV4() const;
  // The canonical text: dotted quad for IPv4 (mapped or not), RFC 5952 for
  // IPv6. One client always gets one text (a rate-limit key).
  std::string ToString() const;
  bool operator==(const IpAddress&) const = default;
};

// "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"; also "[2001:db8::1]".
// nullopt for anything else (ports, names, garbage).
std::optional<IpAddress> ParseIpAddress(std::string_view text);

struct Cidr {
  IpAddress network;
  int prefix_bits = 128;  // over the 128-bit form (an IPv4 /24 is 120)

  bool Contains(const IpAddress& address) const;
};

// "10.0.0.0/8", "2001:db8::/32", or a bare address (a single host).
std::optional<Cidr> ParseCidr(std::string_view text);

// A comma-separated list (spaces allowed, empty: none). InvalidArgument
// naming the first entry that is not a CIDR.
StatusOr<std::vector<Cidr>> ParseCidrList(std::string_view list);

}  // namespace cabildo::core
