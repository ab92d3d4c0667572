/*
 * progress.c - progress lines on MUSTER_PROGRESS_FD (progress.h).
 *
 * The descriptor belongs to whoever started us and may be a pipe nobody
 * reads any more: a line is one write(2) of less than PIPE_BUF bytes, made
 * only when the descriptor can take it without blocking, with SIGPIPE held
 * off, and any failure just ends the lines.  A bad value is ignored: the
 * command's output and exit status must not depend on it.
 */
#include "config.h"

#include "progress.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GAP_MS 100

static int fd = -1; /* MUSTER_PROGRESS_FD, or -1: no progress lines */
static char last_phase[16];
static uint64_t last_done, last_total, last_ms;

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* A report child runs a plugin, third-party code: it must not be able to write progress lines. */
static void close_in_child(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
}

/* The descriptor MUSTER_PROGRESS_FD names if it is fit for progress lines, else -1. */
static int usable_fd(void)
{
	const char *v = getenv("MUSTER_PROGRESS_FD");
	char *end;
	if (!v || *v < '0' || *v > '9')
		return -1; /* strtol would take " 3" and "+3" too */
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || n < 3 || n > INT_MAX)
		return -1;
	int fl = fcntl((int)n, F_GETFL);
	if (fl < 0 || ((fl & O_ACCMODE) != O_WRONLY && (fl & O_ACCMODE) != O_RDWR))
		return -1;
	/* Not into programs we start, nor into a report's plugin (above). */
	int fdfl = fcntl((int)n, F_GETFD);
	if (fdfl < 0 || fcntl((int)n, F_SETFD, fdfl | FD_CLOEXEC) != 0 || pthread_atfork(NULL, NULL, close_in_child) != 0)
		return -1;
	return (int)n;
}

void progress_init(void)
{
	int saved = errno;
	fd = usable_fd();
	errno = saved;
}

/* One line, whole or not at all; 0, or -1 when the descriptor is of no more use. */
static int send_line(const char *p, size_t n)
{
	struct pollfd pf = {fd, POLLOUT, 0};
	int k = poll(&pf, 1, 0);
	if (k == 0 || (k < 0 && errno == EINTR))
		return 0; /* full: the line is dropped, the command never waits on its reader */
	if (k < 0 || (pf.revents & (POLLERR | POLLHUP | POLLNVAL)))
		return -1;
	sigset_t pipe_sig, old, pending;
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	int was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &pipe_sig, &old);
	ssize_t w;
	do
		w = write(fd, p, n);
	while (w < 0 && errno == EINTR);
	int e = errno;
	if (w < 0 && e == EPIPE && !was_pending) {
		/* Take back the SIGPIPE this write raised, before it is unblocked. */
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_sig, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return w == (ssize_t)n || (w < 0 && e == EAGAIN) ? 0 : -1;
}

void progress(const char *phase, uint64_t done, uint64_t total)
{
	int saved = errno;
	if (fd < 0 || total == 0)
		goto out;
	if (done > total)
		total = done;
	int same = strcmp(phase, last_phase) == 0;
	if (same && done == last_done && total == last_total)
		goto out;
	uint64_t now = now_ms();
	if (same && done != total && now - last_ms < GAP_MS)
		goto out;
	char line[96];
	int n = snprintf(line, sizeof line, "progress %" PRIu64 " %" PRIu64 " %s\n", done, total, phase);
	if (n < 0 || (size_t)n >= sizeof line)
		goto out;
	if (send_line(line, (size_t)n) != 0) {
		fd = -1; /* EPIPE, EBADF and the like: the reader is gone, the command goes on */
		goto out;
	}
	snprintf(last_phase, sizeof last_phase, "%s", phase);
	last_done = done;
	last_total = total;
	last_ms = now;
out:
	errno = saved;
}

void progress_bar(const char *label, uint64_t done, uint64_t total)
{
	static int tty = -1;
	static uint64_t shown_ms;
	static int open_line;
	int saved = errno;
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty || total == 0)
		goto out;
	if (done > total)
		done = total;
	uint64_t now = now_ms();
	if (done != total && open_line && now - shown_ms < GAP_MS)
		goto out;
	if (done == total && !open_line)
		goto out; /* done before the first bar was due: nothing to show */
	char bar[31];
	size_t fill = (size_t)(done * 30 / total);
	memset(bar, '#', fill);
	memset(bar + fill, '.', 30 - fill);
	bar[30] = 0;
	fprintf(stderr, "\r%s [%s] %3u%% %" PRIu64 "/%" PRIu64 "%s", label, bar, (unsigned)(done * 100 / total), done,
		total, done == total ? "\n" : "");
	fflush(stderr);
	open_line = done != total;
	shown_ms = now;
out:
	errno = saved;
}

void progress_verify(uint64_t done, uint64_t total, void *arg)
{
	(void)arg;
	progress("verify", done, total);
}
