# Transport integration tests: our user agents against each other over
# TLS, against a stock Kamailio (registrar + MSRP relay), and under
# tshark's dissectors. Each skips with a message when its tool is absent.
if(TARGET cairn_ua)
  add_library(cairn_transport_itest STATIC
    ${CMAKE_SOURCE_DIR}/tests/transport_util.c
    ${CMAKE_SOURCE_DIR}/transport/ua/tests/ua_test_util.c)
  target_include_directories(cairn_transport_itest PUBLIC
    ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/transport/ua/tests)
  target_compile_definitions(cairn_transport_itest PRIVATE
    CAIRN_SOURCE_DIR_DEFAULT="${CMAKE_SOURCE_DIR}")
  target_link_libraries(cairn_transport_itest PUBLIC cairn_ua cairn_tls)
  cairn_add_test(transport_tls_direct SOURCES ${CMAKE_SOURCE_DIR}/tests/transport_tls_direct.c
    LIBS cairn_transport_itest TIMEOUT 90 LABELS integration)
  cairn_add_test(transport_kamailio SOURCES ${CMAKE_SOURCE_DIR}/tests/transport_kamailio.c
    LIBS cairn_transport_itest TIMEOUT 90 LABELS integration)
endif()
if(TARGET cairn_ua)
  cairn_add_test(transport_tshark SOURCES ${CMAKE_SOURCE_DIR}/tests/transport_tshark.c
    LIBS cairn_transport_itest TIMEOUT 90 LABELS integration)
endif()
