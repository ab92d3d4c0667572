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
	const char *dir;
	uint64_t size;
	uint64_t written, kept, done, total;
	muster_buf bundle;
};

/* DIR/tile/<level>/<N>[.p/<W>] into out. */
static void tile_path(char *out, size_t cap, const char *dir, int level, uint64_t n, size_t w)
{
	char name[64];
	tile_name(name, sizeof name, level, n, w);
	snprintf(out, cap, "%s/%s", dir, name);
}

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

static int bundle_one(uint64_t index, const uint8_t *p, size_t len, void *arg)
{
	struct export *x = arg;
	(void)index;
	if (len > 0xffff)
		return MUSTER_ETOOBIG;
	uint8_t be[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	muster_buf_put(&x->bundle, be, 2);
	muster_buf_put(&x->bundle, p, len);
	return x->bundle.err;
}

static void tick(struct export *x)
{
	x->done++;
	progress("export", x->done, x->total);
}

/* The entry bundles. */
static void entries(muster_store *s, struct export *x)
{
	for (uint64_t n = 0; n * MUSTER_TILE_WIDTH < x->size; n++, tick(x)) {
		uint64_t left = x->size - n * MUSTER_TILE_WIDTH;
		size_t w = left < MUSTER_TILE_WIDTH ? (size_t)left : MUSTER_TILE_WIDTH;
		char path[PATH_MAX];
		tile_path(path, sizeof path, x->dir, TILE_ENTRIES, n, w);
		if (exists(path)) {
			x->kept++;
			continue;
		}
		x->bundle.len = 0;
		int rc = muster_log_scan(s, n * MUSTER_TILE_WIDTH, w, bundle_one, x);
		if (rc == MUSTER_ETOOBIG)
			die(EXIT_IO, L("an entry in %" PRIu64 "..%" PRIu64 " is over 65,535 bytes: tlog-tiles cannot carry it",
					   "条目 %" PRIu64 "..%" PRIu64 " 中有超过 65,535 字节的条目：tlog-tiles 无法承载"),
				n * MUSTER_TILE_WIDTH, n * MUSTER_TILE_WIDTH + w - 1);
		if (rc)
			die(cli_exit_code(rc), L("cannot read the log: %s", "无法读取日志：%s"), cli_strerror(rc));
		put_file(path, x->bundle.data, x->bundle.len);
		x->written++;
	}
}

/* The hash tiles, level by level. */
static void hashes(muster_store *s, struct export *x)
{
	uint8_t (*buf)[MUSTER_HASH_BYTES] = malloc(MUSTER_TILE_WIDTH * MUSTER_HASH_BYTES);
	if (!buf)
		die(EXIT_IO, "%s", L("out of memory", "内存不足"));
	for (int level = 0; level < 8 && (x->size >> (8 * level)); level++) {
		uint64_t complete = x->size >> (8 * level);
		for (uint64_t n = 0; n * MUSTER_TILE_WIDTH < complete; n++, tick(x)) {
			uint64_t left = complete - n * MUSTER_TILE_WIDTH;
			size_t w = left < MUSTER_TILE_WIDTH ? (size_t)left : MUSTER_TILE_WIDTH, got;
			char path[PATH_MAX];
			tile_path(path, sizeof path, x->dir, level, n, w);
			if (exists(path)) {
				x->kept++;
				continue;
			}
			int rc = muster_log_tile(s, x->size, level, n, buf, &got);
			if (rc || got != w)
				die(cli_exit_code(rc ? rc : MUSTER_EIO), L("cannot read tile %d/%" PRIu64 ": %s", "无法读取 tile %d/%" PRIu64 "：%s"),
					level, n, cli_strerror(rc ? rc : MUSTER_EIO));
			put_file(path, buf, w * MUSTER_HASH_BYTES);
			x->written++;
		}
	}
	free(buf);
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
	struct export x = {dir, 0, 0, 0, 0, 0, {0}};
	muster_buf ck = {0};
	int rc = muster_log_checkpoint(s, UINT64_MAX, &ck, &x.size);
	if (!rc)
		rc = ck.err;
	if (rc)
		die(cli_exit_code(rc), L("the store has no checkpoint: %s", "存储库中没有检查点：%s"), cli_strerror(rc));
	/* Tiles to look at: entry bundles, then each level's hash tiles. */
	for (int level = -1; level < 8; level++) {
		uint64_t c = level < 0 ? x.size : x.size >> (8 * level);
		if (level >= 0 && !c)
			break;
		x.total += c / MUSTER_TILE_WIDTH + (c % MUSTER_TILE_WIDTH != 0);
	}
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
