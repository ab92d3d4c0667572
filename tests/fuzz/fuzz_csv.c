/*
 * fuzz_csv.c - libFuzzer target for the text spreadsheet readers
 * (tools/sheet.c).
 *
 * Arbitrary bytes are read through sheet_open_mem as "csv", "tsv" and
 * "text" (delimiter sniffed), with messages in English or Chinese by the
 * first byte; every encoding path runs (BOMs, strict UTF-8, GB18030 via
 * iconv, and the zip and OLE magics).  Properties:
 *
 *   cells:    valid UTF-8 without NUL, NUL-terminated, len 0 exactly when
 *             SHEET_EMPTY, SHEET_TEXT otherwise;
 *   rows:     numbers increase; at most 16,384 cells, the last not empty;
 *   errors:   a refusal is one non-empty line, repeated by later calls;
 *   progress: done never passes total, and reaches it at the end.
 *
 * With -DMUSTER_FUZZ_SEEDS it writes the seed corpus (tests/fuzz/corpus/csv).
 */
#include "cli.h"
#include "sheet.h"

#define FUZZ_NAME "fuzz_csv"
#include "sheet_fuzz.h"

#include <muster/codec.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void read_all(const uint8_t *data, size_t size, const char *kind)
{
	sheet *s;
	char why[512], again[512];
	struct sheet_row r;
	uint64_t last = 0, done, total;
	int rc;
	why[0] = 0;
	if (sheet_open_mem(data, size, kind, &s, why, sizeof why) != 0) {
		one_line(why);
		return;
	}
	while ((rc = sheet_next(s, &r, why, sizeof why)) == 1) {
		check(r.number > last, "row numbers do not increase");
		last = r.number;
		check(r.ncells <= SHEET_COLUMNS_MAX, "more than 16,384 cells");
		check(r.ncells == 0 || r.cells[r.ncells - 1].kind != SHEET_EMPTY, "a trailing empty cell");
		for (size_t i = 0; i < r.ncells; i++) {
			const struct sheet_cell *c = &r.cells[i];
			check((c->len == 0) == (c->kind == SHEET_EMPTY), "empty is not len 0");
			check(c->kind == SHEET_EMPTY || c->kind == SHEET_TEXT, "a text cell of another kind");
			check(c->text[c->len] == 0 && muster_utf8_valid(c->text, c->len), "a cell that is not UTF-8 text");
		}
		sheet_progress(s, &done, &total);
		check(done <= total, "progress past the total");
	}
	if (rc < 0) {
		one_line(why);
		check(sheet_next(s, &r, again, sizeof again) == -1 && strcmp(why, again) == 0, "an error that does not stay");
	} else {
		sheet_progress(s, &done, &total);
		check(done == total, "the end short of the total");
		check(sheet_next(s, &r, why, sizeof why) == 0, "rows after the end");
	}
	sheet_close(s);
}

static void one_input(const uint8_t *data, size_t size)
{
	zh = size && (data[0] & 1);
	read_all(data, size, "csv");
	read_all(data, size, "tsv");
	read_all(data, size, "text");
}

#ifndef MUSTER_FUZZ_SEEDS
static void fuzz_init(void)
{
}
#endif

#include "fuzz.h"

#ifdef MUSTER_FUZZ_SEEDS
static void seed(const char *name, const void *p, size_t n)
{
	muster_buf b = {0};
	muster_buf_put(&b, p, n);
	save(name, &b);
	muster_buf_free(&b);
}

#define SEED(name, lit) seed(name, lit, sizeof lit - 1)

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	SEED("utf8", "id,name,qty,value\nRIG-01,\xe5\xae\x9a\xe5\x90\x91\xe9\x92\xbb\xe6\x9c\xba,1,3580000\n"
		     "RIG-02,\" spaced, quoted \",2,\n");
	SEED("bom_crlf", "\xef\xbb\xbfid,note\r\nBA-001,\"two\r\nlines\"\r\nBA-002,\"say \"\"hi\"\"\"\r\n");
	SEED("gb18030", "\xd7\xb0\xb1\xb8\xc3\xfb\xb3\xc6,qty\r\n\xd7\xb0\xb1\xb8,2\r\n");
	SEED("utf16le", "\xff\xfe" "a\0\t\0b\0\r\0\n\0" "1\0\t\0" "2\0\r\0\n\0");
	SEED("semicolons", "a;b;\"c;d\"\r1;2;3\r\r");
	SEED("tabs", "a\tb\"c\t\"q\"tail\n\n\tx\t\n");
	SEED("unclosed", "a,b\nc,\"d\ne\n");
	SEED("ole", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0");
	return 0;
}
#endif
