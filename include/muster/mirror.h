/*
 * muster/mirror.h - another site's log, held and verified by a central
 * store (docs/REPLICATION.md).
 *
 * A mirror is a store of its own, in a directory of its own, whose log is
 * a byte-for-byte copy of one site's log.  Its entries stay signed by the
 * site's people and its checkpoints by the site's log key; the mirror
 * signs nothing of the site's.  It is written only by
 * muster_mirror_import, which takes new entries only after checking
 * everything about them: the checkpoint's signature, each entry's
 * encoding, signature, index and previous root, the signer's key state at
 * that index, every domain rule (the projections are built as they are on
 * the site), and the tree's root against the checkpoint.  What fails is
 * refused whole.  Every read the CLI has works on a mirror, so a central
 * office sees each team's readiness, dues and money as the team does.
 *
 * The directory holds, besides the LMDB files, "mirror": the text
 * "muster-mirror v1\nvkey <site verifier key>\n" and "url <base URL>\n"
 * when the site publishes its tiles.
 */
#ifndef MUSTER_MIRROR_H
#define MUSTER_MIRROR_H
#include <muster/common.h>
#include <muster/codec.h>
#include <muster/note.h>
#include <muster/store.h>
#ifdef __cplusplus
extern "C" {
#endif

/*
 * muster_mirror_create - an empty mirror in dir (made if absent; must not
 * hold a store: MUSTER_EEXIST) of the log whose checkpoints vkey verifies
 * (its name is the origin).  url may be NULL.  MUSTER_EINVAL for a vkey
 * or URL that does not parse.
 */
MUSTER_API int muster_mirror_create(const char *dir, const char *vkey, const char *url, muster_store **out) MUSTER_WUR;
/* 1 if s is a mirror (muster_write refuses it: MUSTER_EPERM). */
MUSTER_API int muster_store_is_mirror(const muster_store *s);
/* The site's verifier key and base URL ("" when none) a mirror was made with; valid until close. */
MUSTER_API const char *muster_mirror_vkey(const muster_store *s);
MUSTER_API const char *muster_mirror_url(const muster_store *s);
/* Changes the URL a mirror pulls from ("" or NULL: none); the file is replaced whole. */
MUSTER_API int muster_mirror_set_url(muster_store *s, const char *url) MUSTER_WUR;

/* What arrived: a signed checkpoint and the entries from `first` up to its size. */
typedef struct muster_mirror_batch {
	const uint8_t *checkpoint; /* the site's signed note */
	size_t checkpoint_len;
	uint64_t first;           /* index of entry[0]; at most the mirror's size */
	size_t count;             /* entries given: first + count must be the checkpoint's size */
	const uint8_t *const *entry;
	const size_t *entry_len;
	/* A consistency proof from proof_from (<= the mirror's size) to the checkpoint, if proof_count or has_proof. */
	int has_proof;
	uint64_t proof_from;
	const uint8_t (*proof)[MUSTER_HASH_BYTES];
	size_t proof_count;
	/* The witness that cosigns what it verified (NULL: no cosignature). */
	const char *witness_name;
	const uint8_t *witness_sk; /* libsodium 64-byte secret key */
	uint64_t now;              /* cosignature time, POSIX seconds */
	/*
	 * Called (if not NULL) once everything verified, before the commit,
	 * with a reader of the mirror's Merkle hashes as they now stand (level,
	 * index of a complete subtree): non-zero refuses the import with why.
	 * For the caller's own checks, such as hash tiles that came along.
	 */
	int (*check)(void *arg, muster_hash_reader rd, void *ctx, char *why, size_t whylen);
	void *check_arg;
} muster_mirror_batch;

enum {
	MUSTER_MIRROR_ADVANCED = 1, /* new entries verified and stored */
	MUSTER_MIRROR_CURRENT,      /* the checkpoint is one the mirror already holds (same root): nothing new */
	MUSTER_MIRROR_REFUSED,      /* damaged, incomplete or unverifiable: refused, the mirror unchanged */
	MUSTER_MIRROR_FORK,         /* the site signed a history that contradicts what it signed before */
};

typedef struct muster_mirror_result {
	int outcome;
	uint64_t old_size, new_size; /* the mirror's size before, the checkpoint's size */
	uint64_t at;                 /* for REFUSED and FORK: the entry (index) or size the finding is about */
	char reason[320];            /* English, one line */
	muster_buf ours;             /* FORK: the mirror's latest signed checkpoint (the caller frees) */
	muster_buf cosigned;         /* ADVANCED, CURRENT: the checkpoint with the witness's cosignature line */
} muster_mirror_result;

/*
 * muster_mirror_import - checks b against the mirror s and, if everything
 * verifies, appends the entries, the projections and the checkpoint (with
 * the witness's cosignature when asked) in one commit.  Signatures are
 * checked on `threads` threads (0: one per CPU) while the entries are
 * applied.  Returns 0 with r->outcome ADVANCED or CURRENT; MUSTER_EVERIFY
 * with r->outcome REFUSED or FORK and r->reason; MUSTER_EINVAL for a batch
 * that does not describe the checkpoint's entries; or a storage error.
 * On any non-zero return the mirror is as it was.  r->ours and
 * r->cosigned must be freed with muster_buf_free.
 */
MUSTER_API int muster_mirror_import(muster_store *s, const muster_mirror_batch *b, unsigned threads,
	muster_mirror_result *r) MUSTER_WUR;

/*
 * muster_log_cosigned - a site stores a witness's cosignature: note is the
 * site's checkpoint of some size with one or more cosignature lines; the
 * line by witness (a 0x04 verifier, muster_cosig_vkey_parse) must verify
 * and the checkpoint text be exactly the one the store signed for that
 * size.  The stored checkpoint then carries the line (replacing an older
 * one by the same witness).  *size receives the size.  MUSTER_ENOTFOUND if
 * the store signed no checkpoint of that size or there is no line by the
 * witness, MUSTER_EVERIFY if it does not verify or the text differs.
 */
MUSTER_API int muster_log_cosigned(muster_store *s, const uint8_t *note, size_t len,
	const muster_verifier *witness, uint64_t *size) MUSTER_WUR;

#ifdef __cplusplus
}
#endif
#endif
