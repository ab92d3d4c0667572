/* equip_read.c - reading the equipment projections through a snapshot. */
#include "equip_int.h"

#include <muster/money.h>
#include <muster/people.h>

#include <ctype.h>

static const int table_db[] = {
	[MUSTER_T_TEAM] = DB_TEAM, [MUSTER_T_DEPOT] = DB_DEPOT, [MUSTER_T_ASSET] = DB_ASSET,
	[MUSTER_T_RULE] = DB_RULE, [MUSTER_T_INSPECT] = DB_INSPECT, [MUSTER_T_COUNT] = DB_STOCK,
	[MUSTER_T_PERSON] = DB_PERSON, [MUSTER_T_CERT] = DB_CERT, [MUSTER_T_EXAM] = DB_EXAM,
	[MUSTER_T_DEPLOY] = DB_DEPLOY, [MUSTER_T_CREW] = DB_CREW, [MUSTER_T_OWE] = DB_OWE, [MUSTER_T_HRULE] = DB_HRULE,
	[MUSTER_T_ROSTER] = DB_ROSTER, [MUSTER_T_FUND] = DB_FUND, [MUSTER_T_BUDGET] = DB_BUDGET,
	[MUSTER_T_SPEND] = DB_SPEND, [MUSTER_T_FSOURCE] = DB_FSOURCE,
};

int muster_snap_begin(muster_store *s, muster_snap **out)
{
	muster_snap *sn = malloc(sizeof *sn);
	if (!sn)
		return MUSTER_ENOMEM;
	*sn = (muster_snap){s, NULL, s->dbi, {NULL}, NULL};
	int rc = muster_read_begin(s, &sn->txn);
	if (rc) {
		free(sn);
		return rc;
	}
	*out = sn;
	return 0;
}

void muster_snap_end(muster_snap *sn)
{
	if (!sn)
		return;
	muster_snap_release(sn);
	muster_read_end(sn->s, sn->txn);
	free(sn);
}

int muster_snap_size(muster_snap *sn, uint64_t *size)
{
	return muster_log_size_txn(sn->txn, sn->dbi[DB_LOG], size);
}

muster_store *muster_snap_store(muster_snap *sn)
{
	return sn->s;
}

static int table_ok(int table)
{
	return table >= 0 && (size_t)table < sizeof table_db / sizeof table_db[0] && table_db[table] != 0;
}

static MDB_dbi dbi_of(muster_snap *sn, int table)
{
	return sn->dbi[table_db[table]];
}

int muster_row_get(muster_snap *sn, int table, const char *key, size_t klen, muster_rec *r)
{
	if (!table_ok(table) || klen == 0)
		return MUSTER_EINVAL;
	return muster_row_read(sn->txn, dbi_of(sn, table), key, klen, NULL, r);
}

int muster_row_cget(muster_snap *sn, int table, const char *key, muster_rec *r)
{
	return muster_row_get(sn, table, key, strlen(key), r);
}

/* Calls fn for every (key, value) of dbi whose key starts with prefix. */
static int scan_prefix(MDB_txn *txn, MDB_dbi dbi, const void *prefix, size_t plen,
	int (*fn)(const MDB_val *k, const MDB_val *v, void *arg), void *arg)
{
	MDB_cursor *cur;
	MDB_val k = {plen, (void *)prefix}, v;
	int rc = muster_mdb_err(mdb_cursor_open(txn, dbi, &cur));
	if (rc)
		return rc;
	int mrc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
	for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
			break;
		if ((rc = fn(&k, &v, arg)) != 0)
			break;
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = muster_mdb_err(mrc);
	mdb_cursor_close(cur);
	return rc;
}

struct list_arg {
	muster_row_cb cb;
	void *arg;
};

static int list_one(const MDB_val *k, const MDB_val *v, void *varg)
{
	struct list_arg *a = varg;
	muster_rec r;
	if (muster_rec_decode(v->mv_data, v->mv_size, 0, 0, &r, NULL, 0) != 0)
		return MUSTER_ECORRUPT;
	return a->cb(k->mv_data, k->mv_size, &r, a->arg);
}

int muster_row_list(muster_snap *sn, int table, const char *prefix, size_t plen, muster_row_cb cb, void *arg)
{
	if (!table_ok(table))
		return MUSTER_EINVAL;
	struct list_arg a = {cb, arg};
	return scan_prefix(sn->txn, dbi_of(sn, table), prefix, plen, list_one, &a);
}

int muster_asset_history(muster_snap *sn, const char *id, muster_index_cb cb, void *arg)
{
	size_t n = strlen(id);
	if (n == 0 || n > MUSTER_TAG_ID_MAX)
		return MUSTER_EINVAL;
	MDB_cursor *cur;
	int rc = muster_mdb_err(mdb_cursor_open(sn->txn, sn->dbi[DB_HIST], &cur));
	if (rc)
		return rc;
	rc = muster_hist_each(cur, id, n, cb, arg);
	mdb_cursor_close(cur);
	return rc;
}

int muster_snap_entry(muster_snap *sn, uint64_t index, muster_entry *e, const uint8_t **raw, size_t *len)
{
	uint8_t kb[LOG_KEY];
	log_key(kb, index, LOG_ENTRY);
	MDB_val k = {LOG_KEY, kb}, v;
	int rc = muster_mdb_err(mdb_get(sn->txn, sn->dbi[DB_LOG], &k, &v));
	if (rc == 0)
		rc = muster_entry_decode(v.mv_data, v.mv_size, e);
	if (rc == 0 && e->index != index)
		rc = MUSTER_ECORRUPT;
	if (rc == 0 && raw) {
		*raw = v.mv_data;
		*len = v.mv_size;
	}
	return rc;
}

static int meta_get(muster_snap *sn, const char *key, MDB_val *v)
{
	MDB_val k = {strlen(key), (void *)key};
	return muster_mdb_err(mdb_get(sn->txn, sn->dbi[DB_META], &k, v));
}

int muster_snap_base_url(muster_snap *sn, muster_buf *out)
{
	MDB_val v;
	int rc = meta_get(sn, "base_url", &v);
	if (rc == MUSTER_ENOTFOUND) {
		muster_buf_puts(out, "https://");
		muster_buf_puts(out, sn->s->origin);
		return out->err;
	}
	if (rc == 0)
		muster_buf_put(out, v.mv_data, v.mv_size);
	return rc ? rc : out->err;
}

int muster_snap_tag_pk(muster_snap *sn, uint8_t pk[MUSTER_PK_BYTES])
{
	MDB_val v;
	int rc = meta_get(sn, "tag_pk", &v);
	if (rc == 0 && v.mv_size != MUSTER_PK_BYTES)
		rc = MUSTER_ECORRUPT;
	if (rc == 0)
		memcpy(pk, v.mv_data, MUSTER_PK_BYTES);
	return rc;
}

struct url_arg {
	const char *url;
	size_t n;
	int found;
};

static int url_one(const MDB_val *k, const MDB_val *v, void *varg)
{
	struct url_arg *a = varg;
	(void)k;
	if (v->mv_size == a->n && memcmp(v->mv_data, a->url, a->n) == 0)
		a->found = 1;
	return a->found;
}

int muster_snap_url_known(muster_snap *sn, const char *url, size_t n)
{
	size_t on = strlen(sn->s->origin);
	if (n == 8 + on && memcmp(url, "https://", 8) == 0 && memcmp(url + 8, sn->s->origin, on) == 0)
		return 1;
	struct url_arg a = {url, n, 0};
	if (scan_prefix(sn->txn, sn->dbi[DB_META], "url/", 4, url_one, &a) < 0)
		return 0;
	return a.found;
}

/* Inspections. */

struct dues_arg {
	uint64_t base; /* the date a never-inspected asset counts from */
	muster_due *out;
	size_t n;
};

static muster_due *due_find(struct dues_arg *a, const char *kind, size_t n)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->out[i].kind_len == n && memcmp(a->out[i].kind, kind, n) == 0)
			return &a->out[i];
	return NULL;
}

static void due_rule(struct dues_arg *a, const muster_fv *v)
{
	if (a->n == MUSTER_DUES_MAX)
		return;
	muster_due *d = &a->out[a->n++];
	d->kind = v[MF_KIND].p;
	d->kind_len = v[MF_KIND].n;
	d->interval = v[MF_INTERVAL].u;
	d->last_date = 0;
	d->last_result = -1;
	d->last_index = 0;
	d->due = muster_date_add(a->base, (int64_t)d->interval);
}

static void due_record(struct dues_arg *a, const muster_fv *v, muster_mask has)
{
	muster_due *d = due_find(a, v[MF_KIND].p, v[MF_KIND].n);
	if (!d) {
		if (a->n == MUSTER_DUES_MAX)
			return;
		d = &a->out[a->n++];
		d->kind = v[MF_KIND].p;
		d->kind_len = v[MF_KIND].n;
		d->interval = 0;
	}
	d->last_date = v[MF_DATE].u;
	d->last_result = (int)v[MF_RESULT].u;
	d->last_index = v[MF_REF].u;
	if (has & MUSTER_BIT(MF_DUE))
		d->due = v[MF_DUE].u;
	else
		d->due = d->interval ? muster_date_add(d->last_date, (int64_t)d->interval) : 0;
}

#define RULE_WANT (MUSTER_BIT(MF_KIND) | MUSTER_BIT(MF_INTERVAL))
#define INSPECT_WANT (MUSTER_BIT(MF_DUE) | MUSTER_BIT(MF_KIND) | MUSTER_BIT(MF_RESULT) | MUSTER_BIT(MF_DATE) | \
	MUSTER_BIT(MF_REF))

/*
 * The rows of db under pre[0..pn) into a: rules, or inspection records.
 * Through a cursor the snapshot keeps: a walk of every asset asks in key
 * order, so the next asset's rows are mostly on the page the cursor is on
 * (no descent, no cursor opened per asset).  Only the fields used are read
 * (muster_rec_peek): the rows were checked when they were written.
 */
static int dues_rows(muster_snap *sn, int slot, int db, const char *pre, size_t pn, struct dues_arg *a)
{
	MDB_cursor *cur = muster_snap_cursor(sn, slot, db);
	if (!cur)
		return MUSTER_EIO;
	int rules = db == DB_RULE;
	muster_mask want = rules ? RULE_WANT : INSPECT_WANT;
	unsigned last = rules ? MF_INTERVAL : MF_REF;
	MDB_val k = {pn, (void *)pre}, v;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < pn || memcmp(k.mv_data, pre, pn) != 0)
			break;
		muster_fv f[MUSTER_FIELDS_MAX];
		muster_mask has;
		f[MF_DUE].u = f[MF_INTERVAL].u = f[MF_RESULT].u = f[MF_DATE].u = f[MF_REF].u = 0;
		f[MF_KIND].p = NULL, f[MF_KIND].n = 0;
		if (muster_rec_peek(v.mv_data, v.mv_size, want, last, f, &has) != 0)
			return MUSTER_ECORRUPT;
		if (rules)
			due_rule(a, f);
		else
			due_record(a, f, has);
	}
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : muster_mdb_err(mrc);
}

int muster_rules_load(muster_snap *sn, struct muster_rules *out)
{
	MDB_cursor *cur = muster_snap_cursor(sn, SNAP_RULE, DB_RULE);
	struct muster_rules rs = {NULL, 0};
	size_t cap = 0;
	if (!cur)
		return MUSTER_EIO;
	MDB_val k, v;
	int rc = 0, mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; mrc == 0 && rc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (rs.n == cap) {
			struct muster_rule_row *nr = realloc(rs.r, (cap = cap ? 2 * cap : 64) * sizeof *nr);
			if (!nr) {
				rc = MUSTER_ENOMEM;
				break;
			}
			rs.r = nr;
		}
		muster_fv f[MUSTER_FIELDS_MAX];
		muster_mask has;
		f[MF_INTERVAL].u = 0;
		f[MF_KIND].p = NULL, f[MF_KIND].n = 0;
		if (muster_rec_peek(v.mv_data, v.mv_size, RULE_WANT, MF_INTERVAL, f, &has) != 0)
			rc = MUSTER_ECORRUPT;
		else
			rs.r[rs.n++] = (struct muster_rule_row){k.mv_data, k.mv_size, f[MF_KIND], f[MF_INTERVAL].u};
	}
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = muster_mdb_err(mrc);
	if (rc) {
		free(rs.r);
		return rc;
	}
	*out = rs;
	return 0;
}

void muster_rules_free(struct muster_rules *rules)
{
	free(rules->r);
	rules->r = NULL;
	rules->n = 0;
}

/* The loaded rules under pre[0..pn) (type 0x00) into a, as dues_rows reads them from the store. */
static void dues_loaded(const struct muster_rules *rs, const char *pre, size_t pn, struct dues_arg *a)
{
	size_t lo = 0, hi = rs->n;
	while (lo < hi) { /* the first key >= pre, in LMDB's order: bytes, then length */
		size_t mid = lo + (hi - lo) / 2, m = rs->r[mid].klen < pn ? rs->r[mid].klen : pn;
		int c = memcmp(rs->r[mid].key, pre, m);
		if (c < 0 || (c == 0 && rs->r[mid].klen < pn))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < rs->n && rs->r[lo].klen >= pn && memcmp(rs->r[lo].key, pre, pn) == 0; lo++) {
		muster_fv f[MF_INTERVAL + 1];
		f[MF_KIND] = rs->r[lo].kind;
		f[MF_INTERVAL].u = rs->r[lo].interval;
		due_rule(a, f);
	}
}

static int asset_dues(muster_snap *sn, const struct muster_rules *rules, const char *id, const muster_rec *asset,
	muster_due *out, size_t *n)
{
	char k[600];
	const muster_fv *type = &asset->v[MF_TYPE];
	size_t idn = strlen(id);
	struct dues_arg a = {0, out, 0};
	int rc;
	if (idn == 0 || idn > MUSTER_TAG_ID_MAX || type->n > 256)
		return MUSTER_EINVAL;
	if (MUSTER_HAS(asset, MF_ACQUIRED)) {
		a.base = asset->v[MF_ACQUIRED].u;
	} else {
		muster_entry e;
		if ((rc = muster_snap_entry(sn, asset->v[MF_REGISTERED].u, &e, NULL, NULL)) != 0)
			return rc;
		a.base = muster_date_of_ms(e.time_ms);
	}
	memcpy(k, type->p, type->n);
	k[type->n] = 0;
	if (rules)
		dues_loaded(rules, k, type->n + 1, &a);
	else if ((rc = dues_rows(sn, SNAP_RULE, DB_RULE, k, type->n + 1, &a)) != 0)
		return rc;
	memcpy(k, id, idn);
	k[idn] = 0;
	if ((rc = dues_rows(sn, SNAP_INSPECT, DB_INSPECT, k, idn + 1, &a)) != 0)
		return rc;
	*n = a.n;
	return 0;
}

int muster_asset_dues(muster_snap *sn, const char *id, const muster_rec *asset, muster_due *out, size_t *n)
{
	return asset_dues(sn, NULL, id, asset, out, n);
}

int muster_asset_ready_dues(muster_snap *sn, const struct muster_rules *rules, const char *id, const muster_rec *asset,
	uint64_t date, int *counted, unsigned *why, muster_due *d, size_t *n)
{
	uint64_t s = asset->v[MF_STATE].u;
	unsigned w = 0;
	*counted = s != MUSTER_S_SCRAPPED && s != MUSTER_S_RELEASED;
	*why = 0;
	*n = 0;
	if (!*counted)
		return 0;
	if (s != MUSTER_S_IN_DEPOT && s != MUSTER_S_CHECKED_OUT && s != MUSTER_S_REQUISITIONED)
		w |= MUSTER_NR_STATE;
	int rc = asset_dues(sn, rules, id, asset, d, n);
	if (rc)
		return rc;
	for (size_t i = 0; i < *n; i++) {
		if (d[i].due && date > d[i].due)
			w |= MUSTER_NR_OVERDUE;
		if (d[i].last_result == 1)
			w |= MUSTER_NR_FAILED;
	}
	MDB_cursor *owe = muster_snap_cursor(sn, SNAP_OWE, DB_OWE);
	if (owe && muster_owes(owe, 'a', id, strlen(id)))
		w |= MUSTER_NR_POSTUSE;
	*why = w;
	return 0;
}

int muster_asset_ready(muster_snap *sn, const char *id, const muster_rec *asset, uint64_t date, int *counted,
	unsigned *why)
{
	muster_due d[MUSTER_DUES_MAX];
	size_t n;
	return muster_asset_ready_dues(sn, NULL, id, asset, date, counted, why, d, &n);
}

/* Physical inventory. */

struct ids {
	muster_buf b; /* ids, each NUL-terminated, in order */
	size_t n;
	const char *depot;
	size_t depot_n;
};

static int expect_one(const MDB_val *k, const MDB_val *v, void *varg)
{
	struct ids *x = varg;
	muster_rec r;
	if (muster_rec_decode(v->mv_data, v->mv_size, 0, 0, &r, NULL, 0) != 0)
		return MUSTER_ECORRUPT;
	const muster_fv *d = &r.v[MF_DEPOT];
	if (r.v[MF_STATE].u != MUSTER_S_IN_DEPOT || !MUSTER_HAS(&r, MF_DEPOT) || d->n != x->depot_n ||
		memcmp(d->p, x->depot, d->n) != 0)
		return 0;
	muster_buf_put(&x->b, k->mv_data, k->mv_size);
	muster_buf_put(&x->b, "", 1);
	x->n++;
	return x->b.err;
}

static int scanned_one(const MDB_val *k, const MDB_val *v, void *varg)
{
	struct ids *x = varg;
	(void)v;
	muster_buf_put(&x->b, (const char *)k->mv_data + x->depot_n, k->mv_size - x->depot_n);
	muster_buf_put(&x->b, "", 1);
	x->n++;
	return x->b.err;
}

int muster_count_compute(MDB_txn *txn, const MDB_dbi *dbi, const muster_rec *count, muster_count_lists *l,
	muster_rec *out)
{
	const muster_fv *id = &count->v[MF_COUNT], *depot = &count->v[MF_DEPOT];
	struct ids want = {{0}, 0, depot->p, depot->n}, got = {{0}, 0, NULL, id->n + 1};
	char prefix[MUSTER_TAG_ID_MAX + 2];
	crypto_hash_sha256_state h;
	int rc;
	memset(l, 0, sizeof *l);
	if (id->n > MUSTER_TAG_ID_MAX)
		return MUSTER_EINVAL;
	memcpy(prefix, id->p, id->n);
	prefix[id->n] = 0;
	rc = scan_prefix(txn, dbi[DB_ASSET], "", 0, expect_one, &want);
	if (rc == 0)
		rc = scan_prefix(txn, dbi[DB_SCAN], prefix, id->n + 1, scanned_one, &got);
	crypto_hash_sha256_init(&h);
	/* Both lists are in id order (LMDB key order): merge them. */
	const char *w = (const char *)want.b.data, *g = (const char *)got.b.data;
	size_t wi = 0, gi = 0;
	while (rc == 0 && (wi < want.n || gi < got.n)) {
		int c = wi == want.n ? 1 : gi == got.n ? -1 : strcmp(w, g);
		size_t wn = wi < want.n ? strlen(w) : 0, gn = gi < got.n ? strlen(g) : 0;
		if (c == 0) {
			muster_list_add(&l->matched, &l->n_matched, w, wn);
			crypto_hash_sha256_update(&h, (const uint8_t *)w, wn + 1);
		} else if (c < 0) {
			muster_list_add(&l->missing, &l->n_missing, w, wn);
		} else {
			muster_list_add(&l->unexpected, &l->n_unexpected, g, gn);
		}
		if (c <= 0)
			w += wn + 1, wi++;
		if (c >= 0)
			g += gn + 1, gi++;
	}
	crypto_hash_sha256_final(&h, l->digest);
	if (rc == 0)
		rc = l->matched.err ? l->matched.err : l->missing.err ? l->missing.err : l->unexpected.err;
	muster_buf_free(&want.b);
	muster_buf_free(&got.b);
	if (rc) {
		muster_count_lists_free(l);
		return rc;
	}
	muster_rec_clear(out);
	muster_rec_text(out, MF_COUNT, id->p, id->n);
	if (l->n_missing)
		muster_rec_list(out, MF_MISSING, &l->missing, l->n_missing);
	if (l->n_unexpected)
		muster_rec_list(out, MF_UNEXPECTED, &l->unexpected, l->n_unexpected);
	muster_rec_uint(out, MF_MATCHED, l->n_matched);
	muster_rec_text(out, MF_DIGEST, (const char *)l->digest, sizeof l->digest);
	return 0;
}

int muster_count_result(muster_snap *sn, const char *count, muster_count_lists *l, muster_rec *out)
{
	muster_rec c;
	int rc = muster_row_cget(sn, MUSTER_T_COUNT, count, &c);
	if (rc)
		return rc;
	return muster_count_compute(sn->txn, sn->dbi, &c, l, out);
}

void muster_count_lists_free(muster_count_lists *l)
{
	muster_buf_free(&l->missing);
	muster_buf_free(&l->unexpected);
	muster_buf_free(&l->matched);
}

int muster_label_check(muster_snap *sn, const char *payload, size_t n, muster_tag *t, uint64_t *current, int *why)
{
	uint8_t pk[MUSTER_PK_BYTES];
	muster_rec a;
	*current = 0;
	if (muster_tag_parse(payload, n, t) != 0) {
		*why = MUSTER_LBL_NOT_LABEL;
		return MUSTER_EINVAL;
	}
	/* muster_tag_parse skipped leading blanks: the URL starts at the first non-blank. */
	while (n && isspace((unsigned char)*payload))
		payload++, n--;
	if (!muster_snap_url_known(sn, payload, t->base_len)) {
		*why = MUSTER_LBL_FOREIGN;
		return MUSTER_EVERIFY;
	}
	int rc = muster_snap_tag_pk(sn, pk);
	if (rc)
		return rc;
	if (muster_tag_verify(t, sn->s->origin, pk) != 0) {
		*why = MUSTER_LBL_FORGED;
		return MUSTER_EVERIFY;
	}
	if (muster_row_get(sn, MUSTER_T_ASSET, t->id, t->id_len, &a) != 0) {
		*why = MUSTER_LBL_UNKNOWN;
		return MUSTER_ENOTFOUND;
	}
	*current = a.v[MF_LABEL].u;
	if (t->serial != *current) {
		*why = t->serial < *current ? MUSTER_LBL_REVOKED : MUSTER_LBL_NOT_ISSUED;
		return t->serial < *current ? MUSTER_ESTATE : MUSTER_EVERIFY;
	}
	*why = MUSTER_LBL_OK;
	return 0;
}
