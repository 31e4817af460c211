# Helpers every component uses to declare its tests, fuzz targets and
# benchmarks in one line each.

# cairn_add_test(<name> SOURCES <files...> LIBS <targets...> [TIMEOUT s] [LABELS l...])
# A cmocka executable run by ctest in its own process, with CAIRN_VECTORS
# pointing at the shared vectors (a test skips with a message when absent).
function(cairn_add_test name)
  if(NOT CAIRN_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE cairn_test_support ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "CAIRN_VECTORS_DEFAULT=${CAIRN_VECTORS_DIR};CAIRN_BUILD_DIR=${CMAKE_BINARY_DIR};CAIRN_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()

# cairn_add_fuzzer(<name> SOURCE <file> LIBS <targets...> CORPUS <dir>)
# With CAIRN_FUZZ the target is a libFuzzer binary. Without it the same
# source links a replay driver and ctest runs it over the seed corpus, so
# every fuzz target is also a regression test in every build.
function(cairn_add_fuzzer name)
  cmake_parse_arguments(F "" "SOURCE;CORPUS" "LIBS" ${ARGN})
  if(CAIRN_FUZZ)
    add_executable(${name} ${F_SOURCE})
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set_property(GLOBAL APPEND PROPERTY CAIRN_FUZZERS "${name}|${F_CORPUS}")
  elseif(CAIRN_BUILD_TESTS)
    add_executable(${name} ${F_SOURCE} ${CMAKE_SOURCE_DIR}/fuzz/replay_main.c)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    add_test(NAME ${name}_replay COMMAND ${name} ${F_CORPUS})
    set_tests_properties(${name}_replay PROPERTIES TIMEOUT 300 LABELS fuzz)
  endif()
endfunction()
