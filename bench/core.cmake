# Core (libcairn) benchmark: sessions, groups, in-memory vs durable store.
add_executable(bench_core ${CMAKE_CURRENT_LIST_DIR}/bench_core.c)
target_link_libraries(bench_core PRIVATE cairn_static)
set_target_properties(bench_core PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
