/* json.c - JSON output and time formatting. */
#include "internal.h"

#include <stdio.h>
#include <time.h>

void muster_json_str(muster_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	muster_buf_put(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		muster_buf_put(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': muster_buf_put(b, "\\\"", 2); break;
		case '\\': muster_buf_put(b, "\\\\", 2); break;
		case '\n': muster_buf_put(b, "\\n", 2); break;
		case '\r': muster_buf_put(b, "\\r", 2); break;
		case '\t': muster_buf_put(b, "\\t", 2); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			muster_buf_put(b, u, 6);
		}
		}
	}
	muster_buf_put(b, s + run, n - run);
	muster_buf_put(b, "\"", 1);
}

void muster_json_cstr(muster_buf *b, const char *s)
{
	muster_json_str(b, s, strlen(s));
}

void muster_json_b64(muster_buf *b, const uint8_t *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *tmp = malloc(cap);
	if (!tmp) {
		b->err = MUSTER_ENOMEM;
		return;
	}
	sodium_bin2base64(tmp, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
	muster_buf_put(b, "\"", 1);
	muster_buf_puts(b, tmp);
	muster_buf_put(b, "\"", 1);
	free(tmp);
}

void muster_json_hex(muster_buf *b, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	muster_buf_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		char h[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
		muster_buf_put(b, h, 2);
	}
	muster_buf_put(b, "\"", 1);
}

static void fmt_time(uint64_t time_ms, int local, char out[32])
{
	/* Asia/Shanghai has been UTC+8 without daylight saving since 1991. */
	time_t t = (time_t)(time_ms / 1000) + (local ? 8 * 3600 : 0);
	struct tm tm;
	gmtime_r(&t, &tm);
	/* The modulos only tell the compiler the widths; the values are in range already. */
	unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, mo = (unsigned)(tm.tm_mon + 1) % 100u,
		 d = (unsigned)tm.tm_mday % 100u, h = (unsigned)tm.tm_hour % 100u, mi = (unsigned)tm.tm_min % 100u,
		 sec = (unsigned)tm.tm_sec % 100u;
	if (local)
		snprintf(out, 32, "%04u-%02u-%02u %02u:%02u:%02u", y, mo, d, h, mi, sec);
	else
		snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", y, mo, d, h, mi, sec, (unsigned)(time_ms % 1000));
}

void muster_time_iso(uint64_t time_ms, char out[32])
{
	fmt_time(time_ms, 0, out);
}

void muster_time_local(uint64_t time_ms, char out[32])
{
	fmt_time(time_ms, 1, out);
}

void muster_json_time(muster_buf *b, uint64_t time_ms)
{
	char t[32];
	muster_time_iso(time_ms, t);
	muster_json_cstr(b, t);
}
