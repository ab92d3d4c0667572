/*
 * test_cosig.c - C2SP tlog-cosignature (cosignature/v1) lines on signed
 * checkpoints: signing, verifying, witness verifier keys, and the exact
 * signed message.
 *
 * If COSIG_OUT names a file, the cosigned note of the known-answer vector is
 * written to it, and the log's and the witness's verifier keys (one line
 * each) to COSIG_OUT.site.vkey and COSIG_OUT.witness.vkey, for
 * tests/interop/cosigcheck.go:
 *
 *   COSIG_OUT=/tmp/cp tests/unit/test_cosig &&
 *   cosigcheck /tmp/cp "$(cat /tmp/cp.site.vkey)" "$(cat /tmp/cp.witness.vkey)"
 */
#include "tap.h"

#include <muster/key.h>
#include <muster/note.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define DASH "\xe2\x80\x94 "
#define WITNESS "witness.example/w1"
#define SITE "muster.test/site"
#define TS UINT64_C(1679315147)

/* The checkpoint of the known-answer vector: root 32 bytes of 0xab. */
static const char TEXT[] = SITE "\n12345\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n";

/*
 * Known answers, witness seed bytes 0..31, timestamp 1679315147, TEXT:
 * computed by core/note.c, verified by tests/interop/cosigcheck.go (Go's
 * golang.org/x/mod/sumdb/note and crypto/ed25519) on the note this test
 * writes to COSIG_OUT, and reproduced byte for byte by a separate Go
 * program signing with crypto/ed25519 (Ed25519 is deterministic).
 */
static const char WITNESS_VKEY[] = "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
static const char KAT_LINE[] = DASH WITNESS " 519lMgAAAABkGFDLujBBH15dotPGBIrOI6GhgQU1115U1B225AFhqiIkhHcKaEoWzp4cOw8ENiAs1yo4wig569Kbz25YpbO9MLVZDA==\n";

/* The decoded bytes of the signature in the line l (DASH name space base64 newline). */
static size_t line_bytes(const char *l, size_t n, uint8_t *out, size_t cap)
{
	const char *sp = memchr(l + strlen(DASH), ' ', n - strlen(DASH));
	size_t got = 0;
	if (!sp || sodium_base642bin(out, cap, sp + 1, (size_t)(l + n - 1 - (sp + 1)), NULL, &got, NULL,
			   sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	return got;
}

/* A signature line by name over the raw bytes sig[0..n). */
static void put_line(muster_buf *b, const char *name, const uint8_t *sig, size_t n)
{
	char b64[256];
	sodium_bin2base64(b64, sizeof b64, sig, n, sodium_base64_VARIANT_ORIGINAL);
	muster_buf_printf(b, DASH "%s %s\n", name, b64);
}

static int cosig_verify(const muster_buf *note, const muster_verifier *w, uint64_t *ts)
{
	return muster_cosig_verify(note->data, note->len, w, ts);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		printf("# cannot write %s\n", path);
		exit(1);
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	uint8_t seed[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	muster_signer *w, *site, *w2;
	ok(muster_signer_from_seed(seed, &w) == 0, "witness key from seed 0..31");
	memset(seed, 0x5a, sizeof seed);
	ok(muster_signer_from_seed(seed, &site) == 0, "site key");
	memset(seed, 0x77, sizeof seed);
	ok(muster_signer_from_seed(seed, &w2) == 0, "a second witness key");

	/* The checkpoint, signed by the log. */
	uint8_t root[32];
	memset(root, 0xab, sizeof root);
	muster_buf cp = {0}, note = {0};
	muster_checkpoint_format(&cp, SITE, 12345, root);
	ok(cp.len == strlen(TEXT) && memcmp(cp.data, TEXT, cp.len) == 0, "the checkpoint text");
	ok(muster_note_sign(&note, (const char *)cp.data, cp.len, SITE, muster_signer_sk(site)) == 0, "the log signs it");

	/* Verifier keys. */
	muster_buf vk = {0}, svk = {0};
	muster_cosig_vkey_format(&vk, WITNESS, muster_signer_pk(w));
	muster_buf_put(&vk, "", 1);
	vk.len--;
	if (!ok(strcmp((const char *)vk.data, WITNESS_VKEY) == 0, "witness verifier key (known answer)"))
		printf("#   got %s\n", (const char *)vk.data);
	muster_vkey_format(&svk, SITE, muster_signer_pk(site));
	muster_buf_put(&svk, "", 1);
	svk.len--;
	muster_verifier wv, sv, v;
	ok(muster_cosig_vkey_parse((const char *)vk.data, vk.len, &wv) == 0 && strcmp(wv.name, WITNESS) == 0 &&
			wv.hash == muster_cosig_key_hash(WITNESS, muster_signer_pk(w)) &&
			memcmp(wv.pk, muster_signer_pk(w), 32) == 0,
		"witness verifier key parses back: name, key hash, public key");
	{
		/* The key part is base64(0x04 || pk), the hash part hex(key hash); base64 may hold '+'. */
		const char *b64 = (const char *)vk.data + strlen(WITNESS) + 1 + 8 + 1;
		uint8_t key[64];
		size_t got = 0;
		char hex[9];
		snprintf(hex, sizeof hex, "%08x", (unsigned)wv.hash);
		ok(sodium_base642bin(key, sizeof key, b64, strlen(b64), NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
				got == 33 && key[0] == 0x04 && memcmp(key + 1, muster_signer_pk(w), 32) == 0 &&
				memcmp((const char *)vk.data + strlen(WITNESS) + 1, hex, 8) == 0,
			"witness verifier key is name+hex(keyhash)+base64(0x04 || pk)");
	}
	ok(muster_cosig_key_hash(WITNESS, muster_signer_pk(w)) != muster_note_key_hash(WITNESS, muster_signer_pk(w)),
		"the cosignature key hash differs from the note key hash of the same key");
	is_int(muster_vkey_parse((const char *)vk.data, vk.len, &v), MUSTER_EINVAL, "muster_vkey_parse refuses a 0x04 key");
	ok(muster_vkey_parse((const char *)svk.data, svk.len, &sv) == 0, "the site's 0x01 key parses");
	is_int(muster_cosig_vkey_parse((const char *)svk.data, svk.len, &v), MUSTER_EINVAL,
		"muster_cosig_vkey_parse refuses a 0x01 key");
	{
		/* A 0x04 key under the 0x01 key hash: right type, wrong hash. */
		muster_buf x = {0};
		uint8_t key[33];
		key[0] = 0x04;
		memcpy(key + 1, muster_signer_pk(w), 32);
		char b64[64];
		sodium_bin2base64(b64, sizeof b64, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
		muster_buf_printf(&x, "%s+%08x+%s", WITNESS, (unsigned)muster_note_key_hash(WITNESS, key + 1), b64);
		is_int(muster_cosig_vkey_parse((const char *)x.data, x.len, &v), MUSTER_EINVAL,
			"a witness key whose hash is the 0x01 hash is refused");
		muster_buf_free(&x);
	}

	/* The cosignature line. */
	muster_buf line = {0};
	ok(muster_cosig_sign(&line, (const char *)cp.data, cp.len, WITNESS, muster_signer_sk(w), TS) == 0, "the witness cosigns");
	muster_buf_put(&line, "", 1);
	line.len--;
	if (!ok(line.len == strlen(KAT_LINE) && memcmp(line.data, KAT_LINE, line.len) == 0, "the cosignature line (known answer)"))
		printf("#   got %s", (const char *)line.data);
	ok(memchr(line.data, '\n', line.len) == line.data + line.len - 1 &&
			memcmp(line.data, DASH WITNESS " ", strlen(DASH WITNESS " ")) == 0,
		"one line: em dash, space, name, space, base64, newline");
	uint8_t raw[128];
	size_t rn = line_bytes((const char *)line.data, line.len, raw, sizeof raw);
	is_int(rn, 4 + 8 + 64, "the line holds keyhash[4] || timestamp[8] || signature[64]");
	uint32_t h = muster_cosig_key_hash(WITNESS, muster_signer_pk(w));
	ok(raw[0] == (uint8_t)(h >> 24) && raw[1] == (uint8_t)(h >> 16) && raw[2] == (uint8_t)(h >> 8) && raw[3] == (uint8_t)h,
		"its key hash bytes are muster_cosig_key_hash, big-endian");
	{
		uint64_t t = 0;
		for (int i = 0; i < 8; i++)
			t = t << 8 | raw[4 + i];
		is_int(t, TS, "its timestamp is big-endian u64 seconds");
	}
	{
		/* The signed message, built by hand from the spec. */
		static const char MSG[] = "cosignature/v1\ntime 1679315147\n" SITE
					  "\n12345\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n";
		ok(crypto_sign_verify_detached(raw + 12, (const uint8_t *)MSG, strlen(MSG), muster_signer_pk(w)) == 0,
			"the signature is over \"cosignature/v1\\ntime <ts>\\n\" || checkpoint text");
		ok(crypto_sign_verify_detached(raw + 12, (const uint8_t *)TEXT, strlen(TEXT), muster_signer_pk(w)) != 0,
			"and not over the checkpoint text alone");
	}
	{
		/* Timestamp 0: "time 0", no leading zeroes to strip and none added. */
		muster_buf l0 = {0};
		uint8_t r0[128];
		static const char MSG0[] = "cosignature/v1\ntime 0\n" SITE "\n12345\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n";
		ok(muster_cosig_sign(&l0, TEXT, strlen(TEXT), WITNESS, muster_signer_sk(w), 0) == 0 &&
				line_bytes((const char *)l0.data, l0.len, r0, sizeof r0) == 76 &&
				crypto_sign_verify_detached(r0 + 12, (const uint8_t *)MSG0, strlen(MSG0), muster_signer_pk(w)) == 0,
			"timestamp 0 signs \"time 0\\n\"");
		muster_buf_free(&l0);
	}

	/* A cosigned note: the signed checkpoint with the line appended. */
	muster_buf cn = {0};
	muster_buf_put(&cn, note.data, note.len);
	muster_buf_put(&cn, line.data, line.len);
	uint64_t ts = 0;
	ok(cosig_verify(&cn, &wv, &ts) == 0 && ts == TS, "the cosigned note verifies, with its timestamp");
	{
		size_t tl = 0, nver = 0;
		ok(muster_note_open(cn.data, cn.len, &sv, 1, &tl, &nver) == 0 && tl == strlen(TEXT) && nver == 1,
			"muster_note_open with the log's key still opens it (the witness is an unknown signer)");
	}
	const char *out = getenv("COSIG_OUT");
	if (out && *out) {
		char path[4096];
		write_file(out, cn.data, cn.len);
		snprintf(path, sizeof path, "%s.site.vkey", out);
		write_file(path, svk.data, svk.len);
		snprintf(path, sizeof path, "%s.witness.vkey", out);
		write_file(path, vk.data, vk.len);
		printf("# wrote %s\n", out);
	}
	is_int(cosig_verify(&note, &wv, &ts), MUSTER_ENOTFOUND, "a note without a cosignature: not found");
	{
		muster_verifier other;
		muster_buf ovk = {0};
		muster_cosig_vkey_format(&ovk, WITNESS, muster_signer_pk(w2));
		ok(muster_cosig_vkey_parse((const char *)ovk.data, ovk.len, &other) == 0 && other.hash != wv.hash,
			"another key under the witness's name has another key hash");
		is_int(cosig_verify(&cn, &other, &ts), MUSTER_ENOTFOUND, "a wrong witness key with the same name: not found");
		muster_buf_free(&ovk);
	}
	is_int(cosig_verify(&cn, &sv, &ts), MUSTER_EINVAL, "a 0x01 verifier is no witness: invalid");
	{
		muster_buf bad = {0};
		muster_buf_put(&bad, cn.data, cn.len);
		bad.data[0] ^= 1; /* 'm' -> 'l': still valid text */
		is_int(cosig_verify(&bad, &wv, &ts), MUSTER_EVERIFY, "a flipped byte in the checkpoint text fails");
		uint8_t r[76];
		memcpy(r, raw, sizeof r);
		r[40] ^= 1;
		muster_buf_reset(&bad);
		muster_buf_put(&bad, note.data, note.len);
		put_line(&bad, WITNESS, r, sizeof r);
		is_int(cosig_verify(&bad, &wv, &ts), MUSTER_EVERIFY, "a flipped bit in the signature fails");
		muster_buf_free(&bad);
	}
	{
		/* The same line with timestamp + 1: the signature no longer matches. */
		uint8_t r[76];
		memcpy(r, raw, sizeof r);
		r[11]++;
		muster_buf bad = {0};
		muster_buf_put(&bad, note.data, note.len);
		put_line(&bad, WITNESS, r, sizeof r);
		is_int(cosig_verify(&bad, &wv, &ts), MUSTER_EVERIFY, "a changed timestamp fails");
		/* Over 2^63-1: refused before any signature check. */
		memcpy(r, raw, sizeof r);
		r[4] |= 0x80;
		muster_buf_reset(&bad);
		muster_buf_put(&bad, note.data, note.len);
		put_line(&bad, WITNESS, r, sizeof r);
		is_int(cosig_verify(&bad, &wv, &ts), MUSTER_EVERIFY, "a timestamp over 2^63-1 in a line fails");
		muster_buf_free(&bad);
	}
	{
		/*
		 * A line by the witness (its name and 0x04 key hash) whose decoded
		 * length is not 4+8+64 is MUSTER_EVERIFY, not MUSTER_EINVAL: the
		 * note itself is well formed (signed-note only asks for more than
		 * the 4-byte key hash), so it is a bad signature by a known key, as
		 * muster_note_open and Go's note.Open (InvalidSignatureError) treat a
		 * known key's short signature.  Here: a plain 64-byte note
		 * signature, no timestamp, and one byte too many.
		 */
		uint8_t r[4 + 8 + 64 + 1];
		memcpy(r, raw, 76);
		r[76] = 0;
		muster_buf bad = {0};
		muster_buf_put(&bad, note.data, note.len);
		put_line(&bad, WITNESS, r, 4 + 64);
		is_int(cosig_verify(&bad, &wv, &ts), MUSTER_EVERIFY, "a 4+64-byte line by the witness fails to verify");
		muster_buf_reset(&bad);
		muster_buf_put(&bad, note.data, note.len);
		put_line(&bad, WITNESS, r, sizeof r);
		is_int(cosig_verify(&bad, &wv, &ts), MUSTER_EVERIFY, "a 4+8+64+1-byte line by the witness fails to verify");
		/* The same bytes under another name are somebody else's business. */
		muster_buf_reset(&bad);
		muster_buf_put(&bad, cn.data, cn.len);
		put_line(&bad, "someone.else", r, 4 + 64);
		ok(cosig_verify(&bad, &wv, &ts) == 0 && ts == TS, "odd lines by other signers are ignored");
		muster_buf_free(&bad);
	}
	{
		/* Two cosignatures by the witness: the newest timestamp, in either order. */
		muster_buf later = {0}, two = {0};
		ok(muster_cosig_sign(&later, TEXT, strlen(TEXT), WITNESS, muster_signer_sk(w), TS + 60) == 0, "a later cosignature");
		muster_buf_put(&two, note.data, note.len);
		muster_buf_put(&two, later.data, later.len);
		muster_buf_put(&two, line.data, line.len);
		ok(cosig_verify(&two, &wv, &ts) == 0 && ts == TS + 60, "the newest of two cosignatures (newest first)");
		muster_buf_reset(&two);
		muster_buf_put(&two, note.data, note.len);
		muster_buf_put(&two, line.data, line.len);
		muster_buf_put(&two, later.data, later.len);
		ok(cosig_verify(&two, &wv, &ts) == 0 && ts == TS + 60, "the newest of two cosignatures (newest last)");
		/* Two witnesses on one note: each finds its own. */
		muster_buf l2 = {0}, v2 = {0};
		muster_verifier wv2;
		muster_cosig_vkey_format(&v2, "witness.example/w2", muster_signer_pk(w2));
		ok(muster_cosig_sign(&l2, TEXT, strlen(TEXT), "witness.example/w2", muster_signer_sk(w2), 42) == 0 &&
				muster_cosig_vkey_parse((const char *)v2.data, v2.len, &wv2) == 0,
			"a second witness cosigns");
		muster_buf_put(&two, l2.data, l2.len);
		ok(cosig_verify(&two, &wv2, &ts) == 0 && ts == 42, "the second witness's cosignature");
		ok(cosig_verify(&two, &wv, &ts) == 0 && ts == TS + 60, "the first witness's, beside it");
		muster_buf_free(&later);
		muster_buf_free(&two);
		muster_buf_free(&l2);
		muster_buf_free(&v2);
	}

	/* Refusals by the signer. */
	muster_buf junk = {0};
	is_int(muster_cosig_sign(&junk, TEXT, strlen(TEXT), WITNESS, muster_signer_sk(w), (uint64_t)INT64_MAX + 1),
		MUSTER_EINVAL, "a timestamp over INT64_MAX is refused");
	is_int(muster_cosig_sign(&junk, TEXT, strlen(TEXT), WITNESS, muster_signer_sk(w), UINT64_MAX), MUSTER_EINVAL,
		"UINT64_MAX is refused");
	is_int(junk.len, 0, "nothing is appended on refusal");
	is_int(muster_cosig_sign(&junk, TEXT, strlen(TEXT) - 1, WITNESS, muster_signer_sk(w), TS), MUSTER_EINVAL,
		"text without its final newline is refused");
	is_int(muster_cosig_sign(&junk, "a\tb\n", 4, WITNESS, muster_signer_sk(w), TS), MUSTER_EINVAL,
		"text with a control character is refused");
	is_int(muster_cosig_sign(&junk, TEXT, strlen(TEXT), "bad name", muster_signer_sk(w), TS), MUSTER_EINVAL,
		"an invalid name is refused");
	is_int(muster_cosig_sign(&junk, TEXT, strlen(TEXT), "a+b", muster_signer_sk(w), TS), MUSTER_EINVAL,
		"a name with '+' is refused");
	{
		muster_buf mx = {0}, n2 = {0};
		ok(muster_cosig_sign(&mx, TEXT, strlen(TEXT), WITNESS, muster_signer_sk(w), (uint64_t)INT64_MAX) == 0,
			"INT64_MAX itself is allowed");
		muster_buf_put(&n2, note.data, note.len);
		muster_buf_put(&n2, mx.data, mx.len);
		ok(cosig_verify(&n2, &wv, &ts) == 0 && ts == (uint64_t)INT64_MAX, "and verifies");
		muster_buf_free(&mx);
		muster_buf_free(&n2);
	}

	/* Malformed notes. */
	is_int(muster_cosig_verify((const uint8_t *)TEXT, strlen(TEXT), &wv, &ts), MUSTER_EINVAL,
		"checkpoint text without signatures is malformed");
	{
		muster_buf bad = {0};
		muster_buf_put(&bad, cn.data, cn.len - 1); /* no final newline */
		is_int(cosig_verify(&bad, &wv, &ts), MUSTER_EINVAL, "a note cut short is malformed");
		muster_buf_reset(&bad);
		muster_buf_put(&bad, note.data, note.len);
		muster_buf_puts(&bad, DASH WITNESS " not*base64\n");
		is_int(cosig_verify(&bad, &wv, &ts), MUSTER_EINVAL, "a line with bad base64 is malformed");
		muster_buf_free(&bad);
	}

	muster_buf_free(&junk);
	muster_buf_free(&cn);
	muster_buf_free(&line);
	muster_buf_free(&vk);
	muster_buf_free(&svk);
	muster_buf_free(&cp);
	muster_buf_free(&note);
	muster_signer_free(w);
	muster_signer_free(w2);
	muster_signer_free(site);
	return done_testing();
}
