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

# Per-device addressing (RELAY-DEV-*) and the provisioning mailbox
# (RELAY-PROV-*) against the real binary.
if(TARGET cairn-relay)
  foreach(t relay_device relay_provision)
    cairn_add_test(${t}_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}_test.c
      LIBS cairn_relay_test_support TIMEOUT 180 LABELS relay)
    add_dependencies(${t}_test cairn-relay)
  endforeach()
  target_link_libraries(relay_provision_test PRIVATE Cairn::sqlite)
endif()

# MSRP session mode (RELAY-MSRP-*): INVITE + MSRP over TLS against the
# real binary, driven with the transport codecs and with cairn_ua.
if(TARGET cairn-relay)
  cairn_add_test(relay_msrp_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/relay_msrp_test.c
    LIBS cairn_relay_test_support cairn_msrp cairn_sdp cairn_ua TIMEOUT 180 LABELS relay)
  add_dependencies(relay_msrp_test cairn-relay)
endif()

# The publisher against the real KT server (no stand-in).
if(TARGET cairn-relay AND TARGET cairn-kt)
  cairn_add_test(relay_kt_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/relay_kt_test.c
    ${CMAKE_CURRENT_LIST_DIR}/kt_harness.c
    LIBS cairn_relay_test_support cairn_ktserver cairn_ktverify cairn_ktdir cairn_static
    Cairn::jansson TIMEOUT 180 LABELS relay)
  target_include_directories(relay_kt_test PRIVATE ${CMAKE_SOURCE_DIR}/transparency/directory)
  add_dependencies(relay_kt_test cairn-relay cairn-kt)
endif()

# Per-address connection caps and Argon2id off the event loop; the test
# rewrites a stored Argon2id string through SQLite to make verifications slow.
if(TARGET cairn-relay)
  cairn_add_test(relay_limits_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/relay_limits_test.c
    LIBS cairn_relay_test_support Cairn::sqlite Cairn::sodium Cairn::openssl Cairn::curl
    TIMEOUT 180 LABELS relay)
  add_dependencies(relay_limits_test cairn-relay)
endif()
