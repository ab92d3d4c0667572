/* report_int.h - what plugin.c (loading, the child's parent) and report.c (the child) share. */
#ifndef MUSTER_REPORT_INT_H
#define MUSTER_REPORT_INT_H

#include <muster/plugin.h>
#include <muster/report.h>

/* The host API table every plugin entry is given (one static table). */
const muster_host_api *muster_report_host(void);
/*
 * The stores a run reads: dirs[0..n); home is the index of req->store_dir
 * among them, or -1 when it is opened only for the period.  multi: the
 * run is muster_report_run_sites's (the 'S' frame then carries the
 * period's tree size and each store's after it).
 */
struct muster_report_stores {
	const char *const *dirs;
	size_t n;
	long home;
	int multi;
};
/* In the child: opens the stores, one snapshot each, runs d->run and sends the frames on fd; 0 or MUSTER_E*. */
int muster_report_child(const muster_plugin_desc *d, const muster_plugin_info *info, const muster_report_req *req,
	const struct muster_report_stores *stores, int fd);
/* In the child: the memory and file-size limits, once the store is open. */
void muster_report_limits(const muster_report_req *req);

/*
 * The check of a descriptor a plugin's entry returned (plugin.c), before
 * anything in it is used: 1 with r->why (and detail, major, minor, size,
 * need as it says) if it may not be used, 0 if it may.  Reads no member
 * past d->abi unless d->abi.size covers version 1.0's descriptor, and no
 * string past its limit, NUL or not.
 */
int muster_plugin_desc_refused(const muster_plugin_desc *d, muster_plugin_refusal *r);

#endif
