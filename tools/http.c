/*
 * http.c - JSON replies, errors, the request path and static files for
 * musterd.  Nothing here knows about the store.
 */
#include "config.h"

#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

enum MHD_Result http_json_hdr(struct MHD_Connection *c, unsigned status, json_t *body, const char *name,
	const char *value)
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
	if (name)
		MHD_add_response_header(r, name, value);
	return reply(c, status, r, "application/json; charset=utf-8");
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
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0)
		return not_found(c);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return not_found(c);
	}
	struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* closes fd */
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	return reply(c, MHD_HTTP_OK, r, http_mime(real));
}
