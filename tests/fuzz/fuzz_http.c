/*
 * fuzz_http.c - libFuzzer target for musterd's request handling: every
 * request goes through the handler libmicrohttpd calls (musterd.c's
 * handle(): the raw target, Content-Length, the method, the body in
 * chunks), the router and the endpoints behind it (http.c's path decoding
 * and static files, sign-in, the session cookie and CSRF token in
 * musterd_auth.c, the command gateway's query and JSON body parsing in
 * musterd_cmd.c, the scan URL, the tile server, the witness) over a real
 * store made at start-up: one site, a team, a depot, an asset with its
 * label, and a keeper whose sealed key (cheapest Argon2id) is in the keys
 * directory.
 *
 * musterd.c, musterd_auth.c and musterd_cmd.c are included here to reach
 * their static functions; libmicrohttpd's connection and response
 * functions are replaced by a fake that hands the handlers the request the
 * input describes and keeps what they answer; posix_spawn, in
 * musterd_cmd.c, by one that checks the command line and runs nothing.
 *
 * Input: a flag byte, then "METHOD TARGET\n", header lines "Name: value\n",
 * an empty line and the body.  Flags: 1 the session's cookie, 2 its CSRF
 * token, 4 --serve-log, 8 --witness, 16 the body in two chunks, 32 TLS;
 * the top two bits pick the client address.  "@LABEL" in the target is
 * replaced by the asset's label (its signature is the store's).
 * Properties:
 *
 *   reply:    exactly one response per request, status 100-599, a
 *             Content-Type and nosniff, no control character in any
 *             header; JSON bodies parse, and an error is
 *             {"error":{"code","message":{"en","zh"}}};
 *   access:   no /api/ endpoint but the site and sign-in answers without
 *             the cookie (401 or an earlier refusal), sign-in succeeds only
 *             with the keeper's name and passphrase, no command runs
 *             without a session, nor a write without the CSRF token;
 *   commands: a command line is the muster program, --store, --json, only
 *             options the web may give (or the gateway's own --out, --ics
 *             and --attach into its work directory), "--", a command of
 *             the gateway's list and its operands; the witness runs
 *             "mirror witness" alone;
 *   files:    a static file served is inside --www; a redirect from a
 *             scan goes to /asset.html?id= and the id, escaped; nothing is
 *             left in the work directory (uploads, job directories) nor in
 *             the job table after a request;
 *   paths:    http_path's output starts with '/', holds no control byte,
 *             no '\' and no "." or ".." segment, fits its buffer, and is
 *             the target itself when that has no escape, query or fragment.
 * A broken property calls abort(); leaks are LeakSanitizer's.  With
 * -DMUSTER_FUZZ_SEEDS it writes the seed corpus (tests/fuzz/corpus/http).
 */
#define _GNU_SOURCE
#define main musterd_main
#define posix_spawn fuzz_posix_spawn /* commands are checked, never run */
int main(int argc, char **argv);     /* musterd's, never called */
#include "musterd_cmd.c"
#include "musterd_auth.c"
#include "musterd.c"
#undef main
#undef posix_spawn

#include <muster/event.h>
#include <muster/fields.h>
#include <muster/tag.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <ftw.h>
#include <netinet/in.h>

#define HOLDER "Li Na"
#define PASS "fuzz passphrase"
#define ORIGIN "fuzz.example/depot"
#define BASE_URL "https://muster.fuzz.example"
/* The session injected before each request: 43 base64url characters each, as sess_new makes them. */
#define TOKEN "c2Vzc2lvbi10b2tlbi1vZi10aGUtZnV6ei10YXJnZXQ"
#define CSRF "Y3NyZi10b2tlbi1vZi10aGUtZnV6ei10YXJnZXQtLS0"

/* The flag byte. */
enum { F_COOKIE = 1, F_CSRF = 2, F_SERVE_LOG = 4, F_WITNESS = 8, F_CHUNKS = 16, F_TLS = 32 };

static FILE *report_to; /* stderr as it was: musterd's own lines go to /dev/null */
static char top[64], label[512];
static uint8_t keeper_seed[32];

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(report_to ? report_to : stderr, "fuzz_http: property broken: %s\n", what);
		abort();
	}
}

/* ---- a fake libmicrohttpd ------------------------------------------------------------------ */

#define VALUES_MAX 64
#define HEADERS_MAX 16

struct MHD_Response {
	int refs;
	uint8_t *data;
	size_t len;
	int fd;
	char fd_path[PATH_MAX];
	char *name[HEADERS_MAX], *value[HEADERS_MAX];
	int n;
};

struct MHD_Connection {
	enum MHD_ValueKind kind[VALUES_MAX];
	char *key[VALUES_MAX], *value[VALUES_MAX];
	int n;
	struct sockaddr_in addr;
	union MHD_ConnectionInfo info;
	struct MHD_Response *reply;
	unsigned status;
	int queued;
};

static void add_value(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *k, size_t kn, const char *v,
	size_t vn, int has_value)
{
	if (c->n == VALUES_MAX)
		return;
	c->kind[c->n] = kind;
	c->key[c->n] = strndup(k, kn);
	c->value[c->n] = has_value ? strndup(v, vn) : NULL;
	if (!c->key[c->n] || (has_value && !c->value[c->n]))
		abort();
	c->n++;
}

static int hexdig(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* MHD_http_unescape: %XX decoded where both are hex digits, left as it is otherwise; '+' is a space. */
static size_t unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		int hi, lo;
		if (*p == '+') {
			*o++ = ' ';
		} else if (*p == '%' && (hi = hexdig(p[1])) >= 0 && (lo = hexdig(p[2])) >= 0) {
			*o++ = (char)(hi * 16 + lo);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
	return strlen(s); /* a %00 ends the value, as it does for MHD's C strings */
}

/* The query string as MHD splits it into GET arguments. */
static void parse_query(struct MHD_Connection *c, const char *raw)
{
	const char *q = strchr(raw, '?');
	if (!q)
		return;
	char *copy = strdup(q + 1);
	if (!copy)
		abort();
	char *hash = strchr(copy, '#');
	if (hash)
		*hash = 0;
	for (char *save = NULL, *part = strtok_r(copy, "&", &save); part; part = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(part, '=');
		if (eq)
			*eq = 0;
		size_t kn = unescape(part), vn = eq ? unescape(eq + 1) : 0;
		add_value(c, MHD_GET_ARGUMENT_KIND, part, kn, eq ? eq + 1 : NULL, vn, eq != NULL);
	}
	free(copy);
}

/* A Cookie header as MHD splits it: "a=b; c=\"d\"". */
static void parse_cookies(struct MHD_Connection *c, const char *v)
{
	char *copy = strdup(v);
	if (!copy)
		abort();
	for (char *save = NULL, *part = strtok_r(copy, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
		while (*part == ' ')
			part++;
		char *eq = strchr(part, '=');
		if (!eq)
			continue;
		char *val = eq + 1;
		size_t vn = strlen(val);
		if (vn >= 2 && val[0] == '"' && val[vn - 1] == '"')
			val++, vn -= 2;
		add_value(c, MHD_COOKIE_KIND, part, (size_t)(eq - part), val, vn, 1);
	}
	free(copy);
}

const char *MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key)
{
	for (int i = 0; i < c->n; i++)
		if ((c->kind[i] & kind) && key && strcasecmp(c->key[i], key) == 0)
			return c->value[i];
	return NULL;
}

int MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind, MHD_KeyValueIterator it, void *cls)
{
	int k = 0;
	for (int i = 0; i < c->n; i++) {
		if (!(c->kind[i] & kind))
			continue;
		k++;
		if (it && it(cls, c->kind[i], c->key[i], c->value[i]) != MHD_YES)
			break;
	}
	return k;
}

const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *c, enum MHD_ConnectionInfoType t, ...)
{
	if (t != MHD_CONNECTION_INFO_CLIENT_ADDRESS)
		return NULL;
	c->info.client_addr = (struct sockaddr *)&c->addr;
	return &c->info;
}

static struct MHD_Response *response(void)
{
	struct MHD_Response *r = calloc(1, sizeof *r);
	if (!r)
		abort();
	r->refs = 1;
	r->fd = -1;
	return r;
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = response();
	r->len = size;
	if (!(r->data = malloc(size ? size : 1)))
		abort();
	if (size)
		memcpy(r->data, buffer, size);
	if (mode == MHD_RESPMEM_MUST_FREE)
		free(buffer);
	return r;
}

struct MHD_Response *MHD_create_response_from_fd(size_t size, int fd)
{
	struct MHD_Response *r = response();
	char link[64];
	r->fd = fd;
	r->len = size;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, r->fd_path, sizeof r->fd_path - 1);
	r->fd_path[n > 0 ? n : 0] = 0;
	return r;
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *r, const char *name, const char *value)
{
	check(name && value, "a response header without a name or value");
	for (const char *p = name; *p; p++)
		check((unsigned char)*p > 0x20 && *p != 0x7f && *p != ':', "a header name that is not a token");
	for (const char *p = value; *p; p++)
		check((unsigned char)*p >= 0x20 && *p != 0x7f, "a control character in a response header");
	check(r->n < HEADERS_MAX, "too many response headers");
	if (!(r->name[r->n] = strdup(name)) || !(r->value[r->n] = strdup(value)))
		abort();
	r->n++;
	return MHD_YES;
}

void MHD_destroy_response(struct MHD_Response *r)
{
	if (!r || --r->refs > 0)
		return;
	for (int i = 0; i < r->n; i++)
		free(r->name[i]), free(r->value[i]);
	if (r->fd >= 0)
		close(r->fd);
	free(r->data);
	free(r);
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r)
{
	check(r != NULL, "queued no response");
	check(!c->queued, "a second response to one request");
	c->queued = 1;
	c->status = status;
	c->reply = r;
	r->refs++;
	return MHD_YES;
}

static const char *header(const struct MHD_Response *r, const char *name)
{
	for (int i = 0; r && i < r->n; i++)
		if (strcasecmp(r->name[i], name) == 0)
			return r->value[i];
	return NULL;
}

/* ---- commands are checked, never run -------------------------------------------------------- */

static int spawned, spawned_write; /* commands started, and with a key (a write) */

static int gateway_may_name(const char *opt)
{
	/* The gateway's own file options, into its work directory. */
	static const char *const own[] = {"--out=", "--ics=", "--attach="};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
		size_t k = strlen(own[i]);
		if (strncmp(opt, own[i], k) == 0)
			return strncmp(opt + k, srv.work, strlen(srv.work)) == 0 && opt[k + strlen(srv.work)] == '/' &&
			       !strstr(opt + k, "/../") && !strstr(opt + k, "/./");
	}
	return 0;
}

int fuzz_posix_spawn(pid_t *restrict pid, const char *restrict path, const posix_spawn_file_actions_t *restrict fa,
	const posix_spawnattr_t *restrict at, char *const argv[restrict], char *const envp[restrict])
{
	char store_opt[PATH_MAX + 16];
	(void)pid, (void)fa, (void)at;
	snprintf(store_opt, sizeof store_opt, "--store=%s", srv.store_dir);
	check(strcmp(path, srv.muster) == 0 && argv[0] && strcmp(argv[0], srv.muster) == 0, "a command that is not muster");
	check(argv[1] && strcmp(argv[1], store_opt) == 0 && argv[2] && strcmp(argv[2], "--json") == 0,
		"a command without the gateway's --store and --json");
	int k = 3, witness = argv[3] && strcmp(argv[3], "mirror") == 0;
	if (witness) {
		check(argv[4] && strcmp(argv[4], "witness") == 0 && !argv[5], "mirror without witness");
	} else {
		for (; argv[k] && strcmp(argv[k], "--") != 0; k++) {
			const char *a = argv[k], *eq = strchr(a, '=');
			check(strncmp(a, "--", 2) == 0 && eq, "an option that is not --name=value");
			char name[64];
			size_t n = (size_t)(eq - a - 2);
			check(n > 0 && n < sizeof name, "an option name out of bounds");
			memcpy(name, a + 2, n);
			name[n] = 0;
			check((name_ok(name) && !denied_name(name)) || gateway_may_name(a), "an option the web may not give");
		}
		check(argv[k] != NULL, "no -- before the command");
		char noun[32], verb[32], rest[80];
		check(argv[k + 1] && strlen(argv[k + 1]) < sizeof noun, "no command after --");
		snprintf(rest, sizeof rest, "%s%s%s", argv[k + 1], argv[k + 2] && strchr("abcdefghijklmnopqrstuvwxyz", argv[k + 2][0]) ? "/" : "",
			argv[k + 2] && strchr("abcdefghijklmnopqrstuvwxyz", argv[k + 2][0]) ? argv[k + 2] : "");
		const struct gw *g = lookup(rest, noun, verb);
		if (!g) { /* a one-word command, and an operand that looks like a verb */
			snprintf(rest, sizeof rest, "%s", argv[k + 1]);
			g = lookup(rest, noun, verb);
		}
		check(g != NULL, "a command not on the gateway's list");
		for (k += 1; argv[k]; k++)
			check(strlen(argv[k]) <= VALUE_MAX + 48 + PATH_MAX, "an operand past its limit");
		check(k <= ARGV_MAX, "more arguments than the gateway allows");
	}
	for (int i = 0; envp[i]; i++) {
		check(strncmp(envp[i], "MUSTER_PASSPHRASE", 17) != 0 && strncmp(envp[i], "MUSTER_KEY=", 11) != 0,
			"a secret in the command's environment");
		spawned_write |= strncmp(envp[i], "MUSTER_KEY_FD=", 14) == 0; /* the session's key goes down fd 4 */
	}
	spawned++;
	return ENOEXEC;
}

/* ---- the store, the keys and the web root ---------------------------------------------------- */

struct one {
	const muster_signer *k;
	uint64_t type;
	muster_buf body;
};

static int write_one(muster_wtxn *w, void *arg)
{
	struct one *o = arg;
	return muster_append(w, o->k, o->type, o->body.data, o->body.len, NULL);
}

/* An event of "field=value" texts, typed as a person would, signed by k. */
static void ev(muster_store *s, const muster_signer *k, uint64_t type, const char *const *kv)
{
	muster_rec r;
	struct one o = {k, type, {0}};
	char why[256];
	muster_rec_clear(&r);
	for (; *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		char name[40];
		snprintf(name, sizeof name, "%.*s", (int)(eq - *kv), *kv);
		const muster_field *f = muster_field_by_name(name);
		if (!f || muster_fv_parse(f, eq + 1, &r, NULL, NULL, why, sizeof why) != 0)
			abort();
	}
	muster_rec_encode(&o.body, &r);
	if (muster_write(s, write_one, &o) != 0)
		abort();
	muster_buf_free(&o.body);
}

#define EV(s, k, type, ...) ev(s, k, type, (const char *const[]){__VA_ARGS__, NULL})

static void put(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

static int remove_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(p);
}

/* At exit: the store, keys, web root and work directory made for the run. */
static void teardown(void)
{
	if (srv.store)
		muster_store_close(srv.store);
	srv.store = NULL;
	nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	muster_signer *admin, *keeper, *tag;
	uint8_t seed[32];
	char p[PATH_MAX];
	snprintf(top, sizeof top, "/tmp/fuzz_http.XXXXXX");
	if (muster_init() != 0 || !mkdtemp(top))
		abort();
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x30 + i), keeper_seed[i] = (uint8_t)(0x90 + i);
	if (muster_signer_from_seed(seed, &admin) != 0 || muster_signer_from_seed(keeper_seed, &keeper) != 0)
		abort();

	snprintf(srv.store_dir, sizeof srv.store_dir, "%s/store", top);
	if (muster_store_create_url(srv.store_dir, ORIGIN, admin, "Zhang Wei", BASE_URL, &srv.store) != 0)
		abort();
	muster_store_set_durable(srv.store, 0);
	muster_buf kb = {0};
	muster_ev_key kv = {muster_signer_pk(keeper), MUSTER_ROLE_KEEPER | MUSTER_ROLE_HR, {HOLDER, sizeof HOLDER - 1}};
	muster_ev_key_encode(&kb, MUSTER_EV_KEY_ENROL, &kv);
	struct one o = {admin, MUSTER_EV_KEY_ENROL, kb};
	if (muster_write(srv.store, write_one, &o) != 0)
		abort();
	muster_buf_free(&kb);
	EV(srv.store, admin, MUSTER_EV_TEAM_ADD, "team=KS-1", "name=\xe7\x94\xb2\xe9\x98\x9f", "specialty=mine",
		"province=140000", "host=h", "host_code=91110000600037341L");
	EV(srv.store, admin, MUSTER_EV_DEPOT_ADD, "depot=D1", "team=KS-1", "name=\xe4\xb8\x80\xe5\x8f\xb7\xe5\xba\x93");
	EV(srv.store, admin, MUSTER_EV_ASSET_ADD, "id=A1", "category=2030101", "type=\xe5\x91\xbc\xe5\x90\xb8\xe5\x99\xa8",
		"model=M", "serial=1", "funding=host", "depot=D1", "acquired=2025-01-01");

	/* The asset's label, as `muster label` prints it. */
	snprintf(p, sizeof p, "%s/tag.key", srv.store_dir);
	muster_buf lb = {0};
	muster_snap *sn;
	muster_rec a;
	if (muster_site_key_read(p, &tag) != 0 || muster_snap_begin(srv.store, &sn) != 0 ||
		muster_row_cget(sn, MUSTER_T_ASSET, "A1", &a) != 0)
		abort();
	muster_tag_payload(&lb, BASE_URL, ORIGIN, tag, "A1", 2, a.v[MF_LABEL].u ? a.v[MF_LABEL].u : 1);
	muster_buf_put(&lb, "", 1);
	muster_snap_end(sn);
	const char *t = strstr((const char *)lb.data, "/t/");
	if (lb.err || !t || strlen(t + 3) >= sizeof label)
		abort();
	snprintf(label, sizeof label, "%.*s", (int)strcspn(t + 3, "\r\n"), t + 3);
	muster_buf_free(&lb);
	muster_signer_free(tag);

	/* The keys directory: the keeper's sealed key and its .pub. */
	snprintf(srv.keys, sizeof srv.keys, "%s/keys", top);
	snprintf(p, sizeof p, "%s/li.key", srv.keys);
	if (mkdir(srv.keys, 0700) != 0 || muster_key_seal(keeper, p, PASS, sizeof PASS - 1, MUSTER_KDF_MIN) != 0)
		abort();

	/* The web root: a page, a hidden file, and a link out of it. */
	snprintf(p, sizeof p, "%s/www", top);
	if (mkdir(p, 0700) != 0 || !realpath(p, srv.www))
		abort();
	put(srv.www, "index.html", "<!doctype html><title>muster</title>\n");
	put(srv.www, ".secret", "not for the web\n");
	put(top, "outside.txt", "outside the web root\n");
	snprintf(p, sizeof p, "%s/sub", srv.www);
	if (mkdir(p, 0700) != 0)
		abort();
	put(p, "index.html", "sub\n");
	char target[PATH_MAX + 16], link_path[PATH_MAX + 16];
	snprintf(target, sizeof target, "%s/outside.txt", top);
	snprintf(link_path, sizeof link_path, "%s/out.txt", srv.www);
	if (symlink(target, link_path) != 0)
		abort();

	snprintf(srv.work, sizeof srv.work, "%s/work", top);
	snprintf(srv.muster, sizeof srv.muster, "/nonexistent/muster");
	if (mkdir(srv.work, 0700) != 0 || sess_init() != 0)
		abort();
	srv.idle_s = 1800;
	srv.max_s = 12 * 3600;
	muster_signer_free(admin);
	muster_signer_free(keeper);
	atexit(teardown);
}

/* The state a request starts from: the one session, no failed sign-ins. */
static void reset(int flags)
{
	sess_end_all();
	memset(buckets, 0, sizeof buckets);
	struct sess *s = &sess[0];
	if (muster_signer_from_seed(keeper_seed, &s->signer) != 0)
		abort();
	s->used = 1;
	crypto_generichash(s->sid, sizeof s->sid, (const unsigned char *)TOKEN, strlen(TOKEN), NULL, 0);
	memcpy(s->csrf, CSRF, sizeof CSRF);
	muster_key_id(muster_signer_pk(s->signer), s->kid);
	muster_key_id_hex(muster_signer_pk(s->signer), s->kid_hex);
	snprintf(s->name, sizeof s->name, "%s", HOLDER);
	s->created = s->last = now_s();
	srv.serve_log = !!(flags & F_SERVE_LOG);
	srv.witness = !!(flags & F_WITNESS);
	srv.tls = !!(flags & F_TLS);
	spawned = spawned_write = 0;
}

/* ---- the properties ---------------------------------------------------------------------- */

static void check_path(const char *raw, size_t n)
{
	char out[64], big[HTTP_URL_MAX + 1];
	for (int k = 0; k < 2; k++) {
		char *o = k ? big : out;
		size_t cap = k ? sizeof big : sizeof out;
		if (http_path(raw, n, o, cap) != 0)
			continue;
		size_t len = strlen(o);
		check(o[0] == '/' && len < cap, "a decoded path that is not absolute or past its buffer");
		for (size_t i = 0; i < len; i++)
			check((unsigned char)o[i] >= 0x20 && o[i] != 0x7f && o[i] != '\\', "a control byte or '\\' in a decoded path");
		for (const char *seg = o; seg; seg = strchr(seg + 1, '/'))
			check(strncmp(seg, "/./", 3) != 0 && strcmp(seg, "/.") != 0 && strncmp(seg, "/../", 4) != 0 &&
					strcmp(seg, "/..") != 0,
				"a '.' or '..' segment in a decoded path");
		size_t end = strcspn(raw, "?#");
		if (end > n)
			end = n;
		if (!memchr(raw, '%', end))
			check(len == end && memcmp(o, raw, end) == 0, "a path without escapes is not itself");
	}
}

static void check_reply(const struct MHD_Connection *c, const char *path, int path_ok)
{
	const struct MHD_Response *r = c->reply;
	check(c->queued && r, "a request without a response");
	check(c->status >= 100 && c->status <= 599, "a status out of range");
	const char *type = header(r, MHD_HTTP_HEADER_CONTENT_TYPE), *nosniff = header(r, "X-Content-Type-Options");
	check(type && nosniff && strcmp(nosniff, "nosniff") == 0, "a response without its type or nosniff");
	if (strncmp(type, "application/json", 16) == 0) {
		json_error_t je;
		json_t *j = json_loadb((const char *)r->data, r->len, 0, &je);
		check(j != NULL && r->len && r->data[r->len - 1] == '\n', "a JSON response that does not parse");
		if (c->status >= 400) {
			json_t *e = json_object_get(j, "error"), *m = json_object_get(e, "message");
			check(json_is_string(json_object_get(e, "code")) && json_is_string(json_object_get(m, "en")) &&
					json_is_string(json_object_get(m, "zh")),
				"an error that is not {error:{code,message:{en,zh}}}");
		}
		json_decref(j);
	}
	if (r->fd >= 0) {
		size_t wl = strlen(srv.www);
		check(strncmp(r->fd_path, srv.www, wl) == 0 && r->fd_path[wl] == '/' && !strstr(r->fd_path, "/."),
			"a file served from outside the web root, or a hidden one");
	}
	if (c->status == MHD_HTTP_FOUND) {
		const char *loc = header(r, MHD_HTTP_HEADER_LOCATION);
		check(loc && strncmp(loc, "/asset.html?id=", 15) == 0 && path_ok && strncmp(path, "/t/", 3) == 0,
			"a redirect that is not a scan's");
		for (const char *p = loc + 15; *p; p++)
			check(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%", *p) != NULL,
				"an asset id not escaped in a redirect");
	}
}

static int is_api(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
}

static void check_work_empty(void)
{
	DIR *d = opendir(srv.work);
	struct dirent *e;
	int left = 0;
	check(d != NULL, "the work directory is gone");
	while ((e = readdir(d)))
		left += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	check(!left, "files left in the work directory after a request");
	for (int i = 0; i < JOBS_MAX; i++)
		check(!jobs[i].used, "a job left in the table by a command that never ran");
}

/* ---- one request ----------------------------------------------------------------------------- */

static void one_input(const uint8_t *data, size_t size)
{
	if (size == 0)
		return;
	int flags = data[0];
	char *text = strndup((const char *)data + 1, size - 1); /* as MHD hands them over: C strings */
	if (!text)
		abort();
	/* The head up to the first empty line, the body after it. */
	char *body = strstr(text, "\n\n");
	size_t blen = 0;
	if (body) {
		*body = 0;
		body += 2;
		blen = strlen(body);
	}
	char *nl = strchr(text, '\n');
	if (nl)
		*nl = 0;

	/* The request line. */
	char *sp = strchr(text, ' ');
	const char *method = sp ? text : "GET";
	char *raw_in = sp ? sp + 1 : text;
	if (sp)
		*sp = 0;
	char raw[HTTP_URL_MAX * 2];
	char *at = strstr(raw_in, "@LABEL");
	if (at)
		snprintf(raw, sizeof raw, "%.*s%s%s", (int)(at - raw_in), raw_in, label, at + 6);
	else
		snprintf(raw, sizeof raw, "%s", raw_in);
	check_path(raw, strlen(raw));

	struct MHD_Connection c;
	memset(&c, 0, sizeof c);
	c.addr.sin_family = AF_INET;
	c.addr.sin_addr.s_addr = htonl(0xc0000200u | (unsigned)(flags >> 6)); /* 192.0.2.0-3 */
	parse_query(&c, raw);
	const char *has_cl = NULL;
	for (char *line = nl ? nl + 1 : NULL; line && *line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next = 0;
		char *colon = strchr(line, ':');
		if (colon) {
			const char *v = colon + 1;
			while (*v == ' ')
				v++;
			add_value(&c, MHD_HEADER_KIND, line, (size_t)(colon - line), v, strlen(v), 1);
			if (strncasecmp(line, "Cookie:", 7) == 0)
				parse_cookies(&c, v);
			if (strncasecmp(line, "Content-Length:", 15) == 0)
				has_cl = v;
		}
		line = next ? next + 1 : NULL;
	}
	if (flags & F_COOKIE)
		add_value(&c, MHD_COOKIE_KIND, "muster_session", 14, TOKEN, strlen(TOKEN), 1);
	if (flags & F_CSRF)
		add_value(&c, MHD_HEADER_KIND, "X-CSRF-Token", 12, CSRF, strlen(CSRF), 1);

	/* What musterd will see: the session's cookie and token, from the flags or spelled out in the input. */
	const char *ck = MHD_lookup_connection_value(&c, MHD_COOKIE_KIND, "muster_session"),
		   *tok = MHD_lookup_connection_value(&c, MHD_HEADER_KIND, "X-CSRF-Token");
	int session = ck && strcmp(ck, TOKEN) == 0, csrf = tok && strcmp(tok, CSRF) == 0;

	reset(flags);
	void *cls = uri_log(NULL, raw, &c);
	check(cls != NULL, "no request state");
	size_t up = 0;
	enum MHD_Result rc = handle(NULL, &c, raw, method, "HTTP/1.1", NULL, &up, &cls);
	if (rc == MHD_YES && !c.queued) {
		/* MHD reads a body only when a length was given. */
		size_t half = flags & F_CHUNKS ? blen / 2 : blen;
		const char *chunk[2] = {body, body ? body + half : NULL};
		size_t clen[2] = {half, blen - half};
		for (int i = 0; i < 2 && has_cl && body && rc == MHD_YES; i++) {
			if (!clen[i])
				continue;
			up = clen[i];
			rc = handle(NULL, &c, raw, method, "HTTP/1.1", chunk[i], &up, &cls);
			check(rc == MHD_NO || (up == 0 && !c.queued), "a body chunk not taken, or answered before the end");
		}
		if (rc == MHD_YES) {
			up = 0;
			rc = handle(NULL, &c, raw, method, "HTTP/1.1", NULL, &up, &cls);
		}
	}
	check(rc == MHD_YES, "the handler gave up on a request (MHD_NO)");
	char path[HTTP_URL_MAX + 1];
	int path_ok = http_path(raw, strlen(raw), path, sizeof path) == 0;
	check_reply(&c, path, path_ok);

	int write = strcmp(method, "POST") == 0 || strcmp(method, "DELETE") == 0;
	if (path_ok && is_api(path) && strcmp(path, "/api/v1/site") != 0 && strcmp(path, "/api/v1/session") != 0 && !session)
		check(c.status == 400 || c.status == 401 || c.status == 405 || c.status == 411 || c.status == 413 ||
				c.status == 414,
			"an endpoint answered without a session");
	if (path_ok && strcmp(path, "/api/v1/session") == 0 && strcmp(method, "POST") == 0 && c.status == 200) {
		json_error_t je;
		json_t *j = body && has_cl ? json_loadb(body, blen, JSON_REJECT_DUPLICATES, &je) : NULL;
		const char *n = json_string_value(json_object_get(j, "name")), *pw = json_string_value(json_object_get(j, "passphrase"));
		check(n && pw && strcmp(n, HOLDER) == 0 && strcmp(pw, PASS) == 0, "signed in without the keeper's passphrase");
		json_decref(j);
	}
	check(!spawned || session || (path_ok && strcmp(path, "/add-checkpoint") == 0), "a command ran without a session");
	check(!spawned_write || csrf, "a write ran without the CSRF token");
	check(!spawned || write || !spawned_write, "a write ran from a GET");

	completed(NULL, &c, &cls, MHD_REQUEST_TERMINATED_COMPLETED_OK);
	check(cls == NULL, "the request state was not freed");
	MHD_destroy_response(c.reply);
	for (int i = 0; i < c.n; i++)
		free(c.key[i]), free(c.value[i]);
	check_work_empty();
	free(text);
}

static void fuzz_init(void)
{
	setup();
	/* musterd's own lines (refusals, sign-ins, "cannot run") go nowhere; ASan and libFuzzer write to fd 2. */
	report_to = stderr;
	FILE *quiet = fopen("/dev/null", "w");
	if (quiet)
		stderr = quiet;
}

#include "fuzz.h"

#ifdef MUSTER_FUZZ_SEEDS /* write the seed corpus */

static void request(const char *name, int flags, const char *head, const char *body)
{
	muster_buf b = {0};
	uint8_t f = (uint8_t)flags;
	muster_buf_put(&b, &f, 1);
	muster_buf_puts(&b, head);
	if (body)
		muster_buf_printf(&b, "Content-Length: %zu\n", strlen(body));
	muster_buf_puts(&b, "\n");
	if (body)
		muster_buf_puts(&b, body);
	save(name, &b);
	muster_buf_free(&b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	fuzz_init();
	request("static_index", 0, "GET /\nAccept-Language: en\n", NULL);
	request("static_sub", 0, "GET /sub/\n", NULL);
	request("static_link_out", 0, "GET /out.txt\n", NULL);
	request("static_hidden", 0, "GET /.secret\n", NULL);
	request("path_dotdot", 0, "GET /sub/%2e%2e/%2e%2e/outside.txt\n", NULL);
	request("path_encoded_slash", 0, "GET /a%2fb?x=1#f\n", NULL);
	request("site", 0, "GET /api/v1/site\nX-Muster-Lang: zh\n", NULL);
	request("site_post", 0, "POST /api/v1/site\n", "{}");
	request("sign_in", 0, "POST /api/v1/session\nOrigin: http://127.0.0.1:8080\nHost: 127.0.0.1:8080\n",
		"{\"name\":\"" HOLDER "\",\"passphrase\":\"" PASS "\"}");
	request("sign_in_wrong", F_CHUNKS, "POST /api/v1/session\n", "{\"name\":\"" HOLDER "\",\"passphrase\":\"wrong\"}");
	request("sign_in_other_origin", 0, "POST /api/v1/session\nOrigin: https://evil.example\nHost: 127.0.0.1:8080\n",
		"{\"name\":\"" HOLDER "\",\"passphrase\":\"" PASS "\"}");
	request("session", F_COOKIE, "GET /api/v1/session\n", NULL);
	request("session_cookie_header", 0, "GET /api/v1/session\nCookie: a=b; muster_session=\"" TOKEN "\"\n", NULL);
	request("sign_out", F_COOKIE | F_CSRF, "DELETE /api/v1/session\n", NULL);
	request("sign_out_no_csrf", F_COOKIE, "DELETE /api/v1/session\n", NULL);
	request("teams", F_COOKIE, "GET /api/v1/teams\n", NULL);
	request("assets", F_COOKIE, "GET /api/v1/assets?team=KS-1&state=in_depot&depot=D1\n", NULL);
	request("assets_bad_state", F_COOKIE, "GET /api/v1/assets?state=lost\n", NULL);
	request("asset", F_COOKIE, "GET /api/v1/assets/A1\n", NULL);
	request("ready", F_COOKIE, "GET /api/v1/ready?date=2026-11-25&team=KS-1&needs=special\n", NULL);
	request("no_session", 0, "GET /api/v1/assets\n", NULL);
	request("cmd_read", F_COOKIE, "GET /api/v1/cmd/asset/list?team=KS-1&args=A1&args=A2&lang=zh&verbose=true&x=false\n", NULL);
	request("cmd_async", F_COOKIE, "GET /api/v1/cmd/audit?async=1&year=2026\n", NULL);
	request("cmd_file", F_COOKIE, "GET /api/v1/cmd/label?out=labels.pdf&args=A1\n", NULL);
	request("cmd_denied_option", F_COOKIE, "GET /api/v1/cmd/asset/list?store=/etc\n", NULL);
	request("cmd_write", F_COOKIE | F_CSRF,
		"POST /api/v1/cmd/asset/checkout\nOrigin: http://h\nHost: h\n",
		"{\"args\":[\"A1\"],\"holder\":\"\xe5\xbc\xa0\xe4\xb8\x89\",\"purpose\":\"drill\",\"date\":20261125,\"dry\":true}");
	request("cmd_write_no_csrf", F_COOKIE, "POST /api/v1/cmd/asset/checkout\n", "{\"args\":[\"A1\"]}");
	request("cmd_spend_attach", F_COOKIE | F_CSRF, "POST /api/v1/cmd/spend/record\n",
		"{\"fund\":\"F1\",\"amount\":\"12.50\",\"attach\":[\"aGVsbG8=\",\"d29y bGQ=\"]}");
	request("cmd_key_enrol", F_COOKIE | F_CSRF, "POST /api/v1/cmd/key/enrol\n",
		"{\"pub\":\"muster-ed25519 F0VTtFbd38aQjsqxwQH+arIeK6oGF3lb/UOmNIKZP9U=\\n\",\"roles\":[\"keeper\",\"hr\"],\"holder\":\"Wang\"}");
	request("cmd_bad_body", F_COOKIE | F_CSRF, "POST /api/v1/cmd/team/add\n", "[1,2]");
	request("cmd_unknown", F_COOKIE, "GET /api/v1/cmd/init\n", NULL);
	request("job", F_COOKIE, "GET /api/v1/jobs/0123456789abcdef0123456789abcdef/files/labels.pdf\n", NULL);
	request("scan", 0, "GET /t/@LABEL\n", NULL);
	request("scan_forged", 0, "GET /t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
		NULL);
	request("checkpoint", F_SERVE_LOG, "GET /checkpoint\n", NULL);
	request("tile", F_SERVE_LOG, "GET /tile/0/000.p/5\n", NULL);
	request("tile_entries", F_SERVE_LOG, "GET /tile/entries/000.p/5\n", NULL);
	request("witness", F_WITNESS, "POST /add-checkpoint\n", "old 0\n\n" ORIGIN "\n5\nAAAA\n\n\xe2\x80\x94 x AAAA\n");
	request("method_put", 0, "PUT /\n", NULL);
	request("chunked", 0, "POST /api/v1/session\nTransfer-Encoding: chunked\n", NULL);
	request("too_large", 0, "POST /api/v1/session\nContent-Length: 1048577\n", NULL);
	return 0;
}

#endif
