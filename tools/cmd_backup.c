/*
 * cmd_backup.c - muster backup DIR: a hot, consistent, compacted copy of the
 * store (docs/STORE.md, "Backups"); muster restore BACKUP, which puts one
 * back, verified in full ("Restoring"); muster compact.
 *
 * DIR is new or empty, and everything in it is ours: on any failure it is
 * emptied again (and removed if we made it), and the one error line names
 * DIR and the cause.
 */
#include "config.h"

#include "attach.h"
#include "commands.h"
#include "equip_cli.h"
#include "progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* The files of a store directory copied as they are; the keys 0600 whatever their mode. */
static const struct {
	const char *name;
	int secret;
} store_files[] = {{"log.key", 1}, {"tag.key", 1}, {"witness.key", 1}, {"mirror", 0}, {"forked", 0}};

/* Directories of plain files copied whole: spending's attachments, a mirror's fork evidence (forks/<size>-<time>/). */
static const char *const file_trees[] = {"attachments", "forks"};

static struct {
	const char *dir;    /* DIR as given (muster restore: the staging directory) */
	int made;           /* we made DIR: remove it on failure */
	mode_t old_mode;    /* else its mode before, given back */
	const char *backup; /* muster restore: BACKUP as given, for the error line */
} bk;

/* Calls fn for each file and directory below dir, following no symbolic link: a directory after what it holds. */
typedef void walk_fn(const char *path, const char *name, const struct stat *st, void *arg);
static void walk(const char *dir, walk_fn *fn, void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *p = cli_path_join(dir, de->d_name);
		struct stat st;
		if (lstat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk(p, fn, arg);
			fn(p, de->d_name, &st, arg);
		}
		free(p);
	}
	if (d)
		closedir(d);
}

static void remove_one(const char *path, const char *name, const struct stat *st, void *arg)
{
	(void)name, (void)arg;
	if (S_ISDIR(st->st_mode))
		rmdir(path);
	else
		unlink(path);
}

/* Removes what dir holds. */
static void empty_dir(const char *dir)
{
	walk(dir, remove_one, NULL);
}

/* Undoes what the command made in DIR (all of DIR's content is ours: it was empty). */
static void undo(void)
{
	int err = errno;
	empty_dir(bk.dir);
	if (bk.made)
		rmdir(bk.dir);
	else
		chmod(bk.dir, bk.old_mode);
	errno = err;
}

/* Dies with one line naming DIR, after removing what the backup made. */
#ifdef __GNUC__
__attribute__((noreturn, format(printf, 2, 3)))
#endif
static void fail(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap); /* a long path cut short still says what failed */
	va_end(ap);
	undo();
	if (bk.backup)
		die(code, L("restore from '%s' failed: %s; the store is unchanged", "从 '%s' 恢复失败：%s；存储库未改动"), bk.backup, msg);
	die(code, L("backup to '%s' failed: %s; nothing was kept", "备份到 '%s' 失败：%s；未保留任何内容"), bk.dir, msg);
}

/* The cause of a failed write of `what`, errno err, as the line says it. */
#ifdef __GNUC__
__attribute__((noreturn))
#endif
static void fail_io(const char *what, int err)
{
	struct statvfs vfs;
	if (err == ENOSPC || err == EDQUOT) {
		unsigned long long mib = statvfs(bk.dir, &vfs) == 0 ? (unsigned long long)vfs.f_bavail * vfs.f_frsize >> 20 : 0;
		fail(EXIT_IO, L("%s: out of disk space (%s; %llu MiB free there); free space or choose a larger disk",
				 "%s：磁盘空间不足（%s；该处剩余 %llu MiB）；请清理空间或选择更大的磁盘"),
			what, strerror(err), mib);
	}
	if (err == EFBIG)
		fail(EXIT_IO, L("%s: %s; raise this process's file size limit (ulimit -f, systemd LimitFSIZE=)",
				 "%s：%s；请提高本进程的文件大小限制（ulimit -f、systemd LimitFSIZE=）"),
			what, strerror(err));
	if (err == EACCES || err == EPERM || err == EROFS)
		fail(EXIT_IO, L("%s: permission denied (%s); run muster as a user who may write there, or choose another DIR",
				 "%s：无权写入（%s）；请以有权写入该处的用户运行 muster，或另选目录"),
			what, strerror(err));
	fail(EXIT_IO, "%s: %s", what, strerror(err));
}

/* A "muster: " line when DIR will not do: nothing was made, so nothing to undo. */
static void check_dir(const char *dir)
{
	struct stat st;
	if (lstat(dir, &st) != 0) {
		if (errno != ENOENT)
			die(EXIT_IO, L("cannot use backup directory '%s': %s", "无法使用备份目录 '%s'：%s"), dir, strerror(errno));
		if (mkdir(dir, 0700) != 0) {
			int err = errno;
			if (err == EEXIST) /* made meanwhile by someone else: not ours */
				die(EXIT_USAGE, L("backup directory '%s' appeared while muster made it; give a new or empty directory",
						    "备份目录 '%s' 在创建时已被他人建立；请给出不存在或空的目录"),
					dir);
			die(EXIT_IO, L("cannot make backup directory '%s': %s; check its parent exists and is writable",
					     "无法创建备份目录 '%s'：%s；请检查上级目录存在且可写"),
				dir, strerror(err));
		}
		bk.made = 1;
		return;
	}
	if (!S_ISDIR(st.st_mode))
		die(EXIT_USAGE, L("backup directory '%s' exists and is not a directory; give a new or empty directory",
				    "备份目录 '%s' 已存在且不是目录；请给出不存在或空的目录"),
			dir);
	DIR *d = opendir(dir);
	if (!d)
		die(EXIT_IO, L("cannot read backup directory '%s': %s", "无法读取备份目录 '%s'：%s"), dir, strerror(errno));
	struct dirent *de;
	int empty = 1;
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	if (!empty)
		die(EXIT_USAGE, L("backup directory '%s' is not empty; give a new or empty directory (a backup never writes over files)",
				    "备份目录 '%s' 不为空；请给出不存在或空的目录（备份从不覆盖文件）"),
			dir);
	bk.old_mode = st.st_mode & 07777;
	if (chmod(dir, 0700) != 0)
		die(EXIT_IO, L("cannot use backup directory '%s': %s", "无法使用备份目录 '%s'：%s"), dir, strerror(errno));
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		fail_io(dir, errno);
	close(fd);
}

/*
 * Copies src to dst whole or not at all: a temporary name beside dst, mode
 * set with fchmod (the umask has no say), fsync, rename.  A key's bytes
 * pass through a buffer wiped afterwards, and are never printed.
 */
static void copy_file(const char *src, const char *dst, mode_t mode)
{
	char *tmp = cli_path_plus(dst, ".tmp");
	unsigned char buf[16384];
	int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, bad = in < 0, err = errno;
	if (!bad) {
		out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		bad = out < 0 || fchmod(out, mode) != 0;
		err = errno;
	}
	while (!bad) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			bad = n < 0, err = errno;
			break;
		}
		for (ssize_t w = 0; !bad && w < n;) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));
			if (k < 0 && errno == EINTR)
				continue;
			bad = k < 0, err = errno;
			w += k > 0 ? k : 0;
		}
	}
	sodium_memzero(buf, sizeof buf);
	if (!bad && fsync(out) != 0)
		bad = 1, err = errno;
	if (out >= 0 && close(out) != 0 && !bad)
		bad = 1, err = errno;
	if (in >= 0)
		close(in);
	if (!bad && rename(tmp, dst) != 0)
		bad = 1, err = errno;
	if (bad) {
		unlink(tmp);
		free(tmp);
		fail_io(in < 0 ? src : dst, err);
	}
	free(tmp);
}

static void make_dir(const char *dir)
{
	if (mkdir(dir, 0700) != 0)
		fail_io(dir, errno);
}

/* Whether copy_tree copies the file name: not a half-written file (.tmp) nor LMDB's lock file. */
static int copied(const char *name)
{
	return !strstr(name, ".tmp") && strcmp(name, "lock.mdb") != 0;
}

/*
 * Copies the regular files of src, and its directories' (forks/<size>-<time>/),
 * to dst, made here unless made is set.  Not a half-written file (.tmp) nor
 * LMDB's lock file, which belongs to the processes that have a store open.
 */
static void copy_tree(const char *src, const char *dst, int made)
{
	DIR *d = opendir(src);
	if (!d) {
		if (errno == ENOENT)
			return;
		fail_io(src, errno);
	}
	if (!made)
		make_dir(dst);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *from = cli_path_join(src, de->d_name), *to = cli_path_join(dst, de->d_name);
		struct stat st;
		if (lstat(from, &st) != 0)
			fail_io(from, errno);
		if (S_ISDIR(st.st_mode))
			copy_tree(from, to, 0);
		else if (S_ISREG(st.st_mode) && copied(de->d_name))
			copy_file(from, to, st.st_mode & 0777);
		free(from);
		free(to);
	}
	closedir(d);
	fsync_dir(dst);
}

/* The size of path in bytes (0 if it cannot be read). */
static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/*
 * The copy's log against the original's, cheaply: the copy's latest
 * checkpoint must be for its size, signed by the log key, with the copy's
 * own root at that size, and the original's tree at that size must have the
 * same root (muster_log_against both ways).  That is O(log n) reads, where a
 * full muster_log_verify re-hashes every entry (minutes on a national
 * store).  mdb_env_copyfd2 copies what a read transaction sees, so the way a
 * copy goes wrong is being cut short or of another store, which this
 * catches; 'muster --store DIR log verify' is the full check.  Returns the
 * copy's size.
 */
static uint64_t check_copy(muster_store *orig, const char *dst, int need_entries)
{
	muster_store *c;
	int rc = muster_store_open(dst, &c);
	if (rc)
		fail(EXIT_IO, L("the copy in '%s' does not open: %s", "'%s' 中的副本无法打开：%s"), dst, cli_strerror(rc));
	uint64_t size = 0, got = 0;
	muster_buf note = {0};
	muster_against a1 = {0}, a2 = {0};
	if ((rc = muster_log_size(c, &size)) != 0)
		fail(EXIT_IO, L("the copy in '%s' has no readable log: %s", "'%s' 中的副本日志无法读取：%s"), dst, cli_strerror(rc));
	if (size == 0 && need_entries)
		fail(EXIT_VERIFY, L("the copy in '%s' holds no entries", "'%s' 中的副本没有任何条目"), dst);
	if (size > 0) {
		rc = muster_log_checkpoint(c, UINT64_MAX, &note, &got);
		if (rc == 0)
			rc = muster_log_against(c, note.data, note.len, &a1);
		if (rc == 0)
			rc = muster_log_against(orig, note.data, note.len, &a2);
		if (rc)
			fail(EXIT_VERIFY, L("the copy in '%s' has no checkpoint that verifies: %s", "'%s' 中的副本没有可核验的检查点：%s"),
				dst, cli_strerror(rc));
		if (got != size || a1.verdict != MUSTER_AGAINST_OK || a2.verdict != MUSTER_AGAINST_OK)
			fail(EXIT_VERIFY, L("the copy in '%s' does not verify against the store (its checkpoint of %" PRIu64 " entries, %" PRIu64 " in its log)",
					     "'%s' 中的副本与存储库核验不符（其检查点 %" PRIu64 " 条，日志 %" PRIu64 " 条）"),
				dst, got, size);
	}
	muster_buf_free(&note);
	muster_store_close(c);
	/* our opening's lock file: LMDB makes it again on the first open after a restore */
	char *lock = cli_path_join(dst, "lock.mdb");
	unlink(lock);
	free(lock);
	return size;
}

/* Backs up the store s at src into the existing empty directory dst, its mirrors after it. */
static uint64_t backup_store(muster_store *s, const char *src, const char *dst, int top)
{
	int rc = muster_store_backup(s, dst);
	if (rc == MUSTER_EIO) {
		int err = errno;
		char *data = cli_path_join(dst, "data.mdb");
		fail_io(data, err);
	}
	if (rc)
		fail(cli_exit_code(rc), L("cannot copy store '%s': %s", "无法复制存储库 '%s'：%s"), src, cli_strerror(rc));
	for (size_t i = 0; i < sizeof store_files / sizeof store_files[0]; i++) {
		char *from = cli_path_join(src, store_files[i].name), *to = cli_path_join(dst, store_files[i].name);
		struct stat st;
		if (lstat(from, &st) == 0 && S_ISREG(st.st_mode))
			copy_file(from, to, store_files[i].secret ? 0600 : st.st_mode & 0777);
		else if (errno != ENOENT)
			fail_io(from, errno);
		free(from);
		free(to);
	}
	for (size_t i = 0; i < sizeof file_trees / sizeof file_trees[0]; i++) {
		char *from = cli_path_join(src, file_trees[i]), *to = cli_path_join(dst, file_trees[i]);
		copy_tree(from, to, 0);
		free(from);
		free(to);
	}
	char *msrc = cli_path_join(src, "mirrors"), *mdst = cli_path_join(dst, "mirrors");
	DIR *d = opendir(msrc);
	if (!d && errno != ENOENT)
		fail_io(msrc, errno);
	if (d)
		make_dir(mdst);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *from = cli_path_join(msrc, de->d_name), *to = cli_path_join(mdst, de->d_name);
		char *file = cli_path_join(from, "mirror");
		muster_store *m;
		struct stat st;
		/* as central.c finds them: a directory holding a mirror file */
		int is_mirror = lstat(from, &st) == 0 && S_ISDIR(st.st_mode) && lstat(file, &st) == 0;
		free(file);
		if (is_mirror) {
			if ((rc = muster_store_open(from, &m)) != 0)
				fail(cli_exit_code(rc), L("cannot open mirror store '%s': %s", "无法打开镜像存储库 '%s'：%s"), from,
					cli_strerror(rc));
			make_dir(to);
			backup_store(m, from, to, 0);
			muster_store_close(m);
		}
		free(from);
		free(to);
	}
	if (d) {
		closedir(d);
		fsync_dir(mdst);
	}
	free(msrc);
	free(mdst);
	uint64_t size = check_copy(s, dst, top);
	fsync_dir(dst);
	return size;
}

/* Whether a is b or inside it. */
static int within(const char *a, const char *b)
{
	size_t n = strlen(b);
	return strncmp(a, b, n) == 0 && (a[n] == 0 || a[n] == '/' || (n == 1 && b[0] == '/'));
}

/* Refuses a DIR inside the store (or the store itself): the copy would copy itself into its attachments or mirrors. */
static void not_inside(const char *dir, const char *store)
{
	char *rd = realpath(dir, NULL), *rs = realpath(store, NULL);
	int inside = rd && rs && within(rd, rs);
	int err = errno, known = rd && rs;
	free(rd);
	free(rs);
	if (!known) {
		errno = err;
		fail_io(dir, err);
	}
	if (inside) {
		undo();
		die(EXIT_USAGE, L("backup directory '%s' is inside the store '%s'; give a directory outside it",
				    "备份目录 '%s' 位于存储库 '%s' 之内；请给出存储库之外的目录"),
			dir, store);
	}
}

int cmd_backup(const struct opts *o)
{
	cli_no_extra(o);
	if (o->npos != 2)
		die(EXIT_USAGE, "%s", L("usage: muster backup DIR [--json]; DIR must be new or empty",
					"用法：muster backup 目录 [--json]；目录须不存在或为空"));
	const char *dir = o->pos[1], *store = cli_store_dir(o);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	muster_store *s = cli_open(o); /* a missing store is refused before DIR is made */
	check_dir(dir);
	bk.dir = dir;
	not_inside(dir, store);
	uint64_t entries = backup_store(s, store, dir, 1);
	muster_store_close(s);
	char *data = cli_path_join(dir, "data.mdb"), *orig = cli_path_join(store, "data.mdb");
	uint64_t bytes = file_size(data), source = file_size(orig);
	free(data);
	free(orig);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	muster_buf b = {0};
	if (o->json) {
		muster_buf_puts(&b, "{\"dir\":");
		muster_json_str(&b, dir, strlen(dir));
		muster_buf_printf(&b, ",\"entries\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"source_bytes\":%" PRIu64 ",\"seconds\":%.3f}\n",
			entries, bytes, source, secs);
	} else {
		muster_buf_printf(&b, L("backed up %" PRIu64 " entries to '%s' (%" PRIu64 " bytes, from %" PRIu64 ") in %.1f s; restore: stop musterd, then muster restore DIR\n",
					"已备份 %" PRIu64 " 条日志到 '%s'（%" PRIu64 " 字节，原 %" PRIu64 " 字节），用时 %.1f 秒；恢复：停止 musterd，再运行 muster restore 该目录\n"),
			entries, dir, bytes, source, secs);
	}
	cli_emit(&b);
	return EXIT_OK;
}

/* ---- muster compact ---------------------------------------------------------------------------- */

/* Compacts the store in dir (muster_store_compact), or dies with one line naming it. */
static void compact_one(const char *dir, muster_compaction *c)
{
	int rc = muster_store_compact(dir, c);
	int err = errno;
	if (rc == 0)
		return;
	if (rc == MUSTER_ENOTFOUND)
		die(EXIT_NOTFOUND, L("no store at '%s'; give --store DIR", "'%s' 处没有存储库；请用 --store 指定目录"), dir);
	if (rc == MUSTER_ESTATE && err == EBUSY)
		die(cli_exit_code(rc), L("cannot compact store '%s': another process has it open (musterd, a scan session, a muster command or an LMDB tool); stop it and run 'muster compact' again; the store is unchanged",
					 "无法压缩存储库 '%s'：另有进程正在使用（musterd、扫码会话、muster 命令或 LMDB 工具）；请停止后再运行 'muster compact'；存储库未改动"),
			dir);
	if (rc == MUSTER_EIO && (err == ENOSPC || err == EDQUOT)) {
		struct statvfs vfs;
		unsigned long long mib = statvfs(dir, &vfs) == 0 ? (unsigned long long)vfs.f_bavail * vfs.f_frsize >> 20 : 0;
		char *data = cli_path_join(dir, "data.mdb");
		unsigned long long need = (file_size(data) + (1u << 20) - 1) >> 20;
		free(data);
		die(EXIT_IO, L("cannot compact store '%s': out of disk space for the copy (%llu MiB free, up to %llu MiB needed); free space and run it again; the store is unchanged",
				 "无法压缩存储库 '%s'：磁盘空间不足以写入副本（剩余 %llu MiB，最多需要 %llu MiB）；请清理空间后重试；存储库未改动"),
			dir, mib, need);
	}
	if (rc == MUSTER_EIO)
		die(EXIT_IO, L("cannot compact store '%s': %s; the store is unchanged", "无法压缩存储库 '%s'：%s；存储库未改动"), dir,
			strerror(err));
	if (rc == MUSTER_ECORRUPT)
		die(EXIT_VERIFY, L("cannot compact store '%s': the copy does not hold what the store holds, so it was not used; the store is unchanged; run 'muster log verify' and 'muster reindex --check'",
				     "无法压缩存储库 '%s'：副本与存储库内容不符，未予采用；存储库未改动；请运行 'muster log verify' 与 'muster reindex --check'"),
			dir);
	die(cli_exit_code(rc), L("cannot compact store '%s': %s", "无法压缩存储库 '%s'：%s"), dir, cli_strerror(rc));
}

static void compaction_json(muster_buf *b, const char *dir, const muster_compaction *c)
{
	muster_buf_puts(b, "{\"store\":");
	muster_json_str(b, dir, strlen(dir));
	muster_buf_printf(b, ",\"entries\":%" PRIu64 ",\"bytes_before\":%" PRIu64 ",\"bytes_after\":%" PRIu64, c->entries,
		c->bytes_before, c->bytes_after);
}

int cmd_compact(const struct opts *o)
{
	cli_no_extra(o);
	if (o->npos != 1)
		die(EXIT_USAGE, "%s", L("usage: muster compact [--json]", "用法：muster compact [--json]"));
	const char *store = cli_store_dir(o);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	muster_compaction top;
	compact_one(store, &top);
	/* A central store's mirrors, each a store of its own (as central.c finds them: a directory holding a mirror file). */
	muster_buf mj = {0};
	size_t nm = 0;
	uint64_t mbefore = 0, mafter = 0;
	char *msrc = cli_path_join(store, "mirrors");
	DIR *d = opendir(msrc);
	if (!d && errno != ENOENT)
		die(EXIT_IO, L("compacted store '%s', but cannot read its mirrors in '%s': %s", "已压缩存储库 '%s'，但无法读取其镜像目录 '%s'：%s"),
			store, msrc, strerror(errno));
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *from = cli_path_join(msrc, de->d_name), *file = cli_path_join(from, "mirror");
		struct stat st;
		if (lstat(from, &st) == 0 && S_ISDIR(st.st_mode) && lstat(file, &st) == 0) {
			muster_compaction c;
			compact_one(from, &c);
			muster_buf_puts(&mj, nm ? "," : "");
			compaction_json(&mj, from, &c);
			muster_buf_puts(&mj, "}");
			nm++;
			mbefore += c.bytes_before;
			mafter += c.bytes_after;
		}
		free(from);
		free(file);
	}
	if (d)
		closedir(d);
	free(msrc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	muster_buf b = {0};
	if (o->json) {
		compaction_json(&b, store, &top);
		muster_buf_printf(&b, ",\"seconds\":%.3f,\"mirrors\":[", secs);
		muster_buf_put(&b, mj.data, mj.len);
		muster_buf_puts(&b, "]}\n");
	} else {
		double pct = top.bytes_before ? 100.0 * (double)top.bytes_after / (double)top.bytes_before : 100.0;
		muster_buf_printf(&b, L("compacted store '%s': %" PRIu64 " entries, data.mdb %" PRIu64 " bytes, was %" PRIu64 " (%.0f%%), in %.1f s\n",
					"已压缩存储库 '%s'：%" PRIu64 " 条日志，data.mdb %" PRIu64 " 字节，原 %" PRIu64 " 字节（%.0f%%），用时 %.1f 秒\n"),
			store, top.entries, top.bytes_after, top.bytes_before, pct, secs);
		if (nm)
			muster_buf_printf(&b, L("and its %zu mirrors: %" PRIu64 " bytes, were %" PRIu64 "\n", "及其 %zu 个镜像：%" PRIu64 " 字节，原 %" PRIu64 " 字节\n"),
				nm, mafter, mbefore);
	}
	muster_buf_free(&mj);
	cli_emit(&b);
	return EXIT_OK;
}

/* ---- muster restore BACKUP --------------------------------------------------------------------- */

/* path made absolute without following its last part (which need not exist), or NULL. */
static char *abs_path(const char *path)
{
	char *r = realpath(path, NULL);
	if (r)
		return r;
	char *copy = strdup(path);
	char *slash = copy ? strrchr(copy, '/') : NULL;
	const char *base = slash ? slash + 1 : copy;
	char *parent = copy ? realpath(!slash ? "." : slash == copy ? "/" : (*slash = 0, copy), NULL) : NULL;
	char *out = parent ? cli_path_join(parent, base) : NULL;
	free(parent);
	free(copy);
	return out;
}

static void add_size(const char *path, const char *name, const struct stat *st, void *arg)
{
	(void)path;
	if (S_ISREG(st->st_mode) && copied(name))
		*(uint64_t *)arg += (uint64_t)st->st_size;
}

/* The bytes of the regular files copy_tree would copy from dir. */
static uint64_t tree_bytes(const char *dir)
{
	uint64_t n = 0;
	walk(dir, add_size, &n);
	return n;
}

static void chown_one(const char *path, const char *name, const struct stat *st, void *arg)
{
	(void)name, (void)st;
	const struct stat *to = arg;
	if (lchown(path, to->st_uid, to->st_gid) != 0)
		fail_io(path, errno);
}

/* Gives dir and what it holds to the owner of `to` (a restore run as root of a store another user owns). */
static void chown_tree(const char *dir, const struct stat *to)
{
	walk(dir, chown_one, (void *)to);
	chown_one(dir, NULL, NULL, (void *)to);
}

/*
 * Verifies the staged store at dir in full, as 'muster log verify' does
 * (every entry, hash, signature and checkpoint; the attachments), or fails
 * naming what does not verify.  LMDB's lock file is removed after.
 * Returns the entries.
 */
static uint64_t verify_staged(const struct opts *o, const char *dir, unsigned threads, muster_store **keep)
{
	muster_store *s;
	int rc = muster_store_open(dir, &s);
	if (rc)
		fail(rc == MUSTER_EIO ? EXIT_IO : EXIT_VERIFY, L("the backup's store '%s' does not open: %s", "备份中的存储库 '%s' 无法打开：%s"),
			dir, cli_strerror(rc));
	muster_verify_report rep;
	rc = muster_log_verify_progress(s, threads, &rep, progress_verify, NULL);
	if (rc == MUSTER_EVERIFY)
		fail(EXIT_VERIFY, L("its log does not verify at entry %" PRIu64 ": %s", "其日志在条目 %" PRIu64 " 核验失败：%s"),
			rep.bad_index, rep.reason);
	if (rc)
		fail(cli_exit_code(rc), L("cannot verify its log: %s", "无法核验其日志：%s"), cli_strerror(rc));
	struct opts at = *o;
	at.store = dir;
	uint64_t files;
	char bad[65];
	int arc = cli_attachments_verify(&at, &files, bad);
	if (arc < 0)
		fail_io(dir, errno);
	if (arc > 0)
		fail(EXIT_VERIFY, L("its attachment %s has been altered: its bytes no longer hash to the SHA-256 its record signed",
				      "其附件 %s 已被改动：内容与记录中签名的 SHA-256 不符"),
			bad);
	if (keep) {
		*keep = s;
	} else {
		muster_store_close(s);
		char *lock = cli_path_join(dir, "lock.mdb");
		unlink(lock);
		free(lock);
	}
	return rep.entries;
}

/* What the store being replaced held: known 0 when it could not be opened (why says why). */
struct previous {
	int known;
	uint64_t entries;
	int agrees; /* the backup's log is its first entries */
	const char *why;
};

/*
 * The store at dir, if there is one: the backup must be of the same site
 * (origin and log key), and how it stands to the backup's checkpoint.
 */
static struct previous previous_store(const char *dir, muster_store *restored, const muster_buf *note)
{
	struct previous p = {0};
	muster_store *s;
	int rc = muster_store_open(dir, &s);
	if (rc == MUSTER_ENOTFOUND)
		return p;
	if (rc) {
		p.why = cli_strerror(rc);
		return p;
	}
	muster_buf v1 = {0}, v2 = {0};
	const char *o1 = muster_store_origin(s), *o2 = muster_store_origin(restored);
	rc = muster_log_vkey(s, &v1);
	if (rc == 0)
		rc = muster_log_vkey(restored, &v2);
	if (rc == 0 && (strcmp(o1, o2) != 0 || v1.len != v2.len || memcmp(v1.data, v2.data, v1.len) != 0)) {
		char *mine = strdup(o1);
		muster_store_close(s);
		fail(EXIT_USAGE, L("it is a backup of %s, but the store '%s' is %s (another origin or log key); restore a backup of this site, or give --store another directory",
				     "它是 %s 的备份，而存储库 '%s' 属于 %s（来源或日志密钥不同）；请恢复本站点的备份，或用 --store 指定其他目录"),
			o2, dir, mine ? mine : "?");
	}
	muster_against a = {0};
	if (rc == 0 && (rc = muster_log_size(s, &p.entries)) == 0 && note->len)
		rc = muster_log_against(s, note->data, note->len, &a);
	muster_buf_free(&v1);
	muster_buf_free(&v2);
	muster_store_close(s);
	if (rc) {
		p.why = cli_strerror(rc);
		return p;
	}
	p.known = 1;
	p.agrees = !note->len || a.verdict == MUSTER_AGAINST_OK || a.verdict == MUSTER_AGAINST_SHORT;
	return p;
}

/* Dies when the store at dir is in use; what muster_store_swap would find, said before the long part. */
static void unused_or_die(const char *dir, int staged)
{
	int rc = muster_store_unused(dir);
	if (rc == 0 || rc == MUSTER_ENOTFOUND)
		return;
	int err = errno;
	if (rc == MUSTER_ESTATE && err == EBUSY) {
		if (staged)
			undo();
		die(EXIT_USAGE, L("cannot restore store '%s': another process has it open (musterd, a scan session, a muster command or an LMDB tool); stop it and run 'muster restore' again; the store is unchanged",
				    "无法恢复存储库 '%s'：另有进程正在使用（musterd、扫码会话、muster 命令或 LMDB 工具）；请停止后再运行 'muster restore'；存储库未改动"),
			dir);
	}
	if (staged)
		fail_io(dir, err);
	die(EXIT_IO, L("cannot restore store '%s': %s; the store is unchanged", "无法恢复存储库 '%s'：%s；存储库未改动"), dir, strerror(err));
}

/* What restore says: the restored store (or, with --check, the backup checked), what the store had, where it went. */
static void say_restored(const struct opts *o, const char *store, const char *backup, uint64_t entries,
	const struct previous *prev, const char *aside, int check, struct timespec t0, struct timespec t1)
{
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	muster_buf b = {0};
	if (o->json) {
		muster_buf_puts(&b, "{\"store\":");
		muster_json_str(&b, store, strlen(store));
		muster_buf_puts(&b, ",\"backup\":");
		muster_json_str(&b, backup, strlen(backup));
		muster_buf_printf(&b, ",\"check\":%s,\"entries\":%" PRIu64 ",\"previous_entries\":", check ? "true" : "false", entries);
		if (prev->known)
			muster_buf_printf(&b, "%" PRIu64 ",\"previous_agrees\":%s", prev->entries, prev->agrees ? "true" : "false");
		else
			muster_buf_puts(&b, "null,\"previous_agrees\":null");
		muster_buf_puts(&b, ",\"aside\":");
		if (aside)
			muster_json_str(&b, aside, strlen(aside));
		else
			muster_buf_puts(&b, "null");
		muster_buf_printf(&b, ",\"seconds\":%.3f}\n", secs);
		cli_emit(&b);
		return;
	}
	if (check)
		muster_buf_printf(&b, L("backup '%s' verifies: %" PRIu64 " entries, in %.1f s; the store '%s' was not changed\n",
					"备份 '%s' 核验通过：%" PRIu64 " 条日志，用时 %.1f 秒；存储库 '%s' 未改动\n"),
			backup, entries, secs, store);
	else
		muster_buf_printf(&b, L("restored store '%s' from '%s': %" PRIu64 " entries, verified, in %.1f s\n",
					"已恢复存储库 '%s'（来自备份 '%s'）：%" PRIu64 " 条日志，已核验，用时 %.1f 秒\n"),
			store, backup, entries, secs);
	const char *was = check ? L("the store has", "存储库现有") : L("the store it replaced had", "被替换的存储库有");
	if (prev->known && prev->agrees && prev->entries > entries)
		muster_buf_printf(&b, L("%s %" PRIu64 " entries: the last %" PRIu64 ", made after the backup, %s only in the old store\n",
					"%s %" PRIu64 " 条日志：备份之后的最后 %" PRIu64 " 条%s只在旧存储库中\n"),
			was, prev->entries, prev->entries - entries, check ? L("would be", "将") : L("are", ""));
	else if (prev->known && !prev->agrees)
		muster_buf_printf(&b, L("%s %" PRIu64 " entries, and a log the backup's checkpoint does not agree with\n",
					"%s %" PRIu64 " 条日志，且其日志与备份的检查点不符\n"),
			was, prev->entries);
	else if (!prev->known && prev->why)
		muster_buf_printf(&b, L("the store %s did not open: %s\n", "%s存储库无法打开：%s\n"),
			check ? L("there", "该处") : L("it replaced", "被替换的"), prev->why);
	if (aside)
		muster_buf_printf(&b, L("the old store is at '%s'; remove it once musterd runs on the restored one\n",
					"旧存储库在 '%s'；musterd 在恢复的存储库上运行正常后可将其删除\n"),
			aside);
	cli_emit(&b);
}

int cmd_restore(const struct opts *o)
{
	static const char *const allowed[] = {"threads", "check", NULL};
	cli_only(o, "muster restore", allowed);
	if (o->npos != 2)
		die(EXIT_USAGE, "%s", L("usage: muster restore BACKUP [--check] [--threads N] [--json]; BACKUP is a directory 'muster backup' made",
					"用法：muster restore 备份目录 [--check] [--threads N] [--json]；备份目录是 'muster backup' 生成的目录"));
	int check = cli_opt(o, "check") != NULL; /* everything but the swap: the backup tested, the store left alone */
	const char *backup = o->pos[1], *store = cli_store_dir(o);
	unsigned threads = o->threads ? (unsigned)cli_uint("--threads", o->threads) : 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	char *data = cli_path_join(backup, "data.mdb");
	struct stat st;
	int there = stat(data, &st) == 0, serr = errno;
	free(data);
	errno = serr;
	if (!there || !S_ISREG(st.st_mode))
		die(there || errno == ENOENT || errno == ENOTDIR ? EXIT_NOTFOUND : EXIT_IO,
			L("no backup at '%s' (no data.mdb there); give a directory 'muster backup' made",
				"'%s' 处没有备份（无 data.mdb）；请给出 'muster backup' 生成的目录"),
			backup);
	char *rb = realpath(backup, NULL), *rs = abs_path(store);
	if (!rb || !rs)
		die(EXIT_IO, L("cannot restore store '%s': %s; check that the directory above it exists",
				 "无法恢复存储库 '%s'：%s；请检查其上级目录是否存在"),
			store, strerror(errno));
	if (within(rb, rs) || within(rs, rb))
		die(EXIT_USAGE, L("backup '%s' and the store '%s' are the same directory or one holds the other; give a backup kept outside the store",
				    "备份 '%s' 与存储库 '%s' 是同一目录或互相包含；请给出存储库之外的备份"),
			backup, store);
	if (!check)
		unused_or_die(rs, 0); /* said now, not after minutes of verifying */
	/* Room for the copy beside the store, said before copying gigabytes. */
	char *parent = strdup(rs), *slash = parent ? strrchr(parent, '/') : NULL;
	if (slash)
		slash == parent ? (void)(slash[1] = 0) : (void)(*slash = 0);
	struct statvfs vfs;
	uint64_t need = tree_bytes(backup);
	if (parent && statvfs(parent, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < need)
		die(EXIT_IO, L("cannot restore store '%s': the copy of the backup needs %llu MiB beside it, and '%s' has %llu MiB free; free space there and run it again; the store is unchanged",
				 "无法恢复存储库 '%s'：备份的副本需要在其旁占用 %llu MiB，而 '%s' 只剩 %llu MiB；请清理空间后重试；存储库未改动"),
			store, (unsigned long long)((need + (1u << 20) - 1) >> 20), parent,
			(unsigned long long)((uint64_t)vfs.f_bavail * vfs.f_frsize >> 20));
	free(parent);

	/* The backup copied beside the store (the same file system: one rename puts it in place), then checked there. */
	char *staging = cli_path_plus(rs, ".restore-XXXXXX");
	if (!mkdtemp(staging))
		die(EXIT_IO, L("cannot restore store '%s': cannot make '%s' beside it: %s", "无法恢复存储库 '%s'：无法在其旁建立 '%s'：%s"), store,
			staging, strerror(errno));
	bk.dir = staging;
	bk.made = 1;
	bk.backup = backup;
	copy_tree(backup, staging, 1);
	muster_store *n;
	uint64_t entries = verify_staged(o, staging, threads, &n);
	if (entries == 0)
		fail(EXIT_VERIFY, "%s", L("it holds no entries", "其中没有任何条目"));
	muster_buf note = {0};
	uint64_t got;
	int rc = muster_log_checkpoint(n, UINT64_MAX, &note, &got);
	if (rc)
		fail(EXIT_VERIFY, L("it has no checkpoint: %s", "其中没有检查点：%s"), cli_strerror(rc));
	struct previous prev = previous_store(rs, n, &note);
	muster_buf_free(&note);
	muster_store_close(n);
	char *lock = cli_path_join(staging, "lock.mdb");
	unlink(lock);
	free(lock);
	/* A central store's mirrors, each verified the same way. */
	char *mdir = cli_path_join(staging, "mirrors");
	DIR *d = opendir(mdir);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		char *m = cli_path_join(mdir, de->d_name), *file = cli_path_join(m, "mirror");
		if (de->d_name[0] != '.' && lstat(m, &st) == 0 && S_ISDIR(st.st_mode) && lstat(file, &st) == 0)
			verify_staged(o, m, threads, NULL);
		free(m);
		free(file);
	}
	if (d)
		closedir(d);
	free(mdir);

	if (check) {
		undo(); /* the checked copy removed: nothing was changed */
		clock_gettime(CLOCK_MONOTONIC, &t1);
		say_restored(o, store, backup, entries, &prev, NULL, check, t0, t1);
		free(rb);
		free(rs);
		free(staging);
		return EXIT_OK;
	}

	/* The store's directory as it was: its mode, and its owner when root restores a store another user runs. */
	struct stat old;
	int had = stat(rs, &old) == 0;
	if (had && chmod(staging, old.st_mode & 07777) != 0)
		fail_io(staging, errno);
	if (had && geteuid() == 0 && (old.st_uid != 0 || old.st_gid != 0))
		chown_tree(staging, &old);
	fsync_dir(staging);

	/* The old store goes aside as <store>.before-restore-<UTC time>, with -2, -3... when that is taken. */
	char stamp[64], *aside = NULL;
	time_t now = time(NULL);
	size_t n0 = strftime(stamp, sizeof stamp, ".before-restore-%Y%m%dT%H%M%SZ", gmtime(&now));
	int moved = 0, err = 0;
	unused_or_die(rs, 1);
	for (int i = 1;; i++) {
		if (i > 1)
			snprintf(stamp + n0, sizeof stamp - n0, "-%d", i);
		free(aside);
		aside = cli_path_plus(rs, stamp);
		if (lstat(aside, &st) == 0)
			continue;
		rc = muster_store_swap(rs, staging, aside, &moved);
		err = errno;
		if (!(rc == MUSTER_EIO && err == EEXIST && moved == 0 && i < 100))
			break;
	}
	if (rc) {
		/* Where each store is now: the staged directory still holds a store unless the copy went in place. */
		char *sd = cli_path_join(staging, "data.mdb");
		int staged_there = lstat(sd, &st) == 0;
		free(sd);
		if (moved == 0 && staged_there) { /* nothing moved: the store is as it was */
			errno = err;
			unused_or_die(rs, 1);
			fail_io(rs, err);
		}
		if (moved == 1 && staged_there) /* two renames, the second refused */
			die(EXIT_IO, L("cannot put the verified copy of '%s' in place of store '%s': %s; the old store is at '%s' and the copy at '%s': rename it to '%s'",
					 "无法将 '%s' 的已核验副本放到存储库 '%s' 的位置：%s；旧存储库在 '%s'，副本在 '%s'：请将其改名为 '%s'"),
				backup, store, strerror(err), aside, staging, rs);
		if (moved == 0) /* no store was there: the copy went in place, its directory not synced */
			die(EXIT_IO, L("restored store '%s' from '%s', but %s", "已恢复存储库 '%s'（来自备份 '%s'），但%s"), store, backup,
				strerror(err));
		die(EXIT_IO, L("restored store '%s' from '%s', but %s; the old store is at '%s'",
				 "已恢复存储库 '%s'（来自备份 '%s'），但%s；旧存储库在 '%s'"),
			store, backup, strerror(err), moved == 1 ? aside : staging);
	}

	clock_gettime(CLOCK_MONOTONIC, &t1);
	say_restored(o, store, backup, entries, &prev, moved ? aside : NULL, 0, t0, t1);
	free(rb);
	free(rs);
	free(aside);
	free(staging);
	return EXIT_OK;
}
