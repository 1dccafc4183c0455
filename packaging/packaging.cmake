# attnlab on a desktop: the menu entry and the icon.
#
# `cmake --install` puts, besides bin/attnlab and share/attnlab/:
#   share/applications/attnlab.desktop                  packaging/attnlab.desktop
#   share/icons/hicolor/scalable/apps/attnlab.svg       assets/icon/attnlab.svg, drawn by hand
#   share/icons/hicolor/NxN/apps/attnlab.png            N = 48, 128, 256: drawn from that SVG at
#                                                       build time by attnlab_icon (app/icon.cpp)

set(ATTNLAB_ICON_SVG ${PROJECT_SOURCE_DIR}/assets/icon/attnlab.svg)
set(ATTNLAB_ICON_SIZES 48 128 256)
set(icon_pngs "")
set(icon_args "")
set(icon_dirs "")
foreach(size IN LISTS ATTNLAB_ICON_SIZES)
  set(dir ${PROJECT_BINARY_DIR}/icons/hicolor/${size}x${size}/apps)
  list(APPEND icon_dirs ${dir})
  list(APPEND icon_pngs ${dir}/attnlab.png)
  list(APPEND icon_args ${size} ${dir}/attnlab.png)
  install(FILES ${dir}/attnlab.png DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
endforeach()
add_custom_command(OUTPUT ${icon_pngs}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${icon_dirs}
  COMMAND attnlab_icon ${ATTNLAB_ICON_SVG} ${icon_args}
  DEPENDS attnlab_icon ${ATTNLAB_ICON_SVG}
  COMMENT "Drawing the icon's PNGs from assets/icon/attnlab.svg"
  VERBATIM)
add_custom_target(attnlab_icons ALL DEPENDS ${icon_pngs})
install(FILES ${ATTNLAB_ICON_SVG} DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/attnlab.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
