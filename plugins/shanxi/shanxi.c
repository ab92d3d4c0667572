/*
 * shanxi.c - the Shanxi monthly mine rescue team report (山西省矿山救援队伍
 * 月报): a CSV table (RFC 4180, CRLF) in GB18030, the encoding the
 * province's spreadsheet tools open without asking, one row per team of
 * province 140000 and a total row.
 *
 * Each host query is walked once for every team (a per-team query may scan
 * the whole projection, and a national store has 130 teams); rows of teams
 * outside the province are skipped by a binary search over the Shanxi
 * codes.  Lines are built in UTF-8, then converted with iconv(3).
 *
 * No floating point: percentages and 万元 are rounded half up in integers.
 */
#include <muster/plugin.h>

#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROVINCE "140000"
#define OUT_CAP 65536

static const char *const header[] = {
	"序号", "队伍编码", "队伍名称", "专业", "依托单位", "统计期间", "在册人数", "可出动人数", "不可出动人数",
	"体检逾期人数", "装备数量", "完好装备数量", "装备完好率(%)", "检验逾期装备数", "本月出动次数", "按时到达次数",
	"本月经费支出(万元)", "年度预算(万元)", "年度累计支出(万元)", "预算执行率(%)",
};

struct buf {
	char *p;
	size_t n, cap;
};

struct team {
	char *code, *name, *specialty_zh, *host;
	uint64_t people, deployable, exam_overdue;
	uint64_t assets, ready, insp_overdue;
	uint64_t deployments, on_target;
	int64_t budget, spent_month, spent_year;
};

struct run {
	const muster_host_api *h;
	muster_report_ctx *ctx;
	const muster_period *per;
	struct team *teams; /* in the host's order */
	size_t nteams, tcap;
	struct team **by_code;
	struct team *last;
	struct buf line; /* one CSV line, UTF-8 */
	struct buf out;  /* GB18030, flushed when full */
	iconv_t cd;
	char period[32]; /* 2026年10月 */
	int err;         /* 1: out of memory, 2: the host's write failed, 3: not convertible */
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

static char *dup_(struct run *r, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = grow(r, NULL, n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static void put(struct run *r, struct buf *b, const void *p, size_t n)
{
	if (r->err)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n)
			cap *= 2;
		char *q = grow(r, b->p, cap);
		if (!q)
			return;
		b->p = q, b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void flush(struct run *r)
{
	if (!r->err && r->out.n && r->h->write(r->ctx, r->out.p, r->out.n) != 0)
		r->err = 2;
	r->out.n = 0;
}

/* Converts the line to GB18030 into the output; what: the row, for the message if it cannot be. */
static void emit(struct run *r, const char *what)
{
	char *in = r->line.p;
	size_t inleft = r->line.n;
	while (!r->err && inleft) {
		char *op = r->out.p + r->out.n;
		size_t outleft = r->out.cap - r->out.n;
		size_t rc = iconv(r->cd, &in, &inleft, &op, &outleft);
		int e = errno;
		r->out.n = r->out.cap - outleft;
		if (rc != (size_t)-1)
			break;
		if (e == E2BIG) {
			flush(r);
			continue;
		}
		char msg[200];
		snprintf(msg, sizeof msg, "%s: the text at byte %zu of its line is not valid UTF-8, so it cannot be written in GB18030",
			what, (size_t)(in - r->line.p));
		r->h->log(r->ctx, MUSTER_LOG_ERROR, msg);
		r->err = 3;
	}
	r->line.n = 0;
}

/* One field, quoted only if it holds a comma, a quote or a line break (RFC 4180). */
static void field(struct run *r, const char *s, int first)
{
	struct buf *b = &r->line;
	if (!first)
		put(r, b, ",", 1);
	if (!strpbrk(s, ",\"\r\n")) {
		put(r, b, s, strlen(s));
		return;
	}
	put(r, b, "\"", 1);
	for (const char *q; (q = strchr(s, '"')); s = q + 1)
		put(r, b, s, (size_t)(q - s + 1)), put(r, b, "\"", 1);
	put(r, b, s, strlen(s));
	put(r, b, "\"", 1);
}

static void num(struct run *r, uint64_t v)
{
	char t[24];
	snprintf(t, sizeof t, "%" PRIu64, v);
	field(r, t, 0);
}

/* A value in hundredths as "12.34". */
static void hundredths(struct run *r, int64_t v)
{
	char t[32];
	uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	snprintf(t, sizeof t, "%s%" PRIu64 ".%02u", v < 0 ? "-" : "", a / 100, (unsigned)(a % 100));
	field(r, t, 0);
}

/* num/den ×100 in hundredths (that is, basis points), rounded half up by long division; 0 if den is 0. */
static int64_t percent(int64_t n, int64_t d)
{
	if (d <= 0)
		return 0;
	if (n < 0)
		return -percent(-n, d);
	uint64_t un = (uint64_t)n, ud = (uint64_t)d, q = un / ud, rem = un % ud;
	for (int i = 0; i < 4; i++) {
		rem *= 10;
		q = q * 10 + rem / ud;
		rem %= ud;
	}
	return (int64_t)(q + (rem >= ud - rem));
}

/* Fen in hundredths of 万元 (1 万元 = 1,000,000 fen), rounded half up (away from zero). */
static int64_t wan(int64_t fen)
{
	return fen < 0 ? -((-fen + 5000) / 10000) : (fen + 5000) / 10000;
}

/* ---- rows ------------------------------------------------------------------------------------- */

static int team_cb(const muster_team_row *row, void *arg)
{
	struct run *r = arg;
	if (strcmp(row->province, PROVINCE) != 0 || (r->per->team[0] && strcmp(row->code, r->per->team) != 0))
		return 0;
	if (r->nteams == r->tcap) {
		size_t cap = r->tcap ? 2 * r->tcap : 16;
		struct team *t = grow(r, r->teams, cap * sizeof *t);
		if (!t)
			return 1;
		r->teams = t, r->tcap = cap;
	}
	struct team *t = &r->teams[r->nteams];
	memset(t, 0, sizeof *t);
	t->code = dup_(r, row->code), t->name = dup_(r, row->name);
	t->specialty_zh = dup_(r, row->specialty_zh), t->host = dup_(r, row->host);
	r->nteams++; /* even when a copy failed, so its strings are freed */
	return r->err != 0;
}

static int by_code_cmp(const void *a, const void *b)
{
	return strcmp((*(struct team *const *)a)->code, (*(struct team *const *)b)->code);
}

/* The Shanxi team of that code, or NULL: another province's. */
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
	return NULL;
}

static int person_cb(const muster_person_row *row, void *arg)
{
	struct team *t = find(arg, row->team);
	if (t && strcmp(row->status, "left") != 0) {
		t->people++;
		t->deployable += row->deployable != 0;
		t->exam_overdue += row->exam_overdue != 0;
	}
	return 0;
}

static int asset_cb(const muster_asset_row *row, void *arg)
{
	struct team *t = find(arg, row->team);
	if (t) {
		t->assets++;
		t->ready += row->ready != 0;
		t->insp_overdue += row->overdue != 0;
	}
	return 0;
}

static int deploy_cb(const muster_deploy_row *row, void *arg)
{
	struct team *t = find(arg, row->team);
	if (t) {
		t->deployments++;
		t->on_target += row->on_target > 0;
	}
	return 0;
}

static int budget_cb(const muster_budget_row *row, void *arg)
{
	struct team *t = find(arg, row->team);
	if (t) {
		t->budget += row->budget;
		t->spent_month += row->spent_month;
		t->spent_year += row->spent_year;
	}
	return 0;
}

/* ---- the report ---------------------------------------------------------------------------------- */

/* A team's line, or the total line when seq is 0 (its code, name, specialty and host empty). */
static void write_row(struct run *r, const struct team *t, size_t seq)
{
	char s[24];
	if (seq)
		snprintf(s, sizeof s, "%zu", seq);
	field(r, seq ? s : "合计", 1);
	field(r, seq ? t->code : "", 0);
	field(r, seq ? t->name : "", 0);
	field(r, seq ? t->specialty_zh : "", 0);
	field(r, seq ? t->host : "", 0);
	field(r, r->period, 0);
	num(r, t->people);
	num(r, t->deployable);
	num(r, t->people - t->deployable);
	num(r, t->exam_overdue);
	num(r, t->assets);
	num(r, t->ready);
	hundredths(r, percent((int64_t)t->ready, (int64_t)t->assets));
	num(r, t->insp_overdue);
	num(r, t->deployments);
	num(r, t->on_target);
	hundredths(r, wan(t->spent_month));
	hundredths(r, wan(t->budget));
	hundredths(r, wan(t->spent_year));
	hundredths(r, percent(t->spent_year, t->budget));
	put(r, &r->line, "\r\n", 2);
	char what[96];
	if (seq)
		snprintf(what, sizeof what, "team %.64s", t->code);
	else
		snprintf(what, sizeof what, "the total row");
	emit(r, what);
}

static void write_report(struct run *r)
{
	for (size_t i = 0; i < sizeof header / sizeof header[0]; i++)
		field(r, header[i], i == 0);
	put(r, &r->line, "\r\n", 2);
	emit(r, "the header");

	struct team sum;
	memset(&sum, 0, sizeof sum);
	for (size_t i = 0; i < r->nteams && !r->err; i++) {
		const struct team *t = &r->teams[i];
		write_row(r, t, i + 1);
		sum.people += t->people, sum.deployable += t->deployable, sum.exam_overdue += t->exam_overdue;
		sum.assets += t->assets, sum.ready += t->ready, sum.insp_overdue += t->insp_overdue;
		sum.deployments += t->deployments, sum.on_target += t->on_target;
		sum.budget += t->budget, sum.spent_month += t->spent_month, sum.spent_year += t->spent_year;
	}
	write_row(r, &sum, 0);
	flush(r);
}

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
	for (size_t i = 0; i < r->nteams; i++) {
		struct team *t = &r->teams[i];
		char *s[] = {t->code, t->name, t->specialty_zh, t->host};
		for (size_t k = 0; k < sizeof s / sizeof s[0]; k++)
			r->h->free(r->ctx, s[k]);
	}
	r->h->free(r->ctx, r->teams);
	r->h->free(r->ctx, r->by_code);
	r->h->free(r->ctx, r->line.p);
	r->h->free(r->ctx, r->out.p);
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
}

static int run(const muster_host_api *h, muster_report_ctx *ctx)
{
	struct run r;
	memset(&r, 0, sizeof r);
	r.h = h, r.ctx = ctx;
	r.cd = (iconv_t)-1;
	r.per = h->period(ctx);
	if (!r.per) {
		h->log(ctx, MUSTER_LOG_ERROR, "the host gave no report period");
		return 1;
	}
	int rc = 1;
	snprintf(r.period, sizeof r.period, "%u年%u月", r.per->year, r.per->mon);
	r.cd = iconv_open("GB18030", "UTF-8");
	if (r.cd == (iconv_t)-1) {
		char msg[160];
		snprintf(msg, sizeof msg, "iconv cannot convert UTF-8 to GB18030 here (%s); are glibc's gconv modules installed?",
			strerror(errno));
		h->log(ctx, MUSTER_LOG_ERROR, msg);
		goto done;
	}
	r.out.p = grow(&r, NULL, OUT_CAP);
	r.out.cap = OUT_CAP;
	if (r.err) {
		h->log(ctx, MUSTER_LOG_ERROR, "out of memory before reading anything (the run's memory limit)");
		goto done;
	}

	if (query_failed(&r, h->teams(ctx, team_cb, &r), "teams"))
		goto done;
	if (!r.nteams) {
		char msg[200];
		if (r.per->team[0])
			snprintf(msg, sizeof msg, "team %.64s is not a team of Shanxi (province " PROVINCE "); the report has only the "
				"header and the total row", r.per->team);
		else
			snprintf(msg, sizeof msg, "the store has no team of Shanxi (province " PROVINCE "); the report has only the "
				"header and the total row");
		h->log(ctx, MUSTER_LOG_WARNING, msg);
	} else {
		r.by_code = grow(&r, NULL, r.nteams * sizeof *r.by_code);
		if (r.err) {
			h->log(ctx, MUSTER_LOG_ERROR, "out of memory for the team table (the run's memory limit)");
			goto done;
		}
		for (size_t i = 0; i < r.nteams; i++)
			r.by_code[i] = &r.teams[i];
		qsort(r.by_code, r.nteams, sizeof *r.by_code, by_code_cmp);
		/* Nothing to read when no team is Shanxi's. */
		if (query_failed(&r, h->people(ctx, NULL, person_cb, &r), "people") ||
			query_failed(&r, h->assets(ctx, NULL, asset_cb, &r), "assets") ||
			query_failed(&r, h->deployments(ctx, NULL, deploy_cb, &r), "deployments") ||
			query_failed(&r, h->budgets(ctx, NULL, budget_cb, &r), "budgets"))
			goto done;
	}

	write_report(&r);
	if (r.err == 1)
		h->log(ctx, MUSTER_LOG_ERROR, "out of memory while writing the report (the run's memory limit)");
	else if (r.err == 2)
		h->log(ctx, MUSTER_LOG_ERROR, "the host refused the report's bytes");
	else if (!r.err)
		rc = 0;
done:
	release(&r);
	return rc;
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "shanxi",
	.province = PROVINCE,
	.version = "1.0.0",
	.title = "山西省矿山救援队伍月报",
	.title_en = "Shanxi monthly mine rescue team report",
	.kinds = "monthly",
	.media_type = "text/csv; charset=GB18030",
	.extension = "csv",
	.run = run,
	/* Deployments are few: they are read on demand. */
};

const muster_plugin_desc *muster_plugin_entry_v1(const muster_host_api *host)
{
	return host && host->abi.major == MUSTER_PLUGIN_ABI_MAJOR ? &desc : NULL;
}
