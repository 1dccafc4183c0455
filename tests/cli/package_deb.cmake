# The Debian package, as a lecture-hall PC gets it:
#   1. a portable build (ATTNLAB_NATIVE=OFF, no tests) in BUILD, configured
#      once and reused, so a run rebuilds only what changed;
#   2. `cpack -G DEB` into OUT;
#   3. its metadata (dpkg-deb -f) and contents (dpkg-deb -c);
#   4. the packaged binary, extracted with dpkg-deb -x: `eval` of a shipped
#      preset gives E9's loss, `presets` lists the extracted presets, `render`
#      draws a JPEG with no display, the window opens (under Xvfb);
#   5. no AVX instruction in it (x86-64), which a -march=native build is full of;
#   6. apt can resolve its Depends on this machine.
# Inputs: SOURCE BUILD OUT GENERATOR VERSION CPACK, optional XVFB_RUN.
cmake_minimum_required(VERSION 3.16)  # policies of a script: IN_LIST
include(${CMAKE_CURRENT_LIST_DIR}/png_size.cmake)

string(TIMESTAMP t0 "%s")
function(step what)
  string(TIMESTAMP now "%s")
  math(EXPR s "${now} - ${t0}")
  message(STATUS "package_deb: ${what} (${s} s)")
endfunction()

# Runs a command; on failure prints it with its output and stops.
function(run)
  cmake_parse_arguments(R "" "DIR;OUT" "" ${ARGN})
  execute_process(COMMAND ${R_UNPARSED_ARGUMENTS} WORKING_DIRECTORY "${R_DIR}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " line "${R_UNPARSED_ARGUMENTS}")
    message(FATAL_ERROR "failed (${rc}): ${line}\n${out}\n${err}")
  endif()
  if(R_OUT)
    set(${R_OUT} "${out}" PARENT_SCOPE)
  endif()
endfunction()

# 1. The portable build.
if(NOT EXISTS "${BUILD}/CMakeCache.txt")
  run(${CMAKE_COMMAND} -S "${SOURCE}" -B "${BUILD}" -G "${GENERATOR}" -DCMAKE_BUILD_TYPE=Release
      -DATTNLAB_NATIVE=OFF -DATTNLAB_BUILD_TESTS=OFF)
endif()
run(${CMAKE_COMMAND} --build "${BUILD}")
step("portable build")

# 2. The package.
file(REMOVE_RECURSE "${OUT}")
run(${CPACK} -G DEB -B "${OUT}/cpack" DIR "${BUILD}")
file(GLOB debs "${OUT}/cpack/attnlab_*.deb")
list(LENGTH debs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one attnlab_*.deb in ${OUT}/cpack, found ${n}: ${debs}")
endif()
set(deb "${debs}")
step("cpack -G DEB")

# 3. Metadata and contents.
run(dpkg --print-architecture OUT arch)
string(STRIP "${arch}" arch)
get_filename_component(deb_name "${deb}" NAME)
if(NOT deb_name STREQUAL "attnlab_${VERSION}_${arch}.deb")
  message(FATAL_ERROR "the package is ${deb_name}, not attnlab_${VERSION}_${arch}.deb")
endif()
foreach(field_value "Package=attnlab" "Version=${VERSION}" "Architecture=${arch}" "Section=education")
  string(REPLACE "=" ";" fv "${field_value}")
  list(GET fv 0 field)
  list(GET fv 1 want)
  run(dpkg-deb -f "${deb}" ${field} OUT got)
  string(STRIP "${got}" got)
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "${field}: \"${got}\", not \"${want}\"")
  endif()
endforeach()
run(dpkg-deb -f "${deb}" Maintainer Description OUT got)
if(NOT got MATCHES "Maintainer: [^\n]+ <[^\n]+@[^\n]+>\n" OR NOT got MATCHES "Description: [^\n]+\n [^\n]+")
  message(FATAL_ERROR "no maintainer or no description:\n${got}")
endif()
run(dpkg-deb -f "${deb}" Depends OUT depends)
string(STRIP "${depends}" depends)
# The window (GLFW, GL through glvnd), the pictures with no display (EGL), the
# font file it loads, the PNG/JPEG writer, the C++ runtime.
string(REGEX REPLACE " \\([^)]*\\)" "" names "${depends}")  # drop the versions
string(REPLACE ", " ";" names "${names}")
foreach(pkg libglfw3 libgl1 libegl1 libopengl0 fonts-dejavu-core libstb0 libstdc++6 libc6)
  if(NOT pkg IN_LIST names)
    message(FATAL_ERROR "Depends does not name ${pkg}: ${depends}")
  endif()
endforeach()

run(dpkg-deb -c "${deb}" OUT listing)
foreach(want
    "-rwxr-xr-x root/root +[0-9]+ [^\n]* \\./usr/bin/attnlab\n"
    " \\./usr/share/attnlab/presets/e9-dedupe-sort\\.json\n"
    " \\./usr/share/applications/attnlab\\.desktop\n"
    " \\./usr/share/icons/hicolor/48x48/apps/attnlab\\.png\n"
    " \\./usr/share/icons/hicolor/128x128/apps/attnlab\\.png\n"
    " \\./usr/share/icons/hicolor/256x256/apps/attnlab\\.png\n"
    " \\./usr/share/icons/hicolor/scalable/apps/attnlab\\.svg\n")
  if(NOT listing MATCHES "${want}")
    message(FATAL_ERROR "dpkg-deb -c has no line matching \"${want}\":\n${listing}")
  endif()
endforeach()
if(listing MATCHES "screenshots|/usr/local/|/include/|\\.a\n")
  message(FATAL_ERROR "the package carries files it should not (${CMAKE_MATCH_0}):\n${listing}")
endif()
step("metadata and contents")

# 4. The packaged binary, from the extracted tree.
set(root "${OUT}/root")
run(dpkg-deb -x "${deb}" "${root}")
set(attnlab "${root}/usr/bin/attnlab")
run("${attnlab}" eval "${root}/usr/share/attnlab/presets/e9-dedupe-sort.json" OUT json)
string(JSON loss GET "${json}" loss)
if(NOT loss MATCHES "^4\\.21142897")  # E9: 4.211428972286141 (README, tests/cli)
  message(FATAL_ERROR "the packaged attnlab gives E9's loss as ${loss}, not 4.2114289722...")
endif()
run("${attnlab}" presets OUT presets)
if(NOT presets MATCHES "${root}/usr/share/attnlab/presets/e9-dedupe-sort\\.json\tE9\\.")
  message(FATAL_ERROR "the packaged attnlab does not list the presets beside it:\n${presets}")
endif()
run(env -u DISPLAY -u WAYLAND_DISPLAY "${attnlab}" render "${root}/usr/share/attnlab/presets/e9-dedupe-sort.json"
    --panel P --out "${OUT}/P.jpg")
file(READ "${OUT}/P.jpg" magic LIMIT 3 HEX)
if(NOT magic STREQUAL "ffd8ff")
  message(FATAL_ERROR "render from the package wrote ${OUT}/P.jpg, but not as JPEG (${magic})")
endif()
if(XVFB_RUN)
  run(${XVFB_RUN} -a -s "-screen 0 1280x800x24" "${attnlab}" --frames 3 --screenshot "${OUT}/window.png" OUT shot)
  if(NOT shot MATCHES "screenshot .* 1280x720: ok")
    message(FATAL_ERROR "the packaged window: ${shot}")
  endif()
endif()
foreach(size 48 128 256)
  png_size("${root}/usr/share/icons/hicolor/${size}x${size}/apps/attnlab.png" got)
  if(NOT got STREQUAL "${size}x${size}")
    message(FATAL_ERROR "the ${size}x${size} icon in the package is ${got}")
  endif()
endforeach()
find_program(DESKTOP_FILE_VALIDATE desktop-file-validate)
if(DESKTOP_FILE_VALIDATE)
  run(${DESKTOP_FILE_VALIDATE} "${root}/usr/share/applications/attnlab.desktop" OUT out)
  if(NOT out STREQUAL "")
    message(FATAL_ERROR "desktop-file-validate: ${out}")
  endif()
endif()
step("the packaged binary")

# 5. Portable: no AVX (VEX or EVEX encoded) instruction. Debian's amd64
#    baseline is x86-64 (SSE2); a -march=native build on any PC since ~2011
#    has thousands of these.
if(arch STREQUAL "amd64")
  execute_process(COMMAND objdump -d --no-show-raw-insn "${attnlab}"
                  COMMAND grep -m 3 -E "\tv[a-z0-9]+ .*%[xyz]mm"
                  OUTPUT_VARIABLE avx RESULTS_VARIABLE rcs)
  if(NOT avx STREQUAL "")  # (objdump then dies of SIGPIPE: grep stopped reading)
    message(FATAL_ERROR "the packaged binary has AVX instructions (built with -march=native?):\n${avx}")
  endif()
  list(GET rcs 0 objdump_rc)
  if(NOT objdump_rc EQUAL 0)
    message(FATAL_ERROR "objdump -d failed (${objdump_rc})")
  endif()
  step("no AVX instructions")
endif()

# 6. apt resolves every Depends on this machine (a misspelt package name fails here).
find_program(APT_GET apt-get)
if(APT_GET)
  run(${APT_GET} install -s "${deb}" OUT out)
  if(NOT out MATCHES "Inst attnlab |attnlab is already the newest")
    message(FATAL_ERROR "apt-get install -s ${deb}:\n${out}")
  endif()
  step("apt-get install -s")
endif()
message(STATUS "package ${deb_name}: ok")
