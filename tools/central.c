/*
 * central.c - the sites a `--mirrors` command reads (central.h): the
 * central store and the mirrors under STORE/mirrors/, one at a time.
 */
#include "config.h"

#include "central.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct site *)a)->name, ((const struct site *)b)->name);
}

void central_list(const struct opts *o, struct sites *out)
{
	memset(out, 0, sizeof *out);
	out->store = cli_store_dir(o);
	muster_store *s = cli_open(o);
	size_t cap = 16;
	out->v = calloc(cap, sizeof *out->v);
	char *dir = strdup(out->store);
	if (!out->v || !dir)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	out->v[0] = (struct site){dir, NULL, s, strdup(muster_store_origin(s)), NULL};
	if (!out->v[0].origin)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	out->n = 1;
	char *mdir = cli_path_join(out->store, "mirrors");
	DIR *d = opendir(mdir);
	if (!d && errno != ENOENT)
		die(EXIT_IO, L("cannot read the mirrors in %s: %s", "无法读取 %s 中的镜像：%s"), mdir, strerror(errno));
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *path = cli_path_join(mdir, de->d_name), *file = cli_path_join(path, "mirror");
		struct stat st;
		int is_mirror = stat(path, &st) == 0 && S_ISDIR(st.st_mode) && stat(file, &st) == 0;
		free(file);
		if (!is_mirror) {
			free(path);
			continue;
		}
		if (out->n == cap) {
			cap *= 2;
			struct site *nv = realloc(out->v, cap * sizeof *nv);
			if (!nv)
				die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
			out->v = nv;
		}
		char *name = strdup(de->d_name);
		if (!name)
			die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
		out->v[out->n++] = (struct site){path, name, NULL, NULL, NULL};
	}
	if (d)
		closedir(d);
	free(mdir);
	/* Byte order of the directory names: the same every run, whatever readdir's order. */
	if (out->n > 2)
		qsort(out->v + 1, out->n - 1, sizeof *out->v, name_cmp);
}

static void site_free(struct site *st)
{
	if (st->s)
		muster_store_close(st->s);
	free(st->dir);
	free(st->name);
	free(st->origin);
	free(st->error);
}

void central_drop_central(struct sites *ss)
{
	if (ss->n && !ss->v[0].name) {
		site_free(&ss->v[0]);
		memmove(ss->v, ss->v + 1, (ss->n - 1) * sizeof *ss->v);
		ss->n--;
	}
}

void central_list_if(const struct opts *o, struct sites *ss, int (*has)(muster_snap *sn))
{
	central_list(o, ss);
	muster_snap *sn = cli_snapshot(ss->v[0].s);
	int own = has(sn);
	muster_snap_end(sn);
	if (!own)
		central_drop_central(ss);
}

muster_store *central_open(struct sites *ss, size_t k, const char *what)
{
	struct site *st = &ss->v[k];
	if (st->s || st->error)
		return st->s;
	int rc = muster_store_open(st->dir, &st->s);
	if (rc == 0) {
		free(st->origin);
		if (!(st->origin = strdup(muster_store_origin(st->s))))
			die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
		return st->s;
	}
	st->s = NULL;
	st->error = strdup(cli_strerror(rc));
	if (!st->error)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	ss->failed++;
	if (what)
		fprintf(stderr, L("muster: mirror %s cannot be read: %s; %s\n", "muster: 镜像 %s 无法读取：%s；%s\n"), st->dir,
			st->error, what);
	else
		fprintf(stderr,
			L("muster: mirror %s cannot be read: %s; it is left out and the command will exit 5 "
			  "(import it again with 'muster mirror import', or move it out of %s/mirrors)\n",
				"muster: 镜像 %s 无法读取：%s；已略过，命令最终以退出码 5 结束"
				"（请用 'muster mirror import' 重新导入，或将其移出 %s/mirrors）\n"),
			st->dir, st->error, ss->store);
	return NULL;
}

void central_close(struct sites *ss, size_t k)
{
	struct site *st = &ss->v[k];
	if (st->s)
		muster_store_close(st->s);
	st->s = NULL;
}

void central_free(struct sites *ss)
{
	for (size_t k = 0; k < ss->n; k++)
		site_free(&ss->v[k]);
	free(ss->v);
	memset(ss, 0, sizeof *ss);
}

void central_heading(muster_buf *b, const struct site *st)
{
	if (st->name)
		muster_buf_printf(b, L("== site %s ==\n", "== 站点 %s ==\n"), st->origin);
	else
		muster_buf_printf(b, L("== site %s (this store) ==\n", "== 站点 %s（本库）==\n"), st->origin);
}

void central_site_json(muster_buf *b, const struct site *st)
{
	muster_buf_puts(b, "{\"origin\":");
	if (st->origin)
		muster_json_cstr(b, st->origin);
	else
		muster_buf_puts(b, "null");
	muster_buf_puts(b, ",\"mirror\":");
	if (st->name)
		muster_json_cstr(b, st->name);
	else
		muster_buf_puts(b, "null");
	if (st->error) {
		muster_buf_puts(b, ",\"error\":");
		muster_json_cstr(b, st->error);
	}
}

void central_left_out_json(muster_buf *b, const struct sites *ss, size_t listed)
{
	for (size_t k = 0; k < ss->n; k++)
		if (ss->v[k].error) {
			muster_buf_puts(b, listed++ ? "," : "");
			central_site_json(b, &ss->v[k]);
			muster_buf_puts(b, "}");
		}
}

void central_item_json(muster_buf *b, const char *origin, const char *key)
{
	if (origin) {
		muster_buf_puts(b, "{\"origin\":");
		muster_json_cstr(b, origin);
		muster_buf_printf(b, ",\"%s\":", key);
	} else {
		muster_buf_printf(b, "{\"%s\":", key);
	}
}

const char *central_s(size_t n)
{
	return n == 1 ? "" : "s";
}

int central_exit(const struct sites *ss, int code)
{
	return ss->failed ? EXIT_IO : code;
}

static int any_row(const char *key, size_t klen, const muster_rec *r, void *arg)
{
	(void)key, (void)klen, (void)r, (void)arg;
	return 1;
}

int central_has_rows(muster_snap *sn, int table)
{
	return muster_row_list(sn, table, NULL, 0, any_row, NULL) == 1;
}

int central_has_spending(muster_snap *sn)
{
	return central_has_rows(sn, MUSTER_T_SPEND) || central_has_rows(sn, MUSTER_T_BUDGET);
}

int central_registered(muster_snap *sn, const char *team, const char *fund)
{
	muster_rec r;
	return (!team || (strlen(team) <= 32 && muster_row_cget(sn, MUSTER_T_TEAM, team, &r) == 0)) &&
	       (!fund || (strlen(fund) <= 32 && muster_row_cget(sn, MUSTER_T_FUND, fund, &r) == 0));
}

void central_no_site(const char *team, const char *fund)
{
	if (team)
		die(EXIT_NOTFOUND, L("team '%s' is not registered at any site read; see 'muster --store DIR team list' for a site's teams",
				       "所读站点均未登记队伍 '%s'；站点的队伍可用 'muster --store 目录 team list' 查看"),
			team);
	die(EXIT_NOTFOUND, L("fund '%s' is not registered at any site read; see 'muster --store DIR fund list' for a site's funds",
			       "所读站点均未登记资金 '%s'；站点的资金可用 'muster --store 目录 fund list' 查看"),
		fund);
}
