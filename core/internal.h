/*
 * internal.h - what the files of core/ share and do not export.
 */
#ifndef MUSTER_INTERNAL_H
#define MUSTER_INTERNAL_H

#define MUSTER_BUILDING 1
#include <muster/muster.h>

#include <lmdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Big-endian u64, the key format of every integer-keyed database. */
static inline void be64_put(uint8_t p[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t be64_get(const uint8_t p[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static inline void be32_put(uint8_t p[4], uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static inline uint32_t be32_get(const uint8_t p[4])
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Internal only: the LMDB map is full; the write is retried after growing it. */
#define MUSTER_EMAPFULL (-31099)

/* Maps an LMDB return code to MUSTER_E*. */
int muster_mdb_err(int rc);

/*
 * muster_rec_peek - reads the tags in want (a MUSTER_BIT mask) of the field
 * record p[0..n) into v[tag], stopping after tag last; *has gets the tags
 * found (v[tag] of the others is left as it was).  Texts point into p.  For
 * projection rows and logged bodies, which were checked when they were
 * written: only the tag order, known tags and lengths are checked (a damaged
 * record is refused, never read past), not UTF-8, dates or enum values; the
 * caller checks the enum values it indexes with.  -1 if the bytes do not
 * hold a record.  (core/fields.c)
 */
int muster_rec_peek(const uint8_t *p, size_t n, muster_mask want, unsigned last, muster_fv *v, muster_mask *has);

/*
 * Copies of short byte strings kept in 64 KiB chunks, freed all at once:
 * muster_keep returns the copy of p[0..n) (NULL if out of memory or n is
 * more than a chunk holds) and stays valid until muster_keep_free(list).
 * (core/fields.c)
 */
struct muster_chunk {
	struct muster_chunk *next;
	size_t used;
	char data[65536 - 2 * sizeof(void *)];
};
const char *muster_keep(struct muster_chunk **list, const char *p, size_t n);
void muster_keep_free(struct muster_chunk *list);

/* muster_fund_safety over a fund row's fields v with has (core/money.c). */
int muster_fund_rules_safety(const muster_fv *v, muster_mask has);

/* Named databases (docs/STORE.md).  log is primary; the others are projections. */
enum {
	DB_META, DB_LOG, DB_KEYS, DB_JOURNAL,
	/* equipment (core/equip.c): rows are field records unless said */
	DB_TEAM,    /* team code -> team */
	DB_DEPOT,   /* depot code -> depot */
	DB_ASSET,   /* asset id -> asset with its state */
	DB_SERIAL,  /* model 0x00 serial -> asset id (uniqueness) */
	DB_HIST,    /* asset id -> be64(index), MDB_DUPSORT|MDB_DUPFIXED: every entry about the asset */
	DB_RULE,    /* type 0x00 kind -> inspection rule */
	DB_INSPECT, /* asset id 0x00 kind -> its latest inspection */
	DB_STOCK,   /* count id -> physical inventory count */
	DB_SCAN,    /* count id 0x00 asset id -> {ref: index of the scan} */
	/* people (core/people.c) */
	DB_PERSON,  /* resident ID -> person, with a summary of their exams */
	DB_ROSTER,  /* team 0x00 resident ID -> "" */
	DB_CERT,    /* resident ID 0x00 kind 0x00 number 0x00 item -> certificate */
	DB_CKIND,   /* kind -> certificate kind (adds to or replaces a built-in kind) */
	DB_EXAM,    /* resident ID 0x00 be64(date) be64(index) -> exam */
	DB_HRULE,   /* hazard factor -> periodic exam interval */
	DB_DEPLOY,  /* deployment id -> deployment */
	DB_CREW,    /* deployment 0x00 'p'|'a' 0x00 resident ID or asset id -> member */
	DB_OWE,     /* 'p'|'a' 0x00 id 0x00 deployment -> an emergency exam or post-use inspection owed */
	/* money (core/money.c) */
	DB_FUND,    /* fund code -> fund */
	DB_BUDGET,  /* fund 0x00 team 0x00 be32(year) -> budget */
	DB_SPEND,   /* be64(index of the spend.record) -> spending with its state */
	DB_DISPOSE, /* audit finding id -> the latest disposition */
	DB_FSOURCE, /* fund source code -> a fund source registered beyond the built-in ones */
	DB_SPDATE,  /* be32(date) -> be64(index of the spend.record), MDB_DUPSORT|MDB_DUPFIXED: spending by date */
	DB_COUNT
};
extern const char *const muster_db_names[DB_COUNT];
/* The flags each database is opened with (MDB_CREATE is added when creating). */
extern const unsigned muster_db_flags[DB_COUNT];

/*
 * The store format, meta "format" (docs/STORE.md): 1 for stores made
 * before 2026-12; 2 since history and spend_date are DUPSORT databases.
 * An older store is upgraded when it is opened (core/store.c), a newer one
 * refused.  A change to what a database holds or how it is keyed, or a
 * database added, takes the next number and an upgrade step.
 */
#define MUSTER_STORE_FORMAT 2

/* Adds spending recorded at index, dated date (yyyymmdd), to DB_SPDATE (core/money.c). */
int muster_spend_date_put(MDB_txn *txn, const MDB_dbi *dbi, uint32_t date, uint64_t index);
/*
 * Calls fn with the DB_SPEND key and row of each spending dated first to
 * last (yyyymmdd, both included), by date and then index; stops at fn's
 * first non-zero value and returns it.
 */
int muster_spend_dates(MDB_txn *txn, const MDB_dbi *dbi, uint32_t first, uint32_t last,
	int (*fn)(const MDB_val *key, const MDB_val *row, void *arg), void *arg);

/*
 * The log database holds, for each index i, under the 9-byte key
 * be64(i) || kind: the entry (kind 0), the Merkle hashes its append
 * completed (kind 1), and the checkpoint signed for size i+1 if one was
 * (kind 2).  One B-tree, and one commit's records sort together, so a
 * durable commit dirties one leaf path instead of three.
 */
enum { LOG_ENTRY = 0, LOG_HASHES = 1, LOG_CKPT = 2 };
#define LOG_KEY 9

static inline void log_key(uint8_t k[LOG_KEY], uint64_t index, int kind)
{
	be64_put(k, index);
	k[8] = (uint8_t)kind;
}

/* Idle read transactions a store handle keeps (store.c: muster_read_begin). */
#define READ_IDLE 4

struct muster_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	char *dir;
	char origin[MUSTER_ORIGIN_MAX + 1];
	uint8_t log_pk[MUSTER_PK_BYTES];
	muster_signer *log_key; /* loaded on the first write */
	int durable;
	char why[256]; /* why the last write was refused, if a rule said so */
	/* a mirror of another site's log (core/mirror.c): its verifier key and URL; never written by muster_write */
	int mirror;
	char *mirror_vkey, *mirror_url;
	/*
	 * Remapping the map (another process grew it, or a write filled it)
	 * must wait until no thread of this process is inside a transaction of
	 * this handle: LMDB unmaps the old map under them otherwise (musterd's
	 * readers crashed so).  Transactions hold it shared; the remap takes it
	 * exclusively (store.c: muster_read_begin, muster_map_resize).
	 */
	pthread_rwlock_t map_lock;
	int map_lock_made;
	/* set when the environment could only be opened read-only (a read-only file system) */
	int read_only;
	unsigned format; /* meta "format", read by muster_store_open */
	/* the store directory, held shared with flock while the store is open (store.c: dir_lock); -1: not held */
	int dir_fd;
	/*
	 * Read transactions ended by muster_read_end, reset and kept with their
	 * slot in LMDB's reader table, for muster_read_begin to renew: beginning
	 * one anew allocates it and takes a slot under the process-shared
	 * reader mutex.  NULL: empty.  Aborted by muster_store_close.
	 */
	_Atomic(MDB_txn *) idle[READ_IDLE];
};

/*
 * The order of keys in every database of the store: LMDB's own (memcmp,
 * then the shorter first), compared eight bytes at a time.  The same
 * order, so python3-lmdb, mdb_dump and older Muster read the store as
 * before (core/store.c, set by muster_dbs_open).
 */
int muster_key_cmp(const MDB_val *a, const MDB_val *b);
/* "dir/name", malloc'd; NULL when out of memory (core/store.c). */
char *muster_path_join(const char *dir, const char *name);
/* Opens the LMDB environment in dir. */
int muster_env_open(const char *dir, MDB_env **out);
/* Reads dir/mirror into s if it is there: 0 (s->mirror set or not), MUSTER_ECORRUPT if it does not parse. */
int muster_mirror_load(muster_store *s);
/* Loads the right edge of the tree of `size` leaves from the stored hashes. */
int muster_range_load(muster_range *r, uint64_t size, muster_hash_reader rd, void *ctx);


/* Reads a stored Merkle hash from the log database in txn. */
struct merkle_ctx {
	MDB_txn *txn;
	MDB_dbi dbi;
};
int muster_merkle_read(void *ctx, int level, uint64_t n, uint8_t out[MUSTER_HASH_BYTES]);

/*
 * Key state, as the log makes it at a given index.  The same rules run in
 * the write path (over the LMDB keys projection) and in verification (over
 * an in-memory table rebuilt from the log), through this small interface.
 */
struct keyrec {
	uint8_t pk[MUSTER_PK_BYTES];
	uint32_t roles;
	uint64_t enrolled_at;
	uint64_t revoked_at;
	uint64_t roles_at; /* the entry that set the roles it holds: the enrolment or the latest key.roles */
	size_t holder_len;
	char holder[MUSTER_NAME_MAX];
};

struct keytab {
	void *ctx;
	/* 0, MUSTER_ENOTFOUND, or an error */
	int (*get)(void *ctx, const uint8_t id[MUSTER_KEYID_BYTES], struct keyrec *out);
	int (*put)(void *ctx, const uint8_t id[MUSTER_KEYID_BYTES], const struct keyrec *rec);
	/* number of keys that hold admin and are not revoked */
	int (*admins)(void *ctx, uint64_t *n);
};

/* The keys projection as a keytab (core/site.c). */
struct lmdb_keytab {
	MDB_txn *txn;
	MDB_dbi dbi;
	muster_buf buf;
	int map_full;
};
void muster_keytab_lmdb(struct keytab *t, struct lmdb_keytab *ctx, MDB_txn *txn, MDB_dbi dbi);

/* May the signer of e sign it at e->index? 0, MUSTER_EPERM (reason written). */
int muster_keys_authorize(const struct keytab *t, const muster_entry *e, char *why, size_t whylen);
/* Applies e's effect on key state; 0 or MUSTER_E* with reason written. */
int muster_keys_apply(const struct keytab *t, const muster_entry *e, char *why, size_t whylen);

/* Key projection record encoding (keys database value). */
void muster_keyrec_encode(muster_buf *b, const struct keyrec *k);
int muster_keyrec_decode(const uint8_t *p, size_t n, struct keyrec *k);

/* Applies an equipment event to its projections, checking its rules (core/equip.c). */
int muster_equip_apply(MDB_txn *txn, const MDB_dbi *dbi, const muster_entry *e, char *why, size_t whylen);

/* Applies one entry to every LMDB projection (meta, keys, journal...). */
int muster_project(MDB_txn *txn, const MDB_dbi *dbi, const muster_entry *e, char *why, size_t whylen);

/* Opens (creating if asked) all named databases in txn. */
int muster_dbs_open(MDB_txn *txn, MDB_dbi *dbi, int create);

/*
 * Calls fn(index, arg) for each entry in the history of asset id[0..n)
 * (DB_HIST), in index order, with cur a cursor on DB_HIST; stops at fn's
 * first non-zero return and returns it.
 */
int muster_hist_each(MDB_cursor *cur, const void *id, size_t n, int (*fn)(uint64_t index, void *arg), void *arg);

/*
 * A read transaction on s (follows a map grown by another process); end it
 * with muster_read_end, never mdb_txn_abort alone: the calling thread holds
 * s's map lock shared until then.
 */
int muster_read_begin(muster_store *s, MDB_txn **txn);
void muster_read_end(muster_store *s, MDB_txn *txn);
/*
 * Sets s's map size (0: adopt the size another process grew it to) once no
 * transaction of this process uses the map.  MUSTER_ESTORE if the calling
 * thread itself still holds a read transaction (it would wait for itself).
 */
int muster_map_resize(muster_store *s, size_t size);
/* Entries in the log as txn sees it. */
int muster_log_size_txn(MDB_txn *txn, MDB_dbi log, uint64_t *size);

/*
 * SHA-256 of the byte prefix (none when prefix < 0) then p[0..n), into out
 * (core/sha256.c).  impl 0 is libsodium's, 1 the x86 SHA extensions
 * (MUSTER_EINVAL where the processor has none, or MUSTER_NO_SHA_NI is set),
 * -1 the fastest there is: always 0 then.
 */
int muster_sha256_impl(int impl, int prefix, const void *p, size_t n, uint8_t out[MUSTER_HASH_BYTES]);

/* Milliseconds since the epoch, UTC. */
uint64_t muster_now_ms(void);

/*
 * The key file readers over bytes in memory (core/key.c): muster_key_unseal,
 * muster_pub_read and muster_site_key_read read the file and call these,
 * which return what they do (a file longer than its format is MUSTER_EINVAL).
 * *out and pk are written only on success.
 */
int muster_key_unseal_mem(const uint8_t *file, size_t n, const char *pass, size_t pass_len, muster_signer **out);
int muster_pub_parse(const char *text, size_t n, uint8_t pk[MUSTER_PK_BYTES]);
int muster_site_key_parse(const uint8_t *file, size_t n, muster_signer **out);

/*
 * Parses the mirror file ("muster-mirror v1\nvkey V\n[url U\n]",
 * core/mirror.c) t[0..n): 0 with *vkey and *url (malloc'd, NUL-terminated;
 * *url "" when there is no url line) and the verifier key parsed into *v,
 * MUSTER_ECORRUPT, or MUSTER_ENOMEM.
 */
int muster_mirror_parse(const char *t, size_t n, char **vkey, char **url, muster_verifier *v);

#endif
