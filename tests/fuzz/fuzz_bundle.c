/*
 * fuzz_bundle.c - libFuzzer target for the reader of `muster log bundle`
 * files (tools/tilesrc.c): a POSIX tar of muster-bundle, checkpoint,
 * consistency.json and tiles, checked whole at open, then read member by
 * member, as `muster mirror import` reads it.
 *
 * The input after the first byte is the file, written to a memfd that
 * tilesrc_open_bundle opens by its /proc/self/fd path.  Bit 0 of the first
 * byte first puts right the checksum of every header the members' sizes
 * lead to, so mutations get past the checksum to the rules behind it.
 * Properties:
 *
 *   open:    a file refused says why in one line naming the file, and
 *            gives no source; in one opened (an empty tar opens, and is
 *            then no muster bundle) each member has a distinct canonical
 *            name (tilesrc_name past the end is NULL), and headers, data and
 *            padding fit in the file with the two end blocks after them;
 *   members: each reads back whole, 1 byte to its name's limit, the same
 *            twice, appended after what the buffer held; bytes that are in
 *            the file; a name not in the bundle is MUSTER_ENOTFOUND and a
 *            non-canonical one MUSTER_EINVAL, the buffer left as it was;
 *   info:    muster-bundle that reads is exactly the four lines written for
 *            the origin, since and size read (since <= size, a valid log
 *            name), and a refusal leaves the origin empty; the entry tiles
 *            and consistency.json go through their own readers.
 * A broken property calls abort().  With -DMUSTER_FUZZ_SEEDS it writes the
 * seed corpus (tests/fuzz/corpus/bundle).
 */
#define _GNU_SOURCE /* memfd_create, memmem */
#include "internal.h"
#include "tilepath.h"
#include "tilesrc.h"

#include <inttypes.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static int memfd = -1;
static char bundle_path[64]; /* the memfd, by name */

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_bundle: property broken: %s\n", what);
		abort();
	}
}

static void one_line(const char *why)
{
	check(why[0] != 0, "a refusal without a reason");
	check(!strchr(why, '\n') && !strchr(why, '\r'), "a reason of more than one line");
}

static uint64_t octal_lenient(const uint8_t *f, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && f[i] >= '0' && f[i] <= '7' && v < (1ull << 40); i++)
		v = v * 8 + (uint64_t)(f[i] - '0');
	return v;
}

/* Writes the right checksum into each header the sizes lead to, as tiles.c's tar_put does. */
static void fix_checksums(uint8_t *p, size_t n)
{
	for (size_t off = 0; off + 512 <= n;) {
		uint8_t *h = p + off;
		size_t z = 0;
		while (z < 512 && !h[z])
			z++;
		if (z == 512)
			break;
		memset(h + 148, ' ', 8);
		unsigned sum = 0;
		for (int i = 0; i < 512; i++)
			sum += h[i];
		snprintf((char *)h + 148, 8, "%06o", sum);
		uint64_t size = octal_lenient(h + 124, 12);
		off += 512 + (size_t)((size + 511) / 512 * 512);
	}
}

/* The size limit of a member name (tilesrc.c's member_cap), or 0. */
static size_t cap_of(const char *name)
{
	int level;
	uint64_t idx;
	size_t w;
	char again[64];
	if (strcmp(name, "checkpoint") == 0 || strcmp(name, "muster-bundle") == 0)
		return 8192;
	if (strcmp(name, "consistency.json") == 0)
		return 65536;
	if (strlen(name) > 63 || tile_parse(name, &level, &idx, &w) != 0)
		return 0;
	tile_name(again, sizeof again, level, idx, w);
	if (strcmp(again, name) != 0)
		return 0;
	return level == TILE_ENTRIES ? w * (2 + 65535) : w * MUSTER_HASH_BYTES;
}

static void member(struct tilesrc *t, const char *name, const uint8_t *file, size_t fsize, uint64_t *used)
{
	muster_buf b = {0}, again = {0};
	char err[512];
	size_t cap = cap_of(name);
	check(cap > 0, "a member under a name that is not a bundle member's");
	muster_buf_puts(&b, "kept");
	int rc = tilesrc_get(t, name, &b, err, sizeof err);
	check(rc == 0, "a member the bundle lists does not read");
	size_t n = b.len - 4;
	check(memcmp(b.data, "kept", 4) == 0 && n >= 1 && n <= cap, "a member of a size past its limit, or not appended");
	check(memmem(file, fsize, b.data + 4, n) != NULL, "a member's bytes are not in the file");
	check(tilesrc_get(t, name, &again, err, sizeof err) == 0 && again.len == n && memcmp(again.data, b.data + 4, n) == 0,
		"a member reads differently twice");
	*used += 512 + (n + 511) / 512 * 512;

	/* What the mirror makes of it. */
	int level;
	uint64_t idx;
	size_t w;
	if (strcmp(name, "consistency.json") == 0) {
		static uint8_t proof[MUSTER_PROOF_MAX][MUSTER_HASH_BYTES];
		uint64_t old, nw;
		size_t count;
		(void)tile_proof_parse(again.data, again.len, &old, &nw, proof, &count);
	} else if (strcmp(name, "checkpoint") == 0) {
		muster_checkpoint ck;
		if (muster_checkpoint_parse(again.data, again.len, &ck) == 0)
			check(muster_note_name_valid(ck.origin, strlen(ck.origin)), "a checkpoint of an invalid origin");
	} else if (tile_parse(name, &level, &idx, &w) == 0 && level == TILE_ENTRIES) {
		const uint8_t *ent[256];
		size_t len[256];
		rc = tile_entries_split(again.data, again.len, w, ent, len, err, sizeof err);
		if (rc)
			one_line(err);
	}
	muster_buf_free(&b);
	muster_buf_free(&again);
}

static void info(struct tilesrc *t, const uint8_t *file, size_t fsize)
{
	char origin[MUSTER_ORIGIN_MAX + 1], small[8], err[512];
	uint64_t since = 0, size = 0;
	memset(origin, 'x', sizeof origin);
	int rc = tilesrc_bundle_info(t, origin, sizeof origin, &since, &size, err, sizeof err);
	check(rc == 0 || rc == MUSTER_EINVAL, "bundle info returned an odd code");
	if (rc != 0) {
		one_line(err);
		check(origin[0] == 0, "a refused muster-bundle left an origin");
		return;
	}
	check(since <= size && muster_note_name_valid(origin, strlen(origin)), "muster-bundle read out of its rules");
	muster_buf want = {0}, got = {0};
	muster_buf_printf(&want, "muster-bundle v1\norigin %s\nsince %" PRIu64 "\nsize %" PRIu64 "\n", origin, since, size);
	check(tilesrc_get(t, "muster-bundle", &got, err, sizeof err) == 0 && got.len == want.len &&
			memcmp(got.data, want.data, want.len) == 0,
		"muster-bundle is not what muster log bundle writes for it");
	check(memmem(file, fsize, want.data, want.len) != NULL, "muster-bundle is not in the file");
	rc = tilesrc_bundle_info(t, small, sizeof small, &since, &size, err, sizeof err);
	check(strlen(origin) < sizeof small ? rc == 0 && strcmp(small, origin) == 0 : rc == MUSTER_EINVAL && small[0] == 0,
		"an origin that does not fit the caller's buffer");
	muster_buf_free(&want);
	muster_buf_free(&got);
}

static void one_input(const uint8_t *data, size_t size)
{
	if (size == 0)
		return;
	size_t n = size - 1;
	uint8_t *file = malloc(n ? n : 1);
	if (!file)
		abort();
	memcpy(file, data + 1, n);
	if (data[0] & 1)
		fix_checksums(file, n);
	if (ftruncate(memfd, 0) != 0 || (n && pwrite(memfd, file, n, 0) != (ssize_t)n))
		abort();

	struct tilesrc *t = (struct tilesrc *)&memfd;
	char err[512];
	err[0] = 0;
	int rc = tilesrc_open_bundle(bundle_path, &t, err, sizeof err);
	check(rc == 0 || rc == MUSTER_EINVAL, "open returned an odd code");
	if (rc != 0) {
		check(t == NULL, "a refused bundle gave a source");
		one_line(err);
		check(strstr(err, bundle_path) != NULL, "a refusal does not name the file");
		free(file);
		return;
	}
	size_t count = tilesrc_count(t);
	check(tilesrc_name(t, count) == NULL, "a name past the end");
	uint64_t used = 1024;
	for (size_t i = 0; i < count; i++) {
		const char *name = tilesrc_name(t, i);
		check(name != NULL, "a member without a name");
		for (size_t k = 0; k < i; k++)
			check(strcmp(tilesrc_name(t, k), name) != 0, "two members of one name");
		member(t, name, file, n, &used);
	}
	check(used <= n, "the members and the end blocks do not fit in the file");

	muster_buf b = {0};
	muster_buf_puts(&b, "kept");
	check(tilesrc_get(t, "tile/0/x000/001", &b, err, sizeof err) == MUSTER_EINVAL && b.len == 4,
		"a second spelling of a tile name was looked up");
	int absent = 1;
	for (size_t i = 0; i < count; i++)
		absent &= strcmp(tilesrc_name(t, i), "tile/7/x999/999") != 0;
	check(tilesrc_get(t, "tile/7/x999/999", &b, err, sizeof err) == (absent ? MUSTER_ENOTFOUND : 0) &&
			(!absent || b.len == 4),
		"a tile not in the bundle was found");
	muster_buf_free(&b);
	info(t, file, n);
	tilesrc_close(t);
	free(file);
}

static void fuzz_init(void)
{
	if (muster_init() != 0 || (memfd = memfd_create("fuzz_bundle", MFD_CLOEXEC)) < 0)
		abort();
	snprintf(bundle_path, sizeof bundle_path, "/proc/self/fd/%d", memfd);
}

#include "fuzz.h"

#ifdef MUSTER_FUZZ_SEEDS /* write the seed corpus */

/* One member as tiles.c's tar_put writes it. */
static void tar_put(muster_buf *b, const char *name, const void *data, size_t n)
{
	unsigned char h[512] = {0};
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)n);
	memcpy(h + 136, "00000000000", 12);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	static const unsigned char zero[512];
	muster_buf_put(b, h, 512);
	muster_buf_put(b, data, n);
	muster_buf_put(b, zero, (512 - n % 512) % 512);
}

static void end(muster_buf *b)
{
	static const unsigned char zero[1024];
	muster_buf_put(b, zero, sizeof zero);
}

static void bundle(const char *name, int fix, const muster_buf *tar)
{
	muster_buf b = {0};
	uint8_t m = (uint8_t)fix;
	muster_buf_put(&b, &m, 1);
	muster_buf_put(&b, tar->data, tar->len);
	save(name, &b);
	muster_buf_free(&b);
}

#define PUT(b, name, lit) tar_put(b, name, lit, sizeof lit - 1)

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	fuzz_init();

	/* A bundle of 3 entries since 1, as `muster log bundle --since 1` makes it. */
	uint8_t seed[32] = {3};
	muster_signer *k;
	if (muster_signer_from_seed(seed, &k) != 0)
		return 1;
	uint8_t root[MUSTER_HASH_BYTES], hashes[3 * MUSTER_HASH_BYTES];
	for (size_t i = 0; i < sizeof hashes; i++)
		hashes[i] = (uint8_t)(i * 13);
	memcpy(root, hashes, sizeof root);
	muster_buf text = {0}, note = {0}, ents = {0}, tar = {0}, proof = {0};
	muster_checkpoint_format(&text, "team.example/log", 3, root);
	if (muster_note_sign(&note, (const char *)text.data, text.len, "team.example/log", muster_signer_sk(k)) != 0)
		return 1;
	static const char *const e[3] = {"first entry", "\x01\x02\x03", "third"};
	for (int i = 0; i < 3; i++)
		if (tile_entry_add((uint64_t)i, (const uint8_t *)e[i], strlen(e[i]), &ents) != 0)
			return 1;
	muster_buf_puts(&proof, "{\"old_size\":1,\"new_size\":3,\"proof\":[");
	muster_json_b64(&proof, hashes + 32, MUSTER_HASH_BYTES);
	muster_buf_puts(&proof, ",");
	muster_json_b64(&proof, hashes + 64, MUSTER_HASH_BYTES);
	muster_buf_puts(&proof, "]}\n");
	PUT(&tar, "muster-bundle", "muster-bundle v1\norigin team.example/log\nsince 1\nsize 3\n");
	tar_put(&tar, "checkpoint", note.data, note.len);
	tar_put(&tar, "consistency.json", proof.data, proof.len);
	tar_put(&tar, "tile/entries/000.p/3", ents.data, ents.len);
	tar_put(&tar, "tile/0/000.p/3", hashes, sizeof hashes);
	end(&tar);
	bundle("bundle", 0, &tar);
	bundle("bundle_fix", 1, &tar);

	/* Since 0: no consistency.json; a name in the prefix field; padding past the end blocks. */
	muster_buf_reset(&tar);
	PUT(&tar, "muster-bundle", "muster-bundle v1\norigin team.example/log\nsince 0\nsize 3\n");
	tar_put(&tar, "checkpoint", note.data, note.len);
	tar_put(&tar, "tile/entries/000.p/3", ents.data, ents.len);
	end(&tar);
	end(&tar);
	bundle("bundle_since0", 1, &tar);

	/* Refused: a second member of one name; a non-canonical tile name; cut short. */
	muster_buf_reset(&tar);
	PUT(&tar, "checkpoint", "x");
	PUT(&tar, "checkpoint", "y");
	end(&tar);
	bundle("duplicate", 1, &tar);
	muster_buf_reset(&tar);
	PUT(&tar, "tile/0/x000/001", "0123456789abcdef0123456789abcdef");
	end(&tar);
	bundle("noncanonical", 1, &tar);
	tar.len -= 700;
	bundle("truncated", 1, &tar);
	/* An empty tar opens, and is no muster bundle. */
	muster_buf_reset(&tar);
	end(&tar);
	bundle("empty_tar", 0, &tar);

	muster_signer_free(k);
	muster_buf_free(&text);
	muster_buf_free(&note);
	muster_buf_free(&ents);
	muster_buf_free(&tar);
	muster_buf_free(&proof);
	close(memfd);
	return 0;
}

#endif
