/*
 * bench.c - how fast Muster writes, verifies and proves, on a scratch store.
 *
 * Usage: bench DIR   (DIR must exist; the stores are made under it and removed)
 *
 * Prints one line per figure, "<name> <value>", in the spirit of
 * shared/bench/limits.c, so bench/run.sh can set each beside the raw figure
 * it is bounded by:
 *
 *   durable_append_per_s   one journal entry per muster_write (one durable
 *                          LMDB commit with entry, Merkle hashes, projection
 *                          and a signed checkpoint)       vs lmdb_commit_sync
 *   batched_append_per_s   BENCH_BATCH entries per durable muster_write
 *                                                          vs sign_ed25519
 *   bulk_append_per_s      the same with muster_store_set_durable(s, 0), while
 *                          building the BENCH_ENTRIES-entry log below
 *   log_verify_per_s       muster_log_verify(threads = 0) over that log
 *                                                          vs verify_ed25519
 *   inclusion_proof_us     mean muster_log_prove_inclusion time, random indexes
 *   consistency_proof_us   mean muster_log_prove_consistency time, random old sizes
 *
 * Environment: BENCH_ENTRIES (log size for verify and proofs, default
 * 1000000), BENCH_SYNC (durable single appends, 300), BENCH_BATCH (entries
 * per batched write, 10000), BENCH_BATCHES (batched writes timed, 10),
 * BENCH_PROOFS (proofs of each kind, 20000), BENCH_THREADS (verify threads,
 * 0 = one per CPU).  Progress goes to stderr.
 */
#include <muster/muster.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return def;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end) {
		fprintf(stderr, "bench: %s=%s is not a number\n", name, s);
		exit(2);
	}
	return (uint64_t)v;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench: %s: %s\n", what, muster_strerror(rc));
	exit(1);
}

static void report(const char *name, double value)
{
	printf("%-22s %14.2f\n", name, value);
	fflush(stdout);
}

/* A journal writer: appends `count` entries with a short text of duty-log size. */
struct journal {
	const muster_signer *signer;
	uint64_t count;
	uint64_t serial; /* text number, so no two bodies are alike */
	muster_buf body;
};

static int write_journal(muster_wtxn *w, void *arg)
{
	struct journal *j = arg;
	uint64_t serial = j->serial; /* muster_write may call us again: start over */
	for (uint64_t i = 0; i < j->count; i++, serial++) {
		char text[160];
		int n = snprintf(text, sizeof text,
			"\xe5\x80\xbc\xe7\x8f\xad\xe8\xae\xb0\xe5\xbd\x95 #%" PRIu64
			": gate 3 checked at 02:00, two visitors signed in, generator fuel 80%%, no incident.",
			serial);
		muster_ev_journal v = {{text, (size_t)n}};
		muster_buf_reset(&j->body);
		muster_ev_journal_encode(&j->body, &v);
		if (j->body.err)
			return j->body.err;
		int rc = muster_append(w, j->signer, MUSTER_EV_JOURNAL, j->body.data, j->body.len, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static void journal_write(muster_store *s, struct journal *j, uint64_t count)
{
	j->count = count;
	int rc = muster_write(s, write_journal, j);
	if (rc) {
		fprintf(stderr, "bench: write refused: %s\n", muster_store_why(s));
		die("muster_write", rc);
	}
	j->serial += count;
}

static muster_store *make_store(const char *base, const char *name, const muster_signer *admin, char *dir,
	size_t dirlen)
{
	muster_store *s;
	snprintf(dir, dirlen, "%s/%s", base, name);
	int rc = muster_store_create(dir, "bench.example/muster", admin, "Bench Admin", &s);
	if (rc)
		die(dir, rc);
	return s;
}

static void remove_store(muster_store *s, const char *dir)
{
	static const char *const files[] = {"data.mdb", "lock.mdb", "log.key", "tag.key", "log.key.pub", "tag.key.pub"};
	char p[4096];
	muster_store_close(s);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* xorshift64*: reproducible random indexes without touching the crypto RNG. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(uint64_t bound)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1du) % bound;
}

static void bench_durable(const char *base, const muster_signer *admin, uint64_t n)
{
	char dir[4096];
	muster_store *s = make_store(base, "durable", admin, dir, sizeof dir);
	struct journal j = {admin, 0, 0, {0}};
	for (int i = 0; i < 5; i++) /* warm up: key file loaded, map pages touched */
		journal_write(s, &j, 1);
	fprintf(stderr, "bench: %" PRIu64 " durable single appends...\n", n);
	double t = now();
	for (uint64_t i = 0; i < n; i++)
		journal_write(s, &j, 1);
	t = now() - t;
	report("durable_append_per_s", (double)n / t);
	muster_buf_free(&j.body);
	remove_store(s, dir);
}

static void bench_batched(const char *base, const muster_signer *admin, uint64_t batch, uint64_t batches)
{
	char dir[4096];
	muster_store *s = make_store(base, "batched", admin, dir, sizeof dir);
	struct journal j = {admin, 0, 0, {0}};
	journal_write(s, &j, batch); /* warm up, and grow the map once */
	fprintf(stderr, "bench: %" PRIu64 " durable writes of %" PRIu64 " entries...\n", batches, batch);
	double t = now();
	for (uint64_t i = 0; i < batches; i++)
		journal_write(s, &j, batch);
	t = now() - t;
	report("batched_append_per_s", (double)(batch * batches) / t);
	muster_buf_free(&j.body);
	remove_store(s, dir);
}

static void check_proofs(muster_store *s, uint64_t size)
{
	uint8_t root[MUSTER_HASH_BYTES], leaf[MUSTER_HASH_BYTES], proof[MUSTER_PROOF_MAX][MUSTER_HASH_BYTES];
	size_t count;
	muster_buf e = {0};
	int rc = muster_log_root(s, size, root);
	if (rc)
		die("muster_log_root", rc);
	for (int k = 0; k < 50; k++) {
		uint64_t i = k == 0 ? size - 1 : rnd(size);
		muster_buf_reset(&e);
		if ((rc = muster_log_entry(s, i, &e)) != 0)
			die("muster_log_entry", rc);
		muster_leaf_hash(e.data, e.len, leaf);
		if ((rc = muster_log_prove_inclusion(s, i, size, proof, &count)) != 0)
			die("muster_log_prove_inclusion", rc);
		if ((rc = muster_verify_inclusion(size, i, leaf, (const uint8_t(*)[MUSTER_HASH_BYTES])proof, count, root)) != 0)
			die("inclusion proof does not verify", rc);
		uint64_t old = 1 + rnd(size);
		uint8_t old_root[MUSTER_HASH_BYTES];
		if ((rc = muster_log_root(s, old, old_root)) != 0)
			die("muster_log_root", rc);
		if ((rc = muster_log_prove_consistency(s, old, size, proof, &count)) != 0)
			die("muster_log_prove_consistency", rc);
		if ((rc = muster_verify_consistency(old, size, old_root, root,
			     (const uint8_t(*)[MUSTER_HASH_BYTES])proof, count)) != 0)
			die("consistency proof does not verify", rc);
	}
	muster_buf_free(&e);
}

static void bench_log(const char *base, const muster_signer *admin, uint64_t entries, uint64_t batch,
	uint64_t proofs, unsigned threads)
{
	char dir[4096];
	muster_store *s = make_store(base, "log", admin, dir, sizeof dir);
	muster_store_set_durable(s, 0);
	struct journal j = {admin, 0, 0, {0}};
	uint64_t size = 1; /* the genesis entry */
	fprintf(stderr, "bench: building a log of %" PRIu64 " entries (no fsync)...\n", entries);
	double t = now();
	while (size < entries) {
		uint64_t n = entries - size < batch ? entries - size : batch;
		journal_write(s, &j, n);
		size += n;
	}
	t = now() - t;
	if (entries > 1)
		report("bulk_append_per_s", (double)(entries - 1) / t);
	muster_buf_free(&j.body);

	int rc;
	uint64_t got;
	if ((rc = muster_log_size(s, &got)) != 0)
		die("muster_log_size", rc);
	if (got != size) {
		fprintf(stderr, "bench: log holds %" PRIu64 " entries, expected %" PRIu64 "\n", got, size);
		exit(1);
	}

	fprintf(stderr, "bench: verifying %" PRIu64 " entries...\n", size);
	muster_verify_report rep;
	t = now();
	rc = muster_log_verify(s, threads, &rep);
	t = now() - t;
	if (rc) {
		fprintf(stderr, "bench: verify failed at %" PRIu64 ": %s\n", rep.bad_index, rep.reason);
		die("muster_log_verify", rc);
	}
	report("log_verify_per_s", (double)rep.entries / t);

	fprintf(stderr, "bench: %" PRIu64 " inclusion and consistency proofs at size %" PRIu64 "...\n", proofs, size);
	check_proofs(s, size);
	uint8_t proof[MUSTER_PROOF_MAX][MUSTER_HASH_BYTES];
	size_t count, total = 0;
	t = now();
	for (uint64_t k = 0; k < proofs; k++) {
		if ((rc = muster_log_prove_inclusion(s, rnd(size), size, proof, &count)) != 0)
			die("muster_log_prove_inclusion", rc);
		total += count;
	}
	t = now() - t;
	report("inclusion_proof_us", t * 1e6 / (double)proofs);
	report("inclusion_proof_hashes", (double)total / (double)proofs);
	if (size > 1) {
		total = 0;
		t = now();
		for (uint64_t k = 0; k < proofs; k++) {
			if ((rc = muster_log_prove_consistency(s, 1 + rnd(size - 1), size, proof, &count)) != 0)
				die("muster_log_prove_consistency", rc);
			total += count;
		}
		t = now() - t;
		report("consistency_proof_us", t * 1e6 / (double)proofs);
		report("consistency_proof_hashes", (double)total / (double)proofs);
	}
	remove_store(s, dir);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
		return 2;
	}
	uint64_t entries = env_u64("BENCH_ENTRIES", 1000000);
	uint64_t nsync = env_u64("BENCH_SYNC", 300);
	uint64_t batch = env_u64("BENCH_BATCH", 10000);
	uint64_t batches = env_u64("BENCH_BATCHES", 10);
	uint64_t proofs = env_u64("BENCH_PROOFS", 20000);
	unsigned threads = (unsigned)env_u64("BENCH_THREADS", 0);
	if (entries < 2 || batch == 0 || proofs == 0) {
		fprintf(stderr, "bench: BENCH_ENTRIES must be >= 2, BENCH_BATCH and BENCH_PROOFS >= 1\n");
		return 2;
	}
	if (muster_init() != 0)
		die("muster_init", MUSTER_ECRYPTO);
	muster_signer *admin;
	int rc = muster_signer_generate(&admin);
	if (rc)
		die("muster_signer_generate", rc);
	printf("%-22s %14s\n", "figure", "value");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	report("cpus", (double)(cpus > 0 ? cpus : 1));
	report("log_entries", (double)entries);
	if (nsync)
		bench_durable(argv[1], admin, nsync);
	if (batches)
		bench_batched(argv[1], admin, batch, batches);
	bench_log(argv[1], admin, entries, batch, proofs, threads);
	muster_signer_free(admin);
	return 0;
}
