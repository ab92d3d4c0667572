/*
 * muster - the command-line face of libmuster (docs/CLI.md, muster(1)).
 *
 * A plain main: parse options, pick the command, do one thing in one write
 * transaction or one read.  Every failure is one line on stderr saying what
 * failed, on which input, and what to do, with a documented exit code.
 */
#include "config.h"

#include "cli.h"
#include "commands.h"
#include "import.h"
#include "progress.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

int cli_exit_code(int rc)
{
	switch (rc) {
	case 0: return EXIT_OK;
	case MUSTER_EVERIFY: return EXIT_VERIFY;
	case MUSTER_EINVAL:
	case MUSTER_ECORRUPT:
	case MUSTER_EEXIST:
	case MUSTER_ESTATE:
	case MUSTER_ETOOBIG: return EXIT_USAGE;
	case MUSTER_ENOTFOUND: return EXIT_NOTFOUND;
	case MUSTER_EPERM:
	case MUSTER_EPASS: return EXIT_PERM;
	default: return EXIT_IO;
	}
}

const char *cli_strerror(int rc)
{
	return cli_zh() ? muster_strerror_zh(rc) : muster_strerror(rc);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("muster: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void usage(void)
{
	fputs(L("usage: muster [--store DIR] [--key FILE] [--passphrase-file FILE] [--json] [--mirrors] COMMAND ...\n"
		"\n"
		"  init --origin ORIGIN --admin-key FILE [--holder NAME] [--base-url URL]   a store and its first admin\n"
		"  key new --out FILE                    make a personal key pair (FILE, FILE.pub)\n"
		"  key enrol FILE.pub --role ROLE --holder NAME             enrol a key (admin)\n"
		"  key roles KEYID --role ROLE           change a key's roles (admin)\n"
		"  key revoke KEYID [--reason TEXT]      revoke a key (admin)\n"
		"  key list                              list enrolled keys\n"
		"  journal add TEXT                      append a signed duty-journal entry\n"
		"  journal list                          list the duty journal\n"
		"  log vkey                              the site log's verifier key\n"
		"  log checkpoint [--size N]             a signed checkpoint\n"
		"  log proof --index I [--size N]        inclusion proof (JSON)\n"
		"  log consistency --old M [--new N]     consistency proof (JSON)\n"
		"  log show [--from I] [--count K]       decoded entries\n"
		"  log verify [--threads N] [--against FILE]   re-derive and check everything; FILE: a checkpoint kept elsewhere\n"
		"  log export --tiles DIR                the log as C2SP tlog-tiles, for mirrors and web servers\n"
		"  log bundle --since SIZE --out FILE    what came after SIZE, as one tar file for offline transport\n"
		"  log cosigned FILE --witness VKEY      keep a central witness's cosignature of a checkpoint\n"
		"  log witness --url URL --witness VKEY  ask the witness at URL to cosign the latest checkpoint\n"
		"  mirror add ORIGIN --vkey VKEY [--url URL]   mirror a site's log (central office)\n"
		"  mirror import FILE [--reply OUT]      verify a site's bundle whole and store it, cosigned\n"
		"  mirror pull [ORIGIN]                  the same from the sites' tile servers\n"
		"  mirror status                         each mirror: size, latest entry, cosignature, current/stale/forked\n"
		"  witness vkey                          the central office's witness key, for the sites\n"
		"  reindex [--check]                     rebuild every projection from the log (--check: compare, change nothing)\n"
		"  backup DIR                            a hot, compacted copy of the store in DIR (new or empty)\n"
		"  compact                               compact the store in place (stop musterd first): faster reports\n"
		"  restore BACKUP [--check]              put a backup, verified in full, in place of the store (stop musterd first)\n"
		"  import KIND FILE [--map PROFILE] [--dry-run] [--rejects FILE.csv] [--sheet NAME]\n"
		"                                        a register from .xlsx/.csv/.tsv (teams depots assets people certs exams spending)\n"
		"  export KIND --out FILE.xlsx|FILE.csv  the register back out, as import reads it (docs/IMPORT.md)\n"
		"\n"
		"Equipment (docs/EQUIPMENT.md; options are field names, see 'muster(1)'):\n"
		"  team add CODE --name --specialty --province --host --host-code [--override WHY]\n"
		"  depot add CODE --team T --name N [--location L]    team list | depot list\n"
		"  asset add ID --category --type --model --funding --depot [--serial --value ...]\n"
		"  asset checkout|return|repair-out|repair-back|handover|accept|cancel|\n"
		"        requisition|release|scrap ASSET|PAYLOAD [options]   custody steps\n"
		"  asset update|relabel|show|history ASSET        asset list [--team --depot --state]\n"
		"  asset ready [--date D] [--team T] [--depot D]  readiness per team and depot\n"
		"  inspect rule --type --kind --interval DAYS     inspect rules\n"
		"  inspect record ASSET --kind --result --inspector [--date]   inspect due [--overdue]\n"
		"  count start ID --depot D | count scan ID ASSET... | count close ID | count show ID\n"
		"  label ASSET...|--depot D --format png|svg|pdf --out FILE [--rows --cols ... mm]\n"
		"  scan --action ACTION [options]                 one label payload per line on stdin\n"
		"  tag vkey | tag check --vkey VKEY PAYLOAD...    check labels offline\n"
		"  site url URL                                   base URL of new labels (admin)\n"
		"  gen --scale team|province|national --seed S --store DIR   synthetic data\n"
		"\n"
		"People (docs/PEOPLE.md):\n"
		"  person add ID --name --team --position --hired [--hazards H]... [--special]   person list|show\n"
		"  person update ID --reason WHY [--status active|suspended|left --date D] [--team ...]\n"
		"  cert add|renew|review|revoke ID --kind K [--number N] [--item I] ...   cert list | cert kinds\n"
		"  cert kind KIND --name --validity MONTHS [--review MONTHS --window DAYS --hours H --t-number]\n"
		"  exam record ID --exam KIND --institution --date --conclusion [--items --due | --contraindication]\n"
		"  health rule HAZARD --interval DAYS   health rules   site policy [--exam-days N] [--target MIN]\n"
		"  ready [--date D] [--team T] [--needs KIND...]     who can be deployed, and why not\n"
		"  due [--within DAYS] [--team T] [--ics FILE]       certificates and exams falling due\n"
		"  deploy open ID --source --ordered-by --incident --location [--ordered TIME]\n"
		"  deploy person ID --person P [--reason]  deploy asset ID ASSET...  deploy time ID --departed|--arrived|--ended T\n"
		"  deploy return ID [--returned T]  deploy report ID [--reported T]  deploy list | deploy show ID\n"
		"\n"
		"Money (docs/MONEY.md):\n"
		"  fund add CODE --name --fund-source --owner [--industry]   budget set --fund --team --year --amount\n"
		"  fund source CODE --name [--rules general|enterprise_safety]   fund sources\n"
		"  spend record --date --team --spend-type --vendor --vendor-code --invoice --amount --fund [--id ASSET]\n"
		"    [--link ENTRY] [--article ART] [--attach FILE]...\n"
		"  spend approve ENTRY | spend reject ENTRY --reason   fund list | budget list | spend list\n"
		"  audit [--year Y] [--team T] [--fund F] [--json]    findings with their evidence (exit 1 if any)\n"
		"  audit dispose FINDING --disposition explained|corrected|referred --notes TEXT   (auditor)\n"
		"  audit summary --by fund|team|year|month|category|vendor|type [--unit fen|yuan|wan] [--csv]\n"
		"  audit report --year Y --out FILE.csv|FILE.pdf   signed report (FILE.minisig; minisign -Vm)\n"
		"  audit pubkey                          the report key, minisign format\n"
		"  audit evidence FINDING [--out FILE]   entries, inclusion proofs, signed checkpoint (JSON)\n"
		"  spend attachment SHA256 [--out FILE]  an attached file, checked against its signed hash\n"
		"\n"
		"Province reports (docs/plugins.md):\n"
		"  report list [--plugin-dir DIR]        the report plugins and what they make\n"
		"  report run NAME --month YYYY-MM [--team T] --out FILE [--param NAME=VALUE]...\n"
		"    [--timeout S] [--memory MIB] [--max-output MIB]   signed report (FILE.minisig)\n"
		"\n"
		"Central views (docs/CLI.md): --mirrors runs ready, due, audit, audit summary and report run\n"
		"  over every mirror in STORE/mirrors/ (and the store itself when it has data of its own),\n"
		"  each row with its site's origin; report run makes one report of them all\n"
		"\n"
		"Roles: admin keeper hr finance approver auditor reporter.  See muster(1).\n",
		"用法: muster [--store 目录] [--key 密钥文件] [--passphrase-file 文件] [--json] [--mirrors] 命令 ...\n"
		"\n"
		"  init --origin 日志名 --admin-key 文件 [--holder 姓名] [--base-url 地址]   新建存储库及首位管理员\n"
		"  key new --out 文件                    生成个人密钥对 (文件, 文件.pub)\n"
		"  key enrol 文件.pub --role 角色 --holder 姓名             登记密钥 (管理员)\n"
		"  key roles 密钥ID --role 角色          变更密钥角色 (管理员)\n"
		"  key revoke 密钥ID [--reason 原因]     吊销密钥 (管理员)\n"
		"  key list                              列出已登记密钥\n"
		"  journal add 文本                      追加一条签名的值班记录\n"
		"  journal list                          列出值班记录\n"
		"  log vkey                              本站日志的验证公钥\n"
		"  log checkpoint [--size N]             签名检查点\n"
		"  log proof --index I [--size N]        包含证明 (JSON)\n"
		"  log consistency --old M [--new N]     一致性证明 (JSON)\n"
		"  log show [--from I] [--count K]       解码后的日志条目\n"
		"  log verify [--threads N] [--against 文件]   从原始日志重新推导并核验全部内容；文件：存于别处的检查点\n"
		"  log export --tiles 目录               以 C2SP tlog-tiles 格式导出日志，供镜像和网站服务器使用\n"
		"  log bundle --since 大小 --out 文件    将 SIZE 之后的内容打包为一个 tar 文件，供离线传递\n"
		"  log cosigned 文件 --witness 验证密钥  保存中心见证方对检查点的见证签名\n"
		"  log witness --url 网址 --witness 验证密钥  请网址处的见证方为最新检查点签名\n"
		"  mirror add 日志源 --vkey 验证密钥 [--url 网址]  镜像一个站点的日志（中心）\n"
		"  mirror import 文件 [--reply 输出]     完整核验站点的文件包并保存，附见证签名\n"
		"  mirror pull [日志源]                  从各站点的 tile 服务拉取，同样核验\n"
		"  mirror status                         各镜像：大小、最新条目、见证签名、最新/过期/分叉\n"
		"  witness vkey                          中心的见证密钥，交给各站点\n"
		"  reindex [--check]                     从日志重建全部投影（--check：只核对，不作更改）\n"
		"  backup 目录                           将存储库热备份（压缩）到目录（须不存在或为空）\n"
		"  compact                               就地压缩存储库（先停止 musterd）：报表更快\n"
		"  restore 备份目录 [--check]            将备份（完整核验后）替换为存储库（先停止 musterd）\n"
		"  import 类别 文件 [--map 映射] [--dry-run] [--rejects 文件.csv] [--sheet 工作表]\n"
		"                                        从 .xlsx/.csv/.tsv 导入台账（teams depots assets people certs exams spending）\n"
		"  export 类别 --out 文件.xlsx|文件.csv  导出台账，格式与导入相同（docs/IMPORT.md）\n"
		"\n"
		"装备（详见 docs/EQUIPMENT.md；选项名即字段名，参见 muster(1)）：\n"
		"  team add 队伍代码 --name --specialty --province --host --host-code [--override 理由]\n"
		"  depot add 库代码 --team 队伍 --name 名称 [--location 地址]    team list | depot list\n"
		"  asset add 编号 --category --type --model --funding --depot [--serial --value ...]\n"
		"  asset checkout|return|repair-out|repair-back|handover|accept|cancel|\n"
		"        requisition|release|scrap 资产|标签 [选项]           保管流转\n"
		"  asset update|relabel|show|history 资产        asset list [--team --depot --state]\n"
		"  asset ready [--date 日期] [--team] [--depot]   按队伍、装备库统计完好率\n"
		"  inspect rule --type --kind --interval 天数     inspect rules\n"
		"  inspect record 资产 --kind --result --inspector [--date]   inspect due [--overdue]\n"
		"  count start 单号 --depot 库 | count scan 单号 资产... | count close 单号 | count show 单号\n"
		"  label 资产...|--depot 库 --format png|svg|pdf --out 文件 [--rows --cols ... 毫米]\n"
		"  scan --action 动作 [选项]                      从标准输入逐行读取标签\n"
		"  tag vkey | tag check --vkey 公钥 标签...       离线校验标签\n"
		"  site url 地址                                  新标签使用的站点地址（管理员）\n"
		"  gen --scale team|province|national --seed S --store 目录   生成模拟数据\n"
		"\n"
		"人员（详见 docs/PEOPLE.md）：\n"
		"  person add 身份证号 --name --team --position --hired [--hazards 因素]... [--special]   person list|show\n"
		"  person update 身份证号 --reason 原因 [--status active|suspended|left --date 日期] [--team ...]\n"
		"  cert add|renew|review|revoke 身份证号 --kind 类别 [--number 编号] [--item 项目] ...   cert list | cert kinds\n"
		"  cert kind 类别 --name --validity 月数 [--review 月数 --window 天数 --hours 学时 --t-number]\n"
		"  exam record 身份证号 --exam 类别 --institution --date --conclusion [--items --due | --contraindication]\n"
		"  health rule 危害因素 --interval 天数   health rules   site policy [--exam-days 天数] [--target 分钟]\n"
		"  ready [--date 日期] [--team 队伍] [--needs 证书类别...]   可出动人员及不可出动原因\n"
		"  due [--within 天数] [--team 队伍] [--ics 文件]             到期的证书与体检\n"
		"  deploy open 编号 --source --ordered-by --incident --location [--ordered 时间]\n"
		"  deploy person 编号 --person 身份证号 [--reason]  deploy asset 编号 资产...  deploy time 编号 --departed|--arrived|--ended 时间\n"
		"  deploy return 编号 [--returned 时间]  deploy report 编号 [--reported 时间]  deploy list | deploy show 编号\n"
		"\n"
		"资金（详见 docs/MONEY.md）：\n"
		"  fund add 代码 --name --fund-source --owner [--industry]   budget set --fund --team --year --amount\n"
		"  fund source 代码 --name 名称 [--rules general|enterprise_safety]   fund sources\n"
		"  spend record --date --team --spend-type --vendor --vendor-code --invoice --amount --fund [--id 资产]\n"
		"    [--link 条目] [--article 条款] [--attach 文件]...\n"
		"  spend approve 条目 | spend reject 条目 --reason 原因   fund list | budget list | spend list\n"
		"  audit [--year 年度] [--team 队伍] [--fund 资金] [--json]   审计发现及其证据（有发现时退出码 1）\n"
		"  audit dispose 发现编号 --disposition explained|corrected|referred --notes 说明   （审计员）\n"
		"  audit summary --by fund|team|year|month|category|vendor|type [--unit fen|yuan|wan] [--csv]   支出汇总\n"
		"  audit report --year 年度 --out 文件.csv|文件.pdf   签名审计报告（文件.minisig；minisign -Vm 校验）\n"
		"  audit pubkey                          报告公钥（minisign 格式）\n"
		"  audit evidence 发现编号 [--out 文件]   证据：日志条目、包含证明、签名检查点（JSON）\n"
		"  spend attachment SHA256 [--out 文件]  取出附件并核对其签名哈希\n"
		"\n"
		"省级报表（详见 docs/plugins.md）：\n"
		"  report list [--plugin-dir 目录]       报表插件及其生成的报表\n"
		"  report run 名称 --month 年-月 [--team 队伍] --out 文件 [--param 名称=值]...\n"
		"    [--timeout 秒] [--memory MiB] [--max-output MiB]   签名报表（文件.minisig）\n"
		"\n"
		"汇总视图（详见 docs/CLI.md）：--mirrors 使 ready、due、audit、audit summary 和 report run\n"
		"  覆盖 STORE/mirrors/ 下的全部镜像（本库有相应数据时也包括本库），每行注明其站点的日志源；\n"
		"  report run 据此生成一份汇总报表\n"
		"\n"
		"角色: admin keeper hr finance approver auditor reporter。详见 muster(1)。\n"),
		stdout);
}

/* Options that take a value, and where it goes. */
static const char **opt_slot(struct opts *o, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} table[] = {
		{"store", offsetof(struct opts, store)},
		{"key", offsetof(struct opts, key)},
		{"passphrase-file", offsetof(struct opts, pass_file)},
		{"origin", offsetof(struct opts, origin)},
		{"admin-key", offsetof(struct opts, admin_key)},
		{"out", offsetof(struct opts, out)},
		{"holder", offsetof(struct opts, holder)},
		{"reason", offsetof(struct opts, reason)},
		{"size", offsetof(struct opts, size)},
		{"index", offsetof(struct opts, index)},
		{"old", offsetof(struct opts, old)},
		{"new", offsetof(struct opts, new_)},
		{"from", offsetof(struct opts, from)},
		{"count", offsetof(struct opts, count)},
		{"threads", offsetof(struct opts, threads)},
		{"kdf", offsetof(struct opts, kdf)},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(table[i].name, name) == 0)
			return (const char **)((char *)o + table[i].off);
	return NULL;
}

static int is_flag(const char *name);

static void parse(int argc, char **argv, struct opts *o)
{
	int only_pos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos || a[0] != '-' || a[1] == 0) {
			if (o->npos == MAX_POS)
				die(EXIT_USAGE, L("too many operands at '%s'; see 'muster --help'", "操作数过多 ('%s')；参见 'muster --help'"), a);
			o->pos[o->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			o->json = 1;
			continue;
		}
		if (strcmp(a, "--mirrors") == 0) {
			o->mirrors = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			exit(EXIT_OK);
		}
		if (strcmp(a, "--version") == 0) {
			printf("muster %s\n", PACKAGE_VERSION);
			exit(EXIT_OK);
		}
		if (strncmp(a, "--", 2) != 0)
			die(EXIT_USAGE, L("unknown option '%s'; see 'muster --help'", "未知选项 '%s'；参见 'muster --help'"), a);
		char name[32];
		const char *eq = strchr(a + 2, '=');
		size_t n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
		if (n >= sizeof name)
			die(EXIT_USAGE, L("unknown option '%s'; see 'muster --help'", "未知选项 '%s'；参见 'muster --help'"), a);
		memcpy(name, a + 2, n);
		name[n] = 0;
		const char *val = eq ? eq + 1 : NULL;
		int is_role = strcmp(name, "role") == 0;
		const char **slot = is_role ? NULL : opt_slot(o, name);
		if (!slot && !is_role && !val && is_flag(name))
			val = "";
		if (!val) {
			if (i + 1 >= argc)
				die(EXIT_USAGE, L("option '--%s' needs a value", "选项 '--%s' 需要一个值"), name);
			val = argv[++i];
		}
		if (o->nkv == (int)(sizeof o->kv / sizeof o->kv[0]))
			die(EXIT_USAGE, "%s", L("too many options", "选项过多"));
		o->kv[o->nkv].name = a + 2;
		o->kv[o->nkv].val = val;
		o->kv[o->nkv++].slotted = slot || is_role;
		if (is_role) {
			if (o->nroles == (int)(sizeof o->roles / sizeof o->roles[0]))
				die(EXIT_USAGE, "%s", L("too many --role options", "--role 选项过多"));
			o->roles[o->nroles++] = val;
		} else if (slot) {
			*slot = val;
		}
	}
}

/* Options that take no value: boolean fields and a few switches. */
static int is_flag(const char *name)
{
	static const char *const flags[] = {"reissue", "overdue", "all", "csv", "dry-run", "check", NULL};
	const muster_field *f = muster_field_by_name(name);
	if (f && f->type == MUSTER_F_BOOL)
		return 1;
	for (int i = 0; flags[i]; i++)
		if (strcmp(flags[i], name) == 0)
			return 1;
	return 0;
}

const char *cli_opt(const struct opts *o, const char *name)
{
	const char *v = NULL;
	for (int i = 0; i < o->nkv; i++) {
		const char *a = o->kv[i].name, *b = name;
		while (*b && (*a == *b || (*a == '-' && *b == '_') || (*a == '_' && *b == '-')))
			a++, b++;
		if (!*b && (!*a || *a == '='))
			v = o->kv[i].val;
	}
	return v;
}

void cli_no_extra(const struct opts *o)
{
	for (int i = 0; i < o->nkv; i++)
		if (!o->kv[i].slotted)
			die(EXIT_USAGE, L("unknown option '--%s'; see 'muster --help'", "未知选项 '--%s'；参见 'muster --help'"),
				o->kv[i].name);
}

uint64_t cli_uint(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-' || *s == '+')
		goto bad;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		goto bad;
	return (uint64_t)v;
bad:
	die(EXIT_USAGE, L("%s '%s' is not a whole number; give a decimal number such as 0 or 42",
			    "%s '%s' 不是非负整数；请给出十进制数，如 0 或 42"),
		opt, s ? s : "");
}

/* The store cli_open opened, for the messages of cli_write_failed. */
static const char *opened_dir;

muster_store *cli_open(const struct opts *o)
{
	const char *dir = cli_store_dir(o);
	muster_store *s;
	int rc = muster_store_open(dir, &s);
	if (rc == MUSTER_ENOTFOUND)
		die(EXIT_NOTFOUND, L("no store at '%s'; create one with 'muster init' or give --store DIR",
				       "'%s' 处没有存储库；请用 'muster init' 新建，或用 --store 指定目录"),
			dir);
	if (rc == MUSTER_EIO && (errno == EACCES || errno == EPERM))
		die(EXIT_IO, L("cannot open store '%s': %s; run muster as the user who owns the store, or give --store DIR",
			"无法打开存储库 '%s'：%s；请以存储库所属用户运行 muster，或指定 --store 目录"),
			dir, strerror(errno));
	if (rc == MUSTER_EIO)
		die(EXIT_IO, L("cannot open store '%s': %s", "无法打开存储库 '%s'：%s"), dir, strerror(errno));
	if (rc == MUSTER_ESTATE && errno == EROFS) /* an older format, and the store cannot be upgraded */
		die(cli_exit_code(rc), L("cannot read store '%s' on a read-only file system: it has an older format, which this muster upgrades where it can write; run any muster command once where the store is writable, or use the muster that made it",
			"无法在只读文件系统上读取存储库 '%s'：其格式较旧，本版 muster 须在可写处升级；请在可写处先运行一次任意 muster 命令，或使用建库时的 muster"), dir);
	if (rc == MUSTER_ESTATE)
		die(cli_exit_code(rc), L("cannot open store '%s': it was made or upgraded by a newer muster, whose store format this one cannot read; use that muster or a newer one",
			"无法打开存储库 '%s'：它由较新版本的 muster 建立或升级，本版无法读取其格式；请使用那一版本或更新的 muster"), dir);
	if (rc)
		die(cli_exit_code(rc), L("cannot open store '%s': %s", "无法打开存储库 '%s'：%s"), dir, cli_strerror(rc));
	opened_dir = dir;
	return s;
}

const char *cli_store_dir(const struct opts *o)
{
	if (o->store)
		return o->store;
	const char *env = getenv("MUSTER_STORE");
	return env && *env ? env : "./muster-data";
}

char *cli_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (!p)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Reads a line without echo from the terminal into p (sodium_malloc'd, cap bytes). */
static size_t read_tty(const char *prompt, char *p, size_t cap)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return SIZE_MAX;
	struct termios old, quiet;
	int have = tcgetattr(fd, &old) == 0;
	if (have) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(fd, TCSANOW, &quiet); /* keep what was typed ahead */
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* the prompt is a courtesy */
	}
	size_t n = 0;
	char c;
	while (n + 1 < cap && read(fd, &c, 1) == 1 && c != '\n')
		p[n++] = c;
	if (have)
		tcsetattr(fd, TCSANOW, &old);
	if (write(fd, "\n", 1) < 0) {
		/* ditto */
	}
	close(fd);
	p[n] = 0;
	return n;
}

#define PASS_MAX 1024

struct pass cli_passphrase(const struct opts *o, const char *what, int confirm)
{
	struct pass ps;
	ps.p = sodium_malloc(PASS_MAX);
	if (!ps.p)
		die(EXIT_IO, "%s", L("out of memory", "内存不足"));
	if (o->pass_file) {
		int fd = open(o->pass_file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(EXIT_USAGE, L("cannot read passphrase file '%s': %s; check the path",
					    "无法读取口令文件 '%s'：%s；请检查路径"),
				o->pass_file, strerror(errno));
		ssize_t r = read(fd, ps.p, PASS_MAX - 1);
		close(fd);
		if (r < 0)
			die(EXIT_IO, L("cannot read passphrase file '%s': %s", "无法读取口令文件 '%s'：%s"), o->pass_file,
				strerror(errno));
		ps.n = (size_t)r;
		char *nl = memchr(ps.p, '\n', ps.n); /* the first line is the passphrase */
		if (nl)
			ps.n = (size_t)(nl - ps.p);
		if (ps.n > 0 && ps.p[ps.n - 1] == '\r')
			ps.n--;
	} else if (getenv("MUSTER_PASSPHRASE")) {
		const char *e = getenv("MUSTER_PASSPHRASE");
		ps.n = strlen(e);
		if (ps.n >= PASS_MAX)
			die(EXIT_USAGE, "%s", L("MUSTER_PASSPHRASE is longer than 1023 bytes", "MUSTER_PASSPHRASE 超过 1023 字节"));
		memcpy(ps.p, e, ps.n);
	} else {
		char prompt[256];
		snprintf(prompt, sizeof prompt, L("Passphrase for %s: ", "%s 的口令: "), what);
		ps.n = read_tty(prompt, ps.p, PASS_MAX);
		if (ps.n == SIZE_MAX)
			die(EXIT_USAGE, "%s",
				L("no passphrase: give --passphrase-file FILE, set MUSTER_PASSPHRASE, or run on a terminal",
					"没有口令：请用 --passphrase-file 指定文件、设置 MUSTER_PASSPHRASE，或在终端中运行"));
		if (confirm) {
			char *again = sodium_malloc(PASS_MAX);
			if (!again)
				die(EXIT_IO, "%s", L("out of memory", "内存不足"));
			size_t n2 = read_tty(L("Again: ", "再输入一次: "), again, PASS_MAX);
			int same = n2 == ps.n && sodium_memcmp(again, ps.p, ps.n) == 0;
			sodium_free(again);
			if (!same)
				die(EXIT_USAGE, "%s", L("the two passphrases differ; try again", "两次输入的口令不一致；请重试"));
		}
	}
	ps.p[ps.n] = 0;
	if (ps.n == 0)
		die(EXIT_USAGE, L("the passphrase for %s is empty; choose a non-empty passphrase",
				    "%s 的口令为空；请使用非空口令"),
			what);
	return ps;
}

void cli_pass_free(struct pass *ps)
{
	sodium_free(ps->p); /* wipes */
	ps->p = NULL;
	ps->n = 0;
}

/*
 * The key musterd hands a command it runs for a signed-in person: the 32-byte
 * Ed25519 seed on the descriptor MUSTER_KEY_FD names (a pipe), read once into
 * sodium_malloc memory and wiped.  Never the passphrase, never a file.
 */
static int key_fd = -1;

/*
 * Checked first thing in main, before anything is opened: the number must
 * name a pipe the caller gave us, never a file of the store's opened later.
 */
static void key_fd_init(void)
{
	const char *v = getenv("MUSTER_KEY_FD");
	struct stat st;
	char *end;
	if (!v || !*v)
		return;
	errno = 0;
	long fd = strtol(v, &end, 10);
	if (errno || end == v || *end || fd < 3 || fd > INT_MAX || fstat((int)fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		die(EXIT_USAGE, L("MUSTER_KEY_FD '%s' is not an open pipe of descriptor 3 or more", "MUSTER_KEY_FD '%s' 不是编号不小于 3 的已打开管道"), v);
	key_fd = (int)fd;
}

static muster_signer *fd_signer(const char *v)
{
	int fd = key_fd;
	unsigned char *seed = sodium_malloc(32);
	size_t got = 0;
	while (seed && got < 32) {
		ssize_t n = read(fd, seed + got, 32 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	key_fd = -1;
	muster_signer *s = NULL;
	int rc = !seed ? MUSTER_ENOMEM : got != 32 ? MUSTER_EIO : muster_signer_from_seed(seed, &s);
	sodium_free(seed); /* wipes */
	if (rc)
		die(cli_exit_code(rc), L("cannot read the key from MUSTER_KEY_FD %s: %s", "无法从 MUSTER_KEY_FD %s 读取密钥：%s"), v,
			cli_strerror(rc));
	return s;
}

muster_signer *cli_signer(const struct opts *o)
{
	if (key_fd >= 0 && !o->key)
		return fd_signer(getenv("MUSTER_KEY_FD"));
	const char *path = o->key ? o->key : getenv("MUSTER_KEY");
	if (!path || !*path)
		die(EXIT_USAGE, "%s", L("this command is signed: give --key FILE or set MUSTER_KEY to your sealed key file",
					"此命令需要签名：请用 --key 指定或设置 MUSTER_KEY 为你的密钥文件"));
	struct pass ps = cli_passphrase(o, path, 0);
	muster_signer *s;
	int rc = muster_key_unseal(path, ps.p, ps.n, &s);
	cli_pass_free(&ps);
	if (rc == MUSTER_EPASS)
		die(EXIT_PERM, L("wrong passphrase for key '%s' (or the file was altered); try again",
				   "密钥 '%s' 的口令错误（或文件已被改动）；请重试"),
			path);
	if (rc == MUSTER_EINVAL)
		die(EXIT_USAGE, L("'%s' is not a muster key file; give the sealed key, not the .pub file",
				    "'%s' 不是 muster 密钥文件；请给出加密私钥文件，而不是 .pub 文件"),
			path);
	if (rc)
		die(cli_exit_code(rc), L("cannot read key '%s': %s; check the path", "无法读取密钥 '%s'：%s；请检查路径"), path,
			cli_strerror(rc));
	return s;
}

/*
 * A write the store could not take (MUSTER_EIO keeps errno): which store,
 * why, that nothing was written (one transaction), and what to do.
 */
static void store_write_failed(const char *what, int err)
{
	const char *dir = opened_dir ? opened_dir : L("the store", "存储库");
	switch (err) {
	case EFBIG:
		die(EXIT_IO, L("%s: store '%s' reached the largest file this process may write (%s); nothing was written. "
			       "Raise the file size limit (ulimit -f, systemd LimitFSIZE=)",
			       "%s：存储库 '%s' 已达到本进程可写文件的大小上限（%s），未写入任何内容。请提高文件大小限制（ulimit -f、systemd LimitFSIZE=）"),
			what, dir, strerror(err));
	case ENOSPC:
	case EDQUOT:
		die(EXIT_IO, L("%s: store '%s' is out of disk space (%s); nothing was written. Free space on its file system, "
			       "or move the store to a larger one and give --store DIR",
			       "%s：存储库 '%s' 所在磁盘空间不足（%s），未写入任何内容。请清理该文件系统的空间，或将存储库移到更大的磁盘并指定 --store 目录"),
			what, dir, strerror(err));
	case EROFS:
		die(EXIT_IO, L("%s: store '%s' is on a read-only file system; nothing was written. Remount it read-write, "
			       "or copy the store to a writable place and give --store DIR",
			       "%s：存储库 '%s' 位于只读文件系统，未写入任何内容。请以读写方式重新挂载，或将存储库复制到可写位置并指定 --store 目录"),
			what, dir);
	case EACCES:
	case EPERM:
		die(EXIT_IO, L("%s: store '%s' may not be written by this user (%s); nothing was written. Run muster as the "
			       "user who owns the store",
			       "%s：当前用户无权写入存储库 '%s'（%s），未写入任何内容。请以存储库所属用户运行 muster"),
			what, dir, strerror(err));
	default:
		die(EXIT_IO, L("%s: store '%s' could not be written (%s); nothing was written. Check its disk and free space; "
			       "'muster log verify' checks the store",
			       "%s：无法写入存储库 '%s'（%s），未写入任何内容。请检查磁盘及剩余空间；'muster log verify' 可核验存储库"),
			what, dir, strerror(err));
	}
}

void cli_write_failed(muster_store *s, const char *what, int rc)
{
	if (rc == MUSTER_EIO)
		store_write_failed(what, errno);
	const char *why = muster_store_why(s);
	if (why && *why)
		die(cli_exit_code(rc), "%s: %s (%s)", what, why, cli_strerror(rc));
	die(cli_exit_code(rc), "%s: %s", what, cli_strerror(rc));
}

/* Display columns of a UTF-8 string: East Asian wide characters take two. */
static size_t columns(const char *s, size_t n)
{
	size_t cols = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		if (len > n - i)
			break;
		cp = len == 1 ? c : len == 2 ? c & 0x1fu : len == 3 ? c & 0x0fu : c & 0x07u;
		for (size_t k = 1; k < len; k++)
			cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3fu);
		int wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
			(cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
			(cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd);
		cols += wide ? 2 : 1;
		i += len;
	}
	return cols;
}

void cli_col(muster_buf *b, const char *s, size_t n, size_t width)
{
	muster_buf_put(b, s, n);
	for (size_t c = columns(s, n); c < width; c++)
		muster_buf_put(b, " ", 1);
	muster_buf_put(b, "  ", 2);
}

/* Writes data to path whole or not at all: a temporary file beside it, then rename. */
void cli_write_file(const char *path, const muster_buf *data)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	if (!tmp)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	snprintf(tmp, n + 16, "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	int bad = !f, e = errno;
	if (f) {
		bad = fwrite(data->data, 1, data->len, f) != data->len;
		bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
		bad |= fclose(f) != 0;
		bad = bad || rename(tmp, path) != 0;
		e = errno;
		if (bad)
			unlink(tmp);
	}
	free(tmp);
	if (bad && !f)
		die(EXIT_IO, L("cannot write '%s': %s; check the directory exists and is writable",
				     "无法写入 '%s'：%s；请检查目录存在且可写"),
			path, strerror(e));
	if (bad)
		die(EXIT_IO, L("cannot write '%s': %s", "无法写入 '%s'：%s"), path, strerror(e));
}

void cli_emit(muster_buf *b)
{
	if (b->err)
		die(EXIT_IO, "%s", cli_strerror(b->err));
	if ((b->len && fwrite(b->data, 1, b->len, stdout) != b->len) || fflush(stdout) != 0) /* no data pointer when empty */
		die(EXIT_IO, L("cannot write output: %s", "无法写出结果：%s"), strerror(errno));
	muster_buf_free(b);
}

#ifdef __SANITIZE_ADDRESS__
/*
 * Under LeakSanitizer (configure --enable-asan): two leaks belong to the
 * label libraries and no caller can free them: fontconfig's parse of its
 * configuration, once per process, and cairo 1.16's CFF subsetter, 768
 * bytes per PDF that embeds Noto Sans CJK (tests/unit/test_label.c names
 * the same two).  Matching them by function needs whole stacks.
 */
__attribute__((visibility("default"), used)) const char *__lsan_default_suppressions(void);
__attribute__((visibility("default"), used)) const char *__asan_default_options(void);
__attribute__((visibility("default"), used)) const char *__lsan_default_options(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:FcInitLoadConfigAndFonts\nleak:cairo_surface_finish\n";
}
/* Known leaks stay quiet: a command's stderr is its one error line, or nothing. */
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}
#endif

/* The commands --mirrors applies to: the central views (docs/CLI.md, "Central views"). */
static int mirrors_apply(const char *cmd, const char *sub)
{
	if (strcmp(cmd, "ready") == 0 || strcmp(cmd, "due") == 0)
		return 1;
	if (strcmp(cmd, "audit") == 0)
		return strcmp(sub, "dispose") != 0 && strcmp(sub, "report") != 0 && strcmp(sub, "pubkey") != 0 &&
		       strcmp(sub, "evidence") != 0;
	return strcmp(cmd, "report") == 0 && strcmp(sub, "run") == 0;
}

int main(int argc, char **argv)
{
	progress_init(); /* before anything is opened: the descriptor must be the caller's, not one of ours */
	key_fd_init();
	struct opts o;
	memset(&o, 0, sizeof o);
	parse(argc, argv, &o);
	if (muster_init() != 0)
		die(EXIT_IO, "%s", L("libsodium could not start", "libsodium 无法初始化"));
	if (o.npos == 0)
		die(EXIT_USAGE, "%s", L("no command given; see 'muster --help'", "未给出命令；参见 'muster --help'"));
	const char *cmd = o.pos[0], *sub = o.npos > 1 ? o.pos[1] : "";
	if (o.mirrors && !mirrors_apply(cmd, sub))
		die(EXIT_USAGE, L("option '--mirrors' does not apply to 'muster %s%s%s'; it is for ready, due, audit, audit summary and report run",
				    "选项 '--mirrors' 不适用于 'muster %s%s%s'；它用于 ready、due、audit、audit summary 和 report run"),
			cmd, *sub ? " " : "", sub);
	static const char *const equip[] = {"team", "depot", "asset", "inspect", "count", "site", "person", "cert", "exam",
		"health", "deploy", "fund", "budget", "spend", NULL};
	for (int i = 0; equip[i]; i++)
		if (strcmp(cmd, equip[i]) == 0)
			return cmd_equip(&o, cmd, sub);
	if (strcmp(cmd, "audit") == 0 && strcmp(sub, "summary") == 0)
		return cmd_audit_summary(&o);
	if (strcmp(cmd, "audit") == 0)
		return strcmp(sub, "dispose") == 0 ? cmd_equip(&o, cmd, sub) : cmd_audit(&o);
	if (strcmp(cmd, "report") == 0)
		return cmd_report(&o);
	if (strcmp(cmd, "ready") == 0 || strcmp(cmd, "due") == 0)
		return cmd_people(&o, cmd, "");
	if (strcmp(cmd, "scan") == 0)
		return cmd_scan(&o);
	if (strcmp(cmd, "label") == 0)
		return cmd_label(&o);
	if (strcmp(cmd, "tag") == 0)
		return cmd_tag(&o, sub);
	if (strcmp(cmd, "gen") == 0)
		return cmd_gen(&o);
	if (strcmp(cmd, "log") == 0 && sub && (strcmp(sub, "export") == 0 || strcmp(sub, "bundle") == 0 || strcmp(sub, "cosigned") == 0 ||
		strcmp(sub, "witness") == 0 || strcmp(sub, "verify") == 0))
		return cmd_log(&o, sub); /* take --tiles, --since, --witness, --url, --against, which they check themselves */
	if (strcmp(cmd, "reindex") == 0)
		return cmd_reindex(&o); /* --check */
	if (strcmp(cmd, "backup") == 0)
		return cmd_backup(&o);
	if (strcmp(cmd, "compact") == 0)
		return cmd_compact(&o);
	if (strcmp(cmd, "restore") == 0)
		return cmd_restore(&o); /* --threads */
	if (strcmp(cmd, "mirror") == 0)
		return cmd_mirror(&o, sub); /* --vkey, --url, --reply, --stale-days: checked there */
	if (strcmp(cmd, "witness") == 0)
		return cmd_witness(&o, sub);
	if (strcmp(cmd, "import") == 0)
		return cmd_import(&o); /* --map, --dry-run, --rejects, --sheet: checked there */
	if (strcmp(cmd, "export") == 0)
		return cmd_export(&o);
	if (strcmp(cmd, "init") != 0)
		cli_no_extra(&o);
	if (strcmp(cmd, "init") == 0)
		return cmd_init(&o);
	if (strcmp(cmd, "key") == 0)
		return cmd_key(&o, sub);
	if (strcmp(cmd, "journal") == 0)
		return cmd_journal(&o, sub);
	if (strcmp(cmd, "log") == 0)
		return cmd_log(&o, sub);
	if (strcmp(cmd, "help") == 0) {
		usage();
		return EXIT_OK;
	}
	die(EXIT_USAGE, L("unknown command '%s'; see 'muster --help'", "未知命令 '%s'；参见 'muster --help'"), cmd);
}
