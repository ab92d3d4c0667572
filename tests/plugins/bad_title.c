/*
 * bad_title.c - a test plugin with a good name whose title is not UTF-8
 * and whose media type is not one plugin.h lists: the host must refuse it at
 * load for the title (the first bad string), naming the member.
 */
#include <muster/plugin.h>

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	return host->write(ctx, "{}\n", 3) != 0;
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "bad_title",
	.province = "000000",
	.version = "1.0.0",
	.title = "\xb6\xd3\xce\xe9", /* 队伍 in GBK: not UTF-8 */
	.title_en = "Bad title",
	.kinds = "monthly",
	.media_type = "text/html",
	.extension = "html",
	.run = run,
};

MUSTER_PLUGIN_EXPORT const muster_plugin_desc *muster_plugin_entry_v1(const muster_host_api *host)
{
	(void)host;
	return &desc;
}
