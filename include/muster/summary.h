/*
 * muster/summary.h - spending summaries for auditors (docs/MONEY.md,
 * "Summaries"): counted spending grouped by one dimension, with budgets and
 * how far the spending has gone against them.
 *
 * Only spending whose state is counted (MUSTER_SP_COUNTED) is summed into
 * the groups; pending and rejected spending that passes the same filters is
 * reported beside them as two totals and never mixed in.
 */
#ifndef MUSTER_SUMMARY_H
#define MUSTER_SUMMARY_H

#include <muster/common.h>
#include <muster/equip.h>
#include <muster/money.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the groups are. */
enum muster_summary_by {
	MUSTER_BY_FUND,     /* fund code; name: the fund's name */
	MUSTER_BY_TEAM,     /* team code; name: the team's name */
	MUSTER_BY_YEAR,     /* "2026", the year of the spending's date */
	MUSTER_BY_MONTH,    /* "2026-11" */
	MUSTER_BY_CATEGORY, /* the asset's (current) GB/T 38565 category; "-" for team-level spending */
	MUSTER_BY_VENDOR,   /* the vendor's credit code; name: the vendor name on its latest counted record */
	MUSTER_BY_TYPE,     /* the spending type ("maintenance"); name: its Chinese name (维护保养) */
	MUSTER_BY_COUNT_
};

/* "fund", "team", "year", "month", "category", "vendor", "type"; NULL past the end. */
MUSTER_API const char *muster_summary_by_name(int by);
/* The MUSTER_BY_* called name, or -1. */
MUSTER_API int muster_summary_by_parse(const char *name);

typedef struct muster_summary_query {
	int by;           /* MUSTER_BY_* */
	unsigned year;    /* only spending dated in this year (and its budgets); 0: every year */
	const char *team; /* only this team's spending (and budgets); NULL: every team */
	const char *fund; /* only this fund's spending (and budgets); NULL: every fund */
} muster_summary_query;

typedef struct muster_summary_group {
	const char *key;  /* NUL-terminated */
	size_t key_len;
	const char *name; /* NUL-terminated; NULL when the dimension has none or it is not known */
	size_t name_len;
	uint64_t count;   /* counted spending records */
	uint64_t total;   /* their sum, fen */
	/* Only when the summary has_budget: */
	uint64_t budget;  /* the sum of the matching budgets, fen (0: none set) */
	int64_t variance; /* total - budget, fen: positive when spending passed the budget */
	uint64_t rate;    /* total / budget in hundredths of a percent (8750 = 87.50%), half up; 0 if no budget */
} muster_summary_group;

typedef struct muster_summary {
	int by;
	muster_summary_group *groups; /* n groups, sorted by key (bytes) */
	size_t n;
	/*
	 * has_budget: grouped by fund, team or year.  A group then holds every
	 * budget row (fund, team, year) that passes the filters and falls in
	 * it, and a group with a budget but no counted spending is listed with
	 * count 0.
	 */
	int has_budget;
	muster_summary_group all; /* key "total": the grand total (and budget, variance, rate) */
	uint64_t pending_count, pending_total;   /* at or above the threshold, not yet approved */
	uint64_t rejected_count, rejected_total; /* rejected by an approver */
	void *priv_;
} muster_summary;

/*
 * muster_spend_summary - summarises the spending projection in one walk of
 * the snapshot.  0, MUSTER_EINVAL (a bad q->by or year), MUSTER_ENOTFOUND
 * (q->team or q->fund is not registered), MUSTER_ECORRUPT, MUSTER_ENOMEM or
 * a store error; on failure *out is left empty (free is still safe).  The
 * summary owns its memory and does not point into the snapshot.
 */
MUSTER_API int muster_spend_summary(muster_snap *sn, const muster_summary_query *q, muster_summary *out) MUSTER_WUR;
MUSTER_API void muster_summary_free(muster_summary *s);

#ifdef __cplusplus
}
#endif
#endif
