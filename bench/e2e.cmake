# End-to-end messaging through the client engine (latency p50/p99,
# messages per second for 1 and 100 pairs).
if(TARGET cairn)
  add_executable(bench_e2e ${CMAKE_CURRENT_LIST_DIR}/bench_e2e.c)
  target_link_libraries(bench_e2e PRIVATE cairn Threads::Threads)
  set_target_properties(bench_e2e PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
  # BENCH_RELAY=local starts this build's servers
  if(TARGET cairn-kt AND TARGET cairn-relay)
    target_compile_definitions(bench_e2e PRIVATE BENCH_KT_BIN="$<TARGET_FILE:cairn-kt>"
      BENCH_RELAY_BIN="$<TARGET_FILE:cairn-relay>")
    add_dependencies(bench_e2e cairn-kt cairn-relay)
  endif()
endif()
