/*
 * report.c - the audit report as CSV and as an A4 PDF (report.h).
 *
 * The PDF is laid out top to bottom in points: a cursor moves down the page
 * and need() starts the next page when a block would not fit; tables repeat
 * their header row there.  Every string goes through pango, so every number
 * is in the text layer, where pdftotext and a reader's search find it.
 *
 * Amounts in the PDF (tests grep for them): yuan with a comma every three
 * digits and two decimals, "1,234,567.89", "-1,717.51" when negative.  The
 * totals block writes them "¥1,234,567.89" (U+00A5; a negative variance
 * "-¥949,500.00"), the counted total followed by plain fen, "（123456789 分）";
 * the tables write them bare under a "元" header.  The chart's axis and bar
 * labels are in 万元 ("12.5").  The CSV writes fen as integers and yuan as
 * "1234567.89", without separators.
 */
#include "report.h"

#include "equip_cli.h"
#include "label.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <inttypes.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MONO_FAMILY "Noto Sans Mono CJK SC, monospace"

static const char *disp_name(int d, int zh)
{
	const muster_field *f = muster_field_get(MF_DISPOSITION);
	if (d < MUSTER_DISP_EXPLAINED || d > MUSTER_DISP_REFERRED)
		return "?";
	return zh ? f->enums_zh[d] : f->enums[d];
}

static int serious(const muster_finding *f)
{
	return muster_check_severity(f->check) == MUSTER_SEV_SERIOUS;
}

/*
 * The length of s[0..n)'s longest valid UTF-8 prefix: the finding messages
 * are cut to their arrays by snprintf and may end inside a character.
 */
static size_t utf8_len(const char *s, size_t n)
{
	const char *end;
	g_utf8_validate(s, (gssize)n, &end);
	return (size_t)(end - s);
}

/* ---- CSV ------------------------------------------------------------------------------- */

/* A text field, cut to valid UTF-8. */
static void csv_text(muster_buf *b, const char *s, size_t n, int first)
{
	csv_field(b, s, utf8_len(s, n), first);
}

static void csv_ctext(muster_buf *b, const char *s, int first)
{
	csv_text(b, s, strlen(s), first);
}

static void csv_end(muster_buf *b)
{
	muster_buf_puts(b, "\r\n");
}

static void csv_title(muster_buf *b, const char *title, int first)
{
	if (!first)
		csv_end(b); /* the blank row between sections */
	csv_cstr(b, title, 1);
	csv_end(b);
}

static void csv_heads(muster_buf *b, const char *const *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		csv_cstr(b, h[i], i == 0);
	csv_end(b);
}

static void csv_kv(muster_buf *b, const char *k, const char *v)
{
	csv_cstr(b, k, 1);
	csv_cstr(b, v, 0);
	csv_end(b);
}

static void csv_kvu(muster_buf *b, const char *k, uint64_t v)
{
	csv_cstr(b, k, 1);
	muster_buf_printf(b, ",%" PRIu64, v);
	csv_end(b);
}

static void csv_head(const struct report *r, muster_buf *b)
{
	static const char *const h[] = {"项目 field", "值 value"};
	csv_title(b, "审计报告 Audit report", 1);
	csv_heads(b, h, 2);
	csv_cstr(b, "日志来源 origin", 1);
	csv_ctext(b, r->origin ? r->origin : "", 0);
	csv_end(b);
	csv_kvu(b, "年度 year", r->year);
	csv_kvu(b, "树大小 tree size", r->tree_size);
	csv_kv(b, "根哈希 root hash", r->root);
	csv_kv(b, "报告密钥 report key id", r->key_id);
	csv_kv(b, "生成时间 generated (Beijing time)", r->generated);
	csv_kvu(b, "审计发现 findings", r->nfindings);
	csv_kvu(b, "严重 serious", r->serious);
	csv_kvu(b, "未处理 open", r->open);
}

static void csv_finding(muster_buf *b, const muster_finding *f)
{
	csv_ctext(b, f->id, 1);
	csv_cstr(b, muster_check_name(f->check), 0);
	csv_cstr(b, serious(f) ? "serious" : "warning", 0);
	/* Digits, spaces and "+": nothing to quote. */
	muster_buf_printf(b, ",%" PRIu64 ",", f->spend);
	for (size_t i = 0; i < f->nevidence; i++)
		muster_buf_printf(b, "%s%" PRIu64, i ? " " : "", f->evidence[i]);
	if (f->more)
		muster_buf_printf(b, " +%zu", f->more);
	csv_ctext(b, f->zh, 0);
	csv_ctext(b, f->en, 0);
	csv_cstr(b, f->disposition >= 0 ? disp_name(f->disposition, 0) : "", 0);
	csv_end(b);
}

static void csv_findings(const struct report *r, muster_buf *b)
{
	static const char *const h[] = {"编号 id", "检查 check", "严重程度 severity", "支出条目 spend index",
		"证据条目 evidence indexes", "说明 message zh", "说明 message en", "处理 disposition"};
	csv_title(b, "审计发现 Findings", 0);
	csv_heads(b, h, sizeof h / sizeof h[0]);
	for (size_t i = 0; i < r->nfindings; i++)
		csv_finding(b, &r->findings[i]);
}

static void csv_fen_yuan(muster_buf *b, uint64_t fen)
{
	muster_buf_printf(b, ",%" PRIu64 ",%" PRIu64 ".%02u", fen, fen / 100, (unsigned)(fen % 100));
}

/* One row: key, name, count, total (fen, yuan) and, with budgets, budget (fen, yuan), variance, rate. */
static void csv_group(muster_buf *b, const muster_summary *s, const muster_summary_group *g, const char *key,
	const char *name)
{
	if (key)
		csv_cstr(b, key, 1);
	else
		csv_text(b, g->key, g->key_len, 1);
	if (name)
		csv_cstr(b, name, 0);
	else
		csv_text(b, g->name ? g->name : "", g->name ? g->name_len : 0, 0);
	muster_buf_printf(b, ",%" PRIu64, g->count);
	csv_fen_yuan(b, g->total);
	if (s->has_budget) {
		csv_fen_yuan(b, g->budget);
		muster_buf_printf(b, ",%" PRId64 ",", g->variance);
		if (g->budget)
			muster_buf_printf(b, "%" PRIu64 ".%02u", g->rate / 100, (unsigned)(g->rate % 100));
	}
	csv_end(b);
}

/* Pending and rejected spending is never in a group: count and total only, budget columns empty. */
static void csv_aside(muster_buf *b, const muster_summary *s, const char *key, const char *name, uint64_t count,
	uint64_t total)
{
	csv_cstr(b, key, 1);
	csv_cstr(b, name, 0);
	muster_buf_printf(b, ",%" PRIu64, count);
	csv_fen_yuan(b, total);
	if (s->has_budget)
		muster_buf_puts(b, ",,,,");
	csv_end(b);
}

static void csv_summary(muster_buf *b, const char *title, const char *key_head, const muster_summary *s)
{
	const char *h[] = {key_head, "名称 name", "笔数 count", "金额(分) total_fen", "金额(元) total_yuan",
		"预算(分) budget_fen", "预算(元) budget_yuan", "差额(分) variance_fen", "执行率(%) rate_percent"};
	if (!s)
		return;
	csv_title(b, title, 0);
	csv_heads(b, h, s->has_budget ? 9 : 5);
	for (size_t i = 0; i < s->n; i++)
		csv_group(b, s, &s->groups[i], NULL, NULL);
	csv_group(b, s, &s->all, "total", "合计");
	csv_aside(b, s, "pending", "待审批（未计入）", s->pending_count, s->pending_total);
	csv_aside(b, s, "rejected", "已驳回（未计入）", s->rejected_count, s->rejected_total);
}

void report_csv(const struct report *r, muster_buf *out)
{
	muster_buf_puts(out, "\xef\xbb\xbf");
	csv_head(r, out);
	csv_findings(r, out);
	csv_summary(out, "按资金汇总 By fund", "资金 fund", r->by_fund);
	csv_summary(out, "按队伍汇总 By team", "队伍 team", r->by_team);
	csv_summary(out, "按月份汇总 By month", "月份 month", r->by_month);
	csv_summary(out, "按支出类别汇总 By type", "支出类别 type", r->by_type);
	csv_summary(out, "按供应商汇总 By vendor", "供应商 vendor", r->by_vendor);
}

/* ---- amounts as text ------------------------------------------------------------------- */

#define AMOUNT_MAX 32 /* "-¥184,467,440,737,095,516.15" and a NUL */

/* Digits of v with a comma every three, at b; returns the end. */
static char *grouped(char *b, uint64_t v)
{
	char d[24];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n--) {
		*b++ = d[n];
		if (n && n % 3 == 0)
			*b++ = ',';
	}
	return b;
}

/* "1,234,567.89" (sign: "-" in front when neg), after prefix ("" or "¥"). */
static const char *yuan_as(char b[AMOUNT_MAX], int neg, const char *prefix, uint64_t fen)
{
	char *p = b;
	if (neg && fen)
		*p++ = '-';
	p += snprintf(p, 8, "%s", prefix);
	p = grouped(p, fen / 100);
	snprintf(p, 4, ".%02u", (unsigned)(fen % 100));
	return b;
}

static const char *yuan(char b[AMOUNT_MAX], uint64_t fen)
{
	return yuan_as(b, 0, "", fen);
}

static const char *signed_yuan(char b[AMOUNT_MAX], const char *prefix, int64_t fen)
{
	return yuan_as(b, fen < 0, prefix, fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen);
}

/* fen in 万元 with dec decimals (0..6), rounded half up: "12.5". */
static const char *wan(char b[AMOUNT_MAX], uint64_t fen, int dec)
{
	uint64_t unit = 1000000, scale = 1;
	for (int i = 0; i < dec; i++)
		unit /= 10, scale *= 10;
	uint64_t q = fen / unit + (fen % unit >= (unit + 1) / 2);
	if (dec)
		snprintf(b, AMOUNT_MAX, "%" PRIu64 ".%0*" PRIu64, q / scale, dec, q % scale);
	else
		snprintf(b, AMOUNT_MAX, "%" PRIu64, q);
	return b;
}

/* "87.50%" from hundredths of a percent. */
static const char *rate(char b[AMOUNT_MAX], uint64_t bp)
{
	snprintf(b, AMOUNT_MAX, "%" PRIu64 ".%02u%%", bp / 100, (unsigned)(bp % 100));
	return b;
}

/* ---- the page -------------------------------------------------------------------------- */

#define PAGE_W 595.276 /* A4 in points */
#define PAGE_H 841.89
#define LEFT 50.0
#define WIDTH (PAGE_W - 2 * LEFT)
#define TOP 52.0
#define BOTTOM (PAGE_H - 62) /* content stops here; the footer sits below */
#define PAD_X 4.0            /* inside a table cell */
#define PAD_Y 2.5
#define MAX_COLS 8

/* Point sizes. */
#define SZ_TITLE 17.0
#define SZ_SUB 10.5
#define SZ_H2 11.5
#define SZ_BODY 8.5
#define SZ_TABLE 7.8
#define SZ_SMALL 6.8

enum { T_BOLD = 1, T_MONO = 2, T_RIGHT = 4, T_CENTER = 8 };

struct rgb {
	double r, g, b;
};

#define C_INK {0.12, 0.13, 0.15}
#define C_GREY {0.42, 0.44, 0.48}
#define C_WHITE {1, 1, 1}
#define C_RED {0.72, 0.11, 0.11}

static const struct rgb INK = C_INK, GREY = C_GREY, WHITE = C_WHITE, RULE = {0.75, 0.77, 0.80},
			ZEBRA = {0.945, 0.945, 0.945}, HEAD = {0.18, 0.27, 0.38}, BOX = {0.96, 0.97, 0.98};

struct pdf {
	const struct report *r;
	cairo_t *cr;
	struct cjk_text t; /* t.buf: clean()'s copy */
	int err;   /* ENOMEM when clean() could not copy */
	int page;  /* pages begun */
	double y;  /* the cursor: where the next block's top goes */
};

static void ink(struct pdf *p, struct rgb c)
{
	cairo_set_source_rgb(p->cr, c.r, c.g, c.b);
}

static void fill_rect(struct pdf *p, struct rgb c, double x, double y, double w, double h)
{
	ink(p, c);
	cairo_rectangle(p->cr, x, y, w, h);
	cairo_fill(p->cr);
}

static void hline(struct pdf *p, struct rgb c, double x, double y, double w, double lw)
{
	ink(p, c);
	cairo_set_line_width(p->cr, lw);
	cairo_move_to(p->cr, x, y);
	cairo_line_to(p->cr, x + w, y);
	cairo_stroke(p->cr);
}

/* s, or a copy of its longest valid UTF-8 prefix (utf8_len): pango refuses invalid text. */
static const char *clean(struct pdf *p, const char *s)
{
	size_t len = strlen(s), n = utf8_len(s, len);
	if (n == len)
		return s;
	if (n + 1 > p->t.cap) {
		char *b = realloc(p->t.buf, n + 1);
		if (!b) {
			p->err = ENOMEM;
			return "";
		}
		p->t.buf = b;
		p->t.cap = n + 1;
	}
	memcpy(p->t.buf, s, n);
	p->t.buf[n] = '\0';
	return p->t.buf;
}

/* Lays s out at size, wrapped to w (0: one line as long as it is); returns its height. */
static double lay(struct pdf *p, const char *s, double size, int flags, double w)
{
	pango_font_description_set_family(p->t.fd, (flags & T_MONO) ? MONO_FAMILY : FONT_FAMILY);
	pango_font_description_set_weight(p->t.fd, (flags & T_BOLD) ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_absolute_size(p->t.fd, size * PANGO_SCALE);
	pango_layout_set_font_description(p->t.lay, p->t.fd);
	pango_layout_set_width(p->t.lay, w > 0 ? (int)(w * PANGO_SCALE) : -1);
	pango_layout_set_alignment(p->t.lay, (flags & T_RIGHT) ? PANGO_ALIGN_RIGHT
					   : (flags & T_CENTER) ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
	pango_layout_set_text(p->t.lay, clean(p, s ? s : ""), -1);
	int h;
	pango_layout_get_size(p->t.lay, NULL, &h);
	return h / (double)PANGO_SCALE;
}

/* Shows s with its top left at (x, y) in the current colour; returns its height. */
static double text(struct pdf *p, const char *s, double x, double y, double size, int flags, double w)
{
	double h = lay(p, s, size, flags, w);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, p->t.lay);
	return h;
}

/* The same on one line, cut with "…" past w. */
static double text_line(struct pdf *p, const char *s, double x, double y, double size, int flags, double w)
{
	pango_layout_set_ellipsize(p->t.lay, PANGO_ELLIPSIZE_END);
	double h = text(p, s, x, y, size, flags, w);
	pango_layout_set_ellipsize(p->t.lay, PANGO_ELLIPSIZE_NONE);
	return h;
}

static void footer(struct pdf *p)
{
	char left[200], right[32];
	snprintf(left, sizeof left, "%s · 树大小 tree size %" PRIu64, p->r->origin ? p->r->origin : "",
		p->r->tree_size);
	snprintf(right, sizeof right, "第 %d 页", p->page);
	double y = PAGE_H - 44;
	hline(p, RULE, LEFT, y, WIDTH, 0.5);
	ink(p, GREY);
	text_line(p, left, LEFT, y + 5, SZ_SMALL, 0, WIDTH - 60);
	text(p, right, LEFT, y + 5, SZ_SMALL, T_RIGHT, WIDTH);
}

static void page_begin(struct pdf *p)
{
	p->page++;
	p->y = TOP;
	footer(p);
}

/* Starts a new page unless h more points fit on this one; 1 when it did. */
static int need(struct pdf *p, double h)
{
	if (p->y + h <= BOTTOM)
		return 0;
	cairo_show_page(p->cr);
	page_begin(p);
	return 1;
}

/* A section title, kept on one page with the first `keep` points of what follows. */
static void heading(struct pdf *p, const char *s, double keep)
{
	double h = lay(p, s, SZ_H2, T_BOLD, WIDTH);
	if (p->y > TOP)
		p->y += 14;
	need(p, h + 6 + keep);
	ink(p, HEAD);
	p->y += text(p, s, LEFT, p->y, SZ_H2, T_BOLD, WIDTH) + 1;
	hline(p, HEAD, LEFT, p->y, WIDTH, 0.8);
	p->y += 6;
}

/* ---- the title and the boxes of facts --------------------------------------------------- */

struct kv {
	const char *k, *v;
	int flags; /* of the value */
};

#define KEY_W 142.0
#define BOX_PAD 7.0

/* The height of kv_box's box. */
static double kv_height(struct pdf *p, const struct kv *kv, size_t n)
{
	double h = 2 * BOX_PAD;
	for (size_t i = 0; i < n; i++) {
		double kh = lay(p, kv[i].k, SZ_BODY, T_BOLD, KEY_W - 6);
		double vh = lay(p, kv[i].v, SZ_BODY, kv[i].flags, WIDTH - KEY_W - 16);
		h += (kh > vh ? kh : vh) + 3;
	}
	return h;
}

/* Key and value rows in a light box, kept on one page. */
static void kv_box(struct pdf *p, const struct kv *kv, size_t n)
{
	double h = kv_height(p, kv, n);
	need(p, h);
	fill_rect(p, BOX, LEFT, p->y, WIDTH, h);
	ink(p, RULE);
	cairo_set_line_width(p->cr, 0.6);
	cairo_rectangle(p->cr, LEFT, p->y, WIDTH, h);
	cairo_stroke(p->cr);
	double y = p->y + BOX_PAD;
	for (size_t i = 0; i < n; i++) {
		ink(p, GREY);
		double kh = text(p, kv[i].k, LEFT + 8, y, SZ_BODY, T_BOLD, KEY_W - 6);
		ink(p, INK);
		double vh = text(p, kv[i].v, LEFT + KEY_W + 8, y, SZ_BODY, kv[i].flags, WIDTH - KEY_W - 16);
		y += (kh > vh ? kh : vh) + 3;
	}
	p->y += h;
}

static void title(struct pdf *p)
{
	char t[120], sub[80];
	snprintf(t, sizeof t, "应急救援队伍运行维护费审计报告 %u", p->r->year);
	snprintf(sub, sizeof sub, "Audit report, fiscal year %u", p->r->year);
	ink(p, INK);
	p->y += text(p, t, LEFT, p->y, SZ_TITLE, T_BOLD, WIDTH);
	ink(p, GREY);
	p->y += text(p, sub, LEFT, p->y, SZ_SUB, 0, WIDTH) + 4;
	hline(p, HEAD, LEFT, p->y, WIDTH, 1.6);
	p->y += 12;
}

static void provenance(struct pdf *p)
{
	const struct report *r = p->r;
	char size[64], when[64], how[1024];
	const char *file = r->file_name ? r->file_name : "FILE";
	snprintf(size, sizeof size, "树大小 tree size %" PRIu64, r->tree_size);
	snprintf(when, sizeof when, "%s 北京时间 Beijing time", r->generated);
	snprintf(how, sizeof how,
		"用 muster audit pubkey 给出的公钥验证签名文件 %s.minisig：minisign -Vm %s -P <公钥>。\n"
		"Verify the signature file %s.minisig with the key 'muster audit pubkey' prints: "
		"minisign -Vm %s -P <key>.",
		file, file, file, file);
	const struct kv kv[] = {
		{"日志来源 Origin", r->origin ? r->origin : "", 0},
		{"检查点 Checkpoint", size, 0},
		{"根哈希 Root hash", r->root, T_MONO},
		{"报告密钥 Report key", r->key_id, T_MONO},
		{"生成时间 Generated", when, 0},
		{"签名验证 Signature", how, 0},
	};
	kv_box(p, kv, sizeof kv / sizeof kv[0]);
}

/* The summary the totals come from: by fund, which carries the budgets, or any there is. */
static const muster_summary *totals_of(const struct report *r)
{
	const muster_summary *s[] = {r->by_fund, r->by_team, r->by_month, r->by_type, r->by_vendor};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		if (s[i])
			return s[i];
	return NULL;
}

static void totals(struct pdf *p)
{
	const muster_summary *s = totals_of(p->r);
	if (!s)
		return;
	const muster_summary_group *g = &s->all;
	char a[AMOUNT_MAX], b[AMOUNT_MAX], c[AMOUNT_MAX], d[AMOUNT_MAX], e[AMOUNT_MAX];
	char spent[128], budget[96], variance[96], pending[96], rejected[96], findings[128];
	snprintf(spent, sizeof spent, "%s（%" PRIu64 " 分），%" PRIu64 " 笔 records", yuan_as(a, 0, "¥", g->total),
		g->total, g->count);
	snprintf(budget, sizeof budget, "%s（%" PRIu64 " 分）", yuan_as(b, 0, "¥", g->budget), g->budget);
	snprintf(variance, sizeof variance, "%s（%s）", signed_yuan(c, "¥", g->variance),
		g->variance > 0 ? "超出预算 over budget" : "未超预算 within budget");
	snprintf(pending, sizeof pending, "%" PRIu64 " 笔 records, %s", s->pending_count,
		yuan_as(d, 0, "¥", s->pending_total));
	snprintf(rejected, sizeof rejected, "%" PRIu64 " 笔 records, %s", s->rejected_count,
		yuan_as(e, 0, "¥", s->rejected_total));
	snprintf(findings, sizeof findings, "%zu 项，严重 %zu 项，未处理 %zu 项 (%zu findings, %zu serious, %zu open)",
		p->r->nfindings, p->r->serious, p->r->open, p->r->nfindings, p->r->serious, p->r->open);
	char rt[AMOUNT_MAX];
	struct kv kv[8];
	size_t n = 0;
	kv[n++] = (struct kv){"已计入支出 Counted spending", spent, T_BOLD};
	if (s->has_budget) {
		kv[n++] = (struct kv){"预算 Budget", budget, 0};
		kv[n++] = (struct kv){"差额 Variance", variance, 0};
		kv[n++] = (struct kv){"执行率 Execution rate", g->budget ? rate(rt, g->rate) : "无预算 no budget", 0};
	}
	kv[n++] = (struct kv){"待审批（未计入）Pending", pending, 0};
	kv[n++] = (struct kv){"已驳回（未计入）Rejected", rejected, 0};
	kv[n++] = (struct kv){"审计发现 Findings", findings, 0};
	heading(p, "支出合计 Totals", kv_height(p, kv, n));
	kv_box(p, kv, n);
}

/* ---- the chart ------------------------------------------------------------------------- */

#define CHART_H 170.0  /* the plot, without labels */
#define AXIS_W 34.0    /* the y labels left of the plot */
#define LEGEND_COLS 3

/* Tableau 10: distinct, and readable printed in grey. */
static const struct rgb palette[] = {
	{0.306, 0.475, 0.655}, {0.949, 0.557, 0.169}, {0.882, 0.341, 0.349}, {0.463, 0.718, 0.698},
	{0.349, 0.631, 0.310}, {0.929, 0.788, 0.282}, {0.690, 0.478, 0.631}, {1.000, 0.616, 0.655},
	{0.612, 0.459, 0.373}, {0.729, 0.690, 0.675},
};
#define NPALETTE (sizeof palette / sizeof palette[0])

/* Past ten funds the colours come round again, each round lighter. */
static struct rgb fund_colour(size_t f)
{
	struct rgb c = palette[f % NPALETTE];
	double t = 0.45 * (double)(f / NPALETTE % 3) / 2;
	return (struct rgb){c.r + (1 - c.r) * t, c.g + (1 - c.g) * t, c.b + (1 - c.b) * t};
}

static uint64_t month_total(const struct report *r, int m)
{
	uint64_t t = 0;
	for (size_t f = 0; f < r->nfunds; f++)
		t += r->fund_month[f][m];
	return t;
}

/* The y axis: ticks steps of step fen up to top, labelled with dec decimals of 万元. */
struct axis {
	uint64_t step, top;
	int dec;
};

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* The smallest step of 1, 2 or 5 times a power of ten that reaches max in at most five. */
static uint64_t nice_step(uint64_t max)
{
	static const uint64_t m[] = {1, 2, 5};
	for (uint64_t mag = 1;; mag *= 10) /* 5e18 reaches any max: mag never overflows */
		for (int i = 0; i < 3; i++)
			if (ceil_div(max, m[i] * mag) <= 5)
				return m[i] * mag;
}

static struct axis axis_for(uint64_t max)
{
	struct axis a = {0, 0, 0};
	if (max < 1000000)
		max = 1000000; /* at least 1 万元 */
	a.step = nice_step(max);
	a.top = ceil_div(max, a.step) * a.step;
	for (uint64_t u = 1000000; a.dec < 6 && a.step % u != 0; u /= 10)
		a.dec++;
	return a;
}

static void chart_axis(struct pdf *p, const struct axis *a, double x0, double y0, double w)
{
	char b[AMOUNT_MAX];
	ink(p, GREY);
	text(p, "万元", x0 - AXIS_W, y0 - 14, SZ_SMALL, 0, AXIS_W - 4);
	for (uint64_t v = 0; v <= a->top; v += a->step) {
		double y = y0 + CHART_H - CHART_H * (double)v / (double)a->top;
		hline(p, v ? RULE : GREY, x0, y, w, v ? 0.4 : 0.8);
		ink(p, GREY);
		double h = lay(p, wan(b, v, a->dec), SZ_SMALL, T_RIGHT, AXIS_W - 4);
		text(p, b, x0 - AXIS_W, y - h / 2, SZ_SMALL, T_RIGHT, AXIS_W - 4);
	}
}

static void chart_bar(struct pdf *p, const struct axis *a, int m, double x, double bw, double y0)
{
	const struct report *r = p->r;
	double base = y0 + CHART_H;
	for (size_t f = 0; f < r->nfunds; f++) {
		double h = CHART_H * (double)r->fund_month[f][m] / (double)a->top;
		if (h <= 0)
			continue;
		fill_rect(p, fund_colour(f), x, base - h, bw, h);
		base -= h;
		if (f + 1 < r->nfunds)
			hline(p, WHITE, x, base, bw, 0.4); /* keeps neighbouring segments apart */
	}
	uint64_t t = month_total(r, m);
	if (t) {
		char b[AMOUNT_MAX];
		ink(p, INK);
		/* One decimal more than the axis: bars between two gridlines differ. */
		text(p, wan(b, t, a->dec + 1), x - 6, base - 10, SZ_SMALL - 0.8, T_CENTER, bw + 12);
	}
}

static double chart_legend(struct pdf *p, double y)
{
	const struct report *r = p->r;
	double cw = WIDTH / LEGEND_COLS, h = 0;
	for (size_t f = 0; f < r->nfunds; f++) {
		double x = LEFT + cw * (double)(f % LEGEND_COLS);
		if (f && f % LEGEND_COLS == 0)
			y += h, h = 0;
		char b[200];
		const char *name = r->fund_name && r->fund_name[f] ? r->fund_name[f] : "";
		snprintf(b, sizeof b, "%s %s", r->fund_code[f], name);
		fill_rect(p, fund_colour(f), x, y + 2.5, 8, 8);
		ink(p, INK);
		double th = text_line(p, b, x + 11, y, SZ_SMALL, 0, cw - 16);
		if (th > h)
			h = th;
	}
	return y + h;
}

static void chart(struct pdf *p)
{
	const struct report *r = p->r;
	size_t legend_rows = (r->nfunds + LEGEND_COLS - 1) / LEGEND_COLS;
	heading(p, "按资金与月份的支出 Spending by fund and month", CHART_H + 44 + 14 * (double)legend_rows);
	uint64_t max = 0;
	for (int m = 0; m < 12; m++)
		if (month_total(r, m) > max)
			max = month_total(r, m);
	struct axis a = axis_for(max);
	double x0 = LEFT + AXIS_W, w = WIDTH - AXIS_W, y0 = p->y + 16, slot = w / 12;
	chart_axis(p, &a, x0, y0, w);
	if (max == 0) {
		ink(p, GREY);
		text(p, "本年度无已计入支出 No counted spending this year", x0, y0 + CHART_H / 2 - 8, SZ_BODY, T_CENTER, w);
	}
	for (int m = 0; m < 12; m++) {
		char label[16];
		double x = x0 + slot * m;
		chart_bar(p, &a, m, x + slot * 0.2, slot * 0.6, y0);
		snprintf(label, sizeof label, "%d月", m + 1);
		ink(p, GREY);
		text(p, label, x, y0 + CHART_H + 3, SZ_SMALL, T_CENTER, slot);
	}
	p->y = chart_legend(p, y0 + CHART_H + 18) + 4;
}

/* ---- tables ---------------------------------------------------------------------------- */

struct col {
	const char *head; /* "中文\nEnglish" */
	double w;         /* points; 0: what the others leave */
	int flags;
};

struct table {
	struct col c[MAX_COLS];
	size_t n;
	const char *title;
	double keep;  /* points of rows to keep with the title and header */
	int started;  /* the title and header are drawn */
	size_t rows;  /* since the last header, for the zebra */
};

/* How a row is drawn: flags added to every cell's, its colour, and the first cell's colour. */
struct style {
	int flags;
	struct rgb ink, first;
	double size;
};

static const struct style S_HEAD = {T_BOLD, C_WHITE, C_WHITE, SZ_SMALL},
			  S_PLAIN = {0, C_INK, C_INK, SZ_TABLE},
			  S_TOTAL = {T_BOLD, C_INK, C_INK, SZ_TABLE},
			  S_ASIDE = {0, C_GREY, C_GREY, SZ_TABLE},
			  S_ALERT = {0, C_INK, C_RED, SZ_TABLE}; /* a serious finding: its severity in red */

/* Bold rows (the header, totals) hold words, not codes: never in the monospace face. */
static int cell_flags(const struct table *t, size_t i, const struct style *st)
{
	return (st->flags & T_BOLD ? t->c[i].flags & ~T_MONO : t->c[i].flags) | st->flags;
}

/* The row's height: its tallest cell. */
static double row_height(struct pdf *p, const struct table *t, const char *const *cell, const struct style *st)
{
	double h = 0;
	for (size_t i = 0; i < t->n; i++) {
		double ch = lay(p, cell[i], st->size, cell_flags(t, i, st), t->c[i].w - 2 * PAD_X);
		if (ch > h)
			h = ch;
	}
	return h + 2 * PAD_Y;
}

static void row_cells(struct pdf *p, const struct table *t, const char *const *cell, const struct style *st)
{
	double x = LEFT;
	for (size_t i = 0; i < t->n; i++) {
		ink(p, i ? st->ink : st->first);
		text(p, cell[i], x + PAD_X, p->y + PAD_Y, st->size, cell_flags(t, i, st), t->c[i].w - 2 * PAD_X);
		x += t->c[i].w;
	}
}

static void table_head(struct pdf *p, struct table *t)
{
	const char *h[MAX_COLS];
	for (size_t i = 0; i < t->n; i++)
		h[i] = t->c[i].head;
	double rh = row_height(p, t, h, &S_HEAD);
	fill_rect(p, HEAD, LEFT, p->y, WIDTH, rh);
	row_cells(p, t, h, &S_HEAD);
	p->y += rh;
	t->rows = 0;
}

#define ROW_GUESS 15.0 /* a one-line row */
#define KEEP_ROWS 8    /* a table this long or shorter starts on a page it fits on */

/* Gives the flexible column what is left; nothing is drawn before the first row. */
static void table_begin(struct table *t, const char *title, size_t nrows)
{
	double used = 0;
	for (size_t i = 0; i < t->n; i++)
		used += t->c[i].w;
	for (size_t i = 0; i < t->n; i++)
		if (t->c[i].w == 0)
			t->c[i].w = WIDTH - used;
	t->title = title;
	t->keep = ROW_GUESS * (double)(nrows < KEEP_ROWS ? nrows : KEEP_ROWS);
	t->started = 0;
}

/* The title and the header, on a page with room for the first row (first points) or t->keep under them. */
static void table_start(struct pdf *p, struct table *t, double first)
{
	const char *h[MAX_COLS];
	for (size_t i = 0; i < t->n; i++)
		h[i] = t->c[i].head;
	double keep = first > t->keep ? first : t->keep;
	heading(p, t->title, row_height(p, t, h, &S_HEAD) + keep);
	table_head(p, t);
	t->started = 1;
}

/* A body row, zebra-striped; a total row stands on a rule.  After a page break the header comes again. */
static void table_row(struct pdf *p, struct table *t, const char *const *cell, const struct style *st)
{
	double h = row_height(p, t, cell, st);
	if (!t->started)
		table_start(p, t, h);
	else if (need(p, h))
		table_head(p, t);
	if (st == &S_TOTAL)
		hline(p, INK, LEFT, p->y, WIDTH, 0.8);
	else if (t->rows++ % 2)
		fill_rect(p, ZEBRA, LEFT, p->y, WIDTH, h);
	row_cells(p, t, cell, st);
	p->y += h;
}

static void table_end(struct pdf *p)
{
	hline(p, RULE, LEFT, p->y, WIDTH, 0.5);
}

/* ---- the summaries --------------------------------------------------------------------- */

#define TOP_VENDORS 30 /* draw_pages' title for the vendor table says 30 too */

static int has_names(const muster_summary *s)
{
	return s->by == MUSTER_BY_FUND || s->by == MUSTER_BY_TEAM || s->by == MUSTER_BY_VENDOR ||
	       s->by == MUSTER_BY_TYPE;
}

/* One row's strings; v points at them in column order. */
struct cells {
	const char *v[MAX_COLS];
	char count[24], total[AMOUNT_MAX], budget[AMOUNT_MAX], variance[AMOUNT_MAX], rate[AMOUNT_MAX];
};

static void group_cells(struct cells *c, const muster_summary *s, const muster_summary_group *g, const char *key,
	const char *name)
{
	size_t n = 0;
	c->v[n++] = key ? key : g->key;
	if (has_names(s))
		c->v[n++] = name ? name : g->name ? g->name : "";
	snprintf(c->count, sizeof c->count, "%" PRIu64, g->count);
	c->v[n++] = c->count;
	c->v[n++] = yuan(c->total, g->total);
	if (s->has_budget) {
		c->v[n++] = g->budget ? yuan(c->budget, g->budget) : "-";
		c->v[n++] = signed_yuan(c->variance, "", g->variance);
		c->v[n++] = g->budget ? rate(c->rate, g->rate) : "-";
	}
}

static void summary_cols(struct table *t, const muster_summary *s, const char *key_head)
{
	int vendor = s->by == MUSTER_BY_VENDOR; /* credit codes: wider, and monospace */
	t->n = 0;
	/* Without names the key takes the room a name would. */
	t->c[t->n++] = (struct col){key_head, !has_names(s) ? 0 : vendor ? 100 : 64, vendor ? T_MONO : 0};
	if (has_names(s))
		t->c[t->n++] = (struct col){"名称\nName", 0, 0};
	t->c[t->n++] = (struct col){"笔数\nRecords", 40, T_RIGHT};
	t->c[t->n++] = (struct col){"金额（元）\nTotal, yuan", 82, T_RIGHT};
	if (s->has_budget) {
		t->c[t->n++] = (struct col){"预算（元）\nBudget, yuan", 82, T_RIGHT};
		t->c[t->n++] = (struct col){"差额（元）\nVariance, yuan", 78, T_RIGHT};
		t->c[t->n++] = (struct col){"执行率\nRate", 46, T_RIGHT};
	}
}

/* By total, largest first; ties by key, so the order does not depend on qsort. */
static int by_total(const void *a, const void *b)
{
	const muster_summary_group *x = *(const muster_summary_group *const *)a;
	const muster_summary_group *y = *(const muster_summary_group *const *)b;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* The groups to list: all in key order, or the top ones by total (then *rest holds the others). */
static const muster_summary_group **pick(const muster_summary *s, size_t top, size_t *n,
	muster_summary_group *rest)
{
	const muster_summary_group **g = malloc((s->n ? s->n : 1) * sizeof *g);
	if (!g)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		g[i] = &s->groups[i];
	*n = s->n;
	*rest = (muster_summary_group){.key = "其他 others", .name = ""};
	if (!top || s->n <= top)
		return g;
	qsort(g, s->n, sizeof *g, by_total);
	for (size_t i = top; i < s->n; i++)
		rest->count += g[i]->count, rest->total += g[i]->total;
	*n = top;
	return g;
}

/* One summary as a table, top > 0: only its top groups by total and a row for the rest. */
static int summary_table(struct pdf *p, const muster_summary *s, const char *title, const char *key_head,
	size_t top)
{
	if (!s)
		return 0;
	size_t n;
	muster_summary_group rest;
	const muster_summary_group **g = pick(s, top, &n, &rest);
	if (!g)
		return ENOMEM;
	struct table t = {.n = 0};
	struct cells c;
	summary_cols(&t, s, key_head);
	table_begin(&t, title, n + (n < s->n) + 1);
	for (size_t i = 0; i < n; i++) {
		group_cells(&c, s, g[i], NULL, NULL);
		table_row(p, &t, c.v, &S_PLAIN);
	}
	if (n < s->n) {
		group_cells(&c, s, &rest, NULL, NULL);
		table_row(p, &t, c.v, &S_ASIDE);
	}
	group_cells(&c, s, &s->all, "合计 Total", "");
	table_row(p, &t, c.v, &S_TOTAL);
	table_end(p);
	free(g);
	return 0;
}

/* ---- the findings ---------------------------------------------------------------------- */

static void finding_row(struct pdf *p, struct table *t, const muster_finding *f)
{
	char ev[MUSTER_EVIDENCE_MAX * 21 + 24];
	size_t o = 0;
	ev[0] = '\0';
	for (size_t i = 0; i < f->nevidence; i++)
		o += (size_t)snprintf(ev + o, sizeof ev - o, "%s%" PRIu64, i ? " " : "", f->evidence[i]);
	if (f->more)
		snprintf(ev + o, sizeof ev - o, " +%zu", f->more);
	const char *v[] = {serious(f) ? "严重" : "提醒", f->id, f->zh, ev,
		f->disposition >= 0 ? disp_name(f->disposition, 1) : "未处理"};
	table_row(p, t, v, serious(f) ? &S_ALERT : &S_PLAIN);
}

static void findings(struct pdf *p)
{
	const struct report *r = p->r;
	struct table t = {
		.c = {{"级别\nSeverity", 36, 0}, {"编号\nID", 116, T_MONO}, {"说明\nFinding", 0, 0},
			{"证据条目\nEvidence", 64, 0}, {"处理\nDisposition", 48, 0}},
		.n = 5,
	};
	if (!r->nfindings) {
		heading(p, "审计发现 Findings", 20);
		ink(p, INK);
		p->y += text(p, "未发现问题 No findings", LEFT, p->y, SZ_BODY, T_BOLD, WIDTH);
		return;
	}
	table_begin(&t, "审计发现 Findings", 1);
	for (size_t i = 0; i < r->nfindings; i++)
		finding_row(p, &t, &r->findings[i]);
	table_end(p);
}

/* ---- the document ---------------------------------------------------------------------- */

/* A font map of our own, as in label.c: freeing it lets go of every font it loaded. */
static int pdf_init(struct pdf *p, cairo_t *cr, const struct report *r)
{
	*p = (struct pdf){.r = r, .cr = cr};
	if (cjk_text_init(&p->t, cr) != 0)
		return ENOMEM;
	pango_layout_set_wrap(p->t.lay, PANGO_WRAP_WORD_CHAR);
	return 0;
}

static void pdf_free(struct pdf *p)
{
	cjk_text_free(&p->t);
}

/* Everything, page after page; 0 or an errno value. */
static int draw_pages(struct pdf *p)
{
	const struct report *r = p->r;
	int many = r->by_vendor && r->by_vendor->n > TOP_VENDORS;
	const struct {
		const muster_summary *s;
		const char *title, *key_head;
		size_t top;
	} sums[] = {
		{r->by_fund, "按资金汇总 By fund", "资金\nFund", 0},
		{r->by_team, "按队伍汇总 By team", "队伍\nTeam", 0},
		{r->by_month, "按月份汇总 By month", "月份\nMonth", 0},
		{r->by_type, "按支出类别汇总 By type", "类别\nType", 0},
		{r->by_vendor, many ? "按供应商汇总（前 30 名）By vendor, top 30" : "按供应商汇总 By vendor",
			"供应商信用代码\nVendor", TOP_VENDORS},
	};
	page_begin(p);
	title(p);
	provenance(p);
	totals(p);
	chart(p);
	for (size_t i = 0; i < sizeof sums / sizeof sums[0]; i++) {
		int rc = summary_table(p, sums[i].s, sums[i].title, sums[i].key_head, sums[i].top);
		if (rc)
			return rc;
	}
	findings(p);
	cairo_show_page(p->cr);
	return p->err;
}

static int draw(cairo_t *cr, const struct report *r)
{
	struct pdf p;
	int rc = pdf_init(&p, cr, r);
	if (rc == 0)
		rc = draw_pages(&p);
	pdf_free(&p);
	return rc;
}

static void metadata(cairo_surface_t *s, unsigned year)
{
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
	char t[80];
	snprintf(t, sizeof t, "审计报告 Audit report %u", year);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, t);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "Muster");
#else
	(void)s;
	(void)year;
#endif
}

/*
 * The surface writes through a stream of our own rather than to a path, so
 * a failed write reports its errno (ENOSPC, EIO) instead of cairo's
 * CAIRO_STATUS_WRITE_ERROR alone.
 */
int report_pdf(const struct report *r, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	struct pdf_out out = {f, 0};
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(pdf_out_write, &out, PAGE_W, PAGE_H);
	metadata(s, r->year);
	cairo_t *cr = cairo_create(s);
	int rc = draw(cr, r);
	cairo_status_t st = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (!rc)
		rc = out.err ? out.err : st == CAIRO_STATUS_NO_MEMORY ? ENOMEM : st != CAIRO_STATUS_SUCCESS ? EIO : 0;
	if (fclose(f) != 0 && !rc)
		rc = errno ? errno : EIO;
	if (rc) {
		errno = rc;
		return -1;
	}
	return 0;
}
