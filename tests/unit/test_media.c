/*
 * test_media.c - muster_media_check: what the host accepts from a plugin
 * before it signs anything, for each media type a plugin may declare.
 */
#include "tap.h"

#include <muster/report.h>

#include <string.h>

static int check(const char *type, const char *s)
{
	return muster_media_check(type, (const uint8_t *)s, strlen(s), NULL);
}

static int check_n(const char *type, const char *s, size_t n)
{
	return muster_media_check(type, (const uint8_t *)s, n, NULL);
}

int main(void)
{
	const char *J = "application/json", *U = "text/csv; charset=utf-8", *G = "text/csv; charset=GB18030";
	const char *X = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", *P = "application/pdf";
	static const char *const good_json[] = {
		"{}", "[]", " {\"a\": [1, -2.5e+3, true, false, null, \"x\\u00e9\\n\"]}\n", "\"队伍\"", "0", "-0.1E5",
		"{\"a\":{\"b\":{\"c\":[]}}}",
	};
	static const char *const bad_json[] = {
		"", "{", "{not json", "{\"a\":}", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"\\x\"", "\"a\nb\"", "{} {}",
		"tru", "[1 2]", "{'a':1}", "\"\\u12g4\"",
	};
	for (size_t i = 0; i < sizeof good_json / sizeof *good_json; i++)
		is_int(check(J, good_json[i]), 0, "JSON accepted: %s", good_json[i]);
	for (size_t i = 0; i < sizeof bad_json / sizeof *bad_json; i++)
		is_int(check(J, bad_json[i]), MUSTER_EINVAL, "JSON refused: bad case %zu", i);
	is_int(check(J, "\"\xff\""), MUSTER_EINVAL, "JSON that is not UTF-8 is refused");
	char deep[600];
	memset(deep, '[', 300);
	memset(deep + 300, ']', 300);
	is_int(check_n(J, deep, sizeof deep), MUSTER_EINVAL, "JSON nested 300 deep is refused (no unbounded recursion)");
	const char *why = NULL;
	is_int(muster_media_check(J, (const uint8_t *)"{x", 2, &why), MUSTER_EINVAL, "a refusal says why");
	ok(why && strstr(why, "JSON") != NULL, "why: %s", why ? why : "(null)");

	is_int(check(U, "队伍,人数\r\nKS-01,12\r\n"), 0, "UTF-8 CSV accepted");
	is_int(check(U, "\xb6\xd3\xce\xe9\r\n"), MUSTER_EINVAL, "GBK bytes are not UTF-8 CSV");
	is_int(check_n(U, "a\0b", 3), MUSTER_EINVAL, "a NUL byte is not CSV text");
	is_int(check(G, "\xb6\xd3\xce\xe9,\xc8\xcb\xca\xfd\r\n"), 0, "GB18030 two-byte text (队伍,人数) accepted");
	is_int(check(G, "\x81\x30\x81\x30"), 0, "a GB18030 four-byte sequence accepted");
	is_int(check(G, "\x80"), MUSTER_EINVAL, "0x80 alone is not GB18030");
	is_int(check(G, "\xb6"), MUSTER_EINVAL, "a cut-off GB18030 character is refused");
	is_int(check(G, "\x81\x30\x81"), MUSTER_EINVAL, "a cut-off four-byte sequence is refused");

	static const char zip[] = "PK\3\4 some entries ... PK\5\6 end record and comment0000";
	is_int(check_n(X, zip, sizeof zip - 1), 0, "a zip with a local header and an end record passes as XLSX");
	is_int(check(X, "PK\3\4 no end record here at all, sorry"), MUSTER_EINVAL, "a zip without an end record does not");
	is_int(check(X, "<html>not a workbook</html>"), MUSTER_EINVAL, "HTML is not XLSX");
	is_int(check(P, "%PDF-1.7\n...\n%%EOF\n"), 0, "a PDF with its end marker passes");
	is_int(check(P, "%PDF-1.7\n... cut off"), MUSTER_EINVAL, "a cut-off PDF does not");
	is_int(check(J, ""), MUSTER_EINVAL, "an empty report is refused");
	is_int(check("text/html", "<p>"), MUSTER_ENOTFOUND, "a media type not in plugin.h's list is unknown");
	return done_testing();
}
