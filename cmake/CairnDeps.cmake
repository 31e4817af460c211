# Finds every third-party dependency and turns each into an imported target
# Cairn::<name>. A missing one stops configuration with the Debian package
# that provides it, so the fix is one apt-get line.
find_package(PkgConfig REQUIRED)

function(cairn_pkg target module debpkg)
  pkg_check_modules(CAIRN_PC_${target} IMPORTED_TARGET GLOBAL ${module})
  if(NOT CAIRN_PC_${target}_FOUND)
    message(FATAL_ERROR "Cairn needs ${module}: apt-get install ${debpkg}")
  endif()
  add_library(Cairn::${target} ALIAS PkgConfig::CAIRN_PC_${target})
endfunction()

cairn_pkg(sodium libsodium libsodium-dev)
cairn_pkg(signal libsignal-protocol-c libsignal-protocol-c-dev)
cairn_pkg(sqlite sqlite3 libsqlite3-dev)
cairn_pkg(jansson jansson libjansson-dev)
cairn_pkg(openssl "libssl;libcrypto" libssl-dev)
cairn_pkg(curl libcurl libcurl4-openssl-dev)
cairn_pkg(expat expat libexpat1-dev)
cairn_pkg(zlib zlib zlib1g-dev)
cairn_pkg(event "libevent_core;libevent_extra;libevent_openssl;libevent_pthreads" libevent-dev)
cairn_pkg(qrencode libqrencode libqrencode-dev)
if(CAIRN_BUILD_TESTS)
  cairn_pkg(cmocka cmocka libcmocka-dev)
endif()

# mbedTLS 2.28 ships no pkg-config file on Debian 12.
find_path(CAIRN_MBEDTLS_INCLUDE mbedtls/ssl.h)
find_library(CAIRN_MBEDTLS_LIB mbedtls)
find_library(CAIRN_MBEDX509_LIB mbedx509)
find_library(CAIRN_MBEDCRYPTO_LIB mbedcrypto)
if(CAIRN_CRYPTO STREQUAL "mbedtls")
  if(NOT CAIRN_MBEDTLS_INCLUDE OR NOT CAIRN_MBEDTLS_LIB OR NOT CAIRN_MBEDCRYPTO_LIB)
    message(FATAL_ERROR "CAIRN_CRYPTO=mbedtls needs mbedTLS: apt-get install libmbedtls-dev")
  endif()
  add_library(Cairn::mbedtls INTERFACE IMPORTED GLOBAL)
  target_include_directories(Cairn::mbedtls INTERFACE ${CAIRN_MBEDTLS_INCLUDE})
  target_link_libraries(Cairn::mbedtls INTERFACE
    ${CAIRN_MBEDTLS_LIB} ${CAIRN_MBEDX509_LIB} ${CAIRN_MBEDCRYPTO_LIB})
endif()

find_package(Threads REQUIRED)
