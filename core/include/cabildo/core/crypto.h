// Cryptographic helpers. Everything goes through libsodium; nothing is hand-rolled.
#pragma once

#include <string>
#include <string_view>

namespace cabildo::core {

// Initialises libsodium once; safe to call from any thread. Returns false if
// the library could not start (the process must not continue).
bool InitCrypto();

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// `bytes` random bytes from libsodium, hex-encoded.
std::string RandomHex(std::size_t bytes);

}  // namespace cabildo::core
