/* test_ident.c - identifier validators: every documented sample, every single typo, every date rule. */
#include "tap.h"

#include <muster/ident.h>
#include <string.h>

#define TODAY 20250601

/* ---- oracles written apart from core/ident.c ------------------------------- */

/* ISO 7064 MOD 11-2 check character of 17 digits. */
static char id_oracle(const char *s17)
{
	static const char map[] = "10X98765432";
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		int w = 1;
		for (int k = 0; k < 17 - i; k++) /* weight 2^(17-i) mod 11 */
			w = w * 2 % 11;
		sum += (s17[i] - '0') * w;
	}
	return map[sum % 11];
}

/* GB 32100 check character; weights 3^i mod 31 computed, not tabled. */
static char credit_oracle(const char *s17)
{
	static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	int sum = 0, w = 1;
	for (int i = 0; i < 17; i++, w = w * 3 % 31)
		sum += (int)(strchr(alpha, s17[i]) - alpha) * w;
	return alpha[(31 - sum % 31) % 31];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static long days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, long *m, long *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

/* A date is real if it survives a round trip through a day count. */
static int date_oracle(int y, int m, int d)
{
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	long yy, mm, dd;
	civil_from_days(days_from_civil(y, m, d), &yy, &mm, &dd);
	return yy == y && mm == m && dd == d;
}

/* A resident ID from its parts, with a correct check character. */
static void make_id(char id[19], const char *div6, int yyyymmdd, int seq)
{
	snprintf(id, 19, "%.6s%08d%03d", div6, yyyymmdd, seq);
	id[17] = id_oracle(id);
	id[18] = '\0';
}

static uint32_t rng_state = 0x2545f491u;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static int why_is(const char *why, const char *want)
{
	return why && strcmp(why, want) == 0;
}

/* For printing a reason that may be missing. */
static const char *str(const char *why)
{
	return why ? why : "no reason";
}

/* rc must be MUSTER_EINVAL with the reason want; rc is evaluated before why is read. */
#define is_refused(rc, why, want, ...) \
	do { \
		int r_ = (rc); \
		if (!ok(r_ == MUSTER_EINVAL && why_is(why, want), __VA_ARGS__)) \
			printf("#   got %d, %s\n", r_, str(why)); \
	} while (0)

static char upper_x(char c)
{
	return c == 'x' ? 'X' : c;
}

/* ---- resident ID numbers --------------------------------------------------- */

static int id_rc(const char *s, int today, const char **why)
{
	return muster_resident_id_check(s, strlen(s), today, NULL, why);
}

static void test_resident_samples(void)
{
	muster_resident_id r;
	const char *why = NULL;
	int rc = muster_resident_id_check("34052419800101001X", 18, TODAY, &r, &why);
	is_int(rc, 0, "34052419800101001X is valid");
	ok(why == NULL, "why is left alone on success");
	ok(strcmp(r.id, "34052419800101001X") == 0 && strcmp(r.division, "340524") == 0 && r.year == 1980 &&
			r.month == 1 && r.day == 1 && r.sex == 'M',
		"34052419800101001X: 340524, born 1980-01-01, male (sequence 001)");

	rc = muster_resident_id_check("360426199101010071", 18, TODAY, &r, NULL);
	is_int(rc, 0, "360426199101010071 is valid (why may be NULL)");
	ok(strcmp(r.id, "360426199101010071") == 0 && strcmp(r.division, "360426") == 0 && r.year == 1991 &&
			r.month == 1 && r.day == 1 && r.sex == 'M',
		"360426199101010071: 360426, born 1991-01-01, male (sequence 007)");

	is_int(muster_resident_id_check("360426199101010071", 18, TODAY, NULL, NULL), 0, "out may be NULL");

	muster_resident_id before, after;
	memset(&before, 0x5a, sizeof before);
	after = before;
	rc = muster_resident_id_check("340524198001010013", 18, TODAY, &after, &why);
	is_refused(rc, why, "bad check character", "340524198001010013 is refused: bad check character");
	ok(memcmp(&before, &after, sizeof before) == 0, "out is not written on failure");

	rc = muster_resident_id_check("34052419800101001x", 18, TODAY, &r, NULL);
	ok(rc == 0 && strcmp(r.id, "34052419800101001X") == 0, "a trailing lower-case x is accepted and upper-cased");
	is_refused(id_rc("34052419800101001Y", TODAY, &why), why, "last character is not a digit or X",
		"a trailing Y is refused");

	char id[19];
	make_id(id, "110105", 19850315, 2);
	rc = muster_resident_id_check(id, 18, TODAY, &r, NULL);
	ok(rc == 0 && r.sex == 'F' && r.year == 1985 && r.month == 3 && r.day == 15,
		"%s: an even sequence is female", id);
	make_id(id, "110105", 19850315, 999);
	rc = muster_resident_id_check(id, 18, TODAY, &r, NULL);
	ok(rc == 0 && r.sex == 'M', "%s: sequence 999 is male", id);
}

/* Every one-character change of a valid number must be caught. */
static void test_resident_typos(const char *valid)
{
	static const char repl[] = "0123456789Xx";
	char s[19];
	int tries = 0, caught = 0;
	for (int pos = 0; pos < 18; pos++) {
		for (const char *c = repl; *c; c++) {
			if (*c == valid[pos] || (pos == 17 && upper_x(*c) == valid[pos]))
				continue; /* the same character, or x for X */
			memcpy(s, valid, sizeof s);
			s[pos] = *c;
			tries++;
			if (id_rc(s, TODAY, NULL) == MUSTER_EINVAL)
				caught++;
			else
				printf("#   %s accepted\n", s);
		}
	}
	ok(tries > 0 && caught == tries, "%s: all %d single-character substitutions are refused", valid, tries);

	tries = caught = 0;
	for (int pos = 0; pos < 16; pos++) {
		if (valid[pos] == valid[pos + 1])
			continue;
		memcpy(s, valid, sizeof s);
		s[pos] = valid[pos + 1];
		s[pos + 1] = valid[pos];
		tries++;
		if (id_rc(s, TODAY, NULL) == MUSTER_EINVAL)
			caught++;
		else
			printf("#   %s accepted\n", s);
	}
	ok(tries > 0 && caught == tries, "%s: all %d adjacent transpositions are refused", valid, tries);
}

static void test_resident_dates(void)
{
	static const struct {
		int date;
		int valid;
		const char *why;
	} dates[] = {
		{20000229, 1, NULL},                              /* divisible by 400 */
		{20040229, 1, NULL},
		{19960229, 1, NULL},
		{20240229, 1, NULL},
		{19000229, 0, "birth date is not a real date"}, /* divisible by 100, not 400 */
		{20230229, 0, "birth date is not a real date"},
		{20230230, 0, "birth date is not a real date"},
		{20230431, 0, "birth date is not a real date"},
		{20230631, 0, "birth date is not a real date"},
		{20231131, 0, "birth date is not a real date"},
		{20231231, 1, NULL},
		{20230001, 0, "birth date is not a real date"},
		{20231301, 0, "birth date is not a real date"},
		{20230100, 0, "birth date is not a real date"},
		{20230132, 0, "birth date is not a real date"},
		{19000101, 1, NULL},
		{18991231, 0, "birth date is before 1900"},
		{18000101, 0, "birth date is before 1900"},
		{TODAY, 1, NULL},
		{20250602, 0, "birth date is in the future"},
		{20260101, 0, "birth date is in the future"},
		{99991231, 0, "birth date is in the future"},
	};
	char id[19];
	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		const char *why = NULL;
		muster_resident_id r;
		make_id(id, "340524", dates[i].date, 11);
		int rc = muster_resident_id_check(id, 18, TODAY, &r, &why);
		if (dates[i].valid)
			ok(rc == 0 && r.year * 10000 + r.month * 100 + r.day == dates[i].date,
				"born %08d: accepted (today %d)", dates[i].date, TODAY);
		else
			is_refused(rc, why, dates[i].why, "born %08d: refused, %s", dates[i].date, dates[i].why);
	}

	/* "today" is the caller's, so the future moves with it. */
	const char *why = NULL;
	ok(id_rc("34052419800101001X", 19800101, &why) == 0, "born on the reference date is accepted");
	is_refused(id_rc("34052419800101001X", 19791231, &why), why, "birth date is in the future",
		"born the day after the reference date is refused");
	make_id(id, "340524", 20240229, 11);
	ok(id_rc(id, 20240228, NULL) == MUSTER_EINVAL && id_rc(id, 20240229, NULL) == 0 &&
			id_rc(id, 20240301, NULL) == 0,
		"a leap-day birth against the days around it");

	static const int bad_today[] = {0, -1, 20230229, 20231301, 20230100, 18991231, 100000000, 19000100};
	for (size_t i = 0; i < sizeof bad_today / sizeof bad_today[0]; i++) {
		why = NULL;
		is_refused(id_rc("34052419800101001X", bad_today[i], &why), why, "reference date is not a real date",
			"reference date %d is refused", bad_today[i]);
	}

	/* Every (year, month, day) with month 0..13 and day 0..32, 1899-2101,
	 * against a day-count round trip. */
	int tried = 0, agree = 0;
	for (int y = 1899; y <= 2101; y++)
		for (int m = 0; m <= 13; m++)
			for (int d = 0; d <= 32; d++) {
				int date = y * 10000 + m * 100 + d;
				make_id(id, "340524", date, 11);
				int want = date_oracle(y, m, d) && date >= 19000101 ? 0 : MUSTER_EINVAL;
				tried++;
				if (id_rc(id, 21011231, NULL) == want)
					agree++;
				else if (tried - agree < 5)
					printf("#   %s: want %d\n", id, want);
			}
	ok(agree == tried, "all %d candidate birth dates 1899-2101 agree with a day-count oracle", tried);
}

static void test_resident_form(void)
{
	static const struct {
		const char *s;
		size_t n;
		const char *why;
		const char *what;
	} bad[] = {
		{"34052419800101001", 17, "wrong length", "17 characters"},
		{"34052419800101001X1", 19, "wrong length", "19 characters"},
		{"", 0, "wrong length", "empty"},
		{"340524800101001", 15, "wrong length", "a 15-digit first-generation number"},
		{"34052419800101001X", 17, "wrong length", "a length that stops short of the string"},
		{"3405241980010100X1", 18, "not a digit (only the last character may be X)", "X before the end"},
		{"34052419800101 01X", 18, "not a digit (only the last character may be X)", "a space"},
		{"34052419800101\0" "01X", 18, "not a digit (only the last character may be X)", "an embedded NUL"},
		{"A4052419800101001X", 18, "not a digit (only the last character may be X)", "a letter first"},
		{"34052419800101001\xff", 18, "last character is not a digit or X", "a high byte last"},
		{"-4052419800101001X", 18, "not a digit (only the last character may be X)", "a sign"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = NULL;
		int rc = muster_resident_id_check(bad[i].s, bad[i].n, TODAY, NULL, &why);
		is_refused(rc, why, bad[i].why, "resident ID, %s: refused, %s", bad[i].what, bad[i].why);
	}
	const char *why = NULL;
	ok(muster_resident_id_check(NULL, 0, TODAY, NULL, &why) == MUSTER_EINVAL && why_is(why, "wrong length"),
		"a NULL resident ID is refused");
	is_refused(muster_resident_id_check("３４0524198001010013", 18, TODAY, NULL, &why), why,
		"not a digit (only the last character may be X)", "full-width digits are refused");
}

static void test_resident_provinces(void)
{
	char id[19], div[7];
	int accepted = 0;
	int ok71 = 0, ok81 = 0, ok82 = 0, ok66 = 1, ok99 = 1;
	for (int p = 0; p < 100; p++) {
		snprintf(div, sizeof div, "%02d0102", p);
		make_id(id, div, 19900101, 123);
		const char *why = NULL;
		int rc = id_rc(id, TODAY, &why);
		if (rc == 0)
			accepted++;
		else if (!why_is(why, "unknown province code"))
			printf("#   %s: %s\n", id, str(why));
		if (p == 71)
			ok71 = rc == 0;
		if (p == 81)
			ok81 = rc == 0;
		if (p == 82)
			ok82 = rc == 0;
		if (p == 66)
			ok66 = rc == 0;
		if (p == 99)
			ok99 = rc == 0;
	}
	is_int(accepted, 34, "resident IDs: 34 province prefixes accepted (31 mainland, 71, 81, 82)");
	ok(ok71 && ok81 && ok82, "Taiwan, Hong Kong and Macao prefixes are accepted");
	ok(!ok66, "the Corps pseudo-prefix 66 never heads a resident ID");
	ok(!ok99, "prefix 99 is refused");
}

/* Random valid numbers: each is accepted and decoded. */
static void test_resident_random(void)
{
	static const char *const divs[] = {"110101", "310115", "440305", "540102", "650102", "659001", "810000",
		"820000", "710000", "130682"};
	int n = 0, good = 0;
	for (int i = 0; i < 2000; i++) {
		long day = days_from_civil(1900, 1, 1) + (long)(rng() % 45000u);
		long y, m, d;
		civil_from_days(day, &y, &m, &d);
		int date = (int)(y * 10000 + m * 100 + d);
		int seq = (int)(rng() % 1000u);
		char id[19];
		make_id(id, divs[rng() % (sizeof divs / sizeof divs[0])], date, seq);
		if (i % 2 && id[17] == 'X')
			id[17] = 'x';
		muster_resident_id r;
		n++;
		int today = date > TODAY ? date : TODAY;
		if (muster_resident_id_check(id, 18, today, &r, NULL) == 0 && r.year == y && r.month == m && r.day == d &&
			r.sex == (seq % 2 ? 'M' : 'F') && memcmp(r.id, id, 17) == 0 && r.id[17] == upper_x(id[17]) &&
			memcmp(r.division, id, 6) == 0 && r.division[6] == '\0')
			good++;
		else if (n - good < 5)
			printf("#   %s refused or misread\n", id);
	}
	ok(good == n, "%d random valid resident IDs are accepted and decoded", n);
}

/* ---- unified social credit codes ------------------------------------------- */

static void test_credit_samples(void)
{
	static const char *const valid[] = {"91110000600037341L", "91110108551385082Q"};
	for (size_t i = 0; i < 2; i++) {
		const char *why = NULL;
		char c = 0;
		is_int(muster_credit_code_check(valid[i], 18, &why), 0, "%s is valid", valid[i]);
		int rc = muster_credit_code_check_char(valid[i], &c);
		ok(rc == 0 && c == valid[i][17], "%.17s: check character %c", valid[i], valid[i][17]);
	}
	const char *why = NULL;
	char c = 0;
	is_refused(muster_credit_code_check("91350100M0001TGQXM", 18, &why), why, "bad check character",
		"the early real code 91350100M0001TGQXM fails its check");
	ok(muster_credit_code_check_char("91350100M0001TGQXM", &c) == 0 && c == '1',
		"91350100M0001TGQX: the check character would be 1");

	is_refused(muster_credit_code_check("91110000600037341l", 18, &why), why,
		"lower-case letter (credit codes are upper case)", "a lower-case check letter is refused");
	is_refused(muster_credit_code_check("91350100m0001TGQXM", 18, &why), why,
		"lower-case letter (credit codes are upper case)", "a lower-case letter inside is refused");

	static const struct {
		const char *s;
		size_t n;
		const char *why;
		const char *what;
	} bad[] = {
		{"91110000600037341", 17, "wrong length", "17 characters"},
		{"91110000600037341LL", 19, "wrong length", "19 characters"},
		{"", 0, "wrong length", "empty"},
		{"911100006000373", 15, "wrong length", "a 15-digit business licence number"},
		{"91110000-60003734", 18, "character not allowed (only 0-9 and A-Y without I, O, S, V, Z)", "a hyphen"},
		{"9111000060003734 L", 18, "character not allowed (only 0-9 and A-Y without I, O, S, V, Z)", "a space"},
		{"91110000\0" "00037341L", 18, "character not allowed (only 0-9 and A-Y without I, O, S, V, Z)",
			"an embedded NUL"},
		{"91110000600037341\xc3", 18, "character not allowed (only 0-9 and A-Y without I, O, S, V, Z)",
			"a high byte"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		is_refused(muster_credit_code_check(bad[i].s, bad[i].n, &why), why, bad[i].why,
			"credit code, %s: refused, %s", bad[i].what, bad[i].why);
	}
	ok(muster_credit_code_check(NULL, 0, &why) == MUSTER_EINVAL, "a NULL credit code is refused");
}

/* I, O, S, V and Z are never used, anywhere. */
static void test_credit_letters(void)
{
	static const char never[] = "IOSVZ";
	for (const char *l = never; *l; l++) {
		int caught = 0, char_refused = 0;
		for (int pos = 0; pos < 18; pos++) {
			char s[19];
			memcpy(s, "91110000600037341L", sizeof s);
			s[pos] = *l;
			const char *why = NULL;
			if (muster_credit_code_check(s, 18, &why) == MUSTER_EINVAL &&
				why_is(why, "character not allowed (only 0-9 and A-Y without I, O, S, V, Z)"))
				caught++;
			char c = '?';
			if (pos < 17 && muster_credit_code_check_char(s, &c) == MUSTER_EINVAL && c == '?')
				char_refused++;
		}
		ok(caught == 18 && char_refused == 17, "the letter %c is refused at every position", *l);
	}
}

static void test_credit_typos(const char *valid)
{
	static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	int tries = 0, caught = 0;
	for (int pos = 0; pos < 18; pos++)
		for (const char *c = alpha; *c; c++) {
			if (*c == valid[pos])
				continue;
			char s[19];
			memcpy(s, valid, sizeof s);
			s[pos] = *c;
			tries++;
			if (muster_credit_code_check(s, 18, NULL) == MUSTER_EINVAL)
				caught++;
			else
				printf("#   %s accepted\n", s);
		}
	ok(tries == 18 * 30 && caught == tries, "%s: all %d single-character substitutions are refused", valid, tries);
}

static void test_credit_random(void)
{
	static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	int n = 0, agree = 0, accepted = 0, seen[31] = {0};
	char first[19] = "";
	for (int i = 0; i < 3000; i++) {
		char s[19];
		for (int k = 0; k < 17; k++)
			s[k] = alpha[rng() % 31u];
		char c = 0;
		n++;
		if (muster_credit_code_check_char(s, &c) == 0 && c == credit_oracle(s))
			agree++;
		else if (n - agree < 5)
			printf("#   %.17s: got %c, want %c\n", s, c, credit_oracle(s));
		s[17] = c;
		s[18] = '\0';
		if (muster_credit_code_check(s, 18, NULL) == 0)
			accepted++;
		if (c && strchr(alpha, c))
			seen[strchr(alpha, c) - alpha]++;
		if (i == 0)
			memcpy(first, s, sizeof first);
	}
	ok(agree == n, "check characters of %d random codes agree with the oracle", n);
	ok(accepted == n, "the %d random codes completed with them are accepted", n);
	int all = 1;
	for (int k = 0; k < 31; k++)
		all = all && seen[k] > 0;
	ok(all, "every one of the 31 characters occurs as a check character (31 -> 0 included)");
	test_credit_typos(first);
}

/* ---- administrative divisions ---------------------------------------------- */

static void test_divisions(void)
{
	static const struct {
		const char *code, *name;
	} prov[] = {
		{"110000", "北京市"}, {"120000", "天津市"}, {"130000", "河北省"}, {"140000", "山西省"},
		{"150000", "内蒙古自治区"}, {"210000", "辽宁省"}, {"220000", "吉林省"}, {"230000", "黑龙江省"},
		{"310000", "上海市"}, {"320000", "江苏省"}, {"330000", "浙江省"}, {"340000", "安徽省"},
		{"350000", "福建省"}, {"360000", "江西省"}, {"370000", "山东省"}, {"410000", "河南省"},
		{"420000", "湖北省"}, {"430000", "湖南省"}, {"440000", "广东省"}, {"450000", "广西壮族自治区"},
		{"460000", "海南省"}, {"500000", "重庆市"}, {"510000", "四川省"}, {"520000", "贵州省"},
		{"530000", "云南省"}, {"540000", "西藏自治区"}, {"610000", "陕西省"}, {"620000", "甘肃省"},
		{"630000", "青海省"}, {"640000", "宁夏回族自治区"}, {"650000", "新疆维吾尔自治区"},
		{"710000", "台湾省"}, {"810000", "香港特别行政区"}, {"820000", "澳门特别行政区"},
		{"660000", "新疆生产建设兵团"},
	};
	int names = 0, checks = 0;
	for (size_t i = 0; i < sizeof prov / sizeof prov[0]; i++) {
		const char *got = muster_province_name(prov[i].code);
		if (got && strcmp(got, prov[i].name) == 0)
			names++;
		else
			printf("#   %s: got %s, want %s\n", prov[i].code, got ? got : "NULL", prov[i].name);
		if (muster_division_check(prov[i].code, 6, NULL) == 0)
			checks++;
	}
	is_int(names, 35, "all 35 province-level codes have their Chinese names (31 + 71, 81, 82 + 66)");
	is_int(checks, 35, "all 35 province-level codes pass the division check");
	ok(strcmp(muster_province_name(MUSTER_XPCC_CODE), "新疆生产建设兵团") == 0, "MUSTER_XPCC_CODE names the Corps");

	int named = 0, valid = 0;
	for (int p = 0; p < 100; p++) {
		char code[7];
		snprintf(code, sizeof code, "%02d0000", p);
		named += muster_province_name(code) != NULL;
		valid += muster_division_check(code, 6, NULL) == 0;
	}
	ok(named == 35 && valid == 35, "of the 100 two-digit prefixes, exactly 35 are known (%d named, %d valid)", named,
		valid);

	int lower = 0;
	for (int k = 0; k < 10000; k++) {
		char code[7];
		snprintf(code, sizeof code, "34%04d", k);
		lower += muster_division_check(code, 6, NULL) == 0;
	}
	is_int(lower, 10000, "under a known province every prefecture and county pair is accepted (retired codes stay valid)");

	static const char *const not_named[] = {"340524", "34000", "3400000", "34000a", "", "830000", "000000",
		"990000", "3400 0"};
	int nulls = 0;
	for (size_t i = 0; i < sizeof not_named / sizeof not_named[0]; i++)
		nulls += muster_province_name(not_named[i]) == NULL;
	nulls += muster_province_name(NULL) == NULL;
	is_int(nulls, 10, "province names only for exact province-level codes (not 340524, 34000, 3400000, NULL...)");

	static const struct {
		const char *s;
		size_t n;
		int valid;
		const char *why;
	} cases[] = {
		{"340524", 6, 1, NULL},
		{"659001", 6, 1, NULL}, /* a Corps city, coded under Xinjiang */
		{"110105", 6, 1, NULL},
		{"000000", 6, 0, "unknown province code"},
		{"160000", 6, 0, "unknown province code"},
		{"830000", 6, 0, "unknown province code"},
		{"990000", 6, 0, "unknown province code"},
		{"34052", 5, 0, "wrong length"},
		{"3405241", 7, 0, "wrong length"},
		{"", 0, 0, "wrong length"},
		{"34052a", 6, 0, "not a digit"},
		{"-34052", 6, 0, "not a digit"},
		{"34 524", 6, 0, "not a digit"},
		{"34\0" "524", 6, 0, "not a digit"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *why = NULL;
		int rc = muster_division_check(cases[i].s, cases[i].n, &why);
		if (cases[i].valid)
			ok(rc == 0 && why == NULL, "division %.*s is valid", (int)cases[i].n, cases[i].s);
		else
			is_refused(rc, why, cases[i].why, "division \"%.*s\" (%zu bytes): refused, %s", (int)cases[i].n,
				cases[i].s, cases[i].n, cases[i].why);
	}
	ok(muster_division_check(NULL, 0, NULL) == MUSTER_EINVAL, "a NULL division code is refused");
}

/* ---- emergency supplies categories ----------------------------------------- */

static void test_categories(void)
{
	ok(strcmp(muster_category_top_name(1), "基本生活保障物资") == 0 &&
			strcmp(muster_category_top_name(2), "应急装备及配套物资") == 0 &&
			strcmp(muster_category_top_name(3), "工程材料与机械加工设备") == 0,
		"the three top classes have their Chinese names");
	ok(!muster_category_top_name(0) && !muster_category_top_name(4) && !muster_category_top_name(-1) &&
			!muster_category_top_name(9) && !muster_category_top_name(10),
		"no other top class has a name");

	muster_category c;
	const char *why = NULL;
	int rc = muster_category_check("1010203", 7, &c, &why);
	ok(rc == 0 && why == NULL && c.level[0] == 1 && c.level[1] == 1 && c.level[2] == 2 && c.level[3] == 3 &&
			!c.other[0] && !c.other[1] && !c.other[2] && !c.other[3],
		"1010203: levels 1 / 01 / 02 / 03, none 'other'");
	rc = muster_category_check("2999999", 7, &c, NULL);
	ok(rc == 0 && c.level[0] == 2 && c.level[1] == 99 && c.level[2] == 99 && c.level[3] == 99 && !c.other[0] &&
			c.other[1] && c.other[2] && c.other[3],
		"2999999: 'other' at every level below the top");
	rc = muster_category_check("3129901", 7, &c, NULL);
	ok(rc == 0 && c.level[0] == 3 && c.level[1] == 12 && c.level[2] == 99 && c.level[3] == 1 && !c.other[1] &&
			c.other[2] && !c.other[3],
		"3129901: 'other' at the third level only");
	is_int(muster_category_check("1010101", 7, NULL, NULL), 0, "out and why may be NULL");

	static const struct {
		const char *s;
		size_t n;
		const char *why;
	} bad[] = {
		{"0010101", 7, "unknown top-level class (must be 1, 2 or 3)"},
		{"4010101", 7, "unknown top-level class (must be 1, 2 or 3)"},
		{"9999999", 7, "unknown top-level class (must be 1, 2 or 3)"},
		{"1000101", 7, "level code 00 is not allowed"},
		{"1010001", 7, "level code 00 is not allowed"},
		{"1010100", 7, "level code 00 is not allowed"},
		{"1000000", 7, "level code 00 is not allowed"},
		{"101010", 6, "wrong length"},
		{"10101010", 8, "wrong length"},
		{"", 0, "wrong length"},
		{"10101a1", 7, "not a digit"},
		{" 010101", 7, "not a digit"},
		{"1-01-01", 7, "not a digit"},
		{"101\0" "101", 7, "not a digit"},
	};
	muster_category before, after;
	memset(&before, 0x5a, sizeof before);
	after = before;
	int untouched = 1;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		rc = muster_category_check(bad[i].s, bad[i].n, &after, &why);
		is_refused(rc, why, bad[i].why, "category \"%.*s\" (%zu bytes): refused, %s", (int)bad[i].n, bad[i].s,
			bad[i].n, bad[i].why);
		untouched = untouched && memcmp(&before, &after, sizeof before) == 0;
	}
	ok(untouched, "out is not written on failure");
	ok(muster_category_check(NULL, 0, NULL, NULL) == MUSTER_EINVAL, "a NULL category code is refused");

	/* Each level through 00..99 with the others fixed; each top digit 0..9. */
	int tries = 0, right = 0;
	for (int lvl = 1; lvl < 4; lvl++)
		for (int v = 0; v < 100; v++) {
			char s[8];
			memcpy(s, "2050607", sizeof s);
			s[1 + 2 * (lvl - 1)] = (char)('0' + v / 10);
			s[2 + 2 * (lvl - 1)] = (char)('0' + v % 10);
			rc = muster_category_check(s, 7, &c, NULL);
			tries++;
			right += v == 0 ? rc == MUSTER_EINVAL
					: rc == 0 && c.level[lvl] == v && c.other[lvl] == (v == 99);
		}
	for (int top = 0; top < 10; top++) {
		char s[8] = "0050607";
		s[0] = (char)('0' + top);
		rc = muster_category_check(s, 7, &c, NULL);
		tries++;
		right += top >= 1 && top <= 3 ? rc == 0 && c.level[0] == top : rc == MUSTER_EINVAL;
	}
	ok(right == tries, "every value of every level is judged right (%d of %d)", right, tries);
}

int main(void)
{
	test_resident_samples();
	test_resident_typos("34052419800101001X");
	test_resident_typos("360426199101010071");
	char female[19];
	make_id(female, "650102", 20000229, 246);
	test_resident_typos(female);
	test_resident_dates();
	test_resident_form();
	test_resident_provinces();
	test_resident_random();

	test_credit_samples();
	test_credit_letters();
	test_credit_typos("91110000600037341L");
	test_credit_typos("91110108551385082Q");
	test_credit_random();

	test_divisions();
	test_categories();
	return done_testing();
}
