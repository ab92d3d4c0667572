/*
 * fails.c - a test plugin whose run() logs an error and returns 1: the host
 * must pass the message on (prefixed with the plugin's name) and write no
 * file.
 */
#include <muster/plugin.h>

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	host->log(ctx, MUSTER_LOG_ERROR, "no data for this month");
	return 1;
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "fails",
	.province = "000000",
	.version = "1.0.0",
	.title = "运行失败",
	.title_en = "Fails",
	.kinds = "monthly",
	.media_type = "application/json",
	.extension = "json",
	.run = run,
};

MUSTER_PLUGIN_EXPORT const muster_plugin_desc *muster_plugin_entry_v1(const muster_host_api *host)
{
	(void)host;
	return &desc;
}
