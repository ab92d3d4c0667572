/*
 * fuzz_note.c - libFuzzer target for signed notes, checkpoints and
 * verifier keys (C2SP signed-note / tlog-checkpoint).
 *
 * Each input goes to:
 *   muster_vkey_parse      - if it parses, muster_vkey_format must give back
 *                            exactly the input (one key, one spelling);
 *   muster_note_open       - with a fixed known verifier (the seeds carry its
 *                            signatures, so verification is really tried),
 *                            with a verifier nobody ever signs with (it must
 *                            never succeed: that would be a forgery), and
 *                            with none.  When the known key opens the note,
 *                            its text re-signed must open again, same length;
 *   muster_checkpoint_parse - on the whole input, on the text before the
 *                            last blank line, and on an opened note's text:
 *                            muster_checkpoint_format of the parsed values is
 *                            a prefix of the text, and all of it when the text
 *                            has no extension lines.
 * A broken property calls abort().  With -DMUSTER_FUZZ_SEEDS this file is a
 * small program writing the seed corpus (tests/fuzz/corpus/note) to argv[1].
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define KNOWN_NAME "fuzz.example/log"
#define OTHER_NAME "fuzz.example/other"

static muster_signer *known_key, *other_key;
static muster_verifier known, other;

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_note: property broken: %s\n", what);
		abort();
	}
}

static void make_keys(void)
{
	uint8_t seed[32];
	if (muster_init() != 0)
		abort();
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x40 + i);
	if (muster_signer_from_seed(seed, &known_key) != 0)
		abort();
	seed[31] ^= 0x80;
	if (muster_signer_from_seed(seed, &other_key) != 0)
		abort();
	snprintf(known.name, sizeof known.name, "%s", KNOWN_NAME);
	memcpy(known.pk, muster_signer_pk(known_key), MUSTER_PK_BYTES);
	known.hash = muster_note_key_hash(known.name, known.pk);
	snprintf(other.name, sizeof other.name, "%s", OTHER_NAME);
	memcpy(other.pk, muster_signer_pk(other_key), MUSTER_PK_BYTES);
	other.hash = muster_note_key_hash(other.name, other.pk);
}

static void fuzz_checkpoint(const uint8_t *text, size_t len)
{
	muster_checkpoint cp;
	memset(&cp, 0xa5, sizeof cp);
	if (muster_checkpoint_parse(text, len, &cp) != 0)
		return;
	size_t olen = strnlen(cp.origin, sizeof cp.origin);
	check(olen > 0 && olen < sizeof cp.origin, "origin is not a terminated string");
	check(muster_note_name_valid(cp.origin, olen), "parsed an invalid origin");
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	check(lines >= 3 && len > 0 && text[len - 1] == '\n', "checkpoint text is not three lines or more");

	muster_buf b = {0};
	muster_checkpoint_format(&b, cp.origin, cp.size, cp.root);
	check(b.err == 0, "checkpoint format failed");
	check(b.len <= len && memcmp(b.data, text, b.len) == 0, "formatted checkpoint is not a prefix of its text");
	if (lines == 3)
		check(b.len == len, "checkpoint without extensions does not round-trip");
	/* and the formatted text parses to the same values */
	muster_checkpoint again;
	check(muster_checkpoint_parse(b.data, b.len, &again) == 0, "formatted checkpoint does not parse");
	check(strcmp(again.origin, cp.origin) == 0 && again.size == cp.size &&
			memcmp(again.root, cp.root, MUSTER_HASH_BYTES) == 0,
		"formatted checkpoint parses to other values");
	muster_buf_free(&b);
}

static void fuzz_vkey(const uint8_t *data, size_t size)
{
	muster_verifier v;
	if (muster_vkey_parse((const char *)data, size, &v) != 0)
		return;
	check(v.hash == muster_note_key_hash(v.name, v.pk), "vkey hash mismatch");
	muster_buf b = {0};
	muster_vkey_format(&b, v.name, v.pk);
	/* The key hash may be written in either case (as Go reads it); we write it in lower case. */
	int same = b.err == 0 && b.len == size;
	for (size_t i = 0; same && i < size; i++) {
		uint8_t c = data[i];
		if (c >= 'A' && c <= 'F' && i > strlen(v.name) && i <= strlen(v.name) + 8)
			c = (uint8_t)(c - 'A' + 'a');
		same = b.data[i] == c;
	}
	check(same, "vkey does not round-trip");
	muster_buf_free(&b);
}

static void fuzz_open(const uint8_t *data, size_t size)
{
	size_t tlen = 0, nver = 0;
	int rc = muster_note_open(data, size, &known, 1, &tlen, &nver);
	check(rc == 0 || rc == MUSTER_EINVAL || rc == MUSTER_EVERIFY || rc == MUSTER_ENOTFOUND,
		"note open returned an odd code");
	if (rc == 0) {
		check(nver >= 1 && tlen > 0 && tlen < size && data[tlen - 1] == '\n', "opened note has a bad text");
		fuzz_checkpoint(data, tlen);
		/* Re-sign the text: it must open again with the same text. */
		muster_buf b = {0};
		check(muster_note_sign(&b, (const char *)data, tlen, known.name, muster_signer_sk(known_key)) == 0,
			"cannot re-sign an opened note's text");
		size_t tlen2 = 0, nver2 = 0;
		check(muster_note_open(b.data, b.len, &known, 1, &tlen2, &nver2) == 0 && tlen2 == tlen && nver2 == 1,
			"re-signed note does not open");
		muster_buf_free(&b);
	}

	/* Nobody signs with the other key: success would be a forgery. */
	tlen = nver = 0;
	rc = muster_note_open(data, size, &other, 1, &tlen, &nver);
	check(rc == MUSTER_EINVAL || rc == MUSTER_EVERIFY || rc == MUSTER_ENOTFOUND, "opened with a key that never signed");
	/* No verifier at all: never success. */
	rc = muster_note_open(data, size, NULL, 0, &tlen, &nver);
	check(rc == MUSTER_EINVAL || rc == MUSTER_ENOTFOUND, "opened with no verifier");
}

static void one_input(const uint8_t *data, size_t size)
{
	fuzz_vkey(data, size);
	fuzz_open(data, size);
	fuzz_checkpoint(data, size);
	/* The text part as note_open splits it, signatures or not. */
	for (size_t i = size; i > 1; i--)
		if (data[i - 2] == '\n' && data[i - 1] == '\n') {
			fuzz_checkpoint(data, i - 1);
			break;
		}
}

#ifndef MUSTER_FUZZ_SEEDS
static void fuzz_init(void)
{
	make_keys();
}
#endif

#include "fuzz.h"

#ifdef MUSTER_FUZZ_SEEDS /* write the seed corpus */

static void sign(muster_buf *out, const muster_buf *text, const char *name, const muster_signer *k)
{
	if (muster_note_sign(out, (const char *)text->data, text->len, name, muster_signer_sk(k)) != 0)
		exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	make_keys();
	uint8_t seed[32] = {7}, root[MUSTER_HASH_BYTES];
	muster_signer *third;
	if (muster_signer_from_seed(seed, &third) != 0)
		return 1;
	for (int i = 0; i < MUSTER_HASH_BYTES; i++)
		root[i] = (uint8_t)(i * 7 + 3);
	muster_buf text = {0}, note = {0};

	/* A checkpoint signed by the known key. */
	muster_checkpoint_format(&text, KNOWN_NAME, 1234, root);
	sign(&note, &text, KNOWN_NAME, known_key);
	save("ckpt_known", &note);

	/* The bare checkpoint text, and the known verifier key. */
	save("ckpt_text", &text);
	muster_buf_reset(&note);
	muster_vkey_format(&note, KNOWN_NAME, known.pk);
	save("vkey_known", &note);

	/* A checkpoint of size 0 under the other name but another key: nothing known. */
	muster_buf_reset(&text);
	muster_buf_reset(&note);
	muster_empty_root(root);
	muster_checkpoint_format(&text, OTHER_NAME, 0, root);
	sign(&note, &text, OTHER_NAME, third);
	save("ckpt_other", &note);

	/* Extension lines, a cosigner nobody knows, then the known key. */
	muster_buf_reset(&text);
	muster_buf_reset(&note);
	muster_checkpoint_format(&text, KNOWN_NAME, UINT64_MAX, root);
	muster_buf_puts(&text, "extension line one\n\xe6\x89\xa9\xe5\xb1\x95\n");
	sign(&note, &text, "witness.example", third);
	/* append the known signature line: same text, so strip the text copy */
	muster_buf two = {0};
	sign(&two, &text, KNOWN_NAME, known_key);
	muster_buf_put(&note, two.data + text.len + 1, two.len - text.len - 1);
	save("ckpt_ext_cosigned", &note);

	/* A plain (non-checkpoint) note signed by the known key with a wrong key hash. */
	muster_buf_reset(&text);
	muster_buf_reset(&two);
	muster_buf_puts(&text, "hello \xe4\xb8\x96\xe7\x95\x8c\n\nsecond paragraph\n");
	sign(&two, &text, KNOWN_NAME, known_key);
	save("note_known", &two);
	muster_buf_reset(&two);
	sign(&two, &text, KNOWN_NAME, third);
	save("note_known_name_wrong_key", &two);

	muster_buf_free(&text);
	muster_buf_free(&note);
	muster_buf_free(&two);
	muster_signer_free(third);
	muster_signer_free(known_key);
	muster_signer_free(other_key);
	return 0;
}

#endif
