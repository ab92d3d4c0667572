/* bench_ref.c - same-window raw references; see bench_ref.h. */
#include "bench_ref.h"

#include "bench_util.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char msg[256], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];

void ref_init(void)
{
	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof msg);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
}

void ref_crypto(struct rate *r, int verify, double secs)
{
	unsigned char m[sizeof msg], s[sizeof sig];
	memcpy(m, msg, sizeof m); /* a copy each: ref_verify_all runs this on several threads */
	memcpy(s, sig, sizeof s);
	double t0 = now(), t;
	long n = 0;
	do {
		for (int i = 0; i < 100; i++, n++) {
			if (verify) {
				if (crypto_sign_verify_detached(s, m, sizeof m, pk) != 0)
					abort();
			} else {
				m[0] = (unsigned char)n;
				crypto_sign_detached(s, NULL, m, sizeof m, sk);
			}
		}
		t = now() - t0;
	} while (t < secs);
	r->ops += (double)n;
	r->secs += t;
}

struct ref_thread {
	pthread_t th;
	struct rate r;
	double secs;
};

static void *verify_thread(void *arg)
{
	struct ref_thread *t = arg;
	ref_crypto(&t->r, 1, t->secs);
	return NULL;
}

void ref_verify_all(struct rate *r, unsigned threads, double secs)
{
	struct ref_thread *t = calloc(threads, sizeof *t);
	if (!t)
		die("memory", MUSTER_ENOMEM);
	double t0 = now();
	unsigned started = 0;
	for (; started < threads; started++) {
		t[started].secs = secs;
		if (pthread_create(&t[started].th, NULL, verify_thread, &t[started]) != 0)
			break;
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(t[i].th, NULL);
		r->ops += t[i].r.ops;
	}
	r->secs += now() - t0;
	free(t);
}

unsigned ref_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static void mdb_check(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "bench: %s: %s\n", what, mdb_strerror(rc));
		exit(1);
	}
}

void ref_lmdb_open(struct ref_lmdb *r, const char *dir)
{
	MDB_txn *txn;
	int n = snprintf(r->dir, sizeof r->dir, "%s", dir);
	if (n < 0 || (size_t)n >= sizeof r->dir) {
		fprintf(stderr, "bench: path too long: %s\n", dir);
		exit(2);
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		perror(dir);
		exit(1);
	}
	mdb_check(mdb_env_create(&r->env), "mdb_env_create");
	mdb_check(mdb_env_set_mapsize(r->env, (size_t)64 << 20), "mdb_env_set_mapsize");
	mdb_check(mdb_env_open(r->env, dir, 0, 0600), "mdb_env_open");
	mdb_check(mdb_txn_begin(r->env, NULL, 0, &txn), "mdb_txn_begin");
	mdb_check(mdb_dbi_open(txn, NULL, MDB_INTEGERKEY, &r->dbi), "mdb_dbi_open");
	mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");
	r->key = 0;
}

void ref_lmdb_commits(struct ref_lmdb *r, long n, struct rate *rate)
{
	unsigned char val[256];
	memset(val, 0xab, sizeof val);
	double t = now();
	for (long i = 0; i < n; i++) {
		MDB_txn *txn;
		MDB_val k = {sizeof r->key, &r->key}, v = {sizeof val, val};
		mdb_check(mdb_txn_begin(r->env, NULL, 0, &txn), "mdb_txn_begin");
		mdb_check(mdb_put(txn, r->dbi, &k, &v, MDB_APPEND), "mdb_put");
		mdb_check(mdb_txn_commit(txn), "mdb_txn_commit");
		r->key++;
	}
	rate->ops += (double)n;
	rate->secs += now() - t;
}

void ref_lmdb_close(struct ref_lmdb *r)
{
	char p[4200];
	mdb_env_close(r->env);
	snprintf(p, sizeof p, "%s/data.mdb", r->dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", r->dir);
	unlink(p);
	rmdir(r->dir);
}

double ref_cpu_secs(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		(double)ru.ru_stime.tv_usec / 1e6;
}
