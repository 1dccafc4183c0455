# The sanitizer build's own tests (ATTNLAB_SANITIZE, clang): libFuzzer
# harnesses run with a pinned seed and a fixed number of runs, so that a
# landing is never decided by chance, and the monkey test.
#
#   fuzz_scenario      scenario text -> load -> every view -> save -> load: equal
#   fuzz_matrix_text   pasted matrix -> parse -> every format -> parse: equal
#   fuzz_sequential    pasted nn.Sequential -> read -> shapes -> Copy as PyTorch -> read: equal
#   fuzz_answer        a practice answer as typed -> parse -> mark: a number or a message, never a crash
#
# Each run first replays tests/fuzz/regressions/<name>/ (crashes once found),
# then searches from a scratch copy of tests/fuzz/corpus/<name>/ plus every
# preset in assets/presets/ (so a new view's presets are fuzzed as they land). A longer,
# unseeded search: `cmake --build build-sanitize --target fuzz_long`.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(WARNING "the fuzzers need clang (CMAKE_CXX_COMPILER=clang++): skipped")
else()
  set(ATTNLAB_FUZZ_RUNS_scenario 25000 CACHE STRING "fuzz_scenario: executions per test run")
  set(ATTNLAB_FUZZ_RUNS_matrix_text 300000 CACHE STRING "fuzz_matrix_text: executions per test run")
  set(ATTNLAB_FUZZ_RUNS_sequential 100000 CACHE STRING "fuzz_sequential: executions per test run")
  set(ATTNLAB_FUZZ_RUNS_answer 30000 CACHE STRING "fuzz_answer: executions per test run")
  set(long_runs "")
  foreach(name scenario matrix_text sequential answer)
    add_executable(fuzz_${name} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_${name}.cpp)
    target_link_libraries(fuzz_${name} PRIVATE attnlab_core)
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    add_test(NAME fuzz_${name}
             COMMAND ${CMAKE_COMMAND} -DFUZZER=$<TARGET_FILE:fuzz_${name}>
                     -DCORPUS=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name}
                     -DREGRESSIONS=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regressions/${name}
                     -DPRESETS=${PROJECT_SOURCE_DIR}/assets/presets
                     -DWORK=${CMAKE_CURRENT_BINARY_DIR}/fuzz-${name} -DRUNS=${ATTNLAB_FUZZ_RUNS_${name}}
                     -P ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run_fuzzer.cmake)
    set_tests_properties(fuzz_${name} PROPERTIES TIMEOUT 600)
    list(APPEND long_runs COMMAND ${CMAKE_COMMAND} -DFUZZER=$<TARGET_FILE:fuzz_${name}>
                          -DCORPUS=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name}
                          -DREGRESSIONS=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regressions/${name}
                          -DPRESETS=${PROJECT_SOURCE_DIR}/assets/presets
                          -DWORK=${CMAKE_CURRENT_BINARY_DIR}/fuzz-long-${name} -DSECONDS=600
                          -P ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run_fuzzer.cmake)
  endforeach()
  add_custom_target(fuzz_long ${long_runs} DEPENDS fuzz_scenario fuzz_matrix_text fuzz_sequential fuzz_answer USES_TERMINAL
                    COMMENT "ten unseeded minutes per fuzzer")
endif()

add_executable(attnlab_monkey ${CMAKE_CURRENT_SOURCE_DIR}/ui/monkey.cpp)
target_include_directories(attnlab_monkey PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/support)
target_link_libraries(attnlab_monkey PRIVATE attnlab_ui GTest::gtest_main)
target_compile_definitions(attnlab_monkey PRIVATE ATTNLAB_PRESETS_DIR="${PROJECT_SOURCE_DIR}/assets/presets")
add_test(NAME monkey COMMAND attnlab_monkey)
set_tests_properties(monkey PROPERTIES TIMEOUT 900)
