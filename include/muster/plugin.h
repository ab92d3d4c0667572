/*
 * muster/plugin.h - the report plugin ABI, version 1.  The only header a
 * report plugin includes; plugins never link libmuster.  The author's guide
 * is docs/plugins.md and muster-plugin(7).
 *
 * A plugin is a shared object in the plugin directory that exports exactly
 * one symbol, muster_plugin_entry_v1.  The host calls it once, in the
 * process that loads the plugin, with the host API table; it returns the
 * plugin's descriptor (static storage) or NULL to decline to load.  The
 * entry must do nothing else: no output, no host calls, no threads.
 *
 * To make a report the host forks a child process, opens one read
 * snapshot of the store in it (every query in one run sees the same log
 * size) and calls the descriptor's run() there, under a time and memory
 * limit.  run() reads through the host table's queries and writes its file
 * through host->write(); it never sees the database, a key or the output
 * file.  What the child wrote becomes the report only if run() returned 0,
 * the child exited normally and the bytes are of the descriptor's media
 * type; the host then signs it.  A crash, a hang, a non-zero return or
 * garbage yields one error line and no file.
 *
 * The rules that keep plugins loading across releases:
 *
 *  1. The entry symbol carries the ABI major.  A release that breaks the
 *     ABI raises the major and looks for muster_plugin_entry_v2; a plugin
 *     for another major is refused with a message naming both versions.
 *  2. Every struct that crosses the boundary starts with muster_abi:
 *     {major, minor, size}, size being sizeof the struct as the side that
 *     filled it was compiled.  Minor releases only append members at the
 *     end (tables and rows alike), so the reader checks the size before it
 *     reads a member added later: MUSTER_ABI_HAS(ptr, type, member).  A
 *     member is never removed, reordered or retyped; a retired function
 *     slot stays and reads as NULL.
 *  3. A descriptor smaller than this header's version 1.0 descriptor, or
 *     of another major, is refused before anything in it is called.  A
 *     descriptor of a later minor (bigger) loads; the host reads the 1.0
 *     members it knows.
 *  4. Strings are UTF-8 and NUL-terminated.  Strings the host hands over
 *     are never NULL (unknown is "").  The period's strings and those of
 *     team rows stay valid until run() returns; every other row, and its
 *     strings, only during its callback: copy what you keep.
 *     Dates are YYYYMMDD numbers (20261031; 0: none), times seconds since
 *     1970 UTC (0: none; Beijing time is UTC+8), money integer fen.
 *  5. A query returns 0 when it walked everything, the callback's non-zero
 *     value when the callback stopped it, or MUSTER_PLUGIN_EHOST when the
 *     host failed (it has then said why on the child's standard error).
 *
 * Thread safety: the host table may be used from the thread run() was
 * called on only, and a query may not be called from inside another
 * query's callback.
 *
 * Files: run() may write temporary files of its own (a spreadsheet library
 * may need one) under $TMPDIR; the host bounds their size with
 * RLIMIT_FSIZE at the run's output limit, and removing them is the
 * plugin's job.
 */
#ifndef MUSTER_PLUGIN_H
#define MUSTER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MUSTER_PLUGIN_ABI_MAJOR 1
#define MUSTER_PLUGIN_ABI_MINOR 0

/* The head of every ABI struct. */
typedef struct muster_abi {
	uint16_t major; /* MUSTER_PLUGIN_ABI_MAJOR of the side that filled the struct */
	uint16_t minor; /* its MUSTER_PLUGIN_ABI_MINOR */
	uint32_t size;  /* sizeof the struct as that side knows it */
} muster_abi;

#define MUSTER_ABI_INIT(type) {MUSTER_PLUGIN_ABI_MAJOR, MUSTER_PLUGIN_ABI_MINOR, (uint32_t)sizeof(type)}
/* 1 if the struct at p (of type) is big enough to hold member. */
#define MUSTER_ABI_HAS(p, type, member) \
	((p)->abi.size >= offsetof(type, member) + sizeof(((type *)0)->member))

/* A query's return when the host itself failed. */
#define MUSTER_PLUGIN_EHOST (-1)

/* Levels for host->log. */
enum { MUSTER_LOG_ERROR, MUSTER_LOG_WARNING, MUSTER_LOG_INFO };

/* Opaque: one report run. */
typedef struct muster_report_ctx muster_report_ctx;

/*
 * What the report covers.  The month is whole: first..last.  Readiness
 * (people, assets) is judged on as_of: the month's last day, or the day of
 * the run if the month is not over yet (never 0).
 */
typedef struct muster_period {
	muster_abi abi;
	const char *kind;      /* the report kind asked for: "monthly" */
	const char *month;     /* "2026-10" */
	unsigned year, mon;    /* 2026, 10 */
	uint32_t first, last;  /* 20261001, 20261031 */
	uint32_t as_of;
	const char *team;      /* the one team asked for (--team), or "": every team */
	const char *origin;    /* the site's log origin */
	uint64_t tree_size;    /* the log entries the snapshot sees */
	const char *root;      /* the Merkle root at tree_size, base64 */
	int64_t generated;     /* when the run started */
	uint32_t target;       /* the site's arrival target, minutes */
	int64_t threshold;     /* the site's approval threshold, fen */
} muster_period;

/* A rescue team.  specialty: mine, hazchem, tunnel, oil_gas, support. */
typedef struct muster_team_row {
	muster_abi abi;
	const char *code, *name;
	const char *specialty, *specialty_zh; /* "mine", "矿山" */
	const char *province;                 /* GB/T 2260: "140000" */
	const char *host, *host_code;         /* 依托单位 and its credit code */
} muster_team_row;

/*
 * A person on a team's roster, with readiness on period->as_of.  reasons:
 * the codes of what blocks deployment, comma-separated, in a fixed order
 * ("cert_expired,exam_overdue"; docs/PEOPLE.md lists them).
 */
typedef struct muster_person_row {
	muster_abi abi;
	const char *id;   /* resident ID */
	const char *name, *team;
	const char *position, *position_zh; /* "member", "队员" */
	const char *status;                 /* active, suspended, left */
	const char *sex;                    /* "M" or "F" */
	uint32_t birth, hired, left;
	int special;      /* 特体队员 */
	int deployable;   /* 1: can be deployed on as_of */
	unsigned blocks, warnings;
	const char *reasons;
	uint32_t exam_due; /* the next periodic exam (0: none on record, due now) */
	int exam_overdue;  /* 1: that date is before as_of */
} muster_person_row;

/* A certificate of a person on the roster, with its status on as_of. */
typedef struct muster_cert_row {
	muster_abi abi;
	const char *holder, *team;
	const char *kind, *kind_name, *number, *item;
	const char *status; /* valid, review_due, review_overdue, expired, revoked, not_yet */
	uint32_t valid_from, valid_to, review_due;
} muster_cert_row;

/* An occupational health exam dated in the month. */
typedef struct muster_exam_row {
	muster_abi abi;
	const char *holder, *team;
	const char *kind;       /* pre_placement, periodic, exit, emergency */
	const char *conclusion; /* normal, recheck, suspected, contraindication, other */
	const char *institution;
	uint32_t date;
} muster_exam_row;

/*
 * An asset held by a team (scrapped and released assets are not listed),
 * with readiness on as_of.  not_ready: the reasons, comma-separated, from
 * state, overdue, failed, post_use.
 */
typedef struct muster_asset_row {
	muster_abi abi;
	const char *id, *type, *category, *model, *serial, *maker;
	const char *team, *depot;
	const char *state;   /* in_depot, checked_out, in_repair, transfer_pending, requisitioned */
	const char *funding; /* national, host, other, or "" */
	int64_t value;       /* acquisition value, fen */
	uint32_t acquired;
	int external;        /* outside equipment, requisitioned */
	int ready;
	const char *not_ready;
	unsigned overdue;    /* inspection kinds overdue on as_of */
	uint32_t next_due;   /* the earliest inspection due date (0: none owed) */
} muster_asset_row;

/*
 * A custody or inspection event dated in the month (the date it was done,
 * which may be before it was recorded).  Walks the log: its cost grows with
 * the log, so a plugin asks only when it needs the events themselves.
 */
typedef struct muster_event_row {
	muster_abi abi;
	uint64_t index;    /* log index */
	int64_t time;      /* when it was signed */
	uint32_t date;     /* when it was done */
	const char *type;  /* "custody.checkout", "custody.return", ..., "asset.scrap", "inspect.record" */
	const char *asset, *team, *depot;
	const char *signer; /* the holder name of the key that signed it */
	const char *kind, *result; /* inspections: kind and pass / fail / adjusted; else "" */
} muster_event_row;

/* A deployment ordered in the month, with its times against the arrival target. */
typedef struct muster_deploy_row {
	muster_abi abi;
	const char *id, *team, *incident;
	const char *source;   /* ministry, province, enterprise, self */
	const char *location;
	int64_t ordered, departed, arrived, ended, returned; /* 0: not yet */
	int64_t minutes;      /* ordered to arrived in started minutes (70 min 1 s is 71), -1 if not arrived */
	uint32_t target;      /* minutes */
	int on_target;        /* 1 arrived within target, 0 late, -1 not arrived */
	unsigned people, assets;
} muster_deploy_row;

/* A spending record dated in the month. */
typedef struct muster_spend_row {
	muster_abi abi;
	uint64_t index;
	const char *fund, *team, *asset; /* asset: "" for team-level spending */
	const char *type, *type_zh;      /* "repair", "维修" */
	const char *state;               /* pending, counted, rejected */
	const char *vendor, *vendor_code, *invoice;
	uint32_t date;
	int64_t amount;
} muster_spend_row;

/*
 * A fund's budget for a team in the month's fiscal year, and its counted
 * spending: in the month, and from January through the month.  A fund and
 * team with counted or pending spending this year but no budget is listed
 * with budget 0.  pending: spending awaiting approval, dated this year up
 * to the month.
 */
typedef struct muster_budget_row {
	muster_abi abi;
	const char *fund, *fund_name, *source, *team;
	unsigned year;
	int64_t budget, spent_month, spent_year, pending;
} muster_budget_row;

typedef int (*muster_team_fn)(const muster_team_row *row, void *arg);
typedef int (*muster_person_fn)(const muster_person_row *row, void *arg);
typedef int (*muster_cert_fn)(const muster_cert_row *row, void *arg);
typedef int (*muster_exam_fn)(const muster_exam_row *row, void *arg);
typedef int (*muster_asset_fn)(const muster_asset_row *row, void *arg);
typedef int (*muster_event_fn)(const muster_event_row *row, void *arg);
typedef int (*muster_deploy_fn)(const muster_deploy_row *row, void *arg);
typedef int (*muster_spend_fn)(const muster_spend_row *row, void *arg);
typedef int (*muster_budget_fn)(const muster_budget_row *row, void *arg);

/*
 * The host API.  Every query takes a team code, or NULL for every team the
 * report covers (period->team when one was asked for), and walks the rows
 * in a stable order: people, certificates and exams by team (codes in
 * byte order, as teams() gives them) then resident ID; assets, deployments
 * and spending by their own key (asset id, deployment id, log index);
 * budgets by fund, then team.
 */
typedef struct muster_host_api {
	muster_abi abi;
	const muster_period *(*period)(muster_report_ctx *ctx);
	/* The teams the report covers (only the one asked for, if any), by code. */
	int (*teams)(muster_report_ctx *ctx, muster_team_fn cb, void *arg);
	int (*people)(muster_report_ctx *ctx, const char *team, muster_person_fn cb, void *arg);
	int (*certificates)(muster_report_ctx *ctx, const char *team, muster_cert_fn cb, void *arg);
	int (*exams)(muster_report_ctx *ctx, const char *team, muster_exam_fn cb, void *arg);
	int (*assets)(muster_report_ctx *ctx, const char *team, muster_asset_fn cb, void *arg);
	int (*events)(muster_report_ctx *ctx, const char *team, muster_event_fn cb, void *arg);
	int (*deployments)(muster_report_ctx *ctx, const char *team, muster_deploy_fn cb, void *arg);
	int (*spending)(muster_report_ctx *ctx, const char *team, muster_spend_fn cb, void *arg);
	int (*budgets)(muster_report_ctx *ctx, const char *team, muster_budget_fn cb, void *arg);
	/* Appends n bytes to the report.  0, or MUSTER_PLUGIN_EHOST (the report is then failed). */
	int (*write)(muster_report_ctx *ctx, const void *data, size_t n);
	/* One line (no newline needed) to the user, prefixed with the plugin's name. */
	void (*log)(muster_report_ctx *ctx, int level, const char *msg);
	/* Memory counted against the run's limit; NULL when out of it.  free(NULL) is a no-op. */
	void *(*alloc)(muster_report_ctx *ctx, size_t n);
	void *(*realloc)(muster_report_ctx *ctx, void *p, size_t n);
	void (*free)(muster_report_ctx *ctx, void *p);
	/*
	 * A value the user gave with --param NAME=VALUE (a plugin documents the
	 * names it reads, such as "unit", "preparer" and "phone" for a report's
	 * footer), or NULL.
	 */
	const char *(*param)(muster_report_ctx *ctx, const char *name);
} muster_host_api;

/*
 * What a plugin is.  name: 1 to 32 of [a-z0-9_-], unique in the directory
 * (the first file in name order keeps it); province: six GB/T 2260 digits,
 * "000000" for a national report; version: the plugin's own, printable
 * ASCII; title and title_en: what the report is called; kinds: the report
 * kinds it makes, space-separated ("monthly"); media_type: one of
 *   application/json
 *   text/csv; charset=utf-8
 *   text/csv; charset=GB18030
 *   application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
 *   application/pdf
 * and extension the file ending that goes with it ("json").  run() makes
 * one report: 0 on success, anything else fails it (say why with log()).
 */
typedef struct muster_plugin_desc {
	muster_abi abi;
	const char *name;
	const char *province;
	const char *version;
	const char *title, *title_en;
	const char *kinds;
	const char *media_type;
	const char *extension;
	int (*run)(const muster_host_api *host, muster_report_ctx *ctx);
} muster_plugin_desc;

#if defined(__GNUC__)
#define MUSTER_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define MUSTER_PLUGIN_EXPORT
#endif

/* The entry every plugin defines (and the only symbol it exports). */
MUSTER_PLUGIN_EXPORT const muster_plugin_desc *muster_plugin_entry_v1(const muster_host_api *host);

#ifdef __cplusplus
}
#endif
#endif
