/*
 * cmd_scan.c - what a scanned label means, the scanning session, and
 * checking labels offline.
 *
 * A keyboard-wedge scanner types a label's payload and Enter; so does a
 * person with a keyboard.  `muster scan` unseals the key once and then
 * commits one event per line before it answers that line: an answer on the
 * screen means the step is on disk.
 */
#include "config.h"

#include "equip_cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAYW(...) snprintf(why, whylen, __VA_ARGS__)

int cli_asset_ref(muster_snap *sn, const char *text, char id[MUSTER_TAG_ID_MAX + 1], char *why, size_t whylen)
{
	size_t n = strlen(text);
	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	while (n && isspace((unsigned char)*text))
		text++, n--;
	muster_rec a;
	if (n == 0) {
		SAYW("%s", L("empty line", "空行"));
		return MUSTER_EINVAL;
	}
	size_t code = 0; /* a typed asset id: letters, digits, '-', '_', '.' */
	while (code < n && (isalnum((unsigned char)text[code]) || strchr("-_.", text[code])))
		code++;
	if (code == n && n <= MUSTER_TAG_ID_MAX) {
		memcpy(id, text, n);
		id[n] = 0;
		if (muster_row_cget(sn, MUSTER_T_ASSET, id, &a) != 0) {
			SAYW(L("asset %s is not registered", "资产 %s 未登记"), id);
			return MUSTER_ENOTFOUND;
		}
		return 0;
	}
	muster_tag t;
	uint64_t cur;
	int reason;
	int rc = muster_label_check(sn, text, n, &t, &cur, &reason);
	switch (rc ? reason : MUSTER_LBL_OK) {
	case MUSTER_LBL_OK:
		break;
	case MUSTER_LBL_NOT_LABEL:
		SAYW(L("'%.*s' is not a Muster label (expected <base URL>/t/<tag>)", "'%.*s' 不是 Muster 标签（应为 <站点地址>/t/<标签码>）"),
			(int)(n > 80 ? 80 : n), text);
		return rc;
	case MUSTER_LBL_FOREIGN:
		SAYW(L("label of another site (%.*s): not one of ours", "其他站点的标签（%.*s）：不属于本站"), (int)t.base_len, text);
		return rc;
	case MUSTER_LBL_FORGED:
		SAYW(L("forged or damaged label for '%s': its signature does not verify with this site's tag key",
			       "标签（'%s'）系伪造或已损坏：签名无法用本站标签公钥验证"),
			t.id);
		return rc;
	case MUSTER_LBL_UNKNOWN:
		SAYW(L("label for asset %s, which is not registered here", "标签对应的资产 %s 在本站未登记"), t.id);
		return rc;
	case MUSTER_LBL_REVOKED:
		SAYW(L("revoked label: asset %s label %" PRIu64 " was replaced by label %" PRIu64,
			       "标签已作废：资产 %s 的第 %" PRIu64 " 号标签已由第 %" PRIu64 " 号取代"),
			t.id, t.serial, cur);
		return rc;
	case MUSTER_LBL_NOT_ISSUED:
		SAYW(L("asset %s label %" PRIu64 " was never issued (current %" PRIu64 ")", "资产 %s 的第 %" PRIu64 " 号标签从未签发（当前为 %" PRIu64 "）"),
			t.id, t.serial, cur);
		return rc;
	default:
		SAYW("%s", cli_strerror(rc));
		return rc;
	}
	memcpy(id, t.id, t.id_len + 1);
	return 0;
}

void cli_resolve_asset(muster_store *s, const char *text, char id[MUSTER_TAG_ID_MAX + 1])
{
	muster_snap *sn;
	char why[512];
	int rc = muster_snap_begin(s, &sn);
	if (rc)
		die(cli_exit_code(rc), L("cannot read the store: %s", "无法读取存储库：%s"), cli_strerror(rc));
	rc = cli_asset_ref(sn, text, id, why, sizeof why);
	muster_snap_end(sn);
	if (rc)
		die(cli_exit_code(rc), "%s", why);
}

static const struct action {
	const char *name;
	uint64_t type;
} actions[] = {
	{"checkout", MUSTER_EV_CHECKOUT},
	{"return", MUSTER_EV_RETURN},
	{"repair-out", MUSTER_EV_REPAIR_OUT},
	{"repair-back", MUSTER_EV_REPAIR_BACK},
	{"inspect", MUSTER_EV_INSPECT},
	{"handover", MUSTER_EV_HANDOVER},
	{"accept", MUSTER_EV_ACCEPT},
	{"cancel", MUSTER_EV_CANCEL},
	{"requisition", MUSTER_EV_REQUISITION},
	{"release", MUSTER_EV_RELEASE},
	{"scrap", MUSTER_EV_SCRAP},
	{"count", MUSTER_EV_COUNT_SCAN},
};

struct session {
	const struct opts *o;
	int tty;
	unsigned long ok, refused;
};

static void answer_ok(struct session *ss, unsigned long line, const char *id, muster_store *s, uint64_t index)
{
	muster_snap *sn = NULL;
	muster_rec a;
	muster_buf b = {0};
	int have = 0;
	if (muster_snap_begin(s, &sn) == 0)
		have = muster_row_cget(sn, MUSTER_T_ASSET, id, &a) == 0;
	else
		sn = NULL;
	ss->ok++;
	if (ss->o->json) {
		muster_buf_printf(&b, "{\"line\":%lu,\"ok\":true,\"id\":", line);
		muster_json_cstr(&b, id);
		muster_buf_printf(&b, ",\"index\":%" PRIu64, index);
		if (have)
			muster_buf_printf(&b, ",\"state\":\"%s\"", muster_asset_states[a.v[MF_STATE].u]);
		muster_buf_puts(&b, "}\n");
	} else {
		muster_buf_puts(&b, ss->tty ? "\033[32m" : "");
		muster_buf_printf(&b, "%s  %s", L("ok", "成功"), id);
		if (have) {
			muster_buf_puts(&b, "  ");
			muster_buf_put(&b, a.v[MF_TYPE].p, a.v[MF_TYPE].n);
			muster_buf_puts(&b, "  ");
			muster_fv_format(&b, muster_field_get(MF_STATE), &a.v[MF_STATE], cli_zh());
		}
		muster_buf_printf(&b, L(", entry %" PRIu64, "，条目 %" PRIu64), index);
		muster_buf_puts(&b, ss->tty ? "\033[0m\n" : "\n");
	}
	muster_snap_end(sn);
	cli_emit(&b);
}

static void answer_refused(struct session *ss, unsigned long line, const char *why)
{
	muster_buf b = {0};
	ss->refused++;
	if (ss->o->json) {
		muster_buf_printf(&b, "{\"line\":%lu,\"ok\":false,\"error\":", line);
		muster_json_cstr(&b, why);
		muster_buf_puts(&b, "}\n");
	} else {
		/* A bell and red on a terminal: the keeper is looking at the shelf, not the screen. */
		muster_buf_printf(&b, "%s%s %lu: %s%s\n", ss->tty ? "\a\033[31m" : "", L("refused line", "拒绝 第"), line,
			why, ss->tty ? "\033[0m" : "");
	}
	cli_emit(&b);
}

int cmd_scan(const struct opts *o)
{
	static const char *const extra[] = {"action", NULL};
	const char *act = cli_opt(o, "action");
	const struct action *a = NULL;
	for (size_t i = 0; act && i < sizeof actions / sizeof actions[0]; i++)
		if (strcmp(actions[i].name, act) == 0)
			a = &actions[i];
	if (!a || o->npos != 1)
		die(EXIT_USAGE, "%s", L("usage: muster scan --action checkout|return|repair-out|repair-back|inspect|handover|"
					 "accept|cancel|requisition|release|scrap|count [options]  (payloads on standard input)",
					 "用法: muster scan --action checkout|return|repair-out|repair-back|inspect|handover|"
					 "accept|cancel|requisition|release|scrap|count [选项]（从标准输入逐行读取标签）"));
	char what[64];
	snprintf(what, sizeof what, "muster scan --action %s", a->name);
	muster_mask allowed, required;
	if (!muster_event_schema(a->type, &allowed, &required))
		die(EXIT_IO, "no schema");
	muster_rec base;
	struct field_bufs fb;
	memset(&fb, 0, sizeof fb);
	muster_rec_clear(&base);
	cli_fields(o, what, allowed & ~MUSTER_BIT(MF_ID), extra, &base, &fb);
	if (a->type == MUSTER_EV_INSPECT && !MUSTER_HAS(&base, MF_DATE))
		muster_rec_uint(&base, MF_DATE, cli_today());
	muster_rec probe = base;
	muster_rec_cstr(&probe, MF_ID, "x");
	cli_require(what, a->type, &probe);

	muster_store *s = cli_open(o);
	muster_signer *signer = cli_signer(o); /* once for the whole session */
	struct session ss = {o, isatty(STDOUT_FILENO), 0, 0};
	char line[MUSTER_PAYLOAD_MAX * 2];
	unsigned long ln = 0;
	while (fgets(line, sizeof line, stdin)) {
		char id[MUSTER_TAG_ID_MAX + 1], why[512];
		size_t n = strlen(line);
		ln++;
		if (n == sizeof line - 1 && line[n - 1] != '\n') { /* an overlong line: drop the rest of it */
			int ch;
			while ((ch = getchar()) != EOF && ch != '\n')
				;
			answer_refused(&ss, ln, L("line too long to be a label", "行过长，不是标签"));
			continue;
		}
		int blank = 1;
		for (size_t i = 0; i < n; i++)
			blank &= isspace((unsigned char)line[i]) != 0;
		if (blank)
			continue;
		muster_snap *sn;
		int rc = muster_snap_begin(s, &sn);
		if (rc)
			die(cli_exit_code(rc), L("cannot read the store: %s", "无法读取存储库：%s"), cli_strerror(rc));
		rc = cli_asset_ref(sn, line, id, why, sizeof why);
		muster_snap_end(sn);
		if (rc) {
			answer_refused(&ss, ln, why);
			continue;
		}
		muster_rec r = base;
		uint64_t index;
		muster_rec_cstr(&r, MF_ID, id);
		rc = cli_append_rec(s, signer, a->type, &r, &index);
		if (rc == MUSTER_EIO) { /* the store, not the label: the next line would fail too */
			int err = errno;
			answer_refused(&ss, ln, cli_strerror(rc));
			fflush(stdout);
			errno = err;
			cli_write_failed(s, L("muster scan stopped", "扫描已停止"), rc);
		}
		if (rc) {
			const char *w = muster_store_why(s);
			snprintf(why, sizeof why, "%s: %s", id, w && *w ? w : cli_strerror(rc));
			answer_refused(&ss, ln, why);
			continue;
		}
		answer_ok(&ss, ln, id, s, index);
	}
	muster_signer_free(signer);
	field_bufs_free(&fb);
	muster_store_close(s);
	if (!o->json)
		fprintf(stderr, L("muster scan: %lu done, %lu refused\n", "muster scan：成功 %lu，拒绝 %lu\n"), ss.ok, ss.refused);
	return ss.refused ? EXIT_USAGE : EXIT_OK;
}

int cmd_tag(const struct opts *o, const char *sub)
{
	if (strcmp(sub, "vkey") == 0) {
		cli_no_extra(o);
		muster_store *s = cli_open(o);
		muster_snap *sn;
		uint8_t pk[MUSTER_PK_BYTES];
		muster_buf b = {0};
		int rc = muster_snap_begin(s, &sn);
		if (rc == 0) {
			rc = muster_snap_tag_pk(sn, pk);
			muster_snap_end(sn);
		}
		if (rc)
			die(cli_exit_code(rc), L("cannot read the tag key: %s", "无法读取标签公钥：%s"), cli_strerror(rc));
		muster_vkey_format(&b, muster_store_origin(s), pk);
		muster_buf_puts(&b, "\n");
		cli_emit(&b);
		muster_store_close(s);
		return EXIT_OK;
	}
	if (strcmp(sub, "check") == 0) {
		/* Offline: needs only the verifier key, not the store; revocation needs the store (muster scan). */
		const char *vk = cli_opt(o, "vkey");
		muster_verifier v;
		for (int i = 0; i < o->nkv; i++)
			if (!o->kv[i].slotted && strncmp(o->kv[i].name, "vkey", 4) != 0)
				die(EXIT_USAGE, L("unknown option '--%s'; see 'muster --help'", "未知选项 '--%s'；参见 'muster --help'"),
					o->kv[i].name);
		if (!vk || o->npos < 3)
			die(EXIT_USAGE, "%s", L("usage: muster tag check --vkey VKEY PAYLOAD...", "用法: muster tag check --vkey 验证公钥 标签..."));
		if (muster_vkey_parse(vk, strlen(vk), &v) != 0)
			die(EXIT_USAGE, L("--vkey '%s' is not a verifier key; get it with 'muster tag vkey'",
					    "--vkey '%s' 不是验证公钥；请用 'muster tag vkey' 获取"),
				vk);
		int bad = 0;
		for (int i = 2; i < o->npos; i++) {
			muster_tag t;
			int ok = muster_tag_parse(o->pos[i], strlen(o->pos[i]), &t) == 0 && muster_tag_verify(&t, v.name, v.pk) == 0;
			if (o->json) {
				muster_buf b = {0};
				muster_buf_printf(&b, "{\"ok\":%s", ok ? "true" : "false");
				if (ok) {
					muster_buf_puts(&b, ",\"id\":");
					muster_json_cstr(&b, t.id);
					muster_buf_printf(&b, ",\"label\":%" PRIu64, t.serial);
				}
				muster_buf_puts(&b, "}\n");
				cli_emit(&b);
			} else if (ok) {
				printf(L("ok  %s label %" PRIu64 " signed by %s\n", "有效  %s 第 %" PRIu64 " 号标签，由 %s 签发\n"), t.id,
					t.serial, v.name);
			} else {
				printf(L("BAD  %s: not signed by %s\n", "无效  %s：不是 %s 签发的标签\n"), o->pos[i], v.name);
			}
			bad |= !ok;
		}
		return bad ? EXIT_VERIFY : EXIT_OK;
	}
	die(EXIT_USAGE, L("unknown tag command '%s'; use vkey or check", "未知的 tag 子命令 '%s'；可用 vkey、check"), sub);
}
