// Cryptographic helpers. Everything goes through libsodium; nothing is hand-rolled.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "cabildo/core/status.h"

namespace cabildo::core {

// Initialises libsodium once; safe to call from any thread. Returns false if
// the library could not start (the process must not continue).
bool InitCrypto();

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// `bytes` random bytes from libsodium, hex-encoded.
std::string RandomHex(std::size_t bytes);

// The instance's key for personal data at rest (CABILDO_DATA_KEY): 32 bytes
// that live in the configuration (a Kubernetes Secret, the local state dir),
// never in the database, so a copy of the database alone reveals nothing.
// Two subkeys are derived from it with libsodium's KDF: one seals, one
// digests, so neither use weakens the other.
class DataKey {
 public:
  // 64 hex characters (e.g. from `cabildo data-key new`). The error message
  // never contains the value.
  static StatusOr<DataKey> FromHex(std::string_view hex);

  // XChaCha20-Poly1305 (random 24-byte nonce) over `plaintext`, bound to
  // `associated` (authenticated, not stored): "v1." + base64 of nonce and
  // ciphertext. Opening with another `associated` fails.
  std::string Seal(std::string_view plaintext, std::string_view associated) const;
  // The plaintext of a Seal with the same `associated`; kInternal (the
  // message never includes the input) when it is malformed, tampered with,
  // or sealed under another key.
  StatusOr<std::string> Open(std::string_view sealed, std::string_view associated) const;
  // Keyed BLAKE2b-256 of `value` in `domain`, hex: equal inputs give equal
  // digests (a unique index can hold them), but without the key nobody can
  // test candidates (every CURP) against a stolen table.
  std::string Digest(std::string_view domain, std::string_view value) const;

 private:
  DataKey() = default;
  std::array<unsigned char, 32> seal_key_{};
  std::array<unsigned char, 32> digest_key_{};
};

// What a module's personal data is bound to: "<module>\0<context>", so one
// module's sealed values and digests never match another's. The host's
// RequestContext and `cabildo data-key` both use it.
inline std::string PersonalDataBinding(std::string_view module, std::string_view context) {
  std::string bound(module);
  bound.push_back('\0');
  bound.append(context);
  return bound;
}

}  // namespace cabildo::core
