/*
 * small_desc.c - a test plugin whose descriptor says it is 16 bytes, smaller
 * than the 1.0 muster_plugin_desc: the host must refuse it before reading or
 * calling anything past the size it was given (plugin.h rule 3).  The rest
 * of the struct is filled and valid, so only the size check catches it.
 */
#include <muster/plugin.h>

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	return host->write(ctx, "{}\n", 3) != 0;
}

static const muster_plugin_desc desc = {
	.abi = {MUSTER_PLUGIN_ABI_MAJOR, MUSTER_PLUGIN_ABI_MINOR, 16},
	.name = "small_desc",
	.province = "000000",
	.version = "1.0.0",
	.title = "描述结构过小",
	.title_en = "Descriptor too small",
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
