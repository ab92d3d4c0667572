/*
 * muster/store.h - the site's store: one LMDB environment holding the log,
 * its Merkle hashes and checkpoints, and the projections derived from them
 * (docs/STORE.md), plus the site log and tag keys as files beside it.
 *
 * Writes happen in muster_write(): one LMDB write transaction in which the
 * caller appends signed events; every projection is updated and a new
 * checkpoint is signed before the single commit.  Either all of it lands or
 * none.  Reads open their own read transaction and never block the writer.
 * A muster_store handle may be used from several threads for reads; one
 * thread at a time may write (LMDB serialises writers across processes).
 */
#ifndef MUSTER_STORE_H
#define MUSTER_STORE_H

#include <muster/common.h>
#include <muster/codec.h>
#include <muster/key.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct muster_store muster_store;
typedef struct muster_wtxn muster_wtxn;

/*
 * muster_store_create - a new store in dir (created; must not hold a store
 * already: MUSTER_EEXIST).  Generates the site log and tag keys, writes the
 * genesis entry (site.init, index 0) signed by admin, who becomes the first
 * admin under the name holder, and the first checkpoint.  On failure nothing
 * of the new store is left behind.
 */
MUSTER_API int muster_store_create(const char *dir, const char *origin, const muster_signer *admin,
	const char *holder, muster_store **out) MUSTER_WUR;

/* The same, and the site's label base URL (site.url, entry 1) in the same commit; NULL: none. */
MUSTER_API int muster_store_create_url(const char *dir, const char *origin, const muster_signer *admin,
	const char *holder, const char *base_url, muster_store **out) MUSTER_WUR;

/*
 * Opens an existing store.  MUSTER_ENOTFOUND if dir holds none; MUSTER_EIO
 * with errno (EACCES...) if it cannot be opened.  On a read-only file
 * system it opens for reading only (muster_write: MUSTER_EIO, errno EROFS).
 * A store of an older format is upgraded here, in one write transaction
 * (docs/STORE.md); on a read-only file system it cannot be, and is
 * MUSTER_ESTATE with errno EROFS.  A store of a newer format than this
 * library's is MUSTER_ESTATE with errno EPROTONOSUPPORT.
 */
MUSTER_API int muster_store_open(const char *dir, muster_store **out) MUSTER_WUR;
MUSTER_API void muster_store_close(muster_store *s);
/* The log origin (checkpoint first line); valid until close. */
MUSTER_API const char *muster_store_origin(const muster_store *s);

/*
 * muster_store_backup - a hot, consistent, compacted copy of the store's
 * LMDB environment, written to dir/data.mdb (0600; dir must exist and must
 * not hold a data.mdb: MUSTER_EEXIST).  The copy is the store as one read
 * transaction sees it (LMDB's mdb_env_copyfd2 with MDB_CP_COMPACT: each
 * database's pages laid out together, free pages left out), so writers in
 * this and other processes go on meanwhile and the copy holds a prefix of
 * the log with its checkpoint.  The file is fsync'd, and dir after it.
 * Only data.mdb: the key files, the mirror file, attachments and mirror
 * stores beside the store are the caller's to copy (docs/STORE.md,
 * "Backups").  Returns 0; MUSTER_EIO with errno (ENOSPC, EACCES, EDQUOT,
 * EIO...) when it could not be written, and then no dir/data.mdb is left;
 * MUSTER_ENOMEM; MUSTER_ESTORE.  Thread safety: as a read; other threads
 * of this process may read and write the store meanwhile.
 */
MUSTER_API int muster_store_backup(muster_store *s, const char *dir) MUSTER_WUR;

/*
 * muster_store_compact - rewrites the store in dir as a compacted copy of
 * itself (the copy muster_store_backup makes: each database's pages laid
 * out together, free pages left out), in place: written beside data.mdb as
 * data.mdb.compact, fsync'd, checked (every database with as many entries
 * and the same last log entry), then renamed over data.mdb, and dir
 * fsync'd.  A compaction killed at any point leaves the store as it was or
 * as compacted, whole; a data.mdb.compact it left is removed by the next.
 *
 * The store must be unused: every muster_store_open holds the store
 * directory's lock shared, and this takes it exclusively without waiting,
 * so it is MUSTER_ESTATE with errno EBUSY while any process has the store
 * open (musterd, a scan session, another muster command), or has its LMDB
 * environment open outside Muster (mdb_stat, python3-lmdb).  Stores opened
 * while it runs wait for it.  Needs free space for the copy, at most the
 * size of data.mdb.  out gets the entries, and data.mdb's size before and
 * after.  Returns 0; MUSTER_ENOTFOUND (no store in dir); MUSTER_EIO with
 * errno (ENOSPC, EACCES, EROFS...), and then the store is unchanged;
 * MUSTER_ECORRUPT if the copy does not hold what the store holds (the
 * store unchanged); what muster_store_open returns.
 */
typedef struct muster_compaction {
	uint64_t entries;      /* log entries */
	uint64_t bytes_before; /* data.mdb */
	uint64_t bytes_after;
} muster_compaction;
MUSTER_API int muster_store_compact(const char *dir, muster_compaction *out) MUSTER_WUR;

/*
 * muster_store_unused - whether the store directory dir could be swapped
 * or compacted now: 0 when no process has it open (its lock is free and no
 * process has the LMDB environment open outside it); MUSTER_ESTATE with
 * errno EBUSY when one has; MUSTER_ENOTFOUND when dir does not exist;
 * MUSTER_EIO with errno.  Only a snapshot: muster_store_swap checks again.
 */
MUSTER_API int muster_store_unused(const char *dir) MUSTER_WUR;

/*
 * muster_store_swap - puts the store in the directory staged (a restored
 * backup, checked by the caller; on the same file system as dir) in place
 * of the store in dir, and moves that one to aside, which must not exist.
 * Where dir does not exist, staged is renamed to dir and aside is unused.
 * Otherwise, as muster_store_compact, the store must be unused: the store
 * directory's lock is taken exclusively without waiting, and any process
 * with the LMDB environment open outside it makes it busy.  Then one
 * renameat2(RENAME_EXCHANGE) swaps the two directories (where the file
 * system lacks it, two renames, with no store at dir between them), the
 * old store is renamed to aside, and the parent directory fsync'd.  Stores
 * opened while it ran open the restored store once it is done.
 * *moved_aside is 1 once the old store is at aside, 0 while it is at dir
 * (the staged store still at staged), and 2 in the one case where a
 * failure could not be undone: the restored store is at dir and the old
 * one at staged.  Returns 0;
 * MUSTER_ENOTFOUND (no data.mdb in staged); MUSTER_ESTATE with errno
 * EBUSY while the store is in use, and then nothing was moved; MUSTER_EIO
 * with errno (EXDEV: staged is on another file system; EEXIST: aside
 * exists).
 */
MUSTER_API int muster_store_swap(const char *dir, const char *staged, const char *aside, int *moved_aside) MUSTER_WUR;

/*
 * muster_report_key - the site's report key, which signs what the site
 * publishes outside the log (audit reports, in minisign's format).  It is
 * derived from the site log key (log.key beside the store) with BLAKE2b-256
 * keyed by the log key's seed over "muster/report-key/v1", so it needs no
 * file of its own, is the same for as long as the log key is, and a
 * signature made with it can never pass for a checkpoint signature.  The
 * caller frees *out with muster_signer_free (which wipes it).  MUSTER_EIO if
 * log.key cannot be read, MUSTER_EVERIFY if it is not this store's.
 */
MUSTER_API int muster_report_key(muster_store *s, muster_signer **out) MUSTER_WUR;

/*
 * muster_write - runs fn inside one write transaction and commits.  fn
 * appends with muster_append(); if it returns non-zero everything is rolled
 * back and that value returned.  If the map fills up the transaction is
 * aborted, the map grown and fn called again, so fn must not have effects
 * outside the transaction.  On commit a checkpoint for the new size is
 * signed and stored.  Durable (fsync) unless the store was opened otherwise.
 * MUSTER_EIO when the store could not be written, errno saying why: ENOSPC
 * (also when LMDB reports a write cut short by a full disk as EIO), EROFS,
 * EACCES, EIO...; nothing of the write is kept.
 */
typedef int (*muster_write_fn)(muster_wtxn *w, void *arg);
MUSTER_API int muster_write(muster_store *s, muster_write_fn fn, void *arg) MUSTER_WUR;

/*
 * muster_append - signs and appends one event of `type` with `body`.
 * Checks that the body is canonical, that signer's key is enrolled and not
 * revoked and holds a role this type allows (MUSTER_EPERM), and the type's
 * domain rules against current state (MUSTER_ESTATE, MUSTER_EEXIST,
 * MUSTER_ENOTFOUND).  *index receives the entry's log index (may be NULL).
 * A refused append may already have touched the transaction: muster_write
 * then rolls everything back even if fn goes on and returns 0.
 */
MUSTER_API int muster_append(muster_wtxn *w, const muster_signer *signer, uint64_t type,
	const uint8_t *body, size_t len, uint64_t *index) MUSTER_WUR;

/*
 * Savepoints: a nested transaction inside muster_write, so that a caller
 * appending many events (an import) can try some and take them back
 * without losing the rest.  muster_savepoint opens one (one at a time);
 * muster_savepoint_release keeps what was appended since (it stays part of
 * the write, committed or rolled back with it); muster_savepoint_rollback
 * undoes it, a failed append included, and the write may go on.  A
 * savepoint left open when fn returns is rolled back and the write fails
 * (MUSTER_EINVAL).  A full map still aborts the whole write and runs fn
 * again after growing it.
 */
MUSTER_API int muster_savepoint(muster_wtxn *w) MUSTER_WUR;
MUSTER_API int muster_savepoint_release(muster_wtxn *w) MUSTER_WUR;
MUSTER_API void muster_savepoint_rollback(muster_wtxn *w);
/* Why the last append in w was refused ("" if it was not): valid until the next append. */
MUSTER_API const char *muster_wtxn_why(const muster_wtxn *w);

/*
 * muster_store_why - after muster_write returned MUSTER_EPERM, ESTATE,
 * EEXIST or ENOTFOUND because of a rule, the rule's explanation in English
 * ("signer key 0123abcd... holds roles keeper; key.enrol needs one of admin");
 * otherwise "".  Valid until the next write on s.
 */
MUSTER_API const char *muster_store_why(const muster_store *s);

/* Tests and benchmarks: commit without fsync (MDB_NOSYNC); durable is the default. */
MUSTER_API void muster_store_set_durable(muster_store *s, int durable);

#ifdef __cplusplus
}
#endif
#endif
