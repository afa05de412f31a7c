#include "curp.h"

#include "cabildo/plugin/text_checks.h"

namespace cabildo::plugins::scholarships {
namespace {

using plugin::IsAsciiDigit;
using plugin::IsAsciiUpper;

// The two-letter codes of the birth state (RENAPO's catalogue): the 32
// states and NE, born abroad. The same list as plugin::IsCurp's.
constexpr std::string_view kStates[] = {"AS", "BC", "BS", "CC", "CL", "CM", "CS", "CH", "DF",
                                        "DG", "GT", "GR", "HG", "JC", "MC", "MN", "MS", "NT",
                                        "NL", "OC", "PL", "QT", "QR", "SP", "SL", "SR", "TC",
                                        "TS", "TL", "VZ", "YN", "ZS", "NE"};

bool IsVowel(char c) { return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U'; }

// UTF-8 code points of `text` (bytes that do not continue a sequence).
std::size_t CodePoints(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace

std::optional<std::string> BirthDateOf(std::string_view curp) {
  if (curp.size() != 18) return std::nullopt;
  const char homoclave = curp[16];
  if (!IsAsciiDigit(homoclave) && !IsAsciiUpper(homoclave)) return std::nullopt;
  const bool before_2000 = IsAsciiDigit(homoclave);
  std::string date = before_2000 ? "19" : "20";
  date.append(curp.substr(4, 2));
  date += '-';
  date.append(curp.substr(6, 2));
  date += '-';
  date.append(curp.substr(8, 2));
  if (!plugin::IsCalendarDate(date)) return std::nullopt;
  return date;
}

std::optional<char> SexOf(std::string_view curp) {
  if (curp.size() != 18 || (curp[10] != 'H' && curp[10] != 'M')) return std::nullopt;
  return curp[10];
}

std::optional<std::string> CurpProblem(std::string_view curp) {
  if (curp.size() != 18) {
    const std::size_t length = CodePoints(curp);
    if (length != 18) {
      return "La CURP tiene 18 caracteres (letras y dígitos, sin espacios ni guiones) y la que "
             "escribió tiene " +
             std::to_string(length) + ".";
    }
    // 18 characters, some of them beyond ASCII: handled below.
  }
  bool accent = false, lower = false, other = false;
  for (const char c : curp) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      accent = true;
    } else if (c >= 'a' && c <= 'z') {
      lower = true;
    } else if (!IsAsciiUpper(c) && !IsAsciiDigit(c)) {
      other = true;
    }
  }
  if (accent) {
    return std::string(
        "La CURP solo lleva letras sin acento (A a Z) y dígitos; donde el nombre tiene Ñ, la "
        "CURP lleva X.");
  }
  if (lower) return std::string("Escriba la CURP en mayúsculas, como aparece en su constancia.");
  if (other) {
    return std::string(
        "La CURP solo lleva letras mayúsculas (A a Z) y dígitos, sin espacios, guiones ni "
        "otros signos.");
  }
  for (std::size_t i = 0; i < 4; ++i) {
    if (!IsAsciiUpper(curp[i])) {
      return std::string(
          "Los 4 primeros caracteres de la CURP son letras (de los apellidos y el nombre).");
    }
  }
  for (std::size_t i = 4; i < 10; ++i) {
    if (!IsAsciiDigit(curp[i])) {
      return std::string(
          "Los caracteres 5 a 10 de la CURP son dígitos: la fecha de nacimiento en la forma "
          "AAMMDD (año, mes y día).");
    }
  }
  if (!IsAsciiDigit(curp[17])) {
    return std::string("El último carácter de la CURP es un dígito (el dígito verificador).");
  }
  if (!BirthDateOf(curp)) {
    return std::string(
        "Los caracteres 5 a 10 de la CURP no forman una fecha de nacimiento que exista (AAMMDD: "
        "año, mes y día; el carácter 17 dice el siglo: un dígito antes de 2000, una letra desde "
        "2000). Revíselos.");
  }
  if (!SexOf(curp)) {
    return std::string("El carácter 11 de la CURP es el sexo: H (hombre) o M (mujer).");
  }
  bool state = false;
  for (const std::string_view code : kStates) {
    if (curp.substr(11, 2) == code) state = true;
  }
  if (!state) {
    return std::string(
        "Los caracteres 12 y 13 de la CURP no son una clave de entidad de nacimiento (por "
        "ejemplo DG para Durango, o NE si nació en el extranjero).");
  }
  for (std::size_t i = 13; i < 16; ++i) {
    if (!IsAsciiUpper(curp[i]) || IsVowel(curp[i])) {
      return std::string(
          "Los caracteres 14 a 16 de la CURP son consonantes (las consonantes internas de los "
          "apellidos y el nombre, o X), nunca vocales ni dígitos.");
    }
  }
  if (plugin::CurpCheckDigit(curp.substr(0, 17)) != curp[17] - '0') {
    return std::string(
        "El dígito verificador de la CURP (el último carácter) no corresponde a los demás: "
        "revise que la haya copiado sin errores.");
  }
  return std::nullopt;
}

}  // namespace cabildo::plugins::scholarships
