# cmake -DROOT=<repo> -P CheckNoRegex.cmake
# Fails when std::regex (or <regex>) appears in server code: libstdc++'s
# regex matches by recursion, one stack frame per character, so one long
# string from a client overflows the stack (issue 15). Use the linear checks
# of core/include/cabildo/plugin/text_checks.h instead. Tests may use regex.
file(GLOB_RECURSE sources
     "${ROOT}/api/src/*.cc" "${ROOT}/api/src/*.h" "${ROOT}/api/include/*.h"
     "${ROOT}/core/src/*.cc" "${ROOT}/core/src/*.h" "${ROOT}/core/include/*.h"
     "${ROOT}/plugins/*/src/*.cc" "${ROOT}/plugins/*/src/*.h" "${ROOT}/plugins/*/plugin.cc")
set(offenders "")
foreach(source IN LISTS sources)
  if(source MATCHES "_test\\.cc$")
    continue()
  endif()
  file(STRINGS "${source}" hits REGEX "std::regex|#include <regex>|std::smatch|std::regex_")
  # The comment in text_checks.h that explains the rule names std::regex.
  list(FILTER hits EXCLUDE REGEX "^ *//")
  if(hits)
    list(APPEND offenders "${source}: ${hits}")
  endif()
endforeach()
if(offenders)
  string(REPLACE ";" "\n" offenders "${offenders}")
  message(FATAL_ERROR "std::regex in server code (use cabildo/plugin/text_checks.h):\n${offenders}")
endif()
list(LENGTH sources count)
message(STATUS "no std::regex in ${count} server source files")
