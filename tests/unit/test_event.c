/* test_event.c - the entry encoding is canonical; bodies are validated; signatures are domain-separated. */
#include "tap.h"

#include <muster/event.h>
#include <muster/key.h>
#include <sodium.h>
#include <string.h>

static muster_buf make_entry(const muster_signer *s, uint64_t type, uint64_t index, const muster_buf *body)
{
	muster_entry e;
	memset(&e, 0, sizeof e);
	e.version = 1;
	e.type = type;
	e.index = index;
	e.time_ms = 1764057049123ULL;
	memset(e.prev_root, 0x11, 32);
	memcpy(e.signer, muster_signer_pk(s), 32);
	e.body = body->data;
	e.body_len = body->len;
	muster_buf m = {0}, out = {0};
	muster_buf_put(&m, MUSTER_EVENT_DOMAIN, sizeof MUSTER_EVENT_DOMAIN);
	muster_entry_encode_unsigned(&m, &e);
	muster_signer_sign(s, m.data, m.len, e.sig);
	muster_entry_encode_unsigned(&out, &e);
	muster_buf_put(&out, e.sig, 64);
	muster_buf_free(&m);
	return out;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	muster_signer *s;
	if (muster_signer_generate(&s) != 0)
		return 1;
	muster_buf body = {0};
	muster_ev_journal j = {{"夜班：3号钻机保养完毕", strlen("夜班：3号钻机保养完毕")}};
	muster_ev_journal_encode(&body, &j);
	muster_buf ent = make_entry(s, MUSTER_EV_JOURNAL, 7, &body);

	muster_entry e;
	ok(muster_entry_decode(ent.data, ent.len, &e) == 0 && e.type == MUSTER_EV_JOURNAL && e.index == 7 &&
			e.time_ms == 1764057049123ULL && e.body_len == body.len,
		"entry decodes");
	ok(muster_entry_verify(ent.data, ent.len, &e) == 0, "signature verifies");
	muster_ev_journal jd;
	ok(muster_ev_journal_decode(e.body, e.body_len, &jd) == 0 && jd.text.n == j.text.n && memcmp(jd.text.p, j.text.p, jd.text.n) == 0,
		"journal body decodes");

	/* The signature covers a domain-separated message: a bare signature over the entry does not verify. */
	{
		muster_entry f = e;
		muster_signer_sign(s, ent.data, ent.len - 64, f.sig);
		ok(muster_entry_verify(ent.data, ent.len, &f) != 0, "a signature without the domain prefix is refused");
	}

	/* Every single-bit flip is refused by decoding or by the signature. */
	int all = 1;
	for (size_t i = 0; i < ent.len * 8; i++) {
		ent.data[i / 8] ^= (uint8_t)(1u << (i % 8));
		muster_entry f;
		if (muster_entry_decode(ent.data, ent.len, &f) == 0 && muster_entry_verify(ent.data, ent.len, &f) == 0 &&
			muster_event_body_check(f.type, f.body, f.body_len) == 0)
			all = 0;
		ent.data[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	ok(all, "each of %zu single-bit flips is refused", ent.len * 8);

	/* Non-canonical spellings. */
	muster_buf t = {0};
	muster_buf_put(&t, ent.data, ent.len);
	muster_buf_put(&t, "", 1);
	ok(muster_entry_decode(t.data, t.len, &e) == MUSTER_ECORRUPT, "trailing byte refused");
	ok(muster_entry_decode(ent.data, ent.len - 1, &e) == MUSTER_ECORRUPT, "truncated entry refused");
	muster_buf_reset(&t);
	muster_buf_put(&t, "\x81\x00", 2); /* version 1 spelled in two bytes */
	muster_buf_put(&t, ent.data + 1, ent.len - 1);
	ok(muster_entry_decode(t.data, t.len, &e) == MUSTER_ECORRUPT, "non-minimal version refused");
	ent.data[0] = 2;
	ok(muster_entry_decode(ent.data, ent.len, &e) == MUSTER_ECORRUPT, "unknown version refused");
	ent.data[0] = 1;
	uint8_t huge[MUSTER_ENTRY_MAX + 1];
	memset(huge, 0, sizeof huge);
	huge[0] = 1;
	ok(muster_entry_decode(huge, sizeof huge, &e) == MUSTER_ETOOBIG, "over 64 KiB refused");
	muster_buf_free(&t);

	/* Bodies. */
	muster_buf kb = {0};
	muster_ev_key k = {muster_signer_pk(s), MUSTER_ROLE_KEEPER | MUSTER_ROLE_HR, {"李娜", strlen("李娜")}};
	muster_ev_key_encode(&kb, MUSTER_EV_KEY_ENROL, &k);
	muster_ev_key kd;
	ok(muster_ev_key_decode(MUSTER_EV_KEY_ENROL, kb.data, kb.len, &kd) == 0 && kd.roles == k.roles && kd.text.n == k.text.n,
		"key.enrol body round-trips");
	ok(muster_ev_key_decode(MUSTER_EV_KEY_ROLES, kb.data, kb.len, &kd) != 0, "an enrol body is not a roles body");
	muster_buf_reset(&kb);
	k.roles = 1u << 9;
	muster_ev_key_encode(&kb, MUSTER_EV_KEY_ROLES, &k);
	ok(muster_ev_key_decode(MUSTER_EV_KEY_ROLES, kb.data, kb.len, &kd) != 0, "unknown role bits refused");
	muster_buf_reset(&kb);
	k.roles = MUSTER_ROLE_KEEPER;
	k.text.n = 0;
	muster_ev_key_encode(&kb, MUSTER_EV_KEY_ENROL, &k);
	ok(muster_ev_key_decode(MUSTER_EV_KEY_ENROL, kb.data, kb.len, &kd) != 0, "enrol without a holder refused");
	muster_buf_free(&kb);
	muster_buf eb = {0};
	muster_ev_journal empty = {{"", 0}};
	muster_ev_journal_encode(&eb, &empty);
	ok(muster_event_body_check(MUSTER_EV_JOURNAL, eb.data, eb.len) != 0, "empty journal text refused");
	ok(muster_event_body_check(999, eb.data, eb.len) != 0, "unknown event type refused");
	muster_buf_free(&eb);

	ok(muster_event_roles(MUSTER_EV_KEY_ENROL) == MUSTER_ROLE_ADMIN, "only admins enrol");
	ok(!(muster_event_roles(MUSTER_EV_JOURNAL) & (MUSTER_ROLE_AUDITOR | MUSTER_ROLE_REPORTER)), "auditors and reporters do not write the journal");
	ok(strcmp(muster_event_name(MUSTER_EV_JOURNAL), "journal") == 0 && muster_event_name(999) == NULL, "event names");

	muster_buf js = {0};
	ok(muster_entry_decode(ent.data, ent.len, &e) == 0, "decodes again");
	muster_entry_json(&js, &e);
	muster_buf_put(&js, "", 1);
	ok(strstr((char *)js.data, "\"type\":\"journal\"") && strstr((char *)js.data, "\"text\":\"夜班：3号钻机保养完毕\"") &&
			strstr((char *)js.data, "\"time\":\"2025-11-25T07:50:49.123Z\""),
		"JSON form names the type, text and time");
	muster_buf_free(&js);
	muster_buf_free(&ent);
	muster_buf_free(&body);
	muster_signer_free(s);
	return done_testing();
}
