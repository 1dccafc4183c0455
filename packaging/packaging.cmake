# attnlab on a desktop: the menu entry, the icon, and the Debian package.
# (See README.md, "Install on a lecture-hall PC".)
#
# `cmake --install` puts, besides bin/attnlab and share/attnlab/:
#   share/applications/attnlab.desktop                  packaging/attnlab.desktop
#   share/icons/hicolor/scalable/apps/attnlab.svg       assets/icon/attnlab.svg, drawn by hand
#   share/icons/hicolor/NxN/apps/attnlab.png            N = 48, 128, 256: drawn from that SVG at
#                                                       build time by attnlab_icon (app/icon.cpp)
#
# `cpack -G DEB` in a portable build (ATTNLAB_NATIVE=OFF; cpack refuses any
# other) makes attnlab_<version>_<arch>.deb, installed with
# `apt install ./attnlab_*.deb` on a PC with no compiler.

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

# The Debian package.
set(ATTNLAB_PACKAGE_MAINTAINER "attnlab maintainers <maintainers@users.noreply.b-seed-7b0b0090.example>"
    CACHE STRING "Maintainer field of the .deb")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME attnlab)
set(CPACK_PACKAGE_VENDOR attnlab)
set(CPACK_PACKAGE_CONTACT "${ATTNLAB_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "see attention work, one matrix at a time")
# Debian's long description: lines under 80 characters (cpack indents them).
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "attnlab is a desktop app for the mathematics of attention, for an instructor"
  "projecting it in a lecture hall and for a student checking exercises by hand."
  "Load an exercise, change any number, and every result that depends on it"
  "(scores, weights, outputs, probabilities, the loss) updates at once."
  "It ships the course's exercises as presets, has a presentation mode, and"
  "exports pictures of any matrix as PNG, JPEG or SVG, also from the command"
  "line with no display (attnlab render).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # attnlab_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION education)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# dpkg-shlibdeps (dpkg-dev) names the libraries the binary links: libc6,
# libstdc++6, libgcc-s1, libglfw3, libegl1, libopengl0, libglx0, libstb0.
# Not seen by it: the DejaVu Sans file the fonts are loaded from, and
# libGL.so.1, which GLFW and ImGui's OpenGL loader open with dlopen.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fonts-dejavu-core, libgl1")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libgl1-mesa-dri")  # Mesa's drivers, llvmpipe where there is no GPU driver

# A package is for other machines: cpack refuses a build that only this CPU
# (or only a sanitizer run) can use, before it builds or writes anything.
set(CPACK_ATTNLAB_NOT_PORTABLE "")
if(ATTNLAB_NATIVE AND ATTNLAB_HAS_MARCH_NATIVE)
  set(CPACK_ATTNLAB_NOT_PORTABLE "it uses -march=native (ATTNLAB_NATIVE is ON), so on another PC it may stop with 'Illegal instruction'")
elseif(ATTNLAB_SANITIZE)
  set(CPACK_ATTNLAB_NOT_PORTABLE "it has the sanitizers in it (ATTNLAB_SANITIZE is ON)")
endif()
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/cpack_portable_only.cmake)
include(CPack)
