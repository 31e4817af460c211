/*
 * tlog_merkle.h - RFC 6962 / RFC 9162 Merkle tree hashing, and generation
 * and verification of inclusion and consistency proofs.
 *
 * Hashes are SHA-256: a leaf hash is SHA-256(0x00 || entry), an interior
 * node is SHA-256(0x01 || left || right), the empty tree hashes to
 * SHA-256(""). Proofs are the concatenation of their 32-byte hashes in the
 * order RFC 9162 sections 2.1.3.1 and 2.1.4.1 produce them.
 *
 * Generation reads "stored hashes" through a callback: the hash of the
 * complete subtree at (level, index), which spans leaves
 * [index * 2^level, (index + 1) * 2^level). Any hash store works (tiles on
 * disk, tiles fetched over HTTP, an array in a test).
 *
 * Ownership: no function here allocates or keeps a pointer past the call.
 * Spec: spec/transparency-log.md, requirements TLOG-1 .. TLOG-6.
 */
#ifndef CAIRN_TLOG_MERKLE_H
#define CAIRN_TLOG_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_TLOG_HASH_LEN 32
/* No proof for a tree of at most 2^64 - 1 leaves has more hashes (64
 * levels, plus the one extra hash a consistency proof may end with). */
#define CAIRN_TLOG_MAX_PROOF_HASHES 65
#define CAIRN_TLOG_MAX_PROOF_LEN (CAIRN_TLOG_MAX_PROOF_HASHES * CAIRN_TLOG_HASH_LEN)

/* The same values as functions, for bindings that cannot read macros. */
size_t cairn_tlog_hash_len(void);
size_t cairn_tlog_max_proof_len(void);

/* SHA-256(0x00 || entry). entry may be NULL when len is 0. */
void cairn_tlog_hash_leaf(uint8_t out[CAIRN_TLOG_HASH_LEN],
                          const uint8_t *entry, size_t len);

/* SHA-256(0x01 || left || right). out may alias left or right. */
void cairn_tlog_hash_children(uint8_t out[CAIRN_TLOG_HASH_LEN],
                              const uint8_t left[CAIRN_TLOG_HASH_LEN],
                              const uint8_t right[CAIRN_TLOG_HASH_LEN]);

/* The root of the empty tree, SHA-256(""). */
void cairn_tlog_hash_empty(uint8_t out[CAIRN_TLOG_HASH_LEN]);

/* Root of a tree whose leaf hashes are given in memory (count of them,
 * concatenated). Errors: CAIRN_ERR_INVALID_ARG (NULL with count > 0). */
cairn_status cairn_tlog_root_from_leaf_hashes(uint8_t out[CAIRN_TLOG_HASH_LEN],
                                              const uint8_t *leaf_hashes,
                                              uint64_t count);

/*
 * Reads the stored hash of the complete subtree (level, index) into out.
 * Returns CAIRN_OK, or any error, which generation passes on unchanged.
 * level is at most 63.
 */
typedef cairn_status (*cairn_tlog_hash_reader)(void *ud, unsigned level,
                                               uint64_t index,
                                               uint8_t out[CAIRN_TLOG_HASH_LEN]);

/* Root hash of the first `size` leaves. size 0 gives the empty-tree hash
 * without calling the reader. Errors: the reader's. */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_tree_hash(cairn_tlog_hash_reader reader, void *ud, uint64_t size,
                     uint8_t out[CAIRN_TLOG_HASH_LEN]);

/*
 * Inclusion proof for leaf `index` in the tree of `size` leaves, written to
 * proof (capacity proof_cap bytes; CAIRN_TLOG_MAX_PROOF_LEN always suffices)
 * with its length in *proof_len. Errors: CAIRN_ERR_INVALID_ARG (index >=
 * size), CAIRN_ERR_TOO_LARGE (proof_cap too small), the reader's errors.
 * proof is unspecified on error.
 */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_prove_inclusion(cairn_tlog_hash_reader reader, void *ud,
                           uint64_t index, uint64_t size, uint8_t *proof,
                           size_t proof_cap, size_t *proof_len);

/*
 * Consistency proof from the tree of size1 leaves to the tree of size2
 * leaves. size1 == 0 or size1 == size2 give an empty proof (the former
 * proves nothing: see cairn_tlog_verify_consistency). Errors:
 * CAIRN_ERR_INVALID_ARG (size1 > size2), CAIRN_ERR_TOO_LARGE, the reader's.
 */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_prove_consistency(cairn_tlog_hash_reader reader, void *ud,
                             uint64_t size1, uint64_t size2, uint8_t *proof,
                             size_t proof_cap, size_t *proof_len);

/*
 * Verifies an inclusion proof (RFC 9162 section 2.1.3.2). Hashes are passed
 * with their lengths, as they arrive from the wire: a leaf hash or root that
 * is not 32 bytes, or a proof whose length is not a multiple of 32, never
 * verifies. Returns CAIRN_OK only when the proof binds leaf_hash at index
 * to root; otherwise CAIRN_ERR_PROOF (CAIRN_ERR_INVALID_ARG for NULL
 * pointers with non-zero lengths).
 */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_verify_inclusion(uint64_t index, uint64_t size,
                            const uint8_t *leaf_hash, size_t leaf_hash_len,
                            const uint8_t *proof, size_t proof_len,
                            const uint8_t *root, size_t root_len);

/*
 * Verifies a consistency proof (RFC 9162 section 2.1.4.2) between the tree
 * of size1 leaves with root1 and the tree of size2 leaves with root2.
 * Rules beyond the RFC algorithm (TLOG-5): size1 > size2 fails; size1 == 0
 * fails (a proof from the empty tree proves nothing; a client that trusts
 * no earlier tree skips the check instead); size1 == size2 verifies only
 * with an empty proof and byte-identical roots. Returns CAIRN_OK or
 * CAIRN_ERR_PROOF (CAIRN_ERR_INVALID_ARG for NULL with non-zero length).
 */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_verify_consistency(uint64_t size1, uint64_t size2,
                              const uint8_t *proof, size_t proof_len,
                              const uint8_t *root1, size_t root1_len,
                              const uint8_t *root2, size_t root2_len);

#ifdef __cplusplus
}
#endif
#endif
