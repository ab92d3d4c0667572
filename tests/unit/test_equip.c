/*
 * test_equip.c - field records, label tags and the equipment rules through
 * the library: canonical encoding, dates and money, tag signatures, the
 * custody state machine, inspections due, and a physical count.
 */
#include "tap.h"

#include "equip_int.h"
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

static void test_dates(void)
{
	is_int(muster_date_parse("2024-02-29"), 20240229, "a leap day parses");
	is_int(muster_date_parse("2023-02-29"), 0, "a day that never was does not");
	is_int(muster_date_parse("2024-2-29"), 0, "dates are YYYY-MM-DD");
	is_int(muster_date_add(20241231, 1), 20250101, "a day after New Year's Eve");
	is_int(muster_date_add(20240301, -1), 20240229, "a day before March in a leap year");
	is_int(muster_date_days(19700101), 0, "day 0 is 1970-01-01");
	is_int(muster_date_from_days(muster_date_days(20261125)), 20261125, "days and back");
	/* 2026-11-24T16:00:00Z is midnight in Shanghai. */
	is_int(muster_date_of_ms(1764000000000ull - 1), 20251124, "a millisecond before Shanghai midnight");
	is_int(muster_date_of_ms(1764000000000ull), 20251125, "Shanghai midnight is UTC 16:00");
}

static int decode(const muster_buf *b, muster_rec *r)
{
	return muster_rec_decode(b->data, b->len, 0, 0, r, NULL, 0);
}

static void test_records(void)
{
	muster_rec r, d;
	muster_buf b = {0}, items = {0};
	uint64_t n = 0;
	char why[256];
	muster_rec_clear(&r);
	muster_rec_cstr(&r, MF_TYPE, "正压氧气呼吸器");
	muster_rec_cstr(&r, MF_ID, "BA-001");
	muster_rec_uint(&r, MF_VALUE, 1850000);
	muster_rec_uint(&r, MF_ACQUIRED, 20250301);
	muster_rec_uint(&r, MF_EXTERNAL, 1);
	muster_list_add(&items, &n, "a", 1);
	muster_list_add(&items, &n, "1", 1);
	muster_list_add(&items, &n, "b", 1);
	muster_list_add(&items, &n, "2", 1);
	muster_rec_list(&r, MF_ATTRS, &items, n / 2);
	muster_rec_encode(&b, &r);
	ok(decode(&b, &d) == 0, "a record decodes");
	ok(d.has == r.has && d.v[MF_VALUE].u == 1850000 && d.v[MF_ID].n == 6 && memcmp(d.v[MF_TYPE].p, "正压", 6) == 0,
		"to the same fields");
	muster_buf again = {0};
	muster_rec_encode(&again, &d);
	ok(again.len == b.len && memcmp(again.data, b.data, b.len) == 0, "and encodes to the same bytes");
	muster_buf j = {0};
	muster_rec_json(&j, &d);
	muster_buf_put(&j, "", 1);
	ok(strcmp((char *)j.data, ",\"id\":\"BA-001\",\"type\":\"正压氧气呼吸器\",\"acquired\":\"2025-03-01\",\"value\":1850000,"
				  "\"attr\":{\"a\":\"1\",\"b\":\"2\"},\"external\":true") == 0,
		"JSON: dates ISO, money in fen, attributes as an object");

	/* Non-canonical: fields out of order, an unknown tag, a bool that is not 1, a date that is not one. */
	static const uint8_t out_of_order[] = {12, 1, 'x', 1, 1, 'y'};
	static const uint8_t unknown[] = {127, 0};
	static const uint8_t bool2[] = {MF_EXTERNAL, 2};
	static const uint8_t baddate[] = {MF_DATE, 0x80 | (20250230 & 0x7f), 0x80 | ((20250230 >> 7) & 0x7f),
		0x80 | ((20250230 >> 14) & 0x7f), (20250230 >> 21) & 0x7f};
	static const uint8_t empty_text[] = {MF_ID, 0};
	static const uint8_t kv_unsorted[] = {MF_ATTRS, 2, 1, 'b', 1, '2', 1, 'a', 1, '1'};
	ok(muster_rec_decode(out_of_order, sizeof out_of_order, 0, 0, &d, why, sizeof why) == MUSTER_ECORRUPT,
		"fields out of order are refused (%s)", why);
	ok(muster_rec_decode(unknown, sizeof unknown, 0, 0, &d, NULL, 0) == MUSTER_ECORRUPT, "an unknown field is refused");
	ok(muster_rec_decode(bool2, sizeof bool2, 0, 0, &d, NULL, 0) == MUSTER_ECORRUPT, "a bool is 1 or absent");
	ok(muster_rec_decode(baddate, sizeof baddate, 0, 0, &d, NULL, 0) == MUSTER_ECORRUPT, "2025-02-30 is refused");
	ok(muster_rec_decode(empty_text, sizeof empty_text, 0, 0, &d, NULL, 0) == MUSTER_ECORRUPT, "empty text is absent text");
	ok(muster_rec_decode(kv_unsorted, sizeof kv_unsorted, 0, 0, &d, NULL, 0) == MUSTER_ECORRUPT,
		"attributes must be in key order: one encoding per set");
	ok(muster_rec_decode(b.data, b.len, MUSTER_BIT(MF_ID), 0, &d, why, sizeof why) == MUSTER_ECORRUPT &&
		   strstr(why, "does not belong"),
		"a field the type does not allow is refused (%s)", why);
	ok(muster_rec_decode(b.data, b.len, 0, MUSTER_BIT(MF_HOLDER), &d, why, sizeof why) == MUSTER_ECORRUPT &&
		   strstr(why, "holder is required"),
		"a missing required field is named (%s)", why);

	/* People type money in fen or in yuan with a point; enums in English or Chinese. */
	const muster_field *v = muster_field_by_name("value"), *f = muster_field_by_name("funding");
	muster_rec_clear(&d);
	ok(muster_fv_parse(v, "12500.5", &d, NULL, NULL, why, sizeof why) == 0 && d.v[MF_VALUE].u == 1250050,
		"12500.5 yuan is 1250050 fen");
	ok(muster_fv_parse(v, "1250050", &d, NULL, NULL, why, sizeof why) == 0 && d.v[MF_VALUE].u == 1250050,
		"a bare number is fen");
	ok(muster_fv_parse(v, "1.234", &d, NULL, NULL, why, sizeof why) == MUSTER_EINVAL, "no fractions of a fen");
	ok(muster_fv_parse(f, "国投", &d, NULL, NULL, why, sizeof why) == 0 && d.v[MF_FUNDING].u == 0, "国投 is national");
	ok(muster_fv_parse(f, "state", &d, NULL, NULL, why, sizeof why) == MUSTER_EINVAL && strstr(why, "national(国投)"),
		"an unknown enum value lists the choices");
	ok(muster_field_by_name("custody-from") == muster_field_get(MF_CUSTODY_FROM), "option names match field names");
	muster_buf fmt = {0};
	muster_fv_format(&fmt, v, &(muster_fv){358000000, NULL, 0}, 1);
	muster_buf_put(&fmt, "", 1);
	ok(strcmp((char *)fmt.data, "3,580,000.00元") == 0, "money reads as yuan with separators");
	muster_buf_free(&fmt);
	muster_buf_free(&b);
	muster_buf_free(&again);
	muster_buf_free(&items);
	muster_buf_free(&j);
}

static void test_tags(void)
{
	muster_signer *k, *other;
	muster_buf p = {0};
	muster_tag t;
	if (muster_signer_generate(&k) || muster_signer_generate(&other))
		exit(1);
	muster_tag_payload(&p, "https://m.example.cn/a/t/b", "muster.test/x", k, "RIG-01", 6, 3);
	muster_buf_put(&p, "\r\n", 3);
	ok(p.err == 0 && muster_tag_parse((char *)p.data, strlen((char *)p.data), &t) == 0, "a payload parses, CR LF and all");
	ok(strcmp(t.id, "RIG-01") == 0 && t.serial == 3 && t.base_len == strlen("https://m.example.cn/a/t/b"),
		"to its id and serial; a base URL may hold /t/ itself");
	ok(muster_tag_verify(&t, "muster.test/x", muster_signer_pk(k)) == 0, "the tag key's signature verifies");
	ok(muster_tag_verify(&t, "muster.test/y", muster_signer_pk(k)) == MUSTER_EVERIFY, "not under another origin");
	ok(muster_tag_verify(&t, "muster.test/x", muster_signer_pk(other)) == MUSTER_EVERIFY, "not with another key");
	t.serial = 2;
	ok(muster_tag_verify(&t, "muster.test/x", muster_signer_pk(k)) == MUSTER_EVERIFY, "the serial is signed");
	ok(muster_tag_parse("https://m.example.cn/t/", 23, &t) == MUSTER_EINVAL, "an empty tag is no tag");
	ok(muster_tag_parse("https://m.example.cn/t/AAAA", 27, &t) == MUSTER_EINVAL, "a short tag is no tag");
	char *at = (char *)p.data + strlen("https://m.example.cn/a/t/b/t/"), was = at[0];
	at[0] = (char)0xff; /* libsodium 1.0.18 alone would read it as '_' */
	ok(muster_tag_parse((char *)p.data, strlen((char *)p.data), &t) == MUSTER_EINVAL,
		"a byte >= 0x80 in the tag's base64 is no tag");
	at[0] = was;
	ok(muster_url_valid("https://m.example.cn", 20) && !muster_url_valid("https://m.example.cn/", 21) &&
		   !muster_url_valid("ftp://x", 7) && !muster_url_valid("https://a b", 11),
		"base URLs: http(s), no trailing slash, no spaces");
	muster_signer_free(k);
	muster_signer_free(other);
	muster_buf_free(&p);
}

/* ---- the rules, through a store ------------------------------------------------------ */

static char dir[] = "/tmp/muster-test-equip.XXXXXX";
static muster_store *s;
static muster_signer *admin, *keeper2;

struct one {
	const muster_signer *k;
	uint64_t type;
	muster_buf body;
};

static int write_one(muster_wtxn *w, void *arg)
{
	struct one *o = arg;
	return muster_append(w, o->k, o->type, o->body.data, o->body.len, NULL);
}

/* ev(type, "tag=value", ...) signed by admin; values typed as a person would. */
static int ev_as(const muster_signer *k, uint64_t type, const char *const *kv)
{
	muster_rec r;
	struct one o = {k, type, {0}};
	char why[256];
	muster_rec_clear(&r);
	for (; *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		char name[40];
		snprintf(name, sizeof name, "%.*s", (int)(eq - *kv), *kv);
		const muster_field *f = muster_field_by_name(name);
		if (!f || muster_fv_parse(f, eq + 1, &r, NULL, NULL, why, sizeof why) != 0) {
			printf("# bad test field %s\n", *kv);
			exit(1);
		}
	}
	muster_rec_encode(&o.body, &r);
	int rc = muster_write(s, write_one, &o);
	muster_buf_free(&o.body);
	return rc;
}
#define EV(type, ...) ev_as(admin, type, (const char *const[]){__VA_ARGS__, NULL})
#define EV2(type, ...) ev_as(keeper2, type, (const char *const[]){__VA_ARGS__, NULL})

/* The history of asset id as text, "i,j,k,". */
static int hist_add(uint64_t index, void *arg)
{
	char *b = arg;
	size_t n = strlen(b);
	snprintf(b + n, 4096 - n, "%" PRIu64 ",", index);
	return 0;
}

static void hist_of(const char *id, char b[4096])
{
	muster_snap *sn;
	b[0] = 0;
	if (muster_snap_begin(s, &sn) != 0 || muster_asset_history(sn, id, hist_add, b) != 0)
		snprintf(b, 4096, "error");
	muster_snap_end(sn);
}

/*
 * A store whose history projection has the layout of before it was an
 * LMDB DUPSORT database (asset id 0x00 be64(index) -> ""): written back
 * with raw LMDB calls, it is converted when opened, to the same histories.
 */
static void test_hist_convert(const char *path)
{
	static const char *const ids[] = {"A1", "A2", "A3", "A4", "NONE"};
	char before[5][4096], after[5][4096];
	for (int i = 0; i < 5; i++)
		hist_of(ids[i], before[i]);
	ok(strchr(before[0], ',') != strrchr(before[0], ','), "A1 has a history of several entries (%s)", before[0]);

	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_dbi dbi = s->dbi[DB_HIST];
	MDB_val k, v;
	muster_buf old = {0};
	size_t n = 0;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0 && (rc = mdb_cursor_open(txn, dbi, &cur)) == 0) {
		for (int m = mdb_cursor_get(cur, &k, &v, MDB_FIRST); m == 0; m = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			uint8_t len = (uint8_t)k.mv_size;
			muster_buf_put(&old, &len, 1);
			muster_buf_put(&old, k.mv_data, k.mv_size);
			muster_buf_put(&old, "", 1);
			muster_buf_put(&old, v.mv_data, 8);
			n++;
		}
		mdb_cursor_close(cur);
	}
	if (rc == 0)
		rc = mdb_drop(txn, dbi, 1);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "history", MDB_CREATE, &dbi);
	for (size_t at = 0; rc == 0 && at < old.len; at += 1 + (size_t)old.data[at] + 9) {
		k = (MDB_val){(size_t)old.data[at] + 9, old.data + at + 1};
		v = (MDB_val){0, ""};
		rc = mdb_put(txn, dbi, &k, &v, 0);
	}
	unsigned flags = 99;
	if (rc == 0)
		rc = mdb_dbi_flags(txn, dbi, &flags);
	/* format 1 had no spend_date either */
	MDB_val fk = {6, "format"}, fv = {1, "\x01"};
	if (rc == 0)
		rc = mdb_put(txn, s->dbi[DB_META], &fk, &fv, 0);
	if (rc == 0)
		rc = mdb_drop(txn, s->dbi[DB_SPDATE], 1);
	rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	muster_buf_free(&old);
	ok(rc == 0 && n > 5 && flags == 0, "the history rewritten in the old layout (%zu keys, flags %u)", n, flags);

	muster_store_close(s);
	s = NULL;
	is_int(muster_store_open(path, &s), 0, "the store opens");
	flags = 0;
	if (s && mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) == 0) {
		MDB_stat st = {0};
		if (mdb_dbi_flags(txn, s->dbi[DB_HIST], &flags) != 0 || mdb_stat(txn, s->dbi[DB_HIST], &st) != 0)
			flags = 0;
		mdb_txn_abort(txn);
		is_int((int)st.ms_entries, (int)n, "every entry of the old layout is there");
	}
	ok((flags & (MDB_DUPSORT | MDB_DUPFIXED)) == (MDB_DUPSORT | MDB_DUPFIXED), "it is MDB_DUPSORT|MDB_DUPFIXED now");
	is_int(s ? (int)s->format : 0, MUSTER_STORE_FORMAT, "and the store has this muster's format");
	for (int i = 0; i < 5; i++) {
		hist_of(ids[i], after[i]);
		ok(strcmp(after[i], before[i]) == 0, "the history of %s is the same (%s)", ids[i], after[i]);
	}
	muster_reindex_diff d;
	is_int(muster_reindex_check(s, &d), 0, "reindex --check finds the converted projection as a rebuild makes it");
	muster_store_close(s);
	is_int(muster_store_open(path, &s), 0, "and opens again, with nothing left to convert");
	hist_of("A1", after[0]);
	ok(strcmp(after[0], before[0]) == 0, "A1's history once more");

	/* A newer format than this muster's is refused, and left as it is. */
	uint8_t newer = MUSTER_STORE_FORMAT + 1;
	fv = (MDB_val){1, &newer};
	rc = s ? mdb_txn_begin(s->env, NULL, 0, &txn) : -1;
	if (rc == 0)
		rc = mdb_put(txn, s->dbi[DB_META], &fk, &fv, 0) ? (mdb_txn_abort(txn), -1) : mdb_txn_commit(txn);
	muster_store_close(s);
	s = NULL;
	errno = 0;
	is_int(rc == 0 ? muster_store_open(path, &s) : rc, MUSTER_ESTATE, "a store of a newer format is refused");
	is_int(errno, EPROTONOSUPPORT, "with errno EPROTONOSUPPORT");
	rc = mdb_env_create(&env) ? -1 : mdb_env_set_maxdbs(env, 32) ? -1 : mdb_env_open(env, path, 0, 0600);
	if (rc == 0 && (rc = mdb_txn_begin(env, NULL, 0, &txn)) == 0) {
		MDB_dbi meta;
		MDB_val got;
		uint8_t one = MUSTER_STORE_FORMAT;
		rc = mdb_dbi_open(txn, "meta", 0, &meta) || mdb_get(txn, meta, &fk, &got) || got.mv_size != 1 ||
			*(uint8_t *)got.mv_data != newer;
		fv = (MDB_val){1, &one};
		if (rc == 0)
			rc = mdb_put(txn, meta, &fk, &fv, 0);
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	mdb_env_close(env);
	ok(rc == 0, "its format left as it was");
	is_int(muster_store_open(path, &s), 0, "and with this muster's format back, it opens");
}

static uint64_t state_of(const char *id)
{
	muster_snap *sn;
	muster_rec a;
	uint64_t st = 99;
	if (muster_snap_begin(s, &sn) == 0 && muster_row_cget(sn, MUSTER_T_ASSET, id, &a) == 0)
		st = a.v[MF_STATE].u;
	muster_snap_end(sn);
	return st;
}

static void test_rules(void)
{
	if (!mkdtemp(dir) || muster_signer_generate(&admin) || muster_signer_generate(&keeper2))
		exit(1);
	char path[256];
	snprintf(path, sizeof path, "%s/s", dir);
	ok(muster_store_create_url(path, "muster.test/equip", admin, "张伟", "https://m.example.cn", &s) == 0,
		"a store with a base URL");
	muster_store_set_durable(s, 0);
	muster_buf kb = {0};
	muster_ev_key kv = {muster_signer_pk(keeper2), MUSTER_ROLE_KEEPER, {"赵强", strlen("赵强")}};
	muster_ev_key_encode(&kb, MUSTER_EV_KEY_ENROL, &kv);
	struct one o = {admin, MUSTER_EV_KEY_ENROL, kb};
	ok(muster_write(s, write_one, &o) == 0, "a second keeper enrolled");
	muster_buf_free(&kb);

	is_int(EV(MUSTER_EV_TEAM_ADD, "team=KS-1", "name=甲队", "specialty=mine", "province=140000", "host=h",
		       "host_code=91110000600037341L"),
		0, "team KS-1");
	is_int(EV(MUSTER_EV_TEAM_ADD, "team=KS-2", "name=乙队", "specialty=tunnel", "province=660000", "host=兵团某公司",
		       "host_code=91110108551385082Q"),
		0, "team KS-2 of the 兵团 (660000)");
	is_int(EV(MUSTER_EV_TEAM_ADD, "team=KS-1", "name=x", "specialty=mine", "province=140000", "host=h",
		       "host_code=91110000600037341L"),
		MUSTER_EEXIST, "a team code is unique");
	is_int(EV(MUSTER_EV_DEPOT_ADD, "depot=D1", "team=KS-1", "name=一号库"), 0, "depot D1");
	is_int(EV(MUSTER_EV_DEPOT_ADD, "depot=D2", "team=KS-2", "name=二号库"), 0, "depot D2");
	is_int(EV(MUSTER_EV_DEPOT_ADD, "depot=D3", "team=KS-9", "name=x"), MUSTER_ENOTFOUND, "a depot needs its team");
	is_int(EV(MUSTER_EV_ASSET_ADD, "id=A1", "category=2030101", "type=呼吸器", "model=M", "serial=1", "funding=host",
		       "depot=D1", "acquired=2025-01-01"),
		0, "asset A1");
	is_int(EV(MUSTER_EV_ASSET_ADD, "id=A2", "category=2030101", "type=呼吸器", "model=M", "serial=2", "funding=host",
		       "depot=D1"),
		0, "asset A2");
	is_int(EV(MUSTER_EV_ASSET_ADD, "id=A3", "category=2030101", "type=呼吸器", "model=M", "serial=2", "funding=host",
		       "depot=D1"),
		MUSTER_EEXIST, "the same serial of the same model twice");
	is_int(EV(MUSTER_EV_ASSET_ADD, "id=A3", "category=2030101", "type=呼吸器", "model=N", "serial=2", "funding=host",
		       "depot=D1"),
		0, "the same serial of another model is fine");
	is_int(EV(MUSTER_EV_ASSET_ADD, "id=A4", "category=4030101", "type=x", "model=x", "funding=host", "depot=D1"),
		MUSTER_ESTATE, "a category whose top class is 4");
	ok(strstr(muster_store_why(s), "GB/T 38565") != NULL, "is explained: %s", muster_store_why(s));

	/* The state machine, every legal step and a sample of illegal ones. */
	is_int(EV(MUSTER_EV_RETURN, "id=A1"), MUSTER_ESTATE, "return from the depot is illegal");
	ok(strstr(muster_store_why(s), "in_depot") != NULL, "and says the asset is in depot");
	is_int(EV(MUSTER_EV_CHECKOUT, "id=A1", "holder=张三", "purpose=mission"), MUSTER_ESTATE,
		"a mission checkout needs a deployment id");
	is_int(EV(MUSTER_EV_CHECKOUT, "id=A1", "holder=张三", "purpose=mission", "deployment=CD-1"), MUSTER_ENOTFOUND,
		"a mission checkout needs its deployment opened first");
	is_int(EV(MUSTER_EV_DEPLOY_OPEN, "deployment=CD-1", "source=province", "ordered_by=省应急厅", "incident=煤矿透水",
		       "location=古交", "ordered=2026-01-01 08:00"),
		0, "a deployment opened");
	is_int(EV(MUSTER_EV_CHECKOUT, "id=A1", "holder=张三", "purpose=mission", "deployment=CD-1"), 0, "checkout");
	is_int(state_of("A1"), MUSTER_S_CHECKED_OUT, "checked out");
	is_int(EV(MUSTER_EV_REPAIR_OUT, "id=A1", "vendor=v"), MUSTER_ESTATE, "no repair while checked out");
	is_int(EV(MUSTER_EV_RETURN, "id=A1"), 0, "return");
	is_int(EV(MUSTER_EV_REPAIR_OUT, "id=A1", "vendor=v"), 0, "repair out");
	is_int(EV(MUSTER_EV_REPAIR_BACK, "id=A1"), 0, "repair back");
	is_int(EV(MUSTER_EV_HANDOVER, "id=A1", "to_team=KS-1"), MUSTER_ESTATE, "no handover to the team that holds it");
	is_int(EV(MUSTER_EV_HANDOVER, "id=A1", "to_team=KS-2"), 0, "handover");
	is_int(EV(MUSTER_EV_ACCEPT, "id=A1", "depot=D2"), MUSTER_EPERM, "the giver cannot accept");
	is_int(EV2(MUSTER_EV_ACCEPT, "id=A1", "depot=D1"), MUSTER_ESTATE, "nor take it into a depot of another team");
	is_int(EV2(MUSTER_EV_ACCEPT, "id=A1"), MUSTER_ESTATE, "accepting needs a depot");
	is_int(EV2(MUSTER_EV_ACCEPT, "id=A1", "depot=D2"), 0, "the receiving keeper accepts");
	is_int(state_of("A1"), MUSTER_S_IN_DEPOT, "in depot again, of the other team");
	is_int(EV(MUSTER_EV_SCRAP, "id=A1", "reason=损坏"), 0, "scrap");
	is_int(EV(MUSTER_EV_CHECKOUT, "id=A1", "holder=x", "purpose=drill"), MUSTER_ESTATE, "scrapping is final");
	is_int(EV(MUSTER_EV_ASSET_RELABEL, "id=A2", "label=3"), MUSTER_ESTATE, "label serials go up by one");
	is_int(EV(MUSTER_EV_ASSET_RELABEL, "id=A2", "label=2"), 0, "relabel");

	/* Inspections: rules are data; a changed interval moves every due date. */
	muster_snap *sn;
	muster_rec a;
	muster_due d[MUSTER_DUES_MAX];
	size_t nd = 0;
	int counted;
	unsigned why;
	is_int(EV(MUSTER_EV_INSPECT_RULE, "type=呼吸器", "kind=月检", "interval=30"), 0, "a rule");
	ok(muster_snap_begin(s, &sn) == 0 && muster_row_cget(sn, MUSTER_T_ASSET, "A2", &a) == 0 &&
		   muster_asset_dues(sn, "A2", &a, d, &nd) == 0 && nd == 1 && d[0].last_result == -1,
		"A2 owes one monthly check, never done");
	ok(muster_asset_ready(sn, "A2", &a, muster_date_add(d[0].due, 1), &counted, &why) == 0 && counted &&
		   why == MUSTER_NR_OVERDUE,
		"a day past due it is not ready");
	ok(muster_asset_ready(sn, "A2", &a, d[0].due, &counted, &why) == 0 && why == 0, "on the due date it still is");
	muster_snap_end(sn);
	is_int(EV(MUSTER_EV_INSPECT, "id=A2", "kind=月检", "result=fail", "inspector=李四", "date=2025-06-01"), 0,
		"a failed inspection");
	is_int(EV(MUSTER_EV_INSPECT, "id=A2", "kind=月检", "result=pass", "inspector=李四", "date=2025-05-01"), 0,
		"an older record entered late");
	ok(muster_snap_begin(s, &sn) == 0 && muster_row_cget(sn, MUSTER_T_ASSET, "A2", &a) == 0 &&
		   muster_asset_dues(sn, "A2", &a, d, &nd) == 0 && nd == 1 && d[0].last_date == 20250601 &&
		   d[0].last_result == 1 && d[0].due == 20250701,
		"the latest inspection counts, not the last entered");
	ok(muster_asset_ready(sn, "A2", &a, 20250615, &counted, &why) == 0 && why == MUSTER_NR_FAILED,
		"a failed last inspection: not ready");
	muster_snap_end(sn);
	is_int(EV(MUSTER_EV_INSPECT_RULE, "type=呼吸器", "kind=月检", "interval=90"), 0, "the interval changes");
	ok(muster_snap_begin(s, &sn) == 0 && muster_row_cget(sn, MUSTER_T_ASSET, "A2", &a) == 0 &&
		   muster_asset_dues(sn, "A2", &a, d, &nd) == 0 && d[0].due == 20250830,
		"and the due date follows");
	muster_snap_end(sn);
	/* A report's walk reads every type's rules once: the same dues, beside types whose keys sort around 呼吸器's. */
	is_int(EV(MUSTER_EV_INSPECT_RULE, "type=呼吸器x", "kind=年检", "interval=365"), 0, "a rule of a longer type");
	is_int(EV(MUSTER_EV_INSPECT_RULE, "type=呼吸", "kind=季检", "interval=91"), 0, "and of a shorter one");
	is_int(EV(MUSTER_EV_INSPECT_RULE, "type=呼吸器", "kind=周检", "interval=7"), 0, "a second rule of A2's type");
	{
		struct muster_rules rules;
		muster_due d2[MUSTER_DUES_MAX];
		size_t nd2 = 0;
		int counted2;
		unsigned why2;
		ok(muster_snap_begin(s, &sn) == 0 && muster_row_cget(sn, MUSTER_T_ASSET, "A2", &a) == 0 &&
			   muster_rules_load(sn, &rules) == 0 && rules.n == 4 &&
			   muster_asset_ready_dues(sn, NULL, "A2", &a, 20250615, &counted, &why, d, &nd) == 0 &&
			   muster_asset_ready_dues(sn, &rules, "A2", &a, 20250615, &counted2, &why2, d2, &nd2) == 0,
			"A2's dues from the store and from the rules read once");
		ok(nd == 2 && nd2 == nd && counted2 == counted && why2 == why && d2[0].interval == d[0].interval &&
			   d2[1].interval == d[1].interval && d2[0].due == d[0].due && d2[1].due == d[1].due &&
			   d2[0].kind_len == d[0].kind_len && memcmp(d2[0].kind, d[0].kind, d[0].kind_len) == 0 &&
			   d2[1].kind_len == d[1].kind_len && memcmp(d2[1].kind, d[1].kind, d[1].kind_len) == 0,
			"are the same two, in the same order");
		muster_rules_free(&rules);
		muster_snap_end(sn);
	}

	/* A count: A2 and A3 are on D1's ledger; A3 is scanned, so is A1 (of D2, scrapped). */
	muster_count_lists l;
	muster_rec res;
	is_int(EV(MUSTER_EV_COUNT_START, "count=C1", "depot=D1"), 0, "a count starts");
	is_int(EV(MUSTER_EV_COUNT_START, "count=C1", "depot=D1"), MUSTER_EEXIST, "count ids are unique");
	is_int(EV(MUSTER_EV_COUNT_SCAN, "count=C1", "id=A3"), 0, "A3 scanned");
	is_int(EV(MUSTER_EV_COUNT_SCAN, "count=C1", "id=A1"), 0, "A1 scanned");
	ok(muster_snap_begin(s, &sn) == 0 && muster_count_result(sn, "C1", &l, &res) == 0 && l.n_matched == 1 &&
		   l.n_missing == 1 && l.n_unexpected == 1,
		"one matched, one missing, one unexpected");
	muster_snap_end(sn);
	struct one c = {admin, MUSTER_EV_COUNT_CLOSE, {0}};
	muster_rec forged = res;
	muster_rec_del(&forged, MF_MISSING);
	muster_rec_uint(&forged, MF_MATCHED, 2);
	muster_rec_encode(&c.body, &forged);
	is_int(muster_write(s, write_one, &c), MUSTER_ESTATE, "a close that hides the missing asset is refused");
	muster_buf_reset(&c.body);
	muster_rec_encode(&c.body, &res);
	is_int(muster_write(s, write_one, &c), 0, "the true result closes the count");
	is_int(muster_write(s, write_one, &c), MUSTER_ESTATE, "once");
	muster_buf_free(&c.body);
	muster_count_lists_free(&l);

	/* The URL history: old labels keep their meaning. */
	is_int(EV(MUSTER_EV_SITE_URL, "url=https://new.example.cn/x"), 0, "the base URL moves");
	ok(muster_snap_begin(s, &sn) == 0 && muster_snap_url_known(sn, "https://m.example.cn", 20) &&
		   muster_snap_url_known(sn, "https://new.example.cn/x", 24) && !muster_snap_url_known(sn, "https://o.cn", 12),
		"old and new URLs are ours, others are not");
	muster_snap_end(sn);
	is_int(EV(MUSTER_EV_SITE_URL, "url=https://new.example.cn/"), MUSTER_ESTATE, "a trailing slash is refused");
	is_int(ev_as(keeper2, MUSTER_EV_SITE_URL, (const char *const[]){"url=https://k.cn", NULL}), MUSTER_EPERM,
		"only an admin moves the site");

	is_int(muster_reindex(s), 0, "reindex replays every rule");
	is_int(state_of("A1"), MUSTER_S_SCRAPPED, "to the same state");
	test_hist_convert(path);
	muster_store_close(s);
	muster_signer_free(admin);
	muster_signer_free(keeper2);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

int main(void)
{
	if (muster_init() != 0)
		return 1;
	test_dates();
	test_records();
	test_tags();
	test_rules();
	return done_testing();
}
