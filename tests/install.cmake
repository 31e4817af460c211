# The install rules, CMake package and pkg-config file, exercised by a
# stand-alone app (tests/install_app).
if(TARGET cairn)
  add_test(NAME install_app COMMAND sh ${CMAKE_SOURCE_DIR}/tests/install_app/run.sh
    ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} "${CAIRN_SANITIZE}")
  set_tests_properties(install_app PROPERTIES TIMEOUT 300)
endif()
