#include "signed_cursor.h"

#include <cstring>

#include <sodium.h>

#include "json_body.h"

namespace cabildo::api {

using nlohmann::json;

std::string EncodeCursor(const std::string& key) {
  std::string out(sodium_base64_ENCODED_LEN(key.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(key.data()),
                    key.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> DecodeCursor(const std::string& cursor) {
  // libsodium 1.0.18 reads every byte >= 0x80 as a base64 digit (a signed
  // char slip), so "\xff00" decoded: only the base64url alphabet is a cursor,
  // which keeps one spelling per cursor.
  for (char c : cursor) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_')) {
      return std::nullopt;
    }
  }
  std::string out(cursor.size(), '\0');
  size_t length = 0;
  if (cursor.empty() || sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                                          cursor.c_str(), cursor.size(), nullptr, &length, nullptr,
                                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

std::string SignCursor(const std::string& key_hex, const json& key) {
  const std::string payload = EncodeCursor(key.dump());
  unsigned char secret[crypto_auth_KEYBYTES] = {};
  sodium_hex2bin(secret, sizeof secret, key_hex.c_str(), key_hex.size(), nullptr, nullptr, nullptr);
  unsigned char mac[crypto_auth_BYTES];
  crypto_auth(mac, reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), secret);
  return payload + "." + EncodeCursor(std::string(reinterpret_cast<char*>(mac), 16));
}

std::optional<json> VerifyCursor(const std::string& key_hex, const std::string& cursor) {
  const auto dot = cursor.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const std::string payload = cursor.substr(0, dot);
  auto key_text = DecodeCursor(payload);
  if (!key_text) return std::nullopt;
  // Client bytes until the MAC is checked: the bounded parser reads them.
  BoundedJson parsed = ParseBoundedJson(*key_text);
  if (!parsed.ok()) return std::nullopt;
  json key = std::move(parsed.value);
  const std::string resigned = SignCursor(key_hex, key);
  // Compare the whole signed form in constant time.
  if (resigned.size() != cursor.size() ||
      sodium_memcmp(resigned.data(), cursor.data(), cursor.size()) != 0) {
    return std::nullopt;
  }
  return key;
}

}  // namespace cabildo::api
