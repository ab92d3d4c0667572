/*
 * garbage.c - a test plugin that says application/json, writes "{not json"
 * and returns 0: the host's media check must reject the bytes.
 */
#include <muster/plugin.h>

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	return host->write(ctx, "{not json", 9) != 0;
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "garbage",
	.province = "000000",
	.version = "1.0.0",
	.title = "格式错误",
	.title_en = "Garbage output",
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
