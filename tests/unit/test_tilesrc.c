/*
 * test_tilesrc.c - reading tiles (tools/tilesrc.c): bundles built here by
 * hand as tiles.c's tar_put writes them, read back member by member, and
 * every kind of damage refused with the member named; entry bundles split;
 * a directory source; and an http:// source against a small server forked
 * on the loopback (200, 404, 500, too large, a refused connection).
 */
#include "tap.h"

#include "tilepath.h"
#include "tilesrc.h"

#include <muster/muster.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/test_tilesrc.XXXXXX";
static char err[512];

/* ---- a ustar writer, as tiles.c's tar_put, with knobs for damage -------- */

static void checksum(unsigned char *h)
{
	unsigned sum = 0;
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/* Appends one member; prefix (may be NULL) goes in the ustar prefix field. */
static void member_full(muster_buf *b, const char *prefix, const char *name, const void *data, size_t n, char type)
{
	unsigned char h[512] = {0};
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)n);
	memcpy(h + 136, "00000000000", 12);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	if (prefix)
		snprintf((char *)h + 345, 155, "%s", prefix);
	checksum(h);
	static const unsigned char zero[512];
	muster_buf_put(b, h, 512);
	muster_buf_put(b, data, n);
	muster_buf_put(b, zero, (512 - n % 512) % 512);
}

static void member(muster_buf *b, const char *name, const void *data, size_t n)
{
	member_full(b, NULL, name, data, n, '0');
}

static void end_blocks(muster_buf *b)
{
	static const unsigned char zero[1024];
	muster_buf_put(b, zero, sizeof zero);
}

/* The offset of member k's (1-based) header in a tar of b. */
static size_t header_of(const muster_buf *b, int k)
{
	size_t off = 0;
	for (int i = 1; i < k; i++) {
		unsigned long long n = strtoull((const char *)b->data + off + 124, NULL, 8);
		off += 512 + (size_t)((n + 511) / 512 * 512);
	}
	return off;
}

static const char *write_file(const char *leaf, const void *p, size_t n)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, leaf);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	return path;
}

/* ---- the good bundle ----------------------------------------------------- */

#define HEAD "muster-bundle v1\norigin team.example/log\nsince 256\nsize 300\n"
#define CK "team.example/log\n300\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 team.example/log abcd\n"
#define PROOF "{\"old_size\":256,\"new_size\":300,\"proof\":[]}\n"

struct good {
	muster_buf tar;
	muster_buf ent0, ent1, h0, h1, h10;
};

static void make_good(struct good *g)
{
	memset(g, 0, sizeof *g);
	for (int i = 0; i < 256; i++) {
		uint8_t e[3] = {(uint8_t)i, 'e', (uint8_t)(i * 7)};
		tile_entry_add((uint64_t)i, e, (size_t)(1 + i % 3), &g->ent0);
	}
	for (int i = 0; i < 44; i++) {
		uint8_t e[600];
		memset(e, 'a' + i % 26, sizeof e);
		tile_entry_add((uint64_t)(256 + i), e, 500 + (size_t)i, &g->ent1);
	}
	for (int i = 0; i < 256 * 32; i++)
		muster_buf_put(&g->h0, &(uint8_t){(uint8_t)(i * 31)}, 1);
	for (int i = 0; i < 44 * 32; i++)
		muster_buf_put(&g->h1, &(uint8_t){(uint8_t)(i * 17)}, 1);
	for (int i = 0; i < 32; i++)
		muster_buf_put(&g->h10, &(uint8_t){(uint8_t)i}, 1);
	member(&g->tar, "muster-bundle", HEAD, strlen(HEAD));
	member(&g->tar, "checkpoint", CK, strlen(CK));
	member(&g->tar, "consistency.json", PROOF, strlen(PROOF));
	member(&g->tar, "tile/entries/000", g->ent0.data, g->ent0.len);
	member(&g->tar, "tile/entries/001.p/44", g->ent1.data, g->ent1.len);
	member(&g->tar, "tile/0/000", g->h0.data, g->h0.len);
	member(&g->tar, "tile/0/001.p/44", g->h1.data, g->h1.len);
	/* POSIX's split of a long name: "tile/1" in the prefix field, "000.p/1" in the name. */
	member_full(&g->tar, "tile/1", "000.p/1", g->h10.data, g->h10.len, '0');
	end_blocks(&g->tar);
}

static void free_good(struct good *g)
{
	muster_buf_free(&g->tar);
	muster_buf_free(&g->ent0);
	muster_buf_free(&g->ent1);
	muster_buf_free(&g->h0);
	muster_buf_free(&g->h1);
	muster_buf_free(&g->h10);
}

static int same(const muster_buf *b, const void *p, size_t n)
{
	return b->len == n && memcmp(b->data, p, n) == 0;
}

static void test_good_bundle(void)
{
	struct good g;
	make_good(&g);
	const char *path = write_file("good.tar", g.tar.data, g.tar.len);
	struct tilesrc *t = NULL;
	int rc = tilesrc_open_bundle(path, &t, err, sizeof err);
	if (!ok(rc == 0 && t, "a good bundle opens")) {
		printf("#   %d %s\n", rc, err);
		free_good(&g);
		return;
	}
	static const char *const names[] = {"muster-bundle", "checkpoint", "consistency.json", "tile/entries/000",
		"tile/entries/001.p/44", "tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1"};
	is_int(tilesrc_count(t), 8, "it has 8 members");
	int names_ok = 1;
	for (size_t i = 0; i < 8; i++)
		names_ok &= tilesrc_name(t, i) && strcmp(tilesrc_name(t, i), names[i]) == 0;
	ok(names_ok && tilesrc_name(t, 8) == NULL, "members are named in file order, the prefix field joined");

	const struct {
		const char *name;
		const void *p;
		size_t n;
	} want[] = {
		{"muster-bundle", HEAD, strlen(HEAD)},
		{"checkpoint", CK, strlen(CK)},
		{"consistency.json", PROOF, strlen(PROOF)},
		{"tile/entries/000", g.ent0.data, g.ent0.len},
		{"tile/entries/001.p/44", g.ent1.data, g.ent1.len},
		{"tile/0/000", g.h0.data, g.h0.len},
		{"tile/0/001.p/44", g.h1.data, g.h1.len},
		{"tile/1/000.p/1", g.h10.data, g.h10.len},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		muster_buf b = {0};
		rc = tilesrc_get(t, want[i].name, &b, err, sizeof err);
		ok(rc == 0 && same(&b, want[i].p, want[i].n), "%s reads back (%zu bytes)", want[i].name, want[i].n);
		muster_buf_free(&b);
	}

	muster_buf b = {0};
	muster_buf_puts(&b, "kept");
	rc = tilesrc_get(t, "checkpoint", &b, err, sizeof err);
	ok(rc == 0 && b.len == 4 + strlen(CK) && memcmp(b.data, "kept", 4) == 0 && memcmp(b.data + 4, CK, strlen(CK)) == 0,
		"get appends to what the buffer holds");
	b.len = 4;
	rc = tilesrc_get(t, "tile/0/002", &b, err, sizeof err);
	ok(rc == MUSTER_ENOTFOUND && b.len == 4 && strstr(err, "tile/0/002"), "a tile not in the bundle: ENOTFOUND (%s)", err);
	rc = tilesrc_get(t, "tile/0/0", &b, err, sizeof err);
	ok(rc == MUSTER_EINVAL && b.len == 4 && strstr(err, "tile/0/0"), "a non-canonical name: EINVAL (%s)", err);
	rc = tilesrc_get(t, "../checkpoint", &b, err, sizeof err);
	is_int(rc, MUSTER_EINVAL, "../checkpoint: EINVAL");
	muster_buf_free(&b);

	char origin[64];
	uint64_t since = 1, size = 1;
	rc = tilesrc_bundle_info(t, origin, sizeof origin, &since, &size, err, sizeof err);
	ok(rc == 0 && strcmp(origin, "team.example/log") == 0 && since == 256 && size == 300, "bundle info: %s since %llu size %llu",
		origin, (unsigned long long)since, (unsigned long long)size);
	rc = tilesrc_bundle_info(t, origin, 10, &since, &size, err, sizeof err);
	ok(rc == MUSTER_EINVAL && strstr(err, "origin"), "an origin longer than the caller's buffer: EINVAL (%s)", err);
	tilesrc_close(t);
	free_good(&g);
}

/* ---- damaged bundles ----------------------------------------------------- */

/* Opens the bytes as a bundle and checks it is refused with EINVAL and a reason holding both strings. */
static void refused(const char *what, const void *p, size_t n, const char *name, const char *reason)
{
	const char *path = write_file("bad.tar", p, n);
	struct tilesrc *t = NULL;
	err[0] = 0;
	int rc = tilesrc_open_bundle(path, &t, err, sizeof err);
	if (!ok(rc == MUSTER_EINVAL && !t && strstr(err, name) && strstr(err, reason) && strstr(err, "bad.tar"), "%s: refused (%s)",
		    what, err))
		printf("#   rc %d, want the reason to name %s and say \"%s\"\n", rc, name, reason);
	tilesrc_close(t);
}

static void test_bad_bundles(void)
{
	struct good g;
	make_good(&g);
	muster_buf b = {0};

	/* A flipped byte in member 4's header (its uid). */
	muster_buf_put(&b, g.tar.data, g.tar.len);
	b.data[header_of(&b, 4) + 110] ^= 0x01;
	refused("a flipped byte in a header", b.data, b.len, "member 4 (tile/entries/000)", "checksum does not match");

	/* A directory, checksum and all correct. */
	b.len = 0;
	muster_buf_put(&b, g.tar.data, g.tar.len);
	b.data[header_of(&b, 6) + 156] = '5';
	checksum(b.data + header_of(&b, 6));
	refused("typeflag 5 (a directory)", b.data, b.len, "member 6 (tile/0/000)", "type '5'");

	b.len = 0;
	member_full(&b, NULL, "tile/0/000", g.h0.data, g.h0.len, '2');
	end_blocks(&b);
	refused("a symbolic link", b.data, b.len, "member 1 (tile/0/000)", "type '2'");
	b.len = 0;
	member_full(&b, NULL, "tile/0/000", g.h0.data, g.h0.len, 'x');
	end_blocks(&b);
	refused("a pax header", b.data, b.len, "member 1 (tile/0/000)", "type 'x'");

	/* The same name twice. */
	b.len = 0;
	member(&b, "checkpoint", CK, strlen(CK));
	member(&b, "tile/0/000", g.h0.data, g.h0.len);
	member(&b, "tile/0/000", g.h0.data, g.h0.len);
	end_blocks(&b);
	refused("a duplicate member", b.data, b.len, "member 3 (tile/0/000)", "a second member of that name (the first is member 2)");

	/* The same name, once through the prefix field. */
	b.len = 0;
	member(&b, "tile/0/000", g.h0.data, g.h0.len);
	member_full(&b, "tile/0", "000", g.h0.data, g.h0.len, '0');
	end_blocks(&b);
	refused("a duplicate spelled with the prefix field", b.data, b.len, "member 2 (tile/0/000)", "second member");

	b.len = 0;
	member(&b, "checkpoint", CK, strlen(CK));
	member(&b, "notes.txt", "hello\n", 6);
	end_blocks(&b);
	refused("an unknown member", b.data, b.len, "member 2 (notes.txt)", "not a member of a muster bundle");

	static const char *const odd[] = {"tile/0/0", "tile/0/000.p/256", "tile/0/000.p/0", "tile/0/x000/001", "tile/8/000",
		"tile/entries/000.p/05", "./checkpoint", "tile//0/000", "/checkpoint", "tile/0/000/"};
	for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
		b.len = 0;
		member(&b, odd[i], g.h10.data, g.h10.len);
		end_blocks(&b);
		refused("a name not as tlog-tiles spells it", b.data, b.len, odd[i], "member 1");
	}
	b.len = 0;
	member(&b, "tile/0/0", g.h10.data, g.h10.len);
	end_blocks(&b);
	refused("tile/0/0", b.data, b.len, "member 1 (tile/0/0)", "not a tile name as tlog-tiles spells it");

	/* Cut inside tile/entries/001.p/44's data. */
	size_t h5 = header_of(&g.tar, 5);
	char want[64];
	snprintf(want, sizeof want, "truncated (12 of %zu bytes)", g.ent1.len);
	refused("a file cut inside a member's data", g.tar.data, h5 + 512 + 12, "member 5 (tile/entries/001.p/44)", want);
	refused("a file cut inside a header", g.tar.data, h5 + 100, "member 5", "truncated header (100 of 512 bytes)");
	refused("a file cut inside the padding", g.tar.data, h5 + 512 + g.ent1.len + 1, "member 5 (tile/entries/001.p/44)",
		"padding");

	/* A size field that says more than the file holds. */
	b.len = 0;
	member(&b, "checkpoint", CK, strlen(CK));
	end_blocks(&b);
	snprintf((char *)b.data + 124, 12, "%011o", 4000u);
	checksum(b.data);
	refused("a size past the end of the file", b.data, b.len, "member 1 (checkpoint)", "truncated (1536 of 4000 bytes)");
	snprintf((char *)b.data + 124, 12, "%011o", 9000u);
	checksum(b.data);
	refused("a checkpoint over 8 KiB", b.data, b.len, "member 1 (checkpoint)", "9000 bytes, where it has 1 to 8192");
	memcpy(b.data + 124, "0000000001x\0", 12);
	checksum(b.data);
	refused("a size field that is not octal", b.data, b.len, "member 1 (checkpoint)", "not an octal number");
	b.data[124] = (char)0x80; /* GNU base-256 */
	checksum(b.data);
	refused("a base-256 size field", b.data, b.len, "member 1 (checkpoint)", "not an octal number");

	b.len = 0;
	member(&b, "tile/0/000.p/1", g.h0.data, 64);
	end_blocks(&b);
	refused("a hash tile longer than its width allows", b.data, b.len, "member 1 (tile/0/000.p/1)", "64 bytes, where it has 1 to 32");
	b.len = 0;
	member(&b, "checkpoint", "", 0);
	end_blocks(&b);
	refused("an empty member", b.data, b.len, "member 1 (checkpoint)", "0 bytes");

	/* Garbage, and another member, after the end. */
	b.len = 0;
	muster_buf_put(&b, g.tar.data, g.tar.len);
	muster_buf_put(&b, "garbage", 7);
	refused("garbage after the end blocks", b.data, b.len, "member 8 (tile/1/000.p/1)", "data after the end of the archive");
	b.len = 0;
	muster_buf_put(&b, g.tar.data, g.tar.len - 1024);
	end_blocks(&b);
	end_blocks(&b);
	end_blocks(&b); /* zeros after the end are padding, as tar pads to its record size */
	b.data[b.len - 1] = 1;
	refused("a non-zero byte in the record padding", b.data, b.len, "tile/1/000.p/1", "data after the end of the archive");
	b.len = 0;
	muster_buf_put(&b, g.tar.data, g.tar.len - 1024);
	end_blocks(&b);
	b.len -= 512;
	member(&b, "tile/2/000.p/1", g.h10.data, 32);
	end_blocks(&b);
	refused("a member after one zero block", b.data, b.len, "member 8 (tile/1/000.p/1)", "a header after the zero block");

	/* No end, and half an end. */
	refused("missing end blocks", g.tar.data, g.tar.len - 1024, "member 8 (tile/1/000.p/1)", "no end-of-archive blocks");
	refused("one end block of two", g.tar.data, g.tar.len - 512, "member 8 (tile/1/000.p/1)", "one zero block");

	/* Non-zero padding after a member's data. */
	b.len = 0;
	muster_buf_put(&b, g.tar.data, g.tar.len);
	b.data[header_of(&b, 2) + 512 + strlen(CK)] = 'x';
	refused("non-zero padding", b.data, b.len, "member 2 (checkpoint)", "padding");

	/* Not ustar: GNU's magic, and a file that is no tar at all. */
	b.len = 0;
	muster_buf_put(&b, g.tar.data, g.tar.len);
	memcpy(b.data + header_of(&b, 3) + 257, "ustar  \0", 8);
	checksum(b.data + header_of(&b, 3));
	refused("GNU tar's magic", b.data, b.len, "member 3 (consistency.json)", "not a POSIX ustar header");
	refused("not a tar file", "PK\3\4 a zip file, say, and long enough to hold a header...", 56, "bad.tar", "truncated header");
	b.len = 0;
	for (int i = 0; i < 1024; i++)
		muster_buf_put(&b, "z", 1);
	refused("1 KiB of z", b.data, b.len, "bad.tar", "not a POSIX ustar archive");
	refused("an empty file", "", 0, "bad.tar", "empty file");

	/* A missing file, and a directory. */
	struct tilesrc *t = NULL;
	char path[300];
	snprintf(path, sizeof path, "%s/none.tar", tmpdir);
	int rc = tilesrc_open_bundle(path, &t, err, sizeof err);
	ok(rc == MUSTER_ENOTFOUND && !t && strstr(err, "none.tar"), "a missing bundle: ENOTFOUND (%s)", err);
	rc = tilesrc_open_bundle(tmpdir, &t, err, sizeof err);
	ok(rc == MUSTER_EINVAL && !t && strstr(err, "not a regular file"), "a directory as a bundle: EINVAL (%s)", err);

	muster_buf_free(&b);
	free_good(&g);
}

/* ---- the muster-bundle member -------------------------------------------- */

static void info_case(const char *what, const char *head, int want_rc, const char *reason)
{
	muster_buf b = {0};
	if (head)
		member(&b, "muster-bundle", head, strlen(head));
	member(&b, "checkpoint", CK, strlen(CK));
	end_blocks(&b);
	const char *path = write_file("info.tar", b.data, b.len);
	muster_buf_free(&b);
	struct tilesrc *t = NULL;
	int rc = tilesrc_open_bundle(path, &t, err, sizeof err);
	if (!ok(rc == 0, "%s: the tar opens", what)) {
		printf("#   %s\n", err);
		return;
	}
	char origin[256];
	uint64_t since, size;
	err[0] = 0;
	memset(origin, 'x', sizeof origin);
	rc = tilesrc_bundle_info(t, origin, sizeof origin, &since, &size, err, sizeof err);
	if (want_rc == 0)
		ok(rc == 0, "%s: read (%s %llu %llu)", what, rc ? err : origin, rc ? 0ULL : (unsigned long long)since,
			rc ? 0ULL : (unsigned long long)size);
	else /* every refusal leaves the origin empty (found by tests/fuzz/fuzz_bundle.c: not when the member was missing) */
		ok(rc == want_rc && strstr(err, reason) && strstr(err, "info.tar") && origin[0] == 0, "%s: refused (%s)", what, err);
	tilesrc_close(t);
}

static void test_bundle_info(void)
{
	info_case("since 0", "muster-bundle v1\norigin o\nsince 0\nsize 0\n", 0, NULL);
	info_case("the largest sizes", "muster-bundle v1\norigin o\nsince 18446744073709551615\nsize 18446744073709551615\n", 0,
		NULL);
	info_case("no muster-bundle member", NULL, MUSTER_EINVAL, "no muster-bundle member");
	info_case("version 2", "muster-bundle v2\norigin o\nsince 0\nsize 1\n", MUSTER_EINVAL, "version");
	info_case("not a bundle head", "hello\n", MUSTER_EINVAL, "muster-bundle");
	info_case("lines out of order", "muster-bundle v1\norigin o\nsize 1\nsince 0\n", MUSTER_EINVAL, "since M");
	info_case("an origin with a space", "muster-bundle v1\norigin a b\nsince 0\nsize 1\n", MUSTER_EINVAL, "origin");
	info_case("an empty origin", "muster-bundle v1\norigin \nsince 0\nsize 1\n", MUSTER_EINVAL, "origin");
	info_case("a leading zero", "muster-bundle v1\norigin o\nsince 01\nsize 1\n", MUSTER_EINVAL, "since M");
	info_case("a sign", "muster-bundle v1\norigin o\nsince +1\nsize 1\n", MUSTER_EINVAL, "since M");
	info_case("past 2^64", "muster-bundle v1\norigin o\nsince 0\nsize 18446744073709551616\n", MUSTER_EINVAL, "size N");
	info_case("no final newline", "muster-bundle v1\norigin o\nsince 0\nsize 1", MUSTER_EINVAL, "size N");
	info_case("CRLF", "muster-bundle v1\r\norigin o\r\nsince 0\r\nsize 1\r\n", MUSTER_EINVAL, "version");
	info_case("a fifth line", "muster-bundle v1\norigin o\nsince 0\nsize 1\nmore 1\n", MUSTER_EINVAL, "more after");
	info_case("since past size", "muster-bundle v1\norigin o\nsince 2\nsize 1\n", MUSTER_EINVAL, "past size");
}

/*
 * An empty tar (the two end blocks alone) opens with no members, and every
 * lookup in it is "not there" (found by tests/fuzz/fuzz_bundle.c: the
 * lookup read the name table an empty bundle never made, and `muster
 * mirror import` of 1024 zero bytes crashed).
 */
static void test_empty_bundle(void)
{
	static const unsigned char zeros[1024];
	const char *path = write_file("empty.tar", zeros, sizeof zeros);
	struct tilesrc *t = NULL;
	int rc = tilesrc_open_bundle(path, &t, err, sizeof err);
	if (!ok(rc == 0 && t && tilesrc_count(t) == 0 && tilesrc_name(t, 0) == NULL, "an empty tar opens, with no members")) {
		printf("#   %s\n", err);
		return;
	}
	char origin[64];
	uint64_t since, size;
	rc = tilesrc_bundle_info(t, origin, sizeof origin, &since, &size, err, sizeof err);
	ok(rc == MUSTER_EINVAL && strstr(err, "no muster-bundle member") && origin[0] == 0,
		"an empty tar is no muster bundle (%s)", err);
	muster_buf b = {0};
	rc = tilesrc_get(t, "checkpoint", &b, err, sizeof err);
	ok(rc == MUSTER_ENOTFOUND && b.len == 0 && strstr(err, "no member checkpoint"), "nothing in it is found (%s)", err);
	muster_buf_free(&b);
	tilesrc_close(t);
}

/* ---- entry bundles -------------------------------------------------------- */

static void test_split(void)
{
	const uint8_t *ent[4];
	size_t len[4];
	static const uint8_t good[] = {0, 1, 'a', 0, 3, 'b', 'c', 'd', 0, 2, 'e', 'f'};
	int rc = tile_entries_split(good, sizeof good, 3, ent, len, err, sizeof err);
	ok(rc == 0 && len[0] == 1 && ent[0] == good + 2 && len[1] == 3 && memcmp(ent[1], "bcd", 3) == 0 && len[2] == 2 &&
			ent[2] == good + 10,
		"three entries split in place");
	rc = tile_entries_split(good, sizeof good - 1, 3, ent, len, err, sizeof err);
	ok(rc == MUSTER_EINVAL && strstr(err, "truncated") && strstr(err, "entry 2"), "an entry cut short (%s)", err);
	rc = tile_entries_split(good, 9, 3, ent, len, err, sizeof err);
	ok(rc == MUSTER_EINVAL && strstr(err, "truncated") && strstr(err, "length"), "a length cut short (%s)", err);
	static const uint8_t empty[] = {0, 1, 'a', 0, 0, 0, 1, 'b'};
	rc = tile_entries_split(empty, sizeof empty, 3, ent, len, err, sizeof err);
	ok(rc == MUSTER_EINVAL && strstr(err, "entry 1 is empty"), "a zero-length entry (%s)", err);
	uint8_t trail[sizeof good + 1];
	memcpy(trail, good, sizeof good);
	trail[sizeof good] = 0;
	rc = tile_entries_split(trail, sizeof trail, 3, ent, len, err, sizeof err);
	ok(rc == MUSTER_EINVAL && strstr(err, "1 trailing bytes"), "a trailing byte (%s)", err);
	rc = tile_entries_split(good, sizeof good, 2, ent, len, err, sizeof err);
	ok(rc == MUSTER_EINVAL && strstr(err, "holds 3 entries where it should hold 2"), "one entry more than wanted (%s)", err);
	rc = tile_entries_split(good, sizeof good, 4, ent, len, err, sizeof err);
	ok(rc == MUSTER_EINVAL && strstr(err, "holds 3 entries where it should hold 4"), "one entry fewer than wanted (%s)", err);
	rc = tile_entries_split(good, 0, 0, ent, len, err, sizeof err);
	is_int(rc, 0, "no bytes, no entries");
	uint8_t big[2 + 65535];
	big[0] = 0xff;
	big[1] = 0xff;
	memset(big + 2, 'x', 65535);
	rc = tile_entries_split(big, sizeof big, 1, ent, len, err, sizeof err);
	ok(rc == 0 && len[0] == 65535, "a 65,535-byte entry");
}

/* ---- consistency.json ----------------------------------------------------- */

static int proof_case(const char *text, uint64_t *old, uint64_t *nw, size_t *count)
{
	static uint8_t proof[MUSTER_PROOF_MAX][MUSTER_HASH_BYTES];
	return tile_proof_parse((const uint8_t *)text, strlen(text), old, nw, proof, count);
}

static void test_proof(void)
{
	uint64_t old = 0, nw = 0;
	size_t n = 0;
	const char *h = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	char good[200];
	snprintf(good, sizeof good, "{\"old_size\":3,\"new_size\":9,\"proof\":[\"%s\",\"%s\"]}\n", h, h);
	ok(proof_case(good, &old, &nw, &n) == 0 && old == 3 && nw == 9 && n == 2, "consistency.json as muster writes it");
	ok(proof_case("{\"old_size\":256,\"new_size\":256,\"proof\":[]}", &old, &nw, &n) == 0 && old == 256 && n == 0,
		"no final newline, no hashes");
	/* Found by tests/fuzz/fuzz_tiles.c: sscanf took the sizes without the comma after them, strstr the proof anywhere. */
	old = nw = 7;
	is_int(proof_case("{\"old_size\":256,\"new_size\":25\"proof\":[]}\n", &old, &nw, &n), MUSTER_EINVAL,
		"a missing comma is refused");
	ok(old == 7 && nw == 7, "and the outputs are left alone");
	static const char *const bad[] = {
		"{\"old_size\": 3,\"new_size\":9,\"proof\":[]}\n",
		"{\"old_size\":+3,\"new_size\":9,\"proof\":[]}\n",
		"{\"old_size\":03,\"new_size\":9,\"proof\":[]}\n",
		"{\"old_size\":3,\"new_size\":18446744073709551616,\"proof\":[]}\n",
		"{\"old_size\":3,\"new_size\":9,\"x\":1,\"proof\":[]}\n",
		"{\"old_size\":3,\"new_size\":9,\"proof\":[]}\n\n",
		"{\"old_size\":3,\"new_size\":9,\"proof\":[]} ",
		"{\"old_size\":3,\"new_size\":9,\"proof\":[\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\",]}\n",
		"{\"old_size\":3,\"new_size\":9,\"proof\":[\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"]}\n",
		/* libsodium 1.0.18 reads a byte >= 0x80 as '/': "/" and "\xbb" would both be accepted */
		"{\"old_size\":3,\"new_size\":9,\"proof\":[\"\xbbAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"]}\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is_int(proof_case(bad[i], &old, &nw, &n), MUSTER_EINVAL, "another spelling of consistency.json is refused (%zu)", i);
}

/* ---- directories ---------------------------------------------------------- */

static void test_dir(void)
{
	char d[300], p[400];
	snprintf(d, sizeof d, "%s/export", tmpdir);
	mkdir(d, 0755);
	snprintf(p, sizeof p, "%s/tile", d);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/tile/0", d);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/tile/0/001", d); /* a directory where a tile should be */
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/tile/0/000.p", d);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/tile/entries", d);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/tile/entries/000.p", d);
	mkdir(p, 0755);
	write_file("export/checkpoint", CK, strlen(CK));
	write_file("export/tile/0/000.p/2", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64);
	write_file("export/tile/0/000.p/1", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64);
	char bigck[9000];
	memset(bigck, 'c', sizeof bigck);
	write_file("export/tile/entries/000.p/1", bigck, 3);
	write_file("x", "secret", 6);

	struct tilesrc *t = NULL;
	snprintf(p, sizeof p, "%s/", d);
	int rc = tilesrc_open_dir(p, &t, err, sizeof err);
	if (!ok(rc == 0 && t, "a directory opens")) {
		printf("#   %s\n", err);
		return;
	}
	is_int(tilesrc_count(t), 0, "a directory lists no members");
	muster_buf b = {0};
	rc = tilesrc_get(t, "checkpoint", &b, err, sizeof err);
	ok(rc == 0 && same(&b, CK, strlen(CK)), "checkpoint reads");
	b.len = 0;
	rc = tilesrc_get(t, "tile/0/000.p/2", &b, err, sizeof err);
	ok(rc == 0 && b.len == 64, "tile/0/000.p/2 reads");
	b.len = 0;
	rc = tilesrc_get(t, "tile/0/000.p/1", &b, err, sizeof err);
	ok(rc == MUSTER_EINVAL && b.len == 0 && strstr(err, "tile/0/000.p/1") && strstr(err, "64 bytes"),
		"a tile larger than its width allows (%s)", err);
	rc = tilesrc_get(t, "tile/0/002", &b, err, sizeof err);
	ok(rc == MUSTER_ENOTFOUND && strstr(err, "tile/0/002"), "a missing file: ENOTFOUND (%s)", err);
	rc = tilesrc_get(t, "tile/entries/x001/000", &b, err, sizeof err);
	ok(rc == MUSTER_ENOTFOUND, "a missing directory: ENOTFOUND (%s)", err);
	rc = tilesrc_get(t, "tile/0/001", &b, err, sizeof err);
	ok(rc == MUSTER_EINVAL && strstr(err, "not a regular file"), "a directory in a tile's place: EINVAL (%s)", err);
	rc = tilesrc_get(t, "../x", &b, err, sizeof err);
	ok(rc == MUSTER_EINVAL && b.len == 0 && strstr(err, "../x"), "../x: EINVAL (%s)", err);
	rc = tilesrc_get(t, "tile/0/../../../x", &b, err, sizeof err);
	is_int(rc, MUSTER_EINVAL, "tile/0/../../../x: EINVAL");
	rc = tilesrc_get(t, "tile/entries/000.p/1", &b, err, sizeof err);
	ok(rc == 0 && b.len == 3, "an entry bundle reads (what it holds is the caller's to check)");
	tilesrc_close(t);
	muster_buf_free(&b);

	write_file("export/checkpoint", bigck, sizeof bigck);
	rc = tilesrc_open_dir(d, &t, err, sizeof err);
	b.len = 0;
	rc = rc ? rc : tilesrc_get(t, "checkpoint", &b, err, sizeof err);
	ok(rc == MUSTER_EINVAL && strstr(err, "9000 bytes"), "a checkpoint over 8 KiB (%s)", err);
	char origin[8];
	uint64_t a, z;
	rc = tilesrc_bundle_info(t, origin, sizeof origin, &a, &z, err, sizeof err);
	ok(rc == MUSTER_EINVAL && strstr(err, "not a bundle"), "bundle info of a directory: EINVAL (%s)", err);
	tilesrc_close(t);
	muster_buf_free(&b);

	snprintf(p, sizeof p, "%s/none", tmpdir);
	rc = tilesrc_open_dir(p, &t, err, sizeof err);
	ok(rc == MUSTER_ENOTFOUND && !t, "a missing directory (%s)", err);
	snprintf(p, sizeof p, "%s/x", tmpdir);
	rc = tilesrc_open_dir(p, &t, err, sizeof err);
	ok(rc == MUSTER_EINVAL && !t && strstr(err, "not a directory"), "a file as a directory (%s)", err);
}

/* ---- http ------------------------------------------------------------------ */

/* A listening socket on 127.0.0.1 and its port; -1 if none. */
static int listen_loopback(int *port, int do_listen)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || (do_listen && listen(s, 8) != 0) ||
		getsockname(s, (struct sockaddr *)&a, &al) != 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return s;
}

static void send_all(int c, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(c, p, n);
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

/*
 * The server: one request a connection; 400 without a User-Agent of
 * muster/..., else by path: /log/checkpoint 200,
 * /log/tile/0/000.p/1 200 with 32 bytes, /log/tile/0/000.p/2 200 with 100
 * bytes and no Content-Length (over its limit), /log/tile/0/000 500,
 * /log/tile/entries/000 a redirect to ftp://, anything else 404.
 */
static void serve(int s)
{
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			_exit(0);
		char req[4096];
		size_t n = 0;
		while (n < sizeof req - 1) {
			ssize_t k = read(c, req + n, sizeof req - 1 - n);
			if (k <= 0)
				break;
			n += (size_t)k;
			req[n] = 0;
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[n] = 0;
		char path[256] = "";
		sscanf(req, "GET %255s", path);
		char body[128];
		memset(body, 'h', sizeof body);
		if (!strstr(req, "\r\nUser-Agent: muster/")) {
			static const char h[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
			send_all(c, h, sizeof h - 1);
		} else if (strcmp(path, "/log/checkpoint") == 0) {
			char r[512];
			int k = snprintf(r, sizeof r, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
				strlen(CK), CK);
			send_all(c, r, (size_t)k);
		} else if (strcmp(path, "/log/tile/0/000.p/1") == 0) {
			static const char h[] = "HTTP/1.1 200 OK\r\nContent-Length: 32\r\nConnection: close\r\n\r\n";
			send_all(c, h, sizeof h - 1);
			send_all(c, body, 32);
		} else if (strcmp(path, "/log/tile/0/000.p/2") == 0) {
			static const char h[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
			send_all(c, h, sizeof h - 1);
			send_all(c, body, 100);
		} else if (strcmp(path, "/log/tile/0/000") == 0) {
			static const char h[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\noops";
			send_all(c, h, sizeof h - 1);
		} else if (strcmp(path, "/log/tile/entries/000") == 0) {
			static const char h[] = "HTTP/1.1 302 Found\r\nLocation: ftp://127.0.0.1/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
			send_all(c, h, sizeof h - 1);
		} else {
			static const char h[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found";
			send_all(c, h, sizeof h - 1);
		}
		close(c);
	}
}

static void test_url(void)
{
	struct tilesrc *t = NULL;
	static const char *const bad[] = {"ftp://127.0.0.1/", "file:///etc", "127.0.0.1:8080", "http://127.0.0.1/a b",
		"http://127.0.0.1/?q=1", "http://127.0.0.1/#x", "http://"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = tilesrc_open_url(bad[i], &t, err, sizeof err);
		ok(rc == MUSTER_EINVAL && !t && strstr(err, bad[i]), "%s: EINVAL (%s)", bad[i], err);
	}

	int port, s = listen_loopback(&port, 1);
	if (s < 0) {
		printf("ok %d # SKIP no loopback socket: %s\n", ++tap_n, strerror(errno));
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		serve(s);
	close(s);
	char base[64];
	snprintf(base, sizeof base, "HTTP://127.0.0.1:%d/log/", port);
	int rc = tilesrc_open_url(base, &t, err, sizeof err);
	if (ok(rc == 0 && t, "%s opens", base)) {
		muster_buf b = {0};
		muster_buf_puts(&b, "kept");
		rc = tilesrc_get(t, "checkpoint", &b, err, sizeof err);
		if (!ok(rc == 0 && b.len == 4 + strlen(CK) && memcmp(b.data + 4, CK, strlen(CK)) == 0,
			    "HTTP 200: the checkpoint, appended (the server answers 400 without User-Agent muster/...)"))
			printf("#   %d %s\n", rc, err);
		b.len = 0;
		rc = tilesrc_get(t, "tile/0/000.p/1", &b, err, sizeof err);
		ok(rc == 0 && b.len == 32, "HTTP 200: a 32-byte tile");
		b.len = 0;
		rc = tilesrc_get(t, "tile/0/001", &b, err, sizeof err);
		ok(rc == MUSTER_ENOTFOUND && b.len == 0 && strstr(err, "/log/tile/0/001"), "HTTP 404: ENOTFOUND (%s)", err);
		rc = tilesrc_get(t, "tile/0/000", &b, err, sizeof err);
		ok(rc == MUSTER_EIO && b.len == 0 && strstr(err, "/log/tile/0/000: HTTP 500"), "HTTP 500: EIO (%s)", err);
		rc = tilesrc_get(t, "tile/0/000.p/2", &b, err, sizeof err);
		ok(rc == MUSTER_EINVAL && b.len == 0 && strstr(err, "more than the 64 bytes"), "a body over the limit (%s)", err);
		rc = tilesrc_get(t, "tile/entries/000", &b, err, sizeof err);
		ok(rc == MUSTER_EIO && b.len == 0 && strstr(err, "/log/tile/entries/000"), "a redirect to ftp:// is not followed (%s)",
			err);
		rc = tilesrc_get(t, "tile/00/000", &b, err, sizeof err);
		is_int(rc, MUSTER_EINVAL, "a non-canonical name is not fetched");
		muster_buf_free(&b);
		tilesrc_close(t);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);

	/* A port bound but not listening: the connection is refused. */
	s = listen_loopback(&port, 0);
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
	rc = tilesrc_open_url(base, &t, err, sizeof err);
	if (ok(rc == 0, "%s opens (nothing is fetched yet)", base)) {
		muster_buf b = {0};
		rc = tilesrc_get(t, "checkpoint", &b, err, sizeof err);
		ok(rc == MUSTER_EIO && b.len == 0 && strstr(err, "/checkpoint: "), "a refused connection: EIO (%s)", err);
		muster_buf_free(&b);
		tilesrc_close(t);
	}
	if (s >= 0)
		close(s);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	test_good_bundle();
	test_bad_bundles();
	test_bundle_info();
	test_empty_bundle();
	test_split();
	test_proof();
	test_dir();
	test_url();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return done_testing();
}
