# Key transparency integration tests: the real cairn-kt / cairn-audit
# binaries on ephemeral loopback ports (tests/kt_*.c).
if(TARGET cairn-kt AND TARGET cairn_ktverify)
  cairn_add_test(kt_server SOURCES kt_server.c kt_harness.c
    LIBS cairn_ktserver cairn_ktverify cairn_ktdir Cairn::jansson TIMEOUT 120)
  target_include_directories(kt_server PRIVATE ${CMAKE_SOURCE_DIR}/transparency/directory)
  add_dependencies(kt_server cairn-kt)
endif()
if(TARGET cairn-kt AND TARGET cairn-audit)
  cairn_add_test(kt_malicious SOURCES kt_malicious.c kt_harness.c
    LIBS cairn_ktaudit cairn_ktverify cairn_ktdir cairn_tlog Cairn::jansson Cairn::sqlite TIMEOUT 180)
  target_include_directories(kt_malicious PRIVATE ${CMAKE_SOURCE_DIR}/transparency/directory)
  add_dependencies(kt_malicious cairn-kt cairn-audit)
endif()
