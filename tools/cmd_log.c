/* cmd_log.c - the log commands: vkey, checkpoint, proof, consistency, show, verify (export: tiles.c); reindex --check. */
#include "config.h"

#include "attach.h"
#include "commands.h"
#include "equip_cli.h"
#include "progress.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t latest_size(muster_store *s)
{
	muster_buf b = {0};
	uint64_t size;
	int rc = muster_log_checkpoint(s, UINT64_MAX, &b, &size);
	muster_buf_free(&b);
	if (rc)
		die(cli_exit_code(rc), L("the store has no checkpoint: %s", "存储库中没有检查点：%s"), cli_strerror(rc));
	return size;
}

void cli_proof_json(muster_buf *b, uint8_t (*proof)[MUSTER_HASH_BYTES], size_t n)
{
	muster_buf_puts(b, "\"proof\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			muster_buf_puts(b, ",");
		muster_json_b64(b, proof[i], MUSTER_HASH_BYTES);
	}
	muster_buf_puts(b, "]");
}

static int log_checkpoint(const struct opts *o, muster_store *s)
{
	uint64_t want = o->size ? cli_uint("--size", o->size) : UINT64_MAX, got;
	muster_buf note = {0};
	int rc = muster_log_checkpoint(s, want, &note, &got);
	if (rc == MUSTER_ENOTFOUND)
		die(EXIT_NOTFOUND, L("no checkpoint was signed at size %s; 'muster log show' lists sizes, the latest is the default",
				       "没有为大小 %s 签发过检查点；默认取最新检查点"),
			o->size);
	if (rc)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	if (o->json) {
		muster_buf b = {0};
		uint8_t root[MUSTER_HASH_BYTES];
		if ((rc = muster_log_root(s, got, root)) != 0)
			die(cli_exit_code(rc), "%s", cli_strerror(rc));
		muster_buf_printf(&b, "{\"size\":%" PRIu64 ",\"root\":", got);
		muster_json_b64(&b, root, sizeof root);
		muster_buf_puts(&b, ",\"note\":");
		muster_json_str(&b, (const char *)note.data, note.len);
		muster_buf_puts(&b, "}\n");
		muster_buf_free(&note);
		cli_emit(&b);
	} else {
		cli_emit(&note);
	}
	return EXIT_OK;
}

static int log_proof(const struct opts *o, muster_store *s)
{
	if (!o->index)
		die(EXIT_USAGE, "%s", L("usage: muster log proof --index I [--size N]", "用法: muster log proof --index I [--size N]"));
	uint64_t index = cli_uint("--index", o->index);
	uint64_t size = o->size ? cli_uint("--size", o->size) : latest_size(s);
	uint64_t have;
	int rc = muster_log_size(s, &have);
	if (rc)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	if (size == 0)
		die(EXIT_USAGE, "%s", L("--size must be at least 1: the empty tree has no entries to prove",
					"--size 至少为 1：空树中没有可证明的条目"));
	if (size > have)
		die(EXIT_NOTFOUND, L("--size %" PRIu64 " is beyond the log, which holds %" PRIu64 " entries",
				       "--size %" PRIu64 " 超出日志范围（日志共 %" PRIu64 " 条）"),
			size, have);
	if (index >= size)
		die(EXIT_NOTFOUND, L("--index %" PRIu64 " is not in a tree of size %" PRIu64 "; indexes start at 0",
				       "--index %" PRIu64 " 不在大小为 %" PRIu64 " 的树中；索引从 0 开始"),
			index, size);
	uint8_t proof[MUSTER_PROOF_MAX][MUSTER_HASH_BYTES];
	size_t n;
	muster_buf entry = {0}, b = {0};
	if ((rc = muster_log_prove_inclusion(s, index, size, proof, &n)) != 0 ||
		(rc = muster_log_entry(s, index, &entry)) != 0)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	muster_buf_printf(&b, "{\"index\":%" PRIu64 ",\"size\":%" PRIu64 ",\"leaf\":", index, size);
	muster_json_b64(&b, entry.data, entry.len);
	muster_buf_puts(&b, ",");
	cli_proof_json(&b, proof, n);
	muster_buf_puts(&b, "}\n");
	muster_buf_free(&entry);
	cli_emit(&b);
	return EXIT_OK;
}

static int log_consistency(const struct opts *o, muster_store *s)
{
	if (!o->old)
		die(EXIT_USAGE, "%s", L("usage: muster log consistency --old M [--new N]", "用法: muster log consistency --old M [--new N]"));
	uint64_t old = cli_uint("--old", o->old);
	uint64_t nw = o->new_ ? cli_uint("--new", o->new_) : latest_size(s);
	uint64_t have;
	int rc = muster_log_size(s, &have);
	if (rc)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	if (nw > have)
		die(EXIT_NOTFOUND, L("--new %" PRIu64 " is beyond the log, which holds %" PRIu64 " entries",
				       "--new %" PRIu64 " 超出日志范围（日志共 %" PRIu64 " 条）"),
			nw, have);
	if (old == 0 || old > nw)
		die(EXIT_USAGE, L("--old %" PRIu64 " must be between 1 and --new %" PRIu64, "--old %" PRIu64 " 必须在 1 与 --new %" PRIu64 " 之间"),
			old, nw);
	uint8_t proof[MUSTER_PROOF_MAX][MUSTER_HASH_BYTES];
	size_t n;
	if ((rc = muster_log_prove_consistency(s, old, nw, proof, &n)) != 0)
		die(cli_exit_code(rc), "%s", cli_strerror(rc));
	muster_buf b = {0};
	muster_buf_printf(&b, "{\"old_size\":%" PRIu64 ",\"new_size\":%" PRIu64 ",", old, nw);
	cli_proof_json(&b, proof, n);
	muster_buf_puts(&b, "}\n");
	cli_emit(&b);
	return EXIT_OK;
}

struct show_ctx {
	const struct opts *o;
	muster_buf out;
	int n;
};

/* The body of a decoded entry in words, for people. */
static void describe(muster_buf *b, const muster_entry *e)
{
	char kid[MUSTER_KEYID_HEX], roles[128];
	switch (e->type) {
	case MUSTER_EV_SITE_INIT: {
		muster_ev_site_init v;
		if (muster_ev_site_init_decode(e->body, e->body_len, &v) != 0)
			break;
		muster_buf_printf(b, L("origin %.*s, first admin %.*s", "日志名 %.*s，首位管理员 %.*s"), (int)v.origin.n, v.origin.p,
			(int)v.holder.n, v.holder.p);
		return;
	}
	case MUSTER_EV_KEY_ENROL:
	case MUSTER_EV_KEY_ROLES:
	case MUSTER_EV_KEY_REVOKE: {
		muster_ev_key v;
		if (muster_ev_key_decode(e->type, e->body, e->body_len, &v) != 0)
			break;
		muster_key_id_hex(v.pk, kid);
		if (e->type != MUSTER_EV_KEY_REVOKE && muster_roles_format(v.roles, roles, sizeof roles) != 0)
			break;
		if (e->type == MUSTER_EV_KEY_ENROL)
			muster_buf_printf(b, L("key %s for %.*s, roles %s", "密钥 %s，持有人 %.*s，角色 %s"), kid, (int)v.text.n, v.text.p, roles);
		else if (e->type == MUSTER_EV_KEY_ROLES)
			muster_buf_printf(b, L("key %s now has roles %s", "密钥 %s 的角色改为 %s"), kid, roles);
		else
			muster_buf_printf(b, L("key %s revoked: %.*s", "吊销密钥 %s：%.*s"), kid, (int)v.text.n, v.text.p);
		return;
	}
	case MUSTER_EV_JOURNAL: {
		muster_ev_journal v;
		if (muster_ev_journal_decode(e->body, e->body_len, &v) != 0)
			break;
		muster_buf_put(b, v.text.p, v.text.n);
		return;
	}
	default: {
		muster_mask allowed, required;
		muster_rec r;
		if (!muster_event_schema(e->type, &allowed, &required) ||
			muster_rec_decode(e->body, e->body_len, allowed, required, &r, NULL, 0) != 0)
			break;
		muster_rec_words(b, &r, cli_zh(), MUSTER_BIT(MF_DIGEST));
		return;
	}
	}
	muster_buf_printf(b, L("(%zu bytes of an unknown event)", "（未知事件，%zu 字节）"), e->body_len);
}

static int show_one(uint64_t index, const uint8_t *p, size_t len, void *arg)
{
	struct show_ctx *c = arg;
	muster_entry e;
	int rc = muster_entry_decode(p, len, &e);
	if (rc) {
		die(EXIT_VERIFY, L("entry %" PRIu64 " does not decode (%s); run 'muster log verify'",
				     "条目 %" PRIu64 " 无法解码（%s）；请运行 'muster log verify'"),
			index, cli_strerror(rc));
	}
	if (c->o->json) {
		if (c->n++)
			muster_buf_puts(&c->out, ",\n");
		muster_entry_json(&c->out, &e);
		return 0;
	}
	/* Human form: one entry a line, times in Asia/Shanghai, the body's fields in words. */
	char t[32], id[MUSTER_KEYID_HEX];
	muster_time_local(e.time_ms, t);
	muster_key_id_hex(e.signer, id);
	const char *name = muster_event_name(e.type);
	muster_buf_printf(&c->out, "%6" PRIu64 "  %s  %-19s  %s  ", index, t, name ? name : "?", id);
	describe(&c->out, &e);
	muster_buf_puts(&c->out, "\n");
	return 0;
}

static int log_show(const struct opts *o, muster_store *s)
{
	uint64_t from = o->from ? cli_uint("--from", o->from) : 0;
	uint64_t count = o->count ? cli_uint("--count", o->count) : UINT64_MAX;
	struct show_ctx c = {o, {0}, 0};
	if (o->json)
		muster_buf_puts(&c.out, "[");
	int rc = muster_log_scan(s, from, count, show_one, &c);
	if (rc == MUSTER_ECORRUPT || rc == MUSTER_EVERIFY)
		die(EXIT_VERIFY, L("the log in '%s' is damaged; run 'muster log verify' to find where",
				     "'%s' 中的日志已损坏；请运行 'muster log verify' 找出位置"),
			cli_store_dir(o));
	if (rc)
		die(cli_exit_code(rc), L("cannot read the log: %s", "无法读取日志：%s"), cli_strerror(rc));
	if (o->json)
		muster_buf_puts(&c.out, "]\n");
	cli_emit(&c.out);
	return EXIT_OK;
}

/* FILE, a signed checkpoint kept outside the store, for --against (at most a note's size). */
static void read_note(const char *path, muster_buf *b)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die(EXIT_IO, L("cannot read %s: %s", "无法读取 %s：%s"), path, strerror(errno));
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b->len <= MUSTER_NOTE_MAX)
		muster_buf_put(b, chunk, n);
	int bad = ferror(f), e = errno;
	fclose(f);
	if (bad)
		die(EXIT_IO, L("cannot read %s: %s", "无法读取 %s：%s"), path, strerror(e));
	if (b->err)
		die(EXIT_IO, "%s", cli_strerror(b->err));
}

/*
 * --against FILE: the store must hold the tree FILE's checkpoint signed.
 * A store put back from an older copy of itself verifies on its own; this
 * is what tells.  Dies (exit 1) unless it does; returns the size checked.
 */
static uint64_t verify_against(const struct opts *o, muster_store *s, const char *path, const muster_buf *note)
{
	muster_against a;
	int rc = muster_log_against(s, note->data, note->len, &a);
	if (rc == MUSTER_EINVAL)
		die(EXIT_USAGE, L("%s is not a signed checkpoint; give one as 'muster log checkpoint' prints it",
				    "%s 不是签名的检查点；请给出 'muster log checkpoint' 输出的检查点"),
			path);
	if (rc)
		die(cli_exit_code(rc), L("cannot check the store against %s: %s", "无法以 %s 核对存储库：%s"), path, cli_strerror(rc));
	static const char *const reasons[] = {"", "another log", "not signed", "rolled back", "forked"};
	if (a.verdict == MUSTER_AGAINST_OK)
		return a.size;
	if (o->json) {
		muster_buf b = {0};
		muster_buf_puts(&b, "{\"ok\":false,\"against\":");
		muster_json_cstr(&b, path);
		muster_buf_printf(&b, ",\"size\":%" PRIu64 ",\"entries\":%" PRIu64 ",\"reason\":\"%s\"}\n", a.size, a.have,
			reasons[a.verdict]);
		cli_emit(&b);
	}
	const char *origin = muster_store_origin(s);
	switch (a.verdict) {
	case MUSTER_AGAINST_OTHER_LOG:
		die(EXIT_VERIFY, L("%s is a checkpoint of another log, not of %s", "%s 是另一日志的检查点，不是 %s 的"), path, origin);
	case MUSTER_AGAINST_UNSIGNED:
		die(EXIT_VERIFY, L("%s is not signed by this store's log key (%s): it is not a checkpoint this log signed",
				     "%s 不是由本存储库的日志密钥（%s）签名的：不是本日志签发的检查点"),
			path, origin);
	case MUSTER_AGAINST_SHORT:
		die(EXIT_VERIFY, L("the store has %" PRIu64 " entries but %s is a checkpoint of %" PRIu64 ": the store was rolled back or truncated",
				     "存储库只有 %" PRIu64 " 条日志，而 %s 是 %" PRIu64 " 条时的检查点：存储库被回滚或截断"),
			a.have, path, a.size);
	default:
		die(EXIT_VERIFY, L("the store's first %" PRIu64 " entries do not give the root of %s, a checkpoint of %" PRIu64 ": the log forked (its history was rewritten)",
				     "存储库前 %" PRIu64 " 条日志的根哈希与 %s（%" PRIu64 " 条时的检查点）不同：日志已分叉（历史被改写）"),
			a.size, path, a.size);
	}
}

/*
 * --witness VKEY with --against FILE: FILE must carry a cosignature by that
 * witness that verifies (C2SP tlog-cosignature): the checkpoint the store
 * holds was seen by someone outside the site, by that time.  Dies (exit 1)
 * otherwise; returns the newest cosignature's time (Unix seconds).
 */
static uint64_t witnessed(const struct opts *o, const char *path, const muster_buf *note, const muster_verifier *w)
{
	uint64_t t = 0;
	int rc = muster_cosig_verify(note->data, note->len, w, &t);
	if (rc == 0)
		return t;
	if (o->json) {
		muster_buf b = {0};
		muster_buf_puts(&b, "{\"ok\":false,\"against\":");
		muster_json_cstr(&b, path);
		muster_buf_puts(&b, ",\"witness\":");
		muster_json_cstr(&b, w->name);
		muster_buf_printf(&b, ",\"reason\":\"%s\"}\n", rc == MUSTER_ENOTFOUND ? "not cosigned" : "cosignature does not verify");
		cli_emit(&b);
	}
	if (rc == MUSTER_ENOTFOUND)
		die(EXIT_VERIFY, L("%s carries no cosignature by the witness %s; give the checkpoint as the witness returned it (mirror import --reply, log witness)",
				     "%s 没有见证 %s 的签名；请给出见证返回的检查点（mirror import --reply、log witness）"),
			path, w->name);
	die(EXIT_VERIFY, L("the cosignature by the witness %s on %s does not verify: the checkpoint or the line was changed, or it is another key by that name",
			     "%s 在 %s 上的见证签名无法核验：检查点或签名行被改动，或是同名的另一密钥"),
		w->name, path);
}

static int log_verify(const struct opts *o, muster_store *s)
{
	static const char *const allowed[] = {"threads", "against", "witness", NULL};
	cli_only(o, "muster log verify", allowed);
	const char *against = cli_opt(o, "against"), *wkey = cli_opt(o, "witness");
	if (o->npos != 2 || (wkey && !against))
		die(EXIT_USAGE, "%s", L("usage: muster log verify [--threads N] [--against FILE [--witness VKEY]]",
					"用法: muster log verify [--threads N] [--against 文件 [--witness 验证密钥]]"));
	unsigned threads = o->threads ? (unsigned)cli_uint("--threads", o->threads) : 0;
	muster_verifier w;
	if (wkey)
		cli_witness_opt(wkey, &w);
	muster_buf note = {0};
	if (against)
		read_note(against, &note); /* before the long walk: a wrong path is said at once */
	muster_verify_report rep;
	int rc = muster_log_verify_progress(s, threads, &rep, progress_verify, NULL);
	if (rc == MUSTER_EVERIFY) {
		if (o->json) {
			muster_buf b = {0};
			muster_buf_printf(&b, "{\"ok\":false,\"index\":%" PRIu64 ",\"reason\":", rep.bad_index);
			muster_json_cstr(&b, rep.reason);
			muster_buf_puts(&b, "}\n");
			cli_emit(&b);
		} else
			printf("entry %" PRIu64 ": %s\n", rep.bad_index, rep.reason);
		fflush(stdout);
		die(EXIT_VERIFY, L("log verification failed at entry %" PRIu64 ": %s; the store was altered outside muster",
				     "日志核验在条目 %" PRIu64 " 失败：%s；存储库在 muster 之外被改动"),
			rep.bad_index, rep.reason);
	}
	if (rc)
		die(cli_exit_code(rc), L("cannot verify the log: %s", "无法核验日志：%s"), cli_strerror(rc));
	uint64_t seen = against ? verify_against(o, s, against, &note) : 0;
	uint64_t wtime = wkey ? witnessed(o, against, &note, &w) : 0;
	muster_buf_free(&note);
	/* The files attached to spending: each must still hash to the name its record signed. */
	uint64_t files;
	char bad[65];
	int arc = cli_attachments_verify(o, &files, bad);
	if (arc < 0)
		die(EXIT_IO, L("cannot read the store's attachments: %s", "无法读取存储库中的附件：%s"), strerror(errno));
	if (arc > 0) {
		if (o->json) {
			printf("{\"ok\":false,\"attachment\":\"%s\",\"reason\":\"altered\"}\n", bad);
			fflush(stdout);
		}
		die(EXIT_VERIFY, L("attachment %s has been altered: its bytes no longer hash to the SHA-256 its record signed",
				     "附件 %s 已被改动：其内容与记录中签名的 SHA-256 不符"),
			bad);
	}
	if (o->json) {
		printf("{\"ok\":true,\"entries\":%" PRIu64 ",\"checkpoints\":%" PRIu64 ",\"attachments\":%" PRIu64, rep.entries,
			rep.checkpoints, files);
		if (against)
			printf(",\"against\":%" PRIu64, seen);
		if (wkey) {
			muster_buf wn = {0};
			muster_json_cstr(&wn, w.name);
			printf(",\"witness\":%.*s,\"witness_time\":%" PRIu64, (int)wn.len, (const char *)wn.data, wtime);
			muster_buf_free(&wn);
		}
		printf("}\n");
	} else {
		printf(L("ok: %" PRIu64 " entries and %" PRIu64 " checkpoints verified\n", "通过：已核验 %" PRIu64 " 条日志和 %" PRIu64 " 个检查点\n"),
			rep.entries, rep.checkpoints);
	}
	if (!o->json && against)
		printf(L("ok: the store holds the tree of %s, a checkpoint of %" PRIu64 " entries\n",
			 "通过：存储库包含 %s 所签的树（%" PRIu64 " 条时的检查点）\n"),
			against, seen);
	if (!o->json && wkey) {
		char when[32];
		time_t t = (time_t)wtime;
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		printf(L("ok: %s is cosigned by the witness %s, at %s\n", "通过：%s 有见证 %s 的签名，时间 %s\n"), against, w.name, when);
	}
	if (!o->json && files)
		printf(L("ok: %" PRIu64 " attached files match their signed hashes\n", "通过：%" PRIu64 " 个附件与签名的哈希一致\n"), files);
	return EXIT_OK;
}

/* A projection key for people: printable ASCII as it is, other bytes as \xNN, quoted. */
static void key_words(muster_buf *b, const uint8_t *k, size_t n)
{
	muster_buf_puts(b, "\"");
	for (size_t i = 0; i < n; i++)
		if (k[i] >= 0x20 && k[i] < 0x7f && k[i] != '"' && k[i] != '\\')
			muster_buf_put(b, &k[i], 1);
		else
			muster_buf_printf(b, "\\x%02x", k[i]);
	muster_buf_puts(b, "\"");
}

static void key_hex(muster_buf *b, const uint8_t *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		muster_buf_printf(b, "%02x", k[i]);
}

int cli_reindex_check(const struct opts *o)
{
	static const char *const allowed[] = {"check", NULL};
	cli_only(o, "muster reindex --check", allowed);
	muster_store *s = cli_open(o);
	muster_reindex_diff d;
	int rc = muster_reindex_check(s, &d);
	if (rc == MUSTER_EVERIFY && !d.db)
		die(EXIT_VERIFY, L("entry %" PRIu64 " no longer replays: %s; run 'muster log verify'",
				     "条目 %" PRIu64 " 无法重放：%s；请运行 'muster log verify'"),
			d.entries, *muster_store_why(s) ? muster_store_why(s) : cli_strerror(rc));
	if (rc && rc != MUSTER_EVERIFY)
		die(cli_exit_code(rc), L("cannot check the projections: %s", "无法核对投影：%s"), cli_strerror(rc));
	muster_buf b = {0};
	if (rc == 0) {
		if (o->json)
			muster_buf_printf(&b, "{\"ok\":true,\"entries\":%" PRIu64 "}\n", d.entries);
		else
			muster_buf_printf(&b, L("ok: every projection is what a rebuild from %" PRIu64 " entries gives\n",
						"通过：全部投影与从 %" PRIu64 " 条日志重建的结果一致\n"),
				d.entries);
		cli_emit(&b);
		muster_store_close(s);
		return EXIT_OK;
	}
	static const char *const what[] = {"", "changed", "missing", "extra"};
	if (o->json) {
		muster_buf_printf(&b, "{\"ok\":false,\"db\":\"%s\",\"key\":\"", d.db);
		key_hex(&b, d.key, d.key_len);
		muster_buf_printf(&b, "\",\"reason\":\"%s\"}\n", what[d.what]);
	} else {
		/* projection DB: key "K" (HEX): reason -- one line, as log verify's "entry I: reason" */
		muster_buf_printf(&b, "projection %s: key ", d.db);
		key_words(&b, d.key, d.key_len);
		muster_buf_puts(&b, " (");
		key_hex(&b, d.key, d.key_len);
		muster_buf_puts(&b, "): ");
		muster_buf_puts(&b, d.what == MUSTER_DIFF_CHANGED ? "the stored record is not the one the log gives"
				    : d.what == MUSTER_DIFF_MISSING ? "missing: the log gives a record the store lacks"
								   : "extra: the store holds a record the log does not give");
		muster_buf_puts(&b, "\n");
	}
	cli_emit(&b);
	die(EXIT_VERIFY, L("the projection %s differs from a rebuild from the log; it was altered outside muster (nothing was changed; 'muster reindex' rebuilds it)",
			     "投影 %s 与从日志重建的结果不同；它在 muster 之外被改动（未作任何更改；'muster reindex' 可重建）"),
		d.db);
}

int cmd_log(const struct opts *o, const char *sub)
{
	static const struct {
		const char *name;
		int (*fn)(const struct opts *, muster_store *);
	} subs[] = {
		{"checkpoint", log_checkpoint}, {"proof", log_proof}, {"consistency", log_consistency},
		{"show", log_show}, {"verify", log_verify}, {"export", cli_log_export}, {"bundle", cli_log_bundle},
		{"cosigned", cli_log_cosigned}, {"witness", cli_log_witness},
	};
	if (strcmp(sub, "vkey") == 0) {
		muster_store *s = cli_open(o);
		muster_buf b = {0};
		int rc = muster_log_vkey(s, &b);
		if (rc)
			die(cli_exit_code(rc), "%s", cli_strerror(rc));
		muster_buf_puts(&b, "\n");
		cli_emit(&b);
		muster_store_close(s);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (strcmp(sub, subs[i].name) == 0) {
			muster_store *s = cli_open(o);
			int rc = subs[i].fn(o, s);
			muster_store_close(s);
			return rc;
		}
	die(EXIT_USAGE, L("unknown log command '%s'; use vkey, checkpoint, proof, consistency, show, verify, export, bundle, cosigned or witness",
			    "未知的 log 子命令 '%s'；可用 vkey、checkpoint、proof、consistency、show、verify、export、bundle、cosigned、witness"),
		sub);
}
