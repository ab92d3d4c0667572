/*
 * minisign.c - minisign public key files and prehashed ("ED") signatures,
 * made with a muster_signer and read back (include/muster/minisign.h).
 */
#include "internal.h"

#include <muster/minisign.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define HASH_BYTES 64        /* BLAKE2b-512, crypto_generichash_BYTES_MAX */
#define CHUNK (64 * 1024)    /* file read size */
#define BLOB_BYTES (2 + MUSTER_MINISIGN_KEYID_BYTES + MUSTER_SIG_BYTES)  /* "ED" || id || sig */
#define PKBLOB_BYTES (2 + MUSTER_MINISIGN_KEYID_BYTES + MUSTER_PK_BYTES) /* "Ed" || id || pk */

static const char UNTRUSTED[] = "untrusted comment: ";
static const char TRUSTED[] = "trusted comment: ";
static const char DEFAULT_UNTRUSTED[] = "signature from muster secret key";

void muster_minisign_key_id(const uint8_t pk[MUSTER_PK_BYTES], uint8_t id[MUSTER_MINISIGN_KEYID_BYTES])
{
	uint8_t mid[MUSTER_KEYID_BYTES];
	muster_key_id(pk, mid);
	for (int i = 0; i < MUSTER_MINISIGN_KEYID_BYTES; i++)
		id[i] = mid[MUSTER_KEYID_BYTES - 1 - i];
}

static void put_b64(muster_buf *b, const uint8_t *p, size_t n)
{
	char tmp[sodium_base64_ENCODED_LEN(BLOB_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	if (n > BLOB_BYTES) {
		b->err = MUSTER_ETOOBIG;
		return;
	}
	sodium_bin2base64(tmp, sizeof tmp, p, n, sodium_base64_VARIANT_ORIGINAL);
	muster_buf_puts(b, tmp);
}

/* Exactly want bytes from canonical standard base64 s[0..n): padded, no stray bits. */
static int get_b64(const char *s, size_t n, uint8_t *out, size_t want)
{
	size_t got;
	if (want > BLOB_BYTES || n != sodium_base64_ENCODED_LEN(want, sodium_base64_VARIANT_ORIGINAL) - 1)
		return MUSTER_ECORRUPT;
	if (muster_b64_decode(s, n, out, want, &got, sodium_base64_VARIANT_ORIGINAL) != 0 || got != want)
		return MUSTER_ECORRUPT;
	return 0;
}

void muster_minisign_pubkey(muster_buf *out, const uint8_t pk[MUSTER_PK_BYTES])
{
	uint8_t blob[PKBLOB_BYTES];
	memcpy(blob, "Ed", 2);
	muster_minisign_key_id(pk, blob + 2);
	memcpy(blob + 2 + MUSTER_MINISIGN_KEYID_BYTES, pk, MUSTER_PK_BYTES);
	/* minisign prints le64_load(id) as %016" PRIX64 ": the bytes from the last. */
	muster_buf_printf(out, "%sminisign public key ", UNTRUSTED);
	for (int i = MUSTER_MINISIGN_KEYID_BYTES - 1; i >= 0; i--)
		muster_buf_printf(out, "%02X", (unsigned)blob[2 + i]);
	muster_buf_puts(out, "\n");
	put_b64(out, blob, sizeof blob);
	muster_buf_puts(out, "\n");
}

/*
 * One line of text: from *cur to the next LF, without it and without one CR
 * before it.  The last line of a file may lack its LF (last != 0).
 */
static int next_line(const char **cur, const char *end, int last, const char **line, size_t *n)
{
	const char *p = *cur;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl) {
		if (!last || p == end)
			return MUSTER_ECORRUPT;
		nl = end;
	}
	*line = p;
	*n = (size_t)(nl - p);
	if (*n > 0 && p[*n - 1] == '\r')
		(*n)--;
	*cur = nl < end ? nl + 1 : end;
	return 0;
}

static int has_prefix(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(p, prefix, k) == 0;
}

int muster_minisign_pubkey_parse(const char *text, size_t len, uint8_t pk[MUSTER_PK_BYTES],
	uint8_t id[MUSTER_MINISIGN_KEYID_BYTES])
{
	const char *cur = text, *end = text + len, *line;
	size_t n;
	if (!text)
		return MUSTER_ECORRUPT;
	if (has_prefix(text, len, UNTRUSTED) && next_line(&cur, end, 0, &line, &n) != 0)
		return MUSTER_ECORRUPT;
	if (next_line(&cur, end, 1, &line, &n) != 0 || cur != end)
		return MUSTER_ECORRUPT;
	uint8_t blob[PKBLOB_BYTES];
	if (get_b64(line, n, blob, sizeof blob) != 0 || memcmp(blob, "Ed", 2) != 0)
		return MUSTER_ECORRUPT;
	memcpy(pk, blob + 2 + MUSTER_MINISIGN_KEYID_BYTES, MUSTER_PK_BYTES);
	if (id)
		memcpy(id, blob + 2, MUSTER_MINISIGN_KEYID_BYTES);
	return 0;
}

/* One line of UTF-8 of at most max bytes: what minisign writes and reads back. */
static int comment_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	return n <= max && muster_utf8_valid(s, n) && !memchr(s, '\n', n) && !memchr(s, '\r', n);
}

static int check_args(muster_buf *out, const muster_signer *s, const char *trusted, const char *untrusted)
{
	if (!out || !s || !trusted || !comment_ok(trusted, MUSTER_MINISIGN_TRUSTED_MAX))
		return MUSTER_EINVAL;
	if (untrusted && !comment_ok(untrusted, MUSTER_MINISIGN_UNTRUSTED_MAX))
		return MUSTER_EINVAL;
	return 0;
}

/* Appends the four lines for the prehash h; on error out is as it was. */
static int emit(muster_buf *out, const muster_signer *s, const uint8_t h[HASH_BYTES], const char *trusted,
	const char *untrusted)
{
	uint8_t blob[BLOB_BYTES], global[MUSTER_SIG_BYTES];
	uint8_t msg[MUSTER_SIG_BYTES + MUSTER_MINISIGN_TRUSTED_MAX];
	uint8_t *sig = blob + 2 + MUSTER_MINISIGN_KEYID_BYTES;
	size_t tn = strlen(trusted);

	memcpy(blob, "ED", 2);
	muster_minisign_key_id(muster_signer_pk(s), blob + 2);
	muster_signer_sign(s, h, HASH_BYTES, sig);
	memcpy(msg, sig, MUSTER_SIG_BYTES);
	memcpy(msg + MUSTER_SIG_BYTES, trusted, tn);
	muster_signer_sign(s, msg, MUSTER_SIG_BYTES + tn, global);

	if (out->err)
		return out->err;
	size_t mark = out->len;
	muster_buf_puts(out, UNTRUSTED);
	muster_buf_puts(out, untrusted ? untrusted : DEFAULT_UNTRUSTED);
	muster_buf_puts(out, "\n");
	put_b64(out, blob, sizeof blob);
	muster_buf_puts(out, "\n");
	muster_buf_puts(out, TRUSTED);
	muster_buf_puts(out, trusted);
	muster_buf_puts(out, "\n");
	put_b64(out, global, sizeof global);
	muster_buf_puts(out, "\n");
	if (out->err)
		out->len = mark;
	return out->err;
}

int muster_minisign_sign(muster_buf *out, const muster_signer *s, const void *data, size_t n,
	const char *trusted, const char *untrusted)
{
	int rc = check_args(out, s, trusted, untrusted);
	if (rc != 0)
		return rc;
	if (!data && n > 0)
		return MUSTER_EINVAL;
	uint8_t h[HASH_BYTES];
	crypto_generichash(h, sizeof h, data, n, NULL, 0);
	return emit(out, s, h, trusted, untrusted);
}

/* BLAKE2b-512 of the file at path, read in chunks.  errno is kept on MUSTER_EIO. */
static int hash_file(const char *path, uint8_t h[HASH_BYTES])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return MUSTER_EIO;
	uint8_t *buf = malloc(CHUNK);
	if (!buf) {
		close(fd);
		return MUSTER_ENOMEM;
	}
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, buf, CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = MUSTER_EIO;
			break;
		}
		if (r == 0)
			break;
		crypto_generichash_update(&st, buf, (size_t)r);
	}
	int saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	if (rc == 0)
		crypto_generichash_final(&st, h, HASH_BYTES);
	return rc;
}

int muster_minisign_sign_file(muster_buf *out, const muster_signer *s, const char *path,
	const char *trusted, const char *untrusted)
{
	int rc = check_args(out, s, trusted, untrusted);
	if (rc != 0)
		return rc;
	if (!path)
		return MUSTER_EINVAL;
	uint8_t h[HASH_BYTES];
	if ((rc = hash_file(path, h)) != 0)
		return rc;
	return emit(out, s, h, trusted, untrusted);
}

int muster_minisign_verify_id(const char *sig, size_t siglen, const void *data, size_t n,
	const uint8_t pk[MUSTER_PK_BYTES], const uint8_t id[MUSTER_MINISIGN_KEYID_BYTES], char *trusted,
	size_t tcap)
{
	if (!pk || !id || (!data && n > 0))
		return MUSTER_EINVAL;
	if (muster_init() != 0)
		return MUSTER_ECRYPTO;
	if (!sig)
		return MUSTER_ECORRUPT;

	/* Four lines: untrusted comment, signature, trusted comment, global signature. */
	const char *cur = sig, *end = sig + siglen, *l[4];
	size_t ln[4];
	for (int i = 0; i < 4; i++)
		if (next_line(&cur, end, i == 3, &l[i], &ln[i]) != 0)
			return MUSTER_ECORRUPT;
	if (cur != end || !has_prefix(l[0], ln[0], UNTRUSTED) || !has_prefix(l[2], ln[2], TRUSTED))
		return MUSTER_ECORRUPT;
	const char *tc = l[2] + strlen(TRUSTED);
	size_t tn = ln[2] - strlen(TRUSTED);
	if (tn > MUSTER_MINISIGN_TRUSTED_MAX || memchr(tc, 0, tn) || memchr(tc, '\r', tn))
		return MUSTER_ECORRUPT;
	uint8_t blob[BLOB_BYTES], global[MUSTER_SIG_BYTES];
	if (get_b64(l[1], ln[1], blob, sizeof blob) != 0 || get_b64(l[3], ln[3], global, sizeof global) != 0)
		return MUSTER_ECORRUPT;
	if (memcmp(blob, "ED", 2) != 0) /* "Ed", legacy, or anything else */
		return MUSTER_ECORRUPT;

	/* A signature by another key; then the file; then the trusted comment. */
	const uint8_t *s = blob + 2 + MUSTER_MINISIGN_KEYID_BYTES;
	if (memcmp(blob + 2, id, MUSTER_MINISIGN_KEYID_BYTES) != 0)
		return MUSTER_EVERIFY;
	uint8_t h[HASH_BYTES];
	crypto_generichash(h, sizeof h, data, n, NULL, 0);
	if (crypto_sign_verify_detached(s, h, sizeof h, pk) != 0)
		return MUSTER_EVERIFY;
	uint8_t msg[MUSTER_SIG_BYTES + MUSTER_MINISIGN_TRUSTED_MAX];
	memcpy(msg, s, MUSTER_SIG_BYTES);
	memcpy(msg + MUSTER_SIG_BYTES, tc, tn);
	if (crypto_sign_verify_detached(global, msg, MUSTER_SIG_BYTES + tn, pk) != 0)
		return MUSTER_EVERIFY;

	if (trusted) {
		if (tn >= tcap)
			return MUSTER_ETOOBIG;
		memcpy(trusted, tc, tn);
		trusted[tn] = 0;
	}
	return 0;
}

int muster_minisign_verify(const char *sig, size_t siglen, const void *data, size_t n,
	const uint8_t pk[MUSTER_PK_BYTES], char *trusted, size_t tcap)
{
	uint8_t id[MUSTER_MINISIGN_KEYID_BYTES];
	if (!pk)
		return MUSTER_EINVAL;
	muster_minisign_key_id(pk, id);
	return muster_minisign_verify_id(sig, siglen, data, n, pk, id, trusted, tcap);
}
