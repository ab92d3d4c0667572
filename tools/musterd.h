/*
 * musterd.h - what the parts of musterd share: the service's settings, the
 * signed-in person of a request (musterd_auth.c) and the command gateway
 * and its jobs (musterd_cmd.c).
 */
#ifndef MUSTERD_H
#define MUSTERD_H

#include "cli.h"
#include "http.h"

#include <limits.h>
#include <stdint.h>

struct musterd {
	muster_store *store;
	char store_dir[PATH_MAX]; /* as given: the commands musterd runs open it too */
	char www[PATH_MAX];
	char keys[PATH_MAX];   /* the sealed key files people sign in with */
	char muster[PATH_MAX]; /* the muster command it runs */
	char work[PATH_MAX];   /* a private directory for the jobs' files */
	int tls;
	int serve_log; /* --serve-log: /checkpoint and /tile/... (musterd_log.c) */
	int witness;   /* --witness: POST /add-checkpoint (musterd_witness.c) */
	unsigned idle_s, max_s; /* a session ends after this long unused, or this long at all */
};
extern struct musterd srv;

/* 1 when the request asks for Chinese (X-Muster-Lang, else Accept-Language; Chinese by default). */
int req_zh(struct MHD_Connection *c);
/* The client's address as text ("127.0.0.1", "::1"); "?" if unknown. */
void req_addr(struct MHD_Connection *c, char *out, size_t cap);

/* ---- sessions (musterd_auth.c) ------------------------------------------------------------ */

#define SESS_NAME_MAX 128

/* Who a request comes from; a copy, valid after the session ends. */
struct who {
	uint8_t sid[32]; /* the session (a hash of its cookie) */
	char key_id[17];
	char name[SESS_NAME_MAX];
	uint32_t roles;
};

int sess_init(void);
/* Ends sessions unused for idle_s or older than max_s: their keys are wiped. */
void sess_sweep(void);
/* Ends every session (at shutdown). */
void sess_end_all(void);
/* /api/v1/session: POST signs in, GET says who, DELETE signs out. */
enum MHD_Result api_session(struct MHD_Connection *c, const char *method, struct http_req *q);
/*
 * The request's session, into *w: 0.  Otherwise the refusal was queued
 * into *reply (401 no session, 403 a write without its CSRF token or from
 * another origin) and -1 is returned.
 */
int sess_check(struct MHD_Connection *c, int write, struct who *w, enum MHD_Result *reply);
/* Writes the session's 32-byte key seed to fd (a pipe to a command it runs): 0, or -1 if it has ended. */
int sess_seed_to(const struct who *w, int fd);

/* ---- the command gateway (musterd_cmd.c) ------------------------------------------------- */

int gateway_init(void);
/* At SIGTERM: running reads and jobs are killed; writes under way finish. */
void gateway_quiesce(void);
/* Waits for the jobs to end and removes the work directory. */
void gateway_stop(void);
/* Removes finished jobs older than an hour, and their files. */
void gateway_sweep(void);
/* /api/v1/cmd/<noun>[/<verb>]: rest is what follows "/api/v1/cmd/". */
enum MHD_Result api_cmd(struct MHD_Connection *c, const char *method, const char *rest, struct http_req *q,
	const struct who *w);
/* /api/v1/jobs/<id>[/files/<name>]. */
enum MHD_Result api_job(struct MHD_Connection *c, const char *rest, const struct who *w);
/*
 * Runs the muster command argv (argv[0] is srv.muster; NULL-terminated)
 * with no key, in the C locale, with the n bytes at in on its stdin (a
 * pipe), for at most `seconds`; a write, so SIGTERM lets it finish.  0 with
 * what it printed on stdout in *out (the caller frees it), its exit code in
 * *exit_code (-1: a signal, past the deadline or over 64 MiB of output)
 * and its last stderr line, less "muster: ", in err; -1 if it could not be
 * started.
 */
int gateway_pipe(char *const *argv, const void *in, size_t n, unsigned seconds, muster_buf *out, int *exit_code,
	char *err, size_t errcap);

/* ---- the log as tlog-tiles (musterd_log.c) ------------------------------------------------ */

/* GET /checkpoint, /tile/<L>/<N>[.p/<W>], /tile/entries/<N>[.p/<W>]. */
enum MHD_Result api_log(struct MHD_Connection *c, const char *path);

/* ---- the witness (musterd_witness.c) -------------------------------------------------------- */

/* The largest add-checkpoint request body (413 above). */
#define WITNESS_BODY_MAX (64 * 1024)
/* POST /add-checkpoint (C2SP tlog-witness), run by `muster mirror witness`, one at a time. */
enum MHD_Result api_witness(struct MHD_Connection *c, const char *method, struct http_req *q);

#endif
