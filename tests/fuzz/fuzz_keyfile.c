/*
 * fuzz_keyfile.c - libFuzzer target for the key files a person or a site
 * holds: the sealed key file, its .pub file, the site key file
 * (core/key.c, read from memory through muster_key_unseal_mem,
 * muster_pub_parse and muster_site_key_parse, which the path readers
 * call) and minisign public keys and signatures (core/minisign.c).
 *
 * The first byte picks the reader; the rest is its input.  Properties:
 *
 *   sealed:   byte 1 is the file's length, the bytes after the file the
 *             passphrase.  A cost above libsodium's SENSITIVE limits is
 *             refused at once (MUSTER_EINVAL), never derived; a file opens
 *             only with the passphrase it was sealed under, to the key
 *             pair whose public half is in its header, and a wrong
 *             passphrase then fails (MUSTER_EPASS).  Costs above
 *             3 passes / 64 KiB are in bounds but too slow to fuzz: such
 *             inputs are not unsealed;
 *   pub:      a file that parses is "muster-ed25519 " and the canonical
 *             base64 of the key, then only CR and LF;
 *   site key: one that parses is the magic and the key pair's seed;
 *   minisign: a public key re-encodes to its base64 line and its file
 *             form parses back; a signature verifies only by the key that
 *             made it (never by a key with the same id and another public
 *             half), its trusted comment is one line, and re-signing with
 *             that comment verifies again.
 * Every failure leaves the outputs as they were.  A broken property calls
 * abort().  With -DMUSTER_FUZZ_SEEDS it writes the seed corpus
 * (tests/fuzz/corpus/keyfile).
 */
#include "internal.h"

#include <muster/minisign.h>

#include <stdio.h>

#define PASS "correct horse \xe7\x94\xb5\xe6\xb1\xa0"     /* 电池: the passphrase the seeds are sealed under */
#define DATA "monthly report 2026-11\n"                     /* what the minisign seeds sign */
#define SK_FILE 144
#define CHEAP_OPS 3
#define CHEAP_MEM 65536

enum { SEALED, PUB, SITE, MS_PUBKEY, MS_SIG, READERS };

static muster_signer *known, *other;
static uint8_t other_as_known[MUSTER_PK_BYTES];  /* other's public half, presented under known's id */

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_keyfile: property broken: %s\n", what);
		abort();
	}
}

static void make_keys(void)
{
	uint8_t seed[32];
	if (muster_init() != 0)
		abort();
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x60 + i);
	if (muster_signer_from_seed(seed, &known) != 0)
		abort();
	seed[0] ^= 0xff;
	if (muster_signer_from_seed(seed, &other) != 0)
		abort();
	memcpy(other_as_known, muster_signer_pk(other), MUSTER_PK_BYTES);
}

static uint64_t be_get(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void fuzz_sealed(const uint8_t *data, size_t size)
{
	size_t n = size ? data[0] : 0;
	if (size)
		data++, size--;
	if (n > size)
		n = size;
	const uint8_t *file = data;
	const char *pass = (const char *)data + n;
	size_t pass_len = size - n;

	int header_ok = n == SK_FILE && memcmp(file, "MUSTERSK\1\1\0\0", 12) == 0;
	uint64_t ops = header_ok ? be_get(file + 12, 4) : 0, mem = header_ok ? be_get(file + 16, 8) : 0;
	int in_bounds = ops >= crypto_pwhash_OPSLIMIT_MIN && ops <= crypto_pwhash_OPSLIMIT_SENSITIVE &&
			mem >= crypto_pwhash_MEMLIMIT_MIN && mem <= crypto_pwhash_MEMLIMIT_SENSITIVE;
	if (header_ok && in_bounds && (ops > CHEAP_OPS || mem > CHEAP_MEM))
		return;

	muster_signer *s = (muster_signer *)&known, *const sentinel = s;
	int rc = muster_key_unseal_mem(file, n, pass, pass_len, &s);
	check(rc == 0 || rc == MUSTER_EINVAL || rc == MUSTER_EPASS || rc == MUSTER_ENOMEM, "unseal returned an odd code");
	if (!header_ok || !in_bounds)
		check(rc == MUSTER_EINVAL, "a file that is not a key file, or asks for too much, was not refused at once");
	if (rc != 0) {
		check(s == sentinel, "a failed unseal wrote its output");
		return;
	}
	check(pass_len == sizeof PASS - 1 && memcmp(pass, PASS, pass_len) == 0, "opened with a passphrase it was not sealed under");
	check(memcmp(muster_signer_pk(s), file + 64, MUSTER_PK_BYTES) == 0, "opened to a key other than its header's");
	uint8_t sig[MUSTER_SIG_BYTES];
	muster_signer_sign(s, file, n, sig);
	check(crypto_sign_verify_detached(sig, file, n, file + 64) == 0, "the opened key does not sign for its public half");
	muster_signer_free(s);

	muster_signer *t = sentinel;
	rc = muster_key_unseal_mem(file, n, pass, pass_len - 1, &t);
	check(rc == MUSTER_EPASS && t == sentinel, "opened with a wrong passphrase too");
}

static void pub_line(char *out, size_t cap, const uint8_t pk[MUSTER_PK_BYTES])
{
	char b64[sodium_base64_ENCODED_LEN(MUSTER_PK_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(b64, sizeof b64, pk, MUSTER_PK_BYTES, sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, cap, "muster-ed25519 %s", b64);
}

static void fuzz_pub(const uint8_t *data, size_t size)
{
	uint8_t pk[MUSTER_PK_BYTES], was[MUSTER_PK_BYTES];
	memset(pk, 0xa5, sizeof pk);
	memcpy(was, pk, sizeof pk);
	int rc = muster_pub_parse((const char *)data, size, pk);
	check(rc == 0 || rc == MUSTER_EINVAL, "pub parse returned an odd code");
	if (rc != 0) {
		check(memcmp(pk, was, sizeof pk) == 0, "a failed pub parse wrote its output");
		return;
	}
	size_t n = size;
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	char line[128];
	pub_line(line, sizeof line, pk);
	check(size <= 127 && n == strlen(line) && memcmp(data, line, n) == 0, "a pub file is not its key's one spelling");
}

static void fuzz_site(const uint8_t *data, size_t size)
{
	muster_signer *s = (muster_signer *)&known, *const sentinel = s;
	int rc = muster_site_key_parse(data, size, &s);
	check(rc == 0 || rc == MUSTER_EINVAL || rc == MUSTER_ENOMEM, "site key parse returned an odd code");
	if (rc != 0) {
		check(s == sentinel, "a failed site key parse wrote its output");
		return;
	}
	uint8_t pk[MUSTER_PK_BYTES], sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_seed_keypair(pk, sk, data + 16);
	check(size == 48 && memcmp(data, "MUSTERSITEKEY1\n", 16) == 0, "a site key file of another form");
	check(memcmp(muster_signer_pk(s), pk, sizeof pk) == 0 && memcmp(muster_signer_sk(s), data + 16, 32) == 0,
		"a site key that is not its seed's");
	sodium_memzero(sk, sizeof sk);
	muster_signer_free(s);
}

static void fuzz_ms_pubkey(const uint8_t *data, size_t size)
{
	uint8_t pk[MUSTER_PK_BYTES], id[MUSTER_MINISIGN_KEYID_BYTES], was[MUSTER_PK_BYTES];
	memset(pk, 0x5a, sizeof pk);
	memcpy(was, pk, sizeof pk);
	int rc = muster_minisign_pubkey_parse((const char *)data, size, pk, id);
	check(rc == 0 || rc == MUSTER_ECORRUPT, "minisign pubkey parse returned an odd code");
	if (rc != 0) {
		check(memcmp(pk, was, sizeof pk) == 0, "a failed minisign pubkey parse wrote its output");
		return;
	}
	/* The base64 line, re-encoded from what was read, is the line read. */
	size_t n = size;
	if (n && data[n - 1] == '\n')
		n--;
	if (n && data[n - 1] == '\r')
		n--;
	size_t start = n;
	while (start > 0 && data[start - 1] != '\n')
		start--;
	uint8_t blob[2 + MUSTER_MINISIGN_KEYID_BYTES + MUSTER_PK_BYTES];
	char b64[sodium_base64_ENCODED_LEN(sizeof blob, sodium_base64_VARIANT_ORIGINAL)];
	memcpy(blob, "Ed", 2);
	memcpy(blob + 2, id, sizeof id);
	memcpy(blob + 2 + sizeof id, pk, sizeof pk);
	sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
	check(n - start == strlen(b64) && memcmp(data + start, b64, n - start) == 0, "the key line is not canonical base64");
	/* Our own file of that key parses back to it, under the Muster key id. */
	muster_buf f = {0};
	uint8_t pk2[MUSTER_PK_BYTES], id2[MUSTER_MINISIGN_KEYID_BYTES], mid[MUSTER_MINISIGN_KEYID_BYTES];
	muster_minisign_pubkey(&f, pk);
	muster_minisign_key_id(pk, mid);
	check(f.err == 0 && muster_minisign_pubkey_parse((const char *)f.data, f.len, pk2, id2) == 0 &&
			memcmp(pk2, pk, sizeof pk) == 0 && memcmp(id2, mid, sizeof mid) == 0,
		"a formatted public key does not parse back");
	muster_buf_free(&f);
}

static void fuzz_ms_sig(const uint8_t *data, size_t size)
{
	const char *sig = (const char *)data;
	char trusted[MUSTER_MINISIGN_TRUSTED_MAX + 1], small[8];
	uint8_t id[MUSTER_MINISIGN_KEYID_BYTES];
	const uint8_t *kpk = muster_signer_pk(known);
	muster_minisign_key_id(kpk, id);
	memset(trusted, 0x7e, sizeof trusted);
	int rc = muster_minisign_verify(sig, size, DATA, sizeof DATA - 1, kpk, trusted, sizeof trusted);
	check(rc == 0 || rc == MUSTER_ECORRUPT || rc == MUSTER_EVERIFY, "minisign verify returned an odd code");
	check(muster_minisign_verify_id(sig, size, DATA, sizeof DATA - 1, kpk, id, NULL, 0) == rc,
		"verify and verify_id with the same key disagree");
	/* The other key under the known key's id: success would be a forgery. */
	int forged = muster_minisign_verify_id(sig, size, DATA, sizeof DATA - 1, other_as_known, id, NULL, 0);
	check(forged == (rc == MUSTER_ECORRUPT ? MUSTER_ECORRUPT : MUSTER_EVERIFY), "verified by a key that did not sign");
	if (rc != 0)
		return;
	size_t tn = strlen(trusted);
	check(tn <= MUSTER_MINISIGN_TRUSTED_MAX && !strchr(trusted, '\r') && !strchr(trusted, '\n'),
		"the trusted comment is not one line");
	memset(small, 0, sizeof small);
	rc = muster_minisign_verify(sig, size, DATA, sizeof DATA - 1, kpk, small, sizeof small);
	check(tn < sizeof small ? rc == 0 && strcmp(small, trusted) == 0 : rc == MUSTER_ETOOBIG && small[0] == 0,
		"a trusted comment that does not fit is not ETOOBIG, or one that fits is not copied");
	/* The same comment signed again verifies, and gives the same comment. */
	if (muster_utf8_valid(trusted, tn)) {
		muster_buf b = {0};
		char again[MUSTER_MINISIGN_TRUSTED_MAX + 1];
		check(muster_minisign_sign(&b, known, DATA, sizeof DATA - 1, trusted, NULL) == 0, "cannot sign its comment again");
		check(muster_minisign_verify((const char *)b.data, b.len, DATA, sizeof DATA - 1, kpk, again, sizeof again) == 0 &&
				strcmp(again, trusted) == 0,
			"re-signed comment does not verify");
		muster_buf_free(&b);
	}
}

static void one_input(const uint8_t *data, size_t size)
{
	if (size == 0)
		return;
	switch (data[0] % READERS) {
	case SEALED:
		fuzz_sealed(data + 1, size - 1);
		break;
	case PUB:
		fuzz_pub(data + 1, size - 1);
		break;
	case SITE:
		fuzz_site(data + 1, size - 1);
		break;
	case MS_PUBKEY:
		fuzz_ms_pubkey(data + 1, size - 1);
		break;
	default:
		fuzz_ms_sig(data + 1, size - 1);
	}
}

#ifndef MUSTER_FUZZ_SEEDS
static void fuzz_init(void)
{
	make_keys();
}
#endif

#include "fuzz.h"

#ifdef MUSTER_FUZZ_SEEDS /* write the seed corpus */

#include <unistd.h>

static void seed(const char *name, int reader, const void *p, size_t n)
{
	muster_buf b = {0};
	uint8_t r = (uint8_t)reader;
	muster_buf_put(&b, &r, 1);
	muster_buf_put(&b, p, n);
	save(name, &b);
	muster_buf_free(&b);
}

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;
	if (!f || ferror(f))
		exit(1);
	fclose(f);
	return n;
}

/* byte 1 the file's length, the file, the passphrase */
static void sealed(const char *name, const uint8_t *file, size_t n, const char *pass)
{
	muster_buf b = {0};
	uint8_t len = (uint8_t)n;
	muster_buf_put(&b, &len, 1);
	muster_buf_put(&b, file, n);
	muster_buf_puts(&b, pass);
	seed(name, SEALED, b.data, b.len);
	muster_buf_free(&b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	make_keys();

	/* A key sealed at the cheapest cost, and its .pub file, made by the library in a scratch directory. */
	char dir[] = "/tmp/fuzz_keyfile.XXXXXX", path[64], pub[80];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/k", dir);
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	if (muster_key_seal(known, path, PASS, sizeof PASS - 1, MUSTER_KDF_MIN) != 0)
		return 1;
	uint8_t file[SK_FILE], text[128];
	size_t n = slurp(path, file, sizeof file), tn = slurp(pub, text, sizeof text);
	unlink(path), unlink(pub), rmdir(dir);
	if (n != SK_FILE)
		return 1;
	sealed("sealed_min", file, n, PASS);
	sealed("sealed_wrong_pass", file, n, "correct horse");
	sealed("sealed_no_pass", file, n, "");
	/* In bounds but too slow to fuzz (interactive), and past the bounds: refused at once. */
	uint8_t big[SK_FILE];
	memcpy(big, file, sizeof big);
	big[15] = (uint8_t)crypto_pwhash_OPSLIMIT_INTERACTIVE;
	be64_put(big + 16, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sealed("sealed_interactive", big, sizeof big, PASS);
	be64_put(big + 16, (uint64_t)crypto_pwhash_MEMLIMIT_SENSITIVE + 1);
	sealed("sealed_mem_too_big", big, sizeof big, PASS);
	big[12] = 0x7f, big[13] = big[14] = big[15] = 0xff;
	be64_put(big + 16, crypto_pwhash_MEMLIMIT_MIN);
	sealed("sealed_ops_too_big", big, sizeof big, PASS);
	sealed("sealed_short", file, n - 1, PASS);

	seed("pub", PUB, text, tn);
	muster_buf b = {0};
	muster_buf_put(&b, text, tn - 1);
	muster_buf_puts(&b, "\r\n");
	seed("pub_crlf", PUB, b.data, b.len);
	seed("pub_no_newline", PUB, text, tn - 1);

	/* A site key file as muster_site_key_write makes it. */
	uint8_t site[48];
	memcpy(site, "MUSTERSITEKEY1\n", 16);
	memcpy(site + 16, muster_signer_sk(known), 32);
	seed("site_key", SITE, site, sizeof site);

	muster_buf_reset(&b);
	muster_minisign_pubkey(&b, muster_signer_pk(known));
	seed("ms_pubkey", MS_PUBKEY, b.data, b.len);
	/* the bare base64 line "minisign -P" takes */
	const uint8_t *nl = memchr(b.data, '\n', b.len);
	seed("ms_pubkey_bare", MS_PUBKEY, nl + 1, b.len - (size_t)(nl + 1 - b.data) - 1);

	muster_buf_reset(&b);
	if (muster_minisign_sign(&b, known, DATA, sizeof DATA - 1, "timestamp:1795679449\tfile:report.pdf \xe6\x9c\x88\xe6\x8a\xa5",
		    NULL) != 0)
		return 1;
	seed("ms_sig", MS_SIG, b.data, b.len);
	muster_buf_reset(&b);
	if (muster_minisign_sign(&b, known, DATA, sizeof DATA - 1, "", "untrusted") != 0)
		return 1;
	seed("ms_sig_empty_comment", MS_SIG, b.data, b.len);
	muster_buf_reset(&b);
	if (muster_minisign_sign(&b, other, DATA, sizeof DATA - 1, "by the other key", NULL) != 0)
		return 1;
	seed("ms_sig_other_key", MS_SIG, b.data, b.len);

	muster_buf_free(&b);
	muster_signer_free(known);
	muster_signer_free(other);
	return 0;
}

#endif
