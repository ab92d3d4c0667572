/*
 * bench_append.c - appends N signed duty-journal entries to a store, as the
 * site's people would, in one process: the sealed key is unsealed once
 * (passphrase from MUSTER_PASSPHRASE) and the entries are appended through
 * muster_write/muster_append in durable writes of up to 1,000, each write
 * signing a checkpoint.  bench/mirror.sh uses it to grow a site between
 * mirror pulls: `muster journal add` is a process and an Argon2 unseal per
 * entry.
 *
 * Usage: bench_append STORE KEYFILE N
 * Prints the store's log size afterwards.
 */
#include "bench_util.h"

#include <muster/muster.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	bench_init("bench_append");
	if (argc != 4) {
		fprintf(stderr, "usage: %s STORE KEYFILE N  (passphrase in MUSTER_PASSPHRASE)\n", argv[0]);
		return 2;
	}
	char *end;
	uint64_t n = strtoull(argv[3], &end, 10);
	const char *pass = getenv("MUSTER_PASSPHRASE");
	if (*end || !*argv[3] || !pass) {
		fprintf(stderr, "bench_append: N must be a number and MUSTER_PASSPHRASE set\n");
		return 2;
	}
	if (muster_init() != 0)
		die("muster_init", MUSTER_ECRYPTO);
	muster_store *s;
	muster_signer *k;
	int rc = muster_store_open(argv[1], &s);
	if (rc)
		die(argv[1], rc);
	if ((rc = muster_key_unseal(argv[2], pass, strlen(pass), &k)) != 0)
		die(argv[2], rc);
	struct journal j = {k, 0, 0, (uint64_t)time(NULL), {0}}; /* the start time tells runs apart */
	uint64_t size;
	if ((rc = muster_log_size(s, &size)) != 0)
		die("muster_log_size", rc);
	j.serial = size; /* distinct texts across runs */
	for (uint64_t done = 0; done < n; done += j.count) {
		j.count = n - done < 1000 ? n - done : 1000;
		if ((rc = muster_write(s, write_journal, &j)) != 0) {
			fprintf(stderr, "bench_append: write refused: %s\n", muster_store_why(s));
			die("muster_write", rc);
		}
		j.serial += j.count;
	}
	if ((rc = muster_log_size(s, &size)) != 0)
		die("muster_log_size", rc);
	printf("%" PRIu64 "\n", size);
	muster_buf_free(&j.body);
	muster_signer_free(k);
	muster_store_close(s);
	return 0;
}
