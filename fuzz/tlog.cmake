# Fuzz targets of the transparency log (transparency/log): note and key
# parsers, checkpoint bodies, proof verification, tiles and bundles.
foreach(t note checkpoint proof tile)
  cairn_add_fuzzer(tlog_${t}
    SOURCE ${CMAKE_SOURCE_DIR}/transparency/log/fuzz/fuzz_tlog_${t}.c
    LIBS cairn_tlog
    CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/tlog_${t})
endforeach()
