/*
 * test_store.c - the store end to end through the library: one transaction
 * per write or nothing, roles, checkpoints and proofs, map growth,
 * verification with any number of threads, tamper detection, reindex;
 * how a handle reads: the key order it gives LMDB (muster_key_cmp, the
 * same as LMDB's own) and the read transactions it keeps idle between
 * reads (a renewed one sees the newest commit, several threads share them,
 * a map another process grew is adopted, none is left behind by close).
 */
#include "tap.h"

#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/muster-test-store.XXXXXX";

struct job {
	const muster_signer *signer;
	uint64_t type;
	muster_buf body;
	int count;
	int fail_after; /* return MUSTER_ESTATE after this many appends (-1: never) */
};

static int run(muster_wtxn *w, void *arg)
{
	struct job *j = arg;
	for (int i = 0; i < j->count; i++) {
		if (i == j->fail_after)
			return MUSTER_ESTATE;
		int rc = muster_append(w, j->signer, j->type, j->body.data, j->body.len, NULL);
		if (rc)
			return rc;
	}
	return j->fail_after >= 0 ? MUSTER_ESTATE : 0;
}

/* A careless writer: appends as a stranger, ignores the refusal, appends as the admin, says all is well. */
struct careless {
	const muster_signer *stranger, *admin;
};

static int ignore_refusal(muster_wtxn *w, void *arg)
{
	struct careless *c = arg;
	muster_buf b = {0};
	muster_ev_journal v = {{"无视拒绝", strlen("无视拒绝")}};
	muster_ev_journal_encode(&b, &v);
	int rc = muster_append(w, c->stranger, MUSTER_EV_JOURNAL, b.data, b.len, NULL);
	(void)rc;
	if (muster_append(w, c->admin, MUSTER_EV_JOURNAL, b.data, b.len, NULL) != 0) {
		/* refused too: fine, the write must not commit either way */
	}
	muster_buf_free(&b);
	return 0;
}

/* Savepoints: a refused append in one is taken back and the write goes on. */
struct sp {
	const muster_signer *stranger, *admin;
	int leave_open;
	uint64_t idx[3];
	int rc[6];
	char why[256];
};

static int savepoints(muster_wtxn *w, void *arg)
{
	struct sp *c = arg;
	muster_buf b = {0};
	muster_ev_journal v = {{"保存点", strlen("保存点")}};
	muster_ev_journal_encode(&b, &v);
	c->rc[0] = muster_savepoint(w);
	c->rc[1] = muster_append(w, c->admin, MUSTER_EV_JOURNAL, b.data, b.len, &c->idx[0]);
	c->rc[2] = muster_savepoint_release(w);
	if (muster_savepoint(w) == 0) {
		c->rc[3] = muster_append(w, c->admin, MUSTER_EV_JOURNAL, b.data, b.len, NULL);
		c->rc[4] = muster_append(w, c->stranger, MUSTER_EV_JOURNAL, b.data, b.len, NULL);
		snprintf(c->why, sizeof c->why, "%s", muster_wtxn_why(w));
		muster_savepoint_rollback(w); /* both appends of this savepoint go */
	}
	c->rc[5] = muster_append(w, c->admin, MUSTER_EV_JOURNAL, b.data, b.len, &c->idx[1]);
	if (c->leave_open && muster_savepoint(w) == 0 &&
		muster_append(w, c->admin, MUSTER_EV_JOURNAL, b.data, b.len, &c->idx[2]) != 0)
		c->rc[0] = -1;
	muster_buf_free(&b);
	return 0;
}

/* What muster_log_verify_progress told its callback. */
struct heard {
	pthread_t caller;
	uint64_t calls, first_done, last_done, last_total;
	int increasing, same_total, same_thread;
};

static void hear(uint64_t done, uint64_t total, void *arg)
{
	struct heard *h = arg;
	if (h->calls == 0) {
		h->first_done = done;
		h->last_total = total;
	} else {
		h->increasing = h->increasing && done > h->last_done;
		h->same_total = h->same_total && total == h->last_total;
	}
	h->same_thread = h->same_thread && pthread_equal(pthread_self(), h->caller);
	h->calls++;
	h->last_done = done;
	h->last_total = total;
}

static int verify_heard(muster_store *s, unsigned threads, muster_verify_report *rep, struct heard *h)
{
	*h = (struct heard){pthread_self(), 0, 0, 0, 0, 1, 1, 1};
	return muster_log_verify_progress(s, threads, rep, hear, h);
}

static int journal(muster_store *s, const muster_signer *k, const char *text, int count)
{
	struct job j = {k, MUSTER_EV_JOURNAL, {0}, count, -1};
	muster_ev_journal v = {{text, strlen(text)}};
	muster_ev_journal_encode(&j.body, &v);
	int rc = muster_write(s, run, &j);
	muster_buf_free(&j.body);
	return rc;
}

static int key_event(muster_store *s, const muster_signer *by, uint64_t type, const uint8_t *pk, uint32_t roles, const char *text)
{
	struct job j = {by, type, {0}, 1, -1};
	muster_ev_key v = {pk, roles, {text, strlen(text)}};
	muster_ev_key_encode(&j.body, type, &v);
	int rc = muster_write(s, run, &j);
	muster_buf_free(&j.body);
	return rc;
}

static uint64_t size_of(muster_store *s)
{
	uint64_t n = 0;
	return muster_log_size(s, &n) == 0 ? n : UINT64_MAX;
}

/* Every key and value of the projection databases, in order. */
static void dump(muster_store *s, muster_buf *out)
{
	MDB_txn *txn;
	muster_buf_reset(out);
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return;
	int dbs[] = {DB_META, DB_KEYS, DB_JOURNAL};
	for (size_t d = 0; d < 3; d++) {
		MDB_cursor *c;
		MDB_val k, v;
		muster_put_uint(out, (uint64_t)dbs[d]);
		if (mdb_cursor_open(txn, s->dbi[dbs[d]], &c) != 0)
			break;
		while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
			muster_put_bytes(out, k.mv_data, k.mv_size);
			muster_put_bytes(out, v.mv_data, v.mv_size);
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
}

/* Flips a bit in the log record (index, kind) at byte off, as an outside attacker would. */
static void poke(muster_store *s, uint64_t index, int kind, size_t off)
{
	MDB_txn *txn;
	uint8_t kb[LOG_KEY];
	log_key(kb, index, kind);
	MDB_val k = {LOG_KEY, kb}, v;
	if (mdb_txn_begin(s->env, NULL, 0, &txn) != 0)
		return;
	if (mdb_get(txn, s->dbi[DB_LOG], &k, &v) == 0) {
		uint8_t *copy = malloc(v.mv_size);
		memcpy(copy, v.mv_data, v.mv_size);
		copy[off % v.mv_size] ^= 0x04;
		MDB_val nv = {v.mv_size, copy};
		mdb_put(txn, s->dbi[DB_LOG], &k, &nv, 0);
		free(copy);
	}
	mdb_txn_commit(txn);
}

/* LMDB's default order for keys without MDB_INTEGERKEY (mdb_cmp_memn in mdb.c). */
static int memn(const MDB_val *a, const MDB_val *b)
{
	size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	int c = n ? memcmp(a->mv_data, b->mv_data, n) : 0;
	if (c)
		return c;
	return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void key_order(void)
{
	/* Few byte values, so that equal prefixes, prefixes and equal keys come often. */
	static const uint8_t alphabet[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
	uint8_t a[24], b[24];
	uint32_t x = 2463534242u;
	int same = 1, equal = 0, prefix = 0;
	for (int i = 0; i < 200000 && same; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		size_t na = x % 21, nb = (x >> 8) % 21;
		for (size_t j = 0; j < sizeof a; j++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			a[j] = alphabet[x % 6];
			b[j] = (x >> 16) % 4 ? a[j] : alphabet[(x >> 8) % 6];
		}
		MDB_val ka = {na, a}, kb = {nb, b};
		int want = sign(memn(&ka, &kb));
		same = sign(muster_key_cmp(&ka, &kb)) == want && sign(muster_key_cmp(&kb, &ka)) == -want;
		equal += want == 0;
		prefix += want != 0 && na != nb && memcmp(a, b, na < nb ? na : nb) == 0;
		if (!same)
			printf("#   keys of %zu and %zu bytes are ordered otherwise\n", na, nb);
	}
	ok(same, "muster_key_cmp orders 200,000 random keys as memcmp then length does");
	ok(equal > 100 && prefix > 1000, "among them equal keys (%d) and keys that are prefixes of others (%d)", equal, prefix);
	uint8_t k9a[LOG_KEY], k9b[LOG_KEY];
	log_key(k9a, 255, LOG_CKPT);
	log_key(k9b, 256, LOG_ENTRY);
	MDB_val ka = {LOG_KEY, k9a}, kb = {LOG_KEY, k9b};
	ok(muster_key_cmp(&ka, &kb) < 0, "log keys sort by index first, then by kind");
}

static int idle_count(muster_store *s)
{
	int n = 0;
	for (int i = 0; i < READ_IDLE; i++)
		n += atomic_load(&s->idle[i]) != NULL;
	return n;
}

/* mdb_reader_list's lines: a header, then one per slot in use. */
static int count_line(const char *msg, void *ctx)
{
	(void)msg;
	++*(int *)ctx;
	return 0;
}

static int slots(muster_store *s)
{
	int lines = 0;
	mdb_reader_list(s->env, count_line, &lines);
	return lines ? lines - 1 : 0;
}

struct reader {
	muster_store *s;
	_Atomic int *stop;
	int reads, bad;
};

/* Reads the size and the last entry until told to stop: the size never shrinks, the last entry is always there. */
static void *read_loop(void *arg)
{
	struct reader *r = arg;
	uint64_t last = 0;
	muster_buf e = {0};
	while (!atomic_load(r->stop) || r->reads < 100) {
		uint64_t n = 0;
		muster_buf_reset(&e);
		if (muster_log_size(r->s, &n) != 0 || n < last || muster_log_entry(r->s, n - 1, &e) != 0 || e.len == 0)
			r->bad++;
		last = n;
		r->reads++;
	}
	muster_buf_free(&e);
	return NULL;
}

/* The read transactions a handle keeps idle, on a store of their own in sd. */
static void idle_reads(const char *sd, const muster_signer *admin)
{
	muster_store *s;
	if (!ok(muster_store_create(sd, "muster.test/读取", admin, "张伟", &s) == 0, "a store for the idle reads"))
		return;

	/* More reads at once than are kept: the extra ones are ended for good. */
	MDB_txn *held[READ_IDLE + 2];
	int began = 1;
	for (int i = 0; i < READ_IDLE + 2; i++)
		began = began && muster_read_begin(s, &held[i]) == 0;
	ok(began && slots(s) == READ_IDLE + 2, "%d reads at once hold %d reader slots (%d)", READ_IDLE + 2, READ_IDLE + 2, slots(s));
	for (int i = 0; began && i < READ_IDLE + 2; i++)
		muster_read_end(s, held[i]);
	ok(idle_count(s) == READ_IDLE, "%d of them are kept idle", READ_IDLE);
	ok(slots(s) == READ_IDLE, "and keep their slots, no more (%d)", slots(s));
	MDB_txn *again;
	int kept = 0;
	if (muster_read_begin(s, &again) == 0) {
		for (int i = 0; i < READ_IDLE + 2; i++)
			kept += again == held[i];
		muster_read_end(s, again);
	}
	ok(kept == 1 && slots(s) == READ_IDLE, "the next read renews one of them");

	/* A renewed transaction is a new snapshot; one held across a commit keeps its own. */
	uint64_t before = size_of(s);
	MDB_txn *old;
	uint64_t seen = 0;
	ok(muster_read_begin(s, &old) == 0, "a read begun before a write");
	ok(journal(s, admin, "读取之后写入", 3) == 0 && size_of(s) == before + 3, "the write after it is seen by the next read");
	ok(muster_log_size_txn(old, s->dbi[DB_LOG], &seen) == 0 && seen == before, "the read begun before it still sees %llu",
		(unsigned long long)before);
	muster_read_end(s, old);
	ok(size_of(s) == before + 3, "and once it is idle and renewed, the newest commit");

	/* Four threads read while this one writes. */
	{
		_Atomic int stop = 0;
		struct reader r[4];
		pthread_t t[4];
		int made = 0;
		for (int i = 0; i < 4; i++) {
			r[i] = (struct reader){s, &stop, 0, 0};
			made += pthread_create(&t[i], NULL, read_loop, &r[i]) == 0;
		}
		int wrote = 0;
		for (int i = 0; i < 40; i++)
			wrote += journal(s, admin, "并发读取", 5) == 0;
		atomic_store(&stop, 1);
		int reads = 0, bad = 0;
		for (int i = 0; i < made; i++) {
			pthread_join(t[i], NULL);
			reads += r[i].reads;
			bad += r[i].bad;
		}
		ok(made == 4 && wrote == 40, "4 readers ran beside 40 writes");
		ok(bad == 0 && reads >= 400, "%d reads: the size never shrank and the last entry was always there", reads);
		ok(idle_count(s) <= READ_IDLE && slots(s) == idle_count(s), "after them only idle reads hold slots (%d)", slots(s));
	}

	/* Another process grows the map past this handle's: the idle reads adopt it. */
	{
		MDB_envinfo info;
		mdb_env_info(s->env, &info);
		size_t map = info.me_mapsize;
		ok(idle_count(s) > 0, "reads are idle before the other process writes");
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			muster_store *c;
			char *text = malloc(MUSTER_TEXT_MAX + 1);
			int rc = !text || muster_store_open(sd, &c);
			if (rc == 0) {
				memset(text, 'x', MUSTER_TEXT_MAX);
				text[MUSTER_TEXT_MAX] = 0;
				muster_store_set_durable(c, 0);
				for (int b = 0; rc == 0 && b < 10; b++)
					rc = journal(c, admin, text, 500);
				muster_store_close(c);
			}
			_exit(rc ? 1 : 0);
		}
		int status = -1;
		ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
			"another process wrote 5,000 entries of 16 KiB");
		uint64_t n = size_of(s);
		muster_buf e = {0};
		ok(n == before + 3 + 200 + 5000 && muster_log_entry(s, n - 1, &e) == 0 && e.len > MUSTER_TEXT_MAX,
			"this handle reads all %llu entries, the last one whole", (unsigned long long)n);
		muster_buf_free(&e);
		mdb_env_info(s->env, &info);
		ok(info.me_mapsize > map, "its map grew to the other process's (%zu MiB, from %zu)", info.me_mapsize >> 20, map >> 20);
		muster_verify_report rep;
		ok(muster_log_verify(s, 2, &rep) == 0 && rep.entries == n, "and the log verifies through it");
	}

	/* Closing ends the idle reads (ASan finds a leak otherwise), and LMDB frees their slots. */
	ok(idle_count(s) > 0, "reads are idle at close");
	muster_store_close(s);
	int left = -1;
	if (muster_store_open(sd, &s) == 0) {
		left = slots(s);
		muster_store_close(s);
	}
	ok(left == 0, "after close no reader slot is left (%d)", left);
}

int main(void)
{
	if (muster_init() != 0 || !mkdtemp(dir))
		return 1;
	char sd[300], sd2[340];
	snprintf(sd, sizeof sd, "%s/store", dir);
	snprintf(sd2, sizeof sd2, "%s/store2", dir);
	muster_signer *admin, *keeper, *stranger, *admin2;
	if (muster_signer_generate(&admin) || muster_signer_generate(&keeper) || muster_signer_generate(&stranger) ||
		muster_signer_generate(&admin2))
		return 1;

	muster_store *s;
	struct stat st;
	ok(muster_store_create(sd2, "bad origin", admin, "张伟", &s) == MUSTER_EINVAL && stat(sd2, &st) != 0,
		"a bad origin is refused and nothing is left behind");
	ok(muster_store_create(sd, "muster.test/队伍-07", admin, "张伟", &s) == 0, "store created");
	ok(size_of(s) == 1, "genesis is entry 0");
	snprintf(sd2, sizeof sd2, "%s/log.key", sd);
	ok(stat(sd2, &st) == 0 && (st.st_mode & 0777) == 0600, "site log key is 0600");
	muster_store *again;
	ok(muster_store_create(sd, "muster.test/x", admin, "x", &again) == MUSTER_EEXIST, "an existing store is refused");
	ok(stat(sd2, &st) == 0, "and left intact");

	ok(journal(s, admin, "交接班记录", 1) == 0 && size_of(s) == 2, "admin writes the journal");
	ok(journal(s, stranger, "不该写入", 1) == MUSTER_EPERM && strstr(muster_store_why(s), "not enrolled") && size_of(s) == 2,
		"an unenrolled key is refused, nothing written");
	{
		struct careless c = {stranger, admin};
		ok(muster_write(s, ignore_refusal, &c) == MUSTER_EPERM && size_of(s) == 2,
			"a writer that ignores a refused append still commits nothing");
	}
	{
		uint64_t sz = size_of(s);
		struct sp c = {stranger, admin, 0, {0}, {0}, ""};
		ok(muster_write(s, savepoints, &c) == 0 && size_of(s) == sz + 2, "a write with savepoints commits what was kept");
		ok(c.rc[0] == 0 && c.rc[1] == 0 && c.rc[2] == 0 && c.idx[0] == sz, "a released savepoint keeps its append");
		ok(c.rc[3] == 0 && c.rc[4] == MUSTER_EPERM && strstr(c.why, "not enrolled"), "a refused append in a savepoint says why");
		ok(c.rc[5] == 0 && c.idx[1] == sz + 1, "after the rollback the next append takes the next index");
		muster_verify_report rep;
		ok(muster_log_verify(s, 1, &rep) == 0, "and the log verifies");
		struct sp d = {stranger, admin, 1, {0}, {0}, ""};
		sz = size_of(s);
		ok(muster_write(s, savepoints, &d) == MUSTER_EINVAL && size_of(s) == sz, "a savepoint left open: nothing is committed");
	}
	ok(key_event(s, admin, MUSTER_EV_KEY_ENROL, muster_signer_pk(keeper), MUSTER_ROLE_KEEPER, "李娜") == 0, "admin enrols a keeper");
	ok(key_event(s, admin, MUSTER_EV_KEY_ENROL, muster_signer_pk(keeper), MUSTER_ROLE_KEEPER, "李娜") == MUSTER_EEXIST,
		"enrolling twice is refused");
	ok(key_event(s, keeper, MUSTER_EV_KEY_ENROL, muster_signer_pk(stranger), MUSTER_ROLE_HR, "王五") == MUSTER_EPERM &&
			strstr(muster_store_why(s), "needs one of admin"),
		"a keeper cannot enrol keys");
	ok(journal(s, keeper, "巡检完成", 1) == 0, "a keeper writes the journal");
	ok(key_event(s, admin, MUSTER_EV_KEY_REVOKE, muster_signer_pk(admin), 0, "") == MUSTER_ESTATE &&
			strstr(muster_store_why(s), "last active admin"),
		"the last admin cannot be revoked");
	ok(key_event(s, admin, MUSTER_EV_KEY_ROLES, muster_signer_pk(admin), MUSTER_ROLE_KEEPER, "") == MUSTER_ESTATE,
		"nor demoted");
	uint64_t before = size_of(s);
	muster_buf cp_before = {0}, cp_after = {0};
	if (muster_log_checkpoint(s, UINT64_MAX, &cp_before, NULL) != 0)
		return 1;
	struct job j = {admin, MUSTER_EV_JOURNAL, {0}, 5, 3};
	muster_ev_journal jv = {{"回滚", strlen("回滚")}};
	muster_ev_journal_encode(&j.body, &jv);
	ok(muster_write(s, run, &j) == MUSTER_ESTATE && size_of(s) == before, "a failing write rolls back every append");
	muster_buf_free(&j.body);
	if (muster_log_checkpoint(s, UINT64_MAX, &cp_after, NULL) != 0)
		return 1;
	ok(cp_before.len == cp_after.len && memcmp(cp_before.data, cp_after.data, cp_before.len) == 0, "and signs no checkpoint");
	ok(key_event(s, admin, MUSTER_EV_KEY_REVOKE, muster_signer_pk(keeper), 0, "离职") == 0, "admin revokes the keeper");
	ok(journal(s, keeper, "撤销后", 1) == MUSTER_EPERM && strstr(muster_store_why(s), "revoked"), "a revoked key is refused");
	ok(key_event(s, admin, MUSTER_EV_KEY_ENROL, muster_signer_pk(admin2), MUSTER_ROLE_ADMIN | MUSTER_ROLE_AUDITOR, "赵六") == 0 &&
			key_event(s, admin2, MUSTER_EV_KEY_ROLES, muster_signer_pk(admin), MUSTER_ROLE_AUDITOR, "") == 0,
		"a second admin may demote the first");
	ok(journal(s, admin, "降级后", 1) == MUSTER_EPERM, "an auditor cannot write the journal");

	/* Checkpoints and proofs agree with each other and with the vkey. */
	muster_buf vk = {0}, note = {0};
	muster_verifier v;
	uint64_t got;
	ok(muster_log_vkey(s, &vk) == 0 && muster_vkey_parse((char *)vk.data, vk.len, &v) == 0, "vkey parses");
	ok(muster_log_checkpoint(s, UINT64_MAX, &note, &got) == 0 && got == size_of(s), "latest checkpoint is at the log size");
	size_t tl, nv;
	muster_checkpoint cp;
	uint8_t root[32];
	ok(muster_note_open(note.data, note.len, &v, 1, &tl, &nv) == 0 && muster_checkpoint_parse(note.data, tl, &cp) == 0 &&
			muster_log_root(s, got, root) == 0 && memcmp(root, cp.root, 32) == 0,
		"checkpoint opens with the vkey and signs the tree's root");
	int proofs = 1;
	for (uint64_t i = 0; i < got; i++) {
		uint8_t p[MUSTER_PROOF_MAX][32], leaf[32];
		size_t n;
		muster_buf e = {0};
		proofs = proofs && muster_log_prove_inclusion(s, i, got, p, &n) == 0 && muster_log_entry(s, i, &e) == 0;
		muster_leaf_hash(e.data, e.len, leaf);
		proofs = proofs && muster_verify_inclusion(got, i, leaf, (const uint8_t(*)[32])p, n, root) == 0;
		muster_buf_free(&e);
	}
	ok(proofs, "every entry's inclusion proof verifies against the checkpoint");
	{
		/* tlog-tiles: level 0 holds the leaf hashes; nothing past the tree. */
		uint8_t (*t)[MUSTER_HASH_BYTES] = malloc(MUSTER_TILE_WIDTH * MUSTER_HASH_BYTES);
		size_t w = 0;
		int same = t && muster_log_tile(s, got, 0, 0, t, &w) == 0 && w == got;
		for (uint64_t i = 0; same && i < got; i++) {
			uint8_t leaf[32];
			muster_buf e = {0};
			same = muster_log_entry(s, i, &e) == 0;
			muster_leaf_hash(e.data, e.len, leaf);
			same = same && memcmp(leaf, t[i], 32) == 0;
			muster_buf_free(&e);
		}
		ok(same, "tile 0/0 holds the leaf hashes, a partial tile as wide as the tree");
		ok(muster_log_tile(s, got - 1, 0, 0, t, &w) == 0 && w == got - 1, "a smaller tree gives the narrower tile");
		ok(muster_log_tile(s, got, 0, 1, t, &w) == MUSTER_ENOTFOUND && muster_log_tile(s, got, 1, 0, t, &w) == MUSTER_ENOTFOUND,
			"a tile the tree does not reach is not found");
		ok(muster_log_tile(s, got + 1, 0, 0, t, &w) == MUSTER_ENOTFOUND, "nor one past the log");
		ok(muster_log_tile(s, got, 8, 0, t, &w) == MUSTER_EINVAL, "level 8 is refused");
		free(t);
	}
	muster_buf_free(&note);
	muster_buf_free(&vk);

	muster_verify_report rep;
	ok(muster_log_verify(s, 1, &rep) == 0 && rep.entries == size_of(s), "verify passes with 1 thread");
	ok(muster_log_verify(s, 3, &rep) == 0 && rep.checkpoints > 5, "verify passes with 3 threads");
	struct heard h;
	int vrc = verify_heard(s, 2, &rep, &h);
	ok(vrc == 0 && h.calls >= 2 && h.first_done == 0 && h.increasing && h.same_total &&
			h.last_done == rep.entries && h.last_total == rep.entries,
		"progress on a small log: from 0 up to all %llu entries, in %llu calls", (unsigned long long)rep.entries,
		(unsigned long long)h.calls);
	ok(muster_log_verify_progress(s, 2, &rep, NULL, NULL) == 0 && rep.entries == size_of(s), "progress without a callback");

	/* Reindex gives byte-identical projections. */
	muster_buf d1 = {0}, d2 = {0};
	dump(s, &d1);
	ok(muster_reindex(s) == 0, "reindex runs");
	dump(s, &d2);
	ok(d1.len > 0 && d1.len == d2.len && memcmp(d1.data, d2.data, d1.len) == 0, "projections are byte-identical after reindex");

	/* Map growth: well past the initial 64 MiB map, in batches. */
	char *text = malloc(MUSTER_TEXT_MAX + 1);
	memset(text, 'x', MUSTER_TEXT_MAX);
	memcpy(text, "大", 3);
	text[MUSTER_TEXT_MAX] = 0;
	muster_store_set_durable(s, 0);
	int grew = 1;
	for (int b = 0; grew && b < 10; b++)
		grew = journal(s, admin2, text, 500) == 0;
	free(text);
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	ok(grew && info.me_mapsize > ((size_t)64 << 20), "the map grew by itself (now %zu MiB)", info.me_mapsize >> 20);
	uint64_t big = size_of(s);
	ok(muster_log_verify(s, 0, &rep) == 0 && rep.entries == big, "a %llu-entry log verifies", (unsigned long long)big);
	for (unsigned threads = 0; threads <= 3; threads += 3) {
		int rc = verify_heard(s, threads, &rep, &h);
		/* Signatures are counted a chunk of 1024 entries at a time, so a small log may hear only its start and end. */
		ok(rc == 0 && rep.entries == big && h.calls >= 2, "%u threads: progress is told (%llu calls)", threads,
			(unsigned long long)h.calls);
		ok(h.calls <= 101 && h.first_done == 0 && h.increasing && h.same_total,
			"%u threads: from 0, done always rising, the total fixed, at most 101 calls", threads);
		ok(h.last_done == big && h.last_total == big, "%u threads: the last call is done == total == entries", threads);
		ok(h.same_thread, "%u threads: every call on the calling thread", threads);
	}
	ok(muster_log_verify_progress(s, 0, &rep, NULL, NULL) == 0 && rep.entries == big, "and without a callback");
	muster_store_set_durable(s, 1);

	/* Tampering with the raw store is found and named. */
	poke(s, 5, LOG_ENTRY, 40);
	ok(muster_log_verify(s, 2, &rep) == MUSTER_EVERIFY && rep.bad_index == 5, "a flipped bit in entry 5 is found: %s", rep.reason);
	ok(verify_heard(s, 2, &rep, &h) == MUSTER_EVERIFY && h.calls >= 1 && h.last_done < h.last_total && h.increasing,
		"a failed verify never says it got to the end");
	ok(muster_log_verify_progress(s, 2, &rep, NULL, NULL) == MUSTER_EVERIFY && rep.bad_index == 5,
		"nor does it need a callback to fail");
	poke(s, 5, LOG_ENTRY, 40);
	ok(muster_log_verify(s, 2, &rep) == 0, "and unflipped, it verifies again");
	poke(s, 3000, LOG_HASHES, 0);
	ok(muster_log_verify(s, 2, &rep) == MUSTER_EVERIFY && rep.bad_index == 3000, "a flipped Merkle leaf hash names its entry: %s",
		rep.reason);
	poke(s, 3000, LOG_HASHES, 0);
	poke(s, 23, LOG_HASHES, 3 * 32 + 9); /* level 3, covering leaves 16..23 */
	ok(muster_log_verify(s, 2, &rep) == MUSTER_EVERIFY && rep.bad_index == 23, "a flipped interior hash names the entry that stored it");
	poke(s, 23, LOG_HASHES, 3 * 32 + 9);
	poke(s, 6, LOG_CKPT, 3);
	ok(muster_log_verify(s, 2, &rep) == MUSTER_EVERIFY && rep.bad_index == 6, "a changed checkpoint is found: %s", rep.reason);
	poke(s, 6, LOG_CKPT, 3);
	ok(muster_log_verify(s, 2, &rep) == 0, "all restored, it verifies");
	{
		MDB_txn *txn;
		uint8_t kb[LOG_KEY];
		log_key(kb, big - 1, LOG_CKPT);
		MDB_val k = {LOG_KEY, kb};
		if (mdb_txn_begin(s->env, NULL, 0, &txn) == 0) {
			mdb_del(txn, s->dbi[DB_LOG], &k, NULL);
			mdb_txn_commit(txn);
		}
		ok(muster_log_verify(s, 2, &rep) == MUSTER_EVERIFY && rep.bad_index == big - 1,
			"a deleted latest checkpoint leaves the last entries uncovered: %s", rep.reason);
	}

	muster_store_close(s);
	ok(muster_store_open(sd, &s) == 0 && size_of(s) == big, "reopens with everything");
	ok(journal(s, admin2, "补签检查点", 1) == 0 && muster_log_verify(s, 0, &rep) == 0, "the next write signs a checkpoint again");
	{
		/* A record at index 2^64-1 once made the size 0 (one past it wraps): every reader and the next write refuse. */
		MDB_txn *txn;
		uint8_t kb[LOG_KEY];
		uint64_t n = 0;
		log_key(kb, UINT64_MAX, LOG_ENTRY);
		MDB_val k = {LOG_KEY, kb}, junk = {3, "abc"};
		if (mdb_txn_begin(s->env, NULL, 0, &txn) == 0) {
			mdb_put(txn, s->dbi[DB_LOG], &k, &junk, 0);
			mdb_txn_commit(txn);
		}
		ok(muster_log_size(s, &n) == MUSTER_ECORRUPT, "a record at index 2^64-1: the log's size is corrupt, not 0");
		ok(journal(s, admin2, "不应写入", 1) == MUSTER_ECORRUPT, "... and nothing is appended over entry 0");
		if (mdb_txn_begin(s->env, NULL, 0, &txn) == 0) {
			mdb_del(txn, s->dbi[DB_LOG], &k, NULL);
			mdb_txn_commit(txn);
		}
		ok(size_of(s) == big + 1 && muster_log_verify(s, 0, &rep) == 0, "removed, the log is whole again");
	}
	ok(strcmp(muster_store_origin(s), "muster.test/队伍-07") == 0, "origin kept");
	{
		/* muster_store_backup: data.mdb only, compacted, the same log; never over a file; nothing left on failure */
		char bd[340], bf[360], missing[360], of[360];
		struct stat st_copy, st_orig;
		snprintf(bd, sizeof bd, "%s/backup", dir);
		snprintf(bf, sizeof bf, "%s/data.mdb", bd);
		snprintf(missing, sizeof missing, "%s/none/here", dir);
		muster_store *b;
		muster_buf c1 = {0}, c2 = {0};
		ok(mkdir(bd, 0700) == 0 && muster_store_backup(s, bd) == 0, "muster_store_backup into an empty directory");
		ok(stat(bf, &st_copy) == 0 && (st_copy.st_mode & 0777) == 0600, "its data.mdb is 0600");
		snprintf(of, sizeof of, "%s/data.mdb", sd);
		ok(stat(of, &st_orig) == 0 && st_copy.st_size <= st_orig.st_size, "and no larger than the store's");
		ok(muster_store_open(bd, &b) == 0 && size_of(b) == big + 1 && muster_log_verify(b, 0, &rep) == 0,
			"the copy opens, holds every entry and verifies");
		ok(muster_log_checkpoint(s, UINT64_MAX, &c1, NULL) == 0 && muster_log_checkpoint(b, UINT64_MAX, &c2, NULL) == 0 &&
				c1.len == c2.len && memcmp(c1.data, c2.data, c1.len) == 0,
			"the copy's checkpoint is the store's");
		muster_store_close(b);
		is_int(muster_store_backup(s, bd), MUSTER_EEXIST, "a second backup into the same directory is refused");
		ok(muster_store_open(bd, &b) == 0 && size_of(b) == big + 1, "... and the first is left whole");
		muster_store_close(b);
		ok(muster_store_backup(s, missing) == MUSTER_EIO && errno == ENOENT && access(missing, F_OK) != 0,
			"a directory that is not there: MUSTER_EIO, errno ENOENT");
		/* muster_store_compact: refused while the store is open here too, in place once it is not */
		muster_compaction mc;
		ok(muster_store_compact(sd, &mc) == MUSTER_ESTATE && errno == EBUSY,
			"muster_store_compact of a store open in this process: MUSTER_ESTATE, errno EBUSY");
		ok(stat(of, &st_orig) == 0 && muster_store_compact(bd, &mc) == 0 && mc.entries == big + 1 &&
				mc.bytes_after <= mc.bytes_before && stat(bf, &st_copy) == 0 && (uint64_t)st_copy.st_size == mc.bytes_after,
			"muster_store_compact of the backup: its entries, and data.mdb's sizes before and after");
		muster_buf_reset(&c2);
		ok(muster_store_open(bd, &b) == 0 && size_of(b) == big + 1 && muster_log_verify(b, 0, &rep) == 0 &&
				muster_log_checkpoint(b, UINT64_MAX, &c2, NULL) == 0 && c1.len == c2.len &&
				memcmp(c1.data, c2.data, c1.len) == 0,
			"the compacted store opens, verifies and has the same checkpoint");
		ok(muster_store_compact(bd, &mc) == MUSTER_ESTATE && errno == EBUSY, "... and, open, cannot be compacted");
		muster_store_close(b);
		ok(muster_store_compact(missing, &mc) == MUSTER_ENOTFOUND, "muster_store_compact where there is no store: not found");

		/* muster_store_unused and muster_store_swap: the backup put in place of a copy of it (the store is open here) */
		char cd[360], cf[380], aside[360], aside2[360];
		int moved = -1;
		snprintf(cd, sizeof cd, "%s/current", dir);
		snprintf(cf, sizeof cf, "%s/data.mdb", cd);
		snprintf(aside, sizeof aside, "%s/current.aside", dir);
		snprintf(aside2, sizeof aside2, "%s/current.aside2", dir);
		ok(muster_store_unused(sd) == MUSTER_ESTATE && errno == EBUSY, "muster_store_unused of a store open here: MUSTER_ESTATE, EBUSY");
		ok(muster_store_unused(bd) == 0 && muster_store_unused(missing) == MUSTER_ENOTFOUND,
			"... of a closed store: 0; where there is nothing: MUSTER_ENOTFOUND");
		ok(muster_store_swap(cd, bd, aside, &moved) == 0 && moved == 0 && access(bd, F_OK) != 0 && access(cf, F_OK) == 0,
			"muster_store_swap where there is no store yet: the staged store is renamed there, nothing aside");
		ok(mkdir(bd, 0700) == 0 && muster_store_open(cd, &b) == 0 && muster_store_backup(b, bd) == 0,
			"a second copy of it to swap in");
		ok(muster_store_unused(cd) == MUSTER_ESTATE && muster_store_swap(cd, bd, aside, &moved) == MUSTER_ESTATE &&
				errno == EBUSY && moved == 0 && access(bf, F_OK) == 0 && access(aside, F_OK) != 0,
			"muster_store_swap while the store is open: MUSTER_ESTATE, EBUSY, nothing moved");
		muster_store_close(b);
		struct stat st_old, st_new, st_aside;
		ok(mkdir(aside2, 0700) == 0 && muster_store_swap(cd, bd, aside2, &moved) == MUSTER_EIO && errno == EEXIST && moved == 0 &&
				access(bf, F_OK) == 0 && access(cf, F_OK) == 0,
			"an aside that exists: MUSTER_EIO, EEXIST, nothing moved");
		ok(stat(cf, &st_old) == 0 && stat(bf, &st_new) == 0 && muster_store_swap(cd, bd, aside, &moved) == 0 && moved == 1,
			"muster_store_swap of a closed store: the old one moved aside");
		snprintf(cf, sizeof cf, "%s/data.mdb", aside);
		ok(stat(cf, &st_aside) == 0 && st_aside.st_ino == st_old.st_ino && access(bd, F_OK) != 0,
			"... the old data.mdb is at aside, and nothing at staged");
		snprintf(cf, sizeof cf, "%s/data.mdb", cd);
		ok(stat(cf, &st_old) == 0 && st_old.st_ino == st_new.st_ino && muster_store_open(cd, &b) == 0 && size_of(b) == big + 1 &&
				muster_log_verify(b, 0, &rep) == 0,
			"... the staged one is at the store's path, opens and verifies");
		muster_store_close(b);
		ok(muster_store_swap(cd, missing, aside2, &moved) == MUSTER_ENOTFOUND && moved == 0,
			"muster_store_swap of a staged directory with no store: MUSTER_ENOTFOUND");
		muster_buf_free(&c1);
		muster_buf_free(&c2);
	}
	muster_store_close(s);
	muster_store *none;
	ok(muster_store_open(dir, &none) == MUSTER_ENOTFOUND, "no store: not found");

	/*
	 * A mirror's file with a NUL in a line (found by tests/fuzz/fuzz_tiles.c):
	 * strndup kept what was before the NUL, so a damaged url line was read as
	 * a shorter URL.  The bytes the fuzzer made, then through a mirror store.
	 */
	{
#define VKEY "team.example/log+9ca7e222+AbtcZySCsNzKkaIaTtY7Fa/eiqE3jacs0Bs0lYnW591q"
		static const char bad[] = "muster-mirror v1\nvkey " VKEY "\nurl https://team.examplam.exampl\0\0\0\xfe"
					  "g+9ca7e222+AbtcZySCsNzKkaIaTtY7Fa/eiqE3jacs0Bs0leYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY"
					  "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY/muster\n";
		static const char good[] = "muster-mirror v1\nvkey " VKEY "\nurl https://team.examplam.exampl\n";
		char *vkey = NULL, *url = NULL;
		muster_verifier mv;
		is_int(muster_mirror_parse(bad, sizeof bad - 1, &vkey, &url, &mv), MUSTER_ECORRUPT, "a NUL in a mirror file's line");
		ok(!vkey && !url, "leaves nothing behind");
		ok(muster_mirror_parse(good, sizeof good - 1, &vkey, &url, &mv) == 0 && strcmp(vkey, VKEY) == 0 &&
				strcmp(url, "https://team.examplam.exampl") == 0 && strcmp(mv.name, "team.example/log") == 0,
			"the same file without it reads");
		free(vkey);
		free(url);
		char md[340], mf[360];
		snprintf(md, sizeof md, "%s/mirror", dir);
		snprintf(mf, sizeof mf, "%s/mirror", md);
		muster_store *m;
		FILE *f;
		ok(muster_mirror_create(md, VKEY, "https://team.example", &m) == 0, "a mirror store");
		muster_store_close(m);
		if (!(f = fopen(mf, "wb")) || fwrite(bad, 1, sizeof bad - 1, f) != sizeof bad - 1 || fclose(f) != 0)
			return 1;
		is_int(muster_store_open(md, &m), MUSTER_ECORRUPT, "a mirror whose file has a NUL in a line does not open");
#undef VKEY
	}

	key_order();
	snprintf(sd2, sizeof sd2, "%s/reads", dir);
	idle_reads(sd2, admin);

	muster_buf_free(&d1);
	muster_buf_free(&d2);
	muster_buf_free(&cp_before);
	muster_buf_free(&cp_after);
	muster_signer_free(admin);
	muster_signer_free(admin2);
	muster_signer_free(keeper);
	muster_signer_free(stranger);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
