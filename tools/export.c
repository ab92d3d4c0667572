/*
 * export.c - muster export KIND --out FILE.xlsx|FILE.csv: a register back
 * out as the sheet muster import reads (docs/IMPORT.md).  The columns are
 * the kind's import columns under their first heading; values are written
 * the way import reads them back to the same record (dates as dates, money
 * in 元, enums by their Chinese names, lists joined with 、), so export ->
 * import -> export gives the same file.
 */
#include "config.h"

#include "import.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

/*
 * The cell text of field f in r, as import reads it back: the CLI's own
 * words in Chinese (muster_fv_format: "2026-10-05", "18,500.00元", 国投,
 * 是, lists joined with 、); empty when absent.
 */
static void cell_text(muster_buf *b, const muster_field *f, const muster_rec *r)
{
	muster_buf_reset(b);
	if (MUSTER_HAS(r, f->tag))
		muster_fv_format(b, f, &r->v[f->tag], 1);
}

static void xlsx_failed(const char *path, lxw_error e)
{
	die(EXIT_IO, L("cannot write '%s': %s; check the directory is writable", "无法写入 '%s'：%s；请检查目录可写"), path,
		lxw_strerror(e));
}

int cmd_export(const struct opts *o)
{
	static const char *const ok[] = {"out", NULL};
	cli_only(o, "export", ok);
	if (o->npos != 2 || !o->out)
		die(EXIT_USAGE, L("usage: muster export %s --out FILE.xlsx|FILE.csv", "用法：muster export %s --out 文件.xlsx|文件.csv"),
			"teams|depots|assets|people|certs|exams|spending");
	const struct imp_kind *k = imp_kind_find(o->pos[1]);
	if (!k)
		die(EXIT_USAGE, L("'%s' is not something muster exports; it exports %s", "'%s' 不是可导出的类别；可导出：%s"),
			o->pos[1], imp_kind_list());
	size_t pl = strlen(o->out);
	int xlsx = pl > 5 && strcmp(o->out + pl - 5, ".xlsx") == 0;
	if (!xlsx && !(pl > 4 && strcmp(o->out + pl - 4, ".csv") == 0))
		die(EXIT_USAGE, L("--out %s: give a name ending in .xlsx or .csv", "--out %s：文件名应以 .xlsx 或 .csv 结尾"), o->out);
	cli_out_writable(o->out);

	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	int rc;
	struct imp_reg *g = imp_reg_load(sn, k, &rc);
	if (!g)
		die(cli_exit_code(rc), L("cannot read the store: %s", "无法读取存储库：%s"), cli_strerror(rc));
	size_t ncols = 0;
	while (k->cols[ncols].tag)
		ncols++;

	muster_buf csv = {0}, cell = {0};
	char *tmp = NULL;
	lxw_workbook *wb = NULL;
	lxw_worksheet *ws = NULL;
	lxw_format *head = NULL, *datef = NULL, *money = NULL, *textf = NULL;
	if (xlsx) {
		tmp = cli_report_tmp(o->out);
		wb = workbook_new(tmp);
		if (!wb)
			xlsx_failed(o->out, LXW_ERROR_CREATING_TMPFILE);
		ws = workbook_add_worksheet(wb, k->zh);
		head = workbook_add_format(wb);
		format_set_bold(head);
		datef = workbook_add_format(wb);
		format_set_num_format(datef, "yyyy-mm-dd");
		money = workbook_add_format(wb);
		format_set_num_format(money, "#,##0.00");
		textf = workbook_add_format(wb);
		format_set_num_format(textf, "@");
		worksheet_freeze_panes(ws, 1, 0);
	} else {
		muster_buf_put(&csv, "\xef\xbb\xbf", 3);
	}
	for (size_t c = 0; c < ncols; c++) {
		if (xlsx) {
			worksheet_write_string(ws, 0, (lxw_col_t)c, k->cols[c].head, head);
			worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, 16, NULL);
		} else {
			csv_cstr(&csv, k->cols[c].head, c == 0);
		}
	}
	if (!xlsx)
		muster_buf_put(&csv, "\r\n", 2);
	size_t n = imp_reg_count(g);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *body;
		size_t len;
		uint64_t index;
		muster_rec r;
		imp_reg_row(g, i, &body, &len, &index);
		if (muster_rec_decode(body, len, 0, 0, &r, NULL, 0) != 0)
			continue;
		for (size_t c = 0; c < ncols; c++) {
			const muster_field *f = muster_field_get(k->cols[c].tag);
			cell_text(&cell, f, &r);
			if (f->tag == MF_NAME && !MUSTER_HAS(&r, MF_NAME) && MUSTER_HAS(&r, MF_PERSON)) {
				/* a certificate's or exam's holder, by name beside the ID */
				const char *nm = imp_reg_person_name(g, r.v[MF_PERSON].p, r.v[MF_PERSON].n);
				if (nm)
					muster_buf_put(&cell, nm, strlen(nm));
			}
			if (!xlsx) {
				csv_field(&csv, cell.len ? (const char *)cell.data : "", cell.len, c == 0);
				continue;
			}
			if (!cell.len)
				continue;
			lxw_row_t row = (lxw_row_t)(i + 1);
			lxw_col_t col = (lxw_col_t)c;
			const muster_fv *v = &r.v[f->tag];
			if (f->type == MUSTER_F_DATE) {
				lxw_datetime dt = {(int)(v->u / 10000), (int)(v->u / 100 % 100), (int)(v->u % 100), 0, 0, 0};
				worksheet_write_datetime(ws, row, col, &dt, datef);
			} else if (f->type == MUSTER_F_FEN) {
				worksheet_write_number(ws, row, col, (double)v->u / 100.0, money);
			} else if (f->type == MUSTER_F_UINT) {
				worksheet_write_number(ws, row, col, (double)v->u, NULL);
			} else {
				muster_buf_put(&cell, "", 1);
				worksheet_write_string(ws, row, col, (const char *)cell.data, textf);
			}
		}
		if (!xlsx)
			muster_buf_put(&csv, "\r\n", 2);
	}
	muster_snap_end(sn);
	if (xlsx) {
		lxw_error e = workbook_close(wb);
		if (e != LXW_NO_ERROR) {
			unlink(tmp);
			xlsx_failed(o->out, e);
		}
		if (rename(tmp, o->out) != 0) {
			unlink(tmp);
			die(EXIT_IO, L("cannot write '%s': %s", "无法写入 '%s'：%s"), o->out, strerror(errno));
		}
		free(tmp);
	} else {
		if (csv.err)
			die(EXIT_IO, "%s", cli_strerror(csv.err));
		cli_write_file(o->out, &csv);
	}
	muster_buf out = {0};
	char line[400];
	if (o->json)
		snprintf(line, sizeof line, "{\"kind\":\"%s\",\"file\":", k->name);
	else
		snprintf(line, sizeof line, L("exported %zu %s to %s\n", "已导出 %zu 条%s到 %s\n"), n, cli_zh() ? k->zh : k->name,
			o->out);
	muster_buf_put(&out, line, strlen(line));
	if (o->json) {
		muster_json_cstr(&out, o->out);
		snprintf(line, sizeof line, ",\"rows\":%zu,\"format\":\"%s\"}\n", n, xlsx ? "xlsx" : "csv");
		muster_buf_put(&out, line, strlen(line));
	}
	cli_emit(&out);
	muster_buf_free(&csv);
	muster_buf_free(&cell);
	imp_reg_free(g);
	muster_store_close(s);
	return EXIT_OK;
}
