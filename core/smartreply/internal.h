/*
 * internal.h - declarations shared by the files of the smartreply
 * component (never installed). Two halves: the host side (text masking,
 * opt-in set, engines run in-process or in a sandboxed worker, the worker
 * pipe protocol) and the built-in engine (tokeniser, features, model file,
 * gates, reply lint).
 *
 * Invariants: text handed to an engine has passed smartreply__sanitize
 * (valid UTF-8, no NUL/control bytes, masked, capped); nothing in this
 * component logs message or suggestion text.
 */
#ifndef CAIRN_SMARTREPLY_INTERNAL_H
#define CAIRN_SMARTREPLY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "cairn/smartreply.h"

#define SR_COMPONENT "smartreply"
#define SR_MAX_ENGINES 4

/* ---- text.c: sanitising and masking (SR-5, SR-6) ---------------------- */

/* Output capacity smartreply__sanitize needs. */
#define SR_SANITIZE_CAP (CAIRN_SMARTREPLY_MAX_TEXT + 1)

/* Reads at most 2*CAIRN_SMARTREPLY_MAX_TEXT bytes of `in`, replaces invalid
 * UTF-8 with U+FFFD, NUL and control characters with a space, masks URLs,
 * e-mail addresses and phone numbers, then cuts the result at a character
 * boundary to CAIRN_SMARTREPLY_MAX_TEXT bytes. `out` holds SR_SANITIZE_CAP
 * bytes and is NUL-terminated; returns the length. Never fails. */
size_t smartreply__sanitize(const char *in, size_t len, char *out);

/* 1 when s[0..len) is valid UTF-8 without NUL or C0/DEL control bytes. */
bool smartreply__utf8_clean(const char *s, size_t len);

/* ---- optin.c: the opt-in state (SR-2, SR-15) ---------------------------- */

#define SR_MAX_CONVERSATIONS 65536u

typedef struct sr_conv {
    uint8_t len;
    uint8_t id[CAIRN_SMARTREPLY_MAX_CONV_ID];
} sr_conv;

typedef struct sr_optin {
    int global;
    sr_conv *v; /* sorted by (len, id) */
    size_t n;
    size_t cap;
} sr_optin;

bool smartreply__optin_has(const sr_optin *o, const uint8_t *id, size_t len);
CAIRN_MUST_CHECK cairn_status smartreply__optin_set(
    const cairn_context *ctx, sr_optin *o, const uint8_t *id, size_t len, int on);
CAIRN_MUST_CHECK cairn_status smartreply__optin_export(
    const cairn_context *ctx, const sr_optin *o, uint8_t **out, size_t *out_len);
CAIRN_MUST_CHECK cairn_status smartreply__optin_import(
    const cairn_context *ctx, sr_optin *o, const uint8_t *blob, size_t len);
void smartreply__optin_free(const cairn_context *ctx, sr_optin *o);

/* ---- lint.c: curated reply lint (SR-25) --------------------------------- */

/* 0 when a curated reply is acceptable; otherwise -1 and *why names the
 * rule broken (static string). */
int smartreply__lint_reply(const char *s, size_t len, const char **why);

/* ---- features.c: tokeniser and hashed features (SR-33) ---------------- */

#define SR_MAX_TOKENS 64
#define SR_MAX_TOKEN_BYTES 32
#define SR_MAX_FEATURES (SR_MAX_TOKENS * (SR_MAX_TOKEN_BYTES + 2) + 2)

typedef struct sr_token {
    uint8_t len;
    char s[SR_MAX_TOKEN_BYTES];
} sr_token;

uint32_t smartreply__fnv1a(uint32_t h, const void *p, size_t n);
#define SR_FNV_INIT 2166136261u
/* Next token from *pos on; 0 at the end of the text. */
int smartreply__next_token(const char *text, size_t len, size_t *pos, sr_token *tok);
size_t smartreply__tokenize(const char *text, size_t len, sr_token *toks, size_t max);
bool smartreply__is_question(const char *text, size_t len);
/* Bucket indices of the features of a message; returns how many. */
size_t smartreply__features(const sr_token *toks, size_t n, bool question,
                            uint32_t mask, uint32_t *out);
/* Hash of a word as stored in the model's vocabulary ("w" + word). */
uint32_t smartreply__word_hash(const sr_token *tok);

/* ---- model.c: the model file (SR-30..SR-36) --------------------------- */

#define SR_KIND_CLASS 1
#define SR_KIND_ANSWER 2
#define SR_NO_PAIR 0xFFFFu

typedef struct sr_intent {
    uint8_t kind;
    uint16_t pair;
    uint8_t reply_len;
    char name[65];
    char reply[256];
} sr_intent;

typedef struct sr_model {
    uint16_t dim;
    uint8_t bucket_bits;
    uint16_t n_classes; /* softmax outputs = n_classes + 1 ("none" is 0) */
    uint16_t n_intents;
    float threshold;
    float threshold2;
    uint32_t n_vocab;
    sr_intent *intents;
    uint32_t *vocab;    /* strictly ascending */
    float *emb_scale;   /* 2^bucket_bits */
    int8_t *emb;        /* 2^bucket_bits x dim */
    float *out_scale;   /* n_classes + 1 */
    int8_t *out;        /* (n_classes + 1) x dim */
    int32_t *bias;      /* Q16 */
} sr_model;

/* Parses and verifies a model blob into memory from `host`. On failure
 * nothing is allocated. Errors: CAIRN_ERR_DECODE (malformed),
 * CAIRN_ERR_CORRUPT (checksum), CAIRN_ERR_VERSION, CAIRN_ERR_TOO_LARGE,
 * CAIRN_ERR_NOMEM. */
CAIRN_MUST_CHECK cairn_status smartreply__model_load(
    const cairn_smartreply_host *host, const uint8_t *blob, size_t len, sr_model *m);
void smartreply__model_free(const cairn_smartreply_host *host, sr_model *m);
bool smartreply__vocab_has(const sr_model *m, uint32_t h);

/* ---- gates.c: language and sensitive-topic gates (SR-20, SR-21) ------- */

typedef struct sr_lexicon sr_lexicon;
CAIRN_MUST_CHECK cairn_status smartreply__lexicon_create(
    const cairn_smartreply_host *host, sr_lexicon **out);
void smartreply__lexicon_free(const cairn_smartreply_host *host, sr_lexicon *lx);
/* 1 when the text touches a sensitive topic. */
bool smartreply__is_sensitive(const sr_lexicon *lx, const char *text, size_t len);
/* 1 when the tokens look like English according to the vocabulary. */
bool smartreply__is_english(const sr_model *m, const sr_token *toks, size_t n);
/* 1 for a question answerable by yes or no. */
bool smartreply__is_yes_no(const sr_token *toks, size_t n, bool question);

/* ---- engine.c: the built-in engine's ranking, for evaluation ---------- */

typedef struct sr_engine sr_engine;
/* Class probabilities of the latest message (index 0 = none), without
 * gates. `probs` holds n_classes + 1 floats. Returns 0 when the message
 * has no features. */
size_t smartreply__engine_rank(const sr_engine *e, const char *text, size_t len,
                               float *probs);
const sr_model *smartreply__engine_model(const sr_engine *e);

/* ---- frame.c: the worker pipe protocol (SR-13) ------------------------ */

#define SR_FRAME_HELLO 1u   /* worker -> host after loading */
#define SR_FRAME_REQUEST 2u /* host -> worker */
#define SR_FRAME_REPLY 3u   /* worker -> host */
#define SR_FRAME_HEADER 8u
#define SR_FRAME_MAX_PAYLOAD                                                   \
    (8u + CAIRN_SMARTREPLY_WINDOW * (3u + CAIRN_SMARTREPLY_MAX_TEXT))

/* Request payload: u32 seq, u8 count, count x (u8 from_me, u16 len, text).
 * Writes into out (SR_FRAME_HEADER + SR_FRAME_MAX_PAYLOAD bytes). */
size_t smartreply__frame_request(uint8_t *out, uint32_t seq,
                                 const cairn_smartreply_message *msgs, size_t count);
/* Parses a request payload into msgs (texts copied NUL-terminated into
 * `text`, which holds SR_FRAME_MAX_PAYLOAD + WINDOW bytes). */
CAIRN_MUST_CHECK int smartreply__frame_parse_request(
    const uint8_t *p, size_t len, uint32_t *seq, cairn_smartreply_message *msgs,
    size_t *count, char *text);
/* Reply payload: u32 seq, u32 status, u8 count, count x (u32 intent,
 * u16 len, text). */
size_t smartreply__frame_reply(uint8_t *out, uint32_t seq, uint32_t status,
                               const cairn_smartreply_output *o);
CAIRN_MUST_CHECK int smartreply__frame_parse_reply(
    const uint8_t *p, size_t len, uint32_t *seq, uint32_t *status,
    cairn_smartreply_output *o);

/* ---- worker.c: the sandboxed worker (SR-12) --------------------------- */

typedef struct sr_worker {
    int pid;
    int to_child;
    int from_child;
    uint32_t seq;
} sr_worker;

typedef struct sr_worker_spec {
    const cairn_smartreply_plugin *plugin; /* or NULL with so_path */
    const char *so_path;
    const uint8_t *model;
    size_t model_len;
    size_t arena_bytes;
    uint32_t load_timeout_ms;
} sr_worker_spec;

/* Forks and starts a worker; on success fills name (sanitised, 33 bytes).
 * Errors: CAIRN_ERR_TIMEOUT, CAIRN_ERR_VERSION, CAIRN_ERR_NOT_FOUND,
 * CAIRN_ERR_IO, CAIRN_ERR_PROTOCOL, or the plugin's create() status. */
CAIRN_MUST_CHECK cairn_status smartreply__worker_start(
    const cairn_context *ctx, const sr_worker_spec *spec, sr_worker *w, char *name);
/* One request with a deadline. CAIRN_ERR_TIMEOUT: no reply in time (the
 * worker is killed and reaped). CAIRN_ERR_IO / CAIRN_ERR_PROTOCOL: the
 * worker died or misbehaved (killed and reaped; *killed_by gets the
 * signal, 0 if none). */
CAIRN_MUST_CHECK cairn_status smartreply__worker_call(
    const cairn_context *ctx, sr_worker *w, const cairn_smartreply_message *msgs,
    size_t count, uint32_t deadline_ms, cairn_smartreply_output *out,
    uint32_t *plugin_status, int *killed_by);
/* Kills and reaps; safe on a stopped worker. */
void smartreply__worker_stop(sr_worker *w);

/* Monotonic milliseconds for deadlines (not the context's wall clock). */
int64_t smartreply__mono_ms(void);
/* Copies a plugin-supplied name keeping [A-Za-z0-9_.-], at most 32 bytes. */
void smartreply__clean_name(char *dst, const char *src, size_t src_len);

#endif
