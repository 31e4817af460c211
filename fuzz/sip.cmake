# SIP and SDP fuzz targets (sources live with the component in
# transport/sip/fuzz and transport/sdp/fuzz; seeds in fuzz/corpus/<name>).
if(TARGET cairn_sip)
  foreach(t sip_parse sip_stream sip_digest)
    cairn_add_fuzzer(fuzz_${t}
      SOURCE ${CMAKE_SOURCE_DIR}/transport/sip/fuzz/fuzz_${t}.c
      LIBS cairn_sip
      CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/${t})
  endforeach()
endif()
if(TARGET cairn_sdp)
  cairn_add_fuzzer(fuzz_sdp_parse
    SOURCE ${CMAKE_SOURCE_DIR}/transport/sdp/fuzz/fuzz_sdp_parse.c
    LIBS cairn_sdp
    CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/sdp_parse)
endif()
