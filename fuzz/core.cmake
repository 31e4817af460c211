# libcairn decode paths: bundle JSON, 1:1 and group message decryption.
cairn_add_fuzzer(core_bundle SOURCE ${CMAKE_CURRENT_LIST_DIR}/core/fuzz_bundle.c
  LIBS cairn_static CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/core_bundle)
cairn_add_fuzzer(core_decrypt SOURCE ${CMAKE_CURRENT_LIST_DIR}/core/fuzz_decrypt.c
  LIBS cairn_static CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/core_decrypt)
if(NOT CAIRN_FUZZ AND CAIRN_BUILD_TESTS)
  add_executable(core_fuzz_seeds ${CMAKE_CURRENT_LIST_DIR}/core/make_seeds.c)
  target_link_libraries(core_fuzz_seeds PRIVATE cairn_static)
endif()
