/*
 * attach.c - files attached to spending (invoices, contracts, acceptance
 * sheets).  `muster spend record --attach FILE` copies each file into the
 * store's attachments/ directory under the hex of its SHA-256 and puts that
 * hash into the signed event, so the log vouches for the file's bytes and
 * the file travels with the store; `muster spend attachment SHA256` gives
 * it back after checking it still hashes to what was signed.
 */
#include "config.h"

#include "attach.h"
#include "progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HASH_HEX (2 * crypto_hash_sha256_BYTES + 1)

/*
 * Copies src to dst (if dst is not NULL) while hashing it; 0, or -1 with
 * errno.  dst is written and flushed, and synced if sync; nothing is renamed here.
 */
static int copy_hash(FILE *src, FILE *dst, int sync, char hex[HASH_HEX])
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], h[crypto_hash_sha256_BYTES];
	size_t n;
	crypto_hash_sha256_init(&st);
	while ((n = fread(buf, 1, sizeof buf, src)) > 0) {
		crypto_hash_sha256_update(&st, buf, n);
		if (dst && fwrite(buf, 1, n, dst) != n)
			return -1;
	}
	if (ferror(src))
		return -1;
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, HASH_HEX, h, sizeof h);
	if (dst && (fflush(dst) != 0 || (sync && fsync(fileno(dst)) != 0)))
		return -1;
	return 0;
}

/*
 * Stores one file under dir/<sha256>: 0 and *made the path if this call
 * created it (NULL if the same bytes were there already), or an exit code
 * and why.
 */
static int store_one(const char *dir, const char *path, char hex[HASH_HEX], char **made, char *why, size_t wn)
{
	*made = NULL;
	FILE *in = fopen(path, "rb");
	if (!in) {
		snprintf(why, wn, L("--attach %s: %s; name a file to attach", "--attach %s：%s；请给出要附上的文件"), path,
			strerror(errno));
		return EXIT_USAGE;
	}
	char tmpname[32];
	snprintf(tmpname, sizeof tmpname, ".tmp%ld", (long)getpid());
	char *tmp = cli_path_join(dir, tmpname), *final = NULL;
	FILE *out = fopen(tmp, "wb");
	int rc = out ? copy_hash(in, out, 1, hex) : -1;
	int e = errno;
	fclose(in);
	if (out && fclose(out) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	struct stat sb;
	if (rc == 0) {
		final = cli_path_join(dir, hex);
		if (stat(final, &sb) == 0) { /* the same bytes are there already */
			free(final);
			final = NULL;
		} else if (rename(tmp, final) != 0) {
			rc = -1;
			e = errno;
		}
	}
	if (rc) {
		snprintf(why, wn, L("cannot store attachment %s in %s: %s", "无法将附件 %s 存入 %s：%s"), path, dir, strerror(e));
		free(final);
		final = NULL;
	}
	if (rc || !final)
		unlink(tmp);
	free(tmp);
	*made = final;
	return rc ? EXIT_IO : 0;
}

void cli_attach(const struct opts *o, muster_rec *r, struct field_bufs *fb, struct attached *a)
{
	const muster_field *f = muster_field_get(MF_ATTACHMENTS);
	char why[768];
	memset(a, 0, sizeof *a);
	for (int i = 0; i < o->nkv; i++) {
		const char *n = o->kv[i].name; /* "attach" or "attach=FILE" */
		if (strncmp(n, "attach", 6) != 0 || (n[6] && n[6] != '='))
			continue;
		if (!a->dir) {
			a->dir = cli_path_join(cli_store_dir(o), "attachments");
			if (mkdir(a->dir, 0700) != 0 && errno != EEXIST)
				die(EXIT_IO, L("cannot make %s: %s", "无法创建 %s：%s"), a->dir, strerror(errno));
		}
		char hex[HASH_HEX], *made;
		int rc = store_one(a->dir, o->kv[i].val, hex, &made, why, sizeof why);
		if (rc == 0 && made && a->n == sizeof a->made / sizeof a->made[0]) {
			unlink(made);
			free(made);
			snprintf(why, sizeof why, "%s", L("more than 32 --attach files", "--attach 文件超过 32 个"));
			rc = EXIT_USAGE;
		} else if (made) {
			a->made[a->n++] = made;
		}
		if (rc == 0 && muster_fv_parse(f, hex, r, &fb->items[f->tag], &fb->count[f->tag], why, sizeof why) != 0)
			rc = EXIT_USAGE;
		if (rc) {
			cli_attach_undo(a);
			die(rc, "%s", why);
		}
		fb->used |= MUSTER_BIT(f->tag);
	}
	if (a->dir)
		muster_rec_list(r, f->tag, &fb->items[f->tag], fb->count[f->tag]);
}

void cli_attach_undo(struct attached *a)
{
	for (size_t i = 0; i < a->n; i++)
		unlink(a->made[i]);
	cli_attach_done(a);
}

void cli_attach_done(struct attached *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->made[i]);
	free(a->dir);
	memset(a, 0, sizeof *a);
}

/* Not an attachment: a temporary file of an interrupted write. */
static int not_attachment(const char *n)
{
	return strlen(n) != HASH_HEX - 1 || strspn(n, "0123456789abcdef") != HASH_HEX - 1;
}

int cli_attachments_verify(const struct opts *o, uint64_t *files, char bad[65])
{
	char *dir = cli_path_join(cli_store_dir(o), "attachments");
	DIR *d = opendir(dir);
	int rc = 0;
	uint64_t total = 0;
	*files = 0;
	if (!d) {
		int e = errno;
		free(dir);
		return e == ENOENT ? 0 : -1; /* no attachments yet */
	}
	/* Names are cheap to count first; hashing the files is the long part. */
	for (struct dirent *de; (de = readdir(d)) != NULL;)
		total += !not_attachment(de->d_name);
	rewinddir(d);
	progress("attachments", 0, total);
	for (struct dirent *de; rc == 0 && (de = readdir(d)) != NULL;) {
		const char *n = de->d_name;
		if (not_attachment(n))
			continue;
		char *path = cli_path_join(dir, n), hex[HASH_HEX];
		FILE *f = fopen(path, "rb");
		free(path);
		if (!f || copy_hash(f, NULL, 0, hex) != 0)
			rc = -1;
		else if (strcmp(hex, n) != 0)
			rc = 1, memcpy(bad, n, HASH_HEX);
		else
			++*files;
		if (f)
			fclose(f);
		if (rc == 0)
			progress("attachments", *files, total);
	}
	closedir(d);
	free(dir);
	return rc;
}

int cmd_spend_attachment(const struct opts *o)
{
	static const char *const allowed[] = {"out", NULL};
	cli_only(o, "muster spend attachment", allowed);
	const char *want = o->npos == 3 ? o->pos[2] : NULL;
	size_t n = want ? strlen(want) : 0;
	if (!want || n != HASH_HEX - 1 || strspn(want, "0123456789abcdef") != n)
		die(EXIT_USAGE, "%s", L("usage: muster spend attachment SHA256 [--out FILE]: the 64 lower-case hex digits "
					"'muster spend list' shows under attachments",
					"用法: muster spend attachment SHA256 [--out 文件]：'muster spend list' 中 attachments 下的 64 位小写十六进制"));
	char *dir = cli_path_join(cli_store_dir(o), "attachments"), *path = cli_path_join(dir, want);
	FILE *in = fopen(path, "rb");
	if (!in)
		die(errno == ENOENT ? EXIT_NOTFOUND : EXIT_IO,
			L("attachment %s is not in %s: %s; it was recorded elsewhere or removed",
				"附件 %s 不在 %s 中：%s；它可能在别处录入或已被删除"),
			want, dir, strerror(errno));
	char hex[HASH_HEX];
	if (copy_hash(in, NULL, 0, hex) != 0)
		die(EXIT_IO, L("cannot read attachment %s: %s", "无法读取附件 %s：%s"), path, strerror(errno));
	if (strcmp(hex, want) != 0)
		die(EXIT_VERIFY, L("attachment %s has been altered: its bytes now hash to %s, not to what was signed",
				     "附件 %s 已被改动：其内容现在的哈希为 %s，与签名记录不符"),
			path, hex);
	rewind(in);
	char *tmp = NULL;
	FILE *out = stdout;
	if (o->out) {
		size_t tn = strlen(o->out) + 24;
		tmp = malloc(tn);
		if (!tmp)
			die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
		snprintf(tmp, tn, "%s.tmp%ld", o->out, (long)getpid());
		if (!(out = fopen(tmp, "wb")))
			die(EXIT_IO, L("cannot write '%s': %s", "无法写入 '%s'：%s"), o->out, strerror(errno));
	}
	int rc = copy_hash(in, out, tmp != NULL, hex);
	int e = errno;
	fclose(in);
	if (tmp && fclose(out) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc == 0 && strcmp(hex, want) != 0) { /* changed while it was read */
		rc = -1;
		e = EAGAIN;
	}
	if (rc == 0 && tmp && rename(tmp, o->out) != 0) {
		rc = -1;
		e = errno;
	}
	if (rc) {
		if (tmp)
			unlink(tmp);
		die(EXIT_IO, L("cannot copy attachment %s: %s", "无法复制附件 %s：%s"), want, strerror(e));
	}
	free(tmp);
	free(path);
	free(dir);
	return EXIT_OK;
}
