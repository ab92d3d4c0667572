/*
 * plugin.c - the report plugin host: finding and checking plugins, and
 * running one report in a child process (docs/plugins.md).  The queries the
 * child answers are in report.c.
 *
 * The child speaks to this process over a pipe in frames: one byte of kind,
 * four bytes of length (little-endian), then the bytes.  'S' carries the
 * snapshot's tree size (8 bytes, big-endian), 'D' report bytes, 'E' run()'s return
 * (4 bytes, signed, little-endian), 'H' the host's own failure in the child (text).  A
 * plugin that writes on the descriptor itself breaks the framing and is
 * told so; it cannot forge an 'E' it did not earn any more than it could
 * return 0 from run(), and what it "earned" is still checked as its media
 * type before anything is signed.
 */
#include "internal.h"
#include "report_int.h"

#include <muster/plugin.h>
#include <muster/report.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

struct plugin {
	muster_plugin_info info;
	void *handle;
	const muster_plugin_desc *desc;
};

struct muster_plugins {
	struct plugin *p;
	size_t n;
};

/* ---- checking a descriptor ------------------------------------------------------------------- */

/* The media types a plugin may declare, and the file endings that go with them. */
static const char *const media_types[][2] = {
	{"application/json", "json"},
	{"text/csv; charset=utf-8", "csv"},
	{"text/csv; charset=GB18030", "csv"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
	{"application/pdf", "pdf"},
};
#define N_MEDIA (sizeof media_types / sizeof media_types[0])

static long media_find(const char *m)
{
	for (size_t i = 0; i < N_MEDIA; i++)
		if (strcmp(m, media_types[i][0]) == 0)
			return (long)i;
	return -1;
}

/*
 * A descriptor string: present, at most max bytes, valid UTF-8 without
 * control characters (C0, DEL, C1 U+0080-U+009F) or the bidirectional
 * embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) that
 * would make a title in a list read as something else.
 */
static int text_ok(const char *s, size_t max)
{
	if (!s)
		return 0;
	size_t n = strnlen(s, max + 1);
	if (n == 0 || n > max || !muster_utf8_valid(s, n))
		return 0;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return 0;
		if (u[i] == 0xc2 && u[i + 1] <= 0x9f) /* valid UTF-8: u[i + 1] is 0x80-0xbf */
			return 0;
		if (u[i] == 0xe2 && ((u[i + 1] == 0x80 && u[i + 2] >= 0xaa && u[i + 2] <= 0xae) ||
					    (u[i + 1] == 0x81 && u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9)))
			return 0;
	}
	return 1;
}

static int name_ok(const char *s)
{
	if (!text_ok(s, 32))
		return 0;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return 0;
	return 1;
}

static int ascii_ok(const char *s, size_t max)
{
	if (!text_ok(s, max))
		return 0;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c > 0x7e)
			return 0;
	return 1;
}

static int province_ok(const char *s)
{
	if (!text_ok(s, 6) || strlen(s) != 6)
		return 0;
	for (int i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Kinds: words of a-z 0-9 _, separated by single spaces. */
static int kinds_ok(const char *s)
{
	if (!ascii_ok(s, 128))
		return 0;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
			    (*c == ' ' && c > s && c[-1] != ' ' && c[1])))
			return 0;
	return 1;
}

int muster_plugin_desc_refused(const muster_plugin_desc *d, muster_plugin_refusal *r)
{
	static const muster_plugin_desc v10 = {.abi = MUSTER_ABI_INIT(muster_plugin_desc)};
	r->major = d->abi.major;
	r->minor = d->abi.minor;
	if (d->abi.major != MUSTER_PLUGIN_ABI_MAJOR) {
		r->why = MUSTER_PLUG_MAJOR;
		return 1;
	}
	/* Version 1.0's descriptor ends with run; a later minor may only be bigger. */
	if (d->abi.size < offsetof(muster_plugin_desc, run) + sizeof v10.run) {
		r->why = MUSTER_PLUG_SMALL;
		r->size = d->abi.size;
		r->need = (uint32_t)(offsetof(muster_plugin_desc, run) + sizeof v10.run);
		return 1;
	}
	r->why = MUSTER_PLUG_STRING;
	if (!name_ok(d->name))
		return r->detail = "name (1 to 32 of a-z 0-9 _ -)", 1;
	if (!province_ok(d->province))
		return r->detail = "province (six GB/T 2260 digits)", 1;
	if (!ascii_ok(d->version, 64))
		return r->detail = "version (printable ASCII)", 1;
	if (!text_ok(d->title, 256))
		return r->detail = "title (UTF-8 text)", 1;
	if (!text_ok(d->title_en, 256))
		return r->detail = "title_en (UTF-8 text)", 1;
	if (!kinds_ok(d->kinds))
		return r->detail = "kinds (space-separated words)", 1;
	long m = d->media_type && text_ok(d->media_type, 128) ? media_find(d->media_type) : -1;
	if (m < 0)
		return r->detail = "media_type (one of the types plugin.h lists)", 1;
	if (!ascii_ok(d->extension, 16) || strcmp(d->extension, media_types[m][1]) != 0)
		return r->detail = "extension (the one that goes with the media type)", 1;
	if (!d->run) {
		r->why = MUSTER_PLUG_CALLBACK;
		r->detail = "run";
		return 1;
	}
	return 0;
}

/* ---- loading -------------------------------------------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_so(const char *s)
{
	size_t n = strlen(s);
	return n > 3 && strcmp(s + n - 3, ".so") == 0;
}

/* Finds the entry; on failure fills r. */
static void *entry_find(void *h, muster_plugin_refusal *r)
{
	void *e = dlsym(h, "muster_plugin_entry_v1");
	if (e)
		return e;
	/* Built for another ABI?  Then say which, so the user knows what to rebuild. */
	for (unsigned v = 2; v <= 16; v++) {
		char sym[40];
		snprintf(sym, sizeof sym, "muster_plugin_entry_v%u", v);
		if (dlsym(h, sym)) {
			r->why = MUSTER_PLUG_OTHER_ABI;
			r->major = v;
			return NULL;
		}
	}
	r->why = MUSTER_PLUG_NO_ENTRY;
	return NULL;
}

/* The host table handed to every entry (report.c fills the functions). */
static int load_one(muster_plugins *ps, const char *path, muster_refusal_fn refused, void *arg)
{
	muster_plugin_refusal r = {.file = path};
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		r.why = MUSTER_PLUG_DLOPEN;
		r.detail = dlerror();
		goto refuse;
	}
	void *sym = entry_find(h, &r);
	if (!sym)
		goto refuse;
	const muster_plugin_desc *(*entry)(const muster_host_api *);
	memcpy(&entry, &sym, sizeof entry); /* ISO C has no object-to-function pointer cast */
	const muster_plugin_desc *d = entry(muster_report_host());
	if (!d) {
		r.why = MUSTER_PLUG_DECLINED;
		goto refuse;
	}
	if (muster_plugin_desc_refused(d, &r))
		goto refuse;
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->p[i].info.name, d->name) == 0) {
			r.why = MUSTER_PLUG_DUPLICATE;
			r.detail = ps->p[i].info.file;
			goto refuse;
		}
	struct plugin *np = realloc(ps->p, (ps->n + 1) * sizeof *np);
	char *file = strdup(path);
	if (!np || !file) {
		free(file);
		if (np)
			ps->p = np;
		dlclose(h);
		return MUSTER_ENOMEM;
	}
	ps->p = np;
	struct plugin *p = &ps->p[ps->n++];
	p->handle = h;
	p->desc = d;
	p->info = (muster_plugin_info){file, d->name, d->province, d->version, d->title, d->title_en, d->kinds,
		d->media_type, d->extension, d->abi.major, d->abi.minor};
	return 0;
refuse:
	if (refused)
		refused(&r, arg);
	if (h)
		dlclose(h);
	return 0;
}

static int plugin_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plugin *)a)->info.name, ((const struct plugin *)b)->info.name);
}

int muster_plugins_load(const char *dir, muster_refusal_fn refused, void *arg, muster_plugins **out)
{
	*out = NULL;
	muster_plugins *ps = calloc(1, sizeof *ps);
	if (!ps)
		return MUSTER_ENOMEM;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT) {
			*out = ps;
			return 0;
		}
		int e = errno;
		free(ps);
		errno = e;
		return MUSTER_EIO;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !ends_so(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn) {
				rc = MUSTER_ENOMEM;
				break;
			}
			names = nn;
		}
		size_t len = strlen(dir) + strlen(de->d_name) + 2;
		if (!(names[n] = malloc(len))) {
			rc = MUSTER_ENOMEM;
			break;
		}
		snprintf(names[n++], len, "%s/%s", dir, de->d_name);
	}
	closedir(d);
	/* Name order: which of two same-named plugins wins never depends on the directory's order. */
	if (n)
		qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct stat st;
		if (stat(names[i], &st) != 0 || !S_ISREG(st.st_mode))
			continue; /* only regular files: not a directory, FIFO or device that happens to end in .so */
		rc = load_one(ps, names[i], refused, arg);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc) {
		muster_plugins_free(ps);
		return rc;
	}
	if (ps->n)
		qsort(ps->p, ps->n, sizeof *ps->p, plugin_cmp);
	*out = ps;
	return 0;
}

size_t muster_plugins_count(const muster_plugins *p)
{
	return p ? p->n : 0;
}

const muster_plugin_info *muster_plugins_info(const muster_plugins *p, size_t i)
{
	return p && i < p->n ? &p->p[i].info : NULL;
}

long muster_plugins_find(const muster_plugins *p, const char *name)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (strcmp(p->p[i].info.name, name) == 0)
			return (long)i;
	return -1;
}

void muster_plugins_free(muster_plugins *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free((char *)p->p[i].info.file);
		dlclose(p->p[i].handle);
	}
	free(p->p);
	free(p);
}

/* ---- media types ----------------------------------------------------------------------------- */

/* A JSON value starting at *p (RFC 8259 grammar, depth-limited); advances *p. */
static int json_ws(const uint8_t **p, const uint8_t *e)
{
	while (*p < e && (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
		(*p)++;
	return *p < e;
}

static int json_string(const uint8_t **p, const uint8_t *e)
{
	const uint8_t *s = ++*p;
	while (s < e && *s != '"') {
		if (*s < 0x20)
			return 0;
		if (*s == '\\') {
			if (++s >= e)
				return 0;
			if (*s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (s + i >= e || !((s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')))
						return 0;
				s += 4;
			} else if (!strchr("\"\\/bfnrt", *s)) {
				return 0;
			}
		}
		s++;
	}
	if (s >= e)
		return 0;
	*p = s + 1;
	return 1;
}

static int json_number(const uint8_t **p, const uint8_t *e)
{
	const uint8_t *s = *p;
	if (s < e && *s == '-')
		s++;
	if (s >= e || *s < '0' || *s > '9')
		return 0;
	if (*s == '0')
		s++;
	else
		while (s < e && *s >= '0' && *s <= '9')
			s++;
	if (s < e && *s == '.') {
		if (++s >= e || *s < '0' || *s > '9')
			return 0;
		while (s < e && *s >= '0' && *s <= '9')
			s++;
	}
	if (s < e && (*s | 0x20) == 'e') {
		s++;
		if (s < e && (*s == '+' || *s == '-'))
			s++;
		if (s >= e || *s < '0' || *s > '9')
			return 0;
		while (s < e && *s >= '0' && *s <= '9')
			s++;
	}
	*p = s;
	return 1;
}

static int json_value(const uint8_t **p, const uint8_t *e, int depth)
{
	if (depth > 256 || !json_ws(p, e))
		return 0;
	const uint8_t c = **p;
	if (c == '"')
		return json_string(p, e);
	if (c == '{' || c == '[') {
		const uint8_t close = c == '{' ? '}' : ']';
		(*p)++;
		if (!json_ws(p, e))
			return 0;
		if (**p == close) {
			(*p)++;
			return 1;
		}
		for (;;) {
			if (c == '{') {
				if (!json_ws(p, e) || **p != '"' || !json_string(p, e) || !json_ws(p, e) || **p != ':')
					return 0;
				(*p)++;
			}
			if (!json_value(p, e, depth + 1) || !json_ws(p, e))
				return 0;
			if (**p == close) {
				(*p)++;
				return 1;
			}
			if (**p != ',')
				return 0;
			(*p)++;
		}
	}
	static const char *const words[] = {"true", "false", "null"};
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);
		if ((size_t)(e - *p) >= n && memcmp(*p, words[i], n) == 0) {
			*p += n;
			return 1;
		}
	}
	return json_number(p, e);
}

/* GB18030: ASCII, two bytes 81-FE 40-7E/80-FE, or four bytes 81-FE 30-39 81-FE 30-39. */
static int gb18030_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c == 0x80 || c == 0xff || i + 1 >= n)
			return 0;
		uint8_t d = p[i + 1];
		if ((d >= 0x40 && d <= 0x7e) || (d >= 0x80 && d <= 0xfe)) {
			i += 2;
			continue;
		}
		if (d >= 0x30 && d <= 0x39 && i + 3 < n && p[i + 2] >= 0x81 && p[i + 2] <= 0xfe && p[i + 3] >= 0x30 &&
			p[i + 3] <= 0x39) {
			i += 4;
			continue;
		}
		return 0;
	}
	return 1;
}

int muster_media_check(const char *media_type, const uint8_t *data, size_t n, const char **why)
{
	static const char *dummy;
	if (!why)
		why = &dummy;
	*why = "";
	long m = media_find(media_type);
	if (m < 0)
		return MUSTER_ENOTFOUND;
	if (n == 0)
		return *why = "it is empty", MUSTER_EINVAL;
	switch (m) {
	case 0: {
		if (!muster_utf8_valid(data, n))
			return *why = "it is not UTF-8", MUSTER_EINVAL;
		const uint8_t *p = data, *e = data + n;
		if (!json_value(&p, e, 0))
			return *why = "it is not well-formed JSON", MUSTER_EINVAL;
		if (json_ws(&p, e))
			return *why = "there is more after the JSON value", MUSTER_EINVAL;
		return 0;
	}
	case 1:
		if (!muster_utf8_valid(data, n) || memchr(data, 0, n))
			return *why = "it is not UTF-8 text", MUSTER_EINVAL;
		return 0;
	case 2:
		if (!gb18030_valid(data, n) || memchr(data, 0, n))
			return *why = "it is not GB18030 text", MUSTER_EINVAL;
		return 0;
	case 3:
		/* A zip: a local file header first, the end of central directory within the last 64 KiB + 22. */
		if (n < 22 || memcmp(data, "PK\3\4", 4) != 0)
			return *why = "it is not a zip container (XLSX)", MUSTER_EINVAL;
		for (size_t i = n - 22;; i--) {
			if (memcmp(data + i, "PK\5\6", 4) == 0)
				return 0;
			if (i == 0 || n - i > 65557)
				break;
		}
		return *why = "the zip container (XLSX) has no end record", MUSTER_EINVAL;
	default:
		if (n < 8 || memcmp(data, "%PDF-", 5) != 0)
			return *why = "it does not start as a PDF", MUSTER_EINVAL;
		for (size_t i = n >= 1024 ? n - 1024 : 0; i + 5 <= n; i++)
			if (memcmp(data + i, "%%EOF", 5) == 0)
				return 0;
		return *why = "the PDF has no end (%%EOF)", MUSTER_EINVAL;
	}
}

/* ---- running ---------------------------------------------------------------------------------- */

#define RUN_TIMEOUT 60
#define RUN_MEMORY (1024ull << 20)
#define RUN_OUTPUT (256ull << 20)

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void set_limit(int resource, rlim_t v)
{
	struct rlimit rl = {v, v};
	(void)setrlimit(resource, &rl);
}

/* In the child: never returns. */
static void child(const struct plugin *p, const muster_report_req *req, const struct muster_report_stores *stores, int fd)
{
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* a killed caller takes its report with it */
#endif
	/* The plugin's stray printf goes to standard error, never into the caller's output. */
	if (dup2(2, 1) < 0)
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	set_limit(RLIMIT_CORE, 0);
	unsigned timeout = req->timeout ? req->timeout : RUN_TIMEOUT;
	/* A backstop behind the parent's wall-clock deadline (CPU time of all the child's threads). */
	set_limit(RLIMIT_CPU, (rlim_t)timeout * 2 + 1);
	int rc = muster_report_child(p->desc, &p->info, req, stores, fd);
	fflush(NULL); /* what the plugin printed, now on standard error */
	_exit(rc == 0 ? 0 : 125);
}

struct reader {
	muster_buf in;    /* frames not yet taken apart */
	muster_report_result *res;
	uint64_t max;
	int ended, have_size;
	int32_t code;
	uint64_t *sizes;  /* a run over several stores: each one's tree size, after the period's in the 'S' frame */
	size_t nsizes;
};

/* Takes whole frames out of r->in; -1 on a malformed frame, 1 when over the output limit. */
static int frames(struct reader *r)
{
	size_t off = 0;
	while (r->in.len - off >= 5) {
		const uint8_t *f = r->in.data + off;
		uint32_t len = (uint32_t)f[1] | (uint32_t)f[2] << 8 | (uint32_t)f[3] << 16 | (uint32_t)f[4] << 24;
		if (len > (1u << 24))
			return -1;
		if (r->in.len - off - 5 < len)
			break;
		const uint8_t *d = f + 5;
		switch (f[0]) {
		case 'S':
			if (len != 8 * (1 + (uint64_t)r->nsizes) || r->have_size)
				return -1;
			r->res->tree_size = be64_get(d);
			for (size_t k = 0; k < r->nsizes; k++)
				r->sizes[k] = be64_get(d + 8 * (k + 1));
			r->have_size = 1;
			break;
		case 'D':
			if (!r->have_size || r->ended)
				return -1;
			if (r->res->out.len + len > r->max)
				return 1;
			muster_buf_put(&r->res->out, d, len);
			break;
		case 'E':
			if (len != 4 || r->ended)
				return -1;
			r->code = (int32_t)((uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24);
			r->ended = 1;
			break;
		case 'H': {
			size_t k = len < sizeof r->res->detail - 1 ? len : sizeof r->res->detail - 1;
			memcpy(r->res->detail, d, k);
			r->res->detail[k] = 0;
			r->res->how = MUSTER_RUN_HOST;
			break;
		}
		default:
			return -1;
		}
		off += 5 + len;
	}
	if (off) {
		memmove(r->in.data, r->in.data + off, r->in.len - off);
		r->in.len -= off;
	}
	return 0;
}

static int report_run(const muster_plugins *ps, size_t i, const muster_report_req *req,
	const struct muster_report_stores *stores, uint64_t *sizes, muster_report_result *res)
{
	memset(res, 0, sizeof *res);
	if (!ps || i >= ps->n)
		return MUSTER_EINVAL;
	const struct plugin *p = &ps->p[i];
	int fds[2];
	if (pipe(fds) != 0) {
		res->how = MUSTER_RUN_SYSTEM;
		res->code = errno;
		return MUSTER_EVERIFY;
	}
	fflush(NULL); /* the child must not flush this process's buffered output a second time */
	pid_t pid = fork();
	if (pid < 0) {
		res->how = MUSTER_RUN_SYSTEM;
		res->code = errno;
		close(fds[0]);
		close(fds[1]);
		return MUSTER_EVERIFY;
	}
	if (pid == 0) {
		close(fds[0]);
		/* Close-on-exec: a program the plugin starts does not hold the report channel open. */
		(void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
		child(p, req, stores, fds[1]);
	}
	close(fds[1]);
	(void)fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);

	struct reader r = {.res = res, .max = req->max_output ? req->max_output : RUN_OUTPUT, .sizes = sizes,
		.nsizes = stores->multi ? stores->n : 0};
	unsigned timeout = req->timeout ? req->timeout : RUN_TIMEOUT;
	uint64_t deadline = mono_ms() + (uint64_t)timeout * 1000;
	int killed = 0;
	for (;;) {
		uint64_t now = mono_ms();
		if (now >= deadline) {
			killed = MUSTER_RUN_TIMEOUT;
			break;
		}
		struct pollfd pf = {fds[0], POLLIN, 0};
		int k = poll(&pf, 1, (int)(deadline - now > 1000 ? 1000 : deadline - now));
		if (k < 0 && errno != EINTR) {
			killed = MUSTER_RUN_SYSTEM; /* never left waiting for a child nobody reads */
			res->code = errno;
			break;
		}
		if (k <= 0)
			continue;
		uint8_t buf[65536];
		ssize_t got = read(fds[0], buf, sizeof buf);
		if (got == 0)
			break;
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			killed = MUSTER_RUN_SYSTEM;
			res->code = errno;
			break;
		}
		muster_buf_put(&r.in, buf, (size_t)got);
		if (r.in.err) {
			killed = MUSTER_RUN_HOST;
			snprintf(res->detail, sizeof res->detail, "out of memory reading the report");
			break;
		}
		int f = frames(&r);
		if (f > 0) {
			killed = MUSTER_RUN_TOOBIG;
			break;
		}
		if (f < 0) {
			killed = MUSTER_RUN_PROTOCOL;
			break;
		}
	}
	if (killed)
		kill(pid, SIGKILL);
	close(fds[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!killed && r.in.len)
		killed = MUSTER_RUN_PROTOCOL; /* a frame cut short */
	if (res->out.err && !killed) {
		killed = MUSTER_RUN_HOST;
		snprintf(res->detail, sizeof res->detail, "out of memory reading the report");
	}
	muster_buf_free(&r.in);
	if (killed) {
		res->how = killed;
		if (killed == MUSTER_RUN_TOOBIG)
			res->code = (int)(r.max >> 20);
		if (killed == MUSTER_RUN_TIMEOUT)
			res->code = (int)timeout;
	} else if (res->how == MUSTER_RUN_HOST) {
		/* the child said why */
	} else if (WIFSIGNALED(st)) {
		res->how = MUSTER_RUN_CRASHED;
		res->sig = WTERMSIG(st);
	} else if (!r.ended) {
		res->how = MUSTER_RUN_CRASHED;
		res->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	} else if (r.code != 0) {
		res->how = MUSTER_RUN_FAILED;
		res->code = r.code;
	} else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
		res->how = MUSTER_RUN_CRASHED;
		res->status = WEXITSTATUS(st);
	} else {
		const char *why;
		if (muster_media_check(p->info.media_type, res->out.data, res->out.len, &why) != 0) {
			res->how = MUSTER_RUN_GARBAGE;
			snprintf(res->detail, sizeof res->detail, "%s", why);
		} else {
			res->how = MUSTER_RUN_OK;
		}
	}
	if (res->how != MUSTER_RUN_OK) {
		muster_buf_free(&res->out);
		return MUSTER_EVERIFY;
	}
	return 0;
}

int muster_report_run(const muster_plugins *ps, size_t i, const muster_report_req *req, muster_report_result *res)
{
	if (!req) {
		memset(res, 0, sizeof *res);
		return MUSTER_EINVAL;
	}
	const char *dirs[1] = {req->store_dir};
	struct muster_report_stores stores = {dirs, 1, 0, 0};
	return report_run(ps, i, req, &stores, NULL, res);
}

int muster_report_run_sites(const muster_plugins *ps, size_t i, const muster_report_req *req, const char *const *dirs,
	size_t n, long home, uint64_t *sizes, muster_report_result *res)
{
	memset(res, 0, sizeof *res);
	if (!req || !dirs || !sizes || n == 0 || n > (1u << 20) || home < -1 || (home >= 0 && (size_t)home >= n))
		return MUSTER_EINVAL;
	for (size_t k = 0; k < n; k++)
		if (!dirs[k])
			return MUSTER_EINVAL;
	struct muster_report_stores stores = {dirs, n, home, 1};
	return report_run(ps, i, req, &stores, sizes, res);
}

void muster_report_result_free(muster_report_result *res)
{
	if (res)
		muster_buf_free(&res->out);
}

/* The child's limits, set after the store is open so that they bind the plugin, not LMDB's setup. */
void muster_report_limits(const muster_report_req *req)
{
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MUSTER_UNDER_ASAN 1
#endif
#endif
#if !defined(__SANITIZE_ADDRESS__) && !defined(MUSTER_UNDER_ASAN)
	/* RLIMIT_DATA counts the heap and private mappings, not the store's shared read-only map. */
	set_limit(RLIMIT_DATA, (rlim_t)(req->memory ? req->memory : RUN_MEMORY));
#else
	(void)req; /* ASan's shadow memory is a private mapping of terabytes: no heap limit under it */
#endif
	/* Files the plugin writes itself (a spreadsheet library's temporary file) stay bounded too. */
	uint64_t out = req->max_output ? req->max_output : RUN_OUTPUT;
	set_limit(RLIMIT_FSIZE, (rlim_t)out);
}
