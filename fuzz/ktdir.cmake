# KEYTRANS directory decoders (transparency/directory): search and monitor
# responses, combined/prefix proofs, tree heads and auditor updates, and
# the label owner's init/monitor/update responses and serialized state.
if(TARGET cairn_ktdir)
  foreach(t search monitor combined treehead owner_init owner_monitor update owner_state)
    cairn_add_fuzzer(ktdir_${t}
      SOURCE ${CMAKE_SOURCE_DIR}/transparency/directory/fuzz/fuzz_${t}.c
      LIBS cairn_ktdir
      CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/ktdir_${t})
    if(TARGET ktdir_${t})
      target_include_directories(ktdir_${t} PRIVATE ${CMAKE_SOURCE_DIR}/transparency/directory)
    endif()
  endforeach()
endif()
