/*
 * cmd_mirror.c - a central office mirrors and witnesses its sites' logs
 * (docs/REPLICATION.md):
 *
 *   muster mirror add ORIGIN --vkey VKEY [--url URL]
 *   muster mirror import FILE [--reply OUT]      a bundle from `muster log bundle`
 *   muster mirror pull [ORIGIN]                  from the sites' tile servers
 *   muster mirror status
 *   muster mirror witness                        a C2SP tlog-witness add-checkpoint body on stdin
 *   muster witness vkey                          the centre's witness verifier key
 *
 * and a site keeps the cosignatures it gets back:
 *
 *   muster log cosigned FILE --witness VKEY
 *
 * Each mirror is a store of its own in STORE/mirrors/<origin, %-escaped>.
 * core/mirror.c verifies and stores; this file fetches, keeps the evidence
 * of a fork (STORE/mirrors/X/forks/<size>-<time>/ and the file
 * STORE/mirrors/X/forked, which stops every later import), and talks.
 */
#include "config.h"

#include "cli.h"
#include "commands.h"
#include "equip_cli.h"
#include "tilepath.h"
#include "tilesrc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STALE_DAYS_DEFAULT 7

/* ---- where things are --------------------------------------------------- */

/* STORE/mirrors/<origin with every byte outside [A-Za-z0-9._-] as %XX>, malloc'd. */
static char *mirror_path(const char *store, const char *origin)
{
	size_t n = strlen(store) + 16 + 3 * strlen(origin);
	char *p = malloc(n);
	if (!p)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	size_t k = (size_t)snprintf(p, n, "%s/mirrors/", store);
	for (const unsigned char *c = (const unsigned char *)origin; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' ||
			*c == '_')
			p[k++] = (char)*c;
		else
			k += (size_t)snprintf(p + k, n - k, "%%%02X", *c);
	}
	p[k] = 0;
	return p;
}

/* Reads a whole small file (at most max bytes) into b: 0, or errno. */
static int slurp(const char *path, muster_buf *b, size_t max)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return errno;
	char chunk[8192];
	size_t n;
	int e = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b->len + n > max) {
			e = EFBIG;
			break;
		}
		muster_buf_put(b, chunk, n);
	}
	if (ferror(f))
		e = EIO;
	if (f != stdin)
		fclose(f);
	return e ? e : b->err ? ENOMEM : 0;
}

/* ---- the witness key: STORE/witness.key, named after the store's origin ---- */

static void witness_name(muster_store *s, char *out, size_t cap)
{
	snprintf(out, cap, "%s/witness", muster_store_origin(s));
}

/* The witness key (made now if `create` and there is none); NULL if there is none. */
static muster_signer *witness_key(const char *store, int create)
{
	char *p = cli_path_join(store, "witness.key");
	muster_signer *k = NULL;
	int rc = muster_site_key_read(p, &k);
	if (rc == MUSTER_ENOTFOUND && create) {
		if ((rc = muster_signer_generate(&k)) == 0 && (rc = muster_site_key_write(p, k)) != 0) {
			muster_signer_free(k);
			k = NULL;
		}
	}
	if (rc && rc != MUSTER_ENOTFOUND)
		die(cli_exit_code(rc), L("cannot read the witness key %s: %s", "无法读取见证密钥 %s：%s"), p, cli_strerror(rc));
	free(p);
	return rc ? NULL : k;
}

static void witness_vkey_text(muster_store *s, const muster_signer *k, muster_buf *b)
{
	char name[MUSTER_ORIGIN_MAX + 16];
	witness_name(s, name, sizeof name);
	muster_cosig_vkey_format(b, name, muster_signer_pk(k));
}

/* ---- forks: evidence kept, imports stopped ------------------------------- */

/* The reason line a forked mirror was stopped with, into b; 0 if it is not forked. */
static int forked(const char *mdir, muster_buf *b)
{
	char *p = cli_path_join(mdir, "forked");
	int e = slurp(p, b, 4096);
	free(p);
	if (e == ENOENT)
		return 0;
	if (b->len && b->data[b->len - 1] == '\n')
		b->len--;
	muster_buf_put(b, "", 1);
	return 1;
}

static void put_evidence(const char *dir, const char *name, const void *p, size_t n)
{
	char *path = cli_path_join(dir, name);
	muster_buf b = {0};
	muster_buf_put(&b, p, n);
	cli_write_file(path, &b);
	muster_buf_free(&b);
	free(path);
}

/*
 * Keeps both sides of a fork in MIRROR/forks/<size>-<time>/ (ours: the
 * mirror's latest checkpoint; theirs: the new one; the entry in question
 * if it came along; reason) and writes MIRROR/forked.
 */
static void keep_fork(const char *mdir, const muster_mirror_result *r, const muster_buf *theirs, const uint8_t *entry,
	size_t entry_len)
{
	char sub[64];
	snprintf(sub, sizeof sub, "forks/%" PRIu64 "-%lld", r->new_size, (long long)time(NULL));
	char *forks = cli_path_join(mdir, "forks"), *dir = cli_path_join(mdir, sub);
	if ((mkdir(forks, 0700) != 0 && errno != EEXIST) || (mkdir(dir, 0700) != 0 && errno != EEXIST))
		die(EXIT_IO, L("cannot keep the evidence in %s: %s", "无法在 %s 保存证据：%s"), dir, strerror(errno));
	put_evidence(dir, "checkpoint.ours", r->ours.data, r->ours.len);
	put_evidence(dir, "checkpoint.theirs", theirs->data, theirs->len);
	if (entry) {
		char name[48];
		snprintf(name, sizeof name, "entry.%" PRIu64, r->at);
		put_evidence(dir, name, entry, entry_len);
	}
	muster_buf why = {0};
	muster_buf_printf(&why, "%s\n", r->reason);
	put_evidence(dir, "reason", why.data, why.len);
	muster_buf_reset(&why);
	muster_buf_printf(&why, "%s (evidence: %s)\n", r->reason, dir);
	char *f = cli_path_join(mdir, "forked");
	cli_write_file(f, &why);
	muster_buf_free(&why);
	free(f);
	free(forks);
	free(dir);
}

/* ---- what arrives: a checkpoint and the entry bundles up to it ----------- */

struct arrival {
	muster_buf ck;                 /* the signed checkpoint */
	muster_checkpoint said;        /* what its text says (checked by core/mirror.c) */
	uint64_t first;                /* index of the first entry fetched */
	size_t count;
	muster_buf *tiles;             /* the entry bundles, which ent[] points into */
	size_t ntiles;
	const uint8_t **ent;
	size_t *len;
	uint8_t (*proof)[MUSTER_HASH_BYTES];
	size_t nproof;
	int has_proof;
	uint64_t proof_from;
	struct tilesrc *src;           /* for a bundle: every hash tile in it is checked */
	char err[320];
};

static void arrival_free(struct arrival *a)
{
	muster_buf_free(&a->ck);
	for (size_t i = 0; i < a->ntiles; i++)
		muster_buf_free(&a->tiles[i]);
	free(a->tiles);
	free(a->ent);
	free(a->len);
	free(a->proof);
}

/* Reads the text of the checkpoint in a->ck (its signature is core/mirror.c's to check). */
static int arrival_said(struct arrival *a)
{
	const uint8_t *p = a->ck.data;
	for (size_t i = 0; i + 1 < a->ck.len; i++)
		if (p[i] == '\n' && p[i + 1] == '\n')
			return muster_checkpoint_parse(p, i + 1, &a->said);
	return MUSTER_EINVAL;
}

/* Fetches entries from `from` (rounded down to a tile) to the checkpoint's size. */
static int fetch_entries(struct arrival *a, uint64_t from)
{
	uint64_t n = a->said.size;
	if (from >= n)
		return 0;
	uint64_t t0 = from / MUSTER_TILE_WIDTH, t1 = (n + MUSTER_TILE_WIDTH - 1) / MUSTER_TILE_WIDTH;
	a->first = t0 * MUSTER_TILE_WIDTH;
	a->count = (size_t)(n - a->first);
	a->ntiles = (size_t)(t1 - t0);
	a->tiles = calloc(a->ntiles, sizeof *a->tiles);
	a->ent = calloc(a->count, sizeof *a->ent);
	a->len = calloc(a->count, sizeof *a->len);
	if (!a->tiles || !a->ent || !a->len)
		return MUSTER_ENOMEM;
	for (uint64_t t = t0; t < t1; t++) {
		size_t w = n - t * MUSTER_TILE_WIDTH < MUSTER_TILE_WIDTH ? (size_t)(n - t * MUSTER_TILE_WIDTH) : MUSTER_TILE_WIDTH;
		char name[64];
		tile_name(name, sizeof name, TILE_ENTRIES, t, w);
		muster_buf *b = &a->tiles[t - t0];
		int rc = tilesrc_get(a->src, name, b, a->err, sizeof a->err);
		if (rc == MUSTER_ENOTFOUND)
			snprintf(a->err, sizeof a->err, "%s is missing: the entries %" PRIu64 "-%" PRIu64 " did not come", name,
				t * MUSTER_TILE_WIDTH, t * MUSTER_TILE_WIDTH + w - 1);
		if (rc)
			return rc;
		size_t off = (size_t)((t - t0) * MUSTER_TILE_WIDTH);
		if ((rc = tile_entries_split(b->data, b->len, w, a->ent + off, a->len + off, a->err, sizeof a->err)) != 0)
			return rc;
	}
	return 0;
}

/* Parses consistency.json ({"old_size":M,"new_size":N,"proof":["base64",...]}) of a bundle. */
static int parse_proof(struct arrival *a, const muster_buf *j, uint64_t since)
{
	uint64_t old = 0, nw = 0;
	a->proof = calloc(MUSTER_PROOF_MAX, sizeof *a->proof);
	if (!a->proof)
		return MUSTER_ENOMEM;
	int rc = tile_proof_parse(j->data, j->len, &old, &nw, a->proof, &a->nproof);
	if (rc == 0 && (old != since || nw != a->said.size))
		rc = MUSTER_EINVAL;
	if (rc == MUSTER_EINVAL)
		snprintf(a->err, sizeof a->err, "consistency.json is not the proof from %" PRIu64 " to %" PRIu64 ": damaged", since,
			a->said.size);
	a->has_proof = rc == 0;
	a->proof_from = since;
	return rc;
}

/* Every hash tile a bundle carries must hold the hashes the verified entries give (before the commit). */
static int check_tiles(void *arg, muster_hash_reader rd, void *ctx, char *why, size_t whylen)
{
	struct arrival *a = arg;
	size_t n = tilesrc_count(a->src);
	muster_buf b = {0};
	int bad = 0;
	for (size_t i = 0; i < n && !bad; i++) {
		const char *name = tilesrc_name(a->src, i);
		int level;
		uint64_t t;
		size_t w;
		if (tile_parse(name, &level, &t, &w) != 0 || level == TILE_ENTRIES)
			continue;
		muster_buf_reset(&b);
		char err[256];
		if (tilesrc_get(a->src, name, &b, err, sizeof err) != 0) {
			snprintf(why, whylen, "%s", err);
			bad = 1;
			break;
		}
		if (b.len != w * MUSTER_HASH_BYTES) {
			snprintf(why, whylen, "%s holds %zu bytes, not %zu: truncated or damaged", name, b.len, w * MUSTER_HASH_BYTES);
			bad = 1;
			break;
		}
		for (size_t j = 0; j < w; j++) {
			uint8_t h[MUSTER_HASH_BYTES];
			if (rd(ctx, 8 * level, t * MUSTER_TILE_WIDTH + j, h) != 0 ||
				memcmp(h, b.data + j * MUSTER_HASH_BYTES, MUSTER_HASH_BYTES) != 0) {
				snprintf(why, whylen, "%s: hash %zu is not the one the entries give: damaged", name, j);
				bad = 1;
				break;
			}
		}
	}
	muster_buf_free(&b);
	return bad;
}

/* ---- one import --------------------------------------------------------- */

struct mirror {
	char *dir;
	muster_store *s;
};

static const char *outcome_name(int o)
{
	switch (o) {
	case MUSTER_MIRROR_ADVANCED: return "advanced";
	case MUSTER_MIRROR_CURRENT: return "current";
	case MUSTER_MIRROR_FORK: return "forked";
	default: return "refused";
	}
}

/* Opens the mirror of origin; dies with exit 3 if there is none. */
static struct mirror mirror_open(const char *store, const char *origin)
{
	struct mirror m = {mirror_path(store, origin), NULL};
	int rc = muster_store_open(m.dir, &m.s);
	if (rc == MUSTER_ENOTFOUND)
		die(EXIT_NOTFOUND, L("no mirror of %s in %s; add it with 'muster mirror add %s --vkey VKEY'",
				       "%s 没有镜像（%s）；请用 'muster mirror add %s --vkey 验证密钥' 添加"),
			origin, store, origin);
	if (rc == 0 && !muster_store_is_mirror(m.s))
		rc = MUSTER_ECORRUPT;
	if (rc)
		die(cli_exit_code(rc), L("cannot open the mirror %s: %s", "无法打开镜像 %s：%s"), m.dir, cli_strerror(rc));
	return m;
}

static void mirror_close(struct mirror *m)
{
	muster_store_close(m->s);
	free(m->dir);
}

/*
 * Verifies and stores what arrived for mirror m, cosigning it with the
 * centre's witness key; keeps the evidence of a fork.  0 or the core's
 * code; r is filled in either case.
 */
static int import(const struct opts *o, const char *store, struct mirror *m, struct arrival *a, int check_hash_tiles,
	muster_mirror_result *r)
{
	muster_signer *wk = witness_key(store, 0);
	char wname[MUSTER_ORIGIN_MAX + 16];
	muster_store *central = NULL;
	if (wk) {
		/* the witness is named after the central store's origin */
		if (muster_store_open(store, &central) == 0)
			witness_name(central, wname, sizeof wname);
		else
			snprintf(wname, sizeof wname, "witness");
	}
	muster_mirror_batch b;
	memset(&b, 0, sizeof b);
	b.checkpoint = a->ck.data;
	b.checkpoint_len = a->ck.len;
	b.first = a->first;
	b.count = a->count;
	b.entry = a->ent;
	b.entry_len = a->len;
	b.has_proof = a->has_proof;
	b.proof_from = a->proof_from;
	b.proof = (const uint8_t(*)[MUSTER_HASH_BYTES])a->proof;
	b.proof_count = a->nproof;
	b.witness_name = wk ? wname : NULL;
	b.witness_sk = wk ? muster_signer_sk(wk) : NULL;
	b.now = (uint64_t)time(NULL);
	if (check_hash_tiles) {
		b.check = check_tiles;
		b.check_arg = a;
	}
	unsigned threads = o->threads ? (unsigned)cli_uint("--threads", o->threads) : 0;
	int rc = muster_mirror_import(m->s, &b, threads, r);
	if (r->outcome == MUSTER_MIRROR_FORK) {
		const uint8_t *e = NULL;
		size_t el = 0;
		if (r->at != UINT64_MAX && r->at >= a->first && r->at - a->first < a->count) {
			e = a->ent[r->at - a->first];
			el = a->len[r->at - a->first];
		}
		keep_fork(m->dir, r, &a->ck, e, el);
	}
	muster_signer_free(wk);
	muster_store_close(central);
	return rc;
}

/* One line (or JSON object) about an import. */
static void report(muster_buf *out, int json, const char *origin, const muster_mirror_result *r, int rc)
{
	if (json) {
		muster_buf_puts(out, "{\"origin\":");
		muster_json_cstr(out, origin);
		muster_buf_printf(out, ",\"outcome\":\"%s\",\"old_size\":%" PRIu64 ",\"size\":%" PRIu64,
			rc == 0 || r->outcome ? outcome_name(r->outcome) : "error", r->old_size, r->new_size);
		if (r->reason[0]) {
			muster_buf_puts(out, ",\"reason\":");
			muster_json_cstr(out, r->reason);
		}
		muster_buf_puts(out, "}");
		return;
	}
	switch (rc == 0 ? r->outcome : 0) {
	case MUSTER_MIRROR_ADVANCED:
		muster_buf_printf(out, L("%s: verified and stored entries %" PRIu64 "-%" PRIu64 ", now at %" PRIu64 "\n",
					   "%s：已核验并保存条目 %" PRIu64 "-%" PRIu64 "，现有 %" PRIu64 " 条\n"),
			origin, r->old_size, r->new_size - 1, r->new_size);
		break;
	case MUSTER_MIRROR_CURRENT:
		muster_buf_printf(out, L("%s: current at %" PRIu64 " entries, nothing new\n", "%s：已是最新（%" PRIu64 " 条），没有新内容\n"),
			origin, r->new_size);
		break;
	default:
		break;
	}
}

/* The one stderr line for a refused or forked import (and its exit code). */
static int complain(const char *origin, const muster_mirror_result *r, int rc)
{
	if (r->outcome == MUSTER_MIRROR_FORK) {
		fprintf(stderr,
			L("muster: %s FORKED: %s; evidence kept, the site's data refused until an operator decides (docs/REPLICATION.md)\n",
				"muster：%s 出现分叉：%s；证据已保存，在运维人员处理之前拒收该站点的数据（见 docs/REPLICATION.md）\n"),
			origin, r->reason);
		return EXIT_VERIFY;
	}
	if (r->outcome == MUSTER_MIRROR_REFUSED) {
		fprintf(stderr, L("muster: %s: refused, the mirror unchanged: %s\n", "muster：%s：已拒收，镜像未改变：%s\n"), origin,
			r->reason);
		return EXIT_VERIFY;
	}
	fprintf(stderr, L("muster: %s: %s\n", "muster：%s：%s\n"), origin, cli_strerror(rc));
	return cli_exit_code(rc);
}

/* ---- muster mirror add -------------------------------------------------- */

static int mirror_add(const struct opts *o)
{
	static const char *const allowed[] = {"vkey", "url", NULL};
	cli_only(o, "muster mirror add", allowed);
	const char *vkey = cli_opt(o, "vkey"), *url = cli_opt(o, "url");
	if (o->npos != 3 || !vkey)
		die(EXIT_USAGE, "%s", L("usage: muster mirror add ORIGIN --vkey VKEY [--url URL]",
					  "用法: muster mirror add 日志源 --vkey 验证密钥 [--url 网址]"));
	const char *origin = o->pos[2], *store = cli_store_dir(o);
	muster_verifier v;
	if (muster_vkey_parse(vkey, strlen(vkey), &v) != 0)
		die(EXIT_USAGE, L("--vkey '%s' is not a verifier key; give the site's 'muster log vkey' (name+hash+key)",
				    "--vkey '%s' 不是验证密钥；请给出站点 'muster log vkey' 的输出（名称+哈希+密钥）"),
			vkey);
	if (strcmp(v.name, origin) != 0)
		die(EXIT_USAGE, L("--vkey names the log '%s', not '%s'; check both come from the same site",
				    "--vkey 属于日志 '%s'，不是 '%s'；请确认两者来自同一站点"),
			v.name, origin);
	if (url && *url && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		die(EXIT_USAGE, L("--url '%s' is not an http:// or https:// URL", "--url '%s' 不是 http:// 或 https:// 网址"), url);
	muster_store *central = cli_open(o);
	if (strcmp(muster_store_origin(central), origin) == 0)
		die(EXIT_USAGE, L("%s is this store's own log", "%s 是本存储库自己的日志"), origin);
	char *mirrors = cli_path_join(store, "mirrors");
	if (mkdir(mirrors, 0700) != 0 && errno != EEXIST)
		die(EXIT_IO, L("cannot make %s: %s", "无法创建 %s：%s"), mirrors, strerror(errno));
	char *dir = mirror_path(store, origin);
	muster_store *m;
	int rc = muster_mirror_create(dir, vkey, url, &m), again = 0;
	if (rc == MUSTER_EEXIST) { /* again: the same key may change its URL; another key may not */
		again = 1;
		if ((rc = muster_store_open(dir, &m)) == 0 && strcmp(muster_mirror_vkey(m), vkey) != 0)
			die(EXIT_VERIFY, L("%s is mirrored already with the key %s; a site whose log key changed is a new log: investigate first",
					     "%s 已用密钥 %s 建立镜像；站点日志密钥改变即为另一条日志：请先调查"),
				origin, muster_mirror_vkey(m));
		if (rc == 0 && url)
			rc = muster_mirror_set_url(m, url);
	}
	if (rc)
		die(cli_exit_code(rc), L("cannot add the mirror %s: %s", "无法添加镜像 %s：%s"), dir, cli_strerror(rc));
	muster_signer *wk = witness_key(store, 1);
	if (!wk)
		die(EXIT_IO, L("cannot make the witness key in %s", "无法在 %s 创建见证密钥"), store);
	muster_buf wv = {0}, out = {0};
	witness_vkey_text(central, wk, &wv);
	muster_buf_put(&wv, "", 1);
	const char *u = muster_mirror_url(m);
	if (o->json) {
		muster_buf_puts(&out, "{\"origin\":");
		muster_json_cstr(&out, origin);
		muster_buf_puts(&out, ",\"dir\":");
		muster_json_cstr(&out, dir);
		muster_buf_puts(&out, ",\"url\":");
		muster_json_cstr(&out, u);
		muster_buf_puts(&out, ",\"witness\":");
		muster_json_cstr(&out, (const char *)wv.data);
		muster_buf_printf(&out, ",\"new\":%s}\n", again ? "false" : "true");
	} else {
		muster_buf_printf(&out, again ? L("%s: mirror kept in %s%s%s\n", "%s：镜像保存在 %s%s%s\n")
					      : L("%s: mirror added in %s%s%s\n", "%s：已添加镜像，位于 %s%s%s\n"),
			origin, dir, *u ? ", pulled from " : ", by bundle", u);
		muster_buf_printf(&out, L("witness key (give it to the site): %s\n", "见证密钥（交给站点）：%s\n"), (const char *)wv.data);
	}
	cli_emit(&out);
	muster_buf_free(&wv);
	muster_signer_free(wk);
	muster_store_close(m);
	muster_store_close(central);
	free(dir);
	free(mirrors);
	return EXIT_OK;
}

/* ---- muster mirror import ----------------------------------------------- */

static int mirror_import(const struct opts *o)
{
	static const char *const allowed[] = {"reply", "threads", NULL};
	cli_only(o, "muster mirror import", allowed);
	if (o->npos != 3)
		die(EXIT_USAGE, "%s", L("usage: muster mirror import FILE [--reply OUT]", "用法: muster mirror import 文件 [--reply 输出]"));
	const char *file = o->pos[2], *reply = cli_opt(o, "reply"), *store = cli_store_dir(o);
	struct arrival a;
	memset(&a, 0, sizeof a);
	int rc = tilesrc_open_bundle(file, &a.src, a.err, sizeof a.err);
	char origin[MUSTER_ORIGIN_MAX + 1];
	uint64_t since, size;
	if (rc == 0)
		rc = tilesrc_bundle_info(a.src, origin, sizeof origin, &since, &size, a.err, sizeof a.err);
	if (rc)
		die(rc == MUSTER_EINVAL ? EXIT_VERIFY : cli_exit_code(rc), L("%s: refused: %s", "%s：已拒收：%s"), file, a.err);
	struct mirror m = mirror_open(store, origin);
	muster_buf why = {0};
	if (forked(m.dir, &why))
		die(EXIT_VERIFY, L("%s: refused: %s is forked: %s", "%s：已拒收：%s 已分叉：%s"), file, origin, (const char *)why.data);
	rc = tilesrc_get(a.src, "checkpoint", &a.ck, a.err, sizeof a.err);
	if (rc == 0 && (rc = arrival_said(&a)) != 0)
		snprintf(a.err, sizeof a.err, "the checkpoint is not a checkpoint: damaged");
	if (rc == 0 && (a.said.size != size || strcmp(a.said.origin, origin) != 0)) {
		rc = MUSTER_EINVAL;
		snprintf(a.err, sizeof a.err, "muster-bundle says size %" PRIu64 ", the checkpoint is of %.100s at %" PRIu64, size,
			a.said.origin, a.said.size);
	}
	uint64_t have = 0;
	if (rc == 0)
		rc = muster_log_size(m.s, &have);
	if (rc == 0 && size > have) {
		muster_buf j = {0};
		int jr = tilesrc_get(a.src, "consistency.json", &j, a.err, sizeof a.err);
		if (jr == 0)
			rc = parse_proof(&a, &j, since);
		else if (jr != MUSTER_ENOTFOUND || (since > 0 && since < size))
			rc = jr == MUSTER_ENOTFOUND ? (snprintf(a.err, sizeof a.err, "consistency.json is missing"), MUSTER_EINVAL) : jr;
		muster_buf_free(&j);
		/* Everything the bundle holds is read: entries the mirror has are compared byte for byte. */
		uint64_t from = since / MUSTER_TILE_WIDTH * MUSTER_TILE_WIDTH;
		if (rc == 0 && from > have)
			die(EXIT_VERIFY, L("%s: refused, the mirror unchanged: the bundle starts at %" PRIu64 " but the mirror holds %" PRIu64
					     "; ask the site for 'muster log bundle --since %" PRIu64 "'",
					     "%s：已拒收，镜像未改变：包从 %" PRIu64 " 开始，而镜像只有 %" PRIu64 " 条；请让站点执行 'muster log bundle --since %" PRIu64 "'"),
				file, since, have, have);
		if (rc == 0)
			rc = fetch_entries(&a, from);
	}
	if (rc) {
		if (rc == MUSTER_EINVAL || rc == MUSTER_ENOTFOUND)
			die(EXIT_VERIFY, L("%s: refused, the mirror unchanged: %s", "%s：已拒收，镜像未改变：%s"), file, a.err);
		die(cli_exit_code(rc), L("%s: %s", "%s：%s"), file, a.err[0] ? a.err : cli_strerror(rc));
	}
	/* Every entry bundle in it must have been read: nothing rides along unchecked. */
	for (size_t i = 0; i < tilesrc_count(a.src); i++) {
		int level;
		uint64_t t;
		size_t w;
		const char *name = tilesrc_name(a.src, i);
		if (tile_parse(name, &level, &t, &w) == 0 && level == TILE_ENTRIES && size > have &&
			(t * MUSTER_TILE_WIDTH < a.first || t * MUSTER_TILE_WIDTH >= size))
			die(EXIT_VERIFY, L("%s: refused, the mirror unchanged: %s is not part of entries %" PRIu64 "-%" PRIu64,
					     "%s：已拒收，镜像未改变：%s 不属于条目 %" PRIu64 "-%" PRIu64),
				file, name, a.first, size - 1);
	}
	muster_mirror_result r;
	rc = import(o, store, &m, &a, 1, &r);
	muster_buf out = {0};
	report(&out, o->json, origin, &r, rc);
	if (o->json)
		muster_buf_puts(&out, "\n");
	if (rc == 0 && reply)
		cli_write_file(reply, &r.cosigned);
	cli_emit(&out);
	int code = rc ? complain(origin, &r, rc) : EXIT_OK;
	muster_buf_free(&r.ours);
	muster_buf_free(&r.cosigned);
	muster_buf_free(&why);
	tilesrc_close(a.src);
	arrival_free(&a);
	mirror_close(&m);
	return code;
}

/* ---- muster mirror pull ------------------------------------------------- */

/*
 * Brings mirror m up to the site's checkpoint (note, or the one its tile
 * server has if note is NULL): the entries the mirror lacks, from the tile
 * the mirror's size falls in.  The tree the mirror holds plus the new
 * entries must give the checkpoint's root, which proves consistency
 * without a separate proof.  0 or a core code, with r filled in; transport
 * failures as MUSTER_EIO with the reason in err.
 */
static int pull_one(const struct opts *o, const char *store, struct mirror *m, const muster_buf *note,
	muster_mirror_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	struct arrival a;
	memset(&a, 0, sizeof a);
	const char *url = muster_mirror_url(m->s);
	int rc = tilesrc_open_url(url, &a.src, a.err, sizeof a.err);
	if (rc == 0) {
		if (note)
			muster_buf_put(&a.ck, note->data, note->len);
		else
			rc = tilesrc_get(a.src, "checkpoint", &a.ck, a.err, sizeof a.err);
	}
	if (rc == 0 && (rc = arrival_said(&a)) != 0)
		snprintf(a.err, sizeof a.err, "%s/checkpoint is not a checkpoint", url);
	uint64_t have = 0;
	if (rc == 0)
		rc = muster_log_size(m->s, &have);
	if (rc == 0 && a.said.size > have)
		rc = fetch_entries(&a, have);
	if (rc == 0) {
		rc = import(o, store, m, &a, 0, r);
	} else {
		snprintf(err, errlen, "%s", a.err[0] ? a.err : cli_strerror(rc));
		if (rc == MUSTER_EINVAL || rc == MUSTER_ENOTFOUND) { /* what the site served does not hold together */
			r->outcome = MUSTER_MIRROR_REFUSED;
			snprintf(r->reason, sizeof r->reason, "%s", err);
			rc = MUSTER_EVERIFY;
		}
	}
	tilesrc_close(a.src);
	arrival_free(&a);
	return rc;
}

/* The mirrors under STORE/mirrors, sorted by directory name; *n of them. */
static char **mirror_dirs(const char *store, size_t *n)
{
	char *root = cli_path_join(store, "mirrors");
	DIR *d = opendir(root);
	char **list = NULL;
	size_t cap = 0;
	*n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *dir = cli_path_join(root, de->d_name), *mf = cli_path_join(dir, "mirror");
		int is = access(mf, F_OK) == 0;
		free(mf);
		if (!is) {
			free(dir);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **g = realloc(list, cap * sizeof *list);
			if (!g)
				die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
			list = g;
		}
		list[(*n)++] = dir;
	}
	if (d)
		closedir(d);
	free(root);
	for (size_t i = 1; i < *n; i++) /* insertion sort: a few hundred at most */
		for (size_t j = i; j > 0 && strcmp(list[j - 1], list[j]) > 0; j--) {
			char *t = list[j];
			list[j] = list[j - 1];
			list[j - 1] = t;
		}
	return list;
}

static int mirror_pull(const struct opts *o)
{
	static const char *const allowed[] = {"threads", NULL};
	cli_only(o, "muster mirror pull", allowed);
	if (o->npos > 3)
		die(EXIT_USAGE, "%s", L("usage: muster mirror pull [ORIGIN]", "用法: muster mirror pull [日志源]"));
	const char *store = cli_store_dir(o);
	muster_store *central = cli_open(o);
	muster_store_close(central);
	size_t n = 0;
	char **dirs;
	if (o->npos == 3) {
		dirs = malloc(sizeof *dirs);
		if (!dirs)
			die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
		dirs[0] = mirror_path(store, o->pos[2]);
		n = 1;
	} else {
		dirs = mirror_dirs(store, &n);
	}
	muster_buf out = {0};
	int code = EXIT_OK, first = 1;
	if (o->json)
		muster_buf_puts(&out, "{\"mirrors\":[");
	for (size_t i = 0; i < n; i++) {
		struct mirror m = {dirs[i], NULL};
		int rc = muster_store_open(m.dir, &m.s);
		if (rc == MUSTER_ENOTFOUND && o->npos == 3)
			die(EXIT_NOTFOUND, L("no mirror of %s; add it with 'muster mirror add %s --vkey VKEY --url URL'",
					       "%s 没有镜像；请用 'muster mirror add %s --vkey 验证密钥 --url 网址' 添加"),
				o->pos[2], o->pos[2]);
		if (rc == 0 && !muster_store_is_mirror(m.s))
			rc = MUSTER_ECORRUPT;
		if (rc) {
			fprintf(stderr, L("muster: cannot open the mirror %s: %s\n", "muster：无法打开镜像 %s：%s\n"), m.dir, cli_strerror(rc));
			code = cli_exit_code(rc);
			muster_store_close(m.s);
			free(m.dir);
			continue;
		}
		const char *origin = muster_store_origin(m.s);
		muster_mirror_result r;
		memset(&r, 0, sizeof r);
		muster_buf why = {0};
		char err[320] = "";
		int c = EXIT_OK;
		if (!*muster_mirror_url(m.s)) {
			if (o->npos == 3)
				die(EXIT_USAGE, L("%s has no URL: it sends bundles ('muster mirror import FILE'), or add one with 'muster mirror add %s --vkey VKEY --url URL'",
						    "%s 没有网址：它以文件包发送（'muster mirror import 文件'），或用 'muster mirror add %s --vkey 验证密钥 --url 网址' 添加"),
					origin, origin);
		} else {
			int was_forked = forked(m.dir, &why);
			if (was_forked) { /* refused before anything is fetched */
				r.outcome = MUSTER_MIRROR_FORK;
				snprintf(r.reason, sizeof r.reason, "%s", (const char *)why.data);
				rc = MUSTER_EVERIFY;
			} else {
				rc = pull_one(o, store, &m, NULL, &r, err, sizeof err);
			}
			if (rc && !r.outcome)
				snprintf(r.reason, sizeof r.reason, "%s", err[0] ? err : cli_strerror(rc));
			if (o->json) {
				if (!first)
					muster_buf_puts(&out, ",");
				first = 0;
				report(&out, 1, origin, &r, rc);
			} else if (rc == 0) {
				report(&out, 0, origin, &r, rc);
			}
			if (was_forked) {
				fprintf(stderr, L("muster: %s is forked, not pulled: %s\n", "muster：%s 已分叉，未拉取：%s\n"), origin,
					(const char *)why.data);
				c = EXIT_VERIFY;
			} else if (rc && r.outcome) {
				c = complain(origin, &r, rc);
			} else if (rc) {
				fprintf(stderr, L("muster: %s: cannot pull from %s: %s\n", "muster：%s：无法从 %s 拉取：%s\n"), origin,
					muster_mirror_url(m.s), r.reason);
				c = EXIT_IO;
			}
		}
		if (c > code)
			code = c;
		muster_buf_free(&r.ours);
		muster_buf_free(&r.cosigned);
		muster_buf_free(&why);
		mirror_close(&m);
	}
	if (o->json)
		muster_buf_puts(&out, "]}\n");
	cli_emit(&out);
	free(dirs);
	return code;
}

/* ---- muster mirror status ----------------------------------------------- */

/* The time of the witness's cosignature on the mirror's latest checkpoint, or 0. */
static uint64_t cosigned_at(const muster_buf *note, const muster_verifier *w)
{
	uint64_t t = 0;
	if (!w || muster_cosig_verify(note->data, note->len, w, &t) != 0)
		return 0;
	return t;
}

static void age(muster_buf *b, uint64_t now, uint64_t then)
{
	if (!then) {
		muster_buf_puts(b, L("never", "从未"));
		return;
	}
	uint64_t s = now > then ? now - then : 0;
	if (s < 120)
		muster_buf_printf(b, L("%" PRIu64 " s", "%" PRIu64 " 秒"), s);
	else if (s < 7200)
		muster_buf_printf(b, L("%" PRIu64 " min", "%" PRIu64 " 分钟"), s / 60);
	else if (s < 172800)
		muster_buf_printf(b, L("%" PRIu64 " h", "%" PRIu64 " 小时"), s / 3600);
	else
		muster_buf_printf(b, L("%" PRIu64 " d", "%" PRIu64 " 天"), s / 86400);
}

struct last_time {
	uint64_t ms;
};

static int last_time(uint64_t index, const uint8_t *p, size_t len, void *arg)
{
	(void)index;
	muster_entry e;
	if (muster_entry_decode(p, len, &e) == 0)
		((struct last_time *)arg)->ms = e.time_ms;
	return 0;
}

static int mirror_status(const struct opts *o)
{
	static const char *const allowed[] = {"stale-days", NULL};
	cli_only(o, "muster mirror status", allowed);
	if (o->npos != 2)
		die(EXIT_USAGE, "%s", L("usage: muster mirror status [--stale-days N]", "用法: muster mirror status [--stale-days 天数]"));
	const char *sd = cli_opt(o, "stale-days");
	uint64_t stale = sd ? cli_uint("--stale-days", sd) : STALE_DAYS_DEFAULT;
	const char *store = cli_store_dir(o);
	muster_store *central = cli_open(o);
	muster_signer *wk = witness_key(store, 0);
	muster_verifier w, *wp = NULL;
	if (wk) {
		witness_name(central, w.name, sizeof w.name);
		memcpy(w.pk, muster_signer_pk(wk), MUSTER_PK_BYTES);
		w.hash = muster_cosig_key_hash(w.name, w.pk);
		wp = &w;
	}
	size_t n;
	char **dirs = mirror_dirs(store, &n);
	uint64_t now = (uint64_t)time(NULL);
	muster_buf out = {0};
	int code = EXIT_OK, bad = 0;
	if (o->json)
		muster_buf_printf(&out, "{\"now\":%" PRIu64 ",\"stale_days\":%" PRIu64 ",\"mirrors\":[", now, stale);
	else if (n == 0)
		muster_buf_puts(&out, L("no mirrors; add one with 'muster mirror add ORIGIN --vkey VKEY'\n",
					  "没有镜像；请用 'muster mirror add 日志源 --vkey 验证密钥' 添加\n"));
	else {
		cli_col(&out, L("state", "状态"), strlen(L("state", "状态")), 8);
		cli_col(&out, L("entries", "条目"), strlen(L("entries", "条目")), 9);
		cli_col(&out, L("checkpoint", "检查点"), strlen(L("checkpoint", "检查点")), 12);
		cli_col(&out, L("cosigned", "见证"), strlen(L("cosigned", "见证")), 10);
		muster_buf_puts(&out, L("site\n", "站点\n"));
	}
	for (size_t i = 0; i < n; i++) {
		muster_store *m;
		int rc = muster_store_open(dirs[i], &m);
		if (rc == 0 && !muster_store_is_mirror(m)) {
			muster_store_close(m);
			rc = MUSTER_ECORRUPT;
		}
		if (rc) {
			fprintf(stderr, L("muster: cannot open the mirror %s: %s\n", "muster：无法打开镜像 %s：%s\n"), dirs[i], cli_strerror(rc));
			code = cli_exit_code(rc);
			free(dirs[i]);
			continue;
		}
		uint64_t size = 0;
		muster_buf note = {0}, why = {0};
		rc = muster_log_size(m, &size);
		if (rc == 0 && size)
			rc = muster_log_checkpoint(m, UINT64_MAX, &note, NULL);
		struct last_time lt = {0};
		if (rc == 0 && size)
			rc = muster_log_scan(m, size - 1, 1, last_time, &lt);
		uint64_t cos = rc == 0 && size ? cosigned_at(&note, wp) : 0;
		int fk = forked(dirs[i], &why);
		const char *state = fk ? "forked" : size == 0 ? "empty" : (!cos || now - cos > stale * 86400) ? "stale" : "current";
		if (fk)
			bad = 1;
		const char *origin = muster_store_origin(m);
		if (o->json) {
			if (i)
				muster_buf_puts(&out, ",");
			muster_buf_puts(&out, "{\"origin\":");
			muster_json_cstr(&out, origin);
			muster_buf_printf(&out, ",\"state\":\"%s\",\"size\":%" PRIu64 ",\"latest_entry\":", state, size);
			if (lt.ms)
				muster_json_time(&out, lt.ms);
			else
				muster_buf_puts(&out, "null");
			if (lt.ms) /* the checkpoint is signed with its last entry, at the time that entry carries */
				muster_buf_printf(&out, ",\"checkpoint_age_s\":%" PRIu64, now > lt.ms / 1000 ? now - lt.ms / 1000 : 0);
			else
				muster_buf_puts(&out, ",\"checkpoint_age_s\":null");
			if (cos)
				muster_buf_printf(&out, ",\"cosigned\":%" PRIu64 ",\"cosigned_age_s\":%" PRIu64, cos, now > cos ? now - cos : 0);
			else
				muster_buf_puts(&out, ",\"cosigned\":null,\"cosigned_age_s\":null");
			muster_buf_puts(&out, ",\"url\":");
			muster_json_cstr(&out, muster_mirror_url(m));
			if (fk) {
				muster_buf_puts(&out, ",\"fork\":");
				muster_json_cstr(&out, (const char *)why.data);
			}
			muster_buf_puts(&out, "}");
		} else {
			const char *st = strcmp(state, "forked") == 0 ? L("FORKED", "分叉")
				: strcmp(state, "stale") == 0	  ? L("stale", "过期")
				: strcmp(state, "empty") == 0	  ? L("empty", "空")
								  : L("current", "最新");
			char num[24];
			snprintf(num, sizeof num, "%" PRIu64, size);
			cli_col(&out, st, strlen(st), 8);
			cli_col(&out, num, strlen(num), 9);
			muster_buf a = {0};
			age(&a, now, lt.ms / 1000);
			cli_col(&out, (const char *)a.data, a.len, 12);
			muster_buf_reset(&a);
			age(&a, now, cos);
			cli_col(&out, (const char *)a.data, a.len, 10);
			muster_buf_free(&a);
			muster_buf_printf(&out, "%s\n", origin);
			if (fk)
				muster_buf_printf(&out, "          %s\n", (const char *)why.data);
		}
		muster_buf_free(&note);
		muster_buf_free(&why);
		muster_store_close(m);
		free(dirs[i]);
	}
	if (o->json)
		muster_buf_puts(&out, "]}\n");
	cli_emit(&out);
	free(dirs);
	muster_signer_free(wk);
	muster_store_close(central);
	return code != EXIT_OK ? code : bad ? EXIT_VERIFY : EXIT_OK;
}

/* ---- muster mirror witness: C2SP tlog-witness add-checkpoint ------------- */

/* The answer: an HTTP status and its body, printed as JSON or (status 200) the body alone. */
static int answer(const struct opts *o, int status, const char *ctype, const char *body, size_t n)
{
	muster_buf out = {0};
	if (o->json) {
		muster_buf_printf(&out, "{\"status\":%d,\"content_type\":", status);
		muster_json_cstr(&out, ctype);
		muster_buf_puts(&out, ",\"body\":");
		muster_json_str(&out, body, n);
		muster_buf_puts(&out, "}\n");
	} else if (status == 200) {
		muster_buf_put(&out, body, n);
	}
	cli_emit(&out);
	if (status != 200 && !o->json)
		fprintf(stderr, "muster: add-checkpoint: %d %.*s\n", status, (int)(n && body[n - 1] == '\n' ? n - 1 : n), body);
	return status == 200 ? EXIT_OK : EXIT_VERIFY;
}

#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static int refuse(const struct opts *o, int status, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(msg, sizeof msg - 1, fmt, ap);
	va_end(ap);
	size_t n = k < 0 ? 0 : (size_t)k < sizeof msg - 1 ? (size_t)k : sizeof msg - 2;
	msg[n++] = '\n';
	return answer(o, status, "text/plain; charset=utf-8", msg, n);
}

static int mirror_witness(const struct opts *o)
{
	static const char *const allowed[] = {"threads", NULL};
	cli_only(o, "muster mirror witness", allowed);
	if (o->npos != 2)
		die(EXIT_USAGE, "%s", L("usage: muster mirror witness < add-checkpoint body", "用法: muster mirror witness < add-checkpoint 请求体"));
	const char *store = cli_store_dir(o);
	muster_buf body = {0};
	if (slurp("-", &body, 64 * 1024) != 0)
		return refuse(o, 400, "the request is over 64 KiB or unreadable");
	/* old N\n, up to 63 proof lines, an empty line, the checkpoint */
	const char *p = (const char *)body.data, *end = p + body.len;
	unsigned long long old = 0;
	uint8_t proof[64][MUSTER_HASH_BYTES];
	size_t np = 0;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	char first[32];
	if (!nl || nl - p >= (long)sizeof first)
		return refuse(o, 400, "the first line must be 'old <size>'");
	memcpy(first, p, (size_t)(nl - p));
	first[nl - p] = 0;
	char *e;
	if (strncmp(first, "old ", 4) != 0 || !first[4] || (first[4] == '0' && first[5]) || first[4] < '0' || first[4] > '9' ||
		(old = strtoull(first + 4, &e, 10), *e))
		return refuse(o, 400, "the first line must be 'old <size>' in decimal without leading zeroes");
	for (p = nl + 1; p < end && *p != '\n'; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t got;
		if (!nl || np >= 63 ||
			muster_b64_decode(p, (size_t)(nl - p), proof[np], MUSTER_HASH_BYTES, &got, sodium_base64_VARIANT_ORIGINAL) != 0 ||
			got != MUSTER_HASH_BYTES)
			return refuse(o, 400, "proof line %zu is not one base64 hash", np + 1);
		np++;
	}
	if (p >= end)
		return refuse(o, 400, "no empty line before the checkpoint");
	p++;
	struct arrival a;
	memset(&a, 0, sizeof a);
	muster_buf_put(&a.ck, p, (size_t)(end - p));
	if (arrival_said(&a) != 0)
		return refuse(o, 400, "the checkpoint does not parse");
	struct mirror m = {mirror_path(store, a.said.origin), NULL};
	int rc = muster_store_open(m.dir, &m.s);
	if (rc == MUSTER_ENOTFOUND || (rc == 0 && !muster_store_is_mirror(m.s)))
		return refuse(o, 404, "this witness does not mirror %s", a.said.origin);
	if (rc)
		return refuse(o, 500, "cannot open the mirror of %s", a.said.origin);
	muster_verifier v;
	size_t tl, nv;
	if (muster_vkey_parse(muster_mirror_vkey(m.s), strlen(muster_mirror_vkey(m.s)), &v) != 0 ||
		muster_note_open(a.ck.data, a.ck.len, &v, 1, &tl, &nv) != 0)
		return refuse(o, 403, "the checkpoint is not signed by %s's log key", a.said.origin);
	if (old > a.said.size)
		return refuse(o, 400, "old size %llu is past the checkpoint's %" PRIu64, old, a.said.size);
	muster_buf why = {0};
	if (forked(m.dir, &why))
		return refuse(o, 409, "%s is forked here: %s", a.said.origin, (const char *)why.data);
	uint64_t have;
	if ((rc = muster_log_size(m.s, &have)) != 0)
		return refuse(o, 500, "cannot read the mirror of %s", a.said.origin);
	if (old != have) {
		char sz[24];
		int k = snprintf(sz, sizeof sz, "%" PRIu64 "\n", have);
		return answer(o, 409, "text/x.tlog.size", sz, (size_t)k);
	}
	if (old > 0 && old < a.said.size) {
		uint8_t root[MUSTER_HASH_BYTES];
		if ((rc = muster_log_root(m.s, old, root)) != 0)
			return refuse(o, 500, "cannot read the mirror of %s", a.said.origin);
		if (muster_verify_consistency(old, a.said.size, root, a.said.root, (const uint8_t(*)[MUSTER_HASH_BYTES])proof, np) != 0)
			return refuse(o, 422, "the consistency proof from %llu to %" PRIu64 " does not verify", old, a.said.size);
	} else if (np) {
		return refuse(o, 422, "the proof must be empty for old size %llu", old);
	}
	/* This witness cosigns what it mirrors: fetch and verify the entries first. */
	muster_mirror_result r;
	memset(&r, 0, sizeof r);
	char err[320] = "";
	if (a.said.size > have && !*muster_mirror_url(m.s))
		return refuse(o, 503, "%s sends bundles: this witness cosigns only what it has mirrored", a.said.origin);
	if (a.said.size > have)
		rc = pull_one(o, store, &m, &a.ck, &r, err, sizeof err);
	else
		rc = import(o, store, &m, &a, 0, &r);
	if (rc == MUSTER_EVERIFY && r.outcome == MUSTER_MIRROR_FORK)
		return refuse(o, 409, "%s", r.reason);
	if (rc == MUSTER_EVERIFY)
		return refuse(o, 422, "%s", r.reason);
	if (rc)
		return refuse(o, rc == MUSTER_EIO ? 502 : 500, "%s", err[0] ? err : cli_strerror(rc));
	/* The witness's own lines from the cosigned note. */
	char name[MUSTER_ORIGIN_MAX + 16], prefix[MUSTER_ORIGIN_MAX + 24];
	muster_store *central = cli_open(o);
	witness_name(central, name, sizeof name);
	muster_store_close(central);
	int pl = snprintf(prefix, sizeof prefix, "\xe2\x80\x94 %s ", name);
	muster_buf lines = {0};
	const uint8_t *c = r.cosigned.data;
	for (size_t i = 0; i < r.cosigned.len;) {
		const uint8_t *q = memchr(c + i, '\n', r.cosigned.len - i);
		size_t len = q ? (size_t)(q - (c + i)) + 1 : r.cosigned.len - i;
		if (len > (size_t)pl && memcmp(c + i, prefix, (size_t)pl) == 0)
			muster_buf_put(&lines, c + i, len);
		i += len;
	}
	int code = lines.len ? answer(o, 200, "text/plain; charset=utf-8", (const char *)lines.data, lines.len)
			     : refuse(o, 500, "no witness key: run 'muster mirror add' once");
	muster_buf_free(&lines);
	muster_buf_free(&r.ours);
	muster_buf_free(&r.cosigned);
	muster_buf_free(&body);
	arrival_free(&a);
	mirror_close(&m);
	return code;
}

int cmd_mirror(const struct opts *o, const char *sub)
{
	if (strcmp(sub, "add") == 0)
		return mirror_add(o);
	if (strcmp(sub, "import") == 0)
		return mirror_import(o);
	if (strcmp(sub, "pull") == 0)
		return mirror_pull(o);
	if (strcmp(sub, "status") == 0)
		return mirror_status(o);
	if (strcmp(sub, "witness") == 0)
		return mirror_witness(o);
	die(EXIT_USAGE, "%s", L("usage: muster mirror add|import|pull|status|witness; see 'muster --help'",
				  "用法: muster mirror add|import|pull|status|witness；参见 'muster --help'"));
}

/* ---- muster witness vkey ------------------------------------------------ */

int cmd_witness(const struct opts *o, const char *sub)
{
	cli_no_extra(o);
	if (strcmp(sub, "vkey") != 0 || o->npos != 2)
		die(EXIT_USAGE, "%s", L("usage: muster witness vkey", "用法: muster witness vkey"));
	muster_store *s = cli_open(o);
	muster_signer *k = witness_key(cli_store_dir(o), 0);
	if (!k)
		die(EXIT_NOTFOUND, "%s", L("this store has no witness key yet; the first 'muster mirror add' makes it",
					  "本存储库还没有见证密钥；第一次 'muster mirror add' 时生成"));
	muster_buf out = {0};
	witness_vkey_text(s, k, &out);
	muster_buf_puts(&out, "\n");
	cli_emit(&out);
	muster_signer_free(k);
	muster_store_close(s);
	return EXIT_OK;
}

/* ---- muster log cosigned FILE --witness VKEY ------------------------------ */

/* --witness VKEY (the centre's 'muster witness vkey') into w; dies (exit 2) if it is not a witness key. */
void cli_witness_opt(const char *vkey, muster_verifier *w)
{
	if (muster_cosig_vkey_parse(vkey, strlen(vkey), w) != 0)
		die(EXIT_USAGE, L("--witness '%s' is not a witness key; give the centre's 'muster witness vkey'",
				    "--witness '%s' 不是见证密钥；请给出中心的 'muster witness vkey' 输出"),
			vkey);
}

/* What 'log cosigned' and 'log witness' say once the store has kept w's cosignature of its checkpoint at size. */
static void say_kept(const struct opts *o, const muster_verifier *w, uint64_t size)
{
	muster_buf out = {0};
	if (o->json) {
		muster_buf_puts(&out, "{\"witness\":");
		muster_json_cstr(&out, w->name);
		muster_buf_printf(&out, ",\"size\":%" PRIu64 "}\n", size);
	} else {
		muster_buf_printf(&out, L("kept %s's cosignature of the checkpoint at %" PRIu64 "\n", "已保存 %s 对检查点 %" PRIu64 " 的见证签名\n"),
			w->name, size);
	}
	cli_emit(&out);
}

int cli_log_cosigned(const struct opts *o, muster_store *s)
{
	static const char *const allowed[] = {"witness", NULL};
	cli_only(o, "muster log cosigned", allowed);
	const char *vkey = cli_opt(o, "witness");
	if (o->npos != 3 || !vkey)
		die(EXIT_USAGE, "%s", L("usage: muster log cosigned FILE --witness VKEY", "用法: muster log cosigned 文件 --witness 验证密钥"));
	muster_verifier w;
	cli_witness_opt(vkey, &w);
	muster_buf note = {0};
	int e = slurp(o->pos[2], &note, MUSTER_NOTE_MAX);
	if (e)
		die(EXIT_IO, L("cannot read %s: %s", "无法读取 %s：%s"), o->pos[2], strerror(e));
	uint64_t size = 0;
	int rc = muster_log_cosigned(s, note.data, note.len, &w, &size);
	if (rc == MUSTER_ENOTFOUND)
		die(EXIT_NOTFOUND, L("%s: no cosignature by %s on a checkpoint this store signed", "%s：没有 %s 对本存储库检查点的见证签名"),
			o->pos[2], w.name);
	if (rc == MUSTER_EVERIFY || rc == MUSTER_EINVAL)
		die(EXIT_VERIFY, L("%s: refused: the cosignature does not verify, or the checkpoint is not one this store signed",
				     "%s：已拒收：见证签名无法核验，或检查点不是本存储库签发的"),
			o->pos[2]);
	if (rc)
		die(cli_exit_code(rc), L("%s: %s", "%s：%s"), o->pos[2], cli_strerror(rc));
	say_kept(o, &w, size);
	muster_buf_free(&note);
	return EXIT_OK;
}

/* ---- muster log witness --url URL --witness VKEY -------------------------- */

/* The first line of a witness's answer, for a message: at most 200 bytes, control bytes as '?'. */
static void answer_line(const muster_buf *b, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < b->len && b->data[i] != '\n' && k + 1 < cap && i < 200; i++)
		out[k++] = b->data[i] < 0x20 || b->data[i] == 0x7f ? '?' : (char)b->data[i];
	out[k] = 0;
}

/* A 409's body: one decimal size and a newline (RFC text/x.tlog.size): 0 with *m, or -1. */
static int tlog_size(const muster_buf *b, uint64_t *m)
{
	const uint8_t *p = b->data, *end = p + b->len;
	*m = 0;
	if (p == end || *p < '0' || *p > '9' || (*p == '0' && end - p > 1 && p[1] != '\n'))
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (*m > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		*m = *m * 10 + (uint64_t)(*p - '0');
	}
	return p + 1 == end && *p == '\n' ? 0 : -1;
}

/* The media type without parameters is `want` (ASCII, any case). */
static int media_is(const char *ctype, const char *want)
{
	size_t n = strcspn(ctype, ";");
	while (n && (ctype[n - 1] == ' ' || ctype[n - 1] == '\t'))
		n--;
	if (n != strlen(want))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((ctype[i] >= 'A' && ctype[i] <= 'Z' ? ctype[i] | 0x20 : ctype[i]) != want[i])
			return 0;
	return 1;
}

int cli_log_witness(const struct opts *o, muster_store *s)
{
	static const char *const allowed[] = {"url", "witness", NULL};
	cli_only(o, "muster log witness", allowed);
	const char *base = cli_opt(o, "url"), *vkey = cli_opt(o, "witness");
	if (o->npos != 2 || !base || !*base || !vkey)
		die(EXIT_USAGE, "%s", L("usage: muster log witness --url URL --witness VKEY", "用法: muster log witness --url 网址 --witness 验证密钥"));
	muster_verifier w;
	cli_witness_opt(vkey, &w);
	size_t bl = strlen(base);
	if (base[bl - 1] == '/')
		bl--;
	char *url = malloc(bl + sizeof "/add-checkpoint");
	if (!url)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	memcpy(url, base, bl);
	memcpy(url + bl, "/add-checkpoint", sizeof "/add-checkpoint");
	muster_buf note = {0};
	uint64_t n = 0;
	int rc = muster_log_checkpoint(s, UINT64_MAX, &note, &n);
	if (rc == 0)
		rc = note.err;
	if (rc)
		die(cli_exit_code(rc), L("the store has no checkpoint: %s", "存储库中没有检查点：%s"), cli_strerror(rc));

	/* old 0 first (the witness's size is not known here); a 409 tells it, and one retry carries the proof. */
	uint64_t old = 0;
	muster_buf req = {0}, resp = {0};
	long status = 0;
	char ctype[128], err[512];
	for (int round = 0; round < 2; round++) {
		uint8_t proof[MUSTER_PROOF_MAX][MUSTER_HASH_BYTES];
		size_t np = 0;
		if (old > 0 && old < n && (rc = muster_log_prove_consistency(s, old, n, proof, &np)) != 0)
			die(cli_exit_code(rc), L("cannot prove %" PRIu64 " to %" PRIu64 ": %s", "无法证明 %" PRIu64 " 到 %" PRIu64 " 的一致性：%s"), old,
				n, cli_strerror(rc));
		if (np > 63)
			die(EXIT_IO, L("the consistency proof from %" PRIu64 " to %" PRIu64 " has %zu hashes; tlog-witness takes 63",
					     "%" PRIu64 " 到 %" PRIu64 " 的一致性证明有 %zu 个哈希；tlog-witness 最多接受 63 个"),
				old, n, np);
		muster_buf_reset(&req);
		muster_buf_reset(&resp);
		muster_buf_printf(&req, "old %" PRIu64 "\n", old);
		for (size_t i = 0; i < np; i++) {
			char b64[sodium_base64_ENCODED_LEN(MUSTER_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
			sodium_bin2base64(b64, sizeof b64, proof[i], MUSTER_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
			muster_buf_printf(&req, "%s\n", b64);
		}
		muster_buf_puts(&req, "\n");
		muster_buf_put(&req, note.data, note.len);
		if (req.err)
			die(EXIT_IO, "%s", cli_strerror(req.err));
		rc = tilesrc_post(url, req.data, req.len, &resp, &status, ctype, sizeof ctype, err, sizeof err);
		if (rc == MUSTER_EINVAL)
			die(EXIT_USAGE, L("--url: %s", "--url：%s"), err);
		if (rc)
			die(EXIT_IO, "%s", err);
		if (status != 409 || !media_is(ctype, "text/x.tlog.size") || round == 1)
			break;
		uint64_t m;
		if (tlog_size(&resp, &m) != 0)
			die(EXIT_IO, L("%s: 409 with a size that is not a decimal number and a newline", "%s：409 的大小不是十进制数加换行"), url);
		if (m > n)
			die(EXIT_VERIFY, L("%s: the witness holds %" PRIu64 " entries of this log, which has %" PRIu64 ": another history, or this store was restored from an old copy",
					     "%s：见证方持有本日志 %" PRIu64 " 条，而本日志只有 %" PRIu64 " 条：历史不同，或本存储库由旧备份恢复"),
				url, m, n);
		old = m;
	}
	if (status != 200) {
		char first[256];
		answer_line(&resp, first, sizeof first);
		fprintf(stderr, L("muster: %s: %ld %s\n", "muster：%s：%ld %s\n"), url, status, first);
		exit(status >= 400 && status < 500 ? EXIT_VERIFY : EXIT_IO);
	}

	/* The witness's lines go after the note as stored; the store keeps the line if it verifies. */
	muster_buf_put(&note, resp.data, resp.len);
	uint64_t size = 0;
	rc = note.err ? note.err : muster_log_cosigned(s, note.data, note.len, &w, &size);
	if (rc == MUSTER_ENOTFOUND)
		die(EXIT_VERIFY, L("%s: the answer holds no cosignature by %s", "%s：应答中没有 %s 的见证签名"), url, w.name);
	if (rc == MUSTER_EVERIFY || rc == MUSTER_EINVAL)
		die(EXIT_VERIFY, L("%s: refused: %s's cosignature does not verify", "%s：已拒收：%s 的见证签名无法核验"), url, w.name);
	if (rc)
		die(cli_exit_code(rc), L("%s: %s", "%s：%s"), url, cli_strerror(rc));
	say_kept(o, &w, size);
	muster_buf_free(&note);
	muster_buf_free(&req);
	muster_buf_free(&resp);
	free(url);
	return EXIT_OK;
}
