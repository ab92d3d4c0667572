/*
 * bench_national.c - what a big store costs Muster (docs/BENCH.md, "National
 * scale"): its entries against their raw bytes, full-log verification,
 * point lookups, and appends at the end of its log against an empty
 * store's.  bench/national.sh runs it on the 10-million-entry store of
 * `muster gen --scale national --years 7` and on the one-year national
 * store, and sets the two side by side.
 *
 * Usage:
 *   bench_national read STORE
 *       entries            the log's size
 *       entry_bytes        the sum of the entries' encoded bytes: the raw signed entries
 *       verify_per_s       muster_log_verify(threads 0), what `muster log verify` runs, over the
 *                          whole log; verify_s its seconds, verify_cpus_busy CPU seconds per
 *                          second; ref_verify_per_s plain verification on one CPU for a second
 *                          before and after, ref_verify_all_cpus_per_s on every CPU
 *                          (BENCH_VERIFY=0 skips all of it)
 *       lookup_entry_us    muster_log_entry of a random index (a read transaction, a B-tree
 *                          lookup, the bytes copied out); lookup_entry_p99_us; lookup_entry_cpu_us
 *                          the CPU time a lookup took (on a busy machine the wall time
 *                          includes waiting for a CPU), lookup_entry_faults page faults a lookup
 *       lookup_asset_us    a snapshot, muster_row_get of a random asset (the row decoded), the
 *                          snapshot ended: what a request for one asset costs; lookup_asset_p99_us,
 *                          lookup_asset_cpu_us, lookup_asset_faults
 *   bench_national append STORE KEYFILE SCRATCH
 *       appends journal entries at the end of STORE, signed by the key in KEYFILE (passphrase in
 *       MUSTER_PASSPHRASE; STORE is written to: give it a copy), and the same to an empty store
 *       made in SCRATCH (and removed), alternating:
 *       batched_big_per_s / batched_empty_per_s   BENCH_BATCH (10,000) entries per durable write,
 *                                                 BENCH_BATCHES (10) writes each, with 0.2 s of
 *                                                 plain signing (ref_sign_per_s) between writes
 *       durable_big_per_s / durable_empty_per_s   one entry per durable write, BENCH_SYNC (300)
 *                                                 each, in blocks of 25 alternating with as many
 *                                                 plain LMDB commits (ref_commit_sync_per_s)
 *
 * Lines are "<name> <value>" for bench/national.sh; BENCH_LOOKUPS (200,000)
 * sets the lookups of each kind.  Progress goes to stderr.
 */
#include "bench_ref.h"
#include "bench_util.h"

#include <muster/muster.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* xorshift64*: the same random indexes every run, without touching the crypto RNG. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(uint64_t bound)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1du) % bound;
}

struct sum {
	uint64_t n, bytes;
};

static int add_entry(uint64_t index, const uint8_t *p, size_t len, void *arg)
{
	struct sum *s = arg;
	(void)index;
	(void)p;
	s->n++;
	s->bytes += len;
	return 0;
}

/* Every asset id of the store, NUL-terminated, one after another. */
struct ids {
	muster_buf all;
	size_t *off;
	size_t n, cap;
};

static int keep_id(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	struct ids *ids = arg;
	(void)r;
	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? 2 * ids->cap : 4096;
		size_t *o = realloc(ids->off, ids->cap * sizeof *o);
		if (!o)
			return MUSTER_ENOMEM;
		ids->off = o;
	}
	ids->off[ids->n++] = ids->all.len;
	muster_buf_put(&ids->all, key, klen);
	muster_buf_put(&ids->all, "", 1);
	return ids->all.err;
}

/* Page faults of this process so far, minor and major. */
static double faults(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_minflt + (double)ru.ru_majflt;
}

static double p99(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return v[(size_t)((double)n * 0.99)];
}

static void verify(muster_store *s)
{
	struct rate one = {0, 0}, all = {0, 0};
	unsigned cpus = ref_cpus();
	muster_verify_report rep;
	fprintf(stderr, "bench_national: verifying the whole log, between runs of plain verification...\n");
	ref_crypto(&one, 1, 1.0);
	ref_verify_all(&all, cpus, 1.0);
	double cpu = ref_cpu_secs(), t = now();
	int rc = muster_log_verify(s, 0, &rep);
	t = now() - t;
	cpu = ref_cpu_secs() - cpu;
	if (rc) {
		fprintf(stderr, "bench_national: verify failed at %" PRIu64 ": %s\n", rep.bad_index, rep.reason);
		die("muster_log_verify", rc);
	}
	ref_verify_all(&all, cpus, 1.0);
	ref_crypto(&one, 1, 1.0);
	report("verify_per_s", (double)rep.entries / t);
	report("verify_s", t);
	report("verify_cpus_busy", cpu / t);
	report("ref_verify_per_s", one.ops / one.secs);
	report("ref_verify_all_cpus_per_s", all.ops / all.secs);
}

static void lookups(muster_store *s, uint64_t size, uint64_t n)
{
	double *lat = malloc((size_t)n * sizeof *lat), sum = 0;
	muster_buf e = {0};
	int rc;
	if (!lat)
		die("memory", MUSTER_ENOMEM);
	fprintf(stderr, "bench_national: %" PRIu64 " lookups of random entries and assets...\n", n);
	double cpu = cpu_now(), flt = faults();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t at = rnd(size);
		double t = now();
		muster_buf_reset(&e);
		if ((rc = muster_log_entry(s, at, &e)) != 0)
			die("muster_log_entry", rc);
		lat[i] = now() - t;
		sum += lat[i];
	}
	cpu = cpu_now() - cpu;
	flt = faults() - flt;
	report("lookup_entry_us", sum * 1e6 / (double)n);
	report("lookup_entry_p99_us", p99(lat, (size_t)n) * 1e6);
	report("lookup_entry_cpu_us", cpu * 1e6 / (double)n);
	report("lookup_entry_faults", flt / (double)n);
	muster_buf_free(&e);

	struct ids ids;
	memset(&ids, 0, sizeof ids);
	muster_snap *sn;
	if ((rc = muster_snap_begin(s, &sn)) != 0 || (rc = muster_row_list(sn, MUSTER_T_ASSET, "", 0, keep_id, &ids)) != 0)
		die("listing the assets", rc);
	muster_snap_end(sn);
	if (ids.n) {
		sum = 0;
		cpu = cpu_now();
		flt = faults();
		for (uint64_t i = 0; i < n; i++) {
			const char *id = (const char *)ids.all.data + ids.off[rnd(ids.n)];
			muster_rec r;
			double t = now();
			if ((rc = muster_snap_begin(s, &sn)) != 0)
				die("muster_snap_begin", rc);
			if ((rc = muster_row_cget(sn, MUSTER_T_ASSET, id, &r)) != 0)
				die("muster_row_get", rc);
			muster_snap_end(sn);
			lat[i] = now() - t;
			sum += lat[i];
		}
		cpu = cpu_now() - cpu;
		flt = faults() - flt;
		report("assets", (double)ids.n);
		report("lookup_asset_us", sum * 1e6 / (double)n);
		report("lookup_asset_p99_us", p99(lat, (size_t)n) * 1e6);
		report("lookup_asset_cpu_us", cpu * 1e6 / (double)n);
		report("lookup_asset_faults", flt / (double)n);
	}
	muster_buf_free(&ids.all);
	free(ids.off);
	free(lat);
}

static int cmd_read(const char *dir)
{
	muster_store *s;
	int rc = muster_store_open(dir, &s);
	if (rc)
		die(dir, rc);
	uint64_t size;
	if ((rc = muster_log_size(s, &size)) != 0)
		die("muster_log_size", rc);
	struct sum sm = {0, 0};
	double t = now();
	if ((rc = muster_log_scan(s, 0, size, add_entry, &sm)) != 0)
		die("muster_log_scan", rc);
	fprintf(stderr, "bench_national: %" PRIu64 " entries, %" PRIu64 " bytes, read in %.1f s\n", sm.n, sm.bytes, now() - t);
	report("entries", (double)sm.n);
	report("entry_bytes", (double)sm.bytes);
	if (env_u64("BENCH_VERIFY", 1))
		verify(s);
	uint64_t n = env_u64("BENCH_LOOKUPS", 200000);
	if (n)
		lookups(s, size, n);
	muster_store_close(s);
	return 0;
}

static void journal_write(muster_store *s, struct journal *j, uint64_t count)
{
	j->count = count;
	int rc = muster_write(s, write_journal, j);
	if (rc) {
		fprintf(stderr, "bench_national: write refused: %s\n", muster_store_why(s));
		die("muster_write", rc);
	}
	j->serial += count;
}

static int cmd_append(const char *dir, const char *keyfile, const char *scratch)
{
	const char *pass = getenv("MUSTER_PASSPHRASE");
	if (!pass) {
		fprintf(stderr, "bench_national: MUSTER_PASSPHRASE must hold the passphrase of %s\n", keyfile);
		return 2;
	}
	uint64_t batch = env_u64("BENCH_BATCH", 10000), batches = env_u64("BENCH_BATCHES", 10), nsync = env_u64("BENCH_SYNC", 300);
	muster_store *big, *empty;
	muster_signer *k, *admin;
	char edir[4096], rdir[4096];
	int rc;
	if ((rc = muster_store_open(dir, &big)) != 0)
		die(dir, rc);
	if ((rc = muster_key_unseal(keyfile, pass, strlen(pass), &k)) != 0)
		die(keyfile, rc);
	if ((rc = muster_signer_generate(&admin)) != 0)
		die("muster_signer_generate", rc);
	if (snprintf(edir, sizeof edir, "%s/empty", scratch) >= (int)sizeof edir ||
		snprintf(rdir, sizeof rdir, "%s/ref-lmdb", scratch) >= (int)sizeof rdir)
		die("scratch path too long", MUSTER_EINVAL);
	if ((rc = muster_store_create(edir, "bench.example/empty", admin, "Bench Admin", &empty)) != 0)
		die(edir, rc);
	uint64_t size;
	if ((rc = muster_log_size(big, &size)) != 0)
		die("muster_log_size", rc);
	/* Texts distinct from any earlier run's on the same copy: the log size and the time. */
	struct journal jb = {k, 0, size, (uint64_t)time(NULL), {0}}, je = {admin, 0, 0, (uint64_t)time(NULL), {0}};

	/* Batched: warm up (and grow each map once), then alternate. */
	journal_write(big, &jb, batch);
	journal_write(empty, &je, batch);
	fprintf(stderr, "bench_national: %" PRIu64 " durable writes of %" PRIu64 " entries at the end of a %" PRIu64
			"-entry log and of an empty one, alternating...\n", batches, batch, size);
	struct rate rb = {0, 0}, re = {0, 0}, sign = {0, 0};
	for (uint64_t i = 0; i < batches; i++) {
		ref_crypto(&sign, 0, 0.2);
		double t = now();
		journal_write(big, &jb, batch);
		rb.secs += now() - t;
		rb.ops += (double)batch;
		ref_crypto(&sign, 0, 0.2);
		t = now();
		journal_write(empty, &je, batch);
		re.secs += now() - t;
		re.ops += (double)batch;
	}
	ref_crypto(&sign, 0, 0.2);
	report("log_size", (double)size);
	report("batched_big_per_s", rb.ops / rb.secs);
	report("batched_empty_per_s", re.ops / re.secs);
	report("ref_sign_per_s", sign.ops / sign.secs);

	/* Durable single appends, blocks of 25: the big log, the empty one, plain LMDB. */
	struct ref_lmdb ref;
	struct rate db = {0, 0}, de = {0, 0}, raw = {0, 0};
	ref_lmdb_open(&ref, rdir);
	for (int i = 0; i < 5; i++) {
		journal_write(big, &jb, 1);
		journal_write(empty, &je, 1);
	}
	ref_lmdb_commits(&ref, 5, &raw);
	raw.ops = raw.secs = 0;
	fprintf(stderr, "bench_national: %" PRIu64 " durable single appends on each, in blocks of 25...\n", nsync);
	for (uint64_t done = 0; done < nsync;) {
		uint64_t n = nsync - done < 25 ? nsync - done : 25;
		double t = now();
		for (uint64_t i = 0; i < n; i++)
			journal_write(big, &jb, 1);
		db.secs += now() - t;
		db.ops += (double)n;
		t = now();
		for (uint64_t i = 0; i < n; i++)
			journal_write(empty, &je, 1);
		de.secs += now() - t;
		de.ops += (double)n;
		ref_lmdb_commits(&ref, (long)n, &raw);
		done += n;
	}
	report("durable_big_per_s", db.ops / db.secs);
	report("durable_empty_per_s", de.ops / de.secs);
	report("ref_commit_sync_per_s", raw.ops / raw.secs);
	ref_lmdb_close(&ref);

	static const char *const files[] = {"data.mdb", "lock.mdb", "log.key", "tag.key", "log.key.pub", "tag.key.pub"};
	muster_store_close(empty);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char p[4200];
		snprintf(p, sizeof p, "%s/%s", edir, files[i]);
		unlink(p);
	}
	rmdir(edir);
	muster_store_close(big);
	muster_buf_free(&jb.body);
	muster_buf_free(&je.body);
	muster_signer_free(k);
	muster_signer_free(admin);
	return 0;
}

int main(int argc, char **argv)
{
	bench_init("bench_national");
	if (!((argc == 3 && strcmp(argv[1], "read") == 0) || (argc == 5 && strcmp(argv[1], "append") == 0))) {
		fprintf(stderr, "usage: %s read STORE | append STORE KEYFILE SCRATCH\n", argv[0]);
		return 2;
	}
	if (muster_init() != 0)
		die("muster_init", MUSTER_ECRYPTO);
	ref_init();
	return argv[1][0] == 'r' ? cmd_read(argv[2]) : cmd_append(argv[2], argv[3], argv[4]);
}
