# cairn-relay fuzz targets: the parsers the relay wrote itself (INI config,
# identities and Basic credentials, cairn-keys/1 uploads, RFC 5365 bodies).
# Sources in server/fuzz, seeds in fuzz/corpus/relay_*.
if(TARGET cairn_relay_parse)
  foreach(t config ident keys recipients)
    cairn_add_fuzzer(fuzz_relay_${t}
      SOURCE ${CMAKE_SOURCE_DIR}/server/fuzz/fuzz_relay_${t}.c
      LIBS cairn_relay_parse
      CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/relay_${t})
  endforeach()
endif()

# MSRP session mode: the SDP offer check, the CPIM message id and the path
# comparison (server/relay/msrp_offer.c).
if(TARGET cairn_relay_parse)
  cairn_add_fuzzer(fuzz_relay_msrp
    SOURCE ${CMAKE_SOURCE_DIR}/server/fuzz/fuzz_relay_msrp.c
    LIBS cairn_relay_parse
    CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/relay_msrp)
endif()
