/*
 * cmd_summary.c - `muster audit summary`: counted spending grouped by fund,
 * team, year, month, asset category, vendor or spending type, with budget,
 * variance and rate when grouped by fund, team or year; pending and
 * rejected spending reported beside it, never in it (docs/MONEY.md,
 * "Summaries").  A table for people, --json for programs (fen integers and
 * the unit's strings), --csv for spreadsheets (RFC 4180, UTF-8 with a BOM).
 */
#include "config.h"

#include "central.h"
#include "equip_cli.h"

#include <muster/summary.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { U_FEN, U_YUAN, U_WAN };
static const char *const unit_names[] = {"fen", "yuan", "wan", NULL};

/* ---- amounts --------------------------------------------------------------------------- */

/* Digits of v with a comma every three when sep. */
static void put_grouped(muster_buf *b, uint64_t v, int sep)
{
	char d[24];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n--) {
		muster_buf_put(b, &d[n], 1);
		if (sep && n && n % 3 == 0)
			muster_buf_puts(b, ",");
	}
}

/*
 * fen in the unit: fen as an integer; yuan with two decimals; 万元 with four
 * (to the yuan), rounded half away from zero.  sep: thousands separators
 * (not for fen, never in CSV).
 */
static void put_amount(muster_buf *b, int unit, int neg, uint64_t fen, int sep)
{
	if (neg && fen)
		muster_buf_puts(b, "-");
	if (unit == U_FEN) {
		put_grouped(b, fen, 0);
	} else if (unit == U_YUAN) {
		put_grouped(b, fen / 100, sep);
		muster_buf_printf(b, ".%02u", (unsigned)(fen % 100));
	} else {
		uint64_t y = fen / 100 + (fen % 100 >= 50); /* 0.0001 万元 is one yuan */
		put_grouped(b, y / 10000, sep);
		muster_buf_printf(b, ".%04u", (unsigned)(y % 10000));
	}
}

static void put_signed(muster_buf *b, int unit, int64_t v, int sep)
{
	put_amount(b, unit, v < 0, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, sep);
}

/* "87.50" from hundredths of a percent. */
static void put_rate(muster_buf *b, uint64_t bp)
{
	muster_buf_printf(b, "%" PRIu64 ".%02u", bp / 100, (unsigned)(bp % 100));
}

static const char *unit_words(int unit)
{
	static const char *const en[] = {"fen", "yuan", "10,000 yuan"}, *const zh[] = {"分", "元", "万元"};
	return cli_zh() ? zh[unit] : en[unit];
}

/* ---- a text table ------------------------------------------------------------------------ */

#define COLS 7

struct table {
	char **cell; /* rows x COLS, NULL: empty */
	size_t rows, cap, ncols;
	int right[COLS];
};

static char *take(muster_buf *b)
{
	muster_buf_put(b, "", 1);
	if (b->err)
		die(EXIT_IO, "%s", cli_strerror(b->err));
	char *s = (char *)b->data;
	*b = (muster_buf){0};
	return s;
}

static char **table_row(struct table *t)
{
	if (t->rows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **c = realloc(t->cell, cap * COLS * sizeof *c);
		if (!c)
			die(EXIT_IO, "%s", L("out of memory", "内存不足"));
		t->cell = c, t->cap = cap;
	}
	char **r = &t->cell[t->rows++ * COLS];
	for (int i = 0; i < COLS; i++)
		r[i] = NULL;
	return r;
}

/* Display columns: East Asian wide characters (three- and four-byte UTF-8 here) take two. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			w += *p >= 0xe0 ? 2 : 1;
	return w;
}

static void table_out(struct table *t, muster_buf *b)
{
	size_t w[COLS] = {0};
	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->ncols; c++)
			if (t->cell[r * COLS + c] && width(t->cell[r * COLS + c]) > w[c])
				w[c] = width(t->cell[r * COLS + c]);
	for (size_t r = 0; r < t->rows; r++) {
		size_t pad = 0; /* spaces owed before the next cell */
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cell[r * COLS + c] ? t->cell[r * COLS + c] : "";
			size_t sw = width(s);
			if (c)
				pad += 2;
			if (t->right[c])
				pad += w[c] - sw;
			if (*s) {
				for (; pad; pad--)
					muster_buf_put(b, " ", 1);
				muster_buf_puts(b, s);
			}
			if (!t->right[c])
				pad += w[c] - sw;
		}
		muster_buf_puts(b, "\n");
	}
	for (size_t i = 0; i < t->rows * COLS; i++)
		free(t->cell[i]);
	free(t->cell);
}

/* ---- output ---------------------------------------------------------------------------- */

static const char *key_header(int by)
{
	static const char *const en[] = {"fund", "team", "year", "month", "category", "vendor code", "type"};
	static const char *const zh[] = {"资金", "队伍", "年度", "月份", "装备分类", "供应商信用代码", "支出类别"};
	return cli_zh() ? zh[by] : en[by];
}

static int has_names(int by)
{
	return by == MUSTER_BY_FUND || by == MUSTER_BY_TEAM || by == MUSTER_BY_VENDOR || by == MUSTER_BY_TYPE;
}

static void text_row(struct table *t, const muster_summary *s, const muster_summary_group *g, const char *key,
	int unit)
{
	char **r = table_row(t);
	muster_buf b = {0};
	size_t c = 0;
	muster_buf_puts(&b, key);
	r[c++] = take(&b);
	if (has_names(s->by)) {
		muster_buf_puts(&b, g->name ? g->name : "");
		r[c++] = take(&b);
	}
	muster_buf_printf(&b, "%" PRIu64, g->count);
	r[c++] = take(&b);
	put_amount(&b, unit, 0, g->total, 1);
	r[c++] = take(&b);
	if (s->has_budget) {
		put_amount(&b, unit, 0, g->budget, 1);
		r[c++] = take(&b);
		put_signed(&b, unit, g->variance, 1);
		r[c++] = take(&b);
		if (g->budget) {
			put_rate(&b, g->rate);
			muster_buf_puts(&b, "%");
		} else {
			muster_buf_puts(&b, "-");
		}
		r[c++] = take(&b);
	}
}

/* sites: the origins of a --mirrors summary (NULL otherwise), nsites of them. */
static void text_out(muster_buf *b, const muster_summary *s, const muster_summary_query *q, int unit,
	const char *const *sites, size_t nsites)
{
	int zh = cli_zh();
	static const char *const by_en[] = {"fund", "team", "year", "month", "asset category", "vendor", "spending type"};
	static const char *const by_zh[] = {"资金", "队伍", "年度", "月份", "装备分类", "供应商", "支出类别"};
	muster_buf_printf(b, L("Counted spending by %s", "已计入支出，按%s汇总"), zh ? by_zh[s->by] : by_en[s->by]);
	if (q->year)
		muster_buf_printf(b, L(", year %u", "，%u 年度"), q->year);
	if (q->team)
		muster_buf_printf(b, L(", team %s", "，队伍 %s"), q->team);
	if (q->fund)
		muster_buf_printf(b, L(", fund %s", "，资金 %s"), q->fund);
	if (sites)
		muster_buf_printf(b, L(", %zu site%s", "，%zu 个站点%.0s"), nsites, central_s(nsites));
	muster_buf_printf(b, L("; amounts in %s\n", "；金额单位：%s\n"), unit_words(unit));

	struct table t = {NULL, 0, 0, 0, {0}};
	char **h = table_row(&t);
	size_t c = 0;
	h[c++] = strdup(key_header(s->by));
	if (has_names(s->by))
		h[c++] = strdup(L("name", "名称"));
	t.right[c] = 1;
	h[c++] = strdup(L("records", "笔数"));
	t.right[c] = 1;
	h[c++] = strdup(L("amount", "金额"));
	if (s->has_budget) {
		t.right[c] = 1;
		h[c++] = strdup(L("budget", "预算"));
		t.right[c] = 1;
		h[c++] = strdup(L("variance", "差额"));
		t.right[c] = 1;
		h[c++] = strdup(L("of budget", "执行率"));
	}
	for (size_t i = 0; i < c; i++)
		if (!h[i])
			die(EXIT_IO, "%s", L("out of memory", "内存不足"));
	t.ncols = c;
	for (size_t i = 0; i < s->n; i++)
		text_row(&t, s, &s->groups[i], s->groups[i].key, unit);
	text_row(&t, s, &s->all, L("total", "合计"), unit);
	table_out(&t, b);

	muster_buf_printf(b, L("not counted: %" PRIu64 " pending approval, ", "未计入：待审批 %" PRIu64 " 笔，"),
		s->pending_count);
	put_amount(b, unit, 0, s->pending_total, 1);
	muster_buf_printf(b, L(" %s; %" PRIu64 " rejected, ", " %s；已驳回 %" PRIu64 " 笔，"), unit_words(unit),
		s->rejected_count);
	put_amount(b, unit, 0, s->rejected_total, 1);
	muster_buf_printf(b, " %s\n", unit_words(unit));
	if (sites) {
		muster_buf_puts(b, L("sites read: ", "所读站点："));
		for (size_t i = 0; i < nsites; i++)
			muster_buf_printf(b, "%s%s", i ? L(", ", "、") : "", sites[i]);
		if (!nsites)
			muster_buf_puts(b, L("none", "无"));
		muster_buf_puts(b, "\n");
	}
}

static void json_amount(muster_buf *b, const char *name, uint64_t fen, int unit)
{
	muster_buf_printf(b, ",\"%s\":%" PRIu64 ",\"%s_text\":\"", name, fen, name);
	put_amount(b, unit, 0, fen, 1);
	muster_buf_puts(b, "\"");
}

/* extra: members to add at the end of the object (a --mirrors breakdown), or NULL. */
static void json_group(muster_buf *b, const muster_summary *s, const muster_summary_group *g, int unit, int key,
	const muster_buf *extra)
{
	muster_buf_puts(b, "{");
	if (key) {
		muster_buf_puts(b, "\"key\":");
		muster_json_str(b, g->key, g->key_len);
		if (has_names(s->by)) {
			muster_buf_puts(b, ",\"name\":");
			if (g->name)
				muster_json_str(b, g->name, g->name_len);
			else
				muster_buf_puts(b, "null");
		}
		muster_buf_puts(b, ",");
	}
	muster_buf_printf(b, "\"count\":%" PRIu64, g->count);
	json_amount(b, "total", g->total, unit);
	if (s->has_budget) {
		json_amount(b, "budget", g->budget, unit);
		muster_buf_printf(b, ",\"variance\":%" PRId64 ",\"variance_text\":\"", g->variance);
		put_signed(b, unit, g->variance, 1);
		muster_buf_puts(b, "\"");
		if (g->budget) {
			muster_buf_printf(b, ",\"rate_bp\":%" PRIu64 ",\"rate_text\":\"", g->rate);
			put_rate(b, g->rate);
			muster_buf_puts(b, "%\"");
		} else {
			muster_buf_puts(b, ",\"rate_bp\":null,\"rate_text\":null");
		}
	}
	if (extra)
		muster_buf_put(b, extra->data, extra->len);
	muster_buf_puts(b, "}");
}

/*
 * extra: for a --mirrors summary, each group's members to add (n + 1 of
 * them, the last for the total) and the top-level ones; NULL otherwise.
 */
static void json_out(muster_buf *b, const muster_summary *s, const muster_summary_query *q, int unit,
	const muster_buf *extra, const muster_buf *top)
{
	muster_buf_printf(b, "{\"by\":\"%s\",\"unit\":\"%s\",\"year\":", muster_summary_by_name(s->by), unit_names[unit]);
	if (q->year)
		muster_buf_printf(b, "%u", q->year);
	else
		muster_buf_puts(b, "null");
	muster_buf_puts(b, ",\"team\":");
	q->team ? muster_json_cstr(b, q->team) : muster_buf_puts(b, "null");
	muster_buf_puts(b, ",\"fund\":");
	q->fund ? muster_json_cstr(b, q->fund) : muster_buf_puts(b, "null");
	muster_buf_puts(b, ",\"groups\":[");
	for (size_t i = 0; i < s->n; i++) {
		muster_buf_puts(b, i ? ",\n" : "\n");
		json_group(b, s, &s->groups[i], unit, 1, extra ? &extra[i] : NULL);
	}
	muster_buf_puts(b, "],\n\"total\":");
	json_group(b, s, &s->all, unit, 0, extra ? &extra[s->n] : NULL);
	muster_buf_printf(b, ",\n\"pending\":{\"count\":%" PRIu64, s->pending_count);
	json_amount(b, "total", s->pending_total, unit);
	muster_buf_printf(b, "},\n\"rejected\":{\"count\":%" PRIu64, s->rejected_count);
	json_amount(b, "total", s->rejected_total, unit);
	muster_buf_puts(b, "}");
	if (top)
		muster_buf_put(b, top->data, top->len);
	muster_buf_puts(b, "}\n");
}

static void csv_out(muster_buf *b, const muster_summary *s, int unit)
{
	static const char *const u_zh[] = {"分", "元", "万元"};
	char h[64];
	muster_buf_puts(b, "\xef\xbb\xbf");
	csv_cstr(b, cli_zh() ? key_header(s->by) : muster_summary_by_name(s->by), 1);
	if (has_names(s->by))
		csv_cstr(b, L("name", "名称"), 0);
	csv_cstr(b, L("count", "笔数"), 0);
	static const char *const what_en[] = {"amount", "budget", "variance"}, *const what_zh[] = {"金额", "预算", "差额"};
	for (int i = 0; i < (s->has_budget ? 3 : 1); i++) {
		if (cli_zh())
			snprintf(h, sizeof h, "%s(%s)", what_zh[i], u_zh[unit]);
		else
			snprintf(h, sizeof h, "%s_%s", what_en[i], unit_names[unit]);
		csv_cstr(b, h, 0);
	}
	if (s->has_budget)
		csv_cstr(b, L("rate_percent", "执行率(%)"), 0);
	muster_buf_puts(b, "\r\n");
	for (size_t i = 0; i < s->n; i++) {
		const muster_summary_group *g = &s->groups[i];
		csv_field(b, g->key, g->key_len, 1);
		if (has_names(s->by))
			csv_field(b, g->name ? g->name : "", g->name ? g->name_len : 0, 0);
		muster_buf_printf(b, ",%" PRIu64 ",", g->count);
		put_amount(b, unit, 0, g->total, 0);
		if (s->has_budget) {
			muster_buf_puts(b, ",");
			put_amount(b, unit, 0, g->budget, 0);
			muster_buf_puts(b, ",");
			put_signed(b, unit, g->variance, 0);
			muster_buf_puts(b, ",");
			if (g->budget)
				put_rate(b, g->rate);
		}
		muster_buf_puts(b, "\r\n");
	}
}

/* ---- --mirrors: one summary of every site ---------------------------------------------- */

/* A group of one site's summary, while merging. */
struct part {
	const muster_summary_group *g;
	size_t site; /* index into the summaries */
};

static int part_cmp(const void *pa, const void *pb)
{
	const struct part *a = pa, *b = pb;
	size_t n = a->g->key_len < b->g->key_len ? a->g->key_len : b->g->key_len;
	int c = memcmp(a->g->key, b->g->key, n);
	if (c)
		return c;
	if (a->g->key_len != b->g->key_len)
		return a->g->key_len < b->g->key_len ? -1 : 1;
	return a->site < b->site ? -1 : a->site > b->site;
}

static void group_add(muster_summary_group *to, const muster_summary_group *g)
{
	to->count += g->count;
	to->total += g->total;
	to->budget += g->budget;
}

/* variance and rate from the sums, as core/summary.c computes them */
static void group_finish(muster_summary_group *g)
{
	g->variance = (int64_t)(g->total - g->budget);
	g->rate = g->budget ? (uint64_t)(((unsigned __int128)g->total * 10000 + g->budget / 2) / g->budget) : 0;
}

/* ,"sites":[{"origin","count","total"(,"budget")},…]: a merged group's parts. */
static void parts_json(muster_buf *b, const muster_summary *m, const struct part *p, size_t n, const char *const *origin,
	int unit)
{
	muster_buf_puts(b, ",\"sites\":[");
	for (size_t i = 0; i < n; i++) {
		muster_buf_puts(b, i ? ",{\"origin\":" : "{\"origin\":");
		muster_json_cstr(b, origin[p[i].site]);
		muster_buf_printf(b, ",\"count\":%" PRIu64, p[i].g->count);
		json_amount(b, "total", p[i].g->total, unit);
		if (m->has_budget)
			json_amount(b, "budget", p[i].g->budget, unit);
		muster_buf_puts(b, "}");
	}
	muster_buf_puts(b, "]");
}

static int summary_mirrors(const struct opts *o, const muster_summary_query *q, int unit, int csv)
{
	struct sites ss;
	central_list_if(o, &ss, central_has_spending);
	muster_summary *sum = calloc(ss.n ? ss.n : 1, sizeof *sum);
	const char **origin = calloc(ss.n ? ss.n : 1, sizeof *origin);
	struct site **used = calloc(ss.n ? ss.n : 1, sizeof *used);
	if (!sum || !origin || !used)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	size_t nsum = 0, read = 0, nparts = 0;
	for (size_t k = 0; k < ss.n; k++) {
		muster_store *s = central_open(&ss, k, NULL);
		if (!s)
			continue;
		muster_snap *sn = cli_snapshot(s);
		read++;
		if (central_registered(sn, q->team, q->fund)) {
			int rc = muster_spend_summary(sn, q, &sum[nsum]);
			if (rc)
				die(cli_exit_code(rc), L("cannot summarise spending: %s", "无法汇总支出：%s"), cli_strerror(rc));
			nparts += sum[nsum].n;
			origin[nsum] = ss.v[k].origin;
			used[nsum++] = &ss.v[k];
		}
		muster_snap_end(sn);
		central_close(&ss, k);
	}
	if ((q->team || q->fund) && !nsum && read)
		central_no_site(q->team, q->fund);

	/* Every site's groups, by key (then site): equal keys become one group, their sums added. */
	struct part *parts = calloc(nparts ? nparts : 1, sizeof *parts);
	muster_summary m;
	memset(&m, 0, sizeof m);
	m.by = q->by;
	m.has_budget = q->by == MUSTER_BY_FUND || q->by == MUSTER_BY_TEAM || q->by == MUSTER_BY_YEAR;
	m.groups = calloc(nparts ? nparts : 1, sizeof *m.groups);
	size_t *first = calloc(nparts + 1, sizeof *first); /* group i's parts: parts[first[i] .. first[i + 1]) */
	if (!parts || !m.groups || !first)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	size_t np = 0;
	for (size_t i = 0; i < nsum; i++)
		for (size_t j = 0; j < sum[i].n; j++)
			parts[np++] = (struct part){&sum[i].groups[j], i};
	if (np)
		qsort(parts, np, sizeof *parts, part_cmp);
	m.all.key = "total", m.all.key_len = 5;
	for (size_t i = 0; i < np; i++) {
		const muster_summary_group *g = parts[i].g;
		if (i == 0 || g->key_len != m.groups[m.n - 1].key_len || memcmp(g->key, m.groups[m.n - 1].key, g->key_len) != 0) {
			first[m.n] = i;
			muster_summary_group *ng = &m.groups[m.n++];
			ng->key = g->key, ng->key_len = g->key_len;
		}
		muster_summary_group *cur = &m.groups[m.n - 1];
		if (!cur->name && g->name) /* the first site's name for a key two sites share */
			cur->name = g->name, cur->name_len = g->name_len;
		group_add(cur, g);
	}
	first[m.n] = np;
	for (size_t i = 0; i < m.n; i++)
		group_finish(&m.groups[i]);
	for (size_t i = 0; i < nsum; i++) {
		group_add(&m.all, &sum[i].all);
		m.pending_count += sum[i].pending_count, m.pending_total += sum[i].pending_total;
		m.rejected_count += sum[i].rejected_count, m.rejected_total += sum[i].rejected_total;
	}
	group_finish(&m.all);

	muster_buf b = {0};
	if (o->json) {
		muster_buf *extra = calloc(m.n + 1, sizeof *extra), top = {0};
		if (!extra)
			die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
		for (size_t i = 0; i < m.n; i++)
			parts_json(&extra[i], &m, parts + first[i], first[i + 1] - first[i], origin, unit);
		muster_buf_puts(&top, ",\n\"sites\":[");
		for (size_t i = 0; i < nsum; i++) {
			muster_buf_puts(&top, i ? "," : "");
			central_site_json(&top, used[i]);
			muster_buf_printf(&top, ",\"count\":%" PRIu64, sum[i].all.count);
			json_amount(&top, "total", sum[i].all.total, unit);
			if (m.has_budget)
				json_amount(&top, "budget", sum[i].all.budget, unit);
			muster_buf_puts(&top, "}");
		}
		central_left_out_json(&top, &ss, nsum);
		muster_buf_puts(&top, "]");
		json_out(&b, &m, q, unit, extra, &top);
		for (size_t i = 0; i <= m.n; i++)
			muster_buf_free(&extra[i]);
		free(extra);
		muster_buf_free(&top);
	} else if (csv) {
		csv_out(&b, &m, unit);
	} else {
		text_out(&b, &m, q, unit, origin, nsum);
	}
	free(first);
	free(parts);
	free(m.groups);
	for (size_t i = 0; i < nsum; i++)
		muster_summary_free(&sum[i]);
	free(sum);
	free(origin);
	free(used);
	int code = central_exit(&ss, EXIT_OK);
	central_free(&ss);
	cli_emit(&b);
	return code;
}

/* ---- the command ----------------------------------------------------------------------- */

int cmd_audit_summary(const struct opts *o)
{
	static const char *const allowed[] = {"by", "year", "team", "fund", "unit", "csv", NULL};
	cli_only(o, "muster audit summary", allowed);
	if (o->npos > 2)
		die(EXIT_USAGE, L("'muster audit summary' takes no operand ('%s'); see 'muster --help'",
				    "'muster audit summary' 不接受操作数 ('%s')；参见 'muster --help'"),
			o->pos[2]);
	muster_summary_query q = {0, 0, cli_opt(o, "team"), cli_opt(o, "fund")};
	const char *by = cli_opt(o, "by"), *unit_s = cli_opt(o, "unit"), *csv = cli_opt(o, "csv");
	if (!by)
		die(EXIT_USAGE, "%s", L("give --by fund|team|year|month|category|vendor|type",
					"请用 --by 指定 fund|team|year|month|category|vendor|type"));
	if ((q.by = muster_summary_by_parse(by)) < 0)
		die(EXIT_USAGE, L("--by '%s' is not one of fund team year month category vendor type",
				    "--by '%s' 无效；可用 fund team year month category vendor type"),
			by);
	int unit = U_YUAN;
	if (unit_s) {
		for (unit = 0; unit_names[unit] && strcmp(unit_names[unit], unit_s) != 0; unit++)
			;
		if (!unit_names[unit])
			die(EXIT_USAGE, L("--unit '%s' is not one of fen yuan wan", "--unit '%s' 无效；可用 fen（分）yuan（元）wan（万元）"),
				unit_s);
	}
	if (csv && *csv)
		die(EXIT_USAGE, L("--csv takes no value (got '%s')", "--csv 不带值（给出了 '%s'）"), csv);
	if (csv && o->json)
		die(EXIT_USAGE, "%s", L("give --json or --csv, not both", "--json 与 --csv 只能选一个"));
	if (cli_opt(o, "year")) {
		uint64_t y = cli_uint("--year", cli_opt(o, "year"));
		if (y < 1000 || y > 9999)
			die(EXIT_USAGE, L("--year %" PRIu64 " is not a year: give four digits, e.g. 2026",
					    "--year %" PRIu64 " 不是年份：请写四位数字，如 2026"),
				y);
		q.year = (unsigned)y;
	}
	if (o->mirrors)
		return summary_mirrors(o, &q, unit, csv != NULL);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	muster_rec r;
	int no_team = q.team && (strlen(q.team) > 32 || muster_row_cget(sn, MUSTER_T_TEAM, q.team, &r) != 0);
	int no_fund = !no_team && q.fund && (strlen(q.fund) > 32 || muster_row_cget(sn, MUSTER_T_FUND, q.fund, &r) != 0);
	if (no_team || no_fund) { /* closed first: nothing is left for a leak checker to find on the way out */
		muster_snap_end(sn);
		muster_store_close(s);
	}
	if (no_team)
		die(EXIT_NOTFOUND, L("team '%s' is not registered; see 'muster team list'",
				       "队伍 '%s' 未登记；参见 'muster team list'"),
			q.team);
	if (no_fund)
		die(EXIT_NOTFOUND, L("fund '%s' is not registered; see 'muster fund list'",
				       "资金 '%s' 未登记；参见 'muster fund list'"),
			q.fund);
	muster_summary sum;
	int rc = muster_spend_summary(sn, &q, &sum);
	if (rc)
		die(cli_exit_code(rc), L("cannot summarise spending: %s", "无法汇总支出：%s"), cli_strerror(rc));
	muster_buf b = {0};
	if (o->json)
		json_out(&b, &sum, &q, unit, NULL, NULL);
	else if (csv)
		csv_out(&b, &sum, unit);
	else
		text_out(&b, &sum, &q, unit, NULL, 0);
	muster_summary_free(&sum);
	muster_snap_end(sn);
	cli_emit(&b);
	muster_store_close(s);
	return EXIT_OK;
}
