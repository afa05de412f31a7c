// The scholarships module's CURP rules (plugins/scholarships/src/curp.h) on
// any bytes, as an applicant may type them. CurpProblem must agree with the
// JSON Schema format "curp" (plugin::IsCurp) on every input; a valid CURP's
// birth date and sex must be what its characters say; a reason must never
// quote the CURP it refuses (personal data); nothing may crash or read out
// of bounds, whatever the length or encoding.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cabildo/plugin/text_checks.h"

#include "../../plugins/scholarships/src/curp.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool IsCurpShaped(std::string_view text) {
  if (text.size() != 18) return false;
  for (const char c : text) {
    if (!cabildo::plugin::IsAsciiUpper(c) && !cabildo::plugin::IsAsciiDigit(c)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cabildo::plugins::scholarships;
  const std::string_view curp(reinterpret_cast<const char*>(data), size);
  const std::optional<std::string> problem = CurpProblem(curp);
  const bool valid = cabildo::plugin::IsCurp(curp);
  Check(valid == !problem.has_value());
  const std::optional<std::string> born = BirthDateOf(curp);
  const std::optional<char> sex = SexOf(curp);
  if (valid) {
    Check(born.has_value() && cabildo::plugin::IsCalendarDate(*born));
    Check(born->compare(2, 2, curp.substr(4, 2)) == 0 &&
          born->compare(5, 2, curp.substr(6, 2)) == 0 &&
          born->compare(8, 2, curp.substr(8, 2)) == 0);
    Check((*born)[0] == (cabildo::plugin::IsAsciiDigit(curp[16]) ? '1' : '2'));
    Check(sex.has_value() && *sex == curp[10]);
  } else {
    Check(!problem->empty());
    // No 18-character run of A-Z and 0-9 in any reason: a refused
    // CURP-shaped text is never echoed.
    if (IsCurpShaped(curp)) Check(problem->find(curp) == std::string::npos);
  }
  if (born) Check(size == 18 && cabildo::plugin::IsCalendarDate(*born));
  if (sex) Check(size == 18 && (*sex == 'H' || *sex == 'M'));
  return 0;
}
