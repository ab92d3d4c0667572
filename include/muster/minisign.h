/*
 * muster/minisign.h - detached signatures in minisign's format, so that the
 * stock minisign(1) verifies what Muster signs (audit reports) with nothing
 * but a public key.
 *
 * Only minisign's prehashed algorithm "ED" is made and accepted: Ed25519
 * over BLAKE2b-512 of the file, so a file of any size is read once, in
 * chunks.  A public key file is two lines:
 *
 *	untrusted comment: minisign public key <KEY ID>
 *	base64("Ed" || key_id[8] || pk[32])
 *
 * and a signature (.minisig) file four:
 *
 *	untrusted comment: <text>
 *	base64("ED" || key_id[8] || Ed25519(BLAKE2b-512(file)))
 *	trusted comment: <text>
 *	base64(Ed25519(signature[64] || trusted comment text))
 *
 * Base64 is the standard alphabet with padding.  The key id is a label
 * minisign uses to pick a key, not covered by any signature.  minisign keeps
 * it as 8 bytes read little-endian and prints it as 16 upper-case hex digits
 * of that integer; for a Muster key the 8 bytes are the Muster key id
 * (muster_key_id) in reverse order, so minisign prints the key id Muster
 * shows, in capitals.
 *
 * The trusted comment is covered by the global signature; the untrusted one
 * is not.  Nothing here owns or keeps a pointer past the call.
 */
#ifndef MUSTER_MINISIGN_H
#define MUSTER_MINISIGN_H

#include <muster/common.h>
#include <muster/codec.h>
#include <muster/key.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MUSTER_MINISIGN_KEYID_BYTES 8
/* The longest trusted comment minisign signs and reads back (bytes, without NUL). */
#define MUSTER_MINISIGN_TRUSTED_MAX 8173
/* The longest untrusted comment minisign reads back (bytes, without NUL). */
#define MUSTER_MINISIGN_UNTRUSTED_MAX 1003

/*
 * muster_minisign_key_id - the minisign key id Muster uses for pk, in
 * minisign's byte order: muster_key_id(pk) reversed.  Deterministic.
 */
MUSTER_API void muster_minisign_key_id(const uint8_t pk[MUSTER_PK_BYTES],
	uint8_t id[MUSTER_MINISIGN_KEYID_BYTES]);

/*
 * muster_minisign_pubkey - appends to out the two-line public key file for
 * pk, "untrusted comment: minisign public key XXXXXXXXXXXXXXXX\n<base64>\n",
 * the key id printed as minisign prints it.  Errors (ENOMEM) are left in
 * out->err.
 */
MUSTER_API void muster_minisign_pubkey(muster_buf *out, const uint8_t pk[MUSTER_PK_BYTES]);

/*
 * muster_minisign_pubkey_parse - reads a minisign public key: either the
 * file (an "untrusted comment: " line, then the base64 line) or the bare
 * base64 string that "minisign -P" takes; a final newline (LF or CRLF) is
 * optional.  On success fills pk and id (id may be NULL).  MUSTER_ECORRUPT
 * if malformed or not an Ed25519 ("Ed") key.
 */
MUSTER_API int muster_minisign_pubkey_parse(const char *text, size_t len, uint8_t pk[MUSTER_PK_BYTES],
	uint8_t id[MUSTER_MINISIGN_KEYID_BYTES]) MUSTER_WUR;

/*
 * muster_minisign_sign_file - signs the file at path, read in 64 KiB chunks,
 * with s and appends the .minisig text to out.  trusted is one line of
 * UTF-8 (no CR or LF, at most MUSTER_MINISIGN_TRUSTED_MAX bytes, may be
 * empty); untrusted the same with MUSTER_MINISIGN_UNTRUSTED_MAX, or NULL
 * for "signature from muster secret key".  MUSTER_EINVAL for a bad comment,
 * MUSTER_EIO if the file cannot be read (errno is kept), MUSTER_ENOMEM.  On
 * error nothing is appended.
 */
MUSTER_API int muster_minisign_sign_file(muster_buf *out, const muster_signer *s, const char *path,
	const char *trusted, const char *untrusted) MUSTER_WUR;

/* muster_minisign_sign - the same over the n bytes at data. */
MUSTER_API int muster_minisign_sign(muster_buf *out, const muster_signer *s, const void *data, size_t n,
	const char *trusted, const char *untrusted) MUSTER_WUR;

/*
 * muster_minisign_verify - verifies the .minisig text sig[0..siglen) over
 * data[0..n) against a Muster key pk (key id muster_minisign_key_id(pk)).
 *
 * The text must be the four lines above, each ending in LF or CRLF (the last
 * one's may be missing), with nothing after them, canonical base64 of the
 * right lengths, and a trusted comment of at most MUSTER_MINISIGN_TRUSTED_MAX
 * bytes with no NUL or CR; anything else is MUSTER_ECORRUPT, and so is the
 * legacy algorithm "Ed" (a signature over the whole file, which minisign -H
 * refuses too).  A key id other than pk's (a signature by another key), a
 * signature that does not verify over the file, or a global signature that
 * does not verify over the trusted comment is MUSTER_EVERIFY.
 *
 * On success, if trusted is not NULL, the trusted comment is copied there
 * with a NUL (tcap bytes; MUSTER_MINISIGN_TRUSTED_MAX + 1 always fits); a
 * valid signature whose comment does not fit is MUSTER_ETOOBIG and trusted
 * is left alone.  MUSTER_EINVAL for a NULL pk, or NULL data with n > 0.
 */
MUSTER_API int muster_minisign_verify(const char *sig, size_t siglen, const void *data, size_t n,
	const uint8_t pk[MUSTER_PK_BYTES], char *trusted, size_t tcap) MUSTER_WUR;

/*
 * muster_minisign_verify_id - the same against any minisign key (pk, id),
 * such as one made by minisign -G, whose key id is random: read it with
 * muster_minisign_pubkey_parse.
 */
MUSTER_API int muster_minisign_verify_id(const char *sig, size_t siglen, const void *data, size_t n,
	const uint8_t pk[MUSTER_PK_BYTES], const uint8_t id[MUSTER_MINISIGN_KEYID_BYTES], char *trusted,
	size_t tcap) MUSTER_WUR;

#ifdef __cplusplus
}
#endif
#endif
