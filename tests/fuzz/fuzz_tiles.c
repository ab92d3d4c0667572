/*
 * fuzz_tiles.c - libFuzzer target for the small readers of a mirrored log
 * (C2SP tlog-tiles): tile names (tools/tilepath.c), entry bundles and a
 * bundle's consistency.json (tools/tilesrc.c), and a mirror's own file
 * (core/mirror.c, muster_mirror_parse).
 *
 * The first byte picks the reader; the rest is its input.  Properties:
 *
 *   names:   a name tile_parse takes is the one tile_name writes for what
 *            it read (one spelling per tile); and any level, index and
 *            width, named, parse back to themselves (taken from the input
 *            when it is long enough);
 *   entries: bytes 1-2 are the count wanted (0-256).  A bundle that splits
 *            gives entries of 1 to 65,535 bytes lying in the input, that
 *            tile_entry_add writes back to exactly the input; it splits
 *            exactly when the 2-byte lengths walk to its end in that many
 *            non-empty entries, and a refusal is one non-empty line;
 *   proof:   consistency.json that parses is, byte for byte, what
 *            `muster log consistency` writes for the sizes and hashes read;
 *   mirror:  a mirror file that parses is what muster_mirror_create writes
 *            for the verifier key and URL read.
 * A broken property calls abort().  With -DMUSTER_FUZZ_SEEDS it writes the
 * seed corpus (tests/fuzz/corpus/tiles).
 */
#include "internal.h"
#include "tilepath.h"
#include "tilesrc.h"

#include <inttypes.h>
#include <stdio.h>

enum { NAME, ENTRIES, PROOF, MIRROR, READERS };

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_tiles: property broken: %s\n", what);
		abort();
	}
}

static void one_line(const char *why)
{
	check(why[0] != 0, "a refusal without a reason");
	check(!strchr(why, '\n') && !strchr(why, '\r'), "a reason of more than one line");
}

static void fuzz_name(const uint8_t *data, size_t size)
{
	char name[128], again[64];
	size_t n = size < sizeof name - 1 ? size : sizeof name - 1;
	memcpy(name, data, n);
	name[n] = 0;
	int level;
	uint64_t idx;
	size_t w;
	if (tile_parse(name, &level, &idx, &w) == 0) {
		check(level >= TILE_ENTRIES && level <= 7 && w >= 1 && w <= 256, "a tile name parsed out of range");
		tile_name(again, sizeof again, level, idx, w);
		check(strcmp(again, name) == 0, "a tile name is not its tile's one spelling");
	}
	if (size >= 11) {
		int l = data[0] % 9 - 1;
		uint64_t i = 0;
		for (int k = 0; k < 8; k++)
			i = i << 8 | data[1 + k];
		size_t width = 1 + (size_t)data[9] % 256;
		tile_name(again, sizeof again, l, i, width);
		int l2;
		uint64_t i2;
		size_t w2;
		check(tile_parse(again, &l2, &i2, &w2) == 0 && l2 == l && i2 == i && w2 == width,
			"a tile's name does not parse back to it");
	}
}

static void fuzz_entries(const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	size_t want = ((size_t)data[0] << 8 | data[1]) % 257;
	const uint8_t *p = data + 2;
	size_t n = size - 2;
	const uint8_t *ent[256];
	size_t len[256];
	char err[256];
	err[0] = 0;
	int rc = tile_entries_split(p, n, want, ent, len, err, sizeof err);
	check(rc == 0 || rc == MUSTER_EINVAL, "entry split returned an odd code");

	/* The walk, read again. */
	size_t off = 0, count = 0;
	int whole = 1;
	while (off < n) {
		if (n - off < 2) {
			whole = 0;
			break;
		}
		size_t l = (size_t)p[off] << 8 | p[off + 1];
		if (l == 0 || n - off - 2 < l) {
			whole = 0;
			break;
		}
		off += 2 + l;
		count++;
	}
	check((rc == 0) == (whole && count == want), "the split and the length walk disagree");
	if (rc != 0) {
		one_line(err);
		return;
	}
	muster_buf b = {0};
	for (size_t i = 0; i < want; i++) {
		check(len[i] >= 1 && len[i] <= 0xffff && ent[i] >= p + 2 && ent[i] + len[i] <= p + n, "an entry outside its bundle");
		check(tile_entry_add(i, ent[i], len[i], &b) == 0, "cannot write an entry back");
	}
	check(b.len == n && (n == 0 || memcmp(b.data, p, n) == 0), "split and written back is not the bundle");
	muster_buf_free(&b);
}

static void fuzz_proof(const uint8_t *data, size_t size)
{
	uint64_t old = 7, nw = 7;
	size_t count = 7;
	static uint8_t proof[MUSTER_PROOF_MAX][MUSTER_HASH_BYTES];
	int rc = tile_proof_parse(data, size, &old, &nw, proof, &count);
	check(rc == 0 || rc == MUSTER_EINVAL, "proof parse returned an odd code");
	if (rc != 0) {
		check(old == 7 && nw == 7 && count == 7, "a failed proof parse wrote its outputs");
		return;
	}
	check(count <= MUSTER_PROOF_MAX, "more hashes than a proof has");
	/* As cmd_log.c writes it: the sizes, then cli_proof_json, then "}\n". */
	muster_buf b = {0};
	muster_buf_printf(&b, "{\"old_size\":%" PRIu64 ",\"new_size\":%" PRIu64 ",\"proof\":[", old, nw);
	for (size_t i = 0; i < count; i++) {
		if (i)
			muster_buf_puts(&b, ",");
		muster_json_b64(&b, proof[i], MUSTER_HASH_BYTES);
	}
	muster_buf_puts(&b, "]}\n");
	check(b.err == 0 && (size == b.len || size == b.len - 1) && memcmp(b.data, data, size) == 0,
		"consistency.json is not what muster log consistency writes for it");
	muster_buf_free(&b);
}

static void fuzz_mirror(const uint8_t *data, size_t size)
{
	char *vkey = NULL, *url = NULL;
	muster_verifier v;
	int rc = muster_mirror_parse((const char *)data, size, &vkey, &url, &v);
	check(rc == 0 || rc == MUSTER_ECORRUPT || rc == MUSTER_ENOMEM, "mirror parse returned an odd code");
	if (rc != 0) {
		check(!vkey && !url, "a failed mirror parse wrote its outputs");
		return;
	}
	muster_verifier again;
	check(muster_vkey_parse(vkey, strlen(vkey), &again) == 0 && strcmp(again.name, v.name) == 0 &&
			memcmp(again.pk, v.pk, MUSTER_PK_BYTES) == 0,
		"the mirror's verifier key is not the one read");
	check(!*url || muster_url_valid(url, strlen(url)), "the mirror's URL is not a valid URL");
	/* As muster_mirror_create writes it (mirror.c's mirror_write). */
	muster_buf b = {0};
	muster_buf_printf(&b, "muster-mirror v1\nvkey %s\n", vkey);
	if (*url)
		muster_buf_printf(&b, "url %s\n", url);
	check(b.err == 0 && b.len == size && memcmp(b.data, data, size) == 0, "a mirror file is not what is written for it");
	muster_buf_free(&b);
	free(vkey);
	free(url);
}

static void one_input(const uint8_t *data, size_t size)
{
	if (size == 0)
		return;
	switch (data[0] % READERS) {
	case NAME:
		fuzz_name(data + 1, size - 1);
		break;
	case ENTRIES:
		fuzz_entries(data + 1, size - 1);
		break;
	case PROOF:
		fuzz_proof(data + 1, size - 1);
		break;
	default:
		fuzz_mirror(data + 1, size - 1);
	}
}

#ifndef MUSTER_FUZZ_SEEDS
static void fuzz_init(void)
{
	if (muster_init() != 0)
		abort();
}
#endif

#include "fuzz.h"

#ifdef MUSTER_FUZZ_SEEDS /* write the seed corpus */

static void seed(const char *name, int reader, const void *p, size_t n)
{
	muster_buf b = {0};
	uint8_t r = (uint8_t)reader;
	muster_buf_put(&b, &r, 1);
	muster_buf_put(&b, p, n);
	save(name, &b);
	muster_buf_free(&b);
}

#define SEED(name, reader, lit) seed(name, reader, lit, sizeof lit - 1)

int main(int argc, char **argv)
{
	if (argc != 2 || muster_init() != 0) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	SEED("name_full", NAME, "tile/0/x001/x234/067");
	SEED("name_partial", NAME, "tile/3/000.p/17");
	SEED("name_entries", NAME, "tile/entries/x123/456.p/255");
	SEED("name_numbers", NAME, "\x05\xff\xff\xff\xff\xff\xff\xff\xff\x80\x00");

	muster_buf b = {0};
	uint8_t big[600];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7);
	uint8_t want[2] = {0, 3};
	muster_buf_put(&b, want, 2);
	if (tile_entry_add(0, (const uint8_t *)"a", 1, &b) || tile_entry_add(1, (const uint8_t *)"\x01\x02\x03", 3, &b) ||
		tile_entry_add(2, big, sizeof big, &b))
		return 1;
	seed("entries_three", ENTRIES, b.data, b.len);
	want[1] = 2;
	memcpy(b.data, want, 2);
	seed("entries_one_too_many", ENTRIES, b.data, b.len);
	SEED("entries_empty_entry", ENTRIES, "\x00\x02\x00\x01x\x00\x00");

	/* consistency.json as `muster log consistency --old 3 --new 9` writes it. */
	uint8_t h[3][MUSTER_HASH_BYTES];
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < MUSTER_HASH_BYTES; k++)
			h[i][k] = (uint8_t)(i * 64 + k * 5 + 1);
	muster_buf_reset(&b);
	muster_buf_puts(&b, "{\"old_size\":3,\"new_size\":9,\"proof\":[");
	for (int i = 0; i < 3; i++) {
		if (i)
			muster_buf_puts(&b, ",");
		muster_json_b64(&b, h[i], MUSTER_HASH_BYTES);
	}
	muster_buf_puts(&b, "]}\n");
	seed("proof", PROOF, b.data, b.len);
	SEED("proof_empty", PROOF, "{\"old_size\":256,\"new_size\":256,\"proof\":[]}\n");

	/* The mirror file, with and without a URL. */
	uint8_t s[32] = {9};
	muster_signer *k;
	if (muster_signer_from_seed(s, &k) != 0)
		return 1;
	muster_buf v = {0};
	muster_vkey_format(&v, "team.example/log", muster_signer_pk(k));
	muster_buf_reset(&b);
	muster_buf_printf(&b, "muster-mirror v1\nvkey %.*s\n", (int)v.len, (const char *)v.data);
	seed("mirror", MIRROR, b.data, b.len);
	muster_buf_printf(&b, "url https://team.example/muster\n");
	seed("mirror_url", MIRROR, b.data, b.len);
	muster_signer_free(k);
	muster_buf_free(&v);
	muster_buf_free(&b);
	return 0;
}

#endif
