/*
 * muster/tag.h - signed QR label payloads (docs/FORMATS.md, "Labels").
 *
 * A label's payload is "<site base URL>/t/<tag>", where <tag> is the
 * unpadded base64url of: the asset id (length-prefixed text), the label
 * serial (minimal LEB128), and a 64-byte Ed25519 signature by the site tag
 * key over "muster/tag/v1" 0x00 || origin || asset id || serial, each of
 * origin and id length-prefixed and serial in LEB128.  The URL is not
 * signed: a site that moves keeps its old labels.  Anyone holding the
 * site's tag verifier key (origin and public key) checks a label offline.
 */
#ifndef MUSTER_TAG_H
#define MUSTER_TAG_H

#include <muster/common.h>
#include <muster/codec.h>
#include <muster/key.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MUSTER_TAG_DOMAIN "muster/tag/v1"
#define MUSTER_TAG_ID_MAX 64
#define MUSTER_URL_MAX 200
#define MUSTER_PAYLOAD_MAX 512

typedef struct muster_tag {
	char id[MUSTER_TAG_ID_MAX + 1]; /* NUL-terminated asset id */
	size_t id_len;
	uint64_t serial;
	uint8_t sig[MUSTER_SIG_BYTES];
	size_t base_len; /* bytes of the payload before "/t/" */
} muster_tag;

/* Appends "<base_url>/t/<tag>" for asset id, label serial, signed by tag_key under origin. */
MUSTER_API void muster_tag_payload(muster_buf *b, const char *base_url, const char *origin,
	const muster_signer *tag_key, const char *id, size_t id_len, uint64_t serial);

/*
 * Parses a scanned payload (surrounding whitespace ignored) into *t.
 * MUSTER_EINVAL if it is not a Muster label at all.  Does not verify.
 */
MUSTER_API int muster_tag_parse(const char *payload, size_t n, muster_tag *t) MUSTER_WUR;

/* 0 if t's signature is the tag key's for origin; MUSTER_EVERIFY otherwise. */
MUSTER_API int muster_tag_verify(const muster_tag *t, const char *origin, const uint8_t tag_pk[MUSTER_PK_BYTES]) MUSTER_WUR;

/* 1 if url is acceptable as a site base URL: http(s)://, printable ASCII, no trailing '/'. */
MUSTER_API int muster_url_valid(const char *url, size_t n);

#ifdef __cplusplus
}
#endif
#endif
