/*
 * muster/equip.h - teams, depots, assets, custody, inspections and physical
 * inventory: the projections the equipment events make, read through a
 * snapshot (one LMDB read transaction; many may run beside the writer).
 *
 * Rows are field records (muster/fields.h).  A row returned by a snapshot
 * points into the snapshot and stays valid until muster_snap_end().
 */
#ifndef MUSTER_EQUIP_H
#define MUSTER_EQUIP_H

#include <muster/common.h>
#include <muster/event.h>
#include <muster/fields.h>
#include <muster/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Asset states (field MF_STATE). */
enum {
	MUSTER_S_IN_DEPOT,
	MUSTER_S_CHECKED_OUT,
	MUSTER_S_IN_REPAIR,
	MUSTER_S_TRANSFER_PENDING,
	MUSTER_S_REQUISITIONED,
	MUSTER_S_RELEASED, /* outside equipment back with its owner */
	MUSTER_S_SCRAPPED,
};
MUSTER_API extern const char *const muster_asset_states[];
MUSTER_API extern const char *const muster_asset_states_zh[];

/* Tables.  Keys: team and depot codes, asset ids, "type\0kind", "asset\0kind", count ids. */
enum { MUSTER_T_TEAM, MUSTER_T_DEPOT, MUSTER_T_ASSET, MUSTER_T_RULE, MUSTER_T_INSPECT, MUSTER_T_COUNT };

typedef struct muster_snap muster_snap;
MUSTER_API int muster_snap_begin(muster_store *s, muster_snap **out) MUSTER_WUR;
MUSTER_API void muster_snap_end(muster_snap *sn);
/* The store the snapshot reads. */
MUSTER_API muster_store *muster_snap_store(muster_snap *sn);
/* The number of log entries the snapshot sees (its tree size). */
MUSTER_API int muster_snap_size(muster_snap *sn, uint64_t *size) MUSTER_WUR;

/* One row.  MUSTER_ENOTFOUND if there is none. */
MUSTER_API int muster_row_get(muster_snap *sn, int table, const char *key, size_t klen, muster_rec *r) MUSTER_WUR;
MUSTER_API int muster_row_cget(muster_snap *sn, int table, const char *key, muster_rec *r) MUSTER_WUR;
/* Rows whose key starts with prefix (plen 0: all), in key order; cb returns non-zero to stop. */
typedef int (*muster_row_cb)(const char *key, size_t klen, const muster_rec *r, void *arg);
MUSTER_API int muster_row_list(muster_snap *sn, int table, const char *prefix, size_t plen, muster_row_cb cb,
	void *arg) MUSTER_WUR;

/* The log indexes of every entry about an asset, in order. */
typedef int (*muster_index_cb)(uint64_t index, void *arg);
MUSTER_API int muster_asset_history(muster_snap *sn, const char *id, muster_index_cb cb, void *arg) MUSTER_WUR;

/* The entry at index as the snapshot sees it; raw points into the snapshot. */
MUSTER_API int muster_snap_entry(muster_snap *sn, uint64_t index, muster_entry *e, const uint8_t **raw,
	size_t *len) MUSTER_WUR;

/* The site's current label base URL ("https://" + origin if never set), and tag public key. */
MUSTER_API int muster_snap_base_url(muster_snap *sn, muster_buf *out) MUSTER_WUR;
MUSTER_API int muster_snap_tag_pk(muster_snap *sn, uint8_t pk[MUSTER_PK_BYTES]) MUSTER_WUR;
/* 1 if url was ever this site's base URL. */
MUSTER_API int muster_snap_url_known(muster_snap *sn, const char *url, size_t n);

/*
 * muster_label_check - what a scanned label payload means here: parses it,
 * checks that its URL is (or was) this site's, its tag signature under the
 * site's tag key, that the asset is registered and that the label is the
 * current one.  0 with *t filled; otherwise *why is one of MUSTER_LBL_* and
 * the return a MUSTER_E* code (*t is filled as far as it was parsed).
 */
enum {
	MUSTER_LBL_OK,
	MUSTER_LBL_NOT_LABEL,   /* MUSTER_EINVAL */
	MUSTER_LBL_FOREIGN,     /* MUSTER_EVERIFY: the URL is not one of this site's */
	MUSTER_LBL_FORGED,      /* MUSTER_EVERIFY: the signature does not verify */
	MUSTER_LBL_UNKNOWN,     /* MUSTER_ENOTFOUND: no such asset here */
	MUSTER_LBL_REVOKED,     /* MUSTER_ESTATE: a later label was issued */
	MUSTER_LBL_NOT_ISSUED,  /* MUSTER_EVERIFY: a serial past the current one */
};
struct muster_tag;
MUSTER_API int muster_label_check(muster_snap *sn, const char *payload, size_t n, struct muster_tag *t,
	uint64_t *current, int *why) MUSTER_WUR;

/*
 * What an asset owes to its inspection rules on a date.  One muster_due per
 * rule of its type, and one per inspection kind recorded without a rule.
 * due: the last inspection's explicit due date, else last date + interval,
 * else (never inspected) acquisition date + interval (registration date if
 * no acquisition date); 0 if nothing is owed (a kind without a rule).
 */
typedef struct muster_due {
	const char *kind;
	size_t kind_len;
	uint64_t interval;  /* days; 0 if no rule */
	uint64_t last_date; /* 0: never inspected */
	int last_result;    /* -1: never; else 0 pass, 1 fail, 2 adjusted */
	uint64_t last_index;
	uint64_t due;
} muster_due;
#define MUSTER_DUES_MAX 32
MUSTER_API int muster_asset_dues(muster_snap *sn, const char *id, const muster_rec *asset, muster_due *out,
	size_t *n) MUSTER_WUR;

/*
 * Whether an asset is ready on date: it is held by us (in depot, checked out
 * or requisitioned), no inspection is overdue, no last inspection failed and
 * it owes no post-use inspection after a deployment.
 * *why gets a mask of the reasons it is not (MUSTER_NR_*); 0 when ready.
 * Scrapped and released assets do not count (returns 0 with *counted 0).
 */
enum { MUSTER_NR_STATE = 1, MUSTER_NR_OVERDUE = 2, MUSTER_NR_FAILED = 4, MUSTER_NR_POSTUSE = 8 };
MUSTER_API int muster_asset_ready(muster_snap *sn, const char *id, const muster_rec *asset, uint64_t date,
	int *counted, unsigned *why) MUSTER_WUR;

/*
 * The result of a physical inventory count as the ledger now stands:
 * expected = the assets whose depot is the count's and that are in depot;
 * matched, missing and unexpected as lists of ids in id order (items/count
 * pairs for muster_rec_list), digest = SHA-256 of the matched ids each
 * followed by a NUL.  out receives count, missing, unexpected, matched and
 * digest; it points into the buffers, which the caller frees.
 */
typedef struct muster_count_lists {
	muster_buf missing, unexpected, matched;
	uint64_t n_missing, n_unexpected, n_matched;
	uint8_t digest[32];
} muster_count_lists;
MUSTER_API int muster_count_result(muster_snap *sn, const char *count, muster_count_lists *l, muster_rec *out) MUSTER_WUR;
MUSTER_API void muster_count_lists_free(muster_count_lists *l);

#ifdef __cplusplus
}
#endif
#endif
