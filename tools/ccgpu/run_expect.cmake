# Runs one command and checks its exit code and (optionally) its output.
#   cmake -DEXE=prog -DARGS="a|b|c" -DRC=1 [-DOUT=regex] -P run_expect.cmake
# ARGS uses '|' between arguments (';' would be split by add_test).
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND "${EXE}" ${args}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT "${rc}" STREQUAL "${RC}")
  message(FATAL_ERROR "exit code ${rc}, expected ${RC}")
endif()
if(DEFINED OUT AND NOT "${out}${err}" MATCHES "${OUT}")
  message(FATAL_ERROR "output does not match: ${OUT}")
endif()
