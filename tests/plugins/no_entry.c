/*
 * no_entry.c - a test plugin that exports its entry under the wrong name
 * (report_entry) and no muster_plugin_entry_* symbol: the host must say the
 * file is not a Muster plugin and go on with the others.
 */
#include <muster/plugin.h>

MUSTER_PLUGIN_EXPORT const muster_plugin_desc *report_entry(const muster_host_api *host);

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	return host->write(ctx, "{}\n", 3) != 0;
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "no_entry",
	.province = "000000",
	.version = "1.0.0",
	.title = "入口名称错误",
	.title_en = "Misnamed entry",
	.kinds = "monthly",
	.media_type = "application/json",
	.extension = "json",
	.run = run,
};

MUSTER_PLUGIN_EXPORT const muster_plugin_desc *report_entry(const muster_host_api *host)
{
	(void)host;
	return &desc;
}
