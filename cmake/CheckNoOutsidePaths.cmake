# cmake -DROOT=<repo> -P CheckNoOutsidePaths.cmake
# Fails when a file of the repository names a path outside it: a sibling
# folder (dot-dot-slash "shared") or the development machine's /work tree. A
# fresh clone with nothing beside it must build and pass scripts/test
# (issue 16, item 5); what the tests need lives in the repository (the OC4IDS
# schemas in tests/standards/, the tenant file in tenants/). The files are
# git's (git ls-files) when ROOT is a checkout, else every file outside build
# and state dirs. Vendored standards and fuzz corpora are not ours to edit.
set(patterns "\\.\\./shared" "/work/")
set(files "")
find_program(GIT git)
if(GIT AND EXISTS "${ROOT}/.git")
  execute_process(COMMAND "${GIT}" -C "${ROOT}" ls-files
                  OUTPUT_VARIABLE listed RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc EQUAL 0)
    string(REPLACE "\n" ";" files "${listed}")
  endif()
endif()
if(NOT files)
  file(GLOB_RECURSE files RELATIVE "${ROOT}" "${ROOT}/*")
  list(FILTER files EXCLUDE REGEX "^(build|\\.local[^/]*|\\.git|bench/\\.state)/|/node_modules/")
endif()
list(FILTER files EXCLUDE REGEX "^tests/standards/|^tests/fuzz/corpus/")
list(FILTER files EXCLUDE REGEX "^cmake/CheckNoOutsidePaths\\.cmake$")  # names the patterns
set(offenders "")
set(scanned 0)
foreach(file IN LISTS files)
  if(NOT EXISTS "${ROOT}/${file}" OR IS_DIRECTORY "${ROOT}/${file}")
    continue()
  endif()
  math(EXPR scanned "${scanned} + 1")
  foreach(pattern IN LISTS patterns)
    file(STRINGS "${ROOT}/${file}" hits REGEX "${pattern}")
    if(hits)
      list(APPEND offenders "${file}: ${hits}")
    endif()
  endforeach()
endforeach()
if(offenders)
  string(REPLACE ";" "\n" offenders "${offenders}")
  message(FATAL_ERROR "files that name a path outside the repository:\n${offenders}")
endif()
message(STATUS "no path outside the repository in ${scanned} files")
