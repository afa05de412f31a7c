#include "cabildo/core/net.h"

#include <charconv>
#include <cstring>

#include <arpa/inet.h>

namespace cabildo::core {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

bool IpAddress::IsV4() const {
  return std::memcmp(bytes.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0;
}

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (IsV4()) {
    inet_ntop(AF_INET, bytes.data() + 12, text, sizeof text);
  } else {
    inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
  }
  return text;
}

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  // inet_pton wants a C string; the longest valid text is 45 characters.
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buffer) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress address;
  if (text.find(':') == std::string_view::npos) {
    std::memcpy(address.bytes.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size());
    if (inet_pton(AF_INET, buffer, address.bytes.data() + 12) != 1) return std::nullopt;
    return address;
  }
  if (inet_pton(AF_INET6, buffer, address.bytes.data()) != 1) return std::nullopt;
  return address;
}

bool Cidr::Contains(const IpAddress& address) const {
  int bits = prefix_bits;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((address.bytes[i] & mask) != (network.bytes[i] & mask)) return false;
  }
  return true;
}

std::optional<Cidr> ParseCidr(std::string_view text) {
  text = Trim(text);
  const std::size_t slash = text.find('/');
  auto address = ParseIpAddress(text.substr(0, slash));
  if (!address) return std::nullopt;
  Cidr cidr;
  cidr.network = *address;
  const int max_bits = address->IsV4() ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        bits < 0 || bits > max_bits) {
      return std::nullopt;
    }
  }
  cidr.prefix_bits = address->IsV4() ? 96 + bits : bits;
  return cidr;
}

StatusOr<std::vector<Cidr>> ParseCidrList(std::string_view list) {
  std::vector<Cidr> cidrs;
  if (Trim(list).empty()) return cidrs;
  while (true) {
    const std::size_t comma = list.find(',');
    const std::string_view entry = Trim(list.substr(0, comma));
    auto cidr = ParseCidr(entry);
    if (!cidr) {
      return InvalidArgumentError("'" + std::string(entry) +
                                  "' no es una dirección IP ni un bloque CIDR");
    }
    cidrs.push_back(*cidr);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return cidrs;
}

}  // namespace cabildo::core
