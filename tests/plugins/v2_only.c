/*
 * v2_only.c - a test plugin built for a future ABI: it exports only
 * muster_plugin_entry_v2, so a v1 host finds no muster_plugin_entry_v1 and
 * must refuse it with a message naming both versions (plugin.h rule 1).
 */
#include <muster/plugin.h>

MUSTER_PLUGIN_EXPORT const muster_plugin_desc *muster_plugin_entry_v2(const muster_host_api *host);

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	return host->write(ctx, "{}\n", 3) != 0;
}

static const muster_plugin_desc desc = {
	.abi = {2, 0, (uint32_t)sizeof(muster_plugin_desc)},
	.name = "v2_only",
	.province = "000000",
	.version = "2.0.0",
	.title = "仅第二版接口",
	.title_en = "ABI v2 only",
	.kinds = "monthly",
	.media_type = "application/json",
	.extension = "json",
	.run = run,
};

MUSTER_PLUGIN_EXPORT const muster_plugin_desc *muster_plugin_entry_v2(const muster_host_api *host)
{
	(void)host;
	return &desc;
}
