/*
 * cmd_people.c - rescuers, certificates, health exams and deployments:
 * the read commands (person list/show, cert list/kinds, exam list, health
 * rules, deploy list/show), `muster ready`, `muster due [--ics]`, and
 * `deploy asset` (checkouts to a deployment in one commit).  The write
 * commands are rows of cmd_equip.c's table; what they may leave out and
 * what they print is here.
 */
#include "config.h"

#include "central.h"
#include "equip_cli.h"
#include "ics.h"
#include "reasons.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t date_opt(const struct opts *o, const char *name, uint64_t dflt)
{
	const char *v = cli_opt(o, name);
	if (!v)
		return dflt;
	uint64_t d = muster_date_parse(v);
	if (!d)
		die(EXIT_USAGE, L("--%s '%s' is not a date: give YYYY-MM-DD, e.g. 2026-11-25",
				    "--%s '%s' 不是日期：请写成 YYYY-MM-DD，如 2026-11-25"),
			name, v);
	return d;
}

static const char *team_opt(const struct opts *o, muster_snap *sn)
{
	const char *t = cli_opt(o, "team");
	muster_rec r;
	if (t && (strlen(t) > 32 || muster_row_cget(sn, MUSTER_T_TEAM, t, &r) != 0))
		die(EXIT_NOTFOUND, L("team '%s' is not registered; see 'muster team list'", "队伍 '%s' 未登记；参见 'muster team list'"),
			t);
	return t;
}

static void put_fv(muster_buf *b, const muster_fv *v)
{
	muster_buf_put(b, v->p, v->n);
}

/* The name of a certificate kind for people: its Chinese name in zh, its code otherwise. */
static void kind_words(muster_buf *b, muster_snap *sn, const char *kind, size_t n)
{
	cli_kind_words(b, sn, kind, n, cli_zh());
}

/* ---- writes: defaults and reports ------------------------------------------------------ */

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

void cli_people_defaults(muster_store *s, uint64_t type, muster_rec *r, char tnum[24])
{
	switch (type) {
	case MUSTER_EV_CERT_ADD:
	case MUSTER_EV_CERT_RENEW:
	case MUSTER_EV_CERT_REVIEW:
	case MUSTER_EV_CERT_REVOKE:
		if (!MUSTER_HAS(r, MF_NUMBER) && MUSTER_HAS(r, MF_PERSON) && MUSTER_HAS(r, MF_KIND) &&
			r->v[MF_PERSON].n == 18) {
			muster_snap *sn = cli_snapshot(s);
			muster_cert_rule rule;
			if (muster_cert_rule_get(sn, r->v[MF_KIND].p, r->v[MF_KIND].n, &rule) == 0 && rule.t_number) {
				tnum[0] = 'T';
				memcpy(tnum + 1, r->v[MF_PERSON].p, 18);
				muster_rec_text(r, MF_NUMBER, tnum, 19);
			}
			muster_snap_end(sn);
		}
		if (type == MUSTER_EV_CERT_REVIEW && !MUSTER_HAS(r, MF_DATE))
			muster_rec_uint(r, MF_DATE, cli_today());
		break;
	case MUSTER_EV_DEPLOY_OPEN:
		if (!MUSTER_HAS(r, MF_ORDERED))
			muster_rec_uint(r, MF_ORDERED, now_s());
		break;
	case MUSTER_EV_DEPLOY_RETURN:
		if (!MUSTER_HAS(r, MF_RETURNED))
			muster_rec_uint(r, MF_RETURNED, now_s());
		break;
	case MUSTER_EV_DEPLOY_REPORT:
		if (!MUSTER_HAS(r, MF_REPORTED))
			muster_rec_uint(r, MF_REPORTED, now_s());
		break;
	}
}

/* How many exams (what 'p') or inspections ('a') a deployment's crew owes. */
struct owed_count {
	muster_snap *sn;
	const char *dep;
	size_t dn, exams, inspections;
};

static int count_owed(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	struct owed_count *c = arg;
	(void)r;
	/* key: deployment 0 what 0 id; owed key: what 0 id 0 deployment */
	const char *what = key + c->dn + 1, *id = key + c->dn + 3;
	size_t idn = klen - c->dn - 3;
	char k[200];
	muster_rec o;
	if (idn > 80)
		return 0;
	k[0] = *what;
	k[1] = 0;
	memcpy(k + 2, id, idn);
	k[2 + idn] = 0;
	memcpy(k + 3 + idn, c->dep, c->dn);
	if (muster_row_get(c->sn, MUSTER_T_OWE, k, 3 + idn + c->dn, &o) == 0)
		*what == 'p' ? c->exams++ : c->inspections++;
	return 0;
}

static void owed_of(muster_snap *sn, const char *dep, size_t dn, struct owed_count *c)
{
	char pre[80];
	*c = (struct owed_count){sn, dep, dn, 0, 0};
	memcpy(pre, dep, dn);
	pre[dn] = 0;
	if (muster_row_list(sn, MUSTER_T_CREW, pre, dn + 1, count_owed, c) != 0)
		c->exams = c->inspections = 0;
}

void cli_people_report(const struct opts *o, muster_store *s, uint64_t type, const muster_rec *r, uint64_t index)
{
	const char *name = muster_event_name(type);
	static const unsigned subject[] = {MF_DEPLOYMENT, MF_PERSON, MF_KIND, MF_HAZARD, MF_FUND};
	const muster_fv *subj = NULL;
	muster_buf b = {0};
	struct owed_count owed = {0};
	int zh = cli_zh();
	for (size_t i = 0; i < sizeof subject / sizeof subject[0] && !subj; i++)
		if (MUSTER_HAS(r, subject[i]))
			subj = &r->v[subject[i]];
	int spend_state = -1;
	if (type == MUSTER_EV_DEPLOY_RETURN || type == MUSTER_EV_SPEND) {
		muster_snap *sn = cli_snapshot(s);
		muster_rec row;
		uint8_t k[8];
		for (int i = 0; i < 8; i++)
			k[i] = (uint8_t)(index >> (56 - 8 * i));
		if (type == MUSTER_EV_DEPLOY_RETURN)
			owed_of(sn, r->v[MF_DEPLOYMENT].p, r->v[MF_DEPLOYMENT].n, &owed);
		else if (muster_row_get(sn, MUSTER_T_SPEND, (const char *)k, 8, &row) == 0)
			spend_state = (int)row.v[MF_SPEND_STATE].u;
		muster_snap_end(sn);
	}
	if (o->json) {
		muster_buf_printf(&b, "{\"index\":%" PRIu64 ",\"type\":\"%s\"", index, name);
		muster_rec_json(&b, r);
		if (type == MUSTER_EV_DEPLOY_RETURN)
			muster_buf_printf(&b, ",\"owed\":{\"emergency_exams\":%zu,\"post_use_inspections\":%zu}", owed.exams,
				owed.inspections);
		if (spend_state >= 0)
			muster_buf_printf(&b, ",\"spend_state\":\"%s\"", muster_spend_states[spend_state]);
		muster_buf_puts(&b, "}\n");
	} else {
		muster_buf_printf(&b, "%s (%s) ", zh ? muster_event_name_zh(type) : name, zh ? name : muster_event_name_zh(type));
		if (subj) {
			put_fv(&b, subj);
			if (type == MUSTER_EV_PERSON_ADD) {
				muster_buf_puts(&b, " ");
				put_fv(&b, &r->v[MF_NAME]);
			}
			muster_buf_puts(&b, zh ? "，" : ", ");
		}
		if (spend_state == MUSTER_SP_PENDING)
			muster_buf_puts(&b, L("at or above the approval threshold: it counts once an approver approves it, ",
						    "达到审批限额：经审批人批准后计入，"));
		if (type == MUSTER_EV_DEPLOY_RETURN)
			muster_buf_printf(&b,
				L("%zu emergency exams and %zu post-use inspections now owed, ",
					"现应做应急体检 %zu 人次、出动后检查 %zu 件，"),
				owed.exams, owed.inspections);
		muster_buf_printf(&b, L("entry %" PRIu64 "\n", "条目 %" PRIu64 "\n"), index);
	}
	cli_emit(&b);
}

/* ---- reasons ----------------------------------------------------------------------- */

static void reason_words(muster_buf *b, muster_snap *sn, const muster_rec *p, const muster_reason *r)
{
	cli_reason_words(b, sn, p, r, cli_zh());
}

static void reason_json(muster_buf *b, muster_snap *sn, const muster_rec *p, const muster_reason *r)
{
	muster_buf_printf(b, "{\"code\":\"%s\"", muster_reason_code(r->code));
	if (r->kind_len) {
		muster_buf_puts(b, ",\"kind\":");
		muster_json_str(b, r->kind, r->kind_len);
	}
	if (r->ref_len) {
		const char *key = r->code == MUSTER_R_EMERGENCY_OWED ? "deployment" :
				  r->code == MUSTER_R_CONTRA ? "contraindication" : "number";
		muster_buf_printf(b, ",\"%s\":", key);
		muster_json_str(b, r->ref, r->ref_len);
	}
	if (r->date) {
		char d[11];
		muster_date_format(r->date, d);
		muster_buf_printf(b, ",\"date\":\"%s\"", d);
	}
	if (r->code == MUSTER_R_EXAM_OVERDUE)
		muster_buf_printf(b, ",\"interval\":%" PRIu64, r->n);
	if (r->code == MUSTER_W_AGE)
		muster_buf_printf(b, ",\"age\":%" PRIu64 ",\"limit\":%" PRIu64, r->n, r->n2);
	muster_buf text = {0};
	reason_words(&text, sn, p, r);
	muster_buf_puts(b, ",\"text\":");
	muster_json_str(b, (const char *)text.data, text.len);
	muster_buf_free(&text);
	muster_buf_puts(b, "}");
}

/* origin: the site's, first, in a --mirrors list; NULL otherwise. */
static void person_head_json(muster_buf *b, const muster_rec *p, const char *origin)
{
	central_item_json(b, origin, "person");
	muster_json_str(b, p->v[MF_PERSON].p, p->v[MF_PERSON].n);
	muster_buf_puts(b, ",\"name\":");
	muster_json_str(b, p->v[MF_NAME].p, p->v[MF_NAME].n);
	muster_buf_puts(b, ",\"team\":");
	muster_json_str(b, p->v[MF_TEAM].p, p->v[MF_TEAM].n);
	muster_buf_printf(b, ",\"position\":\"%s\",\"status\":\"%s\"", muster_positions[p->v[MF_POSITION].u],
		muster_field_get(MF_STATUS)->enums[p->v[MF_STATUS].u]);
}

/* ---- muster ready ---------------------------------------------------------------------- */

struct ready {
	muster_snap *sn;
	uint64_t date;
	const muster_needs *needs;
	muster_buf yes, no; /* JSON arrays or lines */
	size_t people, ok;
	int json, rc;
	const char *origin; /* --mirrors: the site's, for each JSON row */
};

static void reasons_out(struct ready *r, muster_buf *b, const muster_rec *p, const muster_reason *why, size_t n,
	int blocks)
{
	int first = 1;
	for (size_t i = 0; i < n; i++) {
		if (MUSTER_REASON_BLOCKS(why[i].code) != blocks)
			continue;
		if (r->json) {
			muster_buf_puts(b, first ? "" : ",");
			reason_json(b, r->sn, p, &why[i]);
		} else {
			muster_buf_puts(b, first ? "" : L("; ", "；"));
			reason_words(b, r->sn, p, &why[i]);
		}
		first = 0;
	}
}

static int ready_one(const muster_rec *p, void *arg)
{
	struct ready *r = arg;
	muster_reason why[MUSTER_REASONS_MAX];
	size_t n, blocks;
	if ((r->rc = muster_person_ready(r->sn, p, r->date, r->needs, why, &n, &blocks)) != 0)
		return 1;
	/* Leavers are listed too, with the reason 'left': HR sees the whole roll. */
	r->people++;
	muster_buf *b = blocks ? &r->no : &r->yes;
	if (!blocks)
		r->ok++;
	if (r->json) {
		muster_buf_puts(b, b->len > 1 ? "," : "");
		person_head_json(b, p, r->origin);
		if (blocks) {
			muster_buf_puts(b, ",\"reasons\":[");
			reasons_out(r, b, p, why, n, 1);
			muster_buf_puts(b, "]");
		}
		muster_buf_puts(b, ",\"warnings\":[");
		reasons_out(r, b, p, why, n, 0);
		muster_buf_puts(b, "]}");
	} else {
		muster_buf_puts(b, "  ");
		cli_col(b, p->v[MF_NAME].p, p->v[MF_NAME].n, 8);
		cli_col(b, p->v[MF_PERSON].p, p->v[MF_PERSON].n, 18);
		cli_col(b, p->v[MF_TEAM].p, p->v[MF_TEAM].n, 10);
		if (blocks)
			reasons_out(r, b, p, why, n, 1);
		if (n > blocks) {
			muster_buf_puts(b, blocks ? L("  (also: ", "  （另：") : L("(warning: ", "（提醒："));
			reasons_out(r, b, p, why, n, 0);
			muster_buf_puts(b, L(")", "）"));
		}
		muster_buf_puts(b, "\n");
	}
	return 0;
}

/* --needs KIND (repeatable, or comma-separated) and any operands after 'ready'; checked against sn unless NULL. */
static size_t needs_of(const struct opts *o, muster_snap *sn, char *store, size_t cap, const char **kinds, size_t max)
{
	size_t n = 0, used = 0;
	for (int i = 0; i <= o->nkv + o->npos; i++) {
		const char *v = NULL;
		if (i < o->nkv && strncmp(o->kv[i].name, "needs", 5) == 0 && (!o->kv[i].name[5] || o->kv[i].name[5] == '='))
			v = o->kv[i].val;
		else if (i >= o->nkv && i - o->nkv >= 1 && i - o->nkv < o->npos)
			v = o->pos[i - o->nkv];
		if (!v)
			continue;
		size_t len = strlen(v);
		if (used + len + 1 > cap)
			die(EXIT_USAGE, "%s", L("too many --needs", "--needs 过多"));
		char *copy = store + used;
		memcpy(copy, v, len + 1);
		used += len + 1;
		for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
			muster_cert_rule rule;
			if (sn && strcmp(tok, "special") != 0 && muster_cert_rule_get(sn, tok, strlen(tok), &rule) != 0)
				die(EXIT_USAGE, L("--needs '%s' is not a certificate kind; see 'muster cert kinds' (or 'special' for 特体队员)",
						    "--needs '%s' 不是证书类别；参见 'muster cert kinds'（特体队员写 special）"),
					tok);
			if (n == max)
				die(EXIT_USAGE, "%s", L("too many --needs", "--needs 过多"));
			kinds[n++] = tok;
		}
	}
	return n;
}

/* The text of one store's readiness (the whole output of 'muster ready', or one site's section). */
static void ready_text(muster_buf *b, const struct ready *r, const char *d, const char *team)
{
	muster_buf_printf(b, L("%s%s%s: %zu of %zu can be deployed\n", "%s%s%s：可出动 %zu 人，共 %zu 人\n"), d,
		team ? " " : "", team ? team : "", r->ok, r->people);
	if (r->yes.len) {
		muster_buf_puts(b, L("deployable:\n", "可出动：\n"));
		muster_buf_put(b, r->yes.data, r->yes.len);
	}
	if (r->no.len) {
		muster_buf_puts(b, L("not deployable:\n", "不可出动：\n"));
		muster_buf_put(b, r->no.data, r->no.len);
	}
}

/* The JSON object's head, up to the people count: date, team, needs. */
static void ready_json_head(muster_buf *b, const char *d, const char *team, const char *const *kinds, size_t nk)
{
	muster_buf_printf(b, "{\"date\":\"%s\",\"team\":", d);
	if (team)
		muster_json_cstr(b, team);
	else
		muster_buf_puts(b, "null");
	muster_buf_puts(b, ",\"needs\":[");
	for (size_t i = 0; i < nk; i++) {
		muster_buf_puts(b, i ? "," : "");
		muster_json_cstr(b, kinds[i]);
	}
}

/* muster_people_each of sn (team: NULL for all) with fn(arg), whose own failure is left in *fn_rc; dies if either failed. */
static void people_walk(muster_snap *sn, const char *team, muster_person_cb fn, void *arg, const int *fn_rc)
{
	int rc = muster_people_each(sn, team, fn, arg);
	if (*fn_rc)
		rc = *fn_rc;
	if (rc)
		die(cli_exit_code(rc), L("cannot read the people: %s", "无法读取人员：%s"), cli_strerror(rc));
}

static int any_person(const muster_rec *p, void *arg)
{
	(void)p, (void)arg;
	return 1;
}

/* 1 if the store has people: the central store is a site of 'ready' and 'due' --mirrors only then. */
static int has_people(muster_snap *sn)
{
	return muster_people_each(sn, NULL, any_person, NULL) == 1;
}

/* muster ready --mirrors: every site, one after another. */
static int ready_mirrors(const struct opts *o)
{
	struct sites ss;
	central_list_if(o, &ss, has_people);
	char store[1024];
	const char *kinds[32];
	muster_needs needs = {kinds, needs_of(o, NULL, store, sizeof store, kinds, 32)};
	int known[32] = {0};
	const char *team = cli_opt(o, "team");
	uint64_t date = date_opt(o, "date", cli_today());
	char d[11];
	muster_date_format(date, d);
	muster_buf text = {0}, sites = {0}, yes = {0}, no = {0};
	size_t people = 0, ok = 0, read = 0, nsites = 0;
	muster_buf_puts(&yes, "[");
	muster_buf_puts(&no, "[");
	for (size_t k = 0; k < ss.n; k++) {
		struct site *st = &ss.v[k];
		muster_store *s = central_open(&ss, k, NULL);
		if (!s)
			continue;
		muster_snap *sn = cli_snapshot(s);
		for (size_t i = 0; i < needs.n; i++) {
			muster_cert_rule rule;
			known[i] |= strcmp(kinds[i], "special") == 0 || muster_cert_rule_get(sn, kinds[i], strlen(kinds[i]), &rule) == 0;
		}
		read++;
		if (central_registered(sn, team, NULL)) {
			struct ready r = {sn, date, &needs, {0}, {0}, 0, 0, o->json, 0, st->origin};
			if (o->json) {
				/* one array across the sites: the rows of this one go straight in */
				r.yes = yes, r.no = no;
			}
			people_walk(sn, team, ready_one, &r, &r.rc);
			if (o->json) {
				yes = r.yes, no = r.no;
			} else {
				muster_buf_puts(&text, nsites ? "\n" : "");
				central_heading(&text, st);
				ready_text(&text, &r, d, team);
				muster_buf_free(&r.yes);
				muster_buf_free(&r.no);
			}
			people += r.people, ok += r.ok;
			nsites++;
			muster_buf_puts(&sites, sites.len ? "," : "");
			central_site_json(&sites, st);
			muster_buf_printf(&sites, ",\"people\":%zu,\"deployable_count\":%zu}", r.people, r.ok);
		}
		muster_snap_end(sn);
		central_close(&ss, k);
	}
	for (size_t i = 0; read && i < needs.n; i++)
		if (!known[i])
			die(EXIT_USAGE, L("--needs '%s' is not a certificate kind at any site read; see 'muster cert kinds' (or 'special' for 特体队员)",
					    "--needs '%s' 在所读站点均不是证书类别；参见 'muster cert kinds'（特体队员写 special）"),
				kinds[i]);
	if (team && !nsites && read)
		central_no_site(team, NULL);
	central_left_out_json(&sites, &ss, nsites); /* so a program sees the view is incomplete */
	muster_buf b = {0};
	if (o->json) {
		ready_json_head(&b, d, team, kinds, needs.n);
		muster_buf_printf(&b, "],\"people\":%zu,\"deployable_count\":%zu,\"deployable\":", people, ok);
		muster_buf_put(&b, yes.data, yes.len);
		muster_buf_puts(&b, "],\"not_deployable\":");
		muster_buf_put(&b, no.data, no.len);
		muster_buf_puts(&b, "],\"sites\":[");
		muster_buf_put(&b, sites.data, sites.len);
		muster_buf_puts(&b, "]}\n");
	} else {
		muster_buf_put(&b, text.data, text.len);
		muster_buf_puts(&b, nsites ? "\n" : "");
		muster_buf_printf(&b, L("%zu site%s, %s%s%s: %zu of %zu can be deployed\n", "%zu 个站点%.0s，%s%s%s：可出动 %zu 人，共 %zu 人\n"),
			nsites, central_s(nsites), d, team ? " " : "", team ? team : "", ok, people);
	}
	muster_buf_free(&text);
	muster_buf_free(&sites);
	muster_buf_free(&yes);
	muster_buf_free(&no);
	int code = central_exit(&ss, EXIT_OK);
	central_free(&ss);
	cli_emit(&b);
	return code;
}

static int cmd_ready(const struct opts *o)
{
	static const char *const allowed[] = {"date", "team", "needs", NULL};
	cli_only(o, "muster ready", allowed);
	if (o->mirrors)
		return ready_mirrors(o);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	char store[1024];
	const char *kinds[32];
	muster_needs needs = {kinds, needs_of(o, sn, store, sizeof store, kinds, 32)};
	const char *team = team_opt(o, sn);
	struct ready r = {sn, date_opt(o, "date", cli_today()), &needs, {0}, {0}, 0, 0, o->json, 0, NULL};
	if (o->json) {
		muster_buf_puts(&r.yes, "[");
		muster_buf_puts(&r.no, "[");
	}
	people_walk(sn, team, ready_one, &r, &r.rc);
	muster_buf b = {0};
	char d[11];
	muster_date_format(r.date, d);
	if (o->json) {
		ready_json_head(&b, d, team, kinds, needs.n);
		muster_buf_printf(&b, "],\"people\":%zu,\"deployable_count\":%zu,\"deployable\":", r.people, r.ok);
		muster_buf_put(&b, r.yes.data, r.yes.len);
		muster_buf_puts(&b, "],\"not_deployable\":");
		muster_buf_put(&b, r.no.data, r.no.len);
		muster_buf_puts(&b, "]}\n");
	} else {
		ready_text(&b, &r, d, team);
	}
	muster_buf_free(&r.yes);
	muster_buf_free(&r.no);
	muster_snap_end(sn);
	muster_store_close(s);
	cli_emit(&b);
	return EXIT_OK;
}

/* ---- muster due ---------------------------------------------------------------------------- */

struct due_row {
	muster_due_item it;
	size_t person;       /* index into people[] while collecting */
	const muster_rec *p; /* &people[person], once collected */
	const char *origin;  /* --mirrors: the site's, for the JSON row */
};

struct due {
	muster_snap *sn;
	uint64_t until;
	struct due_row *rows;
	muster_rec *people;
	size_t n, cap, np, pcap;
	int rc;
	const char *origin;
};

static int due_one(const muster_rec *p, void *arg)
{
	struct due *d = arg;
	muster_due_item it[MUSTER_DUE_MAX];
	size_t n;
	if ((d->rc = muster_person_due(d->sn, p, d->until, it, &n)) != 0)
		return 1;
	if (!n)
		return 0;
	if (d->np == d->pcap) {
		size_t cap = d->pcap ? d->pcap * 2 : 256;
		muster_rec *np = realloc(d->people, cap * sizeof *np);
		if (!np)
			return d->rc = MUSTER_ENOMEM;
		d->people = np, d->pcap = cap;
	}
	/* The copy's fields point into the snapshot, which outlives the list. */
	d->people[d->np] = *p;
	for (size_t i = 0; i < n; i++) {
		if (d->n == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 256;
			struct due_row *nr = realloc(d->rows, cap * sizeof *nr);
			if (!nr)
				return d->rc = MUSTER_ENOMEM;
			d->rows = nr, d->cap = cap;
		}
		d->rows[d->n].it = it[i];
		d->rows[d->n].person = d->np;
		d->rows[d->n].origin = d->origin;
		d->n++;
	}
	d->np++;
	return 0;
}

static int due_cmp(const void *a, const void *b)
{
	const struct due_row *x = a, *y = b;
	if (x->it.due != y->it.due)
		return x->it.due < y->it.due ? -1 : 1;
	const muster_fv *px = &x->p->v[MF_PERSON], *py = &y->p->v[MF_PERSON];
	int c = memcmp(px->p, py->p, px->n < py->n ? px->n : py->n);
	if (c)
		return c;
	return x->it.code - y->it.code;
}

static void due_words(muster_buf *b, muster_snap *sn, const struct due_row *r)
{
	const muster_due_item *it = &r->it;
	int rn = (int)it->ref_len;
	const char *ref = it->ref ? it->ref : "";
	switch (it->code) {
	case MUSTER_D_CERT_EXPIRY:
	case MUSTER_D_CERT_REVIEW:
		kind_words(b, sn, it->kind, it->kind_len);
		muster_buf_printf(b, " %.*s ", rn, ref);
		muster_buf_puts(b, it->code == MUSTER_D_CERT_EXPIRY ? L("expires", "到期") : L("review due", "复审"));
		break;
	case MUSTER_D_PERIODIC: muster_buf_puts(b, L("periodic health exam", "在岗期间职业健康检查")); break;
	case MUSTER_D_RECHECK: {
		muster_buf_puts(b, L("recheck: ", "复查："));
		muster_fv_format(b, muster_field_get(MF_ITEMS), &r->p->v[MF_ITEMS], cli_zh());
		break;
	}
	case MUSTER_D_EMERGENCY:
		muster_buf_printf(b, L("emergency health exam after deployment %.*s", "出动 %.*s 后应急职业健康检查"), rn, ref);
		break;
	case MUSTER_D_EXIT: muster_buf_puts(b, L("exit health exam (left the team)", "离岗时职业健康检查（已离队）")); break;
	}
}

static void due_json(muster_buf *b, muster_snap *sn, const struct due_row *r, uint64_t today)
{
	const muster_due_item *it = &r->it;
	char d[11];
	muster_date_format(it->due, d);
	person_head_json(b, r->p, r->origin);
	muster_buf_printf(b, ",\"what\":\"%s\"", muster_due_code(it->code));
	if (it->kind_len) {
		muster_buf_puts(b, ",\"kind\":");
		muster_json_str(b, it->kind, it->kind_len);
	}
	if (it->ref_len) {
		muster_buf_puts(b, it->code == MUSTER_D_EMERGENCY ? ",\"deployment\":" : ",\"number\":");
		muster_json_str(b, it->ref, it->ref_len);
	}
	if (it->code == MUSTER_D_RECHECK) {
		muster_rec items;
		muster_rec_clear(&items);
		items.v[MF_ITEMS] = r->p->v[MF_ITEMS], items.has = MUSTER_BIT(MF_ITEMS);
		muster_rec_json(b, &items);
	}
	int64_t days = muster_date_days(it->due) - muster_date_days(today);
	muster_buf_printf(b, ",\"due\":\"%s\",\"days\":%" PRId64 ",\"overdue\":%s,\"text\":", d, days,
		days < 0 ? "true" : "false");
	muster_buf t = {0};
	due_words(&t, sn, r);
	muster_json_str(b, (const char *)t.data, t.len);
	muster_buf_free(&t);
	muster_buf_puts(b, "}");
}

/* The calendar's events for rows of the store sn. */
static void due_ics_events(muster_buf *b, muster_snap *sn, const struct due_row *rows, size_t n, uint64_t stamp)
{
	muster_buf origin = {0};
	if (muster_snap_base_url(sn, &origin) != 0)
		muster_buf_puts(&origin, "muster");
	muster_buf_put(&origin, "", 1);
	const char *host = strstr((const char *)origin.data, "://");
	host = host ? host + 3 : (const char *)origin.data;
	for (size_t i = 0; i < n; i++) {
		const struct due_row *r = &rows[i];
		muster_buf uid = {0}, sum = {0}, desc = {0};
		char d[11];
		muster_date_format(r->it.due, d);
		/* Stable across runs and due dates: the same item keeps its UID, so a re-import moves it. */
		muster_buf_printf(&uid, "%s-", muster_due_code(r->it.code));
		put_fv(&uid, &r->p->v[MF_PERSON]);
		if (r->it.kind_len)
			muster_buf_printf(&uid, "-%.*s", (int)r->it.kind_len, r->it.kind);
		if (r->it.ref_len && r->it.code != MUSTER_D_RECHECK)
			muster_buf_printf(&uid, "-%.*s", (int)r->it.ref_len, r->it.ref);
		muster_buf_printf(&uid, "@%s", host);
		muster_buf_put(&uid, "", 1);
		put_fv(&sum, &r->p->v[MF_NAME]);
		muster_buf_puts(&sum, " ");
		due_words(&sum, sn, r);
		muster_buf_put(&sum, "", 1);
		muster_buf_puts(&desc, L("person ", "身份证号 "));
		put_fv(&desc, &r->p->v[MF_PERSON]);
		muster_buf_puts(&desc, L(", team ", "，队伍 "));
		put_fv(&desc, &r->p->v[MF_TEAM]);
		muster_buf_printf(&desc, L(", due %s", "，到期 %s"), d);
		muster_buf_put(&desc, "", 1);
		ics_event(b, (const char *)uid.data, stamp, r->it.due, (const char *)sum.data, (const char *)desc.data,
			muster_due_code(r->it.code), 7);
		muster_buf_free(&uid);
		muster_buf_free(&sum);
		muster_buf_free(&desc);
	}
	muster_buf_free(&origin);
}

static void due_ics_begin(muster_buf *b)
{
	ics_begin(b, "-//Muster//people due list//ZH", L("Muster: certificates and health exams due", "Muster 证书与体检到期"));
}

static void due_ics_end(muster_buf *b, const char *path)
{
	ics_end(b);
	if (b->err)
		die(EXIT_IO, "%s", cli_strerror(b->err));
	cli_write_file(path, b);
	muster_buf_free(b);
}

static void due_ics(muster_snap *sn, const char *path, const struct due_row *rows, size_t n, uint64_t stamp)
{
	muster_buf b = {0};
	due_ics_begin(&b);
	due_ics_events(&b, sn, rows, n, stamp);
	due_ics_end(&b, path);
}

/* The people of d->sn (team: NULL for all) with what falls due, sorted; dies if they cannot be read. */
static void due_collect(struct due *d, const char *team)
{
	people_walk(d->sn, team, due_one, d, &d->rc);
	for (size_t i = 0; i < d->n; i++)
		d->rows[i].p = &d->people[d->rows[i].person];
	if (d->n)
		qsort(d->rows, d->n, sizeof *d->rows, due_cmp);
}

/* The JSON object's head, up to the items: date, within, until, team. */
static void due_json_head(muster_buf *b, const char *td, uint64_t within, const char *ud, const char *team)
{
	muster_buf_printf(b, "{\"date\":\"%s\",\"within\":%" PRIu64 ",\"until\":\"%s\",\"team\":", td, within, ud);
	if (team)
		muster_json_cstr(b, team);
	else
		muster_buf_puts(b, "null");
	muster_buf_puts(b, ",\"items\":[");
}

/* The rows as JSON array elements (a comma before each unless the array is empty so far). */
static void due_json_rows(muster_buf *b, const struct due *d, uint64_t today, int first)
{
	for (size_t i = 0; i < d->n; i++) {
		muster_buf_puts(b, i || !first ? "," : "");
		due_json(b, d->sn, &d->rows[i], today);
	}
}

/* The text of one store's due list (the whole output of 'muster due' but the calendar line, or one site's section). */
static void due_text(muster_buf *b, const struct due *d, uint64_t today, const char *ud, const char *team)
{
	if (cli_zh())
		muster_buf_printf(b, "截至 %s%s%s 到期 %zu 项\n", ud, team ? " " : "", team ? team : "", d->n);
	else
		muster_buf_printf(b, "%zu items due by %s%s%s\n", d->n, ud, team ? " " : "", team ? team : "");
	for (size_t i = 0; i < d->n; i++) {
		const struct due_row *r = &d->rows[i];
		char dd[11];
		muster_date_format(r->it.due, dd);
		int64_t days = muster_date_days(r->it.due) - muster_date_days(today);
		cli_col(b, dd, strlen(dd), 10);
		char tag[32];
		snprintf(tag, sizeof tag, days < 0 ? L("overdue %" PRId64 "d", "逾期 %" PRId64 " 天") : L("in %" PRId64 "d", "%" PRId64 " 天后"),
			days < 0 ? -days : days);
		cli_col(b, tag, strlen(tag), 12);
		cli_col(b, r->p->v[MF_NAME].p, r->p->v[MF_NAME].n, 8);
		cli_col(b, r->p->v[MF_TEAM].p, r->p->v[MF_TEAM].n, 10);
		due_words(b, d->sn, r);
		muster_buf_puts(b, "\n");
	}
}

/* muster due --mirrors: every site, one after another; one calendar for them all. */
static int due_mirrors(const struct opts *o, uint64_t within)
{
	struct sites ss;
	central_list_if(o, &ss, has_people);
	const char *team = cli_opt(o, "team"), *ics = cli_opt(o, "ics");
	uint64_t today = date_opt(o, "date", cli_today()), until = muster_date_add(today, (int64_t)within), stamp = now_s();
	char td[11], ud[11];
	muster_date_format(today, td);
	muster_date_format(until, ud);
	muster_buf b = {0}, text = {0}, items = {0}, sites = {0}, cal = {0};
	size_t total = 0, read = 0, nsites = 0;
	if (ics)
		due_ics_begin(&cal);
	for (size_t k = 0; k < ss.n; k++) {
		struct site *st = &ss.v[k];
		muster_store *s = central_open(&ss, k, NULL);
		if (!s)
			continue;
		muster_snap *sn = cli_snapshot(s);
		read++;
		if (central_registered(sn, team, NULL)) {
			struct due d = {sn, until, NULL, NULL, 0, 0, 0, 0, 0, st->origin};
			due_collect(&d, team);
			if (ics)
				due_ics_events(&cal, sn, d.rows, d.n, stamp);
			if (o->json) {
				due_json_rows(&items, &d, today, total == 0);
			} else {
				muster_buf_puts(&text, nsites ? "\n" : "");
				central_heading(&text, st);
				due_text(&text, &d, today, ud, team);
			}
			total += d.n;
			nsites++;
			muster_buf_puts(&sites, sites.len ? "," : "");
			central_site_json(&sites, st);
			muster_buf_printf(&sites, ",\"items\":%zu}", d.n);
			free(d.rows);
			free(d.people);
		}
		muster_snap_end(sn);
		central_close(&ss, k);
	}
	if (team && !nsites && read)
		central_no_site(team, NULL);
	central_left_out_json(&sites, &ss, nsites);
	if (ics)
		due_ics_end(&cal, ics);
	if (o->json) {
		due_json_head(&b, td, within, ud, team);
		muster_buf_put(&b, items.data, items.len);
		muster_buf_puts(&b, "],\"sites\":[");
		muster_buf_put(&b, sites.data, sites.len);
		muster_buf_puts(&b, "]}\n");
	} else {
		muster_buf_put(&b, text.data, text.len);
		muster_buf_puts(&b, nsites ? "\n" : "");
		if (cli_zh())
			muster_buf_printf(&b, "截至 %s%s%s，%zu 个站点共到期 %zu 项\n", ud, team ? " " : "", team ? team : "", nsites, total);
		else
			muster_buf_printf(&b, "%zu items due by %s%s%s at %zu site%s\n", total, ud, team ? " " : "", team ? team : "", nsites,
				central_s(nsites));
		if (ics)
			muster_buf_printf(&b, L("calendar written to %s\n", "日历已写入 %s\n"), ics);
	}
	muster_buf_free(&text);
	muster_buf_free(&items);
	muster_buf_free(&sites);
	int code = central_exit(&ss, EXIT_OK);
	central_free(&ss);
	cli_emit(&b);
	return code;
}

static int cmd_due(const struct opts *o)
{
	static const char *const allowed[] = {"within", "team", "ics", "date", NULL};
	cli_only(o, "muster due", allowed);
	if (o->npos > 1)
		die(EXIT_USAGE, "%s", L("usage: muster due [--within DAYS] [--team T] [--date FROM] [--ics FILE] [--json]",
					  "用法: muster due [--within 天数] [--team 队伍] [--date 起始日期] [--ics 文件] [--json]"));
	const char *w = cli_opt(o, "within");
	uint64_t within = w ? cli_uint("--within", w) : 60;
	if (within > 3660)
		die(EXIT_USAGE, "%s", L("--within is at most 3660 days", "--within 最多 3660 天"));
	if (o->mirrors)
		return due_mirrors(o, within);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	const char *team = team_opt(o, sn);
	uint64_t today = date_opt(o, "date", cli_today());
	struct due d = {sn, muster_date_add(today, (int64_t)within), NULL, NULL, 0, 0, 0, 0, 0, NULL};
	due_collect(&d, team);
	const char *ics = cli_opt(o, "ics");
	if (ics)
		due_ics(sn, ics, d.rows, d.n, now_s());
	muster_buf b = {0};
	char td[11], ud[11];
	muster_date_format(today, td);
	muster_date_format(d.until, ud);
	if (o->json) {
		due_json_head(&b, td, within, ud, team);
		due_json_rows(&b, &d, today, 1);
		muster_buf_puts(&b, "]}\n");
	} else {
		due_text(&b, &d, today, ud, team);
		if (ics)
			muster_buf_printf(&b, L("calendar written to %s\n", "日历已写入 %s\n"), ics);
	}
	free(d.rows);
	free(d.people);
	muster_snap_end(sn);
	muster_store_close(s);
	cli_emit(&b);
	return EXIT_OK;
}

/* ---- person, cert, exam, health reads ------------------------------------------------------- */

/* The row of a person or a deployment; dies naming it and where to look if there is none. */
static void load_row(muster_snap *sn, int table, const char *id, muster_rec *r)
{
	int rc = muster_row_cget(sn, table, id, r);
	if (rc == MUSTER_ENOTFOUND && table == MUSTER_T_PERSON)
		die(EXIT_NOTFOUND, L("person %s is not enrolled; see 'muster person list'", "人员 %s 未登记；参见 'muster person list'"),
			id);
	if (rc == MUSTER_ENOTFOUND)
		die(EXIT_NOTFOUND, L("deployment %s does not exist; see 'muster deploy list'", "出动 %s 不存在；参见 'muster deploy list'"),
			id);
	if (rc)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
}

struct plist {
	muster_snap *sn;
	muster_buf b;
	int json, status; /* -1: any */
	size_t n;
};

static int plist_one(const muster_rec *p, void *arg)
{
	struct plist *l = arg;
	if (l->status >= 0 && p->v[MF_STATUS].u != (uint64_t)l->status)
		return 0;
	if (l->json) {
		muster_buf_puts(&l->b, l->n ? ",{" : "{");
		cli_rec_fields(&l->b, p);
		uint64_t birth;
		char sex;
		if (muster_person_birth(p, &birth, &sex) == 0) {
			char d[11];
			muster_date_format(birth, d);
			muster_buf_printf(&l->b, ",\"birth\":\"%s\",\"sex\":\"%c\"", d, sex);
		}
		muster_buf_puts(&l->b, "}");
	} else {
		const muster_field *pos = muster_field_get(MF_POSITION), *st = muster_field_get(MF_STATUS);
		const char *ps = cli_zh() ? pos->enums_zh[p->v[MF_POSITION].u] : pos->enums[p->v[MF_POSITION].u];
		const char *ss = cli_zh() ? st->enums_zh[p->v[MF_STATUS].u] : st->enums[p->v[MF_STATUS].u];
		cli_col(&l->b, p->v[MF_PERSON].p, p->v[MF_PERSON].n, 18);
		cli_col(&l->b, p->v[MF_NAME].p, p->v[MF_NAME].n, 8);
		cli_col(&l->b, p->v[MF_TEAM].p, p->v[MF_TEAM].n, 10);
		cli_col(&l->b, ps, strlen(ps), 18);
		muster_buf_puts(&l->b, ss);
		muster_buf_puts(&l->b, "\n");
	}
	l->n++;
	return 0;
}

static int person_list(const struct opts *o)
{
	static const char *const allowed[] = {"team", "status", NULL};
	cli_only(o, "muster person list", allowed);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	struct plist l = {sn, {0}, o->json, -1, 0};
	const char *st = cli_opt(o, "status");
	if (st) {
		const muster_field *f = muster_field_get(MF_STATUS);
		for (int i = 0; f->enums[i]; i++)
			if (strcmp(st, f->enums[i]) == 0 || strcmp(st, f->enums_zh[i]) == 0)
				l.status = i;
		if (l.status < 0)
			die(EXIT_USAGE, L("--status '%s' is not one of active suspended left", "--status '%s' 无效；可用 active suspended left"),
				st);
	}
	muster_buf_puts(&l.b, o->json ? "[" : "");
	int rc = muster_people_each(sn, team_opt(o, sn), plist_one, &l);
	if (rc)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	muster_buf_puts(&l.b, o->json ? "]\n" : "");
	muster_snap_end(sn);
	muster_store_close(s);
	cli_emit(&l.b);
	return EXIT_OK;
}

struct rows {
	muster_snap *sn;
	muster_buf *b;
	int json;
	size_t n;
	uint64_t date;
};

static int cert_row(const char *key, size_t klen, const muster_rec *c, void *arg)
{
	struct rows *r = arg;
	(void)key, (void)klen;
	int st = muster_cert_status(c, r->date);
	if (r->json) {
		muster_buf_puts(r->b, r->n ? ",{" : "{");
		cli_rec_fields(r->b, c);
		muster_buf_printf(r->b, ",\"status\":\"%s\"}", muster_cert_statuses[st]);
	} else {
		muster_buf_puts(r->b, "  ");
		muster_buf k = {0};
		kind_words(&k, r->sn, c->v[MF_KIND].p, c->v[MF_KIND].n);
		cli_col(r->b, (const char *)k.data, k.len, 20);
		muster_buf_free(&k);
		cli_col(r->b, c->v[MF_NUMBER].p, c->v[MF_NUMBER].n, 20);
		if (MUSTER_HAS(c, MF_ITEM))
			cli_col(r->b, c->v[MF_ITEM].p, c->v[MF_ITEM].n, 12);
		char d[11];
		muster_buf_puts(r->b, cli_zh() ? muster_cert_statuses_zh[st] : muster_cert_statuses[st]);
		if (MUSTER_HAS(c, MF_VALID_TO)) {
			muster_date_format(c->v[MF_VALID_TO].u, d);
			muster_buf_printf(r->b, L("  valid to %s", "  有效期至 %s"), d);
		}
		if (MUSTER_HAS(c, MF_DUE)) {
			muster_date_format(c->v[MF_DUE].u, d);
			muster_buf_printf(r->b, L("  review due %s", "  复审 %s"), d);
		}
		muster_buf_puts(r->b, "\n");
	}
	r->n++;
	return 0;
}

static int exam_row(const char *key, size_t klen, const muster_rec *x, void *arg)
{
	struct rows *r = arg;
	(void)key, (void)klen;
	if (r->json) {
		muster_buf_puts(r->b, r->n ? ",{" : "{");
		cli_rec_fields(r->b, x);
		muster_buf_puts(r->b, "}");
	} else {
		muster_buf_puts(r->b, "  ");
		muster_rec_words(r->b, x, cli_zh(), MUSTER_BIT(MF_PERSON) | MUSTER_BIT(MF_REF));
		muster_buf_puts(r->b, "\n");
	}
	r->n++;
	return 0;
}

static void prefix_of(const char *id, char *pre, size_t *n)
{
	*n = strlen(id);
	memcpy(pre, id, *n);
	pre[(*n)++] = 0;
}

static int person_show(const struct opts *o)
{
	static const char *const allowed[] = {"date", NULL};
	cli_only(o, "muster person show", allowed);
	if (o->npos != 3 || strlen(o->pos[2]) > 18)
		die(EXIT_USAGE, "%s", L("usage: muster person show ID [--date D] [--json]", "用法: muster person show 身份证号 [--date 日期] [--json]"));
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	muster_rec p;
	load_row(sn, MUSTER_T_PERSON, o->pos[2], &p);
	uint64_t date = date_opt(o, "date", cli_today());
	muster_reason why[MUSTER_REASONS_MAX];
	size_t n, blocks;
	int rc = muster_person_ready(sn, &p, date, NULL, why, &n, &blocks);
	if (rc)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	muster_buf b = {0};
	char pre[24];
	size_t pn;
	prefix_of(o->pos[2], pre, &pn);
	struct rows r = {sn, &b, o->json, 0, date};
	uint64_t birth = 0, due, interval;
	char sex = '?', bd[11];
	(void)muster_person_birth(&p, &birth, &sex);
	muster_date_format(birth, bd);
	if ((rc = muster_person_periodic_due(sn, &p, &due, &interval)) != 0)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	if (o->json) {
		muster_buf_puts(&b, "{\"person\":{");
		cli_rec_fields(&b, &p);
		muster_buf_printf(&b, ",\"birth\":\"%s\",\"sex\":\"%c\"}", bd, sex);
		if (due) {
			char d[11];
			muster_date_format(due, d);
			muster_buf_printf(&b, ",\"periodic_due\":\"%s\"", d);
		}
		muster_buf_printf(&b, ",\"periodic_interval\":%" PRIu64 ",\"deployable\":%s,\"reasons\":[", interval,
			blocks ? "false" : "true");
		for (size_t i = 0, k = 0; i < n; i++) {
			muster_buf_puts(&b, k++ ? "," : "");
			reason_json(&b, sn, &p, &why[i]);
		}
		muster_buf_puts(&b, "],\"certificates\":[");
	} else {
		muster_rec_words(&b, &p, cli_zh(), MUSTER_BIT(MF_REGISTERED) | MUSTER_BIT(MF_LAST));
		muster_buf_printf(&b, L("\nborn %s, %s\n", "\n出生 %s，%s\n"), bd,
			sex == 'M' ? L("male", "男") : L("female", "女"));
		if (due) {
			char d[11];
			muster_date_format(due, d);
			muster_buf_printf(&b, L("next periodic exam due %s (every %" PRIu64 " days)\n",
						"下次在岗期间体检 %s（每 %" PRIu64 " 天）\n"),
				d, interval);
		}
		muster_buf_puts(&b, blocks ? L("NOT deployable: ", "不可出动：") : L("deployable", "可出动"));
		for (int pass = 1; pass >= 0; pass--) { /* blocks first, then warnings in brackets */
			size_t before = b.len;
			for (size_t i = 0; i < n; i++) {
				if (MUSTER_REASON_BLOCKS(why[i].code) != pass)
					continue;
				muster_buf_puts(&b, b.len > before ? L("; ", "；") : pass ? "" : blocks ? L(" (also: ", "（另：") : L(" (", "（"));
				reason_words(&b, sn, &p, &why[i]);
			}
			if (!pass && b.len > before)
				muster_buf_puts(&b, L(")", "）"));
		}
		muster_buf_puts(&b, L("\ncertificates:\n", "\n证书：\n"));
	}
	if ((rc = muster_row_list(sn, MUSTER_T_CERT, pre, pn, cert_row, &r)) != 0)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	r.n = 0;
	muster_buf_puts(&b, o->json ? "],\"exams\":[" : L("health exams:\n", "职业健康检查：\n"));
	if ((rc = muster_row_list(sn, MUSTER_T_EXAM, pre, pn, exam_row, &r)) != 0)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	muster_buf_puts(&b, o->json ? "]}\n" : "");
	muster_snap_end(sn);
	muster_store_close(s);
	cli_emit(&b);
	return EXIT_OK;
}

struct team_rows {
	struct rows *r;
	int table;
};

static int team_person_rows(const muster_rec *p, void *arg)
{
	struct team_rows *t = arg;
	char pre[24];
	size_t pn = p->v[MF_PERSON].n;
	memcpy(pre, p->v[MF_PERSON].p, pn);
	pre[pn++] = 0;
	return muster_row_list(t->r->sn, t->table, pre, pn, t->table == MUSTER_T_CERT ? cert_row : exam_row, t->r);
}

/* cert list / exam list: --person ID or --team T (or everyone). */
static int person_rows(const struct opts *o, int table, const char *what)
{
	static const char *const cert_opts[] = {"person", "team", "date", NULL}, *const exam_opts[] = {"person", "team", NULL};
	cli_only(o, what, table == MUSTER_T_CERT ? cert_opts : exam_opts);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	muster_buf b = {0};
	struct rows r = {sn, &b, o->json, 0, date_opt(o, "date", cli_today())};
	const char *id = cli_opt(o, "person");
	muster_buf_puts(&b, o->json ? "[" : "");
	int rc;
	if (id) {
		muster_rec p;
		char pre[24];
		size_t pn;
		if (strlen(id) > 18)
			die(EXIT_USAGE, L("--person '%s' is not a resident ID", "--person '%s' 不是身份证号"), id);
		load_row(sn, MUSTER_T_PERSON, id, &p);
		prefix_of(id, pre, &pn);
		rc = muster_row_list(sn, table, pre, pn, table == MUSTER_T_CERT ? cert_row : exam_row, &r);
	} else {
		struct team_rows t = {&r, table};
		rc = muster_people_each(sn, team_opt(o, sn), team_person_rows, &t);
	}
	if (rc)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	muster_buf_puts(&b, o->json ? "]\n" : "");
	muster_snap_end(sn);
	muster_store_close(s);
	cli_emit(&b);
	return EXIT_OK;
}

static int kind_one(const muster_cert_rule *k, void *arg)
{
	struct rows *r = arg;
	if (r->json) {
		muster_buf_puts(r->b, r->n ? ",{\"kind\":" : "{\"kind\":");
		muster_json_str(r->b, k->kind, k->kind_len);
		muster_buf_puts(r->b, ",\"name\":");
		muster_json_str(r->b, k->name, k->name_len);
		muster_buf_printf(r->b, ",\"validity\":%u,\"review\":%u,\"window\":%u,\"hours\":%u,\"t_number\":%s,\"builtin\":%s}",
			k->validity, k->review, k->window, k->hours, k->t_number ? "true" : "false", k->builtin ? "true" : "false");
	} else {
		cli_col(r->b, k->kind, k->kind_len, 12);
		cli_col(r->b, k->name, k->name_len, 20);
		muster_buf_printf(r->b, L("valid %u months, review every %u months, window %u days, %u h training%s%s\n",
					  "有效期 %u 个月，复审周期 %u 个月，复审申请期 %u 天，培训 %u 学时%s%s\n"),
			k->validity, k->review, k->window, k->hours, k->t_number ? L(", number T+ID", "，编号 T+身份证号") : "",
			k->builtin ? L(" (built in)", "（内置）") : "");
	}
	r->n++;
	return 0;
}

static int cert_kinds(const struct opts *o)
{
	cli_only(o, "muster cert kinds", NULL);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	muster_buf b = {0};
	struct rows r = {sn, &b, o->json, 0, 0};
	muster_buf_puts(&b, o->json ? "[" : "");
	int rc = muster_cert_rules(sn, kind_one, &r);
	if (rc)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	muster_buf_puts(&b, o->json ? "]\n" : "");
	muster_snap_end(sn);
	muster_store_close(s);
	cli_emit(&b);
	return EXIT_OK;
}

static int rec_row(const char *key, size_t klen, const muster_rec *x, void *arg)
{
	(void)key, (void)klen;
	return exam_row(NULL, 0, x, arg);
}

/* A read command listing every row of one table, as text or a JSON array. */
static int table_list(const struct opts *o, const char *what, int table, muster_row_cb each)
{
	cli_only(o, what, NULL);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	muster_buf b = {0};
	struct rows r = {sn, &b, o->json, 0, 0};
	muster_buf_puts(&b, o->json ? "[" : "");
	int rc = muster_row_list(sn, table, NULL, 0, each, &r);
	if (rc)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	muster_buf_puts(&b, o->json ? "]\n" : "");
	muster_snap_end(sn);
	muster_store_close(s);
	cli_emit(&b);
	return EXIT_OK;
}

/* ---- deployments ------------------------------------------------------------------------- */

static int64_t minutes(const muster_rec *d, unsigned from, unsigned to)
{
	if (!MUSTER_HAS(d, from) || !MUSTER_HAS(d, to))
		return -1;
	return ((int64_t)d->v[to].u - (int64_t)d->v[from].u) / 60;
}

struct crew {
	muster_snap *sn;
	muster_buf *b;
	const char *dep;
	size_t dn;
	int json, what; /* 'p' or 'a' */
	size_t n;
};

static int crew_one(const char *key, size_t klen, const muster_rec *m, void *arg)
{
	struct crew *c = arg;
	if (key[c->dn + 1] != c->what)
		return 0;
	const char *id = key + c->dn + 3;
	size_t idn = klen - c->dn - 3;
	char k[200], idz[80];
	muster_rec row, o;
	if (idn >= sizeof idz)
		return 0;
	memcpy(idz, id, idn);
	idz[idn] = 0;
	k[0] = (char)c->what;
	k[1] = 0;
	memcpy(k + 2, id, idn);
	k[2 + idn] = 0;
	memcpy(k + 3 + idn, c->dep, c->dn);
	int owes = muster_row_get(c->sn, MUSTER_T_OWE, k, 3 + idn + c->dn, &o) == 0;
	int have = muster_row_cget(c->sn, c->what == 'p' ? MUSTER_T_PERSON : MUSTER_T_ASSET, idz, &row) == 0;
	if (c->json) {
		muster_buf_puts(c->b, c->n ? ",{" : "{");
		muster_buf_puts(c->b, c->what == 'p' ? "\"person\":" : "\"id\":");
		muster_json_str(c->b, id, idn);
		if (have && c->what == 'p') {
			muster_buf_puts(c->b, ",\"name\":");
			muster_json_str(c->b, row.v[MF_NAME].p, row.v[MF_NAME].n);
		} else if (have) {
			muster_buf_puts(c->b, ",\"type\":");
			muster_json_str(c->b, row.v[MF_TYPE].p, row.v[MF_TYPE].n);
			muster_buf_printf(c->b, ",\"state\":\"%s\"", muster_asset_states[row.v[MF_STATE].u]);
		}
		if (MUSTER_HAS(m, MF_REASON)) {
			muster_buf_puts(c->b, ",\"override\":");
			muster_json_str(c->b, m->v[MF_REASON].p, m->v[MF_REASON].n);
		}
		muster_buf_printf(c->b, ",\"owes\":%s", owes ? "true" : "false");
		if (owes) {
			char d[11];
			muster_date_format(o.v[MF_DUE].u, d);
			muster_buf_printf(c->b, ",\"owed_by\":\"%s\"", d);
		}
		muster_buf_puts(c->b, "}");
	} else {
		muster_buf_puts(c->b, "  ");
		cli_col(c->b, id, idn, c->what == 'p' ? 18 : 16);
		if (have)
			cli_col(c->b, c->what == 'p' ? row.v[MF_NAME].p : row.v[MF_TYPE].p,
				c->what == 'p' ? row.v[MF_NAME].n : row.v[MF_TYPE].n, 16);
		if (MUSTER_HAS(m, MF_REASON)) {
			muster_buf_puts(c->b, L("override: ", "特批："));
			put_fv(c->b, &m->v[MF_REASON]);
			muster_buf_puts(c->b, "  ");
		}
		if (owes)
			muster_buf_puts(c->b, c->what == 'p' ? L("owes the emergency exam", "应急体检未做") :
								L("owes the post-use inspection", "出动后检查未做"));
		muster_buf_puts(c->b, "\n");
	}
	c->n++;
	return 0;
}

static int deploy_show(const struct opts *o)
{
	cli_only(o, "muster deploy show", NULL);
	if (o->npos != 3)
		die(EXIT_USAGE, "%s", L("usage: muster deploy show DEPLOYMENT [--json]", "用法: muster deploy show 出动编号 [--json]"));
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	muster_rec d;
	muster_policy pol;
	load_row(sn, MUSTER_T_DEPLOY, o->pos[2], &d);
	int rc = muster_policy_get(sn, &pol);
	if (rc)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	uint64_t target = MUSTER_HAS(&d, MF_TARGET) ? d.v[MF_TARGET].u : pol.target;
	int64_t response = minutes(&d, MF_ORDERED, MF_ARRIVED), travel = minutes(&d, MF_DEPARTED, MF_ARRIVED),
		report = minutes(&d, MF_RETURNED, MF_REPORTED);
	muster_buf b = {0};
	char pre[80];
	size_t pn;
	prefix_of(o->pos[2], pre, &pn);
	struct crew c = {sn, &b, o->pos[2], pn - 1, o->json, 'p', 0};
	if (o->json) {
		muster_buf_puts(&b, "{\"deployment\":{");
		cli_rec_fields(&b, &d);
		muster_buf_printf(&b, "},\"status\":\"%s\",\"target_minutes\":%" PRIu64,
			MUSTER_HAS(&d, MF_RETURNED) ? "returned" : "open", target);
		if (response >= 0)
			muster_buf_printf(&b, ",\"response_minutes\":%" PRId64 ",\"on_time\":%s", response,
				(uint64_t)response <= target ? "true" : "false");
		if (travel >= 0)
			muster_buf_printf(&b, ",\"travel_minutes\":%" PRId64, travel);
		if (report >= 0)
			muster_buf_printf(&b, ",\"report_minutes\":%" PRId64, report);
		muster_buf_puts(&b, ",\"people\":[");
	} else {
		muster_rec_words(&b, &d, cli_zh(), MUSTER_BIT(MF_REGISTERED) | MUSTER_BIT(MF_LAST));
		muster_buf_puts(&b, "\n");
		if (response >= 0)
			muster_buf_printf(&b, L("arrived %" PRId64 " h %02" PRId64 " min after the order (%" PRId64 " min on the road); target %" PRIu64 " h %02" PRIu64 " min: %s\n",
						"接令后 %" PRId64 " 小时 %02" PRId64 " 分到达（途中 %" PRId64 " 分钟）；时限 %" PRIu64 " 小时 %02" PRIu64 " 分：%s\n"),
				response / 60, response % 60, travel, target / 60, target % 60,
				(uint64_t)response <= target ? L("on time", "按时") : L("LATE", "超时"));
		if (report >= 0)
			muster_buf_printf(&b, L("report filed %" PRId64 " h %02" PRId64 " min after the return\n",
						"归建后 %" PRId64 " 小时 %02" PRId64 " 分提交出动报告\n"),
				report / 60, report % 60);
		else if (MUSTER_HAS(&d, MF_RETURNED))
			muster_buf_puts(&b, L("report not yet filed\n", "出动报告尚未提交\n"));
		muster_buf_puts(&b, L("people:\n", "人员：\n"));
	}
	if ((rc = muster_row_list(sn, MUSTER_T_CREW, pre, pn, crew_one, &c)) != 0)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	c.what = 'a', c.n = 0;
	muster_buf_puts(&b, o->json ? "],\"assets\":[" : L("equipment:\n", "装备：\n"));
	if ((rc = muster_row_list(sn, MUSTER_T_CREW, pre, pn, crew_one, &c)) != 0)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	muster_buf_puts(&b, o->json ? "]}\n" : "");
	muster_snap_end(sn);
	muster_store_close(s);
	cli_emit(&b);
	return EXIT_OK;
}

static int deploy_row(const char *key, size_t klen, const muster_rec *d, void *arg)
{
	struct rows *r = arg;
	(void)key, (void)klen;
	if (r->json) {
		muster_buf_puts(r->b, r->n ? ",{" : "{");
		cli_rec_fields(r->b, d);
		muster_buf_printf(r->b, ",\"status\":\"%s\"}", MUSTER_HAS(d, MF_RETURNED) ? "returned" : "open");
	} else {
		char t[20];
		muster_time_format(d->v[MF_ORDERED].u, t);
		cli_col(r->b, d->v[MF_DEPLOYMENT].p, d->v[MF_DEPLOYMENT].n, 14);
		cli_col(r->b, t, strlen(t), 16);
		cli_col(r->b, d->v[MF_INCIDENT].p, d->v[MF_INCIDENT].n, 14);
		cli_col(r->b, d->v[MF_LOCATION].p, d->v[MF_LOCATION].n, 20);
		muster_buf_printf(r->b, L("%" PRIu64 " people, %" PRIu64 " assets, %s\n", "%" PRIu64 " 人，%" PRIu64 " 件装备，%s\n"),
			d->v[MF_PEOPLE].u, d->v[MF_ASSETS].u,
			MUSTER_HAS(d, MF_RETURNED) ? L("returned", "已归建") : L("open", "进行中"));
	}
	r->n++;
	return 0;
}

/* deploy asset D ASSET...: each asset checked out to the deployment, all in one commit or none. */
struct checkouts {
	const muster_signer *signer;
	muster_rec *recs;
	size_t n;
	uint64_t first;
};

static int write_checkouts(muster_wtxn *w, void *arg)
{
	struct checkouts *c = arg;
	for (size_t i = 0; i < c->n; i++) {
		muster_buf body = {0};
		uint64_t index;
		muster_rec_encode(&body, &c->recs[i]);
		int rc = body.err ? body.err : muster_append(w, c->signer, MUSTER_EV_CHECKOUT, body.data, body.len, &index);
		muster_buf_free(&body);
		if (rc)
			return rc;
		if (i == 0)
			c->first = index;
	}
	return 0;
}

static int deploy_asset(const struct opts *o)
{
	static const char *const allowed[] = {"holder", "due", "notes", NULL};
	cli_only(o, "muster deploy asset", allowed);
	if (o->npos < 4)
		die(EXIT_USAGE, "%s", L("usage: muster deploy asset DEPLOYMENT ASSET|LABEL... [--holder WHO] [--due DATE]",
					  "用法: muster deploy asset 出动编号 资产|标签... [--holder 领用人] [--due 日期]"));
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	muster_rec d;
	load_row(sn, MUSTER_T_DEPLOY, o->pos[2], &d);
	muster_snap_end(sn);
	size_t n = (size_t)o->npos - 3;
	muster_rec *recs = calloc(n, sizeof *recs);
	char (*ids)[MUSTER_TAG_ID_MAX + 1] = calloc(n, sizeof *ids);
	if (!recs || !ids)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	char why[512];
	const char *holder = cli_opt(o, "holder");
	for (size_t i = 0; i < n; i++) {
		cli_resolve_asset(s, o->pos[3 + i], ids[i]);
		muster_rec *r = &recs[i];
		muster_rec_clear(r);
		muster_rec_cstr(r, MF_ID, ids[i]);
		muster_rec_cstr(r, MF_DEPLOYMENT, o->pos[2]);
		muster_rec_uint(r, MF_PURPOSE, 0);
		if (holder)
			muster_rec_cstr(r, MF_HOLDER, holder);
		else
			muster_rec_text(r, MF_HOLDER, d.v[MF_INCIDENT].p, d.v[MF_INCIDENT].n);
		static const char *const opt[] = {"due", "notes"};
		static const unsigned tag[] = {MF_DUE, MF_NOTES};
		for (int k = 0; k < 2; k++) {
			const char *v = cli_opt(o, opt[k]);
			if (v && muster_fv_parse(muster_field_get(tag[k]), v, r, NULL, NULL, why, sizeof why) != 0)
				die(EXIT_USAGE, "%s", why);
		}
	}
	muster_signer *signer = cli_signer(o);
	struct checkouts c = {signer, recs, n, 0};
	int rc = muster_write(s, write_checkouts, &c);
	muster_signer_free(signer);
	if (rc)
		cli_write_failed(s, L("muster deploy asset refused", "出动装备被拒绝"), rc);
	if (o->json)
		printf("{\"deployment\":\"%s\",\"assets\":%zu,\"first_index\":%" PRIu64 "}\n", o->pos[2], n, c.first);
	else
		printf(L("%zu assets checked out to deployment %s, entries %" PRIu64 "-%" PRIu64 "\n",
			       "%zu 件装备已随出动 %s 借出，条目 %" PRIu64 "-%" PRIu64 "\n"),
			n, o->pos[2], c.first, c.first + n - 1);
	free(recs);
	free(ids);
	muster_store_close(s);
	return EXIT_OK;
}

int cmd_people(const struct opts *o, const char *noun, const char *verb)
{
	if (strcmp(noun, "ready") == 0)
		return cmd_ready(o);
	if (strcmp(noun, "due") == 0)
		return cmd_due(o);
	if (strcmp(noun, "person") == 0) {
		if (strcmp(verb, "list") == 0)
			return person_list(o);
		if (strcmp(verb, "show") == 0)
			return person_show(o);
	}
	if (strcmp(noun, "cert") == 0) {
		if (strcmp(verb, "list") == 0)
			return person_rows(o, MUSTER_T_CERT, "muster cert list");
		if (strcmp(verb, "kinds") == 0)
			return cert_kinds(o);
	}
	if (strcmp(noun, "exam") == 0 && strcmp(verb, "list") == 0)
		return person_rows(o, MUSTER_T_EXAM, "muster exam list");
	if (strcmp(noun, "health") == 0 && strcmp(verb, "rules") == 0)
		return table_list(o, "muster health rules", MUSTER_T_HRULE, rec_row);
	if (strcmp(noun, "deploy") == 0) {
		if (strcmp(verb, "show") == 0)
			return deploy_show(o);
		if (strcmp(verb, "list") == 0)
			return table_list(o, "muster deploy list", MUSTER_T_DEPLOY, deploy_row);
		if (strcmp(verb, "asset") == 0)
			return deploy_asset(o);
	}
	die(EXIT_USAGE, L("unknown command 'muster %s %s'; see 'muster --help'", "未知命令 'muster %s %s'；参见 'muster --help'"),
		noun, verb);
}
