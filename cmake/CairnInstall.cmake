# install(): the shared library, public headers, cairn.pc, and a CMake
# package so an app can find_package(Cairn) and link Cairn::cairn.
include(CMakePackageConfigHelpers)
if(TARGET cairn)
  # Component "libcairn": what an app developer needs (tests install only it).
  install(TARGETS cairn EXPORT CairnTargets COMPONENT libcairn
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(DIRECTORY ${CMAKE_SOURCE_DIR}/core/include/cairn
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT libcairn)
  install(EXPORT CairnTargets NAMESPACE Cairn:: COMPONENT libcairn
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Cairn)
  configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/CairnConfig.cmake.in
    ${CMAKE_BINARY_DIR}/CairnConfig.cmake
    INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Cairn)
  write_basic_package_version_file(${CMAKE_BINARY_DIR}/CairnConfigVersion.cmake
    COMPATIBILITY SameMajorVersion)
  install(FILES ${CMAKE_BINARY_DIR}/CairnConfig.cmake
    ${CMAKE_BINARY_DIR}/CairnConfigVersion.cmake
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Cairn COMPONENT libcairn)
  configure_file(${CMAKE_SOURCE_DIR}/cmake/cairn.pc.in ${CMAKE_BINARY_DIR}/cairn.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/cairn.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
    COMPONENT libcairn)
endif()
