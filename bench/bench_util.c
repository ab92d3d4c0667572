/* bench_util.c - what the bench programs share; see bench_util.h. */
#include "bench_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *prog = "bench";

void bench_init(const char *name)
{
	prog = name;
}

double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void die(const char *what, int rc)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, muster_strerror(rc));
	exit(1);
}

void report(const char *name, double value)
{
	printf("%-26s %14.3f\n", name, value);
	fflush(stdout);
}

uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return def;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end) {
		fprintf(stderr, "%s: %s=%s is not a number\n", prog, name, s);
		exit(2);
	}
	return (uint64_t)v;
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

uint64_t H(uint64_t i, uint64_t salt)
{
	return mix(i * 0x100000001b3u ^ mix(salt));
}

/* ---- appending in batches ------------------------------------------------------------------ */

void batch_init(struct batch *b, muster_store *s, size_t max, void (*claim)(uint64_t ms))
{
	*b = (struct batch){.s = s, .max = max, .claim = claim};
	b->e = calloc(max, sizeof *b->e);
	if (!b->e)
		die("memory", MUSTER_ENOMEM);
	int rc = muster_log_size(s, &b->next);
	if (rc)
		die("log size", rc);
}

void batch_free(struct batch *b)
{
	muster_buf_free(&b->bodies);
	free(b->e);
	b->e = NULL;
	b->n = 0;
}

static int write_batch(muster_wtxn *w, void *arg)
{
	struct batch *b = arg;
	size_t start = 0;
	uint64_t first = b->next - b->n, index;
	for (size_t i = 0; i < b->n; i++) {
		if (b->claim)
			b->claim(b->e[i].ms);
		int rc = muster_append(w, b->e[i].k, b->e[i].type, b->bodies.data + start, b->e[i].end - start, &index);
		if (b->claim)
			b->claim(0);
		if (rc == 0 && index != first + i)
			rc = MUSTER_ECORRUPT; /* the links planned would point elsewhere */
		if (rc) {
			b->failed_at = i;
			return rc;
		}
		start = b->e[i].end;
	}
	return 0;
}

void flush(struct batch *b)
{
	if (!b->n)
		return;
	int rc = muster_write(b->s, write_batch, b);
	if (rc) {
		fprintf(stderr, "%s: %s refused (entry %zu of the batch): %s\n", prog,
			muster_event_name(b->e[b->failed_at].type), b->failed_at, muster_store_why(b->s));
		die("write", rc);
	}
	b->total += b->n;
	b->n = 0;
	muster_buf_reset(&b->bodies);
}

uint64_t add_raw(struct batch *b, const muster_signer *k, uint64_t type, const void *p, size_t n)
{
	muster_buf_put(&b->bodies, p, n);
	if (b->bodies.err)
		die("encode", b->bodies.err);
	b->e[b->n++] = (struct ent){k, type, b->ms++, b->bodies.len};
	uint64_t index = b->next++;
	if (b->n == b->max)
		flush(b);
	return index;
}

uint64_t add(struct batch *b, const muster_signer *k, uint64_t type, const muster_rec *r)
{
	static muster_buf tmp;
	muster_buf_reset(&tmp);
	muster_rec_encode(&tmp, r);
	return add_raw(b, k, type, tmp.data, tmp.len);
}

int journal_body(struct journal *j, uint64_t serial)
{
	char text[192];
	int n = j->tag ? snprintf(text, sizeof text,
				 "\xe5\x80\xbc\xe7\x8f\xad\xe8\xae\xb0\xe5\xbd\x95 %" PRIu64 "-%" PRIu64
				 ": gate 3 checked at 02:00, two visitors signed in, generator fuel 80%%, no incident.",
				 j->tag, serial)
		       : snprintf(text, sizeof text,
				 "\xe5\x80\xbc\xe7\x8f\xad\xe8\xae\xb0\xe5\xbd\x95 #%" PRIu64
				 ": gate 3 checked at 02:00, two visitors signed in, generator fuel 80%%, no incident.",
				 serial);
	muster_ev_journal v = {{text, (size_t)n}};
	muster_buf_reset(&j->body);
	muster_ev_journal_encode(&j->body, &v);
	return j->body.err;
}

int write_journal(muster_wtxn *w, void *arg)
{
	struct journal *j = arg;
	uint64_t serial = j->serial; /* muster_write may call us again: start over */
	for (uint64_t i = 0; i < j->count; i++, serial++) {
		int rc = journal_body(j, serial);
		if (rc)
			return rc;
		rc = muster_append(w, j->signer, MUSTER_EV_JOURNAL, j->body.data, j->body.len, NULL);
		if (rc)
			return rc;
	}
	return 0;
}
