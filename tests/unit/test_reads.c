/*
 * test_reads.c - how a store handle reads: the key order it gives LMDB
 * (muster_key_cmp, the same as LMDB's own), and the read transactions it
 * keeps idle between reads (muster_read_begin, muster_read_end): a
 * renewed one sees the newest commit, several threads share them, a map
 * another process grew is adopted, and none is left behind by close.
 */
#include "tap.h"

#include "internal.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/muster-test-reads.XXXXXX";

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

struct job {
	const muster_signer *k;
	muster_buf body;
	int count;
};

static int run(muster_wtxn *w, void *arg)
{
	struct job *j = arg;
	for (int i = 0; i < j->count; i++) {
		int rc = muster_append(w, j->k, MUSTER_EV_JOURNAL, j->body.data, j->body.len, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static int journal(muster_store *s, const muster_signer *k, const char *text, int count)
{
	struct job j = {k, {0}, count};
	muster_ev_journal v = {{text, strlen(text)}};
	muster_ev_journal_encode(&j.body, &v);
	int rc = muster_write(s, run, &j);
	muster_buf_free(&j.body);
	return rc;
}

static uint64_t size_of(muster_store *s)
{
	uint64_t n = 0;
	return muster_log_size(s, &n) == 0 ? n : UINT64_MAX;
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

int main(void)
{
	if (muster_init() != 0 || !mkdtemp(dir))
		return 1;
	key_order();

	char sd[300];
	snprintf(sd, sizeof sd, "%s/store", dir);
	muster_signer *admin;
	muster_store *s;
	if (muster_signer_generate(&admin) || muster_store_create(sd, "muster.test/读取", admin, "张伟", &s))
		return 1;

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
	ok(size_of(s) == before + 3 && size_of(s) == before + 3, "and once it is idle and renewed, the newest commit");

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
	if (muster_store_open(sd, &s) != 0)
		return 1;
	int left = slots(s);
	ok(left == 0, "after close no reader slot is left (%d)", left);
	muster_store_close(s);

	muster_signer_free(admin);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
