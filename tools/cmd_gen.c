/*
 * cmd_gen.c - `muster gen`: a deterministic, realistic dataset in a new
 * store, built through the same signed-event path as every other command.
 *
 *   muster gen --scale team|province|national --seed S --store DIR
 *              [--years N] [--kdf min|interactive|moderate] [--json]
 *
 * The whole dataset is planned in memory first (teams, depots, inspection
 * rules, assets, and a year of custody and inspection history simulated
 * asset by asset; each team's people with their certificates and
 * occupational health exams; and the deployments of its missions, with
 * their crews, the emergency exams and post-use inspections after them;
 * each team's funds and budgets), then written: setup events in a fixed
 * order, history sorted by (date, phase, entity, step), where the phases
 * of a day are people's records, deployments ordered, custody and
 * inspections, deployment times and returns, and what follows a return.
 * Money comes last: once the history is in order, the repairs and
 * inspections it holds are paid for (linked to their log indexes), team
 * spending is added, the budgets are set to cover it, and the money events
 * are merged in: a day's budgets before its history, its spending and
 * approvals after it.  Every random choice comes from
 * xoshiro256** streams seeded from the seed and what is being drawn, so
 * the same scale and seed give the same entities, fields and event order;
 * dates are relative to today (Asia/Shanghai), so the same seed on the
 * same day gives the same projections byte for byte.  --years N (default
 * 1) makes the history N years long: the assets' custody, inspections and
 * drills, the spending and the people's certificates and exams reach back
 * over the earlier years (and the assets bought during them replaced older
 * ones, scrapped), while people join and leave and missions are deployed
 * in the last year (the year shown), as with one year.  With one year
 * every draw is the one gen made before the option existed, so the store
 * is the same.  Signing keys are
 * derived from the seed too (so they are only as secret as the seed: a
 * generated store is for tests, demos and benchmarks, never for real
 * records); the site's log and tag keys are random as in every store, and
 * claimed times (so signatures) differ from run to run.
 */
#include "config.h"

#include "equip_cli.h"
#include "gen_data.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { SCALE_TEAM, SCALE_PROVINCE, SCALE_NATIONAL };
static const char *const scale_names[] = {"team", "province", "national"};
static const uint32_t scale_assets[] = {600, 4000, 100000};

#define PERSONS 16     /* people per team who take equipment out and sign inspections (never leave) */
#define BATCH 4000     /* appends per muster_write */
#define HISTORY 365    /* days of the year shown; --years adds earlier ones */
#define MAX_YEARS 20   /* --years at most */
#define NATIONAL_TEAMS 130
#define RECORDS (365 + 180) /* people's records go back this far before the year; older exams were entered then */
#define NEVER INT32_MAX

/* ---- randomness: xoshiro256**, seeded through splitmix64 ------------------------------ */

typedef struct rng {
	uint64_t s[4];
} rng;

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* An independent stream for (seed, what is drawn, which one). */
static void rng_init(rng *r, uint64_t seed, uint64_t stream, uint64_t n)
{
	uint64_t x = seed;
	x = splitmix(&x) ^ (stream * 0xd1342543de82ef95u);
	x = splitmix(&x) ^ (n * 0x9e3779b97f4a7c15u + 0x632be59bd9b4e019u);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t next(rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

static double unif(rng *r)
{
	return (double)(next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [0, n). */
static uint32_t below(rng *r, uint32_t n)
{
	return n ? (uint32_t)(unif(r) * n) : 0;
}

static int chance(rng *r, double p)
{
	return unif(r) < p;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[below((r), (uint32_t)NELEM(a))])

/* ---- the plan --------------------------------------------------------------------------- */

struct gteam {
	char code[16], name[128], host[160], host_code[20];
	uint8_t sp, prov, ndepots;
	uint16_t place;     /* index into gen_places */
	uint32_t key;       /* prov * 64 + rank of its place: names the team's random streams */
	uint32_t person0, npeople; /* its people; the first PERSONS are the ones named in custody */
	uint32_t asset0, nassets;
	uint32_t pred0, npred; /* --years: the assets that those bought during the history replaced (and theirs) */
	uint32_t act0, nact;
	int32_t season;     /* day of its yearly training and exams in the year shown; missions come after */
	int32_t gt[MAX_YEARS + 1]; /* its national capacity fund of each fiscal year of the history */
	int32_t fund[3];    /* its enterprise safety cost, host special and other fund, or -1 */
	uint8_t inst;       /* its occupational health institution */
	double neglect;     /* how often the last inspection due is missed */
};

/* A team-wide activity: a rescue mission (with a deployment id) or a drill. */
struct gact {
	int32_t day;
	uint16_t dur, no, year;
	uint8_t mission;
	uint32_t team;
	/* A mission's deployment. */
	int32_t back;       /* last day an asset of it came back */
	uint8_t out;        /* an asset of it is still out today */
	uint8_t stages;     /* how many of t[] happened before today */
	uint8_t source, incident, word;
	uint16_t seq, place;
	int64_t t[6];       /* ordered, departed, arrived, ended, returned, reported: seconds since 1970 UTC */
};

/* A rescuer. */
struct gperson {
	char name[16];
	char id[19];        /* resident ID (GB 11643) */
	uint8_t pos, female, special, hz, cls, new_hire;
	uint16_t seq;
	uint32_t team;
	int32_t birth, hired, enrol, left; /* days; left 0: still on the team */
	/* When the rules find them ready, as they judge on the day an event is written (see person_ready). */
	int32_t ok_from, ok_to, mb_from, mb_to, avail;
};

/* A certificate (a row: a renewal keeps its row, a re-issue is a new one). */
struct gcert {
	uint32_t person, serial;
	int32_t from, reviewed; /* valid from, last review (0: none) as registered */
	uint8_t kind, item;
};

/* An asset on a deployment: checked out or requisitioned for it. */
struct guse {
	uint32_t asset, act;
};

struct gasset {
	uint32_t team, no;
	int32_t acquired, custody_from, custody_to; /* days; custody_to 0: open-ended */
	uint64_t value;                              /* fen */
	uint32_t serial;
	uint16_t type, agreement, owner_place;
	uint8_t model, depot, funding, external, owner_kind;
	/* simulation */
	uint16_t nseq;
	uint8_t final;       /* MUSTER_S_* at the end */
	uint8_t moved;       /* accepted by another team */
	int32_t last;        /* day of its last event */
	int32_t scrapped;    /* day it was scrapped, 0 */
	int32_t retire;      /* a predecessor: the day it is scrapped, shortly before its successor came; 0 */
	int32_t accepted;    /* day another team accepted it (to_team), 0 */
	uint32_t to_team;
};

/* A fund: national capacity funds are one a fiscal year, the others standing. */
enum { FS_NATIONAL, FS_SAFETY, FS_HOST, FS_OTHER };
struct gfund {
	uint32_t team;
	int32_t year; /* national capacity: its fiscal year; others 0 */
	uint8_t src;
	uint32_t budget0; /* its first budget; the others follow, a year each */
};

/* A budget of a fund for a team and fiscal year, set before the year (or on its first day), sometimes revised. */
struct gbudget {
	uint32_t fund, team;
	int32_t year, day, revised; /* day it was set (0: in the setup), day of the revision (0: none) */
	uint64_t spent, first, amount; /* fen: counted spending, the first amount, the amount after the revision */
};

/* A vendor paid: from gen_vendors, or a maker or repairer named in custody, its code derived from its name. */
struct gvendor {
	char name[128], code[20];
	uint64_t next; /* its next invoice number (15 digits) */
};

/* Spending states as gen plans them. */
enum { SP_COUNTED, SP_APPROVED, SP_REJECTED };
#define NONE UINT32_MAX

/* A spending record, and the approval or rejection of one at or above the threshold. */
struct gspend {
	int32_t day, decided;          /* the spending date; the day it was decided */
	uint32_t team, fund, asset;    /* asset NONE: team-level */
	uint32_t link;                 /* position of the event it pays for in ev, NONE */
	uint32_t vendor, pos, seq;     /* pos: its own position in ev once merged */
	uint64_t amount, invoice;      /* fen; the invoice's 15-digit serial */
	uint8_t type, what, state, nattach, reason;
	uint16_t detail;               /* consumable, training, inspection kind..., by type */
};

/* Phases of a day: people's records, deployments ordered, custody, deployment times, after a return. */
enum { PH_HR, PH_ORDER, PH_ASSET, PH_DEPLOY, PH_AFTER };

/* One event to write.  type is MUSTER_EV_*; the meaning of a..y depends on it (see build()). */
struct gev {
	int32_t day;
	uint32_t ent; /* asset, person, mission, team, type or key index */
	uint32_t x;
	int32_t y;
	uint16_t seq, d;
	uint8_t type, ph, a, b, c;
};

struct gen {
	uint64_t seed;
	int scale;
	int prov; /* --province: its index in gen_provs, or -1: the seed picks */
	int32_t today, start; /* days since 1970-01-01; start: the first day of the year shown */
	int32_t years, first; /* --years, and the first day of the history: start - 365 * (years - 1) */
	double xfer_p;
	struct gteam *teams;
	uint32_t nteams;
	struct gasset *assets;
	uint32_t nassets;
	struct gact *acts;
	uint32_t nacts;
	struct gperson *people;
	uint32_t npeople;
	struct gcert *certs;
	uint32_t ncerts, ccap;
	struct guse *uses;
	uint32_t nuses, ucap;
	uint64_t *idset; /* resident IDs given (first 17 digits + 1), open addressing */
	uint32_t idcap;
	uint32_t nexams, ndeploy;
	char admin_name[16], hr_name[16];
	uint16_t place_order[GEN_NPLACES]; /* places of each province, shuffled, by province */
	uint16_t prov_first[GEN_NPROV + 1];
	struct gev *ev;
	size_t nev, cap, nsetup;
	uint32_t serial[GEN_NTYPES][3];
	uint8_t pk[5][MUSTER_PK_BYTES]; /* keeper, keeper2, hr, finance, approver */
	/* Money. */
	char fin_name[16], appr_name[16];
	int32_t y0, ny;            /* the fiscal years the history spans: y0, y0 + ny - 1 */
	struct gfund *funds;
	uint32_t nfunds;
	struct gbudget *budgets;
	uint32_t nbudgets;
	struct gspend *spends;
	uint32_t nspends, scap, napproved, nrejected;
	struct gvendor *vendors;
	uint32_t nvendors, vcap, *vhash, vhcap;
	uint64_t base;             /* log index of ev[0] */
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die(EXIT_IO, "%s", L("out of memory", "内存不足"));
	return q;
}

static struct gev *push(struct gen *g, int32_t day, uint32_t ent, uint8_t type)
{
	if (g->nev == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 65536;
		g->ev = xrealloc(g->ev, g->cap * sizeof *g->ev);
	}
	struct gev *e = &g->ev[g->nev++];
	memset(e, 0, sizeof *e);
	e->day = day;
	e->ent = ent;
	e->type = type;
	e->ph = PH_ASSET;
	return e;
}

/* An event in an asset's history. */
static struct gev *emit(struct gen *g, uint32_t ai, int32_t day, uint8_t type)
{
	struct gasset *a = &g->assets[ai];
	struct gev *e = push(g, day, ai, type);
	e->seq = a->nseq++;
	a->last = day;
	return e;
}

/* An event in a person's records, written on day. */
static struct gev *pemit(struct gen *g, uint32_t pi, int32_t day, uint8_t type)
{
	struct gev *e = push(g, day, pi, type);
	e->ph = PH_HR;
	e->seq = g->people[pi].seq++;
	return e;
}

/* An event of a mission's deployment. */
static struct gev *demit(struct gen *g, uint32_t act, int32_t day, uint8_t ph, uint8_t type)
{
	struct gev *e = push(g, day, act, type);
	e->ph = ph;
	e->seq = g->acts[act].seq++;
	return e;
}

static int is_external_type(unsigned t)
{
	return gen_types[t].hi == 0;
}

static int nkinds(const struct gen_type *t)
{
	return t->kind[1] ? 2 : t->kind[0] ? 1 : 0;
}

static int nmodels(const struct gen_type *t)
{
	return t->m[2].model ? 3 : t->m[1].model ? 2 : 1;
}

static void person_name(rng *r, char out[16])
{
	const char *s = PICK(r, gen_surnames), *a = PICK(r, gen_given), *b = chance(r, 0.6) ? PICK(r, gen_given) : "";
	snprintf(out, 16, "%s%s%s", s, a, b);
}

/* A valid GB 32100 code of an enterprise (登记管理部门 9, 企业 1) registered in province prov. */
static void credit_code(rng *r, const char *prov, char out[20])
{
	static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	uint32_t city = 1 + below(r, 12), county = below(r, 30);
	out[0] = '9';
	out[1] = '1';
	out[2] = prov[0];
	out[3] = prov[1];
	out[4] = (char)('0' + city / 10);
	out[5] = (char)('0' + city % 10);
	out[6] = (char)('0' + county / 10);
	out[7] = (char)('0' + county % 10);
	for (int i = 8; i < 16; i++)
		out[i] = chance(r, 0.8) ? (char)('0' + below(r, 10)) : alpha[below(r, 31)];
	out[16] = chance(r, 0.9) ? (char)('0' + below(r, 10)) : 'X';
	if (muster_credit_code_check_char(out, &out[17]) != 0)
		out[17] = '0'; /* cannot happen: every character is from the alphabet */
	out[18] = 0;
}

/* Where a team stands in the national roster. */
struct slot {
	uint8_t prov, sp, no, rank;
};

static void team_init(struct gen *g, struct gteam *t, const struct slot *sl)
{
	const struct gen_prov *p = &gen_provs[sl->prov];
	rng r;
	memset(t, 0, sizeof *t);
	t->sp = sl->sp;
	t->prov = sl->prov;
	t->key = (uint32_t)sl->prov * 64 + sl->rank;
	t->place = g->place_order[g->prov_first[sl->prov] + sl->rank];
	rng_init(&r, g->seed, 12, t->key);
	const struct gen_place *pl = &gen_places[t->place];
	snprintf(t->code, sizeof t->code, "%s-%s-%02u", gen_sp_code[sl->sp], p->abbr, (unsigned)sl->no);
	snprintf(t->name, sizeof t->name, "%s%s%s", gen_sp_name[sl->sp][0], pl->name, gen_sp_name[sl->sp][1]);
	snprintf(t->host, sizeof t->host, "%s%s", pl->name, gen_host_suffix[sl->sp][below(&r, 3)]);
	credit_code(&r, p->code, t->host_code);
	t->ndepots = (uint8_t)(2 + below(&r, 2));
	t->neglect = 0.03 + 0.11 * unif(&r);
	t->season = 20 + (int32_t)below(&r, 100);
	t->inst = (uint8_t)below(&r, (uint32_t)NELEM(gen_institutions));
}

/* The teams of the scale: the national roster (130 teams), one of it, or six of one province. */
static void roster(struct gen *g)
{
	struct slot nat[NATIONAL_TEAMS + 8], sel[NATIONAL_TEAMS];
	uint32_t nn = 0, ns = 0;
	rng r;
	/* Each province's places in a seeded order: a team's place is its rank in the province. */
	for (uint32_t p = 0, k = 0; p < GEN_NPROV; p++) {
		g->prov_first[p] = (uint16_t)k;
		uint32_t first = k;
		for (uint32_t i = 0; i < GEN_NPLACES; i++)
			if (gen_places[i].prov == p)
				g->place_order[k++] = (uint16_t)i;
		rng_init(&r, g->seed, 10, p);
		for (uint32_t i = k - first; i > 1; i--) { /* Fisher-Yates */
			uint32_t j = below(&r, i);
			uint16_t tmp = g->place_order[first + i - 1];
			g->place_order[first + i - 1] = g->place_order[first + j];
			g->place_order[first + j] = tmp;
		}
		g->prov_first[p + 1] = (uint16_t)k;
	}
	for (uint8_t p = 0; p < GEN_NPROV; p++) {
		uint8_t rank = 0;
		for (uint8_t sp = 0; sp < SP_N; sp++)
			for (uint8_t k = 0; k < gen_provs[p].teams[sp]; k++)
				nat[nn++] = (struct slot){p, sp, (uint8_t)(k + 1), rank++};
	}
	if (g->scale == SCALE_NATIONAL) {
		memcpy(sel, nat, nn * sizeof *nat);
		ns = nn;
	} else if (g->scale == SCALE_TEAM) {
		rng_init(&r, g->seed, 11, 0);
		sel[ns++] = nat[below(&r, nn)];
	} else {
		rng_init(&r, g->seed, 11, 1);
		uint8_t p = g->prov >= 0 ? (uint8_t)g->prov : gen_big_provs[below(&r, (uint32_t)sizeof gen_big_provs)];
		const struct gen_prov *gp = &gen_provs[p];
		uint8_t have = 0, count[SP_N] = {0};
		for (int sp = 0; sp < SP_N; sp++)
			have = (uint8_t)(have + gp->teams[sp]);
		/* One of each specialty the province has, then the second of each, ... */
		for (uint8_t pass = 0; ns < 6 && pass < 16; pass++)
			for (uint8_t sp = 0; sp < SP_N && ns < 6; sp++)
				for (uint32_t i = 0; i < nn; i++)
					if (nat[i].prov == p && nat[i].sp == sp && nat[i].no == pass + 1) {
						sel[ns++] = nat[i];
						count[sp]++;
					}
		/* Fewer than six: more of the province's main specialty. */
		uint8_t main_sp = gp->teams[SP_MINE] ? SP_MINE : SP_HAZCHEM;
		while (ns < 6) {
			sel[ns++] = (struct slot){p, main_sp, (uint8_t)(count[main_sp] + 1), have++};
			count[main_sp]++;
		}
	}
	g->nteams = ns;
	g->teams = xrealloc(NULL, ns * sizeof *g->teams);
	for (uint32_t i = 0; i < ns; i++)
		team_init(g, &g->teams[i], &sel[i]);
	rng_init(&r, g->seed, 17, 0);
	person_name(&r, g->admin_name);
	person_name(&r, g->hr_name);
	person_name(&r, g->fin_name);
	person_name(&r, g->appr_name);
}

static int act_cmp(const void *pa, const void *pb)
{
	const struct gact *a = pa, *b = pb;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return a->team < b->team ? -1 : a->team > b->team;
}

/* Missions and drills of every team; missions numbered CD-YYYY-NNNN in date order. */
static void activities(struct gen *g)
{
	for (uint32_t ti = 0; ti < g->nteams; ti++) {
		struct gteam *t = &g->teams[ti];
		rng r;
		rng_init(&r, g->seed, 14, t->key);
		uint32_t nm = 2 + below(&r, 6) + (t->sp == SP_MINE || t->sp == SP_HAZCHEM), nd = 4 + below(&r, 5);
		t->act0 = g->nacts;
		t->nact = nm + nd;
		g->acts = xrealloc(g->acts, (g->nacts + t->nact) * sizeof *g->acts);
		for (uint32_t i = 0; i < t->nact; i++) {
			struct gact *a = &g->acts[g->nacts++];
			memset(a, 0, sizeof *a);
			a->mission = i < nm;
			a->day = g->start + (int32_t)below(&r, HISTORY + 1);
			if (a->mission) { /* after the team's yearly exams and certificate renewals: see person_ready() */
				int32_t lo = g->start + t->season + 50;
				a->day = lo + (int32_t)below(&r, (uint32_t)(g->today - lo));
			}
			a->dur = (uint16_t)(a->mission ? 1 + below(&r, 10) : 1 + below(&r, 2));
			a->team = ti;
		}
		/* The drills of each earlier year of a longer history; missions are in the year shown only. */
		for (int32_t y = 1; y < g->years; y++) {
			rng ry;
			rng_init(&ry, g->seed, 40, (uint64_t)t->key * MAX_YEARS + (uint64_t)y);
			uint32_t n = 4 + below(&ry, 5);
			g->acts = xrealloc(g->acts, (g->nacts + n) * sizeof *g->acts);
			for (uint32_t i = 0; i < n; i++) {
				struct gact *a = &g->acts[g->nacts++];
				memset(a, 0, sizeof *a);
				a->day = g->start - 365 * y + (int32_t)below(&ry, HISTORY + 1);
				a->dur = (uint16_t)(1 + below(&ry, 2));
				a->team = ti;
			}
			t->nact += n;
		}
		qsort(g->acts + t->act0, t->nact, sizeof *g->acts, act_cmp);
	}
	if (g->nacts >= UINT16_MAX - NELEM(gen_consumables)) /* events name an activity in 16 bits */
		die(EXIT_IO, "%s", L("muster gen: too many drills and missions", "muster gen：演练和出动过多"));
	/* Deployment numbers are national: a smaller dataset sees gaps in them. */
	struct gact **m = xrealloc(NULL, (g->nacts + 1) * sizeof *m);
	uint32_t n = 0;
	for (uint32_t i = 0; i < g->nacts; i++)
		if (g->acts[i].mission)
			m[n++] = &g->acts[i];
	for (uint32_t i = 1; i < n; i++) /* insertion sort by (day, team): stable, deterministic */
		for (uint32_t j = i; j > 0 && act_cmp(m[j - 1], m[j]) > 0; j--) {
			struct gact *tmp = m[j];
			m[j] = m[j - 1];
			m[j - 1] = tmp;
		}
	rng r;
	rng_init(&r, g->seed, 18, 0);
	uint32_t step = NATIONAL_TEAMS / g->nteams, no = 0;
	uint16_t year = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t y = (uint16_t)(muster_date_from_days(m[i]->day) / 10000);
		if (y != year)
			year = y, no = below(&r, step);
		no += 1 + below(&r, step);
		m[i]->year = y;
		m[i]->no = (uint16_t)(no > 9999 ? 9999 : no);
	}
	free(m);
}

/* ---- people ----------------------------------------------------------------------------- */

/*
 * Readiness.  A person joins a deployment only if the rules find them ready
 * (core/people_read.c), and the rules judge on the day the event is
 * written, today, from what the log holds so far: a certificate whose old
 * period ended before today blocks until its renewal is written, an exam
 * counts only if it is less than a year before today, an emergency exam is
 * owed from the return until it is written.  So each person carries, in
 * days of writing (a day's people's records come before its deployments):
 * ready on [ok_from, ok_to) except [mb_from, mb_to), and free for a
 * deployment from avail on.  Every block is taken at least as wide as the
 * rules would make it; a crew member who is not ready carries a reason.
 * Each team's yearly exams and certificate renewals fall in its season,
 * and its missions come after it, so that crews are ready.
 */
static void block(struct gperson *p, int32_t from, int32_t to, int32_t start)
{
	if (to <= start || from >= to)
		return;
	if (from <= start) {
		if (to > p->ok_from)
			p->ok_from = to;
	} else if (to == NEVER || p->mb_to) {
		if (from < p->ok_to)
			p->ok_to = from;
	} else {
		p->mb_from = from;
		p->mb_to = to;
	}
}

static int person_ready(const struct gperson *p, int32_t day)
{
	return day >= p->ok_from && day < p->ok_to && !(day >= p->mb_from && day < p->mb_to);
}

static int32_t days_of(uint64_t ymd)
{
	return (int32_t)muster_date_days(ymd);
}

static int32_t add_months(int32_t day, unsigned months)
{
	return days_of(muster_date_add_months(muster_date_from_days(day), months));
}

/* The same day of the month months earlier (days of the month are kept at most 28 here). */
static int32_t sub_months(int32_t day, unsigned months)
{
	uint64_t ymd = muster_date_from_days(day);
	int64_t m = (int64_t)(ymd / 10000) * 12 + (int64_t)(ymd / 100 % 100) - 1 - months;
	return days_of((uint64_t)(m / 12) * 10000 + (uint64_t)(m % 12 + 1) * 100 + ymd % 100);
}

/* A day whose day of the month is at most 28, so that months can be added and taken back. */
static int32_t day28(int32_t day)
{
	uint64_t d = muster_date_from_days(day) % 100;
	return d > 28 ? day - (int32_t)(d - 28) : day;
}

static void rescuer_name(rng *r, int female, char out[16])
{
	double u = unif(r);
	const char *s = gen_surnames[(uint32_t)(u * u * (double)NELEM(gen_surnames))]; /* the common ones more often */
	const char *a = female ? PICK(r, gen_given_f) : PICK(r, gen_given_m);
	const char *b = chance(r, 0.7) ? (female ? PICK(r, gen_given_f) : PICK(r, gen_given_m)) : "";
	snprintf(out, 16, "%s%s%s", s, a, b);
}

/* A resident ID born on day, unique in the dataset, with its GB 11643 check character. */
static void resident_id(struct gen *g, rng *r, const struct gteam *t, int32_t birth, int female, char out[19])
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	uint32_t prov = chance(r, 0.85) ? t->prov : below(r, (uint32_t)GEN_NPROV);
	const char *pc = gen_provs[prov].code;
	uint64_t ymd = muster_date_from_days(birth);
	for (;;) {
		unsigned city = 1 + below(r, 15), county = 1 + below(r, 28), seq = 2 * below(r, 499) + (female ? 2 : 1);
		snprintf(out, 19, "%.2s%02u%02u%08u%03u", pc[0] == '6' && pc[1] == '6' ? "65" : pc, city, county,
			(unsigned)ymd, seq);
		uint64_t key = strtoull(out, NULL, 10) + 1; /* 17 digits */
		uint32_t h = (uint32_t)((key * 0x9e3779b97f4a7c15u) >> 40) & (g->idcap - 1);
		while (g->idset[h] && g->idset[h] != key)
			h = (h + 1) & (g->idcap - 1);
		if (g->idset[h])
			continue;
		g->idset[h] = key;
		break;
	}
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * w[i];
	out[17] = "10X98765432"[sum % 11];
	out[18] = 0;
}

/* How many people a team has at this scale. */
static uint32_t team_size(const struct gen *g, rng *r)
{
	if (g->scale == SCALE_NATIONAL)
		return 160 + below(r, 111);
	if (g->scale == SCALE_PROVINCE)
		return 40 + below(r, 41);
	return 20 + below(r, 21);
}

static int age_limit_ok(int pos, int age)
{
	unsigned lim = muster_position_age_limit((unsigned)pos);
	return !lim || (unsigned)age <= lim;
}

/* Who a team has: posts, ages, hire dates, who joined during the year and who left. */
static void person_init(struct gen *g, uint32_t ti, uint32_t pi, int pos, int new_hire, rng *r)
{
	static const uint8_t age_lo[] = {42, 35, 29, 22, 26, 24, 24, 25}, age_hi[] = {56, 51, 47, 49, 55, 55, 50, 57};
	static const uint8_t tenure[] = {15, 10, 6, 1, 3, 1, 1, 1};
	const struct gteam *t = &g->teams[ti];
	struct gperson *p = &g->people[pi];
	memset(p, 0, sizeof *p);
	p->team = ti;
	p->pos = (uint8_t)pos;
	p->new_hire = (uint8_t)new_hire;
	p->female = (uint8_t)chance(r, pos == MUSTER_POS_MEDIC ? 0.45 : pos == MUSTER_POS_OTHER ? 0.3 :
						  pos == MUSTER_POS_TECHNICIAN ? 0.1 : 0.02);
	int age = new_hire ? 21 + (int)below(r, 8) : age_lo[pos] + (int)below(r, (uint32_t)(age_hi[pos] - age_lo[pos] + 1));
	if (!age_limit_ok(pos, age) && chance(r, 0.5)) /* over the post's age norm: some, not too many */
		age = age_lo[pos] + (int)below(r, (uint32_t)(age_hi[pos] - age_lo[pos] + 1));
	int32_t birth = g->today - age * 365 - (int32_t)below(r, 365) - age / 4;
	int32_t lo = days_of(19680101), hi = days_of(20041231);
	p->birth = birth < lo ? lo + (int32_t)below(r, 365) : birth > hi ? hi - (int32_t)below(r, 365) : birth;
	p->cls = (uint8_t)(pos == MUSTER_POS_DRIVER ? 1 : pos == MUSTER_POS_TECHNICIAN || pos == MUSTER_POS_OTHER ? 2 : 0);
	p->hz = gen_post_hazards[t->sp][p->cls];
	p->special = (uint8_t)((pos == MUSTER_POS_MEMBER || pos == MUSTER_POS_SQUAD) &&
			       chance(r, t->sp == SP_MINE || t->sp == SP_TUNNEL ? 0.25 : 0.1));
	if (new_hire) {
		p->hired = g->start + 45 + (int32_t)below(r, HISTORY - 50);
		p->enrol = p->hired - 3 - (int32_t)below(r, 25); /* enrolled at the pre-placement exam */
	} else {
		int most = age - 19 - tenure[pos];
		int hire_age = 19 + (most > 0 ? (int)below(r, (uint32_t)(most < 12 ? most : 12) + 1) : 0);
		p->hired = p->birth + hire_age * 365 + hire_age / 4 + (int32_t)below(r, 365);
		if (p->hired > g->start - 30)
			p->hired = g->start - 30 - (int32_t)below(r, 300);
		if (p->hired < p->birth + 18 * 365 + 5)
			p->hired = p->birth + 18 * 365 + 5;
		/* Records begin RECORDS days before the history: earlier people were entered then. */
		int32_t rec = g->first - RECORDS;
		p->enrol = p->hired > rec + 60 ? p->hired - 1 - (int32_t)below(r, 30) : rec + (int32_t)below(r, 60);
	}
	p->ok_from = p->hired;
	p->ok_to = NEVER;
	p->avail = 0;
	resident_id(g, r, t, p->birth, p->female, p->id);
	int again;
	do { /* names are unique within a team */
		rescuer_name(r, p->female, p->name);
		again = 0;
		for (uint32_t k = t->person0; k < pi && !again; k++)
			again = strcmp(g->people[k].name, p->name) == 0;
	} while (again);
}

/* The roster of every team: posts in a fixed order (the first ones inspect and take equipment out). */
static void people_plan(struct gen *g)
{
	g->idcap = 1024;
	for (uint32_t need = 4 * NATIONAL_TEAMS * 280; g->idcap < need && g->scale == SCALE_NATIONAL;)
		g->idcap *= 2;
	if (g->scale != SCALE_NATIONAL)
		g->idcap = 4096;
	g->idset = xrealloc(NULL, g->idcap * sizeof *g->idset);
	memset(g->idset, 0, g->idcap * sizeof *g->idset);
	for (uint32_t ti = 0; ti < g->nteams; ti++) {
		struct gteam *t = &g->teams[ti];
		rng r;
		rng_init(&r, g->seed, 19, t->key);
		uint32_t n = team_size(g, &r);
		uint32_t squadrons = n < 30 ? 1 : n < 60 ? 2 : n < 200 ? 3 : 4;
		uint32_t count[8] = {0};
		count[MUSTER_POS_BRIGADE] = 1;
		count[MUSTER_POS_TECHNICIAN] = n * 6 / 100 > 2 ? n * 6 / 100 : 2;
		count[MUSTER_POS_SQUADRON] = squadrons * (n >= 100 ? 2 : 1);
		count[MUSTER_POS_SQUAD] = n / 10 > 2 ? n / 10 : 2;
		count[MUSTER_POS_DRIVER] = n * 8 / 100 > 2 ? n * 8 / 100 : 2;
		count[MUSTER_POS_MEDIC] = n * 4 / 100 > 1 ? n * 4 / 100 : 1;
		count[MUSTER_POS_OTHER] = n * 2 / 100;
		uint32_t given = 0;
		for (int k = 0; k < 8; k++)
			given += count[k];
		count[MUSTER_POS_MEMBER] = n - given;
		static const int order[] = {MUSTER_POS_BRIGADE, MUSTER_POS_TECHNICIAN, MUSTER_POS_SQUADRON, MUSTER_POS_SQUAD,
			MUSTER_POS_DRIVER, MUSTER_POS_MEDIC, MUSTER_POS_OTHER, MUSTER_POS_MEMBER};
		uint32_t nnew = n * 4 / 100 + (chance(&r, 0.5) ? 1 : 0);
		t->person0 = g->npeople;
		t->npeople = n;
		g->people = xrealloc(g->people, (g->npeople + n) * sizeof *g->people);
		uint32_t i = 0;
		for (int k = 0; k < 8; k++)
			for (uint32_t c = 0; c < count[order[k]]; c++, i++) {
				/* New hires are the last members: never among the first PERSONS. */
				int nh = i >= n - nnew && i >= PERSONS;
				person_init(g, ti, g->npeople++, order[k], nh, &r);
			}
		/* About 2% leave during the year (never the first PERSONS, who sign for equipment all year). */
		uint32_t nleave = n * 2 / 100 + (chance(&r, 0.6) ? 1 : 0);
		for (uint32_t k = 0; k < nleave; k++) {
			struct gperson *p = &g->people[t->person0 + PERSONS + below(&r, n - PERSONS)];
			int32_t lo = p->hired > g->start ? p->hired + 60 : g->start + 20;
			if (p->left || lo >= g->today - 1)
				continue;
			p->left = lo + (int32_t)below(&r, (uint32_t)(g->today - 1 - lo));
			p->ok_to = p->left - 75; /* no deployment, nor the exams after one, close to leaving */
		}
	}
}

/* ---- certificates ----------------------------------------------------------------------- */

enum { K_DRIVING, K_FIRST_AID, K_MINE_RESCUE, K_SKILL, K_SPECIAL_OP, K_OTHER };
static const char *const kind_names[] = {"driving", "first_aid", "mine_rescue", "skill", "special_op", "other"};
static const uint8_t kind_months[] = {72, 36, 36, 0, 72, 0}; /* the built-in validity */
#define REVIEW_MONTHS 36 /* special_op: reviews on the 3rd, 6th... anniversary of valid from */
#define REVIEW_WINDOW 60 /* days before one that a review may be done */

static uint32_t cert_new(struct gen *g, uint32_t pi, uint8_t kind, uint8_t item, int32_t from)
{
	if (g->ncerts == g->ccap) {
		g->ccap = g->ccap ? g->ccap * 2 : 8192;
		g->certs = xrealloc(g->certs, g->ccap * sizeof *g->certs);
	}
	static const uint32_t serial_mod[] = {1, 100000, 100000, 100000000, 1, 1000000};
	struct gcert *c = &g->certs[g->ncerts];
	memset(c, 0, sizeof *c);
	c->person = pi;
	c->kind = kind;
	c->item = item;
	c->from = from;
	c->serial = (uint32_t)((g->ncerts * 2654435761u + 12345u) % serial_mod[kind]);
	return g->ncerts++;
}

/* A certificate's state, as the rules keep it: what makes it block on today. */
struct cstate {
	int32_t from, to, due, revoked; /* to, due 0: none */
};

static void cstate_set(struct cstate *s, unsigned months, int review, int32_t from, int32_t reviewed)
{
	s->from = from;
	s->to = months ? add_months(from, months) - 1 : 0;
	s->due = 0;
	if (review) { /* the next anniversary after the last review's window (core/people.c cert_dates) */
		int32_t after = reviewed ? reviewed + REVIEW_WINDOW : from, due = add_months(from, REVIEW_MONTHS);
		for (unsigned k = 2; due <= after && k < 200; k++)
			due = add_months(from, REVIEW_MONTHS * k);
		if (!s->to || due < s->to)
			s->due = due;
	}
}

static int cstate_bad(const struct cstate *s, int32_t today)
{
	return s->revoked || (s->to && s->to < today) || (s->due && s->due < today);
}

/*
 * One line of certificates of a person (a kind and item): the periods up
 * to the one current today, written from the person's enrolment on.  A
 * renewal keeps the row (cert.renew), first aid and mine rescue training are
 * re-issued under a new number (the old row stays, superseded).  Most
 * lines have nothing due during the year; the others are renewed or
 * reviewed in the team's season, before its missions.  A few lapse, skip a
 * review, or (special operations) are revoked.
 */
static void cert_line(struct gen *g, uint32_t pi, uint8_t kind, uint8_t item, rng *r)
{
	struct gperson *p = &g->people[pi];
	const struct gteam *t = &g->teams[p->team];
	const unsigned months = kind_months[kind];
	const int review = kind == K_SPECIAL_OP, reissue = kind == K_FIRST_AID || kind == K_MINE_RESCUE;
	const int32_t today = g->today, anchor = g->start + t->season;
	const int32_t until = p->left ? p->left - 1 : today - 1; /* nothing is renewed for those who left */
	int32_t lo = p->birth + 18 * 365 + 30;
	if (lo < p->hired - 3 * 365)
		lo = p->hired - 3 * 365;
	double u = unif(r);
	int lapse = !p->new_hire && months && u < 0.006, skip_review = !p->new_hire && review && u >= 0.006 && u < 0.016,
	    revoke = !p->new_hire && review && u >= 0.016 && u < 0.019;
	int32_t cur; /* the current period's first day */
	if (p->new_hire) { /* brought along, issued within the last two years, nothing due this year */
		int32_t back = (int32_t)below(r, 700);
		cur = p->enrol - 1 - back;
		if (cur < lo)
			cur = lo < p->enrol ? lo : p->enrol;
		cur = day28(cur);
	} else if (!lapse && !skip_review && chance(r, 0.7)) {
		/*
		 * Most periods began before the year and nothing falls due in it:
		 * from a day that leaves the end (and a review) after today.
		 */
		int32_t first = months ? sub_months(day28(today), review ? REVIEW_MONTHS : months) + 30 : lo;
		if (first < lo)
			first = lo;
		if (first >= g->start - 1)
			return;
		cur = day28(first + (int32_t)below(r, (uint32_t)(g->start - 1 - first)));
	} else {
		/* At the team's season (give or take 20 days), in one of the years its validity spans. */
		uint32_t years = months ? months / 12 : 8;
		int32_t m = lapse ? (int32_t)years : (int32_t)below(r, years);
		cur = day28(anchor + (int32_t)below(r, 41) - 20 - 365 * m);
		while (cur < lo && m > 0)
			cur = day28(cur + 365), m--;
		while (!lapse && months && add_months(cur, months) - 1 < today && m > 0)
			cur = day28(cur + 365), m--;
		if (cur < lo || cur > today - 1)
			return;
	}
	/* Periods back to the one the person held when enrolled (or the first). */
	int32_t per[16];
	int np = 1;
	per[0] = cur;
	while (months && np < 16) {
		int32_t prev = sub_months(per[0], months);
		if (prev < lo || per[0] - 1 < p->enrol)
			break;
		memmove(per + 1, per, (size_t)np * sizeof *per);
		per[0] = prev;
		np++;
	}
	/* Write them. */
	struct cstate st;
	memset(&st, 0, sizeof st);
	int32_t w = per[0] > p->enrol ? per[0] : p->enrol, seg = w;
	uint32_t ci = cert_new(g, pi, kind, item, per[0]);
	struct gev *e;
	for (int n = 0; n < np; n++) {
		int32_t reviewed = 0, wrote = w;
		if (n == 0 || reissue) { /* reviews before the row is written go into it */
			if (n > 0)
				ci = cert_new(g, pi, kind, item, per[n]);
			cstate_set(&st, months, review, per[n], 0);
			while (st.due && st.due - 1 - 19 <= w) {
				int32_t rv = st.due - 1 - (int32_t)below(r, 20);
				if (rv > w || rv > today || (skip_review && st.due >= g->start && st.due < today))
					break;
				reviewed = rv;
				cstate_set(&st, months, review, per[n], rv);
			}
			g->certs[ci].reviewed = reviewed;
			e = pemit(g, pi, w, MUSTER_EV_CERT_ADD);
			e->x = ci;
			e->y = per[n];
		}
		/* Reviews during the period; the renewal at its end stands for the one due just before it. */
		while (st.due) {
			if ((skip_review && st.due >= g->start && st.due < today) || (n + 1 < np && st.due + 90 > st.to))
				break;
			int32_t rv = st.due - 1 - (int32_t)below(r, 20);
			if (rv < wrote)
				rv = wrote;
			if (rv > until)
				break;
			if (cstate_bad(&st, today))
				block(p, seg, rv, g->start);
			e = pemit(g, pi, rv, MUSTER_EV_CERT_REVIEW);
			e->x = ci;
			e->y = rv;
			e->a = (uint8_t)(8 + below(r, 17));
			cstate_set(&st, months, review, st.from, rv);
			seg = wrote = rv;
		}
		if (n + 1 < np) { /* the next period */
			if ((reissue ? per[n + 1] : (st.due && st.due < st.to ? st.due : st.to) - 5) > until)
				break;
			int32_t end = st.due && st.due < st.to ? st.due : st.to;
			int32_t next = reissue ? per[n + 1] : end - 5 - (int32_t)below(r, 40);
			if (next < wrote)
				next = wrote;
			if (cstate_bad(&st, today))
				block(p, seg, next, g->start);
			if (!reissue) {
				e = pemit(g, pi, next, MUSTER_EV_CERT_RENEW);
				e->x = ci;
				e->y = per[n + 1];
				cstate_set(&st, months, review, per[n + 1], 0);
			}
			seg = w = next;
		}
	}
	if (revoke) {
		int32_t lo2 = seg > g->start + 30 ? seg + 1 : g->start + 30;
		if (lo2 < until) {
			if (cstate_bad(&st, today))
				block(p, seg, NEVER, g->start);
			int32_t when = lo2 + (int32_t)below(r, (uint32_t)(until - lo2));
			e = pemit(g, pi, when, MUSTER_EV_CERT_REVOKE);
			e->x = ci;
			e->y = when;
			e->a = (uint8_t)below(r, (uint32_t)NELEM(gen_revoke_reasons));
			st.revoked = when;
			seg = when;
		}
	}
	if (cstate_bad(&st, today))
		block(p, seg, NEVER, g->start);
}

/* Every certificate a person holds: special operations by post, rescue and first aid training, skills, driving. */
static void certs_plan(struct gen *g, uint32_t pi)
{
	struct gperson *p = &g->people[pi];
	const struct gteam *t = &g->teams[p->team];
	rng r;
	rng_init(&r, g->seed, 20, pi);
	static const uint8_t items_lo[] = {1, 1, 1, 1, 2, 0, 0, 0}, items_n[] = {2, 4, 4, 4, 3, 2, 1, 2};
	uint32_t nitems = items_lo[p->pos] + below(&r, items_n[p->pos]);
	uint8_t used = 0;
	for (uint32_t k = 0; k < nitems; k++) {
		/* The common items first: the first two of the specialty's list are the likeliest. */
		uint32_t it = chance(&r, 0.6) ? below(&r, 2) : below(&r, 6);
		if (used & (1u << it))
			continue;
		used |= (uint8_t)(1u << it);
		cert_line(g, pi, K_SPECIAL_OP, (uint8_t)it, &r);
	}
	if (t->sp == SP_MINE ? p->pos != MUSTER_POS_OTHER : chance(&r, p->pos == MUSTER_POS_MEDIC ? 0.05 : 0.4))
		cert_line(g, pi, K_MINE_RESCUE, 0, &r);
	if (p->pos == MUSTER_POS_MEDIC || chance(&r, 0.95))
		cert_line(g, pi, K_FIRST_AID, 0, &r);
	int field = p->pos != MUSTER_POS_MEDIC && p->pos != MUSTER_POS_OTHER;
	if (field) {
		uint32_t level = p->pos <= MUSTER_POS_SQUADRON ? 2 + below(&r, 2)
				 : p->pos == MUSTER_POS_SQUAD ? 1 + below(&r, 2) : below(&r, 3);
		cert_line(g, pi, K_SKILL, (uint8_t)level, &r);
	}
	/* Trades (skill items after the levels): technicians one or two, others now and then. */
	uint32_t trades = p->pos == MUSTER_POS_TECHNICIAN ? 1 + chance(&r, 0.5)
			  : field ? chance(&r, 0.7) + chance(&r, 0.3) : 0;
	for (uint32_t k = 0, first = below(&r, 3); k < trades; k++)
		cert_line(g, pi, K_SKILL, (uint8_t)(NELEM(gen_skill_levels) + (first + k) % 3), &r);
	int rescuer = p->pos == MUSTER_POS_MEMBER || p->pos == MUSTER_POS_SQUAD;
	if (chance(&r, p->pos == MUSTER_POS_TECHNICIAN ? 0.5 : rescuer ? 0.15 : 0)) /* drone pilots */
		cert_line(g, pi, K_OTHER, 0, &r);
	if (p->pos <= MUSTER_POS_SQUADRON && chance(&r, 0.9))
		cert_line(g, pi, K_OTHER, 1, &r);
	if (p->pos == MUSTER_POS_DRIVER)
		cert_line(g, pi, K_DRIVING, (uint8_t)(1 + below(&r, 3)), &r);
	else if (chance(&r, 0.65))
		cert_line(g, pi, K_DRIVING, 0, &r);
}

/* ---- exams ------------------------------------------------------------------------------- */

enum { X_PRE, X_PERIODIC, X_EXIT, X_EMERGENCY };
enum { C_NORMAL, C_RECHECK, C_SUSPECTED, C_CONTRA, C_OTHER };

static int first_hazard(const struct gperson *p, rng *r)
{
	int n = 0, pick[GEN_NHAZARDS];
	for (int i = 0; i < (int)GEN_NHAZARDS; i++)
		if (p->hz & HZ(i))
			pick[n++] = i;
	return n ? pick[below(r, (uint32_t)n)] : -1;
}

static struct gev *exam_emit(struct gen *g, uint32_t pi, int32_t date, int kind, int concl)
{
	struct gperson *p = &g->people[pi];
	struct gev *e = pemit(g, pi, date > p->enrol ? date : p->enrol, MUSTER_EV_EXAM);
	e->y = date;
	e->a = (uint8_t)kind;
	e->b = (uint8_t)concl;
	g->nexams++;
	return e;
}

/*
 * A person's exams: pre-placement on or before the post start, periodic
 * ones yearly in the team's season for the last five years (a few missed
 * this year), with their rechecks; the exit exam of a leaver.
 */
static void exams_plan(struct gen *g, uint32_t pi)
{
	struct gperson *p = &g->people[pi];
	const struct gteam *t = &g->teams[p->team];
	rng r;
	rng_init(&r, g->seed, 22, pi);
	const int32_t today = g->today;
	int32_t pre = p->new_hire ? p->enrol : p->hired - 1 - (int32_t)below(&r, 30);
	int32_t first_ok = pre >= g->start ? (pre > p->enrol ? pre : p->enrol) : NEVER;
	exam_emit(g, pi, pre, X_PRE, C_NORMAL);
	int32_t stop = p->left ? p->left - 25 : today;
	const int kmax = 4 + g->years - 1; /* every year of the history and the four before it */
	for (int k = kmax; k >= 0; k--) {
		int32_t d = g->start + t->season + (int32_t)below(&r, 35) - 365 * k;
		if (d <= p->hired || (k ? d <= pre + 180 : pre >= g->start) || d >= stop || d > today - 1 ||
			(k == kmax && chance(&r, 0.3)))
			continue;
		if (k == 0 && chance(&r, 0.025)) /* missed this year: overdue now */
			continue;
		double u = unif(&r);
		int concl = u < 0.9 ? C_NORMAL : u < 0.95 ? C_OTHER : u < 0.98 ? C_RECHECK : k ? C_NORMAL /* suspected, contra: this year */
			  : u < 0.993 ? C_SUSPECTED : C_CONTRA;
		struct gev *e = exam_emit(g, pi, d, X_PERIODIC, concl);
		if (d >= g->start && first_ok == NEVER)
			first_ok = d;
		int h = first_hazard(p, &r);
		if (concl == C_OTHER) {
			e->c = (uint8_t)below(&r, (uint32_t)NELEM(gen_exam_other));
		} else if (concl == C_RECHECK) {
			int32_t due = d + 14 + (int32_t)below(&r, 30), f = due - (int32_t)below(&r, 5);
			e->x = (uint32_t)due;
			e->c = (uint8_t)(h >= 0 && chance(&r, 0.7) ? (uint32_t)h
								     : (uint32_t)GEN_NHAZARDS + below(&r, (uint32_t)NELEM(gen_exam_items_general)));
			if (f <= today - 1 && f < stop) {
				exam_emit(g, pi, f, X_PERIODIC, C_NORMAL)->c = 1; /* the recheck: notes say so */
				if (due < today)
					block(p, d, f, g->start);
			} else if (due < today) {
				block(p, d, NEVER, g->start);
			}
		} else if (concl == C_SUSPECTED) {
			int32_t f = d + 20 + (int32_t)below(&r, 40);
			if (f <= today - 1 && f < stop) {
				exam_emit(g, pi, f, X_PERIODIC, C_NORMAL)->c = 2; /* excluded by the diagnosis */
				block(p, d, f, g->start);
			} else {
				block(p, d, NEVER, g->start);
			}
		} else if (concl == C_CONTRA) {
			e->c = (uint8_t)(h >= 0 ? h : 0);
			block(p, d, NEVER, g->start);
		}
	}
	block(p, 0, first_ok, g->start); /* no exam within a year of today before this one */
	if (p->left) {
		if (chance(&r, 0.85))
			exam_emit(g, pi, p->left - 1 - (int32_t)below(&r, 20), X_EXIT, C_NORMAL);
		struct gev *e = pemit(g, pi, p->left, MUSTER_EV_PERSON_UPDATE);
		e->y = p->left;
		e->a = (uint8_t)(g->today - p->birth > 45 * 365 ? 3 : below(&r, 3));
	}
}

/* People, then their certificates and exams. */
static void people_records(struct gen *g)
{
	for (uint32_t pi = 0; pi < g->npeople; pi++) {
		pemit(g, pi, g->people[pi].enrol, MUSTER_EV_PERSON_ADD);
		certs_plan(g, pi);
		exams_plan(g, pi);
	}
}

/* ---- assets ----------------------------------------------------------------------------- */

static uint32_t pick_type(rng *r, int sp)
{
	uint32_t sum = 0;
	for (uint32_t t = 0; t < GEN_NTYPES; t++)
		sum += gen_types[t].w[sp];
	uint32_t x = below(r, sum);
	for (uint32_t t = 0; t < GEN_NTYPES; t++) {
		if (x < gen_types[t].w[sp])
			return t;
		x -= gen_types[t].w[sp];
	}
	return 0;
}

static void asset_init(struct gen *g, uint32_t ai, uint32_t ti, uint32_t no, int external)
{
	struct gasset *a = &g->assets[ai];
	const struct gteam *tm = &g->teams[ti];
	rng r;
	rng_init(&r, g->seed, 3, ai);
	memset(a, 0, sizeof *a);
	a->team = ti;
	a->no = no;
	a->final = MUSTER_S_IN_DEPOT;
	if (external) {
		uint32_t first = 0;
		while (!is_external_type(first))
			first++;
		a->type = (uint16_t)(first + below(&r, (uint32_t)GEN_NTYPES - first));
		a->external = 1;
		a->funding = 2;
		a->final = MUSTER_S_RELEASED;
		uint32_t np = g->prov_first[tm->prov + 1] - g->prov_first[tm->prov];
		a->owner_place = g->place_order[g->prov_first[tm->prov] + below(&r, np)];
		a->owner_kind = (uint8_t)below(&r, (uint32_t)NELEM(gen_ext_owner));
		a->acquired = g->start - 1 - (int32_t)below(&r, 3000); /* the owner's, long before */
	} else {
		a->type = (uint16_t)pick_type(&r, tm->sp);
		const struct gen_type *t = &gen_types[a->type];
		double x = unif(&r);
		a->depot = (uint8_t)(tm->ndepots == 2 ? (x < 0.6 ? 1 : 2) : (x < 0.5 ? 1 : x < 0.8 ? 2 : 3));
		int32_t ago;
		if (t->life)
			ago = (int32_t)below(&r, (uint32_t)t->life * 365 * 108 / 100);
		else
			ago = (int32_t)(3650.0 * unif(&r) * (0.35 + 0.65 * unif(&r)));
		a->acquired = g->today - ago;
	}
	const struct gen_type *t = &gen_types[a->type];
	a->model = (uint8_t)below(&r, (uint32_t)nmodels(t));
	a->serial = ++g->serial[a->type][a->model];
	if (external)
		return;
	/* Value: each model a slice of the type's range, cheap to dear. */
	double span = (double)(t->hi - t->lo) / nmodels(t);
	double yuan = t->lo + span * (a->model + unif(&r));
	uint64_t unit = yuan < 10000 ? 10 : yuan < 1000000 ? 100 : 1000;
	a->value = (uint64_t)(yuan / (double)unit) * unit * 100;
	double u = unif(&r);
	if (yuan >= 500000)
		a->funding = u < 0.85 ? 0 : 1;
	else
		a->funding = u < 0.08 ? 0 : u < 0.78 ? 1 : 2;
	if (a->funding == 0) { /* 国投: custody agreement, open custody period */
		a->custody_from = a->acquired + (int32_t)below(&r, 46);
		if (a->custody_from > g->today)
			a->custody_from = g->today;
		a->custody_to = a->custody_from + 3652; /* ten years */
		if (a->custody_to < g->today + 30)
			a->custody_to = 0;
		uint32_t y = (uint32_t)(muster_date_from_days(a->custody_from) / 10000);
		a->agreement = (uint16_t)(100 + (tm->key * 37 + y * 11) % 900);
	}
}

/* How many assets each team holds: the scale's total, split by seeded weights. */
static void assets_plan(struct gen *g)
{
	uint32_t total = scale_assets[g->scale];
	double *w = xrealloc(NULL, g->nteams * sizeof *w), sum = 0;
	for (uint32_t i = 0; i < g->nteams; i++) {
		rng r;
		rng_init(&r, g->seed, 13, g->teams[i].key);
		w[i] = g->nteams == 1 ? 1 : 0.7 + 0.6 * unif(&r);
		sum += w[i];
	}
	uint32_t given = 0;
	for (uint32_t i = 0; i < g->nteams; i++)
		given += g->teams[i].nassets = (uint32_t)((double)total * w[i] / sum);
	for (uint32_t i = 0; given < total; i = (i + 1) % g->nteams, given++)
		g->teams[i].nassets++;
	free(w);
	g->nassets = total;
	g->assets = xrealloc(NULL, total * sizeof *g->assets);
	for (uint32_t ti = 0, ai = 0; ti < g->nteams; ti++) {
		struct gteam *t = &g->teams[ti];
		uint32_t next_ = t->nassets / 100 ? t->nassets / 100 : 1; /* about 1% outside equipment */
		t->asset0 = ai;
		for (uint32_t k = 0; k < t->nassets; k++, ai++) {
			int ext = k >= t->nassets - next_;
			asset_init(g, ai, ti, ext ? k - (t->nassets - next_) + 1 : k + 1, ext);
		}
	}
}

/*
 * A history of several years (--years): the assets of the year shown that
 * were bought during it replaced older ones of the same type and model,
 * scrapped shortly before (worn out after their service life, or after six
 * to ten years for a type without one), and those older ones that were
 * bought during the history replaced others in turn; so a team holds about
 * as much equipment in each year of the history.  They follow each team's
 * own assets, numbered after them.
 */
static void predecessors(struct gen *g)
{
	uint32_t n = g->nassets, cap = g->nassets;
	for (uint32_t ti = 0; ti < g->nteams; ti++) {
		struct gteam *t = &g->teams[ti];
		uint32_t no = t->nassets;
		t->pred0 = n;
		for (uint32_t k = 0; k < t->nassets + (n - t->pred0); k++) {
			uint32_t si = k < t->nassets ? t->asset0 + k : t->pred0 + (k - t->nassets);
			if (g->assets[si].external || g->assets[si].acquired <= g->first + 30)
				continue;
			if (n == cap) {
				cap *= 2;
				g->assets = xrealloc(g->assets, cap * sizeof *g->assets);
			}
			const struct gasset *s = &g->assets[si];
			const struct gen_type *ty = &gen_types[s->type];
			struct gasset *a = &g->assets[n++];
			rng r;
			rng_init(&r, g->seed, 41, si);
			memset(a, 0, sizeof *a);
			a->team = ti;
			a->no = ++no;
			a->type = s->type;
			a->model = s->model;
			a->depot = s->depot;
			a->funding = s->funding;
			a->value = s->value;
			a->final = MUSTER_S_IN_DEPOT;
			a->retire = s->acquired - 1 - (int32_t)below(&r, 30);
			a->acquired = a->retire - (ty->life ? ty->life * 365 + (int32_t)below(&r, 60) : 6 * 365 + (int32_t)below(&r, 4 * 365));
			a->serial = ++g->serial[a->type][a->model];
			if (a->funding == 0) { /* 国投: its own custody agreement */
				a->custody_from = a->acquired + (int32_t)below(&r, 46);
				a->custody_to = a->custody_from + 3652;
				if (a->custody_to < g->today + 30)
					a->custody_to = 0;
				uint32_t y = (uint32_t)(muster_date_from_days(a->custody_from) / 10000);
				a->agreement = (uint16_t)(100 + (t->key * 37 + y * 11) % 900);
			}
		}
		t->npred = n - t->pred0;
	}
	g->nassets = n;
}

/* ---- a year of history ---------------------------------------------------------------- */

/* Asset ai goes on mission act's deployment and comes back on day back. */
static void use_add(struct gen *g, uint32_t ai, uint32_t act, int32_t back)
{
	struct gact *m = &g->acts[act];
	if (back > g->today)
		m->out = 1;
	if (back > m->back)
		m->back = back;
	if (g->nuses == g->ucap) {
		g->ucap = g->ucap ? g->ucap * 2 : 4096;
		g->uses = xrealloc(g->uses, g->ucap * sizeof *g->uses);
	}
	g->uses[g->nuses++] = (struct guse){ai, act};
}

enum { C_MISSION, C_DRILL, C_TRAIN, C_LOAN, C_BREAK, C_XFER, C_SCRAP };
struct cand {
	int32_t day;
	uint16_t dur;
	uint8_t kind, reason;
	uint32_t act;
};
#define MAXC 96

/* Holder codes: person index, 0x10000 + squad, 0x20000 + place * 4 + borrower. */
#define H_SQUAD 0x10000u
#define H_BORROWER 0x20000u

static uint32_t person(rng *r, const struct gteam *t, uint32_t among)
{
	return t->person0 + below(r, among);
}

static uint32_t vendor(rng *r, const struct gen *g, const struct gteam *t)
{
	if (chance(r, 0.6))
		return 0; /* the maker */
	uint32_t np = g->prov_first[t->prov + 1] - g->prov_first[t->prov];
	return 1u + g->place_order[g->prov_first[t->prov] + below(r, np)];
}

static int32_t jitter(rng *r, int32_t interval)
{
	int32_t j = interval / 6 < 5 ? interval / 6 : 5;
	return (int32_t)below(r, (uint32_t)j + 1);
}

/* A receiving team for a transfer: same specialty and province, else same specialty, else any. */
static uint32_t transfer_target(const struct gen *g, rng *r, uint32_t from)
{
	const struct gteam *f = &g->teams[from];
	for (int cls = 0; cls < 3; cls++) {
		uint32_t n = 0;
		for (uint32_t i = 0; i < g->nteams; i++)
			n += i != from && (cls == 2 || (g->teams[i].sp == f->sp && (cls == 1 || g->teams[i].prov == f->prov)));
		if (!n)
			continue;
		uint32_t k = below(r, n);
		for (uint32_t i = 0; i < g->nteams; i++)
			if (i != from && (cls == 2 || (g->teams[i].sp == f->sp && (cls == 1 || g->teams[i].prov == f->prov))) &&
				k-- == 0)
				return i;
	}
	return from;
}

static int result_of(rng *r, int grp)
{
	double u = unif(r), adj = grp == G_INSTR || grp == G_BREATH ? 0.06 : 0.03;
	return u < 0.025 ? 1 : u < 0.025 + adj ? 2 : 0;
}

static void cand_sort(struct cand *c, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && c[j - 1].day > c[j].day; j--) {
			struct cand tmp = c[j];
			c[j] = c[j - 1];
			c[j - 1] = tmp;
		}
}

static void sim_external(struct gen *g, uint32_t ai)
{
	struct gasset *a = &g->assets[ai];
	const struct gteam *tm = &g->teams[a->team];
	rng r;
	rng_init(&r, g->seed, 4, ai);
	int32_t cur = a->acquired > g->start ? a->acquired : g->start;
	for (uint32_t i = tm->act0; i < tm->act0 + tm->nact; i++) {
		const struct gact *x = &g->acts[i];
		if (!x->mission || x->day < cur || x->day > g->today || !chance(&r, 0.5))
			continue;
		struct gev *e = emit(g, ai, x->day, MUSTER_EV_REQUISITION);
		e->d = (uint16_t)(i + 1);
		int32_t back = x->day + x->dur + (int32_t)below(&r, 3);
		use_add(g, ai, i, back);
		if (back > g->today) {
			a->final = MUSTER_S_REQUISITIONED;
			return;
		}
		emit(g, ai, back, MUSTER_EV_RELEASE);
		cur = back + 1;
	}
}

/* One asset's year: team missions and drills, training, loans, breakdowns, transfers, scrapping and inspections. */
static void sim_asset(struct gen *g, uint32_t ai)
{
	struct gasset *a = &g->assets[ai];
	const struct gen_type *t = &gen_types[a->type];
	const struct gteam *tm = &g->teams[a->team];
	const int32_t today = g->today;
	int32_t start = a->acquired > g->first ? a->acquired : g->first, span = today - start;
	struct cand c[MAXC];
	int nc = 0;
	rng r;
	rng_init(&r, g->seed, 4, ai);
	if (a->external) {
		sim_external(g, ai);
		return;
	}
	for (uint32_t i = tm->act0; i < tm->act0 + tm->nact && nc < MAXC - 16; i++) {
		const struct gact *x = &g->acts[i];
		if (x->day < start || x->day > today)
			continue;
		if (chance(&r, (x->mission ? 0.035 : 0.025) * t->mob))
			c[nc++] = (struct cand){x->day, x->dur, x->mission ? C_MISSION : C_DRILL, 0, i};
	}
	int ntrain = (int)(t->mob * 0.12 * span / 365.0 + unif(&r));
	for (int i = 0; i < ntrain && nc < MAXC - 8; i++)
		c[nc++] = (struct cand){start + (int32_t)below(&r, (uint32_t)span + 1), (uint16_t)(1 + below(&r, 3)), C_TRAIN, 0, 0};
	for (int32_t y = 0; y < g->years; y++) { /* a loan and a breakdown now and then, each year of the history */
		if (chance(&r, 0.004 * t->mob) && nc < MAXC - 4)
			c[nc++] = (struct cand){start + (int32_t)below(&r, (uint32_t)span + 1), (uint16_t)(5 + below(&r, 26)), C_LOAN, 0, 0};
		if (t->grp != G_PASSIVE && t->grp != G_BREATH && chance(&r, 0.05) && nc < MAXC - 4)
			c[nc++] = (struct cand){start + (int32_t)below(&r, (uint32_t)span + 1), (uint16_t)(7 + below(&r, 39)), C_BREAK, 0, 0};
	}
	if (g->nteams > 1 && span > 30 && chance(&r, g->xfer_p)) {
		uint32_t back = (uint32_t)(span - 2 < 300 ? span - 2 : 300);
		c[nc++] = (struct cand){today - 2 - (int32_t)below(&r, back), 0, C_XFER, 0, 0};
	}
	if (a->retire) { /* replaced: worn out */
		c[nc++] = (struct cand){a->retire, 0, C_SCRAP, (uint8_t)(t->life ? 0 : 2 + below(&r, 2)), 0};
	} else if (t->life && a->acquired + t->life * 365 <= today) { /* past its service life */
		int32_t d = a->acquired + t->life * 365;
		d = (d < start ? start : d) + (int32_t)below(&r, 15);
		if (d <= today)
			c[nc++] = (struct cand){d, 0, C_SCRAP, 0, 0};
	} else if (chance(&r, 0.003)) {
		c[nc++] = (struct cand){start + (int32_t)below(&r, (uint32_t)span + 1), 0, C_SCRAP,
			(uint8_t)(1 + below(&r, (uint32_t)NELEM(gen_scrap_damage))), 0};
	}
	cand_sort(c, nc);

	int nk = nkinds(t), on[2] = {0, 0}, miss[2] = {0, 0};
	int32_t nd[2] = {0, 0};
	for (int k = 0; k < nk; k++) {
		int32_t iv = t->interval[k];
		nd[k] = a->acquired >= g->first ? a->acquired + iv - jitter(&r, iv) : g->first + (int32_t)below(&r, (uint32_t)iv);
		on[k] = 1;
		miss[k] = chance(&r, tm->neglect * (iv <= 30 ? 1.0 : iv <= 90 ? 1.2 : 1.5));
	}
	int32_t cur = start;
	int ci = 0, custody = 1;
	uint32_t team = a->team;
	struct gev *e;
#define DELAY_INSPECTIONS(until) \
	for (int kk = 0; kk < nk; kk++) \
		if (nd[kk] < (until)) \
			nd[kk] = (until)
	for (;;) {
		int k = -1;
		int32_t dI = INT32_MAX, dC = INT32_MAX;
		for (int kk = 0; kk < nk; kk++)
			if (on[kk] && nd[kk] < dI)
				dI = nd[kk], k = kk;
		while (ci < nc && ((c[ci].kind < C_XFER && (c[ci].day < cur || !custody)) || (c[ci].kind == C_XFER && !custody)))
			ci++;
		if (ci < nc)
			dC = c[ci].day > cur ? c[ci].day : cur;
		if (dI > today && dC > today)
			break;
		const struct gteam *now = &g->teams[team];
		if (dI <= dC) { /* an inspection */
			int32_t iv = t->interval[k];
			if (miss[k] && dI + iv > today) { /* the last one due was not done: overdue now */
				on[k] = 0;
				continue;
			}
			int res = result_of(&r, t->grp);
			e = emit(g, ai, dI, MUSTER_EV_INSPECT);
			e->a = (uint8_t)k;
			e->b = (uint8_t)res;
			e->x = person(&r, now, 6);
			if (res) {
				e->c = (uint8_t)(res == 2 ? 2 : 3);
				e->d = (uint16_t)below(&r, 3);
			}
			if (res != 1) {
				nd[k] = dI + iv - jitter(&r, iv);
				continue;
			}
			if (!chance(&r, 0.8)) { /* re-checked in a few days */
				nd[k] = dI + 3 + (int32_t)below(&r, 8);
				continue;
			}
			int32_t back = dI + 5 + (int32_t)below(&r, 36);
			e = emit(g, ai, dI, MUSTER_EV_REPAIR_OUT);
			e->x = vendor(&r, g, now);
			e->b = (uint8_t)(10 + below(&r, 21));
			e->c = 1;
			if (back > today) {
				a->final = MUSTER_S_IN_REPAIR;
				return;
			}
			emit(g, ai, back, MUSTER_EV_REPAIR_BACK);
			e = emit(g, ai, back, MUSTER_EV_INSPECT);
			e->a = (uint8_t)k;
			e->c = 1;
			e->x = person(&r, now, 6);
			nd[k] = back + iv - jitter(&r, iv);
			DELAY_INSPECTIONS(back);
			cur = back + 1;
			continue;
		}
		const struct cand *x = &c[ci++];
		int32_t d = dC, back;
		switch (x->kind) {
		case C_MISSION:
		case C_DRILL:
		case C_TRAIN:
		case C_LOAN:
			back = d + x->dur + (chance(&r, 0.15) ? 1 + (int32_t)below(&r, 3) : 0);
			e = emit(g, ai, d, MUSTER_EV_CHECKOUT);
			e->a = (uint8_t)(x->kind == C_MISSION ? 0 : x->kind == C_DRILL ? 1 : x->kind == C_TRAIN ? 2 : 3);
			e->b = (uint8_t)x->dur;
			if (x->kind == C_MISSION) {
				e->d = (uint16_t)(x->act + 1);
				e->x = H_SQUAD + below(&r, 4);
				use_add(g, ai, x->act, back);
			} else if (x->kind == C_DRILL) {
				e->x = chance(&r, 0.5) ? H_SQUAD + below(&r, (uint32_t)NELEM(gen_squads)) : person(&r, now, PERSONS);
			} else if (x->kind == C_TRAIN) {
				e->x = person(&r, now, PERSONS);
			} else {
				uint32_t np = g->prov_first[now->prov + 1] - g->prov_first[now->prov];
				e->x = H_BORROWER + 4u * g->place_order[g->prov_first[now->prov] + below(&r, np)] +
				       below(&r, (uint32_t)NELEM(gen_borrowers));
			}
			if (back > today) {
				a->final = MUSTER_S_CHECKED_OUT;
				return;
			}
			emit(g, ai, back, MUSTER_EV_RETURN);
			DELAY_INSPECTIONS(back);
			cur = back + 1;
			break;
		case C_BREAK:
			back = d + x->dur;
			e = emit(g, ai, d, MUSTER_EV_REPAIR_OUT);
			e->x = vendor(&r, g, now);
			e->b = (uint8_t)(x->dur > 10 ? x->dur - 5 : x->dur);
			e->c = 2;
			if (back > today) {
				a->final = MUSTER_S_IN_REPAIR;
				return;
			}
			emit(g, ai, back, MUSTER_EV_REPAIR_BACK);
			if (nk) {
				e = emit(g, ai, back, MUSTER_EV_INSPECT);
				e->c = 1;
				e->x = person(&r, now, 6);
				nd[0] = back + t->interval[0] - jitter(&r, t->interval[0]);
			}
			DELAY_INSPECTIONS(back);
			cur = back + 1;
			break;
		case C_XFER: {
			uint32_t to = transfer_target(g, &r, team);
			e = emit(g, ai, d, MUSTER_EV_HANDOVER);
			e->x = to;
			if (chance(&r, 0.2)) {
				back = d + 1 + (int32_t)below(&r, 5);
				if (back > today) {
					a->final = MUSTER_S_TRANSFER_PENDING;
					return;
				}
				e = emit(g, ai, back, MUSTER_EV_CANCEL);
				e->a = (uint8_t)below(&r, (uint32_t)NELEM(gen_cancel_reasons));
			} else {
				back = d + 1 + (int32_t)below(&r, 7);
				if (back > today) {
					a->final = MUSTER_S_TRANSFER_PENDING;
					return;
				}
				e = emit(g, ai, back, MUSTER_EV_ACCEPT);
				e->x = to;
				a->accepted = back;
				a->to_team = to;
				team = to;
				custody = 0;
				a->moved = 1;
			}
			DELAY_INSPECTIONS(back);
			cur = back + 1;
			break;
		}
		case C_SCRAP:
			e = emit(g, ai, d, MUSTER_EV_SCRAP);
			e->a = x->reason;
			a->final = MUSTER_S_SCRAPPED;
			a->scrapped = d;
			return;
		}
	}
#undef DELAY_INSPECTIONS
}

/* Every team ends with something checked out and something in repair, whatever the dice said. */
static void guarantees(struct gen *g)
{
	for (uint32_t ti = 0; ti < g->nteams; ti++) {
		const struct gteam *t = &g->teams[ti];
		int out = 0, rep = 0;
		for (uint32_t i = t->asset0; i < t->asset0 + t->nassets; i++)
			out |= g->assets[i].final == MUSTER_S_CHECKED_OUT, rep |= g->assets[i].final == MUSTER_S_IN_REPAIR;
		rng r;
		rng_init(&r, g->seed, 16, t->key);
		uint32_t off = below(&r, t->nassets);
		for (uint32_t k = 0; k < t->nassets && (!out || !rep); k++) {
			uint32_t ai = t->asset0 + (off + k) % t->nassets;
			struct gasset *a = &g->assets[ai];
			const struct gen_type *ty = &gen_types[a->type];
			if (a->external || a->moved || a->final != MUSTER_S_IN_DEPOT || a->last >= g->today || !ty->mob)
				continue;
			struct gev *e;
			if (!out) {
				e = emit(g, ai, g->today, MUSTER_EV_CHECKOUT);
				e->a = 2;
				e->b = 3;
				e->x = person(&r, t, PERSONS);
				a->final = MUSTER_S_CHECKED_OUT;
				out = 1;
			} else if (ty->grp != G_PASSIVE) {
				e = emit(g, ai, g->today, MUSTER_EV_REPAIR_OUT);
				e->x = 0;
				e->b = 15;
				e->c = 2;
				a->final = MUSTER_S_IN_REPAIR;
				rep = 1;
			}
		}
	}
}

/* ---- deployments ------------------------------------------------------------------------- */

/* Seconds since 1970 UTC of a moment secs into a day in Beijing, and the Beijing day of one. */
static int64_t local_ts(int32_t day, int64_t secs)
{
	return (int64_t)day * 86400 + secs - 8 * 3600;
}

static int32_t local_day(int64_t ts)
{
	return (int32_t)((ts + 8 * 3600) / 86400);
}

static void shuffle(rng *r, uint32_t *v, uint32_t n)
{
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = below(r, i), tmp = v[i - 1];
		v[i - 1] = v[j];
		v[j] = tmp;
	}
}

#define TAKEN UINT32_MAX

/* Who goes: a commander, drivers, now and then a medic and a technician, rescuers; ready ones, but for the odd override. */
static uint32_t crew_pick(struct gen *g, const struct gact *m, rng *r, uint32_t *crew, uint8_t *override)
{
	const struct gteam *t = &g->teams[m->team];
	uint32_t *cand = xrealloc(NULL, t->npeople * sizeof *cand), nc = 0, n = 0;
	uint32_t want = 6 + below(r, 7);
	for (uint32_t pi = t->person0; pi < t->person0 + t->npeople; pi++) {
		const struct gperson *p = &g->people[pi];
		if (p->hired <= m->day && p->enrol <= m->day && p->avail <= m->day && !(p->left && m->day >= p->left - 75))
			cand[nc++] = pi;
	}
	shuffle(r, cand, nc);
	/* pos: wanted post (8: rescuers, 9: anyone); how many. */
	int lead = m->source <= 1 ? MUSTER_POS_BRIGADE : MUSTER_POS_SQUADRON;
	const struct {
		int pos;
		uint32_t count;
	} passes[] = {
		{lead, 1},
		{lead == MUSTER_POS_BRIGADE ? MUSTER_POS_SQUADRON : MUSTER_POS_BRIGADE, 1},
		{MUSTER_POS_DRIVER, 1 + (want >= 9)},
		{MUSTER_POS_MEDIC, chance(r, 0.6)},
		{MUSTER_POS_TECHNICIAN, chance(r, 0.4)},
		{MUSTER_POS_SQUAD, 1 + (want >= 10)},
		{8, want},
		{9, want},
	};
	for (size_t k = 0; k < NELEM(passes); k++) {
		if (k == 1 && n) /* a second commander only when the first is missing */
			continue;
		uint32_t got = 0;
		for (uint32_t i = 0; i < nc && got < passes[k].count && n < want; i++) {
			if (cand[i] == TAKEN)
				continue;
			const struct gperson *p = &g->people[cand[i]];
			int pos = passes[k].pos;
			if (!person_ready(p, m->day) || (pos < 8 && p->pos != pos) ||
				(pos == 8 && p->pos != MUSTER_POS_MEMBER && p->pos != MUSTER_POS_SQUAD))
				continue;
			override[n] = 0;
			crew[n++] = cand[i];
			cand[i] = TAKEN;
			got++;
		}
	}
	/* Now and then one who is not ready goes anyway, with the reason recorded; and when too few are. */
	int extra = chance(r, 0.1);
	for (uint32_t i = 0; i < nc && n < want + (uint32_t)extra && (n < 4 || extra); i++) {
		if (cand[i] == TAKEN || person_ready(&g->people[cand[i]], m->day))
			continue;
		override[n] = (uint8_t)(1 + below(r, (uint32_t)NELEM(gen_override_reasons)));
		crew[n++] = cand[i];
		cand[i] = TAKEN;
		if (n >= 4)
			extra = 0;
	}
	free(cand);
	return n;
}

/*
 * A deployment for every mission: ordered on its day, its crew, times in
 * order (departed, arrived, ended), returned after the last asset came
 * back, the report a few hours to two days later; then the crew's emergency
 * exams, mostly within the 30-day deadline, and the post-use inspections of
 * its assets.  Anything that would fall today or later has not happened.
 */
static void deploy_plan(struct gen *g)
{
	const int64_t cutoff = local_ts(g->today, 0);
	uint32_t crew[16];
	uint8_t override[16];
	for (uint32_t ti = 0; ti < g->nteams; ti++) {
		const struct gteam *t = &g->teams[ti];
		for (uint32_t ai = t->act0; ai < t->act0 + t->nact; ai++) { /* in date order */
			struct gact *m = &g->acts[ai];
			if (!m->mission)
				continue;
			rng r;
			rng_init(&r, g->seed, 21, ai);
			double u = unif(&r);
			m->source = (uint8_t)(u < 0.1 ? 0 : u < 0.45 ? 1 : u < 0.8 ? 2 : 3);
			m->incident = (uint8_t)below(&r, 6);
			uint32_t np = g->prov_first[t->prov + 1] - g->prov_first[t->prov];
			m->place = chance(&r, 0.88) ? g->place_order[g->prov_first[t->prov] + below(&r, np)]
						    : (uint16_t)below(&r, (uint32_t)GEN_NPLACES);
			m->word = (uint8_t)below(&r, (uint32_t)NELEM(gen_site_words));
			m->t[0] = local_ts(m->day, below(&r, 22 * 3600));
			m->t[1] = m->t[0] + 300 + below(&r, 35 * 60);
			m->t[2] = m->t[1] + (chance(&r, 0.1) ? 300 * 60 + below(&r, 200 * 60) : 30 * 60 + below(&r, 200 * 60));
			m->t[3] = m->t[2] + (int64_t)(m->dur - 1) * 86400 + 2 * 3600 + below(&r, 16 * 3600);
			m->t[4] = m->t[3] + 3600 + below(&r, 8 * 3600);
			if (local_day(m->t[4]) < m->back)
				m->t[4] = local_ts(m->back, 9 * 3600 + below(&r, 10 * 3600));
			m->t[5] = m->t[4] + 3 * 3600 + below(&r, 45 * 3600);
			m->stages = 0;
			while (m->stages < 6 && m->t[m->stages] < cutoff && !(m->stages == 4 && m->out))
				m->stages++;
			g->ndeploy++;
			demit(g, ai, m->day, PH_ORDER, MUSTER_EV_DEPLOY_OPEN);
			uint32_t n = crew_pick(g, m, &r, crew, override);
			for (uint32_t k = 0; k < n; k++) {
				struct gev *e = demit(g, ai, m->day, PH_ORDER, MUSTER_EV_DEPLOY_PERSON);
				e->x = crew[k];
				e->a = override[k];
				g->people[crew[k]].avail = NEVER; /* busy, then owing the emergency exam */
			}
			if (m->stages >= 2)
				demit(g, ai, local_day(m->t[m->stages >= 3 ? 2 : 1]), PH_DEPLOY, MUSTER_EV_DEPLOY_TIME)->a =
					(uint8_t)(m->stages >= 3 ? 3 : 1);
			if (m->stages >= 4)
				demit(g, ai, local_day(m->t[3]), PH_DEPLOY, MUSTER_EV_DEPLOY_TIME)->a = 4;
			if (m->stages < 5)
				continue;
			int32_t back = local_day(m->t[4]);
			demit(g, ai, back, PH_DEPLOY, MUSTER_EV_DEPLOY_RETURN);
			if (m->stages >= 6)
				demit(g, ai, local_day(m->t[5]), PH_DEPLOY, MUSTER_EV_DEPLOY_REPORT);
			for (uint32_t k = 0; k < n; k++) {
				double v = unif(&r);
				int32_t when = v < 0.93 ? back + 1 + (int32_t)below(&r, 28) : v < 0.97 ? back + 31 + (int32_t)below(&r, 15) : NEVER;
				if (when > g->today)
					continue; /* owed */
				struct gev *e = exam_emit(g, crew[k], when, X_EMERGENCY, chance(&r, 0.04) ? C_OTHER : C_NORMAL);
				e->d = (uint16_t)(ai + 1);
				e->c = (uint8_t)below(&r, (uint32_t)NELEM(gen_exam_other));
				g->people[crew[k]].avail = when;
			}
		}
	}
	/* Post-use inspections, on the day of the return or a few days after; a few still owed. */
	for (uint32_t i = 0; i < g->nuses; i++) {
		const struct guse *us = &g->uses[i];
		const struct gact *m = &g->acts[us->act];
		struct gasset *a = &g->assets[us->asset];
		rng r;
		rng_init(&r, g->seed, 23, i);
		if (m->stages < 5 || chance(&r, 0.03))
			continue;
		int32_t back = local_day(m->t[4]), day = back + (chance(&r, 0.5) ? 0 : 1 + (int32_t)below(&r, 4));
		if (day > g->today || (a->scrapped && a->scrapped <= day))
			continue;
		struct gev *e = emit(g, us->asset, day, MUSTER_EV_INSPECT);
		e->ph = day == back ? PH_AFTER : PH_ASSET;
		e->b = (uint8_t)(chance(&r, 0.05) ? 2 : 0);
		e->c = 4;
		e->d = (uint16_t)(us->act + 1);
		e->x = person(&r, &g->teams[a->team], 6);
	}
}

static int ev_cmp(const void *pa, const void *pb)
{
	const struct gev *a = pa, *b = pb;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->ph != b->ph)
		return a->ph < b->ph ? -1 : 1;
	if (a->ent != b->ent)
		return a->ent < b->ent ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* ---- money ------------------------------------------------------------------------------ */

/*
 * Funds, budgets and a year of spending, planned once the history is in
 * order (so that spending can name the log index of the repair or
 * inspection it pays for).  The dataset is clean for `muster audit`:
 * spending on an asset is dated on or after the work it pays for (and
 * links it), by the team that held the asset then, before it was scrapped
 * or went to another team, within a 国投 asset's custody period; invoice
 * numbers run per vendor and never repeat; no amount is just under the
 * approval threshold; everything at or above the threshold is approved by
 * the approver key (a few are rejected, and so count for nothing); every
 * budget covers its fund's counted spending; enterprise safety cost cites
 * its article.
 */

#define THRESHOLD 1000000 /* fen: the approval threshold gen's site policy sets (10,000 yuan) */
#define FEN(yuan) ((uint64_t)(yuan) * 100u)
enum { ST_MAINTENANCE, ST_REPAIR, ST_CALIBRATION, ST_CONSUMABLES, ST_TRAINING, ST_DRILL, ST_INSURANCE }; /* MF_SPEND_TYPE */
/* What maintenance of an asset is for (gspend.detail). */
enum { MD_POST_USE, MD_VEHICLE, MD_ANNUAL, MD_SERVICE, MD_ADJUSTED, MD_CHECK };
static const char *const fund_sources[] = {"national_capacity", "enterprise_safety", "host_special", "other"};
static const char *const fund_prefix[] = {"GT", "AQ", "ZX", "SJ"};

static int32_t year_of(int32_t day)
{
	return (int32_t)(muster_date_from_days(day) / 10000);
}

static int32_t jan1(int32_t year)
{
	return days_of((uint64_t)year * 10000 + 101);
}

static double between(rng *r, double lo, double hi)
{
	return lo + (hi - lo) * unif(r);
}

static double clampd(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211u;
	return h;
}

/*
 * An amount in fen, 100 yuan or more: whole yuan mostly, else to ten
 * fen; never in the last fifth below the threshold (several of those to
 * one vendor within two weeks is what the audit's split_invoice check
 * looks for).
 */
static uint64_t fen_of(rng *r, double yuan)
{
	if (yuan < 100)
		yuan = 100;
	uint64_t f = chance(r, 0.6) ? (uint64_t)yuan * 100 : (uint64_t)(yuan * 10) * 10;
	if (f >= THRESHOLD / 5 * 4 && f < THRESHOLD)
		f = f / 4 * 3;
	return f;
}

static uint32_t fund_new(struct gen *g, uint32_t team, uint8_t src, int32_t year)
{
	g->funds = xrealloc(g->funds, (g->nfunds + 1) * sizeof *g->funds);
	g->funds[g->nfunds] = (struct gfund){team, year, src, g->nbudgets};
	/* Its budgets: a national capacity fund's for its year, the others' for each year of the history. */
	int32_t y = year ? year : g->y0, n = year ? 1 : g->ny;
	g->budgets = xrealloc(g->budgets, (g->nbudgets + (uint32_t)n) * sizeof *g->budgets);
	for (int32_t k = 0; k < n; k++) {
		struct gbudget *b = &g->budgets[g->nbudgets++];
		memset(b, 0, sizeof *b);
		b->fund = g->nfunds;
		b->team = team;
		b->year = y + k;
		b->day = y + k == g->y0 ? 0 : jan1(y + k);
	}
	return g->nfunds++;
}

static struct gbudget *budget_of(struct gen *g, uint32_t fund, int32_t day)
{
	const struct gfund *f = &g->funds[fund];
	return &g->budgets[f->budget0 + (uint32_t)(year_of(day) - (f->year ? f->year : g->y0))];
}

/*
 * Each team's funds: the national capacity fund of each fiscal year (国投
 * equipment upkeep), the host unit's enterprise safety cost (hosts in an
 * industry that sets one aside) and special fund, and now and then a
 * provincial grant (source other).  The first year's funds and budgets are
 * in place before the history begins; a later year's national capacity
 * fund and budgets are set on its first day.
 */
static void fund_plan(struct gen *g)
{
	g->y0 = year_of(g->first);
	g->ny = year_of(g->today) - g->y0 + 1;
	for (uint32_t ti = 0; ti < g->nteams; ti++) {
		struct gteam *t = &g->teams[ti];
		rng r;
		rng_init(&r, g->seed, 30, t->key);
		for (size_t y = 0; y < NELEM(t->gt); y++)
			t->gt[y] = -1;
		for (int32_t y = 0; y < g->ny; y++)
			t->gt[y] = (int32_t)fund_new(g, ti, FS_NATIONAL, g->y0 + y);
		t->fund[0] = gen_industries[t->sp].name ? (int32_t)fund_new(g, ti, FS_SAFETY, 0) : -1;
		t->fund[1] = (int32_t)fund_new(g, ti, FS_HOST, 0);
		t->fund[2] = chance(&r, 0.35) ? (int32_t)fund_new(g, ti, FS_OTHER, 0) : -1;
	}
	for (uint32_t f = 0; f < g->nfunds; f++)
		if (g->funds[f].year <= g->y0)
			push(g, 0, f, MUSTER_EV_FUND_ADD);
	for (uint32_t b = 0; b < g->nbudgets; b++)
		if (!g->budgets[b].day)
			push(g, 0, b, MUSTER_EV_BUDGET_SET);
}

/* A vendor by name, added with its credit code (code NULL: derived from the name, registered in province prov) the first time. */
static uint32_t vendor_of(struct gen *g, const char *name, const char *code, const char *prov)
{
	if (!g->vhcap) {
		g->vhcap = 4096;
		g->vhash = xrealloc(NULL, g->vhcap * sizeof *g->vhash);
		memset(g->vhash, 0, g->vhcap * sizeof *g->vhash);
	}
	uint64_t h = fnv(name);
	uint32_t k = (uint32_t)(h >> 40) & (g->vhcap - 1);
	while (g->vhash[k] && strcmp(g->vendors[g->vhash[k] - 1].name, name) != 0)
		k = (k + 1) & (g->vhcap - 1);
	if (g->vhash[k])
		return g->vhash[k] - 1;
	if (g->nvendors * 2 >= g->vhcap)
		die(EXIT_IO, "%s", L("muster gen: too many vendors", "muster gen：供应商过多"));
	if (g->nvendors == g->vcap) {
		g->vcap = g->vcap ? g->vcap * 2 : 256;
		g->vendors = xrealloc(g->vendors, g->vcap * sizeof *g->vendors);
	}
	struct gvendor *v = &g->vendors[g->nvendors];
	memset(v, 0, sizeof *v);
	snprintf(v->name, sizeof v->name, "%s", name);
	rng r;
	rng_init(&r, h, 31, 0);
	/* A maker registered where its name says (重庆…, 成都…, …（北京）…), else anywhere. */
	for (uint32_t i = 0; i < GEN_NPROV && !prov; i++) {
		char paren[16];
		snprintf(paren, sizeof paren, "（%.6s", gen_provs[i].ema);
		if (strncmp(name, gen_provs[i].ema, 6) == 0 || strstr(name, paren))
			prov = gen_provs[i].code;
	}
	for (uint32_t i = 0; i < GEN_NPLACES && !prov; i++)
		if (strncmp(name, gen_places[i].name, strlen(gen_places[i].name)) == 0)
			prov = gen_provs[gen_places[i].prov].code;
	if (code)
		snprintf(v->code, sizeof v->code, "%s", code);
	else
		credit_code(&r, prov ? prov : gen_provs[below(&r, (uint32_t)GEN_NPROV)].code, v->code);
	v->next = 100000000000000u + (next(&r) >> 12) % 800000000000000u; /* where its invoices have got to: 15 digits */
	g->vhash[k] = ++g->nvendors;
	return g->nvendors - 1;
}

/* One of the vendors of gen_vendors that sell `what`: each team has its usual one, and now and then another. */
static uint32_t table_vendor(struct gen *g, rng *r, const struct gteam *t, int what)
{
	uint32_t n = 0, first = 0;
	for (uint32_t i = 0; i < GEN_NVENDORS; i++)
		if (gen_vendors[i].what == what && !n++)
			first = i;
	uint32_t k = (t->key * 7u + (chance(r, 0.8) ? 0 : 1 + below(r, n - 1))) % n;
	return vendor_of(g, gen_vendors[first + k].name, gen_vendors[first + k].code, NULL);
}

/* A repairer of the team's place for equipment of group grp. */
static uint32_t local_vendor(struct gen *g, uint32_t place, int grp)
{
	char name[128];
	snprintf(name, sizeof name, "%s%s", gen_places[place].name, gen_vendor_suffix[grp]);
	return vendor_of(g, name, NULL, gen_provs[gen_places[place].prov].code);
}

static uint32_t maker_vendor(struct gen *g, const struct gasset *a)
{
	return vendor_of(g, gen_types[a->type].m[a->model].maker, NULL, NULL);
}

static struct gspend *spend_new(struct gen *g, int32_t day, uint32_t team, uint8_t type, uint32_t fund, uint64_t amount)
{
	if (g->nspends == g->scap) {
		g->scap = g->scap ? g->scap * 2 : 4096;
		g->spends = xrealloc(g->spends, g->scap * sizeof *g->spends);
	}
	struct gspend *s = &g->spends[g->nspends];
	memset(s, 0, sizeof *s);
	s->day = day;
	s->team = team;
	s->type = type;
	s->fund = fund;
	s->amount = amount;
	s->asset = s->link = NONE;
	s->seq = g->nspends++;
	return s;
}

/* The fund an asset's upkeep is paid from: 国投 from the national capacity fund of the year, the host's from its safety cost. */
static uint32_t asset_fund(const struct gen *g, const struct gasset *a, uint32_t team, int32_t day)
{
	const struct gteam *t = &g->teams[team];
	if (a->funding == 0)
		return (uint32_t)t->gt[year_of(day) - g->y0];
	if (a->funding == 1 && t->fund[0] >= 0)
		return (uint32_t)t->fund[0];
	if (a->funding == 2 && t->fund[2] >= 0)
		return (uint32_t)t->fund[2];
	return (uint32_t)t->fund[1];
}

/* Team spending (training, drills, consumables, insurance): the safety cost or the host's special fund, or the national one. */
static uint32_t team_fund(const struct gen *g, rng *r, const struct gteam *t, int32_t day, double national)
{
	if (chance(r, national))
		return (uint32_t)t->gt[year_of(day) - g->y0];
	return (uint32_t)(t->fund[0] >= 0 && chance(r, 0.7) ? t->fund[0] : t->fund[1]);
}

/*
 * The day spending on asset a for work done on day w is dated: lag days
 * later, but not in the future, not once it is scrapped, and while the team
 * that did the work still holds it.  Less than w: it cannot be paid cleanly.
 */
static int32_t pay_day(const struct gen *g, const struct gasset *a, int32_t w, int32_t lag)
{
	int32_t d = w + lag, lim = g->today;
	if (a->scrapped && a->scrapped - 1 < lim)
		lim = a->scrapped - 1;
	if (a->accepted && w < a->accepted && a->accepted - 1 < lim)
		lim = a->accepted - 1;
	if (a->funding == 0) { /* 国投: within its custody period */
		if (w < a->custody_from)
			return w - 1;
		if (a->custody_to && a->custody_to < lim)
			lim = a->custody_to;
	}
	return d < lim ? d : lim;
}

/* Repairs and inspections of the history that cost money, paid by the team that held the asset, linked to them. */
static void asset_spending(struct gen *g)
{
	uint32_t *team = xrealloc(NULL, g->nassets * sizeof *team), *rv = xrealloc(NULL, g->nassets * sizeof *rv);
	for (uint32_t ai = 0; ai < g->nassets; ai++)
		team[ai] = g->assets[ai].team, rv[ai] = 0;
	for (size_t i = g->nsetup; i < g->nev; i++) {
		const struct gev *e = &g->ev[i];
		if (e->type < MUSTER_EV_ASSET_ADD || e->type > MUSTER_EV_INSPECT || e->type == MUSTER_EV_INSPECT_RULE)
			continue;
		const struct gasset *a = &g->assets[e->ent];
		if (e->type == MUSTER_EV_ACCEPT)
			team[e->ent] = e->x;
		if (e->type == MUSTER_EV_REPAIR_OUT)
			rv[e->ent] = e->x;
		if ((e->type != MUSTER_EV_REPAIR_BACK && e->type != MUSTER_EV_INSPECT) || a->external)
			continue;
		const struct gen_type *t = &gen_types[a->type];
		const struct gteam *tm = &g->teams[team[e->ent]];
		rng r;
		rng_init(&r, g->seed, 32, i);
		double value = (double)a->value / 100, yuan, p;
		uint8_t type = ST_MAINTENANCE, detail = 0;
		int32_t lag = (int32_t)below(&r, 13);
		uint32_t vendor;
		if (e->type == MUSTER_EV_REPAIR_BACK) { /* the repairer's invoice; a few were under warranty */
			p = 0.95;
			type = ST_REPAIR;
			yuan = clampd(value * between(&r, 0.015, 0.08), 200 + below(&r, 300), 300000);
			vendor = rv[e->ent] ? local_vendor(g, rv[e->ent] - 1, t->grp) : maker_vendor(g, a);
		} else if (e->c == 1) {
			continue; /* the check after a repair: paid with the repair */
		} else if (e->c == 4) { /* cleaned and serviced after a mission */
			p = 0.04;
			detail = MD_POST_USE;
			yuan = clampd(value * between(&r, 0.002, 0.01), 100, 5000);
			vendor = chance(&r, 0.5) ? maker_vendor(g, a) : local_vendor(g, tm->place, t->grp);
		} else if (strcmp(t->kind[e->a], "标定") == 0) { /* calibrated by a metrology company */
			p = 0.97;
			type = ST_CALIBRATION;
			yuan = value < 20000 ? between(&r, 180, 650) : between(&r, 1500, 9000);
			vendor = table_vendor(g, &r, tm, V_CAL);
			lag = (int32_t)below(&r, 21);
		} else if (strcmp(t->kind[e->a], "年检") == 0) {
			int vehicle = t->grp == G_VEHICLE;
			p = vehicle ? 0.9 : 0.7;
			detail = vehicle ? MD_VEHICLE : MD_ANNUAL;
			yuan = vehicle ? between(&r, 1200, 8000) : clampd(value * between(&r, 0.005, 0.02), 800, 60000);
			vendor = vehicle ? local_vendor(g, tm->place, G_VEHICLE) : maker_vendor(g, a);
		} else if (strncmp(t->kind[e->a], "季度", 6) == 0) { /* 季度保养, 季度维护: serviced by the maker or a local shop */
			p = 0.5;
			detail = MD_SERVICE;
			yuan = clampd(value * between(&r, 0.004, 0.015), 300, 20000);
			vendor = chance(&r, 0.5) ? maker_vendor(g, a) : local_vendor(g, tm->place, t->grp);
		} else if (e->b == 2) { /* adjusted: parts replaced */
			p = 0.12;
			detail = MD_ADJUSTED;
			yuan = between(&r, 120, 900);
			vendor = maker_vendor(g, a);
		} else { /* other checks: now and then serviced (monthly checks are done in the depot) */
			p = t->interval[e->a] <= 30 ? 0 : 0.08;
			detail = MD_CHECK;
			yuan = clampd(value * between(&r, 0.003, 0.01), 150, 8000);
			vendor = chance(&r, 0.5) ? maker_vendor(g, a) : local_vendor(g, tm->place, t->grp);
		}
		if (!chance(&r, p))
			continue;
		int32_t d = pay_day(g, a, e->day, lag);
		if (d < e->day)
			continue;
		struct gspend *s = spend_new(g, d, team[e->ent], type, asset_fund(g, a, team[e->ent], d), fen_of(&r, yuan));
		s->asset = e->ent;
		s->link = (uint32_t)i;
		s->vendor = vendor;
		s->detail = detail;
	}
	free(team);
	free(rv);
}

/* Team spending: consumables, training, drills, after missions, the crew's accident insurance and the vehicles'. */
static void team_spending(struct gen *g)
{
	const int32_t span = g->today - g->first;
	const uint32_t years = (uint32_t)g->years;
	for (uint32_t ti = 0; ti < g->nteams; ti++) {
		const struct gteam *t = &g->teams[ti];
		rng r;
		rng_init(&r, g->seed, 33, t->key);
		struct gspend *s;
		int32_t d;
		/* Bigger teams buy more and train more. */
		for (uint32_t k = 0, n = (8 + below(&r, 8) + t->npeople / 12) * years; k < n; k++) {
			d = g->first + (int32_t)below(&r, (uint32_t)span + 1);
			uint32_t c = below(&r, (uint32_t)NELEM(gen_consumables));
			s = spend_new(g, d, ti, ST_CONSUMABLES, team_fund(g, &r, t, d, 0.3),
				fen_of(&r, between(&r, gen_consumables[c].lo, gen_consumables[c].hi)));
			s->detail = (uint16_t)c;
			s->vendor = table_vendor(g, &r, t, V_CONS);
		}
		for (uint32_t k = 0, n = (2 + below(&r, 3) + t->npeople / 50) * years; k < n; k++) {
			d = g->first + (int32_t)below(&r, (uint32_t)span + 1);
			s = spend_new(g, d, ti, ST_TRAINING, team_fund(g, &r, t, d, 0.4), fen_of(&r, between(&r, 4000, 60000)));
			s->detail = (uint16_t)below(&r, 4);
			s->vendor = table_vendor(g, &r, t, V_TRAIN);
		}
		for (uint32_t ai = t->act0; ai < t->act0 + t->nact; ai++) {
			const struct gact *x = &g->acts[ai];
			if (!x->mission && chance(&r, 0.85)) { /* a drill: the venue, materials, the company that staged it */
				d = x->day + x->dur + (int32_t)below(&r, 10);
				if (d > g->today)
					continue;
				s = spend_new(g, d, ti, ST_DRILL, team_fund(g, &r, t, d, 0.2), fen_of(&r, between(&r, 3000, 45000)));
				s->detail = (uint16_t)below(&r, 6);
				s->vendor = table_vendor(g, &r, t, V_DRILL);
			} else if (x->mission && x->stages >= 5 && chance(&r, 0.7)) { /* what the mission used up */
				d = local_day(x->t[4]) + 1 + (int32_t)below(&r, 10);
				if (d > g->today)
					continue;
				s = spend_new(g, d, ti, ST_CONSUMABLES, team_fund(g, &r, t, d, 0.5), fen_of(&r, between(&r, 2000, 30000)));
				s->detail = (uint16_t)(NELEM(gen_consumables) + ai);
				s->vendor = table_vendor(g, &r, t, V_CONS);
			}
		}
		/* The crew's group accident insurance, renewed on the same day each year. */
		int32_t iday = 10 + (int32_t)(t->key * 7u % 60u);
		for (int32_t y = 0; y < g->ny; y++) {
			d = jan1(g->y0 + y) + iday;
			if (d < g->first || d > g->today)
				continue;
			uint32_t crew = 0;
			for (uint32_t pi = t->person0; pi < t->person0 + t->npeople; pi++)
				crew += g->people[pi].enrol <= d && (!g->people[pi].left || g->people[pi].left > d);
			s = spend_new(g, d, ti, ST_INSURANCE, team_fund(g, &r, t, d, 0), fen_of(&r, crew * between(&r, 350, 700)));
			s->vendor = table_vendor(g, &r, t, V_INS);
		}
		/* Vehicles with plates: insured on the anniversary of their purchase, by the team holding them. */
		for (uint32_t k = 0; k < t->nassets + t->npred; k++) {
			uint32_t ai = k < t->nassets ? t->asset0 + k : t->pred0 + (k - t->nassets);
			const struct gasset *a = &g->assets[ai];
			if (a->external || gen_types[a->type].attrs != A_PLATE)
				continue;
			for (d = a->acquired + 365; d <= g->today; d += 365) {
				if (d < g->first || (a->scrapped && d >= a->scrapped) || (a->funding == 0 && d < a->custody_from))
					continue;
				uint32_t holder = a->accepted && d >= a->accepted ? a->to_team : a->team;
				s = spend_new(g, d, holder, ST_INSURANCE, asset_fund(g, a, holder, d), fen_of(&r, between(&r, 3000, 12000)));
				s->asset = ai;
				s->detail = 1;
				s->vendor = table_vendor(g, &r, &g->teams[holder], V_INS);
			}
		}
	}
}

static int spend_cmp(const void *pa, const void *pb)
{
	const struct gspend *a = pa, *b = pb;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Money events: a day's budgets before its history (ph 0), its spending (1) and decisions (2) after it. */
static int mev_cmp(const void *pa, const void *pb)
{
	const struct gev *a = pa, *b = pb;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->ph != b->ph)
		return a->ph < b->ph ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return a->ent < b->ent ? -1 : a->ent > b->ent;
}

/*
 * Budgets in fen: a year's worth of what the team spends from that source
 * (the history's spending over its years), with room to spare, in tens of
 * thousands of yuan, and never less than the year's spending.
 */
static void budgets_plan(struct gen *g)
{
	uint64_t *rate = xrealloc(NULL, g->nteams * 4 * sizeof *rate);
	memset(rate, 0, g->nteams * 4 * sizeof *rate);
	for (uint32_t bi = 0; bi < g->nbudgets; bi++)
		rate[g->budgets[bi].team * 4 + g->funds[g->budgets[bi].fund].src] += g->budgets[bi].spent;
	for (uint32_t bi = 0; bi < g->nbudgets; bi++) {
		struct gbudget *b = &g->budgets[bi];
		rng r;
		rng_init(&r, g->seed, 35, bi);
		double est = (double)rate[b->team * 4 + g->funds[b->fund].src] / g->years; /* a year's worth */
		double amount = est * between(&r, 1.1, 1.4), floor = g->funds[b->fund].src == FS_NATIONAL ? 5e6 : 3e6;
		if (amount < floor)
			amount = floor + 1e6 * below(&r, 5);
		const uint64_t unit = FEN(10000);
		b->amount = ((uint64_t)amount + unit - 1) / unit * unit;
		if (b->amount < b->spent)
			b->amount = (b->spent + unit - 1) / unit * unit;
		b->first = b->amount;
		if (b->day && b->spent && chance(&r, 0.15)) { /* revised in the middle of the year */
			int32_t d = b->day + 120 + (int32_t)below(&r, 90);
			uint64_t first = (uint64_t)((double)b->amount * between(&r, 0.75, 0.9)) / unit * unit;
			if (d < g->today && first >= unit) {
				b->revised = d;
				b->first = first;
			}
		}
	}
	free(rate);
}

/*
 * After the history is sorted: the spending, its approvals, the budgets,
 * and the money events merged into ev (links and references become
 * positions in the merged ev; build() adds the log index of ev[0]).
 */
static void money_plan(struct gen *g)
{
	asset_spending(g);
	team_spending(g);
	qsort(g->spends, g->nspends, sizeof *g->spends, spend_cmp);
	struct gev *mev = NULL;
	size_t nm = 0, mcap = 0;
#define MPUSH(day_, ph_, ent_, type_) \
	do { \
		if (nm == mcap) \
			mcap = mcap ? mcap * 2 : 4096, mev = xrealloc(mev, mcap * sizeof *mev); \
		memset(&mev[nm], 0, sizeof *mev); \
		mev[nm].day = (day_), mev[nm].ph = (ph_), mev[nm].ent = (ent_), mev[nm].type = (type_); \
		nm++; \
	} while (0)
	/* Invoices in date order per vendor; the approver's decisions on what is at or above the threshold. */
	uint32_t *approved = xrealloc(NULL, g->nteams * sizeof *approved), *rejected = xrealloc(NULL, g->nteams * sizeof *rejected);
	memset(approved, 0, g->nteams * sizeof *approved);
	memset(rejected, 0, g->nteams * sizeof *rejected);
	for (uint32_t i = 0; i < g->nspends; i++) {
		struct gspend *s = &g->spends[i];
		struct gvendor *v = &g->vendors[s->vendor];
		rng r;
		rng_init(&r, g->seed, 34, s->seq);
		v->next += 1 + below(&r, 2500); /* its other customers' invoices in between */
		s->invoice = v->next;
		s->nattach = (uint8_t)(chance(&r, 0.25) ? 0 : chance(&r, 0.6) ? 1 : 2);
		s->reason = (uint8_t)below(&r, (uint32_t)NELEM(gen_reject_reasons));
		if (s->amount >= THRESHOLD) {
			s->state = chance(&r, 0.04) ? SP_REJECTED : SP_APPROVED;
			s->decided = s->day + (int32_t)below(&r, 7);
			if (s->decided > g->today)
				s->decided = g->today;
			(s->state == SP_REJECTED ? rejected : approved)[s->team]++;
		}
	}
	/* Every team with a few approvals has had one rejected, whatever the dice said: the middle one. */
	for (uint32_t t = 0; t < g->nteams; t++)
		approved[t] = approved[t] >= 4 && !rejected[t] ? approved[t] / 2 + 1 : 0;
	for (uint32_t i = 0; i < g->nspends; i++) {
		struct gspend *s = &g->spends[i];
		if (s->state == SP_APPROVED && approved[s->team] && --approved[s->team] == 0)
			s->state = SP_REJECTED;
	}
	free(approved);
	free(rejected);
	for (uint32_t i = 0; i < g->nspends; i++) {
		struct gspend *s = &g->spends[i];
		if (s->state != SP_COUNTED)
			MPUSH(s->decided, 2, i, s->state == SP_REJECTED ? MUSTER_EV_SPEND_REJECT : MUSTER_EV_SPEND_APPROVE);
		g->nrejected += s->state == SP_REJECTED;
		g->napproved += s->state == SP_APPROVED;
		if (s->state != SP_REJECTED)
			budget_of(g, s->fund, s->day)->spent += s->amount;
		MPUSH(s->day, 1, i, MUSTER_EV_SPEND);
	}
	budgets_plan(g);
	for (uint32_t f = 0; f < g->nfunds; f++)
		if (g->funds[f].year > g->y0)
			MPUSH(jan1(g->funds[f].year), 0, f, MUSTER_EV_FUND_ADD);
	for (uint32_t b = 0; b < g->nbudgets; b++) {
		if (g->budgets[b].day)
			MPUSH(g->budgets[b].day, 0, b, MUSTER_EV_BUDGET_SET);
		if (g->budgets[b].revised) {
			MPUSH(g->budgets[b].revised, 0, b, MUSTER_EV_BUDGET_SET);
			mev[nm - 1].a = 1;
		}
	}
#undef MPUSH
	qsort(mev, nm, sizeof *mev, mev_cmp);
	/* Merge: setup, then day by day. */
	size_t n = g->nev + nm, i = g->nsetup, j = 0, k = g->nsetup;
	struct gev *out = xrealloc(NULL, n * sizeof *out);
	uint32_t *np = xrealloc(NULL, (g->nev ? g->nev : 1) * sizeof *np);
	memcpy(out, g->ev, g->nsetup * sizeof *out);
	for (size_t x = 0; x < g->nsetup; x++)
		np[x] = (uint32_t)x;
	while (i < g->nev || j < nm) {
		const struct gev *h = i < g->nev ? &g->ev[i] : NULL;
		if (j < nm && (!h || mev[j].day < h->day || (mev[j].day == h->day && mev[j].ph == 0))) {
			if (mev[j].type == MUSTER_EV_SPEND)
				g->spends[mev[j].ent].pos = (uint32_t)k;
			out[k++] = mev[j++];
		} else {
			np[i] = (uint32_t)k;
			out[k++] = g->ev[i++];
		}
	}
	for (uint32_t s = 0; s < g->nspends; s++)
		if (g->spends[s].link != NONE)
			g->spends[s].link = np[g->spends[s].link];
	free(np);
	free(mev);
	free(g->ev);
	g->ev = out;
	g->nev = g->cap = n;
}

static void plan(struct gen *g)
{
	roster(g);
	people_plan(g);
	activities(g);
	assets_plan(g);
	if (g->years > 1)
		predecessors(g);
	g->xfer_p = g->scale == SCALE_PROVINCE ? 0.003 : 0.0015;
	/* Setup: keys, policy, teams, depots, rules, and the assets bought before the history begins. */
	for (uint32_t k = 0; k < 5; k++)
		push(g, 0, k, MUSTER_EV_KEY_ENROL);
	push(g, 0, 0, MUSTER_EV_POLICY);
	for (uint32_t ti = 0; ti < g->nteams; ti++)
		push(g, 0, ti, MUSTER_EV_TEAM_ADD);
	for (uint32_t ti = 0; ti < g->nteams; ti++)
		for (uint8_t d = 1; d <= g->teams[ti].ndepots; d++)
			push(g, 0, ti, MUSTER_EV_DEPOT_ADD)->a = d;
	for (uint32_t t = 0; t < GEN_NTYPES; t++)
		for (int k = 0; k < nkinds(&gen_types[t]); k++)
			push(g, 0, t, MUSTER_EV_INSPECT_RULE)->a = (uint8_t)k;
	for (uint32_t h = 0; h < GEN_NHAZARDS; h++)
		push(g, 0, h, MUSTER_EV_HEALTH_RULE);
	fund_plan(g);
	for (uint32_t ai = 0; ai < g->nassets; ai++) {
		struct gasset *a = &g->assets[ai];
		if (a->acquired < g->first) {
			push(g, 0, ai, MUSTER_EV_ASSET_ADD);
			a->nseq = 1;
		}
	}
	g->nsetup = g->nev;
	/* History: people's records, assets bought during it, then everything that happened. */
	people_records(g);
	for (uint32_t ai = 0; ai < g->nassets; ai++) {
		if (g->assets[ai].acquired >= g->first)
			emit(g, ai, g->assets[ai].acquired, MUSTER_EV_ASSET_ADD);
		sim_asset(g, ai);
	}
	guarantees(g);
	deploy_plan(g);
	qsort(g->ev + g->nsetup, g->nev - g->nsetup, sizeof *g->ev, ev_cmp);
	money_plan(g);
}

/* ---- event bodies ---------------------------------------------------------------------- */

static void asset_id(const struct gen *g, uint32_t ai, char out[72])
{
	const struct gasset *a = &g->assets[ai];
	const char *team = g->teams[a->team].code;
	if (a->external)
		snprintf(out, 72, "%s-W%03u", team, (unsigned)a->no);
	else
		snprintf(out, 72, "%s-%05u", team, (unsigned)a->no);
}

static void depot_code(const struct gteam *t, unsigned n, char out[32])
{
	snprintf(out, 32, "%s-D%u", t->code, n);
}

static void ymd_text(int32_t day, char out[16])
{
	uint64_t ymd = muster_date_from_days(day);
	snprintf(out, 16, "%04u-%02u", (unsigned)(ymd / 10000), (unsigned)(ymd / 100 % 100));
}

struct kvpair {
	char k[32], v[64];
};

static int kv_cmp(const void *pa, const void *pb)
{
	const struct kvpair *a = pa, *b = pb;
	return strcmp(a->k, b->k); /* byte order, as the format wants */
}

/* Attributes of an asset: up to a few key=value pairs; returns how many. */
static uint64_t asset_attrs(const struct gen *g, uint32_t ai, muster_buf *kv)
{
	const struct gasset *a = &g->assets[ai];
	const struct gen_type *t = &gen_types[a->type];
	struct kvpair p[4];
	int n = 0;
	rng r;
	rng_init(&r, g->seed, 5, ai);
	switch (t->attrs) {
	case A_PLATE: {
		static const char letters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
		const struct gen_prov *pr = &gen_provs[g->teams[a->team].prov];
		char tail[8];
		for (int i = 0; i < 5; i++)
			tail[i] = i == 1 && chance(&r, 0.4) ? letters[below(&r, 24)] : (char)('0' + below(&r, 10));
		tail[5] = 0;
		snprintf(p[n].k, sizeof p[n].k, "号牌");
		snprintf(p[n++].v, sizeof p[0].v, "%s%c·%s", pr->plate, letters[below(&r, 8)], tail);
		break;
	}
	case A_DRILL:
		snprintf(p[n].k, sizeof p[n].k, "最大钻深");
		snprintf(p[n++].v, sizeof p[0].v, "%um", (unsigned)(a->model == 0 ? 800 : a->model == 1 ? 1200 : 2500));
		snprintf(p[n].k, sizeof p[n].k, "额定功率");
		snprintf(p[n++].v, sizeof p[0].v, "%ukW", (unsigned)(a->model == 0 ? 110 : a->model == 1 ? 160 : 250));
		break;
	case A_BIGDRILL:
		snprintf(p[n].k, sizeof p[n].k, "最大孔径");
		snprintf(p[n++].v, sizeof p[0].v, "711mm");
		snprintf(p[n].k, sizeof p[n].k, "最大钻深");
		snprintf(p[n++].v, sizeof p[0].v, "1000m");
		break;
	case A_PUMP:
		snprintf(p[n].k, sizeof p[n].k, "流量");
		snprintf(p[n++].v, sizeof p[0].v, "%um³/h", (unsigned)(a->model == 0 ? 300 : a->model == 1 ? 500 : 1000));
		snprintf(p[n].k, sizeof p[n].k, "扬程");
		snprintf(p[n++].v, sizeof p[0].v, "%um", (unsigned)(a->model == 0 ? 150 : a->model == 1 ? 200 : 60));
		break;
	case A_BREATH:
		if (chance(&r, 0.5)) {
			snprintf(p[n].k, sizeof p[n].k, "气瓶编号");
			snprintf(p[n++].v, sizeof p[0].v, "QP%08u", (unsigned)(a->serial * 7919u % 100000000u));
			snprintf(p[n].k, sizeof p[n].k, "气瓶有效期至");
			ymd_text(g->today + 30 + (int32_t)below(&r, 3 * 365), p[n++].v);
		}
		break;
	case A_DRONE:
		snprintf(p[n].k, sizeof p[n].k, "最大续航");
		snprintf(p[n++].v, sizeof p[0].v, "%umin", (unsigned)(a->model == 0 ? 45 : 38));
		snprintf(p[n].k, sizeof p[n].k, "飞控序列号");
		snprintf(p[n++].v, sizeof p[0].v, "FC%08" PRIX64, next(&r) >> 32);
		break;
	}
	qsort(p, (size_t)n, sizeof *p, kv_cmp);
	muster_buf_reset(kv);
	uint64_t count = 0;
	for (int i = 0; i < n; i++) {
		muster_list_add(kv, &count, p[i].k, strlen(p[i].k));
		muster_list_add(kv, &count, p[i].v, strlen(p[i].v));
	}
	return count / 2;
}

enum { W_ADMIN, W_KEEPER, W_KEEPER2, W_HR, W_FINANCE, W_APPROVER, W_N };

/* Text the fields of one body point to, alive until it is encoded. */
struct scratch {
	char id[72], s1[320], s2[320], s3[320], d1[32], d2[32];
	muster_buf kv, items;
};

static void holder_text(const struct gen *g, uint32_t x, char *out, size_t cap)
{
	if (x >= H_BORROWER)
		snprintf(out, cap, "%s%s", gen_places[(x - H_BORROWER) / 4].name, gen_borrowers[(x - H_BORROWER) % 4]);
	else if (x >= H_SQUAD)
		snprintf(out, cap, "%s", gen_squads[x - H_SQUAD]);
	else
		snprintf(out, cap, "%s", g->people[x].name);
}

static void deployment_text(const struct gen *g, uint16_t d, char *out, size_t cap)
{
	const struct gact *m = &g->acts[d - 1];
	snprintf(out, cap, "CD-%04u-%04u", (unsigned)m->year, (unsigned)m->no);
}

/* A province's name: its emergency department's name without "应急管理厅" / "应急管理局" (15 bytes). */
static int prov_name_len(const struct gen_prov *p)
{
	return (int)strlen(p->ema) - 15;
}

static void cert_number(const struct gen *g, const struct gcert *c, char *out, size_t cap)
{
	const struct gperson *p = &g->people[c->person];
	const char *pc = gen_provs[g->teams[p->team].prov].code;
	unsigned y = (unsigned)(muster_date_from_days(c->from) / 10000);
	switch (c->kind) {
	case K_SPECIAL_OP: snprintf(out, cap, "T%s", p->id); break;
	case K_DRIVING: snprintf(out, cap, "%s", p->id); break;
	case K_MINE_RESCUE: snprintf(out, cap, "KJ%.2s%04u%05u", pc, y, (unsigned)(c->serial % 100000)); break;
	case K_FIRST_AID: snprintf(out, cap, "JH%.2s%04u%05u", pc, y, (unsigned)(c->serial % 100000)); break;
	case K_OTHER:
		snprintf(out, cap, "%s%.2s%04u%06u", gen_other_certs[c->item].prefix, pc, y, (unsigned)(c->serial % 1000000));
		break;
	default: snprintf(out, cap, "S%.2s%04u%08u", pc, y, (unsigned)(c->serial % 100000000)); break;
	}
}

static void cert_issuer(const struct gen *g, const struct gcert *c, char *out, size_t cap)
{
	const struct gteam *t = &g->teams[g->people[c->person].team];
	const struct gen_prov *pr = &gen_provs[t->prov];
	int n = prov_name_len(pr);
	switch (c->kind) {
	case K_SPECIAL_OP: snprintf(out, cap, "%s", pr->ema); break;
	case K_DRIVING: snprintf(out, cap, "%s公安局交通警察支队", gen_places[t->place].addr); break;
	case K_MINE_RESCUE: snprintf(out, cap, "%.*s矿山救援技术培训中心", n, pr->ema); break;
	case K_FIRST_AID: snprintf(out, cap, "%.*s红十字会", n, pr->ema); break;
	case K_OTHER:
		snprintf(out, cap, "%s", gen_other_certs[c->item].issuer ? gen_other_certs[c->item].issuer : pr->ema);
		break;
	default: snprintf(out, cap, "%.*s职业技能鉴定指导中心", n, pr->ema); break;
	}
}

/* The fields that name a certificate: person, kind, number, item (and a special operation's category). */
static void cert_fields(const struct gen *g, const struct gcert *c, muster_rec *r, struct scratch *sc, int add)
{
	const struct gperson *p = &g->people[c->person];
	int sp = g->teams[p->team].sp;
	muster_rec_cstr(r, MF_PERSON, p->id);
	muster_rec_cstr(r, MF_KIND, kind_names[c->kind]);
	cert_number(g, c, sc->s1, sizeof sc->s1);
	muster_rec_cstr(r, MF_NUMBER, sc->s1);
	if (c->kind == K_SPECIAL_OP) {
		muster_rec_cstr(r, MF_ITEM, gen_special_items[sp][c->item].name);
		if (add)
			muster_rec_uint(r, MF_OP_CATEGORY, gen_special_items[sp][c->item].cat);
	} else if (c->kind == K_SKILL) {
		muster_rec_cstr(r, MF_ITEM, c->item < NELEM(gen_skill_levels) ? gen_skill_levels[c->item]
									       : gen_skill_trades[sp][c->item - NELEM(gen_skill_levels)]);
	} else if (c->kind == K_DRIVING) {
		muster_rec_cstr(r, MF_ITEM, gen_driving_classes[c->item]);
	} else if (c->kind == K_OTHER) {
		muster_rec_cstr(r, MF_ITEM, gen_other_certs[c->item].name);
	}
}

static void hazards_field(const struct gperson *p, muster_rec *r, muster_buf *kv)
{
	uint64_t n = 0;
	muster_buf_reset(kv);
	for (uint32_t h = 0; h < GEN_NHAZARDS; h++)
		if (p->hz & HZ(h))
			muster_list_add(kv, &n, gen_hazards[h].name, strlen(gen_hazards[h].name));
	if (n)
		muster_rec_list(r, MF_HAZARDS, kv, n);
}

static void ordered_by(const struct gen *g, const struct gact *m, char *out, size_t cap)
{
	const struct gteam *t = &g->teams[m->team];
	switch (m->source) {
	case 0: snprintf(out, cap, "应急管理部指挥中心"); break;
	case 1: snprintf(out, cap, "%s指挥中心", gen_provs[t->prov].ema); break;
	case 2: snprintf(out, cap, "%s调度指挥中心", t->host); break;
	default: snprintf(out, cap, "%s（大队指挥员）", g->people[t->person0].name); break;
	}
}

static void fund_code(const struct gen *g, uint32_t fi, char *out, size_t cap)
{
	const struct gfund *f = &g->funds[fi];
	if (f->year)
		snprintf(out, cap, "%s-%s-%d", fund_prefix[f->src], g->teams[f->team].code, (int)f->year);
	else
		snprintf(out, cap, "%s-%s", fund_prefix[f->src], g->teams[f->team].code);
}

/* 20 digits, as on a 数电发票: year, the issuer's province, channel, and the issuer's serial. */
static void invoice_text(const struct gen *g, const struct gspend *s, char *out, size_t cap)
{
	const struct gvendor *v = &g->vendors[s->vendor];
	snprintf(out, cap, "%02d%.2s1%015" PRIu64, (int)(year_of(s->day) % 100), v->code + 2, s->invoice);
}

/* What the spending was for, in the words of the invoice. */
static void spend_notes(const struct gen *g, const struct gspend *s, char *out, size_t cap)
{
	const struct gteam *tm = &g->teams[s->team];
	const struct gasset *a = s->asset != NONE ? &g->assets[s->asset] : NULL;
	const char *ty = a ? gen_types[a->type].name : "", *model = a ? gen_types[a->type].m[a->model].model : "";
	const struct gev *w = s->link != NONE ? &g->ev[s->link] : NULL;
	const char *kind = w && w->type == MUSTER_EV_INSPECT && w->c != 4 ? gen_types[a->type].kind[w->a] : "";
	switch (s->type) {
	case ST_REPAIR: snprintf(out, cap, "%s（%s）维修费", ty, model); break;
	case ST_CALIBRATION: snprintf(out, cap, "%s（%s）年度检定校准费", ty, model); break;
	case ST_MAINTENANCE:
		switch (s->detail) {
		case MD_POST_USE: snprintf(out, cap, "%s救援任务归建后清洗保养费", ty); break;
		case MD_VEHICLE: snprintf(out, cap, "%s年度安全技术检验及保养费", ty); break;
		case MD_ADJUSTED: snprintf(out, cap, "%s检查调校及更换配件费", ty); break;
		case MD_SERVICE: snprintf(out, cap, "%s%s费", ty, kind); break;
		default: snprintf(out, cap, "%s%s维护保养费", ty, kind); break;
		}
		break;
	case ST_CONSUMABLES:
		if (s->detail < NELEM(gen_consumables)) {
			snprintf(out, cap, "%s采购", gen_consumables[s->detail].name);
		} else {
			char dep[32];
			deployment_text(g, (uint16_t)(s->detail - NELEM(gen_consumables) + 1), dep, sizeof dep);
			snprintf(out, cap, "%s救援任务后补充消耗物资", dep);
		}
		break;
	case ST_TRAINING:
		snprintf(out, cap, "%s费用", s->detail < 3 ? gen_trainings[tm->sp][s->detail] : "应急救护（急救）培训");
		break;
	case ST_DRILL: snprintf(out, cap, "%s应急演练费用", gen_incidents[tm->sp][s->detail]); break;
	default:
		if (a)
			snprintf(out, cap, "%s机动车交强险及商业险", ty);
		else
			snprintf(out, cap, "%d年度救援队员团体意外伤害保险", (int)year_of(s->day));
		break;
	}
}

/* Which of the host industry's articles spending of this type relies on: equipment, training and drills, insurance. */
static int article_of(int type)
{
	return type == ST_TRAINING || type == ST_DRILL ? 1 : type == ST_INSURANCE ? 2 : 0;
}

/* The body of e in b; returns its event type and who signs it in *who. */
static uint64_t build(const struct gen *g, const struct gev *e, muster_buf *b, struct scratch *sc, int *who)
{
	muster_rec r;
	muster_rec_clear(&r);
	muster_buf_reset(b);
	*who = W_KEEPER;
	uint64_t date = muster_date_from_days(e->day);
	const struct gasset *a = NULL;
	const struct gen_type *t = NULL;
	if (e->type >= MUSTER_EV_ASSET_ADD && e->type <= MUSTER_EV_INSPECT && e->type != MUSTER_EV_INSPECT_RULE) {
		a = &g->assets[e->ent];
		t = &gen_types[a->type];
		asset_id(g, e->ent, sc->id);
		muster_rec_cstr(&r, MF_ID, sc->id);
		if (e->type >= MUSTER_EV_CHECKOUT)
			muster_rec_uint(&r, MF_DATE, date);
	}
	switch (e->type) {
	case MUSTER_EV_KEY_ENROL: {
		static const uint32_t roles[] = {MUSTER_ROLE_KEEPER, MUSTER_ROLE_KEEPER, MUSTER_ROLE_HR, MUSTER_ROLE_FINANCE,
			MUSTER_ROLE_APPROVER};
		const char *holder = e->ent == 0 ? g->people[g->teams[0].person0 + 1].name
				   : e->ent == 1 ? g->people[g->teams[g->nteams > 1 ? 1 : 0].person0 + 2].name
				   : e->ent == 2 ? g->hr_name
				   : e->ent == 3 ? g->fin_name
						 : g->appr_name;
		muster_ev_key v = {g->pk[e->ent], roles[e->ent], {holder, strlen(holder)}};
		muster_ev_key_encode(b, MUSTER_EV_KEY_ENROL, &v);
		*who = W_ADMIN;
		return MUSTER_EV_KEY_ENROL;
	}
	case MUSTER_EV_TEAM_ADD: {
		const struct gteam *tm = &g->teams[e->ent];
		muster_rec_cstr(&r, MF_TEAM, tm->code);
		muster_rec_cstr(&r, MF_NAME, tm->name);
		muster_rec_uint(&r, MF_SPECIALTY, tm->sp);
		muster_rec_cstr(&r, MF_PROVINCE, gen_provs[tm->prov].code);
		muster_rec_cstr(&r, MF_HOST, tm->host);
		muster_rec_cstr(&r, MF_HOST_CODE, tm->host_code);
		*who = W_ADMIN;
		break;
	}
	case MUSTER_EV_DEPOT_ADD: {
		const struct gteam *tm = &g->teams[e->ent];
		rng rr;
		rng_init(&rr, g->seed, 15, tm->key * 4 + e->a);
		depot_code(tm, e->a, sc->d1);
		snprintf(sc->s1, sizeof sc->s1, "%s%s%s路%u号", gen_places[tm->place].addr, PICK(&rr, gen_zones),
			PICK(&rr, gen_roads), (unsigned)(1 + below(&rr, 300)));
		muster_rec_cstr(&r, MF_TEAM, tm->code);
		muster_rec_cstr(&r, MF_DEPOT, sc->d1);
		muster_rec_cstr(&r, MF_NAME, gen_depot_names[e->a - 1]);
		muster_rec_cstr(&r, MF_LOCATION, sc->s1);
		break;
	}
	case MUSTER_EV_INSPECT_RULE:
		t = &gen_types[e->ent];
		muster_rec_cstr(&r, MF_TYPE, t->name);
		muster_rec_cstr(&r, MF_KIND, t->kind[e->a]);
		muster_rec_uint(&r, MF_INTERVAL, t->interval[e->a]);
		break;
	case MUSTER_EV_ASSET_ADD: {
		const struct gteam *tm = &g->teams[a->team];
		const struct gen_model *m = &t->m[a->model];
		uint64_t acq = muster_date_from_days(a->acquired);
		muster_rec_cstr(&r, MF_TEAM, tm->code);
		if (a->depot) {
			depot_code(tm, a->depot, sc->d1);
			muster_rec_cstr(&r, MF_DEPOT, sc->d1);
		}
		muster_rec_cstr(&r, MF_CATEGORY, t->category);
		muster_rec_cstr(&r, MF_TYPE, t->name);
		muster_rec_cstr(&r, MF_MODEL, m->model);
		snprintf(sc->s1, sizeof sc->s1, "%s%02u%06u", m->code, (unsigned)(acq / 10000 % 100), (unsigned)a->serial);
		muster_rec_cstr(&r, MF_SERIAL, sc->s1);
		muster_rec_cstr(&r, MF_MAKER, m->maker);
		muster_rec_uint(&r, MF_ACQUIRED, acq);
		if (a->value)
			muster_rec_uint(&r, MF_VALUE, a->value);
		muster_rec_uint(&r, MF_FUNDING, a->funding);
		if (a->external) {
			snprintf(sc->s2, sizeof sc->s2, "%s%s", gen_places[a->owner_place].name, gen_ext_owner[a->owner_kind]);
			muster_rec_cstr(&r, MF_OWNER, sc->s2);
			muster_rec_uint(&r, MF_EXTERNAL, 1);
		} else {
			muster_rec_cstr(&r, MF_OWNER, a->funding == 0 ? "应急管理部" : a->funding == 1 ? tm->host : gen_provs[tm->prov].ema);
		}
		if (a->funding == 0) {
			uint64_t from = muster_date_from_days(a->custody_from);
			snprintf(sc->s3, sizeof sc->s3, "应急托管〔%u〕%03u号", (unsigned)(from / 10000), (unsigned)a->agreement);
			muster_rec_cstr(&r, MF_AGREEMENT, sc->s3);
			muster_rec_uint(&r, MF_CUSTODY_FROM, from);
			if (a->custody_to)
				muster_rec_uint(&r, MF_CUSTODY_TO, muster_date_from_days(a->custody_to));
		}
		uint64_t n = asset_attrs(g, e->ent, &sc->kv);
		if (n)
			muster_rec_list(&r, MF_ATTRS, &sc->kv, n);
		break;
	}
	case MUSTER_EV_INSPECT:
		muster_rec_cstr(&r, MF_KIND, e->c == 4 ? "使用后检查" : t->kind[e->a]);
		muster_rec_uint(&r, MF_RESULT, e->b);
		muster_rec_cstr(&r, MF_INSPECTOR, g->people[e->x].name);
		if (e->c == 4) {
			deployment_text(g, e->d, sc->d1, sizeof sc->d1);
			snprintf(sc->s1, sizeof sc->s1, "%s救援任务归建后检查%s", sc->d1, e->b ? "，调校后合格" : "");
			muster_rec_cstr(&r, MF_NOTES, sc->s1);
		} else if (e->c == 1)
			muster_rec_cstr(&r, MF_NOTES, "修复后复检");
		else if (e->c == 2)
			muster_rec_cstr(&r, MF_NOTES, gen_adjusted[t->grp][e->d]);
		else if (e->c == 3)
			muster_rec_cstr(&r, MF_NOTES, gen_failed[t->grp][e->d]);
		break;
	case MUSTER_EV_CHECKOUT:
		holder_text(g, e->x, sc->s1, sizeof sc->s1);
		muster_rec_cstr(&r, MF_HOLDER, sc->s1);
		muster_rec_uint(&r, MF_PURPOSE, e->a);
		if (e->d) {
			deployment_text(g, e->d, sc->d1, sizeof sc->d1);
			muster_rec_cstr(&r, MF_DEPLOYMENT, sc->d1);
		}
		muster_rec_uint(&r, MF_DUE, muster_date_from_days(e->day + e->b));
		break;
	case MUSTER_EV_REPAIR_OUT:
		if (e->x == 0)
			snprintf(sc->s1, sizeof sc->s1, "%s", t->m[a->model].maker);
		else
			snprintf(sc->s1, sizeof sc->s1, "%s%s", gen_places[e->x - 1].name, gen_vendor_suffix[t->grp]);
		muster_rec_cstr(&r, MF_VENDOR, sc->s1);
		muster_rec_uint(&r, MF_DUE, muster_date_from_days(e->day + e->b));
		muster_rec_cstr(&r, MF_NOTES, e->c == 1 ? "检查不合格，送修" : "使用中发生故障，送修");
		break;
	case MUSTER_EV_REPAIR_BACK:
		muster_rec_cstr(&r, MF_NOTES, "维修完成，返库");
		break;
	case MUSTER_EV_HANDOVER:
		depot_code(&g->teams[e->x], 1, sc->d1);
		muster_rec_cstr(&r, MF_TO_TEAM, g->teams[e->x].code);
		muster_rec_cstr(&r, MF_TO_DEPOT, sc->d1);
		muster_rec_cstr(&r, MF_NOTES, "按装备调剂计划移交");
		break;
	case MUSTER_EV_ACCEPT:
		depot_code(&g->teams[e->x], 1, sc->d1);
		muster_rec_cstr(&r, MF_DEPOT, sc->d1);
		*who = W_KEEPER2;
		break;
	case MUSTER_EV_CANCEL:
		muster_rec_cstr(&r, MF_REASON, gen_cancel_reasons[e->a]);
		break;
	case MUSTER_EV_REQUISITION: {
		const struct gact *m = &g->acts[e->d - 1];
		snprintf(sc->s1, sizeof sc->s1, "%s应急征〔%u〕%u号", gen_provs[g->teams[a->team].prov].zh, (unsigned)m->year,
			(unsigned)m->no);
		deployment_text(g, e->d, sc->d1, sizeof sc->d1);
		muster_rec_cstr(&r, MF_ORDER, sc->s1);
		muster_rec_uint(&r, MF_PURPOSE, 0);
		muster_rec_cstr(&r, MF_DEPLOYMENT, sc->d1);
		break;
	}
	case MUSTER_EV_SCRAP:
		if (e->a == 0)
			snprintf(sc->s1, sizeof sc->s1, "超过规定使用年限（%u年）", (unsigned)t->life);
		else
			snprintf(sc->s1, sizeof sc->s1, "%s", gen_scrap_damage[e->a - 1]);
		muster_rec_cstr(&r, MF_REASON, sc->s1);
		break;
	case MUSTER_EV_POLICY:
		muster_rec_uint(&r, MF_EXAM_DAYS, 30);
		muster_rec_uint(&r, MF_TARGET, 300);
		muster_rec_uint(&r, MF_THRESHOLD, THRESHOLD);
		*who = W_ADMIN;
		break;
	case MUSTER_EV_HEALTH_RULE:
		muster_rec_cstr(&r, MF_HAZARD, gen_hazards[e->ent].name);
		muster_rec_uint(&r, MF_INTERVAL, gen_hazards[e->ent].days);
		*who = W_HR;
		break;
	case MUSTER_EV_PERSON_ADD: {
		const struct gperson *p = &g->people[e->ent];
		muster_rec_cstr(&r, MF_PERSON, p->id);
		muster_rec_cstr(&r, MF_NAME, p->name);
		muster_rec_cstr(&r, MF_TEAM, g->teams[p->team].code);
		muster_rec_uint(&r, MF_POSITION, p->pos);
		muster_rec_uint(&r, MF_HIRED, muster_date_from_days(p->hired));
		if (p->special)
			muster_rec_uint(&r, MF_SPECIAL, 1);
		hazards_field(p, &r, &sc->kv);
		*who = W_HR;
		break;
	}
	case MUSTER_EV_PERSON_UPDATE:
		muster_rec_cstr(&r, MF_PERSON, g->people[e->ent].id);
		muster_rec_uint(&r, MF_STATUS, MUSTER_P_LEFT);
		muster_rec_uint(&r, MF_DATE, muster_date_from_days(e->y));
		muster_rec_cstr(&r, MF_REASON, gen_leave_reasons[e->a]);
		*who = W_HR;
		break;
	case MUSTER_EV_CERT_ADD:
	case MUSTER_EV_CERT_RENEW:
	case MUSTER_EV_CERT_REVIEW:
	case MUSTER_EV_CERT_REVOKE: {
		const struct gcert *c = &g->certs[e->x];
		cert_fields(g, c, &r, sc, e->type == MUSTER_EV_CERT_ADD);
		if (e->type != MUSTER_EV_CERT_REVOKE) {
			cert_issuer(g, c, sc->s2, sizeof sc->s2);
			muster_rec_cstr(&r, MF_ISSUER, sc->s2);
		}
		if (e->type == MUSTER_EV_CERT_ADD || e->type == MUSTER_EV_CERT_RENEW)
			muster_rec_uint(&r, MF_VALID_FROM, muster_date_from_days(e->y));
		else
			muster_rec_uint(&r, MF_DATE, muster_date_from_days(e->y));
		if (e->type == MUSTER_EV_CERT_ADD && c->reviewed)
			muster_rec_uint(&r, MF_REVIEWED, muster_date_from_days(c->reviewed));
		if (e->type == MUSTER_EV_CERT_REVIEW)
			muster_rec_uint(&r, MF_HOURS, e->a);
		if (e->type == MUSTER_EV_CERT_REVOKE)
			muster_rec_cstr(&r, MF_REASON, gen_revoke_reasons[e->a]);
		*who = W_HR;
		break;
	}
	case MUSTER_EV_EXAM: {
		const struct gperson *p = &g->people[e->ent];
		const struct gteam *tm = &g->teams[p->team];
		muster_rec_cstr(&r, MF_PERSON, p->id);
		muster_rec_uint(&r, MF_EXAM, e->a);
		snprintf(sc->s2, sizeof sc->s2, "%s%s", gen_places[tm->place].addr, gen_institutions[tm->inst]);
		muster_rec_cstr(&r, MF_INSTITUTION, sc->s2);
		muster_rec_uint(&r, MF_DATE, muster_date_from_days(e->y));
		if (e->a != X_EMERGENCY)
			hazards_field(p, &r, &sc->kv);
		muster_rec_uint(&r, MF_CONCLUSION, e->b);
		const char *notes = NULL;
		if (e->b == C_RECHECK) {
			const char *item = e->c < GEN_NHAZARDS ? gen_hazards[e->c].item : gen_exam_items_general[e->c - GEN_NHAZARDS];
			uint64_t n = 0;
			muster_buf_reset(&sc->items);
			muster_list_add(&sc->items, &n, item, strlen(item));
			muster_rec_list(&r, MF_ITEMS, &sc->items, n);
			muster_rec_uint(&r, MF_DUE, muster_date_from_days((int32_t)e->x));
		} else if (e->b == C_CONTRA) {
			muster_rec_cstr(&r, MF_CONTRA, gen_hazards[e->c].contra);
		} else if (e->b == C_OTHER) {
			notes = gen_exam_other[e->c];
		} else if (e->b == C_SUSPECTED) {
			notes = "建议到职业病诊断机构进一步诊断";
		} else if (e->a == X_PERIODIC && e->c) {
			notes = e->c == 1 ? "复查结果未见异常" : "经职业病诊断机构诊断，排除职业病";
		}
		if (e->a == X_EMERGENCY) {
			deployment_text(g, e->d, sc->d1, sizeof sc->d1);
			muster_rec_cstr(&r, MF_DEPLOYMENT, sc->d1);
		}
		if (notes)
			muster_rec_cstr(&r, MF_NOTES, notes);
		*who = W_HR;
		break;
	}
	case MUSTER_EV_DEPLOY_OPEN:
	case MUSTER_EV_DEPLOY_PERSON:
	case MUSTER_EV_DEPLOY_TIME:
	case MUSTER_EV_DEPLOY_RETURN:
	case MUSTER_EV_DEPLOY_REPORT: {
		const struct gact *m = &g->acts[e->ent];
		const struct gteam *tm = &g->teams[m->team];
		deployment_text(g, (uint16_t)(e->ent + 1), sc->d1, sizeof sc->d1);
		muster_rec_cstr(&r, MF_DEPLOYMENT, sc->d1);
		switch (e->type) {
		case MUSTER_EV_DEPLOY_OPEN:
			muster_rec_uint(&r, MF_SOURCE, m->source);
			ordered_by(g, m, sc->s1, sizeof sc->s1);
			muster_rec_cstr(&r, MF_ORDERED_BY, sc->s1);
			muster_rec_cstr(&r, MF_INCIDENT, gen_incidents[tm->sp][m->incident]);
			snprintf(sc->s2, sizeof sc->s2, "%s%s%s", gen_places[m->place].addr, gen_site_words[m->word],
				gen_site_suffix[tm->sp]);
			muster_rec_cstr(&r, MF_LOCATION, sc->s2);
			muster_rec_uint(&r, MF_ORDERED, (uint64_t)m->t[0]);
			muster_rec_cstr(&r, MF_TEAM, tm->code);
			break;
		case MUSTER_EV_DEPLOY_PERSON:
			muster_rec_cstr(&r, MF_PERSON, g->people[e->x].id);
			if (e->a)
				muster_rec_cstr(&r, MF_REASON, gen_override_reasons[e->a - 1]);
			break;
		case MUSTER_EV_DEPLOY_TIME:
			if (e->a & 1)
				muster_rec_uint(&r, MF_DEPARTED, (uint64_t)m->t[1]);
			if (e->a & 2)
				muster_rec_uint(&r, MF_ARRIVED, (uint64_t)m->t[2]);
			if (e->a & 4)
				muster_rec_uint(&r, MF_ENDED, (uint64_t)m->t[3]);
			break;
		case MUSTER_EV_DEPLOY_RETURN:
			muster_rec_uint(&r, MF_RETURNED, (uint64_t)m->t[4]);
			break;
		default:
			muster_rec_uint(&r, MF_REPORTED, (uint64_t)m->t[5]);
			muster_rec_cstr(&r, MF_NOTES, "救援总结报告已报送调度单位");
			break;
		}
		break;
	}
	case MUSTER_EV_FUND_ADD: {
		const struct gfund *f = &g->funds[e->ent];
		const struct gteam *tm = &g->teams[f->team];
		const struct gen_prov *pr = &gen_provs[tm->prov];
		fund_code(g, e->ent, sc->d1, sizeof sc->d1);
		muster_rec_cstr(&r, MF_FUND, sc->d1);
		switch (f->src) {
		case FS_NATIONAL:
			snprintf(sc->s1, sizeof sc->s1, "%d年度国家安全生产应急能力建设专项资金（国投装备运行维护）", (int)f->year);
			snprintf(sc->s2, sizeof sc->s2, "应急管理部");
			break;
		case FS_SAFETY:
			snprintf(sc->s1, sizeof sc->s1, "%s企业安全生产费用", tm->host);
			snprintf(sc->s2, sizeof sc->s2, "%s", tm->host);
			muster_rec_cstr(&r, MF_INDUSTRY, gen_industries[tm->sp].name);
			break;
		case FS_HOST:
			snprintf(sc->s1, sizeof sc->s1, "%s应急救援队伍专项资金", tm->host);
			snprintf(sc->s2, sizeof sc->s2, "%s", tm->host);
			break;
		default:
			snprintf(sc->s1, sizeof sc->s1, "%.*s应急救援队伍建设补助资金", prov_name_len(pr), pr->ema);
			snprintf(sc->s2, sizeof sc->s2, "%s", pr->ema);
			break;
		}
		muster_rec_cstr(&r, MF_NAME, sc->s1);
		muster_rec_cstr(&r, MF_FUND_SOURCE, fund_sources[f->src]);
		muster_rec_cstr(&r, MF_OWNER, sc->s2);
		*who = W_FINANCE;
		break;
	}
	case MUSTER_EV_BUDGET_SET: {
		const struct gbudget *bu = &g->budgets[e->ent];
		fund_code(g, bu->fund, sc->d1, sizeof sc->d1);
		muster_rec_cstr(&r, MF_FUND, sc->d1);
		muster_rec_cstr(&r, MF_TEAM, g->teams[bu->team].code);
		muster_rec_uint(&r, MF_YEAR, (uint64_t)bu->year);
		muster_rec_uint(&r, MF_AMOUNT, e->a ? bu->amount : bu->first);
		if (e->a)
			muster_rec_cstr(&r, MF_NOTES, "年中预算调整");
		*who = W_FINANCE;
		break;
	}
	case MUSTER_EV_SPEND: {
		const struct gspend *s = &g->spends[e->ent];
		const struct gvendor *v = &g->vendors[s->vendor];
		const struct gteam *tm = &g->teams[s->team];
		muster_rec_uint(&r, MF_DATE, date);
		muster_rec_cstr(&r, MF_TEAM, tm->code);
		if (s->asset != NONE) {
			asset_id(g, s->asset, sc->id);
			muster_rec_cstr(&r, MF_ID, sc->id);
		}
		if (s->link != NONE)
			muster_rec_uint(&r, MF_LINK, g->base + s->link);
		muster_rec_uint(&r, MF_SPEND_TYPE, s->type);
		muster_rec_cstr(&r, MF_VENDOR, v->name);
		muster_rec_cstr(&r, MF_VENDOR_CODE, v->code);
		invoice_text(g, s, sc->d1, sizeof sc->d1);
		muster_rec_cstr(&r, MF_INVOICE, sc->d1);
		muster_rec_uint(&r, MF_AMOUNT, s->amount);
		fund_code(g, s->fund, sc->d2, sizeof sc->d2);
		muster_rec_cstr(&r, MF_FUND, sc->d2);
		if (g->funds[s->fund].src == FS_SAFETY)
			muster_rec_cstr(&r, MF_ARTICLE, gen_industries[g->teams[g->funds[s->fund].team].sp].art[article_of(s->type)]);
		if (s->nattach) { /* the scanned invoice, and the acceptance note: their SHA-256 */
			uint64_t n = 0;
			muster_buf_reset(&sc->items);
			for (unsigned k = 0; k < s->nattach; k++) {
				uint8_t h[crypto_hash_sha256_BYTES];
				char hex[2 * crypto_hash_sha256_BYTES + 1];
				snprintf(sc->s3, sizeof sc->s3, "muster-gen/%s/%s/%u", v->code, sc->d1, k);
				crypto_hash_sha256(h, (const uint8_t *)sc->s3, strlen(sc->s3));
				sodium_bin2hex(hex, sizeof hex, h, sizeof h);
				muster_list_add(&sc->items, &n, hex, strlen(hex));
			}
			muster_rec_list(&r, MF_ATTACHMENTS, &sc->items, n);
		}
		spend_notes(g, s, sc->s2, sizeof sc->s2);
		muster_rec_cstr(&r, MF_NOTES, sc->s2);
		*who = W_FINANCE;
		break;
	}
	case MUSTER_EV_SPEND_APPROVE:
	case MUSTER_EV_SPEND_REJECT: {
		const struct gspend *s = &g->spends[e->ent];
		muster_rec_uint(&r, MF_REF, g->base + s->pos);
		if (e->type == MUSTER_EV_SPEND_APPROVE)
			muster_rec_cstr(&r, MF_NOTES, "经审核，同意列支");
		else
			muster_rec_cstr(&r, MF_REASON, gen_reject_reasons[s->reason]);
		*who = W_APPROVER;
		break;
	}
	default: /* return, release: id and date only */
		break;
	}
	muster_rec_encode(b, &r);
	return e->type;
}

/* ---- writing ----------------------------------------------------------------------------- */

struct wctx {
	const struct gen *g;
	const muster_signer *who[W_N];
	size_t from, to, failed;
	muster_buf body;
	struct scratch sc;
};

static int write_batch(muster_wtxn *w, void *arg)
{
	struct wctx *c = arg;
	for (size_t i = c->from; i < c->to; i++) {
		int who;
		uint64_t type = build(c->g, &c->g->ev[i], &c->body, &c->sc, &who);
		if (c->body.err)
			return c->body.err;
		int rc = muster_append(w, c->who[who], type, c->body.data, c->body.len, NULL);
		if (rc) {
			c->failed = i;
			return rc;
		}
	}
	return 0;
}

static muster_signer *derive(uint64_t seed, const char *role)
{
	uint8_t out[32], le[8];
	crypto_generichash_state st;
	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(seed >> (8 * i));
	crypto_generichash_init(&st, NULL, 0, sizeof out);
	crypto_generichash_update(&st, (const uint8_t *)"muster/gen/v1", 14); /* with its NUL */
	crypto_generichash_update(&st, le, sizeof le);
	crypto_generichash_update(&st, (const uint8_t *)role, strlen(role) + 1);
	crypto_generichash_final(&st, out, sizeof out);
	muster_signer *s;
	int rc = muster_signer_from_seed(out, &s);
	sodium_memzero(out, sizeof out);
	if (rc)
		die(EXIT_IO, "%s", cli_strerror(rc));
	return s;
}

static const char *const key_files[] = {"admin.key", "keeper.key", "keeper2.key", "hr.key", "finance.key", "approver.key"};

static char *path2(const char *dir, const char *a, const char *b)
{
	size_t n = strlen(dir) + strlen(a) + (b ? strlen(b) : 0) + 3;
	char *p = xrealloc(NULL, n);
	snprintf(p, n, b ? "%s/%s/%s" : "%s/%s", dir, a, b ? b : "");
	return p;
}

/* Removes what a failed gen made: the store's files, the keys, and the directories it created. */
static void undo(const char *dir, int made_dir)
{
	static const char *const store_files[] = {"data.mdb", "lock.mdb", "log.key", "tag.key"};
	for (size_t i = 0; i < NELEM(store_files); i++) {
		char *p = path2(dir, store_files[i], NULL);
		unlink(p);
		free(p);
	}
	for (size_t i = 0; i < NELEM(key_files); i++) {
		char *p = path2(dir, "gen", key_files[i]);
		size_t n = strlen(p);
		unlink(p);
		p = xrealloc(p, n + 5);
		memcpy(p + n, ".pub", 5);
		unlink(p);
		free(p);
	}
	char *gdir = path2(dir, "gen", NULL);
	rmdir(gdir);
	free(gdir);
	if (made_dir)
		rmdir(dir);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check_options(const struct opts *o)
{
	static const char *const ok[] = {"store", "passphrase-file", "kdf", "scale", "seed", "province", "years", NULL};
	for (int i = 0; i < o->nkv; i++) {
		const char *n = o->kv[i].name;
		int good = 0;
		for (int k = 0; ok[k] && !good; k++) {
			size_t len = strlen(ok[k]);
			good = strncmp(n, ok[k], len) == 0 && (!n[len] || n[len] == '=');
		}
		if (!good)
			die(EXIT_USAGE, L("option '--%s' does not apply to 'muster gen'; it takes --scale, --seed, --province, "
					    "--years, --store, --kdf and --json",
					    "选项 '--%s' 不适用于 'muster gen'；可用 --scale、--seed、--province、--years、--store、--kdf、--json"),
				n);
	}
	if (o->npos != 1)
		die(EXIT_USAGE, L("'muster gen' takes no operand ('%s'); use --scale, --seed and --store",
				    "'muster gen' 不接受操作数（'%s'）；请用 --scale、--seed、--store"),
			o->pos[1]);
}

static uint64_t seed_of(const struct opts *o)
{
	const char *s = cli_opt(o, "seed");
	if (!s)
		die(EXIT_USAGE, "%s", L("muster gen needs --seed N, a whole number: the same seed gives the same data",
					"muster gen 需要 --seed N（非负整数）：相同的种子生成相同的数据"));
	char *end;
	errno = 0;
	unsigned long long v = *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
	if (!(*s >= '0' && *s <= '9') || errno || *end)
		die(EXIT_USAGE, L("--seed '%s' is not a whole number; give a decimal number such as 7",
				    "--seed '%s' 不是非负整数；请给出十进制数，如 7"),
			s);
	return (uint64_t)v;
}

static int scale_of(const struct opts *o)
{
	const char *s = cli_opt(o, "scale");
	if (!s)
		die(EXIT_USAGE, "%s", L("muster gen needs --scale team, province or national",
					"muster gen 需要 --scale team、province 或 national"));
	for (int i = 0; i < 3; i++)
		if (strcmp(s, scale_names[i]) == 0)
			return i;
	die(EXIT_USAGE, L("--scale '%s' is not a scale; use team (1 team), province (6 teams) or national (130 teams)",
			    "--scale '%s' 不是有效规模；请用 team（1 支队伍）、province（6 支）或 national（130 支）"),
		s);
}

/* --province CODE (province scale only): the province whose teams are made, instead of the seed's pick. */
static int province_of(const struct opts *o, int scale)
{
	const char *s = cli_opt(o, "province");
	if (!s)
		return -1;
	if (scale != SCALE_PROVINCE)
		die(EXIT_USAGE, "%s", L("--province applies to --scale province only", "--province 仅适用于 --scale province"));
	for (size_t p = 0; p < GEN_NPROV; p++) {
		const struct gen_prov *gp = &gen_provs[p];
		int teams = 0;
		for (int sp = 0; sp < SP_N; sp++)
			teams += gp->teams[sp];
		if (strcmp(gp->code, s) == 0 && teams)
			return (int)p;
	}
	die(EXIT_USAGE, L("--province '%s' is not a province with national teams; give a GB/T 2260 code such as 140000",
			    "--province '%s' 不是设有国家队伍的省份；请给出 GB/T 2260 代码，如 140000"),
		s);
}

/* --years N: how many years of history, 1 (the default: the year shown) to MAX_YEARS. */
static int32_t years_of(const struct opts *o)
{
	const char *s = cli_opt(o, "years");
	if (!s)
		return 1;
	char *end;
	errno = 0;
	unsigned long v = *s >= '1' && *s <= '9' ? strtoul(s, &end, 10) : 0;
	if (!(*s >= '1' && *s <= '9') || errno || *end || v > MAX_YEARS)
		die(EXIT_USAGE, L("--years '%s' is not a number of years from 1 to %d; the history is that many years long",
				    "--years '%s' 不是 1 到 %d 之间的年数；历史数据即为该年数"),
			s, MAX_YEARS);
	return (int32_t)v;
}

int cmd_gen(const struct opts *o)
{
	double t0 = now_s();
	check_options(o);
	struct gen g;
	memset(&g, 0, sizeof g);
	g.scale = scale_of(o);
	g.seed = seed_of(o);
	g.prov = province_of(o, g.scale);
	g.years = years_of(o);
	muster_kdf kdf = cli_kdf(o);
	const char *dir = cli_store_dir(o);

	/* A new store only: refuse before anything is written. */
	muster_store *s;
	if (muster_store_open(dir, &s) == 0) {
		muster_store_close(s);
		die(EXIT_USAGE, L("a store already exists at '%s'; muster gen makes a new one: give --store a new directory",
				    "'%s' 处已有存储库；muster gen 只新建存储库：请用 --store 指定新目录"),
			dir);
	}
	static const char *const store_files[] = {"data.mdb", "lock.mdb", "log.key", "tag.key"};
	for (size_t i = 0; i < NELEM(store_files) + NELEM(key_files); i++) {
		char *p = i < NELEM(store_files) ? path2(dir, store_files[i], NULL)
						 : path2(dir, "gen", key_files[i - NELEM(store_files)]);
		int there = access(p, F_OK) == 0;
		if (there)
			die(EXIT_USAGE, L("'%s' already exists; muster gen makes a new store: give --store a new or empty directory",
					    "'%s' 已存在；muster gen 只新建存储库：请用 --store 指定新的或空的目录"),
				p);
		free(p);
	}
	struct stat st;
	int made_dir = stat(dir, &st) != 0;
	struct pass ps = cli_passphrase(o, L("the generated keys", "生成的密钥"), 1);

	/* Plan everything in memory. */
	g.today = (int32_t)muster_date_days(cli_today());
	g.start = g.today - HISTORY;
	g.first = g.start - 365 * (g.years - 1);
	muster_signer *admin = derive(g.seed, "admin"), *keeper = derive(g.seed, "keeper"),
		      *keeper2 = derive(g.seed, "keeper2"), *hr = derive(g.seed, "hr"), *finance = derive(g.seed, "finance"),
		      *approver = derive(g.seed, "approver");
	memcpy(g.pk[0], muster_signer_pk(keeper), MUSTER_PK_BYTES);
	memcpy(g.pk[1], muster_signer_pk(keeper2), MUSTER_PK_BYTES);
	memcpy(g.pk[2], muster_signer_pk(hr), MUSTER_PK_BYTES);
	memcpy(g.pk[3], muster_signer_pk(finance), MUSTER_PK_BYTES);
	memcpy(g.pk[4], muster_signer_pk(approver), MUSTER_PK_BYTES);
	plan(&g);

	/* The store, then the sealed keys beside it. */
	char origin[64];
	if (g.years > 1) /* another dataset: another log */
		snprintf(origin, sizeof origin, "muster.gen/%s-%" PRIu64 "-y%d", scale_names[g.scale], g.seed, (int)g.years);
	else
		snprintf(origin, sizeof origin, "muster.gen/%s-%" PRIu64, scale_names[g.scale], g.seed);
	int rc = muster_store_create_url(dir, origin, admin, g.admin_name, "https://muster.example.cn", &s);
	if (rc) {
		if (rc == MUSTER_EEXIST)
			die(EXIT_USAGE, L("'%s' already holds store files; give --store a new or empty directory",
					    "'%s' 已包含存储库文件；请用 --store 指定新的或空的目录"),
				dir);
		die(cli_exit_code(rc), L("cannot create store '%s': %s; check that its parent directory exists",
					   "无法创建存储库 '%s'：%s；请检查上级目录是否存在"),
			dir, cli_strerror(rc));
	}
	char *gdir = path2(dir, "gen", NULL);
	if (mkdir(gdir, 0700) != 0 && errno != EEXIST) {
		int e = errno;
		muster_store_close(s);
		undo(dir, made_dir);
		die(EXIT_IO, L("cannot make '%s': %s", "无法创建目录 '%s'：%s"), gdir, strerror(e));
	}
	const muster_signer *keys[] = {admin, keeper, keeper2, hr, finance, approver};
	for (size_t i = 0; i < NELEM(keys); i++) {
		char *p = path2(dir, "gen", key_files[i]);
		rc = muster_key_seal(keys[i], p, ps.p, ps.n, kdf);
		if (rc) {
			muster_store_close(s);
			undo(dir, made_dir);
			die(cli_exit_code(rc), L("cannot write key '%s': %s", "无法写入密钥 '%s'：%s"), p, cli_strerror(rc));
		}
		free(p);
	}
	cli_pass_free(&ps);

	/* Write: big batches without fsync; the last commit is durable and syncs everything. */
	int tty = isatty(STDERR_FILENO);
	struct wctx c;
	memset(&c, 0, sizeof c);
	c.g = &g;
	c.who[W_ADMIN] = admin;
	c.who[W_KEEPER] = keeper;
	c.who[W_KEEPER2] = keeper2;
	c.who[W_HR] = hr;
	c.who[W_FINANCE] = finance;
	c.who[W_APPROVER] = approver;
	if (muster_log_size(s, &g.base) != 0)
		g.base = 0;
	muster_store_set_durable(s, 0);
	for (size_t from = 0; from < g.nev; from += BATCH) {
		c.from = c.failed = from;
		c.to = from + BATCH < g.nev ? from + BATCH : g.nev;
		if (c.to == g.nev)
			muster_store_set_durable(s, 1);
		rc = muster_write(s, write_batch, &c);
		if (rc) {
			const char *why = muster_store_why(s);
			char wbuf[600];
			snprintf(wbuf, sizeof wbuf, "%s", why && *why ? why : cli_strerror(rc));
			muster_store_close(s);
			undo(dir, made_dir);
			die(cli_exit_code(rc) == EXIT_USAGE ? EXIT_IO : cli_exit_code(rc),
				L("muster gen failed writing event %zu of %zu (%s): %s; nothing was kept",
					"muster gen 写入第 %zu/%zu 条事件（%s）失败：%s；已全部撤销"),
				c.failed + 1, g.nev, muster_event_name(g.ev[c.failed].type), wbuf);
		}
		if (tty)
			fprintf(stderr, L("\rmuster gen: %zu / %zu events", "\rmuster gen：已写入 %zu / %zu 条事件"), c.to, g.nev);
	}
	if (tty)
		fputc('\n', stderr);
	uint64_t entries = 0;
	if (muster_log_size(s, &entries) != 0)
		entries = 0;
	muster_store_close(s);
	muster_buf_free(&c.body);
	muster_buf_free(&c.sc.kv);
	muster_buf_free(&c.sc.items);
	muster_signer_free(admin);
	muster_signer_free(keeper);
	muster_signer_free(keeper2);
	muster_signer_free(hr);
	muster_signer_free(finance);
	muster_signer_free(approver);
	free(gdir);

	uint32_t depots = 0;
	for (uint32_t i = 0; i < g.nteams; i++)
		depots += g.teams[i].ndepots;
	double secs = now_s() - t0;
	if (o->json)
		printf("{\"scale\":\"%s\",\"seed\":%" PRIu64 ",\"years\":%d,\"teams\":%u,\"depots\":%u,\"assets\":%u,\"people\":%u,"
		       "\"certs\":%u,\"exams\":%u,\"deployments\":%u,\"funds\":%u,\"budgets\":%u,\"spending\":%u,"
		       "\"approved\":%u,\"rejected\":%u,\"entries\":%" PRIu64 ",\"seconds\":%.2f}\n",
			scale_names[g.scale], g.seed, (int)g.years, g.nteams, depots, g.nassets, g.npeople, g.ncerts, g.nexams,
			g.ndeploy, g.nfunds, g.nbudgets, g.nspends, g.napproved, g.nrejected, entries, secs);
	else
		printf(L("store %s generated (%s scale, seed %" PRIu64 "): teams %u, depots %u, assets %u, people %u, "
			 "certificates %u, exams %u, deployments %u, funds %u, budgets %u, spending %u (approved %u, "
			 "rejected %u), entries %" PRIu64 ", %.1f s; keys in %s/gen\n",
			       "已生成存储库 %s（规模 %s，种子 %" PRIu64 "）：%u 支队伍，%u 个装备库，%u 件装备，%u 名人员，"
			       "%u 份证书，%u 次体检，%u 次出动，%u 项资金，%u 项预算，%u 笔支出（审批通过 %u，驳回 %u），"
			       "%" PRIu64 " 条日志，用时 %.1f 秒；密钥在 %s/gen\n"),
			dir, scale_names[g.scale], g.seed, g.nteams, depots, g.nassets, g.npeople, g.ncerts, g.nexams,
			g.ndeploy, g.nfunds, g.nbudgets, g.nspends, g.napproved, g.nrejected, entries, secs, dir);
	free(g.teams);
	free(g.assets);
	free(g.acts);
	free(g.people);
	free(g.certs);
	free(g.uses);
	free(g.idset);
	free(g.ev);
	free(g.funds);
	free(g.budgets);
	free(g.spends);
	free(g.vendors);
	free(g.vhash);
	return EXIT_OK;
}
