/*
 * muster/audit.h - the audit checks over spending (docs/MONEY.md): each
 * finding names its check, a severity, the spending it is about and the
 * log indexes that prove it (evidence), with a message in Chinese and
 * English and the auditor's disposition if one was recorded.
 */
#ifndef MUSTER_AUDIT_H
#define MUSTER_AUDIT_H

#include <muster/common.h>
#include <muster/equip.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { MUSTER_SEV_WARNING, MUSTER_SEV_SERIOUS };

/* The checks, by stable id. */
enum {
	MUSTER_CHK_SCRAPPED = 1,  /* "scrapped_asset": spending on an asset scrapped on or before the spending date */
	MUSTER_CHK_CUSTODY,       /* "not_in_custody": the asset was another team's on that date */
	MUSTER_CHK_LINK,          /* "missing_link": maintenance/repair/calibration of an asset without the event it pays for */
	MUSTER_CHK_DUP_INVOICE,   /* "duplicate_invoice": the same vendor's invoice number twice */
	MUSTER_CHK_SPLIT,         /* "split_invoice": one vendor, a short window, each just under the threshold, together over it */
	MUSTER_CHK_UNAPPROVED,    /* "unapproved": at or above the threshold and not approved */
	MUSTER_CHK_BUDGET,        /* "budget_overrun": a fund's counted spending of a team and year over its budget */
	MUSTER_CHK_SAFETY_COST,   /* "safety_cost_rule": enterprise safety cost without its article, or on initial construction */
	MUSTER_CHK_LATE,          /* "late_record": recorded long after the work */
	MUSTER_CHK_SIGNER,        /* "signer": recorded by a key since revoked, or that no longer may record spending */
	MUSTER_CHK_COUNT
};
MUSTER_API const char *muster_check_name(int check);
MUSTER_API int muster_check_severity(int check);

#define MUSTER_EVIDENCE_MAX 16

typedef struct muster_finding {
	int check;
	char id[160];          /* stable: check name, then what it is about ("duplicate_invoice:91110108551385082Q/FP-1") */
	uint64_t spend;        /* the spend.record index it is about (budget_overrun: the one that crossed the budget) */
	uint64_t evidence[MUSTER_EVIDENCE_MAX];
	size_t nevidence;      /* log indexes, ascending; more than fit are counted in more */
	size_t more;
	char en[320], zh[320]; /* the message */
	int disposition;       /* -1 none; else MUSTER_DISP_* of the latest audit.dispose */
	uint64_t disposed_at;
} muster_finding;

typedef struct muster_audit_query {
	uint64_t year;    /* 0: all */
	const char *team; /* NULL: all */
	const char *fund; /* NULL: all */
	uint64_t late_days; /* 0: the default, 30 */
	uint64_t split_days; /* 0: the default, 14 */
} muster_audit_query;

/* Calls cb for every finding, check by check, in a fixed order; cb returns non-zero to stop. */
typedef int (*muster_finding_cb)(const muster_finding *f, void *arg);
MUSTER_API int muster_audit_run(muster_snap *sn, const muster_audit_query *q, muster_finding_cb cb, void *arg) MUSTER_WUR;

/* Dispositions (field MF_DISPOSITION). */
enum { MUSTER_DISP_EXPLAINED, MUSTER_DISP_CORRECTED, MUSTER_DISP_REFERRED };

#ifdef __cplusplus
}
#endif
#endif
