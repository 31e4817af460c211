# Benchmarks of the transparency log: durable appends per second at several
# batch sizes (fsync included), proof generation from tiles, verification.
add_executable(bench_tlog ${CMAKE_SOURCE_DIR}/bench/bench_tlog.c)
target_link_libraries(bench_tlog PRIVATE cairn_tlog)
set_target_properties(bench_tlog PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
