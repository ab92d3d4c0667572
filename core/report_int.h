/* report_int.h - what plugin.c (loading, the child's parent) and report.c (the child) share. */
#ifndef MUSTER_REPORT_INT_H
#define MUSTER_REPORT_INT_H

#include <muster/plugin.h>
#include <muster/report.h>

/* The host API table every plugin entry is given (one static table). */
const muster_host_api *muster_report_host(void);
/* In the child: opens the store, one snapshot, runs d->run and sends the frames on fd; 0 or MUSTER_E*. */
int muster_report_child(const muster_plugin_desc *d, const muster_plugin_info *info, const muster_report_req *req,
	int fd);
/* In the child: the memory and file-size limits, once the store is open. */
void muster_report_limits(const muster_report_req *req);

#endif
