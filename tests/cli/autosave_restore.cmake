# The window brings back the last session from its autosave, and writes the
# autosave again when it closes. Run with -DATTNLAB=... -DXVFB_RUN=... -DDIR=... -DPRESET=...
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")
file(READ "${PRESET}" text)
string(REPLACE "\"title\": \"E2. Argmax attention\"" "\"title\": \"My restored session\"" text "${text}")
file(WRITE "${DIR}/autosave.json" "${text}")
execute_process(COMMAND ${CMAKE_COMMAND} -E env ATTNLAB_STATE_DIR=${DIR}
                        ${XVFB_RUN} -a -s "-screen 0 1280x800x24"
                        ${ATTNLAB} --frames 3 --screenshot ${DIR}/shot.png --report ${DIR}/report.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "attnlab failed (${rc}): ${out} ${err}")
endif()
file(READ "${DIR}/report.json" report)
if(NOT report MATCHES "\"title\": \"My restored session\"")
  message(FATAL_ERROR "the autosave was not restored:\n${report}")
endif()
file(READ "${DIR}/autosave.json" after)
if(NOT after MATCHES "My restored session")
  message(FATAL_ERROR "the autosave was not written back on close")
endif()
message(STATUS "autosave restored: ok")
