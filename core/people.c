/*
 * people.c - the rules of the people events and the projections they make:
 * rescuers, certificates and their kinds, occupational health exams and the
 * hazard rules that space them, site policy, and deployments with the exams
 * and inspections their return leaves owed.
 *
 * Like equip.c, everything here runs inside the append's write transaction
 * (and again in reindex) and depends only on the entry and the projections.
 */
#include "internal.h"
#include "equip_int.h"

#include <muster/ident.h>
#include <muster/people.h>

#include <inttypes.h>
#include <stdio.h>

#define DATE(d) date_text(d, (char[11]){0})

static const char *date_text(uint64_t ymd, char *buf)
{
	muster_date_format(ymd, buf);
	return buf;
}

/* An in-rule snapshot over the write transaction, for the read functions. */
static muster_snap rule_snap(struct ctx *c)
{
	return (muster_snap){NULL, c->txn, c->dbi, {NULL}, NULL};
}

static int person_load(struct ctx *c, const muster_fv *id, int slot, muster_rec *p)
{
	int rc = rule_get(c, DB_PERSON, id->p, id->n, slot, p);
	if (rc == MUSTER_ENOTFOUND)
		SAY("person %.*s is not enrolled: enrol them with 'muster person add' first", PS(id));
	return rc;
}

static int roster_put(struct ctx *c, const muster_fv *team, const muster_fv *id, int add)
{
	char k[128];
	size_t kn = rule_key2(k, team, id->p, id->n);
	return add ? rule_put_raw(c, DB_ROSTER, k, kn, "", 0) : rule_del(c, DB_ROSTER, k, kn);
}

static int hazards_ok(struct ctx *c, const muster_fv *who, const muster_rec *r)
{
	muster_iter it, seen;
	const char *s, *t;
	size_t n, tn;
	if (!MUSTER_HAS(r, MF_HAZARDS))
		return 1;
	muster_iter_init(&it, &r->v[MF_HAZARDS], 0);
	for (uint64_t i = 0; muster_iter_next(&it, &s, &n); i++) {
		int repeated = 0;
		muster_iter_init(&seen, &r->v[MF_HAZARDS], 0);
		for (uint64_t j = 0; j < i && muster_iter_next(&seen, &t, &tn); j++)
			repeated |= tn == n && memcmp(t, s, n) == 0;
		if (n > 64 || repeated) {
			SAY("person %.*s: hazard factor '%.*s' is repeated or longer than 64 bytes", PS(who), (int)n, s);
			return 0;
		}
	}
	return 1;
}

static int person_add(struct ctx *c)
{
	const muster_fv *id = V(MF_PERSON);
	muster_resident_id rid;
	const char *why = NULL;
	muster_rec old;
	int rc;
	if (muster_resident_id_check(id->p, id->n, (int)c->today, &rid, &why) != 0) {
		SAY("resident ID '%.*s' fails GB 11643: %s; check the number on the ID card", PS(id),
			why ? why : "invalid");
		return MUSTER_ESTATE;
	}
	if (memcmp(rid.id, id->p, id->n) != 0) {
		SAY("resident ID '%.*s': write the check character X in upper case (%s)", PS(id), rid.id);
		return MUSTER_ESTATE;
	}
	if ((rc = rule_get(c, DB_PERSON, id->p, id->n, 0, &old)) != MUSTER_ENOTFOUND) {
		if (rc == 0)
			SAY("person %.*s is already enrolled (%.*s, team %.*s)", PS(id), PS(&old.v[MF_NAME]),
				PS(&old.v[MF_TEAM]));
		return rc ? rc : MUSTER_EEXIST;
	}
	if ((rc = rule_team_exists(c, V(MF_TEAM))) != 0)
		return rc;
	uint64_t birth = (uint64_t)rid.year * 10000 + (uint64_t)rid.month * 100 + (uint64_t)rid.day;
	if (V(MF_HIRED)->u > c->today || V(MF_HIRED)->u < birth) {
		SAY("person %.*s: the post start date %s is %s", PS(id), DATE(V(MF_HIRED)->u),
			V(MF_HIRED)->u > c->today ? "in the future" : "before their birth date");
		return MUSTER_ESTATE;
	}
	if (!hazards_ok(c, id, &c->ev))
		return MUSTER_ESTATE;
	muster_rec p = c->ev;
	muster_rec_del(&p, MF_NOTES);
	muster_rec_uint(&p, MF_STATUS, MUSTER_P_ACTIVE);
	muster_rec_uint(&p, MF_REGISTERED, c->e->index);
	muster_rec_uint(&p, MF_LAST, c->e->index);
	if ((rc = rule_put(c, DB_PERSON, id->p, id->n, &p)) != 0)
		return rc;
	return roster_put(c, V(MF_TEAM), id, 1);
}

static void copy_if(muster_rec *to, const muster_rec *from, unsigned tag)
{
	if (MUSTER_HAS(from, tag))
		to->v[tag] = from->v[tag], to->has |= MUSTER_BIT(tag);
}

static int person_update(struct ctx *c)
{
	const muster_fv *id = V(MF_PERSON);
	muster_rec p;
	int rc = person_load(c, id, 0, &p);
	if (rc)
		return rc;
	uint64_t st = p.v[MF_STATUS].u;
	if (st == MUSTER_P_LEFT && !(MUSTER_HAS(&c->ev, MF_STATUS) && V(MF_STATUS)->u == MUSTER_P_ACTIVE)) {
		SAY("person %.*s left on %s: only a return to active (--status active) changes their record", PS(id),
			DATE(p.v[MF_LEFT].u));
		return MUSTER_ESTATE;
	}
	if (MUSTER_HAS(&c->ev, MF_DATE) && !MUSTER_HAS(&c->ev, MF_STATUS)) {
		SAY("person %.*s: --date is the date of a status change; give --status too", PS(id));
		return MUSTER_ESTATE;
	}
	if (!hazards_ok(c, id, &c->ev))
		return MUSTER_ESTATE;
	if (MUSTER_HAS(&c->ev, MF_TEAM)) {
		if ((rc = rule_team_exists(c, V(MF_TEAM))) != 0)
			return rc;
		if ((rc = roster_put(c, &p.v[MF_TEAM], id, 0)) != 0 || (rc = roster_put(c, V(MF_TEAM), id, 1)) != 0)
			return rc;
	}
	if (MUSTER_HAS(&c->ev, MF_HIRED) && (V(MF_HIRED)->u > c->today ||
						    (MUSTER_HAS(&p, MF_PRE_PLACEMENT) && p.v[MF_PRE_PLACEMENT].u > V(MF_HIRED)->u))) {
		SAY("person %.*s: the post start date %s is %s", PS(id), DATE(V(MF_HIRED)->u),
			V(MF_HIRED)->u > c->today ? "in the future" : "before their pre-placement exam");
		return MUSTER_ESTATE;
	}
	if (MUSTER_HAS(&c->ev, MF_SIGNER)) {
		MDB_val k = {c->ev.v[MF_SIGNER].n, (void *)c->ev.v[MF_SIGNER].p}, v;
		if (k.mv_size != MUSTER_KEYID_BYTES || mdb_get(c->txn, c->dbi[DB_KEYS], &k, &v) != 0) {
			SAY("person %.*s: --signer must be the id of an enrolled key (see 'muster key list')", PS(id));
			return MUSTER_ENOTFOUND;
		}
	}
	static const unsigned copied[] = {MF_NAME, MF_TEAM, MF_POSITION, MF_HIRED, MF_HAZARDS, MF_SIGNER};
	for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++)
		copy_if(&p, &c->ev, copied[i]);
	if (MUSTER_HAS(&c->ev, MF_SPECIAL))
		copy_if(&p, &c->ev, MF_SPECIAL);
	if (MUSTER_HAS(&c->ev, MF_STATUS)) {
		uint64_t to = V(MF_STATUS)->u, date = MUSTER_HAS(&c->ev, MF_DATE) ? V(MF_DATE)->u : c->today;
		if (to == st) {
			SAY("person %.*s is already %s", PS(id), muster_field_get(MF_STATUS)->enums[st]);
			return MUSTER_ESTATE;
		}
		if (date > c->today || date < p.v[MF_HIRED].u) {
			SAY("person %.*s: the date of the status change %s is %s", PS(id), DATE(date),
				date > c->today ? "in the future" : "before the post start");
			return MUSTER_ESTATE;
		}
		muster_rec_uint(&p, MF_STATUS, to);
		if (to == MUSTER_P_LEFT)
			muster_rec_uint(&p, MF_LEFT, date);
		else
			muster_rec_del(&p, MF_LEFT);
	}
	muster_rec_uint(&p, MF_LAST, c->e->index);
	return rule_put(c, DB_PERSON, id->p, id->n, &p);
}

/* Certificates. */

static int cert_kind(struct ctx *c)
{
	const muster_fv *k = V(MF_KIND);
	if (!rule_code_ok(k) || k->n > 64) {
		SAY("certificate kind '%.*s' may hold only letters, digits, '-', '_' and '.'", PS(k));
		return MUSTER_ESTATE;
	}
	if (MUSTER_HAS(&c->ev, MF_WINDOW) && V(MF_WINDOW)->u > 366) {
		SAY("certificate kind %.*s: a review window of more than a year is not a window", PS(k));
		return MUSTER_ESTATE;
	}
	if ((MUSTER_HAS(&c->ev, MF_VALIDITY) && V(MF_VALIDITY)->u > 1200) ||
		(MUSTER_HAS(&c->ev, MF_REVIEW) && V(MF_REVIEW)->u > 1200)) {
		SAY("certificate kind %.*s: give validity and review in months (at most 1200)", PS(k));
		return MUSTER_ESTATE;
	}
	muster_rec r = c->ev;
	muster_rec_del(&r, MF_NOTES);
	muster_rec_uint(&r, MF_REF, c->e->index);
	return rule_put(c, DB_CKIND, k->p, k->n, &r);
}

/* key: person 0 kind 0 number 0 item */
static size_t cert_key(char *k, const muster_rec *r)
{
	size_t n = 0;
	static const unsigned parts[] = {MF_PERSON, MF_KIND, MF_NUMBER, MF_ITEM};
	for (size_t i = 0; i < 4; i++) {
		if (i)
			k[n++] = 0;
		if (MUSTER_HAS(r, parts[i])) {
			memcpy(k + n, r->v[parts[i]].p, r->v[parts[i]].n);
			n += r->v[parts[i]].n;
		}
	}
	return n;
}

static int rule_of(struct ctx *c, muster_cert_rule *rule)
{
	muster_snap sn = rule_snap(c);
	int rc = muster_cert_rule_get(&sn, V(MF_KIND)->p, V(MF_KIND)->n, rule);
	muster_snap_release(&sn);
	if (rc == MUSTER_ENOTFOUND)
		SAY("certificate kind '%.*s' is not known: see 'muster cert kinds', or add it with 'muster cert kind'",
			PS(V(MF_KIND)));
	return rc;
}

/* valid_to and the review due date of a certificate from its dates and its kind. */
static int cert_dates(struct ctx *c, const muster_cert_rule *rule, muster_rec *r)
{
	const muster_fv *num = &r->v[MF_NUMBER];
	uint64_t from = r->v[MF_VALID_FROM].u;
	if (!MUSTER_HAS(r, MF_VALID_TO) && rule->validity)
		muster_rec_uint(r, MF_VALID_TO, muster_date_add(muster_date_add_months(from, rule->validity), -1));
	if (MUSTER_HAS(r, MF_VALID_TO) && r->v[MF_VALID_TO].u < from) {
		SAY("certificate %.*s: valid to %s is before valid from %s", PS(num), DATE(r->v[MF_VALID_TO].u),
			DATE(from));
		return MUSTER_ESTATE;
	}
	if (from > c->today) {
		SAY("certificate %.*s: valid from %s is in the future", PS(num), DATE(from));
		return MUSTER_ESTATE;
	}
	muster_rec_del(r, MF_DUE);
	if (rule->review) {
		/*
		 * Reviews fall on the anniversaries of valid from (3, 6... years on).
		 * A review done inside its window satisfies that anniversary; the
		 * next one is due at the next anniversary, not three years after the
		 * review day (which would put a review just before expiry).
		 */
		uint64_t after = MUSTER_HAS(r, MF_REVIEWED) ? muster_date_add(r->v[MF_REVIEWED].u, rule->window) : from;
		uint64_t due = muster_date_add_months(from, rule->review);
		for (unsigned k = 2; due <= after && k < 200; k++)
			due = muster_date_add_months(from, rule->review * k);
		if (!MUSTER_HAS(r, MF_VALID_TO) || due < r->v[MF_VALID_TO].u)
			muster_rec_uint(r, MF_DUE, due);
	}
	muster_rec_uint(r, MF_WINDOW, rule->window);
	return 0;
}

static int cert_add(struct ctx *c)
{
	const muster_fv *pid = V(MF_PERSON), *num = V(MF_NUMBER);
	muster_cert_rule rule;
	muster_rec p, old;
	char k[600];
	int rc;
	if ((rc = person_load(c, pid, 0, &p)) != 0 || (rc = rule_of(c, &rule)) != 0)
		return rc;
	if (rule.t_number) {
		if (num->n != pid->n + 1 || num->p[0] != 'T' || memcmp(num->p + 1, pid->p, pid->n) != 0) {
			SAY("certificate number '%.*s' of kind %.*s must be \"T\" + the holder's ID: T%.*s", PS(num),
				PS(V(MF_KIND)), PS(pid));
			return MUSTER_ESTATE;
		}
		if (!MUSTER_HAS(&c->ev, MF_OP_CATEGORY) || V(MF_OP_CATEGORY)->u < 1 || V(MF_OP_CATEGORY)->u > 11 ||
			!MUSTER_HAS(&c->ev, MF_ITEM)) {
			SAY("certificate %.*s: a special operation certificate needs its category 1-11 (--op-category) "
			    "and item (--item)",
				PS(num));
			return MUSTER_ESTATE;
		}
	} else if (MUSTER_HAS(&c->ev, MF_OP_CATEGORY)) {
		SAY("certificate %.*s: --op-category belongs to special operation certificates only", PS(num));
		return MUSTER_ESTATE;
	}
	muster_rec r = c->ev;
	muster_rec_del(&r, MF_NOTES);
	if (MUSTER_HAS(&r, MF_REVIEWED) && (r.v[MF_REVIEWED].u < r.v[MF_VALID_FROM].u || r.v[MF_REVIEWED].u > c->today)) {
		SAY("certificate %.*s: the last review date %s must lie between valid from and today", PS(num),
			DATE(r.v[MF_REVIEWED].u));
		return MUSTER_ESTATE;
	}
	if ((rc = cert_dates(c, &rule, &r)) != 0)
		return rc;
	size_t kn = cert_key(k, &r);
	if ((rc = rule_get(c, DB_CERT, k, kn, 1, &old)) != MUSTER_ENOTFOUND) {
		if (rc == 0)
			SAY("person %.*s already holds certificate %.*s of kind %.*s: renew it with 'muster cert renew'",
				PS(pid), PS(num), PS(V(MF_KIND)));
		return rc ? rc : MUSTER_EEXIST;
	}
	muster_rec_uint(&r, MF_REF, c->e->index);
	muster_rec_uint(&r, MF_LAST, c->e->index);
	return rule_put(c, DB_CERT, k, kn, &r);
}

/*
 * The certificate an event names.  Without --item, the one certificate of
 * that person, kind and number (a special operation certificate may cover
 * several items under one number: then the item must be given).
 */
static int cert_find(struct ctx *c, char *k, size_t *kn)
{
	*kn = cert_key(k, &c->ev);
	if (MUSTER_HAS(&c->ev, MF_ITEM))
		return 0;
	MDB_cursor *cur;
	int rc = muster_mdb_err(mdb_cursor_open(c->txn, c->dbi[DB_CERT], &cur));
	if (rc)
		return rc;
	size_t pn = *kn; /* person 0 kind 0 number 0, the item empty */
	MDB_val key = {pn, k}, v;
	int found = 0, mrc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE);
	for (; mrc == 0 && key.mv_size >= pn && memcmp(key.mv_data, k, pn) == 0 && found < 2;
		mrc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
		if (++found == 1 && key.mv_size <= 600) {
			memcpy(k, key.mv_data, key.mv_size);
			*kn = key.mv_size;
		}
	}
	mdb_cursor_close(cur);
	if (found > 1) {
		SAY("person %.*s holds certificate %.*s of kind %.*s for several items: give --item", PS(V(MF_PERSON)),
			PS(V(MF_NUMBER)), PS(V(MF_KIND)));
		return MUSTER_ESTATE;
	}
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		return muster_mdb_err(mrc);
	return 0;
}

static int cert_load(struct ctx *c, char *k, size_t *kn, muster_rec *r)
{
	int rc = cert_find(c, k, kn);
	if (rc == 0)
		rc = rule_get(c, DB_CERT, k, *kn, 1, r);
	if (rc == MUSTER_ENOTFOUND)
		SAY("person %.*s holds no certificate %.*s of kind %.*s%s%.*s", PS(V(MF_PERSON)), PS(V(MF_NUMBER)),
			PS(V(MF_KIND)), MUSTER_HAS(&c->ev, MF_ITEM) ? ", item " : "",
			MUSTER_HAS(&c->ev, MF_ITEM) ? (int)V(MF_ITEM)->n : 0, MUSTER_HAS(&c->ev, MF_ITEM) ? V(MF_ITEM)->p : "");
	if (rc == 0 && MUSTER_HAS(r, MF_REVOKED)) {
		SAY("certificate %.*s of person %.*s was revoked on %s", PS(V(MF_NUMBER)), PS(V(MF_PERSON)),
			DATE(r->v[MF_REVOKED].u));
		rc = MUSTER_ESTATE;
	}
	return rc;
}

static int cert_change(struct ctx *c)
{
	muster_cert_rule rule;
	muster_rec r;
	char k[600];
	size_t kn;
	int rc;
	if ((rc = rule_of(c, &rule)) != 0 || (rc = cert_load(c, k, &kn, &r)) != 0)
		return rc;
	const muster_fv *num = V(MF_NUMBER);
	switch (c->e->type) {
	case MUSTER_EV_CERT_RENEW:
		if (V(MF_VALID_FROM)->u < r.v[MF_VALID_FROM].u) {
			SAY("certificate %.*s: the renewal's valid from %s is before the current period's %s", PS(num),
				DATE(V(MF_VALID_FROM)->u), DATE(r.v[MF_VALID_FROM].u));
			return MUSTER_ESTATE;
		}
		copy_if(&r, &c->ev, MF_ISSUER);
		r.v[MF_VALID_FROM] = *V(MF_VALID_FROM);
		muster_rec_del(&r, MF_VALID_TO);
		muster_rec_del(&r, MF_REVIEWED);
		copy_if(&r, &c->ev, MF_VALID_TO);
		break;
	case MUSTER_EV_CERT_REVIEW: {
		uint64_t date = V(MF_DATE)->u;
		if (!rule.review || !MUSTER_HAS(&r, MF_DUE)) {
			SAY("certificate %.*s of kind %.*s has no review due", PS(num), PS(V(MF_KIND)));
			return MUSTER_ESTATE;
		}
		uint64_t due = r.v[MF_DUE].u, opens = muster_date_add(due, -(int64_t)rule.window);
		if (date > c->today || date < opens) {
			SAY("certificate %.*s: a review on %s is %s (the window opens %s, the review is due %s)", PS(num),
				DATE(date), date > c->today ? "in the future" : "too early", DATE(opens), DATE(due));
			return MUSTER_ESTATE;
		}
		if (rule.hours && (!MUSTER_HAS(&c->ev, MF_HOURS) || V(MF_HOURS)->u < rule.hours)) {
			SAY("certificate %.*s: a review needs at least %u hours of training first (--hours)", PS(num),
				rule.hours);
			return MUSTER_ESTATE;
		}
		if (MUSTER_HAS(&r, MF_VALID_TO) && date > r.v[MF_VALID_TO].u) {
			SAY("certificate %.*s expired on %s: renew it instead", PS(num), DATE(r.v[MF_VALID_TO].u));
			return MUSTER_ESTATE;
		}
		muster_rec_uint(&r, MF_REVIEWED, date);
		break;
	}
	default: /* revoke */
		muster_rec_uint(&r, MF_REVOKED, MUSTER_HAS(&c->ev, MF_DATE) ? V(MF_DATE)->u : c->today);
		r.v[MF_REASON] = *V(MF_REASON), r.has |= MUSTER_BIT(MF_REASON);
		if (r.v[MF_REVOKED].u > c->today) {
			SAY("certificate %.*s: the revocation date is in the future", PS(num));
			return MUSTER_ESTATE;
		}
		muster_rec_uint(&r, MF_LAST, c->e->index);
		return rule_put(c, DB_CERT, k, kn, &r);
	}
	if ((rc = cert_dates(c, &rule, &r)) != 0)
		return rc;
	muster_rec_uint(&r, MF_LAST, c->e->index);
	return rule_put(c, DB_CERT, k, kn, &r);
}

/* Health. */

static int exam_record(struct ctx *c)
{
	const muster_fv *id = V(MF_PERSON);
	uint64_t date = V(MF_DATE)->u, kind = V(MF_EXAM)->u, concl = V(MF_CONCLUSION)->u;
	muster_rec p;
	int rc = person_load(c, id, 0, &p);
	if (rc)
		return rc;
	uint64_t birth;
	char sex;
	if (date > c->today || (muster_person_birth(&p, &birth, &sex) == 0 && date < birth)) {
		SAY("person %.*s: exam date %s is %s", PS(id), DATE(date), date > c->today ? "in the future" : "before birth");
		return MUSTER_ESTATE;
	}
	uint64_t hired = p.v[MF_HIRED].u;
	if (kind == MUSTER_X_PRE_PLACEMENT && date > hired) {
		SAY("person %.*s: a pre-placement exam must precede the post start (%s), not follow it (%s)", PS(id),
			DATE(hired), DATE(date));
		return MUSTER_ESTATE;
	}
	if (kind != MUSTER_X_PRE_PLACEMENT && date < hired) {
		SAY("person %.*s: %s exam on %s is before they started on the post (%s)", PS(id),
			muster_field_get(MF_EXAM)->enums[kind], DATE(date), DATE(hired));
		return MUSTER_ESTATE;
	}
	if ((concl == MUSTER_C_RECHECK) != (MUSTER_HAS(&c->ev, MF_ITEMS) && MUSTER_HAS(&c->ev, MF_DUE))) {
		SAY(concl == MUSTER_C_RECHECK ? "person %.*s: a recheck conclusion needs the items (--items) and the due date (--due)" :
						"person %.*s: --items and --due belong to a recheck conclusion only",
			PS(id));
		return MUSTER_ESTATE;
	}
	if (concl == MUSTER_C_RECHECK && V(MF_DUE)->u <= date) {
		SAY("person %.*s: the recheck due date must come after the exam", PS(id));
		return MUSTER_ESTATE;
	}
	if ((concl == MUSTER_C_CONTRA) != MUSTER_HAS(&c->ev, MF_CONTRA)) {
		SAY(concl == MUSTER_C_CONTRA ? "person %.*s: name the contraindication (--contraindication)" :
					       "person %.*s: --contraindication belongs to a contraindication conclusion only",
			PS(id));
		return MUSTER_ESTATE;
	}
	if (MUSTER_HAS(&c->ev, MF_DEPLOYMENT) && kind != MUSTER_X_EMERGENCY) {
		SAY("person %.*s: --deployment belongs to an emergency exam", PS(id));
		return MUSTER_ESTATE;
	}
	/* The exam itself. */
	char k[18 + 1 + 16];
	memcpy(k, id->p, id->n);
	k[id->n] = 0;
	be64_put((uint8_t *)k + id->n + 1, date);
	be64_put((uint8_t *)k + id->n + 9, c->e->index);
	muster_rec x = c->ev;
	muster_rec_uint(&x, MF_REF, c->e->index);
	if ((rc = rule_put(c, DB_EXAM, k, id->n + 17, &x)) != 0)
		return rc;
	/* The person's summary: latest dates by kind, and the conclusion of the latest exam. */
	static const unsigned latest[] = {MF_PRE_PLACEMENT, MF_PERIODIC, MF_EXIT, 0};
	unsigned t = latest[kind];
	if (t && (!MUSTER_HAS(&p, t) || p.v[t].u <= date))
		muster_rec_uint(&p, t, date);
	if (!MUSTER_HAS(&p, MF_EXAM_DATE) || p.v[MF_EXAM_DATE].u <= date) {
		static const unsigned outcome[] = {MF_CONCLUSION, MF_CONTRA, MF_ITEMS, MF_DUE};
		muster_rec_uint(&p, MF_EXAM_DATE, date);
		for (size_t i = 0; i < 4; i++) {
			muster_rec_del(&p, outcome[i]);
			copy_if(&p, &c->ev, outcome[i]);
		}
	}
	muster_rec_uint(&p, MF_LAST, c->e->index);
	if ((rc = rule_put(c, DB_PERSON, id->p, id->n, &p)) != 0)
		return rc;
	return kind == MUSTER_X_EMERGENCY ? rule_owe_clear(c, 'p', id, date) : 0;
}

static int health_rule(struct ctx *c)
{
	const muster_fv *h = V(MF_HAZARD);
	uint64_t d = V(MF_INTERVAL)->u;
	if (d < 1 || d > 3660) {
		SAY("hazard %.*s: give the periodic exam interval in days, 1 to 3660 (e.g. 365)", PS(h));
		return MUSTER_ESTATE;
	}
	muster_rec r = c->ev;
	muster_rec_del(&r, MF_NOTES);
	muster_rec_uint(&r, MF_REF, c->e->index);
	return rule_put(c, DB_HRULE, h->p, h->n, &r);
}

static int policy(struct ctx *c)
{
	muster_rec r;
	int rc = rule_get(c, DB_META, "policy", 6, 0, &r);
	if (rc == MUSTER_ENOTFOUND)
		muster_rec_clear(&r);
	else if (rc)
		return rc;
	if (!MUSTER_HAS(&c->ev, MF_EXAM_DAYS) && !MUSTER_HAS(&c->ev, MF_TARGET) && !MUSTER_HAS(&c->ev, MF_THRESHOLD)) {
		SAY("site policy: give --exam-days, --target or --threshold");
		return MUSTER_ESTATE;
	}
	if ((MUSTER_HAS(&c->ev, MF_EXAM_DAYS) && (V(MF_EXAM_DAYS)->u < 1 || V(MF_EXAM_DAYS)->u > 365)) ||
		(MUSTER_HAS(&c->ev, MF_TARGET) && (V(MF_TARGET)->u < 1 || V(MF_TARGET)->u > 7 * 24 * 60))) {
		SAY("site policy: --exam-days is 1 to 365 days, --target 1 to 10080 minutes");
		return MUSTER_ESTATE;
	}
	copy_if(&r, &c->ev, MF_EXAM_DAYS);
	copy_if(&r, &c->ev, MF_TARGET);
	copy_if(&r, &c->ev, MF_THRESHOLD);
	return rule_put(c, DB_META, "policy", 6, &r);
}

/* Deployments. */

static int deploy_load(struct ctx *c, const muster_fv *id, int slot, muster_rec *d, int open)
{
	int rc = rule_get(c, DB_DEPLOY, id->p, id->n, slot, d);
	if (rc == MUSTER_ENOTFOUND)
		SAY("deployment %.*s is not open: open it with 'muster deploy open' first", PS(id));
	if (rc == 0 && open && MUSTER_HAS(d, MF_RETURNED)) {
		char t[20];
		muster_time_format(d->v[MF_RETURNED].u, t);
		SAY("deployment %.*s returned at %s (归建): it is closed", PS(id), t);
		rc = MUSTER_ESTATE;
	}
	return rc;
}

/* Times are claimed by people: one may be at most 10 minutes ahead of the entry's own clock. */
static int time_ok(struct ctx *c, const muster_fv *id, unsigned tag)
{
	if (V(tag)->u > c->e->time_ms / 1000 + 600) {
		char t[20];
		muster_time_format(V(tag)->u, t);
		SAY("deployment %.*s: %s time %s is in the future", PS(id), muster_field_get(tag)->name, t);
		return 0;
	}
	return 1;
}

static int deploy_open(struct ctx *c)
{
	const muster_fv *id = V(MF_DEPLOYMENT);
	muster_rec old;
	int rc;
	if (!rule_code_ok(id)) {
		SAY("deployment id '%.*s' may hold only letters, digits, '-', '_' and '.'", PS(id));
		return MUSTER_ESTATE;
	}
	if ((rc = rule_get(c, DB_DEPLOY, id->p, id->n, 0, &old)) != MUSTER_ENOTFOUND) {
		if (rc == 0)
			SAY("deployment %.*s already exists (%.*s)", PS(id), PS(&old.v[MF_INCIDENT]));
		return rc ? rc : MUSTER_EEXIST;
	}
	if (MUSTER_HAS(&c->ev, MF_TEAM) && (rc = rule_team_exists(c, V(MF_TEAM))) != 0)
		return rc;
	if (!time_ok(c, id, MF_ORDERED))
		return MUSTER_ESTATE;
	if (MUSTER_HAS(&c->ev, MF_TARGET) && (V(MF_TARGET)->u < 1 || V(MF_TARGET)->u > 7 * 24 * 60)) {
		SAY("deployment %.*s: --target is the arrival target in minutes, 1 to 10080 (e.g. 300 for 5 h)", PS(id));
		return MUSTER_ESTATE;
	}
	muster_rec d = c->ev;
	muster_rec_del(&d, MF_NOTES);
	muster_rec_uint(&d, MF_REGISTERED, c->e->index);
	muster_rec_uint(&d, MF_LAST, c->e->index);
	muster_rec_uint(&d, MF_PEOPLE, 0);
	muster_rec_uint(&d, MF_ASSETS, 0);
	return rule_put(c, DB_DEPLOY, id->p, id->n, &d);
}

static size_t crew_key(char *k, const muster_fv *dep, char what, const muster_fv *id)
{
	char tail[80];
	tail[0] = what;
	tail[1] = 0;
	memcpy(tail + 2, id->p, id->n);
	return rule_key2(k, dep, tail, id->n + 2);
}

static int deploy_person(struct ctx *c)
{
	const muster_fv *dep = V(MF_DEPLOYMENT), *id = V(MF_PERSON);
	muster_rec d, p, m;
	char k[200];
	int rc;
	if ((rc = deploy_load(c, dep, 0, &d, 1)) != 0 || (rc = person_load(c, id, 1, &p)) != 0)
		return rc;
	size_t kn = crew_key(k, dep, 'p', id);
	if ((rc = rule_get(c, DB_CREW, k, kn, 2, &m)) != MUSTER_ENOTFOUND) {
		if (rc == 0)
			SAY("person %.*s is already on deployment %.*s", PS(id), PS(dep));
		return rc ? rc : MUSTER_EEXIST;
	}
	if (p.v[MF_STATUS].u == MUSTER_P_LEFT) {
		SAY("person %.*s (%.*s) left the team on %s", PS(id), PS(&p.v[MF_NAME]), DATE(p.v[MF_LEFT].u));
		return MUSTER_ESTATE;
	}
	muster_reason why[MUSTER_REASONS_MAX];
	size_t n, blocks;
	muster_snap sn = rule_snap(c);
	rc = muster_person_ready(&sn, &p, c->today, NULL, why, &n, &blocks);
	muster_snap_release(&sn);
	if (rc)
		return rc;
	if (blocks && !MUSTER_HAS(&c->ev, MF_REASON)) {
		size_t off = (size_t)snprintf(c->why, c->whylen, "person %.*s (%.*s) is not ready:", PS(id),
			PS(&p.v[MF_NAME]));
		for (size_t i = 0; i < n && off < c->whylen; i++)
			if (MUSTER_REASON_BLOCKS(why[i].code))
				off += (size_t)snprintf(c->why + off, c->whylen - off, " %s%s%.*s;",
					muster_reason_code(why[i].code), why[i].kind_len ? " " : "", (int)why[i].kind_len,
					why[i].kind ? why[i].kind : "");
		if (off < c->whylen)
			snprintf(c->why + off, c->whylen - off, " record an override with --reason to send them anyway");
		return MUSTER_ESTATE;
	}
	muster_rec_clear(&m);
	muster_rec_uint(&m, MF_REF, c->e->index);
	if (blocks)
		m.v[MF_REASON] = *V(MF_REASON), m.has |= MUSTER_BIT(MF_REASON);
	if ((rc = rule_put(c, DB_CREW, k, kn, &m)) != 0)
		return rc;
	muster_rec_uint(&d, MF_PEOPLE, d.v[MF_PEOPLE].u + 1);
	muster_rec_uint(&d, MF_LAST, c->e->index);
	return rule_put(c, DB_DEPLOY, dep->p, dep->n, &d);
}

int rule_deploy_asset(struct ctx *c, const muster_fv *id)
{
	const muster_fv *dep = V(MF_DEPLOYMENT);
	muster_rec d, m;
	char k[200];
	/* Slot 2: the caller holds the asset in slot 0 and may hold a depot in slot 1. */
	int rc = deploy_load(c, dep, 2, &d, 1);
	if (rc)
		return rc;
	size_t kn = crew_key(k, dep, 'a', id);
	MDB_val key = {kn, k}, v;
	if ((rc = mdb_get(c->txn, c->dbi[DB_CREW], &key, &v)) == MDB_NOTFOUND) {
		muster_rec_uint(&d, MF_ASSETS, d.v[MF_ASSETS].u + 1);
		muster_rec_uint(&d, MF_LAST, c->e->index);
		if ((rc = rule_put(c, DB_DEPLOY, dep->p, dep->n, &d)) != 0)
			return rc;
	} else if (rc) {
		return muster_mdb_err(rc);
	}
	muster_rec_clear(&m);
	muster_rec_uint(&m, MF_REF, c->e->index);
	return rule_put(c, DB_CREW, k, kn, &m);
}

static const unsigned stages[] = {MF_ORDERED, MF_DEPARTED, MF_ARRIVED, MF_ENDED, MF_RETURNED};

static int deploy_time(struct ctx *c)
{
	const muster_fv *id = V(MF_DEPLOYMENT);
	muster_rec d;
	int rc = deploy_load(c, id, 0, &d, 1), any = 0;
	if (rc)
		return rc;
	uint64_t last = d.v[MF_ORDERED].u;
	unsigned last_tag = MF_ORDERED;
	for (size_t i = 1; i < 4; i++) {
		unsigned t = stages[i];
		const char *name = muster_field_get(t)->name;
		if (!MUSTER_HAS(&c->ev, t)) {
			if (MUSTER_HAS(&d, t))
				last = d.v[t].u, last_tag = t;
			continue;
		}
		any = 1;
		if (MUSTER_HAS(&d, t)) {
			SAY("deployment %.*s: the %s time is already recorded", PS(id), name);
			return MUSTER_ESTATE;
		}
		if (t == MF_ARRIVED && !MUSTER_HAS(&d, MF_DEPARTED) && !MUSTER_HAS(&c->ev, MF_DEPARTED)) {
			SAY("deployment %.*s: record the departed time before the arrived time", PS(id));
			return MUSTER_ESTATE;
		}
		if (V(t)->u < last) {
			char a[20], b[20];
			muster_time_format(V(t)->u, a);
			muster_time_format(last, b);
			SAY("deployment %.*s: %s %s is before %s %s: times run ordered <= departed <= arrived <= ended "
			    "<= returned",
				PS(id), name, a, muster_field_get(last_tag)->name, b);
			return MUSTER_ESTATE;
		}
		if (!time_ok(c, id, t))
			return MUSTER_ESTATE;
		muster_rec_uint(&d, t, V(t)->u);
		last = V(t)->u, last_tag = t;
	}
	if (!any) {
		SAY("deployment %.*s: give --departed, --arrived or --ended", PS(id));
		return MUSTER_ESTATE;
	}
	muster_rec_uint(&d, MF_LAST, c->e->index);
	return rule_put(c, DB_DEPLOY, id->p, id->n, &d);
}

static int owe(struct ctx *c, char what, const muster_fv *id, const muster_fv *dep, uint64_t date, uint64_t due)
{
	char k[200], head[80];
	head[0] = what;
	head[1] = 0;
	memcpy(head + 2, id->p, id->n);
	muster_fv h = {0, head, id->n + 2};
	size_t kn = rule_key2(k, &h, dep->p, dep->n);
	muster_rec r;
	muster_rec_clear(&r);
	muster_rec_text(&r, MF_DEPLOYMENT, dep->p, dep->n);
	muster_rec_uint(&r, MF_DATE, date);
	muster_rec_uint(&r, MF_DUE, due);
	return rule_put(c, DB_OWE, k, kn, &r);
}

static int deploy_return(struct ctx *c)
{
	const muster_fv *id = V(MF_DEPLOYMENT);
	muster_rec d;
	int rc = deploy_load(c, id, 0, &d, 1);
	if (rc)
		return rc;
	if (!MUSTER_HAS(&d, MF_DEPARTED)) {
		SAY("deployment %.*s never departed: record --departed with 'muster deploy time' first", PS(id));
		return MUSTER_ESTATE;
	}
	/* The return follows the latest stage recorded: ended, else arrived, else departed (i wraps past 0). */
	for (size_t i = 3; i < 4; i--) {
		unsigned t = stages[i];
		if (!MUSTER_HAS(&d, t))
			continue;
		if (V(MF_RETURNED)->u < d.v[t].u) {
			char a[20], b[20];
			muster_time_format(V(MF_RETURNED)->u, a);
			muster_time_format(d.v[t].u, b);
			SAY("deployment %.*s: returned %s is before %s %s: times run ordered <= departed <= arrived <= "
			    "ended <= returned",
				PS(id), a, muster_field_get(t)->name, b);
			return MUSTER_ESTATE;
		}
		break;
	}
	if (!time_ok(c, id, MF_RETURNED))
		return MUSTER_ESTATE;
	muster_rec_uint(&d, MF_RETURNED, V(MF_RETURNED)->u);
	muster_rec_uint(&d, MF_LAST, c->e->index);
	if ((rc = rule_put(c, DB_DEPLOY, id->p, id->n, &d)) != 0)
		return rc;
	/* Every person owes an emergency exam, every asset a post-use inspection. */
	muster_snap sn = rule_snap(c);
	muster_policy pol;
	rc = muster_policy_get(&sn, &pol);
	muster_snap_release(&sn);
	if (rc)
		return rc;
	uint64_t date = muster_time_date(V(MF_RETURNED)->u), due = muster_date_add(date, (int64_t)pol.exam_days);
	MDB_cursor *cur;
	if ((rc = muster_mdb_err(mdb_cursor_open(c->txn, c->dbi[DB_CREW], &cur))) != 0)
		return rc;
	char pre[80];
	memcpy(pre, id->p, id->n);
	pre[id->n] = 0;
	MDB_val k = {id->n + 1, pre}, v;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (mrc == 0 && k.mv_size > id->n + 3 && memcmp(k.mv_data, pre, id->n + 1) == 0) {
		const char *kp = k.mv_data;
		char what = kp[id->n + 1];
		muster_fv mid = {0, kp + id->n + 3, k.mv_size - id->n - 3};
		char copy[80];
		memcpy(copy, mid.p, mid.n);
		mid.p = copy;
		if ((rc = owe(c, what, &mid, id, date, what == 'p' ? due : date)) != 0)
			break;
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc)
		return rc;
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : muster_mdb_err(mrc);
}

static int deploy_report(struct ctx *c)
{
	const muster_fv *id = V(MF_DEPLOYMENT);
	muster_rec d;
	int rc = deploy_load(c, id, 0, &d, 0);
	if (rc)
		return rc;
	if (MUSTER_HAS(&d, MF_REPORTED)) {
		SAY("deployment %.*s: its report is already filed", PS(id));
		return MUSTER_ESTATE;
	}
	if (!MUSTER_HAS(&d, MF_RETURNED)) {
		SAY("deployment %.*s has not returned: record the return (归建) with 'muster deploy return' first", PS(id));
		return MUSTER_ESTATE;
	}
	if (V(MF_REPORTED)->u < d.v[MF_RETURNED].u) {
		SAY("deployment %.*s: the report is filed after the return, not before it", PS(id));
		return MUSTER_ESTATE;
	}
	if (!time_ok(c, id, MF_REPORTED))
		return MUSTER_ESTATE;
	muster_rec_uint(&d, MF_REPORTED, V(MF_REPORTED)->u);
	muster_rec_uint(&d, MF_LAST, c->e->index);
	return rule_put(c, DB_DEPLOY, id->p, id->n, &d);
}

int rule_owe_clear(struct ctx *c, char what, const muster_fv *id, uint64_t date)
{
	char pre[80];
	pre[0] = what;
	pre[1] = 0;
	memcpy(pre + 2, id->p, id->n);
	pre[id->n + 2] = 0;
	size_t pn = id->n + 3;
	MDB_cursor *cur;
	muster_buf gone = {0}; /* keys to delete, each after its length byte */
	int rc = muster_mdb_err(mdb_cursor_open(c->txn, c->dbi[DB_OWE], &cur));
	if (rc)
		return rc;
	MDB_val k = {pn, pre}, v;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; mrc == 0 && k.mv_size > pn && memcmp(k.mv_data, pre, pn) == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		muster_rec r;
		if (muster_rec_decode(v.mv_data, v.mv_size, 0, 0, &r, NULL, 0) == 0 && r.v[MF_DATE].u <= date) {
			uint8_t len = (uint8_t)k.mv_size;
			muster_buf_put(&gone, &len, 1);
			muster_buf_put(&gone, k.mv_data, k.mv_size);
		}
	}
	mdb_cursor_close(cur);
	rc = mrc == 0 || mrc == MDB_NOTFOUND ? gone.err : muster_mdb_err(mrc);
	for (size_t off = 0; rc == 0 && off < gone.len; off += 1 + gone.data[off])
		rc = rule_del(c, DB_OWE, gone.data + off + 1, gone.data[off]);
	muster_buf_free(&gone);
	return rc;
}

int muster_owes(MDB_cursor *cur, char what, const char *id, size_t n)
{
	char pre[80];
	if (n > 64)
		return 0;
	pre[0] = what;
	pre[1] = 0;
	memcpy(pre + 2, id, n);
	pre[n + 2] = 0;
	MDB_val k = {n + 3, pre}, v;
	return mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0 && k.mv_size > n + 3 && memcmp(k.mv_data, pre, n + 3) == 0;
}

int muster_people_apply(struct ctx *c)
{
	switch (c->e->type) {
	case MUSTER_EV_PERSON_ADD: return person_add(c);
	case MUSTER_EV_PERSON_UPDATE: return person_update(c);
	case MUSTER_EV_CERT_KIND: return cert_kind(c);
	case MUSTER_EV_CERT_ADD: return cert_add(c);
	case MUSTER_EV_CERT_RENEW:
	case MUSTER_EV_CERT_REVIEW:
	case MUSTER_EV_CERT_REVOKE: return cert_change(c);
	case MUSTER_EV_EXAM: return exam_record(c);
	case MUSTER_EV_HEALTH_RULE: return health_rule(c);
	case MUSTER_EV_POLICY: return policy(c);
	case MUSTER_EV_DEPLOY_OPEN: return deploy_open(c);
	case MUSTER_EV_DEPLOY_PERSON: return deploy_person(c);
	case MUSTER_EV_DEPLOY_TIME: return deploy_time(c);
	case MUSTER_EV_DEPLOY_RETURN: return deploy_return(c);
	case MUSTER_EV_DEPLOY_REPORT: return deploy_report(c);
	default: return 0;
	}
}
