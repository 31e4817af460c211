# KEYTRANS directory benchmark (transparency/directory).
if(TARGET cairn_ktdir)
  add_executable(bench_ktdir ${CMAKE_CURRENT_SOURCE_DIR}/bench_ktdir.c)
  target_link_libraries(bench_ktdir PRIVATE cairn_ktdir)
  target_include_directories(bench_ktdir PRIVATE ${CMAKE_SOURCE_DIR}/transparency/directory)
  set_target_properties(bench_ktdir PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()
