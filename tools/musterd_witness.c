/*
 * musterd_witness.c - the central office's witness over HTTP (--witness):
 * POST /add-checkpoint as C2SP tlog-witness defines it
 * (https://c2sp.org/tlog-witness).
 *
 * The body ("old N", the consistency proof, an empty line, the site's
 * signed checkpoint) goes down a pipe to `muster --json mirror witness`,
 * which checks it against the mirror of that origin, fetches and verifies
 * the entries the mirror lacks, cosigns and prints
 * {"status":N,"content_type":"...","body":"..."}; musterd answers with
 * exactly that.  The protocol has no authentication besides the site's
 * signature on the checkpoint, so there is no session here.  The witness
 * must check the old size and advance in one step: one add-checkpoint runs
 * at a time (a mutex), the others wait their turn.  Everything this
 * endpoint answers itself is text/plain, as the protocol's are.
 */
#include "config.h"

#include "musterd.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MHD_HTTP_CONTENT_TOO_LARGE /* its name before libmicrohttpd 0.9.74 */
#define MHD_HTTP_CONTENT_TOO_LARGE 413
#endif

#define WITNESS_SECONDS 300 /* fetching a site's new entries may take a while */

static pthread_mutex_t witness_mu = PTHREAD_MUTEX_INITIALIZER;

/* One line of text, with an Allow header if allow is not NULL. */
static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *msg, const char *allow)
{
	const char *hdrs[] = {MHD_HTTP_HEADER_ALLOW, allow, NULL};
	return http_bytes(c, status, msg, strlen(msg), "text/plain; charset=utf-8", allow ? hdrs : NULL);
}

/* One line a request: the origin is the command's to know, so only the size and the status. */
static void log_request(size_t n, unsigned status)
{
	fprintf(stderr, "musterd: add-checkpoint (%zu bytes) -> %u\n", n, status);
}

/* A media type to pass on as a header: 1 to 127 bytes of printable ASCII. */
static int ctype_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 127)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

enum MHD_Result api_witness(struct MHD_Connection *c, const char *method, struct http_req *q)
{
	size_t n = q->body ? q->blen : 0;
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
		log_request(n, MHD_HTTP_METHOD_NOT_ALLOWED);
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "add-checkpoint is a POST\n", "POST");
	}
	if (n > WITNESS_BODY_MAX) {
		log_request(n, MHD_HTTP_CONTENT_TOO_LARGE);
		return text(c, MHD_HTTP_CONTENT_TOO_LARGE, "the request body is over 64 KiB\n", NULL);
	}

	/* muster --store=DIR --json mirror witness < body */
	char store_opt[PATH_MAX + 16], json_opt[] = "--json", noun[] = "mirror", verb[] = "witness";
	snprintf(store_opt, sizeof store_opt, "--store=%s", srv.store_dir);
	char *argv[] = {srv.muster, store_opt, json_opt, noun, verb, NULL};
	muster_buf out = {0};
	int x = -1;
	char err[1024] = "";
	pthread_mutex_lock(&witness_mu);
	int rc = gateway_pipe(argv, q->body ? q->body : "", n, WITNESS_SECONDS, &out, &x, err, sizeof err);
	pthread_mutex_unlock(&witness_mu);

	json_t *j = NULL, *st, *ct, *body;
	json_error_t je;
	if (rc == 0 && (x == 0 || x == 1) && out.len && !out.err)
		j = json_loadb((const char *)out.data, out.len, 0, &je);
	st = json_object_get(j, "status");
	ct = json_object_get(j, "content_type");
	body = json_object_get(j, "body");
	json_int_t status = json_is_integer(st) ? json_integer_value(st) : 0;
	enum MHD_Result ret;
	if (status < 200 || status > 599 || !json_is_string(ct) || !ctype_ok(json_string_value(ct)) ||
		!json_is_string(body)) {
		if (rc != 0)
			fprintf(stderr, "musterd: add-checkpoint: cannot run %s\n", srv.muster);
		else if (x < 0)
			fprintf(stderr, "musterd: add-checkpoint: the command stopped on a signal, its deadline or its output's size\n");
		else
			fprintf(stderr, "musterd: add-checkpoint: the command gave no answer (exit %d)%s%s\n", x, *err ? ": " : "", err);
		log_request(n, MHD_HTTP_INTERNAL_SERVER_ERROR);
		ret = text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the witness failed; see the server's log\n", NULL);
	} else {
		log_request(n, (unsigned)status);
		ret = http_bytes(c, (unsigned)status, json_string_value(body), json_string_length(body), json_string_value(ct),
			NULL);
	}
	json_decref(j);
	muster_buf_free(&out);
	return ret;
}
