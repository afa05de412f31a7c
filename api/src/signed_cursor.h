// The one cursor codec of every list, core or module: opaque, URL-safe, and
// (for module lists) signed so a client can neither forge nor edit one.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cabildo::api {

// base64url (no padding) of the last key seen, and back; nullopt for
// anything that is not exactly that alphabet and encoding.
std::string EncodeCursor(const std::string& key);
std::optional<std::string> DecodeCursor(const std::string& cursor);

// "<base64url(key json)>.<base64url(mac)>": the key signed with HMAC
// (libsodium's crypto_auth, truncated to 16 bytes) under `key_hex`.
std::string SignCursor(const std::string& key_hex, const nlohmann::json& key);
// The key of a cursor SignCursor made with `key_hex`; nullopt when it was
// forged, edited or is malformed (its JSON read by the bounded parser).
std::optional<nlohmann::json> VerifyCursor(const std::string& key_hex, const std::string& cursor);

}  // namespace cabildo::api
