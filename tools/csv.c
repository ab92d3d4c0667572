/*
 * csv.c - RFC 4180 fields for the CSV writers (`muster audit summary --csv`,
 * the audit report), one copy so they quote alike.
 */
#include "equip_cli.h"

#include <string.h>

void csv_field(muster_buf *b, const char *s, size_t n, int first)
{
	if (!first)
		muster_buf_puts(b, ",");
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\r', n) && !memchr(s, '\n', n)) {
		muster_buf_put(b, s, n);
		return;
	}
	muster_buf_puts(b, "\"");
	for (size_t i = 0; i < n; i++)
		muster_buf_put(b, s[i] == '"' ? "\"\"" : &s[i], s[i] == '"' ? 2 : 1);
	muster_buf_puts(b, "\"");
}

void csv_cstr(muster_buf *b, const char *s, int first)
{
	csv_field(b, s, strlen(s), first);
}
