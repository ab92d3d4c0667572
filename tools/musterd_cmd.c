/*
 * musterd_cmd.c - the command gateway: /api/v1/cmd/<noun>/<verb> runs the
 * muster command of that name with --json, for the signed-in person, and
 * answers with exactly what the command printed (docs/API.md).
 *
 * So the API is the CLI, rule for rule and field for field: the same
 * parsing, the same checks in core, the same exit codes, the same JSON.
 * Reads run with no key.  A write runs with the person's key: the 32-byte
 * seed of the session goes down a pipe the command reads once
 * (MUSTER_KEY_FD) into sodium_malloc memory; it never touches a file, an
 * argument or the environment.  Options that name files on the server
 * (--store, --key, --out, --attach...) are refused; a command that writes a
 * file writes it into its job's own directory, from which it is downloaded.
 *
 * Long commands run as jobs (async=1): a thread waits for the command and
 * reads its progress lines (MUSTER_PROGRESS_FD, "progress DONE TOTAL
 * PHASE"), and GET /api/v1/jobs/<id> says how far it got.
 */
#define _GNU_SOURCE /* posix_spawn_file_actions_addclosefrom_np */
#include "config.h"

#include "musterd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { READ, WRITE, FILEOUT };

/* The commands the gateway runs; anything else is 404.  init, key new, gen, reindex and scan are not here. */
static const struct gw {
	const char *noun, *verb; /* verb "" for a command of one word */
	int kind;
	const char *out; /* FILEOUT: the default file name */
} cmds[] = {
	/* reads */
	{"team", "list", READ, NULL},
	{"depot", "list", READ, NULL},
	{"asset", "list", READ, NULL},
	{"asset", "show", READ, NULL},
	{"asset", "history", READ, NULL},
	{"asset", "ready", READ, NULL},
	{"inspect", "rules", READ, NULL},
	{"inspect", "due", READ, NULL},
	{"count", "list", READ, NULL},
	{"count", "show", READ, NULL},
	{"person", "list", READ, NULL},
	{"person", "show", READ, NULL},
	{"cert", "list", READ, NULL},
	{"cert", "kinds", READ, NULL},
	{"exam", "list", READ, NULL},
	{"health", "rules", READ, NULL},
	{"deploy", "list", READ, NULL},
	{"deploy", "show", READ, NULL},
	{"ready", "", READ, NULL},
	{"due", "", READ, NULL}, /* with ics=NAME: also a calendar file */
	{"fund", "sources", READ, NULL},
	{"fund", "list", READ, NULL},
	{"budget", "list", READ, NULL},
	{"spend", "list", READ, NULL},
	{"audit", "", READ, NULL},
	{"audit", "evidence", READ, NULL},
	{"audit", "summary", READ, NULL},
	{"audit", "pubkey", READ, NULL},
	{"key", "list", READ, NULL},
	{"journal", "list", READ, NULL},
	{"log", "vkey", READ, NULL},
	{"log", "checkpoint", READ, NULL},
	{"log", "proof", READ, NULL},
	{"log", "consistency", READ, NULL},
	{"log", "show", READ, NULL},
	{"log", "verify", READ, NULL},
	{"tag", "vkey", READ, NULL},
	{"report", "list", READ, NULL},
	/* files */
	{"label", "", FILEOUT, "labels.pdf"},
	{"audit", "report", FILEOUT, "audit.pdf"},
	{"report", "run", FILEOUT, "report"},
	{"spend", "attachment", FILEOUT, "attachment"},
	/* writes, signed by the person signed in */
	{"site", "url", WRITE, NULL},
	{"site", "policy", WRITE, NULL},
	{"team", "add", WRITE, NULL},
	{"depot", "add", WRITE, NULL},
	{"asset", "add", WRITE, NULL},
	{"asset", "update", WRITE, NULL},
	{"asset", "relabel", WRITE, NULL},
	{"asset", "checkout", WRITE, NULL},
	{"asset", "return", WRITE, NULL},
	{"asset", "repair-out", WRITE, NULL},
	{"asset", "repair-back", WRITE, NULL},
	{"asset", "handover", WRITE, NULL},
	{"asset", "accept", WRITE, NULL},
	{"asset", "cancel", WRITE, NULL},
	{"asset", "requisition", WRITE, NULL},
	{"asset", "release", WRITE, NULL},
	{"asset", "scrap", WRITE, NULL},
	{"inspect", "rule", WRITE, NULL},
	{"inspect", "record", WRITE, NULL},
	{"count", "start", WRITE, NULL},
	{"count", "scan", WRITE, NULL},
	{"count", "close", WRITE, NULL},
	{"person", "add", WRITE, NULL},
	{"person", "update", WRITE, NULL},
	{"cert", "kind", WRITE, NULL},
	{"cert", "add", WRITE, NULL},
	{"cert", "renew", WRITE, NULL},
	{"cert", "review", WRITE, NULL},
	{"cert", "revoke", WRITE, NULL},
	{"exam", "record", WRITE, NULL},
	{"health", "rule", WRITE, NULL},
	{"deploy", "open", WRITE, NULL},
	{"deploy", "person", WRITE, NULL},
	{"deploy", "asset", WRITE, NULL},
	{"deploy", "time", WRITE, NULL},
	{"deploy", "return", WRITE, NULL},
	{"deploy", "report", WRITE, NULL},
	{"fund", "add", WRITE, NULL},
	{"fund", "source", WRITE, NULL},
	{"budget", "set", WRITE, NULL},
	{"spend", "record", WRITE, NULL},
	{"spend", "approve", WRITE, NULL},
	{"spend", "reject", WRITE, NULL},
	{"audit", "dispose", WRITE, NULL},
	{"journal", "add", WRITE, NULL},
	{"key", "enrol", WRITE, NULL}, /* the public key's text in "pub" */
	{"key", "roles", WRITE, NULL},
	{"key", "revoke", WRITE, NULL},
};

/* Options that name files or keys on the server, or that the gateway sets itself. */
static const char *const denied[] = {"store", "key", "passphrase-file", "admin-key", "out", "attach", "ics",
	"against", "plugin-dir", "kdf", "json", "csv", "help", "version", "args", "async", NULL};

#define ARGV_MAX 80
#define VALUE_MAX 4096
#define OUT_MAX (64u << 20)   /* what a command may print */
#define SYNC_SECONDS 300      /* a command answered in the request */
#define JOB_SECONDS 3600      /* a job */
#define JOBS_MAX 64
#define JOBS_RUNNING 4
#define JOB_KEEP 3600         /* a finished job's files stay this long */

/* ---- argument vectors ------------------------------------------------------------------ */

struct argv {
	char *v[ARGV_MAX + 1];
	int n;
	int nopts;     /* options given, before "--" */
	const char *bad; /* why the request cannot be a command line, in English */
	const char *bad_zh;
	char out[128]; /* a file name asked for with out= (or ics=) */
	char up[PATH_MAX]; /* a private directory of the files the body carried, or "" */
	int nup;
	int ics;       /* out came from ics= */
	int async;
};

static void av_push(struct argv *a, const char *s)
{
	if (a->bad)
		return;
	if (a->n == ARGV_MAX) {
		a->bad = "too many options and operands", a->bad_zh = "选项和操作数过多";
		return;
	}
	if (!(a->v[a->n] = strdup(s))) {
		a->bad = "out of memory", a->bad_zh = "内存不足";
		return;
	}
	a->n++;
}

static void rm_dir(const char *dir);

/* Frees the strings, and removes the files the body carried. */
static void av_free(struct argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
	if (a->up[0])
		rm_dir(a->up);
	a->up[0] = 0;
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 31 || s[0] < 'a' || s[0] > 'z')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* A bare file name the job may write: letters, digits, '.', '-', '_', not starting with '.'. */
static int file_name_ok(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n < 100 && s[0] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

static int denied_name(const char *s)
{
	for (int i = 0; denied[i]; i++) {
		const char *a = denied[i], *b = s;
		while (*a && (*a == *b || (*a == '-' && *b == '_')))
			a++, b++;
		if (!*a && !*b)
			return 1;
	}
	return 0;
}

/* One option: "--name=value", or "--name=" for a flag.  Operands and special members go elsewhere. */
static void av_option(struct argv *a, const char *name, const char *val, size_t vlen)
{
	if (a->bad)
		return;
	if (strcmp(name, "out") == 0 || strcmp(name, "ics") == 0) {
		if (!file_name_ok(val)) {
			a->bad = "out must be a bare file name: letters, digits, '.', '-', '_'";
			a->bad_zh = "out 须为单纯的文件名：字母、数字、'.'、'-'、'_'";
			return;
		}
		snprintf(a->out, sizeof a->out, "%s", val);
		a->ics = name[0] == 'i';
		return;
	}
	if (!name_ok(name) || denied_name(name)) {
		a->bad = "an option is not one the web may give (it names a file on the server, or is not an option)";
		a->bad_zh = "有选项不允许经网页给出（它指向服务器上的文件，或不是选项）";
		return;
	}
	if (vlen > VALUE_MAX || memchr(val, 0, vlen)) {
		a->bad = "an option's value is over 4 KiB or holds a NUL", a->bad_zh = "选项值超过 4 KiB 或含 NUL";
		return;
	}
	size_t n = strlen(name) + vlen + 4;
	char *s = malloc(n);
	if (!s) {
		a->bad = "out of memory", a->bad_zh = "内存不足";
		return;
	}
	snprintf(s, n, "--%s=%.*s", name, (int)vlen, val);
	av_push(a, s);
	free(s);
	a->nopts++;
}

static void av_operand(struct argv *a, const char *val, size_t vlen)
{
	if (vlen > VALUE_MAX || memchr(val, 0, vlen) || vlen == 0) {
		a->bad = "an operand is empty, over 4 KiB or holds a NUL", a->bad_zh = "操作数为空、超过 4 KiB 或含 NUL";
		return;
	}
	av_push(a, val);
}

struct query {
	struct argv *a;
	const char *args[ARGV_MAX];
	int nargs;
};

static enum MHD_Result query_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query *q = cls;
	(void)kind;
	const char *v = value ? value : "";
	if (strcmp(key, "args") == 0) {
		if (q->nargs < ARGV_MAX)
			q->args[q->nargs++] = v;
	} else if (strcmp(key, "async") == 0) {
		q->a->async = strcmp(v, "0") != 0 && strcmp(v, "false") != 0;
	} else if (strcmp(key, "lang") == 0) {
		/* the page's language, read by req_zh */
	} else if (strcmp(v, "false") != 0) {
		av_option(q->a, key, strcmp(v, "true") == 0 ? "" : v, strcmp(v, "true") == 0 ? 0 : strlen(v));
	}
	return MHD_YES;
}

/* A JSON scalar as option text into buf; NULL for false/null (left out). */
static const char *scalar(json_t *v, char *buf, size_t cap, size_t *len)
{
	if (json_is_string(v)) {
		*len = json_string_length(v);
		return json_string_value(v);
	}
	if (json_is_true(v)) {
		*len = 0;
		return "";
	}
	if (json_is_integer(v)) {
		*len = (size_t)snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return NULL;
}

/*
 * A file the body carries (base64, or the text itself for a public key)
 * into the request's own upload directory; its path into path.
 */
static int upload(struct argv *a, const char *name, const char *data, size_t n, int b64, char *path, size_t cap)
{
	if (!a->up[0]) {
		if ((size_t)snprintf(a->up, sizeof a->up, "%s/up.XXXXXX", srv.work) >= sizeof a->up || !mkdtemp(a->up)) {
			a->up[0] = 0;
			return -1;
		}
	}
	unsigned char *bin = malloc(n + 1);
	size_t len = n;
	const char *end;
	if (!bin)
		return -1;
	if (b64 ? sodium_base642bin(bin, n + 1, data, n, " \r\n", &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 || *end :
		  (memcpy(bin, data, n), 0)) {
		free(bin);
		a->bad = "an attached file is not base64", a->bad_zh = "附件不是 base64 编码";
		return -1;
	}
	snprintf(path, cap, "%s/%d-%s", a->up, a->nup++, name);
	FILE *f = fopen(path, "wbx");
	int ok = f && fwrite(bin, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = 0;
	free(bin);
	return ok ? 0 : -1;
}

static void body_args(struct argv *a, json_t *body, struct argv *ops)
{
	const char *key;
	json_t *v;
	if (!json_is_object(body)) {
		a->bad = "the body must be a JSON object: {\"args\":[operands], \"option\":value, ...}";
		a->bad_zh = "请求体须为 JSON 对象：{\"args\":[操作数], \"选项\":值, ...}";
		return;
	}
	json_object_foreach(body, key, v) {
		char buf[32];
		size_t len;
		const char *s;
		if (strcmp(key, "args") == 0) {
			size_t i;
			json_t *x;
			if (!json_is_array(v))
				v = NULL;
			json_array_foreach(v, i, x) {
				if (!json_is_string(x) && !json_is_integer(x)) {
					a->bad = "args must be an array of strings", a->bad_zh = "args 须为字符串数组";
					return;
				}
				s = scalar(x, buf, sizeof buf, &len);
				av_operand(ops, s, len);
			}
			if (!v) {
				a->bad = "args must be an array of strings", a->bad_zh = "args 须为字符串数组";
				return;
			}
			continue;
		}
		if (strcmp(key, "attach") == 0 || strcmp(key, "pub") == 0) {
			/* Files: attach, base64 strings (spend record); pub, a public key file's text (key enrol). */
			int pub = key[0] == 'p';
			size_t i;
			json_t *x, *one = json_array();
			if (!json_is_array(v))
				json_array_append(one, v);
			json_array_foreach(json_is_array(v) ? v : one, i, x) {
				char path[PATH_MAX + 32], opt[PATH_MAX + 48];
				if (!json_is_string(x) || upload(a, pub ? "key.pub" : "attach", json_string_value(x),
							      json_string_length(x), !pub, path, sizeof path) != 0) {
					if (!a->bad)
						a->bad = "attach and pub take strings: base64 file contents, a public key file's text",
						a->bad_zh = "attach 与 pub 须为字符串：base64 编码的文件内容、公钥文件的文本";
					break;
				}
				if (pub) {
					av_operand(ops, path, strlen(path));
				} else {
					snprintf(opt, sizeof opt, "--attach=%s", path);
					av_push(a, opt);
				}
			}
			json_decref(one);
			continue;
		}
		if (json_is_array(v)) {
			size_t i;
			json_t *x;
			json_array_foreach(v, i, x) {
				if ((s = scalar(x, buf, sizeof buf, &len)))
					av_option(a, key, s, len);
			}
		} else if (json_is_object(v) || json_is_real(v)) {
			a->bad = "an option's value must be a string, a whole number, true, or an array of them";
			a->bad_zh = "选项值须为字符串、整数、true 或它们的数组";
		} else if ((s = scalar(v, buf, sizeof buf, &len))) {
			av_option(a, key, s, len);
		}
	}
}

/* ---- running a command ----------------------------------------------------------------- */

struct run {
	pid_t pid;
	int out, err, prog; /* read ends */
	muster_buf stdout_;
	char err_text[4096];
	size_t errn;
	char pline[128];
	size_t pn;
	uint64_t done, total;
	char phase[24];
	int status;     /* from waitpid */
	int timed_out, too_big;
	int in;            /* the write end of the command's stdin, or -1 (/dev/null) */
	const char *in_data; /* what goes down it, written by collect() */
	size_t in_len, in_off;
};

/* The child's environment: the server's own, less the store, keys, passphrases and locale, plus these. */
static char **child_env(int zh, int key_fd, int prog_fd)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **e = calloc(n + 6, sizeof *e);
	size_t k = 0;
	if (!e)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "MUSTER_", 7) != 0 && strncmp(environ[i], "LANG=", 5) != 0 &&
			strncmp(environ[i], "LC_", 3) != 0 && strncmp(environ[i], "LANGUAGE=", 9) != 0)
			e[k++] = environ[i];
		else if (strncmp(environ[i], "MUSTER_PLUGIN_DIR=", 18) == 0)
			e[k++] = environ[i];
	static char zh_lang[] = "LC_ALL=zh_CN.UTF-8", en_lang[] = "LC_ALL=C.UTF-8";
	static char kfd[] = "MUSTER_KEY_FD=4", pfd[] = "MUSTER_PROGRESS_FD=3", nostore[] = "MUSTER_STORE=/nonexistent";
	e[k++] = zh ? zh_lang : en_lang;
	e[k++] = nostore; /* --store is always given; never a default */
	if (prog_fd >= 0)
		e[k++] = pfd;
	if (key_fd >= 0)
		e[k++] = kfd;
	e[k] = NULL;
	return e;
}

/*
 * Starts argv with stdin from /dev/null (or, with pipe_in, from a pipe whose
 * write end becomes r->in, non-blocking, for collect() to fill with
 * r->in_data), stdout and stderr to pipes, fd 3 the progress pipe and, for a
 * write, fd 4 a pipe holding the key seed.
 */
static int spawn(char *const *argv, int zh, const struct who *signer, int pipe_in, struct run *r)
{
	int po[2], pe[2], pp[2], pk[2] = {-1, -1}, pi[2] = {-1, -1};
	memset(r, 0, sizeof *r);
	r->out = r->err = r->prog = r->in = -1;
	if (pipe2(po, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(pe, O_CLOEXEC) != 0) {
		close(po[0]), close(po[1]);
		return -1;
	}
	if (pipe2(pp, O_CLOEXEC) != 0) {
		close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
		return -1;
	}
	int rc = -1;
	if (signer && (pipe2(pk, O_CLOEXEC) != 0 || sess_seed_to(signer, pk[1]) != 0))
		goto out;
	if (pipe_in && (pipe2(pi, O_CLOEXEC) != 0 || fcntl(pi[1], F_SETFL, O_NONBLOCK) != 0))
		goto out;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (pipe_in)
		posix_spawn_file_actions_adddup2(&fa, pi[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_adddup2(&fa, pp[1], 3);
	if (signer)
		posix_spawn_file_actions_adddup2(&fa, pk[0], 4);
	posix_spawn_file_actions_addclosefrom_np(&fa, signer ? 5 : 4);
	/* The server blocks SIGTERM and SIGINT for sigwait and ignores SIGPIPE; the command starts plain. */
	posix_spawnattr_t at;
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE), sigaddset(&dfl, SIGTERM), sigaddset(&dfl, SIGINT);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	char **env = child_env(zh, signer ? 4 : -1, 3);
	rc = env ? posix_spawn(&r->pid, srv.muster, &fa, &at, argv, env) : ENOMEM;
	free(env);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		fprintf(stderr, "musterd: cannot run %s: %s\n", srv.muster, strerror(rc));
		rc = -1;
	}
out:
	close(po[1]), close(pe[1]), close(pp[1]);
	if (pk[0] >= 0)
		close(pk[0]), close(pk[1]);
	if (pi[0] >= 0)
		close(pi[0]);
	if (rc) {
		close(po[0]), close(pe[0]), close(pp[0]);
		if (pi[1] >= 0)
			close(pi[1]);
		return -1;
	}
	r->out = po[0], r->err = pe[0], r->prog = pp[0], r->in = pi[1];
	return 0;
}

/* "progress DONE TOTAL PHASE" lines; the last one counts. */
static void progress_bytes(struct run *r, const char *p, size_t n, pthread_mutex_t *mu)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			if (r->pn < sizeof r->pline - 1)
				r->pline[r->pn++] = p[i];
			continue;
		}
		r->pline[r->pn] = 0;
		r->pn = 0;
		uint64_t d, t;
		char ph[24];
		if (sscanf(r->pline, "progress %" SCNu64 " %" SCNu64 " %23s", &d, &t, ph) == 3) {
			if (mu)
				pthread_mutex_lock(mu);
			r->done = d, r->total = t;
			snprintf(r->phase, sizeof r->phase, "%s", ph);
			if (mu)
				pthread_mutex_unlock(mu);
		}
	}
}

/* Reads the command's output until it exits or the deadline; kills it past the deadline or OUT_MAX. */
static void collect(struct run *r, unsigned seconds, pthread_mutex_t *mu, volatile int *cancel)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int open_[3] = {1, 1, 1};
	int fds[3] = {r->out, r->err, r->prog};
	while (open_[0] || open_[1] || open_[2]) {
		struct pollfd p[4];
		int np = 0, map[4];
		for (int i = 0; i < 3; i++)
			if (open_[i])
				p[np].fd = fds[i], p[np].events = POLLIN, map[np++] = i;
		if (r->in >= 0) /* stdin, while there is more to write */
			p[np].fd = r->in, p[np].events = POLLOUT, map[np++] = 3;
		int k = poll(p, (nfds_t)np, 500);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec >= (time_t)seconds || (cancel && *cancel)) && !r->timed_out) {
			r->timed_out = 1;
			kill(r->pid, SIGKILL);
		}
		if (k <= 0)
			continue;
		for (int j = 0; j < np; j++) {
			if (!p[j].revents)
				continue;
			if (map[j] == 3) {
				/* A command that exits or stops reading closes its end: POLLERR, or EPIPE (SIGPIPE is ignored here). */
				int done = r->in_off >= r->in_len || (p[j].revents & (POLLERR | POLLHUP | POLLNVAL));
				if (!done) {
					ssize_t put = write(r->in, r->in_data + r->in_off, r->in_len - r->in_off);
					if (put > 0)
						r->in_off += (size_t)put;
					else if (put < 0 && errno != EAGAIN && errno != EINTR)
						done = 1;
					done = done || r->in_off >= r->in_len;
				}
				if (done) {
					close(r->in); /* the command reads EOF */
					r->in = -1;
				}
				continue;
			}
			char buf[65536];
			ssize_t got = read(p[j].fd, buf, sizeof buf);
			int i = map[j];
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				open_[i] = 0;
				continue;
			}
			if (i == 0) {
				if (r->stdout_.len + (size_t)got > OUT_MAX) {
					r->too_big = 1;
					kill(r->pid, SIGKILL);
				} else {
					muster_buf_put(&r->stdout_, buf, (size_t)got);
				}
			} else if (i == 1) {
				size_t room = sizeof r->err_text - 1 - r->errn;
				size_t m = (size_t)got < room ? (size_t)got : room;
				memcpy(r->err_text + r->errn, buf, m);
				r->errn += m;
				r->err_text[r->errn] = 0;
			} else {
				progress_bytes(r, buf, (size_t)got, mu);
			}
		}
	}
	if (r->in >= 0)
		close(r->in);
	r->in = -1;
	while (waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR)
		;
	close(r->out), close(r->err), close(r->prog);
}

/* The command's last line on stderr, less "muster: ". */
static void last_line(const struct run *r, char *out, size_t cap)
{
	const char *s = r->err_text, *e = s + r->errn;
	while (e > s && (e[-1] == '\n' || e[-1] == '\r'))
		e--;
	const char *b = e;
	while (b > s && b[-1] != '\n')
		b--;
	if (e - b > 8 && strncmp(b, "muster: ", 8) == 0)
		b += 8;
	snprintf(out, cap, "%.*s", (int)(e - b), b);
}

/* The exit code, or -1 for a kill. */
static int exit_code(const struct run *r)
{
	return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
}

int gateway_pipe(char *const *argv, const void *in, size_t n, unsigned seconds, muster_buf *out, int *exit_code_,
	char *err, size_t errcap)
{
	struct run r;
	if (spawn(argv, 0, NULL, 1, &r) != 0)
		return -1;
	r.in_data = in;
	r.in_len = n;
	collect(&r, seconds, NULL, NULL);
	*out = r.stdout_;
	*exit_code_ = r.timed_out || r.too_big ? -1 : exit_code(&r);
	if (errcap)
		last_line(&r, err, errcap);
	return 0;
}

/* The command's outcome as an error object, or NULL if it succeeded (exit 0, or 1 with JSON). */
static json_t *outcome_error(const struct run *r, unsigned *status)
{
	int x = exit_code(r);
	char detail[1024];
	last_line(r, detail, sizeof detail);
	json_t *e = NULL;
	if (r->timed_out || r->too_big || x < 0) {
		*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		e = r->too_big ? http_error_json("too_large", "the command printed more than 64 MiB", "命令输出超过 64 MiB") :
		    r->timed_out ? http_error_json("timeout", "the command ran too long and was stopped", "命令运行过久，已终止") :
				   http_error_json("crashed", "the command stopped on a signal", "命令因信号终止");
	} else if ((x == 0 || x == 1) && r->stdout_.len) {
		json_error_t je;
		json_t *j = json_loadb((const char *)r->stdout_.data, r->stdout_.len, JSON_DECODE_ANY, &je);
		if (j) {
			json_decref(j);
			return NULL;
		}
		*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		e = http_error_json("bad_output", "the command's output is not JSON", "命令输出不是 JSON");
	} else if (x == 0) {
		return NULL; /* nothing printed: a file command that wrote its file */
	} else {
		static const struct {
			unsigned status;
			const char *code, *en, *zh;
		} by_exit[] = {
			{422, "failed", "the command found a problem", "命令发现问题"},
			{422, "failed", "the command found a problem", "命令发现问题"},
			{MHD_HTTP_BAD_REQUEST, "bad_request", "the command refused its input", "命令拒绝了输入"},
			{MHD_HTTP_NOT_FOUND, "not_found", "no such record", "无此记录"},
			{MHD_HTTP_FORBIDDEN, "forbidden", "your key may not do this (role, or revoked)", "你的密钥无权执行此操作（角色或已吊销）"},
			{MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "the store could not be read or written", "无法读写存储库"},
		};
		int k = x >= 1 && x <= 5 ? x : 5;
		*status = by_exit[k].status;
		e = http_error_json(by_exit[k].code, by_exit[k].en, by_exit[k].zh);
	}
	json_t *in = json_object_get(e, "error");
	json_object_set_new(in, "exit", x < 0 ? json_null() : json_integer(x));
	if (*detail)
		json_object_set_new(in, "detail", json_string(detail));
	return e;
}

/* ---- jobs ------------------------------------------------------------------------------ */

struct job {
	int used;
	char id[33];
	uint8_t owner[32]; /* the session that started it */
	char dir[PATH_MAX];
	char **argv;       /* owned while running */
	int argc, zh, running, cancel;
	struct run r;
	struct timespec start;
	time_t finished; /* CLOCK_MONOTONIC seconds; 0 while running */
	uint64_t elapsed_ms;
};

static struct job jobs[JOBS_MAX];
static volatile int stopping; /* reads and jobs are killed; writes finish */
static pthread_mutex_t jobs_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_cv = PTHREAD_COND_INITIALIZER;
static int running;

/* CLOCK_MONOTONIC seconds. */
static time_t mono_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

static uint64_t ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)(t.tv_sec - t0->tv_sec) * 1000 + (uint64_t)((t.tv_nsec - t0->tv_nsec) / 1000000);
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];
	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
			(size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < sizeof p)
			unlink(p);
	closedir(d);
	rmdir(dir);
}

int gateway_init(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(srv.work, sizeof srv.work, "%s/musterd.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(srv.work) ? 0 : -1;
}

void gateway_sweep(void)
{
	time_t now = mono_s();
	pthread_mutex_lock(&jobs_mu);
	for (int i = 0; i < JOBS_MAX; i++)
		if (jobs[i].used && !jobs[i].running && now - jobs[i].finished >= JOB_KEEP) {
			rm_dir(jobs[i].dir);
			muster_buf_free(&jobs[i].r.stdout_);
			memset(&jobs[i], 0, sizeof jobs[i]);
		}
	pthread_mutex_unlock(&jobs_mu);
}

void gateway_quiesce(void)
{
	stopping = 1;
	pthread_mutex_lock(&jobs_mu);
	for (int i = 0; i < JOBS_MAX; i++)
		if (jobs[i].used && jobs[i].running)
			jobs[i].cancel = 1;
	pthread_mutex_unlock(&jobs_mu);
}

void gateway_stop(void)
{
	pthread_mutex_lock(&jobs_mu);
	for (int i = 0; i < JOBS_MAX; i++)
		if (jobs[i].used && jobs[i].running)
			jobs[i].cancel = 1;
	while (running)
		pthread_cond_wait(&jobs_cv, &jobs_mu);
	for (int i = 0; i < JOBS_MAX; i++)
		if (jobs[i].used) {
			rm_dir(jobs[i].dir);
			muster_buf_free(&jobs[i].r.stdout_);
			memset(&jobs[i], 0, sizeof jobs[i]);
		}
	pthread_mutex_unlock(&jobs_mu);
	rmdir(srv.work);
}

static void *job_thread(void *arg)
{
	struct job *j = arg;
	collect(&j->r, JOB_SECONDS, &jobs_mu, &j->cancel);
	pthread_mutex_lock(&jobs_mu);
	for (int i = 0; j->argv[i]; i++)
		free(j->argv[i]);
	free(j->argv);
	j->argv = NULL;
	j->elapsed_ms = ms_since(&j->start);
	j->finished = mono_s();
	j->running = 0;
	running--;
	pthread_cond_broadcast(&jobs_cv);
	pthread_mutex_unlock(&jobs_mu);
	return NULL;
}

/* {"job","url","state","elapsed_ms","progress","exit","result","error","files"}; jobs_mu held. */
static json_t *job_json(const struct job *j)
{
	json_t *o = json_pack("{s:s,s:s}", "job", j->id, "state", j->running ? "running" : "done");
	char url[96];
	snprintf(url, sizeof url, "/api/v1/jobs/%s", j->id);
	json_object_set_new(o, "url", json_string(url));
	json_object_set_new(o, "elapsed_ms", json_integer((json_int_t)(j->running ? ms_since(&j->start) : j->elapsed_ms)));
	json_object_set_new(o, "progress", j->r.total ? json_pack("{s:I,s:I,s:s}", "done", (json_int_t)j->r.done, "total",
							  (json_int_t)j->r.total, "phase", j->r.phase) :
							json_null());
	json_t *files = json_array();
	if (j->running) {
		json_object_set_new(o, "exit", json_null());
		json_object_set_new(o, "result", json_null());
		json_object_set_new(o, "error", json_null());
		json_object_set_new(o, "files", files);
		return o;
	}
	unsigned st;
	json_t *err = outcome_error(&j->r, &st);
	json_error_t je;
	json_t *res = j->r.stdout_.len ? json_loadb((const char *)j->r.stdout_.data, j->r.stdout_.len, JSON_DECODE_ANY, &je) : NULL;
	int x = exit_code(&j->r);
	/* The command names the files it wrote by their paths here; the client gets their URLs. */
	const char *key;
	json_t *v;
	size_t dl = strlen(j->dir);
	json_object_foreach(res, key, v) {
		const char *p = json_string_value(v);
		if (p && strncmp(p, j->dir, dl) == 0 && p[dl] == '/') {
			snprintf(url, sizeof url, "/api/v1/jobs/%s/files/", j->id);
			json_object_set_new(res, key, json_pack("s+", url, p + dl + 1));
		}
	}
	json_object_set_new(o, "state", json_string(err ? "failed" : "done"));
	json_object_set_new(o, "exit", x < 0 ? json_null() : json_integer(x));
	json_object_set_new(o, "result", res ? res : json_null());
	json_object_set_new(o, "error", err ? json_incref(json_object_get(err, "error")) : json_null());
	json_decref(err);
	DIR *d = err ? NULL : opendir(j->dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		struct stat sb;
		char p[PATH_MAX];
		if (e->d_name[0] == '.' || (size_t)snprintf(p, sizeof p, "%s/%s", j->dir, e->d_name) >= sizeof p ||
			lstat(p, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		snprintf(url, sizeof url, "/api/v1/jobs/%s/files/", j->id);
		json_t *f = json_pack("{s:s,s:s+,s:I}", "name", e->d_name, "url", url, e->d_name, "bytes", (json_int_t)sb.st_size);
		json_array_append_new(files, f);
	}
	if (d)
		closedir(d);
	json_object_set_new(o, "files", files);
	return o;
}

/* A job slot with its own directory, owned by w; jobs_mu held.  NULL if all are busy. */
static struct job *job_new(const struct who *w)
{
	struct job *j = NULL;
	for (int i = 0; i < JOBS_MAX && !j; i++)
		if (!jobs[i].used)
			j = &jobs[i];
	if (!j)
		return NULL;
	uint8_t raw[16];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(j->id, sizeof j->id, raw, sizeof raw);
	if ((size_t)snprintf(j->dir, sizeof j->dir, "%s/%s", srv.work, j->id) >= sizeof j->dir || mkdir(j->dir, 0700) != 0)
		return NULL;
	j->used = 1;
	memcpy(j->owner, w->sid, sizeof j->owner);
	clock_gettime(CLOCK_MONOTONIC, &j->start);
	return j;
}

/* ---- the endpoint ---------------------------------------------------------------------- */

static const struct gw *lookup(const char *rest, char *noun, char *verb)
{
	const char *slash = strchr(rest, '/');
	size_t nn = slash ? (size_t)(slash - rest) : strlen(rest);
	const char *v = slash ? slash + 1 : "";
	if (nn == 0 || nn >= 32 || strlen(v) >= 32 || strchr(v, '/'))
		return NULL;
	memcpy(noun, rest, nn);
	noun[nn] = 0;
	snprintf(verb, 32, "%s", v);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmds[i].noun, noun) == 0 && strcmp(cmds[i].verb, verb) == 0)
			return &cmds[i];
	return NULL;
}

static enum MHD_Result bad(struct MHD_Connection *c, const struct argv *a)
{
	return http_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", a->bad, a->bad_zh);
}

enum MHD_Result api_cmd(struct MHD_Connection *c, const char *method, const char *rest, struct http_req *q,
	const struct who *w)
{
	char noun[32], verb[32];
	const struct gw *g = lookup(rest, noun, verb);
	if (!g)
		return http_error(c, MHD_HTTP_NOT_FOUND, "not_found",
			"no such command for the web; see docs/API.md for the list", "网页不能执行此命令；命令列表见 docs/API.md");
	int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	if (post != (g->kind == WRITE)) {
		const char *allow = g->kind == WRITE ? "POST" : "GET, HEAD";
		return http_json_hdr(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			http_error_json("method_not_allowed", g->kind == WRITE ? "a write is a POST" : "a read is a GET",
				g->kind == WRITE ? "写操作须用 POST" : "读操作须用 GET"),
			MHD_HTTP_HEADER_ALLOW, allow);
	}

	/* muster --store=DIR --json [options] -- noun [verb] [operands] */
	struct argv a = {0}, ops = {0};
	char store_opt[PATH_MAX + 16];
	snprintf(store_opt, sizeof store_opt, "--store=%s", srv.store_dir);
	av_push(&a, srv.muster);
	av_push(&a, store_opt);
	av_push(&a, "--json");
	if (post) {
		json_error_t je;
		json_t *body = q->body ? json_loadb(q->body, q->blen, JSON_REJECT_DUPLICATES, &je) : json_object();
		if (!body) {
			a.bad = "the body is not JSON", a.bad_zh = "请求体不是 JSON";
		} else {
			body_args(&a, body, &ops);
		}
		json_decref(body);
	} else {
		struct query qq = {&a, {0}, 0};
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_one, &qq);
		for (int i = 0; i < qq.nargs; i++)
			av_operand(&ops, qq.args[i], strlen(qq.args[i]));
	}
	if (ops.bad && !a.bad)
		a.bad = ops.bad, a.bad_zh = ops.bad_zh;
	int file = g->kind == FILEOUT || (a.out[0] && a.ics && strcmp(noun, "due") == 0);
	if (!a.bad && a.out[0] && !file)
		a.bad = "this command writes no file: leave out 'out'", a.bad_zh = "此命令不写文件：请去掉 out";
	if (a.bad) {
		enum MHD_Result ret = bad(c, &a);
		av_free(&a), av_free(&ops);
		return ret;
	}
	struct job *j = NULL;
	if (file || a.async) {
		pthread_mutex_lock(&jobs_mu);
		if (running >= JOBS_RUNNING || !(j = job_new(w))) {
			pthread_mutex_unlock(&jobs_mu);
			av_free(&a), av_free(&ops);
			return http_json_hdr(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				http_error_json("busy", "too many jobs are running; try again shortly", "运行中的任务过多；请稍后再试"),
				"Retry-After", "5");
		}
		pthread_mutex_unlock(&jobs_mu);
		if (file) {
			char p[PATH_MAX + 160];
			snprintf(p, sizeof p, "--%s=%s/%s", a.ics ? "ics" : "out", j->dir, a.out[0] ? a.out : g->out);
			av_push(&a, p);
		}
	}
	av_push(&a, "--");
	av_push(&a, noun);
	if (*verb)
		av_push(&a, verb);
	for (int i = 0; i < ops.n; i++)
		av_push(&a, ops.v[i]);
	av_free(&ops);
	a.v[a.n] = NULL;
	int zh = req_zh(c);
	struct run r;
	if (a.bad || spawn(a.v, zh, g->kind == WRITE ? w : NULL, 0, &r) != 0) {
		if (j) {
			pthread_mutex_lock(&jobs_mu);
			rm_dir(j->dir);
			memset(j, 0, sizeof *j);
			pthread_mutex_unlock(&jobs_mu);
		}
		enum MHD_Result ret = a.bad ? bad(c, &a) :
			http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "cannot run the muster command", "无法运行 muster 命令");
		av_free(&a);
		return ret;
	}
	if (j) {
		pthread_t t;
		pthread_mutex_lock(&jobs_mu);
		j->r = r;
		j->argv = malloc(sizeof(char *) * (size_t)(a.n + 1));
		for (int i = 0; j->argv && i <= a.n; i++)
			j->argv[i] = a.v[i];
		if (j->argv)
			a.n = 0; /* the job owns the strings now */
		j->running = 1;
		running++;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (!j->argv || pthread_create(&t, &at, job_thread, j) != 0) {
			/* Cannot wait in a thread: wait here. */
			pthread_mutex_unlock(&jobs_mu);
			collect(&j->r, SYNC_SECONDS, NULL, NULL);
			pthread_mutex_lock(&jobs_mu);
			for (int i = 0; j->argv && j->argv[i]; i++)
				free(j->argv[i]);
			free(j->argv);
			j->argv = NULL;
			j->running = 0;
			running--;
			j->finished = mono_s();
		}
		pthread_attr_destroy(&at);
		pthread_mutex_unlock(&jobs_mu);
		av_free(&a);
		if (a.async)
			goto accepted;
		/* A file command asked for in the request: wait for it, then answer as the job. */
		pthread_mutex_lock(&jobs_mu);
		while (j->running)
			pthread_cond_wait(&jobs_cv, &jobs_mu);
		json_t *o = job_json(j);
		pthread_mutex_unlock(&jobs_mu);
		json_t *e = json_object_get(o, "error");
		unsigned st = MHD_HTTP_OK;
		if (json_is_object(e)) {
			json_t *err = outcome_error(&j->r, &st);
			json_decref(o);
			return http_json(c, st, err);
		}
		return http_json(c, MHD_HTTP_OK, o);
accepted:;
		char loc[96];
		snprintf(loc, sizeof loc, "/api/v1/jobs/%s", j->id);
		json_t *acc = json_pack("{s:s,s:s}", "job", j->id, "url", loc);
		return http_json_hdr(c, MHD_HTTP_ACCEPTED, acc, MHD_HTTP_HEADER_LOCATION, loc);
	}
	collect(&r, SYNC_SECONDS, NULL, g->kind == WRITE ? NULL : &stopping);
	av_free(&a);
	if (g->kind == WRITE)
		fprintf(stderr, "musterd: %s (key %s): %s%s%s -> exit %d\n", w->name, w->key_id, noun, *verb ? " " : "", verb,
			exit_code(&r));
	unsigned st = MHD_HTTP_OK;
	json_t *err = outcome_error(&r, &st);
	if (err) {
		muster_buf_free(&r.stdout_);
		return http_json(c, st, err);
	}
	char xs[8];
	snprintf(xs, sizeof xs, "%d", exit_code(&r));
	const char *hdrs[] = {"X-Muster-Exit", xs, NULL};
	enum MHD_Result ret = http_bytes(c, MHD_HTTP_OK, r.stdout_.data ? (const char *)r.stdout_.data : "{}\n",
		r.stdout_.data ? r.stdout_.len : 3, "application/json; charset=utf-8", hdrs);
	muster_buf_free(&r.stdout_);
	return ret;
}

enum MHD_Result api_job(struct MHD_Connection *c, const char *rest, const struct who *w)
{
	char id[33];
	const char *slash = strchr(rest, '/');
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
	if (n != 32)
		return http_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such job", "无此任务");
	memcpy(id, rest, 32);
	id[32] = 0;
	pthread_mutex_lock(&jobs_mu);
	struct job *j = NULL;
	for (int i = 0; i < JOBS_MAX && !j; i++)
		if (jobs[i].used && sodium_memcmp(jobs[i].id, id, 32) == 0 && sodium_memcmp(jobs[i].owner, w->sid, 32) == 0)
			j = &jobs[i];
	if (!j) {
		pthread_mutex_unlock(&jobs_mu);
		return http_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such job (or it is another person's)",
			"无此任务（或属于他人）");
	}
	if (!slash) {
		json_t *o = job_json(j);
		pthread_mutex_unlock(&jobs_mu);
		return http_json(c, MHD_HTTP_OK, o);
	}
	const char *name = strncmp(slash, "/files/", 7) == 0 ? slash + 7 : NULL;
	char path[PATH_MAX];
	int ok = name && file_name_ok(name) && !j->running &&
		 (size_t)snprintf(path, sizeof path, "%s/%s", j->dir, name) < sizeof path;
	pthread_mutex_unlock(&jobs_mu);
	if (!ok)
		return http_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such file in this job", "此任务无此文件");
	return http_file(c, path, name);
}
