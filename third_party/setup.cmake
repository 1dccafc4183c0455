# One-command set-up for a fresh Debian 12 machine (see README.md):
#
#   cmake -P third_party/setup.cmake run    install what is missing, build, open the window
#   cmake -P third_party/setup.cmake test   install what is missing, build, run every test (then the
#                                           headless ones again under ASan + UBSan, with the fuzzers)
#   cmake -P third_party/setup.cmake deps   only install what is missing
#
# Installs only Debian packages that are not installed yet (apt-get; through
# sudo when not root), configures once with Ninja into build/, and rebuilds only
# what changed.

set(ATTNLAB_PACKAGES
  # toolchain
  g++ cmake ninja-build pkg-config
  # libraries
  libeigen3-dev nlohmann-json3-dev libimgui-dev libstb-dev libglfw3-dev libgl-dev libopengl-dev libgl1
  # pictures with no display: Mesa's EGL (surfaceless) and its software renderer
  libegl-dev libegl1 libegl-mesa0
  # fonts with Greek letters and maths symbols
  fonts-dejavu-core
  # tests and benchmarks
  googletest libgtest-dev libbenchmark-dev
  # the window without a display (tests), and Mesa's software OpenGL; xprop reads the window's icon back
  xvfb xauth libgl1-mesa-dri x11-utils
  # the sanitizer build and the fuzzers: clang with its ASan/UBSan/libFuzzer runtimes
  clang libclang-rt-14-dev
  # the Debian package (cpack -G DEB: dpkg-shlibdeps) and the check of its menu entry
  dpkg-dev desktop-file-utils
)

get_filename_component(ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(BUILD "${ROOT}/build")
set(MODE "${CMAKE_ARGV3}")
if(NOT MODE MATCHES "^(run|test|deps)$")
  message(FATAL_ERROR "usage: cmake -P third_party/setup.cmake run|test|deps")
endif()

function(run_or_die)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " line "${ARGV}")
    message(FATAL_ERROR "failed (${rc}): ${line}")
  endif()
endfunction()

# 1. Debian packages that are missing.
set(missing "")
foreach(pkg IN LISTS ATTNLAB_PACKAGES)
  execute_process(COMMAND dpkg-query -W -f=\${Status} ${pkg}
                  OUTPUT_VARIABLE status ERROR_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT status MATCHES "install ok installed")
    list(APPEND missing ${pkg})
  endif()
endforeach()
if(missing)
  string(REPLACE ";" " " shown "${missing}")
  message(STATUS "attnlab: installing Debian packages: ${shown}")
  execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(sudo "")
  if(NOT uid STREQUAL "0")
    set(sudo sudo)
  endif()
  run_or_die(${sudo} apt-get update)
  run_or_die(${sudo} env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing})
else()
  message(STATUS "attnlab: every Debian package is already installed")
endif()
if(MODE STREQUAL "deps")
  return()
endif()

# 2. Configure once, then build what changed.
if(NOT EXISTS "${BUILD}/build.ninja")
  run_or_die(${CMAKE_COMMAND} -S "${ROOT}" -B "${BUILD}" -G Ninja -DCMAKE_BUILD_TYPE=Release)
endif()
run_or_die(${CMAKE_COMMAND} --build "${BUILD}")

# 3. Run.
if(MODE STREQUAL "test")
  # The hot paths' timings, into every CI log (ctest keeps passing output to itself).
  message(STATUS "attnlab: engine benchmarks (targets: N=16 < 20 us, N=512 < 5 ms)")
  run_or_die("${BUILD}/tests/bench_engine" --benchmark_min_time=0.2)
  message(STATUS "attnlab: one frame of the Attention view, every panel open (targets: E9 < 2 ms, N=64 < 8 ms)")
  run_or_die("${BUILD}/tests/bench_frame" --benchmark_min_time=0.2)
  message(STATUS "attnlab: temperature sweep, 200 temperatures over 256x256 scores (target < 10 ms)")
  run_or_die("${BUILD}/tests/bench_labs" --benchmark_min_time=0.2)
  message(STATUS "attnlab: one decoding step, b=8 h=16 d=1024 n=2048, MHA/GQA/MQA (targets: MQA >= 4x MHA, each < 2x roofline)")
  run_or_die("${BUILD}/tests/bench_decode" --benchmark_min_time=0.2)
  message(STATUS "attnlab: one training step on E9 and one backward pass (target: a step < 100 us)")
  run_or_die("${BUILD}/tests/bench_train" --benchmark_min_time=0.2)
  # Every core runs a test: the timed tests hold RESOURCE_LOCK cpu, so they never
  # share the machine with package_deb's compile or the decoding benchmark.
  cmake_host_system_information(RESULT cores QUERY NUMBER_OF_LOGICAL_CORES)
  run_or_die(${CMAKE_CTEST_COMMAND} --test-dir "${BUILD}" --output-on-failure --parallel ${cores})
  # 4. The headless tests again under AddressSanitizer + UndefinedBehaviorSanitizer
  #    (clang, build-sanitize/), the fuzzers with a pinned seed, and the monkey.
  set(SANITIZE "${ROOT}/build-sanitize")
  if(NOT EXISTS "${SANITIZE}/build.ninja")
    run_or_die(${CMAKE_COMMAND} -S "${ROOT}" -B "${SANITIZE}" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
               -DCMAKE_CXX_COMPILER=clang++ -DATTNLAB_SANITIZE=ON)
  endif()
  run_or_die(${CMAKE_COMMAND} --build "${SANITIZE}" --target attnlab_core_tests attnlab_ui_tests
             fuzz_scenario fuzz_matrix_text fuzz_sequential fuzz_answer attnlab_monkey)
  run_or_die(${CMAKE_CTEST_COMMAND} --test-dir "${SANITIZE}" --output-on-failure --parallel ${cores})
else()
  if(NOT DEFINED ENV{DISPLAY} AND NOT DEFINED ENV{WAYLAND_DISPLAY})
    message(FATAL_ERROR "attnlab is built (${BUILD}/app/attnlab) but there is no display to open its window on. "
                        "On a desktop, run this again from a terminal there; headless: "
                        "xvfb-run -a ${BUILD}/app/attnlab --frames 5 --screenshot attnlab.png")
  endif()
  run_or_die("${BUILD}/app/attnlab")
endif()
