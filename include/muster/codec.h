/*
 * muster/codec.h - the canonical length-prefixed encoding every entry and
 * every event body uses (docs/FORMATS.md).
 *
 * Integers are unsigned LEB128 in the fewest bytes; byte strings and text
 * are a length then the bytes; text is valid UTF-8 with no NUL.  A reader
 * refuses non-minimal integers, lengths past the end, invalid text and
 * (muster_rd_end) trailing bytes, so every value has exactly one encoding.
 */
#ifndef MUSTER_CODEC_H
#define MUSTER_CODEC_H

#include <muster/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A growable output buffer.  Zero-initialise; free with muster_buf_free. */
typedef struct muster_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err; /* sticky: the first MUSTER_ENOMEM/ETOOBIG, reported by the caller */
} muster_buf;

MUSTER_API void muster_buf_free(muster_buf *b);
MUSTER_API void muster_buf_reset(muster_buf *b);
MUSTER_API void muster_buf_put(muster_buf *b, const void *p, size_t n);
MUSTER_API void muster_buf_puts(muster_buf *b, const char *s);
MUSTER_API void muster_buf_printf(muster_buf *b, const char *fmt, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 2, 3)))
#endif
	;
MUSTER_API void muster_put_uint(muster_buf *b, uint64_t v);
MUSTER_API void muster_put_bytes(muster_buf *b, const void *p, size_t n);
MUSTER_API void muster_put_text(muster_buf *b, const char *s, size_t n);

/* A reader over borrowed bytes. */
typedef struct muster_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err; /* sticky: the first MUSTER_ECORRUPT */
} muster_rd;

MUSTER_API void muster_rd_init(muster_rd *r, const void *p, size_t len);
MUSTER_API uint64_t muster_get_uint(muster_rd *r);
/* A length-prefixed byte string; *n receives its length; points into the input. */
MUSTER_API const uint8_t *muster_get_bytes(muster_rd *r, size_t *n);
/* A length-prefixed byte string that must be exactly n bytes long. */
MUSTER_API const uint8_t *muster_get_fixed(muster_rd *r, size_t n);
/* Length-prefixed UTF-8 text of at most max bytes (not NUL-terminated). */
MUSTER_API const char *muster_get_text(muster_rd *r, size_t *n, size_t max);
/* Raw n bytes with no length prefix. */
MUSTER_API const uint8_t *muster_get_raw(muster_rd *r, size_t n);
/* 0 if everything was read without error and nothing is left, else MUSTER_ECORRUPT. */
MUSTER_API int muster_rd_end(const muster_rd *r) MUSTER_WUR;

/* 1 if p[0..n) is valid UTF-8 (no overlongs, no surrogates) with no NUL, else 0. */
MUSTER_API int muster_utf8_valid(const void *p, size_t n);

/*
 * Decodes base64 s[0..n) in variant (a sodium_base64_VARIANT_*) into
 * out[0..cap), its length in *got: 0, MUSTER_EINVAL unless s is the one
 * spelling of those bytes (libsodium 1.0.18 alone reads any byte >= 0x80 as
 * '/' or '_' and keeps stray bits: the bytes are re-encoded and must give
 * s back; nothing may follow), or MUSTER_ENOMEM.  out may be written on
 * failure.
 */
MUSTER_API int muster_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *got, int variant)
	MUSTER_WUR;

#ifdef __cplusplus
}
#endif
#endif
