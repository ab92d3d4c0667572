/*
 * template.c - the smallest useful Muster report plugin.  Copy this folder,
 * rename the plugin, and change run().  It writes a UTF-8 CSV file: a header
 * line, then one line per team: code,name,people,deployable (people: on the
 * roster, status not "left"; deployable: those of them who can be deployed
 * on the period's as_of day).
 *
 * The rules behind each step are in muster/plugin.h; the comments below say
 * which rule a line keeps and what breaks if it does not.
 */

/*
 * The only Muster header a plugin includes.  Plugins never link libmuster
 * (the Makefile's -Wl,-z,defs fails the build on any symbol that is neither
 * here nor in libc): everything comes through the host table at run time,
 * so the plugin keeps loading in a muster built years later.
 */
#include <muster/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What we keep of a team.  Pointers are enough: team rows' strings stay valid until run() returns (rule 4). */
struct team {
	const char *code, *name;
	unsigned long people, deployable;
};

struct tally {
	const muster_host_api *host;
	muster_report_ctx *ctx;
	struct team *t;
	size_t n, cap;
};

static int on_team(const muster_team_row *row, void *arg)
{
	struct tally *y = arg;
	if (y->n == y->cap) {
		/* host->realloc, not realloc: it counts against the run's memory limit and says NULL, not crash. */
		size_t cap = y->cap ? 2 * y->cap : 8;
		struct team *t = y->host->realloc(y->ctx, y->t, cap * sizeof *t);
		if (!t)
			return 1; /* non-zero stops the walk; the query returns it */
		y->t = t;
		y->cap = cap;
	}
	/* Copy the strings' pointers out, never the row pointer: the row itself is gone after we return. */
	y->t[y->n++] = (struct team){row->code, row->name, 0, 0};
	return 0;
}

static int by_code(const void *a, const void *b)
{
	return strcmp(((const struct team *)a)->code, ((const struct team *)b)->code);
}

static int on_person(const muster_person_row *row, void *arg)
{
	struct tally *y = arg;
	struct team key = {row->team, NULL, 0, 0};
	struct team *t = bsearch(&key, y->t, y->n, sizeof *y->t, by_code);
	if (!t)
		return 0;
	/*
	 * Every member used here is in ABI 1.0, so no check is needed.  A member
	 * added in a later minor (say 1.2) would be read only after
	 * MUSTER_ABI_HAS(row, muster_person_row, that_member): an older host
	 * fills a smaller row (rule 2).
	 */
	if (strcmp(row->status, "left") != 0) {
		t->people++;
		t->deployable += row->deployable == 1;
	}
	return 0;
}

/* One CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
static int put_field(const muster_host_api *h, muster_report_ctx *ctx, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")])
		return h->write(ctx, s, strlen(s));
	if (h->write(ctx, "\"", 1))
		return MUSTER_PLUGIN_EHOST;
	for (const char *q; (q = strchr(s, '"')); s = q + 1)
		if (h->write(ctx, s, (size_t)(q - s) + 1) || h->write(ctx, "\"", 1)) /* "" inside quotes */
			return MUSTER_PLUGIN_EHOST;
	return h->write(ctx, s, strlen(s)) || h->write(ctx, "\"", 1) ? MUSTER_PLUGIN_EHOST : 0;
}

/*
 * run() is called in a child process the host forked, under a time and
 * memory limit.  It reads only through host queries and writes only through
 * host->write: no stdout, no output file, no store.  0 is success; anything
 * else fails the report, and host->log says why.  A crash, a hang or bytes
 * that are not CSV are caught by the host and yield no file.
 */
static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	struct tally y = {host, ctx, NULL, 0, 0};
	int rc = 1;
	/* Queries return 0, our callback's non-zero value, or MUSTER_PLUGIN_EHOST (rule 5). */
	if (host->teams(ctx, on_team, &y) != 0) {
		host->log(ctx, MUSTER_LOG_ERROR, "cannot list the teams");
		goto out;
	}
	/*
	 * One walk of every team's people (team NULL), each row added into its
	 * team by binary search, is fast on a national store (130 teams, 28,000
	 * people).  The host lists teams by code already; sorting here keeps the
	 * search right whatever its collation.
	 */
	qsort(y.t, y.n, sizeof *y.t, by_code);
	if (host->people(ctx, NULL, on_person, &y) != 0) {
		host->log(ctx, MUSTER_LOG_ERROR, "cannot list the people");
		goto out;
	}
	if (host->write(ctx, "code,name,people,deployable\r\n", 29) != 0)
		goto out; /* the host has failed the report and said why */
	for (size_t i = 0; i < y.n; i++) {
		char nums[48];
		int len = snprintf(nums, sizeof nums, ",%lu,%lu\r\n", y.t[i].people, y.t[i].deployable);
		if (put_field(host, ctx, y.t[i].code) || host->write(ctx, ",", 1) || put_field(host, ctx, y.t[i].name) ||
		    host->write(ctx, nums, (size_t)len))
			goto out;
	}
	rc = 0;
out:
	host->free(ctx, y.t); /* free(NULL) is a no-op */
	return rc;
}

/*
 * The descriptor: static storage, since the host keeps the pointer.
 * MUSTER_ABI_INIT stamps the ABI version and sizeof this struct as this
 * header knows it; the host refuses a descriptor of another major or smaller
 * than version 1.0's before calling anything in it (rules 1-3).  name: 1-32
 * of [a-z0-9_-], unique in the plugin directory; the media type must be one
 * plugin.h lists, and the host checks the bytes really are of it.
 */
static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "template",
	.province = "000000", /* GB/T 2260; 000000: national */
	.version = "1.0.0",
	.title = "队伍人数模板报表",
	.title_en = "Template: people per team",
	.kinds = "monthly",
	.media_type = "text/csv; charset=utf-8",
	.extension = "csv",
	.run = run,
	/* The NULL walks run() makes: the host prepares them on all cores before run(). */
};

/*
 * The one exported symbol (-fvisibility=hidden hides everything else, so two
 * plugins never clash).  The _v1 in its name is the ABI major: a muster that
 * breaks the ABI looks for _v2 and refuses this file with a clear message.
 * The entry only returns the descriptor, or NULL to decline: no output, no
 * host calls, no threads.  Reading the table's header is allowed: this is
 * where a plugin declines a host that lacks a function it calls (one added
 * in a later minor than the host's).  free is the last slot this one uses.
 */
MUSTER_PLUGIN_EXPORT const muster_plugin_desc *muster_plugin_entry_v1(const muster_host_api *host)
{
	if (!host || host->abi.major != MUSTER_PLUGIN_ABI_MAJOR || !MUSTER_ABI_HAS(host, muster_host_api, free))
		return NULL;
	return &desc;
}
