# Transport benchmark: MSRP messages per second, direct and through a
# stock Kamailio MSRP relay (skipped when kamailio is absent).
if(TARGET cairn_ua)
  add_executable(bench_transport
    ${CMAKE_SOURCE_DIR}/bench/bench_transport.c
    ${CMAKE_SOURCE_DIR}/tests/transport_util.c
    ${CMAKE_SOURCE_DIR}/transport/ua/tests/ua_test_util.c)
  target_include_directories(bench_transport PRIVATE
    ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/transport/ua/tests)
  target_compile_definitions(bench_transport PRIVATE
    CAIRN_SOURCE_DIR_DEFAULT="${CMAKE_SOURCE_DIR}")
  target_link_libraries(bench_transport PRIVATE cairn_ua)
  set_target_properties(bench_transport PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()
