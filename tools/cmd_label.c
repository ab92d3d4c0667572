/*
 * cmd_label.c - printing labels: a PNG or SVG per asset, or A4 PDF sheets.
 *
 * Printing is a read: the label carries the asset's current label serial,
 * signed by the site tag key (tag.key beside the store).  Reissuing, which
 * revokes the label in circulation, is a signed event: muster asset relabel.
 */
#include "config.h"

#include "equip_cli.h"
#include "label.h"
#include "progress.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sel {
	const char *team, *depot;
	char **ids;
	size_t n, cap;
};

static void add_id(struct sel *s, const char *id, size_t n)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **p = realloc(s->ids, cap * sizeof *p);
		if (!p)
			die(EXIT_IO, "%s", L("out of memory", "内存不足"));
		s->ids = p, s->cap = cap;
	}
	if (!(s->ids[s->n] = strndup(id, n)))
		die(EXIT_IO, "%s", L("out of memory", "内存不足"));
	s->n++;
}

static int select_one(const char *key, size_t klen, const muster_rec *a, void *arg)
{
	struct sel *s = arg;
	uint64_t st = a->v[MF_STATE].u;
	if (st == MUSTER_S_SCRAPPED || st == MUSTER_S_RELEASED)
		return 0;
	if (s->team && !(MUSTER_HAS(a, MF_TEAM) && a->v[MF_TEAM].n == strlen(s->team) &&
			       memcmp(a->v[MF_TEAM].p, s->team, a->v[MF_TEAM].n) == 0))
		return 0;
	if (s->depot && !(MUSTER_HAS(a, MF_DEPOT) && a->v[MF_DEPOT].n == strlen(s->depot) &&
				memcmp(a->v[MF_DEPOT].p, s->depot, a->v[MF_DEPOT].n) == 0))
		return 0;
	add_id(s, key, klen);
	return 0;
}

static double mm(const struct opts *o, const char *name, double def)
{
	const char *v = cli_opt(o, name);
	if (!v)
		return def;
	char *end;
	double d = strtod(v, &end);
	if (*end || !(d >= 0) || d > 1000)
		die(EXIT_USAGE, L("--%s '%s' is not a length in millimetres (e.g. 64 or 10.5)",
				    "--%s '%s' 不是以毫米为单位的长度（如 64 或 10.5）"),
			name, v);
	return d;
}

static int whole(const struct opts *o, const char *name, int def)
{
	const char *v = cli_opt(o, name);
	if (!v)
		return def;
	uint64_t u = cli_uint(name, v);
	if (u > 1000)
		die(EXIT_USAGE, L("--%s %s is too large", "--%s %s 过大"), name, v);
	return (int)u;
}

static void geometry(const struct opts *o, struct label_geom *g)
{
	char err[256];
	label_geom_default(g);
	g->rows = whole(o, "rows", g->rows);
	g->cols = whole(o, "cols", g->cols);
	g->margin_top = mm(o, "margin-top", g->margin_top);
	g->margin_left = mm(o, "margin-left", g->margin_left);
	g->label_w = mm(o, "label-width", g->label_w);
	g->label_h = mm(o, "label-height", g->label_h);
	g->gap_x = mm(o, "gap-x", g->gap_x);
	g->gap_y = mm(o, "gap-y", g->gap_y);
	g->module = mm(o, "module", g->module);
	g->quiet = whole(o, "quiet", g->quiet);
	g->px = whole(o, "px", g->px);
	if (label_geom_check(g, err, sizeof err) != 0)
		die(EXIT_USAGE, "%s", err);
}

static void label_tick(size_t done, size_t n, void *arg)
{
	(void)arg;
	progress("labels", done, n);
}

/* Writes one PNG or SVG to path through a temporary file: all or nothing. */
static void write_one(const char *fmt, const struct label_item *it, const struct label_geom *g, const char *path)
{
	char err[512];
	size_t n = strlen(path) + 16;
	char *tmp = malloc(n);
	if (!tmp)
		die(EXIT_IO, "%s", L("out of memory", "内存不足"));
	snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f)
		die(EXIT_IO, L("cannot write '%s': %s; check the directory", "无法写入 '%s'：%s；请检查目录"), path, strerror(errno));
	int rc = strcmp(fmt, "png") == 0 ? label_png(it, g, f, err, sizeof err) : label_svg(it, g, f, err, sizeof err);
	if (fclose(f) != 0 && rc == 0) {
		rc = -1;
		snprintf(err, sizeof err, L("cannot write '%s': %s", "无法写入 '%s'：%s"), path, strerror(errno));
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -1;
		snprintf(err, sizeof err, L("cannot write '%s': %s", "无法写入 '%s'：%s"), path, strerror(errno));
	}
	if (rc) {
		unlink(tmp);
		die(EXIT_IO, "%s", err);
	}
	free(tmp);
}

int cmd_label(const struct opts *o)
{
	static const char *const allowed[] = {"format", "out", "team", "depot", "rows", "cols", "margin-top",
		"margin-left", "label-width", "label-height", "gap-x", "gap-y", "module", "quiet", "px", "store", NULL};
	for (int i = 0; i < o->nkv; i++) {
		int ok = 0;
		for (int k = 0; allowed[k] && !ok; k++) {
			size_t len = strlen(allowed[k]);
			ok = strncmp(o->kv[i].name, allowed[k], len) == 0 &&
			     (!o->kv[i].name[len] || o->kv[i].name[len] == '=');
		}
		if (!ok)
			die(EXIT_USAGE, L("option '--%s' does not apply to 'muster label'", "选项 '--%s' 不适用于 'muster label'"),
				o->kv[i].name);
	}
	const char *fmt = cli_opt(o, "format"), *out = o->out;
	if (!fmt || !out || (strcmp(fmt, "png") && strcmp(fmt, "svg") && strcmp(fmt, "pdf")))
		die(EXIT_USAGE, "%s", L("usage: muster label ASSET... | --team T | --depot D  --format png|svg|pdf --out FILE "
					 "[--rows --cols --margin-top --margin-left --label-width --label-height --gap-x --gap-y "
					 "(mm) --module MM --quiet N --px N]",
					 "用法: muster label 资产... | --team 队伍 | --depot 装备库  --format png|svg|pdf --out 文件 "
					 "[--rows --cols --margin-top --margin-left --label-width --label-height --gap-x --gap-y "
					 "(毫米) --module 毫米 --quiet N --px N]"));
	struct label_geom g;
	geometry(o, &g);

	muster_store *s = cli_open(o);
	muster_snap *sn;
	int rc = muster_snap_begin(s, &sn);
	if (rc)
		die(cli_exit_code(rc), L("cannot read the store: %s", "无法读取存储库：%s"), cli_strerror(rc));
	struct sel sel = {cli_opt(o, "team"), cli_opt(o, "depot"), NULL, 0, 0};
	for (int i = 1; i < o->npos; i++) {
		char id[MUSTER_TAG_ID_MAX + 1], why[512];
		if ((rc = cli_asset_ref(sn, o->pos[i], id, why, sizeof why)) != 0)
			die(cli_exit_code(rc), "%s", why);
		add_id(&sel, id, strlen(id));
	}
	if (o->npos == 1 && (rc = muster_row_list(sn, MUSTER_T_ASSET, NULL, 0, select_one, &sel)) != 0)
		die(cli_exit_code(rc), L("cannot list assets: %s", "无法列出资产：%s"), cli_strerror(rc));
	if (sel.n == 0)
		die(EXIT_NOTFOUND, "%s", L("no assets to label: name them, or give --team or --depot",
					   "没有要打印标签的资产：请列出资产，或给出 --team、--depot"));

	/* The tag key signs; it lives beside the store, readable only by the site's account. */
	const char *dir = cli_store_dir(o);
	size_t pn = strlen(dir) + 9;
	char *kp = malloc(pn);
	muster_signer *tag;
	if (!kp)
		die(EXIT_IO, "%s", L("out of memory", "内存不足"));
	snprintf(kp, pn, "%s/tag.key", dir);
	if ((rc = muster_site_key_read(kp, &tag)) != 0)
		die(cli_exit_code(rc), L("cannot read the site tag key '%s': %s; labels are printed where the store lives",
					 "无法读取站点标签密钥 '%s'：%s；请在存储库所在的机器上打印标签"),
			kp, cli_strerror(rc));
	free(kp);
	muster_buf base = {0};
	if ((rc = muster_snap_base_url(sn, &base)) != 0)
		die(cli_exit_code(rc), L("cannot read the base URL: %s", "无法读取站点地址：%s"), cli_strerror(rc));
	muster_buf_put(&base, "", 1);

	struct label_item *items = calloc(sel.n, sizeof *items);
	muster_buf *texts = calloc(sel.n, sizeof *texts);
	if (!items || !texts)
		die(EXIT_IO, "%s", L("out of memory", "内存不足"));
	for (size_t i = 0; i < sel.n; i++) {
		muster_rec a;
		if (muster_row_cget(sn, MUSTER_T_ASSET, sel.ids[i], &a) != 0)
			die(EXIT_NOTFOUND, L("asset %s is not registered", "资产 %s 未登记"), sel.ids[i]);
		if (a.v[MF_STATE].u == MUSTER_S_SCRAPPED)
			die(EXIT_USAGE, L("asset %s is scrapped: it gets no label", "资产 %s 已报废，不再打印标签"), sel.ids[i]);
		muster_buf *t = &texts[i];
		muster_tag_payload(t, (const char *)base.data, muster_store_origin(s), tag, sel.ids[i], strlen(sel.ids[i]),
			a.v[MF_LABEL].u);
		size_t pay_end = t->len;
		muster_buf_put(t, "", 1);
		muster_buf_put(t, a.v[MF_TYPE].p, a.v[MF_TYPE].n);
		muster_buf_put(t, "", 1);
		if (t->err)
			die(EXIT_IO, "%s", cli_strerror(t->err));
		items[i].payload = (const char *)t->data;
		items[i].name = (const char *)t->data + pay_end + 1;
		items[i].id = sel.ids[i];
	}
	muster_snap_end(sn);
	muster_signer_free(tag);

	char err[512];
	progress("labels", 0, sel.n);
	if (strcmp(fmt, "pdf") == 0) {
		if (label_pdf_progress(items, sel.n, &g, out, label_tick, NULL, err, sizeof err) != 0)
			die(EXIT_IO, "%s", err);
	} else if (sel.n == 1) {
		write_one(fmt, &items[0], &g, out);
	} else {
		/* Several: --out is a directory, one file per asset named by its id. */
		if (mkdir(out, 0777) != 0 && errno != EEXIST)
			die(EXIT_IO, L("cannot make directory '%s': %s", "无法创建目录 '%s'：%s"), out, strerror(errno));
		for (size_t i = 0; i < sel.n; i++) {
			size_t n = strlen(out) + strlen(sel.ids[i]) + 6;
			char *p = malloc(n);
			if (!p)
				die(EXIT_IO, "%s", L("out of memory", "内存不足"));
			snprintf(p, n, "%s/%s.%s", out, sel.ids[i], fmt);
			write_one(fmt, &items[i], &g, p);
			free(p);
			progress("labels", i + 1, sel.n);
		}
	}
	progress("labels", sel.n, sel.n); /* every file is whole now (a repeat of the loop's last line is dropped) */
	if (o->json) {
		muster_buf b = {0};
		muster_buf_printf(&b, "{\"format\":\"%s\",\"out\":", fmt);
		muster_json_cstr(&b, out);
		muster_buf_puts(&b, ",\"labels\":[");
		for (size_t i = 0; i < sel.n; i++) {
			muster_buf_puts(&b, i ? ",{\"id\":" : "{\"id\":");
			muster_json_cstr(&b, items[i].id);
			muster_buf_puts(&b, ",\"payload\":");
			muster_json_cstr(&b, items[i].payload);
			muster_buf_puts(&b, "}");
		}
		muster_buf_puts(&b, "]}\n");
		cli_emit(&b);
	} else {
		printf(L("%zu label(s) written to %s\n", "已将 %zu 个标签写入 %s\n"), sel.n, out);
	}
	for (size_t i = 0; i < sel.n; i++) {
		muster_buf_free(&texts[i]);
		free(sel.ids[i]);
	}
	free(texts);
	free(items);
	free(sel.ids);
	muster_buf_free(&base);
	muster_store_close(s);
	return EXIT_OK;
}
