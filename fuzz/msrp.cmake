# MSRP / CPIM / IMDN / isComposing / FT descriptor fuzz targets (owner: msrp).
if(TARGET cairn_msrp)
  cairn_add_fuzzer(fuzz_msrp_stream SOURCE ${CMAKE_SOURCE_DIR}/transport/msrp/fuzz/fuzz_msrp_stream.c
    LIBS cairn_msrp CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/msrp_stream)
endif()
if(TARGET cairn_cpim)
  cairn_add_fuzzer(fuzz_cpim SOURCE ${CMAKE_SOURCE_DIR}/transport/cpim/fuzz/fuzz_cpim.c
    LIBS cairn_cpim CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/cpim_parse)
endif()
if(TARGET cairn_imdn)
  cairn_add_fuzzer(fuzz_imdn SOURCE ${CMAKE_SOURCE_DIR}/transport/imdn/fuzz/fuzz_imdn.c
    LIBS cairn_imdn CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/imdn_parse)
  cairn_add_fuzzer(fuzz_iscomposing SOURCE ${CMAKE_SOURCE_DIR}/transport/imdn/fuzz/fuzz_iscomposing.c
    LIBS cairn_imdn CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/iscomposing_parse)
endif()
if(TARGET cairn_ft)
  cairn_add_fuzzer(fuzz_ft SOURCE ${CMAKE_SOURCE_DIR}/transport/ft/fuzz/fuzz_ft.c
    LIBS cairn_ft CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/ft_descriptor)
endif()
