# Finds the Debian 12 packages attnlab builds on and exposes them as targets.
# Nothing is downloaded or vendored: every dependency is an apt package, listed
# in third_party/README.md together with the line that installs them.
#
#   attnlab::eigen   libeigen3-dev        (header only)
#   attnlab::json    nlohmann-json3-dev   (header only; core's readers and writers, and the app's recent-files list)
#   attnlab::imgui   libimgui-dev 1.86    (static libimgui.a holding the GLFW and OpenGL3
#                                          backends; pulls libstb through imgui.pc)
#   attnlab::stb     libstb-dev           (PNG and JPEG writing: libstb.so holds the implementations)
#   attnlab::glfw    libglfw3-dev
#   OpenGL::GL       libgl-dev
#   OpenGL::EGL      libegl-dev (Mesa's surfaceless platform renders `attnlab render` with no display)

find_package(PkgConfig REQUIRED)

find_package(Eigen3 3.3 REQUIRED NO_MODULE)
add_library(attnlab_eigen INTERFACE)
target_link_libraries(attnlab_eigen INTERFACE Eigen3::Eigen)
add_library(attnlab::eigen ALIAS attnlab_eigen)

find_package(nlohmann_json 3.2 REQUIRED)
add_library(attnlab_json INTERFACE)
target_link_libraries(attnlab_json INTERFACE nlohmann_json::nlohmann_json)
add_library(attnlab::json ALIAS attnlab_json)

# Debian's imgui has no CMake package; its .pc gives -I/usr/include/imgui -limgui
# and (through Requires: stb) -I/usr/include/stb -lstb. The backends' headers sit
# in /usr/include/imgui/backends, which is not on that include path.
pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
add_library(attnlab_imgui INTERFACE)
target_link_libraries(attnlab_imgui INTERFACE PkgConfig::IMGUI)
target_include_directories(attnlab_imgui SYSTEM INTERFACE ${IMGUI_INCLUDEDIR}/backends)
add_library(attnlab::imgui ALIAS attnlab_imgui)

# stb alone, for the tools that need no ImGui (attnlab_icon).
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
add_library(attnlab_stb INTERFACE)
target_link_libraries(attnlab_stb INTERFACE PkgConfig::STB)
add_library(attnlab::stb ALIAS attnlab_stb)

find_package(glfw3 3.3 REQUIRED)
set(OpenGL_GL_PREFERENCE GLVND)
find_package(OpenGL REQUIRED COMPONENTS OpenGL EGL)  # EGL: pictures with no display

if(ATTNLAB_BUILD_TESTS)
  find_package(GTest REQUIRED)
  find_package(benchmark REQUIRED)
  find_program(XVFB_RUN xvfb-run)
endif()
