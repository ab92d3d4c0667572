/* test_note.c - C2SP signed notes and checkpoints, against Go's own test vectors. */
#include "tap.h"

#include <muster/key.h>
#include <muster/note.h>
#include <sodium.h>
#include <string.h>

/* From golang.org/x/mod/sumdb/note's tests. */
static const char VKEY[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char SEED_B64[] = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"; /* 0x01 || seed */
static const char TEXT[] = "If you think cryptography is the answer to your problem,\n"
			   "then you don't know what your problem is.\n";
static const char SIGNED[] = "If you think cryptography is the answer to your problem,\n"
			     "then you don't know what your problem is.\n"
			     "\n"
			     "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

static int open_note(const char *note, size_t len, const muster_verifier *v, size_t nv)
{
	size_t tl, nver;
	return muster_note_open((const uint8_t *)note, len, v, nv, &tl, &nver);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	uint8_t seed[33];
	size_t got;
	sodium_base642bin(seed, sizeof seed, SEED_B64, strlen(SEED_B64), NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL);
	muster_signer *s;
	ok(got == 33 && muster_signer_from_seed(seed + 1, &s) == 0, "Go's test key loads");

	muster_buf vk = {0};
	muster_vkey_format(&vk, "PeterNeumann", muster_signer_pk(s));
	ok(vk.len == strlen(VKEY) && memcmp(vk.data, VKEY, vk.len) == 0, "verifier key matches Go's");
	muster_buf_free(&vk);

	muster_buf note = {0};
	ok(muster_note_sign(&note, TEXT, strlen(TEXT), "PeterNeumann", muster_signer_sk(s)) == 0, "signs a note");
	ok(note.len == strlen(SIGNED) && memcmp(note.data, SIGNED, note.len) == 0, "the signed note is byte-identical to Go's");
	muster_buf_free(&note);

	muster_verifier v;
	ok(muster_vkey_parse(VKEY, strlen(VKEY), &v) == 0 && strcmp(v.name, "PeterNeumann") == 0 && v.hash == 0xc74f20a3,
		"parses Go's verifier key");
	ok(muster_vkey_parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", 66, &v) != 0,
		"a verifier key with the wrong hash is refused");
	ok(muster_vkey_parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", 66, &v) != 0,
		"a verifier key of an unknown algorithm is refused");
	ok(muster_vkey_parse(VKEY, strlen(VKEY), &v) == 0, "verifier key parsed again");

	size_t tl, nver;
	ok(muster_note_open((const uint8_t *)SIGNED, strlen(SIGNED), &v, 1, &tl, &nver) == 0 && tl == strlen(TEXT) && nver == 1,
		"opens Go's signed note");
	{
		/* The same signature twice counts once, as in Go's note.Open. */
		char twice[2 * sizeof SIGNED];
		const char *sig = strstr(SIGNED, "\xe2\x80\x94");
		snprintf(twice, sizeof twice, "%s%s", SIGNED, sig);
		ok(muster_note_open((const uint8_t *)twice, strlen(twice), &v, 1, &tl, &nver) == 0 && nver == 1,
			"a repeated signature counts once");
		muster_verifier up;
		ok(muster_vkey_parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", 66, &up) == 0,
			"an upper-case key hash is accepted, as Go does");
	}
	char bad[sizeof SIGNED];
	memcpy(bad, SIGNED, sizeof SIGNED);
	bad[3] ^= 1;
	ok(open_note(bad, strlen(bad), &v, 1) == MUSTER_EVERIFY, "a changed text fails");
	memcpy(bad, SIGNED, sizeof SIGNED);
	bad[strlen(bad) - 5] ^= 1;
	ok(open_note(bad, strlen(bad), &v, 1) != 0, "a changed signature fails");
	muster_verifier other = v;
	other.pk[0] ^= 1;
	other.hash = muster_note_key_hash(other.name, other.pk);
	ok(open_note(SIGNED, strlen(SIGNED), &other, 1) == MUSTER_ENOTFOUND, "no known signer: not found");
	ok(open_note(TEXT, strlen(TEXT), &v, 1) == MUSTER_EINVAL, "a note without signatures is malformed");
	ok(open_note("x\n\n\xe2\x80\x94 a b\n", 11, &v, 1) == MUSTER_EINVAL, "bad base64 is malformed");
	ok(open_note("a\tb\n\n\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", 115, &v, 1) == MUSTER_EINVAL,
		"control characters in the text are malformed");

	ok(muster_note_name_valid("muster.example.cn/队伍-07", strlen("muster.example.cn/队伍-07")), "a UTF-8 name is valid");
	ok(!muster_note_name_valid("a+b", 3) && !muster_note_name_valid("a b", 3) && !muster_note_name_valid("", 0) &&
			!muster_note_name_valid("a\xe3\x80\x80" "b", 5),
		"names with '+', spaces, ideographic spaces, or nothing are not");

	/* Checkpoints. */
	uint8_t root[32];
	memset(root, 0xab, sizeof root);
	muster_buf cp = {0};
	muster_checkpoint_format(&cp, "muster.test/site", 12345, root);
	muster_buf_put(&cp, "", 1);
	ok(strcmp((char *)cp.data, "muster.test/site\n12345\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n") == 0,
		"checkpoint body: origin, size, base64 root");
	muster_checkpoint c;
	ok(muster_checkpoint_parse(cp.data, cp.len - 1, &c) == 0 && c.size == 12345 && memcmp(c.root, root, 32) == 0 &&
			strcmp(c.origin, "muster.test/site") == 0,
		"checkpoint parses back");
	static const char *bad_cps[] = {
		"o\n012\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
		"o\n12\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s\n",
		"o\n12\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6t=\n",
		"o\n-1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
		"o\n18446744073709551616\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
		"o\n12\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\n",
		"o\n12\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=",
	};
	for (size_t i = 0; i < sizeof bad_cps / sizeof bad_cps[0]; i++)
		ok(muster_checkpoint_parse((const uint8_t *)bad_cps[i], strlen(bad_cps[i]), &c) != 0,
			"malformed checkpoint %zu refused", i + 1);
	const char *ext = "o\n12\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\xe2\x80\x94 ext line\n";
	ok(muster_checkpoint_parse((const uint8_t *)ext, strlen(ext), &c) == 0, "extension lines are allowed");
	muster_buf_free(&cp);
	muster_signer_free(s);
	return done_testing();
}
