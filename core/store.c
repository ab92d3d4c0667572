/*
 * store.c - the LMDB environment, the write transaction, appending signed
 * entries with their Merkle hashes and projections, and checkpoints.
 */
#define _GNU_SOURCE /* renameat2: RENAME_EXCHANGE, RENAME_NOREPLACE (muster_store_swap) */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

const char *const muster_db_names[DB_COUNT] = {"meta", "log", "keys", "journal", "team", "depot",
	"asset", "serial", "history", "rule", "inspect", "count", "scan", "person", "roster", "cert", "cert_kind", "exam",
	"health_rule", "deployment", "crew", "owed", "fund", "budget", "spend", "disposition",
	"fund_source", "spend_date"};

/*
 * DB_HIST holds each asset's indexes as the 8-byte duplicates of its id,
 * which LMDB packs side by side (MDB_DUPFIXED): about a quarter of the
 * pages of one key per entry (docs/STORE.md).  be64 values sort in index
 * order under LMDB's default duplicate order, memcmp.
 */
const unsigned muster_db_flags[DB_COUNT] = {
	[DB_HIST] = MDB_DUPSORT | MDB_DUPFIXED, [DB_SPDATE] = MDB_DUPSORT | MDB_DUPFIXED};

#define MAP_INITIAL ((size_t)64 << 20)
#define MAX_DBS 32

struct muster_wtxn {
	muster_store *s;
	MDB_txn *txn;
	muster_range range; /* right edge of the tree, for appends and the root */
	uint64_t start_size;
	int map_full;
	int failed; /* an append failed after touching the transaction: never commit */
	int sys_err; /* errno of the first MUSTER_EIO, which fn may outlive by much */
	MDB_txn *outer;     /* while a savepoint is open: the transaction it is nested in */
	muster_range saved; /* and the tree's edge when it was opened */
	muster_buf msg;
	char why[256];
};

int muster_mdb_err(int rc)
{
	switch (rc) {
	case 0: return 0;
	case MDB_NOTFOUND: return MUSTER_ENOTFOUND;
	case MDB_MAP_FULL: return MUSTER_EMAPFULL;
	case ENOMEM: return MUSTER_ENOMEM;
	case EACCES:
	case EPERM:
	case EIO:
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
	case EROFS:
	case ENOENT:
		errno = rc; /* MUSTER_EIO keeps errno (common.h): the caller can say why */
		return MUSTER_EIO;
	default: return MUSTER_ESTORE;
	}
}

uint64_t muster_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int muster_merkle_read(void *vctx, int level, uint64_t n, uint8_t out[MUSTER_HASH_BYTES])
{
	struct merkle_ctx *c = vctx;
	/* The subtree is completed, and its hash stored, by the append of its last leaf. */
	if (level < 0 || level > 62 || n >= (UINT64_MAX >> (level + 1)))
		return MUSTER_EINVAL;
	uint8_t kb[LOG_KEY];
	log_key(kb, ((n + 1) << level) - 1, LOG_HASHES);
	MDB_val k = {LOG_KEY, kb}, v;
	int rc = mdb_get(c->txn, c->dbi, &k, &v);
	if (rc)
		return muster_mdb_err(rc);
	if (v.mv_size % MUSTER_HASH_BYTES != 0 || v.mv_size < (size_t)(level + 1) * MUSTER_HASH_BYTES)
		return MUSTER_ECORRUPT;
	memcpy(out, (const uint8_t *)v.mv_data + (size_t)level * MUSTER_HASH_BYTES, MUSTER_HASH_BYTES);
	return 0;
}

/*
 * Every key is compared so at each level of a lookup: libc's memcmp,
 * called through the PLT for nine bytes, was half the time of a lookup
 * whose pages were in the CPU's caches (docs/BENCH.md).
 */
int muster_key_cmp(const MDB_val *a, const MDB_val *b)
{
	const uint8_t *p = a->mv_data, *q = b->mv_data;
	size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	for (; n >= 8; n -= 8, p += 8, q += 8) {
		uint64_t x = be64_get(p), y = be64_get(q);
		if (x != y)
			return x < y ? -1 : 1;
	}
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
}

int muster_dbs_open(MDB_txn *txn, MDB_dbi *dbi, int create)
{
	for (int i = 0; i < DB_COUNT; i++) {
		int rc = mdb_dbi_open(txn, muster_db_names[i], muster_db_flags[i] | (create ? MDB_CREATE : 0), &dbi[i]);
		if (rc == 0)
			rc = mdb_set_compare(txn, dbi[i], muster_key_cmp);
		if (rc)
			return muster_mdb_err(rc);
	}
	return 0;
}

int muster_hist_each(MDB_cursor *cur, const void *id, size_t n, int (*fn)(uint64_t index, void *arg), void *arg)
{
	MDB_val k = {n, (void *)id}, v;
	int rc = 0, mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size != 8)
			return MUSTER_ECORRUPT;
		if ((rc = fn(be64_get(v.mv_data), arg)) != 0)
			return rc;
	}
	return mrc == MDB_NOTFOUND ? 0 : muster_mdb_err(mrc);
}

char *muster_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int env_open(const char *dir, unsigned flags, MDB_env **out)
{
	MDB_env *env;
	int rc = mdb_env_create(&env);
	if (rc)
		return muster_mdb_err(rc);
	if ((rc = mdb_env_set_maxdbs(env, MAX_DBS)) || (rc = mdb_env_set_mapsize(env, MAP_INITIAL)) ||
		(rc = mdb_env_open(env, dir, MDB_NOTLS | flags, 0600))) {
		mdb_env_close(env);
		return muster_mdb_err(rc);
	}
	/*
	 * A process killed inside a read transaction (SIGKILL, or SIGPIPE in
	 * 'muster asset list | head') leaves its slot in the reader table for
	 * as long as any other process keeps the environment open, and 126
	 * such slots make every reader fail: free the slots of dead processes.
	 */
	mdb_reader_check(env, NULL);
	*out = env;
	return 0;
}

int muster_env_open(const char *dir, MDB_env **out)
{
	return env_open(dir, 0, out);
}

/* The number of entries: one past the last log key. */
int muster_log_size_txn(MDB_txn *txn, MDB_dbi dbi, uint64_t *size)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, dbi, &c);
	if (rc)
		return muster_mdb_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND) {
		*size = 0;
		return 0;
	}
	if (rc)
		return muster_mdb_err(rc);
	/* The last key's index 2^64-1 would make the size 0: no log holds that entry. */
	if (k.mv_size != LOG_KEY || be64_get(k.mv_data) == UINT64_MAX)
		return MUSTER_ECORRUPT;
	*size = be64_get(k.mv_data) + 1;
	return 0;
}

int muster_range_load(muster_range *r, uint64_t size, muster_hash_reader rd, void *ctx)
{
	muster_range_init(r);
	uint64_t start = 0;
	for (int level = 63; level >= 0; level--) {
		uint64_t bit = (uint64_t)1 << level;
		if (!(size & bit))
			continue;
		int rc = rd(ctx, level, start >> level, r->hash[level]);
		if (rc)
			return rc == MUSTER_ENOTFOUND ? MUSTER_ECORRUPT : rc;
		start += bit;
	}
	r->size = size;
	return 0;
}

/* Read transactions the calling thread holds: it must not wait for itself to remap. */
static _Thread_local unsigned reads_held;

/*
 * Waits at most this long for the other threads' transactions to end: a
 * thread may wait for one that waits for the map (log verify's main thread
 * joins its workers), and an error is better than waiting for ever.
 */
#define REMAP_WAIT_S 10

int muster_map_resize(muster_store *s, size_t size)
{
	if (reads_held)
		return MUSTER_ESTORE;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += REMAP_WAIT_S;
	if (pthread_rwlock_timedwrlock(&s->map_lock, &until) != 0)
		return MUSTER_ESTORE;
	int rc = mdb_env_set_mapsize(s->env, size);
	pthread_rwlock_unlock(&s->map_lock);
	return muster_mdb_err(rc);
}

/* An idle read transaction of s renewed, under map_lock: 0, or an LMDB error (none idle: MDB_NOTFOUND). */
static int read_renew(muster_store *s, MDB_txn **txn)
{
	for (int i = 0; i < READ_IDLE; i++) {
		MDB_txn *t = atomic_exchange(&s->idle[i], NULL);
		if (!t)
			continue;
		int rc = mdb_txn_renew(t);
		if (rc == 0)
			*txn = t;
		else
			mdb_txn_abort(t); /* its slot freed; MDB_MAP_RESIZED comes again from mdb_txn_begin */
		return rc;
	}
	return MDB_NOTFOUND;
}

int muster_read_begin(muster_store *s, MDB_txn **txn)
{
	for (int tries = 0;; tries++) {
		pthread_rwlock_rdlock(&s->map_lock);
		int rc = read_renew(s, txn);
		if (rc)
			rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
		if (rc == 0) {
			reads_held++;
			return 0;
		}
		pthread_rwlock_unlock(&s->map_lock);
		if (rc != MDB_MAP_RESIZED || tries == 8)
			return muster_mdb_err(rc);
		if ((rc = muster_map_resize(s, 0)) != 0) /* another process grew the map: adopt its size */
			return rc;
	}
}

void muster_read_end(muster_store *s, MDB_txn *txn)
{
	mdb_txn_reset(txn);
	int kept = 0;
	for (int i = 0; i < READ_IDLE && !kept; i++) {
		MDB_txn *none = NULL;
		kept = atomic_compare_exchange_strong(&s->idle[i], &none, txn);
	}
	if (!kept)
		mdb_txn_abort(txn);
	reads_held--;
	pthread_rwlock_unlock(&s->map_lock);
}

/* Marks w failed with rc, keeping errno if rc is MUSTER_EIO; returns rc. */
static int fail_with(muster_wtxn *w, int rc)
{
	if (rc == MUSTER_EIO && !w->sys_err)
		w->sys_err = errno;
	return w->failed = rc;
}

static int put(muster_wtxn *w, int db, const void *key, size_t klen, const void *val, size_t vlen, unsigned flags)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	int rc = mdb_put(w->txn, w->s->dbi[db], &k, &v, flags);
	if (rc == MDB_MAP_FULL)
		w->map_full = 1;
	if (rc == MDB_KEYEXIST)
		return MUSTER_EEXIST;
	return muster_mdb_err(rc);
}

/* Reads log.key beside the store and checks it is the key the store's checkpoints are signed with. */
static int read_log_key(const muster_store *s, muster_signer **out)
{
	char *p = muster_path_join(s->dir, "log.key");
	if (!p)
		return MUSTER_ENOMEM;
	int rc = muster_site_key_read(p, out);
	free(p);
	if (rc)
		return rc == MUSTER_ENOTFOUND ? MUSTER_EIO : rc;
	if (sodium_memcmp(muster_signer_pk(*out), s->log_pk, MUSTER_PK_BYTES) != 0) {
		muster_signer_free(*out);
		*out = NULL;
		return MUSTER_EVERIFY;
	}
	return 0;
}

static int load_log_key(muster_store *s)
{
	return s->log_key ? 0 : read_log_key(s, &s->log_key);
}

int muster_report_key(muster_store *s, muster_signer **out)
{
	static const char domain[] = "muster/report-key/v1";
	uint8_t seed[32];
	muster_signer *log;
	int rc = read_log_key(s, &log); /* not s->log_key: that one belongs to the writer */
	if (rc)
		return rc;
	/* libsodium's Ed25519 secret key is seed || public key. */
	crypto_generichash(seed, sizeof seed, (const uint8_t *)domain, sizeof domain - 1, muster_signer_sk(log), 32);
	muster_signer_free(log);
	rc = muster_signer_from_seed(seed, out);
	sodium_memzero(seed, sizeof seed);
	return rc;
}

int muster_append(muster_wtxn *w, const muster_signer *signer, uint64_t type, const uint8_t *body, size_t len,
	uint64_t *index)
{
	muster_entry e;
	int rc;

	w->why[0] = 0;
	if (muster_event_body_check(type, body, len) != 0)
		return MUSTER_EINVAL;
	e.version = MUSTER_ENTRY_VERSION;
	e.type = type;
	e.index = w->range.size;
	e.time_ms = muster_now_ms();
	muster_range_root(&w->range, e.prev_root);
	memcpy(e.signer, muster_signer_pk(signer), MUSTER_PK_BYTES);
	e.body = body;
	e.body_len = len;

	/* The signed message is the domain, a NUL, then the entry without its signature. */
	muster_buf *m = &w->msg;
	muster_buf_reset(m);
	muster_buf_put(m, MUSTER_EVENT_DOMAIN, sizeof MUSTER_EVENT_DOMAIN);
	muster_entry_encode_unsigned(m, &e);
	if (m->err)
		return m->err;
	if (m->len - sizeof MUSTER_EVENT_DOMAIN + MUSTER_SIG_BYTES > MUSTER_ENTRY_MAX)
		return MUSTER_ETOOBIG;

	/* From here on a failure has touched the transaction: muster_write will not commit it. */
	struct lmdb_keytab kctx;
	struct keytab kt;
	muster_keytab_lmdb(&kt, &kctx, w->txn, w->s->dbi[DB_KEYS]);
	rc = muster_keys_authorize(&kt, &e, w->why, sizeof w->why);
	if (rc == 0)
		rc = muster_project(w->txn, w->s->dbi, &e, w->why, sizeof w->why);
	muster_buf_free(&kctx.buf);
	if (rc) {
		if (kctx.map_full)
			w->map_full = 1;
		return fail_with(w, rc);
	}
	muster_signer_sign(signer, m->data, m->len, e.sig);
	muster_buf_put(m, e.sig, MUSTER_SIG_BYTES);
	if (m->err)
		return m->err;
	const uint8_t *entry = m->data + sizeof MUSTER_EVENT_DOMAIN;
	size_t entry_len = m->len - sizeof MUSTER_EVENT_DOMAIN;

	uint8_t kb[LOG_KEY];
	log_key(kb, e.index, LOG_ENTRY);
	if ((rc = put(w, DB_LOG, kb, LOG_KEY, entry, entry_len, MDB_APPEND)) != 0)
		return fail_with(w, rc);

	/* The leaf hash and the hash of every subtree this leaf completes, in one record. */
	uint8_t leaf[MUSTER_HASH_BYTES], hashes[64][MUSTER_HASH_BYTES];
	muster_leaf_hash(entry, entry_len, leaf);
	size_t n = muster_range_append(&w->range, leaf, hashes);
	log_key(kb, e.index, LOG_HASHES);
	if ((rc = put(w, DB_LOG, kb, LOG_KEY, hashes, n * MUSTER_HASH_BYTES, MDB_APPEND)) != 0)
		return fail_with(w, rc);
	if (index)
		*index = e.index;
	return 0;
}

int muster_savepoint(muster_wtxn *w)
{
	if (w->outer || w->failed)
		return MUSTER_EINVAL;
	MDB_txn *child;
	int rc = mdb_txn_begin(w->s->env, w->txn, 0, &child);
	if (rc == MDB_MAP_FULL)
		w->map_full = 1;
	if (rc)
		return fail_with(w, muster_mdb_err(rc));
	w->outer = w->txn;
	w->txn = child;
	w->saved = w->range;
	return 0;
}

int muster_savepoint_release(muster_wtxn *w)
{
	if (!w->outer)
		return MUSTER_EINVAL;
	if (w->failed) {
		muster_savepoint_rollback(w);
		return MUSTER_EINVAL;
	}
	int rc = mdb_txn_commit(w->txn);
	w->txn = w->outer;
	w->outer = NULL;
	if (rc == MDB_MAP_FULL)
		w->map_full = 1;
	if (rc) /* the child is gone either way; what it did may be half in the parent */
		return fail_with(w, muster_mdb_err(rc));
	return 0;
}

void muster_savepoint_rollback(muster_wtxn *w)
{
	if (!w->outer)
		return;
	mdb_txn_abort(w->txn);
	w->txn = w->outer;
	w->outer = NULL;
	w->range = w->saved;
	/* The failure is undone with the child; a full map still has to grow and run fn again. */
	if (!w->map_full)
		w->failed = 0;
}

/* Signs and stores the checkpoint for the tree as it now stands. */
static int checkpoint(muster_wtxn *w)
{
	muster_store *s = w->s;
	uint8_t root[MUSTER_HASH_BYTES];
	int rc = load_log_key(s);
	if (rc)
		return rc;
	muster_range_root(&w->range, root);
	muster_buf text = {0}, note = {0};
	muster_checkpoint_format(&text, s->origin, w->range.size, root);
	rc = text.err ? text.err : muster_note_sign(&note, (const char *)text.data, text.len, s->origin,
					muster_signer_sk(s->log_key));
	if (rc == 0) {
		uint8_t kb[LOG_KEY];
		log_key(kb, w->range.size - 1, LOG_CKPT);
		/* Never two roots for one size: the key must be new. */
		rc = put(w, DB_LOG, kb, LOG_KEY, note.data, note.len, MDB_NOOVERWRITE | MDB_APPEND);
		if (rc == MUSTER_EEXIST)
			rc = MUSTER_ESTATE;
	}
	muster_buf_free(&text);
	muster_buf_free(&note);
	return rc;
}

static int grow(muster_store *s)
{
	MDB_envinfo info;
	int rc = mdb_env_info(s->env, &info);
	return rc ? muster_mdb_err(rc) : muster_map_resize(s, info.me_mapsize * 2);
}

/*
 * LMDB reports a write cut short as EIO ("short write, filesystem full?"):
 * say what cut it, if we can tell.  ENOSPC when the store's file system has
 * (next to) no room left (root may use the blocks reserved for root), EFBIG
 * when data.mdb reached the process's file size limit (RLIMIT_FSIZE).
 */
static int short_write(const muster_store *s)
{
	struct statvfs v;
	struct rlimit lim;
	struct stat st;
	if (statvfs(s->dir, &v) == 0 &&
		(uint64_t)(geteuid() == 0 ? v.f_bfree : v.f_bavail) * v.f_frsize < ((uint64_t)1 << 20))
		return ENOSPC;
	char *p = muster_path_join(s->dir, "data.mdb");
	int big = p && getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY && stat(p, &st) == 0 &&
		(uint64_t)st.st_size + ((uint64_t)1 << 20) > (uint64_t)lim.rlim_cur;
	free(p);
	return big ? EFBIG : EIO;
}

/*
 * Fault injection for the crash tests (tests/e2e/crash.sh).  With
 * MUSTER_FAULT=before-commit:N the process SIGKILLs itself just before the
 * Nth commit of a write (counting the writes that got that far), with
 * after-commit:N just after the Nth that succeeded: the moment between a
 * write being durable and the caller answering for it (printing, moving
 * files), or the last one before.  The variable is read once per process;
 * anything else in it is ignored.  Unset, a write pays a pthread_once.
 */
enum { FAULT_NONE, FAULT_BEFORE, FAULT_AFTER };
static int fault_mode;
static unsigned long fault_at;
static pthread_once_t fault_once = PTHREAD_ONCE_INIT;

static void fault_read(void)
{
	const char *v = getenv("MUSTER_FAULT");
	int mode = !v ? FAULT_NONE : strncmp(v, "before-commit:", 14) == 0 ? FAULT_BEFORE :
		   strncmp(v, "after-commit:", 13) == 0 ? FAULT_AFTER : FAULT_NONE;
	if (mode == FAULT_NONE)
		return;
	const char *d = strchr(v, ':') + 1;
	char *end;
	int e = errno;
	errno = 0;
	unsigned long n = strtoul(d, &end, 10);
	if (*d >= '0' && *d <= '9' && errno == 0 && *end == 0 && n > 0)
		fault_mode = mode, fault_at = n;
	errno = e;
}

static void fault_point(int where)
{
	static atomic_ulong seen;
	pthread_once(&fault_once, fault_read);
	if (fault_mode == where && atomic_fetch_add(&seen, 1) + 1 == fault_at)
		kill(getpid(), SIGKILL);
}

static int write_once(muster_store *s, muster_write_fn fn, void *arg, int *again)
{
	muster_wtxn w;
	memset(&w, 0, sizeof w);
	w.s = s;
	*again = 0;
	pthread_rwlock_rdlock(&s->map_lock); /* the write transaction reads the map too */
	int rc = mdb_txn_begin(s->env, NULL, 0, &w.txn);
	if (rc) {
		pthread_rwlock_unlock(&s->map_lock);
		if (rc != MDB_MAP_RESIZED)
			return muster_mdb_err(rc);
		*again = 1; /* another process grew the map: adopt its size */
		return muster_map_resize(s, 0);
	}
	struct merkle_ctx mc = {w.txn, s->dbi[DB_LOG]};
	uint64_t size;
	rc = muster_log_size_txn(w.txn, s->dbi[DB_LOG], &size);
	if (rc == 0)
		rc = muster_range_load(&w.range, size, muster_merkle_read, &mc);
	w.start_size = size;
	if (rc == 0)
		rc = fn(&w, arg);
	if (w.outer) { /* fn left a savepoint open: it is not committed */
		muster_savepoint_rollback(&w);
		if (rc == 0)
			rc = MUSTER_EINVAL;
	}
	if (rc == 0 && w.failed) /* fn went on after a failed append */
		rc = w.failed;
	if (rc == 0 && w.range.size > w.start_size)
		rc = checkpoint(&w);
	if (rc == 0) {
		fault_point(FAULT_BEFORE);
		rc = mdb_txn_commit(w.txn);
		if (rc == 0)
			fault_point(FAULT_AFTER);
		if (rc == MDB_MAP_FULL)
			w.map_full = 1;
		rc = muster_mdb_err(rc);
		if (rc == MUSTER_EIO)
			w.sys_err = errno;
	} else {
		mdb_txn_abort(w.txn);
	}
	pthread_rwlock_unlock(&s->map_lock);
	int err = rc == MUSTER_EIO && w.sys_err ? w.sys_err : errno;
	if (rc == MUSTER_EIO && err == EIO)
		err = short_write(s);
	snprintf(s->why, sizeof s->why, "%s", w.why);
	if (w.msg.data)
		sodium_memzero(w.msg.data, w.msg.cap);
	muster_buf_free(&w.msg);
	if (w.map_full || rc == MUSTER_EMAPFULL) {
		*again = 1;
		return grow(s);
	}
	errno = err;
	return rc;
}

int muster_write(muster_store *s, muster_write_fn fn, void *arg)
{
	if (s->mirror) {
		snprintf(s->why, sizeof s->why, "this store is a mirror of another site's log: only 'muster mirror import' and 'mirror pull' write to it");
		return MUSTER_EPERM;
	}
	if (s->read_only) { /* opened so because its file system is read-only */
		errno = EROFS;
		return MUSTER_EIO;
	}
	for (int tries = 0; tries < 40; tries++) {
		int again;
		int rc = write_once(s, fn, arg, &again);
		if (!again || rc)
			return rc;
	}
	return MUSTER_ESTORE;
}

const char *muster_wtxn_why(const muster_wtxn *w)
{
	return w->why;
}

const char *muster_store_why(const muster_store *s)
{
	return s->why;
}

void muster_store_set_durable(muster_store *s, int durable)
{
	s->durable = durable;
	mdb_env_set_flags(s->env, MDB_NOSYNC, durable ? 0 : 1);
}

const char *muster_store_origin(const muster_store *s)
{
	return s->origin;
}

/* A read transaction while the store is being opened: no other thread has the handle yet. */
static int open_read(muster_store *s, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
	if (rc == MDB_MAP_RESIZED && (rc = mdb_env_set_mapsize(s->env, 0)) == 0) /* grown since mdb_env_open */
		rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
	return muster_mdb_err(rc);
}

/*
 * ---- store upgrades ----
 *
 * Each step brings a store of an older format (MUSTER_STORE_FORMAT) to the
 * layout of step->to, in the one write transaction that then writes the
 * new format: a store is never seen half upgraded.  dbi holds the handles
 * opened in that transaction.
 */

/*
 * Format 1 held one DB_HIST key per entry, asset id 0x00 be64(index), with
 * an empty value: its keys are read into memory (the id and index of each,
 * 1 + n + 8 bytes), the database deleted and made again with its flags,
 * and the (id, be64(index)) pairs put.
 */
static int up_hist(MDB_txn *txn, MDB_dbi *dbi)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	muster_buf keys = {0};
	unsigned flags = 0;
	int rc = mdb_dbi_open(txn, muster_db_names[DB_HIST], 0, &dbi[DB_HIST]);
	if (rc == MDB_NOTFOUND) /* made below, empty, with the other missing databases */
		return 0;
	if (rc == 0)
		rc = mdb_dbi_flags(txn, dbi[DB_HIST], &flags);
	if (rc || (flags & MDB_DUPSORT))
		return muster_mdb_err(rc);
	if ((rc = mdb_cursor_open(txn, dbi[DB_HIST], &cur)) != 0)
		return muster_mdb_err(rc);
	int err = 0, mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; mrc == 0 && !err; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *p = k.mv_data;
		size_t n = k.mv_size - 9;
		if (k.mv_size < 10 || k.mv_size > MUSTER_TAG_ID_MAX + 9 || p[n] != 0 || v.mv_size != 0) {
			err = MUSTER_ECORRUPT;
			break;
		}
		uint8_t len = (uint8_t)n;
		muster_buf_put(&keys, &len, 1);
		muster_buf_put(&keys, p, n);
		muster_buf_put(&keys, p + n + 1, 8);
		err = keys.err;
	}
	mdb_cursor_close(cur);
	if (!err && mrc != MDB_NOTFOUND)
		err = muster_mdb_err(mrc);
	if (!err && (rc = mdb_drop(txn, dbi[DB_HIST], 1)) == 0)
		rc = mdb_dbi_open(txn, muster_db_names[DB_HIST], muster_db_flags[DB_HIST] | MDB_CREATE, &dbi[DB_HIST]);
	for (size_t at = 0; !err && rc == 0 && at < keys.len; at += 1 + (size_t)keys.data[at] + 8) {
		k = (MDB_val){keys.data[at], keys.data + at + 1};
		v = (MDB_val){8, keys.data + at + 1 + keys.data[at]};
		rc = mdb_put(txn, dbi[DB_HIST], &k, &v, 0);
	}
	muster_buf_free(&keys);
	return err ? err : muster_mdb_err(rc);
}

/*
 * The databases a newer muster added are made, empty, with their flags:
 * those that only events of the newer version fill, and those the next
 * steps fill.  Only when the log and meta databases are there, so that
 * nothing that is not a store is ever written to.
 */
static int up_dbs(MDB_txn *txn, MDB_dbi *dbi)
{
	MDB_dbi log;
	int rc = mdb_dbi_open(txn, muster_db_names[DB_LOG], 0, &log);
	if (rc)
		return rc == MDB_NOTFOUND ? MUSTER_ECORRUPT : muster_mdb_err(rc);
	return muster_dbs_open(txn, dbi, 1);
}

/* Format 2 indexes spending by date (DB_SPDATE), from the spend rows' MF_DATE. */
static int up_spend_dates(MDB_txn *txn, MDB_dbi *dbi)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = muster_mdb_err(mdb_drop(txn, dbi[DB_SPDATE], 0));
	if (rc == 0)
		rc = muster_mdb_err(mdb_cursor_open(txn, dbi[DB_SPEND], &cur));
	if (rc)
		return rc;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; mrc == 0 && rc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		muster_fv f[MUSTER_FIELDS_MAX];
		muster_mask has;
		if (k.mv_size != 8 || muster_rec_peek(v.mv_data, v.mv_size, MUSTER_BIT(MF_DATE), MF_DATE, f, &has) != 0 ||
			!(has & MUSTER_BIT(MF_DATE)) || f[MF_DATE].u > UINT32_MAX)
			rc = MUSTER_ECORRUPT;
		else
			rc = muster_spend_date_put(txn, dbi, (uint32_t)f[MF_DATE].u, be64_get(k.mv_data));
	}
	mdb_cursor_close(cur);
	return rc ? rc : mrc == MDB_NOTFOUND ? 0 : muster_mdb_err(mrc);
}

static const struct upgrade {
	unsigned to;
	int (*step)(MDB_txn *txn, MDB_dbi *dbi);
} upgrades[] = {
	{2, up_hist},
	{2, up_dbs},
	{2, up_spend_dates},
};

/* The store's format in txn, into *format: 0 if it has none (a mirror before its first import). */
static int format_get(MDB_txn *txn, MDB_dbi meta, unsigned *format)
{
	MDB_val k = {6, "format"}, v;
	int rc = mdb_get(txn, meta, &k, &v);
	*format = rc == 0 && v.mv_size == 1 ? *(const uint8_t *)v.mv_data : 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc ? muster_mdb_err(rc) : v.mv_size == 1 && *format ? 0 : MUSTER_ECORRUPT;
}

/* One try at every step from the store's format on; *full when the map filled. */
static int upgrade_once(muster_store *s, int *full)
{
	MDB_txn *txn;
	MDB_dbi dbi[DB_COUNT] = {0};
	unsigned format = 0;
	*full = 0;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == MDB_MAP_RESIZED && (rc = mdb_env_set_mapsize(s->env, 0)) == 0) /* another process grew it */
		rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return muster_mdb_err(rc);
	rc = mdb_dbi_open(txn, muster_db_names[DB_META], 0, &dbi[DB_META]);
	rc = rc == MDB_NOTFOUND ? MUSTER_ECORRUPT : muster_mdb_err(rc);
	if (rc == 0)
		rc = format_get(txn, dbi[DB_META], &format);
	/* Another process may have upgraded it since it was read; a database missing is made at any format. */
	for (size_t i = 0; rc == 0 && format && format < MUSTER_STORE_FORMAT && i < sizeof upgrades / sizeof *upgrades; i++)
		if (upgrades[i].to > format)
			rc = upgrades[i].step(txn, dbi);
	if (rc == 0 && format == MUSTER_STORE_FORMAT)
		rc = up_dbs(txn, dbi);
	if (rc == 0 && format && format < MUSTER_STORE_FORMAT) {
		uint8_t f = MUSTER_STORE_FORMAT;
		MDB_val k = {6, "format"}, v = {1, &f};
		rc = muster_mdb_err(mdb_put(txn, dbi[DB_META], &k, &v, 0));
	}
	if (rc == 0)
		rc = muster_mdb_err(mdb_txn_commit(txn));
	else
		mdb_txn_abort(txn);
	*full = rc == MUSTER_EMAPFULL;
	return rc;
}

/*
 * Brings a store of an older format to this one's, or refuses it: a newer
 * format, or an older one where the store cannot be written (a read-only
 * file system; reading the old layouts as well would be a second path
 * through every reader, used only there).  A store of this format that
 * lacks a database (dropped by hand) has it made, empty, for 'muster
 * reindex --check' to find and 'muster reindex' to fill.  The handles
 * meta_load opened are closed first: another process may have upgraded
 * the store since, and LMDB refuses a handle to a database made again with
 * other flags.
 */
static int store_upgrade(muster_store *s)
{
	if (s->format > MUSTER_STORE_FORMAT) {
		snprintf(s->why, sizeof s->why,
			"the store has format %u, newer than this muster's %u: use the muster that made it, or a newer one",
			s->format, MUSTER_STORE_FORMAT);
		errno = EPROTONOSUPPORT;
		return MUSTER_ESTATE;
	}
	if (s->read_only && (s->format == 0 || s->format == MUSTER_STORE_FORMAT))
		return MUSTER_ECORRUPT;
	if (s->read_only) {
		snprintf(s->why, sizeof s->why,
			"the store has format %u and this muster upgrades it to %u when it opens it where it can write: "
			"open it once so (any command), or use the muster that made it",
			s->format, MUSTER_STORE_FORMAT);
		errno = EROFS;
		return MUSTER_ESTATE;
	}
	for (int i = 0; i < DB_COUNT; i++)
		if (s->dbi[i])
			mdb_dbi_close(s->env, s->dbi[i]);
	memset(s->dbi, 0, sizeof s->dbi);
	for (int tries = 0;; tries++) {
		int full, rc = upgrade_once(s, &full);
		if (!full || tries >= 40)
			return full ? MUSTER_ESTORE : rc;
		MDB_envinfo info;
		if ((rc = muster_mdb_err(mdb_env_info(s->env, &info))) != 0 ||
			(rc = muster_map_resize(s, info.me_mapsize * 2)) != 0)
			return rc;
	}
}

/*
 * Reads the store's format, origin and log key, and opens its databases;
 * with upgrade, a store of another format is upgraded (store_upgrade) and
 * read again.
 */
static int meta_load(muster_store *s, int upgrade)
{
	MDB_txn *txn;
	int rc = open_read(s, &txn);
	if (rc)
		return rc;
	rc = mdb_dbi_open(txn, muster_db_names[DB_META], 0, &s->dbi[DB_META]);
	rc = rc == MDB_NOTFOUND ? MUSTER_ECORRUPT : muster_mdb_err(rc);
	if (rc == 0)
		rc = format_get(txn, s->dbi[DB_META], &s->format);
	if (rc == 0 && s->format == 0 && s->mirror) /* nothing imported yet: made by this muster, all its databases there */
		s->format = MUSTER_STORE_FORMAT;
	if (rc == 0 && s->format != MUSTER_STORE_FORMAT && s->format != 0) {
		mdb_txn_abort(txn);
		if (!upgrade)
			return MUSTER_ECORRUPT;
		return (rc = store_upgrade(s)) != 0 ? rc : meta_load(s, 0);
	}
	if (rc == 0)
		rc = muster_dbs_open(txn, s->dbi, 0);
	if (rc == MUSTER_ENOTFOUND && upgrade) {
		mdb_txn_abort(txn);
		return (rc = store_upgrade(s)) != 0 ? rc : meta_load(s, 0);
	}
	MDB_val k = {6, "origin"}, v;
	if (rc == 0)
		rc = muster_mdb_err(mdb_get(txn, s->dbi[DB_META], &k, &v));
	if (rc == MUSTER_ENOTFOUND && s->mirror) /* nothing imported yet: the origin and key are the vkey's */
		return muster_mdb_err(mdb_txn_commit(txn));
	if (rc == 0 && s->mirror) { /* the genesis entry the mirror verified must be the vkey's log */
		uint8_t pk[MUSTER_PK_BYTES];
		memcpy(pk, s->log_pk, sizeof pk);
		MDB_val kk = {6, "log_pk"}, vv;
		if (v.mv_size != strlen(s->origin) || memcmp(v.mv_data, s->origin, v.mv_size) != 0 ||
			mdb_get(txn, s->dbi[DB_META], &kk, &vv) != 0 || vv.mv_size != MUSTER_PK_BYTES ||
			memcmp(vv.mv_data, pk, MUSTER_PK_BYTES) != 0)
			rc = MUSTER_ECORRUPT;
	}
	if (rc == 0 && (v.mv_size == 0 || v.mv_size > MUSTER_ORIGIN_MAX))
		rc = MUSTER_ECORRUPT;
	if (rc == 0) {
		memcpy(s->origin, v.mv_data, v.mv_size);
		s->origin[v.mv_size] = 0;
		k.mv_size = 6, k.mv_data = "log_pk";
		rc = muster_mdb_err(mdb_get(txn, s->dbi[DB_META], &k, &v));
	}
	if (rc == 0 && v.mv_size != MUSTER_PK_BYTES)
		rc = MUSTER_ECORRUPT;
	if (rc == 0)
		memcpy(s->log_pk, v.mv_data, MUSTER_PK_BYTES);
	/* Commit, not abort: database handles opened in an aborted txn are closed. */
	if (rc == 0)
		rc = muster_mdb_err(mdb_txn_commit(txn));
	else
		mdb_txn_abort(txn);
	return rc == MUSTER_ENOTFOUND ? MUSTER_ECORRUPT : rc;
}

/*
 * The store directory's lock, flock(2) on the directory itself: every open
 * store holds it shared for as long as it is open (muster_store_open,
 * muster_store_create), and a compaction (muster_store_compact) holds it
 * exclusively while it replaces data.mdb, so that no process of ours has
 * the old file mapped or opens the new one half made.  op is LOCK_SH or
 * LOCK_EX, with LOCK_NB or not.  *fd is the descriptor that holds it, or -1
 * when the directory cannot be opened for reading (search permission
 * alone): such a store opens unlocked, and cannot be compacted.  Returns 0;
 * MUSTER_ESTATE with errno EBUSY when LOCK_NB and another holds it;
 * MUSTER_EIO with errno.
 */
static int dir_lock(const char *dir, int op, int *fd)
{
	for (;;) {
		*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*fd < 0)
			return errno == EACCES ? 0 : errno == ENOENT ? MUSTER_ENOTFOUND : MUSTER_EIO;
		int rc;
		while ((rc = flock(*fd, op)) != 0 && errno == EINTR)
			;
		if (rc != 0) {
			int err = errno;
			close(*fd);
			*fd = -1;
			errno = err == EWOULDBLOCK ? EBUSY : err;
			return err == EWOULDBLOCK ? MUSTER_ESTATE : MUSTER_EIO;
		}
		/*
		 * A restore (muster_store_swap) may have put another directory at
		 * dir while we waited: the lock is then on the store moved aside,
		 * so it is taken again on the one at dir.
		 */
		struct stat held, now;
		if (fstat(*fd, &held) == 0 && stat(dir, &now) == 0 && held.st_dev == now.st_dev && held.st_ino == now.st_ino)
			return 0;
		close(*fd);
		*fd = -1;
	}
}

/* muster_store_open; lock 0: the caller holds the directory's lock already (muster_store_compact). */
static int store_open(const char *dir, int lock, muster_store **out)
{
	if (muster_init() != 0)
		return MUSTER_ECRYPTO;
	char *data = muster_path_join(dir, "data.mdb");
	if (!data)
		return MUSTER_ENOMEM;
	struct stat st;
	int exists = stat(data, &st) == 0;
	free(data);
	if (!exists)
		return errno == ENOENT || errno == ENOTDIR ? MUSTER_ENOTFOUND : MUSTER_EIO;
	muster_store *s = calloc(1, sizeof *s);
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		return MUSTER_ENOMEM;
	}
	s->dir_fd = -1;
	s->durable = 1;
	s->map_lock_made = pthread_rwlock_init(&s->map_lock, NULL) == 0;
	int rc = s->map_lock_made ? 0 : MUSTER_ENOMEM;
	if (rc == 0 && lock)
		rc = dir_lock(dir, LOCK_SH, &s->dir_fd); /* waits while the store is compacted */
	if (rc == 0)
		rc = muster_mirror_load(s);
	if (rc == 0) {
		rc = muster_env_open(dir, &s->env);
		/* On a read-only file system LMDB can still read, without its lock file (lmdb.h, MDB_RDONLY). */
		if (rc == MUSTER_EIO && errno == EROFS && (rc = env_open(dir, MDB_RDONLY, &s->env)) == 0)
			s->read_only = 1;
	}
	if (rc == 0)
		rc = meta_load(s, 1);
	if (rc) {
		int err = errno; /* MUSTER_EIO, MUSTER_ESTATE: why, for the caller */
		muster_store_close(s);
		errno = err;
		return rc;
	}
	*out = s;
	return 0;
}

int muster_store_open(const char *dir, muster_store **out)
{
	return store_open(dir, 1, out);
}

void muster_store_close(muster_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < READ_IDLE; i++) {
		MDB_txn *t = atomic_exchange(&s->idle[i], NULL);
		if (t)
			mdb_txn_abort(t);
	}
	if (s->env)
		mdb_env_close(s->env);
	if (s->dir_fd >= 0) /* after the environment: a compaction waiting for it finds the file unmapped */
		close(s->dir_fd);
	if (s->map_lock_made)
		pthread_rwlock_destroy(&s->map_lock);
	muster_signer_free(s->log_key);
	free(s->mirror_vkey);
	free(s->mirror_url);
	free(s->dir);
	free(s);
}

struct genesis {
	const muster_signer *admin;
	muster_buf body, url;
};

static int write_genesis(muster_wtxn *w, void *arg)
{
	struct genesis *g = arg;
	int rc = muster_append(w, g->admin, MUSTER_EV_SITE_INIT, g->body.data, g->body.len, NULL);
	if (rc == 0 && g->url.len)
		rc = muster_append(w, g->admin, MUSTER_EV_SITE_URL, g->url.data, g->url.len, NULL);
	return rc;
}

static const char *const store_files[] = {"data.mdb", "lock.mdb", "log.key", "tag.key"};

static void remove_files(const char *dir)
{
	for (size_t i = 0; i < sizeof store_files / sizeof store_files[0]; i++) {
		char *p = muster_path_join(dir, store_files[i]);
		if (p)
			unlink(p);
		free(p);
	}
}

/* Whether any of a store's files is in dir. */
static int store_there(const char *dir)
{
	int there = 0;
	for (size_t i = 0; i < sizeof store_files / sizeof store_files[0]; i++) {
		char *p = muster_path_join(dir, store_files[i]);
		there |= p && access(p, F_OK) == 0;
		free(p);
	}
	return there;
}

/*
 * Whether dir holds what a store's creation killed before its genesis
 * commit leaves: a data.mdb whose log is empty, and no mirror file
 * (core/mirror.c; a mirror's log is empty until its first import).  The
 * site keys are written after data.mdb and have signed nothing, so such a
 * store is made again rather than refused (tests/e2e/crash.sh).  The
 * caller holds the directory's lock: no creator is still at work.
 */
static int init_interrupted(const char *dir)
{
	char *data = muster_path_join(dir, "data.mdb"), *mf = muster_path_join(dir, "mirror");
	int yes = data && mf && access(data, F_OK) == 0 && access(mf, F_OK) != 0;
	MDB_env *env;
	if (yes && (yes = muster_env_open(dir, &env) == 0)) {
		MDB_txn *txn;
		MDB_dbi dbi;
		uint64_t size = 1;
		if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
			int rc = mdb_dbi_open(txn, "log", 0, &dbi);
			if (rc == MDB_NOTFOUND)
				size = 0;
			else if (rc != 0 || muster_log_size_txn(txn, dbi, &size) != 0)
				size = 1;
			mdb_txn_abort(txn);
		}
		mdb_env_close(env);
		yes = size == 0;
	}
	free(data);
	free(mf);
	return yes;
}

int muster_store_create(const char *dir, const char *origin, const muster_signer *admin, const char *holder,
	muster_store **out)
{
	return muster_store_create_url(dir, origin, admin, holder, NULL, out);
}

int muster_store_create_url(const char *dir, const char *origin, const muster_signer *admin, const char *holder,
	const char *base_url, muster_store **out)
{
	if (muster_init() != 0)
		return MUSTER_ECRYPTO;
	if (!muster_note_name_valid(origin, strlen(origin)) || !holder || !*holder ||
		strlen(holder) > MUSTER_NAME_MAX || !muster_utf8_valid(holder, strlen(holder)) ||
		(base_url && !muster_url_valid(base_url, strlen(base_url))))
		return MUSTER_EINVAL;
	int made_dir = 0;
	if (mkdir(dir, 0700) == 0) {
		made_dir = 1;
	} else if (errno != EEXIST) {
		return MUSTER_EIO;
	}
	/*
	 * One creator at a time in a directory, holding its lock exclusively; one
	 * that was killed has let go.  Held shared, the directory holds a store
	 * that is open (dir_lock): waited for until no creator is at work, it is
	 * refused if its files are there.
	 */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return MUSTER_EIO;
	while (flock(dfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(dfd);
			return MUSTER_EIO;
		}
		if (flock(dfd, LOCK_SH) == 0 && store_there(dir)) {
			close(dfd);
			return MUSTER_EEXIST;
		}
		flock(dfd, LOCK_UN);
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	int there = store_there(dir);
	if (there && !init_interrupted(dir)) {
		close(dfd);
		return MUSTER_EEXIST;
	}
	if (there)
		remove_files(dir);

	muster_signer *logk = NULL, *tagk = NULL;
	muster_store *s = NULL;
	struct genesis g = {admin, {0}, {0}};
	char *lp = muster_path_join(dir, "log.key"), *tp = muster_path_join(dir, "tag.key");
	int rc = lp && tp ? 0 : MUSTER_ENOMEM;
	if (rc == 0)
		rc = muster_signer_generate(&logk);
	if (rc == 0)
		rc = muster_signer_generate(&tagk);
	if (rc == 0 && !(s = calloc(1, sizeof *s)))
		rc = MUSTER_ENOMEM;
	if (s)
		s->dir_fd = -1;
	if (rc == 0 && !(s->dir = strdup(dir)))
		rc = MUSTER_ENOMEM;
	if (rc == 0 && !(s->map_lock_made = pthread_rwlock_init(&s->map_lock, NULL) == 0))
		rc = MUSTER_ENOMEM;
	if (rc == 0) {
		s->durable = 1;
		snprintf(s->origin, sizeof s->origin, "%s", origin);
		memcpy(s->log_pk, muster_signer_pk(logk), MUSTER_PK_BYTES);
		rc = muster_env_open(dir, &s->env);
	}
	if (rc == 0) {
		MDB_txn *txn;
		rc = muster_mdb_err(mdb_txn_begin(s->env, NULL, 0, &txn));
		if (rc == 0) {
			rc = muster_dbs_open(txn, s->dbi, 1);
			rc = rc ? (mdb_txn_abort(txn), rc) : muster_mdb_err(mdb_txn_commit(txn));
		}
	}
	/* The site keys after data.mdb, so that a creation killed before its genesis leaves an empty log behind. */
	if (rc == 0)
		rc = muster_site_key_write(lp, logk);
	if (rc == 0)
		rc = muster_site_key_write(tp, tagk);
	if (rc == 0) {
		muster_ev_site_init v = {{origin, strlen(origin)}, muster_signer_pk(logk), muster_signer_pk(tagk),
			{holder, strlen(holder)}};
		muster_ev_site_init_encode(&g.body, &v);
		if (base_url) {
			muster_rec u;
			muster_rec_clear(&u);
			muster_rec_cstr(&u, MF_URL, base_url);
			muster_rec_encode(&g.url, &u);
		}
		rc = g.body.err ? g.body.err : g.url.err ? g.url.err : muster_write(s, write_genesis, &g);
	}
	muster_buf_free(&g.body);
	muster_buf_free(&g.url);
	muster_signer_free(logk);
	muster_signer_free(tagk);
	free(lp);
	free(tp);
	/* The creator's lock becomes the open store's: shared, for as long as it is open. */
	if (rc == 0 && flock(dfd, LOCK_SH) == 0)
		s->dir_fd = dfd;
	else
		close(dfd);
	if (rc) {
		muster_store_close(s);
		remove_files(dir);
		if (made_dir)
			rmdir(dir);
		return rc;
	}
	*out = s;
	return 0;
}

/* LMDB's compacting copy of s into fd, from its start, fsync'd: 0, MUSTER_EIO with errno, MUSTER_ESTORE. */
static int copy_compact(muster_store *s, int fd)
{
	int rc;
	for (int tries = 0;; tries++) {
		/* Held shared, as a read transaction holds it: no thread of ours remaps under the copy. */
		pthread_rwlock_rdlock(&s->map_lock);
		reads_held++;
		int mrc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
		reads_held--;
		pthread_rwlock_unlock(&s->map_lock);
		if (mrc != MDB_MAP_RESIZED || tries == 8) {
			rc = muster_mdb_err(mrc);
			break;
		}
		/* another process grew the map: adopt its size, start the file again */
		if ((rc = muster_map_resize(s, 0)) != 0)
			break;
		if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
			rc = MUSTER_EIO;
			break;
		}
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = MUSTER_EIO;
	return rc;
}

int muster_store_backup(muster_store *s, const char *dir)
{
	char *path = muster_path_join(dir, "data.mdb");
	if (!path)
		return MUSTER_ENOMEM;
	/* Our own descriptor, not mdb_env_copy2: the file 0600 as the store's, and fsync'd (LMDB's copy is not). */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = errno;
		free(path);
		errno = err;
		return err == EEXIST ? MUSTER_EEXIST : MUSTER_EIO;
	}
	int rc = copy_compact(s, fd);
	int err = errno;
	if (close(fd) != 0 && rc == 0)
		rc = MUSTER_EIO, err = errno;
	if (rc == 0) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) != 0)
			rc = MUSTER_EIO, err = errno;
		if (dfd >= 0)
			close(dfd);
	}
	if (rc)
		unlink(path);
	free(path);
	errno = err;
	return rc;
}

/* ---- compaction in place ---- */

/*
 * Whether a process outside Muster's own lock has the environment in dir
 * open (mdb_stat, python3-lmdb, a muster from before the lock): every
 * process that has an LMDB environment open holds a read lock on the first
 * byte of its lock.mdb (LMDB's mdb_env_excl_lock, fcntl record locks), so
 * a write lock there would conflict.  Called with no environment of dir
 * open in this process: closing a descriptor of lock.mdb drops every
 * record lock this process holds on it.
 */
static int lmdb_in_use(const char *dir, int *busy)
{
	char *p = muster_path_join(dir, "lock.mdb");
	if (!p)
		return MUSTER_ENOMEM;
	int fd = open(p, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	free(p);
	*busy = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : MUSTER_EIO;
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	int rc = fcntl(fd, F_GETLK, &fl);
	int err = errno;
	close(fd);
	errno = err;
	if (rc != 0)
		return MUSTER_EIO;
	*busy = fl.l_type != F_UNLCK;
	return 0;
}

/*
 * Takes the store directory's lock exclusively without waiting, and checks
 * that no process has the LMDB environment open outside it: *dfd holds the
 * lock.  MUSTER_ESTATE with errno EBUSY when the store is in use;
 * MUSTER_EIO with errno (EACCES: a directory that cannot be opened for
 * reading cannot be locked).  On failure *dfd is -1.
 */
static int lock_unused(const char *dir, int *dfd)
{
	int busy = 0;
	int rc = dir_lock(dir, LOCK_EX | LOCK_NB, dfd);
	if (rc == 0 && *dfd < 0)
		rc = MUSTER_EIO, errno = EACCES;
	if (rc == 0 && (rc = lmdb_in_use(dir, &busy)) == 0 && busy)
		rc = MUSTER_ESTATE, errno = EBUSY;
	if (rc && *dfd >= 0) {
		int err = errno;
		close(*dfd);
		*dfd = -1;
		errno = err;
	}
	return rc;
}

/*
 * Whether the environment in the file path (a compacted copy) holds what s
 * holds: every database, with as many entries, and the same last log entry.
 * mdb_env_copyfd2 copies what one read transaction sees, so a copy goes
 * wrong by being cut short, which this catches.
 */
static int same_content(muster_store *s, const char *path)
{
	MDB_env *env;
	int rc = env_open(path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, &env);
	if (rc)
		return rc;
	MDB_txn *a = NULL, *b = NULL;
	MDB_dbi dbi[DB_COUNT];
	if ((rc = open_read(s, &a)) == 0 && (rc = muster_mdb_err(mdb_txn_begin(env, NULL, MDB_RDONLY, &b))) == 0)
		rc = muster_dbs_open(b, dbi, 0);
	if (rc == MUSTER_ENOTFOUND)
		rc = MUSTER_ECORRUPT;
	for (int i = 0; i < DB_COUNT && rc == 0; i++) {
		MDB_stat x, y;
		if ((rc = muster_mdb_err(mdb_stat(a, s->dbi[i], &x))) == 0 &&
			(rc = muster_mdb_err(mdb_stat(b, dbi[i], &y))) == 0 && x.ms_entries != y.ms_entries)
			rc = MUSTER_ECORRUPT;
	}
	MDB_cursor *ca = NULL, *cb = NULL;
	MDB_val ka, va, kb, vb;
	if (rc == 0 && (rc = muster_mdb_err(mdb_cursor_open(a, s->dbi[DB_LOG], &ca))) == 0 &&
		(rc = muster_mdb_err(mdb_cursor_open(b, dbi[DB_LOG], &cb))) == 0) {
		int ra = mdb_cursor_get(ca, &ka, &va, MDB_LAST), rb = mdb_cursor_get(cb, &kb, &vb, MDB_LAST);
		if (ra != rb || (ra == 0 && (ka.mv_size != kb.mv_size || va.mv_size != vb.mv_size ||
						    memcmp(ka.mv_data, kb.mv_data, ka.mv_size) != 0 ||
						    memcmp(va.mv_data, vb.mv_data, va.mv_size) != 0)))
			rc = MUSTER_ECORRUPT;
		else if (ra != 0 && ra != MDB_NOTFOUND)
			rc = muster_mdb_err(ra);
	}
	if (ca)
		mdb_cursor_close(ca);
	if (cb)
		mdb_cursor_close(cb);
	if (b)
		mdb_txn_abort(b);
	if (a)
		mdb_txn_abort(a);
	mdb_env_close(env);
	return rc;
}

int muster_store_compact(const char *dir, muster_compaction *out)
{
	memset(out, 0, sizeof *out);
	if (muster_init() != 0)
		return MUSTER_ECRYPTO;
	char *data = muster_path_join(dir, "data.mdb"), *tmp = muster_path_join(dir, "data.mdb.compact");
	struct stat st;
	int rc = data && tmp ? 0 : MUSTER_ENOMEM, dfd = -1, fd = -1, renamed = 0;
	if (rc == 0 && stat(data, &st) != 0)
		rc = errno == ENOENT || errno == ENOTDIR ? MUSTER_ENOTFOUND : MUSTER_EIO;
	/* No other process has the store open, and none opens it until we are done. */
	if (rc == 0)
		rc = lock_unused(dir, &dfd);
	out->bytes_before = rc == 0 ? (uint64_t)st.st_size : 0;
	muster_store *s = NULL;
	if (rc == 0 && (rc = store_open(dir, 0, &s)) == 0 && s->read_only)
		rc = MUSTER_EIO, errno = EROFS;
	if (rc == 0)
		rc = muster_log_size(s, &out->entries);
	if (rc == 0) {
		unlink(tmp); /* what a compaction killed before its rename left */
		if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
			rc = MUSTER_EIO;
	}
	if (rc == 0)
		rc = copy_compact(s, fd);
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = MUSTER_EIO;
	if (rc == 0)
		rc = same_content(s, tmp);
	int err = errno;
	muster_store_close(s); /* unmaps the old file before it is replaced */
	s = NULL;
	errno = err;
	if (rc == 0 && rename(tmp, data) != 0)
		rc = MUSTER_EIO;
	renamed = rc == 0;
	if (rc == 0 && fsync(dfd) != 0)
		rc = MUSTER_EIO;
	/*
	 * Opened once more under the lock: LMDB, finding its environment used
	 * by nobody, sets lock.mdb up afresh for the new file (the transaction
	 * id it keeps there is the old file's), and the swapped store is read.
	 */
	uint64_t n = 0;
	if (rc == 0 && (rc = store_open(dir, 0, &s)) == 0 && (rc = muster_log_size(s, &n)) == 0 && n != out->entries)
		rc = MUSTER_ECORRUPT;
	err = errno;
	muster_store_close(s);
	if (renamed && stat(data, &st) == 0)
		out->bytes_after = (uint64_t)st.st_size;
	if (rc && !renamed && fd >= 0)
		unlink(tmp);
	if (dfd >= 0)
		close(dfd);
	free(data);
	free(tmp);
	errno = err;
	return rc;
}

/* ---- a restored store put in place ---- */

/* fsyncs the directory that holds path. */
static int fsync_parent(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return MUSTER_ENOMEM;
	char *slash = strrchr(copy, '/');
	const char *parent = !slash ? "." : slash == copy ? "/" : (*slash = 0, copy);
	int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
	if (fd < 0 || fsync(fd) != 0)
		rc = MUSTER_EIO;
	int err = errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	errno = err;
	return rc;
}

/* rename(2) that never replaces what is at to (renameat2 RENAME_NOREPLACE; link-free check where it is missing). */
static int rename_new(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	struct stat st;
	if (lstat(to, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

int muster_store_unused(const char *dir)
{
	int dfd = -1;
	int rc = lock_unused(dir, &dfd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

int muster_store_swap(const char *dir, const char *staged, const char *aside, int *moved_aside)
{
	*moved_aside = 0;
	char *data = muster_path_join(staged, "data.mdb");
	if (!data)
		return MUSTER_ENOMEM;
	struct stat st;
	int ok = stat(data, &st) == 0;
	free(data);
	if (!ok)
		return errno == ENOENT || errno == ENOTDIR ? MUSTER_ENOTFOUND : MUSTER_EIO;
	if (lstat(dir, &st) != 0) {
		if (errno != ENOENT)
			return MUSTER_EIO;
		/* Nothing there (a new machine, or the old store moved away): the staged store goes there. */
		if (rename_new(staged, dir) != 0)
			return MUSTER_EIO;
		return fsync_parent(dir);
	}
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return MUSTER_EIO;
	}
	/* As muster_store_compact: no process has the store open, and none opens it until it is swapped. */
	int dfd = -1;
	int rc = lock_unused(dir, &dfd);
	if (rc == 0 && lstat(aside, &st) == 0)
		rc = MUSTER_EIO, errno = EEXIST;
	if (rc == 0) {
		if (renameat2(AT_FDCWD, staged, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
			/* One step: the restored store is at dir, the old one at staged; then the old one goes aside. */
			if (rename_new(staged, aside) == 0) {
				*moved_aside = 1;
			} else {
				int err = errno;
				/* Undone, so that the caller's staged directory is its own again; else both places are said. */
				*moved_aside = renameat2(AT_FDCWD, staged, AT_FDCWD, dir, RENAME_EXCHANGE) == 0 ? 0 : 2;
				rc = MUSTER_EIO, errno = err;
			}
		} else if (errno == EINVAL || errno == ENOSYS) {
			/* A file system without RENAME_EXCHANGE: two steps, with no store at dir between them. */
			if (rename_new(dir, aside) != 0)
				rc = MUSTER_EIO;
			else if (*moved_aside = 1, rename_new(staged, dir) != 0)
				rc = MUSTER_EIO;
		} else {
			rc = MUSTER_EIO;
		}
	}
	if (rc == 0)
		rc = fsync_parent(dir);
	if (rc == 0 && *moved_aside)
		rc = fsync_parent(aside);
	int err = errno;
	if (dfd >= 0)
		close(dfd); /* stores waiting to open the old directory find the new one there (dir_lock) */
	errno = err;
	return rc;
}
