#include "cabildo/core/crypto.h"

#include <vector>

#include <sodium.h>

namespace cabildo::core {

bool InitCrypto() { return sodium_init() >= 0; }

namespace {
std::string ToHex(const unsigned char* data, std::size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, size);
  hex.pop_back();
  return hex;
}
}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return ToHex(digest, sizeof digest);
}

std::string RandomHex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  randombytes_buf(buffer.data(), buffer.size());
  return ToHex(buffer.data(), buffer.size());
}

}  // namespace cabildo::core

namespace cabildo::core {

namespace {
constexpr char kSealPrefix[] = "v1.";
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "cabildo1";  // 8 bytes
constexpr uint64_t kSealSubkey = 1;
constexpr uint64_t kDigestSubkey = 2;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}
}  // namespace

StatusOr<DataKey> DataKey::FromHex(std::string_view hex) {
  static_assert(crypto_kdf_KEYBYTES == 32 && crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);
  if (!InitCrypto()) return InternalError("libsodium no pudo iniciarse");
  std::array<unsigned char, crypto_kdf_KEYBYTES> master{};
  size_t length = 0;
  const char* end = nullptr;
  if (hex.size() != 2 * master.size() ||
      sodium_hex2bin(master.data(), master.size(), hex.data(), hex.size(), nullptr, &length,
                     &end) != 0 ||
      length != master.size() || end != hex.data() + hex.size()) {
    return InvalidArgumentError(
        "CABILDO_DATA_KEY no es válida: se esperan 64 caracteres hexadecimales (32 bytes), p. ej. "
        "de `cabildo data-key new`");
  }
  DataKey key;
  crypto_kdf_derive_from_key(key.seal_key_.data(), key.seal_key_.size(), kSealSubkey, kKdfContext,
                             master.data());
  crypto_kdf_derive_from_key(key.digest_key_.data(), key.digest_key_.size(), kDigestSubkey,
                             kKdfContext, master.data());
  sodium_memzero(master.data(), master.size());
  return key;
}

std::string DataKey::Seal(std::string_view plaintext, std::string_view associated) const {
  std::vector<unsigned char> box(kNonceBytes + plaintext.size() + kTagBytes);
  randombytes_buf(box.data(), kNonceBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(box.data() + kNonceBytes, &written, Bytes(plaintext),
                                             plaintext.size(), Bytes(associated), associated.size(),
                                             nullptr, box.data(), seal_key_.data());
  const size_t encoded_size = sodium_base64_encoded_len(box.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(kSealPrefix);
  const size_t prefix = out.size();
  out.resize(prefix + encoded_size);
  sodium_bin2base64(out.data() + prefix, encoded_size, box.data(), box.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

StatusOr<std::string> DataKey::Open(std::string_view sealed, std::string_view associated) const {
  const Status unreadable = InternalError(
      "Un dato personal cifrado no se pudo descifrar (clave distinta o dato alterado).");
  const std::string_view prefix(kSealPrefix);
  if (sealed.substr(0, prefix.size()) != prefix) return unreadable;
  const std::string_view encoded = sealed.substr(prefix.size());
  std::vector<unsigned char> box(encoded.size() / 4 * 3 + 3);
  size_t box_size = 0;
  const char* end = nullptr;
  if (sodium_base642bin(box.data(), box.size(), encoded.data(), encoded.size(), nullptr, &box_size,
                        &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != encoded.data() + encoded.size() || box_size < kNonceBytes + kTagBytes) {
    return unreadable;
  }
  std::string plaintext(box_size - kNonceBytes - kTagBytes, '\0');
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plaintext.data()), &written, nullptr,
          box.data() + kNonceBytes, box_size - kNonceBytes, Bytes(associated), associated.size(),
          box.data(), seal_key_.data()) != 0) {
    return unreadable;
  }
  plaintext.resize(written);
  return plaintext;
}

std::string DataKey::Digest(std::string_view domain, std::string_view value) const {
  crypto_generichash_state state;
  unsigned char digest[32];
  crypto_generichash_init(&state, digest_key_.data(), digest_key_.size(), sizeof digest);
  crypto_generichash_update(&state, Bytes(domain), domain.size());
  const unsigned char separator = 0;  // "ab"+"c" and "a"+"bc" differ
  crypto_generichash_update(&state, &separator, 1);
  crypto_generichash_update(&state, Bytes(value), value.size());
  crypto_generichash_final(&state, digest, sizeof digest);
  return ToHex(digest, sizeof digest);
}

}  // namespace cabildo::core
