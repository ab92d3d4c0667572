/*
 * test_merkle.c - the Merkle tree against a reference written straight from
 * RFC 6962 §2.1 (recursive MTH, PATH and PROOF over a leaf array), for every
 * tree size up to 300, every index and every (old, new) pair; and proofs
 * that are mutated, truncated or doubled must fail.
 */
#include "tap.h"
#include "internal.h"

#include <muster/merkle.h>
#include <sodium.h>
#include <string.h>

#define N 300
#define H MUSTER_HASH_BYTES

static uint8_t leaves[N][H];
static uint8_t stored[2 * N + 64][H]; /* stored hashes, tlog numbering */
static uint64_t nstored;

static int rd(void *ctx, int level, uint64_t n, uint8_t out[H])
{
	uint64_t idx = muster_stored_index(level, n); /* this test keeps hashes in tlog's order */
	(void)ctx;
	if (idx >= nstored)
		return -1;
	memcpy(out, stored[idx], H);
	return 0;
}

/* ---- the reference, RFC 6962 §2.1 literally ---- */
static uint64_t k_of(uint64_t n)
{
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[lo:hi]), memoised so that the reference stays quick over 45,000 proofs. */
static uint8_t memo[N + 1][N + 1][H];
static uint8_t have[N + 1][N + 1];

static void mth(uint64_t lo, uint64_t hi, uint8_t out[H])
{
	if (have[lo][hi]) {
		memcpy(out, memo[lo][hi], H);
		return;
	}
	if (hi - lo == 1) {
		memcpy(out, leaves[lo], H);
	} else {
		uint64_t k = k_of(hi - lo);
		uint8_t l[H], r[H];
		mth(lo, lo + k, l);
		mth(lo + k, hi, r);
		muster_node_hash(l, r, out);
	}
	memcpy(memo[lo][hi], out, H);
	have[lo][hi] = 1;
}

static void ref_path(uint64_t m, uint64_t lo, uint64_t hi, uint8_t (*p)[H], size_t *n)
{
	if (hi - lo == 1)
		return;
	uint64_t k = k_of(hi - lo);
	if (m < lo + k) {
		ref_path(m, lo, lo + k, p, n);
		mth(lo + k, hi, p[(*n)++]);
	} else {
		ref_path(m, lo + k, hi, p, n);
		mth(lo, lo + k, p[(*n)++]);
	}
}

static void ref_subproof(uint64_t m, uint64_t lo, uint64_t hi, int b, uint8_t (*p)[H], size_t *n)
{
	if (m == hi - lo) {
		if (!b)
			mth(lo, hi, p[(*n)++]);
		return;
	}
	uint64_t k = k_of(hi - lo);
	if (m <= k) {
		ref_subproof(m, lo, lo + k, b, p, n);
		mth(lo + k, hi, p[(*n)++]);
	} else {
		ref_subproof(m - k, lo + k, hi, 0, p, n);
		mth(lo, lo + k, p[(*n)++]);
	}
}

static int same(const uint8_t (*a)[H], size_t na, const uint8_t (*b)[H], size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * H) == 0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	{
		/* The two SHA-256s (core/sha256.c) agree around every block edge, with and without a prefix byte. */
		uint8_t buf[300], a[MUSTER_HASH_BYTES], b[MUSTER_HASH_BYTES];
		char hex[2 * MUSTER_HASH_BYTES + 1];
		randombytes_buf(buf, sizeof buf);
		(void)muster_sha256_impl(-1, -1, "abc", 3, a);
		ok(strcmp(sodium_bin2hex(hex, sizeof hex, a, sizeof a),
			   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
			"SHA-256(\"abc\"), the FIPS 180-2 example");
		muster_leaf_hash(NULL, 0, a);
		ok(strcmp(sodium_bin2hex(hex, sizeof hex, a, sizeof a),
			   "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d") == 0,
			"the leaf hash of an empty entry, SHA-256(0x00)");
		if (muster_sha256_impl(1, -1, "abc", 3, b) == 0) {
			int same = 1, tried = 0;
			for (int prefix = -1; prefix <= 1; prefix++)
				for (size_t n = 0; n <= sizeof buf; n++, tried++) {
					same &= muster_sha256_impl(0, prefix, buf, n, a) == 0 &&
						muster_sha256_impl(1, prefix, buf, n, b) == 0 && memcmp(a, b, sizeof a) == 0;
				}
			ok(same, "the SHA extensions and libsodium agree on %d inputs of 0 to 300 bytes", tried);
		} else {
			ok(muster_sha256_impl(0, 1, buf, 10, a) == 0 && muster_sha256_impl(-1, 1, buf, 10, b) == 0 &&
				   memcmp(a, b, sizeof a) == 0,
				"no SHA extensions here (or MUSTER_NO_SHA_NI): libsodium's answers");
		}
	}
	for (int i = 0; i < N; i++) {
		char e[32];
		int n = snprintf(e, sizeof e, "entry %d 条目", i);
		muster_leaf_hash(e, (size_t)n, leaves[i]);
	}

	/* The empty tree and RFC 6962 hashing: leaf = H(0x00||d), node = H(0x01||l||r). */
	uint8_t empty[H], want[H];
	muster_empty_root(empty);
	sodium_hex2bin(want, H, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 64, NULL, NULL, NULL);
	ok(memcmp(empty, want, H) == 0, "empty root is SHA-256 of nothing");
	uint8_t lh[H];
	muster_leaf_hash("", 0, lh);
	sodium_hex2bin(want, H, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", 64, NULL, NULL, NULL);
	ok(memcmp(lh, want, H) == 0, "leaf hash of the empty entry is SHA-256(0x00)");

	/* Append all leaves, storing hashes two ways: muster_stored_hashes and muster_range. */
	muster_range range;
	muster_range_init(&range);
	int stored_ok = 1, range_ok = 1, count_ok = 1, index_ok = 1;
	for (uint64_t n = 0; n < N; n++) {
		uint8_t out[64][H], out2[64][H];
		size_t cnt = 0;
		if (muster_stored_hashes(n, leaves[n], rd, NULL, out, &cnt) != 0)
			stored_ok = 0;
		size_t cnt2 = muster_range_append(&range, leaves[n], out2);
		if (cnt2 != cnt || memcmp(out, out2, cnt * H) != 0)
			range_ok = 0;
		if (muster_stored_index(0, n) != nstored)
			index_ok = 0;
		memcpy(stored[nstored], out, cnt * H);
		nstored += cnt;
		if (muster_stored_count(n + 1) != nstored)
			count_ok = 0;
		uint8_t root[H], ref[H];
		muster_range_root(&range, root);
		mth(0, n + 1, ref);
		if (memcmp(root, ref, H) != 0)
			range_ok = 0;
	}
	ok(stored_ok, "stored hashes computed for %d appends", N);
	ok(range_ok, "compact range gives the same stored hashes and roots as the reference");
	ok(count_ok, "muster_stored_count matches what appends store");
	ok(index_ok, "each leaf hash is stored at StoredHashIndex(0, n)");
	/* Go's tlog: StoredHashIndex(1, 0) == 2, (2, 0) == 6, (0, 4) == 7. */
	ok(muster_stored_index(1, 0) == 2 && muster_stored_index(2, 0) == 6 && muster_stored_index(0, 4) == 7,
		"stored index numbering matches sumdb/tlog");

	for (uint64_t size = 1; size <= N; size++) {
		uint8_t root[H], ref[H];
		int good = muster_tree_hash(size, rd, NULL, root) == 0;
		mth(0, size, ref);
		good = good && memcmp(root, ref, H) == 0;

		/* Inclusion: every index. */
		for (uint64_t i = 0; good && i < size; i++) {
			uint8_t p[MUSTER_PROOF_MAX][H], q[MUSTER_PROOF_MAX][H], d[2 * MUSTER_PROOF_MAX][H];
			size_t np = 0, nq = 0;
			good = muster_prove_inclusion(size, i, rd, NULL, p, &np) == 0;
			ref_path(i, 0, size, q, &nq);
			good = good && same((const uint8_t(*)[H])p, np, (const uint8_t(*)[H])q, nq);
			good = good && muster_verify_inclusion(size, i, leaves[i], (const uint8_t(*)[H])p, np, root) == 0;
			/* wrong leaf or index (the size itself is bound by the signed checkpoint, not the proof) */
			good = good && muster_verify_inclusion(size, i, leaves[(i + 1) % N], (const uint8_t(*)[H])p, np, root) != 0;
			if (size > 1)
				good = good && muster_verify_inclusion(size, (i + 1) % size, leaves[i], (const uint8_t(*)[H])p, np, root) != 0;
			good = good && muster_verify_inclusion(size, size, leaves[i], (const uint8_t(*)[H])p, np, root) != 0;
			/* every single-bit flip in the proof */
			for (size_t k = 0; good && k < np; k++) {
				p[k][k % H] ^= 0x01;
				good = muster_verify_inclusion(size, i, leaves[i], (const uint8_t(*)[H])p, np, root) != 0;
				p[k][k % H] ^= 0x01;
			}
			/* truncated and doubled */
			if (np > 0)
				good = good && muster_verify_inclusion(size, i, leaves[i], (const uint8_t(*)[H])p, np - 1, root) != 0;
			memcpy(d, p, np * H);
			memcpy(d + np, p, np * H);
			if (np > 0)
				good = good && muster_verify_inclusion(size, i, leaves[i], (const uint8_t(*)[H])d, 2 * np, root) != 0;
			/* one extra hash */
			memcpy(d[np], root, H);
			good = good && muster_verify_inclusion(size, i, leaves[i], (const uint8_t(*)[H])d, np + 1, root) != 0;
		}
		if (!ok(good, "size %3llu: root and every inclusion proof match RFC 6962; mutated, truncated, doubled fail",
			    (unsigned long long)size))
			break;
	}

	int cgood = 1;
	uint64_t pairs = 0;
	for (uint64_t nw = 1; cgood && nw <= N; nw++) {
		uint8_t nroot[H];
		mth(0, nw, nroot);
		for (uint64_t old = 1; cgood && old <= nw; old++, pairs++) {
			uint8_t oroot[H];
			uint8_t p[MUSTER_PROOF_MAX][H], q[MUSTER_PROOF_MAX][H], d[2 * MUSTER_PROOF_MAX][H];
			size_t np = 0, nq = 0;
			mth(0, old, oroot);
			cgood = muster_prove_consistency(old, nw, rd, NULL, p, &np) == 0;
			if (old < nw)
				ref_subproof(old, 0, nw, 1, q, &nq);
			cgood = cgood && same((const uint8_t(*)[H])p, np, (const uint8_t(*)[H])q, nq);
			cgood = cgood && muster_verify_consistency(old, nw, oroot, nroot, (const uint8_t(*)[H])p, np) == 0;
			if (old == nw)
				continue;
			/* roots swapped or altered */
			cgood = cgood && muster_verify_consistency(old, nw, nroot, oroot, (const uint8_t(*)[H])p, np) != 0;
			for (size_t k = 0; cgood && k < np; k++) {
				p[k][(k * 7) % H] ^= 0x80;
				cgood = muster_verify_consistency(old, nw, oroot, nroot, (const uint8_t(*)[H])p, np) != 0;
				p[k][(k * 7) % H] ^= 0x80;
			}
			cgood = cgood && muster_verify_consistency(old, nw, oroot, nroot, (const uint8_t(*)[H])p, np - 1) != 0;
			memcpy(d, p, np * H);
			memcpy(d + np, p, np * H);
			cgood = cgood && muster_verify_consistency(old, nw, oroot, nroot, (const uint8_t(*)[H])d, 2 * np) != 0;
			/* the old root of another size */
			if (old > 1) {
				uint8_t other[H];
				mth(0, old - 1, other);
				cgood = cgood && muster_verify_consistency(old, nw, other, nroot, (const uint8_t(*)[H])p, np) != 0;
			}
		}
		if (!cgood)
			printf("# consistency failed at new size %llu\n", (unsigned long long)nw);
	}
	ok(cgood, "all %llu consistency proofs (sizes 1..%d) match RFC 6962 and verify; mutated, truncated, doubled fail",
		(unsigned long long)pairs, N);
	uint8_t p[MUSTER_PROOF_MAX][H];
	size_t np;
	ok(muster_prove_consistency(0, 5, rd, NULL, p, &np) == MUSTER_EINVAL, "consistency from size 0 is refused");
	ok(muster_prove_consistency(6, 5, rd, NULL, p, &np) == MUSTER_EINVAL, "consistency to a smaller tree is refused");
	ok(muster_prove_inclusion(5, 5, rd, NULL, p, &np) == MUSTER_EINVAL, "inclusion past the end is refused");
	return done_testing();
}
