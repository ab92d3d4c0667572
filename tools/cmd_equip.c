/*
 * cmd_equip.c - teams, depots, assets, custody, inspections and counts.
 *
 * Every write command is one event whose body is a field record built
 * from --name value options (muster/fields.h): the option names are the
 * field names, so the table below only says which event a command makes
 * and which field its operand fills.
 */
#include "config.h"

#include "attach.h"
#include "equip_cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct evcmd {
	const char *noun, *verb;
	uint64_t type;
	unsigned pos; /* the field the first operand fills, 0: none */
} evcmds[] = {
	{"site", "url", MUSTER_EV_SITE_URL, MF_URL},
	{"team", "add", MUSTER_EV_TEAM_ADD, MF_TEAM},
	{"depot", "add", MUSTER_EV_DEPOT_ADD, MF_DEPOT},
	{"asset", "add", MUSTER_EV_ASSET_ADD, MF_ID},
	{"asset", "update", MUSTER_EV_ASSET_UPDATE, MF_ID},
	{"asset", "checkout", MUSTER_EV_CHECKOUT, MF_ID},
	{"asset", "return", MUSTER_EV_RETURN, MF_ID},
	{"asset", "repair-out", MUSTER_EV_REPAIR_OUT, MF_ID},
	{"asset", "repair-back", MUSTER_EV_REPAIR_BACK, MF_ID},
	{"asset", "handover", MUSTER_EV_HANDOVER, MF_ID},
	{"asset", "accept", MUSTER_EV_ACCEPT, MF_ID},
	{"asset", "cancel", MUSTER_EV_CANCEL, MF_ID},
	{"asset", "requisition", MUSTER_EV_REQUISITION, MF_ID},
	{"asset", "release", MUSTER_EV_RELEASE, MF_ID},
	{"asset", "scrap", MUSTER_EV_SCRAP, MF_ID},
	{"inspect", "rule", MUSTER_EV_INSPECT_RULE, 0},
	{"inspect", "record", MUSTER_EV_INSPECT, MF_ID},
	{"count", "start", MUSTER_EV_COUNT_START, MF_COUNT},
	{"person", "add", MUSTER_EV_PERSON_ADD, MF_PERSON},
	{"person", "update", MUSTER_EV_PERSON_UPDATE, MF_PERSON},
	{"cert", "kind", MUSTER_EV_CERT_KIND, MF_KIND},
	{"cert", "add", MUSTER_EV_CERT_ADD, MF_PERSON},
	{"cert", "renew", MUSTER_EV_CERT_RENEW, MF_PERSON},
	{"cert", "review", MUSTER_EV_CERT_REVIEW, MF_PERSON},
	{"cert", "revoke", MUSTER_EV_CERT_REVOKE, MF_PERSON},
	{"exam", "record", MUSTER_EV_EXAM, MF_PERSON},
	{"health", "rule", MUSTER_EV_HEALTH_RULE, MF_HAZARD},
	{"site", "policy", MUSTER_EV_POLICY, 0},
	{"deploy", "open", MUSTER_EV_DEPLOY_OPEN, MF_DEPLOYMENT},
	{"deploy", "person", MUSTER_EV_DEPLOY_PERSON, MF_DEPLOYMENT},
	{"deploy", "time", MUSTER_EV_DEPLOY_TIME, MF_DEPLOYMENT},
	{"deploy", "return", MUSTER_EV_DEPLOY_RETURN, MF_DEPLOYMENT},
	{"deploy", "report", MUSTER_EV_DEPLOY_REPORT, MF_DEPLOYMENT},
	{"fund", "add", MUSTER_EV_FUND_ADD, MF_FUND},
	{"fund", "source", MUSTER_EV_FUND_SOURCE, MF_FUND_SOURCE},
	{"budget", "set", MUSTER_EV_BUDGET_SET, 0},
	{"spend", "record", MUSTER_EV_SPEND, 0},
	{"spend", "approve", MUSTER_EV_SPEND_APPROVE, MF_REF},
	{"spend", "reject", MUSTER_EV_SPEND_REJECT, MF_REF},
	{"audit", "dispose", MUSTER_EV_AUDIT_DISPOSE, MF_FINDING},
};

/* Options every command accepts besides its fields. */
static int general_opt(const char *name)
{
	static const char *const g[] = {"store", "key", "passphrase-file", NULL};
	for (int i = 0; g[i]; i++)
		if (strncmp(name, g[i], strlen(g[i])) == 0 && (!name[strlen(g[i])] || name[strlen(g[i])] == '='))
			return 1;
	return 0;
}

static int in_list(const char *name, const char *const *extra)
{
	for (int i = 0; extra && extra[i]; i++) {
		size_t n = strlen(extra[i]);
		if (strncmp(name, extra[i], n) == 0 && (!name[n] || name[n] == '='))
			return 1;
	}
	return 0;
}

static void names_of(char *out, size_t cap, muster_mask mask)
{
	size_t off = 0;
	out[0] = 0;
	for (unsigned t = 1; t < MUSTER_FIELDS_MAX && off < cap; t++) {
		if (!(mask & MUSTER_BIT(t)))
			continue;
		const muster_field *f = muster_field_get(t);
		off += (size_t)snprintf(out + off, cap - off, "%s--", off ? ", " : "");
		for (const char *p = f->name; *p && off + 1 < cap; p++)
			out[off++] = *p == '_' ? '-' : *p;
		out[off < cap ? off : cap - 1] = 0;
	}
}

struct kvpair {
	const char *k, *v;
	size_t kn, vn;
};

static int kv_cmp(const void *a, const void *b)
{
	const struct kvpair *x = a, *y = b;
	size_t n = x->kn < y->kn ? x->kn : y->kn;
	int c = memcmp(x->k, y->k, n);
	return c ? c : (x->kn > y->kn) - (x->kn < y->kn);
}

void cli_fields(const struct opts *o, const char *what, muster_mask allowed, const char *const *extra, muster_rec *r,
	struct field_bufs *fb)
{
	char why[512];
	for (int i = 0; i < o->nkv; i++) {
		const char *name = o->kv[i].name;
		char nm[40];
		size_t n = strcspn(name, "=");
		if (general_opt(name) || in_list(name, extra))
			continue;
		snprintf(nm, sizeof nm, "%.*s", (int)(n < 39 ? n : 39), name);
		const muster_field *f = muster_field_by_name(nm);
		if (!f || !(allowed & MUSTER_BIT(f->tag))) {
			char list[1024];
			names_of(list, sizeof list, allowed);
			die(EXIT_USAGE, L("option '--%s' does not apply to '%s'; it takes %s",
					    "选项 '--%s' 不适用于 '%s'；可用选项：%s"),
				nm, what, list);
		}
		if (f->type == MUSTER_F_LIST || f->type == MUSTER_F_KV) {
			if (muster_fv_parse(f, o->kv[i].val, r, &fb->items[f->tag], &fb->count[f->tag], why, sizeof why))
				die(EXIT_USAGE, "%s", why);
			fb->used |= MUSTER_BIT(f->tag);
			continue;
		}
		if (muster_fv_parse(f, o->kv[i].val, r, f->type == MUSTER_F_BYTES ? &fb->items[f->tag] : NULL, NULL, why,
			    sizeof why))
			die(EXIT_USAGE, "%s", why);
	}
	for (unsigned t = 1; t < MUSTER_FIELDS_MAX; t++) {
		if (!(fb->used & MUSTER_BIT(t)))
			continue;
		const muster_field *f = muster_field_get(t);
		if (f->type == MUSTER_F_KV) {
			/* Canonical form: pairs sorted by key, each key once. */
			size_t np = fb->count[t] / 2;
			struct kvpair *p = calloc(np, sizeof *p);
			muster_iter it;
			muster_fv raw = {fb->count[t], (const char *)fb->items[t].data, fb->items[t].len};
			if (!p)
				die(EXIT_IO, "%s", L("out of memory", "内存不足"));
			muster_iter_init(&it, &raw, 0);
			for (size_t k = 0; k < np; k++)
				if (!muster_iter_next(&it, &p[k].k, &p[k].kn) || !muster_iter_next(&it, &p[k].v, &p[k].vn))
					die(EXIT_USAGE, "--%s: bad value", f->name);
			qsort(p, np, sizeof *p, kv_cmp);
			muster_buf sorted = {0};
			uint64_t cnt = 0;
			for (size_t k = 0; k < np; k++) {
				if (k && kv_cmp(&p[k - 1], &p[k]) == 0)
					die(EXIT_USAGE, L("--%s '%.*s' is given twice", "--%s '%.*s' 重复给出"), f->name,
						(int)p[k].kn, p[k].k);
				muster_list_add(&sorted, &cnt, p[k].k, p[k].kn);
				muster_list_add(&sorted, &cnt, p[k].v, p[k].vn);
			}
			free(p);
			muster_buf_free(&fb->items[t]);
			fb->items[t] = sorted;
			fb->count[t] = cnt;
			muster_rec_list(r, t, &fb->items[t], cnt / 2);
		} else {
			muster_rec_list(r, t, &fb->items[t], fb->count[t]);
		}
	}
}

void field_bufs_free(struct field_bufs *fb)
{
	for (unsigned t = 0; t < MUSTER_FIELDS_MAX; t++)
		muster_buf_free(&fb->items[t]);
}

void cli_require(const char *what, uint64_t type, const muster_rec *r)
{
	muster_mask allowed, required;
	if (!muster_event_schema(type, &allowed, &required))
		return;
	muster_mask missing = required & ~r->has;
	if (!missing)
		return;
	char list[1024];
	names_of(list, sizeof list, missing);
	die(EXIT_USAGE, L("'%s' needs %s", "'%s' 还需要 %s"), what, list);
}

struct one_event {
	const muster_signer *signer;
	uint64_t type;
	const uint8_t *body;
	size_t len;
	uint64_t index;
};

static int write_one(muster_wtxn *w, void *arg)
{
	struct one_event *ev = arg;
	return muster_append(w, ev->signer, ev->type, ev->body, ev->len, &ev->index);
}

int cli_append_body(muster_store *s, const muster_signer *signer, uint64_t type, const uint8_t *body, size_t len,
	uint64_t *index)
{
	struct one_event ev = {signer, type, body, len, 0};
	int rc = muster_write(s, write_one, &ev);
	if (rc == 0 && index)
		*index = ev.index;
	return rc;
}

int cli_append_rec(muster_store *s, const muster_signer *signer, uint64_t type, const muster_rec *r, uint64_t *index)
{
	muster_buf body = {0};
	muster_rec_encode(&body, r);
	int rc = body.err ? body.err : cli_append_body(s, signer, type, body.data, body.len, index);
	muster_buf_free(&body);
	return rc;
}

void cli_rec_fields(muster_buf *b, const muster_rec *r)
{
	muster_buf t = {0};
	muster_rec_json(&t, r); /* ,"name":value... */
	if (t.len)
		muster_buf_put(b, t.data + 1, t.len - 1);
	if (t.err && !b->err)
		b->err = t.err;
	muster_buf_free(&t);
}

muster_snap *cli_snapshot(muster_store *s)
{
	muster_snap *sn;
	int rc = muster_snap_begin(s, &sn);
	if (rc)
		die(cli_exit_code(rc), L("cannot read the store: %s", "无法读取存储库：%s"), cli_strerror(rc));
	return sn;
}

void cli_only(const struct opts *o, const char *what, const char *const *allowed)
{
	for (int i = 0; i < o->nkv; i++) {
		const char *n = o->kv[i].name;
		int ok = general_opt(n);
		for (int k = 0; allowed && allowed[k] && !ok; k++) {
			size_t len = strlen(allowed[k]);
			ok = strncmp(n, allowed[k], len) == 0 && (!n[len] || n[len] == '=');
		}
		if (!ok)
			die(EXIT_USAGE, L("option '--%s' does not apply to '%s'", "选项 '--%s' 不适用于 '%s'"), n, what);
	}
}

uint64_t cli_today(void)
{
	return muster_date_of_ms((uint64_t)time(NULL) * 1000);
}

/* What a write command prints: the asset's state after it, or the entry. */
static void report(const struct opts *o, muster_store *s, uint64_t type, const muster_rec *r, uint64_t index)
{
	const char *name = muster_event_name(type);
	muster_buf b = {0};
	muster_rec a;
	muster_snap *sn = NULL;
	int have = 0;
	if (type >= MUSTER_EV_PERSON_ADD) {
		cli_people_report(o, s, type, r, index);
		return;
	}
	if (MUSTER_HAS(r, MF_ID) && muster_snap_begin(s, &sn) == 0)
		have = muster_row_get(sn, MUSTER_T_ASSET, r->v[MF_ID].p, r->v[MF_ID].n, &a) == 0;
	if (o->json) {
		muster_buf_printf(&b, "{\"index\":%" PRIu64 ",\"type\":\"%s\"", index, name);
		if (have) {
			muster_buf_puts(&b, ",\"asset\":{");
			cli_rec_fields(&b, &a);
			muster_buf_puts(&b, "}");
		}
		muster_buf_puts(&b, "}\n");
	} else {
		int zh = cli_zh();
		muster_buf_printf(&b, "%s (%s) ", zh ? muster_event_name_zh(type) : name, zh ? name : muster_event_name_zh(type));
		if (have) {
			muster_buf_put(&b, a.v[MF_ID].p, a.v[MF_ID].n);
			muster_buf_puts(&b, L(": now ", "：现为"));
			muster_fv_format(&b, muster_field_get(MF_STATE), &a.v[MF_STATE], zh);
			if (MUSTER_HAS(&a, MF_HOLDER)) {
				muster_buf_puts(&b, " → ");
				muster_buf_put(&b, a.v[MF_HOLDER].p, a.v[MF_HOLDER].n);
			}
			muster_buf_puts(&b, ", ");
		}
		muster_buf_printf(&b, L("entry %" PRIu64 "\n", "条目 %" PRIu64 "\n"), index);
	}
	muster_snap_end(sn);
	cli_emit(&b);
}

static int write_cmd(const struct opts *o, const struct evcmd *c)
{
	char what[64];
	muster_rec r;
	struct field_bufs fb;
	muster_mask allowed, required;
	uint64_t index;
	snprintf(what, sizeof what, "muster %s %s", c->noun, c->verb);
	memset(&fb, 0, sizeof fb);
	muster_rec_clear(&r);
	if (!muster_event_schema(c->type, &allowed, &required))
		die(EXIT_IO, "no schema");
	if (o->npos > (c->pos ? 3 : 2))
		die(EXIT_USAGE, L("'%s' takes at most one operand; put the rest in --options", "'%s' 最多一个操作数"), what);
	muster_store *s = cli_open(o);
	char idbuf[MUSTER_TAG_ID_MAX + 1];
	if (c->pos && o->npos == 3) {
		const char *arg = o->pos[2];
		if (c->pos == MF_ID && c->type != MUSTER_EV_ASSET_ADD) { /* a scanned label names an asset too */
			cli_resolve_asset(s, arg, idbuf);
			arg = idbuf;
		}
		char why[512];
		if (muster_fv_parse(muster_field_get(c->pos), arg, &r, NULL, NULL, why, sizeof why) != 0)
			die(EXIT_USAGE, "%s", why);
	}
	static const char *const spend_extra[] = {"attach", NULL};
	cli_fields(o, what, allowed, c->type == MUSTER_EV_SPEND ? spend_extra : NULL, &r, &fb);
	if ((c->type == MUSTER_EV_INSPECT || c->type == MUSTER_EV_EXAM) && !MUSTER_HAS(&r, MF_DATE))
		muster_rec_uint(&r, MF_DATE, cli_today());
	char tnum[24];
	cli_people_defaults(s, c->type, &r, tnum);
	cli_require(what, c->type, &r);
	muster_signer *signer = cli_signer(o);
	struct attached att;
	cli_attach(o, s, &r, &fb, &att); /* the files first, so that the log never names one that is not kept */
	int rc = cli_append_rec(s, signer, c->type, &r, &index);
	muster_signer_free(signer);
	if (rc) {
		int err = errno; /* why a store write failed, for cli_write_failed */
		cli_attach_undo(&att);
		errno = err;
	} else
		cli_attach_done(&att);
	if (rc) {
		char msg[96];
		snprintf(msg, sizeof msg, L("%s refused", "%s 被拒绝"), what);
		cli_write_failed(s, msg, rc);
	}
	report(o, s, c->type, &r, index);
	field_bufs_free(&fb);
	muster_store_close(s);
	return EXIT_OK;
}

static int relabel(const struct opts *o)
{
	if (o->npos != 3)
		die(EXIT_USAGE, "%s", L("usage: muster asset relabel ASSET [--reason TEXT]", "用法: muster asset relabel 资产 [--reason 原因]"));
	muster_store *s = cli_open(o);
	char id[MUSTER_TAG_ID_MAX + 1];
	muster_rec r, a;
	muster_snap *sn;
	struct field_bufs fb;
	memset(&fb, 0, sizeof fb);
	cli_resolve_asset(s, o->pos[2], id);
	if (muster_snap_begin(s, &sn) != 0 || muster_row_cget(sn, MUSTER_T_ASSET, id, &a) != 0)
		die(EXIT_NOTFOUND, L("asset %s is not registered", "资产 %s 未登记"), id);
	uint64_t next = a.v[MF_LABEL].u + 1;
	muster_snap_end(sn);
	muster_rec_clear(&r);
	muster_rec_cstr(&r, MF_ID, id);
	muster_rec_uint(&r, MF_LABEL, next);
	cli_fields(o, "muster asset relabel", MUSTER_BIT(MF_REASON), NULL, &r, &fb);
	muster_signer *signer = cli_signer(o);
	uint64_t index;
	int rc = cli_append_rec(s, signer, MUSTER_EV_ASSET_RELABEL, &r, &index);
	muster_signer_free(signer);
	if (rc)
		cli_write_failed(s, L("muster asset relabel refused", "补发标签被拒绝"), rc);
	if (o->json)
		printf("{\"index\":%" PRIu64 ",\"id\":\"%s\",\"label\":%" PRIu64 "}\n", index, id, next);
	else
		printf(L("asset %s: label %" PRIu64 " issued, label %" PRIu64 " revoked, entry %" PRIu64 "\n",
			       "资产 %s：已补发第 %" PRIu64 " 号标签，第 %" PRIu64 " 号标签作废，条目 %" PRIu64 "\n"),
			id, next, next - 1, index);
	field_bufs_free(&fb);
	muster_store_close(s);
	return EXIT_OK;
}

int cmd_equip(const struct opts *o, const char *noun, const char *verb)
{
	for (size_t i = 0; i < sizeof evcmds / sizeof evcmds[0]; i++)
		if (strcmp(evcmds[i].noun, noun) == 0 && strcmp(evcmds[i].verb, verb) == 0)
			return write_cmd(o, &evcmds[i]);
	if (strcmp(noun, "asset") == 0 && strcmp(verb, "relabel") == 0)
		return relabel(o);
	if (strcmp(noun, "spend") == 0 && strcmp(verb, "attachment") == 0)
		return cmd_spend_attachment(o);
	return cmd_equip_read(o, noun, verb);
}
