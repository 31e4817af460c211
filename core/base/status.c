/*
 * status.c - strings for cairn_status, generated from the one table in
 * status.h so the enum and its texts cannot drift apart.
 */
#include "cairn/status.h"
#include "cairn/version.h"

const char *cairn_strerror(cairn_status status)
{
    switch (status) {
#define CAIRN__STATUS_TEXT(name, value, text)                                  \
    case CAIRN_##name:                                                         \
        return text;
        CAIRN_STATUS_TABLE(CAIRN__STATUS_TEXT)
#undef CAIRN__STATUS_TEXT
    }
    return "unknown status";
}

const char *cairn_status_name(cairn_status status)
{
    switch (status) {
#define CAIRN__STATUS_NAME(name, value, text)                                  \
    case CAIRN_##name:                                                         \
        return "CAIRN_" #name;
        CAIRN_STATUS_TABLE(CAIRN__STATUS_NAME)
#undef CAIRN__STATUS_NAME
    }
    return "CAIRN_UNKNOWN";
}

unsigned cairn_version_number(void) { return CAIRN_VERSION_NUMBER; }

const char *cairn_version_string(void) { return CAIRN_VERSION_STRING; }
