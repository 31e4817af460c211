# Compiler flags shared by every target: strict warnings, sanitizers.
add_compile_options(
  -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wvla
  -Wno-missing-field-initializers
  -fno-common)
add_compile_definitions(_GNU_SOURCE)
if(CAIRN_WERROR)
  add_compile_options(-Werror)
endif()

if(CAIRN_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(CAIRN_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT CAIRN_SANITIZE STREQUAL "")
  message(FATAL_ERROR "CAIRN_SANITIZE must be '', address or thread")
endif()

if(CAIRN_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CAIRN_FUZZ needs clang: configure with CC=clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
