# A bad autosave never stops the window: it opens the first exercise, says what
# was wrong and where the file was put aside, and keeps at most three of them.
# Run with -DATTNLAB=... -DXVFB_RUN=... -DDIR=...
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")
foreach(round 1 2 3 4)
  # Round r writes a different bad file: a number too large for a double.
  file(WRITE "${DIR}/autosave.json" "{\"title\": \"round ${round}\", \"temperature\": 1e400, \"Q\": [[1]], \"K\": [[1]], \"V\": [[1]]}")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ATTNLAB_STATE_DIR=${DIR}
                          ${XVFB_RUN} -a -s "-screen 0 1280x800x24"
                          ${ATTNLAB} --frames 3 --screenshot ${DIR}/shot.png --report ${DIR}/report.json
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "round ${round}: the window did not start (${rc}): ${out} ${err}")
  endif()
  file(READ "${DIR}/report.json" report)
  if(NOT report MATCHES "\"title\": \"E9\\.")
    message(FATAL_ERROR "round ${round}: the first exercise was not opened:\n${report}")
  endif()
  if(NOT report MATCHES "could not be restored \\(temperature: the number 1e400 is too large for a double")
    message(FATAL_ERROR "round ${round}: the message does not name the problem:\n${report}")
  endif()
  if(NOT report MATCHES "kept as [^\"]*autosave\\.bad-1\\.json")
    message(FATAL_ERROR "round ${round}: the message does not say where the file went:\n${report}")
  endif()
  file(READ "${DIR}/autosave.bad-1.json" kept)
  if(NOT kept MATCHES "round ${round}")
    message(FATAL_ERROR "round ${round}: the bad file was not kept whole: ${kept}")
  endif()
endforeach()
# Three copies at most, the newest first.
file(READ "${DIR}/autosave.bad-3.json" oldest)
if(NOT oldest MATCHES "round 2")
  message(FATAL_ERROR "the oldest kept copy should be round 2's: ${oldest}")
endif()
if(EXISTS "${DIR}/autosave.bad-4.json")
  message(FATAL_ERROR "more than three bad autosaves were kept")
endif()
message(STATUS "bad autosave set aside: ok")
