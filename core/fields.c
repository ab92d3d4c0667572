/* fields.c - the field dictionary, field records, and dates. */
#include "internal.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>

static const char *const specialty[] = {"mine", "hazchem", "tunnel", "oil_gas", "support", NULL};
static const char *const specialty_zh[] = {"矿山", "危险化学品", "隧道", "油气", "支撑保障", NULL};
static const char *const funding[] = {"national", "host", "other", NULL};
static const char *const funding_zh[] = {"国投", "依托单位", "其他", NULL};
static const char *const purpose[] = {"mission", "drill", "training", "loan", NULL};
static const char *const purpose_zh[] = {"救援任务", "演练", "培训", "外借", NULL};
static const char *const result[] = {"pass", "fail", "adjusted", NULL};
static const char *const result_zh[] = {"合格", "不合格", "调校后合格", NULL};
const char *const muster_asset_states[] = {"in_depot", "checked_out", "in_repair", "transfer_pending",
	"requisitioned", "released", "scrapped", NULL};
const char *const muster_asset_states_zh[] = {"在库", "借出", "送修", "移交待接收", "征用中", "已归还原单位",
	"已报废", NULL};

const char *const muster_positions[] = {"brigade_commander", "squadron_commander", "squad_leader", "member",
	"technician", "driver", "medic", "other", NULL};
const char *const muster_positions_zh[] = {"大队指挥员", "中队指挥员", "小队指挥员", "队员", "技术人员", "驾驶员",
	"医护人员", "其他", NULL};
static const char *const status[] = {"active", "suspended", "left", NULL};
static const char *const status_zh[] = {"在岗", "停职", "离队", NULL};
static const char *const exam[] = {"pre_placement", "periodic", "exit", "emergency", NULL};
static const char *const exam_zh[] = {"上岗前", "在岗期间", "离岗时", "应急", NULL};
static const char *const conclusion[] = {"normal", "recheck", "suspected", "contraindication", "other", NULL};
static const char *const conclusion_zh[] = {"目前未见异常", "复查", "疑似职业病", "职业禁忌证", "其他疾病或异常", NULL};
static const char *const spend_type[] = {"maintenance", "repair", "calibration", "consumables", "training", "drill",
	"insurance", "other", NULL};
static const char *const spend_type_zh[] = {"维护保养", "维修", "检定校准", "耗材", "培训", "演练", "保险", "其他", NULL};
static const char *const disposition[] = {"explained", "corrected", "referred", NULL};
static const char *const rules[] = {"general", "enterprise_safety", NULL};
static const char *const rules_zh[] = {"通用", "企业安全生产费用规则", NULL};
static const char *const disposition_zh[] = {"已说明", "已纠正", "已移送", NULL};
const char *const muster_spend_states[] = {"pending", "counted", "rejected", NULL};
const char *const muster_spend_states_zh[] = {"待审批", "已计入", "已驳回", NULL};
static const char *const source[] = {"ministry", "province", "enterprise", "self", NULL};
static const char *const source_zh[] = {"应急管理部", "省级", "企业", "自主", NULL};

#define T(tag, type, max, name, en, zh) {tag, type, max, name, en, zh, NULL, NULL}
#define E(tag, name, en, zh, v) {tag, MUSTER_F_ENUM, 0, name, en, zh, v, v##_zh}

static const muster_field dict[] = {
	T(MF_ID, MUSTER_F_TEXT, 64, "id", "asset", "资产编号"),
	T(MF_TEAM, MUSTER_F_TEXT, 32, "team", "team", "队伍"),
	T(MF_DEPOT, MUSTER_F_TEXT, 32, "depot", "depot", "装备库"),
	T(MF_NAME, MUSTER_F_TEXT, 256, "name", "name", "名称"),
	E(MF_SPECIALTY, "specialty", "specialty", "专业", specialty),
	T(MF_PROVINCE, MUSTER_F_TEXT, 6, "province", "province", "省份"),
	T(MF_HOST, MUSTER_F_TEXT, 256, "host", "host enterprise", "依托单位"),
	T(MF_HOST_CODE, MUSTER_F_TEXT, 18, "host_code", "credit code", "统一社会信用代码"),
	T(MF_OVERRIDE, MUSTER_F_TEXT, 1024, "override", "override", "代码校验豁免理由"),
	T(MF_LOCATION, MUSTER_F_TEXT, 256, "location", "location", "地址"),
	T(MF_CATEGORY, MUSTER_F_TEXT, 7, "category", "category", "分类代码"),
	T(MF_TYPE, MUSTER_F_TEXT, 128, "type", "type", "装备类型"),
	T(MF_MODEL, MUSTER_F_TEXT, 128, "model", "model", "型号"),
	T(MF_SERIAL, MUSTER_F_TEXT, 128, "serial", "serial", "出厂编号"),
	T(MF_MAKER, MUSTER_F_TEXT, 256, "maker", "maker", "生产厂家"),
	T(MF_ACQUIRED, MUSTER_F_DATE, 0, "acquired", "acquired", "购置日期"),
	T(MF_VALUE, MUSTER_F_FEN, 0, "value", "value", "原值"),
	E(MF_FUNDING, "funding", "funding", "资金来源", funding),
	T(MF_OWNER, MUSTER_F_TEXT, 256, "owner", "owner", "产权单位"),
	T(MF_AGREEMENT, MUSTER_F_TEXT, 128, "agreement", "custody agreement", "托管协议号"),
	T(MF_CUSTODY_FROM, MUSTER_F_DATE, 0, "custody_from", "custody from", "托管起"),
	T(MF_CUSTODY_TO, MUSTER_F_DATE, 0, "custody_to", "custody to", "托管止"),
	T(MF_ATTRS, MUSTER_F_KV, 64, "attr", "attributes", "属性"),
	T(MF_HOLDER, MUSTER_F_TEXT, 256, "holder", "holder", "领用人"),
	E(MF_PURPOSE, "purpose", "purpose", "用途", purpose),
	T(MF_DEPLOYMENT, MUSTER_F_TEXT, 64, "deployment", "deployment", "出动编号"),
	T(MF_DUE, MUSTER_F_DATE, 0, "due", "due", "到期"),
	T(MF_VENDOR, MUSTER_F_TEXT, 256, "vendor", "vendor", "维修单位"),
	T(MF_TO_TEAM, MUSTER_F_TEXT, 32, "to_team", "to team", "接收队伍"),
	T(MF_TO_DEPOT, MUSTER_F_TEXT, 32, "to_depot", "to depot", "接收装备库"),
	T(MF_KIND, MUSTER_F_TEXT, 64, "kind", "inspection kind", "检查类别"),
	T(MF_INTERVAL, MUSTER_F_UINT, 0, "interval", "interval (days)", "周期(天)"),
	E(MF_RESULT, "result", "result", "结论", result),
	T(MF_INSPECTOR, MUSTER_F_TEXT, 256, "inspector", "inspector", "检查人"),
	T(MF_NOTES, MUSTER_F_TEXT, 4096, "notes", "notes", "备注"),
	T(MF_DATE, MUSTER_F_DATE, 0, "date", "date", "日期"),
	T(MF_COUNT, MUSTER_F_TEXT, 64, "count", "count", "盘点单"),
	T(MF_MISSING, MUSTER_F_LIST, 4000, "missing", "missing", "盘亏"),
	T(MF_UNEXPECTED, MUSTER_F_LIST, 4000, "unexpected", "unexpected", "盘盈"),
	T(MF_MATCHED, MUSTER_F_UINT, 0, "matched", "matched", "相符"),
	T(MF_DIGEST, MUSTER_F_BYTES, 32, "digest", "digest", "摘要"),
	T(MF_LABEL, MUSTER_F_UINT, 0, "label", "label serial", "标签序号"),
	E(MF_STATE, "state", "state", "状态", muster_asset_states),
	T(MF_SINCE, MUSTER_F_UINT, 0, "since", "since entry", "状态起始"),
	T(MF_REF, MUSTER_F_UINT, 0, "ref", "refers to entry", "关联记录"),
	T(MF_REASON, MUSTER_F_TEXT, 1024, "reason", "reason", "原因"),
	T(MF_EXTERNAL, MUSTER_F_BOOL, 0, "external", "outside equipment", "外部装备"),
	T(MF_ORDER, MUSTER_F_TEXT, 128, "order", "order", "征用文书"),
	T(MF_URL, MUSTER_F_TEXT, 200, "url", "base URL", "站点地址"),
	T(MF_LAST, MUSTER_F_UINT, 0, "last", "last entry", "最近记录"),
	T(MF_REGISTERED, MUSTER_F_UINT, 0, "registered", "registered at entry", "登记记录"),
	T(MF_SIGNER, MUSTER_F_BYTES, MUSTER_KEYID_BYTES, "signer", "signed by", "签名人"),
	T(MF_OPEN, MUSTER_F_BOOL, 0, "open", "open", "进行中"),
	T(MF_SCANNED, MUSTER_F_UINT, 0, "scanned", "scanned", "已扫描"),
	T(MF_PERSON, MUSTER_F_TEXT, 18, "person", "person", "身份证号"),
	{MF_POSITION, MUSTER_F_ENUM, 0, "position", "position", "岗位", muster_positions, muster_positions_zh},
	T(MF_HIRED, MUSTER_F_DATE, 0, "hired", "on the post since", "上岗日期"),
	E(MF_STATUS, "status", "status", "在岗状态", status),
	T(MF_SPECIAL, MUSTER_F_BOOL, 0, "special", "special build", "特体队员"),
	T(MF_HAZARDS, MUSTER_F_LIST, 32, "hazards", "hazard factors", "职业病危害因素"),
	T(MF_LEFT, MUSTER_F_DATE, 0, "left", "left", "离队日期"),
	T(MF_NUMBER, MUSTER_F_TEXT, 64, "number", "number", "证书编号"),
	T(MF_OP_CATEGORY, MUSTER_F_UINT, 0, "op_category", "operation category", "作业类别"),
	T(MF_ITEM, MUSTER_F_TEXT, 128, "item", "item", "操作项目"),
	T(MF_ISSUER, MUSTER_F_TEXT, 256, "issuer", "issuer", "发证机关"),
	T(MF_VALID_FROM, MUSTER_F_DATE, 0, "valid_from", "valid from", "有效期起"),
	T(MF_VALID_TO, MUSTER_F_DATE, 0, "valid_to", "valid to", "有效期止"),
	T(MF_REVIEWED, MUSTER_F_DATE, 0, "reviewed", "last review", "上次复审"),
	T(MF_HOURS, MUSTER_F_UINT, 0, "hours", "training hours", "培训学时"),
	T(MF_VALIDITY, MUSTER_F_UINT, 0, "validity", "validity (months)", "有效期(月)"),
	T(MF_REVIEW, MUSTER_F_UINT, 0, "review", "review every (months)", "复审周期(月)"),
	T(MF_WINDOW, MUSTER_F_UINT, 0, "window", "review window (days)", "复审申请期(天)"),
	T(MF_T_NUMBER, MUSTER_F_BOOL, 0, "t_number", "number is T + ID", "编号为T+身份证号"),
	T(MF_REVOKED, MUSTER_F_DATE, 0, "revoked", "revoked", "吊销日期"),
	E(MF_EXAM, "exam", "exam", "体检类别", exam),
	T(MF_INSTITUTION, MUSTER_F_TEXT, 256, "institution", "institution", "体检机构"),
	E(MF_CONCLUSION, "conclusion", "conclusion", "体检结论", conclusion),
	T(MF_ITEMS, MUSTER_F_LIST, 32, "items", "recheck items", "复查项目"),
	T(MF_CONTRA, MUSTER_F_TEXT, 256, "contraindication", "contraindication", "职业禁忌证"),
	T(MF_HAZARD, MUSTER_F_TEXT, 64, "hazard", "hazard factor", "危害因素"),
	T(MF_EXAM_DAYS, MUSTER_F_UINT, 0, "exam_days", "emergency exam within (days)", "应急体检期限(天)"),
	T(MF_TARGET, MUSTER_F_UINT, 0, "target", "arrival target (minutes)", "到达时限(分钟)"),
	E(MF_SOURCE, "source", "ordered by", "调度来源", source),
	T(MF_ORDERED_BY, MUSTER_F_TEXT, 256, "ordered_by", "who ordered", "调度人"),
	T(MF_INCIDENT, MUSTER_F_TEXT, 256, "incident", "incident", "事故类型"),
	T(MF_ORDERED, MUSTER_F_TIME, 0, "ordered", "ordered", "接警"),
	T(MF_DEPARTED, MUSTER_F_TIME, 0, "departed", "departed", "出动"),
	T(MF_ARRIVED, MUSTER_F_TIME, 0, "arrived", "arrived", "到达"),
	T(MF_ENDED, MUSTER_F_TIME, 0, "ended", "rescue ended", "救援结束"),
	T(MF_RETURNED, MUSTER_F_TIME, 0, "returned", "returned", "归建"),
	T(MF_REPORTED, MUSTER_F_TIME, 0, "reported", "report filed", "报告提交"),
	T(MF_PRE_PLACEMENT, MUSTER_F_DATE, 0, "pre_placement", "pre-placement exam", "上岗前体检"),
	T(MF_PERIODIC, MUSTER_F_DATE, 0, "periodic", "last periodic exam", "最近在岗体检"),
	T(MF_EXAM_DATE, MUSTER_F_DATE, 0, "exam_date", "latest exam", "最近体检"),
	T(MF_PEOPLE, MUSTER_F_UINT, 0, "people", "people", "人数"),
	T(MF_ASSETS, MUSTER_F_UINT, 0, "assets", "assets", "装备数"),
	T(MF_EXIT, MUSTER_F_DATE, 0, "exit", "exit exam", "离岗体检"),
	T(MF_FUND, MUSTER_F_TEXT, 32, "fund", "fund", "资金"),
	T(MF_FUND_SOURCE, MUSTER_F_TEXT, 32, "fund_source", "fund source", "资金来源"),
	T(MF_INDUSTRY, MUSTER_F_TEXT, 64, "industry", "industry", "行业"),
	T(MF_YEAR, MUSTER_F_UINT, 0, "year", "fiscal year", "年度"),
	T(MF_AMOUNT, MUSTER_F_FEN, 0, "amount", "amount", "金额"),
	E(MF_SPEND_TYPE, "spend_type", "spending type", "支出类别", spend_type),
	T(MF_VENDOR_CODE, MUSTER_F_TEXT, 18, "vendor_code", "vendor credit code", "供应商统一社会信用代码"),
	T(MF_INVOICE, MUSTER_F_TEXT, 64, "invoice", "invoice", "发票号"),
	T(MF_ARTICLE, MUSTER_F_TEXT, 64, "article", "rule relied on", "依据条款"),
	T(MF_ATTACHMENTS, MUSTER_F_LIST, 32, "attachments", "attachments (SHA-256)", "附件(SHA-256)"),
	T(MF_LINK, MUSTER_F_UINT, 0, "link", "pays for entry", "关联记录"),
	T(MF_THRESHOLD, MUSTER_F_FEN, 0, "threshold", "approval threshold", "审批限额"),
	{MF_SPEND_STATE, MUSTER_F_ENUM, 0, "spend_state", "state", "状态", muster_spend_states, muster_spend_states_zh},
	T(MF_RECORDER, MUSTER_F_BYTES, MUSTER_KEYID_BYTES, "recorder", "recorded by", "录入人"),
	T(MF_DECIDED, MUSTER_F_UINT, 0, "decided", "decided at entry", "审批记录"),
	T(MF_FINDING, MUSTER_F_TEXT, 160, "finding", "finding", "审计发现"),
	E(MF_DISPOSITION, "disposition", "disposition", "处理结果", disposition),
	T(MF_RECORDED, MUSTER_F_DATE, 0, "recorded", "recorded on", "录入日期"),
	E(MF_RULES, "rules", "rules", "适用规则", rules),
};

static const muster_field *by_tag[MUSTER_FIELDS_MAX];
static uint8_t type_of[MUSTER_FIELDS_MAX]; /* each tag's muster_ftype, 0 if unknown: muster_rec_peek's table */
static pthread_once_t dict_once = PTHREAD_ONCE_INIT;

static void dict_index(void)
{
	for (size_t i = 0; i < sizeof dict / sizeof dict[0]; i++) {
		by_tag[dict[i].tag] = &dict[i];
		type_of[dict[i].tag] = dict[i].type;
	}
}

static void index_dict(void)
{
	pthread_once(&dict_once, dict_index);
}

const muster_field *muster_field_get(unsigned tag)
{
	index_dict();
	return tag < MUSTER_FIELDS_MAX ? by_tag[tag] : NULL;
}

const muster_field *muster_field_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof dict / sizeof dict[0]; i++) {
		const char *a = dict[i].name, *b = name;
		while (*a && (*a == *b || (*a == '_' && *b == '-')))
			a++, b++;
		if (!*a && !*b)
			return &dict[i];
	}
	return NULL;
}

void muster_rec_uint(muster_rec *r, unsigned tag, uint64_t u)
{
	r->has |= MUSTER_BIT(tag);
	r->v[tag].u = u;
	r->v[tag].p = NULL;
	r->v[tag].n = 0;
}

void muster_rec_text(muster_rec *r, unsigned tag, const char *p, size_t n)
{
	r->has |= MUSTER_BIT(tag);
	r->v[tag].u = 0;
	r->v[tag].p = p;
	r->v[tag].n = n;
}

void muster_rec_cstr(muster_rec *r, unsigned tag, const char *s)
{
	muster_rec_text(r, tag, s, strlen(s));
}

void muster_rec_del(muster_rec *r, unsigned tag)
{
	r->has &= ~MUSTER_BIT(tag);
}

void muster_list_add(muster_buf *items, uint64_t *count, const char *s, size_t n)
{
	muster_put_text(items, s, n);
	++*count;
}

void muster_rec_list(muster_rec *r, unsigned tag, const muster_buf *items, uint64_t count)
{
	r->has |= MUSTER_BIT(tag);
	r->v[tag].u = count;
	r->v[tag].p = (const char *)items->data;
	r->v[tag].n = items->len;
}

void muster_rec_encode(muster_buf *b, const muster_rec *r)
{
	index_dict();
	for (unsigned tag = 1; tag < MUSTER_FIELDS_MAX; tag++) {
		if (!MUSTER_HAS(r, tag) || !by_tag[tag])
			continue;
		const muster_fv *v = &r->v[tag];
		muster_put_uint(b, tag);
		switch (by_tag[tag]->type) {
		case MUSTER_F_TEXT:
		case MUSTER_F_BYTES:
			muster_put_bytes(b, v->p, v->n);
			break;
		case MUSTER_F_LIST:
		case MUSTER_F_KV:
			muster_put_uint(b, v->u);
			muster_buf_put(b, v->p, v->n);
			break;
		case MUSTER_F_BOOL:
			muster_put_uint(b, 1);
			break;
		default:
			muster_put_uint(b, v->u);
		}
	}
}

#define SAY(...) \
	do { \
		if (why && whylen) \
			snprintf(why, whylen, __VA_ARGS__); \
	} while (0)

static int enum_count(const muster_field *f)
{
	int n = 0;
	while (f->enums[n])
		n++;
	return n;
}

/* Reads `items` texts (LIST) or pairs (KV, keys ascending) and records the span. */
static int get_items(muster_rd *r, const muster_field *f, muster_fv *v)
{
	uint64_t count = muster_get_uint(r);
	size_t start = r->off;
	const char *prev = NULL;
	size_t prevn = 0;
	if (r->err || count == 0 || count > f->max)
		return -1;
	for (uint64_t i = 0; i < count; i++) {
		size_t kn, vn;
		const char *k = muster_get_text(r, &kn, f->type == MUSTER_F_KV ? 64 : MUSTER_TEXT_MAX);
		if (r->err || kn == 0)
			return -1;
		if (f->type == MUSTER_F_KV) {
			int c = prev ? memcmp(prev, k, prevn < kn ? prevn : kn) : -1;
			if (prev && (c > 0 || (c == 0 && prevn >= kn)))
				return -1; /* keys strictly ascending: one encoding per set */
			prev = k, prevn = kn;
			muster_get_text(r, &vn, 1024);
			if (r->err)
				return -1;
		}
	}
	v->u = count;
	v->p = (const char *)r->p + start;
	v->n = r->off - start;
	return 0;
}

/* The lowest tag in a non-empty set. */
static unsigned lowest(muster_mask m)
{
	unsigned t = 0;
	while (!((m >> t) & 1))
		t++;
	return t;
}

int muster_rec_decode(const uint8_t *p, size_t n, muster_mask allowed, muster_mask required, muster_rec *out, char *why,
	size_t whylen)
{
	muster_rd r;
	muster_rec rec;
	uint64_t prev = 0;
	index_dict();
	muster_rd_init(&r, p, n);
	rec.has = 0;
	while (r.off < r.len && !r.err) {
		uint64_t tag = muster_get_uint(&r);
		const muster_field *f = tag < MUSTER_FIELDS_MAX ? by_tag[tag] : NULL;
		if (r.err || !f || tag <= prev) {
			SAY("field %" PRIu64 " is unknown or out of order", tag);
			return MUSTER_ECORRUPT;
		}
		prev = tag;
		muster_fv *v = &rec.v[tag];
		int bad = 0;
		v->p = NULL, v->n = 0, v->u = 0;
		switch (f->type) {
		case MUSTER_F_TEXT:
			v->p = muster_get_text(&r, &v->n, f->max);
			bad = v->n == 0;
			break;
		case MUSTER_F_BYTES:
			v->p = (const char *)muster_get_bytes(&r, &v->n);
			bad = v->n == 0 || v->n > f->max;
			break;
		case MUSTER_F_LIST:
		case MUSTER_F_KV:
			bad = get_items(&r, f, v);
			break;
		default:
			v->u = muster_get_uint(&r);
			if (f->type == MUSTER_F_DATE)
				bad = !muster_date_valid(v->u);
			else if (f->type == MUSTER_F_ENUM)
				bad = v->u >= (uint64_t)enum_count(f);
			else if (f->type == MUSTER_F_BOOL)
				bad = v->u != 1;
			else if (f->type == MUSTER_F_TIME)
				bad = v->u > MUSTER_TIME_MAX;
		}
		if (r.err || bad) {
			SAY("field %s has a bad value", f->name);
			return MUSTER_ECORRUPT;
		}
		rec.has |= MUSTER_BIT(tag);
	}
	if (muster_rd_end(&r) != 0) {
		SAY("body is truncated");
		return MUSTER_ECORRUPT;
	}
	if (allowed && (rec.has & ~allowed)) {
		unsigned t = lowest(rec.has & ~allowed);
		SAY("field %s does not belong here", by_tag[t]->name);
		return MUSTER_ECORRUPT;
	}
	if ((rec.has & required) != required) {
		unsigned t = lowest(required & ~rec.has);
		SAY("field %s is required", by_tag[t]->name);
		return MUSTER_ECORRUPT;
	}
	*out = rec;
	return 0;
}

const char *muster_keep(struct muster_chunk **list, const char *p, size_t n)
{
	struct muster_chunk *c = *list;
	if (n > sizeof c->data)
		return NULL;
	if (!c || sizeof c->data - c->used < n) {
		if (!(c = malloc(sizeof *c)))
			return NULL;
		c->next = *list, c->used = 0;
		*list = c;
	}
	char *d = c->data + c->used;
	memcpy(d, p, n);
	c->used += n;
	return d;
}

void muster_keep_free(struct muster_chunk *list)
{
	while (list) {
		struct muster_chunk *next = list->next;
		free(list);
		list = next;
	}
}

static inline int peek_uint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (p == end || shift > 63)
			return -1;
		uint8_t c = *p++;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			break;
	}
	*pp = p;
	*v = x;
	return 0;
}

int muster_rec_peek(const uint8_t *p, size_t n, muster_mask want, unsigned last, muster_fv *v, muster_mask *has)
{
	const uint8_t *end = p + n;
	uint64_t prev = 0, tag, u;
	muster_mask got = 0;
	index_dict();
	while (p < end) {
		if (peek_uint(&p, end, &tag) || tag <= prev || tag >= MUSTER_FIELDS_MAX || !type_of[tag])
			return -1;
		prev = tag;
		int wanted = (int)((want >> tag) & 1);
		switch (type_of[tag]) {
		case MUSTER_F_TEXT:
		case MUSTER_F_BYTES:
			if (peek_uint(&p, end, &u) || u > (uint64_t)(end - p))
				return -1;
			if (wanted)
				v[tag].p = (const char *)p, v[tag].n = (size_t)u;
			p += u;
			break;
		case MUSTER_F_LIST:
		case MUSTER_F_KV:
			if (peek_uint(&p, end, &u) || u > (uint64_t)(end - p))
				return -1; /* each item takes at least one byte */
			for (uint64_t i = 0, k = type_of[tag] == MUSTER_F_KV ? 2 * u : u; i < k; i++) {
				uint64_t len;
				if (peek_uint(&p, end, &len) || len > (uint64_t)(end - p))
					return -1;
				p += len;
			}
			break;
		default:
			if (peek_uint(&p, end, &u))
				return -1;
			if (wanted)
				v[tag].u = u;
		}
		if (wanted)
			got |= MUSTER_BIT(tag);
		if (tag >= last)
			break;
	}
	*has = got;
	return 0;
}

void muster_iter_init(muster_iter *it, const muster_fv *v, int kv)
{
	muster_rd_init(&it->rd, v->p, v->n);
	it->left = kv ? v->u * 2 : v->u;
}

int muster_iter_next(muster_iter *it, const char **s, size_t *n)
{
	if (it->left == 0)
		return 0;
	it->left--;
	*s = muster_get_text(&it->rd, n, MUSTER_TEXT_MAX);
	return !it->rd.err;
}

/* Dates. */

static int leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int mdays(int64_t y, int64_t m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

int muster_date_valid(uint64_t ymd)
{
	uint64_t y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= (uint64_t)mdays((int64_t)y, (int64_t)m);
}

uint64_t muster_date_parse(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	uint64_t v = 0;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return muster_date_valid(v) ? v : 0;
}

void muster_date_format(uint64_t ymd, char out[11])
{
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(ymd / 10000 % 10000), (unsigned)(ymd / 100 % 100),
		(unsigned)(ymd % 100));
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t muster_date_days(uint64_t ymd)
{
	int64_t y = (int64_t)(ymd / 10000), m = (int64_t)(ymd / 100 % 100), d = (int64_t)(ymd % 100);
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

uint64_t muster_date_from_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	return (uint64_t)(y * 10000 + m * 100 + d);
}

uint64_t muster_date_add(uint64_t ymd, int64_t days)
{
	return muster_date_from_days(muster_date_days(ymd) + days);
}

uint64_t muster_date_of_ms(uint64_t time_ms)
{
	/* Asia/Shanghai is UTC+8 all year. */
	return muster_date_from_days((int64_t)((time_ms / 1000 + 8 * 3600) / 86400));
}

uint64_t muster_date_add_months(uint64_t ymd, unsigned months)
{
	uint64_t y = ymd / 10000, m = ymd / 100 % 100 - 1 + months, d = ymd % 100;
	y += m / 12;
	m = m % 12 + 1;
	if (d > (uint64_t)mdays((int64_t)y, (int64_t)m))
		d = (uint64_t)mdays((int64_t)y, (int64_t)m);
	return y * 10000 + m * 100 + d;
}

/* Times: seconds since 1970 UTC; people read and type them in Beijing time (UTC+8, no DST). */
#define BEIJING (8 * 3600)

uint64_t muster_time_parse(const char *s)
{
	char d[11];
	size_t n = strlen(s);
	unsigned hh, mm, ss = 0;
	if ((n != 16 && n != 19) || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || (n == 19 && s[16] != ':'))
		return 0;
	memcpy(d, s, 10);
	d[10] = 0;
	uint64_t ymd = muster_date_parse(d);
	for (size_t i = 11; i < n; i++)
		if (i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
			return 0;
	hh = (unsigned)(s[11] - '0') * 10 + (unsigned)(s[12] - '0');
	mm = (unsigned)(s[14] - '0') * 10 + (unsigned)(s[15] - '0');
	if (n == 19)
		ss = (unsigned)(s[17] - '0') * 10 + (unsigned)(s[18] - '0');
	int64_t days = ymd ? muster_date_days(ymd) : 0;
	if (!ymd || hh > 23 || mm > 59 || ss > 59 || days < 0)
		return 0;
	int64_t t = days * 86400 + hh * 3600 + mm * 60 + ss - BEIJING;
	return t > 0 && (uint64_t)t <= MUSTER_TIME_MAX ? (uint64_t)t : 0;
}

void muster_time_format(uint64_t t, char out[20])
{
	uint64_t local = t + BEIJING, ymd = muster_date_from_days((int64_t)(local / 86400));
	unsigned sec = (unsigned)(local % 86400);
	snprintf(out, 20, "%04u-%02u-%02u %02u:%02u", (unsigned)(ymd / 10000 % 10000), (unsigned)(ymd / 100 % 100),
		(unsigned)(ymd % 100), sec / 3600 % 24, sec / 60 % 60);
}

uint64_t muster_time_date(uint64_t t)
{
	return muster_date_from_days((int64_t)((t + BEIJING) / 86400));
}

/* Rendering and parsing. */

static void fen_format(muster_buf *b, uint64_t fen)
{
	char digits[32];
	int n = snprintf(digits, sizeof digits, "%" PRIu64, fen / 100);
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			muster_buf_puts(b, ",");
		muster_buf_put(b, &digits[i], 1);
	}
	muster_buf_printf(b, ".%02u", (unsigned)(fen % 100));
}

void muster_fv_format(muster_buf *b, const muster_field *f, const muster_fv *v, int zh)
{
	char d[11];
	switch (f->type) {
	case MUSTER_F_TEXT:
		muster_buf_put(b, v->p, v->n);
		break;
	case MUSTER_F_BYTES:
		for (size_t i = 0; i < v->n; i++)
			muster_buf_printf(b, "%02x", (const uint8_t)v->p[i]);
		break;
	case MUSTER_F_DATE:
		muster_date_format(v->u, d);
		muster_buf_puts(b, d);
		break;
	case MUSTER_F_FEN:
		fen_format(b, v->u);
		muster_buf_puts(b, zh ? "元" : " yuan");
		break;
	case MUSTER_F_ENUM:
		muster_buf_puts(b, zh ? f->enums_zh[v->u] : f->enums[v->u]);
		break;
	case MUSTER_F_BOOL:
		muster_buf_puts(b, zh ? "是" : "yes");
		break;
	case MUSTER_F_TIME: {
		char t[20];
		muster_time_format(v->u, t);
		muster_buf_puts(b, t);
		break;
	}
	case MUSTER_F_LIST:
	case MUSTER_F_KV: {
		muster_iter it;
		const char *s;
		size_t n;
		int i = 0, kv = f->type == MUSTER_F_KV;
		muster_iter_init(&it, v, kv);
		while (muster_iter_next(&it, &s, &n)) {
			if (i)
				muster_buf_puts(b, kv && i % 2 ? "=" : zh ? "、" : ", ");
			muster_buf_put(b, s, n);
			i++;
		}
		break;
	}
	default:
		muster_buf_printf(b, "%" PRIu64, v->u);
	}
}

void muster_rec_words(muster_buf *b, const muster_rec *r, int zh, muster_mask skip)
{
	int first = 1;
	index_dict();
	for (unsigned tag = 1; tag < MUSTER_FIELDS_MAX; tag++) {
		const muster_field *f = by_tag[tag];
		if (!MUSTER_HAS(r, tag) || !f || (skip & MUSTER_BIT(tag)))
			continue;
		muster_buf_puts(b, first ? "" : zh ? "，" : ", ");
		muster_buf_puts(b, zh ? f->zh : f->en);
		muster_buf_puts(b, zh ? "：" : " ");
		muster_fv_format(b, f, &r->v[tag], zh);
		first = 0;
	}
}

void muster_rec_json(muster_buf *b, const muster_rec *r)
{
	char d[11];
	index_dict();
	for (unsigned tag = 1; tag < MUSTER_FIELDS_MAX; tag++) {
		const muster_field *f = by_tag[tag];
		const muster_fv *v = &r->v[tag];
		if (!MUSTER_HAS(r, tag) || !f)
			continue;
		muster_buf_printf(b, ",\"%s\":", f->name);
		switch (f->type) {
		case MUSTER_F_TEXT:
			muster_json_str(b, v->p, v->n);
			break;
		case MUSTER_F_BYTES:
			muster_json_hex(b, (const uint8_t *)v->p, v->n);
			break;
		case MUSTER_F_DATE:
			muster_date_format(v->u, d);
			muster_json_cstr(b, d);
			break;
		case MUSTER_F_ENUM:
			muster_json_cstr(b, f->enums[v->u]);
			break;
		case MUSTER_F_BOOL:
			muster_buf_puts(b, "true");
			break;
		case MUSTER_F_TIME: {
			char t[20];
			muster_time_format(v->u, t);
			t[10] = 'T';
			muster_buf_printf(b, "\"%s:%02u+08:00\"", t, (unsigned)(v->u % 60));
			break;
		}
		case MUSTER_F_LIST:
		case MUSTER_F_KV: {
			muster_iter it;
			const char *s;
			size_t n;
			int i = 0, kv = f->type == MUSTER_F_KV;
			muster_iter_init(&it, v, kv);
			muster_buf_puts(b, kv ? "{" : "[");
			while (muster_iter_next(&it, &s, &n)) {
				if (i)
					muster_buf_puts(b, kv && i % 2 ? ":" : ",");
				muster_json_str(b, s, n);
				i++;
			}
			muster_buf_puts(b, kv ? "}" : "]");
			break;
		}
		default:
			muster_buf_printf(b, "%" PRIu64, v->u);
		}
	}
}

static int parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* "1250000" fen, or "12500.00" / "12500.5" yuan. */
static int parse_money(const char *s, uint64_t *fen)
{
	const char *dot = strchr(s, '.');
	if (!dot)
		return parse_uint(s, fen);
	char whole[24];
	size_t wn = (size_t)(dot - s), fn = strlen(dot + 1);
	uint64_t y, f = 0;
	if (wn == 0 || wn >= sizeof whole || fn == 0 || fn > 2)
		return -1;
	memcpy(whole, s, wn);
	whole[wn] = 0;
	if (parse_uint(whole, &y) || parse_uint(dot + 1, &f) || y > UINT64_MAX / 100 - 1)
		return -1;
	*fen = y * 100 + (fn == 1 ? f * 10 : f);
	return 0;
}

int muster_fv_parse(const muster_field *f, const char *s, muster_rec *r, muster_buf *items, uint64_t *count,
	char *why, size_t whylen)
{
	size_t n = strlen(s);
	uint64_t u;
	switch (f->type) {
	case MUSTER_F_TEXT:
		if (n == 0 || n > f->max || !muster_utf8_valid(s, n)) {
			SAY("--%s: give non-empty UTF-8 text of at most %u bytes", f->name, f->max);
			return MUSTER_EINVAL;
		}
		muster_rec_text(r, f->tag, s, n);
		return 0;
	case MUSTER_F_DATE:
		if (!(u = muster_date_parse(s))) {
			SAY("--%s '%s' is not a date: give YYYY-MM-DD, e.g. 2026-11-25", f->name, s);
			return MUSTER_EINVAL;
		}
		muster_rec_uint(r, f->tag, u);
		return 0;
	case MUSTER_F_FEN:
		if (parse_money(s, &u)) {
			SAY("--%s '%s' is not an amount: give fen (1250000) or yuan with a point (12500.00)", f->name, s);
			return MUSTER_EINVAL;
		}
		muster_rec_uint(r, f->tag, u);
		return 0;
	case MUSTER_F_UINT:
		if (parse_uint(s, &u)) {
			SAY("--%s '%s' is not a whole number", f->name, s);
			return MUSTER_EINVAL;
		}
		muster_rec_uint(r, f->tag, u);
		return 0;
	case MUSTER_F_ENUM:
		for (int i = 0; f->enums[i]; i++) {
			if (strcmp(s, f->enums[i]) == 0 || strcmp(s, f->enums_zh[i]) == 0) {
				muster_rec_uint(r, f->tag, (uint64_t)i);
				return 0;
			}
		}
		if (why && whylen) {
			int off = snprintf(why, whylen, "--%s '%s' is not one of", f->name, s);
			for (int i = 0; f->enums[i] && off > 0 && (size_t)off < whylen; i++)
				off += snprintf(why + off, whylen - (size_t)off, " %s(%s)", f->enums[i], f->enums_zh[i]);
		}
		return MUSTER_EINVAL;
	case MUSTER_F_BOOL:
		muster_rec_uint(r, f->tag, 1);
		return 0;
	case MUSTER_F_TIME:
		if (!(u = muster_time_parse(s))) {
			SAY("--%s '%s' is not a time: give Beijing time as YYYY-MM-DD HH:MM, e.g. 2026-11-25 08:30", f->name, s);
			return MUSTER_EINVAL;
		}
		muster_rec_uint(r, f->tag, u);
		return 0;
	case MUSTER_F_LIST:
		if (n == 0 || !muster_utf8_valid(s, n) || *count >= f->max) {
			SAY("--%s: give non-empty UTF-8 text, at most %u of them", f->name, f->max);
			return MUSTER_EINVAL;
		}
		muster_list_add(items, count, s, n);
		return 0;
	case MUSTER_F_KV: {
		const char *eq = strchr(s, '=');
		if (!eq || eq == s || !eq[1] || (size_t)(eq - s) > 64 || strlen(eq + 1) > 1024 || !muster_utf8_valid(s, n)) {
			SAY("--%s '%s': give key=value (key up to 64 bytes, value up to 1024)", f->name, s);
			return MUSTER_EINVAL;
		}
		if (*count >= f->max) {
			SAY("--%s: at most %u attributes", f->name, f->max);
			return MUSTER_EINVAL;
		}
		muster_list_add(items, count, s, (size_t)(eq - s));
		muster_list_add(items, count, eq + 1, strlen(eq + 1));
		return 0;
	}
	case MUSTER_F_BYTES: /* hex, e.g. a key id */
		if (!items || n == 0 || n % 2 || n / 2 > f->max) {
			SAY("--%s '%s': give %u bytes as hex digits", f->name, s, f->max);
			return MUSTER_EINVAL;
		}
		muster_buf_reset(items);
		for (size_t i = 0; i < n; i += 2) {
			int hi = hexval(s[i]), lo = hexval(s[i + 1]);
			if (hi < 0 || lo < 0) {
				SAY("--%s '%s': give %u bytes as hex digits", f->name, s, f->max);
				return MUSTER_EINVAL;
			}
			uint8_t byte = (uint8_t)(hi << 4 | lo);
			muster_buf_put(items, &byte, 1);
		}
		if (items->err)
			return items->err;
		muster_rec_text(r, f->tag, (const char *)items->data, items->len);
		return 0;
	default:
		SAY("--%s cannot be given on the command line", f->name);
		return MUSTER_EINVAL;
	}
}
