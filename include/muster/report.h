/*
 * muster/report.h - the report plugin host (docs/plugins.md): loads the
 * plugins of a directory, checking each before anything in it is called,
 * and runs one report in a child process under a time, memory and output
 * limit.  Plugins themselves see only muster/plugin.h.
 */
#ifndef MUSTER_REPORT_H
#define MUSTER_REPORT_H

#include <muster/common.h>
#include <muster/codec.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a loaded plugin says it is (muster_plugin_desc), and where it came from. */
typedef struct muster_plugin_info {
	const char *file; /* the path it was loaded from */
	const char *name, *province, *version, *title, *title_en, *kinds, *media_type, *extension;
	unsigned abi_major, abi_minor; /* of its descriptor */
} muster_plugin_info;

/* Why a file in the plugin directory was refused. */
enum {
	MUSTER_PLUG_DLOPEN = 1, /* dlopen failed: detail is dlerror()'s */
	MUSTER_PLUG_NO_ENTRY,   /* no muster_plugin_entry_v* symbol */
	MUSTER_PLUG_OTHER_ABI,  /* only muster_plugin_entry_v<major> for another major; major set */
	MUSTER_PLUG_DECLINED,   /* the entry returned NULL */
	MUSTER_PLUG_MAJOR,      /* the descriptor is of another ABI major; major, minor set */
	MUSTER_PLUG_SMALL,      /* the descriptor's size is below this ABI's; size set */
	MUSTER_PLUG_STRING,     /* a descriptor string is missing or bad; detail names the member */
	MUSTER_PLUG_CALLBACK,   /* a callback is NULL; detail names it */
	MUSTER_PLUG_DUPLICATE,  /* another file already has this name; detail is that file */
};
typedef struct muster_plugin_refusal {
	const char *file;
	int why;
	unsigned major, minor; /* the plugin's ABI version as far as it is known */
	uint32_t size;         /* MUSTER_PLUG_SMALL: the descriptor's size; and the size this host needs */
	uint32_t need;
	const char *detail;
} muster_plugin_refusal;
typedef void (*muster_refusal_fn)(const muster_plugin_refusal *r, void *arg);

typedef struct muster_plugins muster_plugins;

/*
 * muster_plugins_load - loads every regular file named *.so in dir (not
 * hidden, symlinks followed) in name order with dlopen(RTLD_NOW |
 * RTLD_LOCAL), finds muster_plugin_entry_v1, calls it and checks the
 * descriptor's ABI version, size, strings and callbacks.  A file that fails
 * is unloaded and reported to refused (may be NULL); the others still load.
 * 0, MUSTER_EIO if dir cannot be read (errno kept), MUSTER_ENOMEM.  A
 * directory that does not exist is empty, not an error.
 */
MUSTER_API int muster_plugins_load(const char *dir, muster_refusal_fn refused, void *arg,
	muster_plugins **out) MUSTER_WUR;
MUSTER_API size_t muster_plugins_count(const muster_plugins *p);
/* The i-th plugin, in name order. */
MUSTER_API const muster_plugin_info *muster_plugins_info(const muster_plugins *p, size_t i);
/* The index of the plugin called name, or -1. */
MUSTER_API long muster_plugins_find(const muster_plugins *p, const char *name);
MUSTER_API void muster_plugins_free(muster_plugins *p);

/* One report to make. */
typedef struct muster_report_req {
	const char *store_dir;
	const char *kind;            /* "monthly" */
	unsigned year, mon;          /* the month */
	const char *team;            /* one team's code, or NULL: every team */
	const char *const *params;   /* "name=value" strings, NULL-terminated; may be NULL */
	unsigned timeout;            /* seconds of wall time; 0: 60 */
	uint64_t memory;             /* bytes of heap the child may use; 0: 1 GiB (not enforced under ASan) */
	uint64_t max_output;         /* bytes; 0: 256 MiB */
	uint64_t now;                /* seconds since 1970 the run takes as now; 0: the clock */
} muster_report_req;

/* How a run ended. */
enum {
	MUSTER_RUN_OK,
	MUSTER_RUN_FAILED,   /* run() returned non-zero: code */
	MUSTER_RUN_CRASHED,  /* the child died of a signal (sig) or exited (status) before finishing */
	MUSTER_RUN_TIMEOUT,  /* still running after the timeout: killed */
	MUSTER_RUN_TOOBIG,   /* wrote more than max_output: killed */
	MUSTER_RUN_GARBAGE,  /* the bytes are not of its media type: detail says how */
	MUSTER_RUN_PROTOCOL, /* something other than the host wrote on the report channel */
	MUSTER_RUN_HOST,     /* the host failed in the child (store, memory): detail */
	MUSTER_RUN_SYSTEM,   /* fork or pipe failed in the caller: errno in code */
};
typedef struct muster_report_result {
	int how;              /* MUSTER_RUN_* */
	int code, sig, status;
	uint64_t tree_size;   /* the snapshot the report was made from */
	muster_buf out;       /* the report's bytes when MUSTER_RUN_OK */
	char detail[256];
} muster_report_result;

/*
 * muster_report_run - makes a report with plugin i in a child process: the
 * child opens the store, begins one snapshot and calls the plugin's run();
 * this process only reads the child's output (with a deadline), checks it
 * against the media type and reaps the child.  Nothing is written anywhere;
 * the caller signs and saves res->out.  0 when res->how is MUSTER_RUN_OK,
 * else MUSTER_EVERIFY (res says why; free res->out anyway with
 * muster_report_result_free).  Not to be called with a store open in this
 * process whose environment the child would inherit in use: the child
 * never touches it, but opens its own.
 */
MUSTER_API int muster_report_run(const muster_plugins *p, size_t i, const muster_report_req *req,
	muster_report_result *res) MUSTER_WUR;

/*
 * muster_report_run_sites - one report over several stores at once: a
 * central office's mirrors of its teams' logs (`muster report run
 * --mirrors`, docs/plugins.md "Central reports").  The plugin and its ABI
 * are unchanged: the child opens each of dirs[0..n) (n >= 1) with one
 * snapshot, and the queries answer over them all as over one store.
 * teams() gives every team of every store once, in code order (a code
 * two stores hold, with the first one's row); people, certificates and
 * exams come by team, and within a team store by store; assets, events,
 * deployments, spending and budgets store by store, in dirs' order, each
 * in its usual order.  Readiness, due dates and arrival targets are judged
 * in the row's own store.  The period's origin, tree size, root, arrival
 * target and approval threshold are those of req->store_dir, the store
 * that signs: dirs[home], or, when home is -1, a store opened for that
 * alone.  sizes[k] receives the tree size of dirs[k]'s snapshot and
 * res->tree_size that of req->store_dir.  req->team must be a team of at
 * least one store.  Otherwise as muster_report_run; MUSTER_EINVAL for no
 * stores or a home out of range.
 */
MUSTER_API int muster_report_run_sites(const muster_plugins *p, size_t i, const muster_report_req *req,
	const char *const *dirs, size_t n, long home, uint64_t *sizes, muster_report_result *res) MUSTER_WUR;
MUSTER_API void muster_report_result_free(muster_report_result *res);

/*
 * muster_media_check - whether data is of a media type a plugin may declare
 * (plugin.h): JSON well-formed UTF-8, CSV in UTF-8 or GB18030, an XLSX
 * (zip) or PDF container.  0, or MUSTER_EINVAL with why (a short English
 * phrase) filled.  MUSTER_ENOTFOUND for a media type not in the list.
 */
MUSTER_API int muster_media_check(const char *media_type, const uint8_t *data, size_t n, const char **why) MUSTER_WUR;

#ifdef __cplusplus
}
#endif
#endif
