#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <unordered_set>

#include <sodium.h>

#include "cabildo/core/identity.h"
#include "cabildo/plugin/text_checks.h"

namespace cabildo::core {

std::string NormalizeEmail(const std::string& email) {
  const auto first = email.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = email.find_last_not_of(" \t\r\n");
  std::string out = email.substr(first, last - first + 1);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

namespace {

// The list in core/data/common-passwords.txt, compiled in by CMake.
constexpr std::string_view kCommonPasswordsText =
#include "common_passwords.inc"
    ;

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const std::unordered_set<std::string>& CommonPasswords() {
  static const std::unordered_set<std::string> kSet = [] {
    std::unordered_set<std::string> set;
    size_t start = 0;
    while (start < kCommonPasswordsText.size()) {
      size_t end = kCommonPasswordsText.find('\n', start);
      if (end == std::string_view::npos) end = kCommonPasswordsText.size();
      std::string_view line = kCommonPasswordsText.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty() && line.front() != '#') set.insert(LowerAscii(line));
      start = end + 1;
    }
    return set;
  }();
  return kSet;
}

// Lower-cased, without whitespace: "Ana María" and "anamaría" are one name.
std::string Squeezed(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (!std::isspace(c)) out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

bool IsOneRepeatedCharacter(const std::string& password) {
  // Compares UTF-8 sequences, so "ññññññññññ" counts as one repeated character.
  size_t first_length = 1;
  while (first_length < password.size() &&
         (static_cast<unsigned char>(password[first_length]) & 0xC0) == 0x80) {
    ++first_length;
  }
  if (password.size() % first_length != 0) return false;
  for (size_t at = first_length; at < password.size(); at += first_length) {
    if (password.compare(at, first_length, password, 0, first_length) != 0) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> PasswordProblem(const std::string& password, const std::string& email,
                                           const std::string& name) {
  // Length in characters, not bytes: "contraseña" is 10 characters.
  size_t characters = 0;
  for (unsigned char c : password) characters += (c & 0xC0) != 0x80;
  if (characters < 10) return "La contraseña debe tener al menos 10 caracteres.";
  if (password.size() > 1024) return "La contraseña es demasiado larga.";
  if (password.find_first_not_of(" \t\r\n\v\f") == std::string::npos) {
    return "La contraseña no puede ser solo espacios.";
  }
  if (IsOneRepeatedCharacter(password)) {
    return "La contraseña no puede ser un mismo carácter repetido.";
  }
  const std::string lowered = LowerAscii(password);
  if (CommonPasswords().contains(lowered)) {
    return "Esa contraseña es de las más usadas y se adivina fácilmente; elija otra.";
  }
  const std::string normalized_email = NormalizeEmail(email);
  const std::string squeezed = Squeezed(password);
  if (!normalized_email.empty() && squeezed.find(normalized_email) != std::string::npos) {
    return "La contraseña no puede contener su correo.";
  }
  // The local part and the name only from 4 characters on, so "Ana" does not
  // rule out every password that happens to contain "ana".
  const std::string local = normalized_email.substr(0, normalized_email.find('@'));
  if (local.size() >= 4 && squeezed.find(local) != std::string::npos) {
    return "La contraseña no puede contener su nombre de usuario del correo.";
  }
  const std::string squeezed_name = Squeezed(name);
  if (squeezed_name.size() >= 4 && squeezed.find(squeezed_name) != std::string::npos) {
    return "La contraseña no puede contener su nombre.";
  }
  return std::nullopt;
}

std::vector<FieldError> ValidateNewAccount(const std::string& email, const std::string& password,
                                           const std::string& name) {
  std::vector<FieldError> problems;
  const std::string normalized = NormalizeEmail(email);
  if (!plugin::IsEmailShape(normalized)) {
    problems.push_back({"email", "Escriba un correo electrónico válido."});
  }
  if (auto problem = PasswordProblem(password, normalized, name)) {
    problems.push_back({"password", *problem});
  }
  if (name.find_first_not_of(" \t") == std::string::npos || name.size() > 200) {
    problems.push_back({"name", "Escriba un nombre de hasta 200 caracteres."});
  }
  return problems;
}

StatusOr<std::string> HashPassword(const std::string& password) {
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return UnavailableError("No hay memoria para calcular la contraseña; intente de nuevo.");
  }
  return std::string(hash);
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

StatusOr<User> CreateUser(pqxx::transaction_base& work, const NewUser& user,
                          std::vector<FieldError>* problems) {
  auto found = ValidateNewAccount(user.email, user.password, user.name);
  if (!found.empty()) {
    std::string message;
    for (const auto& p : found)
      message += (message.empty() ? "" : " ") + p.field + ": " + p.message;
    if (problems) *problems = std::move(found);
    return UnprocessableError(message);
  }
  std::string hash = user.password_hash;
  if (hash.empty()) {
    CABILDO_ASSIGN_OR_RETURN(hash, HashPassword(user.password));
  }
  const std::string email = NormalizeEmail(user.email);
  // ON CONFLICT keeps the transaction usable when the email is taken.
  auto rows = work.exec_params(
      "INSERT INTO core.users (email, name, password_hash, is_instance_admin) "
      "VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id::text",
      email, user.name, hash, user.instance_admin);
  if (rows.empty()) return AlreadyExistsError("Ya existe una cuenta con ese correo.");
  return User{rows[0][0].as<std::string>(), email, user.name, user.instance_admin};
}

bool InstanceAdminExists(pqxx::transaction_base& work) {
  return work.exec_params("SELECT EXISTS (SELECT 1 FROM core.users WHERE is_instance_admin)")[0][0]
      .as<bool>();
}

}  // namespace cabildo::core
