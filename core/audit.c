/*
 * audit.c - the checks `muster audit` runs over spending.  Everything is
 * read through one snapshot: the spending rows (one walk), the funds and
 * budgets, the assets with their history (who held them on a date, when
 * they were scrapped: from the log entries themselves), the linked entries,
 * and the recording keys.  Each finding carries the log indexes that prove
 * it, so `muster audit evidence` can hand a third party the entries with
 * their inclusion proofs.
 */
#include "internal.h"
#include "equip_int.h"

#include <muster/audit.h>
#include <muster/money.h>
#include <muster/people.h>
#include <muster/site.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static const struct {
	const char *name;
	int severity;
} checks[] = {
	[MUSTER_CHK_SCRAPPED] = {"scrapped_asset", MUSTER_SEV_SERIOUS},
	[MUSTER_CHK_CUSTODY] = {"not_in_custody", MUSTER_SEV_SERIOUS},
	[MUSTER_CHK_LINK] = {"missing_link", MUSTER_SEV_WARNING},
	[MUSTER_CHK_DUP_INVOICE] = {"duplicate_invoice", MUSTER_SEV_SERIOUS},
	[MUSTER_CHK_SPLIT] = {"split_invoice", MUSTER_SEV_SERIOUS},
	[MUSTER_CHK_UNAPPROVED] = {"unapproved", MUSTER_SEV_SERIOUS},
	[MUSTER_CHK_BUDGET] = {"budget_overrun", MUSTER_SEV_SERIOUS},
	[MUSTER_CHK_SAFETY_COST] = {"safety_cost_rule", MUSTER_SEV_SERIOUS},
	[MUSTER_CHK_LATE] = {"late_record", MUSTER_SEV_WARNING},
	[MUSTER_CHK_SIGNER] = {"signer", MUSTER_SEV_WARNING},
};

const char *muster_check_name(int check)
{
	return check > 0 && check < MUSTER_CHK_COUNT ? checks[check].name : "unknown";
}

int muster_check_severity(int check)
{
	return check > 0 && check < MUSTER_CHK_COUNT ? checks[check].severity : MUSTER_SEV_WARNING;
}

/* One spending row, as the checks need it. */
struct sp {
	uint64_t index, date, amount, link, entry_date;
	int state, has_link, has_asset, safety, has_article, construction;
	muster_rec rec; /* points into the snapshot */
};

struct run {
	muster_snap *sn;
	const muster_audit_query *q;
	muster_finding_cb cb;
	void *arg;
	struct sp *sp;
	size_t n, cap;
	uint64_t threshold;
	int stop;
};

static int fv_eq(const muster_fv *v, const char *s)
{
	return s && v->n == strlen(s) && memcmp(v->p, s, v->n) == 0;
}

static int fv_cmp(const muster_fv *a, const muster_fv *b)
{
	int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);
	return c ? c : (a->n > b->n) - (a->n < b->n);
}

/* 1 if field tag of r is present and holds needle. */
static int contains(const muster_rec *r, unsigned tag, const char *needle)
{
	const muster_fv *v = &r->v[tag];
	size_t n = strlen(needle);
	for (size_t i = 0; MUSTER_HAS(r, tag) && i + n <= v->n; i++)
		if (memcmp(v->p + i, needle, n) == 0)
			return 1;
	return 0;
}

/* The date an entry says it happened: its body's date field, else the day it was signed. */
static int entry_date(muster_snap *sn, uint64_t index, uint64_t *date, muster_rec *body, uint64_t *type)
{
	muster_entry e;
	muster_mask allowed, required;
	int rc = muster_snap_entry(sn, index, &e, NULL, NULL);
	if (rc)
		return rc;
	*type = e.type;
	*date = muster_date_of_ms(e.time_ms);
	muster_rec_clear(body);
	if (muster_event_schema(e.type, &allowed, &required) &&
		muster_rec_decode(e.body, e.body_len, 0, 0, body, NULL, 0) == 0 && MUSTER_HAS(body, MF_DATE))
		*date = body->v[MF_DATE].u;
	return 0;
}

static void emit(struct run *r, int check, const char *id, uint64_t spend, const uint64_t *ev, size_t nev,
	const char *en, const char *zh)
{
	muster_finding f;
	if (r->stop)
		return;
	memset(&f, 0, sizeof f);
	f.check = check;
	snprintf(f.id, sizeof f.id, "%s:%s", checks[check].name, id);
	f.spend = spend;
	/* Evidence ascending, without repeats. */
	for (size_t i = 0; i < nev; i++) {
		size_t j = 0;
		while (j < f.nevidence && f.evidence[j] < ev[i])
			j++;
		if (j < f.nevidence && f.evidence[j] == ev[i])
			continue;
		if (f.nevidence == MUSTER_EVIDENCE_MAX) {
			f.more++;
			continue;
		}
		memmove(&f.evidence[j + 1], &f.evidence[j], (f.nevidence - j) * sizeof f.evidence[0]);
		f.evidence[j] = ev[i];
		f.nevidence++;
	}
	snprintf(f.en, sizeof f.en, "%s", en);
	snprintf(f.zh, sizeof f.zh, "%s", zh);
	f.disposition = -1;
	muster_rec d;
	if (muster_row_read(r->sn->txn, r->sn->dbi[DB_DISPOSE], f.id, strlen(f.id), NULL, &d) == 0) {
		f.disposition = (int)d.v[MF_DISPOSITION].u;
		f.disposed_at = d.v[MF_REF].u;
	}
	r->stop = r->cb(&f, r->arg);
}

static void money(char *out, size_t cap, uint64_t fen)
{
	snprintf(out, cap, "%" PRIu64 ".%02u", fen / 100, (unsigned)(fen % 100));
}

static int in_query(const struct run *r, const struct sp *s)
{
	const muster_audit_query *q = r->q;
	if (q->year && s->date / 10000 != q->year)
		return 0;
	if (q->team && !fv_eq(&s->rec.v[MF_TEAM], q->team))
		return 0;
	if (q->fund && !fv_eq(&s->rec.v[MF_FUND], q->fund))
		return 0;
	return 1;
}

static int load(struct run *r)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = muster_mdb_err(mdb_cursor_open(r->sn->txn, r->sn->dbi[DB_SPEND], &cur));
	if (rc)
		return rc;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 1024;
			struct sp *p = realloc(r->sp, cap * sizeof *p);
			if (!p) {
				rc = MUSTER_ENOMEM;
				break;
			}
			r->sp = p, r->cap = cap;
		}
		struct sp *s = &r->sp[r->n];
		memset(s, 0, sizeof *s);
		if ((rc = muster_rec_decode(v.mv_data, v.mv_size, 0, 0, &s->rec, NULL, 0)) != 0)
			break;
		const muster_rec *x = &s->rec;
		s->index = x->v[MF_REF].u;
		s->date = x->v[MF_DATE].u;
		s->amount = x->v[MF_AMOUNT].u;
		s->state = (int)x->v[MF_SPEND_STATE].u;
		s->has_link = MUSTER_HAS(x, MF_LINK);
		s->link = x->v[MF_LINK].u;
		s->has_asset = MUSTER_HAS(x, MF_ID);
		s->has_article = MUSTER_HAS(x, MF_ARTICLE);
		s->construction = contains(x, MF_NOTES, "三同时") || contains(x, MF_ARTICLE, "三同时") ||
				  contains(x, MF_NOTES, "初始建设") || contains(x, MF_NOTES, "新建项目");
		muster_rec f;
		if (muster_row_read(r->sn->txn, r->sn->dbi[DB_FUND], x->v[MF_FUND].p, x->v[MF_FUND].n, NULL, &f) == 0)
			s->safety = fv_eq(&f.v[MF_FUND_SOURCE], MUSTER_FUND_ENTERPRISE_SAFETY);
		muster_entry e;
		if ((rc = muster_snap_entry(r->sn, s->index, &e, NULL, NULL)) != 0)
			break;
		s->entry_date = muster_date_of_ms(e.time_ms);
		r->n++;
	}
	mdb_cursor_close(cur);
	if (rc)
		return rc;
	return mrc == MDB_NOTFOUND ? 0 : muster_mdb_err(mrc);
}

/* ---- asset checks: scrapped, custody, link ---------------------------------------------- */

/* Who held an asset when: (date, team) from its history, and when it was scrapped. */
struct hold {
	uint64_t date[64], index[64];
	char teams[64][33];
	size_t n;
	uint64_t scrapped, scrap_index;
	char pending_team[33]; /* a handover's receiving team, until accepted */
};

static void team_of_depot(muster_snap *sn, const muster_fv *depot, char out[33])
{
	muster_rec d;
	out[0] = 0;
	if (muster_row_get(sn, MUSTER_T_DEPOT, depot->p, depot->n, &d) == 0 && d.v[MF_TEAM].n < 33) {
		memcpy(out, d.v[MF_TEAM].p, d.v[MF_TEAM].n);
		out[d.v[MF_TEAM].n] = 0;
	}
}

static void hold_add(struct hold *h, uint64_t date, uint64_t index, const char *team)
{
	if (h->n == 64)
		memmove(&h->date[0], &h->date[1], 63 * sizeof h->date[0]), memmove(&h->index[0], &h->index[1], 63 * 8),
			memmove(&h->teams[0], &h->teams[1], 63 * sizeof h->teams[0]), h->n--;
	h->date[h->n] = date;
	h->index[h->n] = index;
	snprintf(h->teams[h->n], sizeof h->teams[0], "%s", team);
	h->n++;
}

struct hist_walk {
	muster_snap *sn;
	struct hold *h;
	int rc;
};

static int hold_step(uint64_t index, void *arg)
{
	struct hist_walk *w = arg;
	struct hold *h = w->h;
	muster_rec b;
	uint64_t date, type;
	char team[33] = "";
	if ((w->rc = entry_date(w->sn, index, &date, &b, &type)) != 0)
		return 1;
	switch (type) {
	case MUSTER_EV_ASSET_ADD:
		/* An asset held for years before it was entered here was held since it was acquired. */
		if (MUSTER_HAS(&b, MF_ACQUIRED) && b.v[MF_ACQUIRED].u < date)
			date = b.v[MF_ACQUIRED].u;
		if (MUSTER_HAS(&b, MF_DEPOT))
			team_of_depot(w->sn, &b.v[MF_DEPOT], team);
		else if (MUSTER_HAS(&b, MF_TEAM) && b.v[MF_TEAM].n < 33)
			memcpy(team, b.v[MF_TEAM].p, b.v[MF_TEAM].n), team[b.v[MF_TEAM].n] = 0;
		hold_add(h, date, index, team);
		break;
	case MUSTER_EV_HANDOVER:
		h->pending_team[0] = 0;
		if (MUSTER_HAS(&b, MF_TO_TEAM) && b.v[MF_TO_TEAM].n < 33)
			memcpy(h->pending_team, b.v[MF_TO_TEAM].p, b.v[MF_TO_TEAM].n), h->pending_team[b.v[MF_TO_TEAM].n] = 0;
		break;
	case MUSTER_EV_ACCEPT:
		if (MUSTER_HAS(&b, MF_DEPOT))
			team_of_depot(w->sn, &b.v[MF_DEPOT], team);
		else
			snprintf(team, sizeof team, "%s", h->pending_team);
		hold_add(h, date, index, team);
		break;
	case MUSTER_EV_SCRAP:
		h->scrapped = date;
		h->scrap_index = index;
		break;
	}
	return 0;
}

static int sp_by_asset(const void *a, const void *b)
{
	const struct sp *x = *(struct sp *const *)a, *y = *(struct sp *const *)b;
	int c = fv_cmp(&x->rec.v[MF_ID], &y->rec.v[MF_ID]);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int check_assets(struct run *r)
{
	struct sp **v = malloc((r->n ? r->n : 1) * sizeof *v);
	struct hold *h = malloc(sizeof *h);
	size_t m = 0;
	int rc = 0;
	if (!v || !h) {
		free(v);
		free(h);
		return MUSTER_ENOMEM;
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->sp[i].has_asset && r->sp[i].state != MUSTER_SP_REJECTED && in_query(r, &r->sp[i]))
			v[m++] = &r->sp[i];
	qsort(v, m, sizeof *v, sp_by_asset);
	for (size_t i = 0; i < m && !rc && !r->stop; i++) {
		const muster_fv *id = &v[i]->rec.v[MF_ID];
		if (i == 0 || fv_cmp(id, &v[i - 1]->rec.v[MF_ID]) != 0) {
			char idz[80];
			memset(h, 0, sizeof *h);
			snprintf(idz, sizeof idz, "%.*s", (int)id->n, id->p);
			struct hist_walk w = {r->sn, h, 0};
			if ((rc = muster_asset_history(r->sn, idz, hold_step, &w)) != 0 || (rc = w.rc) != 0)
				break;
		}
		struct sp *s = v[i];
		char en[320], zh[320], sid[40];
		snprintf(sid, sizeof sid, "%" PRIu64, s->index);
		if (h->scrapped && h->scrapped <= s->date) {
			char d[11], sd[11];
			muster_date_format(h->scrapped, d);
			muster_date_format(s->date, sd);
			snprintf(en, sizeof en, "spending at entry %" PRIu64 " (%s) is on asset %.*s, scrapped on %s (entry %" PRIu64 ")",
				s->index, sd, (int)id->n, id->p, d, h->scrap_index);
			snprintf(zh, sizeof zh, "条目 %" PRIu64 " 的支出（%s）用于资产 %.*s，该资产已于 %s 报废（条目 %" PRIu64 "）", s->index, sd,
				(int)id->n, id->p, d, h->scrap_index);
			uint64_t ev[2] = {s->index, h->scrap_index};
			emit(r, MUSTER_CHK_SCRAPPED, sid, s->index, ev, 2, en, zh);
		}
		/* The team that held it on the spending date. */
		size_t k = h->n;
		while (k > 0 && h->date[k - 1] > s->date)
			k--;
		const muster_fv *team = &s->rec.v[MF_TEAM];
		if (k > 0 && h->teams[k - 1][0] && !fv_eq(team, h->teams[k - 1])) {
			char sd[11];
			muster_date_format(s->date, sd);
			snprintf(en, sizeof en, "spending at entry %" PRIu64 " by team %.*s on %s is on asset %.*s, then in the custody of team %s (entry %" PRIu64 ")",
				s->index, (int)team->n, team->p, sd, (int)id->n, id->p, h->teams[k - 1], h->index[k - 1]);
			snprintf(zh, sizeof zh, "条目 %" PRIu64 "：队伍 %.*s 于 %s 为资产 %.*s 支出，而该资产当时由队伍 %s 保管（条目 %" PRIu64 "）", s->index,
				(int)team->n, team->p, sd, (int)id->n, id->p, h->teams[k - 1], h->index[k - 1]);
			uint64_t ev[2] = {s->index, h->index[k - 1]};
			emit(r, MUSTER_CHK_CUSTODY, sid, s->index, ev, 2, en, zh);
		} else if (k == 0 && h->n) {
			char sd[11];
			muster_date_format(s->date, sd);
			snprintf(en, sizeof en, "spending at entry %" PRIu64 " on %s is on asset %.*s before it was registered (entry %" PRIu64 ")",
				s->index, sd, (int)id->n, id->p, h->index[0]);
			snprintf(zh, sizeof zh, "条目 %" PRIu64 " 的支出（%s）早于资产 %.*s 的登记（条目 %" PRIu64 "）", s->index, sd, (int)id->n, id->p,
				h->index[0]);
			uint64_t ev[2] = {s->index, h->index[0]};
			emit(r, MUSTER_CHK_CUSTODY, sid, s->index, ev, 2, en, zh);
		}
		/* Maintenance, repair and calibration of an asset pay for an event about that asset. */
		uint64_t t = s->rec.v[MF_SPEND_TYPE].u;
		if (t <= 2) {
			int bad = !s->has_link;
			uint64_t ltype = 0, ldate;
			muster_rec lb;
			if (!bad) {
				bad = entry_date(r->sn, s->link, &ldate, &lb, &ltype) != 0 || !MUSTER_HAS(&lb, MF_ID) ||
				      fv_cmp(&lb.v[MF_ID], id) != 0 ||
				      !(ltype == MUSTER_EV_INSPECT || ltype == MUSTER_EV_REPAIR_BACK || ltype == MUSTER_EV_REPAIR_OUT);
			}
			if (bad) {
				const char *tn = muster_field_get(MF_SPEND_TYPE)->enums[t];
				if (!s->has_link) {
					snprintf(en, sizeof en, "%s of asset %.*s at entry %" PRIu64 " names no maintenance, repair or inspection entry it pays for",
						tn, (int)id->n, id->p, s->index);
					snprintf(zh, sizeof zh, "条目 %" PRIu64 "：资产 %.*s 的%s支出未关联对应的维修、保养或检查记录", s->index, (int)id->n, id->p,
						muster_field_get(MF_SPEND_TYPE)->enums_zh[t]);
				} else {
					snprintf(en, sizeof en, "%s of asset %.*s at entry %" PRIu64 " links entry %" PRIu64 ", which is not a repair or inspection of that asset",
						tn, (int)id->n, id->p, s->index, s->link);
					snprintf(zh, sizeof zh, "条目 %" PRIu64 "：资产 %.*s 的%s支出关联的条目 %" PRIu64 " 不是该资产的维修或检查记录", s->index,
						(int)id->n, id->p, muster_field_get(MF_SPEND_TYPE)->enums_zh[t], s->link);
				}
				uint64_t ev[2] = {s->index, s->link};
				emit(r, MUSTER_CHK_LINK, sid, s->index, ev, s->has_link ? 2 : 1, en, zh);
			}
		}
	}
	free(v);
	free(h);
	return rc;
}

/* ---- invoices: duplicates and splits ------------------------------------------------------ */

static int sp_by_invoice(const void *a, const void *b)
{
	const struct sp *x = *(struct sp *const *)a, *y = *(struct sp *const *)b;
	int c = fv_cmp(&x->rec.v[MF_VENDOR_CODE], &y->rec.v[MF_VENDOR_CODE]);
	if (!c)
		c = fv_cmp(&x->rec.v[MF_INVOICE], &y->rec.v[MF_INVOICE]);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int sp_by_vendor_date(const void *a, const void *b)
{
	const struct sp *x = *(struct sp *const *)a, *y = *(struct sp *const *)b;
	int c = fv_cmp(&x->rec.v[MF_VENDOR_CODE], &y->rec.v[MF_VENDOR_CODE]);
	if (!c)
		c = (x->date > y->date) - (x->date < y->date);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int check_invoices(struct run *r)
{
	struct sp **v = malloc((r->n ? r->n : 1) * sizeof *v);
	size_t m = 0;
	if (!v)
		return MUSTER_ENOMEM;
	for (size_t i = 0; i < r->n; i++)
		if (r->sp[i].state != MUSTER_SP_REJECTED)
			v[m++] = &r->sp[i];
	qsort(v, m, sizeof *v, sp_by_invoice);
	for (size_t i = 0; i < m && !r->stop;) {
		size_t j = i + 1;
		while (j < m && fv_cmp(&v[j]->rec.v[MF_VENDOR_CODE], &v[i]->rec.v[MF_VENDOR_CODE]) == 0 &&
			fv_cmp(&v[j]->rec.v[MF_INVOICE], &v[i]->rec.v[MF_INVOICE]) == 0)
			j++;
		int any = 0;
		for (size_t k = i; k < j; k++)
			any |= in_query(r, v[k]);
		if (j - i > 1 && any) {
			uint64_t ev[MUSTER_EVIDENCE_MAX];
			size_t ne = 0;
			for (size_t k = i; k < j && ne < MUSTER_EVIDENCE_MAX; k++)
				ev[ne++] = v[k]->index;
			const muster_fv *vc = &v[i]->rec.v[MF_VENDOR_CODE], *inv = &v[i]->rec.v[MF_INVOICE],
					*vn = &v[i]->rec.v[MF_VENDOR];
			char id[120], en[320], zh[320];
			snprintf(id, sizeof id, "%.*s/%.*s", (int)vc->n, vc->p, (int)inv->n, inv->p);
			snprintf(en, sizeof en, "invoice %.*s of %.*s (%.*s) is recorded %zu times", (int)inv->n, inv->p, (int)vn->n,
				vn->p, (int)vc->n, vc->p, j - i);
			snprintf(zh, sizeof zh, "%.*s（%.*s）的发票 %.*s 被重复录入 %zu 次", (int)vn->n, vn->p, (int)vc->n, vc->p,
				(int)inv->n, inv->p, j - i);
			emit(r, MUSTER_CHK_DUP_INVOICE, id, v[i]->index, ev, ne, en, zh);
		}
		i = j;
	}
	/* Splits: one vendor, within the window, each at least 80% of the threshold but under it, together at or over it. */
	uint64_t window = r->q->split_days ? r->q->split_days : 14, lo = r->threshold / 5 * 4;
	m = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->sp[i].state != MUSTER_SP_REJECTED && r->sp[i].amount < r->threshold && r->sp[i].amount >= lo)
			v[m++] = &r->sp[i];
	qsort(v, m, sizeof *v, sp_by_vendor_date);
	for (size_t i = 0; i < m && !r->stop;) {
		size_t j = i + 1;
		uint64_t sum = v[i]->amount;
		int any = in_query(r, v[i]);
		while (j < m && fv_cmp(&v[j]->rec.v[MF_VENDOR_CODE], &v[i]->rec.v[MF_VENDOR_CODE]) == 0 &&
			muster_date_days(v[j]->date) - muster_date_days(v[i]->date) <= (int64_t)window) {
			sum += v[j]->amount;
			any |= in_query(r, v[j]);
			j++;
		}
		if (j - i > 1 && sum >= r->threshold && any) {
			uint64_t ev[MUSTER_EVIDENCE_MAX];
			size_t ne = 0;
			for (size_t k = i; k < j && ne < MUSTER_EVIDENCE_MAX; k++)
				ev[ne++] = v[k]->index;
			const muster_fv *vc = &v[i]->rec.v[MF_VENDOR_CODE], *vn = &v[i]->rec.v[MF_VENDOR];
			char id[120], en[320], zh[320], total[32], th[32], d[11];
			money(total, sizeof total, sum);
			money(th, sizeof th, r->threshold);
			muster_date_format(v[i]->date, d);
			snprintf(id, sizeof id, "%.*s/%" PRIu64, (int)vc->n, vc->p, v[i]->index);
			snprintf(en, sizeof en, "%zu payments to %.*s within %" PRIu64 " days from %s, each just under the %s yuan threshold, total %s yuan",
				j - i, (int)vn->n, vn->p, window, d, th, total);
			snprintf(zh, sizeof zh, "自 %s 起 %" PRIu64 " 天内向 %.*s 支付 %zu 笔，每笔略低于审批限额 %s 元，合计 %s 元，疑似拆分发票", d, window,
				(int)vn->n, vn->p, j - i, th, total);
			emit(r, MUSTER_CHK_SPLIT, id, v[i]->index, ev, ne, en, zh);
			i = j;
		} else {
			i++;
		}
	}
	free(v);
	return 0;
}

/* ---- approval, safety cost, lateness, signers --------------------------------------------- */

static int check_records(struct run *r)
{
	uint64_t late = r->q->late_days ? r->q->late_days : 30;
	muster_store *store = muster_snap_store(r->sn);
	for (size_t i = 0; i < r->n && !r->stop; i++) {
		struct sp *s = &r->sp[i];
		char sid[40], en[320], zh[320], amt[32], d[11];
		if (s->state == MUSTER_SP_REJECTED || !in_query(r, s))
			continue;
		snprintf(sid, sizeof sid, "%" PRIu64, s->index);
		money(amt, sizeof amt, s->amount);
		muster_date_format(s->date, d);
		if (s->state == MUSTER_SP_PENDING) {
			snprintf(en, sizeof en, "spending of %s yuan at entry %" PRIu64 " is at or above the approval threshold and not approved", amt,
				s->index);
			snprintf(zh, sizeof zh, "条目 %" PRIu64 " 的支出 %s 元达到审批限额，尚未经审批", s->index, amt);
			emit(r, MUSTER_CHK_UNAPPROVED, sid, s->index, &s->index, 1, en, zh);
		}
		if (s->safety && (!s->has_article || s->construction)) {
			if (!s->has_article) {
				snprintf(en, sizeof en, "enterprise safety cost spent at entry %" PRIu64 " cites no article", s->index);
				snprintf(zh, sizeof zh, "条目 %" PRIu64 "：企业安全生产费用支出未注明依据条款", s->index);
			} else {
				snprintf(en, sizeof en, "enterprise safety cost spent at entry %" PRIu64 " on initial construction (三同时), which it may not pay for",
					s->index);
				snprintf(zh, sizeof zh, "条目 %" PRIu64 "：企业安全生产费用用于“三同时”初始建设，不符合财资〔2022〕136号", s->index);
			}
			emit(r, MUSTER_CHK_SAFETY_COST, sid, s->index, &s->index, 1, en, zh);
		}
		int64_t days = muster_date_days(s->entry_date) - muster_date_days(s->date);
		if (days > (int64_t)late) {
			snprintf(en, sizeof en, "spending dated %s was recorded at entry %" PRIu64 ", %" PRId64 " days later (more than %" PRIu64 ")",
				d, s->index, days, late);
			snprintf(zh, sizeof zh, "%s 发生的支出直到 %" PRId64 " 天后才录入（条目 %" PRIu64 "，超过 %" PRIu64 " 天）", d, days, s->index,
				late);
			emit(r, MUSTER_CHK_LATE, sid, s->index, &s->index, 1, en, zh);
		}
		if (store && s->rec.v[MF_RECORDER].n == MUSTER_KEYID_BYTES) {
			muster_key_info k;
			muster_buf kb = {0};
			if (muster_key_get(store, (const uint8_t *)s->rec.v[MF_RECORDER].p, &k, &kb) == 0) {
				int revoked = k.revoked_at != MUSTER_NOT_REVOKED;
				int may = (k.roles & (MUSTER_ROLE_FINANCE | MUSTER_ROLE_ADMIN)) != 0;
				if (revoked || !may) {
					char kid[MUSTER_KEYID_HEX];
					muster_key_id_hex(k.pk, kid);
					if (revoked) {
						snprintf(en, sizeof en, "spending at entry %" PRIu64 " was recorded by key %s (%.*s), revoked at entry %" PRIu64,
							s->index, kid, (int)k.holder.n, k.holder.p, k.revoked_at);
						snprintf(zh, sizeof zh, "条目 %" PRIu64 " 的支出由密钥 %s（%.*s）录入，该密钥已于条目 %" PRIu64 " 吊销", s->index, kid,
							(int)k.holder.n, k.holder.p, k.revoked_at);
					} else {
						snprintf(en, sizeof en, "spending at entry %" PRIu64 " was recorded by key %s (%.*s), which no longer holds the finance role",
							s->index, kid, (int)k.holder.n, k.holder.p);
						snprintf(zh, sizeof zh, "条目 %" PRIu64 " 的支出由密钥 %s（%.*s）录入，该密钥现已不具备财务角色", s->index, kid,
							(int)k.holder.n, k.holder.p);
					}
					uint64_t ev[2] = {s->index, revoked ? k.revoked_at : k.enrolled_at};
					emit(r, MUSTER_CHK_SIGNER, sid, s->index, ev, 2, en, zh);
				}
			}
			muster_buf_free(&kb);
		}
	}
	return 0;
}

/* ---- budgets --------------------------------------------------------------------------- */

static int sp_by_budget(const void *a, const void *b)
{
	const struct sp *x = *(struct sp *const *)a, *y = *(struct sp *const *)b;
	int c = fv_cmp(&x->rec.v[MF_FUND], &y->rec.v[MF_FUND]);
	if (!c)
		c = fv_cmp(&x->rec.v[MF_TEAM], &y->rec.v[MF_TEAM]);
	if (!c)
		c = (x->date / 10000 > y->date / 10000) - (x->date / 10000 < y->date / 10000);
	if (!c)
		c = (x->date > y->date) - (x->date < y->date);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int check_budgets(struct run *r)
{
	struct sp **v = malloc((r->n ? r->n : 1) * sizeof *v);
	size_t m = 0;
	if (!v)
		return MUSTER_ENOMEM;
	for (size_t i = 0; i < r->n; i++)
		if (r->sp[i].state == MUSTER_SP_COUNTED && in_query(r, &r->sp[i]))
			v[m++] = &r->sp[i];
	qsort(v, m, sizeof *v, sp_by_budget);
	for (size_t i = 0; i < m && !r->stop;) {
		const muster_fv *fund = &v[i]->rec.v[MF_FUND], *team = &v[i]->rec.v[MF_TEAM];
		uint64_t year = v[i]->date / 10000, sum = 0, budget = 0, bref = 0;
		size_t j = i, crossed = SIZE_MAX;
		char k[80];
		size_t kn = 0;
		memcpy(k, fund->p, fund->n), kn = fund->n, k[kn++] = 0;
		memcpy(k + kn, team->p, team->n), kn += team->n, k[kn++] = 0;
		for (int b = 0; b < 4; b++)
			k[kn++] = (char)(year >> (24 - 8 * b));
		muster_rec brow;
		int have = muster_row_read(r->sn->txn, r->sn->dbi[DB_BUDGET], k, kn, NULL, &brow) == 0;
		if (have)
			budget = brow.v[MF_AMOUNT].u, bref = brow.v[MF_REF].u;
		for (; j < m && fv_cmp(&v[j]->rec.v[MF_FUND], fund) == 0 && fv_cmp(&v[j]->rec.v[MF_TEAM], team) == 0 &&
			v[j]->date / 10000 == year;
			j++) {
			sum += v[j]->amount;
			if (crossed == SIZE_MAX && sum > budget)
				crossed = j;
		}
		if (crossed != SIZE_MAX) {
			char id[120], en[320], zh[320], s1[32], s2[32];
			money(s1, sizeof s1, sum);
			money(s2, sizeof s2, budget);
			snprintf(id, sizeof id, "%.*s/%.*s/%" PRIu64, (int)fund->n, fund->p, (int)team->n, team->p, year);
			if (have) {
				snprintf(en, sizeof en, "fund %.*s, team %.*s, %" PRIu64 ": spent %s yuan against a budget of %s yuan; entry %" PRIu64 " crossed it",
					(int)fund->n, fund->p, (int)team->n, team->p, year, s1, s2, v[crossed]->index);
				snprintf(zh, sizeof zh, "资金 %.*s、队伍 %.*s、%" PRIu64 " 年度：支出 %s 元，超出预算 %s 元；条目 %" PRIu64 " 起超支", (int)fund->n,
					fund->p, (int)team->n, team->p, year, s1, s2, v[crossed]->index);
			} else {
				snprintf(en, sizeof en, "fund %.*s, team %.*s, %" PRIu64 ": spent %s yuan with no budget set", (int)fund->n, fund->p,
					(int)team->n, team->p, year, s1);
				snprintf(zh, sizeof zh, "资金 %.*s、队伍 %.*s、%" PRIu64 " 年度：无预算，支出 %s 元", (int)fund->n, fund->p, (int)team->n,
					team->p, year, s1);
			}
			uint64_t ev[2] = {v[crossed]->index, bref};
			emit(r, MUSTER_CHK_BUDGET, id, v[crossed]->index, ev, have ? 2 : 1, en, zh);
		}
		i = j;
	}
	free(v);
	return 0;
}

int muster_audit_run(muster_snap *sn, const muster_audit_query *q, muster_finding_cb cb, void *arg)
{
	struct run r = {sn, q, cb, arg, NULL, 0, 0, 0, 0};
	muster_policy pol;
	int rc = muster_policy_get(sn, &pol);
	if (rc)
		return rc;
	r.threshold = pol.threshold;
	if ((rc = load(&r)) == 0)
		rc = check_assets(&r);
	if (rc == 0)
		rc = check_invoices(&r);
	if (rc == 0)
		rc = check_records(&r);
	if (rc == 0)
		rc = check_budgets(&r);
	free(r.sp);
	return rc;
}
