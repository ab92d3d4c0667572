/*
 * bench_people.c - HR's figures at national scale: who can be deployed
 * ('muster ready') for one team and for the whole country, and what falls
 * due ('muster due --within 60'), read in process.
 *
 * Usage: bench_people DIR   (DIR must exist; the store is made under it and removed)
 *
 * Builds a store of BENCH_TEAMS teams and BENCH_PEOPLE people spread over
 * them, with about BENCH_CERTS certificates (mine rescue, special operation
 * with several items, first aid, skill, driving; renewals, expired ones,
 * reviews due and overdue, a few revoked) and about BENCH_EXAMS health exams
 * (pre-placement, periodic, a few rechecks, contraindications, exit and
 * emergency exams after deployments), plus health rules for a few hazard
 * factors, leavers and suspensions: every one a real signed event appended
 * through muster_write / muster_append, BENCH_BATCH per write, no fsync.
 * Then, each figure the median of several runs, each run opening and
 * closing its own snapshot:
 *
 *   ready_team_ms        muster_people_each(team) + muster_person_ready for
 *                        each of its people (~215), every team in turn
 *                        (and ready_team_p90_ms)                goal < 5 ms
 *   ready_country_ms     the same for everyone                 goal < 200 ms
 *   ready_country_cpu_ms its CPU time (this thread): the figure without the
 *                        waits of a machine busy with other work
 *   ready_per_person_us  ready_country_ms per person
 *   due_team_ms          muster_person_due(until = today + 60) for one team
 *   due_country_ms       the same for everyone                 goal < 200 ms
 *   due_country_cpu_ms   its CPU time
 *   build_people_per_s   events appended per second while building the store
 *
 * and the counts that describe the run: teams, people, certs, exams,
 * build_events, deployable (people ready today), due_people and due_items.
 *
 * Environment: BENCH_TEAMS (130), BENCH_PEOPLE (28000), BENCH_CERTS
 * (200000), BENCH_EXAMS (150000), BENCH_DEPLOYS (6), BENCH_BATCH (10000),
 * BENCH_REPS (runs of each country figure, 11), BENCH_TEAM_ROUNDS (rounds
 * over every team for the team figures, 3).  Progress goes to stderr.
 */
#include <muster/muster.h>

#include "bench_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

/* A number in [lo, hi], the same every run (H). */
static uint64_t R(uint64_t i, uint64_t salt, uint64_t lo, uint64_t hi)
{
	return lo + H(i, salt) % (hi - lo + 1);
}
/* How many of `total` things person i gets: the average, plus a jitter that pairs of people cancel. */
static unsigned share(uint64_t i, uint64_t n, uint64_t total, unsigned jitter, uint64_t salt)
{
	int64_t q = (int64_t)((i + 1) * total / n - i * total / n);
	if (jitter) {
		int64_t j = (int64_t)(H(i / 2, salt) % (2 * jitter + 1)) - (int64_t)jitter;
		q += i % 2 ? -j : j;
	}
	return q < 0 ? 0 : (unsigned)q;
}

/* ---- the dataset ------------------------------------------------------------ */

/* Province-level prefixes of the mainland (GB/T 2260), for teams and the IDs of their people. */
static const char *const provinces[] = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
	"35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
	"65"};
#define NPROV (sizeof provinces / sizeof provinces[0])

/* Hazard factors and their periodic exam intervals; "default" is the crew's. */
static const struct {
	const char *name;
	unsigned days;
} hazards[] = {{"煤尘", 730}, {"矽尘", 365}, {"噪声", 365}, {"高温", 365}, {"一氧化碳", 730}};
#define NHAZ (sizeof hazards / sizeof hazards[0])
#define DEFAULT_INTERVAL 730

/* Special operation items (特种作业目录): category, item. */
static const struct {
	unsigned cat;
	const char *item;
} op_items[] = {
	{5, "煤矿井下电气作业"}, {5, "煤矿安全检查作业"}, {5, "煤矿瓦斯检查作业"}, {5, "煤矿探放水作业"},
	{1, "高压电工作业"}, {1, "低压电工作业"}, {2, "熔化焊接与热切割作业"}, {3, "登高架设作业"},
	{5, "煤矿井下爆破作业"}, {6, "金属非金属矿山安全检查作业"},
};

/* What a person's certificates are, slot by slot: person i holds the first k of them. */
enum { K_RESCUE, K_OP, K_FIRST_AID, K_SKILL, K_DRIVING, K_RESCUE_OLD, K_FIRST_AID_OLD };
static const struct {
	int kind;
	unsigned item; /* K_OP: index into op_items */
} slots[] = {
	{K_RESCUE, 0}, {K_OP, 0}, {K_FIRST_AID, 0}, {K_OP, 1}, {K_SKILL, 0}, {K_OP, 2}, {K_DRIVING, 0}, {K_OP, 3},
	{K_RESCUE_OLD, 0}, {K_OP, 4}, {K_OP, 5}, {K_FIRST_AID_OLD, 0}, {K_OP, 6}, {K_OP, 7}, {K_OP, 8}, {K_OP, 9},
};
#define NSLOTS (sizeof slots / sizeof slots[0])

struct person {
	char id[19];
	unsigned team;
	uint64_t hired, pre; /* pre: pre-placement exam date, 0 if none */
	uint64_t left;       /* 0: did not leave */
	unsigned interval;
	uint64_t hazmask;
	unsigned ncerts, nperiodic;
	uint64_t rescue_from, aid_from; /* valid_from of the current certificates (the old ones end before) */
};

static uint64_t days_before(uint64_t ymd, uint64_t days)
{
	return muster_date_add(ymd, -(int64_t)days);
}

/*
 * Resident ID (GB 11643): division (the province and 4 digits of i / 1000),
 * birth date, a 3-digit sequence (i % 1000), ISO 7064 MOD 11-2 check
 * character.  Unique for every i below 10,000,000.
 */
static void make_id(char out[19], const char *pp, uint64_t i, uint64_t birth)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	char t[48];
	snprintf(t, sizeof t, "%.2s%04u%08u%03u", pp, (unsigned)(i / 1000 % 10000), (unsigned)(birth % 100000000),
		(unsigned)(i % 1000));
	memcpy(out, t, 17);
	int sum = 0;
	for (int k = 0; k < 17; k++)
		sum += (out[k] - '0') * w[k];
	out[17] = "10X98765432"[sum % 11];
	out[18] = 0;
}

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
	"马", "胡", "郭", "何", "高", "林", "罗", "郑"};
static const char *const given[] = {"伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平",
	"辉", "鹏", "华", "飞", "鑫", "波", "宁", "亮", "建国", "志强", "海涛", "晓东"};

static void team_code(char *out, size_t n, unsigned t)
{
	snprintf(out, n, "KS-%s-%03u", provinces[t % NPROV], t);
}

struct counts {
	uint64_t teams, people, certs, exams, other;
};

static void build_teams(struct batch *b, const muster_signer *admin, unsigned nteams, struct counts *c)
{
	static const char *const hosts[] = {"国家能源集团", "晋能控股集团", "山东能源集团", "陕西煤业化工集团",
		"中国中煤能源集团", "河南能源集团"};
	for (unsigned t = 0; t < nteams; t++) {
		char code[32], name[128], prov[8];
		muster_rec r;
		team_code(code, sizeof code, t);
		snprintf(name, sizeof name, "国家矿山应急救援%s队%03u", provinces[t % NPROV], t);
		snprintf(prov, sizeof prov, "%s0000", provinces[t % NPROV]);
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_TEAM, code);
		muster_rec_cstr(&r, MF_NAME, name);
		muster_rec_uint(&r, MF_SPECIALTY, t % 7 == 3 ? 1 : t % 11 == 5 ? 2 : 0);
		muster_rec_cstr(&r, MF_PROVINCE, prov);
		muster_rec_cstr(&r, MF_HOST, hosts[t % 6]);
		muster_rec_cstr(&r, MF_HOST_CODE, "91110000600037341L");
		add(b, admin, MUSTER_EV_TEAM_ADD, &r);
		c->teams++;
	}
}

static void build_rules(struct batch *b, const muster_signer *admin, const muster_signer *hr, struct counts *c)
{
	muster_rec r;
	muster_rec_clear(&r);
	muster_rec_cstr(&r, MF_HAZARD, "default");
	muster_rec_uint(&r, MF_INTERVAL, DEFAULT_INTERVAL);
	add(b, hr, MUSTER_EV_HEALTH_RULE, &r);
	for (size_t h = 0; h < NHAZ; h++) {
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_HAZARD, hazards[h].name);
		muster_rec_uint(&r, MF_INTERVAL, hazards[h].days);
		add(b, hr, MUSTER_EV_HEALTH_RULE, &r);
	}
	muster_rec_clear(&r);
	muster_rec_uint(&r, MF_EXAM_DAYS, 30);
	muster_rec_uint(&r, MF_TARGET, 300);
	add(b, admin, MUSTER_EV_POLICY, &r);
	c->other += NHAZ + 2;
}

/* Who each person is, their hire date and exam history, decided before anything is written. */
static void plan_people(struct person *ps, uint64_t n, unsigned nteams, uint64_t nexams, uint64_t ncerts,
	uint64_t today)
{
	for (uint64_t i = 0; i < n; i++) {
		struct person *p = &ps[i];
		p->team = (unsigned)(i % nteams);
		/* 1-3 hazard factors (a few posts have none), in table order */
		uint64_t m = H(i, 1) % 32;
		while (__builtin_popcountll(m) > 3)
			m &= m - 1;
		p->hazmask = m;
		p->interval = DEFAULT_INTERVAL;
		for (size_t h = 0; h < NHAZ; h++)
			if (m >> h & 1 && hazards[h].days < p->interval)
				p->interval = hazards[h].days;
		unsigned iv = p->interval;
		/* exams: a pre-placement one, then periodic ones; a few people have none on record */
		unsigned ne = share(i, n, nexams, 3, 2);
		if (i % 331 == 5)
			ne = 0;
		p->nperiodic = ne ? ne - 1 : 0;
		p->ncerts = share(i, n, ncerts, 3, 3);
		if (p->ncerts < 1)
			p->ncerts = 1;
		if (p->ncerts > NSLOTS)
			p->ncerts = NSLOTS;
		if (p->nperiodic) {
			/* the latest periodic exam: mostly in date, 4% overdue */
			uint64_t ago = H(i, 4) % 100 < 96 ? R(i, 5, 1, iv - 1) : R(i, 5, iv + 1, iv + 240);
			uint64_t first = days_before(today, ago + (uint64_t)(p->nperiodic - 1) * iv);
			p->hired = days_before(first, R(i, 6, 30, iv - 1));
		} else {
			p->hired = days_before(today, R(i, 6, 1, iv + 120));
		}
		p->pre = ne ? days_before(p->hired, R(i, 7, 1, 30)) : 0;
		uint64_t birth = days_before(p->hired, R(i, 8, 19 * 365, 38 * 365));
		make_id(p->id, provinces[p->team % NPROV], i, birth);
		p->left = 0;
	}
}

static void build_people(struct batch *b, const muster_signer *hr, const struct person *ps, uint64_t n,
	struct counts *c)
{
	muster_buf items = {0};
	for (uint64_t i = 0; i < n; i++) {
		const struct person *p = &ps[i];
		char code[32], name[32];
		muster_rec r;
		uint64_t count = 0;
		team_code(code, sizeof code, p->team);
		snprintf(name, sizeof name, "%s%s", surnames[H(i, 9) % 20], given[H(i, 10) % 24]);
		uint64_t pos = H(i, 11) % 100;
		pos = pos < 1 ? 0 : pos < 4 ? 1 : pos < 16 ? 2 : pos < 78 ? 3 : pos < 86 ? 4 : pos < 93 ? 5 : pos < 98 ? 6 : 7;
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_PERSON, p->id);
		muster_rec_cstr(&r, MF_NAME, name);
		muster_rec_cstr(&r, MF_TEAM, code);
		muster_rec_uint(&r, MF_POSITION, pos);
		muster_rec_uint(&r, MF_HIRED, p->hired);
		if (H(i, 12) % 100 < 35)
			muster_rec_uint(&r, MF_SPECIAL, 1);
		muster_buf_reset(&items);
		for (size_t h = 0; h < NHAZ; h++)
			if (p->hazmask >> h & 1)
				muster_list_add(&items, &count, hazards[h].name, strlen(hazards[h].name));
		if (count)
			muster_rec_list(&r, MF_HAZARDS, &items, count);
		add(b, hr, MUSTER_EV_PERSON_ADD, &r);
		c->people++;
	}
	muster_buf_free(&items);
}

/* valid_from of a certificate of `months` validity: mostly in date (some expiring), 1% expired. */
static uint64_t cert_from(uint64_t i, uint64_t salt, uint64_t today, unsigned months)
{
	uint64_t span = (uint64_t)months * 365 / 12;
	return days_before(today, H(i, salt) % 100 < 1 ? R(i, salt + 1, span + 5, span + 300) : R(i, salt + 1, 1, span - 1));
}

static void build_certs(struct batch *b, const muster_signer *hr, struct person *ps, uint64_t n, uint64_t today,
	struct counts *c)
{
	uint64_t yday = days_before(today, 1);
	for (uint64_t i = 0; i < n; i++) {
		struct person *p = &ps[i];
		p->rescue_from = cert_from(i, 20, today, 36);
		p->aid_from = cert_from(i, 22, today, 36);
		for (unsigned s = 0; s < p->ncerts; s++) {
			char num[32];
			muster_rec r;
			uint64_t salt = 100 + 10 * (uint64_t)s, from;
			muster_rec_clear(&r);
			muster_rec_cstr(&r, MF_PERSON, p->id);
			switch (slots[s].kind) {
			case K_RESCUE:
			case K_RESCUE_OLD:
				muster_rec_cstr(&r, MF_KIND, "mine_rescue");
				snprintf(num, sizeof num, "KJ%08" PRIu64 "%s", i, slots[s].kind == K_RESCUE ? "" : "A");
				muster_rec_cstr(&r, MF_ISSUER, "国家矿山安全监察局");
				from = slots[s].kind == K_RESCUE ? p->rescue_from : days_before(p->rescue_from, R(i, salt, 1100, 1300));
				break;
			case K_FIRST_AID:
			case K_FIRST_AID_OLD:
				muster_rec_cstr(&r, MF_KIND, "first_aid");
				snprintf(num, sizeof num, "JJ%08" PRIu64 "%s", i, slots[s].kind == K_FIRST_AID ? "" : "A");
				muster_rec_cstr(&r, MF_ISSUER, "中国红十字会");
				from = slots[s].kind == K_FIRST_AID ? p->aid_from : days_before(p->aid_from, R(i, salt, 1100, 1300));
				break;
			case K_SKILL:
				muster_rec_cstr(&r, MF_KIND, "skill");
				snprintf(num, sizeof num, "S%011" PRIu64, i * 7 + 3);
				muster_rec_cstr(&r, MF_ISSUER, "人力资源和社会保障厅");
				from = days_before(today, R(i, salt, 1, 3000));
				break;
			case K_DRIVING:
				muster_rec_cstr(&r, MF_KIND, "driving");
				snprintf(num, sizeof num, "%s", p->id);
				muster_rec_cstr(&r, MF_ISSUER, "公安局交通管理局");
				from = cert_from(i, salt, today, 72);
				break;
			default: { /* K_OP */
				unsigned it = slots[s].item;
				muster_rec_cstr(&r, MF_KIND, "special_op");
				snprintf(num, sizeof num, "T%s", p->id);
				muster_rec_uint(&r, MF_OP_CATEGORY, op_items[it].cat);
				muster_rec_cstr(&r, MF_ITEM, op_items[it].item);
				muster_rec_cstr(&r, MF_ISSUER, "应急管理厅");
				from = cert_from(i, salt, today, 72);
				/* the review is done in its window (a 36-month review, 60-day window), except 3% */
				uint64_t opens = days_before(muster_date_add_months(from, 36), 60);
				if (opens <= yday && H(i, salt + 5) % 100 < 97) {
					uint64_t rev = muster_date_add(opens, (int64_t)R(i, salt + 6, 0, 59));
					muster_rec_uint(&r, MF_REVIEWED, rev < yday ? rev : yday);
				}
				break;
			}
			}
			muster_rec_cstr(&r, MF_NUMBER, num);
			muster_rec_uint(&r, MF_VALID_FROM, from);
			add(b, hr, MUSTER_EV_CERT_ADD, &r);
			c->certs++;
			/* A few special operation certificates are revoked. */
			if (slots[s].kind == K_OP && slots[s].item == 0 && i % 300 == 17) {
				muster_rec_clear(&r);
				muster_rec_cstr(&r, MF_PERSON, p->id);
				muster_rec_cstr(&r, MF_KIND, "special_op");
				muster_rec_cstr(&r, MF_NUMBER, num);
				muster_rec_cstr(&r, MF_ITEM, op_items[0].item);
				muster_rec_uint(&r, MF_DATE, yday);
				muster_rec_cstr(&r, MF_REASON, "违章作业");
				add(b, hr, MUSTER_EV_CERT_REVOKE, &r);
				c->other++;
			}
		}
	}
}

static void exam(struct batch *b, const muster_signer *hr, const struct person *p, uint64_t i, uint64_t kind,
	uint64_t date, int latest, uint64_t salt, struct counts *c)
{
	static const char *const inst[] = {"省职业病防治院", "市疾病预防控制中心", "矿务局总医院", "职业病医院"};
	muster_buf items = {0}, hz = {0};
	uint64_t ni = 0, nh = 0;
	muster_rec r;
	muster_rec_clear(&r);
	muster_rec_cstr(&r, MF_PERSON, p->id);
	muster_rec_uint(&r, MF_EXAM, kind);
	muster_rec_cstr(&r, MF_INSTITUTION, inst[H(i, salt) % 4]);
	muster_rec_uint(&r, MF_DATE, date);
	for (size_t h = 0; h < NHAZ; h++)
		if (p->hazmask >> h & 1)
			muster_list_add(&hz, &nh, hazards[h].name, strlen(hazards[h].name));
	if (nh)
		muster_rec_list(&r, MF_HAZARDS, &hz, nh);
	uint64_t x = H(i, salt + 1) % 1000, concl = MUSTER_C_NORMAL;
	if (latest && x < 25) {
		concl = MUSTER_C_RECHECK;
		muster_list_add(&items, &ni, "血常规", strlen("血常规"));
		muster_list_add(&items, &ni, "肝功能", strlen("肝功能"));
		muster_rec_list(&r, MF_ITEMS, &items, ni);
		muster_rec_uint(&r, MF_DUE, muster_date_add(date, (int64_t)R(i, salt + 2, 30, 120)));
	} else if (latest && x < 35) {
		concl = MUSTER_C_CONTRA;
		muster_rec_cstr(&r, MF_CONTRA, "未控制的高血压");
	} else if (latest && x < 40) {
		concl = MUSTER_C_SUSPECTED;
	} else if (x < 60) {
		concl = MUSTER_C_OTHER;
	}
	muster_rec_uint(&r, MF_CONCLUSION, concl);
	add(b, hr, MUSTER_EV_EXAM, &r);
	c->exams++;
	muster_buf_free(&items);
	muster_buf_free(&hz);
}

static void build_exams(struct batch *b, const muster_signer *hr, struct person *ps, uint64_t n, uint64_t today,
	struct counts *c)
{
	for (uint64_t i = 0; i < n; i++) {
		struct person *p = &ps[i];
		if (!p->pre)
			continue;
		exam(b, hr, p, i, MUSTER_X_PRE_PLACEMENT, p->pre, p->nperiodic == 0, 200, c);
		if (p->nperiodic) {
			/* the dates plan_people fixed: the first a while after the hire, one interval apart
			 * (the earlier ones up to three weeks early), the latest `ago` days before today */
			uint64_t first = muster_date_add(p->hired, (int64_t)R(i, 6, 30, p->interval - 1));
			for (unsigned k = 0; k < p->nperiodic; k++) {
				uint64_t date = muster_date_add(first, (int64_t)k * p->interval);
				if (k + 1 < p->nperiodic)
					date = days_before(date, R(i, 300 + k, 0, 20));
				exam(b, hr, p, i, MUSTER_X_PERIODIC, date, k + 1 == p->nperiodic, 210 + 3 * (uint64_t)k, c);
			}
		}
		/* about 1% leave, half of them with an exit exam */
		if (i % 97 == 13) {
			uint64_t left = days_before(today, R(i, 40, 1, 200));
			p->left = left < p->hired ? p->hired : left;
			if (i % 2 == 0) {
				uint64_t x = days_before(p->left, R(i, 41, 0, 10));
				exam(b, hr, p, i, MUSTER_X_EXIT, x < p->hired ? p->hired : x, 0, 220, c);
			}
		}
	}
}

static void build_status(struct batch *b, const muster_signer *hr, const struct person *ps, uint64_t n,
	uint64_t today, struct counts *c)
{
	for (uint64_t i = 0; i < n; i++) {
		const struct person *p = &ps[i];
		muster_rec r;
		uint64_t date;
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_PERSON, p->id);
		if (p->left) {
			muster_rec_uint(&r, MF_STATUS, MUSTER_P_LEFT);
			muster_rec_uint(&r, MF_DATE, p->left);
			muster_rec_cstr(&r, MF_REASON, "调离");
		} else if (i % 211 == 29) {
			date = days_before(today, R(i, 42, 1, 60));
			muster_rec_uint(&r, MF_STATUS, MUSTER_P_SUSPENDED);
			muster_rec_uint(&r, MF_DATE, date < p->hired ? p->hired : date);
			muster_rec_cstr(&r, MF_REASON, "病休");
		} else {
			continue;
		}
		add(b, hr, MUSTER_EV_PERSON_UPDATE, &r);
		c->other++;
	}
}

/* Deployments that returned in the last weeks: their crews owe emergency exams, half have done them. */
static void build_deploys(struct batch *b, const muster_signer *hr, const struct person *ps, uint64_t n,
	unsigned nteams, unsigned ndep, uint64_t today, struct counts *c)
{
	uint64_t t = wall_s();
	for (unsigned d = 0; d < ndep; d++) {
		char id[32], code[32];
		muster_rec r;
		unsigned team = d % nteams;
		uint64_t ordered = t - (uint64_t)(8 + 9 * d) * 86400, returned = ordered + 3 * 86400;
		snprintf(id, sizeof id, "CD-%03u", d);
		team_code(code, sizeof code, team);
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_TEAM, code);
		muster_rec_cstr(&r, MF_LOCATION, "某煤矿");
		muster_rec_cstr(&r, MF_DEPLOYMENT, id);
		muster_rec_uint(&r, MF_SOURCE, 1);
		muster_rec_cstr(&r, MF_ORDERED_BY, "省应急管理厅");
		muster_rec_cstr(&r, MF_INCIDENT, "透水事故");
		muster_rec_uint(&r, MF_ORDERED, ordered);
		add(b, hr, MUSTER_EV_DEPLOY_OPEN, &r);
		uint64_t crew[40];
		unsigned nc = 0;
		for (uint64_t i = team; i < n && nc < 40; i += nteams) {
			if (ps[i].left || ps[i].hired > muster_time_date(ordered))
				continue; /* gone, or not yet on the post when the order came */
			crew[nc++] = i;
			muster_rec_clear(&r);
			muster_rec_cstr(&r, MF_DEPLOYMENT, id);
			muster_rec_cstr(&r, MF_PERSON, ps[i].id);
			muster_rec_cstr(&r, MF_REASON, "指挥部批准");
			add(b, hr, MUSTER_EV_DEPLOY_PERSON, &r);
		}
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_DEPLOYMENT, id);
		muster_rec_uint(&r, MF_DEPARTED, ordered + 600);
		add(b, hr, MUSTER_EV_DEPLOY_TIME, &r);
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_DEPLOYMENT, id);
		muster_rec_uint(&r, MF_RETURNED, returned);
		add(b, hr, MUSTER_EV_DEPLOY_RETURN, &r);
		c->other += 3 + nc;
		uint64_t back = muster_time_date(returned);
		for (unsigned k = 1; k < nc; k += 2) {
			uint64_t date = muster_date_add(back, (int64_t)R(crew[k], 50, 1, 5));
			if (date >= today)
				continue;
			muster_rec_clear(&r);
			muster_rec_cstr(&r, MF_PERSON, ps[crew[k]].id);
			muster_rec_uint(&r, MF_EXAM, MUSTER_X_EMERGENCY);
			muster_rec_cstr(&r, MF_INSTITUTION, "矿务局总医院");
			muster_rec_uint(&r, MF_DATE, date);
			muster_rec_uint(&r, MF_CONCLUSION, MUSTER_C_NORMAL);
			muster_rec_cstr(&r, MF_DEPLOYMENT, id);
			add(b, hr, MUSTER_EV_EXAM, &r);
			c->exams++;
		}
	}
}

/* ---- the reads ------------------------------------------------------------------ */

struct walk {
	muster_snap *sn;
	uint64_t date;
	uint64_t people, ready, items, with_due;
	double cpu_ms;
};

static int ready_cb(const muster_rec *p, void *arg)
{
	struct walk *w = arg;
	muster_reason why[MUSTER_REASONS_MAX];
	size_t n, blocks;
	int rc = muster_person_ready(w->sn, p, w->date, NULL, why, &n, &blocks);
	if (rc)
		return rc;
	w->people++;
	w->ready += blocks == 0;
	return 0;
}

static int due_cb(const muster_rec *p, void *arg)
{
	struct walk *w = arg;
	muster_due_item it[MUSTER_DUE_MAX];
	size_t n;
	int rc = muster_person_due(w->sn, p, w->date, it, &n);
	if (rc)
		return rc;
	w->people++;
	w->items += n;
	w->with_due += n > 0;
	return 0;
}

/* One 'muster ready' or 'muster due' in process: snapshot, policy, the walk, snapshot closed; in ms. */
static double walk(muster_store *s, const char *team, int due, struct walk *w)
{
	uint64_t today = muster_date_of_ms(wall_s() * 1000);
	muster_policy pol;
	memset(w, 0, sizeof *w);
	w->date = due ? muster_date_add(today, 60) : today;
	double cpu = cpu_now(), t = now();
	int rc = muster_snap_begin(s, &w->sn);
	if (rc)
		die("snapshot", rc);
	if ((rc = muster_policy_get(w->sn, &pol)) != 0)
		die("policy", rc);
	rc = muster_people_each(w->sn, team, due ? due_cb : ready_cb, w);
	muster_snap_end(w->sn);
	t = now() - t;
	w->cpu_ms = (cpu_now() - cpu) * 1e3;
	if (rc)
		die(due ? "due" : "ready", rc);
	return t * 1e3;
}

int main(int argc, char **argv)
{
	bench_init("bench_people");
	if (argc != 2) {
		fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
		return 2;
	}
	unsigned nteams = (unsigned)env_u64("BENCH_TEAMS", 130);
	uint64_t npeople = env_u64("BENCH_PEOPLE", 28000), ncerts = env_u64("BENCH_CERTS", 200000);
	uint64_t nexams = env_u64("BENCH_EXAMS", 150000);
	unsigned ndep = (unsigned)env_u64("BENCH_DEPLOYS", 6);
	size_t batch = (size_t)env_u64("BENCH_BATCH", 10000);
	unsigned reps = (unsigned)env_u64("BENCH_REPS", 11), rounds = (unsigned)env_u64("BENCH_TEAM_ROUNDS", 3);
	if (nteams < 1 || nteams > 999 || npeople < nteams || npeople > 9999999 || batch < 1 || reps < 1 ||
		rounds < 1) {
		fprintf(stderr, "bench_people: BENCH_TEAMS must be 1 to 999, BENCH_PEOPLE at least BENCH_TEAMS and "
				"at most 9,999,999, BENCH_BATCH, BENCH_REPS and BENCH_TEAM_ROUNDS at least 1\n");
		return 2;
	}
	if (muster_init() != 0)
		die("muster_init", MUSTER_ECRYPTO);
	muster_signer *admin, *hr;
	char dir[4096], cmd[4200];
	snprintf(dir, sizeof dir, "%s/people", argv[1]);
	muster_store *s;
	int rc = muster_signer_generate(&admin);
	if (rc == 0)
		rc = muster_signer_generate(&hr);
	if (rc == 0)
		rc = muster_store_create(dir, "bench.muster/people", admin, "bench", &s);
	if (rc)
		die("store", rc);
	muster_store_set_durable(s, 0);

	uint64_t today = muster_date_of_ms(wall_s() * 1000);
	struct person *ps = calloc(npeople, sizeof *ps);
	struct batch b;
	struct counts c = {0, 0, 0, 0, 0};
	if (!ps)
		die("memory", MUSTER_ENOMEM);
	batch_init(&b, s, batch, NULL);
	plan_people(ps, npeople, nteams, nexams, ncerts, today);

	fprintf(stderr, "bench_people: building %u teams, %" PRIu64 " people, ~%" PRIu64 " certificates, ~%" PRIu64
			" exams (no fsync)...\n",
		nteams, npeople, ncerts, nexams);
	double t0 = now();
	{
		muster_buf body = {0};
		const char holder[] = "人事处";
		muster_ev_key k = {muster_signer_pk(hr), MUSTER_ROLE_HR, {holder, sizeof holder - 1}};
		muster_ev_key_encode(&body, MUSTER_EV_KEY_ENROL, &k);
		add_raw(&b, admin, MUSTER_EV_KEY_ENROL, body.data, body.len);
		muster_buf_free(&body);
		c.other++;
	}
	build_teams(&b, admin, nteams, &c);
	build_rules(&b, admin, hr, &c);
	build_people(&b, hr, ps, npeople, &c);
	build_certs(&b, hr, ps, npeople, today, &c);
	build_exams(&b, hr, ps, npeople, today, &c);
	build_status(&b, hr, ps, npeople, today, &c);
	build_deploys(&b, hr, ps, npeople, nteams, ndep, today, &c);
	flush(&b);
	double tb = now() - t0;
	report("teams", (double)c.teams);
	report("people", (double)c.people);
	report("certs", (double)c.certs);
	report("exams", (double)c.exams);
	report("build_events", (double)b.total);
	report("build_s", tb);
	report("build_people_per_s", (double)b.total / tb);
	batch_free(&b);

	/* Warm up: the map's pages in, the cursors' code paths taken once. */
	struct walk w;
	walk(s, NULL, 0, &w);
	walk(s, NULL, 1, &w);

	fprintf(stderr, "bench_people: %u rounds over %u teams, ready and due...\n", rounds, nteams);
	size_t nt = (size_t)rounds * nteams;
	double *rt = calloc(nt, sizeof *rt), *dt = calloc(nt, sizeof *dt);
	double *rc_ = calloc(reps, sizeof *rc_), *dc = calloc(reps, sizeof *dc);
	double *rcpu = calloc(reps, sizeof *rcpu), *dcpu = calloc(reps, sizeof *dcpu);
	if (!rt || !dt || !rc_ || !dc || !rcpu || !dcpu)
		die("memory", MUSTER_ENOMEM);
	uint64_t team_people = 0;
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned t = 0; t < nteams; t++) {
			char code[32];
			team_code(code, sizeof code, t);
			rt[r * nteams + t] = walk(s, code, 0, &w);
			team_people += w.people;
			dt[r * nteams + t] = walk(s, code, 1, &w);
		}
	report("team_people", (double)team_people / (double)nt);
	report("ready_team_ms", median(rt, nt));
	report("ready_team_p90_ms", rt[nt * 9 / 10]); /* sorted by median() */
	report("due_team_ms", median(dt, nt));

	fprintf(stderr, "bench_people: %u runs each of ready and due for the whole country...\n", reps);
	uint64_t deployable = 0, due_people = 0, due_items = 0, everyone = 0;
	for (unsigned r = 0; r < reps; r++) {
		rc_[r] = walk(s, NULL, 0, &w);
		rcpu[r] = w.cpu_ms;
		deployable = w.ready, everyone = w.people;
		dc[r] = walk(s, NULL, 1, &w);
		dcpu[r] = w.cpu_ms;
		due_people = w.with_due, due_items = w.items;
	}
	double ready_ms = median(rc_, reps), due_ms = median(dc, reps);
	report("ready_country_ms", ready_ms);
	report("ready_country_cpu_ms", median(rcpu, reps));
	report("ready_per_person_us", ready_ms * 1e3 / (double)(everyone ? everyone : 1));
	report("due_country_ms", due_ms);
	report("due_country_cpu_ms", median(dcpu, reps));
	report("due_per_person_us", due_ms * 1e3 / (double)(everyone ? everyone : 1));
	report("deployable", (double)deployable);
	report("due_people", (double)due_people);
	report("due_items", (double)due_items);
	free(rt);
	free(dt);
	free(rc_);
	free(dc);
	free(rcpu);
	free(dcpu);
	free(ps);

	muster_signer_free(hr);
	muster_signer_free(admin);
	muster_store_close(s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_people: could not remove %s\n", dir);
	return 0;
}
