/*
 * mirror.c - another site's log, verified and kept by a central store
 * (include/muster/mirror.h, docs/REPLICATION.md).
 *
 * An import runs in one write transaction.  Worker threads check the
 * entries' Ed25519 signatures chunk by chunk while this thread applies the
 * entries in order exactly as the site did: canonical encoding, index,
 * previous root, key state and roles, every domain rule through the same
 * projection code, the Merkle hashes.  When this thread reaches a chunk no
 * worker has taken, it checks it itself.  Nothing is committed unless the
 * tree's root is the checkpoint's.
 *
 * Findings come in two kinds.  Damage (a signature that does not verify, a
 * malformed entry, a proof that does not check out) is refused and says
 * nothing about the site.  A fork is data the site authenticated that
 * contradicts what it authenticated before: a signed checkpoint whose root
 * differs from the mirror's tree at that size, a correctly signed entry
 * whose previous root is not the mirror's, or a checkpoint whose root the
 * verified entries do not give.  The caller keeps the evidence.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 512
#define MIRROR_FILE "mirror"
#define MIRROR_MAGIC "muster-mirror v1\n"

/* ---- the mirror file ---------------------------------------------------- */

int muster_mirror_parse(const char *t, size_t n, char **vkey_out, char **url_out, muster_verifier *v)
{
	size_t m = sizeof MIRROR_MAGIC - 1;
	if (n < m || memcmp(t, MIRROR_MAGIC, m) != 0 || t[n - 1] != '\n')
		return MUSTER_ECORRUPT;
	const char *p = t + m, *end = t + n;
	char *vkey = NULL, *url = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char **slot = NULL;
		size_t skip = 0;
		/* A line holds no NUL: strndup would keep only what is before it. */
		int nul = memchr(p, 0, (size_t)(nl - p)) != NULL;
		if (!nul && (size_t)(nl - p) > 5 && memcmp(p, "vkey ", 5) == 0 && !vkey)
			slot = &vkey, skip = 5;
		else if (!nul && (size_t)(nl - p) > 4 && memcmp(p, "url ", 4) == 0 && !url && vkey)
			slot = &url, skip = 4;
		if (!slot || !(*slot = strndup(p + skip, (size_t)(nl - p) - skip))) {
			free(vkey);
			free(url);
			return slot ? MUSTER_ENOMEM : MUSTER_ECORRUPT;
		}
		p = nl + 1;
	}
	if (!vkey || muster_vkey_parse(vkey, strlen(vkey), v) != 0 || (url && !muster_url_valid(url, strlen(url)))) {
		free(vkey);
		free(url);
		return MUSTER_ECORRUPT;
	}
	if (!url && !(url = strdup(""))) {
		free(vkey);
		return MUSTER_ENOMEM;
	}
	*vkey_out = vkey;
	*url_out = url;
	return 0;
}

/* Sets s up as the mirror the file t[0..n) describes. */
static int mirror_parse(muster_store *s, const char *t, size_t n)
{
	char *vkey, *url;
	muster_verifier v;
	int rc = muster_mirror_parse(t, n, &vkey, &url, &v);
	if (rc)
		return rc;
	s->mirror = 1;
	s->mirror_vkey = vkey;
	s->mirror_url = url;
	snprintf(s->origin, sizeof s->origin, "%s", v.name);
	memcpy(s->log_pk, v.pk, MUSTER_PK_BYTES);
	return 0;
}

int muster_mirror_load(muster_store *s)
{
	char *p = muster_path_join(s->dir, MIRROR_FILE);
	if (!p)
		return MUSTER_ENOMEM;
	FILE *f = fopen(p, "rb");
	free(p);
	if (!f)
		return errno == ENOENT ? 0 : MUSTER_EIO;
	char buf[4096];
	size_t n = fread(buf, 1, sizeof buf, f);
	int bad = ferror(f) || n == sizeof buf;
	fclose(f);
	return bad ? MUSTER_ECORRUPT : mirror_parse(s, buf, n);
}

/* Writes dir/mirror whole: a temporary file, fsync, rename. */
static int mirror_write(const char *dir, const char *vkey, const char *url)
{
	char *p = muster_path_join(dir, MIRROR_FILE), *tmp = muster_path_join(dir, MIRROR_FILE ".tmp");
	int rc = p && tmp ? 0 : MUSTER_ENOMEM;
	if (rc == 0) {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!f) {
			if (fd >= 0)
				close(fd);
			rc = MUSTER_EIO;
		} else {
			fprintf(f, "%svkey %s\n", MIRROR_MAGIC, vkey);
			if (url && *url)
				fprintf(f, "url %s\n", url);
			if (fflush(f) != 0 || fsync(fileno(f)) != 0)
				rc = MUSTER_EIO;
			if (fclose(f) != 0)
				rc = MUSTER_EIO;
			if (rc == 0 && rename(tmp, p) != 0)
				rc = MUSTER_EIO;
			if (rc)
				unlink(tmp);
		}
	}
	free(p);
	free(tmp);
	return rc;
}

int muster_mirror_create(const char *dir, const char *vkey, const char *url, muster_store **out)
{
	if (muster_init() != 0)
		return MUSTER_ECRYPTO;
	muster_verifier v;
	if (!vkey || muster_vkey_parse(vkey, strlen(vkey), &v) != 0 || (url && *url && !muster_url_valid(url, strlen(url))))
		return MUSTER_EINVAL;
	int made = 0;
	if (mkdir(dir, 0700) == 0)
		made = 1;
	else if (errno != EEXIST)
		return MUSTER_EIO;
	char *data = muster_path_join(dir, "data.mdb"), *mf = muster_path_join(dir, MIRROR_FILE);
	int rc = data && mf ? 0 : MUSTER_ENOMEM;
	if (rc == 0 && (access(data, F_OK) == 0 || access(mf, F_OK) == 0))
		rc = MUSTER_EEXIST;
	if (rc == 0)
		rc = mirror_write(dir, vkey, url);
	MDB_env *env = NULL;
	if (rc == 0)
		rc = muster_env_open(dir, &env);
	if (rc == 0) {
		MDB_txn *txn;
		MDB_dbi dbi[DB_COUNT];
		rc = muster_mdb_err(mdb_txn_begin(env, NULL, 0, &txn));
		if (rc == 0) {
			rc = muster_dbs_open(txn, dbi, 1);
			rc = rc ? (mdb_txn_abort(txn), rc) : muster_mdb_err(mdb_txn_commit(txn));
		}
	}
	if (env)
		mdb_env_close(env);
	if (rc == 0)
		rc = muster_store_open(dir, out);
	if (rc && rc != MUSTER_EEXIST) {
		unlink(mf);
		unlink(data);
		char *lock = muster_path_join(dir, "lock.mdb");
		if (lock)
			unlink(lock);
		free(lock);
		if (made)
			rmdir(dir);
	}
	free(data);
	free(mf);
	return rc;
}

int muster_store_is_mirror(const muster_store *s)
{
	return s->mirror;
}

const char *muster_mirror_vkey(const muster_store *s)
{
	return s->mirror ? s->mirror_vkey : "";
}

const char *muster_mirror_url(const muster_store *s)
{
	return s->mirror ? s->mirror_url : "";
}

int muster_mirror_set_url(muster_store *s, const char *url)
{
	if (!s->mirror)
		return MUSTER_EINVAL;
	if (url && *url && !muster_url_valid(url, strlen(url)))
		return MUSTER_EINVAL;
	char *copy = strdup(url ? url : "");
	if (!copy)
		return MUSTER_ENOMEM;
	int rc = mirror_write(s->dir, s->mirror_vkey, copy);
	if (rc) {
		free(copy);
		return rc;
	}
	free(s->mirror_url);
	s->mirror_url = copy;
	return 0;
}

/* ---- notes -------------------------------------------------------------- */

/* The length of a note's text (through the blank line's first newline), or 0. */
static size_t note_text_len(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == '\n' && p[i + 1] == '\n')
			return i + 1;
	return 0;
}

/*
 * b = note without the signature lines by `name` (the witness's earlier
 * cosignature), then line.  Lines are "— name base64\n".
 */
static void note_replace_line(muster_buf *b, const uint8_t *note, size_t n, const char *name, const muster_buf *line)
{
	size_t t = note_text_len(note, n);
	muster_buf_put(b, note, t + 1); /* text and the blank line */
	char prefix[MUSTER_ORIGIN_MAX + 8];
	int pl = snprintf(prefix, sizeof prefix, "\xe2\x80\x94 %s ", name);
	for (size_t i = t + 1; i < n;) {
		const uint8_t *nl = memchr(note + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (note + i)) + 1 : n - i;
		if (!(pl > 0 && len > (size_t)pl && memcmp(note + i, prefix, (size_t)pl) == 0))
			muster_buf_put(b, note + i, len);
		i += len;
	}
	muster_buf_put(b, line->data, line->len);
}

/* ---- import ------------------------------------------------------------- */

enum { CH_FREE, CH_TAKEN, CH_DONE };

struct sigcheck {
	const muster_mirror_batch *b;
	size_t from;              /* first batch position whose signature is checked */
	size_t chunks;
	_Atomic int *state;       /* per chunk */
	uint8_t *bad;             /* per entry: 1 if the signature failed or it does not decode */
	uint8_t (*leaf)[MUSTER_HASH_BYTES]; /* per entry: its leaf hash, worked out beside the signature */
	_Atomic size_t next;
	pthread_mutex_t lock;
	pthread_cond_t done;
};

static void check_chunk(struct sigcheck *c, size_t k)
{
	size_t lo = c->from + k * CHUNK, hi = lo + CHUNK < c->b->count ? lo + CHUNK : c->b->count;
	for (size_t i = lo; i < hi; i++) {
		muster_entry e;
		c->bad[i] = muster_entry_decode(c->b->entry[i], c->b->entry_len[i], &e) != 0 ||
			muster_entry_verify(c->b->entry[i], c->b->entry_len[i], &e) != 0;
		muster_leaf_hash(c->b->entry[i], c->b->entry_len[i], c->leaf[i]);
	}
	pthread_mutex_lock(&c->lock);
	atomic_store(&c->state[k], CH_DONE);
	pthread_cond_broadcast(&c->done);
	pthread_mutex_unlock(&c->lock);
}

static int claim(struct sigcheck *c, size_t k)
{
	int expect = CH_FREE;
	return atomic_compare_exchange_strong(&c->state[k], &expect, CH_TAKEN);
}

static void *sig_worker(void *arg)
{
	struct sigcheck *c = arg;
	for (;;) {
		size_t k = atomic_fetch_add(&c->next, 1);
		if (k >= c->chunks)
			return NULL;
		if (claim(c, k))
			check_chunk(c, k);
	}
}

/* Waits until the signature of batch position i is known (checking its chunk here if nobody took it). */
static int sig_bad(struct sigcheck *c, size_t i)
{
	size_t k = (i - c->from) / CHUNK;
	if (atomic_load(&c->state[k]) != CH_DONE) {
		if (claim(c, k)) {
			check_chunk(c, k);
		} else {
			pthread_mutex_lock(&c->lock);
			while (atomic_load(&c->state[k]) != CH_DONE)
				pthread_cond_wait(&c->done, &c->lock);
			pthread_mutex_unlock(&c->lock);
		}
	}
	return c->bad[i];
}

struct import {
	muster_store *s;
	const muster_mirror_batch *b;
	muster_mirror_result *r;
	struct sigcheck *sig;
	muster_checkpoint ck;
	const uint8_t *ck_text;
	size_t ck_text_len;
	MDB_txn *txn;
	int map_full;
};

#ifdef __GNUC__
__attribute__((format(printf, 4, 5)))
#endif
static int finding(muster_mirror_result *r, int outcome, uint64_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	r->outcome = outcome;
	r->at = at;
	return MUSTER_EVERIFY;
}

static int put(struct import *im, const uint8_t kb[LOG_KEY], const void *val, size_t n, unsigned flags)
{
	MDB_val k = {LOG_KEY, (void *)kb}, v = {n, (void *)val};
	int rc = mdb_put(im->txn, im->s->dbi[DB_LOG], &k, &v, flags);
	if (rc == MDB_MAP_FULL)
		im->map_full = 1;
	return muster_mdb_err(rc);
}

static void hex8(const uint8_t *h, char out[17])
{
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* The mirror's latest stored checkpoint, for fork evidence. */
static void keep_ours(struct import *im, uint64_t size)
{
	if (size == 0)
		return;
	uint8_t kb[LOG_KEY];
	log_key(kb, size - 1, LOG_CKPT);
	MDB_val k = {LOG_KEY, kb}, v;
	if (mdb_get(im->txn, im->s->dbi[DB_LOG], &k, &v) == 0)
		muster_buf_put(&im->r->ours, v.mv_data, v.mv_size);
}

/* The witness's cosignature line for the checkpoint, into b. */
static int cosign(struct import *im, muster_buf *line)
{
	const muster_mirror_batch *b = im->b;
	return muster_cosig_sign(line, (const char *)im->ck_text, im->ck_text_len, b->witness_name, b->witness_sk, b->now);
}

/* Stores note (with the witness's line, if asked) as the checkpoint of size. */
static int store_checkpoint(struct import *im, uint64_t size, const uint8_t *note, size_t n, unsigned flags)
{
	muster_buf line = {0}, *out = &im->r->cosigned;
	int rc = 0;
	muster_buf_reset(out);
	if (im->b->witness_sk) {
		rc = cosign(im, &line);
		if (rc == 0)
			note_replace_line(out, note, n, im->b->witness_name, &line);
	} else {
		muster_buf_put(out, note, n);
	}
	rc = rc ? rc : out->err;
	uint8_t kb[LOG_KEY];
	log_key(kb, size - 1, LOG_CKPT);
	if (rc == 0)
		rc = put(im, kb, out->data, out->len, flags);
	muster_buf_free(&line);
	return rc;
}

/* The checkpoint is one the mirror holds, or contradicts it. */
static int old_checkpoint(struct import *im, uint64_t m, const uint8_t root_m[MUSTER_HASH_BYTES])
{
	muster_mirror_result *r = im->r;
	uint64_t n = im->ck.size;
	uint8_t root[MUSTER_HASH_BYTES];
	struct merkle_ctx mc = {im->txn, im->s->dbi[DB_LOG]};
	int rc = n == m ? (memcpy(root, root_m, sizeof root), 0) : muster_tree_hash(n, muster_merkle_read, &mc, root);
	if (rc)
		return rc;
	char a[17], c[17];
	hex8(root, a);
	hex8(im->ck.root, c);
	if (sodium_memcmp(root, im->ck.root, MUSTER_HASH_BYTES) != 0) {
		keep_ours(im, m);
		return finding(r, MUSTER_MIRROR_FORK, n,
			"the site signed root %s... for size %" PRIu64 ", but the history it signed before (size %" PRIu64
			") has root %s... there",
			c, n, m, a);
	}
	if (n < m)
		return finding(r, MUSTER_MIRROR_REFUSED, n,
			"an older checkpoint (size %" PRIu64 ") than the mirror holds (%" PRIu64 "): a replayed bundle, nothing new", n, m);
	r->outcome = MUSTER_MIRROR_CURRENT;
	if (!im->b->witness_sk) {
		muster_buf_put(&r->cosigned, im->b->checkpoint, im->b->checkpoint_len);
		return r->cosigned.err;
	}
	/* Cosign again, with the time of this observation, over the note the mirror keeps. */
	uint8_t kb[LOG_KEY];
	log_key(kb, n - 1, LOG_CKPT);
	MDB_val k = {LOG_KEY, kb}, v;
	if ((rc = muster_mdb_err(mdb_get(im->txn, im->s->dbi[DB_LOG], &k, &v))) != 0)
		return rc == MUSTER_ENOTFOUND ? MUSTER_ECORRUPT : rc;
	muster_buf kept = {0};
	muster_buf_put(&kept, v.mv_data, v.mv_size);
	rc = kept.err ? kept.err : store_checkpoint(im, n, kept.data, kept.len, 0);
	muster_buf_free(&kept);
	return rc;
}

/* Applies batch position i (log index first + i) as the site did. */
static int apply(struct import *im, size_t i, muster_range *range, struct keytab *kt)
{
	const muster_mirror_batch *b = im->b;
	muster_mirror_result *r = im->r;
	muster_store *s = im->s;
	uint64_t index = b->first + i;
	const uint8_t *p = b->entry[i];
	size_t n = b->entry_len[i];
	muster_entry e;
	char why[256] = "";

	if (muster_entry_decode(p, n, &e) != 0)
		return finding(r, MUSTER_MIRROR_REFUSED, index, "entry %" PRIu64 ": not a canonical entry: damaged", index);
	if (e.index != index)
		return finding(r, MUSTER_MIRROR_REFUSED, index, "entry %" PRIu64 ": it says it is entry %" PRIu64, index, e.index);
	if (sig_bad(im->sig, i))
		return finding(r, MUSTER_MIRROR_REFUSED, index, "entry %" PRIu64 ": signature does not verify: damaged", index);
	uint8_t root[MUSTER_HASH_BYTES];
	muster_range_root(range, root);
	if (sodium_memcmp(root, e.prev_root, MUSTER_HASH_BYTES) != 0) {
		char a[17], c[17];
		hex8(root, a);
		hex8(e.prev_root, c);
		keep_ours(im, r->old_size);
		return finding(r, MUSTER_MIRROR_FORK, index,
			"entry %" PRIu64 " is signed on a history with root %s..., but the mirror verified %s... there", index, c, a);
	}
	if (index == 0) {
		muster_ev_site_init v;
		if (e.type != MUSTER_EV_SITE_INIT || muster_ev_site_init_decode(e.body, e.body_len, &v) != 0 ||
			v.origin.n != strlen(s->origin) || memcmp(v.origin.p, s->origin, v.origin.n) != 0 ||
			sodium_memcmp(v.log_pk, s->log_pk, MUSTER_PK_BYTES) != 0)
			return finding(r, MUSTER_MIRROR_REFUSED, 0, "entry 0 does not start the log of %s with the key it was added with",
				s->origin);
	}
	int rc = muster_keys_authorize(kt, &e, why, sizeof why);
	if (rc == 0)
		rc = muster_project(im->txn, s->dbi, &e, why, sizeof why);
	if (rc == MUSTER_EMAPFULL || rc == MUSTER_ENOMEM || rc == MUSTER_ESTORE || rc == MUSTER_EIO) {
		if (rc == MUSTER_EMAPFULL)
			im->map_full = 1;
		return rc;
	}
	if (rc) {
		const char *name = muster_event_name(e.type);
		return finding(r, MUSTER_MIRROR_REFUSED, index, "entry %" PRIu64 " (%s) breaks a rule: %s", index,
			name ? name : "?", why[0] ? why : "refused");
	}
	uint8_t kb[LOG_KEY];
	log_key(kb, index, LOG_ENTRY);
	if ((rc = put(im, kb, p, n, MDB_APPEND)) != 0)
		return rc;
	uint8_t hashes[64][MUSTER_HASH_BYTES];
	size_t k = muster_range_append(range, im->sig->leaf[i], hashes); /* the leaf hash came with the signature */
	log_key(kb, index, LOG_HASHES);
	return put(im, kb, hashes, k * MUSTER_HASH_BYTES, MDB_APPEND);
}

/* Entries the mirror holds already must be the very same bytes. */
static int overlap(struct import *im, uint64_t m)
{
	const muster_mirror_batch *b = im->b;
	for (uint64_t index = b->first; index < m; index++) {
		size_t i = (size_t)(index - b->first);
		uint8_t kb[LOG_KEY];
		log_key(kb, index, LOG_ENTRY);
		MDB_val k = {LOG_KEY, kb}, v;
		int rc = muster_mdb_err(mdb_get(im->txn, im->s->dbi[DB_LOG], &k, &v));
		if (rc)
			return rc == MUSTER_ENOTFOUND ? MUSTER_ECORRUPT : rc;
		if (v.mv_size == b->entry_len[i] && memcmp(v.mv_data, b->entry[i], v.mv_size) == 0)
			continue;
		muster_entry e;
		if (muster_entry_decode(b->entry[i], b->entry_len[i], &e) == 0 && e.index == index &&
			muster_entry_verify(b->entry[i], b->entry_len[i], &e) == 0) {
			keep_ours(im, m);
			return finding(im->r, MUSTER_MIRROR_FORK, index,
				"entry %" PRIu64 " is signed but differs from the entry %" PRIu64 " the mirror verified", index, index);
		}
		return finding(im->r, MUSTER_MIRROR_REFUSED, index, "entry %" PRIu64 " differs from the mirror's and does not verify: damaged",
			index);
	}
	return 0;
}

static int import_once(struct import *im)
{
	muster_store *s = im->s;
	const muster_mirror_batch *b = im->b;
	muster_mirror_result *r = im->r;
	int rc = muster_mdb_err(mdb_txn_begin(s->env, NULL, 0, &im->txn));
	if (rc)
		return rc;
	struct merkle_ctx mc = {im->txn, s->dbi[DB_LOG]};
	muster_range range;
	uint64_t m;
	uint8_t root_m[MUSTER_HASH_BYTES];
	rc = muster_log_size_txn(im->txn, s->dbi[DB_LOG], &m);
	if (rc == 0)
		rc = muster_range_load(&range, m, muster_merkle_read, &mc);
	if (rc == 0) {
		muster_range_root(&range, root_m);
		r->old_size = m;
	}
	if (rc == 0 && im->ck.size <= m) {
		rc = old_checkpoint(im, m, root_m);
		goto out;
	}
	if (rc == 0 && b->first + b->count != im->ck.size)
		rc = MUSTER_EINVAL; /* the caller must give every entry up to the checkpoint */
	if (rc == 0 && b->first > m)
		rc = finding(r, MUSTER_MIRROR_REFUSED, m,
			"the entries start at %" PRIu64 " but the mirror holds %" PRIu64 ": entries %" PRIu64 "-%" PRIu64 " are missing",
			b->first, m, m, b->first - 1);
	if (rc == 0)
		rc = overlap(im, m);
	struct lmdb_keytab kctx;
	struct keytab kt;
	muster_keytab_lmdb(&kt, &kctx, im->txn, s->dbi[DB_KEYS]);
	for (size_t i = (size_t)(m - b->first); rc == 0 && i < b->count; i++)
		rc = apply(im, i, &range, &kt);
	if (kctx.map_full)
		im->map_full = 1;
	muster_buf_free(&kctx.buf);
	uint8_t root[MUSTER_HASH_BYTES];
	if (rc == 0) {
		muster_range_root(&range, root);
		if (sodium_memcmp(root, im->ck.root, MUSTER_HASH_BYTES) != 0) {
			char a[17], c[17];
			hex8(root, a);
			hex8(im->ck.root, c);
			keep_ours(im, m);
			rc = finding(r, MUSTER_MIRROR_FORK, im->ck.size,
				"the site signed root %s... for size %" PRIu64 ", but its own entries give %s...", c, im->ck.size, a);
		}
	}
	if (rc == 0 && (b->has_proof || b->proof_count) && b->proof_from > 0 && b->proof_from < im->ck.size) {
		uint8_t old[MUSTER_HASH_BYTES];
		rc = b->proof_from > m ? MUSTER_EINVAL : muster_tree_hash(b->proof_from, muster_merkle_read, &mc, old);
		if (rc == 0 && muster_verify_consistency(b->proof_from, im->ck.size, old, im->ck.root, b->proof, b->proof_count) != 0)
			rc = finding(r, MUSTER_MIRROR_REFUSED, b->proof_from,
				"the consistency proof from %" PRIu64 " to %" PRIu64 " does not verify: damaged", b->proof_from,
				im->ck.size);
	}
	if (rc == 0 && b->check) {
		char why[256] = "";
		if (b->check(b->check_arg, muster_merkle_read, &mc, why, sizeof why) != 0)
			rc = finding(r, MUSTER_MIRROR_REFUSED, UINT64_MAX, "%s", why[0] ? why : "refused");
	}
	if (rc == 0)
		rc = store_checkpoint(im, im->ck.size, b->checkpoint, b->checkpoint_len, MDB_APPEND | MDB_NOOVERWRITE);
	if (rc == 0)
		r->outcome = MUSTER_MIRROR_ADVANCED;
out:
	if (rc == 0) {
		int c = mdb_txn_commit(im->txn);
		if (c == MDB_MAP_FULL)
			im->map_full = 1;
		rc = muster_mdb_err(c);
	} else {
		mdb_txn_abort(im->txn);
	}
	return rc;
}

/*
 * Grows the map, before the write begins, to hold what the batch adds
 * (the entries, their hashes, the projections: about 2.5 times the
 * entries' bytes, by measurement on generated logs).  A map that fills
 * mid-import costs the whole apply again (LMDB cannot grow a map inside a
 * write), which on a first import of a large log happened four times.
 * The usual doubling on MDB_MAP_FULL still backs this up.
 */
static int make_room(muster_store *s, const muster_mirror_batch *b, uint64_t m)
{
	uint64_t add = 0;
	for (size_t i = m > b->first ? (size_t)(m - b->first) : 0; i < b->count; i++)
		add += b->entry_len[i] + 4 * MUSTER_HASH_BYTES;
	MDB_envinfo info;
	MDB_stat st;
	int rc = mdb_env_info(s->env, &info);
	if (rc == 0)
		rc = mdb_env_stat(s->env, &st);
	if (rc)
		return muster_mdb_err(rc);
	uint64_t need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize + add / 2 * 5 + ((uint64_t)64 << 20), size = info.me_mapsize;
	while (size < need && size < ((uint64_t)1 << 46))
		size *= 2;
	return size == info.me_mapsize ? 0 : muster_map_resize(s, (size_t)size);
}

static unsigned cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

int muster_mirror_import(muster_store *s, const muster_mirror_batch *b, unsigned threads, muster_mirror_result *r)
{
	memset(r, 0, sizeof *r);
	r->at = UINT64_MAX;
	if (!s->mirror)
		return MUSTER_EINVAL;
	struct import im = {s, b, r, NULL, {{0}, 0, {0}}, NULL, 0, NULL, 0};

	/* The checkpoint: signed by the log key the mirror was added with, for its origin. */
	muster_verifier v;
	snprintf(v.name, sizeof v.name, "%s", s->origin);
	memcpy(v.pk, s->log_pk, MUSTER_PK_BYTES);
	v.hash = muster_note_key_hash(s->origin, s->log_pk);
	size_t tlen, nv;
	int rc = muster_note_open(b->checkpoint, b->checkpoint_len, &v, 1, &tlen, &nv);
	if (rc == MUSTER_ENOTFOUND || rc == MUSTER_EVERIFY)
		return finding(r, MUSTER_MIRROR_REFUSED, UINT64_MAX, "the checkpoint is not signed by %s's log key%s", s->origin,
			rc == MUSTER_EVERIFY ? " (its signature does not verify)" : " (signed by an unknown key)");
	if (rc)
		return finding(r, MUSTER_MIRROR_REFUSED, UINT64_MAX, "the checkpoint is not a signed note: damaged");
	if (muster_checkpoint_parse(b->checkpoint, tlen, &im.ck) != 0 || strcmp(im.ck.origin, s->origin) != 0)
		return finding(r, MUSTER_MIRROR_REFUSED, UINT64_MAX, "the checkpoint is not one of %s's", s->origin);
	im.ck_text = b->checkpoint;
	im.ck_text_len = tlen;
	r->new_size = im.ck.size;
	if (b->count && b->first + b->count != im.ck.size)
		return MUSTER_EINVAL;

	/* Signatures: workers over every entry past the first one the mirror may lack. */
	struct sigcheck sc;
	memset(&sc, 0, sizeof sc);
	sc.b = b;
	sc.from = 0;
	sc.chunks = (b->count + CHUNK - 1) / CHUNK;
	sc.state = calloc(sc.chunks ? sc.chunks : 1, sizeof *sc.state);
	sc.bad = calloc(b->count ? b->count : 1, 1);
	sc.leaf = calloc(b->count ? b->count : 1, sizeof *sc.leaf);
	if (!sc.state || !sc.bad || !sc.leaf) {
		free((void *)sc.state);
		free(sc.bad);
		free(sc.leaf);
		return MUSTER_ENOMEM;
	}
	pthread_mutex_init(&sc.lock, NULL);
	pthread_cond_init(&sc.done, NULL);
	im.sig = &sc;
	/* Chunks the mirror holds already are never looked at: mark them done. */
	uint64_t m = 0;
	{
		MDB_txn *txn;
		if ((rc = muster_read_begin(s, &txn)) == 0) {
			rc = muster_log_size_txn(txn, s->dbi[DB_LOG], &m);
			muster_read_end(s, txn);
		}
	}
	if (rc == 0 && im.ck.size > m && b->first + b->count == im.ck.size) {
		size_t skip = m > b->first ? (size_t)(m - b->first) / CHUNK : 0;
		for (size_t k = 0; k < skip; k++)
			atomic_store(&sc.state[k], CH_DONE);
		atomic_store(&sc.next, skip);
	} else {
		sc.chunks = 0; /* nothing new to check: no workers */
	}
	if (rc == 0 && sc.chunks)
		rc = make_room(s, b, m);
	unsigned nt = threads ? threads : cpus();
	if (nt > sc.chunks)
		nt = (unsigned)sc.chunks;
	pthread_t th[64];
	unsigned started = 0;
	for (; rc == 0 && started < nt && started < 64; started++)
		if (pthread_create(&th[started], NULL, sig_worker, &sc) != 0)
			break;
	for (int tries = 0; rc == 0; tries++) {
		im.map_full = 0;
		muster_buf_reset(&r->ours);
		rc = import_once(&im);
		if (!(im.map_full || rc == MUSTER_EMAPFULL) || tries >= 40)
			break;
		r->outcome = 0;
		r->reason[0] = 0;
		MDB_envinfo info;
		if ((rc = muster_mdb_err(mdb_env_info(s->env, &info))) == 0)
			rc = muster_map_resize(s, info.me_mapsize * 2);
	}
	/* A refused import may leave chunks unchecked: let the workers run out. */
	atomic_store(&sc.next, sc.chunks);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&sc.lock);
	pthread_cond_destroy(&sc.done);
	free((void *)sc.state);
	free(sc.bad);
	free(sc.leaf);
	if (rc == MUSTER_EMAPFULL)
		rc = MUSTER_ESTORE;
	return rc;
}

/* ---- a site keeps its cosignatures --------------------------------------- */

int muster_log_cosigned(muster_store *s, const uint8_t *note, size_t len, const muster_verifier *witness, uint64_t *size)
{
	size_t tlen = note_text_len(note, len);
	muster_checkpoint ck;
	if (tlen == 0 || muster_checkpoint_parse(note, tlen, &ck) != 0 || ck.size == 0)
		return MUSTER_EINVAL;
	if (strcmp(ck.origin, s->origin) != 0)
		return MUSTER_EVERIFY;
	uint64_t when;
	int rc = muster_cosig_verify(note, len, witness, &when);
	if (rc)
		return rc;
	/* The witness's line alone, as it appears in the note. */
	char prefix[MUSTER_ORIGIN_MAX + 8];
	int pl = snprintf(prefix, sizeof prefix, "\xe2\x80\x94 %s ", witness->name);
	muster_buf line = {0};
	for (size_t i = tlen + 1; i < len;) {
		const uint8_t *nl = memchr(note + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (note + i)) + 1 : len - i;
		if (pl > 0 && n > (size_t)pl && memcmp(note + i, prefix, (size_t)pl) == 0) {
			muster_buf_reset(&line);
			muster_buf_put(&line, note + i, n);
		}
		i += n;
	}
	for (int tries = 0; tries < 8; tries++) {
		MDB_txn *txn;
		if ((rc = muster_mdb_err(mdb_txn_begin(s->env, NULL, 0, &txn))) != 0)
			break;
		uint8_t kb[LOG_KEY];
		log_key(kb, ck.size - 1, LOG_CKPT);
		MDB_val k = {LOG_KEY, kb}, v;
		muster_buf out = {0};
		rc = muster_mdb_err(mdb_get(txn, s->dbi[DB_LOG], &k, &v));
		if (rc == 0 && (note_text_len(v.mv_data, v.mv_size) != tlen || memcmp(v.mv_data, note, tlen) != 0))
			rc = MUSTER_EVERIFY;
		if (rc == 0) {
			note_replace_line(&out, v.mv_data, v.mv_size, witness->name, &line);
			MDB_val nv = {out.len, out.data};
			rc = out.err ? out.err : mdb_put(txn, s->dbi[DB_LOG], &k, &nv, 0);
			rc = rc == MDB_MAP_FULL ? MUSTER_EMAPFULL : muster_mdb_err(rc);
		}
		muster_buf_free(&out);
		if (rc == 0) {
			rc = muster_mdb_err(mdb_txn_commit(txn));
		} else {
			mdb_txn_abort(txn);
		}
		if (rc != MUSTER_EMAPFULL)
			break;
		MDB_envinfo info;
		if ((rc = muster_mdb_err(mdb_env_info(s->env, &info))) != 0 ||
			(rc = muster_map_resize(s, info.me_mapsize * 2)) != 0)
			break;
	}
	muster_buf_free(&line);
	if (rc == 0 && size)
		*size = ck.size;
	return rc == MUSTER_EMAPFULL ? MUSTER_ESTORE : rc;
}
