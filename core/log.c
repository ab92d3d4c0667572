/* log.c - reading the log: entries, checkpoints, roots, proofs; reindex. */
#include "internal.h"

int muster_log_size(muster_store *s, uint64_t *size)
{
	MDB_txn *txn;
	int rc = muster_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = muster_log_size_txn(txn, s->dbi[DB_LOG], size);
	muster_read_end(s, txn);
	return rc;
}

int muster_log_entry(muster_store *s, uint64_t index, muster_buf *out)
{
	MDB_txn *txn;
	uint8_t kb[LOG_KEY];
	int rc = muster_read_begin(s, &txn);
	if (rc)
		return rc;
	log_key(kb, index, LOG_ENTRY);
	MDB_val k = {LOG_KEY, kb}, v;
	rc = muster_mdb_err(mdb_get(txn, s->dbi[DB_LOG], &k, &v));
	if (rc == 0) {
		muster_buf_put(out, v.mv_data, v.mv_size);
		rc = out->err;
	}
	muster_read_end(s, txn);
	return rc;
}

int muster_log_scan(muster_store *s, uint64_t from, uint64_t count, muster_entry_cb cb, void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	uint8_t kb[LOG_KEY];
	int rc = muster_read_begin(s, &txn);
	if (rc)
		return rc;
	if ((rc = muster_mdb_err(mdb_cursor_open(txn, s->dbi[DB_LOG], &cur))) != 0) {
		muster_read_end(s, txn);
		return rc;
	}
	log_key(kb, from, LOG_ENTRY);
	MDB_val k = {LOG_KEY, kb}, v;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (uint64_t n = 0; mrc == 0 && n < count; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != LOG_KEY) {
			rc = MUSTER_ECORRUPT;
			break;
		}
		if (((const uint8_t *)k.mv_data)[8] != LOG_ENTRY)
			continue; /* Merkle hashes and checkpoints */
		if ((rc = cb(be64_get(k.mv_data), v.mv_data, v.mv_size, arg)) != 0)
			break;
		n++;
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = muster_mdb_err(mrc);
	mdb_cursor_close(cur);
	muster_read_end(s, txn);
	return rc;
}

int muster_log_vkey(muster_store *s, muster_buf *out)
{
	muster_vkey_format(out, s->origin, s->log_pk);
	return out->err;
}

int muster_log_checkpoint(muster_store *s, uint64_t size, muster_buf *out, uint64_t *got)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	uint8_t kb[LOG_KEY];
	if (size == 0)
		return MUSTER_ENOTFOUND;
	int rc = muster_read_begin(s, &txn);
	if (rc)
		return rc;
	if ((rc = muster_mdb_err(mdb_cursor_open(txn, s->dbi[DB_LOG], &cur))) != 0) {
		muster_read_end(s, txn);
		return rc;
	}
	MDB_val k = {LOG_KEY, kb}, v;
	if (size == UINT64_MAX) {
		/* The latest: the last record, normally; look back a little past anything else. */
		rc = muster_mdb_err(mdb_cursor_get(cur, &k, &v, MDB_LAST));
		for (int back = 0; rc == 0 && (k.mv_size != LOG_KEY || ((const uint8_t *)k.mv_data)[8] != LOG_CKPT); back++)
			rc = back < 8 ? muster_mdb_err(mdb_cursor_get(cur, &k, &v, MDB_PREV)) : MUSTER_ENOTFOUND;
	} else {
		log_key(kb, size - 1, LOG_CKPT);
		rc = muster_mdb_err(mdb_cursor_get(cur, &k, &v, MDB_SET_KEY));
	}
	if (rc == 0) {
		if (got)
			*got = be64_get(k.mv_data) + 1;
		muster_buf_put(out, v.mv_data, v.mv_size);
		rc = out->err;
	}
	mdb_cursor_close(cur);
	muster_read_end(s, txn);
	return rc;
}

/* Runs a Merkle computation over the stored hashes for a tree of at most `size` leaves. */
static int with_hashes(muster_store *s, uint64_t need, int (*fn)(void *arg, muster_hash_reader, void *), void *arg)
{
	MDB_txn *txn;
	uint64_t size;
	int rc = muster_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = muster_log_size_txn(txn, s->dbi[DB_LOG], &size);
	if (rc == 0 && need > size)
		rc = MUSTER_ENOTFOUND;
	struct merkle_ctx mc = {txn, s->dbi[DB_LOG]};
	if (rc == 0)
		rc = fn(arg, muster_merkle_read, &mc);
	muster_read_end(s, txn);
	return rc;
}

struct proof_args {
	uint64_t a, b;
	uint8_t (*proof)[MUSTER_HASH_BYTES];
	size_t *count;
	uint8_t *root;
};

static int do_root(void *arg, muster_hash_reader rd, void *ctx)
{
	struct proof_args *p = arg;
	return muster_tree_hash(p->a, rd, ctx, p->root);
}

static int do_inclusion(void *arg, muster_hash_reader rd, void *ctx)
{
	struct proof_args *p = arg;
	return muster_prove_inclusion(p->b, p->a, rd, ctx, p->proof, p->count);
}

static int do_consistency(void *arg, muster_hash_reader rd, void *ctx)
{
	struct proof_args *p = arg;
	return muster_prove_consistency(p->a, p->b, rd, ctx, p->proof, p->count);
}

int muster_log_root(muster_store *s, uint64_t size, uint8_t root[MUSTER_HASH_BYTES])
{
	struct proof_args p = {size, 0, NULL, NULL, root};
	return with_hashes(s, size, do_root, &p);
}

struct tile_args {
	uint64_t first;
	int level;
	size_t w;
	uint8_t (*out)[MUSTER_HASH_BYTES];
};

static int do_tile(void *arg, muster_hash_reader rd, void *ctx)
{
	struct tile_args *t = arg;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < t->w; i++)
		rc = rd(ctx, t->level, t->first + i, t->out[i]);
	return rc;
}

int muster_log_tile(muster_store *s, uint64_t size, int level, uint64_t n, uint8_t out[][MUSTER_HASH_BYTES], size_t *w)
{
	if (level < 0 || level > 7)
		return MUSTER_EINVAL;
	uint64_t complete = size >> (8 * level); /* complete subtrees at level 8*level */
	if (n >= complete / MUSTER_TILE_WIDTH + (complete % MUSTER_TILE_WIDTH != 0))
		return MUSTER_ENOTFOUND;
	uint64_t left = complete - n * MUSTER_TILE_WIDTH;
	struct tile_args t = {n * MUSTER_TILE_WIDTH, 8 * level, left < MUSTER_TILE_WIDTH ? (size_t)left : MUSTER_TILE_WIDTH, out};
	int rc = with_hashes(s, size, do_tile, &t);
	if (rc == 0)
		*w = t.w;
	return rc;
}

int muster_log_prove_inclusion(muster_store *s, uint64_t index, uint64_t size, uint8_t proof[][MUSTER_HASH_BYTES],
	size_t *count)
{
	if (index >= size)
		return MUSTER_EINVAL;
	struct proof_args p = {index, size, proof, count, NULL};
	return with_hashes(s, size, do_inclusion, &p);
}

int muster_log_prove_consistency(muster_store *s, uint64_t old_size, uint64_t new_size,
	uint8_t proof[][MUSTER_HASH_BYTES], size_t *count)
{
	if (old_size == 0 || old_size > new_size)
		return MUSTER_EINVAL;
	struct proof_args p = {old_size, new_size, proof, count, NULL};
	return with_hashes(s, new_size, do_consistency, &p);
}

/*
 * Drops every projection in txn and replays the log into it, counting the
 * entries in *entries; *full is set when the map filled.  A refused entry's
 * reason is left in s->why.
 */
static int rebuild(muster_store *s, MDB_txn *txn, uint64_t *entries, int *full)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc = 0;
	*entries = 0;
	for (int db = 0; rc == 0 && db < DB_COUNT; db++)
		if (db != DB_LOG) /* every projection */
			rc = muster_mdb_err(mdb_drop(txn, s->dbi[db], 0));
	if (rc == 0)
		rc = muster_mdb_err(mdb_cursor_open(txn, s->dbi[DB_LOG], &cur));
	int mrc = rc ? MDB_NOTFOUND : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	struct lmdb_keytab kctx;
	struct keytab kt;
	muster_keytab_lmdb(&kt, &kctx, txn, s->dbi[DB_KEYS]);
	for (; rc == 0 && mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		muster_entry e;
		if (k.mv_size == LOG_KEY && ((const uint8_t *)k.mv_data)[8] != LOG_ENTRY)
			continue; /* Merkle hashes and checkpoints */
		rc = muster_entry_decode(v.mv_data, v.mv_size, &e);
		if (rc == 0 && (k.mv_size != LOG_KEY || be64_get(k.mv_data) != e.index))
			rc = MUSTER_ECORRUPT;
		if (rc == 0)
			rc = muster_keys_authorize(&kt, &e, s->why, sizeof s->why);
		if (rc == 0)
			rc = muster_project(txn, s->dbi, &e, s->why, sizeof s->why);
		if (rc && rc != MUSTER_ENOMEM && rc != MUSTER_ESTORE && rc != MUSTER_EIO && rc != MUSTER_EMAPFULL)
			rc = MUSTER_EVERIFY;
		if (rc == 0)
			(*entries)++;
	}
	muster_buf_free(&kctx.buf);
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = muster_mdb_err(mrc);
	if (cur)
		mdb_cursor_close(cur);
	*full = rc == MUSTER_EMAPFULL || kctx.map_full;
	return rc;
}

/* The map filled: double it (no transaction of this process may be open). */
static int grow(muster_store *s)
{
	MDB_envinfo info;
	int rc = muster_mdb_err(mdb_env_info(s->env, &info));
	return rc ? rc : muster_map_resize(s, info.me_mapsize * 2);
}

int muster_reindex(muster_store *s)
{
	s->why[0] = 0;
	for (int tries = 0;; tries++) {
		MDB_txn *txn;
		uint64_t entries;
		int full, rc = muster_mdb_err(mdb_txn_begin(s->env, NULL, 0, &txn));
		if (rc)
			return rc;
		rc = rebuild(s, txn, &entries, &full);
		if (rc == 0) {
			rc = muster_mdb_err(mdb_txn_commit(txn));
			full = rc == MUSTER_EMAPFULL;
		} else {
			mdb_txn_abort(txn);
		}
		if (!full || tries >= 40)
			return rc;
		if ((rc = grow(s)) != 0)
			return rc;
	}
}

/* LMDB's default key order: bytes, then the shorter first. */
static int key_cmp(const MDB_val *a, const MDB_val *b)
{
	size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	int c = n ? memcmp(a->mv_data, b->mv_data, n) : 0;
	return c ? c : (a->mv_size > b->mv_size) - (a->mv_size < b->mv_size);
}

/*
 * The first record in which database db differs between stored and built; 1
 * if one does.  MDB_NEXT visits every (key, duplicate) pair of a DUPSORT
 * database (history) in order, so a duplicate changed, added or missing is
 * found as a value changed or a record extra or missing under its key.
 */
static int db_diff(MDB_txn *stored, MDB_txn *built, MDB_dbi dbi, muster_reindex_diff *d, int *err)
{
	MDB_cursor *a = NULL, *b = NULL;
	MDB_val ka, va, kb, vb;
	int found = 0;
	*err = muster_mdb_err(mdb_cursor_open(stored, dbi, &a));
	if (*err == 0)
		*err = muster_mdb_err(mdb_cursor_open(built, dbi, &b));
	int ra = *err ? MDB_NOTFOUND : mdb_cursor_get(a, &ka, &va, MDB_FIRST);
	int rb = *err ? MDB_NOTFOUND : mdb_cursor_get(b, &kb, &vb, MDB_FIRST);
	while ((ra == 0 || rb == 0) && (ra == 0 || ra == MDB_NOTFOUND) && (rb == 0 || rb == MDB_NOTFOUND)) {
		int c = ra ? 1 : rb ? -1 : key_cmp(&ka, &kb);
		const MDB_val *k = c > 0 ? &kb : &ka;
		if (c < 0)
			d->what = MUSTER_DIFF_EXTRA;
		else if (c > 0)
			d->what = MUSTER_DIFF_MISSING;
		else if (va.mv_size != vb.mv_size || memcmp(va.mv_data, vb.mv_data, va.mv_size) != 0)
			d->what = MUSTER_DIFF_CHANGED;
		else
			d->what = 0;
		if (d->what) {
			found = 1;
			d->key_len = k->mv_size < sizeof d->key ? k->mv_size : sizeof d->key;
			memcpy(d->key, k->mv_data, d->key_len);
			break;
		}
		ra = mdb_cursor_get(a, &ka, &va, MDB_NEXT);
		rb = mdb_cursor_get(b, &kb, &vb, MDB_NEXT);
	}
	if (*err == 0 && !found && (ra != MDB_NOTFOUND || rb != MDB_NOTFOUND))
		*err = muster_mdb_err(ra != MDB_NOTFOUND ? ra : rb);
	if (a)
		mdb_cursor_close(a);
	if (b)
		mdb_cursor_close(b);
	return found;
}

int muster_reindex_check(muster_store *s, muster_reindex_diff *diff)
{
	muster_reindex_diff d;
	s->why[0] = 0;
	for (int tries = 0;; tries++) {
		MDB_txn *txn, *stored = NULL;
		int full = 0, rc = mdb_txn_begin(s->env, NULL, 0, &txn);
		if (rc == MDB_MAP_RESIZED) { /* another process grew the map */
			muster_map_resize(s, 0);
			rc = mdb_txn_begin(s->env, NULL, 0, &txn);
		}
		if ((rc = muster_mdb_err(rc)) != 0)
			return rc;
		/* Begun while this process holds the writer's lock: the stored state cannot move under it. */
		rc = muster_mdb_err(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &stored));
		memset(&d, 0, sizeof d);
		if (rc == 0)
			rc = rebuild(s, txn, &d.entries, &full);
		for (int db = 0; rc == 0 && db < DB_COUNT; db++)
			if (db != DB_LOG && db_diff(stored, txn, s->dbi[db], &d, &rc)) {
				d.db = muster_db_names[db];
				rc = MUSTER_EVERIFY;
			}
		/* Never committed: the rebuilt projections go, the store is as it was. */
		mdb_txn_abort(txn);
		if (stored)
			mdb_txn_abort(stored);
		if (!full || tries >= 40) {
			if (rc == 0 || rc == MUSTER_EVERIFY)
				*diff = d;
			return rc;
		}
		if ((rc = grow(s)) != 0)
			return rc;
	}
}
