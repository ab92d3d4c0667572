/* ident.c - resident IDs, credit codes, division codes, supplies categories. */
#include "internal.h"

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return MUSTER_EINVAL;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

/* ---- administrative divisions -------------------------------------------- */

static const struct province {
	char prefix[3];
	unsigned char in_ids; /* may head a resident ID number */
	const char *name;
} provinces[] = {
	{"11", 1, "北京市"}, {"12", 1, "天津市"}, {"13", 1, "河北省"},
	{"14", 1, "山西省"}, {"15", 1, "内蒙古自治区"}, {"21", 1, "辽宁省"},
	{"22", 1, "吉林省"}, {"23", 1, "黑龙江省"}, {"31", 1, "上海市"},
	{"32", 1, "江苏省"}, {"33", 1, "浙江省"}, {"34", 1, "安徽省"},
	{"35", 1, "福建省"}, {"36", 1, "江西省"}, {"37", 1, "山东省"},
	{"41", 1, "河南省"}, {"42", 1, "湖北省"}, {"43", 1, "湖南省"},
	{"44", 1, "广东省"}, {"45", 1, "广西壮族自治区"}, {"46", 1, "海南省"},
	{"50", 1, "重庆市"}, {"51", 1, "四川省"}, {"52", 1, "贵州省"},
	{"53", 1, "云南省"}, {"54", 1, "西藏自治区"}, {"61", 1, "陕西省"},
	{"62", 1, "甘肃省"}, {"63", 1, "青海省"}, {"64", 1, "宁夏回族自治区"},
	{"65", 1, "新疆维吾尔自治区"},
	{"71", 1, "台湾省"}, {"81", 1, "香港特别行政区"}, {"82", 1, "澳门特别行政区"},
	/* Not in GB/T 2260: the statistics tables' own unit (see ident.h). */
	{"66", 0, "新疆生产建设兵团"},
};

static const struct province *province_find(const char *s)
{
	for (size_t i = 0; i < sizeof provinces / sizeof provinces[0]; i++)
		if (s[0] == provinces[i].prefix[0] && s[1] == provinces[i].prefix[1])
			return &provinces[i];
	return NULL;
}

const char *muster_province_name(const char *code6)
{
	if (!code6)
		return NULL;
	for (int i = 0; i < MUSTER_DIVISION_LEN; i++)
		if (!is_digit(code6[i])) /* also stops at an early NUL */
			return NULL;
	if (code6[MUSTER_DIVISION_LEN] != '\0' || memcmp(code6 + 2, "0000", 4) != 0)
		return NULL;
	const struct province *p = province_find(code6);
	return p ? p->name : NULL;
}

int muster_division_check(const char *s, size_t n, const char **why)
{
	if (!s || n != MUSTER_DIVISION_LEN)
		return fail(why, "wrong length");
	if (!all_digits(s, n))
		return fail(why, "not a digit");
	if (!province_find(s))
		return fail(why, "unknown province code");
	return 0;
}

/* ---- resident ID numbers -------------------------------------------------- */

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static int real_date(int y, int m, int d)
{
	return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int muster_resident_id_check(const char *s, size_t n, int today_yyyymmdd, muster_resident_id *out,
	const char **why)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";

	int ty = today_yyyymmdd / 10000, tm = today_yyyymmdd / 100 % 100, td = today_yyyymmdd % 100;
	if (today_yyyymmdd < 19000101 || today_yyyymmdd > 99991231 || !real_date(ty, tm, td))
		return fail(why, "reference date is not a real date");
	if (!s || n != MUSTER_RESIDENT_ID_LEN)
		return fail(why, "wrong length");
	if (!all_digits(s, 17))
		return fail(why, "not a digit (only the last character may be X)");
	char last = s[17] == 'x' ? 'X' : s[17];
	if (!is_digit(last) && last != 'X')
		return fail(why, "last character is not a digit or X");

	/* A typo is the likeliest fault, so the check character is tested
	 * before the fields it would make meaningless. */
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (s[i] - '0') * w[i];
	if (check[sum % 11] != last)
		return fail(why, "bad check character");

	const struct province *p = province_find(s);
	if (!p || !p->in_ids)
		return fail(why, "unknown province code");

	int y = num(s + 6, 4), m = num(s + 10, 2), d = num(s + 12, 2);
	if (!real_date(y, m, d))
		return fail(why, "birth date is not a real date");
	int born = y * 10000 + m * 100 + d;
	if (born < 19000101)
		return fail(why, "birth date is before 1900");
	if (born > today_yyyymmdd)
		return fail(why, "birth date is in the future");

	if (out) {
		muster_resident_id r;
		memcpy(r.id, s, 17);
		r.id[17] = last;
		r.id[18] = '\0';
		memcpy(r.division, s, MUSTER_DIVISION_LEN);
		r.division[MUSTER_DIVISION_LEN] = '\0';
		r.year = y;
		r.month = m;
		r.day = d;
		r.sex = (s[16] - '0') % 2 ? 'M' : 'F';
		*out = r;
	}
	return 0;
}

/* ---- unified social credit codes ------------------------------------------ */

static const char credit_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* The value of c in the code alphabet, or -1. */
static int credit_value(char c)
{
	for (int i = 0; credit_alphabet[i]; i++)
		if (credit_alphabet[i] == c)
			return i;
	return -1;
}

int muster_credit_code_check_char(const char *s17, char *out)
{
	static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
	if (!s17 || !out)
		return MUSTER_EINVAL;
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		int v = credit_value(s17[i]);
		if (v < 0)
			return MUSTER_EINVAL;
		sum += v * w[i];
	}
	int c = 31 - sum % 31;
	*out = credit_alphabet[c == 31 ? 0 : c];
	return 0;
}

int muster_credit_code_check(const char *s, size_t n, const char **why)
{
	if (!s || n != MUSTER_CREDIT_CODE_LEN)
		return fail(why, "wrong length");
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			return fail(why, "lower-case letter (credit codes are upper case)");
		if (credit_value(s[i]) < 0)
			return fail(why, "character not allowed (only 0-9 and A-Y without I, O, S, V, Z)");
	}
	char c;
	if (muster_credit_code_check_char(s, &c) != 0 || c != s[17])
		return fail(why, "bad check character");
	return 0;
}

/* ---- emergency supplies categories ---------------------------------------- */

const char *muster_category_top_name(int first_digit)
{
	switch (first_digit) {
	case 1:
		return "基本生活保障物资";
	case 2:
		return "应急装备及配套物资";
	case 3:
		return "工程材料与机械加工设备";
	default:
		return NULL;
	}
}

int muster_category_check(const char *s, size_t n, muster_category *out, const char **why)
{
	if (!s || n != MUSTER_CATEGORY_LEN)
		return fail(why, "wrong length");
	if (!all_digits(s, n))
		return fail(why, "not a digit");
	muster_category c = {{s[0] - '0'}, {0}};
	if (!muster_category_top_name(c.level[0]))
		return fail(why, "unknown top-level class (must be 1, 2 or 3)");
	for (int i = 1; i < 4; i++) {
		c.level[i] = num(s + 1 + 2 * (i - 1), 2);
		if (c.level[i] == 0)
			return fail(why, "level code 00 is not allowed");
		c.other[i] = c.level[i] == 99;
	}
	if (out)
		*out = c;
	return 0;
}
