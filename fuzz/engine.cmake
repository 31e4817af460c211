# Client engine decode paths: the payload inside every ciphertext.
cairn_add_fuzzer(engine_payload SOURCE ${CMAKE_SOURCE_DIR}/core/engine/fuzz/fuzz_payload.c
  LIBS cairn_engine CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/engine_payload)
if(TARGET engine_payload) # not built in release builds (no tests, no fuzzing)
  target_include_directories(engine_payload PRIVATE ${CMAKE_SOURCE_DIR}/core/engine)
endif()
# File blobs as a relay may serve them (ENG-FILE-2..4).
cairn_add_fuzzer(engine_filecrypt SOURCE ${CMAKE_SOURCE_DIR}/core/engine/fuzz/fuzz_filecrypt.c
  LIBS cairn_engine CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/engine_filecrypt)
if(TARGET engine_filecrypt)
  target_include_directories(engine_filecrypt PRIVATE ${CMAKE_SOURCE_DIR}/core/engine)
endif()
