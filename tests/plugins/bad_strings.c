/*
 * bad_strings.c - a test plugin whose name breaks the naming rule (uppercase,
 * a space, punctuation) and whose title is not UTF-8: the host must refuse
 * it at load, quoting neither string raw to the terminal.
 */
#include <muster/plugin.h>

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	return host->write(ctx, "{}\n", 3) != 0;
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "Bad Name!",
	.province = "000000",
	.version = "1.0.0",
	.title = "\xff\xfe",
	.title_en = "Bad strings",
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
