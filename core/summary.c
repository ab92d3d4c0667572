/*
 * summary.c - spending summaries for auditors (muster/summary.h).
 *
 * One cursor walk over the spending projection.  A national store holds
 * hundreds of thousands of spending rows, so a row is not decoded into a
 * whole muster_rec (3 KB, every text checked as UTF-8): muster_rec_peek
 * walks its (tag, value) pairs, skips what it does not need by the field's
 * type and stops after the spending state, the last field it reads.  The
 * rows were written by the rules in money.c and are only bounds-checked
 * here; 'muster log verify' and 'muster reindex' are what vouch for them.
 *
 * Groups live in an open-addressing hash table keyed by their key bytes,
 * and, grouping by category, each asset's group in a second one, so an
 * asset is looked up in the asset projection once however often it was
 * paid for.  The hash tables hold copies of their keys: the snapshot's
 * are scattered over the whole map and comparing against them costs a
 * cache miss a row.
 */
#include "equip_int.h"

#include <muster/summary.h>

#include <stdio.h>

static const char *const by_names[MUSTER_BY_COUNT_] = {"fund", "team", "year", "month", "category", "vendor", "type"};

const char *muster_summary_by_name(int by)
{
	return by >= 0 && by < MUSTER_BY_COUNT_ ? by_names[by] : NULL;
}

int muster_summary_by_parse(const char *name)
{
	for (int i = 0; name && i < MUSTER_BY_COUNT_; i++)
		if (strcmp(name, by_names[i]) == 0)
			return i;
	return -1;
}

/* ---- groups ---------------------------------------------------------------------------- */

struct grp {
	char *key; /* malloc'd, NUL-terminated */
	size_t key_len;
	const char *name; /* into the snapshot, or static; copied out at the end */
	size_t name_len;
	uint64_t count, total, budget;
};

/* An open-addressing table of (bytes -> index); the bytes are kept by whoever adds them. */
struct ent {
	uint64_t h;
	const char *k;
	size_t kn;
	size_t v; /* index + 1; 0: empty */
};
struct map {
	struct ent *e;
	size_t cap, n; /* cap a power of two */
};

static inline uint64_t hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211u;
	return h ^ (h >> 29);
}

/* The entry for (p, n): found (v != 0) or the empty slot it would take. */
static struct ent *map_slot(struct map *m, const char *p, size_t n, uint64_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct ent *e = &m->e[i];
		if (!e->v || (e->h == h && e->kn == n && memcmp(e->k, p, n) == 0))
			return e;
	}
}

static int map_grow(struct map *m)
{
	if (m->cap && (m->n + 1) * 4 < m->cap * 3)
		return 0;
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct ent *old = m->e, *e = calloc(cap, sizeof *e);
	if (!e)
		return MUSTER_ENOMEM;
	size_t oldcap = m->cap;
	m->e = e, m->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].v)
			*map_slot(m, old[i].k, old[i].kn, old[i].h) = old[i];
	free(old);
	return 0;
}

struct acc {
	const muster_summary_query *q;
	muster_snap *sn;
	uint64_t ntypes; /* spending types */
	struct grp *g;
	size_t n, cap;
	struct map groups; /* key -> group */
	struct map assets; /* asset id -> group, for MUSTER_BY_CATEGORY */
	struct muster_chunk *ids; /* the asset ids the table holds: copied, as the snapshot's copies are far apart */
	size_t qteam_n, qfund_n;
	uint64_t count, total, pending_count, pending_total, rejected_count, rejected_total;
	uint64_t sum; /* of all three totals: checked against overflow, so none of them can */
};

/* The group called key[0..n), made if new; NULL when out of memory. */
static struct grp *group(struct acc *a, const char *key, size_t n)
{
	uint64_t h = hash(key, n);
	struct ent *e = map_slot(&a->groups, key, n, h);
	if (e->v)
		return &a->g[e->v - 1];
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		struct grp *g = realloc(a->g, cap * sizeof *g);
		if (!g)
			return NULL;
		a->g = g, a->cap = cap;
	}
	char *k = malloc(n + 1);
	if (!k || map_grow(&a->groups) != 0) {
		free(k);
		return NULL;
	}
	memcpy(k, key, n);
	k[n] = 0;
	struct grp *g = &a->g[a->n++];
	*g = (struct grp){k, n, NULL, 0, 0, 0, 0};
	e = map_slot(&a->groups, k, n, h); /* the table may have grown */
	*e = (struct ent){h, k, n, a->n};
	a->groups.n++;
	return g;
}

static size_t put_digits(char *out, uint64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
	return (size_t)width;
}

static const muster_fv dash = {0, "-", 1};

/* The category group of the asset id: asked of the asset projection once per asset. */
static struct grp *category_group(struct acc *a, const muster_fv *id, int *rc)
{
	uint64_t h = hash(id->p, id->n);
	struct ent *e = map_slot(&a->assets, id->p, id->n, h);
	if (e->v)
		return &a->g[e->v - 1];
	MDB_val k = {id->n, (void *)id->p}, v;
	muster_fv f[MUSTER_FIELDS_MAX];
	muster_mask has = 0;
	*rc = muster_mdb_err(mdb_get(a->sn->txn, a->sn->dbi[DB_ASSET], &k, &v));
	if (*rc == MUSTER_ENOTFOUND) /* assets are never removed */
		*rc = MUSTER_ECORRUPT;
	if (*rc)
		return NULL;
	if (muster_rec_peek(v.mv_data, v.mv_size, MUSTER_BIT(MF_CATEGORY), MF_CATEGORY, f, &has) != 0) {
		*rc = MUSTER_ECORRUPT;
		return NULL;
	}
	const muster_fv *c = (has & MUSTER_BIT(MF_CATEGORY)) ? &f[MF_CATEGORY] : &dash;
	struct grp *g = group(a, c->p, c->n);
	const char *kept = muster_keep(&a->ids, id->p, id->n);
	if (!g || !kept || map_grow(&a->assets) != 0) {
		*rc = MUSTER_ENOMEM;
		return NULL;
	}
	e = map_slot(&a->assets, id->p, id->n, h);
	*e = (struct ent){h, kept, id->n, (size_t)(g - a->g) + 1};
	a->assets.n++;
	return g;
}

static int fv_eq(const muster_fv *v, const char *s, size_t n)
{
	return v->n == n && memcmp(v->p, s, n) == 0;
}

#define SPEND_WANT                                                                                              \
	(MUSTER_BIT(MF_ID) | MUSTER_BIT(MF_TEAM) | MUSTER_BIT(MF_VENDOR) | MUSTER_BIT(MF_DATE) | MUSTER_BIT(MF_FUND) | \
		MUSTER_BIT(MF_AMOUNT) | MUSTER_BIT(MF_SPEND_TYPE) | MUSTER_BIT(MF_VENDOR_CODE) |                     \
		MUSTER_BIT(MF_SPEND_STATE))
#define SPEND_NEED (SPEND_WANT & ~MUSTER_BIT(MF_ID))

static int spend_one(struct acc *a, const MDB_val *val)
{
	const muster_summary_query *q = a->q;
	muster_fv v[MUSTER_FIELDS_MAX];
	muster_mask has;
	if (muster_rec_peek(val->mv_data, val->mv_size, SPEND_WANT, MF_SPEND_STATE, v, &has) != 0 ||
		(has & SPEND_NEED) != SPEND_NEED || v[MF_SPEND_STATE].u > MUSTER_SP_REJECTED ||
		v[MF_SPEND_TYPE].u >= a->ntypes)
		return MUSTER_ECORRUPT;
	uint64_t date = v[MF_DATE].u, amount = v[MF_AMOUNT].u;
	if ((q->year && date / 10000 != q->year) || (q->team && !fv_eq(&v[MF_TEAM], q->team, a->qteam_n)) ||
		(q->fund && !fv_eq(&v[MF_FUND], q->fund, a->qfund_n)))
		return 0;
	if (a->sum + amount < a->sum)
		return MUSTER_ETOOBIG; /* past 2^64 fen */
	a->sum += amount;
	switch (v[MF_SPEND_STATE].u) {
	case MUSTER_SP_PENDING:
		a->pending_count++, a->pending_total += amount;
		return 0;
	case MUSTER_SP_REJECTED:
		a->rejected_count++, a->rejected_total += amount;
		return 0;
	}
	struct grp *g;
	char k[8];
	int rc = MUSTER_ENOMEM;
	switch (q->by) {
	case MUSTER_BY_FUND: g = group(a, v[MF_FUND].p, v[MF_FUND].n); break;
	case MUSTER_BY_TEAM: g = group(a, v[MF_TEAM].p, v[MF_TEAM].n); break;
	case MUSTER_BY_YEAR: g = group(a, k, put_digits(k, date / 10000, 4)); break;
	case MUSTER_BY_MONTH:
		put_digits(k, date / 10000, 4);
		k[4] = '-';
		g = group(a, k, 5 + put_digits(k + 5, date / 100 % 100, 2));
		break;
	case MUSTER_BY_CATEGORY:
		g = (has & MUSTER_BIT(MF_ID)) ? category_group(a, &v[MF_ID], &rc) : group(a, "-", 1);
		break;
	case MUSTER_BY_VENDOR:
		if ((g = group(a, v[MF_VENDOR_CODE].p, v[MF_VENDOR_CODE].n)) != NULL)
			g->name = v[MF_VENDOR].p, g->name_len = v[MF_VENDOR].n; /* the latest record's name wins */
		break;
	default: {
		const muster_field *f = muster_field_get(MF_SPEND_TYPE);
		const char *t = f->enums[v[MF_SPEND_TYPE].u];
		if ((g = group(a, t, strlen(t))) != NULL && !g->name)
			g->name = f->enums_zh[v[MF_SPEND_TYPE].u], g->name_len = strlen(g->name);
	}
	}
	if (!g)
		return rc;
	g->count++, g->total += amount;
	a->count++, a->total += amount;
	return 0;
}

static int spend_walk(struct acc *a)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = muster_mdb_err(mdb_cursor_open(a->sn->txn, a->sn->dbi[DB_SPEND], &cur));
	if (rc)
		return rc;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; mrc == 0 && rc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		rc = spend_one(a, &v);
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = muster_mdb_err(mrc);
	mdb_cursor_close(cur);
	return rc;
}

/* Budgets: key fund 0 team 0 be32(year). */
static int budget_one(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	struct acc *a = arg;
	const muster_summary_query *q = a->q;
	const char *z1 = memchr(key, 0, klen), *z2 = z1 ? memchr(z1 + 1, 0, klen - (size_t)(z1 + 1 - key)) : NULL;
	if (!z2 || (size_t)(key + klen - (z2 + 1)) != 4 || !MUSTER_HAS(r, MF_AMOUNT))
		return MUSTER_ECORRUPT;
	const uint8_t *y = (const uint8_t *)z2 + 1;
	uint64_t year = (uint64_t)y[0] << 24 | (uint64_t)y[1] << 16 | (uint64_t)y[2] << 8 | y[3];
	size_t fn = (size_t)(z1 - key), tn = (size_t)(z2 - z1 - 1);
	if ((q->year && year != q->year) || (q->fund && (fn != a->qfund_n || memcmp(key, q->fund, fn) != 0)) ||
		(q->team && (tn != a->qteam_n || memcmp(z1 + 1, q->team, tn) != 0)))
		return 0;
	char k[8];
	struct grp *g = q->by == MUSTER_BY_FUND ? group(a, key, fn) :
			q->by == MUSTER_BY_TEAM ? group(a, z1 + 1, tn) :
						  group(a, k, put_digits(k, year, 4));
	if (!g)
		return MUSTER_ENOMEM;
	g->budget += r->v[MF_AMOUNT].u;
	return 0;
}

/* The fund's or team's name, into the snapshot. */
static void row_name(struct acc *a, int table, struct grp *g)
{
	muster_rec r;
	if (muster_row_get(a->sn, table, g->key, g->key_len, &r) == 0 && MUSTER_HAS(&r, MF_NAME))
		g->name = r.v[MF_NAME].p, g->name_len = r.v[MF_NAME].n;
}

static int grp_cmp(const void *x, const void *y)
{
	const struct grp *a = x, *b = y;
	int c = memcmp(a->key, b->key, a->key_len < b->key_len ? a->key_len : b->key_len);
	return c ? c : (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

static void against(muster_summary_group *o)
{
	o->variance = (int64_t)(o->total - o->budget);
	o->rate = o->budget ? (uint64_t)(((unsigned __int128)o->total * 10000 + o->budget / 2) / o->budget) : 0;
}

static void acc_free(struct acc *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->g[i].key);
	free(a->g);
	free(a->groups.e);
	free(a->assets.e);
	muster_keep_free(a->ids);
}

/* Copies the groups out: one block holds the group array and then every key and name. */
static int finish(struct acc *a, muster_summary *out)
{
	size_t bytes = a->n * sizeof(muster_summary_group);
	for (size_t i = 0; i < a->n; i++)
		bytes += a->g[i].key_len + 1 + (a->g[i].name ? a->g[i].name_len + 1 : 0);
	char *blk = malloc(bytes ? bytes : 1);
	if (!blk)
		return MUSTER_ENOMEM;
	muster_summary_group *gs = (muster_summary_group *)(void *)blk;
	char *s = blk + a->n * sizeof *gs;
	for (size_t i = 0; i < a->n; i++) {
		const struct grp *g = &a->g[i];
		muster_summary_group *o = &gs[i];
		memset(o, 0, sizeof *o);
		memcpy(s, g->key, g->key_len + 1);
		o->key = s, o->key_len = g->key_len;
		s += g->key_len + 1;
		if (g->name) {
			memcpy(s, g->name, g->name_len);
			s[g->name_len] = 0;
			o->name = s, o->name_len = g->name_len;
			s += g->name_len + 1;
		}
		o->count = g->count, o->total = g->total;
		if (out->has_budget) {
			o->budget = g->budget;
			out->all.budget += g->budget;
			against(o);
		}
	}
	out->groups = gs;
	out->n = a->n;
	out->priv_ = blk;
	out->all.key = "total";
	out->all.key_len = 5;
	out->all.count = a->count, out->all.total = a->total;
	if (out->has_budget)
		against(&out->all);
	out->pending_count = a->pending_count, out->pending_total = a->pending_total;
	out->rejected_count = a->rejected_count, out->rejected_total = a->rejected_total;
	return 0;
}

/* 0 if code is NULL (no filter) or a registered team or fund. */
static int registered(muster_snap *sn, int table, const char *code)
{
	muster_rec r;
	if (!code)
		return 0;
	if (!*code)
		return MUSTER_EINVAL;
	if (strlen(code) > 256) /* longer than any code can be */
		return MUSTER_ENOTFOUND;
	return muster_row_cget(sn, table, code, &r);
}

int muster_spend_summary(muster_snap *sn, const muster_summary_query *q, muster_summary *out)
{
	int rc;
	memset(out, 0, sizeof *out);
	if (!sn || !q || q->by < 0 || q->by >= MUSTER_BY_COUNT_ || (q->year && (q->year < 1000 || q->year > 9999)))
		return MUSTER_EINVAL;
	if ((rc = registered(sn, MUSTER_T_TEAM, q->team)) != 0 || (rc = registered(sn, MUSTER_T_FUND, q->fund)) != 0)
		return rc;
	struct acc a;
	memset(&a, 0, sizeof a);
	a.q = q, a.sn = sn;
	a.qteam_n = q->team ? strlen(q->team) : 0;
	a.qfund_n = q->fund ? strlen(q->fund) : 0;
	for (const char *const *e = muster_field_get(MF_SPEND_TYPE)->enums; e[a.ntypes]; a.ntypes++)
		;
	out->by = q->by;
	out->has_budget = q->by == MUSTER_BY_FUND || q->by == MUSTER_BY_TEAM || q->by == MUSTER_BY_YEAR;
	if ((rc = map_grow(&a.groups)) == 0 && (rc = map_grow(&a.assets)) == 0)
		rc = spend_walk(&a);
	if (rc == 0 && out->has_budget)
		rc = muster_row_list(sn, MUSTER_T_BUDGET, NULL, 0, budget_one, &a);
	if (rc == 0 && (q->by == MUSTER_BY_FUND || q->by == MUSTER_BY_TEAM))
		for (size_t i = 0; i < a.n; i++)
			row_name(&a, q->by == MUSTER_BY_FUND ? MUSTER_T_FUND : MUSTER_T_TEAM, &a.g[i]);
	if (rc == 0) {
		if (a.n)
			qsort(a.g, a.n, sizeof *a.g, grp_cmp);
		rc = finish(&a, out);
	}
	acc_free(&a);
	if (rc) {
		int by = out->by;
		memset(out, 0, sizeof *out);
		out->by = by;
	}
	return rc;
}

void muster_summary_free(muster_summary *s)
{
	if (!s)
		return;
	free(s->priv_);
	memset(s, 0, sizeof *s);
}
