/*
 * national.c - the national monthly report (国家安全生产应急救援中心 应急救援
 * 队伍月报): one JSON object with every covered team's people, equipment,
 * deployments and money for the month.  docs/report-national.schema.json
 * is its shape.
 *
 * Each host query is walked once for every team.  A row is tallied into its
 * team, found by binary search over the codes (the last one is remembered,
 * since rows mostly come grouped), and what the report lists of it is
 * written at once as a JSON fragment of that team, so nothing a callback is
 * handed is kept after it returns.  The teams are then written in the
 * host's order, each with its fragments.
 *
 * No floating point: rates are basis points of exact integer division.
 */
#include <muster/plugin.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_CAP 65536 /* the output is handed to the host in pieces of about this */

struct buf {
	char *p;
	size_t n, cap;
};

enum { NR_STATE, NR_OVERDUE, NR_FAILED, NR_POST_USE, NR_COUNT };
static const char *const nr_names[NR_COUNT] = {"state", "overdue", "failed", "post_use"};

/* The blocking reasons of docs/PEOPLE.md, so "reasons" lists them in that order; others follow as seen. */
static const char *const known_reasons[] = {
	"left", "suspended", "cert_expired", "cert_review_overdue", "cert_revoked", "needs", "needs_special",
	"no_exam", "exam_overdue", "contraindication", "suspected_disease", "recheck_overdue", "emergency_exam_owed",
};
#define NKNOWN (sizeof known_reasons / sizeof known_reasons[0])

struct team {
	char *code, *name, *specialty, *specialty_zh, *province, *host, *host_code;
	uint64_t people, deployable, exam_overdue;
	uint64_t assets, ready, not_ready[NR_COUNT], insp_overdue;
	uint64_t deployments, on_target, late, not_arrived;
	int64_t budget, spent_month, spent_year, pending;
	/* JSON fragments: the lists' elements, comma-joined */
	struct buf insp, exams, deploy, spend;
};

struct code {
	const char *s;
	size_t n;
	char *copy; /* s, when it is ours to free */
};

struct run {
	const muster_host_api *h;
	muster_report_ctx *ctx;
	const muster_period *per;
	struct team *teams; /* in the host's order */
	size_t nteams, tcap;
	struct team **by_code; /* sorted by code, for lookup */
	struct team *last;
	uint64_t stray; /* rows of teams the team list does not have */
	struct code *codes;
	size_t ncodes, ccap;
	uint64_t *rcount; /* [team index * ccap + code] */
	struct buf out;
	int err; /* 1: out of memory, 2: the host's write failed */
};

/* ---- memory and output ------------------------------------------------------------------ */

static void *grow(struct run *r, void *p, size_t n)
{
	if (r->err)
		return NULL;
	void *q = r->h->realloc(r->ctx, p, n);
	if (!q)
		r->err = 1;
	return q;
}

static void flush(struct run *r)
{
	if (!r->err && r->out.n && r->h->write(r->ctx, r->out.p, r->out.n) != 0)
		r->err = 2;
	r->out.n = 0;
}

static void put(struct run *r, struct buf *b, const void *p, size_t n)
{
	if (r->err)
		return;
	if (b == &r->out) {
		/* The output never grows: it is flushed when full, and big pieces go straight through. */
		if (b->n + n > b->cap)
			flush(r);
		if (n > b->cap) {
			if (!r->err && r->h->write(r->ctx, p, n) != 0)
				r->err = 2;
			return;
		}
	} else if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n)
			cap *= 2;
		char *q = grow(r, b->p, cap);
		if (!q)
			return;
		b->p = q, b->cap = cap;
	}
	if (r->err)
		return;
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void puts_(struct run *r, struct buf *b, const char *s)
{
	put(r, b, s, strlen(s));
}

static char *dup_(struct run *r, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = grow(r, NULL, n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* ---- JSON values -------------------------------------------------------------------------- */

static void jstr_n(struct run *r, struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(r, b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': put(r, b, "\\\"", 2); break;
		case '\\': put(r, b, "\\\\", 2); break;
		case '\n': put(r, b, "\\n", 2); break;
		case '\r': put(r, b, "\\r", 2); break;
		case '\t': put(r, b, "\\t", 2); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			put(r, b, u, 6);
		}
		}
	}
	put(r, b, s + run, n - run);
}

static void jstr(struct run *r, struct buf *b, const char *s)
{
	put(r, b, "\"", 1);
	jstr_n(r, b, s, strlen(s));
	put(r, b, "\"", 1);
}

/* ,"key": (the comma unless first); keys are plain ASCII constants. */
static void jkey(struct run *r, struct buf *b, const char *key, int first)
{
	if (!first)
		put(r, b, ",", 1);
	put(r, b, "\"", 1);
	puts_(r, b, key);
	put(r, b, "\":", 2);
}

static void jkstr(struct run *r, struct buf *b, const char *key, const char *s)
{
	jkey(r, b, key, 0);
	jstr(r, b, s);
}

static void jkint(struct run *r, struct buf *b, const char *key, int64_t v)
{
	char t[24];
	jkey(r, b, key, 0);
	put(r, b, t, (size_t)snprintf(t, sizeof t, "%" PRId64, v));
}

static void jnum(struct run *r, struct buf *b, uint64_t v)
{
	char t[24];
	put(r, b, t, (size_t)snprintf(t, sizeof t, "%" PRIu64, v));
}

static void jkuint(struct run *r, struct buf *b, const char *key, uint64_t v)
{
	jkey(r, b, key, 0);
	jnum(r, b, v);
}

/* num/den in basis points, rounded half up by long division, so no product can overflow; 0 if den is 0. */
static int64_t bp(int64_t num, int64_t den)
{
	if (den <= 0)
		return 0;
	if (num < 0)
		return -bp(-num, den);
	uint64_t n = (uint64_t)num, d = (uint64_t)den, q = n / d, rem = n % d;
	for (int i = 0; i < 4; i++) {
		rem *= 10;
		q = q * 10 + rem / d;
		rem %= d;
	}
	return (int64_t)(q + (rem >= d - rem));
}

/* YYYYMMDD as "YYYY-MM-DD", 0 as null. */
static void jdate(struct run *r, struct buf *b, uint32_t d)
{
	char t[16];
	if (!d) {
		put(r, b, "null", 4);
		return;
	}
	put(r, b, t,
		(size_t)snprintf(t, sizeof t, "\"%04u-%02u-%02u\"", (unsigned)(d / 10000 % 10000), (unsigned)(d / 100 % 100),
			(unsigned)(d % 100)));
}

/* Days since 1970-01-01 to the proleptic Gregorian date (H. Hinnant's civil_from_days). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Unix seconds as ISO 8601 in Beijing time (UTC+8 all year since 1991), 0 as null. */
static void jtime(struct run *r, struct buf *b, int64_t t)
{
	char s[48];
	if (!t) {
		put(r, b, "null", 4);
		return;
	}
	t += 8 * 3600;
	int64_t days = t / 86400, sec = t % 86400, y;
	if (sec < 0)
		sec += 86400, days--;
	unsigned m, d;
	civil(days, &y, &m, &d);
	put(r, b, s,
		(size_t)snprintf(s, sizeof s, "\"%04" PRId64 "-%02u-%02uT%02u:%02u:%02u+08:00\"", y, m, d, (unsigned)(sec / 3600),
			(unsigned)(sec / 60 % 60), (unsigned)(sec % 60)));
}

/* A resident ID with all but its first 6 and last 4 characters as '*' (all of it if that would show everything). */
static void jmasked(struct run *r, struct buf *b, const char *s)
{
	size_t n = strlen(s), chars = 0, i = 0, k = 0;
	for (size_t j = 0; j < n; j++)
		chars += ((unsigned char)s[j] & 0xc0) != 0x80;
	put(r, b, "\"", 1);
	while (i < n) {
		size_t len = 1;
		while (i + len < n && ((unsigned char)s[i + len] & 0xc0) == 0x80)
			len++;
		if (chars > 10 && (k < 6 || k >= chars - 4))
			jstr_n(r, b, s + i, len);
		else
			put(r, b, "*", 1);
		i += len, k++;
	}
	put(r, b, "\"", 1);
}

/* ---- teams ---------------------------------------------------------------------------------- */

static int team_cb(const muster_team_row *row, void *arg)
{
	struct run *r = arg;
	if (r->per->team[0] && strcmp(row->code, r->per->team) != 0)
		return 0;
	if (r->nteams == r->tcap) {
		size_t cap = r->tcap ? 2 * r->tcap : 64;
		struct team *t = grow(r, r->teams, cap * sizeof *t);
		if (!t)
			return 1;
		r->teams = t, r->tcap = cap;
	}
	struct team *t = &r->teams[r->nteams];
	memset(t, 0, sizeof *t);
	t->code = dup_(r, row->code), t->name = dup_(r, row->name);
	t->specialty = dup_(r, row->specialty), t->specialty_zh = dup_(r, row->specialty_zh);
	t->province = dup_(r, row->province), t->host = dup_(r, row->host), t->host_code = dup_(r, row->host_code);
	r->nteams++; /* even when a copy failed, so its strings are freed */
	return r->err != 0;
}

static int by_code_cmp(const void *a, const void *b)
{
	return strcmp((*(struct team *const *)a)->code, (*(struct team *const *)b)->code);
}

static struct team *find(struct run *r, const char *code)
{
	if (r->last && strcmp(r->last->code, code) == 0)
		return r->last;
	size_t lo = 0, hi = r->nteams;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->by_code[mid]->code, code);
		if (c == 0)
			return r->last = r->by_code[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	r->stray++;
	return NULL;
}

/* Starts the next element of a team's list. */
static void elem(struct run *r, struct buf *b)
{
	if (b->n)
		put(r, b, ",\n", 2);
	put(r, b, "{", 1);
}

/* ---- people ---------------------------------------------------------------------------------- */

static size_t code_id(struct run *r, const char *s, size_t n)
{
	for (size_t i = 0; i < r->ncodes; i++)
		if (r->codes[i].n == n && memcmp(r->codes[i].s, s, n) == 0)
			return i;
	if (r->ncodes == r->ccap) {
		/* Each team has a row of ccap counters: widen them all. */
		size_t cap = 2 * r->ccap;
		struct code *c = grow(r, r->codes, cap * sizeof *c);
		if (!c)
			return SIZE_MAX;
		r->codes = c;
		uint64_t *cnt = grow(r, NULL, r->nteams * cap * sizeof *cnt);
		if (!cnt)
			return SIZE_MAX;
		memset(cnt, 0, r->nteams * cap * sizeof *cnt);
		for (size_t t = 0; t < r->nteams; t++)
			memcpy(cnt + t * cap, r->rcount + t * r->ccap, r->ccap * sizeof *cnt);
		r->h->free(r->ctx, r->rcount);
		r->rcount = cnt, r->ccap = cap;
	}
	char *copy = grow(r, NULL, n + 1);
	if (!copy)
		return SIZE_MAX;
	memcpy(copy, s, n);
	copy[n] = 0;
	r->codes[r->ncodes] = (struct code){copy, n, copy};
	return r->ncodes++;
}

static int person_cb(const muster_person_row *row, void *arg)
{
	struct run *r = arg;
	struct team *t = find(r, row->team);
	if (!t || strcmp(row->status, "left") == 0)
		return 0;
	t->people++;
	t->deployable += row->deployable != 0;
	for (const char *s = row->reasons; *s;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n) {
			size_t id = code_id(r, s, n);
			if (id == SIZE_MAX)
				return 1;
			r->rcount[(size_t)(t - r->teams) * r->ccap + id]++;
		}
		s += n + (e != NULL);
	}
	if (row->exam_overdue) {
		t->exam_overdue++;
		elem(r, &t->exams);
		jkey(r, &t->exams, "name", 1);
		jstr(r, &t->exams, row->name);
		jkey(r, &t->exams, "id", 0);
		jmasked(r, &t->exams, row->id);
		jkey(r, &t->exams, "due", 0);
		jdate(r, &t->exams, row->exam_due);
		put(r, &t->exams, "}", 1);
	}
	return r->err != 0;
}

/* ---- assets ----------------------------------------------------------------------------------- */

static int asset_cb(const muster_asset_row *row, void *arg)
{
	struct run *r = arg;
	struct team *t = find(r, row->team);
	if (!t)
		return 0;
	t->assets++;
	t->ready += row->ready != 0;
	for (const char *s = row->not_ready; *s;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		for (int i = 0; i < NR_COUNT; i++)
			if (strlen(nr_names[i]) == n && memcmp(nr_names[i], s, n) == 0)
				t->not_ready[i]++;
		s += n + (e != NULL);
	}
	if (row->overdue) {
		t->insp_overdue++;
		elem(r, &t->insp);
		jkey(r, &t->insp, "asset", 1);
		jstr(r, &t->insp, row->id);
		jkstr(r, &t->insp, "type", row->type);
		jkstr(r, &t->insp, "category", row->category);
		jkuint(r, &t->insp, "kinds", row->overdue);
		jkey(r, &t->insp, "due", 0);
		jdate(r, &t->insp, row->next_due);
		put(r, &t->insp, "}", 1);
	}
	return r->err != 0;
}

/* ---- deployments --------------------------------------------------------------------------------- */

static int deploy_cb(const muster_deploy_row *row, void *arg)
{
	struct run *r = arg;
	struct team *t = find(r, row->team);
	if (!t)
		return 0;
	struct buf *b = &t->deploy;
	t->deployments++;
	if (row->on_target > 0)
		t->on_target++;
	else if (row->on_target == 0)
		t->late++;
	else
		t->not_arrived++;
	elem(r, b);
	jkey(r, b, "id", 1);
	jstr(r, b, row->id);
	jkstr(r, b, "incident", row->incident);
	jkstr(r, b, "source", row->source);
	jkstr(r, b, "location", row->location);
	jkey(r, b, "ordered", 0);
	jtime(r, b, row->ordered);
	jkey(r, b, "departed", 0);
	jtime(r, b, row->departed);
	jkey(r, b, "arrived", 0);
	jtime(r, b, row->arrived);
	jkey(r, b, "ended", 0);
	jtime(r, b, row->ended);
	jkey(r, b, "returned", 0);
	jtime(r, b, row->returned);
	if (row->minutes < 0 || !row->arrived) {
		jkey(r, b, "minutes", 0);
		put(r, b, "null", 4);
	} else {
		jkint(r, b, "minutes", row->minutes);
	}
	jkuint(r, b, "target", row->target);
	jkey(r, b, "on_target", 0);
	puts_(r, b, row->on_target > 0 ? "true" : row->on_target == 0 ? "false" : "null");
	jkuint(r, b, "people", row->people);
	jkuint(r, b, "assets", row->assets);
	put(r, b, "}", 1);
	return r->err != 0;
}

/* ---- budgets ---------------------------------------------------------------------------------------- */

static int budget_cb(const muster_budget_row *row, void *arg)
{
	struct run *r = arg;
	struct team *t = find(r, row->team);
	if (!t)
		return 0;
	struct buf *b = &t->spend;
	t->budget += row->budget, t->spent_month += row->spent_month;
	t->spent_year += row->spent_year, t->pending += row->pending;
	elem(r, b);
	jkey(r, b, "fund", 1);
	jstr(r, b, row->fund);
	jkstr(r, b, "fund_name", row->fund_name);
	jkstr(r, b, "source", row->source);
	jkuint(r, b, "year", row->year);
	jkint(r, b, "budget_fen", row->budget);
	jkint(r, b, "spent_month_fen", row->spent_month);
	jkint(r, b, "spent_year_fen", row->spent_year);
	jkint(r, b, "pending_fen", row->pending);
	jkint(r, b, "execution_bp", bp(row->spent_year, row->budget));
	put(r, b, "}", 1);
	return r->err != 0;
}

/* ---- the report ---------------------------------------------------------------------------------------- */

static void list(struct run *r, const char *key, struct buf *frag)
{
	jkey(r, &r->out, key, 0);
	if (!frag->n) {
		put(r, &r->out, "[]", 2);
		return;
	}
	put(r, &r->out, "[\n", 2);
	put(r, &r->out, frag->p, frag->n);
	put(r, &r->out, "]", 1);
}

static void write_team(struct run *r, struct team *t)
{
	struct buf *o = &r->out;
	jkey(r, o, "code", 1);
	jstr(r, o, t->code);
	jkstr(r, o, "name", t->name);
	jkstr(r, o, "specialty", t->specialty);
	jkstr(r, o, "specialty_zh", t->specialty_zh);
	jkstr(r, o, "province", t->province);
	jkstr(r, o, "host", t->host);
	jkstr(r, o, "host_code", t->host_code);

	jkey(r, o, "personnel", 0);
	put(r, o, "{", 1);
	jkey(r, o, "total", 1);
	jnum(r, o, t->people);
	jkuint(r, o, "deployable", t->deployable);
	jkuint(r, o, "not_deployable", t->people - t->deployable);
	jkuint(r, o, "exam_overdue", t->exam_overdue);
	jkey(r, o, "reasons", 0);
	put(r, o, "{", 1);
	const uint64_t *cnt = r->rcount + (size_t)(t - r->teams) * r->ccap;
	int first = 1;
	for (size_t i = 0; i < r->ncodes; i++) {
		if (!cnt[i])
			continue;
		put(r, o, first ? "\"" : ",\"", first ? 1 : 2);
		jstr_n(r, o, r->codes[i].s, r->codes[i].n);
		put(r, o, "\":", 2);
		jnum(r, o, cnt[i]);
		first = 0;
	}
	put(r, o, "}}", 2);

	jkey(r, o, "equipment", 0);
	put(r, o, "{", 1);
	jkey(r, o, "assets", 1);
	jnum(r, o, t->assets);
	jkuint(r, o, "ready", t->ready);
	jkint(r, o, "readiness_bp", bp((int64_t)t->ready, (int64_t)t->assets));
	jkey(r, o, "not_ready", 0);
	put(r, o, "{", 1);
	for (int i = 0; i < NR_COUNT; i++) {
		jkey(r, o, nr_names[i], i == 0);
		jnum(r, o, t->not_ready[i]);
	}
	put(r, o, "}", 1);
	jkuint(r, o, "inspections_overdue", t->insp_overdue);
	put(r, o, "}", 1);

	list(r, "overdue_inspections", &t->insp);
	list(r, "overdue_exams", &t->exams);
	list(r, "deployments", &t->deploy);
	list(r, "spending", &t->spend);
}

static void write_report(struct run *r)
{
	const muster_period *p = r->per;
	struct buf *o = &r->out;
	struct team sum;
	memset(&sum, 0, sizeof sum);
	for (size_t i = 0; i < r->nteams; i++) {
		const struct team *t = &r->teams[i];
		sum.people += t->people, sum.deployable += t->deployable, sum.exam_overdue += t->exam_overdue;
		sum.assets += t->assets, sum.ready += t->ready, sum.insp_overdue += t->insp_overdue;
		for (int k = 0; k < NR_COUNT; k++)
			sum.not_ready[k] += t->not_ready[k];
		sum.deployments += t->deployments, sum.on_target += t->on_target;
		sum.late += t->late, sum.not_arrived += t->not_arrived;
		sum.budget += t->budget, sum.spent_month += t->spent_month;
		sum.spent_year += t->spent_year, sum.pending += t->pending;
	}

	puts_(r, o, "{\"schema\":\"muster/report/national/v1\",\n\"report\":{\"kind\":");
	jstr(r, o, p->kind);
	jkstr(r, o, "month", p->month);
	jkuint(r, o, "year", p->year);
	jkuint(r, o, "mon", p->mon);
	jkey(r, o, "first", 0);
	jdate(r, o, p->first);
	jkey(r, o, "last", 0);
	jdate(r, o, p->last);
	jkey(r, o, "as_of", 0);
	jdate(r, o, p->as_of);
	jkey(r, o, "generated", 0);
	jtime(r, o, p->generated);
	jkey(r, o, "team", 0);
	if (p->team[0])
		jstr(r, o, p->team);
	else
		put(r, o, "null", 4);
	jkstr(r, o, "origin", p->origin);
	jkuint(r, o, "tree_size", p->tree_size);
	jkstr(r, o, "root", p->root);
	jkuint(r, o, "arrival_target_minutes", p->target);
	jkint(r, o, "approval_threshold_fen", p->threshold);

	puts_(r, o, "},\n\"totals\":{");
	jkey(r, o, "teams", 1);
	jnum(r, o, r->nteams);
	jkuint(r, o, "people", sum.people);
	jkuint(r, o, "deployable", sum.deployable);
	jkuint(r, o, "not_deployable", sum.people - sum.deployable);
	jkuint(r, o, "exam_overdue", sum.exam_overdue);
	jkuint(r, o, "assets", sum.assets);
	jkuint(r, o, "assets_ready", sum.ready);
	jkint(r, o, "readiness_bp", bp((int64_t)sum.ready, (int64_t)sum.assets));
	jkuint(r, o, "inspections_overdue", sum.insp_overdue);
	jkey(r, o, "not_ready", 0);
	put(r, o, "{", 1);
	for (int i = 0; i < NR_COUNT; i++) {
		jkey(r, o, nr_names[i], i == 0);
		jnum(r, o, sum.not_ready[i]);
	}
	put(r, o, "}", 1);
	jkuint(r, o, "deployments", sum.deployments);
	jkuint(r, o, "on_target", sum.on_target);
	jkuint(r, o, "late", sum.late);
	jkuint(r, o, "not_arrived", sum.not_arrived);
	jkint(r, o, "budget_fen", sum.budget);
	jkint(r, o, "spent_month_fen", sum.spent_month);
	jkint(r, o, "spent_year_fen", sum.spent_year);
	jkint(r, o, "pending_fen", sum.pending);
	jkint(r, o, "execution_bp", bp(sum.spent_year, sum.budget));

	puts_(r, o, "},\n\"teams\":[");
	for (size_t i = 0; i < r->nteams && !r->err; i++) {
		put(r, o, i ? ",\n{" : "\n{", i ? 3 : 2);
		write_team(r, &r->teams[i]);
		put(r, o, "}", 1);
	}
	puts_(r, o, "]}\n");
	flush(r);
}

/* Says why a query failed; 0 if it did not. */
static int query_failed(struct run *r, int rc, const char *what)
{
	char msg[160];
	if (rc == 0)
		return 0;
	if (r->err == 1)
		snprintf(msg, sizeof msg, "out of memory while reading the %s (the run's memory limit)", what);
	else
		snprintf(msg, sizeof msg, "reading the %s failed (the host said why above)", what);
	r->h->log(r->ctx, MUSTER_LOG_ERROR, msg);
	return 1;
}

static void release(struct run *r)
{
	const muster_host_api *h = r->h;
	for (size_t i = 0; i < r->nteams; i++) {
		struct team *t = &r->teams[i];
		char *s[] = {t->code, t->name, t->specialty, t->specialty_zh, t->province, t->host, t->host_code,
			t->insp.p, t->exams.p, t->deploy.p, t->spend.p};
		for (size_t k = 0; k < sizeof s / sizeof s[0]; k++)
			h->free(r->ctx, s[k]);
	}
	for (size_t i = 0; i < r->ncodes; i++)
		h->free(r->ctx, r->codes[i].copy);
	h->free(r->ctx, r->codes);
	h->free(r->ctx, r->rcount);
	h->free(r->ctx, r->by_code);
	h->free(r->ctx, r->teams);
	h->free(r->ctx, r->out.p);
}

static int run(const muster_host_api *h, muster_report_ctx *ctx)
{
	struct run r;
	memset(&r, 0, sizeof r);
	r.h = h, r.ctx = ctx;
	r.per = h->period(ctx);
	if (!r.per) {
		h->log(ctx, MUSTER_LOG_ERROR, "the host gave no report period");
		return 1;
	}
	int rc = 1;
	r.out.p = grow(&r, NULL, OUT_CAP);
	r.out.cap = OUT_CAP;
	r.ccap = 32;
	r.codes = grow(&r, NULL, r.ccap * sizeof *r.codes);
	if (r.err) {
		h->log(ctx, MUSTER_LOG_ERROR, "out of memory before reading anything (the run's memory limit)");
		goto done;
	}
	for (size_t i = 0; i < NKNOWN; i++)
		r.codes[r.ncodes++] = (struct code){known_reasons[i], strlen(known_reasons[i]), NULL};

	if (query_failed(&r, h->teams(ctx, team_cb, &r), "teams"))
		goto done;
	if (!r.nteams) {
		h->log(ctx, MUSTER_LOG_WARNING, r.per->team[0] ? "the team asked for is not in the store" :
								    "the store has no teams; the report lists none");
	}
	r.by_code = grow(&r, NULL, (r.nteams ? r.nteams : 1) * sizeof *r.by_code);
	r.rcount = grow(&r, NULL, (r.nteams ? r.nteams : 1) * r.ccap * sizeof *r.rcount);
	if (r.err) {
		h->log(ctx, MUSTER_LOG_ERROR, "out of memory for the team table (the run's memory limit)");
		goto done;
	}
	memset(r.rcount, 0, (r.nteams ? r.nteams : 1) * r.ccap * sizeof *r.rcount);
	for (size_t i = 0; i < r.nteams; i++)
		r.by_code[i] = &r.teams[i];
	qsort(r.by_code, r.nteams, sizeof *r.by_code, by_code_cmp);
	for (size_t i = 1; i < r.nteams; i++)
		if (strcmp(r.by_code[i - 1]->code, r.by_code[i]->code) == 0) {
			char msg[160];
			snprintf(msg, sizeof msg, "the host listed team %.64s twice", r.by_code[i]->code);
			h->log(ctx, MUSTER_LOG_ERROR, msg);
			goto done;
		}

	if (query_failed(&r, h->people(ctx, NULL, person_cb, &r), "people") ||
		query_failed(&r, h->assets(ctx, NULL, asset_cb, &r), "assets") ||
		query_failed(&r, h->deployments(ctx, NULL, deploy_cb, &r), "deployments") ||
		query_failed(&r, h->budgets(ctx, NULL, budget_cb, &r), "budgets"))
		goto done;
	if (r.stray) {
		char msg[160];
		snprintf(msg, sizeof msg, "%" PRIu64 " rows named a team the team list does not have; they are left out",
			r.stray);
		h->log(ctx, MUSTER_LOG_WARNING, msg);
	}

	write_report(&r);
	if (r.err == 1)
		h->log(ctx, MUSTER_LOG_ERROR, "out of memory while writing the report (the run's memory limit)");
	else if (r.err == 2)
		h->log(ctx, MUSTER_LOG_ERROR, "the host refused the report's bytes");
	else
		rc = 0;
done:
	release(&r);
	return rc;
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "national",
	.province = "000000",
	.version = "1.0.0",
	.title = "国家安全生产应急救援中心 应急救援队伍月报",
	.title_en = "National monthly rescue team report",
	.kinds = "monthly",
	.media_type = "application/json",
	.extension = "json",
	.run = run,
	/* Deployments are few: they are read on demand. */
};

const muster_plugin_desc *muster_plugin_entry_v1(const muster_host_api *host)
{
	return host && host->abi.major == MUSTER_PLUGIN_ABI_MAJOR ? &desc : NULL;
}
