/*
 * runaway.c - a test plugin that writes 1 MiB chunks of "x" forever and
 * ignores host->write's errors: the host's output limit must stop it.
 */
#include <string.h>

#include <muster/plugin.h>

#define CHUNK (1u << 20)

static char chunk[CHUNK];

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	memset(chunk, 'x', sizeof chunk);
	for (;;)
		(void)host->write(ctx, chunk, sizeof chunk);
	return 0; /* not reached */
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "runaway",
	.province = "000000",
	.version = "1.0.0",
	.title = "无限输出",
	.title_en = "Runaway output",
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
