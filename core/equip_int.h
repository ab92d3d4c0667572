/* equip_int.h - what equip.c (rules) and equip_read.c (reads) share. */
#ifndef MUSTER_EQUIP_INT_H
#define MUSTER_EQUIP_INT_H

#include "internal.h"

/* Reads the row under key in dbi; copies the value into copy (if not NULL) and decodes it. */
int muster_row_read(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, muster_buf *copy, muster_rec *r);

/* The result a count would close with now (muster_count_result, inside any transaction). */
int muster_count_compute(MDB_txn *txn, const MDB_dbi *dbi, const muster_rec *count, muster_count_lists *l,
	muster_rec *out);

/*
 * The rules of the domain events (equip.c, people.c) run with a ctx: the
 * write transaction, the entry and its decoded body, "today" (the entry's
 * date in Shanghai) and a sentence buffer for a refusal.
 */
struct ctx {
	MDB_txn *txn;
	const MDB_dbi *dbi;
	const muster_entry *e;
	muster_rec ev;     /* the event's body */
	uint64_t today;
	char *why;
	size_t whylen;
	muster_buf row[3]; /* copies of rows read, one per slot */
	muster_buf out;    /* encoding of a row to write */
};
#define SAY(...) snprintf(c->why, c->whylen, __VA_ARGS__)
#define V(tag) (&c->ev.v[tag])
#define PS(v) (int)(v)->n, (v)->p

/* Row access in a rule: reads copy into slot (0..2) so up to three rows stay valid at once. */
int rule_get(struct ctx *c, int db, const void *key, size_t klen, int slot, muster_rec *r);
int rule_put_raw(struct ctx *c, int db, const void *key, size_t klen, const void *val, size_t vlen);
int rule_put(struct ctx *c, int db, const void *key, size_t klen, const muster_rec *r);
int rule_del(struct ctx *c, int db, const void *key, size_t klen);
/* Records that the entry concerns asset id (DB_HIST). */
int rule_hist(struct ctx *c, const muster_fv *id);
/* key = a 0x00 b, in buf (at most 2 x 256 bytes + 1) */
size_t rule_key2(char *buf, const muster_fv *a, const char *b, size_t bn);
/* Codes and ids: ASCII letters, digits, '-', '_' and '.', not starting with '-'. */
int rule_code_ok(const muster_fv *v);
int rule_team_exists(struct ctx *c, const muster_fv *team);

/* The people, certificate, health and deployment rules (people.c); 0 if e is not one of them. */
int muster_people_apply(struct ctx *c);
/* The fund, budget and spending rules (money.c). */
int muster_money_apply(struct ctx *c);
/* An asset checked out or requisitioned for a deployment joins its crew (the deployment must be open). */
int rule_deploy_asset(struct ctx *c, const muster_fv *id);
/* Clears what ('p' person, 'a' asset) id owed for deployments that returned on or before date. */
int rule_owe_clear(struct ctx *c, char what, const muster_fv *id, uint64_t date);
/* 1 if ('p' person, 'a' asset) id owes what a deployment left it owing; cur: a cursor on DB_OWE. */
int muster_owes(MDB_cursor *cur, char what, const char *id, size_t n);

/* The cursors a snapshot keeps, one per database read a few rows at a time for each person or asset. */
enum { SNAP_CERT, SNAP_OWE, SNAP_RULE, SNAP_INSPECT, SNAP_CURSORS };
/* A snapshot: one read transaction (or, inside a rule, the write transaction) and the database handles. */
struct certs;
struct muster_snap {
	muster_store *s; /* NULL inside a rule */
	MDB_txn *txn;
	const MDB_dbi *dbi;
	MDB_cursor *cur[SNAP_CURSORS]; /* muster_snap_cursor's */
	struct certs *certs; /* people_read.c's scratch: one person's certificates */
};
/*
 * sn's cursor in slot which (SNAP_*) on database db, opened on first use and
 * kept until muster_snap_release; NULL if it could not be opened.  A walk in
 * key order that asks it for MDB_SET_RANGE finds the next rows on the page
 * it is on without descending the tree (LMDB checks that page first).
 */
MDB_cursor *muster_snap_cursor(muster_snap *sn, int which, int db);
/*
 * The inspection rules of every asset type in key order (type 0x00 kind),
 * read once for a walk of many assets: muster_rules_load, then
 * muster_rules_free.  Keys and kinds point into sn's pages: valid while it is.
 */
struct muster_rules {
	struct muster_rule_row {
		const char *key;
		size_t klen;
		muster_fv kind;
		uint64_t interval;
	} *r;
	size_t n;
};
int muster_rules_load(muster_snap *sn, struct muster_rules *out);
void muster_rules_free(struct muster_rules *rules);
/*
 * muster_asset_ready, also giving the dues it judged by (d: MUSTER_DUES_MAX of
 * them; *n 0 when not counted).  rules: muster_rules_load's, or NULL to read
 * the asset type's rules from sn.
 */
int muster_asset_ready_dues(muster_snap *sn, const struct muster_rules *rules, const char *id, const muster_rec *asset,
	uint64_t date, int *counted, unsigned *why, muster_due *d, size_t *n);
/* muster_person_ready, also giving what muster_person_periodic_due gives, which it judged by (people_read.c). */
int muster_person_ready_due(muster_snap *sn, const muster_rec *p, uint64_t date, const muster_needs *needs,
	muster_reason *out, size_t *nr, size_t *blocks, uint64_t *due, uint64_t *interval);
/* Closes the cursors and frees the scratch a snapshot gathered (not the transaction). */
void muster_snap_release(muster_snap *sn);

#endif
