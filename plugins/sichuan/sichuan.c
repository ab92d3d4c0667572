/*
 * sichuan.c - 四川省应急救援队伍月报: the Sichuan provincial monthly report
 * of the national rescue teams based in Sichuan (province 510000), as an
 * .xlsx workbook with one worksheet per specialty.
 *
 * Each sheet: a merged title row, a header row, one row per team (code
 * order), a 合计 row, one blank row and a footer (填报单位, 填报人, 联系电话,
 * 填报日期).  Parameters (--param NAME=VALUE): unit (填报单位, default the
 * site's log origin), preparer (填报人) and phone (联系电话), both default "".
 *
 * Readiness is the host's, judged on period->as_of: 在册人数 counts people
 * whose status is not "left", 可出动人数 and 体检逾期人数 the deployable and
 * exam-overdue ones among them; 装备 are the team's listed assets, 完好 the
 * ready ones, 检验逾期 those with an inspection kind overdue.  出动 are the
 * deployments ordered in the month, 按时到达 those that arrived within the
 * target.  Money is 元 (fen / 100) from the budget rows: spent in the month,
 * budget and spent from January, summed over the team's funds.
 *
 * libxlsxwriter 1.1.4 writes only to a named file (no output buffer), so the
 * workbook goes to a temporary file made with mkstemp in $TMPDIR (or /tmp),
 * is read back, handed to host->write and unlinked: this plugin needs to be
 * allowed to write a temporary file.
 *
 * Every host query is called once for all teams and its rows are added into
 * per-team slots found by binary search on the team code, so a national
 * store (130 teams, 28,000 people, 100,000 assets) costs one walk of each.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include <muster/plugin.h>

#define PROVINCE "510000"
#define REPORT_TITLE "四川省应急救援队伍月报"
#define NCOLS 16

/* The sheets, in this order; a team of a specialty not listed goes to "其他". */
static const struct {
	const char *code, *zh;
} specialties[] = {
	{"mine", "矿山"}, {"hazchem", "危险化学品"}, {"tunnel", "隧道"}, {"oil_gas", "油气"}, {"support", "支撑保障"},
};
#define NSPEC (sizeof specialties / sizeof specialties[0])
#define OTHER_GROUP ((int)NSPEC)
#define OTHER_ZH "其他"

static const char *const headers[NCOLS] = {
	"序号",       "队伍编码",       "队伍名称",     "依托单位",     "在册人数",       "可出动人数",
	"体检逾期人数", "装备数量",       "完好装备数量", "装备完好率",   "检验逾期装备数", "本月出动次数",
	"按时到达次数", "本月支出(元)", "年度预算(元)", "年度累计支出(元)",
};
static const double widths[NCOLS] = {6, 13, 32, 28, 9, 10, 12, 9, 12, 11, 14, 12, 12, 14, 16, 18};

/* One team's slot: its team row's strings (valid until run() returns) and its sums. */
struct team {
	const char *code, *name, *host, *specialty_zh;
	int group; /* index into specialties, or OTHER_GROUP */
	uint64_t people, deployable, exam_overdue;
	uint64_t assets, ready, overdue;
	uint64_t deploys, on_target;
	int64_t spent_month, budget, spent_year;
};

struct run {
	const muster_host_api *host;
	muster_report_ctx *ctx;
	const muster_period *period;
	struct team *t;
	size_t n, cap;
	struct team *last; /* the slot found last: rows come grouped by team */
	int oom;
};

static void logf_(struct run *r, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One line to the user through host->log. */
static void logf_(struct run *r, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	r->host->log(r->ctx, level, msg);
}

/* ---- gathering ---------------------------------------------------------- */

static int on_team(const muster_team_row *row, void *arg)
{
	struct run *r = arg;
	if (strcmp(row->province, PROVINCE) != 0)
		return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct team *t = r->host->realloc(r->ctx, r->t, cap * sizeof *t);
		if (!t) {
			r->oom = 1;
			return 1;
		}
		r->t = t;
		r->cap = cap;
	}
	struct team *t = &r->t[r->n++];
	memset(t, 0, sizeof *t);
	t->code = row->code;
	t->name = row->name;
	t->host = row->host;
	t->specialty_zh = row->specialty_zh;
	t->group = OTHER_GROUP;
	for (size_t i = 0; i < NSPEC; i++)
		if (strcmp(row->specialty, specialties[i].code) == 0)
			t->group = (int)i;
	return 0;
}

static int team_cmp(const void *a, const void *b)
{
	return strcmp(((const struct team *)a)->code, ((const struct team *)b)->code);
}

/* The slot of team code, or NULL when it is not a Sichuan team. */
static struct team *find(struct run *r, const char *code)
{
	if (r->last && strcmp(r->last->code, code) == 0)
		return r->last;
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->t[mid].code, code);
		if (c == 0)
			return r->last = &r->t[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int on_person(const muster_person_row *row, void *arg)
{
	struct team *t = find(arg, row->team);
	if (!t || strcmp(row->status, "left") == 0)
		return 0;
	t->people++;
	t->deployable += row->deployable == 1;
	t->exam_overdue += row->exam_overdue != 0;
	return 0;
}

static int on_asset(const muster_asset_row *row, void *arg)
{
	struct team *t = find(arg, row->team);
	if (!t)
		return 0;
	t->assets++;
	t->ready += row->ready != 0;
	t->overdue += row->overdue > 0;
	return 0;
}

static int on_deploy(const muster_deploy_row *row, void *arg)
{
	struct team *t = find(arg, row->team);
	if (!t)
		return 0;
	t->deploys++;
	t->on_target += row->on_target == 1;
	return 0;
}

static int on_budget(const muster_budget_row *row, void *arg)
{
	struct team *t = find(arg, row->team);
	if (!t)
		return 0;
	t->spent_month += row->spent_month;
	t->budget += row->budget;
	t->spent_year += row->spent_year;
	return 0;
}

/* A query's return: 0 fine, else say what failed (the host has said why on EHOST). */
static int query_done(struct run *r, int rc, const char *what)
{
	if (rc == 0)
		return 0;
	if (r->oom)
		logf_(r, MUSTER_LOG_ERROR, "out of memory listing %s", what);
	else
		logf_(r, MUSTER_LOG_ERROR, "the host could not list %s (%d)", what, rc);
	return 1;
}

static int gather(struct run *r)
{
	if (query_done(r, r->host->teams(r->ctx, on_team, r), "teams"))
		return 1;
	/* The host lists teams by code; sort anyway so the binary search never depends on its collation. */
	if (r->n > 1)
		qsort(r->t, r->n, sizeof *r->t, team_cmp);
	if (r->n == 0)
		return 0;
	if (query_done(r, r->host->people(r->ctx, NULL, on_person, r), "people") ||
	    query_done(r, r->host->assets(r->ctx, NULL, on_asset, r), "assets") ||
	    query_done(r, r->host->deployments(r->ctx, NULL, on_deploy, r), "deployments") ||
	    query_done(r, r->host->budgets(r->ctx, NULL, on_budget, r), "budgets"))
		return 1;
	return 0;
}

/* ---- the workbook ------------------------------------------------------- */

struct book {
	lxw_workbook *wb;
	lxw_format *title, *head, *text, *center, *num, *pct, *money;
	lxw_format *t_text, *t_num, *t_pct, *t_money, *foot, *note;
	lxw_error err; /* the first error of a cell write */
};

static void keep(struct book *b, lxw_error e)
{
	if (e != LXW_NO_ERROR && b->err == LXW_NO_ERROR)
		b->err = e;
}

static void put_str(struct book *b, lxw_worksheet *ws, lxw_row_t row, int col, const char *s, lxw_format *f)
{
	keep(b, worksheet_write_string(ws, row, (lxw_col_t)col, s, f));
}

static void put_num(struct book *b, lxw_worksheet *ws, lxw_row_t row, int col, double v, lxw_format *f)
{
	keep(b, worksheet_write_number(ws, row, (lxw_col_t)col, v, f));
}

static void put_merged(struct book *b, lxw_worksheet *ws, lxw_row_t row, int c1, int c2, const char *s,
                       lxw_format *f)
{
	keep(b, worksheet_merge_range(ws, row, (lxw_col_t)c1, row, (lxw_col_t)c2, s, f));
}

static lxw_format *fmt(lxw_workbook *wb, int bold, int align, const char *numfmt, int border)
{
	lxw_format *f = workbook_add_format(wb);
	if (!f)
		return NULL;
	format_set_font_name(f, "宋体");
	format_set_font_size(f, 11);
	if (bold)
		format_set_bold(f);
	if (align)
		format_set_align(f, (uint8_t)align);
	format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
	if (numfmt)
		format_set_num_format(f, numfmt);
	if (border)
		format_set_border(f, LXW_BORDER_THIN);
	return f;
}

static int formats(struct book *b)
{
	lxw_workbook *wb = b->wb;
	b->title = fmt(wb, 1, LXW_ALIGN_CENTER, NULL, 0);
	b->head = fmt(wb, 1, LXW_ALIGN_CENTER, NULL, 1);
	b->text = fmt(wb, 0, 0, NULL, 1);
	b->center = fmt(wb, 0, LXW_ALIGN_CENTER, NULL, 1);
	b->num = fmt(wb, 0, 0, "0", 1);
	b->pct = fmt(wb, 0, 0, "0.00%", 1);
	b->money = fmt(wb, 0, 0, "#,##0.00", 1);
	b->t_text = fmt(wb, 1, LXW_ALIGN_CENTER, NULL, 1);
	b->t_num = fmt(wb, 1, 0, "0", 1);
	b->t_pct = fmt(wb, 1, 0, "0.00%", 1);
	b->t_money = fmt(wb, 1, 0, "#,##0.00", 1);
	b->foot = fmt(wb, 0, 0, NULL, 0);
	b->note = fmt(wb, 0, 0, NULL, 0);
	if (!b->title || !b->head || !b->text || !b->center || !b->num || !b->pct || !b->money || !b->t_text ||
	    !b->t_num || !b->t_pct || !b->t_money || !b->foot || !b->note)
		return 1;
	format_set_font_size(b->title, 14);
	format_set_text_wrap(b->head);
	format_set_text_wrap(b->text);
	return 0;
}

static double yuan(int64_t fen)
{
	return (double)fen / 100.0;
}

static double rate(uint64_t ready, uint64_t assets)
{
	return assets ? (double)ready / (double)assets : 0.0;
}

/* The number columns of a team or total row, from column 4 on. */
static void put_sums(struct book *b, lxw_worksheet *ws, lxw_row_t row, const struct team *s, int total)
{
	lxw_format *n = total ? b->t_num : b->num, *p = total ? b->t_pct : b->pct, *m = total ? b->t_money : b->money;
	put_num(b, ws, row, 4, (double)s->people, n);
	put_num(b, ws, row, 5, (double)s->deployable, n);
	put_num(b, ws, row, 6, (double)s->exam_overdue, n);
	put_num(b, ws, row, 7, (double)s->assets, n);
	put_num(b, ws, row, 8, (double)s->ready, n);
	put_num(b, ws, row, 9, rate(s->ready, s->assets), p);
	put_num(b, ws, row, 10, (double)s->overdue, n);
	put_num(b, ws, row, 11, (double)s->deploys, n);
	put_num(b, ws, row, 12, (double)s->on_target, n);
	put_num(b, ws, row, 13, yuan(s->spent_month), m);
	put_num(b, ws, row, 14, yuan(s->budget), m);
	put_num(b, ws, row, 15, yuan(s->spent_year), m);
}

struct footer {
	const char *unit, *preparer, *phone;
	char date[16]; /* as_of, YYYY-MM-DD */
};

static int sheet(struct run *r, struct book *b, const struct footer *ft, int group, const char *zh)
{
	char name[64], line[512];
	/* The row's specialty_zh names the sheet; the built-in name if it cannot (empty, too long, a duplicate). */
	snprintf(name, sizeof name, "%s", zh);
	if (!name[0] || workbook_validate_sheet_name(b->wb, name) != LXW_NO_ERROR)
		snprintf(name, sizeof name, "%s", group < OTHER_GROUP ? specialties[group].zh : OTHER_ZH);
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
	if (!ws) {
		logf_(r, MUSTER_LOG_ERROR, "cannot add the worksheet %s", name);
		return 1;
	}
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9); /* A4 */
	worksheet_fit_to_pages(ws, 1, 0);
	keep(b, worksheet_repeat_rows(ws, 0, 1));
	worksheet_freeze_panes(ws, 2, 3);
	for (int c = 0; c < NCOLS; c++)
		keep(b, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL));

	snprintf(line, sizeof line, "%s（%u年%u月）— %s", REPORT_TITLE, r->period->year, r->period->mon, name);
	keep(b, worksheet_set_row(ws, 0, 30, NULL));
	put_merged(b, ws, 0, 0, NCOLS - 1, line, b->title);
	keep(b, worksheet_set_row(ws, 1, 30, NULL));
	for (int c = 0; c < NCOLS; c++)
		put_str(b, ws, 1, c, headers[c], b->head);

	struct team sum;
	memset(&sum, 0, sizeof sum);
	lxw_row_t row = 2;
	unsigned no = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct team *t = &r->t[i];
		if (t->group != group)
			continue;
		put_num(b, ws, row, 0, (double)++no, b->center);
		put_str(b, ws, row, 1, t->code, b->text);
		put_str(b, ws, row, 2, t->name, b->text);
		put_str(b, ws, row, 3, t->host, b->text);
		put_sums(b, ws, row, t, 0);
		sum.people += t->people;
		sum.deployable += t->deployable;
		sum.exam_overdue += t->exam_overdue;
		sum.assets += t->assets;
		sum.ready += t->ready;
		sum.overdue += t->overdue;
		sum.deploys += t->deploys;
		sum.on_target += t->on_target;
		sum.spent_month += t->spent_month;
		sum.budget += t->budget;
		sum.spent_year += t->spent_year;
		row++;
	}
	put_merged(b, ws, row, 0, 3, "合计", b->t_text);
	put_sums(b, ws, row, &sum, 1);
	row += 2; /* one blank row, then the footer */

	snprintf(line, sizeof line, "填报单位：%s", ft->unit);
	put_merged(b, ws, row, 0, 3, line, b->foot);
	snprintf(line, sizeof line, "填报人：%s", ft->preparer);
	put_merged(b, ws, row, 4, 7, line, b->foot);
	snprintf(line, sizeof line, "联系电话：%s", ft->phone);
	put_merged(b, ws, row, 8, 11, line, b->foot);
	snprintf(line, sizeof line, "填报日期：%s", ft->date);
	put_merged(b, ws, row, 12, 15, line, b->foot);
	return 0;
}

/* The workbook of a store without Sichuan teams: one sheet, 说明, saying so. */
static int empty_sheet(struct run *r, struct book *b)
{
	char line[512];
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "说明");
	if (!ws) {
		logf_(r, MUSTER_LOG_ERROR, "cannot add the worksheet 说明");
		return 1;
	}
	if (r->period->team[0])
		snprintf(line, sizeof line, "队伍 %s 不是四川省（%s）的应急救援队伍，%s（%u年%u月）没有可填报的数据。",
		         r->period->team, PROVINCE, REPORT_TITLE, r->period->year, r->period->mon);
	else
		snprintf(line, sizeof line, "本数据存储中没有四川省（%s）的应急救援队伍，%s（%u年%u月）没有可填报的数据。",
		         PROVINCE, REPORT_TITLE, r->period->year, r->period->mon);
	keep(b, worksheet_set_column(ws, 0, 0, 100, NULL));
	put_str(b, ws, 0, 0, line, b->note);
	return 0;
}

static int build(struct run *r, lxw_workbook *wb)
{
	struct book b;
	memset(&b, 0, sizeof b);
	b.wb = wb;
	if (formats(&b)) {
		logf_(r, MUSTER_LOG_ERROR, "out of memory making the workbook's formats");
		return 1;
	}

	struct footer ft;
	const char *s;
	ft.unit = (s = r->host->param(r->ctx, "unit")) ? s : r->period->origin;
	ft.preparer = (s = r->host->param(r->ctx, "preparer")) ? s : "";
	ft.phone = (s = r->host->param(r->ctx, "phone")) ? s : "";
	uint32_t d = r->period->as_of ? r->period->as_of : r->period->last;
	snprintf(ft.date, sizeof ft.date, "%04u-%02u-%02u", (unsigned)(d / 10000 % 10000), (unsigned)(d / 100 % 100),
	         (unsigned)(d % 100));

	static lxw_doc_properties props; /* static: outlives build(), up to workbook_close(), in case it is kept by pointer */
	memset(&props, 0, sizeof props);
	props.title = (char *)REPORT_TITLE;
	props.company = (char *)ft.unit;
	props.author = (char *)ft.preparer;
	props.created = (time_t)r->period->generated;
	keep(&b, workbook_set_properties(wb, &props));

	if (r->n == 0) {
		if (empty_sheet(r, &b))
			return 1;
	} else {
		/* Each specialty with a team, in the fixed order; the first team's specialty_zh names it. */
		for (int g = 0; g <= OTHER_GROUP; g++) {
			const struct team *first = NULL;
			for (size_t i = 0; i < r->n && !first; i++)
				if (r->t[i].group == g)
					first = &r->t[i];
			if (!first)
				continue;
			if (g == OTHER_GROUP)
				logf_(r, MUSTER_LOG_WARNING, "teams of a specialty this report does not know are on the sheet %s",
				      OTHER_ZH);
			if (sheet(r, &b, &ft, g, g == OTHER_GROUP ? OTHER_ZH : first->specialty_zh))
				return 1;
		}
	}
	if (b.err != LXW_NO_ERROR) {
		logf_(r, MUSTER_LOG_ERROR, "cannot fill the workbook: %s", lxw_strerror(b.err));
		return 1;
	}
	return 0;
}

/* ---- the temporary file ------------------------------------------------- */

/* Hands the file at path to host->write. */
static int emit(struct run *r, const char *path)
{
	int rc = 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		logf_(r, MUSTER_LOG_ERROR, "cannot read back the workbook %s: %s", path, strerror(errno));
		return 1;
	}
	size_t cap = 64 * 1024;
	char *buf = r->host->alloc(r->ctx, cap);
	if (!buf) {
		logf_(r, MUSTER_LOG_ERROR, "out of memory reading back the workbook");
		goto out;
	}
	size_t total = 0;
	for (;;) {
		ssize_t got = read(fd, buf, cap);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			logf_(r, MUSTER_LOG_ERROR, "cannot read back the workbook %s: %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		if (r->host->write(r->ctx, buf, (size_t)got) != 0)
			goto out; /* the host has failed the report and said why */
		total += (size_t)got;
	}
	if (total == 0) {
		logf_(r, MUSTER_LOG_ERROR, "the workbook %s came out empty", path);
		goto out;
	}
	rc = 0;
out:
	r->host->free(r->ctx, buf);
	close(fd);
	return rc;
}

static int run(const muster_host_api *host, muster_report_ctx *ctx)
{
	struct run r;
	memset(&r, 0, sizeof r);
	r.host = host;
	r.ctx = ctx;
	r.period = host->period(ctx);
	if (!r.period) {
		host->log(ctx, MUSTER_LOG_ERROR, "the host gave no period");
		return 1;
	}

	int rc = 1;
	char *path = NULL;
	if (gather(&r))
		goto out;
	if (r.n == 0 && r.period->team[0])
		logf_(&r, MUSTER_LOG_WARNING, "team %s is not a Sichuan (%s) team; the workbook says so", r.period->team,
		      PROVINCE);
	else if (r.n == 0)
		logf_(&r, MUSTER_LOG_WARNING, "no Sichuan (%s) teams in this store; the workbook says so", PROVINCE);

	/*
	 * A file size limit of 0 means the host forbids files: say so instead of
	 * dying of SIGXFSZ.  Under a smaller limit, SIGXFSZ is ignored while the
	 * workbook is written so that a write past it fails and is reported.
	 */
	struct rlimit fsz;
	if (getrlimit(RLIMIT_FSIZE, &fsz) == 0 && fsz.rlim_cur == 0) {
		logf_(&r, MUSTER_LOG_ERROR, "this report needs a temporary file, and the file size limit is 0");
		goto out;
	}

	const char *dir = getenv("TMPDIR");
	if (!dir || !dir[0])
		dir = "/tmp";
	size_t plen = strlen(dir) + sizeof "/muster-sichuan-XXXXXX";
	path = host->alloc(ctx, plen);
	if (!path) {
		host->log(ctx, MUSTER_LOG_ERROR, "out of memory");
		goto out;
	}
	snprintf(path, plen, "%s/muster-sichuan-XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		logf_(&r, MUSTER_LOG_ERROR, "cannot make a temporary file in %s: %s (this report needs one)", dir,
		      strerror(errno));
		host->free(ctx, path);
		path = NULL;
		goto out;
	}
	close(fd); /* libxlsxwriter opens it by name */

	struct sigaction ign, old;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	int restore = sigaction(SIGXFSZ, &ign, &old) == 0;

	/* libxlsxwriter's own scratch files (one a part) go to the same directory. */
	lxw_workbook_options opt;
	memset(&opt, 0, sizeof opt);
	opt.tmpdir = (char *)dir;
	lxw_workbook *wb = workbook_new_opt(path, &opt);
	int bad = 0;
	lxw_error err = LXW_NO_ERROR;
	errno = 0;
	if (!wb) {
		logf_(&r, MUSTER_LOG_ERROR, "cannot start the workbook in %s (out of memory?)", path);
		bad = 1;
	} else {
		bad = build(&r, wb);
		err = workbook_close(wb); /* writes the file, and frees the workbook either way */
	}
	int saved = errno;
	if (restore)
		sigaction(SIGXFSZ, &old, NULL);
	if (!bad && err != LXW_NO_ERROR)
		logf_(&r, MUSTER_LOG_ERROR, "cannot write the workbook to %s: %s%s%s%s", path, lxw_strerror(err),
		      saved ? " (" : "", saved ? strerror(saved) : "", saved ? ")" : "");
	if (!bad && err == LXW_NO_ERROR)
		rc = emit(&r, path);

out:
	if (path) {
		unlink(path);
		host->free(ctx, path);
	}
	host->free(ctx, r.t);
	return rc;
}

static const muster_plugin_desc desc = {
	.abi = MUSTER_ABI_INIT(muster_plugin_desc),
	.name = "sichuan",
	.province = PROVINCE,
	.version = "1.0.0",
	.title = REPORT_TITLE,
	.title_en = "Sichuan monthly rescue team report",
	.kinds = "monthly",
	.media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	.extension = "xlsx",
	.run = run,
	/* Walked for every team (NULL); the host prepares these on all cores.  Deployments are read on demand. */
};

MUSTER_PLUGIN_EXPORT const muster_plugin_desc *muster_plugin_entry_v1(const muster_host_api *host)
{
	/* Decline a host without every function this plugin calls (the last of them is param). */
	if (!host || host->abi.major != MUSTER_PLUGIN_ABI_MAJOR || !MUSTER_ABI_HAS(host, muster_host_api, param))
		return NULL;
	return &desc;
}
