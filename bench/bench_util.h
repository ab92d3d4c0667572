/*
 * bench_util.h - what bench_people, bench_money and bench_equip share:
 * clocks, one line per figure, sizes from the environment, a median,
 * reproducible pseudo-random numbers, and signed events appended in batches.
 *
 * Every function that fails says so in one line on stderr, prefixed with
 * the name given to bench_init, and exits: these are programs, not a
 * library.  Nothing here is thread-safe.
 */
#ifndef MUSTER_BENCH_UTIL_H
#define MUSTER_BENCH_UTIL_H

#include <muster/muster.h>

#include <stddef.h>
#include <stdint.h>

/* Names the program in every message below (default "bench"); name must outlive the program. */
void bench_init(const char *name);

/* Seconds on the monotonic clock, and CPU seconds of this thread (a figure without a busy machine's waits). */
double now(void);
double cpu_now(void);

/* "<name>: <what>: <muster_strerror(rc)>" on stderr, exit status 1. */
__attribute__((noreturn)) void die(const char *what, int rc);

/* One figure on stdout, "<name> <value>", flushed: bench/run.sh reads it by name. */
void report(const char *name, double value);

/* The decimal number in environment variable name, or def when it is unset or empty; exits (status 2) on anything else. */
uint64_t env_u64(const char *name, uint64_t def);

/* qsort's comparison for doubles, ascending. */
int cmp_double(const void *a, const void *b);

/* The median of v[0..n-1], n >= 1; sorts v in place. */
double median(double *v, size_t n);

/* A well-mixed 64-bit number from (i, salt): the same every run, so every run builds the same dataset. */
uint64_t H(uint64_t i, uint64_t salt);

/* ---- appending in batches --------------------------------------------------------------- */

struct ent {
	const muster_signer *k;
	uint64_t type, ms;
	size_t end; /* where its body ends in batch.bodies */
};

/*
 * Events gathered, then appended max at a time, each batch in one
 * muster_write.  Each entry is planned its log index (next) and a time (ms,
 * one millisecond after the one before unless the caller moves it); a write
 * that gives an entry another index fails with MUSTER_ECORRUPT, so links
 * planned between entries hold.  If claim is not NULL it is called with
 * the entry's ms just before its muster_append and with 0 right after.
 */
struct batch {
	muster_store *s;
	size_t max;
	void (*claim)(uint64_t ms);
	muster_buf bodies;
	struct ent *e;
	size_t n;
	size_t failed_at; /* the entry a refused write stopped at */
	uint64_t total;   /* entries written */
	uint64_t next;    /* the log index the next entry will get */
	uint64_t ms;      /* the time the next entry claims */
};

/* An empty batch on s, next at the end of its log; claim may be NULL. Dies when out of memory or the log is unreadable. */
void batch_init(struct batch *b, muster_store *s, size_t max, void (*claim)(uint64_t ms));

/* Frees what b holds; entries not yet flushed are dropped. */
void batch_free(struct batch *b);

/* Writes the gathered entries now, if any; dies, naming the refused entry, if the store refuses them. */
void flush(struct batch *b);

/* Adds an event of type with body p[0..n-1] signed by k, writing the batch when it is full; returns its log index. */
uint64_t add_raw(struct batch *b, const muster_signer *k, uint64_t type, const void *p, size_t n);

/* add_raw with r encoded as the body. */
uint64_t add(struct batch *b, const muster_signer *k, uint64_t type, const muster_rec *r);

/*
 * A journal writer for muster_write: appends `count` duty-journal entries
 * of duty-log size signed by signer, numbered from serial (so no two
 * bodies are alike); a non-zero tag goes in each text too (a process's
 * start time, so that entries of separate runs differ).
 */
struct journal {
	const muster_signer *signer;
	uint64_t count;
	uint64_t serial;
	uint64_t tag;
	muster_buf body;
};
int write_journal(muster_wtxn *w, void *arg);
/* The body of j's entry numbered serial, encoded into j->body; 0 or MUSTER_ENOMEM. */
int journal_body(struct journal *j, uint64_t serial);

#endif
