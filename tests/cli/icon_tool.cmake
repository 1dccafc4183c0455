# attnlab_icon: PNGs of the right size from the SVG; bad input gives a message,
# exit 2 and no file at all (not even the sizes before the bad one); a folder
# it cannot write to gives exit 1.
include(${CMAKE_CURRENT_LIST_DIR}/png_size.cmake)
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")

function(run expect_rc expect_err)
  execute_process(COMMAND ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL expect_rc OR NOT err MATCHES "${expect_err}")
    string(REPLACE ";" " " line "${ARGN}")
    message(FATAL_ERROR "${line}\nexit ${rc} (expected ${expect_rc}), stderr:\n${err}\n(expected it to match: ${expect_err})")
  endif()
endfunction()

run(0 "^$" "${TOOL}" "${SVG}" 48 "${DIR}/a.png" 64 "${DIR}/b.png")
png_size("${DIR}/a.png" a)
png_size("${DIR}/b.png" b)
if(NOT a STREQUAL "48x48" OR NOT b STREQUAL "64x64")
  message(FATAL_ERROR "sizes: ${a} and ${b}, not 48x48 and 64x64")
endif()
file(REMOVE "${DIR}/a.png" "${DIR}/b.png")

file(WRITE "${DIR}/bad.svg" "<svg viewBox=\"0 0 8 8\">\n<circle r=\"4\"/>\n</svg>\n")
run(2 "bad\\.svg: line 2: <circle> is not drawn" "${TOOL}" "${DIR}/bad.svg" 48 "${DIR}/c.png")
run(2 "SIZE is pixels from 16 to 1024, not \"12\"" "${TOOL}" "${SVG}" 48 "${DIR}/c.png" 12 "${DIR}/d.png")
run(2 "usage: attnlab_icon" "${TOOL}" "${SVG}" 48)
run(2 "cannot read ${DIR}/none\\.svg" "${TOOL}" "${DIR}/none.svg" 48 "${DIR}/c.png")
run(1 "cannot write ${DIR}/missing-folder/c\\.png" "${TOOL}" "${SVG}" 48 "${DIR}/missing-folder/c.png")
file(GLOB left "${DIR}/*")
if(NOT left STREQUAL "${DIR}/bad.svg")
  message(FATAL_ERROR "bad input left files behind: ${left}")
endif()
message(STATUS "attnlab_icon: ok")
