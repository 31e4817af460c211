# SIP/SDP benchmark: parse and serialize throughput (prints MB/s).
if(TARGET cairn_sip AND TARGET cairn_sdp)
  add_executable(bench_sip ${CMAKE_SOURCE_DIR}/bench/bench_sip.c)
  target_link_libraries(bench_sip PRIVATE cairn_sip cairn_sdp)
  set_target_properties(bench_sip PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()
