# cairn-relay load benchmark (messages/s, p50/p99 latency, RSS per idle TLS
# connection) with mosquitto (QoS 1, persistence, TLS) driven by the same
# load generator for comparison. Needs the mosquitto binary on PATH.
if(TARGET cairn-relay)
  add_executable(bench_relay ${CMAKE_SOURCE_DIR}/bench/bench_relay.c)
  target_compile_definitions(bench_relay PRIVATE RELAY_BIN="$<TARGET_FILE:cairn-relay>")
  target_link_libraries(bench_relay PRIVATE cairn_sip Cairn::event Cairn::openssl Cairn::curl m)
  set_target_properties(bench_relay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
  add_dependencies(bench_relay cairn-relay)
endif()

# Session mode (MSRP) latency and throughput through the real relay; uses
# the relay test helpers, so it exists only in builds with tests.
if(TARGET cairn-relay AND TARGET cairn_relay_test_support)
  add_executable(bench_relay_msrp ${CMAKE_SOURCE_DIR}/bench/bench_relay_msrp.c)
  target_link_libraries(bench_relay_msrp PRIVATE cairn_relay_test_support cairn_msrp cairn_sdp)
  target_include_directories(bench_relay_msrp PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  set_target_properties(bench_relay_msrp PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
  add_dependencies(bench_relay_msrp cairn-relay)
endif()
