/*
 * tilesrc.h - where a mirror reads a log from (docs/REPLICATION.md): a
 * bundle (`muster log bundle`, a POSIX tar file), an export directory
 * (`muster log export --tiles`) or a tile server (`musterd --serve-log`,
 * any web server over an export).  Each gives named members: "checkpoint",
 * "tile/<L>/<N>[.p/<W>]", "tile/entries/<N>[.p/<W>]", and in a bundle also
 * "muster-bundle" and "consistency.json" (a directory or server may be
 * asked for those too: a bundle unpacked over an export has them).
 * A server is asked for base_url "/" name with one libcurl handle (kept
 * alive): http and https only, redirects followed (at most 5) but never to
 * another protocol nor from https to http, connect timeout 10 s, given up
 * below 1 byte/s for 30 s, User-Agent "muster/VERSION".
 *
 * Nothing read here is trusted: a bundle is checked whole at open (strict
 * ustar, known and canonical member names only, no duplicates, sizes within
 * limits, nothing after the end), and every member is capped in size; the
 * caller still verifies what the members say.  Every function that fails
 * writes a one-line English reason naming the file, member or URL into
 * err (errlen bytes; may be 0), e.g.
 * "b.tar: member 3 (tile/0/000): header checksum does not match: damaged file".
 */
#ifndef MUSTER_TILESRC_H
#define MUSTER_TILESRC_H

#include <muster/codec.h>
#include <stddef.h>
#include <stdint.h>

struct tilesrc;

/* The largest member accepted: a full entry bundle of 256 entries of 65,535 bytes, each with its 2-byte length. */
#define TILESRC_MEMBER_MAX ((size_t)256 * (2 + 65535))
/* The largest bundle file opened. */
#define TILESRC_BUNDLE_MAX ((uint64_t)16 << 30)

/* Opens the bundle at path and checks its whole structure: 0, MUSTER_EINVAL (with the reason), MUSTER_EIO or MUSTER_ENOMEM. */
int tilesrc_open_bundle(const char *path, struct tilesrc **out, char *err, size_t errlen);
/* A directory laid out as an export: 0, or MUSTER_ENOTFOUND / MUSTER_EINVAL (not a directory) / MUSTER_EIO / MUSTER_ENOMEM. */
int tilesrc_open_dir(const char *dir, struct tilesrc **out, char *err, size_t errlen);
/* A tile server at base_url (http:// or https:// only; one trailing slash is dropped): 0, MUSTER_EINVAL or MUSTER_EIO. */
int tilesrc_open_url(const char *base_url, struct tilesrc **out, char *err, size_t errlen);

/*
 * Appends member name's bytes to out: 0; MUSTER_EINVAL if name is not a
 * canonical member name or the member is over its size limit (checkpoint
 * and muster-bundle 8 KiB, a hash tile 32 bytes a hash, an entry bundle
 * 65,537 bytes an entry, consistency.json 64 KiB); MUSTER_ENOTFOUND if the
 * source has no such member (not in the bundle, no such file, HTTP 404);
 * MUSTER_EIO for transport and file errors ("URL: HTTP 500", curl's reason);
 * MUSTER_ENOMEM.  On failure out is as it was.
 */
int tilesrc_get(struct tilesrc *t, const char *name, muster_buf *out, char *err, size_t errlen);

/*
 * A bundle's muster-bundle member, exactly "muster-bundle v1\n",
 * "origin O\n" (a valid note name), "since M\n", "size N\n" (decimal,
 * M <= N) in that order and nothing else: 0 with origin (NUL-terminated,
 * origin_cap bytes), *since and *size, or MUSTER_EINVAL with the reason
 * (also for a source that is not a bundle) and origin "".
 */
int tilesrc_bundle_info(struct tilesrc *t, char *origin, size_t origin_cap, uint64_t *since, uint64_t *size, char *err,
	size_t errlen);

/* A bundle's number of members (0 for other sources), so the caller can check it used every one. */
size_t tilesrc_count(const struct tilesrc *t);
/* The name of member i (0-based, in file order), or NULL past the end. */
const char *tilesrc_name(const struct tilesrc *t, size_t i);

/* Closes the source (the file, the connection); NULL is allowed. */
void tilesrc_close(struct tilesrc *t);

/*
 * Splits an entry bundle p[0..n) that must hold exactly `want` entries,
 * each a big-endian 16-bit length and that many bytes: 0 with ent[i],
 * len[i] (pointing into p) for i < want, or MUSTER_EINVAL with the reason
 * (truncated, an empty entry, trailing bytes, more or fewer entries).
 */
int tile_entries_split(const uint8_t *p, size_t n, size_t want, const uint8_t **ent, size_t *len, char *err,
	size_t errlen);

/*
 * Parses a bundle's consistency.json data[0..n), exactly as `muster log
 * consistency` writes it: {"old_size":M,"new_size":N,"proof":["base64",...]}
 * (decimal numbers, canonical padded base64 of 32 bytes, no spaces) and an
 * optional newline.  0 with *old_size, *new_size and the hashes in
 * proof[0..*count) (room for MUSTER_PROOF_MAX), or MUSTER_EINVAL with
 * *old_size, *new_size and *count untouched.  The proof itself is the
 * caller's to verify.
 */
int tile_proof_parse(const uint8_t *data, size_t n, uint64_t *old_size, uint64_t *new_size,
	uint8_t (*proof)[MUSTER_HASH_BYTES], size_t *count);

/* The largest response body tilesrc_post takes. */
#define TILESRC_POST_RESPONSE_MAX ((size_t)64 * 1024)

/*
 * POSTs the n bytes at body to url (http:// or https://) as text/plain,
 * for `muster log witness`: 0 once any HTTP response came back, with its
 * status in *status, its Content-Type (NUL-terminated, "" if none; cut to
 * ctype_cap) in ctype and its body appended to resp (at most
 * TILESRC_POST_RESPONSE_MAX bytes).  MUSTER_EINVAL for a URL that does
 * not parse, MUSTER_EIO for transport errors and an over-long response,
 * MUSTER_ENOMEM; the reason in err and resp as it was.  The options are
 * tilesrc_open_url's (http and https only, connect timeout 10 s, the same
 * User-Agent) except that redirects are not followed (a 3xx comes back as
 * it is) and the answer may be silent for up to 300 s below 1 byte/s: a
 * witness verifies what it has not seen before it answers.
 */
int tilesrc_post(const char *url, const void *body, size_t n, muster_buf *resp, long *status, char *ctype,
	size_t ctype_cap, char *err, size_t errlen);

#endif
