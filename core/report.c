/*
 * report.c - the child side of a report run: the host API a plugin reads
 * the store through (muster/plugin.h), over one snapshot, and the frames
 * that carry its output to the parent (plugin.c).  A central run
 * (muster_report_run_sites) reads several stores, a snapshot each, and
 * answers the same queries over their union: every team once, each row
 * built in the store it comes from.
 *
 * Rows are built from the projections as the CLI's reads are: readiness
 * with muster_person_ready and muster_asset_ready on the period's as_of
 * date, so a report never disagrees with `muster ready`.  Strings are
 * copied, NUL-terminated, into arenas (below).
 */
#include "equip_int.h"
#include "internal.h"
#include "report_int.h"

#include <muster/equip.h>
#include <muster/fields.h>
#include <muster/log.h>
#include <muster/money.h>
#include <muster/people.h>
#include <muster/site.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

/*
 * Strings handed to a plugin.  Team rows' and the budget walk's keys go to
 * one that lasts the run; every other row's to one emptied before the next
 * row, so a walk of 100,000 assets reuses the same few pages instead of
 * touching fresh ones (the first touch of a page is a fault: 12 % of an
 * asset walk when every string was kept).
 */
struct arena {
	struct chunk *head;
};

/* A store the report reads: one, or a central office's mirrors (muster_report_run_sites). */
struct rsite {
	const char *dir;
	muster_store *s;
	muster_snap *sn;
	uint64_t size;   /* the snapshot's tree size */
	uint32_t target; /* the store's arrival target, minutes */
};

/* A team the report covers, and the stores that hold it (indexes into site[], ascending). */
struct rteam {
	char *code;
	size_t *where;
	size_t nwhere;
};

struct muster_report_ctx {
	const muster_plugin_desc *desc;
	const muster_plugin_info *info;
	const muster_report_req *req;
	const struct muster_report_stores *stores;
	struct rsite *site;  /* the stores whose rows the plugin sees */
	size_t nsite;
	muster_store *s;     /* the store the period is of (the one that signs): a site's, or its own */
	muster_snap *sn;
	int fd;
	int failed;          /* a write to the parent failed: the run is lost */
	muster_buf out;      /* report bytes not yet sent */
	uint64_t written;
	uint64_t max_output;
	struct arena ar;   /* this row's strings */
	struct arena keep; /* strings that last the run */
	uint64_t heap, heap_max; /* bytes the plugin holds through alloc() */
	muster_period period;
	char month[8], root[48], team[40];
	struct rteam *teams; /* the teams the report covers, in code order */
	size_t nteams;
	muster_buf kbuf;     /* muster_key_get's scratch */
};

/* ---- frames ----------------------------------------------------------------------------------- */

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int frame(int fd, char kind, const void *p, size_t n)
{
	uint8_t h[5] = {(uint8_t)kind, (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
	return send_all(fd, h, 5) || send_all(fd, p, n) ? -1 : 0;
}

static int flush_out(muster_report_ctx *c)
{
	size_t off = 0;
	while (off < c->out.len && !c->failed) {
		size_t n = c->out.len - off < (1u << 20) ? c->out.len - off : (1u << 20);
		if (frame(c->fd, 'D', c->out.data + off, n) != 0)
			c->failed = 1;
		off += n;
	}
	c->out.len = 0;
	return c->failed ? -1 : 0;
}

/* The host's own failure, said once on standard error and to the parent. */
static int host_fail(muster_report_ctx *c, const char *what, int rc)
{
	char msg[240];
	snprintf(msg, sizeof msg, "%s: %s", what, muster_strerror(rc));
	fprintf(stderr, "muster: report %s: %s\n", c->info->name, msg);
	(void)frame(c->fd, 'H', msg, strlen(msg));
	return MUSTER_PLUGIN_EHOST;
}

/* ---- strings ---------------------------------------------------------------------------------- */

static const char *str(struct arena *a, const char *p, size_t n)
{
	if (n == 0)
		return "";
	struct chunk *k = a->head;
	if (!k || k->cap - k->used < n + 1) {
		size_t cap = n + 1 > (1u << 20) ? n + 1 : (1u << 20);
		struct chunk *nk = malloc(sizeof *nk + cap);
		if (!nk)
			return NULL;
		nk->next = k;
		nk->used = 0;
		nk->cap = cap;
		a->head = k = nk;
	}
	char *s = k->data + k->used;
	memcpy(s, p, n);
	s[n] = 0;
	k->used += n + 1;
	return s;
}

/* Empties a: the next row's strings reuse its newest chunk. */
static void arena_reset(struct arena *a)
{
	struct chunk *k = a->head;
	if (!k)
		return;
	while (k->next) {
		struct chunk *old = k->next;
		k->next = old->next;
		free(old);
	}
	k->used = 0;
}

/* A text field of r, or "" (NULL only when out of memory). */
static const char *fstr(struct arena *a, const muster_rec *r, unsigned tag)
{
	return MUSTER_HAS(r, tag) ? str(a, r->v[tag].p, r->v[tag].n) : "";
}

/* The name of an enum field's value ("" if absent); zh: its Chinese name. */
static const char *fenum(const muster_rec *r, unsigned tag, int zh)
{
	if (!MUSTER_HAS(r, tag))
		return "";
	const muster_field *f = muster_field_get(tag);
	const char *const *names = zh ? f->enums_zh : f->enums;
	for (uint64_t i = 0; names && names[i]; i++)
		if (i == r->v[tag].u)
			return names[i];
	return "";
}

static uint64_t fu(const muster_rec *r, unsigned tag)
{
	return MUSTER_HAS(r, tag) ? r->v[tag].u : 0;
}

#define OOM(c) host_fail((c), "building a row", MUSTER_ENOMEM)

/* ---- which teams ------------------------------------------------------------------------------ */

/* Team codes as the stores list them: (code, store) pairs, merged into c->teams by team_merge. */
struct tcollect {
	muster_report_ctx *c;
	size_t site;
	struct tpair {
		char *code;
		size_t site;
	} *p;
	size_t n;
};

static int team_collect(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	struct tcollect *tc = arg;
	(void)r;
	struct tpair *np = realloc(tc->p, (tc->n + 1) * sizeof *np);
	if (!np)
		return MUSTER_ENOMEM;
	tc->p = np;
	if (!(np[tc->n].code = strndup(key, klen)))
		return MUSTER_ENOMEM;
	np[tc->n++].site = tc->site;
	return 0;
}

static int tpair_cmp(const void *pa, const void *pb)
{
	const struct tpair *a = pa, *b = pb;
	int k = strcmp(a->code, b->code);
	return k ? k : a->site < b->site ? -1 : a->site > b->site;
}

/* The pairs by code (then store): each code once in c->teams, with the stores that hold it. */
static int team_merge(muster_report_ctx *c, struct tcollect *tc)
{
	int rc = 0;
	if (tc->n)
		qsort(tc->p, tc->n, sizeof *tc->p, tpair_cmp);
	for (size_t i = 0; i < tc->n && rc == 0; i++) {
		struct rteam *t = c->nteams ? &c->teams[c->nteams - 1] : NULL;
		if (!t || strcmp(t->code, tc->p[i].code) != 0) {
			struct rteam *nt = realloc(c->teams, (c->nteams + 1) * sizeof *nt);
			if (!nt) {
				rc = MUSTER_ENOMEM;
				break;
			}
			c->teams = nt;
			t = &nt[c->nteams++];
			t->code = tc->p[i].code;
			tc->p[i].code = NULL;
			t->where = NULL;
			t->nwhere = 0;
		}
		size_t *nw = realloc(t->where, (t->nwhere + 1) * sizeof *nw);
		if (!nw) {
			rc = MUSTER_ENOMEM;
			break;
		}
		t->where = nw;
		nw[t->nwhere++] = tc->p[i].site;
	}
	for (size_t i = 0; i < tc->n; i++)
		free(tc->p[i].code);
	free(tc->p);
	tc->p = NULL;
	tc->n = 0;
	return rc;
}

/* 1 if team (p, n) is one the report covers and matches the query's team (NULL: any). */
static int team_in(const muster_report_ctx *c, const char *want, const char *p, size_t n)
{
	if (want)
		return strlen(want) == n && memcmp(want, p, n) == 0 && (!c->team[0] || strcmp(c->team, want) == 0);
	return !c->team[0] || (strlen(c->team) == n && memcmp(c->team, p, n) == 0);
}

static int rec_team_in(const muster_report_ctx *c, const char *want, const muster_rec *r, unsigned tag)
{
	return MUSTER_HAS(r, tag) && team_in(c, want, r->v[tag].p, r->v[tag].n);
}

static int date_in(const muster_report_ctx *c, uint64_t d)
{
	return d >= c->period.first && d <= c->period.last;
}

/* ---- the queries ------------------------------------------------------------------------------ */

static const muster_period *q_period(muster_report_ctx *c)
{
	return &c->period;
}

static int q_teams(muster_report_ctx *c, muster_team_fn cb, void *arg)
{
	for (size_t i = 0; i < c->nteams; i++) {
		muster_rec r;
		/* A code two stores hold: the first one's row. */
		int rc = muster_row_cget(c->site[c->teams[i].where[0]].sn, MUSTER_T_TEAM, c->teams[i].code, &r);
		if (rc)
			return host_fail(c, "reading a team", rc);
		muster_team_row t = {.abi = MUSTER_ABI_INIT(muster_team_row)};
		t.code = c->teams[i].code;
		t.name = fstr(&c->keep, &r, MF_NAME);
		t.specialty = fenum(&r, MF_SPECIALTY, 0);
		t.specialty_zh = fenum(&r, MF_SPECIALTY, 1);
		t.province = fstr(&c->keep, &r, MF_PROVINCE);
		t.host = fstr(&c->keep, &r, MF_HOST);
		t.host_code = fstr(&c->keep, &r, MF_HOST_CODE);
		if (!t.name || !t.province || !t.host || !t.host_code)
			return OOM(c);
		if ((rc = cb(&t, arg)) != 0)
			return rc;
	}
	return 0;
}

/*
 * One walk of a query: the snapshot and arena it builds rows with, the team
 * asked for, and the callback.  stop keeps the callback's value apart from
 * store errors.
 */
struct pw {
	muster_report_ctx *c;
	muster_snap *sn;         /* the store being walked: set per store */
	const struct rsite *site;
	struct arena *ar;
	const char *team;
	void (*cb)(void); /* the query's callback type, cast back where it is called */
	void *arg;
	int stop;
};

/*
 * Calls each(w, team) for the team asked for, or every covered team in
 * code order, in each store that holds it.
 */
typedef int (*per_team_fn)(struct pw *w, const char *team);
static int each_team(struct pw *w, const char *team, per_team_fn each)
{
	muster_report_ctx *c = w->c;
	for (size_t i = 0; i < c->nteams; i++) {
		if (team && strcmp(c->teams[i].code, team) != 0)
			continue;
		for (size_t k = 0; k < c->teams[i].nwhere; k++) {
			w->site = &c->site[c->teams[i].where[k]];
			w->sn = w->site->sn;
			int rc = each(w, c->teams[i].code);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Calls walk(w) in every store, in order: the queries that walk a whole table. */
static int each_site(struct pw *w, int (*walk)(struct pw *w))
{
	muster_report_ctx *c = w->c;
	for (size_t k = 0; k < c->nsite; k++) {
		w->site = &c->site[k];
		w->sn = w->site->sn;
		int rc = walk(w);
		if (rc)
			return rc;
	}
	return 0;
}

/* -- people -- */

static int person_one(const muster_rec *p, void *arg)
{
	struct pw *w = arg;
	arena_reset(w->ar);
	muster_report_ctx *c = w->c;
	muster_person_row row = {.abi = MUSTER_ABI_INIT(muster_person_row)};
	muster_reason rs[MUSTER_REASONS_MAX];
	size_t nr = 0, blocks = 0;
	uint64_t due = 0, interval = 0, birth = 0;
	int rc = muster_person_ready_due(w->sn, p, c->period.as_of, NULL, rs, &nr, &blocks, &due, &interval);
	if (rc)
		return rc;
	char reasons[1024];
	size_t rl = 0;
	reasons[0] = 0;
	for (size_t i = 0; i < nr; i++) {
		if (!MUSTER_REASON_BLOCKS(rs[i].code))
			continue;
		if (rs[i].code == MUSTER_R_EXAM_OVERDUE)
			row.exam_overdue = 1;
		const char *code = muster_reason_code(rs[i].code);
		size_t cn = strlen(code);
		int seen = 0;
		for (const char *q = reasons; (q = strstr(q, code)) != NULL; q += cn)
			if ((q == reasons || q[-1] == ',') && (q[cn] == ',' || q[cn] == 0))
				seen = 1;
		if (!seen && rl + cn + 2 < sizeof reasons) {
			if (rl)
				reasons[rl++] = ',';
			memcpy(reasons + rl, code, cn + 1);
			rl += cn;
		}
	}
	char sex = 0;
	(void)muster_person_birth(p, &birth, &sex);
	row.id = fstr(w->ar, p, MF_PERSON);
	row.name = fstr(w->ar, p, MF_NAME);
	row.team = w->team;
	row.position = fenum(p, MF_POSITION, 0);
	row.position_zh = fenum(p, MF_POSITION, 1);
	row.status = fenum(p, MF_STATUS, 0);
	row.sex = sex == 'M' ? "M" : sex == 'F' ? "F" : "";
	row.birth = (uint32_t)birth;
	row.hired = (uint32_t)fu(p, MF_HIRED);
	row.left = (uint32_t)fu(p, MF_LEFT);
	row.special = fu(p, MF_SPECIAL) != 0;
	row.deployable = blocks == 0;
	row.blocks = (unsigned)blocks;
	row.warnings = (unsigned)(nr - blocks);
	row.reasons = str(w->ar, reasons, rl);
	row.exam_due = (uint32_t)due;
	if (!row.id || !row.name || !row.reasons)
		return MUSTER_ENOMEM;
	return (w->stop = ((muster_person_fn)w->cb)(&row, w->arg));
}

static int people_team(struct pw *w, const char *team)
{
	w->team = team;
	int rc = muster_people_each(w->sn, team, person_one, w);
	return w->stop ? w->stop : rc;
}

/* -- certificates -- */

static int cert_one(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	struct pw *w = arg;
	arena_reset(w->ar);
	(void)key, (void)klen;
	muster_cert_row row = {.abi = MUSTER_ABI_INIT(muster_cert_row)};
	muster_cert_rule rule;
	row.holder = fstr(w->ar, r, MF_PERSON);
	row.team = w->team;
	row.kind = fstr(w->ar, r, MF_KIND);
	row.kind_name = row.kind;
	if (MUSTER_HAS(r, MF_KIND) && muster_cert_rule_get(w->sn, r->v[MF_KIND].p, r->v[MF_KIND].n, &rule) == 0)
		row.kind_name = str(w->ar, rule.name, rule.name_len);
	row.number = fstr(w->ar, r, MF_NUMBER);
	row.item = fstr(w->ar, r, MF_ITEM);
	row.status = muster_cert_statuses[muster_cert_status(r, w->c->period.as_of)];
	row.valid_from = (uint32_t)fu(r, MF_VALID_FROM);
	row.valid_to = (uint32_t)fu(r, MF_VALID_TO);
	row.review_due = (uint32_t)fu(r, MF_DUE);
	if (!row.holder || !row.kind || !row.kind_name || !row.number || !row.item)
		return MUSTER_ENOMEM;
	return (w->stop = ((muster_cert_fn)w->cb)(&row, w->arg));
}

/* The rows of table whose key starts with the person's resident ID and a NUL. */
static int person_rows(struct pw *w, const muster_rec *p, int table, muster_row_cb each)
{
	char pre[64];
	size_t n = p->v[MF_PERSON].n;
	if (n + 1 > sizeof pre)
		return 0;
	memcpy(pre, p->v[MF_PERSON].p, n);
	pre[n++] = 0;
	int rc = muster_row_list(w->sn, table, pre, n, each, w);
	return w->stop ? w->stop : rc;
}

static int cert_person(const muster_rec *p, void *arg)
{
	return person_rows(arg, p, MUSTER_T_CERT, cert_one);
}

static int certs_team(struct pw *w, const char *team)
{
	w->team = team;
	int rc = muster_people_each(w->sn, team, cert_person, w);
	return w->stop ? w->stop : rc;
}

/* -- exams -- */

static int exam_one(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	struct pw *w = arg;
	arena_reset(w->ar);
	(void)key, (void)klen;
	if (!date_in(w->c, fu(r, MF_DATE)))
		return 0;
	muster_exam_row row = {.abi = MUSTER_ABI_INIT(muster_exam_row)};
	row.holder = fstr(w->ar, r, MF_PERSON);
	row.team = w->team;
	row.kind = fenum(r, MF_EXAM, 0);
	row.conclusion = fenum(r, MF_CONCLUSION, 0);
	row.institution = fstr(w->ar, r, MF_INSTITUTION);
	row.date = (uint32_t)fu(r, MF_DATE);
	if (!row.holder || !row.institution)
		return MUSTER_ENOMEM;
	return (w->stop = ((muster_exam_fn)w->cb)(&row, w->arg));
}

static int exam_person(const muster_rec *p, void *arg)
{
	return person_rows(arg, p, MUSTER_T_EXAM, exam_one);
}

static int exams_team(struct pw *w, const char *team)
{
	w->team = team;
	int rc = muster_people_each(w->sn, team, exam_person, w);
	return w->stop ? w->stop : rc;
}

/* -- assets -- */

static int asset_one(const char *key, size_t klen, const muster_rec *r, struct pw *w, const struct muster_rules *rules)
{
	arena_reset(w->ar);
	muster_report_ctx *c = w->c;
	if (!rec_team_in(c, w->team, r, MF_TEAM))
		return 0;
	uint64_t st = fu(r, MF_STATE);
	if (st == MUSTER_S_SCRAPPED || st == MUSTER_S_RELEASED)
		return 0;
	char id[80];
	if (klen >= sizeof id)
		return 0;
	memcpy(id, key, klen);
	id[klen] = 0;
	int counted = 0;
	unsigned why = 0;
	muster_due d[MUSTER_DUES_MAX];
	size_t nd = 0;
	int rc = muster_asset_ready_dues(w->sn, rules, id, r, c->period.as_of, &counted, &why, d, &nd);
	if (rc)
		return rc;
	if (!counted)
		return 0;
	muster_asset_row row = {.abi = MUSTER_ABI_INIT(muster_asset_row)};
	for (size_t i = 0; i < nd; i++) {
		if (!d[i].due)
			continue;
		if (d[i].due < c->period.as_of)
			row.overdue++;
		if (!row.next_due || d[i].due < row.next_due)
			row.next_due = (uint32_t)d[i].due;
	}
	static const char *const nr[] = {"state", "overdue", "failed", "post_use"};
	char reasons[64];
	size_t rl = 0;
	for (unsigned b = 0; b < 4; b++)
		if (why & (1u << b))
			rl += (size_t)snprintf(reasons + rl, sizeof reasons - rl, "%s%s", rl ? "," : "", nr[b]);
	row.id = str(w->ar, key, klen);
	row.type = fstr(w->ar, r, MF_TYPE);
	row.category = fstr(w->ar, r, MF_CATEGORY);
	row.model = fstr(w->ar, r, MF_MODEL);
	row.serial = fstr(w->ar, r, MF_SERIAL);
	row.maker = fstr(w->ar, r, MF_MAKER);
	row.team = fstr(w->ar, r, MF_TEAM);
	row.depot = fstr(w->ar, r, MF_DEPOT);
	row.state = fenum(r, MF_STATE, 0);
	row.funding = fenum(r, MF_FUNDING, 0);
	row.value = (int64_t)fu(r, MF_VALUE);
	row.acquired = (uint32_t)fu(r, MF_ACQUIRED);
	row.external = fu(r, MF_EXTERNAL) != 0;
	row.ready = why == 0;
	row.not_ready = str(w->ar, reasons, rl);
	if (!row.id || !row.type || !row.category || !row.model || !row.serial || !row.maker || !row.team || !row.depot ||
		!row.not_ready)
		return MUSTER_ENOMEM;
	return (w->stop = ((muster_asset_fn)w->cb)(&row, w->arg));
}

#define ASSET_WANT                                                                                            \
	(MUSTER_BIT(MF_TEAM) | MUSTER_BIT(MF_DEPOT) | MUSTER_BIT(MF_CATEGORY) | MUSTER_BIT(MF_TYPE) |                \
		MUSTER_BIT(MF_MODEL) | MUSTER_BIT(MF_SERIAL) | MUSTER_BIT(MF_MAKER) | MUSTER_BIT(MF_ACQUIRED) |       \
		MUSTER_BIT(MF_VALUE) | MUSTER_BIT(MF_FUNDING) | MUSTER_BIT(MF_STATE) | MUSTER_BIT(MF_EXTERNAL) |    \
		MUSTER_BIT(MF_REGISTERED))

/*
 * Every asset row, read with muster_rec_peek: the rows were checked when
 * they were written, and a full decode (UTF-8 of every text) was a tenth of
 * a national walk.  Only the fields a row and its readiness need are read.
 */
static int assets_walk(struct pw *w)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct muster_rules rules;
	int rc = muster_rules_load(w->sn, &rules);
	if (rc)
		return rc;
	if ((rc = muster_mdb_err(mdb_cursor_open(w->sn->txn, w->sn->dbi[DB_ASSET], &cur))) != 0) {
		muster_rules_free(&rules);
		return rc;
	}
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; mrc == 0 && rc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		muster_rec r;
		if (muster_rec_peek(v.mv_data, v.mv_size, ASSET_WANT, MF_REGISTERED, r.v, &r.has) != 0 ||
			!MUSTER_HAS(&r, MF_TYPE) || !MUSTER_HAS(&r, MF_STATE) || !MUSTER_HAS(&r, MF_REGISTERED))
			rc = MUSTER_ECORRUPT;
		else
			rc = asset_one(k.mv_data, k.mv_size, &r, w, &rules);
	}
	mdb_cursor_close(cur);
	muster_rules_free(&rules);
	if (w->stop)
		return w->stop;
	return rc ? rc : mrc == MDB_NOTFOUND ? 0 : muster_mdb_err(mrc);
}

/* -- custody and inspection events -- */

static int events_site(muster_report_ctx *c, const struct rsite *st, const char *team, muster_event_fn cb, void *arg)
{
	for (uint64_t i = 1; i < st->size; i++) {
		muster_entry e;
		const uint8_t *raw;
		size_t len;
		int rc = muster_snap_entry(st->sn, i, &e, &raw, &len);
		if (rc)
			return host_fail(c, "reading the log", rc);
		if (!(e.type >= MUSTER_EV_CHECKOUT && e.type <= MUSTER_EV_SCRAP) && e.type != MUSTER_EV_INSPECT)
			continue;
		muster_rec r;
		if ((rc = muster_rec_decode(e.body, e.body_len, 0, 0, &r, NULL, 0)) != 0)
			return host_fail(c, "reading the log", rc);
		uint64_t date = MUSTER_HAS(&r, MF_DATE) ? r.v[MF_DATE].u : muster_date_of_ms(e.time_ms);
		if (!date_in(c, date))
			continue;
		muster_rec a;
		int have_asset = MUSTER_HAS(&r, MF_ID) &&
				 muster_row_get(st->sn, MUSTER_T_ASSET, r.v[MF_ID].p, r.v[MF_ID].n, &a) == 0;
		/* The team it happened to: the event's own, else the asset's custodian now. */
		const muster_rec *tr = MUSTER_HAS(&r, MF_TEAM) ? &r : have_asset ? &a : NULL;
		if (!tr || !rec_team_in(c, team, tr, MF_TEAM))
			continue;
		arena_reset(&c->ar);
		muster_event_row row = {.abi = MUSTER_ABI_INIT(muster_event_row)};
		row.index = i;
		row.time = (int64_t)(e.time_ms / 1000);
		row.date = (uint32_t)date;
		row.type = muster_event_name(e.type);
		row.asset = fstr(&c->ar, &r, MF_ID);
		row.team = fstr(&c->ar, tr, MF_TEAM);
		row.depot = MUSTER_HAS(&r, MF_DEPOT) ? fstr(&c->ar, &r, MF_DEPOT) : have_asset ? fstr(&c->ar, &a, MF_DEPOT) : "";
		row.kind = fstr(&c->ar, &r, MF_KIND);
		row.result = fenum(&r, MF_RESULT, 0);
		uint8_t id[MUSTER_KEYID_BYTES];
		muster_key_info k;
		muster_key_id(e.signer, id);
		row.signer = muster_key_get(st->s, id, &k, &c->kbuf) == 0 ? str(&c->ar, k.holder.p, k.holder.n) : "";
		if (!row.asset || !row.team || !row.depot || !row.kind || !row.signer)
			return OOM(c);
		if ((rc = cb(&row, arg)) != 0)
			return rc;
	}
	return 0;
}

static int q_events(muster_report_ctx *c, const char *team, muster_event_fn cb, void *arg)
{
	for (size_t k = 0; k < c->nsite; k++) {
		int rc = events_site(c, &c->site[k], team, cb, arg);
		if (rc)
			return rc;
	}
	return 0;
}

/* -- deployments -- */

static int deploy_one(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	struct pw *w = arg;
	arena_reset(w->ar);
	muster_report_ctx *c = w->c;
	if (!rec_team_in(c, w->team, r, MF_TEAM) || !MUSTER_HAS(r, MF_ORDERED) ||
		!date_in(c, muster_time_date(r->v[MF_ORDERED].u)))
		return 0;
	muster_deploy_row row = {.abi = MUSTER_ABI_INIT(muster_deploy_row)};
	row.id = str(w->ar, key, klen);
	row.team = fstr(w->ar, r, MF_TEAM);
	row.incident = fstr(w->ar, r, MF_INCIDENT);
	row.source = fenum(r, MF_SOURCE, 0);
	row.location = fstr(w->ar, r, MF_LOCATION);
	row.ordered = (int64_t)fu(r, MF_ORDERED);
	row.departed = (int64_t)fu(r, MF_DEPARTED);
	row.arrived = (int64_t)fu(r, MF_ARRIVED);
	row.ended = (int64_t)fu(r, MF_ENDED);
	row.returned = (int64_t)fu(r, MF_RETURNED);
	row.target = MUSTER_HAS(r, MF_TARGET) ? (uint32_t)r->v[MF_TARGET].u : w->site->target;
	if (row.arrived) {
		/* Started minutes count: 5 h 0 min 30 s is late against a 300-minute target. */
		row.minutes = (row.arrived - row.ordered + 59) / 60;
		row.on_target = row.minutes <= (int64_t)row.target;
	} else {
		row.minutes = -1;
		row.on_target = -1;
	}
	row.people = (unsigned)fu(r, MF_PEOPLE);
	row.assets = (unsigned)fu(r, MF_ASSETS);
	if (!row.id || !row.team || !row.incident || !row.location)
		return MUSTER_ENOMEM;
	return (w->stop = ((muster_deploy_fn)w->cb)(&row, w->arg));
}

/* -- spending -- */

static int spend_one(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	struct pw *w = arg;
	arena_reset(w->ar);
	muster_report_ctx *c = w->c;
	if (klen != 8 || !rec_team_in(c, w->team, r, MF_TEAM) || !date_in(c, fu(r, MF_DATE)))
		return 0;
	muster_spend_row row = {.abi = MUSTER_ABI_INIT(muster_spend_row)};
	row.index = be64_get((const uint8_t *)key);
	row.fund = fstr(w->ar, r, MF_FUND);
	row.team = fstr(w->ar, r, MF_TEAM);
	row.asset = fstr(w->ar, r, MF_ID);
	row.type = fenum(r, MF_SPEND_TYPE, 0);
	row.type_zh = fenum(r, MF_SPEND_TYPE, 1);
	row.state = fenum(r, MF_SPEND_STATE, 0);
	row.vendor = fstr(w->ar, r, MF_VENDOR);
	row.vendor_code = fstr(w->ar, r, MF_VENDOR_CODE);
	row.invoice = fstr(w->ar, r, MF_INVOICE);
	row.date = (uint32_t)fu(r, MF_DATE);
	row.amount = (int64_t)fu(r, MF_AMOUNT);
	if (!row.fund || !row.team || !row.asset || !row.vendor || !row.vendor_code || !row.invoice)
		return MUSTER_ENOMEM;
	return (w->stop = ((muster_spend_fn)w->cb)(&row, w->arg));
}

/* A table walked whole, rows filtered by the callback. */
static int table_walk(struct pw *w, int table, muster_row_cb each)
{
	int rc = muster_row_list(w->sn, table, NULL, 0, each, w);
	return w->stop ? w->stop : rc;
}

static int deploy_walk(struct pw *w)
{
	return table_walk(w, MUSTER_T_DEPLOY, deploy_one);
}

/* The month's spending rows (DB_SPDATE, then DB_SPEND), put back in log order as a walk of DB_SPEND gives them. */
struct rows {
	MDB_val *v; /* pairs: the be64 key, the row; both point into the snapshot's pages */
	size_t n, cap;
};

static int row_add(const MDB_val *key, const MDB_val *row, void *arg)
{
	struct rows *x = arg;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 256;
		MDB_val *nv = realloc(x->v, cap * 2 * sizeof *nv);
		if (!nv)
			return MUSTER_ENOMEM;
		x->v = nv, x->cap = cap;
	}
	x->v[2 * x->n] = *key;
	x->v[2 * x->n + 1] = *row;
	x->n++;
	return 0;
}

static int key_cmp(const void *pa, const void *pb)
{
	return memcmp(((const MDB_val *)pa)->mv_data, ((const MDB_val *)pb)->mv_data, 8);
}

/*
 * The month's spending through the date index: a month of a long history
 * is a small part of DB_SPEND.  Its rows are read in index order.
 */
static int spend_walk(struct pw *w)
{
	struct rows x = {0};
	muster_snap *sn = w->sn;
	int rc = muster_spend_dates(sn->txn, sn->dbi, w->c->period.first, w->c->period.last, row_add, &x);
	if (rc == 0 && x.n)
		qsort(x.v, x.n, 2 * sizeof *x.v, key_cmp);
	for (size_t i = 0; rc == 0 && i < x.n; i++) {
		muster_rec r;
		const MDB_val *k = &x.v[2 * i], *v = &x.v[2 * i + 1];
		if ((rc = muster_rec_decode(v->mv_data, v->mv_size, 0, 0, &r, NULL, 0)) == 0)
			rc = spend_one(k->mv_data, k->mv_size, &r, w);
	}
	free(x.v);
	return w->stop ? w->stop : rc;
}

/* -- budgets -- */

struct bud {
	const char *fund, *team; /* arena strings */
	int64_t budget, month, year, pending;
};

struct buds {
	struct pw *w;
	struct bud *b;
	size_t n, cap;
};

static int bud_cmp(const void *pa, const void *pb)
{
	const struct bud *a = pa, *b = pb;
	int k = strcmp(a->fund, b->fund);
	return k ? k : strcmp(a->team, b->team);
}

static struct bud *bud_add(struct buds *bs, const muster_rec *r)
{
	if (bs->n == bs->cap) {
		size_t cap = bs->cap ? 2 * bs->cap : 64;
		struct bud *nb = realloc(bs->b, cap * sizeof *nb);
		if (!nb)
			return NULL;
		bs->b = nb;
		bs->cap = cap;
	}
	struct bud *b = &bs->b[bs->n];
	memset(b, 0, sizeof *b);
	b->fund = fstr(&bs->w->c->keep, r, MF_FUND);
	b->team = fstr(&bs->w->c->keep, r, MF_TEAM);
	if (!b->fund || !b->team)
		return NULL;
	bs->n++;
	return b;
}

static int budget_one(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	struct buds *bs = arg;
	(void)key, (void)klen;
	if (fu(r, MF_YEAR) != bs->w->c->period.year || !rec_team_in(bs->w->c, bs->w->team, r, MF_TEAM))
		return 0;
	struct bud *b = bud_add(bs, r);
	if (!b)
		return MUSTER_ENOMEM;
	b->budget = (int64_t)fu(r, MF_AMOUNT);
	return 0;
}

#define BUD_WANT (MUSTER_BIT(MF_TEAM) | MUSTER_BIT(MF_DATE) | MUSTER_BIT(MF_FUND) | MUSTER_BIT(MF_AMOUNT) | \
	MUSTER_BIT(MF_SPEND_STATE))

/* One spending row into its budget row; only the five fields it needs are read (muster_rec_peek). */
static int budget_spend(struct buds *bs, const MDB_val *val)
{
	muster_report_ctx *c = bs->w->c;
	muster_fv v[MUSTER_FIELDS_MAX];
	muster_mask has;
	if (muster_rec_peek(val->mv_data, val->mv_size, BUD_WANT, MF_SPEND_STATE, v, &has) != 0 || (has & BUD_WANT) != BUD_WANT)
		return MUSTER_ECORRUPT;
	uint64_t d = v[MF_DATE].u, st = v[MF_SPEND_STATE].u;
	if (d / 10000 != c->period.year || d > c->period.last || st == MUSTER_SP_REJECTED ||
		!team_in(c, bs->w->team, v[MF_TEAM].p, v[MF_TEAM].n))
		return 0;
	char fund[80], team[80];
	if (v[MF_FUND].n >= sizeof fund || v[MF_TEAM].n >= sizeof team)
		return 0;
	memcpy(fund, v[MF_FUND].p, v[MF_FUND].n);
	fund[v[MF_FUND].n] = 0;
	memcpy(team, v[MF_TEAM].p, v[MF_TEAM].n);
	team[v[MF_TEAM].n] = 0;
	struct bud want = {fund, team, 0, 0, 0, 0};
	struct bud *b = bsearch(&want, bs->b, bs->n, sizeof *bs->b, bud_cmp);
	if (!b) {
		/* Spending without a budget: listed with budget 0, sorted in. */
		muster_rec r;
		muster_rec_clear(&r);
		muster_rec_text(&r, MF_FUND, fund, strlen(fund));
		muster_rec_text(&r, MF_TEAM, team, strlen(team));
		if (!bud_add(bs, &r))
			return MUSTER_ENOMEM;
		qsort(bs->b, bs->n, sizeof *bs->b, bud_cmp);
		b = bsearch(&want, bs->b, bs->n, sizeof *bs->b, bud_cmp);
	}
	int64_t amount = (int64_t)v[MF_AMOUNT].u;
	if (st == MUSTER_SP_PENDING) {
		b->pending += amount;
	} else {
		b->year += amount;
		if (date_in(c, d))
			b->month += amount;
	}
	return 0;
}

static int budget_spend_row(const MDB_val *key, const MDB_val *row, void *arg)
{
	(void)key;
	return budget_spend(arg, row);
}

/* The year's spending up to the period's end, through the date index. */
static int spend_rows(struct buds *bs)
{
	muster_snap *sn = bs->w->sn;
	const muster_period *p = &bs->w->c->period;
	return muster_spend_dates(sn->txn, sn->dbi, p->year * 10000 + 101, p->last, budget_spend_row, bs);
}

static int budgets_walk(struct pw *w)
{
	muster_report_ctx *c = w->c;
	struct buds bs = {w, NULL, 0, 0};
	int rc = muster_row_list(w->sn, MUSTER_T_BUDGET, NULL, 0, budget_one, &bs);
	if (rc == 0) {
		if (bs.n)
			qsort(bs.b, bs.n, sizeof *bs.b, bud_cmp);
		rc = spend_rows(&bs);
	}
	for (size_t i = 0; i < bs.n && rc == 0; i++) {
		muster_rec f;
		arena_reset(w->ar);
		muster_budget_row row = {.abi = MUSTER_ABI_INIT(muster_budget_row)};
		row.fund = bs.b[i].fund;
		row.team = bs.b[i].team;
		row.fund_name = row.source = "";
		if (muster_row_cget(w->sn, MUSTER_T_FUND, row.fund, &f) == 0) {
			row.fund_name = fstr(w->ar, &f, MF_NAME);
			row.source = fstr(w->ar, &f, MF_FUND_SOURCE);
		}
		if (!row.fund_name || !row.source) {
			rc = MUSTER_ENOMEM;
			break;
		}
		row.year = c->period.year;
		row.budget = bs.b[i].budget;
		row.spent_month = bs.b[i].month;
		row.spent_year = bs.b[i].year;
		row.pending = bs.b[i].pending;
		rc = (w->stop = ((muster_budget_fn)w->cb)(&row, w->arg));
	}
	free(bs.b);
	return w->stop ? w->stop : rc;
}

/* ---- the host table's queries ---------------------------------------------------------------- */

/* A query's end: the callback's value, or the host's failure said once. */
static int finish(struct pw *w, int rc, const char *what)
{
	if (w->stop)
		return w->stop;
	return rc ? host_fail(w->c, what, rc) : 0;
}

/* The team asked for, if the report covers it (else the query has no rows). */
static int covered(muster_report_ctx *c, const char *team)
{
	return !team || team_in(c, team, team, strlen(team));
}

static int q_people(muster_report_ctx *c, const char *team, muster_person_fn cb, void *arg)
{
	if (!covered(c, team))
		return 0;
	struct pw w = {c, NULL, NULL, &c->ar, NULL, (void (*)(void))cb, arg, 0};
	return finish(&w, each_team(&w, team, people_team), "reading people");
}

static int q_certificates(muster_report_ctx *c, const char *team, muster_cert_fn cb, void *arg)
{
	if (!covered(c, team))
		return 0;
	struct pw w = {c, NULL, NULL, &c->ar, NULL, (void (*)(void))cb, arg, 0};
	return finish(&w, each_team(&w, team, certs_team), "reading certificates");
}

static int q_exams(muster_report_ctx *c, const char *team, muster_exam_fn cb, void *arg)
{
	if (!covered(c, team))
		return 0;
	struct pw w = {c, NULL, NULL, &c->ar, NULL, (void (*)(void))cb, arg, 0};
	return finish(&w, each_team(&w, team, exams_team), "reading exams");
}

static int q_assets(muster_report_ctx *c, const char *team, muster_asset_fn cb, void *arg)
{
	if (!covered(c, team))
		return 0;
	struct pw w = {c, NULL, NULL, &c->ar, team, (void (*)(void))cb, arg, 0};
	return finish(&w, each_site(&w, assets_walk), "reading assets");
}

static int q_deployments(muster_report_ctx *c, const char *team, muster_deploy_fn cb, void *arg)
{
	if (!covered(c, team))
		return 0;
	struct pw w = {c, NULL, NULL, &c->ar, team, (void (*)(void))cb, arg, 0};
	return finish(&w, each_site(&w, deploy_walk), "reading deployments");
}

static int q_spending(muster_report_ctx *c, const char *team, muster_spend_fn cb, void *arg)
{
	if (!covered(c, team))
		return 0;
	struct pw w = {c, NULL, NULL, &c->ar, team, (void (*)(void))cb, arg, 0};
	return finish(&w, each_site(&w, spend_walk), "reading spending");
}

static int q_budgets(muster_report_ctx *c, const char *team, muster_budget_fn cb, void *arg)
{
	if (!covered(c, team))
		return 0;
	struct pw w = {c, NULL, NULL, &c->ar, team, (void (*)(void))cb, arg, 0};
	return finish(&w, each_site(&w, budgets_walk), "reading budgets");
}

/* -- output, logging, memory, parameters -- */

static int h_write(muster_report_ctx *c, const void *p, size_t n)
{
	if (c->failed || (n && !p))
		return MUSTER_PLUGIN_EHOST;
	c->written += n;
	muster_buf_put(&c->out, p, n);
	if (c->out.err) {
		c->failed = 1;
		return MUSTER_PLUGIN_EHOST;
	}
	/* Past the limit the bytes still go to the parent, which counts them and stops this process. */
	if (c->out.len >= (256u << 10) || c->written > c->max_output)
		return flush_out(c) || c->written > c->max_output ? MUSTER_PLUGIN_EHOST : 0;
	return 0;
}

static void h_log(muster_report_ctx *c, int level, const char *msg)
{
	static const char *const lv[] = {"error", "warning", "info"};
	char line[1024];
	size_t n = 0;
	/* One line of printable text, however the plugin wrote it. */
	for (const unsigned char *s = (const unsigned char *)(msg ? msg : ""); *s && n < sizeof line - 1; s++)
		line[n++] = *s < 0x20 || *s == 0x7f ? ' ' : (char)*s;
	/* Cut at a character boundary: drop continuation bytes, then a lead byte left without them. */
	if (n == sizeof line - 1) {
		while (n && ((unsigned char)line[n - 1] & 0xc0) == 0x80)
			n--;
		if (n && (unsigned char)line[n - 1] >= 0xc0)
			n--;
	}
	line[n] = 0;
	fprintf(stderr, "muster: report %s: %s: %s\n", c->info->name,
		level >= MUSTER_LOG_ERROR && level <= MUSTER_LOG_INFO ? lv[level] : "note", line);
}

#define HEAD 16 /* keeps the size, and max_align_t alignment on the usual ABIs */

static void *h_alloc(muster_report_ctx *c, size_t n)
{
	if (n > c->heap_max - c->heap || n > SIZE_MAX - HEAD)
		return NULL;
	unsigned char *p = malloc(n + HEAD);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof n);
	c->heap += n;
	return p + HEAD;
}

static void h_free(muster_report_ctx *c, void *q)
{
	if (!q)
		return;
	unsigned char *p = (unsigned char *)q - HEAD;
	size_t n;
	memcpy(&n, p, sizeof n);
	c->heap -= n;
	free(p);
}

static void *h_realloc(muster_report_ctx *c, void *q, size_t n)
{
	if (!q)
		return h_alloc(c, n);
	unsigned char *p = (unsigned char *)q - HEAD;
	size_t old;
	memcpy(&old, p, sizeof old);
	if ((n > old && n - old > c->heap_max - c->heap) || n > SIZE_MAX - HEAD)
		return NULL;
	unsigned char *np = realloc(p, n + HEAD);
	if (!np)
		return NULL;
	memcpy(np, &n, sizeof n);
	c->heap = c->heap - old + n;
	return np + HEAD;
}

static const char *h_param(muster_report_ctx *c, const char *name)
{
	if (!name || !c->req->params)
		return NULL;
	size_t n = strlen(name);
	const char *found = NULL;
	for (const char *const *p = c->req->params; *p; p++)
		if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
			found = *p + n + 1; /* the last one given wins, as with options */
	return found;
}

static const muster_host_api host = {
	MUSTER_ABI_INIT(muster_host_api),
	q_period,
	q_teams,
	q_people,
	q_certificates,
	q_exams,
	q_assets,
	q_events,
	q_deployments,
	q_spending,
	q_budgets,
	h_write,
	h_log,
	h_alloc,
	h_realloc,
	h_free,
	h_param,
};

const muster_host_api *muster_report_host(void)
{
	return &host;
}

/* ---- the child -------------------------------------------------------------------------------- */

static int days_in(unsigned y, unsigned m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : d[m - 1];
}

/* "what" in a single run; "what DIR" when the report reads several stores. */
static const char *what_of(muster_report_ctx *c, const char *what, const char *dir, char *buf, size_t n)
{
	if (!c->stores->multi)
		return what;
	snprintf(buf, n, "%s %s", what, dir);
	return buf;
}

/* Opens site k and its snapshot, its tree size and its arrival target; host_fail on failure. */
static int site_open(muster_report_ctx *c, size_t k)
{
	struct rsite *st = &c->site[k];
	muster_policy pol;
	char buf[200];
	int rc;
	if ((rc = muster_store_open(st->dir, &st->s)) != 0)
		return host_fail(c, what_of(c, "opening the store", st->dir, buf, sizeof buf), rc), rc;
	if ((rc = muster_snap_begin(st->s, &st->sn)) != 0)
		return host_fail(c, what_of(c, "reading the store", st->dir, buf, sizeof buf), rc), rc;
	if ((rc = muster_snap_size(st->sn, &st->size)) != 0 || (rc = muster_policy_get(st->sn, &pol)) != 0)
		return host_fail(c, what_of(c, "reading the log", st->dir, buf, sizeof buf), rc), rc;
	st->target = (uint32_t)pol.target;
	return 0;
}

static int setup(muster_report_ctx *c)
{
	const muster_report_req *req = c->req;
	const struct muster_report_stores *ss = c->stores;
	int rc;
	if (!(c->site = calloc(ss->n, sizeof *c->site)))
		return host_fail(c, "opening the store", MUSTER_ENOMEM), MUSTER_ENOMEM;
	c->nsite = ss->n;
	for (size_t k = 0; k < ss->n; k++) {
		c->site[k].dir = ss->dirs[k];
		if ((rc = site_open(c, k)) != 0)
			return rc;
	}
	/* The period is of the store that signs: one of the sites, or opened for that alone. */
	if (ss->home >= 0) {
		c->s = c->site[ss->home].s;
		c->sn = c->site[ss->home].sn;
	} else {
		char buf[200];
		if ((rc = muster_store_open(req->store_dir, &c->s)) != 0)
			return host_fail(c, what_of(c, "opening the store", req->store_dir, buf, sizeof buf), rc), rc;
		if ((rc = muster_snap_begin(c->s, &c->sn)) != 0)
			return host_fail(c, what_of(c, "reading the store", req->store_dir, buf, sizeof buf), rc), rc;
	}
	uint8_t root[MUSTER_HASH_BYTES];
	muster_policy pol;
	if ((rc = muster_snap_size(c->sn, &c->period.tree_size)) != 0 ||
		(rc = muster_log_root(c->s, c->period.tree_size, root)) != 0 || (rc = muster_policy_get(c->sn, &pol)) != 0)
		return host_fail(c, "reading the log", rc), rc;
	struct tcollect tc = {c, 0, NULL, 0};
	if (req->team) {
		muster_rec t;
		int found = 0;
		rc = 0;
		for (size_t k = 0; k < c->nsite && rc == 0; k++) {
			int grc = muster_row_cget(c->site[k].sn, MUSTER_T_TEAM, req->team, &t);
			if (grc == MUSTER_ENOTFOUND && c->nsite > 1)
				continue; /* another store may hold it */
			if (grc)
				return host_fail(c, "the team asked for", grc), grc;
			tc.site = k;
			found = 1;
			rc = team_collect(req->team, strlen(req->team), &t, &tc);
		}
		if (rc == 0 && !found)
			return host_fail(c, "the team asked for", MUSTER_ENOTFOUND), MUSTER_ENOTFOUND;
		snprintf(c->team, sizeof c->team, "%s", req->team);
	} else {
		rc = 0;
		for (size_t k = 0; k < c->nsite && rc == 0; k++) {
			tc.site = k;
			rc = muster_row_list(c->site[k].sn, MUSTER_T_TEAM, NULL, 0, team_collect, &tc);
		}
	}
	if (rc == 0)
		rc = team_merge(c, &tc);
	else
		(void)team_merge(c, &tc); /* frees what was collected */
	if (rc)
		return host_fail(c, "reading teams", rc), rc;
	sodium_bin2base64(c->root, sizeof c->root, root, sizeof root, sodium_base64_VARIANT_ORIGINAL);
	snprintf(c->month, sizeof c->month, "%04u-%02u", req->year % 10000, req->mon % 100);
	uint64_t now = req->now ? req->now : (uint64_t)time(NULL);
	muster_period *p = &c->period;
	p->abi = (muster_abi)MUSTER_ABI_INIT(muster_period);
	p->kind = req->kind ? req->kind : "monthly";
	p->month = c->month;
	p->year = req->year;
	p->mon = req->mon;
	p->first = req->year * 10000 + req->mon * 100 + 1;
	p->last = req->year * 10000 + req->mon * 100 + (unsigned)days_in(req->year, req->mon);
	uint64_t today = muster_time_date(now);
	p->as_of = today < p->last ? (uint32_t)today : p->last;
	p->team = c->team;
	p->origin = muster_store_origin(c->s);
	p->root = c->root;
	p->generated = (int64_t)now;
	p->target = (uint32_t)pol.target;
	p->threshold = (int64_t)pol.threshold;
	return 0;
}

int muster_report_child(const muster_plugin_desc *d, const muster_plugin_info *info, const muster_report_req *req,
	const struct muster_report_stores *stores, int fd)
{
	muster_report_ctx c;
	memset(&c, 0, sizeof c);
	c.desc = d;
	c.info = info;
	c.req = req;
	c.stores = stores;
	c.fd = fd;
	c.max_output = req->max_output ? req->max_output : (256ull << 20);
	c.heap_max = req->memory ? req->memory : (1024ull << 20);
	int rc = setup(&c);
	if (rc == 0) {
		/* The tree size the period names; in a run over several stores, each one's after it. */
		size_t n = stores->multi ? 1 + c.nsite : 1;
		uint8_t *sz = malloc(8 * n);
		if (!sz)
			rc = MUSTER_ENOMEM;
		if (sz) {
			be64_put(sz, c.period.tree_size);
			for (size_t k = 1; k < n; k++)
				be64_put(sz + 8 * k, c.site[k - 1].size);
			muster_report_limits(req);
			if (frame(fd, 'S', sz, 8 * n) != 0)
				rc = MUSTER_EIO;
			free(sz);
		}
	}
	if (rc == 0) {
		int32_t r = d->run(muster_report_host(), &c);
		uint32_t u = (uint32_t)r;
		uint8_t e[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
		if (flush_out(&c) != 0 || frame(fd, 'E', e, sizeof e) != 0)
			rc = MUSTER_EIO;
	}
	/* The process ends here: the snapshot, the store and the arena go with it. */
	return rc;
}
