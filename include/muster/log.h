/*
 * muster/log.h - reading, proving and verifying the site log.
 * Every function opens its own read transaction (or, for reindex, one write
 * transaction) and is safe to call from several threads on one store.
 */
#ifndef MUSTER_LOG_H
#define MUSTER_LOG_H

#include <muster/common.h>
#include <muster/codec.h>
#include <muster/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of entries in the log. */
MUSTER_API int muster_log_size(muster_store *s, uint64_t *size) MUSTER_WUR;

/* Appends the stored bytes of entry `index` to out.  MUSTER_ENOTFOUND past the end. */
MUSTER_API int muster_log_entry(muster_store *s, uint64_t index, muster_buf *out) MUSTER_WUR;

/* Iterates entries [from, from+count) in order; cb returns non-zero to stop (returned). */
typedef int (*muster_entry_cb)(uint64_t index, const uint8_t *p, size_t len, void *arg);
MUSTER_API int muster_log_scan(muster_store *s, uint64_t from, uint64_t count, muster_entry_cb cb,
	void *arg) MUSTER_WUR;

/* The site log's verifier key, note format. */
MUSTER_API int muster_log_vkey(muster_store *s, muster_buf *out) MUSTER_WUR;

/*
 * The stored signed checkpoint for `size`, or the latest if size is
 * UINT64_MAX; *got receives its size (may be NULL).  MUSTER_ENOTFOUND if no
 * checkpoint was signed at that size.
 */
MUSTER_API int muster_log_checkpoint(muster_store *s, uint64_t size, muster_buf *out,
	uint64_t *got) MUSTER_WUR;

/* The tree hash of the first `size` entries (size <= log size). */
MUSTER_API int muster_log_root(muster_store *s, uint64_t size, uint8_t root[MUSTER_HASH_BYTES]) MUSTER_WUR;

/*
 * muster_log_tile - the hashes of the C2SP tlog-tiles tile at level `level`,
 * index n, for the tree of the first `size` entries: the stored hashes of
 * the complete level-8*level subtrees n*256 .. n*256+w-1, where w (1..256)
 * is how many of them that tree holds.  out has room for 256 hashes; *w
 * receives the width.  MUSTER_ENOTFOUND if the tree holds none of them or
 * size is past the log; MUSTER_EINVAL for a level above 7.
 */
#define MUSTER_TILE_WIDTH 256
MUSTER_API int muster_log_tile(muster_store *s, uint64_t size, int level, uint64_t n,
	uint8_t out[][MUSTER_HASH_BYTES], size_t *w) MUSTER_WUR;

MUSTER_API int muster_log_prove_inclusion(muster_store *s, uint64_t index, uint64_t size,
	uint8_t proof[][MUSTER_HASH_BYTES], size_t *count) MUSTER_WUR;
MUSTER_API int muster_log_prove_consistency(muster_store *s, uint64_t old_size, uint64_t new_size,
	uint8_t proof[][MUSTER_HASH_BYTES], size_t *count) MUSTER_WUR;

/* What muster_log_verify found. */
typedef struct muster_verify_report {
	uint64_t entries;     /* entries checked */
	uint64_t checkpoints; /* checkpoints checked */
	uint64_t bad_index;   /* first failing entry, if the result was MUSTER_EVERIFY */
	char reason[256];     /* why, in English */
} muster_verify_report;

/*
 * muster_log_verify - re-derives everything from the raw log: canonical
 * encoding, index and previous-root chain, every signature, the signer's
 * key state and roles at each index, every stored Merkle hash (and that no
 * extra ones exist), every stored checkpoint's signature and root.
 * Signatures are checked on `threads` threads (0: one per CPU).
 * Returns 0, MUSTER_EVERIFY with rep->bad_index and rep->reason for the
 * first failing entry, or a storage error.
 */
MUSTER_API int muster_log_verify(muster_store *s, unsigned threads, muster_verify_report *rep) MUSTER_WUR;

/*
 * How far a long call has got: `done` of `total` units (for
 * muster_log_verify_progress, entries whose every check has finished).
 */
typedef void (*muster_progress_fn)(uint64_t done, uint64_t total, void *arg);

/*
 * muster_log_verify_progress - muster_log_verify, telling fn (may be NULL)
 * how far it has got.  fn is called on the calling thread only, never
 * while a lock is held: once with done 0 as soon as the number of entries
 * is known, at most once for each further hundredth of them with
 * done < total, done strictly increasing, then once with
 * done == total == rep->entries when the result is 0: no more than 101
 * calls.  A failure or a storage error ends the calls without that last
 * one.  fn should return quickly and must not use s.
 */
MUSTER_API int muster_log_verify_progress(muster_store *s, unsigned threads, muster_verify_report *rep,
	muster_progress_fn fn, void *arg) MUSTER_WUR;

/* What muster_log_against found. */
enum {
	MUSTER_AGAINST_OK = 0,    /* the store's tree at that size has exactly the checkpoint's root */
	MUSTER_AGAINST_OTHER_LOG, /* the checkpoint names another origin */
	MUSTER_AGAINST_UNSIGNED,  /* not signed by this log's key (the genesis entry's) */
	MUSTER_AGAINST_SHORT,     /* the store holds fewer entries: rolled back or truncated */
	MUSTER_AGAINST_FORKED     /* the store's tree at that size has another root */
};
typedef struct muster_against {
	uint64_t size; /* the checkpoint's tree size */
	uint64_t have; /* entries in the store */
	int verdict;   /* MUSTER_AGAINST_* */
} muster_against;

/*
 * muster_log_against - judges the store by a signed checkpoint kept outside
 * it (a note as muster_log_checkpoint gives it, with or without witnesses'
 * cosignature lines, which are not checked): a store restored from an older
 * copy of itself is self-consistent and passes muster_log_verify; only what
 * was seen of it before can tell.  The note must be a checkpoint of this
 * origin signed by the log key the genesis entry names, and the store's tree
 * of its size must have its root.  Run muster_log_verify first: the root is
 * computed from the stored Merkle hashes.  Returns 0 with *out filled (its
 * verdict says what was found), MUSTER_EINVAL if note is not a signed
 * checkpoint, or a storage error.
 */
MUSTER_API int muster_log_against(muster_store *s, const uint8_t *note, size_t len, muster_against *out) MUSTER_WUR;

/*
 * muster_reindex - drops every projection and rebuilds it from the log in
 * one write transaction.  The result is byte-identical to incremental
 * projection.  MUSTER_EVERIFY if an entry no longer replays.
 */
MUSTER_API int muster_reindex(muster_store *s) MUSTER_WUR;

/* The first difference muster_reindex_check found. */
enum { MUSTER_DIFF_CHANGED = 1, MUSTER_DIFF_MISSING, MUSTER_DIFF_EXTRA };
typedef struct muster_reindex_diff {
	uint64_t entries;  /* entries replayed: all of them, or the index of the one that no longer replays */
	const char *db;    /* the database that differs (a static name, docs/STORE.md); NULL if none */
	uint8_t key[511];  /* its first differing key (LMDB keys are at most 511 bytes) */
	size_t key_len;
	int what;          /* CHANGED: another value is stored; MISSING: the log gives a record the
			      store lacks; EXTRA: the store holds a record the log does not give */
} muster_reindex_diff;

/*
 * muster_reindex_check - rebuilds every projection from the log exactly as
 * muster_reindex does, but in a write transaction that is always aborted,
 * and compares the result with the stored projections, database by
 * database (in a fixed order, meta and keys first), key by key: the store
 * is never changed.  Holds the writer's lock while it runs.
 * Returns 0 (diff->db NULL) if every projection is byte-identical to a
 * rebuild; MUSTER_EVERIFY with diff->db, key and what for the first
 * difference, or with diff->db NULL and the reason in muster_store_why()
 * if entry diff->entries no longer replays; or a storage error.
 */
MUSTER_API int muster_reindex_check(muster_store *s, muster_reindex_diff *diff) MUSTER_WUR;

#ifdef __cplusplus
}
#endif
#endif
