/*
 * bench_money.c - the auditor's figures at national scale: `muster audit`
 * over a year of spending, and the spending summaries, read in process.
 *
 * Usage: bench_money DIR   (DIR must exist; the store is made under it and removed)
 *
 * Builds a store of BENCH_TEAMS teams (two depots each), BENCH_ASSETS assets
 * (a tenth national investment with a custody period, the rest the host's;
 * a few registered during the year, 1% handed over to another team, 1%
 * scrapped, a quarter repaired once; inspected monthly or quarterly, some
 * checked out for drills), each team's funds of every source with their
 * budgets for both fiscal years the year touches, and BENCH_SPENDS
 * spending records of the year: 40% on assets (maintenance and calibration
 * linked to an inspection, repairs linked to the repair, consumables), the
 * rest the team's own (consumables, training, drills, insurance, other).
 * Spending at or above the approval threshold is approved by a second key
 * one to three days later (2% rejected; the last days' still pending). A
 * few problems are planted: spending on scrapped assets and on assets
 * another team held, maintenance without its link or with another asset's,
 * duplicate invoices, invoices split under the threshold, three budgets
 * overrun, the enterprise safety cost on initial construction, records
 * made weeks late, and a hundred records by a key revoked since.
 *
 * Every one is a real signed event appended through muster_write /
 * muster_append, BENCH_BATCH per write, no fsync, in the order of the days
 * they happened.  So that a record can be made on its day (the late-record
 * check compares the day a spending is dated with the day its entry was
 * signed), the program links with -Wl,--wrap=clock_gettime and, while it
 * appends, answers CLOCK_REALTIME with 09:00 Beijing time of the event's
 * day; the year is the 365 days before today.  It also wraps malloc,
 * calloc, realloc and free to count the bytes the library holds.  Then,
 * each the median of several runs, each run with its own snapshot:
 *
 *   audit_s               muster_audit_run, the default query (every check,
 *                         the whole store)                         goal < 2 s
 *   audit_cpu_s           its CPU time (this thread)
 *   audit_first_s         the first run after the store is opened again (its
 *                         map's pages not yet touched by this process)
 *   audit_heap_mb         the most the library had allocated during a run
 *   audit_bytes_per_spend the same per spending record
 *   summary_ms            the slowest of the three below         goal < 300 ms
 *   summary_fund_ms, summary_team_ms, summary_month_ms
 *                         muster_spend_summary by fund, team, month
 *   (and each one's _cpu_ms)
 *
 * and the counts that describe the run: teams, assets, spends, approvals,
 * planted (the problems planted), build_events, build_s, findings and
 * findings by check.
 *
 * Environment: BENCH_TEAMS (130), BENCH_ASSETS (20000), BENCH_SPENDS
 * (500000), BENCH_BATCH (10000), BENCH_AUDIT_REPS (5), BENCH_REPS (runs of
 * each summary, 11).  Progress goes to stderr.
 */
#include <muster/muster.h>

#include "bench_util.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the wrapped clock and allocator ----------------------------------------- */

int __real_clock_gettime(clockid_t id, struct timespec *ts);
int __wrap_clock_gettime(clockid_t id, struct timespec *ts);
void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __real_free(void *p);
void __wrap_free(void *p);

static uint64_t fake_ms; /* while appending: the time the entries claim */

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
	if (id == CLOCK_REALTIME && fake_ms) {
		ts->tv_sec = (time_t)(fake_ms / 1000);
		ts->tv_nsec = (long)(fake_ms % 1000) * 1000000;
		return 0;
	}
	return __real_clock_gettime(id, ts);
}

/* The batch's claim: the time the entry being appended says it was made. */
static void claim_time(uint64_t ms)
{
	fake_ms = ms;
}

/* Bytes held through the wrapped allocator (this program and libmuster; not liblmdb or libsodium). */
static int64_t heap_now, heap_peak;

static void heap_add(void *p)
{
	if (p) {
		heap_now += (int64_t)malloc_usable_size(p);
		if (heap_now > heap_peak)
			heap_peak = heap_now;
	}
}

void *__wrap_malloc(size_t n)
{
	void *p = __real_malloc(n);
	heap_add(p);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = __real_calloc(n, size);
	heap_add(p);
	return p;
}

void *__wrap_realloc(void *q, size_t n)
{
	int64_t old = q ? (int64_t)malloc_usable_size(q) : 0;
	void *p = __real_realloc(q, n);
	if (p || !n)
		heap_now -= old;
	heap_add(p);
	return p;
}

void __wrap_free(void *p)
{
	if (p)
		heap_now -= (int64_t)malloc_usable_size(p);
	__real_free(p);
}

/* ---- small things ---------------------------------------------------------------- */

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		die("memory", MUSTER_ENOMEM);
	return p;
}

/* A number in [lo, hi], the same every run (H). */
static int64_t R(uint64_t i, uint64_t salt, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(H(i, salt) % (uint64_t)(hi - lo + 1));
}
/* 1 with probability pct / 1000. */
static int P(uint64_t i, uint64_t salt, unsigned permille)
{
	return H(i, salt) % 1000 < permille;
}

/* ---- each entry at its day ----------------------------------------------------------------- */

/* From here on, entries claim 09:00 Beijing time (01:00 UTC) of day (days since 1970). */
static void at_day(struct batch *b, int32_t day)
{
	uint64_t ms = ((uint64_t)day * 86400 + 3600) * 1000;
	if (b->ms < ms || b->ms > ms + 8 * 3600 * 1000)
		b->ms = ms;
}

static uint64_t ymd(int32_t day)
{
	return muster_date_from_days(day);
}

/* ---- the dataset ------------------------------------------------------------------------- */

static const char *const provinces[] = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
	"35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
	"65"};
#define NPROV (sizeof provinces / sizeof provinces[0])

/* Equipment types: category (GB/T 38565), name, model, inspection kind and interval (days). */
static const struct {
	const char *cat, *name, *model, *kind;
	int interval;
} types[] = {
	{"2010101", "正压氧气呼吸器", "HYZ4", "月检", 30}, {"2010102", "正压空气呼吸器", "RHZKF6.8", "月检", 30},
	{"2020101", "四合一气体检测仪", "CD4", "季检", 90}, {"2020201", "红外热成像仪", "YRH250", "季检", 90},
	{"2030101", "液压破拆工具组", "GYJ-60", "季检", 90}, {"2030601", "自动苏生器", "MZS30", "季检", 90},
	{"2040101", "防爆对讲机", "KTW185", "季检", 90}, {"2050101", "矿山救护车", "NJ5048", "季检", 90},
	{"2060101", "移动照明灯塔", "SFW6110", "季检", 90}, {"3020101", "排水泵", "BQW200", "季检", 90},
};
#define NTYPES (sizeof types / sizeof types[0])

static const char *const cities[] = {"太原市", "大同市", "阳泉市", "长治市", "晋城市", "鄂尔多斯市", "唐山市",
	"邯郸市", "淮南市", "淮北市", "平顶山市", "徐州市", "枣庄市", "济宁市", "六盘水市", "毕节市", "榆林市",
	"铜川市", "石嘴山市", "哈密市", "鸡西市", "双鸭山市", "七台河市", "抚顺市", "阜新市", "萍乡市", "娄底市",
	"重庆市", "乐山市", "曲靖市"};
static const char *const trades[] = {"矿山设备维修有限公司", "安全技术服务有限公司", "消防器材有限公司",
	"机电设备有限公司", "检测检验有限公司", "应急救援培训中心", "劳保用品有限公司", "汽车维修有限公司",
	"仪器仪表有限公司", "商贸有限公司"};
#define NCITIES (sizeof cities / sizeof cities[0])
#define NTRADES (sizeof trades / sizeof trades[0])
#define NVENDORS 3000
#define TEAM_VENDORS 24 /* the vendors a team deals with */

static void team_code(char *out, size_t n, unsigned t)
{
	snprintf(out, n, "KS-%s-%03u", provinces[t % NPROV], t);
}

static void depot_code(char *out, size_t n, unsigned t, unsigned d)
{
	snprintf(out, n, "KS-%s-%03u-D%u", provinces[t % NPROV], t, d + 1);
}

static void asset_id(char *out, size_t n, unsigned team, uint32_t a)
{
	snprintf(out, n, "KS-%s-%03u-E%06u", provinces[team % NPROV], team, a);
}

static const char *const fund_kinds[] = {"GT", "AQ", "ZX", "QT"}; /* national capacity, enterprise safety, host special, other */
enum { F_GT, F_AQ, F_ZX, F_QT, NFUNDKINDS };

static void fund_code(char *out, size_t n, unsigned t, unsigned kind)
{
	snprintf(out, n, "%s-KS-%s-%03u", fund_kinds[kind], provinces[t % NPROV], t);
}

static int has_qt(unsigned t)
{
	return t % 4 == 1;
}

struct vendor {
	char name[96], code[19];
};

static void make_vendors(struct vendor *v)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	for (uint32_t i = 0; i < NVENDORS; i++) {
		char s17[18];
		snprintf(v[i].name, sizeof v[i].name, "%s%s%s", cities[H(i, 1) % NCITIES],
			(const char *const[]){"恒安", "鑫源", "华泰", "中诚", "宏达", "安盛", "瑞丰", "金鼎"}[H(i, 2) % 8],
			trades[H(i, 3) % NTRADES]);
		snprintf(s17, sizeof s17, "91%s0100", provinces[H(i, 4) % NPROV]);
		for (int k = 8; k < 17; k++)
			s17[k] = alphabet[H(i, 10 + (uint64_t)k) % 31];
		s17[17] = 0;
		memcpy(v[i].code, s17, 17);
		if (muster_credit_code_check_char(s17, &v[i].code[17]) != 0)
			die("credit code", MUSTER_EINVAL);
		v[i].code[18] = 0;
	}
}

/* The vendor team t deals with, j-th of its TEAM_VENDORS. */
static uint32_t team_vendor(unsigned t, uint64_t j)
{
	return (uint32_t)((t * 37u + j % TEAM_VENDORS * 101u) % NVENDORS);
}

#define NONE UINT32_MAX

struct asset {
	uint32_t team, team2; /* team2: the team it was handed over to */
	int32_t reg, acquired, handover, accept, scrap; /* days; 0: never */
	uint8_t type, national;
	uint32_t ev0, nev; /* its events in plan.ev */
};

/* An equipment event of the year (asset.add of one registered during the year, custody, inspection, scrap). */
struct eqev {
	int32_t day;
	uint32_t asset;
	uint8_t type;
	uint64_t index; /* once written */
};

enum { SF_F2 = 1, SF_CONSTRUCTION = 2, SF_REJECT = 4, SF_NOLINK = 8, SF_WRONGLINK = 16 };
struct spend {
	int32_t date, rec, decide; /* days: dated, recorded, approved or rejected (0: never) */
	uint32_t team, vendor, asset, link, dup; /* asset, link (an eqev), dup (a spend) NONE when none */
	uint64_t amount, index;
	uint8_t type, fund, flags;
};

enum { ST_MAINTENANCE, ST_REPAIR, ST_CALIBRATION, ST_CONSUMABLES, ST_TRAINING, ST_DRILL, ST_INSURANCE, ST_OTHER };

struct plan {
	unsigned nteams;
	uint32_t nassets, nspends;
	int32_t today, day0, setup; /* day0: the first day of the year; setup: when teams, funds and most assets were entered */
	struct asset *a;
	struct eqev *ev;
	uint32_t nev, evcap;
	struct spend *sp;
	struct vendor *v;
	uint64_t threshold;
	uint32_t planted[16];
};

static void ev_add(struct plan *p, int32_t day, uint32_t a, uint8_t type)
{
	if (p->nev == p->evcap) {
		p->evcap = p->evcap ? p->evcap * 2 : 65536;
		p->ev = realloc(p->ev, p->evcap * sizeof *p->ev);
		if (!p->ev)
			die("memory", MUSTER_ENOMEM);
	}
	p->ev[p->nev++] = (struct eqev){day, a, type, 0};
}

static uint32_t team_at(const struct asset *a, int32_t day)
{
	return a->accept && day >= a->accept ? a->team2 : a->team;
}

static void plan_assets(struct plan *p)
{
	int32_t last = p->today - 1;
	for (uint32_t i = 0; i < p->nassets; i++) {
		struct asset *a = &p->a[i];
		memset(a, 0, sizeof *a);
		a->team = i % p->nteams;
		a->type = (uint8_t)(H(i, 20) % NTYPES);
		a->national = i % 10 == 3;
		a->reg = p->setup;
		a->acquired = p->setup - (int32_t)R(i, 21, 30, 2500);
		if (i % 97 == 5) /* bought during the year */
			a->reg = a->acquired = p->day0 + (int32_t)R(i, 22, 0, 300);
		a->ev0 = p->nev;
		if (a->reg > p->setup)
			ev_add(p, a->reg, i, MUSTER_EV_ASSET_ADD);
		int special = (int)(i % 100);
		int32_t end = last; /* inspections stop at a scrapping */
		if (special == 13) {
			a->scrap = p->day0 + (int32_t)R(i, 23, 100, 340);
			if (a->scrap <= a->reg)
				a->scrap = 0;
			else
				end = a->scrap - 1;
		}
		if (special == 7) {
			a->handover = p->day0 + (int32_t)R(i, 24, 60, 300);
			if (a->handover <= a->reg) {
				a->handover = 0;
			} else {
				a->accept = a->handover + (int32_t)R(i, 25, 1, 3);
				a->team2 = (a->team + 1 + (uint32_t)(H(i, 26) % (p->nteams > 1 ? p->nteams - 1 : 1))) % p->nteams;
				if (a->team2 == a->team) {
					a->handover = a->accept = 0;
				} else {
					ev_add(p, a->handover, i, MUSTER_EV_HANDOVER);
					ev_add(p, a->accept, i, MUSTER_EV_ACCEPT);
				}
			}
		}
		/* A repair, a drill checkout; none while a transfer is pending. */
		int32_t busy_from = a->handover, busy_to = a->accept;
		if (special != 7 && special != 13 && i % 4 == 1) {
			int32_t out = p->day0 + (int32_t)R(i, 27, 20, 330);
			if (out > a->reg && out + 15 <= end) {
				ev_add(p, out, i, MUSTER_EV_REPAIR_OUT);
				ev_add(p, out + (int32_t)R(i, 28, 3, 15), i, MUSTER_EV_REPAIR_BACK);
			}
		} else if (i % 2 == 0) {
			int32_t out = p->day0 + (int32_t)R(i, 29, 10, 340);
			if (out > a->reg && out + 4 <= end && (out + 4 < busy_from || out > busy_to)) {
				ev_add(p, out, i, MUSTER_EV_CHECKOUT);
				ev_add(p, out + (int32_t)R(i, 30, 1, 4), i, MUSTER_EV_RETURN);
			}
		}
		int iv = types[a->type].interval;
		for (int32_t d = (a->reg > p->day0 ? a->reg : p->day0) + (int32_t)R(i, 31, 1, iv); d <= end; d += iv)
			ev_add(p, d, i, MUSTER_EV_INSPECT);
		if (a->scrap)
			ev_add(p, a->scrap, i, MUSTER_EV_SCRAP);
		a->nev = p->nev - a->ev0;
	}
}

/* An amount in fen between lo and hi yuan, skewed towards lo; never in the last fifth under the threshold. */
static uint64_t amount(const struct plan *p, uint64_t i, uint64_t salt, double lo, double hi)
{
	double u = (double)(H(i, salt) % 1000000) / 1e6;
	double yuan = lo + (hi - lo) * u * u * u;
	uint64_t f = H(i, salt + 1) % 10 < 6 ? (uint64_t)yuan * 100 : (uint64_t)(yuan * 10) * 10;
	if (f >= p->threshold / 5 * 4 && f < p->threshold)
		f = f / 4 * 3;
	return f < 10000 ? 10000 : f;
}

static void plan_spends(struct plan *p)
{
	int32_t last = p->today - 1;
	uint32_t n = p->nspends;
	for (uint32_t k = 0; k < n; k++) {
		struct spend *s = &p->sp[k];
		memset(s, 0, sizeof *s);
		s->asset = s->link = s->dup = NONE;
		if (P(k, 40, 400)) {
			/* On an asset: the work it pays for, a few days after it. */
			uint32_t ai = (uint32_t)(H(k, 41) % p->nassets);
			const struct asset *a = &p->a[ai];
			uint32_t nwork = 0, pick = NONE;
			for (uint32_t e = a->ev0; e < a->ev0 + a->nev; e++) {
				uint8_t t = p->ev[e].type;
				if (t == MUSTER_EV_INSPECT || t == MUSTER_EV_REPAIR_OUT || t == MUSTER_EV_REPAIR_BACK) {
					nwork++;
					if (H(k, 42 + nwork) % nwork == 0) /* one of them, each as likely */
						pick = e;
				}
			}
			if (pick != NONE) {
				const struct eqev *w = &p->ev[pick];
				s->asset = ai;
				s->date = w->day + (int32_t)R(k, 43, 0, 20);
				if (s->date > last)
					s->date = last;
				if (a->scrap && s->date >= a->scrap)
					s->date = a->scrap - 1;
				s->team = team_at(a, s->date);
				s->fund = a->national ? F_GT : P(k, 44, 600) ? F_AQ : F_ZX;
				if (P(k, 45, 100)) {
					s->type = ST_CONSUMABLES;
					s->amount = amount(p, k, 46, 100, 3000);
				} else if (w->type == MUSTER_EV_INSPECT) {
					s->link = pick;
					s->type = P(k, 47, 300) ? ST_CALIBRATION : ST_MAINTENANCE;
					s->amount = s->type == ST_CALIBRATION ? amount(p, k, 46, 300, 4000) : amount(p, k, 46, 200, 8000);
				} else {
					s->link = pick;
					s->type = ST_REPAIR;
					s->amount = amount(p, k, 46, 800, 40000);
				}
			}
		}
		if (s->asset == NONE) {
			s->team = (uint32_t)(H(k, 48) % p->nteams);
			s->date = p->day0 + (int32_t)R(k, 49, 0, 364);
			uint64_t x = H(k, 50) % 100;
			s->type = x < 40 ? ST_CONSUMABLES : x < 60 ? ST_TRAINING : x < 75 ? ST_DRILL : x < 80 ? ST_INSURANCE : ST_OTHER;
			s->amount = s->type == ST_TRAINING ? amount(p, k, 51, 2000, 60000) :
				    s->type == ST_INSURANCE ? amount(p, k, 51, 5000, 80000) :
							      amount(p, k, 51, 100, 12000);
			x = H(k, 52) % 100;
			s->fund = x < 30 ? F_GT : x < 70 ? F_AQ : x < 95 || !has_qt(s->team) ? F_ZX : F_QT;
		}
		s->vendor = team_vendor(s->team, H(k, 53));
		/* Recorded the same day or a few days later; one in a thousand weeks later. */
		s->rec = s->date + (int32_t)(P(k, 54, 1) ? R(k, 55, 31, 80) : R(k, 55, 0, 3) * R(k, 56, 0, 1));
		if (s->rec > last)
			s->rec = last;
		if (s->amount >= p->threshold) {
			s->decide = s->rec + (int32_t)R(k, 57, 1, 3);
			if (s->decide > last)
				s->decide = 0; /* still pending */
			else if (P(k, 58, 20))
				s->flags |= SF_REJECT;
		}
		if (k % 4999 == 17) {
			s->flags |= SF_F2; /* a temporary clerk's key, revoked at the end */
			p->planted[0]++;
		}
	}
}

/* Problems to find: each kind a few times, in place of ordinary records. */
static void plant(struct plan *p)
{
	uint32_t n = p->nspends, k = 3;
	int32_t last = p->today - 1;
#define NEXT() (k = (k + 7919) % n)
	/* Spending on scrapped assets, after the scrapping, and on assets by the team that handed them over. */
	for (uint32_t i = 0, got = 0; i < p->nassets && got < 20; i++) {
		const struct asset *a = &p->a[i];
		if (!a->scrap || a->scrap + 10 > last)
			continue;
		struct spend *s = &p->sp[NEXT()];
		*s = (struct spend){a->scrap + (int32_t)R(i, 60, 0, 10), 0, 0, a->team, team_vendor(a->team, i), i, NONE,
			NONE, amount(p, i, 61, 200, 2000), 0, ST_CONSUMABLES, F_ZX, 0};
		s->rec = s->date;
		got++, p->planted[1]++;
	}
	for (uint32_t i = 0, got = 0; i < p->nassets && got < 20; i++) {
		const struct asset *a = &p->a[i];
		if (!a->accept || a->accept + 10 > last)
			continue;
		struct spend *s = &p->sp[NEXT()];
		*s = (struct spend){a->accept + (int32_t)R(i, 62, 0, 10), 0, 0, a->team, team_vendor(a->team, i), i, NONE,
			NONE, amount(p, i, 63, 200, 2000), 0, ST_CONSUMABLES, F_ZX, 0};
		s->rec = s->date;
		got++, p->planted[2]++;
	}
	/* Maintenance that links nothing, or another asset's inspection. */
	for (uint32_t got = 0, wrong = 0; got < 40;) {
		struct spend *s = &p->sp[NEXT()];
		if (s->link == NONE || s->type != ST_MAINTENANCE)
			continue;
		if (got++ < 30) {
			s->flags |= SF_NOLINK;
		} else {
			uint32_t other = (s->asset + 1) % p->nassets; /* its first inspection, if it is not too late */
			for (uint32_t e = p->a[other].ev0; e < p->a[other].ev0 + p->a[other].nev; e++)
				if (p->ev[e].type == MUSTER_EV_INSPECT && p->ev[e].day <= s->rec) {
					s->link = e;
					s->flags |= SF_WRONGLINK;
					wrong++;
					break;
				}
		}
		p->planted[3]++;
	}
	/* Duplicate invoices: an invoice recorded again some days later. */
	for (uint32_t got = 0; got < 30; got++) {
		uint32_t orig = NEXT();
		struct spend *s = &p->sp[NEXT()];
		if (s == &p->sp[orig] || p->sp[orig].rec + 20 > last)
			continue;
		*s = p->sp[orig];
		s->date = s->rec = p->sp[orig].rec + (int32_t)R(orig, 64, 1, 20);
		s->asset = s->link = NONE;
		s->type = ST_CONSUMABLES;
		s->decide = 0;
		s->flags = 0;
		if (s->amount >= p->threshold)
			s->amount = p->threshold / 2;
		s->dup = orig;
		p->planted[4]++;
	}
	/* Invoices split under the threshold: three payments to one vendor within ten days. */
	for (uint32_t g = 0; g < 15; g++) {
		unsigned t = (unsigned)(H(g, 65) % p->nteams);
		int32_t d = p->day0 + (int32_t)R(g, 66, 0, 340);
		uint32_t v = team_vendor(t, 999 + g);
		for (int j = 0; j < 3; j++) {
			struct spend *s = &p->sp[NEXT()];
			*s = (struct spend){d + 4 * j, d + 4 * j, 0, t, v, NONE, NONE, NONE,
				p->threshold / 100 * (uint64_t)R(g * 3 + (uint64_t)j, 67, 85, 99), 0, ST_CONSUMABLES, F_ZX, 0};
		}
		p->planted[5]++;
	}
	/* The enterprise safety cost on initial construction. */
	while (p->planted[6] < 10) {
		struct spend *s = &p->sp[NEXT()];
		if (s->asset != NONE || s->dup != NONE)
			continue;
		s->fund = F_AQ;
		s->type = ST_OTHER;
		s->flags |= SF_CONSTRUCTION;
		p->planted[6]++;
	}
#undef NEXT
}

/* The counted spending of each fund (team, kind) and fiscal year; budgets cover it with room to spare, except three. */
static uint64_t *budgets(const struct plan *p, int y0)
{
	uint64_t *b = xcalloc((size_t)p->nteams * NFUNDKINDS * 2, sizeof *b);
	for (uint32_t k = 0; k < p->nspends; k++) {
		const struct spend *s = &p->sp[k];
		if (s->amount >= p->threshold && (!s->decide || (s->flags & SF_REJECT)))
			continue;
		int y = (int)(ymd(s->date) / 10000) - y0;
		b[((size_t)s->team * NFUNDKINDS + s->fund) * 2 + (size_t)y] += s->amount;
	}
	for (size_t i = 0; i < (size_t)p->nteams * NFUNDKINDS * 2; i++) {
		uint64_t yuan = b[i] / 100 * 115 / 100; /* 15% more, rounded up to 1,000 yuan, at least 10,000 */
		yuan = (yuan / 1000 + 1) * 1000;
		b[i] = (yuan < 10000 ? 10000 : yuan) * 100;
	}
	for (unsigned k = 0; k < 3; k++) {
		size_t i = ((size_t)(k * 41 % p->nteams) * NFUNDKINDS + F_ZX) * 2 + 1;
		b[i] = b[i] / 2 / 100000 * 100000;
	}
	return b;
}

/* ---- writing it ---------------------------------------------------------------------------- */

struct keys {
	muster_signer *admin, *keeper, *keeper2, *fin, *fin2, *approver;
};

static void enrol(struct batch *b, const muster_signer *admin, const muster_signer *k, uint32_t roles, const char *holder)
{
	muster_buf body = {0};
	muster_ev_key v = {muster_signer_pk(k), roles, {holder, strlen(holder)}};
	muster_ev_key_encode(&body, MUSTER_EV_KEY_ENROL, &v);
	add_raw(b, admin, MUSTER_EV_KEY_ENROL, body.data, body.len);
	muster_buf_free(&body);
}

static void write_asset_add(struct batch *b, const struct plan *p, const struct keys *k, uint32_t i)
{
	const struct asset *a = &p->a[i];
	char id[40], depot[40], team[32], serial[24];
	muster_rec r;
	asset_id(id, sizeof id, a->team, i);
	depot_code(depot, sizeof depot, a->team, i / p->nteams % 2);
	snprintf(serial, sizeof serial, "SN%08" PRIu32, i);
	muster_rec_clear(&r);
	muster_rec_cstr(&r, MF_ID, id);
	muster_rec_cstr(&r, MF_CATEGORY, types[a->type].cat);
	muster_rec_cstr(&r, MF_TYPE, types[a->type].name);
	muster_rec_cstr(&r, MF_MODEL, types[a->type].model);
	muster_rec_cstr(&r, MF_SERIAL, serial);
	muster_rec_uint(&r, MF_ACQUIRED, ymd(a->acquired));
	muster_rec_uint(&r, MF_VALUE, (uint64_t)R(i, 70, 3000, 300000) * 100);
	muster_rec_cstr(&r, MF_DEPOT, depot);
	if (a->national) {
		team_code(team, sizeof team, a->team);
		muster_rec_uint(&r, MF_FUNDING, 0);
		muster_rec_cstr(&r, MF_TEAM, team);
		muster_rec_uint(&r, MF_CUSTODY_FROM, ymd(a->acquired));
		muster_rec_cstr(&r, MF_AGREEMENT, "国投〔2023〕托管协议");
	} else {
		muster_rec_uint(&r, MF_FUNDING, 1);
	}
	add(b, k->keeper, MUSTER_EV_ASSET_ADD, &r);
}

static void write_eq(struct batch *b, struct plan *p, const struct keys *k, uint32_t e)
{
	struct eqev *ev = &p->ev[e];
	const struct asset *a = &p->a[ev->asset];
	char id[40], s[48];
	muster_rec r;
	if (ev->type == MUSTER_EV_ASSET_ADD) {
		ev->index = b->next;
		write_asset_add(b, p, k, ev->asset);
		return;
	}
	asset_id(id, sizeof id, a->team, ev->asset);
	muster_rec_clear(&r);
	muster_rec_cstr(&r, MF_ID, id);
	muster_rec_uint(&r, MF_DATE, ymd(ev->day));
	const muster_signer *who = k->keeper;
	switch (ev->type) {
	case MUSTER_EV_INSPECT:
		muster_rec_cstr(&r, MF_KIND, types[a->type].kind);
		muster_rec_uint(&r, MF_RESULT, P(e, 71, 20) ? 2 : 0);
		muster_rec_cstr(&r, MF_INSPECTOR, (const char *const[]){"李娜", "孙磊", "王强", "赵伟"}[e % 4]);
		break;
	case MUSTER_EV_REPAIR_OUT: muster_rec_cstr(&r, MF_VENDOR, p->v[team_vendor(a->team, ev->asset)].name); break;
	case MUSTER_EV_CHECKOUT:
		muster_rec_cstr(&r, MF_HOLDER, "第一小队");
		muster_rec_uint(&r, MF_PURPOSE, 1);
		break;
	case MUSTER_EV_HANDOVER:
		team_code(s, sizeof s, a->team2);
		muster_rec_cstr(&r, MF_TO_TEAM, s);
		break;
	case MUSTER_EV_ACCEPT:
		depot_code(s, sizeof s, a->team2, 0);
		muster_rec_cstr(&r, MF_DEPOT, s);
		who = k->keeper2;
		break;
	case MUSTER_EV_SCRAP: muster_rec_cstr(&r, MF_REASON, "超过使用年限，经鉴定报废"); break;
	default: break; /* repair_back, return */
	}
	ev->index = add(b, who, ev->type, &r);
}

static void write_spend(struct batch *b, struct plan *p, const struct keys *k, uint32_t i)
{
	struct spend *s = &p->sp[i];
	char team[32], fund[40], id[40], inv[24];
	const struct spend *orig = s->dup != NONE ? &p->sp[s->dup] : s;
	muster_rec r;
	team_code(team, sizeof team, s->team);
	fund_code(fund, sizeof fund, s->team, s->fund);
	snprintf(inv, sizeof inv, "%08" PRIu32, (uint32_t)(orig - p->sp) * 7u + 10000000u);
	muster_rec_clear(&r);
	muster_rec_uint(&r, MF_DATE, ymd(s->date));
	muster_rec_cstr(&r, MF_TEAM, team);
	if (s->asset != NONE) {
		asset_id(id, sizeof id, p->a[s->asset].team, s->asset);
		muster_rec_cstr(&r, MF_ID, id);
	}
	if (s->link != NONE && !(s->flags & SF_NOLINK))
		muster_rec_uint(&r, MF_LINK, p->ev[s->link].index);
	muster_rec_uint(&r, MF_SPEND_TYPE, s->type);
	muster_rec_cstr(&r, MF_VENDOR, p->v[orig->vendor].name);
	muster_rec_cstr(&r, MF_VENDOR_CODE, p->v[orig->vendor].code);
	muster_rec_cstr(&r, MF_INVOICE, inv);
	muster_rec_uint(&r, MF_AMOUNT, s->amount);
	muster_rec_cstr(&r, MF_FUND, fund);
	if (s->fund == F_AQ)
		muster_rec_cstr(&r, MF_ARTICLE, s->type == ST_TRAINING ? "第十二条(五)" : s->type == ST_INSURANCE ? "第十二条(八)" : "第十二条(二)");
	if (s->flags & SF_CONSTRUCTION)
		muster_rec_cstr(&r, MF_NOTES, "新建项目三同时配套");
	else if (i % 5 == 0)
		muster_rec_cstr(&r, MF_NOTES, s->type == ST_TRAINING ? "年度复训" : s->type == ST_DRILL ? "联合演练" : "按合同结算");
	s->index = add(b, s->flags & SF_F2 ? k->fin2 : k->fin, MUSTER_EV_SPEND, &r);
}

static void write_decision(struct batch *b, const struct plan *p, const struct keys *k, uint32_t i)
{
	const struct spend *s = &p->sp[i];
	muster_rec r;
	muster_rec_clear(&r);
	muster_rec_uint(&r, MF_REF, s->index);
	if (s->flags & SF_REJECT) {
		muster_rec_cstr(&r, MF_REASON, "超出合同范围");
		add(b, k->approver, MUSTER_EV_SPEND_REJECT, &r);
	} else {
		add(b, k->approver, MUSTER_EV_SPEND_APPROVE, &r);
	}
}

/* What happens on a day, in this order: equipment, spending, decisions. */
enum { OP_EQ, OP_SPEND, OP_DECIDE, OP_REVOKE };
struct op {
	int32_t day;
	uint8_t kind;
	uint32_t ref;
};

static int op_cmp(const void *x, const void *y)
{
	const struct op *a = x, *b = y;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return (a->ref > b->ref) - (a->ref < b->ref);
}

static void write_setup(struct batch *b, const struct plan *p, const struct keys *k, int y0, const uint64_t *budget)
{
	muster_rec r;
	at_day(b, p->setup);
	enrol(b, k->admin, k->keeper, MUSTER_ROLE_KEEPER, "装备管理员 李娜");
	enrol(b, k->admin, k->keeper2, MUSTER_ROLE_KEEPER, "接收库管员 孙磊");
	enrol(b, k->admin, k->fin, MUSTER_ROLE_FINANCE, "财务 王敏");
	enrol(b, k->admin, k->fin2, MUSTER_ROLE_FINANCE, "临时会计");
	enrol(b, k->admin, k->approver, MUSTER_ROLE_APPROVER, "审批 赵刚");
	for (unsigned t = 0; t < p->nteams; t++) {
		char code[32], name[128], prov[8];
		team_code(code, sizeof code, t);
		snprintf(name, sizeof name, "国家矿山应急救援%s队%03u", provinces[t % NPROV], t);
		snprintf(prov, sizeof prov, "%s0000", provinces[t % NPROV]);
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_TEAM, code);
		muster_rec_cstr(&r, MF_NAME, name);
		muster_rec_uint(&r, MF_SPECIALTY, 0);
		muster_rec_cstr(&r, MF_PROVINCE, prov);
		muster_rec_cstr(&r, MF_HOST, "国家能源集团");
		muster_rec_cstr(&r, MF_HOST_CODE, "91110000600037341L");
		add(b, k->admin, MUSTER_EV_TEAM_ADD, &r);
		for (unsigned d = 0; d < 2; d++) {
			char depot[40];
			depot_code(depot, sizeof depot, t, d);
			muster_rec_clear(&r);
			muster_rec_cstr(&r, MF_TEAM, code);
			muster_rec_cstr(&r, MF_DEPOT, depot);
			muster_rec_cstr(&r, MF_NAME, d ? "二号装备库" : "一号装备库");
			add(b, k->keeper, MUSTER_EV_DEPOT_ADD, &r);
		}
		for (unsigned f = 0; f < NFUNDKINDS; f++) {
			static const char *const src[] = {"national_capacity", "enterprise_safety", "host_special", "other"};
			static const char *const fname[] = {"国家安全生产应急能力建设专项资金", "企业安全生产费用", "依托单位专项资金", "省级补助资金"};
			char fund[40];
			if (f == F_QT && !has_qt(t))
				continue;
			fund_code(fund, sizeof fund, t, f);
			muster_rec_clear(&r);
			muster_rec_cstr(&r, MF_FUND, fund);
			muster_rec_cstr(&r, MF_NAME, fname[f]);
			muster_rec_cstr(&r, MF_FUND_SOURCE, src[f]);
			muster_rec_cstr(&r, MF_OWNER, f == F_GT ? "应急管理部" : f == F_QT ? "省应急管理厅" : "国家能源集团");
			if (f == F_AQ)
				muster_rec_cstr(&r, MF_INDUSTRY, "煤炭");
			add(b, k->fin, MUSTER_EV_FUND_ADD, &r);
			for (int y = 0; y < 2; y++) {
				muster_rec_clear(&r);
				muster_rec_cstr(&r, MF_FUND, fund);
				muster_rec_cstr(&r, MF_TEAM, code);
				muster_rec_uint(&r, MF_YEAR, (uint64_t)(y0 + y));
				muster_rec_uint(&r, MF_AMOUNT, budget[((size_t)t * NFUNDKINDS + f) * 2 + (size_t)y]);
				add(b, k->fin, MUSTER_EV_BUDGET_SET, &r);
			}
		}
	}
	for (uint32_t i = 0; i < p->nassets; i++)
		if (p->a[i].reg == p->setup)
			write_asset_add(b, p, k, i);
}

/* ---- the reads ------------------------------------------------------------------------------ */

struct tally {
	uint64_t n, by[MUSTER_CHK_COUNT];
};

static int count_finding(const muster_finding *f, void *arg)
{
	struct tally *t = arg;
	t->n++;
	if (f->check > 0 && f->check < MUSTER_CHK_COUNT)
		t->by[f->check]++;
	return 0;
}

/* One `muster audit` in process: snapshot, every check, snapshot closed; seconds (wall, CPU) and the heap it took. */
static double audit_once(muster_store *s, struct tally *t, double *cpu, double *heap)
{
	muster_audit_query q;
	muster_snap *sn;
	memset(&q, 0, sizeof q);
	memset(t, 0, sizeof *t);
	int64_t base = heap_now;
	heap_peak = heap_now;
	double c = cpu_now(), w = now();
	int rc = muster_snap_begin(s, &sn);
	if (rc == 0)
		rc = muster_audit_run(sn, &q, count_finding, t);
	muster_snap_end(sn);
	w = now() - w;
	*cpu = cpu_now() - c;
	*heap = (double)(heap_peak - base);
	if (rc)
		die("audit", rc);
	return w;
}

static double summary_once(muster_store *s, int by, double *cpu, size_t *groups)
{
	muster_summary_query q = {by, 0, NULL, NULL};
	muster_summary out;
	muster_snap *sn;
	double c = cpu_now(), w = now();
	int rc = muster_snap_begin(s, &sn);
	if (rc == 0)
		rc = muster_spend_summary(sn, &q, &out);
	muster_snap_end(sn);
	w = now() - w;
	*cpu = cpu_now() - c;
	if (rc)
		die("summary", rc);
	*groups = out.n;
	muster_summary_free(&out);
	return w * 1e3;
}

int main(int argc, char **argv)
{
	bench_init("bench_money");
	if (argc != 2) {
		fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
		return 2;
	}
	struct plan p;
	memset(&p, 0, sizeof p);
	p.nteams = (unsigned)env_u64("BENCH_TEAMS", 130);
	p.nassets = (uint32_t)env_u64("BENCH_ASSETS", 20000);
	p.nspends = (uint32_t)env_u64("BENCH_SPENDS", 500000);
	size_t batch = (size_t)env_u64("BENCH_BATCH", 10000);
	unsigned areps = (unsigned)env_u64("BENCH_AUDIT_REPS", 5), reps = (unsigned)env_u64("BENCH_REPS", 11);
	if (p.nteams < 2 || p.nteams > 999 || p.nassets < 200 || p.nassets > 999999 || p.nspends < 20000 ||
		p.nspends > 10000000 || batch < 1 || areps < 1 || reps < 1) {
		fprintf(stderr, "bench_money: BENCH_TEAMS must be 2 to 999, BENCH_ASSETS 200 to 999,999, BENCH_SPENDS "
				"20,000 to 10,000,000, BENCH_BATCH, BENCH_AUDIT_REPS and BENCH_REPS at least 1\n");
		return 2;
	}
	if (muster_init() != 0)
		die("muster_init", MUSTER_ECRYPTO);
	struct keys k;
	char dir[4096], cmd[4200];
	snprintf(dir, sizeof dir, "%s/money", argv[1]);
	muster_store *s;
	int rc = muster_signer_generate(&k.admin);
	muster_signer **more[] = {&k.keeper, &k.keeper2, &k.fin, &k.fin2, &k.approver};
	for (size_t i = 0; i < sizeof more / sizeof more[0] && rc == 0; i++)
		rc = muster_signer_generate(more[i]);
	if (rc == 0)
		rc = muster_store_create(dir, "bench.muster/money", k.admin, "bench", &s);
	if (rc)
		die("store", rc);
	muster_store_set_durable(s, 0);

	/* The plan: the year is the 365 days before today (Beijing time). */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	p.today = (int32_t)muster_date_days(muster_date_of_ms((uint64_t)ts.tv_sec * 1000));
	p.day0 = p.today - 365;
	p.setup = p.day0 - 30;
	p.threshold = 1000000; /* the default policy: 10,000 yuan */
	int y0 = (int)(ymd(p.day0) / 10000);
	p.a = xcalloc(p.nassets, sizeof *p.a);
	p.sp = xcalloc(p.nspends, sizeof *p.sp);
	p.v = xcalloc(NVENDORS, sizeof *p.v);
	make_vendors(p.v);
	plan_assets(&p);
	plan_spends(&p);
	plant(&p);
	uint64_t *budget = budgets(&p, y0);

	struct op *ops = xcalloc((size_t)p.nev + 2 * (size_t)p.nspends + 1, sizeof *ops);
	size_t nops = 0;
	uint64_t approvals = 0;
	for (uint32_t e = 0; e < p.nev; e++)
		ops[nops++] = (struct op){p.ev[e].day, OP_EQ, e};
	for (uint32_t i = 0; i < p.nspends; i++) {
		ops[nops++] = (struct op){p.sp[i].rec, OP_SPEND, i};
		if (p.sp[i].decide)
			ops[nops++] = (struct op){p.sp[i].decide, OP_DECIDE, i}, approvals++;
	}
	ops[nops++] = (struct op){p.today - 1, OP_REVOKE, 0};
	qsort(ops, nops, sizeof *ops, op_cmp);

	fprintf(stderr, "bench_money: building %u teams, %" PRIu32 " assets (%" PRIu32 " events of the year), %" PRIu32
			" spending records (no fsync)...\n",
		p.nteams, p.nassets, p.nev, p.nspends);
	struct batch b;
	double t0 = now();
	batch_init(&b, s, batch, claim_time); /* after the genesis entries: links are planned from there */
	write_setup(&b, &p, &k, y0, budget);
	for (size_t i = 0; i < nops; i++) {
		const struct op *o = &ops[i];
		at_day(&b, o->day);
		switch (o->kind) {
		case OP_EQ: write_eq(&b, &p, &k, o->ref); break;
		case OP_SPEND: write_spend(&b, &p, &k, o->ref); break;
		case OP_DECIDE: write_decision(&b, &p, &k, o->ref); break;
		default: {
			muster_buf body = {0};
			const char reason[] = "合同到期离岗";
			muster_ev_key v = {muster_signer_pk(k.fin2), 0, {reason, sizeof reason - 1}};
			muster_ev_key_encode(&body, MUSTER_EV_KEY_REVOKE, &v);
			add_raw(&b, k.admin, MUSTER_EV_KEY_REVOKE, body.data, body.len);
			muster_buf_free(&body);
		}
		}
	}
	flush(&b);
	double tb = now() - t0;
	report("teams", p.nteams);
	report("assets", p.nassets);
	report("spends", p.nspends);
	report("approvals", (double)approvals);
	uint32_t planted = 0;
	for (size_t i = 0; i < sizeof p.planted / sizeof p.planted[0]; i++)
		planted += p.planted[i];
	report("planted", planted); /* records and groups planted to be found, besides the three budgets */
	report("build_events", (double)b.total);
	report("build_s", tb);
	report("build_money_per_s", (double)b.total / tb);
	batch_free(&b);
	free(ops);
	free(budget);
	free(p.a);
	free(p.ev);
	free(p.sp);
	free(p.v);

	/* The first audit after the store is opened again, then the warm runs. */
	muster_store_close(s);
	if ((rc = muster_store_open(dir, &s)) != 0)
		die("reopen", rc);
	struct tally t;
	double cpu, heap, first = audit_once(s, &t, &cpu, &heap);
	fprintf(stderr, "bench_money: %u audits...\n", areps);
	double *aw = xcalloc(areps, sizeof *aw), *ac = xcalloc(areps, sizeof *ac), heap_max = heap;
	for (unsigned r = 0; r < areps; r++) {
		aw[r] = audit_once(s, &t, &ac[r], &heap);
		if (heap > heap_max)
			heap_max = heap;
	}
	report("audit_s", median(aw, areps));
	report("audit_cpu_s", median(ac, areps));
	report("audit_first_s", first);
	report("audit_heap_mb", heap_max / 1048576);
	report("audit_bytes_per_spend", heap_max / p.nspends);
	report("findings", (double)t.n);
	for (int c = 1; c < MUSTER_CHK_COUNT; c++) {
		char name[64];
		snprintf(name, sizeof name, "findings_%s", muster_check_name(c));
		report(name, (double)t.by[c]);
	}
	free(aw);
	free(ac);

	fprintf(stderr, "bench_money: %u summaries each by fund, team and month...\n", reps);
	static const struct {
		int by;
		const char *name;
	} dims[] = {{MUSTER_BY_FUND, "fund"}, {MUSTER_BY_TEAM, "team"}, {MUSTER_BY_MONTH, "month"}};
	double *sw = xcalloc(reps, sizeof *sw), *sc = xcalloc(reps, sizeof *sc), slowest = 0;
	for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
		size_t groups = 0;
		summary_once(s, dims[d].by, &cpu, &groups); /* warm */
		for (unsigned r = 0; r < reps; r++) {
			sw[r] = summary_once(s, dims[d].by, &sc[r], &groups);
			sc[r] *= 1e3;
		}
		char name[64];
		double ms = median(sw, reps);
		if (ms > slowest)
			slowest = ms;
		snprintf(name, sizeof name, "summary_%s_ms", dims[d].name);
		report(name, ms);
		snprintf(name, sizeof name, "summary_%s_cpu_ms", dims[d].name);
		report(name, median(sc, reps));
		snprintf(name, sizeof name, "summary_%s_groups", dims[d].name);
		report(name, (double)groups);
	}
	report("summary_ms", slowest);
	free(sw);
	free(sc);

	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
		muster_signer_free(*more[i]);
	muster_signer_free(k.admin);
	muster_store_close(s);
	if (!getenv("BENCH_KEEP")) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_money: could not remove %s\n", dir);
	}
	return 0;
}
