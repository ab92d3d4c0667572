/*
 * verify.c - re-deriving everything from the raw log.
 *
 * One thread walks the log in order: canonical decoding, the index and
 * previous-root chain, key state and roles at each index, every stored
 * Merkle hash against hashes recomputed from the entries alone, and the root
 * each checkpoint claims.  Meanwhile worker threads check the Ed25519
 * signatures of entries and checkpoints, which need nothing but the record
 * itself.  The report names the lowest failing entry.  Progress, when asked
 * for, is told from the walking thread: the entries both sides are done with.
 */
#include "internal.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
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
	uint64_t size;            /* entries to check */
	muster_verifier log_key;  /* from the genesis entry, not from meta */
	_Atomic uint64_t stop_at; /* nobody needs to look past the lowest failure found */
	_Atomic uint64_t next_chunk; /* the next CHUNK of indexes a worker takes */
	_Atomic uint64_t checked; /* entries in the chunks whose signatures all verified */
	int err;                  /* a storage error in a worker */
	unsigned finished;        /* workers that have returned; under lock, signalled on ended */
	pthread_mutex_t lock;
	pthread_cond_t ended;
};

/* The caller's progress callback, fed by the walking thread only. */
struct progress {
	muster_progress_fn fn;
	void *arg;
	uint64_t total, step; /* a call for each further step entries */
	uint64_t next;        /* the least done that earns the next call */
	uint64_t walked;      /* entries the walker is through with */
};

/* Entries both the walker and the workers are through with; fn hears of each further step. */
static void progress_tick(struct progress *p, struct shared *sh)
{
	if (!p->fn)
		return;
	uint64_t checked = atomic_load_explicit(&sh->checked, memory_order_relaxed);
	uint64_t done = p->walked < checked ? p->walked : checked;
	if (done < p->next || done >= p->total)
		return; /* done == total is said once, after the workers are joined */
	p->fn(done, p->total, p->arg);
	p->next = (done / p->step + 1) * p->step;
}

struct worker {
	struct shared *sh;
	struct failure f;
	pthread_t th;
};

static void lower_stop(struct shared *sh, uint64_t i)
{
	uint64_t cur = atomic_load(&sh->stop_at);
	while (i < cur && !atomic_compare_exchange_weak(&sh->stop_at, &cur, i))
		;
}

/* A worker: the signatures of entries and checkpoints, which need nothing but the record. */
static void check_signatures(struct worker *w)
{
	struct shared *sh = w->sh;
	muster_store *s = sh->s;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t kb[LOG_KEY];
	int rc = muster_read_begin(s, &txn);
	if (rc == 0 && (rc = muster_mdb_err(mdb_cursor_open(txn, s->dbi[DB_LOG], &cur))) != 0)
		muster_read_end(s, txn);
	if (rc) {
		pthread_mutex_lock(&sh->lock);
		sh->err = rc;
		pthread_mutex_unlock(&sh->lock);
		return;
	}
	/* Chunks come from a shared counter, so a worker that shares its core with the walker does less. */
	while (w->f.index == UINT64_MAX) {
		uint64_t chunk = atomic_fetch_add(&sh->next_chunk, 1);
		if (chunk >= sh->size / CHUNK + (sh->size % CHUNK != 0))
			break;
		uint64_t lo = chunk * CHUNK, hi = lo + CHUNK < sh->size ? lo + CHUNK : sh->size;
		if (lo > atomic_load(&sh->stop_at))
			break;
		log_key(kb, lo, LOG_ENTRY);
		k.mv_size = LOG_KEY, k.mv_data = kb;
		int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (mrc != 0)
			break; /* nothing at or past lo: no later chunk holds anything either */
		for (; mrc == 0 && w->f.index == UINT64_MAX; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (k.mv_size != LOG_KEY)
				continue; /* the walker reports it */
			uint64_t i = be64_get(k.mv_data);
			int kind = ((const uint8_t *)k.mv_data)[8];
			if (i >= hi)
				break;
			if (kind == LOG_ENTRY) {
				muster_entry e;
				if (muster_entry_decode(v.mv_data, v.mv_size, &e) != 0)
					continue; /* the walker reports it */
				if (muster_entry_verify(v.mv_data, v.mv_size, &e) != 0) {
					char id[MUSTER_KEYID_HEX];
					muster_key_id_hex(e.signer, id);
					fail(&w->f, i, "signature by key %s does not verify", id);
				}
			} else if (kind == LOG_CKPT) {
				size_t tlen, nver;
				if (muster_note_open(v.mv_data, v.mv_size, &sh->log_key, 1, &tlen, &nver) != 0)
					fail(&w->f, i, "checkpoint for size %" PRIu64 " is not signed by the site log key", i + 1);
			}
		}
		if (w->f.index != UINT64_MAX)
			lower_stop(sh, w->f.index); /* later records cannot fail first */
		else
			atomic_fetch_add_explicit(&sh->checked, hi - lo, memory_order_relaxed);
	}
	mdb_cursor_close(cur);
	muster_read_end(s, txn);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	check_signatures(w);
	pthread_mutex_lock(&w->sh->lock);
	w->sh->finished++;
	pthread_cond_signal(&w->sh->ended);
	pthread_mutex_unlock(&w->sh->lock);
	return NULL;
}

/* The text of a signed note, without checking its signatures (the workers do). */
static size_t note_text_len(const uint8_t *p, size_t n)
{
	for (size_t i = n; i >= 2; i--)
		if (p[i - 2] == '\n' && p[i - 1] == '\n')
			return i - 1;
	return 0;
}

static int kind_at(const MDB_val *k, uint64_t i, int kind)
{
	return k->mv_size == LOG_KEY && be64_get(k->mv_data) == i && ((const uint8_t *)k->mv_data)[8] == kind;
}

/* The walker: everything that depends on order. */
static int walk(struct shared *sh, MDB_txn *txn, struct failure *f, uint64_t *nckpt, struct progress *p)
{
	muster_store *s = sh->s;
	MDB_cursor *lc = NULL;
	MDB_val k, v;
	struct memkeys mem = {calloc(64, sizeof(struct slot)), 64, 0};
	struct keytab kt = {&mem, mk_get, mk_put, mk_admins};
	muster_range *range = malloc(sizeof *range);
	char why[256];
	uint64_t covered = 0; /* size of the last checkpoint seen */
	int rc = mem.slots && range ? 0 : MUSTER_ENOMEM;
	if (rc == 0)
		rc = muster_mdb_err(mdb_cursor_open(txn, s->dbi[DB_LOG], &lc));
	if (rc)
		goto out;
	muster_range_init(range);
	uint8_t root[MUSTER_HASH_BYTES]; /* of the entries walked so far */
	muster_empty_root(root);
	int mrc = mdb_cursor_get(lc, &k, &v, MDB_FIRST);
	for (uint64_t i = 0; i < sh->size; i++) {
		if (i > atomic_load(&sh->stop_at))
			goto out;
		if (mrc != 0 || !kind_at(&k, i, LOG_ENTRY)) {
			fail(f, i, "missing from the log, or a record out of place");
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
		mrc = mdb_cursor_get(lc, &k, &v, MDB_NEXT);
		if (mrc != 0 || !kind_at(&k, i, LOG_HASHES)) {
			fail(f, i, "its stored Merkle hashes are missing");
			goto out;
		}
		if (v.mv_size != n * MUSTER_HASH_BYTES || sodium_memcmp(v.mv_data, hashes, n * MUSTER_HASH_BYTES) != 0) {
			fail(f, i, "its stored Merkle hashes do not match the entries");
			goto out;
		}
		/* One fold a size: the next entry's prev_root and the checkpoint at this size. */
		muster_range_root(range, root);
		mrc = mdb_cursor_get(lc, &k, &v, MDB_NEXT);
		if (mrc == 0 && kind_at(&k, i, LOG_CKPT)) {
			muster_checkpoint cp;
			size_t tl = note_text_len(v.mv_data, v.mv_size);
			if (tl == 0 || muster_checkpoint_parse(v.mv_data, tl, &cp) != 0 || cp.size != i + 1 ||
				strcmp(cp.origin, sh->log_key.name) != 0) {
				fail(f, i, "checkpoint for size %" PRIu64 " is malformed or names another log", i + 1);
				goto out;
			}
			if (sodium_memcmp(cp.root, root, MUSTER_HASH_BYTES) != 0) {
				fail(f, i, "checkpoint for size %" PRIu64 " signs a root the entries do not give", i + 1);
				goto out;
			}
			(*nckpt)++;
			covered = i + 1;
			mrc = mdb_cursor_get(lc, &k, &v, MDB_NEXT);
		}
		/* Anything else filed under this index (an unknown kind, a malformed key) is out of place. */
		if (mrc == 0 && k.mv_size >= 8 && be64_get(k.mv_data) == i) {
			fail(f, i, "an unknown record is filed under it");
			goto out;
		}
		p->walked = i + 1;
		progress_tick(p, sh);
	}
	if (mrc == 0)
		fail(f, sh->size ? sh->size - 1 : 0, "the log holds records past its last entry");
	else if (sh->size > 0 && covered != sh->size)
		/* Every write ends with a checkpoint: the latest must cover the whole log. */
		fail(f, sh->size - 1, "no signed checkpoint covers the log's last entries");
out:
	if (lc)
		mdb_cursor_close(lc);
	free(mem.slots);
	free(range);
	if (f->index != UINT64_MAX)
		lower_stop(sh, f->index);
	return rc;
}

/* The site log key the genesis entry names, and its tag key (tag_pk may be NULL). */
static int genesis_key(muster_store *s, MDB_txn *txn, muster_verifier *out, uint8_t *tag_pk)
{
	uint8_t kb[LOG_KEY];
	log_key(kb, 0, LOG_ENTRY);
	MDB_val k = {LOG_KEY, kb}, v;
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
	if (tag_pk)
		memcpy(tag_pk, g.tag_pk, MUSTER_PK_BYTES);
	return 0;
}

/* 1 if meta's tag key is the genesis entry's: labels are checked against meta's. */
static int meta_tag_pk_is(muster_store *s, MDB_txn *txn, const uint8_t pk[MUSTER_PK_BYTES])
{
	MDB_val k = {6, "tag_pk"}, v;
	return mdb_get(txn, s->dbi[DB_META], &k, &v) == 0 && v.mv_size == MUSTER_PK_BYTES &&
	       sodium_memcmp(v.mv_data, pk, MUSTER_PK_BYTES) == 0;
}

/* Entries to walk: one past the index of the last well-formed record. */
static int walk_size(MDB_txn *txn, MDB_dbi dbi, uint64_t *size)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, dbi, &c);
	if (rc)
		return muster_mdb_err(rc);
	*size = 0;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_LAST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_PREV))
		if (k.mv_size == LOG_KEY) {
			/* A record at index 2^64-1 would wrap to 0 and skip the walk: the first gap is found instead. */
			uint64_t last = be64_get(k.mv_data);
			*size = last == UINT64_MAX ? UINT64_MAX : last + 1;
			break;
		}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : muster_mdb_err(rc);
}

/* The walker is through; until the workers are too, fn still hears how far they have got. */
static void wait_workers(struct shared *sh, unsigned started, struct progress *p)
{
	pthread_mutex_lock(&sh->lock);
	while (sh->finished < started) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 50 * 1000000L;
		if (t.tv_nsec >= 1000000000L)
			t.tv_sec++, t.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&sh->ended, &sh->lock, &t);
		pthread_mutex_unlock(&sh->lock); /* fn is never called with the lock held */
		progress_tick(p, sh);
		pthread_mutex_lock(&sh->lock);
	}
	pthread_mutex_unlock(&sh->lock);
}

int muster_log_verify(muster_store *s, unsigned threads, muster_verify_report *rep)
{
	return muster_log_verify_progress(s, threads, rep, NULL, NULL);
}

int muster_log_verify_progress(muster_store *s, unsigned threads, muster_verify_report *rep, muster_progress_fn fn,
	void *arg)
{
	MDB_txn *txn;
	struct shared sh;
	struct failure f = {UINT64_MAX, ""};
	uint64_t nckpt = 0;
	struct progress prog = {fn, arg, 0, 1, 1, 0};
	memset(rep, 0, sizeof *rep);
	memset(&sh, 0, sizeof sh);
	sh.s = s;
	atomic_init(&sh.stop_at, UINT64_MAX);
	atomic_init(&sh.next_chunk, 0);
	atomic_init(&sh.checked, 0);
	int rc = muster_read_begin(s, &txn);
	if (rc)
		return rc;
	if ((rc = walk_size(txn, s->dbi[DB_LOG], &sh.size)) != 0) {
		muster_read_end(s, txn);
		return rc;
	}
	/*
	 * Checkpoints are judged by the log key the genesis entry names; meta is
	 * only a projection, but what it says of the site's identity is what
	 * store opening and label checks trust, so it must agree.
	 */
	uint8_t tag_pk[MUSTER_PK_BYTES];
	if (genesis_key(s, txn, &sh.log_key, tag_pk) != 0)
		fail(&f, 0, "the genesis entry does not name the site's log key");
	else if (strcmp(sh.log_key.name, s->origin) != 0 || sodium_memcmp(sh.log_key.pk, s->log_pk, MUSTER_PK_BYTES) != 0 ||
		!meta_tag_pk_is(s, txn, tag_pk))
		fail(&f, 0, "the meta projection's origin, log key or tag key differs from the genesis entry (run 'muster reindex')");
	if (f.index == 0)
		atomic_store(&sh.stop_at, 0);
	/* At most 99 calls on the way (a hundredth apart), one at the start, one at the end. */
	prog.total = sh.size;
	prog.step = sh.size / 100 + (sh.size % 100 != 0);
	if (prog.step == 0)
		prog.step = 1;
	prog.next = prog.step;
	if (fn && sh.size > 0)
		fn(0, sh.size, arg);
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	if (threads > 64)
		threads = 64;
	struct worker *w = calloc(threads, sizeof *w);
	if (!w) {
		muster_read_end(s, txn);
		return MUSTER_ENOMEM;
	}
	pthread_mutex_init(&sh.lock, NULL);
	pthread_cond_init(&sh.ended, NULL);
	unsigned started = 0;
	for (; started < threads; started++) {
		w[started].sh = &sh;
		w[started].f.index = UINT64_MAX;
		if (pthread_create(&w[started].th, NULL, work, &w[started]) != 0)
			break;
	}
	/* Fewer workers than asked still cover every chunk: they share one counter. */
	rc = started == 0 ? MUSTER_ENOMEM : walk(&sh, txn, &f, &nckpt, &prog);
	if (fn && rc == 0)
		wait_workers(&sh, started, &prog);
	for (unsigned i = 0; i < started; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].f.index < f.index)
			f = w[i].f;
	}
	pthread_cond_destroy(&sh.ended);
	pthread_mutex_destroy(&sh.lock);
	free(w);
	muster_read_end(s, txn);
	if (rc == 0)
		rc = sh.err;
	if (rc)
		return rc;
	rep->entries = sh.size;
	rep->checkpoints = nckpt;
	if (f.index != UINT64_MAX) {
		rep->bad_index = f.index;
		snprintf(rep->reason, sizeof rep->reason, "%s", f.reason);
		return MUSTER_EVERIFY;
	}
	if (fn)
		fn(sh.size, sh.size, arg);
	return 0;
}

int muster_log_against(muster_store *s, const uint8_t *note, size_t len, muster_against *out)
{
	muster_checkpoint cp;
	size_t tl = len <= MUSTER_NOTE_MAX ? note_text_len(note, len) : 0;
	if (tl == 0 || muster_checkpoint_parse(note, tl, &cp) != 0)
		return MUSTER_EINVAL;
	MDB_txn *txn;
	int rc = muster_read_begin(s, &txn);
	if (rc)
		return rc;
	muster_verifier key;
	muster_against a = {cp.size, 0, MUSTER_AGAINST_OK};
	rc = genesis_key(s, txn, &key, NULL);
	if (rc == 0)
		rc = muster_log_size_txn(txn, s->dbi[DB_LOG], &a.have);
	if (rc == 0) {
		size_t tlen, nver;
		int orc = muster_note_open(note, len, &key, 1, &tlen, &nver); /* cosignature lines are skipped */
		if (orc == MUSTER_EINVAL)
			rc = MUSTER_EINVAL;
		else if (strcmp(cp.origin, key.name) != 0)
			a.verdict = MUSTER_AGAINST_OTHER_LOG;
		else if (orc != 0)
			a.verdict = MUSTER_AGAINST_UNSIGNED;
		else if (cp.size > a.have)
			a.verdict = MUSTER_AGAINST_SHORT;
		else {
			uint8_t root[MUSTER_HASH_BYTES];
			struct merkle_ctx mc = {txn, s->dbi[DB_LOG]};
			if (cp.size == 0)
				muster_empty_root(root);
			else
				rc = muster_tree_hash(cp.size, muster_merkle_read, &mc, root);
			if (rc == 0 && sodium_memcmp(root, cp.root, MUSTER_HASH_BYTES) != 0)
				a.verdict = MUSTER_AGAINST_FORKED;
		}
	}
	muster_read_end(s, txn);
	if (rc == 0)
		*out = a;
	return rc;
}
