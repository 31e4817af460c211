# VRF fuzz targets (transparency/vrf): verify and proof_to_hash on hostile
# or mutated (pk, proof, alpha).
if(TARGET cairn_vrf)
  cairn_add_fuzzer(vrf_verify
    SOURCE ${CMAKE_SOURCE_DIR}/transparency/vrf/fuzz/vrf_verify_fuzz.c
    LIBS cairn_vrf
    CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/vrf_verify)
endif()
