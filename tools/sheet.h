/*
 * sheet.h - the rows of a spreadsheet file as UTF-8 text cells, for
 * `muster import` (issue 9).  A reader streams: rows come one at a time,
 * in file order, and the import engine maps their cells to fields.
 *
 * Files: an .xlsx workbook (recognised by its zip magic "PK\3\4", whatever
 * the name), or delimited text: .tsv, .txt and .tab are tab-separated,
 * .csv comma-separated, and any other name takes the delimiter (tab, comma
 * or semicolon) found most often outside quotes in the first record.
 * Text may be UTF-8 (with or without a byte-order mark), UTF-16 with a
 * byte-order mark (Excel's "Unicode Text") or GB18030 (what Chinese Excel
 * writes as CSV); it is converted to UTF-8 once, in memory.
 *
 * Nothing read is trusted: every input is capped (a text file at 1 GiB, a
 * field at 1 MiB, a record at 4 MiB, 16,384 columns; an .xlsx part at
 * 1 GiB expanded and 200 times its compressed size above 16 MiB, shared
 * strings at 2,000,000 / 512 MiB) and every refusal is one line, in the
 * user's language (cli.h's L()), naming the file, the line or part, and
 * what to do, e.g. "book.xlsx is not a complete .xlsx file (the zip
 * directory is missing or cut short); save it again from Excel".
 *
 * A sheet is used by one thread at a time; different sheets are independent.
 */
#ifndef MUSTER_SHEET_H
#define MUSTER_SHEET_H

#include <stddef.h>
#include <stdint.h>

typedef struct sheet sheet;

/* Limits (see above). */
#define SHEET_TEXT_MAX ((size_t)1 << 30)       /* a text file, in bytes */
#define SHEET_FIELD_MAX ((size_t)1 << 20)      /* a text field, or an .xlsx cell's text */
#define SHEET_RECORD_MAX ((size_t)4 << 20)     /* a text record, quotes and delimiters included */
#define SHEET_COLUMNS_MAX 16384                /* Excel's A..XFD */
#define SHEET_ROWS_MAX 1048576                 /* Excel's last row number */
#define SHEET_PART_MAX ((uint64_t)1 << 30)     /* an .xlsx XML part, expanded */
#define SHEET_STRINGS_MAX 2000000              /* shared strings */
#define SHEET_STRINGS_BYTES ((size_t)512 << 20) /* their text */

/*
 * What a cell held.  Text cells are SHEET_TEXT (or SHEET_EMPTY when
 * empty).  From .xlsx: SHEET_NUMBER is the number as written in the file
 * ("3580000", "12.5", "1E-3"); SHEET_DATE is "YYYY-MM-DD" (a number in a
 * date format, the time of day dropped, or a t="d" cell); SHEET_BOOL is
 * "TRUE" or "FALSE"; SHEET_ERROR is Excel's error text ("#N/A").
 */
enum sheet_kind { SHEET_EMPTY, SHEET_TEXT, SHEET_NUMBER, SHEET_DATE, SHEET_BOOL, SHEET_ERROR };

/* text[0..len) is valid UTF-8 with no NUL, and text[len] is 0; len is 0 exactly when kind is SHEET_EMPTY. */
struct sheet_cell {
	const char *text;
	size_t len;
	enum sheet_kind kind;
};

struct sheet_row {
	uint64_t number;                /* 1-based row number as the user sees it: the xlsx row's r=, or the CSV record's first physical line */
	size_t ncells;                  /* cells[0..ncells): column A = 0; trailing empty cells are omitted, so a blank row has none */
	const struct sheet_cell *cells; /* valid until the next sheet_next / sheet_close */
};

/*
 * Opens the spreadsheet at path.  sheet_name picks an .xlsx worksheet by
 * its name (exactly, else ignoring ASCII case) or, if no sheet has that
 * name, by its 1-based position in the workbook ("2"; hidden sheets
 * count); NULL: the first visible worksheet.  It is ignored for text.
 * A text file is read whole here; an .xlsx keeps the file open and reads
 * the worksheet as sheet_next asks.  Returns 0 and *out (to close with
 * sheet_close), or -1 with one line in why (whylen bytes, may be 0) and
 * *out untouched.
 */
int sheet_open(const char *path, const char *sheet_name, sheet **out, char *why, size_t whylen);

/*
 * The same readers over len bytes at data, which are copied: kind "csv",
 * "tsv" or "xlsx" reads them as sheet_open reads a file called
 * input.<kind>, and "text" as one called "input" (delimiter sniffed); so
 * the zip magic still makes an .xlsx whatever the kind.  The first visible
 * worksheet is read.  For tests and fuzzing.
 */
int sheet_open_mem(const void *data, size_t len, const char *kind, sheet **out, char *why, size_t whylen);

/*
 * The next row: 1 with *row filled, 0 when there are no more rows, or -1
 * with why filled; after -1 the reader is done and every later call
 * returns -1 with the same reason.
 */
int sheet_next(sheet *s, struct sheet_row *row, char *why, size_t whylen);

/*
 * For a progress bar: *done of *total bytes read so far (of the text after
 * conversion to UTF-8, or of the .xlsx worksheet's XML as its zip
 * directory declares it); *done never exceeds *total.
 */
void sheet_progress(const sheet *s, uint64_t *done, uint64_t *total);

/* What the file was read as: "UTF-8", "UTF-8 (BOM)", "UTF-16LE (BOM)", "UTF-16BE (BOM)", "GB18030" or "xlsx". */
const char *sheet_encoding(const sheet *s);

/* The .xlsx worksheet being read, by its name in the workbook ("sheet1" when the workbook lists none); NULL for text. */
const char *sheet_title(const sheet *s);

/* The delimiter of a text file ('\t', ',' or ';'), 0 for .xlsx. */
char sheet_delimiter(const sheet *s);

/* Closes the reader and frees everything it gave out; NULL is allowed. */
void sheet_close(sheet *s);

/*
 * "YYYY-MM-DD" of an Excel serial day in out: 0, or -1 out of range.  The
 * 1900 system (date1904 0: serials 1 to 2958465, serial 60 being the
 * 1900-02-29 Excel shows and that never was) or the 1904 one (0 to 2957003).
 */
int sheet_serial_date(int64_t serial, int date1904, char out[11]);

#endif
