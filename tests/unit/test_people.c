/*
 * test_people.c - people through the library: months and Beijing times,
 * certificate status by date, the built-in and added certificate kinds, the
 * periodic exam interval from hazard rules, readiness reasons in their
 * order, what falls due, and a deployment's return leaving exams and
 * inspections owed that the records clear.
 */
#include "tap.h"

#include "internal.h"

#include <muster/people.h>

#include <stdio.h>
#include <unistd.h>

#define is_str(got, want, ...) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		if (!ok(strcmp(g_, w_) == 0, __VA_ARGS__)) \
			printf("#   got '%s', want '%s'\n", g_, w_); \
	} while (0)

static void test_time(void)
{
	is_int(muster_date_add_months(20240131, 1), 20240229, "a month after Jan 31 in a leap year is Feb 29");
	is_int(muster_date_add_months(20230131, 1), 20230228, "and Feb 28 otherwise");
	is_int(muster_date_add_months(20201101, 72), 20261101, "72 months is six years");
	is_int(muster_date_add_months(20261231, 1), 20270131, "across the year end");
	uint64_t t = muster_time_parse("2026-11-25 08:30");
	is_int(t, 1795566600, "Beijing 08:30 is 00:30 UTC");
	is_int(muster_time_parse("2026-11-25T08:30:15"), 1795566615, "with seconds and a T");
	is_int(muster_time_parse("2026-11-25 24:00"), 0, "hour 24 is refused");
	is_int(muster_time_parse("2026-02-30 08:00"), 0, "a day that never was is refused");
	is_int(muster_time_parse("2026-11-25"), 0, "a date alone is not a time");
	char out[20];
	muster_time_format(t, out);
	is_str(out, "2026-11-25 08:30", "formatted back in Beijing time");
	is_int(muster_time_date(muster_time_parse("2026-11-25 23:59")), 20261125, "the Beijing date of a late time");
	is_int(muster_position_age_limit(MUSTER_POS_BRIGADE), 55, "大队指挥员 55");
	is_int(muster_position_age_limit(MUSTER_POS_SQUADRON), 50, "中队指挥员 50");
	is_int(muster_position_age_limit(MUSTER_POS_MEMBER), 45, "队员 45");
	is_int(muster_position_age_limit(MUSTER_POS_DRIVER), 0, "a driver has no norm");
}

static void test_status(void)
{
	muster_rec c;
	muster_rec_clear(&c);
	muster_rec_uint(&c, MF_VALID_FROM, 20200101);
	muster_rec_uint(&c, MF_VALID_TO, 20251231);
	muster_rec_uint(&c, MF_DUE, 20230101);
	muster_rec_uint(&c, MF_WINDOW, 60);
	is_int(muster_cert_status(&c, 20191231), MUSTER_CS_NOT_YET, "before valid from");
	is_int(muster_cert_status(&c, 20221101), MUSTER_CS_VALID, "valid before the window");
	is_int(muster_cert_status(&c, 20221102), MUSTER_CS_REVIEW_DUE, "the window opens 60 days before the review");
	is_int(muster_cert_status(&c, 20230101), MUSTER_CS_REVIEW_DUE, "on the review date");
	is_int(muster_cert_status(&c, 20230102), MUSTER_CS_REVIEW_OVERDUE, "the day after");
	muster_rec_del(&c, MF_DUE);
	is_int(muster_cert_status(&c, 20251231), MUSTER_CS_VALID, "valid on its last day");
	is_int(muster_cert_status(&c, 20260101), MUSTER_CS_EXPIRED, "expired the day after");
	muster_rec_uint(&c, MF_REVOKED, 20240101);
	is_int(muster_cert_status(&c, 20240101), MUSTER_CS_REVOKED, "revoked");
}

static char dir[] = "/tmp/muster-test-people.XXXXXX";
static muster_store *s;
static muster_signer *admin;

struct one {
	uint64_t type;
	muster_buf body;
};

static int write_one(muster_wtxn *w, void *arg)
{
	struct one *o = arg;
	return muster_append(w, admin, o->type, o->body.data, o->body.len, NULL);
}

static int ev(uint64_t type, const char *const *kv)
{
	muster_rec r;
	struct one o = {type, {0}};
	muster_buf items[MUSTER_FIELDS_MAX] = {{0}};
	uint64_t count[MUSTER_FIELDS_MAX] = {0};
	char why[256];
	muster_rec_clear(&r);
	for (; *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		char name[40];
		snprintf(name, sizeof name, "%.*s", (int)(eq - *kv), *kv);
		const muster_field *f = muster_field_by_name(name);
		if (!f || muster_fv_parse(f, eq + 1, &r, &items[f->tag], &count[f->tag], why, sizeof why) != 0) {
			printf("# bad test field %s\n", *kv);
			exit(1);
		}
		if (f->type == MUSTER_F_LIST)
			muster_rec_list(&r, f->tag, &items[f->tag], count[f->tag]);
	}
	muster_rec_encode(&o.body, &r);
	int rc = muster_write(s, write_one, &o);
	muster_buf_free(&o.body);
	for (int i = 0; i < MUSTER_FIELDS_MAX; i++)
		muster_buf_free(&items[i]);
	return rc;
}
#define EV(type, ...) ev(type, (const char *const[]){__VA_ARGS__, NULL})

#define P1 "34052419800101001X" /* DOMAIN.md's valid example: born 1980-01-01, male */
#define P2 "360426199101010071" /* born 1991-01-01 */

/* Readiness of a person on a date as "code code ..." (blocks then warnings, in the library's order). */
static const char *ready_codes(const char *id, uint64_t date, const char *need, size_t *blocks)
{
	static char out[512];
	muster_snap *sn;
	muster_rec p;
	muster_reason why[MUSTER_REASONS_MAX];
	size_t n = 0, off = 0;
	const char *kinds[1] = {need};
	muster_needs needs = {kinds, need ? 1 : 0};
	out[0] = 0;
	*blocks = 99;
	if (muster_snap_begin(s, &sn) != 0)
		return "no snapshot";
	if (muster_row_cget(sn, MUSTER_T_PERSON, id, &p) == 0 &&
		muster_person_ready(sn, &p, date, &needs, why, &n, blocks) == 0)
		for (size_t i = 0; i < n; i++)
			off += (size_t)snprintf(out + off, sizeof out - off, "%s%s", i ? " " : "", muster_reason_code(why[i].code));
	muster_snap_end(sn);
	return out;
}

static size_t due_count(const char *id, uint64_t until, int code)
{
	muster_snap *sn;
	muster_rec p;
	muster_due_item it[MUSTER_DUE_MAX];
	size_t n = 0, k = 0;
	if (muster_snap_begin(s, &sn) != 0)
		return 99;
	if (muster_row_cget(sn, MUSTER_T_PERSON, id, &p) == 0 && muster_person_due(sn, &p, until, it, &n) == 0)
		for (size_t i = 0; i < n; i++)
			k += it[i].code == code;
	muster_snap_end(sn);
	return k;
}

static void test_rules(void)
{
	size_t blocks;
	if (!mkdtemp(dir) || muster_signer_generate(&admin))
		exit(1);
	char path[256];
	snprintf(path, sizeof path, "%s/s", dir);
	ok(muster_store_create(path, "muster.test/people", admin, "张伟", &s) == 0, "a store");
	muster_store_set_durable(s, 0);
	is_int(EV(MUSTER_EV_TEAM_ADD, "team=T1", "name=太原队", "specialty=mine", "province=140000", "host=焦煤",
		       "host_code=91110000600037341L"),
		0, "a team");
	is_int(EV(MUSTER_EV_PERSON_ADD, "person=340524198001010013", "name=错", "team=T1", "position=member",
		       "hired=2010-01-01"),
		MUSTER_ESTATE, "a resident ID with a wrong check digit is refused");
	is_int(EV(MUSTER_EV_PERSON_ADD, "person=34052419800101001x", "name=小写", "team=T1", "position=member",
		       "hired=2010-01-01"),
		MUSTER_ESTATE, "a lower-case x is refused (one spelling per person)");
	is_int(EV(MUSTER_EV_PERSON_ADD, "person=" P1, "name=张三", "team=T2", "position=member", "hired=2010-01-01"),
		MUSTER_ENOTFOUND, "a person of no team is refused");
	is_int(EV(MUSTER_EV_PERSON_ADD, "person=" P1, "name=张三", "team=T1", "position=squad_leader",
		       "hired=2010-01-01", "hazards=煤尘", "hazards=噪声"),
		0, "张三 enrolled");
	is_int(EV(MUSTER_EV_PERSON_ADD, "person=" P1, "name=张三", "team=T1", "position=member", "hired=2010-01-01"),
		MUSTER_EEXIST, "no one is enrolled twice");
	is_int(EV(MUSTER_EV_PERSON_ADD, "person=" P2, "name=李四", "team=T1", "position=driver", "hired=2015-06-01"),
		0, "李四 enrolled");

	const char *r = ready_codes(P1, 20261201, NULL, &blocks);
	is_str(r, "no_exam age", "no exam yet; aged 46 over the squad leader's 45 (a warning)");
	is_int(blocks, 1, "one block");
	is_int(EV(MUSTER_EV_EXAM, "person=" P1, "exam=pre_placement", "institution=职防院", "date=2010-01-02",
		       "conclusion=normal"),
		MUSTER_ESTATE, "a pre-placement exam after the post start is refused");
	is_int(EV(MUSTER_EV_EXAM, "person=" P1, "exam=exit", "institution=职防院", "date=2009-12-01",
		       "conclusion=normal"),
		MUSTER_ESTATE, "an exit exam before hire is refused");
	is_int(EV(MUSTER_EV_EXAM, "person=" P1, "exam=pre_placement", "institution=职防院", "date=2009-12-20",
		       "conclusion=normal"),
		0, "the pre-placement exam");
	is_int(EV(MUSTER_EV_EXAM, "person=" P1, "exam=periodic", "institution=职防院", "date=2026-06-01",
		       "conclusion=normal"),
		0, "a periodic exam");
	is_str(ready_codes(P1, 20261201, NULL, &blocks), "age", "ready, with the age warning");
	is_str(ready_codes(P1, 20270602, NULL, &blocks), "exam_overdue age", "365 days by default: overdue a year on");
	is_int(EV(MUSTER_EV_HEALTH_RULE, "hazard=噪声", "interval=90"), 0, "噪声 every 90 days");
	is_str(ready_codes(P1, 20261201, NULL, &blocks), "exam_overdue age", "the shortest hazard interval rules");
	is_int(EV(MUSTER_EV_HEALTH_RULE, "hazard=噪声", "interval=3660"), 0, "噪声 relaxed");
	is_str(ready_codes(P1, 20261201, NULL, &blocks), "age", "and the crew default of 365 days applies again");

	/* Certificates. */
	is_int(EV(MUSTER_EV_CERT_ADD, "person=" P1, "kind=special_op", "number=T" P2, "op_category=5",
		       "item=瓦斯检查作业", "issuer=省厅", "valid_from=2020-01-01"),
		MUSTER_ESTATE, "a special operation number that is not T + the holder's ID is refused");
	is_int(EV(MUSTER_EV_CERT_ADD, "person=" P1, "kind=special_op", "number=T" P1, "item=瓦斯检查作业",
		       "issuer=省厅", "valid_from=2020-01-01"),
		MUSTER_ESTATE, "a special operation certificate needs its category");
	is_int(EV(MUSTER_EV_CERT_ADD, "person=" P1, "kind=forklift", "number=1", "issuer=省厅", "valid_from=2020-01-01"),
		MUSTER_ENOTFOUND, "an unknown kind is refused");
	is_int(EV(MUSTER_EV_CERT_ADD, "person=" P1, "kind=special_op", "number=T" P1, "op_category=5",
		       "item=瓦斯检查作业", "issuer=省厅", "valid_from=2020-01-01"),
		0, "a special operation certificate from 2020-01-01");
	is_str(ready_codes(P1, 20221201, NULL, &blocks), "cert_review_due", "its review is due 2023-01-01: the window is open");
	is_str(ready_codes(P1, 20230102, NULL, &blocks), "cert_review_overdue", "and overdue the day after");
	is_int(EV(MUSTER_EV_CERT_REVIEW, "person=" P1, "kind=special_op", "number=T" P1, "item=瓦斯检查作业",
		       "date=2022-12-01", "hours=4"),
		MUSTER_ESTATE, "a review needs 8 hours of training");
	is_int(EV(MUSTER_EV_CERT_REVIEW, "person=" P1, "kind=special_op", "number=T" P1, "item=瓦斯检查作业",
		       "date=2022-10-01", "hours=8"),
		MUSTER_ESTATE, "a review before the window opens is refused");
	is_int(EV(MUSTER_EV_CERT_REVIEW, "person=" P1, "kind=special_op", "number=T" P1, "item=瓦斯检查作业",
		       "date=2022-12-01", "hours=8"),
		0, "the review inside the window");
	is_str(ready_codes(P1, 20251201, NULL, &blocks), "cert_expiring",
		"reviewed at three years, nothing more is due before the six years end: only the expiry warns");
	is_str(ready_codes(P1, 20251231, NULL, &blocks), "cert_expiring", "valid on its last day");
	is_str(ready_codes(P1, 20260101, NULL, &blocks), "cert_expired age", "the six years end on 2025-12-31");
	is_int(due_count(P1, 20251201, MUSTER_D_CERT_REVIEW), 0, "no review is due after the last one");
	is_int(due_count(P1, 20251231, MUSTER_D_CERT_EXPIRY), 1, "the expiry is on the due list");
	is_int(EV(MUSTER_EV_CERT_RENEW, "person=" P1, "kind=special_op", "number=T" P1, "item=瓦斯检查作业",
		       "valid_from=2026-01-10"),
		0, "a renewal starts a new six-year period");
	is_str(ready_codes(P1, 20261201, "special_op", &blocks), "age", "valid again, and it meets --needs special_op");
	is_str(ready_codes(P1, 20261201, "first_aid", &blocks), "needs age", "--needs first_aid is not met");
	is_int(EV(MUSTER_EV_CERT_KIND, "kind=gas_detection", "name=瓦斯检测证", "validity=24"), 0, "a kind added as data");
	is_int(EV(MUSTER_EV_CERT_ADD, "person=" P2, "kind=gas_detection", "number=WJ-1", "issuer=集团",
		       "valid_from=2024-01-01"),
		0, "李四 holds one");
	is_int(EV(MUSTER_EV_CERT_ADD, "person=" P2, "kind=gas_detection", "number=WJ-2", "issuer=集团",
		       "valid_from=2026-01-01"),
		0, "and its successor under a new number");
	is_int(EV(MUSTER_EV_EXAM, "person=" P2, "exam=periodic", "institution=职防院", "date=2026-06-01",
		       "conclusion=recheck", "items=血常规", "due=2026-12-20"),
		0, "李四's exam asks for a recheck");
	is_str(ready_codes(P2, 20261201, "gas_detection", &blocks), "recheck_pending",
		"the expired first certificate is superseded by the second; the recheck is pending (a warning)");
	is_str(ready_codes(P2, 20261221, NULL, &blocks), "recheck_overdue", "and overdue after its date");
	is_int(due_count(P2, 20261231, MUSTER_D_CERT_EXPIRY), 0, "the superseded certificate is not on the due list");
	is_int(due_count(P2, 20261231, MUSTER_D_RECHECK), 1, "the recheck is");
	is_int(EV(MUSTER_EV_EXAM, "person=" P2, "exam=periodic", "institution=职防院", "date=2026-07-01",
		       "conclusion=contraindication"),
		MUSTER_ESTATE, "a contraindication must be named");

	/* A deployment and its return. */
	is_int(EV(MUSTER_EV_DEPLOY_OPEN, "deployment=D1", "source=ministry", "ordered_by=应急管理部", "incident=透水",
		       "location=古交", "ordered=2026-11-01 08:00"),
		0, "a deployment");
	is_int(EV(MUSTER_EV_DEPLOY_PERSON, "deployment=D1", "person=" P1), 0, "张三 goes");
	is_int(EV(MUSTER_EV_DEPLOY_TIME, "deployment=D1", "arrived=2026-11-01 12:00"), MUSTER_ESTATE,
		"no arrival before a departure");
	is_int(EV(MUSTER_EV_DEPLOY_TIME, "deployment=D1", "departed=2026-11-01 07:00"), MUSTER_ESTATE,
		"no departure before the order");
	is_int(EV(MUSTER_EV_DEPLOY_TIME, "deployment=D1", "departed=2026-11-01 08:30", "arrived=2026-11-01 11:00"), 0,
		"departed and arrived in one entry");
	is_int(EV(MUSTER_EV_DEPLOY_RETURN, "deployment=D1", "returned=2026-11-03 18:00"), 0, "归建");
	is_str(ready_codes(P1, 20261201, NULL, &blocks), "emergency_exam_owed age", "张三 owes the emergency exam");
	is_int(due_count(P1, 20261203, MUSTER_D_EMERGENCY), 1, "due by 2026-12-03 (30 days by default)");
	is_int(due_count(P1, 20261202, MUSTER_D_EMERGENCY), 0, "not before");
	is_int(EV(MUSTER_EV_EXAM, "person=" P1, "exam=emergency", "institution=职防院", "date=2026-11-05",
		       "conclusion=normal", "deployment=D1"),
		0, "the emergency exam");
	is_str(ready_codes(P1, 20261201, NULL, &blocks), "age", "clears it");
	is_int(EV(MUSTER_EV_PERSON_UPDATE, "person=" P2, "status=left", "date=2026-11-20", "reason=调离"), 0, "李四 leaves");
	is_str(ready_codes(P2, 20261201, NULL, &blocks), "left recheck_pending", "a leaver is not deployable");
	is_int(due_count(P2, 20261201, MUSTER_D_EXIT), 1, "and owes an exit exam (the last periodic is too old)");
	is_int(EV(MUSTER_EV_PERSON_UPDATE, "person=" P2, "name=李四四", "reason=x"), MUSTER_ESTATE,
		"a leaver's record changes only by a return to active");
	muster_store_close(s);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

int main(void)
{
	if (muster_init() != 0)
		return 1;
	test_time();
	test_status();
	test_rules();
	return done_testing();
}
