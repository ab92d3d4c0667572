/*
 * sha256.c - the SHA-256 of the Merkle tree's leaves and nodes.
 *
 * Verifying a log, appending to it and importing a mirror hash every entry
 * and fold the tree's right edge into a root at every size: about 26
 * SHA-256 blocks an entry, 5% of a full verification's CPU time and more of
 * an append's with libsodium's portable code.  x86-64 processors with the SHA extensions
 * (Intel since Goldmont and Ice Lake, AMD since Zen) do a block in a few
 * instructions; where cpuid says so, they are used, otherwise libsodium.
 * The two are compared on every length and prefix in tests/unit/test_merkle.c.
 * The rounds follow Intel's description of the SHA extensions ("Intel SHA
 * Extensions", 2013): four rounds a sha256rnds2 pair, the message schedule
 * by sha256msg1 and sha256msg2.
 */
#include "internal.h"

#include <stdatomic.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHA_NI_CODE 1

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* The state s[0..8) (a..h) through n 64-byte blocks at p. */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t s[8], const uint8_t *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i dcba = _mm_loadu_si128((const __m128i *)&s[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)&s[4]);
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
	__m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
	__m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);
	for (; n > 0; n--, p += 64) {
		__m128i abef0 = abef, cdgh0 = cdgh, w[4];
		for (int i = 0; i < 16; i++) {
			__m128i m;
			if (i < 4)
				m = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
			else /* W[4i..4i+3] from the four groups before */
				m = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]),
								 _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4)),
					w[(i + 3) & 3]);
			w[i & 3] = m;
			__m128i wk = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)&K[4 * i]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0e));
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	__m128i feba = _mm_shuffle_epi32(abef, 0x1b);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)&s[0], _mm_blend_epi16(feba, dchg, 0xf0));
	_mm_storeu_si128((__m128i *)&s[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* SHA-256 of the byte prefix (none when negative) then p[0..n). */
static void sha256_ni(int prefix, const uint8_t *p, size_t n, uint8_t out[32])
{
	uint32_t s[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	uint8_t buf[128];
	size_t have = 0, total = n + (prefix >= 0);
	if (prefix >= 0) {
		/* One byte in front: the first block is copied, then the rest go straight from p. */
		buf[0] = (uint8_t)prefix;
		size_t first = n < 63 ? n : 63;
		if (first)
			memcpy(buf + 1, p, first);
		p += first, n -= first, have = 1 + first;
		if (have == 64) {
			blocks_ni(s, buf, 1);
			have = 0;
		}
	}
	if (have == 0) {
		blocks_ni(s, p, n / 64);
		p += n / 64 * 64, n %= 64;
	}
	if (n)
		memcpy(buf + have, p, n);
	have += n;
	/* The padding: 0x80, zeroes, the length in bits big-endian, in one or two blocks. */
	size_t end = have + 9 <= 64 ? 64 : 128;
	buf[have] = 0x80;
	memset(buf + have + 1, 0, end - have - 1);
	be64_put(buf + end - 8, (uint64_t)total * 8);
	blocks_ni(s, buf, end / 64);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s[i] >> 8);
		out[4 * i + 3] = (uint8_t)s[i];
	}
}

static int cpu_has_sha_ni(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
		return 0;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#endif

static int sha_ni(void)
{
#ifdef HAVE_SHA_NI_CODE
	static _Atomic int known = -1; /* -1: not asked yet; asking twice gives the same answer */
	int k = atomic_load_explicit(&known, memory_order_relaxed);
	if (k < 0) {
		const char *off = getenv("MUSTER_NO_SHA_NI");
		k = !(off && *off) && cpu_has_sha_ni();
		atomic_store_explicit(&known, k, memory_order_relaxed);
	}
	return k;
#else
	return 0;
#endif
}

int muster_sha256_impl(int impl, int prefix, const void *p, size_t n, uint8_t out[MUSTER_HASH_BYTES])
{
	if (impl < 0)
		impl = sha_ni();
#ifdef HAVE_SHA_NI_CODE
	if (impl == 1) {
		if (!sha_ni())
			return MUSTER_EINVAL;
		sha256_ni(prefix, p, n, out);
		return 0;
	}
#endif
	if (impl != 0)
		return MUSTER_EINVAL;
	crypto_hash_sha256_state st;
	uint8_t b = (uint8_t)prefix;
	crypto_hash_sha256_init(&st);
	if (prefix >= 0)
		crypto_hash_sha256_update(&st, &b, 1);
	crypto_hash_sha256_update(&st, p, n);
	crypto_hash_sha256_final(&st, out);
	return 0;
}
