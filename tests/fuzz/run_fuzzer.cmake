# Runs one libFuzzer harness: the regression inputs one by one, then a search
# from a scratch copy of the corpus (the checked-in corpus is never written).
#   -DFUZZER=... -DCORPUS=... -DREGRESSIONS=... -DWORK=... and -DRUNS=N (seed 1) or -DSECONDS=S (unseeded);
#   -DPRESETS=folder adds every *.json there to the seeds (a new preset is fuzzed without a copy)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
file(GLOB regressions "${REGRESSIONS}/*")
if(regressions)
  execute_process(COMMAND "${FUZZER}" ${regressions} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "a regression input fails again (${rc})")
  endif()
  list(LENGTH regressions n)
  message(STATUS "${n} regression inputs: ok")
endif()
file(GLOB seeds "${CORPUS}/*")
if(DEFINED PRESETS)
  file(GLOB presets "${PRESETS}/*.json")
  list(APPEND seeds ${presets})
endif()
file(COPY ${seeds} DESTINATION "${WORK}/corpus")
if(DEFINED RUNS)
  set(budget -seed=1 -runs=${RUNS})
else()
  set(budget -max_total_time=${SECONDS})
endif()
execute_process(COMMAND "${FUZZER}" ${budget} -max_len=4096 -timeout=20 -rss_limit_mb=2048
                        -artifact_prefix=${WORK}/artifacts/ -print_final_stats=1 "${WORK}/corpus"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB found "${WORK}/artifacts/*")
  message(FATAL_ERROR "the fuzzer found a failing input (${rc}): ${found}\n"
                      "Add it to ${REGRESSIONS}/ with a named test once fixed.")
endif()
