/*
 * fuzz_plugin.c - libFuzzer target for what the report plugin host checks
 * before it trusts a plugin (core/plugin.c): the descriptor a plugin's
 * entry returns (muster_plugin_desc_refused) and the report bytes a run
 * produced (muster_media_check).
 *
 * Bit 0 of the first byte picks the check.  Set: the rest builds a
 * descriptor: its ABI head (major, minor and size, little-endian), a flag
 * byte for run() (a stub or NULL), then each string in declaration order as
 * a control byte: 0xff NULL, 0xfe an unterminated string of limit + 1 + k
 * bytes (k the next byte's low bits), 0xfd a length 253 + the next byte,
 * else a length, then that many bytes with a NUL after them.  Every string,
 * and the descriptor itself, is given exactly the bytes it has, so ASan
 * sees any read past a string's limit or past a descriptor smaller than
 * version 1.0's.  The verdict must be an independent reading of the rules
 * in plugin.h: the same refusal (why, and the member named) or none.
 * Clear: byte 1 picks one of the five media types, the rest is the report;
 * JSON that jansson reads (nested at most 256 deep) must pass, CSV passes
 * exactly when it is UTF-8 without NUL, XLSX and PDF exactly when their
 * container marks are where the host looks for them; every refusal says
 * why.  A broken property calls abort().  With -DMUSTER_FUZZ_SEEDS it
 * writes the seed corpus (tests/fuzz/corpus/plugin).
 */
#include "internal.h"
#include "report_int.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_plugin: property broken: %s\n", what);
		abort();
	}
}

/* ---- the descriptor ------------------------------------------------------------------------ */

enum { S_NAME, S_PROVINCE, S_VERSION, S_TITLE, S_TITLE_EN, S_KINDS, S_MEDIA, S_EXT, N_STR };
static const size_t limit[N_STR] = {32, 6, 64, 256, 256, 128, 128, 16};
static const char *const member[N_STR] = {"name", "province", "version", "title", "title_en", "kinds", "media_type",
	"extension"};
static const size_t offset[N_STR] = {offsetof(muster_plugin_desc, name), offsetof(muster_plugin_desc, province),
	offsetof(muster_plugin_desc, version), offsetof(muster_plugin_desc, title),
	offsetof(muster_plugin_desc, title_en), offsetof(muster_plugin_desc, kinds),
	offsetof(muster_plugin_desc, media_type), offsetof(muster_plugin_desc, extension)};
static const char *const media[][2] = {
	{"application/json", "json"},
	{"text/csv; charset=utf-8", "csv"},
	{"text/csv; charset=GB18030", "csv"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
	{"application/pdf", "pdf"},
};
#define N_MEDIA (sizeof media / sizeof media[0])
#define V10_SIZE (offsetof(muster_plugin_desc, run) + sizeof(void (*)(void)))

static int run_stub(const muster_host_api *host, muster_report_ctx *ctx)
{
	(void)host, (void)ctx;
	return 0;
}

/* Strict UTF-8 (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF), written apart from codec.c's. */
static int utf8_strict(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		size_t k;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			k = 1, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3, cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* The rules of plugin.h for string i: s[0..n) up to its NUL (n past the limit if it has none), or NULL. */
static int string_ok(int i, const char *s, size_t n, const char *media_type)
{
	if (!s)
		return 0;
	if (n == 0 || n > limit[i] || !utf8_strict((const uint8_t *)s, n))
		return 0;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		if (c < 0x20 || c == 0x7f)
			return 0;
		/* C1 controls (U+0080-U+009F), and the bidi embeddings, overrides and isolates */
		const unsigned char *u = (const unsigned char *)s + k;
		if (c == 0xc2 && k + 1 < n && u[1] <= 0x9f)
			return 0;
		if (c == 0xe2 && k + 2 < n &&
			((u[1] == 0x80 && u[2] >= 0xaa && u[2] <= 0xae) || (u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9)))
			return 0;
		if ((i == S_NAME || i == S_PROVINCE || i == S_VERSION || i == S_KINDS || i == S_EXT) && c > 0x7e)
			return 0;
		if (i == S_NAME && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
		if (i == S_PROVINCE && !(c >= '0' && c <= '9'))
			return 0;
		if (i == S_KINDS && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
					    (c == ' ' && k > 0 && k + 1 < n && s[k - 1] != ' ')))
			return 0;
	}
	if (i == S_PROVINCE && n != 6)
		return 0;
	if (i == S_MEDIA || i == S_EXT) {
		for (size_t m = 0; m < N_MEDIA; m++)
			if (strcmp(media_type ? media_type : "", media[m][0]) == 0)
				return i == S_MEDIA || strcmp(s, media[m][1]) == 0;
		return 0;
	}
	return 1;
}

static uint32_t le(const uint8_t *p, int n)
{
	uint32_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void fuzz_desc(const uint8_t *data, size_t size)
{
	uint8_t head[9] = {0};
	memcpy(head, data, size < sizeof head ? size : sizeof head);
	size_t at = size < sizeof head ? size : sizeof head;
	muster_abi abi = {(uint16_t)le(head, 2), (uint16_t)le(head + 2, 2), le(head + 4, 4)};

	/* The strings, each in a buffer of exactly its bytes. */
	char *str[N_STR] = {0};
	size_t len[N_STR] = {0};
	for (int i = 0; i < N_STR; i++) {
		unsigned c = at < size ? data[at++] : 0xff;
		if (c == 0xff)
			continue;
		size_t n, cap;
		int nul = 1;
		if (c == 0xfe) {
			n = cap = limit[i] + 1 + (size_t)(at < size ? data[at++] & 7 : 0);
			nul = 0;
		} else {
			n = c == 0xfd ? 253 + (size_t)(at < size ? data[at++] : 0) : c;
			cap = n + 1;
		}
		str[i] = malloc(cap);
		if (!str[i])
			abort();
		for (size_t k = 0; k < n; k++) {
			char ch = at < size ? (char)data[at++] : 'a';
			str[i][k] = nul || ch ? ch : 'a';
		}
		if (nul)
			str[i][n] = 0;
		len[i] = nul ? strlen(str[i]) : n;
	}

	/* The descriptor in a block of exactly the size it claims (some extra for a later minor, capped). */
	size_t cap = abi.size < sizeof(muster_abi) ? sizeof(muster_abi) :
		     abi.size < sizeof(muster_plugin_desc) ? abi.size :
		     sizeof(muster_plugin_desc) + (abi.size - sizeof(muster_plugin_desc) < 64 ? abi.size - sizeof(muster_plugin_desc) : 64);
	unsigned char *block = calloc(1, cap);
	if (!block)
		abort();
	memcpy(block, &abi, sizeof abi);
	for (int i = 0; i < N_STR; i++)
		if (offset[i] + sizeof(char *) <= cap)
			memcpy(block + offset[i], &str[i], sizeof(char *));
	int (*run)(const muster_host_api *, muster_report_ctx *) = head[8] & 1 ? run_stub : NULL;
	if (offsetof(muster_plugin_desc, run) + sizeof run <= cap)
		memcpy(block + offsetof(muster_plugin_desc, run), &run, sizeof run);

	muster_plugin_refusal r;
	memset(&r, 0, sizeof r);
	int refused = muster_plugin_desc_refused((const muster_plugin_desc *)block, &r);

	/* The rules, read again: the first that fails is the refusal. */
	int want = 0, bad = -1;
	if (abi.major != MUSTER_PLUGIN_ABI_MAJOR)
		want = MUSTER_PLUG_MAJOR;
	else if (abi.size < V10_SIZE)
		want = MUSTER_PLUG_SMALL;
	else {
		for (int i = 0; i < N_STR && bad < 0; i++)
			if (!string_ok(i, str[i], len[i], str[S_MEDIA]))
				bad = i;
		want = bad >= 0 ? MUSTER_PLUG_STRING : !run ? MUSTER_PLUG_CALLBACK : 0;
	}
	check(refused == (want != 0), "the descriptor check and plugin.h's rules disagree on a descriptor");
	check(!refused || r.why == want, "refused for another reason than the first rule it breaks");
	check(!refused || (r.major == abi.major && r.minor == abi.minor), "a refusal does not name the plugin's version");
	if (want == MUSTER_PLUG_SMALL)
		check(r.size == abi.size && r.need == V10_SIZE, "a small descriptor's sizes are not reported");
	if (want == MUSTER_PLUG_STRING)
		check(r.detail && strncmp(r.detail, member[bad], strlen(member[bad])) == 0 &&
				(r.detail[strlen(member[bad])] == ' ' || r.detail[strlen(member[bad])] == 0),
			"a bad string is not named");
	if (want == MUSTER_PLUG_CALLBACK)
		check(r.detail && strcmp(r.detail, "run") == 0, "a NULL run is not named");

	free(block);
	for (int i = 0; i < N_STR; i++)
		free(str[i]);
}

/* ---- the report bytes ---------------------------------------------------------------------- */

/* The deepest nesting of JSON text that jansson read (so strings are well formed). */
static size_t json_depth(const uint8_t *p, size_t n)
{
	size_t d = 0, max = 0;
	int in = 0;
	for (size_t i = 0; i < n; i++) {
		if (in) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				in = 0;
		} else if (p[i] == '"') {
			in = 1;
		} else if (p[i] == '[' || p[i] == '{') {
			if (++d > max)
				max = d;
		} else if (p[i] == ']' || p[i] == '}') {
			d--;
		}
	}
	return max;
}

static int has_at(const uint8_t *p, size_t n, size_t from, size_t to, const char *mark)
{
	size_t k = strlen(mark);
	for (size_t i = from; i <= to && i + k <= n; i++)
		if (memcmp(p + i, mark, k) == 0)
			return 1;
	return 0;
}

static void fuzz_media(const uint8_t *data, size_t size)
{
	if (size == 0)
		return;
	size_t m = data[0] % N_MEDIA;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	const char *why = NULL;
	int rc = muster_media_check(media[m][0], p, n, &why);
	check(rc == 0 || rc == MUSTER_EINVAL, "media check returned an odd code");
	check(rc == 0 || (why && *why), "a refusal without a reason");
	check(rc == 0 || n > 0 || strcmp(why, "it is empty") == 0, "an empty report is not called empty");
	int want = -1; /* -1: no opinion; else 1 pass, 0 refuse */
	switch (m) {
	case 0: {
		json_error_t je;
		json_t *j = n ? json_loadb((const char *)p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je) : NULL;
		/* jansson stops at a NUL byte, which is no JSON whitespace: such text is no JSON. */
		if (j && utf8_strict(p, n) && !memchr(p, 0, n) && json_depth(p, n) <= 256)
			want = 1;
		json_decref(j);
		break;
	}
	case 1:
		want = n > 0 && utf8_strict(p, n) && !memchr(p, 0, n);
		break;
	case 2:
		if (rc == 0)
			check(!memchr(p, 0, n), "GB18030 text with a NUL passed");
		break;
	case 3:
		want = n >= 22 && memcmp(p, "PK\3\4", 4) == 0 && has_at(p, n, n > 65557 ? n - 65557 : 0, n - 22, "PK\5\6");
		break;
	default:
		want = n >= 8 && memcmp(p, "%PDF-", 5) == 0 && has_at(p, n, n >= 1024 ? n - 1024 : 0, n, "%%EOF");
	}
	if (want == 1)
		check(rc == 0, m == 0 ? "JSON that jansson reads was refused" : "a report of its type was refused");
	if (want == 0)
		check(rc != 0, "a report that is not of its type passed");
	check(muster_media_check("text/html", p, n, NULL) == MUSTER_ENOTFOUND, "a media type not in the list was known");
}

static void one_input(const uint8_t *data, size_t size)
{
	if (size == 0)
		return;
	if (data[0] & 1)
		fuzz_desc(data + 1, size - 1);
	else
		fuzz_media(data + 1, size - 1);
}

#ifndef MUSTER_FUZZ_SEEDS
static void fuzz_init(void)
{
}
#endif

#include "fuzz.h"

#ifdef MUSTER_FUZZ_SEEDS /* write the seed corpus */

/* A descriptor input: head, run flag, then the strings (NULL for a NULL member). */
static void desc(const char *name, unsigned major, unsigned minor, uint32_t size, int run,
	const char *const s[N_STR])
{
	muster_buf b = {0};
	uint8_t h[10] = {1, (uint8_t)major, (uint8_t)(major >> 8), (uint8_t)minor, (uint8_t)(minor >> 8), (uint8_t)size,
		(uint8_t)(size >> 8), (uint8_t)(size >> 16), (uint8_t)(size >> 24), (uint8_t)run};
	muster_buf_put(&b, h, sizeof h);
	for (int i = 0; i < N_STR; i++) {
		size_t n = s[i] ? strlen(s[i]) : 0;
		uint8_t c = !s[i] ? 0xff : n >= 253 ? 0xfd : (uint8_t)n;
		muster_buf_put(&b, &c, 1);
		if (c == 0xfd) {
			uint8_t e = (uint8_t)(n - 253);
			muster_buf_put(&b, &e, 1);
		}
		if (s[i])
			muster_buf_put(&b, s[i], n);
	}
	save(name, &b);
	muster_buf_free(&b);
}

static void report(const char *name, int type, const char *p, size_t n)
{
	muster_buf b = {0};
	uint8_t h[2] = {0, (uint8_t)type};
	muster_buf_put(&b, h, 2);
	muster_buf_put(&b, p, n);
	save(name, &b);
	muster_buf_free(&b);
}

#define REPORT(name, type, lit) report(name, type, lit, sizeof lit - 1)

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	const uint32_t v10 = (uint32_t)sizeof(muster_plugin_desc);
	const char *good[N_STR] = {"shanxi-monthly", "140000", "1.2.0", "\xe5\xb1\xb1\xe8\xa5\xbf\xe7\x9c\x81\xe6\x9c\x88\xe6\x8a\xa5",
		"Shanxi monthly report", "monthly quarterly", "text/csv; charset=GB18030", "csv"};
	desc("desc_good", 1, 0, v10, 1, good);
	desc("desc_later_minor", 1, 3, v10 + 16, 1, good);
	desc("desc_no_run", 1, 0, v10, 0, good);
	desc("desc_major2", 2, 0, v10, 1, good);
	desc("desc_small", 1, 0, (uint32_t)offsetof(muster_plugin_desc, extension), 1, good);
	const char *xlsx[N_STR] = {"national_xlsx", "000000", "0.1", "\xe5\x85\xa8\xe5\x9b\xbd", "National",
		"monthly", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"};
	desc("desc_xlsx", 1, 0, v10, 1, xlsx);
	const char *wrong_ext[N_STR] = {"p", "110000", "1", "t", "t", "monthly", "application/pdf", "csv"};
	desc("desc_wrong_extension", 1, 0, v10, 1, wrong_ext);
	static char long_title[257];
	memset(long_title, 'T', 256);
	const char *longest[N_STR] = {"abcdefghijklmnopqrstuvwxyz012345", "650000", "v", long_title, "t", "monthly",
		"application/json", "json"};
	desc("desc_longest", 1, 0, v10, 1, longest);
	const char *nulls[N_STR] = {"x", NULL, "1", "t", "t", "monthly", "application/json", "json"};
	desc("desc_null_province", 1, 0, v10, 1, nulls);

	REPORT("json", 0, "{\"team\":\"KS-01\",\"people\":[{\"name\":\"\xe5\xbc\xa0\xe4\xbc\x9f\",\"ok\":true}],\"n\":-1.5e3}\n");
	REPORT("json_scalar", 0, " \"\\u00e9\\n\" ");
	REPORT("csv_utf8", 1, "\xe9\x98\x9f\xe4\xbc\x8d,\xe4\xba\xba\xe6\x95\xb0\r\nKS-01,12\r\n");
	REPORT("csv_gb18030", 2, "\xb6\xd3\xce\xe9,\xc8\xcb\xca\xfd\r\n\x81\x30\x81\x30\r\n");
	REPORT("xlsx", 3, "PK\3\4 entries ... PK\5\6 end record 000000000000000000");
	REPORT("pdf", 4, "%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n");
	return 0;
}

#endif
