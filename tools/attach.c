/*
 * attach.c - files attached to spending (invoices, contracts, acceptance
 * sheets).  `muster spend record --attach FILE` copies each file into the
 * store's attachments/ directory under the hex of its SHA-256 and puts that
 * hash into the signed event, so the log vouches for the file's bytes and
 * the file travels with the store; `muster spend attachment SHA256` gives
 * it back after checking it still hashes to what was signed.
 *
 * A file is in place before the record that signs it is committed, so the
 * log never names a file the store does not keep.  The other way round,
 * writers of attachments take attachments/.lock in turn, from storing their
 * files until their record is committed or refused, and write in
 * attachments/.pending the log size they started at and their pid, then
 * each file's hash before the file takes its name.  So a refused writer
 * never removes a file another one's record signs, and one killed before
 * its commit leaves its intent behind: the next writer, holding the lock,
 * keeps each file a spending record appended since that size signs and
 * removes the rest, with the dead writer's temporary file.
 */
#include "config.h"

#include "attach.h"
#include "progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
 * created it (NULL if the same bytes were there already; its hash is
 * written to the intent first), or an exit code and why.
 */
static int store_one(const char *dir, int intent, const char *path, char hex[HASH_HEX], char **made, char *why,
	size_t wn)
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
		} else if (dprintf(intent, "%s\n", hex) != HASH_HEX || rename(tmp, final) != 0) {
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

/* Not an attachment: a temporary file of an interrupted write. */
static int not_attachment(const char *n)
{
	return strlen(n) != HASH_HEX - 1 || strspn(n, "0123456789abcdef") != HASH_HEX - 1;
}

struct signs {
	const char *hex;
	int found;
};

/* Whether the entry is a spending record whose attachments include the hash. */
static int entry_signs(uint64_t index, const uint8_t *p, size_t len, void *arg)
{
	struct signs *sg = arg;
	muster_entry e;
	muster_rec r;
	(void)index;
	if (muster_entry_decode(p, len, &e) != 0 || e.type != MUSTER_EV_SPEND ||
		muster_rec_decode(e.body, e.body_len, 0, 0, &r, NULL, 0) != 0 || !MUSTER_HAS(&r, MF_ATTACHMENTS))
		return 0;
	muster_iter it;
	const char *h;
	size_t n;
	muster_iter_init(&it, &r.v[MF_ATTACHMENTS], 0);
	while (muster_iter_next(&it, &h, &n))
		if (n == HASH_HEX - 1 && memcmp(h, sg->hex, n) == 0)
			return sg->found = 1;
	return 0;
}

/* The intent a killed writer left (we hold the lock, so its writer is gone): see the top of the file. */
static void recover(muster_store *s, const char *dir, const char *pending)
{
	FILE *f = fopen(pending, "r");
	if (!f) {
		if (errno != ENOENT)
			die(EXIT_IO, L("cannot read %s: %s", "无法读取 %s：%s"), pending, strerror(errno));
		return;
	}
	uint64_t from, size;
	long pid;
	char line[HASH_HEX + 8];
	int rc = muster_log_size(s, &size);
	if (rc)
		die(cli_exit_code(rc), L("cannot read the store: %s", "无法读取存储库：%s"), cli_strerror(rc));
	if (fscanf(f, "%" SCNu64 " %ld\n", &from, &pid) == 2) {
		while (fgets(line, sizeof line, f)) {
			line[strcspn(line, "\n")] = 0;
			struct signs sg = {line, 0};
			if (not_attachment(line))
				continue;
			rc = from < size ? muster_log_scan(s, from, size - from, entry_signs, &sg) : 0;
			if (rc < 0)
				die(cli_exit_code(rc), L("cannot read the store: %s", "无法读取存储库：%s"), cli_strerror(rc));
			char *p = cli_path_join(dir, line);
			if (!sg.found)
				unlink(p);
			free(p);
		}
		snprintf(line, sizeof line, ".tmp%ld", pid);
		char *p = cli_path_join(dir, line);
		unlink(p);
		free(p);
	}
	fclose(f);
	unlink(pending);
}

/* Takes the lock, settles what a killed writer left, and starts this writer's intent. */
static void attach_begin(muster_store *s, struct attached *a)
{
	char *lock = cli_path_join(a->dir, ".lock");
	a->lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (a->lock < 0 || flock(a->lock, LOCK_EX) != 0)
		die(EXIT_IO, L("cannot lock %s: %s", "无法锁定 %s：%s"), lock, strerror(errno));
	free(lock);
	a->pending = cli_path_join(a->dir, ".pending");
	recover(s, a->dir, a->pending);
	uint64_t size;
	int rc = muster_log_size(s, &size);
	if (rc)
		die(cli_exit_code(rc), L("cannot read the store: %s", "无法读取存储库：%s"), cli_strerror(rc));
	a->intent = open(a->pending, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (a->intent < 0 || dprintf(a->intent, "%" PRIu64 " %ld\n", size, (long)getpid()) < 0)
		die(EXIT_IO, L("cannot write %s: %s", "无法写入 %s：%s"), a->pending, strerror(errno));
}

void cli_attach(const struct opts *o, muster_store *s, muster_rec *r, struct field_bufs *fb, struct attached *a)
{
	const muster_field *f = muster_field_get(MF_ATTACHMENTS);
	char why[768];
	memset(a, 0, sizeof *a);
	a->lock = a->intent = -1;
	for (int i = 0; i < o->nkv; i++) {
		const char *n = o->kv[i].name; /* "attach" or "attach=FILE" */
		if (strncmp(n, "attach", 6) != 0 || (n[6] && n[6] != '='))
			continue;
		if (!a->dir) {
			a->dir = cli_path_join(cli_store_dir(o), "attachments");
			if (mkdir(a->dir, 0700) != 0 && errno != EEXIST)
				die(EXIT_IO, L("cannot make %s: %s", "无法创建 %s：%s"), a->dir, strerror(errno));
			attach_begin(s, a);
		}
		char hex[HASH_HEX], *made;
		int rc = store_one(a->dir, a->intent, o->kv[i].val, hex, &made, why, sizeof why);
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
	if (a->intent >= 0) {
		close(a->intent);
		unlink(a->pending);
	}
	if (a->lock >= 0)
		close(a->lock); /* and the lock with it */
	free(a->pending);
	free(a->dir);
	memset(a, 0, sizeof *a);
	a->lock = a->intent = -1;
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
