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

/*
 * muster_reindex - drops every projection and rebuilds it from the log in
 * one write transaction.  The result is byte-identical to incremental
 * projection.  MUSTER_EVERIFY if an entry no longer replays.
 */
MUSTER_API int muster_reindex(muster_store *s) MUSTER_WUR;

#ifdef __cplusplus
}
#endif
#endif
