# Client engine decode paths: the payload inside every ciphertext.
cairn_add_fuzzer(engine_payload SOURCE ${CMAKE_SOURCE_DIR}/core/engine/fuzz/fuzz_payload.c
  LIBS cairn_engine CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/engine_payload)
if(TARGET engine_payload) # not built in release builds (no tests, no fuzzing)
  target_include_directories(engine_payload PRIVATE ${CMAKE_SOURCE_DIR}/core/engine)
endif()
