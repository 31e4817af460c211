# Fuzz targets of the transport connection layer (transport/ua).
if(TARGET cairn_ua)
  cairn_add_fuzzer(fuzz_ua_envelope
    SOURCE ${CMAKE_SOURCE_DIR}/transport/ua/fuzz_envelope.c
    LIBS cairn_ua
    CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/fuzz_ua_envelope)
endif()
