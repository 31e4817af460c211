/*
 * version.h - library version. CAIRN_VERSION_NUMBER is 0xMMmmpp; the ABI
 * breaks only with the major number. Each public function notes the
 * version that added it ("Since 0.1").
 */
#ifndef CAIRN_VERSION_H
#define CAIRN_VERSION_H

#include "export.h"

#define CAIRN_VERSION_MAJOR 0
#define CAIRN_VERSION_MINOR 1
#define CAIRN_VERSION_PATCH 0
#define CAIRN_VERSION_STRING "0.1.0"
#define CAIRN_VERSION_NUMBER                                                   \
    ((CAIRN_VERSION_MAJOR << 16) | (CAIRN_VERSION_MINOR << 8) |                \
     CAIRN_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* The version the running library was built as (may differ from the
 * header an app compiled against). Since 0.1. */
CAIRN_EXPORT unsigned cairn_version_number(void);
CAIRN_EXPORT const char *cairn_version_string(void);

#ifdef __cplusplus
}
#endif
#endif
