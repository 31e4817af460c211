# bench_msrp: MSRP parse / serialize / chunking throughput (owner: msrp).
if(TARGET cairn_msrp)
  add_executable(bench_msrp ${CMAKE_CURRENT_SOURCE_DIR}/bench_msrp.c)
  target_link_libraries(bench_msrp PRIVATE cairn_msrp)
  set_target_properties(bench_msrp PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()
