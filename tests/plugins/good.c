/*
 * good.c - a known-good test plugin: a CSV of "team,people", then one line
 * per team: its code and the people on its roster whose status is not
 * "left".  The failure tests run it beside the broken ones to show that a
 * bad plugin does not take the others down.
 */
#include <stdio.h>
#include <string.h>

#include <muster/plugin.h>

struct team {
	const char *code; /* team rows' strings stay valid until run() returns */
	unsigned long people;
};

struct teams {
	const muster_host_api *host;
	muster_report_ctx *ctx;
	struct team *t;
	size_t n, cap;
};

static int on_team(const muster_team_row *row, void *arg)
{
	struct teams *ts = arg;
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? 2 * ts->cap : 8;
		struct team *t = ts->host->realloc(ts->ctx, ts->t, cap * sizeof *t);
		if (!t)
			return 1;
		ts->t = t;
		ts->cap = cap;
	}
	ts->t[ts->n].code = row->code;
	ts->t[ts->n].people = 0;
	ts->n++;
	return 0;
}

static int on_person(const muster_person_row *row, void *arg)
{
	struct team *t = arg;
	if (strcmp(row->status, "left") != 0)
		t->people++;
	return 0;
}

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	struct teams ts = {host, ctx, NULL, 0, 0};
	int rc = 1;
	if (host->teams(ctx, on_team, &ts) != 0) {
		host->log(ctx, MUSTER_LOG_ERROR, "cannot list the teams");
		goto out;
	}
	for (size_t i = 0; i < ts.n; i++)
		if (host->people(ctx, ts.t[i].code, on_person, &ts.t[i]) != 0) {
			host->log(ctx, MUSTER_LOG_ERROR, "cannot list the people");
			goto out;
		}
	if (host->write(ctx, "team,people\r\n", 13) != 0)
		goto out;
	for (size_t i = 0; i < ts.n; i++) {
		char line[128];
		int len = snprintf(line, sizeof line, "%s,%lu\r\n", ts.t[i].code, ts.t[i].people);
		if (len < 0 || (size_t)len >= sizeof line) {
			host->log(ctx, MUSTER_LOG_ERROR, "a team code is too long");
			goto out;
		}
		if (host->write(ctx, line, (size_t)len) != 0)
			goto out;
	}
	rc = 0;
out:
	host->free(ctx, ts.t);
	return rc;
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "good",
	.province = "000000",
	.version = "1.0.0",
	.title = "正常插件",
	.title_en = "Good",
	.kinds = "monthly",
	.media_type = "text/csv; charset=utf-8",
	.extension = "csv",
	.run = run,
};

MUSTER_PLUGIN_EXPORT const muster_plugin_desc *muster_plugin_entry_v1(const muster_host_api *host)
{
	(void)host;
	return &desc;
}
