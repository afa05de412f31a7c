# cabildo_add_plugin(NAME <module> SRCS <files...> [MIGRATIONS <dir>] [OUTPUT_DIR <dir>])
#
# Builds libcabildo_<module>.so: a MODULE library with hidden visibility (only
# the CABILDO_PLUGIN symbol is exported), no undefined symbols, linked only to
# the SDK. The module's migrations/NNNN_*.sql are embedded into the library as
# `kEmbeddedMigrations` (include "<target>_migrations.inc"), so a plugin is one
# file to install.
function(cabildo_add_plugin)
  cmake_parse_arguments(ARG "" "NAME;MIGRATIONS;OUTPUT_DIR" "SRCS" ${ARGN})
  string(REPLACE "-" "_" target "cabildo_plugin_${ARG_NAME}")
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR "${CABILDO_DEFAULT_PLUGIN_DIR}")
  endif()
  add_library(${target} MODULE ${ARG_SRCS})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME "cabildo_${ARG_NAME}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIR}")
  # Hidden visibility does not hide the weak std:: template code a plugin
  # instantiates; the version script does: the descriptor is the only export.
  set(exports "${CMAKE_CURRENT_BINARY_DIR}/${target}.exports")
  file(WRITE "${exports}" "{ global: cabildo_plugin_v1; local: *; };\n")
  target_link_options(${target} PRIVATE -Wl,--no-undefined "-Wl,--version-script=${exports}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${exports}")
  if(CABILDO_BUILD_TESTS)
    add_test(NAME plugin_exports.${ARG_NAME}
             COMMAND ${CMAKE_COMMAND} -DLIBRARY=$<TARGET_FILE:${target}>
                     -P "${PROJECT_SOURCE_DIR}/cmake/CheckPluginExports.cmake")
    set_tests_properties(plugin_exports.${ARG_NAME} PROPERTIES LABELS unit)
  endif()
  target_link_libraries(${target} PRIVATE cabildo::plugin_api)

  set(inc "${CMAKE_CURRENT_BINARY_DIR}/${target}_migrations.inc")
  set(content "// Generated from ${ARG_MIGRATIONS}; do not edit.\n")
  string(APPEND content "inline const std::pair<const char*, const char*> kEmbeddedMigrations[] = {\n")
  if(ARG_MIGRATIONS)
    file(GLOB sql_files CONFIGURE_DEPENDS "${ARG_MIGRATIONS}/*.sql")
    list(SORT sql_files)
    foreach(sql_file IN LISTS sql_files)
      get_filename_component(sql_name "${sql_file}" NAME)
      file(READ "${sql_file}" sql_text)
      string(APPEND content "  {\"${sql_name}\", R\"cabildo_sql(${sql_text})cabildo_sql\"},\n")
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${sql_file}")
    endforeach()
  endif()
  string(APPEND content "};\n")
  file(GENERATE OUTPUT "${inc}" CONTENT "${content}")
  target_include_directories(${target} PRIVATE "${CMAKE_CURRENT_BINARY_DIR}")
endfunction()
