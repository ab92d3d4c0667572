/*
 * cmd_audit.c - `muster audit`: every check over spending, each finding
 * with its severity, its message in the user's language and the log
 * indexes that prove it.  Exit 1 when there is any finding (docs/CLI.md).
 * `muster audit dispose` is a row of cmd_equip.c's write table.
 */
#include "config.h"

#include "equip_cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct out {
	muster_buf b;
	int json;
	size_t n, serious, open;
};

static const char *disp_name(int d, int zh)
{
	const muster_field *f = muster_field_get(MF_DISPOSITION);
	return zh ? f->enums_zh[d] : f->enums[d];
}

static int one(const muster_finding *f, void *arg)
{
	struct out *o = arg;
	int serious = muster_check_severity(f->check) == MUSTER_SEV_SERIOUS;
	o->serious += serious;
	o->open += f->disposition < 0;
	if (o->json) {
		muster_buf_puts(&o->b, o->n ? ",{\"id\":" : "{\"id\":");
		muster_json_cstr(&o->b, f->id);
		muster_buf_printf(&o->b, ",\"check\":\"%s\",\"severity\":\"%s\",\"spend\":%" PRIu64 ",\"evidence\":[",
			muster_check_name(f->check), serious ? "serious" : "warning", f->spend);
		for (size_t i = 0; i < f->nevidence; i++)
			muster_buf_printf(&o->b, "%s%" PRIu64, i ? "," : "", f->evidence[i]);
		muster_buf_printf(&o->b, "],\"more_evidence\":%zu,\"message\":{\"en\":", f->more);
		muster_json_cstr(&o->b, f->en);
		muster_buf_puts(&o->b, ",\"zh\":");
		muster_json_cstr(&o->b, f->zh);
		muster_buf_puts(&o->b, "},\"disposition\":");
		if (f->disposition >= 0)
			muster_buf_printf(&o->b, "{\"disposition\":\"%s\",\"index\":%" PRIu64 "}", disp_name(f->disposition, 0),
				f->disposed_at);
		else
			muster_buf_puts(&o->b, "null");
		muster_buf_puts(&o->b, "}");
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

int cmd_audit(const struct opts *o)
{
	static const char *const allowed[] = {"year", "team", "fund", "late-days", "split-days", NULL};
	cli_only(o, "muster audit", allowed);
	if (o->npos > 1)
		die(EXIT_USAGE, L("unknown command 'muster audit %s'; see 'muster --help'", "未知命令 'muster audit %s'；参见 'muster --help'"),
			o->pos[1]);
	muster_audit_query q = {0, cli_opt(o, "team"), cli_opt(o, "fund"), 0, 0};
	const char *y = cli_opt(o, "year"), *ld = cli_opt(o, "late-days"), *sd = cli_opt(o, "split-days");
	if (y && ((q.year = cli_uint("--year", y)) < 2000 || q.year > 2100))
		die(EXIT_USAGE, L("--year %s is not a fiscal year from 2000 to 2100", "--year %s 不是 2000 至 2100 之间的年度"), y);
	if (ld)
		q.late_days = cli_uint("--late-days", ld);
	if (sd)
		q.split_days = cli_uint("--split-days", sd);
	muster_store *s = cli_open(o);
	muster_snap *sn;
	int rc = muster_snap_begin(s, &sn);
	if (rc)
		die(cli_exit_code(rc), L("cannot read the store: %s", "无法读取存储库：%s"), cli_strerror(rc));
	muster_rec row;
	if (q.team && (strlen(q.team) > 32 || muster_row_cget(sn, MUSTER_T_TEAM, q.team, &row) != 0))
		die(EXIT_NOTFOUND, L("team '%s' is not registered; see 'muster team list'", "队伍 '%s' 未登记；参见 'muster team list'"),
			q.team);
	if (q.fund && (strlen(q.fund) > 32 || muster_row_cget(sn, MUSTER_T_FUND, q.fund, &row) != 0))
		die(EXIT_NOTFOUND, L("fund '%s' is not registered; see 'muster fund list'", "资金 '%s' 未登记；参见 'muster fund list'"),
			q.fund);
	struct out out = {{0}, o->json, 0, 0, 0};
	muster_buf_puts(&out.b, o->json ? "{\"findings\":[" : "");
	if ((rc = muster_audit_run(sn, &q, one, &out)) != 0)
		die(cli_exit_code(rc), L("cannot audit: %s", "无法审计：%s"), cli_strerror(rc));
	if (o->json) {
		muster_buf_printf(&out.b, "],\"count\":%zu,\"serious\":%zu,\"open\":%zu,\"year\":", out.n, out.serious, out.open);
		if (q.year)
			muster_buf_printf(&out.b, "%" PRIu64, q.year);
		else
			muster_buf_puts(&out.b, "null");
		muster_buf_puts(&out.b, "}\n");
	} else if (cli_zh()) {
		muster_buf_printf(&out.b, "共 %zu 项审计发现，其中严重 %zu 项，未处理 %zu 项\n", out.n, out.serious, out.open);
	} else {
		muster_buf_printf(&out.b, "%zu findings, %zu serious, %zu without a disposition\n", out.n, out.serious, out.open);
	}
	muster_snap_end(sn);
	muster_store_close(s);
	cli_emit(&out.b);
	return out.n ? EXIT_VERIFY : EXIT_OK;
}
