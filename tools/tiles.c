/*
 * tiles.c - muster log export --tiles DIR: the log in the C2SP tlog-tiles
 * layout, for any web server to serve and any mirror or auditor to read
 * (docs/REPLICATION.md):
 *
 *   DIR/checkpoint                  the latest signed checkpoint
 *   DIR/tile/<L>/<N>[.p/<W>]        256 (or W) hashes of level-8L subtrees
 *   DIR/tile/entries/<N>[.p/<W>]    256 (or W) entries, each a big-endian
 *                                   16-bit length and the entry's bytes
 *
 * N is written in groups of three digits, all but the last prefixed "x"
 * (1234067 is x001/x234/067; tilepath.c).  A tile never changes once written (a wider
 * one is another file), so a second export writes only what is new, and
 * the checkpoint goes last: a reader never finds a checkpoint whose tiles
 * are not there yet.  Every file is written whole (a temporary file,
 * fsync, rename).
 */
#include "config.h"

#include "cli.h"
#include "commands.h"
#include "equip_cli.h"
#include "progress.h"
#include "tilepath.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct export {
	const char *dir; /* export: the directory; bundle: NULL */
	FILE *tar;       /* bundle: the archive being written */
	const char *tar_path;
	uint64_t since, size; /* what the reader has, what it gets */
	uint64_t written, kept, done, total, bytes;
	muster_buf bundle;
};

/* mkdir -p of path's directory. */
static int make_parents(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return 0;
}

/* path written whole with n bytes: a temporary file beside it, fsync, rename. */
static void put_file(const char *path, const void *data, size_t n)
{
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = make_parents(path) == 0 ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	int ok = fd >= 0;
	for (size_t off = 0; ok && off < n;) {
		ssize_t k = write(fd, (const char *)data + off, n - off);
		if (k < 0 && errno == EINTR)
			continue;
		ok = k > 0;
		off += ok ? (size_t)k : 0;
	}
	if (ok)
		ok = fsync(fd) == 0;
	int e = errno;
	if (fd >= 0 && close(fd) != 0 && ok)
		ok = 0, e = errno;
	if (ok && rename(tmp, path) != 0)
		ok = 0, e = errno;
	if (!ok) {
		unlink(tmp);
		die(EXIT_IO, L("cannot write %s: %s; check the directory and the free space", "无法写入 %s：%s；请检查目录和剩余空间"),
			path, strerror(e));
	}
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* One ustar member: a 512-byte header, the data, zeros to the next 512. */
static void tar_put(struct export *x, const char *name, const void *data, size_t n)
{
	unsigned char h[512] = {0};
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)n);
	memcpy(h + 136, "00000000000", 12); /* mtime 0: the same log gives the same bundle */
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	static const unsigned char zero[512];
	size_t pad = (512 - n % 512) % 512;
	if (fwrite(h, 1, 512, x->tar) != 512 || fwrite(data, 1, n, x->tar) != n || fwrite(zero, 1, pad, x->tar) != pad)
		die(EXIT_IO, L("cannot write %s: %s; check the directory and the free space", "无法写入 %s：%s；请检查目录和剩余空间"),
			x->tar_path, strerror(errno));
	x->bytes += 512 + n + pad;
}

/* 1 if the reader has the tile already: in the export directory, or (a bundle) at its old size. */
static int have(struct export *x, const char *name)
{
	char p[PATH_MAX];
	if (x->tar)
		return 0;
	snprintf(p, sizeof p, "%s/%s", x->dir, name);
	return exists(p);
}

static void emit(struct export *x, const char *name, const void *data, size_t n)
{
	char p[PATH_MAX];
	if (x->tar) {
		tar_put(x, name, data, n);
	} else {
		snprintf(p, sizeof p, "%s/%s", x->dir, name);
		put_file(p, data, n);
	}
	x->written++;
}

/* Tile n's width in a tree with `complete` subtrees of its level; 0 if it holds none. */
static size_t width(uint64_t complete, uint64_t n)
{
	if (complete <= n * MUSTER_TILE_WIDTH)
		return 0;
	uint64_t left = complete - n * MUSTER_TILE_WIDTH;
	return left < MUSTER_TILE_WIDTH ? (size_t)left : MUSTER_TILE_WIDTH;
}

static void tick(struct export *x)
{
	x->done++;
	progress(x->tar ? "bundle" : "export", x->done, x->total);
}

/* The entry bundles the reader lacks: those that grew past `since`. */
static void entries(muster_store *s, struct export *x)
{
	for (uint64_t n = x->since / MUSTER_TILE_WIDTH; n * MUSTER_TILE_WIDTH < x->size; n++, tick(x)) {
		size_t w = width(x->size, n);
		char name[64];
		tile_name(name, sizeof name, TILE_ENTRIES, n, w);
		if (w == width(x->since, n) || have(x, name)) {
			x->kept++;
			continue;
		}
		x->bundle.len = 0;
		int rc = muster_log_scan(s, n * MUSTER_TILE_WIDTH, w, tile_entry_add, &x->bundle);
		if (rc == MUSTER_ETOOBIG)
			die(EXIT_IO, L("an entry in %" PRIu64 "..%" PRIu64 " is over 65,535 bytes: tlog-tiles cannot carry it",
					   "条目 %" PRIu64 "..%" PRIu64 " 中有超过 65,535 字节的条目：tlog-tiles 无法承载"),
				n * MUSTER_TILE_WIDTH, n * MUSTER_TILE_WIDTH + w - 1);
		if (rc)
			die(cli_exit_code(rc), L("cannot read the log: %s", "无法读取日志：%s"), cli_strerror(rc));
		emit(x, name, x->bundle.data, x->bundle.len);
	}
}

/* The hash tiles the reader lacks, level by level. */
static void hashes(muster_store *s, struct export *x)
{
	uint8_t (*buf)[MUSTER_HASH_BYTES] = malloc(MUSTER_TILE_WIDTH * MUSTER_HASH_BYTES);
	if (!buf)
		die(EXIT_IO, "%s", L("out of memory", "内存不足"));
	for (int level = 0; level < 8 && (x->size >> (8 * level)); level++) {
		uint64_t complete = x->size >> (8 * level), before = x->since >> (8 * level);
		for (uint64_t n = before / MUSTER_TILE_WIDTH; n * MUSTER_TILE_WIDTH < complete; n++, tick(x)) {
			size_t w = width(complete, n), got;
			char name[64];
			tile_name(name, sizeof name, level, n, w);
			if (w == width(before, n) || have(x, name)) {
				x->kept++;
				continue;
			}
			int rc = muster_log_tile(s, x->size, level, n, buf, &got);
			if (rc || got != w)
				die(cli_exit_code(rc ? rc : MUSTER_EIO), L("cannot read tile %d/%" PRIu64 ": %s", "无法读取 tile %d/%" PRIu64 "：%s"),
					level, n, cli_strerror(rc ? rc : MUSTER_EIO));
			emit(x, name, buf, w * MUSTER_HASH_BYTES);
		}
	}
	free(buf);
}

/* How many tiles entries() and hashes() look at, for the progress lines. */
static void count_tiles(struct export *x)
{
	for (int level = -1; level < 8; level++) {
		uint64_t c = level < 0 ? x->size : x->size >> (8 * level), b = level < 0 ? x->since : x->since >> (8 * level);
		if (level >= 0 && !c)
			break;
		x->total += c / MUSTER_TILE_WIDTH + (c % MUSTER_TILE_WIDTH != 0) - b / MUSTER_TILE_WIDTH;
	}
}

int cli_log_export(const struct opts *o, muster_store *s)
{
	static const char *const allowed[] = {"tiles", NULL};
	cli_only(o, "muster log export", allowed);
	const char *dir = cli_opt(o, "tiles");
	if (!dir || !*dir)
		die(EXIT_USAGE, "%s", L("usage: muster log export --tiles DIR", "用法: muster log export --tiles 目录"));
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		die(EXIT_IO, L("cannot make %s: %s", "无法创建 %s：%s"), dir, strerror(errno));
	struct export x = {dir, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, {0}};
	muster_buf ck = {0};
	int rc = muster_log_checkpoint(s, UINT64_MAX, &ck, &x.size);
	if (!rc)
		rc = ck.err;
	if (rc)
		die(cli_exit_code(rc), L("the store has no checkpoint: %s", "存储库中没有检查点：%s"), cli_strerror(rc));
	count_tiles(&x);
	progress("export", 0, x.total ? x.total : 1);
	entries(s, &x);
	hashes(s, &x);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/checkpoint", dir);
	put_file(path, ck.data, ck.len);
	progress("export", x.total ? x.total : 1, x.total ? x.total : 1);
	muster_buf out = {0};
	if (o->json) {
		muster_buf_puts(&out, "{\"dir\":");
		muster_json_cstr(&out, dir);
		muster_buf_printf(&out, ",\"size\":%" PRIu64 ",\"written\":%" PRIu64 ",\"kept\":%" PRIu64 "}\n", x.size,
			x.written, x.kept);
	} else {
		muster_buf_printf(&out,
			L("exported %" PRIu64 " entries to %s: %" PRIu64 " tiles written, %" PRIu64 " already there, checkpoint at %" PRIu64 "\n",
				"已导出 %" PRIu64 " 条日志到 %s：写入 %" PRIu64 " 个 tile，已有 %" PRIu64 " 个，检查点大小 %" PRIu64 "\n"),
			x.size, dir, x.written, x.kept, x.size);
	}
	cli_emit(&out);
	muster_buf_free(&ck);
	muster_buf_free(&x.bundle);
	return EXIT_OK;
}

/*
 * muster log bundle --since SIZE --out FILE: what a reader that has verified
 * the tree of SIZE entries needs to reach the latest checkpoint, in one
 * POSIX tar file for a USB stick or e-mail (docs/REPLICATION.md):
 * muster-bundle (what it is), checkpoint, consistency.json (the proof
 * from SIZE, as `muster log consistency` prints it; none from 0), then
 * every tile that grew past SIZE under its tlog-tiles name.  Written to
 * FILE.tmp, fsync'd, renamed.
 */
int cli_log_bundle(const struct opts *o, muster_store *s)
{
	static const char *const allowed[] = {"since", "out", NULL};
	cli_only(o, "muster log bundle", allowed);
	const char *since = cli_opt(o, "since"), *out = o->out;
	if (!since || !out || !*out)
		die(EXIT_USAGE, "%s", L("usage: muster log bundle --since SIZE --out FILE", "用法: muster log bundle --since 大小 --out 文件"));
	struct export x = {NULL, NULL, out, cli_uint("--since", since), 0, 0, 0, 0, 0, 0, {0}};
	muster_buf ck = {0}, head = {0}, proof = {0};
	int rc = muster_log_checkpoint(s, UINT64_MAX, &ck, &x.size);
	if (!rc)
		rc = ck.err;
	if (rc)
		die(cli_exit_code(rc), L("the store has no checkpoint: %s", "存储库中没有检查点：%s"), cli_strerror(rc));
	if (x.since > x.size)
		die(EXIT_USAGE, L("--since %" PRIu64 " is past the log's %" PRIu64 " entries; give the size the reader has verified",
				    "--since %" PRIu64 " 超过日志的 %" PRIu64 " 条；请给出接收方已核验的大小"),
			x.since, x.size);
	if (x.since > 0 && x.since < x.size) {
		uint8_t p[MUSTER_PROOF_MAX][MUSTER_HASH_BYTES];
		size_t n;
		if ((rc = muster_log_prove_consistency(s, x.since, x.size, p, &n)) != 0)
			die(cli_exit_code(rc), L("cannot prove consistency from %" PRIu64 ": %s", "无法证明自 %" PRIu64 " 起的一致性：%s"),
				x.since, cli_strerror(rc));
		muster_buf_printf(&proof, "{\"old_size\":%" PRIu64 ",\"new_size\":%" PRIu64 ",", x.since, x.size);
		cli_proof_json(&proof, p, n);
		muster_buf_puts(&proof, "}\n");
	}
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.tmp", out);
	if (!(x.tar = fopen(tmp, "wbx")))
		die(EXIT_IO, L("cannot write %s: %s", "无法写入 %s：%s"), tmp, strerror(errno));
	muster_buf_printf(&head, "muster-bundle v1\norigin %s\nsince %" PRIu64 "\nsize %" PRIu64 "\n", muster_store_origin(s),
		x.since, x.size);
	if (head.err || proof.err)
		die(EXIT_IO, "%s", L("out of memory", "内存不足"));
	x.tar_path = tmp;
	tar_put(&x, "muster-bundle", head.data, head.len);
	tar_put(&x, "checkpoint", ck.data, ck.len);
	if (proof.len)
		tar_put(&x, "consistency.json", proof.data, proof.len);
	count_tiles(&x);
	progress("bundle", 0, x.total ? x.total : 1);
	entries(s, &x);
	hashes(s, &x);
	static const unsigned char end[1024];
	int ok = fwrite(end, 1, sizeof end, x.tar) == sizeof end && fflush(x.tar) == 0 && fsync(fileno(x.tar)) == 0;
	int e = errno;
	if (fclose(x.tar) != 0 && ok)
		ok = 0, e = errno;
	if (ok && rename(tmp, out) != 0)
		ok = 0, e = errno;
	if (!ok) {
		unlink(tmp);
		die(EXIT_IO, L("cannot write %s: %s; check the directory and the free space", "无法写入 %s：%s；请检查目录和剩余空间"),
			out, strerror(e));
	}
	progress("bundle", x.total ? x.total : 1, x.total ? x.total : 1);
	muster_buf msg = {0};
	if (o->json) {
		muster_buf_puts(&msg, "{\"out\":");
		muster_json_cstr(&msg, out);
		muster_buf_printf(&msg, ",\"since\":%" PRIu64 ",\"size\":%" PRIu64 ",\"tiles\":%" PRIu64 ",\"bytes\":%" PRIu64 "}\n",
			x.since, x.size, x.written, x.bytes + sizeof end);
	} else {
		muster_buf_printf(&msg,
			L("bundled entries %" PRIu64 "..%" PRIu64 " into %s: %" PRIu64 " tiles, the checkpoint and the consistency proof\n",
				"已将条目 %" PRIu64 "..%" PRIu64 " 打包到 %s：%" PRIu64 " 个 tile、检查点和一致性证明\n"),
			x.since, x.size, out, x.written);
	}
	cli_emit(&msg);
	muster_buf_free(&ck);
	muster_buf_free(&head);
	muster_buf_free(&proof);
	muster_buf_free(&x.bundle);
	return EXIT_OK;
}
