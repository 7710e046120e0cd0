# ledger_cc_library / ledger_cc_test: the two target shapes of this project,
# in the manner of Abseil's absl_cc_library. The DEPS line of each folder's
# CMakeLists.txt *is* the architecture (see ARCHITECTURE.md §2): domain
# libraries (events, aggregates, projections) never name librdkafka, RocksDB
# or prometheus-cpp there; only their technology sub-libraries do.
include_guard(GLOBAL)

function(ledger_cc_library)
  cmake_parse_arguments(L "" "NAME" "SRCS;DEPS" ${ARGN})
  set(target ledger_${L_NAME})
  add_library(${target} STATIC ${L_SRCS})
  add_library(ledger::${L_NAME} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/gen)
  target_link_libraries(${target} PUBLIC ${L_DEPS})
  target_compile_options(${target} PRIVATE ${LEDGER_WARNINGS} ${LEDGER_FUZZ_COVERAGE})
endfunction()

# GoogleTest's and GoogleMock's headers, compiled once (a precompiled header)
# and reused by every test binary (ledger_cc_test): with GCC, about 1.2 s of
# CPU less per test file (15 files as CI compiles them, -O2 -g1: 121.9 s ->
# 104.2 s; some 85 test files; README "Reliability"). GCC only: clang (the
# sanitizer build) parses them in a tenth of a second, and refuses a header
# precompiled under other macros where GCC passes over them.
function(ledger_test_pch target)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    return()
  endif()
  if(NOT TARGET ledger_test_pch)
    set(anchor ${PROJECT_BINARY_DIR}/gen/ledger_test_pch.cc)
    file(CONFIGURE OUTPUT ${anchor} CONTENT "// The precompiled header's own translation unit (cmake/LedgerHelpers.cmake).\n")
    add_library(ledger_test_pch STATIC ${anchor})
    target_link_libraries(ledger_test_pch PRIVATE GTest::gtest GTest::gmock)
    target_compile_options(ledger_test_pch PRIVATE ${LEDGER_WARNINGS} ${LEDGER_TEST_COMPILE_OPTIONS})
    target_precompile_headers(ledger_test_pch PRIVATE <gtest/gtest.h> <gmock/gmock.h>)
  endif()
  target_precompile_headers(${target} REUSE_FROM ledger_test_pch)
endfunction()

# A GoogleTest binary whose cases are registered one by one with CTest and
# labelled (unit, integration, kafka, kafka-real) so that `ctest -L unit`
# selects them; PROPERTIES adds CTest properties to every case. With
# LEDGER_TEST_LABELS set (a list), binaries of other labels are left out.
# SUITES names test suites registered whole, as one CTest test "SUITE.all"
# each: suites whose SetUpTestSuite makes one costly data set for all their
# cases (a simulation, a demo), which a process per case would make again for
# every case (9-12 times; under the sanitizers a quarter of the stage's time).
# They are given a high COST so that CTest starts them first.
function(ledger_cc_test)
  cmake_parse_arguments(T "" "NAME;LABEL" "SRCS;DEPS;PROPERTIES;SUITES" ${ARGN})
  if(NOT T_LABEL)
    set(T_LABEL unit)
  endif()
  set(target ${T_NAME})
  add_executable(${target} ${T_SRCS})
  target_link_libraries(${target} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_options(${target} PRIVATE ${LEDGER_WARNINGS} ${LEDGER_TEST_COMPILE_OPTIONS})
  ledger_test_pch(${target})
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  if(LEDGER_TEST_LABELS AND NOT T_LABEL IN_LIST LEDGER_TEST_LABELS)
    # Not built by default nor registered (a build for some labels only, as
    # .ci/sanitize's); `cmake --build … --target NAME` still builds it.
    set_target_properties(${target} PROPERTIES EXCLUDE_FROM_ALL TRUE)
    return()
  endif()
  set(whole "")
  foreach(suite IN LISTS T_SUITES)
    add_test(NAME ${suite}.all COMMAND ${target} --gtest_filter=${suite}.*)
    set_tests_properties(${suite}.all PROPERTIES LABELS ${T_LABEL} COST 1000 ${T_PROPERTIES})
    list(APPEND whole "${suite}.*")
  endforeach()
  set(filter "")
  if(whole)
    list(JOIN whole ":" whole)
    set(filter TEST_FILTER "-${whole}")
  endif()
  gtest_discover_tests(${target}
    PROPERTIES LABELS ${T_LABEL} ${T_PROPERTIES}
    DISCOVERY_TIMEOUT 60 ${filter})
endfunction()

# A program of the project (not a test): linked with tcmalloc when
# LEDGER_TCMALLOC found it (CMakeLists.txt says why). The library is named on
# its own, not through a symbol, so the linker must keep it even where it
# drops unreferenced libraries by default (--as-needed; Debian's gcc does not).
function(ledger_program target)
  if(TARGET PkgConfig::TCMALLOC)
    target_link_options(${target} PRIVATE "LINKER:--no-as-needed")
    target_link_libraries(${target} PRIVATE PkgConfig::TCMALLOC)
  endif()
endfunction()
