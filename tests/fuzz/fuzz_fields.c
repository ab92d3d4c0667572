/*
 * fuzz_fields.c - libFuzzer target for field records and label payloads.
 *
 * Arbitrary bytes go to muster_rec_decode (every domain event body and
 * every equipment projection row is a field record) and, as text, to
 * muster_tag_parse (what a scanner types).  Properties:
 *
 *   canonical: a record that decodes re-encodes to exactly its bytes;
 *   render:    its JSON and its words are valid UTF-8 with no raw control
 *              character (JSON) and the JSON is an object's inside;
 *   lists:     iterating a list or kv value yields exactly its count;
 *   tag:       a parsed tag's id is 1..64 bytes and its URL part lies
 *              within the input.
 *
 * With -DMUSTER_FUZZ_SEEDS it writes the seed corpus (tests/fuzz/corpus/fields).
 */
#include "internal.h"

#include <stdio.h>

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_fields: property broken: %s\n", what);
		abort();
	}
}

static void one_input(const uint8_t *data, size_t size)
{
	muster_rec r;
	char why[256];
	if (muster_rec_decode(data, size, 0, 0, &r, why, sizeof why) == 0) {
		muster_buf b = {0};
		muster_rec_encode(&b, &r);
		check(b.err == 0 && b.len == size && (size == 0 || memcmp(b.data, data, size) == 0),
			"decode/encode is not the identity");
		muster_buf_reset(&b);
		muster_rec_json(&b, &r);
		check(b.err == 0 && muster_utf8_valid(b.data, b.len), "JSON is not valid UTF-8");
		check(b.len == 0 || b.data[0] == ',', "JSON fields do not start with a comma");
		for (size_t i = 0; i < b.len; i++)
			check(b.data[i] >= 0x20, "JSON holds a raw control character");
		muster_buf_reset(&b);
		muster_rec_words(&b, &r, 1, 0);
		muster_rec_words(&b, &r, 0, 0);
		check(b.err == 0 && muster_utf8_valid(b.data, b.len), "words are not valid UTF-8");
		for (unsigned t = 1; t < MUSTER_FIELDS_MAX; t++) {
			const muster_field *f = muster_field_get(t);
			if (!MUSTER_HAS(&r, t) || (f->type != MUSTER_F_LIST && f->type != MUSTER_F_KV))
				continue;
			muster_iter it;
			const char *s;
			size_t n;
			uint64_t k = 0;
			muster_iter_init(&it, &r.v[t], f->type == MUSTER_F_KV);
			while (muster_iter_next(&it, &s, &n))
				k++;
			check(k == (f->type == MUSTER_F_KV ? 2 * r.v[t].u : r.v[t].u), "a list iterates to another count");
		}
		muster_buf_free(&b);
	}
	muster_tag t;
	if (muster_tag_parse((const char *)data, size, &t) == 0) {
		check(t.id_len >= 1 && t.id_len <= MUSTER_TAG_ID_MAX && strlen(t.id) <= t.id_len, "tag id out of bounds");
		check(t.base_len + 3 < size, "tag URL part past the input");
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

#ifdef MUSTER_FUZZ_SEEDS
int main(int argc, char **argv)
{
	if (argc != 2 || muster_init() != 0) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	muster_rec r;
	muster_buf b = {0}, items = {0};
	uint64_t n = 0;

	muster_rec_clear(&r);
	muster_rec_cstr(&r, MF_ID, "RIG-01");
	muster_rec_cstr(&r, MF_TEAM, "KS-SX-01");
	muster_rec_cstr(&r, MF_DEPOT, "TY-D1");
	muster_rec_cstr(&r, MF_CATEGORY, "3010101");
	muster_rec_cstr(&r, MF_TYPE, "\xe5\xae\x9a\xe5\x90\x91\xe9\x92\xbb\xe6\x9c\xba"); /* 定向钻机 */
	muster_rec_cstr(&r, MF_MODEL, "ZDY6000LD");
	muster_rec_cstr(&r, MF_SERIAL, "0009");
	muster_rec_uint(&r, MF_ACQUIRED, 20240105);
	muster_rec_uint(&r, MF_VALUE, 358000000);
	muster_rec_uint(&r, MF_FUNDING, 0);
	muster_rec_uint(&r, MF_CUSTODY_FROM, 20240101);
	muster_list_add(&items, &n, "a", 1);
	muster_list_add(&items, &n, "1200m", 5);
	muster_rec_list(&r, MF_ATTRS, &items, 1);
	muster_rec_uint(&r, MF_STATE, 1);
	muster_rec_uint(&r, MF_LABEL, 2);
	muster_rec_uint(&r, MF_EXTERNAL, 1);
	muster_rec_encode(&b, &r);
	save("asset_row", &b);

	muster_buf_reset(&b);
	muster_buf_reset(&items);
	n = 0;
	muster_rec_clear(&r);
	muster_rec_cstr(&r, MF_COUNT, "PD-2026-11");
	muster_list_add(&items, &n, "BA-002", 6);
	muster_list_add(&items, &n, "GD-009", 6);
	muster_rec_list(&r, MF_MISSING, &items, n);
	muster_rec_uint(&r, MF_MATCHED, 2);
	uint8_t digest[32] = {1, 2, 3};
	muster_rec_text(&r, MF_DIGEST, (const char *)digest, sizeof digest);
	muster_rec_encode(&b, &r);
	save("count_close", &b);

	muster_buf_reset(&b);
	muster_rec_clear(&r);
	muster_rec_cstr(&r, MF_ID, "BA-001");
	muster_rec_cstr(&r, MF_HOLDER, "\xe7\xac\xac\xe4\xb8\x80\xe5\xb0\x8f\xe9\x98\x9f"); /* 第一小队 */
	muster_rec_uint(&r, MF_PURPOSE, 1);
	muster_rec_uint(&r, MF_DATE, 20261101);
	muster_rec_encode(&b, &r);
	save("checkout", &b);

	uint8_t seed[32] = {7};
	muster_signer *tag;
	if (muster_signer_from_seed(seed, &tag) != 0)
		return 1;
	muster_buf_reset(&b);
	muster_tag_payload(&b, "https://muster.example.cn/sx", "muster.test/shanxi", tag, "BA-001", 6, 1);
	save("payload", &b);
	muster_buf_put(&b, "\r\n", 2);
	save("payload_crlf", &b);
	muster_signer_free(tag);
	muster_buf_free(&b);
	muster_buf_free(&items);
	return 0;
}
#endif
