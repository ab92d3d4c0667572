/*
 * import.c - muster import KIND FILE: a team's register, kept in a
 * spreadsheet, read into the log (docs/IMPORT.md).
 *
 * Three steps.  The sheet is read (sheet.c) and its header row found among
 * the first rows by the headings it holds.  Every row below it is made into
 * the field record the matching CLI command would sign, value by value
 * (dates in their usual written forms and Excel serials, money in 元 or
 * 万元, full-width digits, names where codes are wanted), and checked
 * against the event's schema; a row whose key is already registered with
 * the same values is left out, so importing a file again adds nothing.
 * Then one write signs and appends every good row, each inside a savepoint:
 * a row the domain rules refuse is taken back and listed with the rule's
 * reason, and the others stay.  Unless --rejects was given, one bad row
 * means nothing is written.
 */
#include "config.h"

#include "import.h"
#include "progress.h"
#include "sheet.h"

#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the kinds and their columns ---------------------------------------- */

static const struct imp_col team_cols[] = {
	{MF_TEAM, "队伍编号", "队伍代码|队伍编码|队伍编号|team code|code"},
	{MF_NAME, "队伍名称", "名称|队伍|team name|name"},
	{MF_SPECIALTY, "专业", "专业类别|队伍类别|类别|specialty"},
	{MF_PROVINCE, "省份", "所在省份|所在省|省|省份代码|行政区划代码|province"},
	{MF_HOST, "依托单位", "依托单位名称|依托企业|host|host enterprise"},
	{MF_HOST_CODE, "统一社会信用代码", "依托单位统一社会信用代码|信用代码|host code|credit code"},
	{MF_OVERRIDE, "代码校验豁免理由", "override"},
	{MF_NOTES, "备注", "说明|notes"},
	{0, NULL, NULL},
};

static const struct imp_col depot_cols[] = {
	{MF_DEPOT, "装备库编号", "库房编号|仓库编号|装备库代码|depot code|depot"},
	{MF_TEAM, "队伍编号", "所属队伍|队伍|队伍代码|team"},
	{MF_NAME, "装备库名称", "库房名称|仓库名称|名称|name"},
	{MF_LOCATION, "地址", "位置|存放地点|库房地址|location"},
	{MF_NOTES, "备注", "说明|notes"},
	{0, NULL, NULL},
};

static const struct imp_col asset_cols[] = {
	{MF_ID, "资产编号", "装备编号|设备编号|固定资产编号|资产编码|装备编码|asset id|asset|id"},
	{MF_CATEGORY, "分类代码", "装备分类代码|分类编码|装备分类|category code|category"},
	{MF_TYPE, "装备名称", "装备类型|设备名称|器材名称|物资名称|品名|名称|type"},
	{MF_MODEL, "规格型号", "型号|规格|型号规格|model"},
	{MF_SERIAL, "出厂编号", "序列号|机身编号|出厂序号|产品编号|serial number|serial"},
	{MF_MAKER, "生产厂家", "制造商|生产厂商|厂家|生产单位|maker|manufacturer"},
	{MF_ACQUIRED, "购置日期", "购买日期|购置时间|采购日期|入库日期|acquired"},
	{MF_VALUE, "原值（元）", "原值|金额|价值|购置金额|单价|资产原值|value"},
	{MF_FUNDING, "资金来源", "经费来源|投资方式|funding"},
	{MF_OWNER, "产权单位", "所有权单位|owner"},
	{MF_TEAM, "队伍编号", "所属队伍|托管队伍|使用队伍|队伍|team"},
	{MF_DEPOT, "装备库编号", "存放库房|装备库|库房|仓库|depot"},
	{MF_AGREEMENT, "托管协议号", "托管协议|协议编号|agreement"},
	{MF_CUSTODY_FROM, "托管起", "托管开始日期|托管起始日期|托管期起|custody from"},
	{MF_CUSTODY_TO, "托管止", "托管截止日期|托管结束日期|托管期止|custody to"},
	{MF_ATTRS, "属性", "技术参数|主要参数|attributes|attr"},
	{MF_EXTERNAL, "外部装备", "社会装备|external"},
	{MF_NAME, "自编名称", "别名|name"},
	{MF_NOTES, "备注", "说明|notes"},
	{0, NULL, NULL},
};

static const struct imp_col person_cols[] = {
	{MF_PERSON, "身份证号", "公民身份号码|身份证号码|身份证|证件号码|resident id|id number|person"},
	{MF_NAME, "姓名", "名字|name"},
	{MF_TEAM, "队伍编号", "所属队伍|队伍|team"},
	{MF_POSITION, "岗位", "职务|岗位职务|position|post"},
	{MF_HIRED, "上岗日期", "入队日期|入职日期|上岗时间|hired"},
	{MF_SPECIAL, "特体队员", "特体|special"},
	{MF_HAZARDS, "职业病危害因素", "接害因素|危害因素|hazards"},
	{MF_NOTES, "备注", "说明|notes"},
	{0, NULL, NULL},
};

static const struct imp_col cert_cols[] = {
	{MF_PERSON, "身份证号", "公民身份号码|身份证号码|身份证|证件号码|持证人身份证号|person"},
	{MF_NAME, "姓名", "持证人|持证人姓名|name"},
	{MF_KIND, "证书类别", "证书种类|证书类型|证书名称|kind"},
	{MF_NUMBER, "证书编号", "证号|编号|number"},
	{MF_ISSUER, "发证机关", "发证单位|发证部门|issuer"},
	{MF_VALID_FROM, "有效期起", "发证日期|初领日期|有效期开始|valid from"},
	{MF_VALID_TO, "有效期至", "有效期止|截止日期|有效期截止|有效期限|valid to"},
	{MF_REVIEWED, "上次复审", "复审日期|最近复审日期|reviewed"},
	{MF_OP_CATEGORY, "作业类别", "op category"},
	{MF_ITEM, "操作项目", "准操项目|item"},
	{MF_NOTES, "备注", "说明|notes"},
	{0, NULL, NULL},
};

static const struct imp_col exam_cols[] = {
	{MF_PERSON, "身份证号", "公民身份号码|身份证号码|身份证|证件号码|person"},
	{MF_NAME, "姓名", "name"},
	{MF_EXAM, "体检类别", "体检类型|检查类别|检查类型|exam"},
	{MF_DATE, "体检日期", "检查日期|日期|date"},
	{MF_INSTITUTION, "体检机构", "体检单位|检查机构|institution"},
	{MF_CONCLUSION, "体检结论", "结论|检查结论|conclusion"},
	{MF_HAZARDS, "接害因素", "职业病危害因素|危害因素|hazards"},
	{MF_ITEMS, "复查项目", "items"},
	{MF_DUE, "复查日期", "复查期限|due"},
	{MF_CONTRA, "职业禁忌证", "禁忌证|contraindication"},
	{MF_DEPLOYMENT, "出动编号", "deployment"},
	{MF_NOTES, "备注", "说明|notes"},
	{0, NULL, NULL},
};

static const struct imp_col spend_cols[] = {
	{MF_DATE, "支出日期", "日期|付款日期|报销日期|date"},
	{MF_TEAM, "队伍编号", "队伍|所属队伍|team"},
	{MF_SPEND_TYPE, "支出类别", "费用类别|支出类型|费用类型|类别|spend type"},
	{MF_VENDOR, "收款单位", "供应商|维修单位|服务单位|vendor"},
	{MF_VENDOR_CODE, "收款单位统一社会信用代码", "供应商统一社会信用代码|统一社会信用代码|信用代码|vendor code"},
	{MF_INVOICE, "发票号码", "发票号|发票编号|invoice"},
	{MF_AMOUNT, "金额（元）", "金额|支出金额|报销金额|amount"},
	{MF_FUND, "资金编号", "资金|资金代码|经费|fund"},
	{MF_ID, "资产编号", "装备编号|设备编号|asset id|asset"},
	{MF_ARTICLE, "依据条款", "依据|article"},
	{MF_OVERRIDE, "代码校验豁免理由", "override"},
	{MF_NOTES, "备注", "摘要|说明|notes"},
	{0, NULL, NULL},
};

static const struct imp_kind kinds[] = {
	{"teams", "队伍", MUSTER_EV_TEAM_ADD, 0, {MF_TEAM}, team_cols},
	{"depots", "装备库", MUSTER_EV_DEPOT_ADD, 0, {MF_DEPOT}, depot_cols},
	{"assets", "装备", MUSTER_EV_ASSET_ADD, MUSTER_EV_ASSET_UPDATE, {MF_ID}, asset_cols},
	{"people", "人员", MUSTER_EV_PERSON_ADD, MUSTER_EV_PERSON_UPDATE, {MF_PERSON}, person_cols},
	{"certs", "证书", MUSTER_EV_CERT_ADD, 0, {MF_PERSON, MF_KIND, MF_NUMBER, MF_ITEM}, cert_cols},
	{"exams", "体检", MUSTER_EV_EXAM, 0, {0}, exam_cols},
	{"spending", "支出", MUSTER_EV_SPEND, 0, {0}, spend_cols},
};

const struct imp_kind *imp_kind_find(const char *name)
{
	static const char *const also[] = {"team", "depot", "asset", "person", "cert", "exam", "spend"};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(name, kinds[i].name) == 0 || strcmp(name, also[i]) == 0 || strcmp(name, kinds[i].zh) == 0)
			return &kinds[i];
	return NULL;
}

const char *imp_kind_list(void)
{
	return "teams, depots, assets, people, certs, exams, spending";
}

/* ---- a small map from byte strings to numbers ---------------------------- */

struct smap {
	struct sm_slot {
		char *k;
		size_t kn;
		size_t v;
	} *t;
	size_t cap, n;
};

static uint64_t sm_hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211u;
	return h;
}

static struct sm_slot *sm_find(const struct smap *m, const char *k, size_t n)
{
	if (!m->cap)
		return NULL;
	for (size_t i = sm_hash(k, n) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct sm_slot *s = &m->t[i];
		if (!s->k)
			return NULL;
		if (s->kn == n && memcmp(s->k, k, n) == 0)
			return s;
	}
}

/* Sets k to v unless k is there already; returns the slot. */
static struct sm_slot *sm_add(struct smap *m, const char *k, size_t n, size_t v)
{
	struct sm_slot *s = sm_find(m, k, n);
	if (s)
		return s;
	if ((m->n + 1) * 4 > m->cap * 3) {
		struct smap g = {calloc(m->cap ? m->cap * 2 : 64, sizeof *g.t), m->cap ? m->cap * 2 : 64, 0};
		if (!g.t)
			die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
		for (size_t i = 0; i < m->cap; i++)
			if (m->t[i].k) {
				size_t j = sm_hash(m->t[i].k, m->t[i].kn) & (g.cap - 1);
				while (g.t[j].k)
					j = (j + 1) & (g.cap - 1);
				g.t[j] = m->t[i];
			}
		g.n = m->n;
		free(m->t);
		*m = g;
	}
	size_t i = sm_hash(k, n) & (m->cap - 1);
	while (m->t[i].k)
		i = (i + 1) & (m->cap - 1);
	s = &m->t[i];
	s->k = malloc(n ? n : 1);
	if (!s->k)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	memcpy(s->k, k, n);
	s->kn = n;
	s->v = v;
	m->n++;
	return s;
}

static void sm_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->t[i].k);
	free(m->t);
	memset(m, 0, sizeof *m);
}

/* ---- the register in the log --------------------------------------------- */

struct imp_reg {
	const struct imp_kind *k;
	muster_buf *body; /* one per row */
	uint64_t *index;
	size_t n, cap;
	struct smap keys;                 /* key -> row */
	struct smap team, depot, fund;    /* name -> the code's row in codes */
	struct smap pname;                /* resident ID -> the person's name in codes */
	muster_buf codes;                 /* NUL-separated codes the name maps point at (by offset) */
};

/* The row's key: its key fields' values, NUL between; the whole body for a kind without one. */
static void row_key(muster_buf *b, const struct imp_kind *k, const muster_rec *r, const uint8_t *body, size_t len)
{
	muster_buf_reset(b);
	if (!k->keys[0]) {
		muster_buf_put(b, body, len);
		return;
	}
	for (int i = 0; i < 4 && k->keys[i]; i++) {
		if (i)
			muster_buf_put(b, "", 1);
		if (MUSTER_HAS(r, k->keys[i]))
			muster_buf_put(b, r->v[k->keys[i]].p, r->v[k->keys[i]].n);
	}
}

static void name_map(struct imp_reg *g, struct smap *m, const muster_rec *r, unsigned code_tag)
{
	if (!MUSTER_HAS(r, MF_NAME) || !MUSTER_HAS(r, code_tag))
		return;
	size_t off = g->codes.len;
	muster_buf_put(&g->codes, r->v[code_tag].p, r->v[code_tag].n);
	muster_buf_put(&g->codes, "", 1);
	sm_add(m, r->v[MF_NAME].p, r->v[MF_NAME].n, off);
}

/* Applies an update event's fields that the kind's rows hold (not its keys) to row i. */
static void reg_update(struct imp_reg *g, size_t i, const muster_rec *u)
{
	muster_mask allowed, required;
	muster_rec r;
	if (!muster_event_schema(g->k->type, &allowed, &required) ||
		muster_rec_decode(g->body[i].data, g->body[i].len, 0, 0, &r, NULL, 0) != 0)
		return;
	for (unsigned t = 1; t < MUSTER_FIELDS_MAX; t++)
		if (MUSTER_HAS(u, t) && (allowed & MUSTER_BIT(t)) && t != g->k->keys[0])
			r.v[t] = u->v[t], r.has |= MUSTER_BIT(t);
	muster_buf nb = {0};
	muster_rec_encode(&nb, &r);
	if (nb.err)
		die(EXIT_IO, "%s", cli_strerror(nb.err));
	muster_buf_free(&g->body[i]);
	g->body[i] = nb;
}

struct imp_reg *imp_reg_load(muster_snap *sn, const struct imp_kind *k, int *rcp)
{
	struct imp_reg *g = calloc(1, sizeof *g);
	uint64_t size;
	int rc = g ? muster_snap_size(sn, &size) : MUSTER_ENOMEM;
	muster_buf key = {0};
	if (g)
		g->k = k;
	for (uint64_t i = 0; rc == 0 && i < size; i++) {
		muster_entry e;
		const uint8_t *raw;
		size_t len;
		muster_rec r;
		if ((rc = muster_snap_entry(sn, i, &e, &raw, &len)) != 0)
			break;
		if (e.type != k->type && e.type != k->update && e.type != MUSTER_EV_TEAM_ADD &&
			e.type != MUSTER_EV_DEPOT_ADD && e.type != MUSTER_EV_FUND_ADD && e.type != MUSTER_EV_PERSON_ADD &&
			e.type != MUSTER_EV_PERSON_UPDATE)
			continue;
		if (muster_rec_decode(e.body, e.body_len, 0, 0, &r, NULL, 0) != 0)
			continue;
		if (e.type == MUSTER_EV_TEAM_ADD)
			name_map(g, &g->team, &r, MF_TEAM);
		if (e.type == MUSTER_EV_DEPOT_ADD)
			name_map(g, &g->depot, &r, MF_DEPOT);
		if (e.type == MUSTER_EV_FUND_ADD)
			name_map(g, &g->fund, &r, MF_FUND);
		if ((e.type == MUSTER_EV_PERSON_ADD || e.type == MUSTER_EV_PERSON_UPDATE) && MUSTER_HAS(&r, MF_NAME) &&
			MUSTER_HAS(&r, MF_PERSON)) {
			size_t off = g->codes.len;
			muster_buf_put(&g->codes, r.v[MF_NAME].p, r.v[MF_NAME].n);
			muster_buf_put(&g->codes, "", 1);
			sm_add(&g->pname, r.v[MF_PERSON].p, r.v[MF_PERSON].n, off)->v = off; /* an update renames */
		}
		if (e.type != k->type && e.type != k->update)
			continue;
		row_key(&key, k, &r, e.body, e.body_len);
		if (key.err) {
			rc = key.err;
			break;
		}
		struct sm_slot *s = sm_find(&g->keys, (const char *)key.data, key.len);
		if (e.type == k->update) {
			if (s)
				reg_update(g, s->v, &r);
			continue;
		}
		if (s)
			continue;
		if (g->n == g->cap) {
			size_t nc = g->cap ? g->cap * 2 : 256;
			muster_buf *nb = realloc(g->body, nc * sizeof *nb);
			uint64_t *ni = nb ? realloc(g->index, nc * sizeof *ni) : NULL;
			if (nb)
				g->body = nb;
			if (!ni) {
				rc = MUSTER_ENOMEM;
				break;
			}
			g->index = ni;
			g->cap = nc;
		}
		memset(&g->body[g->n], 0, sizeof g->body[g->n]);
		muster_buf_put(&g->body[g->n], e.body, e.body_len);
		g->index[g->n] = i;
		sm_add(&g->keys, (const char *)key.data, key.len, g->n);
		g->n++;
	}
	muster_buf_free(&key);
	*rcp = rc;
	if (rc && g) {
		imp_reg_free(g);
		return NULL;
	}
	return g;
}

size_t imp_reg_count(const struct imp_reg *g)
{
	return g->n;
}

void imp_reg_row(const struct imp_reg *g, size_t i, const uint8_t **body, size_t *len, uint64_t *index)
{
	*body = g->body[i].data;
	*len = g->body[i].len;
	*index = g->index[i];
}

const char *imp_reg_person_name(const struct imp_reg *g, const char *id, size_t n)
{
	struct sm_slot *sl = sm_find(&g->pname, id, n);
	return sl ? (const char *)g->codes.data + sl->v : NULL;
}

void imp_reg_free(struct imp_reg *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		muster_buf_free(&g->body[i]);
	free(g->body);
	free(g->index);
	sm_free(&g->keys);
	sm_free(&g->team);
	sm_free(&g->depot);
	sm_free(&g->fund);
	sm_free(&g->pname);
	muster_buf_free(&g->codes);
	free(g);
}

/* ---- text: full-width forms, spaces, headings ---------------------------- */

/* Decodes one UTF-8 character at s (n > 0 bytes left); *len its bytes.  Invalid: the byte itself. */
static uint32_t utf8_at(const char *s, size_t n, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] < 0x80 || n < 2) {
		*len = 1;
		return u[0];
	}
	size_t l = u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : 2;
	if (l > n) {
		*len = 1;
		return u[0];
	}
	uint32_t c = l == 2 ? u[0] & 0x1fu : l == 3 ? u[0] & 0x0fu : u[0] & 0x07u;
	for (size_t i = 1; i < l; i++)
		c = (c << 6) | (u[i] & 0x3fu);
	*len = l;
	return c;
}

static int is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xa0 || c == 0x3000 || c == 0xfeff;
}

/* s[0..n) with surrounding spaces (ASCII, no-break, ideographic) trimmed. */
static void trim(const char **s, size_t *n)
{
	size_t l;
	while (*n && is_space(utf8_at(*s, *n, &l)))
		*s += l, *n -= l;
	while (*n) {
		size_t k = *n, back = 1;
		while (back < 4 && back < k && ((unsigned char)(*s)[k - back] & 0xc0) == 0x80)
			back++;
		if (!is_space(utf8_at(*s + k - back, back, &l)) || l != back)
			break;
		*n -= back;
	}
}

/*
 * Appends s[0..n) to b with full-width ASCII (U+FF01..U+FF5E) and the
 * ideographic space folded to ASCII; when heading, also without any space,
 * in lower case, without a trailing '*' or colon, and with full-width
 * brackets made ASCII.
 */
static void fold(muster_buf *b, const char *s, size_t n, int heading)
{
	for (size_t i = 0, l; i < n; i += l) {
		uint32_t c = utf8_at(s + i, n - i, &l);
		if (c >= 0xff01 && c <= 0xff5e)
			c -= 0xfee0;
		else if (c == 0x3000)
			c = ' ';
		else if (heading && (c == 0x3010 || c == 0x3014))
			c = '(';
		else if (heading && (c == 0x3011 || c == 0x3015))
			c = ')';
		if (heading && (is_space(c) || c == '*'))
			continue;
		if (c < 0x80) {
			char ch = (char)(heading ? tolower((int)c) : (int)c);
			muster_buf_put(b, &ch, 1);
		} else {
			muster_buf_put(b, s + i, l);
		}
	}
	if (heading)
		while (b->len && (b->data[b->len - 1] == ':'))
			b->len--;
}

enum unit { U_NONE, U_FEN, U_YUAN, U_WAN };

/*
 * A heading, folded; its unit in brackets ("金额（万元）") goes to *unit and
 * the bracket is left out of *bare.
 */
static void heading_norm(const char *s, size_t n, muster_buf *full, muster_buf *bare, enum unit *unit)
{
	muster_buf_reset(full);
	muster_buf_reset(bare);
	trim(&s, &n);
	fold(full, s, n, 1);
	*unit = U_NONE;
	char *o = memchr(full->data ? (char *)full->data : "", '(', full->len);
	if (!o) {
		muster_buf_put(bare, full->data, full->len);
		return;
	}
	size_t at = (size_t)((uint8_t *)o - full->data);
	const char *in = o + 1, *end = memchr(in, ')', full->len - at - 1);
	size_t un = end ? (size_t)(end - in) : full->len - at - 1;
	static const struct {
		const char *w;
		enum unit u;
	} units[] = {{"元", U_YUAN}, {"人民币元", U_YUAN}, {"yuan", U_YUAN}, {"cny", U_YUAN}, {"rmb", U_YUAN},
		{"万元", U_WAN}, {"wan", U_WAN}, {"10kyuan", U_WAN}, {"分", U_FEN}, {"fen", U_FEN}};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strlen(units[i].w) == un && memcmp(units[i].w, in, un) == 0)
			*unit = units[i].u;
	muster_buf_put(bare, full->data, at);
	if (end)
		muster_buf_put(bare, end + 1, full->len - (size_t)((const uint8_t *)end + 1 - full->data));
}

/* Headings that are known and mean nothing to import: row numbers, and the reason column of a rejects file. */
static int ignorable(const muster_buf *h)
{
	static const char *const words[] = {"序号", "行号", "no.", "no", "#", "错误", "error", "错误error", "错误原因", NULL};
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) == h->len && memcmp(words[i], h->data, h->len) == 0)
			return 1;
	return 0;
}

/* ---- a mapping profile (--map) ------------------------------------------- */

struct alias {
	char *heading; /* folded */
	unsigned tag;
	enum unit unit;
};

struct profile {
	struct alias *a;
	size_t n;
	struct {
		unsigned tag;
		char *value;
	} def[32];
	size_t ndef;
	char *path;
};

static unsigned kind_tag(const struct imp_kind *k, const char *name)
{
	const muster_field *f = muster_field_by_name(name);
	for (size_t i = 0; f && k->cols[i].tag; i++)
		if (k->cols[i].tag == f->tag)
			return f->tag;
	return 0;
}

static char *profile_path(const char *name)
{
	if (strchr(name, '/') || access(name, R_OK) == 0)
		return strdup(name);
	const char *dir = getenv("MUSTER_IMPORT_DIR");
	size_t n = strlen(dir ? dir : PKGDATADIR "/import") + strlen(name) + 8;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s.map", dir ? dir : PKGDATADIR "/import", name);
	return p;
}

/*
 * Reads a profile: lines "column HEADING = FIELD [元|万元|分]", "default
 * FIELD VALUE", "kind KIND", '#' comments.  Dies naming the line of a bad one.
 */
static void profile_read(struct profile *p, const char *name, const struct imp_kind *k)
{
	p->path = profile_path(name);
	FILE *f = p->path ? fopen(p->path, "r") : NULL;
	if (!f)
		die(EXIT_NOTFOUND, L("cannot read the import profile '%s' (%s): %s; give a file or a name in %s",
					 "无法读取导入映射 '%s'（%s）：%s；请给出文件路径或 %s 中的名称"),
			name, p->path ? p->path : "?", strerror(errno), PKGDATADIR "/import");
	char line[1024];
	for (int ln = 1; fgets(line, sizeof line, f); ln++) {
		char *s = line, *e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (strncmp(s, "kind ", 5) == 0) {
			if (imp_kind_find(s + 5) != k)
				die(EXIT_USAGE, L("%s line %d: this profile is for '%s', not %s", "%s 第 %d 行：此映射用于 '%s'，不是 %s"),
					p->path, ln, s + 5, k->name);
			continue;
		}
		if (strncmp(s, "default ", 8) == 0) {
			char *v = strchr(s + 8, ' ');
			if (v)
				*v++ = 0;
			unsigned t = kind_tag(k, s + 8);
			if (!t || !v || !*v || p->ndef == sizeof p->def / sizeof p->def[0])
				die(EXIT_USAGE, L("%s line %d: write 'default FIELD VALUE' with a field of %s",
							"%s 第 %d 行：应为 'default 字段 值'，字段属于 %s"),
					p->path, ln, k->name);
			p->def[p->ndef].tag = t;
			p->def[p->ndef++].value = strdup(v);
			continue;
		}
		char *eq = strrchr(s, '=');
		if (strncmp(s, "column ", 7) != 0 || !eq)
			die(EXIT_USAGE, L("%s line %d: expected 'column HEADING = FIELD [元|万元|分]', 'default FIELD VALUE' or 'kind KIND'",
						"%s 第 %d 行：应为 'column 列名 = 字段 [元|万元|分]'、'default 字段 值' 或 'kind 类别'"),
				p->path, ln);
		*eq = 0;
		char *field = eq + 1, *unit;
		while (*field == ' ')
			field++;
		if ((unit = strchr(field, ' ')) != NULL)
			*unit++ = 0;
		unsigned t = kind_tag(k, field);
		if (!t)
			die(EXIT_USAGE, L("%s line %d: '%s' is not a field of %s; see docs/IMPORT.md", "%s 第 %d 行：'%s' 不是 %s 的字段；参见 docs/IMPORT.md"),
				p->path, ln, field, k->name);
		struct alias *na = realloc(p->a, (p->n + 1) * sizeof *na);
		if (!na)
			die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
		p->a = na;
		muster_buf full = {0}, bare = {0};
		enum unit u;
		heading_norm(s + 7, strlen(s + 7), &full, &bare, &u);
		muster_buf_put(&full, "", 1);
		p->a[p->n].heading = strdup((const char *)full.data);
		p->a[p->n].tag = t;
		p->a[p->n].unit = !unit ? u : strcmp(unit, "万元") == 0 ? U_WAN : strcmp(unit, "分") == 0 ? U_FEN : U_YUAN;
		p->n++;
		muster_buf_free(&full);
		muster_buf_free(&bare);
	}
	fclose(f);
}

static void profile_free(struct profile *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->a[i].heading);
	for (size_t i = 0; i < p->ndef; i++)
		free(p->def[i].value);
	free(p->a);
	free(p->path);
}

/* ---- the header row -------------------------------------------------------- */

struct column {
	unsigned tag; /* 0: not imported */
	enum unit unit;
	char *heading; /* as written */
};

static int same(const muster_buf *b, const char *s)
{
	size_t n = strlen(s);
	return b->len == n && memcmp(b->data, s, n) == 0;
}

/* The field a heading names for kind k, or 0. */
static unsigned heading_tag(const struct imp_kind *k, const struct profile *p, const muster_buf *full,
	const muster_buf *bare, enum unit *unit)
{
	for (size_t i = 0; i < p->n; i++)
		if (same(full, p->a[i].heading) || same(bare, p->a[i].heading)) {
			if (p->a[i].unit != U_NONE)
				*unit = p->a[i].unit;
			return p->a[i].tag;
		}
	muster_buf h = {0};
	unsigned found = 0;
	for (int pass = 0; pass < 2 && !found; pass++) {
		const muster_buf *want = pass ? bare : full;
		for (size_t i = 0; k->cols[i].tag && !found; i++) {
			const struct imp_col *c = &k->cols[i];
			const muster_field *f = muster_field_get(c->tag);
			const char *names[4] = {c->head, f->name, f->zh, f->en};
			for (int j = 0; j < 4 && !found; j++) {
				enum unit u;
				muster_buf b2 = {0};
				heading_norm(names[j], strlen(names[j]), &h, &b2, &u);
				if ((h.len == want->len && memcmp(h.data, want->data, h.len) == 0) ||
					(b2.len && b2.len == want->len && memcmp(b2.data, want->data, b2.len) == 0))
					found = c->tag;
				muster_buf_free(&b2);
			}
			for (const char *a = c->aliases; *a && !found;) {
				size_t n = strcspn(a, "|");
				muster_buf b2 = {0};
				enum unit u;
				heading_norm(a, n, &h, &b2, &u);
				if (h.len == want->len && memcmp(h.data, want->data, h.len) == 0)
					found = c->tag;
				muster_buf_free(&b2);
				a += n + (a[n] == '|');
			}
		}
	}
	muster_buf_free(&h);
	return found;
}

/* ---- values -------------------------------------------------------------------- */

/* Province names (GB/T 2260) to codes, for a sheet that writes 山西省 where the code is wanted. */
static const char *province_code(const char *s, size_t n)
{
	static const char *const p[][2] = {{"北京", "110000"}, {"天津", "120000"}, {"河北", "130000"}, {"山西", "140000"},
		{"内蒙古", "150000"}, {"辽宁", "210000"}, {"吉林", "220000"}, {"黑龙江", "230000"}, {"上海", "310000"},
		{"江苏", "320000"}, {"浙江", "330000"}, {"安徽", "340000"}, {"福建", "350000"}, {"江西", "360000"},
		{"山东", "370000"}, {"河南", "410000"}, {"湖北", "420000"}, {"湖南", "430000"}, {"广东", "440000"},
		{"广西", "450000"}, {"海南", "460000"}, {"重庆", "500000"}, {"四川", "510000"}, {"贵州", "520000"},
		{"云南", "530000"}, {"西藏", "540000"}, {"陕西", "610000"}, {"甘肃", "620000"}, {"青海", "630000"},
		{"宁夏", "640000"}, {"新疆", "650000"}};
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
		size_t l = strlen(p[i][0]);
		if (n >= l && memcmp(s, p[i][0], l) == 0) {
			if (n == l)
				return p[i][1];
			static const char *const tails[] = {"省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区"};
			for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++)
				if (n - l == strlen(tails[t]) && memcmp(s + l, tails[t], n - l) == 0)
					return p[i][1];
		}
	}
	return NULL;
}

/* Other names a sheet uses for an enum value: {field, written, value}. */
static const char *enum_alias(unsigned tag, const char *s, size_t n)
{
	static const struct {
		unsigned tag;
		const char *written, *value;
	} a[] = {
		{MF_FUNDING, "国家投资", "national"}, {MF_FUNDING, "中央投资", "national"}, {MF_FUNDING, "国家", "national"},
		{MF_FUNDING, "国家专项资金", "national"}, {MF_FUNDING, "依托", "host"}, {MF_FUNDING, "自筹", "host"},
		{MF_FUNDING, "企业自筹", "host"}, {MF_FUNDING, "依托单位自筹", "host"}, {MF_FUNDING, "其它", "other"},
		{MF_SPECIALTY, "矿山", "mine"}, {MF_SPECIALTY, "危险化学品", "hazchem"}, {MF_SPECIALTY, "危化", "hazchem"},
		{MF_SPECIALTY, "隧道", "tunnel"}, {MF_SPECIALTY, "油气", "oil_gas"}, {MF_SPECIALTY, "支撑", "support"},
		{MF_POSITION, "大队长", "brigade_commander"}, {MF_POSITION, "中队长", "squadron_commander"},
		{MF_POSITION, "小队长", "squad_leader"}, {MF_POSITION, "救援队员", "member"}, {MF_POSITION, "其它", "other"},
		{MF_EXAM, "岗前", "pre_placement"}, {MF_EXAM, "在岗", "periodic"}, {MF_EXAM, "离岗", "exit"},
		{MF_EXAM, "上岗前体检", "pre_placement"}, {MF_EXAM, "在岗期间体检", "periodic"},
		{MF_EXAM, "离岗时体检", "exit"}, {MF_EXAM, "应急体检", "emergency"},
		{MF_CONCLUSION, "未见异常", "normal"}, {MF_CONCLUSION, "正常", "normal"}, {MF_CONCLUSION, "合格", "normal"},
		{MF_CONCLUSION, "其他疾病或异常", "other"}, {MF_CONCLUSION, "禁忌证", "contraindication"},
		{MF_SPEND_TYPE, "维保", "maintenance"}, {MF_SPEND_TYPE, "保养", "maintenance"}, {MF_SPEND_TYPE, "检定", "calibration"},
		{MF_SPEND_TYPE, "校准", "calibration"}, {MF_SPEND_TYPE, "其它", "other"},
	};
	for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
		if (a[i].tag == tag && strlen(a[i].written) == n && memcmp(a[i].written, s, n) == 0)
			return a[i].value;
	return NULL;
}

static const char *op_category_names[] = {"电工", "焊接与热切割", "高处", "制冷与空调", "煤矿安全", "金属非金属矿山安全",
	"石油天然气安全", "冶金(有色)生产安全", "危险化学品安全", "烟花爆竹安全", "其他"};

/* A date as sheets write it; 0 and *ymd, or -1. */
static int parse_date(const char *s, size_t n, enum sheet_kind kind, uint64_t *ymd)
{
	char t[64];
	if (n == 0 || n >= sizeof t)
		return -1;
	memcpy(t, s, n);
	t[n] = 0;
	int all_digits = 1;
	for (size_t i = 0; i < n; i++)
		all_digits &= isdigit((unsigned char)t[i]) != 0;
	if (all_digits && n == 8) {
		*ymd = strtoull(t, NULL, 10);
		return muster_date_valid(*ymd) ? 0 : -1;
	}
	if (all_digits || (kind == SHEET_NUMBER && strspn(t, "0123456789.") == n)) {
		char *end, day[11];
		double d = strtod(t, &end); /* an Excel serial, the 1900 system; a time of day after the point is dropped */
		if (*end || d < 1 || d > 3e6 || sheet_serial_date((int64_t)d, 0, day) != 0)
			return -1;
		*ymd = muster_date_parse(day);
		return muster_date_valid(*ymd) ? 0 : -1;
	}
	/* Y-M-D, Y/M/D, Y.M.D or Y年M月D日, then perhaps a time. */
	unsigned y = 0, m = 0, d = 0;
	const char *p = t;
	unsigned *part[3] = {&y, &m, &d};
	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		size_t digits = 0;
		while (isdigit((unsigned char)*p) && digits < 5)
			*part[i] = *part[i] * 10 + (unsigned)(*p++ - '0'), digits++;
		if (i == 0 && digits != 4)
			return -1;
		if (i < 2) {
			static const char *const seps[] = {"-", "/", ".", "年", "月"};
			size_t l = 0;
			for (size_t k = 0; k < 5 && !l; k++)
				if (strncmp(p, seps[k], strlen(seps[k])) == 0)
					l = strlen(seps[k]);
			if (!l)
				return -1;
			p += l;
		}
	}
	if (strncmp(p, "日", strlen("日")) == 0)
		p += strlen("日");
	if (*p && *p != ' ' && *p != 'T')
		return -1;
	*ymd = (uint64_t)y * 10000 + m * 100 + d;
	return muster_date_valid(*ymd) ? 0 : -1;
}

/*
 * Money as sheets write it: "3,580,000.00", "¥1,234.5", "358万元", "12.5元",
 * "86000分"; in the column's unit when the cell names none (yuan by
 * default).  A number cell may carry binary noise ("0.30000000000000004"):
 * it is rounded to the fen when within a millionth of one.
 */
static int parse_money(const char *s, size_t n, enum sheet_kind kind, enum unit unit, uint64_t *fen)
{
	char t[64];
	size_t k = 0;
	for (size_t i = 0, l; i < n; i += l) {
		uint32_t c = utf8_at(s + i, n - i, &l);
		if (c == ',' || c == ' ' || c == 0xa5 || c == 0xffe5 || c == 0xff0c)
			continue;
		if (k + l >= sizeof t)
			return -1;
		memcpy(t + k, s + i, l);
		k += l;
	}
	t[k] = 0;
	static const struct {
		const char *w;
		enum unit u;
	} suffix[] = {{"万元", U_WAN}, {"元", U_YUAN}, {"分", U_FEN}};
	for (size_t i = 0; i < 3; i++) {
		size_t l = strlen(suffix[i].w);
		if (k > l && strcmp(t + k - l, suffix[i].w) == 0) {
			unit = suffix[i].u;
			t[k -= l] = 0;
			break;
		}
	}
	if (unit == U_NONE)
		unit = U_YUAN;
	unsigned scale = unit == U_FEN ? 0 : unit == U_YUAN ? 2 : 6; /* decimals down to the fen */
	uint64_t per = unit == U_FEN ? 1 : unit == U_YUAN ? 100 : 1000000;
	if (kind == SHEET_NUMBER && (strchr(t, 'e') || strchr(t, 'E') || strlen(t) - strcspn(t, ".") > scale + 1)) {
		char *end;
		double d = strtod(t, &end);
		double f = d * (double)per;
		if (*end || d < 0 || f > 9e15 || f - (double)(uint64_t)(f + 0.5) > 1e-6 * (double)per ||
			(double)(uint64_t)(f + 0.5) - f > 1e-6 * (double)per)
			return -1;
		*fen = (uint64_t)(f + 0.5);
		return 0;
	}
	const char *p = t;
	uint64_t whole = 0, frac = 0;
	unsigned fd = 0;
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		if (whole > 90000000000000ull)
			return -1;
		whole = whole * 10 + (uint64_t)(*p++ - '0');
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (fd == scale) {
				if (*p != '0')
					return -1;
				p++;
				continue;
			}
			frac = frac * 10 + (uint64_t)(*p++ - '0');
			fd++;
		}
	}
	if (*p)
		return -1;
	while (fd < scale)
		frac *= 10, fd++;
	*fen = whole * per + frac; /* per: fen in one unit; frac: fen below it */
	return 0;
}

static int truthy(const char *s, size_t n, int *v)
{
	static const char *const yes[] = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有", NULL};
	static const char *const no[] = {"否", "n", "no", "false", "0", "×", "无", NULL};
	char t[16];
	if (n >= sizeof t)
		return -1;
	for (size_t i = 0; i < n; i++)
		t[i] = (char)tolower((unsigned char)s[i]);
	t[n] = 0;
	for (int i = 0; yes[i]; i++)
		if (strcmp(t, yes[i]) == 0)
			return *v = 1, 0;
	for (int i = 0; no[i]; i++)
		if (strcmp(t, no[i]) == 0)
			return *v = 0, 0;
	return -1;
}

/* ---- one row ---------------------------------------------------------------- */

struct row {
	uint64_t number;   /* in the sheet */
	size_t raw;        /* its cells as one CSV line: offset in imp.raw */
	size_t raw_len;
	muster_buf body;   /* the event's field record; empty for a row left out */
	int bad;           /* 1: listed among the bad rows */
	int same;          /* already registered with these values (entry or row number in same_as) */
	uint64_t same_as;
	uint64_t index;    /* its entry, once written */
};

struct bad {
	uint64_t row;
	char *column; /* heading, or NULL */
	char *field;  /* field name, or NULL */
	char *reason;
};

struct badlist {
	struct bad *v;
	size_t n, cap;
};

/* Rows live in blocks that never move: one thread adds rows while another reads those before them. */
#define ROWS_BLOCK 4096
#define ROWS_MAX ((size_t)ROWS_BLOCK * 1024)

struct imp {
	const struct opts *o;
	const struct imp_kind *k;
	const char *file;
	struct imp_reg *reg;
	struct profile prof;
	struct smap kind_code, kind_name, tnum; /* certificate kinds: codes, names -> code, T-number codes */
	muster_buf kinds;                       /* the codes kind_name points at */
	struct column *cols;
	size_t ncols;
	char **heads; /* the header row as written, for a rejects file */
	size_t nheads;
	uint64_t header_row;
	struct row *blk[ROWS_MAX / ROWS_BLOCK];
	size_t nrows; /* rows made: the reader's own count */
	muster_buf raw;
	struct badlist rbad; /* found reading (the reader's) */
	struct badlist wbad; /* refused by the store's rules (the writer's) */
	struct smap seen;    /* key -> the row of the file that first had it */
	muster_buf tmp, key;
	/* Between the reader thread and the writer; under mu. */
	sheet *sh;
	pthread_mutex_t mu;
	pthread_cond_t more;
	size_t published; /* rows the writer may take */
	int reading, stop, read_failed;
	uint64_t read_done, read_total;
	char read_why[600];
	/* The writer's. */
	const muster_signer *signer;
	int dry, keep_good;
	size_t written, unchanged;
	uint64_t first, last;
};

static struct row *row_at(struct imp *m, size_t i)
{
	return &m->blk[i / ROWS_BLOCK][i % ROWS_BLOCK];
}

static void bad_add(struct badlist *l, uint64_t row, const char *column, const char *field, const char *fmt, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 5, 6)))
#endif
	;
static void bad_add(struct badlist *l, uint64_t row, const char *column, const char *field, const char *fmt, ...)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		struct bad *nb = realloc(l->v, l->cap * sizeof *nb);
		if (!nb)
			die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
		l->v = nb;
	}
	char why[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	struct bad *b = &l->v[l->n++];
	b->row = row;
	b->column = column ? strdup(column) : NULL;
	b->field = field ? strdup(field) : NULL;
	b->reason = strdup(why);
}

static void bad_clear(struct badlist *l, size_t from)
{
	for (size_t i = from; i < l->n; i++) {
		free(l->v[i].column);
		free(l->v[i].field);
		free(l->v[i].reason);
	}
	l->n = from;
}

/* The name map's code for a name, or NULL. */
static const char *code_for(const struct imp_reg *g, const struct smap *m, const char *s, size_t n)
{
	struct sm_slot *sl = sm_find(m, s, n);
	return sl ? (const char *)g->codes.data + sl->v : NULL;
}

/* The certificate kinds, read once: rows are made while the store is being written. */
static int kind_cb(const muster_cert_rule *r, void *arg)
{
	struct imp *m = arg;
	size_t off = m->kinds.len;
	muster_buf_put(&m->kinds, r->kind, r->kind_len);
	muster_buf_put(&m->kinds, "", 1);
	sm_add(&m->kind_code, r->kind, r->kind_len, 0);
	sm_add(&m->kind_name, r->name, r->name_len, off);
	if (r->t_number)
		sm_add(&m->tnum, r->kind, r->kind_len, 0);
	return 0;
}

/*
 * Makes cell text s[0..n) of column c into what muster_fv_parse takes for
 * its field, in m->tmp (NUL-terminated).  0, or -1 with a reason in why.
 */
static int cell_value(struct imp *m, const struct column *c, const char *s, size_t n, enum sheet_kind kind,
	char *why, size_t whylen)
{
	const muster_field *f = muster_field_get(c->tag);
	muster_buf *t = &m->tmp;
	muster_buf_reset(t);
	fold(t, s, n, 0);
	const char *v = (const char *)t->data;
	size_t vn = t->len;
	char num[32];
	if (kind == SHEET_ERROR) {
		snprintf(why, whylen, L("the cell holds the error %.*s; fix the formula or type the value",
					      "单元格是错误值 %.*s；请修正公式或直接填写"),
			(int)n, s);
		return -1;
	}
	switch (f->type) {
	case MUSTER_F_DATE: {
		uint64_t ymd;
		if (parse_date(v, vn, kind, &ymd) != 0) {
			snprintf(why, whylen, L("'%.*s' is not a date; write 2026-10-05, 2026/10/5 or 2026年10月5日",
						      "'%.*s' 不是日期；请写作 2026-10-05、2026/10/5 或 2026年10月5日"),
				(int)n, s);
			return -1;
		}
		char d[11];
		muster_date_format(ymd, d);
		muster_buf_reset(t);
		muster_buf_put(t, d, 10);
		break;
	}
	case MUSTER_F_FEN: {
		uint64_t fen;
		if (parse_money(v, vn, kind, c->unit, &fen) != 0) {
			snprintf(why, whylen, L("'%.*s' is not an amount in %s; write 12500.00, 1.25万元 or 1,250,000分",
						      "'%.*s' 不是金额（%s）；请写作 12500.00、1.25万元 或 1,250,000分"),
				(int)n, s, c->unit == U_WAN ? "万元" : c->unit == U_FEN ? "分" : "元");
			return -1;
		}
		snprintf(num, sizeof num, "%" PRIu64, fen);
		muster_buf_reset(t);
		muster_buf_put(t, num, strlen(num));
		break;
	}
	case MUSTER_F_UINT: {
		if (c->tag == MF_OP_CATEGORY)
			for (size_t i = 0; i < sizeof op_category_names / sizeof op_category_names[0]; i++)
				if (strlen(op_category_names[i]) <= vn && memcmp(v, op_category_names[i], strlen(op_category_names[i])) == 0) {
					snprintf(num, sizeof num, "%zu", i + 1);
					muster_buf_reset(t);
					muster_buf_put(t, num, strlen(num));
					v = (const char *)t->data;
					vn = t->len;
				}
		if (kind == SHEET_NUMBER && vn > 2 && memcmp(v + vn - 2, ".0", 2) == 0)
			t->len -= 2;
		break;
	}
	case MUSTER_F_ENUM: {
		const char *a = enum_alias(c->tag, v, vn);
		if (a) {
			muster_buf_reset(t);
			muster_buf_put(t, a, strlen(a));
		}
		break;
	}
	case MUSTER_F_TEXT:
		if (c->tag == MF_PERSON && vn == 18 && v[17] == 'x')
			t->data[17] = 'X';
		if (c->tag == MF_PROVINCE) {
			const char *code = province_code(v, vn);
			if (code) {
				muster_buf_reset(t);
				muster_buf_put(t, code, 6);
			}
		}
		if (c->tag == MF_TEAM || c->tag == MF_DEPOT || c->tag == MF_FUND) {
			const struct smap *map = c->tag == MF_TEAM ? &m->reg->team : c->tag == MF_DEPOT ? &m->reg->depot : &m->reg->fund;
			const char *code = code_for(m->reg, map, v, vn);
			if (code) {
				size_t cl = strlen(code);
				muster_buf_reset(t);
				muster_buf_put(t, code, cl);
			}
		}
		if (c->tag == MF_KIND && !sm_find(&m->kind_code, v, vn)) {
			struct sm_slot *sl = sm_find(&m->kind_name, v, vn);
			if (sl) {
				const char *code = (const char *)m->kinds.data + sl->v;
				size_t cl = strlen(code);
				muster_buf_reset(t);
				muster_buf_put(t, code, cl);
			}
		}
		if (kind == SHEET_NUMBER && vn > 2 && memcmp(v + vn - 2, ".0", 2) == 0 &&
			(c->tag == MF_SERIAL || c->tag == MF_ID || c->tag == MF_NUMBER || c->tag == MF_INVOICE))
			t->len -= 2;
		break;
	default:
		break;
	}
	muster_buf_put(t, "", 1);
	t->len--;
	return t->err ? (snprintf(why, whylen, "%s", cli_strerror(t->err)), -1) : 0;
}

/* Adds list items of s (split at 、，,；; and line ends) to items. */
static void list_items(muster_buf *items, uint64_t *count, const char *s, size_t n, int kv)
{
	size_t start = 0;
	for (size_t i = 0, l; i <= n; i += l) {
		uint32_t c = i < n ? utf8_at(s + i, n - i, &l) : (l = 1, 0);
		int sep = i == n || c == 0x3001 || c == ';' || c == 0xff1b || c == '\n' || c == '\r' ||
			  (!kv && (c == ',' || c == 0xff0c));
		if (!sep)
			continue;
		const char *p = s + start;
		size_t pn = i - start;
		trim(&p, &pn);
		if (pn)
			muster_list_add(items, count, p, pn);
		start = i + l;
	}
}

struct kvp {
	const char *k, *v;
	size_t kn, vn;
};

static int kvp_cmp(const void *a, const void *b)
{
	const struct kvp *x = a, *y = b;
	size_t n = x->kn < y->kn ? x->kn : y->kn;
	int c = memcmp(x->k, y->k, n);
	return c ? c : (x->kn > y->kn) - (x->kn < y->kn);
}

/* "k=v；k2=v2" (or k：v) into a canonical KV value: pairs sorted by key, each key once. */
static int kv_items(muster_buf *items, uint64_t *count, const char *s, size_t n, char *why, size_t whylen)
{
	muster_buf parts = {0};
	uint64_t np = 0;
	list_items(&parts, &np, s, n, 1);
	struct kvp *p = calloc(np ? np : 1, sizeof *p);
	muster_iter it;
	muster_fv raw = {np, (const char *)parts.data, parts.len};
	int rc = p ? 0 : -1;
	muster_iter_init(&it, &raw, 0);
	for (uint64_t i = 0; rc == 0 && i < np; i++) {
		const char *e;
		size_t en;
		if (!muster_iter_next(&it, &e, &en))
			rc = -1;
		size_t at = 0, l = 1;
		while (rc == 0 && at < en) {
			uint32_t c = utf8_at(e + at, en - at, &l);
			if (c == '=' || c == ':' || c == 0xff1a)
				break;
			at += l;
		}
		if (rc || at == 0 || at >= en) {
			snprintf(why, whylen, L("'%.*s' is not KEY=VALUE; separate pairs with ；", "'%.*s' 不是 键=值；多项之间用 ；分隔"),
				(int)en, e);
			rc = -1;
			break;
		}
		p[i].k = e, p[i].kn = at;
		p[i].v = e + at + l, p[i].vn = en - at - l;
		trim(&p[i].k, &p[i].kn);
		trim(&p[i].v, &p[i].vn);
	}
	if (rc == 0) {
		qsort(p, np, sizeof *p, kvp_cmp);
		for (uint64_t i = 0; i < np; i++) {
			if (i && kvp_cmp(&p[i - 1], &p[i]) == 0) {
				snprintf(why, whylen, L("'%.*s' is given twice", "'%.*s' 重复"), (int)p[i].kn, p[i].k);
				rc = -1;
				break;
			}
			muster_list_add(items, count, p[i].k, p[i].kn);
			muster_list_add(items, count, p[i].v, p[i].vn);
		}
	}
	free(p);
	muster_buf_free(&parts);
	return rc;
}

/* Footer lines under a register: totals and signatures. */
static int footer_word(const char *s, size_t n)
{
	static const char *const w[] = {"合计", "总计", "小计", "制表", "填表", "审核", "负责人", "单位负责人", "注：", "注:",
		"说明：", "total", "Total", NULL};
	trim(&s, &n);
	for (int i = 0; w[i]; i++)
		if (n >= strlen(w[i]) && memcmp(s, w[i], strlen(w[i])) == 0)
			return 1;
	return 0;
}

static void raw_line(muster_buf *b, const struct sheet_row *r)
{
	for (size_t i = 0; i < r->ncells; i++)
		csv_field(b, r->cells[i].text ? r->cells[i].text : "", r->cells[i].len, i == 0);
}

/*
 * Makes one sheet row into a row: the record, checked against the schema,
 * its key looked up in the register and among the rows before it.
 */
static void row_make(struct imp *m, const struct sheet_row *sr)
{
	muster_mask allowed, required;
	if (!muster_event_schema(m->k->type, &allowed, &required))
		die(EXIT_IO, "no schema for %s", muster_event_name(m->k->type));
	int any = 0, key_given = 1, footer = 0;
	for (size_t i = 0; i < sr->ncells && i < m->ncols; i++) {
		const char *s = sr->cells[i].text;
		size_t n = sr->cells[i].len;
		trim(&s, &n);
		if (n && m->cols[i].tag)
			any = 1;
		if (n && footer_word(s, n))
			footer = 1;
	}
	for (int k = 0; k < 4 && m->k->keys[k]; k++) {
		int has = 0;
		for (size_t i = 0; i < sr->ncells && i < m->ncols; i++) {
			const char *s = sr->cells[i].text;
			size_t n = sr->cells[i].len;
			trim(&s, &n);
			has |= m->cols[i].tag == m->k->keys[k] && n;
		}
		if (k == 0)
			key_given = has;
	}
	if (!any || (footer && !key_given))
		return; /* blank, or a total or signature line under the register */

	if (m->nrows == ROWS_MAX)
		die(EXIT_USAGE, L("%s has more than %zu rows; split it", "%s 超过 %zu 行；请拆分"), m->file, ROWS_MAX);
	if (m->nrows % ROWS_BLOCK == 0 && !(m->blk[m->nrows / ROWS_BLOCK] = calloc(ROWS_BLOCK, sizeof(struct row))))
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	struct row *row = row_at(m, m->nrows++);
	memset(row, 0, sizeof *row);
	row->number = sr->number;
	row->raw = m->raw.len;
	raw_line(&m->raw, sr);
	row->raw_len = m->raw.len - row->raw;

	muster_rec r;
	muster_rec_clear(&r);
	muster_buf items[MUSTER_FIELDS_MAX];
	uint64_t count[MUSTER_FIELDS_MAX];
	muster_buf texts = {0}; /* the values, NUL-terminated, in order: the record points into it */
	size_t at[MUSTER_FIELDS_MAX];
	memset(items, 0, sizeof items);
	memset(count, 0, sizeof count);
	size_t nbad0 = m->rbad.n;
	char why[1024];
	const char *name_given = NULL, *name_head = NULL;
	size_t name_len = 0;
	muster_mask given = 0;
	/* Values first into texts (which may move as it grows), then the record from them. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->ncols + m->prof.ndef; i++) {
			const struct column *c;
			struct column dc;
			const char *s;
			size_t n;
			enum sheet_kind kind = SHEET_TEXT;
			if (i < m->ncols) {
				c = &m->cols[i];
				s = i < sr->ncells && sr->cells[i].text ? sr->cells[i].text : "";
				n = i < sr->ncells ? sr->cells[i].len : 0;
				kind = i < sr->ncells ? sr->cells[i].kind : SHEET_EMPTY;
			} else {
				dc.tag = m->prof.def[i - m->ncols].tag;
				dc.unit = U_NONE;
				dc.heading = NULL;
				c = &dc;
				s = m->prof.def[i - m->ncols].value;
				n = strlen(s);
				if (pass == 0 && (given & MUSTER_BIT(c->tag)))
					continue; /* the sheet's own column wins */
			}
			if (!c->tag)
				continue;
			trim(&s, &n);
			if (!n)
				continue;
			const muster_field *f = muster_field_get(c->tag);
			const char *head = c->heading ? c->heading : f->zh;
			if (!(allowed & MUSTER_BIT(c->tag))) { /* shown beside the key, checked against the register */
				if (pass == 0 && c->tag == MF_NAME)
					name_given = s, name_len = n, name_head = head;
				continue;
			}
			if (pass == 0) {
				if (f->type == MUSTER_F_LIST || f->type == MUSTER_F_KV) {
					int rc = f->type == MUSTER_F_KV ? kv_items(&items[c->tag], &count[c->tag], s, n, why, sizeof why)
									 : (list_items(&items[c->tag], &count[c->tag], s, n, 0), 0);
					if (rc)
						bad_add(&m->rbad, sr->number, head, f->name, "%s", why);
					given |= MUSTER_BIT(c->tag);
					continue;
				}
				if (f->type == MUSTER_F_BOOL) {
					int v;
					if (truthy(s, n, &v) != 0)
						bad_add(&m->rbad, sr->number, head, f->name,
							L("'%.*s' is not yes or no; write 是 or 否", "'%.*s' 不是“是”或“否”"), (int)n, s);
					else if (v)
						given |= MUSTER_BIT(c->tag);
					at[c->tag] = (size_t)-1;
					continue;
				}
				if (given & MUSTER_BIT(c->tag)) {
					bad_add(&m->rbad, sr->number, head, f->name,
						L("two columns give %s; keep one", "有两列都给出 %s；请只保留一列"), f->name);
					continue;
				}
				if (cell_value(m, c, s, n, kind, why, sizeof why) != 0) {
					bad_add(&m->rbad, sr->number, head, f->name, "%s", why);
					continue;
				}
				given |= MUSTER_BIT(c->tag);
				at[c->tag] = texts.len;
				muster_buf_put(&texts, m->tmp.data, m->tmp.len + 1);
				continue;
			}
			/* pass 1: the record */
			if (!(given & MUSTER_BIT(c->tag)) || (r.has & MUSTER_BIT(c->tag)))
				continue;
			if (f->type == MUSTER_F_LIST || f->type == MUSTER_F_KV) {
				uint64_t cnt = f->type == MUSTER_F_KV ? count[c->tag] / 2 : count[c->tag];
				if (cnt > f->max && f->max) {
					bad_add(&m->rbad, sr->number, head, f->name, L("more than %u items", "超过 %u 项"), f->max);
					continue;
				}
				if (cnt)
					muster_rec_list(&r, c->tag, &items[c->tag], cnt);
				continue;
			}
			if (f->type == MUSTER_F_BOOL) {
				muster_rec_uint(&r, c->tag, 1);
				continue;
			}
			if (muster_fv_parse(f, (const char *)texts.data + at[c->tag], &r, NULL, NULL, why, sizeof why) != 0)
				bad_add(&m->rbad, sr->number, head, f->name, "%s", why);
		}
	}
	if (texts.err)
		die(EXIT_IO, "%s", cli_strerror(texts.err));
	char tnum[24];
	if (m->k->type == MUSTER_EV_CERT_ADD && !MUSTER_HAS(&r, MF_NUMBER) && MUSTER_HAS(&r, MF_PERSON) &&
		r.v[MF_PERSON].n == 18 && MUSTER_HAS(&r, MF_KIND) && sm_find(&m->tnum, r.v[MF_KIND].p, r.v[MF_KIND].n)) {
		/* a T-number certificate's number, as the CLI fills it (cli_people_defaults) */
		tnum[0] = 'T';
		memcpy(tnum + 1, r.v[MF_PERSON].p, 18);
		muster_rec_text(&r, MF_NUMBER, tnum, 19);
	}
	if (m->k->type == MUSTER_EV_EXAM)
		required |= MUSTER_BIT(MF_DATE); /* the CLI's "today" would make the row another exam tomorrow */
	muster_mask missing = required & ~r.has;
	if (m->rbad.n == nbad0 && missing) {
		for (unsigned t = 1; t < MUSTER_FIELDS_MAX; t++)
			if (missing & MUSTER_BIT(t)) {
				const muster_field *f = muster_field_get(t);
				const char *head = NULL;
				for (size_t i = 0; m->k->cols[i].tag && !head; i++)
					if (m->k->cols[i].tag == t)
						head = m->k->cols[i].head;
				bad_add(&m->rbad, sr->number, head, f->name, L("this row has no %s; it is required", "此行缺少 %s；这是必填项"),
					head ? head : f->name);
				break;
			}
	}
	if (m->rbad.n == nbad0 && name_given && MUSTER_HAS(&r, MF_PERSON)) {
		const char *reg = imp_reg_person_name(m->reg, r.v[MF_PERSON].p, r.v[MF_PERSON].n);
		if (reg && (strlen(reg) != name_len || memcmp(reg, name_given, name_len) != 0))
			bad_add(&m->rbad, sr->number, name_head, "name",
				L("'%.*s' is not the name registered for %.*s ('%s'); check the ID", "'%.*s' 与身份证号 %.*s 登记的姓名（%s）不符；请核对身份证号"),
				(int)name_len, name_given, (int)r.v[MF_PERSON].n, r.v[MF_PERSON].p, reg);
	}
	if (m->rbad.n == nbad0) {
		muster_rec_encode(&row->body, &r);
		if (row->body.err)
			die(EXIT_IO, "%s", cli_strerror(row->body.err));
		if (muster_event_body_check(m->k->type, row->body.data, row->body.len) != 0)
			bad_add(&m->rbad, sr->number, NULL, NULL, "%s", L("the row does not make a valid record", "此行不能构成有效记录"));
	}
	if (m->rbad.n != nbad0) {
		row->bad = 1;
		muster_buf_free(&row->body);
	} else {
		/* Registered already, or earlier in this file? */
		row_key(&m->key, m->k, &r, row->body.data, row->body.len);
		struct sm_slot *s = sm_find(&m->reg->keys, (const char *)m->key.data, m->key.len);
		struct sm_slot *f = sm_find(&m->seen, (const char *)m->key.data, m->key.len);
		if (s || f) {
			const uint8_t *body;
			size_t len;
			uint64_t idx = 0;
			if (s)
				imp_reg_row(m->reg, s->v, &body, &len, &idx);
			else
				body = row_at(m, f->v)->body.data, len = row_at(m, f->v)->body.len;
			muster_rec old;
			int differ = 0;
			char which[512] = "";
			if (muster_rec_decode(body, len, 0, 0, &old, NULL, 0) != 0)
				differ = 1;
			for (unsigned t = 1; t < MUSTER_FIELDS_MAX && !differ; t++) {
				int mapped = 0;
				for (size_t i = 0; i < m->ncols; i++)
					mapped |= m->cols[i].tag == t;
				for (size_t i = 0; i < m->prof.ndef; i++)
					mapped |= m->prof.def[i].tag == t;
				if (!mapped)
					continue;
				int a = MUSTER_HAS(&r, t), b = MUSTER_HAS(&old, t);
				if (a != b || (a && (r.v[t].n != old.v[t].n || r.v[t].u != old.v[t].u ||
							    (r.v[t].p && memcmp(r.v[t].p, old.v[t].p, r.v[t].n) != 0)))) {
					const muster_field *fd = muster_field_get(t);
					snprintf(which, sizeof which, "%s (%s)", cli_zh() ? fd->zh : fd->en, fd->name);
					differ = 1;
				}
			}
			if (!differ) {
				row->same = 1;
				row->same_as = s ? idx : row_at(m, f->v)->number;
				muster_buf_free(&row->body);
			} else if (s) {
				bad_add(&m->rbad, sr->number, NULL, NULL,
					L("already registered (entry %" PRIu64 ") with another %s; correct it with 'muster %s update' or fix the row",
						"已登记（第 %" PRIu64 " 条记录），但 %s 不同；请用 'muster %s update' 更正或修改此行"),
					idx, which, m->k == imp_kind_find("assets") ? "asset" : "person");
				row->bad = 1;
				muster_buf_free(&row->body);
			} else {
				bad_add(&m->rbad, sr->number, NULL, NULL,
					L("the same key as row %" PRIu64 " with another %s; keep one of them",
						"与第 %" PRIu64 " 行的键相同但 %s 不同；请只保留一行"),
					row_at(m, f->v)->number, which);
				row->bad = 1;
				muster_buf_free(&row->body);
			}
		} else {
			sm_add(&m->seen, (const char *)m->key.data, m->key.len, m->nrows - 1);
		}
	}
	for (unsigned t = 0; t < MUSTER_FIELDS_MAX; t++)
		muster_buf_free(&items[t]);
	muster_buf_free(&texts);
}

/* ---- the write ------------------------------------------------------------------ */

enum { IMPORT_ABORT = 0x7f1e }; /* fn's "roll it all back", never a MUSTER_E* code */
#define CHUNK 1024

static int append_row(struct imp *m, muster_wtxn *w, struct row *r)
{
	return muster_append(w, m->signer, m->k->type, r->body.data, r->body.len, &r->index);
}

static void refused(struct imp *m, muster_wtxn *w, struct row *r, int rc)
{
	const char *why = muster_wtxn_why(w);
	bad_add(&m->wbad, r->number, NULL, NULL, "%s%s%s", why && *why ? why : "", why && *why ? ": " : "", cli_strerror(rc));
	r->bad = 2;
}

/* ---- the reader thread: rows are made while the rows before them are signed ---- */

/* Hands the rows made so far to the writer; done: there will be no more.  1 if the writer asked to stop. */
static int publish(struct imp *m, int done)
{
	uint64_t d, t;
	sheet_progress(m->sh, &d, &t);
	pthread_mutex_lock(&m->mu);
	m->published = m->nrows;
	m->read_done = d;
	m->read_total = t;
	if (done)
		m->reading = 0;
	int stop = m->stop;
	pthread_cond_broadcast(&m->more);
	pthread_mutex_unlock(&m->mu);
	return stop;
}

static void *reader(void *arg)
{
	struct imp *m = arg;
	struct sheet_row r;
	char why[sizeof m->read_why];
	int got;
	while ((got = sheet_next(m->sh, &r, why, sizeof why)) == 1) {
		row_make(m, &r);
		if (m->nrows % 64 == 0 && publish(m, 0))
			return NULL;
	}
	if (got < 0) {
		pthread_mutex_lock(&m->mu);
		snprintf(m->read_why, sizeof m->read_why, "%s", why);
		m->read_failed = 1;
		pthread_mutex_unlock(&m->mu);
	}
	publish(m, 1);
	return NULL;
}

/* Waits until rows up to from + CHUNK are made, or all of them are; the rows made, and whether more may come. */
static size_t rows_ready(struct imp *m, size_t from, int *more, uint64_t *done, uint64_t *total)
{
	pthread_mutex_lock(&m->mu);
	while (m->reading && m->published < from + CHUNK)
		pthread_cond_wait(&m->more, &m->mu);
	size_t n = m->published;
	*more = m->reading;
	*done = m->read_done;
	*total = m->read_total;
	pthread_mutex_unlock(&m->mu);
	return n;
}

static int write_rows(muster_wtxn *w, void *arg)
{
	struct imp *m = arg;
	/* A second run (the map grew) starts again from the first row. */
	bad_clear(&m->wbad, 0);
	m->written = 0;
	m->first = m->last = 0;
	pthread_mutex_lock(&m->mu);
	size_t seen = m->published; /* the first run may have refused some of these */
	pthread_mutex_unlock(&m->mu);
	for (size_t i = 0; i < seen; i++)
		if (row_at(m, i)->bad == 2)
			row_at(m, i)->bad = 0;
	for (size_t from = 0;;) {
		int more;
		uint64_t done, total;
		size_t avail = rows_ready(m, from, &more, &done, &total);
		if (avail == from) {
			if (!more)
				break;
			continue;
		}
		size_t to = avail < from + CHUNK ? avail : from + CHUNK;
		int rc = muster_savepoint(w);
		if (rc)
			return rc;
		for (size_t i = from; i < to && rc == 0; i++)
			if (!row_at(m, i)->bad && !row_at(m, i)->same)
				rc = append_row(m, w, row_at(m, i));
		if (rc == 0) {
			if ((rc = muster_savepoint_release(w)) != 0)
				return rc;
		} else {
			/* One row in the chunk was refused: again, each row on its own. */
			muster_savepoint_rollback(w);
			for (size_t i = from; i < to; i++) {
				struct row *r = row_at(m, i);
				if (r->bad || r->same)
					continue;
				if ((rc = muster_savepoint(w)) != 0)
					return rc;
				rc = append_row(m, w, r);
				/* Not the row's fault: the key may not sign this kind, or the store failed. */
				if (rc == MUSTER_EPERM || rc == MUSTER_EIO || rc == MUSTER_ESTORE || rc == MUSTER_ENOMEM) {
					muster_savepoint_rollback(w);
					return rc;
				}
				if (rc) {
					refused(m, w, r, rc);
					muster_savepoint_rollback(w);
				} else if ((rc = muster_savepoint_release(w)) != 0) {
					return rc;
				}
			}
		}
		for (size_t i = from; i < to; i++) {
			struct row *r = row_at(m, i);
			if (!r->bad && !r->same) {
				if (!m->written++)
					m->first = r->index;
				m->last = r->index;
			}
		}
		/* Rows done of the rows there will be: those made, or as many more as the file still holds. */
		uint64_t rows = more && done ? (uint64_t)((double)avail * (double)total / (double)done) : avail;
		progress("import", to, rows > to ? rows : to);
		progress_bar(L("importing", "导入"), to, rows > to ? rows : to);
		from = to;
	}
	pthread_mutex_lock(&m->mu);
	int failed = m->read_failed;
	pthread_mutex_unlock(&m->mu);
	if (failed || m->dry || ((m->rbad.n || m->wbad.n) && !m->keep_good) || !m->written)
		return IMPORT_ABORT;
	return 0;
}

/* ---- reports ----------------------------------------------------------------- */

static void rejects_write(struct imp *m, const struct badlist *all, const char *path)
{
	muster_buf b = {0};
	muster_buf_put(&b, "\xef\xbb\xbf", 3); /* Excel opens UTF-8 CSV as such only with a BOM */
	for (size_t i = 0; i < m->nheads; i++)
		csv_cstr(&b, m->heads[i], i == 0);
	csv_cstr(&b, "错误 error", m->nheads == 0);
	muster_buf_put(&b, "\r\n", 2);
	size_t k = 0; /* all is in row order, and so are the rows */
	for (size_t i = 0; i < m->nrows; i++) {
		struct row *r = row_at(m, i);
		if (!r->bad)
			continue;
		muster_buf why = {0};
		while (k < all->n && all->v[k].row < r->number)
			k++;
		for (; k < all->n && all->v[k].row == r->number; k++) {
			if (why.len)
				muster_buf_put(&why, "; ", 2);
			if (all->v[k].column) {
				muster_buf_put(&why, all->v[k].column, strlen(all->v[k].column));
				muster_buf_put(&why, ": ", 2);
			}
			muster_buf_put(&why, all->v[k].reason, strlen(all->v[k].reason));
		}
		/* The row's cells, padded to the header's width, then the reason. */
		muster_buf_put(&b, m->raw.data + r->raw, r->raw_len);
		size_t cells = 1;
		int q = 0;
		for (size_t c = 0; c < r->raw_len; c++) {
			char ch = (char)m->raw.data[r->raw + c];
			q ^= ch == '"';
			cells += ch == ',' && !q;
		}
		for (; cells < m->nheads; cells++)
			muster_buf_put(&b, ",", 1);
		muster_buf_put(&b, ",", 1);
		csv_field(&b, (const char *)why.data, why.len, 1);
		muster_buf_put(&b, "\r\n", 2);
		muster_buf_free(&why);
	}
	if (b.err)
		die(EXIT_IO, "%s", cli_strerror(b.err));
	cli_write_file(path, &b);
	muster_buf_free(&b);
}

/* The two lists, each in row order, merged into one in row order (the reader's first within a row). */
static void bad_merge(const struct badlist *x, const struct badlist *y, struct badlist *out)
{
	out->n = out->cap = x->n + y->n;
	out->v = malloc((out->n ? out->n : 1) * sizeof *out->v);
	if (!out->v)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	size_t i = 0, j = 0, k = 0;
	while (i < x->n || j < y->n)
		out->v[k++] = j == y->n || (i < x->n && x->v[i].row <= y->v[j].row) ? x->v[i++] : y->v[j++];
}

static void json_str(muster_buf *b, const char *s)
{
	muster_json_str(b, s, strlen(s));
}

/* ---- the header and the command ------------------------------------------------ */

/* Copies of the first rows, to find the header among them. */
struct held {
	struct sheet_row r;
	struct sheet_cell *c;
	char *text;
};

static void hold(struct held *h, const struct sheet_row *r)
{
	size_t total = 0;
	for (size_t i = 0; i < r->ncells; i++)
		total += r->cells[i].len + 1;
	h->c = calloc(r->ncells ? r->ncells : 1, sizeof *h->c);
	h->text = malloc(total ? total : 1);
	if (!h->c || !h->text)
		die(EXIT_IO, "%s", cli_strerror(MUSTER_ENOMEM));
	size_t at = 0;
	for (size_t i = 0; i < r->ncells; i++) {
		h->c[i] = r->cells[i];
		if (r->cells[i].len)
			memcpy(h->text + at, r->cells[i].text, r->cells[i].len);
		h->text[at + r->cells[i].len] = 0;
		h->c[i].text = h->text + at;
		at += r->cells[i].len + 1;
	}
	h->r = *r;
	h->r.cells = h->c;
}

#define HEADER_ROWS 30

/* Scores row r as the header: the number of cells that name a field of the kind. */
static size_t header_score(struct imp *m, const struct sheet_row *r)
{
	muster_buf full = {0}, bare = {0};
	size_t score = 0;
	for (size_t i = 0; i < r->ncells; i++) {
		enum unit u;
		heading_norm(r->cells[i].text, r->cells[i].len, &full, &bare, &u);
		if (full.len && heading_tag(m->k, &m->prof, &full, &bare, &u))
			score++;
	}
	muster_buf_free(&full);
	muster_buf_free(&bare);
	return score;
}

static void header_take(struct imp *m, const struct sheet_row *r)
{
	muster_mask allowed, required, have = 0;
	(void)muster_event_schema(m->k->type, &allowed, &required);
	if (m->k->type == MUSTER_EV_EXAM)
		required |= MUSTER_BIT(MF_DATE);
	m->ncols = r->ncells;
	m->cols = calloc(r->ncells ? r->ncells : 1, sizeof *m->cols);
	m->heads = calloc(r->ncells ? r->ncells : 1, sizeof *m->heads);
	m->nheads = r->ncells;
	m->header_row = r->number;
	muster_buf full = {0}, bare = {0}, ignored = {0};
	for (size_t i = 0; i < r->ncells; i++) {
		const char *s = r->cells[i].text;
		size_t n = r->cells[i].len;
		m->heads[i] = strndup(s ? s : "", n);
		m->cols[i].heading = m->heads[i];
		heading_norm(s, n, &full, &bare, &m->cols[i].unit);
		if (!full.len)
			continue;
		unsigned t = heading_tag(m->k, &m->prof, &full, &bare, &m->cols[i].unit);
		if (!t && !ignorable(&bare)) {
			if (ignored.len)
				muster_buf_put(&ignored, ", ", 2);
			muster_buf_put(&ignored, s, n);
		}
		m->cols[i].tag = t;
		have |= t ? MUSTER_BIT(t) : 0;
	}
	for (size_t i = 0; i < m->prof.ndef; i++)
		have |= MUSTER_BIT(m->prof.def[i].tag);
	muster_mask missing = required & ~have;
	if (missing) {
		muster_buf names = {0};
		for (size_t i = 0; m->k->cols[i].tag; i++)
			if (missing & MUSTER_BIT(m->k->cols[i].tag)) {
				if (names.len)
					muster_buf_put(&names, ", ", 2);
				muster_buf_put(&names, m->k->cols[i].head, strlen(m->k->cols[i].head));
				missing &= ~MUSTER_BIT(m->k->cols[i].tag);
			}
		muster_buf_put(&names, "", 1);
		die(EXIT_USAGE, L("%s: the header (row %" PRIu64 ") has no column for %s; add it, or name it in a --map profile (docs/IMPORT.md)",
				    "%s：表头（第 %" PRIu64 " 行）缺少列 %s；请添加，或在 --map 映射中指定（见 docs/IMPORT.md）"),
			m->file, r->number, (const char *)names.data);
	}
	if (ignored.len && !m->o->json) {
		muster_buf_put(&ignored, "", 1);
		fprintf(stderr, L("muster: %s: columns not imported: %s\n", "muster：%s：未导入的列：%s\n"), m->file,
			(const char *)ignored.data);
	}
	muster_buf_free(&full);
	muster_buf_free(&bare);
	muster_buf_free(&ignored);
}

int cmd_import(const struct opts *o)
{
	static const char *const ok[] = {"map", "dry-run", "rejects", "sheet", NULL};
	cli_only(o, "import", ok);
	if (o->npos != 3)
		die(EXIT_USAGE, L("usage: muster import %s FILE [--map PROFILE] [--dry-run] [--rejects FILE] [--sheet NAME]",
				    "用法：muster import %s 文件 [--map 映射] [--dry-run] [--rejects 文件] [--sheet 工作表]"),
			"teams|depots|assets|people|certs|exams|spending");
	struct imp m;
	memset(&m, 0, sizeof m);
	m.o = o;
	m.k = imp_kind_find(o->pos[1]);
	if (!m.k)
		die(EXIT_USAGE, L("'%s' is not something muster imports; it imports %s", "'%s' 不是可导入的类别；可导入：%s"),
			o->pos[1], imp_kind_list());
	m.file = o->pos[2];
	m.dry = cli_opt(o, "dry-run") != NULL;
	const char *rejects = cli_opt(o, "rejects");
	m.keep_good = rejects != NULL;
	if (rejects && strcmp(rejects, m.file) == 0)
		die(EXIT_USAGE, L("--rejects %s would overwrite the file being imported; give another name",
				    "--rejects %s 会覆盖正在导入的文件；请换一个文件名"),
			rejects);
	if (rejects && strlen(rejects) > 5 && strcmp(rejects + strlen(rejects) - 5, ".xlsx") == 0)
		die(EXIT_USAGE, L("--rejects %s: rejects are written as CSV; give a name ending in .csv",
				    "--rejects %s：被拒的行写成 CSV；请给出以 .csv 结尾的文件名"),
			rejects);
	if (cli_opt(o, "map"))
		profile_read(&m.prof, cli_opt(o, "map"), m.k);

	char why[600];
	sheet *sh;
	if (sheet_open(m.file, cli_opt(o, "sheet"), &sh, why, sizeof why) != 0)
		die(EXIT_USAGE, "%s", why);
	muster_store *s = cli_open(o);
	muster_snap *sn = cli_snapshot(s);
	int rc;
	m.reg = imp_reg_load(sn, m.k, &rc);
	if (!m.reg || (rc = muster_cert_rules(sn, kind_cb, &m)) != 0)
		die(cli_exit_code(rc), L("cannot read the store: %s", "无法读取存储库：%s"), cli_strerror(rc));
	/* No read transaction stays open in this process while it writes: the map could not grow. */
	muster_snap_end(sn);

	/* The header: the row among the first ones that names the most fields. */
	struct held held[HEADER_ROWS];
	size_t nheld = 0, best = 0, best_score = 0;
	struct sheet_row r;
	int got = 0;
	while (nheld < HEADER_ROWS && (got = sheet_next(sh, &r, why, sizeof why)) == 1) {
		hold(&held[nheld], &r);
		size_t sc = header_score(&m, &r);
		if (sc > best_score)
			best = nheld, best_score = sc;
		nheld++;
	}
	if (got < 0)
		die(EXIT_USAGE, "%s", why);
	if (best_score < 2)
		die(EXIT_USAGE, L("%s: no header row in the first %d rows names the columns of %s (such as %s, %s); name them, or give --map PROFILE (docs/IMPORT.md)",
				    "%s：前 %d 行中没有 %s 的表头（例如 %s、%s）；请写明列名，或给出 --map 映射（见 docs/IMPORT.md）"),
			m.file, HEADER_ROWS, m.k->name, m.k->cols[0].head, m.k->cols[1].head);
	header_take(&m, &held[best].r);
	for (size_t i = best + 1; i < nheld; i++)
		row_make(&m, &held[i].r);
	for (size_t i = 0; i < nheld; i++) {
		free(held[i].c);
		free(held[i].text);
	}

	/* The rest of the rows are made on a thread of their own while the writer signs the ones made. */
	m.sh = sh;
	m.published = m.nrows;
	m.reading = nheld == HEADER_ROWS;
	pthread_t th;
	if (pthread_mutex_init(&m.mu, NULL) != 0 || pthread_cond_init(&m.more, NULL) != 0 ||
		(m.reading && pthread_create(&th, NULL, reader, &m) != 0))
		die(EXIT_IO, "%s", L("cannot start a thread", "无法启动线程"));
	muster_signer *signer = cli_signer(o);
	m.signer = signer;
	/* An old rejects file goes before the commit: killed between the commit and writing the new one, this
	   import would otherwise leave it saying that rows now in are bad (tests/e2e/crash.sh). */
	if (rejects && !m.dry)
		unlink(rejects);
	rc = muster_write(s, write_rows, &m);
	pthread_mutex_lock(&m.mu);
	m.stop = 1;
	int was_reading = m.reading;
	pthread_mutex_unlock(&m.mu);
	(void)was_reading;
	if (nheld == HEADER_ROWS)
		pthread_join(th, NULL);
	if (m.read_failed)
		die(EXIT_USAGE, "%s", m.read_why);
	if (rc && rc != IMPORT_ABORT)
		cli_write_failed(s, rc == MUSTER_EIO ? L("import failed", "导入失败") /* the store's message says it */
						  : L("import failed; nothing was written", "导入失败；未写入任何内容"), rc);
	const char *encoding = sheet_encoding(sh);
	char enc[32];
	snprintf(enc, sizeof enc, "%s", encoding ? encoding : "");
	sheet_close(sh);
	int committed = rc == 0 && m.written;
	struct badlist all;
	bad_merge(&m.rbad, &m.wbad, &all);
	if (rejects && all.n)
		rejects_write(&m, &all, rejects);
	else if (rejects)
		unlink(rejects); /* an old rejects file would say rows are bad that are now in */
	size_t nbadrows = 0;
	for (size_t i = 0; i < m.nrows; i++) {
		nbadrows += row_at(&m, i)->bad != 0;
		m.unchanged += row_at(&m, i)->same;
	}

	muster_buf out = {0};
	if (o->json) {
		char num[200];
		muster_buf_put(&out, "{\"kind\":", 8);
		json_str(&out, m.k->name);
		muster_buf_put(&out, ",\"file\":", 8);
		json_str(&out, m.file);
		snprintf(num, sizeof num,
			",\"encoding\":\"%s\",\"header_row\":%" PRIu64 ",\"rows\":%zu,\"imported\":%zu,\"unchanged\":%zu,\"rejected\":%zu,\"dry_run\":%s",
			enc, m.header_row, m.nrows, committed || m.dry ? m.written : 0, m.unchanged, nbadrows, m.dry ? "true" : "false");
		muster_buf_put(&out, num, strlen(num));
		if (committed) {
			snprintf(num, sizeof num, ",\"first_index\":%" PRIu64 ",\"last_index\":%" PRIu64, m.first, m.last);
			muster_buf_put(&out, num, strlen(num));
		}
		muster_buf_put(&out, ",\"errors\":[", 11);
		for (size_t i = 0; i < all.n; i++) {
			snprintf(num, sizeof num, "%s{\"row\":%" PRIu64 ",\"column\":", i ? "," : "", all.v[i].row);
			muster_buf_put(&out, num, strlen(num));
			if (all.v[i].column)
				json_str(&out, all.v[i].column);
			else
				muster_buf_put(&out, "null", 4);
			muster_buf_put(&out, ",\"field\":", 9);
			if (all.v[i].field)
				json_str(&out, all.v[i].field);
			else
				muster_buf_put(&out, "null", 4);
			muster_buf_put(&out, ",\"reason\":", 10);
			json_str(&out, all.v[i].reason);
			muster_buf_put(&out, "}", 1);
		}
		muster_buf_put(&out, "]}\n", 3);
	}
	for (size_t i = 0; i < all.n && !o->json; i++) {
		const struct bad *b = &all.v[i];
		if (b->column)
			fprintf(stderr, L("%s:%" PRIu64 ": %s: %s\n", "%s 第 %" PRIu64 " 行 %s：%s\n"), m.file, b->row, b->column,
				b->reason);
		else
			fprintf(stderr, L("%s:%" PRIu64 ": %s\n", "%s 第 %" PRIu64 " 行：%s\n"), m.file, b->row, b->reason);
	}
	int code = EXIT_OK;
	if (!o->json) {
		char line[600];
		if (m.dry)
			snprintf(line, sizeof line,
				L("dry run: %zu %s good, %zu already registered, %zu bad; nothing was written\n",
					"试运行：%zu 条%s无误，%zu 条已登记，%zu 行有误；未写入任何内容\n"),
				m.written, cli_zh() ? m.k->zh : m.k->name, m.unchanged, nbadrows);
		else if (committed)
			snprintf(line, sizeof line,
				L("imported %zu %s (entries %" PRIu64 "-%" PRIu64 "), %zu already registered%s\n",
					"已导入 %zu 条%s（第 %" PRIu64 "-%" PRIu64 " 条记录），%zu 条已登记%s\n"),
				m.written, cli_zh() ? m.k->zh : m.k->name, m.first, m.last, m.unchanged,
				nbadrows ? L(", the bad rows are in the rejects file", "，有误的行已写入拒收文件") : "");
		else if (nbadrows)
			snprintf(line, sizeof line,
				L("nothing imported: %zu of %zu rows are bad; fix them and import again, or give --rejects FILE to import the good rows\n",
					"未导入：%zu/%zu 行有误；请修改后重新导入，或用 --rejects 文件 导入无误的行\n"),
				nbadrows, m.nrows);
		else
			snprintf(line, sizeof line, L("nothing to import: %zu rows, all already registered\n", "无需导入：%zu 行均已登记\n"),
				m.unchanged);
		if (nbadrows && !committed && !m.dry)
			fprintf(stderr, "muster: %s", line);
		else
			muster_buf_put(&out, line, strlen(line));
	}
	if (nbadrows)
		code = m.keep_good ? EXIT_VERIFY : EXIT_USAGE;
	cli_emit(&out);

	for (size_t i = 0; i < m.nrows; i++)
		muster_buf_free(&row_at(&m, i)->body);
	for (size_t i = 0; i < ROWS_MAX / ROWS_BLOCK && m.blk[i]; i++)
		free(m.blk[i]);
	free(all.v); /* its strings are the two lists' */
	bad_clear(&m.rbad, 0);
	bad_clear(&m.wbad, 0);
	free(m.rbad.v);
	free(m.wbad.v);
	pthread_mutex_destroy(&m.mu);
	pthread_cond_destroy(&m.more);
	sm_free(&m.kind_code);
	sm_free(&m.kind_name);
	sm_free(&m.tnum);
	muster_buf_free(&m.kinds);
	for (size_t i = 0; i < m.nheads; i++)
		free(m.heads[i]);
	free(m.heads);
	free(m.cols);
	muster_buf_free(&m.raw);
	muster_buf_free(&m.tmp);
	muster_buf_free(&m.key);
	sm_free(&m.seen);
	profile_free(&m.prof);
	imp_reg_free(m.reg);
	muster_signer_free(signer);
	muster_store_close(s);
	return code;
}
