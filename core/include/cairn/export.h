/*
 * export.h - symbol visibility and attribute macros shared by every public
 * header. The library is built with -fvisibility=hidden; only declarations
 * marked CAIRN_EXPORT are part of the ABI, and core/cairn.sym pins that list.
 */
#ifndef CAIRN_EXPORT_H
#define CAIRN_EXPORT_H

#if defined(_WIN32)
#  define CAIRN_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#  define CAIRN_EXPORT __attribute__((visibility("default")))
#else
#  define CAIRN_EXPORT
#endif

/* Results that decide whether data is authentic must be checked. */
#if defined(__GNUC__)
#  define CAIRN_MUST_CHECK __attribute__((warn_unused_result))
#else
#  define CAIRN_MUST_CHECK
#endif

#endif
