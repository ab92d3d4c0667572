/*
 * bad_major.c - a test plugin whose descriptor claims ABI major 2 while it
 * exports the v1 entry: the host must refuse it before calling run(),
 * naming both versions (plugin.h rules 1 and 3).
 */
#include <muster/plugin.h>

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	return host->write(ctx, "{}\n", 3) != 0;
}

static const muster_plugin_desc desc = {
	.abi = {2, 0, (uint32_t)sizeof(muster_plugin_desc)},
	.name = "bad_major",
	.province = "000000",
	.version = "1.0.0",
	.title = "主版本错误",
	.title_en = "Wrong ABI major",
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
