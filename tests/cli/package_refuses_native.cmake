# cpack in a -march=native build refuses, says how to make a portable one,
# and writes nothing (a package from it could stop with "Illegal instruction"
# on the lecture-hall PC). Inputs: BUILD (the native build), OUT, CPACK.
file(REMOVE_RECURSE "${OUT}")
execute_process(COMMAND ${CPACK} -G DEB -B "${OUT}" WORKING_DIRECTORY "${BUILD}"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(rc EQUAL 0)
  message(FATAL_ERROR "cpack made a package from a -march=native build:\n${out}")
endif()
if(NOT err MATCHES "-march=native" OR NOT err MATCHES "-DATTNLAB_NATIVE=OFF")
  message(FATAL_ERROR "cpack failed (${rc}) without saying why and what to do:\n${out}\n${err}")
endif()
file(GLOB_RECURSE written "${OUT}/*")
if(written)
  message(FATAL_ERROR "the refused cpack wrote: ${written}")
endif()
message(STATUS "cpack refuses a -march=native build: ok")
