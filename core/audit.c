/*
 * audit.c - the checks `muster audit` runs over spending.  Everything is
 * read through one snapshot: the spending rows (one walk), the funds and
 * budgets, the assets with their history (who held them on a date, when
 * they were scrapped: from the log entries themselves), the linked entries,
 * and the recording keys.  Each finding carries the log indexes that prove
 * it, so `muster audit evidence` can hand a third party the entries with
 * their inclusion proofs.
 *
 * A national year is half a million spending rows, so a row is read once,
 * with muster_rec_peek, into 64 bytes (struct sp): its numbers, the day it
 * was recorded (kept in the row by money.c), and small ids for its team,
 * fund, asset, vendor and recording key, interned in hash tables that keep
 * copies of their keys (the snapshot's copies lie all over the map:
 * comparing against them costs a cache miss a row).  What only a finding
 * prints (the vendor's name, the invoice number) is read again from the row
 * then.  Each check sorts the rows it needs by an integer key, ids ranked in
 * byte order, with a stable radix sort: rows come in the order a comparison
 * of the strings would give, ties by log index.  An asset's history is read
 * once per asset, not once per payment, and the entries of all of them in
 * log order: its custody timeline, its scrapping, and which of its entries
 * are inspections and repairs that its maintenance may link.  Memory: the
 * 64 bytes and 32 of sorting a row, 64 an entry of the history of an asset
 * paid for, and the interned strings.
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

#define NONE UINT32_MAX
#define KEY_MAX 1024 /* longer than any code, id or credit code can be */

/* ---- interned strings ------------------------------------------------------------------- */

/* A set of byte strings, each with an id 0.. in the order they came; open addressing on their hashes. */
struct itab {
	uint32_t *slot; /* id + 1; 0: empty */
	size_t cap;     /* a power of two */
	struct istr {
		const char *p; /* kept */
		size_t n;
		uint64_t h;
		uint32_t rank;     /* place in byte order, once ranked */
		uint8_t in, safety; /* teams and funds: passes the query; funds: the enterprise safety cost */
		const char *team;  /* depots: the depot's team, "" if unknown */
		size_t team_n;
	} *s;
	size_t n, scap;
	struct muster_chunk *keys;
};

static inline uint64_t hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ n;
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9u;
		h ^= h >> 31;
	}
	uint64_t w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0x94d049bb133111ebu;
	return h ^ (h >> 29);
}

/* *id of (p, n), added if new (*added set); MUSTER_ENOMEM or MUSTER_ECORRUPT (a key no row can hold). */
static int intern(struct itab *t, const char *p, size_t n, uint32_t *id, int *added)
{
	if (n > KEY_MAX)
		return MUSTER_ECORRUPT;
	uint64_t h = hash(p, n);
	if (t->cap) {
		for (size_t i = (size_t)h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
			uint32_t v = t->slot[i];
			if (!v)
				break;
			const struct istr *s = &t->s[v - 1];
			if (s->h == h && s->n == n && memcmp(s->p, p, n) == 0) {
				*id = v - 1;
				if (added)
					*added = 0;
				return 0;
			}
		}
	}
	if ((t->n + 1) * 4 > t->cap * 3) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		uint32_t *slot = calloc(cap, sizeof *slot);
		if (!slot)
			return MUSTER_ENOMEM;
		for (size_t k = 0; k < t->n; k++) {
			size_t i = (size_t)t->s[k].h & (cap - 1);
			while (slot[i])
				i = (i + 1) & (cap - 1);
			slot[i] = (uint32_t)k + 1;
		}
		free(t->slot);
		t->slot = slot, t->cap = cap;
	}
	if (t->n == t->scap) {
		size_t scap = t->scap ? t->scap * 2 : 64;
		struct istr *s = realloc(t->s, scap * sizeof *s);
		if (!s)
			return MUSTER_ENOMEM;
		t->s = s, t->scap = scap;
	}
	const char *k = muster_keep(&t->keys, p, n);
	if (!k || t->n >= NONE)
		return MUSTER_ENOMEM;
	t->s[t->n] = (struct istr){k, n, h, 0, 0, 0, "", 0};
	size_t i = (size_t)h & (t->cap - 1);
	while (t->slot[i])
		i = (i + 1) & (t->cap - 1);
	t->slot[i] = (uint32_t)++t->n;
	*id = (uint32_t)(t->n - 1);
	if (added)
		*added = 1;
	return 0;
}

struct ranked {
	const char *p;
	size_t n;
	uint32_t id;
};

static int ranked_cmp(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);
	return c ? c : (a->n > b->n) - (a->n < b->n);
}

/* Each string's rank in byte order (what a comparison of the strings themselves would sort by). */
static int rank(struct itab *t)
{
	struct ranked *o = malloc((t->n ? t->n : 1) * sizeof *o);
	if (!o)
		return MUSTER_ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		o[i] = (struct ranked){t->s[i].p, t->s[i].n, (uint32_t)i};
	qsort(o, t->n, sizeof *o, ranked_cmp);
	for (size_t i = 0; i < t->n; i++)
		t->s[o[i].id].rank = (uint32_t)i;
	free(o);
	return 0;
}

static void itab_free(struct itab *t)
{
	free(t->slot);
	free(t->s);
	muster_keep_free(t->keys);
}

/* ---- sorting by integer keys ------------------------------------------------------------ */

/* A row (its place in run.sp, so in log-index order) and the key it sorts by. */
struct kr {
	uint64_t key;
	uint32_t row;
};

/*
 * Sorts a by key, stably (rows of equal keys stay in the order they came):
 * LSD radix on the bytes that differ, through tmp (room for n).
 */
static void rsort(struct kr *a, struct kr *tmp, size_t n)
{
	uint64_t all = ~(uint64_t)0, any = 0;
	for (size_t i = 0; i < n; i++)
		all &= a[i].key, any |= a[i].key;
	uint64_t diff = all ^ any;
	struct kr *src = a, *dst = tmp;
	for (unsigned b = 0; n > 1 && b < 64; b += 8) {
		if (!((diff >> b) & 0xff))
			continue;
		size_t cnt[256] = {0}, sum = 0;
		for (size_t i = 0; i < n; i++)
			cnt[(src[i].key >> b) & 0xff]++;
		for (size_t d = 0; d < 256; d++) {
			size_t c = cnt[d];
			cnt[d] = sum, sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[(src[i].key >> b) & 0xff]++] = src[i];
		struct kr *t = src;
		src = dst, dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

/* ---- the run ------------------------------------------------------------------------------ */

/*
 * One spending row, as the checks need it: 64 bytes.  Its vendor's name and
 * invoice number are read again from the row when a finding needs them.
 */
struct sp {
	uint64_t index, amount, link;
	uint64_t ikey;                /* hash of the vendor's credit code and the invoice number */
	uint32_t date, entry_date;    /* YYYYMMDD: the spending's, the day its entry was signed (Beijing time) */
	uint32_t team, fund, asset, vcode, recorder; /* ids; asset and recorder NONE when there is none */
	uint8_t state, type, flags;
};
enum {
	SP_LINK = 1,    /* has a link */
	SP_IN = 2,      /* passes the query's year, team and fund */
	SP_SAFETY = 4,  /* enterprise safety cost without its article, or on initial construction */
	SP_ARTICLE = 8, /* cites an article */
};

/* What the signer check needs of a recording key, asked of the store once per key. */
struct recorder {
	int rc; /* of muster_key_get; -1: not asked yet */
	muster_key_info k;
	muster_buf kb;
};

struct run {
	muster_snap *sn;
	const muster_audit_query *q;
	muster_finding_cb cb;
	void *arg;
	struct sp *sp;
	size_t n;
	struct kr *v, *tmp; /* room for n: the rows a check sorts, and the sort's scratch */
	uint64_t threshold;
	int stop;
	int dispositions; /* any in the store: else a finding need not look for one */
	MDB_cursor *log;  /* on the log database: entries in index order, and the assets' histories */
	uint64_t log_at;  /* the index of the entry it is on, UINT64_MAX if not known */
	struct itab teams, funds, assets, vcodes, recorders, depots;
	struct recorder *rec; /* by recorder id */
	/* While holding, findings wait here by check and are passed on in check order by release(). */
	int holding, err;
	muster_finding *held[MUSTER_CHK_COUNT];
	size_t nheld[MUSTER_CHK_COUNT], capheld[MUSTER_CHK_COUNT];
	const char *last_recorder; /* the last row's (most rows have one of a few), and its id */
	uint32_t last_recorder_id;
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

static muster_fv str_of(const struct itab *t, uint32_t id)
{
	return (muster_fv){0, t->s[id].p, t->s[id].n};
}

/* 1 if field tag was read into v (has) and holds needle. */
static int contains(const muster_fv *v, muster_mask has, unsigned tag, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; (has >> tag & 1) && i + n <= v[tag].n; i++)
		if (memcmp(v[tag].p + i, needle, n) == 0)
			return 1;
	return 0;
}

/* 1 if field tag names initial construction, which the enterprise safety cost may not pay for. */
static int construction(const muster_fv *v, muster_mask has, unsigned tag)
{
	return contains(v, has, tag, "三同时") || contains(v, has, tag, "初始建设") || contains(v, has, tag, "新建项目");
}

/*
 * Puts the run's log cursor on the entry at index, *v its bytes.  The
 * checks ask for entries in ascending order, often a few apart: the cursor
 * steps forward to one close ahead (an entry, its hashes and maybe a
 * checkpoint are three records), which costs less than a search from the
 * root.
 */
#define LOG_STEPS 24
static int log_seek(struct run *r, uint64_t index, MDB_val *v)
{
	MDB_val k;
	int mrc = MDB_NOTFOUND;
	if (r->log_at < index && index - r->log_at <= LOG_STEPS / 3) {
		for (int i = 0; i < LOG_STEPS; i++) {
			if ((mrc = mdb_cursor_get(r->log, &k, v, MDB_NEXT)) != 0)
				break;
			const uint8_t *kb = k.mv_data;
			uint64_t at = k.mv_size == LOG_KEY ? be64_get(kb) : UINT64_MAX;
			if (at > index || (at == index && kb[8] == LOG_ENTRY)) {
				mrc = at == index ? 0 : MDB_NOTFOUND;
				break;
			}
			mrc = MDB_NOTFOUND;
		}
	}
	if (mrc != 0) {
		uint8_t kb[LOG_KEY];
		log_key(kb, index, LOG_ENTRY);
		k = (MDB_val){LOG_KEY, kb};
		mrc = mdb_cursor_get(r->log, &k, v, MDB_SET_KEY);
	}
	r->log_at = mrc == 0 ? index : UINT64_MAX;
	return muster_mdb_err(mrc);
}

static int entry_at(struct run *r, uint64_t index, muster_entry *e)
{
	MDB_val v;
	int rc = log_seek(r, index, &v);
	if (rc == 0)
		rc = muster_entry_decode(v.mv_data, v.mv_size, e);
	if (rc == 0 && e->index != index)
		rc = MUSTER_ECORRUPT;
	return rc;
}

/* The day (Beijing time) the entry at index was signed: only its head is read. */
static int entry_day(struct run *r, uint64_t index, uint32_t *day)
{
	MDB_val v;
	muster_rd rd;
	int rc = log_seek(r, index, &v);
	if (rc)
		return rc;
	muster_rd_init(&rd, v.mv_data, v.mv_size);
	uint64_t version = muster_get_uint(&rd);
	(void)muster_get_uint(&rd); /* type */
	uint64_t at = muster_get_uint(&rd), ms = muster_get_uint(&rd);
	if (rd.err || version != MUSTER_ENTRY_VERSION || at != index)
		return MUSTER_ECORRUPT;
	*day = (uint32_t)muster_date_of_ms(ms);
	return 0;
}

/* A row's vendor name and invoice number, read again (for a message, or to tell invoices with one hash apart). */
static int spend_texts(struct run *r, const struct sp *s, muster_fv *vendor, muster_fv *invoice)
{
	uint8_t kb[8];
	be64_put(kb, s->index);
	MDB_val k = {8, kb}, v;
	muster_fv f[MUSTER_FIELDS_MAX];
	muster_mask has = 0, need = MUSTER_BIT(MF_VENDOR) | MUSTER_BIT(MF_INVOICE);
	int rc = muster_mdb_err(mdb_get(r->sn->txn, r->sn->dbi[DB_SPEND], &k, &v));
	if (rc == 0 && (muster_rec_peek(v.mv_data, v.mv_size, need, MF_INVOICE, f, &has) != 0 || (has & need) != need))
		rc = MUSTER_ECORRUPT;
	if (rc == 0)
		*vendor = f[MF_VENDOR], *invoice = f[MF_INVOICE];
	return rc;
}

/* Copies the NUL-terminated src into dst[0..cap), cut at a character boundary if it does not fit. */
static void utf8_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) /* src[n] continues a character: cut before it */
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = 0;
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
	utf8_copy(f.en, sizeof f.en, en);
	utf8_copy(f.zh, sizeof f.zh, zh);
	f.disposition = -1;
	muster_rec d;
	if (r->dispositions &&
		muster_row_read(r->sn->txn, r->sn->dbi[DB_DISPOSE], f.id, strlen(f.id), NULL, &d) == 0) {
		f.disposition = (int)d.v[MF_DISPOSITION].u;
		f.disposed_at = d.v[MF_REF].u;
	}
	if (!r->holding) {
		r->stop = r->cb(&f, r->arg);
		return;
	}
	if (r->nheld[check] == r->capheld[check]) {
		size_t cap = r->capheld[check] ? 2 * r->capheld[check] : 16;
		muster_finding *p = realloc(r->held[check], cap * sizeof *p);
		if (!p) {
			r->err = MUSTER_ENOMEM;
			r->stop = 1;
			return;
		}
		r->held[check] = p;
		r->capheld[check] = cap;
	}
	r->held[check][r->nheld[check]++] = f;
}

/* Passes on the held findings, check by check, and stops holding. */
static void release(struct run *r)
{
	for (int c = 1; c < MUSTER_CHK_COUNT; c++) {
		for (size_t i = 0; i < r->nheld[c] && !r->stop; i++)
			r->stop = r->cb(&r->held[c][i], r->arg);
		free(r->held[c]);
		r->held[c] = NULL;
		r->nheld[c] = r->capheld[c] = 0;
	}
	r->holding = 0;
}

static void money(char *out, size_t cap, uint64_t fen)
{
	snprintf(out, cap, "%" PRIu64 ".%02u", fen / 100, (unsigned)(fen % 100));
}

/* ---- loading the spending rows ------------------------------------------------------------ */

/* A fund's source, asked of the fund projection once per fund. */
static int fund_is_safety(struct run *r, const muster_fv *code)
{
	MDB_val k = {code->n, (void *)code->p}, v;
	muster_fv f[MUSTER_FIELDS_MAX];
	muster_mask has = 0;
	if (code->n == 0 || mdb_get(r->sn->txn, r->sn->dbi[DB_FUND], &k, &v) != 0 ||
		muster_rec_peek(v.mv_data, v.mv_size, MUSTER_BIT(MF_FUND_SOURCE) | MUSTER_BIT(MF_RULES), MF_RULES, f, &has) != 0)
		return 0;
	return muster_fund_rules_safety(f, has);
}

#define SPEND_WANT                                                                                                   \
	(MUSTER_BIT(MF_ID) | MUSTER_BIT(MF_TEAM) | MUSTER_BIT(MF_VENDOR) | MUSTER_BIT(MF_NOTES) | MUSTER_BIT(MF_DATE) | \
		MUSTER_BIT(MF_REF) | MUSTER_BIT(MF_FUND) | MUSTER_BIT(MF_AMOUNT) | MUSTER_BIT(MF_SPEND_TYPE) |           \
		MUSTER_BIT(MF_VENDOR_CODE) | MUSTER_BIT(MF_INVOICE) | MUSTER_BIT(MF_ARTICLE) | MUSTER_BIT(MF_LINK) |     \
		MUSTER_BIT(MF_SPEND_STATE) | MUSTER_BIT(MF_RECORDER) | MUSTER_BIT(MF_RECORDED))
#define SPEND_NEED                                                                                                  \
	(MUSTER_BIT(MF_TEAM) | MUSTER_BIT(MF_VENDOR) | MUSTER_BIT(MF_DATE) | MUSTER_BIT(MF_REF) | MUSTER_BIT(MF_FUND) | \
		MUSTER_BIT(MF_AMOUNT) | MUSTER_BIT(MF_SPEND_TYPE) | MUSTER_BIT(MF_VENDOR_CODE) |                          \
		MUSTER_BIT(MF_INVOICE) | MUSTER_BIT(MF_SPEND_STATE))

static int load_one(struct run *r, const MDB_val *val, uint64_t ntypes, struct sp *s)
{
	const muster_audit_query *q = r->q;
	muster_fv v[MUSTER_FIELDS_MAX];
	muster_mask has;
	int added, rc;
	if (muster_rec_peek(val->mv_data, val->mv_size, SPEND_WANT, MF_RECORDED, v, &has) != 0 ||
		(has & SPEND_NEED) != SPEND_NEED || v[MF_SPEND_STATE].u > MUSTER_SP_REJECTED ||
		v[MF_SPEND_TYPE].u >= ntypes || v[MF_DATE].u > UINT32_MAX)
		return MUSTER_ECORRUPT;
	memset(s, 0, sizeof *s);
	s->index = v[MF_REF].u;
	s->date = (uint32_t)v[MF_DATE].u;
	s->amount = v[MF_AMOUNT].u;
	s->state = (uint8_t)v[MF_SPEND_STATE].u;
	s->type = (uint8_t)v[MF_SPEND_TYPE].u;
	if (has & MUSTER_BIT(MF_LINK))
		s->flags |= SP_LINK, s->link = v[MF_LINK].u;
	s->asset = s->recorder = NONE;
	if ((has & MUSTER_BIT(MF_ID)) && (rc = intern(&r->assets, v[MF_ID].p, v[MF_ID].n, &s->asset, NULL)) != 0)
		return rc;
	if ((has & MUSTER_BIT(MF_RECORDER)) && v[MF_RECORDER].n == MUSTER_KEYID_BYTES) {
		if (r->last_recorder && memcmp(r->last_recorder, v[MF_RECORDER].p, MUSTER_KEYID_BYTES) == 0) {
			s->recorder = r->last_recorder_id;
		} else {
			if ((rc = intern(&r->recorders, v[MF_RECORDER].p, MUSTER_KEYID_BYTES, &s->recorder, NULL)) != 0)
				return rc;
			r->last_recorder = r->recorders.s[s->recorder].p, r->last_recorder_id = s->recorder;
		}
	}
	if ((rc = intern(&r->vcodes, v[MF_VENDOR_CODE].p, v[MF_VENDOR_CODE].n, &s->vcode, NULL)) != 0)
		return rc;
	s->ikey = hash(v[MF_VENDOR_CODE].p, v[MF_VENDOR_CODE].n) * 31 + hash(v[MF_INVOICE].p, v[MF_INVOICE].n);
	if ((rc = intern(&r->teams, v[MF_TEAM].p, v[MF_TEAM].n, &s->team, &added)) != 0)
		return rc;
	struct istr *team = &r->teams.s[s->team];
	if (added)
		team->in = !q->team || fv_eq(&v[MF_TEAM], q->team);
	if ((rc = intern(&r->funds, v[MF_FUND].p, v[MF_FUND].n, &s->fund, &added)) != 0)
		return rc;
	struct istr *fund = &r->funds.s[s->fund];
	if (added) {
		fund->in = !q->fund || fv_eq(&v[MF_FUND], q->fund);
		fund->safety = (uint8_t)fund_is_safety(r, &v[MF_FUND]);
	}
	if ((!q->year || s->date / 10000 == q->year) && team->in && fund->in)
		s->flags |= SP_IN;
	if (has & MUSTER_BIT(MF_ARTICLE))
		s->flags |= SP_ARTICLE;
	if (fund->safety && (!(has & MUSTER_BIT(MF_ARTICLE)) || construction(v, has, MF_NOTES) ||
				    construction(v, has, MF_ARTICLE)))
		s->flags |= SP_SAFETY;
	/*
	 * The day it was recorded: kept in the row since the projection has
	 * had it, else (a store not reindexed since) its spend.record entry's,
	 * which the cursor finds near the previous row's.
	 */
	if ((has & MUSTER_BIT(MF_RECORDED)) && v[MF_RECORDED].u <= UINT32_MAX) {
		s->entry_date = (uint32_t)v[MF_RECORDED].u;
		return 0;
	}
	return entry_day(r, s->index, &s->entry_date);
}

static int load(struct run *r)
{
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_stat st;
	uint64_t ntypes = 0;
	for (const char *const *e = muster_field_get(MF_SPEND_TYPE)->enums; e[ntypes]; ntypes++)
		;
	int rc = muster_mdb_err(mdb_stat(r->sn->txn, r->sn->dbi[DB_SPEND], &st));
	if (rc)
		return rc;
	size_t cap = st.ms_entries ? st.ms_entries : 1;
	if (!(r->sp = malloc(cap * sizeof *r->sp)))
		return MUSTER_ENOMEM;
	if ((rc = muster_mdb_err(mdb_cursor_open(r->sn->txn, r->sn->dbi[DB_SPEND], &cur))) != 0)
		return rc;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (r->n == cap || r->n == NONE) { /* a read transaction sees a fixed count */
			rc = MUSTER_ECORRUPT;
			break;
		}
		if ((rc = load_one(r, &v, ntypes, &r->sp[r->n])) != 0)
			break;
		r->n++;
	}
	mdb_cursor_close(cur);
	if (rc)
		return rc;
	if (mrc != MDB_NOTFOUND)
		return muster_mdb_err(mrc);
	if ((rc = rank(&r->teams)) != 0 || (rc = rank(&r->funds)) != 0 || (rc = rank(&r->assets)) != 0 ||
		(rc = rank(&r->vcodes)) != 0)
		return rc;
	if (!(r->rec = calloc(r->recorders.n ? r->recorders.n : 1, sizeof *r->rec)) ||
		!(r->v = malloc(cap * sizeof *r->v)) || !(r->tmp = malloc(cap * sizeof *r->tmp)))
		return MUSTER_ENOMEM;
	for (size_t i = 0; i < r->recorders.n; i++)
		r->rec[i].rc = -1;
	return 0;
}

/* ---- asset checks: scrapped, custody, link ---------------------------------------------- */

/*
 * The histories (DB_HIST: be64(index) under the asset's id, a duplicate
 * for every entry about it) of every asset paid for are gathered first,
 * then their entries read in log order, so that the walk over the log goes
 * one way (an entry looked up at random costs several cache misses, one
 * near the last one hardly any), each into what the checks need of it.
 */
enum { HX_NONE, HX_WORK, HX_ADD, HX_HANDOVER, HX_ACCEPT, HX_ACCEPT_PENDING, HX_SCRAP };
struct hx {
	uint64_t index;
	uint64_t date;    /* the day it says it happened */
	const char *team; /* the team it gives custody to, a C string of at most 32 bytes, "" if unknown */
	uint32_t asset;   /* its id */
	uint16_t team_n;
	uint8_t kind;     /* HX_WORK: an inspection or repair of the asset, what its maintenance may link */
};

/* Sorts h by key(h) (the index, or the asset's rank), stably: as rsort. */
static int hx_sort(struct run *r, struct hx *h, size_t n, int by_asset)
{
	uint64_t all = ~(uint64_t)0, any = 0;
#define HX_KEY(x) (by_asset ? r->assets.s[(x)->asset].rank : (x)->index)
	for (size_t i = 0; i < n; i++)
		all &= HX_KEY(&h[i]), any |= HX_KEY(&h[i]);
	uint64_t diff = all ^ any;
	if (n < 2 || !diff)
		return 0;
	struct hx *tmp = malloc(n * sizeof *tmp), *src = h, *dst = tmp;
	if (!tmp)
		return MUSTER_ENOMEM;
	for (unsigned b = 0; b < 64; b += 8) {
		if (!((diff >> b) & 0xff))
			continue;
		size_t cnt[256] = {0}, sum = 0;
		for (size_t i = 0; i < n; i++)
			cnt[(HX_KEY(&src[i]) >> b) & 0xff]++;
		for (size_t d = 0; d < 256; d++) {
			size_t c = cnt[d];
			cnt[d] = sum, sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[(HX_KEY(&src[i]) >> b) & 0xff]++] = src[i];
		struct hx *t = src;
		src = dst, dst = t;
	}
#undef HX_KEY
	if (src != h)
		memcpy(h, src, n * sizeof *h);
	free(tmp);
	return 0;
}

static void team_str(const muster_fv *v, const char **p, uint16_t *n)
{
	if (v->n < 33)
		*p = v->p, *n = (uint16_t)strnlen(v->p, v->n);
	else
		*p = "", *n = 0;
}

/* The team of a depot, asked of the depot projection once per depot. */
static int team_of_depot(struct run *r, const muster_fv *depot, const char **team, uint16_t *n)
{
	uint32_t id;
	int added, rc;
	*team = "", *n = 0;
	if (depot->n == 0)
		return 0;
	if ((rc = intern(&r->depots, depot->p, depot->n, &id, &added)) != 0)
		return rc;
	struct istr *d = &r->depots.s[id];
	if (added) {
		MDB_val k = {depot->n, (void *)depot->p}, v;
		muster_fv f[MUSTER_FIELDS_MAX];
		muster_mask has = 0;
		if (mdb_get(r->sn->txn, r->sn->dbi[DB_DEPOT], &k, &v) == 0 &&
			muster_rec_peek(v.mv_data, v.mv_size, MUSTER_BIT(MF_TEAM), MF_TEAM, f, &has) == 0 &&
			(has & MUSTER_BIT(MF_TEAM))) {
			uint16_t tn;
			team_str(&f[MF_TEAM], &d->team, &tn);
			d->team_n = tn;
		}
	}
	*team = d->team, *n = (uint16_t)d->team_n;
	return 0;
}

static int is_work(uint64_t type)
{
	return type == MUSTER_EV_INSPECT || type == MUSTER_EV_REPAIR_BACK || type == MUSTER_EV_REPAIR_OUT;
}

#define HOLD_WANT                                                                                             \
	(MUSTER_BIT(MF_TEAM) | MUSTER_BIT(MF_DEPOT) | MUSTER_BIT(MF_ACQUIRED) | MUSTER_BIT(MF_TO_TEAM) | \
		MUSTER_BIT(MF_DATE))

/* What entry x->index of asset id's history means for custody, scrapping and links. */
static int hx_read(struct run *r, struct hx *x, const muster_fv *id)
{
	muster_entry e;
	muster_fv b[MUSTER_FIELDS_MAX];
	muster_mask has = 0;
	int rc = entry_at(r, x->index, &e);
	x->kind = HX_NONE, x->team = "", x->team_n = 0;
	if (rc)
		return rc;
	if (is_work(e.type)) {
		if (muster_rec_peek(e.body, e.body_len, MUSTER_BIT(MF_ID), MF_ID, b, &has) == 0 &&
			(has & MUSTER_BIT(MF_ID)) && fv_cmp(&b[MF_ID], id) == 0)
			x->kind = HX_WORK;
		return 0;
	}
	if (e.type != MUSTER_EV_ASSET_ADD && e.type != MUSTER_EV_HANDOVER && e.type != MUSTER_EV_ACCEPT &&
		e.type != MUSTER_EV_SCRAP)
		return 0;
	/* The date an entry says it happened: its body's date field, else the day it was signed. */
	x->date = muster_date_of_ms(e.time_ms);
	if (muster_rec_peek(e.body, e.body_len, HOLD_WANT, MF_DATE, b, &has) != 0)
		has = 0;
	if (has & MUSTER_BIT(MF_DATE))
		x->date = b[MF_DATE].u;
	switch (e.type) {
	case MUSTER_EV_ASSET_ADD:
		x->kind = HX_ADD;
		/* An asset held for years before it was entered here was held since it was acquired. */
		if ((has & MUSTER_BIT(MF_ACQUIRED)) && b[MF_ACQUIRED].u < x->date)
			x->date = b[MF_ACQUIRED].u;
		if (has & MUSTER_BIT(MF_DEPOT))
			return team_of_depot(r, &b[MF_DEPOT], &x->team, &x->team_n);
		if (has & MUSTER_BIT(MF_TEAM))
			team_str(&b[MF_TEAM], &x->team, &x->team_n);
		return 0;
	case MUSTER_EV_HANDOVER:
		x->kind = HX_HANDOVER;
		if (has & MUSTER_BIT(MF_TO_TEAM))
			team_str(&b[MF_TO_TEAM], &x->team, &x->team_n);
		return 0;
	case MUSTER_EV_ACCEPT:
		x->kind = HX_ACCEPT_PENDING; /* to the team the handover named */
		if (!(has & MUSTER_BIT(MF_DEPOT)))
			return 0;
		x->kind = HX_ACCEPT;
		return team_of_depot(r, &b[MF_DEPOT], &x->team, &x->team_n);
	default:
		x->kind = HX_SCRAP;
		return 0;
	}
}

/* Appends the history of asset id (interned as asset) to *h (n entries, cap). */
struct hx_arg {
	struct hx **h;
	size_t *n, *cap;
	uint32_t asset;
};

static int hx_one(uint64_t index, void *varg)
{
	struct hx_arg *a = varg;
	if (*a->n == *a->cap) {
		size_t c = *a->cap ? *a->cap * 2 : 1024;
		struct hx *p = realloc(*a->h, c * sizeof *p);
		if (!p)
			return MUSTER_ENOMEM;
		*a->h = p, *a->cap = c;
	}
	(*a->h)[(*a->n)++] = (struct hx){index, 0, "", a->asset, 0, HX_NONE};
	return 0;
}

static int history_of(MDB_cursor *cur, const muster_fv *id, uint32_t asset, struct hx **h, size_t *n, size_t *cap)
{
	/* An id the old reader took as a C string (none holds a NUL) of at most MUSTER_TAG_ID_MAX bytes. */
	size_t len = strnlen(id->p, id->n);
	if (len == 0 || len > MUSTER_TAG_ID_MAX)
		return MUSTER_EINVAL;
	struct hx_arg a = {h, n, cap, asset};
	return muster_hist_each(cur, id->p, len, hx_one, &a);
}

/* Who held an asset when: (date, team) from its registration and accepted transfers; and its scrapping. */
struct held_by {
	uint64_t date, index;
	const char *team;
	uint16_t team_n;
};
struct hold {
	struct held_by *at; /* n of them, room for cap */
	size_t n, cap;
	uint64_t scrapped, scrap_index;
	const struct hx *h; /* the asset's history, ascending */
	size_t nh;
};

static void hold_add(struct hold *h, uint64_t date, uint64_t index, const char *team, uint16_t n)
{
	h->at[h->n++] = (struct held_by){date, index, team, n};
}

/* Replays the asset's history x[0..n); MUSTER_ENOMEM if there is no room for it. */
static int hold_replay(struct hold *h, const struct hx *x, size_t n)
{
	const char *pending = ""; /* a handover's receiving team, until accepted */
	uint16_t pending_n = 0;
	if (n > h->cap) { /* each entry gives custody at most once */
		struct held_by *at = realloc(h->at, n * sizeof *at);
		if (!at)
			return MUSTER_ENOMEM;
		h->at = at, h->cap = n;
	}
	h->n = 0, h->scrapped = h->scrap_index = 0;
	h->h = x, h->nh = n;
	for (size_t i = 0; i < n; i++, x++) {
		switch (x->kind) {
		case HX_ADD:
		case HX_ACCEPT: hold_add(h, x->date, x->index, x->team, x->team_n); break;
		case HX_ACCEPT_PENDING: hold_add(h, x->date, x->index, pending, pending_n); break;
		case HX_HANDOVER: pending = x->team, pending_n = x->team_n; break;
		case HX_SCRAP: h->scrapped = x->date, h->scrap_index = x->index; break;
		}
	}
	return 0;
}

/* 1 if entry index is an inspection or repair of asset id (what maintenance of it must link). */
static int is_work_of(struct run *r, const struct hold *h, uint64_t index, const muster_fv *id)
{
	size_t lo = 0, hi = h->nh;
	while (lo < hi) { /* its own history, mostly */
		size_t mid = lo + (hi - lo) / 2;
		if (h->h[mid].index == index)
			return h->h[mid].kind == HX_WORK;
		if (h->h[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	muster_entry e;
	muster_fv b[MUSTER_FIELDS_MAX];
	muster_mask has = 0;
	return entry_at(r, index, &e) == 0 && is_work(e.type) &&
	       muster_rec_peek(e.body, e.body_len, MUSTER_BIT(MF_ID), MF_ID, b, &has) == 0 && (has & MUSTER_BIT(MF_ID)) &&
	       fv_cmp(&b[MF_ID], id) == 0;
}

static void asset_row(struct run *r, const struct hold *h, const muster_fv *id, const struct sp *s)
{
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
	while (k > 0 && h->at[k - 1].date > s->date)
		k--;
	muster_fv team = str_of(&r->teams, s->team);
	if (k > 0 && h->at[k - 1].team_n &&
		!(team.n == h->at[k - 1].team_n && memcmp(team.p, h->at[k - 1].team, team.n) == 0)) {
		char sd[11];
		int tn = h->at[k - 1].team_n;
		muster_date_format(s->date, sd);
		snprintf(en, sizeof en, "spending at entry %" PRIu64 " by team %.*s on %s is on asset %.*s, then in the custody of team %.*s (entry %" PRIu64 ")",
			s->index, (int)team.n, team.p, sd, (int)id->n, id->p, tn, h->at[k - 1].team, h->at[k - 1].index);
		snprintf(zh, sizeof zh, "条目 %" PRIu64 "：队伍 %.*s 于 %s 为资产 %.*s 支出，而该资产当时由队伍 %.*s 保管（条目 %" PRIu64 "）", s->index,
			(int)team.n, team.p, sd, (int)id->n, id->p, tn, h->at[k - 1].team, h->at[k - 1].index);
		uint64_t ev[2] = {s->index, h->at[k - 1].index};
		emit(r, MUSTER_CHK_CUSTODY, sid, s->index, ev, 2, en, zh);
	} else if (k == 0 && h->n) {
		char sd[11];
		muster_date_format(s->date, sd);
		snprintf(en, sizeof en, "spending at entry %" PRIu64 " on %s is on asset %.*s before it was registered (entry %" PRIu64 ")",
			s->index, sd, (int)id->n, id->p, h->at[0].index);
		snprintf(zh, sizeof zh, "条目 %" PRIu64 " 的支出（%s）早于资产 %.*s 的登记（条目 %" PRIu64 "）", s->index, sd, (int)id->n, id->p,
			h->at[0].index);
		uint64_t ev[2] = {s->index, h->at[0].index};
		emit(r, MUSTER_CHK_CUSTODY, sid, s->index, ev, 2, en, zh);
	}
	/* Maintenance, repair and calibration of an asset pay for an event about that asset. */
	uint64_t t = s->type;
	int has_link = (s->flags & SP_LINK) != 0;
	if (t <= MUSTER_SPEND_CALIBRATION && (!has_link || !is_work_of(r, h, s->link, id))) {
		const char *tn = muster_field_get(MF_SPEND_TYPE)->enums[t];
		if (!has_link) {
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
		emit(r, MUSTER_CHK_LINK, sid, s->index, ev, has_link ? 2 : 1, en, zh);
	}
}

/* The histories of the assets of rows v[0..m) (sorted by asset), read in log order; left by asset and index. */
static int histories(struct run *r, const struct kr *v, size_t m, struct hx **hp, size_t *nh)
{
	size_t n = 0, cap = 0, na = 0;
	struct hx *h = NULL;
	MDB_cursor *cur = NULL;
	MDB_stat hist, assets;
	int rc = muster_mdb_err(mdb_stat(r->sn->txn, r->sn->dbi[DB_HIST], &hist));
	if (rc == 0)
		rc = muster_mdb_err(mdb_stat(r->sn->txn, r->sn->dbi[DB_ASSET], &assets));
	/* Room for as many entries as these assets have on average: mostly no copying as it grows. */
	for (size_t i = 0; i < m; i++)
		na += i == 0 || v[i].key != v[i - 1].key;
	if (rc == 0 && na && assets.ms_entries) {
		cap = hist.ms_entries / assets.ms_entries * na + na;
		if (!(h = malloc(cap * sizeof *h)))
			rc = MUSTER_ENOMEM;
	}
	if (rc == 0)
		rc = muster_mdb_err(mdb_cursor_open(r->sn->txn, r->sn->dbi[DB_HIST], &cur));
	for (size_t i = 0; i < m && rc == 0; i++) {
		if (i > 0 && v[i].key == v[i - 1].key)
			continue;
		uint32_t asset = r->sp[v[i].row].asset;
		muster_fv id = str_of(&r->assets, asset);
		rc = history_of(cur, &id, asset, &h, &n, &cap);
	}
	if (cur)
		mdb_cursor_close(cur);
	if (rc == 0)
		rc = hx_sort(r, h, n, 0);
	for (size_t i = 0; i < n && rc == 0; i++) {
		muster_fv id = str_of(&r->assets, h[i].asset);
		rc = hx_read(r, &h[i], &id);
	}
	if (rc == 0)
		rc = hx_sort(r, h, n, 1);
	if (rc) {
		free(h);
		return rc;
	}
	*hp = h, *nh = n;
	return 0;
}

static int check_assets(struct run *r)
{
	struct kr *v = r->v;
	struct hold hold = {0}, *h = &hold;
	struct hx *hx = NULL;
	size_t m = 0, nh = 0;
	int rc = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct sp *s = &r->sp[i];
		if (s->asset != NONE && s->state != MUSTER_SP_REJECTED && (s->flags & SP_IN))
			v[m++] = (struct kr){r->assets.s[s->asset].rank, (uint32_t)i};
	}
	rsort(v, r->tmp, m);
	rc = histories(r, v, m, &hx, &nh);
	for (size_t i = 0, a = 0; i < m && !rc && !r->stop; i++) {
		const struct sp *s = &r->sp[v[i].row];
		muster_fv id = str_of(&r->assets, s->asset);
		if (i == 0 || v[i].key != v[i - 1].key) { /* the next asset: its history follows the last one's */
			size_t b = a;
			while (b < nh && hx[b].asset == s->asset)
				b++;
			if ((rc = hold_replay(h, hx + a, b - a)) != 0)
				break;
			a = b;
		}
		asset_row(r, h, &id, s);
	}
	free(hx);
	free(hold.at);
	return rc;
}

/* ---- invoices: duplicates and splits ------------------------------------------------------ */

/* What invoices sort by: the vendor's credit code (its rank), the invoice number, the log index. */
struct inv {
	uint32_t vrank, row;
	uint32_t vcode;
	muster_fv number;
	uint64_t index;
	size_t at, count; /* a duplicate: its rows in r->v */
};

static int inv_cmp(const void *a, const void *b)
{
	const struct inv *x = a, *y = b;
	if (x->vrank != y->vrank)
		return x->vrank < y->vrank ? -1 : 1;
	int c = fv_cmp(&x->number, &y->number);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int same_invoice(const struct inv *x, const struct inv *y)
{
	return x->vcode == y->vcode && x->number.n == y->number.n && memcmp(x->number.p, y->number.p, x->number.n) == 0;
}

static int inv_of(struct run *r, uint32_t row, struct inv *out)
{
	const struct sp *s = &r->sp[row];
	muster_fv vendor;
	*out = (struct inv){r->vcodes.s[s->vcode].rank, row, s->vcode, {0, NULL, 0}, s->index, 0, 0};
	return spend_texts(r, s, &vendor, &out->number);
}

static int emit_dup(struct run *r, const struct kr *v, size_t n)
{
	int any = 0;
	for (size_t k = 0; k < n; k++)
		any |= (r->sp[v[k].row].flags & SP_IN) != 0;
	if (!any)
		return 0;
	uint64_t ev[MUSTER_EVIDENCE_MAX];
	size_t ne = 0;
	for (size_t k = 0; k < n && ne < MUSTER_EVIDENCE_MAX; k++)
		ev[ne++] = r->sp[v[k].row].index;
	const struct sp *s = &r->sp[v[0].row];
	muster_fv vc = str_of(&r->vcodes, s->vcode), vn, inv;
	int rc = spend_texts(r, s, &vn, &inv);
	if (rc)
		return rc;
	char id[120], en[320], zh[320];
	snprintf(id, sizeof id, "%.*s/%.*s", (int)vc.n, vc.p, (int)inv.n, inv.p);
	snprintf(en, sizeof en, "invoice %.*s of %.*s (%.*s) is recorded %zu times", (int)inv.n, inv.p, (int)vn.n, vn.p,
		(int)vc.n, vc.p, n);
	snprintf(zh, sizeof zh, "%.*s（%.*s）的发票 %.*s 被重复录入 %zu 次", (int)vn.n, vn.p, (int)vc.n, vc.p, (int)inv.n, inv.p, n);
	emit(r, MUSTER_CHK_DUP_INVOICE, id, s->index, ev, ne, en, zh);
	return 0;
}

/*
 * Rows v[0..n) share a hash of vendor and invoice (almost always: the same
 * invoice, recorded again): their invoices in order, into o, and each group
 * of two or more that are the same invoice appended to *d.
 */
static int dup_run(struct run *r, struct kr *v, size_t n, struct inv *o, struct inv **d, size_t *nd, size_t *dcap,
	size_t at)
{
	int rc = 0, all = 1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = inv_of(r, v[i].row, &o[i]);
	for (size_t i = 1; i < n && rc == 0; i++)
		all &= same_invoice(&o[i], &o[0]);
	if (rc)
		return rc;
	if (!all) { /* different invoices: put them in order */
		qsort(o, n, sizeof *o, inv_cmp);
		for (size_t i = 0; i < n; i++)
			v[i].row = o[i].row;
	}
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && same_invoice(&o[b], &o[a]); b++)
			;
		if (b - a < 2)
			continue;
		if (*nd == *dcap) {
			size_t cap = *dcap ? *dcap * 2 : 64;
			struct inv *p = realloc(*d, cap * sizeof *p);
			if (!p)
				return MUSTER_ENOMEM;
			*d = p, *dcap = cap;
		}
		(*d)[*nd] = o[a];
		(*d)[*nd].at = at + a, (*d)[*nd].count = b - a;
		(*nd)++;
	}
	return 0;
}

/* The same vendor's invoice recorded more than once: rows grouped by a hash of both, then compared. */
static int check_dups(struct run *r)
{
	struct kr *v = r->v;
	size_t m = 0, nd = 0, dcap = 0, ocap = 0;
	struct inv *d = NULL, *o = NULL;
	int rc = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->sp[i].state != MUSTER_SP_REJECTED)
			v[m++] = (struct kr){r->sp[i].ikey, (uint32_t)i};
	rsort(v, r->tmp, m);
	for (size_t i = 0, j; i < m && rc == 0; i = j) {
		for (j = i + 1; j < m && v[j].key == v[i].key; j++)
			;
		if (j - i < 2)
			continue;
		if (j - i > ocap) {
			struct inv *p = realloc(o, (j - i) * sizeof *p);
			if (!p) {
				rc = MUSTER_ENOMEM;
				break;
			}
			o = p, ocap = j - i;
		}
		rc = dup_run(r, v + i, j - i, o, &d, &nd, &dcap, i);
	}
	if (rc == 0 && nd)
		qsort(d, nd, sizeof *d, inv_cmp);
	for (size_t i = 0; rc == 0 && i < nd && !r->stop; i++)
		rc = emit_dup(r, v + d[i].at, d[i].count);
	free(o);
	free(d);
	return rc;
}

/* Splits: one vendor, within the window, each at least 80% of the threshold but under it, together at or over it. */
static int check_splits(struct run *r)
{
	uint64_t window = r->q->split_days ? r->q->split_days : 14, lo = r->threshold / 5 * 4;
	struct kr *v = r->v;
	size_t m = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct sp *s = &r->sp[i];
		if (s->state != MUSTER_SP_REJECTED && s->amount < r->threshold && s->amount >= lo)
			v[m++] = (struct kr){(uint64_t)r->vcodes.s[s->vcode].rank << 32 | s->date, (uint32_t)i};
	}
	rsort(v, r->tmp, m);
	for (size_t i = 0; i < m && !r->stop;) {
		const struct sp *first = &r->sp[v[i].row];
		size_t j = i + 1;
		uint64_t sum = first->amount;
		int any = (first->flags & SP_IN) != 0;
		while (j < m && r->sp[v[j].row].vcode == first->vcode &&
			muster_date_days(r->sp[v[j].row].date) - muster_date_days(first->date) <= (int64_t)window) {
			sum += r->sp[v[j].row].amount;
			any |= (r->sp[v[j].row].flags & SP_IN) != 0;
			j++;
		}
		if (j - i > 1 && sum >= r->threshold && any) {
			uint64_t ev[MUSTER_EVIDENCE_MAX];
			size_t ne = 0;
			for (size_t k = i; k < j && ne < MUSTER_EVIDENCE_MAX; k++)
				ev[ne++] = r->sp[v[k].row].index;
			muster_fv vc = str_of(&r->vcodes, first->vcode), vn, inv;
			int rc = spend_texts(r, first, &vn, &inv);
			if (rc)
				return rc;
			char id[120], en[320], zh[320], total[32], th[32], d[11];
			money(total, sizeof total, sum);
			money(th, sizeof th, r->threshold);
			muster_date_format(first->date, d);
			snprintf(id, sizeof id, "%.*s/%" PRIu64, (int)vc.n, vc.p, first->index);
			snprintf(en, sizeof en, "%zu payments to %.*s within %" PRIu64 " days from %s, each just under the %s yuan threshold, total %s yuan",
				j - i, (int)vn.n, vn.p, window, d, th, total);
			snprintf(zh, sizeof zh, "自 %s 起 %" PRIu64 " 天内向 %.*s 支付 %zu 笔，每笔略低于审批限额 %s 元，合计 %s 元，疑似拆分发票", d, window,
				(int)vn.n, vn.p, j - i, th, total);
			emit(r, MUSTER_CHK_SPLIT, id, first->index, ev, ne, en, zh);
			i = j;
		} else {
			i++;
		}
	}
	return 0;
}

static int check_invoices(struct run *r)
{
	int rc = check_dups(r);
	return rc ? rc : check_splits(r);
}

/* ---- approval, safety cost, lateness, signers --------------------------------------------- */

/* The recording key, asked of the store once per key: 1 if it was revoked since or no longer may record spending. */
static int signer_suspect(struct run *r, muster_store *store, uint32_t id)
{
	struct recorder *k = &r->rec[id];
	if (k->rc == -1)
		k->rc = muster_key_get(store, (const uint8_t *)r->recorders.s[id].p, &k->k, &k->kb);
	return k->rc == 0 &&
	       (k->k.revoked_at != MUSTER_NOT_REVOKED || !(k->k.roles & (MUSTER_ROLE_FINANCE | MUSTER_ROLE_ADMIN)));
}

static void emit_signer(struct run *r, const struct sp *s, const char *sid)
{
	const muster_key_info *k = &r->rec[s->recorder].k;
	const muster_text *ho = &k->holder;
	int revoked = k->revoked_at != MUSTER_NOT_REVOKED;
	char en[320], zh[320], kid[MUSTER_KEYID_HEX];
	muster_key_id_hex(k->pk, kid);
	if (revoked) {
		snprintf(en, sizeof en, "spending at entry %" PRIu64 " was recorded by key %s (%.*s), revoked at entry %" PRIu64,
			s->index, kid, (int)ho->n, ho->p, k->revoked_at);
		snprintf(zh, sizeof zh, "条目 %" PRIu64 " 的支出由密钥 %s（%.*s）录入，该密钥已于条目 %" PRIu64 " 吊销", s->index, kid,
			(int)ho->n, ho->p, k->revoked_at);
	} else {
		snprintf(en, sizeof en, "spending at entry %" PRIu64 " was recorded by key %s (%.*s), which no longer holds the finance role",
			s->index, kid, (int)ho->n, ho->p);
		snprintf(zh, sizeof zh, "条目 %" PRIu64 " 的支出由密钥 %s（%.*s）录入，该密钥现已不具备财务角色", s->index, kid,
			(int)ho->n, ho->p);
	}
	uint64_t ev[2] = {s->index, revoked ? k->revoked_at : k->roles_at};
	emit(r, MUSTER_CHK_SIGNER, sid, s->index, ev, 2, en, zh);
}

/* The checks of one record at a time, one check per pass so that findings come check by check. */
static int check_records(struct run *r, int which)
{
	uint64_t late = r->q->late_days ? r->q->late_days : 30;
	muster_store *store = muster_snap_store(r->sn);
	for (size_t i = 0; i < r->n && !r->stop; i++) {
		const struct sp *s = &r->sp[i];
		char sid[40], en[320], zh[320], amt[32], d[11];
		if (s->state == MUSTER_SP_REJECTED || !(s->flags & SP_IN))
			continue;
		int64_t days = muster_date_days(s->entry_date) - muster_date_days(s->date);
		int pending = which == MUSTER_CHK_UNAPPROVED && s->state == MUSTER_SP_PENDING,
		    safety = which == MUSTER_CHK_SAFETY_COST && (s->flags & SP_SAFETY) != 0,
		    is_late = which == MUSTER_CHK_LATE && days > (int64_t)late,
		    signer = which == MUSTER_CHK_SIGNER && store && s->recorder != NONE && signer_suspect(r, store, s->recorder);
		if (!pending && !safety && !is_late && !signer)
			continue;
		snprintf(sid, sizeof sid, "%" PRIu64, s->index);
		if (pending) {
			money(amt, sizeof amt, s->amount);
			snprintf(en, sizeof en, "spending of %s yuan at entry %" PRIu64 " is at or above the approval threshold and not approved", amt,
				s->index);
			snprintf(zh, sizeof zh, "条目 %" PRIu64 " 的支出 %s 元达到审批限额，尚未经审批", s->index, amt);
			emit(r, MUSTER_CHK_UNAPPROVED, sid, s->index, &s->index, 1, en, zh);
		}
		if (safety) {
			/* Without its article, or on initial construction. */
			if (!(s->flags & SP_ARTICLE)) {
				snprintf(en, sizeof en, "enterprise safety cost spent at entry %" PRIu64 " cites no article", s->index);
				snprintf(zh, sizeof zh, "条目 %" PRIu64 "：企业安全生产费用支出未注明依据条款", s->index);
			} else {
				snprintf(en, sizeof en, "enterprise safety cost spent at entry %" PRIu64 " on initial construction (三同时), which it may not pay for",
					s->index);
				snprintf(zh, sizeof zh, "条目 %" PRIu64 "：企业安全生产费用用于“三同时”初始建设，不符合财资〔2022〕136号", s->index);
			}
			emit(r, MUSTER_CHK_SAFETY_COST, sid, s->index, &s->index, 1, en, zh);
		}
		if (is_late) {
			muster_date_format(s->date, d);
			snprintf(en, sizeof en, "spending dated %s was recorded at entry %" PRIu64 ", %" PRId64 " days later (more than %" PRIu64 ")",
				d, s->index, days, late);
			snprintf(zh, sizeof zh, "%s 发生的支出直到 %" PRId64 " 天后才录入（条目 %" PRIu64 "，超过 %" PRIu64 " 天）", d, days, s->index,
				late);
			emit(r, MUSTER_CHK_LATE, sid, s->index, &s->index, 1, en, zh);
		}
		if (signer)
			emit_signer(r, s, sid);
	}
	return 0;
}

/* ---- budgets --------------------------------------------------------------------------- */

static int check_budgets(struct run *r)
{
	struct kr *v = r->v;
	size_t m = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->sp[i].state == MUSTER_SP_COUNTED && (r->sp[i].flags & SP_IN))
			v[m++] = (struct kr){r->sp[i].date, (uint32_t)i};
	/* By fund, team, date (so year) and index: two stable sorts, the last key first. */
	rsort(v, r->tmp, m);
	for (size_t i = 0; i < m; i++) {
		const struct sp *s = &r->sp[v[i].row];
		v[i].key = (uint64_t)r->funds.s[s->fund].rank << 32 | r->teams.s[s->team].rank;
	}
	rsort(v, r->tmp, m);
	for (size_t i = 0; i < m && !r->stop;) {
		const struct sp *first = &r->sp[v[i].row];
		muster_fv fund = str_of(&r->funds, first->fund), team = str_of(&r->teams, first->team);
		uint64_t year = first->date / 10000, sum = 0, budget = 0, bref = 0;
		size_t j = i, crossed = SIZE_MAX;
		char k[80];
		size_t kn = 0;
		memcpy(k, fund.p, fund.n), kn = fund.n, k[kn++] = 0;
		memcpy(k + kn, team.p, team.n), kn += team.n, k[kn++] = 0;
		for (int b = 0; b < 4; b++)
			k[kn++] = (char)(year >> (24 - 8 * b));
		muster_rec brow;
		int have = muster_row_read(r->sn->txn, r->sn->dbi[DB_BUDGET], k, kn, NULL, &brow) == 0;
		if (have)
			budget = brow.v[MF_AMOUNT].u, bref = brow.v[MF_REF].u;
		for (; j < m && v[j].key == v[i].key && r->sp[v[j].row].date / 10000 == year; j++) {
			sum += r->sp[v[j].row].amount;
			if (crossed == SIZE_MAX && sum > budget)
				crossed = j;
		}
		if (crossed != SIZE_MAX) {
			const struct sp *c = &r->sp[v[crossed].row];
			char id[120], en[320], zh[320], s1[32], s2[32];
			money(s1, sizeof s1, sum);
			money(s2, sizeof s2, budget);
			snprintf(id, sizeof id, "%.*s/%.*s/%" PRIu64, (int)fund.n, fund.p, (int)team.n, team.p, year);
			if (have) {
				snprintf(en, sizeof en, "fund %.*s, team %.*s, %" PRIu64 ": spent %s yuan against a budget of %s yuan; entry %" PRIu64 " crossed it",
					(int)fund.n, fund.p, (int)team.n, team.p, year, s1, s2, c->index);
				snprintf(zh, sizeof zh, "资金 %.*s、队伍 %.*s、%" PRIu64 " 年度：支出 %s 元，超出预算 %s 元；条目 %" PRIu64 " 起超支", (int)fund.n,
					fund.p, (int)team.n, team.p, year, s1, s2, c->index);
			} else {
				snprintf(en, sizeof en, "fund %.*s, team %.*s, %" PRIu64 ": spent %s yuan with no budget set", (int)fund.n, fund.p,
					(int)team.n, team.p, year, s1);
				snprintf(zh, sizeof zh, "资金 %.*s、队伍 %.*s、%" PRIu64 " 年度：无预算，支出 %s 元", (int)fund.n, fund.p, (int)team.n,
					team.p, year, s1);
			}
			uint64_t ev[2] = {c->index, bref};
			emit(r, MUSTER_CHK_BUDGET, id, c->index, ev, have ? 2 : 1, en, zh);
		}
		i = j;
	}
	return 0;
}

static void run_free(struct run *r)
{
	for (int c = 0; c < MUSTER_CHK_COUNT; c++)
		free(r->held[c]);
	if (r->log)
		mdb_cursor_close(r->log);
	for (size_t i = 0; r->rec && i < r->recorders.n; i++)
		muster_buf_free(&r->rec[i].kb);
	free(r->rec);
	itab_free(&r->teams);
	itab_free(&r->funds);
	itab_free(&r->assets);
	itab_free(&r->vcodes);
	itab_free(&r->recorders);
	itab_free(&r->depots);
	free(r->sp);
	free(r->v);
	free(r->tmp);
}

int muster_audit_run(muster_snap *sn, const muster_audit_query *q, muster_finding_cb cb, void *arg)
{
	struct run r;
	muster_policy pol;
	MDB_stat st;
	int rc = muster_policy_get(sn, &pol);
	if (rc)
		return rc;
	memset(&r, 0, sizeof r);
	r.sn = sn, r.q = q, r.cb = cb, r.arg = arg;
	r.log_at = UINT64_MAX;
	r.threshold = pol.threshold;
	if ((rc = muster_mdb_err(mdb_stat(sn->txn, sn->dbi[DB_DISPOSE], &st))) == 0 &&
		(rc = muster_mdb_err(mdb_cursor_open(sn->txn, sn->dbi[DB_LOG], &r.log))) == 0) {
		r.dispositions = st.ms_entries != 0;
		rc = load(&r);
	}
	/* In the order of the checks (audit.h): the asset and invoice checks find theirs together and hold them. */
	r.holding = 1;
	if (rc == 0)
		rc = check_assets(&r);
	if (rc == 0)
		rc = check_invoices(&r);
	release(&r);
	if (rc == 0)
		rc = check_records(&r, MUSTER_CHK_UNAPPROVED);
	if (rc == 0)
		rc = check_budgets(&r);
	for (int c = MUSTER_CHK_SAFETY_COST; rc == 0 && c <= MUSTER_CHK_SIGNER; c++)
		rc = check_records(&r, c);
	run_free(&r);
	return rc ? rc : r.err;
}
