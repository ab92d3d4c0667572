/*
 * musterd - Muster's HTTP service (docs/API.md): sign-in, a JSON API over
 * one store, the scan URL a phone opens from a label, and the web pages.
 *
 * One store handle for the life of the process; every request reads in its
 * own snapshot (an LMDB read transaction), so any number run beside each
 * other and beside a writer.  The hot reads (assets, an asset's history,
 * readiness, the scan URL) are answered here; every other command, and
 * every write, runs the muster command itself through the gateway
 * (musterd_cmd.c) as the person signed in (musterd_auth.c).  LMDB lets one
 * writer in at a time, across processes.
 */
#include "config.h"

#include "musterd.h"
#include "reasons.h"
#include "rowfilter.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef MHD_HTTP_CONTENT_TOO_LARGE /* its name before libmicrohttpd 0.9.74 */
#define MHD_HTTP_CONTENT_TOO_LARGE 413
#endif
#ifndef MUSTERD_WWW
#define MUSTERD_WWW "www"
#endif

enum { EXIT_START = EXIT_IO }; /* the service could not start */

struct musterd srv;

/* "musterd: <message>" on stderr, and exit. */
#ifdef __GNUC__
__attribute__((noreturn, format(printf, 2, 3)))
#endif
static void fail(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("musterd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* Picks en or zh by the flag; both must take the same arguments. */
#ifdef __GNUC__
__attribute__((format_arg(2), format_arg(3)))
#endif
static inline const char *W(int zh, const char *en, const char *z)
{
	return zh ? z : en;
}

/* ---- JSON of records and entries ---------------------------------------------------------- */

/* A field record as a JSON object, named and typed by the field dictionary (as muster_rec_json). */
static json_t *rec_json(const muster_rec *r)
{
	json_t *o = json_object();
	for (unsigned tag = 1; o && tag < MUSTER_FIELDS_MAX; tag++) {
		const muster_field *f = muster_field_get(tag);
		const muster_fv *v = &r->v[tag];
		json_t *j = NULL;
		char buf[40];
		if (!MUSTER_HAS(r, tag) || !f)
			continue;
		switch (f->type) {
		case MUSTER_F_TEXT:
			j = json_stringn(v->p, v->n);
			break;
		case MUSTER_F_BYTES: {
			char *hex = malloc(v->n * 2 + 1);
			if (hex)
				j = json_string(sodium_bin2hex(hex, v->n * 2 + 1, (const unsigned char *)v->p, v->n));
			free(hex);
			break;
		}
		case MUSTER_F_DATE:
			muster_date_format(v->u, buf);
			j = json_string(buf);
			break;
		case MUSTER_F_ENUM:
			j = json_string(f->enums[v->u]);
			break;
		case MUSTER_F_BOOL:
			j = json_true();
			break;
		case MUSTER_F_TIME: {
			char t[20];
			muster_time_format(v->u, t);
			t[10] = 'T';
			snprintf(buf, sizeof buf, "%s:%02u+08:00", t, (unsigned)(v->u % 60));
			j = json_string(buf);
			break;
		}
		case MUSTER_F_LIST:
		case MUSTER_F_KV: {
			muster_iter it;
			const char *s, *k = NULL;
			size_t n, kn = 0;
			int kv = f->type == MUSTER_F_KV;
			j = kv ? json_object() : json_array();
			muster_iter_init(&it, v, kv);
			while (j && muster_iter_next(&it, &s, &n)) {
				if (!kv) {
					json_array_append_new(j, json_stringn(s, n));
				} else if (!k) {
					k = s, kn = n;
				} else {
					char *key = strndup(k, kn); /* jansson before 2.14 wants NUL-terminated keys */
					if (key)
						json_object_set_new(j, key, json_stringn(s, n));
					free(key);
					k = NULL;
				}
			}
			break;
		}
		default:
			j = json_integer((json_int_t)v->u);
		}
		if (json_object_set_new(o, f->name, j ? j : json_null()) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* An entry's time, ISO 8601 in Beijing time: "2026-11-25T15:50:49.123+08:00". */
static void entry_time(uint64_t ms, char out[48])
{
	char t[32];
	muster_time_local(ms, t);
	t[10] = 'T';
	snprintf(out, 48, "%.19s.%03u+08:00", t, (unsigned)(ms % 1000));
}

/* {index,type,time,signer,holder,signature_ok,fields} of entry index, as `muster asset history --json`. */
static int entry_json(muster_snap *sn, uint64_t index, json_t **out)
{
	muster_entry e;
	const uint8_t *raw;
	size_t len;
	int rc = muster_snap_entry(sn, index, &e, &raw, &len);
	if (rc)
		return rc;
	uint8_t kid[MUSTER_KEYID_BYTES];
	char hex[MUSTER_KEYID_HEX], t[48];
	muster_key_info k;
	muster_buf kb = {0};
	muster_key_id(e.signer, kid);
	muster_key_id_hex(e.signer, hex);
	entry_time(e.time_ms, t);
	json_t *holder = muster_key_get(muster_snap_store(sn), kid, &k, &kb) == 0 ? json_stringn(k.holder.p, k.holder.n) : NULL;
	muster_buf_free(&kb);
	const char *name = muster_event_name(e.type);
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:o?,s:b}", "index", (json_int_t)e.index, "type", name ? name : "?",
		"time", t, "signer", hex, "holder", holder, "signature_ok", muster_entry_verify(raw, len, &e) == 0);
	if (!o)
		return MUSTER_ENOMEM;
	muster_rec r;
	muster_mask allowed, required;
	if (muster_event_schema(e.type, &allowed, &required) &&
		muster_rec_decode(e.body, e.body_len, allowed, required, &r, NULL, 0) == 0)
		json_object_set_new(o, "fields", rec_json(&r));
	*out = o;
	return 0;
}

/* ---- replies ------------------------------------------------------------------------------ */

static enum MHD_Result store_error(struct MHD_Connection *c, int rc)
{
	if (rc == MUSTER_ENOTFOUND)
		return http_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such record", "无此记录");
	fprintf(stderr, "musterd: %s\n", muster_strerror(rc));
	return http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", muster_strerror(rc), muster_strerror_zh(rc));
}

static enum MHD_Result no_memory(struct MHD_Connection *c)
{
	return store_error(c, MUSTER_ENOMEM);
}

static const char *arg(struct MHD_Connection *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	return v && *v ? v : NULL;
}

/* ---- /api/v1/site ------------------------------------------------------------------------- */

static enum MHD_Result api_site(struct MHD_Connection *c)
{
	muster_buf ck = {0};
	uint64_t size = 0;
	uint8_t root[MUSTER_HASH_BYTES];
	char b64[sodium_base64_ENCODED_LEN(MUSTER_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	/* The root of the checkpoint's own size: a later write cannot change it. */
	int rc = muster_log_checkpoint(srv.store, UINT64_MAX, &ck, &size);
	if (!rc)
		rc = ck.err ? ck.err : muster_log_root(srv.store, size, root);
	if (rc) {
		muster_buf_free(&ck);
		return store_error(c, rc);
	}
	sodium_bin2base64(b64, sizeof b64, root, sizeof root, sodium_base64_VARIANT_ORIGINAL);
	json_t *o = json_pack("{s:s,s:I,s:s,s:s%}", "origin", muster_store_origin(srv.store), "size", (json_int_t)size,
		"root", b64, "checkpoint", (const char *)ck.data, ck.len);
	muster_buf_free(&ck);
	return o ? http_json(c, MHD_HTTP_OK, o) : no_memory(c);
}

/* ---- /api/v1/teams, /api/v1/assets -------------------------------------------------------- */

struct lister {
	json_t *rows;
	struct row_filter f;
};

static int list_row(const char *key, size_t klen, const muster_rec *r, void *arg_)
{
	struct lister *l = arg_;
	(void)key, (void)klen;
	if (!row_filter_match(&l->f, r))
		return 0;
	json_t *o = rec_json(r);
	return o && json_array_append_new(l->rows, o) == 0 ? 0 : MUSTER_ENOMEM;
}

static enum MHD_Result api_list(struct MHD_Connection *c, int table)
{
	struct lister l = {json_array(), {NULL, NULL, -1}};
	if (table == MUSTER_T_ASSET) {
		const char *st = arg(c, "state");
		l.f.team = arg(c, "team"), l.f.depot = arg(c, "depot");
		if (st) {
			l.f.state = row_state_of(st);
			if (l.f.state < 0) {
				json_decref(l.rows);
				return http_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
					"state must be one of in_depot checked_out in_repair transfer_pending requisitioned released scrapped",
					"state 须为 in_depot checked_out in_repair transfer_pending requisitioned released scrapped 之一");
			}
		}
	}
	muster_snap *sn;
	int rc = l.rows ? muster_snap_begin(srv.store, &sn) : MUSTER_ENOMEM;
	if (!rc) {
		rc = muster_row_list(sn, table, NULL, 0, list_row, &l);
		muster_snap_end(sn);
	}
	if (rc) {
		json_decref(l.rows);
		return store_error(c, rc);
	}
	return http_json(c, MHD_HTTP_OK, l.rows);
}

/* ---- /api/v1/assets/{id} ------------------------------------------------------------------ */

struct hist {
	muster_snap *sn;
	json_t *rows;
};

static int hist_one(uint64_t index, void *arg_)
{
	struct hist *h = arg_;
	json_t *e;
	int rc = entry_json(h->sn, index, &e);
	if (rc)
		return rc;
	return json_array_append_new(h->rows, e) == 0 ? 0 : MUSTER_ENOMEM;
}

static enum MHD_Result api_asset(struct MHD_Connection *c, const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > MUSTER_TAG_ID_MAX || strchr(id, '/'))
		return http_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such asset", "无此资产");
	muster_snap *sn;
	muster_rec a;
	json_t *o = NULL;
	int rc = muster_snap_begin(srv.store, &sn);
	if (rc)
		return store_error(c, rc);
	rc = muster_row_get(sn, MUSTER_T_ASSET, id, n, &a);
	if (rc == MUSTER_ENOTFOUND) {
		muster_snap_end(sn);
		return http_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such asset", "无此资产");
	}
	struct hist h = {sn, json_array()};
	if (!rc && (!(o = rec_json(&a)) || !h.rows))
		rc = MUSTER_ENOMEM;
	if (!rc)
		rc = muster_asset_history(sn, id, hist_one, &h);
	muster_snap_end(sn);
	if (!rc && json_object_set_new(o, "history", h.rows) != 0)
		rc = MUSTER_ENOMEM;
	else if (rc)
		json_decref(h.rows);
	if (rc) {
		json_decref(o);
		return store_error(c, rc);
	}
	return http_json(c, MHD_HTTP_OK, o);
}

/* ---- /api/v1/ready: `muster ready --json` --------------------------------------------------- */

static json_t *text_json(const muster_buf *b)
{
	return b->err ? NULL : json_stringn(b->len ? (const char *)b->data : "", b->len);
}

/* One reason as `muster ready --json` writes it; "text" in English (the CLI's C locale), "text_zh" beside it. */
static json_t *reason_json(muster_snap *sn, const muster_rec *p, const muster_reason *r)
{
	json_t *o = json_pack("{s:s}", "code", muster_reason_code(r->code));
	if (!o)
		return NULL;
	if (r->kind_len)
		json_object_set_new(o, "kind", json_stringn(r->kind, r->kind_len));
	if (r->ref_len) {
		const char *key = r->code == MUSTER_R_EMERGENCY_OWED ? "deployment" :
				  r->code == MUSTER_R_CONTRA ? "contraindication" : "number";
		json_object_set_new(o, key, json_stringn(r->ref, r->ref_len));
	}
	if (r->date) {
		char d[11];
		muster_date_format(r->date, d);
		json_object_set_new(o, "date", json_string(d));
	}
	if (r->code == MUSTER_R_EXAM_OVERDUE)
		json_object_set_new(o, "interval", json_integer((json_int_t)r->n));
	if (r->code == MUSTER_W_AGE) {
		json_object_set_new(o, "age", json_integer((json_int_t)r->n));
		json_object_set_new(o, "limit", json_integer((json_int_t)r->n2));
	}
	for (int zh = 0; zh < 2; zh++) {
		muster_buf t = {0};
		cli_reason_words(&t, sn, p, r, zh);
		json_object_set_new(o, zh ? "text_zh" : "text", text_json(&t));
		muster_buf_free(&t);
	}
	return o;
}

struct ready {
	muster_snap *sn;
	uint64_t date;
	const muster_needs *needs;
	json_t *yes, *no;
	size_t people, ok;
};

static int ready_one(const muster_rec *p, void *arg_)
{
	struct ready *r = arg_;
	muster_reason why[MUSTER_REASONS_MAX];
	size_t n, blocks;
	int rc = muster_person_ready(r->sn, p, r->date, r->needs, why, &n, &blocks);
	if (rc)
		return rc;
	/* Leavers are listed too, with the reason 'left', as the CLI lists them. */
	r->people++;
	if (!blocks)
		r->ok++;
	json_t *o = json_pack("{s:s%,s:s%,s:s%,s:s,s:s}", "person", p->v[MF_PERSON].p, p->v[MF_PERSON].n, "name",
		p->v[MF_NAME].p, p->v[MF_NAME].n, "team", p->v[MF_TEAM].p, p->v[MF_TEAM].n, "position",
		muster_positions[p->v[MF_POSITION].u], "status", muster_field_get(MF_STATUS)->enums[p->v[MF_STATUS].u]);
	json_t *reasons = json_array(), *warnings = json_array();
	for (size_t i = 0; reasons && warnings && i < n; i++)
		json_array_append_new(MUSTER_REASON_BLOCKS(why[i].code) ? reasons : warnings, reason_json(r->sn, p, &why[i]));
	if (!o || !reasons || !warnings) {
		json_decref(o), json_decref(reasons), json_decref(warnings);
		return MUSTER_ENOMEM;
	}
	if (blocks)
		json_object_set_new(o, "reasons", reasons);
	else
		json_decref(reasons);
	json_object_set_new(o, "warnings", warnings);
	return json_array_append_new(blocks ? r->no : r->yes, o) == 0 ? 0 : MUSTER_ENOMEM;
}

static enum MHD_Result api_ready(struct MHD_Connection *c)
{
	const char *ds = arg(c, "date"), *team = arg(c, "team"), *needs_arg = arg(c, "needs");
	uint64_t date = ds ? muster_date_parse(ds) : muster_date_of_ms((uint64_t)time(NULL) * 1000);
	if (!date)
		return http_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", "date must be YYYY-MM-DD, e.g. 2026-11-25",
			"date 须写成 YYYY-MM-DD，如 2026-11-25");
	char copy[1024];
	const char *kinds[32];
	muster_needs needs = {kinds, 0};
	muster_snap *sn;
	muster_rec t;
	if (needs_arg && strlen(needs_arg) >= sizeof copy)
		return http_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", "too many needs", "needs 过多");
	int rc = muster_snap_begin(srv.store, &sn);
	if (rc)
		return store_error(c, rc);
	if (team && (strlen(team) > 32 || muster_row_cget(sn, MUSTER_T_TEAM, team, &t) != 0)) {
		muster_snap_end(sn);
		return http_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such team", "无此队伍");
	}
	if (needs_arg) {
		char *save = NULL;
		snprintf(copy, sizeof copy, "%s", needs_arg);
		for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			muster_cert_rule rule;
			if (needs.n == 32 ||
				(strcmp(tok, "special") != 0 && muster_cert_rule_get(sn, tok, strlen(tok), &rule) != 0)) {
				muster_snap_end(sn);
				return http_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
					"needs names a certificate kind that does not exist (or 'special' for 特体队员)",
					"needs 中有不存在的证书类别（特体队员写 special）");
			}
			kinds[needs.n++] = tok;
		}
	}
	struct ready r = {sn, date, &needs, json_array(), json_array(), 0, 0};
	rc = r.yes && r.no ? muster_people_each(sn, team, ready_one, &r) : MUSTER_ENOMEM;
	json_t *need = json_array();
	for (size_t i = 0; need && i < needs.n; i++)
		json_array_append_new(need, json_string(kinds[i]));
	muster_snap_end(sn);
	char d[11];
	muster_date_format(date, d);
	json_t *o = rc ? NULL :
			 json_pack("{s:s,s:s?,s:o,s:I,s:I,s:O,s:O}", "date", d, "team", team, "needs", need, "people",
				 (json_int_t)r.people, "deployable_count", (json_int_t)r.ok, "deployable", r.yes,
				 "not_deployable", r.no);
	if (rc)
		json_decref(need); /* else json_pack took it, even on failure */
	json_decref(r.yes), json_decref(r.no);
	if (!o)
		return rc ? store_error(c, rc) : no_memory(c);
	return http_json(c, MHD_HTTP_OK, o);
}

/* ---- /t/<tag>: a label scanned by a phone ------------------------------------------------ */

static enum MHD_Result scan(struct MHD_Connection *c, const char *tag)
{
	static const struct {
		unsigned status;
		const char *code, *en, *zh;
	} bad[] = {
		[MUSTER_LBL_NOT_LABEL] = {MHD_HTTP_NOT_FOUND, "not_label", "this is not a Muster label", "这不是本系统的标签"},
		[MUSTER_LBL_FOREIGN] = {MHD_HTTP_CONFLICT, "foreign", "this is another site's label", "这是其他站点的标签"},
		[MUSTER_LBL_FORGED] = {MHD_HTTP_CONFLICT, "forged", "the label's signature does not verify: this site did not issue it",
			"标签签名无效：并非本站签发"},
		[MUSTER_LBL_UNKNOWN] = {MHD_HTTP_NOT_FOUND, "unknown", "no asset of this label is registered here", "本站未登记此标签的资产"},
		[MUSTER_LBL_REVOKED] = {MHD_HTTP_GONE, "revoked", "a newer label was issued for this asset; this one is revoked",
			"该资产已换发新标签，此标签已作废"},
		[MUSTER_LBL_NOT_ISSUED] = {MHD_HTTP_CONFLICT, "not_issued", "this site never issued a label with this serial",
			"本站未签发此序号的标签"},
	};
	muster_snap *sn;
	muster_buf p = {0};
	muster_tag t;
	uint64_t current;
	int why = MUSTER_LBL_NOT_LABEL;
	int rc = muster_snap_begin(srv.store, &sn);
	if (rc)
		return store_error(c, rc);
	/*
	 * The request reached this site, so the payload is rebuilt under the
	 * site's current base URL: the URL is not signed, and a proxy in front
	 * may change the Host.  'foreign' therefore never comes from here.
	 */
	if ((rc = muster_snap_base_url(sn, &p)) == 0) {
		muster_buf_puts(&p, "/t/");
		muster_buf_puts(&p, tag);
		rc = p.err ? p.err : strlen(tag) > MUSTER_PAYLOAD_MAX ? MUSTER_EINVAL :
			muster_label_check(sn, (const char *)p.data, p.len, &t, &current, &why);
	}
	muster_snap_end(sn);
	muster_buf_free(&p);
	if (rc == 0) {
		char loc[sizeof "/asset.html?id=" + 3 * MUSTER_TAG_ID_MAX];
		size_t o = (size_t)snprintf(loc, sizeof loc, "/asset.html?id=");
		for (size_t i = 0; i < t.id_len && o + 4 <= sizeof loc; i++) {
			unsigned char ch = (unsigned char)t.id[i];
			if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
				(ch && strchr("-._~", ch)))
				loc[o++] = (char)ch;
			else
				o += (size_t)snprintf(loc + o, sizeof loc - o, "%%%02X", ch);
		}
		loc[o] = 0;
		return http_redirect(c, loc);
	}
	if (why > MUSTER_LBL_OK && why <= MUSTER_LBL_NOT_ISSUED && (rc == MUSTER_EINVAL || rc == MUSTER_EVERIFY ||
		rc == MUSTER_ENOTFOUND || rc == MUSTER_ESTATE))
		return http_error(c, bad[why].status, bad[why].code, bad[why].en, bad[why].zh);
	return store_error(c, rc);
}

/* ---- routing ----------------------------------------------------------------------------- */

int req_zh(struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Muster-Lang");
	if (v)
		return strncmp(v, "en", 2) != 0;
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
	return !v || strncmp(v, "en", 2) != 0;
}

void req_addr(struct MHD_Connection *c, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	snprintf(out, cap, "?");
	if (sa)
		getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in), out,
			(socklen_t)cap, NULL, 0, NI_NUMERICHOST);
}

static enum MHD_Result route(struct MHD_Connection *c, const char *method, const char *path, struct http_req *q)
{
	int get = !q->write;
	/* C2SP tlog-witness: no session, the checkpoint's signature is the credential (musterd_witness.c). */
	if (strcmp(path, "/add-checkpoint") == 0)
		return srv.witness ? api_witness(c, method, q) :
				     http_error(c, MHD_HTTP_NOT_FOUND, "not_found", "this server is no witness (musterd --witness)",
					     "此服务未开启见证（musterd --witness）");
	if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0) {
		if (strcmp(path, "/api/v1/site") == 0)
			return get ? api_site(c) :
				     http_json_hdr(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					     http_error_json("method_not_allowed", "the site is read with GET", "站点信息只能用 GET 读取"),
					     MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		if (strcmp(path, "/api/v1/session") == 0)
			return api_session(c, method, q);
		/* Everything else is for a person signed in; writes carry the session's CSRF token. */
		struct who w;
		enum MHD_Result reply;
		if (sess_check(c, !get, &w, &reply) != 0)
			return reply;
		if (strncmp(path, "/api/v1/cmd/", 12) == 0)
			return api_cmd(c, method, path + 12, q, &w);
		if (!get)
			return http_json_hdr(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				http_error_json("method_not_allowed", "only commands (/api/v1/cmd/...) and the session take writes",
					"只有命令（/api/v1/cmd/...）和会话接受写操作"),
				MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		if (strncmp(path, "/api/v1/jobs/", 13) == 0)
			return api_job(c, path + 13, &w);
		if (strcmp(path, "/api/v1/teams") == 0)
			return api_list(c, MUSTER_T_TEAM);
		if (strcmp(path, "/api/v1/assets") == 0)
			return api_list(c, MUSTER_T_ASSET);
		if (strncmp(path, "/api/v1/assets/", 15) == 0)
			return api_asset(c, path + 15);
		if (strcmp(path, "/api/v1/ready") == 0)
			return api_ready(c);
		return http_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such API endpoint; see docs/API.md",
			"无此接口；参见 docs/API.md");
	}
	if (!get)
		return http_json_hdr(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			http_error_json("method_not_allowed", "pages and the scan URL are read with GET", "页面和扫码地址只能用 GET 读取"),
			MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (strncmp(path, "/t/", 3) == 0)
		return scan(c, path + 3);
	if (srv.serve_log && (strcmp(path, "/checkpoint") == 0 || strncmp(path, "/tile/", 6) == 0))
		return api_log(c, path);
	return http_static(c, srv.www, path);
}

/* The request target as sent, kept for the request (MHD gives handlers a decoded path). */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http_req *q = calloc(1, sizeof *q);
	(void)cls, (void)c;
	if (q && !(q->raw = strdup(uri))) {
		free(q);
		return NULL;
	}
	if (q)
		q->rawlen = strlen(uri);
	return q;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_req *q = *con_cls;
	(void)cls, (void)c, (void)toe;
	if (q) {
		http_body_free(q);
		free(q->raw);
		free(q);
		*con_cls = NULL;
	}
}

static enum MHD_Result route_raw(struct MHD_Connection *c, const char *method, struct http_req *q)
{
	char path[HTTP_URL_MAX + 1];
	if (http_path(q->raw, q->rawlen, path, sizeof path) != 0)
		return http_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
			"the path holds '.', '..', an encoded '/' or '\\', or a control character",
			"路径含有 '.'、'..'、编码的 '/' 或 '\\' 或控制字符");
	return route(c, method, path, q);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_req *q = *con_cls;
	(void)cls, (void)url, (void)version;
	if (!q)
		return MHD_NO; /* out of memory in uri_log */
	if (q->seen) {
		if (*upload_data_size) {
			/* A write's body is kept (at most 1 MiB); a GET's small body is read and dropped. */
			if (q->write && http_body_add(q, upload_data, *upload_data_size) != 0)
				return MHD_NO;
			*upload_data_size = 0;
			return MHD_YES;
		}
		return route_raw(c, method, q);
	}
	/* Refusals are sent before the body is read; MHD then closes the connection. */
	q->seen = 1;
	if (q->rawlen > HTTP_URL_MAX)
		return http_error(c, MHD_HTTP_URI_TOO_LONG, "uri_too_long", "the URL is longer than 4 KiB",
			"URL 超过 4 KiB");
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		char *end;
		errno = 0;
		unsigned long long len = strtoull(cl, &end, 10);
		if (errno || end == cl || *end || len > HTTP_BODY_MAX)
			return http_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", "the request body is over 1 MiB",
				"请求体超过 1 MiB");
	}
	q->write = strcmp(method, MHD_HTTP_METHOD_POST) == 0 || strcmp(method, MHD_HTTP_METHOD_DELETE) == 0;
	if (!q->write && strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return http_json_hdr(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			http_error_json("method_not_allowed", "GET and HEAD read; POST and DELETE write",
				"GET 和 HEAD 用于读取；POST 和 DELETE 用于写入"),
			MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST, DELETE");
	/* A body of unknown length could be any size. */
	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return http_error(c, MHD_HTTP_LENGTH_REQUIRED, "length_required", "a request body needs a Content-Length",
			"请求体须有 Content-Length");
	return MHD_YES; /* the reply follows once the request is read whole */
}

/* ---- start and stop ---------------------------------------------------------------------- */

/* A whole small file, NUL-terminated, for MHD's in-memory TLS options. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail(EXIT_START, W(cli_zh(), "cannot read %s: %s", "无法读取 %s：%s"), path, strerror(errno));
	char *buf = malloc(65536 + 1);
	size_t n = buf ? fread(buf, 1, 65536 + 1, f) : 0;
	int bad = !buf || ferror(f) || n > 65536;
	fclose(f);
	if (bad)
		fail(EXIT_START, W(cli_zh(), "cannot read %s: not a PEM file of at most 64 KiB",
				     "无法读取 %s：须为不超过 64 KiB 的 PEM 文件"),
			path);
	buf[n] = 0;
	return buf;
}

/* libmicrohttpd's own complaints (a failed TLS handshake, a bad request line), marked as ours. */
#ifdef __GNUC__
__attribute__((format(printf, 2, 0)))
#endif
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("musterd: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

/* "127.0.0.1:8080", "[::1]:8080", "localhost:0" -> an address to bind. */
static struct addrinfo *listen_addr(const char *spec, char *host, size_t cap)
{
	const char *colon = strrchr(spec, ':');
	const char *h = spec, *he = colon;
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		h = spec + 1, he = rb;
		colon = rb && rb[1] == ':' ? rb + 1 : NULL;
	}
	char *end;
	unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
	if (!colon || !he || he <= h || (size_t)(he - h) >= cap || !colon[1] || *end || port > 65535)
		fail(EXIT_USAGE, W(cli_zh(), "--listen '%s' is not ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080",
				     "--listen '%s' 不是 地址:端口，如 127.0.0.1:8080 或 [::1]:8080"),
			spec);
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = 0;
	struct addrinfo hints = {0}, *ai;
	char ps[8];
	snprintf(ps, sizeof ps, "%lu", port);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	int rc = getaddrinfo(host, ps, &hints, &ai);
	if (rc)
		fail(EXIT_USAGE, W(cli_zh(), "--listen '%s': %s", "--listen '%s'：%s"), spec, gai_strerror(rc));
	return ai;
}

static void usage(FILE *f)
{
	fputs(W(cli_zh(),
		      "usage: musterd [--store DIR] [--listen ADDR:PORT] [--www DIR] [--keys DIR] [--port-file FILE]\n"
		      "               [--tls-cert FILE --tls-key FILE] [--muster PATH] [--plugin-dir DIR] [--idle MINUTES]\n"
		      "               [--serve-log] [--witness]\n"
		      "Serves the store over HTTP to people who sign in with their own key; see musterd(8), docs/API.md.\n"
		      "Default --listen 127.0.0.1:8080; port 0 picks a free port, which --port-file receives.\n"
		      "--keys: the sealed key files (FILE and FILE.pub) people sign in with; default STORE/keys.\n"
		      "--serve-log: the log as C2SP tlog-tiles at /checkpoint and /tile/..., to anyone who can connect.\n"
		      "--witness: C2SP tlog-witness POST /add-checkpoint for the sites this store mirrors, to anyone who can\n"
		      "           connect (the site's checkpoint signature is the only credential).\n",
		      "用法: musterd [--store 目录] [--listen 地址:端口] [--www 目录] [--keys 目录] [--port-file 文件]\n"
		      "              [--tls-cert 文件 --tls-key 文件] [--muster 路径] [--plugin-dir 目录] [--idle 分钟]\n"
		      "              [--serve-log] [--witness]\n"
		      "通过 HTTP 提供存储库服务，每人以自己的密钥登录；参见 musterd(8)、docs/API.md。\n"
		      "默认 --listen 127.0.0.1:8080；端口 0 表示自动选择空闲端口，并写入 --port-file。\n"
		      "--keys：登录所用的加密密钥文件（文件及其 .pub）所在目录；默认 存储库/keys。\n"
		      "--serve-log：以 C2SP tlog-tiles 格式在 /checkpoint 和 /tile/... 提供日志，任何能连接者均可读取。\n"
		      "--witness：为本存储库镜像的站点提供 C2SP tlog-witness 的 POST /add-checkpoint，任何能连接者均可提交\n"
		      "           （唯一的凭据是站点对检查点的签名）。\n"),
		f);
}

/* The muster command beside this program (in a build tree, one level up from .libs), else the installed one. */
static void find_muster(char *out, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			for (int up = 0; up < 2; up++) {
				char p[PATH_MAX];
				if ((size_t)snprintf(p, sizeof p, "%s/%smuster", self, up ? "../" : "") < sizeof p &&
					access(p, X_OK) == 0 && realpath(p, out))
					return;
			}
		}
	}
	snprintf(out, cap, "%s/muster", MUSTER_BINDIR);
}

static void write_port(const char *file, unsigned port)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.tmp", file);
	FILE *f = fopen(tmp, "w");
	/* Renamed into place whole: a test waiting for the file never reads half of it. */
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, file) != 0)
		fail(EXIT_START, W(cli_zh(), "cannot write --port-file %s: %s", "无法写入 --port-file %s：%s"), file,
			strerror(errno));
}

int main(int argc, char **argv)
{
	const char *store = getenv("MUSTER_STORE"), *listen = "127.0.0.1:8080", *www = MUSTERD_WWW, *port_file = NULL,
		   *cert_file = NULL, *key_file = NULL, *keys = NULL, *muster = NULL, *plugin_dir = NULL, *idle = "30";
	int zh = cli_zh();
	if (!store || !*store)
		store = "muster-data";
	for (int i = 1; i < argc; i++) {
		static const char *const names[] = {"--store", "--listen", "--www", "--port-file", "--tls-cert", "--tls-key",
			"--keys", "--muster", "--plugin-dir", "--idle"};
		const char **slots[] = {&store, &listen, &www, &port_file, &cert_file, &key_file, &keys, &muster, &plugin_dir,
			&idle};
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--serve-log") == 0) {
			srv.serve_log = 1;
			continue;
		}
		if (strcmp(argv[i], "--witness") == 0) {
			srv.witness = 1;
			continue;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("musterd %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		}
		size_t k = 0;
		for (; k < sizeof names / sizeof names[0]; k++) {
			size_t n = strlen(names[k]);
			if (strncmp(argv[i], names[k], n) == 0 && argv[i][n] == '=') {
				*slots[k] = argv[i] + n + 1;
				break;
			}
			if (strcmp(argv[i], names[k]) == 0) {
				if (i + 1 == argc)
					fail(EXIT_USAGE, W(zh, "%s needs a value", "%s 需要一个值"), names[k]);
				*slots[k] = argv[++i];
				break;
			}
		}
		if (k == sizeof names / sizeof names[0]) {
			usage(stderr);
			fail(EXIT_USAGE, W(zh, "unknown option '%s'", "未知选项 '%s'"), argv[i]);
		}
	}
	if (!cert_file != !key_file)
		fail(EXIT_USAGE, "%s", W(zh, "--tls-cert and --tls-key go together", "--tls-cert 与 --tls-key 须同时给出"));
	if (cert_file && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		fail(EXIT_START, "%s", W(zh, "this libmicrohttpd was built without TLS: serve plain HTTP behind a TLS proxy",
					     "此 libmicrohttpd 不支持 TLS：请以 HTTP 运行并由 TLS 反向代理在前"));
	if (!realpath(www, srv.www))
		fail(EXIT_START, W(zh, "no static files at --www %s: %s", "--www %s 不可用：%s"), www, strerror(errno));

	char *end;
	unsigned long idle_min = strtoul(idle, &end, 10);
	if (!*idle || *end || idle_min < 1 || idle_min > 24 * 60)
		fail(EXIT_USAGE, W(zh, "--idle '%s' is not a number of minutes from 1 to 1440", "--idle '%s' 须为 1 到 1440 的分钟数"),
			idle);
	srv.idle_s = (unsigned)idle_min * 60;
	srv.max_s = 12 * 3600;
	if (snprintf(srv.store_dir, sizeof srv.store_dir, "%s", store) >= (int)sizeof srv.store_dir)
		fail(EXIT_USAGE, "%s", W(zh, "--store is too long", "--store 过长"));
	if (keys)
		snprintf(srv.keys, sizeof srv.keys, "%s", keys);
	else
		snprintf(srv.keys, sizeof srv.keys, "%s/keys", store);
	if (muster)
		snprintf(srv.muster, sizeof srv.muster, "%s", muster);
	else
		find_muster(srv.muster, sizeof srv.muster);
	if (access(srv.muster, X_OK) != 0)
		fail(EXIT_START, W(zh, "cannot run the muster command %s: %s; give --muster PATH", "无法运行 muster 命令 %s：%s；请用 --muster 指定"),
			srv.muster, strerror(errno));
	if (plugin_dir && setenv("MUSTER_PLUGIN_DIR", plugin_dir, 1) != 0)
		fail(EXIT_START, "%s", strerror(errno));
	if (sess_init() != 0 || gateway_init() != 0)
		fail(EXIT_START, W(zh, "cannot make a private work directory under $TMPDIR: %s", "无法在 $TMPDIR 下创建工作目录：%s"),
			strerror(errno));
	srv.tls = cert_file != NULL;

	char host[256];
	struct addrinfo *ai = listen_addr(listen, host, sizeof host);
	char *cert = cert_file ? slurp(cert_file) : NULL, *key = key_file ? slurp(key_file) : NULL;

	int rc = muster_init();
	if (!rc)
		rc = muster_store_open(store, &srv.store);
	if (rc == MUSTER_ENOTFOUND)
		fail(EXIT_NOTFOUND, W(zh, "no store at '%s'; create one with 'muster init' or give --store DIR",
				      "'%s' 处没有存储库；请用 'muster init' 创建或给出 --store 目录"),
			store);
	if (rc)
		fail(EXIT_START, W(zh, "cannot open the store %s: %s", "无法打开存储库 %s：%s"), store,
			zh ? muster_strerror_zh(rc) : muster_strerror(rc));

	/* The workers inherit this mask; only main() waits for the signals. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct MHD_OptionItem tls[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, key},
		{MHD_OPTION_END, 0, NULL},
	};
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cert)
		flags |= MHD_USE_TLS;
	struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, or MHD warns */
		MHD_OPTION_SOCK_ADDR, ai->ai_addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)4,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
		MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
		MHD_OPTION_ARRAY, cert ? tls : tls + 2,
		MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!d) {
		muster_store_close(srv.store);
		fail(EXIT_START, W(zh, "cannot listen on %s: %s", "无法监听 %s：%s"), listen,
			errno ? strerror(errno) : "libmicrohttpd refused the options");
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : 0;
	if (port_file)
		write_port(port_file, port);
	int v6 = strchr(host, ':') != NULL;
	fprintf(stderr, "musterd: serving %s on %s://%s%s%s:%u\n", store, cert ? "https" : "http", v6 ? "[" : "", host,
		v6 ? "]" : "", port);

	/* Every 15 s: sessions past their time are ended (their keys wiped), old jobs' files removed. */
	int sig = 0;
	for (;;) {
		struct timespec tick = {15, 0};
		sig = sigtimedwait(&stop, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		sess_sweep();
		gateway_sweep();
	}
	/* Stop accepting; requests under way finish (for up to 3 s), then the workers stop. */
	MHD_socket ls = MHD_quiesce_daemon(d);
	gateway_quiesce();
	for (int i = 0; i < 300; i++) {
		const union MHD_DaemonInfo *ci = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!ci || ci->num_connections == 0)
			break;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	/* Requests still under way (a write among them) are answered before MHD_stop_daemon returns. */
	MHD_stop_daemon(d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	gateway_stop();
	sess_end_all();
	muster_store_close(srv.store);
	if (key)
		sodium_memzero(key, strlen(key));
	free(key);
	free(cert);
	fprintf(stderr, "musterd: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	return EXIT_OK;
}
