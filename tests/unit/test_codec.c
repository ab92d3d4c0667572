/* test_codec.c - the canonical encoding: one spelling per value, nothing else accepted. */
#include "tap.h"

#include <muster/codec.h>
#include <muster/json.h>
#include <sodium.h>
#include <string.h>

static int reads_uint(const uint8_t *p, size_t n, uint64_t *v)
{
	muster_rd r;
	muster_rd_init(&r, p, n);
	*v = muster_get_uint(&r);
	return muster_rd_end(&r);
}

int main(void)
{
	static const uint64_t vals[] = {0, 1, 127, 128, 255, 300, 16383, 16384, UINT32_MAX, (uint64_t)1 << 56,
		UINT64_MAX - 1, UINT64_MAX};
	int good = 1;
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		muster_buf b = {0};
		uint64_t v;
		muster_put_uint(&b, vals[i]);
		good = good && reads_uint(b.data, b.len, &v) == 0 && v == vals[i];
		muster_buf_free(&b);
	}
	ok(good, "unsigned integers round-trip through LEB128");

	uint64_t v;
	ok(reads_uint((const uint8_t *)"\x80\x00", 2, &v) != 0, "a non-minimal zero (80 00) is refused");
	ok(reads_uint((const uint8_t *)"\xff\x00", 2, &v) != 0, "a trailing zero byte (ff 00) is refused");
	ok(reads_uint((const uint8_t *)"\x80", 1, &v) != 0, "a truncated integer is refused");
	ok(reads_uint((const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10, &v) != 0,
		"an integer over 64 bits is refused");
	ok(reads_uint((const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, &v) == 0 && v == UINT64_MAX,
		"2^64-1 in ten bytes is read");
	ok(reads_uint((const uint8_t *)"\x05\x00", 2, &v) != 0, "trailing data after a value is refused");

	muster_buf b = {0};
	muster_put_text(&b, "值班记录", strlen("值班记录"));
	muster_put_bytes(&b, "\x00\x01", 2);
	muster_rd r;
	size_t n, m;
	muster_rd_init(&r, b.data, b.len);
	const char *t = muster_get_text(&r, &n, 64);
	const uint8_t *bytes = muster_get_fixed(&r, 2);
	ok(t && n == strlen("值班记录") && memcmp(t, "值班记录", n) == 0 && bytes && muster_rd_end(&r) == 0,
		"Chinese text and bytes round-trip");
	muster_rd_init(&r, b.data, b.len);
	muster_get_text(&r, &n, 4);
	ok(muster_rd_end(&r) != 0, "text over its limit is refused");
	muster_rd_init(&r, b.data, b.len - 1);
	muster_get_text(&r, &n, 64);
	muster_get_bytes(&r, &m);
	ok(muster_rd_end(&r) != 0, "a length past the end is refused");
	muster_buf_free(&b);

	static const struct {
		const char *s;
		int valid;
		const char *what;
	} utf8[] = {
		{"plain ASCII", 1, "ASCII"},
		{"应急救援队 🚒", 1, "CJK and a four-byte emoji"},
		{"\xc0\xaf", 0, "overlong slash"},
		{"\xe0\x80\xaf", 0, "overlong three-byte"},
		{"\xed\xa0\x80", 0, "UTF-16 surrogate"},
		{"\xf4\x90\x80\x80", 0, "past U+10FFFF"},
		{"\xe4\xb8", 0, "truncated sequence"},
		{"\xff", 0, "byte 0xFF"},
		{"\x80", 0, "lone continuation byte"},
	};
	for (size_t i = 0; i < sizeof utf8 / sizeof utf8[0]; i++)
		ok(muster_utf8_valid(utf8[i].s, strlen(utf8[i].s)) == utf8[i].valid, "UTF-8 %s: %s", utf8[i].valid ? "accepts" : "refuses",
			utf8[i].what);
	ok(!muster_utf8_valid("a\0b", 3), "UTF-8 with NUL is refused");

	/* Base64: one spelling of each byte string. */
	uint8_t bin[300], back[300];
	size_t got;
	const int O = sodium_base64_VARIANT_ORIGINAL, U = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	ok(muster_b64_decode("AAEC", 4, bin, sizeof bin, &got, O) == 0 && got == 3 && bin[2] == 2, "base64 decodes");
	ok(muster_b64_decode("AAE=", 4, bin, sizeof bin, &got, O) == 0 && got == 2, "... with its padding");
	ok(muster_b64_decode("AAF=", 4, bin, sizeof bin, &got, O) == MUSTER_EINVAL, "stray bits in the last character are refused");
	ok(muster_b64_decode("AAE", 3, bin, sizeof bin, &got, O) == MUSTER_EINVAL, "missing padding is refused");
	ok(muster_b64_decode("AAE", 3, bin, sizeof bin, &got, U) == 0 && got == 2, "the URL-safe variant goes without");
	ok(muster_b64_decode("AAE=", 4, bin, sizeof bin, &got, U) == MUSTER_EINVAL, "... and refuses padding");
	ok(muster_b64_decode("A/E\xff", 4, bin, sizeof bin, &got, O) == MUSTER_EINVAL &&
		   muster_b64_decode("A_E\xff", 4, bin, sizeof bin, &got, U) == MUSTER_EINVAL,
		"a byte >= 0x80 is refused (libsodium 1.0.18 alone reads it as '/' or '_')");
	ok(muster_b64_decode("AAEC\n", 5, bin, sizeof bin, &got, O) == MUSTER_EINVAL &&
		   muster_b64_decode("AA\0C", 4, bin, sizeof bin, &got, O) == MUSTER_EINVAL,
		"nothing may follow, not even a newline or a NUL");
	ok(muster_b64_decode("AAEC", 4, bin, 2, &got, O) == MUSTER_EINVAL, "more bytes than room is refused");
	for (size_t i = 0; i < sizeof back; i++)
		back[i] = (uint8_t)(i * 7 + 1);
	char text[sodium_base64_ENCODED_LEN(sizeof back, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(text, sizeof text, back, sizeof back, O);
	ok(muster_b64_decode(text, strlen(text), bin, sizeof bin, &got, O) == 0 && got == sizeof back &&
		   memcmp(bin, back, sizeof back) == 0,
		"a 300-byte string round-trips");

	muster_buf j = {0};
	muster_json_str(&j, "a\"b\\c\n\x01张", strlen("a\"b\\c\n\x01张"));
	muster_buf_put(&j, "", 1);
	ok(strcmp((char *)j.data, "\"a\\\"b\\\\c\\n\\u0001张\"") == 0, "JSON strings are escaped, UTF-8 passes through");
	muster_buf_free(&j);

	char ts[32];
	muster_time_iso(1764057049123ULL, ts);
	ok(strcmp(ts, "2025-11-25T07:50:49.123Z") == 0, "ISO 8601 UTC with milliseconds");
	muster_time_local(1764057049123ULL, ts);
	ok(strcmp(ts, "2025-11-25 15:50:49") == 0, "Asia/Shanghai local time is UTC+8");

	muster_buf big = {0};
	for (int i = 0; i < 1000; i++)
		muster_buf_printf(&big, "%d,", i);
	ok(big.err == 0 && big.len == 3890, "buffers grow");
	muster_buf_free(&big);
	return done_testing();
}
