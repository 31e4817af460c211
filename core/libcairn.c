/*
 * libcairn.c - the shared library's own translation unit. The code lives
 * in the component archives linked in whole (core/CMakeLists.txt); this
 * file exists because a shared library target needs one source, and it
 * anchors the library's identity string for `strings libcairn.so`.
 */
#include "cairn/version.h"

__attribute__((used)) static const char cairn_ident[] = "libcairn " CAIRN_VERSION_STRING;
