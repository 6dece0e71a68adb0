# `cmake --install` check (ctest install_finds_its_data): installs ctm into a fresh prefix, moves the
# prefix, and runs `ctm bdm` from there; the default table must come from the moved prefix's
# share/ctm/data, not from the source tree. Variables: BUILD_DIR, WORK_DIR.
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}/first"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
file(RENAME "${WORK_DIR}/first" "${WORK_DIR}/moved")
file(WRITE "${WORK_DIR}/s.txt" "000110100111\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -E env --unset=CTM_DATA_DIR "${WORK_DIR}/moved/bin/ctm" bdm "${WORK_DIR}/s.txt"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "installed ctm bdm failed (${rc}): ${err}")
endif()
string(FIND "${out}" "# table: ${WORK_DIR}/moved/share/ctm/data/d5-2.ctm" at)
if(at EQUAL -1)
  message(FATAL_ERROR "installed ctm did not use its own data folder:\n${out}")
endif()
# $CTM_DATA_DIR still wins, and a wrong one is named in the error.
execute_process(COMMAND "${CMAKE_COMMAND}" -E env CTM_DATA_DIR=${WORK_DIR}/nowhere "${WORK_DIR}/moved/bin/ctm" bdm "${WORK_DIR}/s.txt"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(FIND "${err}" "${WORK_DIR}/nowhere/d5-2.ctm" at)
if(rc EQUAL 0 OR at EQUAL -1)
  message(FATAL_ERROR "CTM_DATA_DIR was not used (${rc}): ${err}")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
message(STATUS "installed ctm found ${WORK_DIR}/moved/share/ctm/data")
