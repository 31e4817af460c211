# bench_smartreply: latency of one suggest call of the built-in engine
# through the host (p50/p99, one core), model size and resident memory.
if(TARGET cairn_smartreply)
  add_executable(bench_smartreply ${CMAKE_SOURCE_DIR}/bench/bench_smartreply.c)
  target_link_libraries(bench_smartreply PRIVATE cairn_smartreply)
  target_compile_definitions(bench_smartreply PRIVATE
    SR_MODEL_PATH="${CAIRN_SMARTREPLY_MODEL}")
  set_target_properties(bench_smartreply PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()
