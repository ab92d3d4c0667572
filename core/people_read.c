/*
 * people_read.c - readiness and due dates of people, read through a
 * snapshot: certificate kinds and statuses, periodic exam intervals, the
 * reasons a person cannot be deployed, and what falls due.
 *
 * A national query walks every person once: the person row carries the
 * summary of their exams (written by exam.record), so only certificates and
 * owed exams are read beside it, through two cursors the snapshot keeps.
 */
#include "internal.h"
#include "equip_int.h"

#include <muster/ident.h>
#include <muster/people.h>

#include <pthread.h>

/*
 * Rows in the projections were checked when the event that wrote them was
 * appended (and reindex re-derives them): read them without re-checking
 * UTF-8 and dates, straight into *r.  Lengths and enum values are still
 * checked, so a damaged row is refused, never read past or indexed with.
 */
static uint8_t ftype[MUSTER_FIELDS_MAX], fenums[MUSTER_FIELDS_MAX];
static pthread_once_t ftype_once = PTHREAD_ONCE_INIT;

static void ftype_init(void)
{
	for (unsigned t = 1; t < MUSTER_FIELDS_MAX; t++) {
		const muster_field *f = muster_field_get(t);
		ftype[t] = f ? f->type : 0;
		for (unsigned i = 0; f && f->enums && f->enums[i]; i++)
			fenums[t] = (uint8_t)(i + 1);
	}
}

static uint64_t leb(const uint8_t **pp, const uint8_t *e, int *bad)
{
	uint64_t v = 0;
	const uint8_t *p = *pp;
	for (unsigned shift = 0; p < e && shift < 64; shift += 7) {
		uint8_t c = *p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*pp = p;
			return v;
		}
	}
	*bad = 1;
	return 0;
}

static int row_decode(const void *vp, size_t n, muster_rec *r)
{
	const uint8_t *p = vp, *e = p + n;
	int bad = 0;
	pthread_once(&ftype_once, ftype_init);
	r->has = 0;
	while (p < e && !bad) {
		uint64_t tag = leb(&p, e, &bad), len;
		if (bad || tag >= MUSTER_FIELDS_MAX || !ftype[tag])
			return MUSTER_ECORRUPT;
		muster_fv *v = &r->v[tag];
		switch (ftype[tag]) {
		case MUSTER_F_TEXT:
		case MUSTER_F_BYTES:
			len = leb(&p, e, &bad);
			if (bad || len > (uint64_t)(e - p))
				return MUSTER_ECORRUPT;
			*v = (muster_fv){0, (const char *)p, len};
			p += len;
			break;
		case MUSTER_F_LIST:
		case MUSTER_F_KV: {
			uint64_t count = leb(&p, e, &bad), items = ftype[tag] == MUSTER_F_KV ? 2 * count : count;
			const uint8_t *start = p;
			for (uint64_t i = 0; i < items && !bad; i++) {
				len = leb(&p, e, &bad);
				if (bad || len > (uint64_t)(e - p))
					return MUSTER_ECORRUPT;
				p += len;
			}
			*v = (muster_fv){count, (const char *)start, (size_t)(p - start)};
			break;
		}
		default:
			*v = (muster_fv){leb(&p, e, &bad), NULL, 0};
			if (ftype[tag] == MUSTER_F_ENUM && v->u >= fenums[tag])
				return MUSTER_ECORRUPT;
		}
		r->has |= MUSTER_BIT(tag);
	}
	return bad || p != e ? MUSTER_ECORRUPT : 0;
}

unsigned muster_position_age_limit(unsigned position)
{
	static const unsigned limit[] = {55, 50, 45, 45};
	return position < 4 ? limit[position] : 0;
}

const char *const muster_cert_statuses[] = {"valid", "review_due", "review_overdue", "expired", "revoked",
	"not_yet_valid", NULL};
const char *const muster_cert_statuses_zh[] = {"有效", "待复审", "逾期未复审", "已过期", "已吊销", "未生效", NULL};

/* Built-in kinds; a cert.kind event of the same kind replaces one (docs/PEOPLE.md). */
static const struct {
	const char *kind, *name;
	unsigned validity, review, window, hours;
	int t_number;
} builtin[] = {
	{"driving", "机动车驾驶证", 72, 0, 60, 0, 0},
	{"first_aid", "急救员证", 36, 0, 60, 0, 0},
	{"mine_rescue", "矿山救援培训合格证", 36, 0, 60, 0, 0},
	{"other", "其他证书", 0, 0, 60, 0, 0},
	{"skill", "职业技能等级证书", 0, 0, 60, 0, 0},
	{"special_op", "特种作业操作证", 72, 36, 60, 8, 1},
};
#define NBUILTIN (sizeof builtin / sizeof builtin[0])

static void rule_from_builtin(size_t i, muster_cert_rule *out)
{
	*out = (muster_cert_rule){builtin[i].kind, builtin[i].name, strlen(builtin[i].kind), strlen(builtin[i].name),
		builtin[i].validity, builtin[i].review, builtin[i].window, builtin[i].hours, builtin[i].t_number, 1};
}

static void rule_from_row(const muster_rec *r, muster_cert_rule *out)
{
	*out = (muster_cert_rule){r->v[MF_KIND].p, r->v[MF_NAME].p, r->v[MF_KIND].n, r->v[MF_NAME].n,
		(unsigned)r->v[MF_VALIDITY].u, (unsigned)r->v[MF_REVIEW].u,
		MUSTER_HAS(r, MF_WINDOW) ? (unsigned)r->v[MF_WINDOW].u : 60, (unsigned)r->v[MF_HOURS].u,
		MUSTER_HAS(r, MF_T_NUMBER), 0};
	if (!MUSTER_HAS(r, MF_VALIDITY))
		out->validity = 0;
	if (!MUSTER_HAS(r, MF_REVIEW))
		out->review = 0;
	if (!MUSTER_HAS(r, MF_HOURS))
		out->hours = 0;
}

int muster_cert_rule_get(muster_snap *sn, const char *kind, size_t n, muster_cert_rule *out)
{
	muster_rec r;
	int rc = muster_row_read(sn->txn, sn->dbi[DB_CKIND], kind, n, NULL, &r);
	if (rc == 0) {
		rule_from_row(&r, out);
		return 0;
	}
	if (rc != MUSTER_ENOTFOUND)
		return rc;
	for (size_t i = 0; i < NBUILTIN; i++)
		if (strlen(builtin[i].kind) == n && memcmp(builtin[i].kind, kind, n) == 0) {
			rule_from_builtin(i, out);
			return 0;
		}
	return MUSTER_ENOTFOUND;
}

int muster_cert_rules(muster_snap *sn, muster_cert_rule_cb cb, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	size_t b = 0;
	int rc = muster_mdb_err(mdb_cursor_open(sn->txn, sn->dbi[DB_CKIND], &cur));
	if (rc)
		return rc;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (;;) {
		muster_cert_rule r;
		int have_row = mrc == 0, cmp = 0;
		if (b < NBUILTIN && have_row) {
			size_t bn = strlen(builtin[b].kind), m = bn < k.mv_size ? bn : k.mv_size;
			cmp = memcmp(builtin[b].kind, k.mv_data, m);
			if (!cmp)
				cmp = (bn > k.mv_size) - (bn < k.mv_size);
		}
		if (b < NBUILTIN && (!have_row || cmp < 0)) {
			rule_from_builtin(b++, &r);
		} else if (have_row) {
			muster_rec row;
			if ((rc = muster_rec_decode(v.mv_data, v.mv_size, 0, 0, &row, NULL, 0)) != 0)
				break;
			rule_from_row(&row, &r);
			if (cmp == 0 && b < NBUILTIN)
				b++; /* replaced */
			mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		} else {
			rc = mrc == MDB_NOTFOUND ? 0 : muster_mdb_err(mrc);
			break;
		}
		if (cb(&r, arg))
			break;
	}
	mdb_cursor_close(cur);
	return rc;
}

int muster_cert_status(const muster_rec *c, uint64_t date)
{
	if (MUSTER_HAS(c, MF_REVOKED) && c->v[MF_REVOKED].u <= date)
		return MUSTER_CS_REVOKED;
	if (c->v[MF_VALID_FROM].u > date)
		return MUSTER_CS_NOT_YET;
	if (MUSTER_HAS(c, MF_VALID_TO) && c->v[MF_VALID_TO].u < date)
		return MUSTER_CS_EXPIRED;
	if (MUSTER_HAS(c, MF_DUE)) {
		uint64_t due = c->v[MF_DUE].u;
		if (due < date)
			return MUSTER_CS_REVIEW_OVERDUE;
		if (muster_date_add(due, -(int64_t)c->v[MF_WINDOW].u) <= date)
			return MUSTER_CS_REVIEW_DUE;
	}
	return MUSTER_CS_VALID;
}

int muster_person_birth(const muster_rec *p, uint64_t *birth, char *sex)
{
	const muster_fv *id = &p->v[MF_PERSON];
	if (!MUSTER_HAS(p, MF_PERSON) || id->n != 18)
		return MUSTER_EINVAL;
	uint64_t b = 0;
	for (int i = 6; i < 14; i++) {
		if (id->p[i] < '0' || id->p[i] > '9')
			return MUSTER_EINVAL;
		b = b * 10 + (uint64_t)(id->p[i] - '0');
	}
	*birth = b;
	*sex = (id->p[16] - '0') % 2 ? 'M' : 'F';
	return muster_date_valid(b) ? 0 : MUSTER_EINVAL;
}

int muster_policy_get(muster_snap *sn, muster_policy *out)
{
	muster_rec r;
	out->exam_days = 30;
	out->target = 300;
	out->threshold = 1000000;
	int rc = muster_row_read(sn->txn, sn->dbi[DB_META], "policy", 6, NULL, &r);
	if (rc == MUSTER_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (MUSTER_HAS(&r, MF_EXAM_DAYS))
		out->exam_days = r.v[MF_EXAM_DAYS].u;
	if (MUSTER_HAS(&r, MF_TARGET))
		out->target = r.v[MF_TARGET].u;
	if (MUSTER_HAS(&r, MF_THRESHOLD))
		out->threshold = r.v[MF_THRESHOLD].u;
	return 0;
}

#define CERTS_MAX 64
#define HRULES_MAX 64

struct certs {
	muster_rec r[CERTS_MAX];
	size_t n;
	/* the health rules, read once per snapshot: hazard -> interval days */
	int hr_loaded, hr_overflow; /* overflow: more rules than fit, look each up */
	uint64_t hr_default;
	size_t nhr;
	struct {
		const char *p;
		size_t n;
		uint64_t days;
	} hr[HRULES_MAX];
};

static struct certs *snap_certs(muster_snap *sn)
{
	if (!sn->certs) {
		sn->certs = malloc(sizeof *sn->certs);
		if (sn->certs)
			sn->certs->hr_loaded = 0, sn->certs->n = 0;
	}
	return sn->certs;
}

static int hrules_load(muster_snap *sn, struct certs *cs)
{
	MDB_cursor *cur;
	MDB_val k, v;
	muster_rec r;
	cs->hr_default = 365;
	cs->nhr = 0;
	cs->hr_overflow = 0;
	int rc = muster_mdb_err(mdb_cursor_open(sn->txn, sn->dbi[DB_HRULE], &cur));
	if (rc)
		return rc;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (row_decode(v.mv_data, v.mv_size, &r) != 0)
			break;
		if (k.mv_size == 7 && memcmp(k.mv_data, "default", 7) == 0)
			cs->hr_default = r.v[MF_INTERVAL].u;
		else if (cs->nhr < HRULES_MAX)
			cs->hr[cs->nhr].p = k.mv_data, cs->hr[cs->nhr].n = k.mv_size, cs->hr[cs->nhr++].days = r.v[MF_INTERVAL].u;
		else
			cs->hr_overflow = 1;
	}
	mdb_cursor_close(cur);
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		return mrc > 0 ? MUSTER_ECORRUPT : muster_mdb_err(mrc);
	cs->hr_loaded = 1;
	return 0;
}

int muster_person_periodic_due(muster_snap *sn, const muster_rec *p, uint64_t *due, uint64_t *interval)
{
	struct certs *cs = snap_certs(sn);
	uint64_t days, last = 0;
	int rc;
	if (!cs)
		return MUSTER_ENOMEM;
	if (!cs->hr_loaded && (rc = hrules_load(sn, cs)) != 0)
		return rc;
	days = cs->hr_default;
	/* The crew default (hazard "default"), then the shortest interval among the post's hazard factors. */
	if (MUSTER_HAS(p, MF_HAZARDS)) {
		/* The list's items as row_decode reads a row: lengths checked, the text was when it was written. */
		const uint8_t *q = (const uint8_t *)p->v[MF_HAZARDS].p, *e = q + p->v[MF_HAZARDS].n;
		int bad = 0;
		for (uint64_t h = 0; h < p->v[MF_HAZARDS].u; h++) {
			uint64_t n = leb(&q, e, &bad);
			if (bad || n > (uint64_t)(e - q))
				break;
			const char *s = (const char *)q;
			q += n;
			MDB_val k = {n, (void *)s}, v;
			muster_rec r;
			if (cs->hr_overflow) {
				if (mdb_get(sn->txn, sn->dbi[DB_HRULE], &k, &v) == 0 && row_decode(v.mv_data, v.mv_size, &r) == 0 &&
					r.v[MF_INTERVAL].u < days)
					days = r.v[MF_INTERVAL].u;
				continue;
			}
			for (size_t i = 0; i < cs->nhr; i++)
				if (cs->hr[i].n == n && memcmp(cs->hr[i].p, s, n) == 0 && cs->hr[i].days < days)
					days = cs->hr[i].days;
		}
	}
	if (MUSTER_HAS(p, MF_PRE_PLACEMENT))
		last = p->v[MF_PRE_PLACEMENT].u;
	if (MUSTER_HAS(p, MF_PERIODIC) && p->v[MF_PERIODIC].u > last)
		last = p->v[MF_PERIODIC].u;
	*due = last ? muster_date_add(last, (int64_t)days) : 0;
	*interval = days;
	return 0;
}

MDB_cursor *muster_snap_cursor(muster_snap *sn, int which, int db)
{
	if (!sn->cur[which] && mdb_cursor_open(sn->txn, sn->dbi[db], &sn->cur[which]) != 0)
		sn->cur[which] = NULL;
	return sn->cur[which];
}

void muster_snap_release(muster_snap *sn)
{
	for (int i = 0; i < SNAP_CURSORS; i++)
		if (sn->cur[i])
			mdb_cursor_close(sn->cur[i]), sn->cur[i] = NULL;
	free(sn->certs);
	sn->certs = NULL;
}

static int certs_of(muster_snap *sn, const muster_fv *id, struct certs *out)
{
	char pre[24];
	MDB_cursor *cur = muster_snap_cursor(sn, SNAP_CERT, DB_CERT);
	out->n = 0;
	if (!cur)
		return MUSTER_EIO;
	memcpy(pre, id->p, id->n);
	pre[id->n] = 0;
	MDB_val k = {id->n + 1, pre}, v;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (mrc == 0 && k.mv_size > id->n + 1 && memcmp(k.mv_data, pre, id->n + 1) == 0 && out->n < CERTS_MAX) {
		if (row_decode(v.mv_data, v.mv_size, &out->r[out->n]) != 0)
			return MUSTER_ECORRUPT;
		out->n++;
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : muster_mdb_err(mrc);
}

static int same_fv(const muster_rec *a, const muster_rec *b, unsigned tag)
{
	return MUSTER_HAS(a, tag) == MUSTER_HAS(b, tag) &&
	       (!MUSTER_HAS(a, tag) || (a->v[tag].n == b->v[tag].n && memcmp(a->v[tag].p, b->v[tag].p, a->v[tag].n) == 0));
}

/* Another certificate of the same kind and item that is good on date (a renewal under a new number). */
static int superseded(const struct certs *cs, size_t i, uint64_t date)
{
	for (size_t j = 0; j < cs->n; j++) {
		if (j == i || !same_fv(&cs->r[i], &cs->r[j], MF_KIND) || !same_fv(&cs->r[i], &cs->r[j], MF_ITEM))
			continue;
		int st = muster_cert_status(&cs->r[j], date);
		if (st == MUSTER_CS_VALID || st == MUSTER_CS_REVIEW_DUE)
			return 1;
		/* For dates ahead: a later period of the same kind replaces this one. */
		if (st == MUSTER_CS_NOT_YET || (MUSTER_HAS(&cs->r[j], MF_VALID_FROM) &&
						       cs->r[j].v[MF_VALID_FROM].u > cs->r[i].v[MF_VALID_FROM].u &&
						       !MUSTER_HAS(&cs->r[j], MF_REVOKED)))
			return 1;
	}
	return 0;
}

static void add(muster_reason *out, size_t *n, int code, const muster_fv *kind, const muster_fv *ref, uint64_t date,
	uint64_t a, uint64_t b)
{
	if (*n >= MUSTER_REASONS_MAX)
		return;
	out[*n] = (muster_reason){code, kind ? kind->p : NULL, ref ? ref->p : NULL, kind ? kind->n : 0, ref ? ref->n : 0,
		date, a, b};
	(*n)++;
}

static int owed_of(muster_snap *sn, const muster_fv *id, void (*each)(void *, const muster_rec *), void *arg)
{
	char pre[24];
	MDB_cursor *cur = muster_snap_cursor(sn, SNAP_OWE, DB_OWE);
	if (!cur)
		return MUSTER_EIO;
	pre[0] = 'p';
	pre[1] = 0;
	memcpy(pre + 2, id->p, id->n);
	pre[id->n + 2] = 0;
	size_t pn = id->n + 3;
	MDB_val k = {pn, pre}, v;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (mrc == 0 && k.mv_size > pn && memcmp(k.mv_data, pre, pn) == 0) {
		muster_rec r;
		if (muster_rec_decode(v.mv_data, v.mv_size, 0, 0, &r, NULL, 0) != 0)
			return MUSTER_ECORRUPT;
		each(arg, &r);
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : muster_mdb_err(mrc);
}

struct owed_reasons {
	muster_reason *out;
	size_t *n;
};

static void owed_reason(void *arg, const muster_rec *r)
{
	struct owed_reasons *o = arg;
	add(o->out, o->n, MUSTER_R_EMERGENCY_OWED, NULL, &r->v[MF_DEPLOYMENT], r->v[MF_DUE].u, 0, 0);
}

static int holds(const struct certs *cs, const char *need, uint64_t date)
{
	size_t n = strlen(need);
	for (size_t i = 0; i < cs->n; i++) {
		const muster_fv *k = &cs->r[i].v[MF_KIND];
		int st = muster_cert_status(&cs->r[i], date);
		if (k->n == n && memcmp(k->p, need, n) == 0 && (st == MUSTER_CS_VALID || st == MUSTER_CS_REVIEW_DUE))
			return 1;
	}
	return 0;
}

int muster_person_ready(muster_snap *sn, const muster_rec *p, uint64_t date, const muster_needs *needs,
	muster_reason *out, size_t *nr, size_t *blocks)
{
	uint64_t due, interval;
	return muster_person_ready_due(sn, p, date, needs, out, nr, blocks, &due, &interval);
}

int muster_person_ready_due(muster_snap *sn, const muster_rec *p, uint64_t date, const muster_needs *needs,
	muster_reason *out, size_t *nr, size_t *blocks, uint64_t *due_out, uint64_t *interval_out)
{
	struct certs *cs = snap_certs(sn);
	size_t n = 0;
	int rc;
	if (!cs)
		return MUSTER_ENOMEM;
	const muster_fv *id = &p->v[MF_PERSON];
	uint64_t st = p->v[MF_STATUS].u;
	if (st == MUSTER_P_LEFT && p->v[MF_LEFT].u <= date)
		add(out, &n, MUSTER_R_LEFT, NULL, NULL, p->v[MF_LEFT].u, 0, 0);
	if (st == MUSTER_P_SUSPENDED)
		add(out, &n, MUSTER_R_SUSPENDED, NULL, NULL, 0, 0, 0);
	if ((rc = certs_of(sn, id, cs)) != 0)
		return rc;
	for (size_t i = 0; i < cs->n; i++) {
		const muster_rec *c = &cs->r[i];
		const muster_fv *kind = &c->v[MF_KIND], *num = &c->v[MF_NUMBER];
		switch (muster_cert_status(c, date)) {
		case MUSTER_CS_EXPIRED:
			if (!superseded(cs, i, date))
				add(out, &n, MUSTER_R_CERT_EXPIRED, kind, num, c->v[MF_VALID_TO].u, 0, 0);
			break;
		case MUSTER_CS_REVIEW_OVERDUE:
			if (!superseded(cs, i, date))
				add(out, &n, MUSTER_R_CERT_REVIEW_OVERDUE, kind, num, c->v[MF_DUE].u, 0, 0);
			break;
		case MUSTER_CS_REVOKED:
			if (!superseded(cs, i, date))
				add(out, &n, MUSTER_R_CERT_REVOKED, kind, num, c->v[MF_REVOKED].u, 0, 0);
			break;
		case MUSTER_CS_REVIEW_DUE:
			add(out, &n, MUSTER_W_CERT_REVIEW_DUE, kind, num, c->v[MF_DUE].u, 0, 0);
			break;
		case MUSTER_CS_VALID:
			if (MUSTER_HAS(c, MF_VALID_TO) && muster_date_add(c->v[MF_VALID_TO].u, -60) <= date &&
				!superseded(cs, i, muster_date_add(c->v[MF_VALID_TO].u, 1)))
				add(out, &n, MUSTER_W_CERT_EXPIRING, kind, num, c->v[MF_VALID_TO].u, 0, 0);
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; needs && i < needs->n; i++) {
		const char *need = needs->kinds[i];
		if (strcmp(need, "special") == 0) {
			if (!MUSTER_HAS(p, MF_SPECIAL))
				add(out, &n, MUSTER_R_NEEDS_SPECIAL, NULL, NULL, 0, 0, 0);
		} else if (!holds(cs, need, date)) {
			muster_fv k = {0, need, strlen(need)};
			add(out, &n, MUSTER_R_NEEDS, &k, NULL, 0, 0, 0);
		}
	}
	uint64_t due, interval;
	if ((rc = muster_person_periodic_due(sn, p, &due, &interval)) != 0)
		return rc;
	if (!due)
		add(out, &n, MUSTER_R_NO_EXAM, NULL, NULL, 0, 0, 0);
	else if (date > due)
		add(out, &n, MUSTER_R_EXAM_OVERDUE, NULL, NULL, due, interval, 0);
	if (MUSTER_HAS(p, MF_CONCLUSION)) {
		uint64_t when = p->v[MF_EXAM_DATE].u;
		switch (p->v[MF_CONCLUSION].u) {
		case MUSTER_C_CONTRA:
			add(out, &n, MUSTER_R_CONTRA, NULL, &p->v[MF_CONTRA], when, 0, 0);
			break;
		case MUSTER_C_SUSPECTED:
			add(out, &n, MUSTER_R_SUSPECTED, NULL, NULL, when, 0, 0);
			break;
		case MUSTER_C_RECHECK:
			add(out, &n, date > p->v[MF_DUE].u ? MUSTER_R_RECHECK_OVERDUE : MUSTER_W_RECHECK, NULL, NULL,
				p->v[MF_DUE].u, 0, 0);
			break;
		}
	}
	struct owed_reasons o = {out, &n};
	if ((rc = owed_of(sn, id, owed_reason, &o)) != 0)
		return rc;
	uint64_t birth;
	char sex;
	unsigned limit = muster_position_age_limit((unsigned)p->v[MF_POSITION].u);
	if (limit && muster_person_birth(p, &birth, &sex) == 0) {
		uint64_t age = (date - birth) / 10000; /* YYYYMMDD arithmetic gives whole years */
		if (age > limit)
			add(out, &n, MUSTER_W_AGE, NULL, NULL, 0, age, limit);
	}
	size_t b = 0;
	for (size_t i = 0; i < n; i++)
		b += MUSTER_REASON_BLOCKS(out[i].code);
	*nr = n;
	*blocks = b;
	*due_out = due;
	*interval_out = interval;
	return 0;
}

static const char *const reason_codes[] = {
	[MUSTER_R_LEFT] = "left",
	[MUSTER_R_SUSPENDED] = "suspended",
	[MUSTER_R_CERT_EXPIRED] = "cert_expired",
	[MUSTER_R_CERT_REVIEW_OVERDUE] = "cert_review_overdue",
	[MUSTER_R_CERT_REVOKED] = "cert_revoked",
	[MUSTER_R_NEEDS] = "needs",
	[MUSTER_R_NEEDS_SPECIAL] = "needs_special",
	[MUSTER_R_NO_EXAM] = "no_exam",
	[MUSTER_R_EXAM_OVERDUE] = "exam_overdue",
	[MUSTER_R_CONTRA] = "contraindication",
	[MUSTER_R_SUSPECTED] = "suspected_disease",
	[MUSTER_R_RECHECK_OVERDUE] = "recheck_overdue",
	[MUSTER_R_EMERGENCY_OWED] = "emergency_exam_owed",
	[MUSTER_W_AGE] = "age",
	[MUSTER_W_CERT_REVIEW_DUE] = "cert_review_due",
	[MUSTER_W_CERT_EXPIRING] = "cert_expiring",
	[MUSTER_W_RECHECK] = "recheck_pending",
};

const char *muster_reason_code(int code)
{
	if (code < 0 || (size_t)code >= sizeof reason_codes / sizeof reason_codes[0] || !reason_codes[code])
		return "unknown";
	return reason_codes[code];
}

const char *muster_due_code(int code)
{
	static const char *const names[] = {NULL, "cert_expiry", "cert_review", "periodic_exam", "recheck",
		"emergency_exam", "exit_exam"};
	return code >= 1 && code <= MUSTER_D_EXIT ? names[code] : "unknown";
}

struct owed_dues {
	muster_due_item *out;
	size_t *n;
	uint64_t until;
};

static void due_add(muster_due_item *out, size_t *n, int code, const muster_fv *kind, const muster_fv *ref, uint64_t due)
{
	if (*n >= MUSTER_DUE_MAX)
		return;
	out[*n] = (muster_due_item){code, kind ? kind->p : NULL, ref ? ref->p : NULL, kind ? kind->n : 0,
		ref ? ref->n : 0, due};
	(*n)++;
}

static void owed_due(void *arg, const muster_rec *r)
{
	struct owed_dues *o = arg;
	if (r->v[MF_DUE].u <= o->until)
		due_add(o->out, o->n, MUSTER_D_EMERGENCY, NULL, &r->v[MF_DEPLOYMENT], r->v[MF_DUE].u);
}

int muster_person_due(muster_snap *sn, const muster_rec *p, uint64_t until, muster_due_item *out, size_t *nout)
{
	struct certs *cs = snap_certs(sn);
	size_t n = 0;
	int rc;
	if (!cs)
		return MUSTER_ENOMEM;
	const muster_fv *id = &p->v[MF_PERSON];
	if (p->v[MF_STATUS].u == MUSTER_P_LEFT) {
		/* A leaver owes an exit exam, unless a periodic exam falls within the 90 days before leaving. */
		uint64_t left = p->v[MF_LEFT].u, per = MUSTER_HAS(p, MF_PERIODIC) ? p->v[MF_PERIODIC].u : 0;
		int done = (MUSTER_HAS(p, MF_EXIT) && p->v[MF_EXIT].u >= muster_date_add(left, -90)) ||
			   (per && per >= muster_date_add(left, -90));
		if (!done && left <= until)
			due_add(out, &n, MUSTER_D_EXIT, NULL, NULL, left);
		*nout = n;
		return 0;
	}
	if ((rc = certs_of(sn, id, cs)) != 0)
		return rc;
	for (size_t i = 0; i < cs->n; i++) {
		const muster_rec *c = &cs->r[i];
		if (MUSTER_HAS(c, MF_REVOKED) || superseded(cs, i, until))
			continue;
		/* A certificate that runs out needs renewing, which replaces its review. */
		if (MUSTER_HAS(c, MF_VALID_TO) && c->v[MF_VALID_TO].u <= until)
			due_add(out, &n, MUSTER_D_CERT_EXPIRY, &c->v[MF_KIND], &c->v[MF_NUMBER], c->v[MF_VALID_TO].u);
		else if (MUSTER_HAS(c, MF_DUE) && c->v[MF_DUE].u <= until)
			due_add(out, &n, MUSTER_D_CERT_REVIEW, &c->v[MF_KIND], &c->v[MF_NUMBER], c->v[MF_DUE].u);
	}
	uint64_t due, interval;
	if ((rc = muster_person_periodic_due(sn, p, &due, &interval)) != 0)
		return rc;
	if (!due)
		due = p->v[MF_HIRED].u;
	if (due <= until)
		due_add(out, &n, MUSTER_D_PERIODIC, NULL, NULL, due);
	if (MUSTER_HAS(p, MF_CONCLUSION) && p->v[MF_CONCLUSION].u == MUSTER_C_RECHECK && p->v[MF_DUE].u <= until)
		due_add(out, &n, MUSTER_D_RECHECK, NULL, NULL, p->v[MF_DUE].u);
	struct owed_dues o = {out, &n, until};
	if ((rc = owed_of(sn, id, owed_due, &o)) != 0)
		return rc;
	*nout = n;
	return 0;
}

int muster_people_each(muster_snap *sn, const char *team, muster_person_cb cb, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	char pre[40];
	size_t pn = 0;
	int rc, mrc;
	if (team) {
		pn = strlen(team);
		if (pn == 0 || pn > 32)
			return MUSTER_EINVAL;
		memcpy(pre, team, pn);
		pre[pn++] = 0;
	}
	if ((rc = muster_mdb_err(mdb_cursor_open(sn->txn, sn->dbi[team ? DB_ROSTER : DB_PERSON], &cur))) != 0)
		return rc;
	k.mv_size = pn, k.mv_data = pre;
	mrc = mdb_cursor_get(cur, &k, &v, team ? MDB_SET_RANGE : MDB_FIRST);
	for (; mrc == 0 && rc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		muster_rec p;
		if (team) {
			if (k.mv_size <= pn || memcmp(k.mv_data, pre, pn) != 0)
				break;
			MDB_val pk = {k.mv_size - pn, (char *)k.mv_data + pn};
			if ((mrc = mdb_get(sn->txn, sn->dbi[DB_PERSON], &pk, &v)) != 0)
				break;
		}
		if ((rc = row_decode(v.mv_data, v.mv_size, &p)) == 0)
			rc = cb(&p, arg);
	}
	mdb_cursor_close(cur);
	if (rc)
		return rc;
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : muster_mdb_err(mrc);
}
