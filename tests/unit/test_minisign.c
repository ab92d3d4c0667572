/* test_minisign.c - minisign public keys and prehashed signatures, made and read back. */
#include "tap.h"

#include <muster/minisign.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_PROBE 65536 /* core/minisign.c reads files 64 KiB at a time */

static char dir[] = "/tmp/muster-test-minisign.XXXXXX";
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The four lines of a signature text, copied out (test side, independent of core/minisign.c). */
struct sigtext {
	char l[4][9000];
};

static int split(const muster_buf *b, struct sigtext *t)
{
	const char *p = (const char *)b->data, *end = p + b->len;
	for (int i = 0; i < 4; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || (size_t)(nl - p) >= sizeof t->l[i])
			return -1;
		memcpy(t->l[i], p, (size_t)(nl - p));
		t->l[i][nl - p] = 0;
		p = nl + 1;
	}
	return p == end ? 0 : -1;
}

static void join(const struct sigtext *t, muster_buf *b)
{
	muster_buf_reset(b);
	for (int i = 0; i < 4; i++)
		muster_buf_printf(b, "%s\n", t->l[i]);
}

static size_t unb64(const char *s, uint8_t *out, size_t cap)
{
	size_t got;
	if (sodium_base642bin(out, cap, s, strlen(s), NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	return got;
}

static void b64(char *out, size_t cap, const uint8_t *p, size_t n)
{
	sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
}

/* Flips bit 0 of byte off of the base64 blob on line i and re-encodes it. */
static void flip_b64(struct sigtext *t, int i, size_t off)
{
	uint8_t raw[128];
	size_t n = unb64(t->l[i], raw, sizeof raw);
	raw[off] ^= 1;
	b64(t->l[i], sizeof t->l[i], raw, n);
}

static int verify(const muster_buf *sig, const void *data, size_t n, const uint8_t *pk)
{
	return muster_minisign_verify((const char *)sig->data, sig->len, data, n, pk, NULL, 0);
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, p + off, n - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

int main(void)
{
	if (sodium_init() < 0 || muster_init() != 0 || !mkdtemp(dir))
		return 1;
	uint8_t seed[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	muster_signer *s, *s2, *other;
	if (muster_signer_from_seed(seed, &s) != 0 || muster_signer_from_seed(seed, &s2) != 0 ||
		muster_signer_generate(&other) != 0)
		return 1;
	const uint8_t *pk = muster_signer_pk(s), *pko = muster_signer_pk(other);

	/* Key ids. */
	uint8_t id[8], id2[8], mid[8], ido[8];
	muster_minisign_key_id(pk, id);
	muster_minisign_key_id(muster_signer_pk(s2), id2);
	muster_minisign_key_id(pko, ido);
	muster_key_id(pk, mid);
	int rev = 1;
	for (int i = 0; i < 8; i++)
		rev &= id[i] == mid[7 - i];
	ok(memcmp(id, id2, 8) == 0, "key id: the same public key gives the same id");
	ok(rev, "key id: the Muster key id, bytes reversed (minisign's little-endian order)");
	ok(memcmp(id, ido, 8) != 0, "key id: another key, another id");

	/* The public key file, exactly. */
	muster_buf b = {0}, want = {0};
	muster_minisign_pubkey(&b, pk);
	{
		char hex[MUSTER_KEYID_HEX], line[128];
		uint8_t blob[42];
		muster_key_id_hex(pk, hex);
		for (char *c = hex; *c; c++)
			if (*c >= 'a' && *c <= 'f')
				*c = (char)(*c - 'a' + 'A');
		memcpy(blob, "Ed", 2);
		memcpy(blob + 2, id, 8);
		memcpy(blob + 10, pk, 32);
		b64(line, sizeof line, blob, sizeof blob);
		muster_buf_printf(&want, "untrusted comment: minisign public key %s\n%s\n", hex, line);
	}
	ok(b.err == 0 && b.len == want.len && memcmp(b.data, want.data, b.len) == 0,
		"pubkey: \"untrusted comment: minisign public key <MUSTER KEY ID>\" then base64(\"Ed\" || id || pk)");
	static const char kat_pub[] = "untrusted comment: minisign public key 62BE061CC03D5C63\n"
				      "RWRjXD3AHAa+YgOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4\n";
	ok(b.len == strlen(kat_pub) && memcmp(b.data, kat_pub, b.len) == 0, "pubkey: known answer for the seed 00..1f");
	if (b.len != strlen(kat_pub))
		printf("# got: %.*s", (int)b.len, (const char *)b.data);

	uint8_t ppk[32], pid[8];
	ok(muster_minisign_pubkey_parse((const char *)b.data, b.len, ppk, pid) == 0 && memcmp(ppk, pk, 32) == 0 &&
			memcmp(pid, id, 8) == 0,
		"pubkey parse: the file reads back to pk and id");
	{
		const char *line = strchr(kat_pub, '\n') + 1;
		char crlf[200];
		snprintf(crlf, sizeof crlf, "untrusted comment: x\r\n%.*s\r\n", 56, line);
		ok(muster_minisign_pubkey_parse(line, 56, ppk, NULL) == 0 && memcmp(ppk, pk, 32) == 0 &&
				muster_minisign_pubkey_parse(line, 57, ppk, NULL) == 0 &&
				muster_minisign_pubkey_parse(crlf, strlen(crlf), ppk, NULL) == 0,
			"pubkey parse: the bare base64 of minisign -P, with or without newline, and CRLF");
		char bad[200];
		snprintf(bad, sizeof bad, "%.*s", 56, line);
		bad[1] = 'U'; /* "RU..." decodes to "ED", a signature algorithm, not a key's "Ed" */
		ok(muster_minisign_pubkey_parse(bad, 56, ppk, NULL) == MUSTER_ECORRUPT &&
				muster_minisign_pubkey_parse(line, 55, ppk, NULL) == MUSTER_ECORRUPT &&
				muster_minisign_pubkey_parse("untrusted comment: x\n", 21, ppk, NULL) == MUSTER_ECORRUPT &&
				muster_minisign_pubkey_parse(kat_pub, strlen(kat_pub) - 1 - 56, ppk, NULL) == MUSTER_ECORRUPT,
			"pubkey parse: wrong algorithm, short base64, a comment alone are ECORRUPT");
	}

	/* Sign and verify in memory. */
	static const char data[] = "审计报告 2026-11: 太原一号装备库\n";
	static const char tc[] = "timestamp:1767225600\tfile:audit-2026-11.txt\t审计";
	muster_buf_reset(&b);
	ok(muster_minisign_sign(&b, s, data, strlen(data), tc, NULL) == 0, "signs bytes in memory");
	struct sigtext t, t0;
	ok(split(&b, &t) == 0 && strcmp(t.l[0], "untrusted comment: signature from muster secret key") == 0 &&
			strncmp(t.l[2], "trusted comment: ", 17) == 0 && strcmp(t.l[2] + 17, tc) == 0 &&
			strlen(t.l[1]) == 100 && strlen(t.l[3]) == 88,
		"four lines: default untrusted comment, 74-byte blob, trusted comment, 64-byte global signature");
	t0 = t;
	{
		/* Check the bytes with libsodium directly, not through the code under test. */
		uint8_t blob[74], global[64], h[64], msg[64 + sizeof tc];
		int n1 = (int)unb64(t.l[1], blob, sizeof blob), n2 = (int)unb64(t.l[3], global, sizeof global);
		crypto_generichash(h, 64, (const uint8_t *)data, strlen(data), NULL, 0);
		memcpy(msg, blob + 10, 64);
		memcpy(msg + 64, tc, strlen(tc));
		ok(n1 == 74 && memcmp(blob, "ED", 2) == 0 && memcmp(blob + 2, id, 8) == 0, "blob: \"ED\" || key id || signature");
		ok(crypto_sign_verify_detached(blob + 10, h, 64, pk) == 0, "the signature is Ed25519 over BLAKE2b-512(data)");
		ok(n2 == 64 && crypto_sign_verify_detached(global, msg, 64 + strlen(tc), pk) == 0,
			"the global signature is Ed25519 over signature || trusted comment");
	}
	char got[MUSTER_MINISIGN_TRUSTED_MAX + 1];
	strcpy(got, "untouched");
	ok(muster_minisign_verify((const char *)b.data, b.len, data, strlen(data), pk, got, sizeof got) == 0 &&
			strcmp(got, tc) == 0,
		"verifies and returns the trusted comment");
	ok(verify(&b, data, strlen(data), pk) == 0, "verifies with no comment buffer");
	ok(muster_minisign_verify((const char *)b.data, b.len, data, strlen(data), pk, got, strlen(tc)) ==
			MUSTER_ETOOBIG,
		"a comment buffer one byte short is ETOOBIG");
	ok(muster_minisign_verify_id((const char *)b.data, b.len, data, strlen(data), pk, id, NULL, 0) == 0,
		"verify_id with Muster's key id is the same");
	{
		muster_buf c = {0};
		ok(muster_minisign_sign(&c, s2, data, strlen(data), tc, NULL) == 0 && c.len == b.len &&
				memcmp(c.data, b.data, b.len) == 0,
			"deterministic: the same key, data and comment give the same text");
		muster_buf_free(&c);
	}
	static const char kat_sig[] =
		"untrusted comment: signature from muster secret key\n"
		"RURjXD3AHAa+YseTKhQhCShTmcDtn2u6cM9oHb5ixrSo7siXiU87Cl7RzDFZi5QQjoa9miIkSIeAGBZt8Z+jpGdFv7aZYaj+3g4=\n"
		"trusted comment: timestamp:1767225600\tfile:audit-2026-11.txt\t审计\n"
		"Z25i5q6bZxC9+0G1NJeTiwbUTYAZCcfYVBe9fD0hG+z52a42YOykl8CN2k3S2LQrsPmnzzm2tvYH71fMW59FCg==\n";
	ok(b.len == strlen(kat_sig) && memcmp(b.data, kat_sig, b.len) == 0,
		"known answer for the seed 00..1f (checked once with minisign 0.11 -V)");
	if (b.len != strlen(kat_sig))
		printf("# got: %.*s", (int)b.len, (const char *)b.data);

	/* One changed byte anywhere. */
	muster_buf m = {0};
	{
		char d2[sizeof data];
		memcpy(d2, data, sizeof data);
		d2[3] ^= 1;
		is_int(verify(&b, d2, strlen(data), pk), MUSTER_EVERIFY, "a flipped byte of the data: EVERIFY");
		is_int(verify(&b, data, strlen(data) - 1, pk), MUSTER_EVERIFY, "one byte less data: EVERIFY");
	}
	t = t0;
	flip_b64(&t, 1, 10);
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_EVERIFY, "a flipped byte of the signature: EVERIFY");
	t = t0;
	flip_b64(&t, 1, 73);
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_EVERIFY, "a flipped last byte of the signature: EVERIFY");
	t = t0;
	flip_b64(&t, 3, 0);
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_EVERIFY, "a flipped byte of the global signature: EVERIFY");
	t = t0;
	t.l[2][17] ^= 1;
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_EVERIFY, "a changed character of the trusted comment: EVERIFY");
	t = t0;
	strcat(t.l[2], " ");
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_EVERIFY, "a space added to the trusted comment: EVERIFY");
	t = t0;
	strcpy(t.l[0], "untrusted comment: anything at all 随便");
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), 0, "the untrusted comment is not signed: still verifies");

	/* Wrong keys. */
	is_int(verify(&b, data, strlen(data), pko), MUSTER_EVERIFY, "another key: EVERIFY");
	is_int(muster_minisign_verify_id((const char *)b.data, b.len, data, strlen(data), pko, id, NULL, 0),
		MUSTER_EVERIFY, "another key under this key's id: EVERIFY");
	t = t0;
	flip_b64(&t, 1, 2);
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_EVERIFY, "a changed key id: EVERIFY (a signature by another key)");

	/* Line endings. */
	m.len = 0;
	muster_buf_put(&m, b.data, b.len - 1);
	is_int(verify(&m, data, strlen(data), pk), 0, "no final newline: verifies");
	muster_buf_reset(&m);
	for (int i = 0; i < 4; i++)
		muster_buf_printf(&m, "%s\r\n", t0.l[i]);
	is_int(muster_minisign_verify((const char *)m.data, m.len, data, strlen(data), pk, got, sizeof got), 0,
		"CRLF line ends: verifies");
	ok(strcmp(got, tc) == 0, "CRLF: the comment comes without its CR");

	/* Malformed. */
	int all = 1;
	for (int lines = 0; lines < 4; lines++) {
		muster_buf_reset(&m);
		for (int i = 0; i < lines; i++)
			muster_buf_printf(&m, "%s\n", t0.l[i]);
		int rc = muster_minisign_verify((const char *)m.data, m.len, data, strlen(data), pk, NULL, 0);
		if (rc != MUSTER_ECORRUPT) {
			printf("# %d lines gave %d\n", lines, rc);
			all = 0;
		}
	}
	ok(all, "zero to three lines: ECORRUPT");
	muster_buf_reset(&m);
	muster_buf_printf(&m, "%s\n%s\n%s\n", t0.l[0], t0.l[2], t0.l[3]);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "the signature line missing: ECORRUPT");
	muster_buf_reset(&m);
	muster_buf_printf(&m, "%s\n%s\n%s\n", t0.l[1], t0.l[2], t0.l[3]);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "the untrusted comment missing: ECORRUPT");
	muster_buf_reset(&m);
	muster_buf_put(&m, b.data, b.len);
	muster_buf_puts(&m, "\n");
	is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "a fifth (empty) line: ECORRUPT");
	t = t0;
	t.l[1][20] = '!';
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "a bad base64 character in the signature: ECORRUPT");
	t = t0;
	t.l[3][87] = 0; /* drop the padding */
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "global signature without its padding: ECORRUPT");
	t = t0;
	/* "...X==": the last character before the padding carries 4 unused bits, all 0; set one. */
	t.l[3][85] = B64[strchr(B64, t.l[3][85]) - B64 + 1];
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "non-canonical base64 (stray low bits): ECORRUPT");
	t = t0;
	strcpy(t.l[1] + 96, "AAAA====");
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "a signature line of the wrong length: ECORRUPT");
	t = t0;
	memmove(t.l[2], t.l[2] + 1, strlen(t.l[2]));
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "\"rusted comment: \": ECORRUPT");
	t = t0;
	strcpy(t.l[2], "trusted comment: a\rb");
	join(&t, &m);
	is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "a CR inside the trusted comment: ECORRUPT");
	{
		/* A legacy "Ed" signature, correctly made over the data itself: refused all the same. */
		uint8_t blob[74], global[64], msg[64 + sizeof tc];
		memcpy(blob, "Ed", 2);
		memcpy(blob + 2, id, 8);
		muster_signer_sign(s, data, strlen(data), blob + 10);
		memcpy(msg, blob + 10, 64);
		memcpy(msg + 64, tc, strlen(tc));
		muster_signer_sign(s, msg, 64 + strlen(tc), global);
		t = t0;
		b64(t.l[1], sizeof t.l[1], blob, sizeof blob);
		b64(t.l[3], sizeof t.l[3], global, sizeof global);
		join(&t, &m);
		is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "legacy algorithm \"Ed\": ECORRUPT");
		blob[1] = 'X';
		b64(t.l[1], sizeof t.l[1], blob, sizeof blob);
		join(&t, &m);
		is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "unknown algorithm \"EX\": ECORRUPT");
	}
	{
		char big[MUSTER_MINISIGN_TRUSTED_MAX + 40];
		memset(big, 'x', sizeof big - 1);
		big[sizeof big - 1] = 0;
		memcpy(big, "trusted comment: ", 17);
		big[17 + MUSTER_MINISIGN_TRUSTED_MAX + 1] = 0;
		t = t0;
		strcpy(t.l[2], big);
		join(&t, &m);
		is_int(verify(&m, data, strlen(data), pk), MUSTER_ECORRUPT, "a trusted comment past minisign's limit: ECORRUPT");
	}
	is_int(muster_minisign_verify(NULL, 0, data, strlen(data), pk, NULL, 0), MUSTER_ECORRUPT, "no text: ECORRUPT");

	/* Comments refused when signing; out is left alone. */
	muster_buf_reset(&m);
	is_int(muster_minisign_sign(&m, s, data, strlen(data), "line one\nline two", NULL), MUSTER_EINVAL,
		"a newline in the trusted comment: EINVAL");
	is_int(muster_minisign_sign(&m, s, data, strlen(data), "trailing\n", NULL), MUSTER_EINVAL,
		"a trailing newline in the trusted comment: EINVAL");
	is_int(muster_minisign_sign(&m, s, data, strlen(data), "cr\r", NULL), MUSTER_EINVAL, "a CR in the trusted comment: EINVAL");
	is_int(muster_minisign_sign(&m, s, data, strlen(data), "bad \xff utf-8", NULL), MUSTER_EINVAL,
		"invalid UTF-8 in the trusted comment: EINVAL");
	is_int(muster_minisign_sign(&m, s, data, strlen(data), NULL, NULL), MUSTER_EINVAL, "no trusted comment: EINVAL");
	is_int(muster_minisign_sign(&m, s, data, strlen(data), "ok", "two\nlines"), MUSTER_EINVAL,
		"a newline in the untrusted comment: EINVAL");
	ok(m.len == 0, "nothing appended on error");
	{
		static char longc[MUSTER_MINISIGN_TRUSTED_MAX + 2];
		memset(longc, 'a', MUSTER_MINISIGN_TRUSTED_MAX + 1);
		is_int(muster_minisign_sign(&m, s, data, strlen(data), longc, NULL), MUSTER_EINVAL,
			"a trusted comment of MUSTER_MINISIGN_TRUSTED_MAX + 1 bytes: EINVAL");
		longc[MUSTER_MINISIGN_TRUSTED_MAX] = 0;
		ok(muster_minisign_sign(&m, s, data, strlen(data), longc, NULL) == 0 &&
				muster_minisign_verify((const char *)m.data, m.len, data, strlen(data), pk, got, sizeof got) == 0 &&
				strcmp(got, longc) == 0,
			"a trusted comment of exactly MUSTER_MINISIGN_TRUSTED_MAX bytes round-trips");
		char longu[MUSTER_MINISIGN_UNTRUSTED_MAX + 2];
		memset(longu, 'u', sizeof longu - 1);
		longu[sizeof longu - 1] = 0;
		muster_buf_reset(&m);
		is_int(muster_minisign_sign(&m, s, data, strlen(data), "", longu), MUSTER_EINVAL,
			"an untrusted comment one byte too long: EINVAL");
		longu[MUSTER_MINISIGN_UNTRUSTED_MAX] = 0;
		ok(muster_minisign_sign(&m, s, data, strlen(data), "", longu) == 0 &&
				muster_minisign_verify((const char *)m.data, m.len, data, strlen(data), pk, got, sizeof got) == 0 &&
				got[0] == 0,
			"an empty trusted comment and the longest untrusted comment round-trip");
	}
	muster_buf_reset(&m);
	ok(muster_minisign_sign(&m, s, NULL, 0, "空文件", "报告签名") == 0 && split(&m, &t) == 0 &&
			strcmp(t.l[0], "untrusted comment: 报告签名") == 0 &&
			muster_minisign_verify((const char *)m.data, m.len, NULL, 0, pk, got, sizeof got) == 0 &&
			strcmp(got, "空文件") == 0,
		"empty data, Chinese comments");

	/* A file of 1.5 MiB + 7 bytes, read in chunks, gives the same signature as the bytes. */
	size_t big = 3 * 512 * 1024 + 7;
	uint8_t *buf = malloc(big);
	if (!buf)
		return 1;
	for (size_t i = 0; i < big; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	char fpath[300];
	snprintf(fpath, sizeof fpath, "%s/report.bin", dir);
	if (write_file(fpath, buf, big) != 0)
		return 1;
	muster_buf f = {0};
	muster_buf_reset(&m);
	ok(muster_minisign_sign_file(&f, s, fpath, "file", NULL) == 0, "signs a 1.5 MiB file");
	ok(muster_minisign_sign(&m, s, buf, big, "file", NULL) == 0 && m.len == f.len && memcmp(m.data, f.data, f.len) == 0,
		"the file's signature is the signature of its bytes");
	is_int(verify(&f, buf, big, pk), 0, "the file's signature verifies");
	buf[big - 1] ^= 0x80;
	is_int(verify(&f, buf, big, pk), MUSTER_EVERIFY, "the last byte changed: EVERIFY");
	buf[big - 1] ^= 0x80;
	buf[CHUNK_PROBE] ^= 1;
	is_int(verify(&f, buf, big, pk), MUSTER_EVERIFY, "a byte at the first chunk boundary changed: EVERIFY");
	muster_buf_reset(&m);
	snprintf(fpath, sizeof fpath, "%s/missing", dir);
	is_int(muster_minisign_sign_file(&m, s, fpath, "x", NULL), MUSTER_EIO, "a missing file: EIO");
	is_int(muster_minisign_sign_file(&m, s, dir, "x", NULL), MUSTER_EIO, "a directory: EIO");
	ok(m.len == 0, "nothing appended on error");
	snprintf(fpath, sizeof fpath, "%s/empty", dir);
	ok(write_file(fpath, buf, 0) == 0 && muster_minisign_sign_file(&m, s, fpath, "空", NULL) == 0 &&
			verify(&m, "", 0, pk) == 0,
		"an empty file");

	free(buf);
	muster_buf_free(&b);
	muster_buf_free(&want);
	muster_buf_free(&m);
	muster_buf_free(&f);
	muster_signer_free(s);
	muster_signer_free(s2);
	muster_signer_free(other);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
