/*
 * publish.c - what every signed report shares (audit reports, plugin
 * reports): the site report key, and writing a finished report under its
 * name together with FILE.minisig, whole or not at all.
 */
#include "config.h"

#include "commands.h"

#include <muster/minisign.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

muster_signer *cli_report_key(muster_store *s)
{
	muster_signer *k;
	int rc = muster_report_key(s, &k);
	if (rc)
		die(cli_exit_code(rc), L("cannot derive the report key from the site log key (log.key in the store): %s; "
					 "reports are signed where the store is kept",
					 "无法由站点日志密钥（存储库中的 log.key）导出报告密钥：%s；请在存放存储库的机器上签署报告"),
			cli_strerror(rc));
	return k;
}

void cli_key_id_text(const muster_signer *k, char out[17])
{
	uint8_t id[MUSTER_MINISIGN_KEYID_BYTES];
	muster_minisign_key_id(muster_signer_pk(k), id);
	for (int i = 0; i < 8; i++) /* minisign prints the little-endian integer */
		snprintf(out + 2 * i, 3, "%02X", id[7 - i]);
}

char *cli_path_plus(const char *path, const char *suffix)
{
	size_t n = strlen(path) + strlen(suffix) + 24;
	char *p = malloc(n);
	if (!p)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	snprintf(p, n, "%s%s", path, suffix);
	return p;
}

void cli_out_writable(const char *out)
{
	char *dir = strdup(out), *slash = dir ? strrchr(dir, '/') : NULL;
	if (!dir)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	if (slash)
		slash[slash == dir] = 0; /* "/x" -> "/" */
	if (access(slash ? dir : ".", W_OK) != 0) {
		int e = errno;
		die(EXIT_IO, L("--out %s: cannot write in %s: %s", "--out %s：无法在 %s 中写入：%s"), out, slash ? dir : ".",
			strerror(e));
	}
	free(dir);
}

char *cli_report_tmp(const char *out)
{
	char *tmp = cli_path_plus(out, ".tmp");
	snprintf(tmp + strlen(out), 24, ".tmp%ld", (long)getpid());
	return tmp;
}

char *cli_publish(const struct publish *p)
{
	const char *base = strrchr(p->out, '/') ? strrchr(p->out, '/') + 1 : p->out;
	char *sig_path = cli_path_plus(p->out, ".minisig");
	muster_buf trusted = {0}, untrusted = {0}, sig = {0};
	muster_buf_printf(&trusted, "timestamp:%lld origin:%s %s size:%" PRIu64 " root:%s file:%s", (long long)p->now,
		p->origin, p->what, p->size, p->root, base);
	muster_buf_printf(&untrusted, "signature from muster report key %s", p->key_id);
	muster_buf_put(&trusted, "", 1);
	muster_buf_put(&untrusted, "", 1);
	int rc = trusted.err || untrusted.err ? MUSTER_ENOMEM :
		muster_minisign_sign_file(&sig, p->key, p->tmp, (const char *)trusted.data, (const char *)untrusted.data);
	if (rc) {
		unlink(p->tmp);
		die(rc == MUSTER_EINVAL ? EXIT_USAGE : cli_exit_code(rc),
			L("cannot sign '%s': %s (a file name with a line break cannot go into the signed comment)",
				"无法签署 '%s'：%s（文件名含换行符时无法写入签名注释）"),
			p->out, cli_strerror(rc));
	}
	cli_write_file(sig_path, &sig);
	if (rename(p->tmp, p->out) != 0) {
		int e = errno;
		unlink(p->tmp);
		unlink(sig_path);
		die(EXIT_IO, L("cannot write '%s': %s", "无法写入 '%s'：%s"), p->out, strerror(e));
	}
	muster_buf_free(&trusted);
	muster_buf_free(&untrusted);
	muster_buf_free(&sig);
	return sig_path;
}
