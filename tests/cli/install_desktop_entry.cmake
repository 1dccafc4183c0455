# `cmake --install` into a scratch prefix puts attnlab in the desktop's
# application menu: a valid .desktop entry that runs `attnlab` and names the
# `attnlab` icon, and that icon in the hicolor theme at 48, 128 and 256 pixels
# (PNG, the right size) and as the SVG itself.
include(${CMAKE_CURRENT_LIST_DIR}/png_size.cmake)
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD}" --prefix "${PREFIX}"
                OUTPUT_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()

set(desktop "${PREFIX}/share/applications/attnlab.desktop")
if(NOT EXISTS "${desktop}")
  message(FATAL_ERROR "no ${desktop}")
endif()
find_program(DESKTOP_FILE_VALIDATE desktop-file-validate)
if(NOT DESKTOP_FILE_VALIDATE)
  message(FATAL_ERROR "desktop-file-validate not found (apt-get install desktop-file-utils)")
endif()
execute_process(COMMAND ${DESKTOP_FILE_VALIDATE} "${desktop}"
                OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "")
  message(FATAL_ERROR "desktop-file-validate (${rc}):\n${out}")
endif()
file(READ "${desktop}" entry)
foreach(line "Exec=attnlab %f" "Icon=attnlab" "Type=Application" "StartupWMClass=attnlab")
  if(NOT entry MATCHES "\n${line}\n")
    message(FATAL_ERROR "${desktop} has no line \"${line}\":\n${entry}")
  endif()
endforeach()

set(icons "${PREFIX}/share/icons/hicolor")
foreach(size 48 128 256)
  png_size("${icons}/${size}x${size}/apps/attnlab.png" got)
  if(NOT got STREQUAL "${size}x${size}")
    message(FATAL_ERROR "${icons}/${size}x${size}/apps/attnlab.png: ${got}, not ${size}x${size}")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${icons}/scalable/apps/attnlab.svg" "${SVG}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${icons}/scalable/apps/attnlab.svg is not ${SVG}")
endif()
message(STATUS "desktop entry and icons installed: ok")
