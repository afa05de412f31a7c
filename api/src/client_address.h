// The client's address behind trusted proxies (CABILDO_TRUSTED_PROXIES).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cabildo/core/net.h"

namespace cabildo::api {

// The address limits, logs and idempotency keys attribute a request to.
// `peer` is the TCP peer. Only when it is a trusted proxy are the forwarding
// headers read: X-Forwarded-For when present, otherwise RFC 7239 Forwarded
// (its `for=` parameters). The hops are walked from the right (the nearest
// proxy's entry first), skipping trusted proxies; the first untrusted address
// is the client. Anything a client may have written further left is never
// reached. An entry that is not an IP address (garbage, "unknown", an
// obfuscated name) stops the walk at the last address known good. When every
// hop is trusted, the leftmost is the client. The answer is canonical text
// (core::IpAddress::ToString) whenever `peer` parses; otherwise `peer` itself.
std::string ClientAddress(std::string_view peer, const std::vector<core::Cidr>& trusted_proxies,
                          std::string_view x_forwarded_for, std::string_view forwarded);

}  // namespace cabildo::api
