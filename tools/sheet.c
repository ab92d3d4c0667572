/*
 * sheet.c - spreadsheet readers for `muster import` (sheet.h).
 *
 * Text is read whole, its encoding settled once (a byte-order mark, else
 * strict UTF-8 over the whole file, else GB18030 through iconv) and
 * converted to UTF-8 in memory.  Records are then split RFC 4180 style in
 * place: a cell's text is written over the quoted bytes it came from and
 * ends with a NUL where its delimiter was, so a row costs nothing beyond
 * the file itself, and the limits (1 MiB a field, 4 MiB a record) are
 * checked byte by byte, so a 100 MB line fails after reading 4 MiB of it.
 *
 * An .xlsx is a zip (libzip) of XML parts (expat).  The workbook, its
 * relationships, the styles and the shared strings are read at open; the
 * worksheet is streamed: sheet_next feeds expat 64 KiB at a time from
 * zip_fread, completed rows go to a queue, and the parser suspends itself
 * at each </row>, so the queue holds about one row and never the sheet.
 *
 * Why expat and not libxml2: it is small, a streaming SAX parser, and has
 * no network access, XInclude, catalogs or entity substitution options to
 * turn off.  What little it has is disabled: parameter entities are never
 * parsed, and a DOCTYPE or entity declaration (Excel writes neither; a
 * billion-laughs file needs one) stops the parser with an error.
 *
 * No zip part is trusted: its declared size is capped (SHEET_PART_MAX,
 * and 200 times its compressed size above 16 MiB), and the bytes actually
 * inflated are counted and refused past the declared size, so a lying zip
 * directory cannot make us inflate more than it admits to.
 *
 * Merged cells need nothing here: Excel keeps the value in the top-left
 * cell only, and the others come out empty, as the user sees them.
 *
 * No config.h: the fuzz targets (tests/fuzz/run.sh) compile this file
 * straight from the source tree, and it needs nothing configure finds.
 */
#include "sheet.h"

#include "cli.h"

#include <muster/fields.h>

#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#define CHUNK 65536
#define RATIO_FLOOR ((uint64_t)16 << 20) /* above this a part may expand at most RATIO_MAX times */
#define RATIO_MAX 200
#define TOKEN_MAX ((uint64_t)64 << 20)   /* XML read without one parser event: a giant tag or comment */
#define ROW_TEXT_MAX ((size_t)16 << 20)  /* the text of one .xlsx row, shared strings not counted */
#define LIST_MAX 10000                   /* sheets in a workbook, its relationships */
#define STYLE_MAX 1000000                /* number formats, cell formats */
#define SERIAL_MAX_1900 2958465          /* 9999-12-31 */
#define SERIAL_MAX_1904 2957003          /* 9999-12-31 */

enum { SRC_TEXT, SRC_XLSX };

/* A queued .xlsx cell: its text is a shared string (str) or at arena offset off. */
struct qcell {
	const char *str;
	size_t off, len;
	int32_t col;
	enum sheet_kind kind;
};

struct qrow {
	uint64_t number;
	size_t first, n; /* its cells qc[first..first+n), columns increasing, none empty */
};

struct wbsheet {
	char *name, *rid;
	int hidden;
};

struct rel {
	char *id, *target, *type;
};

struct numfmt {
	uint32_t id;
	int date;
};

struct sstr {
	size_t off, len;
};

/* The XML part being parsed. */
struct part {
	zip_file_t *zf;
	XML_Parser xp;
	char name[256];
	uint64_t declared, got; /* expanded bytes: as the zip directory says, as read so far */
	uint64_t last;          /* byte index of the latest parser event */
	char buf[CHUNK];
};

struct sheet {
	int src;
	char *name; /* the path as given, for messages */
	const char *enc;
	int failed; /* err says why; the reader is done */
	char err[512];
	struct sheet_cell *out; /* the row handed out */
	size_t out_cap;

	/* text: UTF-8, tlen bytes and a NUL */
	char *text;
	size_t tlen, tpos;
	uint64_t line; /* the physical line at tpos, 1-based */
	char delim;

	/* xlsx */
	zip_t *zip;
	void *zipdata; /* the bytes under zip when read from memory */
	char *title;
	int date1904;
	struct part part;
	char *sst; /* shared strings, each NUL-terminated */
	size_t sst_len, sst_cap;
	struct sstr *str;
	size_t nstr, str_cap;
	uint32_t *xf; /* cellXfs: each xf's numFmtId, then whether it is a date */
	size_t nxf, xf_cap;
	unsigned char *xf_date;
	struct numfmt *fmt;
	size_t nfmt, fmt_cap;
	int in_numfmts, in_cellxfs;
	struct wbsheet *wb;
	size_t nwb, wb_cap;
	struct rel *rel;
	size_t nrel, rel_cap;
	/* parse state, shared strings and worksheet */
	int in_si, in_t, in_rph, in_data, in_row, in_cell, in_v, in_is;
	size_t si_start;
	uint64_t row_no, prev_row;
	int32_t col, prev_col;
	char ctype; /* 's', 'n', 'b', 'e', 'd', 'i' inlineStr, 'S' str, '?' */
	int cdate;
	char *val; /* the open cell's text */
	size_t vlen, vcap;
	char *arena; /* queued rows' text, each NUL-terminated */
	size_t alen, acap, row_a0;
	struct qcell *qc;
	size_t nqc, qc_cap, row_c0;
	struct qrow *qr;
	size_t nqr, qr_cap, qhead;
	int handed; /* qr[qhead] is out with the caller */
};

static const char empty[] = "";

#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
static int failf(sheet *s, const char *fmt, ...)
{
	if (!s->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->err, sizeof s->err, fmt, ap);
		va_end(ap);
		for (char *c = s->err; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		s->failed = 1;
	}
	return -1;
}

static int oom(sheet *s)
{
	return failf(s, L("%s: out of memory", "%s：内存不足"), s->name);
}

static void give(const sheet *s, char *why, size_t whylen)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", s->err);
}

/* arr grown to hold need items of size bytes (doubling): the new array, or NULL with arr unchanged. */
static void *grow(void *arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return arr;
	size_t c = *cap ? *cap : 16;
	while (c < need) {
		if (c > SIZE_MAX / 2 / size)
			return NULL;
		c *= 2;
	}
	void *q = realloc(arr, c * size);
	if (q)
		*cap = c;
	return q;
}

/* Decimal digits only, at most max: 0 and *v, else -1. */
static int to_u64(const char *t, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	if (!t || !*t)
		return -1;
	for (; *t; t++) {
		if (*t < '0' || *t > '9')
			return -1;
		x = x * 10 + (uint64_t)(*t - '0');
		if (x > max)
			return -1;
	}
	*v = x;
	return 0;
}

/* ---- text ----------------------------------------------------------------- */

/* The offset of the first byte that is not strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF), or n. */
static size_t utf8_bad(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t k;
		unsigned lo = 0x80, hi = 0xbf;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return i;
		}
		if (n - i <= k)
			return i;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return i;
		for (size_t j = 2; j <= k; j++)
			if (p[i + j] < 0x80 || p[i + j] > 0xbf)
				return i;
		i += k + 1;
	}
	return n;
}

/*
 * Converts n bytes at in from the encoding from to UTF-8 with iconv: 0 with
 * *out (NUL-terminated, to free) and *outlen; 1 if the input is not valid
 * in that encoding, with *bad the offset of the first bad byte; -1 (errno)
 * if iconv cannot do it.
 */
static int convert(const char *from, const char *in, size_t n, char **out, size_t *outlen, size_t *bad)
{
	iconv_t cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return -1;
	size_t cap = n + n / 2 + 16, used = 0;
	char *buf = malloc(cap + 1);
	char *ip = (char *)in;
	size_t il = n;
	int rc = 0;
	while (buf) {
		char *op = buf + used;
		size_t ol = cap - used;
		size_t r = il ? iconv(cd, &ip, &il, &op, &ol) : iconv(cd, NULL, NULL, &op, &ol);
		int e = errno;
		used = (size_t)(op - buf);
		if (r != (size_t)-1 && !il)
			break;
		if (r != (size_t)-1)
			continue;
		if (e != E2BIG) {
			*bad = (size_t)(ip - in);
			rc = 1;
			break;
		}
		char *more = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2 + 1) : NULL;
		if (!more) {
			free(buf);
			buf = NULL;
			errno = ENOMEM;
			break;
		}
		buf = more;
		cap *= 2;
	}
	iconv_close(cd);
	if (!buf)
		return -1;
	if (rc) {
		free(buf);
		return 1;
	}
	buf[used] = 0;
	*out = buf;
	*outlen = used;
	return 0;
}

/* The delimiter most found outside quotes in the first record: tab, then comma, then semicolon on a tie; comma if none. */
static char sniff(const char *p, size_t n)
{
	size_t tab = 0, comma = 0, semi = 0;
	int quoted = 0;
	for (size_t i = 0; i < n && i < SHEET_RECORD_MAX; i++) {
		char c = p[i];
		if (c == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (c == '\n' || c == '\r')
			break;
		else if (c == '\t')
			tab++;
		else if (c == ',')
			comma++;
		else if (c == ';')
			semi++;
	}
	if (tab && tab >= comma && tab >= semi)
		return '\t';
	return semi > comma ? ';' : ',';
}

static const unsigned char ole_magic[8] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};

/* Whether the n bytes at p hold the k bytes at want (glibc's memmem is not POSIX). */
static int holds(const char *p, size_t n, const char *want, size_t k)
{
	for (size_t i = 0; k && i + k <= n; i++) {
		const char *at = memchr(p + i, want[0], n - k + 1 - i);
		if (!at)
			return 0;
		i = (size_t)(at - p);
		if (memcmp(at, want, k) == 0)
			return 1;
	}
	return 0;
}

/* An OLE compound file: an old .xls, or any Office file encrypted with a password (its "EncryptedPackage" stream). */
static int refuse_ole(sheet *s, const char *p, size_t n)
{
	static const char pkg[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";
	if (p && holds(p, n, pkg, sizeof pkg - 1))
		return failf(s, L("%s is a password-protected workbook; open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password) and save it again",
				     "%s 是设有密码的工作簿；请用 Excel 打开，取消密码（文件 > 信息 > 保护工作簿 > 用密码进行加密）后重新保存"),
			s->name);
	if (p)
		return failf(s, L("%s is an old Excel 97-2003 .xls file; open it in Excel and save it as .xlsx (Excel Workbook)",
				     "%s 是旧版 Excel 97-2003 .xls 文件；请用 Excel 打开并另存为 .xlsx（Excel 工作簿）"),
			s->name);
	return failf(s, L("%s is encrypted or an old Excel 97-2003 .xls file; remove any password in Excel and save it as .xlsx (Excel Workbook)",
			     "%s 已加密，或是旧版 Excel 97-2003 .xls 文件；请在 Excel 中取消密码并另存为 .xlsx（Excel 工作簿）"),
		s->name);
}

/* Settles the encoding of the n bytes at buf (n + 1 allocated; taken over) and makes them the UTF-8 text to split. */
static int text_open(sheet *s, char *buf, size_t n, char delim)
{
	const unsigned char *u = (const unsigned char *)buf;
	char *t;
	size_t tn, bad = 0;
	s->src = SRC_TEXT;
	if (n >= sizeof ole_magic && memcmp(u, ole_magic, sizeof ole_magic) == 0) {
		refuse_ole(s, buf, n);
		free(buf);
		return -1;
	}
	if (n >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff))) {
		int le = u[0] == 0xff;
		for (size_t i = 2; i + 1 < n; i += 2) {
			if (!u[i] && !u[i + 1]) {
				free(buf);
				return failf(s, L("%s is not a text file (NUL character at byte offset %zu): is it an .xls, .pdf or other binary? save it as .xlsx or CSV",
						     "%s 不是文本文件（字节偏移 %zu 处有 NUL 字符）：它是否是 .xls、.pdf 或其他二进制文件？请另存为 .xlsx 或 CSV"),
					s->name, i);
			}
		}
		int rc = convert(le ? "UTF-16LE" : "UTF-16BE", buf + 2, n - 2, &t, &tn, &bad);
		int e = errno;
		free(buf);
		if (rc < 0)
			return failf(s, L("cannot convert %s from UTF-16: %s", "无法将 %s 从 UTF-16 转换：%s"), s->name, strerror(e));
		if (rc > 0)
			return failf(s, L("%s begins with a UTF-16 byte-order mark but is not valid UTF-16 (byte offset %zu); save it again as CSV UTF-8 or as .xlsx",
					     "%s 以 UTF-16 字节顺序标记开头，但不是有效的 UTF-16（字节偏移 %zu）；请重新另存为“CSV UTF-8”或 .xlsx"),
				s->name, bad + 2);
		s->enc = le ? "UTF-16LE (BOM)" : "UTF-16BE (BOM)";
	} else {
		size_t skip = n >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf ? 3 : 0;
		const char *nul = memchr(buf + skip, 0, n - skip);
		if (nul) {
			size_t at = (size_t)(nul - buf);
			int utf16 = n - skip >= 4 && ((u[skip] && !u[skip + 1] && u[skip + 2] && !u[skip + 3]) ||
							     (!u[skip] && u[skip + 1] && !u[skip + 2] && u[skip + 3]));
			free(buf);
			if (utf16)
				return failf(s, L("%s looks like UTF-16 text without a byte-order mark; save it as CSV UTF-8 or as .xlsx",
						     "%s 看来是没有字节顺序标记的 UTF-16 文本；请另存为“CSV UTF-8”或 .xlsx"),
					s->name);
			return failf(s, L("%s is not a text file (NUL byte at offset %zu): is it an .xls, .pdf or other binary? save it as .xlsx or CSV",
					     "%s 不是文本文件（偏移 %zu 处有 NUL 字节）：它是否是 .xls、.pdf 或其他二进制文件？请另存为 .xlsx 或 CSV"),
				s->name, at);
		}
		bad = utf8_bad(u + skip, n - skip);
		if (bad == n - skip) {
			memmove(buf, buf + skip, n - skip);
			t = buf;
			tn = n - skip;
			t[tn] = 0;
			s->enc = skip ? "UTF-8 (BOM)" : "UTF-8";
		} else if (skip) {
			free(buf);
			return failf(s, L("%s begins with a UTF-8 byte-order mark but is not valid UTF-8 (byte offset %zu); save it again as CSV UTF-8 or as .xlsx",
					     "%s 以 UTF-8 字节顺序标记开头，但不是有效的 UTF-8（字节偏移 %zu）；请重新另存为“CSV UTF-8”或 .xlsx"),
				s->name, bad + skip);
		} else {
			size_t gbad = 0;
			int rc = convert("GB18030", buf, n, &t, &tn, &gbad);
			int e = errno;
			free(buf);
			if (rc < 0)
				return failf(s, L("cannot convert %s from GB18030: %s (is the C library's iconv complete?)",
						     "无法将 %s 从 GB18030 转换：%s（C 库的 iconv 是否完整？）"),
					s->name, strerror(e));
			/* The encoding that got further is the likelier one: its offset is where the damage is. */
			if (rc > 0)
				return failf(s, L("%s is neither UTF-8 nor GB18030 text (byte offset %zu); save it as CSV UTF-8 or as .xlsx",
						     "%s 既不是 UTF-8 也不是 GB18030 文本（字节偏移 %zu）；请另存为“CSV UTF-8”或 .xlsx"),
					s->name, gbad > bad ? gbad : bad);
			s->enc = "GB18030";
		}
	}
	s->text = t;
	s->tlen = tn;
	s->delim = delim ? delim : sniff(t, tn);
	return 0;
}

/* A field ran past SHEET_FIELD_MAX at i: if its line also runs past SHEET_RECORD_MAX, that is the better message. */
static int field_too_long(sheet *s, size_t start, size_t i)
{
	size_t end = start + SHEET_RECORD_MAX;
	int long_line = end <= i;
	if (!long_line && end < s->tlen)
		long_line = !memchr(s->text + i, '\n', end - i) && !memchr(s->text + i, '\r', end - i);
	if (long_line)
		return failf(s, L("%s line %" PRIu64 " is longer than 4 MiB: is this really a CSV file?",
				     "%s 第 %" PRIu64 " 行超过 4 MiB：这真的是 CSV 文件吗？"),
			s->name, s->line);
	return failf(s, L("%s line %" PRIu64 ": a field is longer than 1 MiB: is this really a CSV file?",
			     "%s 第 %" PRIu64 " 行：有一个字段超过 1 MiB：这真的是 CSV 文件吗？"),
		s->name, s->line);
}

static int record_too_long(sheet *s, uint64_t first)
{
	return failf(s, L("%s line %" PRIu64 " is longer than 4 MiB: is this really a CSV file?",
			     "%s 第 %" PRIu64 " 行超过 4 MiB：这真的是 CSV 文件吗？"),
		s->name, first);
}

/*
 * The next record, split in place.  A quoted field may hold delimiters,
 * doubled quotes and line ends (each kept as one "\n").  Text after a
 * closing quote is appended to the field, as Python's csv module does,
 * rather than refusing a file a spreadsheet opens; a quote inside an
 * unquoted field is just text, as Excel takes it.
 */
static int csv_next(sheet *s, struct sheet_row *row)
{
	char *p = s->text;
	const size_t n = s->tlen, start = s->tpos;
	const uint64_t first = s->line;
	const char d = s->delim;
	size_t i = start, nc = 0;
	if (i >= n)
		return 0;
	for (;;) {
		size_t out = i, f0 = i;
		if (nc == SHEET_COLUMNS_MAX)
			return failf(s, L("%s line %" PRIu64 " has more than 16,384 columns, more than Excel allows: is the delimiter right, is this really a CSV file?",
					     "%s 第 %" PRIu64 " 行超过 16,384 列（Excel 的上限）：分隔符对吗？这真的是 CSV 文件吗？"),
				s->name, first);
		if (i - start > SHEET_RECORD_MAX)
			return record_too_long(s, first);
		if (p[i] == '"') {
			uint64_t qline = s->line;
			i++;
			for (;;) {
				if (i >= n)
					return failf(s, L("%s line %" PRIu64 ": a quoted field opened here is never closed; check the quotes on this line",
							     "%s 第 %" PRIu64 " 行：此行开始的带引号字段没有结束引号；请检查这一行的引号"),
						s->name, qline);
				if (out - f0 >= SHEET_FIELD_MAX || i - start >= SHEET_RECORD_MAX)
					return failf(s, L("%s line %" PRIu64 ": a quoted field opened here runs on for more than 1 MiB; check the quotes on this line (is a closing quote missing?)",
							     "%s 第 %" PRIu64 " 行：此行开始的带引号字段超过 1 MiB；请检查这一行的引号（是否缺少结束引号？）"),
						s->name, qline);
				char c = p[i];
				if (c == '"') {
					if (p[i + 1] != '"') {
						i++;
						break;
					}
					p[out++] = '"';
					i += 2;
				} else if (c == '\r' || c == '\n') {
					s->line++;
					i += c == '\r' && p[i + 1] == '\n' ? 2 : 1;
					p[out++] = '\n';
				} else {
					p[out++] = c;
					i++;
				}
			}
		}
		while (i < n && p[i] != d && p[i] != '\n' && p[i] != '\r') {
			if (out - f0 >= SHEET_FIELD_MAX)
				return field_too_long(s, start, i);
			if (i - start >= SHEET_RECORD_MAX)
				return record_too_long(s, first);
			p[out++] = p[i++];
		}
		void *q = grow(s->out, &s->out_cap, nc + 1, sizeof *s->out);
		if (!q)
			return oom(s);
		s->out = q;
		s->out[nc].text = p + f0;
		s->out[nc].len = out - f0;
		s->out[nc].kind = out > f0 ? SHEET_TEXT : SHEET_EMPTY;
		nc++;
		/* Past the field's end before the NUL goes where the field's output ends (at or before it). */
		int last = i >= n || p[i] != d;
		if (i < n && p[i] == d) {
			i++;
		} else if (i < n) {
			s->line++;
			i += p[i] == '\r' && p[i + 1] == '\n' ? 2 : 1;
		}
		p[out] = 0;
		if (last)
			break;
	}
	while (nc && s->out[nc - 1].kind == SHEET_EMPTY)
		nc--;
	s->tpos = i;
	row->number = first;
	row->ncells = nc;
	row->cells = s->out;
	return 1;
}

/* ---- xlsx: dates and strings ------------------------------------------------ */

/*
 * The whole days of a number as Excel writes it in <v> ([+]digits[.digits]
 * [E[+|-]digits], the fraction - the time of day - dropped), worked out in
 * integers so no locale or rounding gets in: 0 and *days, or -1 if it is
 * not such a number, is negative, or is beyond 10^7.
 */
static int serial_days(const char *t, size_t n, int64_t *days)
{
	size_t i = 0;
	uint64_t m = 0;
	int64_t exp = 0;
	int digits = 0;
	if (i < n && t[i] == '+')
		i++;
	for (; i < n && t[i] >= '0' && t[i] <= '9'; i++, digits++) {
		if (m < 100000000000000000ull)
			m = m * 10 + (uint64_t)(t[i] - '0');
		else
			exp++;
	}
	if (i < n && t[i] == '.') {
		for (i++; i < n && t[i] >= '0' && t[i] <= '9'; i++, digits++) {
			if (m < 100000000000000000ull) {
				m = m * 10 + (uint64_t)(t[i] - '0');
				exp--;
			}
		}
	}
	if (!digits)
		return -1;
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		int neg = 0, ed = 0;
		int64_t e = 0;
		i++;
		if (i < n && (t[i] == '+' || t[i] == '-'))
			neg = t[i++] == '-';
		for (; i < n && t[i] >= '0' && t[i] <= '9'; i++, ed++)
			if (e < 100000)
				e = e * 10 + (t[i] - '0');
		if (!ed)
			return -1;
		exp += neg ? -e : e;
	}
	if (i != n)
		return -1;
	for (; exp > 0 && m; exp--) {
		if (m > 10000000)
			return -1;
		m *= 10;
	}
	for (; exp < 0 && m; exp++)
		m /= 10;
	if (m > 10000000)
		return -1;
	*days = (int64_t)m;
	return 0;
}

/*
 * "YYYY-MM-DD" of an Excel serial day in out (11 bytes): 0, or -1 out of
 * range.  1900 system (serials 1 to 2958465): serial 1 is 1900-01-01 and
 * serial 60 the 1900-02-29 that never was (Lotus's leap-year bug, which
 * Excel keeps; it is given as Excel shows it), so serials from 61 on count
 * from 1899-12-30 and those below 60 from 1899-12-31.  1904 system
 * (serials 0 to 2957003): serial 0 is 1904-01-01.
 */
int sheet_serial_date(int64_t serial, int date1904, char out[11])
{
	int64_t z;
	if (date1904) {
		if (serial < 0 || serial > SERIAL_MAX_1904)
			return -1;
		z = serial - 24107; /* 1904-01-01 is day -24107 of 1970 */
	} else {
		if (serial < 1 || serial > SERIAL_MAX_1900)
			return -1;
		if (serial == 60) {
			memcpy(out, "1900-02-29", 11);
			return 0;
		}
		z = serial < 60 ? serial - 25568 : serial - 25569; /* 1899-12-31, 1899-12-30 */
	}
	muster_date_format(muster_date_from_days(z), out);
	return 0;
}

/* Whether a number format code shows a date: y, d, 年, 月, 日, or m not next to h or s (minutes), outside quotes, [brackets] and escapes. */
static int fmt_is_date(const char *f)
{
	int date = 0, m = 0, time = 0;
	for (const unsigned char *p = (const unsigned char *)f; p && *p; p++) {
		if (*p == '"' || *p == '[') {
			unsigned char close = *p == '"' ? '"' : ']';
			while (p[1] && p[1] != close)
				p++;
			if (!p[1])
				break;
			p++;
		} else if (*p == '\\' || *p == '_' || *p == '*') {
			if (!p[1])
				break;
			p++;
			while ((p[1] & 0xc0) == 0x80)
				p++;
		} else if (*p == 'y' || *p == 'Y' || *p == 'd' || *p == 'D') {
			date = 1;
		} else if (*p == 'm' || *p == 'M') {
			m = 1;
		} else if (*p == 'h' || *p == 'H' || *p == 's' || *p == 'S') {
			time = 1;
		} else if (!strncmp((const char *)p, "\xe5\xb9\xb4", 3) || !strncmp((const char *)p, "\xe6\x9c\x88", 3) ||
			   !strncmp((const char *)p, "\xe6\x97\xa5", 3)) {
			date = 1;
		}
	}
	return date || (m && !time);
}

/* Excel's built-in date formats: 14-22, 45-47, and the CJK ones 27-36, 50-58. */
static int builtin_date(uint32_t id)
{
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes OOXML's _xHHHH_ escapes in place (Excel writes a line feed in a
 * string as _x000A_ or a literal "_x" as _x005F_x): the new length.  An
 * escape of NUL, a surrogate or a non-character stays as written.
 */
static size_t unescape_x(char *p, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned cp = 0;
		int ok = p[i] == '_' && n - i >= 7 && p[i + 1] == 'x' && p[i + 6] == '_';
		for (int k = 2; ok && k < 6; k++) {
			int h = hexval(p[i + k]);
			ok = h >= 0;
			cp = cp * 16 + (unsigned)h;
		}
		if (ok && cp && (cp < 0xd800 || cp > 0xdfff) && cp != 0xfffe && cp != 0xffff) {
			if (cp < 0x80) {
				p[o++] = (char)cp;
			} else if (cp < 0x800) {
				p[o++] = (char)(0xc0 | cp >> 6);
				p[o++] = (char)(0x80 | (cp & 0x3f));
			} else {
				p[o++] = (char)(0xe0 | cp >> 12);
				p[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				p[o++] = (char)(0x80 | (cp & 0x3f));
			}
			i += 7;
		} else {
			p[o++] = p[i++];
		}
	}
	return o;
}

/* A cell reference's column ("C5": 2), A..XFD followed by a row number: 0, or -1. */
static int ref_col(const char *r, int32_t *col)
{
	int32_t c = 0;
	size_t i = 0;
	for (; r[i] >= 'A' && r[i] <= 'Z'; i++) {
		c = c * 26 + (r[i] - 'A' + 1);
		if (c > SHEET_COLUMNS_MAX)
			return -1;
	}
	if (!i || r[i] < '1' || r[i] > '9')
		return -1;
	for (; r[i]; i++)
		if (r[i] < '0' || r[i] > '9' || i > 12)
			return -1;
	*col = c - 1;
	return 0;
}

/* The cell's name ("XFD1048576") in out (24 bytes). */
static void cell_name(int32_t col, uint64_t row, char *out)
{
	char letters[4];
	int k = 0;
	for (int32_t c = col + 1; c > 0 && k < 3; c = (c - 1) / 26)
		letters[k++] = (char)('A' + (c - 1) % 26);
	int o = 0;
	while (k)
		out[o++] = letters[--k];
	snprintf(out + o, 24 - (size_t)o, "%" PRIu64, row);
}

/* ---- xlsx: reading XML parts -------------------------------------------------- */

static const char *local(const XML_Char *name)
{
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

/* The value of the attribute with local name want (namespace prefixes ignored: Excel's and others' differ), or NULL. */
static const char *attr(const XML_Char **a, const char *want)
{
	for (; a && a[0]; a += 2)
		if (strcmp(local(a[0]), want) == 0)
			return a[1];
	return NULL;
}

/*
 * Every handler starts here: notes the event's position (for TOKEN_MAX),
 * and once the reader has failed (in an earlier handler) stops the parser
 * and says so.
 */
static int event(sheet *s)
{
	XML_Index at = XML_GetCurrentByteIndex(s->part.xp);
	if (at > 0)
		s->part.last = (uint64_t)at;
	if (s->failed)
		XML_StopParser(s->part.xp, XML_FALSE);
	return s->failed;
}

static void on_default(void *ud, const XML_Char *t, int len)
{
	event(ud);
}

static void refuse_dtd(sheet *s)
{
	failf(s, L("%s: %s line %lu declares a DOCTYPE or an entity, which Excel never writes; refused",
		     "%s：%s 第 %lu 行声明了 DOCTYPE 或实体，Excel 从不这样写；拒绝读取"),
		s->name, s->part.name, (unsigned long)XML_GetCurrentLineNumber(s->part.xp));
	XML_StopParser(s->part.xp, XML_FALSE); /* before any entity is used */
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid, int internal)
{
	refuse_dtd(ud);
}

static void on_entity(void *ud, const XML_Char *name, int param, const XML_Char *value, int len, const XML_Char *base,
	const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	refuse_dtd(ud);
}

static int zip_failed(sheet *s, const char *what, zip_error_t *ze)
{
	int code = zip_error_code_zip(ze);
	if (code == ZIP_ER_MEMORY)
		return oom(s);
	if (code == ZIP_ER_ENCRNOTSUPP || code == ZIP_ER_NOPASSWD || code == ZIP_ER_WRONGPASSWD)
		return failf(s, L("%s: %s is encrypted inside the zip, which Excel never does; save it again from Excel without a password",
				     "%s：%s 在 zip 内被加密，Excel 从不这样做；请在 Excel 中去掉密码后重新保存"),
			s->name, what);
	if (code == ZIP_ER_COMPNOTSUPP)
		return failf(s, L("%s: %s is compressed with a method this libzip cannot read; save it again from Excel",
				     "%s：%s 使用了本 libzip 无法读取的压缩方式；请用 Excel 重新保存"),
			s->name, what);
	return failf(s, L("%s: %s cannot be read (%s); the file is damaged or cut short, save it again from Excel",
			     "%s：无法读取 %s（%s）；文件已损坏或不完整，请用 Excel 重新保存"),
		s->name, what, zip_error_strerror(ze));
}

/* Opens part idx (name) for parsing with these handlers, its sizes checked against the zip-bomb limits: 0 or -1. */
static int part_open(sheet *s, zip_int64_t idx, const char *name, XML_StartElementHandler start,
	XML_EndElementHandler end, XML_CharacterDataHandler chars)
{
	struct part *p = &s->part;
	zip_stat_t zs;
	snprintf(p->name, sizeof p->name, "%s", name);
	zip_stat_init(&zs);
	if (zip_stat_index(s->zip, (zip_uint64_t)idx, 0, &zs) != 0)
		return zip_failed(s, p->name, zip_get_error(s->zip));
	if ((zs.valid & ZIP_STAT_ENCRYPTION_METHOD) && zs.encryption_method != ZIP_EM_NONE) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, ZIP_ER_NOPASSWD);
		zip_failed(s, p->name, &ze);
		zip_error_fini(&ze);
		return -1;
	}
	if (!(zs.valid & ZIP_STAT_SIZE) || !(zs.valid & ZIP_STAT_COMP_SIZE)) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, ZIP_ER_INCONS);
		zip_failed(s, p->name, &ze);
		zip_error_fini(&ze);
		return -1;
	}
	if (zs.size > SHEET_PART_MAX)
		return failf(s, L("%s: %s would expand to more than 1024 MiB (%" PRIu64 " MiB) (a zip bomb?); refused",
				     "%s：%s 解压后将超过 1024 MiB（%" PRIu64 " MiB）（zip 炸弹？）；拒绝读取"),
			s->name, p->name, (uint64_t)zs.size >> 20);
	if (zs.size > RATIO_FLOOR && (zs.comp_size == 0 || zs.size / zs.comp_size > RATIO_MAX))
		return failf(s, L("%s: %s would expand to more than %d times its compressed size (%" PRIu64 " MiB) (a zip bomb?); refused",
				     "%s：%s 解压后将超过压缩大小的 %d 倍（%" PRIu64 " MiB）（zip 炸弹？）；拒绝读取"),
			s->name, p->name, RATIO_MAX, (uint64_t)zs.size >> 20);
	if (!(p->zf = zip_fopen_index(s->zip, (zip_uint64_t)idx, 0)))
		return zip_failed(s, p->name, zip_get_error(s->zip));
	if (!(p->xp = XML_ParserCreate(NULL)))
		return oom(s);
	XML_SetUserData(p->xp, s);
	XML_SetElementHandler(p->xp, start, end);
	XML_SetCharacterDataHandler(p->xp, chars);
	XML_SetDefaultHandlerExpand(p->xp, on_default);
	XML_SetStartDoctypeDeclHandler(p->xp, on_doctype);
	XML_SetEntityDeclHandler(p->xp, on_entity);
	XML_SetParamEntityParsing(p->xp, XML_PARAM_ENTITY_PARSING_NEVER);
	p->declared = zs.size;
	p->got = p->last = 0;
	return 0;
}

static void part_close(sheet *s)
{
	struct part *p = &s->part;
	if (p->xp)
		XML_ParserFree(p->xp);
	if (p->zf)
		zip_fclose(p->zf);
	p->xp = NULL;
	p->zf = NULL;
}

/*
 * One step of the open part: resumes a parser suspended at a row's end, or
 * feeds it the next chunk.  1: go on; 0: the document is complete; -1.
 */
static int part_step(sheet *s)
{
	struct part *p = &s->part;
	XML_ParsingStatus ps;
	enum XML_Status rc;
	XML_GetParsingStatus(p->xp, &ps);
	if (ps.parsing == XML_FINISHED)
		return 0;
	if (ps.parsing == XML_SUSPENDED) {
		rc = XML_ResumeParser(p->xp);
	} else {
		zip_int64_t k = zip_fread(p->zf, p->buf, sizeof p->buf);
		if (k < 0)
			return zip_failed(s, p->name, zip_file_get_error(p->zf));
		if ((uint64_t)k > p->declared - p->got)
			return failf(s, L("%s: %s expands to more than the %" PRIu64 " bytes its zip directory declares (a zip bomb?); refused",
					     "%s：%s 解压后超过 zip 目录声明的 %" PRIu64 " 字节（zip 炸弹？）；拒绝读取"),
				s->name, p->name, p->declared);
		p->got += (uint64_t)k;
		rc = XML_Parse(p->xp, p->buf, (int)k, k == 0);
	}
	if (s->failed)
		return -1;
	if (rc == XML_STATUS_ERROR)
		return failf(s, L("%s: %s line %lu: %s; the file is damaged, save it again from Excel",
				     "%s：%s 第 %lu 行：%s；文件已损坏，请用 Excel 重新保存"),
			s->name, p->name, (unsigned long)XML_GetCurrentLineNumber(p->xp), XML_ErrorString(XML_GetErrorCode(p->xp)));
	if (p->got > p->last + TOKEN_MAX)
		return failf(s, L("%s: %s line %lu: a single XML tag or comment longer than 64 MiB; refused",
				     "%s：%s 第 %lu 行：单个 XML 标签或注释超过 64 MiB；拒绝读取"),
			s->name, p->name, (unsigned long)XML_GetCurrentLineNumber(p->xp));
	return 1;
}

/* Parses a whole part with these handlers: 0 or -1. */
static int part_parse(sheet *s, zip_int64_t idx, const char *name, XML_StartElementHandler start,
	XML_EndElementHandler end, XML_CharacterDataHandler chars)
{
	int rc = part_open(s, idx, name, start, end, chars);
	while (rc == 0 && (rc = part_step(s)) > 0)
		rc = 0;
	part_close(s);
	return rc < 0 ? -1 : 0;
}

static int too_many(sheet *s, const char *what)
{
	return failf(s, L("%s: %s lists too many %s; refused", "%s：%s 列出的 %s 过多；拒绝读取"), s->name, s->part.name, what);
}

/* ---- xlsx: workbook, relationships, styles, shared strings ------------------- */

static void wb_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	sheet *s = ud;
	const char *n = local(el);
	if (event(s))
		return;
	if (strcmp(n, "workbookPr") == 0) {
		const char *v = attr(a, "date1904");
		s->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
	} else if (strcmp(n, "sheet") == 0) {
		if (s->nwb == LIST_MAX) {
			too_many(s, L("sheets", "工作表"));
			return;
		}
		void *q = grow(s->wb, &s->wb_cap, s->nwb + 1, sizeof *s->wb);
		if (!q) {
			oom(s);
			return;
		}
		s->wb = q;
		const char *name = attr(a, "name"), *rid = attr(a, "id"), *state = attr(a, "state");
		struct wbsheet *w = &s->wb[s->nwb];
		w->name = strdup(name ? name : "");
		w->rid = strdup(rid ? rid : "");
		w->hidden = state && strcmp(state, "visible") != 0;
		if (!w->name || !w->rid) {
			free(w->name);
			free(w->rid);
			oom(s);
			return;
		}
		s->nwb++;
	}
}

static void rel_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	sheet *s = ud;
	if (event(s) || strcmp(local(el), "Relationship") != 0)
		return;
	const char *id = attr(a, "Id"), *target = attr(a, "Target"), *type = attr(a, "Type"), *mode = attr(a, "TargetMode");
	if (!id || !target || (mode && strcmp(mode, "External") == 0))
		return;
	if (s->nrel == LIST_MAX) {
		too_many(s, L("relationships", "关系"));
		return;
	}
	void *q = grow(s->rel, &s->rel_cap, s->nrel + 1, sizeof *s->rel);
	if (!q) {
		oom(s);
		return;
	}
	s->rel = q;
	struct rel *r = &s->rel[s->nrel];
	r->id = strdup(id);
	r->target = strdup(target);
	r->type = strdup(type ? type : "");
	if (!r->id || !r->target || !r->type) {
		free(r->id);
		free(r->target);
		free(r->type);
		oom(s);
		return;
	}
	s->nrel++;
}

static void style_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	sheet *s = ud;
	const char *n = local(el);
	uint64_t id = 0;
	if (event(s))
		return;
	if (strcmp(n, "numFmts") == 0) {
		s->in_numfmts = 1;
	} else if (strcmp(n, "cellXfs") == 0) {
		s->in_cellxfs = 1;
	} else if (s->in_numfmts && strcmp(n, "numFmt") == 0) { /* not those of <dxfs> (conditional formats) */
		if (to_u64(attr(a, "numFmtId"), UINT32_MAX, &id) != 0)
			return;
		if (s->nfmt == STYLE_MAX) {
			too_many(s, L("number formats", "数字格式"));
			return;
		}
		void *q = grow(s->fmt, &s->fmt_cap, s->nfmt + 1, sizeof *s->fmt);
		if (!q) {
			oom(s);
			return;
		}
		s->fmt = q;
		s->fmt[s->nfmt].id = (uint32_t)id;
		s->fmt[s->nfmt++].date = fmt_is_date(attr(a, "formatCode"));
	} else if (s->in_cellxfs && strcmp(n, "xf") == 0) {
		if (to_u64(attr(a, "numFmtId"), UINT32_MAX, &id) != 0)
			id = 0; /* General */
		if (s->nxf == STYLE_MAX) {
			too_many(s, L("cell formats", "单元格格式"));
			return;
		}
		void *q = grow(s->xf, &s->xf_cap, s->nxf + 1, sizeof *s->xf);
		if (!q) {
			oom(s);
			return;
		}
		s->xf = q;
		s->xf[s->nxf++] = (uint32_t)id;
	}
}

static void style_end(void *ud, const XML_Char *el)
{
	sheet *s = ud;
	const char *n = local(el);
	if (event(s))
		return;
	if (strcmp(n, "numFmts") == 0)
		s->in_numfmts = 0;
	else if (strcmp(n, "cellXfs") == 0)
		s->in_cellxfs = 0;
}

/* Whether each cell format shows dates: a custom format of its id decides, else the built-in list. */
static int styles_resolve(sheet *s)
{
	if (!s->nxf)
		return 0;
	if (!(s->xf_date = calloc(s->nxf, 1)))
		return oom(s);
	for (size_t i = 0; i < s->nxf; i++) {
		int date = builtin_date(s->xf[i]);
		for (size_t k = 0; k < s->nfmt; k++)
			if (s->fmt[k].id == s->xf[i])
				date = s->fmt[k].date;
		s->xf_date[i] = (unsigned char)date;
	}
	return 0;
}

/* Appends n bytes to the shared strings (and room for a NUL): 0 or -1. */
static int sst_put(sheet *s, const char *t, size_t n)
{
	if (n + 1 > SHEET_STRINGS_BYTES - s->sst_len)
		return failf(s, L("%s: %s holds more than 512 MiB of text; refused", "%s：%s 的文本超过 512 MiB；拒绝读取"),
			s->name, s->part.name);
	void *q = grow(s->sst, &s->sst_cap, s->sst_len + n + 1, 1);
	if (!q)
		return oom(s);
	s->sst = q;
	if (n)
		memcpy(s->sst + s->sst_len, t, n);
	s->sst_len += n;
	return 0;
}

static void sst_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	sheet *s = ud;
	const char *n = local(el);
	if (event(s))
		return;
	if (strcmp(n, "si") == 0) {
		s->in_si = 1;
		s->in_t = s->in_rph = 0;
		s->si_start = s->sst_len;
	} else if (!s->in_si) {
		return;
	} else if (strcmp(n, "rPh") == 0) { /* a phonetic (furigana) run: not the text */
		s->in_rph++;
	} else if (strcmp(n, "t") == 0) {
		s->in_t = 1;
	}
}

static void sst_end(void *ud, const XML_Char *el)
{
	sheet *s = ud;
	const char *n = local(el);
	if (event(s) || !s->in_si)
		return;
	if (strcmp(n, "si") == 0) {
		s->in_si = 0;
		if (sst_put(s, "", 0) != 0)
			return;
		size_t len = unescape_x(s->sst + s->si_start, s->sst_len - s->si_start);
		s->sst_len = s->si_start + len;
		s->sst[s->sst_len++] = 0;
		if (s->nstr == SHEET_STRINGS_MAX) {
			failf(s, L("%s: %s holds more than 2,000,000 strings; refused", "%s：%s 的字符串超过 2,000,000 个；拒绝读取"),
				s->name, s->part.name);
			return;
		}
		void *q = grow(s->str, &s->str_cap, s->nstr + 1, sizeof *s->str);
		if (!q) {
			oom(s);
			return;
		}
		s->str = q;
		s->str[s->nstr].off = s->si_start;
		s->str[s->nstr++].len = len;
	} else if (strcmp(n, "rPh") == 0) {
		if (s->in_rph)
			s->in_rph--;
	} else if (strcmp(n, "t") == 0) {
		s->in_t = 0;
	}
}

static void sst_chars(void *ud, const XML_Char *t, int len)
{
	sheet *s = ud;
	if (event(s) || !s->in_si || !s->in_t || s->in_rph || len <= 0)
		return;
	sst_put(s, t, (size_t)len);
}

/* ---- xlsx: the worksheet -------------------------------------------------------- */

static void row_start(sheet *s, const char *r)
{
	uint64_t n = s->prev_row + 1;
	if (r && (to_u64(r, SHEET_ROWS_MAX, &n) != 0 || n == 0)) {
		failf(s, L("%s: %s: the row number \"%.24s\" is not one of 1 to 1,048,576; the file is damaged, save it again from Excel",
			     "%s：%s：行号“%.24s”不在 1 到 1,048,576 之间；文件已损坏，请用 Excel 重新保存"),
			s->name, s->part.name, r);
		return;
	}
	if (n > SHEET_ROWS_MAX) {
		failf(s, L("%s: %s has rows past row 1,048,576; the file is damaged, save it again from Excel",
			     "%s：%s 有超过第 1,048,576 行的行；文件已损坏，请用 Excel 重新保存"),
			s->name, s->part.name);
		return;
	}
	if (n <= s->prev_row) {
		failf(s, L("%s: %s: row %" PRIu64 " comes after row %" PRIu64 "; the file is damaged, save it again from Excel",
			     "%s：%s：第 %" PRIu64 " 行出现在第 %" PRIu64 " 行之后；文件已损坏，请用 Excel 重新保存"),
			s->name, s->part.name, n, s->prev_row);
		return;
	}
	s->row_no = n;
	s->in_row = 1;
	s->prev_col = -1;
	s->row_c0 = s->nqc;
	s->row_a0 = s->alen;
}

static void row_end(sheet *s)
{
	s->in_row = 0;
	s->prev_row = s->row_no;
	void *q = grow(s->qr, &s->qr_cap, s->nqr + 1, sizeof *s->qr);
	if (!q) {
		oom(s);
		return;
	}
	s->qr = q;
	s->qr[s->nqr].number = s->row_no;
	s->qr[s->nqr].first = s->row_c0;
	s->qr[s->nqr++].n = s->nqc - s->row_c0;
	XML_StopParser(s->part.xp, XML_TRUE); /* sheet_next hands this row out before more is parsed */
}

static void cell_start(sheet *s, const char *r, const char *t, const char *style)
{
	int32_t col = s->prev_col + 1;
	uint64_t xf;
	char name[24];
	if (r && ref_col(r, &col) != 0) {
		failf(s, L("%s: %s row %" PRIu64 ": \"%.24s\" is not a cell between A and XFD; the file is damaged, save it again from Excel",
			     "%s：%s 第 %" PRIu64 " 行：“%.24s”不是 A 到 XFD 列之间的单元格；文件已损坏，请用 Excel 重新保存"),
			s->name, s->part.name, s->row_no, r);
		return;
	}
	if (col >= SHEET_COLUMNS_MAX) {
		failf(s, L("%s: %s row %" PRIu64 " has cells past column XFD; the file is damaged, save it again from Excel",
			     "%s：%s 第 %" PRIu64 " 行有超过 XFD 列的单元格；文件已损坏，请用 Excel 重新保存"),
			s->name, s->part.name, s->row_no);
		return;
	}
	if (col <= s->prev_col) {
		cell_name(col, s->row_no, name);
		failf(s, L("%s: %s: cell %s comes after a cell to its right; the file is damaged, save it again from Excel",
			     "%s：%s：单元格 %s 出现在其右侧的单元格之后；文件已损坏，请用 Excel 重新保存"),
			s->name, s->part.name, name);
		return;
	}
	s->col = col;
	s->in_cell = 1;
	s->in_v = s->in_is = s->in_t = s->in_rph = 0;
	s->vlen = 0;
	s->ctype = !t || strcmp(t, "n") == 0 ? 'n'
		: strcmp(t, "s") == 0	     ? 's'
		: strcmp(t, "inlineStr") == 0 ? 'i'
		: strcmp(t, "str") == 0	     ? 'S'
		: strcmp(t, "b") == 0	     ? 'b'
		: strcmp(t, "e") == 0	     ? 'e'
		: strcmp(t, "d") == 0	     ? 'd'
					     : '?';
	s->cdate = style && to_u64(style, UINT32_MAX, &xf) == 0 && xf < s->nxf && s->xf_date[xf];
}

/* Queues the open cell's value (nothing if empty): its text is a shared string (str), else copied from text. */
static void cell_put(sheet *s, const char *str, const char *text, size_t len, enum sheet_kind kind)
{
	if (!len)
		return;
	void *q = grow(s->qc, &s->qc_cap, s->nqc + 1, sizeof *s->qc);
	if (!q) {
		oom(s);
		return;
	}
	s->qc = q;
	struct qcell *c = &s->qc[s->nqc];
	c->str = str;
	c->off = 0;
	if (!str) {
		if (len + 1 > ROW_TEXT_MAX - (s->alen - s->row_a0)) {
			failf(s, L("%s: %s row %" PRIu64 " holds more than 16 MiB of text; refused",
				     "%s：%s 第 %" PRIu64 " 行的文本超过 16 MiB；拒绝读取"),
				s->name, s->part.name, s->row_no);
			return;
		}
		if (!(q = grow(s->arena, &s->acap, s->alen + len + 1, 1))) {
			oom(s);
			return;
		}
		s->arena = q;
		memcpy(s->arena + s->alen, text, len);
		s->arena[s->alen + len] = 0;
		c->off = s->alen;
		s->alen += len + 1;
	}
	c->len = len;
	c->col = s->col;
	c->kind = kind;
	s->nqc++;
}

/* The cell is complete: its value by its type (the cached <v> of a formula included). */
static void cell_end(sheet *s)
{
	char *v = s->val ? s->val : (char *)empty, name[24], date[11];
	size_t n = s->vlen;
	uint64_t k;
	int64_t days;
	s->in_cell = 0;
	s->prev_col = s->col;
	if (s->val)
		v[n] = 0;
	switch (s->ctype) {
	case 's':
		if (!n)
			return;
		if (to_u64(v, UINT32_MAX, &k) != 0 || k >= s->nstr) {
			cell_name(s->col, s->row_no, name);
			failf(s, L("%s: %s cell %s refers to shared string \"%.24s\" of %zu; the file is damaged, save it again from Excel",
				     "%s：%s 单元格 %s 引用了共享字符串“%.24s”（共 %zu 个）；文件已损坏，请用 Excel 重新保存"),
				s->name, s->part.name, name, v, s->nstr);
			return;
		}
		cell_put(s, s->sst + s->str[k].off, NULL, s->str[k].len, SHEET_TEXT);
		return;
	case 'i':
	case 'S':
		cell_put(s, NULL, v, unescape_x(v, n), SHEET_TEXT);
		return;
	case 'b':
		if (n == 1 && (v[0] == '0' || v[0] == '1'))
			cell_put(s, NULL, v[0] == '1' ? "TRUE" : "FALSE", v[0] == '1' ? 4 : 5, SHEET_BOOL);
		else
			cell_put(s, NULL, v, n, SHEET_TEXT);
		return;
	case 'e':
		cell_put(s, NULL, v, n, SHEET_ERROR);
		return;
	case 'd': /* ISO 8601: the date part, YYYY-MM-DD */
		if (n >= 10 && v[4] == '-' && v[7] == '-' && (n == 10 || v[10] == 'T') &&
			strspn(v, "0123456789") == 4 && strspn(v + 5, "0123456789") == 2 && strspn(v + 8, "0123456789") == 2)
			cell_put(s, NULL, v, 10, SHEET_DATE);
		else
			cell_put(s, NULL, v, n, SHEET_TEXT);
		return;
	case 'n':
		if (s->cdate && n && serial_days(v, n, &days) == 0 && sheet_serial_date(days, s->date1904, date) == 0)
			cell_put(s, NULL, date, 10, SHEET_DATE);
		else
			cell_put(s, NULL, v, n, SHEET_NUMBER);
		return;
	default:
		cell_put(s, NULL, v, n, SHEET_TEXT);
	}
}

static void ws_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	sheet *s = ud;
	const char *n = local(el);
	if (event(s))
		return;
	if (!s->in_data) {
		if (strcmp(n, "sheetData") == 0)
			s->in_data = 1;
	} else if (!s->in_row) {
		if (strcmp(n, "row") == 0)
			row_start(s, attr(a, "r"));
	} else if (!s->in_cell) {
		if (strcmp(n, "c") == 0)
			cell_start(s, attr(a, "r"), attr(a, "t"), attr(a, "s"));
	} else if (strcmp(n, "v") == 0) {
		s->in_v = 1;
	} else if (strcmp(n, "is") == 0) {
		s->in_is = 1;
	} else if (strcmp(n, "rPh") == 0) {
		s->in_rph++;
	} else if (strcmp(n, "t") == 0) {
		s->in_t = 1;
	}
}

static void ws_end(void *ud, const XML_Char *el)
{
	sheet *s = ud;
	const char *n = local(el);
	if (event(s))
		return;
	if (s->in_cell) {
		if (strcmp(n, "c") == 0)
			cell_end(s);
		else if (strcmp(n, "v") == 0)
			s->in_v = 0;
		else if (strcmp(n, "is") == 0)
			s->in_is = 0;
		else if (strcmp(n, "rPh") == 0 && s->in_rph)
			s->in_rph--;
		else if (strcmp(n, "t") == 0)
			s->in_t = 0;
	} else if (s->in_row) {
		if (strcmp(n, "row") == 0)
			row_end(s);
	} else if (s->in_data && strcmp(n, "sheetData") == 0) {
		s->in_data = 0;
	}
}

/* Text of a value (<v>) or of an inline string's runs (<is><t>, <is><r><t>, not <rPh>); formulas (<f>) are not kept. */
static void ws_chars(void *ud, const XML_Char *t, int len)
{
	sheet *s = ud;
	if (event(s) || !s->in_cell || len <= 0 || !(s->in_v || (s->in_is && s->in_t && !s->in_rph)))
		return;
	if ((size_t)len > SHEET_FIELD_MAX - s->vlen) {
		char name[24];
		cell_name(s->col, s->row_no, name);
		failf(s, L("%s: %s cell %s holds more than 1 MiB of text; refused", "%s：%s 单元格 %s 的文本超过 1 MiB；拒绝读取"),
			s->name, s->part.name, name);
		return;
	}
	void *q = grow(s->val, &s->vcap, s->vlen + (size_t)len + 1, 1);
	if (!q) {
		oom(s);
		return;
	}
	s->val = q;
	memcpy(s->val + s->vlen, t, (size_t)len);
	s->vlen += (size_t)len;
}

/* Drops the row handed out last time; when none is left, keeps only the row being parsed (moved to the front). */
static int queue_trim(sheet *s)
{
	if (s->handed) {
		s->qhead++;
		s->handed = 0;
	}
	if (s->qhead < s->nqr)
		return 0;
	size_t c0 = s->in_row ? s->row_c0 : s->nqc, a0 = s->in_row ? s->row_a0 : s->alen;
	for (size_t i = c0; i < s->nqc; i++) {
		s->qc[i - c0] = s->qc[i];
		if (!s->qc[i - c0].str)
			s->qc[i - c0].off -= a0;
	}
	if (s->alen > a0)
		memmove(s->arena, s->arena + a0, s->alen - a0);
	s->nqc -= c0;
	s->alen -= a0;
	s->row_c0 -= c0;
	s->row_a0 -= a0;
	s->nqr = s->qhead = 0;
	return 0;
}

static int xlsx_next(sheet *s, struct sheet_row *row)
{
	queue_trim(s);
	while (s->qhead == s->nqr) {
		int rc = part_step(s);
		if (rc <= 0)
			return rc;
	}
	const struct qrow *r = &s->qr[s->qhead];
	const struct qcell *c = r->n ? s->qc + r->first : NULL; /* no cells yet: qc may be NULL */
	size_t ncol = r->n ? (size_t)c[r->n - 1].col + 1 : 0;
	void *q = grow(s->out, &s->out_cap, ncol ? ncol : 1, sizeof *s->out);
	if (!q)
		return oom(s);
	s->out = q;
	for (size_t i = 0; i < ncol; i++) {
		s->out[i].text = empty;
		s->out[i].len = 0;
		s->out[i].kind = SHEET_EMPTY;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct sheet_cell *o = &s->out[c[i].col];
		o->text = c[i].str ? c[i].str : s->arena + c[i].off;
		o->len = c[i].len;
		o->kind = c[i].kind;
	}
	row->number = r->number;
	row->ncells = ncol;
	row->cells = s->out;
	s->handed = 1;
	return 1;
}

/* ---- xlsx: opening ------------------------------------------------------------- */

static zip_int64_t locate(sheet *s, const char *name)
{
	return zip_name_locate(s->zip, name, ZIP_FL_NOCASE);
}

/* A relationship's Target as a part name: relative to xl/, or absolute ("/xl/..."); "." and ".." resolved.  0 or -1. */
static int resolve(const char *target, char *out, size_t cap)
{
	char tmp[1024];
	int k = target[0] == '/' ? snprintf(tmp, sizeof tmp, "%s", target + 1) : snprintf(tmp, sizeof tmp, "xl/%s", target);
	size_t o = 0;
	char *save = NULL;
	if (k < 0 || (size_t)k >= sizeof tmp)
		return -1;
	out[0] = 0;
	for (char *seg = strtok_r(tmp, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			char *slash = strrchr(out, '/');
			if (!o)
				return -1;
			o = slash ? (size_t)(slash - out) : 0;
			out[o] = 0;
			continue;
		}
		k = snprintf(out + o, cap - o, "%s%s", o ? "/" : "", seg);
		if (k < 0 || (size_t)k >= cap - o)
			return -1;
		o += (size_t)k;
	}
	return o ? 0 : -1;
}

static const struct rel *rel_by_id(const sheet *s, const char *id)
{
	for (size_t i = 0; i < s->nrel; i++)
		if (strcmp(s->rel[i].id, id) == 0)
			return &s->rel[i];
	return NULL;
}

/* The first relationship whose type ends with "/" suffix, or NULL. */
static const struct rel *rel_by_type(const sheet *s, const char *suffix)
{
	size_t n = strlen(suffix);
	for (size_t i = 0; i < s->nrel; i++) {
		size_t t = strlen(s->rel[i].type);
		if (t > n && s->rel[i].type[t - n - 1] == '/' && strcmp(s->rel[i].type + t - n, suffix) == 0)
			return &s->rel[i];
	}
	return NULL;
}

/* Whether workbook sheet i is a worksheet (not a chart, dialog or macro sheet); without a relationship type, yes. */
static int is_worksheet(const sheet *s, size_t i)
{
	const struct rel *r = rel_by_id(s, s->wb[i].rid);
	size_t t = r ? strlen(r->type) : 0;
	return !r || !t || (t >= 10 && strcmp(r->type + t - 10, "/worksheet") == 0);
}

/* The workbook's sheet names, quoted and comma-separated, cut to fit cap. */
static void sheet_list(const sheet *s, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < s->nwb && o + 8 < cap; i++) {
		int k = snprintf(out + o, cap - o, "%s\"%s\"", i ? ", " : "", s->wb[i].name);
		if (k < 0 || (size_t)k >= cap - o) {
			snprintf(out + (o < cap - 5 ? o : cap - 5), 5, "...");
			return;
		}
		o += (size_t)k;
	}
}

/* Which workbook sheet to read: want by name, then by position; NULL the first visible worksheet.  Its index, or -1. */
static long pick(sheet *s, const char *want)
{
	uint64_t pos;
	if (!want) {
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < s->nwb; i++)
				if (is_worksheet(s, i) && (pass || !s->wb[i].hidden))
					return (long)i;
		return failf(s, L("%s has no worksheet (only charts or macro sheets); save it again as .xlsx with the data on a worksheet",
				     "%s 没有工作表（只有图表或宏表）；请把数据放在工作表中并重新另存为 .xlsx"),
			s->name);
	}
	long found = -1;
	for (size_t i = 0; i < s->nwb && found < 0; i++)
		if (strcmp(s->wb[i].name, want) == 0)
			found = (long)i;
	for (size_t i = 0; i < s->nwb && found < 0; i++)
		if (strcasecmp(s->wb[i].name, want) == 0)
			found = (long)i;
	if (found < 0 && to_u64(want, LIST_MAX, &pos) == 0) {
		if (pos < 1 || pos > s->nwb)
			return failf(s, L("%s has %zu sheets, so there is no sheet %s", "%s 只有 %zu 个工作表，没有第 %s 个"), s->name,
				s->nwb, want);
		found = (long)pos - 1;
	}
	if (found < 0) {
		char list[300];
		sheet_list(s, list, sizeof list);
		return failf(s, L("%s has no sheet called \"%s\"; its sheets are: %s", "%s 中没有名为“%s”的工作表；它的工作表有：%s"),
			s->name, want, list);
	}
	if (!is_worksheet(s, (size_t)found))
		return failf(s, L("%s: sheet \"%s\" is a chart or macro sheet, not a worksheet; name the sheet that holds the data",
				     "%s：工作表“%s”是图表或宏表，不是工作表；请指定存放数据的工作表"),
			s->name, s->wb[found].name);
	return found;
}

static int xlsx_open(sheet *s, const char *want)
{
	static const char fallback[] = "xl/worksheets/sheet1.xml";
	char part[1024];
	const char *title = "sheet1";
	zip_int64_t wb = locate(s, "xl/workbook.xml"), idx = -1;
	const struct rel *r;
	s->src = SRC_XLSX;
	s->enc = "xlsx";
	if (wb < 0) {
		if (locate(s, "xl/workbook.bin") >= 0)
			return failf(s, L("%s is an Excel binary workbook (.xlsb); open it in Excel and save it as .xlsx (Excel Workbook)",
					     "%s 是 Excel 二进制工作簿（.xlsb）；请用 Excel 打开并另存为 .xlsx（Excel 工作簿）"),
				s->name);
		if (locate(s, "content.xml") >= 0 && locate(s, "mimetype") >= 0)
			return failf(s, L("%s is an OpenDocument spreadsheet (.ods); save it as .xlsx (Excel Workbook)",
					     "%s 是 OpenDocument 电子表格（.ods）；请另存为 .xlsx（Excel 工作簿）"),
				s->name);
	} else if (part_parse(s, wb, "xl/workbook.xml", wb_start, NULL, NULL) != 0) {
		return -1;
	}
	zip_int64_t ri = locate(s, "xl/_rels/workbook.xml.rels");
	if (ri >= 0 && part_parse(s, ri, "xl/_rels/workbook.xml.rels", rel_start, NULL, NULL) != 0)
		return -1;
	if (s->nwb) {
		long i = pick(s, want);
		if (i < 0)
			return -1;
		title = s->wb[i].name;
		r = rel_by_id(s, s->wb[i].rid);
		if (r && resolve(r->target, part, sizeof part) == 0)
			idx = locate(s, part);
		else if (r)
			snprintf(part, sizeof part, "%s", r->target);
		if (idx < 0 && i == 0 && (idx = locate(s, fallback)) >= 0)
			snprintf(part, sizeof part, "%s", fallback);
		if (idx < 0 && !r)
			return failf(s, L("%s: sheet \"%s\" is not in xl/_rels/workbook.xml.rels; the file is damaged, save it again from Excel",
					     "%s：工作表“%s”不在 xl/_rels/workbook.xml.rels 中；文件已损坏，请用 Excel 重新保存"),
				s->name, title);
		if (idx < 0)
			return failf(s, L("%s: sheet \"%s\" should be in %s, which is not in the file; the file is damaged, save it again from Excel",
					     "%s：工作表“%s”应在 %s 中，但文件里没有它；文件已损坏，请用 Excel 重新保存"),
				s->name, title, part);
	} else {
		uint64_t pos;
		if (want && strcasecmp(want, "sheet1") != 0 && !(to_u64(want, LIST_MAX, &pos) == 0 && pos == 1))
			return failf(s, L("%s has no sheet called \"%s\"; it has only one, sheet1", "%s 中没有名为“%s”的工作表；它只有一个 sheet1"),
				s->name, want);
		if ((idx = locate(s, fallback)) < 0) {
			if (wb < 0)
				return failf(s, L("%s is a zip file but not an Excel workbook (no xl/workbook.xml); save it as .xlsx (Excel Workbook)",
						     "%s 是 zip 文件，但不是 Excel 工作簿（没有 xl/workbook.xml）；请另存为 .xlsx（Excel 工作簿）"),
					s->name);
			return failf(s, L("%s has no worksheet; save it again as .xlsx from Excel", "%s 没有工作表；请用 Excel 重新另存为 .xlsx"),
				s->name);
		}
		snprintf(part, sizeof part, "%s", fallback);
	}
	if (!(s->title = strdup(title)))
		return oom(s);

	char other[1024];
	zip_int64_t at;
	r = rel_by_type(s, "styles");
	at = r && resolve(r->target, other, sizeof other) == 0 ? locate(s, other) : -1;
	if (at < 0 && (at = locate(s, "xl/styles.xml")) >= 0)
		snprintf(other, sizeof other, "xl/styles.xml");
	if (at >= 0 && (part_parse(s, at, other, style_start, style_end, NULL) != 0 || styles_resolve(s) != 0))
		return -1;
	r = rel_by_type(s, "sharedStrings");
	at = r && resolve(r->target, other, sizeof other) == 0 ? locate(s, other) : -1;
	if (at < 0 && (at = locate(s, "xl/sharedStrings.xml")) >= 0)
		snprintf(other, sizeof other, "xl/sharedStrings.xml");
	if (at >= 0 && part_parse(s, at, other, sst_start, sst_end, sst_chars) != 0)
		return -1;
	return part_open(s, idx, part, ws_start, ws_end, ws_chars);
}

static int is_zip(const unsigned char *m, size_t n)
{
	return n >= 4 && m[0] == 'P' && m[1] == 'K' && ((m[2] == 3 && m[3] == 4) || (m[2] == 5 && m[3] == 6));
}

/* zip_open's failure code, as a reason. */
static int zip_open_failed(sheet *s, int code)
{
	if (code == ZIP_ER_NOZIP || code == ZIP_ER_EOF)
		return failf(s, L("%s is not a complete .xlsx file (the zip directory is missing or cut short); save it again from Excel",
				     "%s 不是完整的 .xlsx 文件（zip 目录缺失或不完整）；请用 Excel 重新保存"),
			s->name);
	if (code == ZIP_ER_INCONS)
		return failf(s, L("%s is a damaged .xlsx file (its zip directory does not match its contents); save it again from Excel",
				     "%s 是损坏的 .xlsx 文件（zip 目录与内容不符）；请用 Excel 重新保存"),
			s->name);
	if (code == ZIP_ER_MULTIDISK)
		return failf(s, L("%s is part of a split zip archive, not an .xlsx file; save it again from Excel",
				     "%s 是分卷 zip 压缩包的一部分，不是 .xlsx 文件；请用 Excel 重新保存"),
			s->name);
	zip_error_t ze;
	zip_error_init_with_code(&ze, code);
	zip_failed(s, L("the zip directory", "zip 目录"), &ze);
	zip_error_fini(&ze);
	return -1;
}

/* Opens the n bytes at buf (n + 1 allocated; taken over) as .xlsx or as text. */
static int open_bytes(sheet *s, char *buf, size_t n, const char *want, char delim)
{
	if (!is_zip((const unsigned char *)buf, n))
		return text_open(s, buf, n, delim);
	zip_error_t ze;
	zip_error_init(&ze);
	s->zipdata = buf;
	zip_source_t *src = zip_source_buffer_create(buf, n, 0, &ze);
	zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
	int code = zip_error_code_zip(&ze);
	zip_error_fini(&ze);
	if (!z) {
		if (src)
			zip_source_free(src);
		return src ? zip_open_failed(s, code) : oom(s);
	}
	s->zip = z;
	return xlsx_open(s, want);
}

/* Reads all of fd, at most SHEET_TEXT_MAX bytes: the bytes (NUL-terminated) and *n, or NULL. */
static char *slurp(sheet *s, int fd, const struct stat *st, size_t *n)
{
	size_t cap = S_ISREG(st->st_mode) ? (size_t)st->st_size + 1 : 65536, len = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (!buf) {
			oom(s);
			return NULL;
		}
		if (len == cap) {
			size_t want = cap * 2 > SHEET_TEXT_MAX ? SHEET_TEXT_MAX + 1 : cap * 2;
			char *more = realloc(buf, want + 1);
			if (!more)
				free(buf);
			buf = more;
			cap = want;
			continue;
		}
		ssize_t k = read(fd, buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			failf(s, L("cannot read %s: %s", "无法读取 %s：%s"), s->name, strerror(errno));
			free(buf);
			return NULL;
		}
		if (k == 0)
			break;
		len += (size_t)k;
		if (len > SHEET_TEXT_MAX) {
			failf(s, L("%s is larger than 1 GiB; split it into smaller files or save it as .xlsx",
				     "%s 超过 1 GiB；请拆分成较小的文件，或另存为 .xlsx"),
				s->name);
			free(buf);
			return NULL;
		}
	}
	buf[len] = 0;
	*n = len;
	return buf;
}

/* The delimiter a file's name implies, or 0 to sniff it. */
static char name_delim(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash))
		return 0;
	if (strcasecmp(dot, ".tsv") == 0 || strcasecmp(dot, ".txt") == 0 || strcasecmp(dot, ".tab") == 0)
		return '\t';
	if (strcasecmp(dot, ".csv") == 0)
		return ',';
	return 0;
}

static int open_path(sheet *s, const char *path, const char *want)
{
	struct stat st;
	unsigned char magic[8] = {0};
	ssize_t k = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return failf(s, L("cannot open %s: %s", "无法打开 %s：%s"), path, strerror(errno));
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		int e = errno;
		if (e == 0 || S_ISDIR(st.st_mode))
			e = EISDIR;
		close(fd);
		return failf(s, L("cannot read %s: %s", "无法读取 %s：%s"), path, strerror(e));
	}
	if (S_ISREG(st.st_mode)) {
		do
			k = pread(fd, magic, sizeof magic, 0);
		while (k < 0 && errno == EINTR);
		if (is_zip(magic, k > 0 ? (size_t)k : 0)) {
			int code = 0;
			zip_t *z = zip_fdopen(fd, 0, &code);
			if (!z) {
				close(fd);
				return zip_open_failed(s, code);
			}
			s->zip = z;
			return xlsx_open(s, want);
		}
		if ((uint64_t)st.st_size > SHEET_TEXT_MAX) {
			close(fd);
			if (k == sizeof magic && memcmp(magic, ole_magic, sizeof magic) == 0)
				return refuse_ole(s, NULL, 0);
			return failf(s, L("%s is larger than 1 GiB; split it into smaller files or save it as .xlsx",
					     "%s 超过 1 GiB；请拆分成较小的文件，或另存为 .xlsx"),
				path);
		}
	}
	size_t n;
	char *buf = slurp(s, fd, &st, &n);
	close(fd);
	return buf ? open_bytes(s, buf, n, want, name_delim(path)) : -1;
}

/* ---- the interface -------------------------------------------------------------- */

static sheet *sheet_new(const char *name, char *why, size_t whylen)
{
	sheet *s = calloc(1, sizeof *s);
	if (s && !(s->name = strdup(name))) {
		free(s);
		s = NULL;
	}
	if (!s) {
		if (why && whylen)
			snprintf(why, whylen, L("%s: out of memory", "%s：内存不足"), name);
		return NULL;
	}
	s->line = 1;
	s->prev_col = -1;
	return s;
}

int sheet_open(const char *path, const char *sheet_name, sheet **out, char *why, size_t whylen)
{
	sheet *s = sheet_new(path, why, whylen);
	if (!s)
		return -1;
	if (open_path(s, path, sheet_name) != 0) {
		give(s, why, whylen);
		sheet_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

int sheet_open_mem(const void *data, size_t len, const char *kind, sheet **out, char *why, size_t whylen)
{
	static const struct {
		const char *kind, *name;
		char delim;
	} kinds[] = {{"csv", "input.csv", ','}, {"tsv", "input.tsv", '\t'}, {"xlsx", "input.xlsx", 0}, {"text", "input", 0}};
	size_t i = 0;
	while (i < sizeof kinds / sizeof kinds[0] && (!kind || strcmp(kind, kinds[i].kind) != 0))
		i++;
	if (i == sizeof kinds / sizeof kinds[0]) {
		if (why && whylen)
			snprintf(why, whylen, "sheet_open_mem: unknown kind \"%s\" (csv, tsv, xlsx or text)", kind ? kind : "(null)");
		return -1;
	}
	sheet *s = sheet_new(kinds[i].name, why, whylen);
	if (!s)
		return -1;
	char *buf = len <= SHEET_TEXT_MAX ? malloc(len + 1) : NULL;
	int rc;
	if (len > SHEET_TEXT_MAX) {
		rc = failf(s, L("%s is larger than 1 GiB; split it into smaller files or save it as .xlsx",
				   "%s 超过 1 GiB；请拆分成较小的文件，或另存为 .xlsx"),
			s->name);
	} else if (!buf) {
		rc = oom(s);
	} else {
		if (len)
			memcpy(buf, data, len);
		buf[len] = 0;
		rc = open_bytes(s, buf, len, NULL, kinds[i].delim);
	}
	if (rc != 0) {
		give(s, why, whylen);
		sheet_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

int sheet_next(sheet *s, struct sheet_row *row, char *why, size_t whylen)
{
	int rc = s->failed ? -1 : s->src == SRC_TEXT ? csv_next(s, row) : xlsx_next(s, row);
	if (rc < 0 || s->failed) {
		give(s, why, whylen);
		return -1;
	}
	return rc;
}

void sheet_progress(const sheet *s, uint64_t *done, uint64_t *total)
{
	if (s->src == SRC_TEXT) {
		*done = s->tpos;
		*total = s->tlen;
	} else {
		*total = s->part.declared;
		*done = s->part.got < s->part.declared ? s->part.got : s->part.declared;
	}
}

const char *sheet_encoding(const sheet *s)
{
	return s->enc;
}

const char *sheet_title(const sheet *s)
{
	return s->src == SRC_XLSX ? s->title : NULL;
}

char sheet_delimiter(const sheet *s)
{
	return s->src == SRC_TEXT ? s->delim : 0;
}

void sheet_close(sheet *s)
{
	if (!s)
		return;
	part_close(s);
	if (s->zip)
		zip_discard(s->zip);
	for (size_t i = 0; i < s->nwb; i++) {
		free(s->wb[i].name);
		free(s->wb[i].rid);
	}
	for (size_t i = 0; i < s->nrel; i++) {
		free(s->rel[i].id);
		free(s->rel[i].target);
		free(s->rel[i].type);
	}
	free(s->wb);
	free(s->rel);
	free(s->zipdata);
	free(s->title);
	free(s->sst);
	free(s->str);
	free(s->xf);
	free(s->xf_date);
	free(s->fmt);
	free(s->val);
	free(s->arena);
	free(s->qc);
	free(s->qr);
	free(s->out);
	free(s->text);
	free(s->name);
	free(s);
}
