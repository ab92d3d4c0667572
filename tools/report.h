/*
 * report.h - the audit report `muster audit report` writes (docs/MONEY.md,
 * "Signed audit reports"): the findings and the spending summaries of one
 * fiscal year, as CSV or as a PDF with Chinese text, tables and a bar chart
 * of spending by fund and month.  cmd_audit.c gathers the data from one
 * snapshot, calls one of the writers on a temporary file, signs it and
 * renames it into place; the writers only lay out what they are given.
 */
#ifndef MUSTER_REPORT_H
#define MUSTER_REPORT_H

#include <muster/muster.h>

#include <stdint.h>

struct report {
	const char *origin;       /* the site log's origin line */
	unsigned year;            /* the fiscal year */
	uint64_t tree_size;       /* the checkpoint the report was computed at */
	char root[45];            /* its root hash, base64 as the checkpoint's third line has it */
	const char *file_name;    /* the report's final file name (no directory), for the verify line; NULL: "FILE" */
	char key_id[17];          /* the report key's minisign key id, 16 upper-case hex digits */
	char generated[32];       /* when, Beijing time, "YYYY-MM-DD HH:MM" */

	const muster_finding *findings; /* in muster_audit_run's order */
	size_t nfindings, serious, open;

	/* Counted spending of the year grouped by fund, team, month, type and vendor (with budgets where has_budget). */
	const muster_summary *by_fund, *by_team, *by_month, *by_type, *by_vendor;

	/* The chart: counted spending (fen) of fund f in month m (0 = January). */
	size_t nfunds;
	const char *const *fund_code; /* nfunds codes, in by_fund's order */
	const char *const *fund_name; /* their names (may be NULL each) */
	const uint64_t (*fund_month)[12];
};

/*
 * report_csv - appends the report to out as RFC 4180 CSV, UTF-8 with a BOM:
 * sections one after another, each a title row, a header row and its rows,
 * a blank row between sections.  Amounts in fen (integers) and in yuan
 * ("1234.56").  Errors (ENOMEM) are left in out->err.
 */
void report_csv(const struct report *r, muster_buf *out);

/*
 * report_pdf - writes the report as an A4 PDF to path (created or
 * truncated).  0, or -1 with errno set and nothing promised about the file
 * (the caller writes to a temporary name and removes it on failure).
 */
int report_pdf(const struct report *r, const char *path);

#endif
