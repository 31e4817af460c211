# Key transparency through the real server: acked label updates/s with
# durability (1 s batching window, many concurrent publishers), search
# proof sizes and client verify time at 10^4 and 10^5 labels, mirror
# appends/s. Runs the built cairn-kt binary.
if(TARGET cairn-kt AND TARGET cairn_ktverify)
  add_executable(bench_kt ${CMAKE_SOURCE_DIR}/bench/bench_kt.c
    ${CMAKE_SOURCE_DIR}/tests/kt_harness.c)
  target_include_directories(bench_kt PRIVATE ${CMAKE_SOURCE_DIR}/tests
    ${CMAKE_SOURCE_DIR}/transparency/directory)
  target_link_libraries(bench_kt PRIVATE cairn_ktverify cairn_ktdir cairn_tlog
    Cairn::jansson Threads::Threads)
  target_compile_definitions(bench_kt PRIVATE CAIRN_BENCH_BUILD_DIR="${CMAKE_BINARY_DIR}")
  add_dependencies(bench_kt cairn-kt)
  set_target_properties(bench_kt PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()
