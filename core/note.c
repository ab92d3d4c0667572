/* note.c - C2SP signed-note (Ed25519), tlog-checkpoint bodies and tlog-cosignature (cosignature/v1). */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>

#define ALG_ED25519 0x01
#define ALG_COSIG_V1 0x04 /* C2SP tlog-cosignature, Ed25519 */
static const char DASH[] = "\xe2\x80\x94 "; /* U+2014 EM DASH, space */

int muster_note_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > MUSTER_ORIGIN_MAX || !muster_utf8_valid(name, len))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= 0x20 || c == 0x7f || c == '+')
			return 0;
	}
	/* Unicode spaces: U+00A0, U+1680, U+2000..U+200A, U+2028/9, U+202F, U+205F, U+3000 */
	for (size_t i = 0; i + 1 < len; i++) {
		const unsigned char *p = (const unsigned char *)name + i;
		if (p[0] == 0xc2 && p[1] == 0xa0)
			return 0;
		if (i + 2 < len) {
			if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80)
				return 0;
			if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf))
				return 0;
			if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f)
				return 0;
			if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
				return 0;
		}
	}
	return 1;
}

/* The first four bytes of SHA-256(name || "\n" || alg || pk), big-endian. */
static uint32_t key_hash(const char *name, uint8_t alg, const uint8_t pk[MUSTER_PK_BYTES])
{
	crypto_hash_sha256_state st;
	uint8_t h[32];
	const uint8_t sep[2] = {'\n', alg};
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, sep, 2);
	crypto_hash_sha256_update(&st, pk, MUSTER_PK_BYTES);
	crypto_hash_sha256_final(&st, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

uint32_t muster_note_key_hash(const char *name, const uint8_t pk[MUSTER_PK_BYTES])
{
	return key_hash(name, ALG_ED25519, pk);
}

static void put_b64(muster_buf *b, const uint8_t *p, size_t n)
{
	char tmp[sodium_base64_ENCODED_LEN(128, sodium_base64_VARIANT_ORIGINAL)];
	if (n > 128) {
		b->err = MUSTER_ETOOBIG;
		return;
	}
	sodium_bin2base64(tmp, sizeof tmp, p, n, sodium_base64_VARIANT_ORIGINAL);
	muster_buf_puts(b, tmp);
}

/* Strict standard base64 with padding, as Go's base64.StdEncoding reads it. */
static int get_b64(const char *s, size_t n, uint8_t *out, size_t cap, size_t *got)
{
	if (n % 4 != 0 || muster_b64_decode(s, n, out, cap, got, sodium_base64_VARIANT_ORIGINAL) != 0)
		return MUSTER_EINVAL;
	return 0;
}

/* A verifier key "name+hex(hash)+base64(alg || pk)" into b. */
static void vkey_format(muster_buf *b, const char *name, uint8_t alg, const uint8_t pk[MUSTER_PK_BYTES])
{
	uint8_t key[1 + MUSTER_PK_BYTES];
	key[0] = alg;
	memcpy(key + 1, pk, MUSTER_PK_BYTES);
	muster_buf_printf(b, "%s+%08" PRIx32 "+", name, key_hash(name, alg, pk));
	put_b64(b, key, sizeof key);
}

void muster_vkey_format(muster_buf *b, const char *name, const uint8_t pk[MUSTER_PK_BYTES])
{
	vkey_format(b, name, ALG_ED25519, pk);
}

/* Parses a verifier key whose algorithm byte must be alg; MUSTER_EINVAL otherwise. */
static int vkey_parse(const char *s, size_t len, uint8_t alg, muster_verifier *out)
{
	const char *p1 = memchr(s, '+', len);
	if (!p1)
		return MUSTER_EINVAL;
	size_t nlen = (size_t)(p1 - s);
	const char *hex = p1 + 1;
	if ((size_t)(s + len - hex) < 9 || hex[8] != '+')
		return MUSTER_EINVAL;
	if (!muster_note_name_valid(s, nlen))
		return MUSTER_EINVAL;
	uint32_t h = 0;
	for (int i = 0; i < 8; i++) {
		char c = hex[i];
		int v = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 /* Go's NewVerifier takes either case */
					       : -1;
		if (v < 0)
			return MUSTER_EINVAL;
		h = h << 4 | (uint32_t)v;
	}
	const char *b64 = hex + 9;
	uint8_t key[128];
	size_t got;
	if (get_b64(b64, (size_t)(s + len - b64), key, sizeof key, &got) != 0 || got != 1 + MUSTER_PK_BYTES ||
		key[0] != alg)
		return MUSTER_EINVAL;
	muster_verifier v;
	memcpy(v.name, s, nlen);
	v.name[nlen] = 0;
	memcpy(v.pk, key + 1, MUSTER_PK_BYTES);
	v.hash = key_hash(v.name, alg, v.pk);
	if (v.hash != h)
		return MUSTER_EINVAL;
	*out = v;
	return 0;
}

int muster_vkey_parse(const char *s, size_t len, muster_verifier *out)
{
	return vkey_parse(s, len, ALG_ED25519, out);
}

/* Note text: valid UTF-8, ends in '\n', no control characters below 0x20 but '\n' (as Go's note). */
static int text_valid(const uint8_t *p, size_t n)
{
	if (n == 0 || p[n - 1] != '\n' || !muster_utf8_valid(p, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\n')
			return 0;
	return 1;
}

/*
 * Appends the signature line "— NAME BASE64(sig)\n" to b: sig is n bytes,
 * the first four left for the key hash h (big-endian), put there here.
 * Returns b->err.
 */
static int sig_line(muster_buf *b, const char *name, uint32_t h, uint8_t *sig, size_t n)
{
	sig[0] = (uint8_t)(h >> 24);
	sig[1] = (uint8_t)(h >> 16);
	sig[2] = (uint8_t)(h >> 8);
	sig[3] = (uint8_t)h;
	muster_buf_puts(b, DASH);
	muster_buf_puts(b, name);
	muster_buf_puts(b, " ");
	put_b64(b, sig, n);
	muster_buf_puts(b, "\n");
	return b->err;
}

int muster_note_sign(muster_buf *b, const char *text, size_t len, const char *name, const uint8_t sk[64])
{
	if (!text_valid((const uint8_t *)text, len) || !muster_note_name_valid(name, strlen(name)))
		return MUSTER_EINVAL;
	uint8_t sig[4 + MUSTER_SIG_BYTES];
	crypto_sign_detached(sig + 4, NULL, (const uint8_t *)text, len, sk);
	muster_buf_put(b, text, len);
	muster_buf_puts(b, "\n");
	return sig_line(b, name, muster_note_key_hash(name, sk + 32), sig, sizeof sig);
}

/* One signature line of a note, as note_each_sig hands it over. */
typedef struct note_sig {
	const char *name; /* the signer's name, nlen bytes, not NUL-terminated */
	size_t nlen;
	uint32_t hash;      /* the key hash, the first four bytes of the decoded signature */
	const uint8_t *sig; /* the len bytes that follow the key hash */
	size_t len;
} note_sig;

typedef int (*note_sig_fn)(void *ctx, const uint8_t *text, size_t text_len, const note_sig *s);

/*
 * note_each_sig - splits a signed note (text, blank line, signature lines)
 * and calls fn for each signature line in order with the text (the note's
 * first text_len bytes, its final newline included).  Lines are checked as
 * they are reached: a malformed one fails with MUSTER_EINVAL, and a nonzero
 * return from fn stops the walk and is returned.  On 0, *text_len is set.
 */
static int note_each_sig(const uint8_t *note, size_t len, size_t *text_len, note_sig_fn fn, void *ctx)
{
	if (len > MUSTER_NOTE_MAX || len < 2 || note[len - 1] != '\n')
		return MUSTER_EINVAL;
	/* The text ends at the last "\n\n"; signatures follow. */
	size_t split = SIZE_MAX;
	for (size_t i = len - 1; i > 0; i--)
		if (note[i - 1] == '\n' && note[i] == '\n') {
			split = i;
			break;
		}
	if (split == SIZE_MAX || !text_valid(note, split))
		return MUSTER_EINVAL;
	const uint8_t *p = note + split + 1, *end = note + len;
	size_t nsig = 0;
	if (p == end)
		return MUSTER_EINVAL;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || ++nsig > MUSTER_NOTE_SIGS_MAX)
			return MUSTER_EINVAL;
		size_t n = (size_t)(nl - p);
		if (n < sizeof DASH - 1 || memcmp(p, DASH, sizeof DASH - 1) != 0)
			return MUSTER_EINVAL;
		const char *name = (const char *)p + sizeof DASH - 1;
		const char *sp = memchr(name, ' ', (size_t)((const char *)nl - name));
		if (!sp)
			return MUSTER_EINVAL;
		size_t nlen = (size_t)(sp - name);
		if (!muster_note_name_valid(name, nlen))
			return MUSTER_EINVAL;
		uint8_t sig[128];
		size_t got;
		if (get_b64(sp + 1, (size_t)((const char *)nl - (sp + 1)), sig, sizeof sig, &got) != 0 || got < 5)
			return MUSTER_EINVAL;
		note_sig s = {
			.name = name,
			.nlen = nlen,
			.hash = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3],
			.sig = sig + 4,
			.len = got - 4,
		};
		int rc = fn(ctx, note, split, &s);
		if (rc != 0)
			return rc;
		p = nl + 1;
	}
	*text_len = split;
	return 0;
}

/* 1 if the line s is by v: the same name and key hash. */
static int sig_by(const note_sig *s, const muster_verifier *v)
{
	return v->hash == s->hash && strlen(v->name) == s->nlen && memcmp(v->name, s->name, s->nlen) == 0;
}

typedef struct open_ctx {
	const muster_verifier *known;
	size_t nknown, good;
	/* A verifier counts once, however often its signature is repeated (as Go's note.Open). */
	uint8_t seen[MUSTER_NOTE_SIGS_MAX];
} open_ctx;

static int open_sig(void *ctx, const uint8_t *text, size_t text_len, const note_sig *s)
{
	open_ctx *o = ctx;
	for (size_t k = 0; k < o->nknown; k++) {
		if (!sig_by(s, &o->known[k]))
			continue;
		if (s->len != MUSTER_SIG_BYTES || crypto_sign_verify_detached(s->sig, text, text_len, o->known[k].pk) != 0)
			return MUSTER_EVERIFY;
		if (k >= MUSTER_NOTE_SIGS_MAX || !o->seen[k])
			o->good++;
		if (k < MUSTER_NOTE_SIGS_MAX)
			o->seen[k] = 1;
	}
	return 0;
}

int muster_note_open(const uint8_t *note, size_t len, const muster_verifier *known, size_t nknown,
	size_t *text_len, size_t *verified)
{
	open_ctx o = {.known = known, .nknown = nknown};
	size_t split;
	int rc = note_each_sig(note, len, &split, open_sig, &o);
	if (rc != 0)
		return rc;
	if (o.good == 0)
		return MUSTER_ENOTFOUND;
	*text_len = split;
	*verified = o.good;
	return 0;
}

/* The message a cosignature signs: "cosignature/v1\ntime <ts>\n" then the checkpoint text. */
static void cosig_message(muster_buf *m, const uint8_t *text, size_t len, uint64_t timestamp)
{
	muster_buf_printf(m, "cosignature/v1\ntime %" PRIu64 "\n", timestamp);
	muster_buf_put(m, text, len);
}

uint32_t muster_cosig_key_hash(const char *name, const uint8_t pk[MUSTER_PK_BYTES])
{
	return key_hash(name, ALG_COSIG_V1, pk);
}

void muster_cosig_vkey_format(muster_buf *b, const char *name, const uint8_t pk[MUSTER_PK_BYTES])
{
	vkey_format(b, name, ALG_COSIG_V1, pk);
}

int muster_cosig_vkey_parse(const char *s, size_t len, muster_verifier *out)
{
	return vkey_parse(s, len, ALG_COSIG_V1, out);
}

int muster_cosig_sign(muster_buf *b, const char *text, size_t len, const char *name, const uint8_t sk[64],
	uint64_t timestamp)
{
	if (!text_valid((const uint8_t *)text, len) || !muster_note_name_valid(name, strlen(name)) ||
		timestamp > (uint64_t)INT64_MAX)
		return MUSTER_EINVAL;
	muster_buf m = {0};
	cosig_message(&m, (const uint8_t *)text, len, timestamp);
	if (m.err) {
		int rc = m.err;
		muster_buf_free(&m);
		return rc;
	}
	uint8_t sig[4 + 8 + MUSTER_SIG_BYTES];
	be64_put(sig + 4, timestamp);
	crypto_sign_detached(sig + 12, NULL, m.data, m.len, sk);
	muster_buf_free(&m);
	return sig_line(b, name, muster_cosig_key_hash(name, sk + 32), sig, sizeof sig);
}

typedef struct cosig_ctx {
	const muster_verifier *witness;
	muster_buf msg; /* the signed message, rebuilt for each line */
	int found;
	uint64_t newest;
} cosig_ctx;

static int cosig_line(void *ctx, const uint8_t *text, size_t text_len, const note_sig *s)
{
	cosig_ctx *c = ctx;
	if (!sig_by(s, c->witness))
		return 0;
	/* A line by the witness that is no timestamped_signature is a bad signature, as in muster_note_open. */
	if (s->len != 8 + MUSTER_SIG_BYTES)
		return MUSTER_EVERIFY;
	uint64_t ts = be64_get(s->sig);
	if (ts > (uint64_t)INT64_MAX)
		return MUSTER_EVERIFY;
	muster_buf_reset(&c->msg);
	cosig_message(&c->msg, text, text_len, ts);
	if (c->msg.err)
		return c->msg.err;
	if (crypto_sign_verify_detached(s->sig + 8, c->msg.data, c->msg.len, c->witness->pk) != 0)
		return MUSTER_EVERIFY;
	if (!c->found || ts > c->newest)
		c->newest = ts;
	c->found = 1;
	return 0;
}

int muster_cosig_verify(const uint8_t *note, size_t len, const muster_verifier *witness, uint64_t *timestamp)
{
	/* A note-signing (0x01) verifier is not a witness key. */
	if (witness->hash != muster_cosig_key_hash(witness->name, witness->pk))
		return MUSTER_EINVAL;
	cosig_ctx c = {.witness = witness};
	size_t text_len;
	int rc = note_each_sig(note, len, &text_len, cosig_line, &c);
	muster_buf_free(&c.msg);
	if (rc != 0)
		return rc;
	if (!c.found)
		return MUSTER_ENOTFOUND;
	*timestamp = c.newest;
	return 0;
}

void muster_checkpoint_format(muster_buf *b, const char *origin, uint64_t size, const uint8_t root[MUSTER_HASH_BYTES])
{
	muster_buf_printf(b, "%s\n%" PRIu64 "\n", origin, size);
	put_b64(b, root, MUSTER_HASH_BYTES);
	muster_buf_puts(b, "\n");
}

int muster_checkpoint_parse(const uint8_t *text, size_t len, muster_checkpoint *out)
{
	const char *s = (const char *)text, *end = s + len;
	const char *l1 = memchr(s, '\n', len);
	if (!l1 || !muster_note_name_valid(s, (size_t)(l1 - s)))
		return MUSTER_EINVAL;
	const char *num = l1 + 1;
	const char *l2 = memchr(num, '\n', (size_t)(end - num));
	if (!l2 || l2 == num || l2 - num > 20 || (num[0] == '0' && l2 - num > 1))
		return MUSTER_EINVAL;
	uint64_t size = 0;
	for (const char *c = num; c < l2; c++) {
		if (*c < '0' || *c > '9' || size > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
			return MUSTER_EINVAL;
		size = size * 10 + (uint64_t)(*c - '0');
	}
	const char *b64 = l2 + 1;
	const char *l3 = memchr(b64, '\n', (size_t)(end - b64));
	uint8_t root[128];
	size_t got;
	if (!l3 || get_b64(b64, (size_t)(l3 - b64), root, sizeof root, &got) != 0 || got != MUSTER_HASH_BYTES)
		return MUSTER_EINVAL;
	/* Extension lines: non-empty, each ending in '\n'. */
	for (const char *p = l3 + 1; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl == p)
			return MUSTER_EINVAL;
		p = nl + 1;
	}
	if (!text_valid(text, len))
		return MUSTER_EINVAL;
	memcpy(out->origin, s, (size_t)(l1 - s));
	out->origin[l1 - s] = 0;
	out->size = size;
	memcpy(out->root, root, MUSTER_HASH_BYTES);
	return 0;
}
