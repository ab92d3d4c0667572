/*
 * bench_equip.c - the depot keeper's figures: a scan to a committed
 * checkout, label printing, and looking up an asset by its label.
 *
 * Usage: bench_equip DIR   (DIR must exist; the store is made under it and removed)
 *
 *   scan_checkout_median_ms  a label payload in, a durable checkout (or
 *   scan_checkout_p99_ms     return) committed: parse, check the label
 *                            (URL, tag signature, revocation), sign, append,
 *                            fsync; in process       vs lmdb_commit_sync
 *   labels_png_per_s         label_png of a real payload to a file
 *                                                    vs qrencode_M
 *   pdf_1000_labels_s        label_pdf of 1,000 labels on A4 sheets
 *   lookup_payload_us        muster_label_check + the asset's row, signature
 *                            check included          vs verify_ed25519
 *
 * Same-run references: ref_commit_sync_ms (a plain durable LMDB commit),
 * ref_qrencode_per_s (QRcode_encodeString of limits.sh's payload) and
 * ref_verify_per_s (crypto_sign_verify_detached).
 * Environment: BENCH_ASSETS (assets in the store, 2000), BENCH_SCANS (300).
 */
#include <muster/muster.h>

#include "../tools/label.h"
#include "bench_util.h"

#include <lmdb.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	return s && *s ? strtoul(s, NULL, 10) : def;
}

/* A plain durable LMDB commit of a 256-byte record, for the same-run reference. */
static double ref_commit_ms(const char *dir, int n)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	char path[4096];
	unsigned char val[256] = {0};
	double *t = calloc((size_t)n, sizeof *t);
	snprintf(path, sizeof path, "%s/ref", dir);
	if (!t || mkdir(path, 0700) != 0 || mdb_env_create(&env) || mdb_env_set_mapsize(env, 64u << 20) || mdb_env_open(env, path, 0, 0600))
		die("ref lmdb", MUSTER_ESTORE);
	for (int i = 0; i < n; i++) {
		double t0 = now();
		uint64_t key = (uint64_t)i;
		MDB_val k = {sizeof key, &key}, v = {sizeof val, val};
		if (mdb_txn_begin(env, NULL, 0, &txn) || mdb_dbi_open(txn, NULL, 0, &dbi) || mdb_put(txn, dbi, &k, &v, 0) ||
			mdb_txn_commit(txn))
			die("ref lmdb commit", MUSTER_ESTORE);
		t[i] = (now() - t0) * 1e3;
	}
	mdb_env_close(env);
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	double med = t[n / 2];
	free(t);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_equip: could not remove %s\n", path);
	return med;
}

int main(int argc, char **argv)
{
	bench_init("bench_equip");
	if (argc != 2) {
		fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
		return 2;
	}
	unsigned long nassets = env_ul("BENCH_ASSETS", 2000), nscans = env_ul("BENCH_SCANS", 300);
	if (nassets < 1000)
		nassets = 1000;
	if (nscans < 10)
		nscans = 10;
	if (muster_init() != 0)
		die("muster_init", MUSTER_ECRYPTO);
	muster_signer *admin, *tag;
	char dir[4096], path[4200];
	snprintf(dir, sizeof dir, "%s/equip", argv[1]);
	muster_store *s;
	int rc = muster_signer_generate(&admin);
	if (rc == 0)
		rc = muster_store_create_url(dir, "bench.muster/equip", admin, "bench", "https://muster.example.cn", &s);
	if (rc)
		die("store", rc);
	snprintf(path, sizeof path, "%s/tag.key", dir);
	if ((rc = muster_site_key_read(path, &tag)) != 0)
		die("tag key", rc);

	/* A team, a depot and the assets, without fsync.  An add then a flush is one event in its own write. */
	fprintf(stderr, "bench_equip: registering %lu assets...\n", nassets);
	muster_store_set_durable(s, 0);
	struct batch b;
	batch_init(&b, s, nassets, NULL);
	muster_rec r;
	muster_rec_clear(&r);
	muster_rec_cstr(&r, MF_TEAM, "KS-BJ-01");
	muster_rec_cstr(&r, MF_NAME, "国家矿山应急救援北京队");
	muster_rec_uint(&r, MF_SPECIALTY, 0);
	muster_rec_cstr(&r, MF_PROVINCE, "110000");
	muster_rec_cstr(&r, MF_HOST, "北京某集团");
	muster_rec_cstr(&r, MF_HOST_CODE, "91110000600037341L");
	add(&b, admin, MUSTER_EV_TEAM_ADD, &r);
	flush(&b);
	muster_rec_clear(&r);
	muster_rec_cstr(&r, MF_TEAM, "KS-BJ-01");
	muster_rec_cstr(&r, MF_DEPOT, "BJ-D1");
	muster_rec_cstr(&r, MF_NAME, "一号装备库");
	add(&b, admin, MUSTER_EV_DEPOT_ADD, &r);
	flush(&b);
	char ids[32];
	for (unsigned long i = 0; i < nassets; i++) {
		char serial[32];
		snprintf(ids, sizeof ids, "BJ-%06lu", i);
		snprintf(serial, sizeof serial, "S%06lu", i);
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_ID, ids);
		muster_rec_cstr(&r, MF_CATEGORY, "2030101");
		muster_rec_cstr(&r, MF_TYPE, "正压氧气呼吸器");
		muster_rec_cstr(&r, MF_MODEL, "HY4");
		muster_rec_cstr(&r, MF_SERIAL, serial);
		muster_rec_uint(&r, MF_FUNDING, 1);
		muster_rec_cstr(&r, MF_DEPOT, "BJ-D1");
		add(&b, admin, MUSTER_EV_ASSET_ADD, &r);
	}
	flush(&b);

	/* Payloads as printed. */
	muster_buf *pay = calloc(nassets, sizeof *pay);
	for (unsigned long i = 0; i < nassets; i++) {
		snprintf(ids, sizeof ids, "BJ-%06lu", i);
		muster_tag_payload(&pay[i], "https://muster.example.cn", "bench.muster/equip", tag, ids, strlen(ids), 1);
		muster_buf_put(&pay[i], "", 1);
	}

	/* Lookup by payload: what every scan and every phone opening a label costs before any write. */
	muster_snap *sn;
	if ((rc = muster_snap_begin(s, &sn)) != 0)
		die("snapshot", rc);
	unsigned long nlook = 20000;
	double t = now();
	for (unsigned long i = 0; i < nlook; i++) {
		muster_tag tg;
		uint64_t cur;
		int why;
		muster_rec a;
		const char *p = (const char *)pay[i % nassets].data;
		if ((rc = muster_label_check(sn, p, strlen(p), &tg, &cur, &why)) != 0 ||
			(rc = muster_row_get(sn, MUSTER_T_ASSET, tg.id, tg.id_len, &a)) != 0)
			die("label check", rc);
	}
	t = now() - t;
	muster_snap_end(sn);
	report("lookup_payload_us", t * 1e6 / (double)nlook);
	{
		unsigned char m[128] = {0}, pk[32], sk[64], sig[64];
		crypto_sign_keypair(pk, sk);
		crypto_sign_detached(sig, NULL, m, sizeof m, sk);
		double t0 = now();
		for (int i = 0; i < 20000; i++)
			if (crypto_sign_verify_detached(sig, m, sizeof m, pk) != 0)
				die("verify", MUSTER_EVERIFY);
		report("ref_verify_per_s", 20000 / (now() - t0));
	}

	/* Scan to committed checkout, durable, in process. */
	fprintf(stderr, "bench_equip: %lu durable scans...\n", nscans);
	muster_store_set_durable(s, 1);
	double *lat = calloc(nscans, sizeof *lat);
	for (unsigned long i = 0; i < nscans; i++) {
		double t0 = now();
		muster_tag tg;
		uint64_t cur;
		int why;
		const char *p = (const char *)pay[i / 2].data;
		if ((rc = muster_snap_begin(s, &sn)) != 0)
			die("snapshot", rc);
		rc = muster_label_check(sn, p, strlen(p), &tg, &cur, &why);
		muster_snap_end(sn);
		if (rc)
			die("label check", rc);
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_ID, tg.id);
		if (i % 2 == 0) {
			muster_rec_cstr(&r, MF_HOLDER, "第一小队");
			muster_rec_uint(&r, MF_PURPOSE, 1);
		}
		add(&b, admin, i % 2 == 0 ? MUSTER_EV_CHECKOUT : MUSTER_EV_RETURN, &r);
		flush(&b);
		lat[i] = (now() - t0) * 1e3;
	}
	qsort(lat, nscans, sizeof *lat, cmp_double);
	report("scan_checkout_median_ms", lat[nscans / 2]);
	report("scan_checkout_p99_ms", lat[nscans * 99 / 100]);
	report("ref_commit_sync_ms", ref_commit_ms(argv[1], 100));
	free(lat);

	/* Labels. */
	struct label_geom g;
	char err[256];
	label_geom_default(&g);
	snprintf(path, sizeof path, "%s/label.png", argv[1]);
	FILE *f = fopen(path, "wb");
	if (!f)
		die("label file", MUSTER_EIO);
	unsigned long nlab = 2000;
	t = now();
	for (unsigned long i = 0; i < nlab; i++) {
		snprintf(ids, sizeof ids, "BJ-%06lu", i % nassets);
		struct label_item it = {(const char *)pay[i % nassets].data, "正压氧气呼吸器", ids};
		rewind(f);
		if (label_png(&it, &g, f, err, sizeof err) != 0) {
			fprintf(stderr, "bench_equip: %s\n", err);
			return 1;
		}
	}
	t = now() - t;
	fclose(f);
	report("labels_png_per_s", (double)nlab / t);
	{
		/* Raw libqrencode on the labels' own payloads, in the same order: the QR versions the labels need. */
		report("label_payload_bytes", (double)strlen((const char *)pay[0].data));
		double t0 = now();
		for (unsigned long i = 0; i < nlab; i++) {
			QRcode *q = QRcode_encodeString((const char *)pay[i % nassets].data, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
			if (!q)
				die("qrencode", MUSTER_ENOMEM);
			QRcode_free(q);
		}
		report("ref_qrencode_per_s", (double)nlab / (now() - t0));
	}
	struct label_item *items = calloc(1000, sizeof *items);
	char (*idv)[16] = calloc(1000, 16);
	for (int i = 0; i < 1000; i++) {
		snprintf(idv[i], 16, "BJ-%06d", i);
		items[i].payload = (const char *)pay[i].data;
		items[i].name = "正压氧气呼吸器";
		items[i].id = idv[i];
	}
	snprintf(path, sizeof path, "%s/sheet.pdf", argv[1]);
	t = now();
	if (label_pdf(items, 1000, &g, path, err, sizeof err) != 0) {
		fprintf(stderr, "bench_equip: %s\n", err);
		return 1;
	}
	report("pdf_1000_labels_s", now() - t);
	remove(path);
	snprintf(path, sizeof path, "%s/label.png", argv[1]);
	remove(path);

	for (unsigned long i = 0; i < nassets; i++)
		muster_buf_free(&pay[i]);
	free(pay);
	free(items);
	free(idv);
	batch_free(&b);
	muster_signer_free(tag);
	muster_signer_free(admin);
	muster_store_close(s);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "bench_equip: could not remove %s\n", dir);
	return 0;
}
