# ctest helper: runs `moe forward` on a bad case file and passes only when the exit status is 2
# and stderr is one line starting with `error: `.
#   cmake -DMOE=path/to/moe -DCASE=path/to/bad.json -P expect_exit2.cmake
execute_process(COMMAND "${MOE}" forward "${CASE}" RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT status EQUAL 2)
  message(FATAL_ERROR "expected exit status 2, got '${status}' (stderr: ${err})")
endif()
if(NOT err MATCHES "^error: [^\n]+\n$")
  message(FATAL_ERROR "expected one line `error: ...` on stderr, got: ${err}")
endif()
if(NOT out STREQUAL "")
  message(FATAL_ERROR "expected nothing on stdout, got: ${out}")
endif()
message(STATUS "moe forward ${CASE}: exit 2, ${err}")
