/*
 * muster/merkle.h - the RFC 6962 / RFC 9162 Merkle tree over SHA-256.
 *
 * leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right).
 * The hashes of complete subtrees are stored as they are completed: the
 * subtree at level L, position n (leaves n*2^L .. (n+1)*2^L - 1) is
 * completed by the append of leaf (n+1)*2^L - 1, so any tree hash or proof
 * costs O(log n) reads.  muster_stored_index gives Go sumdb/tlog's
 * StoredHashIndex numbering of the same hashes, for tools that use it.
 *
 * Functions here touch no storage: they read stored hashes through a
 * caller-supplied reader, so they serve the LMDB store, tests and tools.
 * All are thread-safe given a thread-safe reader.
 */
#ifndef MUSTER_MERKLE_H
#define MUSTER_MERKLE_H

#include <muster/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the stored hash of the level-`level` subtree at position n; returns 0 or a MUSTER_E* code. */
typedef int (*muster_hash_reader)(void *ctx, int level, uint64_t n, uint8_t out[MUSTER_HASH_BYTES]);

MUSTER_API void muster_leaf_hash(const void *entry, size_t len, uint8_t out[MUSTER_HASH_BYTES]);
MUSTER_API void muster_node_hash(const uint8_t left[MUSTER_HASH_BYTES],
	const uint8_t right[MUSTER_HASH_BYTES], uint8_t out[MUSTER_HASH_BYTES]);
/* The root of the empty tree: SHA-256 of no bytes. */
MUSTER_API void muster_empty_root(uint8_t out[MUSTER_HASH_BYTES]);

/* Position of the level-L, n-th complete subtree hash in storage order. */
MUSTER_API uint64_t muster_stored_index(int level, uint64_t n);
/* How many hashes are stored for a tree of size n. */
MUSTER_API uint64_t muster_stored_count(uint64_t n);

/*
 * muster_stored_hashes - the hashes to store, in order, when leaf n (with
 * leaf hash `leaf`) is appended to a tree of size n: the leaf hash, then one
 * hash per subtree the leaf completes.  out has room for 64; *count receives
 * how many were written.  Reads the left siblings through rd.
 */
MUSTER_API int muster_stored_hashes(uint64_t n, const uint8_t leaf[MUSTER_HASH_BYTES],
	muster_hash_reader rd, void *ctx, uint8_t out[][MUSTER_HASH_BYTES], size_t *count) MUSTER_WUR;

/* muster_tree_hash - the root of the tree of the first `size` leaves. */
MUSTER_API int muster_tree_hash(uint64_t size, muster_hash_reader rd, void *ctx,
	uint8_t root[MUSTER_HASH_BYTES]) MUSTER_WUR;

/*
 * muster_prove_inclusion - RFC 9162 §2.1.3.1 audit path for leaf `index` in
 * the tree of size `size` (index < size), leaf-to-root order.  proof has room
 * for MUSTER_PROOF_MAX hashes.  MUSTER_EINVAL if index >= size.
 */
MUSTER_API int muster_prove_inclusion(uint64_t size, uint64_t index, muster_hash_reader rd,
	void *ctx, uint8_t proof[][MUSTER_HASH_BYTES], size_t *count) MUSTER_WUR;

/*
 * muster_prove_consistency - RFC 9162 §2.1.4.1 proof that the tree of size
 * old_size is a prefix of the tree of size new_size (1 <= old <= new; equal
 * sizes give the empty proof).
 */
MUSTER_API int muster_prove_consistency(uint64_t old_size, uint64_t new_size,
	muster_hash_reader rd, void *ctx, uint8_t proof[][MUSTER_HASH_BYTES], size_t *count) MUSTER_WUR;

/* RFC 9162 §2.1.3.2: 0 if the proof shows leaf in root, else MUSTER_EVERIFY. */
MUSTER_API int muster_verify_inclusion(uint64_t size, uint64_t index,
	const uint8_t leaf[MUSTER_HASH_BYTES], const uint8_t proof[][MUSTER_HASH_BYTES],
	size_t count, const uint8_t root[MUSTER_HASH_BYTES]) MUSTER_WUR;

/* RFC 9162 §2.1.4.2: 0 if old_root's tree is a prefix of new_root's, else MUSTER_EVERIFY. */
MUSTER_API int muster_verify_consistency(uint64_t old_size, uint64_t new_size,
	const uint8_t old_root[MUSTER_HASH_BYTES], const uint8_t new_root[MUSTER_HASH_BYTES],
	const uint8_t proof[][MUSTER_HASH_BYTES], size_t count) MUSTER_WUR;

/*
 * A compact range: the hashes of the complete subtrees along the right edge
 * of a tree, enough to append a leaf and compute the root without storage.
 * Used by verification to re-derive every hash from the entries alone.
 */
typedef struct muster_range {
	uint64_t size;
	uint8_t hash[64][MUSTER_HASH_BYTES]; /* hash[i]: subtree for bit i of size, if set */
} muster_range;

MUSTER_API void muster_range_init(muster_range *r);
/* Appends a leaf; writes to out (room for 64) the hashes the store must hold, in order. */
MUSTER_API size_t muster_range_append(muster_range *r, const uint8_t leaf[MUSTER_HASH_BYTES],
	uint8_t out[][MUSTER_HASH_BYTES]);
MUSTER_API void muster_range_root(const muster_range *r, uint8_t root[MUSTER_HASH_BYTES]);

#ifdef __cplusplus
}
#endif
#endif
