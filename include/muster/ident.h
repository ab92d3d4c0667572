/*
 * muster/ident.h - validators for the national identifiers a record carries:
 * resident ID numbers (GB 11643), unified social credit codes (GB 32100),
 * administrative division codes (GB/T 2260) and emergency supplies category
 * codes (GB/T 38565-2020).
 *
 * Every function here is pure: no allocation, no global state, no clock (the
 * caller passes "today"), so all of them are thread-safe.  Inputs are byte
 * buffers with a length and need no NUL.  A check returns 0 or MUSTER_EINVAL;
 * when it fails and why is not NULL, *why is set to a static English string
 * naming the rule that failed (it is left alone on success).  Other
 * out-parameters are written only on success.
 *
 * Provinces.  The prefixes known are the 31 province-level divisions of the
 * mainland, Taiwan 71, Hong Kong 81 and Macao 82.  新疆生产建设兵团 (the
 * Xinjiang Production and Construction Corps) is not a GB/T 2260 province,
 * but national statistics tables list it as a unit of its own; libmuster
 * gives it the pseudo-province code 660000 so reports can do the same.  A
 * division code may use it; a resident ID never does (Corps residents hold
 * Xinjiang 65xxxx numbers), so muster_resident_id_check refuses prefix 66.
 */
#ifndef MUSTER_IDENT_H
#define MUSTER_IDENT_H

#include <muster/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MUSTER_RESIDENT_ID_LEN 18 /* characters in a resident ID */
#define MUSTER_CREDIT_CODE_LEN 18 /* characters in a unified social credit code */
#define MUSTER_DIVISION_LEN 6     /* digits in a division code */
#define MUSTER_CATEGORY_LEN 7     /* digits in a supplies category code */
#define MUSTER_XPCC_CODE "660000" /* pseudo-province code of 新疆生产建设兵团 */

/* ---- administrative divisions (GB/T 2260) ---------------------------------- */

/*
 * muster_province_name - the Chinese name of a province-level code.
 * code6: a NUL-terminated code of exactly six digits ending in 0000, one of
 * the 31 mainland provinces, 710000 台湾省, 810000 香港特别行政区,
 * 820000 澳门特别行政区, or 660000 新疆生产建设兵团 (a pseudo-code, see above).
 * For the province of a lower-level code, pass its first two digits and 0000.
 * Returns a static UTF-8 string, or NULL for any other input (NULL included).
 */
MUSTER_API const char *muster_province_name(const char *code6);

/*
 * muster_division_check - checks a division code: six digits whose first
 * two are a known province prefix.  Digits 3-4 (prefecture) and 5-6 (county)
 * may be any digits: lower-level codes change every year and a retired code
 * stays valid on old records.
 * s, n: the code (n must be 6).  why: may be NULL.
 * Returns 0 or MUSTER_EINVAL.
 */
MUSTER_API int muster_division_check(const char *s, size_t n, const char **why) MUSTER_WUR;

/* ---- resident ID numbers (GB 11643) ------------------------------------------ */

/* What a valid resident ID says; sex and birth date are derived, never typed. */
typedef struct muster_resident_id {
	char id[MUSTER_RESIDENT_ID_LEN + 1];     /* normalised: a trailing x upper-cased */
	char division[MUSTER_DIVISION_LEN + 1];  /* the first six digits */
	int year, month, day;                    /* birth date */
	char sex;                                /* 'M' odd sequence, 'F' even */
} muster_resident_id;

/*
 * muster_resident_id_check - checks an 18-character resident ID number:
 * 17 digits then a digit or X (x accepted), the ISO 7064 MOD 11-2 check
 * character, a known province prefix, and a birth date that is a real
 * Gregorian date no earlier than 1900-01-01 and no later than today.
 * s, n: the number (n must be 18).
 * today_yyyymmdd: the reference date, e.g. 20250314 (a real date from 1900
 *   on, else MUSTER_EINVAL with why "reference date is not a real date").
 * out: receives the normalised number and what it encodes; may be NULL.
 * why: may be NULL.
 * Returns 0 or MUSTER_EINVAL.
 */
MUSTER_API int muster_resident_id_check(const char *s, size_t n, int today_yyyymmdd,
	muster_resident_id *out, const char **why) MUSTER_WUR;

/* ---- unified social credit codes (GB 32100) ---------------------------------- */

/*
 * muster_credit_code_check - checks an 18-character unified social credit
 * code: characters from 0-9 and A-H J-N P-R T U W X Y (upper case only; I, O,
 * S, V and Z are never used) and the MOD 31 check character.  Some early real
 * codes fail the check; accepting one anyway is the caller's policy, not this
 * function's.
 * s, n: the code (n must be 18).  why: may be NULL.
 * Returns 0 or MUSTER_EINVAL.
 */
MUSTER_API int muster_credit_code_check(const char *s, size_t n, const char **why) MUSTER_WUR;

/*
 * muster_credit_code_check_char - computes the check character of a code.
 * s17: the first 17 characters (no NUL needed), all from the code alphabet.
 * out: receives the 18th character.
 * Returns 0, or MUSTER_EINVAL if a character is outside the alphabet.
 */
MUSTER_API int muster_credit_code_check_char(const char *s17, char *out) MUSTER_WUR;

/* ---- emergency supplies categories (GB/T 38565-2020) ------------------------- */

/*
 * A category code: 7 digits in 4 levels, 1 + 2 + 2 + 2.  level[0] is the top
 * class, 1..3; level[1..3] are 1..99.  other[i] is 1 when level[i] is 99, the
 * catch-all "other" at that level (other[0] is always 0).
 */
typedef struct muster_category {
	int level[4];
	unsigned char other[4];
} muster_category;

/*
 * muster_category_check - checks a category code: 7 digits, the first 1, 2
 * or 3, each later two-digit level 01..99 (00 is refused; 99 means "other").
 * s, n: the code (n must be 7).  out: may be NULL.  why: may be NULL.
 * Returns 0 or MUSTER_EINVAL.
 */
MUSTER_API int muster_category_check(const char *s, size_t n, muster_category *out,
	const char **why) MUSTER_WUR;

/*
 * muster_category_top_name - the Chinese name of a top class: 1 基本生活保障物资,
 * 2 应急装备及配套物资, 3 工程材料与机械加工设备.
 * Returns a static UTF-8 string, or NULL for any other digit.
 */
MUSTER_API const char *muster_category_top_name(int first_digit);

#ifdef __cplusplus
}
#endif
#endif
