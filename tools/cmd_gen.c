/*
 * cmd_gen.c - `muster gen`: a deterministic, realistic dataset in a new
 * store, built through the same signed-event path as every other command.
 *
 *   muster gen --scale team|province|national --seed S --store DIR
 *              [--kdf min|interactive|moderate] [--json]
 *
 * The whole dataset is planned in memory first (teams, depots, inspection
 * rules, assets, and a year of custody and inspection history simulated
 * asset by asset), then written: setup events in a fixed order, history
 * sorted by (date, asset, step).  Every random choice comes from
 * xoshiro256** streams seeded from the seed and what is being drawn, so
 * the same scale and seed give the same entities, fields and event order;
 * dates are relative to today (Asia/Shanghai), so the same seed on the
 * same day gives the same projections byte for byte.  Signing keys are
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

#define PERSONS 16     /* named people per team */
#define BATCH 4000     /* appends per muster_write */
#define HISTORY 365    /* days of history */
#define NATIONAL_TEAMS 130

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
	uint32_t person0;   /* PERSONS names from here */
	uint32_t asset0, nassets;
	uint32_t act0, nact;
	double neglect;     /* how often the last inspection due is missed */
};

/* A team-wide activity: a rescue mission (with a deployment id) or a drill. */
struct gact {
	int32_t day;
	uint16_t dur, no, year;
	uint8_t mission;
	uint32_t team;
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
};

/* One event to write.  type is MUSTER_EV_*; the meaning of a..x depends on it (see build()). */
struct gev {
	int32_t day;
	uint32_t ent; /* asset, team, type or key index */
	uint16_t seq;
	uint8_t type, a, b, c;
	uint16_t d;
	uint32_t x;
};

struct gen {
	uint64_t seed;
	int scale;
	int32_t today, start; /* days since 1970-01-01 */
	double xfer_p;
	struct gteam *teams;
	uint32_t nteams;
	struct gasset *assets;
	uint32_t nassets;
	struct gact *acts;
	uint32_t nacts;
	char (*persons)[16];
	uint32_t npersons;
	char admin_name[16];
	uint16_t place_order[GEN_NPLACES]; /* places of each province, shuffled, by province */
	uint16_t prov_first[GEN_NPROV + 1];
	struct gev *ev;
	size_t nev, cap, nsetup;
	uint32_t serial[GEN_NTYPES][3];
	uint8_t pk[2][MUSTER_PK_BYTES]; /* keeper, keeper2 */
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
	t->person0 = g->npersons;
	g->persons = xrealloc(g->persons, (g->npersons + PERSONS) * sizeof *g->persons);
	for (int i = 0; i < PERSONS; i++) {
		char *nm = g->persons[g->npersons];
		int again;
		do {
			person_name(&r, nm);
			again = 0;
			for (int k = 0; k < i; k++)
				again |= strcmp(g->persons[t->person0 + (uint32_t)k], nm) == 0;
		} while (again);
		g->npersons++;
	}
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
		uint8_t p = gen_big_provs[below(&r, (uint32_t)sizeof gen_big_provs)];
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
			a->dur = (uint16_t)(a->mission ? 1 + below(&r, 10) : 1 + below(&r, 2));
			a->team = ti;
		}
		qsort(g->acts + t->act0, t->nact, sizeof *g->acts, act_cmp);
	}
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

/* ---- a year of history ---------------------------------------------------------------- */

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
	int32_t start = a->acquired > g->start ? a->acquired : g->start, span = today - start;
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
	if (chance(&r, 0.004 * t->mob))
		c[nc++] = (struct cand){start + (int32_t)below(&r, (uint32_t)span + 1), (uint16_t)(5 + below(&r, 26)), C_LOAN, 0, 0};
	if (t->grp != G_PASSIVE && t->grp != G_BREATH && chance(&r, 0.05))
		c[nc++] = (struct cand){start + (int32_t)below(&r, (uint32_t)span + 1), (uint16_t)(7 + below(&r, 39)), C_BREAK, 0, 0};
	if (g->nteams > 1 && span > 30 && chance(&r, g->xfer_p)) {
		uint32_t back = (uint32_t)(span - 2 < 300 ? span - 2 : 300);
		c[nc++] = (struct cand){today - 2 - (int32_t)below(&r, back), 0, C_XFER, 0, 0};
	}
	if (t->life && a->acquired + t->life * 365 <= today) { /* past its service life */
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
		nd[k] = a->acquired >= g->start ? a->acquired + iv - jitter(&r, iv) : g->start + (int32_t)below(&r, (uint32_t)iv);
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

static int ev_cmp(const void *pa, const void *pb)
{
	const struct gev *a = pa, *b = pb;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->ent != b->ent)
		return a->ent < b->ent ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void plan(struct gen *g)
{
	roster(g);
	activities(g);
	assets_plan(g);
	g->xfer_p = g->scale == SCALE_PROVINCE ? 0.003 : 0.0015;
	/* Setup: keys, teams, depots, rules, and the assets bought before the year begins. */
	push(g, 0, 0, MUSTER_EV_KEY_ENROL);
	push(g, 0, 1, MUSTER_EV_KEY_ENROL);
	for (uint32_t ti = 0; ti < g->nteams; ti++)
		push(g, 0, ti, MUSTER_EV_TEAM_ADD);
	for (uint32_t ti = 0; ti < g->nteams; ti++)
		for (uint8_t d = 1; d <= g->teams[ti].ndepots; d++)
			push(g, 0, ti, MUSTER_EV_DEPOT_ADD)->a = d;
	for (uint32_t t = 0; t < GEN_NTYPES; t++)
		for (int k = 0; k < nkinds(&gen_types[t]); k++)
			push(g, 0, t, MUSTER_EV_INSPECT_RULE)->a = (uint8_t)k;
	for (uint32_t ai = 0; ai < g->nassets; ai++) {
		struct gasset *a = &g->assets[ai];
		if (a->acquired < g->start) {
			push(g, 0, ai, MUSTER_EV_ASSET_ADD);
			a->nseq = 1;
		}
	}
	g->nsetup = g->nev;
	/* History: bought during the year, then everything that happened. */
	for (uint32_t ai = 0; ai < g->nassets; ai++) {
		if (g->assets[ai].acquired >= g->start)
			emit(g, ai, g->assets[ai].acquired, MUSTER_EV_ASSET_ADD);
		sim_asset(g, ai);
	}
	guarantees(g);
	qsort(g->ev + g->nsetup, g->nev - g->nsetup, sizeof *g->ev, ev_cmp);
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

enum { W_ADMIN, W_KEEPER, W_KEEPER2 };

/* Text the fields of one body point to, alive until it is encoded. */
struct scratch {
	char id[72], s1[320], s2[320], s3[320], d1[32], d2[32];
	muster_buf kv;
};

static void holder_text(const struct gen *g, uint32_t x, char *out, size_t cap)
{
	if (x >= H_BORROWER)
		snprintf(out, cap, "%s%s", gen_places[(x - H_BORROWER) / 4].name, gen_borrowers[(x - H_BORROWER) % 4]);
	else if (x >= H_SQUAD)
		snprintf(out, cap, "%s", gen_squads[x - H_SQUAD]);
	else
		snprintf(out, cap, "%s", g->persons[x]);
}

static void deployment_text(const struct gen *g, uint16_t d, char *out, size_t cap)
{
	const struct gact *m = &g->acts[d - 1];
	snprintf(out, cap, "CD-%04u-%04u", (unsigned)m->year, (unsigned)m->no);
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
	if (e->type >= MUSTER_EV_ASSET_ADD && e->type != MUSTER_EV_INSPECT_RULE) {
		a = &g->assets[e->ent];
		t = &gen_types[a->type];
		asset_id(g, e->ent, sc->id);
		muster_rec_cstr(&r, MF_ID, sc->id);
		if (e->type >= MUSTER_EV_CHECKOUT)
			muster_rec_uint(&r, MF_DATE, date);
	}
	switch (e->type) {
	case MUSTER_EV_KEY_ENROL: {
		const char *holder = e->ent == 0 ? g->persons[g->teams[0].person0]
						 : g->persons[g->teams[g->nteams > 1 ? 1 : 0].person0 + 1];
		muster_ev_key v = {g->pk[e->ent], MUSTER_ROLE_KEEPER, {holder, strlen(holder)}};
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
		muster_rec_cstr(&r, MF_KIND, t->kind[e->a]);
		muster_rec_uint(&r, MF_RESULT, e->b);
		muster_rec_cstr(&r, MF_INSPECTOR, g->persons[e->x]);
		if (e->c == 1)
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
	default: /* return, release: id and date only */
		break;
	}
	muster_rec_encode(b, &r);
	return e->type;
}

/* ---- writing ----------------------------------------------------------------------------- */

struct wctx {
	const struct gen *g;
	const muster_signer *who[3];
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

static const char *const key_files[] = {"admin.key", "keeper.key", "keeper2.key"};

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
	static const char *const ok[] = {"store", "passphrase-file", "kdf", "scale", "seed", NULL};
	for (int i = 0; i < o->nkv; i++) {
		const char *n = o->kv[i].name;
		int good = 0;
		for (int k = 0; ok[k] && !good; k++) {
			size_t len = strlen(ok[k]);
			good = strncmp(n, ok[k], len) == 0 && (!n[len] || n[len] == '=');
		}
		if (!good)
			die(EXIT_USAGE, L("option '--%s' does not apply to 'muster gen'; it takes --scale, --seed, --store, --kdf "
					    "and --json",
					    "选项 '--%s' 不适用于 'muster gen'；可用 --scale、--seed、--store、--kdf、--json"),
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

int cmd_gen(const struct opts *o)
{
	double t0 = now_s();
	check_options(o);
	struct gen g;
	memset(&g, 0, sizeof g);
	g.scale = scale_of(o);
	g.seed = seed_of(o);
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
	muster_signer *admin = derive(g.seed, "admin"), *keeper = derive(g.seed, "keeper"),
		      *keeper2 = derive(g.seed, "keeper2");
	memcpy(g.pk[0], muster_signer_pk(keeper), MUSTER_PK_BYTES);
	memcpy(g.pk[1], muster_signer_pk(keeper2), MUSTER_PK_BYTES);
	plan(&g);

	/* The store, then the sealed keys beside it. */
	char origin[64];
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
	const muster_signer *keys[3] = {admin, keeper, keeper2};
	for (int i = 0; i < 3; i++) {
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
	muster_signer_free(admin);
	muster_signer_free(keeper);
	muster_signer_free(keeper2);
	free(gdir);

	uint32_t depots = 0;
	for (uint32_t i = 0; i < g.nteams; i++)
		depots += g.teams[i].ndepots;
	double secs = now_s() - t0;
	if (o->json)
		printf("{\"scale\":\"%s\",\"seed\":%" PRIu64 ",\"teams\":%u,\"depots\":%u,\"assets\":%u,\"entries\":%" PRIu64
		       ",\"seconds\":%.2f}\n",
			scale_names[g.scale], g.seed, g.nteams, depots, g.nassets, entries, secs);
	else
		printf(L("store %s generated (%s scale, seed %" PRIu64 "): teams %u, depots %u, assets %u, entries %" PRIu64
			       ", %.1f s; keys in %s/gen\n",
			       "已生成存储库 %s（规模 %s，种子 %" PRIu64 "）：%u 支队伍，%u 个装备库，%u 件装备，%" PRIu64
			       " 条日志，用时 %.1f 秒；密钥在 %s/gen\n"),
			dir, scale_names[g.scale], g.seed, g.nteams, depots, g.nassets, entries, secs, dir);
	free(g.teams);
	free(g.assets);
	free(g.acts);
	free(g.persons);
	free(g.ev);
	return EXIT_OK;
}
