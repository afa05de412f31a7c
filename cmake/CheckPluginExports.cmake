# cmake -DLIBRARY=<plugin .so> -P CheckPluginExports.cmake
cmake_policy(SET CMP0007 NEW)
# Fails unless the plugin's dynamic symbol table defines exactly one symbol,
# the `cabildo_plugin_v1` descriptor (architecture.md, "Plugins").
execute_process(COMMAND nm -D --defined-only "${LIBRARY}"
                OUTPUT_VARIABLE symbols RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIBRARY}")
endif()
string(REGEX REPLACE "[^\n]* ([^ \n]+)\n" "\\1;" names "${symbols}")
list(REMOVE_ITEM names "")
if(NOT names STREQUAL "cabildo_plugin_v1")
  message(FATAL_ERROR "${LIBRARY} exports more than its descriptor: ${names}")
endif()
message(STATUS "${LIBRARY}: exports only cabildo_plugin_v1")
