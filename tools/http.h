/*
 * http.h - what musterd's handlers share: JSON replies and errors, the
 * request path as the client sent it, and static files from one directory.
 */
#ifndef MUSTER_HTTP_H
#define MUSTER_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>

#define HTTP_URL_MAX 4096          /* longer request targets: 414 */
#define HTTP_BODY_MAX (1024 * 1024) /* larger request bodies: 413 */

/* One request: its target exactly as sent (MHD hands handlers a decoded one). */
struct http_req {
	char *raw;
	size_t rawlen;
	int seen;   /* the handler has been called once */
	int write;  /* POST or DELETE: the body is kept */
	char *body; /* NUL-terminated; wiped when freed (it may hold a passphrase) */
	size_t blen, bcap;
};

/* Appends n bytes of upload data to q->body (at most HTTP_BODY_MAX); -1 if too much or no memory. */
int http_body_add(struct http_req *q, const char *data, size_t n);
/* Wipes and frees the body. */
void http_body_free(struct http_req *q);

/* Sends body (taken over) with status, as application/json; charset=utf-8. */
enum MHD_Result http_json(struct MHD_Connection *c, unsigned status, json_t *body);
/* The same with one more header (name NULL: none). */
enum MHD_Result http_json_hdr(struct MHD_Connection *c, unsigned status, json_t *body, const char *name,
	const char *value);
/* The same with any headers: hdrs holds name, value, name, value..., NULL (may be NULL). */
enum MHD_Result http_json_hdrs(struct MHD_Connection *c, unsigned status, json_t *body, const char *const *hdrs);
/* n bytes (copied) of the media type, with any headers as above, and Cache-Control: no-store. */
enum MHD_Result http_bytes(struct MHD_Connection *c, unsigned status, const void *data, size_t n, const char *type,
	const char *const *hdrs);
/* {"error":{"code":code,"message":{"en":en,"zh":zh}}}, as a value and sent. */
json_t *http_error_json(const char *code, const char *en, const char *zh);
enum MHD_Result http_error(struct MHD_Connection *c, unsigned status, const char *code, const char *en,
	const char *zh);
/* 302 to location (a path on this server). */
enum MHD_Result http_redirect(struct MHD_Connection *c, const char *location);

/*
 * Decodes the path of a raw request target (up to '?' or '#') into out.
 * -1 if it may not be used as a path: an encoded '/', '\\' or NUL, a bad
 * escape, a '\\' or control byte, or a "." or ".." segment after decoding.
 */
int http_path(const char *raw, size_t n, char *out, size_t cap);

/* Serves path (decoded by http_path) from the directory www, which realpath() made absolute. */
enum MHD_Result http_static(struct MHD_Connection *c, const char *www, const char *path);

/* The file at path (a regular file, not through a symlink) as a download named name (plain ASCII). */
enum MHD_Result http_file(struct MHD_Connection *c, const char *path, const char *name);

/* The Content-Type for a file name, by its extension. */
const char *http_mime(const char *name);

#endif
