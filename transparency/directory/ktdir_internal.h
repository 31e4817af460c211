/*
 * ktdir_internal.h - types and functions shared between the files of the
 * KEYTRANS directory (draft-ietf-keytrans-protocol), never installed.
 *
 * The component is split by concern: tls.c (bounded TLS presentation
 * encoding), logtree.c (log tree hashing and the batch inclusion/consistency
 * walk), prefix.c (the persistent prefix tree of the server), pproof.c
 * (PrefixProof evaluation shared by clients and auditors), commit.c
 * (commitments and VRF inputs), ladder.c (binary ladders and the implicit
 * binary search tree), combined.c (CombinedTreeProof and the record/consume
 * oracle), search.c (update view, greatest- and fixed-version search),
 * monitor.c (distinguished entries, contact monitoring), treehead.c
 * (Configuration and signed heads), auditor.c (AuditorUpdate), directory.c
 * (server state), client.c (client verification), wire.c (responses).
 *
 * Invariant kept everywhere: a prover and a verifier run the SAME algorithm
 * code (search.c, monitor.c, logtree.c walk); only the oracle behind
 * ktdir__pctx differs (reading the real directory and recording, or
 * consuming the proof). They therefore cannot disagree on what a proof holds.
 */
#ifndef CAIRN_KTDIR_INTERNAL_H
#define CAIRN_KTDIR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "cairn/ktdir.h"

#define KT_H 32            /* Hash.Nh */
#define KT_NC 16           /* commitment opening size */
#define KT_VRF_NH 32       /* VRF.Nh (truncated) */
#define KT_VRF_NP 80       /* VRF.Np */
#define KT_SIG_LEN 64
#define KT_PK_LEN 32
#define KT_CIPHERSUITE 0x0002 /* KT_128_SHA256_Ed25519 */

/* Decoder caps (KT-ENC-2). */
#define KT_MAX_PP_ELEMENTS 8192   /* HashValue elements in one PrefixProof */
#define KT_MAX_INCL_ELEMENTS 1024 /* log-tree inclusion elements */
#define KT_MAX_RESPONSE (4u * 1024u * 1024u)
#define KT_MAX_TOUCHED 1024       /* log entries one proof may touch */
#define KT_MAX_LOOKUPS 4096       /* ladder lookups in one response */
#define KT_MAX_LADDER 70          /* versions in one base binary ladder */
#define KT_MAX_PP_LOOKUPS 255     /* lookups in one PrefixProof (u8 count) */

/* ---------------------------------------------------------------- tls.c */
cairn_status ktdir__put_u8(cairn__buf *b, uint8_t v);
cairn_status ktdir__put_u16(cairn__buf *b, uint16_t v);
cairn_status ktdir__put_u32(cairn__buf *b, uint32_t v);
cairn_status ktdir__put_u64(cairn__buf *b, uint64_t v);
cairn_status ktdir__put_bytes(cairn__buf *b, const void *p, size_t n);
/* opaque x<0..2^8-1>, <0..2^16-1>, <0..2^32-1>: length prefix then bytes;
 * CAIRN_ERR_TOO_LARGE when n does not fit the prefix. */
cairn_status ktdir__put_vec8(cairn__buf *b, const void *p, size_t n);
cairn_status ktdir__put_vec16(cairn__buf *b, const void *p, size_t n);
cairn_status ktdir__put_vec32(cairn__buf *b, const void *p, size_t n);
cairn_status ktdir__put_opt_u64(cairn__buf *b, bool present, uint64_t v);

/* Readers: on any failure r->err is set; callers test once at the end. */
const uint8_t *ktdir__get_vec8(cairn__reader *r, size_t *n, size_t cap);
const uint8_t *ktdir__get_vec16(cairn__reader *r, size_t *n, size_t cap);
const uint8_t *ktdir__get_vec32(cairn__reader *r, size_t *n, size_t cap);
/* optional<T> presence octet: 0 or 1, anything else sets err (KT-ENC-3). */
bool ktdir__get_present(cairn__reader *r);
/* Count prefix of a vector of elements: u8/u16; > cap sets err. */
size_t ktdir__get_count8(cairn__reader *r, size_t cap);
size_t ktdir__get_count16(cairn__reader *r, size_t cap);

/* -------------------------------------------------------------- hashing */
void ktdir__sha256(uint8_t out[KT_H], const uint8_t *a, size_t alen,
                   const uint8_t *b, size_t blen, const uint8_t *c,
                   size_t clen);

/* ------------------------------------------------------------ ladder.c */
/* Implicit binary search tree over n log entries (appendix of the draft). */
uint64_t ktdir__ibst_root(uint64_t n);
unsigned ktdir__ibst_level(uint64_t x);
bool ktdir__ibst_has_left(uint64_t x);
uint64_t ktdir__ibst_left(uint64_t x);
bool ktdir__ibst_has_right(uint64_t x, uint64_t n);
uint64_t ktdir__ibst_right(uint64_t x, uint64_t n);
/* Path from the root down to x, both included; returns count (<= 64). */
size_t ktdir__ibst_path(uint64_t x, uint64_t n, uint64_t out[64]);
/* Frontier of a tree of n entries, left to right; returns count. */
size_t ktdir__ibst_frontier(uint64_t n, uint64_t out[64]);

/* Adaptive binary ladder: next() gives the next version to look up (false
 * when the ladder is over), feed() gives the outcome of that lookup. */
typedef struct ktdir__ladder {
    int phase;      /* 1: doubling, 2: bisection, 3: done */
    unsigned k;     /* phase 1: next power index */
    int64_t lower;  /* greatest version known included (-1 none) */
    int64_t upper;  /* least version known excluded */
    int64_t cur;
} ktdir__ladder;
void ktdir__ladder_init(ktdir__ladder *l);
bool ktdir__ladder_next(ktdir__ladder *l, uint32_t *version);
void ktdir__ladder_feed(ktdir__ladder *l, bool included);
/* base_binary_ladder(t): the versions looked up to establish t as the
 * greatest version; returns count (<= KT_MAX_LADDER). */
size_t ktdir__base_ladder(uint32_t t, uint32_t out[KT_MAX_LADDER]);

/* ------------------------------------------------------------ commit.c */
/* VrfInput = label<0..2^8-1> || uint32 version (KT-VRF-1). */
cairn_status ktdir__vrf_input(uint8_t *out, size_t *out_len,
                              const uint8_t *label, size_t label_len,
                              uint32_t version);
/* commitment = HMAC-SHA256(Kc, CommitmentValue) (KT-COM-1). */
cairn_status ktdir__commitment(uint8_t out[KT_H], const uint8_t opening[KT_NC],
                               const uint8_t *label, size_t label_len,
                               uint32_t version, const uint8_t *value,
                               size_t value_len);
/* Verifies a VRF proof for (label, version) and gives the 32-byte output. */
CAIRN_MUST_CHECK cairn_status
ktdir__vrf_verify(uint8_t out[KT_VRF_NH], const uint8_t pk[KT_PK_LEN],
                  const uint8_t proof[KT_VRF_NP], const uint8_t *label,
                  size_t label_len, uint32_t version);
cairn_status ktdir__vrf_eval(uint8_t out[KT_VRF_NH],
                             uint8_t proof[KT_VRF_NP],
                             const uint8_t sk[32], const uint8_t *label,
                             size_t label_len, uint32_t version);
/* The same output as ktdir__vrf_eval without building the proof (half
 * the cost); pk must be the public key of sk. Reentrant. */
cairn_status ktdir__vrf_output(uint8_t out[KT_VRF_NH], const uint8_t sk[32],
                               const uint8_t pk[KT_PK_LEN], const uint8_t *label,
                               size_t label_len, uint32_t version);

/* ------------------------------------------------------- prefix proofs */
enum { KT_PR_INCLUSION = 1, KT_PR_NONINCL_LEAF = 2, KT_PR_NONINCL_PARENT = 3 };

typedef struct ktdir__presult {
    uint8_t type;
    uint8_t depth;
    uint8_t leaf_vrf[KT_VRF_NH];   /* nonInclusionLeaf only */
    uint8_t leaf_commit[KT_H];
} ktdir__presult;

/* PrefixProof; owns results and elements (ktdir__pproof_free). */
typedef struct ktdir__pproof {
    size_t n_results;
    ktdir__presult *results;
    size_t n_elements;
    uint8_t (*elements)[KT_H];
} ktdir__pproof;

void ktdir__pproof_free(const cairn_context *ctx, ktdir__pproof *p);
/* wide: 16-bit results count (AuditorUpdate only, spec DEVIATION-4). */
cairn_status ktdir__pproof_encode(cairn__buf *b, const ktdir__pproof *p,
                                  bool wide);
/* Decodes into p (allocating); on error p is left empty. */
CAIRN_MUST_CHECK cairn_status ktdir__pproof_decode(const cairn_context *ctx,
                                                   cairn__reader *r,
                                                   ktdir__pproof *p, bool wide);

/* Partial prefix tree reconstructed from a proof (auditor transitions). */
enum { KT_PT_OPAQUE = 0, KT_PT_EMPTY = 1, KT_PT_LEAF = 2, KT_PT_PARENT = 3 };
typedef struct ktdir__ptnode {
    uint8_t kind;
    uint8_t hash[KT_H];          /* OPAQUE: given value */
    uint8_t key[KT_VRF_NH];      /* LEAF */
    uint8_t commit[KT_H];        /* LEAF */
    uint32_t l, r;               /* PARENT: node indices */
} ktdir__ptnode;
typedef struct ktdir__ptree_partial {
    const cairn_context *ctx;
    ktdir__ptnode *nodes;
    size_t n, cap;
    uint32_t root;
} ktdir__ptree_partial;
void ktdir__partial_free(ktdir__ptree_partial *t);
/* Inserts a leaf into a partial tree; ERR_PROOF when the path runs into an
 * opaque node (the proof did not cover the key), ERR_EXISTS when present. */
cairn_status ktdir__partial_insert(ktdir__ptree_partial *t,
                                   const uint8_t key[KT_VRF_NH],
                                   const uint8_t commit[KT_H]);
void ktdir__partial_root(ktdir__ptree_partial *t, uint8_t out[KT_H]);

/* Evaluates a PrefixProof for keys[i] (result i belongs to keys[i]).
 * commits[i] is the commitment expected when result i is an inclusion
 * (has_commit[i] false: an inclusion result is a proof error). Writes the
 * candidate root and per-key inclusion; optionally builds a partial tree.
 * Errors: CAIRN_ERR_PROOF for any inconsistency (KT-PT-4..7). */
CAIRN_MUST_CHECK cairn_status
ktdir__pproof_eval(const cairn_context *ctx, const ktdir__pproof *p,
                   const uint8_t (*keys)[KT_VRF_NH],
                   const uint8_t (*commits)[KT_H], const bool *has_commit,
                   size_t n_keys, uint8_t root[KT_H], bool *included,
                   ktdir__ptree_partial *partial);

/* Value of the empty prefix tree (a root parent with no children). */
void ktdir__ptree_empty_root(uint8_t out[KT_H]);
void ktdir__ptree_leaf_hash(uint8_t out[KT_H], const uint8_t key[KT_VRF_NH],
                            const uint8_t commit[KT_H]);
void ktdir__ptree_parent_hash(uint8_t out[KT_H], const uint8_t l[KT_H],
                              const uint8_t r[KT_H]);

/* ------------------------------------------------------------ prefix.c */
/* Server prefix tree: an append-only node arena; every version of the tree
 * is a root id into it (path copying, nodes of the open batch mutable). */
typedef struct ktdir__pnode {
    uint8_t hash[KT_H];
    uint32_t l, r;   /* parent: children (0 = none); leaf: l = leaf index */
    uint8_t leaf;
} ktdir__pnode;
typedef struct ktdir__pleaf {
    uint8_t key[KT_VRF_NH];
    uint8_t commit[KT_H];
} ktdir__pleaf;
typedef struct ktdir__ptree {
    const cairn_context *ctx;
    ktdir__pnode *nodes; /* index 0 unused */
    size_t n, cap;
    ktdir__pleaf *leaves;
    size_t n_leaves, cap_leaves;
    uint32_t batch_start; /* nodes >= this belong to the open batch */
    size_t max_nodes;
} ktdir__ptree;
cairn_status ktdir__ptree_init(ktdir__ptree *t, const cairn_context *ctx,
                               size_t max_nodes, uint32_t *empty_root);
void ktdir__ptree_free(ktdir__ptree *t);
/* Inserts key -> commit under *root (updated). ERR_EXISTS if present. */
cairn_status ktdir__ptree_insert(ktdir__ptree *t, uint32_t *root,
                                 const uint8_t key[KT_VRF_NH],
                                 const uint8_t commit[KT_H]);
/* Removes key (test and misbehaviour simulation only); ERR_NOT_FOUND. */
cairn_status ktdir__ptree_remove(ktdir__ptree *t, uint32_t *root,
                                 const uint8_t key[KT_VRF_NH]);
/* Seals the open batch: hashes every new node under root. */
void ktdir__ptree_seal(ktdir__ptree *t, uint32_t root);
bool ktdir__ptree_contains(const ktdir__ptree *t, uint32_t root,
                           const uint8_t key[KT_VRF_NH]);
/* Builds the PrefixProof for keys under root (sealed). */
cairn_status ktdir__ptree_prove(const ktdir__ptree *t, uint32_t root,
                                const uint8_t (*keys)[KT_VRF_NH],
                                size_t n_keys, ktdir__pproof *out);

/* ----------------------------------------------------------- logtree.c */
void ktdir__log_leaf_hash(uint8_t out[KT_H], uint64_t ts,
                          const uint8_t prefix_root[KT_H]);
/* parent = H(hashContent(left) || hashContent(right)) (KT-LOG-2). */
void ktdir__log_parent(uint8_t out[KT_H], const uint8_t l[KT_H], bool l_leaf,
                       const uint8_t r[KT_H], bool r_leaf);
/* Full subtrees of a tree of n leaves: (start, size) left to right. */
size_t ktdir__log_full_subtrees(uint64_t n, uint64_t starts[64],
                                uint64_t sizes[64]);
/* Root of a tree from the heads of its full subtrees. */
void ktdir__log_root_from_full(uint8_t out[KT_H], const uint8_t (*heads)[KT_H],
                               const uint64_t *sizes, size_t count);

/* Callbacks that make the walk a prover or a verifier. */
typedef struct ktdir__logwalk {
    uint64_t n;            /* tree size */
    uint64_t m;            /* retained tree size (0: none) */
    uint64_t a;            /* extra size whose root is wanted (0: none) */
    const uint64_t *known; /* sorted leaf indices with a known value */
    size_t n_known;
    void *ud;
    /* value of known leaf i (index into known[]) */
    void (*leaf)(void *ud, size_t i, uint8_t out[KT_H]);
    /* value of retained full subtree j of m */
    void (*retained)(void *ud, size_t j, uint8_t out[KT_H]);
    /* value of a balanced subtree the proof must carry */
    cairn_status (*element)(void *ud, uint64_t lo, uint64_t size,
                            uint8_t out[KT_H]);
    /* outputs: heads of full subtrees of n and of a */
    uint8_t (*n_heads)[KT_H];
    uint8_t (*a_heads)[KT_H];
} ktdir__logwalk;
/* Computes the root of n. ERR_PROOF when a retained head is contradicted. */
CAIRN_MUST_CHECK cairn_status ktdir__log_walk(const ktdir__logwalk *w,
                                              uint8_t root[KT_H]);

/* Server log: heads of every aligned balanced subtree, per level. */
typedef struct ktdir__log {
    const cairn_context *ctx;
    uint8_t (*level[64])[KT_H];
    size_t count[64], cap[64];
    uint64_t size;
} ktdir__log;
void ktdir__log_init(ktdir__log *l, const cairn_context *ctx);
void ktdir__log_free(ktdir__log *l);
cairn_status ktdir__log_append(ktdir__log *l, const uint8_t leaf[KT_H]);
/* Head of the balanced subtree [lo, lo+size) (size a power of two). */
cairn_status ktdir__log_node(const ktdir__log *l, uint64_t lo, uint64_t size,
                             uint8_t out[KT_H]);
void ktdir__log_root(const ktdir__log *l, uint64_t n, uint8_t out[KT_H]);

/* ----------------------------------------------------------- treehead.c */
cairn_status ktdir__config_encode(cairn__buf *b, const cairn_kt_config *c);
CAIRN_MUST_CHECK cairn_status ktdir__config_decode(cairn__reader *r,
                                                   cairn_kt_config *c);
cairn_status ktdir__treehead_tbs(cairn__buf *b, const cairn_kt_config *c,
                                 uint64_t size, const uint8_t root[KT_H]);
cairn_status ktdir__auditor_tbs(cairn__buf *b, const cairn_kt_config *c,
                                uint64_t ts, uint64_t size,
                                const uint8_t root[KT_H]);

/* FullTreeHead as decoded. */
enum { KT_HEAD_SAME = 1, KT_HEAD_UPDATED = 2 };
typedef struct ktdir__fth {
    uint8_t type;
    uint64_t tree_size;
    uint8_t sig[KT_SIG_LEN];
    bool has_auditor;
    uint64_t a_ts, a_size;
    uint8_t a_sig[KT_SIG_LEN];
} ktdir__fth;
cairn_status ktdir__fth_encode(cairn__buf *b, const ktdir__fth *h);
CAIRN_MUST_CHECK cairn_status ktdir__fth_decode(cairn__reader *r,
                                                cairn_kt_mode mode,
                                                ktdir__fth *h);

/* ---------------------------------------------------------- combined.c */
typedef struct ktdir__combined {
    size_t n_ts;
    uint64_t *ts;
    size_t n_pp;
    ktdir__pproof *pp;
    size_t n_roots;
    uint8_t (*roots)[KT_H];
    size_t n_incl;
    uint8_t (*incl)[KT_H];
} ktdir__combined;
void ktdir__combined_free(const cairn_context *ctx, ktdir__combined *c);
cairn_status ktdir__combined_encode(cairn__buf *b, const ktdir__combined *c);
CAIRN_MUST_CHECK cairn_status ktdir__combined_decode(const cairn_context *ctx,
                                                     cairn__reader *r,
                                                     ktdir__combined *c);

/* Key table: what both sides know about the versions of one label. */
typedef struct ktdir__vkey {
    uint32_t version;
    uint8_t vrf[KT_VRF_NH];
    uint8_t commit[KT_H];
    bool has_commit;
    bool used; /* an inclusion result authenticated the commitment */
} ktdir__vkey;

/* Prover's view of the directory (directory.c implements it). */
typedef struct ktdir__source {
    void *ud;
    cairn_status (*entry)(void *ud, uint64_t idx, uint64_t *ts,
                          uint8_t prefix_root[KT_H]);
    bool (*contains)(void *ud, uint64_t idx, const uint8_t key[KT_VRF_NH]);
    cairn_status (*prefix_prove)(void *ud, uint64_t idx,
                                 const uint8_t (*keys)[KT_VRF_NH], size_t n,
                                 ktdir__pproof *out);
    cairn_status (*log_node)(void *ud, uint64_t lo, uint64_t size,
                             uint8_t out[KT_H]);
} ktdir__source;

typedef struct ktdir__entry {
    uint64_t idx;
    uint64_t ts;
    uint8_t root[KT_H];
    bool has_ts, retained, has_root;
} ktdir__entry;

typedef struct ktdir__lookup {
    uint64_t idx;
    uint32_t version;
    bool included;
} ktdir__lookup;

typedef struct ktdir__ladder_rec {
    uint64_t idx;
    uint32_t target;
} ktdir__ladder_rec;

/* The proof context: the oracle the shared algorithms talk to. */
typedef struct ktdir__pctx {
    const cairn_context *ctx;
    bool prove;
    const cairn_kt_config *cfg;
    uint64_t n;                 /* tree size proved */
    const cairn_kt_view *view;  /* retained view (tree_size 0: none) */
    ktdir__entry *ents;         /* touched entries, sorted by idx */
    size_t n_ents;
    ktdir__lookup *lookups;
    size_t n_lookups;
    ktdir__ladder_rec ladders[256];
    size_t n_ladders;
    ktdir__vkey *keys;
    size_t n_keys;
    /* prove mode */
    const ktdir__source *src;
    ktdir__combined *out;      /* grows as the algorithms run */
    size_t cap_ts, cap_pp;
    /* verify mode */
    const ktdir__combined *in;
    size_t ts_pos, pp_pos;
} ktdir__pctx;

cairn_status ktdir__pctx_init(ktdir__pctx *pc, const cairn_context *ctx,
                              bool prove, const cairn_kt_config *cfg,
                              uint64_t n, const cairn_kt_view *view);
void ktdir__pctx_free(ktdir__pctx *pc);
CAIRN_MUST_CHECK cairn_status ktdir__get_ts(ktdir__pctx *pc, uint64_t idx,
                                            uint64_t *ts);

enum { KT_LADDER_SEARCH = 0, KT_LADDER_SEARCH_FULL = 1, KT_LADDER_MONITOR = 2 };
enum { KT_CMP_LESS = -1, KT_CMP_EQUAL = 0, KT_CMP_GREATER = 1 };
/* One ladder from entry idx for target t; *cmp tells how the greatest
 * version there compares to t. KT_LADDER_MONITOR requires all inclusions
 * (ERR_PROOF otherwise) and reports EQUAL. */
CAIRN_MUST_CHECK cairn_status ktdir__ladder_at(ktdir__pctx *pc, uint64_t idx,
                                               uint32_t t, int kind, int *cmp);
/* A PrefixProof looking up exactly one version (fixed-version step 6.3). */
CAIRN_MUST_CHECK cairn_status ktdir__lookup_at(ktdir__pctx *pc, uint64_t idx,
                                               uint32_t v, bool *included);
/* Did an earlier step of this response get a ladder from idx? */
bool ktdir__ladder_seen(const ktdir__pctx *pc, uint64_t idx, uint32_t *target);
/* Ends the proof: prefix_roots, monotonic timestamps, log inclusion. Gives
 * the root of n (and of a when a > 0), and the heads of n's full subtrees. */
CAIRN_MUST_CHECK cairn_status ktdir__pctx_finish(ktdir__pctx *pc, uint64_t a,
                                                 uint8_t root[KT_H],
                                                 uint8_t a_root[KT_H],
                                                 uint8_t (*n_heads)[KT_H]);

/* ------------------------------------------------------ search.c/monitor.c */
CAIRN_MUST_CHECK cairn_status ktdir__update_view(ktdir__pctx *pc);
/* Distinguished status of x in the current tree (KT-DIST-1). */
CAIRN_MUST_CHECK cairn_status ktdir__distinguished(ktdir__pctx *pc, uint64_t x,
                                                   bool *dist);
CAIRN_MUST_CHECK cairn_status ktdir__rightmost_distinguished(ktdir__pctx *pc,
                                                             bool *found,
                                                             uint64_t *x);
/* Greatest-version search for t; terminal entry and whether it needs
 * contact monitoring (right of the rightmost distinguished entry). */
CAIRN_MUST_CHECK cairn_status ktdir__search_greatest(ktdir__pctx *pc,
                                                     uint32_t t,
                                                     uint64_t *terminal,
                                                     bool *monitor);
CAIRN_MUST_CHECK cairn_status ktdir__search_fixed(ktdir__pctx *pc, uint32_t t,
                                                  uint64_t *terminal,
                                                  bool *monitor);
/* Contact monitoring over map entries (sorted by position, updated). */
CAIRN_MUST_CHECK cairn_status
ktdir__contact_monitor(ktdir__pctx *pc, cairn_kt_monitor_entry *entries,
                       size_t *count);

/* Owner-mode contact monitoring (draft "Contact Algorithm" step 2.4):
 * a map entry at or right of owner_start leaves its final distinguished
 * ancestor to the owner walk; pending[i] gets that ancestor (UINT64_MAX:
 * none) so the caller can drop the entry once the walk verified it.
 * has_start false: plain contact monitoring (ktdir__contact_monitor).
 * pending must hold *count elements; it follows the compaction. */
CAIRN_MUST_CHECK cairn_status
ktdir__contact_monitor_owner(ktdir__pctx *pc, cairn_kt_monitor_entry *entries,
                             size_t *count, bool has_start, uint64_t start,
                             uint64_t *pending);

/* ------------------------------------------------------------- owner.c */
/* Greatest version at log entry idx: the prover reads its directory, the
 * verifier the owner's state. false: the label is absent there. */
typedef bool (*ktdir__expect_fn)(void *ud, uint64_t idx, uint32_t *v);

/* First algorithm of the draft's "Owner Algorithm" (owner initialization):
 * the list is `start` then its direct-path ancestors left of it in
 * descending position (KT-OWN-1). gv holds the claimed greatest versions
 * (prover: filled from `expect`; verifier: from the response), n_gv of
 * them, non-increasing; every list entry gets a full search ladder. */
CAIRN_MUST_CHECK cairn_status ktdir__owner_init(ktdir__pctx *pc, uint64_t start,
                                                const uint32_t *gv, size_t n_gv);
/* List of log entries the owner initialization inspects; returns count. */
size_t ktdir__owner_init_list(uint64_t start, uint64_t n, uint64_t out[64]);

/* Second algorithm of the "Owner Algorithm" (owner monitoring walk over
 * distinguished entries right of start, in order). */
typedef struct ktdir__owner_walk {
    uint64_t start;
    ktdir__expect_fn expected;
    void *ud;
    /* prover only: stop before laddering idx (greatest beyond advertised) */
    bool (*must_stop)(void *ud, uint64_t idx);
    size_t max_ladders;      /* prover only */
    /* outputs */
    size_t n_ladders;
    bool stopped;            /* the walk ended before the last entry */
    bool has_last;
    uint64_t last;           /* rightmost distinguished entry verified */
} ktdir__owner_walk;
CAIRN_MUST_CHECK cairn_status ktdir__owner_walk_run(ktdir__pctx *pc,
                                                    ktdir__owner_walk *w);

/* The draft's "Updating a Label" algorithm for the versions first..g_new
 * inserted at log entry pos; has_prev/g_prev the owner's previous greatest;
 * floor = max(owner start, position of g_prev). *dist tells whether pos
 * is distinguished (else the owner adds a contact-monitoring entry). */
CAIRN_MUST_CHECK cairn_status ktdir__update_alg(ktdir__pctx *pc, uint64_t pos,
                                                bool has_prev, uint32_t g_prev,
                                                uint32_t g_new, uint64_t floor,
                                                bool *dist);
/* Versions the UpdateResponse carries VRF proofs for (KT-UPD-2): the
 * search ladder of g_new plus each new version, minus the base ladder of
 * g_prev (or minus version 0 when there was none); ascending. Returns the
 * count (<= KT_MAX_LADDER + 256). */
size_t ktdir__update_versions(bool has_prev, uint32_t g_prev, uint32_t g_new,
                              uint32_t *out);
/* Sorted union of {0} and the base ladders of gv[0..n) (owner init). */
size_t ktdir__init_versions(const uint32_t *gv, size_t n, uint32_t *out,
                            size_t cap);
bool ktdir__in_base_ladder(uint32_t t, uint32_t v);

/* combined.c additions: one PrefixProof looking up vers[0..n) at idx (in
 * this order); and recording inclusions the owner already established at
 * a skipped entry so later ladders omit them (spec KT-UPD-4). */
CAIRN_MUST_CHECK cairn_status ktdir__lookups_at(ktdir__pctx *pc, uint64_t idx,
                                                const uint32_t *vers, size_t n,
                                                bool *included);
CAIRN_MUST_CHECK cairn_status ktdir__assume_included(ktdir__pctx *pc,
                                                     uint64_t idx,
                                                     const uint32_t *vers,
                                                     size_t n);
/* Verify mode: every PrefixProof of the response has been consumed. */
bool ktdir__pp_exhausted(const ktdir__pctx *pc);

/* --------------------------------------------------------- directory.c */
typedef struct ktdir__version {
    uint8_t vrf[KT_VRF_NH];
    uint8_t commit[KT_H];
    uint8_t opening[KT_NC];
    uint8_t *value;
    uint32_t value_len;
    uint64_t pos; /* log entry where it was inserted */
} ktdir__version;

typedef struct ktdir__label {
    uint8_t label[CAIRN_KT_MAX_LABEL];
    uint8_t len;
    ktdir__version *vers;
    uint32_t n_vers, cap_vers;
    uint32_t n_published;
} ktdir__label;

typedef struct ktdir__logent {
    uint64_t ts;
    uint32_t proot;
    size_t ins_first, ins_count; /* slice of the insertion log */
} ktdir__logent;

typedef struct ktdir__ins {
    uint32_t label;
    uint32_t version;
} ktdir__ins;

struct cairn_ktdir {
    const cairn_context *ctx;
    cairn_kt_config cfg;
    uint8_t sign_sk[64];
    uint8_t vrf_sk[32];
    cairn_ktdir_store store;
    bool has_store;
    ktdir__ptree pt;
    uint32_t work_root;
    ktdir__log log;
    ktdir__logent *ents;
    size_t n_ents, cap_ents;
    ktdir__label *labels;
    size_t n_labels, cap_labels;
    uint32_t *slots; /* open addressing, label index + 1 */
    size_t n_slots;
    ktdir__ins *ins;
    size_t n_ins, cap_ins;
    uint8_t head_sig[KT_SIG_LEN];
    bool has_auditor_head;
    uint64_t a_ts, a_size;
    uint8_t a_sig[KT_SIG_LEN];
};

ktdir__label *ktdir__find_label(const cairn_ktdir *d, const uint8_t *label,
                                size_t len);
void ktdir__dir_source(cairn_ktdir *d, ktdir__source *src);
/* Retained view a client with tree size `last` holds (server side). */
cairn_status ktdir__dir_view(const cairn_ktdir *d, uint64_t last,
                             cairn_kt_view *v);
/* Commit without the timestamp check (misbehaviour tests only). */
cairn_status ktdir__dir_commit_raw(cairn_ktdir *d, uint64_t ts);
/* Removes a published version's leaf from the open batch (misbehaviour
 * tests: a server dropping or rolling back a version). */
cairn_status ktdir__dir_drop_version(cairn_ktdir *d, const uint8_t *label,
                                     size_t len, uint32_t version);
/* Inserts a random filler leaf (benchmarks: grows the tree without VRF). */
cairn_status ktdir__dir_insert_filler(cairn_ktdir *d);

/* ----------------------------------------------------------- respond.c */
cairn_status ktdir__resp_head(cairn_ktdir *d, bool has_last, uint64_t last,
                              cairn__buf *b);
/* Key-table entry for version v of l; proof non-NULL also gets the VRF
 * proof. Published versions carry their commitment. */
cairn_status ktdir__resp_key(cairn_ktdir *d, const ktdir__label *l, uint32_t v,
                             ktdir__vkey *k, uint8_t proof[KT_VRF_NP]);
/* Opens a prove-mode context for a client at `last` and runs the view
 * update; ktdir__resp_finish ends it and checks the root. */
cairn_status ktdir__resp_start(cairn_ktdir *d, bool has_last, uint64_t last,
                               cairn_kt_view *view, ktdir__pctx *pc,
                               ktdir__source *src, ktdir__combined *out);
cairn_status ktdir__resp_finish(cairn_ktdir *d, ktdir__pctx *pc);

/* ------------------------------------------------------------ client.c */
typedef struct ktdir__verifier {
    const cairn_context *ctx;
    const cairn_kt_config *cfg;
    const cairn_kt_view *old;
    ktdir__fth fth;
    ktdir__combined comb;
    ktdir__pctx pc;
    cairn_kt_view *nv;
    uint64_t n;
} ktdir__verifier;
cairn_status ktdir__verify_check_args(const cairn_context *ctx,
                                      const cairn_kt_config *cfg,
                                      const cairn_kt_view *old,
                                      const uint8_t *resp);
/* fth and comb decoded, nv allocated: opens the context, updates the view. */
CAIRN_MUST_CHECK cairn_status ktdir__verify_begin(ktdir__verifier *v);
/* Finishes the proof, checks heads and clock, fills *nv. */
CAIRN_MUST_CHECK cairn_status ktdir__verify_end(ktdir__verifier *v,
                                                int64_t now_ms);
void ktdir__verify_cleanup(ktdir__verifier *v);

#endif
