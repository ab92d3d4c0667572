/*
 * merkle.c - RFC 6962/9162 tree hashes and proofs over stored complete
 * subtrees, read through the caller's reader by (level, position).
 */
#include "internal.h"

void muster_leaf_hash(const void *entry, size_t len, uint8_t out[MUSTER_HASH_BYTES])
{
	(void)muster_sha256_impl(-1, 0x00, entry, len, out);
}

void muster_node_hash(const uint8_t left[MUSTER_HASH_BYTES], const uint8_t right[MUSTER_HASH_BYTES],
	uint8_t out[MUSTER_HASH_BYTES])
{
	uint8_t in[2 * MUSTER_HASH_BYTES];
	memcpy(in, left, MUSTER_HASH_BYTES);
	memcpy(in + MUSTER_HASH_BYTES, right, MUSTER_HASH_BYTES);
	(void)muster_sha256_impl(-1, 0x01, in, sizeof in, out);
}

void muster_empty_root(uint8_t out[MUSTER_HASH_BYTES])
{
	crypto_hash_sha256(out, NULL, 0);
}

uint64_t muster_stored_index(int level, uint64_t n)
{
	/* Level L's n-th hash is written right after level L+1's (2n+1)-th. */
	for (int l = level; l > 0; l--)
		n = 2 * n + 1;
	/* Level 0's n-th hash is written at n + n/2 + n/4 + ... */
	uint64_t i = 0;
	for (; n > 0; n >>= 1)
		i += n;
	return i + (uint64_t)level;
}

uint64_t muster_stored_count(uint64_t n)
{
	if (n == 0)
		return 0;
	uint64_t count = muster_stored_index(0, n - 1) + 1;
	for (uint64_t i = n - 1; i & 1; i >>= 1)
		count++;
	return count;
}

int muster_stored_hashes(uint64_t n, const uint8_t leaf[MUSTER_HASH_BYTES], muster_hash_reader rd,
	void *ctx, uint8_t out[][MUSTER_HASH_BYTES], size_t *count)
{
	size_t k = 0;
	memcpy(out[k++], leaf, MUSTER_HASH_BYTES);
	for (int level = 0; n & 1; level++, n >>= 1) {
		uint8_t left[MUSTER_HASH_BYTES];
		int rc = rd(ctx, level, n - 1, left);
		if (rc)
			return rc;
		muster_node_hash(left, out[k - 1], out[k]);
		k++;
	}
	*count = k;
	return 0;
}

/* The hash of leaves [lo, hi): complete aligned subtrees read, then folded right to left. */
static int range_hash(uint64_t lo, uint64_t hi, muster_hash_reader rd, void *ctx,
	uint8_t out[MUSTER_HASH_BYTES])
{
	uint64_t start[64];
	int level[64];
	int k = 0;
	while (lo < hi) {
		int l = 0;
		while (l < 63 && (lo & ((uint64_t)1 << l)) == 0 && lo + ((uint64_t)2 << l) <= hi)
			l++;
		if (lo + ((uint64_t)1 << l) > hi) /* lo == 0 and the l loop overshot: cannot happen */
			return MUSTER_EINVAL;
		start[k] = lo >> l;
		level[k] = l;
		k++;
		lo += (uint64_t)1 << l;
	}
	if (k == 0)
		return MUSTER_EINVAL;
	int rc = rd(ctx, level[k - 1], start[k - 1], out);
	for (int i = k - 2; rc == 0 && i >= 0; i--) {
		uint8_t left[MUSTER_HASH_BYTES];
		rc = rd(ctx, level[i], start[i], left);
		if (rc == 0)
			muster_node_hash(left, out, out);
	}
	return rc;
}

int muster_tree_hash(uint64_t size, muster_hash_reader rd, void *ctx, uint8_t root[MUSTER_HASH_BYTES])
{
	if (size == 0) {
		muster_empty_root(root);
		return 0;
	}
	return range_hash(0, size, rd, ctx, root);
}

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t split(uint64_t n)
{
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

static int path(uint64_t m, uint64_t lo, uint64_t hi, muster_hash_reader rd, void *ctx,
	uint8_t proof[][MUSTER_HASH_BYTES], size_t *count)
{
	if (hi - lo == 1)
		return 0;
	uint64_t k = split(hi - lo);
	int rc;
	if (m < lo + k) {
		rc = path(m, lo, lo + k, rd, ctx, proof, count);
		if (rc == 0)
			rc = range_hash(lo + k, hi, rd, ctx, proof[*count]);
	} else {
		rc = path(m, lo + k, hi, rd, ctx, proof, count);
		if (rc == 0)
			rc = range_hash(lo, lo + k, rd, ctx, proof[*count]);
	}
	if (rc == 0)
		(*count)++;
	return rc;
}

int muster_prove_inclusion(uint64_t size, uint64_t index, muster_hash_reader rd, void *ctx,
	uint8_t proof[][MUSTER_HASH_BYTES], size_t *count)
{
	if (index >= size)
		return MUSTER_EINVAL;
	size_t n = 0;
	int rc = path(index, 0, size, rd, ctx, proof, &n);
	if (rc == 0)
		*count = n;
	return rc;
}

static int subproof(uint64_t m, uint64_t lo, uint64_t hi, int whole, muster_hash_reader rd, void *ctx,
	uint8_t proof[][MUSTER_HASH_BYTES], size_t *count)
{
	uint64_t n = hi - lo;
	int rc;
	if (m == n) {
		if (whole)
			return 0;
		rc = range_hash(lo, hi, rd, ctx, proof[*count]);
		if (rc == 0)
			(*count)++;
		return rc;
	}
	uint64_t k = split(n);
	if (m <= k) {
		rc = subproof(m, lo, lo + k, whole, rd, ctx, proof, count);
		if (rc == 0)
			rc = range_hash(lo + k, hi, rd, ctx, proof[*count]);
	} else {
		rc = subproof(m - k, lo + k, hi, 0, rd, ctx, proof, count);
		if (rc == 0)
			rc = range_hash(lo, lo + k, rd, ctx, proof[*count]);
	}
	if (rc == 0)
		(*count)++;
	return rc;
}

int muster_prove_consistency(uint64_t old_size, uint64_t new_size, muster_hash_reader rd, void *ctx,
	uint8_t proof[][MUSTER_HASH_BYTES], size_t *count)
{
	if (old_size == 0 || old_size > new_size)
		return MUSTER_EINVAL;
	size_t n = 0;
	int rc = old_size == new_size ? 0 : subproof(old_size, 0, new_size, 1, rd, ctx, proof, &n);
	if (rc == 0)
		*count = n;
	return rc;
}

int muster_verify_inclusion(uint64_t size, uint64_t index, const uint8_t leaf[MUSTER_HASH_BYTES],
	const uint8_t proof[][MUSTER_HASH_BYTES], size_t count, const uint8_t root[MUSTER_HASH_BYTES])
{
	if (index >= size)
		return MUSTER_EVERIFY;
	uint64_t fn = index, sn = size - 1;
	uint8_t r[MUSTER_HASH_BYTES];
	memcpy(r, leaf, sizeof r);
	for (size_t i = 0; i < count; i++) {
		if (sn == 0)
			return MUSTER_EVERIFY;
		if ((fn & 1) || fn == sn) {
			muster_node_hash(proof[i], r, r);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			muster_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(r, root, MUSTER_HASH_BYTES) == 0 ? 0 : MUSTER_EVERIFY;
}

int muster_verify_consistency(uint64_t old_size, uint64_t new_size, const uint8_t old_root[MUSTER_HASH_BYTES],
	const uint8_t new_root[MUSTER_HASH_BYTES], const uint8_t proof[][MUSTER_HASH_BYTES], size_t count)
{
	if (old_size == 0 || old_size > new_size)
		return MUSTER_EVERIFY;
	if (old_size == new_size)
		return count == 0 && sodium_memcmp(old_root, new_root, MUSTER_HASH_BYTES) == 0 ? 0 : MUSTER_EVERIFY;
	if (count == 0)
		return MUSTER_EVERIFY;
	size_t i = 0;
	uint8_t fr[MUSTER_HASH_BYTES], sr[MUSTER_HASH_BYTES];
	/* If old_size is a power of two, the old root is the first node of the path. */
	if ((old_size & (old_size - 1)) == 0) {
		memcpy(fr, old_root, sizeof fr);
	} else {
		memcpy(fr, proof[0], sizeof fr);
		i = 1;
	}
	memcpy(sr, fr, sizeof sr);
	uint64_t fn = old_size - 1, sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < count; i++) {
		if (sn == 0)
			return MUSTER_EVERIFY;
		if ((fn & 1) || fn == sn) {
			muster_node_hash(proof[i], fr, fr);
			muster_node_hash(proof[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			muster_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(fr, old_root, MUSTER_HASH_BYTES) == 0 &&
			sodium_memcmp(sr, new_root, MUSTER_HASH_BYTES) == 0
		? 0
		: MUSTER_EVERIFY;
}

void muster_range_init(muster_range *r)
{
	r->size = 0;
}

size_t muster_range_append(muster_range *r, const uint8_t leaf[MUSTER_HASH_BYTES], uint8_t out[][MUSTER_HASH_BYTES])
{
	size_t k = 0;
	uint8_t h[MUSTER_HASH_BYTES];
	memcpy(h, leaf, sizeof h);
	memcpy(out[k++], h, sizeof h);
	int level = 0;
	for (uint64_t n = r->size; n & 1; n >>= 1, level++) {
		muster_node_hash(r->hash[level], h, h);
		memcpy(out[k++], h, sizeof h);
	}
	memcpy(r->hash[level], h, sizeof h);
	r->size++;
	return k;
}

void muster_range_root(const muster_range *r, uint8_t root[MUSTER_HASH_BYTES])
{
	if (r->size == 0) {
		muster_empty_root(root);
		return;
	}
	int level = 0;
	while (!(r->size & ((uint64_t)1 << level)))
		level++;
	memcpy(root, r->hash[level], MUSTER_HASH_BYTES);
	for (level++; level < 64; level++)
		if (r->size & ((uint64_t)1 << level))
			muster_node_hash(r->hash[level], root, root);
}
