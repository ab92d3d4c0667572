/*
 * verify.c - re-deriving everything from the raw log.
 *
 * One thread walks the log in order: canonical decoding, the index and
 * previous-root chain, key state and roles at each index, and every stored
 * Merkle hash against hashes recomputed from the entries alone.  Meanwhile
 * worker threads check the Ed25519 signatures of entries and checkpoints,
 * which need nothing but the entry or note itself.  The report names the
 * lowest failing entry.
 */
#include "internal.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#define CHUNK 1024

/* An in-memory key table rebuilt from the log (open addressing on the key id). */
struct memkeys {
	struct slot {
		int used;
		uint8_t id[MUSTER_KEYID_BYTES];
		struct keyrec rec;
	} *slots;
	size_t cap, count;
};

static size_t mk_find(const struct memkeys *m, const uint8_t id[MUSTER_KEYID_BYTES])
{
	size_t h = 0;
	memcpy(&h, id, sizeof h < MUSTER_KEYID_BYTES ? sizeof h : MUSTER_KEYID_BYTES);
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (!m->slots[i].used || memcmp(m->slots[i].id, id, MUSTER_KEYID_BYTES) == 0)
			return i;
}

static int mk_get(void *ctx, const uint8_t id[MUSTER_KEYID_BYTES], struct keyrec *out)
{
	struct memkeys *m = ctx;
	size_t i = mk_find(m, id);
	if (!m->slots[i].used)
		return MUSTER_ENOTFOUND;
	*out = m->slots[i].rec;
	return 0;
}

static int mk_put(void *ctx, const uint8_t id[MUSTER_KEYID_BYTES], const struct keyrec *rec)
{
	struct memkeys *m = ctx;
	if (2 * (m->count + 1) > m->cap) {
		struct memkeys n = {calloc(m->cap * 2, sizeof *n.slots), m->cap * 2, 0};
		if (!n.slots)
			return MUSTER_ENOMEM;
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].used) {
				n.slots[mk_find(&n, m->slots[i].id)] = m->slots[i];
				n.count++;
			}
		free(m->slots);
		*m = n;
	}
	size_t i = mk_find(m, id);
	if (!m->slots[i].used) {
		m->slots[i].used = 1;
		memcpy(m->slots[i].id, id, MUSTER_KEYID_BYTES);
		m->count++;
	}
	m->slots[i].rec = *rec;
	return 0;
}

static int mk_admins(void *ctx, uint64_t *n)
{
	struct memkeys *m = ctx;
	*n = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].used && (m->slots[i].rec.roles & MUSTER_ROLE_ADMIN) &&
			m->slots[i].rec.revoked_at == MUSTER_NOT_REVOKED)
			(*n)++;
	return 0;
}

/* A failure: the lowest index wins. */
struct failure {
	uint64_t index;
	char reason[256];
};

static void fail(struct failure *f, uint64_t index, const char *fmt, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 3, 4)))
#endif
	;

#include <stdarg.h>
static void fail(struct failure *f, uint64_t index, const char *fmt, ...)
{
	if (index >= f->index)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof f->reason, fmt, ap);
	va_end(ap);
	f->index = index;
}

struct shared {
	muster_store *s;
	uint64_t size;      /* entries to check */
	uint64_t nckpt;     /* checkpoints to check */
	uint8_t (*ck_root)[MUSTER_HASH_BYTES]; /* root each checkpoint claims, from the workers */
	uint64_t *ck_size;
	unsigned workers;
	muster_verifier log_key; /* from the genesis entry, not from meta */
	_Atomic uint64_t stop_at; /* nobody needs to look past the lowest failure found */
	_Atomic uint64_t next_chunk; /* the next CHUNK of entries a worker takes */
	int err;                  /* a storage error in a worker */
	pthread_mutex_t lock;
};

struct worker {
	struct shared *sh;
	unsigned id;
	struct failure f;
	uint64_t checked;
	pthread_t th;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	muster_store *s = sh->s;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t kb[8];
	int rc = muster_read_begin(s, &txn);
	if (rc == 0 && (rc = muster_mdb_err(mdb_cursor_open(txn, s->dbi[DB_LOG], &cur))) != 0)
		mdb_txn_abort(txn);
	if (rc) {
		pthread_mutex_lock(&sh->lock);
		sh->err = rc;
		pthread_mutex_unlock(&sh->lock);
		return NULL;
	}
	/* Chunks come from a shared counter, so a worker that shares its core with the walker does less. */
	for (;;) {
		uint64_t chunk = atomic_fetch_add(&sh->next_chunk, 1);
		if (chunk >= (sh->size + CHUNK - 1) / CHUNK)
			break;
		uint64_t lo = chunk * CHUNK, hi = lo + CHUNK < sh->size ? lo + CHUNK : sh->size;
		if (lo > atomic_load(&sh->stop_at))
			break;
		be64_put(kb, lo);
		k.mv_size = 8, k.mv_data = kb;
		int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (k.mv_size != 8)
				break; /* the walker reports it */
			uint64_t i = be64_get(k.mv_data);
			if (i >= hi)
				break;
			muster_entry e;
			if (muster_entry_decode(v.mv_data, v.mv_size, &e) != 0)
				continue; /* the walker reports it */
			w->checked++;
			if (muster_entry_verify(v.mv_data, v.mv_size, &e) != 0) {
				char id[MUSTER_KEYID_HEX];
				muster_key_id_hex(e.signer, id);
				fail(&w->f, i, "signature by key %s does not verify", id);
				uint64_t cur_stop = atomic_load(&sh->stop_at);
				while (i < cur_stop && !atomic_compare_exchange_weak(&sh->stop_at, &cur_stop, i))
					;
				break;
			}
		}
		if (w->f.index != UINT64_MAX)
			break; /* later entries cannot fail first */
	}
	/* Checkpoints: signature, shape, and the root they claim (compared by the walker). */
	{
		const muster_verifier ver = sh->log_key;
		MDB_cursor *cc;
		if (mdb_cursor_open(txn, s->dbi[DB_CKPT], &cc) != 0)
			goto done;
		uint64_t j = 0;
		int mrc = mdb_cursor_get(cc, &k, &v, MDB_FIRST);
		for (; mrc == 0 && j < sh->nckpt; mrc = mdb_cursor_get(cc, &k, &v, MDB_NEXT), j++) {
			if (j % sh->workers != w->id)
				continue;
			uint64_t size = k.mv_size == 8 ? be64_get(k.mv_data) : 0;
			uint64_t at = size == 0 ? 0 : size <= sh->size ? size - 1 : sh->size - 1;
			if (at > atomic_load(&sh->stop_at))
				break; /* a lower failure is already known */
			size_t tlen, nver;
			muster_checkpoint cp;
			if (size == 0) {
				fail(&w->f, 0, "checkpoint with a malformed key");
			} else if (muster_note_open(v.mv_data, v.mv_size, &ver, 1, &tlen, &nver) != 0) {
				fail(&w->f, at, "checkpoint for size %" PRIu64 " is not signed by the site log key", size);
			} else if (muster_checkpoint_parse(v.mv_data, tlen, &cp) != 0 || cp.size != size ||
				strcmp(cp.origin, ver.name) != 0) {
				fail(&w->f, at, "checkpoint for size %" PRIu64 " is malformed or names another log", size);
			} else {
				memcpy(sh->ck_root[j], cp.root, MUSTER_HASH_BYTES);
				sh->ck_size[j] = size;
				continue;
			}
			sh->ck_size[j] = UINT64_MAX; /* reported already */
		}
		mdb_cursor_close(cc);
	}
done:
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return NULL;
}

/* The walker: everything that depends on order. */
static int walk(struct shared *sh, MDB_txn *txn, struct failure *f, uint8_t (*roots)[MUSTER_HASH_BYTES],
	uint64_t *ck_sizes)
{
	muster_store *s = sh->s;
	MDB_cursor *lc = NULL, *mc = NULL, *cc = NULL;
	MDB_val k, v, mk, mv, ck, cv;
	struct memkeys mem = {calloc(64, sizeof(struct slot)), 64, 0};
	struct keytab kt = {&mem, mk_get, mk_put, mk_admins};
	muster_range *range = malloc(sizeof *range);
	char why[256];
	int rc = mem.slots && range ? 0 : MUSTER_ENOMEM;
	if (rc == 0)
		rc = muster_mdb_err(mdb_cursor_open(txn, s->dbi[DB_LOG], &lc));
	if (rc == 0)
		rc = muster_mdb_err(mdb_cursor_open(txn, s->dbi[DB_MERKLE], &mc));
	if (rc == 0)
		rc = muster_mdb_err(mdb_cursor_open(txn, s->dbi[DB_CKPT], &cc));
	if (rc)
		goto out;
	muster_range_init(range);
	uint8_t root[MUSTER_HASH_BYTES]; /* of the entries walked so far */
	muster_empty_root(root);
	int mrc = mdb_cursor_get(lc, &k, &v, MDB_FIRST);
	int hrc = mdb_cursor_get(mc, &mk, &mv, MDB_FIRST);
	int crc = mdb_cursor_get(cc, &ck, &cv, MDB_FIRST);
	uint64_t stored = 0, j = 0;
	for (uint64_t i = 0; i < sh->size; i++) {
		if (i > atomic_load(&sh->stop_at))
			goto out;
		if (mrc != 0 || k.mv_size != 8 || be64_get(k.mv_data) != i) {
			fail(f, i, "missing from the log, or stored under a malformed key");
			goto out;
		}
		muster_entry e;
		rc = muster_entry_decode(v.mv_data, v.mv_size, &e);
		if (rc) {
			fail(f, i, "not a canonical entry encoding (%s)", muster_strerror(rc));
			rc = 0;
			goto out;
		}
		if (e.index != i) {
			fail(f, i, "claims to be entry %" PRIu64, e.index);
			goto out;
		}
		if (sodium_memcmp(root, e.prev_root, MUSTER_HASH_BYTES) != 0) {
			fail(f, i, "previous root does not match the log before it");
			goto out;
		}
		if (muster_event_body_check(e.type, e.body, e.body_len) != 0) {
			fail(f, i, "malformed %s body", muster_event_name(e.type) ? muster_event_name(e.type) : "unknown event");
			goto out;
		}
		why[0] = 0;
		rc = muster_keys_authorize(&kt, &e, why, sizeof why);
		if (rc == 0)
			rc = muster_keys_apply(&kt, &e, why, sizeof why);
		if (rc == MUSTER_ENOMEM)
			goto out;
		if (rc) {
			fail(f, i, "%s", why[0] ? why : muster_strerror(rc));
			rc = 0;
			goto out;
		}
		uint8_t leaf[MUSTER_HASH_BYTES], hashes[64][MUSTER_HASH_BYTES];
		muster_leaf_hash(v.mv_data, v.mv_size, leaf);
		size_t n = muster_range_append(range, leaf, hashes);
		for (size_t h = 0; h < n; h++, stored++) {
			if (hrc != 0 || mk.mv_size != 8 || be64_get(mk.mv_data) != stored) {
				fail(f, i, "stored Merkle hash %" PRIu64 " is missing", stored);
				goto out;
			}
			if (mv.mv_size != MUSTER_HASH_BYTES || sodium_memcmp(mv.mv_data, hashes[h], MUSTER_HASH_BYTES) != 0) {
				fail(f, i, "stored Merkle hash %" PRIu64 " does not match the entries", stored);
				goto out;
			}
			hrc = mdb_cursor_get(mc, &mk, &mv, MDB_NEXT);
		}
		/* One fold a size: the next entry's prev_root and any checkpoint at this size. */
		muster_range_root(range, root);
		while (crc == 0 && j < sh->nckpt && ck.mv_size == 8 && be64_get(ck.mv_data) <= range->size) {
			ck_sizes[j] = be64_get(ck.mv_data);
			memcpy(roots[j], root, MUSTER_HASH_BYTES);
			j++;
			crc = mdb_cursor_get(cc, &ck, &cv, MDB_NEXT);
		}
		if (mrc == 0)
			mrc = mdb_cursor_get(lc, &k, &v, MDB_NEXT);
	}
	if (sh->size > 0 && hrc == 0)
		fail(f, sh->size - 1, "the store holds Merkle hashes past the end of the log");
	for (; j < sh->nckpt; j++)
		ck_sizes[j] = UINT64_MAX - 1; /* beyond the log: reported below */
out:
	if (lc)
		mdb_cursor_close(lc);
	if (mc)
		mdb_cursor_close(mc);
	if (cc)
		mdb_cursor_close(cc);
	free(mem.slots);
	free(range);
	if (f->index != UINT64_MAX) {
		uint64_t cur = atomic_load(&sh->stop_at);
		while (f->index < cur && !atomic_compare_exchange_weak(&sh->stop_at, &cur, f->index))
			;
	}
	return rc;
}

static int genesis_key(muster_store *s, MDB_txn *txn, muster_verifier *out)
{
	uint8_t kb[8];
	be64_put(kb, 0);
	MDB_val k = {8, kb}, v;
	muster_entry e;
	muster_ev_site_init g;
	int rc = muster_mdb_err(mdb_get(txn, s->dbi[DB_LOG], &k, &v));
	if (rc == 0)
		rc = muster_entry_decode(v.mv_data, v.mv_size, &e);
	if (rc == 0 && e.type != MUSTER_EV_SITE_INIT)
		rc = MUSTER_ECORRUPT;
	if (rc == 0)
		rc = muster_ev_site_init_decode(e.body, e.body_len, &g);
	if (rc)
		return rc;
	memset(out, 0, sizeof *out);
	memcpy(out->name, g.origin.p, g.origin.n);
	memcpy(out->pk, g.log_pk, MUSTER_PK_BYTES);
	out->hash = muster_note_key_hash(out->name, out->pk);
	return 0;
}

int muster_log_verify(muster_store *s, unsigned threads, muster_verify_report *rep)
{
	MDB_txn *txn;
	MDB_stat st;
	struct shared sh;
	struct failure f = {UINT64_MAX, ""};
	memset(rep, 0, sizeof *rep);
	memset(&sh, 0, sizeof sh);
	sh.s = s;
	atomic_init(&sh.stop_at, UINT64_MAX);
	atomic_init(&sh.next_chunk, 0);
	int rc = muster_read_begin(s, &txn);
	if (rc)
		return rc;
	/*
	 * How many entries to walk: the last key says one thing, the record count
	 * another when keys are missing or malformed; walk the larger, and the
	 * walker names the first entry that is not where it should be.
	 */
	MDB_stat lst;
	rc = muster_mdb_err(mdb_stat(txn, s->dbi[DB_LOG], &lst));
	if (rc == 0) {
		sh.size = lst.ms_entries;
		uint64_t last;
		if (muster_log_size_txn(txn, s->dbi[DB_LOG], &last) == 0 && last > sh.size)
			sh.size = last;
		rc = muster_mdb_err(mdb_stat(txn, s->dbi[DB_CKPT], &st));
	}
	if (rc) {
		mdb_txn_abort(txn);
		return rc;
	}
	sh.nckpt = st.ms_entries;
	/* Checkpoints are judged by the log key the genesis entry names; meta is only a projection. */
	if (genesis_key(s, txn, &sh.log_key) != 0)
		fail(&f, 0, "the genesis entry does not name the site's log key");
	else if (strcmp(sh.log_key.name, s->origin) != 0 || sodium_memcmp(sh.log_key.pk, s->log_pk, MUSTER_PK_BYTES) != 0)
		fail(&f, 0, "the meta projection's origin or log key differs from the genesis entry (run 'muster reindex')");
	if (f.index == 0)
		atomic_store(&sh.stop_at, 0);
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	if (threads > 64)
		threads = 64;
	sh.workers = threads;
	sh.ck_root = calloc(sh.nckpt + 1, MUSTER_HASH_BYTES);
	sh.ck_size = calloc(sh.nckpt + 1, sizeof *sh.ck_size);
	uint8_t (*roots)[MUSTER_HASH_BYTES] = calloc(sh.nckpt + 1, MUSTER_HASH_BYTES);
	uint64_t *sizes = calloc(sh.nckpt + 1, sizeof *sizes);
	struct worker *w = calloc(threads, sizeof *w);
	if (!sh.ck_root || !sh.ck_size || !roots || !sizes || !w) {
		rc = MUSTER_ENOMEM;
		goto out;
	}
	pthread_mutex_init(&sh.lock, NULL);
	unsigned started = 0;
	for (; started < threads; started++) {
		w[started].sh = &sh;
		w[started].id = started;
		w[started].f.index = UINT64_MAX;
		if (pthread_create(&w[started].th, NULL, work, &w[started]) != 0)
			break;
	}
	if (started < threads) /* every stripe needs its worker: give up */
		atomic_store(&sh.stop_at, 0);
	rc = started < threads ? MUSTER_ENOMEM : walk(&sh, txn, &f, roots, sizes);
	for (unsigned i = 0; i < started; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].f.index < f.index)
			f = w[i].f;
	}
	pthread_mutex_destroy(&sh.lock);
	if (rc == 0)
		rc = sh.err;
	if (rc)
		goto out;
	for (uint64_t j = 0; j < sh.nckpt; j++) {
		if (sh.ck_size[j] == UINT64_MAX || sh.ck_size[j] == 0 || sizes[j] == 0)
			continue; /* a worker reported it or stopped before it, or the walker stopped before it */
		if (sizes[j] == UINT64_MAX - 1 || sizes[j] > sh.size) {
			fail(&f, sh.size ? sh.size - 1 : 0, "a checkpoint claims a size past the end of the log");
			break;
		}
		if (sizes[j] != sh.ck_size[j] || sodium_memcmp(roots[j], sh.ck_root[j], MUSTER_HASH_BYTES) != 0) {
			fail(&f, sizes[j] - 1, "checkpoint for size %" PRIu64 " signs a root the entries do not give",
				sizes[j]);
			break;
		}
	}
	/* Every write ends with a checkpoint: the latest must cover the whole log. */
	if (sh.size > 0 && (sh.nckpt == 0 || sizes[sh.nckpt - 1] != sh.size) && f.index == UINT64_MAX)
		fail(&f, sh.size - 1, "no signed checkpoint covers the log's last entries");
	rep->entries = sh.size;
	rep->checkpoints = sh.nckpt;
	if (f.index != UINT64_MAX) {
		rep->bad_index = f.index;
		snprintf(rep->reason, sizeof rep->reason, "%s", f.reason);
		rc = MUSTER_EVERIFY;
	}
out:
	mdb_txn_abort(txn);
	free(sh.ck_root);
	free(sh.ck_size);
	free(roots);
	free(sizes);
	free(w);
	return rc;
}
