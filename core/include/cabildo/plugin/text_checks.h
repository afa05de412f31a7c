// Shape checks for text that comes from clients, written by hand instead of
// with std::regex: libstdc++'s regex matches by recursion, one stack frame per
// character, so a 200 KB string overflows the stack (issue 15). Each check
// caps the length first and then makes one pass over the bytes, so its cost
// is bounded whatever the input. Header-only: plugins and the core share it.
// Do not add std::regex here or anywhere it sees client data
// (the no_std_regex test, cmake/CheckNoRegex.cmake, enforces it).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace cabildo::plugin {

inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsLowerHex(char c) { return IsAsciiDigit(c) || (c >= 'a' && c <= 'f'); }
inline bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }

// Only ASCII digits, and at least one.
inline bool IsDigits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!IsAsciiDigit(c)) return false;
  }
  return true;
}

// Digits, exactly one of `lengths` long: INEGI keys are 2 or 5 digits, a
// CVEGEO 2, 5 or 9.
inline bool IsDigitsOfLength(std::string_view text, std::initializer_list<std::size_t> lengths) {
  for (const std::size_t length : lengths) {
    if (text.size() == length) return IsDigits(text);
  }
  return false;
}

// A lower-case UUID as PostgreSQL prints it: 8-4-4-4-12 hex digits.
inline bool IsLowerUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !IsLowerHex(text[i])) return false;
  }
  return true;
}

// `min_length` to `max_length` of a-z, 0-9 and '-', the first a letter when
// `letter_first`: plugin and export names, tenant slugs.
inline bool IsLowerName(std::string_view text, std::size_t min_length, std::size_t max_length,
                        bool letter_first) {
  if (text.size() < min_length || text.size() > max_length) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool letter = c >= 'a' && c <= 'z';
    if (i == 0 && letter_first && !letter) return false;
    if (!letter && !IsAsciiDigit(c) && c != '-') return false;
  }
  return true;
}

// "YYYY-MM-DD" by shape only (the caller checks it is a real day).
inline bool IsDateShape(std::string_view text) {
  if (text.size() != 10) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7 ? text[i] != '-' : !IsAsciiDigit(text[i])) return false;
  }
  return true;
}

// A real calendar day "YYYY-MM-DD" from year 0001 (PostgreSQL has no year
// 0000): the shape, a month 01-12 and a day that month has, leap years by the
// Gregorian rule ("2024-02-29" yes, "2026-02-31" and "1900-02-29" no).
inline bool IsCalendarDate(std::string_view text) {
  if (!IsDateShape(text)) return false;
  auto number = [&](std::size_t at, std::size_t length) {
    int value = 0;
    for (std::size_t i = at; i < at + length; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  const int year = number(0, 4);
  const int month = number(5, 2);
  const int day = number(8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// RFC 3339 date-time: "2026-01-31T12:00:00Z", with up to 6 fractional digits
// and "Z" or a "+hh:mm"/"-hh:mm" offset (what PostgreSQL reads back exactly).
inline bool IsRfc3339Timestamp(std::string_view text) {
  constexpr std::size_t kLongest = 32;  // 19 + '.' + 6 + 6
  if (text.size() < 20 || text.size() > kLongest) return false;
  // "YYYY-MM-DDThh:mm:ss": digits except the separators at fixed places.
  for (std::size_t i = 0; i < 19; ++i) {
    const char expected = i == 4 || i == 7 ? '-' : i == 10 ? 'T' : i == 13 || i == 16 ? ':' : 0;
    if (expected != 0 ? text[i] != expected : !IsAsciiDigit(text[i])) return false;
  }
  std::size_t at = 19;
  if (text[at] == '.') {
    std::size_t digits = 0;
    for (++at; at < text.size() && IsAsciiDigit(text[at]); ++at) ++digits;
    if (digits < 1 || digits > 6) return false;
  }
  const std::string_view zone = text.substr(at);
  if (zone == "Z") return true;
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && IsAsciiDigit(zone[1]) &&
         IsAsciiDigit(zone[2]) && zone[3] == ':' && IsAsciiDigit(zone[4]) && IsAsciiDigit(zone[5]);
}

// An http(s) address: at most `max_length` bytes (2,048, what browsers and
// servers reliably carry), "http://" or "https://" and then at least one
// byte, none of them a space or a control character.
inline bool IsHttpUrl(std::string_view text, std::size_t max_length = 2048) {
  if (text.size() > max_length) return false;
  std::string_view rest;
  if (text.substr(0, 7) == "http://") {
    rest = text.substr(7);
  } else if (text.substr(0, 8) == "https://") {
    rest = text.substr(8);
  } else {
    return false;
  }
  if (rest.empty()) return false;
  for (const char c : rest) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return false;
  }
  return true;
}

// An e-mail address by shape: at most 254 bytes, one '@' with something
// before it, a domain with a dot that has something on both sides, and no
// whitespace or control character anywhere.
inline bool IsEmailShape(std::string_view text) {
  if (text.size() > 254) return false;
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0 || text.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return false;
  }
  const std::string_view domain = text.substr(at + 1);
  const std::size_t dot = domain.find('.', 1);
  return dot != std::string_view::npos && dot + 1 < domain.size();
}

// A Mexican RFC (tax id): 3 letters (companies) or 4 (people) from A-Z, 'Ñ'
// and '&', then 6 digits (the date) and 3 letters or digits (the homoclave).
inline bool IsRfc(std::string_view text) {
  if (text.size() > 20) return false;  // 4 two-byte 'Ñ' + 9 is the longest
  std::size_t at = 0;
  std::size_t letters = 0;
  while (at < text.size() && letters < 4) {
    if (IsAsciiUpper(text[at]) || text[at] == '&') {
      at += 1;
    } else if (text.substr(at, 2) == "\xC3\x91") {  // 'Ñ' in UTF-8
      at += 2;
    } else {
      break;
    }
    ++letters;
  }
  if (letters < 3 || text.size() - at != 9) return false;
  for (std::size_t i = 0; i < 9; ++i) {
    const char c = text[at + i];
    if (i < 6 ? !IsAsciiDigit(c) : !(IsAsciiDigit(c) || IsAsciiUpper(c))) return false;
  }
  return true;
}

// The check digit of a CURP's first 17 characters (RENAPO): each character's
// value in "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ" ('0' = 0, 'A' = 10,
// 'N' = 23, 'Ñ' = 24, 'O' = 25, 'Z' = 36) times its weight 18 - i, summed;
// the digit is (10 - sum % 10) % 10. Returns -1 when a character is not an
// ASCII digit or upper-case letter (a CURP never holds 'Ñ': RENAPO writes 'X'
// in its place, but the alphabet keeps it, so every letter after 'N' is
// worth one more than its rank in A-Z). REQUIRES: prefix.size() == 17.
inline int CurpCheckDigit(std::string_view prefix) {
  int sum = 0;
  for (std::size_t i = 0; i < 17 && i < prefix.size(); ++i) {
    const char c = prefix[i];
    int value = 0;
    if (IsAsciiDigit(c)) {
      value = c - '0';
    } else if (IsAsciiUpper(c)) {
      value = 10 + (c - 'A') + (c > 'N' ? 1 : 0);
    } else {
      return -1;
    }
    sum += value * static_cast<int>(18 - i);
  }
  return (10 - sum % 10) % 10;
}

// A Mexican CURP (Clave Única de Registro de Población), 18 ASCII
// characters as RENAPO issues them:
//   0-3   four letters (surnames' and given name's initials and first inner
//         vowel; 'X' where there is none; 'Ñ' is written 'X', so any UTF-8
//         'Ñ' is refused)
//   4-9   birth date YYMMDD, a real day: 19YY when character 16 is a digit
//         (born before 2000), 20YY when it is a letter
//   10    sex: 'H' or 'M'
//   11-12 birth state: one of the 32 two-letter codes, or "NE" (born abroad)
//   13-15 the first inner consonant of each name (never A, E, I, O, U)
//   16    homoclave: a digit (before 2000) or a letter (from 2000)
//   17    the check digit of the first 17 (CurpCheckDigit).
inline bool IsCurp(std::string_view text) {
  if (text.size() != 18) return false;
  for (std::size_t i = 0; i < 4; ++i) {
    if (!IsAsciiUpper(text[i])) return false;
  }
  for (std::size_t i = 4; i < 10; ++i) {
    if (!IsAsciiDigit(text[i])) return false;
  }
  if (text[10] != 'H' && text[10] != 'M') return false;
  constexpr std::string_view kStates =
      "AS BC BS CC CL CM CS CH DF DG GT GR HG JC MC MN MS NT NL OC PL QT QR SP SL SR TC TS TL VZ "
      "YN "
      "ZS NE";
  bool state = false;
  for (std::size_t i = 0; i + 1 < kStates.size(); i += 3) {
    if (kStates.substr(i, 2) == text.substr(11, 2)) state = true;
  }
  if (!state) return false;
  for (std::size_t i = 13; i < 16; ++i) {
    const char c = text[i];
    if (!IsAsciiUpper(c) || c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U') return false;
  }
  const char homoclave = text[16];
  if (!IsAsciiDigit(homoclave) && !IsAsciiUpper(homoclave)) return false;
  // "YYYY-MM-DD" from YYMMDD and the century the homoclave tells.
  char date[10] = {IsAsciiDigit(homoclave) ? '1' : '2',
                   IsAsciiDigit(homoclave) ? '9' : '0',
                   text[4],
                   text[5],
                   '-',
                   text[6],
                   text[7],
                   '-',
                   text[8],
                   text[9]};
  if (!IsCalendarDate(std::string_view(date, sizeof date))) return false;
  return IsAsciiDigit(text[17]) && CurpCheckDigit(text.substr(0, 17)) == text[17] - '0';
}

// "carla.gomez@correo.mx" -> "c**********@correo.mx": enough to recognise
// one's own address, not to learn anyone's. Not an address (no '@', or it
// starts with one, or longer than 254): asterisks, at most 20.
inline std::string MaskEmail(std::string_view email) {
  const std::size_t at = email.rfind('@');
  if (at == std::string_view::npos || at == 0 || email.size() > 254) {
    return std::string(email.size() < 20 ? email.size() : 20, '*');
  }
  std::string masked(1, email[0]);
  masked.append(at - 1, '*');
  masked.append(email.substr(at));
  return masked;
}

}  // namespace cabildo::plugin
