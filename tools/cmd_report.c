/*
 * cmd_report.c - `muster report list` and `muster report run`: province
 * report plugins (docs/plugins.md).  The plugins are loaded and checked
 * here; a report is made in a child process (core/plugin.c), and only its
 * checked bytes come back to be signed with the site report key and
 * written with FILE.minisig beside them.
 */
#include "config.h"

#include "central.h"
#include "equip_cli.h"
#include "progress.h"

#include <muster/plugin.h>
#include <muster/report.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef MUSTER_PLUGINDIR
#define MUSTER_PLUGINDIR "/usr/local/lib/muster/plugins"
#endif

/* --plugin-dir, else $MUSTER_PLUGIN_DIR, else the installed directory. */
static const char *plugin_dir(const struct opts *o)
{
	const char *d = cli_opt(o, "plugin-dir");
	if (!d || !*d)
		d = getenv("MUSTER_PLUGIN_DIR");
	return d && *d ? d : MUSTER_PLUGINDIR;
}

/* One line per refused plugin: the file, why, and both ABI versions when they differ. */
static void refused(const muster_plugin_refusal *r, void *arg)
{
	(void)arg;
	const char *f = r->file;
	unsigned hm = MUSTER_PLUGIN_ABI_MAJOR, hn = MUSTER_PLUGIN_ABI_MINOR;
	switch (r->why) {
	case MUSTER_PLUG_DLOPEN:
		fprintf(stderr, L("muster: plugin %s refused: cannot load it: %s\n", "muster: 插件 %s 被拒绝：无法加载：%s\n"), f,
			r->detail ? r->detail : "?");
		break;
	case MUSTER_PLUG_NO_ENTRY:
		fprintf(stderr,
			L("muster: plugin %s refused: it has no entry symbol muster_plugin_entry_v%u (this muster speaks plugin ABI %u.%u); "
			  "build it against muster/plugin.h\n",
				"muster: 插件 %s 被拒绝：缺少入口符号 muster_plugin_entry_v%u（本程序的插件 ABI 为 %u.%u）；请依据 muster/plugin.h 构建\n"),
			f, hm, hm, hn);
		break;
	case MUSTER_PLUG_OTHER_ABI:
		fprintf(stderr,
			L("muster: plugin %s refused: it was built for plugin ABI %u (muster_plugin_entry_v%u), this muster speaks ABI %u.%u; "
			  "rebuild it against this muster's muster/plugin.h\n",
				"muster: 插件 %s 被拒绝：它为插件 ABI %u（muster_plugin_entry_v%u）构建，本程序的 ABI 为 %u.%u；请依据本程序的 muster/plugin.h 重新构建\n"),
			f, r->major, r->major, hm, hn);
		break;
	case MUSTER_PLUG_DECLINED:
		fprintf(stderr,
			L("muster: plugin %s refused: it declined to load under plugin ABI %u.%u (its entry returned NULL)\n",
				"muster: 插件 %s 被拒绝：它拒绝在插件 ABI %u.%u 下加载（入口返回 NULL）\n"),
			f, hm, hn);
		break;
	case MUSTER_PLUG_MAJOR:
		fprintf(stderr,
			L("muster: plugin %s refused: its descriptor is ABI %u.%u, this muster speaks ABI %u.%u; rebuild it against this "
			  "muster's muster/plugin.h\n",
				"muster: 插件 %s 被拒绝：其描述符为 ABI %u.%u，本程序的 ABI 为 %u.%u；请依据本程序的 muster/plugin.h 重新构建\n"),
			f, r->major, r->minor, hm, hn);
		break;
	case MUSTER_PLUG_SMALL:
		fprintf(stderr,
			L("muster: plugin %s refused: its descriptor (ABI %u.%u) is %" PRIu32 " bytes, ABI %u.%u needs at least %" PRIu32 "\n",
				"muster: 插件 %s 被拒绝：其描述符（ABI %u.%u）只有 %" PRIu32 " 字节，ABI %u.%u 至少需要 %" PRIu32 " 字节\n"),
			f, r->major, r->minor, r->size, hm, hn, r->need);
		break;
	case MUSTER_PLUG_STRING:
		fprintf(stderr,
			L("muster: plugin %s refused (ABI %u.%u, this muster %u.%u): its descriptor's %s is missing or not valid\n",
				"muster: 插件 %s 被拒绝（ABI %u.%u，本程序 %u.%u）：描述符的 %s 缺失或无效\n"),
			f, r->major, r->minor, hm, hn, r->detail);
		break;
	case MUSTER_PLUG_CALLBACK:
		fprintf(stderr,
			L("muster: plugin %s refused (ABI %u.%u, this muster %u.%u): its descriptor's callback %s is NULL\n",
				"muster: 插件 %s 被拒绝（ABI %u.%u，本程序 %u.%u）：描述符的回调 %s 为空\n"),
			f, r->major, r->minor, hm, hn, r->detail);
		break;
	case MUSTER_PLUG_DUPLICATE:
		fprintf(stderr,
			L("muster: plugin %s refused (ABI %u.%u): its name is already taken by %s; rename one of them\n",
				"muster: 插件 %s 被拒绝（ABI %u.%u）：其名称已被 %s 使用；请给其中一个改名\n"),
			f, r->major, r->minor, r->detail);
		break;
	}
}

static muster_plugins *load(const struct opts *o, int quiet)
{
	muster_plugins *ps;
	const char *dir = plugin_dir(o);
	int rc = muster_plugins_load(dir, quiet ? NULL : refused, NULL, &ps);
	if (rc)
		die(cli_exit_code(rc), L("cannot read the plugin directory %s: %s", "无法读取插件目录 %s：%s"), dir,
			rc == MUSTER_EIO ? strerror(errno) : cli_strerror(rc));
	return ps;
}

static int report_list(const struct opts *o)
{
	static const char *const allowed[] = {"plugin-dir", NULL};
	cli_only(o, "muster report list", allowed);
	muster_plugins *ps = load(o, 0);
	size_t n = muster_plugins_count(ps);
	muster_buf b = {0};
	if (o->json) {
		muster_buf_printf(&b, "{\"dir\":");
		muster_json_cstr(&b, plugin_dir(o));
		muster_buf_printf(&b, ",\"abi\":\"%u.%u\",\"plugins\":[", MUSTER_PLUGIN_ABI_MAJOR, MUSTER_PLUGIN_ABI_MINOR);
		for (size_t i = 0; i < n; i++) {
			const muster_plugin_info *p = muster_plugins_info(ps, i);
			const char *k[] = {"name", "province", "version", "title", "title_en", "kinds", "media_type", "extension", "file"};
			const char *v[] = {p->name, p->province, p->version, p->title, p->title_en, p->kinds, p->media_type, p->extension,
				p->file};
			muster_buf_puts(&b, i ? ",{" : "{");
			for (size_t j = 0; j < sizeof k / sizeof k[0]; j++) {
				muster_buf_printf(&b, "%s\"%s\":", j ? "," : "", k[j]);
				muster_json_cstr(&b, v[j]);
			}
			muster_buf_printf(&b, ",\"abi\":\"%u.%u\"}", p->abi_major, p->abi_minor);
		}
		muster_buf_puts(&b, "]}\n");
	} else if (n == 0) {
		muster_buf_printf(&b, L("no report plugins in %s\n", "%s 中没有报表插件\n"), plugin_dir(o));
	} else {
		cli_col(&b, L("name", "名称"), strlen(L("name", "名称")), 12);
		cli_col(&b, L("province", "省份"), strlen(L("province", "省份")), 9);
		cli_col(&b, L("version", "版本"), strlen(L("version", "版本")), 8);
		cli_col(&b, L("kinds", "类型"), strlen(L("kinds", "类型")), 8);
		cli_col(&b, L("file", "格式"), strlen(L("file", "格式")), 5);
		muster_buf_printf(&b, "%s\n", L("title", "标题"));
		for (size_t i = 0; i < n; i++) {
			const muster_plugin_info *p = muster_plugins_info(ps, i);
			cli_col(&b, p->name, strlen(p->name), 12);
			cli_col(&b, p->province, strlen(p->province), 9);
			cli_col(&b, p->version, strlen(p->version), 8);
			cli_col(&b, p->kinds, strlen(p->kinds), 8);
			cli_col(&b, p->extension, strlen(p->extension), 5);
			muster_buf_printf(&b, "%s\n", cli_zh() ? p->title : p->title_en);
		}
	}
	muster_plugins_free(ps);
	cli_emit(&b);
	return EXIT_OK;
}

/* 1 if the space-separated list holds word. */
static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *s = list; (s = strstr(s, word)) != NULL; s += n)
		if ((s == list || s[-1] == ' ') && (s[n] == ' ' || s[n] == 0))
			return 1;
	return 0;
}

/* "YYYY-MM" -> year, month; 0 if it is not one. */
static int month_parse(const char *s, unsigned *y, unsigned *m)
{
	if (strlen(s) != 7 || s[4] != '-')
		return 0;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return 0;
	*y = (unsigned)atoi(s);
	*m = (unsigned)atoi(s + 5);
	return *y >= 1990 && *m >= 1 && *m <= 12;
}

/* A limit option in whole units (seconds, MiB), or dflt. */
static uint64_t limit_opt(const struct opts *o, const char *name, uint64_t dflt, uint64_t max)
{
	const char *v = cli_opt(o, name);
	if (!v)
		return dflt;
	char opt[24];
	snprintf(opt, sizeof opt, "--%s", name);
	uint64_t u = cli_uint(opt, v);
	if (u == 0 || u > max)
		die(EXIT_USAGE, L("--%s %s: give a whole number from 1 to %" PRIu64, "--%s %s：请给出 1 到 %" PRIu64 " 之间的整数"), name,
			v, max);
	return u;
}

static void run_failed(const muster_plugin_info *p, const muster_report_result *res)
{
	const char *n = p->name;
	switch (res->how) {
	case MUSTER_RUN_FAILED:
		die(EXIT_VERIFY, L("report %s failed: the plugin gave up (returned %d; its reason is above); nothing was written",
				     "报表 %s 生成失败：插件放弃（返回 %d，原因见上）；未写入任何文件"),
			n, res->code);
	case MUSTER_RUN_CRASHED:
		if (res->sig)
			die(EXIT_VERIFY, L("report %s failed: the plugin crashed (signal %d, %s) before finishing; nothing was written, "
					   "the store is untouched",
					     "报表 %s 生成失败：插件在完成前崩溃（信号 %d，%s）；未写入任何文件，存储库未受影响"),
				n, res->sig, strsignal(res->sig));
		die(EXIT_VERIFY, L("report %s failed: the plugin's process stopped before finishing (exit status %d); nothing was "
				   "written, the store is untouched",
				     "报表 %s 生成失败：插件进程在完成前退出（退出码 %d）；未写入任何文件，存储库未受影响"),
			n, res->status);
	case MUSTER_RUN_TIMEOUT:
		die(EXIT_VERIFY, L("report %s failed: the plugin was still running after %d s and was stopped; nothing was written "
				   "(give more time with --timeout SECONDS)",
				     "报表 %s 生成失败：插件运行超过 %d 秒，已被终止；未写入任何文件（可用 --timeout 秒数 放宽）"),
			n, res->code);
	case MUSTER_RUN_TOOBIG:
		die(EXIT_VERIFY, L("report %s failed: the plugin wrote more than %d MiB and was stopped; nothing was written "
				   "(raise the limit with --max-output MIB)",
				     "报表 %s 生成失败：插件输出超过 %d MiB，已被终止；未写入任何文件（可用 --max-output MiB 放宽）"),
			n, res->code);
	case MUSTER_RUN_GARBAGE:
		die(EXIT_VERIFY, L("report %s failed: what the plugin wrote is not %s: %s; nothing was written",
				     "报表 %s 生成失败：插件的输出不是 %s：%s；未写入任何文件"),
			n, p->media_type, res->detail);
	case MUSTER_RUN_PROTOCOL:
		die(EXIT_VERIFY, L("report %s failed: the plugin wrote on the host's channel itself instead of through host->write; "
				   "nothing was written",
				     "报表 %s 生成失败：插件绕过 host->write 直接写入宿主通道；未写入任何文件"),
			n);
	case MUSTER_RUN_HOST:
		die(EXIT_IO, L("report %s failed: %s; nothing was written", "报表 %s 生成失败：%s；未写入任何文件"), n, res->detail);
	default:
		die(EXIT_IO, L("report %s failed: its process could not be started or read: %s; nothing was written",
				 "报表 %s 生成失败：无法启动或读取子进程：%s；未写入任何文件"),
			n, strerror(res->code));
	}
}

/* Opens the store and puts the base64 root of its log at size (the tree the plugin read) in root64. */
static muster_store *open_at(const struct opts *o, uint64_t size, char root64[48])
{
	muster_store *s = cli_open(o);
	uint8_t root[MUSTER_HASH_BYTES];
	int rc = muster_log_root(s, size, root);
	if (rc)
		die(cli_exit_code(rc), L("cannot read the log: %s", "无法读取日志：%s"), cli_strerror(rc));
	sodium_bin2base64(root64, 48, root, sizeof root, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/* What a --mirrors report covered: the sites, each read at sizes[k] with root roots[k], and the hex SHA-256 of their lines. */
struct covered {
	const struct sites *ss;
	const uint64_t *sizes;
	char (*roots)[48];
	const char *sha256;
};

/*
 * The end of `muster report run`: the report res->out written to out and
 * signed with the report key of s against the tree the plugin read
 * (res->tree_size, root64), then what is said of it put in b.  sites: with
 * --mirrors, the sites the report covered, named in the trusted comment
 * (" sites:N sites_sha256:HEX") and in the output; else NULL.
 */
static void run_publish(const struct opts *o, muster_store *s, const muster_plugin_info *p, muster_report_result *res,
	const char *root64, const char *month, const char *team, const char *out, time_t now, const struct covered *sites,
	muster_buf *b)
{
	char key_id[17];
	muster_signer *key = cli_report_key(s);
	cli_key_id_text(key, key_id);
	char *tmp = cli_report_tmp(out);
	cli_write_file(tmp, &res->out);
	muster_buf what = {0};
	muster_buf_printf(&what, "report:%s version:%s month:%s", p->name, p->version, month);
	if (team)
		muster_buf_printf(&what, " team:%s", team);
	if (sites)
		muster_buf_printf(&what, " sites:%zu sites_sha256:%s", sites->ss->n, sites->sha256);
	muster_buf_put(&what, "", 1);
	if (what.err)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	struct publish pub = {s, key, key_id, tmp, out, muster_store_origin(s), root64, (const char *)what.data,
		res->tree_size, (long long)now};
	char *sig_path = cli_publish(&pub);
	progress("report", 1, 1);

	uint8_t digest[32];
	char hex[65];
	crypto_hash_sha256(digest, res->out.data, res->out.len);
	sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
	if (o->json) {
		muster_buf_puts(b, "{\"report\":");
		muster_json_cstr(b, out);
		muster_buf_puts(b, ",\"signature\":");
		muster_json_cstr(b, sig_path);
		muster_buf_puts(b, ",\"plugin\":");
		muster_json_cstr(b, p->name);
		muster_buf_puts(b, ",\"version\":");
		muster_json_cstr(b, p->version);
		muster_buf_puts(b, ",\"media_type\":");
		muster_json_cstr(b, p->media_type);
		muster_buf_printf(b, ",\"month\":\"%s\",\"team\":", month);
		if (team)
			muster_json_cstr(b, team);
		else
			muster_buf_puts(b, "null");
		muster_buf_printf(b, ",\"bytes\":%zu,\"sha256\":\"%s\",\"size\":%" PRIu64 ",\"root\":\"%s\",\"key_id\":\"%s\"",
			res->out.len, hex, res->tree_size, root64, key_id);
		if (sites) {
			muster_buf_puts(b, ",\"sites\":[");
			for (size_t k = 0; k < sites->ss->n; k++) {
				muster_buf_puts(b, k ? "," : "");
				central_site_json(b, &sites->ss->v[k]);
				muster_buf_printf(b, ",\"size\":%" PRIu64 ",\"root\":\"%s\"}", sites->sizes[k], sites->roots[k]);
			}
			muster_buf_printf(b, "],\"sites_sha256\":\"%s\"", sites->sha256);
		}
		muster_buf_puts(b, "}\n");
	} else {
		muster_buf_printf(b,
			L("wrote %s and %s: %s %s, %s, %zu bytes\n"
			  "made at tree size %" PRIu64 ", root %s; signed by report key %s ('muster audit pubkey')\n",
				"已写入 %s 和 %s：%s %s，%s，%zu 字节\n"
				"依据日志树大小 %" PRIu64 "，根哈希 %s；由报告密钥 %s 签名（'muster audit pubkey'）\n"),
			out, sig_path, p->name, p->version, month, res->out.len, res->tree_size, root64, key_id);
		if (sites) {
			size_t n = sites->ss->n;
			muster_buf_printf(b, L("over %zu site%s (sites_sha256 %s in the signed comment):\n",
						"汇总 %zu 个站点%.0s（签名注释中 sites_sha256 为 %s）：\n"),
				n, central_s(n), sites->sha256);
			for (size_t k = 0; k < n; k++)
				muster_buf_printf(b, L("  %s  tree size %" PRIu64 ", root %s\n", "  %s  日志树大小 %" PRIu64 "，根哈希 %s\n"),
					sites->ss->v[k].origin, sites->sizes[k], sites->roots[k]);
		}
	}
	muster_buf_free(&what);
	free(sig_path);
	free(tmp);
	muster_signer_free(key);
}

/*
 * muster report run --mirrors: one report over every mirror (and the
 * central store when it has teams of its own), signed by the central
 * store.  Its trusted comment names, beside the central store's own tree,
 * how many sites were read and sites_sha256: the SHA-256 of their lines
 * "ORIGIN SIZE ROOT\n" in the order the plugin read them.  A mirror that
 * cannot be opened stops it: a signed report must cover every mirror.
 */
static int run_mirrors(const struct opts *o, muster_plugins *ps, size_t i, const muster_plugin_info *p,
	muster_report_req *req, const char *month, const char *team, const char *out)
{
	const char *stop = L("no report was made: a central report covers every mirror (import it again with 'muster mirror "
			     "import', or move it out of the mirrors directory to report without it)",
		"未生成报表：汇总报表须覆盖全部镜像（请用 'muster mirror import' 重新导入，或将其移出镜像目录后再生成）");
	struct sites ss;
	central_list(o, &ss);
	/* What would fail after the run fails before it: the report key of the central store, which signs. */
	muster_signer_free(cli_report_key(ss.v[0].s));
	muster_snap *sn = cli_snapshot(ss.v[0].s);
	int own = central_has_rows(sn, MUSTER_T_TEAM);
	muster_snap_end(sn);
	if (!own)
		central_drop_central(&ss);
	int have_team = 0;
	for (size_t k = 0; k < ss.n; k++) {
		muster_store *s = central_open(&ss, k, stop);
		if (s && team) {
			muster_rec t;
			sn = cli_snapshot(s);
			have_team |= muster_row_cget(sn, MUSTER_T_TEAM, team, &t) == 0;
			muster_snap_end(sn);
		}
		central_close(&ss, k);
	}
	if (ss.failed) {
		central_free(&ss);
		muster_plugins_free(ps);
		exit(EXIT_IO);
	}
	if (team && !have_team) {
		central_free(&ss);
		muster_plugins_free(ps);
		die(EXIT_NOTFOUND, L("--team %s: no such team at any site read; 'muster --store DIR team list' shows a site's teams",
				     "--team %s：所读站点均无该队伍；站点的队伍可用 'muster --store 目录 team list' 查看"),
			team);
	}
	if (ss.n == 0) {
		central_free(&ss);
		muster_plugins_free(ps);
		die(EXIT_NOTFOUND, L("no mirrors in %s/mirrors and no teams in the store: nothing to report on",
				     "%s/mirrors 中没有镜像，存储库中也没有队伍：无可报告的内容"),
			cli_store_dir(o));
	}
	const char **dirs = calloc(ss.n, sizeof *dirs);
	uint64_t *sizes = calloc(ss.n, sizeof *sizes);
	if (!dirs || !sizes)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	for (size_t k = 0; k < ss.n; k++)
		dirs[k] = ss.v[k].dir;

	progress("report", 0, 1);
	time_t now = time(NULL);
	req->now = (uint64_t)now;
	muster_report_result res;
	if (muster_report_run_sites(ps, i, req, dirs, ss.n, own ? 0 : -1, sizes, &res) != 0) {
		muster_plugin_info keep = *p;
		run_failed(&keep, &res);
	}

	/* Signed by the central store, against its own tree the child read and the sites' trees, by their hash. */
	char root64[48];
	muster_store *s = open_at(o, res.tree_size, root64);
	char (*roots)[48] = calloc(ss.n, sizeof *roots);
	muster_buf lines = {0};
	if (!roots)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	for (size_t k = 0; k < ss.n; k++) {
		muster_store *m = own && k == 0 ? s : central_open(&ss, k, stop);
		uint8_t r[MUSTER_HASH_BYTES];
		if (!m)
			exit(EXIT_IO);
		int rc = muster_log_root(m, sizes[k], r);
		if (rc)
			die(cli_exit_code(rc), L("cannot read the log of %s: %s", "无法读取 %s 的日志：%s"), ss.v[k].dir, cli_strerror(rc));
		sodium_bin2base64(roots[k], sizeof roots[k], r, sizeof r, sodium_base64_VARIANT_ORIGINAL);
		muster_buf_printf(&lines, "%s %" PRIu64 " %s\n", ss.v[k].origin, sizes[k], roots[k]);
		if (m != s)
			central_close(&ss, k);
	}
	uint8_t digest[32];
	char sites_hex[65];
	if (lines.err)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	crypto_hash_sha256(digest, lines.data, lines.len);
	sodium_bin2hex(sites_hex, sizeof sites_hex, digest, sizeof digest);
	muster_buf_free(&lines);

	struct covered sites = {&ss, sizes, roots, sites_hex};
	muster_buf b = {0};
	run_publish(o, s, p, &res, root64, month, team, out, now, &sites, &b);
	free(roots);
	free(dirs);
	free(sizes);
	muster_report_result_free(&res);
	muster_store_close(s);
	central_free(&ss);
	muster_plugins_free(ps);
	cli_emit(&b);
	return EXIT_OK;
}

static int report_run(const struct opts *o)
{
	static const char *const allowed[] = {"plugin-dir", "month", "team", "out", "param", "timeout", "memory", "max-output",
		NULL};
	cli_only(o, "muster report run", allowed);
	const char *usage = L("usage: muster report run NAME --month YYYY-MM [--team T] --out FILE [--param NAME=VALUE]...",
		"用法: muster report run 名称 --month 年-月 [--team 队伍] --out 文件 [--param 名称=值]...");
	if (o->npos != 3)
		die(EXIT_USAGE, "%s", usage);
	const char *name = o->pos[2], *month = cli_opt(o, "month"), *team = cli_opt(o, "team"), *out = o->out;
	unsigned y, m;
	if (!month)
		die(EXIT_USAGE, "%s", L("muster report run needs --month YYYY-MM: a report covers one month",
					"muster report run 需要 --month 年-月：一份报表对应一个月"));
	if (!month_parse(month, &y, &m))
		die(EXIT_USAGE, L("--month %s: give the month as YYYY-MM from 1990-01 on, e.g. 2026-10",
				     "--month %s：月份格式为 年-月（1990-01 起），例如 2026-10"),
			month);
	uint64_t today = cli_today();
	if ((uint64_t)y * 10000 + m * 100 + 1 > today)
		die(EXIT_USAGE, L("--month %s has not begun yet; report on this month or an earlier one",
				     "--month %s 尚未开始；请选择本月或之前的月份"),
			month);
	if (!out || !*out)
		die(EXIT_USAGE, "%s", L("muster report run needs --out FILE", "muster report run 需要 --out 文件"));
	/* Every --param NAME=VALUE, in order (the last of a name wins). */
	const char *params[97];
	size_t np = 0;
	for (int i = 0; i < o->nkv; i++) {
		const char *k = o->kv[i].name;
		if (strncmp(k, "param", 5) != 0 || (k[5] && k[5] != '='))
			continue;
		const char *v = o->kv[i].val, *eq = strchr(v, '=');
		if (!eq || eq == v)
			die(EXIT_USAGE, L("--param %s: give NAME=VALUE", "--param %s：格式为 名称=值"), v);
		params[np++] = v;
	}
	params[np] = NULL;
	muster_report_req req = {0};
	req.store_dir = cli_store_dir(o);
	req.kind = "monthly";
	req.year = y;
	req.mon = m;
	req.team = team;
	req.params = params;
	req.timeout = (unsigned)limit_opt(o, "timeout", 60, 86400);
	req.memory = limit_opt(o, "memory", 1024, 1u << 20) << 20;
	req.max_output = limit_opt(o, "max-output", 256, 1u << 14) << 20;

	cli_out_writable(out);

	muster_plugins *ps = load(o, 1);
	long i = muster_plugins_find(ps, name);
	if (i < 0) {
		muster_plugins_free(ps);
		muster_plugins_free(load(o, 0)); /* say why the others were refused: the one asked for may be among them */
		die(EXIT_NOTFOUND, L("no report plugin named '%s' in %s; 'muster report list' shows them",
					"%2$s 中没有名为 '%1$s' 的报表插件；'muster report list' 可列出全部"),
			name, plugin_dir(o));
	}
	const muster_plugin_info *p = muster_plugins_info(ps, (size_t)i);
	if (!has_word(p->kinds, "monthly")) {
		char kinds[160];
		snprintf(kinds, sizeof kinds, "%s", p->kinds);
		muster_plugins_free(ps);
		die(EXIT_USAGE, L("report %s makes %s reports, not monthly ones", "报表 %s 只生成 %s 报表，不生成月报"), name, kinds);
	}
	if (o->mirrors)
		return run_mirrors(o, ps, (size_t)i, p, &req, month, team, out);

	/* Before the child: the store exists, and so does the team; then nothing of it is open across the fork. */
	muster_store *s = cli_open(o);
	if (team) {
		muster_snap *sn;
		muster_rec t;
		int rc = muster_snap_begin(s, &sn);
		if (rc == 0) {
			rc = muster_row_cget(sn, MUSTER_T_TEAM, team, &t);
			muster_snap_end(sn);
		}
		if (rc) {
			muster_store_close(s);
			muster_plugins_free(ps);
		}
		if (rc == MUSTER_ENOTFOUND)
			die(EXIT_NOTFOUND, L("--team %s: no such team; 'muster team list' shows them",
					     "--team %s：没有该队伍；'muster team list' 可列出全部"),
				team);
		if (rc)
			die(cli_exit_code(rc), "%s", cli_strerror(rc));
	}
	/* What would fail after the run is checked before it: the report key (and the --out directory, above). */
	muster_signer_free(cli_report_key(s));
	muster_store_close(s);

	/* The plugin's work has no count this process can see (its bytes come at the end): started, then done. */
	progress("report", 0, 1);
	time_t now = time(NULL);
	req.now = (uint64_t)now;
	muster_report_result res;
	if (muster_report_run(ps, (size_t)i, &req, &res) != 0) {
		muster_plugin_info keep = *p; /* the strings live in the plugin, which stays loaded until exit */
		run_failed(&keep, &res);
	}

	/* Signed against the tree the child read, whatever was appended since. */
	char root64[48];
	s = open_at(o, res.tree_size, root64);
	muster_buf b = {0};
	run_publish(o, s, p, &res, root64, month, team, out, now, NULL, &b);
	muster_report_result_free(&res);
	muster_store_close(s);
	muster_plugins_free(ps);
	cli_emit(&b);
	return EXIT_OK;
}

int cmd_report(const struct opts *o)
{
	const char *sub = o->npos > 1 ? o->pos[1] : "";
	if (strcmp(sub, "list") == 0)
		return report_list(o);
	if (strcmp(sub, "run") == 0)
		return report_run(o);
	die(EXIT_USAGE, "%s", L("usage: muster report list | muster report run NAME --month YYYY-MM --out FILE",
				"用法: muster report list | muster report run 名称 --month 年-月 --out 文件"));
}
