# Key transparency server, client view and auditor parsers (cairn-kt
# request bodies, view blobs, witness requests and gossiped heads).
if(TARGET cairn_ktserver)
  cairn_add_fuzzer(kt_publish
    SOURCE ${CMAKE_SOURCE_DIR}/transparency/server/fuzz/fuzz_publish.c
    LIBS cairn_ktserver
    CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/kt_publish)
endif()
if(TARGET cairn_ktverify)
  cairn_add_fuzzer(kt_view
    SOURCE ${CMAKE_SOURCE_DIR}/transparency/verifier/fuzz/fuzz_view.c
    LIBS cairn_ktverify
    CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/kt_view)
endif()
if(TARGET cairn_ktaudit)
  cairn_add_fuzzer(kt_witness
    SOURCE ${CMAKE_SOURCE_DIR}/transparency/auditor/fuzz/fuzz_witness.c
    LIBS cairn_ktaudit
    CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/kt_witness)
endif()
