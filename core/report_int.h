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

#endif
