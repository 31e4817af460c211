# Fuzz targets of core/smartreply: the model-file loader and the host's
# suggest path (masking, window, built-in engine) over hostile text.
if(TARGET cairn_smartreply)
  cairn_add_fuzzer(smartreply_model
    SOURCE ${CMAKE_SOURCE_DIR}/core/smartreply/fuzz/fuzz_smartreply_model.c
    LIBS cairn_smartreply CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/smartreply_model)
  cairn_add_fuzzer(smartreply_suggest
    SOURCE ${CMAKE_SOURCE_DIR}/core/smartreply/fuzz/fuzz_smartreply_suggest.c
    LIBS cairn_smartreply CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/smartreply_suggest)
  if(TARGET smartreply_suggest)
    target_compile_definitions(smartreply_suggest PRIVATE
      SR_MODEL_PATH="${CAIRN_SMARTREPLY_MODEL}")
  endif()
endif()
