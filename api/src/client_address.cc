#include "client_address.h"

#include <optional>

namespace cabildo::api {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool IsTrusted(const core::IpAddress& address, const std::vector<core::Cidr>& trusted) {
  for (const auto& cidr : trusted) {
    if (cidr.Contains(address)) return true;
  }
  return false;
}

// An X-Forwarded-For entry: an address, perhaps with a port ("1.2.3.4:80",
// "[2001:db8::1]:80") as some proxies write.
std::optional<core::IpAddress> ParseXffEntry(std::string_view entry) {
  entry = Trim(entry);
  if (auto address = core::ParseIpAddress(entry)) return address;
  if (!entry.empty() && entry.front() == '[') {
    const std::size_t close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return core::ParseIpAddress(entry.substr(0, close + 1));
  }
  const std::size_t colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    return core::ParseIpAddress(entry.substr(0, colon));  // IPv4 with a port
  }
  return std::nullopt;
}

// The `for=` value of one Forwarded element ("for=192.0.2.1;proto=https",
// `for="[2001:db8::1]:4711"`); nullopt when it has none or it is no address.
std::optional<core::IpAddress> ParseForwardedElement(std::string_view element) {
  while (!element.empty()) {
    const std::size_t semicolon = element.find(';');
    std::string_view pair = Trim(element.substr(0, semicolon));
    element =
        semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon + 1);
    const std::size_t equals = pair.find('=');
    if (equals != 3) continue;
    const std::string_view name = pair.substr(0, 3);
    if ((name[0] | 0x20) != 'f' || (name[1] | 0x20) != 'o' || (name[2] | 0x20) != 'r') continue;
    std::string_view value = pair.substr(4);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return ParseXffEntry(value);
  }
  return std::nullopt;
}

}  // namespace

std::string ClientAddress(std::string_view peer, const std::vector<core::Cidr>& trusted_proxies,
                          std::string_view x_forwarded_for, std::string_view forwarded) {
  auto hop = core::ParseIpAddress(peer);
  if (!hop) return std::string(peer);
  if (trusted_proxies.empty() || !IsTrusted(*hop, trusted_proxies)) return hop->ToString();
  const bool use_xff = !Trim(x_forwarded_for).empty();
  std::string_view list = use_xff ? x_forwarded_for : forwarded;
  // From the right: each entry was written by the hop we already trust.
  while (!Trim(list).empty()) {
    const std::size_t comma = list.rfind(',');
    const std::string_view entry = comma == std::string_view::npos ? list : list.substr(comma + 1);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
    auto address = use_xff ? ParseXffEntry(entry) : ParseForwardedElement(entry);
    if (!address) break;  // nothing left of this entry can be believed
    hop = address;
    if (!IsTrusted(*hop, trusted_proxies)) break;
  }
  return hop->ToString();
}

}  // namespace cabildo::api
