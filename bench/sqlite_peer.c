/*
 * sqlite_peer.c - the same log kept in SQLite, for comparison: what a
 * competent team would build on SQLite instead of LMDB (benchmark only;
 * `make bench` builds it when libsqlite3 is found).  docs/BENCH.md,
 * "National scale", has the figures.
 *
 * The same work as Muster, with the same bytes: entries are encoded and
 * signed by libmuster's own encoder and signer (muster_entry_encode_unsigned,
 * muster_signer_sign), each signing the RFC 6962 root of the log before it;
 * each append checks the body (muster_event_body_check) and the signer's key
 * (enrolled, not revoked, holding a role the event needs) in the keys table,
 * writes its projection (a journal row), the entry, and the Merkle hashes
 * the append completes (the leaf hash and the subtrees it closes, one row
 * per entry, as Muster stores them); every write ends with a checkpoint
 * note for the new tree size signed with the site's log key, as Muster's
 * do.  The tree's right edge is read back from the stored hashes at the
 * start of each write, as Muster does (another process may have written).
 * SQLite in WAL mode, prepared statements, one transaction per write
 * (BEGIN IMMEDIATE), synchronous=FULL so that a commit is durable
 * (synchronous=NORMAL is timed too, for reference: not durable), a 256 MiB
 * page cache and the database memory-mapped (mmap_size as large as the
 * library allows).
 *
 *   log(idx INTEGER PRIMARY KEY, entry BLOB)          the entries, byte for byte Muster's
 *   merkle(idx INTEGER PRIMARY KEY, hashes BLOB)      32 bytes a hash: leaf, then level 1, 2...
 *   checkpoint(size INTEGER PRIMARY KEY, note BLOB)   signed checkpoint notes
 *   keys(id BLOB PRIMARY KEY, pk, roles, revoked)     revoked: the revoking entry's index, or NULL
 *   journal(idx INTEGER PRIMARY KEY, time_ms, signer, text)
 *   asset(id TEXT PRIMARY KEY, rec BLOB)              Muster's asset rows, byte for byte
 *   meta(k TEXT PRIMARY KEY, v BLOB)                  origin
 *
 * Usage:
 *   sqlite_peer build STORE DB
 *       a new DB holding the log of the Muster store STORE: every entry, its
 *       hashes (recomputed, and checked against the store's), the store's
 *       checkpoint notes, the keys and journal rows replayed from the entries,
 *       and the store's asset rows copied; in transactions of 100,000
 *       entries.  Prints peer_build_per_s, peer_entries, peer_db_bytes.
 *   sqlite_peer run STORE DB KEYFILE
 *       the same workloads on STORE (Muster) and DB (the peer), alternating
 *       so that both see the same machine: journal entries signed by the key
 *       in KEYFILE (passphrase in MUSTER_PASSPHRASE), enrolled in both; STORE
 *       and DB are written to, so give copies (DB built from STORE).
 *   sqlite_peer fresh DIR
 *       makes DIR/store (a new Muster store) and DIR/peer.db from it, and
 *       runs the workloads on that empty pair with the store's admin key.
 *   sqlite_peer verify DB
 *       full verification of DB, as muster_log_verify does Muster's: one
 *       thread walks the log in order (decoding, index and previous-root
 *       chain, key state and roles, every stored hash against hashes
 *       recomputed from the entries, each checkpoint's root) while a worker
 *       per CPU, each with its own connection, checks the signatures of
 *       entries and checkpoints in chunks of 1,024 taken from a shared
 *       counter.  Prints peer_verify_per_s, peer_verify_cpus_busy.
 *
 * The workloads (run, fresh), each printed for both sides:
 *   batched_{muster,peer}_per_s   BENCH_BATCH (10,000) entries per durable write, BENCH_BATCHES
 *                                 (10) writes each, 0.2 s of plain signing between (ref_sign_per_s)
 *   durable_{muster,peer}_per_s   one entry per durable write, BENCH_SYNC (300) each, in blocks
 *                                 of 25; durable_peer_normal_per_s the same with synchronous=NORMAL
 *   lookup_entry_{muster,peer}_us the entry at a random index, read and copied out (Muster:
 *                                 muster_log_entry), BENCH_LOOKUPS (200,000) each, in blocks of
 *                                 10,000 over the same indexes; *_p99_us the 99th percentile,
 *                                 *_cpu_us the CPU time a lookup took (the wall time includes
 *                                 waiting for a CPU on a busy machine).  Both sides read their
 *                                 whole log and asset table once first (lookup_warm_{muster,peer}_s),
 *                                 as a long-running server has: a page of a file touched for the
 *                                 first time by a process costs a page fault, tens of microseconds
 *                                 on this VM, whoever reads it
 *   lookup_entry_lmdb_us          the same lookups in a third block, on LMDB alone: a read
 *                                 transaction begun, mdb_get on Muster's log database, the bytes
 *                                 copied out, the transaction aborted.  The floor any lookup on
 *                                 this B-tree has, whatever the code around it: SQLite over it is
 *                                 the most the entry lookup could be ahead (docs/BENCH.md).  It
 *                                 and a second block of the peer's (lookup_entry_peer_again_us,
 *                                 *_cpu_us) look up other indexes, so that each LMDB block,
 *                                 Muster's and this one, starts after the peer's and finds none
 *                                 of its entries just read
 *   lookup_asset_{muster,peer}_us a random asset's row read and decoded (Muster: a snapshot and
 *                                 muster_row_get, as one request would)
 * Lines are "<name> <value>" for bench/run.sh and bench/national.sh.
 */
#include "bench_ref.h"
#include "bench_util.h"
#include "internal.h" /* the store's LMDB environment, for the lookups on LMDB alone */

#include <muster/muster.h>

#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The keys of a Muster store's log database (docs/STORE.md): the index, big-endian, then a kind byte. */
#define STORE_KEY 9
enum { K_ENTRY, K_HASHES, K_CKPT };

#define CHUNK 1024
#define BUILD_TXN 100000
#define LOOKUP_BLOCK 10000

static const char schema[] = "CREATE TABLE log(idx INTEGER PRIMARY KEY, entry BLOB NOT NULL);"
			     "CREATE TABLE merkle(idx INTEGER PRIMARY KEY, hashes BLOB NOT NULL);"
			     "CREATE TABLE checkpoint(size INTEGER PRIMARY KEY, note BLOB NOT NULL);"
			     "CREATE TABLE keys(id BLOB PRIMARY KEY, pk BLOB NOT NULL, roles INTEGER NOT NULL, revoked INTEGER) "
			     "WITHOUT ROWID;"
			     "CREATE TABLE journal(idx INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, signer BLOB NOT NULL, "
			     "text TEXT NOT NULL);"
			     "CREATE TABLE asset(id TEXT PRIMARY KEY, rec BLOB NOT NULL) WITHOUT ROWID;"
			     "CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;";

__attribute__((noreturn)) static void sq_die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "sqlite_peer: %s: %s\n", what, db ? sqlite3_errmsg(db) : "out of memory");
	exit(1);
}

static void sq_exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		sq_die(db, sql);
}

static sqlite3_stmt *sq_prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		sq_die(db, sql);
	return st;
}

/* Steps a statement that returns no row, and resets it. */
static void sq_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		sq_die(db, what);
	sqlite3_reset(st);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A connection as the team would open it: WAL, durable commits, a big page cache, the file mapped. */
static sqlite3 *sq_open(const char *path, int flags)
{
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		sq_die(db, path);
	sqlite3_busy_timeout(db, 10000);
	sq_exec(db, "PRAGMA journal_mode=WAL");
	sq_exec(db, "PRAGMA synchronous=FULL");
	sq_exec(db, "PRAGMA cache_size=-262144");
	sq_exec(db, "PRAGMA mmap_size=1099511627776"); /* SQLite caps it at its compile-time limit */
	sq_exec(db, "PRAGMA temp_store=MEMORY");
	return db;
}

static int64_t sq_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = sq_prep(db, sql);
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

/* ---- the peer's writer ------------------------------------------------------------------ */

struct peer {
	sqlite3 *db;
	sqlite3_stmt *begin, *commit, *last, *get_hash, *get_key, *ins_log, *ins_merkle, *ins_journal, *ins_ckpt;
	sqlite3_stmt *get_entry, *get_asset;
	char origin[MUSTER_ORIGIN_MAX + 1];
	const muster_signer *log_key;
	muster_range range;
	muster_buf msg, text, note;
};

static void peer_open(struct peer *p, const char *path, const char *origin, const muster_signer *log_key)
{
	memset(p, 0, sizeof p[0]);
	p->db = sq_open(path, SQLITE_OPEN_READWRITE);
	snprintf(p->origin, sizeof p->origin, "%s", origin);
	p->log_key = log_key;
	sqlite3 *db = p->db;
	p->begin = sq_prep(db, "BEGIN IMMEDIATE");
	p->commit = sq_prep(db, "COMMIT");
	p->last = sq_prep(db, "SELECT idx FROM log ORDER BY idx DESC LIMIT 1");
	p->get_hash = sq_prep(db, "SELECT hashes FROM merkle WHERE idx = ?1");
	p->get_key = sq_prep(db, "SELECT pk, roles, revoked FROM keys WHERE id = ?1");
	p->ins_log = sq_prep(db, "INSERT INTO log(idx, entry) VALUES(?1, ?2)");
	p->ins_merkle = sq_prep(db, "INSERT INTO merkle(idx, hashes) VALUES(?1, ?2)");
	p->ins_journal = sq_prep(db, "INSERT INTO journal(idx, time_ms, signer, text) VALUES(?1, ?2, ?3, ?4)");
	p->ins_ckpt = sq_prep(db, "INSERT INTO checkpoint(size, note) VALUES(?1, ?2)");
	p->get_entry = sq_prep(db, "SELECT entry FROM log WHERE idx = ?1");
	p->get_asset = sq_prep(db, "SELECT rec FROM asset WHERE id = ?1");
}

static void peer_close(struct peer *p)
{
	sqlite3_stmt *all[] = {p->begin, p->commit, p->last, p->get_hash, p->get_key, p->ins_log, p->ins_merkle, p->ins_journal,
		p->ins_ckpt, p->get_entry, p->get_asset};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		sqlite3_finalize(all[i]);
	sqlite3_close(p->db);
	muster_buf_free(&p->msg);
	muster_buf_free(&p->text);
	muster_buf_free(&p->note);
}

static uint64_t peer_size(struct peer *p)
{
	uint64_t n = sqlite3_step(p->last) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(p->last, 0) + 1 : 0;
	sqlite3_reset(p->last);
	return n;
}

/* The tree's right edge from the stored hashes: the subtree of each bit of size, from the record of its last leaf. */
static void peer_range_load(struct peer *p, uint64_t size)
{
	muster_range_init(&p->range);
	uint64_t start = 0;
	for (int level = 63; level >= 0; level--) {
		uint64_t bit = (uint64_t)1 << level;
		if (!(size & bit))
			continue;
		uint64_t n = start >> level;
		sqlite3_bind_int64(p->get_hash, 1, (sqlite3_int64)(((n + 1) << level) - 1));
		if (sqlite3_step(p->get_hash) != SQLITE_ROW ||
			(size_t)sqlite3_column_bytes(p->get_hash, 0) < (size_t)(level + 1) * MUSTER_HASH_BYTES)
			sq_die(p->db, "a stored Merkle hash is missing");
		memcpy(p->range.hash[level], (const uint8_t *)sqlite3_column_blob(p->get_hash, 0) + (size_t)level * MUSTER_HASH_BYTES,
			MUSTER_HASH_BYTES);
		sqlite3_reset(p->get_hash);
		start += bit;
	}
	p->range.size = size;
}

/* One signed entry, inside the open transaction. */
static void peer_append(struct peer *p, const muster_signer *k, uint64_t type, const uint8_t *body, size_t len)
{
	if (muster_event_body_check(type, body, len) != 0)
		die("a malformed body", MUSTER_EINVAL);
	muster_entry e;
	e.version = MUSTER_ENTRY_VERSION;
	e.type = type;
	e.index = p->range.size;
	e.time_ms = now_ms();
	muster_range_root(&p->range, e.prev_root);
	memcpy(e.signer, muster_signer_pk(k), MUSTER_PK_BYTES);
	e.body = body;
	e.body_len = len;
	muster_buf *m = &p->msg;
	muster_buf_reset(m);
	muster_buf_put(m, MUSTER_EVENT_DOMAIN, sizeof MUSTER_EVENT_DOMAIN);
	muster_entry_encode_unsigned(m, &e);
	if (m->err)
		die("encoding an entry", m->err);

	/* The signer: enrolled, not revoked, holding a role this event needs. */
	uint8_t kid[MUSTER_KEYID_BYTES];
	muster_key_id(e.signer, kid);
	sqlite3_bind_blob(p->get_key, 1, kid, sizeof kid, SQLITE_STATIC);
	if (sqlite3_step(p->get_key) != SQLITE_ROW || sqlite3_column_bytes(p->get_key, 0) != MUSTER_PK_BYTES ||
		memcmp(sqlite3_column_blob(p->get_key, 0), e.signer, MUSTER_PK_BYTES) != 0 ||
		!((uint32_t)sqlite3_column_int64(p->get_key, 1) & muster_event_roles(type)) ||
		sqlite3_column_type(p->get_key, 2) != SQLITE_NULL)
		die("the signer may not write this event", MUSTER_EPERM);
	sqlite3_reset(p->get_key);

	/* The projection. */
	if (type == MUSTER_EV_JOURNAL) {
		muster_ev_journal v;
		if (muster_ev_journal_decode(body, len, &v) != 0)
			die("a malformed journal body", MUSTER_EINVAL);
		sqlite3_bind_int64(p->ins_journal, 1, (sqlite3_int64)e.index);
		sqlite3_bind_int64(p->ins_journal, 2, (sqlite3_int64)e.time_ms);
		sqlite3_bind_blob(p->ins_journal, 3, kid, sizeof kid, SQLITE_STATIC);
		sqlite3_bind_text(p->ins_journal, 4, v.text.p, (int)v.text.n, SQLITE_STATIC);
		sq_done(p->db, p->ins_journal, "journal");
	}

	muster_signer_sign(k, m->data, m->len, e.sig);
	muster_buf_put(m, e.sig, MUSTER_SIG_BYTES);
	if (m->err)
		die("encoding an entry", m->err);
	const uint8_t *entry = m->data + sizeof MUSTER_EVENT_DOMAIN;
	size_t entry_len = m->len - sizeof MUSTER_EVENT_DOMAIN;
	sqlite3_bind_int64(p->ins_log, 1, (sqlite3_int64)e.index);
	sqlite3_bind_blob(p->ins_log, 2, entry, (int)entry_len, SQLITE_STATIC);
	sq_done(p->db, p->ins_log, "log");

	uint8_t leaf[MUSTER_HASH_BYTES], hashes[64][MUSTER_HASH_BYTES];
	muster_leaf_hash(entry, entry_len, leaf);
	size_t n = muster_range_append(&p->range, leaf, hashes);
	sqlite3_bind_int64(p->ins_merkle, 1, (sqlite3_int64)e.index);
	sqlite3_bind_blob(p->ins_merkle, 2, hashes, (int)(n * MUSTER_HASH_BYTES), SQLITE_STATIC);
	sq_done(p->db, p->ins_merkle, "merkle");
}

/* A write of count journal entries: one transaction, ending with the signed checkpoint. */
static void peer_write_journal(struct peer *p, struct journal *j, uint64_t count)
{
	sq_done(p->db, p->begin, "BEGIN");
	peer_range_load(p, peer_size(p));
	for (uint64_t i = 0; i < count; i++) {
		if (journal_body(j, j->serial + i) != 0)
			die("encoding a journal body", MUSTER_ENOMEM);
		peer_append(p, j->signer, MUSTER_EV_JOURNAL, j->body.data, j->body.len);
	}
	uint8_t root[MUSTER_HASH_BYTES];
	muster_range_root(&p->range, root);
	muster_buf_reset(&p->text);
	muster_buf_reset(&p->note);
	muster_checkpoint_format(&p->text, p->origin, p->range.size, root);
	if (p->text.err || muster_note_sign(&p->note, (const char *)p->text.data, p->text.len, p->origin,
				   muster_signer_sk(p->log_key)) != 0)
		die("signing the checkpoint", MUSTER_EINVAL);
	sqlite3_bind_int64(p->ins_ckpt, 1, (sqlite3_int64)p->range.size);
	sqlite3_bind_blob(p->ins_ckpt, 2, p->note.data, (int)p->note.len, SQLITE_STATIC);
	sq_done(p->db, p->ins_ckpt, "checkpoint");
	sq_done(p->db, p->commit, "COMMIT");
	j->serial += count;
}

/* ---- build: a Muster store's log into a new DB --------------------------------------------- */

static uint64_t be64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static void mdb_ok(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "sqlite_peer: %s: %s\n", what, mdb_strerror(rc));
		exit(1);
	}
}

/* Builds DB from the store's log; prints its figures when print is non-zero. */
static int cmd_build(const char *store, const char *path, int print)
{
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "sqlite_peer: %s exists; build makes a new one\n", path);
		return 2;
	}
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dlog, dasset;
	MDB_cursor *cur;
	MDB_val k, v;
	mdb_ok(mdb_env_create(&env), "mdb_env_create");
	mdb_ok(mdb_env_set_maxdbs(env, 32), "mdb_env_set_maxdbs");
	mdb_ok(mdb_env_open(env, store, MDB_RDONLY | MDB_NOTLS, 0600), store);
	mdb_ok(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin");
	mdb_ok(mdb_dbi_open(txn, "log", 0, &dlog), "the store's log");
	mdb_ok(mdb_dbi_open(txn, "asset", 0, &dasset), "the store's assets");

	sqlite3 *db = sq_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	sq_exec(db, schema);
	sq_exec(db, "PRAGMA synchronous=NORMAL"); /* a bulk load: durable at its last commit */
	sqlite3_stmt *ins_log = sq_prep(db, "INSERT INTO log(idx, entry) VALUES(?1, ?2)"),
		     *ins_merkle = sq_prep(db, "INSERT INTO merkle(idx, hashes) VALUES(?1, ?2)"),
		     *ins_ckpt = sq_prep(db, "INSERT INTO checkpoint(size, note) VALUES(?1, ?2)"),
		     *ins_journal = sq_prep(db, "INSERT INTO journal(idx, time_ms, signer, text) VALUES(?1, ?2, ?3, ?4)"),
		     *ins_key = sq_prep(db, "INSERT INTO keys(id, pk, roles, revoked) VALUES(?1, ?2, ?3, NULL)"),
		     *set_roles = sq_prep(db, "UPDATE keys SET roles = ?2 WHERE id = ?1"),
		     *set_revoked = sq_prep(db, "UPDATE keys SET revoked = ?2 WHERE id = ?1"),
		     *ins_asset = sq_prep(db, "INSERT INTO asset(id, rec) VALUES(?1, ?2)"),
		     *ins_meta = sq_prep(db, "INSERT INTO meta(k, v) VALUES(?1, ?2)");
	muster_range *range = malloc(sizeof *range);
	if (!range)
		die("memory", MUSTER_ENOMEM);
	muster_range_init(range);
	uint8_t hashes[64][MUSTER_HASH_BYTES];
	size_t nh = 0;
	uint64_t entries = 0;
	double t = now();
	sq_exec(db, "BEGIN");
	mdb_ok(mdb_cursor_open(txn, dlog, &cur), "mdb_cursor_open");
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != STORE_KEY)
			die("a log key of another length", MUSTER_ECORRUPT);
		uint64_t i = be64(k.mv_data);
		int kind = ((const uint8_t *)k.mv_data)[8];
		if (kind == K_HASHES) { /* ours were recomputed from the entry: they must be the store's */
			if (v.mv_size != nh * MUSTER_HASH_BYTES || memcmp(v.mv_data, hashes, v.mv_size) != 0)
				die("the store's Merkle hashes differ from the entries'", MUSTER_ECORRUPT);
			continue;
		}
		if (kind == K_CKPT) {
			sqlite3_bind_int64(ins_ckpt, 1, (sqlite3_int64)(i + 1));
			sqlite3_bind_blob(ins_ckpt, 2, v.mv_data, (int)v.mv_size, SQLITE_STATIC);
			sq_done(db, ins_ckpt, "checkpoint");
			continue;
		}
		muster_entry e;
		if (kind != K_ENTRY || i != entries || muster_entry_decode(v.mv_data, v.mv_size, &e) != 0)
			die("a record out of place", MUSTER_ECORRUPT);
		sqlite3_bind_int64(ins_log, 1, (sqlite3_int64)i);
		sqlite3_bind_blob(ins_log, 2, v.mv_data, (int)v.mv_size, SQLITE_STATIC);
		sq_done(db, ins_log, "log");
		uint8_t leaf[MUSTER_HASH_BYTES];
		muster_leaf_hash(v.mv_data, v.mv_size, leaf);
		nh = muster_range_append(range, leaf, hashes);
		sqlite3_bind_int64(ins_merkle, 1, (sqlite3_int64)i);
		sqlite3_bind_blob(ins_merkle, 2, hashes, (int)(nh * MUSTER_HASH_BYTES), SQLITE_STATIC);
		sq_done(db, ins_merkle, "merkle");
		uint8_t kid[MUSTER_KEYID_BYTES];
		if (e.type == MUSTER_EV_SITE_INIT) {
			muster_ev_site_init g;
			if (muster_ev_site_init_decode(e.body, e.body_len, &g) != 0 || g.origin.n > MUSTER_ORIGIN_MAX)
				die("the genesis entry", MUSTER_ECORRUPT);
			muster_key_id(e.signer, kid);
			sqlite3_bind_blob(ins_key, 1, kid, sizeof kid, SQLITE_TRANSIENT);
			sqlite3_bind_blob(ins_key, 2, e.signer, MUSTER_PK_BYTES, SQLITE_TRANSIENT);
			sqlite3_bind_int64(ins_key, 3, MUSTER_ROLE_ADMIN);
			sq_done(db, ins_key, "keys");
			sqlite3_bind_text(ins_meta, 1, "origin", -1, SQLITE_STATIC);
			sqlite3_bind_blob(ins_meta, 2, g.origin.p, (int)g.origin.n, SQLITE_TRANSIENT);
			sq_done(db, ins_meta, "meta");
		} else if (e.type == MUSTER_EV_KEY_ENROL || e.type == MUSTER_EV_KEY_ROLES || e.type == MUSTER_EV_KEY_REVOKE) {
			muster_ev_key kv;
			if (muster_ev_key_decode(e.type, e.body, e.body_len, &kv) != 0)
				die("a key event", MUSTER_ECORRUPT);
			muster_key_id(kv.pk, kid);
			sqlite3_stmt *st = e.type == MUSTER_EV_KEY_ENROL ? ins_key : e.type == MUSTER_EV_KEY_ROLES ? set_roles : set_revoked;
			sqlite3_bind_blob(st, 1, kid, sizeof kid, SQLITE_TRANSIENT);
			if (st == ins_key) {
				sqlite3_bind_blob(st, 2, kv.pk, MUSTER_PK_BYTES, SQLITE_TRANSIENT);
				sqlite3_bind_int64(st, 3, kv.roles);
			} else {
				sqlite3_bind_int64(st, 2, st == set_roles ? (sqlite3_int64)kv.roles : (sqlite3_int64)i);
			}
			sq_done(db, st, "keys");
		} else if (e.type == MUSTER_EV_JOURNAL) {
			muster_ev_journal jv;
			if (muster_ev_journal_decode(e.body, e.body_len, &jv) != 0)
				die("a journal entry", MUSTER_ECORRUPT);
			muster_key_id(e.signer, kid);
			sqlite3_bind_int64(ins_journal, 1, (sqlite3_int64)i);
			sqlite3_bind_int64(ins_journal, 2, (sqlite3_int64)e.time_ms);
			sqlite3_bind_blob(ins_journal, 3, kid, sizeof kid, SQLITE_TRANSIENT);
			sqlite3_bind_text(ins_journal, 4, jv.text.p, (int)jv.text.n, SQLITE_TRANSIENT);
			sq_done(db, ins_journal, "journal");
		}
		if (++entries % BUILD_TXN == 0) {
			sq_exec(db, "COMMIT");
			sq_exec(db, "BEGIN");
			fprintf(stderr, "\rsqlite_peer: %" PRIu64 " entries", entries);
		}
	}
	mdb_cursor_close(cur);
	uint64_t assets = 0;
	mdb_ok(mdb_cursor_open(txn, dasset, &cur), "mdb_cursor_open");
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), assets++) {
		sqlite3_bind_text(ins_asset, 1, k.mv_data, (int)k.mv_size, SQLITE_STATIC);
		sqlite3_bind_blob(ins_asset, 2, v.mv_data, (int)v.mv_size, SQLITE_STATIC);
		sq_done(db, ins_asset, "asset");
	}
	mdb_cursor_close(cur);
	sq_exec(db, "COMMIT");
	sq_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	t = now() - t;
	fprintf(stderr, "\rsqlite_peer: %" PRIu64 " entries and %" PRIu64 " assets in %.1f s\n", entries, assets, t);
	sqlite3_stmt *all[] = {ins_log, ins_merkle, ins_ckpt, ins_journal, ins_key, set_roles, set_revoked, ins_asset, ins_meta};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		sqlite3_finalize(all[i]);
	sqlite3_close(db);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	free(range);
	struct stat st;
	if (print) {
		report("peer_build_per_s", (double)entries / t);
		report("peer_entries", (double)entries);
		report("peer_db_bytes", stat(path, &st) == 0 ? (double)st.st_size : 0);
	}
	return 0;
}

/* ---- run: the workloads, alternating between Muster and the peer ------------------------- */

static void muster_journal(muster_store *s, struct journal *j, uint64_t count)
{
	j->count = count;
	int rc = muster_write(s, write_journal, j);
	if (rc) {
		fprintf(stderr, "sqlite_peer: muster write refused: %s\n", muster_store_why(s));
		die("muster_write", rc);
	}
	j->serial += count;
}

/* xorshift64*: the same random indexes every run. */
static uint64_t rnd(uint64_t *x, uint64_t bound)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return (*x * 0x2545f4914f6cdd1du) % bound;
}

static double p99(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return v[(size_t)((double)n * 0.99)];
}

static int count_entry(uint64_t index, const uint8_t *p, size_t len, void *arg)
{
	(void)index, (void)p;
	*(uint64_t *)arg += len;
	return 0;
}

static int count_row(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	(void)key, (void)r;
	*(uint64_t *)arg += klen;
	return 0;
}

/* Both sides read their whole log and asset table once, so that the lookups find their pages mapped. */
static void warm(muster_store *s, struct peer *p)
{
	uint64_t size, bm = 0, bp = 0;
	muster_snap *sn;
	int rc;
	double t = now();
	if ((rc = muster_log_size(s, &size)) != 0 || (rc = muster_log_scan(s, 0, size, count_entry, &bm)) != 0 ||
		(rc = muster_snap_begin(s, &sn)) != 0)
		die("reading the log", rc);
	if ((rc = muster_row_list(sn, MUSTER_T_ASSET, "", 0, count_row, &bm)) != 0)
		die("reading the assets", rc);
	muster_snap_end(sn);
	report("lookup_warm_muster_s", now() - t);
	t = now();
	sqlite3_stmt *st = sq_prep(p->db, "SELECT entry FROM log");
	while (sqlite3_step(st) == SQLITE_ROW)
		bp += (uint64_t)sqlite3_column_bytes(st, 0);
	sqlite3_finalize(st);
	st = sq_prep(p->db, "SELECT id, rec FROM asset");
	while (sqlite3_step(st) == SQLITE_ROW)
		bp += (uint64_t)sqlite3_column_bytes(st, 0) + (uint64_t)sqlite3_column_bytes(st, 1);
	sqlite3_finalize(st);
	report("lookup_warm_peer_s", now() - t);
	if (!bm || !bp)
		die("nothing to read", MUSTER_ECORRUPT);
}

/* Lookups of what items[] names, in blocks: Muster's block, then the peer's over the same items. */
struct lookup {
	int asset; /* 0: entries by index */
	uint64_t size;
	const char **ids;
	size_t nids;
};

/* Who looks up: Muster, the peer, or LMDB alone (entries only). */
enum { BY_MUSTER, BY_PEER, BY_LMDB };

static double one_lookup(muster_store *s, struct peer *p, int peer, const struct lookup *l, uint64_t pick, muster_buf *b)
{
	int rc;
	double t = now();
	if (!l->asset && peer == BY_LMDB) {
		MDB_txn *txn;
		uint8_t kb[LOG_KEY];
		log_key(kb, pick, LOG_ENTRY);
		MDB_val k = {LOG_KEY, kb}, v;
		muster_buf_reset(b);
		if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0 || (rc = mdb_get(txn, s->dbi[DB_LOG], &k, &v)) != 0) {
			fprintf(stderr, "sqlite_peer: mdb_get: %s\n", mdb_strerror(rc));
			exit(1);
		}
		muster_buf_put(b, v.mv_data, v.mv_size);
		mdb_txn_abort(txn);
	} else if (!l->asset) {
		muster_buf_reset(b);
		if (!peer) {
			if ((rc = muster_log_entry(s, pick, b)) != 0)
				die("muster_log_entry", rc);
		} else {
			sqlite3_bind_int64(p->get_entry, 1, (sqlite3_int64)pick);
			if (sqlite3_step(p->get_entry) != SQLITE_ROW)
				sq_die(p->db, "an entry lookup");
			muster_buf_put(b, sqlite3_column_blob(p->get_entry, 0), (size_t)sqlite3_column_bytes(p->get_entry, 0));
			sqlite3_reset(p->get_entry);
		}
	} else {
		const char *id = l->ids[pick];
		muster_rec r;
		if (!peer) {
			muster_snap *sn;
			if ((rc = muster_snap_begin(s, &sn)) != 0 || (rc = muster_row_cget(sn, MUSTER_T_ASSET, id, &r)) != 0)
				die("an asset lookup", rc);
			muster_snap_end(sn);
		} else {
			sqlite3_bind_text(p->get_asset, 1, id, -1, SQLITE_STATIC);
			if (sqlite3_step(p->get_asset) != SQLITE_ROW)
				sq_die(p->db, "an asset lookup");
			if ((rc = muster_rec_decode(sqlite3_column_blob(p->get_asset, 0), (size_t)sqlite3_column_bytes(p->get_asset, 0),
				     0, 0, &r, NULL, 0)) != 0)
				die("decoding an asset row", rc);
			sqlite3_reset(p->get_asset);
		}
	}
	return now() - t;
}

static void lookups(muster_store *s, struct peer *p, const struct lookup *l, uint64_t n, const char *name)
{
	double *lm = malloc((size_t)n * sizeof *lm), *lp = malloc((size_t)n * sizeof *lp), sm = 0, sp = 0, cm = 0, cp = 0, c;
	double sl = 0, sp2 = 0, cp2 = 0; /* LMDB alone, and the peer's second block */
	uint64_t *pick = malloc(LOOKUP_BLOCK * sizeof *pick), x = 0x9e3779b97f4a7c15u;
	muster_buf b = {0};
	if (!lm || !lp || !pick)
		die("memory", MUSTER_ENOMEM);
	for (uint64_t done = 0; done < n;) {
		uint64_t k = n - done < LOOKUP_BLOCK ? n - done : LOOKUP_BLOCK;
		for (uint64_t i = 0; i < k; i++)
			pick[i] = rnd(&x, l->asset ? l->nids : l->size);
		c = cpu_now();
		for (uint64_t i = 0; i < k; i++)
			sm += lm[done + i] = one_lookup(s, p, BY_MUSTER, l, pick[i], &b);
		cm += cpu_now() - c;
		c = cpu_now();
		for (uint64_t i = 0; i < k; i++)
			sp += lp[done + i] = one_lookup(s, p, BY_PEER, l, pick[i], &b);
		cp += cpu_now() - c;
		if (!l->asset) {
			/*
			 * LMDB alone, then the peer, over other indexes: each LMDB
			 * block, Muster's too, starts after the peer's, and finds
			 * none of its entries just read.
			 */
			for (uint64_t i = 0; i < k; i++)
				pick[i] = rnd(&x, l->size);
			for (uint64_t i = 0; i < k; i++)
				sl += one_lookup(s, p, BY_LMDB, l, pick[i], &b);
			c = cpu_now();
			for (uint64_t i = 0; i < k; i++)
				sp2 += one_lookup(s, p, BY_PEER, l, pick[i], &b);
			cp2 += cpu_now() - c;
		}
		done += k;
	}
	if (!l->asset) {
		report("lookup_entry_lmdb_us", sl * 1e6 / (double)n);
		report("lookup_entry_peer_again_us", sp2 * 1e6 / (double)n);
		report("lookup_entry_peer_again_cpu_us", cp2 * 1e6 / (double)n);
	}
	char key[64];
	snprintf(key, sizeof key, "lookup_%s_muster_us", name);
	report(key, sm * 1e6 / (double)n);
	snprintf(key, sizeof key, "lookup_%s_peer_us", name);
	report(key, sp * 1e6 / (double)n);
	snprintf(key, sizeof key, "lookup_%s_muster_p99_us", name);
	report(key, p99(lm, (size_t)n) * 1e6);
	snprintf(key, sizeof key, "lookup_%s_peer_p99_us", name);
	report(key, p99(lp, (size_t)n) * 1e6);
	snprintf(key, sizeof key, "lookup_%s_muster_cpu_us", name);
	report(key, cm * 1e6 / (double)n);
	snprintf(key, sizeof key, "lookup_%s_peer_cpu_us", name);
	report(key, cp * 1e6 / (double)n);
	muster_buf_free(&b);
	free(lm);
	free(lp);
	free(pick);
}

static void workloads(const char *store, const char *path, const muster_signer *k)
{
	uint64_t batch = env_u64("BENCH_BATCH", 10000), batches = env_u64("BENCH_BATCHES", 10), nsync = env_u64("BENCH_SYNC", 300),
		 nlook = env_u64("BENCH_LOOKUPS", 200000);
	muster_store *s;
	muster_signer *log_key;
	char kpath[4200];
	int rc;
	if ((rc = muster_store_open(store, &s)) != 0)
		die(store, rc);
	snprintf(kpath, sizeof kpath, "%s/log.key", store);
	if ((rc = muster_site_key_read(kpath, &log_key)) != 0)
		die(kpath, rc);
	struct peer p;
	peer_open(&p, path, muster_store_origin(s), log_key);
	uint64_t ms, ps = peer_size(&p);
	if ((rc = muster_log_size(s, &ms)) != 0)
		die("muster_log_size", rc);
	if (ms != ps) {
		fprintf(stderr, "sqlite_peer: the store holds %" PRIu64 " entries, the peer %" PRIu64 ": build the peer from the store\n",
			ms, ps);
		exit(1);
	}
	report("log_size", (double)ms);
	uint64_t tag = (uint64_t)time(NULL);
	struct journal jm = {k, 0, ms, tag, {0}}, jp = {k, 0, ps, tag, {0}};

	/* (a) batched: a warm-up write each, then alternating, plain signing between. */
	muster_journal(s, &jm, batch);
	peer_write_journal(&p, &jp, batch);
	fprintf(stderr, "sqlite_peer: %" PRIu64 " durable writes of %" PRIu64 " entries each, alternating, at %" PRIu64 "...\n",
		batches, batch, ms);
	struct rate rm = {0, 0}, rp = {0, 0}, sign = {0, 0};
	for (uint64_t i = 0; i < batches; i++) {
		ref_crypto(&sign, 0, 0.2);
		double t = now();
		muster_journal(s, &jm, batch);
		rm.secs += now() - t;
		rm.ops += (double)batch;
		ref_crypto(&sign, 0, 0.2);
		t = now();
		peer_write_journal(&p, &jp, batch);
		rp.secs += now() - t;
		rp.ops += (double)batch;
	}
	ref_crypto(&sign, 0, 0.2);
	report("batched_muster_per_s", rm.ops / rm.secs);
	report("batched_peer_per_s", rp.ops / rp.secs);
	report("ref_sign_per_s", sign.ops / sign.secs);

	/* (b) durable single appends: blocks of 25, Muster, the peer (FULL), the peer (NORMAL, not durable). */
	struct rate dm = {0, 0}, dp = {0, 0}, dn = {0, 0};
	for (int i = 0; i < 5; i++) {
		muster_journal(s, &jm, 1);
		peer_write_journal(&p, &jp, 1);
	}
	fprintf(stderr, "sqlite_peer: %" PRIu64 " durable single appends each, in blocks of 25...\n", nsync);
	for (uint64_t done = 0; done < nsync;) {
		uint64_t n = nsync - done < 25 ? nsync - done : 25;
		double t = now();
		for (uint64_t i = 0; i < n; i++)
			muster_journal(s, &jm, 1);
		dm.secs += now() - t;
		dm.ops += (double)n;
		t = now();
		for (uint64_t i = 0; i < n; i++)
			peer_write_journal(&p, &jp, 1);
		dp.secs += now() - t;
		dp.ops += (double)n;
		sq_exec(p.db, "PRAGMA synchronous=NORMAL");
		t = now();
		for (uint64_t i = 0; i < n; i++)
			peer_write_journal(&p, &jp, 1);
		dn.secs += now() - t;
		dn.ops += (double)n;
		sq_exec(p.db, "PRAGMA synchronous=FULL");
		done += n;
	}
	report("durable_muster_per_s", dm.ops / dm.secs);
	report("durable_peer_per_s", dp.ops / dp.secs);
	report("durable_peer_normal_per_s", dn.ops / dn.secs);

	/* (c) lookups over what both hold now. */
	if (nlook) {
		if ((rc = muster_log_size(s, &ms)) != 0)
			die("muster_log_size", rc);
		ps = peer_size(&p);
		fprintf(stderr, "sqlite_peer: %" PRIu64 " lookups of random entries and assets each, in blocks of %d...\n", nlook,
			LOOKUP_BLOCK);
		struct lookup l = {0, ms < ps ? ms : ps, NULL, 0};
		warm(s, &p);
		lookups(s, &p, &l, nlook, "entry");
		sqlite3_stmt *st = sq_prep(p.db, "SELECT id FROM asset");
		muster_buf all = {0};
		size_t *off = NULL, cap = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (l.nids == cap) {
				cap = cap ? 2 * cap : 4096;
				if (!(off = realloc(off, cap * sizeof *off)))
					die("memory", MUSTER_ENOMEM);
			}
			off[l.nids++] = all.len;
			muster_buf_put(&all, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
			muster_buf_put(&all, "", 1);
		}
		sqlite3_finalize(st);
		if (all.err)
			die("memory", all.err);
		if (l.nids) {
			l.asset = 1;
			if (!(l.ids = malloc(l.nids * sizeof *l.ids)))
				die("memory", MUSTER_ENOMEM);
			for (size_t i = 0; i < l.nids; i++)
				l.ids[i] = (const char *)all.data + off[i];
			report("assets", (double)l.nids);
			lookups(s, &p, &l, nlook, "asset");
			free(l.ids);
		}
		free(off);
		muster_buf_free(&all);
	}
	peer_close(&p);
	muster_store_close(s);
	muster_signer_free(log_key);
	muster_buf_free(&jm.body);
	muster_buf_free(&jp.body);
}

static int cmd_run(const char *store, const char *path, const char *keyfile)
{
	const char *pass = getenv("MUSTER_PASSPHRASE");
	muster_signer *k;
	int rc;
	if (!pass) {
		fprintf(stderr, "sqlite_peer: MUSTER_PASSPHRASE must hold the passphrase of %s\n", keyfile);
		return 2;
	}
	if ((rc = muster_key_unseal(keyfile, pass, strlen(pass), &k)) != 0)
		die(keyfile, rc);
	workloads(store, path, k);
	muster_signer_free(k);
	return 0;
}

static int cmd_fresh(const char *dir)
{
	char store[4200], path[4200];
	muster_signer *admin;
	muster_store *s;
	int rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	snprintf(store, sizeof store, "%s/store", dir);
	snprintf(path, sizeof path, "%s/peer.db", dir);
	if ((rc = muster_signer_generate(&admin)) != 0)
		die("muster_signer_generate", rc);
	if ((rc = muster_store_create(store, "bench.example/peer", admin, "Bench Admin", &s)) != 0)
		die(store, rc);
	muster_store_close(s);
	if ((rc = cmd_build(store, path, 0)) != 0)
		return rc;
	workloads(store, path, admin);
	muster_signer_free(admin);
	return 0;
}

/* ---- verify ------------------------------------------------------------------------------ */

struct vshared {
	const char *path;
	uint64_t size;
	muster_verifier log_key;
	_Atomic uint64_t next_chunk;
	_Atomic uint64_t bad; /* the lowest failing index found, or UINT64_MAX */
	char why[256];
	pthread_mutex_t lock;
};

static void vfail(struct vshared *sh, uint64_t i, const char *why)
{
	pthread_mutex_lock(&sh->lock);
	if (i < atomic_load(&sh->bad)) {
		atomic_store(&sh->bad, i);
		snprintf(sh->why, sizeof sh->why, "%s", why);
	}
	pthread_mutex_unlock(&sh->lock);
}

/* A worker: the signatures of entries and checkpoints, a chunk at a time, on its own connection. */
static void *vwork(void *arg)
{
	struct vshared *sh = arg;
	sqlite3 *db = sq_open(sh->path, SQLITE_OPEN_READWRITE); /* reads only; read-write so that it may open the WAL index */
	sqlite3_stmt *se = sq_prep(db, "SELECT idx, entry FROM log WHERE idx >= ?1 AND idx < ?2 ORDER BY idx"),
		     *sc = sq_prep(db, "SELECT size, note FROM checkpoint WHERE size > ?1 AND size <= ?2 ORDER BY size");
	sq_exec(db, "BEGIN"); /* one snapshot for the whole run */
	for (;;) {
		uint64_t chunk = atomic_fetch_add(&sh->next_chunk, 1), lo = chunk * CHUNK;
		if (lo >= sh->size || lo > atomic_load(&sh->bad))
			break;
		uint64_t hi = lo + CHUNK < sh->size ? lo + CHUNK : sh->size;
		sqlite3_bind_int64(se, 1, (sqlite3_int64)lo);
		sqlite3_bind_int64(se, 2, (sqlite3_int64)hi);
		while (sqlite3_step(se) == SQLITE_ROW) {
			const uint8_t *p = sqlite3_column_blob(se, 1);
			size_t n = (size_t)sqlite3_column_bytes(se, 1);
			muster_entry e;
			if (muster_entry_decode(p, n, &e) == 0 && muster_entry_verify(p, n, &e) != 0)
				vfail(sh, (uint64_t)sqlite3_column_int64(se, 0), "a signature does not verify");
		}
		sqlite3_reset(se);
		sqlite3_bind_int64(sc, 1, (sqlite3_int64)lo);
		sqlite3_bind_int64(sc, 2, (sqlite3_int64)hi);
		while (sqlite3_step(sc) == SQLITE_ROW) {
			size_t tl, nv;
			if (muster_note_open(sqlite3_column_blob(sc, 1), (size_t)sqlite3_column_bytes(sc, 1), &sh->log_key, 1, &tl, &nv) != 0)
				vfail(sh, (uint64_t)sqlite3_column_int64(sc, 0) - 1, "a checkpoint is not signed by the log key");
		}
		sqlite3_reset(sc);
	}
	sq_exec(db, "COMMIT");
	sqlite3_finalize(se);
	sqlite3_finalize(sc);
	sqlite3_close(db);
	return NULL;
}

/* The keys as the log has them so far (a handful: a linear table). */
struct vkey {
	uint8_t pk[MUSTER_PK_BYTES];
	uint32_t roles;
	uint64_t revoked; /* UINT64_MAX: not revoked */
};

static struct vkey *vkey_find(struct vkey *k, size_t n, const uint8_t *pk)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(k[i].pk, pk, MUSTER_PK_BYTES) == 0)
			return &k[i];
	return NULL;
}

/* The text of a signed note (its signatures are the workers'). */
static size_t note_text_len(const uint8_t *p, size_t n)
{
	for (size_t i = n; i >= 2; i--)
		if (p[i - 2] == '\n' && p[i - 1] == '\n')
			return i - 1;
	return 0;
}

/* The walker: everything that depends on order; returns the first failing index, or UINT64_MAX. */
static uint64_t vwalk(sqlite3 *db, struct vshared *sh, const char **why)
{
	sqlite3_stmt *sl = sq_prep(db, "SELECT idx, entry FROM log ORDER BY idx"),
		     *sm = sq_prep(db, "SELECT idx, hashes FROM merkle ORDER BY idx"),
		     *sc = sq_prep(db, "SELECT size, note FROM checkpoint ORDER BY size");
	struct vkey *keys = NULL;
	size_t nkeys = 0;
	muster_range *range = malloc(sizeof *range);
	uint8_t root[MUSTER_HASH_BYTES];
	uint64_t covered = 0, bad = UINT64_MAX;
	if (!range)
		die("memory", MUSTER_ENOMEM);
	muster_range_init(range);
	muster_empty_root(root);
	int crc = sqlite3_step(sc);
#define FAIL(i, msg) \
	do { \
		bad = (i); \
		*why = (msg); \
		goto out; \
	} while (0)
	for (uint64_t i = 0; i < sh->size; i++) {
		if (i > atomic_load(&sh->bad))
			break;
		if (sqlite3_step(sl) != SQLITE_ROW || (uint64_t)sqlite3_column_int64(sl, 0) != i)
			FAIL(i, "missing from the log");
		const uint8_t *p = sqlite3_column_blob(sl, 1);
		size_t n = (size_t)sqlite3_column_bytes(sl, 1);
		muster_entry e;
		if (muster_entry_decode(p, n, &e) != 0)
			FAIL(i, "not a canonical entry encoding");
		if (e.index != i)
			FAIL(i, "claims another index");
		if (sodium_memcmp(root, e.prev_root, MUSTER_HASH_BYTES) != 0)
			FAIL(i, "previous root does not match the log before it");
		if (muster_event_body_check(e.type, e.body, e.body_len) != 0)
			FAIL(i, "malformed body");
		/* Key state and roles at this index, then what the entry does to the keys. */
		if (e.type == MUSTER_EV_SITE_INIT || i == 0) {
			if (e.type != MUSTER_EV_SITE_INIT || i != 0)
				FAIL(i, "site.init must be the first entry and only the first");
		} else {
			struct vkey *k = vkey_find(keys, nkeys, e.signer);
			if (!k || (k->revoked != UINT64_MAX && i > k->revoked) || !(k->roles & muster_event_roles(e.type)))
				FAIL(i, "the signer may not write this event");
		}
		if (e.type == MUSTER_EV_SITE_INIT || e.type == MUSTER_EV_KEY_ENROL || e.type == MUSTER_EV_KEY_ROLES ||
			e.type == MUSTER_EV_KEY_REVOKE) {
			muster_ev_key kv;
			const uint8_t *pk = e.signer;
			uint32_t roles = MUSTER_ROLE_ADMIN;
			if (e.type != MUSTER_EV_SITE_INIT) {
				if (muster_ev_key_decode(e.type, e.body, e.body_len, &kv) != 0)
					FAIL(i, "malformed key event");
				pk = kv.pk;
				roles = kv.roles;
			}
			struct vkey *k = vkey_find(keys, nkeys, pk);
			if ((e.type == MUSTER_EV_KEY_ENROL || e.type == MUSTER_EV_SITE_INIT) == (k != NULL))
				FAIL(i, "a key enrolled twice, or changed before it was enrolled");
			if (!k) {
				if (!(keys = realloc(keys, (nkeys + 1) * sizeof *keys)))
					die("memory", MUSTER_ENOMEM);
				k = &keys[nkeys++];
				memcpy(k->pk, pk, MUSTER_PK_BYTES);
				k->revoked = UINT64_MAX;
			}
			if (e.type == MUSTER_EV_KEY_REVOKE)
				k->revoked = i;
			else
				k->roles = roles;
		}
		uint8_t leaf[MUSTER_HASH_BYTES], hashes[64][MUSTER_HASH_BYTES];
		muster_leaf_hash(p, n, leaf);
		size_t nh = muster_range_append(range, leaf, hashes);
		if (sqlite3_step(sm) != SQLITE_ROW || (uint64_t)sqlite3_column_int64(sm, 0) != i ||
			(size_t)sqlite3_column_bytes(sm, 1) != nh * MUSTER_HASH_BYTES ||
			sodium_memcmp(sqlite3_column_blob(sm, 1), hashes, nh * MUSTER_HASH_BYTES) != 0)
			FAIL(i, "its stored Merkle hashes are missing or do not match the entries");
		muster_range_root(range, root);
		if (crc == SQLITE_ROW && (uint64_t)sqlite3_column_int64(sc, 0) == i + 1) {
			const uint8_t *note = sqlite3_column_blob(sc, 1);
			size_t tl = note_text_len(note, (size_t)sqlite3_column_bytes(sc, 1));
			muster_checkpoint cp;
			if (tl == 0 || muster_checkpoint_parse(note, tl, &cp) != 0 || cp.size != i + 1 ||
				strcmp(cp.origin, sh->log_key.name) != 0 || sodium_memcmp(cp.root, root, MUSTER_HASH_BYTES) != 0)
				FAIL(i, "a checkpoint is malformed or signs a root the entries do not give");
			covered = i + 1;
			crc = sqlite3_step(sc);
		}
	}
	if (bad == UINT64_MAX && atomic_load(&sh->bad) == UINT64_MAX) {
		if (sqlite3_step(sl) == SQLITE_ROW || sqlite3_step(sm) == SQLITE_ROW || crc == SQLITE_ROW)
			FAIL(sh->size - 1, "records past the last entry");
		if (sh->size && covered != sh->size)
			FAIL(sh->size - 1, "no checkpoint covers the last entries");
	}
#undef FAIL
out:
	sqlite3_finalize(sl);
	sqlite3_finalize(sm);
	sqlite3_finalize(sc);
	free(keys);
	free(range);
	return bad;
}

static int cmd_verify(const char *path)
{
	struct vshared sh;
	memset(&sh, 0, sizeof sh);
	sh.path = path;
	atomic_store(&sh.bad, UINT64_MAX);
	pthread_mutex_init(&sh.lock, NULL);
	sqlite3 *db = sq_open(path, SQLITE_OPEN_READWRITE);
	sq_exec(db, "BEGIN");
	int64_t last = sq_int(db, "SELECT idx FROM log ORDER BY idx DESC LIMIT 1");
	sh.size = last < 0 ? 0 : (uint64_t)last + 1;
	/* The log key and origin from the genesis entry, as Muster's verifier takes them. */
	sqlite3_stmt *g = sq_prep(db, "SELECT entry FROM log WHERE idx = 0");
	muster_entry e;
	muster_ev_site_init gi;
	if (sqlite3_step(g) != SQLITE_ROW ||
		muster_entry_decode(sqlite3_column_blob(g, 0), (size_t)sqlite3_column_bytes(g, 0), &e) != 0 ||
		e.type != MUSTER_EV_SITE_INIT || muster_ev_site_init_decode(e.body, e.body_len, &gi) != 0 ||
		gi.origin.n > MUSTER_ORIGIN_MAX)
		sq_die(db, "no genesis entry");
	memcpy(sh.log_key.name, gi.origin.p, gi.origin.n);
	memcpy(sh.log_key.pk, gi.log_pk, MUSTER_PK_BYTES);
	sh.log_key.hash = muster_note_key_hash(sh.log_key.name, sh.log_key.pk);
	sqlite3_finalize(g);

	unsigned cpus = ref_cpus(), started = 0;
	pthread_t *th = calloc(cpus, sizeof *th);
	struct rate one = {0, 0}, all = {0, 0};
	if (!th)
		die("memory", MUSTER_ENOMEM);
	fprintf(stderr, "sqlite_peer: verifying %" PRIu64 " entries on %u workers and the walker...\n", sh.size, cpus);
	ref_crypto(&one, 1, 1.0);
	ref_verify_all(&all, cpus, 1.0);
	double cpu = ref_cpu_secs(), t = now();
	for (; started < cpus; started++)
		if (pthread_create(&th[started], NULL, vwork, &sh) != 0)
			break;
	const char *why = NULL;
	uint64_t bad = vwalk(db, &sh, &why);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	t = now() - t;
	cpu = ref_cpu_secs() - cpu;
	sq_exec(db, "COMMIT");
	sqlite3_close(db);
	free(th);
	if (bad != UINT64_MAX || atomic_load(&sh.bad) != UINT64_MAX) {
		uint64_t at = bad < atomic_load(&sh.bad) ? bad : atomic_load(&sh.bad);
		fprintf(stderr, "sqlite_peer: verify failed at entry %" PRIu64 ": %s\n", at, at == bad ? why : sh.why);
		return 1;
	}
	ref_verify_all(&all, cpus, 1.0);
	ref_crypto(&one, 1, 1.0);
	report("peer_verify_per_s", (double)sh.size / t);
	report("peer_verify_s", t);
	report("peer_verify_cpus_busy", cpu / t);
	report("peer_ref_verify_per_s", one.ops / one.secs);
	report("peer_ref_verify_all_cpus_per_s", all.ops / all.secs);
	pthread_mutex_destroy(&sh.lock);
	return 0;
}

int main(int argc, char **argv)
{
	bench_init("sqlite_peer");
	const char *cmd = argc > 1 ? argv[1] : "";
	int ok = (strcmp(cmd, "build") == 0 && argc == 4) || (strcmp(cmd, "run") == 0 && argc == 5) ||
		 (strcmp(cmd, "fresh") == 0 && argc == 3) || (strcmp(cmd, "verify") == 0 && argc == 3);
	if (!ok) {
		fprintf(stderr, "usage: %s build STORE DB | run STORE DB KEYFILE | fresh DIR | verify DB\n", argv[0]);
		return 2;
	}
	if (muster_init() != 0)
		die("muster_init", MUSTER_ECRYPTO);
	ref_init();
	report("sqlite_version_number", (double)sqlite3_libversion_number());
	if (strcmp(cmd, "build") == 0)
		return cmd_build(argv[2], argv[3], 1);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argv[2], argv[3], argv[4]);
	if (strcmp(cmd, "fresh") == 0)
		return cmd_fresh(argv[2]);
	return cmd_verify(argv[2]);
}
