# The Open/Save dialog in the real window at 1024x768 (a classroom projector),
# opened from the command line (--dialog, as Ctrl+O / Ctrl+S would): the report
# of where the widgets were must show the dialog whole on screen, with its list
# of files, path field and button. The screenshot stays for people to look at.
# Run with -DATTNLAB=... -DXVFB_RUN=... -DDIR=... -DDIALOG=open|save -DMODE=window|presentation
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}/state")
set(flags --size 1024x768 --dialog ${DIALOG})
if(MODE STREQUAL "presentation")
  list(APPEND flags --presentation)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env ATTNLAB_STATE_DIR=${DIR}/state
                        ${XVFB_RUN} -a -s "-screen 0 1280x800x24"
                        ${ATTNLAB} --frames 5 ${flags} --screenshot ${DIR}/dialog.png --report ${DIR}/report.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the window did not start (${rc}): ${out} ${err}")
endif()
file(READ "${DIR}/report.json" report)
string(JSON width GET "${report}" width)
string(JSON height GET "${report}" height)
if(NOT width EQUAL 1024 OR NOT height EQUAL 768)
  message(FATAL_ERROR "the window is ${width}x${height}, not 1024x768")
endif()
foreach(item dialog.${DIALOG} dialog.${DIALOG}.list dialog.${DIALOG}.path dialog.${DIALOG}.ok dialog.${DIALOG}.place.presets)
  string(JSON rect ERROR_VARIABLE missing GET "${report}" items ${item})
  if(missing)
    message(FATAL_ERROR "${item} was not drawn:\n${report}")
  endif()
  foreach(i 0 1 2 3)
    string(JSON v${i} GET "${report}" items ${item} ${i})
  endforeach()
  if(v0 LESS 0 OR v1 LESS 0 OR v2 GREATER 1024 OR v3 GREATER 768)
    message(FATAL_ERROR "${item} [${v0}, ${v1}, ${v2}, ${v3}] does not fit in 1024x768")
  endif()
endforeach()
message(STATUS "${DIALOG} dialog in the ${MODE} at 1024x768: ok (${DIR}/dialog.png)")
