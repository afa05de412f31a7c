#include <algorithm>

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

std::vector<FieldProblem> ValidateNewAccount(const std::string& email, const std::string& password,
                                             const std::string& name) {
  std::vector<FieldProblem> problems;
  const std::string normalized = NormalizeEmail(email);
  if (!plugin::IsEmailShape(normalized)) {
    problems.push_back({"email", "Escriba un correo electrónico válido."});
  }
  // Length in characters, not bytes: "contraseña" is 10 characters.
  size_t characters = 0;
  for (unsigned char c : password) characters += (c & 0xC0) != 0x80;
  if (characters < 10) {
    problems.push_back({"password", "La contraseña debe tener al menos 10 caracteres."});
  } else if (NormalizeEmail(password) == normalized) {
    problems.push_back({"password", "La contraseña no puede ser igual al correo."});
  } else if (password.size() > 1024) {
    problems.push_back({"password", "La contraseña es demasiado larga."});
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
                          std::vector<FieldProblem>* problems) {
  auto found = ValidateNewAccount(user.email, user.password, user.name);
  if (!found.empty()) {
    std::string message;
    for (const auto& p : found)
      message += (message.empty() ? "" : " ") + p.field + ": " + p.message;
    if (problems) *problems = std::move(found);
    return FailedPreconditionError(message);
  }
  CABILDO_ASSIGN_OR_RETURN(std::string hash, HashPassword(user.password));
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
