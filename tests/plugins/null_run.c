/*
 * null_run.c - a test plugin with a valid descriptor but no run(): the host
 * must refuse it at load instead of calling a NULL function.
 */
#include <muster/plugin.h>

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "null_run",
	.province = "000000",
	.version = "1.0.0",
	.title = "无运行函数",
	.title_en = "No run function",
	.kinds = "monthly",
	.media_type = "application/json",
	.extension = "json",
	.run = NULL,
};

MUSTER_PLUGIN_EXPORT const muster_plugin_desc *muster_plugin_entry_v1(const muster_host_api *host)
{
	(void)host;
	return &desc;
}
