/*
 * ics.c - an iCalendar (RFC 5545) writer: a VCALENDAR of all-day VEVENTs,
 * each with an optional display alarm, for muster due --ics.
 *
 * Every content line goes through one folding writer that counts octets and
 * emits whole units only (a UTF-8 character, an escape pair, one ASCII
 * byte), so a fold never splits a character or an escape.  Dates are civil
 * arithmetic on day numbers (Howard Hinnant's algorithms), not libc time.
 */
#include "ics.h"

#include <stdio.h>
#include <string.h>

#define LINE_MAX_OCTETS 75          /* RFC 5545 3.1, CRLF not counted */
#define STAMP_MAX 253402300799ULL   /* 9999-12-31T23:59:59Z: the last four-digit year */
#define SECS_PER_DAY 86400
#define REPLACEMENT "\xef\xbf\xbd"  /* U+FFFD for bytes that are not UTF-8 */

/* ---- civil dates ----------------------------------------------------------- */

/* Days since 1970-01-01 of the proleptic Gregorian y-m-d (m 1..12, d 1..31). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);                        /* 0..399 */
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* 0..365 */
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* 0..146096 */
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);                          /* 0..146096 */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
	unsigned mp = (5 * doy + 2) / 153;                                    /* 0..11 */
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* The day number of YYYYMMDD, or -1 unless it is a real date in years 1..9999. */
static int ymd_to_days(uint64_t ymd, int64_t *days)
{
	int64_t y = (int64_t)(ymd / 10000), yy;
	unsigned m = (unsigned)(ymd / 100 % 100), d = (unsigned)(ymd % 100), mm, dd;
	if (ymd > 99991231 || y < 1 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*days = days_from_civil(y, m, d);
	civil_from_days(*days, &yy, &mm, &dd);
	return yy == y && mm == m && dd == d ? 0 : -1; /* 20230229 comes back as 0301 */
}

/* ---- content lines --------------------------------------------------------- */

struct line {
	muster_buf *b;
	size_t col; /* octets on the current physical line */
};

/* Appends one unbreakable unit, folding first if it would pass 75 octets. */
static void unit(struct line *l, const char *p, size_t n)
{
	if (l->col + n > LINE_MAX_OCTETS) {
		muster_buf_put(l->b, "\r\n ", 3);
		l->col = 1;
	}
	muster_buf_put(l->b, p, n);
	l->col += n;
}

/* ASCII that needs no escaping: names, parameters, dates. */
static void ascii(struct line *l, const char *s)
{
	for (; *s; s++)
		unit(l, s, 1);
}

/*
 * Octets in the UTF-8 sequence at s (1..4); *bad is set if it is not valid,
 * and the count is then what one U+FFFD replaces: a stray byte, or a lead
 * byte with the continuation bytes that follow it (a cut-off character).
 */
static size_t utf8_seq(const unsigned char *s, int *bad)
{
	size_t want = 1, n = 1;
	if (*s >= 0xc2 && *s <= 0xdf)
		want = 2;
	else if (*s >= 0xe0 && *s <= 0xef)
		want = 3;
	else if (*s >= 0xf0 && *s <= 0xf4)
		want = 4;
	while (n < want && (s[n] & 0xc0) == 0x80)
		n++;
	*bad = n != want || (*s >= 0x80 && want == 1) || !muster_utf8_valid(s, n);
	return n;
}

/* A TEXT value (RFC 5545 3.3.11), escaped. */
static void text(struct line *l, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		unsigned char c = *p;
		if (c == '\\' || c == ';' || c == ',') {
			char esc[2] = {'\\', (char)c};
			unit(l, esc, 2);
			p++;
		} else if (c == '\r' || c == '\n') {
			unit(l, "\\n", 2);
			p += c == '\r' && p[1] == '\n' ? 2 : 1;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			unit(l, " ", 1);
			p++;
		} else {
			int bad;
			size_t n = utf8_seq(p, &bad);
			if (bad)
				unit(l, REPLACEMENT, 3);
			else
				unit(l, (const char *)p, n);
			p += n;
		}
	}
}

static void prop_ascii(muster_buf *b, const char *name, const char *value)
{
	struct line l = {b, 0};
	ascii(&l, name);
	ascii(&l, ":");
	ascii(&l, value);
	muster_buf_put(b, "\r\n", 2);
}

static void prop_text(muster_buf *b, const char *name, const char *value)
{
	struct line l = {b, 0};
	ascii(&l, name);
	ascii(&l, ":");
	text(&l, value);
	muster_buf_put(b, "\r\n", 2);
}

static void prop_date(muster_buf *b, const char *name, int64_t days)
{
	int64_t y;
	unsigned m, d;
	char v[16];
	civil_from_days(days, &y, &m, &d);
	snprintf(v, sizeof v, "%04d%02u%02u", (int)y, m, d);
	prop_ascii(b, name, v);
}

/* ---- the calendar ---------------------------------------------------------- */

void ics_begin(muster_buf *b, const char *prodid, const char *calname)
{
	prop_ascii(b, "BEGIN", "VCALENDAR");
	prop_ascii(b, "VERSION", "2.0");
	prop_text(b, "PRODID", prodid);
	prop_ascii(b, "CALSCALE", "GREGORIAN");
	prop_ascii(b, "METHOD", "PUBLISH");
	prop_text(b, "X-WR-CALNAME", calname);
	prop_ascii(b, "X-WR-TIMEZONE", "Asia/Shanghai");
}

void ics_event(muster_buf *b, const char *uid, uint64_t stamp, uint64_t date_ymd, const char *summary,
	const char *description, const char *categories, unsigned alarm_days)
{
	int64_t day;
	if (ymd_to_days(date_ymd, &day) < 0 || date_ymd == 99991231) {
		if (!b->err)
			b->err = MUSTER_EINVAL;
		return;
	}

	if (stamp > STAMP_MAX)
		stamp = STAMP_MAX;
	int64_t sy;
	unsigned sm, sd, secs = (unsigned)(stamp % SECS_PER_DAY);
	char ts[32];
	civil_from_days((int64_t)(stamp / SECS_PER_DAY), &sy, &sm, &sd);
	snprintf(ts, sizeof ts, "%04d%02u%02uT%02u%02u%02uZ", (int)sy, sm, sd, secs / 3600, secs / 60 % 60,
		secs % 60);

	prop_ascii(b, "BEGIN", "VEVENT");
	prop_text(b, "UID", uid);
	prop_ascii(b, "DTSTAMP", ts);
	prop_date(b, "DTSTART;VALUE=DATE", day);
	prop_date(b, "DTEND;VALUE=DATE", day + 1);
	prop_text(b, "SUMMARY", summary);
	if (description)
		prop_text(b, "DESCRIPTION", description);
	if (categories)
		prop_text(b, "CATEGORIES", categories);
	if (alarm_days > 0) {
		char trig[32];
		snprintf(trig, sizeof trig, "-P%uD", alarm_days);
		prop_ascii(b, "BEGIN", "VALARM");
		prop_ascii(b, "ACTION", "DISPLAY");
		prop_ascii(b, "TRIGGER", trig);
		prop_text(b, "DESCRIPTION", summary);
		prop_ascii(b, "END", "VALARM");
	}
	prop_ascii(b, "END", "VEVENT");
}

void ics_end(muster_buf *b)
{
	prop_ascii(b, "END", "VCALENDAR");
}
