/*
 * test_sheet.c - the spreadsheet readers (tools/sheet.c): text in every
 * encoding Excel writes (UTF-8 with and without a BOM, UTF-16LE "Unicode
 * Text", GB18030 CSV), RFC 4180 quoting and row numbers, every refusal
 * with its message (binary files, .xls, bad encodings, unclosed quotes,
 * over-long lines and fields), and .xlsx workbooks built here with
 * libzip: sheets picked by name and number, shared and inline strings,
 * dates in both date systems, booleans, errors, sparse rows and cells,
 * and damaged, hostile and bomb-like files.
 */
#include "tap.h"

#include "cli.h"
#include "sheet.h"

#include <muster/muster.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

static char tmpdir[] = "/tmp/test_sheet.XXXXXX";
static char why[600];

/* The messages' language, as tools/lang.c would give it from the environment. */
static int zh;
int cli_zh(void)
{
	return zh;
}

/* ---- reading everything into one string ------------------------------------ */

static const char kind_letter[] = {'-', 'T', 'N', 'D', 'B', 'E'};

/*
 * Every row as "NUMBER:CELL|CELL...\n", a cell "" when empty and otherwise
 * its kind's letter (T N D B E), ':' and its text; or "ERR" and the reason
 * if reading fails.  The sheet is closed.
 */
static char *dump(sheet *s)
{
	muster_buf b = {0};
	struct sheet_row r;
	int rc;
	uint64_t last = 0;
	while ((rc = sheet_next(s, &r, why, sizeof why)) == 1) {
		if (r.number <= last)
			muster_buf_printf(&b, "(row numbers not increasing)");
		last = r.number;
		muster_buf_printf(&b, "%llu:", (unsigned long long)r.number);
		for (size_t i = 0; i < r.ncells; i++) {
			const struct sheet_cell *c = &r.cells[i];
			if (i)
				muster_buf_puts(&b, "|");
			if (c->kind == SHEET_EMPTY) {
				if (c->len)
					muster_buf_puts(&b, "(empty with text)");
				continue;
			}
			if (c->text[c->len] != 0 || strlen(c->text) != c->len)
				muster_buf_puts(&b, "(not NUL-terminated)");
			if (!muster_utf8_valid(c->text, c->len))
				muster_buf_puts(&b, "(not UTF-8)");
			muster_buf_printf(&b, "%c:", kind_letter[c->kind]);
			muster_buf_put(&b, c->text, c->len);
		}
		if (r.ncells && r.cells[r.ncells - 1].kind == SHEET_EMPTY)
			muster_buf_puts(&b, "(trailing empty cell)");
		muster_buf_puts(&b, "\n");
	}
	if (rc < 0)
		muster_buf_printf(&b, "ERR %s", why);
	sheet_close(s);
	muster_buf_put(&b, "", 1);
	return (char *)b.data;
}

static sheet *mem(const char *kind, const void *p, size_t n)
{
	sheet *s = NULL;
	why[0] = 0;
	if (sheet_open_mem(p, n, kind, &s, why, sizeof why) != 0)
		return NULL;
	return s;
}

/* Reads n bytes at p as kind and checks the dump. */
static void reads(const char *what, const char *kind, const void *p, size_t n, const char *want)
{
	sheet *s = mem(kind, p, n);
	if (!s) {
		ok(0, "%s: opens (%s)", what, why);
		return;
	}
	char *got = dump(s);
	if (!ok(strcmp(got, want) == 0, "%s", what))
		printf("#   got  \"%s\"\n#   want \"%s\"\n", got, want);
	free(got);
}

/* Reading n bytes at p as kind fails, at open or on a later row, with a reason containing reason. */
static void refused(const char *what, const char *kind, const void *p, size_t n, const char *reason)
{
	sheet *s = mem(kind, p, n);
	char *got = NULL;
	if (s) {
		got = dump(s);
		char *e = strstr(got, "ERR ");
		snprintf(why, sizeof why, "%s", e ? e + 4 : "(no error)");
	}
	if (!ok(strstr(why, reason) != NULL && !strchr(why, '\n'), "%s: refused", what))
		printf("#   got  \"%s\"\n#   want \"...%s...\"\n", why, reason);
	free(got);
}

static void write_file(const char *name, const void *p, size_t n, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* ---- text -------------------------------------------------------------------- */

static void test_encodings(void)
{
	char path[600];
	sheet *s;

	reads("UTF-8 CSV", "csv", "name,qty\n\xe8\xa3\x85\xe5\xa4\x87,3\n", 17, "1:T:name|T:qty\n2:T:\xe8\xa3\x85\xe5\xa4\x87|T:3\n");
	s = mem("csv", "a,b\n", 4);
	ok(s && strcmp(sheet_encoding(s), "UTF-8") == 0 && sheet_delimiter(s) == ',', "plain UTF-8 is named UTF-8, comma");
	sheet_close(s);

	static const char bom[] = "\xef\xbb\xbf\xe8\xa3\x85\xe5\xa4\x87,b\r\nc,d\r\n";
	reads("UTF-8 with a BOM: the BOM is not part of the first cell", "csv", bom, sizeof bom - 1,
		"1:T:\xe8\xa3\x85\xe5\xa4\x87|T:b\n2:T:c|T:d\n");
	s = mem("csv", bom, sizeof bom - 1);
	ok(s && strcmp(sheet_encoding(s), "UTF-8 (BOM)") == 0, "UTF-8 (BOM)");
	sheet_close(s);

	/* Excel's "Unicode Text": UTF-16LE with a BOM, tab-separated, CRLF; saved as .txt. */
	static const uint16_t u16[] = {0x540d, 0x79f0, '\t', 0x6570, 0x91cf, '\r', '\n', 0x94bb, 0x673a, '\t', '2', '\r', '\n'};
	unsigned char le[2 + 2 * sizeof u16 / sizeof u16[0]];
	le[0] = 0xff;
	le[1] = 0xfe;
	for (size_t i = 0; i < sizeof u16 / sizeof u16[0]; i++) {
		le[2 + 2 * i] = (unsigned char)(u16[i] & 0xff);
		le[3 + 2 * i] = (unsigned char)(u16[i] >> 8);
	}
	write_file("unicode.txt", le, sizeof le, path, sizeof path);
	if (sheet_open(path, NULL, &s, why, sizeof why) != 0) {
		ok(0, "UTF-16LE .txt opens (%s)", why);
	} else {
		ok(strcmp(sheet_encoding(s), "UTF-16LE (BOM)") == 0 && sheet_delimiter(s) == '\t', "UTF-16LE (BOM), .txt is tab-separated");
		char *got = dump(s);
		ok(strcmp(got, "1:T:\xe5\x90\x8d\xe7\xa7\xb0|T:\xe6\x95\xb0\xe9\x87\x8f\n2:T:\xe9\x92\xbb\xe6\x9c\xba|T:2\n") == 0,
			"UTF-16LE TSV converted to UTF-8");
		free(got);
	}
	/* UTF-16BE, the same. */
	unsigned char be[sizeof le];
	for (size_t i = 0; i < sizeof le; i += 2) {
		be[i] = le[i + 1];
		be[i + 1] = le[i];
	}
	s = mem("tsv", be, sizeof be);
	ok(s && strcmp(sheet_encoding(s), "UTF-16BE (BOM)") == 0, "UTF-16BE (BOM)");
	sheet_close(s);
	refused("UTF-16LE with a lone surrogate", "tsv", "\xff\xfe" "a\0\x00\xd8" "b\0", 8, "is not valid UTF-16 (byte offset 4)");
	refused("UTF-16 with a NUL character", "tsv", "\xff\xfe" "a\0\0\0", 6, "NUL character at byte offset 4");
	refused("UTF-16 without a BOM", "csv", "a\0,\0b\0", 6, "UTF-16 text without a byte-order mark");

	/* Chinese Excel's CSV: GB18030 (GBK) without a BOM; "装备名称" is D7 B0 B1 B8 C3 FB B3 C6. */
	static const char gb[] = "\xd7\xb0\xb1\xb8\xc3\xfb\xb3\xc6,qty\r\n\xd7\xb0\xb1\xb8,2\r\n";
	write_file("gbk.csv", gb, sizeof gb - 1, path, sizeof path);
	if (sheet_open(path, NULL, &s, why, sizeof why) != 0) {
		ok(0, "GB18030 CSV opens (%s)", why);
	} else {
		ok(strcmp(sheet_encoding(s), "GB18030") == 0, "GB18030 detected");
		char *got = dump(s);
		ok(strcmp(got, "1:T:\xe8\xa3\x85\xe5\xa4\x87\xe5\x90\x8d\xe7\xa7\xb0|T:qty\n2:T:\xe8\xa3\x85\xe5\xa4\x87|T:2\n") == 0,
			"GB18030 converted to UTF-8");
		free(got);
	}

	refused("neither UTF-8 nor GB18030", "csv", "abc,\x80\n", 6, "neither UTF-8 nor GB18030 text (byte offset 4); save it as CSV UTF-8");
	refused("an overlong UTF-8 NUL, not GB18030 either", "csv", "ab\xc0\x80\xff", 5, "neither UTF-8 nor GB18030 text (byte offset");
	refused("a UTF-8 BOM over bad UTF-8", "csv", "\xef\xbb\xbf" "a\xed\xa0\x80", 7, "not valid UTF-8 (byte offset 4)");
	refused("a UTF-8 BOM over a code point past U+10FFFF", "csv", "\xef\xbb\xbf\xf4\x90\x80\x80", 7, "not valid UTF-8 (byte offset 3)");
	refused("a NUL byte", "csv", "a,b\0c\n", 6, "is not a text file (NUL byte at offset 3): is it an .xls, .pdf or other binary?");
	refused("a PDF renamed .csv", "csv", "%PDF-1.4\n%\xe2\xe3\n1 0 obj\0", 21, "is not a text file (NUL byte at offset 20)");

	unsigned char ole[1024] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
	refused("an old .xls", "csv", ole, sizeof ole, "input.csv is an old Excel 97-2003 .xls file; open it in Excel and save it as .xlsx");
	static const char pkg[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";
	memcpy(ole + 600, pkg, sizeof pkg - 1);
	refused("a password-protected workbook", "xlsx", ole, sizeof ole, "input.xlsx is a password-protected workbook");

	reads("an empty file has no rows", "csv", "", 0, "");
	s = mem("csv", "", 0);
	uint64_t done = 1, total = 1;
	if (s)
		sheet_progress(s, &done, &total);
	ok(s && done == 0 && total == 0, "an empty file's progress is 0 of 0");
	sheet_close(s);
}

static void test_csv(void)
{
	static const char q[] = "\"a \"\"quoted\"\" word\",\"line1\nline2\",x\nnext,\"\",\n\"q\"tail,b\"c\n";
	reads("quotes, doubled quotes, a newline inside quotes; row numbers by first line", "csv", q, sizeof q - 1,
		"1:T:a \"quoted\" word|T:line1\nline2|T:x\n3:T:next\n4:T:qtail|T:b\"c\n");
	static const char crlf[] = "\"a\r\nb\",c\r\nd\r\n";
	reads("CRLF inside quotes becomes one \\n", "csv", crlf, sizeof crlf - 1, "1:T:a\nb|T:c\n3:T:d\n");
	static const char cr[] = "a,b\rc,d\r\re\r";
	reads("CR-only line ends (old Mac Excel); a blank line is a row with no cells", "csv", cr, sizeof cr - 1,
		"1:T:a|T:b\n2:T:c|T:d\n3:\n4:T:e\n");
	reads("a last line without a newline", "csv", "a\nb", 3, "1:T:a\n2:T:b\n");
	reads("spaces kept, empty cells inside a row", "csv", " a ,, b\n", 8, "1:T: a ||T: b\n");
	reads("a semicolon file named .csv is read with commas", "csv", "a;b,c\n", 6, "1:T:a;b|T:c\n");

	static const char unclosed[] = "a,b\nc,\"d\ne\nf";
	refused("a quote never closed", "csv", unclosed, sizeof unclosed - 1,
		"input.csv line 2: a quoted field opened here is never closed; check the quotes on this line");

	/* Delimiter sniffing for names other than .csv/.tsv. */
	sheet *s = mem("text", "a;b;c\n1;2;3\n", 12);
	ok(s && sheet_delimiter(s) == ';', "sniffed: semicolons");
	sheet_close(s);
	s = mem("text", "\"x,y,z\";b\n", 10);
	ok(s && sheet_delimiter(s) == ';', "sniffed: commas inside quotes do not count");
	sheet_close(s);
	s = mem("text", "a\tb,c\n1,2,3,4\n", 14);
	ok(s && sheet_delimiter(s) == '\t', "sniffed from the first record only; a tie goes to tab");
	sheet_close(s);
	reads("sniffed commas", "text", "a,b,c;d\n", 8, "1:T:a|T:b|T:c;d\n");
	reads("tsv", "tsv", "a\tb,c\n", 6, "1:T:a|T:b,c\n");

	/* Limits. */
	size_t big = (size_t)5 << 20;
	char *p = malloc(big + 64);
	memset(p, 'x', big);
	refused("a 5 MiB line", "csv", p, big, "input.csv line 1 is longer than 4 MiB: is this really a CSV file?");
	memcpy(p, "h1,h2\n", 6);
	for (size_t i = 6 + 512 * 1024; i < big; i += 512 * 1024)
		p[i] = ',';
	refused("a 5 MiB line of 512 KiB fields", "csv", p, big, "input.csv line 2 is longer than 4 MiB");
	memset(p, 'y', (size_t)2 << 20);
	memcpy(p + ((size_t)2 << 20), "\nok\n", 4);
	refused("a 2 MiB field", "csv", p, ((size_t)2 << 20) + 4, "input.csv line 1: a field is longer than 1 MiB");
	p[0] = '"';
	refused("a quoted field running on", "csv", p, ((size_t)2 << 20) + 4, "line 1: a quoted field opened here runs on for more than 1 MiB");
	free(p);

	size_t cols = 16385;
	p = malloc(2 * cols + 1);
	for (size_t i = 0; i < cols; i++) {
		p[2 * i] = 'a';
		p[2 * i + 1] = ',';
	}
	p[2 * cols - 1] = '\n';
	refused("16,385 columns", "csv", p, 2 * cols, "input.csv line 1 has more than 16,384 columns");
	s = mem("csv", p + 2, 2 * cols - 2);
	struct sheet_row r;
	ok(s && sheet_next(s, &r, why, sizeof why) == 1 && r.ncells == 16384, "16,384 columns are fine");
	sheet_close(s);
	free(p);

	/* An error stays. */
	s = mem("csv", unclosed, sizeof unclosed - 1);
	char first[600];
	ok(s && sheet_next(s, &r, why, sizeof why) == 1 && sheet_next(s, &r, first, sizeof first) == -1 &&
			sheet_next(s, &r, why, sizeof why) == -1 && strcmp(first, why) == 0,
		"after an error every call gives it again");
	sheet_close(s);

	/* Progress ends at the total. */
	s = mem("csv", q, sizeof q - 1);
	uint64_t done = 0, total = 0;
	while (s && sheet_next(s, &r, why, sizeof why) == 1)
		;
	if (s)
		sheet_progress(s, &done, &total);
	ok(s && done == total && total == sizeof q - 1, "progress: all bytes read");
	sheet_close(s);

	/* Chinese messages. */
	zh = 1;
	refused("an unclosed quote, in Chinese", "csv", unclosed, sizeof unclosed - 1, "input.csv \xe7\xac\xac 2 \xe8\xa1\x8c");
	zh = 0;
}

static void test_files(void)
{
	char path[600];
	sheet *s;
	snprintf(path, sizeof path, "%s/missing.csv", tmpdir);
	ok(sheet_open(path, NULL, &s, why, sizeof why) == -1 && strstr(why, "cannot open") && strstr(why, "missing.csv"),
		"a missing file: %s", why);
	ok(sheet_open(tmpdir, NULL, &s, why, sizeof why) == -1 && strstr(why, "cannot read") && strstr(why, "directory"),
		"a directory: %s", why);
	write_file("plain.dat", "a;b\n", 4, path, sizeof path);
	if (sheet_open(path, NULL, &s, why, sizeof why) == 0) {
		ok(sheet_delimiter(s) == ';' && sheet_title(s) == NULL, "another name: the delimiter is sniffed");
		sheet_close(s);
	} else {
		ok(0, "plain.dat opens (%s)", why);
	}
	write_file("tab.TSV", "a,b\tc\n", 6, path, sizeof path);
	if (sheet_open(path, NULL, &s, why, sizeof why) == 0) {
		ok(sheet_delimiter(s) == '\t', ".TSV: tab");
		sheet_close(s);
	} else {
		ok(0, "tab.TSV opens (%s)", why);
	}
}

/* ---- xlsx ------------------------------------------------------------------------ */

struct zpart {
	const char *name, *data;
};

/* Closes z, written to src, and returns what it wrote in a malloc'd buffer; src and ze are done with. */
static unsigned char *zip_bytes(zip_t *z, zip_source_t *src, zip_error_t *ze, size_t *len)
{
	if (zip_close(z) != 0) {
		printf("Bail out! zip_close: %s\n", zip_strerror(z));
		exit(1);
	}
	zip_stat_t st;
	zip_source_open(src);
	zip_source_stat(src, &st);
	unsigned char *buf = malloc(st.size + 1);
	*len = (size_t)zip_source_read(src, buf, st.size);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(ze);
	return buf;
}

/* A zip of these parts (deflated), in a malloc'd buffer. */
static unsigned char *make_zip(const struct zpart *parts, size_t n, size_t *len)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_source_keep(src);
	zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	for (size_t i = 0; i < n; i++) {
		zip_source_t *ps = zip_source_buffer(z, parts[i].data, strlen(parts[i].data), 0);
		if (!ps || zip_file_add(z, parts[i].name, ps, ZIP_FL_ENC_UTF_8) < 0) {
			printf("Bail out! zip_file_add %s: %s\n", parts[i].name, zip_strerror(z));
			exit(1);
		}
	}
	return zip_bytes(z, src, &ze, len);
}

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
#define RNS "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define RT "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"" RT "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"" RT "worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
	"<Relationship Id=\"rId3\" Type=\"" RT "styles\" Target=\"styles.xml\"/>"
	"<Relationship Id=\"rId4\" Type=\"" RT "sharedStrings\" Target=\"./sharedStrings.xml\"/>"
	"</Relationships>";

/* xf 0 General, 1 built-in 14, 2 yyyy"年"m"月"d"日", 3 [h]:mm:ss, 4 0.00 with [Red], 5 m月d日, 6 built-in 31, 7 "Day "0. */
static const char styles[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<styleSheet " NS "><numFmts count=\"5\">"
	"<numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;\xe5\xb9\xb4&quot;m&quot;\xe6\x9c\x88&quot;d&quot;\xe6\x97\xa5&quot;\"/>"
	"<numFmt numFmtId=\"165\" formatCode=\"[h]:mm:ss\"/>"
	"<numFmt numFmtId=\"166\" formatCode=\"0.00_);[Red]\\(0.00\\)\"/>"
	"<numFmt numFmtId=\"167\" formatCode=\"m\xe6\x9c\x88" "d\xe6\x97\xa5\"/>"
	"<numFmt numFmtId=\"168\" formatCode=\"&quot;Day &quot;0\"/></numFmts>"
	"<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
	"<cellXfs count=\"8\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/><xf numFmtId=\"164\"/>"
	"<xf numFmtId=\"165\"/><xf numFmtId=\"166\"/><xf numFmtId=\"167\"/><xf numFmtId=\"31\"/><xf numFmtId=\"168\"/></cellXfs>"
	"<dxfs count=\"1\"><dxf><numFmt numFmtId=\"14\" formatCode=\"0.00\"/></dxf></dxfs>"
	"</styleSheet>";

/* 0 装备名称, 1 rich text "Rich text", 2 東京 with its phonetic run, 3 escapes, 4 empty. */
static const char sst[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<sst " NS " count=\"5\" uniqueCount=\"5\">"
	"<si><t>\xe8\xa3\x85\xe5\xa4\x87\xe5\x90\x8d\xe7\xa7\xb0</t></si>"
	"<si><r><rPr><b/><sz val=\"11\"/></rPr><t xml:space=\"preserve\">Rich </t></r><r><t>text</t></r></si>"
	"<si><t>\xe6\x9d\xb1\xe4\xba\xac</t><rPh sb=\"0\" eb=\"2\"><t>\xe3\x83\x88\xe3\x82\xa6\xe3\x82\xad\xe3\x83\xa7\xe3\x82\xa6</t></rPh>"
	"<phoneticPr fontId=\"1\"/></si>"
	"<si><t>line_x000D__x000A_two _x005F_x0041_</t></si>"
	"<si><t/></si>"
	"</sst>";

static const char sheet1[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<worksheet " NS " " RNS "><dimension ref=\"A1:E7\"/><sheetData>"
	"<row r=\"1\" spans=\"1:3\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"s\"><v>2</v></c></row>\n"
	"<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>inline</t></is></c><c r=\"C3\" t=\"b\"><v>1</v></c>"
	"<c r=\"D3\" t=\"b\"><v>0</v></c><c r=\"E3\" t=\"e\"><f>1/0</f><v>#N/A</v></c></row>\n"
	"<row><c t=\"str\"><f>A1&amp;\"x\"</f><v>calc</v></c><c><v>3580000</v></c><c s=\"4\"><v>12.5</v></c>"
	"<c t=\"n\"><v>1E-3</v></c><c s=\"1\"/></row>\n"
	"<row r=\"6\"><c r=\"B6\" t=\"s\"><v>3</v></c><c r=\"C6\" t=\"s\"><v>4</v></c>"
	"<c r=\"D6\" t=\"inlineStr\"><is><r><t>a</t></r><r><t>b</t></r><rPh><t>x</t></rPh></is></c></row>\n"
	"<row r=\"7\"/>"
	"</sheetData><mergeCells count=\"1\"><mergeCell ref=\"A1:B1\"/></mergeCells></worksheet>";

static const char sheet1_want[] =
	"1:T:\xe8\xa3\x85\xe5\xa4\x87\xe5\x90\x8d\xe7\xa7\xb0|T:Rich text|T:\xe6\x9d\xb1\xe4\xba\xac\n"
	"3:T:inline||B:TRUE|B:FALSE|E:#N/A\n"
	"4:T:calc|N:3580000|N:12.5|N:1E-3\n"
	"6:|T:line\r\ntwo _x0041_||T:ab\n"
	"7:\n";

/* Dates, with an x: prefix on every element as some writers do. */
static const char sheet2[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><x:sheetData>"
	"<x:row r=\"1\"><x:c r=\"A1\" s=\"1\"><x:v>45292</x:v></x:c><x:c r=\"B1\" s=\"1\"><x:v>60</x:v></x:c>"
	"<x:c r=\"C1\" s=\"1\"><x:v>59</x:v></x:c><x:c r=\"D1\" s=\"1\"><x:v>61</x:v></x:c><x:c r=\"E1\" s=\"1\"><x:v>1</x:v></x:c></x:row>"
	"<x:row r=\"2\"><x:c r=\"A2\" s=\"2\"><x:v>45292.75</x:v></x:c><x:c r=\"B2\" s=\"5\"><x:v>45292</x:v></x:c>"
	"<x:c r=\"C2\" s=\"6\"><x:v>45292</x:v></x:c><x:c r=\"D2\" s=\"3\"><x:v>1.5</x:v></x:c><x:c r=\"E2\" s=\"7\"><x:v>45292</x:v></x:c></x:row>"
	"<x:row r=\"3\"><x:c r=\"A3\" s=\"1\"><x:v>0</x:v></x:c><x:c r=\"B3\" s=\"1\"><x:v>2958466</x:v></x:c>"
	"<x:c r=\"C3\" s=\"1\"><x:v>2958465</x:v></x:c><x:c r=\"D3\" t=\"d\"><x:v>2024-03-05T10:00:00</x:v></x:c>"
	"<x:c r=\"E3\" s=\"1\"><x:v>-5</x:v></x:c><x:c r=\"F3\" s=\"1\"><x:v>4.5292E4</x:v></x:c></x:row>"
	"</x:sheetData></x:worksheet>";

static const char sheet2_want_1900[] =
	"1:D:2024-01-01|D:1900-02-29|D:1900-02-28|D:1900-03-01|D:1900-01-01\n"
	"2:D:2024-01-01|D:2024-01-01|D:2024-01-01|N:1.5|N:45292\n"
	"3:N:0|N:2958466|D:9999-12-31|D:2024-03-05|N:-5|D:2024-01-01\n";

static const char sheet2_want_1904[] =
	"1:D:2028-01-02|D:1904-03-01|D:1904-02-29|D:1904-03-02|D:1904-01-02\n"
	"2:D:2028-01-02|D:2028-01-02|D:2028-01-02|N:1.5|N:45292\n"
	"3:D:1904-01-01|N:2958466|N:2958465|D:2024-03-05|N:-5|D:2028-01-02\n";

static char workbook[1024];

static const char *make_workbook(const char *date1904)
{
	snprintf(workbook, sizeof workbook,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		"<workbook " NS " " RNS "><fileVersion appName=\"xl\"/>%s%s%s<bookViews/><sheets>"
		"<sheet name=\"\xe8\xa3\x85\xe5\xa4\x87\" sheetId=\"1\" r:id=\"rId1\"/>"
		"<sheet name=\"Dates\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>",
		date1904 ? "<workbookPr date1904=\"" : "<workbookPr defaultThemeVersion=\"124226\"", date1904 ? date1904 : "",
		date1904 ? "\"/>" : "/>");
	return workbook;
}

/* The test workbook, with a replacement for one part (NULL: none) and the date system; in a malloc'd buffer. */
static unsigned char *book(const char *date1904, const char *part, const char *data, size_t *len)
{
	struct zpart parts[] = {
		{"[Content_Types].xml", "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"},
		{"xl/workbook.xml", make_workbook(date1904)},
		{"xl/_rels/workbook.xml.rels", rels},
		{"xl/styles.xml", styles},
		{"xl/sharedStrings.xml", sst},
		{"xl/worksheets/sheet1.xml", sheet1},
		{"xl/worksheets/sheet2.xml", sheet2},
	};
	for (size_t i = 0; part && i < sizeof parts / sizeof parts[0]; i++)
		if (strcmp(parts[i].name, part) == 0)
			parts[i].data = data;
	return make_zip(parts, sizeof parts / sizeof parts[0], len);
}

/* Opens the file at path with sheet want and checks the dump, or that it fails with reason. */
static void pick(const char *path, const char *want, const char *title, const char *dump_want, const char *reason)
{
	sheet *s;
	int rc = sheet_open(path, want, &s, why, sizeof why);
	if (reason) {
		if (!ok(rc == -1 && strstr(why, reason), "sheet %s: refused", want ? want : "NULL"))
			printf("#   got \"%s\"\n", rc ? why : "(opened)");
		if (rc == 0)
			sheet_close(s);
		return;
	}
	if (rc != 0) {
		ok(0, "sheet %s: opens (%s)", want ? want : "NULL", why);
		return;
	}
	ok(strcmp(sheet_title(s), title) == 0 && strcmp(sheet_encoding(s), "xlsx") == 0 && sheet_delimiter(s) == 0,
		"sheet %s is \"%s\"", want ? want : "NULL", sheet_title(s));
	char *got = dump(s);
	if (!ok(strcmp(got, dump_want) == 0, "sheet %s: its rows", want ? want : "NULL"))
		printf("#   got  \"%s\"\n#   want \"%s\"\n", got, dump_want);
	free(got);
}

static void test_xlsx(void)
{
	size_t n;
	char path[600];
	unsigned char *z = book(NULL, NULL, NULL, &n);
	/* Named .csv: the zip magic wins. */
	write_file("book.csv", z, n, path, sizeof path);
	pick(path, NULL, "\xe8\xa3\x85\xe5\xa4\x87", sheet1_want, NULL);
	pick(path, "\xe8\xa3\x85\xe5\xa4\x87", "\xe8\xa3\x85\xe5\xa4\x87", sheet1_want, NULL);
	pick(path, "1", "\xe8\xa3\x85\xe5\xa4\x87", sheet1_want, NULL);
	pick(path, "Dates", "Dates", sheet2_want_1900, NULL);
	pick(path, "dates", "Dates", sheet2_want_1900, NULL);
	pick(path, "2", "Dates", sheet2_want_1900, NULL);
	pick(path, "3", NULL, NULL, "has 2 sheets, so there is no sheet 3");
	pick(path, "Nope", NULL, NULL, "has no sheet called \"Nope\"; its sheets are: \"\xe8\xa3\x85\xe5\xa4\x87\", \"Dates\"");
	reads("the first sheet from memory", "xlsx", z, n, sheet1_want);

	/* Progress: the sheet's XML, all of it at the end. */
	sheet *s = mem("xlsx", z, n);
	struct sheet_row r;
	uint64_t done = 1, total = 0;
	if (s)
		sheet_progress(s, &done, &total);
	ok(s && done == 0 && total == sizeof sheet1 - 1, "xlsx progress starts at 0 of the sheet's size");
	while (s && sheet_next(s, &r, why, sizeof why) == 1)
		;
	if (s)
		sheet_progress(s, &done, &total);
	ok(s && done == total, "xlsx progress ends at the total");
	sheet_close(s);

	/* Truncated. */
	refused("a truncated xlsx", "xlsx", z, n / 2,
		"input.xlsx is not a complete .xlsx file (the zip directory is missing or cut short); save it again from Excel");
	refused("a truncated xlsx, a few bytes short", "xlsx", z, n - 5, "is not a complete .xlsx file");
	refused("the zip magic and nothing else", "csv", "PK\3\4garbage", 11, "input.csv is not a complete .xlsx file");
	free(z);

	z = book("1", NULL, NULL, &n);
	write_file("book1904.xlsx", z, n, path, sizeof path);
	pick(path, "Dates", "Dates", sheet2_want_1904, NULL);
	free(z);
	z = book("true", NULL, NULL, &n);
	reads("date1904=\"true\"", "xlsx", z, n, sheet1_want);
	free(z);
}

/* A workbook whose sheet1.xml is data; the reading of it: its dump. */
static void sheet_case(const char *what, const char *data, const char *want_or_reason, int refuse)
{
	size_t n;
	unsigned char *z = book(NULL, "xl/worksheets/sheet1.xml", data, &n);
	if (refuse)
		refused(what, "xlsx", z, n, want_or_reason);
	else
		reads(what, "xlsx", z, n, want_or_reason);
	free(z);
}

#define WS(rows) "<worksheet " NS "><sheetData>" rows "</sheetData></worksheet>"

static void test_xlsx_cells(void)
{
	sheet_case("cells and rows without r follow the last", WS("<row><c><v>1</v></c><c><v>2</v></c></row><row><c r=\"C2\"><v>3</v></c><c><v>4</v></c></row>"),
		"1:N:1|N:2\n2:||N:3|N:4\n", 0);
	char *want = malloc(32 + 16384);
	strcpy(want, "1048576:");
	memset(want + 8, '|', 16383);
	strcpy(want + 8 + 16383, "T:last\n");
	sheet_case("the last cell, XFD1048576", WS("<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>last</t></is></c></row>"),
		want, 0);
	free(want);
	sheet_case("a cell past XFD", WS("<row><c r=\"XFE1\"><v>1</v></c></row>"), "\"XFE1\" is not a cell between A and XFD", 1);
	sheet_case("a bad cell reference", WS("<row><c r=\"1A\"><v>1</v></c></row>"), "row 1: \"1A\" is not a cell between A and XFD", 1);
	sheet_case("cells out of order", WS("<row r=\"2\"><c r=\"C2\"><v>1</v></c><c r=\"B2\"><v>1</v></c></row>"),
		"cell B2 comes after a cell to its right", 1);
	sheet_case("rows out of order", WS("<row r=\"5\"/><row r=\"3\"/>"), "row 3 comes after row 5", 1);
	sheet_case("a bad row number", WS("<row r=\"0\"/>"), "the row number \"0\" is not one of 1 to 1,048,576", 1);
	sheet_case("a row past 1,048,576", WS("<row r=\"1048577\"/>"), "the row number \"1048577\"", 1);
	sheet_case("a shared string out of range", WS("<row><c r=\"B1\" t=\"s\"><v>5</v></c></row>"),
		"input.xlsx: xl/worksheets/sheet1.xml cell B1 refers to shared string \"5\" of 5", 1);
	sheet_case("an XML syntax error", WS("<row><c><v>1</v></row>"),
		"input.xlsx: xl/worksheets/sheet1.xml line 1: mismatched tag; the file is damaged, save it again", 1);
	sheet_case("a DOCTYPE", "<!DOCTYPE worksheet [<!ENTITY a \"aaaaaaaaaa\">]>" WS("<row><c t=\"inlineStr\"><is><t>&a;</t></is></c></row>"),
		"xl/worksheets/sheet1.xml line 1 declares a DOCTYPE or an entity, which Excel never writes; refused", 1);
	sheet_case("odd booleans and dates kept as text",
		WS("<row><c t=\"b\"><v>yes</v></c><c t=\"d\"><v>March</v></c><c t=\"d\"><v>2024-03-05</v></c><c t=\"zz\"><v>q</v></c></row>"),
		"1:T:yes|T:March|D:2024-03-05|T:q\n", 0);
	sheet_case("empty values and empty cells", WS("<row><c t=\"s\"/><c><v></v></c><c t=\"inlineStr\"><is/></c><c><v>0</v></c></row>"),
		"1:|||N:0\n", 0);
	sheet_case("a date style out of range stays a number", WS("<row><c s=\"1\"><v>1E+9</v></c><c s=\"99\"><v>45292</v></c></row>"),
		"1:N:1E+9|N:45292\n", 0);

	/* A big sheet: 100,000 rows streamed through many chunks and suspensions. */
	muster_buf b = {0};
	muster_buf_puts(&b, "<worksheet " NS "><sheetData>");
	for (int i = 1; i <= 100000; i++)
		muster_buf_printf(&b, "<row r=\"%d\"><c r=\"A%d\" t=\"inlineStr\"><is><t>row %d</t></is></c><c r=\"C%d\"><v>%d</v></c></row>",
			i, i, i, i, i);
	muster_buf_puts(&b, "</sheetData></worksheet>");
	muster_buf_put(&b, "", 1);
	size_t n;
	unsigned char *z = book(NULL, "xl/worksheets/sheet1.xml", (const char *)b.data, &n);
	sheet *s = mem("xlsx", z, n);
	struct sheet_row r;
	int rows = 0, good = 1;
	char label[32];
	while (s && sheet_next(s, &r, why, sizeof why) == 1) {
		rows++;
		snprintf(label, sizeof label, "row %d", rows);
		good &= r.number == (uint64_t)rows && r.ncells == 3 && strcmp(r.cells[0].text, label) == 0 &&
			r.cells[1].kind == SHEET_EMPTY && r.cells[2].kind == SHEET_NUMBER && (int)strtol(r.cells[2].text, NULL, 10) == rows;
	}
	ok(s && rows == 100000 && good, "100,000 rows streamed in order (%d)", rows);
	sheet_close(s);
	free(z);
	muster_buf_free(&b);
}

static void test_xlsx_structure(void)
{
	size_t n;
	char path[600];
	unsigned char *z;

	/* No workbook: the fallback sheet1.xml. */
	struct zpart only[] = {{"xl/worksheets/sheet1.xml", WS("<row><c><v>7</v></c></row>")}};
	z = make_zip(only, 1, &n);
	write_file("bare.xlsx", z, n, path, sizeof path);
	pick(path, NULL, "sheet1", "1:N:7\n", NULL);
	pick(path, "1", "sheet1", "1:N:7\n", NULL);
	pick(path, "Data", NULL, NULL, "has no sheet called \"Data\"; it has only one, sheet1");
	free(z);

	/* A chart sheet, a hidden sheet, then the data. */
	static const char wb3[] = "<workbook " NS " " RNS "><sheets><sheet name=\"Chart1\" sheetId=\"3\" r:id=\"rId3\"/>"
				  "<sheet name=\"Lists\" sheetId=\"2\" state=\"hidden\" r:id=\"rId2\"/>"
				  "<sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
	static const char rels3[] = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
				    "<Relationship Id=\"rId1\" Type=\"" RT "worksheet\" Target=\"worksheets/data.xml\"/>"
				    "<Relationship Id=\"rId2\" Type=\"" RT "worksheet\" Target=\"worksheets/../worksheets/lists.xml\"/>"
				    "<Relationship Id=\"rId3\" Type=\"" RT "chartsheet\" Target=\"chartsheets/sheet1.xml\"/>"
				    "</Relationships>";
	struct zpart three[] = {{"xl/workbook.xml", wb3}, {"xl/_rels/workbook.xml.rels", rels3},
		{"xl/worksheets/data.xml", WS("<row><c t=\"inlineStr\"><is><t>data</t></is></c></row>")},
		{"xl/worksheets/lists.xml", WS("<row><c t=\"inlineStr\"><is><t>lists</t></is></c></row>")},
		{"xl/chartsheets/sheet1.xml", "<chartsheet " NS "/>"}};
	z = make_zip(three, 5, &n);
	write_file("three.xlsx", z, n, path, sizeof path);
	pick(path, NULL, "Data", "1:T:data\n", NULL);
	pick(path, "2", "Lists", "1:T:lists\n", NULL);
	pick(path, "Chart1", NULL, NULL, "sheet \"Chart1\" is a chart or macro sheet, not a worksheet");
	free(z);

	/* The workbook names a part that is not there. */
	three[2].name = "xl/worksheets/other.xml";
	z = make_zip(three, 5, &n);
	refused("a missing worksheet part", "xlsx", z, n, "sheet \"Data\" should be in xl/worksheets/data.xml, which is not in the file");
	free(z);

	struct zpart docx[] = {{"word/document.xml", "<document/>"}};
	z = make_zip(docx, 1, &n);
	refused("a zip that is no workbook", "xlsx", z, n, "is a zip file but not an Excel workbook (no xl/workbook.xml)");
	free(z);
	struct zpart ods[] = {{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}, {"content.xml", "<x/>"}};
	z = make_zip(ods, 2, &n);
	refused("an .ods", "xlsx", z, n, "is an OpenDocument spreadsheet (.ods); save it as .xlsx");
	free(z);

	/* Billion laughs in the shared strings: refused at the DOCTYPE, at open. */
	static const char laughs[] = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
				     "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
				     "<sst " NS "><si><t>&lol2;</t></si></sst>";
	z = book(NULL, "xl/sharedStrings.xml", laughs, &n);
	refused("billion laughs", "xlsx", z, n, "input.xlsx: xl/sharedStrings.xml line 1 declares a DOCTYPE or an entity");
	free(z);
	z = book(NULL, "xl/styles.xml", "<styleSheet><cellXfs>", &n);
	refused("a damaged styles part", "xlsx", z, n, "input.xlsx: xl/styles.xml line 1: no element found");
	free(z);
}

/* ---- zip bombs ------------------------------------------------------------------ */

/* A libzip source of size bytes of '<', made as they are read. */
struct gen {
	uint64_t size, pos;
};

static zip_int64_t gen_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct gen *g = ud;
	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		g->pos = 0;
		return 0;
	case ZIP_SOURCE_READ: {
		zip_uint64_t k = len < g->size - g->pos ? len : g->size - g->pos;
		memset(data, '<', (size_t)k);
		g->pos += k;
		return (zip_int64_t)k;
	}
	case ZIP_SOURCE_CLOSE:
	case ZIP_SOURCE_FREE:
		return 0;
	case ZIP_SOURCE_STAT: {
		zip_stat_t *st = data;
		zip_stat_init(st);
		st->size = g->size;
		st->valid |= ZIP_STAT_SIZE;
		return sizeof *st;
	}
	case ZIP_SOURCE_ERROR:
		memset(data, 0, 2 * sizeof(int));
		return 2 * sizeof(int);
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
			ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		return -1;
	}
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Sets the uncompressed size of member name, in its local header and in the central directory: how many were patched. */
static int declare(unsigned char *z, size_t n, const char *name, uint32_t size)
{
	size_t k = strlen(name);
	int patched = 0;
	for (size_t i = 0; i + 46 + k <= n; i++) {
		if (!memcmp(z + i, "PK\3\4", 4) && z[i + 26] == k && !memcmp(z + i + 30, name, k)) {
			put32(z + i + 22, size);
			patched++;
		}
		if (!memcmp(z + i, "PK\1\2", 4) && z[i + 28] == k && !memcmp(z + i + 46, name, k)) {
			put32(z + i + 24, size);
			patched++;
		}
	}
	return patched;
}

static void test_bombs(void)
{
	/* 50 MiB of '<' deflated to about 50 KiB, its sheet declared as 10 KiB. */
	struct gen g = {(uint64_t)50 << 20, 0};
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_source_keep(src);
	zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	struct zpart parts[] = {{"xl/workbook.xml", make_workbook(NULL)}, {"xl/_rels/workbook.xml.rels", rels}};
	for (size_t i = 0; i < 2; i++)
		zip_file_add(z, parts[i].name, zip_source_buffer(z, parts[i].data, strlen(parts[i].data), 0), 0);
	zip_int64_t at = zip_file_add(z, "xl/worksheets/sheet1.xml", zip_source_function(z, gen_cb, &g), 0);
	zip_set_file_compression(z, (zip_uint64_t)at, ZIP_CM_DEFLATE, 9);
	size_t n;
	unsigned char *buf = zip_bytes(z, src, &ze, &n);
	ok(n < ((size_t)1 << 20), "the bomb is small: %zu bytes", n);

	is_int(declare(buf, n, "xl/worksheets/sheet1.xml", 10240), 2, "declared size patched");
	refused("a part that inflates past its declared size", "xlsx", buf, n,
		"input.xlsx: xl/worksheets/sheet1.xml expands to more than the 10240 bytes its zip directory declares (a zip bomb?); refused");
	declare(buf, n, "xl/worksheets/sheet1.xml", (uint32_t)300 << 20);
	refused("a part declared 300 MiB from 50 KiB", "xlsx", buf, n,
		"xl/worksheets/sheet1.xml would expand to more than 200 times its compressed size (300 MiB) (a zip bomb?); refused");
	declare(buf, n, "xl/worksheets/sheet1.xml", 0xfffffff0u);
	refused("a part declared 4 GiB", "xlsx", buf, n, "xl/worksheets/sheet1.xml would expand to more than 1024 MiB (4095 MiB)");
	free(buf);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_encodings();
	test_csv();
	test_files();
	test_xlsx();
	test_xlsx_cells();
	test_xlsx_structure();
	test_bombs();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return done_testing();
}
