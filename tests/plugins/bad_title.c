/*
 * bad_title.c - a test plugin with a good name whose title is not UTF-8
 * and whose media type is not one plugin.h lists: the host must refuse it at
 * load for the title (the first bad string), naming the member.  Built with
 * BIDI_TITLE (bidi_title.la) or C1_TITLE (c1_title.la), its title is valid
 * UTF-8 that would read as something else in a list: a right-to-left
 * override, a C1 control.
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
#if defined BIDI_TITLE
	.title = "月报\u202exslx.exe", /* shows as "月报exe.xlsx" */
#elif defined C1_TITLE
	.title = "月报\xc2\x85", /* U+0085 NEXT LINE */
#else
	.title = "\xb6\xd3\xce\xe9", /* 队伍 in GBK: not UTF-8 */
#endif
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
