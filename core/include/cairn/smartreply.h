/*
 * smartreply.h - on-device suggested replies: the host API the client
 * engine calls after a message was decrypted, and the versioned plugin ABI
 * that reply engines (the built-in one or third-party shared objects)
 * implement. The contract is spec/smart-replies.md (rules SR-1 ...).
 *
 * Privacy rules the host enforces before any engine sees text (SR-2..SR-6):
 * smart replies are opt-in, globally AND per conversation; an engine runs
 * only when the latest message is from someone else; it sees at most the
 * last CAIRN_SMARTREPLY_WINDOW messages, as text only, with URLs, e-mail
 * addresses and phone numbers replaced by "[link]", "[email]", "[phone]".
 * Suggestions are never logged, never stored and never sent by the library;
 * if the user picks one, the app sends it as an ordinary message and
 * nothing on the wire says it was a suggestion (SR-7).
 *
 * Threading: a cairn_smartreply handle is not thread-safe; use one per
 * thread or lock around it. It must not outlive its cairn_context.
 */
#ifndef CAIRN_SMARTREPLY_H
#define CAIRN_SMARTREPLY_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "export.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Plugin ABI version this header describes. A host accepts a plugin whose
 * abi_version equals it and whose size is at least the size of version 1
 * of cairn_smartreply_plugin (structs only grow at their end). */
#define CAIRN_SMARTREPLY_ABI_VERSION 1u
/* At most this many suggestions per call (SR-8). */
#define CAIRN_SMARTREPLY_MAX_SUGGESTIONS 3
/* At most this many recent messages reach an engine (SR-4). */
#define CAIRN_SMARTREPLY_WINDOW 10
/* Bytes of one message an engine may see; longer text is cut at a UTF-8
 * character boundary after masking (SR-5). */
#define CAIRN_SMARTREPLY_MAX_TEXT 4096
/* Bytes of one suggestion, excluding the terminating NUL. */
#define CAIRN_SMARTREPLY_MAX_REPLY 256
/* Bytes of a conversation identifier (opaque to the host). */
#define CAIRN_SMARTREPLY_MAX_CONV_ID 128
/* The symbol a plugin shared object exports (see cairn_smartreply_entry_fn). */
#define CAIRN_SMARTREPLY_PLUGIN_ENTRY "cairn_smartreply_plugin_entry"

/* ------------------------------------------------------------------------
 * Plugin ABI (SR-10..SR-14). Everything here is plain data and function
 * pointers so that a plugin built by another compiler can implement it.
 * ---------------------------------------------------------------------- */

/* One message as the caller passes it and as an engine receives it.
 * `text` need not be NUL-terminated; `len` bytes are read. When an engine
 * receives it, the text is valid UTF-8 without NUL or control characters,
 * masked and at most CAIRN_SMARTREPLY_MAX_TEXT bytes, and NUL-terminated. */
typedef struct cairn_smartreply_message {
    const char *text;
    size_t len;
    int from_me; /* non-zero when the local user wrote it */
} cairn_smartreply_message;

/* Services the host lends a plugin. Valid from create() until destroy().
 * In a sandboxed worker alloc() serves from a fixed arena and free() is a
 * no-op; memory obtained during suggest() is reclaimed when suggest()
 * returns, so a plugin keeps only what it allocated in create(). */
typedef struct cairn_smartreply_host {
    uint32_t abi_version;
    uint32_t size; /* sizeof(cairn_smartreply_host) */
    void *ud;
    void *(*alloc)(void *ud, size_t n); /* NULL when out of memory */
    void (*free)(void *ud, void *p);
} cairn_smartreply_host;

/* What suggest() fills in. `intent` is an engine-defined label used only
 * to keep two suggestions of one intent apart; `text` is NUL-terminated
 * UTF-8 of `len` bytes. The host validates everything (SR-9). */
typedef struct cairn_smartreply_output {
    uint32_t count;
    struct {
        uint32_t intent;
        uint32_t len;
        char text[CAIRN_SMARTREPLY_MAX_REPLY + 1];
    } replies[CAIRN_SMARTREPLY_MAX_SUGGESTIONS];
} cairn_smartreply_output;

/*
 * A reply engine. create() builds the engine state from a model blob (the
 * blob is the host's and is valid only during create(); copy what you
 * keep). suggest() gets 1..CAIRN_SMARTREPLY_WINDOW messages, oldest first,
 * the last one from someone else, and `out` zeroed; it returns CAIRN_OK
 * (with 0..3 replies), CAIRN_ERR_DECLINED when it will not guess, or
 * another status on failure. destroy(NULL) must be harmless.
 * A plugin must not log, store or transmit anything it is given.
 */
typedef struct cairn_smartreply_plugin {
    uint32_t abi_version; /* CAIRN_SMARTREPLY_ABI_VERSION */
    uint32_t size;        /* sizeof(cairn_smartreply_plugin) */
    const char *name;     /* short ASCII name for logs */
    cairn_status (*create)(const cairn_smartreply_host *host,
                           const uint8_t *model, size_t model_len,
                           void **state);
    cairn_status (*suggest)(void *state, const cairn_smartreply_message *msgs,
                            size_t count, cairn_smartreply_output *out);
    void (*destroy)(void *state);
} cairn_smartreply_plugin;

/* Type of the symbol CAIRN_SMARTREPLY_PLUGIN_ENTRY of a plugin .so: given
 * the host's ABI version it returns a static plugin description, or NULL
 * when it cannot serve that version. */
typedef const cairn_smartreply_plugin *(*cairn_smartreply_entry_fn)(
    uint32_t host_abi_version);

/* The built-in engine (plain C, CPU only, English only; declines sensitive
 * topics and other languages with CAIRN_ERR_DECLINED). Its model is the
 * file core/smartreply/model/smartreply.model. Static; never NULL. Since 0.1. */
CAIRN_EXPORT const cairn_smartreply_plugin *cairn_smartreply_builtin(void);

/* ------------------------------------------------------------------------
 * Host API.
 * ---------------------------------------------------------------------- */

typedef struct cairn_smartreply cairn_smartreply;

/* How an engine is run. Initialise with cairn_smartreply_options_init(). */
typedef struct cairn_smartreply_options {
    size_t size;           /* sizeof(cairn_smartreply_options) */
    uint32_t deadline_ms;  /* per suggest call; default 100 */
    uint32_t max_misses;   /* consecutive misses before disabling; default 3 */
    int sandbox;           /* run in a forked seccomp worker (SR-12) */
    uint32_t load_timeout_ms; /* worker start-up bound; default 5000 */
    size_t arena_bytes;    /* worker arena; default 16 MiB */
} cairn_smartreply_options;

/* Engine state for diagnostics (no content). */
typedef struct cairn_smartreply_engine_info {
    size_t size;                /* set by the caller to sizeof(...) */
    char name[33];              /* sanitised plugin name */
    int sandboxed;
    int disabled;               /* 1 once the host has disabled it */
    uint32_t consecutive_misses;
    uint64_t total_misses;
    uint64_t calls;
} cairn_smartreply_engine_info;

/* Suggestions handed to the caller. Free with cairn_smartreply_list_free,
 * which wipes the text. */
typedef struct cairn_smartreply_list {
    size_t count; /* 0..CAIRN_SMARTREPLY_MAX_SUGGESTIONS */
    struct {
        char *text; /* NUL-terminated UTF-8, `len` bytes */
        size_t len;
        uint32_t intent;
    } items[CAIRN_SMARTREPLY_MAX_SUGGESTIONS];
} cairn_smartreply_list;

/* Defaults: deadline 100 ms, 3 misses, in-process, 5 s load, 16 MiB arena.
 * Since 0.1. */
CAIRN_EXPORT void cairn_smartreply_options_init(cairn_smartreply_options *o);

/* Creates a host with smart replies switched OFF globally and for every
 * conversation, and no engine. *out is the caller's, released with
 * cairn_smartreply_destroy(). The context is kept (not owned).
 * Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NOMEM. Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status
cairn_smartreply_create(cairn_context *ctx, cairn_smartreply **out);

/* Destroys engines (killing and reaping any worker) and wipes the opt-in
 * state; NULL is a no-op. Since 0.1. */
CAIRN_EXPORT void cairn_smartreply_destroy(cairn_smartreply *sr);

/* Adds an engine from a plugin description. Engines are consulted in the
 * order they were added; a disabled engine is skipped (so a built-in
 * engine added last is the fallback). With opt->sandbox the plugin runs in
 * a forked worker (its create() runs there); otherwise in this process.
 * The plugin struct must stay valid while the host lives; the model is
 * copied as needed and not kept. opt may be NULL for defaults.
 * Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_VERSION (ABI mismatch),
 * CAIRN_ERR_LIMIT (4 engines already), CAIRN_ERR_NOMEM, CAIRN_ERR_TIMEOUT
 * (worker did not start in time), or the plugin's create() status.
 * Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_smartreply_add_plugin(
    cairn_smartreply *sr, const cairn_smartreply_plugin *plugin,
    const uint8_t *model, size_t model_len,
    const cairn_smartreply_options *opt);

/* Adds a third-party engine from a shared object exporting
 * CAIRN_SMARTREPLY_PLUGIN_ENTRY. The object is dlopen()ed only inside the
 * sandboxed worker, never in this process (opt->sandbox is forced on).
 * Errors as cairn_smartreply_add_plugin, plus CAIRN_ERR_NOT_FOUND (no such
 * file or symbol). Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_smartreply_load_plugin(
    cairn_smartreply *sr, const char *path, const uint8_t *model,
    size_t model_len, const cairn_smartreply_options *opt);

/* Engine diagnostics; index is the order of adding. Errors:
 * CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NOT_FOUND. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_smartreply_engine_info_get(
    const cairn_smartreply *sr, size_t index, cairn_smartreply_engine_info *info);

/* Opt-in (SR-2). Global switch and per-conversation switch; both must be
 * on. conv_id is an opaque identifier of 1..CAIRN_SMARTREPLY_MAX_CONV_ID
 * bytes, copied. Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NOMEM,
 * CAIRN_ERR_LIMIT (65536 conversations). Since 0.1. */
CAIRN_EXPORT void cairn_smartreply_set_enabled(cairn_smartreply *sr, int on);
CAIRN_EXPORT int cairn_smartreply_enabled(const cairn_smartreply *sr);
CAIRN_EXPORT cairn_status cairn_smartreply_set_conversation(
    cairn_smartreply *sr, const uint8_t *conv_id, size_t conv_id_len, int on);
CAIRN_EXPORT int cairn_smartreply_conversation_enabled(
    const cairn_smartreply *sr, const uint8_t *conv_id, size_t conv_id_len);

/* Persisting the opt-in state: export writes a versioned blob (format in
 * the spec, SR-15) into memory the caller frees with cairn_free(ctx, p, len);
 * the client engine stores it in its encrypted store. Import replaces the
 * state only when the whole blob parses. Errors: CAIRN_ERR_INVALID_ARG,
 * CAIRN_ERR_NOMEM, CAIRN_ERR_DECODE, CAIRN_ERR_VERSION, CAIRN_ERR_LIMIT.
 * Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_smartreply_optin_export(
    const cairn_smartreply *sr, uint8_t **out, size_t *out_len);
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_smartreply_optin_import(
    cairn_smartreply *sr, const uint8_t *blob, size_t len);

/*
 * Suggests replies for a conversation. The client engine calls it only
 * after decryption (SR-1) with the conversation's recent messages, oldest
 * first (any number; only the last CAIRN_SMARTREPLY_WINDOW are used).
 * On CAIRN_OK, *out is a list (possibly empty) the caller frees with
 * cairn_smartreply_list_free(); on any error *out is NULL.
 * Errors: CAIRN_ERR_INVALID_ARG; CAIRN_ERR_STATE (not opted in globally or
 * for this conversation, or no enabled engine); CAIRN_ERR_DECLINED (the
 * latest message is the user's own, or the engine declined: other
 * language, sensitive topic); CAIRN_ERR_TIMEOUT (deadline missed; result
 * dropped); CAIRN_ERR_NOMEM; CAIRN_ERR_INTERNAL or CAIRN_ERR_PROTOCOL (the
 * engine failed or misbehaved). Since 0.1.
 */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_smartreply_suggest(
    cairn_smartreply *sr, const uint8_t *conv_id, size_t conv_id_len,
    const cairn_smartreply_message *msgs, size_t count,
    cairn_smartreply_list **out);

/* Wipes and frees a list; NULL is a no-op. Since 0.1. */
CAIRN_EXPORT void cairn_smartreply_list_free(cairn_smartreply *sr,
                                             cairn_smartreply_list *list);

#ifdef __cplusplus
}
#endif
#endif
