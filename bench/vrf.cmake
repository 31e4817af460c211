# VRF benchmark: prove, verify and proof_to_hash per second.
if(TARGET cairn_vrf)
  add_executable(bench_vrf ${CMAKE_CURRENT_SOURCE_DIR}/bench_vrf.c)
  target_link_libraries(bench_vrf PRIVATE cairn_vrf)
  set_target_properties(bench_vrf PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()
