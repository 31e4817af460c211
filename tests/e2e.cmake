# End-to-end tests of the client engine and the cairn CLI against the real
# servers on loopback (tests/e2e_*.c). Each is declared only when the
# servers it needs are part of the build.
if(TARGET cairn-kt AND TARGET cairn_engine)
  cairn_add_test(e2e_kt SOURCES e2e_kt.c kt_harness.c
    LIBS cairn_engine cairn_ktverify cairn_ktdir Cairn::jansson TIMEOUT 120)
  target_include_directories(e2e_kt PRIVATE ${CMAKE_SOURCE_DIR}/transparency/directory)
  add_dependencies(e2e_kt cairn-kt)
  if(TARGET cairn-audit)
    add_dependencies(e2e_kt cairn-audit)
  endif()
endif()
if(TARGET cairn-kt AND TARGET cairn-cli)
  cairn_add_test(e2e_cli SOURCES e2e_cli.c kt_harness.c
    LIBS cairn_ktverify cairn_ktdir Cairn::jansson TIMEOUT 300)
  target_include_directories(e2e_cli PRIVATE ${CMAKE_SOURCE_DIR}/transparency/directory)
  add_dependencies(e2e_cli cairn-kt cairn-cli)
endif()
# The same CLI scenario through the real cairn-relay, which publishes to
# the real cairn-kt (linking over its provisioning mailbox).
if(TARGET cairn-kt AND TARGET cairn-cli AND TARGET cairn-relay)
  cairn_add_test(e2e_cli_relay SOURCES e2e_cli.c kt_harness.c relay_support.c
    LIBS cairn_ktverify cairn_ktdir cairn_sip Cairn::jansson Cairn::curl Cairn::openssl
    Cairn::sodium TIMEOUT 300)
  target_compile_definitions(e2e_cli_relay PRIVATE E2E_VIA_RELAY=1
    RELAY_BIN="$<TARGET_FILE:cairn-relay>")
  target_include_directories(e2e_cli_relay PRIVATE ${CMAKE_SOURCE_DIR}/transparency/directory)
  add_dependencies(e2e_cli_relay cairn-kt cairn-cli cairn-relay)
endif()
# (relay_support.c is compiled in directly: relay.cmake, which makes it a
# library, is read after this file)
if(TARGET cairn-relay AND TARGET cairn_engine)
  cairn_add_test(e2e_relay SOURCES e2e_relay.c relay_support.c
    LIBS cairn_engine cairn_sip Cairn::curl Cairn::openssl Cairn::sodium TIMEOUT 180)
  target_compile_definitions(e2e_relay PRIVATE RELAY_BIN="$<TARGET_FILE:cairn-relay>")
  add_dependencies(e2e_relay cairn-relay)
endif()
