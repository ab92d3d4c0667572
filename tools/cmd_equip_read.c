/*
 * cmd_equip_read.c - reading the equipment projections: lists, an asset's
 * card and history, inspections due, readiness, and physical counts.
 */
#include "config.h"

#include "equip_cli.h"
#include "rowfilter.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* {"field":...} of a row. */
static void row_json(muster_buf *b, const muster_rec *r)
{
	muster_buf_puts(b, "{");
	cli_rec_fields(b, r);
	muster_buf_puts(b, "}");
}

static void cell(muster_buf *b, const muster_rec *r, unsigned tag, size_t width)
{
	if (!MUSTER_HAS(r, tag)) {
		cli_col(b, "-", 1, width);
		return;
	}
	muster_buf t = {0};
	muster_fv_format(&t, muster_field_get(tag), &r->v[tag], cli_zh());
	cli_col(b, t.len ? (const char *)t.data : "", t.len, width);
	muster_buf_free(&t);
}

static void head(muster_buf *b, const unsigned *tags, const size_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const muster_field *f = muster_field_get(tags[i]);
		const char *h = cli_zh() ? f->zh : f->en;
		cli_col(b, h, strlen(h), w[i]);
	}
	muster_buf_puts(b, "\n");
}

struct lister {
	const struct opts *o;
	muster_buf out;
	int n;
	const unsigned *tags;
	const size_t *w;
	size_t ncols;
	struct row_filter f;
};

static int list_row(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	struct lister *l = arg;
	(void)key, (void)klen;
	if (!row_filter_match(&l->f, r))
		return 0;
	if (l->o->json) {
		muster_buf_puts(&l->out, l->n++ ? ",\n" : "");
		row_json(&l->out, r);
	} else {
		l->n++;
		for (size_t i = 0; i < l->ncols; i++)
			cell(&l->out, r, l->tags[i], l->w[i]);
		muster_buf_puts(&l->out, "\n");
	}
	return 0;
}

static int state_opt(const struct opts *o)
{
	const char *s = cli_opt(o, "state");
	if (!s)
		return -1;
	int i = row_state_of(s);
	if (i >= 0)
		return i;
	die(EXIT_USAGE, L("--state '%s' is not one of in_depot checked_out in_repair transfer_pending requisitioned "
			    "released scrapped",
			    "--state '%s' 无效；可用 in_depot checked_out in_repair transfer_pending requisitioned released scrapped"),
		s);
}

/* The built-in fund sources, as rows (they have no ref), listed before the registered ones. */
static void builtin_sources(struct lister *l)
{
	const char *code, *zh;
	for (size_t i = 0; (code = muster_fund_source(i, &zh)) != NULL; i++) {
		muster_rec r;
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_FUND_SOURCE, code);
		muster_rec_cstr(&r, MF_NAME, zh);
		muster_rec_uint(&r, MF_RULES, strcmp(code, MUSTER_FUND_ENTERPRISE_SAFETY) == 0 ? MUSTER_RULES_SAFETY : MUSTER_RULES_GENERAL);
		list_row(NULL, 0, &r, l);
	}
}

/* Lists a table's rows (after those first adds, if not NULL) as a table or JSON. */
static int list_table(const struct opts *o, int table, const unsigned *tags, const size_t *w, size_t ncols,
	void (*first)(struct lister *))
{
	static const char *const filters[] = {"team", "depot", "state", NULL};
	cli_only(o, "list", filters);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	struct lister l = {o, {0}, 0, tags, w, ncols, {cli_opt(o, "team"), cli_opt(o, "depot"), state_opt(o)}};
	if (o->json)
		muster_buf_puts(&l.out, "[");
	else
		head(&l.out, tags, w, ncols);
	if (first)
		first(&l);
	int rc = muster_row_list(sn, table, NULL, 0, list_row, &l);
	if (rc)
		die(cli_exit_code(rc), L("cannot list: %s", "无法列出：%s"), cli_strerror(rc));
	if (o->json)
		muster_buf_puts(&l.out, "]\n");
	muster_snap_end(sn);
	cli_emit(&l.out);
	muster_store_close(s);
	return EXIT_OK;
}

static const char *result_name(int r)
{
	static const char *const en[] = {"pass", "fail", "adjusted"}, *const zh[] = {"合格", "不合格", "调校后合格"};
	return r < 0 ? "-" : cli_zh() ? zh[r] : en[r];
}

static void why_words(muster_buf *b, unsigned why, const muster_rec *a, int json)
{
	const char *sep = "";
	if (why & MUSTER_NR_STATE) {
		muster_buf_puts(b, json ? "\"state\"" : "");
		if (!json)
			muster_fv_format(b, muster_field_get(MF_STATE), &a->v[MF_STATE], cli_zh());
		sep = json ? "," : L(", ", "、");
	}
	if (why & MUSTER_NR_OVERDUE) {
		muster_buf_printf(b, "%s%s", sep, json ? "\"overdue\"" : L("inspection overdue", "检查逾期"));
		sep = json ? "," : L(", ", "、");
	}
	if (why & MUSTER_NR_FAILED) {
		muster_buf_printf(b, "%s%s", sep, json ? "\"failed\"" : L("last inspection failed", "最近检查不合格"));
		sep = json ? "," : L(", ", "、");
	}
	if (why & MUSTER_NR_POSTUSE)
		muster_buf_printf(b, "%s%s", sep,
			json ? "\"post_use_inspection_owed\"" : L("owes its post-use inspection", "出动后待检查"));
}

static int asset_show(const struct opts *o)
{
	static const char *const none[] = {"date", NULL};
	if (o->npos != 3)
		die(EXIT_USAGE, "%s", L("usage: muster asset show ASSET|PAYLOAD", "用法: muster asset show 资产|标签"));
	cli_only(o, "muster asset show", none);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	char id[MUSTER_TAG_ID_MAX + 1], why[512];
	int rc = cli_asset_ref(sn, o->pos[2], id, why, sizeof why);
	if (rc)
		die(cli_exit_code(rc), "%s", why);
	muster_rec a;
	muster_due d[MUSTER_DUES_MAX];
	size_t nd = 0;
	int counted;
	unsigned nr = 0;
	uint64_t date = cli_opt(o, "date") ? muster_date_parse(cli_opt(o, "date")) : cli_today();
	if (!date)
		die(EXIT_USAGE, "%s", L("--date must be YYYY-MM-DD", "--date 须为 YYYY-MM-DD"));
	if ((rc = muster_row_cget(sn, MUSTER_T_ASSET, id, &a)) != 0 || (rc = muster_asset_dues(sn, id, &a, d, &nd)) != 0 ||
		(rc = muster_asset_ready(sn, id, &a, date, &counted, &nr)) != 0)
		die(cli_exit_code(rc), L("cannot read asset %s: %s", "无法读取资产 %s：%s"), id, cli_strerror(rc));
	muster_buf b = {0};
	char ds[11], dd[11];
	if (o->json) {
		row_json(&b, &a);
		b.len--; /* reopen the object */
		muster_buf_puts(&b, ",\"inspections\":[");
		for (size_t i = 0; i < nd; i++) {
			muster_buf_puts(&b, i ? ",{\"kind\":" : "{\"kind\":");
			muster_json_str(&b, d[i].kind, d[i].kind_len);
			muster_buf_printf(&b, ",\"interval\":%" PRIu64, d[i].interval);
			if (d[i].last_date) {
				muster_date_format(d[i].last_date, ds);
				muster_buf_printf(&b, ",\"last\":\"%s\",\"result\":\"%s\",\"last_index\":%" PRIu64, ds,
					(const char *[]){"pass", "fail", "adjusted"}[d[i].last_result], d[i].last_index);
			}
			if (d[i].due) {
				muster_date_format(d[i].due, dd);
				muster_buf_printf(&b, ",\"due\":\"%s\",\"overdue\":%s", dd, date > d[i].due ? "true" : "false");
			}
			muster_buf_puts(&b, "}");
		}
		muster_buf_printf(&b, "],\"ready\":%s,\"not_ready\":[", counted && !nr ? "true" : "false");
		why_words(&b, nr, &a, 1);
		muster_buf_puts(&b, "]}\n");
	} else {
		for (unsigned t = 1; t < MUSTER_FIELDS_MAX; t++) {
			if (!MUSTER_HAS(&a, t) || t == MF_SIGNER)
				continue;
			const muster_field *f = muster_field_get(t);
			const char *label = cli_zh() ? f->zh : f->en;
			cli_col(&b, label, strlen(label), 20);
			muster_fv_format(&b, f, &a.v[t], cli_zh());
			muster_buf_puts(&b, "\n");
		}
		for (size_t i = 0; i < nd; i++) {
			char last[11] = "-", due[11] = "-";
			if (d[i].last_date)
				muster_date_format(d[i].last_date, last);
			if (d[i].due)
				muster_date_format(d[i].due, due);
			cli_col(&b, L("inspection", "检查"), strlen(L("inspection", "检查")), 20);
			muster_buf_put(&b, d[i].kind, d[i].kind_len);
			muster_buf_printf(&b, L(": every %" PRIu64 " days, last %s %s, due %s%s\n",
						"：每 %" PRIu64 " 天，上次 %s %s，到期 %s%s\n"),
				d[i].interval, last, result_name(d[i].last_result), due,
				d[i].due && date > d[i].due ? L(" (OVERDUE)", "（已逾期）") : "");
		}
		if (counted) {
			cli_col(&b, L("ready", "完好待用"), strlen(L("ready", "完好待用")), 20);
			if (!nr)
				muster_buf_puts(&b, L("yes", "是"));
			else {
				muster_buf_puts(&b, L("no: ", "否："));
				why_words(&b, nr, &a, 0);
			}
			muster_buf_puts(&b, "\n");
		}
	}
	muster_snap_end(sn);
	cli_emit(&b);
	muster_store_close(s);
	return EXIT_OK;
}

struct hist {
	const struct opts *o;
	muster_snap *sn;
	muster_buf out;
	int n, bad;
};

/* The members of an entry's JSON object: index, type, time, signer, holder, signature_ok, fields. */
int cli_entry_members(muster_buf *b, muster_snap *sn, uint64_t index, int *sig_ok)
{
	muster_entry e;
	const uint8_t *raw;
	size_t len;
	int rc = muster_snap_entry(sn, index, &e, &raw, &len);
	if (rc)
		return rc;
	int ok = muster_entry_verify(raw, len, &e) == 0;
	uint8_t kid[MUSTER_KEYID_BYTES];
	char hex[MUSTER_KEYID_HEX];
	muster_key_info k;
	muster_buf kb = {0};
	muster_key_id(e.signer, kid);
	muster_key_id_hex(e.signer, hex);
	muster_buf_printf(b, "\"index\":%" PRIu64 ",\"type\":\"%s\",\"time\":", e.index,
		muster_event_name(e.type) ? muster_event_name(e.type) : "?");
	muster_json_time(b, e.time_ms);
	muster_buf_printf(b, ",\"signer\":\"%s\",\"holder\":", hex);
	if (muster_key_get(muster_snap_store(sn), kid, &k, &kb) == 0)
		muster_json_str(b, k.holder.p, k.holder.n);
	else
		muster_buf_puts(b, "null");
	muster_buf_free(&kb);
	muster_buf_printf(b, ",\"signature_ok\":%s", ok ? "true" : "false");
	muster_rec r;
	muster_mask allowed, required;
	if (muster_event_schema(e.type, &allowed, &required) &&
		muster_rec_decode(e.body, e.body_len, allowed, required, &r, NULL, 0) == 0) {
		muster_buf_puts(b, ",\"fields\":");
		row_json(b, &r);
	}
	if (sig_ok)
		*sig_ok = ok;
	return 0;
}

static int hist_one(uint64_t index, void *arg)
{
	struct hist *h = arg;
	if (h->o->json) {
		int ok, rc;
		muster_buf_puts(&h->out, h->n++ ? ",\n{" : "{");
		if ((rc = cli_entry_members(&h->out, h->sn, index, &ok)) != 0)
			return rc;
		h->bad |= !ok;
		muster_buf_puts(&h->out, "}");
		return 0;
	}
	muster_entry e;
	const uint8_t *raw;
	size_t len;
	int rc = muster_snap_entry(h->sn, index, &e, &raw, &len);
	if (rc)
		return rc;
	int ok = muster_entry_verify(raw, len, &e) == 0;
	h->bad |= !ok;
	uint8_t kid[MUSTER_KEYID_BYTES];
	char hex[MUSTER_KEYID_HEX], t[32];
	muster_key_info k;
	muster_buf kb = {0};
	muster_key_id(e.signer, kid);
	muster_key_id_hex(e.signer, hex);
	int known = muster_key_get(muster_snap_store(h->sn), kid, &k, &kb) == 0;
	muster_rec r;
	muster_mask allowed, required;
	int dec = muster_event_schema(e.type, &allowed, &required) &&
		  muster_rec_decode(e.body, e.body_len, allowed, required, &r, NULL, 0) == 0;
	char ix[24];
	h->n++;
	snprintf(ix, sizeof ix, "%" PRIu64, e.index);
	muster_time_local(e.time_ms, t);
	cli_col(&h->out, ix, strlen(ix), 7);
	cli_col(&h->out, t, strlen(t), 19);
	const char *nm = cli_zh() ? muster_event_name_zh(e.type) : muster_event_name(e.type);
	cli_col(&h->out, nm ? nm : "?", nm ? strlen(nm) : 1, 20);
	if (known)
		cli_col(&h->out, k.holder.p, k.holder.n, 12);
	else
		cli_col(&h->out, hex, strlen(hex), 12);
	muster_buf_puts(&h->out, ok ? L("sig ok  ", "签名有效  ") : L("SIG BAD  ", "签名无效  "));
	if (dec)
		muster_rec_words(&h->out, &r, cli_zh(), MUSTER_BIT(MF_ID) | MUSTER_BIT(MF_DIGEST));
	muster_buf_puts(&h->out, "\n");
	muster_buf_free(&kb);
	return 0;
}

static int asset_history(const struct opts *o)
{
	static const char *const none[] = {NULL};
	if (o->npos != 3)
		die(EXIT_USAGE, "%s", L("usage: muster asset history ASSET|PAYLOAD", "用法: muster asset history 资产|标签"));
	cli_only(o, "muster asset history", none);
	muster_store *s = cli_open(o);
	struct hist h = {o, cli_snapshot(s), {0}, 0, 0};
	char id[MUSTER_TAG_ID_MAX + 1], why[512];
	int rc = cli_asset_ref(h.sn, o->pos[2], id, why, sizeof why);
	if (rc)
		die(cli_exit_code(rc), "%s", why);
	if (o->json)
		muster_buf_puts(&h.out, "[");
	if ((rc = muster_asset_history(h.sn, id, hist_one, &h)) != 0)
		die(cli_exit_code(rc), L("cannot read the history of %s: %s", "无法读取 %s 的履历：%s"), id, cli_strerror(rc));
	if (o->json)
		muster_buf_puts(&h.out, "]\n");
	muster_snap_end(h.sn);
	cli_emit(&h.out);
	muster_store_close(s);
	if (h.bad)
		die(EXIT_VERIFY, L("a signature in the history of %s does not verify: run 'muster log verify'",
				     "%s 的履历中有签名无法验证：请运行 'muster log verify'"),
			id);
	return EXIT_OK;
}

/* Readiness per team and depot. */
struct group {
	char key[80];
	unsigned long total, ready;
};

struct readiness {
	const struct opts *o;
	muster_snap *sn;
	uint64_t date;
	const char *team, *depot;
	struct group *g;
	size_t ng, cap;
	muster_buf notready;
	int nn;
	int err;
};

static struct group *group_of(struct readiness *r, const char *kind, const muster_fv *v)
{
	char key[80];
	snprintf(key, sizeof key, "%s %.*s", kind, (int)v->n, v->p);
	for (size_t i = 0; i < r->ng; i++)
		if (strcmp(r->g[i].key, key) == 0)
			return &r->g[i];
	if (r->ng == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct group *g = realloc(r->g, cap * sizeof *g);
		if (!g)
			die(EXIT_IO, "%s", L("out of memory", "内存不足"));
		r->g = g, r->cap = cap;
	}
	struct group *g = &r->g[r->ng++];
	memset(g, 0, sizeof *g);
	memcpy(g->key, key, sizeof key);
	return g;
}

static int ready_one(const char *key, size_t klen, const muster_rec *a, void *arg)
{
	struct readiness *r = arg;
	char id[MUSTER_TAG_ID_MAX + 1];
	int counted;
	unsigned why;
	if ((r->team && !row_fv_is(a, MF_TEAM, r->team)) || (r->depot && !row_fv_is(a, MF_DEPOT, r->depot)) ||
		klen > MUSTER_TAG_ID_MAX)
		return 0;
	memcpy(id, key, klen);
	id[klen] = 0;
	int rc = muster_asset_ready(r->sn, id, a, r->date, &counted, &why);
	if (rc || !counted)
		return rc;
	static const muster_fv none = {0, "-", 1};
	struct group *gt = group_of(r, "team", MUSTER_HAS(a, MF_TEAM) ? &a->v[MF_TEAM] : &none);
	struct group *gd = group_of(r, "depot", MUSTER_HAS(a, MF_DEPOT) ? &a->v[MF_DEPOT] : &none);
	gt->total++, gd->total++;
	if (!why) {
		gt->ready++, gd->ready++;
		return 0;
	}
	if (r->o->json) {
		muster_buf_puts(&r->notready, r->nn++ ? ",{\"id\":" : "{\"id\":");
		muster_json_cstr(&r->notready, id);
		muster_buf_puts(&r->notready, ",\"why\":[");
		why_words(&r->notready, why, a, 1);
		muster_buf_puts(&r->notready, "]}");
	} else {
		r->nn++;
		cli_col(&r->notready, id, strlen(id), 16);
		cell(&r->notready, a, MF_TYPE, 18);
		why_words(&r->notready, why, a, 0);
		muster_buf_puts(&r->notready, "\n");
	}
	return 0;
}

static int asset_ready(const struct opts *o)
{
	static const char *const opts_[] = {"team", "depot", "date", NULL};
	cli_only(o, "muster asset ready", opts_);
	muster_store *s = cli_open(o);
	struct readiness r = {o, cli_snapshot(s), cli_today(), cli_opt(o, "team"), cli_opt(o, "depot"), NULL, 0, 0, {0}, 0, 0};
	if (cli_opt(o, "date") && !(r.date = muster_date_parse(cli_opt(o, "date"))))
		die(EXIT_USAGE, L("--date '%s' is not a date: give YYYY-MM-DD", "--date '%s' 不是日期：请用 YYYY-MM-DD"), cli_opt(o, "date"));
	int rc = muster_row_list(r.sn, MUSTER_T_ASSET, NULL, 0, ready_one, &r);
	if (rc)
		die(cli_exit_code(rc), L("cannot compute readiness: %s", "无法计算完好率：%s"), cli_strerror(rc));
	muster_buf b = {0};
	char ds[11];
	muster_date_format(r.date, ds);
	if (o->json) {
		muster_buf_printf(&b, "{\"date\":\"%s\",\"groups\":[", ds);
		for (size_t i = 0; i < r.ng; i++) {
			char *sp = strchr(r.g[i].key, ' ');
			*sp = 0;
			muster_buf_printf(&b, "%s{\"%s\":", i ? "," : "", r.g[i].key);
			muster_json_cstr(&b, sp + 1);
			muster_buf_printf(&b, ",\"total\":%lu,\"ready\":%lu,\"rate\":%.4f}", r.g[i].total, r.g[i].ready,
				r.g[i].total ? (double)r.g[i].ready / (double)r.g[i].total : 0.0);
		}
		muster_buf_puts(&b, "],\"not_ready\":[");
		muster_buf_put(&b, r.notready.data, r.notready.len);
		muster_buf_puts(&b, "]}\n");
	} else {
		muster_buf_printf(&b, L("readiness on %s\n", "%s 装备完好率\n"), ds);
		for (size_t i = 0; i < r.ng; i++)
			muster_buf_printf(&b, "%-28s %6lu / %-6lu %5.1f%%\n", r.g[i].key, r.g[i].ready, r.g[i].total,
				r.g[i].total ? 100.0 * (double)r.g[i].ready / (double)r.g[i].total : 0.0);
		if (r.nn) {
			muster_buf_puts(&b, L("\nnot ready:\n", "\n不完好：\n"));
			muster_buf_put(&b, r.notready.data, r.notready.len);
		}
	}
	muster_buf_free(&r.notready);
	free(r.g);
	muster_snap_end(r.sn);
	cli_emit(&b);
	muster_store_close(s);
	return EXIT_OK;
}

/* Inspections due. */
struct duelist {
	const struct opts *o;
	muster_snap *sn;
	uint64_t date, until;
	int overdue_only;
	const char *team, *depot;
	muster_buf out;
	int n;
};

static int due_one(const char *key, size_t klen, const muster_rec *a, void *arg)
{
	struct duelist *l = arg;
	char id[MUSTER_TAG_ID_MAX + 1], ds[11], ls[11];
	muster_due d[MUSTER_DUES_MAX];
	size_t nd;
	uint64_t s = a->v[MF_STATE].u;
	if (s == MUSTER_S_SCRAPPED || s == MUSTER_S_RELEASED || klen > MUSTER_TAG_ID_MAX ||
		(l->team && !row_fv_is(a, MF_TEAM, l->team)) || (l->depot && !row_fv_is(a, MF_DEPOT, l->depot)))
		return 0;
	memcpy(id, key, klen);
	id[klen] = 0;
	int rc = muster_asset_dues(l->sn, id, a, d, &nd);
	if (rc)
		return rc;
	for (size_t i = 0; i < nd; i++) {
		int over = d[i].due && l->date > d[i].due;
		int failed = d[i].last_result == 1;
		if (!over && !failed && (l->overdue_only || !d[i].due || d[i].due > l->until))
			continue;
		muster_date_format(d[i].due, ds);
		if (d[i].last_date)
			muster_date_format(d[i].last_date, ls);
		else
			snprintf(ls, sizeof ls, "-");
		const char *st = failed ? "failed" : over ? "overdue" : "due";
		if (l->o->json) {
			muster_buf_puts(&l->out, l->n++ ? ",\n{\"id\":" : "{\"id\":");
			muster_json_cstr(&l->out, id);
			muster_buf_puts(&l->out, ",\"kind\":");
			muster_json_str(&l->out, d[i].kind, d[i].kind_len);
			if (d[i].due)
				muster_buf_printf(&l->out, ",\"due\":\"%s\"", ds);
			if (d[i].last_date)
				muster_buf_printf(&l->out, ",\"last\":\"%s\"", ls);
			muster_buf_printf(&l->out, ",\"status\":\"%s\"}", st);
		} else {
			l->n++;
			cli_col(&l->out, id, strlen(id), 16);
			cell(&l->out, a, MF_TYPE, 18);
			cli_col(&l->out, d[i].kind, d[i].kind_len, 14);
			cli_col(&l->out, ls, strlen(ls), 11);
			cli_col(&l->out, d[i].due ? ds : "-", d[i].due ? 10 : 1, 11);
			muster_buf_puts(&l->out, failed ? L("FAILED", "不合格") : over ? L("OVERDUE", "已逾期") : L("due", "待检"));
			muster_buf_puts(&l->out, "\n");
		}
	}
	return 0;
}

static int inspect_due(const struct opts *o)
{
	static const char *const opts_[] = {"team", "depot", "date", "within", "overdue", NULL};
	cli_only(o, "muster inspect due", opts_);
	muster_store *s = cli_open(o);
	struct duelist l = {o, cli_snapshot(s), cli_today(), 0, cli_opt(o, "overdue") != NULL, cli_opt(o, "team"),
		cli_opt(o, "depot"), {0}, 0};
	if (cli_opt(o, "date") && !(l.date = muster_date_parse(cli_opt(o, "date"))))
		die(EXIT_USAGE, L("--date '%s' is not a date: give YYYY-MM-DD", "--date '%s' 不是日期：请用 YYYY-MM-DD"), cli_opt(o, "date"));
	uint64_t within = cli_opt(o, "within") ? cli_uint("--within", cli_opt(o, "within")) : 30;
	l.until = muster_date_add(l.date, (int64_t)within);
	if (o->json)
		muster_buf_puts(&l.out, "[");
	else {
		static const size_t w[] = {16, 18, 14, 11, 11};
		const char *h[] = {L("ASSET", "资产"), L("TYPE", "装备类型"), L("KIND", "检查类别"), L("LAST", "上次"),
			L("DUE", "到期")};
		for (int i = 0; i < 5; i++)
			cli_col(&l.out, h[i], strlen(h[i]), w[i]);
		muster_buf_puts(&l.out, L("STATUS\n", "状态\n"));
	}
	int rc = muster_row_list(l.sn, MUSTER_T_ASSET, NULL, 0, due_one, &l);
	if (rc)
		die(cli_exit_code(rc), L("cannot list inspections: %s", "无法列出检查：%s"), cli_strerror(rc));
	if (o->json)
		muster_buf_puts(&l.out, "]\n");
	muster_snap_end(l.sn);
	cli_emit(&l.out);
	muster_store_close(s);
	return EXIT_OK;
}

/* Physical inventory. */

struct scan_batch {
	const muster_signer *signer;
	muster_buf bodies;
	size_t n;
	size_t *ends;
	uint64_t first;
};

static int write_batch(muster_wtxn *w, void *arg)
{
	struct scan_batch *b = arg;
	size_t start = 0;
	for (size_t i = 0; i < b->n; i++) {
		uint64_t ix;
		int rc = muster_append(w, b->signer, MUSTER_EV_COUNT_SCAN, b->bodies.data + start, b->ends[i] - start, &ix);
		if (rc)
			return rc;
		if (i == 0)
			b->first = ix;
		start = b->ends[i];
	}
	return 0;
}

static int count_scan(const struct opts *o)
{
	static const char *const none[] = {NULL};
	if (o->npos < 4)
		die(EXIT_USAGE, "%s", L("usage: muster count scan COUNT ASSET|PAYLOAD...", "用法: muster count scan 盘点单 资产|标签..."));
	cli_only(o, "muster count scan", none);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	struct scan_batch b = {NULL, {0}, 0, calloc((size_t)o->npos, sizeof(size_t)), 0};
	if (!b.ends)
		die(EXIT_IO, "%s", L("out of memory", "内存不足"));
	for (int i = 3; i < o->npos; i++) {
		char id[MUSTER_TAG_ID_MAX + 1], why[512];
		int rc = cli_asset_ref(sn, o->pos[i], id, why, sizeof why);
		if (rc)
			die(cli_exit_code(rc), "%s", why);
		muster_rec r;
		muster_rec_clear(&r);
		muster_rec_cstr(&r, MF_ID, id);
		muster_rec_cstr(&r, MF_COUNT, o->pos[2]);
		muster_rec_encode(&b.bodies, &r);
		b.ends[b.n++] = b.bodies.len;
	}
	muster_snap_end(sn);
	muster_signer *signer = cli_signer(o);
	b.signer = signer;
	int rc = b.bodies.err ? b.bodies.err : muster_write(s, write_batch, &b);
	muster_signer_free(signer);
	if (rc)
		cli_write_failed(s, L("muster count scan refused", "盘点扫描被拒绝"), rc);
	if (o->json)
		printf("{\"count\":\"%s\",\"scanned\":%zu,\"first_index\":%" PRIu64 "}\n", o->pos[2], b.n, b.first);
	else
		printf(L("count %s: %zu scanned, entries %" PRIu64 "-%" PRIu64 "\n", "盘点单 %s：已扫描 %zu 件，条目 %" PRIu64 "-%" PRIu64 "\n"),
			o->pos[2], b.n, b.first, b.first + b.n - 1);
	free(b.ends);
	muster_buf_free(&b.bodies);
	muster_store_close(s);
	return EXIT_OK;
}

static void print_list(muster_buf *b, const char *label, const muster_rec *r, unsigned tag)
{
	muster_buf_printf(b, "%-12s %" PRIu64 "  ", label, MUSTER_HAS(r, tag) ? r->v[tag].u : 0);
	if (MUSTER_HAS(r, tag))
		muster_fv_format(b, muster_field_get(tag), &r->v[tag], cli_zh());
	muster_buf_puts(b, "\n");
}

static void count_print(const struct opts *o, const muster_rec *r, uint64_t index)
{
	muster_buf b = {0};
	if (o->json) {
		row_json(&b, r);
		if (index != UINT64_MAX) {
			b.len--;
			muster_buf_printf(&b, ",\"index\":%" PRIu64 "}", index);
		}
		muster_buf_puts(&b, "\n");
	} else {
		muster_buf_printf(&b, L("count %.*s", "盘点单 %.*s"), (int)r->v[MF_COUNT].n, r->v[MF_COUNT].p);
		if (index != UINT64_MAX)
			muster_buf_printf(&b, L(" closed, entry %" PRIu64, " 已结束，条目 %" PRIu64), index);
		muster_buf_puts(&b, "\n");
		muster_buf_printf(&b, "%-12s %" PRIu64 "\n", L("matched", "相符"), r->v[MF_MATCHED].u);
		print_list(&b, L("missing", "盘亏"), r, MF_MISSING);
		print_list(&b, L("unexpected", "盘盈"), r, MF_UNEXPECTED);
	}
	cli_emit(&b);
}

static int count_close(const struct opts *o)
{
	static const char *const extra[] = {NULL};
	if (o->npos != 3)
		die(EXIT_USAGE, "%s", L("usage: muster count close COUNT [--notes TEXT]", "用法: muster count close 盘点单 [--notes 备注]"));
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	muster_count_lists l;
	muster_rec r;
	struct field_bufs fb;
	memset(&fb, 0, sizeof fb);
	int rc = muster_count_result(sn, o->pos[2], &l, &r);
	muster_snap_end(sn);
	if (rc == 0) /* the row's copy of the id ended with the snapshot */
		muster_rec_cstr(&r, MF_COUNT, o->pos[2]);
	if (rc == MUSTER_ENOTFOUND)
		die(EXIT_NOTFOUND, L("count %s was never started: start it with 'muster count start'",
				       "盘点单 %s 不存在：请先用 'muster count start' 开始盘点"),
			o->pos[2]);
	if (rc)
		die(cli_exit_code(rc), L("cannot compute count %s: %s", "无法计算盘点单 %s：%s"), o->pos[2], cli_strerror(rc));
	cli_fields(o, "muster count close", MUSTER_BIT(MF_NOTES), extra, &r, &fb);
	muster_signer *signer = cli_signer(o);
	uint64_t index;
	rc = cli_append_rec(s, signer, MUSTER_EV_COUNT_CLOSE, &r, &index);
	muster_signer_free(signer);
	if (rc)
		cli_write_failed(s, L("muster count close refused", "结束盘点被拒绝"), rc);
	count_print(o, &r, index);
	muster_count_lists_free(&l);
	field_bufs_free(&fb);
	muster_store_close(s);
	return EXIT_OK;
}

static int count_show(const struct opts *o)
{
	static const char *const none[] = {NULL};
	if (o->npos != 3)
		die(EXIT_USAGE, "%s", L("usage: muster count show COUNT", "用法: muster count show 盘点单"));
	cli_only(o, "muster count show", none);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	muster_rec c;
	int rc = muster_row_cget(sn, MUSTER_T_COUNT, o->pos[2], &c);
	if (rc)
		die(cli_exit_code(rc), L("count %s: %s", "盘点单 %s：%s"), o->pos[2], cli_strerror(rc));
	if (MUSTER_HAS(&c, MF_OPEN)) { /* an open count shows what closing it now would sign */
		muster_count_lists l;
		muster_rec r;
		if ((rc = muster_count_result(sn, o->pos[2], &l, &r)) != 0)
			die(cli_exit_code(rc), L("count %s: %s", "盘点单 %s：%s"), o->pos[2], cli_strerror(rc));
		muster_rec_uint(&r, MF_OPEN, 1);
		muster_rec_text(&r, MF_DEPOT, c.v[MF_DEPOT].p, c.v[MF_DEPOT].n);
		muster_rec_uint(&r, MF_SCANNED, c.v[MF_SCANNED].u);
		count_print(o, &r, UINT64_MAX);
		muster_count_lists_free(&l);
	} else {
		count_print(o, &c, c.v[MF_LAST].u);
	}
	muster_snap_end(sn);
	muster_store_close(s);
	return EXIT_OK;
}

int cmd_equip_read(const struct opts *o, const char *noun, const char *verb)
{
	static const unsigned team_cols[] = {MF_TEAM, MF_NAME, MF_SPECIALTY, MF_PROVINCE, MF_HOST};
	static const size_t team_w[] = {12, 30, 12, 8, 30};
	static const unsigned depot_cols[] = {MF_DEPOT, MF_TEAM, MF_NAME, MF_LOCATION};
	static const size_t depot_w[] = {12, 12, 30, 30};
	static const unsigned asset_cols[] = {MF_ID, MF_TYPE, MF_MODEL, MF_TEAM, MF_DEPOT, MF_STATE};
	static const size_t asset_w[] = {16, 18, 16, 10, 10, 12};
	static const unsigned rule_cols[] = {MF_TYPE, MF_KIND, MF_INTERVAL};
	static const size_t rule_w[] = {20, 16, 8};
	if (strcmp(noun, "team") == 0 && strcmp(verb, "list") == 0)
		return list_table(o, MUSTER_T_TEAM, team_cols, team_w, 5, NULL);
	if (strcmp(noun, "depot") == 0 && strcmp(verb, "list") == 0)
		return list_table(o, MUSTER_T_DEPOT, depot_cols, depot_w, 4, NULL);
	if (strcmp(noun, "asset") == 0) {
		if (strcmp(verb, "list") == 0)
			return list_table(o, MUSTER_T_ASSET, asset_cols, asset_w, 6, NULL);
		if (strcmp(verb, "show") == 0)
			return asset_show(o);
		if (strcmp(verb, "history") == 0)
			return asset_history(o);
		if (strcmp(verb, "ready") == 0)
			return asset_ready(o);
	}
	if (strcmp(noun, "inspect") == 0) {
		if (strcmp(verb, "rules") == 0)
			return list_table(o, MUSTER_T_RULE, rule_cols, rule_w, 3, NULL);
		if (strcmp(verb, "due") == 0)
			return inspect_due(o);
	}
	static const unsigned fund_cols[] = {MF_FUND, MF_NAME, MF_FUND_SOURCE, MF_OWNER};
	static const unsigned source_cols[] = {MF_FUND_SOURCE, MF_NAME, MF_RULES, MF_REF};
	static const size_t source_w[] = {20, 34, 22, 8};
	static const size_t fund_w[] = {14, 30, 18, 20};
	static const unsigned budget_cols[] = {MF_FUND, MF_TEAM, MF_YEAR, MF_AMOUNT};
	static const size_t budget_w[] = {14, 12, 6, 16};
	static const unsigned spend_cols[] = {MF_REF, MF_DATE, MF_TEAM, MF_FUND, MF_SPEND_TYPE, MF_AMOUNT, MF_SPEND_STATE};
	static const size_t spend_w[] = {8, 10, 12, 14, 12, 16, 10};
	if (strcmp(noun, "fund") == 0 && strcmp(verb, "list") == 0)
		return list_table(o, MUSTER_T_FUND, fund_cols, fund_w, 4, NULL);
	if (strcmp(noun, "fund") == 0 && strcmp(verb, "sources") == 0)
		return list_table(o, MUSTER_T_FSOURCE, source_cols, source_w, 4, builtin_sources);
	if (strcmp(noun, "budget") == 0 && strcmp(verb, "list") == 0)
		return list_table(o, MUSTER_T_BUDGET, budget_cols, budget_w, 4, NULL);
	if (strcmp(noun, "spend") == 0 && strcmp(verb, "list") == 0)
		return list_table(o, MUSTER_T_SPEND, spend_cols, spend_w, 7, NULL);
	if (strcmp(noun, "person") == 0 || strcmp(noun, "cert") == 0 || strcmp(noun, "exam") == 0 ||
		strcmp(noun, "deploy") == 0 || strcmp(noun, "health") == 0)
		return cmd_people(o, noun, verb);
	static const unsigned count_cols[] = {MF_COUNT, MF_DEPOT, MF_OPEN, MF_SCANNED, MF_MATCHED, MF_REF};
	static const size_t count_w[] = {16, 14, 6, 8, 8, 8};
	if (strcmp(noun, "count") == 0) {
		if (strcmp(verb, "list") == 0)
			return list_table(o, MUSTER_T_COUNT, count_cols, count_w, 6, NULL);
		if (strcmp(verb, "scan") == 0)
			return count_scan(o);
		if (strcmp(verb, "close") == 0)
			return count_close(o);
		if (strcmp(verb, "show") == 0)
			return count_show(o);
	}
	die(EXIT_USAGE, L("unknown command 'muster %s %s'; see 'muster --help'", "未知命令 'muster %s %s'；参见 'muster --help'"),
		noun, verb);
}
