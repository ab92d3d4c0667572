/*
 * cmd_audit.c - `muster audit`: every check over spending, each finding
 * with its severity, its message in the user's language and the log
 * indexes that prove it; exit 1 when there is any finding.  Also `muster
 * audit report` (the findings and summaries of a year as CSV or PDF, signed
 * in minisign's format with the site's report key), `muster audit pubkey`
 * (that key) and `muster audit evidence` (a finding's entries with their
 * inclusion proofs and the signed checkpoint).  See docs/MONEY.md and
 * docs/CLI.md.  `muster audit dispose` is a row of cmd_equip.c's write table.
 */
#include "config.h"

#include "central.h"
#include "equip_cli.h"
#include "progress.h"
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct out {
	muster_buf b;
	int json;
	size_t n, serious, open;
	const char *origin; /* --mirrors: the site's, first in each JSON finding */
};

static const char *disp_name(int d, int zh)
{
	const muster_field *f = muster_field_get(MF_DISPOSITION);
	return zh ? f->enums_zh[d] : f->enums[d];
}

/* A finding as a JSON object; origin (may be NULL) first, for a --mirrors list. */
static void finding_json(muster_buf *b, const muster_finding *f, const char *origin)
{
	int serious = muster_check_severity(f->check) == MUSTER_SEV_SERIOUS;
	central_item_json(b, origin, "id");
	muster_json_cstr(b, f->id);
	muster_buf_printf(b, ",\"check\":\"%s\",\"severity\":\"%s\",\"spend\":%" PRIu64 ",\"evidence\":[",
		muster_check_name(f->check), serious ? "serious" : "warning", f->spend);
	for (size_t i = 0; i < f->nevidence; i++)
		muster_buf_printf(b, "%s%" PRIu64, i ? "," : "", f->evidence[i]);
	muster_buf_printf(b, "],\"more_evidence\":%zu,\"message\":{\"en\":", f->more);
	muster_json_cstr(b, f->en);
	muster_buf_puts(b, ",\"zh\":");
	muster_json_cstr(b, f->zh);
	muster_buf_puts(b, "},\"disposition\":");
	if (f->disposition >= 0)
		muster_buf_printf(b, "{\"disposition\":\"%s\",\"index\":%" PRIu64 "}", disp_name(f->disposition, 0),
			f->disposed_at);
	else
		muster_buf_puts(b, "null");
	muster_buf_puts(b, "}");
}

static int one(const muster_finding *f, void *arg)
{
	struct out *o = arg;
	int serious = muster_check_severity(f->check) == MUSTER_SEV_SERIOUS;
	o->serious += serious;
	o->open += f->disposition < 0;
	if (o->json) {
		if (o->n)
			muster_buf_puts(&o->b, ",");
		finding_json(&o->b, f, o->origin);
	} else {
		muster_buf_printf(&o->b, "%s  %s\n  %s\n  %s", serious ? L("SERIOUS", "严重") : L("warning", "提醒"), f->id,
			cli_zh() ? f->zh : f->en, L("evidence: entries", "证据：条目"));
		for (size_t i = 0; i < f->nevidence; i++)
			muster_buf_printf(&o->b, " %" PRIu64, f->evidence[i]);
		if (f->more)
			muster_buf_printf(&o->b, L(" and %zu more", " 等另 %zu 条"), f->more);
		if (f->disposition >= 0)
			muster_buf_printf(&o->b, L("\n  disposed: %s (entry %" PRIu64 ")", "\n  处理：%s（条目 %" PRIu64 "）"),
				disp_name(f->disposition, cli_zh()), f->disposed_at);
		muster_buf_puts(&o->b, "\n");
	}
	o->n++;
	return 0;
}

/* The options every audit command takes, checked, with the store and one snapshot of it. */
struct aq {
	muster_audit_query q;
	muster_store *s;
	muster_snap *sn;
};

/* The options every audit command takes, checked, into a->q. */
static void aq_query(const struct opts *o, const char *what, const char *const *allowed, struct aq *a)
{
	cli_only(o, what, allowed);
	a->q = (muster_audit_query){0, cli_opt(o, "team"), cli_opt(o, "fund"), 0, 0};
	const char *y = cli_opt(o, "year"), *ld = cli_opt(o, "late-days"), *sd = cli_opt(o, "split-days");
	if (y && ((a->q.year = cli_uint("--year", y)) < 2000 || a->q.year > 2100))
		die(EXIT_USAGE, L("--year %s is not a fiscal year from 2000 to 2100", "--year %s 不是 2000 至 2100 之间的年度"), y);
	if (ld)
		a->q.late_days = cli_uint("--late-days", ld);
	if (sd)
		a->q.split_days = cli_uint("--split-days", sd);
}

static void aq_open(const struct opts *o, const char *what, const char *const *allowed, struct aq *a)
{
	aq_query(o, what, allowed, a);
	a->s = cli_open(o);
	a->sn = cli_snapshot(a->s);
	muster_rec row;
	if (a->q.team && (strlen(a->q.team) > 32 || muster_row_cget(a->sn, MUSTER_T_TEAM, a->q.team, &row) != 0))
		die(EXIT_NOTFOUND, L("team '%s' is not registered; see 'muster team list'", "队伍 '%s' 未登记；参见 'muster team list'"),
			a->q.team);
	if (a->q.fund && (strlen(a->q.fund) > 32 || muster_row_cget(a->sn, MUSTER_T_FUND, a->q.fund, &row) != 0))
		die(EXIT_NOTFOUND, L("fund '%s' is not registered; see 'muster fund list'", "资金 '%s' 未登记；参见 'muster fund list'"),
			a->q.fund);
}

static void aq_close(struct aq *a)
{
	muster_snap_end(a->sn);
	muster_store_close(a->s);
}

static void aq_run(struct aq *a, muster_finding_cb cb, void *arg)
{
	int rc = muster_audit_run(a->sn, &a->q, cb, arg);
	if (rc)
		die(cli_exit_code(rc), L("cannot audit: %s", "无法审计：%s"), cli_strerror(rc));
}

/* Every finding, kept. */
struct found {
	muster_finding *f;
	size_t n, cap, serious, open;
};

static int keep(const muster_finding *f, void *arg)
{
	struct found *k = arg;
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 64;
		if (!(k->f = realloc(k->f, k->cap * sizeof *k->f)))
			die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	}
	k->f[k->n++] = *f;
	k->serious += muster_check_severity(f->check) == MUSTER_SEV_SERIOUS;
	k->open += f->disposition < 0;
	return 0;
}

static int audit_pubkey(const struct opts *o)
{
	cli_only(o, "muster audit pubkey", NULL);
	if (o->npos > 2)
		die(EXIT_USAGE, "%s", L("usage: muster audit pubkey", "用法: muster audit pubkey"));
	muster_store *s = cli_open(o);
	muster_signer *k = cli_report_key(s);
	muster_buf file = {0}, b = {0};
	char id[17];
	muster_minisign_pubkey(&file, muster_signer_pk(k));
	cli_key_id_text(k, id);
	if (o->json) {
		/* The second line is what 'minisign -P' takes. */
		const char *nl = memchr(file.data, '\n', file.len);
		size_t off = nl ? (size_t)(nl - (const char *)file.data) + 1 : 0;
		muster_buf_printf(&b, "{\"key_id\":\"%s\",\"public_key\":", id);
		muster_json_str(&b, (const char *)file.data + off, file.len - off - 1);
		muster_buf_puts(&b, ",\"file\":");
		muster_json_str(&b, (const char *)file.data, file.len);
		muster_buf_puts(&b, "}\n");
		muster_buf_free(&file);
	} else {
		b = file;
	}
	muster_signer_free(k);
	muster_store_close(s);
	cli_emit(&b);
	return EXIT_OK;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n > t && strcasecmp(s + n - t, tail) == 0;
}

/* The summaries a report holds. */
enum { RS_FUND, RS_TEAM, RS_MONTH, RS_TYPE, RS_VENDOR, RS_N };

/* The chart shows the funds with the most spending one by one, the rest as one bar segment. */
#define CHART_FUNDS 7

struct chart {
	const char *code[CHART_FUNDS + 1], *name[CHART_FUNDS + 1];
	uint64_t month[CHART_FUNDS + 1][12];
	size_t n;
};

static void summarise(struct aq *a, int by, const char *fund, muster_summary *out)
{
	muster_summary_query sq = {by, (unsigned)a->q.year, a->q.team, fund};
	int rc = muster_spend_summary(a->sn, &sq, out);
	if (rc)
		die(cli_exit_code(rc), L("cannot summarise spending: %s", "无法汇总支出：%s"), cli_strerror(rc));
}

static void add_months(uint64_t month[12], const muster_summary *by_month, int sign)
{
	for (size_t i = 0; i < by_month->n; i++) {
		const muster_summary_group *g = &by_month->groups[i];
		unsigned m = g->key_len == 7 ? (unsigned)atoi(g->key + 5) : 0;
		if (m >= 1 && m <= 12)
			month[m - 1] += sign > 0 ? g->total : -g->total;
	}
}

/* Spending by fund and month: the largest funds, then the others together. */
static void chart_fill(struct aq *a, const muster_summary *sum, struct chart *c)
{
	size_t order[CHART_FUNDS], n = 0;
	const muster_summary *f = &sum[RS_FUND];
	for (size_t i = 0; i < f->n; i++) {
		if (!f->groups[i].total)
			continue;
		size_t j = n < CHART_FUNDS ? n++ : CHART_FUNDS;
		if (j == CHART_FUNDS && f->groups[i].total <= f->groups[order[CHART_FUNDS - 1]].total)
			continue;
		while (j > 0 && f->groups[order[j - 1]].total < f->groups[i].total) {
			if (j < CHART_FUNDS)
				order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	memset(c, 0, sizeof *c);
	add_months(c->month[CHART_FUNDS], &sum[RS_MONTH], 1);
	for (size_t i = 0; i < n; i++) {
		muster_summary m;
		summarise(a, MUSTER_BY_MONTH, f->groups[order[i]].key, &m);
		c->code[i] = f->groups[order[i]].key;
		c->name[i] = f->groups[order[i]].name;
		add_months(c->month[i], &m, 1);
		add_months(c->month[CHART_FUNDS], &m, -1);
		muster_summary_free(&m);
	}
	c->n = n;
	uint64_t rest = 0;
	for (int m = 0; m < 12; m++)
		rest += c->month[CHART_FUNDS][m];
	if (rest) { /* the other funds' spending, in the slot after the last one shown */
		memmove(c->month[n], c->month[CHART_FUNDS], sizeof c->month[0]);
		c->code[n] = L("others", "其他");
		c->name[n] = NULL;
		c->n = n + 1;
	}
}

/* Writes the report to tmp: CSV from a buffer, PDF straight to the file. */
static void report_write(const struct report *r, int pdf, const char *tmp, const char *out)
{
	if (pdf) {
		if (report_pdf(r, tmp) != 0) {
			int e = errno;
			unlink(tmp);
			die(EXIT_IO, L("cannot write '%s': %s", "无法写入 '%s'：%s"), out, strerror(e));
		}
		return;
	}
	muster_buf b = {0};
	report_csv(r, &b);
	if (b.err)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	cli_write_file(tmp, &b);
	muster_buf_free(&b);
}

static int audit_report(const struct opts *o)
{
	static const char *const allowed[] = {"year", "team", "fund", "late-days", "split-days", "out", NULL};
	const char *out = o->out;
	if (o->npos > 2)
		die(EXIT_USAGE, "%s", L("usage: muster audit report --year Y --out FILE.csv|FILE.pdf", "用法: muster audit report --year 年度 --out 文件.csv|文件.pdf"));
	if (!cli_opt(o, "year"))
		die(EXIT_USAGE, "%s", L("muster audit report needs --year Y: a report covers one fiscal year",
					"muster audit report 需要 --year 年度：一份报告对应一个年度"));
	if (!out || !*out)
		die(EXIT_USAGE, "%s", L("muster audit report needs --out FILE.csv or --out FILE.pdf", "muster audit report 需要 --out 文件.csv 或 --out 文件.pdf"));
	int pdf = ends_with(out, ".pdf");
	if (!pdf && !ends_with(out, ".csv"))
		die(EXIT_USAGE, L("--out %s: name the report FILE.csv or FILE.pdf; the ending picks the format",
				     "--out %s：报告文件名须以 .csv 或 .pdf 结尾，以此确定格式"),
			out);
	struct aq a;
	cli_out_writable(out);
	aq_open(o, "muster audit report", allowed, &a);
	muster_signer *key = cli_report_key(a.s);

	struct report r;
	memset(&r, 0, sizeof r);
	r.origin = muster_store_origin(a.s);
	r.year = (unsigned)a.q.year;
	uint8_t root[MUSTER_HASH_BYTES];
	int rc = muster_snap_size(a.sn, &r.tree_size);
	if (rc == 0)
		rc = muster_log_root(a.s, r.tree_size, root);
	if (rc)
		die(cli_exit_code(rc), L("cannot read the log: %s", "无法读取日志：%s"), cli_strerror(rc));
	sodium_bin2base64(r.root, sizeof r.root, root, sizeof root, sodium_base64_VARIANT_ORIGINAL);
	cli_key_id_text(key, r.key_id);
	time_t now = time(NULL);
	muster_time_format((uint64_t)now, r.generated);

	/* Progress in steps: the checks, each summary, the chart, the signed file. */
	enum { STEPS = 1 + RS_N + 2 };
	uint64_t step = 0;
	progress("audit", step, STEPS);
	struct found k = {0};
	aq_run(&a, keep, &k);
	progress("audit", ++step, STEPS);
	r.findings = k.f;
	r.nfindings = k.n;
	r.serious = k.serious;
	r.open = k.open;
	static const int bys[RS_N] = {MUSTER_BY_FUND, MUSTER_BY_TEAM, MUSTER_BY_MONTH, MUSTER_BY_TYPE, MUSTER_BY_VENDOR};
	muster_summary sum[RS_N];
	for (int i = 0; i < RS_N; i++) {
		summarise(&a, bys[i], a.q.fund, &sum[i]);
		progress("audit", ++step, STEPS);
	}
	r.by_fund = &sum[RS_FUND];
	r.by_team = &sum[RS_TEAM];
	r.by_month = &sum[RS_MONTH];
	r.by_type = &sum[RS_TYPE];
	r.by_vendor = &sum[RS_VENDOR];
	struct chart c;
	chart_fill(&a, sum, &c);
	progress("audit", ++step, STEPS);
	r.nfunds = c.n;
	r.fund_code = c.code;
	r.fund_name = c.name;
	r.fund_month = (const uint64_t(*)[12])c.month;

	/* The report and its signature are written beside their final names and renamed in last. */
	char *tmp = cli_report_tmp(out);
	const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
	r.file_name = base;
	report_write(&r, pdf, tmp, out);
	char what[32];
	snprintf(what, sizeof what, "year:%u", r.year);
	struct publish pub = {a.s, key, r.key_id, tmp, out, r.origin, r.root, what, r.tree_size, (long long)now};
	char *sig_path = cli_publish(&pub);
	progress("audit", ++step, STEPS);

	muster_buf b = {0};
	const muster_summary_group *all = &sum[RS_FUND].all;
	if (o->json) {
		muster_buf_puts(&b, "{\"report\":");
		muster_json_cstr(&b, out);
		muster_buf_puts(&b, ",\"signature\":");
		muster_json_cstr(&b, sig_path);
		muster_buf_printf(&b, ",\"format\":\"%s\",\"year\":%u,\"size\":%" PRIu64 ",\"root\":\"%s\",\"key_id\":\"%s\","
				      "\"findings\":%zu,\"serious\":%zu,\"open\":%zu,\"total\":%" PRIu64 ",\"count\":%" PRIu64 "}\n",
			pdf ? "pdf" : "csv", r.year, r.tree_size, r.root, r.key_id, k.n, k.serious, k.open, all->total, all->count);
	} else {
		muster_buf_printf(&b,
			L("wrote %s and %s: fiscal year %u; counted records: %" PRIu64 "; findings: %zu (%zu serious)\n"
			  "computed at tree size %" PRIu64 ", root %s; signed by report key %s ('muster audit pubkey')\n",
				"已写入 %s 和 %s：%u 年度，计入支出 %" PRIu64 " 笔，审计发现 %zu 项（严重 %zu 项）\n"
				"依据日志树大小 %" PRIu64 "，根哈希 %s；由报告密钥 %s 签名（'muster audit pubkey'）\n"),
			out, sig_path, r.year, all->count, k.n, k.serious, r.tree_size, r.root, r.key_id);
	}
	for (int i = 0; i < RS_N; i++)
		muster_summary_free(&sum[i]);
	free(k.f);
	free(tmp);
	free(sig_path);
	muster_signer_free(key);
	aq_close(&a);
	cli_emit(&b);
	return EXIT_OK;
}

/* A finding's entries, each with its inclusion proof, and the signed checkpoint they are proved against. */
static void evidence_json(muster_buf *b, struct aq *a, const muster_finding *f)
{
	uint64_t size;
	muster_buf note = {0}, vkey = {0};
	int rc = muster_snap_size(a->sn, &size);
	if (rc == 0)
		rc = muster_log_checkpoint(a->s, size, &note, NULL);
	if (rc == 0)
		rc = muster_log_vkey(a->s, &vkey);
	if (rc)
		die(cli_exit_code(rc), L("cannot read the log's checkpoint: %s", "无法读取日志检查点：%s"), cli_strerror(rc));
	muster_buf_puts(b, "{\"finding\":");
	finding_json(b, f, NULL);
	muster_buf_puts(b, ",\"origin\":");
	muster_json_cstr(b, muster_store_origin(a->s));
	muster_buf_puts(b, ",\"vkey\":");
	muster_json_str(b, (const char *)vkey.data, vkey.len && vkey.data[vkey.len - 1] == '\n' ? vkey.len - 1 : vkey.len);
	muster_buf_puts(b, ",\"checkpoint\":");
	muster_json_str(b, (const char *)note.data, note.len);
	muster_buf_printf(b, ",\"size\":%" PRIu64 ",\"entries\":[", size);
	for (size_t i = 0; i < f->nevidence; i++) {
		uint8_t proof[MUSTER_PROOF_MAX][MUSTER_HASH_BYTES];
		size_t n;
		const uint8_t *raw;
		size_t len;
		muster_entry e;
		uint64_t ix = f->evidence[i];
		if ((rc = muster_log_prove_inclusion(a->s, ix, size, proof, &n)) != 0 ||
			(rc = muster_snap_entry(a->sn, ix, &e, &raw, &len)) != 0)
			die(cli_exit_code(rc), L("cannot prove entry %" PRIu64 ": %s", "无法证明条目 %" PRIu64 "：%s"), ix,
				cli_strerror(rc));
		muster_buf_puts(b, i ? ",\n{" : "\n{");
		if ((rc = cli_entry_members(b, a->sn, ix, NULL)) != 0)
			die(cli_exit_code(rc), "%s", cli_strerror(rc));
		muster_buf_printf(b, ",\"size\":%" PRIu64 ",\"leaf\":", size);
		muster_json_b64(b, raw, len);
		muster_buf_puts(b, ",");
		cli_proof_json(b, proof, n);
		muster_buf_puts(b, "}");
	}
	muster_buf_puts(b, "]}\n");
	muster_buf_free(&note);
	muster_buf_free(&vkey);
}

struct seek {
	const char *id;
	muster_finding f;
	int found;
};

static int seek_one(const muster_finding *f, void *arg)
{
	struct seek *k = arg;
	if (strcmp(f->id, k->id) != 0)
		return 0;
	k->f = *f;
	k->found = 1;
	return 1;
}

static int audit_evidence(const struct opts *o)
{
	static const char *const allowed[] = {"late-days", "split-days", "out", NULL};
	if (o->npos != 3)
		die(EXIT_USAGE, "%s", L("usage: muster audit evidence FINDING [--out FILE]; 'muster audit' lists the findings",
					"用法: muster audit evidence 发现编号 [--out 文件]；'muster audit' 列出审计发现"));
	struct aq a;
	aq_open(o, "muster audit evidence", allowed, &a);
	struct seek k = {o->pos[2], {0}, 0};
	aq_run(&a, seek_one, &k);
	if (!k.found)
		die(EXIT_NOTFOUND, L("no finding '%s' in this store; 'muster audit' lists the findings with their ids",
				       "存储库中没有审计发现 '%s'；'muster audit' 列出发现及其编号"),
			k.id);
	muster_buf b = {0};
	evidence_json(&b, &a, &k.f);
	if (o->out) {
		cli_write_file(o->out, &b);
		muster_buf_free(&b);
		muster_buf_printf(&b, L("wrote %s: %zu entries with their inclusion proofs and the signed checkpoint\n",
					"已写入 %s：%zu 条日志条目及其包含证明和签名检查点\n"),
			o->out, k.f.nevidence);
	}
	aq_close(&a);
	cli_emit(&b);
	return EXIT_OK;
}

/* The text line under the findings: how many, how serious, how many without a disposition. */
static void findings_total(muster_buf *b, size_t n, size_t serious, size_t open)
{
	if (cli_zh())
		muster_buf_printf(b, "共 %zu 项审计发现，其中严重 %zu 项，未处理 %zu 项\n", n, serious, open);
	else
		muster_buf_printf(b, "%zu findings, %zu serious, %zu without a disposition\n", n, serious, open);
}

static void findings_json_tail(muster_buf *b, const struct out *out, uint64_t year)
{
	muster_buf_printf(b, "],\"count\":%zu,\"serious\":%zu,\"open\":%zu,\"year\":", out->n, out->serious, out->open);
	if (year)
		muster_buf_printf(b, "%" PRIu64, year);
	else
		muster_buf_puts(b, "null");
}

/* muster audit --mirrors: the findings of every site, each with its origin. */
static int findings_mirrors(const struct opts *o, struct aq *a)
{
	struct sites ss;
	central_list_if(o, &ss, central_has_spending);
	struct out all = {{0}, o->json, 0, 0, 0, NULL};
	muster_buf sites = {0};
	size_t read = 0, nsites = 0;
	for (size_t k = 0; k < ss.n; k++) {
		struct site *st = &ss.v[k];
		if (!(a->s = central_open(&ss, k, NULL)))
			continue;
		a->sn = cli_snapshot(a->s);
		read++;
		if (central_registered(a->sn, a->q.team, a->q.fund)) {
			struct out one_site = {{0}, o->json, 0, 0, 0, st->origin};
			struct out *out = o->json ? &all : &one_site;
			size_t n0 = all.n, s0 = all.serious, p0 = all.open;
			all.origin = st->origin;
			aq_run(a, one, out);
			if (!o->json) {
				muster_buf_puts(&all.b, nsites ? "\n" : "");
				central_heading(&all.b, st);
				muster_buf_put(&all.b, one_site.b.data, one_site.b.len);
				findings_total(&all.b, one_site.n, one_site.serious, one_site.open);
				muster_buf_free(&one_site.b);
				all.n += one_site.n, all.serious += one_site.serious, all.open += one_site.open;
			}
			nsites++;
			muster_buf_puts(&sites, sites.len ? "," : "");
			central_site_json(&sites, st);
			muster_buf_printf(&sites, ",\"count\":%zu,\"serious\":%zu,\"open\":%zu}", all.n - n0, all.serious - s0,
				all.open - p0);
		}
		muster_snap_end(a->sn);
		central_close(&ss, k);
	}
	if ((a->q.team || a->q.fund) && !nsites && read)
		central_no_site(a->q.team, a->q.fund);
	central_left_out_json(&sites, &ss, nsites);
	muster_buf b = {0};
	if (o->json) {
		muster_buf_puts(&b, "{\"findings\":[");
		muster_buf_put(&b, all.b.data, all.b.len);
		findings_json_tail(&b, &all, a->q.year);
		muster_buf_puts(&b, ",\"sites\":[");
		muster_buf_put(&b, sites.data, sites.len);
		muster_buf_puts(&b, "]}\n");
	} else {
		muster_buf_put(&b, all.b.data, all.b.len);
		muster_buf_puts(&b, nsites ? "\n" : "");
		if (cli_zh())
			muster_buf_printf(&b, "%zu 个站点共 %zu 项审计发现，其中严重 %zu 项，未处理 %zu 项\n", nsites, all.n, all.serious, all.open);
		else
			muster_buf_printf(&b, "%zu findings, %zu serious, %zu without a disposition, at %zu site%s\n", all.n, all.serious,
				all.open, nsites, central_s(nsites));
	}
	muster_buf_free(&all.b);
	muster_buf_free(&sites);
	int code = central_exit(&ss, all.n ? EXIT_VERIFY : EXIT_OK);
	central_free(&ss);
	cli_emit(&b);
	return code;
}

static int audit_findings(const struct opts *o)
{
	static const char *const allowed[] = {"year", "team", "fund", "late-days", "split-days", NULL};
	if (o->npos > 1)
		die(EXIT_USAGE, L("unknown command 'muster audit %s'; see 'muster --help'", "未知命令 'muster audit %s'；参见 'muster --help'"),
			o->pos[1]);
	struct aq a;
	if (o->mirrors) {
		aq_query(o, "muster audit", allowed, &a);
		return findings_mirrors(o, &a);
	}
	aq_open(o, "muster audit", allowed, &a);
	struct out out = {{0}, o->json, 0, 0, 0, NULL};
	muster_buf_puts(&out.b, o->json ? "{\"findings\":[" : "");
	aq_run(&a, one, &out);
	if (o->json) {
		findings_json_tail(&out.b, &out, a.q.year);
		muster_buf_puts(&out.b, "}\n");
	} else {
		findings_total(&out.b, out.n, out.serious, out.open);
	}
	aq_close(&a);
	cli_emit(&out.b);
	return out.n ? EXIT_VERIFY : EXIT_OK;
}

int cmd_audit(const struct opts *o)
{
	const char *sub = o->npos > 1 ? o->pos[1] : "";
	if (strcmp(sub, "report") == 0)
		return audit_report(o);
	if (strcmp(sub, "pubkey") == 0)
		return audit_pubkey(o);
	if (strcmp(sub, "evidence") == 0)
		return audit_evidence(o);
	return audit_findings(o);
}
