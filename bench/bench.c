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
 *   log_verify_cpus_busy   CPU seconds per second during it (at most `cpus`)
 *   inclusion_proof_us     mean muster_log_prove_inclusion time, random indexes
 *   consistency_proof_us   mean muster_log_prove_consistency time, random old sizes
 *   durable_append_big_per_s  durable single appends again, on that big log
 *   mirror_import_per_s    one muster_mirror_import(threads = 0) of every
 *                          entry of that log, up to its latest checkpoint,
 *                          into an empty mirror (no fsync, no witness)
 *                                                          vs verify_ed25519
 *   mirror_import_cpus_busy  CPU seconds per second during it
 *
 * The machine may be busy with other work, so beside each figure bounded by
 * a raw one the same raw operation is also timed in this process, in the
 * same window (interleaved with the Muster runs, or right before and after):
 * ref_commit_sync_per_s, ref_sign_per_s, ref_verify_per_s (and
 * ref_verify_mirror_per_s, ref_verify_all_mirror_per_s around the
 * mirror import).  A ratio to these
 * holds when the load changes between limits.sh and this program.
 * ref_verify_all_cpus_per_s is plain verification on every CPU at once (as
 * many threads as muster_log_verify starts workers): the ceiling a parallel
 * verifier can reach on this machine right now.
 *
 * Environment: BENCH_ENTRIES (log size for verify and proofs, default
 * 1000000), BENCH_SYNC (durable single appends, 300), BENCH_BATCH (entries
 * per batched write, 10000), BENCH_BATCHES (batched writes timed, 10),
 * BENCH_PROOFS (proofs of each kind, 20000), BENCH_THREADS (verify and
 * mirror import threads, 0 = one per CPU), BENCH_MIRROR_IMPORT (0 skips
 * the mirror import).  Progress goes to stderr.
 */
#include "bench_ref.h"
#include "bench_util.h"

#include <muster/muster.h>

#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* dir/name into out, or die: a truncated path would name another file. */
static void join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr, "bench: path too long: %s/%s\n", dir, name);
		exit(2);
	}
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
	join(dir, dirlen, base, name);
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
		join(p, sizeof p, dir, files[i]);
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
	struct journal j = {admin, 0, 0, 0, {0}};
	char refdir[4096];
	struct ref_lmdb ref;
	struct rate mine = {0, 0}, raw = {0, 0};
	join(refdir, sizeof refdir, base, "ref-lmdb");
	ref_lmdb_open(&ref, refdir);
	for (int i = 0; i < 5; i++) /* warm up: key file loaded, map pages touched */
		journal_write(s, &j, 1);
	ref_lmdb_commits(&ref, 5, &raw);
	raw.ops = raw.secs = 0;
	fprintf(stderr, "bench: %" PRIu64 " durable single appends, interleaved with as many plain LMDB commits...\n", n);
	/* Blocks of 25, alternating, so both see the same disk. */
	for (uint64_t done = 0; done < n;) {
		uint64_t k = n - done < 25 ? n - done : 25;
		double t = now();
		for (uint64_t i = 0; i < k; i++)
			journal_write(s, &j, 1);
		mine.secs += now() - t;
		mine.ops += (double)k;
		ref_lmdb_commits(&ref, (long)k, &raw);
		done += k;
	}
	report("durable_append_per_s", mine.ops / mine.secs);
	report("ref_commit_sync_per_s", raw.ops / raw.secs);
	ref_lmdb_close(&ref);
	muster_buf_free(&j.body);
	remove_store(s, dir);
}

static void bench_batched(const char *base, const muster_signer *admin, uint64_t batch, uint64_t batches)
{
	char dir[4096];
	muster_store *s = make_store(base, "batched", admin, dir, sizeof dir);
	struct journal j = {admin, 0, 0, 0, {0}};
	journal_write(s, &j, batch); /* warm up, and grow the map once */
	fprintf(stderr, "bench: %" PRIu64 " durable writes of %" PRIu64 " entries, each after 0.2 s of plain signing...\n",
		batches, batch);
	struct rate mine = {0, 0}, sign = {0, 0};
	for (uint64_t i = 0; i < batches; i++) {
		ref_crypto(&sign, 0, 0.2);
		double t = now();
		journal_write(s, &j, batch);
		mine.secs += now() - t;
		mine.ops += (double)batch;
	}
	ref_crypto(&sign, 0, 0.2);
	report("batched_append_per_s", mine.ops / mine.secs);
	report("ref_sign_per_s", sign.ops / sign.secs);
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

/* Every entry of a log, copied out of the store: one arena, then pointers into it. */
struct entries {
	muster_buf data;
	size_t *off, *len;
	uint64_t n, cap;
};

static int keep_entry(uint64_t index, const uint8_t *p, size_t len, void *arg)
{
	struct entries *es = arg;
	if (index != es->n)
		return MUSTER_ECORRUPT;
	if (es->n == es->cap) {
		es->cap = es->cap ? es->cap * 2 : 4096;
		size_t *o = realloc(es->off, es->cap * sizeof *o), *l = o ? realloc(es->len, es->cap * sizeof *l) : NULL;
		if (o)
			es->off = o;
		if (!o || !l)
			return MUSTER_ENOMEM;
		es->len = l;
	}
	es->off[es->n] = es->data.len;
	es->len[es->n] = len;
	es->n++;
	muster_buf_put(&es->data, p, len);
	return es->data.err;
}

/*
 * A central store's mirror of the log in s: every entry read into memory,
 * the latest checkpoint, and one timed muster_mirror_import of all of them
 * into an empty mirror, between runs of plain verification (1 and all CPUs).
 * The mirror's size and checkpoint must then be the log's.
 */
static void bench_mirror(const char *base, muster_store *s, unsigned threads, unsigned nthreads)
{
	char dir[4096];
	int rc;
	uint64_t size, cksize, msize;
	muster_buf vkey = {0}, ck = {0}, mck = {0};
	struct entries es;
	memset(&es, 0, sizeof es);
	if ((rc = muster_log_size(s, &size)) != 0)
		die("muster_log_size", rc);
	fprintf(stderr, "bench: reading the %" PRIu64 " entries into memory for a mirror...\n", size);
	if ((rc = muster_log_vkey(s, &vkey)) != 0)
		die("muster_log_vkey", rc);
	while (vkey.len && (vkey.data[vkey.len - 1] == '\n' || vkey.data[vkey.len - 1] == 0))
		vkey.len--;
	muster_buf_put(&vkey, "", 1); /* a C string */
	if (vkey.err)
		die("muster_log_vkey", vkey.err);
	if ((rc = muster_log_checkpoint(s, UINT64_MAX, &ck, &cksize)) != 0)
		die("muster_log_checkpoint", rc);
	if ((rc = muster_log_scan(s, 0, size, keep_entry, &es)) != 0)
		die("muster_log_scan", rc);
	if (es.n != size || cksize != size) {
		fprintf(stderr, "bench: read %" PRIu64 " entries and a checkpoint of %" PRIu64 " from a log of %" PRIu64 "\n",
			es.n, cksize, size);
		exit(1);
	}
	const uint8_t **ent = malloc((size_t)size * sizeof *ent);
	if (!ent)
		die("malloc", MUSTER_ENOMEM);
	for (uint64_t i = 0; i < size; i++)
		ent[i] = es.data.data + es.off[i];

	join(dir, sizeof dir, base, "mirror");
	muster_store *m;
	if ((rc = muster_mirror_create(dir, (const char *)vkey.data, NULL, &m)) != 0)
		die("muster_mirror_create", rc);
	muster_store_set_durable(m, 0); /* like the log it mirrors was built: no fsync */
	muster_mirror_batch b;
	memset(&b, 0, sizeof b);
	b.checkpoint = ck.data;
	b.checkpoint_len = ck.len;
	b.first = 0;
	b.count = (size_t)size;
	b.entry = ent;
	b.entry_len = es.len;
	muster_mirror_result r;

	fprintf(stderr, "bench: importing %" PRIu64 " entries into an empty mirror, between runs of plain verification...\n",
		size);
	struct rate ver = {0, 0}, all = {0, 0};
	ref_crypto(&ver, 1, 1.0);
	ref_verify_all(&all, nthreads, 1.0);
	double cpu = ref_cpu_secs(), t = now();
	rc = muster_mirror_import(m, &b, threads, &r);
	t = now() - t;
	cpu = ref_cpu_secs() - cpu;
	if (rc || r.outcome != MUSTER_MIRROR_ADVANCED) {
		fprintf(stderr, "bench: mirror import: outcome %d at %" PRIu64 ": %s\n", r.outcome, r.at, r.reason);
		die("muster_mirror_import", rc ? rc : MUSTER_EVERIFY);
	}
	ref_verify_all(&all, nthreads, 1.0);
	ref_crypto(&ver, 1, 1.0);
	report("mirror_import_per_s", (double)size / t);
	report("ref_verify_mirror_per_s", ver.ops / ver.secs);
	report("ref_verify_all_mirror_per_s", all.ops / all.secs);
	report("mirror_import_cpus_busy", cpu / t);

	/* What the mirror holds must be the log: its size, and the same signed checkpoint. */
	if ((rc = muster_log_size(m, &msize)) != 0)
		die("muster_log_size (mirror)", rc);
	if ((rc = muster_log_checkpoint(m, UINT64_MAX, &mck, &cksize)) != 0)
		die("muster_log_checkpoint (mirror)", rc);
	if (msize != size || cksize != size || mck.len != ck.len || memcmp(mck.data, ck.data, ck.len) != 0) {
		fprintf(stderr,
			"bench: the mirror holds %" PRIu64 " entries and a checkpoint of %" PRIu64
			"%s; the log %" PRIu64 " entries\n",
			msize, cksize, mck.len == ck.len && memcmp(mck.data, ck.data, ck.len) == 0 ? "" : " (not the log's)", size);
		exit(1);
	}

	static const char *const files[] = {"data.mdb", "lock.mdb", "mirror"};
	char p[4096];
	muster_store_close(m);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		join(p, sizeof p, dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
	muster_buf_free(&r.ours);
	muster_buf_free(&r.cosigned);
	muster_buf_free(&vkey);
	muster_buf_free(&ck);
	muster_buf_free(&mck);
	muster_buf_free(&es.data);
	free(es.off);
	free(es.len);
	free(ent);
}

static void bench_log(const char *base, const muster_signer *admin, uint64_t entries, uint64_t batch,
	uint64_t proofs, unsigned threads, uint64_t nsync, int mirror)
{
	char dir[4096];
	muster_store *s = make_store(base, "log", admin, dir, sizeof dir);
	muster_store_set_durable(s, 0);
	struct journal j = {admin, 0, 0, 0, {0}};
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

	fprintf(stderr, "bench: verifying %" PRIu64 " entries, between runs of plain verification (1 and all CPUs)...\n",
		size);
	struct rate ver = {0, 0}, all = {0, 0};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nthreads = threads ? threads : cpus > 0 ? (unsigned)cpus : 1;
	ref_crypto(&ver, 1, 1.0);
	ref_verify_all(&all, nthreads, 1.0);
	muster_verify_report rep;
	double cpu = ref_cpu_secs();
	t = now();
	rc = muster_log_verify(s, threads, &rep);
	t = now() - t;
	cpu = ref_cpu_secs() - cpu;
	if (rc) {
		fprintf(stderr, "bench: verify failed at %" PRIu64 ": %s\n", rep.bad_index, rep.reason);
		die("muster_log_verify", rc);
	}
	ref_verify_all(&all, nthreads, 1.0);
	ref_crypto(&ver, 1, 1.0);
	report("log_verify_per_s", (double)rep.entries / t);
	report("ref_verify_per_s", ver.ops / ver.secs);
	report("ref_verify_all_cpus_per_s", all.ops / all.secs);
	report("log_verify_cpus_busy", cpu / t); /* of `cpus`: how well the verifier kept them working */

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

	if (mirror)
		bench_mirror(base, s, threads, nthreads);

	/* Durable single appends again, now that the B-trees are deep. */
	if (nsync) {
		fprintf(stderr, "bench: %" PRIu64 " durable single appends at size %" PRIu64 "...\n", nsync, size);
		muster_store_set_durable(s, 1);
		j.count = 0;
		for (int i = 0; i < 5; i++)
			journal_write(s, &j, 1);
		t = now();
		for (uint64_t i = 0; i < nsync; i++)
			journal_write(s, &j, 1);
		t = now() - t;
		report("durable_append_big_per_s", (double)nsync / t);
		muster_buf_free(&j.body);
	}
	remove_store(s, dir);
}

int main(int argc, char **argv)
{
	bench_init("bench");
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
	ref_init();
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
	bench_log(argv[1], admin, entries, batch, proofs, threads, nsync, env_u64("BENCH_MIRROR_IMPORT", 1) != 0);
	muster_signer_free(admin);
	return 0;
}
