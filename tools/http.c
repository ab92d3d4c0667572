/*
 * http.c - JSON replies, errors, the request path and static files for
 * musterd.  Nothing here knows about the store.
 */
#include "config.h"

#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, struct MHD_Response *r, const char *type)
{
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	/* A browser must never guess a type: a JSON error is not a page. */
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result http_json_hdrs(struct MHD_Connection *c, unsigned status, json_t *body, const char *const *hdrs)
{
	char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!s)
		return MHD_NO; /* out of memory: MHD closes the connection */
	size_t n = strlen(s);
	s[n] = '\n'; /* the NUL becomes a newline, as the CLI ends its JSON */
	struct MHD_Response *r = MHD_create_response_from_buffer(n + 1, s, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (size_t i = 0; hdrs && hdrs[i]; i += 2)
		MHD_add_response_header(r, hdrs[i], hdrs[i + 1]);
	return reply(c, status, r, "application/json; charset=utf-8");
}

enum MHD_Result http_json_hdr(struct MHD_Connection *c, unsigned status, json_t *body, const char *name,
	const char *value)
{
	const char *h[] = {name, value, NULL};
	return http_json_hdrs(c, status, body, name ? h : NULL);
}

enum MHD_Result http_bytes(struct MHD_Connection *c, unsigned status, const void *data, size_t n, const char *type,
	const char *const *hdrs)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (size_t i = 0; hdrs && hdrs[i]; i += 2)
		MHD_add_response_header(r, hdrs[i], hdrs[i + 1]);
	return reply(c, status, r, type);
}

int http_body_add(struct http_req *q, const char *data, size_t n)
{
	if (n > HTTP_BODY_MAX - q->blen)
		return -1;
	if (q->blen + n + 1 > q->bcap) {
		size_t cap = q->bcap ? q->bcap : 1024;
		while (cap < q->blen + n + 1)
			cap *= 2;
		/* Grown by hand, not realloc: the old copy is wiped before it is freed. */
		char *b = malloc(cap);
		if (!b)
			return -1;
		if (q->blen)
			memcpy(b, q->body, q->blen);
		http_body_free(q);
		q->body = b;
		q->bcap = cap;
	}
	memcpy(q->body + q->blen, data, n);
	q->blen += n;
	q->body[q->blen] = 0;
	return 0;
}

void http_body_free(struct http_req *q)
{
	if (q->body) {
		sodium_memzero(q->body, q->bcap);
		free(q->body);
	}
	q->body = NULL;
	q->bcap = 0;
}

enum MHD_Result http_json(struct MHD_Connection *c, unsigned status, json_t *body)
{
	return http_json_hdr(c, status, body, NULL, NULL);
}

json_t *http_error_json(const char *code, const char *en, const char *zh)
{
	return json_pack("{s:{s:s,s:{s:s,s:s}}}", "error", "code", code, "message", "en", en, "zh", zh);
}

enum MHD_Result http_error(struct MHD_Connection *c, unsigned status, const char *code, const char *en,
	const char *zh)
{
	return http_json(c, status, http_error_json(code, en, zh));
}

enum MHD_Result http_redirect(struct MHD_Connection *c, const char *location)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return reply(c, MHD_HTTP_FOUND, r, "text/plain; charset=utf-8");
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int http_path(const char *raw, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	if (n == 0 || raw[0] != '/')
		return -1; /* absolute-form and '*' targets name no path here */
	for (size_t i = 0; i < n && raw[i] != '?' && raw[i] != '#'; i++) {
		unsigned char ch = (unsigned char)raw[i];
		if (ch == '%') {
			int hi = i + 2 < n ? hexval(raw[i + 1]) : -1, lo = i + 2 < n ? hexval(raw[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return -1;
			ch = (unsigned char)(hi * 16 + lo);
			i += 2;
			/* An encoded separator would hide a segment from the checks below. */
			if (ch == '/' || ch == '\\' || ch == 0)
				return -1;
		}
		if (ch < 0x20 || ch == 0x7f || ch == '\\' || o + 1 >= cap)
			return -1;
		out[o++] = (char)ch;
	}
	out[o] = 0;
	for (const char *seg = out; seg; seg = strchr(seg + 1, '/')) {
		const char *s = seg + 1, *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return -1;
	}
	return 0;
}

const char *http_mime(const char *name)
{
	static const char *const types[][2] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".json", "application/json; charset=utf-8"},
		{".txt", "text/plain; charset=utf-8"},
		{".ico", "image/x-icon"},
		{".woff2", "font/woff2"},
		{".pdf", "application/pdf"},
		{".csv", "text/csv"},
		{".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{".minisig", "text/plain; charset=utf-8"},
		{".ics", "text/calendar; charset=utf-8"},
		{".wasm", "application/wasm"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

static enum MHD_Result not_found(struct MHD_Connection *c)
{
	return http_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such file", "无此文件");
}

/* A response of the regular file at path: 0 (*r NULL when out of memory), or -1 if it is not one. */
static int file_response(const char *path, int flags, struct MHD_Response **r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | flags);
	struct stat st;
	*r = NULL;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	*r = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* closes fd */
	if (!*r)
		close(fd);
	return 0;
}

enum MHD_Result http_static(struct MHD_Connection *c, const char *www, const char *path)
{
	char want[PATH_MAX], real[PATH_MAX];
	const char *rel = path + 1;
	size_t wl = strlen(www);
	/* Hidden files (.git, .htpasswd, editors' swap files) are never served. */
	if (strstr(path, "/."))
		return not_found(c);
	int n = snprintf(want, sizeof want, "%s/%s%s", www, rel, !*rel || rel[strlen(rel) - 1] == '/' ? "index.html" : "");
	if (n < 0 || (size_t)n >= sizeof want)
		return not_found(c);
	/* After symlinks are resolved the file must still be inside www. */
	if (!realpath(want, real) || strncmp(real, www, wl) != 0 || real[wl] != '/')
		return not_found(c);
	struct MHD_Response *r;
	if (file_response(real, 0, &r) != 0)
		return not_found(c);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	/* Pages run only their own scripts and reach only this server; the camera stays on this page. */
	MHD_add_response_header(r, "Content-Security-Policy",
		"default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; "
		"object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	return reply(c, MHD_HTTP_OK, r, http_mime(real));
}

enum MHD_Result http_file(struct MHD_Connection *c, const char *path, const char *name)
{
	struct MHD_Response *r;
	if (file_response(path, O_NOFOLLOW, &r) != 0)
		return not_found(c);
	if (!r)
		return MHD_NO;
	char cd[320];
	snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", name);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, cd);
	return reply(c, MHD_HTTP_OK, r, http_mime(name));
}
