/*
 * crash.c - a test plugin whose run() dies of SIGSEGV: the host must report
 * the signal, write no file and keep running.
 */
#include <muster/plugin.h>

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	/*
	 * Both volatile: the compiler can neither see that p is NULL (and turn the
	 * store into a trap instruction, SIGILL) nor drop the store as unobserved.
	 */
	volatile int *volatile p = NULL;
	(void)host;
	(void)ctx;
	*p = 42;
	return 0;
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "crash",
	.province = "000000",
	.version = "1.0.0",
	.title = "崩溃",
	.title_en = "Crash",
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
