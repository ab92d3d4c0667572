/*
 * fuzz_entry.c - libFuzzer target for the log entry decoder.
 *
 * Feeds arbitrary bytes to muster_entry_decode, then (if they decode) to
 * muster_event_body_check and muster_entry_json, and checks two properties:
 *
 *   canonical: bytes that decode re-encode to exactly themselves
 *              (muster_entry_encode_unsigned followed by the 64-byte sig);
 *   json:      the JSON text is valid UTF-8 with no raw control character.
 *
 * A broken property calls abort(), which libFuzzer reports as a crash.
 * Built by tests/fuzz/run.sh straight from the core/ sources with clang.  With
 * -DMUSTER_FUZZ_SEEDS it is instead a small program writing the seed
 * corpus (tests/fuzz/corpus/entry) into the directory named by argv[1].
 */
#include "internal.h"

#include <stdio.h>

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_entry: property broken: %s\n", what);
		abort();
	}
}

static void one_input(const uint8_t *data, size_t size)
{
	muster_entry e;
	if (muster_entry_decode(data, size, &e) != 0)
		return;
	check(e.version == MUSTER_ENTRY_VERSION, "decoded an unknown version");
	check(e.body_len <= size && (e.body_len == 0 || (e.body >= data && e.body + e.body_len <= data + size)),
		"body points outside the input");

	/* Canonical: one value, one encoding. */
	muster_buf b = {0};
	muster_entry_encode_unsigned(&b, &e);
	muster_buf_put(&b, e.sig, MUSTER_SIG_BYTES);
	check(b.err == 0, "re-encoding failed");
	check(b.len == size && memcmp(b.data, data, size) == 0, "decode/encode is not the identity");

	/* The body checker must agree with itself and with the JSON writer. */
	int rc = muster_event_body_check(e.type, e.body, e.body_len);
	check(rc == 0 || rc == MUSTER_ECORRUPT || rc == MUSTER_EINVAL, "body check returned an odd code");
	check(muster_event_body_check(e.type, e.body, e.body_len) == rc, "body check is not deterministic");

	muster_buf_reset(&b);
	muster_entry_json(&b, &e);
	check(b.err == 0, "JSON output failed");
	check(b.len >= 2 && b.data[0] == '{' && b.data[b.len - 1] == '}', "JSON is not an object");
	check(muster_utf8_valid(b.data, b.len), "JSON is not valid UTF-8");
	for (size_t i = 0; i < b.len; i++)
		check(b.data[i] >= 0x20, "JSON holds a raw control character");
	muster_buf_free(&b);
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

/* A signed entry of `type` with `body`, as the store would write it. */
static void entry(const char *name, const muster_signer *sg, uint64_t type, uint64_t index, const muster_buf *body)
{
	muster_entry e;
	memset(&e, 0, sizeof e);
	e.version = MUSTER_ENTRY_VERSION;
	e.type = type;
	e.index = index;
	e.time_ms = 1795679449123u + index * 60000u; /* 2026-11-25T... */
	for (int i = 0; i < MUSTER_HASH_BYTES; i++)
		e.prev_root[i] = (uint8_t)(index * 31 + (uint64_t)i);
	memcpy(e.signer, muster_signer_pk(sg), MUSTER_PK_BYTES);
	e.body = body->data;
	e.body_len = body->len;
	muster_buf m = {0}, out = {0};
	muster_buf_put(&m, MUSTER_EVENT_DOMAIN, sizeof MUSTER_EVENT_DOMAIN);
	muster_entry_encode_unsigned(&m, &e);
	muster_signer_sign(sg, m.data, m.len, e.sig);
	muster_entry_encode_unsigned(&out, &e);
	muster_buf_put(&out, e.sig, MUSTER_SIG_BYTES);
	save(name, &out);
	muster_buf_free(&m);
	muster_buf_free(&out);
}

int main(int argc, char **argv)
{
	if (argc != 2 || muster_init() != 0) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	uint8_t seed[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0xa0 + i);
	muster_signer *admin, *other;
	if (muster_signer_from_seed(seed, &admin) != 0)
		return 1;
	seed[0] ^= 1;
	if (muster_signer_from_seed(seed, &other) != 0)
		return 1;
	const uint8_t *apk = muster_signer_pk(admin), *opk = muster_signer_pk(other);
	muster_buf b = {0};

	static const char origin[] = "fuzz.example/muster";
	static const char holder[] = "\xe5\xbc\xa0\xe4\xbc\x9f"; /* 张伟 */
	muster_ev_site_init si = {{origin, sizeof origin - 1}, apk, opk, {holder, sizeof holder - 1}};
	muster_ev_site_init_encode(&b, &si);
	entry("site_init", admin, MUSTER_EV_SITE_INIT, 0, &b);

	static const char who[] = "Li Na";
	muster_ev_key k = {opk, MUSTER_ROLE_KEEPER | MUSTER_ROLE_AUDITOR, {who, sizeof who - 1}};
	muster_buf_reset(&b);
	muster_ev_key_encode(&b, MUSTER_EV_KEY_ENROL, &k);
	entry("key_enrol", admin, MUSTER_EV_KEY_ENROL, 1, &b);

	k.roles = MUSTER_ROLE_ALL;
	muster_buf_reset(&b);
	muster_ev_key_encode(&b, MUSTER_EV_KEY_ROLES, &k);
	entry("key_roles", admin, MUSTER_EV_KEY_ROLES, 2, &b);

	static const char why[] = "left the site";
	k.text.p = why, k.text.n = sizeof why - 1;
	muster_buf_reset(&b);
	muster_ev_key_encode(&b, MUSTER_EV_KEY_REVOKE, &k);
	entry("key_revoke", admin, MUSTER_EV_KEY_REVOKE, 3, &b);

	/* Journal text with CJK, quotes, backslash, tab and newline: the JSON escapes. */
	static const char text[] = "\xe5\x80\xbc\xe7\x8f\xad\xe8\xae\xb0\xe5\xbd\x95 08:00 \"gate\" \\ A\tB\nC";
	muster_ev_journal j = {{text, sizeof text - 1}};
	muster_buf_reset(&b);
	muster_ev_journal_encode(&b, &j);
	entry("journal", other, MUSTER_EV_JOURNAL, 1234567, &b);

	/* An unknown type (its body is shown as base64) and a big index and time. */
	muster_buf_reset(&b);
	muster_buf_puts(&b, "\x01\x02opaque");
	entry("unknown_type", other, 300, UINT64_MAX, &b);

	/* The longest journal text allowed (MUSTER_TEXT_MAX bytes), so mutations cross the limit. */
	{
		static char big[MUSTER_TEXT_MAX];
		for (size_t i = 0; i < sizeof big; i += 4)
			memcpy(big + i, i % 64 == 60 ? "\xe5\x80\xbc\n" : "duty", 4);
		muster_ev_journal jb = {{big, sizeof big}};
		muster_buf_reset(&b);
		muster_ev_journal_encode(&b, &jb);
		entry("journal_max", other, MUSTER_EV_JOURNAL, 6, &b);
	}

	/* A body that does not check (journal with empty text). */
	muster_buf_reset(&b);
	muster_put_uint(&b, 0);
	entry("journal_empty", other, MUSTER_EV_JOURNAL, 5, &b);

	muster_buf_free(&b);
	muster_signer_free(admin);
	muster_signer_free(other);
	return 0;
}

#endif
