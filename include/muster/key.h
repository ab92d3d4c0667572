/*
 * muster/key.h - personal signing keys, sealed key files, roles.
 *
 * A sealed key file holds an Ed25519 seed encrypted with XChaCha20-Poly1305
 * under a key derived from a passphrase by Argon2id; the KDF parameters, the
 * salt, the nonce and the public key sit in a header that is authenticated
 * as associated data (docs/FORMATS.md).  Files are created 0600 with O_EXCL.
 * Secrets live in sodium_malloc memory and are wiped when freed.
 */
#ifndef MUSTER_KEY_H
#define MUSTER_KEY_H

#include <muster/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Roles a key may hold; a key may hold several (a bit mask). */
enum {
	MUSTER_ROLE_ADMIN = 1u << 0,
	MUSTER_ROLE_KEEPER = 1u << 1,
	MUSTER_ROLE_HR = 1u << 2,
	MUSTER_ROLE_FINANCE = 1u << 3,
	MUSTER_ROLE_APPROVER = 1u << 4,
	MUSTER_ROLE_AUDITOR = 1u << 5,
	MUSTER_ROLE_REPORTER = 1u << 6,
	MUSTER_ROLE_ALL = (1u << 7) - 1,
};

/* Parses "admin,keeper" (case-sensitive names, commas) into a mask, OR-ed into *mask. */
MUSTER_API int muster_roles_parse(const char *s, uint32_t *mask) MUSTER_WUR;
/* Writes "admin,keeper" for mask into out (cap bytes); returns 0 or MUSTER_ETOOBIG. */
MUSTER_API int muster_roles_format(uint32_t mask, char *out, size_t cap) MUSTER_WUR;

/* The short id of a public key: SHA-256("muster/key/v1" || 0x00 || pk)[0..8). */
MUSTER_API void muster_key_id(const uint8_t pk[MUSTER_PK_BYTES], uint8_t id[MUSTER_KEYID_BYTES]);
MUSTER_API void muster_key_id_hex(const uint8_t pk[MUSTER_PK_BYTES], char hex[MUSTER_KEYID_HEX]);
/* Parses 16 hex digits. */
MUSTER_API int muster_key_id_parse(const char *hex, uint8_t id[MUSTER_KEYID_BYTES]) MUSTER_WUR;

/* A key pair in memory.  Opaque; the secret half is in sodium_malloc memory. */
typedef struct muster_signer muster_signer;

/* A fresh random key pair. */
MUSTER_API int muster_signer_generate(muster_signer **out) MUSTER_WUR;
/* A key pair from a 32-byte seed (tests and site keys). */
MUSTER_API int muster_signer_from_seed(const uint8_t seed[32], muster_signer **out) MUSTER_WUR;
/* Wipes and frees.  NULL is a no-op. */
MUSTER_API void muster_signer_free(muster_signer *s);
MUSTER_API const uint8_t *muster_signer_pk(const muster_signer *s);
/* The 64-byte libsodium secret key; valid until muster_signer_free. */
MUSTER_API const uint8_t *muster_signer_sk(const muster_signer *s);
/* Ed25519 over msg. */
MUSTER_API void muster_signer_sign(const muster_signer *s, const void *msg, size_t len,
	uint8_t sig[MUSTER_SIG_BYTES]);

/* Argon2id cost.  MUSTER_KDF_INTERACTIVE is the default; MIN is for tests only. */
typedef enum { MUSTER_KDF_INTERACTIVE = 0, MUSTER_KDF_MODERATE = 1, MUSTER_KDF_MIN = 2 } muster_kdf;

/*
 * muster_key_seal - writes s, sealed under passphrase, to path (O_EXCL,
 * 0600, fsync'd) and its public key to path.pub.  MUSTER_EEXIST if either
 * exists; on any error nothing is left behind.
 */
MUSTER_API int muster_key_seal(const muster_signer *s, const char *path, const char *pass,
	size_t pass_len, muster_kdf kdf) MUSTER_WUR;

/*
 * muster_key_unseal - reads a sealed key file.  MUSTER_EPASS for a wrong
 * passphrase or altered file, MUSTER_EINVAL if it is not a key file,
 * MUSTER_EIO if it cannot be read.
 */
MUSTER_API int muster_key_unseal(const char *path, const char *pass, size_t pass_len,
	muster_signer **out) MUSTER_WUR;

/* Writes / reads a public key file: one line "muster-ed25519 <base64 pk>". */
MUSTER_API int muster_pub_write(const char *path, const uint8_t pk[MUSTER_PK_BYTES]) MUSTER_WUR;
MUSTER_API int muster_pub_read(const char *path, uint8_t pk[MUSTER_PK_BYTES]) MUSTER_WUR;

/*
 * Site keys (log key, tag key) live inside the store directory, unsealed and
 * mode 0600 like an SSH host key: a server must sign checkpoints without a
 * person at the keyboard.  Each event is still signed by a sealed personal key.
 */
MUSTER_API int muster_site_key_write(const char *path, const muster_signer *s) MUSTER_WUR;
MUSTER_API int muster_site_key_read(const char *path, muster_signer **out) MUSTER_WUR;

#ifdef __cplusplus
}
#endif
#endif
