/*
 * hang.c - a test plugin whose run() spins forever without sleeping: the
 * host's time limit must kill it and report a timeout.
 */
#include <muster/plugin.h>

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	volatile unsigned long spins = 0;
	(void)host;
	(void)ctx;
	for (;;)
		spins++;
	return 0; /* not reached */
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "hang",
	.province = "000000",
	.version = "1.0.0",
	.title = "死循环",
	.title_en = "Hang",
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
