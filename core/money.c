/*
 * money.c - the rules of the money events and the projections they make:
 * funds, budgets per fund, team and fiscal year, and spending records with
 * the four-eyes rule (spending at or above the site's threshold counts only
 * once a second person with the approver role approves it).
 *
 * Like equip.c, everything here runs inside the append's write transaction
 * (and again in reindex).  What a rule cannot know at the time (an asset
 * scrapped later, an invoice split across weeks) is for `muster audit`.
 */
#include "internal.h"
#include "equip_int.h"

#include <muster/audit.h>
#include <muster/ident.h>
#include <muster/money.h>
#include <muster/people.h>

#include <inttypes.h>
#include <stdio.h>

static const char *const sources[][2] = {
	{"national_capacity", "国家安全生产应急能力建设专项资金"},
	{"enterprise_safety", "企业安全生产费用"},
	{"host_special", "依托单位专项资金"},
	{"other", "其他"},
};
#define NSOURCES (sizeof sources / sizeof sources[0])

const char *muster_fund_source(size_t i, const char **zh)
{
	if (i >= NSOURCES)
		return NULL;
	if (zh)
		*zh = sources[i][1];
	return sources[i][0];
}

static int is_source(const muster_fv *v, const char *code)
{
	return v->n == strlen(code) && memcmp(v->p, code, v->n) == 0;
}

/* The built-in source typed as code or Chinese name, or -1. */
static int builtin_source(const muster_fv *v)
{
	for (size_t i = 0; i < NSOURCES; i++)
		if (is_source(v, sources[i][0]) || is_source(v, sources[i][1]))
			return (int)i;
	return -1;
}

int muster_fund_rules_safety(const muster_fv *v, muster_mask has)
{
	return ((has >> MF_FUND_SOURCE & 1) && is_source(&v[MF_FUND_SOURCE], MUSTER_FUND_ENTERPRISE_SAFETY)) ||
	       ((has >> MF_RULES & 1) && v[MF_RULES].u == MUSTER_RULES_SAFETY);
}

int muster_fund_safety(const muster_rec *fund)
{
	return muster_fund_rules_safety(fund->v, fund->has);
}

/* fund.source: a source beyond the built-in ones, kept by its code; never redefined, since funds follow its rules. */
static int fund_source_add(struct ctx *c)
{
	const muster_fv *code = V(MF_FUND_SOURCE), *name = V(MF_NAME);
	muster_rec old;
	int rc;
	if (!rule_code_ok(code)) {
		SAY("fund source code '%.*s' may hold only letters, digits, '-', '_' and '.'", PS(code));
		return MUSTER_ESTATE;
	}
	if (builtin_source(code) >= 0 || builtin_source(name) >= 0) {
		SAY("fund source '%.*s' (%.*s) is built in: use it as it is ('muster fund sources')", PS(code), PS(name));
		return MUSTER_EEXIST;
	}
	if ((rc = rule_get(c, DB_FSOURCE, code->p, code->n, 0, &old)) != MUSTER_ENOTFOUND) {
		if (rc == 0)
			SAY("fund source %.*s is already registered (%.*s, entry %" PRIu64 "); funds follow its rules, so it is never "
			    "redefined: register another code",
				PS(code), PS(&old.v[MF_NAME]), old.v[MF_REF].u);
		return rc ? rc : MUSTER_EEXIST;
	}
	muster_rec src = c->ev;
	muster_rec_del(&src, MF_NOTES);
	if (!MUSTER_HAS(&src, MF_RULES))
		muster_rec_uint(&src, MF_RULES, MUSTER_RULES_GENERAL);
	muster_rec_uint(&src, MF_REF, c->e->index);
	return rule_put(c, DB_FSOURCE, code->p, code->n, &src);
}

static int fund_add(struct ctx *c)
{
	const muster_fv *code = V(MF_FUND), *src = V(MF_FUND_SOURCE);
	muster_rec old, reg;
	int rc, i, safety;
	if (!rule_code_ok(code)) {
		SAY("fund code '%.*s' may hold only letters, digits, '-', '_' and '.'", PS(code));
		return MUSTER_ESTATE;
	}
	if ((i = builtin_source(src)) >= 0) {
		safety = strcmp(sources[i][0], MUSTER_FUND_ENTERPRISE_SAFETY) == 0;
	} else if ((rc = rule_get(c, DB_FSOURCE, src->p, src->n, 1, &reg)) == 0) {
		safety = reg.v[MF_RULES].u == MUSTER_RULES_SAFETY;
	} else {
		if (rc == MUSTER_ENOTFOUND)
			SAY("fund %.*s: source '%.*s' is neither built in (national_capacity, enterprise_safety, host_special, other) "
			    "nor registered; see 'muster fund sources', or register it with 'muster fund source'",
				PS(code), PS(src));
		return rc == MUSTER_ENOTFOUND ? MUSTER_ESTATE : rc;
	}
	if (safety && !MUSTER_HAS(&c->ev, MF_INDUSTRY)) {
		SAY("fund %.*s follows the enterprise safety cost's rules (企业安全生产费用): give the host unit's industry (--industry)",
			PS(code));
		return MUSTER_ESTATE;
	}
	if ((rc = rule_get(c, DB_FUND, code->p, code->n, 0, &old)) != MUSTER_ENOTFOUND) {
		if (rc == 0)
			SAY("fund %.*s already exists (%.*s)", PS(code), PS(&old.v[MF_NAME]));
		return rc ? rc : MUSTER_EEXIST;
	}
	muster_rec f = c->ev;
	/* The source is kept by its code, whichever name was typed; a registered one's rules go with the fund. */
	if (i >= 0)
		muster_rec_cstr(&f, MF_FUND_SOURCE, sources[i][0]);
	else
		muster_rec_uint(&f, MF_RULES, safety ? MUSTER_RULES_SAFETY : MUSTER_RULES_GENERAL);
	muster_rec_del(&f, MF_NOTES);
	muster_rec_uint(&f, MF_REGISTERED, c->e->index);
	return rule_put(c, DB_FUND, code->p, code->n, &f);
}

static int fund_load(struct ctx *c, const muster_fv *code, int slot, muster_rec *f)
{
	int rc = rule_get(c, DB_FUND, code->p, code->n, slot, f);
	if (rc == MUSTER_ENOTFOUND)
		SAY("fund %.*s is not registered: add it with 'muster fund add' first (see 'muster fund list')", PS(code));
	return rc;
}

static int budget_set(struct ctx *c)
{
	muster_rec f;
	int rc;
	if ((rc = fund_load(c, V(MF_FUND), 0, &f)) != 0 || (rc = rule_team_exists(c, V(MF_TEAM))) != 0)
		return rc;
	uint64_t year = V(MF_YEAR)->u;
	if (year < 2000 || year > 2100) {
		SAY("budget: fiscal year %" PRIu64 " is not a year from 2000 to 2100", year);
		return MUSTER_ESTATE;
	}
	char k[80];
	size_t kn = rule_key2(k, V(MF_FUND), V(MF_TEAM)->p, V(MF_TEAM)->n);
	k[kn++] = 0;
	for (int i = 0; i < 4; i++) /* big-endian, so years sort */
		k[kn++] = (char)(year >> (24 - 8 * i));
	muster_rec b = c->ev;
	muster_rec_del(&b, MF_NOTES);
	muster_rec_uint(&b, MF_REF, c->e->index);
	return rule_put(c, DB_BUDGET, k, kn, &b);
}

static int hex64(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int spend_record(struct ctx *c)
{
	const muster_fv *fund = V(MF_FUND), *vc = V(MF_VENDOR_CODE);
	muster_rec f, a;
	const char *why = NULL;
	int rc;
	uint64_t amount = V(MF_AMOUNT)->u;
	if (V(MF_DATE)->u > c->today) {
		char d[11];
		muster_date_format(V(MF_DATE)->u, d);
		SAY("spending on %s: the date is in the future", d);
		return MUSTER_ESTATE;
	}
	if (amount == 0) {
		SAY("spending: the amount must be more than 0 fen");
		return MUSTER_ESTATE;
	}
	if ((rc = fund_load(c, fund, 0, &f)) != 0 || (rc = rule_team_exists(c, V(MF_TEAM))) != 0)
		return rc;
	if (MUSTER_HAS(&c->ev, MF_ID) && (rc = rule_get(c, DB_ASSET, V(MF_ID)->p, V(MF_ID)->n, 1, &a)) != 0) {
		if (rc == MUSTER_ENOTFOUND)
			SAY("spending on asset %.*s: no such asset is registered (see 'muster asset list')", PS(V(MF_ID)));
		return rc;
	}
	if (V(MF_SPEND_TYPE)->u <= MUSTER_SPEND_CALIBRATION && !MUSTER_HAS(&c->ev, MF_ID)) {
		const muster_field *t = muster_field_get(MF_SPEND_TYPE);
		SAY("spending of type %s (%s) is upkeep of an asset: give --id ASSET; only training, drill, insurance, consumables and "
		    "other may be team-level",
			t->enums[V(MF_SPEND_TYPE)->u], t->enums_zh[V(MF_SPEND_TYPE)->u]);
		return MUSTER_ESTATE;
	}
	if (muster_credit_code_check(vc->p, vc->n, &why) != 0 && !MUSTER_HAS(&c->ev, MF_OVERRIDE)) {
		SAY("vendor credit code '%.*s' fails GB 32100: %s; if it is a real legacy code, give --override REASON",
			PS(vc), why ? why : "invalid");
		return MUSTER_ESTATE;
	}
	if (muster_fund_safety(&f) && !MUSTER_HAS(&c->ev, MF_ARTICLE)) {
		SAY("spending from fund %.*s (企业安全生产费用) must cite the article it relies on (--article 第十二条(二))",
			PS(fund));
		return MUSTER_ESTATE;
	}
	if (MUSTER_HAS(&c->ev, MF_LINK) && V(MF_LINK)->u >= c->e->index) {
		SAY("spending: --link %" PRIu64 " is not an earlier entry of the log", V(MF_LINK)->u);
		return MUSTER_ESTATE;
	}
	if (MUSTER_HAS(&c->ev, MF_ATTACHMENTS)) {
		muster_iter it;
		const char *s;
		size_t n;
		muster_iter_init(&it, V(MF_ATTACHMENTS), 0);
		while (muster_iter_next(&it, &s, &n))
			if (!hex64(s, n)) {
				SAY("spending: attachment '%.*s' is not a SHA-256 in 64 lower-case hex digits", (int)n, s);
				return MUSTER_ESTATE;
			}
	}
	muster_snap sn = {NULL, c->txn, c->dbi, {NULL, NULL}, NULL};
	muster_policy pol;
	rc = muster_policy_get(&sn, &pol);
	muster_snap_release(&sn);
	if (rc)
		return rc;
	uint8_t kid[MUSTER_KEYID_BYTES], k[8];
	muster_key_id(c->e->signer, kid);
	muster_rec s = c->ev;
	muster_rec_uint(&s, MF_SPEND_STATE, amount >= pol.threshold ? MUSTER_SP_PENDING : MUSTER_SP_COUNTED);
	muster_rec_text(&s, MF_RECORDER, (const char *)kid, sizeof kid);
	muster_rec_uint(&s, MF_RECORDED, c->today); /* for the late-record check, without reading the entry */
	muster_rec_uint(&s, MF_REF, c->e->index);
	be64_put(k, c->e->index);
	if ((rc = rule_put(c, DB_SPEND, k, 8, &s)) != 0)
		return rc;
	return muster_spend_date_put(c->txn, c->dbi, (uint32_t)V(MF_DATE)->u, c->e->index);
}

static int spend_decide(struct ctx *c)
{
	uint8_t k[8], kid[MUSTER_KEYID_BYTES];
	muster_rec s;
	uint64_t ref = V(MF_REF)->u;
	be64_put(k, ref);
	int rc = rule_get(c, DB_SPEND, k, 8, 0, &s);
	if (rc == MUSTER_ENOTFOUND)
		SAY("entry %" PRIu64 " is not a spending record (see 'muster spend list')", ref);
	if (rc)
		return rc;
	uint64_t st = s.v[MF_SPEND_STATE].u;
	if (st != MUSTER_SP_PENDING) {
		SAY("spending at entry %" PRIu64 " is %s: %s", ref, muster_spend_states[st],
			st == MUSTER_SP_REJECTED || MUSTER_HAS(&s, MF_DECIDED) ? "it was already decided" :
										  "it is below the approval threshold and needs no approval");
		return MUSTER_ESTATE;
	}
	muster_key_id(c->e->signer, kid);
	if (s.v[MF_RECORDER].n == sizeof kid && memcmp(s.v[MF_RECORDER].p, kid, sizeof kid) == 0) {
		SAY("spending at entry %" PRIu64 " was recorded with this key: a second person must approve it (四眼原则)", ref);
		return MUSTER_EPERM;
	}
	int approve = c->e->type == MUSTER_EV_SPEND_APPROVE;
	muster_rec_uint(&s, MF_SPEND_STATE, approve ? MUSTER_SP_COUNTED : MUSTER_SP_REJECTED);
	muster_rec_uint(&s, MF_DECIDED, c->e->index);
	if (!approve)
		s.v[MF_REASON] = *V(MF_REASON), s.has |= MUSTER_BIT(MF_REASON);
	return rule_put(c, DB_SPEND, k, 8, &s);
}

static int audit_dispose(struct ctx *c)
{
	const muster_fv *id = V(MF_FINDING);
	size_t i = 0;
	while (i < id->n && id->p[i] != ':')
		i++;
	int known = 0;
	for (int k = 1; k < MUSTER_CHK_COUNT; k++)
		known |= i == strlen(muster_check_name(k)) && memcmp(id->p, muster_check_name(k), i) == 0;
	if (!known || i + 1 >= id->n) {
		SAY("finding '%.*s' is not a finding id such as duplicate_invoice:CODE/INVOICE (see 'muster audit')", PS(id));
		return MUSTER_ESTATE;
	}
	muster_rec d;
	muster_rec_clear(&d);
	d.v[MF_FINDING] = *id, d.has |= MUSTER_BIT(MF_FINDING);
	muster_rec_uint(&d, MF_DISPOSITION, V(MF_DISPOSITION)->u);
	d.v[MF_NOTES] = *V(MF_NOTES), d.has |= MUSTER_BIT(MF_NOTES);
	muster_rec_uint(&d, MF_REF, c->e->index);
	return rule_put(c, DB_DISPOSE, id->p, id->n, &d);
}

int muster_spend_date_put(MDB_txn *txn, const MDB_dbi *dbi, uint32_t date, uint64_t index)
{
	uint8_t d[4], i[8];
	be32_put(d, date);
	be64_put(i, index);
	MDB_val k = {sizeof d, d}, v = {sizeof i, i};
	return muster_mdb_err(mdb_put(txn, dbi[DB_SPDATE], &k, &v, 0));
}

int muster_spend_dates(MDB_txn *txn, const MDB_dbi *dbi, uint32_t first, uint32_t last,
	int (*fn)(const MDB_val *key, const MDB_val *row, void *arg), void *arg)
{
	MDB_cursor *cur;
	uint8_t d[4];
	be32_put(d, first);
	MDB_val k = {sizeof d, d}, v;
	int rc = muster_mdb_err(mdb_cursor_open(txn, dbi[DB_SPDATE], &cur));
	if (rc)
		return rc;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; mrc == 0 && rc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 4 || v.mv_size != 8) {
			rc = MUSTER_ECORRUPT;
			break;
		}
		if (be32_get(k.mv_data) > last)
			break;
		MDB_val sk = {8, v.mv_data}, row;
		if ((rc = mdb_get(txn, dbi[DB_SPEND], &sk, &row)) != 0) /* every index has its row */
			rc = rc == MDB_NOTFOUND ? MUSTER_ECORRUPT : muster_mdb_err(rc);
		else
			rc = fn(&sk, &row, arg);
	}
	mdb_cursor_close(cur);
	return rc ? rc : mrc == 0 || mrc == MDB_NOTFOUND ? 0 : muster_mdb_err(mrc);
}

int muster_money_apply(struct ctx *c)
{
	switch (c->e->type) {
	case MUSTER_EV_FUND_ADD: return fund_add(c);
	case MUSTER_EV_BUDGET_SET: return budget_set(c);
	case MUSTER_EV_SPEND: return spend_record(c);
	case MUSTER_EV_SPEND_APPROVE:
	case MUSTER_EV_SPEND_REJECT: return spend_decide(c);
	case MUSTER_EV_AUDIT_DISPOSE: return audit_dispose(c);
	case MUSTER_EV_FUND_SOURCE: return fund_source_add(c);
	default: return 0;
	}
}
