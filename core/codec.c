/* codec.c - growable buffers and the canonical length-prefixed encoding. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

void muster_buf_free(muster_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

void muster_buf_reset(muster_buf *b)
{
	b->len = 0;
	b->err = 0;
}

static int grow(muster_buf *b, size_t need)
{
	if (b->err)
		return -1;
	if (need > SIZE_MAX - b->len) {
		b->err = MUSTER_ETOOBIG;
		return -1;
	}
	if (b->len + need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + need)
		cap *= 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p) {
		b->err = MUSTER_ENOMEM;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void muster_buf_put(muster_buf *b, const void *p, size_t n)
{
	if (n == 0 || grow(b, n) < 0)
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void muster_buf_puts(muster_buf *b, const char *s)
{
	muster_buf_put(b, s, strlen(s));
}

void muster_buf_printf(muster_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = MUSTER_EINVAL;
		return;
	}
	if ((size_t)n < sizeof small) {
		muster_buf_put(b, small, (size_t)n);
		return;
	}
	if (grow(b, (size_t)n + 1) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void muster_put_uint(muster_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		tmp[n++] = c | (v ? 0x80 : 0);
	} while (v);
	muster_buf_put(b, tmp, n);
}

void muster_put_bytes(muster_buf *b, const void *p, size_t n)
{
	muster_put_uint(b, n);
	muster_buf_put(b, p, n);
}

void muster_put_text(muster_buf *b, const char *s, size_t n)
{
	muster_put_bytes(b, s, n);
}

void muster_rd_init(muster_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

static void bad(muster_rd *r)
{
	if (!r->err)
		r->err = MUSTER_ECORRUPT;
}

uint64_t muster_get_uint(muster_rd *r)
{
	uint64_t v = 0;
	if (r->err)
		return 0;
	for (unsigned shift = 0, i = 0;; shift += 7, i++) {
		if (r->off >= r->len || i == 10) {
			bad(r);
			return 0;
		}
		uint8_t c = r->p[r->off++];
		if (i == 9 && c > 1) { /* would overflow 64 bits */
			bad(r);
			return 0;
		}
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			if (c == 0 && i > 0) { /* a zero last byte is a longer spelling */
				bad(r);
				return 0;
			}
			return v;
		}
	}
}

const uint8_t *muster_get_raw(muster_rd *r, size_t n)
{
	if (r->err)
		return NULL;
	if (n > r->len - r->off) {
		bad(r);
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

const uint8_t *muster_get_bytes(muster_rd *r, size_t *n)
{
	uint64_t len = muster_get_uint(r);
	if (r->err || len > r->len - r->off) {
		bad(r);
		*n = 0;
		return NULL;
	}
	*n = (size_t)len;
	return muster_get_raw(r, (size_t)len);
}

const uint8_t *muster_get_fixed(muster_rd *r, size_t n)
{
	size_t got;
	const uint8_t *p = muster_get_bytes(r, &got);
	if (r->err || got != n) {
		bad(r);
		return NULL;
	}
	return p;
}

const char *muster_get_text(muster_rd *r, size_t *n, size_t max)
{
	const uint8_t *p = muster_get_bytes(r, n);
	if (r->err || *n > max || !muster_utf8_valid(p, *n)) {
		bad(r);
		*n = 0;
		return NULL;
	}
	return (const char *)p;
}

int muster_rd_end(const muster_rd *r)
{
	return r->err || r->off != r->len ? MUSTER_ECORRUPT : 0;
}

int muster_utf8_valid(const void *vp, size_t n)
{
	const uint8_t *p = vp;
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		uint32_t cp, min;
		if ((c & 0xe0) == 0xc0) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (len > n - i)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

int muster_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *got, int variant)
{
	const char *end;
	size_t len;
	if (sodium_base642bin(out, cap, s, n, NULL, &len, &end, variant) != 0 || end != s + n)
		return MUSTER_EINVAL;
	char small[128], *re = small;
	size_t rn = sodium_base64_ENCODED_LEN(len, variant);
	if (rn > sizeof small && !(re = malloc(rn)))
		return MUSTER_ENOMEM;
	sodium_bin2base64(re, rn, out, len, variant);
	int same = strlen(re) == n && memcmp(re, s, n) == 0;
	if (re != small)
		free(re);
	if (!same)
		return MUSTER_EINVAL;
	*got = len;
	return 0;
}
