# Integration tests of cairn-relay: each spawns the real server binary on
# ephemeral loopback ports (tests/relay_support.c) and talks HTTPS (libcurl)
# and SIP over TLS (OpenSSL + cairn_sip) to it.
if(TARGET cairn-relay)
  add_library(cairn_relay_test_support STATIC ${CMAKE_CURRENT_LIST_DIR}/relay_support.c)
  target_compile_definitions(cairn_relay_test_support PUBLIC RELAY_BIN="$<TARGET_FILE:cairn-relay>")
  target_link_libraries(cairn_relay_test_support PUBLIC cairn_test_support cairn_sip Cairn::curl
    Cairn::openssl Cairn::sodium)
  foreach(t relay_account relay_keys relay_messaging relay_hostile relay_files)
    cairn_add_test(${t}_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}_test.c
      LIBS cairn_relay_test_support cairn_ft Cairn::event Cairn::jansson
      TIMEOUT 180 LABELS relay)
    add_dependencies(${t}_test cairn-relay)
  endforeach()
  # The keys test checks served bundles with the client library itself.
  target_link_libraries(relay_keys_test PRIVATE cairn_static)
endif()
