/*
 * muster/note.h - C2SP signed-note and tlog-checkpoint, Ed25519 only.
 *
 * A note is UTF-8 text ending in a newline, a blank line, and one line per
 * signature: "\u2014 <name> <base64(keyhash[4] || signature)>\n".  The key
 * hash is the first four bytes of SHA-256(name || "\n" || 0x01 || pubkey).
 * A verifier key is written "name+hex(keyhash)+base64(0x01 || pubkey)".
 * A checkpoint's text is "<origin>\n<size>\n<base64 root>\n" plus optional
 * extension lines.  Go's golang.org/x/mod/sumdb/note reads these notes.
 *
 * A C2SP tlog-cosignature (cosignature/v1) is one more signature line on a
 * signed checkpoint, by a witness: "\u2014 <name> <base64(keyhash[4] ||
 * timestamp[8] || signature[64])>\n".  Its key hash is that of a note key
 * with the algorithm byte 0x04 for 0x01, and so is its verifier key
 * "name+hex(keyhash)+base64(0x04 || pubkey)".  The timestamp is big-endian
 * POSIX seconds, at most 2^63-1, and the Ed25519 signature is over
 * "cosignature/v1\ntime <decimal timestamp>\n" followed by the checkpoint
 * text (the note's text, its final newline included).
 */
#ifndef MUSTER_NOTE_H
#define MUSTER_NOTE_H

#include <muster/common.h>
#include <muster/codec.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MUSTER_NOTE_MAX 8192   /* largest note accepted */
#define MUSTER_NOTE_SIGS_MAX 32 /* most signature lines accepted */

/* A verifier: a name and an Ed25519 public key. */
typedef struct muster_verifier {
	char name[MUSTER_ORIGIN_MAX + 1];
	uint32_t hash;
	uint8_t pk[MUSTER_PK_BYTES];
} muster_verifier;

/* 1 if name is a valid note key name (non-empty, UTF-8, no space, no '+'). */
MUSTER_API int muster_note_name_valid(const char *name, size_t len);
MUSTER_API uint32_t muster_note_key_hash(const char *name, const uint8_t pk[MUSTER_PK_BYTES]);

/* Formats the verifier key string into b. */
MUSTER_API void muster_vkey_format(muster_buf *b, const char *name, const uint8_t pk[MUSTER_PK_BYTES]);
/* Parses a verifier key string (no trailing newline). MUSTER_EINVAL if malformed. */
MUSTER_API int muster_vkey_parse(const char *s, size_t len, muster_verifier *out) MUSTER_WUR;

/*
 * muster_note_sign - appends to b the note for text signed by (name, sk).
 * sk is a libsodium 64-byte Ed25519 secret key.  text must be valid note text.
 */
MUSTER_API int muster_note_sign(muster_buf *b, const char *text, size_t len, const char *name,
	const uint8_t sk[64]) MUSTER_WUR;

/*
 * muster_note_open - parses a signed note and verifies it against the known
 * verifiers.  On success *text_len is the length of the text (the note's
 * first text_len bytes) and *verified the number of valid signatures by known
 * keys (>= 1).  Unknown signers are skipped; a known key whose signature is
 * bad fails with MUSTER_EVERIFY; malformed input fails with MUSTER_EINVAL;
 * no known signer with MUSTER_ENOTFOUND.
 */
MUSTER_API int muster_note_open(const uint8_t *note, size_t len, const muster_verifier *known,
	size_t nknown, size_t *text_len, size_t *verified) MUSTER_WUR;

/*
 * Cosignatures (C2SP tlog-cosignature, cosignature/v1).  A witness's
 * verifier is a muster_verifier like any other, but its hash is
 * muster_cosig_key_hash: muster_vkey_parse refuses 0x04 keys and
 * muster_cosig_vkey_parse refuses 0x01 keys, and a cosignature line is an
 * unknown signer to muster_note_open.  A cosigned note is simply the signed
 * checkpoint's bytes with the line(s) from muster_cosig_sign appended; no
 * function is needed to make one.
 */

/* The key hash of a witness key: SHA-256(name || "\n" || 0x04 || pk)[0..4), big-endian. */
MUSTER_API uint32_t muster_cosig_key_hash(const char *name, const uint8_t pk[MUSTER_PK_BYTES]);
/* Formats the witness's verifier key "name+hex(keyhash)+base64(0x04 || pk)" into b. */
MUSTER_API void muster_cosig_vkey_format(muster_buf *b, const char *name, const uint8_t pk[MUSTER_PK_BYTES]);
/* Parses a witness verifier key (type 0x04 only, no trailing newline). MUSTER_EINVAL otherwise. */
MUSTER_API int muster_cosig_vkey_parse(const char *s, size_t len, muster_verifier *out) MUSTER_WUR;

/*
 * muster_cosig_sign - appends to b ONE cosignature line (not the whole note)
 * by the witness (name, sk) on the checkpoint text text[0..len), made at
 * timestamp (POSIX seconds).  sk is a libsodium 64-byte Ed25519 secret key.
 * MUSTER_EINVAL if text is not valid note text, name is not a valid key
 * name, or timestamp exceeds INT64_MAX.  Append the line to the signed
 * checkpoint to cosign it.
 */
MUSTER_API int muster_cosig_sign(muster_buf *b, const char *text, size_t len, const char *name,
	const uint8_t sk[64], uint64_t timestamp) MUSTER_WUR;

/*
 * muster_cosig_verify - checks the cosignature(s) of witness on a signed
 * note (text, blank line, signature lines).  Lines by others, the log's own
 * included, are ignored (not verified).  On success *timestamp is that of
 * the newest cosignature by witness.  MUSTER_ENOTFOUND if no line is by
 * witness (same name and key hash); MUSTER_EVERIFY if any line by it does
 * not verify (a wrong length or a timestamp over INT64_MAX included);
 * MUSTER_EINVAL if the note is malformed or witness is not a 0x04 key.
 */
MUSTER_API int muster_cosig_verify(const uint8_t *note, size_t len, const muster_verifier *witness,
	uint64_t *timestamp) MUSTER_WUR;

typedef struct muster_checkpoint {
	char origin[MUSTER_ORIGIN_MAX + 1];
	uint64_t size;
	uint8_t root[MUSTER_HASH_BYTES];
} muster_checkpoint;

/* Appends a checkpoint body (origin, size, root) to b. */
MUSTER_API void muster_checkpoint_format(muster_buf *b, const char *origin, uint64_t size,
	const uint8_t root[MUSTER_HASH_BYTES]);
/* Parses a checkpoint body (the text of a note). MUSTER_EINVAL if malformed. */
MUSTER_API int muster_checkpoint_parse(const uint8_t *text, size_t len, muster_checkpoint *out) MUSTER_WUR;

#ifdef __cplusplus
}
#endif
#endif
