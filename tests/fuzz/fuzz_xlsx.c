/*
 * fuzz_xlsx.c - libFuzzer target for the .xlsx reader (tools/sheet.c).
 *
 * The first byte picks the mode.  Even: the rest is a whole file, read
 * through sheet_open_mem as "xlsx" (libzip meets the damage first).  Odd:
 * the rest is split at each "\n--\n" into the XML of the worksheet, the
 * shared strings, the styles and the workbook, which are stored in a zip
 * made here beside fixed relationships, so the mutations reach the XML
 * handlers.  Bit 1 of the first byte picks the messages' language.
 * Properties:
 *
 *   cells:  valid UTF-8 without NUL, NUL-terminated, len 0 exactly when
 *           SHEET_EMPTY; a date is "YYYY-MM-DD", a boolean TRUE or FALSE;
 *   rows:   numbers increase and stay within 1..1,048,576; at most 16,384
 *           cells, the last not empty;
 *   errors: a refusal is one non-empty line, repeated by later calls.
 *
 * With -DMUSTER_FUZZ_SEEDS it writes the seed corpus (tests/fuzz/corpus/xlsx).
 */
#include "cli.h"
#include "sheet.h"

#define FUZZ_NAME "fuzz_xlsx"
#include "sheet_fuzz.h"

#include <muster/codec.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

static int is_date(const char *t, size_t n)
{
	if (n != 10 || t[4] != '-' || t[7] != '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (i != 4 && i != 7 && (t[i] < '0' || t[i] > '9'))
			return 0;
	return 1;
}

static void read_all(const void *data, size_t size)
{
	sheet *s;
	char why[512], again[512];
	struct sheet_row r;
	uint64_t last = 0, done, total;
	int rc;
	why[0] = 0;
	if (sheet_open_mem(data, size, "xlsx", &s, why, sizeof why) != 0) {
		one_line(why);
		return;
	}
	while ((rc = sheet_next(s, &r, why, sizeof why)) == 1) {
		check(r.number > last && r.number <= SHEET_ROWS_MAX, "row numbers do not increase within 1..1,048,576");
		last = r.number;
		check(r.ncells <= SHEET_COLUMNS_MAX, "more than 16,384 cells");
		check(r.ncells == 0 || r.cells[r.ncells - 1].kind != SHEET_EMPTY, "a trailing empty cell");
		for (size_t i = 0; i < r.ncells; i++) {
			const struct sheet_cell *c = &r.cells[i];
			check((c->len == 0) == (c->kind == SHEET_EMPTY), "empty is not len 0");
			check(c->kind <= SHEET_ERROR, "an unknown kind");
			check(c->text[c->len] == 0 && muster_utf8_valid(c->text, c->len), "a cell that is not UTF-8 text");
			check(c->kind != SHEET_DATE || is_date(c->text, c->len), "a date that is not YYYY-MM-DD");
			check(c->kind != SHEET_BOOL || !strcmp(c->text, "TRUE") || !strcmp(c->text, "FALSE"), "a boolean not TRUE or FALSE");
		}
		sheet_progress(s, &done, &total);
		check(done <= total, "progress past the total");
	}
	if (rc < 0) {
		one_line(why);
		check(sheet_next(s, &r, again, sizeof again) == -1 && strcmp(why, again) == 0, "an error that does not stay");
	} else {
		check(sheet_next(s, &r, why, sizeof why) == 0, "rows after the end");
	}
	sheet_close(s);
}

static const char rels[] =
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
	"Target=\"worksheets/sheet1.xml\"/></Relationships>";
static const char default_workbook[] =
	"<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
	"<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char *const names[] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml"};

/* Member at: stored, not deflated (fast), and dated 2024-01-01 so the seeds come out the same each time. */
static void stored(zip_t *z, zip_int64_t at)
{
	if (at < 0)
		return;
	zip_set_file_compression(z, (zip_uint64_t)at, ZIP_CM_STORE, 0);
	zip_file_set_mtime(z, (zip_uint64_t)at, 1704067200, 0);
}

/* A zip, stored, of the parts p[i] (len[i] bytes; NULL: left out), the rels and a default workbook: appended to out. */
static void make_zip(muster_buf *out, const char *const p[4], const size_t len[4])
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_t *z = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
	zip_error_fini(&ze);
	if (!z) {
		zip_source_free(src);
		return;
	}
	zip_source_keep(src);
	for (int i = 0; i < 4; i++) {
		const char *d = p[i] ? p[i] : i == 3 ? default_workbook : NULL;
		size_t n = p[i] ? len[i] : i == 3 ? sizeof default_workbook - 1 : 0;
		zip_int64_t at = d ? zip_file_add(z, names[i], zip_source_buffer(z, d, n, 0), 0) : -1;
		stored(z, at);
	}
	stored(z, zip_file_add(z, "xl/_rels/workbook.xml.rels", zip_source_buffer(z, rels, sizeof rels - 1, 0), 0));
	zip_stat_t st;
	if (zip_close(z) != 0) {
		zip_discard(z);
	} else if (zip_source_open(src) == 0) {
		if (zip_source_stat(src, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
			size_t n = (size_t)st.size;
			uint8_t *buf = malloc(n ? n : 1);
			if (buf && zip_source_read(src, buf, n) == (zip_int64_t)n)
				muster_buf_put(out, buf, n);
			free(buf);
		}
		zip_source_close(src);
	}
	zip_source_free(src);
}

/* Splits data at "\n--\n" into at most four parts. */
static void split(const uint8_t *data, size_t size, const char *p[4], size_t len[4])
{
	const char *at = (const char *)data, *end = at + size;
	for (int i = 0; i < 4; i++) {
		p[i] = NULL;
		len[i] = 0;
	}
	for (int i = 0; i < 4 && at; i++) {
		const char *sep = NULL;
		for (const char *q = at; i < 3 && q + 4 <= end; q++)
			if (!memcmp(q, "\n--\n", 4)) {
				sep = q;
				break;
			}
		p[i] = at;
		len[i] = (size_t)((sep ? sep : end) - at);
		at = sep ? sep + 4 : NULL;
	}
}

static void one_input(const uint8_t *data, size_t size)
{
	if (!size)
		return;
	zh = (data[0] >> 1) & 1;
	if (!(data[0] & 1)) {
		read_all(data + 1, size - 1);
		return;
	}
	const char *p[4];
	size_t len[4];
	muster_buf b = {0};
	split(data + 1, size - 1, p, len);
	make_zip(&b, p, len);
	if (b.len)
		read_all(b.data, b.len);
	muster_buf_free(&b);
}

#ifndef MUSTER_FUZZ_SEEDS
static void fuzz_init(void)
{
}
#endif

#include "fuzz.h"

#ifdef MUSTER_FUZZ_SEEDS
#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""

static const char seed_sheet[] =
	"<worksheet " NS "><dimension ref=\"A1:F4\"/><sheetData>"
	"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"inlineStr\"><is><r><t>in</t></r>"
	"<r><t>line</t></r><rPh><t>x</t></rPh></is></c></row>"
	"<row r=\"3\"><c r=\"A3\" s=\"1\"><v>45292.5</v></c><c r=\"B3\" s=\"2\"><v>60</v></c><c t=\"b\"><v>1</v></c>"
	"<c t=\"e\"><v>#N/A</v></c><c t=\"str\"><f>A1</f><v>s_x000A_t</v></c><c t=\"d\"><v>2024-03-05T00:00:00</v></c></row>"
	"<row><c r=\"F4\"><v>1E-3</v></c></row></sheetData></worksheet>";
static const char seed_sst[] = "<sst " NS "><si><t>\xe8\xa3\x85\xe5\xa4\x87\xe5\x90\x8d\xe7\xa7\xb0</t></si>"
			       "<si><r><t>Rich </t></r><r><t>text</t></r><rPh><t>\xe3\x83\x88</t></rPh></si><si><t/></si></sst>";
static const char seed_styles[] = "<styleSheet " NS "><numFmts><numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;\xe5\xb9\xb4&quot;m\"/>"
				  "</numFmts><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/></cellXfs></styleSheet>";
static const char seed_book[] = "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
				"<workbookPr date1904=\"1\"/><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";

/* A split-mode seed: 0x01 and the parts joined by "\n--\n". */
static void parts_seed(const char *name, const char *const p[4])
{
	muster_buf b = {0};
	muster_buf_put(&b, "\x01", 1);
	for (int i = 0; i < 4 && p[i]; i++) {
		if (i)
			muster_buf_put(&b, "\n--\n", 4);
		muster_buf_puts(&b, p[i]);
	}
	save(name, &b);
	muster_buf_free(&b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	const char *all[4] = {seed_sheet, seed_sst, seed_styles, seed_book};
	parts_seed("parts", all);
	const char *one[4] = {"<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>a</t></is></c><c><v>1</v></c></row></sheetData></worksheet>",
		NULL, NULL, NULL};
	parts_seed("parts_inline", one);
	const char *dtd[4] = {"<!DOCTYPE w [<!ENTITY a \"b\">]><worksheet/>", NULL, NULL, NULL};
	parts_seed("parts_doctype", dtd);

	/* Whole files: the zip of the parts above, after the mode byte 0x00. */
	size_t len[4];
	for (int i = 0; i < 4; i++)
		len[i] = strlen(all[i]);
	muster_buf b = {0};
	muster_buf_put(&b, "\x00", 1);
	make_zip(&b, all, len);
	save("whole", &b);
	b.len = b.len / 2;
	save("whole_truncated", &b);
	muster_buf_free(&b);
	return 0;
}
#endif
