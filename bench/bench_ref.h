/*
 * bench_ref.h - the raw operations shared/bench/limits.c times, timed again
 * inside a bench program in the same window as what it measures (a shared
 * machine's speed drifts between two runs): Ed25519 signing and verifying
 * of 256-byte messages on one CPU or on several at once, and a plain
 * durable LMDB commit of one 256-byte record.  bench, bench_national and
 * sqlite_peer use them.
 *
 * Failures print one line on stderr and exit, as in bench_util.h.  Not
 * thread-safe but for ref_verify_all, which starts its own threads.
 */
#ifndef MUSTER_BENCH_REF_H
#define MUSTER_BENCH_REF_H

#include <lmdb.h>
#include <stdint.h>

/* Operations and the seconds they took; ops / secs is the rate. */
struct rate {
	double ops, secs;
};

/* A key pair and a signed message for the references below; call once, after muster_init. */
void ref_init(void);

/* Signs (verify 0) or verifies 256-byte messages on this thread for about secs seconds, adding to *r. */
void ref_crypto(struct rate *r, int verify, double secs);

/* The same verification on `threads` threads at once for about secs seconds: what a parallel verifier can have now. */
void ref_verify_all(struct rate *r, unsigned threads, double secs);

/* The CPUs online (at least 1). */
unsigned ref_cpus(void);

/* A plain LMDB environment in its own directory: one 256-byte record appended per durable commit, as limits.c does. */
struct ref_lmdb {
	MDB_env *env;
	MDB_dbi dbi;
	uint64_t key;
	char dir[4096];
};
void ref_lmdb_open(struct ref_lmdb *r, const char *dir);
/* n durable commits, adding to *rate. */
void ref_lmdb_commits(struct ref_lmdb *r, long n, struct rate *rate);
/* Closes it and removes its files and directory. */
void ref_lmdb_close(struct ref_lmdb *r);

/* CPU seconds used by the whole process so far, every thread. */
double ref_cpu_secs(void);

#endif
