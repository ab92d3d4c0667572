/*
 * musterd_auth.c - signing in: a person's name and passphrase unseal their
 * own key file from the keys directory; the key stays in sodium_malloc
 * memory for the session only and is wiped at sign-out, at the idle or
 * absolute timeout, when the key is revoked, and at shutdown.
 *
 * The cookie is 32 random bytes; the table keeps only their hash.  Each
 * session has its own CSRF token, which every write must echo in a header.
 * Failed sign-ins are counted per name and per client address; past a few,
 * the next attempt waits, doubling each time (429 with Retry-After).
 * Argon2id takes 64 MiB a time, so at most two unseal at once.
 */
#include "config.h"

#include "musterd.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SESS_MAX 1024
#define TOKEN_BYTES 32
#define TOKEN_TEXT sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)
#define COOKIE "muster_session"
#define PASS_MAX 1024
#define KEYS_PER_NAME 8

struct sess {
	int used;
	uint8_t sid[32];         /* BLAKE2b of the cookie's token */
	char csrf[TOKEN_TEXT];   /* the token writes echo */
	muster_signer *signer;   /* its secret half in sodium_malloc memory */
	uint8_t kid[MUSTER_KEYID_BYTES];
	char kid_hex[MUSTER_KEYID_HEX];
	char name[SESS_NAME_MAX];
	time_t created, last;    /* CLOCK_MONOTONIC seconds */
};

static struct sess sess[SESS_MAX];
static pthread_mutex_t sess_mu = PTHREAD_MUTEX_INITIALIZER;
static sem_t unseal_slots;

/* Failed sign-ins, by name and by address. */
#define BUCKETS 4096
#define NAME_FREE 5  /* failures before a name must wait */
#define ADDR_FREE 20 /* ... an address */
#define WAIT_FIRST 30
#define WAIT_MAX 900
#define FORGET 900 /* a bucket quiet this long starts again */

struct bucket {
	uint8_t h[16];
	unsigned fails;
	time_t until, last;
};
static struct bucket buckets[BUCKETS];
static pthread_mutex_t bucket_mu = PTHREAD_MUTEX_INITIALIZER;

static time_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int sess_init(void)
{
	return sem_init(&unseal_slots, 0, 2);
}

static void sess_free(struct sess *s)
{
	muster_signer_free(s->signer); /* wipes the key */
	sodium_memzero(s, sizeof *s);
}

void sess_sweep(void)
{
	time_t t = now_s();
	pthread_mutex_lock(&sess_mu);
	for (size_t i = 0; i < SESS_MAX; i++)
		if (sess[i].used && (t - sess[i].last >= (time_t)srv.idle_s || t - sess[i].created >= (time_t)srv.max_s))
			sess_free(&sess[i]);
	pthread_mutex_unlock(&sess_mu);
}

void sess_end_all(void)
{
	pthread_mutex_lock(&sess_mu);
	for (size_t i = 0; i < SESS_MAX; i++)
		if (sess[i].used)
			sess_free(&sess[i]);
	pthread_mutex_unlock(&sess_mu);
}

/* ---- rate limiting ------------------------------------------------------------------------- */

static struct bucket *bucket_of(char kind, const char *key, int make)
{
	uint8_t h[16];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)&kind, 1);
	crypto_generichash_update(&st, (const unsigned char *)key, strlen(key));
	crypto_generichash_final(&st, h, sizeof h);
	struct bucket *oldest = &buckets[0];
	time_t t = now_s();
	for (size_t i = 0; i < BUCKETS; i++) {
		if (memcmp(buckets[i].h, h, sizeof h) == 0 && buckets[i].last) {
			if (t - buckets[i].last >= FORGET && t >= buckets[i].until)
				buckets[i].fails = 0;
			return &buckets[i];
		}
		if (buckets[i].last < oldest->last)
			oldest = &buckets[i];
	}
	if (!make)
		return NULL;
	memset(oldest, 0, sizeof *oldest);
	memcpy(oldest->h, h, sizeof h);
	oldest->last = t;
	return oldest;
}

/* Seconds until name or addr may try again; 0: now. */
static unsigned wait_for(const char *name, const char *addr)
{
	time_t t = now_s(), w = 0;
	pthread_mutex_lock(&bucket_mu);
	struct bucket *b[2] = {bucket_of('n', name, 0), bucket_of('a', addr, 0)};
	for (int i = 0; i < 2; i++)
		if (b[i] && b[i]->until > t && b[i]->until - t > w)
			w = b[i]->until - t;
	pthread_mutex_unlock(&bucket_mu);
	return (unsigned)w;
}

static void count_failure(const char *name, const char *addr)
{
	time_t t = now_s();
	pthread_mutex_lock(&bucket_mu);
	struct bucket *b[2] = {bucket_of('n', name, 1), bucket_of('a', addr, 1)};
	const unsigned free_[2] = {NAME_FREE, ADDR_FREE};
	for (int i = 0; i < 2; i++) {
		b[i]->fails++;
		b[i]->last = t;
		if (b[i]->fails >= free_[i]) {
			unsigned k = b[i]->fails - free_[i];
			time_t w = k >= 5 ? WAIT_MAX : (time_t)WAIT_FIRST << k;
			b[i]->until = t + (w > WAIT_MAX ? WAIT_MAX : w);
		}
	}
	pthread_mutex_unlock(&bucket_mu);
}

static void clear_failures(const char *name)
{
	pthread_mutex_lock(&bucket_mu);
	struct bucket *b = bucket_of('n', name, 0);
	if (b)
		memset(b, 0, sizeof *b);
	pthread_mutex_unlock(&bucket_mu);
}

/* ---- replies ------------------------------------------------------------------------------ */

/* {"name","key_id","roles","csrf","idle_seconds"} of a live session, with any headers. */
static enum MHD_Result session_reply(struct MHD_Connection *c, unsigned status, const char *name, const char *kid_hex,
	uint32_t roles, const char *csrf, const char *const *hdrs)
{
	char rs[128] = "";
	json_t *list = json_array();
	if (muster_roles_format(roles, rs, sizeof rs) == 0)
		for (char *save = NULL, *r = strtok_r(rs, ",", &save); r && list; r = strtok_r(NULL, ",", &save))
			json_array_append_new(list, json_string(r));
	json_t *o = json_pack("{s:s,s:s,s:o?,s:s,s:I,s:I}", "name", name, "key_id", kid_hex, "roles", list, "csrf", csrf,
		"idle_seconds", (json_int_t)srv.idle_s, "max_seconds", (json_int_t)srv.max_s);
	return o ? http_json_hdrs(c, status, o, hdrs) : MHD_NO;
}

/* The key's roles now, or -1 if it is revoked or gone. */
static int64_t key_roles(const uint8_t kid[MUSTER_KEYID_BYTES])
{
	muster_key_info k;
	muster_buf b = {0};
	int rc = muster_key_get(srv.store, kid, &k, &b);
	muster_buf_free(&b);
	return rc || k.revoked_at != MUSTER_NOT_REVOKED ? -1 : (int64_t)k.roles;
}

/* ---- sign in ------------------------------------------------------------------------------ */

struct holder {
	const char *name;
	uint8_t pk[KEYS_PER_NAME][MUSTER_PK_BYTES];
	size_t n;
};

static int holder_key(const muster_key_info *k, void *arg)
{
	struct holder *h = arg;
	if (k->revoked_at == MUSTER_NOT_REVOKED && k->holder.n == strlen(h->name) &&
		memcmp(k->holder.p, h->name, k->holder.n) == 0 && h->n < KEYS_PER_NAME)
		memcpy(h->pk[h->n++], k->pk, MUSTER_PK_BYTES);
	return 0;
}

/*
 * The sealed key file in the keys directory whose FILE.pub is pk: its
 * path into out.  A public key file is not secret, so it names the key.
 */
static int key_file(const uint8_t pk[MUSTER_PK_BYTES], char *out, size_t cap)
{
	DIR *d = opendir(srv.keys);
	struct dirent *e;
	int found = 0;
	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		uint8_t got[MUSTER_PK_BYTES];
		struct stat st;
		if (n < 5 || strcmp(e->d_name + n - 4, ".pub") != 0)
			continue;
		if ((size_t)snprintf(out, cap, "%s/%s", srv.keys, e->d_name) >= cap)
			continue;
		if (muster_pub_read(out, got) != 0 || sodium_memcmp(got, pk, MUSTER_PK_BYTES) != 0)
			continue;
		out[strlen(out) - 4] = 0;
		found = stat(out, &st) == 0 && S_ISREG(st.st_mode);
	}
	closedir(d);
	return found;
}

/* A new session for signer; its cookie token and CSRF token into tok and csrf.  -1 if full. */
static int sess_new(muster_signer *signer, const char *name, char tok[TOKEN_TEXT], char csrf[TOKEN_TEXT])
{
	uint8_t raw[TOKEN_BYTES];
	time_t t = now_s();
	pthread_mutex_lock(&sess_mu);
	struct sess *s = NULL;
	for (size_t i = 0; i < SESS_MAX && !s; i++)
		if (!sess[i].used)
			s = &sess[i];
	if (!s) {
		pthread_mutex_unlock(&sess_mu);
		return -1;
	}
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(tok, TOKEN_TEXT, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(s->sid, sizeof s->sid, (const unsigned char *)tok, strlen(tok), NULL, 0);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(s->csrf, sizeof s->csrf, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	memcpy(csrf, s->csrf, TOKEN_TEXT);
	s->used = 1;
	s->signer = signer;
	muster_key_id(muster_signer_pk(signer), s->kid);
	muster_key_id_hex(muster_signer_pk(signer), s->kid_hex);
	snprintf(s->name, sizeof s->name, "%s", name);
	s->created = s->last = t;
	pthread_mutex_unlock(&sess_mu);
	return 0;
}

static void cookie(char *out, size_t cap, const char *tok, int end)
{
	snprintf(out, cap, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s%s", end ? "" : tok,
		end ? "; Max-Age=0" : "", srv.tls ? "; Secure" : "");
}

/* A write from a page must come from this server: Origin, when sent, names the Host. */
static int same_origin(struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	if (!origin)
		return 1;
	const char *p = strstr(origin, "://");
	return p && host && strcmp(p + 3, host) == 0;
}

static enum MHD_Result sign_in(struct MHD_Connection *c, struct http_req *q)
{
	json_error_t err;
	json_t *body = q->body ? json_loadb(q->body, q->blen, JSON_REJECT_DUPLICATES, &err) : NULL;
	http_body_free(q); /* the passphrase's first copy */
	json_t *jn = json_object_get(body, "name"), *jp = json_object_get(body, "passphrase");
	char addr[64];
	req_addr(c, addr, sizeof addr);
	enum MHD_Result ret;
	if (!json_is_string(jn) || !json_is_string(jp) || json_string_length(jn) == 0 ||
		json_string_length(jn) >= SESS_NAME_MAX || json_string_length(jp) > PASS_MAX ||
		strlen(json_string_value(jn)) != json_string_length(jn)) {
		ret = http_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
			"sign in with a JSON body {\"name\":\"the key holder's name\",\"passphrase\":\"...\"}",
			"登录请求须为 JSON：{\"name\":\"密钥持有人姓名\",\"passphrase\":\"口令\"}");
		goto out;
	}
	if (!same_origin(c)) {
		ret = http_error(c, MHD_HTTP_FORBIDDEN, "bad_origin", "the request comes from another site's page",
			"请求来自其他站点的页面");
		goto out;
	}
	const char *name = json_string_value(jn);
	unsigned wait = wait_for(name, addr);
	if (wait) {
		char ra[16], en[160], zh[160];
		snprintf(ra, sizeof ra, "%u", wait);
		snprintf(en, sizeof en, "too many failed sign-ins; try again in %u s", wait);
		snprintf(zh, sizeof zh, "登录失败次数过多；请 %u 秒后再试", wait);
		ret = http_json_hdr(c, MHD_HTTP_TOO_MANY_REQUESTS, http_error_json("rate_limited", en, zh), "Retry-After", ra);
		goto out;
	}
	struct holder h = {name, {{0}}, 0};
	muster_signer *signer = NULL;
	char path[PATH_MAX];
	if (muster_key_list(srv.store, holder_key, &h) != 0)
		h.n = 0;
	for (size_t i = 0; i < h.n && !signer; i++) {
		if (!key_file(h.pk[i], path, sizeof path))
			continue;
		while (sem_wait(&unseal_slots) != 0 && errno == EINTR)
			;
		if (muster_key_unseal(path, json_string_value(jp), json_string_length(jp), &signer) != 0)
			signer = NULL;
		sem_post(&unseal_slots);
	}
	if (!signer) {
		/* One answer for an unknown name, a key file missing and a wrong passphrase. */
		count_failure(name, addr);
		fprintf(stderr, "musterd: a sign-in from %s was refused\n", addr);
		ret = http_error(c, MHD_HTTP_UNAUTHORIZED, "bad_credentials",
			"the name or the passphrase is wrong (or this person's key file is not in the server's keys directory)",
			"姓名或口令错误（或服务器的密钥目录中没有此人的密钥文件）");
		goto out;
	}
	clear_failures(name);
	char tok[TOKEN_TEXT], csrf[TOKEN_TEXT], ck[TOKEN_TEXT + 96], kid_hex[MUSTER_KEYID_HEX];
	uint8_t kid[MUSTER_KEYID_BYTES];
	muster_key_id(muster_signer_pk(signer), kid);
	muster_key_id_hex(muster_signer_pk(signer), kid_hex);
	int64_t roles = key_roles(kid);
	if (sess_new(signer, name, tok, csrf) != 0) {
		muster_signer_free(signer);
		ret = http_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", "too many people are signed in; try again later",
			"登录人数已满；请稍后再试");
		goto out;
	}
	cookie(ck, sizeof ck, tok, 0);
	sodium_memzero(tok, sizeof tok);
	const char *hdrs[] = {MHD_HTTP_HEADER_SET_COOKIE, ck, NULL};
	fprintf(stderr, "musterd: %s (key %s) signed in from %s\n", name, kid_hex, addr);
	ret = session_reply(c, MHD_HTTP_OK, name, kid_hex, roles < 0 ? 0 : (uint32_t)roles, csrf, hdrs);
	sodium_memzero(ck, sizeof ck);
out:
	if (json_is_string(jp)) /* the passphrase's second copy */
		sodium_memzero((char *)json_string_value(jp), json_string_length(jp));
	json_decref(body);
	return ret;
}

/* ---- the session of a request ------------------------------------------------------------- */

/* The live session of the request's cookie, locked (sess_mu held) or NULL (not held). */
static struct sess *find(struct MHD_Connection *c)
{
	const char *tok = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE);
	uint8_t sid[32];
	if (!tok || strlen(tok) != TOKEN_TEXT - 1)
		return NULL;
	crypto_generichash(sid, sizeof sid, (const unsigned char *)tok, strlen(tok), NULL, 0);
	time_t t = now_s();
	pthread_mutex_lock(&sess_mu);
	for (size_t i = 0; i < SESS_MAX; i++) {
		struct sess *s = &sess[i];
		if (!s->used || sodium_memcmp(s->sid, sid, sizeof sid) != 0)
			continue;
		if (t - s->last >= (time_t)srv.idle_s || t - s->created >= (time_t)srv.max_s) {
			sess_free(s);
			break;
		}
		s->last = t;
		return s;
	}
	pthread_mutex_unlock(&sess_mu);
	return NULL;
}

int sess_check(struct MHD_Connection *c, int write, struct who *w, enum MHD_Result *reply)
{
	struct sess *s = find(c);
	if (!s) {
		*reply = http_error(c, MHD_HTTP_UNAUTHORIZED, "no_session", "sign in first (POST /api/v1/session)",
			"请先登录（POST /api/v1/session）");
		return -1;
	}
	if (write) {
		const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
		if (!tok || strlen(tok) != strlen(s->csrf) || sodium_memcmp(tok, s->csrf, strlen(tok)) != 0 ||
			!same_origin(c)) {
			pthread_mutex_unlock(&sess_mu);
			*reply = http_error(c, MHD_HTTP_FORBIDDEN, "csrf",
				"a write needs the session's X-CSRF-Token header, from a page of this server",
				"写操作须带本会话的 X-CSRF-Token 请求头，且来自本服务器的页面");
			return -1;
		}
	}
	memcpy(w->sid, s->sid, sizeof w->sid);
	memcpy(w->key_id, s->kid_hex, sizeof w->key_id);
	snprintf(w->name, sizeof w->name, "%s", s->name);
	uint8_t kid[MUSTER_KEYID_BYTES];
	memcpy(kid, s->kid, sizeof kid);
	pthread_mutex_unlock(&sess_mu);
	/* A key revoked since sign-in ends the session. */
	int64_t roles = key_roles(kid);
	if (roles < 0) {
		pthread_mutex_lock(&sess_mu);
		for (size_t i = 0; i < SESS_MAX; i++)
			if (sess[i].used && sodium_memcmp(sess[i].sid, w->sid, sizeof w->sid) == 0)
				sess_free(&sess[i]);
		pthread_mutex_unlock(&sess_mu);
		*reply = http_error(c, MHD_HTTP_UNAUTHORIZED, "key_revoked", "your key was revoked; the session has ended",
			"你的密钥已被吊销；会话已结束");
		return -1;
	}
	w->roles = (uint32_t)roles;
	return 0;
}

int sess_seed_to(const struct who *w, int fd)
{
	int rc = -1;
	pthread_mutex_lock(&sess_mu);
	for (size_t i = 0; i < SESS_MAX; i++) {
		struct sess *s = &sess[i];
		if (s->used && sodium_memcmp(s->sid, w->sid, sizeof w->sid) == 0) {
			/* 32 bytes into an empty pipe: written whole, at once. */
			rc = write(fd, muster_signer_sk(s->signer), 32) == 32 ? 0 : -1;
			break;
		}
	}
	pthread_mutex_unlock(&sess_mu);
	return rc;
}

enum MHD_Result api_session(struct MHD_Connection *c, const char *method, struct http_req *q)
{
	if (strcmp(method, MHD_HTTP_METHOD_POST) == 0)
		return sign_in(c, q);
	struct who w;
	enum MHD_Result reply;
	int del = strcmp(method, MHD_HTTP_METHOD_DELETE) == 0;
	if (sess_check(c, del, &w, &reply) != 0)
		return reply;
	if (del) {
		char ck[128];
		pthread_mutex_lock(&sess_mu);
		for (size_t i = 0; i < SESS_MAX; i++)
			if (sess[i].used && sodium_memcmp(sess[i].sid, w.sid, sizeof w.sid) == 0)
				sess_free(&sess[i]);
		pthread_mutex_unlock(&sess_mu);
		cookie(ck, sizeof ck, "", 1);
		const char *hdrs[] = {MHD_HTTP_HEADER_SET_COOKIE, ck, NULL};
		fprintf(stderr, "musterd: %s (key %s) signed out\n", w.name, w.key_id);
		return http_bytes(c, MHD_HTTP_NO_CONTENT, "", 0, "text/plain; charset=utf-8", hdrs);
	}
	char csrf[TOKEN_TEXT] = "";
	pthread_mutex_lock(&sess_mu);
	for (size_t i = 0; i < SESS_MAX; i++)
		if (sess[i].used && sodium_memcmp(sess[i].sid, w.sid, sizeof w.sid) == 0)
			memcpy(csrf, sess[i].csrf, sizeof csrf);
	pthread_mutex_unlock(&sess_mu);
	return session_reply(c, MHD_HTTP_OK, w.name, w.key_id, w.roles, csrf, NULL);
}
