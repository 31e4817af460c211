/*
 * status.h - the one status code type of the whole library.
 *
 * The list below is the single table from which both the enum and the
 * strings returned by cairn_strerror() / cairn_status_name() are generated.
 * It is APPEND-ONLY: a code is never renumbered or reused, so an app that
 * stored a number keeps its meaning across versions.
 */
#ifndef CAIRN_STATUS_H
#define CAIRN_STATUS_H

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, human text) */
#define CAIRN_STATUS_TABLE(X)                                                  \
    X(OK, 0, "success")                                                        \
    X(ERR_NOMEM, 1, "out of memory")                                           \
    X(ERR_INVALID_ARG, 2, "invalid argument")                                  \
    X(ERR_INTERNAL, 3, "internal error")                                       \
    X(ERR_IO, 4, "input/output error")                                         \
    X(ERR_CRYPTO, 5, "cryptographic provider failure")                         \
    X(ERR_STORE, 6, "database error")                                          \
    X(ERR_BAD_KEY, 7, "wrong storage key")                                     \
    X(ERR_CORRUPT, 8, "stored data is corrupt or was tampered with")           \
    X(ERR_NOT_FOUND, 9, "not found")                                           \
    X(ERR_EXISTS, 10, "already exists")                                        \
    X(ERR_DECODE, 11, "malformed input")                                       \
    X(ERR_TOO_LARGE, 12, "input exceeds a size limit")                         \
    X(ERR_BAD_PUBLIC_KEY, 13, "malformed or low-order public key")             \
    X(ERR_IDENTITY_CHANGED, 14, "the peer's identity key has changed")         \
    X(ERR_DUPLICATE, 15, "duplicate or replayed message")                      \
    X(ERR_NO_SESSION, 16, "no session with this address")                      \
    X(ERR_INVALID_MESSAGE, 17, "message failed authentication")                \
    X(ERR_BAD_SIGNATURE, 18, "signature verification failed")                  \
    X(ERR_VERSION, 19, "unsupported version")                                  \
    X(ERR_STATE, 20, "operation not valid in the current state")               \
    X(ERR_LIMIT, 21, "a configured limit was reached")                         \
    X(ERR_PROOF, 22, "proof verification failed")                              \
    X(ERR_TIMEOUT, 23, "timed out")                                            \
    X(ERR_NETWORK, 24, "network error")                                        \
    X(ERR_TLS, 25, "TLS error")                                                \
    X(ERR_PROTOCOL, 26, "protocol violation by the peer")                      \
    X(ERR_AUTH, 27, "authentication failed")                                   \
    X(ERR_UNSUPPORTED, 28, "not supported")                                    \
    X(ERR_NOT_MEMBER, 29, "not a member of this group")                        \
    X(ERR_STALE, 30, "stale or out-of-order data")                             \
    X(ERR_DECLINED, 31, "declined")

typedef enum cairn_status {
#define CAIRN__STATUS_ENUM(name, value, text) CAIRN_##name = value,
    CAIRN_STATUS_TABLE(CAIRN__STATUS_ENUM)
#undef CAIRN__STATUS_ENUM
} cairn_status;

/* A static English sentence for the code; never NULL (unknown codes give
 * "unknown status"). Since 0.1. */
CAIRN_EXPORT const char *cairn_strerror(cairn_status status);

/* The code's symbolic name, e.g. "CAIRN_ERR_NOMEM"; never NULL. Since 0.1. */
CAIRN_EXPORT const char *cairn_status_name(cairn_status status);

#ifdef __cplusplus
}
#endif
#endif
