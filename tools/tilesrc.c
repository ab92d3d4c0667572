/*
 * tilesrc.c - reading a log's tiles from a bundle, a directory or a tile
 * server (tilesrc.h).
 *
 * A bundle is read with pread: its headers are all checked at open, each
 * member's bytes are read when asked for.  The rules are those of the
 * writer, tiles.c's tar_put, and of POSIX ustar: magic "ustar\0" version
 * "00", a correct header checksum, regular files only, a member name of at
 * most 100 bytes (or prefix "/" name, as POSIX joins them), an octal size,
 * data and zero padding to the next 512 bytes inside the file, then two
 * zero blocks and nothing but zeros after them.
 */
#include "config.h"

#include "tilesrc.h"
#include "tilepath.h"

#include <muster/muster.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_MAX_LEN 63 /* the longest canonical name is 52 bytes */
#define CHECKPOINT_MAX 8192
#define BUNDLE_HEAD_MAX 8192
#define PROOF_JSON_MAX 65536

enum { SRC_BUNDLE, SRC_DIR, SRC_URL };

struct member {
	char name[NAME_MAX_LEN + 1];
	uint64_t off, size; /* the data's offset in the file, its length */
};

struct tilesrc {
	int kind;
	char *where; /* the bundle's path, the directory, the base URL without a trailing slash */
	/* bundle */
	int fd;
	uint64_t fsize;
	struct member *m;
	size_t n, mcap;
	uint32_t *slot; /* open addressing over m: index + 1, 0 empty; hcap a power of two */
	size_t hcap;
	/* url */
	CURL *curl;
	char curlerr[CURL_ERROR_SIZE];
	muster_buf *sink;
	size_t sink_cap; /* the length sink may grow to: its length before, and the member's limit */
	int toobig;
};

#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * The size limit of a member called name, or 0 if that is no member
 * name: "checkpoint", "muster-bundle", "consistency.json" or a tile name
 * as tile_name writes it.
 */
static size_t member_cap(const char *name)
{
	int level;
	uint64_t n;
	size_t w;
	if (strcmp(name, "checkpoint") == 0)
		return CHECKPOINT_MAX;
	if (strcmp(name, "muster-bundle") == 0)
		return BUNDLE_HEAD_MAX;
	if (strcmp(name, "consistency.json") == 0)
		return PROOF_JSON_MAX;
	if (strlen(name) > NAME_MAX_LEN || tile_parse(name, &level, &n, &w) != 0)
		return 0;
	return level == TILE_ENTRIES ? w * (2 + 65535) : w * MUSTER_HASH_BYTES;
}

/* name for a message: at most 100 bytes, anything but printable ASCII as '?'. */
static void printable(char *out, size_t cap, const char *name, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap && i < 100; i++)
		out[o++] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
	out[o] = 0;
}

static struct tilesrc *src_new(int kind, const char *where, size_t wlen)
{
	struct tilesrc *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->kind = kind;
	t->fd = -1;
	if (!(t->where = malloc(wlen + 1))) {
		free(t);
		return NULL;
	}
	memcpy(t->where, where, wlen);
	t->where[wlen] = 0;
	return t;
}

void tilesrc_close(struct tilesrc *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	if (t->curl)
		curl_easy_cleanup(t->curl);
	free(t->m);
	free(t->slot);
	free(t->where);
	free(t);
}

/* ---- bundles ------------------------------------------------------------ */

/* Reads exactly n bytes at off: n, or fewer at the end of the file, or -1 (errno). */
static ssize_t read_at(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/*
 * An octal header field: optional leading spaces, at least one digit 0-7,
 * then only NUL or space to the end of the field.  -1 if it is anything
 * else (base-256 sizes included).
 */
static int octal(const unsigned char *f, size_t n, uint64_t *v)
{
	size_t i = 0, digits = 0;
	*v = 0;
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
		if (*v >> 60)
			return -1;
		*v = *v * 8 + (uint64_t)(f[i] - '0');
	}
	if (!digits)
		return -1;
	for (; i < n; i++)
		if (f[i] != 0 && f[i] != ' ')
			return -1;
	return 0;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot holding name, or the empty slot where it would go. */
static uint32_t *find_slot(const struct tilesrc *t, const char *name)
{
	size_t mask = t->hcap - 1;
	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
		uint32_t *s = &t->slot[i];
		if (!*s || strcmp(t->m[*s - 1].name, name) == 0)
			return s;
	}
}

/* Makes room for one more member (and its slot at most half full): 0 or -1. */
static int grow_members(struct tilesrc *t)
{
	if (t->n == t->mcap) {
		size_t cap = t->mcap ? t->mcap * 2 : 64;
		struct member *m = realloc(t->m, cap * sizeof *m);
		if (!m)
			return -1;
		t->m = m;
		t->mcap = cap;
	}
	if ((t->n + 1) * 2 > t->hcap) {
		size_t hcap = t->hcap ? t->hcap * 2 : 128;
		uint32_t *old = t->slot;
		size_t oldcap = t->hcap;
		if (!(t->slot = calloc(hcap, sizeof *t->slot))) {
			t->slot = old;
			return -1;
		}
		t->hcap = hcap;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				*find_slot(t, t->m[old[i] - 1].name) = old[i];
		free(old);
	}
	return 0;
}

/* Checks what follows the first end block at off: a second zero block, then zeros only. */
static int check_tail(struct tilesrc *t, uint64_t off, char *err, size_t errlen)
{
	unsigned char buf[65536];
	const char *last = t->n ? t->m[t->n - 1].name : "none";
	if (off + 1024 > t->fsize) {
		fail(err, errlen, "%s: one zero block after member %zu (%s) where a tar file ends with two: the file is cut short",
			t->where, t->n, last);
		return MUSTER_EINVAL;
	}
	for (uint64_t at = off + 512; at < t->fsize;) {
		size_t want = t->fsize - at < sizeof buf ? (size_t)(t->fsize - at) : sizeof buf;
		ssize_t k = read_at(t->fd, buf, want, at);
		if (k < 0) {
			fail(err, errlen, "%s: %s", t->where, strerror(errno));
			return MUSTER_EIO;
		}
		if ((size_t)k != want) {
			fail(err, errlen, "%s: the file changed while it was read", t->where);
			return MUSTER_EIO;
		}
		for (size_t i = 0; i < want; i++) {
			if (buf[i]) {
				if (at + i < off + 1024)
					fail(err, errlen, "%s: a header after the zero block that follows member %zu (%s): the end of the archive is damaged, or something was appended",
						t->where, t->n, last);
				else
					fail(err, errlen, "%s: data after the end of the archive (byte %" PRIu64 " of %" PRIu64 ", after member %zu (%s)): something was appended",
						t->where, at + i, t->fsize, t->n, last);
				return MUSTER_EINVAL;
			}
		}
		at += want;
	}
	return 0;
}

/* Checks header h, member number k (1-based) at off, and adds it. */
static int add_member(struct tilesrc *t, const unsigned char *h, size_t k, uint64_t off, char *err, size_t errlen)
{
	char shown[128], full[260];
	size_t nlen = strnlen((const char *)h, 100), plen = strnlen((const char *)h + 345, 155);
	if (plen) {
		memcpy(full, h + 345, plen);
		full[plen] = '/';
		memcpy(full + plen + 1, h, nlen);
		nlen += plen + 1;
	} else {
		memcpy(full, h, nlen);
	}
	full[nlen] = 0;
	printable(shown, sizeof shown, full, nlen);

	if (memcmp(h + 257, "ustar\0", 6) != 0 || memcmp(h + 263, "00", 2) != 0) {
		if (k == 1)
			fail(err, errlen, "%s: not a POSIX ustar archive (no \"ustar\" magic and version \"00\" in the first header)", t->where);
		else
			fail(err, errlen, "%s: member %zu (%s): not a POSIX ustar header (magic \"ustar\", version \"00\"): damaged file",
				t->where, k, shown);
		return MUSTER_EINVAL;
	}
	uint64_t want, sum = 0;
	for (int i = 0; i < 512; i++)
		sum += i >= 148 && i < 156 ? ' ' : h[i];
	if (octal(h + 148, 8, &want) != 0 || want != sum) {
		fail(err, errlen, "%s: member %zu (%s): header checksum does not match: damaged file", t->where, k, shown);
		return MUSTER_EINVAL;
	}
	if (h[156] != '0' && h[156] != 0) {
		fail(err, errlen, "%s: member %zu (%s): type '%c' where only regular files are allowed", t->where, k, shown,
			h[156] >= 0x20 && h[156] < 0x7f ? h[156] : '?');
		return MUSTER_EINVAL;
	}
	size_t cap = nlen <= NAME_MAX_LEN ? member_cap(full) : 0;
	if (!cap) {
		int level;
		uint64_t n;
		size_t w;
		if (strncmp(full, "tile/", 5) == 0 && nlen <= NAME_MAX_LEN && tile_parse(full, &level, &n, &w) != 0)
			fail(err, errlen, "%s: member %zu (%s): not a tile name as tlog-tiles spells it", t->where, k, shown);
		else
			fail(err, errlen, "%s: member %zu (%s): not a member of a muster bundle", t->where, k, shown);
		return MUSTER_EINVAL;
	}
	uint64_t size;
	if (octal(h + 124, 12, &size) != 0) {
		fail(err, errlen, "%s: member %zu (%s): the size field is not an octal number", t->where, k, shown);
		return MUSTER_EINVAL;
	}
	if (size == 0 || size > cap) {
		fail(err, errlen, "%s: member %zu (%s): %" PRIu64 " bytes, where it has 1 to %zu", t->where, k, shown, size, cap);
		return MUSTER_EINVAL;
	}
	if (off + 512 + size > t->fsize) {
		fail(err, errlen, "%s: member %zu (%s): truncated (%" PRIu64 " of %" PRIu64 " bytes)", t->where, k, shown,
			t->fsize - off - 512, size);
		return MUSTER_EINVAL;
	}
	size_t pad = (size_t)((512 - size % 512) % 512);
	if (off + 512 + size + pad > t->fsize) {
		fail(err, errlen, "%s: member %zu (%s): truncated (the padding after its data is cut short)", t->where, k, shown);
		return MUSTER_EINVAL;
	}
	if (pad) {
		unsigned char z[512];
		ssize_t r = read_at(t->fd, z, pad, off + 512 + size);
		if (r < 0 || (size_t)r != pad) {
			fail(err, errlen, "%s: %s", t->where, r < 0 ? strerror(errno) : "the file changed while it was read");
			return MUSTER_EIO;
		}
		if (!all_zero(z, pad)) {
			fail(err, errlen, "%s: member %zu (%s): non-zero bytes in the padding after its data", t->where, k, shown);
			return MUSTER_EINVAL;
		}
	}
	if (grow_members(t) != 0) {
		fail(err, errlen, "%s: out of memory", t->where);
		return MUSTER_ENOMEM;
	}
	uint32_t *s = find_slot(t, full);
	if (*s) {
		fail(err, errlen, "%s: member %zu (%s): a second member of that name (the first is member %zu)", t->where, k, shown,
			(size_t)*s);
		return MUSTER_EINVAL;
	}
	struct member *m = &t->m[t->n++];
	memcpy(m->name, full, nlen + 1);
	m->off = off + 512;
	m->size = size;
	*s = (uint32_t)t->n;
	return 0;
}

int tilesrc_open_bundle(const char *path, struct tilesrc **out, char *err, size_t errlen)
{
	*out = NULL;
	struct tilesrc *t = src_new(SRC_BUNDLE, path, strlen(path));
	if (!t) {
		fail(err, errlen, "%s: out of memory", path);
		return MUSTER_ENOMEM;
	}
	struct stat st;
	int rc = 0;
	if ((t->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0 || fstat(t->fd, &st) != 0) {
		rc = errno == ENOENT || errno == ENOTDIR ? MUSTER_ENOTFOUND : MUSTER_EIO;
		fail(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(err, errlen, "%s: not a regular file", path);
		rc = MUSTER_EINVAL;
		goto out;
	}
	t->fsize = (uint64_t)st.st_size;
	if (t->fsize > TILESRC_BUNDLE_MAX) {
		fail(err, errlen, "%s: %" PRIu64 " bytes, more than a bundle may have (16 GiB)", path, t->fsize);
		rc = MUSTER_EINVAL;
		goto out;
	}
	if (t->fsize == 0) {
		fail(err, errlen, "%s: empty file, not a bundle", path);
		rc = MUSTER_EINVAL;
		goto out;
	}
	uint64_t off = 0;
	for (size_t k = 1;; k++) {
		unsigned char h[512];
		if (off == t->fsize) {
			if (t->n)
				fail(err, errlen, "%s: no end-of-archive blocks after member %zu (%s): the file is cut short", path, t->n,
					t->m[t->n - 1].name);
			else
				fail(err, errlen, "%s: no end-of-archive blocks: the file is cut short", path);
			rc = MUSTER_EINVAL;
			goto out;
		}
		ssize_t r = read_at(t->fd, h, sizeof h, off);
		if (r < 0) {
			fail(err, errlen, "%s: %s", path, strerror(errno));
			rc = MUSTER_EIO;
			goto out;
		}
		if ((size_t)r < sizeof h) {
			fail(err, errlen, "%s: member %zu: truncated header (%zd of 512 bytes)", path, k, r);
			rc = MUSTER_EINVAL;
			goto out;
		}
		if (all_zero(h, sizeof h)) {
			rc = check_tail(t, off, err, errlen);
			break;
		}
		if ((rc = add_member(t, h, k, off, err, errlen)) != 0)
			goto out;
		const struct member *m = &t->m[t->n - 1];
		off = m->off + m->size + (512 - m->size % 512) % 512;
	}
out:
	if (rc) {
		tilesrc_close(t);
		return rc;
	}
	*out = t;
	return 0;
}

size_t tilesrc_count(const struct tilesrc *t)
{
	return t->kind == SRC_BUNDLE ? t->n : 0;
}

const char *tilesrc_name(const struct tilesrc *t, size_t i)
{
	return t->kind == SRC_BUNDLE && i < t->n ? t->m[i].name : NULL;
}

/* Appends to out the bytes of fd from off, n of them or fewer at the end of the file: the count, or -1 (errno). */
static int64_t append_fd(int fd, uint64_t off, uint64_t n, muster_buf *out)
{
	unsigned char buf[16384];
	uint64_t got = 0;
	while (got < n) {
		size_t want = n - got < sizeof buf ? (size_t)(n - got) : sizeof buf;
		ssize_t k = read_at(fd, buf, want, off + got);
		if (k < 0)
			return -1;
		muster_buf_put(out, buf, (size_t)k);
		got += (uint64_t)k;
		if ((size_t)k < want)
			break;
	}
	return (int64_t)got;
}

static int bundle_get(struct tilesrc *t, const char *name, muster_buf *out, char *err, size_t errlen)
{
	uint32_t s = t->hcap ? *find_slot(t, name) : 0; /* an empty tar has no table */
	if (!s) {
		fail(err, errlen, "%s: no member %s", t->where, name);
		return MUSTER_ENOTFOUND;
	}
	const struct member *m = &t->m[s - 1];
	size_t was = out->len;
	int64_t got = append_fd(t->fd, m->off, m->size, out);
	if (out->err) {
		fail(err, errlen, "%s: %s: out of memory", t->where, name);
		out->len = was;
		return out->err;
	}
	if (got < 0 || (uint64_t)got != m->size) {
		fail(err, errlen, "%s: %s: %s", t->where, name, got < 0 ? strerror(errno) : "the file changed while it was read");
		out->len = was;
		return MUSTER_EIO;
	}
	return 0;
}

/* A canonical decimal number (no sign, no leading zero) then '\n': 0 with *v and *p past the newline, or -1. */
static int decimal_line(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	*v = 0;
	if (s == end || *s < '0' || *s > '9' || (*s == '0' && s + 1 < end && s[1] != '\n'))
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		uint64_t d = (uint64_t)(*s - '0');
		if (*v > (UINT64_MAX - d) / 10)
			return -1;
		*v = *v * 10 + d;
	}
	if (s == end || *s != '\n')
		return -1;
	*p = s + 1;
	return 0;
}

/* 1 and *p past s if the bytes at *p start with s, else 0. */
static int starts(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return 0;
	*p += n;
	return 1;
}

int tilesrc_bundle_info(struct tilesrc *t, char *origin, size_t origin_cap, uint64_t *since, uint64_t *size, char *err,
	size_t errlen)
{
	if (origin_cap)
		origin[0] = 0; /* what every refusal leaves */
	if (t->kind != SRC_BUNDLE) {
		fail(err, errlen, "%s: not a bundle", t->where);
		return MUSTER_EINVAL;
	}
	muster_buf b = {0};
	int rc = bundle_get(t, "muster-bundle", &b, err, errlen);
	if (rc == MUSTER_ENOTFOUND) {
		fail(err, errlen, "%s: no muster-bundle member: not a muster bundle", t->where);
		rc = MUSTER_EINVAL;
	}
	if (rc) {
		muster_buf_free(&b);
		return rc;
	}
	const char *p = (const char *)b.data, *end = p + b.len, *why = NULL, *nl = NULL;
	if (!starts(&p, end, "muster-bundle v"))
		why = "it does not start \"muster-bundle v\"";
	else if (!starts(&p, end, "1\n"))
		why = "a version other than v1: made by a newer muster?";
	else if (!starts(&p, end, "origin "))
		why = "the second line is not \"origin ORIGIN\"";
	else if (!(nl = memchr(p, '\n', (size_t)(end - p))) || !muster_note_name_valid(p, (size_t)(nl - p)))
		why = "the origin is not a valid log name";
	else if ((size_t)(nl - p) >= origin_cap)
		why = "the origin is longer than this reader takes";
	if (!why) {
		memcpy(origin, p, (size_t)(nl - p));
		origin[nl - p] = 0;
		p = nl + 1;
		if (!starts(&p, end, "since ") || decimal_line(&p, end, since) != 0)
			why = "the third line is not \"since M\"";
		else if (!starts(&p, end, "size ") || decimal_line(&p, end, size) != 0)
			why = "the fourth line is not \"size N\"";
		else if (p != end)
			why = "more after the \"size\" line";
		else if (*since > *size)
			why = "since is past size";
	}
	muster_buf_free(&b);
	if (why) {
		if (origin_cap)
			origin[0] = 0;
		fail(err, errlen, "%s: muster-bundle: %s", t->where, why);
		return MUSTER_EINVAL;
	}
	return 0;
}

/* ---- directories -------------------------------------------------------- */

int tilesrc_open_dir(const char *dir, struct tilesrc **out, char *err, size_t errlen)
{
	struct stat st;
	*out = NULL;
	if (stat(dir, &st) != 0) {
		fail(err, errlen, "%s: %s", dir, strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? MUSTER_ENOTFOUND : MUSTER_EIO;
	}
	if (!S_ISDIR(st.st_mode)) {
		fail(err, errlen, "%s: not a directory", dir);
		return MUSTER_EINVAL;
	}
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!(*out = src_new(SRC_DIR, dir, n))) {
		fail(err, errlen, "%s: out of memory", dir);
		return MUSTER_ENOMEM;
	}
	return 0;
}

/*
 * Where member name of t is: "WHERE/NAME", a URL or a path ("/NAME" in the
 * root directory), malloc'd; NULL (err said) when out of memory.
 */
static char *member_where(const struct tilesrc *t, const char *name, char *err, size_t errlen)
{
	size_t n = strlen(t->where) + 1 + strlen(name) + 1;
	char *p = malloc(n);
	if (!p)
		fail(err, errlen, "%s/%s: out of memory", t->where, name);
	else
		snprintf(p, n, "%s%s%s", t->where, strcmp(t->where, "/") ? "/" : "", name);
	return p;
}

static int dir_get(struct tilesrc *t, const char *name, size_t cap, muster_buf *out, char *err, size_t errlen)
{
	char *path = member_where(t, name, err, errlen);
	if (!path)
		return MUSTER_ENOMEM;
	int rc = 0;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = errno == ENOENT || errno == ENOTDIR ? MUSTER_ENOTFOUND : MUSTER_EIO;
		fail(err, errlen, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		fail(err, errlen, "%s: not a regular file", path);
		rc = MUSTER_EINVAL;
	} else if ((uint64_t)st.st_size > cap) {
		fail(err, errlen, "%s: %" PRIu64 " bytes, more than the %zu it may have", path, (uint64_t)st.st_size, cap);
		rc = MUSTER_EINVAL;
	} else {
		size_t was = out->len;
		int64_t got = append_fd(fd, 0, (uint64_t)cap + 1, out);
		if (out->err) {
			fail(err, errlen, "%s: out of memory", path);
			rc = out->err;
		} else if (got < 0) {
			fail(err, errlen, "%s: %s", path, strerror(errno));
			rc = MUSTER_EIO;
		} else if ((uint64_t)got > cap) {
			fail(err, errlen, "%s: more than the %zu bytes it may have", path, cap);
			rc = MUSTER_EINVAL;
		}
		if (rc)
			out->len = was;
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

/* ---- tile servers ------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* 1 if libcurl parses url, with a host. */
static int url_has_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int bad = !u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
		curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host;
	curl_free(host);
	curl_url_cleanup(u);
	return !bad;
}

/* SET(opt, val): sets an option on the handle c unless one before failed (CURLcode rc). */
#define SET(opt, val) \
	do { \
		if (rc == CURLE_OK) \
			rc = curl_easy_setopt(c, opt, val); \
	} while (0)

/*
 * The options every request of this reader sets on c: http and https only,
 * 10 s to connect, no signals, muster's user agent, the body to on_data(arg),
 * libcurl's error text in errbuf (CURL_ERROR_SIZE bytes), and at most
 * low_speed_time seconds below a byte a second.  Redirects are the caller's.
 */
static CURLcode curl_common(CURL *c, long low_speed_time, curl_write_callback on_data, void *arg, char *errbuf)
{
	CURLcode rc = CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_CONNECTTIMEOUT, 10L);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, low_speed_time);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "muster/" PACKAGE_VERSION);
	SET(CURLOPT_WRITEFUNCTION, on_data);
	SET(CURLOPT_WRITEDATA, arg);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	return rc;
}

/* Takes a response body for tilesrc_get: a 200's bytes up to the member's limit; other bodies are dropped. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct tilesrc *t = arg;
	size_t n = size * nmemb;
	long code = 0;
	if (curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code != 200)
		return n;
	if (n > t->sink_cap - t->sink->len) {
		t->toobig = 1;
		return 0;
	}
	muster_buf_put(t->sink, data, n);
	return t->sink->err ? 0 : n;
}

static int has_prefix_ci(const char *s, const char *p)
{
	for (; *p; s++, p++)
		if ((*s | 0x20) != *p)
			return 0;
	return 1;
}

int tilesrc_open_url(const char *base_url, struct tilesrc **out, char *err, size_t errlen)
{
	*out = NULL;
	int https = has_prefix_ci(base_url, "https://");
	if (!https && !has_prefix_ci(base_url, "http://")) {
		fail(err, errlen, "%s: not an http:// or https:// URL", base_url);
		return MUSTER_EINVAL;
	}
	size_t n = strlen(base_url);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)base_url[i];
		if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#') {
			fail(err, errlen, "%s: a base URL has no spaces, control characters, query or fragment", base_url);
			return MUSTER_EINVAL;
		}
	}
	if (n && base_url[n - 1] == '/')
		n--;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		fail(err, errlen, "%s: cannot start libcurl: %s", base_url, curl_easy_strerror(curl_init_rc));
		return MUSTER_EIO;
	}
	struct tilesrc *t = src_new(SRC_URL, base_url, n);
	if (!t || !(t->curl = curl_easy_init())) {
		tilesrc_close(t);
		fail(err, errlen, "%s: out of memory", base_url);
		return MUSTER_ENOMEM;
	}
	/* The URL must parse, with a host, before anything is fetched. */
	if (!url_has_host(t->where)) {
		fail(err, errlen, "%s: not a valid URL", base_url);
		tilesrc_close(t);
		return MUSTER_EINVAL;
	}
	CURL *c = t->curl;
	CURLcode rc = curl_common(c, 30L, on_body, t, t->curlerr);
#if LIBCURL_VERSION_NUM >= 0x075500
	/* Redirects stay on http(s), and one from https never drops to http. */
	SET(CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
#else
	SET(CURLOPT_REDIR_PROTOCOLS, https ? (long)CURLPROTO_HTTPS : (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, 5L);
	SET(CURLOPT_HTTPGET, 1L);
	if (rc != CURLE_OK) {
		fail(err, errlen, "%s: cannot set up libcurl: %s", base_url, curl_easy_strerror(rc));
		tilesrc_close(t);
		return MUSTER_EIO;
	}
	*out = t;
	return 0;
}

static int url_get(struct tilesrc *t, const char *name, size_t cap, muster_buf *out, char *err, size_t errlen)
{
	char *url = member_where(t, name, err, errlen);
	if (!url)
		return MUSTER_ENOMEM;
	size_t was = out->len;
	t->sink = out;
	t->sink_cap = was + cap;
	t->toobig = 0;
	t->curlerr[0] = 0;
	CURLcode rc = curl_easy_setopt(t->curl, CURLOPT_URL, url);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(t->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(t->curl);
	long code = 0;
	curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
	int toobig = t->toobig || rc == CURLE_FILESIZE_EXCEEDED, ret = 0;
	t->sink = NULL;
	if (out->err) {
		fail(err, errlen, "%s: out of memory", url);
		ret = out->err;
	} else if (rc == CURLE_OK || toobig) {
		if (code == 404) {
			fail(err, errlen, "%s: HTTP 404: not found", url);
			ret = MUSTER_ENOTFOUND;
		} else if (code != 200) {
			fail(err, errlen, "%s: HTTP %ld", url, code);
			ret = MUSTER_EIO;
		} else if (toobig) {
			fail(err, errlen, "%s: more than the %zu bytes it may have", url, cap);
			ret = MUSTER_EINVAL;
		}
	} else {
		fail(err, errlen, "%s: %s", url, t->curlerr[0] ? t->curlerr : curl_easy_strerror(rc));
		ret = MUSTER_EIO;
	}
	if (ret)
		out->len = was;
	free(url);
	return ret;
}

/* ---- all sources -------------------------------------------------------- */

int tilesrc_get(struct tilesrc *t, const char *name, muster_buf *out, char *err, size_t errlen)
{
	size_t cap = member_cap(name);
	char shown[128];
	if (!cap) {
		printable(shown, sizeof shown, name, strlen(name));
		fail(err, errlen, "%s: \"%s\" is not the canonical name of a checkpoint, tile or bundle member", t->where, shown);
		return MUSTER_EINVAL;
	}
	if (out->err) {
		fail(err, errlen, "%s: %s: out of memory", t->where, name);
		return out->err;
	}
	switch (t->kind) {
	case SRC_BUNDLE:
		return bundle_get(t, name, out, err, errlen);
	case SRC_DIR:
		return dir_get(t, name, cap, out, err, errlen);
	default:
		return url_get(t, name, cap, out, err, errlen);
	}
}

int tile_entries_split(const uint8_t *p, size_t n, size_t want, const uint8_t **ent, size_t *len, char *err,
	size_t errlen)
{
	size_t off = 0;
	for (size_t i = 0; i < want; i++) {
		if (off == n) {
			fail(err, errlen, "entry bundle holds %zu entries where it should hold %zu", i, want);
			return MUSTER_EINVAL;
		}
		if (n - off < 2) {
			fail(err, errlen, "entry bundle truncated: entry %zu's length is cut short", i);
			return MUSTER_EINVAL;
		}
		size_t l = (size_t)p[off] << 8 | p[off + 1];
		if (l == 0) {
			fail(err, errlen, "entry bundle: entry %zu is empty", i);
			return MUSTER_EINVAL;
		}
		if (n - off - 2 < l) {
			fail(err, errlen, "entry bundle truncated: entry %zu has %zu of %zu bytes", i, n - off - 2, l);
			return MUSTER_EINVAL;
		}
		ent[i] = p + off + 2;
		len[i] = l;
		off += 2 + l;
	}
	if (off == n)
		return 0;
	/* More: further whole entries, or bytes that are none. */
	size_t more = 0, at = off;
	while (n - at >= 2) {
		size_t l = (size_t)p[at] << 8 | p[at + 1];
		if (l == 0 || n - at - 2 < l)
			break;
		at += 2 + l;
		more++;
	}
	if (at == n)
		fail(err, errlen, "entry bundle holds %zu entries where it should hold %zu", want + more, want);
	else
		fail(err, errlen, "entry bundle: %zu trailing bytes after its %zu entries", n - off, want);
	return MUSTER_EINVAL;
}

/* A canonical decimal (no sign, no leading zero) at *p, then the text `then`: 0 with *v and *p past both, or -1. */
static int json_uint(const char **p, const char *end, uint64_t *v, const char *then)
{
	const char *s = *p;
	*v = 0;
	if (s == end || *s < '0' || *s > '9' || (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9'))
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		uint64_t d = (uint64_t)(*s - '0');
		if (*v > (UINT64_MAX - d) / 10)
			return -1;
		*v = *v * 10 + d;
	}
	if (!starts(&s, end, then))
		return -1;
	*p = s;
	return 0;
}

int tile_proof_parse(const uint8_t *data, size_t n, uint64_t *old_size, uint64_t *new_size,
	uint8_t (*proof)[MUSTER_HASH_BYTES], size_t *count)
{
	/* Exactly what cmd_log.c writes: no other spacing, order or spelling of a number or a hash. */
	enum { B64 = sodium_base64_ENCODED_LEN(MUSTER_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL) - 1 };
	const char *p = (const char *)data, *end = p + n;
	uint64_t old, nw;
	size_t k = 0;
	if (!starts(&p, end, "{\"old_size\":") || json_uint(&p, end, &old, ",\"new_size\":") != 0 ||
		json_uint(&p, end, &nw, ",\"proof\":[") != 0)
		return MUSTER_EINVAL;
	while (!starts(&p, end, "]")) {
		size_t got;
		if ((k && !starts(&p, end, ",")) || k == MUSTER_PROOF_MAX || end - p < B64 + 2 || p[0] != '"' ||
			p[B64 + 1] != '"' ||
			muster_b64_decode(p + 1, B64, proof[k], MUSTER_HASH_BYTES, &got, sodium_base64_VARIANT_ORIGINAL) != 0 ||
			got != MUSTER_HASH_BYTES)
			return MUSTER_EINVAL;
		p += B64 + 2;
		k++;
	}
	if (!starts(&p, end, "}") || (p != end && !(p + 1 == end && *p == '\n')))
		return MUSTER_EINVAL;
	*old_size = old, *new_size = nw, *count = k;
	return 0;
}

/* ---- POST: muster log witness ------------------------------------------- */

struct post_sink {
	muster_buf *b;
	size_t cap; /* the length b may grow to */
	int toobig;
};

static size_t on_post_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct post_sink *s = arg;
	size_t n = size * nmemb;
	if (n > s->cap - s->b->len) {
		s->toobig = 1;
		return 0;
	}
	muster_buf_put(s->b, data, n);
	return s->b->err ? 0 : n;
}

int tilesrc_post(const char *url, const void *body, size_t n, muster_buf *resp, long *status, char *ctype,
	size_t ctype_cap, char *err, size_t errlen)
{
	*status = 0;
	if (ctype_cap)
		ctype[0] = 0;
	if (!has_prefix_ci(url, "https://") && !has_prefix_ci(url, "http://")) {
		fail(err, errlen, "%s: not an http:// or https:// URL", url);
		return MUSTER_EINVAL;
	}
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '#') {
			fail(err, errlen, "%s: a URL has no spaces, control characters or fragment", url);
			return MUSTER_EINVAL;
		}
	if (!url_has_host(url)) {
		fail(err, errlen, "%s: not a valid URL", url);
		return MUSTER_EINVAL;
	}
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		fail(err, errlen, "%s: cannot start libcurl: %s", url, curl_easy_strerror(curl_init_rc));
		return MUSTER_EIO;
	}
	if (resp->err) {
		fail(err, errlen, "%s: out of memory", url);
		return resp->err;
	}
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: text/plain"), *h2 = NULL;
	if (hdrs && !(h2 = curl_slist_append(hdrs, "Expect:"))) /* no 100-continue round trip */
		curl_slist_free_all(hdrs);
	hdrs = h2;
	if (!c || !hdrs) {
		curl_easy_cleanup(c);
		curl_slist_free_all(hdrs);
		fail(err, errlen, "%s: out of memory", url);
		return MUSTER_ENOMEM;
	}
	size_t was = resp->len;
	struct post_sink sink = {resp, was + TILESRC_POST_RESPONSE_MAX, 0};
	char curlerr[CURL_ERROR_SIZE] = "";
	CURLcode rc = curl_common(c, 300L, on_post_body, &sink, curlerr);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_URL, url);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)TILESRC_POST_RESPONSE_MAX);
	int ret = 0;
	if (rc != CURLE_OK) {
		fail(err, errlen, "%s: cannot set up libcurl: %s", url, curl_easy_strerror(rc));
		ret = MUSTER_EIO;
	} else if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		if (resp->err) {
			fail(err, errlen, "%s: out of memory", url);
			ret = resp->err;
		} else if (sink.toobig || rc == CURLE_FILESIZE_EXCEEDED) {
			fail(err, errlen, "%s: an answer of more than %zu bytes", url, TILESRC_POST_RESPONSE_MAX);
			ret = MUSTER_EIO;
		} else {
			fail(err, errlen, "%s: %s", url, curlerr[0] ? curlerr : curl_easy_strerror(rc));
			ret = MUSTER_EIO;
		}
	} else {
		char *ct = NULL;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct && ctype_cap)
			snprintf(ctype, ctype_cap, "%s", ct);
	}
	if (ret) {
		*status = 0;
		resp->len = was;
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return ret;
}

#undef SET
