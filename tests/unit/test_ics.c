/*
 * test_ics.c - the iCalendar writer: CRLF lines folded at 75 octets on UTF-8
 * character boundaries, TEXT escaping, all-day dates across month, year and
 * leap-day ends, alarms; then the system python3's icalendar module parses
 * the file back (skipped if it is missing, failed when MUSTER_REQUIRE_ALL=1).
 */
#include "tap.h"

#include "ics.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* A long Chinese summary with a comma, a semicolon and a backslash: folds twice or more. */
#define LONG_SUMMARY "一号库房：正压氧气呼吸器（RHZK6.8/30）,气瓶水压试验到期;请联系消防器材检测站\\送检并更新台账（二〇二六年三月）"

static void skip(const char *why)
{
	printf("ok %d # SKIP %s\n", ++tap_n, why);
	fflush(stdout);
}

/* The buffer as a NUL-terminated string (the terminator is not counted in len). */
static const char *str(muster_buf *b)
{
	muster_buf_put(b, "", 1);
	if (b->err)
		return "";
	b->len--;
	return (const char *)b->data;
}

/* 1 if every CR is followed by LF, every LF preceded by CR, and the text ends in CRLF. */
static int crlf_only(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' && s[i + 1] != '\n')
			return 0;
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return 0;
	}
	return n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n';
}

/* 1 if every physical line is at most 75 octets and valid UTF-8 on its own (so no fold split a character). */
static int lines_fit(const char *s, size_t *longest)
{
	*longest = 0;
	while (*s) {
		const char *e = strstr(s, "\r\n");
		if (!e)
			return 0;
		size_t n = (size_t)(e - s);
		if (n > *longest)
			*longest = n;
		if (n > 75 || (n && !muster_utf8_valid(s, n)))
			return 0;
		s = e + 2;
	}
	return 1;
}

/* The text with every fold (CRLF then one space or tab) removed; caller frees. */
static char *unfold(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	if (!out)
		return NULL;
	while (*s) {
		if (s[0] == '\r' && s[1] == '\n' && (s[2] == ' ' || s[2] == '\t'))
			s += 3;
		else
			*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* The raw value of the n-th (0-based) logical line named name ("SUMMARY", "DTEND;VALUE=DATE"); caller frees. */
static char *prop(const char *ics, const char *name, int nth)
{
	char *u = unfold(ics), *val = NULL;
	size_t nl = strlen(name);
	for (char *p = u; p && *p;) {
		char *e = strstr(p, "\r\n");
		if (!e)
			break;
		if ((size_t)(e - p) > nl && strncmp(p, name, nl) == 0 && p[nl] == ':' && nth-- == 0) {
			*e = '\0';
			val = strdup(p + nl + 1);
			break;
		}
		p = e + 2;
	}
	free(u);
	return val;
}

/* RFC 5545 3.3.11 undone: \\ \; \, \n \N. */
static char *unescape(const char *v)
{
	char *out = malloc(strlen(v) + 1), *o = out;
	if (!out)
		return NULL;
	for (; *v; v++) {
		if (*v == '\\' && v[1]) {
			v++;
			*o++ = *v == 'n' || *v == 'N' ? '\n' : *v;
		} else {
			*o++ = *v;
		}
	}
	*o = '\0';
	return out;
}

static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void is_prop(const char *ics, const char *name, int nth, const char *want, const char *what)
{
	char *got = prop(ics, name, nth);
	if (!ok(got && strcmp(got, want) == 0, "%s", what))
		printf("#   got \"%s\", want \"%s\"\n", got ? got : "(none)", want);
	free(got);
}

static void test_calendar(void)
{
	muster_buf b = {0};
	ics_begin(&b, "-//Muster//muster due//ZH", "到期提醒,一号库房;检定\\年检");
	ics_end(&b);
	const char *s = str(&b);
	const char *head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Muster//muster due//ZH\r\n";
	ok(strncmp(s, head, strlen(head)) == 0,
		"the calendar opens with BEGIN, VERSION:2.0 and PRODID");
	ok(strstr(s, "\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n") != NULL, "CALSCALE:GREGORIAN and METHOD:PUBLISH");
	is_prop(s, "X-WR-CALNAME", 0, "到期提醒\\,一号库房\\;检定\\\\年检", "X-WR-CALNAME is escaped");
	ok(strstr(s, "\r\nX-WR-TIMEZONE:Asia/Shanghai\r\nEND:VCALENDAR\r\n") != NULL
		&& strcmp(s + strlen(s) - 15, "END:VCALENDAR\r\n") == 0,
		"X-WR-TIMEZONE:Asia/Shanghai, and END:VCALENDAR last");
	ok(b.err == 0 && crlf_only(s), "the calendar's lines all end CRLF");
	muster_buf_free(&b);
}

static void test_escaping(void)
{
	muster_buf b = {0};
	ics_event(&b, "esc@muster", 0, 20250101, "a,b;c\\d\ne", "第一行\r\n第二行\r第三行\t制表", "灭火器,呼吸器", 0);
	const char *s = str(&b);
	is_prop(s, "SUMMARY", 0, "a\\,b\\;c\\\\d\\ne", "comma, semicolon, backslash and newline are escaped");
	is_prop(s, "DESCRIPTION", 0, "第一行\\n第二行\\n第三行\t制表", "CRLF and a lone CR are each one \\n; a tab passes");
	is_prop(s, "CATEGORIES", 0, "灭火器\\,呼吸器", "categories is one category: its comma is escaped");
	ok(b.err == 0 && crlf_only(s), "no bare LF or CR in the event, though the text had both");
	muster_buf_free(&b);

	ics_event(&b, "ctl@muster", 0, 20250101, "x\x01y\x7fz\xff\xe4\xb8", NULL, NULL, 0);
	s = str(&b);
	is_prop(s, "SUMMARY", 0, "x y z\xef\xbf\xbd\xef\xbf\xbd",
		"control characters become spaces, a bad byte and a cut-off character one U+FFFD each");
	muster_buf_free(&b);
}

static void test_folding(void)
{
	muster_buf b = {0};
	ics_event(&b, "fold@muster", 0, 20250101, LONG_SUMMARY, LONG_SUMMARY "\n" LONG_SUMMARY, NULL, 3);
	const char *s = str(&b);
	size_t longest;
	ok(strlen(LONG_SUMMARY) > 150, "the long summary is %zu octets", strlen(LONG_SUMMARY));
	int fit = lines_fit(s, &longest);
	ok(fit, "every physical line is at most 75 octets and whole UTF-8 (longest %zu)", longest);
	ok(crlf_only(s), "folds are CRLF too: no bare LF anywhere in the folded event");
	ok(count(s, "\r\n ") >= 6, "the long values are folded (%d folds)", count(s, "\r\n "));
	int mid = 0;
	for (const char *p = strstr(s, "\r\n "); p; p = strstr(p + 1, "\r\n "))
		if (((unsigned char)p[3] & 0xc0) == 0x80 || p[3] == ' ')
			mid = 1;
	ok(!mid, "no continuation line starts inside a UTF-8 sequence (or with a second space)");
	const char *first = "SUMMARY:一号库房：正压氧气呼吸器（RHZK6.8/30）\\,气瓶水压"; /* 74 octets */
	const char *sum = strstr(s, "\r\nSUMMARY:");
	ok(strlen(first) == 74 && sum && strncmp(sum + 2, first, 74) == 0 && strncmp(sum + 76, "\r\n 试验", 9) == 0,
		"a fold falls at 74 octets when the next character would pass 75");

	char *v = prop(s, "SUMMARY", 0), *t = v ? unescape(v) : NULL;
	ok(t && strcmp(t, LONG_SUMMARY) == 0, "unfolding and unescaping give the summary back");
	free(v);
	free(t);
	v = prop(s, "DESCRIPTION", 0);
	t = v ? unescape(v) : NULL;
	ok(t && strcmp(t, LONG_SUMMARY "\n" LONG_SUMMARY) == 0, "and the two-line description");
	free(v);
	free(t);
	v = prop(s, "DESCRIPTION", 1);
	t = v ? unescape(v) : NULL;
	ok(t && strcmp(t, LONG_SUMMARY) == 0, "the alarm's folded DESCRIPTION is the summary");
	free(v);
	free(t);
	muster_buf_free(&b);

	char x[80], want[160];
	memset(x, 'x', 68);
	x[67] = '\0';
	ics_event(&b, "u", 0, 20250101, x, NULL, NULL, 0);
	snprintf(want, sizeof want, "\r\nSUMMARY:%s\r\nEND:VEVENT\r\n", x);
	ok(strstr(str(&b), want) != NULL, "a line of exactly 75 octets is not folded");
	muster_buf_free(&b);
	x[67] = 'x';
	x[68] = '\0';
	ics_event(&b, "u", 0, 20250101, x, NULL, NULL, 0);
	x[67] = '\0';
	snprintf(want, sizeof want, "\r\nSUMMARY:%s\r\n x\r\nEND:VEVENT\r\n", x);
	ok(strstr(str(&b), want) != NULL, "76 octets fold after the 75th: a continuation line of a space and one octet");
	muster_buf_free(&b);

	/* "SUMMARY:" and 33 pairs "\," is 74 octets: the 34th pair would pass 75, so it moves whole. */
	memset(x, ',', 40);
	x[40] = '\0';
	ics_event(&b, "u", 0, 20250101, x, NULL, NULL, 0);
	s = str(&b);
	strcpy(want, "\r\nSUMMARY:");
	for (int i = 0; i < 33; i++)
		strcat(want, "\\,");
	strcat(want, "\r\n \\,");
	ok(lines_fit(s, &longest) && strstr(s, want) != NULL, "a fold never splits an escape pair");
	muster_buf_free(&b);
}

static void test_dates(void)
{
	static const struct {
		uint64_t start;
		const char *end;
	} days[] = {
		{20241231, "20250101"}, {20240228, "20240229"}, {20230228, "20230301"}, {20240229, "20240301"},
		{20000228, "20000229"}, {21000228, "21000301"}, {20250430, "20250501"}, {20250615, "20250616"},
		{19700101, "19700102"}, {19691231, "19700101"}, {10101, "00010102"}, {99991230, "99991231"},
	};
	int good = 1;
	for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
		muster_buf b = {0};
		char want[16];
		ics_event(&b, "d", 0, days[i].start, "s", NULL, NULL, 0);
		const char *s = str(&b);
		char *st = prop(s, "DTSTART;VALUE=DATE", 0), *en = prop(s, "DTEND;VALUE=DATE", 0);
		snprintf(want, sizeof want, "%08llu", (unsigned long long)days[i].start);
		if (b.err || !st || !en || strcmp(st, want) != 0 || strcmp(en, days[i].end) != 0) {
			printf("#   %s: DTSTART %s DTEND %s, want %s\n", want, st ? st : "-", en ? en : "-", days[i].end);
			good = 0;
		}
		free(st);
		free(en);
		muster_buf_free(&b);
	}
	ok(good, "DTEND is the next day across month, year, leap-day and century ends");

	muster_buf b = {0};
	ics_event(&b, "d", 0, 20241231, "s", NULL, NULL, 0);
	const char *s = str(&b);
	is_prop(s, "DTSTART;VALUE=DATE", 0, "20241231", "DTSTART;VALUE=DATE:20241231");
	is_prop(s, "DTEND;VALUE=DATE", 0, "20250101", "DTEND;VALUE=DATE:20250101");
	muster_buf_free(&b);

	static const uint64_t bad[] = {20230229, 21000229, 20251301, 20250000, 20250431, 20250100, 0, 99991231,
		100000101};
	good = 1;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		muster_buf c = {0};
		muster_buf_puts(&c, "x");
		ics_event(&c, "d", 0, bad[i], "s", NULL, NULL, 0);
		if (c.err != MUSTER_EINVAL || c.len != 1) {
			printf("#   %llu: err %d, %zu octets\n", (unsigned long long)bad[i], c.err, c.len);
			good = 0;
		}
		muster_buf_free(&c);
	}
	ok(good, "an impossible date (20230229, 20251301, 99991231 ...) writes nothing and sets MUSTER_EINVAL");
}

static void test_stamp(void)
{
	static const struct {
		uint64_t t;
		const char *want;
	} st[] = {
		{0, "19700101T000000Z"}, {1764057049, "20251125T075049Z"}, {951868799, "20000229T235959Z"},
		{1709251199, "20240229T235959Z"}, {4102444800, "21000101T000000Z"},
		{253402300799, "99991231T235959Z"}, {UINT64_MAX, "99991231T235959Z"},
	};
	for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
		muster_buf b = {0};
		char what[64];
		ics_event(&b, "t", st[i].t, 20250101, "s", NULL, NULL, 0);
		snprintf(what, sizeof what, "DTSTAMP of %llu is %s", (unsigned long long)st[i].t, st[i].want);
		is_prop(str(&b), "DTSTAMP", 0, st[i].want, what);
		muster_buf_free(&b);
	}
}

static void test_alarm_and_optional(void)
{
	muster_buf b = {0};
	ics_event(&b, "a0", 0, 20250101, "无提醒", NULL, NULL, 0);
	const char *s = str(&b);
	ok(!strstr(s, "VALARM") && !strstr(s, "TRIGGER"), "no VALARM when alarm_days is 0");
	ok(!strstr(s, "DESCRIPTION") && !strstr(s, "CATEGORIES"), "a NULL description and NULL categories are omitted");
	ok(strcmp(s, "BEGIN:VEVENT\r\nUID:a0\r\nDTSTAMP:19700101T000000Z\r\nDTSTART;VALUE=DATE:20250101\r\n"
			"DTEND;VALUE=DATE:20250102\r\nSUMMARY:无提醒\r\nEND:VEVENT\r\n") == 0,
		"the whole minimal event, exactly");
	muster_buf_free(&b);

	ics_event(&b, "a7", 0, 20250101, "年检,到期", "", "检定", 7);
	s = str(&b);
	ok(strstr(s, "\r\nSUMMARY:年检\\,到期\r\nDESCRIPTION:\r\nCATEGORIES:检定\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n"
			"TRIGGER:-P7D\r\nDESCRIPTION:年检\\,到期\r\nEND:VALARM\r\nEND:VEVENT\r\n") != NULL,
		"alarm_days 7: a DISPLAY VALARM at -P7D whose DESCRIPTION is the summary; \"\" description kept");
	muster_buf_free(&b);

	ics_event(&b, "a30", 0, 20250101, "s", NULL, NULL, 30);
	s = str(&b);
	ok(count(s, "BEGIN:VALARM") == 1 && strstr(s, "\r\nTRIGGER:-P30D\r\n"), "alarm_days 30: TRIGGER:-P30D");
	muster_buf_free(&b);
}

/* A python3 that imports icalendar: $PYTHON3_SYSTEM (set by make check), else /usr/bin/python3; or NULL. */
static const char *python(void)
{
	const char *cand[] = {getenv("PYTHON3_SYSTEM"), "/usr/bin/python3"};
	for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
		char cmd[512];
		if (!cand[i] || !*cand[i] || strchr(cand[i], '\'') || strlen(cand[i]) > 400
			|| access(cand[i], X_OK) != 0)
			continue;
		snprintf(cmd, sizeof cmd, "'%s' -c 'import icalendar' >/dev/null 2>&1", cand[i]);
		if (system(cmd) == 0)
			return cand[i];
	}
	return NULL;
}

static void not_run(const char *why, int n)
{
	const char *req = getenv("MUSTER_REQUIRE_ALL");
	for (int i = 0; i < n; i++) {
		if (req && strcmp(req, "1") == 0)
			ok(0, "%s (MUSTER_REQUIRE_ALL=1)", why);
		else
			skip(why);
	}
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int bad = fwrite(p, 1, n, f) != n;
	return fclose(f) != 0 || bad ? -1 : 0;
}

/* Each field the script prints is one line of hex, so text with newlines survives. */
static const char script[] =
	"import sys, datetime\n"
	"from icalendar import Calendar\n"
	"cal = Calendar.from_ical(open(sys.argv[1], 'rb').read())\n"
	"ev = cal.walk('VEVENT')\n"
	"out = [str(len(ev)), str(len(cal.walk('VALARM'))), str(cal['X-WR-CALNAME'])]\n"
	"e = ev[0]\n"
	"out += [str(e['SUMMARY']), str(e['DESCRIPTION']), str(type(e['DTSTART'].dt) is datetime.date),\n"
	"        e['DTSTART'].dt.isoformat(), e['DTEND'].dt.isoformat(), e['DTSTAMP'].dt.isoformat(),\n"
	"        str(e.walk('VALARM')[0]['TRIGGER'].dt), str(ev[2]['SUMMARY']), str('DESCRIPTION' in ev[1]),\n"
	"        ev[1]['DTEND'].dt.isoformat(), ev[2]['DTEND'].dt.isoformat()]\n"
	"for s in out:\n"
	"    sys.stdout.write(s.encode('utf-8').hex() + '\\n')\n";

#define NFIELDS 14

static void test_python(void)
{
	const int n = 8;
	const char *py = python();
	if (!py) {
		not_run("no python3 with icalendar ($PYTHON3_SYSTEM, /usr/bin/python3): install python3-icalendar", n);
		return;
	}
	const char *tmp = getenv("TMPDIR");
	char dir[256], path[300], spath[300], cmd[1024];
	if (!tmp || !*tmp || strchr(tmp, '\'') || strlen(tmp) > 200)
		tmp = "/tmp";
	snprintf(dir, sizeof dir, "%s/test_ics.XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp %s: %s", dir, strerror(errno));
		return;
	}
	snprintf(path, sizeof path, "%s/due.ics", dir);
	snprintf(spath, sizeof spath, "%s/check.py", dir);

	muster_buf b = {0};
	ics_begin(&b, "-//Muster//muster due//ZH", "消防器材到期,一号库房");
	ics_event(&b, "KS-2026-00017@muster", 1764057049, 20240228, LONG_SUMMARY, "第一行\n第二行;含,标点", "呼吸器", 7);
	ics_event(&b, "KS-2026-00018@muster", 1764057049, 20241231, "灭火器年检", NULL, NULL, 0);
	ics_event(&b, "KS-2026-00019@muster", 1764057049, 20230228, "水带,水枪", NULL, NULL, 0);
	ics_end(&b);
	if (b.err || write_file(path, b.data, b.len) < 0 || write_file(spath, script, sizeof script - 1) < 0) {
		ok(0, "write %s: %s", path, strerror(errno));
		muster_buf_free(&b);
		return;
	}
	muster_buf_free(&b);

	snprintf(cmd, sizeof cmd, "'%s' '%s' '%s'", py, spath, path);
	FILE *p = popen(cmd, "r");
	char line[4096], field[NFIELDS][2048];
	int got = 0;
	while (p && got < NFIELDS && fgets(line, sizeof line, p)) {
		size_t len = strcspn(line, "\n"), k = 0;
		for (size_t i = 0; i + 1 < len && k + 1 < sizeof field[0]; i += 2) {
			unsigned v;
			if (sscanf(line + i, "%2x", &v) != 1)
				break;
			field[got][k++] = (char)v;
		}
		field[got++][k] = '\0';
	}
	int rc = p ? pclose(p) : -1;
	if (!ok(rc == 0 && got == NFIELDS, "icalendar.Calendar.from_ical parses the file (%s)", py)) {
		printf("# exit %d, %d fields; file kept in %s\n", rc, got, dir);
		for (int i = 1; i < n; i++)
			ok(0, "(not parsed)");
		return;
	}
	ok(strcmp(field[0], "3") == 0 && strcmp(field[1], "1") == 0, "three VEVENTs, one VALARM (got %s, %s)",
		field[0], field[1]);
	ok(strcmp(field[2], "消防器材到期,一号库房") == 0, "X-WR-CALNAME round-trips: %s", field[2]);
	if (!ok(strcmp(field[3], LONG_SUMMARY) == 0 && strcmp(field[10], "水带,水枪") == 0,
		    "the folded Chinese summary with , ; \\ round-trips exactly, and a short one with a comma"))
		printf("#   got \"%s\" and \"%s\"\n", field[3], field[10]);
	ok(strcmp(field[4], "第一行\n第二行;含,标点") == 0, "the description with a newline round-trips");
	ok(strcmp(field[5], "True") == 0 && strcmp(field[6], "2024-02-28") == 0 && strcmp(field[7], "2024-02-29") == 0
		&& strcmp(field[12], "2025-01-01") == 0 && strcmp(field[13], "2023-03-01") == 0,
		"DTSTART is a date (%s, %s); DTEND the next day: %s, %s, %s", field[5], field[6], field[7], field[12],
		field[13]);
	ok(strcmp(field[8], "2025-11-25T07:50:49+00:00") == 0, "DTSTAMP is UTC: %s", field[8]);
	ok(strcmp(field[9], "-7 days, 0:00:00") == 0 && strcmp(field[11], "False") == 0,
		"the alarm triggers 7 days before (%s); the NULL description is absent", field[9]);

	unlink(path);
	unlink(spath);
	rmdir(dir);
}

int main(void)
{
	test_calendar();
	test_escaping();
	test_folding();
	test_dates();
	test_stamp();
	test_alarm_and_optional();
	test_python();
	return done_testing();
}
