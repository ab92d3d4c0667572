/*
 * muster/people.h - rescuers, their certificates and occupational health
 * exams, who can be deployed on a date and why not, what falls due, and
 * deployments (出动 -> 救援 -> 归建).  docs/PEOPLE.md has the rules.
 *
 * Everything here reads through a snapshot (muster/equip.h).  Rows are field
 * records; a row or a reason returned points into the snapshot and stays
 * valid until muster_snap_end().
 */
#ifndef MUSTER_PEOPLE_H
#define MUSTER_PEOPLE_H

#include <muster/common.h>
#include <muster/equip.h>
#include <muster/fields.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Person statuses (MF_STATUS), exam kinds (MF_EXAM), conclusions (MF_CONCLUSION), posts (MF_POSITION). */
enum { MUSTER_P_ACTIVE, MUSTER_P_SUSPENDED, MUSTER_P_LEFT };
enum { MUSTER_X_PRE_PLACEMENT, MUSTER_X_PERIODIC, MUSTER_X_EXIT, MUSTER_X_EMERGENCY };
enum { MUSTER_C_NORMAL, MUSTER_C_RECHECK, MUSTER_C_SUSPECTED, MUSTER_C_CONTRA, MUSTER_C_OTHER };
enum {
	MUSTER_POS_BRIGADE, MUSTER_POS_SQUADRON, MUSTER_POS_SQUAD, MUSTER_POS_MEMBER,
	MUSTER_POS_TECHNICIAN, MUSTER_POS_DRIVER, MUSTER_POS_MEDIC, MUSTER_POS_OTHER,
};

/* The normal age limit of a post (矿山救援规程: 55, 50, 45, 45), 0 if it has none. */
MUSTER_API unsigned muster_position_age_limit(unsigned position);

/* Tables, keys as in docs/STORE.md; read with muster_row_get / muster_row_list. */
enum {
	MUSTER_T_PERSON = 16, /* resident ID */
	MUSTER_T_CERT,        /* resident ID 0 kind 0 number 0 item */
	MUSTER_T_EXAM,        /* resident ID 0 be64(date) be64(index) */
	MUSTER_T_DEPLOY,      /* deployment id */
	MUSTER_T_CREW,        /* deployment 0 'p'|'a' 0 id */
	MUSTER_T_OWE,         /* 'p'|'a' 0 id 0 deployment */
	MUSTER_T_HRULE,       /* hazard factor */
	MUSTER_T_ROSTER,      /* team 0 resident ID */
};

/* A certificate kind's rules: built in, or set by a cert.kind event. */
typedef struct muster_cert_rule {
	const char *kind, *name;
	size_t kind_len, name_len;
	unsigned validity; /* months; 0: valid_to as given (none: no end) */
	unsigned review;   /* months between reviews; 0: none */
	unsigned window;   /* days before the review due date the review may be done */
	unsigned hours;    /* training hours a review needs */
	int t_number;      /* the number is "T" + the holder's ID; category 1..11 and item required */
	int builtin;       /* 1: no cert.kind event changed it */
} muster_cert_rule;
MUSTER_API int muster_cert_rule_get(muster_snap *sn, const char *kind, size_t n, muster_cert_rule *out) MUSTER_WUR;
/* Every kind, built-in and added, in kind order; cb returns non-zero to stop. */
typedef int (*muster_cert_rule_cb)(const muster_cert_rule *r, void *arg);
MUSTER_API int muster_cert_rules(muster_snap *sn, muster_cert_rule_cb cb, void *arg) MUSTER_WUR;

/* A certificate's status on a date, from its row. */
enum {
	MUSTER_CS_VALID,
	MUSTER_CS_REVIEW_DUE,     /* inside the review window: valid, the review should be done now */
	MUSTER_CS_REVIEW_OVERDUE, /* the review date passed without a review: not valid */
	MUSTER_CS_EXPIRED,
	MUSTER_CS_REVOKED,
	MUSTER_CS_NOT_YET,        /* valid_from is after the date */
};
MUSTER_API extern const char *const muster_cert_statuses[];
MUSTER_API extern const char *const muster_cert_statuses_zh[];
MUSTER_API int muster_cert_status(const muster_rec *cert, uint64_t date);

/*
 * Why a person cannot be deployed on a date (blocks), and what HR should know
 * anyway (warnings).  Each reason names what it is about: a certificate
 * (kind, number), an exam, a deployment (ref), a date, and numbers.
 */
enum {
	/* blocks */
	MUSTER_R_LEFT = 1,          /* date: left on */
	MUSTER_R_SUSPENDED,
	MUSTER_R_CERT_EXPIRED,      /* kind, ref = number, date = valid_to */
	MUSTER_R_CERT_REVIEW_OVERDUE, /* kind, ref = number, date = review due */
	MUSTER_R_CERT_REVOKED,      /* kind, ref = number, date */
	MUSTER_R_NEEDS,             /* kind: --needs KIND, no valid certificate of it */
	MUSTER_R_NEEDS_SPECIAL,     /* --needs special: not a 特体队员 */
	MUSTER_R_NO_EXAM,           /* no pre-placement or periodic exam on record */
	MUSTER_R_EXAM_OVERDUE,      /* date = periodic exam due; n = interval days */
	MUSTER_R_CONTRA,            /* ref = contraindication, date = exam date */
	MUSTER_R_SUSPECTED,         /* date = exam date */
	MUSTER_R_RECHECK_OVERDUE,   /* date = recheck due */
	MUSTER_R_EMERGENCY_OWED,    /* ref = deployment, date = deadline */
	/* warnings */
	MUSTER_W_AGE = 32,          /* n = age, n2 = the post's limit */
	MUSTER_W_CERT_REVIEW_DUE,   /* kind, ref = number, date = review due */
	MUSTER_W_CERT_EXPIRING,     /* kind, ref = number, date = valid_to (within 60 days) */
	MUSTER_W_RECHECK,           /* date = recheck due */
};
#define MUSTER_REASON_BLOCKS(code) ((code) < 32)
MUSTER_API const char *muster_reason_code(int code); /* "cert_expired" */

typedef struct muster_reason {
	int code;
	const char *kind, *ref;
	size_t kind_len, ref_len;
	uint64_t date;
	uint64_t n, n2;
} muster_reason;
#define MUSTER_REASONS_MAX 64

/* What is asked: on a date, holding valid certificates of these kinds ("special" = 特体队员). */
typedef struct muster_needs {
	const char *const *kinds;
	size_t n;
} muster_needs;

/*
 * muster_person_ready - every reason person (its row) cannot be deployed on
 * date, and every warning, in a fixed order.  *nr reasons are written (at
 * most MUSTER_REASONS_MAX); *blocks is how many of them block.  needs may
 * be NULL.
 */
MUSTER_API int muster_person_ready(muster_snap *sn, const muster_rec *person, uint64_t date, const muster_needs *needs,
	muster_reason *out, size_t *nr, size_t *blocks) MUSTER_WUR;

/* The next periodic exam due date of a person (0: none on record, due now) and the interval in days. */
MUSTER_API int muster_person_periodic_due(muster_snap *sn, const muster_rec *person, uint64_t *due,
	uint64_t *interval) MUSTER_WUR;

/* Sex and birth date, derived from the resident ID; 0 or MUSTER_EINVAL. */
MUSTER_API int muster_person_birth(const muster_rec *person, uint64_t *birth, char *sex);

/*
 * What falls due for a person up to a date (inclusive): certificates that
 * expire (which replaces their review) or whose review falls due, periodic
 * exams due, rechecks, emergency exams owed after deployments, exit exams
 * owed by leavers.  Overdue items are included.
 */
enum {
	MUSTER_D_CERT_EXPIRY = 1, /* kind, ref = number */
	MUSTER_D_CERT_REVIEW,     /* kind, ref = number */
	MUSTER_D_PERIODIC,
	MUSTER_D_RECHECK,         /* the items are the person row's MF_ITEMS */
	MUSTER_D_EMERGENCY,       /* ref = deployment */
	MUSTER_D_EXIT,            /* date = the day they left */
};
MUSTER_API const char *muster_due_code(int code); /* "cert_review" */
typedef struct muster_due_item {
	int code;
	const char *kind, *ref;
	size_t kind_len, ref_len;
	uint64_t due;
} muster_due_item;
#define MUSTER_DUE_MAX 64
MUSTER_API int muster_person_due(muster_snap *sn, const muster_rec *person, uint64_t until, muster_due_item *out,
	size_t *n) MUSTER_WUR;

/*
 * muster_people_each - every person of team (NULL: everyone), in resident
 * ID order, with their row.  cb returns non-zero to stop (and that value is
 * returned).
 */
typedef int (*muster_person_cb)(const muster_rec *person, void *arg);
MUSTER_API int muster_people_each(muster_snap *sn, const char *team, muster_person_cb cb, void *arg) MUSTER_WUR;

/* Site policy (site.policy): days to do the emergency exam after a return, arrival target in minutes. */
typedef struct muster_policy {
	uint64_t exam_days; /* default 30 */
	uint64_t target;    /* default 300 (5 h) */
	uint64_t threshold; /* fen; spending at or above it needs approval; default 1,000,000 (1 万元) */
} muster_policy;
MUSTER_API int muster_policy_get(muster_snap *sn, muster_policy *out) MUSTER_WUR;

#ifdef __cplusplus
}
#endif
#endif
