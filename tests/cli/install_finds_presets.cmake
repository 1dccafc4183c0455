# Installs into a scratch prefix and checks that the installed binary lists
# the presets of that prefix (share/attnlab/presets), not those of the source tree.
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD}" --prefix "${PREFIX}"
                OUTPUT_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
execute_process(COMMAND "${PREFIX}/bin/attnlab" presets
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "attnlab presets failed (${rc}): ${err}")
endif()
if(NOT out MATCHES "${PREFIX}/share/attnlab/presets/e9-dedupe-sort.json\tE9\\.")
  message(FATAL_ERROR "the installed attnlab does not list its own presets:\n${out}")
endif()
if(EXISTS "${PREFIX}/share/attnlab/screenshots")
  message(FATAL_ERROR "README screenshots were installed")
endif()
message(STATUS "installed presets found: ok")
