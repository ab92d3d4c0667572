/*
 * dup_name.c - a working test plugin that takes the name of the real
 * national plugin ("national"): in one directory, the first file in name
 * order keeps the name and the host warns about the other.  It writes "{}".
 */
#include <muster/plugin.h>

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	return host->write(ctx, "{}\n", 3) != 0;
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "national",
	.province = "000000",
	.version = "0.0.1",
	.title = "重名插件",
	.title_en = "Duplicate name",
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
