/*
 * muster/common.h - export macro, error codes and sizes shared by every
 * libmuster header.
 */
#ifndef MUSTER_COMMON_H
#define MUSTER_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(MUSTER_BUILDING) && defined(__GNUC__)
#define MUSTER_API __attribute__((visibility("default")))
#else
#define MUSTER_API
#endif

#ifdef __GNUC__
#define MUSTER_WUR __attribute__((warn_unused_result))
#else
#define MUSTER_WUR
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every libmuster function that can fail returns 0 or one of these negative
 * codes; muster_strerror() names them.  The range is reserved so that a code
 * never collides with errno values or LMDB's own (-30800..-30780).
 */
enum {
	MUSTER_OK = 0,
	MUSTER_EINVAL = -31000,  /* bad argument or malformed input */
	MUSTER_ECORRUPT = -31001, /* bytes are not a canonical encoding */
	MUSTER_ENOTFOUND = -31002, /* no such record */
	MUSTER_EEXIST = -31003,  /* already exists */
	MUSTER_EPERM = -31004,   /* the signer lacks the role, or is revoked */
	MUSTER_EPASS = -31005,   /* wrong passphrase, or a damaged key file */
	MUSTER_EVERIFY = -31006, /* a signature, hash or proof does not verify */
	MUSTER_ESTATE = -31007,  /* a domain rule forbids this in the current state */
	MUSTER_ETOOBIG = -31008, /* over a documented size limit */
	MUSTER_EIO = -31009,     /* file system error (errno is kept) */
	MUSTER_ESTORE = -31010,  /* LMDB error */
	MUSTER_ENOMEM = -31011,  /* out of memory */
	MUSTER_ECRYPTO = -31012, /* libsodium could not be initialised */
};

/*
 * muster_strerror - a short English description of a MUSTER_E* code.
 * muster_strerror_zh - the same in Chinese.
 * Returns a static string; never NULL.  Thread-safe.
 */
MUSTER_API const char *muster_strerror(int code);
MUSTER_API const char *muster_strerror_zh(int code);

/*
 * muster_init - initialise libsodium and the library.  Idempotent; returns 0,
 * or MUSTER_ECRYPTO.  Call once before anything else (every entry point that
 * needs it also calls it).  Thread-safe.
 */
MUSTER_API int muster_init(void) MUSTER_WUR;

#define MUSTER_HASH_BYTES 32      /* SHA-256 */
#define MUSTER_PK_BYTES 32        /* Ed25519 public key */
#define MUSTER_SIG_BYTES 64       /* Ed25519 signature */
#define MUSTER_KEYID_BYTES 8      /* short key id, shown as 16 hex digits */
#define MUSTER_KEYID_HEX 17       /* 16 hex digits and a NUL */
#define MUSTER_ENTRY_MAX 65536    /* the largest entry the log accepts */
#define MUSTER_PROOF_MAX 128      /* hashes in the longest proof (2 x 63 levels) */
#define MUSTER_ORIGIN_MAX 255     /* bytes in a log origin */

#ifdef __cplusplus
}
#endif
#endif
