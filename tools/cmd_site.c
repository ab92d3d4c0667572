/* cmd_site.c - init, key, journal and reindex commands. */
#include "config.h"

#include "commands.h"

#include <errno.h>
#include <sodium.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

muster_kdf cli_kdf(const struct opts *o)
{
	if (!o->kdf || strcmp(o->kdf, "interactive") == 0)
		return MUSTER_KDF_INTERACTIVE;
	if (strcmp(o->kdf, "moderate") == 0)
		return MUSTER_KDF_MODERATE;
	if (strcmp(o->kdf, "min") == 0)
		return MUSTER_KDF_MIN;
	die(EXIT_USAGE, L("--kdf '%s' is not a cost level; use interactive, moderate or min",
			    "--kdf '%s' 不是有效强度；请用 interactive、moderate 或 min"),
		o->kdf);
}

/* Seals a new key pair to path (and path.pub); exits on failure. */
static muster_signer *new_key(const struct opts *o, const char *path)
{
	muster_signer *s;
	int rc = muster_signer_generate(&s);
	if (rc)
		die(EXIT_IO, "%s", cli_strerror(rc));
	struct pass ps = cli_passphrase(o, path, 1);
	rc = muster_key_seal(s, path, ps.p, ps.n, cli_kdf(o));
	cli_pass_free(&ps);
	if (rc == MUSTER_EEXIST)
		die(EXIT_USAGE, L("'%s' or '%s.pub' already exists; choose another file name (keys are never overwritten)",
				    "'%s' 或 '%s.pub' 已存在；请换一个文件名（密钥从不覆盖）"),
			path, path);
	if (rc)
		die(cli_exit_code(rc), L("cannot write key '%s': %s; check the directory", "无法写入密钥 '%s'：%s；请检查目录"),
			path, cli_strerror(rc));
	return s;
}

static void print_key_id(const struct opts *o, const uint8_t *pk, const char *file, int64_t index)
{
	char id[MUSTER_KEYID_HEX];
	muster_key_id_hex(pk, id);
	if (o->json) {
		muster_buf b = {0};
		muster_buf_printf(&b, "{\"key_id\":\"%s\",\"pk\":", id);
		muster_json_b64(&b, pk, MUSTER_PK_BYTES);
		if (file) {
			muster_buf_puts(&b, ",\"file\":");
			muster_json_cstr(&b, file);
		}
		if (index >= 0)
			muster_buf_printf(&b, ",\"index\":%" PRId64, index);
		muster_buf_puts(&b, "}\n");
		cli_emit(&b);
	} else {
		printf("%s\n", id);
	}
}

int cmd_init(const struct opts *o)
{
	const char *base_url = cli_opt(o, "base-url");
	for (int i = 0; i < o->nkv; i++)
		if (!o->kv[i].slotted && strncmp(o->kv[i].name, "base-url", 8) != 0)
			die(EXIT_USAGE, L("unknown option '--%s'; see 'muster --help'", "未知选项 '--%s'；参见 'muster --help'"),
				o->kv[i].name);
	if (!o->origin || !o->admin_key || o->npos != 1)
		die(EXIT_USAGE, "%s", L("usage: muster init --origin ORIGIN --admin-key FILE [--holder NAME] [--base-url URL]",
					"用法: muster init --origin 日志名 --admin-key 文件 [--holder 姓名] [--base-url 地址]"));
	if (base_url && !muster_url_valid(base_url, strlen(base_url)))
		die(EXIT_USAGE, L("--base-url '%s' must start with https:// or http://, hold no spaces and not end in '/'",
				    "--base-url '%s' 必须以 https:// 或 http:// 开头、不含空格、不以 '/' 结尾"),
			base_url);
	if (!muster_note_name_valid(o->origin, strlen(o->origin)))
		die(EXIT_USAGE, L("origin '%s' is not a valid log name; use UTF-8 without spaces or '+', e.g. "
				    "'muster.example.cn/team-07'",
				    "日志名 '%s' 无效；请用不含空格和 '+' 的 UTF-8 文本，如 'muster.example.cn/team-07'"),
			o->origin);
	const char *holder = o->holder ? o->holder : "admin";
	if (!*holder || strlen(holder) > MUSTER_NAME_MAX || !muster_utf8_valid(holder, strlen(holder)))
		die(EXIT_USAGE, L("holder '%s' must be non-empty UTF-8 of at most 256 bytes",
				    "持有人 '%s' 必须是非空的 UTF-8 文本，最长 256 字节"),
			holder);
	const char *dir = cli_store_dir(o);
	muster_store *probe;
	if (muster_store_open(dir, &probe) == 0) {
		muster_store_close(probe);
		die(EXIT_USAGE, L("a store already exists at '%s'; use it, or give --store a new directory",
				    "'%s' 处已有存储库；请直接使用，或用 --store 指定新目录"),
			dir);
	}
	muster_signer *admin = new_key(o, o->admin_key);
	muster_store *s;
	int rc = muster_store_create_url(dir, o->origin, admin, holder, base_url, &s);
	if (rc) {
		/* Nothing half-made: the new key goes too. */
		size_t n = strlen(o->admin_key) + 5;
		char *pub = malloc(n);
		unlink(o->admin_key);
		if (pub) {
			snprintf(pub, n, "%s.pub", o->admin_key);
			unlink(pub);
			free(pub);
		}
		muster_signer_free(admin);
		if (rc == MUSTER_EEXIST)
			die(EXIT_USAGE, L("'%s' already holds store files; give --store a new or empty directory",
					    "'%s' 已包含存储库文件；请用 --store 指定新的或空的目录"),
				dir);
		die(cli_exit_code(rc), L("cannot create store '%s': %s", "无法创建存储库 '%s'：%s"), dir, cli_strerror(rc));
	}
	if (!o->json) {
		char id[MUSTER_KEYID_HEX];
		muster_key_id_hex(muster_signer_pk(admin), id);
		printf(L("store %s created, origin %s\nadmin key %s written to %s (public: %s.pub)\n",
			       "已创建存储库 %s，日志名 %s\n管理员密钥 %s 已写入 %s（公钥：%s.pub）\n"),
			dir, o->origin, id, o->admin_key, o->admin_key);
	} else {
		print_key_id(o, muster_signer_pk(admin), o->admin_key, 0);
	}
	muster_signer_free(admin);
	muster_store_close(s);
	return EXIT_OK;
}

static uint64_t append_one(muster_store *s, muster_signer *signer, uint64_t type, muster_buf *body, const char *what)
{
	uint64_t index = 0;
	if (body->err)
		die(EXIT_USAGE, "%s: %s", what, cli_strerror(body->err));
	int rc = cli_append_body(s, signer, type, body->data, body->len, &index);
	muster_signer_free(signer);
	muster_buf_free(body);
	if (rc)
		cli_write_failed(s, what, rc);
	return index;
}

static uint32_t roles_of(const struct opts *o, const char *usage)
{
	uint32_t mask = 0;
	if (o->nroles == 0)
		die(EXIT_USAGE, "%s", usage);
	for (int i = 0; i < o->nroles; i++)
		if (muster_roles_parse(o->roles[i], &mask) != 0)
			die(EXIT_USAGE, L("role '%s' is unknown; roles are admin, keeper, hr, finance, approver, auditor, reporter",
					    "角色 '%s' 未知；可用角色：admin、keeper、hr、finance、approver、auditor、reporter"),
				o->roles[i]);
	return mask;
}

static void key_id_arg(const char *hex, uint8_t id[MUSTER_KEYID_BYTES])
{
	if (muster_key_id_parse(hex, id) != 0)
		die(EXIT_USAGE, L("'%s' is not a key id; give the 16 hex digits 'muster key list' shows",
				    "'%s' 不是密钥 ID；请给出 'muster key list' 显示的 16 位十六进制数"),
			hex);
}

/* The public key of an enrolled key id (exits if there is none). */
static void enrolled_pk(muster_store *s, const char *hex, uint8_t pk[MUSTER_PK_BYTES])
{
	uint8_t id[MUSTER_KEYID_BYTES];
	muster_key_info k;
	muster_buf buf = {0};
	key_id_arg(hex, id);
	int rc = muster_key_get(s, id, &k, &buf);
	muster_buf_free(&buf);
	if (rc == MUSTER_ENOTFOUND)
		die(EXIT_NOTFOUND, L("no key '%s' is enrolled; see 'muster key list'", "未登记密钥 '%s'；参见 'muster key list'"),
			hex);
	if (rc)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	memcpy(pk, k.pk, MUSTER_PK_BYTES);
}

/* Column widths of the human listings; the last column is free. */
static const size_t key_cols[] = {16, 26, 16};
static const size_t journal_cols[] = {6, 19, 16};

static void header(muster_buf *b, const size_t *cols, const char *a, const char *bb, const char *c, const char *d)
{
	cli_col(b, a, strlen(a), cols[0]);
	cli_col(b, bb, strlen(bb), cols[1]);
	cli_col(b, c, strlen(c), cols[2]);
	muster_buf_puts(b, d);
	muster_buf_puts(b, "\n");
}

struct list_ctx {
	const struct opts *o;
	muster_buf out;
	int n;
};

static int print_key(const muster_key_info *k, void *arg)
{
	struct list_ctx *c = arg;
	char id[MUSTER_KEYID_HEX], roles[128];
	sodium_bin2hex(id, sizeof id, k->id, MUSTER_KEYID_BYTES);
	if (muster_roles_format(k->roles, roles, sizeof roles) != 0)
		return MUSTER_EINVAL;
	if (c->o->json) {
		muster_buf_printf(&c->out, "%s{\"key_id\":\"%s\",\"pk\":", c->n++ ? "," : "", id);
		muster_json_b64(&c->out, k->pk, MUSTER_PK_BYTES);
		muster_buf_puts(&c->out, ",\"roles\":[");
		for (char *r = roles, *comma; *r; r = comma ? comma + 1 : r + strlen(r)) {
			comma = strchr(r, ',');
			if (r != roles)
				muster_buf_puts(&c->out, ",");
			muster_json_str(&c->out, r, comma ? (size_t)(comma - r) : strlen(r));
			if (!comma)
				break;
		}
		muster_buf_puts(&c->out, "],\"holder\":");
		muster_json_str(&c->out, k->holder.p, k->holder.n);
		muster_buf_printf(&c->out, ",\"enrolled_at\":%" PRIu64 ",\"revoked_at\":", k->enrolled_at);
		if (k->revoked_at == MUSTER_NOT_REVOKED)
			muster_buf_puts(&c->out, "null}");
		else
			muster_buf_printf(&c->out, "%" PRIu64 "}", k->revoked_at);
	} else {
		char state[48];
		if (k->revoked_at == MUSTER_NOT_REVOKED)
			snprintf(state, sizeof state, "%s", L("active", "有效"));
		else
			snprintf(state, sizeof state, L("revoked@%" PRIu64, "已吊销@%" PRIu64), k->revoked_at);
		cli_col(&c->out, id, strlen(id), key_cols[0]);
		cli_col(&c->out, roles, strlen(roles), key_cols[1]);
		cli_col(&c->out, state, strlen(state), key_cols[2]);
		muster_buf_put(&c->out, k->holder.p, k->holder.n);
		muster_buf_puts(&c->out, "\n");
	}
	return 0;
}

int cmd_key(const struct opts *o, const char *sub)
{
	if (strcmp(sub, "new") == 0) {
		if (!o->out || o->npos != 2)
			die(EXIT_USAGE, "%s", L("usage: muster key new --out FILE", "用法: muster key new --out 文件"));
		muster_signer *s = new_key(o, o->out);
		print_key_id(o, muster_signer_pk(s), o->out, -1);
		muster_signer_free(s);
		return EXIT_OK;
	}
	if (strcmp(sub, "enrol") == 0 || strcmp(sub, "enroll") == 0) {
		const char *use = L("usage: muster key enrol FILE.pub --role ROLE --holder NAME",
			"用法: muster key enrol 文件.pub --role 角色 --holder 姓名");
		if (o->npos != 3 || !o->holder)
			die(EXIT_USAGE, "%s", use);
		uint32_t roles = roles_of(o, use);
		if (!*o->holder || strlen(o->holder) > MUSTER_NAME_MAX || !muster_utf8_valid(o->holder, strlen(o->holder)))
			die(EXIT_USAGE, L("holder '%s' must be non-empty UTF-8 of at most 256 bytes",
					    "持有人 '%s' 必须是非空的 UTF-8 文本，最长 256 字节"),
				o->holder);
		uint8_t pk[MUSTER_PK_BYTES];
		int rc = muster_pub_read(o->pos[2], pk);
		if (rc)
			die(EXIT_USAGE, L("cannot read public key '%s': %s; give the FILE.pub that 'muster key new' wrote",
					    "无法读取公钥 '%s'：%s；请给出 'muster key new' 生成的 .pub 文件"),
				o->pos[2], cli_strerror(rc));
		muster_store *s = cli_open(o);
		muster_signer *signer = cli_signer(o);
		muster_buf body = {0};
		muster_ev_key v = {pk, roles, {o->holder, strlen(o->holder)}};
		muster_ev_key_encode(&body, MUSTER_EV_KEY_ENROL, &v);
		uint64_t index = append_one(s, signer, MUSTER_EV_KEY_ENROL, &body, L("key enrol refused", "登记密钥被拒绝"));
		print_key_id(o, pk, NULL, (int64_t)index);
		muster_store_close(s);
		return EXIT_OK;
	}
	if (strcmp(sub, "roles") == 0 || strcmp(sub, "revoke") == 0) {
		int revoke = sub[1] == 'e';
		const char *use = revoke ? L("usage: muster key revoke KEYID [--reason TEXT]", "用法: muster key revoke 密钥ID [--reason 原因]")
					 : L("usage: muster key roles KEYID --role ROLE", "用法: muster key roles 密钥ID --role 角色");
		if (o->npos != 3)
			die(EXIT_USAGE, "%s", use);
		uint32_t roles = revoke ? 0 : roles_of(o, use);
		const char *reason = o->reason ? o->reason : "";
		if (strlen(reason) > MUSTER_TEXT_MAX || !muster_utf8_valid(reason, strlen(reason)))
			die(EXIT_USAGE, "%s", L("--reason must be UTF-8 text of at most 16384 bytes", "--reason 必须是 UTF-8 文本，最长 16384 字节"));
		muster_store *s = cli_open(o);
		uint8_t pk[MUSTER_PK_BYTES];
		enrolled_pk(s, o->pos[2], pk);
		muster_signer *signer = cli_signer(o);
		muster_buf body = {0};
		muster_ev_key v = {pk, roles, {reason, strlen(reason)}};
		uint64_t type = revoke ? MUSTER_EV_KEY_REVOKE : MUSTER_EV_KEY_ROLES;
		muster_ev_key_encode(&body, type, &v);
		uint64_t index = append_one(s, signer, type, &body,
			revoke ? L("key revoke refused", "吊销密钥被拒绝") : L("key roles refused", "变更角色被拒绝"));
		if (o->json)
			printf("{\"key_id\":\"%s\",\"index\":%" PRIu64 "}\n", o->pos[2], index);
		else
			printf(L("%s %s at entry %" PRIu64 "\n", "%s 已%s，日志条目 %" PRIu64 "\n"), o->pos[2],
				revoke ? L("revoked", "吊销") : L("roles changed", "变更角色"), index);
		muster_store_close(s);
		return EXIT_OK;
	}
	if (strcmp(sub, "list") == 0) {
		muster_store *s = cli_open(o);
		struct list_ctx c = {o, {0}, 0};
		if (o->json)
			muster_buf_puts(&c.out, "[");
		else
			header(&c.out, key_cols, L("KEY ID", "密钥ID"), L("ROLES", "角色"), L("STATE", "状态"), L("HOLDER", "持有人"));
		int rc = muster_key_list(s, print_key, &c);
		if (rc)
			die(cli_exit_code(rc), L("cannot list keys: %s", "无法列出密钥：%s"), cli_strerror(rc));
		if (o->json)
			muster_buf_puts(&c.out, "]\n");
		cli_emit(&c.out);
		muster_store_close(s);
		return EXIT_OK;
	}
	die(EXIT_USAGE, L("unknown key command '%s'; use new, enrol, roles, revoke or list",
			    "未知的 key 子命令 '%s'；可用 new、enrol、roles、revoke、list"),
		sub);
}

static int print_journal(const muster_journal_info *j, void *arg)
{
	struct list_ctx *c = arg;
	char id[MUSTER_KEYID_HEX], t[32];
	sodium_bin2hex(id, sizeof id, j->signer_id, MUSTER_KEYID_BYTES);
	if (c->o->json) {
		muster_buf_printf(&c->out, "%s{\"index\":%" PRIu64 ",\"time\":", c->n++ ? "," : "", j->index);
		muster_json_time(&c->out, j->time_ms);
		muster_buf_printf(&c->out, ",\"signer\":\"%s\",\"text\":", id);
		muster_json_str(&c->out, j->text.p, j->text.n);
		muster_buf_puts(&c->out, "}");
	} else {
		muster_time_local(j->time_ms, t);
		char ix[24];
		snprintf(ix, sizeof ix, "%" PRIu64, j->index);
		cli_col(&c->out, ix, strlen(ix), journal_cols[0]);
		cli_col(&c->out, t, strlen(t), journal_cols[1]);
		cli_col(&c->out, id, strlen(id), journal_cols[2]);
		muster_buf_put(&c->out, j->text.p, j->text.n);
		muster_buf_puts(&c->out, "\n");
	}
	return 0;
}

int cmd_journal(const struct opts *o, const char *sub)
{
	if (strcmp(sub, "add") == 0) {
		if (o->npos != 3)
			die(EXIT_USAGE, "%s", L("usage: muster journal add TEXT (quote the text)", "用法: muster journal add 文本（请给文本加引号）"));
		const char *text = o->pos[2];
		size_t n = strlen(text);
		if (n == 0 || n > MUSTER_TEXT_MAX || !muster_utf8_valid(text, n))
			die(EXIT_USAGE, "%s", L("journal text must be non-empty UTF-8 of at most 16384 bytes",
						"值班记录必须是非空的 UTF-8 文本，最长 16384 字节"));
		muster_store *s = cli_open(o);
		muster_signer *signer = cli_signer(o);
		muster_buf body = {0};
		muster_ev_journal v = {{text, n}};
		muster_ev_journal_encode(&body, &v);
		uint64_t index = append_one(s, signer, MUSTER_EV_JOURNAL, &body, L("journal add refused", "追加值班记录被拒绝"));
		if (o->json)
			printf("{\"index\":%" PRIu64 "}\n", index);
		else
			printf(L("journal entry %" PRIu64 " signed and appended\n", "值班记录已签名并追加，条目 %" PRIu64 "\n"), index);
		muster_store_close(s);
		return EXIT_OK;
	}
	if (strcmp(sub, "list") == 0) {
		muster_store *s = cli_open(o);
		struct list_ctx c = {o, {0}, 0};
		if (o->json)
			muster_buf_puts(&c.out, "[");
		else
			header(&c.out, journal_cols, L("ENTRY", "条目"), L("TIME (UTC+8)", "时间（北京）"), L("SIGNER", "签名人"),
				L("TEXT", "内容"));
		int rc = muster_journal_list(s, print_journal, &c);
		if (rc)
			die(cli_exit_code(rc), L("cannot list the journal: %s", "无法列出值班记录：%s"), cli_strerror(rc));
		if (o->json)
			muster_buf_puts(&c.out, "]\n");
		cli_emit(&c.out);
		muster_store_close(s);
		return EXIT_OK;
	}
	die(EXIT_USAGE, L("unknown journal command '%s'; use add or list", "未知的 journal 子命令 '%s'；可用 add、list"), sub);
}

int cmd_reindex(const struct opts *o)
{
	if (cli_opt(o, "check"))
		return cli_reindex_check(o);
	cli_no_extra(o);
	muster_store *s = cli_open(o);
	int rc = muster_reindex(s);
	if (rc)
		cli_write_failed(s, L("reindex failed", "重建索引失败"), rc);
	uint64_t size = 0;
	if (muster_log_size(s, &size) != 0)
		size = 0;
	if (o->json)
		printf("{\"entries\":%" PRIu64 "}\n", size);
	else
		printf(L("projections rebuilt from %" PRIu64 " entries\n", "已从 %" PRIu64 " 条日志重建全部投影\n"), size);
	muster_store_close(s);
	return EXIT_OK;
}
