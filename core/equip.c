/*
 * equip.c - the rules of the equipment events and the projections they
 * make: teams, depots, assets and their custody state machine, inspection
 * rules and records, physical inventory counts.
 *
 * Everything here runs inside the write transaction of the append (and
 * again, entry by entry, in reindex), so it may only depend on the entry
 * and the projections: "today" is the entry's claimed time in Shanghai.
 * A rule that fails returns MUSTER_ESTATE, EEXIST or ENOTFOUND with a
 * sentence in why naming the asset and its current state.
 */
#include "internal.h"
#include "equip_int.h"

#include <inttypes.h>
#include <stdio.h>

int muster_row_read(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, muster_buf *copy, muster_rec *r)
{
	MDB_val k = {klen, (void *)key}, v;
	int rc = muster_mdb_err(mdb_get(txn, dbi, &k, &v));
	if (rc)
		return rc;
	const uint8_t *p = v.mv_data;
	if (copy) {
		muster_buf_reset(copy);
		muster_buf_put(copy, v.mv_data, v.mv_size);
		if (copy->err)
			return copy->err;
		p = copy->data;
	}
	return muster_rec_decode(p, v.mv_size, 0, 0, r, NULL, 0);
}

int rule_get(struct ctx *c, int db, const void *key, size_t klen, int slot, muster_rec *r)
{
	return muster_row_read(c->txn, c->dbi[db], key, klen, &c->row[slot], r);
}

int rule_put_raw(struct ctx *c, int db, const void *key, size_t klen, const void *val, size_t vlen)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	return muster_mdb_err(mdb_put(c->txn, c->dbi[db], &k, &v, 0));
}

int rule_put(struct ctx *c, int db, const void *key, size_t klen, const muster_rec *r)
{
	muster_buf_reset(&c->out);
	muster_rec_encode(&c->out, r);
	return c->out.err ? c->out.err : rule_put_raw(c, db, key, klen, c->out.data, c->out.len);
}

int rule_del(struct ctx *c, int db, const void *key, size_t klen)
{
	MDB_val k = {klen, (void *)key};
	int rc = mdb_del(c->txn, c->dbi[db], &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : muster_mdb_err(rc);
}

/* key = a 0x00 b, in buf (at most 2 x 256 bytes + 1) */
size_t rule_key2(char *buf, const muster_fv *a, const char *b, size_t bn)
{
	memcpy(buf, a->p, a->n);
	buf[a->n] = 0;
	memcpy(buf + a->n + 1, b, bn);
	return a->n + 1 + bn;
}

/* Codes and ids: ASCII letters, digits, '-', '_' and '.', not starting with '-'. */
int rule_code_ok(const muster_fv *v)
{
	if (v->n == 0 || v->p[0] == '-')
		return 0;
	for (size_t i = 0; i < v->n; i++) {
		char ch = v->p[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
			    ch == '_' || ch == '.'))
			return 0;
	}
	return 1;
}


int rule_hist(struct ctx *c, const muster_fv *id)
{
	uint8_t v[8];
	be64_put(v, c->e->index);
	return rule_put_raw(c, DB_HIST, id->p, id->n, v, sizeof v);
}

static int site_url(struct ctx *c)
{
	const muster_fv *u = V(MF_URL);
	uint8_t k[4 + 8] = {'u', 'r', 'l', '/'};
	int rc;
	if (!muster_url_valid(u->p, u->n)) {
		SAY("base URL '%.*s' must start with https:// or http://, hold no spaces and not end in '/'", PS(u));
		return MUSTER_ESTATE;
	}
	be64_put(k + 4, c->e->index);
	if ((rc = rule_put_raw(c, DB_META, "base_url", 8, u->p, u->n)) != 0)
		return rc;
	return rule_put_raw(c, DB_META, k, sizeof k, u->p, u->n);
}

static int team_add(struct ctx *c)
{
	const muster_fv *code = V(MF_TEAM), *prov = V(MF_PROVINCE), *cc = V(MF_HOST_CODE);
	muster_rec old;
	const char *why = NULL;
	char p6[7];
	int rc;
	if (!rule_code_ok(code)) {
		SAY("team code '%.*s' may hold only letters, digits, '-', '_' and '.'", PS(code));
		return MUSTER_ESTATE;
	}
	if ((rc = rule_get(c, DB_TEAM, code->p, code->n, 0, &old)) != MUSTER_ENOTFOUND) {
		if (rc == 0)
			SAY("team %.*s already exists (%.*s)", PS(code), PS(&old.v[MF_NAME]));
		return rc ? rc : MUSTER_EEXIST;
	}
	memcpy(p6, prov->p, prov->n);
	p6[prov->n] = 0;
	if (muster_division_check(prov->p, prov->n, &why) != 0 || !muster_province_name(p6)) {
		SAY("province '%.*s' is not a GB/T 2260 province code such as 140000 (%s)", PS(prov),
			why ? why : "not a province");
		return MUSTER_ESTATE;
	}
	if (muster_credit_code_check(cc->p, cc->n, &why) != 0 && !MUSTER_HAS(&c->ev, MF_OVERRIDE)) {
		SAY("host credit code '%.*s' fails GB 32100: %s; if it is a real legacy code, give --override REASON",
			PS(cc), why ? why : "invalid");
		return MUSTER_ESTATE;
	}
	muster_rec r = c->ev;
	muster_rec_uint(&r, MF_REGISTERED, c->e->index);
	return rule_put(c, DB_TEAM, code->p, code->n, &r);
}

static int depot_add(struct ctx *c)
{
	const muster_fv *code = V(MF_DEPOT), *team = V(MF_TEAM);
	muster_rec t, old;
	int rc;
	if (!rule_code_ok(code)) {
		SAY("depot code '%.*s' may hold only letters, digits, '-', '_' and '.'", PS(code));
		return MUSTER_ESTATE;
	}
	if ((rc = rule_get(c, DB_TEAM, team->p, team->n, 0, &t)) != 0) {
		if (rc == MUSTER_ENOTFOUND)
			SAY("team %.*s is not registered: add it with 'muster team add' first", PS(team));
		return rc;
	}
	if ((rc = rule_get(c, DB_DEPOT, code->p, code->n, 1, &old)) != MUSTER_ENOTFOUND) {
		if (rc == 0)
			SAY("depot %.*s already exists (team %.*s)", PS(code), PS(&old.v[MF_TEAM]));
		return rc ? rc : MUSTER_EEXIST;
	}
	muster_rec r = c->ev;
	muster_rec_uint(&r, MF_REGISTERED, c->e->index);
	return rule_put(c, DB_DEPOT, code->p, code->n, &r);
}

/* The depot exists and belongs to team (team may be absent: then depot's team is returned in *team). */
static int depot_of(struct ctx *c, const muster_fv *depot, muster_fv *team, int slot)
{
	muster_rec d;
	int rc = rule_get(c, DB_DEPOT, depot->p, depot->n, slot, &d);
	if (rc) {
		if (rc == MUSTER_ENOTFOUND)
			SAY("depot %.*s is not registered: add it with 'muster depot add' first", PS(depot));
		return rc;
	}
	const muster_fv *dt = &d.v[MF_TEAM];
	if (team->n && (team->n != dt->n || memcmp(team->p, dt->p, dt->n) != 0)) {
		SAY("depot %.*s belongs to team %.*s, not %.*s", PS(depot), PS(dt), PS(team));
		return MUSTER_ESTATE;
	}
	*team = *dt;
	return 0;
}

int rule_team_exists(struct ctx *c, const muster_fv *team)
{
	muster_rec t;
	int rc = rule_get(c, DB_TEAM, team->p, team->n, 2, &t);
	if (rc == MUSTER_ENOTFOUND)
		SAY("team %.*s is not registered: add it with 'muster team add' first", PS(team));
	return rc;
}

/* Rules every asset description obeys, at registration and after a correction. */
static int asset_desc_check(struct ctx *c, const muster_rec *a)
{
	const muster_fv *id = &a->v[MF_ID], *cat = &a->v[MF_CATEGORY];
	const char *why = NULL;
	if (muster_category_check(cat->p, cat->n, NULL, &why) != 0) {
		SAY("asset %.*s: category '%.*s' is not a GB/T 38565 code (7 digits, 1+2+2+2, e.g. 2030101): %s",
			PS(id), PS(cat), why ? why : "invalid");
		return MUSTER_ESTATE;
	}
	if (MUSTER_HAS(a, MF_ACQUIRED) && a->v[MF_ACQUIRED].u > c->today) {
		SAY("asset %.*s: acquisition date is in the future", PS(id));
		return MUSTER_ESTATE;
	}
	if (MUSTER_HAS(a, MF_CUSTODY_FROM) && MUSTER_HAS(a, MF_CUSTODY_TO) &&
		a->v[MF_CUSTODY_TO].u < a->v[MF_CUSTODY_FROM].u) {
		SAY("asset %.*s: custody period ends before it begins", PS(id));
		return MUSTER_ESTATE;
	}
	if (a->v[MF_FUNDING].u == 0) { /* 国投 */
		if (!MUSTER_HAS(a, MF_TEAM)) {
			SAY("asset %.*s is national investment (国投): it needs a custodian team (--team)", PS(id));
			return MUSTER_ESTATE;
		}
		if (!MUSTER_HAS(a, MF_CUSTODY_FROM) || a->v[MF_CUSTODY_FROM].u > c->today ||
			(MUSTER_HAS(a, MF_CUSTODY_TO) && a->v[MF_CUSTODY_TO].u < c->today)) {
			SAY("asset %.*s is national investment (国投): it needs an open custody period "
			    "(--custody-from on or before today, --custody-to absent or not past)",
				PS(id));
			return MUSTER_ESTATE;
		}
		if (MUSTER_HAS(a, MF_EXTERNAL)) {
			SAY("asset %.*s: national investment equipment is not outside equipment", PS(id));
			return MUSTER_ESTATE;
		}
	}
	return 0;
}

/* Claims model+serial for id; refuses a serial another asset of the model holds. */
static int serial_claim(struct ctx *c, const muster_rec *a)
{
	if (!MUSTER_HAS(a, MF_SERIAL))
		return 0;
	char k[600];
	const muster_fv *id = &a->v[MF_ID], *sn = &a->v[MF_SERIAL];
	size_t kn = rule_key2(k, &a->v[MF_MODEL], sn->p, sn->n);
	MDB_val key = {kn, k}, v;
	int rc = mdb_get(c->txn, c->dbi[DB_SERIAL], &key, &v);
	if (rc == 0) {
		if (v.mv_size == id->n && memcmp(v.mv_data, id->p, id->n) == 0)
			return 0;
		SAY("serial %.*s of model %.*s is already asset %.*s", PS(sn), PS(&a->v[MF_MODEL]), (int)v.mv_size,
			(const char *)v.mv_data);
		return MUSTER_EEXIST;
	}
	if (rc != MDB_NOTFOUND)
		return muster_mdb_err(rc);
	return rule_put_raw(c, DB_SERIAL, k, kn, id->p, id->n);
}

static int serial_release(struct ctx *c, const muster_rec *a)
{
	if (!MUSTER_HAS(a, MF_SERIAL))
		return 0;
	char k[600];
	size_t kn = rule_key2(k, &a->v[MF_MODEL], a->v[MF_SERIAL].p, a->v[MF_SERIAL].n);
	return rule_del(c, DB_SERIAL, k, kn);
}

static int asset_add(struct ctx *c)
{
	const muster_fv *id = V(MF_ID);
	muster_rec a = c->ev, old;
	int rc;
	if (!rule_code_ok(id)) {
		SAY("asset id '%.*s' may hold only letters, digits, '-', '_' and '.'", PS(id));
		return MUSTER_ESTATE;
	}
	if ((rc = rule_get(c, DB_ASSET, id->p, id->n, 0, &old)) != MUSTER_ENOTFOUND) {
		if (rc == 0)
			SAY("asset %.*s already exists (%.*s)", PS(id), PS(&old.v[MF_TYPE]));
		return rc ? rc : MUSTER_EEXIST;
	}
	muster_fv team = MUSTER_HAS(&a, MF_TEAM) ? a.v[MF_TEAM] : (muster_fv){0, "", 0};
	if (team.n && (rc = rule_team_exists(c, &team)) != 0)
		return rc;
	if (MUSTER_HAS(&a, MF_DEPOT)) {
		if ((rc = depot_of(c, &a.v[MF_DEPOT], &team, 1)) != 0)
			return rc;
		muster_rec_text(&a, MF_TEAM, team.p, team.n);
	}
	if ((rc = asset_desc_check(c, &a)) != 0)
		return rc;
	if (MUSTER_HAS(&a, MF_EXTERNAL)) {
		if (!MUSTER_HAS(&a, MF_OWNER)) {
			SAY("asset %.*s is outside equipment: give its owner (--owner)", PS(id));
			return MUSTER_ESTATE;
		}
		muster_rec_uint(&a, MF_STATE, MUSTER_S_RELEASED);
	} else {
		if (!MUSTER_HAS(&a, MF_DEPOT)) {
			SAY("asset %.*s needs the depot that keeps it (--depot)", PS(id));
			return MUSTER_ESTATE;
		}
		muster_rec_uint(&a, MF_STATE, MUSTER_S_IN_DEPOT);
	}
	if ((rc = serial_claim(c, &a)) != 0)
		return rc;
	muster_rec_uint(&a, MF_LABEL, 1);
	muster_rec_uint(&a, MF_REGISTERED, c->e->index);
	muster_rec_uint(&a, MF_SINCE, c->e->index);
	muster_rec_uint(&a, MF_LAST, c->e->index);
	if ((rc = rule_put(c, DB_ASSET, id->p, id->n, &a)) != 0)
		return rc;
	return rule_hist(c, id);
}

static int asset_load(struct ctx *c, muster_rec *a)
{
	const muster_fv *id = V(MF_ID);
	int rc = rule_get(c, DB_ASSET, id->p, id->n, 0, a);
	if (rc == MUSTER_ENOTFOUND)
		SAY("asset %.*s is not registered", PS(id));
	return rc;
}

static int asset_store(struct ctx *c, muster_rec *a)
{
	const muster_fv *id = V(MF_ID);
	muster_rec_uint(a, MF_LAST, c->e->index);
	int rc = rule_put(c, DB_ASSET, id->p, id->n, a);
	return rc ? rc : rule_hist(c, id);
}

static const char *state_name(uint64_t s)
{
	return muster_asset_states[s <= MUSTER_S_SCRAPPED ? s : 0];
}

/* "asset X is checked out (借出) to 张三 for drill since entry 12" */
static void say_state(struct ctx *c, const muster_rec *a, const char *action, const char *need)
{
	const muster_fv *id = &a->v[MF_ID];
	uint64_t s = a->v[MF_STATE].u;
	char detail[300] = "";
	if (s == MUSTER_S_CHECKED_OUT && MUSTER_HAS(a, MF_HOLDER))
		snprintf(detail, sizeof detail, " to %.*s", PS(&a->v[MF_HOLDER]));
	else if (s == MUSTER_S_IN_REPAIR && MUSTER_HAS(a, MF_VENDOR))
		snprintf(detail, sizeof detail, " at %.*s", PS(&a->v[MF_VENDOR]));
	else if (s == MUSTER_S_TRANSFER_PENDING && MUSTER_HAS(a, MF_TO_TEAM))
		snprintf(detail, sizeof detail, " to team %.*s", PS(&a->v[MF_TO_TEAM]));
	SAY("asset %.*s is %s (%s)%s since entry %" PRIu64 "; %s needs it %s", PS(id), state_name(s),
		muster_asset_states_zh[s <= MUSTER_S_SCRAPPED ? s : 0], detail, a->v[MF_SINCE].u, action, need);
}

/* Clears what belonged to the state being left. */
static void state_set(struct ctx *c, muster_rec *a, uint64_t s)
{
	static const unsigned transient[] = {MF_HOLDER, MF_PURPOSE, MF_DEPLOYMENT, MF_DUE, MF_VENDOR, MF_TO_TEAM,
		MF_TO_DEPOT, MF_REF, MF_SIGNER, MF_ORDER, MF_NOTES, MF_REASON};
	for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++)
		muster_rec_del(a, transient[i]);
	muster_rec_uint(a, MF_STATE, s);
	muster_rec_uint(a, MF_SINCE, c->e->index);
	muster_rec_uint(a, MF_REF, c->e->index);
}

static void copy_field(muster_rec *to, const muster_rec *from, unsigned tag)
{
	if (MUSTER_HAS(from, tag)) {
		to->has |= MUSTER_BIT(tag);
		to->v[tag] = from->v[tag];
	}
}

static int custody(struct ctx *c)
{
	muster_rec a;
	int rc = asset_load(c, &a);
	if (rc)
		return rc;
	uint64_t s = a.v[MF_STATE].u, type = c->e->type;
	const char *action = muster_event_name(type);
	if (s == MUSTER_S_SCRAPPED) {
		say_state(c, &a, action, "not scrapped: scrapping is final");
		return MUSTER_ESTATE;
	}
	if (MUSTER_HAS(&c->ev, MF_DATE) && V(MF_DATE)->u > c->today) {
		SAY("asset %.*s: the date of %s is in the future", PS(&a.v[MF_ID]), action);
		return MUSTER_ESTATE;
	}
	switch (type) {
	case MUSTER_EV_CHECKOUT:
		if (s != MUSTER_S_IN_DEPOT) {
			say_state(c, &a, action, "in depot");
			return MUSTER_ESTATE;
		}
		if (c->ev.v[MF_PURPOSE].u == 0 && !MUSTER_HAS(&c->ev, MF_DEPLOYMENT)) {
			SAY("asset %.*s: a checkout for a mission needs the deployment id (--deployment)", PS(&a.v[MF_ID]));
			return MUSTER_ESTATE;
		}
		if (MUSTER_HAS(&c->ev, MF_DEPLOYMENT) && (rc = rule_deploy_asset(c, &a.v[MF_ID])) != 0)
			return rc;
		state_set(c, &a, MUSTER_S_CHECKED_OUT);
		copy_field(&a, &c->ev, MF_HOLDER);
		copy_field(&a, &c->ev, MF_PURPOSE);
		copy_field(&a, &c->ev, MF_DEPLOYMENT);
		copy_field(&a, &c->ev, MF_DUE);
		break;
	case MUSTER_EV_RETURN:
		if (s != MUSTER_S_CHECKED_OUT) {
			say_state(c, &a, action, "checked out");
			return MUSTER_ESTATE;
		}
		state_set(c, &a, MUSTER_S_IN_DEPOT);
		break;
	case MUSTER_EV_REPAIR_OUT:
		if (s != MUSTER_S_IN_DEPOT) {
			say_state(c, &a, action, "in depot");
			return MUSTER_ESTATE;
		}
		state_set(c, &a, MUSTER_S_IN_REPAIR);
		copy_field(&a, &c->ev, MF_VENDOR);
		copy_field(&a, &c->ev, MF_DUE);
		break;
	case MUSTER_EV_REPAIR_BACK:
		if (s != MUSTER_S_IN_REPAIR) {
			say_state(c, &a, action, "in repair");
			return MUSTER_ESTATE;
		}
		state_set(c, &a, MUSTER_S_IN_DEPOT);
		break;
	case MUSTER_EV_HANDOVER: {
		const muster_fv *to = V(MF_TO_TEAM), *cur = &a.v[MF_TEAM];
		if (s != MUSTER_S_IN_DEPOT) {
			say_state(c, &a, action, "in depot");
			return MUSTER_ESTATE;
		}
		if ((rc = rule_team_exists(c, to)) != 0)
			return rc;
		if (to->n == cur->n && memcmp(to->p, cur->p, to->n) == 0) {
			SAY("asset %.*s is already in the custody of team %.*s", PS(&a.v[MF_ID]), PS(to));
			return MUSTER_ESTATE;
		}
		if (MUSTER_HAS(&c->ev, MF_TO_DEPOT)) {
			muster_fv t = *to;
			if ((rc = depot_of(c, V(MF_TO_DEPOT), &t, 1)) != 0)
				return rc;
		}
		uint8_t kid[MUSTER_KEYID_BYTES];
		muster_key_id(c->e->signer, kid);
		state_set(c, &a, MUSTER_S_TRANSFER_PENDING);
		copy_field(&a, &c->ev, MF_TO_TEAM);
		copy_field(&a, &c->ev, MF_TO_DEPOT);
		muster_rec_text(&a, MF_SIGNER, (const char *)kid, sizeof kid);
		/* The row is encoded before kid goes out of scope. */
		return asset_store(c, &a);
	}
	case MUSTER_EV_ACCEPT: {
		uint8_t kid[MUSTER_KEYID_BYTES];
		if (s != MUSTER_S_TRANSFER_PENDING) {
			say_state(c, &a, action, "handed over (transfer pending)");
			return MUSTER_ESTATE;
		}
		muster_key_id(c->e->signer, kid);
		if (MUSTER_HAS(&a, MF_SIGNER) && a.v[MF_SIGNER].n == sizeof kid &&
			memcmp(a.v[MF_SIGNER].p, kid, sizeof kid) == 0) {
			SAY("asset %.*s was handed over by this same key: the receiving team's keeper must accept it",
				PS(&a.v[MF_ID]));
			return MUSTER_EPERM;
		}
		muster_fv to = a.v[MF_TO_TEAM];
		const muster_fv *depot = MUSTER_HAS(&c->ev, MF_DEPOT) ? V(MF_DEPOT) :
					 MUSTER_HAS(&a, MF_TO_DEPOT) ? &a.v[MF_TO_DEPOT] : NULL;
		if (!depot) {
			SAY("asset %.*s: give the receiving depot of team %.*s (--depot)", PS(&a.v[MF_ID]), PS(&to));
			return MUSTER_ESTATE;
		}
		muster_fv d = *depot;
		if ((rc = depot_of(c, &d, &to, 1)) != 0)
			return rc;
		state_set(c, &a, MUSTER_S_IN_DEPOT);
		muster_rec_text(&a, MF_TEAM, to.p, to.n);
		muster_rec_text(&a, MF_DEPOT, d.p, d.n);
		break;
	}
	case MUSTER_EV_CANCEL:
		if (s != MUSTER_S_TRANSFER_PENDING) {
			say_state(c, &a, action, "handed over (transfer pending)");
			return MUSTER_ESTATE;
		}
		state_set(c, &a, MUSTER_S_IN_DEPOT);
		break;
	case MUSTER_EV_REQUISITION:
		if (!MUSTER_HAS(&a, MF_EXTERNAL)) {
			SAY("asset %.*s is our own equipment; requisition (征用) is for outside equipment registered with "
			    "--external",
				PS(&a.v[MF_ID]));
			return MUSTER_ESTATE;
		}
		if (s != MUSTER_S_RELEASED) {
			say_state(c, &a, action, "with its owner (released)");
			return MUSTER_ESTATE;
		}
		if (MUSTER_HAS(&c->ev, MF_DEPLOYMENT) && (rc = rule_deploy_asset(c, &a.v[MF_ID])) != 0)
			return rc;
		state_set(c, &a, MUSTER_S_REQUISITIONED);
		copy_field(&a, &c->ev, MF_ORDER);
		copy_field(&a, &c->ev, MF_PURPOSE);
		copy_field(&a, &c->ev, MF_DEPLOYMENT);
		break;
	case MUSTER_EV_RELEASE:
		if (s != MUSTER_S_REQUISITIONED) {
			say_state(c, &a, action, "requisitioned");
			return MUSTER_ESTATE;
		}
		state_set(c, &a, MUSTER_S_RELEASED);
		break;
	case MUSTER_EV_SCRAP:
		if (MUSTER_HAS(&a, MF_EXTERNAL)) {
			SAY("asset %.*s is outside equipment: only its owner can scrap it", PS(&a.v[MF_ID]));
			return MUSTER_ESTATE;
		}
		if (s != MUSTER_S_IN_DEPOT && s != MUSTER_S_IN_REPAIR) {
			say_state(c, &a, action, "in depot or in repair");
			return MUSTER_ESTATE;
		}
		state_set(c, &a, MUSTER_S_SCRAPPED);
		copy_field(&a, &c->ev, MF_REASON);
		break;
	default:
		return MUSTER_EINVAL;
	}
	copy_field(&a, &c->ev, MF_NOTES);
	return asset_store(c, &a);
}

static int asset_update(struct ctx *c)
{
	muster_rec a, before;
	int rc = asset_load(c, &a);
	if (rc)
		return rc;
	if (a.v[MF_STATE].u == MUSTER_S_SCRAPPED) {
		say_state(c, &a, "asset.update", "not scrapped");
		return MUSTER_ESTATE;
	}
	before = a;
	for (unsigned tag = 1; tag < MUSTER_FIELDS_MAX; tag++)
		if (tag != MF_ID && tag != MF_REASON)
			copy_field(&a, &c->ev, tag);
	if ((rc = asset_desc_check(c, &a)) != 0)
		return rc;
	if (MUSTER_HAS(&c->ev, MF_MODEL) || MUSTER_HAS(&c->ev, MF_SERIAL)) {
		if ((rc = serial_release(c, &before)) != 0 || (rc = serial_claim(c, &a)) != 0)
			return rc;
	}
	return asset_store(c, &a);
}

static int asset_relabel(struct ctx *c)
{
	muster_rec a;
	int rc = asset_load(c, &a);
	if (rc)
		return rc;
	if (a.v[MF_STATE].u == MUSTER_S_SCRAPPED) {
		say_state(c, &a, "asset.relabel", "not scrapped");
		return MUSTER_ESTATE;
	}
	if (V(MF_LABEL)->u != a.v[MF_LABEL].u + 1) {
		SAY("asset %.*s: its label serial is %" PRIu64 "; the next is %" PRIu64, PS(&a.v[MF_ID]),
			a.v[MF_LABEL].u, a.v[MF_LABEL].u + 1);
		return MUSTER_ESTATE;
	}
	muster_rec_uint(&a, MF_LABEL, V(MF_LABEL)->u);
	return asset_store(c, &a);
}

static int text_ok(struct ctx *c, const muster_fv *v, const char *what)
{
	for (size_t i = 0; i < v->n; i++) {
		if ((unsigned char)v->p[i] < 0x20) {
			SAY("%s '%.*s' may not hold control characters", what, PS(v));
			return 0;
		}
	}
	return 1;
}

static int inspect_rule(struct ctx *c)
{
	char k[600];
	const muster_fv *kind = V(MF_KIND);
	if (!text_ok(c, V(MF_TYPE), "type") || !text_ok(c, kind, "inspection kind"))
		return MUSTER_ESTATE;
	size_t kn = rule_key2(k, V(MF_TYPE), kind->p, kind->n);
	if (V(MF_INTERVAL)->u == 0) /* a rule with no interval is withdrawn */
		return rule_del(c, DB_RULE, k, kn);
	if (V(MF_INTERVAL)->u > 36600) {
		SAY("inspection interval %" PRIu64 " days is over 100 years", V(MF_INTERVAL)->u);
		return MUSTER_ESTATE;
	}
	muster_rec r = c->ev;
	muster_rec_uint(&r, MF_REF, c->e->index);
	return rule_put(c, DB_RULE, k, kn, &r);
}

static int inspect_record(struct ctx *c)
{
	muster_rec a, last;
	char k[600];
	const muster_fv *kind = V(MF_KIND);
	uint64_t date = V(MF_DATE)->u;
	int rc = asset_load(c, &a);
	if (rc)
		return rc;
	if (a.v[MF_STATE].u == MUSTER_S_SCRAPPED) {
		say_state(c, &a, "inspect.record", "not scrapped");
		return MUSTER_ESTATE;
	}
	if (!text_ok(c, kind, "inspection kind"))
		return MUSTER_ESTATE;
	if (date > c->today) {
		SAY("asset %.*s: inspection date is in the future", PS(&a.v[MF_ID]));
		return MUSTER_ESTATE;
	}
	if (MUSTER_HAS(&c->ev, MF_DUE) && V(MF_DUE)->u <= date) {
		SAY("asset %.*s: the next due date must come after the inspection date", PS(&a.v[MF_ID]));
		return MUSTER_ESTATE;
	}
	size_t kn = rule_key2(k, V(MF_ID), kind->p, kind->n);
	rc = rule_get(c, DB_INSPECT, k, kn, 1, &last);
	if (rc && rc != MUSTER_ENOTFOUND)
		return rc;
	/* A record entered late does not displace a later inspection of the same kind. */
	if (rc == MUSTER_ENOTFOUND || last.v[MF_DATE].u <= date) {
		muster_rec r = c->ev;
		muster_rec_del(&r, MF_NOTES);
		muster_rec_uint(&r, MF_REF, c->e->index);
		if ((rc = rule_put(c, DB_INSPECT, k, kn, &r)) != 0)
			return rc;
	}
	/* Any inspection after a deployment's return is its post-use inspection. */
	if ((rc = rule_owe_clear(c, 'a', V(MF_ID), date)) != 0)
		return rc;
	return asset_store(c, &a);
}

static int count_start(struct ctx *c)
{
	const muster_fv *id = V(MF_COUNT), *depot = V(MF_DEPOT);
	muster_rec old, r;
	muster_fv team = {0, "", 0};
	int rc;
	if (!rule_code_ok(id)) {
		SAY("count id '%.*s' may hold only letters, digits, '-', '_' and '.'", PS(id));
		return MUSTER_ESTATE;
	}
	if ((rc = rule_get(c, DB_STOCK, id->p, id->n, 0, &old)) != MUSTER_ENOTFOUND) {
		if (rc == 0)
			SAY("count %.*s already exists (depot %.*s)", PS(id), PS(&old.v[MF_DEPOT]));
		return rc ? rc : MUSTER_EEXIST;
	}
	if ((rc = depot_of(c, depot, &team, 1)) != 0)
		return rc;
	r = c->ev;
	muster_rec_uint(&r, MF_OPEN, 1);
	muster_rec_uint(&r, MF_SCANNED, 0);
	muster_rec_uint(&r, MF_REF, c->e->index);
	return rule_put(c, DB_STOCK, id->p, id->n, &r);
}

static int count_load(struct ctx *c, muster_rec *r)
{
	const muster_fv *id = V(MF_COUNT);
	int rc = rule_get(c, DB_STOCK, id->p, id->n, 0, r);
	if (rc == MUSTER_ENOTFOUND)
		SAY("count %.*s was never started: start it with 'muster count start'", PS(id));
	if (rc == 0 && !MUSTER_HAS(r, MF_OPEN)) {
		SAY("count %.*s is closed", PS(id));
		return MUSTER_ESTATE;
	}
	return rc;
}

static int count_scan(struct ctx *c)
{
	muster_rec r, a, seen;
	char k[200];
	int rc = count_load(c, &r);
	if (rc)
		return rc;
	if ((rc = rule_get(c, DB_ASSET, V(MF_ID)->p, V(MF_ID)->n, 1, &a)) != 0) {
		if (rc == MUSTER_ENOTFOUND)
			SAY("asset %.*s is not registered", PS(V(MF_ID)));
		return rc;
	}
	size_t kn = rule_key2(k, V(MF_COUNT), V(MF_ID)->p, V(MF_ID)->n);
	if ((rc = rule_get(c, DB_SCAN, k, kn, 2, &seen)) != MUSTER_ENOTFOUND) {
		if (rc == 0)
			SAY("asset %.*s was already counted in %.*s at entry %" PRIu64, PS(V(MF_ID)), PS(V(MF_COUNT)),
				seen.v[MF_REF].u);
		return rc ? rc : MUSTER_ESTATE;
	}
	muster_rec s;
	muster_rec_clear(&s);
	muster_rec_uint(&s, MF_REF, c->e->index);
	if ((rc = rule_put(c, DB_SCAN, k, kn, &s)) != 0 || (rc = rule_hist(c, V(MF_ID))) != 0)
		return rc;
	muster_rec_uint(&r, MF_SCANNED, r.v[MF_SCANNED].u + 1);
	return rule_put(c, DB_STOCK, V(MF_COUNT)->p, V(MF_COUNT)->n, &r);
}

static int same_list(const muster_rec *a, const muster_rec *b, unsigned tag)
{
	if (MUSTER_HAS(a, tag) != MUSTER_HAS(b, tag))
		return 0;
	return !MUSTER_HAS(a, tag) ||
	       (a->v[tag].u == b->v[tag].u && a->v[tag].n == b->v[tag].n && memcmp(a->v[tag].p, b->v[tag].p, a->v[tag].n) == 0);
}

static int count_close(struct ctx *c)
{
	muster_rec r, want;
	muster_count_lists l;
	const muster_fv *id = V(MF_COUNT);
	int rc = count_load(c, &r);
	if (rc)
		return rc;
	rc = muster_count_compute(c->txn, c->dbi, &r, &l, &want);
	if (rc == 0 && (!same_list(&c->ev, &want, MF_MISSING) || !same_list(&c->ev, &want, MF_UNEXPECTED) ||
			       V(MF_MATCHED)->u != want.v[MF_MATCHED].u || V(MF_DIGEST)->n != 32 ||
			       memcmp(V(MF_DIGEST)->p, l.digest, 32) != 0)) {
		SAY("count %.*s: the result does not match the ledger now (%" PRIu64 " matched, %" PRIu64
		    " missing, %" PRIu64 " unexpected): close it again",
			PS(id), l.n_matched, l.n_missing, l.n_unexpected);
		rc = MUSTER_ESTATE;
	}
	if (rc == 0) {
		muster_rec_del(&r, MF_OPEN);
		for (unsigned t = MF_MISSING; t <= MF_DIGEST; t++)
			copy_field(&r, &c->ev, t);
		copy_field(&r, &c->ev, MF_NOTES);
		muster_rec_uint(&r, MF_LAST, c->e->index);
		rc = rule_put(c, DB_STOCK, id->p, id->n, &r);
	}
	muster_count_lists_free(&l);
	return rc;
}

int muster_equip_apply(MDB_txn *txn, const MDB_dbi *dbi, const muster_entry *e, char *why, size_t whylen)
{
	muster_mask allowed, required;
	char sink[1];
	struct ctx c = {.txn = txn, .dbi = dbi, .e = e, .why = why ? why : sink, .whylen = why ? whylen : sizeof sink};
	if (!muster_event_schema(e->type, &allowed, &required))
		return 0; /* not an equipment event */
	int rc = muster_rec_decode(e->body, e->body_len, allowed, required, &c.ev, why, whylen);
	if (rc)
		return rc;
	c.today = muster_date_of_ms(e->time_ms);
	switch (e->type) {
	case MUSTER_EV_SITE_URL: rc = site_url(&c); break;
	case MUSTER_EV_TEAM_ADD: rc = team_add(&c); break;
	case MUSTER_EV_DEPOT_ADD: rc = depot_add(&c); break;
	case MUSTER_EV_ASSET_ADD: rc = asset_add(&c); break;
	case MUSTER_EV_ASSET_UPDATE: rc = asset_update(&c); break;
	case MUSTER_EV_ASSET_RELABEL: rc = asset_relabel(&c); break;
	case MUSTER_EV_INSPECT_RULE: rc = inspect_rule(&c); break;
	case MUSTER_EV_INSPECT: rc = inspect_record(&c); break;
	case MUSTER_EV_COUNT_START: rc = count_start(&c); break;
	case MUSTER_EV_COUNT_SCAN: rc = count_scan(&c); break;
	case MUSTER_EV_COUNT_CLOSE: rc = count_close(&c); break;
	default:
		if (e->type >= MUSTER_EV_FUND_ADD)
			rc = muster_money_apply(&c);
		else if (e->type >= MUSTER_EV_PERSON_ADD)
			rc = muster_people_apply(&c);
		else
			rc = custody(&c);
	}
	for (int i = 0; i < 3; i++)
		muster_buf_free(&c.row[i]);
	muster_buf_free(&c.out);
	return rc;
}
