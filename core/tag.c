/* tag.c - signed QR label payloads. */
#include "internal.h"

#include <ctype.h>

#define TAG_BIN_MAX (1 + MUSTER_TAG_ID_MAX + 10 + MUSTER_SIG_BYTES)

/* "muster/tag/v1" 0x00 || text(origin) || text(id) || uint(serial) */
static void tag_message(muster_buf *m, const char *origin, const char *id, size_t id_len, uint64_t serial)
{
	muster_buf_put(m, MUSTER_TAG_DOMAIN, sizeof MUSTER_TAG_DOMAIN);
	muster_put_text(m, origin, strlen(origin));
	muster_put_text(m, id, id_len);
	muster_put_uint(m, serial);
}

void muster_tag_payload(muster_buf *b, const char *base_url, const char *origin, const muster_signer *tag_key,
	const char *id, size_t id_len, uint64_t serial)
{
	uint8_t sig[MUSTER_SIG_BYTES];
	muster_buf m = {0}, bin = {0};
	if (id_len == 0 || id_len > MUSTER_TAG_ID_MAX) {
		b->err = b->err ? b->err : MUSTER_EINVAL;
		return;
	}
	tag_message(&m, origin, id, id_len, serial);
	if (m.err) {
		b->err = b->err ? b->err : m.err;
		muster_buf_free(&m);
		return;
	}
	muster_signer_sign(tag_key, m.data, m.len, sig);
	muster_put_text(&bin, id, id_len);
	muster_put_uint(&bin, serial);
	muster_buf_put(&bin, sig, sizeof sig);
	char text[sodium_base64_ENCODED_LEN(TAG_BIN_MAX, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	if (!bin.err) {
		sodium_bin2base64(text, sizeof text, bin.data, bin.len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		muster_buf_puts(b, base_url);
		muster_buf_puts(b, "/t/");
		muster_buf_puts(b, text);
	} else if (!b->err) {
		b->err = bin.err;
	}
	muster_buf_free(&m);
	muster_buf_free(&bin);
}

int muster_tag_parse(const char *payload, size_t n, muster_tag *out)
{
	while (n && isspace((unsigned char)payload[n - 1]))
		n--;
	while (n && isspace((unsigned char)*payload))
		payload++, n--;
	if (n == 0 || n > MUSTER_PAYLOAD_MAX)
		return MUSTER_EINVAL;
	/* The last "/t/": a base URL may itself contain one. */
	size_t at = n;
	for (size_t i = n; i >= 3; i--) {
		if (memcmp(payload + i - 3, "/t/", 3) == 0) {
			at = i - 3;
			break;
		}
	}
	if (at == n)
		return MUSTER_EINVAL;
	const char *text = payload + at + 3;
	size_t tn = n - at - 3;
	uint8_t bin[TAG_BIN_MAX];
	size_t bn;
	if (tn == 0 || muster_b64_decode(text, tn, bin, sizeof bin, &bn, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return MUSTER_EINVAL;
	muster_rd r;
	muster_tag t;
	muster_rd_init(&r, bin, bn);
	const char *id = muster_get_text(&r, &t.id_len, MUSTER_TAG_ID_MAX);
	t.serial = muster_get_uint(&r);
	const uint8_t *sig = muster_get_raw(&r, MUSTER_SIG_BYTES);
	if (muster_rd_end(&r) != 0 || t.id_len == 0)
		return MUSTER_EINVAL;
	memcpy(t.id, id, t.id_len);
	t.id[t.id_len] = 0;
	memcpy(t.sig, sig, MUSTER_SIG_BYTES);
	t.base_len = at;
	*out = t;
	return 0;
}

int muster_tag_verify(const muster_tag *t, const char *origin, const uint8_t tag_pk[MUSTER_PK_BYTES])
{
	muster_buf m = {0};
	tag_message(&m, origin, t->id, t->id_len, t->serial);
	int rc = m.err ? m.err : crypto_sign_verify_detached(t->sig, m.data, m.len, tag_pk) == 0 ? 0 : MUSTER_EVERIFY;
	muster_buf_free(&m);
	return rc;
}

int muster_url_valid(const char *url, size_t n)
{
	size_t scheme = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
	if (!scheme || n <= scheme || n > MUSTER_URL_MAX || url[n - 1] == '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (url[i] <= ' ' || url[i] > '~')
			return 0;
	return 1;
}
