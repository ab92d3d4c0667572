/*
 * progress.h - progress lines for whoever runs muster (musterd's progress
 * bar): when MUSTER_PROGRESS_FD names a descriptor of 3 or more open for
 * writing, long commands write "progress DONE TOTAL PHASE\n" to it
 * (docs/CLI.md).  Otherwise, and whatever happens to the descriptor,
 * nothing changes: no output, no error, no signal.
 */
#ifndef MUSTER_PROGRESS_H
#define MUSTER_PROGRESS_H

#include <stdint.h>

/*
 * Reads MUSTER_PROGRESS_FD.  First thing in main: a number that names no
 * open descriptor now could name one of the store's files later.  Without
 * it, progress() writes nothing.
 */
void progress_init(void);

/*
 * Says that DONE of TOTAL units of PHASE (one lower-case word) are done.
 * A line is written when the phase changes, when done == total, and else
 * at most every 100 ms; a call repeating the last line, or with total 0, is
 * dropped.  done above total is taken as total.  errno is kept.  Main
 * thread only.
 */
void progress(const char *phase, uint64_t done, uint64_t total);

/*
 * A bar on stderr when it is a terminal, "\rLABEL [#####.....]  45% 450/1000",
 * redrawn at most every 100 ms and ended with a newline at done == total;
 * nothing when stderr is not a terminal, or when the work ends before the
 * first redraw is due.  Main thread only.
 */
void progress_bar(const char *label, uint64_t done, uint64_t total);

/* A muster_progress_fn for phase "verify" (arg unused). */
void progress_verify(uint64_t done, uint64_t total, void *arg);

#endif
